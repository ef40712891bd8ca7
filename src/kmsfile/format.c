/*
 * format.c: the encrypted file format of `bulwark kms encrypt-file`, version 1
 * (also in docs/kms-file-format.md). All integers are big-endian.
 *
 *   header
 *     magic          8   "BWKMSENC"
 *     version        1   1
 *     suite          1   1 = AES-256-GCM chunks, SHA-256 header hash
 *     chunk size     4   plaintext bytes per chunk, 1 .. 16 MiB (64 KiB by default)
 *     nonce prefix  12   random, fresh per file
 *     key ARN        2 + n   the KMS key that made the data key (n <= 2048)
 *     context        2 + pairs: count (<= 64), then per pair u16 len + key,
 *                    u16 len + value (UTF-8, each <= 2048 bytes), sorted by
 *                    key bytes, no repeats; the full encryption context given
 *                    to GenerateDataKey: "bulwark:format" = "BWKMSENC-1" and
 *                    the user's --context pairs
 *     data key       2 + n   the CiphertextBlob of GenerateDataKey (KeySpec
 *                    AES_256) (1 <= n <= 6144)
 *   body: chunks 0, 1, ..., N-1 (N >= 1), each
 *     ciphertext of chunk-size plaintext bytes (the last: 0 .. chunk size,
 *     empty only when the whole file is), then its 16-byte GCM tag.
 *
 * Chunk i is AES-256-GCM under the data key with
 *   nonce = nonce prefix XOR (0^32 || be64(i))    (unique per chunk; the key
 *                                                  is unique per file)
 *   AAD   = SHA-256(header bytes) || be64(i) || final (1 for chunk N-1, else 0)
 * The last chunk is the one the end of the file follows. So a changed header
 * fails chunk 0 (and KMS refuses a changed ARN, context or data key), a
 * swapped chunk fails its index, a file cut at a chunk boundary ends on a
 * chunk sealed as not final, and an appended chunk turns the final one into
 * a non-final one: each is an authentication failure.
 *
 * This file: header encode/decode, nonces, AAD, the encryption context.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmsfile/kmsfile.h"

void bw_kmsfile_fail(struct bw_kmsfile_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

void bw_kmsfile_header_clean_up(struct bw_kmsfile_header *h)
{
	json_decref(h->context);
	h->context = NULL;
	bw_buf_free(&h->blob);
}

static int s_put_u16(struct bw_buf *out, size_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return bw_buf_append(out, b, 2);
}

static int s_put_str(struct bw_buf *out, const void *p, size_t len)
{
	return s_put_u16(out, len) != 0 || bw_buf_append(out, p, len) != 0 ? -1 : 0;
}

static int s_cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int bw_kmsfile_header_encode(const struct bw_kmsfile_header *h, struct bw_buf *out,
                             struct bw_kmsfile_error *err)
{
	size_t arn_len = strlen(h->key_arn), npairs = json_object_size(h->context);
	if (h->version != BW_KMSFILE_VERSION || h->suite != BW_KMSFILE_SUITE_AES256GCM ||
	    h->chunk_size == 0 || h->chunk_size > BW_KMSFILE_MAX_CHUNK || arn_len == 0 ||
	    arn_len > BW_KMSFILE_MAX_ARN || h->blob.len == 0 || h->blob.len > BW_KMSFILE_MAX_BLOB ||
	    !json_is_object(h->context) || npairs > BW_KMSFILE_MAX_PAIRS) {
		bw_kmsfile_fail(err, "the file header is out of bounds (key ARN, data key, context "
		                     "or chunk size)");
		return -1;
	}
	const char *keys[BW_KMSFILE_MAX_PAIRS];
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(h->context, k, v) {
		if (!json_is_string(v) || strlen(k) > BW_KMSFILE_MAX_CONTEXT_STR ||
		    json_string_length(v) > BW_KMSFILE_MAX_CONTEXT_STR) {
			bw_kmsfile_fail(err, "encryption context member '%s' is too long or not a string",
			                k);
			return -1;
		}
		keys[n++] = k;
	}
	qsort(keys, n, sizeof keys[0], s_cmp_keys);
	uint8_t fixed[14];
	memcpy(fixed, BW_KMSFILE_MAGIC, BW_KMSFILE_MAGIC_LEN);
	fixed[8] = h->version;
	fixed[9] = h->suite;
	fixed[10] = (uint8_t)(h->chunk_size >> 24);
	fixed[11] = (uint8_t)(h->chunk_size >> 16);
	fixed[12] = (uint8_t)(h->chunk_size >> 8);
	fixed[13] = (uint8_t)h->chunk_size;
	if (bw_buf_append(out, fixed, sizeof fixed) != 0 ||
	    bw_buf_append(out, h->nonce_prefix, BW_KMSFILE_NONCE_LEN) != 0 ||
	    s_put_str(out, h->key_arn, arn_len) != 0 || s_put_u16(out, n) != 0)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		json_t *val = json_object_get(h->context, keys[i]);
		if (s_put_str(out, keys[i], strlen(keys[i])) != 0 ||
		    s_put_str(out, json_string_value(val), json_string_length(val)) != 0)
			goto oom;
	}
	if (s_put_str(out, h->blob.data, h->blob.len) != 0)
		goto oom;
	return 0;
oom:
	bw_kmsfile_fail(err, "out of memory");
	return -1;
}

/* A reader over the header bytes that cannot run past them. */
struct s_rd {
	struct bw_cur in;
	size_t pos;
};

