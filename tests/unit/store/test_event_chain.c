/* The event log's keyed chain (decision 0101) against someone who can
 * write events.db but has no root key: they delete or change a row and
 * recompute the chain over the rest — with plain SHA-256, as the chain was
 * before keying, or with HMAC under a key of their own — and verification
 * names the first bad seq. Also: a chain the server wrote verifies; the
 * server appends nothing without the key; the mark of the first keyed seq
 * cannot be forged, moved or removed; rows removed at either end show; and
 * the upgrade path, an unkeyed log (in events.db, or in bulwark.db from
 * before 0010) carried on keyed, with tampering caught in either part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/log.h"
#include "crypto/digest.h"
#include "crypto/seal.h"
#include "store/events.h"
#include "store/store.h"

static char s_dir[64];
static struct bw_store *s_store;
static const uint8_t s_key[BW_EVENTS_CHAIN_KEY_LEN] = {0x5e, 0xc2, 0xe7};
static const uint8_t s_wrong_key[BW_EVENTS_CHAIN_KEY_LEN] = {0xa7, 0x7a, 0xc4};
static struct bw_events_chain_report s_report;

/* A store whose writer has the chain key, as serve's has. */
static int setup(void **state)
{
	(void)state;
	if (bw_test_store_open(s_dir, sizeof s_dir, "chain", &s_store) != 0)
		return -1;
	return bw_events_set_chain_key(s_store, s_key, sizeof s_key);
}

/* A store with no chain key yet: for writing a log as earlier versions did. */
static int setup_unkeyed(void **state)
{
	(void)state;
	return bw_test_store_open(s_dir, sizeof s_dir, "chain", &s_store);
}

static int teardown(void **state)
{
	(void)state;
	return bw_test_store_close(s_dir, s_store);
}

/* Verify with the right key; the report in s_report. */
static int s_verify(void)
{
	return bw_events_verify_chain(s_store, s_key, sizeof s_key, &s_report);
}

static void s_expect_bad(uint64_t seq)
{
	assert_int_equal(s_verify(), -1);
	assert_non_null(s_report.problem);
	assert_int_equal(s_report.bad_seq, seq);
}

/* Event i as the server appends it: {"eventID": "id-<i>", "n": i}. */
static uint64_t s_append_n(int from, int n)
{
	struct bw_event_row rows[32];
	char text[32][64], id[32][16];
	assert_true(n <= 32);
	for (int k = 0; k < n; k++) {
		snprintf(id[k], sizeof id[k], "id-%d", from + k);
		snprintf(text[k], sizeof text[k], "{\"eventID\":\"%s\",\"n\":%d}", id[k], from + k);
		rows[k] = (struct bw_event_row){.record = text[k], .event_id = id[k],
		                                .event_time_ms = (1000 + from + k) * 1000LL,
		                                .event_name = "Op", .event_source = "s"};
	}
	uint64_t last = 0;
	assert_int_equal(bw_events_append(s_store, rows, (size_t)n, &last), 0);
	return last;
}

/* ---- the attacker: sqlite3 on the files, and the chain's arithmetic ---- */

static sqlite3 *s_open_file(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", s_dir, name);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void s_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "tamper: %s\n", err ? err : "?");
	sqlite3_free(err);
	assert_int_equal(rc, SQLITE_OK);
}

static void s_tamper(const char *file, const char *sql)
{
	sqlite3 *db = s_open_file(file);
	s_exec(db, sql);
	sqlite3_close(db);
}

/* One step of a chain: SHA-256 (key NULL) or HMAC-SHA256 under key. */
static void s_step(const uint8_t *key, const uint8_t prev[32], const char *rec, size_t len,
                   uint8_t out[32])
{
	uint8_t *buf = malloc(32 + len);
	assert_non_null(buf);
	memcpy(buf, prev, 32);
	memcpy(buf + 32, rec, len);
	if (key)
		assert_true(bw_hmac_sha256(key, 32, buf, 32 + len, out));
	else
		assert_true(bw_sha256_digest(buf, 32 + len, out));
	free(buf);
}

