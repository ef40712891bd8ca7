/* Routing: credential scope, X-Amz-Target, Action, URI templates, S3 hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gateway/route.h"

struct s_req {
	struct bw_http_request req;
	struct bw_header headers[4];
};

static void s_init(struct s_req *r, const char *method, const char *path, const char *query,
                   const char *body)
{
	memset(r, 0, sizeof *r);
	snprintf(r->req.method, sizeof r->req.method, "%s", method);
	r->req.path = (char *)path;
	r->req.query = (char *)query;
	r->req.target = (char *)path;
	r->req.body = (uint8_t *)body;
	r->req.body_len = body ? strlen(body) : 0;
	r->req.headers = r->headers;
}

static void s_header(struct s_req *r, const char *name, const char *value)
{
	r->headers[r->req.nheaders].name = (char *)name;
	r->headers[r->req.nheaders].value = (char *)value;
	r->req.nheaders++;
}

static int s_route(struct s_req *r, struct bw_call *call, struct bw_buf *path)
{
	memset(call, 0, sizeof *call);
	call->req = &r->req;
	return bw_route(call, path);
}

static void test_scope_from_authorization_and_presigned_query(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_scope scope;
	s_init(&r, "GET", "/", "", NULL);
	s_header(&r, "Authorization",
	         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/iam/aws4_request, "
	         "SignedHeaders=host;x-amz-date, Signature=abc");
	assert_true(bw_route_scope(&r.req, &scope));
	assert_string_equal(scope.service, "iam");
	assert_string_equal(scope.region, "eu-west-1");

	s_init(&r, "GET", "/bucket/key", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
	       "AKID%2F20150830%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z", NULL);
	assert_true(bw_route_scope(&r.req, &scope));
	assert_string_equal(scope.service, "s3");
	assert_string_equal(scope.region, "us-west-2");

	s_init(&r, "GET", "/", "", NULL);
	s_header(&r, "Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1");
	assert_false(bw_route_scope(&r.req, &scope));
}

static void test_target_routes_json_services(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_call call;
	struct bw_buf path = {0};
	s_init(&r, "POST", "/", "", "{}");
	s_header(&r, "X-Amz-Target", "TrentService.Encrypt");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.model->name, "kms");
	assert_string_equal(call.op->name, "Encrypt");

	s_init(&r, "POST", "/", "", "{}");
	s_header(&r, "X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.model->name, "cloudtrail");
	assert_string_equal(call.op->name, "LookupEvents");

	s_init(&r, "POST", "/", "", "{}");
	s_header(&r, "X-Amz-Target", "TrentService.NoSuchOp");
	assert_int_equal(s_route(&r, &call, &path), -1);
	assert_string_equal(call.err.code, "UnknownOperationException");
	assert_string_equal(call.model->name, "kms");

	/* a scope for kms with another service's target */
	s_init(&r, "POST", "/", "", "{}");
	s_header(&r, "Authorization", "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/kms/aws4_request");
	s_header(&r, "X-Amz-Target", "AWSWAF_20190729.ListWebACLs");
	assert_int_equal(s_route(&r, &call, &path), -1);
	assert_string_equal(call.err.code, "UnknownOperationException");
	assert_int_equal(call.err.status, 400);
	bw_buf_free(&path);
}

/* Both forms of every awsJson target that current SDKs send: botocore's
 * whole targetPrefix and the Smithy service shape's name (route.c). */
