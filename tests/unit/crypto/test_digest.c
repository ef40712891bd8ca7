/* SHA-256 and HMAC-SHA256 with fetched-once algorithms, against published
 * vectors (FIPS 180-2 "abc", RFC 4231 cases 1 and 6) and OpenSSL's HMAC(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/hmac.h>

#include "core/buf.h"
#include "core/encoding.h"
#include "crypto/digest.h"

static void s_assert_hex(const uint8_t md[32], const char *hex)
{
	struct bw_buf out = {0};
	assert_int_equal(bw_hex_encode(md, 32, &out), 0);
	assert_string_equal(bw_buf_cstr(&out), hex);
	bw_buf_free(&out);
}

static void test_sha256(void **state)
{
	(void)state;
	uint8_t md[32];
	assert_true(bw_sha256_digest("abc", 3, md));
	s_assert_hex(md, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(bw_sha256_digest(NULL, 0, md));
	s_assert_hex(md, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_hmac_rfc4231(void **state)
{
	(void)state;
	uint8_t key[131], md[32];
	memset(key, 0x0b, 20);
	assert_true(bw_hmac_sha256(key, 20, "Hi There", 8, md));
	s_assert_hex(md, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* a key longer than the block: hashed first */
	memset(key, 0xaa, sizeof key);
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	assert_true(bw_hmac_sha256(key, sizeof key, msg, strlen(msg), md));
	s_assert_hex(md, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_hmac_matches_openssl_and_may_alias_its_key(void **state)
{
	(void)state;
	uint8_t key[32], want[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7);
	unsigned int n = 0;
	HMAC(EVP_sha256(), key, 32, (const uint8_t *)"aws4_request", 12, want, &n);
	assert_true(bw_hmac_sha256(key, 32, "aws4_request", 12, key));
	assert_memory_equal(key, want, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_matches_openssl_and_may_alias_its_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
