/*
 * trails.c: the CloudTrail trail API — CreateTrail, UpdateTrail,
 * DeleteTrail, GetTrail, DescribeTrails, ListTrails, GetTrailStatus,
 * StartLogging, StopLogging, PutEventSelectors, GetEventSelectors, AddTags,
 * RemoveTags, ListTags, ListPublicKeys. What a trail then does (delivery,
 * digests) is src/trail/; the state layout is in trails.h.
 *
 * One region and one account per installation: a multi-region trail is
 * stored and reported as such and, there being one region, delivers it
 * all; no trail has shadow copies elsewhere. Delivery goes to the
 * directory <data-dir>/trail-delivery/<S3BucketName>/<S3KeyPrefix>/ until
 * bulwark's S3 exists, so the bucket is checked as a name only.
 */
#include "services/cloudtrail/cloudtrail_errors.h"
#include "services/cloudtrail/trails.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/timeutil.h"
#include "gateway/resource.h"
#include "services/kms/kms_resolve.h"
#include "store/doc.h"
#include "trail/trail.h"

#define S_MAX_TRAILS 5
#define S_MAX_TAGS   50
#define S_NAME_MAX   128

static int s_oom(struct bw_call *call)
{
	return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
}

static int s_store_fail(struct bw_call *call)
{
	return bw_fail(call, BW_ERR_STORE_FAILED);
}

/* AWS's trail name rules ("Naming requirements", CreateTrail). */
static int s_check_name(struct bw_call *call, const char *name)
{
	size_t n = strlen(name);
	if (n < 3)
		return bw_fail(call, CT_TRAIL_NAME_TOO_SHORT, n);
	if (n > S_NAME_MAX)
		return bw_fail(call, CT_TRAIL_NAME_TOO_LONG, n);
	bool digits_and_dots = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		bool special = c == '.' || c == '_' || c == '-';
		if (!isalnum(c) && !special)
			return bw_fail(call, CT_TRAIL_NAME_CHARACTERS);
		if (special && i > 0 && strchr("._-", name[i - 1]))
			return bw_fail(call, CT_TRAIL_NAME_CONSECUTIVE_SPECIALS);
		if (!isdigit(c) && c != '.')
			digits_and_dots = false;
	}
	if (!isalnum((unsigned char)name[0]))
		return bw_fail(call, CT_TRAIL_NAME_FIRST_CHARACTER);
	if (!isalnum((unsigned char)name[n - 1]))
		return bw_fail(call, CT_TRAIL_NAME_LAST_CHARACTER);
	if (digits_and_dots)
		return bw_fail(call, CT_TRAIL_NAME_IP_ADDRESS);
	return 0;
}

static int s_arn(const struct bw_call *call, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "arn:aws:cloudtrail:%s:%s:trail/%s", call->region,
	                 call->account_id, name);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* A trail named by name or ARN: the name into name[S_NAME_MAX + 1]. */
static int s_name_or_fail(struct bw_call *call, const char *given, char *name)
{
	if (!given || !given[0])
		return bw_fail(call, CT_TRAIL_NAME_EMPTY);
	const char *n = given;
	if (strncmp(given, "arn:", 4) == 0) {
		char region[72], account[16];
		const char *p = given + 4, *slash;
		if (strncmp(p, "aws:cloudtrail:", 15) != 0)
			goto bad_arn;
		p += 15;
		const char *colon = strchr(p, ':');
		if (!colon || (size_t)(colon - p) >= sizeof region)
			goto bad_arn;
		memcpy(region, p, (size_t)(colon - p));
		region[colon - p] = 0;
		p = colon + 1;
		colon = strchr(p, ':');
		if (!colon || (size_t)(colon - p) >= sizeof account ||
		    strncmp(colon + 1, "trail/", 6) != 0)
			goto bad_arn;
		memcpy(account, p, (size_t)(colon - p));
		account[colon - p] = 0;
		slash = colon + 7;
		if (s_check_name(call, slash) != 0)
			return -1;
		if (strcmp(account, call->account_id) != 0 || strcmp(region, call->region) != 0)
			return bw_fail(call, CT_TRAIL_NOT_FOUND, given, call->account_id);
		n = slash;
	} else if (s_check_name(call, given) != 0) {
		return -1;
	}
	memcpy(name, n, strlen(n) + 1);
	return 0;
bad_arn:
	return bw_fail(call, CT_TRAIL_ARN_INVALID, given);
}

