/* test_validate.c: AWS-style validation of the internal form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/validate.h"

/* Validate a JSON text (the internal form) as op's input; returns rc. */
static int s_run(struct bw_call *call, const char *svc, const char *op, const char *in)
{
	memset(call, 0, sizeof *call);
	call->model = bw_model_find(svc);
	assert_non_null(call->model);
	call->op = bw_model_op(call->model, op);
	assert_non_null(call->op);
	json_error_t jerr;
	json_t *v = json_loads(in, 0, &jerr);
	assert_non_null(v);
	int rc = bw_validate(call, call->op->input, v);
	json_decref(v);
	return rc;
}

static void test_valid_request_passes(void **state)
{
	(void)state;
	struct bw_call call;
	assert_int_equal(s_run(&call, "kms", "CreateKey",
	                       "{\"KeySpec\":\"RSA_2048\",\"Description\":\"d\","
	                       "\"Tags\":[{\"TagKey\":\"k\",\"TagValue\":\"\"}],\"Unknown\":1}"),
	                 0);
	assert_false(call.failed);
}

static void test_bad_enum(void **state)
{
	(void)state;
	struct bw_call call;
	assert_int_equal(s_run(&call, "kms", "CreateKey", "{\"KeySpec\":\"FOO\"}"), -1);
	assert_true(call.failed);
	assert_int_equal(call.err.status, 400);
	assert_string_equal(call.err.code, "ValidationException");
	assert_string_equal(call.err.message,
	                    "1 validation error detected: Value 'FOO' at 'keySpec' failed to "
	                    "satisfy constraint: Member must satisfy enum value set: [RSA_2048, "
	                    "RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, "
	                    "ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, "
	                    "HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519]");
}

static void test_missing_required(void **state)
{
	(void)state;
	struct bw_call call;
	assert_int_equal(s_run(&call, "kms", "Encrypt", "{\"Plaintext\":\"aGk=\"}"), -1);
	assert_string_equal(call.err.message,
	                    "1 validation error detected: Value null at 'keyId' failed to satisfy "
	                    "constraint: Member must not be null");
	/* explicit null counts as missing */
	assert_int_equal(s_run(&call, "kms", "Encrypt", "{\"KeyId\":null,\"Plaintext\":\"aGk=\"}"),
	                 -1);
	assert_non_null(strstr(call.err.message, "Value null at 'keyId'"));
}

static void test_too_long_string_and_range(void **state)
{
	(void)state;
	struct bw_call call;
	char in[9000];
	strcpy(in, "{\"Description\":\"");
	size_t n = strlen(in);
	memset(in + n, 'a', 8193);
	strcpy(in + n + 8193, "\"}");
	assert_int_equal(s_run(&call, "kms", "CreateKey", in), -1);
	/* the quoted value is cut */
	assert_non_null(strstr(call.err.message, "aaaa...' at 'description' failed to satisfy "
	                                         "constraint: Member must have length less than "
	                                         "or equal to 8192"));
	assert_int_equal(s_run(&call, "kms", "GenerateRandom", "{\"NumberOfBytes\":0}"), -1);
	assert_string_equal(call.err.message,
	                    "1 validation error detected: Value '0' at 'numberOfBytes' failed to "
	                    "satisfy constraint: Member must have value greater than or equal to 1");
	assert_int_equal(s_run(&call, "kms", "GenerateRandom", "{\"NumberOfBytes\":1025}"), -1);
	assert_non_null(strstr(call.err.message, "less than or equal to 1024"));
	/* a 2-byte UTF-8 character counts once */
	char tag[300] = "{\"Tags\":[{\"TagKey\":\"";
	n = strlen(tag);
	for (int i = 0; i < 128; i++) {
		tag[n++] = '\xc3';
		tag[n++] = '\xa9';
	}
	strcpy(tag + n, "\",\"TagValue\":\"v\"}]}");
	assert_int_equal(s_run(&call, "kms", "CreateKey", tag), 0);
}

static void test_blob_length_is_decoded_bytes(void **state)
{
	(void)state;
	struct bw_call call;
	assert_int_equal(s_run(&call, "kms", "Encrypt", "{\"KeyId\":\"k\",\"Plaintext\":\"\"}"), -1);
	/* sensitive: no value quoted */
	assert_string_equal(call.err.message,
	                    "1 validation error detected: Value at 'plaintext' failed to satisfy "
	                    "constraint: Member must have length greater than or equal to 1");
	assert_int_equal(s_run(&call, "kms", "Encrypt", "{\"KeyId\":\"k\",\"Plaintext\":\"YQ==\"}"),
	                 0);
}

