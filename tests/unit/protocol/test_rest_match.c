/* test_rest_match.c: URI template matching and the rest bindings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/rest.h"

/* The operation name matched (or "-"), with labels checked by the caller. */
static const char *s_match(const char *svc, const char *method, const char *path,
                           const char *query, json_t *labels)
{
	const struct bw_service_model *m = bw_model_find(svc);
	assert_non_null(m);
	int score = -7;
	const struct bw_operation *op = bw_rest_match(m, method, path, query, labels, &score);
	if (!op) {
		assert_int_equal(score, -1);
		return "-";
	}
	assert_true(score >= 0);
	return op->name;
}

static void s_label_is(json_t *labels, const char *name, const char *want)
{
	const json_t *v = json_object_get(labels, name);
	assert_non_null(v);
	assert_string_equal(json_string_value(v), want);
}

static void test_guardduty(void **state)
{
	(void)state;
	json_t *labels = json_object();
	assert_string_equal(s_match("guardduty", "POST", "/detector", "", labels),
	                    "CreateDetector");
	assert_int_equal(json_object_size(labels), 0);
	assert_string_equal(
		s_match("guardduty", "POST", "/detector/12abc34d/findings/get", "", labels),
		"GetFindings");
	s_label_is(labels, "DetectorId", "12abc34d");
	assert_string_equal(s_match("guardduty", "POST", "/detector/12abc34d/findings", "", labels),
	                    "ListFindings");
	assert_string_equal(s_match("guardduty", "GET", "/detector/12abc34d", "", labels),
	                    "GetDetector");
	assert_string_equal(s_match("guardduty", "DELETE", "/detector/12abc34d", "", NULL),
	                    "DeleteDetector");
	/* method compared exactly, empty labels never match */
	assert_string_equal(s_match("guardduty", "get", "/detector/12abc34d", "", NULL), "-");
	assert_string_equal(s_match("guardduty", "GET", "/detector//findings", "", NULL), "-");
	assert_string_equal(s_match("guardduty", "POST", "/nope", "", NULL), "-");
	/* a label is percent-decoded */
	assert_string_equal(s_match("guardduty", "POST",
	                            "/tags/arn%3Aaws%3Aguardduty%3Aus-east-1%3A1%3Adetector%2Fd",
	                            "", labels),
	                    "TagResource");
	s_label_is(labels, "ResourceArn", "arn:aws:guardduty:us-east-1:1:detector/d");
	json_decref(labels);
}

static void test_securityhub_greedy(void **state)
{
	(void)state;
	json_t *labels = json_object();
	assert_string_equal(
		s_match("securityhub", "GET",
		        "/insights/results/arn%3Aaws%3Asecurityhub%3Aus-east-1%3A1%3Ainsight/1/custom/x",
		        "", labels),
		"GetInsightResults");
	s_label_is(labels, "InsightArn", "arn:aws:securityhub:us-east-1:1:insight/1/custom/x");
	assert_string_equal(s_match("securityhub", "PATCH", "/insights/a/b/c", "", labels),
	                    "UpdateInsight");
	s_label_is(labels, "InsightArn", "a/b/c");
	assert_string_equal(s_match("securityhub", "POST", "/insights/get", "", NULL),
	                    "GetInsights");
	assert_string_equal(s_match("securityhub", "POST", "/findings/import", "", NULL),
	                    "BatchImportFindings");
	/* greedy labels need something to take */
	assert_string_equal(s_match("securityhub", "PATCH", "/insights/", "", NULL), "-");
	json_decref(labels);
}

static void test_inspector2(void **state)
{
	(void)state;
	json_t *labels = json_object();
	assert_string_equal(s_match("inspector2", "POST", "/findings/list", "", NULL),
	                    "ListFindings");
	assert_string_equal(s_match("inspector2", "DELETE", "/tags/arn%3Ax",
	                            "tagKeys=a&tagKeys=b", labels),
	                    "UntagResource");
	s_label_is(labels, "resourceArn", "arn:x");
	/* a required query member missing: no match */
	assert_string_equal(s_match("inspector2", "DELETE", "/tags/arn%3Ax", "", NULL), "-");
	json_decref(labels);
}

