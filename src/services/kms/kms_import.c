/*
 * kms_import.c: customer-provided key material (Origin EXTERNAL):
 * GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial.
 *
 * GetParametersForImport makes a fresh RSA wrapping key; its private half
 * is sealed in kms/import under a random token id, which is the opaque
 * ImportToken (its 32 raw bytes; the document key is their hex), valid 24
 * hours. ImportKeyMaterial unwraps with it — RSAES_OAEP_SHA_1/SHA_256, or
 * RSA_AES_KEY_WRAP_SHA_1/SHA_256 (an RSA-OAEP-wrapped ephemeral AES-256
 * key followed by the material under AES key wrap with padding, RFC 5649,
 * as KMS defines it) — checks the length for the key spec and seals the
 * material like generated material, under the MaterialId its bytes make
 * (bw_kms_material_import_id, keyed by the root key). That id outlives
 * DeleteImportedKeyMaterial, which drops only the sealed bytes: a re-import
 * must make the same id (compared in constant time) — the same bytes — and
 * then lands where it was, so ciphertexts naming it decrypt again. Expiry
 * (ValidTo) is checked when the key is used (bw_kms_check_key_or_fail), so
 * no timer is needed.
 *
 * Only symmetric (SYMMETRIC_DEFAULT) and HMAC keys take imported material
 * here; asymmetric imports are refused with UnsupportedOperationException.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_PURPOSE     "kms/import-wrapping-key"
#define S_TOKEN_BYTES 32
#define S_VALID_S     86400.0

static const char *s_str(const json_t *in, const char *member)
{
	return json_string_value(json_object_get(in, member));
}

static int s_internal(struct bw_call *call)
{
	return bw_fail_status(call, 500, "KMSInternalException",
	                      "An internal error occurred in KMS");
}

/* The EXTERNAL key the request names, not pending deletion. */
static int s_external_key_or_fail(struct bw_call *call, const json_t *in, json_t **key_doc)
{
	if (bw_kms_resolve_key_or_fail(call, s_str(in, "KeyId"), key_doc) != 0)
		return -1;
	const char *arn = bw_kms_doc_str(*key_doc, "Arn");
	int rc = 0;
	if (strcmp(bw_kms_doc_str(*key_doc, "Origin"), "EXTERNAL") != 0)
		rc = bw_fail(call, "UnsupportedOperationException",
		             "%s origin is %s which is not valid for this operation.", arn,
		             bw_kms_doc_str(*key_doc, "Origin"));
	else if (strcmp(bw_kms_doc_str(*key_doc, "KeyState"), "PendingDeletion") == 0)
		rc = bw_fail(call, "KMSInvalidStateException", "%s is pending deletion.", arn);
	else if (strcmp(bw_kms_doc_str(*key_doc, "KeyState"), "Disabled") == 0 &&
	         !json_object_get(*key_doc, "CurrentMaterialId"))
		rc = bw_fail(call, "KMSInvalidStateException", "%s is disabled.", arn);
	if (rc != 0) {
		json_decref(*key_doc);
		*key_doc = NULL;
	}
	return rc;
}

