/*
 * lake.c: CloudTrail Lake over bulwark's event log.
 *
 * An event data store is a document ("cloudtrail/eds", keyed by its UUID)
 * that names a view of the event log: every management event bulwark
 * records for the account (no selectors, no import, no organization). A
 * query (StartQuery) runs at once, synchronously, through the guard of
 * store/query.h, and its result — at most S_MAX_ROWS rows — is kept as a
 * document ("cloudtrail/query", keyed by QueryId) that GetQueryResults
 * pages through. So a query is never QUEUED or RUNNING when a client can
 * see it: CancelQuery always answers InactiveQueryException.
 *
 * DeleteEventDataStore marks the store PENDING_DELETION (queries refused
 * with InactiveEventDataStoreException); it disappears 7 days later, when
 * next read, as in AWS. RestoreEventDataStore is not implemented.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/encoding.h"
#include "gateway/resource.h"
#include "core/ids.h"
#include "services/cloudtrail/cloudtrail_errors.h"
#include "services/cloudtrail/lake.h"
#include "store/doc.h"
#include "store/query.h"

#define S_KIND_EDS      "cloudtrail/eds"
#define S_KIND_QUERY    "cloudtrail/query"
#define S_MAX_STORES    10           /* AWS's per-region limit */
#define S_MAX_ROWS      10000        /* a query's stored result */
#define S_MAX_BYTES     (8u << 20)   /* of values, per query */
#define S_QUERY_MS      5000         /* the run's time limit */
#define S_PENDING_S     (7 * 86400)  /* PENDING_DELETION lasts 7 days */
#define S_UUID_LEN      36

static int s_oom(struct bw_call *call)
{
	return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
}

static int s_store_fail(struct bw_call *call)
{
	return bw_fail(call, BW_ERR_STORE_FAILED);
}

static bool s_is_uuid(const char *s)
{
	if (!s || strlen(s) != S_UUID_LEN)
		return false;
	for (size_t i = 0; i < S_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	}
	return true;
}

static int s_arn(const struct bw_call *call, const char *id, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "arn:aws:cloudtrail:%s:%s:eventdatastore/%s", call->region,
	                 call->account_id, id);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* The id in an EventDataStore parameter (its ARN or its id); NULL if it is
 * neither. An ARN of another account or region names no store of ours. */
static const char *s_given_id(const struct bw_call *call, const char *given)
{
	if (!given)
		return NULL;
	if (strncmp(given, "arn:", 4) != 0)
		return s_is_uuid(given) ? given : NULL;
	const char *slash = strrchr(given, '/');
	char want[256];
	if (!slash || !s_is_uuid(slash + 1) || s_arn(call, slash + 1, want, sizeof want) != 0 ||
	    strcmp(want, given) != 0)
		return NULL;
	return slash + 1;
}

/* Load a store; a PENDING_DELETION one past its 7 days is removed and
 * reported as not found. BW_STORE_* codes. */
static int s_load(struct bw_call *call, const char *id, json_t **doc)
{
	int rc = bw_doc_get(call->store, S_KIND_EDS, call->account_id, id, doc);
	if (rc != BW_STORE_OK)
		return rc;
	const char *status = json_string_value(json_object_get(*doc, "Status"));
	double deleted = json_number_value(json_object_get(*doc, "DeletedAt"));
	if (status && strcmp(status, "PENDING_DELETION") == 0 && call->now_s > deleted + S_PENDING_S) {
		json_decref(*doc);
		*doc = NULL;
		if (bw_doc_delete(call->store, S_KIND_EDS, call->account_id, id) == BW_STORE_ERROR)
			return BW_STORE_ERROR;
		return BW_STORE_NOT_FOUND;
	}
	return BW_STORE_OK;
}

static int s_load_or_fail(struct bw_call *call, const char *given, json_t **doc)
{
	const char *id = s_given_id(call, given);
	if (!id)
		return bw_fail(call, CT_EDS_ARN_INVALID);
	int rc = s_load(call, id, doc);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, CT_EDS_NOT_FOUND, given);
	return rc == BW_STORE_OK ? 0 : s_store_fail(call);
}

