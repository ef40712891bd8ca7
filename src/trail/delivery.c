/*
 * delivery.c: the trails' periodic work. For each logging trail, every
 * delivery interval: read the events recorded since the trail's last
 * delivered seq, keep those its selectors take, and write them as one
 * gzip-compressed {"Records":[...]} file at AWS's key layout (trail.h says
 * where). Then, for trails with log file validation, write the digest
 * that is due (digest.c).
 *
 * A log file is written (to a temporary name, then renamed) before the
 * trail's state records it: a crash in between leaves a file that no
 * digest lists (validation reports it not-in-digest) and its events are
 * delivered again, never lost.
 */
#include "trail/trail.h"

#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "services/cloudtrail/trails.h"
#include "store/doc.h"
#include "store/store.h"

#define S_BATCH 500

/* The S3 key prefix of a trail: "" or "<prefix>/". */
static int s_prefix(const json_t *trail, struct bw_buf *out)
{
	const char *p = json_string_value(json_object_get(trail, "S3KeyPrefix"));
	if (!p || !p[0])
		return 0;
	if (bw_buf_append_str(out, p) != 0)
		return -1;
	return p[strlen(p) - 1] == '/' ? 0 : bw_buf_append_byte(out, '/');
}

static int s_unique(char out[17])
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[16];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	for (size_t i = 0; i < 16; i++)
		out[i] = alnum[r[i] % 62]; /* a name, not a key: the slight bias is harmless */
	out[16] = 0;
	return 0;
}

/* AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
 */
static int s_log_key(const json_t *trail, const char *account, double now_s, struct bw_buf *key)
{
	const char *region = json_string_value(json_object_get(trail, "HomeRegion"));
	time_t t = (time_t)now_s;
	struct tm tm;
	char day[16], stamp[24], unique[17];
	if (!region || !gmtime_r(&t, &tm) || strftime(day, sizeof day, "%Y/%m/%d", &tm) == 0 ||
	    strftime(stamp, sizeof stamp, "%Y%m%dT%H%MZ", &tm) == 0 || s_unique(unique) != 0 ||
	    s_prefix(trail, key) != 0)
		return -1;
	return bw_buf_appendf(key, "AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz",
	                      account, region, day, account, region, stamp, unique);
}

static void s_set_time(json_t *state, const char *member, double now_s)
{
	(void)json_object_set_new(state, member, json_real(now_s));
}

/* Deliver one trail's due events; state updated. 0, or -1 with the error
 * recorded in state (LatestDeliveryError) and nothing advanced. */
