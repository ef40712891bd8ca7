/*
 * sigv4.h: AWS Signature Version 4 — parse, canonicalize, verify, sign, and
 * decode S3 aws-chunked bodies. A pure library: it reads a parsed
 * bw_http_request, never does I/O and never touches the credential store
 * (secrets come from the caller's lookup callback).
 *
 * Files: sigv4_parse.c (Authorization header, presigned query, dates),
 * sigv4_canonical.c (the stages, each with its own buffer), sigv4.c (verify,
 * sign, the error table), sigv4_chunked.c (aws-chunked bodies and trailers).
 *
 * What verification enforces (following AWS, not more):
 *   - exactly one mechanism: an Authorization header or X-Amz-* query
 *     parameters, never both; a repeated Authorization / X-Amz-Date header is
 *     refused;
 *   - SignedHeaders is lower-case, sorted, without duplicates, and holds
 *     "host"; it holds "x-amz-date" (or "date") when that header carries the
 *     request time; for S3 it holds "x-amz-content-sha256" when that header is
 *     present. Other x-amz-* headers need not be signed (AWS accepts an
 *     unsigned X-Amz-Security-Token header; the lookup still sees the token);
 *   - the scope is <8-digit date>/<region>/<service>/aws4_request and its date
 *     is the request date. Whether region/service are the ones expected is the
 *     caller's check (result.region / result.service);
 *   - |now - request time| <= 15 minutes for header auth (both directions);
 *     presigned: X-Amz-Expires in 1..604800 (required for S3, optional
 *     elsewhere, where the 15-minute window applies instead), now <= date +
 *     expires, and the date at most 15 minutes in the future;
 *   - the payload hash. S3 (style S3, or AUTO with scope service "s3"):
 *     x-amz-content-sha256 is a known keyword or 64 hex digits, which must
 *     then equal SHA-256(body) (checked after the signature, as AWS does);
 *     header auth requires the header; presigned S3 signs UNSIGNED-PAYLOAD.
 *     Every other service: the hash signed is SHA-256 of the body received,
 *     and an x-amz-content-sha256 header saying anything else (a keyword,
 *     another hash) is a signature mismatch: only S3 accepts unsigned or
 *     streaming payloads (DESIGN.md);
 *   - the signature: exactly 64 lower-case hex digits, compared as 32 raw bytes
 *     in constant time. Secrets and derived keys are wiped after use.
 *
 * Canonical URI: for every service but S3 the path (as sent, percent-encoded)
 * is normalized (dot segments removed, duplicate slashes collapsed, as
 * botocore does) and URI-encoded once more: the spec's "double encoding". For
 * S3 it is not normalized: it is percent-decoded and encoded once.
 */
#ifndef BW_AUTH_SIGV4_H
#define BW_AUTH_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/message.h"

#define BW_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define BW_SIGV4_MAX_AKID 128
#define BW_SIGV4_MAX_SCOPE_PART 64      /* region, service */
#define BW_SIGV4_MAX_SIGNED_HEADERS 4096 /* the "a;b;c" list */
#define BW_SIGV4_MAX_TOKEN 4096          /* X-Amz-Security-Token */
#define BW_SIGV4_MAX_EXPIRES_S 604800    /* presigned: one week */
#define BW_SIGV4_SKEW_S 900              /* 15 minutes either way */
#define BW_SIGV4_MESSAGE_MAX 1024

/* Payload hash keywords (x-amz-content-sha256). */
#define BW_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define BW_SIGV4_STREAMING_PAYLOAD "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define BW_SIGV4_STREAMING_PAYLOAD_TRAILER "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
#define BW_SIGV4_STREAMING_UNSIGNED_TRAILER "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