static bool s_active(const json_t *doc)
{
	const char *status = json_string_value(json_object_get(doc, "Status"));
	return status && strcmp(status, "ENABLED") == 0;
}

/* Every store of the account, pruned of expired deletions. */
static int s_list_stores(struct bw_call *call, json_t **stores)
{
	json_t *docs = NULL;
	bool more = false;
	struct bw_doc_page page = {0};
	if (bw_doc_list(call->store, S_KIND_EDS, call->account_id, &page, &docs, &more) != 0)
		return -1;
	*stores = json_array();
	if (!*stores)
		goto error;
	size_t i;
	const json_t *it;
	json_array_foreach(docs, i, it) {
		json_t *doc = NULL;
		int rc = s_load(call, json_string_value(json_object_get(it, "key")), &doc);
		if (rc == BW_STORE_NOT_FOUND)
			continue;
		if (rc != BW_STORE_OK || json_array_append_new(*stores, doc) != 0)
			goto error;
	}
	json_decref(docs);
	return 0;
error:
	json_decref(docs);
	json_decref(*stores);
	*stores = NULL;
	return -1;
}

/* The store a query's FROM names: the first of the account's stores whose
 * id or ARN the statement contains (query.c then rewrites that one). */
static int s_store_of_sql(struct bw_call *call, const char *sql, json_t **doc)
{
	*doc = NULL;
	json_t *stores = NULL;
	if (s_list_stores(call, &stores) != 0)
		return -1;
	size_t i;
	json_t *it;
	json_array_foreach(stores, i, it) {
		const char *id = json_string_value(json_object_get(it, "Id"));
		if (id && strcasestr(sql, id)) {
			*doc = json_incref(it);
			break;
		}
	}
	json_decref(stores);
	return 0;
}

static const char *const s_store_members[] = {
	"EventDataStoreArn", "Name", "Status", "AdvancedEventSelectors", "MultiRegionEnabled",
	"OrganizationEnabled", "RetentionPeriod", "TerminationProtectionEnabled", "CreatedTimestamp",
	"UpdatedTimestamp", "BillingMode",
};

static int s_out_store(const json_t *doc, json_t *out, bool with_tags)
{
	for (size_t i = 0; i < sizeof s_store_members / sizeof s_store_members[0]; i++) {
		json_t *v = json_object_get(doc, s_store_members[i]);
		if (v && json_object_set(out, s_store_members[i], v) != 0)
			return -1;
	}
	json_t *tags = json_object_get(doc, "TagsList");
	if (with_tags && tags && json_object_set(out, "TagsList", tags) != 0)
		return -1;
	return 0;
}

static int s_check_name_or_fail(struct bw_call *call, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n >= 3 && n <= 128;
	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '.' || c == '_' || c == '-';
	}
	if (!ok)
		return bw_fail(call, CT_EDS_NAME_INVALID);
	return 0;
}

/* What bulwark's store cannot do is refused, never silently ignored. */
static int s_unsupported_or_fail(struct bw_call *call, const json_t *in)
{
	if (json_object_get(in, "AdvancedEventSelectors"))
		return bw_fail(call, CT_EDS_ADVANCED_SELECTORS_UNSUPPORTED);
	if (json_object_get(in, "KmsKeyId"))
		return bw_fail(call, CT_EDS_KMS_UNSUPPORTED);
	if (json_is_true(json_object_get(in, "OrganizationEnabled")))
		return bw_fail(call, CT_ORGANIZATIONS_NOT_IN_USE);
	if (json_is_false(json_object_get(in, "StartIngestion")))
		return bw_fail(call, CT_EDS_NO_INGESTION_UNSUPPORTED);
	return 0;
}

