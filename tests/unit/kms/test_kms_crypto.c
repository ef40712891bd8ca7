/* KMS cryptography: the AES-GCM primitive against NIST SP 800-38D (GCM
 * spec test cases 13-16, AES-256), HMAC against RFC 4231, the ciphertext
 * blob (round trip, every bit flip and truncation refused, contexts, keys),
 * and the handlers through bw_kms_crypto_ops: Encrypt/Decrypt/ReEncrypt,
 * data keys and key pairs, Sign/Verify for each algorithm, GetPublicKey,
 * GenerateMac/VerifyMac, RSA-OAEP, and the import of key material. */
/* clang-format off: cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
/* clang-format on */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/log.h"
#include "services/kms/kms_ciphertext.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_store.h"
#include "services/service.h"
#include "store/doc.h"
#include "store/store.h"

#define ACCT "123456789012"
#define NOW  1795376000.0

static char s_dir[64];
static struct bw_store *s_store;
static struct bw_root_key s_rk = {.loaded = true};
static struct bw_http_request s_req;
static struct bw_call s_call;

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	memset(s_rk.key, 0x5a, sizeof s_rk.key);
	return bw_test_store_open(s_dir, sizeof s_dir, "kmsc", &s_store);
}

static int teardown(void **state)
{
	(void)state;
	return bw_test_store_close(s_dir, s_store);
}

/* ---- helpers ---- */

static size_t s_unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static json_t *s_b64(const void *p, size_t len)
{
	struct bw_buf b = {0};
	assert_int_equal(bw_base64_encode(p, len, &b), 0);
	json_t *s = json_string(bw_buf_cstr(&b));
	bw_buf_free(&b);
	return s;
}

static size_t s_unb64(const json_t *v, uint8_t *out, size_t cap)
{
	struct bw_buf b = {0};
	assert_non_null(json_string_value(v));
	assert_int_equal(bw_base64_decode(json_string_value(v), json_string_length(v), &b), 0);
	assert_true(b.len <= cap);
	memcpy(out, b.data, b.len);
	size_t n = b.len;
	bw_buf_free(&b);
	return n;
}

/* Run op through the table; 0 on success (out filled), else the call's
 * error code is in s_call.err.code. */