static int s_aad(const struct bw_call *call, const char *token_hex, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s|%s", call->account_id, token_hex);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int bw_kms_get_parameters_for_import(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *wspec = s_str(in, "WrappingKeySpec"), *walg = s_str(in, "WrappingAlgorithm");
	const struct bw_kms_spec *spec = bw_kms_spec_find(wspec);
	struct bw_buf priv = {.secret = true}, pub = {0}, sealed = {0}, sealed64 = {0}, hex = {0};
	json_t *key_doc = NULL, *doc = NULL;
	uint8_t token[S_TOKEN_BYTES];
	char aad[128];
	int rc = -1;
	if (!spec || spec->kind != BW_KMS_SPEC_RSA)
		return bw_fail(
		    call, "ValidationException",
		    "1 validation error detected: Value '%s' at 'wrappingKeySpec' failed "
		    "to satisfy constraint: Member must satisfy enum value set: [RSA_2048, "
		    "RSA_3072, RSA_4096]",
		    wspec ? wspec : "null");
	if (!walg ||
	    (strcmp(walg, "RSAES_OAEP_SHA_1") != 0 && strcmp(walg, "RSAES_OAEP_SHA_256") != 0 &&
	     strcmp(walg, "RSA_AES_KEY_WRAP_SHA_1") != 0 &&
	     strcmp(walg, "RSA_AES_KEY_WRAP_SHA_256") != 0))
		return bw_fail(call, "UnsupportedOperationException",
		               "Wrapping algorithm %s is not supported by bulwark.",
		               walg ? walg : "null");
	if (s_external_key_or_fail(call, in, &key_doc) != 0)
		return -1;
	if (!bw_kms_spec_find(bw_kms_doc_str(key_doc, "KeySpec")) ||
	    bw_kms_spec_find(bw_kms_doc_str(key_doc, "KeySpec"))->kind == BW_KMS_SPEC_RSA ||
	    bw_kms_spec_find(bw_kms_doc_str(key_doc, "KeySpec"))->kind == BW_KMS_SPEC_EC) {
		bw_fail(call, "UnsupportedOperationException",
		        "Importing %s key material is not supported by bulwark.",
		        bw_kms_doc_str(key_doc, "KeySpec"));
		goto done;
	}
	if (RAND_bytes(token, sizeof token) != 1 || bw_hex_encode(token, sizeof token, &hex) != 0 ||
	    s_aad(call, bw_buf_cstr(&hex), aad, sizeof aad) != 0) {
		s_internal(call);
		goto done;
	}
	if (bw_kms_keygen_asym(spec, &priv, &pub) != 0 ||
	    bw_seal(call->root_key, S_PURPOSE, bw_cur_str(aad), bw_cur_from(priv.data, priv.len),
	            &sealed) != 0 ||
	    bw_base64_encode(sealed.data, sealed.len, &sealed64) != 0) {
		s_internal(call);
		goto done;
	}
	double valid_to = call->now_s + S_VALID_S;
	doc = json_pack("{s:s, s:s, s:s, s:s, s:f}", "KeyId", bw_kms_doc_str(key_doc, "KeyId"),
	                "WrappingKeySpec", wspec, "WrappingAlgorithm", walg, "Sealed",
	                bw_buf_cstr(&sealed64), "ParametersValidTo", valid_to);
	if (!doc || bw_doc_create(call->store, BW_KMS_IMPORT, call->account_id, bw_buf_cstr(&hex),
	                          doc) != BW_STORE_OK) {
		s_internal(call);
		goto done;
	}
	if (bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0 ||
	    bw_kms_blob_out_or_fail(call, out, "ImportToken", token, sizeof token, false) != 0 ||
	    bw_kms_blob_out_or_fail(call, out, "PublicKey", pub.data, pub.len, false) != 0)
		goto done;
	if (json_object_set_new(out, "ParametersValidTo", json_real(valid_to)) != 0) {
		s_internal(call);
		goto done;
	}
	rc = 0;
done:
	bw_buf_free(&priv);
	bw_buf_free(&pub);
	bw_buf_free(&sealed);
	bw_buf_free(&sealed64);
	bw_buf_free(&hex);
	json_decref(doc);
	json_decref(key_doc);
	return rc;
}

/* AES key wrap with padding (RFC 5649) unwrap under a 256-bit key. */
static int s_kwp_unwrap(struct bw_cur kek, struct bw_cur in, struct bw_buf *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0, rc = -1;
	if (!ctx || kek.len != 32 || in.len < 16 || in.len > 8192 ||
	    bw_buf_reserve(out, in.len) != 0)
		goto done;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_wrap_pad(), NULL, kek.ptr, NULL) != 1 ||
	    EVP_DecryptUpdate(ctx, out->data + out->len, &len, in.ptr, (int)in.len) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out->data + out->len + len, &fin) != 1)
		goto done;
	out->len += (size_t)len + (size_t)fin;
	out->data[out->len] = 0;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Unwrap the EncryptedKeyMaterial with the token's private key. */
