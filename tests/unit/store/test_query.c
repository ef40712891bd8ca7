/* The CloudTrail Lake query guard (store/query.h): every way to write,
 * attach, reach another table, run two statements, call load_extension,
 * PRAGMA or a function off the whitelist is refused; a runaway query is cut
 * off; another account's events stay invisible; normal SELECTs with WHERE,
 * GROUP BY, ORDER BY, LIMIT and userIdentity.arn work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <stdio.h>
#include <string.h>

#include "store/events.h"
#include "store/query.h"
#include "store/store.h"

#define S_EDS "0b6e4f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
#define S_ARN "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/" S_EDS

static char s_dir[64];
static struct bw_store *s_store;

/* 10 events of account 111122223333: Encrypt x6 (even i... see below),
 * Decrypt x4; plus 3 events of account 999999999999 named Secret. */
static int setup(void **state)
{
	(void)state;
	static const uint8_t key[BW_EVENTS_CHAIN_KEY_LEN] = {1}; /* any: appends need one */
	if (bw_test_store_open(s_dir, sizeof s_dir, "query", &s_store) != 0 ||
	    bw_events_set_chain_key(s_store, key, sizeof key) != 0)
		return -1;
	struct bw_event_row rows[13];
	char text[13][400], id[13][16];
	for (int i = 0; i < 13; i++) {
		const char *acct = i < 10 ? "111122223333" : "999999999999";
		const char *name = i >= 10 ? "Secret" : i < 6 ? "Encrypt" : "Decrypt";
		snprintf(id[i], sizeof id[i], "id-%d", i);
		snprintf(text[i], sizeof text[i],
		         "{\"eventID\":\"%.15s\",\"eventName\":\"%s\",\"eventSource\":\"kms.amazonaws.com\","
		         "\"recipientAccountId\":\"%s\",\"userIdentity\":{\"type\":\"IAMUser\","
		         "\"arn\":\"arn:aws:iam::%s:user/u%d\"}}",
		         id[i], name, acct, acct, i % 2);
		rows[i] = (struct bw_event_row){.record = text[i], .event_id = id[i],
		                                .event_time_ms = (1700000000 + i) * 1000LL,
		                                .event_name = name, .event_source = "kms.amazonaws.com",
		                                .read_only = false};
	}
	uint64_t last = 0;
	return bw_events_append(s_store, rows, 13, &last);
}

static int teardown(void **state)
{
	(void)state;
	return bw_test_store_close(s_dir, s_store);
}

static int s_run(const char *sql, struct bw_query_result *res, char *why, size_t whylen)
{
	struct bw_query_spec spec = {.sql = sql, .eds_id = S_EDS, .eds_arn = S_ARN,
	                             .account = "111122223333", .max_rows = 1000,
	                             .max_bytes = 1 << 20, .max_ms = 500};
	return bw_query_run(s_store, &spec, res, why, whylen);
}

static void s_refused(const char *sql)
{
	struct bw_query_result res;
	char why[256];
	int rc = s_run(sql, &res, why, sizeof why);
	if (rc != BW_QUERY_INVALID)
		fprintf(stderr, "not refused (%d): %s\n", rc, sql);
	assert_int_equal(rc, BW_QUERY_INVALID);
	assert_null(res.rows);
	assert_true(why[0] != 0);
}

static const char *s_val(const json_t *rows, size_t r, size_t c, const char *col)
{
	return json_string_value(json_object_get(json_array_get(json_array_get(rows, r), c), col));
}

static void test_group_by_order_by(void **state)
{
	(void)state;
	struct bw_query_result res;
	char why[256];
	assert_int_equal(s_run("SELECT eventName, count(*) AS n FROM " S_EDS
	                       " WHERE eventSource = 'kms.amazonaws.com'"
	                       " GROUP BY eventName ORDER BY n DESC LIMIT 5",
	                       &res, why, sizeof why),
	                 BW_QUERY_OK);
	/* the other account's Secret events are not there */
	assert_int_equal(json_array_size(res.rows), 2);
	assert_string_equal(s_val(res.rows, 0, 0, "eventName"), "Encrypt");
	assert_string_equal(s_val(res.rows, 0, 1, "n"), "6");
	assert_string_equal(s_val(res.rows, 1, 0, "eventName"), "Decrypt");
	assert_string_equal(s_val(res.rows, 1, 1, "n"), "4");
	bw_query_result_clean(&res);
}