/*
 * Why a request failed. Each reason has one AWS error (code, status,
 * message) in the default (json/query services) style, and possibly another
 * in the S3 style: see bw_sigv4_result_set_style().
 *                          default style                         S3 style
 *   NO_AUTH        403 MissingAuthenticationToken          (same; S3 callers usually treat
 *                                                            NO_AUTH as anonymous)
 *   INCOMPLETE     400 IncompleteSignature                  (same)
 *   QUERY_PARAMS   400 IncompleteSignature                  400 AuthorizationQueryParametersError
 *   AMBIGUOUS      400 InvalidArgument                      (same)
 *   UNKNOWN_KEY    403 InvalidClientTokenId                 403 InvalidAccessKeyId
 *   MISMATCH       403 SignatureDoesNotMatch                (same)
 *   SCOPE          403 SignatureDoesNotMatch (scope date / terminator)
 *   SKEWED         403 SignatureDoesNotMatch "Signature expired: ..."
 *                  (awsJson: 400 InvalidSignatureException) 403 RequestTimeTooSkewed
 *   EXPIRED        403 AccessDenied "Request has expired"   (same)
 *   PAYLOAD_*      400 XAmzContentSHA256Mismatch / InvalidArgument / InvalidRequest
 *   MALFORMED      400 InvalidURI (bad percent-encoding in path or query)
 *   CHUNK_*        403 SignatureDoesNotMatch / 400 IncompleteBody
 *   CHECKSUM       400 BadDigest
 *   UNSUPPORTED    501 NotImplemented (SigV4a, signed trailers)
 *   INTERNAL       500 InternalFailure (allocation, crypto failure)
 */
