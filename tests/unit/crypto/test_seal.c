/* Sealing under the root key: round trips, and every way a sealed record
 * must refuse to open. The root key file and the passphrase form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "crypto/seal.h"

static char s_dir[64];

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-seal-XXXXXX");
	return mkdtemp(s_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return bw_test_store_close(s_dir, NULL);
}

static struct bw_root_key s_fixed_key(uint8_t fill)
{
	struct bw_root_key rk = {.loaded = true};
	memset(rk.key, fill, sizeof rk.key);
	return rk;
}

static void test_round_trip_and_no_plaintext_in_sealed(void **state)
{
	(void)state;
	struct bw_root_key rk = s_fixed_key(7);
	const char *secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	struct bw_buf sealed = {0}, opened = {0};
	assert_int_equal(bw_seal(&rk, "iam-secret", bw_cur_str("AKIA1|123456789012"),
	                         bw_cur_str(secret), &sealed), 0);
	assert_int_equal(sealed.len, strlen(secret) + BW_SEAL_OVERHEAD);
	assert_null(memmem(sealed.data, sealed.len, secret, 8));
	assert_int_equal(bw_unseal(&rk, "iam-secret", bw_cur_str("AKIA1|123456789012"),
	                           bw_cur_from(sealed.data, sealed.len), &opened), 0);
	assert_true(opened.secret);
	assert_int_equal(opened.len, strlen(secret));
	assert_memory_equal(opened.data, secret, opened.len);
	bw_buf_free(&sealed);
	bw_buf_free(&opened);
}

static void test_nonces_differ(void **state)
{
	(void)state;
	struct bw_root_key rk = s_fixed_key(1);
	struct bw_buf a = {0}, b = {0};
	assert_int_equal(bw_seal(&rk, "p", bw_cur_str("id"), bw_cur_str("same"), &a), 0);
	assert_int_equal(bw_seal(&rk, "p", bw_cur_str("id"), bw_cur_str("same"), &b), 0);
	assert_memory_not_equal(a.data, b.data, a.len);
	bw_buf_free(&a);
	bw_buf_free(&b);
}

static void test_refuses_wrong_key_purpose_aad_and_tampering(void **state)
{
	(void)state;
	struct bw_root_key rk = s_fixed_key(2), other = s_fixed_key(3);
	struct bw_buf sealed = {0}, out = {0};
	assert_int_equal(bw_seal(&rk, "kms-key", bw_cur_str("key-1"), bw_cur_str("material"),
	                         &sealed), 0);
	struct bw_cur s = bw_cur_from(sealed.data, sealed.len);
	assert_int_equal(bw_unseal(&other, "kms-key", bw_cur_str("key-1"), s, &out), -1);
	assert_int_equal(bw_unseal(&rk, "iam-secret", bw_cur_str("key-1"), s, &out), -1);
	/* a record swapped into another row */
	assert_int_equal(bw_unseal(&rk, "kms-key", bw_cur_str("key-2"), s, &out), -1);
	for (size_t i = 0; i < sealed.len; i++) {
		sealed.data[i] ^= 0x01;
		assert_int_equal(bw_unseal(&rk, "kms-key", bw_cur_str("key-1"), s, &out), -1);
		sealed.data[i] ^= 0x01;
	}
	assert_int_equal(bw_unseal(&rk, "kms-key", bw_cur_str("key-1"),
	                           bw_cur_from(sealed.data, sealed.len - 1), &out), -1);
	assert_int_equal(bw_unseal(&rk, "kms-key", bw_cur_str("key-1"), bw_cur_from("", 0), &out),
	                 -1);
	assert_int_equal(out.len, 0);
	struct bw_root_key unloaded = {0};
	assert_int_equal(bw_seal(&unloaded, "p", bw_cur_str("a"), bw_cur_str("b"), &sealed), -1);
	bw_buf_free(&sealed);
	bw_buf_free(&out);
}

static void test_root_key_file(void **state)
{
	(void)state;
	struct bw_root_key a, b;
	assert_int_equal(bw_root_key_load(s_dir, NULL, &a), BW_ROOT_KEY_ABSENT);
	assert_int_equal(bw_root_key_create(s_dir, NULL, &a), BW_ROOT_KEY_OK);
	char path[128];
	snprintf(path, sizeof path, "%s/root.key", s_dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(bw_root_key_load(s_dir, NULL, &b), BW_ROOT_KEY_OK);
	assert_memory_equal(a.key, b.key, 32);
	/* never replaced */
	assert_int_equal(bw_root_key_create(s_dir, NULL, &b), BW_ROOT_KEY_ERROR);
	/* a passphrase for a key-file directory is a mistake */
	assert_int_equal(bw_root_key_load(s_dir, "pw", &b), BW_ROOT_KEY_ERROR);
	/* refused when others can read it */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(bw_root_key_load(s_dir, NULL, &b), BW_ROOT_KEY_ERROR);
	assert_false(b.loaded);
	bw_root_key_clear(&a);
}

static void test_root_key_passphrase(void **state)
{
	(void)state;
	struct bw_root_key a, b;
	assert_int_equal(bw_root_key_create(s_dir, "correct horse battery staple", &a),
	                 BW_ROOT_KEY_OK);
	assert_int_equal(bw_root_key_load(s_dir, "correct horse battery staple", &b),
	                 BW_ROOT_KEY_OK);
	assert_memory_equal(a.key, b.key, 32);
	assert_int_equal(bw_root_key_load(s_dir, "wrong", &b), BW_ROOT_KEY_ERROR);
	assert_false(b.loaded);
	assert_int_equal(bw_root_key_load(s_dir, NULL, &b), BW_ROOT_KEY_ERROR);
	char path[128];
	snprintf(path, sizeof path, "%s/root.key", s_dir);
	struct stat st;
	assert_int_not_equal(stat(path, &st), 0); /* the key itself is never written */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_no_plaintext_in_sealed),
		cmocka_unit_test(test_nonces_differ),
		cmocka_unit_test(test_refuses_wrong_key_purpose_aad_and_tampering),
		cmocka_unit_test_setup_teardown(test_root_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_key_passphrase, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
