/* STS handlers called directly: AssumeRole (trust policy, conditions,
 * durations, chaining, session names, session policies and tags, what the
 * stored document holds), GetSessionToken, GetAccessKeyInfo,
 * GetCallerIdentity, the session principal and token check, and encoded
 * authorization messages. */
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
#include "core/encoding.h"
#include "core/gencache.h"
#include "core/log.h"
#include "gateway/authz.h"
#include "protocol/validate.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "services/sts/sts_credentials.h"
#include "store/doc.h"
#include "store/store.h"

#define ACCT "123456789012"
#define NOW 1795376000.0
#define USER_ARN "arn:aws:iam::" ACCT ":user/alice"
#define ROLE_ARN "arn:aws:iam::" ACCT ":role/ops/deploy"

static char s_dir[64];
static struct bw_store *s_store;
static struct bw_root_key s_rk;
static struct bw_http_request s_req;
static struct bw_call s_call;
static struct bw_authz s_authz; /* the caller's policies, as the gateway reads them */

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-sts-XXXXXX");
	if (!mkdtemp(s_dir))
		return -1;
	s_rk.loaded = true;
	memset(s_rk.key, 0x5a, sizeof s_rk.key);
	s_authz.policies = bw_policy_cache_new(64);
	s_authz.sets = bw_gencache_new(64);
	if (!s_authz.policies || !s_authz.sets)
		return -1;
	return bw_store_open(s_dir, &s_store);
}

static int teardown(void **state)
{
	(void)state;
	bw_policy_cache_free(s_authz.policies);
	bw_gencache_free(s_authz.sets);
	return bw_test_store_close(s_dir, s_store);
}

/* A fresh call of op as the IAM user alice from 10.1.2.3 over plain HTTP. */
static struct bw_call *s_new_call(const char *op)
{
	bw_principal_clear(&s_call.principal);
	memset(&s_call, 0, sizeof s_call);
	memset(&s_req, 0, sizeof s_req);
	snprintf(s_req.peer_ip, sizeof s_req.peer_ip, "10.1.2.3");
	s_call.model = bw_model_find("sts");
	s_call.op = bw_model_op(s_call.model, op);
	s_call.req = &s_req;
	s_call.store = s_store;
	s_call.root_key = &s_rk;
	s_call.authz = &s_authz;
	s_call.now_s = NOW;
	snprintf(s_call.account_id, sizeof s_call.account_id, ACCT);
	snprintf(s_call.region, sizeof s_call.region, "us-east-1");
	struct bw_principal *p = &s_call.principal;
	p->type = BW_PT_IAM_USER;
	snprintf(p->account, sizeof p->account, ACCT);
	snprintf(p->arn, sizeof p->arn, USER_ARN);
	snprintf(p->principal_id, sizeof p->principal_id, "AIDAALICE000000000001");
	snprintf(p->user_name, sizeof p->user_name, "alice");
	snprintf(p->access_key_id, sizeof p->access_key_id, "AKIAALICE00000000001");
	return &s_call;
}

static void s_put_role(const char *name, const char *path, const char *trust, int max_s)
{
	char arn[256], key[64], id[32];
	snprintf(arn, sizeof arn, "arn:aws:iam::" ACCT ":role%s%s", path, name);
	snprintf(id, sizeof id, "AROA%s", "ROLEID00000000001");
	assert_int_equal(bw_iam_key(name, key, sizeof key), 0);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:[{s:s, s:s}]}", "RoleName", name,
	                        "Path", path, "Arn", arn, "RoleId", id, "AssumeRolePolicyDocument",
	                        trust, "MaxSessionDuration", max_s, "Tags", "Key", "team", "Value",
	                        "blue");
	assert_non_null(doc);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_ROLE, ACCT, key, doc), BW_STORE_OK);
	json_decref(doc);
}

/* The role ops/deploy trusting one principal for `actions` (a JSON string
 * or list), with an optional condition. */
static void s_role_for(const char *principal, const char *actions, const char *condition,
                       int max_s)
{
	char t[1024];
	int n = snprintf(t, sizeof t,
	                 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	                 "\"Principal\":{\"AWS\":\"%s\"},\"Action\":%s%s%s}]}",
	                 principal, actions, condition ? ",\"Condition\":" : "",
	                 condition ? condition : "");
	assert_true(n > 0 && (size_t)n < sizeof t);
	s_put_role("deploy", "/ops/", t, max_s);
}

/* The role ops/deploy trusting one principal, with an optional condition. */
static void s_role(const char *principal, const char *condition, int max_s)
{
	s_role_for(principal, "\"sts:AssumeRole\"", condition, max_s);
}

/* The user alice as IAM stores her, with one inline policy (or none). */
static void s_alice_policy(const char *policy)
{
	json_t *user = json_pack("{s:s, s:s, s:s, s:s}", "UserName", "alice", "UserId",
	                         "AIDAALICE000000000001", "Arn", USER_ARN, "Path", "/");
	assert_int_equal(bw_doc_put(s_store, BW_IAM_USER, ACCT, "alice", user), BW_STORE_OK);
	json_decref(user);
	int rc = bw_doc_delete(s_store, BW_IAM_INLINE, ACCT, "user/alice/p");
	assert_true(rc == BW_STORE_OK || rc == BW_STORE_NOT_FOUND);
	if (!policy)
		return;
	json_t *doc = json_pack("{s:s, s:s}", "PolicyName", "p", "PolicyDocument", policy);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_INLINE, ACCT, "user/alice/p", doc),
	                 BW_STORE_OK);
	json_decref(doc);
}

/* An inline policy of the role ops/deploy (its sessions' identity policy). */
static void s_deploy_policy(const char *policy)
{
	json_t *doc = json_pack("{s:s, s:s}", "PolicyName", "p", "PolicyDocument", policy);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_INLINE, ACCT, "role/deploy/p", doc),
	                 BW_STORE_OK);
	json_decref(doc);
}

#define ALLOW_TAGGING                                                                        \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[" \
	"\"sts:TagSession\",\"sts:SetSourceIdentity\"],\"Resource\":\"*\"}]}"
#define TRUST_ALL "[\"sts:AssumeRole\",\"sts:TagSession\",\"sts:SetSourceIdentity\"]"

static json_t *s_in(const char *session)
{
	return json_pack("{s:s, s:s}", "RoleArn", ROLE_ARN, "RoleSessionName", session);
}

/* Input the model's bounds refuse never reaches a handler: the decoder's
 * validator answers it, in AWS's words (the handlers do not check it again). */
static void s_model_refuses(json_t *in, const char *message)
{
	assert_int_equal(bw_validate(&s_call, s_call.op->input, in), -1);
	json_decref(in);
	assert_string_equal(s_call.err.code, "ValidationError");
	assert_string_equal(s_call.err.message, message);
}

/* Run AssumeRole; on failure the error code is compared to code. */
static json_t *s_assume(json_t *in, const char *code)
{
	json_t *out = json_object();
	int rc = bw_sts_assume_role(&s_call, in, out);
	json_decref(in);
	if (code) {
		assert_int_equal(rc, -1);
		assert_true(s_call.failed);
		assert_string_equal(s_call.err.code, code);
		json_decref(out);
		return NULL;
	}
	if (rc != 0)
		fail_msg("%s: %s", s_call.err.code, s_call.err.message);
	return out;
}

