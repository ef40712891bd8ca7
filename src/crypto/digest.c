/* digest.c: SHA-256 and HMAC-SHA256 with their algorithms fetched once. */
#include "crypto/digest.h"

#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static EVP_MD *s_sha256;
/* An HMAC context with its digest set and no key: each MAC duplicates it
 * and keys the copy, which needs no lookup. */
static EVP_MAC_CTX *s_hmac_template;

static void s_fetch(void)
{
	s_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac); /* the context holds its own reference */
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (ctx && EVP_MAC_CTX_set_params(ctx, params) == 1)
		s_hmac_template = ctx;
	else
		EVP_MAC_CTX_free(ctx);
}

const EVP_MD *bw_sha256(void)
{
	pthread_once(&s_once, s_fetch);
	return s_sha256;
}

bool bw_sha256_digest(const void *data, size_t len, uint8_t out[32])
{
	static const uint8_t empty = 0;
	const EVP_MD *md = bw_sha256();
	unsigned int n = 0;
	return md && EVP_Digest(len ? data : &empty, len, out, &n, md, NULL) == 1 && n == 32;
}

EVP_MAC_CTX *bw_hmac_sha256_keyed(const void *key, size_t key_len)
{
	static const uint8_t empty = 0;
	pthread_once(&s_once, s_fetch);
	EVP_MAC_CTX *ctx = s_hmac_template ? EVP_MAC_CTX_dup(s_hmac_template) : NULL;
	if (ctx && EVP_MAC_init(ctx, key_len ? key : &empty, key_len, NULL) == 1)
		return ctx;
	EVP_MAC_CTX_free(ctx);
	return NULL;
}

bool bw_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                    uint8_t out[32])
{
	static const uint8_t empty = 0;
	pthread_once(&s_once, s_fetch);
	if (!s_hmac_template)
		return false;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(s_hmac_template);
	size_t n = 0;
	bool ok = ctx && EVP_MAC_init(ctx, key_len ? key : &empty, key_len, NULL) == 1 &&
	          EVP_MAC_update(ctx, len ? data : &empty, len) == 1 &&
	          EVP_MAC_final(ctx, out, &n, 32) == 1 && n == 32;
	EVP_MAC_CTX_free(ctx);
	return ok;
}
