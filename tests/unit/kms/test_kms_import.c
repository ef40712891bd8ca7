/* Importing key material, the parts that need no server: which asymmetric
 * material a key spec takes (PKCS#8 of exactly the spec, nothing after it,
 * re-encoded canonically), which wrapping algorithms AWS refuses for which
 * material, and the key state a set of imported materials makes. */
/* clang-format off: cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "services/kms/kms_import.h"

static void s_keygen(const char *spec, struct bw_buf *priv, struct bw_buf *pub)
{
	priv->secret = true;
	assert_int_equal(bw_kms_keygen_asym(bw_kms_spec_find(spec), priv, pub), 0);
}

static int s_check(const char *spec, struct bw_cur der, struct bw_buf *canon, struct bw_buf *pub)
{
	canon->len = 0;
	pub->len = 0;
	return bw_kms_import_asym_material(bw_kms_spec_find(spec), der, canon, pub);
}

static void test_asym_material_of_the_spec(void **state)
{
	(void)state;
	static const char *const specs[] = {"RSA_2048",      "ECC_NIST_P256", "ECC_NIST_P384",
	                                    "ECC_NIST_P521", "ECC_SECG_P256K1"};
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct bw_buf priv = {0}, pub = {0}, canon = {0}, got_pub = {0};
		s_keygen(specs[i], &priv, &pub);
		struct bw_cur der = bw_cur_from(priv.data, priv.len);
		assert_int_equal(s_check(specs[i], der, &canon, &got_pub), 0);
		/* the canonical form of OpenSSL's own PKCS#8 is itself */
		assert_int_equal(canon.len, priv.len);
		assert_memory_equal(canon.data, priv.data, priv.len);
		assert_true(canon.secret);
		assert_int_equal(got_pub.len, pub.len);
		assert_memory_equal(got_pub.data, pub.data, pub.len);
		/* truncated, or with a byte after it: not PKCS#8 */
		assert_int_equal(s_check(specs[i], bw_cur_from(priv.data, priv.len - 1), &canon,
		                         &got_pub),
		                 1);
		assert_int_equal(bw_buf_append(&priv, "\0", 1), 0);
		assert_int_equal(s_check(specs[i], bw_cur_from(priv.data, priv.len), &canon,
		                         &got_pub),
		                 1);
		bw_buf_free(&priv);
		bw_buf_free(&pub);
		bw_buf_free(&canon);
		bw_buf_free(&got_pub);
	}
}