static const char *s_s(const json_t *o, const char *path1, const char *path2)
{
	const json_t *v = json_object_get(o, path1);
	return json_string_value(path2 ? json_object_get(v, path2) : v);
}

static json_t *s_key_doc(const char *akid)
{
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_IAM_ACCESS_KEY, ACCT, akid, &doc), BW_STORE_OK);
	return doc;
}

static void test_assume_role_allowed_and_stored_safely(void **state)
{
	(void)state;
	s_role(USER_ARN, NULL, 3600);
	s_new_call("AssumeRole");
	json_t *out = s_assume(s_in("build-42"), NULL);
	const char *akid = s_s(out, "Credentials", "AccessKeyId");
	const char *secret = s_s(out, "Credentials", "SecretAccessKey");
	const char *token = s_s(out, "Credentials", "SessionToken");
	assert_int_equal(strlen(akid), 20);
	assert_memory_equal(akid, "ASIA", 4);
	assert_int_equal(strlen(secret), 40);
	assert_int_equal(strlen(token), BW_STS_TOKEN_LEN);
	assert_memory_equal(token, "BwSt", 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "Credentials"),
	                                                    "Expiration")),
	                 (json_int_t)NOW + 3600);
	assert_string_equal(s_s(out, "AssumedRoleUser", "Arn"),
	                    "arn:aws:sts::" ACCT ":assumed-role/deploy/build-42");
	assert_string_equal(s_s(out, "AssumedRoleUser", "AssumedRoleId"),
	                    "AROAROLEID00000000001:build-42");
	assert_null(json_object_get(out, "PackedPolicySize"));

	json_t *doc = s_key_doc(akid);
	char *text = json_dumps(doc, 0);
	assert_null(strstr(text, secret));
	assert_null(strstr(text, token));
	assert_null(strstr(text, token + 4));
	free(text);
	assert_string_equal(s_s(doc, "Owner", NULL), "session");
	assert_string_equal(s_s(doc, "Status", NULL), "Active");
	assert_int_equal(strlen(s_s(doc, "SessionTokenSha256", NULL)), 64);
	assert_string_equal(s_s(doc, "Session", "Type"), "AssumedRole");
	assert_true(bw_sts_token_matches(doc, token));
	char wrong[BW_STS_TOKEN_LEN + 1];
	snprintf(wrong, sizeof wrong, "%s", token);
	wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
	assert_false(bw_sts_token_matches(doc, wrong));
	assert_false(bw_sts_token_matches(doc, NULL));
	assert_false(bw_sts_token_matches(doc, ""));
	assert_false(bw_sts_token_matches(json_object_get(doc, "Session"), token));

	/* the sealed secret opens with the record's identity only */
	struct bw_buf sealed = {0}, plain = {0};
	const char *b64 = s_s(doc, "SecretSealed", NULL);
	char aad[64];
	assert_int_equal(bw_base64_decode(b64, strlen(b64), &sealed), 0);
	assert_int_equal(bw_iam_secret_aad(ACCT, akid, aad, sizeof aad), 0);
	assert_int_equal(bw_unseal(&s_rk, BW_SEAL_PURPOSE_SECRET_KEY, bw_cur_str(aad),
	                           bw_cur_from(sealed.data, sealed.len), &plain),
	                 0);
	assert_string_equal(bw_buf_cstr(&plain), secret);
	bw_buf_free(&sealed);
	bw_buf_free(&plain);

	struct bw_principal p = {0};
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_int_equal(p.type, BW_PT_ASSUMED_ROLE);
	assert_string_equal(p.arn, "arn:aws:sts::" ACCT ":assumed-role/deploy/build-42");
	assert_string_equal(p.principal_id, "AROAROLEID00000000001:build-42");
	assert_string_equal(p.role_arn, ROLE_ARN);
	assert_string_equal(p.role_name, "deploy");
	assert_string_equal(p.role_id, "AROAROLEID00000000001");
	assert_string_equal(p.session_name, "build-42");
	assert_string_equal(p.account, ACCT);
	assert_string_equal(p.access_key_id, akid);
	assert_string_equal(p.user_name, "alice");
	assert_true(p.temporary);
	assert_false(p.from_session_token);
	assert_false(p.mfa_present);
	assert_int_equal(p.session_created_s, (int64_t)NOW);
	assert_int_equal(p.session_expires_s, (int64_t)NOW + 3600);
	assert_string_equal(json_string_value(json_object_get(p.tags, "team")), "blue");
	assert_null(p.session_policies);
	bw_principal_clear(&p);
	/* not a session document */
	json_object_set_new(doc, "Owner", json_string("user"));
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), -1);
	json_decref(doc);
	json_decref(out);
}

static void test_trust_principal_mismatch_and_forms(void **state)
{
	(void)state;
	s_role("arn:aws:iam::" ACCT ":user/bob", NULL, 3600);
	s_new_call("AssumeRole");
	s_assume(s_in("s1"), "AccessDenied");
	assert_string_equal(s_call.err.message,
	                    "User: " USER_ARN " is not authorized to perform: sts:AssumeRole on "
	                    "resource: " ROLE_ARN);
	assert_int_equal(s_call.err.status, 403);
	/* another account's root trusts nobody here */
	s_role("arn:aws:iam::999999999999:root", NULL, 3600);
	s_new_call("AssumeRole");
	s_assume(s_in("s1"), "AccessDenied");
	/* the account root delegates to the identity policies (gateway) */
	s_role("arn:aws:iam::" ACCT ":root", NULL, 3600);
	s_new_call("AssumeRole");
	json_decref(s_assume(s_in("s1"), NULL));
	/* an explicit Deny wins */
	s_put_role("deploy", "/ops/",
	           "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
	           "{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"},{\"Effect\":\"Deny\",\"Principal\":"
	           "{\"AWS\":\"" USER_ARN "\"},\"Action\":\"sts:AssumeRole\"}]}",
	           3600);
	s_new_call("AssumeRole");
	s_assume(s_in("s1"), "AccessDenied");
	/* the root may not assume roles */
	s_role("arn:aws:iam::" ACCT ":root", NULL, 3600);
	s_new_call("AssumeRole");
	bw_principal_root(&s_call.principal, ACCT);
	s_assume(s_in("s1"), "AccessDenied");
	assert_string_equal(s_call.err.message, "Roles may not be assumed by root accounts.");
}

static void test_unknown_foreign_or_mismatched_role(void **state)
{
	(void)state;
	s_role(USER_ARN, NULL, 3600);
	const char *arns[] = {
		"arn:aws:iam::" ACCT ":role/ops/nosuch",
		"arn:aws:iam::999999999999:role/ops/deploy",
		"arn:aws:iam::" ACCT ":role/deploy",     /* wrong path */
		"arn:aws:iam::" ACCT ":role/ops/DEPLOY", /* names are case sensitive here */
		"arn:aws:iam::" ACCT ":user/ops/deploy",
	};
	for (size_t i = 0; i < sizeof arns / sizeof arns[0]; i++) {
		s_new_call("AssumeRole");
		s_assume(json_pack("{s:s, s:s}", "RoleArn", arns[i], "RoleSessionName", "s1"),
		         "AccessDenied");
		assert_non_null(strstr(s_call.err.message, arns[i]));
	}
}