static int s_load_or_fail(struct bw_call *call, const char *given, char *name, json_t **doc)
{
	*doc = NULL;
	if (s_name_or_fail(call, given, name) != 0)
		return -1;
	int g = bw_doc_get(call->store, BW_CT_TRAIL, call->account_id, name, doc);
	if (g == BW_STORE_OK)
		return 0;
	if (g != BW_STORE_NOT_FOUND)
		return s_store_fail(call);
	char arn[512];
	(void)s_arn(call, name, arn, sizeof arn);
	return bw_fail(call, CT_TRAIL_NOT_FOUND, arn, call->account_id);
}

/* The Trail shape of a stored trail (settings only). */
static json_t *s_view(const json_t *doc)
{
	static const char *const members[] = {"Name",
	                                      "S3BucketName",
	                                      "S3KeyPrefix",
	                                      "IncludeGlobalServiceEvents",
	                                      "IsMultiRegionTrail",
	                                      "HomeRegion",
	                                      "TrailARN",
	                                      "LogFileValidationEnabled",
	                                      "KmsKeyId",
	                                      "HasCustomEventSelectors",
	                                      "HasInsightSelectors",
	                                      "IsOrganizationTrail"};
	json_t *v = json_object();
	for (size_t i = 0; v && i < sizeof members / sizeof *members; i++) {
		json_t *m = json_object_get(doc, members[i]);
		if (m && json_object_set(v, members[i], m) != 0) {
			json_decref(v);
			return NULL;
		}
	}
	return v;
}