static void s_hex(const uint8_t in[32], char out[65])
{
	struct bw_buf b = {0};
	assert_int_equal(bw_hex_encode(in, 32, &b), 0);
	snprintf(out, 65, "%s", bw_buf_cstr(&b));
	bw_buf_free(&b);
}

/* A chain entry in table: "<seq> <hex digest>", and the tag a holder of
 * key would add (" <hex HMAC(key, '<name> <seq> <hex digest>')>"). */
static void s_put_entry(sqlite3 *db, const char *table, const char *name, uint64_t seq,
                        const uint8_t digest[32], const uint8_t *key)
{
	char hex[65], value[200], msg[280], sql[512];
	s_hex(digest, hex);
	snprintf(value, sizeof value, "%llu %s", (unsigned long long)seq, hex);
	if (key) {
		uint8_t tag[32];
		char tag_hex[65];
		snprintf(msg, sizeof msg, "%s %s", name, value);
		assert_true(bw_hmac_sha256(key, 32, msg, strlen(msg), tag));
		s_hex(tag, tag_hex);
		strcat(value, " ");
		strcat(value, tag_hex);
	}
	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO %s (key, value) VALUES ('%s', '%s')",
	         table, name, value);
	s_exec(db, sql);
}

/* The stored digest of row seq (zeros for seq 0); false when there is none. */
static bool s_digest_of(sqlite3 *db, uint64_t seq, uint8_t out[32])
{
	memset(out, 0, 32);
	if (seq == 0)
		return true;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT digest FROM events WHERE seq = ?1", -1, &st,
	                                    NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	bool found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32;
	if (found)
		memcpy(out, sqlite3_column_blob(st, 0), 32);
	sqlite3_finalize(st);
	return found;
}

/*
 * Recompute the chain over rows from..to (to 0: the newest) with key (NULL:
 * SHA-256), starting from the stored digest of the row before from; then,
 * when the newest row was rechained, point the head of meta_table at it,
 * tagged under key if one is given — what an attacker does after removing
 * or changing a row.
 */
static void s_rechain(sqlite3 *db, const char *meta_table, const uint8_t *key, uint64_t from,
                      uint64_t to)
{
	uint8_t prev[32], digest[32];
	sqlite3_stmt *max = NULL, *get = NULL, *put = NULL;
	/* from the row before, or the one before a gap */
	uint64_t before = from - 1;
	while (before > 0 && !s_digest_of(db, before, prev))
		before--;
	assert_true(s_digest_of(db, before, prev));
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT max(seq) FROM events", -1, &max, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(max), SQLITE_ROW);
	uint64_t last = (uint64_t)sqlite3_column_int64(max, 0);
	sqlite3_finalize(max);
	if (to == 0 || to > last)
		to = last;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT record FROM events WHERE seq = ?1", -1,
	                                    &get, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "UPDATE events SET prev_digest = ?1, digest = ?2"
	                                    " WHERE seq = ?3",
	                                    -1, &put, NULL),
	                 SQLITE_OK);
	for (uint64_t seq = from; seq <= to; seq++) {
		sqlite3_reset(get);
		sqlite3_bind_int64(get, 1, (sqlite3_int64)seq);
		if (sqlite3_step(get) != SQLITE_ROW)
			continue;
		s_step(key, prev, (const char *)sqlite3_column_text(get, 0),
		       (size_t)sqlite3_column_bytes(get, 0), digest);
		sqlite3_reset(put);
		sqlite3_bind_blob(put, 1, prev, 32, SQLITE_TRANSIENT);
		sqlite3_bind_blob(put, 2, digest, 32, SQLITE_TRANSIENT);
		sqlite3_bind_int64(put, 3, (sqlite3_int64)seq);
		assert_int_equal(sqlite3_step(put), SQLITE_DONE);
		memcpy(prev, digest, 32);
	}
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	if (to == last)
		s_put_entry(db, meta_table, "events.head", last, prev, key);
}

