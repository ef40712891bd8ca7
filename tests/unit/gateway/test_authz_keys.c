/*
 * test_authz_keys.c: the condition keys of a request, listed as AWS's
 * documentation lists them ("AWS global condition context keys" and the
 * Service Authorization Reference for the implemented actions). Each row
 * names a kind of request and the keys that must be present, or absent;
 * a key the context builder stops supplying fails here.
 *
 * Also: nothing on the decision path is capped (a context of thousands of
 * keys and values is held whole).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway/authz.h"
#include "gateway/resource.h"
#include "services/service.h"

static struct bw_http_header_fixture {
	struct bw_header headers[2];
	struct bw_http_request req;
} s_http;

static void s_call(struct bw_call *call, const char *svc, const char *op,
                   enum bw_caller_type who)
{
	memset(call, 0, sizeof *call);
	s_http.headers[0] = (struct bw_header){(char *)"User-Agent", (char *)"aws-cli/2.15"};
	s_http.headers[1] = (struct bw_header){(char *)"Referer", (char *)"https://example.com/"};
	s_http.req = (struct bw_http_request){.method = "POST", .headers = s_http.headers,
	                                      .nheaders = 2, .peer_ip = "192.0.2.10"};
	call->req = &s_http.req;
	call->model = bw_model_find(svc);
	assert_non_null(call->model);
	call->op = bw_model_op(call->model, op);
	call->service = bw_service_find(svc);
	call->impl = call->service ? bw_service_op(call->service, op) : NULL;
	call->now_s = 1800000000.0;
	snprintf(call->account_id, sizeof call->account_id, "123456789012");
	snprintf(call->region, sizeof call->region, "us-east-1");
	struct bw_principal *p = &call->principal;
	snprintf(p->account, sizeof p->account, "123456789012");
	p->type = who;
	switch (who) {
	case BW_PT_ROOT:
		bw_principal_root(p, "123456789012");
		break;
	case BW_PT_IAM_USER:
		snprintf(p->arn, sizeof p->arn, "arn:aws:iam::123456789012:user/alice");
		snprintf(p->principal_id, sizeof p->principal_id, "AIDAEXAMPLE");
		snprintf(p->user_name, sizeof p->user_name, "alice");
		p->tags = json_pack("{s:s}", "team", "red");
		break;
	case BW_PT_ASSUMED_ROLE:
		snprintf(p->arn, sizeof p->arn, "arn:aws:sts::123456789012:assumed-role/app/s1");
		snprintf(p->role_arn, sizeof p->role_arn, "arn:aws:iam::123456789012:role/app");
		snprintf(p->principal_id, sizeof p->principal_id, "AROAEXAMPLE:s1");
		p->temporary = true;
		p->session_created_s = 1799999000;
		p->mfa_present = true;
		p->mfa_auth_time_s = 1799999000;
		snprintf(p->source_identity, sizeof p->source_identity, "alice@example.com");
		p->tags = json_pack("{s:s}", "project", "blue");
		break;
	case BW_PT_FEDERATED_USER:
		break;
	}
}

/* The context of call for its action, built as the gateway builds it. */
static void s_ctx(struct bw_call *call, const json_t *in, const struct bw_resource *res,
                  struct bw_authz_ctx *a)
{
	json_t *extra = NULL;
	const char *action = call->impl ? call->impl->iam_action : "sts:GetCallerIdentity";
	assert_int_equal(bw_authz_service_keys(call, in, action, res, &extra), 0);
	assert_int_equal(bw_authz_ctx_init(call, in, action, res ? bw_buf_cstr(&res->arn) : "*",
	                                   extra, a),
	                 0);
	json_decref(extra);
}

static const struct bw_ctx_key *s_find(const struct bw_authz_ctx *a, const char *key)
{
	for (size_t i = 0; i < a->ctx.n_keys; i++)
		if (strcasecmp(a->ctx.keys[i].key, key) == 0)
			return &a->ctx.keys[i];
	return NULL;
}

static void s_has(const struct bw_authz_ctx *a, const char *key, const char *value)
{
	const struct bw_ctx_key *k = s_find(a, key);
	if (!k)
		fail_msg("the request context has no %s", key);
	if (!value)
		return;
	for (size_t i = 0; i < k->n_values; i++)
		if (strcmp(k->values[i], value) == 0)
			return;
	fail_msg("%s does not hold %s", key, value);
}

static void s_lacks(const struct bw_authz_ctx *a, const char *key)
{
	if (s_find(a, key))
		fail_msg("the request context has %s, which AWS leaves out here", key);
}

