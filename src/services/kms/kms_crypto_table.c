/*
 * kms_crypto_table.c: the operation table of the KMS cryptographic
 * operations (bw_kms_crypto_ops, listed by kms.c) and the resource locator
 * of the ones that may name their key only inside a ciphertext blob.
 *
 * Every row is authorized by KMS's own decision (bw_kms_authorize: key
 * policy, IAM policies, grants — kms_authz.h). Decrypt without KeyId is
 * authorized on the key the blob names, as AWS does. ReEncrypt's row names
 * kms:ReEncryptFrom on the source key (the blob's); bw_kms_authorize also
 * asks kms:ReEncryptTo on the destination key.
 */
#include <string.h>

#include "core/encoding.h"
#include "services/kms/kms_authz.h"
#include "services/kms/kms_ciphertext.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_ops.h"
#include "services/kms/kms_resolve.h"

/* The ARN of the key a blob names, or "*" when it names none we can read. */
static int s_blob_key_arn(struct bw_call *call, const json_t *blob, struct bw_resource *res)
{
	const char *b64 = json_string_value(blob);
	struct bw_buf raw = {0};
	struct bw_kms_ct ct;
	int rc;
	if (b64 && bw_base64_decode(b64, json_string_length(blob), &raw) == 0 &&
	    bw_kms_ct_parse(bw_cur_from(raw.data, raw.len), &ct) == 0)
		rc = bw_kms_key_id_resource(call, ct.key_id, res);
	else
		rc = bw_buf_append_str(&res->arn, "*");
	bw_buf_free(&raw);
	return rc;
}

static int s_decrypt_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	if (json_is_string(json_object_get(in, "KeyId")))
		return bw_kms_key_resource(call, in, res);
	return s_blob_key_arn(call, json_object_get(in, "CiphertextBlob"), res);
}

static int s_re_encrypt_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *src = json_string_value(json_object_get(in, "SourceKeyId"));
	if (!src)
		return s_blob_key_arn(call, json_object_get(in, "CiphertextBlob"), res);
	return bw_kms_key_id_resource(call, src, res);
}

static const struct bw_op_impl s_ops[] = {
    {"Decrypt", bw_kms_decrypt, "kms:Decrypt", s_decrypt_resource, true,
     .authorize = bw_kms_authorize},
    {"DeleteImportedKeyMaterial", bw_kms_delete_imported_key_material,
     "kms:DeleteImportedKeyMaterial", bw_kms_key_resource, false, .authorize = bw_kms_authorize},
    {"DeriveSharedSecret", bw_kms_derive_shared_secret, "kms:DeriveSharedSecret",
     bw_kms_key_resource, true, .authorize = bw_kms_authorize},
    {"Encrypt", bw_kms_encrypt, "kms:Encrypt", bw_kms_key_resource, true,
     .authorize = bw_kms_authorize},
    {"GenerateDataKey", bw_kms_generate_data_key, "kms:GenerateDataKey", bw_kms_key_resource, true,
     .authorize = bw_kms_authorize},
    {"GenerateDataKeyPair", bw_kms_generate_data_key_pair, "kms:GenerateDataKeyPair",
     bw_kms_key_resource, true, .authorize = bw_kms_authorize},
    {"GenerateDataKeyPairWithoutPlaintext", bw_kms_generate_data_key_pair_without_plaintext,
     "kms:GenerateDataKeyPairWithoutPlaintext", bw_kms_key_resource, true,
     .authorize = bw_kms_authorize},
    {"GenerateDataKeyWithoutPlaintext", bw_kms_generate_data_key_without_plaintext,
     "kms:GenerateDataKeyWithoutPlaintext", bw_kms_key_resource, true,
     .authorize = bw_kms_authorize},
    {"GenerateMac", bw_kms_generate_mac, "kms:GenerateMac", bw_kms_key_resource, true,
     .authorize = bw_kms_authorize},
    {"GetParametersForImport", bw_kms_get_parameters_for_import, "kms:GetParametersForImport",
     bw_kms_key_resource, false, .authorize = bw_kms_authorize},
    {"GetPublicKey", bw_kms_get_public_key, "kms:GetPublicKey", bw_kms_key_resource, true,
     .authorize = bw_kms_authorize},
    {"ImportKeyMaterial", bw_kms_import_key_material, "kms:ImportKeyMaterial", bw_kms_key_resource,
     false, .authorize = bw_kms_authorize},
    {"ReEncrypt", bw_kms_re_encrypt, "kms:ReEncryptFrom", s_re_encrypt_resource, true,
     .authorize = bw_kms_authorize},
    {"Sign", bw_kms_sign, "kms:Sign", bw_kms_key_resource, true, .authorize = bw_kms_authorize},
    {"Verify", bw_kms_verify, "kms:Verify", bw_kms_key_resource, true,
     .authorize = bw_kms_authorize},
    {"VerifyMac", bw_kms_verify_mac, "kms:VerifyMac", bw_kms_key_resource, true,
     .authorize = bw_kms_authorize},
};

const struct bw_op_table bw_kms_crypto_ops = BW_OP_TABLE(s_ops);