static int s_deliver(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                     const json_t *trail, json_t *state, double now_s,
                     const struct bw_trail_source *src)
{
	char reason[1200];
	uint64_t after = (uint64_t)json_integer_value(json_object_get(state, "DeliveredSeq"));
	double since = json_number_value(json_object_get(trail, "StartLoggingTime"));
	/* A stopped trail still delivers what happened before it stopped. */
	bool logging = json_is_true(json_object_get(trail, "IsLogging"));
	double until = logging ? 0 : json_number_value(json_object_get(trail, "StopLoggingTime"));
	json_t *records = json_array(), *rows = NULL;
	struct bw_buf text = {0}, gz = {0}, key = {0};
	double oldest = 0, newest = 0;
	const char *why = "out of memory";
	if (!records)
		goto error;
	for (;;) {
		json_decref(rows);
		rows = NULL;
		if (src->range(store, after, S_BATCH, &rows) != 0) {
			why = "cannot read the event log";
			goto error;
		}
		size_t i, n = json_array_size(rows);
		json_t *row;
		json_array_foreach(rows, i, row)
		{
			json_t *rec = json_object_get(row, "record");
			after = (uint64_t)json_integer_value(json_object_get(row, "seq"));
			double t = 0;
			const char *et = json_string_value(json_object_get(rec, "eventTime"));
			if (!json_is_object(rec) || !et || !bw_parse_iso8601(et, &t))
				continue;
			/* Events from before logging (re)started are not this trail's. */
			if (t + 1.0 < since || (until > 0 && t > until + 1.0) ||
			    !bw_trail_selectors_match(trail, rec))
				continue;
			if (json_array_append(records, rec) != 0)
				goto error;
			if (oldest == 0 || t < oldest)
				oldest = t;
			if (t > newest)
				newest = t;
		}
		if (n < S_BATCH)
			break;
	}
	if (json_array_size(records) > 0) {
		json_t *body = json_pack("{s:O}", "Records", records);
		char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (!s)
			goto error;
		int arc = bw_buf_append_str(&text, s);
		free(s);
		const char *bucket = json_string_value(json_object_get(trail, "S3BucketName"));
		char path[4096], hash[65], o_iso[32], n_iso[32];
		if (arc != 0 || bw_trail_gzip(bw_cur_from(text.data, text.len), &gz) != 0 ||
		    s_log_key(trail, account, now_s, &key) != 0)
			goto error;
		const char *kms_key = json_string_value(json_object_get(trail, "KmsKeyId"));
		if (kms_key) {
			struct bw_buf enc = {0};
			if (bw_trail_encrypt_log(
			        store, rk, account,
			        json_string_value(json_object_get(trail, "HomeRegion")), now_s,
			        kms_key, json_string_value(json_object_get(trail, "TrailARN")),
			        bucket, bw_buf_cstr(&key), bw_cur_from(gz.data, gz.len), &enc,
			        reason, sizeof reason) != 0) {
				bw_buf_free(&enc);
				why = reason;
				goto error;
			}
			bw_buf_free(&gz);
			gz = enc;
		}
		if (bw_trail_local_path(bucket, bw_buf_cstr(&key), path, sizeof path) != 0 ||
		    bw_trail_write_file(path, bw_cur_from(gz.data, gz.len)) != 0) {
			why = "cannot write the log file to the delivery directory";
			goto error;
		}
		/* logFiles entry of the next digest: hash of the uncompressed content,
		 * as AWS's digest hashValue is defined. */
		bw_trail_sha256_hex(bw_cur_from(text.data, text.len), hash);
		if (bw_trail_iso(oldest, o_iso) != 0 || bw_trail_iso(newest, n_iso) != 0)
			goto error;
		json_t *pending = json_object_get(state, "PendingLogs");
		if (!json_is_array(pending)) {
			pending = json_array();
			if (!pending || json_object_set_new(state, "PendingLogs", pending) != 0)
				goto error;
		}
		json_t *entry =
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "s3Bucket", bucket, "s3Object",
		              bw_buf_cstr(&key), "hashValue", hash, "hashAlgorithm", "SHA-256",
		              "newestEventTime", n_iso, "oldestEventTime", o_iso);
		if (!entry || json_array_append_new(pending, entry) != 0)
			goto error;
		s_set_time(state, "LatestDeliveryTime", now_s);
	}
	(void)json_object_set_new(state, "DeliveredSeq", json_integer((json_int_t)after));
	(void)json_object_del(state, "LatestDeliveryError");
	json_decref(records);
	json_decref(rows);
	bw_buf_free(&text);
	bw_buf_free(&gz);
	bw_buf_free(&key);
	return 0;
error:
	(void)json_object_set_new(state, "LatestDeliveryError", json_string(why));
	bw_logf(BW_LOG_WARN, "trail %s: delivery failed: %s",
	        json_string_value(json_object_get(trail, "Name")), why);
	json_decref(records);
	json_decref(rows);
	bw_buf_free(&text);
	bw_buf_free(&gz);
	bw_buf_free(&key);
	return -1;
}

/* The trail's state, fresh when there is none or it belongs to an older
 * trail of the same name. */
