/* The event log: append and lookup by every attribute and by time, paging
 * newest first, the hash chain catching a modified, deleted or inserted
 * row (the table changed behind the store's back with sqlite3), pruning
 * that keeps the chain checkable, and the recorder's group commit, waiting
 * (bw_recorder_record) and asynchronous (bw_recorder_submit). The keyed
 * chain against someone who recomputes it, and the upgrade from unkeyed
 * logs: test_event_chain.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "gateway/recorder.h"
#include "store/events.h"
#include "store/store.h"

static char s_dir[64];
static struct bw_store *s_store;
static const uint8_t s_key[BW_EVENTS_CHAIN_KEY_LEN] = {0x42, 0x17};

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	if (bw_test_store_open(s_dir, sizeof s_dir, "events", &s_store) != 0)
		return -1;
	return bw_events_set_chain_key(s_store, s_key, sizeof s_key);
}

/* Verify with the store's key; the first bad seq into *bad. */
static int s_verify(uint64_t *bad)
{
	struct bw_events_chain_report r;
	int rc = bw_events_verify_chain(s_store, s_key, sizeof s_key, &r);
	*bad = r.bad_seq;
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	return bw_test_store_close(s_dir, s_store);
}

/* Run SQL on the database file with a second connection: an attacker. */
static void s_tamper(const char *sql)
{
	char path[128];
	snprintf(path, sizeof path, "%s/events.db", s_dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "tamper: %s\n", err ? err : "?");
	sqlite3_free(err);
	assert_int_equal(rc, SQLITE_OK);
	sqlite3_close(db);
}

/* Event i: name Op<i%3>, source s<i%2>, user u<i%4>, key K<i%5>,
 * read-only when i is even, time 1000 + i seconds, one resource. */
static uint64_t s_append_n(int from, int n)
{
	struct bw_event_row rows[64];
	char text[64][256], id[64][40], name[64][8], src[64][8], user[64][8], akid[64][8];
	json_t *res[64];
	assert_true(n <= 64);
	for (int k = 0; k < n; k++) {
		int i = from + k;
		snprintf(id[k], sizeof id[k], "id-%d", i);
		snprintf(name[k], sizeof name[k], "Op%d", i % 3);
		snprintf(src[k], sizeof src[k], "s%d", i % 2);
		snprintf(user[k], sizeof user[k], "u%d", i % 4);
		snprintf(akid[k], sizeof akid[k], "K%d", i % 5);
		snprintf(text[k], sizeof text[k], "{\"eventID\":\"%.39s\",\"n\":%d}", id[k], i);
		res[k] = json_pack("[{s:s, s:s}, {s:s, s:s}]", "ResourceType", "AWS::KMS::Key",
		                   "ResourceName", i % 2 ? "key-odd" : "key-even", "ResourceType",
		                   "AWS::KMS::Key", "ResourceName", "key-all");
		rows[k] = (struct bw_event_row){.record = text[k], .event_id = id[k],
		                                .event_time_ms = (1000 + i) * 1000LL,
		                                .event_name = name[k], .event_source = src[k],
		                                .username = user[k], .access_key_id = akid[k],
		                                .read_only = i % 2 == 0, .resources = res[k]};
	}
	uint64_t last = 0;
	assert_int_equal(bw_events_append(s_store, rows, (size_t)n, &last), 0);
	for (int k = 0; k < n; k++)
		json_decref(res[k]);
	return last;
}

static int s_n_of(const json_t *item)
{
	return (int)json_integer_value(json_object_get(json_object_get(item, "record"), "n"));
}

static size_t s_count(enum bw_event_attr attr, const char *value, int64_t start, int64_t end)
{
	struct bw_event_query q = {.attr = attr, .value = value, .start_ms = start, .end_ms = end,
	                           .limit = 50};
	size_t total = 0;
	for (;;) {
		json_t *recs = NULL;
		bool more = false;
		assert_int_equal(bw_events_lookup(s_store, &q, &recs, &more), 0);
		size_t i;
		json_t *it;
		json_array_foreach(recs, i, it) {
			uint64_t seq = (uint64_t)json_integer_value(json_object_get(it, "seq"));
			/* newest first, never the same twice */
			int64_t t = json_integer_value(json_object_get(it, "time_ms"));
			if (q.before_seq)
				assert_true(t < q.before_time_ms ||
				            (t == q.before_time_ms && seq < q.before_seq));
			q.before_seq = seq;
			q.before_time_ms = t;
			total++;
		}
		json_decref(recs);
		if (!more)
			return total;
	}
}