static int s_run(const char *op, json_t *in, json_t **out)
{
	memset(&s_call, 0, sizeof s_call);
	s_call.model = bw_model_find("kms");
	s_call.op = bw_model_op(s_call.model, op);
	s_call.req = &s_req;
	s_call.store = s_store;
	s_call.root_key = &s_rk;
	s_call.now_s = NOW;
	snprintf(s_call.account_id, sizeof s_call.account_id, ACCT);
	snprintf(s_call.region, sizeof s_call.region, "us-east-1");
	const struct bw_op_impl *impl = NULL;
	for (size_t i = 0; i < bw_kms_crypto_ops.nops; i++)
		if (strcmp(bw_kms_crypto_ops.ops[i].name, op) == 0)
			impl = &bw_kms_crypto_ops.ops[i];
	assert_non_null(impl);
	assert_non_null(s_call.op);
	*out = json_object();
	int rc = impl->handler(&s_call, in, *out);
	json_decref(in);
	if (rc != 0) {
		assert_true(s_call.failed);
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static void s_expect_error(const char *op, json_t *in, const char *code)
{
	json_t *out = NULL;
	assert_int_equal(s_run(op, in, &out), -1);
	if (strcmp(s_call.err.code, code) != 0)
		fail_msg("%s: expected %s, got %s: %s", op, code, s_call.err.code,
		         s_call.err.message);
}

static int s_key_counter;

/* A key document and its material, written as key management would. */
static void s_make_key(const char *spec, const char *usage, char key_id[37])
{
	snprintf(key_id, 37, "%08x-1111-2222-3333-444455556666", ++s_key_counter);
	char arn[128];
	snprintf(arn, sizeof arn, "arn:aws:kms:us-east-1:" ACCT ":key/%s", key_id);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "KeyId", key_id, "Arn",
	                        arn, "KeySpec", spec, "KeyUsage", usage, "KeyState", "Enabled",
	                        "Origin", "AWS_KMS", "Enabled", 1, "KeyManager", "CUSTOMER");
	if (strcmp(spec, "SYMMETRIC_DEFAULT") == 0)
		json_object_set_new(doc, "EncryptionAlgorithms",
		                    json_pack("[s]", "SYMMETRIC_DEFAULT"));
	else if (strncmp(spec, "HMAC_", 5) == 0) {
		char alg[32];
		snprintf(alg, sizeof alg, "HMAC_SHA_%s", spec + 5);
		json_object_set_new(doc, "MacAlgorithms", json_pack("[s]", alg));
	} else if (strcmp(usage, "ENCRYPT_DECRYPT") == 0)
		json_object_set_new(doc, "EncryptionAlgorithms",
		                    json_pack("[s,s]", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"));
	else if (strncmp(spec, "RSA_", 4) == 0)
		json_object_set_new(
		    doc, "SigningAlgorithms",
		    json_pack("[s,s,s,s,s,s]", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384",
		              "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256",
		              "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"));
	else if (strcmp(spec, "ECC_NIST_P384") == 0)
		json_object_set_new(doc, "SigningAlgorithms", json_pack("[s]", "ECDSA_SHA_384"));
	else if (strcmp(spec, "ECC_NIST_P521") == 0)
		json_object_set_new(doc, "SigningAlgorithms", json_pack("[s]", "ECDSA_SHA_512"));
	else
		json_object_set_new(doc, "SigningAlgorithms", json_pack("[s]", "ECDSA_SHA_256"));
	json_t *mdoc = NULL;
	if (strcmp(usage, "EXTERNAL") == 0) {
		json_object_set_new(doc, "Origin", json_string("EXTERNAL"));
		json_object_set_new(doc, "KeyUsage", json_string("ENCRYPT_DECRYPT"));
		json_object_set_new(doc, "KeyState", json_string("PendingImport"));
		json_object_set_new(doc, "Enabled", json_false());
	} else {
		assert_int_equal(bw_kms_material_new(&s_rk, ACCT, key_id, spec, &mdoc), 0);
		const char *mid = json_string_value(json_object_get(mdoc, "MaterialId"));
		json_object_set_new(doc, "CurrentMaterialId", json_string(mid));
		char path[128];
		snprintf(path, sizeof path, "%s/%s", key_id, mid);
		assert_int_equal(bw_doc_create(s_store, BW_KMS_MATERIAL, ACCT, path, mdoc),
		                 BW_STORE_OK);
	}
	assert_int_equal(bw_doc_create(s_store, BW_KMS_KEY, ACCT, key_id, doc), BW_STORE_OK);
	json_decref(doc);
	json_decref(mdoc);
}

static void s_set_key_field(const char *key_id, const char *member, json_t *value)
{
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_KEY, ACCT, key_id, &doc), BW_STORE_OK);
	json_object_set_new(doc, member, value);
	assert_int_equal(bw_doc_update(s_store, BW_KMS_KEY, ACCT, key_id, doc), BW_STORE_OK);
	json_decref(doc);
}

/* ---- primitives: known answers ---- */

static void test_aes_gcm_nist(void **state)
{
	(void)state;
	static const char *const p64 =
	    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
	static const char *const c64 =
	    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
	static const char *const k =
	    "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
	struct {
		const char *key, *iv, *pt, *aad, *ct, *tag;
	} cases[] = {
	    /* test case 13 */
	    {"0000000000000000000000000000000000000000000000000000000000000000",
	     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
	    /* test case 14 */
	    {"0000000000000000000000000000000000000000000000000000000000000000",
	     "000000000000000000000000", "00000000000000000000000000000000", "",
	     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
	    /* test case 15 */
	    {k, "cafebabefacedbaddecaf888", p64, "", c64, "b094dac5d93471bdec1a502270e3cc6c"},
	    /* test case 16: 60 bytes with associated data */
	    {k, "cafebabefacedbaddecaf888", "", "feedfacedeadbeeffeedfacedeadbeefabaddad2", "",
	     "76fc6ece0f4e1768cddf8853bb2d551b"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t key[32], iv[12], pt[64], aad[20], ct[64], tag[16], out[64], got_tag[16];
		char pt_hex[129] = "", ct_hex[129] = "";
		snprintf(pt_hex, sizeof pt_hex, "%s", cases[i].pt);
		snprintf(ct_hex, sizeof ct_hex, "%s", cases[i].ct);
		if (i == 3) { /* the first 60 bytes of the case 15 texts */
			snprintf(pt_hex, sizeof pt_hex, "%.120s", p64);
			snprintf(ct_hex, sizeof ct_hex, "%.120s", c64);
		}
		size_t klen = s_unhex(cases[i].key, key), ivlen = s_unhex(cases[i].iv, iv);
		size_t ptlen = s_unhex(pt_hex, pt), aadlen = s_unhex(cases[i].aad, aad);
		s_unhex(ct_hex, ct);
		s_unhex(cases[i].tag, tag);
		assert_int_equal(bw_kms_aes_gcm_encrypt(bw_cur_from(key, klen),
		                                        bw_cur_from(iv, ivlen),
		                                        bw_cur_from(aad, aadlen),
		                                        bw_cur_from(pt, ptlen), out, got_tag),
		                 0);
		assert_memory_equal(out, ct, ptlen);
		assert_memory_equal(got_tag, tag, 16);
		assert_int_equal(bw_kms_aes_gcm_decrypt(
		                     bw_cur_from(key, klen), bw_cur_from(iv, ivlen),
		                     bw_cur_from(aad, aadlen), bw_cur_from(ct, ptlen), tag, out),
		                 0);
		assert_memory_equal(out, pt, ptlen);
		tag[15] ^= 1;
		assert_int_equal(bw_kms_aes_gcm_decrypt(
		                     bw_cur_from(key, klen), bw_cur_from(iv, ivlen),
		                     bw_cur_from(aad, aadlen), bw_cur_from(ct, ptlen), tag, out),
		                 -1);
	}
}

static void test_hmac_rfc4231(void **state)
{
	(void)state;
	struct {
		const char *key, *data, *md, *mac;
	} cases[] = {
	    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "SHA224",
	     "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22"},
	    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "SHA256",
	     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "SHA384",
	     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea"
	     "9076ede7f4af1"
	     "52e8b2fa9cb6"},
	    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "SHA512",
	     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b"
	     "7d6b8a702038b"
	     "274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
	    {"4a656665", "what do ya want for nothing?", "SHA224",
	     "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"},
	    {"4a656665", "what do ya want for nothing?", "SHA256",
	     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	    {"4a656665", "what do ya want for nothing?", "SHA384",
	     "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240c"
	     "a5e69e2c78b32"
	     "39ecfab21649"},
	    {"4a656665", "what do ya want for nothing?", "SHA512",
	     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf7"
	     "5c05a994a6d03"
	     "4f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t key[32], want[64], got[EVP_MAX_MD_SIZE];
		size_t klen = s_unhex(cases[i].key, key), wlen = s_unhex(cases[i].mac, want),
		       glen = 0;
		assert_int_equal(bw_kms_hmac(cases[i].md, bw_cur_from(key, klen),
		                             bw_cur_str(cases[i].data), got, &glen),
		                 0);
		assert_int_equal(glen, wlen);
		assert_memory_equal(got, want, wlen);
	}
}

/* ---- the blob ---- */

#define KID "0a1b2c3d-0000-1111-2222-333344445555"
#define MID "00112233445566778899aabbccddeeff"

static void test_context_canonical(void **state)
{
	(void)state;
	struct bw_buf a = {0}, b = {0}, c = {0}, d = {0};
	json_t *ab = json_pack("{s:s}", "a", "bc"), *ab2 = json_pack("{s:s}", "ab", "c");
	json_t *o1 = json_pack("{s:s, s:s}", "x", "1", "y", "2");
	json_t *o2 = json_pack("{s:s, s:s}", "y", "2", "x", "1");
	assert_int_equal(bw_kms_ct_context(ab, &a), 0);
	assert_int_equal(bw_kms_ct_context(ab2, &b), 0);
	assert_false(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	assert_int_equal(bw_kms_ct_context(o1, &c), 0);
	assert_int_equal(bw_kms_ct_context(o2, &d), 0);
	assert_int_equal(c.len, d.len);
	assert_memory_equal(c.data, d.data, c.len);
	/* absent == empty */
	bw_buf_reset(&a);
	bw_buf_reset(&b);
	json_t *empty = json_object(), *bad = json_pack("{s:i}", "a", 1);
	assert_int_equal(bw_kms_ct_context(NULL, &a), 0);
	assert_int_equal(bw_kms_ct_context(empty, &b), 0);
	assert_int_equal(a.len, 4);
	assert_memory_equal(a.data, b.data, 4);
	assert_int_equal(bw_kms_ct_context(bad, &a), -1);
	json_t *arr = json_array();
	assert_int_equal(bw_kms_ct_context(arr, &a), -1);
	json_decref(arr);
	json_decref(bad);
	json_decref(empty);
	json_decref(ab);
	json_decref(ab2);
	json_decref(o1);
	json_decref(o2);
	bw_buf_free(&a);
	bw_buf_free(&b);
	bw_buf_free(&c);
	bw_buf_free(&d);
}

static void test_blob_round_trip_and_tamper(void **state)
{
	(void)state;
	uint8_t key[32], key2[32];
	memset(key, 7, sizeof key);
	memset(key2, 8, sizeof key2);
	json_t *ctx = json_pack("{s:s}", "purpose", "test"),
	       *ctx2 = json_pack("{s:s}", "purpose", "tesT");
	const char *msg = "attack at dawn";
	struct bw_buf blob = {0}, pt = {0};
	assert_int_equal(
	    bw_kms_ct_seal(bw_cur_from(key, 32), KID, MID, ctx, bw_cur_str(msg), &blob), 0);
	assert_int_equal(blob.len, BW_KMS_CT_MIN_LEN + strlen(msg));
	struct bw_kms_ct ct;
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(blob.data, blob.len), &ct), 0);
	assert_string_equal(ct.key_id, KID);
	assert_string_equal(ct.material_id, MID);
	assert_int_equal(bw_kms_ct_open(bw_cur_from(key, 32), &ct, ctx, &pt), 0);
	assert_true(pt.secret);
	assert_int_equal(pt.len, strlen(msg));
	assert_memory_equal(pt.data, msg, pt.len);
	bw_buf_reset(&pt);
	/* another context, no context, another key: refused, nothing written */
	assert_int_equal(bw_kms_ct_open(bw_cur_from(key, 32), &ct, ctx2, &pt), -1);
	assert_int_equal(bw_kms_ct_open(bw_cur_from(key, 32), &ct, NULL, &pt), -1);
	assert_int_equal(bw_kms_ct_open(bw_cur_from(key2, 32), &ct, ctx, &pt), -1);
	assert_int_equal(pt.len, 0);
	/* every single-bit flip: refused by the parser or by GCM */
	for (size_t i = 0; i < blob.len; i++)
		for (int bit = 0; bit < 8; bit++) {
			blob.data[i] ^= (uint8_t)(1u << bit);
			struct bw_kms_ct t;
			int ok = bw_kms_ct_parse(bw_cur_from(blob.data, blob.len), &t) == 0 &&
			         bw_kms_ct_open(bw_cur_from(key, 32), &t, ctx, &pt) == 0;
			if (ok)
				fail_msg("flip of byte %zu bit %d accepted", i, bit);
			blob.data[i] ^= (uint8_t)(1u << bit);
		}
	/* every truncation, and one byte more */
	for (size_t n = 0; n < blob.len; n++) {
		struct bw_kms_ct t;
		int ok = bw_kms_ct_parse(bw_cur_from(blob.data, n), &t) == 0 &&
		         bw_kms_ct_open(bw_cur_from(key, 32), &t, ctx, &pt) == 0;
		if (ok)
			fail_msg("truncation to %zu accepted", n);
	}
	assert_int_equal(bw_buf_append_byte(&blob, 0), 0);
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(blob.data, blob.len), &ct), 0);
	assert_int_equal(bw_kms_ct_open(bw_cur_from(key, 32), &ct, ctx, &pt), -1);
	assert_int_equal(pt.len, 0);
	json_decref(ctx);
	json_decref(ctx2);
	bw_buf_free(&blob);
	bw_buf_free(&pt);
}

static void test_blob_limits(void **state)
{
	(void)state;
	uint8_t key[32] = {0}, big[BW_KMS_CT_MAX_PLAINTEXT + 1] = {0}, junk[200];
	struct bw_buf blob = {0};
	struct bw_kms_ct ct;
	assert_int_equal(bw_kms_ct_seal(bw_cur_from(key, 32), KID, MID, NULL,
	                                bw_cur_from(big, BW_KMS_CT_MAX_PLAINTEXT), &blob),
	                 0);
	assert_int_equal(blob.len, BW_KMS_CT_MAX_LEN);
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(blob.data, blob.len), &ct), 0);
	assert_int_equal(bw_kms_ct_seal(bw_cur_from(key, 32), KID, MID, NULL,
	                                bw_cur_from(big, sizeof big), &blob),
	                 -1);
	/* bad ids, bad key length */
	assert_int_equal(
	    bw_kms_ct_seal(bw_cur_from(key, 32), "not-a-uuid", MID, NULL, bw_cur_str("x"), &blob),
	    -1);
	assert_int_equal(bw_kms_ct_seal(bw_cur_from(key, 32), KID,
	                                "zz112233445566778899aabbccddeeff", NULL, bw_cur_str("x"),
	                                &blob),
	                 -1);
	assert_int_equal(
	    bw_kms_ct_seal(bw_cur_from(key, 16), KID, MID, NULL, bw_cur_str("x"), &blob), -1);
	/* garbage, upper-case ids, another version */
	RAND_bytes(junk, sizeof junk);
	junk[0] = 0x02;
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(junk, sizeof junk), &ct), -1);
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(NULL, 0), &ct), -1);
	bw_buf_reset(&blob);
	assert_int_equal(
	    bw_kms_ct_seal(bw_cur_from(key, 32), KID, MID, NULL, bw_cur_str("x"), &blob), 0);
	blob.data[2] = 'A';
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(blob.data, blob.len), &ct), -1);
	blob.data[2] = 'a';
	blob.data[0] = 0x02;
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(blob.data, blob.len), &ct), -1);
	bw_buf_free(&blob);
}

