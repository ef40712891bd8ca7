/*
 * kms_ciphertext.c: the KMS symmetric ciphertext blob (layout in
 * kms_ciphertext.h): a strict parser, the canonical encryption context,
 * and sealing/opening with AES-256-GCM.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "services/kms/kms_ciphertext.h"

static const char s_hex[] = "0123456789abcdef";

static int s_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 8-4-4-4-12 lower-case hex, or "mrk-" and 32 lower-case hex (a
 * multi-Region key): the only key id forms a blob may carry. */
static int s_check_uuid(const uint8_t *p)
{
	if (memcmp(p, "mrk-", 4) == 0) {
		for (size_t i = 4; i < BW_KMS_CT_KEY_ID_LEN; i++)
			if (s_hexval((char)p[i]) < 0)
				return -1;
		return 0;
	}
	for (size_t i = 0; i < BW_KMS_CT_KEY_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? p[i] != '-' : s_hexval((char)p[i]) < 0)
			return -1;
	}
	return 0;
}

int bw_kms_ct_parse(struct bw_cur blob, struct bw_kms_ct *out)
{
	memset(out, 0, sizeof *out);
	if (!blob.ptr || blob.len < BW_KMS_CT_MIN_LEN || blob.len > BW_KMS_CT_MAX_LEN)
		return -1;
	const uint8_t *p = blob.ptr;
	if (p[0] != BW_KMS_CT_VERSION || s_check_uuid(p + 1) != 0)
		return -1;
	memcpy(out->key_id, p + 1, BW_KMS_CT_KEY_ID_LEN);
	out->key_id[BW_KMS_CT_KEY_ID_LEN] = 0;
	const uint8_t *mid = p + 1 + BW_KMS_CT_KEY_ID_LEN;
	for (size_t i = 0; i < BW_KMS_CT_MATERIAL_LEN; i++) {
		out->material_id[2 * i] = s_hex[mid[i] >> 4];
		out->material_id[2 * i + 1] = s_hex[mid[i] & 15];
	}
	out->material_id[2 * BW_KMS_CT_MATERIAL_LEN] = 0;
	size_t ct_len = blob.len - BW_KMS_CT_MIN_LEN;
	out->header = bw_cur_from(p, BW_KMS_CT_HEADER_LEN);
	out->iv = bw_cur_from(mid + BW_KMS_CT_MATERIAL_LEN, BW_KMS_CT_IV_LEN);
	out->ciphertext = bw_cur_from(p + BW_KMS_CT_HEADER_LEN, ct_len);
	out->tag = bw_cur_from(p + BW_KMS_CT_HEADER_LEN + ct_len, BW_KMS_CT_TAG_LEN);
	return 0;
}

struct s_pair {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
};

static int s_pair_cmp(const void *a, const void *b)
{
	const struct s_pair *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	if (c)
		return c;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len ? 1 : 0;
}

static int s_put_u32(struct bw_buf *out, size_t v)
{
	if (v > UINT32_MAX)
		return -1;
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return bw_buf_append(out, b, sizeof b);
}

int bw_kms_ct_context(const json_t *ctx, struct bw_buf *out)
{
	if (!ctx || json_is_null(ctx))
		return s_put_u32(out, 0);
	if (!json_is_object(ctx))
		return -1;
	size_t n = json_object_size(ctx), i = 0;
	struct s_pair *pairs = n ? calloc(n, sizeof *pairs) : NULL;
	if (n && !pairs)
		return -1;
	const char *k;
	size_t klen, total = 0;
	json_t *v;
	int rc = -1;
	json_object_keylen_foreach((json_t *)ctx, k, klen, v)
	{
		if (!json_is_string(v) || i >= n)
			goto done;
		pairs[i++] = (struct s_pair){k, klen, json_string_value(v), json_string_length(v)};
		total += klen + json_string_length(v);
	}
	/* the API refuses a larger context before it is authorized
	 * (bw_kms_context_or_fail); no blob binds one either way */
	if (total > BW_KMS_CONTEXT_MAX_BYTES)
		goto done;
	if (n)
		qsort(pairs, n, sizeof *pairs, s_pair_cmp);
	if (s_put_u32(out, n) != 0)
		goto done;
	for (i = 0; i < n; i++)
		if (s_put_u32(out, pairs[i].key_len) != 0 ||
		    bw_buf_append(out, pairs[i].key, pairs[i].key_len) != 0 ||
		    s_put_u32(out, pairs[i].val_len) != 0 ||
		    bw_buf_append(out, pairs[i].val, pairs[i].val_len) != 0)
			goto done;
	rc = 0;
done:
	free(pairs);
	return rc;
}