#define BW_SIGV4_REASONS(X)                                                                  \
	X(OK, "", 200, "")                                                                   \
	X(NO_AUTH, "MissingAuthenticationToken", 403, "Request is missing Authentication Token") \
	X(INCOMPLETE, "IncompleteSignature", 400, "The request signature does not conform to AWS standards.") \
	X(QUERY_PARAMS, "IncompleteSignature", 400, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.") \
	X(AMBIGUOUS, "InvalidArgument", 400, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified") \
	X(UNKNOWN_KEY, "InvalidClientTokenId", 403, "The security token included in the request is invalid.") \
	X(MISMATCH, "SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.") \
	X(SCOPE, "SignatureDoesNotMatch", 403, "Credential should be scoped to a valid date, region and service.") \
	X(SKEWED, "SignatureDoesNotMatch", 403, "Signature expired.")                      \
	X(EXPIRED, "AccessDenied", 403, "Request has expired")                              \
	X(PAYLOAD_MISMATCH, "XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.") \
	X(PAYLOAD_INVALID, "InvalidArgument", 400, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.") \
	X(PAYLOAD_MISSING, "InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256") \
	X(MALFORMED, "InvalidURI", 400, "Couldn't parse the specified URI.")               \
	X(CHUNK_SIGNATURE, "SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method.") \
	X(CHUNK_MALFORMED, "IncompleteBody", 400, "The request body terminated unexpectedly") \
	X(CHECKSUM, "BadDigest", 400, "The checksum you specified did not match the calculated checksum.") \
	X(UNSUPPORTED, "NotImplemented", 501, "A header you provided implies functionality that is not implemented") \
	X(INTERNAL, "InternalFailure", 500, "We encountered an internal error. Please try again.")

enum bw_sigv4_reason {
#define BW_SIGV4_ENUM(name, code, status, msg) BW_SIGV4_##name,
	BW_SIGV4_REASONS(BW_SIGV4_ENUM)
#undef BW_SIGV4_ENUM
};

/* The reason's name ("SKEWED"), for logs and tests. */
const char *bw_sigv4_reason_name(enum bw_sigv4_reason r);

enum bw_sigv4_kind {
	BW_SIGV4_KIND_NONE = 0, /* no signature at all */
	BW_SIGV4_KIND_HEADER,   /* Authorization: AWS4-HMAC-SHA256 ... */
	BW_SIGV4_KIND_QUERY,    /* presigned URL */
};

/* ---- 1. Parsing ------------------------------------------------------ */

/* What the request says about its signature, bounded and copied. */
struct bw_sigv4_auth {
	enum bw_sigv4_kind kind;
	char access_key_id[BW_SIGV4_MAX_AKID + 1];
	char scope_date[9]; /* YYYYMMDD */
	char region[BW_SIGV4_MAX_SCOPE_PART + 1];
	char service[BW_SIGV4_MAX_SCOPE_PART + 1];
	char terminator[16]; /* "aws4_request" when valid */
	char signed_headers[BW_SIGV4_MAX_SIGNED_HEADERS + 1];
	uint8_t signature[32];
	char amz_date[17];       /* the request time as YYYYMMDDTHHMMSSZ */
	bool date_from_date_hdr; /* the time came from Date:, not X-Amz-Date */
	int64_t request_time_s;
	int64_t expires_s; /* presigned X-Amz-Expires; 0 when absent */
	bool has_token;
	char security_token[BW_SIGV4_MAX_TOKEN + 1];
};

/* Error detail from the parsers: reason + an AWS-style message. */
struct bw_sigv4_error {
	enum bw_sigv4_reason reason;
	char message[BW_SIGV4_MESSAGE_MAX];
};

/*
 * Parse one Authorization header value: "AWS4-HMAC-SHA256 Credential=...,
 * SignedHeaders=..., Signature=..." (components in any order, separated by
 * commas with optional spaces). The request time comes from x_amz_date or,
 * failing that, date_hdr (RFC 1123); either may be NULL.
 */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_parse_header(struct bw_cur authorization,
                                                         const char *x_amz_date,
                                                         const char *date_hdr,
                                                         struct bw_sigv4_auth *out,
                                                         struct bw_sigv4_error *err);
/*
 * Parse the X-Amz-* parameters of a presigned query string (raw, without
 * '?'). require_expires: S3 requires X-Amz-Expires.
 */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_parse_query(struct bw_cur query, bool require_expires,
                                                        struct bw_sigv4_auth *out,
                                                        struct bw_sigv4_error *err);
/* True when the raw query carries any X-Amz-Algorithm/Credential/Signature. */
bool bw_sigv4_query_is_presigned(struct bw_cur query);

/* ---- 2. Stages (each writes its own buffer; appends to `out`) ---------- */

struct bw_sigv4_uri_rules {
	bool normalize;     /* remove . and .. segments, collapse "//" */
	bool double_encode; /* encode the as-sent path again (non-S3) */
};
/* The rules AWS applies for a signing service: S3 = {false, false}. */
struct bw_sigv4_uri_rules bw_sigv4_uri_rules_for(const char *service);

BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_canonical_uri(struct bw_cur path,
                                                          struct bw_sigv4_uri_rules rules,
                                                          struct bw_buf *out);
/* exclude_signature: drop X-Amz-Signature (presigned verification). */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_canonical_query(struct bw_cur query,
                                                            bool exclude_signature,
                                                            struct bw_buf *out);
/* Checks the list's form: lower-case token names, sorted, no duplicates. */
bool bw_sigv4_signed_headers_valid(struct bw_cur signed_headers);
/* "name:value\n" for each signed header (values trimmed, runs of blanks
 * collapsed, repeats joined by ',' in order; an absent one is empty). */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_canonical_headers(const struct bw_http_request *req,
                                                              struct bw_cur signed_headers,
                                                              struct bw_buf *out);
/* The signer's choice: every header but authorization, expect, user-agent,
 * transfer-encoding and x-amzn-trace-id (botocore's list), sorted. */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_signed_headers_for(const struct bw_http_request *req,
                                                               struct bw_buf *out);
/* Lower-case hex SHA-256 of bytes (64 chars). */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_hex_sha256(struct bw_cur data, struct bw_buf *out);
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_canonical_request(
	const char *method, struct bw_cur canonical_uri, struct bw_cur canonical_query,
	struct bw_cur canonical_headers, struct bw_cur signed_headers, struct bw_cur payload_hash,
	struct bw_buf *out);
/* scope = date/region/service/aws4_request */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_scope(const char *date, const char *region,
                                                  const char *service, struct bw_buf *out);
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_string_to_sign(const char *amz_date,
                                                           struct bw_cur scope,
                                                           struct bw_cur canonical_request,
                                                           struct bw_buf *out);
/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
 * "aws4_request"). key_out is secret: the caller cleanses it. */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_signing_key(struct bw_cur secret, const char *date,
                                                        const char *region, const char *service,
                                                        uint8_t key_out[32]);
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_hmac(const uint8_t key[32], struct bw_cur data,
                                                 uint8_t mac_out[32]);