/* A blob made by an independent implementation of the format (Python's
 * cryptography AESGCM, the fuzz seed corpus) opens here. */
static void test_blob_cross_implementation(void **state)
{
	(void)state;
	const char *src = getenv("BW_SOURCE_DIR");
	if (!src)
		skip();
	char path[512];
	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/fuzz_kms_ciphertext/seed0.bin", src);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t blob[512], key[32];
	size_t n = fread(blob, 1, sizeof blob, f);
	fclose(f);
	memset(key, 0x11, sizeof key);
	struct bw_kms_ct ct;
	struct bw_buf pt = {0};
	json_t *ctx = json_pack("{s:s}", "purpose", "fuzz");
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(blob, n), &ct), 0);
	assert_int_equal(bw_kms_ct_open(bw_cur_from(key, 32), &ct, ctx, &pt), 0);
	assert_int_equal(pt.len, 5);
	assert_memory_equal(pt.data, "hello", 5);
	json_decref(ctx);
	bw_buf_free(&pt);
}

/* ---- handlers ---- */

static json_t *s_encrypt(const char *key_id, const char *msg, json_t *ctx)
{
	json_t *in = json_pack("{s:s, s:o}", "KeyId", key_id, "Plaintext", s_b64(msg, strlen(msg)));
	if (ctx)
		json_object_set_new(in, "EncryptionContext", ctx);
	json_t *out = NULL;
	assert_int_equal(s_run("Encrypt", in, &out), 0);
	return out;
}

static void test_encrypt_decrypt(void **state)
{
	(void)state;
	char k1[37], k2[37], ks[37];
	s_make_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", k1);
	s_make_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", k2);
	s_make_key("ECC_NIST_P256", "SIGN_VERIFY", ks);
	json_t *enc = s_encrypt(k1, "hello kms", json_pack("{s:s}", "Dept", "IT"));
	char arn[128];
	snprintf(arn, sizeof arn, "arn:aws:kms:us-east-1:" ACCT ":key/%s", k1);
	assert_string_equal(json_string_value(json_object_get(enc, "KeyId")), arn);
	assert_string_equal(json_string_value(json_object_get(enc, "EncryptionAlgorithm")),
	                    "SYMMETRIC_DEFAULT");
	json_t *blob = json_object_get(enc, "CiphertextBlob"), *out = NULL;
	uint8_t buf[8192];
	/* without KeyId */
	assert_int_equal(s_run("Decrypt",
	                       json_pack("{s:O, s:{s:s}}", "CiphertextBlob", blob,
	                                 "EncryptionContext", "Dept", "IT"),
	                       &out),
	                 0);
	size_t n = s_unb64(json_object_get(out, "Plaintext"), buf, sizeof buf);
	assert_int_equal(n, 9);
	assert_memory_equal(buf, "hello kms", 9);
	assert_string_equal(json_string_value(json_object_get(out, "KeyId")), arn);
	json_decref(out);
	/* with KeyId (as ARN) */
	assert_int_equal(s_run("Decrypt",
	                       json_pack("{s:O, s:s, s:{s:s}}", "CiphertextBlob", blob, "KeyId",
	                                 arn, "EncryptionContext", "Dept", "IT"),
	                       &out),
	                 0);
	json_decref(out);
	/* another key named */
	s_expect_error("Decrypt",
	               json_pack("{s:O, s:s, s:{s:s}}", "CiphertextBlob", blob, "KeyId", k2,
	                         "EncryptionContext", "Dept", "IT"),
	               "IncorrectKeyException");
	/* wrong or missing context */
	s_expect_error(
	    "Decrypt",
	    json_pack("{s:O, s:{s:s}}", "CiphertextBlob", blob, "EncryptionContext", "Dept", "HR"),
	    "InvalidCiphertextException");
	s_expect_error("Decrypt", json_pack("{s:O}", "CiphertextBlob", blob),
	               "InvalidCiphertextException");
	/* tampered */
	n = s_unb64(blob, buf, sizeof buf);
	buf[n - 20] ^= 1;
	s_expect_error("Decrypt",
	               json_pack("{s:o, s:{s:s}}", "CiphertextBlob", s_b64(buf, n),
	                         "EncryptionContext", "Dept", "IT"),
	               "InvalidCiphertextException");
	s_expect_error("Decrypt", json_pack("{s:o}", "CiphertextBlob", s_b64("garbage", 7)),
	               "InvalidCiphertextException");
	/* ReEncrypt to k2, then decrypt there */
	assert_int_equal(
	    s_run("ReEncrypt",
	          json_pack("{s:O, s:{s:s}, s:s}", "CiphertextBlob", blob,
	                    "SourceEncryptionContext", "Dept", "IT", "DestinationKeyId", k2),
	          &out),
	    0);
	json_t *blob2 = json_incref(json_object_get(out, "CiphertextBlob"));
	json_decref(out);
	assert_int_equal(s_run("Decrypt", json_pack("{s:o}", "CiphertextBlob", blob2), &out), 0);
	n = s_unb64(json_object_get(out, "Plaintext"), buf, sizeof buf);
	assert_memory_equal(buf, "hello kms", 9);
	json_decref(out);
	/* limits and usage */
	static uint8_t big[4097];
	s_expect_error("Encrypt",
	               json_pack("{s:s, s:o}", "KeyId", k1, "Plaintext", s_b64(big, sizeof big)),
	               "ValidationException");
	s_expect_error("Encrypt", json_pack("{s:s, s:o}", "KeyId", ks, "Plaintext", s_b64("x", 1)),
	               "InvalidKeyUsageException");
	s_expect_error("Encrypt",
	               json_pack("{s:s, s:o}", "KeyId", "alias/none", "Plaintext", s_b64("x", 1)),
	               "NotFoundException");
	s_expect_error(
	    "Encrypt",
	    json_pack("{s:s, s:o, s:b}", "KeyId", k1, "Plaintext", s_b64("x", 1), "DryRun", 1),
	    "DryRunOperationException");
	/* a disabled key, a key pending deletion */
	s_set_key_field(k1, "KeyState", json_string("Disabled"));
	s_expect_error(
	    "Decrypt",
	    json_pack("{s:O, s:{s:s}}", "CiphertextBlob", blob, "EncryptionContext", "Dept", "IT"),
	    "DisabledException");
	s_set_key_field(k1, "KeyState", json_string("PendingDeletion"));
	s_expect_error("Encrypt", json_pack("{s:s, s:o}", "KeyId", k1, "Plaintext", s_b64("x", 1)),
	               "KMSInvalidStateException");
	json_decref(enc);
}