static int s_gcm(bool enc, struct bw_cur key, struct bw_cur iv, struct bw_cur aad, struct bw_cur in,
                 uint8_t *out, uint8_t *tag)
{
	const EVP_CIPHER *cipher = key.len == 16   ? EVP_aes_128_gcm()
	                           : key.len == 24 ? EVP_aes_192_gcm()
	                           : key.len == 32 ? EVP_aes_256_gcm()
	                                           : NULL;
	if (!cipher || iv.len != BW_KMS_CT_IV_LEN || in.len > INT32_MAX || aad.len > INT32_MAX)
		return -1;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len, rc = -1;
	if (!ctx || EVP_CipherInit_ex(ctx, cipher, NULL, key.ptr, iv.ptr, enc ? 1 : 0) != 1)
		goto done;
	if (aad.len && EVP_CipherUpdate(ctx, NULL, &len, aad.ptr, (int)aad.len) != 1)
		goto done;
	if (in.len && EVP_CipherUpdate(ctx, out, &len, in.ptr, (int)in.len) != 1)
		goto done;
	if (enc) {
		if (EVP_CipherFinal_ex(ctx, out + in.len, &len) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, BW_KMS_CT_TAG_LEN, tag) != 1)
			goto done;
	} else {
		if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, BW_KMS_CT_TAG_LEN, tag) != 1 ||
		    EVP_CipherFinal_ex(ctx, out + in.len, &len) != 1) {
			/* never leave unauthenticated plaintext behind */
			if (in.len)
				bw_cleanse(out, in.len);
			goto done;
		}
	}
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int bw_kms_aes_gcm_encrypt(struct bw_cur key, struct bw_cur iv, struct bw_cur aad, struct bw_cur pt,
                           uint8_t *ct_out, uint8_t tag[BW_KMS_CT_TAG_LEN])
{
	return s_gcm(true, key, iv, aad, pt, ct_out, tag);
}

int bw_kms_aes_gcm_decrypt(struct bw_cur key, struct bw_cur iv, struct bw_cur aad, struct bw_cur ct,
                           const uint8_t tag[BW_KMS_CT_TAG_LEN], uint8_t *pt_out)
{
	return s_gcm(false, key, iv, aad, ct, pt_out, (uint8_t *)tag);
}

int bw_kms_ct_seal(struct bw_cur key, const char *key_id, const char *material_id,
                   const json_t *ctx, struct bw_cur plaintext, struct bw_buf *out)
{
	if (key.len != 32 || !key_id || !material_id || plaintext.len > BW_KMS_CT_MAX_PLAINTEXT ||
	    strlen(key_id) != BW_KMS_CT_KEY_ID_LEN || s_check_uuid((const uint8_t *)key_id) != 0 ||
	    strlen(material_id) != 2 * BW_KMS_CT_MATERIAL_LEN)
		return -1;
	uint8_t header[BW_KMS_CT_HEADER_LEN];
	header[0] = BW_KMS_CT_VERSION;
	memcpy(header + 1, key_id, BW_KMS_CT_KEY_ID_LEN);
	uint8_t *mid = header + 1 + BW_KMS_CT_KEY_ID_LEN;
	for (size_t i = 0; i < BW_KMS_CT_MATERIAL_LEN; i++) {
		int hi = s_hexval(material_id[2 * i]), lo = s_hexval(material_id[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		mid[i] = (uint8_t)(hi << 4 | lo);
	}
	uint8_t *iv = mid + BW_KMS_CT_MATERIAL_LEN;
	if (RAND_bytes(iv, BW_KMS_CT_IV_LEN) != 1)
		return -1;
	struct bw_buf aad = {0};
	int rc = -1;
	if (bw_buf_append(&aad, header, sizeof header) != 0 || bw_kms_ct_context(ctx, &aad) != 0)
		goto done;
	size_t start = out->len;
	if (bw_buf_reserve(out, sizeof header + plaintext.len + BW_KMS_CT_TAG_LEN) != 0)
		goto done;
	memcpy(out->data + start, header, sizeof header);
	uint8_t *ct = out->data + start + sizeof header;
	if (bw_kms_aes_gcm_encrypt(key, bw_cur_from(iv, BW_KMS_CT_IV_LEN),
	                           bw_cur_from(aad.data, aad.len), plaintext, ct,
	                           ct + plaintext.len) != 0)
		goto done;
	out->len = start + sizeof header + plaintext.len + BW_KMS_CT_TAG_LEN;
	out->data[out->len] = 0;
	rc = 0;
done:
	bw_buf_free(&aad);
	return rc;
}

int bw_kms_ct_open(struct bw_cur key, const struct bw_kms_ct *ct, const json_t *ctx,
                   struct bw_buf *out)
{
	out->secret = true;
	if (key.len != 32 || ct->header.len != BW_KMS_CT_HEADER_LEN ||
	    ct->tag.len != BW_KMS_CT_TAG_LEN || ct->ciphertext.len > BW_KMS_CT_MAX_PLAINTEXT)
		return -1;
	struct bw_buf aad = {0};
	int rc = -1;
	if (bw_buf_append(&aad, ct->header.ptr, ct->header.len) != 0 ||
	    bw_kms_ct_context(ctx, &aad) != 0 || bw_buf_reserve(out, ct->ciphertext.len) != 0)
		goto done;
	if (bw_kms_aes_gcm_decrypt(key, ct->iv, bw_cur_from(aad.data, aad.len), ct->ciphertext,
	                           ct->tag.ptr, out->data + out->len) != 0)
		goto done;
	out->len += ct->ciphertext.len;
	out->data[out->len] = 0;
	rc = 0;
done:
	bw_buf_free(&aad);
	return rc;
}
