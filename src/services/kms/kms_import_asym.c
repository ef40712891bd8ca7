/*
 * kms_import_asym.c: what asymmetric key material KMS takes in an import,
 * apart from the import flow (kms_import.c) so it can be tested alone.
 *
 * AWS: the material of an RSA or ECC key is its private key as PKCS#8 DER
 * (PrivateKeyInfo, RFC 5208), and it must be the key spec's exactly: RSA
 * of the spec's modulus size, or a key on the spec's curve. "To import an
 * RSA private key, you must use an RSA_AES wrapping algorithm"; RSAES_OAEP
 * wraps everything else, except that "You cannot use an RSA_2048 public
 * key to directly wrap an ECC_NIST_P521 private key" (it does not fit).
 *
 * Accepted material is re-encoded to the one PKCS#8 form OpenSSL writes:
 * that is what is sealed, and what the material id is computed from, so
 * the same private key sent again with another (valid) encoding — an EC
 * key with or without its public point, say — is the same material.
 */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <string.h>

#include "services/kms/kms_import.h"

const char *bw_kms_import_wrapping_refusal(const struct bw_kms_spec *key_spec,
                                           const char *wrapping_spec, const char *algorithm)
{
	bool rsa_aes = strncmp(algorithm, "RSA_AES_KEY_WRAP_", 17) == 0;
	if (rsa_aes || !key_spec)
		return NULL;
	if (key_spec->kind == BW_KMS_SPEC_RSA)
		return "RSA key material must be wrapped with RSA_AES_KEY_WRAP_SHA_1 or "
		       "RSA_AES_KEY_WRAP_SHA_256";
	if (strcmp(key_spec->name, "ECC_NIST_P521") == 0 && strcmp(wrapping_spec, "RSA_2048") == 0)
		return "ECC_NIST_P521 key material cannot be wrapped directly with an RSA_2048 "
		       "wrapping key: use an RSA_AES_KEY_WRAP algorithm or a longer wrapping key";
	return NULL;
}

/* The NID of the spec's curve ("P-256" ... or "secp256k1"). */
static int s_curve_nid(const char *curve)
{
	int nid = EC_curve_nist2nid(curve);
	return nid != NID_undef ? nid : OBJ_sn2nid(curve);
}

static bool s_matches_spec(EVP_PKEY *pkey, const struct bw_kms_spec *spec)
{
	if (spec->kind == BW_KMS_SPEC_RSA)
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
		       EVP_PKEY_get_bits(pkey) == (int)spec->bits;
	if (spec->kind != BW_KMS_SPEC_EC || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return false;
	char group[64];
	size_t glen = 0;
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
	                                   &glen) != 1)
		return false;
	int nid = OBJ_sn2nid(group);
	return nid != NID_undef && nid == s_curve_nid(spec->curve);
}

int bw_kms_import_asym_material(const struct bw_kms_spec *spec, struct bw_cur der,
                                struct bw_buf *canon, struct bw_buf *pub)
{
	const unsigned char *p = der.ptr;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *check = NULL;
	int rc = 1;
	canon->secret = true;
	if (!spec || (spec->kind != BW_KMS_SPEC_RSA && spec->kind != BW_KMS_SPEC_EC) || !der.ptr ||
	    der.len == 0 || der.len > 8192)
		return 1;
	/* PKCS#8 only, and nothing after it */
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)der.len);
	if (!p8 || p != der.ptr + der.len || !(pkey = EVP_PKCS82PKEY(p8)))
		goto done;
	if (!s_matches_spec(pkey, spec))
		goto done;
	/* a private key whose parts agree (a broken RSA key would sign wrong) */
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!check || EVP_PKEY_pairwise_check(check) != 1)
		goto done;
	/* kept in the form generated keys are kept in */
	rc = bw_kms_keypair_der(pkey, canon, pub);
done:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_free(pkey);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return rc;
}
