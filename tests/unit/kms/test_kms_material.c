/* KMS key material: every KeySpec generates, seals and opens; the opened
 * bytes have the length (or the key type and size) the spec promises; the
 * public key matches the private one; a document moved to another key or
 * account, or tampered with, refuses to open; imported material's id is
 * keyed and made by its bytes and key alone. */
/* clang-format off: cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/log.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_store.h"

#define ACCT   "123456789012"
#define KEY_ID "1234abcd-12ab-34cd-56ef-1234567890ab"

static struct bw_root_key s_rk = {.loaded = true};

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	memset(s_rk.key, 0x42, sizeof s_rk.key);
	return 0;
}

static void test_aad(void **state)
{
	(void)state;
	char out[128];
	assert_int_equal(bw_kms_material_aad(ACCT, KEY_ID, "00ff", out, sizeof out), 0);
	assert_string_equal(out, ACCT "|" KEY_ID "|00ff");
	assert_int_equal(bw_kms_material_aad(ACCT, KEY_ID, "00ff", out, 10), -1);
	assert_int_equal(bw_kms_material_aad(NULL, KEY_ID, "00ff", out, sizeof out), -1);
}

static void s_check_spec(const char *name, size_t raw_len, int pkey_type, int bits)
{
	json_t *doc = NULL;
	struct bw_buf secret = {0};
	assert_int_equal(bw_kms_material_new(&s_rk, ACCT, KEY_ID, name, &doc), 0);
	const char *mid = json_string_value(json_object_get(doc, "MaterialId"));
	assert_non_null(mid);
	assert_int_equal(strlen(mid), BW_KMS_MATERIAL_ID_LEN);
	assert_string_equal(json_string_value(json_object_get(doc, "Origin")), "AWS_KMS");
	assert_int_equal(bw_kms_material_open(&s_rk, ACCT, KEY_ID, doc, &secret), 0);
	assert_true(secret.secret);
	if (raw_len) {
		assert_int_equal(secret.len, raw_len);
		assert_null(json_object_get(doc, "PublicKey"));
	} else {
		const unsigned char *p = secret.data;
		EVP_PKEY *priv =
		    d2i_PrivateKey_ex(pkey_type, NULL, &p, (long)secret.len, NULL, NULL);
		assert_non_null(priv);
		assert_int_equal(EVP_PKEY_get_bits(priv), bits);
		const char *pub64 = json_string_value(json_object_get(doc, "PublicKey"));
		assert_non_null(pub64);
		struct bw_buf der = {0};
		assert_int_equal(bw_base64_decode(pub64, strlen(pub64), &der), 0);
		const unsigned char *q = der.data;
		EVP_PKEY *pub = d2i_PUBKEY(NULL, &q, (long)der.len);
		assert_non_null(pub);
		assert_int_equal(EVP_PKEY_eq(priv, pub), 1);
		EVP_PKEY_free(pub);
		EVP_PKEY_free(priv);
		bw_buf_free(&der);
	}
	bw_buf_free(&secret);

	/* moved to another key or account: refused */
	struct bw_buf other = {0};
	assert_int_equal(
	    bw_kms_material_open(&s_rk, ACCT, "ffffffff-12ab-34cd-56ef-1234567890ab", doc, &other),
	    -1);
	assert_int_equal(bw_kms_material_open(&s_rk, "210987654321", KEY_ID, doc, &other), -1);
	/* another root key: refused */
	struct bw_root_key rk2 = s_rk;
	rk2.key[0] ^= 1;
	assert_int_equal(bw_kms_material_open(&rk2, ACCT, KEY_ID, doc, &other), -1);
	/* a flipped byte in the sealed bytes: refused */
	const char *sealed64 = json_string_value(json_object_get(doc, "Sealed"));
	struct bw_buf raw = {0}, re64 = {0};
	assert_int_equal(bw_base64_decode(sealed64, strlen(sealed64), &raw), 0);
	raw.data[raw.len / 2] ^= 0x20;
	assert_int_equal(bw_base64_encode(raw.data, raw.len, &re64), 0);
	json_object_set_new(doc, "Sealed", json_string(bw_buf_cstr(&re64)));
	assert_int_equal(bw_kms_material_open(&s_rk, ACCT, KEY_ID, doc, &other), -1);
	/* not base64, or missing */
	json_object_set_new(doc, "Sealed", json_string("!!notbase64"));
	assert_int_equal(bw_kms_material_open(&s_rk, ACCT, KEY_ID, doc, &other), -1);
	json_object_del(doc, "Sealed");
	assert_int_equal(bw_kms_material_open(&s_rk, ACCT, KEY_ID, doc, &other), -1);
	assert_int_equal(other.len, 0);
	bw_buf_free(&other);
	bw_buf_free(&raw);
	bw_buf_free(&re64);
	json_decref(doc);
}