int bw_lake_create_event_data_store(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = json_string_value(json_object_get(in, "Name"));
	if (s_check_name_or_fail(call, name) != 0 || s_unsupported_or_fail(call, in) != 0)
		return -1;
	const json_t *ret = json_object_get(in, "RetentionPeriod");
	json_int_t days = ret ? json_integer_value(ret) : 2557;
	if (ret && (!json_is_integer(ret) || days < 7 || days > 3653))
		return bw_fail(call, CT_EDS_RETENTION_INVALID);
	const char *billing = json_string_value(json_object_get(in, "BillingMode"));
	json_t *stores = NULL, *doc = NULL;
	if (s_list_stores(call, &stores) != 0)
		return s_store_fail(call);
	size_t i;
	const json_t *it;
	json_array_foreach(stores, i, it) {
		if (strcmp(json_string_value(json_object_get(it, "Name")), name) == 0) {
			json_decref(stores);
			return bw_fail(call, CT_EDS_ALREADY_EXISTS, name);
		}
	}
	size_t count = json_array_size(stores);
	json_decref(stores);
	if (count >= S_MAX_STORES)
		return bw_fail(call, CT_TOO_MANY_EDS, S_MAX_STORES);
	char id[BW_REQUEST_ID_LEN + 1], arn[256];
	bw_request_id(id);
	if (s_arn(call, id, arn, sizeof arn) != 0)
		return s_oom(call);
	const json_t *tags = json_object_get(in, "TagsList");
	const json_t *tp = json_object_get(in, "TerminationProtectionEnabled");
	doc = json_pack(
	    "{s:s, s:s, s:s, s:s, s:[{s:s, s:[{s:s, s:[s]}]}], s:b, s:b, s:I, s:b, s:f, s:f, s:s, "
	    "s:o}",
	    "Id", id, "EventDataStoreArn", arn, "Name", name, "Status", "ENABLED",
	    "AdvancedEventSelectors", "Name", "Default management events", "FieldSelectors", "Field",
	    "eventCategory", "Equals", "Management", "MultiRegionEnabled",
	    !json_is_false(json_object_get(in, "MultiRegionEnabled")), "OrganizationEnabled", 0,
	    "RetentionPeriod", (json_int_t)days, "TerminationProtectionEnabled", !json_is_false(tp),
	    "CreatedTimestamp", call->now_s, "UpdatedTimestamp", call->now_s, "BillingMode",
	    billing ? billing : "EXTENDABLE_RETENTION_PRICING", "TagsList",
	    tags ? json_deep_copy(tags) : json_array());
	if (!doc)
		return s_oom(call);
	int rc = bw_doc_create(call->store, S_KIND_EDS, call->account_id, id, doc);
	if (rc == BW_STORE_OK && s_out_store(doc, out, true) != 0)
		rc = BW_STORE_ERROR;
	if (rc == BW_STORE_OK)
		bw_resource_created(call, arn);
	json_decref(doc);
	return rc == BW_STORE_OK ? 0 : s_store_fail(call);
}

int bw_lake_get_event_data_store(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *doc = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "EventDataStore")), &doc))
		return -1;
	int rc = s_out_store(doc, out, false);
	json_decref(doc);
	return rc == 0 ? 0 : s_oom(call);
}

/* NextToken for lists: base64("<kind>.<offset>"), checked on return. */
static int s_token_out(json_t *out, const char *kind, size_t offset)
{
	char text[64];
	struct bw_buf b = {0};
	snprintf(text, sizeof text, "%s.%zu", kind, offset);
	int rc = bw_base64_encode(text, strlen(text), &b) != 0 ||
	                 json_object_set_new(out, "NextToken", json_string(bw_buf_cstr(&b))) != 0
	             ? -1
	             : 0;
	bw_buf_free(&b);
	return rc;
}

static int s_token_in(const char *token, const char *kind, size_t *offset)
{
	*offset = 0;
	if (!token)
		return 0;
	size_t len = strnlen(token, 128);
	struct bw_buf raw = {0};
	int rc = -1;
	char text[64];
	if (len == 0 || len >= 128 || bw_base64_decode(token, len, &raw) != 0 ||
	    raw.len >= sizeof text)
		goto done;
	memcpy(text, raw.data, raw.len);
	text[raw.len] = 0;
	size_t klen = strlen(kind);
	if (strlen(text) != raw.len || strncmp(text, kind, klen) != 0 || text[klen] != '.')
		goto done;
	char *end = NULL;
	unsigned long long v = strtoull(text + klen + 1, &end, 10);
	if (!end || *end || end == text + klen + 1 || v == 0 || v > 1000000)
		goto done;
	*offset = (size_t)v;
	rc = 0;
done:
	bw_buf_free(&raw);
	return rc;
}