static int s_unwrap(EVP_PKEY *pkey, const char *walg, struct bw_cur in, struct bw_buf *material)
{
	bool sha1 = strstr(walg, "SHA_1") != NULL;
	const char *md = sha1 ? "SHA1" : "SHA256";
	if (strncmp(walg, "RSAES_OAEP_", 11) == 0)
		return bw_kms_rsa_oaep(pkey, false, md, in, material);
	size_t k = (size_t)EVP_PKEY_get_size(pkey);
	if (in.len <= k)
		return -1;
	struct bw_buf kek = {.secret = true};
	int rc = -1;
	if (bw_kms_rsa_oaep(pkey, false, md, bw_cur_from(in.ptr, k), &kek) == 0)
		rc = s_kwp_unwrap(bw_cur_from(kek.data, kek.len),
		                  bw_cur_from(in.ptr + k, in.len - k), material);
	bw_buf_free(&kek);
	return rc;
}

/* The import token document the request's ImportToken names, checked. */
static int s_token_or_fail(struct bw_call *call, const json_t *in, const json_t *key_doc,
                           json_t **token_doc, struct bw_buf *hex)
{
	struct bw_buf token = {0};
	int rc = -1;
	*token_doc = NULL;
	if (bw_kms_blob_in_or_fail(call, in, "ImportToken", 6144, true, &token) != 0)
		goto done;
	if (token.len != S_TOKEN_BYTES || bw_hex_encode(token.data, token.len, hex) != 0 ||
	    bw_doc_get(call->store, BW_KMS_IMPORT, call->account_id, bw_buf_cstr(hex), token_doc) !=
	        BW_STORE_OK ||
	    strcmp(bw_kms_doc_str(*token_doc, "KeyId"), bw_kms_doc_str(key_doc, "KeyId")) != 0) {
		bw_fail(call, "InvalidImportTokenException",
		        "The import token is invalid or is not for this key.");
		goto done;
	}
	if (call->now_s >= json_number_value(json_object_get(*token_doc, "ParametersValidTo"))) {
		bw_fail(call, "ExpiredImportTokenException",
		        "The import token has expired. Call GetParametersForImport for a "
		        "new one.");
		goto done;
	}
	rc = 0;
done:
	if (rc != 0) {
		json_decref(*token_doc);
		*token_doc = NULL;
	}
	bw_buf_free(&token);
	return rc;
}

/* ExpirationModel and ValidTo as KMS pairs them. */
static int s_expiry_or_fail(struct bw_call *call, const json_t *in, const char **model,
                            double *valid_to)
{
	const json_t *vt = json_object_get(in, "ValidTo");
	*model = s_str(in, "ExpirationModel");
	if (!*model)
		*model = vt ? "KEY_MATERIAL_EXPIRES" : "KEY_MATERIAL_DOES_NOT_EXPIRE";
	if (strcmp(*model, "KEY_MATERIAL_EXPIRES") == 0) {
		if (!json_is_number(vt))
			return bw_fail(call, "ValidationException",
			               "A ValidTo date must be set if the ExpirationModel is "
			               "KEY_MATERIAL_EXPIRES");
		*valid_to = json_number_value(vt);
		if (*valid_to <= call->now_s)
			return bw_fail(call, "ValidationException",
			               "ValidTo must be in the future.");
		return 0;
	}
	if (strcmp(*model, "KEY_MATERIAL_DOES_NOT_EXPIRE") == 0) {
		if (vt)
			return bw_fail(call, "ValidationException",
			               "A ValidTo date must not be set if the ExpirationModel is "
			               "KEY_MATERIAL_DOES_NOT_EXPIRE");
		return 0;
	}
	return bw_fail(call, "ValidationException", "ExpirationModel %s is not valid.", *model);
}

