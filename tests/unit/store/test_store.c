/* The SQLite store: migrations, settings, reopening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"

static char s_dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-store-XXXXXX");
	return mkdtemp(s_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return bw_test_store_close(s_dir, NULL);
}

static void test_open_migrates_and_pings(void **state)
{
	(void)state;
	struct bw_store *s;
	char sub[300];
	snprintf(sub, sizeof sub, "%s/data", s_dir);
	assert_int_equal(bw_store_open(sub, &s), 0);
	assert_int_equal(bw_store_ping(s), 0);
	assert_int_equal(bw_store_schema_version(s), 5);
	struct stat st;
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	char db[320];
	snprintf(db, sizeof db, "%s/bulwark.db", sub);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
	bw_store_close(s);
}

static void test_meta_survives_reopen_and_first_writer_wins(void **state)
{
	(void)state;
	struct bw_store *s;
	char v[32];
	assert_int_equal(bw_store_open(s_dir, &s), 0);
	assert_int_equal(bw_store_meta_get(s, "account_id", v, sizeof v), 0);
	assert_int_equal(bw_store_meta_ensure(s, "account_id", "111111111111", v, sizeof v), 0);
	assert_string_equal(v, "111111111111");
	assert_int_equal(bw_store_meta_ensure(s, "account_id", "222222222222", v, sizeof v), 0);
	assert_string_equal(v, "111111111111");
	bw_store_close(s);
	assert_int_equal(bw_store_open(s_dir, &s), 0);
	assert_int_equal(bw_store_meta_get(s, "account_id", v, sizeof v), 1);
	assert_string_equal(v, "111111111111");
	assert_int_equal(bw_store_meta_set(s, "account_id", "333"), 0);
	assert_int_equal(bw_store_meta_get(s, "account_id", v, sizeof v), 1);
	assert_string_equal(v, "333");
	bw_store_close(s);
}

static void test_unwritable_directory_fails_cleanly(void **state)
{
	(void)state;
	struct bw_store *s = (struct bw_store *)1;
	assert_int_equal(bw_store_open("/proc/bulwark-cannot-be-here", &s), -1);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_migrates_and_pings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_survives_reopen_and_first_writer_wins, setup,
		                                teardown),
		cmocka_unit_test(test_unwritable_directory_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
