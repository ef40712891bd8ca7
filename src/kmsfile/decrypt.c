/*
 * decrypt.c: the decrypting stream of `bulwark kms decrypt-file`: parse and
 * check the header, have the key provider (KMS Decrypt) open the data key
 * under the stored encryption context, then open each chunk and write it
 * only once its tag is verified. Any failure names the chunk and whether
 * the file was cut short, extended or modified; the caller removes what was
 * written (paths.c).
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "kmsfile/kmsfile.h"

/* The input: the bytes read past the header first, then the file. */
struct s_reader {
	FILE *f;
	const uint8_t *pend;
	size_t pend_len;
};

static int s_fill(struct s_reader *r, uint8_t *buf, size_t n, size_t *got,
                  struct bw_kmsfile_error *err)
{
	*got = 0;
	size_t take = r->pend_len < n ? r->pend_len : n;
	if (take > 0) {
		memcpy(buf, r->pend, take);
		r->pend += take;
		r->pend_len -= take;
		*got = take;
	}
	while (*got < n) {
		size_t k = fread(buf + *got, 1, n - *got, r->f);
		*got += k;
		if (k == 0)
			break;
	}
	if (ferror(r->f)) {
		bw_kmsfile_fail(err, "cannot read the encrypted file");
		return -1;
	}
	return 0;
}

static bool s_at_end(struct s_reader *r)
{
	if (r->pend_len > 0)
		return false;
	int c = getc(r->f);
	if (c == EOF)
		return true;
	ungetc(c, r->f);
	return false;
}

/* Read and parse the header; hbuf keeps its bytes (and any read past it). */
static int s_read_header(FILE *in, struct bw_buf *hbuf, struct bw_kmsfile_header *h,
                         size_t *used, struct bw_kmsfile_error *err)
{
	for (;;) {
		uint8_t tmp[4096];
		size_t k = fread(tmp, 1, sizeof tmp, in);
		if (ferror(in)) {
			bw_kmsfile_fail(err, "cannot read the encrypted file");
			return -1;
		}
		if (k > 0 && bw_buf_append(hbuf, tmp, k) != 0) {
			bw_kmsfile_fail(err, "out of memory");
			return -1;
		}
		int rc = bw_kmsfile_header_decode(bw_cur_from(hbuf->data, hbuf->len), h, used, err);
		if (rc <= 0)
			return rc;
		if (k == 0)
			return -1; /* the end came inside the header: err says truncated */
	}
}

/* Every "k=v" the user requires must be in the file's context. */
static int s_check_required(const json_t *context, const char *const *required, size_t n,
                            struct bw_kmsfile_error *err)
{
	const char *fmt = json_string_value(json_object_get(context, BW_KMSFILE_CONTEXT_FORMAT_KEY));
	if (!fmt || strcmp(fmt, BW_KMSFILE_CONTEXT_FORMAT_V1) != 0) {
		bw_kmsfile_fail(err, "not a valid encrypted file: its encryption context lacks "
		                     "%s=%s", BW_KMSFILE_CONTEXT_FORMAT_KEY, BW_KMSFILE_CONTEXT_FORMAT_V1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(required[i], '=');
		if (!eq || eq == required[i]) {
			bw_kmsfile_fail(err, "--context '%s': expected KEY=VALUE", required[i]);
			return -1;
		}
		size_t klen = (size_t)(eq - required[i]);
		const char *have = NULL;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)context, k, v) {
			if (strlen(k) == klen && memcmp(k, required[i], klen) == 0)
				have = json_string_value(v);
		}
		if (!have || strcmp(have, eq + 1) != 0) {
			bw_kmsfile_fail(err, "the file's encryption context does not match --context "
			                     "'%s' (%s)", required[i],
			                have ? "it holds another value" : "it has no such key");
			return -1;
		}
	}
	return 0;
}