/* The material document of key_id (kms/material "<key id>/..."), a copy
 * the caller owns, or NULL when none was ever imported. An EXTERNAL key
 * holds one at most: a NEW_KEY_MATERIAL import into a key that has one is
 * refused. Read inside the caller's transaction, so two imports cannot
 * both find none. */
static int s_imported_or_fail(struct bw_call *call, const char *key_id, json_t **mdoc)
{
	char prefix[64];
	struct bw_doc_page page = {.prefix = prefix, .limit = 2};
	json_t *docs = NULL;
	bool more = false;
	*mdoc = NULL;
	snprintf(prefix, sizeof prefix, "%s/", key_id);
	if (bw_doc_list(call->store, BW_KMS_MATERIAL, call->account_id, &page, &docs, &more) !=
	        BW_STORE_OK ||
	    json_array_size(docs) > 1) {
		json_decref(docs);
		return s_internal(call);
	}
	if (json_array_size(docs) == 1 &&
	    !(*mdoc = json_deep_copy(json_object_get(json_array_get(docs, 0), "doc")))) {
		json_decref(docs);
		return s_internal(call);
	}
	json_decref(docs);
	return 0;
}

static int s_incorrect_material(struct bw_call *call)
{
	return bw_fail(call, "IncorrectKeyMaterialException",
	               "The key material does not match the key material previously imported "
	               "into this KMS key.");
}

/*
 * Whether material is the material prev holds or held, compared in
 * constant time. By the id its bytes make: prev's ImportId, else its
 * MaterialId. Material imported before ids were computed has a random
 * MaterialId and, while it is still there, no ImportId: its bytes are
 * compared then.
 */
static int s_same_material_or_fail(struct bw_call *call, const char *key_id, const json_t *prev,
                                   struct bw_cur material, const char *import_id)
{
	const char *want = bw_kms_doc_str(prev, "ImportId");
	if (!*want)
		want = bw_kms_doc_str(prev, "MaterialId");
	bool same = strlen(want) == BW_KMS_MATERIAL_ID_LEN &&
	            bw_ct_equal(want, import_id, BW_KMS_MATERIAL_ID_LEN);
	if (!same && !json_object_get(prev, "ImportId") && json_object_get(prev, "Sealed")) {
		struct bw_buf current = {.secret = true};
		if (bw_kms_material_open(call->root_key, call->account_id, key_id, prev,
		                         &current) != 0) {
			bw_buf_free(&current);
			return s_internal(call);
		}
		same = current.len == material.len &&
		       bw_ct_equal(current.data, material.ptr, material.len);
		bw_buf_free(&current);
	}
	return same ? 0 : s_incorrect_material(call);
}

/*
 * The material document a successful import writes, under the id mid:
 * sealed anew (the bytes are the same; only the seal's nonce changes),
 * ImportState IMPORTED, and for material imported before ids were
 * computed the id its bytes make (ImportId), kept for when it is deleted.
 */
static int s_material_doc(struct bw_call *call, const char *key_id, const char *mid,
                          const char *import_id, const json_t *prev, struct bw_cur material,
                          json_t **mdoc)
{
	if (bw_kms_material_seal_as(call->root_key, call->account_id, key_id, mid, material,
	                            bw_cur_from(NULL, 0), "EXTERNAL", mdoc) != 0)
		return s_internal(call);
	int ok = json_object_set_new(*mdoc, "ImportState", json_string("IMPORTED")) == 0;
	if (ok && prev && json_object_get(prev, "CreateDate"))
		ok = json_object_set(*mdoc, "CreateDate", json_object_get(prev, "CreateDate")) == 0;
	if (ok && strcmp(mid, import_id) != 0)
		ok = json_object_set_new(*mdoc, "ImportId", json_string(import_id)) == 0;
	return ok ? 0 : s_internal(call);
}

/*
 * ImportKeyMaterial. AWS: "After you successfully import key material into
 * a KMS key, you can reimport the same key material into that KMS key, but
 * you cannot import different key material" — also after
 * DeleteImportedKeyMaterial, which keeps the material's record. The same
 * bytes go back under the same MaterialId, so what was encrypted before
 * decrypts again. ImportType NEW_KEY_MATERIAL (the default of a first
 * import) adds a material to a key that has one only for on-demand rotation
 * of imported keys, which this server does not do: refused then.
 */
