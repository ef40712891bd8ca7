/* test_rest_json.c: the restJson1 codec against requests botocore made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/codec.h"
#include "protocol/rest.h"
#include "vectors.h"

static void s_dump(const json_t *got, const json_t *want)
{
	char *g = json_dumps(got, JSON_SORT_KEYS), *w = json_dumps(want, JSON_SORT_KEYS);
	fprintf(stderr, "got:  %s\nwant: %s\n", g ? g : "(null)", w ? w : "(null)");
	free(g);
	free(w);
}

/* Route by URI template, decode, compare; encode output.json, compare. */
static void s_round_trip(const char *dir)
{
	struct vec v;
	assert_int_equal(vec_load(dir, &v), 0);
	struct bw_call call;
	memset(&call, 0, sizeof call);
	call.model = bw_model_find(v.service);
	call.uri_labels = json_object();
	call.op = bw_rest_match(call.model, v.req.method, v.req.path, v.req.query,
	                        call.uri_labels, NULL);
	assert_non_null(call.op);
	assert_string_equal(call.op->name, v.operation);
	call.req = &v.req;
	strcpy(call.request_id, "req-1");
	json_t *in = NULL;
	int rc = bw_codec_rest_json.decode(&call, &in);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", call.err.code, call.err.message);
	assert_int_equal(rc, 0);
	if (!json_equal(in, v.input))
		s_dump(in, v.input);
	assert_true(json_equal(in, v.input));
	json_decref(in);
	if (v.output) {
		struct bw_http_response resp = {0};
		assert_int_equal(bw_codec_rest_json.encode(&call, v.output, &resp), 0);
		assert_int_equal(resp.status, call.op->status ? call.op->status : 200);
		assert_string_equal(bw_resp_header_get(&resp, "Content-Type"), "application/json");
		json_t *body = vec_body_json(&resp);
		if (!json_equal(body, v.response))
			s_dump(body, v.response);
		assert_true(json_equal(body, v.response));
		json_decref(body);
		bw_resp_free(&resp);
	}
	json_decref(call.uri_labels);
	vec_free(&v);
}

static void test_guardduty_createdetector(void **state)
{
	(void)state;
	s_round_trip("json/guardduty_createdetector");
}

static void test_guardduty_listfindings(void **state)
{
	(void)state;
	s_round_trip("json/guardduty_listfindings");
}

static void test_guardduty_getfindings(void **state)
{
	(void)state;
	s_round_trip("json/guardduty_getfindings");
}

static void test_securityhub_batchimportfindings(void **state)
{
	(void)state;
	s_round_trip("json/securityhub_batchimportfindings");
}

static void test_inspector2_listfindings(void **state)
{
	(void)state;
	s_round_trip("json/inspector2_listfindings");
}

static void test_inspector2_untagresource(void **state)
{
	(void)state;
	s_round_trip("json/inspector2_untagresource");
}

static void test_errors(void **state)
{
	(void)state;
	struct bw_http_request req = {.method = "POST", .path = "/detector/d/findings",
	                              .query = ""};
	struct bw_call call;
	memset(&call, 0, sizeof call);
	call.model = bw_model_find("guardduty");
	call.op = bw_model_op(call.model, "ListFindings");
	call.req = &req;
	call.uri_labels = json_pack("{s:s}", "DetectorId", "d");
	/* wrong type in the body: wire names are the lower-case locationNames */
	req.body = (uint8_t *)"{\"maxResults\":\"ten\"}";
	req.body_len = strlen((const char *)req.body);
	json_t *in = NULL;
	assert_int_equal(bw_codec_rest_json.decode(&call, &in), -1);
	assert_string_equal(call.err.code, "SerializationException");
	/* an empty body means no body members; the label still binds */
	req.body = (uint8_t *)"";
	req.body_len = 0;
	call.failed = false;
	assert_int_equal(bw_codec_rest_json.decode(&call, &in), 0);
	assert_string_equal(json_string_value(json_object_get(in, "DetectorId")), "d");
	json_decref(in);
	/* range validation uses the member name */
	req.body = (uint8_t *)"{\"maxResults\":0}";
	req.body_len = strlen((const char *)req.body);
	assert_int_equal(bw_codec_rest_json.decode(&call, &in), -1);
	assert_string_equal(call.err.code, "ValidationException");
	assert_non_null(strstr(call.err.message, "at 'maxResults'"));
	json_decref(call.uri_labels);

	/* error body and header, as botocore's RestJSONParser reads them */
	bw_fail(&call, "BadRequestException", "The request is rejected");
	struct bw_http_response resp = {0};
	bw_codec_rest_json.encode_error(&call, &resp);
	assert_int_equal(resp.status, 400);
	assert_string_equal(bw_resp_header_get(&resp, "X-Amzn-ErrorType"), "BadRequestException");
	json_t *body = vec_body_json(&resp);
	assert_string_equal(json_string_value(json_object_get(body, "__type")),
	                    "BadRequestException");
	assert_string_equal(json_string_value(json_object_get(body, "message")),
	                    "The request is rejected");
	json_decref(body);
	bw_resp_free(&resp);
	/* Security Hub's exceptions model "Message" and "Code" */
	call.model = bw_model_find("securityhub");
	bw_fail(&call, "InvalidInputException", "bad input");
	resp = (struct bw_http_response){0};
	bw_codec_rest_json.encode_error(&call, &resp);
	body = vec_body_json(&resp);
	assert_string_equal(json_string_value(json_object_get(body, "Message")), "bad input");
	assert_string_equal(json_string_value(json_object_get(body, "Code")),
	                    "InvalidInputException");
	json_decref(body);
	bw_resp_free(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guardduty_createdetector),
		cmocka_unit_test(test_guardduty_listfindings),
		cmocka_unit_test(test_guardduty_getfindings),
		cmocka_unit_test(test_securityhub_batchimportfindings),
		cmocka_unit_test(test_inspector2_listfindings),
		cmocka_unit_test(test_inspector2_untagresource),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
