/* Trail delivery and log file integrity validation: the digest string to
 * sign and the SHA256withRSA round trip; delivery of log files and a chain
 * of digests driven by the tick at later clocks (events come from a fake
 * event log kept here); validation passing on an untouched delivery and
 * flagging each kind of tampering — a log file modified, deleted or added,
 * a digest modified, its signature changed, a digest deleted; key rotation
 * keeping old digests verifiable; and the event selectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/log.h"
#include "services/cloudtrail/trails.h"
#include "store/doc.h"
#include "store/store.h"
#include "trail/trail.h"

#define ACCT "123456789012"
#define T0   1800000000.0 /* 2027-01-15T08:00:00Z */

static char s_dir[64];
static struct bw_store *s_store;
static struct bw_root_key s_rk;
static json_t *s_events; /* the fake event log: [{seq, record}] */

/* The fake of bw_events_range (store/events.h): rows after a seq. */
static int s_range(struct bw_store *s, uint64_t after, size_t limit, json_t **records)
{
	(void)s;
	*records = json_array();
	size_t i;
	json_t *row;
	json_array_foreach(s_events, i, row)
	{
		if ((uint64_t)json_integer_value(json_object_get(row, "seq")) <= after)
			continue;
		if (json_array_size(*records) >= limit)
			break;
		json_array_append(*records, row);
	}
	return 0;
}

static const struct bw_trail_source s_src = {.range = s_range};

static void s_add_event(double t, const char *name, const char *source, bool read_only)
{
	char iso[32];
	assert_int_equal(bw_trail_iso(t, iso), 0);
	json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b}", "eventVersion", "1.09",
	                        "eventTime", iso, "eventName", name, "eventSource", source,
	                        "awsRegion", "us-east-1", "readOnly", read_only, "eventCategory",
	                        "Management", "managementEvent", 1);
	json_t *row = json_pack("{s:I, s:o}", "seq", (json_int_t)json_array_size(s_events) + 1,
	                        "record", rec);
	assert_non_null(row);
	json_array_append_new(s_events, row);
}

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-trail-XXXXXX");
	if (!mkdtemp(s_dir) || bw_store_open(s_dir, &s_store) != 0 ||
	    bw_store_meta_set(s_store, "account_id", ACCT) != 0)
		return -1;
	RAND_bytes(s_rk.key, sizeof s_rk.key);
	s_rk.loaded = true;
	s_events = json_array();
	bw_trail_set_data_dir(s_dir);
	bw_trail_set_delivery_interval_s(300);
	bw_trail_set_digest_interval_s(3600);
	bw_trail_set_key_rotation_s(30 * 86400.0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bw_store_close(s_store);
	json_decref(s_events);
	return bw_test_store_close(s_dir, NULL);
}

static void s_put_trail(const char *name, const char *prefix)
{
	json_t *t = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:f, s:s}", "Name", name,
	                      "S3BucketName", "audit-bucket", "HomeRegion", "us-east-1", "TrailARN",
	                      "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/x",
	                      "IncludeGlobalServiceEvents", 1, "LogFileValidationEnabled", 1,
	                      "IsLogging", 1, "StartLoggingTime", T0 - 10, "TrailId", "id1");
	if (prefix)
		json_object_set_new(t, "S3KeyPrefix", json_string(prefix));
	assert_int_equal(bw_doc_put(s_store, BW_CT_TRAIL, ACCT, name, t), 0);
	json_decref(t);
}

static json_t *s_state(const char *name)
{
	json_t *st = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_CT_TRAIL_STATE, ACCT, name, &st), BW_STORE_OK);
	return st;
}