int bw_kms_import_key_material(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *key_doc = NULL, *token_doc = NULL, *mdoc = NULL, *prev = NULL;
	struct bw_buf hex = {0}, wrapped = {0}, material = {.secret = true}, sealed = {0},
	              priv = {.secret = true};
	EVP_PKEY *pkey = NULL;
	const char *model = NULL, *type = s_str(in, "ImportType");
	const char *want_mid = s_str(in, "KeyMaterialId");
	double valid_to = 0;
	char aad[128], path[128],
	    mid[BW_KMS_MATERIAL_ID_LEN + 1] = "", import_id[BW_KMS_MATERIAL_ID_LEN + 1] = "";
	bool in_txn = false;
	int rc = -1;
	if (type && strcmp(type, "NEW_KEY_MATERIAL") != 0 &&
	    strcmp(type, "EXISTING_KEY_MATERIAL") != 0)
		return bw_fail(call, "ValidationException",
		               "1 validation error detected: Value '%s' at 'importType' failed to "
		               "satisfy constraint: Member must satisfy enum value set: "
		               "[NEW_KEY_MATERIAL, EXISTING_KEY_MATERIAL]",
		               type);
	if (type && strcmp(type, "NEW_KEY_MATERIAL") == 0 && want_mid)
		return bw_fail(call, "ValidationException",
		               "A KeyMaterialId cannot be given with ImportType NEW_KEY_MATERIAL.");
	if (s_expiry_or_fail(call, in, &model, &valid_to) != 0)
		return -1;
	if (s_external_key_or_fail(call, in, &key_doc) != 0)
		return -1;
	if (s_token_or_fail(call, in, key_doc, &token_doc, &hex) != 0 ||
	    bw_kms_blob_in_or_fail(call, in, "EncryptedKeyMaterial", 6144, true, &wrapped) != 0)
		goto done;
	const char *sealed64 = bw_kms_doc_str(token_doc, "Sealed");
	if (s_aad(call, bw_buf_cstr(&hex), aad, sizeof aad) != 0 ||
	    bw_base64_decode(sealed64, strlen(sealed64), &sealed) != 0 ||
	    bw_unseal(call->root_key, S_PURPOSE, bw_cur_str(aad),
	              bw_cur_from(sealed.data, sealed.len), &priv) != 0 ||
	    !(pkey = bw_kms_pkey_private(bw_cur_from(priv.data, priv.len)))) {
		s_internal(call);
		goto done;
	}
	if (s_unwrap(pkey, bw_kms_doc_str(token_doc, "WrappingAlgorithm"),
	             bw_cur_from(wrapped.data, wrapped.len), &material) != 0) {
		bw_fail(call, "InvalidCiphertextException",
		        "The EncryptedKeyMaterial could not be unwrapped with this import "
		        "token.");
		goto done;
	}
	const struct bw_kms_spec *spec = bw_kms_spec_find(bw_kms_doc_str(key_doc, "KeySpec"));
	if (!spec || spec->bytes == 0 || material.len != spec->bytes) {
		bw_fail(call, "ValidationException",
		        "The key material must be %zu bytes for key spec %s.",
		        spec ? spec->bytes : 0, bw_kms_doc_str(key_doc, "KeySpec"));
		goto done;
	}
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	struct bw_cur bytes = bw_cur_from(material.data, material.len);
	if (bw_kms_material_import_id(call->root_key, call->account_id, key_id, bytes, import_id) !=
	        0 ||
	    bw_store_begin(call->store) != BW_STORE_OK) {
		s_internal(call);
		goto done;
	}
	in_txn = true;
	if (s_imported_or_fail(call, key_id, &prev) != 0)
		goto done;
	if (prev) {
		if (type && strcmp(type, "NEW_KEY_MATERIAL") == 0) {
			bw_fail(call, "UnsupportedOperationException",
			        "%s already has key material. Importing new key material into it "
			        "(on-demand rotation of imported key material) is not supported by "
			        "bulwark.",
			        bw_kms_doc_str(key_doc, "Arn"));
			goto done;
		}
		if (s_same_material_or_fail(call, key_id, prev, bytes, import_id) != 0)
			goto done;
		snprintf(mid, sizeof mid, "%s", bw_kms_doc_str(prev, "MaterialId"));
	} else {
		if (type && strcmp(type, "EXISTING_KEY_MATERIAL") == 0) {
			bw_fail(call, "IncorrectKeyMaterialException",
			        "No key material was imported into %s before. Import it with "
			        "ImportType NEW_KEY_MATERIAL.",
			        bw_kms_doc_str(key_doc, "Arn"));
			goto done;
		}
		snprintf(mid, sizeof mid, "%s", import_id);
	}
	/* "When you re-import key material with a specified key material ID,
	 * KMS computes the identifier for the key material [and] matches [it]
	 * against the specified key material ID" */
	if (want_mid && strcmp(want_mid, mid) != 0) {
		s_incorrect_material(call);
		goto done;
	}
	if (s_material_doc(call, key_id, mid, import_id, prev, bytes, &mdoc) != 0)
		goto done;
	int ok = json_object_set_new(key_doc, "KeyState", json_string("Enabled")) == 0 &&
	         json_object_set_new(key_doc, "Enabled", json_true()) == 0 &&
	         json_object_set_new(key_doc, "CurrentMaterialId", json_string(mid)) == 0 &&
	         json_object_set_new(key_doc, "ExpirationModel", json_string(model)) == 0;
	if (ok && strcmp(bw_kms_doc_str(key_doc, "KeySpec"), "SYMMETRIC_DEFAULT") == 0)
		ok = json_object_set_new(key_doc, "CurrentKeyMaterialId", json_string(mid)) == 0;
	if (ok && strcmp(model, "KEY_MATERIAL_EXPIRES") == 0)
		ok = json_object_set_new(key_doc, "ValidTo", json_real(valid_to)) == 0;
	else if (ok)
		json_object_del(key_doc, "ValidTo");
	snprintf(path, sizeof path, "%s/%s", key_id, mid);
	if (!ok ||
	    bw_doc_put(call->store, BW_KMS_MATERIAL, call->account_id, path, mdoc) != BW_STORE_OK ||
	    bw_doc_update(call->store, BW_KMS_KEY, call->account_id, key_id, key_doc) !=
	        BW_STORE_OK ||
	    bw_doc_delete(call->store, BW_KMS_IMPORT, call->account_id, bw_buf_cstr(&hex)) !=
	        BW_STORE_OK) {
		s_internal(call);
		goto done;
	}
	in_txn = false;
	if (bw_store_commit(call->store) != BW_STORE_OK) {
		s_internal(call);
		goto done;
	}
	if (bw_kms_arn_out_or_fail(call, out, "KeyId", key_id) != 0 ||
	    json_object_set_new(out, "KeyMaterialId", json_string(mid)) != 0)
		goto done;
	rc = 0;
done:
	if (in_txn)
		bw_store_rollback(call->store);
	EVP_PKEY_free(pkey);
	bw_buf_free(&hex);
	bw_buf_free(&wrapped);
	bw_buf_free(&material);
	bw_buf_free(&sealed);
	bw_buf_free(&priv);
	json_decref(prev);
	json_decref(mdoc);
	json_decref(token_doc);
	json_decref(key_doc);
	return rc;
}