static void test_data_keys(void **state)
{
	(void)state;
	char k[37];
	s_make_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", k);
	json_t *out = NULL, *out2 = NULL;
	uint8_t a[8192], b[8192];
	s_expect_error("GenerateDataKey", json_pack("{s:s}", "KeyId", k), "ValidationException");
	s_expect_error(
	    "GenerateDataKey",
	    json_pack("{s:s, s:i, s:s}", "KeyId", k, "NumberOfBytes", 32, "KeySpec", "AES_256"),
	    "ValidationException");
	/* NumberOfBytes's 1..1024 is the validator's (ValidationException before
	 * the handler runs); the handler only guards its buffer */
	s_expect_error("GenerateDataKey",
	               json_pack("{s:s, s:i}", "KeyId", k, "NumberOfBytes", 1025),
	               "InternalFailure");
	assert_int_equal(s_run("GenerateDataKey",
	                       json_pack("{s:s, s:s, s:{s:s}}", "KeyId", k, "KeySpec", "AES_128",
	                                 "EncryptionContext", "a", "b"),
	                       &out),
	                 0);
	size_t n = s_unb64(json_object_get(out, "Plaintext"), a, sizeof a);
	assert_int_equal(n, 16);
	assert_int_equal(
	    s_run("Decrypt",
	          json_pack("{s:O, s:{s:s}}", "CiphertextBlob",
	                    json_object_get(out, "CiphertextBlob"), "EncryptionContext", "a", "b"),
	          &out2),
	    0);
	assert_int_equal(s_unb64(json_object_get(out2, "Plaintext"), b, sizeof b), 16);
	assert_memory_equal(a, b, 16);
	json_decref(out);
	json_decref(out2);
	assert_int_equal(s_run("GenerateDataKeyWithoutPlaintext",
	                       json_pack("{s:s, s:i}", "KeyId", k, "NumberOfBytes", 1024), &out),
	                 0);
	assert_null(json_object_get(out, "Plaintext"));
	assert_int_equal(
	    s_run("Decrypt",
	          json_pack("{s:O}", "CiphertextBlob", json_object_get(out, "CiphertextBlob")),
	          &out2),
	    0);
	assert_int_equal(s_unb64(json_object_get(out2, "Plaintext"), b, sizeof b), 1024);
	json_decref(out);
	json_decref(out2);

	/* a key pair: the private half decrypts from the blob and matches the public
	 */
	assert_int_equal(s_run("GenerateDataKeyPair",
	                       json_pack("{s:s, s:s}", "KeyId", k, "KeyPairSpec", "ECC_NIST_P256"),
	                       &out),
	                 0);
	size_t pn = s_unb64(json_object_get(out, "PrivateKeyPlaintext"), a, sizeof a);
	assert_int_equal(s_run("Decrypt",
	                       json_pack("{s:O}", "CiphertextBlob",
	                                 json_object_get(out, "PrivateKeyCiphertextBlob")),
	                       &out2),
	                 0);
	assert_int_equal(s_unb64(json_object_get(out2, "Plaintext"), b, sizeof b), pn);
	assert_memory_equal(a, b, pn);
	EVP_PKEY *priv = bw_kms_pkey_private(bw_cur_from(a, pn));
	size_t qn = s_unb64(json_object_get(out, "PublicKey"), b, sizeof b);
	const unsigned char *q = b;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &q, (long)qn);
	assert_non_null(priv);
	assert_non_null(pub);
	assert_int_equal(EVP_PKEY_eq(priv, pub), 1);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
	json_decref(out);
	json_decref(out2);
	assert_int_equal(s_run("GenerateDataKeyPairWithoutPlaintext",
	                       json_pack("{s:s, s:s}", "KeyId", k, "KeyPairSpec", "RSA_2048"),
	                       &out),
	                 0);
	assert_null(json_object_get(out, "PrivateKeyPlaintext"));
	assert_non_null(json_object_get(out, "PrivateKeyCiphertextBlob"));
	json_decref(out);
	s_expect_error("GenerateDataKeyPair",
	               json_pack("{s:s, s:s}", "KeyId", k, "KeyPairSpec", "SM2"),
	               "ValidationException");
}

static void s_sign_verify(const char *key_id, const char *alg, size_t digest_len)
{
	json_t *out = NULL;
	const char *msg = "message to sign";
	assert_int_equal(s_run("Sign",
	                       json_pack("{s:s, s:o, s:s}", "KeyId", key_id, "Message",
	                                 s_b64(msg, strlen(msg)), "SigningAlgorithm", alg),
	                       &out),
	                 0);
	json_t *sig = json_incref(json_object_get(out, "Signature"));
	json_decref(out);
	assert_int_equal(
	    s_run("Verify",
	          json_pack("{s:s, s:o, s:O, s:s}", "KeyId", key_id, "Message",
	                    s_b64(msg, strlen(msg)), "Signature", sig, "SigningAlgorithm", alg),
	          &out),
	    0);
	assert_true(json_is_true(json_object_get(out, "SignatureValid")));
	json_decref(out);
	/* the same through DIGEST */
	uint8_t digest[64];
	unsigned dl = 0;
	const char *md = digest_len == 32 ? "SHA256" : digest_len == 48 ? "SHA384" : "SHA512";
	EVP_Digest(msg, strlen(msg), digest, &dl, EVP_get_digestbyname(md), NULL);
	assert_int_equal(dl, digest_len);
	assert_int_equal(s_run("Verify",
	                       json_pack("{s:s, s:o, s:s, s:O, s:s}", "KeyId", key_id, "Message",
	                                 s_b64(digest, dl), "MessageType", "DIGEST", "Signature",
	                                 sig, "SigningAlgorithm", alg),
	                       &out),
	                 0);
	json_decref(out);
	s_expect_error("Sign",
	               json_pack("{s:s, s:o, s:s, s:s}", "KeyId", key_id, "Message",
	                         s_b64(digest, dl - 1), "MessageType", "DIGEST", "SigningAlgorithm",
	                         alg),
	               "ValidationException");
	/* another message */
	s_expect_error("Verify",
	               json_pack("{s:s, s:o, s:O, s:s}", "KeyId", key_id, "Message", s_b64("x", 1),
	                         "Signature", sig, "SigningAlgorithm", alg),
	               "KMSInvalidSignatureException");
	json_decref(sig);
}

static void test_sign_verify(void **state)
{
	(void)state;
	char rsa[37], p256[37], p384[37], p521[37], k1[37];
	s_make_key("RSA_2048", "SIGN_VERIFY", rsa);
	s_make_key("ECC_NIST_P256", "SIGN_VERIFY", p256);
	s_make_key("ECC_NIST_P384", "SIGN_VERIFY", p384);
	s_make_key("ECC_NIST_P521", "SIGN_VERIFY", p521);
	s_make_key("ECC_SECG_P256K1", "SIGN_VERIFY", k1);
	s_sign_verify(rsa, "RSASSA_PSS_SHA_256", 32);
	s_sign_verify(rsa, "RSASSA_PSS_SHA_384", 48);
	s_sign_verify(rsa, "RSASSA_PSS_SHA_512", 64);
	s_sign_verify(rsa, "RSASSA_PKCS1_V1_5_SHA_256", 32);
	s_sign_verify(rsa, "RSASSA_PKCS1_V1_5_SHA_384", 48);
	s_sign_verify(rsa, "RSASSA_PKCS1_V1_5_SHA_512", 64);
	s_sign_verify(p256, "ECDSA_SHA_256", 32);
	s_sign_verify(p384, "ECDSA_SHA_384", 48);
	s_sign_verify(p521, "ECDSA_SHA_512", 64);
	s_sign_verify(k1, "ECDSA_SHA_256", 32);
	/* an algorithm the key does not list */
	s_expect_error("Sign",
	               json_pack("{s:s, s:o, s:s}", "KeyId", p256, "Message", s_b64("m", 1),
	                         "SigningAlgorithm", "ECDSA_SHA_384"),
	               "InvalidKeyUsageException");
	/* GetPublicKey: DER SPKI that verifies a PSS signature outside KMS */
	json_t *out = NULL;
	assert_int_equal(s_run("GetPublicKey", json_pack("{s:s}", "KeyId", rsa), &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "KeySpec")), "RSA_2048");
	assert_string_equal(json_string_value(json_object_get(out, "KeyUsage")), "SIGN_VERIFY");
	assert_non_null(json_object_get(out, "SigningAlgorithms"));
	uint8_t der[2048];
	size_t dn = s_unb64(json_object_get(out, "PublicKey"), der, sizeof der);
	json_decref(out);
	const unsigned char *p = der;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)dn);
	assert_non_null(pub);
	assert_int_equal(s_run("Sign",
	                       json_pack("{s:s, s:o, s:s}", "KeyId", rsa, "Message",
	                                 s_b64("abc", 3), "SigningAlgorithm", "RSASSA_PSS_SHA_256"),
	                       &out),
	                 0);
	uint8_t sig[512];
	size_t sn = s_unb64(json_object_get(out, "Signature"), sig, sizeof sig);
	json_decref(out);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	assert_int_equal(EVP_DigestVerifyInit(mctx, &pctx, EVP_sha256(), NULL, pub), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
	assert_int_equal(EVP_DigestVerify(mctx, sig, sn, (const uint8_t *)"abc", 3), 1);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pub);
	char sym[37];
	s_make_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", sym);
	s_expect_error("GetPublicKey", json_pack("{s:s}", "KeyId", sym),
	               "UnsupportedOperationException");
}

