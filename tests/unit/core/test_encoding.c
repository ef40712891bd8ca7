/* Base64 (RFC 4648 vectors), hex and percent-encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/encoding.h"

static void test_base64_rfc4648_vectors(void **state)
{
	(void)state;
	static const char *const vec[][2] = {
		{"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},       {"foo", "Zm9v"},
		{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
	};
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		struct bw_buf enc = {0}, dec = {0};
		assert_int_equal(bw_base64_encode(vec[i][0], strlen(vec[i][0]), &enc), 0);
		assert_string_equal(bw_buf_cstr(&enc), vec[i][1]);
		assert_int_equal(bw_base64_decode(vec[i][1], strlen(vec[i][1]), &dec), 0);
		assert_int_equal(dec.len, strlen(vec[i][0]));
		assert_memory_equal(bw_buf_cstr(&dec), vec[i][0], dec.len);
		bw_buf_free(&enc);
		bw_buf_free(&dec);
	}
}

static void test_base64_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {"Zg", "Zg=", "Z===", "Zm9v!", "Zg==Zg==", "Zm 9v", "=Zm9"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct bw_buf dec = {0};
		assert_int_equal(bw_base64_decode(bad[i], strlen(bad[i]), &dec), -1);
		assert_int_equal(dec.len, 0);
		bw_buf_free(&dec);
	}
}

static void test_base64_binary_round_trip(void **state)
{
	(void)state;
	uint8_t all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	struct bw_buf enc = {0}, dec = {0};
	assert_int_equal(bw_base64_encode(all, sizeof all, &enc), 0);
	assert_int_equal(bw_base64_decode((const char *)enc.data, enc.len, &dec), 0);
	assert_int_equal(dec.len, 256);
	assert_memory_equal(dec.data, all, 256);
	bw_buf_free(&enc);
	bw_buf_free(&dec);
}

static void test_url_decode(void **state)
{
	(void)state;
	struct bw_buf b = {0};
	assert_int_equal(bw_url_decode("a%20b+c%2Fd", 11, true, &b), 0);
	assert_string_equal(bw_buf_cstr(&b), "a b c/d");
	bw_buf_reset(&b);
	assert_int_equal(bw_url_decode("a+b", 3, false, &b), 0);
	assert_string_equal(bw_buf_cstr(&b), "a+b");
	bw_buf_reset(&b);
	assert_int_equal(bw_url_decode("%4", 2, true, &b), -1);
	bw_buf_reset(&b);
	assert_int_equal(bw_url_decode("%", 1, true, &b), -1);
	bw_buf_reset(&b);
	assert_int_equal(bw_url_decode("%zz", 3, true, &b), -1);
	bw_buf_free(&b);
}

static void test_url_encode_sigv4_rules(void **state)
{
	(void)state;
	struct bw_buf b = {0};
	const char *in = "a b/c~d-e_f.g*h\xc3\xa9";
	assert_int_equal(bw_url_encode(in, strlen(in), false, &b), 0);
	assert_string_equal(bw_buf_cstr(&b), "a%20b%2Fc~d-e_f.g%2Ah%C3%A9");
	bw_buf_reset(&b);
	assert_int_equal(bw_url_encode(in, strlen(in), true, &b), 0);
	assert_string_equal(bw_buf_cstr(&b), "a%20b/c~d-e_f.g%2Ah%C3%A9");
	bw_buf_free(&b);
}

static void test_hex(void **state)
{
	(void)state;
	struct bw_buf b = {0};
	assert_int_equal(bw_hex_encode("\x00\xff\x10", 3, &b), 0);
	assert_string_equal(bw_buf_cstr(&b), "00ff10");
	bw_buf_free(&b);
}

static void test_secret_buffer_and_ct_equal(void **state)
{
	(void)state;
	struct bw_buf b = {.secret = true};
	for (int i = 0; i < 100; i++)
		assert_int_equal(bw_buf_append_str(&b, "secret"), 0);
	assert_int_equal(b.len, 600);
	assert_true(bw_ct_equal(b.data, b.data, b.len));
	assert_false(bw_ct_equal("abc", "abd", 3));
	bw_buf_free(&b);
	bw_buf_free(&b); /* safe twice */
	assert_null(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_rfc4648_vectors),
		cmocka_unit_test(test_base64_rejects_malformed),
		cmocka_unit_test(test_base64_binary_round_trip),
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_url_encode_sigv4_rules),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_secret_buffer_and_ct_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