static void test_external_id_condition(void **state)
{
	(void)state;
	s_role(USER_ARN, "{\"StringEquals\":{\"sts:ExternalId\":\"x-123\"}}", 3600);
	s_new_call("AssumeRole");
	s_assume(s_in("s1"), "AccessDenied");
	s_new_call("AssumeRole");
	json_t *in = s_in("s1");
	json_object_set_new(in, "ExternalId", json_string("x-124"));
	s_assume(in, "AccessDenied");
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "ExternalId", json_string("x-123"));
	json_decref(s_assume(in, NULL));
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "ExternalId", json_string("bad id!"));
	s_assume(in, "ValidationError");
}

static void test_mfa_condition(void **state)
{
	(void)state;
	s_role(USER_ARN, "{\"Bool\":{\"aws:MultiFactorAuthPresent\":\"true\"}}", 3600);
	s_new_call("AssumeRole");
	s_assume(s_in("s1"), "AccessDenied");
	/* a session made with MFA */
	s_new_call("AssumeRole");
	s_call.principal.temporary = true;
	s_call.principal.mfa_present = true;
	s_call.principal.mfa_auth_time_s = (int64_t)NOW - 60;
	json_decref(s_assume(s_in("s1"), NULL));
	/* MFA codes cannot be validated yet: refused, whatever the policy */
	s_new_call("AssumeRole");
	json_t *in = s_in("s1");
	json_object_set_new(in, "SerialNumber", json_string("arn:aws:iam::" ACCT ":mfa/alice"));
	json_object_set_new(in, "TokenCode", json_string("123456"));
	s_assume(in, "AccessDenied");
	assert_string_equal(s_call.err.message,
	                    "MultiFactor authentication failed, unable to validate MFA code.");
}

static void test_source_ip_and_transport_conditions(void **state)
{
	(void)state;
	s_role(USER_ARN, "{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}", 3600);
	s_new_call("AssumeRole");
	json_decref(s_assume(s_in("s1"), NULL));
	s_new_call("AssumeRole");
	snprintf(s_req.peer_ip, sizeof s_req.peer_ip, "192.168.1.1");
	s_assume(s_in("s1"), "AccessDenied");
	s_role(USER_ARN, "{\"Bool\":{\"aws:SecureTransport\":\"true\"}}", 3600);
	s_new_call("AssumeRole");
	s_assume(s_in("s1"), "AccessDenied");
	s_new_call("AssumeRole");
	s_req.tls = true;
	json_decref(s_assume(s_in("s1"), NULL));
	/* session name and principal tags reach the conditions too */
	s_role(USER_ARN,
	       "{\"StringEquals\":{\"sts:RoleSessionName\":\"${aws:username}\","
	       "\"aws:PrincipalTag/dept\":\"ops\"}}",
	       3600);
	s_new_call("AssumeRole");
	s_call.principal.tags = json_pack("{s:s}", "dept", "ops");
	s_assume(s_in("someone"), "AccessDenied");
	s_new_call("AssumeRole");
	s_call.principal.tags = json_pack("{s:s}", "dept", "ops");
	json_decref(s_assume(s_in("alice"), NULL));
}

static void s_expect_duration(json_t *out, int64_t seconds)
{
	json_t *exp = json_object_get(json_object_get(out, "Credentials"), "Expiration");
	assert_int_equal(json_integer_value(exp), (json_int_t)NOW + seconds);
	json_decref(out);
}

static void test_durations_and_chaining(void **state)
{
	(void)state;
	s_role(USER_ARN, NULL, 3600);
	s_new_call("AssumeRole");
	json_t *in = s_in("s1");
	json_object_set_new(in, "DurationSeconds", json_integer(899));
	s_model_refuses(in, "1 validation error detected: Value '899' at 'durationSeconds' failed to "
	                    "satisfy constraint: Member must have value greater than or equal to 900");
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "DurationSeconds", json_integer(3601));
	s_assume(in, "ValidationError");
	assert_string_equal(s_call.err.message,
	                    "The requested DurationSeconds exceeds the MaxSessionDuration set for "
	                    "this role.");
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "DurationSeconds", json_integer(900));
	s_expect_duration(s_assume(in, NULL), 900);

	s_role(USER_ARN, NULL, 43200);
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "DurationSeconds", json_integer(43200));
	s_expect_duration(s_assume(in, NULL), 43200);

	/* a role session assuming a role (here its own): at most one hour */
	s_new_call("AssumeRole");
	json_t *first = s_assume(s_in("first"), NULL);
	s_role(ROLE_ARN, NULL, 43200);
	json_t *doc = s_key_doc(s_s(first, "Credentials", "AccessKeyId"));
	s_new_call("AssumeRole");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &s_call.principal), 0);
	in = s_in("second");
	json_object_set_new(in, "DurationSeconds", json_integer(3601));
	s_assume(in, "ValidationError");
	assert_string_equal(s_call.err.message,
	                    "The requested DurationSeconds exceeds the 1 hour session limit for roles "
	                    "assumed by role chaining.");
	s_new_call("AssumeRole");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &s_call.principal), 0);
	in = s_in("second");
	json_object_set_new(in, "DurationSeconds", json_integer(3600));
	s_expect_duration(s_assume(in, NULL), 3600);
	json_decref(doc);
	json_decref(first);
}

static void test_session_name_validation(void **state)
{
	(void)state;
	s_role(USER_ARN, NULL, 3600);
	char long_name[66];
	memset(long_name, 'a', 65);
	long_name[65] = 0;
	const char *bad[] = {"a", "has space", "slash/no", long_name, "quote'"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s_new_call("AssumeRole");
		s_assume(s_in(bad[i]), "ValidationError");
	}
	s_new_call("AssumeRole");
	json_decref(s_assume(s_in("ok+=,.@-_Name9"), NULL));
	long_name[64] = 0;
	s_new_call("AssumeRole");
	json_decref(s_assume(s_in(long_name), NULL));
	s_new_call("AssumeRole");
	json_t *in = s_in("s1");
	json_object_set_new(in, "SourceIdentity", json_string("aws:me"));
	s_assume(in, "ValidationError");
}

static void s_put_policy(const char *name, const char *text)
{
	char arn[128], key[64], vkey[80];
	snprintf(arn, sizeof arn, "arn:aws:iam::" ACCT ":policy/%s", name);
	assert_int_equal(bw_iam_key(name, key, sizeof key), 0);
	snprintf(vkey, sizeof vkey, "%s/v1", key);
	json_t *pol = json_pack("{s:s, s:s, s:s}", "PolicyName", name, "Arn", arn,
	                        "DefaultVersionId", "v1");
	json_t *ver = json_pack("{s:s, s:s, s:b}", "VersionId", "v1", "Document", text,
	                        "IsDefaultVersion", 1);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_POLICY, ACCT, key, pol), BW_STORE_OK);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_POLICY_VERSION, ACCT, vkey, ver), BW_STORE_OK);
	json_decref(pol);
	json_decref(ver);
}