/* Keys in every signed request, whoever signs it. */
static const char *const s_every_request[] = {
	"aws:SourceIp",        "aws:SecureTransport",       "aws:RequestedRegion",
	"aws:UserAgent",       "aws:Referer",               "aws:userid",
	"aws:PrincipalIsAWSService", "aws:ViaAWSService",   "aws:ResourceAccount",
};

static void test_global_keys_of_a_user(void **state)
{
	(void)state;
	struct bw_call call;
	struct bw_authz_ctx a;
	s_call(&call, "iam", "ListUsers", BW_PT_IAM_USER);
	s_ctx(&call, NULL, NULL, &a);
	for (size_t i = 0; i < sizeof s_every_request / sizeof *s_every_request; i++)
		s_has(&a, s_every_request[i], NULL);
	s_has(&a, "aws:username", "alice");
	s_has(&a, "aws:PrincipalTag/team", "red");
	s_has(&a, "aws:PrincipalIsAWSService", "false");
	s_has(&a, "aws:ViaAWSService", "false");
	s_has(&a, "aws:SecureTransport", "false");
	s_has(&a, "aws:ResourceAccount", "123456789012");
	/* a long-term key: no session keys at all (AWS leaves them out) */
	s_lacks(&a, "aws:MultiFactorAuthPresent");
	s_lacks(&a, "aws:TokenIssueTime");
	s_lacks(&a, "aws:CalledVia");
	bw_authz_ctx_clean_up(&a);
	bw_principal_clear(&call.principal);
}

static void test_global_keys_of_a_role_session(void **state)
{
	(void)state;
	struct bw_call call;
	struct bw_authz_ctx a;
	s_call(&call, "iam", "ListUsers", BW_PT_ASSUMED_ROLE);
	s_ctx(&call, NULL, NULL, &a);
	for (size_t i = 0; i < sizeof s_every_request / sizeof *s_every_request; i++)
		s_has(&a, s_every_request[i], NULL);
	s_has(&a, "aws:TokenIssueTime", NULL);
	s_has(&a, "aws:MultiFactorAuthPresent", "true");
	s_has(&a, "aws:MultiFactorAuthAge", "1000");
	s_has(&a, "aws:SourceIdentity", "alice@example.com");
	s_has(&a, "aws:PrincipalTag/project", "blue");
	s_lacks(&a, "aws:username");
	const struct bw_ctx_key *t = s_find(&a, "aws:TokenIssueTime");
	assert_non_null(strstr(t->values[0], "2027-01-15T07:"));
	bw_authz_ctx_clean_up(&a);
	bw_principal_clear(&call.principal);
}

static void test_called_via_a_service(void **state)
{
	(void)state;
	struct bw_call call;
	struct bw_authz_ctx a;
	s_call(&call, "kms", "GenerateDataKey", BW_PT_IAM_USER);
	snprintf(call.via_service, sizeof call.via_service, "s3.amazonaws.com");
	s_ctx(&call, NULL, NULL, &a);
	s_has(&a, "aws:ViaAWSService", "true");
	s_has(&a, "aws:CalledVia", "s3.amazonaws.com");
	s_has(&a, "aws:CalledViaFirst", "s3.amazonaws.com");
	s_has(&a, "aws:CalledViaLast", "s3.amazonaws.com");
	bw_authz_ctx_clean_up(&a);
	bw_principal_clear(&call.principal);
}

