/*
 * kms_sign.c: Sign and Verify with asymmetric SIGN_VERIFY keys.
 *
 * Algorithms as KMS: RSASSA_PSS_SHA_256/384/512 (MGF1 with the same hash,
 * salt length = digest length), RSASSA_PKCS1_V1_5_SHA_256/384/512,
 * ECDSA_SHA_256/384/512 (DER-encoded signatures). MessageType RAW hashes
 * the message (at most 4096 bytes) here; DIGEST takes the digest, whose
 * length must be the algorithm's. Verify needs only the public key; a bad
 * signature is KMSInvalidSignatureException, as KMS answers it.
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string.h>

#include "services/kms/kms_crypto.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

struct s_alg {
	const char *name;
	const char *md;
	size_t digest_len;
	int padding; /* RSA padding; 0 for ECDSA */
};

static const struct s_alg s_algs[] = {
    {"RSASSA_PSS_SHA_256", "SHA256", 32, RSA_PKCS1_PSS_PADDING},
    {"RSASSA_PSS_SHA_384", "SHA384", 48, RSA_PKCS1_PSS_PADDING},
    {"RSASSA_PSS_SHA_512", "SHA512", 64, RSA_PKCS1_PSS_PADDING},
    {"RSASSA_PKCS1_V1_5_SHA_256", "SHA256", 32, RSA_PKCS1_PADDING},
    {"RSASSA_PKCS1_V1_5_SHA_384", "SHA384", 48, RSA_PKCS1_PADDING},
    {"RSASSA_PKCS1_V1_5_SHA_512", "SHA512", 64, RSA_PKCS1_PADDING},
    {"ECDSA_SHA_256", "SHA256", 32, 0},
    {"ECDSA_SHA_384", "SHA384", 48, 0},
    {"ECDSA_SHA_512", "SHA512", 64, 0},
};

static const char *s_str(const json_t *in, const char *member)
{
	return json_string_value(json_object_get(in, member));
}

/* Everything Sign and Verify share: the key, the algorithm, the digest. */
struct s_req {
	json_t *key_doc;
	const struct s_alg *alg;
	uint8_t digest[EVP_MAX_MD_SIZE];
	size_t digest_len;
	const char *message_type;
};

static void s_req_clean(struct s_req *r)
{
	json_decref(r->key_doc);
	bw_cleanse(r->digest, sizeof r->digest);
}

static int s_prepare_or_fail(struct bw_call *call, const json_t *in, const char *op,
                             struct s_req *r)
{
	const char *alg = s_str(in, "SigningAlgorithm");
	struct bw_buf msg = {.secret = true};
	int rc = -1;
	memset(r, 0, sizeof *r);
	r->message_type = s_str(in, "MessageType");
	if (!r->message_type)
		r->message_type = "RAW";
	for (size_t i = 0; alg && i < sizeof s_algs / sizeof s_algs[0]; i++)
		if (strcmp(s_algs[i].name, alg) == 0)
			r->alg = &s_algs[i];
	if (!r->alg)
		/* the model's set also has SM2DSA, ML_DSA and ED25519, which bulwark
		 * does not sign with */
		return bw_fail(call, KMS_NOT_IN_ENUM, alg ? alg : "null", "signingAlgorithm", "");
	if (strcmp(r->message_type, "RAW") != 0 && strcmp(r->message_type, "DIGEST") != 0)
		/* the model's set also has EXTERNAL_MU (ML-DSA keys) */
		return bw_fail(call, KMS_NOT_IN_ENUM, r->message_type, "messageType",
		               ": [RAW, DIGEST]");
	if (bw_kms_blob_in_or_fail(call, in, "Message", 4096, true, &msg) != 0)
		goto done;
	if (bw_kms_use_key_or_fail(call, s_str(in, "KeyId"), "SIGN_VERIFY", op, &r->key_doc) != 0)
		goto done;
	if (!bw_kms_doc_has(r->key_doc, "SigningAlgorithms", alg)) {
		bw_fail(call, KMS_ALGORITHM_INVALID, "Signing", alg,
		        bw_kms_doc_str(r->key_doc, "Arn"));
		goto done;
	}
	if (strcmp(r->message_type, "DIGEST") == 0) {
		if (msg.len != r->alg->digest_len) {
			bw_fail(call, KMS_DIGEST_LENGTH, alg);
			goto done;
		}
		memcpy(r->digest, msg.data, msg.len);
		r->digest_len = msg.len;
	} else {
		unsigned int dlen = 0;
		if (EVP_Digest(msg.data, msg.len, r->digest, &dlen,
		               EVP_get_digestbyname(r->alg->md), NULL) != 1) {
			bw_fail(call, KMS_FAILED, "Digest");
			goto done;
		}
		r->digest_len = dlen;
	}
	rc = bw_kms_dry_run_or_fail(call, in);
done:
	bw_buf_free(&msg);
	return rc;
}

