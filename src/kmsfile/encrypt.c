/*
 * encrypt.c: the encrypting stream of `bulwark kms encrypt-file`: a data key
 * from the key provider, the header, then the plaintext in AES-256-GCM
 * chunks (format.c), in constant memory whatever the file's size. The
 * plaintext data key lives in a secret buffer only until the cipher context
 * holds it, and the context is freed (cleansed by OpenSSL) as soon as the
 * last chunk is sealed.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "kmsfile/kmsfile.h"

/* Read up to n bytes (fewer only at the end of the input). */
static int s_fill(FILE *in, uint8_t *buf, size_t n, size_t *got, struct bw_kmsfile_error *err)
{
	*got = 0;
	while (*got < n) {
		size_t r = fread(buf + *got, 1, n - *got, in);
		*got += r;
		if (r == 0)
			break;
	}
	if (ferror(in)) {
		bw_kmsfile_fail(err, "cannot read the input file");
		return -1;
	}
	return 0;
}

/* Is the input at its end? (Looks one byte ahead.) */
static bool s_at_end(FILE *in)
{
	int c = getc(in);
	if (c == EOF)
		return true;
	ungetc(c, in);
	return false;
}

static int s_write(FILE *out, const void *p, size_t n, struct bw_kmsfile_error *err)
{
	if (n > 0 && fwrite(p, 1, n, out) != n) {
		bw_kmsfile_fail(err, "cannot write the output file");
		return -1;
	}
	return 0;
}

/* Seal one chunk into ct (same length as pt) and tag. */
static int s_seal(EVP_CIPHER_CTX *ctx, const struct bw_kmsfile_header *h,
                  const uint8_t hash[BW_KMSFILE_HASH_LEN], uint64_t index, bool final,
                  const uint8_t *pt, size_t len, uint8_t *ct, uint8_t tag[BW_KMSFILE_TAG_LEN])
{
	uint8_t nonce[BW_KMSFILE_NONCE_LEN], aad[BW_KMSFILE_AAD_LEN];
	int outl = 0;
	bw_kmsfile_chunk_nonce(h->nonce_prefix, index, nonce);
	bw_kmsfile_chunk_aad(hash, index, final, aad);
	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)sizeof aad) != 1)
		return -1;
	if (len > 0 && EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)len) != 1)
		return -1;
	if (EVP_EncryptFinal_ex(ctx, ct + len, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, BW_KMSFILE_TAG_LEN, tag) != 1)
		return -1;
	return 0;
}

int bw_kmsfile_encrypt_stream(FILE *in, FILE *out, const struct bw_kmsfile_encrypt_opts *o,
                              const struct bw_kmsfile_keys *keys, struct bw_kmsfile_error *err)
{
	struct bw_kmsfile_header h = {.version = BW_KMSFILE_VERSION,
	                              .suite = BW_KMSFILE_SUITE_AES256GCM};
	struct bw_buf key = {.secret = true}, arn = {0}, head = {0};
	uint8_t *pt = NULL, *ct = NULL;
	uint8_t hash[BW_KMSFILE_HASH_LEN], tag[BW_KMSFILE_TAG_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	int rc = -1;
	h.chunk_size = o->chunk_size ? o->chunk_size : BW_KMSFILE_DEFAULT_CHUNK;
	if (!o->key_id || !*o->key_id || !json_is_object(o->context) ||
	    h.chunk_size > BW_KMSFILE_MAX_CHUNK) {
		bw_kmsfile_fail(err, "encrypt: a key id, an encryption context and a chunk size of "
		                     "at most 16 MiB are required");
		return -1;
	}
	if (!(pt = malloc(h.chunk_size)) || !(ct = malloc(h.chunk_size)) ||
	    !(h.context = json_deep_copy(o->context))) {
		bw_kmsfile_fail(err, "out of memory");
		goto error;
	}
	if (keys->generate(keys->ctx, o->key_id, o->context, &key, &h.blob, &arn, err) != 0)
		goto error;
	if (key.len != BW_KMSFILE_KEY_LEN || arn.len == 0 || arn.len > BW_KMSFILE_MAX_ARN) {
		bw_kmsfile_fail(err, "KMS returned a data key of %zu bytes (expected %d) or no key ARN",
		                key.len, BW_KMSFILE_KEY_LEN);
		goto error;
	}
	memcpy(h.key_arn, arn.data, arn.len);
	h.key_arn[arn.len] = 0;
	if (RAND_bytes(h.nonce_prefix, BW_KMSFILE_NONCE_LEN) != 1) {
		bw_kmsfile_fail(err, "the random number generator failed");
		goto error;
	}
	if (bw_kmsfile_header_encode(&h, &head, err) != 0)
		goto error;
	if (EVP_Digest(head.data, head.len, hash, NULL, EVP_sha256(), NULL) != 1 ||
	    !(ctx = EVP_CIPHER_CTX_new()) ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key.data, NULL) != 1) {
		bw_kmsfile_fail(err, "the cipher could not be set up");
		goto error;
	}
	bw_buf_free(&key); /* the context holds the key schedule from here on */
	if (s_write(out, head.data, head.len, err) != 0)
		goto error;
	for (uint64_t index = 0;; index++) {
		size_t got;
		if (s_fill(in, pt, h.chunk_size, &got, err) != 0)
			goto error;
		bool final = got < h.chunk_size || s_at_end(in);
		if (ferror(in)) {
			bw_kmsfile_fail(err, "cannot read the input file");
			goto error;
		}
		if (index >= UINT32_MAX) {
			bw_kmsfile_fail(err, "the file is too large for its chunk size");
			goto error;
		}
		if (s_seal(ctx, &h, hash, index, final, pt, got, ct, tag) != 0) {
			bw_kmsfile_fail(err, "encryption failed at chunk %llu", (unsigned long long)index);
			goto error;
		}
		if (s_write(out, ct, got, err) != 0 || s_write(out, tag, sizeof tag, err) != 0)
			goto error;
		if (final)
			break;
	}
	/* the last chunk is sealed: the data key goes now, before the output is flushed */
	EVP_CIPHER_CTX_free(ctx);
	ctx = NULL;
	if (fflush(out) != 0 || ferror(out)) {
		bw_kmsfile_fail(err, "cannot write the output file");
		goto error;
	}
	rc = 0;
error:
	EVP_CIPHER_CTX_free(ctx);
	bw_buf_free(&key);
	if (pt)
		bw_cleanse(pt, h.chunk_size);
	free(pt);
	free(ct);
	bw_buf_free(&arn);
	bw_buf_free(&head);
	bw_kmsfile_header_clean_up(&h);
	return rc;
}