/* Delete row seq and close the gap: later rows move down by one. */
static void s_delete_and_renumber(sqlite3 *db, uint64_t seq)
{
	char sql[256];
	snprintf(sql, sizeof sql,
	         "DELETE FROM events WHERE seq = %llu;"
	         "UPDATE events SET seq = -(seq - 1) WHERE seq > %llu;"
	         "UPDATE events SET seq = -seq WHERE seq < 0;",
	         (unsigned long long)seq, (unsigned long long)seq);
	s_exec(db, sql);
}

/* Rows from+1..from+n as a bulwark from before keying wrote them: records
 * like s_append_n's, SHA-256 chained, the head entry untagged. */
static void s_write_unkeyed(sqlite3 *db, const char *meta_table, int from, int n)
{
	uint8_t prev[32], digest[32];
	assert_true(s_digest_of(db, (uint64_t)from, prev));
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "INSERT INTO events (seq, event_id, event_time_ms,"
	                                    " event_name, event_source, read_only, record,"
	                                    " prev_digest, digest)"
	                                    " VALUES (?1, ?2, ?3, 'Op', 's', 0, ?4, ?5, ?6)",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	for (int i = from; i < from + n; i++) {
		char id[16], text[64];
		snprintf(id, sizeof id, "id-%d", i);
		snprintf(text, sizeof text, "{\"eventID\":\"%s\",\"n\":%d}", id, i);
		s_step(NULL, prev, text, strlen(text), digest);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, i + 1);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, (1000 + i) * 1000LL);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 5, prev, 32, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 6, digest, 32, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		memcpy(prev, digest, 32);
	}
	sqlite3_finalize(st);
	s_put_entry(db, meta_table, "events.head", (uint64_t)(from + n), prev, NULL);
}

/* ---- a chain the server wrote ----------------------------------------- */

static void test_new_log_is_keyed_from_row_1(void **state)
{
	(void)state;
	assert_int_equal(s_append_n(0, 20), 20);
	assert_int_equal(s_verify(), 0);
	assert_null(s_report.problem);
	assert_int_equal(s_report.keyed_from, 1);
	assert_int_equal(s_report.keyed, 20);
	assert_int_equal(s_report.unkeyed, 0);
	assert_int_equal(s_report.first_seq, 1);
	assert_int_equal(s_report.last_seq, 20);
	/* the digests are HMACs under the key, not SHA-256 */
	sqlite3 *db = s_open_file("events.db");
	uint8_t stored[32], want[32], zero[32] = {0};
	const char *rec = "{\"eventID\":\"id-0\",\"n\":0}";
	assert_true(s_digest_of(db, 1, stored));
	s_step(s_key, zero, rec, strlen(rec), want);
	assert_memory_equal(stored, want, 32);
	sqlite3_close(db);
	/* a reopened store, keyed again, carries the chain on */
	bw_store_close(s_store);
	assert_int_equal(bw_store_open(s_dir, &s_store), 0);
	assert_int_equal(bw_events_set_chain_key(s_store, s_key, sizeof s_key), 0);
	assert_int_equal(s_append_n(20, 5), 25);
	assert_int_equal(s_verify(), 0);
	assert_int_equal(s_report.keyed, 25);
}

static void test_no_key_no_appends(void **state)
{
	(void)state;
	struct bw_event_row row = {.record = "{}", .event_id = "x", .event_name = "Op",
	                           .event_source = "s"};
	uint64_t last = 0;
	size_t deleted = 0;
	assert_int_equal(bw_events_append(s_store, &row, 1, &last), -1);
	assert_int_equal(bw_events_prune(s_store, 5000 * 1000LL, &deleted), -1);
	assert_int_equal(bw_events_count(s_store), 0);
	/* nor a key of the wrong size, nor verification without one */
	assert_int_equal(bw_events_set_chain_key(s_store, s_key, 16), -1);
	assert_int_equal(bw_events_append(s_store, &row, 1, &last), -1);
	assert_int_equal(bw_events_verify_chain(s_store, NULL, 0, &s_report), -1);
	assert_non_null(s_report.problem);
}