/*
 * All the stages for one request, each in its own buffer (aws-c-auth's
 * signing state): the verifier and the signer both go through
 * bw_sigv4_build(). Zero it before use; clean_up is safe twice.
 */
struct bw_sigv4_stages {
	struct bw_buf canonical_uri;
	struct bw_buf canonical_query;
	struct bw_buf canonical_headers;
	struct bw_buf canonical_request;
	struct bw_buf scope;
	struct bw_buf string_to_sign;
};
void bw_sigv4_stages_clean_up(struct bw_sigv4_stages *st);
/*
 * Canonical request and string to sign of req under auth (kind, scope,
 * amz_date, signed_headers are used; a presigned request's X-Amz-Signature
 * is left out of the canonical query).
 */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_build(const struct bw_http_request *req,
                                                  const struct bw_sigv4_auth *auth,
                                                  struct bw_sigv4_uri_rules rules,
                                                  struct bw_cur payload_hash,
                                                  struct bw_sigv4_stages *st);

/* ---- 3. Verification ------------------------------------------------- */

enum bw_sigv4_lookup_rc {
	BW_SIGV4_KEY_ERROR = -1,
	BW_SIGV4_KEY_NOT_FOUND = 0,
	BW_SIGV4_KEY_FOUND = 1,
};
/*
 * Find the secret access key of access_key_id (and check the session token,
 * NULL when the request has none) and append it to secret_out, which verify
 * has marked secret and frees (cleansed). Return a bw_sigv4_lookup_rc.
 */
typedef int (*bw_sigv4_lookup_fn)(void *ctx, const char *access_key_id,
                                  const char *security_token, struct bw_buf *secret_out);

enum bw_sigv4_style {
	BW_SIGV4_STYLE_AUTO = 0, /* S3 style when the scope's service is "s3" */
	BW_SIGV4_STYLE_DEFAULT,
	BW_SIGV4_STYLE_S3,
};

struct bw_sigv4_params {
	int64_t now_s; /* the server's clock, injectable for tests */
	bw_sigv4_lookup_fn lookup;
	void *lookup_ctx;
	/* Canonical URI rules; when NULL, bw_sigv4_uri_rules_for(scope service). */
	const struct bw_sigv4_uri_rules *uri_rules;
	enum bw_sigv4_style style;
};

struct bw_sigv4_result {
	/* The verdict. On failure code/status/message hold the AWS error. */
	enum bw_sigv4_reason reason;
	const char *code;
	uint16_t http_status;
	char message[BW_SIGV4_MESSAGE_MAX];
	/* The facts (filled as far as parsing got). */
	enum bw_sigv4_kind kind;
	char access_key_id[BW_SIGV4_MAX_AKID + 1];
	char scope_date[9];
	char region[BW_SIGV4_MAX_SCOPE_PART + 1];
	char service[BW_SIGV4_MAX_SCOPE_PART + 1];
	char signed_headers[BW_SIGV4_MAX_SIGNED_HEADERS + 1];
	bool has_token;
	char security_token[BW_SIGV4_MAX_TOKEN + 1];
	char amz_date[17];
	int64_t request_time_s;
	int64_t now_s;
	int64_t expires_s;
	char payload_hash[72]; /* as signed: hex digest or a keyword */
	uint8_t signature[32]; /* the seed signature of an aws-chunked body */
};

/*
 * Verify req's signature. Returns out->reason (BW_SIGV4_OK when the request
 * is authentic); out is always filled. The caller still checks that
 * out->region / out->service are the ones it serves, and, when
 * out->payload_hash is a STREAMING-* keyword, decodes the body with
 * bw_sigv4_decode_body(). A server passes the style of the service it
 * routed to (never AUTO): it, not the client's scope, decides whether S3's
 * payload rules apply.
 */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_verify(const struct bw_http_request *req,
                                                   const struct bw_sigv4_params *params,
                                                   struct bw_sigv4_result *out);
