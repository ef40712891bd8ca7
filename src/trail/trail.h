/*
 * trail.h: what CloudTrail trails do without HTTP — deliver log files,
 * write and sign hourly digest files, keep the digest signing keys, match
 * event selectors, and validate a delivery (`bulwark trail validate`).
 *
 * The trail API (services/cloudtrail/trails.c) keeps a trail's settings;
 * this folder acts on them. State layout: services/cloudtrail/trails.h.
 *
 * Delivery location. Bulwark has no S3 yet, so a trail "delivers to S3
 * bucket B with prefix P" by writing under the data directory:
 *   <data-dir>/trail-delivery/<B>/<P>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
 *       <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 random>.json.gz
 *   <data-dir>/trail-delivery/<B>/<P>/AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
 *       <account>_CloudTrail-Digest_<region>_<trail>_<region>_<YYYYMMDDTHHmmssZ>.json.gz
 *   ... and beside each digest <object>.metadata.json, which stands for the
 *   S3 object metadata AWS keeps the signature in:
 *       {"signature": "<hex>", "signature-algorithm": "SHA256withRSA"}
 * The S3 key of an object (digestS3Object, s3Object) is the path below
 * <data-dir>/trail-delivery/<B>/.
 */
#ifndef BW_TRAIL_TRAIL_H
#define BW_TRAIL_TRAIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "crypto/seal.h"

struct bw_store;
struct evp_pkey_st;

/* ---- settings (serve's flags) ---- */

/* Where deliveries go: <data_dir>/trail-delivery/. Until set, the tick
 * delivers nothing (and says so once in the log). The string is copied. */
void bw_trail_set_data_dir(const char *data_dir);
/* Seconds between log file deliveries of a logging trail (default 300). */
void bw_trail_set_delivery_interval_s(double s);
/* Seconds a digest file covers (default 3600, AWS's hourly digests). */
void bw_trail_set_digest_interval_s(double s);
/* Seconds a digest signing key signs before a new one replaces it (default
 * 30 days); the old public key stays listed and verifiable. */
void bw_trail_set_key_rotation_s(double s);

double bw_trail_delivery_interval_s(void);
double bw_trail_digest_interval_s(void);
double bw_trail_key_rotation_s(void);
const char *bw_trail_data_dir(void);

/* ---- small helpers ---- */

/* gzip (RFC 1952) of in, appended to out. */
BW_MUST_CHECK int bw_trail_gzip(struct bw_cur in, struct bw_buf *out);
/* Inflate a gzip member; -1 when it is not gzip, is damaged, or inflates
 * past max_out bytes. */
BW_MUST_CHECK int bw_trail_gunzip(struct bw_cur in, size_t max_out, struct bw_buf *out);
/* "2026-11-22T18:00:00Z" (whole seconds, UTC). */
int bw_trail_iso(double epoch_s, char out[32]);
/* SHA-256 of in as 64 lower-case hex characters + NUL. */
void bw_trail_sha256_hex(struct bw_cur in, char out[65]);
/* <data_dir>/trail-delivery/<bucket>/<key> into out. -1 if it does not fit. */
int bw_trail_local_path(const char *bucket, const char *key, char *out, size_t outlen);
/* mkdir -p of the directory part of path (0700). */
int bw_trail_mkdirs_for(const char *path);
/* Write the bytes to path through a temporary file and rename (no half
 * file is ever seen by a reader). */
int bw_trail_write_file(const char *path, struct bw_cur bytes);

/* ---- log file encryption (encrypt.c) ---- */

/* Whether a delivered file is in the KMS file envelope (encrypted). */
bool bw_trail_is_encrypted(struct bw_cur file);
/* Encrypt a log file's gzip bytes under a data key of kms_key (the
 * trail's KmsKeyId); the envelope appended to out. -1 with a reason. */
int bw_trail_encrypt_log(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                         const char *region, double now_s, const char *kms_key,
                         const char *trail_arn, const char *bucket, const char *key,
                         struct bw_cur gz, struct bw_buf *out, char *why, size_t whylen);
/* The gzip bytes of an encrypted log file (needs the root key). */
int bw_trail_decrypt_log(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                         const char *region, struct bw_cur file, struct bw_buf *gz);

/* ---- event selectors (selectors.c) ---- */