/* Two hours of a trail: events, deliveries, two digests. */
static void s_two_hours(const char *name)
{
	s_put_trail(name, "pre/fix");
	s_add_event(T0, "Encrypt", "kms.amazonaws.com", false);
	s_add_event(T0 + 1, "ListKeys", "kms.amazonaws.com", true);
	bw_trail_run(s_store, &s_rk, T0 + 5, &s_src); /* delivers, starts the digest period */
	s_add_event(T0 + 100, "CreateUser", "iam.amazonaws.com", false);
	bw_trail_run(s_store, &s_rk, T0 + 200, &s_src);  /* not yet due */
	bw_trail_run(s_store, &s_rk, T0 + 305, &s_src);  /* delivers */
	bw_trail_run(s_store, &s_rk, T0 + 3605, &s_src); /* digest 1 */
	s_add_event(T0 + 3700, "Decrypt", "kms.amazonaws.com", false);
	bw_trail_run(s_store, &s_rk, T0 + 3910, &s_src); /* delivers */
	bw_trail_run(s_store, &s_rk, T0 + 7205, &s_src); /* digest 2 */
}

static json_t *s_validate(const char *name, int want_rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct bw_trail_validate_opts o = {.data_dir = s_dir, .trail = name, .json = true};
	int rc = bw_trail_validate(s_store, ACCT, &o, out, stderr);
	fclose(out);
	if (rc != want_rc)
		fprintf(stderr, "%s\n", text);
	assert_int_equal(rc, want_rc);
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(j);
	return j;
}

/* The status of the one entry of a list whose object matches needle. */
static const char *s_status_of(const json_t *list, const char *needle)
{
	size_t i;
	json_t *e;
	const char *found = NULL;
	json_array_foreach(list, i, e)
	{
		if (strstr(json_string_value(json_object_get(e, "s3Object")), needle)) {
			assert_null(found);
			found = json_string_value(json_object_get(e, "status"));
		}
	}
	return found;
}

static size_t s_count_status(const json_t *list, const char *status)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach(list, i, e) n +=
	    strcmp(json_string_value(json_object_get(e, "status")), status) == 0;
	return n;
}

static char *s_path(const char *key)
{
	static char p[4096];
	snprintf(p, sizeof p, "%s/trail-delivery/audit-bucket/%s", s_dir, key);
	return p;
}

static json_t *s_read_gz_json(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t raw[1 << 20];
	size_t n = fread(raw, 1, sizeof raw, f);
	fclose(f);
	struct bw_buf text = {0};
	assert_int_equal(bw_trail_gunzip(bw_cur_from(raw, n), 1 << 24, &text), 0);
	json_t *j = json_loadb((const char *)text.data, text.len, 0, NULL);
	bw_buf_free(&text);
	assert_non_null(j);
	return j;
}

static void s_write_gz_json(const char *path, const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct bw_buf gz = {0};
	assert_int_equal(bw_trail_gzip(bw_cur_str(s), &gz), 0);
	assert_int_equal(bw_trail_write_file(path, bw_cur_from(gz.data, gz.len)), 0);
	bw_buf_free(&gz);
	free(s);
}

/* ---- signing ---- */