static void test_chain_key_comes_from_the_root_key(void **state)
{
	(void)state;
	struct bw_root_key a, b;
	uint8_t ka[BW_EVENTS_CHAIN_KEY_LEN], ka2[BW_EVENTS_CHAIN_KEY_LEN];
	uint8_t kb[BW_EVENTS_CHAIN_KEY_LEN];
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(a.key, 1, sizeof a.key);
	memset(b.key, 2, sizeof b.key);
	a.loaded = b.loaded = true;
	assert_int_equal(bw_events_derive_chain_key(&a, ka), 0);
	assert_int_equal(bw_events_derive_chain_key(&a, ka2), 0);
	assert_int_equal(bw_events_derive_chain_key(&b, kb), 0);
	assert_memory_equal(ka, ka2, sizeof ka);
	assert_memory_not_equal(ka, kb, sizeof ka);
	/* not the root key itself, nor a sealing key */
	assert_memory_not_equal(ka, a.key, sizeof ka);
	struct bw_root_key none = {0};
	assert_int_equal(bw_events_derive_chain_key(&none, ka), -1);
	bw_root_key_clear(&a);
	bw_root_key_clear(&b);
}

/* ---- recomputed chains ------------------------------------------------- */

/* The break-in this keying answers: delete a row, recompute SHA-256 over
 * the rest, as the unkeyed chain allowed. */
static void test_deleted_row_and_sha256_chain_recomputed(void **state)
{
	(void)state;
	s_append_n(0, 20);
	sqlite3 *db = s_open_file("events.db");
	s_delete_and_renumber(db, 5);
	s_rechain(db, "events_meta", NULL, 5, 0);
	sqlite3_close(db);
	s_expect_bad(5);
	assert_int_equal(s_report.keyed_from, 1);
	/* the whole chain recomputed from row 1 fails at row 1 */
	db = s_open_file("events.db");
	s_rechain(db, "events_meta", NULL, 1, 0);
	sqlite3_close(db);
	s_expect_bad(1);
}

static void test_deleted_row_and_chain_recomputed_under_another_key(void **state)
{
	(void)state;
	s_append_n(0, 20);
	sqlite3 *db = s_open_file("events.db");
	s_delete_and_renumber(db, 12);
	s_rechain(db, "events_meta", s_wrong_key, 12, 0);
	sqlite3_close(db);
	s_expect_bad(12);
	/* and the server, keyed right, does not build on the forged head */
	bw_store_close(s_store);
	assert_int_equal(bw_store_open(s_dir, &s_store), 0);
	assert_int_equal(bw_events_set_chain_key(s_store, s_key, sizeof s_key), -1);
	/* with the right key the same recomputation would pass: the key is what
	 * the attacker lacks */
	db = s_open_file("events.db");
	s_rechain(db, "events_meta", s_key, 12, 0);
	sqlite3_close(db);
	assert_int_equal(s_verify(), 0);
}

static void test_deleted_row_not_renumbered(void **state)
{
	(void)state;
	s_append_n(0, 20);
	sqlite3 *db = s_open_file("events.db");
	s_exec(db, "DELETE FROM events WHERE seq = 7");
	s_rechain(db, "events_meta", NULL, 8, 0);
	sqlite3_close(db);
	s_expect_bad(7);
}

static void test_wrong_key_verifies_nothing(void **state)
{
	(void)state;
	s_append_n(0, 5);
	assert_int_equal(bw_events_verify_chain(s_store, s_wrong_key, sizeof s_wrong_key,
	                                        &s_report),
	                 -1);
	assert_non_null(s_report.problem);
	/* a server with another root key refuses the log instead of forking it */
	bw_store_close(s_store);
	assert_int_equal(bw_store_open(s_dir, &s_store), 0);
	assert_int_equal(bw_events_set_chain_key(s_store, s_wrong_key, sizeof s_wrong_key), -1);
	uint64_t last = 0;
	struct bw_event_row row = {.record = "{}", .event_id = "x", .event_name = "Op",
	                           .event_source = "s"};
	assert_int_equal(bw_events_append(s_store, &row, 1, &last), -1);
}

/* ---- the ends ---------------------------------------------------------- */