static bool s_bucket_ok(const char *b)
{
	size_t n = strlen(b);
	if (n < 3 || n > 63 || !isalnum((unsigned char)b[0]) || !isalnum((unsigned char)b[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (!(islower(c) || isdigit(c) || c == '-' || c == '.'))
			return false;
		if (c == '.' && (b[i + 1] == '.' || b[i - 1] == '-' || b[i + 1] == '-'))
			return false;
	}
	return true;
}

/* A prefix becomes directories: no "..", no empty or "." segment, no
 * leading slash, no control characters. */
static bool s_prefix_ok(const char *p)
{
	size_t n = strlen(p);
	if (n > 200 || p[0] == '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == '\\')
			return false;
	const char *seg = p;
	while (*seg) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);
		if ((len == 0 && end && end[1]) || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (!end)
			break;
		seg = end + 1;
	}
	return true;
}

/* KmsKeyId: a symmetric encryption key of this account, stored as its ARN. */
static int s_kms_key_or_fail(struct bw_call *call, const char *given, json_t *doc)
{
	json_t *key = NULL;
	if (bw_kms_resolve_key_or_fail(call, given, &key) != 0) {
		call->failed = false;
		return bw_fail(call, CT_KMS_KEY_NOT_FOUND, given);
	}
	const char *state = bw_kms_doc_str(key, "KeyState");
	const char *usage = bw_kms_doc_str(key, "KeyUsage");
	const char *spec = bw_kms_doc_str(key, "KeySpec");
	int rc = 0;
	if (strcmp(state, "Enabled") != 0)
		rc = bw_fail(call, CT_KMS_KEY_DISABLED, given);
	else if (strcmp(usage, "ENCRYPT_DECRYPT") != 0 || strcmp(spec, "SYMMETRIC_DEFAULT") != 0)
		rc = bw_fail(call, CT_KMS_KEY_NOT_SYMMETRIC, given);
	else if (json_object_set(doc, "KmsKeyId", json_object_get(key, "Arn")) != 0)
		rc = s_oom(call);
	json_decref(key);
	return rc;
}

static bool s_flag(const json_t *in, const char *member, bool dflt)
{
	const json_t *v = json_object_get(in, member);
	return v ? json_is_true(v) : dflt;
}

/* Settings that CreateTrail and UpdateTrail share. */
static int s_apply_settings(struct bw_call *call, const json_t *in, json_t *doc)
{
	const char *s;
	if (json_object_get(in, "SnsTopicName") ||
	    json_object_get(in, "CloudWatchLogsLogGroupArn") ||
	    json_object_get(in, "CloudWatchLogsRoleArn"))
		return bw_fail(call, CT_TRAIL_DELIVERY_UNSUPPORTED);
	if (s_flag(in, "IsOrganizationTrail", false))
		return bw_fail(call, CT_ORGANIZATIONS_NOT_IN_USE);
	if ((s = json_string_value(json_object_get(in, "S3BucketName")))) {
		if (!s_bucket_ok(s))
			return bw_fail(call, CT_S3_BUCKET_NAME_INVALID, s);
		if (json_object_set_new(doc, "S3BucketName", json_string(s)) != 0)
			return s_oom(call);
	}
	if ((s = json_string_value(json_object_get(in, "S3KeyPrefix")))) {
		if (!s_prefix_ok(s))
			return bw_fail(call, CT_S3_PREFIX_INVALID, s);
		int rc = s[0] ? json_object_set_new(doc, "S3KeyPrefix", json_string(s))
		              : json_object_del(doc, "S3KeyPrefix") * 0;
		if (rc != 0)
			return s_oom(call);
	}
	static const char *const flags[][2] = {
	    {"IncludeGlobalServiceEvents", "IncludeGlobalServiceEvents"},
	    {"IsMultiRegionTrail", "IsMultiRegionTrail"},
	    {"EnableLogFileValidation", "LogFileValidationEnabled"}};
	for (size_t i = 0; i < 3; i++) {
		const json_t *v = json_object_get(in, flags[i][0]);
		if (v && json_object_set_new(doc, flags[i][1], json_boolean(json_is_true(v))) != 0)
			return s_oom(call);
	}
	if (json_is_true(json_object_get(doc, "IsMultiRegionTrail")) &&
	    !json_is_true(json_object_get(doc, "IncludeGlobalServiceEvents")))
		return bw_fail(call, CT_MULTI_REGION_NEEDS_GLOBAL_EVENTS);
	if ((s = json_string_value(json_object_get(in, "KmsKeyId")))) {
		if (!s[0]) /* UpdateTrail with "" turns encryption off */
			(void)json_object_del(doc, "KmsKeyId");
		else if (s_kms_key_or_fail(call, s, doc) != 0)
			return -1;
	}
	return 0;
}

static int s_check_tags_or_fail(struct bw_call *call, const json_t *tags)
{
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "Key"));
		const char *v = json_string_value(json_object_get(t, "Value"));
		if (!k || !k[0] || strlen(k) > 128 || (v && strlen(v) > 256) ||
		    strncmp(k, "aws:", 4) == 0)
			return bw_fail(call, CT_TAG_INVALID);
	}
	return 0;
}

/* Merge tags into the document's "Tags" (a key given again is replaced). */
static int s_merge_tags_or_fail(struct bw_call *call, json_t *doc, const json_t *tags)
{
	if (s_check_tags_or_fail(call, tags) != 0)
		return -1;
	json_t *have = json_object_get(doc, "Tags");
	if (!json_is_array(have)) {
		have = json_array();
		if (!have || json_object_set_new(doc, "Tags", have) != 0)
			return s_oom(call);
	}
	size_t i, j;
	json_t *t, *h;
	json_array_foreach(tags, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "Key"));
		bool replaced = false;
		json_array_foreach(have, j, h)
		{
			if (strcmp(json_string_value(json_object_get(h, "Key")), k) == 0) {
				if (json_array_set(have, j, t) != 0)
					return s_oom(call);
				replaced = true;
				break;
			}
		}
		if (!replaced && json_array_append(have, t) != 0)
			return s_oom(call);
	}
	if (json_array_size(have) > S_MAX_TAGS)
		return bw_fail(call, CT_TOO_MANY_TAGS, S_MAX_TAGS);
	return 0;
}