static int s_max_or_fail(struct bw_call *call, const json_t *in, const char *member, size_t hi,
                         size_t *max)
{
	const json_t *v = json_object_get(in, member);
	*max = hi;
	if (!v)
		return 0;
	json_int_t m = json_integer_value(v);
	if (!json_is_integer(v) || m < 1 || (size_t)m > hi)
		return bw_fail(call, CT_MAX_RESULTS_INVALID, member, hi);
	*max = (size_t)m;
	return 0;
}

int bw_lake_list_event_data_stores(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t max, from;
	if (s_max_or_fail(call, in, "MaxResults", 1000, &max) != 0)
		return -1;
	if (s_token_in(json_string_value(json_object_get(in, "NextToken")), "eds", &from) != 0)
		return bw_fail(call, CT_NEXT_TOKEN_INVALID);
	json_t *stores = NULL, *list = json_array();
	if (!list || json_object_set_new(out, "EventDataStores", list) != 0)
		return s_oom(call);
	if (s_list_stores(call, &stores) != 0)
		return s_store_fail(call);
	int rc = 0;
	size_t n = json_array_size(stores);
	for (size_t i = from; rc == 0 && i < n && i < from + max; i++) {
		json_t *o = json_object();
		if (!o || json_array_append_new(list, o) != 0 ||
		    s_out_store(json_array_get(stores, i), o, false) != 0)
			rc = s_oom(call);
	}
	if (rc == 0 && from + max < n && s_token_out(out, "eds", from + max) != 0)
		rc = s_oom(call);
	json_decref(stores);
	return rc;
}

int bw_lake_delete_event_data_store(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	json_t *doc = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "EventDataStore")), &doc))
		return -1;
	int rc = 0;
	if (!s_active(doc))
		rc = bw_fail(call, CT_EDS_ALREADY_PENDING_DELETION);
	else if (json_is_true(json_object_get(doc, "TerminationProtectionEnabled")))
		rc = bw_fail(call, CT_EDS_TERMINATION_PROTECTED);
	else if (json_object_set_new(doc, "Status", json_string("PENDING_DELETION")) != 0 ||
	         json_object_set_new(doc, "DeletedAt", json_real(call->now_s)) != 0 ||
	         json_object_set_new(doc, "UpdatedTimestamp", json_real(call->now_s)) != 0)
		rc = s_oom(call);
	else if (bw_doc_update(call->store, S_KIND_EDS, call->account_id,
	                       json_string_value(json_object_get(doc, "Id")), doc) != BW_STORE_OK)
		rc = s_store_fail(call);
	json_decref(doc);
	return rc;
}

/* ---- queries ---- */

static int s_owner_or_fail(struct bw_call *call, const json_t *in)
{
	const char *owner = json_string_value(json_object_get(in, "EventDataStoreOwnerAccountId"));
	if (owner && strcmp(owner, call->account_id) != 0)
		return bw_fail(call, CT_EDS_OTHER_ACCOUNT);
	return 0;
}