static void test_rows_removed_at_the_newest_end(void **state)
{
	(void)state;
	s_append_n(0, 20);
	/* drop the last three and point the head at what is left: its digest
	 * is a real one, but the head's tag is not */
	sqlite3 *db = s_open_file("events.db");
	uint8_t d17[32];
	assert_true(s_digest_of(db, 17, d17));
	s_exec(db, "DELETE FROM events WHERE seq > 17");
	s_put_entry(db, "events_meta", "events.head", 17, d17, NULL);
	sqlite3_close(db);
	s_expect_bad(18);
	db = s_open_file("events.db");
	s_put_entry(db, "events_meta", "events.head", 17, d17, s_wrong_key);
	sqlite3_close(db);
	s_expect_bad(18);
	/* nor does the server append after a forged head */
	bw_store_close(s_store);
	assert_int_equal(bw_store_open(s_dir, &s_store), 0);
	assert_int_equal(bw_events_set_chain_key(s_store, s_key, sizeof s_key), -1);
}

static void test_rows_removed_at_the_oldest_end(void **state)
{
	(void)state;
	s_append_n(0, 20);
	size_t deleted = 0;
	/* pruning moves the anchor, tagged: the rest verifies */
	assert_int_equal(bw_events_prune(s_store, 1005 * 1000LL, &deleted), 0);
	assert_int_equal(deleted, 5);
	assert_int_equal(s_verify(), 0);
	assert_int_equal(s_report.first_seq, 6);
	/* more removed by hand with an anchor made to fit */
	sqlite3 *db = s_open_file("events.db");
	uint8_t d8[32];
	assert_true(s_digest_of(db, 8, d8));
	s_exec(db, "DELETE FROM events WHERE seq <= 8");
	s_put_entry(db, "events_meta", "events.anchor", 9, d8, NULL);
	sqlite3_close(db);
	s_expect_bad(8);
	db = s_open_file("events.db");
	s_put_entry(db, "events_meta", "events.anchor", 9, d8, s_wrong_key);
	sqlite3_close(db);
	s_expect_bad(8);
}

/* ---- the mark ---------------------------------------------------------- */

/* Passing the log off as unkeyed: move the mark past the end, or remove it. */
static void test_mark_cannot_be_moved_or_removed(void **state)
{
	(void)state;
	s_append_n(0, 10);
	char msg[64], hex[65], sql[256], mark[128];
	uint8_t tag[32];
	sqlite3 *db = s_open_file("events.db");
	s_rechain(db, "events_meta", NULL, 1, 0);
	sqlite3_close(db);
	/* a mark at 11 (in both files) with a tag under another key */
	snprintf(msg, sizeof msg, "events.keyed_from 11");
	assert_true(bw_hmac_sha256(s_wrong_key, 32, msg, strlen(msg), tag));
	s_hex(tag, hex);
	snprintf(mark, sizeof mark, "11 %s", hex);
	snprintf(sql, sizeof sql,
	         "UPDATE events_meta SET value = '%s' WHERE key = 'events.keyed_from'", mark);
	s_tamper("events.db", sql);
	snprintf(sql, sizeof sql, "UPDATE meta SET value = '%s' WHERE key = 'events.keyed_from'",
	         mark);
	s_tamper("bulwark.db", sql);
	assert_int_equal(s_verify(), -1);
	assert_int_equal(s_report.bad_seq, 0);
	assert_non_null(strstr(s_report.problem, "does not verify under the chain key"));
	/* removed from events.db: bulwark.db's copy says it was there */
	s_tamper("events.db", "DELETE FROM events_meta WHERE key = 'events.keyed_from'");
	assert_int_equal(s_verify(), -1);
	assert_non_null(strstr(s_report.problem, "bulwark.db"));
	bw_store_close(s_store);
	assert_int_equal(bw_store_open(s_dir, &s_store), 0);
	assert_int_equal(bw_events_set_chain_key(s_store, s_key, sizeof s_key), -1);
	/* removed from both: a log with rows and no mark is not passed */
	s_tamper("bulwark.db", "DELETE FROM meta WHERE key = 'events.keyed_from'");
	assert_int_equal(s_verify(), -1);
	assert_int_equal(s_report.keyed_from, 0);
	assert_int_equal(s_report.unkeyed, 10);
	assert_non_null(strstr(s_report.problem, "no keyed mark"));
}

