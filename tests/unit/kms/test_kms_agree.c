/* KMS key agreement (kms_agree.c): bw_kms_ecdh against RFC 5903's P-256
 * test vector (section 8.1), agreement both ways on each NIST curve, and
 * every peer key it must refuse before deriving — not DER, trailing or
 * missing bytes, not EC, another curve, a point off the curve — and which
 * key specs take KEY_AGREEMENT, with the algorithms their metadata lists. */
/* clang-format off: cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <string.h>

#include "core/buf.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_ops.h"

static size_t s_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	for (; hex[0] && hex[1] && n < max; hex += 2) {
		unsigned v;
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* RFC 5903, 8.1 (256-bit random ECP group): the initiator's i, the
 * responder's public key (grx, gry), and the shared x-coordinate girx. */
static const char s_i[] = "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433";
static const char s_gi[] = "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
                           "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3";
static const char s_gr[] = "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
                           "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab";
static const char s_girx[] = "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de";
/* The DER SubjectPublicKeyInfo of a P-256 key, up to its 65-byte point:
 * SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING }. */
static const char s_p256_spki_head[] = "3059301306072a8648ce3d020106082a8648ce3d030107034200";

static EVP_PKEY *s_rfc_private(void)
{
	uint8_t priv[32], pub[65];
	s_unhex(s_i, priv, sizeof priv);
	s_unhex(s_gi, pub, sizeof pub);
	BIGNUM *d = BN_bin2bn(priv, sizeof priv, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	assert_non_null(d);
	assert_non_null(bld);
	assert_int_equal(
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d), 1);
	assert_int_equal(
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub), 1);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	assert_non_null(params);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return pkey;
}

/* The RFC's responder key as an SPKI. */
static size_t s_rfc_peer(uint8_t *der, size_t max)
{
	size_t n = s_unhex(s_p256_spki_head, der, max);
	return n + s_unhex(s_gr, der + n, max - n);
}

static size_t s_spki(EVP_PKEY *k, uint8_t *der, size_t max)
{
	unsigned char *p = NULL;
	int n = i2d_PUBKEY(k, &p);
	assert_true(n > 0 && (size_t)n <= max);
	memcpy(der, p, (size_t)n);
	OPENSSL_free(p);
	return (size_t)n;
}

static void test_rfc5903_p256(void **state)
{
	(void)state;
	EVP_PKEY *priv = s_rfc_private();
	uint8_t der[128], want[32];
	size_t n = s_rfc_peer(der, sizeof der);
	s_unhex(s_girx, want, sizeof want);
	struct bw_buf z = {0};
	assert_int_equal(bw_kms_ecdh(priv, bw_cur_from(der, n), &z), BW_KMS_ECDH_OK);
	assert_true(z.secret);
	assert_int_equal(z.len, 32);
	assert_memory_equal(z.data, want, 32);
	bw_buf_free(&z);
	EVP_PKEY_free(priv);
}

static void test_both_ways_each_curve(void **state)
{
	(void)state;
	static const struct {
		const char *group;
		size_t len;
	} curves[] = {{"P-256", 32}, {"P-384", 48}, {"P-521", 66}};
	for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
		EVP_PKEY *a = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i].group);
		EVP_PKEY *b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i].group);
		uint8_t da[256], db[256];
		size_t na = s_spki(a, da, sizeof da), nb = s_spki(b, db, sizeof db);
		struct bw_buf ab = {0}, ba = {0};
		assert_int_equal(bw_kms_ecdh(a, bw_cur_from(db, nb), &ab), BW_KMS_ECDH_OK);
		assert_int_equal(bw_kms_ecdh(b, bw_cur_from(da, na), &ba), BW_KMS_ECDH_OK);
		assert_int_equal(ab.len, curves[i].len);
		assert_int_equal(ba.len, curves[i].len);
		assert_memory_equal(ab.data, ba.data, ab.len);
		bw_buf_free(&ab);
		bw_buf_free(&ba);
		EVP_PKEY_free(a);
		EVP_PKEY_free(b);
	}
}

static void s_refused(EVP_PKEY *priv, const uint8_t *der, size_t len, enum bw_kms_ecdh_error want)
{
	struct bw_buf z = {0};
	assert_int_equal(bw_kms_ecdh(priv, bw_cur_from(der, len), &z), want);
	assert_int_equal(z.len, 0);
	assert_true(strlen(bw_kms_ecdh_error_message(want)) > 10);
	bw_buf_free(&z);
}