static int s_new_trail_id(char out[33])
{
	unsigned char r[16];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	for (size_t i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/* Output of CreateTrail / UpdateTrail: the Trail shape less HomeRegion. */
static int s_out_trail(struct bw_call *call, const json_t *doc, json_t *out)
{
	json_t *v = s_view(doc);
	if (!v)
		return s_oom(call);
	(void)json_object_del(v, "HomeRegion");
	(void)json_object_del(v, "HasCustomEventSelectors");
	(void)json_object_del(v, "HasInsightSelectors");
	int rc = json_object_update(out, v) == 0 ? 0 : s_oom(call);
	json_decref(v);
	return rc;
}

int bw_ct_create_trail(struct bw_call *call, const json_t *in, json_t *out)
{
	char name[S_NAME_MAX + 1], arn[512], id[33];
	const char *given = json_string_value(json_object_get(in, "Name"));
	if (!given || !given[0])
		return bw_fail(call, CT_TRAIL_NOT_PROVIDED);
	/* CreateTrail takes a name, never an ARN. */
	if (s_check_name(call, given) != 0)
		return -1;
	memcpy(name, given, strlen(given) + 1);
	size_t count = 0;
	if (bw_doc_count(call->store, BW_CT_TRAIL, call->account_id, NULL, &count) != 0)
		return s_store_fail(call);
	json_t *doc = NULL;
	if (s_arn(call, name, arn, sizeof arn) != 0 || s_new_trail_id(id) != 0)
		return s_oom(call);
	if (bw_doc_get(call->store, BW_CT_TRAIL, call->account_id, name, &doc) == BW_STORE_OK) {
		json_decref(doc);
		return bw_fail(call, CT_TRAIL_ALREADY_EXISTS, name, call->account_id);
	}
	if (count >= S_MAX_TRAILS)
		return bw_fail(call, CT_TOO_MANY_TRAILS, call->account_id, S_MAX_TRAILS,
		               call->region);
	doc = json_pack("{s:s, s:b, s:b, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:s, s:[]}", "Name",
	                name, "IncludeGlobalServiceEvents", 1, "IsMultiRegionTrail", 0,
	                "HomeRegion", call->region, "TrailARN", arn, "LogFileValidationEnabled", 0,
	                "HasCustomEventSelectors", 0, "HasInsightSelectors", 0,
	                "IsOrganizationTrail", 0, "IsLogging", 0, "TrailId", id, "Tags");
	if (!doc)
		return s_oom(call);
	int rc = -1;
	if (s_apply_settings(call, in, doc) != 0)
		goto done;
	if (!json_object_get(in, "S3BucketName")) {
		rc = bw_fail(call, CT_S3_BUCKET_NAME_MISSING);
		goto done;
	}
	const json_t *tags = json_object_get(in, "TagsList");
	if (tags && s_merge_tags_or_fail(call, doc, tags) != 0)
		goto done;
	int c = bw_doc_create(call->store, BW_CT_TRAIL, call->account_id, name, doc);
	if (c == BW_STORE_EXISTS) {
		rc = bw_fail(call, CT_TRAIL_ALREADY_EXISTS, name, call->account_id);
		goto done;
	}
	if (c != BW_STORE_OK) {
		rc = s_store_fail(call);
		goto done;
	}
	rc = s_out_trail(call, doc, out);
	if (rc == 0)
		bw_resource_created(call, json_string_value(json_object_get(doc, "TrailARN")));
done:
	json_decref(doc);
	return rc;
}

int bw_ct_update_trail(struct bw_call *call, const json_t *in, json_t *out)
{
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "Name")), name, &doc) != 0)
		return -1;
	int rc = -1;
	if (s_apply_settings(call, in, doc) != 0)
		goto done;
	if (bw_doc_update(call->store, BW_CT_TRAIL, call->account_id, name, doc) != BW_STORE_OK) {
		rc = s_store_fail(call);
		goto done;
	}
	rc = s_out_trail(call, doc, out);
done:
	json_decref(doc);
	return rc;
}

int bw_ct_delete_trail(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "Name")), name, &doc) != 0)
		return -1;
	json_decref(doc);
	if (bw_doc_delete(call->store, BW_CT_TRAIL, call->account_id, name) == BW_STORE_ERROR ||
	    bw_doc_delete(call->store, BW_CT_TRAIL_STATE, call->account_id, name) == BW_STORE_ERROR)
		return s_store_fail(call);
	return 0;
}