static void test_mac(void **state)
{
	(void)state;
	const char *specs[] = {"HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"};
	const char *algs[] = {"HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"};
	for (size_t i = 0; i < 4; i++) {
		char k[37];
		json_t *out = NULL;
		s_make_key(specs[i], "GENERATE_VERIFY_MAC", k);
		assert_int_equal(s_run("GenerateMac",
		                       json_pack("{s:s, s:o, s:s}", "KeyId", k, "Message",
		                                 s_b64("data", 4), "MacAlgorithm", algs[i]),
		                       &out),
		                 0);
		json_t *mac = json_incref(json_object_get(out, "Mac"));
		json_decref(out);
		assert_int_equal(
		    s_run("VerifyMac",
		          json_pack("{s:s, s:o, s:s, s:O}", "KeyId", k, "Message", s_b64("data", 4),
		                    "MacAlgorithm", algs[i], "Mac", mac),
		          &out),
		    0);
		assert_true(json_is_true(json_object_get(out, "MacValid")));
		json_decref(out);
		s_expect_error("VerifyMac",
		               json_pack("{s:s, s:o, s:s, s:O}", "KeyId", k, "Message",
		                         s_b64("dat", 3), "MacAlgorithm", algs[i], "Mac", mac),
		               "KMSInvalidMacException");
		s_expect_error("GenerateMac",
		               json_pack("{s:s, s:o, s:s}", "KeyId", k, "Message", s_b64("data", 4),
		                         "MacAlgorithm", algs[(i + 1) % 4]),
		               "InvalidKeyUsageException");
		json_decref(mac);
	}
}

static void test_rsa_oaep(void **state)
{
	(void)state;
	char k[37];
	s_make_key("RSA_2048", "ENCRYPT_DECRYPT", k);
	json_t *out = NULL;
	uint8_t buf[512];
	s_expect_error("Encrypt", json_pack("{s:s, s:o}", "KeyId", k, "Plaintext", s_b64("x", 1)),
	               "InvalidKeyUsageException");
	static uint8_t big[191];
	s_expect_error("Encrypt",
	               json_pack("{s:s, s:o, s:s}", "KeyId", k, "Plaintext", s_b64(big, sizeof big),
	                         "EncryptionAlgorithm", "RSAES_OAEP_SHA_256"),
	               "ValidationException");
	assert_int_equal(
	    s_run("Encrypt",
	          json_pack("{s:s, s:o, s:s}", "KeyId", k, "Plaintext", s_b64(big, 190),
	                    "EncryptionAlgorithm", "RSAES_OAEP_SHA_256"),
	          &out),
	    0);
	json_t *blob = json_incref(json_object_get(out, "CiphertextBlob"));
	json_decref(out);
	s_expect_error("Decrypt", json_pack("{s:O}", "CiphertextBlob", blob),
	               "InvalidCiphertextException");
	s_expect_error("Decrypt", json_pack("{s:O, s:s}", "CiphertextBlob", blob, "KeyId", k),
	               "ValidationException");
	s_expect_error("Decrypt",
	               json_pack("{s:O, s:s, s:s}", "CiphertextBlob", blob, "KeyId", k,
	                         "EncryptionAlgorithm", "RSAES_OAEP_SHA_1"),
	               "InvalidCiphertextException");
	assert_int_equal(s_run("Decrypt",
	                       json_pack("{s:O, s:s, s:s}", "CiphertextBlob", blob, "KeyId", k,
	                                 "EncryptionAlgorithm", "RSAES_OAEP_SHA_256"),
	                       &out),
	                 0);
	assert_int_equal(s_unb64(json_object_get(out, "Plaintext"), buf, sizeof buf), 190);
	json_decref(out);
	json_decref(blob);
}

/* Wrap material for an import with the wrapping public key (base64 DER). */
static json_t *s_wrap(const json_t *pub64, const char *walg, const uint8_t *m, size_t mlen)
{
	uint8_t der[2048];
	size_t dn = s_unb64(pub64, der, sizeof der);
	const unsigned char *p = der;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)dn);
	assert_non_null(pub);
	struct bw_buf out = {0};
	bool sha1 = strstr(walg, "SHA_1") != NULL;
	if (strncmp(walg, "RSAES_OAEP", 10) == 0) {
		assert_int_equal(bw_kms_rsa_oaep(pub, true, sha1 ? "SHA1" : "SHA256",
		                                 bw_cur_from(m, mlen), &out),
		                 0);
	} else {
		uint8_t kek[32], wrapped[128];
		int len = 0, fin = 0;
		RAND_bytes(kek, sizeof kek);
		assert_int_equal(bw_kms_rsa_oaep(pub, true, sha1 ? "SHA1" : "SHA256",
		                                 bw_cur_from(kek, sizeof kek), &out),
		                 0);
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
		assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_wrap_pad(), NULL, kek, NULL), 1);
		assert_int_equal(EVP_EncryptUpdate(c, wrapped, &len, m, (int)mlen), 1);
		assert_int_equal(EVP_EncryptFinal_ex(c, wrapped + len, &fin), 1);
		EVP_CIPHER_CTX_free(c);
		assert_int_equal(bw_buf_append(&out, wrapped, (size_t)(len + fin)), 0);
	}
	EVP_PKEY_free(pub);
	json_t *r = s_b64(out.data, out.len);
	bw_buf_free(&out);
	return r;
}

static json_t *s_params(const char *k, const char *walg)
{
	json_t *out = NULL;
	assert_int_equal(s_run("GetParametersForImport",
	                       json_pack("{s:s, s:s, s:s}", "KeyId", k, "WrappingAlgorithm", walg,
	                                 "WrappingKeySpec", "RSA_2048"),
	                       &out),
	                 0);
	assert_true(json_number_value(json_object_get(out, "ParametersValidTo")) > NOW);
	return out;
}