static void test_arn_user_identity_and_with(void **state)
{
	(void)state;
	struct bw_query_result res;
	char why[256];
	assert_int_equal(s_run("select userIdentity.arn, eventTime from " S_ARN
	                       " where userIdentity.arn like '%/u1' order by eventTime limit 2;",
	                       &res, why, sizeof why),
	                 BW_QUERY_OK);
	assert_int_equal(json_array_size(res.rows), 2);
	assert_string_equal(s_val(res.rows, 0, 0, "arn"), "arn:aws:iam::111122223333:user/u1");
	assert_string_equal(s_val(res.rows, 0, 1, "eventTime"), "2023-11-14 22:13:21.000");
	bw_query_result_clean(&res);
	/* the user's own WITH, and the id inside a string left alone */
	assert_int_equal(s_run("WITH e AS (SELECT eventName FROM \"bw_eds\" WHERE eventName <> '" S_EDS
	                       "') SELECT count(*) AS c FROM e",
	                       &res, why, sizeof why),
	                 BW_QUERY_OK);
	assert_string_equal(s_val(res.rows, 0, 0, "c"), "10");
	bw_query_result_clean(&res);
	/* parameters */
	json_t *p = json_pack("[s]", "Decrypt");
	struct bw_query_spec spec = {.sql = "SELECT count(*) AS c FROM " S_EDS " WHERE eventName = ?",
	                             .eds_id = S_EDS, .eds_arn = S_ARN, .account = "111122223333",
	                             .params = p, .max_rows = 10, .max_bytes = 1000, .max_ms = 500};
	assert_int_equal(bw_query_run(s_store, &spec, &res, why, sizeof why), BW_QUERY_OK);
	assert_string_equal(s_val(res.rows, 0, 0, "c"), "4");
	bw_query_result_clean(&res);
	json_decref(p);
}

static void test_row_limit(void **state)
{
	(void)state;
	struct bw_query_result res;
	char why[256];
	struct bw_query_spec spec = {.sql = "SELECT eventID FROM " S_EDS, .eds_id = S_EDS,
	                             .eds_arn = S_ARN, .account = "111122223333", .max_rows = 3,
	                             .max_bytes = 1000, .max_ms = 500};
	assert_int_equal(bw_query_run(s_store, &spec, &res, why, sizeof why), BW_QUERY_OK);
	assert_int_equal(json_array_size(res.rows), 3);
	assert_true(res.truncated);
	bw_query_result_clean(&res);
}

static void test_writes_refused(void **state)
{
	(void)state;
	s_refused("DELETE FROM " S_EDS);
	s_refused("DELETE FROM events");
	s_refused("DROP TABLE events");
	s_refused("DROP TABLE docs");
	s_refused("INSERT INTO meta VALUES ('a','b')");
	s_refused("UPDATE events SET event_name = 'x'");
	s_refused("CREATE TABLE x (a)");
	s_refused("CREATE TEMP TABLE x AS SELECT 1");
	s_refused("CREATE VIEW v AS SELECT 1");
	s_refused("CREATE TRIGGER t AFTER INSERT ON events BEGIN SELECT 1; END");
	s_refused("VACUUM");
	s_refused("VACUUM INTO '/tmp/bw-stolen.db'");
	s_refused("REINDEX");
	s_refused("ANALYZE");
	s_refused("BEGIN");
	s_refused("REPLACE INTO docs VALUES ('a','b','c','d',1)");
	s_refused("WITH x AS (SELECT 1) DELETE FROM events");
}