int bw_ct_get_trail(struct bw_call *call, const json_t *in, json_t *out)
{
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "Name")), name, &doc) != 0)
		return -1;
	json_t *v = s_view(doc);
	json_decref(doc);
	if (!v || json_object_set_new(out, "Trail", v) != 0)
		return s_oom(call);
	return 0;
}

static int s_list_all(struct bw_call *call, json_t **docs)
{
	bool more = false;
	struct bw_doc_page page = {0};
	if (bw_doc_list(call->store, BW_CT_TRAIL, call->account_id, &page, docs, &more) != 0)
		return s_store_fail(call);
	return 0;
}

int bw_ct_describe_trails(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *list = json_array(), *docs = NULL;
	if (!list || json_object_set_new(out, "trailList", list) != 0)
		return s_oom(call);
	const json_t *names = json_object_get(in, "trailNameList");
	size_t i;
	json_t *item;
	if (json_array_size(names) == 0) {
		if (s_list_all(call, &docs) != 0)
			return -1;
		json_array_foreach(docs, i, item)
		{
			json_t *v = s_view(json_object_get(item, "doc"));
			if (!v || json_array_append_new(list, v) != 0) {
				json_decref(docs);
				return s_oom(call);
			}
		}
		json_decref(docs);
		return 0;
	}
	/* Named trails: those that do not exist are left out, as AWS does. */
	json_array_foreach(names, i, item)
	{
		char name[S_NAME_MAX + 1];
		json_t *doc = NULL;
		if (s_name_or_fail(call, json_string_value(item), name) != 0) {
			if (strcmp(call->err.code, "TrailNotFoundException") != 0)
				return -1;
			call->failed = false;
			continue;
		}
		int g = bw_doc_get(call->store, BW_CT_TRAIL, call->account_id, name, &doc);
		if (g == BW_STORE_ERROR)
			return s_store_fail(call);
		if (g != BW_STORE_OK)
			continue;
		json_t *v = s_view(doc);
		json_decref(doc);
		if (!v || json_array_append_new(list, v) != 0)
			return s_oom(call);
	}
	return 0;
}

int bw_ct_list_trails(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)in; /* at most five trails: one page, no NextToken */
	json_t *list = json_array(), *docs = NULL;
	if (!list || json_object_set_new(out, "Trails", list) != 0)
		return s_oom(call);
	if (s_list_all(call, &docs) != 0)
		return -1;
	size_t i;
	json_t *item;
	json_array_foreach(docs, i, item)
	{
		const json_t *d = json_object_get(item, "doc");
		json_t *t = json_pack("{s:O, s:O, s:O}", "TrailARN", json_object_get(d, "TrailARN"),
		                      "Name", json_object_get(d, "Name"), "HomeRegion",
		                      json_object_get(d, "HomeRegion"));
		if (!t || json_array_append_new(list, t) != 0) {
			json_decref(docs);
			return s_oom(call);
		}
	}
	json_decref(docs);
	return 0;
}

static int s_copy_time(json_t *out, const char *member, const json_t *src, const char *from)
{
	const json_t *v = json_object_get(src, from);
	return v ? json_object_set_new(out, member, json_deep_copy(v)) : 0;
}

static int s_copy_iso(json_t *out, const char *member, const json_t *src, const char *from)
{
	const json_t *v = json_object_get(src, from);
	char iso[32];
	if (!v)
		return 0;
	if (bw_trail_iso(json_number_value(v), iso) != 0)
		return -1;
	return json_object_set_new(out, member, json_string(iso));
}

