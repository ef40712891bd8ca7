/* seal.c: AES-256-GCM sealing under keys derived from the root key. */
#include "crypto/seal.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define S_VERSION 0x01
#define S_NONCE 12
#define S_TAG 16

/* Algorithms fetched once: an implicit fetch on every call costs more than
 * the sealing itself in OpenSSL 3. Freed at exit. */
static EVP_KDF *g_hkdf;
static EVP_CIPHER *g_gcm;
static pthread_once_t g_fetch_once = PTHREAD_ONCE_INIT;

static void s_release(void)
{
	EVP_KDF_free(g_hkdf);
	EVP_CIPHER_free(g_gcm);
}

static void s_fetch(void)
{
	g_hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	g_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	atexit(s_release);
}

int bw_root_key_derive(const struct bw_root_key *rk, const char *info, uint8_t *out, size_t len)
{
	if (!rk || !rk->loaded || !info || !out || len == 0)
		return -1;
	pthread_once(&g_fetch_once, s_fetch);
	if (!g_hkdf)
		return -1;
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(g_hkdf);
	if (!ctx)
		return -1;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)rk->key,
		                                  sizeof rk->key),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
		OSSL_PARAM_construct_end(),
	};
	int rc = EVP_KDF_derive(ctx, out, len, params) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(ctx);
	if (rc != 0)
		bw_cleanse(out, len);
	return rc;
}

/* HKDF-SHA256(root, info = "bulwark/seal/v1/<purpose>") -> 32 bytes. */
static int s_derive(const struct bw_root_key *rk, const char *purpose, uint8_t out[32])
{
	pthread_once(&g_fetch_once, s_fetch);
	if (!g_gcm)
		return -1;
	char info[160];
	int n = snprintf(info, sizeof info, "bulwark/seal/v1/%s", purpose);
	if (n < 0 || (size_t)n >= sizeof info)
		return -1;
	return bw_root_key_derive(rk, info, out, 32);
}

int bw_seal(const struct bw_root_key *rk, const char *purpose, struct bw_cur aad,
            struct bw_cur plaintext, struct bw_buf *out)
{
	uint8_t key[32];
	EVP_CIPHER_CTX *ctx = NULL;
	int rc = -1, len;
	if (plaintext.len > INT32_MAX - BW_SEAL_OVERHEAD || aad.len > INT32_MAX)
		return -1;
	if (s_derive(rk, purpose, key) != 0)
		goto done;
	if (bw_buf_reserve(out, plaintext.len + BW_SEAL_OVERHEAD) != 0)
		goto done;
	uint8_t *p = out->data + out->len;
	p[0] = S_VERSION;
	if (RAND_bytes(p + 1, S_NONCE) != 1)
		goto done;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_EncryptInit_ex(ctx, g_gcm, NULL, key, p + 1) != 1)
		goto done;
	if (aad.len && EVP_EncryptUpdate(ctx, NULL, &len, aad.ptr, (int)aad.len) != 1)
		goto done;
	uint8_t *ct = p + 1 + S_NONCE;
	if (plaintext.len &&
	    EVP_EncryptUpdate(ctx, ct, &len, plaintext.ptr, (int)plaintext.len) != 1)
		goto done;
	if (EVP_EncryptFinal_ex(ctx, ct + plaintext.len, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, S_TAG, ct + plaintext.len) != 1)
		goto done;
	out->len += plaintext.len + BW_SEAL_OVERHEAD;
	out->data[out->len] = 0;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	bw_cleanse(key, sizeof key);
	return rc;
}

int bw_unseal(const struct bw_root_key *rk, const char *purpose, struct bw_cur aad,
              struct bw_cur sealed, struct bw_buf *plaintext)
{
	uint8_t key[32];
	EVP_CIPHER_CTX *ctx = NULL;
	int rc = -1, len;
	plaintext->secret = true;
	if (sealed.len < BW_SEAL_OVERHEAD || sealed.ptr[0] != S_VERSION ||
	    sealed.len > INT32_MAX || aad.len > INT32_MAX)
		return -1;
	size_t ct_len = sealed.len - BW_SEAL_OVERHEAD;
	const uint8_t *nonce = sealed.ptr + 1, *ct = nonce + S_NONCE, *tag = ct + ct_len;
	if (s_derive(rk, purpose, key) != 0 || bw_buf_reserve(plaintext, ct_len) != 0)
		goto done;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_DecryptInit_ex(ctx, g_gcm, NULL, key, nonce) != 1)
		goto done;
	if (aad.len && EVP_DecryptUpdate(ctx, NULL, &len, aad.ptr, (int)aad.len) != 1)
		goto done;
	uint8_t *pt = plaintext->data + plaintext->len;
	if (ct_len && EVP_DecryptUpdate(ctx, pt, &len, ct, (int)ct_len) != 1)
		goto done;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, S_TAG, (void *)tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + ct_len, &len) != 1) {
		bw_cleanse(pt, ct_len); /* never hand out unauthenticated bytes */
		goto done;
	}
	plaintext->len += ct_len;
	plaintext->data[plaintext->len] = 0;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	bw_cleanse(key, sizeof key);
	return rc;
}
