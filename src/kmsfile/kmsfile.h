/*
 * kmsfile.h: envelope encryption of files under a KMS key —
 * `bulwark kms encrypt-file` / `decrypt-file`.
 *
 * A file is encrypted under a fresh 256-bit data key from KMS
 * GenerateDataKey; only the data key's CiphertextBlob is stored (in the
 * header), so the KMS key itself never leaves the server. The body is
 * AES-256-GCM in fixed-size chunks, streamed in constant memory. The format
 * is specified in format.c's banner and docs/kms-file-format.md.
 *
 * Files: format.c (header, nonces, AAD), encrypt.c / decrypt.c (the
 * streams), paths.c (temp file + rename), client.c (a minimal HTTP/1.1
 * awsJson client signed with SigV4), provider.c (the KMS-backed key
 * provider), config.c (credentials, endpoint and region as the aws CLI
 * finds them).
 */
#ifndef BW_KMSFILE_KMSFILE_H
#define BW_KMSFILE_KMSFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"

#define BW_KMSFILE_MAGIC "BWKMSENC"
#define BW_KMSFILE_MAGIC_LEN 8
#define BW_KMSFILE_VERSION 1
#define BW_KMSFILE_SUITE_AES256GCM 1 /* AES-256-GCM chunks, SHA-256 header hash */
#define BW_KMSFILE_DEFAULT_CHUNK 65536
#define BW_KMSFILE_MAX_CHUNK (16u * 1024u * 1024u)
#define BW_KMSFILE_KEY_LEN 32
#define BW_KMSFILE_NONCE_LEN 12
#define BW_KMSFILE_TAG_LEN 16
#define BW_KMSFILE_HASH_LEN 32
#define BW_KMSFILE_MAX_ARN 2048
#define BW_KMSFILE_MAX_BLOB 6144     /* KMS's CiphertextBlob limit */
#define BW_KMSFILE_MAX_PAIRS 64
#define BW_KMSFILE_MAX_CONTEXT_STR 2048 /* one key or value, bytes */
#define BW_KMSFILE_MAX_HEADER 65536
/* The encryption context member the format reserves; its value names the
 * format version. User keys may not start with "bulwark:". */
#define BW_KMSFILE_CONTEXT_FORMAT_KEY "bulwark:format"
#define BW_KMSFILE_CONTEXT_FORMAT_V1 "BWKMSENC-1"
#define BW_KMSFILE_CONTEXT_RESERVED_PREFIX "bulwark:"

/* An error for people: what failed and why (an AWS error code when KMS
 * refused). */