int bw_lake_start_query(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *sql = json_string_value(json_object_get(in, "QueryStatement"));
	if (s_owner_or_fail(call, in) != 0)
		return -1;
	if (json_object_get(in, "DeliveryS3Uri"))
		return bw_fail(call, CT_QUERY_S3_DELIVERY_UNSUPPORTED);
	if (!sql || !sql[0])
		return bw_fail(call, CT_QUERY_STATEMENT_MISSING);
	json_t *eds = NULL, *doc = NULL;
	if (s_store_of_sql(call, sql, &eds) != 0)
		return s_store_fail(call);
	if (!eds)
		return bw_fail(call, CT_QUERY_NO_EDS);
	int rc = -1;
	if (!s_active(eds)) {
		rc = bw_fail(call, CT_EDS_PENDING_DELETION);
		goto done;
	}
	struct bw_query_spec spec = {
		.sql = sql,
		.eds_id = json_string_value(json_object_get(eds, "Id")),
		.eds_arn = json_string_value(json_object_get(eds, "EventDataStoreArn")),
		.account = call->account_id,
		.params = json_object_get(in, "QueryParameters"),
		.max_rows = S_MAX_ROWS,
		.max_bytes = S_MAX_BYTES,
		.max_ms = S_QUERY_MS,
	};
	struct bw_query_result res = {0};
	char why[512];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int q = bw_query_run(call->store, &spec, &res, why, sizeof why);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (q == BW_QUERY_INVALID) {
		rc = bw_fail(call, CT_QUERY_STATEMENT_INVALID, why);
		goto done;
	}
	long long ms = (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	const char *status = q == BW_QUERY_OK ? "FINISHED" : q == BW_QUERY_TIMEOUT ? "TIMED_OUT"
	                                                                        : "FAILED";
	char qid[BW_REQUEST_ID_LEN + 1];
	bw_request_id(qid);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:f, s:I, s:I, s:b}", "QueryId", qid, "Eds",
	                spec.eds_id, "QueryString", sql, "QueryStatus", status, "CreationTime",
	                call->now_s, "ExecutionTimeInMillis", (json_int_t)ms, "BytesScanned",
	                (json_int_t)res.scanned_bytes, "Truncated", res.truncated);
	if (!doc || json_object_set_new(doc, "Rows", res.rows ? res.rows : json_array()) != 0 ||
	    (q != BW_QUERY_OK && json_object_set_new(doc, "ErrorMessage", json_string(why)) != 0)) {
		res.rows = NULL;
		rc = s_oom(call);
		goto done;
	}
	res.rows = NULL; /* the document owns it */
	if (bw_doc_create(call->store, S_KIND_QUERY, call->account_id, qid, doc) != BW_STORE_OK) {
		rc = s_store_fail(call);
		goto done;
	}
	rc = json_object_set_new(out, "QueryId", json_string(qid)) == 0 ? 0 : s_oom(call);
done:
	json_decref(doc);
	json_decref(eds);
	return rc;
}

static int s_query_or_fail(struct bw_call *call, const json_t *in, json_t **doc)
{
	const char *qid = json_string_value(json_object_get(in, "QueryId"));
	if (s_owner_or_fail(call, in) != 0)
		return -1;
	if (!qid)
		return bw_fail(call, CT_QUERY_ID_MISSING);
	if (!s_is_uuid(qid))
		return bw_fail(call, CT_QUERY_ID_NOT_FOUND);
	int rc = bw_doc_get(call->store, S_KIND_QUERY, call->account_id, qid, doc);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, CT_QUERY_ID_UNKNOWN, qid);
	if (rc != BW_STORE_OK)
		return s_store_fail(call);
	/* a given EventDataStore must be the one the query ran on */
	const char *given = json_string_value(json_object_get(in, "EventDataStore"));
	const char *id = s_given_id(call, given);
	if (given && (!id || strcasecmp(id, json_string_value(json_object_get(*doc, "Eds"))) != 0)) {
		json_decref(*doc);
		*doc = NULL;
		return bw_fail(call, CT_QUERY_NOT_IN_EDS);
	}
	return 0;
}

static int s_copy(json_t *out, const char *to, const json_t *doc, const char *from)
{
	json_t *v = json_object_get(doc, from);
	return v ? json_object_set(out, to, v) : 0;
}