static void test_attach_pragma_extension_refused(void **state)
{
	(void)state;
	s_refused("ATTACH DATABASE '/tmp/bw-x.db' AS x");
	s_refused("ATTACH '" "file::memory:" "' AS m");
	s_refused("DETACH main");
	s_refused("PRAGMA query_only = OFF");
	s_refused("PRAGMA table_info(docs)");
	s_refused("SELECT * FROM pragma_table_info('docs')");
	s_refused("SELECT load_extension('/tmp/x.so')");
	s_refused("SELECT * FROM " S_EDS " WHERE load_extension('x') IS NULL");
	s_refused("SELECT sqlite_version()");
	s_refused("SELECT randomblob(1000000000)");
	s_refused("SELECT zeroblob(1000000000)");
	s_refused("SELECT printf('%.*c', 100000000, 'x')");
	s_refused("SELECT readfile('/etc/passwd')");
	s_refused("SELECT * FROM json_each('[1,2]')");
	s_refused("SELECT * FROM generate_series(1, 100)");
}

static void test_other_tables_refused(void **state)
{
	(void)state;
	s_refused("SELECT * FROM docs");
	s_refused("SELECT * FROM meta");
	s_refused("SELECT * FROM sqlite_master");
	s_refused("SELECT * FROM sqlite_schema");
	s_refused("SELECT * FROM main.sqlite_master");
	s_refused("SELECT * FROM sqlite_temp_master");
	s_refused("SELECT * FROM events");
	s_refused("SELECT * FROM \"events\"");
	s_refused("SELECT * FROM [event_resources]");
	s_refused("SELECT * FROM `EVENTS`");
	s_refused("SELECT * FROM main.events");
	s_refused("SELECT * FROM 'events'");
	s_refused("SELECT * FROM 'main'.'EVENTS'");
	s_refused("SELECT * FROM " S_EDS " WHERE 'x' <> '' UNION SELECT record, 1, 2 FROM :events");
	s_refused("SELECT eventName FROM " S_EDS " UNION SELECT key FROM meta");
	s_refused("SELECT (SELECT doc FROM docs LIMIT 1) FROM " S_EDS);
	s_refused("SELECT * FROM " S_EDS " WHERE eventName IN (SELECT name FROM sqlite_master)");
	s_refused("SELECT * FROM some_other_store");
	/* another store's id is just an unknown token */
	s_refused("SELECT * FROM 11111111-2222-3333-4444-555555555555");
}

static void test_two_statements_and_junk_refused(void **state)
{
	(void)state;
	s_refused("SELECT 1; SELECT 2");
	s_refused("SELECT eventName FROM " S_EDS "; DELETE FROM events");
	s_refused("SELECT 1; -- trailing");
	s_refused("");
	s_refused("   ");
	s_refused("SELEC eventName FROM " S_EDS);
	s_refused("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r");
	s_refused("SELECT count(*) FROM " S_EDS " WHERE eventName = ?"); /* no value for ? */
	char big[BW_QUERY_MAX_SQL + 16];
	memset(big, ' ', sizeof big - 1);
	memcpy(big, "SELECT 1", 8);
	big[sizeof big - 1] = 0;
	s_refused(big);
}

static void test_runaway_cut_off(void **state)
{
	(void)state;
	struct bw_query_result res;
	char why[256];
	/* a 10^9-row cross join: far more than the time limit allows */
	int rc = s_run("SELECT count(*) FROM " S_EDS " a, " S_EDS " b, " S_EDS " c, " S_EDS
	               " d, " S_EDS " e, " S_EDS " f, " S_EDS " g, " S_EDS " h, " S_EDS " i"
	               " WHERE a.eventName || b.eventName || c.eventName || d.eventName ||"
	               " e.eventName || f.eventName || g.eventName || h.eventName || i.eventName"
	               " <> 'x'",
	               &res, why, sizeof why);
	if (rc != BW_QUERY_TIMEOUT)
		fprintf(stderr, "runaway: %d %s\n", rc, why);
	assert_int_equal(rc, BW_QUERY_TIMEOUT);
	assert_null(res.rows);
	assert_non_null(strstr(why, "time limit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_by_order_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arn_user_identity_and_with, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_pragma_extension_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_tables_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_statements_and_junk_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runaway_cut_off, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
