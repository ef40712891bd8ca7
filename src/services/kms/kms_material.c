/*
 * kms_material.c: KMS key material — made for each KeySpec, sealed under
 * the root key for (account, key id, material id), and opened only into
 * secret buffers (the interface is in kms_store.h).
 *
 * What the sealed bytes hold: the raw key for SYMMETRIC_DEFAULT (32 bytes)
 * and HMAC_* (28/32/48/64 bytes, the lengths KMS uses); the private key as
 * PKCS#8 DER for RSA and ECC specs. The public half of an asymmetric key is
 * not secret and rides beside it as base64 DER SubjectPublicKeyInfo.
 *
 * Generated material gets a random MaterialId. Imported material gets one
 * computed from the bytes (bw_kms_material_import_id), as AWS assigns "a
 * unique identifier to the key material based on the KMS key ID and the
 * imported key material": re-importing the same bytes lands on the same id
 * — so ciphertexts naming it decrypt again — and different bytes cannot.
 */
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/encoding.h"
#include "crypto/digest.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_store.h"

static const struct bw_kms_spec s_specs[] = {
    {"SYMMETRIC_DEFAULT", BW_KMS_SPEC_SYMMETRIC, 32, 256, NULL},
    {"HMAC_224", BW_KMS_SPEC_HMAC, 28, 224, NULL},
    {"HMAC_256", BW_KMS_SPEC_HMAC, 32, 256, NULL},
    {"HMAC_384", BW_KMS_SPEC_HMAC, 48, 384, NULL},
    {"HMAC_512", BW_KMS_SPEC_HMAC, 64, 512, NULL},
    {"RSA_2048", BW_KMS_SPEC_RSA, 0, 2048, NULL},
    {"RSA_3072", BW_KMS_SPEC_RSA, 0, 3072, NULL},
    {"RSA_4096", BW_KMS_SPEC_RSA, 0, 4096, NULL},
    {"ECC_NIST_P256", BW_KMS_SPEC_EC, 0, 256, "P-256"},
    {"ECC_NIST_P384", BW_KMS_SPEC_EC, 0, 384, "P-384"},
    {"ECC_NIST_P521", BW_KMS_SPEC_EC, 0, 521, "P-521"},
    {"ECC_SECG_P256K1", BW_KMS_SPEC_EC, 0, 256, "secp256k1"},
};

const struct bw_kms_spec *bw_kms_spec_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof s_specs / sizeof s_specs[0]; i++)
		if (strcmp(s_specs[i].name, name) == 0)
			return &s_specs[i];
	return NULL;
}

int bw_kms_material_aad(const char *account, const char *key_id, const char *material_id, char *out,
                        size_t outlen)
{
	if (!account || !key_id || !material_id || !out)
		return -1;
	int n = snprintf(out, outlen, "%s|%s|%s", account, key_id, material_id);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static void s_hex_id(const uint8_t raw[BW_KMS_MATERIAL_ID_LEN / 2],
                     char out[BW_KMS_MATERIAL_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < BW_KMS_MATERIAL_ID_LEN / 2; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[BW_KMS_MATERIAL_ID_LEN] = 0;
}

static int s_new_material_id(char out[BW_KMS_MATERIAL_ID_LEN + 1])
{
	uint8_t raw[BW_KMS_MATERIAL_ID_LEN / 2];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return -1;
	s_hex_id(raw, out);
	return 0;
}

/* HKDF-SHA256(root key, info) -> 32 bytes. The info strings of this file
 * start "bulwark/kms/", those of sealing keys "bulwark/seal/" (crypto/seal.c):
 * no key derived here is ever a sealing key. */
static int s_derive(const struct bw_root_key *rk, const char *info, uint8_t out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int rc = -1;
	if (ctx) {
		OSSL_PARAM params[] = {
		    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)rk->key,
		                                      sizeof rk->key),
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
		                                      strlen(info)),
		    OSSL_PARAM_construct_end(),
		};
		rc = EVP_KDF_derive(ctx, out, 32, params) == 1 ? 0 : -1;
	}
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

/* HMAC-SHA256 of the imported bytes for (account, key id): see
 * bw_kms_material_import_id. */
