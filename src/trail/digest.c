/*
 * digest.c: the digest files of log file integrity validation, as AWS
 * specifies them ("CloudTrail digest file structure"). Each covers one
 * digest period of a trail, lists the log files delivered in it with the
 * SHA-256 of their uncompressed content, names the previous digest (its
 * object, the SHA-256 of its uncompressed content, its signature) so the
 * digests form a chain, and is signed SHA256withRSA over AWS's string to
 * sign (sign.c). The signature goes where S3 object metadata would:
 * <object>.metadata.json beside the digest.
 */
#include "trail/trail.h"

#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "core/log.h"
#include "services/cloudtrail/trails.h"

/* AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<region>_<trail>_<region>_<YYYYMMDDTHHmmssZ>.json.gz
 */
static int s_digest_key(const json_t *trail, const char *account, double end_s, struct bw_buf *key)
{
	const char *region = json_string_value(json_object_get(trail, "HomeRegion"));
	const char *name = json_string_value(json_object_get(trail, "Name"));
	const char *prefix = json_string_value(json_object_get(trail, "S3KeyPrefix"));
	time_t t = (time_t)end_s;
	struct tm tm;
	char day[16], stamp[24];
	if (!region || !name || !gmtime_r(&t, &tm) ||
	    strftime(day, sizeof day, "%Y/%m/%d", &tm) == 0 ||
	    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -1;
	if (prefix && prefix[0] &&
	    bw_buf_appendf(key, "%s%s", prefix, prefix[strlen(prefix) - 1] == '/' ? "" : "/") != 0)
		return -1;
	return bw_buf_appendf(
	    key, "AWSLogs/%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz",
	    account, region, day, account, region, name, region, stamp);
}

/* newest/oldest event time over the log files: null when there are none. */
static json_t *s_extreme(const json_t *logs, const char *member, bool newest)
{
	const char *best = NULL;
	size_t i;
	json_t *l;
	json_array_foreach(logs, i, l)
	{
		const char *v = json_string_value(json_object_get(l, member));
		/* ISO 8601 UTC in one format: string order is time order. */
		if (v && (!best || (newest ? strcmp(v, best) > 0 : strcmp(v, best) < 0)))
			best = v;
	}
	return best ? json_string(best) : json_null();
}

static json_t *s_str_or_null(const json_t *o, const char *member)
{
	const char *s = json_string_value(json_object_get(o, member));
	return s ? json_string(s) : json_null();
}

int bw_trail_write_digest(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                          const json_t *trail, json_t *state, double now_s)
{
	EVP_PKEY *priv = NULL;
	char fp[33], start_iso[32], end_iso[32], path[4096], hash[65];
	struct bw_buf key = {0}, sts = {0}, sig = {0}, gz = {0};
	json_t *doc = NULL, *meta = NULL;
	char *content = NULL, *meta_text = NULL;
	const char *why = "out of memory";
	const char *bucket = json_string_value(json_object_get(trail, "S3BucketName"));
	const json_t *prev = json_object_get(state, "PrevDigest");
	json_t *logs = json_object_get(state, "PendingLogs");
	double start_s = json_number_value(json_object_get(state, "DigestStart"));
	if (!bucket || bw_trail_iso(start_s, start_iso) != 0 || bw_trail_iso(now_s, end_iso) != 0 ||
	    s_digest_key(trail, account, now_s, &key) != 0)
		goto error;
	if (bw_trail_key_current(store, rk, account, now_s, &priv, fp) != 0) {
		why = "cannot get the digest signing key";
		goto error;
	}
	/* Member order as AWS writes them. */
	doc = json_object();
	if (!doc || json_object_set_new(doc, "awsAccountId", json_string(account)) != 0 ||
	    json_object_set_new(doc, "digestStartTime", json_string(start_iso)) != 0 ||
	    json_object_set_new(doc, "digestEndTime", json_string(end_iso)) != 0 ||
	    json_object_set_new(doc, "digestS3Bucket", json_string(bucket)) != 0 ||
	    json_object_set_new(doc, "digestS3Object", json_string(bw_buf_cstr(&key))) != 0 ||
	    json_object_set_new(doc, "digestPublicKeyFingerprint", json_string(fp)) != 0 ||
	    json_object_set_new(doc, "digestSignatureAlgorithm", json_string("SHA256withRSA")) !=
	        0 ||
	    json_object_set_new(doc, "newestEventTime", s_extreme(logs, "newestEventTime", true)) !=
	        0 ||
	    json_object_set_new(doc, "oldestEventTime",
	                        s_extreme(logs, "oldestEventTime", false)) != 0 ||
	    json_object_set_new(doc, "previousDigestS3Bucket", s_str_or_null(prev, "s3Bucket")) !=
	        0 ||
	    json_object_set_new(doc, "previousDigestS3Object", s_str_or_null(prev, "s3Object")) !=
	        0 ||
	    json_object_set_new(doc, "previousDigestHashValue", s_str_or_null(prev, "hashValue")) !=
	        0 ||
	    json_object_set_new(doc, "previousDigestHashAlgorithm",
	                        prev ? json_string("SHA-256") : json_null()) != 0 ||
	    json_object_set_new(doc, "previousDigestSignature", s_str_or_null(prev, "signature")) !=
	        0 ||
	    json_object_set_new(doc, "logFiles", logs ? json_incref(logs) : json_array()) != 0)
		goto error;
	content = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!content)
		goto error;
	struct bw_cur c = bw_cur_str(content);
	const char *prev_sig = json_string_value(json_object_get(prev, "signature"));
	if (bw_trail_string_to_sign(end_iso, bucket, bw_buf_cstr(&key), c, prev_sig, &sts) != 0 ||
	    bw_trail_sign(priv, bw_cur_from(sts.data, sts.len), &sig) != 0) {
		why = "cannot sign the digest";
		goto error;
	}
	meta = json_pack("{s:s, s:s}", "signature", bw_buf_cstr(&sig), "signature-algorithm",
	                 "SHA256withRSA");
	meta_text = meta ? json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (!meta_text || bw_trail_gzip(c, &gz) != 0)
		goto error;
	why = "cannot write the digest file to the delivery directory";
	if (bw_trail_local_path(bucket, bw_buf_cstr(&key), path, sizeof path) != 0 ||
	    bw_trail_write_file(path, bw_cur_from(gz.data, gz.len)) != 0 ||
	    strlen(path) + 15 >= sizeof path)
		goto error;
	/* The signature after the digest: a digest without metadata is one the
	 * validator reports invalid, never a chain with a silent gap. */
	strcat(path, ".metadata.json");
	if (bw_trail_write_file(path, bw_cur_str(meta_text)) != 0)
		goto error;
	bw_trail_sha256_hex(c, hash);
	json_t *next =
	    json_pack("{s:s, s:s, s:s, s:s}", "s3Bucket", bucket, "s3Object", bw_buf_cstr(&key),
	              "hashValue", hash, "signature", bw_buf_cstr(&sig));
	if (!next || json_object_set_new(state, "PrevDigest", next) != 0 ||
	    json_object_set_new(state, "PendingLogs", json_array()) != 0 ||
	    json_object_set_new(state, "DigestStart", json_real(now_s)) != 0 ||
	    json_object_set_new(state, "LatestDigestDeliveryTime", json_real(now_s)) != 0)
		goto error;
	(void)json_object_del(state, "LatestDigestDeliveryError");
	EVP_PKEY_free(priv);
	json_decref(doc);
	json_decref(meta);
	free(content);
	free(meta_text);
	bw_buf_free(&key);
	bw_buf_free(&sts);
	bw_buf_free(&sig);
	bw_buf_free(&gz);
	return 0;
error:
	(void)json_object_set_new(state, "LatestDigestDeliveryError", json_string(why));
	bw_logf(BW_LOG_WARN, "trail %s: digest failed: %s",
	        json_string_value(json_object_get(trail, "Name")), why);
	EVP_PKEY_free(priv);
	json_decref(doc);
	json_decref(meta);
	free(content);
	free(meta_text);
	bw_buf_free(&key);
	bw_buf_free(&sts);
	bw_buf_free(&sig);
	bw_buf_free(&gz);
	return -1;
}