static void test_resource_and_request_tags(void **state)
{
	(void)state;
	struct bw_call call;
	struct bw_authz_ctx a;
	struct bw_resource res = {0};
	assert_int_equal(bw_buf_append_str(&res.arn, "arn:aws:iam::123456789012:user/bob"), 0);
	json_t *stored = json_pack("[{s:s, s:s}]", "Key", "protected", "Value", "true");
	assert_int_equal(bw_resource_set_tags(&res, stored), 0);
	json_decref(stored);
	/* IAM: aws:ResourceTag and iam:ResourceTag; the request's tags */
	s_call(&call, "iam", "TagUser", BW_PT_IAM_USER);
	json_t *in = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "UserName", "bob", "Tags",
	                       "Key", "owner", "Value", "me", "Key", "cost", "Value", "42");
	s_ctx(&call, in, &res, &a);
	s_has(&a, "aws:ResourceTag/protected", "true");
	s_has(&a, "iam:ResourceTag/protected", "true");
	s_has(&a, "aws:RequestTag/owner", "me");
	s_has(&a, "aws:TagKeys", "owner");
	s_has(&a, "aws:TagKeys", "cost");
	bw_authz_ctx_clean_up(&a);
	json_decref(in);
	bw_principal_clear(&call.principal);
	/* untagging: aws:TagKeys are the keys removed */
	s_call(&call, "iam", "UntagUser", BW_PT_IAM_USER);
	in = json_pack("{s:s, s:[s]}", "UserName", "bob", "TagKeys", "owner");
	s_ctx(&call, in, &res, &a);
	s_has(&a, "aws:TagKeys", "owner");
	bw_authz_ctx_clean_up(&a);
	json_decref(in);
	bw_principal_clear(&call.principal);
	/* another service: only the global aws:ResourceTag */
	s_call(&call, "cloudtrail", "AddTags", BW_PT_IAM_USER);
	in = json_pack("{s:s, s:[{s:s, s:s}]}", "ResourceId", "t", "TagsList", "Key", "env", "Value",
	               "prod");
	s_ctx(&call, in, &res, &a);
	s_has(&a, "aws:ResourceTag/protected", "true");
	s_lacks(&a, "cloudtrail:ResourceTag/protected");
	s_has(&a, "aws:RequestTag/env", "prod");
	bw_authz_ctx_clean_up(&a);
	json_decref(in);
	bw_principal_clear(&call.principal);
	bw_resource_clean_up(&res);
}

/* The Service Authorization Reference's IAM keys of the implemented rows. */
static void test_iam_service_keys(void **state)
{
	(void)state;
	static const struct {
		const char *op;
		const char *key;
	} rows[] = {
		{"AttachUserPolicy", "iam:PolicyARN"},   {"AttachGroupPolicy", "iam:PolicyARN"},
		{"AttachRolePolicy", "iam:PolicyARN"},   {"DetachUserPolicy", "iam:PolicyARN"},
		{"DetachGroupPolicy", "iam:PolicyARN"},  {"DetachRolePolicy", "iam:PolicyARN"},
		{"CreateUser", "iam:PermissionsBoundary"},
		{"CreateRole", "iam:PermissionsBoundary"},
		{"PutUserPermissionsBoundary", "iam:PermissionsBoundary"},
		{"PutRolePermissionsBoundary", "iam:PermissionsBoundary"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		struct bw_call call;
		struct bw_authz_ctx a;
		s_call(&call, "iam", rows[i].op, BW_PT_IAM_USER);
		assert_non_null(call.impl);
		if (!call.impl->context)
			fail_msg("%s has no context keys", rows[i].op);
		json_t *in = json_pack(
		    "{s:s, s:s, s:s, s:s}", "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess",
		    "PermissionsBoundary", "arn:aws:iam::123456789012:policy/b", "GroupName", "g",
		    "PolicyName", "p");
		s_ctx(&call, in, NULL, &a);
		s_has(&a, rows[i].key, NULL);
		bw_authz_ctx_clean_up(&a);
		json_decref(in);
		bw_principal_clear(&call.principal);
	}
}

/* Nothing is capped: 5,000 keys of 3 values each are all held, the last
 * as readable as the first (a fixed table once dropped what did not fit). */
static void test_no_cap(void **state)
{
	(void)state;
	struct bw_call call;
	struct bw_authz_ctx a;
	s_call(&call, "kms", "Encrypt", BW_PT_IAM_USER);
	json_t *extra = json_object();
	char name[64];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "kms:EncryptionContext:k%04d", i);
		json_object_set_new(extra, name, json_pack("[s, s, s]", "a", "b", "c"));
	}
	assert_int_equal(bw_authz_ctx_init(&call, NULL, "kms:Encrypt", "*", extra, &a), 0);
	s_has(&a, "kms:EncryptionContext:k0000", "a");
	s_has(&a, "kms:EncryptionContext:k4999", "c");
	/* the global keys came after them and are all there */
	s_has(&a, "aws:SecureTransport", "false");
	s_has(&a, "aws:username", "alice");
	bw_authz_ctx_clean_up(&a);
	json_decref(extra);
	bw_principal_clear(&call.principal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_keys_of_a_user),
		cmocka_unit_test(test_global_keys_of_a_role_session),
		cmocka_unit_test(test_called_via_a_service),
		cmocka_unit_test(test_resource_and_request_tags),
		cmocka_unit_test(test_iam_service_keys),
		cmocka_unit_test(test_no_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
