/* Authentication through the gateway, without sockets: what a signature
 * covers (only S3 takes a payload hash other than the body's, and then its
 * chunks are checked), which service a scope may be spent on, session tokens
 * where none belongs, and keys bound to their user's unique id. Each case is
 * an attack that once worked. */
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
#include "core/gencache.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/account.h"
#include "gateway/authn.h"
#include "gateway/gateway.h"
#include "protocol/model.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"
#include "store/store.h"

static struct bw_gateway s_gw = {.region = "us-east-1"};
static struct bw_root_credentials s_root;
static char s_dir[64];

struct s_req {
	struct bw_http_request req;
	struct bw_header headers[16];
	char date[20];
	struct bw_buf authorization;
	struct bw_buf body;
};

/* Whose credentials sign: the root's unless set. */
struct s_creds {
	const char *akid;
	const char *secret;
};

static void s_init(struct s_req *r, const char *method, const char *path, const char *body)
{
	memset(r, 0, sizeof *r);
	snprintf(r->req.method, sizeof r->req.method, "%s", method);
	r->req.path = (char *)path;
	r->req.query = (char *)"";
	r->req.target = (char *)path;
	if (body)
		assert_int_equal(bw_buf_append_str(&r->body, body), 0);
	r->req.body = r->body.data;
	r->req.body_len = r->body.len;
	r->req.headers = r->headers;
	snprintf(r->req.peer_ip, sizeof r->req.peer_ip, "127.0.0.1");
}

static void s_header(struct s_req *r, const char *name, const char *value)
{
	assert_true(r->req.nheaders < sizeof r->headers / sizeof r->headers[0]);
	r->headers[r->req.nheaders].name = (char *)name;
	r->headers[r->req.nheaders].value = (char *)value;
	r->req.nheaders++;
}

/* Sign for `service` at now with payload_hash (NULL: the x-amz-content-sha256
 * header, else the body's hash), as an SDK would. */
static void s_sign_as(struct s_req *r, const char *service, const struct s_creds *c,
                      const char *payload_hash)
{
	double now = (double)bw_now_ms() / 1000.0;
	assert_int_equal(bw_time_amzdate(now, r->date, sizeof r->date), 0);
	s_header(r, "X-Amz-Date", r->date);
	if (!bw_req_header(&r->req, "host"))
		s_header(r, "Host", "localhost");
	struct bw_sigv4_sign_params p = {
		.access_key_id = c ? c->akid : s_root.access_key_id,
		.secret = bw_cur_str(c ? c->secret : s_root.secret_access_key),
		.region = "us-east-1",
		.service = service,
		.time_s = (int64_t)now,
		.payload_hash = payload_hash,
	};
	r->authorization = (struct bw_buf){0};
	assert_int_equal(bw_sigv4_sign(&r->req, &p, &r->authorization), BW_SIGV4_OK);
	s_header(r, "Authorization", bw_buf_cstr(&r->authorization));
}

static void s_query(struct s_req *r, const char *body)
{
	s_init(r, "POST", "/", body);
	s_header(r, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
}

/* Send r; the response body is returned (free it), its status in *status. */
static char *s_send(struct s_req *r, uint16_t *status)
{
	struct bw_http_response resp = {.status = 200};
	bw_gateway_handle(&s_gw, &r->req, &resp);
	*status = resp.status;
	char *text = strdup(bw_buf_cstr(&resp.body));
	bw_resp_free(&resp);
	bw_buf_free(&r->authorization);
	bw_buf_free(&r->body);
	assert_non_null(text);
	return text;
}

static void s_expect(struct s_req *r, uint16_t status, const char *needle)
{
	uint16_t got;
	char *text = s_send(r, &got);
	if (got != status || (needle && !strstr(text, needle)))
		fail_msg("expected %u with %s, got %u: %s", status, needle ? needle : "-", got, text);
	free(text);
}

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-authn-XXXXXX");
	if (!mkdtemp(s_dir))
		return -1;
	s_gw.authz.policies = bw_policy_cache_new(64);
	s_gw.authz.sets = bw_gencache_new(64);
	return bw_account_open(s_dir, NULL, true, &s_gw.store, &s_gw.root_key, s_gw.account_id,
	                       &s_root);
}

static int teardown(void **state)
{
	(void)state;
	bw_store_close(s_gw.store);
	bw_policy_cache_free(s_gw.authz.policies);
	bw_gencache_free(s_gw.authz.sets);
	bw_root_key_clear(&s_gw.root_key);
	return bw_test_store_close(s_dir, NULL);
}