static int s_import_mac(const struct bw_root_key *rk, const char *account, const char *key_id,
                        struct bw_cur secret, uint8_t mac[32])
{
	uint8_t key[32];
	struct bw_buf msg = {.secret = true};
	int rc = -1;
	if (!rk || !rk->loaded || !account || !key_id || !secret.ptr || !secret.len)
		return -1;
	/* Keyed, so the id (in every ciphertext, every response, the trail)
	 * cannot be used to test guesses of the material without the root key;
	 * bound to (account, key id), so two keys holding the same bytes do
	 * not show it. Neither account ids nor key ids contain '|', and the
	 * bytes come last: the message parses one way only. */
	if (s_derive(rk, "bulwark/kms/v1/imported-material-id", key) != 0 ||
	    bw_buf_appendf(&msg, "%s|%s|", account, key_id) != 0 ||
	    bw_buf_append(&msg, secret.ptr, secret.len) != 0 ||
	    !bw_hmac_sha256(key, sizeof key, msg.data, msg.len, mac))
		goto done;
	rc = 0;
done:
	bw_cleanse(key, sizeof key);
	bw_buf_free(&msg);
	return rc;
}

int bw_kms_material_import_id(const struct bw_root_key *rk, const char *account, const char *key_id,
                              struct bw_cur secret, char out[BW_KMS_MATERIAL_ID_LEN + 1])
{
	uint8_t mac[32];
	out[0] = 0;
	if (s_import_mac(rk, account, key_id, secret, mac) != 0)
		return -1;
	s_hex_id(mac, out);
	bw_cleanse(mac, sizeof mac);
	return 0;
}

int bw_kms_material_public_import_id(const struct bw_root_key *rk, const char *account,
                                     const char *key_id, struct bw_cur secret,
                                     char out[BW_KMS_KEY_MATERIAL_ID_MAX + 1])
{
	uint8_t mac[32];
	out[0] = 0;
	if (s_import_mac(rk, account, key_id, secret, mac) != 0)
		return -1;
	/* two halves, so the first is exactly bw_kms_material_import_id's */
	s_hex_id(mac, out);
	s_hex_id(mac + BW_KMS_MATERIAL_ID_LEN / 2, out + BW_KMS_MATERIAL_ID_LEN);
	bw_cleanse(mac, sizeof mac);
	return 0;
}

const char *bw_kms_material_public_id(const json_t *material_doc)
{
	const char *id = json_string_value(json_object_get(material_doc, "KeyMaterialId"));
	if (!id)
		id = json_string_value(json_object_get(material_doc, "MaterialId"));
	return id ? id : "";
}

int bw_kms_material_seal_as(const struct bw_root_key *rk, const char *account, const char *key_id,
                            const char *material_id, struct bw_cur secret, struct bw_cur public_der,
                            const char *origin, json_t **material_doc)
{
	char aad[256];
	struct bw_buf sealed = {0}, sealed64 = {0}, pub64 = {0};
	json_t *doc = NULL;
	int rc = -1;
	*material_doc = NULL;
	if (!rk || !rk->loaded || !origin || !material_id ||
	    strlen(material_id) != BW_KMS_MATERIAL_ID_LEN ||
	    bw_kms_material_aad(account, key_id, material_id, aad, sizeof aad) != 0)
		return -1;
	if (bw_seal(rk, BW_SEAL_PURPOSE_KMS_MATERIAL, bw_cur_str(aad), secret, &sealed) != 0 ||
	    bw_base64_encode(sealed.data, sealed.len, &sealed64) != 0)
		goto done;
	doc = json_pack("{s:s, s:I, s:s, s:s}", "MaterialId", material_id, "CreateDate",
	                (json_int_t)time(NULL), "Sealed", bw_buf_cstr(&sealed64), "Origin", origin);
	if (!doc)
		goto done;
	if (public_der.len) {
		if (bw_base64_encode(public_der.ptr, public_der.len, &pub64) != 0 ||
		    json_object_set_new(doc, "PublicKey", json_string(bw_buf_cstr(&pub64))) != 0)
			goto done;
	}
	*material_doc = doc;
	doc = NULL;
	rc = 0;
done:
	json_decref(doc);
	bw_buf_free(&sealed);
	bw_buf_free(&sealed64);
	bw_buf_free(&pub64);
	return rc;
}