static void test_session_policies_and_packing(void **state)
{
	(void)state;
	const char *inline_pol = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	                         "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}";
	const char *managed = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	                      "\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}";
	s_put_policy("ReadKeys", managed);
	s_role_for(USER_ARN, TRUST_ALL, NULL, 3600);
	s_alice_policy(ALLOW_TAGGING);
	s_new_call("AssumeRole");
	json_t *in = s_in("s1");
	json_object_set_new(in, "Policy", json_string(inline_pol));
	json_object_set_new(in, "PolicyArns",
	                    json_pack("[{s:s}]", "arn", "arn:aws:iam::" ACCT ":policy/ReadKeys"));
	json_object_set_new(in, "Tags", json_pack("[{s:s, s:s}]", "Key", "Team", "Value", "red"));
	json_t *out = s_assume(in, NULL);
	json_int_t pct = json_integer_value(json_object_get(out, "PackedPolicySize"));
	assert_true(pct > 0 && pct <= 100);
	json_t *doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	struct bw_principal p = {0};
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_int_equal(json_array_size(p.session_policies), 2);
	assert_string_equal(json_string_value(json_array_get(p.session_policies, 0)), inline_pol);
	assert_string_equal(json_string_value(json_array_get(p.session_policies, 1)), managed);
	/* the session tag "Team" overrides nothing; the role's "team" is the
	 * same key case-insensitively, so the session's value wins */
	assert_string_equal(json_string_value(json_object_get(p.tags, "Team")), "red");
	assert_null(json_object_get(p.tags, "team"));
	bw_principal_clear(&p);
	json_decref(doc);
	json_decref(out);

	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "Policy", json_string("{\"Statement\":"));
	s_assume(in, "MalformedPolicyDocument");
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "Policy",
	                    json_string("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
	                                "\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
	                                "\"Resource\":\"*\"}]}"));
	s_assume(in, "MalformedPolicyDocument");
	const char *missing[] = {"arn:aws:iam::" ACCT ":policy/NoSuch",
	                         "arn:aws:iam::aws:policy/NoSuchAwsPolicy",
	                         "arn:aws:iam::999999999999:policy/ReadKeys", "not-an-arn-at-all-x"};
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		s_new_call("AssumeRole");
		in = s_in("s1");
		json_object_set_new(in, "PolicyArns", json_pack("[{s:s}]", "arn", missing[i]));
		s_assume(in, "ValidationError");
	}
	/* an AWS managed policy: IAM's built-in document */
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "PolicyArns",
	                    json_pack("[{s:s}]", "arn", "arn:aws:iam::aws:policy/AdministratorAccess"));
	out = s_assume(in, NULL);
	doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	const json_t *pols = json_object_get(json_object_get(doc, "Session"), "Policies");
	assert_int_equal(json_array_size(pols), 1);
	assert_non_null(strstr(json_string_value(json_array_get(pols, 0)), "\"Action\":\"*\""));
	json_decref(doc);
	json_decref(out);

	/* 50 tags of random-looking values do not pack into the allowance */
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_t *tags = json_array();
	uint32_t x = 12345;
	for (int i = 0; i < 50; i++) {
		char k[16], v[257];
		snprintf(k, sizeof k, "k%d", i);
		for (int j = 0; j < 256; j++) {
			x = x * 1103515245u + 12345u;
			v[j] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[(x >> 16) % 62];
		}
		v[256] = 0;
		json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", k, "Value", v));
	}
	json_object_set_new(in, "Tags", tags);
	s_assume(in, "PackedPolicyTooLarge");
	assert_non_null(strstr(s_call.err.message, "% of allotted space"));
}

static void test_transitive_tags_in_chain(void **state)
{
	(void)state;
	s_role_for(USER_ARN, TRUST_ALL, NULL, 3600);
	s_alice_policy(ALLOW_TAGGING);
	s_deploy_policy(ALLOW_TAGGING);
	s_new_call("AssumeRole");
	json_t *in = s_in("first");
	json_object_set_new(in, "Tags",
	                    json_pack("[{s:s, s:s}, {s:s, s:s}]", "Key", "Project", "Value", "x",
	                              "Key", "Cost", "Value", "y"));
	json_object_set_new(in, "TransitiveTagKeys", json_pack("[s]", "project"));
	json_t *first = s_assume(in, NULL);
	s_role_for(ROLE_ARN, TRUST_ALL, "{\"StringEquals\":{\"aws:PrincipalTag/Project\":\"x\"}}",
	           3600);
	json_t *doc = s_key_doc(s_s(first, "Credentials", "AccessKeyId"));

	s_new_call("AssumeRole");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &s_call.principal), 0);
	in = s_in("second");
	json_object_set_new(in, "Tags", json_pack("[{s:s, s:s}]", "Key", "PROJECT", "Value", "z"));
	s_assume(in, "InvalidParameterValue");

	s_new_call("AssumeRole");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &s_call.principal), 0);
	json_t *second = s_assume(s_in("second"), NULL);
	json_t *doc2 = s_key_doc(s_s(second, "Credentials", "AccessKeyId"));
	const json_t *sess = json_object_get(doc2, "Session");
	assert_string_equal(s_s(sess, "Tags", "Project"), "x");
	assert_null(json_object_get(json_object_get(sess, "Tags"), "Cost"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(sess,
	                                                                     "TransitiveTagKeys"),
	                                                     0)),
	                    "Project");
	/* a transitive key that is not a tag */
	s_new_call("AssumeRole");
	s_role_for(USER_ARN, TRUST_ALL, NULL, 3600);
	in = s_in("third");
	json_object_set_new(in, "TransitiveTagKeys", json_pack("[s]", "nope"));
	s_assume(in, "InvalidParameterValue");
	json_decref(doc);
	json_decref(doc2);
	json_decref(first);
	json_decref(second);
}

/* AssumeRole input with tags {k, v}... (NULL-terminated pairs). */
static json_t *s_in_tags(const char *session, const char *k, ...)
{
	json_t *in = s_in(session), *tags = json_array();
	va_list ap;
	va_start(ap, k);
	for (; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", k, "Value", v));
	}
	va_end(ap);
	json_object_set_new(in, "Tags", tags);
	return in;
}

/* Passing session tags takes sts:TagSession from both the caller's policies
 * and the role's trust policy (the attack: tags a trust policy never
 * allowed, read later as aws:PrincipalTag). */
static void test_tag_session_needs_both_policies(void **state)
{
	(void)state;
	s_alice_policy(ALLOW_TAGGING);
	/* the trust policy allows sts:AssumeRole only */
	s_role(USER_ARN, NULL, 3600);
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", "Project", "x", NULL), "AccessDenied");
	assert_string_equal(s_call.err.message, "User: " USER_ARN " is not authorized to perform: "
	                                         "sts:TagSession on resource: " ROLE_ARN);
	s_new_call("AssumeRole");
	json_t *in = s_in("s1");
	json_object_set_new(in, "TransitiveTagKeys", json_array());
	json_decref(s_assume(in, NULL)); /* an empty list passes nothing */
	s_new_call("AssumeRole");
	json_decref(s_assume(s_in("s1"), NULL));

	/* the trust policy allows it, the caller's policies do not */
	s_role_for(USER_ARN, TRUST_ALL, NULL, 3600);
	s_alice_policy(NULL);
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", "Project", "x", NULL), "AccessDenied");
	assert_non_null(strstr(s_call.err.message, "sts:TagSession"));
	assert_non_null(strstr(s_call.err.message, "no identity-based policy allows"));
	/* an explicit deny in the caller's policies wins */
	s_alice_policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
	               "\"sts:*\",\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":"
	               "\"sts:TagSession\",\"Resource\":\"*\"}]}");
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", "Project", "x", NULL), "AccessDenied");
	/* both */
	s_alice_policy(ALLOW_TAGGING);
	s_new_call("AssumeRole");
	json_t *out = s_assume(s_in_tags("s1", "Project", "x", NULL), NULL);
	json_t *doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	assert_string_equal(s_s(json_object_get(doc, "Session"), "Tags", "Project"), "x");
	json_decref(doc);
	json_decref(out);
}