static void test_s3_disambiguation(void **state)
{
	(void)state;
	json_t *labels = json_object();
	assert_string_equal(s_match("s3", "GET", "/", "", NULL), "ListBuckets");
	assert_string_equal(s_match("s3", "GET", "/bkt", "", labels), "ListObjects");
	s_label_is(labels, "Bucket", "bkt");
	assert_string_equal(s_match("s3", "GET", "/bkt", "list-type=2&prefix=a", NULL),
	                    "ListObjectsV2");
	assert_string_equal(s_match("s3", "GET", "/bkt", "list-type=1", NULL), "ListObjects");
	assert_string_equal(s_match("s3", "GET", "/bkt", "tagging", NULL), "GetBucketTagging");
	assert_string_equal(s_match("s3", "GET", "/bkt", "tagging=", NULL), "GetBucketTagging");
	assert_string_equal(s_match("s3", "PUT", "/bkt", "", NULL), "CreateBucket");
	assert_string_equal(s_match("s3", "PUT", "/bkt/", "", NULL), "CreateBucket");
	assert_string_equal(s_match("s3", "PUT", "/bkt/dir/a%20b+c.txt", "", labels), "PutObject");
	s_label_is(labels, "Bucket", "bkt");
	/* '+' in a path is a plus, %20 a space */
	s_label_is(labels, "Key", "dir/a b+c.txt");
	assert_string_equal(s_match("s3", "PUT", "/bkt/k", "partNumber=1&uploadId=u1", labels),
	                    "UploadPart");
	s_label_is(labels, "Key", "k");
	assert_string_equal(s_match("s3", "POST", "/bkt/k", "uploads", NULL),
	                    "CreateMultipartUpload");
	assert_string_equal(s_match("s3", "GET", "/bkt/k", "", NULL), "GetObject");
	assert_string_equal(s_match("s3", "HEAD", "/bkt", "", NULL), "HeadBucket");
	assert_string_equal(s_match("s3", "POST", "/bkt", "delete", NULL), "DeleteObjects");
	/* malformed escapes never match */
	assert_string_equal(s_match("s3", "GET", "/bkt/%zz", "", labels), "-");
	assert_string_equal(s_match("s3", "GET", "/bkt", "a=%", NULL), "-");
	json_decref(labels);
}

static void s_call(struct bw_call *call, struct bw_http_request *req, const char *svc,
                   const char *op)
{
	memset(call, 0, sizeof *call);
	call->model = bw_model_find(svc);
	call->op = bw_model_op(call->model, op);
	assert_non_null(call->op);
	call->req = req;
	strcpy(call->request_id, "req-1");
}