static bool s_user_exists(const char *name)
{
	json_t *doc = NULL;
	int rc = bw_doc_get(s_gw.store, BW_IAM_USER, s_gw.account_id, name, &doc);
	json_decref(doc);
	return rc == BW_STORE_OK;
}

/* The attack: sign a harmless ListUsers over UNSIGNED-PAYLOAD (or a
 * STREAMING-* marker, or another body's hash), then swap the body for a
 * CreateUser. Outside S3 the signature covers the body received, so the
 * swap is a signature mismatch in every protocol. */
static void test_unsigned_payload_only_for_s3(void **state)
{
	(void)state;
	const char *markers[] = {
		BW_SIGV4_UNSIGNED_PAYLOAD, BW_SIGV4_STREAMING_PAYLOAD,
		BW_SIGV4_STREAMING_PAYLOAD_TRAILER, BW_SIGV4_STREAMING_UNSIGNED_TRAILER,
		/* SHA-256 of "Action=ListUsers&Version=2010-05-08" is not this */
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
		struct s_req r;
		s_query(&r, "Action=ListUsers&Version=2010-05-08");
		s_header(&r, "x-amz-content-sha256", markers[i]);
		s_sign_as(&r, "iam", NULL, markers[i]);
		bw_buf_reset(&r.body);
		assert_int_equal(
			bw_buf_append_str(&r.body, "Action=CreateUser&UserName=intruder&Version=2010-05-08"),
			0);
		r.req.body = r.body.data;
		r.req.body_len = r.body.len;
		s_expect(&r, 403, "<Code>SignatureDoesNotMatch</Code>");
		assert_false(s_user_exists("intruder"));

		/* unswapped, the marker alone is refused as well */
		s_query(&r, "Action=GetCallerIdentity&Version=2011-06-15");
		s_header(&r, "x-amz-content-sha256", markers[i]);
		s_sign_as(&r, "sts", NULL, markers[i]);
		s_expect(&r, 403, "SignatureDoesNotMatch");

		s_init(&r, "POST", "/", "{\"NumberOfBytes\": 8}");
		s_header(&r, "X-Amz-Target", "TrentService.GenerateRandom");
		s_header(&r, "Content-Type", "application/x-amz-json-1.1");
		s_header(&r, "x-amz-content-sha256", markers[i]);
		s_sign_as(&r, "kms", NULL, markers[i]);
		s_expect(&r, 400, "InvalidSignatureException");

		s_init(&r, "POST", "/", "{}");
		s_header(&r, "X-Amz-Target",
		         "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails");
		s_header(&r, "Content-Type", "application/x-amz-json-1.1");
		s_header(&r, "x-amz-content-sha256", markers[i]);
		s_sign_as(&r, "cloudtrail", NULL, markers[i]);
		s_expect(&r, 400, "InvalidSignatureException");
	}
	/* the body's own hash in the header is what an SDK sends: accepted */
	struct s_req r;
	s_query(&r, "Action=ListUsers&Version=2010-05-08");
	struct bw_buf hex = {0};
	assert_int_equal(bw_sigv4_hex_sha256(bw_cur_str("Action=ListUsers&Version=2010-05-08"), &hex),
	                 BW_SIGV4_OK);
	s_header(&r, "x-amz-content-sha256", bw_buf_cstr(&hex));
	s_sign_as(&r, "iam", NULL, NULL);
	s_expect(&r, 200, "<ListUsersResponse");
	bw_buf_free(&hex);
}

/* The signature of one aws-chunked chunk, chained from prev (hex). */
static void s_chunk_sig(const char *date, const char *scope, const char *prev, struct bw_cur data,
                        char out[65])
{
	uint8_t key[32], mac[32];
	struct bw_buf sts = {0}, empty = {0}, h = {0};
	char day[9];
	memcpy(day, date, 8);
	day[8] = 0;
	assert_int_equal(bw_sigv4_signing_key(bw_cur_str(s_root.secret_access_key), day,
	                                      "us-east-1", "s3", key),
	                 BW_SIGV4_OK);
	assert_int_equal(bw_sigv4_hex_sha256(bw_cur_str(""), &empty), BW_SIGV4_OK);
	assert_int_equal(bw_sigv4_hex_sha256(data, &h), BW_SIGV4_OK);
	assert_int_equal(bw_buf_appendf(&sts, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s", date,
	                                scope, prev, bw_buf_cstr(&empty), bw_buf_cstr(&h)),
	                 0);
	assert_int_equal(bw_sigv4_hmac(key, bw_cur_from(sts.data, sts.len), mac), BW_SIGV4_OK);
	static const char hexd[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hexd[mac[i] >> 4];
		out[2 * i + 1] = hexd[mac[i] & 15];
	}
	out[64] = 0;
	bw_buf_free(&sts);
	bw_buf_free(&empty);
	bw_buf_free(&h);
}