static void test_symmetric(void **state)
{
	(void)state;
	s_check_spec("SYMMETRIC_DEFAULT", 32, 0, 0);
}

static void test_hmac(void **state)
{
	(void)state;
	s_check_spec("HMAC_224", 28, 0, 0);
	s_check_spec("HMAC_256", 32, 0, 0);
	s_check_spec("HMAC_384", 48, 0, 0);
	s_check_spec("HMAC_512", 64, 0, 0);
}

static void test_rsa(void **state)
{
	(void)state;
	s_check_spec("RSA_2048", 0, EVP_PKEY_RSA, 2048);
	s_check_spec("RSA_3072", 0, EVP_PKEY_RSA, 3072);
	s_check_spec("RSA_4096", 0, EVP_PKEY_RSA, 4096);
}

static void test_ecc(void **state)
{
	(void)state;
	s_check_spec("ECC_NIST_P256", 0, EVP_PKEY_EC, 256);
	s_check_spec("ECC_NIST_P384", 0, EVP_PKEY_EC, 384);
	s_check_spec("ECC_NIST_P521", 0, EVP_PKEY_EC, 521);
	s_check_spec("ECC_SECG_P256K1", 0, EVP_PKEY_EC, 256);
}

static void test_fresh_each_time(void **state)
{
	(void)state;
	json_t *a = NULL, *b = NULL;
	struct bw_buf sa = {0}, sb = {0};
	assert_int_equal(bw_kms_material_new(&s_rk, ACCT, KEY_ID, "SYMMETRIC_DEFAULT", &a), 0);
	assert_int_equal(bw_kms_material_new(&s_rk, ACCT, KEY_ID, "SYMMETRIC_DEFAULT", &b), 0);
	assert_string_not_equal(json_string_value(json_object_get(a, "MaterialId")),
	                        json_string_value(json_object_get(b, "MaterialId")));
	assert_int_equal(bw_kms_material_open(&s_rk, ACCT, KEY_ID, a, &sa), 0);
	assert_int_equal(bw_kms_material_open(&s_rk, ACCT, KEY_ID, b, &sb), 0);
	assert_memory_not_equal(sa.data, sb.data, 32);
	bw_buf_free(&sa);
	bw_buf_free(&sb);
	json_decref(a);
	json_decref(b);
}

static void test_unknown_spec(void **state)
{
	(void)state;
	json_t *doc = (json_t *)1;
	assert_int_equal(bw_kms_material_new(&s_rk, ACCT, KEY_ID, "RSA_1024", &doc), -1);
	assert_null(doc);
	assert_int_equal(bw_kms_material_new(&s_rk, ACCT, KEY_ID, "AES_256", &doc), -1);
	assert_int_equal(bw_kms_material_new(&s_rk, ACCT, KEY_ID, NULL, &doc), -1);
	struct bw_root_key unloaded = {0};
	assert_int_equal(bw_kms_material_new(&unloaded, ACCT, KEY_ID, "HMAC_256", &doc), -1);
}

static void test_seal_given_bytes(void **state)
{
	(void)state;
	uint8_t key[32];
	memset(key, 0x77, sizeof key);
	json_t *doc = NULL;
	struct bw_buf out = {0};
	assert_int_equal(bw_kms_material_seal(&s_rk, ACCT, KEY_ID, bw_cur_from(key, sizeof key),
	                                      bw_cur_from(NULL, 0), "EXTERNAL", &doc),
	                 0);
	assert_string_equal(json_string_value(json_object_get(doc, "Origin")), "EXTERNAL");
	/* the raw bytes appear nowhere in the document */
	char *text = json_dumps(doc, 0);
	assert_null(memmem(text, strlen(text), key, sizeof key));
	free(text);
	assert_int_equal(bw_kms_material_open(&s_rk, ACCT, KEY_ID, doc, &out), 0);
	assert_int_equal(out.len, 32);
	assert_memory_equal(out.data, key, 32);
	bw_buf_free(&out);
	json_decref(doc);
}

