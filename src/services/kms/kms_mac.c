/*
 * kms_mac.c: GenerateMac and VerifyMac with HMAC keys
 * (HMAC_SHA_224/256/384/512), and the HMAC primitive (RFC 2104 through
 * OpenSSL's EVP_MAC). VerifyMac compares in constant time; a MAC that does
 * not match is KMSInvalidMacException, as KMS answers it.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <string.h>

#include "services/kms/kms_crypto.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_resolve.h"

int bw_kms_hmac(const char *md, struct bw_cur key, struct bw_cur msg, uint8_t *out, size_t *out_len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
	    OSSL_PARAM_construct_end(),
	};
	int rc = -1;
	if (!ctx || !key.ptr || EVP_MAC_init(ctx, key.ptr, key.len, params) != 1 ||
	    EVP_MAC_update(ctx, msg.ptr, msg.len) != 1 ||
	    EVP_MAC_final(ctx, out, out_len, EVP_MAX_MD_SIZE) != 1)
		goto done;
	rc = 0;
done:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

/* "HMAC_SHA_256" -> "SHA256" */
static const char *s_md(const char *alg)
{
	static const char *const map[][2] = {{"HMAC_SHA_224", "SHA224"},
	                                     {"HMAC_SHA_256", "SHA256"},
	                                     {"HMAC_SHA_384", "SHA384"},
	                                     {"HMAC_SHA_512", "SHA512"}};
	for (size_t i = 0; alg && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], alg) == 0)
			return map[i][1];
	return NULL;
}

/* The MAC of the request's Message under its key: into mac/mac_len. */
static int s_mac_or_fail(struct bw_call *call, const json_t *in, const char *op, json_t **key_doc,
                         uint8_t *mac, size_t *mac_len)
{
	const char *alg = json_string_value(json_object_get(in, "MacAlgorithm"));
	const char *md = s_md(alg);
	struct bw_buf msg = {.secret = true}, key = {.secret = true};
	int rc = -1;
	*key_doc = NULL;
	/* MacAlgorithm is required and held to the model's enum by the validator */
	if (!md)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "MacAlgorithm");
	if (bw_kms_blob_in_or_fail(call, in, "Message", 4096, true, &msg) != 0)
		goto done;
	if (bw_kms_use_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                           "GENERATE_VERIFY_MAC", op, key_doc) != 0)
		goto done;
	if (!bw_kms_doc_has(*key_doc, "MacAlgorithms", alg)) {
		bw_fail(call, KMS_ALGORITHM_INVALID, "MAC", alg, bw_kms_doc_str(*key_doc, "Arn"));
		goto done;
	}
	if (bw_kms_dry_run_or_fail(call, in) != 0)
		goto done;
	if (bw_kms_open_material_or_fail(call, *key_doc, NULL, "KMSInternalException", &key,
	                                 NULL) != 0)
		goto done;
	if (bw_kms_hmac(md, bw_cur_from(key.data, key.len), bw_cur_from(msg.data, msg.len), mac,
	                mac_len) != 0) {
		bw_fail(call, KMS_FAILED, "HMAC");
		goto done;
	}
	rc = 0;
done:
	if (rc != 0) {
		json_decref(*key_doc);
		*key_doc = NULL;
	}
	bw_buf_free(&msg);
	bw_buf_free(&key);
	return rc;
}

int bw_kms_generate_mac(struct bw_call *call, const json_t *in, json_t *out)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t mac_len = 0;
	json_t *key_doc = NULL;
	int rc = -1;
	if (s_mac_or_fail(call, in, "GenerateMac", &key_doc, mac, &mac_len) != 0)
		return -1;
	if (bw_kms_blob_out_or_fail(call, out, "Mac", mac, mac_len, false) != 0 ||
	    bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0 ||
	    json_object_set(out, "MacAlgorithm", json_object_get(in, "MacAlgorithm")) != 0)
		goto done;
	rc = 0;
done:
	json_decref(key_doc);
	return rc;
}

int bw_kms_verify_mac(struct bw_call *call, const json_t *in, json_t *out)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t mac_len = 0;
	json_t *key_doc = NULL;
	struct bw_buf given = {0};
	int rc = -1;
	if (bw_kms_blob_in_or_fail(call, in, "Mac", 6144, true, &given) != 0)
		goto done;
	if (s_mac_or_fail(call, in, "VerifyMac", &key_doc, mac, &mac_len) != 0)
		goto done;
	if (given.len != mac_len || !bw_ct_equal(given.data, mac, mac_len)) {
		/* AWS answers it with no message (json_codec.c leaves it out) */
		bw_fail(call, KMS_INVALID_MAC);
		goto done;
	}
	if (json_object_set_new(out, "MacValid", json_true()) != 0 ||
	    bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0 ||
	    json_object_set(out, "MacAlgorithm", json_object_get(in, "MacAlgorithm")) != 0)
		goto done;
	rc = 0;
done:
	bw_cleanse(mac, sizeof mac);
	bw_buf_free(&given);
	json_decref(key_doc);
	return rc;
}