static void test_nested_paths_and_lists(void **state)
{
	(void)state;
	struct bw_call call;
	assert_int_equal(s_run(&call, "kms", "CreateKey",
	                       "{\"Tags\":[{\"TagKey\":\"a\",\"TagValue\":\"b\"},"
	                       "{\"TagValue\":\"b\"},{\"TagKey\":\"\",\"TagValue\":\"x\"}]}"),
	                 -1);
	assert_string_equal(call.err.message,
	                    "2 validation errors detected: Value null at 'tags.2.member.tagKey' "
	                    "failed to satisfy constraint: Member must not be null; Value '' at "
	                    "'tags.3.member.tagKey' failed to satisfy constraint: Member must have "
	                    "length greater than or equal to 1");
	/* list length: IAM is awsQuery, hence ValidationError */
	struct bw_buf in = {0};
	assert_int_equal(bw_buf_append_str(&in, "{\"UserName\":\"u\",\"Tags\":["), 0);
	for (int i = 0; i < 51; i++)
		assert_int_equal(bw_buf_appendf(&in, "%s{\"Key\":\"k%d\",\"Value\":\"v\"}",
		                                i ? "," : "", i),
		                 0);
	assert_int_equal(bw_buf_append_str(&in, "]}"), 0);
	assert_int_equal(s_run(&call, "iam", "CreateUser", bw_buf_cstr(&in)), -1);
	bw_buf_free(&in);
	assert_string_equal(call.err.code, "ValidationError");
	assert_string_equal(call.err.message,
	                    "1 validation error detected: Value at 'tags' failed to satisfy "
	                    "constraint: Member must have length less than or equal to 50");
}

static void test_map_values_and_grant_tokens(void **state)
{
	(void)state;
	struct bw_call call;
	assert_int_equal(s_run(&call, "kms", "Encrypt",
	                       "{\"KeyId\":\"k\",\"Plaintext\":\"YQ==\",\"EncryptionContext\":"
	                       "{\"a\":null},\"GrantTokens\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\","
	                       "\"7\",\"8\",\"9\",\"10\",\"11\"]}"),
	                 -1);
	assert_non_null(strstr(call.err.message, "Value null at 'encryptionContext.a.member'"));
	assert_non_null(strstr(call.err.message, "at 'grantTokens' failed to satisfy constraint: "
	                                         "Member must have length less than or equal to 10"));
	assert_non_null(strstr(call.err.message, "2 validation errors detected: "));
}

static void test_error_cap_keeps_true_count(void **state)
{
	(void)state;
	struct bw_call call;
	struct bw_buf in = {0};
	assert_int_equal(bw_buf_append_str(&in, "{\"Tags\":["), 0);
	for (int i = 0; i < 15; i++)
		assert_int_equal(bw_buf_appendf(&in, "%s{}", i ? "," : ""), 0);
	assert_int_equal(bw_buf_append_str(&in, "]}"), 0);
	assert_int_equal(s_run(&call, "kms", "CreateKey", bw_buf_cstr(&in)), -1);
	bw_buf_free(&in);
	assert_non_null(strstr(call.err.message, "30 validation errors detected: "));
	assert_non_null(strstr(call.err.message, "tags.5.member.tagValue"));
	assert_null(strstr(call.err.message, "tags.6.member"));
}

static void test_wrong_types_do_not_crash(void **state)
{
	(void)state;
	struct bw_call call;
	assert_int_equal(s_run(&call, "kms", "CreateKey",
	                       "{\"Tags\":\"x\",\"KeySpec\":3,\"Description\":[]}"),
	                 0);
	memset(&call, 0, sizeof call);
	call.model = bw_model_find("kms");
	call.op = bw_model_op(call.model, "Encrypt");
	json_t *arr = json_array();
	assert_int_equal(bw_validate(&call, call.op->input, arr), -1);
	assert_non_null(strstr(call.err.message, "2 validation errors"));
	json_decref(arr);
	assert_int_equal(bw_validate(&call, BW_NO_SHAPE, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_request_passes),
		cmocka_unit_test(test_bad_enum),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_too_long_string_and_range),
		cmocka_unit_test(test_blob_length_is_decoded_bytes),
		cmocka_unit_test(test_nested_paths_and_lists),
		cmocka_unit_test(test_map_values_and_grant_tokens),
		cmocka_unit_test(test_error_cap_keeps_true_count),
		cmocka_unit_test(test_wrong_types_do_not_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