static void test_string_to_sign(void **state)
{
	(void)state;
	struct bw_buf sts = {0};
	assert_int_equal(bw_trail_string_to_sign("2015-08-17T15:01:31Z", "bucket",
	                                         "AWSLogs/x.json.gz", bw_cur_str("abc"), NULL,
	                                         &sts),
	                 0);
	assert_string_equal(
	    bw_buf_cstr(&sts),
	    "2015-08-17T15:01:31Z\nbucket/AWSLogs/x.json.gz\n"
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull");
	bw_buf_reset(&sts);
	assert_int_equal(bw_trail_string_to_sign("T", "b", "k", bw_cur_str(""), "00ff", &sts), 0);
	assert_string_equal(
	    bw_buf_cstr(&sts),
	    "T\nb/k\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n00ff");
	bw_buf_free(&sts);
}

static void test_sign_verify_round_trip(void **state)
{
	(void)state;
	EVP_PKEY *priv = NULL;
	char fp[33];
	assert_int_equal(bw_trail_key_current(s_store, &s_rk, ACCT, T0, &priv, fp), 0);
	assert_int_equal(strlen(fp), 32);
	struct bw_buf sig = {0}, der = {0};
	assert_int_equal(bw_trail_sign(priv, bw_cur_str("message"), &sig), 0);
	assert_int_equal(sig.len, 512); /* RSA-2048: 256 bytes, hex */
	assert_int_equal(bw_trail_key_public(s_store, ACCT, fp, &der), 1);
	struct bw_cur pub = bw_cur_from(der.data, der.len);
	assert_int_equal(bw_trail_verify(pub, bw_cur_str("message"), bw_buf_cstr(&sig)), 1);
	assert_int_equal(bw_trail_verify(pub, bw_cur_str("messagE"), bw_buf_cstr(&sig)), 0);
	sig.data[10] = sig.data[10] == '0' ? '1' : '0';
	assert_int_equal(bw_trail_verify(pub, bw_cur_str("message"), bw_buf_cstr(&sig)), 0);
	assert_int_equal(bw_trail_verify(pub, bw_cur_str("message"), "zz"), 0);
	assert_int_equal(bw_trail_verify(pub, bw_cur_str("message"), ""), 0);
	assert_int_equal(bw_trail_verify(bw_cur_str("not der"), bw_cur_str("m"), "00"), -1);
	/* The same key comes back while current. */
	EVP_PKEY *again = NULL;
	char fp2[33];
	assert_int_equal(bw_trail_key_current(s_store, &s_rk, ACCT, T0 + 60, &again, fp2), 0);
	assert_string_equal(fp, fp2);
	EVP_PKEY_free(again);
	EVP_PKEY_free(priv);
	bw_buf_free(&sig);
	bw_buf_free(&der);
	/* Another root key cannot open it: the private key is sealed. */
	struct bw_root_key other = s_rk;
	other.key[0] ^= 1;
	assert_int_not_equal(bw_trail_key_current(s_store, &other, ACCT, T0 + 60, &again, fp2), 0);
}

/* ---- delivery and the chain ---- */

static void test_delivery_and_chain(void **state)
{
	(void)state;
	s_two_hours("main");
	json_t *st = s_state("main");
	assert_int_equal(json_integer_value(json_object_get(st, "DeliveredSeq")), 4);
	assert_null(json_object_get(st, "LatestDeliveryError"));
	assert_int_equal(json_array_size(json_object_get(st, "PendingLogs")), 0);
	const char *d2 =
	    json_string_value(json_object_get(json_object_get(st, "PrevDigest"), "s3Object"));
	assert_non_null(strstr(d2, "pre/fix/AWSLogs/" ACCT
	                           "/CloudTrail-Digest/us-east-1/2027/01/15/" ACCT
	                           "_CloudTrail-Digest_us-east-1_main_us-east-1_20270115T100005Z"
	                           ".json.gz"));
	json_t *dig2 = s_read_gz_json(s_path(d2));
	assert_string_equal(json_string_value(json_object_get(dig2, "awsAccountId")), ACCT);
	assert_string_equal(json_string_value(json_object_get(dig2, "digestStartTime")),
	                    "2027-01-15T09:00:05Z");
	assert_string_equal(json_string_value(json_object_get(dig2, "digestEndTime")),
	                    "2027-01-15T10:00:05Z");
	assert_string_equal(json_string_value(json_object_get(dig2, "digestSignatureAlgorithm")),
	                    "SHA256withRSA");
	assert_string_equal(json_string_value(json_object_get(dig2, "previousDigestHashAlgorithm")),
	                    "SHA-256");
	assert_int_equal(json_array_size(json_object_get(dig2, "logFiles")), 1);
	/* The log file it lists holds the Decrypt event. */
	json_t *lf = json_array_get(json_object_get(dig2, "logFiles"), 0);
	const char *log_key = json_string_value(json_object_get(lf, "s3Object"));
	assert_non_null(strstr(log_key,
	                       "pre/fix/AWSLogs/" ACCT "/CloudTrail/us-east-1/2027/01/15/" ACCT
	                       "_CloudTrail_us-east-1_20270115T0905Z_"));
	json_t *log = s_read_gz_json(s_path(log_key));
	json_t *recs = json_object_get(log, "Records");
	assert_int_equal(json_array_size(recs), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(recs, 0), "eventName")), "Decrypt");
	/* Chained: digest 2 names digest 1, its hash and its signature. */
	const char *d1 = json_string_value(json_object_get(dig2, "previousDigestS3Object"));
	assert_non_null(d1);
	json_t *dig1 = s_read_gz_json(s_path(d1));
	assert_true(json_is_null(json_object_get(dig1, "previousDigestSignature")));
	assert_true(json_is_null(json_object_get(dig1, "previousDigestS3Object")));
	assert_int_equal(json_array_size(json_object_get(dig1, "logFiles")), 2);
	char meta[4200];
	snprintf(meta, sizeof meta, "%s.metadata.json", s_path(d1));
	json_t *m1 = json_load_file(meta, 0, NULL);
	assert_non_null(m1);
	assert_string_equal(json_string_value(json_object_get(m1, "signature")),
	                    json_string_value(json_object_get(dig2, "previousDigestSignature")));
	assert_string_equal(json_string_value(json_object_get(m1, "signature-algorithm")),
	                    "SHA256withRSA");
	json_t *v = s_validate("main", 0);
	assert_int_equal(json_array_size(json_object_get(v, "digests")), 2);
	assert_int_equal(json_array_size(json_object_get(v, "logFiles")), 3);
	assert_int_equal(s_count_status(json_object_get(v, "logFiles"), "valid"), 3);
	json_decref(v);
	json_decref(m1);
	json_decref(dig1);
	json_decref(log);
	json_decref(dig2);
	json_decref(st);
}

