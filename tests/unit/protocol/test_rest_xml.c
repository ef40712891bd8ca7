/* test_rest_xml.c: the restXml codec (S3) against boto3's own requests and
 * botocore-checked responses (tests/vectors/protocol/xml/), plus bad bodies. */
#include "xml_vectors.h"

#define DECODE_CASE(n) static void test_decode_##n(void **state) { (void)state; vec_decode(#n); }
#define ENCODE_CASE(n) static void test_encode_##n(void **state) { (void)state; vec_encode(#n); }

DECODE_CASE(s3_create_bucket)
DECODE_CASE(s3_put_object)
DECODE_CASE(s3_get_object)
DECODE_CASE(s3_list_objects_v2)
DECODE_CASE(s3_put_bucket_tagging)
DECODE_CASE(s3_delete_objects)
ENCODE_CASE(s3_list_buckets_response)
ENCODE_CASE(s3_list_objects_v2_response)
ENCODE_CASE(s3_get_bucket_tagging_response)
ENCODE_CASE(s3_error_response)
ENCODE_CASE(s3_head_error_response)

static int decode_body(const char *op, const char *path, const char *query, const char *body,
                       json_t **in, struct bw_call *call)
{
	static struct bw_http_request req;
	memset(&req, 0, sizeof req);
	snprintf(req.method, sizeof req.method, "%s", bw_model_op(bw_model_find("s3"), op)->method);
	req.target = req.path = (char *)path;
	req.query = (char *)query;
	req.body = (uint8_t *)body;
	req.body_len = strlen(body);
	memset(call, 0, sizeof *call);
	call->model = bw_model_find("s3");
	call->op = bw_model_op(call->model, op);
	call->req = &req;
	call->path = path;
	call->uri_labels = json_pack("{s:s}", "Bucket", "b");
	strcpy(call->request_id, "rid");
	*in = NULL;
	int rc = bw_codec_rest_xml.decode(call, in);
	json_decref(call->uri_labels);
	call->uri_labels = NULL;
	return rc;
}

static void expect_malformed(const char *op, const char *query, const char *body)
{
	struct bw_call call;
	json_t *in;
	assert_int_equal(decode_body(op, "/b", query, body, &in, &call), -1);
	assert_string_equal(call.err.code, "MalformedXML");
	assert_int_equal(call.err.status, 400);
	assert_null(in);
}

static void test_bad_bodies(void **state)
{
	(void)state;
	expect_malformed("PutBucketTagging", "tagging", "<Tagging><TagSet>");
	expect_malformed("PutBucketTagging", "tagging", "<Wrong><TagSet/></Wrong>");
	expect_malformed("PutBucketTagging", "tagging",
	                 "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><Tagging><TagSet><Tag><Key>&a;</Key>"
	                 "<Value>v</Value></Tag></TagSet></Tagging>");
	expect_malformed("DeleteObjects", "delete",
	                 "<Delete><Quiet>maybe</Quiet><Object><Key>k</Key></Object></Delete>");
	expect_malformed("CreateBucket", "", "<CreateBucketConfiguration>\xff</CreateBucketConfiguration>");
}

static void test_optional_payload_empty(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(decode_body("CreateBucket", "/b", "", "", &in, &call), 0);
	assert_null(json_object_get(in, "CreateBucketConfiguration"));
	assert_string_equal(json_string_value(json_object_get(in, "Bucket")), "b");
	json_decref(in);
}

static void test_required_payload_missing(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	assert_int_equal(decode_body("PutBucketTagging", "/b", "tagging", "", &in, &call), -1);
	assert_true(call.failed);
	assert_int_equal(call.err.status, 400);
}