/*
 * Fill out->code/http_status/message for out->reason in the given style
 * (verify already did with params->style). The skew message is rebuilt from
 * the result's times: "Signature expired: 20150830T123600Z is now earlier
 * than 20150830T124100Z (20150830T125100Z - 15 min.)" (default style) or
 * "The difference between the request time and the current time is too
 * large." (S3: RequestTimeTooSkewed, 403).
 */
void bw_sigv4_result_set_style(struct bw_sigv4_result *r, bool s3);
/* Set a reason with its table message (or `message` when not NULL). */
void bw_sigv4_result_fail(struct bw_sigv4_result *r, enum bw_sigv4_reason reason,
                          const char *message, bool s3);

struct bw_sigv4_sign_params {
	const char *access_key_id;
	struct bw_cur secret;
	const char *region;
	const char *service;
	int64_t time_s; /* must match the request's X-Amz-Date header if present */
	/* The payload hash to sign; NULL: the x-amz-content-sha256 header when
	 * present, else SHA-256 of the body. */
	const char *payload_hash;
};
/*
 * Sign req (which already carries every header to sign: Host, X-Amz-Date,
 * X-Amz-Security-Token ...): append the Authorization header value to
 * authorization_out.
 */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_sign(const struct bw_http_request *req,
                                                 const struct bw_sigv4_sign_params *p,
                                                 struct bw_buf *authorization_out);

/* ---- 4. aws-chunked bodies ------------------------------------------- */

enum bw_sigv4_checksum {
	BW_SIGV4_CHECKSUM_NONE = 0,
	BW_SIGV4_CHECKSUM_CRC32,
	BW_SIGV4_CHECKSUM_CRC32C,
	BW_SIGV4_CHECKSUM_CRC64NVME,
	BW_SIGV4_CHECKSUM_SHA1,
	BW_SIGV4_CHECKSUM_SHA256,
};

struct bw_sigv4_chunked {
	bool signed_chunks;   /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD */
	bool has_trailer;     /* ...-TRAILER: a trailer follows the last chunk */
	uint8_t signing_key[32]; /* secret; cleansed by bw_sigv4_chunked_clean_up */
	uint8_t seed_signature[32];
	char amz_date[17];
	char scope[BW_SIGV4_MAX_SCOPE_PART * 2 + 32];
	/* The trailer header to expect (x-amz-trailer), lower-case; "" = any
	 * x-amz-checksum-*. */
	char trailer_name[64];
	int64_t decoded_length; /* x-amz-decoded-content-length; -1 unknown */
	size_t max_decoded;     /* 0: bounded by the body only */
};

/* What the decoder found besides the data. */
struct bw_sigv4_chunked_info {
	size_t chunks;
	enum bw_sigv4_checksum checksum;
	char checksum_name[64];  /* e.g. "x-amz-checksum-crc32" */
	char checksum_value[96]; /* base64, as sent */
	bool checksum_verified;
};

void bw_sigv4_chunked_clean_up(struct bw_sigv4_chunked *c);
/*
 * Decode an aws-chunked body into out (appended), verifying each chunk's
 * signature (chained from the seed, string to sign "AWS4-HMAC-SHA256-PAYLOAD")
 * and the trailing checksum. err gets the reason's message.
 */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_chunked_decode(const struct bw_sigv4_chunked *c,
                                                           struct bw_cur body,
                                                           struct bw_buf *out,
                                                           struct bw_sigv4_chunked_info *info,
                                                           struct bw_sigv4_error *err);
/*
 * After a successful bw_sigv4_verify whose payload_hash is STREAMING-*:
 * derive the key again (params->lookup), read Content-Encoding/
 * x-amz-decoded-content-length/x-amz-trailer, and decode req's body into
 * out. On failure result->reason/code/message say why.
 */
BW_MUST_CHECK enum bw_sigv4_reason bw_sigv4_decode_body(const struct bw_http_request *req,
                                                        const struct bw_sigv4_params *params,
                                                        struct bw_sigv4_result *result,
                                                        struct bw_buf *out,
                                                        struct bw_sigv4_chunked_info *info);

#endif