/* An S3 PutObject with an aws-chunked body of "hello world" in two chunks;
 * corrupt: change a byte of the second chunk after signing. */
static void s_s3_chunked(struct s_req *r, bool corrupt)
{
	s_init(r, "PUT", "/bucket/key", NULL);
	s_header(r, "Host", "localhost");
	s_header(r, "x-amz-content-sha256", BW_SIGV4_STREAMING_PAYLOAD);
	s_header(r, "Content-Encoding", "aws-chunked");
	s_header(r, "x-amz-decoded-content-length", "11");
	s_sign_as(r, "s3", NULL, NULL);
	const char *sig = strstr(bw_buf_cstr(&r->authorization), "Signature=");
	assert_non_null(sig);
	char prev[65], scope[64];
	snprintf(prev, sizeof prev, "%s", sig + 10);
	snprintf(scope, sizeof scope, "%.8s/us-east-1/s3/aws4_request", r->date);
	const char *chunks[] = {"hello ", "world", ""};
	for (size_t i = 0; i < 3; i++) {
		char s[65];
		s_chunk_sig(r->date, scope, prev, bw_cur_str(chunks[i]), s);
		assert_int_equal(bw_buf_appendf(&r->body, "%zx;chunk-signature=%s\r\n%s\r\n",
		                                strlen(chunks[i]), s, chunks[i]),
		                 0);
		memcpy(prev, s, sizeof prev);
	}
	if (corrupt) {
		char *w = strstr((char *)r->body.data, "world");
		assert_non_null(w);
		w[0] = 'W';
	}
	r->req.body = r->body.data;
	r->req.body_len = r->body.len;
}

/* S3 may stream, and then every chunk's signature is checked before the
 * request goes on: a changed chunk is refused (S3 is not served yet, so a
 * request that authenticates answers NotImplemented). */
static void test_s3_chunks_are_verified(void **state)
{
	(void)state;
	struct s_req r;
	s_s3_chunked(&r, false);
	s_expect(&r, 501, "<Code>NotImplemented</Code>");
	s_s3_chunked(&r, true);
	s_expect(&r, 403, "<Code>SignatureDoesNotMatch</Code>");
}

/* The verified scope must name the service the request was routed to. */
static void test_scope_names_the_routed_service(void **state)
{
	(void)state;
	struct s_req r;
	s_query(&r, "Action=ListUsers&Version=2010-05-08");
	s_sign_as(&r, "sts", NULL, NULL);
	struct bw_call call = {.req = &r.req, .store = s_gw.store, .root_key = &s_gw.root_key,
	                       .authz = &s_gw.authz, .now_s = (double)bw_now_ms() / 1000.0};
	snprintf(call.account_id, sizeof call.account_id, "%s", s_gw.account_id);
	call.model = bw_model_find("iam");
	call.op = bw_model_op(call.model, "ListUsers");
	assert_int_equal(bw_authenticate(&call, s_gw.authz.sets), -1);
	assert_string_equal(call.err.code, "SignatureDoesNotMatch");
	assert_string_equal(call.err.message, "Credential should be scoped to correct service: 'iam'. ");
	/* the same request routed where its scope points authenticates */
	memset(&call.err, 0, sizeof call.err);
	call.failed = false;
	call.model = bw_model_find("sts");
	call.op = bw_model_op(call.model, "GetCallerIdentity");
	assert_int_equal(bw_authenticate(&call, s_gw.authz.sets), 0);
	assert_int_equal(call.principal.type, BW_PT_ROOT);
	bw_principal_clear(&call.principal);
	bw_buf_free(&r.authorization);
	bw_buf_free(&r.body);
}

/* A long-term key presented with a session token is no credential AWS
 * issued: "The security token included in the request is invalid." */
static void test_long_term_key_with_token(void **state)
{
	(void)state;
	const char *tokens[] = {"BwStAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "anything", ""};
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		struct s_req r;
		s_query(&r, "Action=GetCallerIdentity&Version=2011-06-15");
		s_header(&r, "X-Amz-Security-Token", tokens[i]);
		s_sign_as(&r, "sts", NULL, NULL);
		s_expect(&r, 403, "<Code>InvalidClientTokenId</Code>");
		s_init(&r, "POST", "/", "{\"NumberOfBytes\": 8}");
		s_header(&r, "X-Amz-Target", "TrentService.GenerateRandom");
		s_header(&r, "Content-Type", "application/x-amz-json-1.1");
		s_header(&r, "X-Amz-Security-Token", tokens[i]);
		s_sign_as(&r, "kms", NULL, NULL);
		s_expect(&r, 400, "UnrecognizedClientException");
	}
}