struct bw_kmsfile_error {
	char msg[1024];
};
void bw_kmsfile_fail(struct bw_kmsfile_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- The header ------------------------------------------------------ */

struct bw_kmsfile_header {
	uint8_t version;
	uint8_t suite;
	uint32_t chunk_size;
	uint8_t nonce_prefix[BW_KMSFILE_NONCE_LEN];
	char key_arn[BW_KMSFILE_MAX_ARN + 1];
	json_t *context;     /* object of strings: the full encryption context */
	struct bw_buf blob;  /* the encrypted data key */
};
void bw_kmsfile_header_clean_up(struct bw_kmsfile_header *h); /* safe twice */
/* Serialize (context sorted by key); appended to out. */
BW_MUST_CHECK int bw_kmsfile_header_encode(const struct bw_kmsfile_header *h, struct bw_buf *out,
                                           struct bw_kmsfile_error *err);
/*
 * Parse a header from the start of in. *used gets its length; -1 with a
 * message when it is malformed, 1 when in is too short to tell (read more,
 * up to BW_KMSFILE_MAX_HEADER).
 */
BW_MUST_CHECK int bw_kmsfile_header_decode(struct bw_cur in, struct bw_kmsfile_header *h,
                                           size_t *used, struct bw_kmsfile_error *err);
/* The nonce of chunk i: the prefix with its last 8 bytes XOR big-endian i. */
void bw_kmsfile_chunk_nonce(const uint8_t prefix[BW_KMSFILE_NONCE_LEN], uint64_t index,
                            uint8_t nonce_out[BW_KMSFILE_NONCE_LEN]);
#define BW_KMSFILE_AAD_LEN (BW_KMSFILE_HASH_LEN + 8 + 1)
/* The AAD of chunk i: header hash || be64(i) || final (0 or 1). */
void bw_kmsfile_chunk_aad(const uint8_t header_hash[BW_KMSFILE_HASH_LEN], uint64_t index,
                          bool final, uint8_t aad_out[BW_KMSFILE_AAD_LEN]);
/*
 * The encryption context for a file: {"bulwark:format": "BWKMSENC-1"} plus
 * the user's "k=v" pairs (n of them). A reserved or repeated key, an empty
 * key or a pair without '=' is refused.
 */
BW_MUST_CHECK int bw_kmsfile_context_build(const char *const *pairs, size_t n, json_t **out,
                                           struct bw_kmsfile_error *err);

/* ---- Key providers (KMS, or a fixed key in tests) -------------------- */

struct bw_kmsfile_keys {
	void *ctx;
	/*
	 * A fresh data key under key_id with this encryption context: the
	 * plaintext (32 bytes, into a buffer the caller marked secret), its
	 * CiphertextBlob and the ARN of the key that made it.
	 */
	int (*generate)(void *ctx, const char *key_id, const json_t *context,
	                struct bw_buf *plaintext, struct bw_buf *blob, struct bw_buf *key_arn,
	                struct bw_kmsfile_error *err);
	/* The data key of blob, which key_arn made under context. */
	int (*decrypt)(void *ctx, const char *key_arn, const json_t *context, struct bw_cur blob,
	               struct bw_buf *plaintext, struct bw_kmsfile_error *err);
};

/* ---- Streams --------------------------------------------------------- */

struct bw_kmsfile_encrypt_opts {
	const char *key_id;
	const json_t *context; /* from bw_kmsfile_context_build */
	uint32_t chunk_size;   /* 0: BW_KMSFILE_DEFAULT_CHUNK */
};
/* Encrypt all of in to out. Nothing is removed on failure (the caller's
 * part: see the path functions). */
BW_MUST_CHECK int bw_kmsfile_encrypt_stream(FILE *in, FILE *out,
                                            const struct bw_kmsfile_encrypt_opts *o,
                                            const struct bw_kmsfile_keys *keys,
                                            struct bw_kmsfile_error *err);
/*
 * Decrypt in to out, writing only authenticated chunks. required: user
 * "k=v" pairs (n) that must each be in the file's encryption context, or
 * decryption is refused before KMS is asked.
 */
BW_MUST_CHECK int bw_kmsfile_decrypt_stream(FILE *in, FILE *out, const char *const *required,
                                            size_t n, const struct bw_kmsfile_keys *keys,
                                            struct bw_kmsfile_error *err);

/* The same on paths: out is written to a temporary file beside it and
 * renamed into place on success; on failure nothing is left behind. */
BW_MUST_CHECK int bw_kmsfile_encrypt_path(const char *in, const char *out,
                                          const struct bw_kmsfile_encrypt_opts *o,
                                          const struct bw_kmsfile_keys *keys,
                                          struct bw_kmsfile_error *err);
BW_MUST_CHECK int bw_kmsfile_decrypt_path(const char *in, const char *out,
                                          const char *const *required, size_t n,
                                          const struct bw_kmsfile_keys *keys,
                                          struct bw_kmsfile_error *err);

/* ---- Talking to KMS -------------------------------------------------- */

/* The endpoint may be https://: the server's certificate is verified
 * against ca_bundle (AWS_CA_BUNDLE, else the profile's ca_bundle, as the
 * aws CLI reads them), else the system's store, and its name or address. */
struct bw_kmsfile_client {
	char endpoint[512]; /* http(s)://host[:port][/] */
	char ca_bundle[4096]; /* https: the CAs to trust (PEM); "": the system's */
	char region[64];    /* the default signing region */
	char access_key_id[256];
	struct bw_buf secret;        /* secret */
	struct bw_buf session_token; /* may be empty */
	int timeout_ms;              /* connect, each read, each write; 0: 30 s */
};
void bw_kmsfile_client_clean_up(struct bw_kmsfile_client *c);
/*
 * Fill c the way the aws CLI would: credentials from AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the profile (AWS_PROFILE,
 * default "bulwark") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials);
 * the endpoint from `endpoint` (may be NULL), else the profile's
 * endpoint_url in AWS_CONFIG_FILE (~/.aws/config), else
 * http://127.0.0.1:4566; the region from `region`, AWS_REGION,
 * AWS_DEFAULT_REGION, the profile's region, else us-east-1.
 */
BW_MUST_CHECK int bw_kmsfile_client_configure(struct bw_kmsfile_client *c, const char *endpoint,
                                              const char *region, struct bw_kmsfile_error *err);
/*
 * One awsJson 1.1 call: POST TrentService.<op> with the JSON body request,
 * signed for `region` (NULL: c->region). *response gets the parsed reply.
 * A non-2xx answer is an error "KMS <op> failed: <Code>: <message>".
 */
BW_MUST_CHECK int bw_kmsfile_call(const struct bw_kmsfile_client *c, const char *region,
                                  const char *op, const json_t *request, json_t **response,
                                  struct bw_kmsfile_error *err);
/* A key provider calling GenerateDataKey (AES_256) and Decrypt on c. */
struct bw_kmsfile_keys bw_kmsfile_kms_keys(const struct bw_kmsfile_client *c);

#endif