static json_t *s_state(struct bw_store *store, const char *account, const char *name,
                       const json_t *trail, const struct bw_trail_source *src)
{
	json_t *state = NULL;
	const char *id = json_string_value(json_object_get(trail, "TrailId"));
	if (bw_doc_get(store, BW_CT_TRAIL_STATE, account, name, &state) == BW_STORE_ERROR)
		return NULL;
	const char *sid = json_string_value(json_object_get(state, "TrailId"));
	if (state && id && sid && strcmp(id, sid) == 0)
		return state;
	json_decref(state);
	/* A trail that has not logged yet has nothing to read: wait for it. */
	double started = json_number_value(json_object_get(trail, "StartLoggingTime"));
	if (started <= 0)
		return json_null();
	/* Begin a minute before logging started (recording order and event
	 * times may differ by a little); the time filter does the rest. */
	uint64_t seq = 0;
	if (src->newest_before &&
	    src->newest_before(store, (int64_t)((started - 60.0) * 1000.0), &seq) != 0)
		return NULL;
	return json_pack("{s:s, s:I}", "TrailId", id ? id : "", "DeliveredSeq", (json_int_t)seq);
}

static void s_run_trail(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                        const char *name, const json_t *trail, double now_s,
                        const struct bw_trail_source *src)
{
	json_t *state = s_state(store, account, name, trail, src);
	if (!state || json_is_null(state))
		return;
	char *before = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);
	bool logging = json_is_true(json_object_get(trail, "IsLogging"));
	double last = json_number_value(json_object_get(state, "LatestDeliveryAttemptTime"));
	double stopped = json_number_value(json_object_get(trail, "StopLoggingTime"));
	double started = json_number_value(json_object_get(trail, "StartLoggingTime"));
	/* Logging: every interval. Stopped since the last attempt: once more,
	 * for the events recorded before the stop. */
	bool final = !logging && started > 0 && stopped >= started && last < stopped + 1.0;
	if (logging || final) {
		if (final || now_s - last >= bw_trail_delivery_interval_s()) {
			s_set_time(state, "LatestDeliveryAttemptTime", now_s);
			(void)s_deliver(store, rk, account, trail, state, now_s, src);
		}
	}
	if (json_is_true(json_object_get(trail, "LogFileValidationEnabled")) &&
	    (logging || json_array_size(json_object_get(state, "PendingLogs")) > 0)) {
		const json_t *start = json_object_get(state, "DigestStart");
		if (!start)
			s_set_time(state, "DigestStart", now_s);
		else if (now_s - json_number_value(start) >= bw_trail_digest_interval_s())
			(void)bw_trail_write_digest(store, rk, account, trail, state, now_s);
	}
	char *after = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);
	if (!before || !after || strcmp(before, after) != 0) {
		if (bw_doc_put(store, BW_CT_TRAIL_STATE, account, name, state) != 0)
			bw_logf(BW_LOG_ERROR, "trail %s: cannot save its delivery state", name);
	}
	free(before);
	free(after);
	json_decref(state);
}

void bw_trail_run(struct bw_store *store, const struct bw_root_key *rk, double now_s,
                  const struct bw_trail_source *src)
{
	static bool s_warned;
	char account[16];
	if (bw_store_meta_get(store, "account_id", account, sizeof account) != 1)
		return;
	json_t *docs = NULL;
	bool more = false;
	struct bw_doc_page page = {0};
	if (bw_doc_list(store, BW_CT_TRAIL, account, &page, &docs, &more) != 0)
		return;
	if (json_array_size(docs) > 0 && !bw_trail_data_dir()) {
		if (!s_warned)
			bw_logf(BW_LOG_ERROR,
			        "trails: no delivery directory set; nothing is delivered");
		s_warned = true;
		json_decref(docs);
		return;
	}
	size_t i;
	json_t *item;
	json_array_foreach(docs, i, item)
	{
		const char *name = json_string_value(json_object_get(item, "key"));
		if (name)
			s_run_trail(store, rk, account, name, json_object_get(item, "doc"), now_s,
			            src);
	}
	json_decref(docs);
}