/* Log files delivered after the newest digest are pending, not a problem. */
static void test_pending_is_not_flagged(void **state)
{
	(void)state;
	s_put_trail("pend", NULL);
	s_add_event(T0, "Encrypt", "kms.amazonaws.com", false);
	bw_trail_run(s_store, &s_rk, T0 + 5, &s_src);
	/* nothing delivered yet: not flagged, and not reported valid either */
	json_t *v = s_validate("pend", 2);
	assert_int_equal(json_array_size(json_object_get(v, "logFiles")), 0);
	assert_true(json_is_false(json_object_get(v, "valid")));
	json_decref(v);
}

static const char *s_first_log_key(const char *name)
{
	static char key[4096];
	json_t *st = s_state(name);
	json_t *dig = s_read_gz_json(s_path(
	    json_string_value(json_object_get(json_object_get(st, "PrevDigest"), "s3Object"))));
	snprintf(key, sizeof key, "%s",
	         json_string_value(json_object_get(
	             json_array_get(json_object_get(dig, "logFiles"), 0), "s3Object")));
	json_decref(dig);
	json_decref(st);
	return key;
}

static void test_log_modified(void **state)
{
	(void)state;
	s_two_hours("t1");
	const char *key = s_first_log_key("t1");
	json_t *log = s_read_gz_json(s_path(key));
	json_object_set_new(json_array_get(json_object_get(log, "Records"), 0), "eventName",
	                    json_string("Nothing"));
	s_write_gz_json(s_path(key), log);
	json_decref(log);
	json_t *v = s_validate("t1", 1);
	assert_string_equal(s_status_of(json_object_get(v, "logFiles"), key), "modified");
	assert_int_equal(s_count_status(json_object_get(v, "logFiles"), "valid"), 2);
	assert_int_equal(s_count_status(json_object_get(v, "digests"), "valid"), 2);
	json_decref(v);
	/* Garbage in place of the gzip: modified too. */
	assert_int_equal(bw_trail_write_file(s_path(key), bw_cur_str("not gzip")), 0);
	v = s_validate("t1", 1);
	assert_string_equal(s_status_of(json_object_get(v, "logFiles"), key), "modified");
	json_decref(v);
}

static void test_log_deleted(void **state)
{
	(void)state;
	s_two_hours("t2");
	const char *key = s_first_log_key("t2");
	assert_int_equal(unlink(s_path(key)), 0);
	json_t *v = s_validate("t2", 1);
	assert_string_equal(s_status_of(json_object_get(v, "logFiles"), key), "deleted");
	assert_int_equal(s_count_status(json_object_get(v, "logFiles"), "valid"), 2);
	json_decref(v);
}