static void test_target_forms_of_every_json_service(void **state)
{
	(void)state;
	static const struct {
		const char *target, *service, *op;
	} sent[] = {
		/* JavaScript v3, Go v2, Java v2 ... */
		{"TrentService.Encrypt", "kms", "Encrypt"},
		{"CloudTrail_20131101.LookupEvents", "cloudtrail", "LookupEvents"},
		{"StarlingDoveService.DescribeConfigRules", "config", "DescribeConfigRules"},
		{"AWSShield_20160616.ListProtections", "shield", "ListProtections"},
		{"AWSWAF_20190729.ListWebACLs", "wafv2", "ListWebACLs"},
		/* boto3 and the aws CLI */
		{"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", "cloudtrail",
		 "LookupEvents"},
	};
	struct s_req r;
	struct bw_call call;
	struct bw_buf path = {0};
	for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
		for (int signed_ = 0; signed_ < 2; signed_++) {
			char auth[160];
			snprintf(auth, sizeof auth,
			         "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/%s/aws4_request",
			         sent[i].service);
			s_init(&r, "POST", "/", "", "{}");
			s_header(&r, "X-Amz-Target", sent[i].target);
			if (signed_)
				s_header(&r, "Authorization", auth);
			assert_int_equal(s_route(&r, &call, &path), 0);
			assert_string_equal(call.model->name, sent[i].service);
			assert_string_equal(call.op->name, sent[i].op);
		}
	}

	/* every awsJson model of the table, both forms, so a new one is covered */
	size_t njson = 0;
	for (size_t i = 0; bw_models[i]; i++) {
		const struct bw_service_model *m = bw_models[i];
		if (m->protocol != BW_PROTO_JSON)
			continue;
		njson++;
		assert_non_null(m->target_prefix);
		const char *shape = strrchr(m->target_prefix, '.');
		const char *forms[] = {m->target_prefix, shape ? shape + 1 : m->target_prefix};
		const char *op = m->ops[m->nops - 1].name;
		for (size_t f = 0; f < 2; f++) {
			char target[256];
			snprintf(target, sizeof target, "%s.%s", forms[f], op);
			s_init(&r, "POST", "/", "", "{}");
			s_header(&r, "X-Amz-Target", target);
			assert_int_equal(s_route(&r, &call, &path), 0);
			assert_ptr_equal(call.model, m);
			assert_string_equal(call.op->name, op);
		}
	}
	assert_int_equal(njson, 5);

	/* what no SDK sends: a partial prefix, another case, no operation */
	static const char *const refused[] = {
		"v20131101.CloudTrail_20131101.LookupEvents",
		"cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
		"cloudtrail_20131101.LookupEvents",
		"trentservice.Encrypt",
		"CloudTrail_20131101.",
		".LookupEvents",
		"CloudTrail_20131101LookupEvents",
		"com.amazonaws.cloudtrail.v20131101.LookupEvents",
		"CloudTrail_20131101.lookupEvents",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		s_init(&r, "POST", "/", "", "{}");
		s_header(&r, "X-Amz-Target", refused[i]);
		assert_int_equal(s_route(&r, &call, &path), -1);
		assert_string_equal(call.err.code, "UnknownOperationException");
		assert_int_equal(call.err.status, 400);
	}

	/* the scope names kms: CloudTrail's short form is no kms operation */
	s_init(&r, "POST", "/", "", "{}");
	s_header(&r, "Authorization", "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/kms/aws4_request");
	s_header(&r, "X-Amz-Target", "CloudTrail_20131101.LookupEvents");
	assert_int_equal(s_route(&r, &call, &path), -1);
	assert_string_equal(call.err.code, "UnknownOperationException");
	assert_string_equal(call.model->name, "kms");
	bw_buf_free(&path);
}

static void test_action_routes_query_services(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_call call;
	struct bw_buf path = {0};
	s_init(&r, "POST", "/", "", "Action=GetCallerIdentity&Version=2011-06-15");
	s_header(&r, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.model->name, "sts");

	s_init(&r, "GET", "/", "Action=ListUsers&Version=2010-05-08", NULL);
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.model->name, "iam");
	assert_string_equal(call.op->name, "ListUsers");

	/* the scope says sts: an IAM action is unknown there */
	s_init(&r, "POST", "/", "", "Action=ListUsers");
	s_header(&r, "Content-Type", "application/x-www-form-urlencoded");
	s_header(&r, "Authorization", "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/sts/aws4_request");
	assert_int_equal(s_route(&r, &call, &path), -1);
	assert_string_equal(call.err.code, "InvalidAction");
	bw_buf_free(&path);
}