/* The gateway's half: resolve the resource and run the row's authorizer,
 * as bw_authorize does before the handler. 0 or -1 (with code). */
static int s_authorize(const json_t *in, const char *code)
{
	s_call.impl = bw_service_op(bw_service_find("sts"), "AssumeRole");
	assert_non_null(s_call.impl);
	int rc = bw_authorize(&s_call, in);
	bw_resource_clean_up(&s_call.resource);
	s_call.resource_resolved = false;
	if (code) {
		assert_int_equal(rc, -1);
		assert_string_equal(s_call.err.code, code);
	} else if (rc != 0) {
		fail_msg("%s: %s", s_call.err.code, s_call.err.message);
	}
	return rc;
}

/* AWS validates before it authorizes: a RoleArn that is not an ARN is a
 * ValidationError even for a caller no policy allows anything; an ARN of
 * no role is AccessDenied, as a refused one is. */
static void test_role_arn_form_before_authorization(void **state)
{
	(void)state;
	s_alice_policy(NULL);
	static const char *const bad[] = {"not-an-arn-at-all-xxxxxxxx", "arn:aws:iam:" ACCT ":role/x",
	                                  "arn::iam::" ACCT ":role/x", "arn:aws:iam::" ACCT ":",
	                                  "short"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s_new_call("AssumeRole");
		json_t *in = json_pack("{s:s, s:s}", "RoleArn", bad[i], "RoleSessionName", "s1");
		s_authorize(in, "ValidationError");
		json_decref(in);
	}
	s_new_call("AssumeRole");
	json_t *in = json_pack("{s:s, s:s}", "RoleArn", "arn:aws:iam::" ACCT ":role/nosuch",
	                       "RoleSessionName", "s1");
	s_authorize(in, "AccessDenied");
	json_decref(in);
}

/* Same account: a trust policy naming alice's ARN is enough without any
 * identity policy; one naming the account root delegates to her policies;
 * an explicit deny in her policies still wins. */
static void test_same_account_trust(void **state)
{
	(void)state;
	s_alice_policy(NULL);
	s_role(USER_ARN, NULL, 3600);
	s_new_call("AssumeRole");
	json_t *in = s_in("s1");
	s_authorize(in, NULL);
	json_decref(s_assume(in, NULL));

	s_role("arn:aws:iam::" ACCT ":root", NULL, 3600);
	s_new_call("AssumeRole");
	in = s_in("s1");
	s_authorize(in, "AccessDenied");
	json_decref(in);
	s_alice_policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	               "\"Action\":\"sts:AssumeRole\",\"Resource\":\"" ROLE_ARN "\"}]}");
	s_new_call("AssumeRole");
	in = s_in("s1");
	s_authorize(in, NULL);
	json_decref(s_assume(in, NULL));

	s_role(USER_ARN, NULL, 3600);
	s_alice_policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
	               "\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}]}");
	s_new_call("AssumeRole");
	in = s_in("s1");
	s_authorize(in, "AccessDenied");
	json_decref(in);
}

/* The trust policy sees the request's aws:RequestTag/<k>, aws:TagKeys and
 * sts:TransitiveTagKeys when it decides sts:TagSession (the example of "Passing
 * session tags in AWS STS"). */
static void test_session_tag_condition_keys(void **state)
{
	(void)state;
	s_alice_policy(ALLOW_TAGGING);
	s_put_role("deploy", "/ops/",
	           "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
	           "{\"AWS\":\"" USER_ARN "\"},\"Action\":\"sts:AssumeRole\"},{\"Effect\":\"Allow\","
	           "\"Principal\":{\"AWS\":\"" USER_ARN "\"},\"Action\":\"sts:TagSession\","
	           "\"Condition\":{\"StringEquals\":{\"aws:RequestTag/Dept\":[\"eng\",\"ops\"]},"
	           "\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"Dept\",\"Cost\"],"
	           "\"sts:TransitiveTagKeys\":[\"Dept\"]}}}]}",
	           3600);
	s_new_call("AssumeRole");
	json_decref(s_assume(s_in_tags("s1", "Dept", "eng", NULL), NULL));
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", "Dept", "sales", NULL), "AccessDenied");
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", "Dept", "eng", "Boss", "me", NULL), "AccessDenied");
	s_new_call("AssumeRole");
	json_t *in = s_in_tags("s1", "Dept", "ops", "Cost", "7", NULL);
	json_object_set_new(in, "TransitiveTagKeys", json_pack("[s]", "Dept"));
	json_decref(s_assume(in, NULL));
	s_new_call("AssumeRole");
	in = s_in_tags("s1", "Dept", "ops", "Cost", "7", NULL);
	json_object_set_new(in, "TransitiveTagKeys", json_pack("[s, s]", "Dept", "Cost"));
	s_assume(in, "AccessDenied");
}

/* AWS's limits on session tags, and keys that differ only in case. */
static void test_session_tag_limits(void **state)
{
	(void)state;
	s_alice_policy(ALLOW_TAGGING);
	s_role_for(USER_ARN, TRUST_ALL, NULL, 3600);
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", "Team", "a", "team", "b", NULL), "InvalidParameterValue");
	assert_string_equal(s_call.err.message, "Duplicate tag keys found. Please note that Tag keys "
	                                        "are case insensitive.");
	char key[130], value[258];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = 0;
	memset(value, 'v', sizeof value - 1);
	value[sizeof value - 1] = 0;
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", key, "v", NULL), "ValidationError");
	key[128] = 0;
	value[256] = 0;
	s_new_call("AssumeRole");
	json_decref(s_assume(s_in_tags("s1", key, value, NULL), NULL));
	value[256] = 'v';
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", "k", value, NULL), "ValidationError");
	s_new_call("AssumeRole");
	s_assume(s_in_tags("s1", "aws:thing", "v", NULL), "ValidationError");
	json_t *in = s_in("s1"), *tags = json_array();
	for (int i = 0; i < 51; i++) {
		char k[8];
		snprintf(k, sizeof k, "k%d", i);
		json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", k, "Value", "v"));
	}
	json_object_set_new(in, "Tags", tags);
	s_new_call("AssumeRole");
	s_model_refuses(in, "1 validation error detected: Value at 'tags' failed to satisfy "
	                    "constraint: Member must have length less than or equal to 50");
}

/* SourceIdentity takes sts:SetSourceIdentity from both sides, is seen as
 * sts:SourceIdentity, and once set travels the role chain unchanged (where
 * each next role must allow it again). */