static void test_import(void **state)
{
	(void)state;
	char k[37], aws[37];
	s_make_key("SYMMETRIC_DEFAULT", "EXTERNAL", k);
	s_make_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", aws);
	uint8_t material[32], other[32];
	memset(material, 0xa5, sizeof material);
	memset(other, 0x5a, sizeof other);
	json_t *out = NULL;
	/* pending import: unusable */
	s_expect_error("Encrypt", json_pack("{s:s, s:o}", "KeyId", k, "Plaintext", s_b64("x", 1)),
	               "KMSInvalidStateException");
	s_expect_error("GetParametersForImport",
	               json_pack("{s:s, s:s, s:s}", "KeyId", aws, "WrappingAlgorithm",
	                         "RSAES_OAEP_SHA_256", "WrappingKeySpec", "RSA_2048"),
	               "UnsupportedOperationException");
	json_t *params = s_params(k, "RSAES_OAEP_SHA_256");
	/* the wrong length */
	s_expect_error("ImportKeyMaterial",
	               json_pack("{s:s, s:O, s:o, s:s}", "KeyId", k, "ImportToken",
	                         json_object_get(params, "ImportToken"), "EncryptedKeyMaterial",
	                         s_wrap(json_object_get(params, "PublicKey"), "RSAES_OAEP_SHA_256",
	                                material, 16),
	                         "ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE"),
	               "ValidationException");
	/* garbage wrapped material */
	s_expect_error("ImportKeyMaterial",
	               json_pack("{s:s, s:O, s:o, s:s}", "KeyId", k, "ImportToken",
	                         json_object_get(params, "ImportToken"), "EncryptedKeyMaterial",
	                         s_b64(other, sizeof other), "ExpirationModel",
	                         "KEY_MATERIAL_DOES_NOT_EXPIRE"),
	               "InvalidCiphertextException");
	/* a token that is not ours */
	s_expect_error("ImportKeyMaterial",
	               json_pack("{s:s, s:o, s:o}", "KeyId", k, "ImportToken",
	                         s_b64(other, sizeof other), "EncryptedKeyMaterial",
	                         s_b64(other, sizeof other)),
	               "InvalidImportTokenException");
	/* expiring in an hour */
	assert_int_equal(
	    s_run("ImportKeyMaterial",
	          json_pack("{s:s, s:O, s:o, s:s, s:f}", "KeyId", k, "ImportToken",
	                    json_object_get(params, "ImportToken"), "EncryptedKeyMaterial",
	                    s_wrap(json_object_get(params, "PublicKey"), "RSAES_OAEP_SHA_256",
	                           material, sizeof material),
	                    "ExpirationModel", "KEY_MATERIAL_EXPIRES", "ValidTo", NOW + 3600),
	          &out),
	    0);
	json_decref(out);
	json_decref(params);
	json_t *enc = s_encrypt(k, "imported", NULL);
	assert_int_equal(
	    s_run("Decrypt",
	          json_pack("{s:O}", "CiphertextBlob", json_object_get(enc, "CiphertextBlob")),
	          &out),
	    0);
	json_decref(out);
	/* the blob really is AES-GCM under the imported bytes */
	uint8_t blob[512];
	size_t bn = s_unb64(json_object_get(enc, "CiphertextBlob"), blob, sizeof blob);
	struct bw_kms_ct ct;
	struct bw_buf pt = {0};
	assert_int_equal(bw_kms_ct_parse(bw_cur_from(blob, bn), &ct), 0);
	assert_int_equal(bw_kms_ct_open(bw_cur_from(material, 32), &ct, NULL, &pt), 0);
	assert_memory_equal(pt.data, "imported", 8);
	bw_buf_free(&pt);
	/* nothing in the store holds the raw bytes */
	json_t *docs = NULL;
	bool more = false;
	assert_int_equal(bw_doc_list(s_store, BW_KMS_MATERIAL, ACCT, NULL, &docs, &more), 0);
	char *text = json_dumps(docs, 0);
	assert_null(memmem(text, strlen(text), material, sizeof material));
	free(text);
	json_decref(docs);
	/* re-import: other bytes refused, the same accepted (RSA_AES_KEY_WRAP this
	 * time) */
	params = s_params(k, "RSA_AES_KEY_WRAP_SHA_256");
	s_expect_error("ImportKeyMaterial",
	               json_pack("{s:s, s:O, s:o}", "KeyId", k, "ImportToken",
	                         json_object_get(params, "ImportToken"), "EncryptedKeyMaterial",
	                         s_wrap(json_object_get(params, "PublicKey"),
	                                "RSA_AES_KEY_WRAP_SHA_256", other, sizeof other)),
	               "IncorrectKeyMaterialException");
	assert_int_equal(
	    s_run("ImportKeyMaterial",
	          json_pack("{s:s, s:O, s:o, s:s, s:f}", "KeyId", k, "ImportToken",
	                    json_object_get(params, "ImportToken"), "EncryptedKeyMaterial",
	                    s_wrap(json_object_get(params, "PublicKey"), "RSA_AES_KEY_WRAP_SHA_256",
	                           material, sizeof material),
	                    "ExpirationModel", "KEY_MATERIAL_EXPIRES", "ValidTo", NOW + 60),
	          &out),
	    0);
	json_decref(out);
	json_decref(params);
	/* past ValidTo: the key is as good as pending import */
	s_set_key_field(k, "ValidTo", json_real(NOW - 1));
	s_expect_error("Decrypt",
	               json_pack("{s:O}", "CiphertextBlob", json_object_get(enc, "CiphertextBlob")),
	               "KMSInvalidStateException");
	/* an expired token */
	params = s_params(k, "RSAES_OAEP_SHA_1");
	json_t *tok = json_incref(json_object_get(params, "ImportToken"));
	uint8_t t[64];
	size_t tn = s_unb64(tok, t, sizeof t);
	struct bw_buf hex = {0};
	assert_int_equal(bw_hex_encode(t, tn, &hex), 0);
	json_t *tdoc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_IMPORT, ACCT, bw_buf_cstr(&hex), &tdoc), 0);
	json_object_set_new(tdoc, "ParametersValidTo", json_real(NOW - 1));
	assert_int_equal(bw_doc_update(s_store, BW_KMS_IMPORT, ACCT, bw_buf_cstr(&hex), tdoc), 0);
	json_decref(tdoc);
	bw_buf_free(&hex);
	s_expect_error("ImportKeyMaterial",
	               json_pack("{s:s, s:O, s:o}", "KeyId", k, "ImportToken", tok,
	                         "EncryptedKeyMaterial",
	                         s_wrap(json_object_get(params, "PublicKey"), "RSAES_OAEP_SHA_1",
	                                material, sizeof material)),
	               "ExpiredImportTokenException");
	json_decref(tok);
	json_decref(params);
	/* delete: PendingImport, the sealed bytes gone, the record kept */
	assert_int_equal(s_run("DeleteImportedKeyMaterial", json_pack("{s:s}", "KeyId", k), &out),
	                 0);
	json_decref(out);
	json_t *kdoc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_KEY, ACCT, k, &kdoc), 0);
	assert_string_equal(json_string_value(json_object_get(kdoc, "KeyState")), "PendingImport");
	json_decref(kdoc);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s/", k);
	struct bw_doc_page page = {.prefix = prefix};
	assert_int_equal(bw_doc_list(s_store, BW_KMS_MATERIAL, ACCT, &page, &docs, &more), 0);
	assert_int_equal(json_array_size(docs), 1);
	json_t *m = json_object_get(json_array_get(docs, 0), "doc");
	assert_null(json_object_get(m, "Sealed"));
	assert_string_equal(json_string_value(json_object_get(m, "ImportState")), "PENDING_IMPORT");
	json_decref(docs);
	s_expect_error("Decrypt",
	               json_pack("{s:O}", "CiphertextBlob", json_object_get(enc, "CiphertextBlob")),
	               "KMSInvalidStateException");
	json_decref(enc);
}

/* Import material into k with a fresh token; 0 or -1 (s_call.err). */
static int s_import(const char *k, const uint8_t *material, size_t len, json_t *extra,
                    char mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1])
{
	json_t *params = s_params(k, "RSAES_OAEP_SHA_256"), *out = NULL;
	json_t *in = json_pack(
	    "{s:s, s:O, s:o, s:s}", "KeyId", k, "ImportToken",
	    json_object_get(params, "ImportToken"), "EncryptedKeyMaterial",
	    s_wrap(json_object_get(params, "PublicKey"), "RSAES_OAEP_SHA_256", material, len),
	    "ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE");
	if (extra) {
		assert_int_equal(json_object_update(in, extra), 0);
		json_decref(extra);
	}
	json_decref(params);
	int rc = s_run("ImportKeyMaterial", in, &out);
	if (rc == 0 && mid)
		snprintf(mid, BW_KMS_KEY_MATERIAL_ID_MAX + 1, "%s",
		         json_string_value(json_object_get(out, "KeyMaterialId")));
	json_decref(out);
	return rc;
}

static void s_expect_import_error(const char *k, const uint8_t *material, json_t *extra,
                                  const char *code)
{
	assert_int_equal(s_import(k, material, 32, extra, NULL), -1);
	if (strcmp(s_call.err.code, code) != 0)
		fail_msg("ImportKeyMaterial: expected %s, got %s: %s", code, s_call.err.code,
		         s_call.err.message);
}

static const char *s_key_str(const char *k, const char *member, char *buf, size_t len)
{
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_KEY, ACCT, k, &doc), 0);
	const char *v = json_string_value(json_object_get(doc, member));
	snprintf(buf, len, "%s", v ? v : "");
	json_decref(doc);
	return buf;
}