int bw_lake_get_query_results(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t max, from;
	if (s_max_or_fail(call, in, "MaxQueryResults", 1000, &max) != 0)
		return -1;
	if (s_token_in(json_string_value(json_object_get(in, "NextToken")), "rows", &from) != 0)
		return bw_fail(call, CT_NEXT_TOKEN_INVALID);
	json_t *doc = NULL;
	if (s_query_or_fail(call, in, &doc) != 0)
		return -1;
	const json_t *rows = json_object_get(doc, "Rows");
	size_t total = json_array_size(rows);
	int rc = 0;
	json_t *page = json_array();
	if (!page || json_object_set_new(out, "QueryResultRows", page) != 0 ||
	    s_copy(out, "QueryStatus", doc, "QueryStatus") != 0 ||
	    s_copy(out, "ErrorMessage", doc, "ErrorMessage") != 0) {
		rc = s_oom(call);
		goto done;
	}
	if (from > total) {
		rc = bw_fail(call, CT_NEXT_TOKEN_INVALID);
		goto done;
	}
	for (size_t i = from; i < total && i < from + max; i++)
		if (json_array_append(page, json_array_get(rows, i)) != 0) {
			rc = s_oom(call);
			goto done;
		}
	json_t *stats = json_pack("{s:I, s:I, s:O}", "ResultsCount", (json_int_t)json_array_size(page),
	                          "TotalResultsCount", (json_int_t)total, "BytesScanned",
	                          json_object_get(doc, "BytesScanned"));
	if (!stats || json_object_set_new(out, "QueryStatistics", stats) != 0 ||
	    (from + max < total && s_token_out(out, "rows", from + max) != 0))
		rc = s_oom(call);
done:
	json_decref(doc);
	return rc;
}

int bw_lake_describe_query(struct bw_call *call, const json_t *in, json_t *out)
{
	if (json_object_get(in, "QueryAlias") || json_object_get(in, "RefreshId"))
		return bw_fail(call, CT_QUERY_ALIASES_UNSUPPORTED);
	json_t *doc = NULL;
	if (s_query_or_fail(call, in, &doc) != 0)
		return -1;
	int rc = 0;
	json_t *stats = json_pack("{s:I, s:O, s:O, s:O}", "EventsMatched",
	                          (json_int_t)json_array_size(json_object_get(doc, "Rows")),
	                          "BytesScanned", json_object_get(doc, "BytesScanned"),
	                          "ExecutionTimeInMillis",
	                          json_object_get(doc, "ExecutionTimeInMillis"), "CreationTime",
	                          json_object_get(doc, "CreationTime"));
	if (!stats || json_object_set_new(out, "QueryStatistics", stats) != 0 ||
	    s_copy(out, "QueryId", doc, "QueryId") != 0 ||
	    s_copy(out, "QueryString", doc, "QueryString") != 0 ||
	    s_copy(out, "QueryStatus", doc, "QueryStatus") != 0 ||
	    s_copy(out, "ErrorMessage", doc, "ErrorMessage") != 0)
		rc = s_oom(call);
	json_decref(doc);
	return rc;
}

int bw_lake_cancel_query(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	json_t *doc = NULL;
	if (s_query_or_fail(call, in, &doc) != 0)
		return -1;
	/* every query has run to its end by the time its id is known */
	const char *status = json_string_value(json_object_get(doc, "QueryStatus"));
	int rc = bw_fail(call, CT_QUERY_INACTIVE,
	                 json_string_value(json_object_get(doc, "QueryId")),
	                 status ? status : "done");
	json_decref(doc);
	return rc;
}

static const char *const s_statuses[] = {"QUEUED", "RUNNING", "FINISHED", "FAILED", "CANCELLED",
                                         "TIMED_OUT"};