static void test_source_identity(void **state)
{
	(void)state;
	s_alice_policy(ALLOW_TAGGING);
	s_role(USER_ARN, NULL, 3600);
	s_new_call("AssumeRole");
	json_t *in = s_in("s1");
	json_object_set_new(in, "SourceIdentity", json_string("alice"));
	s_assume(in, "AccessDenied");
	assert_string_equal(s_call.err.message, "User: " USER_ARN " is not authorized to perform: "
	                                        "sts:SetSourceIdentity on resource: " ROLE_ARN);
	s_role_for(USER_ARN, TRUST_ALL, "{\"StringEquals\":{\"sts:SourceIdentity\":\"${aws:username}\"}}",
	           3600);
	s_alice_policy(NULL);
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "SourceIdentity", json_string("alice"));
	s_assume(in, "AccessDenied");
	assert_non_null(strstr(s_call.err.message, "sts:SetSourceIdentity"));
	s_alice_policy(ALLOW_TAGGING);
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "SourceIdentity", json_string("mallory"));
	s_assume(in, "AccessDenied");
	s_new_call("AssumeRole");
	in = s_in("s1");
	json_object_set_new(in, "SourceIdentity", json_string("alice"));
	json_t *first = s_assume(in, NULL);
	assert_string_equal(s_s(first, "SourceIdentity", NULL), "alice");
	json_t *doc = s_key_doc(s_s(first, "Credentials", "AccessKeyId"));

	/* the chain: the next role (here the same) must allow it again */
	s_deploy_policy(ALLOW_TAGGING);
	s_role(ROLE_ARN, NULL, 3600);
	s_new_call("AssumeRole");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &s_call.principal), 0);
	assert_string_equal(s_call.principal.source_identity, "alice");
	s_assume(s_in("s2"), "AccessDenied");
	assert_non_null(strstr(s_call.err.message, "sts:SetSourceIdentity"));
	s_role_for(ROLE_ARN, TRUST_ALL, "{\"StringEquals\":{\"sts:SourceIdentity\":\"alice\"}}",
	           3600);
	/* it cannot change */
	s_new_call("AssumeRole");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &s_call.principal), 0);
	in = s_in("s2");
	json_object_set_new(in, "SourceIdentity", json_string("bob"));
	s_assume(in, "AccessDenied");
	/* it is carried along */
	s_new_call("AssumeRole");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &s_call.principal), 0);
	json_t *second = s_assume(s_in("s2"), NULL);
	assert_string_equal(s_s(second, "SourceIdentity", NULL), "alice");
	json_t *doc2 = s_key_doc(s_s(second, "Credentials", "AccessKeyId"));
	assert_string_equal(s_s(json_object_get(doc2, "Session"), "SourceIdentity", NULL), "alice");
	json_decref(doc2);
	json_decref(second);
	json_decref(doc);
	json_decref(first);
}

static json_t *s_session_token(json_t *in, const char *code)
{
	json_t *out = json_object();
	int rc = bw_sts_get_session_token(&s_call, in, out);
	json_decref(in);
	if (code) {
		assert_int_equal(rc, -1);
		assert_string_equal(s_call.err.code, code);
		json_decref(out);
		return NULL;
	}
	if (rc != 0)
		fail_msg("%s: %s", s_call.err.code, s_call.err.message);
	return out;
}

static void test_get_session_token(void **state)
{
	(void)state;
	s_new_call("GetSessionToken");
	json_t *out = s_session_token(json_object(), NULL);
	json_t *doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	struct bw_principal p = {0};
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_int_equal(p.type, BW_PT_IAM_USER);
	assert_string_equal(p.arn, USER_ARN);
	assert_string_equal(p.principal_id, "AIDAALICE000000000001");
	assert_string_equal(p.user_name, "alice");
	assert_true(p.temporary);
	/* what authentication holds these credentials to, and aws:TokenIssueTime */
	assert_true(p.from_session_token);
	assert_int_equal(p.session_created_s, (int64_t)NOW);
	assert_true(bw_sts_token_matches(doc, s_s(out, "Credentials", "SessionToken")));
	bw_principal_clear(&p);
	json_decref(doc);
	s_expect_duration(out, 43200);

	s_new_call("GetSessionToken");
	s_expect_duration(s_session_token(json_pack("{s:i}", "DurationSeconds", 129600), NULL),
	                  129600);
	s_new_call("GetSessionToken");
	s_model_refuses(json_pack("{s:i}", "DurationSeconds", 129601),
	                "1 validation error detected: Value '129601' at 'durationSeconds' failed to "
	                "satisfy constraint: Member must have value less than or equal to 129600");
	s_new_call("GetSessionToken");
	s_model_refuses(json_pack("{s:i}", "DurationSeconds", 899),
	                "1 validation error detected: Value '899' at 'durationSeconds' failed to "
	                "satisfy constraint: Member must have value greater than or equal to 900");
	s_new_call("GetSessionToken");
	s_session_token(json_pack("{s:s, s:s}", "SerialNumber", "arn:aws:iam::" ACCT ":mfa/alice",
	                          "TokenCode", "123456"),
	                "AccessDenied");

	/* the root: one hour at most, longer requests get one hour */
	s_new_call("GetSessionToken");
	bw_principal_root(&s_call.principal, ACCT);
	out = s_session_token(json_object(), NULL);
	doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_int_equal(p.type, BW_PT_ROOT);
	assert_string_equal(p.arn, "arn:aws:iam::" ACCT ":root");
	assert_true(p.temporary);
	assert_true(p.from_session_token);
	assert_int_equal(p.session_created_s, (int64_t)NOW);
	/* a document without its CreationDate: the key's CreateDate says when */
	json_object_del(json_object_get(doc, "Session"), "CreationDate");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_int_equal(p.session_created_s, (int64_t)NOW);
	bw_principal_clear(&p);
	json_decref(doc);
	s_expect_duration(out, 3600);
	s_new_call("GetSessionToken");
	bw_principal_root(&s_call.principal, ACCT);
	s_expect_duration(s_session_token(json_pack("{s:i}", "DurationSeconds", 7200), NULL), 3600);

	/* not with session credentials */
	s_new_call("GetSessionToken");
	s_call.principal.temporary = true;
	s_session_token(json_object(), "AccessDenied");
	assert_string_equal(s_call.err.message, "Cannot call GetSessionToken with session credentials");
}

static void test_access_key_info_and_caller_identity(void **state)
{
	(void)state;
	s_new_call("GetSessionToken");
	json_t *tok = s_session_token(json_object(), NULL);
	const char *akid = s_s(tok, "Credentials", "AccessKeyId");

	s_new_call("GetAccessKeyInfo");
	json_t *in = json_pack("{s:s}", "AccessKeyId", akid), *out = json_object();
	assert_int_equal(bw_sts_get_access_key_info(&s_call, in, out), 0);
	assert_string_equal(s_s(out, "Account", NULL), ACCT);
	json_decref(in);
	json_decref(out);
	const char *bad[] = {"AKIAUNKNOWN000000000", "short", "AKIA-HAS-DASHES-0000"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s_new_call("GetAccessKeyInfo");
		in = json_pack("{s:s}", "AccessKeyId", bad[i]);
		out = json_object();
		assert_int_equal(bw_sts_get_access_key_info(&s_call, in, out), -1);
		assert_string_equal(s_call.err.code, "ValidationError");
		json_decref(in);
		json_decref(out);
	}

	/* GetCallerIdentity answers for the session's principal */
	json_t *doc = s_key_doc(akid);
	const struct bw_service *svc = bw_service_find("sts");
	assert_non_null(svc);
	const struct bw_op_impl *gci = bw_service_op(svc, "GetCallerIdentity");
	assert_non_null(gci);
	s_new_call("GetCallerIdentity");
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &s_call.principal), 0);
	out = json_object();
	assert_int_equal(gci->handler(&s_call, NULL, out), 0);
	assert_string_equal(s_s(out, "Arn", NULL), USER_ARN);
	assert_string_equal(s_s(out, "UserId", NULL), "AIDAALICE000000000001");
	assert_string_equal(s_s(out, "Account", NULL), ACCT);
	json_decref(out);
	json_decref(doc);
	json_decref(tok);
	/* the operations served are registered; SAML federation is not */
	assert_non_null(bw_service_op(svc, "AssumeRole"));
	assert_non_null(bw_service_op(svc, "DecodeAuthorizationMessage"));
	assert_non_null(bw_service_op(svc, "GetFederationToken"));
	assert_null(bw_service_op(svc, "AssumeRoleWithSAML"));
}