/* Open one chunk of len ciphertext bytes + tag into pt. 0 when authentic. */
static int s_open(EVP_CIPHER_CTX *ctx, const struct bw_kmsfile_header *h,
                  const uint8_t hash[BW_KMSFILE_HASH_LEN], uint64_t index, bool final,
                  const uint8_t *ct, size_t len, uint8_t *pt)
{
	uint8_t nonce[BW_KMSFILE_NONCE_LEN], aad[BW_KMSFILE_AAD_LEN], tag[BW_KMSFILE_TAG_LEN];
	int outl = 0;
	memcpy(tag, ct + len, sizeof tag);
	bw_kmsfile_chunk_nonce(h->nonce_prefix, index, nonce);
	bw_kmsfile_chunk_aad(hash, index, final, aad);
	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)sizeof aad) != 1)
		return -1;
	if (len > 0 && EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)len) != 1)
		return -1;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, BW_KMSFILE_TAG_LEN, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + len, &outl) != 1)
		return -1;
	return 0;
}

int bw_kmsfile_decrypt_stream(FILE *in, FILE *out, const char *const *required, size_t n,
                              const struct bw_kmsfile_keys *keys, struct bw_kmsfile_error *err)
{
	struct bw_kmsfile_header h = {0};
	struct bw_buf hbuf = {0}, key = {.secret = true};
	uint8_t *ct = NULL, *pt = NULL, hash[BW_KMSFILE_HASH_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	size_t used = 0;
	int rc = -1;
	if (s_read_header(in, &hbuf, &h, &used, err) != 0)
		goto error;
	if (s_check_required(h.context, required, n, err) != 0)
		goto error;
	size_t frame = (size_t)h.chunk_size + BW_KMSFILE_TAG_LEN;
	if (!(ct = malloc(frame)) || !(pt = malloc(h.chunk_size))) {
		bw_kmsfile_fail(err, "out of memory");
		goto error;
	}
	if (keys->decrypt(keys->ctx, h.key_arn, h.context, bw_cur_from(h.blob.data, h.blob.len),
	                  &key, err) != 0)
		goto error;
	if (key.len != BW_KMSFILE_KEY_LEN) {
		bw_kmsfile_fail(err, "KMS returned a data key of %zu bytes (expected %d)", key.len,
		                BW_KMSFILE_KEY_LEN);
		goto error;
	}
	if (EVP_Digest(hbuf.data, used, hash, NULL, EVP_sha256(), NULL) != 1 ||
	    !(ctx = EVP_CIPHER_CTX_new()) ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key.data, NULL) != 1) {
		bw_kmsfile_fail(err, "the cipher could not be set up");
		goto error;
	}
	bw_buf_free(&key);
	struct s_reader rd = {.f = in, .pend = hbuf.data + used, .pend_len = hbuf.len - used};
	for (uint64_t index = 0;; index++) {
		size_t got;
		if (s_fill(&rd, ct, frame, &got, err) != 0)
			goto error;
		bool final = s_at_end(&rd);
		if (got < BW_KMSFILE_TAG_LEN) {
			bw_kmsfile_fail(err, "the encrypted file is truncated (chunk %llu is %s)",
			                (unsigned long long)index, got ? "cut short" : "missing");
			goto error;
		}
		size_t len = got - BW_KMSFILE_TAG_LEN;
		if (s_open(ctx, &h, hash, index, final, ct, len, pt) != 0) {
			/* Why? Sealed with the other final flag means cut or extended. */
			if (len == h.chunk_size && final && s_open(ctx, &h, hash, index, false, ct, len, pt) == 0)
				bw_kmsfile_fail(err, "the encrypted file is truncated: it ends after chunk "
				                     "%llu, which is not the last one",
				                (unsigned long long)index);
			else if (!final && s_open(ctx, &h, hash, index, true, ct, len, pt) == 0)
				bw_kmsfile_fail(err, "the encrypted file was extended: data follows its last "
				                     "chunk (%llu)", (unsigned long long)index);
			else
				bw_kmsfile_fail(err, "chunk %llu failed authentication: the file was modified "
				                     "(header or body), its chunks reordered or cut",
				                (unsigned long long)index);
			goto error;
		}
		if (len > 0 && fwrite(pt, 1, len, out) != len) {
			bw_kmsfile_fail(err, "cannot write the output file");
			goto error;
		}
		if (final)
			break;
		if (index >= UINT32_MAX) {
			bw_kmsfile_fail(err, "the encrypted file has too many chunks");
			goto error;
		}
	}
	EVP_CIPHER_CTX_free(ctx); /* the data key goes as soon as the last chunk is open */
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
	bw_buf_free(&hbuf);
	bw_kmsfile_header_clean_up(&h);
	return rc;
}