static bool s_take(struct s_rd *r, size_t n, const uint8_t **p)
{
	if (r->in.len - r->pos < n)
		return false;
	*p = r->in.ptr + r->pos;
	r->pos += n;
	return true;
}

static bool s_u16(struct s_rd *r, size_t *v)
{
	const uint8_t *p;
	if (!s_take(r, 2, &p))
		return false;
	*v = (size_t)p[0] << 8 | p[1];
	return true;
}

/* rc: 1 = need more bytes, -1 = malformed (err set), 0 = ok */
static int s_str(struct s_rd *r, size_t max, const uint8_t **p, size_t *len,
                 const char *what, struct bw_kmsfile_error *err)
{
	if (!s_u16(r, len))
		return 1;
	if (*len > max) {
		bw_kmsfile_fail(err, "not a valid encrypted file: %s is %zu bytes (at most %zu)", what,
		                *len, max);
		return -1;
	}
	return s_take(r, *len, p) ? 0 : 1;
}

#define S_STEP(expr)            \
	do {                    \
		int s_rc_ = (expr); \
		if (s_rc_ != 0) {   \
			rc = s_rc_; \
			goto done;  \
		}                   \
	} while (0)

int bw_kmsfile_header_decode(struct bw_cur in, struct bw_kmsfile_header *h, size_t *used,
                             struct bw_kmsfile_error *err)
{
	struct s_rd r = {.in = in};
	const uint8_t *p;
	size_t len, npairs;
	int rc = 1;
	char prev[BW_KMSFILE_MAX_CONTEXT_STR + 1] = "";
	*h = (struct bw_kmsfile_header){0};
	*used = 0;
	/* the magic first, so a wrong file is named as such from its first bytes */
	size_t m = in.len < BW_KMSFILE_MAGIC_LEN ? in.len : BW_KMSFILE_MAGIC_LEN;
	if (m > 0 && memcmp(in.ptr, BW_KMSFILE_MAGIC, m) != 0) {
		bw_kmsfile_fail(err, "not a bulwark encrypted file (no BWKMSENC magic)");
		return -1;
	}
	if (!s_take(&r, 14, &p))
		return 1;
	h->version = p[8];
	h->suite = p[9];
	h->chunk_size = (uint32_t)p[10] << 24 | (uint32_t)p[11] << 16 | (uint32_t)p[12] << 8 | p[13];
	if (h->version != BW_KMSFILE_VERSION) {
		bw_kmsfile_fail(err, "unsupported encrypted file version %u (this bulwark reads %d)",
		                h->version, BW_KMSFILE_VERSION);
		return -1;
	}
	if (h->suite != BW_KMSFILE_SUITE_AES256GCM) {
		bw_kmsfile_fail(err, "unsupported algorithm suite %u", h->suite);
		return -1;
	}
	if (h->chunk_size == 0 || h->chunk_size > BW_KMSFILE_MAX_CHUNK) {
		bw_kmsfile_fail(err, "not a valid encrypted file: chunk size %u", h->chunk_size);
		return -1;
	}
	if (!s_take(&r, BW_KMSFILE_NONCE_LEN, &p))
		return 1;
	memcpy(h->nonce_prefix, p, BW_KMSFILE_NONCE_LEN);
	S_STEP(s_str(&r, BW_KMSFILE_MAX_ARN, &p, &len, "the key ARN", err));
	if (len == 0 || memchr(p, 0, len)) {
		bw_kmsfile_fail(err, "not a valid encrypted file: bad key ARN");
		rc = -1;
		goto done;
	}
	memcpy(h->key_arn, p, len);
	h->key_arn[len] = 0;
	if (!s_u16(&r, &npairs))
		goto done;
	if (npairs > BW_KMSFILE_MAX_PAIRS) {
		bw_kmsfile_fail(err, "not a valid encrypted file: %zu context pairs", npairs);
		rc = -1;
		goto done;
	}
	if (!(h->context = json_object())) {
		bw_kmsfile_fail(err, "out of memory");
		rc = -1;
		goto done;
	}
	for (size_t i = 0; i < npairs; i++) {
		const uint8_t *kp, *vp;
		size_t klen, vlen;
		char key[BW_KMSFILE_MAX_CONTEXT_STR + 1];
		S_STEP(s_str(&r, BW_KMSFILE_MAX_CONTEXT_STR, &kp, &klen, "a context key", err));
		S_STEP(s_str(&r, BW_KMSFILE_MAX_CONTEXT_STR, &vp, &vlen, "a context value", err));
		memcpy(key, kp, klen);
		key[klen] = 0;
		/* sorted and unique: one context has one encoding */
		if (klen == 0 || memchr(kp, 0, klen) || (i > 0 && strcmp(prev, key) >= 0)) {
			bw_kmsfile_fail(err, "not a valid encrypted file: context keys unsorted, "
			                     "repeated or empty");
			rc = -1;
			goto done;
		}
		json_t *val = json_stringn(vp ? (const char *)vp : "", vlen);
		if (!val) {
			bw_kmsfile_fail(err, "not a valid encrypted file: context value is not UTF-8");
			rc = -1;
			goto done;
		}
		if (json_object_set_new(h->context, key, val) != 0) {
			bw_kmsfile_fail(err, "not a valid encrypted file: context key is not UTF-8");
			rc = -1;
			goto done;
		}
		memcpy(prev, key, klen + 1);
	}
	S_STEP(s_str(&r, BW_KMSFILE_MAX_BLOB, &p, &len, "the encrypted data key", err));
	if (len == 0) {
		bw_kmsfile_fail(err, "not a valid encrypted file: empty data key");
		rc = -1;
		goto done;
	}
	h->blob.secret = false;
	if (bw_buf_append(&h->blob, p, len) != 0) {
		bw_kmsfile_fail(err, "out of memory");
		rc = -1;
		goto done;
	}
	*used = r.pos;
	rc = 0;
done:
	if (rc != 0)
		bw_kmsfile_header_clean_up(h);
	if (rc == 1 && in.len >= BW_KMSFILE_MAX_HEADER) {
		bw_kmsfile_fail(err, "not a valid encrypted file: header longer than %d bytes",
		                BW_KMSFILE_MAX_HEADER);
		rc = -1;
	}
	if (rc == 1)
		bw_kmsfile_fail(err, "the encrypted file is truncated (in its header)");
	return rc;
}