static int s_decode(const char *msg, json_t **decoded)
{
	s_new_call("DecodeAuthorizationMessage");
	json_t *in = json_pack("{s:s}", "EncodedMessage", msg), *out = json_object();
	int rc = bw_sts_decode_authorization_message(&s_call, in, out);
	if (rc == 0)
		*decoded = json_loads(s_s(out, "DecodedMessage", NULL), 0, NULL);
	else
		assert_string_equal(s_call.err.code, "InvalidAuthorizationMessageException");
	json_decref(in);
	json_decref(out);
	return rc;
}

static void test_authorization_message_round_trip(void **state)
{
	(void)state;
	json_t *ctx = json_pack(
		"{s:b, s:b, s:{s:[]}, s:{s:[]}, s:{s:{s:s, s:s}, s:s, s:s, s:{s:[]}}}", "allowed", 0,
		"explicitDeny", 0, "matchedStatements", "items", "failures", "items", "context",
		"principal", "id", "AIDAALICE000000000001", "arn", USER_ARN, "action", "kms:Decrypt",
		"resource", "arn:aws:kms:us-east-1:" ACCT ":key/1", "conditions", "items");
	struct bw_buf msg = {0};
	assert_int_equal(bw_sts_encode_authorization_message(&s_rk, ACCT, ctx, &msg), 0);
	assert_null(strstr(bw_buf_cstr(&msg), "kms:Decrypt"));
	json_t *decoded = NULL;
	assert_int_equal(s_decode(bw_buf_cstr(&msg), &decoded), 0);
	assert_true(json_equal(decoded, ctx));
	json_decref(decoded);

	/* one bit changed anywhere is refused */
	char *tampered = strdup(bw_buf_cstr(&msg));
	size_t mid = strlen(tampered) / 2;
	tampered[mid] = tampered[mid] == 'A' ? 'B' : 'A';
	assert_int_equal(s_decode(tampered, &decoded), -1);
	assert_string_equal(s_call.err.message, "The encoded authorization message is invalid.");
	free(tampered);
	assert_int_equal(s_decode("not base64 at all", &decoded), -1);
	assert_int_equal(s_decode("AAAA", &decoded), -1);
	/* made for another account */
	assert_int_equal(bw_sts_encode_authorization_message(&s_rk, "999999999999", ctx, &msg), 0);
	assert_int_equal(s_decode(bw_buf_cstr(&msg), &decoded), -1);
	/* made under another root key */
	struct bw_root_key other = {.loaded = true};
	memset(other.key, 0x11, sizeof other.key);
	assert_int_equal(bw_sts_encode_authorization_message(&other, ACCT, ctx, &msg), 0);
	assert_int_equal(s_decode(bw_buf_cstr(&msg), &decoded), -1);
	assert_int_equal(bw_sts_encode_authorization_message(&s_rk, ACCT, NULL, &msg), -1);
	bw_buf_free(&msg);
	json_decref(ctx);
}

static void test_session_principal_refuses_malformed_documents(void **state)
{
	(void)state;
	char long_name[600];
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = 0;
	const char *docs[] = {
		"{}",
		"{\"Owner\":\"session\"}",
		"{\"Owner\":\"session\",\"Session\":{\"Type\":\"FederatedUser\"}}",
		"{\"Owner\":\"session\",\"Session\":{\"Type\":\"AssumedRole\",\"RoleName\":\"r\"}}",
		("{\"Owner\":\"session\",\"Session\":{\"Type\":\"SessionToken\","
		 "\"SourceUserArn\":\"arn:aws:iam::1:user/x\"}}"),
	};
	struct bw_principal p = {0};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		json_t *d = json_loads(docs[i], 0, NULL);
		assert_non_null(d);
		assert_int_equal(bw_sts_session_principal(d, ACCT, &p), -1);
		assert_int_equal(p.arn[0], 0);
		json_decref(d);
	}
	/* an identity that does not fit is refused, never truncated */
	json_t *d = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "Owner", "session",
	                      "AccessKeyId", "ASIAAAAAAAAAAAAAAAAA", "Session", "Type",
	                      "AssumedRole", "RoleName", "r", "RoleId", "AROAX", "RoleArn",
	                      "arn:aws:iam::" ACCT ":role/r", "RoleSessionName", long_name);
	assert_int_equal(bw_sts_session_principal(d, ACCT, &p), -1);
	json_object_set_new(json_object_get(d, "Session"), "RoleSessionName", json_string("ok"));
	assert_int_equal(bw_sts_session_principal(d, ACCT, &p), 0);
	assert_string_equal(p.arn, "arn:aws:sts::" ACCT ":assumed-role/r/ok");
	assert_null(p.tags);
	bw_principal_clear(&p);
	json_decref(d);
}

static json_t *s_federation(json_t *in, const char *code)
{
	json_t *out = json_object();
	int rc = bw_sts_get_federation_token(&s_call, in, out);
	json_decref(in);
	if (code) {
		assert_int_equal(rc, -1);
		assert_string_equal(s_call.err.code, code);
		json_decref(out);
		return NULL;
	}
	if (rc != 0)
		fail_msg("%s: %s", s_call.err.code, s_call.err.message);
	return out;
}

#define FED_ARN "arn:aws:sts::" ACCT ":federated-user/bob"

