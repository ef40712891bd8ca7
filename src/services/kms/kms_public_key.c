/*
 * kms_public_key.c: GetPublicKey — the DER SubjectPublicKeyInfo of an
 * asymmetric key, with what a caller needs to use it outside KMS (spec,
 * usage, algorithms: Encryption, Signing or KeyAgreementAlgorithms, as
 * the key's usage has). Symmetric and HMAC keys have none.
 */
#include <string.h>

#include "services/kms/kms_crypto.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

int bw_kms_get_public_key(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *key_doc = NULL, *mdoc = NULL;
	char path[128];
	int rc = -1;
	if (bw_kms_use_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")), NULL,
	                           "GetPublicKey", &key_doc) != 0)
		return -1;
	const char *family = bw_kms_doc_str(key_doc, "KeySpec");
	if (strncmp(family, "RSA_", 4) != 0 && strncmp(family, "ECC_", 4) != 0) {
		bw_fail(call, KMS_PUBLIC_KEY_UNSUPPORTED, bw_kms_doc_str(key_doc, "Arn"), family);
		goto done;
	}
	snprintf(path, sizeof path, "%s/%s", bw_kms_doc_str(key_doc, "KeyId"),
	         bw_kms_doc_str(key_doc, "CurrentMaterialId"));
	const char *pub = NULL;
	if (bw_doc_get(call->store, BW_KMS_MATERIAL, call->account_id, path, &mdoc) !=
	        BW_STORE_OK ||
	    !(pub = json_string_value(json_object_get(mdoc, "PublicKey")))) {
		bw_fail(call, KMS_UNREADABLE, "public key");
		goto done;
	}
	if (bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0)
		goto done;
	static const char *const copy[] = {"KeySpec", "KeyUsage", "EncryptionAlgorithms",
	                                   "SigningAlgorithms", "KeyAgreementAlgorithms"};
	if (json_object_set_new(out, "PublicKey", json_string(pub)) != 0 ||
	    json_object_set_new(out, "CustomerMasterKeySpec", json_string(family)) != 0)
		goto oom;
	for (size_t i = 0; i < sizeof copy / sizeof copy[0]; i++) {
		json_t *v = json_object_get(key_doc, copy[i]);
		if (v && json_object_set(out, copy[i], v) != 0)
			goto oom;
	}
	rc = 0;
	goto done;
oom:
	bw_fail(call, KMS_OUT_OF_MEMORY);
done:
	json_decref(mdoc);
	json_decref(key_doc);
	return rc;
}
