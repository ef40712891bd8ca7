/* test_json_codec.c: the awsJson codec against requests botocore made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/codec.h"
#include "vectors.h"

static void s_call(struct bw_call *call, struct bw_http_request *req, const char *svc,
                   const char *op)
{
	memset(call, 0, sizeof *call);
	call->model = bw_model_find(svc);
	assert_non_null(call->model);
	call->op = bw_model_op(call->model, op);
	assert_non_null(call->op);
	call->req = req;
	strcpy(call->request_id, "req-1");
}

static void s_dump_diff(const json_t *got, const json_t *want)
{
	char *g = json_dumps(got, JSON_SORT_KEYS), *w = json_dumps(want, JSON_SORT_KEYS);
	fprintf(stderr, "got:  %s\nwant: %s\n", g ? g : "(null)", w ? w : "(null)");
	free(g);
	free(w);
}

/* Decode the vector's request; compare with input.json; encode output.json
 * and compare with response.json (which botocore was checked to parse). */
static void s_round_trip(const char *dir)
{
	struct vec v;
	assert_int_equal(vec_load(dir, &v), 0);
	struct bw_call call;
	s_call(&call, &v.req, v.service, v.operation);
	json_t *in = NULL;
	int rc = bw_codec_json.decode(&call, &in);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", call.err.code, call.err.message);
	assert_int_equal(rc, 0);
	if (!json_equal(in, v.input))
		s_dump_diff(in, v.input);
	assert_true(json_equal(in, v.input));
	json_decref(in);
	if (v.output) {
		struct bw_http_response resp = {0};
		assert_int_equal(bw_codec_json.encode(&call, v.output, &resp), 0);
		assert_int_equal(resp.status, 200);
		assert_string_equal(bw_resp_header_get(&resp, "Content-Type"),
		                    "application/x-amz-json-1.1");
		json_t *body = vec_body_json(&resp);
		if (!json_equal(body, v.response))
			s_dump_diff(body, v.response);
		assert_true(json_equal(body, v.response));
		json_decref(body);
		bw_resp_free(&resp);
	}
	vec_free(&v);
}

static void test_kms_encrypt(void **state)
{
	(void)state;
	s_round_trip("json/kms_encrypt");
}

static void test_kms_createkey(void **state)
{
	(void)state;
	s_round_trip("json/kms_createkey");
}

static void test_kms_listkeys(void **state)
{
	(void)state;
	s_round_trip("json/kms_listkeys");
}

static void test_cloudtrail_lookupevents(void **state)
{
	(void)state;
	s_round_trip("json/cloudtrail_lookupevents");
}

/* Decode a hand-written body for op; returns rc, fills call.err. */
static int s_decode_body(struct bw_call *call, const char *svc, const char *op,
                         const char *body, json_t **in)
{
	static struct bw_http_request req;
	memset(&req, 0, sizeof req);
	strcpy(req.method, "POST");
	req.body = (uint8_t *)body;
	req.body_len = strlen(body);
	s_call(call, &req, svc, op);
	*in = NULL;
	return bw_codec_json.decode(call, in);
}

static void test_decode_errors(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	/* empty body is {} (ListKeys has no required members) */
	assert_int_equal(s_decode_body(&call, "kms", "ListKeys", "", &in), 0);
	assert_int_equal(json_object_size(in), 0);
	json_decref(in);
	static const char *const bad[] = {
		"{", "[]", "\"x\"", "{\"KeyId\": 3}", "{\"KeyId\":\"k\",\"Plaintext\":\"not base64!\"}",
		"{\"KeyId\":\"k\",\"Plaintext\":\"YQ==\",\"EncryptionContext\":[]}",
		"{\"KeyId\":\"k\",\"Plaintext\":\"YQ==\",\"GrantTokens\":{}}",
		"{\"KeyId\":\"k\xff\"}", "{\"KeyId\":\"k\\u0000\"}", "{} x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(s_decode_body(&call, "kms", "Encrypt", bad[i], &in), -1);
		assert_null(in);
		assert_string_equal(call.err.code, "SerializationException");
		assert_int_equal(call.err.status, 400);
	}
	assert_int_equal(s_decode_body(&call, "kms", "Encrypt", "{\"KeyId\": 3}", &in), -1);
	assert_string_equal(call.err.message,
	                    "Start of number found where a string was expected at 'KeyId'");
	/* too deep */
	char deep[300];
	strcpy(deep, "{\"Tags\":");
	for (int i = 0; i < 100; i++)
		strcat(deep, "[");
	assert_int_equal(s_decode_body(&call, "kms", "CreateKey", deep, &in), -1);
	assert_string_equal(call.err.code, "SerializationException");
	/* integer range */
	assert_int_equal(s_decode_body(&call, "kms", "GenerateRandom",
	                               "{\"NumberOfBytes\": 4294967297}", &in),
	                 -1);
	/* validation after mapping; unknown members ignored */
	assert_int_equal(s_decode_body(&call, "kms", "CreateKey",
	                               "{\"KeySpec\":\"FOO\",\"Bogus\":{\"x\":1}}", &in),
	                 -1);
	assert_string_equal(call.err.code, "ValidationException");
	assert_non_null(strstr(call.err.message, "Value 'FOO' at 'keySpec'"));
	/* timestamps: numbers only by default */
	assert_int_equal(s_decode_body(&call, "cloudtrail", "LookupEvents",
	                               "{\"StartTime\":\"2015-01-25T08:00:00Z\"}", &in),
	                 -1);
	assert_string_equal(call.err.code, "SerializationException");
	assert_int_equal(s_decode_body(&call, "cloudtrail", "LookupEvents",
	                               "{\"StartTime\":1422172800.25,\"Bogus\":null}", &in),
	                 0);
	assert_true(json_real_value(json_object_get(in, "StartTime")) == 1422172800.25);
	json_decref(in);
}

