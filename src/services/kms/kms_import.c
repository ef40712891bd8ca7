/*
 * kms_import.c: customer-provided key material (Origin EXTERNAL):
 * GetParametersForImport and ImportKeyMaterial (DeleteImportedKeyMaterial:
 * kms_import_delete.c).
 *
 * GetParametersForImport makes a fresh RSA wrapping key; its private half
 * is sealed in kms/import under a random token id, which is the opaque
 * ImportToken (its 32 raw bytes; the document key is their hex), valid 24
 * hours. ImportKeyMaterial unwraps with it — RSAES_OAEP_SHA_1/SHA_256, or
 * RSA_AES_KEY_WRAP_SHA_1/SHA_256 (an RSA-OAEP-wrapped ephemeral AES-256
 * key followed by the material under AES key wrap with padding, RFC 5649,
 * as KMS defines it) — checks the material for the key spec (the length of
 * a symmetric or HMAC key; an RSA or ECC private key of the spec, PKCS#8:
 * kms_import_asym.c) and seals it like generated material, under the
 * MaterialId its bytes make (bw_kms_material_import_id, keyed by the root
 * key). That id outlives DeleteImportedKeyMaterial, which drops only the
 * sealed bytes: a re-import must make the same id (compared in constant
 * time) — the same bytes — and then lands where it was, so ciphertexts
 * naming it decrypt again. Expiry (ValidTo) is checked when the key is used
 * (bw_kms_check_key_or_fail), so no timer is needed. Clients see the
 * material of a symmetric key by AWS's 64-character KeyMaterialId: the
 * whole HMAC, whose first half is the MaterialId the store and ciphertext
 * blobs use (decision 0105).
 *
 * A symmetric key holds several materials (on-demand rotation of imported
 * keys): the first import's is current and permanently associated; an
 * ImportType NEW_KEY_MATERIAL import adds one PENDING_ROTATION material
 * ("PendingRotation": true), not associated until RotateKeyOnDemand
 * (kms_rotation.c) makes it current — until then it may be deleted and
 * other bytes imported in its place. The key is usable only while every
 * associated material is imported (bw_kms_imported_key_refresh); asymmetric
 * and HMAC keys hold one material, ever.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_import.h"
#include "services/kms/kms_errors.h"
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
	return bw_fail(call, KMS_INTERNAL);
}

int bw_kms_external_key_or_fail(struct bw_call *call, const json_t *in, json_t **key_doc)
{
	if (bw_kms_resolve_key_or_fail(call, s_str(in, "KeyId"), key_doc) != 0)
		return -1;
	const char *arn = bw_kms_doc_str(*key_doc, "Arn");
	int rc = 0;
	if (strcmp(bw_kms_doc_str(*key_doc, "Origin"), "EXTERNAL") != 0)
		rc = bw_fail(call, KMS_ORIGIN_INVALID, arn, bw_kms_doc_str(*key_doc, "Origin"));
	else if (strcmp(bw_kms_doc_str(*key_doc, "KeyState"), "PendingDeletion") == 0)
		rc = bw_fail(call, KMS_PENDING_DELETION, arn);
	else if (strcmp(bw_kms_doc_str(*key_doc, "KeyState"), "Disabled") == 0 &&
	         !json_object_get(*key_doc, "CurrentMaterialId"))
		rc = bw_fail(call, KMS_DISABLED_STATE, arn);
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
		/* the model's set also has SM2 (China Regions), which bulwark does not serve */
		return bw_fail(call, KMS_NOT_IN_ENUM, wspec ? wspec : "null", "wrappingKeySpec",
		               ": [RSA_2048, RSA_3072, RSA_4096]");
	if (!walg ||
	    (strcmp(walg, "RSAES_OAEP_SHA_1") != 0 && strcmp(walg, "RSAES_OAEP_SHA_256") != 0 &&
	     strcmp(walg, "RSA_AES_KEY_WRAP_SHA_1") != 0 &&
	     strcmp(walg, "RSA_AES_KEY_WRAP_SHA_256") != 0))
		return bw_fail(call, KMS_WRAPPING_ALGORITHM_UNSUPPORTED, walg ? walg : "null");
	if (bw_kms_external_key_or_fail(call, in, &key_doc) != 0)
		return -1;
	const struct bw_kms_spec *key_spec = bw_kms_spec_find(bw_kms_doc_str(key_doc, "KeySpec"));
	if (!key_spec) {
		bw_fail(call, KMS_IMPORT_SPEC_UNSUPPORTED, bw_kms_doc_str(key_doc, "KeySpec"));
		goto done;
	}
	const char *refusal = bw_kms_import_wrapping_refusal(key_spec, wspec, walg);
	if (refusal) {
		bw_fail(call, KMS_WRAPPING_INVALID, walg, wspec, key_spec->name, refusal);
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
		bw_fail(call, KMS_INVALID_IMPORT_TOKEN);
		goto done;
	}
	if (call->now_s >= json_number_value(json_object_get(*token_doc, "ParametersValidTo"))) {
		bw_fail(call, KMS_EXPIRED_IMPORT_TOKEN);
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

/* ExpirationModel and ValidTo as KMS pairs them; ValidTo "must be a future
 * date and time. The maximum value is 365 days from the request date." */
static int s_expiry_or_fail(struct bw_call *call, const json_t *in, const char **model,
                            double *valid_to)
{
	const json_t *vt = json_object_get(in, "ValidTo");
	*model = s_str(in, "ExpirationModel");
	if (!*model)
		*model = vt ? "KEY_MATERIAL_EXPIRES" : "KEY_MATERIAL_DOES_NOT_EXPIRE";
	if (strcmp(*model, "KEY_MATERIAL_EXPIRES") == 0) {
		if (!json_is_number(vt))
			return bw_fail(call, KMS_VALID_TO_REQUIRED);
		*valid_to = json_number_value(vt);
		if (*valid_to <= call->now_s)
			return bw_fail(call, KMS_VALID_TO_PAST);
		if (*valid_to > call->now_s + 365.0 * 86400.0)
			return bw_fail(call, KMS_VALID_TO_TOO_FAR);
		return 0;
	}
	if (strcmp(*model, "KEY_MATERIAL_DOES_NOT_EXPIRE") == 0) {
		if (vt)
			return bw_fail(call, KMS_VALID_TO_NOT_ALLOWED);
		return 0;
	}
	return bw_fail(call, KMS_EXPIRATION_MODEL_INVALID, *model);
}

static int s_incorrect_material(struct bw_call *call)
{
	return bw_fail(call, KMS_MATERIAL_MISMATCH);
}

/*
 * Whether the material document m holds or held the bytes whose id is
 * import_id, compared in constant time: by m's ImportId, else its
 * MaterialId. Material imported before ids were computed has a random
 * MaterialId and, while it is still there, no ImportId: its bytes are
 * compared then. 1 yes, 0 no, -1 with the call failed.
 */
static int s_holds(struct bw_call *call, const char *key_id, const json_t *m,
                   struct bw_cur material, const char *import_id)
{
	const char *want = bw_kms_doc_str(m, "ImportId");
	if (!*want)
		want = bw_kms_doc_str(m, "MaterialId");
	if (strlen(want) == BW_KMS_MATERIAL_ID_LEN &&
	    bw_ct_equal(want, import_id, BW_KMS_MATERIAL_ID_LEN))
		return 1;
	if (json_object_get(m, "ImportId") || !json_object_get(m, "Sealed"))
		return 0;
	struct bw_buf current = {.secret = true};
	if (bw_kms_material_open(call->root_key, call->account_id, key_id, m, &current) != 0) {
		bw_buf_free(&current);
		return s_internal(call);
	}
	bool same = current.len == material.len &&
	            bw_ct_equal(current.data, material.ptr, material.len);
	bw_buf_free(&current);
	return same ? 1 : 0;
}

/* The index in mats of the material the bytes make, or -1 with *found
 * false. -1 and the call failed on an internal error. */
static int s_find(struct bw_call *call, const char *key_id, const json_t *mats,
                  struct bw_cur material, const char *import_id, size_t *at, bool *found)
{
	size_t i;
	json_t *m;
	*found = false;
	json_array_foreach(mats, i, m) {
		int r = s_holds(call, key_id, m, material, import_id);
		if (r < 0)
			return -1;
		if (r == 1) {
			*at = i;
			*found = true;
			return 0;
		}
	}
	return 0;
}

/*
 * The material document a successful import writes, under the id mid:
 * sealed anew (the same bytes; only the seal's nonce changes), ImportState
 * IMPORTED, this import's expiry, and what the material's record had
 * (CreateDate, RotationType, PendingRotation, its description unless a new
 * one is given). Material imported before ids were computed keeps the id
 * its bytes make (ImportId) for when it is deleted.
 */
struct s_import {
	const char *mid, *import_id, *public_id, *model, *description;
	double valid_to;
	struct bw_cur bytes, pub;
};

static int s_material_doc(struct bw_call *call, const char *key_id, const struct s_import *im,
                          const json_t *prev, json_t **mdoc)
{
	if (bw_kms_material_seal_as(call->root_key, call->account_id, key_id, im->mid, im->bytes,
	                            im->pub, "EXTERNAL", mdoc) != 0)
		return s_internal(call);
	int ok = json_object_set_new(*mdoc, "ImportState", json_string("IMPORTED")) == 0 &&
	         json_object_set_new(*mdoc, "ExpirationModel", json_string(im->model)) == 0;
	if (ok && strcmp(im->model, "KEY_MATERIAL_EXPIRES") == 0)
		ok = json_object_set_new(*mdoc, "ValidTo", json_real(im->valid_to)) == 0;
	static const char *const kept[] = {"CreateDate", "RotationType", "PendingRotation",
	                                   "KeyMaterialDescription", "KeyMaterialId"};
	for (size_t i = 0; ok && prev && i < sizeof kept / sizeof kept[0]; i++)
		if (json_object_get(prev, kept[i]))
			ok = json_object_set(*mdoc, kept[i], json_object_get(prev, kept[i])) == 0;
	if (ok && im->description)
		ok = json_object_set_new(*mdoc, "KeyMaterialDescription",
		                         json_string(im->description)) == 0;
	if (ok && strcmp(im->mid, im->import_id) != 0)
		ok = json_object_set_new(*mdoc, "ImportId", json_string(im->import_id)) == 0;
	/* new material of a symmetric key gets AWS's 64-character id; records
	 * made before it (and their ciphertexts) keep the 32-character one */
	if (ok && !prev && im->public_id)
		ok = json_object_set_new(*mdoc, "KeyMaterialId", json_string(im->public_id)) == 0;
	return ok ? 0 : s_internal(call);
}

/* The bytes an import stores, checked for the key spec: a symmetric or
 * HMAC key of its length, or (kms_import_asym.c) a PKCS#8 private key of
 * the spec, re-encoded into canon with its public half into pub. */
static int s_material_for_spec_or_fail(struct bw_call *call, const struct bw_kms_spec *spec,
                                       struct bw_buf *unwrapped, struct bw_buf *canon,
                                       struct bw_buf *pub, struct bw_cur *bytes)
{
	if (spec->kind == BW_KMS_SPEC_RSA || spec->kind == BW_KMS_SPEC_EC) {
		int r = bw_kms_import_asym_material(spec, bw_cur_from(unwrapped->data, unwrapped->len),
		                                    canon, pub);
		if (r < 0)
			return s_internal(call);
		if (r > 0)
			return bw_fail(call, KMS_MATERIAL_NOT_PKCS8, spec->name);
		*bytes = bw_cur_from(canon->data, canon->len);
		return 0;
	}
	if (spec->bytes == 0 || unwrapped->len != spec->bytes)
		return bw_fail(call, KMS_MATERIAL_LENGTH, spec->bytes, spec->name);
	*bytes = bw_cur_from(unwrapped->data, unwrapped->len);
	return 0;
}

/*
 * Which material an import is, by ImportType (omitted: NEW_KEY_MATERIAL
 * into a key that never had material, EXISTING_KEY_MATERIAL after).
 * EXISTING: the bytes must make the id of a material of the key (and the
 * KeyMaterialId given). NEW into a key with material (symmetric keys
 * only): bytes no material of the key holds, into a key whose materials
 * are all imported and that has none pending rotation already. *prev_at
 * receives the index of the material re-imported, *pending whether the
 * import is pending rotation.
 */
static int s_classify_or_fail(struct bw_call *call, const json_t *key_doc, const json_t *mats,
                              const char *type, const char *want_mid, bool found, size_t at,
                              bool *pending)
{
	const char *arn = bw_kms_doc_str(key_doc, "Arn");
	size_t n = json_array_size(mats), i;
	json_t *m;
	*pending = false;
	if (!type)
		type = n ? "EXISTING_KEY_MATERIAL" : "NEW_KEY_MATERIAL";
	if (strcmp(type, "EXISTING_KEY_MATERIAL") == 0) {
		if (n == 0)
			return bw_fail(call, KMS_NO_MATERIAL_IMPORTED, arn);
		if (!found)
			return s_incorrect_material(call);
		/* "Matches the computed identifier against the specified key
		 * material ID" */
		if (want_mid &&
		    strcmp(want_mid, bw_kms_material_public_id(json_array_get(mats, at))) != 0)
			return s_incorrect_material(call);
		return 0;
	}
	if (n == 0)
		return 0;
	if (found)
		return bw_fail(call, KMS_MATERIAL_ALREADY_IMPORTED,
		               arn, bw_kms_material_public_id(json_array_get(mats, at)));
	if (strcmp(bw_kms_doc_str(key_doc, "KeyState"), "PendingImport") == 0)
		return bw_fail(call, KMS_PENDING_REIMPORT, arn);
	json_array_foreach(mats, i, m) {
		if (bw_kms_material_pending_rotation(m))
			return bw_fail(call, KMS_MATERIAL_PENDING_ROTATION,
			               arn, bw_kms_material_public_id(m));
	}
	*pending = true;
	return 0;
}

/*
 * ImportKeyMaterial. AWS: "After you successfully import key material into
 * a KMS key, you can reimport the same key material into that KMS key"
 * (also after DeleteImportedKeyMaterial, which keeps the material's
 * record: the same bytes go back under the same MaterialId, so what was
 * encrypted before decrypts again) "or, if the key supports on-demand
 * rotation, import new key material" — symmetric keys only: "For
 * asymmetric and HMAC keys, you cannot change the key material after the
 * initial import", and their imports take no ImportType, KeyMaterialId or
 * KeyMaterialDescription ("only usable with symmetric encryption keys").
 */
int bw_kms_import_key_material(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *key_doc = NULL, *token_doc = NULL, *mdoc = NULL, *mats = NULL;
	struct bw_buf hex = {0}, wrapped = {0}, unwrapped = {.secret = true},
	              canon = {.secret = true}, pub = {0}, sealed = {0}, priv = {.secret = true};
	EVP_PKEY *pkey = NULL;
	const char *type = s_str(in, "ImportType"), *want_mid = s_str(in, "KeyMaterialId");
	struct s_import im = {.description = s_str(in, "KeyMaterialDescription")};
	char aad[128], path[128], mid[BW_KMS_MATERIAL_ID_LEN + 1] = "",
	                          import_id[BW_KMS_MATERIAL_ID_LEN + 1] = "",
	                          public_id[BW_KMS_KEY_MATERIAL_ID_MAX + 1] = "";
	bool in_txn = false;
	int rc = -1;
	/* ImportType's enum and KeyMaterialDescription's pattern and length are
	 * the validator's (protocol/validate.c): a request reaching here has them */
	if (type && strcmp(type, "NEW_KEY_MATERIAL") == 0 && want_mid)
		return bw_fail(call, KMS_MATERIAL_ID_WITH_NEW);
	if (s_expiry_or_fail(call, in, &im.model, &im.valid_to) != 0)
		return -1;
	if (bw_kms_external_key_or_fail(call, in, &key_doc) != 0)
		return -1;
	const struct bw_kms_spec *spec = bw_kms_spec_find(bw_kms_doc_str(key_doc, "KeySpec"));
	if (!spec) {
		s_internal(call);
		goto done;
	}
	if (spec->kind != BW_KMS_SPEC_SYMMETRIC && (type || want_mid || im.description)) {
		bw_fail(call, KMS_IMPORT_OPTIONS_SYMMETRIC_ONLY,
		        bw_kms_doc_str(key_doc, "Arn"), spec->name);
		goto done;
	}
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
	             bw_cur_from(wrapped.data, wrapped.len), &unwrapped) != 0) {
		bw_fail(call, KMS_MATERIAL_NOT_UNWRAPPED);
		goto done;
	}
	if (s_material_for_spec_or_fail(call, spec, &unwrapped, &canon, &pub, &im.bytes) != 0)
		goto done;
	im.pub = bw_cur_from(pub.data, pub.len);
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	if (bw_kms_material_import_id(call->root_key, call->account_id, key_id, im.bytes,
	                              import_id) != 0 ||
	    bw_kms_material_public_import_id(call->root_key, call->account_id, key_id, im.bytes,
	                                     public_id) != 0 ||
	    bw_store_begin(call->store) != BW_STORE_OK) {
		s_internal(call);
		goto done;
	}
	in_txn = true;
	size_t at = 0;
	bool found = false, pending = false, first = false;
	if (bw_kms_imported_materials(call, key_id, &mats) != 0 ||
	    s_find(call, key_id, mats, im.bytes, import_id, &at, &found) != 0 ||
	    s_classify_or_fail(call, key_doc, mats, type, want_mid, found, at, &pending) != 0)
		goto done;
	const json_t *prev = found ? json_array_get(mats, at) : NULL;
	first = json_array_size(mats) == 0;
	snprintf(mid, sizeof mid, "%s", prev ? bw_kms_doc_str(prev, "MaterialId") : import_id);
	im.mid = mid;
	im.import_id = import_id;
	im.public_id = spec->kind == BW_KMS_SPEC_SYMMETRIC ? public_id : NULL;
	if (s_material_doc(call, key_id, &im, prev, &mdoc) != 0)
		goto done;
	int ok = !pending || json_object_set_new(mdoc, "PendingRotation", json_true()) == 0;
	ok = ok && (prev ? json_array_set(mats, at, mdoc) : json_array_append(mats, mdoc)) == 0;
	if (ok && first && spec->kind == BW_KMS_SPEC_SYMMETRIC)
		ok = json_object_set_new(key_doc, "CurrentKeyMaterialId",
		                         json_string(bw_kms_material_public_id(mdoc))) == 0;
	ok = ok && bw_kms_imported_key_refresh(key_doc, mats) == 0;
	/* "When this operation is successful, the state of the KMS key changes
	 * to Enabled" — once all of its materials are imported */
	if (ok && !pending && json_object_get(key_doc, "CurrentMaterialId") &&
	    strcmp(bw_kms_doc_str(key_doc, "KeyState"), "Disabled") == 0)
		ok = json_object_set_new(key_doc, "KeyState", json_string("Enabled")) == 0 &&
		     json_object_set_new(key_doc, "Enabled", json_true()) == 0;
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
	    json_object_set_new(out, "KeyMaterialId",
	                        json_string(bw_kms_material_public_id(mdoc))) != 0)
		goto done;
	rc = 0;
done:
	if (in_txn)
		bw_store_rollback(call->store);
	EVP_PKEY_free(pkey);
	bw_buf_free(&hex);
	bw_buf_free(&wrapped);
	bw_buf_free(&unwrapped);
	bw_buf_free(&canon);
	bw_buf_free(&pub);
	bw_buf_free(&sealed);
	bw_buf_free(&priv);
	json_decref(mats);
	json_decref(mdoc);
	json_decref(token_doc);
	json_decref(key_doc);
	return rc;
}
