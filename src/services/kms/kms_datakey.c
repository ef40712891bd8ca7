/*
 * kms_datakey.c: GenerateDataKey(WithoutPlaintext) and
 * GenerateDataKeyPair(WithoutPlaintext). Data keys are fresh random bytes
 * (or a fresh RSA/EC key pair) encrypted under a symmetric KMS key into
 * the blob of kms_ciphertext.h; the plaintext halves are secret buffers
 * wiped as soon as they are encoded.
 */
#include <openssl/rand.h>
#include <string.h>

#include "services/kms/kms_ciphertext.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"

#define S_MAX_DATA_KEY 1024

static const char *s_str(const json_t *in, const char *member)
{
	return json_string_value(json_object_get(in, member));
}

/* The symmetric ENCRYPT_DECRYPT key the request names. */
static int s_sym_key_or_fail(struct bw_call *call, const json_t *in, const char *op,
                             json_t **key_doc)
{
	if (bw_kms_use_key_or_fail(call, s_str(in, "KeyId"), "ENCRYPT_DECRYPT", op, key_doc) != 0)
		return -1;
	if (strcmp(bw_kms_doc_str(*key_doc, "KeySpec"), "SYMMETRIC_DEFAULT") != 0) {
		bw_fail(call, KMS_KEY_SPEC_INVALID,
		        bw_kms_doc_str(*key_doc, "Arn"), bw_kms_doc_str(*key_doc, "KeySpec"), op);
		json_decref(*key_doc);
		*key_doc = NULL;
		return -1;
	}
	return 0;
}

static int s_data_key(struct bw_call *call, const json_t *in, json_t *out, bool with_plaintext,
                      const char *op)
{
	const json_t *nbytes = json_object_get(in, "NumberOfBytes");
	const char *spec = s_str(in, "KeySpec");
	struct bw_buf key = {.secret = true}, blob = {0};
	json_t *key_doc = NULL;
	char mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1] = "";
	size_t len = 0;
	int rc = -1;
	if (json_object_get(in, "Recipient"))
		return bw_fail(
		    call, KMS_RECIPIENT_UNSUPPORTED);
	if (nbytes && spec)
		return bw_fail(call, KMS_BYTES_AND_SPEC);
	if (!nbytes && !spec)
		return bw_fail(call, KMS_BYTES_OR_SPEC);
	/* the validator holds KeySpec to the model's [AES_256, AES_128] and
	 * NumberOfBytes to 1..1024; the bound here only guards the buffer */
	if (spec) {
		len = strcmp(spec, "AES_128") == 0 ? 16 : 32;
	} else {
		json_int_t n = json_integer_value(nbytes);
		if (!json_is_integer(nbytes) || n < 1 || n > S_MAX_DATA_KEY)
			return bw_fail(call, BW_ERR_REQUIRED_MISSING, "NumberOfBytes");
		len = (size_t)n;
	}
	if (s_sym_key_or_fail(call, in, op, &key_doc) != 0 || bw_kms_dry_run_or_fail(call, in) != 0)
		goto done;
	if (bw_buf_reserve(&key, len) != 0 || RAND_priv_bytes(key.data, (int)len) != 1) {
		bw_fail(call, KMS_FAILED, "The random generator");
		goto done;
	}
	key.len = len;
	if (bw_kms_sym_encrypt_or_fail(call, key_doc, json_object_get(in, "EncryptionContext"),
	                               bw_cur_from(key.data, key.len), &blob, mid) != 0)
		goto done;
	if (bw_kms_blob_out_or_fail(call, out, "CiphertextBlob", blob.data, blob.len, false) != 0 ||
	    (with_plaintext &&
	     bw_kms_blob_out_or_fail(call, out, "Plaintext", key.data, key.len, true) != 0) ||
	    bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0)
		goto done;
	if (json_object_set_new(out, "KeyMaterialId", json_string(mid)) != 0)
		goto done;
	rc = 0;
done:
	bw_buf_free(&key);
	bw_buf_free(&blob);
	json_decref(key_doc);
	return rc;
}

int bw_kms_generate_data_key(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_data_key(call, in, out, true, "GenerateDataKey");
}

int bw_kms_generate_data_key_without_plaintext(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_data_key(call, in, out, false, "GenerateDataKeyWithoutPlaintext");
}

static int s_data_key_pair(struct bw_call *call, const json_t *in, json_t *out, bool with_plaintext,
                           const char *op)
{
	const char *pair_spec = s_str(in, "KeyPairSpec");
	const struct bw_kms_spec *spec = bw_kms_spec_find(pair_spec);
	struct bw_buf priv = {.secret = true}, pub = {0}, blob = {0};
	json_t *key_doc = NULL;
	char mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1] = "";
	int rc = -1;
	if (json_object_get(in, "Recipient"))
		return bw_fail(
		    call, KMS_RECIPIENT_UNSUPPORTED);
	if (!spec || (spec->kind != BW_KMS_SPEC_RSA && spec->kind != BW_KMS_SPEC_EC))
		return bw_fail(call, KMS_NOT_IN_ENUM, pair_spec ? pair_spec : "null", "keyPairSpec",
		               ": [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, "
		               "ECC_NIST_P521, ECC_SECG_P256K1]");
	if (s_sym_key_or_fail(call, in, op, &key_doc) != 0 || bw_kms_dry_run_or_fail(call, in) != 0)
		goto done;
	if (bw_kms_keygen_asym(spec, &priv, &pub) != 0) {
		bw_fail(call, KMS_FAILED, "Key pair generation");
		goto done;
	}
	if (bw_kms_sym_encrypt_or_fail(call, key_doc, json_object_get(in, "EncryptionContext"),
	                               bw_cur_from(priv.data, priv.len), &blob, mid) != 0)
		goto done;
	if (bw_kms_blob_out_or_fail(call, out, "PrivateKeyCiphertextBlob", blob.data, blob.len,
	                            false) != 0 ||
	    (with_plaintext && bw_kms_blob_out_or_fail(call, out, "PrivateKeyPlaintext", priv.data,
	                                               priv.len, true) != 0) ||
	    bw_kms_blob_out_or_fail(call, out, "PublicKey", pub.data, pub.len, false) != 0 ||
	    bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0)
		goto done;
	if (json_object_set_new(out, "KeyPairSpec", json_string(pair_spec)) != 0 ||
	    json_object_set_new(out, "KeyMaterialId", json_string(mid)) != 0)
		goto done;
	rc = 0;
done:
	bw_buf_free(&priv);
	bw_buf_free(&pub);
	bw_buf_free(&blob);
	json_decref(key_doc);
	return rc;
}

int bw_kms_generate_data_key_pair(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_data_key_pair(call, in, out, true, "GenerateDataKeyPair");
}

int bw_kms_generate_data_key_pair_without_plaintext(struct bw_call *call, const json_t *in,
                                                    json_t *out)
{
	return s_data_key_pair(call, in, out, false, "GenerateDataKeyPairWithoutPlaintext");
}