static void test_encode_error(void **state)
{
	(void)state;
	struct bw_http_request req = {.method = "POST"};
	struct bw_call call;
	s_call(&call, &req, "kms", "DescribeKey");
	bw_fail(&call, "NotFoundException", "Key 'arn:aws:kms:us-east-1:1:key/x' does not exist");
	struct bw_http_response resp = {0};
	bw_codec_json.encode_error(&call, &resp);
	assert_int_equal(resp.status, 400);
	assert_string_equal(bw_resp_header_get(&resp, "Content-Type"),
	                    "application/x-amz-json-1.1");
	/* the format tools/gen_protocol_vectors.py checked with botocore's parser */
	assert_string_equal((const char *)resp.body.data,
	                    "{\"__type\":\"NotFoundException\",\"message\":\"Key "
	                    "'arn:aws:kms:us-east-1:1:key/x' does not exist\"}");
	bw_resp_free(&resp);
	/* a message holding invalid UTF-8 is still sent */
	bw_fail_status(&call, 400, "ValidationException", "Value '\xff' at 'x'");
	resp = (struct bw_http_response){0};
	bw_codec_json.encode_error(&call, &resp);
	assert_string_equal((const char *)resp.body.data,
	                    "{\"__type\":\"ValidationException\",\"message\":\"Value '?' at 'x'\"}");
	bw_resp_free(&resp);
	/* awsJson 1.0 services say so in the content type */
	const struct bw_service_model *m = NULL;
	for (size_t i = 0; bw_models[i]; i++)
		if (bw_models[i]->protocol == BW_PROTO_JSON &&
		    strcmp(bw_models[i]->json_version, "1.0") == 0)
			m = bw_models[i];
	if (m) {
		call.model = m;
		call.op = &m->ops[0];
		resp = (struct bw_http_response){0};
		json_t *out = json_object();
		assert_int_equal(bw_codec_json.encode(&call, out, &resp), 0);
		assert_string_equal(bw_resp_header_get(&resp, "Content-Type"),
		                    "application/x-amz-json-1.0");
		json_decref(out);
		bw_resp_free(&resp);
	}
}

static void test_encode_rejects_bad_output(void **state)
{
	(void)state;
	struct bw_http_request req = {.method = "POST"};
	struct bw_call call;
	s_call(&call, &req, "kms", "ListKeys");
	json_t *out = json_pack("{s:s}", "Keys", "not a list");
	struct bw_http_response resp = {0};
	assert_int_equal(bw_codec_json.encode(&call, out, &resp), -1);
	assert_string_equal(call.err.code, "InternalFailure");
	json_decref(out);
	bw_resp_free(&resp);
	/* members outside the shape are not leaked onto the wire */
	call.failed = false;
	out = json_pack("{s:b, s:s}", "Truncated", 0, "Secret", "x");
	resp = (struct bw_http_response){0};
	assert_int_equal(bw_codec_json.encode(&call, out, &resp), 0);
	assert_string_equal((const char *)resp.body.data, "{\"Truncated\":false}");
	json_decref(out);
	bw_resp_free(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kms_encrypt),
		cmocka_unit_test(test_kms_createkey),
		cmocka_unit_test(test_kms_listkeys),
		cmocka_unit_test(test_cloudtrail_lookupevents),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_encode_error),
		cmocka_unit_test(test_encode_rejects_bad_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