static void test_append_lookup_every_attribute(void **state)
{
	(void)state;
	assert_int_equal(s_append_n(0, 60), 60);
	assert_int_equal(s_append_n(60, 60), 120);
	assert_int_equal(bw_events_count(s_store), 120);
	assert_int_equal(s_count(BW_EVENT_ATTR_NONE, NULL, 0, 0), 120);
	assert_int_equal(s_count(BW_EVENT_ATTR_EVENT_ID, "id-7", 0, 0), 1);
	assert_int_equal(s_count(BW_EVENT_ATTR_EVENT_ID, "id-none", 0, 0), 0);
	assert_int_equal(s_count(BW_EVENT_ATTR_EVENT_NAME, "Op1", 0, 0), 40);
	assert_int_equal(s_count(BW_EVENT_ATTR_READ_ONLY, "true", 0, 0), 60);
	assert_int_equal(s_count(BW_EVENT_ATTR_READ_ONLY, "false", 0, 0), 60);
	assert_int_equal(s_count(BW_EVENT_ATTR_USERNAME, "u3", 0, 0), 30);
	assert_int_equal(s_count(BW_EVENT_ATTR_EVENT_SOURCE, "s0", 0, 0), 60);
	assert_int_equal(s_count(BW_EVENT_ATTR_ACCESS_KEY_ID, "K4", 0, 0), 24);
	/* two resources of one type on every event: each event once */
	assert_int_equal(s_count(BW_EVENT_ATTR_RESOURCE_TYPE, "AWS::KMS::Key", 0, 0), 120);
	assert_int_equal(s_count(BW_EVENT_ATTR_RESOURCE_NAME, "key-odd", 0, 0), 60);
	assert_int_equal(s_count(BW_EVENT_ATTR_RESOURCE_NAME, "key-all", 0, 0), 120);
	/* time: inclusive bounds, with and without an attribute */
	assert_int_equal(s_count(BW_EVENT_ATTR_NONE, NULL, 1010 * 1000LL, 1019 * 1000LL), 10);
	assert_int_equal(s_count(BW_EVENT_ATTR_NONE, NULL, 1100 * 1000LL, 0), 20);
	assert_int_equal(s_count(BW_EVENT_ATTR_NONE, NULL, 0, 1009 * 1000LL), 10);
	assert_int_equal(s_count(BW_EVENT_ATTR_EVENT_NAME, "Op0", 1000 * 1000LL, 1011 * 1000LL), 4);
	assert_int_equal(s_count(BW_EVENT_ATTR_RESOURCE_NAME, "key-odd", 1000 * 1000LL,
	                         1009 * 1000LL), 5);
	/* a bad query is refused, not run */
	struct bw_event_query bad = {.limit = 0};
	json_t *recs = NULL;
	bool more;
	assert_int_equal(bw_events_lookup(s_store, &bad, &recs, &more), -1);
	bad = (struct bw_event_query){.attr = BW_EVENT_ATTR_EVENT_NAME, .limit = 5};
	assert_int_equal(bw_events_lookup(s_store, &bad, &recs, &more), -1);
	assert_int_equal(s_verify(&(uint64_t){0}), 0);
}

static void test_paging_newest_first(void **state)
{
	(void)state;
	s_append_n(0, 30);
	struct bw_event_query q = {.limit = 7};
	int expect = 29, pages = 0;
	for (;;) {
		json_t *recs = NULL;
		bool more = false;
		assert_int_equal(bw_events_lookup(s_store, &q, &recs, &more), 0);
		pages++;
		size_t i;
		json_t *it;
		json_array_foreach(recs, i, it) {
			assert_int_equal(s_n_of(it), expect);
			expect--;
			q.before_seq = (uint64_t)json_integer_value(json_object_get(it, "seq"));
			q.before_time_ms = json_integer_value(json_object_get(it, "time_ms"));
		}
		json_decref(recs);
		if (!more)
			break;
	}
	assert_int_equal(expect, -1);
	assert_int_equal(pages, 5);
	/* range for delivery: in append order after a seq */
	json_t *recs = NULL;
	assert_int_equal(bw_events_range(s_store, 10, 5, &recs), 0);
	assert_int_equal(json_array_size(recs), 5);
	assert_int_equal(s_n_of(json_array_get(recs, 0)), 10);
	assert_int_equal(s_n_of(json_array_get(recs, 4)), 14);
	json_decref(recs);
}