static void s_expect_plaintext(const json_t *enc, const char *want)
{
	json_t *out = NULL;
	assert_int_equal(
	    s_run("Decrypt",
	          json_pack("{s:O}", "CiphertextBlob", json_object_get(enc, "CiphertextBlob")),
	          &out),
	    0);
	uint8_t pt[64];
	size_t n = s_unb64(json_object_get(out, "Plaintext"), pt, sizeof pt);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(pt, want, n);
	json_decref(out);
}

/* The security hole: after DeleteImportedKeyMaterial, other bytes could be
 * imported (old ciphertexts lost, new ones readable by whoever chose the
 * bytes), and the same bytes came back under a new id (old ciphertexts
 * still lost). */
static void test_reimport_after_delete(void **state)
{
	(void)state;
	char k[37], mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1], again[BW_KMS_KEY_MATERIAL_ID_MAX + 1],
	    want[BW_KMS_KEY_MATERIAL_ID_MAX + 1], store_id[BW_KMS_MATERIAL_ID_LEN + 1], buf[80];
	s_make_key("SYMMETRIC_DEFAULT", "EXTERNAL", k);
	uint8_t material[32], other[32];
	RAND_bytes(material, sizeof material);
	RAND_bytes(other, sizeof other);
	assert_int_equal(s_import(k, material, 32, NULL, mid), 0);
	/* the id is the one the bytes make (AWS's 64 characters; the store's
	 * 32 are its first half), and the key shows it */
	assert_int_equal(
	    bw_kms_material_public_import_id(&s_rk, ACCT, k, bw_cur_from(material, 32), want), 0);
	assert_string_equal(mid, want);
	assert_int_equal(strlen(mid), 64);
	assert_int_equal(
	    bw_kms_material_import_id(&s_rk, ACCT, k, bw_cur_from(material, 32), store_id), 0);
	assert_memory_equal(mid, store_id, BW_KMS_MATERIAL_ID_LEN);
	assert_string_equal(s_key_str(k, "CurrentMaterialId", buf, sizeof buf), store_id);
	assert_string_equal(s_key_str(k, "CurrentKeyMaterialId", buf, sizeof buf), mid);
	json_t *enc = s_encrypt(k, "before", json_pack("{s:s}", "a", "b"));
	json_t *out = NULL;
	assert_int_equal(s_run("DeleteImportedKeyMaterial", json_pack("{s:s}", "KeyId", k), &out),
	                 0);
	assert_string_equal(json_string_value(json_object_get(out, "KeyMaterialId")), mid);
	json_decref(out);
	/* AWS keeps CurrentKeyMaterialId; the material no longer encrypts */
	assert_string_equal(s_key_str(k, "CurrentKeyMaterialId", buf, sizeof buf), mid);
	assert_string_equal(s_key_str(k, "CurrentMaterialId", buf, sizeof buf), "");
	/* the bytes are nowhere in the store (the record is only their id) */
	json_t *docs = NULL;
	bool more = false;
	assert_int_equal(bw_doc_list(s_store, BW_KMS_MATERIAL, ACCT, NULL, &docs, &more), 0);
	char *text = json_dumps(docs, 0);
	assert_null(memmem(text, strlen(text), material, sizeof material));
	free(text);
	json_decref(docs);
	/* different bytes: refused, and the key stays without material */
	s_expect_import_error(k, other, NULL, "IncorrectKeyMaterialException");
	assert_string_equal(s_key_str(k, "KeyState", buf, sizeof buf), "PendingImport");
	s_expect_error("Encrypt", json_pack("{s:s, s:o}", "KeyId", k, "Plaintext", s_b64("x", 1)),
	               "KMSInvalidStateException");
	/* the same bytes: the same id, and what was encrypted before decrypts */
	assert_int_equal(s_import(k, material, 32, NULL, again), 0);
	assert_string_equal(again, mid);
	assert_string_equal(s_key_str(k, "KeyState", buf, sizeof buf), "Enabled");
	assert_int_equal(
	    s_run("Decrypt",
	          json_pack("{s:O, s:{s:s}}", "CiphertextBlob",
	                    json_object_get(enc, "CiphertextBlob"), "EncryptionContext", "a", "b"),
	          &out),
	    0);
	assert_string_equal(json_string_value(json_object_get(out, "KeyMaterialId")), mid);
	json_decref(out);
	json_decref(enc);
	/* while imported, other bytes are refused too; the same are taken again */
	s_expect_import_error(k, other, NULL, "IncorrectKeyMaterialException");
	assert_int_equal(s_import(k, material, 32, NULL, again), 0);
	assert_string_equal(again, mid);
	/* deleting twice is harmless; a KeyMaterialId not the key's is not found */
	s_expect_error("DeleteImportedKeyMaterial",
	               json_pack("{s:s, s:s}", "KeyId", k, "KeyMaterialId",
	                         "00000000000000000000000000000000"),
	               "NotFoundException");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(s_run("DeleteImportedKeyMaterial",
		                       json_pack("{s:s, s:s}", "KeyId", k, "KeyMaterialId", mid),
		                       &out),
		                 0);
		json_decref(out);
	}
	s_expect_import_error(k, other, NULL, "IncorrectKeyMaterialException");
}

static void test_import_type(void **state)
{
	(void)state;
	char k[37], mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1], again[BW_KMS_KEY_MATERIAL_ID_MAX + 1];
	s_make_key("SYMMETRIC_DEFAULT", "EXTERNAL", k);
	uint8_t material[32], other[32];
	RAND_bytes(material, sizeof material);
	RAND_bytes(other, sizeof other);
	/* an ImportType outside the model's enum is the validator's to refuse */
	/* nothing to be the same as yet */
	s_expect_import_error(k, material,
	                      json_pack("{s:s}", "ImportType", "EXISTING_KEY_MATERIAL"),
	                      "IncorrectKeyMaterialException");
	s_expect_import_error(k, material,
	                      json_pack("{s:s, s:s}", "ImportType", "NEW_KEY_MATERIAL",
	                                "KeyMaterialId", "00000000000000000000000000000000"),
	                      "ValidationException");
	assert_int_equal(
	    s_import(k, material, 32, json_pack("{s:s}", "ImportType", "NEW_KEY_MATERIAL"), mid),
	    0);
	/* a second material is pending on-demand rotation; the same bytes are
	 * not new, and a third waits for that rotation */
	char pending[BW_KMS_KEY_MATERIAL_ID_MAX + 1];
	assert_int_equal(
	    s_import(k, other, 32, json_pack("{s:s}", "ImportType", "NEW_KEY_MATERIAL"), pending),
	    0);
	assert_string_not_equal(pending, mid);
	s_expect_import_error(k, material, json_pack("{s:s}", "ImportType", "NEW_KEY_MATERIAL"),
	                      "IncorrectKeyMaterialException");
	uint8_t third[32];
	RAND_bytes(third, sizeof third);
	s_expect_import_error(k, third, json_pack("{s:s}", "ImportType", "NEW_KEY_MATERIAL"),
	                      "KMSInvalidStateException");
	/* KeyMaterialId must be the id the bytes make */
	s_expect_import_error(k, material,
	                      json_pack("{s:s, s:s}", "ImportType", "EXISTING_KEY_MATERIAL",
	                                "KeyMaterialId", "00000000000000000000000000000000"),
	                      "IncorrectKeyMaterialException");
	assert_int_equal(s_import(k, material, 32,
	                          json_pack("{s:s, s:s}", "ImportType", "EXISTING_KEY_MATERIAL",
	                                    "KeyMaterialId", mid),
	                          again),
	                 0);
	assert_string_equal(again, mid);
}

/* Material imported before ids were computed: a random MaterialId, no
 * ImportState. It keeps its id, and deleting it records the id its bytes
 * make, so the rule holds for it too. */
