/* The document store: create/update/put/get/delete, paging by key with a
 * prefix and an exclusive start, counts, transactions and the generation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/doc.h"
#include "store/store.h"

static char s_dir[64];
static struct bw_store *s_store;

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	return bw_test_store_open(s_dir, sizeof s_dir, "doc", &s_store);
}

static int teardown(void **state)
{
	(void)state;
	return bw_test_store_close(s_dir, s_store);
}

static json_t *s_doc(const char *name)
{
	return json_pack("{s:s}", "UserName", name);
}

static void test_crud(void **state)
{
	(void)state;
	json_t *d = s_doc("Alice"), *got = NULL;
	unsigned long g0 = bw_store_generation(s_store);
	assert_int_equal(bw_doc_create(s_store, "t/user", "111", "alice", d), BW_STORE_OK);
	assert_true(bw_store_generation(s_store) > g0);
	assert_int_equal(bw_doc_create(s_store, "t/user", "111", "alice", d), BW_STORE_EXISTS);
	/* another account or kind is another namespace */
	assert_int_equal(bw_doc_create(s_store, "t/user", "222", "alice", d), BW_STORE_OK);
	assert_int_equal(bw_doc_create(s_store, "t/group", "111", "alice", d), BW_STORE_OK);
	assert_int_equal(bw_doc_get(s_store, "t/user", "111", "alice", &got), BW_STORE_OK);
	assert_string_equal(json_string_value(json_object_get(got, "UserName")), "Alice");
	json_decref(got);
	json_t *d2 = s_doc("ALICE");
	assert_int_equal(bw_doc_update(s_store, "t/user", "111", "alice", d2), BW_STORE_OK);
	assert_int_equal(bw_doc_update(s_store, "t/user", "111", "bob", d2), BW_STORE_NOT_FOUND);
	assert_int_equal(bw_doc_put(s_store, "t/user", "111", "bob", d2), BW_STORE_OK);
	assert_int_equal(bw_doc_get(s_store, "t/user", "111", "alice", &got), BW_STORE_OK);
	assert_string_equal(json_string_value(json_object_get(got, "UserName")), "ALICE");
	json_decref(got);
	assert_int_equal(bw_doc_delete(s_store, "t/user", "111", "alice"), BW_STORE_OK);
	assert_int_equal(bw_doc_delete(s_store, "t/user", "111", "alice"), BW_STORE_NOT_FOUND);
	assert_int_equal(bw_doc_get(s_store, "t/user", "111", "alice", &got), BW_STORE_NOT_FOUND);
	assert_null(got);
	json_decref(d);
	json_decref(d2);
}

static void test_paging_with_prefix(void **state)
{
	(void)state;
	char key[32];
	for (int i = 0; i < 25; i++) {
		snprintf(key, sizeof key, "g1/user%02d", i);
		json_t *d = s_doc(key);
		assert_int_equal(bw_doc_create(s_store, "t/member", "111", key, d), BW_STORE_OK);
		json_decref(d);
	}
	json_t *d = s_doc("x");
	assert_int_equal(bw_doc_create(s_store, "t/member", "111", "g10/user", d), BW_STORE_OK);
	assert_int_equal(bw_doc_create(s_store, "t/member", "111", "g0/user", d), BW_STORE_OK);
	json_decref(d);

	size_t n;
	assert_int_equal(bw_doc_count(s_store, "t/member", "111", "g1/", &n), BW_STORE_OK);
	assert_int_equal(n, 25);
	assert_int_equal(bw_doc_count(s_store, "t/member", "111", NULL, &n), BW_STORE_OK);
	assert_int_equal(n, 27);

	struct bw_doc_page page = {.prefix = "g1/", .limit = 10};
	json_t *docs;
	bool more;
	int seen = 0;
	char after[64] = "";
	do {
		page.after = after[0] ? after : NULL;
		assert_int_equal(bw_doc_list(s_store, "t/member", "111", &page, &docs, &more),
		                 BW_STORE_OK);
		size_t i;
		json_t *row;
		json_array_foreach(docs, i, row) {
			snprintf(key, sizeof key, "g1/user%02d", seen++);
			assert_string_equal(json_string_value(json_object_get(row, "key")), key);
			snprintf(after, sizeof after, "%s", key);
		}
		assert_true(json_array_size(docs) == 10 || !more);
		json_decref(docs);
	} while (more);
	assert_int_equal(seen, 25);

	assert_int_equal(bw_doc_delete_prefix(s_store, "t/member", "111", "g1/"), BW_STORE_OK);
	assert_int_equal(bw_doc_count(s_store, "t/member", "111", NULL, &n), BW_STORE_OK);
	assert_int_equal(n, 2);
}