static void test_asym_material_of_another_spec(void **state)
{
	(void)state;
	static const char *const pairs[][2] = {
	    /* material, key spec */
	    {"RSA_2048", "RSA_3072"},           {"RSA_3072", "RSA_2048"},
	    {"RSA_2048", "ECC_NIST_P256"},      {"ECC_NIST_P256", "RSA_2048"},
	    {"ECC_NIST_P256", "ECC_NIST_P384"}, {"ECC_NIST_P256", "ECC_SECG_P256K1"},
	    {"ECC_SECG_P256K1", "ECC_NIST_P256"}, {"ECC_NIST_P521", "ECC_NIST_P384"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		struct bw_buf priv = {0}, pub = {0}, canon = {0}, got_pub = {0};
		s_keygen(pairs[i][0], &priv, &pub);
		assert_int_equal(s_check(pairs[i][1], bw_cur_from(priv.data, priv.len), &canon,
		                         &got_pub),
		                 1);
		assert_int_equal(canon.len, 0);
		bw_buf_free(&priv);
		bw_buf_free(&pub);
		bw_buf_free(&canon);
		bw_buf_free(&got_pub);
	}
	/* random bytes, nothing, and specs that are not asymmetric */
	uint8_t junk[300];
	RAND_bytes(junk, sizeof junk);
	struct bw_buf canon = {0}, pub = {0};
	assert_int_equal(s_check("ECC_NIST_P256", bw_cur_from(junk, sizeof junk), &canon, &pub), 1);
	assert_int_equal(s_check("ECC_NIST_P256", bw_cur_from(junk, 0), &canon, &pub), 1);
	assert_int_equal(s_check("SYMMETRIC_DEFAULT", bw_cur_from(junk, 32), &canon, &pub), 1);
	assert_int_equal(bw_kms_import_asym_material(NULL, bw_cur_from(junk, 32), &canon, &pub), 1);
	bw_buf_free(&canon);
	bw_buf_free(&pub);
}

static void test_wrapping_refusals(void **state)
{
	(void)state;
	const struct bw_kms_spec *rsa = bw_kms_spec_find("RSA_4096");
	const struct bw_kms_spec *p521 = bw_kms_spec_find("ECC_NIST_P521");
	const struct bw_kms_spec *p256 = bw_kms_spec_find("ECC_NIST_P256");
	const struct bw_kms_spec *sym = bw_kms_spec_find("SYMMETRIC_DEFAULT");
	assert_non_null(bw_kms_import_wrapping_refusal(rsa, "RSA_4096", "RSAES_OAEP_SHA_256"));
	assert_non_null(bw_kms_import_wrapping_refusal(rsa, "RSA_4096", "RSAES_OAEP_SHA_1"));
	assert_null(bw_kms_import_wrapping_refusal(rsa, "RSA_2048", "RSA_AES_KEY_WRAP_SHA_256"));
	assert_null(bw_kms_import_wrapping_refusal(rsa, "RSA_2048", "RSA_AES_KEY_WRAP_SHA_1"));
	assert_non_null(bw_kms_import_wrapping_refusal(p521, "RSA_2048", "RSAES_OAEP_SHA_1"));
	assert_null(bw_kms_import_wrapping_refusal(p521, "RSA_3072", "RSAES_OAEP_SHA_1"));
	assert_null(bw_kms_import_wrapping_refusal(p521, "RSA_2048", "RSA_AES_KEY_WRAP_SHA_1"));
	assert_null(bw_kms_import_wrapping_refusal(p256, "RSA_2048", "RSAES_OAEP_SHA_256"));
	assert_null(bw_kms_import_wrapping_refusal(sym, "RSA_2048", "RSAES_OAEP_SHA_256"));
}

/* A material document: id, imported or deleted, pending rotation or not,
 * expiring at valid_to (0: never). */
static json_t *s_mat(const char *id, bool imported, bool pending, double valid_to)
{
	json_t *m = json_pack("{s:s, s:s}", "MaterialId", id, "ExpirationModel",
	                      valid_to > 0 ? "KEY_MATERIAL_EXPIRES" : "KEY_MATERIAL_DOES_NOT_EXPIRE");
	if (imported)
		json_object_set_new(m, "Sealed", json_string("x"));
	if (pending)
		json_object_set_new(m, "PendingRotation", json_true());
	if (valid_to > 0)
		json_object_set_new(m, "ValidTo", json_real(valid_to));
	return m;
}

static json_t *s_key(const char *state, const char *current)
{
	json_t *k = json_pack("{s:s, s:b}", "KeyState", state, "Enabled",
	                      strcmp(state, "Enabled") == 0);
	if (current)
		json_object_set_new(k, "CurrentKeyMaterialId", json_string(current));
	return k;
}

static const char *s_get(const json_t *doc, const char *member)
{
	const char *v = json_string_value(json_object_get(doc, member));
	return v ? v : "";
}

static void test_key_state_of_materials(void **state)
{
	(void)state;
	/* all associated imported: Enabled, the current material current */
	json_t *key = s_key("PendingImport", "a");
	json_t *mats = json_pack("[o, o]", s_mat("a", true, false, 0), s_mat("b", true, false, 0));
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_string_equal(s_get(key, "KeyState"), "Enabled");
	assert_true(json_is_true(json_object_get(key, "Enabled")));
	assert_string_equal(s_get(key, "CurrentMaterialId"), "a");
	assert_string_equal(s_get(key, "ExpirationModel"), "KEY_MATERIAL_DOES_NOT_EXPIRE");
	/* a non-current associated material deleted: PendingImport */
	json_object_del(json_array_get(mats, 1), "Sealed");
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_string_equal(s_get(key, "KeyState"), "PendingImport");
	assert_null(json_object_get(key, "CurrentMaterialId"));
	assert_string_equal(s_get(key, "CurrentKeyMaterialId"), "a");
	json_decref(mats);
	/* a pending material counts for nothing, deleted or expiring */
	mats = json_pack("[o, o]", s_mat("a", true, false, 2000.0), s_mat("p", false, true, 1000.0));
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_string_equal(s_get(key, "KeyState"), "Enabled");
	assert_string_equal(s_get(key, "ExpirationModel"), "KEY_MATERIAL_EXPIRES");
	assert_true(json_number_value(json_object_get(key, "ValidTo")) == 2000.0);
	json_decref(mats);
	/* the earliest expiry of the associated ones */
	mats = json_pack("[o, o, o]", s_mat("a", true, false, 3000.0), s_mat("b", true, false, 0),
	                 s_mat("c", true, false, 1500.0));
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_true(json_number_value(json_object_get(key, "ValidTo")) == 1500.0);
	json_decref(mats);
	json_decref(key);
	/* a 64-character KeyMaterialId names the current material; the store's
	 * MaterialId is what the key encrypts with */
	key = s_key("PendingImport", "a-public");
	mats = json_pack("[o]", s_mat("a", true, false, 0));
	json_object_set_new(json_array_get(mats, 0), "KeyMaterialId", json_string("a-public"));
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_string_equal(s_get(key, "CurrentMaterialId"), "a");
	assert_string_equal(s_get(key, "KeyState"), "Enabled");
	json_decref(mats);
	json_decref(key);
	/* Disabled and PendingDeletion stay what they are */
	key = s_key("Disabled", "a");
	mats = json_pack("[o]", s_mat("a", true, false, 0));
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_string_equal(s_get(key, "KeyState"), "Disabled");
	json_decref(key);
	key = s_key("PendingDeletion", "a");
	json_object_del(json_array_get(mats, 0), "Sealed");
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_string_equal(s_get(key, "KeyState"), "PendingDeletion");
	assert_null(json_object_get(key, "CurrentMaterialId"));
	json_decref(key);
	json_decref(mats);
	/* asymmetric and HMAC keys name no current material: their one is */
	key = s_key("PendingImport", NULL);
	mats = json_pack("[o]", s_mat("only", true, false, 0));
	assert_string_equal(s_get(bw_kms_imported_current(key, mats), "MaterialId"), "only");
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_string_equal(s_get(key, "CurrentMaterialId"), "only");
	assert_string_equal(s_get(key, "KeyState"), "Enabled");
	json_decref(mats);
	/* and a key that never had material stays pending import */
	mats = json_array();
	json_object_set_new(key, "KeyState", json_string("PendingImport"));
	assert_null(bw_kms_imported_current(key, mats));
	assert_int_equal(bw_kms_imported_key_refresh(key, mats), 0);
	assert_string_equal(s_get(key, "KeyState"), "PendingImport");
	json_decref(mats);
	json_decref(key);
}

int main(void)
{
	bw_log_init(stderr, BW_LOG_ERROR);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_asym_material_of_the_spec),
	    cmocka_unit_test(test_asym_material_of_another_spec),
	    cmocka_unit_test(test_wrapping_refusals),
	    cmocka_unit_test(test_key_state_of_materials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