int bw_kms_material_seal(const struct bw_root_key *rk, const char *account, const char *key_id,
                         struct bw_cur secret, struct bw_cur public_der, const char *origin,
                         json_t **material_doc)
{
	char mid[BW_KMS_MATERIAL_ID_LEN + 1];
	*material_doc = NULL;
	if (s_new_material_id(mid) != 0)
		return -1;
	return bw_kms_material_seal_as(rk, account, key_id, mid, secret, public_der, origin,
	                               material_doc);
}

int bw_kms_keypair_der(struct evp_pkey_st *pkey, struct bw_buf *priv, struct bw_buf *pub)
{
	OSSL_ENCODER_CTX *ectx = NULL;
	unsigned char *der = NULL, *pder = NULL;
	size_t der_len = 0;
	int rc = -1;
	priv->secret = true;
	ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", NULL);
	if (!ectx || OSSL_ENCODER_to_data(ectx, &der, &der_len) != 1 || !der)
		goto done;
	if (bw_buf_append(priv, der, der_len) != 0)
		goto done;
	int pub_len = i2d_PUBKEY(pkey, &pder);
	if (pub_len <= 0 || bw_buf_append(pub, pder, (size_t)pub_len) != 0)
		goto done;
	rc = 0;
done:
	if (der)
		OPENSSL_clear_free(der, der_len);
	OPENSSL_free(pder);
	OSSL_ENCODER_CTX_free(ectx);
	return rc;
}

/* Generate an RSA or EC key; its PKCS#8 DER into priv (secret) and its
 * SubjectPublicKeyInfo DER into pub. */
int bw_kms_keygen_asym(const struct bw_kms_spec *spec, struct bw_buf *priv, struct bw_buf *pub)
{
	EVP_PKEY *pkey = spec->kind == BW_KMS_SPEC_RSA
		? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)spec->bits)
		: EVP_PKEY_Q_keygen(NULL, NULL, "EC", spec->curve);
	priv->secret = true;
	int rc = pkey ? bw_kms_keypair_der(pkey, priv, pub) : -1;
	EVP_PKEY_free(pkey);
	return rc;
}

int bw_kms_material_new(const struct bw_root_key *rk, const char *account, const char *key_id,
                        const char *key_spec, json_t **material_doc)
{
	const struct bw_kms_spec *spec = bw_kms_spec_find(key_spec);
	struct bw_buf secret = {.secret = true}, pub = {0};
	int rc = -1;
	*material_doc = NULL;
	if (!spec)
		return -1;
	if (spec->kind == BW_KMS_SPEC_SYMMETRIC || spec->kind == BW_KMS_SPEC_HMAC) {
		if (bw_buf_reserve(&secret, spec->bytes) != 0 ||
		    RAND_priv_bytes(secret.data, (int)spec->bytes) != 1)
			goto done;
		secret.len = spec->bytes;
	} else if (bw_kms_keygen_asym(spec, &secret, &pub) != 0) {
		goto done;
	}
	rc = bw_kms_material_seal(rk, account, key_id, bw_cur_from(secret.data, secret.len),
	                          bw_cur_from(pub.data, pub.len), "AWS_KMS", material_doc);
done:
	bw_buf_free(&secret);
	bw_buf_free(&pub);
	return rc;
}

int bw_kms_material_open(const struct bw_root_key *rk, const char *account, const char *key_id,
                         const json_t *material_doc, struct bw_buf *secret)
{
	const char *mid = json_string_value(json_object_get(material_doc, "MaterialId"));
	const char *sealed64 = json_string_value(json_object_get(material_doc, "Sealed"));
	char aad[256];
	struct bw_buf sealed = {0};
	secret->secret = true;
	if (!rk || !rk->loaded || !mid || !sealed64 ||
	    bw_kms_material_aad(account, key_id, mid, aad, sizeof aad) != 0)
		return -1;
	if (bw_base64_decode(sealed64, strlen(sealed64), &sealed) != 0) {
		bw_buf_free(&sealed);
		return -1;
	}
	int rc = bw_unseal(rk, BW_SEAL_PURPOSE_KMS_MATERIAL, bw_cur_str(aad),
	                   bw_cur_from(sealed.data, sealed.len), secret);
	bw_buf_free(&sealed);
	return rc;
}
