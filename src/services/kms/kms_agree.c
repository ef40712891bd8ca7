/*
 * kms_agree.c: DeriveSharedSecret — ECDH between the private key of a
 * KEY_AGREEMENT KMS key (ECC_NIST_P256/P384/P521) and a peer's public key.
 *
 * AWS: "DeriveSharedSecret uses the Elliptic Curve Cryptography Cofactor
 * Diffie-Hellman Primitive (ECDH)" (NIST SP 800-56A r3, 5.7.1.2) and
 * "returns the raw shared secret": the x-coordinate of the shared point,
 * as many bytes as the field (32, 48, 66). The NIST curves have cofactor
 * 1, so the cofactor primitive and plain ECDH agree; we ask OpenSSL for
 * the cofactor mode anyway, as the standard names it.
 *
 * The peer's key is "a DER-encoded X.509 public key, also known as
 * SubjectPublicKeyInfo": it must decode whole (no trailing bytes), be an
 * EC key on the KMS key's own named curve, and pass OpenSSL's full public
 * key check (a point on the curve, not the identity, of the group's
 * order) — an invalid point is how small-subgroup and invalid-curve
 * attacks extract a private key, so it is refused before any derivation.
 * Anything else is ValidationException, as AWS answers a malformed
 * PublicKey.
 *
 * The secret leaves only in the response: the record of the call keeps no
 * responseElements of an output holding a blob (gateway/record.c), and the
 * request's PublicKey, a blob, is redacted from requestParameters.
 * Recipient (Nitro Enclaves attestation) cannot be honoured here:
 * UnsupportedOperationException, as for Decrypt and GenerateDataKey.
 */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "services/kms/kms_crypto.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_ops.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"

/* The peer's key as a blob: the model's PublicKeyType is 1..8192 bytes. */
#define S_PUBLIC_KEY_MAX 8192

const char *bw_kms_ecdh_error_message(enum bw_kms_ecdh_error e)
{
	switch (e) {
	case BW_KMS_ECDH_OK:
		return "";
	case BW_KMS_ECDH_NOT_SPKI:
		return "PublicKey is not a valid DER-encoded X.509 SubjectPublicKeyInfo.";
	case BW_KMS_ECDH_NOT_EC:
		return "PublicKey is not an elliptic curve public key.";
	case BW_KMS_ECDH_WRONG_CURVE:
		return "PublicKey is not on the same elliptic curve as the KMS key.";
	case BW_KMS_ECDH_BAD_POINT:
		return "PublicKey is not a valid point on its elliptic curve.";
	case BW_KMS_ECDH_INTERNAL:
		break;
	}
	return "The shared secret could not be derived.";
}

/* The named group of an EC key ("prime256v1"); false when it has none
 * (explicit parameters) or is not EC. */
static bool s_group(EVP_PKEY *pkey, char *name, size_t len)
{
	size_t got = 0;
	return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, len, &got) ==
	           1 &&
	       got > 0;
}

static enum bw_kms_ecdh_error s_peer(EVP_PKEY *priv, struct bw_cur der, EVP_PKEY **peer)
{
	char mine[64], theirs[64];
	*peer = NULL;
	if (!der.ptr || der.len == 0 || der.len > S_PUBLIC_KEY_MAX)
		return BW_KMS_ECDH_NOT_SPKI;
	const unsigned char *p = der.ptr;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)der.len);
	if (!k || p != (const unsigned char *)der.ptr + der.len) {
		EVP_PKEY_free(k);
		return BW_KMS_ECDH_NOT_SPKI;
	}
	enum bw_kms_ecdh_error e = BW_KMS_ECDH_OK;
	EVP_PKEY_CTX *ctx = NULL;
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)
		e = BW_KMS_ECDH_NOT_EC;
	else if (!s_group(priv, mine, sizeof mine))
		e = BW_KMS_ECDH_INTERNAL;
	else if (!s_group(k, theirs, sizeof theirs) || strcmp(mine, theirs) != 0)
		e = BW_KMS_ECDH_WRONG_CURVE;
	else if (!(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)))
		e = BW_KMS_ECDH_INTERNAL;
	else if (EVP_PKEY_public_check(ctx) != 1)
		e = BW_KMS_ECDH_BAD_POINT;
	EVP_PKEY_CTX_free(ctx);
	if (e != BW_KMS_ECDH_OK) {
		EVP_PKEY_free(k);
		return e;
	}
	*peer = k;
	return BW_KMS_ECDH_OK;
}