static EVP_PKEY_CTX *s_ctx(EVP_PKEY *pkey, const struct s_alg *alg, bool sign)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!ctx)
		return NULL;
	if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_get_digestbyname(alg->md)) != 1)
		goto error;
	if (alg->padding && EVP_PKEY_CTX_set_rsa_padding(ctx, alg->padding) != 1)
		goto error;
	if (alg->padding == RSA_PKCS1_PSS_PADDING &&
	    (EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_get_digestbyname(alg->md)) != 1))
		goto error;
	return ctx;
error:
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

static int s_common_out_or_fail(struct bw_call *call, json_t *out, const struct s_req *r)
{
	if (bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(r->key_doc, "KeyId")) != 0)
		return -1;
	if (json_object_set_new(out, "SigningAlgorithm", json_string(r->alg->name)) != 0)
		return bw_fail(call, KMS_OUT_OF_MEMORY);
	return 0;
}

int bw_kms_sign(struct bw_call *call, const json_t *in, json_t *out)
{
	struct s_req r;
	struct bw_buf priv = {.secret = true};
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t sig[1024];
	size_t sig_len = sizeof sig;
	int rc = -1;
	if (s_prepare_or_fail(call, in, "Sign", &r) != 0)
		goto done;
	if (bw_kms_open_material_or_fail(call, r.key_doc, NULL, "KMSInternalException", &priv,
	                                 NULL) != 0)
		goto done;
	pkey = bw_kms_pkey_private(bw_cur_from(priv.data, priv.len));
	ctx = pkey ? s_ctx(pkey, r.alg, true) : NULL;
	if (!ctx || EVP_PKEY_sign(ctx, sig, &sig_len, r.digest, r.digest_len) != 1) {
		bw_fail(call, KMS_FAILED, "Signing");
		goto done;
	}
	if (bw_kms_blob_out_or_fail(call, out, "Signature", sig, sig_len, false) != 0 ||
	    s_common_out_or_fail(call, out, &r) != 0)
		goto done;
	rc = 0;
done:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	bw_buf_free(&priv);
	s_req_clean(&r);
	return rc;
}

int bw_kms_verify(struct bw_call *call, const json_t *in, json_t *out)
{
	struct s_req r;
	struct bw_buf sig = {0};
	json_t *mdoc = NULL;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	char path[128];
	int rc = -1;
	if (s_prepare_or_fail(call, in, "Verify", &r) != 0)
		goto done;
	if (bw_kms_blob_in_or_fail(call, in, "Signature", 6144, true, &sig) != 0)
		goto done;
	snprintf(path, sizeof path, "%s/%s", bw_kms_doc_str(r.key_doc, "KeyId"),
	         bw_kms_doc_str(r.key_doc, "CurrentMaterialId"));
	if (bw_doc_get(call->store, BW_KMS_MATERIAL, call->account_id, path, &mdoc) !=
	        BW_STORE_OK ||
	    !(pkey = bw_kms_pkey_public(mdoc)) || !(ctx = s_ctx(pkey, r.alg, false))) {
		bw_fail(call, KMS_UNREADABLE, "public key");
		goto done;
	}
	/* 1 valid; 0 or a negative value (a malformed DER signature): not valid */
	if (EVP_PKEY_verify(ctx, sig.data, sig.len, r.digest, r.digest_len) != 1) {
		/* AWS answers it with no message (json_codec.c leaves it out) */
		bw_fail(call, KMS_INVALID_SIGNATURE);
		goto done;
	}
	if (json_object_set_new(out, "SignatureValid", json_true()) != 0 ||
	    s_common_out_or_fail(call, out, &r) != 0)
		goto done;
	rc = 0;
done:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	json_decref(mdoc);
	bw_buf_free(&sig);
	s_req_clean(&r);
	return rc;
}