static void test_unknown_service_in_scope(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_call call;
	struct bw_buf path = {0};
	s_init(&r, "POST", "/", "", "{}");
	s_header(&r, "Authorization", "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/dynamodb/aws4_request");
	assert_int_equal(s_route(&r, &call, &path), -1);
	assert_null(call.model);
	assert_string_equal(call.err.code, "UnrecognizedClientException");
	bw_buf_free(&path);
}

static void test_rest_routes_by_template(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_call call;
	struct bw_buf path = {0};
	s_init(&r, "POST", "/detector/d-123/findings/get", "", "{}");
	s_header(&r, "Authorization", "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/guardduty/aws4_request");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.op->name, "GetFindings");
	assert_string_equal(json_string_value(json_object_get(call.uri_labels, "DetectorId")), "d-123");
	json_decref(call.uri_labels);

	/* unsigned: found among the rest services */
	s_init(&r, "GET", "/detector", "", NULL);
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.model->name, "guardduty");
	assert_string_equal(call.op->name, "ListDetectors");
	json_decref(call.uri_labels);
	bw_buf_free(&path);
}

static void test_s3_path_and_virtual_host(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_call call;
	struct bw_buf path = {0};
	const char *s3 = "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/s3/aws4_request";
	s_init(&r, "GET", "/my-bucket/a/b%20c.txt", "", NULL);
	s_header(&r, "Authorization", s3);
	s_header(&r, "Host", "127.0.0.1:4566");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.op->name, "GetObject");
	assert_string_equal(json_string_value(json_object_get(call.uri_labels, "Bucket")), "my-bucket");
	assert_string_equal(json_string_value(json_object_get(call.uri_labels, "Key")), "a/b c.txt");
	json_decref(call.uri_labels);

	s_init(&r, "GET", "/a/b.txt", "", NULL);
	s_header(&r, "Authorization", s3);
	s_header(&r, "Host", "my-bucket.localhost:4566");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.op->name, "GetObject");
	assert_string_equal(call.path, "/my-bucket/a/b.txt");
	assert_string_equal(json_string_value(json_object_get(call.uri_labels, "Bucket")), "my-bucket");
	json_decref(call.uri_labels);

	s_init(&r, "GET", "/", "list-type=2", NULL);
	s_header(&r, "Authorization", s3);
	s_header(&r, "Host", "logs.s3.us-east-1.amazonaws.com");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.op->name, "ListObjectsV2");
	assert_string_equal(json_string_value(json_object_get(call.uri_labels, "Bucket")), "logs");
	json_decref(call.uri_labels);

	s_init(&r, "PUT", "/dst/key", "", NULL);
	s_header(&r, "Authorization", s3);
	s_header(&r, "x-amz-copy-source", "/src/key");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.op->name, "CopyObject");
	json_decref(call.uri_labels);

	s_init(&r, "PUT", "/dst/key", "partNumber=1&uploadId=u", NULL);
	s_header(&r, "Authorization", s3);
	s_header(&r, "x-amz-copy-source", "/src/key");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.op->name, "UploadPartCopy");
	json_decref(call.uri_labels);

	s_init(&r, "GET", "/", "", NULL);
	s_header(&r, "Authorization", s3);
	s_header(&r, "Host", "localhost:4566");
	assert_int_equal(s_route(&r, &call, &path), 0);
	assert_string_equal(call.op->name, "ListBuckets");
	json_decref(call.uri_labels);
	bw_buf_free(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_from_authorization_and_presigned_query),
		cmocka_unit_test(test_target_routes_json_services),
		cmocka_unit_test(test_target_forms_of_every_json_service),
		cmocka_unit_test(test_action_routes_query_services),
		cmocka_unit_test(test_unknown_service_in_scope),
		cmocka_unit_test(test_rest_routes_by_template),
		cmocka_unit_test(test_s3_path_and_virtual_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