enum bw_kms_ecdh_error bw_kms_ecdh(EVP_PKEY *priv, struct bw_cur peer_der, struct bw_buf *secret)
{
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = 0;
	secret->secret = true;
	if (!priv)
		return BW_KMS_ECDH_INTERNAL;
	enum bw_kms_ecdh_error e = s_peer(priv, peer_der, &peer);
	if (e != BW_KMS_ECDH_OK)
		return e;
	e = BW_KMS_ECDH_INTERNAL;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_ecdh_cofactor_mode(ctx, 1) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) != 1 ||
	    EVP_PKEY_derive(ctx, NULL, &len) != 1 || len == 0 || len > 66 ||
	    bw_buf_reserve(secret, len) != 0)
		goto done;
	if (EVP_PKEY_derive(ctx, secret->data, &len) != 1) {
		bw_cleanse(secret->data, len);
		goto done;
	}
	secret->len = len;
	e = BW_KMS_ECDH_OK;
done:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return e;
}

static int s_key_or_fail(struct bw_call *call, const json_t *in, json_t **key_doc)
{
	const char *alg = json_string_value(json_object_get(in, "KeyAgreementAlgorithm"));
	/* the model's enum is [ECDH]: the validator refused any other */
	if (!alg)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "KeyAgreementAlgorithm");
	if (json_object_get(in, "Recipient"))
		return bw_fail(
		    call, KMS_RECIPIENT_UNSUPPORTED);
	if (bw_kms_use_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                           "KEY_AGREEMENT", "DeriveSharedSecret", key_doc) != 0)
		return -1;
	if (!bw_kms_doc_has(*key_doc, "KeyAgreementAlgorithms", alg))
		return bw_fail(call, KMS_ALGORITHM_INVALID, "Key agreement", alg,
		               bw_kms_doc_str(*key_doc, "Arn"));
	return 0;
}

int bw_kms_derive_shared_secret(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *key_doc = NULL;
	struct bw_buf peer = {0}, priv = {.secret = true}, secret = {.secret = true};
	EVP_PKEY *pkey = NULL;
	int rc = -1;
	if (s_key_or_fail(call, in, &key_doc) != 0 ||
	    bw_kms_blob_in_or_fail(call, in, "PublicKey", S_PUBLIC_KEY_MAX, true, &peer) != 0 ||
	    bw_kms_open_material_or_fail(call, key_doc, NULL, "KMSInternalException", &priv,
	                                 NULL) != 0)
		goto done;
	pkey = bw_kms_pkey_private(bw_cur_from(priv.data, priv.len));
	enum bw_kms_ecdh_error e = bw_kms_ecdh(pkey, bw_cur_from(peer.data, peer.len), &secret);
	if (e == BW_KMS_ECDH_INTERNAL) {
		bw_fail(call, KMS_INTERNAL_REASON, bw_kms_ecdh_error_message(e));
		goto done;
	}
	if (e != BW_KMS_ECDH_OK) {
		bw_fail(call, KMS_PUBLIC_KEY_INVALID, bw_kms_ecdh_error_message(e));
		goto done;
	}
	/* a dry run answers only once everything a real call checks has passed */
	if (bw_kms_dry_run_or_fail(call, in) != 0 ||
	    bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0 ||
	    bw_kms_blob_out_or_fail(call, out, "SharedSecret", secret.data, secret.len, true) != 0)
		goto done;
	if (json_object_set_new(out, "KeyAgreementAlgorithm", json_string("ECDH")) != 0 ||
	    json_object_set_new(out, "KeyOrigin", json_string(bw_kms_doc_str(key_doc, "Origin"))) !=
	        0) {
		bw_fail(call, KMS_OUT_OF_MEMORY);
		goto done;
	}
	rc = 0;
done:
	EVP_PKEY_free(pkey);
	bw_buf_free(&secret);
	bw_buf_free(&priv);
	bw_buf_free(&peer);
	json_decref(key_doc);
	return rc;
}