/*
 * Make mdoc the record of deleted material: the sealed bytes go, the id
 * stays (ImportState PENDING_IMPORT) for ImportKeyMaterial to compare a
 * re-import against. Material imported before ids were computed gets the
 * id its bytes make (ImportId) first, while they can still be read.
 */
static int s_forget_bytes_or_fail(struct bw_call *call, const char *key_id, json_t *mdoc)
{
	if (!json_object_get(mdoc, "Sealed"))
		return 0; /* deleted before */
	if (!json_object_get(mdoc, "ImportState") && !json_object_get(mdoc, "ImportId")) {
		struct bw_buf bytes = {.secret = true};
		char import_id[BW_KMS_MATERIAL_ID_LEN + 1];
		int rc =
		    bw_kms_material_open(call->root_key, call->account_id, key_id, mdoc, &bytes) !=
		        0 ||
		    bw_kms_material_import_id(call->root_key, call->account_id, key_id,
		                              bw_cur_from(bytes.data, bytes.len), import_id) != 0;
		bw_buf_free(&bytes);
		if (rc != 0)
			return s_internal(call);
		if (strcmp(import_id, bw_kms_doc_str(mdoc, "MaterialId")) != 0 &&
		    json_object_set_new(mdoc, "ImportId", json_string(import_id)) != 0)
			return s_internal(call);
	}
	json_object_del(mdoc, "Sealed");
	if (json_object_set_new(mdoc, "ImportState", json_string("PENDING_IMPORT")) != 0)
		return s_internal(call);
	return 0;
}

