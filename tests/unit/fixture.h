/*
 * fixture.h: what many unit tests set up — a temporary directory with a
 * store in it, removed afterwards. Include after <cmocka.h>.
 */
#ifndef BW_TESTS_UNIT_FIXTURE_H
#define BW_TESTS_UNIT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "store/store.h"

/* Make /tmp/bw-<name>-XXXXXX into dir (64 bytes); quiet the log. */
static inline int bw_test_tmpdir(char *dir, size_t len, const char *name)
{
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(dir, len, "/tmp/bw-%s-XXXXXX", name);
	return mkdtemp(dir) ? 0 : -1;
}

/* A temporary directory holding a new store. */
static inline int bw_test_store_open(char *dir, size_t len, const char *name,
                                     struct bw_store **store)
{
	if (bw_test_tmpdir(dir, len, name) != 0)
		return -1;
	return bw_store_open(dir, store);
}

/* Remove the directory (closing the store first when given). */
static inline int bw_test_store_close(const char *dir, struct bw_store *store)
{
	if (store)
		bw_store_close(store);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