static void test_log_added(void **state)
{
	(void)state;
	s_two_hours("t3");
	const char *key = "pre/fix/AWSLogs/" ACCT "/CloudTrail/us-east-1/2027/01/15/" ACCT
	                  "_CloudTrail_us-east-1_20270115T0930Z_AAAAAAAAAAAAAAAA.json.gz";
	json_t *fake = json_pack("{s:[]}", "Records");
	s_write_gz_json(s_path(key), fake);
	json_decref(fake);
	json_t *v = s_validate("t3", 1);
	assert_string_equal(s_status_of(json_object_get(v, "logFiles"), "AAAAAAAAAAAAAAAA"),
	                    "not-in-digest");
	assert_int_equal(s_count_status(json_object_get(v, "logFiles"), "valid"), 3);
	json_decref(v);
}

static void test_digest_tampered(void **state)
{
	(void)state;
	s_two_hours("t4");
	json_t *st = s_state("t4");
	const char *d2 =
	    json_string_value(json_object_get(json_object_get(st, "PrevDigest"), "s3Object"));
	json_t *dig2 = s_read_gz_json(s_path(d2));
	const char *d1 = json_string_value(json_object_get(dig2, "previousDigestS3Object"));
	/* Rewrite digest 1 to hide a log file: its signature no longer holds. */
	json_t *dig1 = s_read_gz_json(s_path(d1));
	json_array_remove(json_object_get(dig1, "logFiles"), 0);
	s_write_gz_json(s_path(d1), dig1);
	json_t *v = s_validate("t4", 1);
	assert_string_equal(s_status_of(json_object_get(v, "digests"), d1), "invalid");
	assert_string_equal(s_status_of(json_object_get(v, "digests"), d2), "valid");
	/* The log file it no longer lists is in no digest. */
	assert_int_equal(s_count_status(json_object_get(v, "logFiles"), "not-in-digest"), 1);
	json_decref(v);
	/* A changed signature beside the newest digest. */
	char meta[4200];
	snprintf(meta, sizeof meta, "%s.metadata.json", s_path(d2));
	json_t *m = json_load_file(meta, 0, NULL);
	char sig[600];
	snprintf(sig, sizeof sig, "%s", json_string_value(json_object_get(m, "signature")));
	sig[0] = sig[0] == 'a' ? 'b' : 'a';
	json_object_set_new(m, "signature", json_string(sig));
	json_dump_file(m, meta, 0);
	json_decref(m);
	v = s_validate("t4", 1);
	assert_string_equal(s_status_of(json_object_get(v, "digests"), d2), "invalid");
	json_decref(v);
	/* Deleted. */
	assert_int_equal(unlink(s_path(d2)), 0);
	v = s_validate("t4", 1);
	assert_string_equal(s_status_of(json_object_get(v, "digests"), d2), "invalid");
	json_decref(v);
	json_decref(dig1);
	json_decref(dig2);
	json_decref(st);
}

static void test_key_rotation(void **state)
{
	(void)state;
	bw_trail_set_key_rotation_s(3000);
	s_two_hours("rot"); /* digest 1 at T0+3605 with key A; digest 2 at T0+7205 with key B */
	json_t *st = s_state("rot");
	json_t *dig2 = s_read_gz_json(s_path(
	    json_string_value(json_object_get(json_object_get(st, "PrevDigest"), "s3Object"))));
	json_t *dig1 = s_read_gz_json(
	    s_path(json_string_value(json_object_get(dig2, "previousDigestS3Object"))));
	assert_string_not_equal(
	    json_string_value(json_object_get(dig1, "digestPublicKeyFingerprint")),
	    json_string_value(json_object_get(dig2, "digestPublicKeyFingerprint")));
	json_t *keys = NULL;
	assert_int_equal(bw_trail_keys_list(s_store, ACCT, T0, T0 + 8000, &keys), 0);
	assert_int_equal(json_array_size(keys), 2);
	json_decref(keys);
	assert_int_equal(bw_trail_keys_list(s_store, ACCT, T0 + 7300, T0 + 7300, &keys), 0);
	assert_int_equal(json_array_size(keys), 1);
	json_decref(keys);
	json_t *v = s_validate("rot", 0);
	assert_int_equal(s_count_status(json_object_get(v, "digests"), "valid"), 2);
	json_decref(v);
	json_decref(dig1);
	json_decref(dig2);
	json_decref(st);
}

/* ---- selectors ---- */