static void test_chain_detects_modification(void **state)
{
	(void)state;
	s_append_n(0, 20);
	uint64_t bad = 99;
	assert_int_equal(s_verify(&bad), 0);
	assert_int_equal(bad, 0);
	s_tamper("UPDATE events SET record = replace(record, '\"n\":7', '\"n\":8') WHERE seq = 8");
	assert_int_equal(s_verify(&bad), -1);
	assert_int_equal(bad, 8);
}

static void test_chain_detects_deletion(void **state)
{
	(void)state;
	s_append_n(0, 20);
	uint64_t bad = 0;
	s_tamper("DELETE FROM events WHERE seq = 5");
	assert_int_equal(s_verify(&bad), -1);
	assert_int_equal(bad, 5);
}

static void test_chain_detects_deletion_at_either_end(void **state)
{
	(void)state;
	s_append_n(0, 20);
	uint64_t bad = 0;
	s_tamper("DELETE FROM events WHERE seq = 20");
	assert_int_equal(s_verify(&bad), -1);
	assert_int_equal(bad, 20);
	/* the writer chains on from the head it committed, not from the newest
	 * row left: the gap stays visible after more appends */
	assert_int_equal(s_append_n(20, 1), 21);
	assert_int_equal(s_verify(&bad), -1);
	assert_int_equal(bad, 20);
	s_tamper("DELETE FROM events WHERE seq = 1");
	assert_int_equal(s_verify(&bad), -1);
	assert_int_equal(bad, 1);
}

static void test_chain_detects_insertion(void **state)
{
	(void)state;
	s_append_n(0, 20);
	uint64_t bad = 0;
	/* a forged row slipped in between, reusing its neighbour's digests */
	s_tamper("UPDATE events SET seq = -seq WHERE seq > 10;"
	         "UPDATE events SET seq = 1 - seq WHERE seq < 0;"
	         "INSERT INTO events SELECT 11, 'forged', event_time_ms, event_name, event_source,"
	         " username, access_key_id, read_only, '{\"n\":-1}', prev_digest, digest"
	         " FROM events WHERE seq = 10;");
	assert_int_equal(s_verify(&bad), -1);
	assert_int_equal(bad, 11);
}

static void test_prune_keeps_the_chain_checkable(void **state)
{
	(void)state;
	s_append_n(0, 50);
	size_t deleted = 0;
	/* events 0..19 are older than 1020 s */
	assert_int_equal(bw_events_prune(s_store, 1020 * 1000LL, &deleted), 0);
	assert_int_equal(deleted, 20);
	assert_int_equal(bw_events_count(s_store), 30);
	uint64_t bad = 99;
	assert_int_equal(s_verify(&bad), 0);
	assert_int_equal(s_count(BW_EVENT_ATTR_RESOURCE_NAME, "key-all", 0, 0), 30);
	/* nothing more to do */
	assert_int_equal(bw_events_prune(s_store, 1020 * 1000LL, &deleted), 0);
	assert_int_equal(deleted, 0);
	/* removing the oldest kept row still shows */
	s_tamper("DELETE FROM events WHERE seq = 21");
	assert_int_equal(s_verify(&bad), -1);
	assert_int_equal(bad, 21);
}

static void test_prune_everything_then_append(void **state)
{
	(void)state;
	s_append_n(0, 10);
	size_t deleted = 0;
	assert_int_equal(bw_events_prune(s_store, 5000 * 1000LL, &deleted), 0);
	assert_int_equal(deleted, 10);
	assert_int_equal(bw_events_count(s_store), 0);
	assert_int_equal(s_verify(&(uint64_t){0}), 0);
	/* the chain carries on from the last pruned digest, with no gap */
	assert_int_equal(s_append_n(10, 5), 15);
	assert_int_equal(s_verify(&(uint64_t){0}), 0);
}

/* ---- the recorder ---------------------------------------------------- */

struct s_submitter {
	struct bw_recorder *rec;
	int index;
	int n;
	int failures;
};

static void *s_submit(void *arg)
{
	struct s_submitter *s = arg;
	for (int i = 0; i < s->n; i++) {
		char id[40];
		snprintf(id, sizeof id, "t%d-%d", s->index, i);
		json_t *rec = json_pack("{s:s, s:i}", "eventID", id, "n", i);
		struct bw_event_row row = {.event_id = id, .event_time_ms = 1,
		                           .event_name = "Op", .event_source = "s"};
		if (!rec || bw_recorder_record(s->rec, rec, &row) != 0)
			s->failures++;
		json_decref(rec);
	}
	return NULL;
}