int bw_ct_get_trail_status(struct bw_call *call, const json_t *in, json_t *out)
{
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL, *state = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "Name")), name, &doc) != 0)
		return -1;
	int rc = 0;
	if (bw_doc_get(call->store, BW_CT_TRAIL_STATE, call->account_id, name, &state) ==
	    BW_STORE_ERROR) {
		rc = s_store_fail(call);
		goto done;
	}
	/* State left by an older trail of the same name is not this one's. */
	const char *id = json_string_value(json_object_get(doc, "TrailId"));
	const char *sid = json_string_value(json_object_get(state, "TrailId"));
	if (state && (!id || !sid || strcmp(id, sid) != 0)) {
		json_decref(state);
		state = NULL;
	}
	const json_t *err = json_object_get(state, "LatestDeliveryError");
	if (json_object_set_new(out, "IsLogging",
	                        json_boolean(json_is_true(json_object_get(doc, "IsLogging")))) !=
	        0 ||
	    s_copy_time(out, "StartLoggingTime", doc, "StartLoggingTime") != 0 ||
	    s_copy_time(out, "StopLoggingTime", doc, "StopLoggingTime") != 0 ||
	    s_copy_iso(out, "TimeLoggingStarted", doc, "StartLoggingTime") != 0 ||
	    s_copy_iso(out, "TimeLoggingStopped", doc, "StopLoggingTime") != 0 ||
	    s_copy_time(out, "LatestDeliveryTime", state, "LatestDeliveryTime") != 0 ||
	    s_copy_time(out, "LatestDigestDeliveryTime", state, "LatestDigestDeliveryTime") != 0 ||
	    s_copy_iso(out, "LatestDeliveryAttemptTime", state, "LatestDeliveryAttemptTime") != 0 ||
	    s_copy_time(out, "LatestDeliveryError", state, "LatestDeliveryError") != 0 ||
	    s_copy_time(out, "LatestDigestDeliveryError", state, "LatestDigestDeliveryError") != 0)
		rc = s_oom(call);
	if (rc == 0 && json_object_get(state, "LatestDeliveryAttemptTime")) {
		/* AWS gives the time of the attempt when it succeeded, else "". */
		char iso[32] = "";
		if (!err && bw_trail_iso(json_number_value(
		                             json_object_get(state, "LatestDeliveryAttemptTime")),
		                         iso) != 0)
			iso[0] = 0;
		if (json_object_set_new(out, "LatestDeliveryAttemptSucceeded", json_string(iso)) !=
		    0)
			rc = s_oom(call);
	}
done:
	json_decref(doc);
	json_decref(state);
	return rc;
}

static int s_set_logging(struct bw_call *call, const json_t *in, bool on)
{
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "Name")), name, &doc) != 0)
		return -1;
	int rc = 0;
	bool was = json_is_true(json_object_get(doc, "IsLogging"));
	if (was == on)
		goto done; /* AWS answers success and changes nothing */
	if (json_object_set_new(doc, "IsLogging", json_boolean(on)) != 0 ||
	    json_object_set_new(doc, on ? "StartLoggingTime" : "StopLoggingTime",
	                        json_real(call->now_s)) != 0) {
		rc = s_oom(call);
		goto done;
	}
	if (bw_doc_update(call->store, BW_CT_TRAIL, call->account_id, name, doc) != BW_STORE_OK)
		rc = s_store_fail(call);
done:
	json_decref(doc);
	return rc;
}

int bw_ct_start_logging(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_set_logging(call, in, true);
}

int bw_ct_stop_logging(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_set_logging(call, in, false);
}