/*
 * DeleteImportedKeyMaterial: the key becomes PendingImport and its bytes
 * are gone from the store; the material's id and record stay, and so does
 * the key's CurrentKeyMaterialId, as in AWS.
 */
int bw_kms_delete_imported_key_material(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *key_doc = NULL, *mdoc = NULL;
	const char *want_mid = s_str(in, "KeyMaterialId");
	char path[128], mid[BW_KMS_MATERIAL_ID_LEN + 1] = "";
	bool in_txn = false;
	int rc = -1;
	if (s_external_key_or_fail(call, in, &key_doc) != 0)
		return -1;
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	if (bw_store_begin(call->store) != BW_STORE_OK) {
		s_internal(call);
		goto done;
	}
	in_txn = true;
	if (s_imported_or_fail(call, key_id, &mdoc) != 0)
		goto done;
	if (mdoc)
		snprintf(mid, sizeof mid, "%s", bw_kms_doc_str(mdoc, "MaterialId"));
	if (want_mid && strcmp(want_mid, mid) != 0) {
		bw_fail(call, "NotFoundException", "Key material %s of %s was not found.", want_mid,
		        bw_kms_doc_str(key_doc, "Arn"));
		goto done;
	}
	if (strcmp(bw_kms_doc_str(key_doc, "KeyState"), "PendingDeletion") != 0) {
		json_object_set_new(key_doc, "KeyState", json_string("PendingImport"));
		json_object_set_new(key_doc, "Enabled", json_false());
	}
	/* CurrentKeyMaterialId stays: AWS still names the material after the
	 * deletion, and a re-import of it brings the same id back */
	static const char *const drop[] = {"CurrentMaterialId", "ValidTo", "ExpirationModel"};
	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
		json_object_del(key_doc, drop[i]);
	snprintf(path, sizeof path, "%s/%s", key_id, mid);
	if (mdoc && (s_forget_bytes_or_fail(call, key_id, mdoc) != 0 ||
	             bw_doc_update(call->store, BW_KMS_MATERIAL, call->account_id, path, mdoc) !=
	                 BW_STORE_OK)) {
		if (!call->failed)
			s_internal(call);
		goto done;
	}
	if (bw_doc_update(call->store, BW_KMS_KEY, call->account_id, key_id, key_doc) !=
	    BW_STORE_OK) {
		s_internal(call);
		goto done;
	}
	in_txn = false;
	if (bw_store_commit(call->store) != BW_STORE_OK) {
		s_internal(call);
		goto done;
	}
	if (bw_kms_arn_out_or_fail(call, out, "KeyId", key_id) != 0)
		goto done;
	if (mid[0] && json_object_set_new(out, "KeyMaterialId", json_string(mid)) != 0)
		goto done;
	rc = 0;
done:
	if (in_txn)
		bw_store_rollback(call->store);
	json_decref(mdoc);
	json_decref(key_doc);
	return rc;
}
