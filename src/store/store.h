/*
 * store.h: bulwark's persistent state behind one interface.
 *
 * The embedded backend is SQLite in WAL mode under the data directory
 * (<data>/bulwark.db). Nothing outside store/ writes SQL. Schema migrations
 * are numbered and run at open.
 */
#ifndef BW_STORE_STORE_H
#define BW_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct bw_store;

/* Create the data directory (0700) if needed, open the database, run the
 * migrations. -1 with a logged reason on failure. */
BW_MUST_CHECK int bw_store_open(const char *data_dir, struct bw_store **out);
void bw_store_close(struct bw_store *store);

/* 0 if the database answers a trivial query. */
int bw_store_ping(struct bw_store *store);
/*
 * Whether the store can take a write now, for /_bulwark/health: a probe
 * write committed to bulwark.db (at most once a second; the answer is
 * kept in between, so polling costs no write per request), and the space
 * left on the data directory's file system. A full disk is "full" even
 * while SQLite could still reuse pages: the next growth would fail.
 */
#define BW_STORE_MIN_FREE_BYTES (8u * 1024 * 1024)
struct bw_store_health {
	bool writable;          /* the probe write committed */
	bool full;              /* less than BW_STORE_MIN_FREE_BYTES left */
	uint64_t free_bytes;    /* available to this process */
};
void bw_store_health(struct bw_store *store, double now_s, struct bw_store_health *out);

/* The schema version the migrations reached. */
int bw_store_schema_version(struct bw_store *store);

/* Small settings of the installation (account id, ...). get: 1 found,
 * 0 absent, -1 error; the value is NUL-terminated, truncated to outlen. */
int bw_store_meta_get(struct bw_store *store, const char *key, char *out, size_t outlen);
BW_MUST_CHECK int bw_store_meta_set(struct bw_store *store, const char *key, const char *value);
/* Set only if absent; then read back whatever is stored (first writer wins). */
BW_MUST_CHECK int bw_store_meta_ensure(struct bw_store *store, const char *key,
                                       const char *value, char *out, size_t outlen);

#endif
