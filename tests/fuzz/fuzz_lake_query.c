/*
 * fuzz_lake_query.c: CloudTrail Lake query text through the guard
 * (store/query.h) against a small event log. Whatever the text, the guard
 * must not crash, leak or hang past its time limit, and the log must be
 * unchanged afterwards: a query that got a write through aborts the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/doc.h"
#include "store/events.h"
#include "store/query.h"
#include "store/store.h"

#define S_EDS "0b6e4f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
#define S_ACCT "111122223333"
#define S_N 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char s_dir[64];
static struct bw_store *s_store;

static void s_cleanup(void)
{
	char cmd[128];
	if (s_store)
		bw_store_close(s_store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", s_dir);
}

static int s_init(void)
{
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-fuzz-lake-XXXXXX");
	static const uint8_t key[BW_EVENTS_CHAIN_KEY_LEN] = {1}; /* any: appends need one */
	if (!mkdtemp(s_dir) || bw_store_open(s_dir, &s_store) != 0 ||
	    bw_events_set_chain_key(s_store, key, sizeof key) != 0)
		return -1;
	atexit(s_cleanup);
	struct bw_event_row rows[S_N];
	char text[S_N][256], id[S_N][16];
	for (int i = 0; i < S_N; i++) {
		snprintf(id[i], sizeof id[i], "id-%d", i);
		snprintf(text[i], sizeof text[i],
		         "{\"eventID\":\"%s\",\"eventName\":\"Op%d\",\"recipientAccountId\":\"" S_ACCT
		         "\",\"userIdentity\":{\"arn\":\"arn:aws:iam::" S_ACCT ":user/u%d\"}}",
		         id[i], i % 2, i);
		rows[i] = (struct bw_event_row){.record = text[i], .event_id = id[i],
		                                .event_time_ms = (1700000000 + i) * 1000LL,
		                                .event_name = i % 2 ? "Op1" : "Op0",
		                                .event_source = "kms.amazonaws.com"};
	}
	uint64_t last = 0;
	json_t *canary = json_pack("{s:s}", "secret", "canary");
	int rc = bw_events_append(s_store, rows, S_N, &last) != 0 || !canary ||
	                 bw_doc_put(s_store, "fuzz/canary", S_ACCT, "k", canary) != 0
	             ? -1
	             : 0;
	json_decref(canary);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready)
		ready = s_init() == 0 ? 1 : -1;
	if (ready < 0 || size > BW_QUERY_MAX_SQL)
		return 0;
	char *sql = malloc(size + 1);
	if (!sql)
		return 0;
	memcpy(sql, data, size);
	sql[size] = 0; /* an embedded NUL ends the statement, as for the codec's strings */
	struct bw_query_spec spec = {.sql = sql, .eds_id = S_EDS,
	                             .eds_arn = "arn:aws:cloudtrail:us-east-1:" S_ACCT
	                                        ":eventdatastore/" S_EDS,
	                             .account = S_ACCT, .max_rows = 100, .max_bytes = 1 << 16,
	                             .max_ms = 200};
	struct bw_query_result res;
	char why[256];
	int rc = bw_query_run(s_store, &spec, &res, why, sizeof why);
	if (rc == BW_QUERY_OK)
		bw_query_result_clean(&res);
	free(sql);
	/* the oracle: nothing the query did changed the store */
	json_t *doc = NULL;
	if (bw_events_count(s_store) != S_N ||
	    bw_doc_get(s_store, "fuzz/canary", S_ACCT, "k", &doc) != BW_STORE_OK)
		abort();
	json_decref(doc);
	return 0;
}