int bw_lake_list_queries(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t max, from;
	if (s_max_or_fail(call, in, "MaxResults", 1000, &max) != 0)
		return -1;
	if (s_token_in(json_string_value(json_object_get(in, "NextToken")), "queries", &from) != 0)
		return bw_fail(call, CT_NEXT_TOKEN_INVALID);
	const char *status = json_string_value(json_object_get(in, "QueryStatus"));
	bool known = !status;
	for (size_t i = 0; status && i < sizeof s_statuses / sizeof s_statuses[0]; i++)
		known = known || strcmp(status, s_statuses[i]) == 0;
	if (!known)
		return bw_fail(call, CT_QUERY_STATUS_INVALID);
	const json_t *st = json_object_get(in, "StartTime"), *et = json_object_get(in, "EndTime");
	double start = st ? json_number_value(st) : 0, end = et ? json_number_value(et) : 1e18;
	if (start > end)
		return bw_fail(call, CT_DATE_RANGE_INVALID);
	json_t *eds = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "EventDataStore")), &eds))
		return -1;
	const char *eds_id = json_string_value(json_object_get(eds, "Id"));
	json_t *docs = NULL, *list = json_array();
	bool more = false;
	struct bw_doc_page page = {0};
	int rc = 0;
	if (!list || json_object_set_new(out, "Queries", list) != 0) {
		rc = s_oom(call);
		goto done;
	}
	if (bw_doc_list(call->store, S_KIND_QUERY, call->account_id, &page, &docs, &more) != 0) {
		rc = s_store_fail(call);
		goto done;
	}
	size_t i, seen = 0;
	const json_t *it;
	json_array_foreach(docs, i, it) {
		const json_t *q = json_object_get(it, "doc");
		double created = json_number_value(json_object_get(q, "CreationTime"));
		const char *qs = json_string_value(json_object_get(q, "QueryStatus"));
		if (strcmp(json_string_value(json_object_get(q, "Eds")), eds_id) != 0 ||
		    created < start || created > end || (status && (!qs || strcmp(qs, status) != 0)))
			continue;
		if (seen++ < from)
			continue;
		if (json_array_size(list) == max) {
			if (s_token_out(out, "queries", from + max) != 0)
				rc = s_oom(call);
			break;
		}
		json_t *o = json_pack("{s:O, s:O, s:O}", "QueryId", json_object_get(q, "QueryId"),
		                      "QueryStatus", json_object_get(q, "QueryStatus"), "CreationTime",
		                      json_object_get(q, "CreationTime"));
		if (!o || json_array_append_new(list, o) != 0) {
			rc = s_oom(call);
			break;
		}
	}
done:
	json_decref(docs);
	json_decref(eds);
	return rc;
}

/* ---- IAM resources ---- */

/* The event data store a request names: the stored one (its ARN and
 * tags), else the ARN its id would have. */
static int s_eds_resource(struct bw_call *call, const char *id, struct bw_resource *res)
{
	json_t *doc = NULL;
	int rc = bw_doc_get(call->store, S_KIND_EDS, call->account_id, id, &doc);
	if (rc == BW_STORE_OK) {
		rc = bw_resource_from_doc(res, doc, "EventDataStoreArn", "TagsList");
		json_decref(doc);
		if (rc == 0)
			return 0;
	} else if (rc != BW_STORE_NOT_FOUND) {
		return -1;
	}
	bw_buf_reset(&res->arn);
	return bw_buf_appendf(&res->arn, "arn:aws:cloudtrail:%s:%s:eventdatastore/%s",
	                      call->region, call->account_id, id);
}

int bw_lake_eds_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *id = s_given_id(call, json_string_value(json_object_get(in, "EventDataStore")));
	if (!id)
		return bw_buf_append_str(&res->arn, "*");
	return s_eds_resource(call, id, res);
}

int bw_lake_query_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	if (json_object_get(in, "EventDataStore"))
		return bw_lake_eds_resource(call, in, res);
	json_t *doc = NULL;
	const char *sql = json_string_value(json_object_get(in, "QueryStatement"));
	const char *qid = json_string_value(json_object_get(in, "QueryId"));
	if (sql) {
		if (s_store_of_sql(call, sql, &doc) != 0)
			return -1;
	} else if (s_is_uuid(qid)) {
		json_t *q = NULL;
		if (bw_doc_get(call->store, S_KIND_QUERY, call->account_id, qid, &q) == BW_STORE_ERROR)
			return -1;
		const char *eds = json_string_value(json_object_get(q, "Eds"));
		if (eds)
			doc = json_pack("{s:s}", "Id", eds);
		json_decref(q);
	}
	const char *id = json_string_value(json_object_get(doc, "Id"));
	int rc = id ? s_eds_resource(call, id, res) : bw_buf_append_str(&res->arn, "*");
	json_decref(doc);
	return rc;
}