static json_t *s_rec(const char *name, const char *source, bool ro)
{
	return json_pack("{s:s, s:s, s:b, s:s}", "eventName", name, "eventSource", source,
	                 "readOnly", ro, "eventCategory", "Management");
}

static void test_selectors(void **state)
{
	(void)state;
	json_t *enc = s_rec("Encrypt", "kms.amazonaws.com", false);
	json_t *list = s_rec("ListKeys", "kms.amazonaws.com", true);
	json_t *user = s_rec("CreateUser", "iam.amazonaws.com", false);
	json_t *t = json_object();
	assert_true(bw_trail_selectors_match(t, enc)); /* default: all management */
	json_object_set_new(t, "IncludeGlobalServiceEvents", json_false());
	assert_false(bw_trail_selectors_match(t, user));
	json_object_set_new(t, "IncludeGlobalServiceEvents", json_true());
	json_object_set_new(
	    t, "EventSelectors",
	    json_pack("[{s:s, s:b}]", "ReadWriteType", "ReadOnly", "IncludeManagementEvents", 1));
	assert_true(bw_trail_selectors_match(t, list));
	assert_false(bw_trail_selectors_match(t, enc));
	json_object_set_new(t, "EventSelectors",
	                    json_pack("[{s:s, s:[s]}]", "ReadWriteType", "WriteOnly",
	                              "ExcludeManagementEventSources", "iam.amazonaws.com"));
	assert_true(bw_trail_selectors_match(t, enc));
	assert_false(bw_trail_selectors_match(t, list));
	assert_false(bw_trail_selectors_match(t, user));
	json_object_del(t, "EventSelectors");
	json_object_set_new(
	    t, "AdvancedEventSelectors",
	    json_pack("[{s:[{s:s, s:[s]}, {s:s, s:[s]}, {s:s, s:[s]}]}]", "FieldSelectors", "Field",
	              "eventCategory", "Equals", "Management", "Field", "eventSource", "Equals",
	              "kms.amazonaws.com", "Field", "eventName", "NotStartsWith", "List"));
	assert_true(bw_trail_selectors_match(t, enc));
	assert_false(bw_trail_selectors_match(t, list));
	assert_false(bw_trail_selectors_match(t, user));
	char why[256];
	assert_int_equal(bw_trail_selectors_check(json_object_get(t, "AdvancedEventSelectors"),
	                                          json_object_get(t, "AdvancedEventSelectors"), why,
	                                          sizeof why),
	                 -1);
	assert_int_equal(bw_trail_selectors_check(NULL, NULL, why, sizeof why), -1);
	assert_int_equal(bw_trail_selectors_check(
	                     NULL, json_object_get(t, "AdvancedEventSelectors"), why, sizeof why),
	                 0);
	json_t *bad = json_pack("[{s:[{s:s, s:[s]}]}]", "FieldSelectors", "Field",
	                        "userIdentity.arn", "Equals", "x");
	assert_int_equal(bw_trail_selectors_check(NULL, bad, why, sizeof why), -1);
	json_decref(bad);
	json_decref(t);
	json_decref(enc);
	json_decref(list);
	json_decref(user);
}

static void test_gunzip_bounds(void **state)
{
	(void)state;
	struct bw_buf gz = {0}, out = {0};
	static char big[100000];
	memset(big, 'a', sizeof big);
	assert_int_equal(bw_trail_gzip(bw_cur_from(big, sizeof big), &gz), 0);
	assert_int_equal(bw_trail_gunzip(bw_cur_from(gz.data, gz.len), 1000, &out), -1);
	bw_buf_reset(&out);
	assert_int_equal(bw_trail_gunzip(bw_cur_from(gz.data, gz.len - 3), 1 << 20, &out), -1);
	bw_buf_reset(&out);
	assert_int_equal(bw_trail_gunzip(bw_cur_from(gz.data, gz.len), 1 << 20, &out), 0);
	assert_int_equal(out.len, sizeof big);
	bw_buf_free(&gz);
	bw_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_string_to_sign, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sign_verify_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delivery_and_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_is_not_flagged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_modified, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_deleted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_added, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_digest_tampered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_selectors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gunzip_bounds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