/* Value of <tag>...</tag> in xml, into out. */
static void s_xml_value(const char *xml, const char *tag, char *out, size_t cap)
{
	char open[64], close[64];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *a = strstr(xml, open), *b = a ? strstr(a, close) : NULL;
	assert_non_null(b);
	a += strlen(open);
	assert_true((size_t)(b - a) < cap);
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = 0;
}

static char *s_iam(const char *body, const struct s_creds *c, uint16_t *status)
{
	struct s_req r;
	s_query(&r, body);
	s_sign_as(&r, "iam", c, NULL);
	return s_send(&r, status);
}

static char *s_whoami(const struct s_creds *c, uint16_t *status)
{
	struct s_req r;
	s_query(&r, "Action=GetCallerIdentity&Version=2011-06-15");
	s_sign_as(&r, "sts", c, NULL);
	return s_send(&r, status);
}

/* A long-term key belongs to its user's unique id: a user of the same name
 * made later (the old one deleted around its key, or its record replaced)
 * is someone else, whom the key does not authenticate; a rename keeps the
 * key working as the renamed user. */
static void test_key_bound_to_user_id(void **state)
{
	(void)state;
	uint16_t st;
	char *x = s_iam("Action=CreateUser&UserName=kim&Version=2010-05-08", NULL, &st);
	assert_int_equal(st, 200);
	char old_id[32];
	s_xml_value(x, "UserId", old_id, sizeof old_id);
	free(x);
	x = s_iam("Action=CreateAccessKey&UserName=kim&Version=2010-05-08", NULL, &st);
	assert_int_equal(st, 200);
	char akid[32], secret[64];
	s_xml_value(x, "AccessKeyId", akid, sizeof akid);
	s_xml_value(x, "SecretAccessKey", secret, sizeof secret);
	free(x);
	struct s_creds kim = {akid, secret};
	x = s_whoami(&kim, &st);
	assert_int_equal(st, 200);
	assert_non_null(strstr(x, ":user/kim</Arn>"));
	free(x);

	/* renamed: the same user, so the same key, under the new name */
	free(s_iam("Action=UpdateUser&UserName=kim&NewUserName=kimberly&Version=2010-05-08", NULL,
	           &st));
	assert_int_equal(st, 200);
	x = s_whoami(&kim, &st);
	assert_int_equal(st, 200);
	assert_non_null(strstr(x, ":user/kimberly</Arn>"));
	free(x);

	/* the user's record replaced by another user of that name */
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_gw.store, BW_IAM_USER, s_gw.account_id, "kimberly", &doc),
	                 BW_STORE_OK);
	json_object_set_new(doc, "UserId", json_string("AIDAOTHERUSER00000001"));
	assert_int_equal(bw_doc_update(s_gw.store, BW_IAM_USER, s_gw.account_id, "kimberly", doc),
	                 BW_STORE_OK);
	x = s_whoami(&kim, &st);
	assert_int_equal(st, 403);
	assert_non_null(strstr(x, "<Code>InvalidClientTokenId</Code>"));
	assert_non_null(strstr(x, "The security token included in the request is invalid."));
	free(x);
	/* and gone altogether */
	assert_int_equal(bw_doc_delete(s_gw.store, BW_IAM_USER, s_gw.account_id, "kimberly"),
	                 BW_STORE_OK);
	x = s_whoami(&kim, &st);
	assert_int_equal(st, 403);
	assert_non_null(strstr(x, "<Code>InvalidClientTokenId</Code>"));
	free(x);
	/* the original record back: the key is its again */
	json_object_set_new(doc, "UserId", json_string(old_id));
	assert_int_equal(bw_doc_put(s_gw.store, BW_IAM_USER, s_gw.account_id, "kimberly", doc),
	                 BW_STORE_OK);
	json_decref(doc);
	x = s_whoami(&kim, &st);
	assert_int_equal(st, 200);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsigned_payload_only_for_s3),
		cmocka_unit_test(test_s3_chunks_are_verified),
		cmocka_unit_test(test_scope_names_the_routed_service),
		cmocka_unit_test(test_long_term_key_with_token),
		cmocka_unit_test(test_key_bound_to_user_id),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
