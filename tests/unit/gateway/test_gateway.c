/* The request path end to end, without sockets: route, decode, handle,
 * encode, and the errors of each protocol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "auth/sigv4.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/account.h"
#include "gateway/gateway.h"
#include "store/store.h"

static struct bw_gateway s_gw = {.region = "us-east-1"};
static struct bw_root_credentials s_root;
static char s_dir[64];

struct s_req {
	struct bw_http_request req;
	struct bw_header headers[8];
	char date[20];
	struct bw_buf authorization;
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
	snprintf(r->req.peer_ip, sizeof r->req.peer_ip, "127.0.0.1");
}

static void s_header(struct s_req *r, const char *name, const char *value)
{
	r->headers[r->req.nheaders].name = (char *)name;
	r->headers[r->req.nheaders].value = (char *)value;
	r->req.nheaders++;
}

/* Sign as the account root for `service`, as an SDK would. */
static void s_sign(struct s_req *r, const char *service)
{
	double now = (double)bw_now_ms() / 1000.0;
	assert_int_equal(bw_time_amzdate(now, r->date, sizeof r->date), 0);
	s_header(r, "X-Amz-Date", r->date);
	if (!bw_req_header(&r->req, "host"))
		s_header(r, "Host", "localhost");
	struct bw_sigv4_sign_params p = {
		.access_key_id = s_root.access_key_id,
		.secret = bw_cur_str(s_root.secret_access_key),
		.region = "us-east-1",
		.service = service,
		.time_s = (int64_t)now,
	};
	r->authorization = (struct bw_buf){0};
	assert_int_equal(bw_sigv4_sign(&r->req, &p, &r->authorization), BW_SIGV4_OK);
	s_header(r, "Authorization", bw_buf_cstr(&r->authorization));
}

static void s_handle(struct s_req *r, struct bw_http_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->status = 200;
	bw_gateway_handle(&s_gw, &r->req, resp);
	assert_non_null(bw_resp_header_get(resp, "x-amzn-RequestId"));
	bw_buf_free(&r->authorization);
}

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-gw-XXXXXX");
	if (!mkdtemp(s_dir))
		return -1;
	s_gw.authz.policies = bw_policy_cache_new(64);
	return bw_account_open(s_dir, NULL, true, &s_gw.store, &s_gw.root_key, s_gw.account_id,
	                       &s_root);
}

static int teardown(void **state)
{
	(void)state;
	bw_store_close(s_gw.store);
	bw_policy_cache_free(s_gw.authz.policies);
	bw_root_key_clear(&s_gw.root_key);
	return bw_test_store_close(s_dir, NULL);
}

static void test_health(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_http_response resp;
	s_init(&r, "GET", "/_bulwark/health", "", NULL);
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 200);
	json_t *body = json_loadb((const char *)resp.body.data, resp.body.len, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "store")), "ok");
	assert_string_equal(json_string_value(json_object_get(body, "version")), BW_VERSION);
	json_decref(body);
	bw_resp_free(&resp);
}

static void test_sts_get_caller_identity(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_http_response resp;
	s_init(&r, "POST", "/", "", "Action=GetCallerIdentity&Version=2011-06-15");
	s_header(&r, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
	s_sign(&r, "sts");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 200);
	const char *xml = bw_buf_cstr(&resp.body);
	char want[96];
	snprintf(want, sizeof want, "<Arn>arn:aws:iam::%s:root</Arn>", s_gw.account_id);
	assert_non_null(strstr(xml, "<GetCallerIdentityResponse"));
	assert_non_null(strstr(xml, want));
	assert_non_null(strstr(xml, "<RequestId>"));
	bw_resp_free(&resp);
}

static void test_kms_generate_random(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_http_response resp;
	s_init(&r, "POST", "/", "", "{\"NumberOfBytes\": 12}");
	s_header(&r, "X-Amz-Target", "TrentService.GenerateRandom");
	s_header(&r, "Content-Type", "application/x-amz-json-1.1");
	s_sign(&r, "kms");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 200);
	json_t *body = json_loadb((const char *)resp.body.data, resp.body.len, 0, NULL);
	assert_int_equal(strlen(json_string_value(json_object_get(body, "Plaintext"))), 16);
	json_decref(body);
	bw_resp_free(&resp);
}