/* AWS returns basic selectors with their defaults filled in. */
static json_t *s_default_selectors(const json_t *given)
{
	json_t *list = json_array();
	size_t i;
	json_t *s;
	if (!list)
		return NULL;
	if (!given) {
		json_t *d = json_pack("{s:s, s:b, s:[], s:[]}", "ReadWriteType", "All",
		                      "IncludeManagementEvents", 1, "DataResources",
		                      "ExcludeManagementEventSources");
		if (!d || json_array_append_new(list, d) != 0) {
			json_decref(list);
			return NULL;
		}
		return list;
	}
	json_array_foreach(given, i, s)
	{
		json_t *c = json_deep_copy(s);
		if (!c ||
		    (!json_object_get(c, "ReadWriteType") &&
		     json_object_set_new(c, "ReadWriteType", json_string("All")) != 0) ||
		    (!json_object_get(c, "IncludeManagementEvents") &&
		     json_object_set_new(c, "IncludeManagementEvents", json_true()) != 0) ||
		    (!json_object_get(c, "DataResources") &&
		     json_object_set_new(c, "DataResources", json_array()) != 0) ||
		    (!json_object_get(c, "ExcludeManagementEventSources") &&
		     json_object_set_new(c, "ExcludeManagementEventSources", json_array()) != 0) ||
		    json_array_append_new(list, c) != 0) {
			json_decref(c);
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

int bw_ct_put_event_selectors(struct bw_call *call, const json_t *in, json_t *out)
{
	char name[S_NAME_MAX + 1], why[256];
	json_t *doc = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "TrailName")), name, &doc) !=
	    0)
		return -1;
	const json_t *basic = json_object_get(in, "EventSelectors");
	const json_t *adv = json_object_get(in, "AdvancedEventSelectors");
	int rc = 0;
	if (bw_trail_selectors_check(basic, adv, why, sizeof why) != 0) {
		rc = bw_fail(call, CT_EVENT_SELECTORS_INVALID, why);
		goto done;
	}
	json_t *filled = basic ? s_default_selectors(basic) : json_deep_copy(adv);
	if (!filled ||
	    json_object_set_new(doc, basic ? "EventSelectors" : "AdvancedEventSelectors", filled) !=
	        0 ||
	    json_object_set_new(doc, "HasCustomEventSelectors", json_true()) != 0) {
		rc = s_oom(call);
		goto done;
	}
	(void)json_object_del(doc, basic ? "AdvancedEventSelectors" : "EventSelectors");
	if (bw_doc_update(call->store, BW_CT_TRAIL, call->account_id, name, doc) != BW_STORE_OK) {
		rc = s_store_fail(call);
		goto done;
	}
	if (json_object_set(out, "TrailARN", json_object_get(doc, "TrailARN")) != 0 ||
	    json_object_set(out, basic ? "EventSelectors" : "AdvancedEventSelectors", filled) != 0)
		rc = s_oom(call);
done:
	json_decref(doc);
	return rc;
}

int bw_ct_get_event_selectors(struct bw_call *call, const json_t *in, json_t *out)
{
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL;
	if (s_load_or_fail(call, json_string_value(json_object_get(in, "TrailName")), name, &doc) !=
	    0)
		return -1;
	int rc = 0;
	const json_t *adv = json_object_get(doc, "AdvancedEventSelectors");
	json_t *sel =
	    adv ? json_deep_copy(adv) : s_default_selectors(json_object_get(doc, "EventSelectors"));
	if (!sel ||
	    json_object_set_new(out, adv ? "AdvancedEventSelectors" : "EventSelectors", sel) != 0 ||
	    json_object_set(out, "TrailARN", json_object_get(doc, "TrailARN")) != 0)
		rc = s_oom(call);
	json_decref(doc);
	return rc;
}

/* A tag operation's ResourceId: a trail ARN of this account. */
static int s_tag_target_or_fail(struct bw_call *call, const char *given, char *name, json_t **doc)
{
	*doc = NULL;
	if (!given || strncmp(given, "arn:", 4) != 0)
		return bw_fail(call, CT_TRAIL_ARN_INVALID, given ? given : "");
	if (s_load_or_fail(call, given, name, doc) == 0)
		return 0;
	if (strcmp(call->err.code, "TrailNotFoundException") == 0)
		return bw_fail(call, CT_RESOURCE_NOT_FOUND, given);
	return -1;
}

int bw_ct_add_tags(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL;
	if (s_tag_target_or_fail(call, json_string_value(json_object_get(in, "ResourceId")), name,
	                         &doc) != 0)
		return -1;
	int rc = 0;
	if (s_merge_tags_or_fail(call, doc, json_object_get(in, "TagsList")) != 0)
		rc = -1;
	else if (bw_doc_update(call->store, BW_CT_TRAIL, call->account_id, name, doc) !=
	         BW_STORE_OK)
		rc = s_store_fail(call);
	json_decref(doc);
	return rc;
}

int bw_ct_remove_tags(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL;
	if (s_tag_target_or_fail(call, json_string_value(json_object_get(in, "ResourceId")), name,
	                         &doc) != 0)
		return -1;
	int rc = 0;
	json_t *have = json_object_get(doc, "Tags");
	size_t i;
	json_t *t;
	if (s_check_tags_or_fail(call, json_object_get(in, "TagsList")) != 0) {
		rc = -1;
		goto done;
	}
	json_array_foreach(json_object_get(in, "TagsList"), i, t)
	{
		const char *k = json_string_value(json_object_get(t, "Key"));
		for (size_t j = json_array_size(have); j-- > 0;)
			if (strcmp(
			        json_string_value(json_object_get(json_array_get(have, j), "Key")),
			        k) == 0)
				(void)json_array_remove(have, j);
	}
	if (bw_doc_update(call->store, BW_CT_TRAIL, call->account_id, name, doc) != BW_STORE_OK)
		rc = s_store_fail(call);
done:
	json_decref(doc);
	return rc;
}