static void test_refused_peers(void **state)
{
	(void)state;
	EVP_PKEY *priv = s_rfc_private();
	uint8_t good[128], bad[300];
	size_t n = s_rfc_peer(good, sizeof good);

	s_refused(priv, good, 0, BW_KMS_ECDH_NOT_SPKI);
	s_refused(priv, (const uint8_t *)"garbage", 7, BW_KMS_ECDH_NOT_SPKI);
	for (size_t cut = 1; cut < n; cut += 7)
		s_refused(priv, good, n - cut, BW_KMS_ECDH_NOT_SPKI);
	memcpy(bad, good, n);
	bad[n] = 0;
	s_refused(priv, bad, n + 1, BW_KMS_ECDH_NOT_SPKI); /* trailing byte */
	/* the bare point, without its SPKI */
	s_refused(priv, good + 26, n - 26, BW_KMS_ECDH_NOT_SPKI);

	/* y changed: not on the curve. OpenSSL may refuse it while decoding
	 * or in the public key check; either way it is never used. */
	memcpy(bad, good, n);
	bad[n - 1] ^= 1;
	struct bw_buf z = {0};
	enum bw_kms_ecdh_error e = bw_kms_ecdh(priv, bw_cur_from(bad, n), &z);
	assert_true(e == BW_KMS_ECDH_NOT_SPKI || e == BW_KMS_ECDH_BAD_POINT);
	assert_int_equal(z.len, 0);
	bw_buf_free(&z);

	/* other curves, other key types */
	static const char *const groups[] = {"P-384", "P-521", "secp256k1"};
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", groups[i]);
		s_refused(priv, bad, s_spki(k, bad, sizeof bad), BW_KMS_ECDH_WRONG_CURVE);
		EVP_PKEY_free(k);
	}
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	s_refused(priv, bad, s_spki(ed, bad, sizeof bad), BW_KMS_ECDH_NOT_EC);
	EVP_PKEY_free(ed);
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	s_refused(priv, bad, s_spki(x, bad, sizeof bad), BW_KMS_ECDH_NOT_EC);
	EVP_PKEY_free(x);

	/* no private key: an internal failure, not the caller's */
	s_refused(NULL, good, n, BW_KMS_ECDH_INTERNAL);
	EVP_PKEY_free(priv);
}

static void test_specs_and_metadata(void **state)
{
	(void)state;
	static const char *const yes[] = {"ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"};
	static const char *const no[] = {"ECC_SECG_P256K1",   "RSA_2048", "RSA_4096",
	                                 "SYMMETRIC_DEFAULT", "HMAC_256", "SM2",
	                                 "ecc_nist_p256"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		assert_true(bw_kms_usage_ok(yes[i], "KEY_AGREEMENT"));
		assert_true(bw_kms_usage_ok(yes[i], "SIGN_VERIFY"));
		assert_false(bw_kms_usage_ok(yes[i], "key_agreement"));
		struct bw_kms_key_params p = {.account = "123456789012",
		                              .region = "us-east-1",
		                              .key_id = "11111111-2222-4333-8444-555555555555",
		                              .spec = yes[i],
		                              .usage = "KEY_AGREEMENT",
		                              .origin = "AWS_KMS",
		                              .manager = "CUSTOMER",
		                              .policy = "{}",
		                              .now_s = 1795376000.0};
		json_t *doc = bw_kms_key_doc_new(&p);
		assert_non_null(doc);
		const json_t *algs = json_object_get(doc, "KeyAgreementAlgorithms");
		assert_int_equal(json_array_size(algs), 1);
		assert_string_equal(json_string_value(json_array_get(algs, 0)), "ECDH");
		assert_null(json_object_get(doc, "SigningAlgorithms"));
		assert_null(json_object_get(doc, "EncryptionAlgorithms"));
		assert_null(json_object_get(doc, "MacAlgorithms"));
		assert_null(json_object_get(doc, "Rotation"));
		json_decref(doc);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(bw_kms_usage_ok(no[i], "KEY_AGREEMENT"));
	/* secp256k1 still signs */
	assert_true(bw_kms_usage_ok("ECC_SECG_P256K1", "SIGN_VERIFY"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc5903_p256),
	    cmocka_unit_test(test_both_ways_each_curve),
	    cmocka_unit_test(test_refused_peers),
	    cmocka_unit_test(test_specs_and_metadata),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