static void test_recorder_group_commit(void **state)
{
	(void)state;
	struct bw_recorder *rec = bw_recorder_start(s_store);
	assert_non_null(rec);
	enum { THREADS = 8, EACH = 500 };
	pthread_t t[THREADS];
	struct s_submitter sub[THREADS];
	for (int i = 0; i < THREADS; i++) {
		sub[i] = (struct s_submitter){.rec = rec, .index = i, .n = EACH};
		assert_int_equal(pthread_create(&t[i], NULL, s_submit, &sub[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(sub[i].failures, 0);
	}
	uint64_t records = 0, batches = 0;
	bw_recorder_stats(rec, &records, &batches);
	bw_recorder_stop(rec);
	/* every record is there once: nothing dropped, nothing doubled */
	assert_int_equal(records, THREADS * EACH);
	assert_int_equal(bw_events_count(s_store), THREADS * EACH);
	assert_true(batches <= records);
	assert_int_equal(s_verify(&(uint64_t){0}), 0);
	print_message("recorder: %llu records in %llu batches\n", (unsigned long long)records,
	              (unsigned long long)batches);
}

static void test_recorder_refuses_after_stop_drains(void **state)
{
	(void)state;
	struct bw_recorder *rec = bw_recorder_start(s_store);
	assert_non_null(rec);
	json_t *j = json_pack("{s:s}", "eventID", "x");
	struct bw_event_row row = {.event_id = "x", .event_name = "Op", .event_source = "s"};
	assert_int_equal(bw_recorder_record(rec, j, &row), 0);
	/* a row the store refuses (no event name) fails its caller, not others */
	struct bw_event_row bad = {.event_id = "y", .event_source = "s"};
	assert_int_equal(bw_recorder_record(rec, j, &bad), -1);
	bw_recorder_stop(rec);
	json_decref(j);
	assert_int_equal(bw_events_count(s_store), 1);
}

/* bw_recorder_submit: callbacks on the recorder thread, once each. */
struct s_async {
	pthread_mutex_t lock;
	int ok, failed;
};

static void s_async_done(void *arg, int rc)
{
	struct s_async *a = arg;
	pthread_mutex_lock(&a->lock);
	if (rc == 0)
		a->ok++;
	else
		a->failed++;
	pthread_mutex_unlock(&a->lock);
}

static void test_recorder_submit_async(void **state)
{
	(void)state;
	struct bw_recorder *rec = bw_recorder_start(s_store);
	assert_non_null(rec);
	struct s_async a = {.lock = PTHREAD_MUTEX_INITIALIZER};
	enum { N = 3000 };
	for (int i = 0; i < N; i++) {
		/* the row's strings and resources die right after submitting */
		char id[40], name[16];
		snprintf(id, sizeof id, "a-%d", i);
		snprintf(name, sizeof name, "Op%d", i % 3);
		json_t *j = json_pack("{s:s, s:i}", "eventID", id, "n", i);
		json_t *res = json_pack("[{s:s, s:s}]", "ResourceType", "T", "ResourceName", id);
		struct bw_event_row row = {.event_id = id, .event_time_ms = 1, .event_name = name,
		                           .event_source = "s", .username = "u", .resources = res};
		assert_non_null(j);
		assert_int_equal(bw_recorder_submit(rec, j, &row, s_async_done, &a), 0);
		json_decref(j);
		json_decref(res);
	}
	/* a row the store refuses fails its own batch's callbacks with -1 */
	json_t *j = json_pack("{s:s}", "eventID", "bad");
	struct bw_event_row bad = {.event_id = "bad", .event_source = "s"};
	assert_int_equal(bw_recorder_submit(rec, j, &bad, s_async_done, &a), 0);
	bw_recorder_stop(rec); /* drains: every callback has run when it returns */
	assert_int_equal(a.ok + a.failed, N + 1);
	assert_true(a.failed >= 1);
	assert_int_equal(bw_events_count(s_store), (uint64_t)a.ok);
	assert_int_equal(s_verify(&(uint64_t){0}), 0);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_lookup_every_attribute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_detects_modification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_detects_deletion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_detects_deletion_at_either_end, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_chain_detects_insertion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_keeps_the_chain_checkable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_everything_then_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recorder_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recorder_refuses_after_stop_drains, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_recorder_submit_async, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