static void test_reimport_legacy_material(void **state)
{
	(void)state;
	char k[37], mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1], path[128], buf[80];
	s_make_key("SYMMETRIC_DEFAULT", "EXTERNAL", k);
	uint8_t material[32], other[32];
	RAND_bytes(material, sizeof material);
	RAND_bytes(other, sizeof other);
	json_t *mdoc = NULL;
	assert_int_equal(bw_kms_material_seal(&s_rk, ACCT, k, bw_cur_from(material, 32),
	                                      bw_cur_from(NULL, 0), "EXTERNAL", &mdoc),
	                 0);
	const char *legacy = json_string_value(json_object_get(mdoc, "MaterialId"));
	snprintf(path, sizeof path, "%s/%s", k, legacy);
	assert_int_equal(bw_doc_create(s_store, BW_KMS_MATERIAL, ACCT, path, mdoc), 0);
	s_set_key_field(k, "CurrentMaterialId", json_string(legacy));
	s_set_key_field(k, "CurrentKeyMaterialId", json_string(legacy));
	s_set_key_field(k, "KeyState", json_string("Enabled"));
	s_set_key_field(k, "Enabled", json_true());
	json_t *enc = s_encrypt(k, "legacy", NULL);
	s_expect_import_error(k, other, NULL, "IncorrectKeyMaterialException");
	assert_int_equal(s_import(k, material, 32, NULL, mid), 0);
	assert_string_equal(mid, legacy);
	json_t *out = NULL;
	assert_int_equal(s_run("DeleteImportedKeyMaterial", json_pack("{s:s}", "KeyId", k), &out),
	                 0);
	json_decref(out);
	s_expect_import_error(k, other, NULL, "IncorrectKeyMaterialException");
	assert_int_equal(s_import(k, material, 32, NULL, mid), 0);
	assert_string_equal(mid, legacy);
	assert_string_equal(s_key_str(k, "CurrentKeyMaterialId", buf, sizeof buf), legacy);
	s_expect_plaintext(enc, "legacy");
	json_decref(enc);
	/* and a legacy record deleted by this code before any re-import */
	assert_int_equal(s_run("DeleteImportedKeyMaterial", json_pack("{s:s}", "KeyId", k), &out),
	                 0);
	json_decref(out);
	json_t *m = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_MATERIAL, ACCT, path, &m), 0);
	assert_non_null(json_object_get(m, "ImportId"));
	assert_null(json_object_get(m, "Sealed"));
	json_decref(m);
	json_decref(mdoc);
}

static void test_hmac_reimport(void **state)
{
	(void)state;
	char k[37], mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1], again[BW_KMS_KEY_MATERIAL_ID_MAX + 1],
	    buf[80];
	s_make_key("HMAC_256", "EXTERNAL", k);
	s_set_key_field(k, "KeyUsage", json_string("GENERATE_VERIFY_MAC"));
	uint8_t material[32], other[32];
	RAND_bytes(material, sizeof material);
	RAND_bytes(other, sizeof other);
	assert_int_equal(s_import(k, material, 32, NULL, mid), 0);
	/* KMS shows CurrentKeyMaterialId for symmetric encryption keys only */
	assert_string_equal(s_key_str(k, "CurrentKeyMaterialId", buf, sizeof buf), "");
	json_t *out = NULL;
	assert_int_equal(s_run("DeleteImportedKeyMaterial", json_pack("{s:s}", "KeyId", k), &out),
	                 0);
	json_decref(out);
	s_expect_import_error(k, other, NULL, "IncorrectKeyMaterialException");
	assert_int_equal(s_import(k, material, 32, NULL, again), 0);
	assert_string_equal(again, mid);
}

/* ---- the encryption context's limits ---- */

/* A context of n pairs "kNNNN": "v..." whose keys and values make total bytes. */
static json_t *s_context(size_t total, size_t n)
{
	json_t *ctx = json_object();
	char key[16], *val = malloc(total + 1);
	assert_non_null(val);
	size_t per = total / n;
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k%04zu", i);
		size_t size = (i + 1 < n ? per : total - per * (n - 1)) - strlen(key);
		memset(val, 'v', size);
		val[size] = 0;
		assert_int_equal(json_object_set_new(ctx, key, json_string(val)), 0);
	}
	free(val);
	assert_int_equal(bw_kms_context_bytes(ctx), total);
	return ctx;
}

static void s_expect_context(json_t *in, int want_rc)
{
	memset(&s_call, 0, sizeof s_call);
	int rc = bw_kms_context_or_fail(&s_call, in);
	json_decref(in);
	assert_int_equal(rc, want_rc);
	assert_int_equal(s_call.failed, rc != 0);
	if (rc != 0)
		assert_string_equal(s_call.err.code, "ValidationException");
}

static void test_context_limits(void **state)
{
	(void)state;
	assert_int_equal(bw_kms_context_bytes(NULL), 0);
	assert_int_equal(bw_kms_context_bytes(json_null()), 0);
	json_t *bad = json_pack("{s:i}", "a", 1);
	assert_int_equal(bw_kms_context_bytes(bad), SIZE_MAX);
	json_decref(bad);
	/* UTF-8 bytes, not characters: "é" is two */
	json_t *wide = json_pack("{s:s}", "k", "\xc3\xa9");
	assert_int_equal(bw_kms_context_bytes(wide), 3);
	json_decref(wide);
	static const char *const members[] = {"EncryptionContext", "SourceEncryptionContext",
	                                      "DestinationEncryptionContext"};
	for (size_t i = 0; i < 3; i++) {
		s_expect_context(
		    json_pack("{s:o}", members[i], s_context(BW_KMS_CONTEXT_MAX_BYTES, 3)), 0);
		s_expect_context(
		    json_pack("{s:o}", members[i], s_context(BW_KMS_CONTEXT_MAX_BYTES + 1, 3)), -1);
		/* 160 pairs, each small: the total decides */
		s_expect_context(json_pack("{s:o}", members[i], s_context(160 * 60, 160)), -1);
		s_expect_context(json_pack("{s:o}", members[i], s_context(160 * 50, 160)), 0);
		s_expect_context(json_pack("{s:[s]}", members[i], "x"), -1);
	}
	s_expect_context(json_object(), 0);
	/* grant constraints: 8 pairs, 384 characters */
	static const char *const kinds[] = {"EncryptionContextEquals", "EncryptionContextSubset"};
	for (size_t i = 0; i < 2; i++) {
		s_expect_context(json_pack("{s:{s:o}}", "Constraints", kinds[i], s_context(384, 8)),
		                 0);
		s_expect_context(json_pack("{s:{s:o}}", "Constraints", kinds[i], s_context(90, 9)),
		                 -1);
		s_expect_context(json_pack("{s:{s:o}}", "Constraints", kinds[i], s_context(385, 2)),
		                 -1);
		/* characters, not bytes: 300 two-byte characters are 300 */
		char v[601];
		for (size_t j = 0; j < 300; j++)
			memcpy(v + 2 * j, "\xc3\xa9", 2);
		v[600] = 0;
		s_expect_context(json_pack("{s:{s:{s:s}}}", "Constraints", kinds[i], "k", v), 0);
	}
	/* the blob's canonical form refuses what the API would */
	struct bw_buf c = {0};
	json_t *at = s_context(BW_KMS_CONTEXT_MAX_BYTES, 2),
	       *over = s_context(BW_KMS_CONTEXT_MAX_BYTES + 1, 2);
	assert_int_equal(bw_kms_ct_context(at, &c), 0);
	bw_buf_reset(&c);
	assert_int_equal(bw_kms_ct_context(over, &c), -1);
	bw_buf_free(&c);
	/* Encrypt / Decrypt at the limit through the handlers */
	char k[37];
	s_make_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", k);
	json_t *enc = s_encrypt(k, "at the limit", json_incref(at)), *out = NULL;
	assert_int_equal(
	    s_run("Decrypt",
	          json_pack("{s:O, s:O}", "CiphertextBlob", json_object_get(enc, "CiphertextBlob"),
	                    "EncryptionContext", at),
	          &out),
	    0);
	json_decref(out);
	json_decref(enc);
	json_decref(at);
	json_decref(over);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aes_gcm_nist),
	    cmocka_unit_test(test_hmac_rfc4231),
	    cmocka_unit_test(test_context_canonical),
	    cmocka_unit_test(test_blob_round_trip_and_tamper),
	    cmocka_unit_test(test_blob_limits),
	    cmocka_unit_test(test_blob_cross_implementation),
	    cmocka_unit_test(test_encrypt_decrypt),
	    cmocka_unit_test(test_data_keys),
	    cmocka_unit_test(test_sign_verify),
	    cmocka_unit_test(test_mac),
	    cmocka_unit_test(test_rsa_oaep),
	    cmocka_unit_test(test_import),
	    cmocka_unit_test(test_reimport_after_delete),
	    cmocka_unit_test(test_import_type),
	    cmocka_unit_test(test_reimport_legacy_material),
	    cmocka_unit_test(test_hmac_reimport),
	    cmocka_unit_test(test_context_limits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