/* ---- the upgrade path ---------------------------------------------------- */

/* A log written before keying (rows 1..10, SHA-256), then a server with
 * the key: it marks seq 11 and carries on keyed. */
static void s_upgrade(void)
{
	sqlite3 *db = s_open_file("events.db");
	s_write_unkeyed(db, "events_meta", 0, 10);
	sqlite3_close(db);
	/* before a server has keyed it, it is not passed */
	assert_int_equal(s_verify(), -1);
	assert_int_equal(s_report.unkeyed, 10);
	assert_int_equal(s_report.keyed_from, 0);
	assert_int_equal(bw_events_set_chain_key(s_store, s_key, sizeof s_key), 0);
	assert_int_equal(s_append_n(10, 10), 20);
}

static void test_upgrade_unkeyed_then_keyed_verifies(void **state)
{
	(void)state;
	s_upgrade();
	assert_int_equal(s_verify(), 0);
	assert_int_equal(s_report.keyed_from, 11);
	assert_int_equal(s_report.unkeyed, 10);
	assert_int_equal(s_report.keyed, 10);
	assert_int_equal(s_report.first_seq, 1);
	assert_int_equal(s_report.last_seq, 20);
	/* the mark stays where it was across restarts */
	bw_store_close(s_store);
	assert_int_equal(bw_store_open(s_dir, &s_store), 0);
	assert_int_equal(bw_events_set_chain_key(s_store, s_key, sizeof s_key), 0);
	assert_int_equal(s_append_n(20, 5), 25);
	assert_int_equal(s_verify(), 0);
	assert_int_equal(s_report.keyed_from, 11);
	assert_int_equal(s_report.keyed, 15);
	/* pruning past the mark leaves a log keyed throughout */
	size_t deleted = 0;
	assert_int_equal(bw_events_prune(s_store, 1012 * 1000LL, &deleted), 0);
	assert_int_equal(deleted, 12);
	assert_int_equal(s_verify(), 0);
	assert_int_equal(s_report.unkeyed, 0);
	assert_int_equal(s_report.keyed, 13);
}

static void test_upgrade_tampering_in_the_unkeyed_part(void **state)
{
	(void)state;
	s_upgrade();
	s_tamper("events.db", "UPDATE events SET record = replace(record, '\"n\":2', '\"n\":9')"
	                      " WHERE seq = 3");
	s_expect_bad(3);
	/* recomputing the unkeyed part (anyone can) breaks the first keyed
	 * row's link to it */
	sqlite3 *db = s_open_file("events.db");
	s_rechain(db, "events_meta", NULL, 3, 10);
	sqlite3_close(db);
	s_expect_bad(11);
	/* and naming the new digest in that row breaks its HMAC */
	s_tamper("events.db", "UPDATE events SET prev_digest = (SELECT digest FROM events"
	                      " WHERE seq = 10) WHERE seq = 11");
	s_expect_bad(11);
}

static void test_upgrade_tampering_in_the_keyed_part(void **state)
{
	(void)state;
	s_upgrade();
	sqlite3 *db = s_open_file("events.db");
	s_delete_and_renumber(db, 15);
	s_rechain(db, "events_meta", NULL, 15, 0);
	sqlite3_close(db);
	s_expect_bad(15);
	assert_int_equal(s_report.unkeyed, 10);
	assert_int_equal(s_report.keyed, 4);
	/* moving the mark past the end to pass it all off as unkeyed */
	s_tamper("events.db", "UPDATE events_meta SET value = '100' || substr(value, 3)"
	                      " WHERE key = 'events.keyed_from'");
	assert_int_equal(s_verify(), -1);
	assert_non_null(strstr(s_report.problem, "mark"));
}

/* Run SQL on bulwark.db with its own connection. */
static void s_exec_main(const char *sql)
{
	s_tamper("bulwark.db", sql);
}