static void test_complete_multipart(void **state)
{
	(void)state;
	struct bw_call call;
	json_t *in;
	static struct bw_http_request req;
	const char *body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	                   "<Part><ETag>\"e1\"</ETag><PartNumber>1</PartNumber></Part>"
	                   "<Part><ETag>\"e2\"</ETag><PartNumber>2</PartNumber></Part>"
	                   "</CompleteMultipartUpload>";
	memset(&req, 0, sizeof req);
	strcpy(req.method, "POST");
	req.target = req.path = (char *)"/b/k";
	req.query = (char *)"uploadId=u1";
	req.body = (uint8_t *)body;
	req.body_len = strlen(body);
	memset(&call, 0, sizeof call);
	call.model = bw_model_find("s3");
	call.uri_labels = json_object();
	call.op = bw_rest_match(call.model, "POST", req.path, req.query, call.uri_labels, NULL);
	assert_non_null(call.op);
	assert_string_equal(call.op->name, "CompleteMultipartUpload");
	call.req = &req;
	assert_int_equal(bw_codec_rest_xml.decode(&call, &in), 0);
	json_t *parts = json_object_get(json_object_get(in, "MultipartUpload"), "Parts");
	assert_int_equal(json_array_size(parts), 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(parts, 1), "PartNumber")), 2);
	assert_string_equal(json_string_value(json_object_get(in, "UploadId")), "u1");
	json_decref(in);
	json_decref(call.uri_labels);
}

static void test_encode_streaming(void **state)
{
	(void)state;
	struct bw_call call;
	memset(&call, 0, sizeof call);
	struct bw_http_request req;
	memset(&req, 0, sizeof req);
	strcpy(req.method, "GET");
	call.req = &req;
	call.model = bw_model_find("s3");
	call.op = bw_model_op(call.model, "GetObject");
	strcpy(call.request_id, "rid");
	assert_int_equal(bw_buf_append_str(&call.out_stream, "raw \x00 bytes"), 0);
	struct bw_http_response resp;
	memset(&resp, 0, sizeof resp);
	json_t *out = json_pack("{s:s}", "ContentType", "text/plain");
	assert_int_equal(bw_codec_rest_xml.encode(&call, out, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body.len, 4);
	assert_memory_equal(resp.body.data, "raw ", 4);
	assert_string_equal(bw_resp_header_get(&resp, "Content-Type"), "text/plain");
	json_decref(out);
	bw_resp_free(&resp);
	bw_buf_free(&call.out_stream);
}

static void test_encode_no_body(void **state)
{
	(void)state;
	struct bw_call call;
	memset(&call, 0, sizeof call);
	struct bw_http_request req;
	memset(&req, 0, sizeof req);
	strcpy(req.method, "PUT");
	call.req = &req;
	call.model = bw_model_find("s3");
	call.op = bw_model_op(call.model, "PutObject");
	strcpy(call.request_id, "rid");
	struct bw_http_response resp;
	memset(&resp, 0, sizeof resp);
	json_t *out = json_pack("{s:s}", "ETag", "\"abc\"");
	assert_int_equal(bw_codec_rest_xml.encode(&call, out, &resp), 0);
	assert_int_equal(resp.body.len, 0);
	assert_string_equal(bw_resp_header_get(&resp, "ETag"), "\"abc\"");
	assert_string_equal(bw_resp_header_get(&resp, "x-amz-request-id"), "rid");
	json_decref(out);
	bw_resp_free(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_s3_create_bucket),
		cmocka_unit_test(test_decode_s3_put_object),
		cmocka_unit_test(test_decode_s3_get_object),
		cmocka_unit_test(test_decode_s3_list_objects_v2),
		cmocka_unit_test(test_decode_s3_put_bucket_tagging),
		cmocka_unit_test(test_decode_s3_delete_objects),
		cmocka_unit_test(test_encode_s3_list_buckets_response),
		cmocka_unit_test(test_encode_s3_list_objects_v2_response),
		cmocka_unit_test(test_encode_s3_get_bucket_tagging_response),
		cmocka_unit_test(test_encode_s3_error_response),
		cmocka_unit_test(test_encode_s3_head_error_response),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_optional_payload_empty),
		cmocka_unit_test(test_required_payload_missing),
		cmocka_unit_test(test_complete_multipart),
		cmocka_unit_test(test_encode_streaming),
		cmocka_unit_test(test_encode_no_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