static void test_decode_bindings(void **state)
{
	(void)state;
	struct bw_header hdrs[] = {
		{.name = "Content-Length", .value = "42"},
		{.name = "X-Amz-Meta-Color", .value = "blue"},
		{.name = "x-amz-meta-size", .value = "big"},
		{.name = "Expires", .value = "Sun, 25 Jan 2015 08:00:00 GMT"},
	};
	struct bw_http_request req = {.method = "PUT", .path = "/bkt/k", .query = "",
	                              .headers = hdrs, .nheaders = 4};
	struct bw_call call;
	s_call(&call, &req, "s3", "PutObject");
	call.uri_labels = json_pack("{s:s, s:s}", "Bucket", "bkt", "Key", "a/b");
	const struct bw_shape *in_sh = bw_shape_at(call.model, call.op->input);
	json_t *in = json_object();
	assert_int_equal(bw_rest_decode_bindings(&call, in_sh, in), 0);
	/* botocore's S3 model now types Expires as a string */
	json_t *want = json_pack("{s:s, s:s, s:i, s:{s:s, s:s}, s:s}", "Bucket", "bkt", "Key",
	                         "a/b", "ContentLength", 42, "Metadata", "color", "blue", "size",
	                         "big", "Expires", "Sun, 25 Jan 2015 08:00:00 GMT");
	if (!json_equal(in, want))
		json_dumpf(in, stderr, JSON_SORT_KEYS);
	assert_true(json_equal(in, want));
	json_decref(want);
	json_decref(in);

	/* a bad header value */
	hdrs[0].value = "forty";
	in = json_object();
	assert_int_equal(bw_rest_decode_bindings(&call, in_sh, in), -1);
	assert_string_equal(call.err.code, "SerializationException");
	assert_non_null(strstr(call.err.message, "Content-Length"));
	json_decref(in);
	json_decref(call.uri_labels);

	/* query scalars and lists */
	struct bw_http_request qreq = {.method = "GET", .path = "/bkt",
	                               .query = "list-type=2&max-keys=10&prefix=a+b%2Fc"};
	s_call(&call, &qreq, "s3", "ListObjectsV2");
	in = json_object();
	assert_int_equal(bw_rest_decode_bindings(&call, bw_shape_at(call.model, call.op->input),
	                                         in),
	                 0);
	assert_int_equal(json_integer_value(json_object_get(in, "MaxKeys")), 10);
	assert_string_equal(json_string_value(json_object_get(in, "Prefix")), "a b/c");
	json_decref(in);
	qreq.query = "max-keys=ten";
	in = json_object();
	assert_int_equal(bw_rest_decode_bindings(&call, bw_shape_at(call.model, call.op->input),
	                                         in),
	                 -1);
	json_decref(in);

	struct bw_http_request ureq = {.method = "DELETE", .path = "/tags/x",
	                               .query = "tagKeys=a&tagKeys=b%26c"};
	s_call(&call, &ureq, "inspector2", "UntagResource");
	call.uri_labels = json_pack("{s:s}", "resourceArn", "arn:x");
	in = json_object();
	assert_int_equal(bw_rest_decode_bindings(&call, bw_shape_at(call.model, call.op->input),
	                                         in),
	                 0);
	want = json_pack("{s:s, s:[s,s]}", "resourceArn", "arn:x", "tagKeys", "a", "b&c");
	assert_true(json_equal(in, want));
	json_decref(want);
	json_decref(in);
	json_decref(call.uri_labels);
}

static void test_encode_bindings(void **state)
{
	(void)state;
	struct bw_http_request req = {.method = "GET"};
	struct bw_call call;
	s_call(&call, &req, "s3", "GetObject");
	json_t *out = json_pack("{s:b, s:i, s:I, s:{s:s}, s:s}", "DeleteMarker", 1,
	                        "LastModified", 1422172800, "ContentLength", (json_int_t)5,
	                        "Metadata", "color", "blue", "Unknown", "x");
	struct bw_http_response resp = {0};
	assert_int_equal(bw_rest_encode_bindings(&call, bw_shape_at(call.model, call.op->output),
	                                         out, &resp),
	                 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(bw_resp_header_get(&resp, "x-amz-delete-marker"), "true");
	assert_string_equal(bw_resp_header_get(&resp, "Last-Modified"),
	                    "Sun, 25 Jan 2015 08:00:00 GMT");
	assert_string_equal(bw_resp_header_get(&resp, "Content-Length"), "5");
	assert_string_equal(bw_resp_header_get(&resp, "x-amz-meta-color"), "blue");
	bw_resp_free(&resp);
	json_decref(out);

	/* no header smuggling */
	out = json_pack("{s:{s:s}}", "Metadata", "a", "x\r\nSet-Cookie: y");
	resp = (struct bw_http_response){0};
	assert_int_equal(bw_rest_encode_bindings(&call, bw_shape_at(call.model, call.op->output),
	                                         out, &resp),
	                 -1);
	assert_int_equal(call.err.status, 500);
	bw_resp_free(&resp);
	json_decref(out);

	/* the operation's status: GuardDuty TagResource answers 204 */
	s_call(&call, &req, "guardduty", "TagResource");
	resp = (struct bw_http_response){0};
	out = json_object();
	assert_int_equal(bw_rest_encode_bindings(&call, bw_shape_at(call.model, call.op->output),
	                                         out, &resp),
	                 0);
	assert_int_equal(resp.status, 204);
	bw_resp_free(&resp);
	json_decref(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guardduty),         cmocka_unit_test(test_securityhub_greedy),
		cmocka_unit_test(test_inspector2),        cmocka_unit_test(test_s3_disambiguation),
		cmocka_unit_test(test_decode_bindings),   cmocka_unit_test(test_encode_bindings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