/* Check PutEventSelectors' input. 0, or -1 with AWS's reason in why. */
int bw_trail_selectors_check(const json_t *selectors, const json_t *advanced, char *why,
                             size_t whylen);
/* Whether the trail (its "EventSelectors"/"AdvancedEventSelectors", and
 * "IncludeGlobalServiceEvents") takes this CloudTrail record. */
bool bw_trail_selectors_match(const json_t *trail, const json_t *record);

/* ---- digest signing (digest.c) ---- */

/* AWS's string to sign of a digest file:
 *   digestEndTime \n digestS3Bucket/digestS3Object \n
 *   hex(SHA-256(uncompressed digest content)) \n previousDigestSignature
 * with "null" for the first digest's missing previous signature. */
BW_MUST_CHECK int bw_trail_string_to_sign(const char *end_time, const char *bucket,
                                          const char *object, struct bw_cur digest_content,
                                          const char *prev_signature, struct bw_buf *out);
/* SHA256withRSA (PKCS#1 v1.5) of msg as lower-case hex, appended to out. */
BW_MUST_CHECK int bw_trail_sign(struct evp_pkey_st *priv, struct bw_cur msg, struct bw_buf *out);
/* 1 the signature verifies under the DER SubjectPublicKeyInfo, 0 it does
 * not (or is not hex), -1 the key cannot be read. */
int bw_trail_verify(struct bw_cur public_der, struct bw_cur msg, const char *signature_hex);
/* The fingerprint AWS gives a digest public key: hex MD5 of the DER. */
int bw_trail_fingerprint(struct bw_cur public_der, char out[33]);

/* ---- signing keys (keys.c), kind "cloudtrail/signing-key" ---- */

/* The account's current signing key, made (or rotated) when there is none
 * or it is older than the rotation period. *priv must be EVP_PKEY_free'd. */
int bw_trail_key_current(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                         double now_s, struct evp_pkey_st **priv, char fingerprint[33]);
/* The DER public key of a fingerprint, appended to der. 1 found, 0 not, -1 error. */
int bw_trail_key_public(struct bw_store *store, const char *account, const char *fingerprint,
                        struct bw_buf *der);
/* The keys valid at some time in [start_s, end_s], as ListPublicKeys'
 * PublicKeyList (Value base64, times epoch seconds), in fingerprint order. */
int bw_trail_keys_list(struct bw_store *store, const char *account, double start_s, double end_s,
                       json_t **list);

/* ---- delivery and digests (delivery.c, digest.c) ---- */

/* Rows after a seq, as bw_events_range (store/events.h) returns them. */
typedef int (*bw_trail_range_fn)(struct bw_store *s, uint64_t after_seq, size_t limit,
                                 json_t **records);

/* How delivery reads the event log (tick.c: store/events.h). */
struct bw_trail_source {
	bw_trail_range_fn range;
	/* The seq of the newest event at or before before_ms into *seq (0 if
	 * none): where a trail that starts logging begins, so a new trail does
	 * not read the whole log. 0, or -1 on error. */
	int (*newest_before)(struct bw_store *s, int64_t before_ms, uint64_t *seq);
};

/* One pass over every trail of the installation's account: deliver what is
 * due, write the digests that are due. */
void bw_trail_run(struct bw_store *store, const struct bw_root_key *rk, double now_s,
                  const struct bw_trail_source *src);

/* Write one digest file for the trail covering [state.DigestStart, now_s]
 * and update state (the chain). Called by bw_trail_run when due. */
int bw_trail_write_digest(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                          const json_t *trail, json_t *state, double now_s);

/* ---- validation (validate.c) ---- */

struct bw_trail_validate_opts {
	const char *data_dir;
	const char *trail; /* name or ARN */
	double start_s;    /* 0: from the first digest */
	double end_s;      /* 0: up to now */
	bool json;
	/* The root key, to read log files encrypted under a KMS key; NULL
	 * when not loaded (such files are then reported unverifiable). */
	const struct bw_root_key *rk;
};
/* Validate a trail's delivery, print the report to out. 0 everything
 * valid, 1 a problem found, 2 could not validate (reason on err). */
int bw_trail_validate(struct bw_store *store, const char *account,
                      const struct bw_trail_validate_opts *o, FILE *out, FILE *err);
/* `bulwark trail validate ...` (argv[0] == "validate"). */
int bw_trail_validate_main(int argc, char **argv);

#endif