void bw_kmsfile_chunk_nonce(const uint8_t prefix[BW_KMSFILE_NONCE_LEN], uint64_t index,
                            uint8_t nonce_out[BW_KMSFILE_NONCE_LEN])
{
	memcpy(nonce_out, prefix, BW_KMSFILE_NONCE_LEN);
	for (int i = 0; i < 8; i++)
		nonce_out[BW_KMSFILE_NONCE_LEN - 1 - i] ^= (uint8_t)(index >> (8 * i));
}

void bw_kmsfile_chunk_aad(const uint8_t header_hash[BW_KMSFILE_HASH_LEN], uint64_t index,
                          bool final, uint8_t aad_out[BW_KMSFILE_AAD_LEN])
{
	memcpy(aad_out, header_hash, BW_KMSFILE_HASH_LEN);
	for (int i = 0; i < 8; i++)
		aad_out[BW_KMSFILE_HASH_LEN + i] = (uint8_t)(index >> (56 - 8 * i));
	aad_out[BW_KMSFILE_HASH_LEN + 8] = final ? 1 : 0;
}

int bw_kmsfile_context_build(const char *const *pairs, size_t n, json_t **out,
                             struct bw_kmsfile_error *err)
{
	*out = NULL;
	json_t *ctx = json_object();
	if (!ctx || json_object_set_new(ctx, BW_KMSFILE_CONTEXT_FORMAT_KEY,
	                                json_string(BW_KMSFILE_CONTEXT_FORMAT_V1)) != 0) {
		bw_kmsfile_fail(err, "out of memory");
		goto error;
	}
	if (n + 1 > BW_KMSFILE_MAX_PAIRS) {
		bw_kmsfile_fail(err, "too many --context pairs (at most %d)", BW_KMSFILE_MAX_PAIRS - 1);
		goto error;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(pairs[i], '=');
		size_t klen = eq ? (size_t)(eq - pairs[i]) : 0;
		if (!eq || klen == 0) {
			bw_kmsfile_fail(err, "--context '%s': expected KEY=VALUE", pairs[i]);
			goto error;
		}
		if (klen > BW_KMSFILE_MAX_CONTEXT_STR || strlen(eq + 1) > BW_KMSFILE_MAX_CONTEXT_STR) {
			bw_kmsfile_fail(err, "--context '%.40s...': key or value longer than %d bytes",
			                pairs[i], BW_KMSFILE_MAX_CONTEXT_STR);
			goto error;
		}
		char key[BW_KMSFILE_MAX_CONTEXT_STR + 1];
		memcpy(key, pairs[i], klen);
		key[klen] = 0;
		if (strncmp(key, BW_KMSFILE_CONTEXT_RESERVED_PREFIX,
		            strlen(BW_KMSFILE_CONTEXT_RESERVED_PREFIX)) == 0) {
			bw_kmsfile_fail(err, "--context '%s': keys starting with '%s' are reserved", key,
			                BW_KMSFILE_CONTEXT_RESERVED_PREFIX);
			goto error;
		}
		if (json_object_get(ctx, key)) {
			bw_kmsfile_fail(err, "--context '%s': the key is given twice", key);
			goto error;
		}
		json_t *val = json_string(eq + 1);
		if (!val || json_object_set_new(ctx, key, val) != 0) {
			bw_kmsfile_fail(err, "--context '%s': not valid UTF-8", key);
			goto error;
		}
	}
	*out = ctx;
	return 0;
error:
	json_decref(ctx);
	return -1;
}