static void test_get_federation_token(void **state)
{
	(void)state;
	s_alice_policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	               "\"Action\":\"sts:GetFederationToken\",\"Resource\":\"*\"}]}");
	/* no session policy: the session is limited by one allowing nothing */
	s_new_call("GetFederationToken");
	json_t *out = s_federation(json_pack("{s:s}", "Name", "bob"), NULL);
	assert_string_equal(s_s(out, "FederatedUser", "Arn"), FED_ARN);
	assert_string_equal(s_s(out, "FederatedUser", "FederatedUserId"), ACCT ":bob");
	assert_null(json_object_get(out, "PackedPolicySize"));
	json_t *doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	assert_string_equal(s_s(json_object_get(doc, "Session"), "SourceUserId", NULL),
	                    "AIDAALICE000000000001");
	struct bw_principal p = {0};
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_int_equal(p.type, BW_PT_FEDERATED_USER);
	assert_string_equal(p.arn, FED_ARN);
	assert_string_equal(p.principal_id, ACCT ":bob");
	assert_string_equal(p.user_name, "alice");
	assert_true(p.temporary);
	assert_false(p.from_session_token);
	assert_int_equal(json_array_size(p.session_policies), 1);
	assert_non_null(strstr(json_string_value(json_array_get(p.session_policies, 0)),
	                       "\"Statement\":[]"));
	bw_principal_clear(&p);
	json_decref(doc);
	s_expect_duration(out, 43200);

	/* with a session policy: that policy, and the packed size */
	const char *pol = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	                  "\"Action\":\"kms:ListKeys\",\"Resource\":\"*\"}]}";
	s_new_call("GetFederationToken");
	out = s_federation(json_pack("{s:s, s:s, s:i}", "Name", "bob", "Policy", pol,
	                             "DurationSeconds", 900),
	                   NULL);
	assert_true(json_integer_value(json_object_get(out, "PackedPolicySize")) > 0);
	doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_int_equal(json_array_size(p.session_policies), 1);
	assert_string_equal(json_string_value(json_array_get(p.session_policies, 0)), pol);
	bw_principal_clear(&p);
	json_decref(doc);
	s_expect_duration(out, 900);

	/* a malformed session policy, durations, names */
	s_new_call("GetFederationToken");
	s_federation(json_pack("{s:s, s:s}", "Name", "bob", "Policy", "{not json"),
	             "MalformedPolicyDocument");
	s_new_call("GetFederationToken");
	s_model_refuses(json_pack("{s:s, s:i}", "Name", "bob", "DurationSeconds", 899),
	                "1 validation error detected: Value '899' at 'durationSeconds' failed to "
	                "satisfy constraint: Member must have value greater than or equal to 900");
	s_new_call("GetFederationToken");
	s_model_refuses(json_pack("{s:s, s:i}", "Name", "bob", "DurationSeconds", 129601),
	                "1 validation error detected: Value '129601' at 'durationSeconds' failed to "
	                "satisfy constraint: Member must have value less than or equal to 129600");
	const char *bad[] = {"b", "bob smith", "a23456789012345678901234567890123"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s_new_call("GetFederationToken");
		s_federation(json_pack("{s:s}", "Name", bad[i]), "ValidationError");
		s_new_call("GetFederationToken");
		struct bw_resource res = {0};
		json_t *in = json_pack("{s:s}", "Name", bad[i]);
		assert_int_equal(bw_sts_federation_resource(&s_call, in, &res), -1);
		assert_string_equal(s_call.err.code, "ValidationError");
		json_decref(in);
		bw_buf_free(&res.arn);
	}
	/* the resource is the federated user's ARN */
	s_new_call("GetFederationToken");
	struct bw_resource res = {0};
	json_t *in = json_pack("{s:s}", "Name", "bob");
	assert_int_equal(bw_sts_federation_resource(&s_call, in, &res), 0);
	assert_string_equal(bw_buf_cstr(&res.arn), FED_ARN);
	bw_buf_free(&res.arn);

	/* session credentials are refused before any policy is asked */
	s_new_call("GetFederationToken");
	s_call.principal.temporary = true;
	assert_int_equal(bw_sts_federation_authorize(&s_call, in), -1);
	assert_string_equal(s_call.err.code, "AccessDenied");
	assert_string_equal(s_call.err.message,
	                    "Cannot call GetFederationToken with session credentials");
	s_new_call("GetFederationToken");
	s_call.principal.temporary = true;
	s_federation(json_incref(in), "AccessDenied");
	json_decref(in);

	/* the root: one hour at most; its session names no user */
	s_new_call("GetFederationToken");
	bw_principal_root(&s_call.principal, ACCT);
	out = s_federation(json_pack("{s:s, s:i}", "Name", "ops", "DurationSeconds", 7200), NULL);
	doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_int_equal(p.type, BW_PT_FEDERATED_USER);
	assert_string_equal(p.user_name, "");
	bw_principal_clear(&p);
	json_decref(doc);
	s_expect_duration(out, 3600);
}

static void test_federation_tags(void **state)
{
	(void)state;
	s_alice_policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	               "\"Action\":\"sts:GetFederationToken\",\"Resource\":\"*\"}]}");
	s_new_call("GetFederationToken");
	s_federation(json_pack("{s:s, s:[{s:s, s:s}]}", "Name", "bob", "Tags", "Key", "team",
	                       "Value", "red"),
	             "AccessDenied");
	s_alice_policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	               "\"Action\":[\"sts:GetFederationToken\",\"sts:TagSession\"],"
	               "\"Resource\":\"" FED_ARN "\"}]}");
	/* session tags override the user's tags regardless of case */
	s_new_call("GetFederationToken");
	s_call.principal.tags = json_pack("{s:s, s:s}", "Team", "blue", "cost", "7");
	json_t *out = s_federation(json_pack("{s:s, s:[{s:s, s:s}]}", "Name", "bob", "Tags", "Key",
	                                     "team", "Value", "red"),
	                           NULL);
	json_t *doc = s_key_doc(s_s(out, "Credentials", "AccessKeyId"));
	struct bw_principal p = {0};
	assert_int_equal(bw_sts_session_principal(doc, ACCT, &p), 0);
	assert_string_equal(s_s(p.tags, "team", NULL), "red");
	assert_null(json_object_get(p.tags, "Team"));
	assert_string_equal(s_s(p.tags, "cost", NULL), "7");
	bw_principal_clear(&p);
	json_decref(doc);
	json_decref(out);
	/* duplicate keys regardless of case */
	s_new_call("GetFederationToken");
	s_federation(json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "Name", "bob", "Tags", "Key",
	                       "a", "Value", "1", "Key", "A", "Value", "2"),
	             "InvalidParameterValue");
}

static int s_end(void **state)
{
	(void)state;
	bw_principal_clear(&s_call.principal);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_assume_role_allowed_and_stored_safely, s_end),
		cmocka_unit_test_teardown(test_trust_principal_mismatch_and_forms, s_end),
		cmocka_unit_test_teardown(test_unknown_foreign_or_mismatched_role, s_end),
		cmocka_unit_test_teardown(test_external_id_condition, s_end),
		cmocka_unit_test_teardown(test_mfa_condition, s_end),
		cmocka_unit_test_teardown(test_source_ip_and_transport_conditions, s_end),
		cmocka_unit_test_teardown(test_durations_and_chaining, s_end),
		cmocka_unit_test_teardown(test_session_name_validation, s_end),
		cmocka_unit_test_teardown(test_session_policies_and_packing, s_end),
		cmocka_unit_test_teardown(test_transitive_tags_in_chain, s_end),
		cmocka_unit_test_teardown(test_tag_session_needs_both_policies, s_end),
		cmocka_unit_test_teardown(test_role_arn_form_before_authorization, s_end),
		cmocka_unit_test_teardown(test_same_account_trust, s_end),
		cmocka_unit_test_teardown(test_session_tag_condition_keys, s_end),
		cmocka_unit_test_teardown(test_session_tag_limits, s_end),
		cmocka_unit_test_teardown(test_source_identity, s_end),
		cmocka_unit_test_teardown(test_get_session_token, s_end),
		cmocka_unit_test_teardown(test_get_federation_token, s_end),
		cmocka_unit_test_teardown(test_federation_tags, s_end),
		cmocka_unit_test_teardown(test_access_key_info_and_caller_identity, s_end),
		cmocka_unit_test_teardown(test_authorization_message_round_trip, s_end),
		cmocka_unit_test_teardown(test_session_principal_refuses_malformed_documents, s_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