/* Imported material's id: the same bytes make the same id for the same
 * key, and nothing else does — not other bytes, not another key or account,
 * not another root key; it is keyed (not a plain hash of the bytes). */
static void test_import_id(void **state)
{
	(void)state;
	uint8_t a[32], b[32];
	memset(a, 0x11, sizeof a);
	memset(b, 0x11, sizeof b);
	b[31] ^= 1;
	char id[BW_KMS_MATERIAL_ID_LEN + 1], same[BW_KMS_MATERIAL_ID_LEN + 1],
	    other[BW_KMS_MATERIAL_ID_LEN + 1];
	struct bw_cur ca = bw_cur_from(a, sizeof a);
	assert_int_equal(bw_kms_material_import_id(&s_rk, ACCT, KEY_ID, ca, id), 0);
	assert_int_equal(strlen(id), BW_KMS_MATERIAL_ID_LEN);
	assert_int_equal(strspn(id, "0123456789abcdef"), BW_KMS_MATERIAL_ID_LEN);
	assert_int_equal(bw_kms_material_import_id(&s_rk, ACCT, KEY_ID, ca, same), 0);
	assert_string_equal(id, same);
	assert_int_equal(
	    bw_kms_material_import_id(&s_rk, ACCT, KEY_ID, bw_cur_from(b, sizeof b), other), 0);
	assert_string_not_equal(id, other);
	assert_int_equal(bw_kms_material_import_id(
	                     &s_rk, ACCT, "1234abcd-12ab-34cd-56ef-1234567890ac", ca, other),
	                 0);
	assert_string_not_equal(id, other);
	assert_int_equal(bw_kms_material_import_id(&s_rk, "210987654321", KEY_ID, ca, other), 0);
	assert_string_not_equal(id, other);
	struct bw_root_key rk2 = {.loaded = true};
	memset(rk2.key, 0x43, sizeof rk2.key);
	assert_int_equal(bw_kms_material_import_id(&rk2, ACCT, KEY_ID, ca, other), 0);
	assert_string_not_equal(id, other);
	/* not SHA-256 of the bytes, nor of the message, unkeyed */
	uint8_t h[32];
	char hex[65];
	EVP_Digest(a, sizeof a, h, NULL, EVP_sha256(), NULL);
	for (size_t i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	assert_string_not_equal(id, hex);
	struct bw_root_key unloaded = {0};
	assert_int_equal(bw_kms_material_import_id(&unloaded, ACCT, KEY_ID, ca, other), -1);
	assert_int_equal(bw_kms_material_import_id(&s_rk, ACCT, KEY_ID, bw_cur_from(a, 0), other),
	                 -1);
	/* sealed under a given id, it opens under that id */
	json_t *doc = NULL;
	struct bw_buf out = {0};
	assert_int_equal(bw_kms_material_seal_as(&s_rk, ACCT, KEY_ID, id, ca, bw_cur_from(NULL, 0),
	                                         "EXTERNAL", &doc),
	                 0);
	assert_string_equal(json_string_value(json_object_get(doc, "MaterialId")), id);
	assert_int_equal(bw_kms_material_open(&s_rk, ACCT, KEY_ID, doc, &out), 0);
	assert_memory_equal(out.data, a, sizeof a);
	bw_buf_free(&out);
	json_decref(doc);
	assert_int_equal(bw_kms_material_seal_as(&s_rk, ACCT, KEY_ID, "00ff", ca,
	                                         bw_cur_from(NULL, 0), "EXTERNAL", &doc),
	                 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aad),          cmocka_unit_test(test_symmetric),
	    cmocka_unit_test(test_hmac),         cmocka_unit_test(test_rsa),
	    cmocka_unit_test(test_ecc),          cmocka_unit_test(test_fresh_each_time),
	    cmocka_unit_test(test_unknown_spec), cmocka_unit_test(test_seal_given_bytes),
	    cmocka_unit_test(test_import_id),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