/* A data directory of a version that kept the log in bulwark.db (schema 3,
 * before keying) opens with the log moved to events.db, its unkeyed chain
 * intact, and carries on keyed. */
static void test_log_kept_in_bulwark_db_moves_over(void **state)
{
	(void)state;
	bw_store_close(s_store);
	s_store = NULL;
	char sql[1024];
	snprintf(sql, sizeof sql,
	         "CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL,"
	         " event_time_ms INTEGER NOT NULL, event_name TEXT NOT NULL,"
	         " event_source TEXT NOT NULL, username TEXT, access_key_id TEXT,"
	         " read_only INTEGER NOT NULL, record TEXT NOT NULL, prev_digest BLOB NOT NULL,"
	         " digest BLOB NOT NULL) STRICT;"
	         "CREATE TABLE event_resources (seq INTEGER NOT NULL, type TEXT NOT NULL,"
	         " name TEXT NOT NULL) STRICT; DROP TABLE trail_outbox;");
	s_exec_main(sql);
	sqlite3 *db = s_open_file("bulwark.db");
	s_write_unkeyed(db, "meta", 0, 25);
	s_exec(db, "INSERT INTO event_resources SELECT seq, 'AWS::KMS::Key', 'k' || seq"
	           " FROM events; PRAGMA user_version = 3;");
	sqlite3_close(db);
	snprintf(sql, sizeof sql, "rm -f '%s'/events.db*", s_dir);
	assert_int_equal(system(sql), 0);

	assert_int_equal(bw_store_open(s_dir, &s_store), 0);
	assert_int_equal(bw_store_schema_version(s_store), 5);
	assert_int_equal(bw_events_count(s_store), 25);
	assert_int_equal(bw_events_set_chain_key(s_store, s_key, sizeof s_key), 0);
	assert_int_equal(s_verify(), 0);
	assert_int_equal(s_report.unkeyed, 25);
	assert_int_equal(s_report.keyed_from, 26);
	struct bw_event_query q = {.attr = BW_EVENT_ATTR_RESOURCE_TYPE, .value = "AWS::KMS::Key",
	                           .limit = 50};
	json_t *recs = NULL;
	bool more = true;
	assert_int_equal(bw_events_lookup(s_store, &q, &recs, &more), 0);
	assert_int_equal(json_array_size(recs), 25);
	json_decref(recs);
	/* appends carry the moved chain on, keyed */
	assert_int_equal(s_append_n(25, 5), 30);
	assert_int_equal(s_verify(), 0);
	assert_int_equal(s_report.keyed, 5);
	/* the old tables are gone from bulwark.db */
	db = s_open_file("bulwark.db");
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master"
	                                        " WHERE name IN ('events', 'event_resources')",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	bw_log_init(stderr, BW_LOG_ERROR);
	/* the setup each test starts from: keyed as a server is, or not yet */
#define S_KEYED(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define S_UNKEYED(f) cmocka_unit_test_setup_teardown(f, setup_unkeyed, teardown)
	const struct CMUnitTest tests[] = {
		S_KEYED(test_new_log_is_keyed_from_row_1),
		S_UNKEYED(test_no_key_no_appends),
		cmocka_unit_test(test_chain_key_comes_from_the_root_key),
		S_KEYED(test_deleted_row_and_sha256_chain_recomputed),
		S_KEYED(test_deleted_row_and_chain_recomputed_under_another_key),
		S_KEYED(test_deleted_row_not_renumbered),
		S_KEYED(test_wrong_key_verifies_nothing),
		S_KEYED(test_rows_removed_at_the_newest_end),
		S_KEYED(test_rows_removed_at_the_oldest_end),
		S_KEYED(test_mark_cannot_be_moved_or_removed),
		S_UNKEYED(test_upgrade_unkeyed_then_keyed_verifies),
		S_UNKEYED(test_upgrade_tampering_in_the_unkeyed_part),
		S_UNKEYED(test_upgrade_tampering_in_the_keyed_part),
		S_UNKEYED(test_log_kept_in_bulwark_db_moves_over),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