int bw_ct_list_tags(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *list = json_array();
	if (!list || json_object_set_new(out, "ResourceTagList", list) != 0)
		return s_oom(call);
	const json_t *ids = json_object_get(in, "ResourceIdList");
	if (json_array_size(ids) > 20)
		return bw_fail(call, CT_TOO_MANY_RESOURCE_IDS);
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id)
	{
		char name[S_NAME_MAX + 1];
		json_t *doc = NULL;
		if (s_tag_target_or_fail(call, json_string_value(id), name, &doc) != 0)
			return -1;
		json_t *rt = json_pack("{s:O, s:O}", "ResourceId", id, "TagsList",
		                       json_object_get(doc, "Tags") ? json_object_get(doc, "Tags")
		                                                    : json_array());
		json_decref(doc);
		if (!rt || json_array_append_new(list, rt) != 0)
			return s_oom(call);
	}
	return 0;
}

int bw_ct_list_public_keys(struct bw_call *call, const json_t *in, json_t *out)
{
	const json_t *st = json_object_get(in, "StartTime"), *et = json_object_get(in, "EndTime");
	double start = st ? json_number_value(st) : call->now_s;
	double end = et ? json_number_value(et) : call->now_s;
	if (start > end)
		return bw_fail(call, CT_PUBLIC_KEYS_START_AFTER_END);
	if (json_string_value(json_object_get(in, "NextToken")))
		return bw_fail(call, CT_PUBLIC_KEYS_TOKEN_INVALID);
	/* the current key exists before any digest is signed with it, as AWS's
	 * does ("the current public key" of a call with no times): a range that
	 * reaches now makes sure of it, the key the next digest will use */
	if (end >= call->now_s) {
		EVP_PKEY *priv = NULL;
		char fp[33];
		if (bw_trail_key_current(call->store, call->root_key, call->account_id, call->now_s,
		                         &priv, fp) != 0)
			return s_store_fail(call);
		EVP_PKEY_free(priv);
	}
	json_t *list = NULL;
	if (bw_trail_keys_list(call->store, call->account_id, start, end, &list) != 0)
		return s_store_fail(call);
	if (json_object_set_new(out, "PublicKeyList", list) != 0)
		return s_oom(call);
	return 0;
}

/* The trail a request names: the stored trail (its ARN and tags), else the
 * ARN as given or as a trail of that name would have it. */
int bw_ct_trail_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	static const char *const members[] = {"Name", "TrailName", "ResourceId"};
	const char *given = NULL;
	for (size_t i = 0; !given && i < 3; i++)
		given = json_string_value(json_object_get(in, members[i]));
	if (!given || !given[0])
		return bw_buf_append_str(&res->arn, "*");
	/* resolve quietly: a malformed or unknown trail is the handler's answer */
	struct bw_error saved = call->err;
	bool failed = call->failed;
	char name[S_NAME_MAX + 1];
	json_t *doc = NULL;
	int rc = s_name_or_fail(call, given, name) == 0
		? bw_doc_get(call->store, BW_CT_TRAIL, call->account_id, name, &doc)
		: BW_STORE_NOT_FOUND;
	call->err = saved;
	call->failed = failed;
	if (rc == BW_STORE_OK) {
		rc = bw_resource_from_doc(res, doc, "TrailARN", "Tags");
		json_decref(doc);
		return rc;
	}
	if (rc != BW_STORE_NOT_FOUND)
		return -1;
	if (strncmp(given, "arn:", 4) == 0)
		return bw_buf_append_str(&res->arn, given);
	return bw_buf_appendf(&res->arn, "arn:aws:cloudtrail:%s:%s:trail/%s", call->region,
	                      call->account_id, given);
}
