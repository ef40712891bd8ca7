/* The CloudTrail record of a call: each identity form, redaction of
 * plaintexts and secrets (KMS Encrypt, IAM CreateAccessKey, STS
 * AssumeRole), errors, failed authentication, resources and the LookupEvents
 * columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "gateway/record.h"
#include "gateway/resource.h"
#include "services/service.h"

struct s_ctx {
	struct bw_http_request req;
	struct bw_header headers[4];
	struct bw_call call;
};

static void s_call(struct s_ctx *c, const char *service, const char *op)
{
	memset(c, 0, sizeof *c);
	snprintf(c->req.method, sizeof c->req.method, "POST");
	c->req.path = (char *)"/";
	c->req.query = (char *)"";
	c->req.headers = c->headers;
	c->headers[0] = (struct bw_header){(char *)"User-Agent", (char *)"aws-cli/2.0 test"};
	c->headers[1] = (struct bw_header){(char *)"Host", (char *)"localhost:4566"};
	c->req.nheaders = 2;
	snprintf(c->req.peer_ip, sizeof c->req.peer_ip, "10.1.2.3");
	c->call.req = &c->req;
	c->call.model = bw_model_find(service);
	assert_non_null(c->call.model);
	c->call.op = bw_model_op(c->call.model, op);
	assert_non_null(c->call.op);
	snprintf(c->call.request_id, sizeof c->call.request_id, "req-1");
	snprintf(c->call.account_id, sizeof c->call.account_id, "111122223333");
	snprintf(c->call.region, sizeof c->call.region, "eu-west-1");
	c->call.now_s = 1795376000.75; /* 2026-11-22T... */
}

static const char *s_str(const json_t *j, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *cur = j;
	for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && cur;
	     tok = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, tok);
	return json_string_value(cur);
}

/* The record's text holds none of these. */
static void s_assert_absent(const json_t *j, const char *needle)
{
	char *text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	if (strstr(text, needle))
		fail_msg("'%s' found in %s", needle, text);
	free(text);
}