static void test_transactions(void **state)
{
	(void)state;
	json_t *d = s_doc("t"), *got;
	assert_int_equal(bw_store_begin(s_store), 0);
	assert_int_equal(bw_doc_create(s_store, "t/tx", "111", "a", d), BW_STORE_OK);
	assert_int_equal(bw_doc_create(s_store, "t/tx", "111", "b", d), BW_STORE_OK);
	bw_store_rollback(s_store);
	assert_int_equal(bw_doc_get(s_store, "t/tx", "111", "a", &got), BW_STORE_NOT_FOUND);

	unsigned long g = bw_store_generation(s_store);
	assert_int_equal(bw_store_begin(s_store), 0);
	assert_int_equal(bw_doc_create(s_store, "t/tx", "111", "a", d), BW_STORE_OK);
	assert_int_equal(bw_store_generation(s_store), g); /* not until commit */
	assert_int_equal(bw_store_commit(s_store), 0);
	assert_true(bw_store_generation(s_store) > g);
	assert_int_equal(bw_doc_get(s_store, "t/tx", "111", "a", &got), BW_STORE_OK);
	json_decref(got);

	/* an inner rollback dooms the outer transaction */
	assert_int_equal(bw_store_begin(s_store), 0);
	assert_int_equal(bw_doc_create(s_store, "t/tx", "111", "c", d), BW_STORE_OK);
	assert_int_equal(bw_store_begin(s_store), 0);
	bw_store_rollback(s_store);
	assert_int_equal(bw_store_commit(s_store), -1);
	assert_int_equal(bw_doc_get(s_store, "t/tx", "111", "c", &got), BW_STORE_NOT_FOUND);
	json_decref(d);
}

static void test_read_cache_never_serves_stale(void **state)
{
	(void)state;
	json_t *v1 = s_doc("one"), *v2 = s_doc("two"), *v3 = s_doc("three"), *got = NULL;
	assert_int_equal(bw_doc_put(s_store, "t/cache", "111", "k", v1), BW_STORE_OK);
	for (int i = 0; i < 2; i++) { /* the second read is served from memory */
		assert_int_equal(bw_doc_get(s_store, "t/cache", "111", "k", &got), BW_STORE_OK);
		assert_string_equal(json_string_value(json_object_get(got, "UserName")), "one");
		/* a caller may change its copy without touching the cache */
		json_object_set_new(got, "UserName", json_string("mutated"));
		json_decref(got);
	}
	assert_int_equal(bw_doc_put(s_store, "t/cache", "111", "k", v2), BW_STORE_OK);
	assert_int_equal(bw_doc_get(s_store, "t/cache", "111", "k", &got), BW_STORE_OK);
	assert_string_equal(json_string_value(json_object_get(got, "UserName")), "two");
	json_decref(got);

	/* inside a transaction its own writes are seen before commit */
	assert_int_equal(bw_store_begin(s_store), 0);
	assert_int_equal(bw_doc_update(s_store, "t/cache", "111", "k", v3), BW_STORE_OK);
	assert_int_equal(bw_doc_get(s_store, "t/cache", "111", "k", &got), BW_STORE_OK);
	assert_string_equal(json_string_value(json_object_get(got, "UserName")), "three");
	json_decref(got);
	bw_store_rollback(s_store);
	assert_int_equal(bw_doc_get(s_store, "t/cache", "111", "k", &got), BW_STORE_OK);
	assert_string_equal(json_string_value(json_object_get(got, "UserName")), "two");
	json_decref(got);

	/* a cached list sees a new document at once */
	struct bw_doc_page page = {.prefix = "l/"};
	json_t *docs;
	bool more;
	assert_int_equal(bw_doc_list(s_store, "t/cache", "111", &page, &docs, &more), BW_STORE_OK);
	assert_int_equal(json_array_size(docs), 0);
	json_decref(docs);
	assert_int_equal(bw_doc_create(s_store, "t/cache", "111", "l/a", v1), BW_STORE_OK);
	assert_int_equal(bw_doc_list(s_store, "t/cache", "111", &page, &docs, &more), BW_STORE_OK);
	assert_int_equal(json_array_size(docs), 1);
	json_decref(docs);
	assert_int_equal(bw_doc_delete(s_store, "t/cache", "111", "k"), BW_STORE_OK);
	assert_int_equal(bw_doc_get(s_store, "t/cache", "111", "k", &got), BW_STORE_NOT_FOUND);
	json_decref(v1);
	json_decref(v2);
	json_decref(v3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crud),
		cmocka_unit_test(test_paging_with_prefix),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_read_cache_never_serves_stale),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