static void test_not_implemented_in_each_protocol(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_http_response resp;

	s_init(&r, "POST", "/", "", "{\"Scope\": \"REGIONAL\"}");
	s_header(&r, "X-Amz-Target", "AWSWAF_20190729.ListWebACLs");
	s_header(&r, "Content-Type", "application/x-amz-json-1.1");
	s_sign(&r, "wafv2");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 501);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "\"NotImplemented\""));
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "ListWebACLs"));
	bw_resp_free(&resp);

	s_init(&r, "POST", "/", "", "Action=AssumeRoleWithSAML&Version=2011-06-15"
	       "&RoleArn=arn:aws:iam::123456789012:role/r&PrincipalArn=arn:aws:iam::123456789012:"
	       "saml-provider/p&SAMLAssertion=PHNhbWw%2BPC9zYW1sPg%3D%3D");
	s_header(&r, "Content-Type", "application/x-www-form-urlencoded");
	s_sign(&r, "sts");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 501);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "<Code>NotImplemented</Code>"));
	bw_resp_free(&resp);

	/* unsigned, as the SDKs send it (authtype none): still NotImplemented */
	s_init(&r, "POST", "/", "", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
	       "&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1"
	       "&WebIdentityToken=eyJhbGciOiJub25lIn0.e30.");
	s_header(&r, "Content-Type", "application/x-www-form-urlencoded");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 501);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "<Code>NotImplemented</Code>"));
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "AssumeRoleWithWebIdentity"));
	bw_resp_free(&resp);

	/* an operation that needs a signature still needs one */
	s_init(&r, "POST", "/", "", "Action=GetCallerIdentity&Version=2011-06-15");
	s_header(&r, "Content-Type", "application/x-www-form-urlencoded");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 403);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "<Code>MissingAuthenticationToken</Code>"));
	bw_resp_free(&resp);

	s_init(&r, "GET", "/detector", "", NULL);
	s_sign(&r, "guardduty");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 501);
	assert_string_equal(bw_resp_header_get(&resp, "X-Amzn-ErrorType"), "NotImplemented");
	bw_resp_free(&resp);

	s_init(&r, "GET", "/", "", NULL);
	s_header(&r, "Host", "localhost");
	s_header(&r, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
	s_sign(&r, "s3");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 501);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "<Code>NotImplemented</Code>"));
	assert_non_null(bw_resp_header_get(&resp, "x-amz-request-id"));
	assert_non_null(bw_resp_header_get(&resp, "x-amz-id-2"));
	bw_resp_free(&resp);
}

static void test_validation_runs_before_not_implemented(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_http_response resp;
	s_init(&r, "POST", "/", "", "{\"KeySpec\": \"NOPE\"}");
	s_header(&r, "X-Amz-Target", "TrentService.CreateKey");
	s_header(&r, "Content-Type", "application/x-amz-json-1.1");
	s_sign(&r, "kms");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 400);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "ValidationException"));
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "keySpec"));
	bw_resp_free(&resp);
}

static void test_unroutable_requests(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_http_response resp;
	s_init(&r, "POST", "/", "", "{}");
	s_header(&r, "X-Amz-Target", "Nobody.Nothing");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 400);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "UnknownOperationException"));
	bw_resp_free(&resp);

	s_init(&r, "DELETE", "/nothing/here", "", NULL);
	s_header(&r, "Authorization", "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/dynamodb/aws4_request");
	s_handle(&r, &resp);
	assert_true(resp.status >= 400 && resp.status < 500);
	bw_resp_free(&resp);
}

static void test_authentication_failures(void **state)
{
	(void)state;
	struct s_req r;
	struct bw_http_response resp;
	/* no signature at all */
	s_init(&r, "POST", "/", "", "{\"NumberOfBytes\": 12}");
	s_header(&r, "X-Amz-Target", "TrentService.GenerateRandom");
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 400); /* awsJson: 400 ...Exception */
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "MissingAuthenticationTokenException"));
	bw_resp_free(&resp);

	/* the body changed after signing */
	s_init(&r, "POST", "/", "", "{\"NumberOfBytes\": 12}");
	s_header(&r, "X-Amz-Target", "TrentService.GenerateRandom");
	s_sign(&r, "kms");
	r.req.body = (uint8_t *)"{\"NumberOfBytes\": 13}";
	s_handle(&r, &resp);
	assert_int_equal(resp.status, 400);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "InvalidSignatureException"));
	bw_resp_free(&resp);

	/* a key that does not exist */
	struct bw_root_credentials saved = s_root;
	memcpy(s_root.access_key_id, "AKIAAAAAAAAAAAAAAAAA", 21);
	s_init(&r, "POST", "/", "", "{\"NumberOfBytes\": 12}");
	s_header(&r, "X-Amz-Target", "TrentService.GenerateRandom");
	s_sign(&r, "kms");
	s_handle(&r, &resp);
	s_root = saved;
	assert_int_equal(resp.status, 400);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "UnrecognizedClientException") ||
	                strstr(bw_buf_cstr(&resp.body), "InvalidClientTokenId"));
	bw_resp_free(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_sts_get_caller_identity),
		cmocka_unit_test(test_kms_generate_random),
		cmocka_unit_test(test_not_implemented_in_each_protocol),
		cmocka_unit_test(test_validation_runs_before_not_implemented),
		cmocka_unit_test(test_unroutable_requests),
		cmocka_unit_test(test_authentication_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