static void test_root_encrypt_redacted(void **state)
{
	(void)state;
	struct s_ctx c;
	s_call(&c, "kms", "Encrypt");
	bw_principal_root(&c.call.principal, "111122223333");
	snprintf(c.call.principal.access_key_id, sizeof c.call.principal.access_key_id,
	         "AKIAROOTROOTROOT0001");
	/* "c2VjcmV0LXBsYWludGV4dA==" is base64("secret-plaintext") */
	json_t *in = json_pack("{s:s, s:s, s:{s:s}, s:s}", "KeyId", "alias/app", "Plaintext",
	                       "c2VjcmV0LXBsYWludGV4dA==", "EncryptionContext", "dept", "x",
	                       "EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
	json_t *out = json_pack("{s:s, s:s}", "CiphertextBlob", "Q0lQSEVS", "KeyId", "arn:k");
	struct bw_record rec;
	assert_int_equal(bw_record_build(&c.call, in, out, &rec), 0);
	json_t *j = rec.json;
	assert_string_equal(s_str(j, "eventVersion"), "1.09");
	assert_string_equal(s_str(j, "userIdentity.type"), "Root");
	assert_string_equal(s_str(j, "userIdentity.arn"), "arn:aws:iam::111122223333:root");
	assert_string_equal(s_str(j, "userIdentity.principalId"), "111122223333");
	assert_string_equal(s_str(j, "userIdentity.accessKeyId"), "AKIAROOTROOTROOT0001");
	assert_null(json_object_get(json_object_get(j, "userIdentity"), "sessionContext"));
	assert_string_equal(s_str(j, "eventSource"), "kms.amazonaws.com");
	assert_string_equal(s_str(j, "eventName"), "Encrypt");
	assert_string_equal(s_str(j, "eventTime"), "2026-11-22T19:33:20Z");
	assert_string_equal(s_str(j, "awsRegion"), "eu-west-1");
	assert_string_equal(s_str(j, "sourceIPAddress"), "10.1.2.3");
	assert_string_equal(s_str(j, "userAgent"), "aws-cli/2.0 test");
	assert_string_equal(s_str(j, "requestID"), "req-1");
	assert_int_equal(strlen(s_str(j, "eventID")), 36);
	assert_string_equal(s_str(j, "eventType"), "AwsApiCall");
	assert_string_equal(s_str(j, "eventCategory"), "Management");
	assert_string_equal(s_str(j, "recipientAccountId"), "111122223333");
	assert_true(json_is_true(json_object_get(j, "managementEvent")));
	/* requestParameters in AWS's spelling, without the plaintext */
	assert_string_equal(s_str(j, "requestParameters.keyId"), "alias/app");
	assert_string_equal(s_str(j, "requestParameters.encryptionContext.dept"), "x");
	assert_string_equal(s_str(j, "requestParameters.encryptionAlgorithm"), "SYMMETRIC_DEFAULT");
	assert_null(json_object_get(json_object_get(j, "requestParameters"), "plaintext"));
	/* responseElements: none for an operation whose output is a secret */
	assert_true(json_is_null(json_object_get(j, "responseElements")));
	s_assert_absent(j, "c2VjcmV0LXBsYWludGV4dA==");
	s_assert_absent(j, "Q0lQSEVS");
	assert_null(json_object_get(j, "errorCode"));
	assert_null(json_object_get(j, "tlsDetails"));
	/* the lookup columns */
	assert_string_equal(rec.row.event_name, "Encrypt");
	assert_string_equal(rec.row.event_source, "kms.amazonaws.com");
	assert_string_equal(rec.row.username, "root");
	assert_string_equal(rec.row.access_key_id, "AKIAROOTROOTROOT0001");
	assert_int_equal(rec.row.event_time_ms, 1795376000000LL);
	bw_record_clean_up(&rec);
	json_decref(in);
	json_decref(out);
}

static void test_iam_user_create_access_key(void **state)
{
	(void)state;
	struct s_ctx c;
	s_call(&c, "iam", "CreateAccessKey");
	struct bw_principal *p = &c.call.principal;
	p->type = BW_PT_IAM_USER;
	snprintf(p->account, sizeof p->account, "111122223333");
	snprintf(p->arn, sizeof p->arn, "arn:aws:iam::111122223333:user/alice");
	snprintf(p->principal_id, sizeof p->principal_id, "AIDAALICE");
	snprintf(p->user_name, sizeof p->user_name, "alice");
	snprintf(p->access_key_id, sizeof p->access_key_id, "AKIAALICE");
	json_t *in = json_pack("{s:s}", "UserName", "bob");
	json_t *out = json_pack("{s:{s:s, s:s, s:s, s:s, s:i}}", "AccessKey", "UserName", "bob",
	                        "AccessKeyId", "AKIABOBNEW", "Status", "Active", "SecretAccessKey",
	                        "TOPSECRETvalue0123456789", "CreateDate", 1795376000);
	struct bw_record rec;
	assert_int_equal(bw_record_build(&c.call, in, out, &rec), 0);
	json_t *j = rec.json;
	assert_string_equal(s_str(j, "userIdentity.type"), "IAMUser");
	assert_string_equal(s_str(j, "userIdentity.userName"), "alice");
	assert_string_equal(s_str(j, "userIdentity.principalId"), "AIDAALICE");
	assert_string_equal(s_str(j, "requestParameters.userName"), "bob");
	assert_string_equal(s_str(j, "responseElements.accessKey.accessKeyId"), "AKIABOBNEW");
	assert_string_equal(s_str(j, "responseElements.accessKey.createDate"),
	                    "2026-11-22T19:33:20Z");
	assert_null(json_object_get(json_object_get(json_object_get(j, "responseElements"),
	                                            "accessKey"),
	                            "secretAccessKey"));
	s_assert_absent(j, "TOPSECRETvalue0123456789");
	assert_string_equal(rec.row.username, "alice");
	assert_false(rec.row.read_only);
	bw_record_clean_up(&rec);
	json_decref(in);
	json_decref(out);
}

static void test_assumed_role_and_session_secrets(void **state)
{
	(void)state;
	struct s_ctx c;
	s_call(&c, "sts", "AssumeRole");
	struct bw_principal *p = &c.call.principal;
	p->type = BW_PT_ASSUMED_ROLE;
	p->temporary = true;
	snprintf(p->account, sizeof p->account, "111122223333");
	snprintf(p->arn, sizeof p->arn, "arn:aws:sts::111122223333:assumed-role/ops/sess1");
	snprintf(p->principal_id, sizeof p->principal_id, "AROAOPS:sess1");
	snprintf(p->role_name, sizeof p->role_name, "ops");
	snprintf(p->role_arn, sizeof p->role_arn, "arn:aws:iam::111122223333:role/ops");
	snprintf(p->role_id, sizeof p->role_id, "AROAOPS");
	snprintf(p->session_name, sizeof p->session_name, "sess1");
	snprintf(p->access_key_id, sizeof p->access_key_id, "ASIASESSION");
	p->session_created_s = 1795375000;
	p->mfa_present = true;
	json_t *in = json_pack("{s:s, s:s}", "RoleArn", "arn:aws:iam::111122223333:role/other",
	                       "RoleSessionName", "s2");
	json_t *out = json_pack("{s:{s:s, s:s, s:s, s:i}}", "Credentials", "AccessKeyId",
	                        "ASIANEW", "SecretAccessKey", "SECRETsecretSECRET",
	                        "SessionToken", "TOKENtokenTOKEN", "Expiration", 1795379600);
	struct bw_record rec;
	assert_int_equal(bw_record_build(&c.call, in, out, &rec), 0);
	json_t *j = rec.json;
	assert_string_equal(s_str(j, "userIdentity.type"), "AssumedRole");
	assert_string_equal(s_str(j, "userIdentity.principalId"), "AROAOPS:sess1");
	assert_string_equal(s_str(j, "userIdentity.sessionContext.sessionIssuer.type"), "Role");
	assert_string_equal(s_str(j, "userIdentity.sessionContext.sessionIssuer.arn"),
	                    "arn:aws:iam::111122223333:role/ops");
	assert_string_equal(s_str(j, "userIdentity.sessionContext.sessionIssuer.principalId"),
	                    "AROAOPS");
	assert_string_equal(s_str(j, "userIdentity.sessionContext.sessionIssuer.userName"), "ops");
	assert_string_equal(s_str(j, "userIdentity.sessionContext.attributes.mfaAuthenticated"),
	                    "true");
	assert_string_equal(s_str(j, "userIdentity.sessionContext.attributes.creationDate"),
	                    "2026-11-22T19:16:40Z");
	assert_string_equal(s_str(j, "requestParameters.roleSessionName"), "s2");
	assert_string_equal(s_str(j, "responseElements.credentials.accessKeyId"), "ASIANEW");
	s_assert_absent(j, "SECRETsecretSECRET");
	s_assert_absent(j, "TOKENtokenTOKEN");
	assert_string_equal(rec.row.username, "sess1");
	bw_record_clean_up(&rec);
	json_decref(in);
	json_decref(out);
}

static void test_error_and_failed_authentication(void **state)
{
	(void)state;
	struct s_ctx c;
	s_call(&c, "kms", "Decrypt");
	c.headers[2] = (struct bw_header){
		(char *)"Authorization",
		(char *)"AWS4-HMAC-SHA256 Credential=AKIACLAIMED123/20261122/us-east-1/kms/aws4_request,"
		        " SignedHeaders=host, Signature=00"};
	c.req.nheaders = 3;
	c.req.tls = true;
	bw_fail_status(&c.call, 400, "InvalidSignatureException", "The signature does not match");
	struct bw_record rec;
	assert_int_equal(bw_record_build(&c.call, NULL, NULL, &rec), 0);
	json_t *j = rec.json;
	assert_string_equal(s_str(j, "errorCode"), "InvalidSignatureException");
	assert_string_equal(s_str(j, "errorMessage"), "The signature does not match");
	assert_string_equal(s_str(j, "userIdentity.accessKeyId"), "AKIACLAIMED123");
	assert_string_equal(s_str(j, "userIdentity.accountId"), "111122223333");
	assert_true(json_is_null(json_object_get(j, "requestParameters")));
	assert_string_equal(s_str(j, "tlsDetails.clientProvidedHostHeader"), "localhost:4566");
	assert_string_equal(rec.row.access_key_id, "AKIACLAIMED123");
	assert_null(rec.row.username);
	bw_record_clean_up(&rec);

	/* a denied call keeps its input and says why */
	s_call(&c, "kms", "DescribeKey");
	bw_principal_root(&c.call.principal, "111122223333");
	bw_fail(&c.call, "AccessDeniedException", "User is not authorized");
	json_t *in = json_pack("{s:s}", "KeyId", "k1");
	assert_int_equal(bw_record_build(&c.call, in, NULL, &rec), 0);
	assert_string_equal(s_str(rec.json, "errorCode"), "AccessDeniedException");
	assert_string_equal(s_str(rec.json, "requestParameters.keyId"), "k1");
	assert_true(json_is_null(json_object_get(rec.json, "responseElements")));
	bw_record_clean_up(&rec);
	json_decref(in);

	/* an odd byte in what the client sent never costs the record */
	s_call(&c, "kms", "GenerateRandom");
	c.headers[0].value = (char *)"bad\xff\xfe agent";
	assert_int_equal(bw_record_build(&c.call, NULL, NULL, &rec), 0);
	assert_string_equal(s_str(rec.json, "userAgent"), "bad?? agent");
	bw_record_clean_up(&rec);
}

static int s_fake_locator(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	(void)call;
	(void)in;
	return bw_buf_append_str(&res->arn, "arn:aws:kms:eu-west-1:111122223333:key/k1");
}

static void test_resources_and_read_only(void **state)
{
	(void)state;
	static const struct bw_op_impl impl = {"DescribeKey", NULL, "kms:DescribeKey",
	                                       s_fake_locator, true};
	struct s_ctx c;
	s_call(&c, "kms", "DescribeKey");
	c.call.impl = &impl;
	bw_principal_root(&c.call.principal, "111122223333");
	json_t *in = json_pack("{s:s}", "KeyId", "k1");
	json_t *out = json_pack("{s:{s:s}}", "KeyMetadata", "KeyId", "k1");
	struct bw_record rec;
	/* the record names the resource the gateway resolved, once */
	assert_int_equal(bw_resource_resolve(&c.call, in), 0);
	assert_int_equal(bw_record_build(&c.call, in, out, &rec), 0);
	json_t *r0 = json_array_get(json_object_get(rec.json, "resources"), 0);
	assert_string_equal(s_str(r0, "ARN"), "arn:aws:kms:eu-west-1:111122223333:key/k1");
	assert_string_equal(s_str(r0, "type"), "AWS::KMS::Key");
	assert_string_equal(s_str(r0, "accountId"), "111122223333");
	assert_true(json_is_true(json_object_get(rec.json, "readOnly")));
	/* reads have no responseElements */
	assert_true(json_is_null(json_object_get(rec.json, "responseElements")));
	assert_null(json_object_get(rec.json, "errorCode"));
	assert_false(c.call.failed);
	json_t *lr = json_array_get(rec.row.resources, 0);
	assert_string_equal(s_str(lr, "ResourceType"), "AWS::KMS::Key");
	assert_true(rec.row.read_only);
	bw_record_clean_up(&rec);
	json_decref(in);
	json_decref(out);
	bw_resource_clean_up(&c.call.resource);
}

/* The resource the next s_arn_locator call names. */
static const char *s_locator_arn;

static int s_arn_locator(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	(void)call;
	(void)in;
	return bw_buf_append_str(&res->arn, s_locator_arn);
}

/* A resource's type is its CloudFormation spelling, which upper-casing the
 * service does not always give (CloudTrail). */
static void test_resource_type_spelling(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {"arn:aws:cloudtrail:us-east-1:111122223333:trail/t1", "AWS::CloudTrail::Trail"},
	    {"arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/"
	     "00000000-0000-4000-8000-000000000000",
	     "AWS::CloudTrail::EventDataStore"},
	    {"arn:aws:iam::111122223333:instance-profile/ip", "AWS::IAM::InstanceProfile"},
	    {"arn:aws:kms:us-east-1:111122223333:alias/a", "AWS::KMS::Alias"},
	};
	static const struct bw_op_impl impl = {"GetTrail", NULL, "cloudtrail:GetTrail",
	                                       s_arn_locator, true};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct s_ctx c;
		s_call(&c, "cloudtrail", "GetTrail");
		c.call.impl = &impl;
		bw_principal_root(&c.call.principal, "111122223333");
		s_locator_arn = cases[i][0];
		json_t *in = json_pack("{s:s}", "Name", "t1");
		json_t *out = json_object();
		struct bw_record rec;
		assert_int_equal(bw_resource_resolve(&c.call, in), 0);
		assert_int_equal(bw_record_build(&c.call, in, out, &rec), 0);
		json_t *r0 = json_array_get(json_object_get(rec.json, "resources"), 0);
		assert_string_equal(s_str(r0, "type"), cases[i][1]);
		assert_string_equal(s_str(json_array_get(rec.row.resources, 0), "ResourceType"),
		                    cases[i][1]);
		bw_record_clean_up(&rec);
		json_decref(in);
		json_decref(out);
		bw_resource_clean_up(&c.call.resource);
	}
}

