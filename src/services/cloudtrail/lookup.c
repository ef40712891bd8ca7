/*
 * lookup.c: CloudTrail LookupEvents over the event log (store/events.h),
 * and the pruning tick that keeps 90 days of it (configurable).
 *
 * Following AWS: at most one lookup attribute; StartTime after EndTime is
 * InvalidTimeRangeException; MaxResults 1..50 (default 50); EventCategory
 * "insight" returns no events (bulwark has no Insights); newest first; the
 * NextToken is opaque and only valid with the parameters it came with.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "services/cloudtrail/cloudtrail_errors.h"
#include "services/cloudtrail/lookup.h"
#include "services/service.h"
#include "store/events.h"

#define S_MAX_RESULTS 50
#define S_DAY_MS (24LL * 3600 * 1000)

static const struct {
	const char *key;
	enum bw_event_attr attr;
} s_attrs[] = {
	{"EventId", BW_EVENT_ATTR_EVENT_ID},
	{"EventName", BW_EVENT_ATTR_EVENT_NAME},
	{"ReadOnly", BW_EVENT_ATTR_READ_ONLY},
	{"Username", BW_EVENT_ATTR_USERNAME},
	{"ResourceType", BW_EVENT_ATTR_RESOURCE_TYPE},
	{"ResourceName", BW_EVENT_ATTR_RESOURCE_NAME},
	{"EventSource", BW_EVENT_ATTR_EVENT_SOURCE},
	{"AccessKeyId", BW_EVENT_ATTR_ACCESS_KEY_ID},
};

/* FNV-1a over the query's parameters: a token is only good for them. */
static uint64_t s_fingerprint(const struct bw_event_query *q)
{
	uint64_t h = 1469598103934665603ULL;
	char buf[64];
	snprintf(buf, sizeof buf, "%d|%" PRId64 "|%" PRId64 "|", (int)q->attr, q->start_ms, q->end_ms);
	for (const char *p = buf; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	for (const char *p = q->value ? q->value : ""; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	return h;
}

/* "2.<time ms>.<seq>.<fingerprint hex>", base64: opaque to clients. */
static int s_token_encode(const struct bw_event_query *q, int64_t time_ms, uint64_t seq,
                          struct bw_buf *out)
{
	char text[96];
	snprintf(text, sizeof text, "2.%" PRId64 ".%" PRIu64 ".%016" PRIx64, time_ms, seq,
	         s_fingerprint(q));
	return bw_base64_encode(text, strlen(text), out);
}

/* A decimal number ending at a '.', which *p is moved past. */
static int s_token_number(char **p, unsigned long long *out)
{
	char *end = NULL;
	if (**p < '0' || **p > '9')
		return -1;
	*out = strtoull(*p, &end, 10);
	if (!end || *end != '.')
		return -1;
	*p = end + 1;
	return 0;
}

static int s_token_decode(const char *token, struct bw_event_query *q)
{
	size_t len = strnlen(token, 256);
	struct bw_buf raw = {0};
	int rc = -1;
	if (len == 0 || len >= 256 || bw_base64_decode(token, len, &raw) != 0 || raw.len >= 96)
		goto done;
	char text[96];
	memcpy(text, raw.data, raw.len);
	text[raw.len] = 0;
	if (strlen(text) != raw.len || strncmp(text, "2.", 2) != 0)
		goto done;
	char *p = text + 2, *end = NULL;
	unsigned long long time_ms, seq;
	if (s_token_number(&p, &time_ms) != 0 || s_token_number(&p, &seq) != 0 || seq == 0 ||
	    time_ms > INT64_MAX || seq > INT64_MAX)
		goto done;
	unsigned long long fp = strtoull(p, &end, 16);
	if (!end || *end || strlen(p) != 16 || fp != s_fingerprint(q))
		goto done;
	q->before_time_ms = (int64_t)time_ms;
	q->before_seq = seq;
	rc = 0;
done:
	bw_buf_free(&raw);
	return rc;
}

/* The LookupAttributes list: none or one. */
static int s_attribute_or_fail(struct bw_call *call, const json_t *in, struct bw_event_query *q)
{
	const json_t *attrs = json_object_get(in, "LookupAttributes");
	size_t n = json_array_size(attrs);
	if (n == 0)
		return 0;
	if (n > 1)
		return bw_fail(call, CT_LOOKUP_ATTRIBUTES_TOO_MANY);
	const json_t *a = json_array_get(attrs, 0);
	const char *key = json_string_value(json_object_get(a, "AttributeKey"));
	const char *value = json_string_value(json_object_get(a, "AttributeValue"));
	if (!key || !value)
		return bw_fail(call, CT_LOOKUP_ATTRIBUTE_INCOMPLETE);
	for (size_t i = 0; i < sizeof s_attrs / sizeof s_attrs[0]; i++) {
		if (strcmp(key, s_attrs[i].key) != 0)
			continue;
		if (s_attrs[i].attr == BW_EVENT_ATTR_READ_ONLY && strcmp(value, "true") != 0 &&
		    strcmp(value, "false") != 0)
			return bw_fail(call, CT_LOOKUP_READ_ONLY_VALUE);
		q->attr = s_attrs[i].attr;
		q->value = value;
		return 0;
	}
	return bw_fail(call, CT_LOOKUP_ATTRIBUTE_KEY_INVALID, key);
}

static int s_time_ms(const json_t *v, int64_t *out)
{
	if (!v)
		return 0;
	double s = json_number_value(v);
	if (!json_is_number(v) || s < 0 || s > 253402300799.0) /* 9999-12-31 */
		return -1;
	*out = (int64_t)(s * 1000.0);
	return 0;
}

static int s_query_or_fail(struct bw_call *call, const json_t *in, struct bw_event_query *q)
{
	*q = (struct bw_event_query){.limit = S_MAX_RESULTS};
	if (s_attribute_or_fail(call, in, q) != 0)
		return -1;
	const json_t *start = json_object_get(in, "StartTime"), *end = json_object_get(in, "EndTime");
	if (s_time_ms(start, &q->start_ms) != 0 || s_time_ms(end, &q->end_ms) != 0)
		return bw_fail(call, CT_TIME_RANGE_INVALID);
	if (start && end && q->start_ms > q->end_ms)
		return bw_fail(call, CT_LOOKUP_START_AFTER_END);
	/* an explicit StartTime of the epoch is still a bound */
	if (start && q->start_ms == 0)
		q->start_ms = 1;
	if (end && q->end_ms == 0)
		q->end_ms = 1;
	const json_t *max = json_object_get(in, "MaxResults");
	if (max) {
		json_int_t m = json_integer_value(max);
		if (!json_is_integer(max) || m < 1 || m > S_MAX_RESULTS)
			return bw_fail(call, CT_LOOKUP_MAX_RESULTS, S_MAX_RESULTS);
		q->limit = (size_t)m;
	}
	const char *token = json_string_value(json_object_get(in, "NextToken"));
	if (token && s_token_decode(token, q) != 0)
		return bw_fail(call, CT_LOOKUP_NEXT_TOKEN_INVALID);
	return 0;
}

/* One Event of the output from a stored record. */
static json_t *s_event(const json_t *rec)
{
	const json_t *uid = json_object_get(rec, "userIdentity");
	char *text = json_dumps(rec, JSON_COMPACT);
	json_t *ev = json_object(), *res = json_array();
	if (!text || !ev || !res)
		goto error;
	const char *ids[][2] = {
		{"EventId", "eventID"}, {"EventName", "eventName"}, {"EventSource", "eventSource"},
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		const char *v = json_string_value(json_object_get(rec, ids[i][1]));
		if (v && json_object_set_new(ev, ids[i][0], json_string(v)) != 0)
			goto error;
	}
	const char *akid = json_string_value(json_object_get(uid, "accessKeyId"));
	if (akid && akid[0] && json_object_set_new(ev, "AccessKeyId", json_string(akid)) != 0)
		goto error;
	const char *user = json_string_value(json_object_get(uid, "userName"));
	const char *type = json_string_value(json_object_get(uid, "type"));
	const char *arn = json_string_value(json_object_get(uid, "arn"));
	if (type && strcmp(type, "Root") == 0)
		user = "root";
	else if (!user && arn && strrchr(arn, '/'))
		user = strrchr(arn, '/') + 1; /* a role session's or federated user's name */
	if (user && json_object_set_new(ev, "Username", json_string(user)) != 0)
		goto error;
	double when = 0;
	const char *t = json_string_value(json_object_get(rec, "eventTime"));
	if (t && bw_parse_iso8601(t, &when) && json_object_set_new(ev, "EventTime", json_real(when)))
		goto error;
	if (json_object_set_new(ev, "ReadOnly",
	                        json_string(json_is_true(json_object_get(rec, "readOnly")) ? "true"
	                                                                                 : "false")))
		goto error;
	size_t i;
	const json_t *r;
	json_array_foreach(json_object_get(rec, "resources"), i, r) {
		const char *rt = json_string_value(json_object_get(r, "type"));
		const char *rn = json_string_value(json_object_get(r, "ARN"));
		if (rt && rn && json_array_append_new(res, json_pack("{s:s, s:s}", "ResourceType", rt,
		                                                     "ResourceName", rn)) != 0)
			goto error;
	}
	if (json_object_set_new(ev, "Resources", res) != 0) {
		res = NULL;
		goto error;
	}
	res = NULL;
	if (json_object_set_new(ev, "CloudTrailEvent", json_string(text)) != 0)
		goto error;
	free(text);
	return ev;
error:
	free(text);
	json_decref(res);
	json_decref(ev);
	return NULL;
}

static int s_lookup_events(struct bw_call *call, const json_t *in, json_t *out)
{
	struct bw_event_query q;
	if (s_query_or_fail(call, in, &q) != 0)
		return -1;
	json_t *events = json_array();
	if (!events || json_object_set_new(out, "Events", events) != 0)
		return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
	const char *category = json_string_value(json_object_get(in, "EventCategory"));
	if (category && strcmp(category, "insight") == 0)
		return 0; /* no Insights events here: an empty list, as for a trail without them */
	json_t *found = NULL;
	bool more = false;
	if (bw_events_lookup(call->store, &q, &found, &more) != 0)
		return bw_fail(call, CT_EVENT_LOG_UNREADABLE);
	size_t i;
	const json_t *item;
	uint64_t last = 0;
	int64_t last_time_ms = 0;
	int rc = 0;
	json_array_foreach(found, i, item) {
		json_t *ev = s_event(json_object_get(item, "record"));
		if (!ev || json_array_append_new(events, ev) != 0) {
			rc = bw_fail(call, BW_ERR_OUT_OF_MEMORY);
			break;
		}
		last = (uint64_t)json_integer_value(json_object_get(item, "seq"));
		last_time_ms = json_integer_value(json_object_get(item, "time_ms"));
	}
	json_decref(found);
	if (rc != 0 || !more || last == 0)
		return rc;
	struct bw_buf token = {0};
	if (s_token_encode(&q, last_time_ms, last, &token) != 0 ||
	    json_object_set_new(out, "NextToken", json_string(bw_buf_cstr(&token))) != 0)
		rc = bw_fail(call, BW_ERR_OUT_OF_MEMORY);
	bw_buf_free(&token);
	return rc;
}

/* The tick (once a second): drop events past the retention period. */
void bw_cloudtrail_prune_tick(struct bw_store *store, double now_s)
{
	int days = bw_events_retention_days();
	if (days <= 0)
		return;
	size_t deleted = 0;
	int64_t cutoff = (int64_t)(now_s * 1000.0) - (int64_t)days * S_DAY_MS;
	if (bw_events_prune(store, cutoff, &deleted) != 0)
		bw_logf(BW_LOG_WARN, "cloudtrail: pruning events older than %d days failed", days);
	else if (deleted)
		bw_logf(BW_LOG_INFO, "cloudtrail: pruned %zu events older than %d days", deleted, days);
}

static const struct bw_op_impl s_ops[] = {
	{"LookupEvents", s_lookup_events, "cloudtrail:LookupEvents", NULL, true},
};

const struct bw_op_table bw_cloudtrail_lookup_ops = BW_OP_TABLE(s_ops);