static void test_redact_sensitive_shapes(void **state)
{
	(void)state;
	/* IAM CreateLoginProfile: Password is a sensitive shape */
	const struct bw_service_model *m = bw_model_find("iam");
	const struct bw_operation *op = bw_model_op(m, "CreateLoginProfile");
	json_t *in = json_pack("{s:s, s:s, s:b}", "UserName", "alice", "Password", "hunter2!",
	                       "PasswordResetRequired", 1);
	json_t *r = bw_record_redact(m, op->input, in);
	assert_non_null(r);
	assert_string_equal(s_str(r, "userName"), "alice");
	assert_true(json_is_true(json_object_get(r, "passwordResetRequired")));
	assert_null(json_object_get(r, "password"));
	s_assert_absent(r, "hunter2!");
	json_decref(r);
	json_decref(in);
	/* KMS GenerateDataKeyPair's output: private key plaintext and blobs */
	m = bw_model_find("kms");
	op = bw_model_op(m, "GenerateDataKeyPair");
	json_t *out = json_pack("{s:s, s:s, s:s}", "PrivateKeyPlaintext", "UFJJVg==",
	                        "PublicKey", "UFVC", "KeyPairSpec", "RSA_2048");
	r = bw_record_redact(m, op->output, out);
	assert_string_equal(s_str(r, "keyPairSpec"), "RSA_2048");
	s_assert_absent(r, "UFJJVg==");
	json_decref(r);
	json_decref(out);
}

int main(void)
{
	bw_log_init(stderr, BW_LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_encrypt_redacted),
		cmocka_unit_test(test_iam_user_create_access_key),
		cmocka_unit_test(test_assumed_role_and_session_secrets),
		cmocka_unit_test(test_error_and_failed_authentication),
		cmocka_unit_test(test_resources_and_read_only),
		cmocka_unit_test(test_resource_type_spelling),
		cmocka_unit_test(test_redact_sensitive_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
