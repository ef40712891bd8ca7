/* KMS authorization, decided through the service table's authorize hook on
 * a temporary store with IAM users and roles made by IAM's own handlers:
 * the decision table of key policy x IAM policies x grants (delegation,
 * direct naming, explicit denies both ways, the root without bypass),
 * grants with operations and both constraint kinds, a role grantee
 * matching its sessions, ReEncryptFrom/To, the condition keys
 * kms:EncryptionContext:* and kms:CallerAccount, grant tokens, RetireGrant's
 * rules, PutKeyPolicy's lockout safety check, and the encryption context's
 * size limit, refused before anything is evaluated. */
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
#include "core/gencache.h"
#include "core/log.h"
#include "crypto/seal.h"
#include "gateway/authz.h"
#include "gateway/resource.h"
#include "http/message.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "store/doc.h"
#include "store/store.h"

#define ACCT "123456789012"
#define ALICE "arn:aws:iam::" ACCT ":user/alice"
#define BOB "arn:aws:iam::" ACCT ":user/bob"
#define ROLE "arn:aws:iam::" ACCT ":role/app"
#define SESSION "arn:aws:sts::" ACCT ":assumed-role/app/s1"
#define ROOT "arn:aws:iam::" ACCT ":root"

enum who { ROOT_P, ALICE_P, BOB_P, CAROL_P, SESSION_P };

static char s_dir[64];
static struct bw_store *s_store;
static struct bw_root_key s_rk;
static struct bw_authz s_authz;
static struct bw_http_request s_req;
static struct bw_call s_call;

static void s_principal(enum who w)
{
	struct bw_principal *p = &s_call.principal;
	bw_principal_root(p, ACCT);
	if (w == ALICE_P || w == BOB_P || w == CAROL_P) {
		const char *name = w == ALICE_P ? "alice" : w == BOB_P ? "bob" : "carol";
		p->type = BW_PT_IAM_USER;
		snprintf(p->arn, sizeof p->arn, "arn:aws:iam::%s:user/%s", ACCT, name);
		snprintf(p->user_name, sizeof p->user_name, "%s", name);
		/* the stored user's unique id: authorization checks the entity of
		 * that name is still the one that signed */
		json_t *doc = NULL;
		const char *id = bw_doc_get(s_store, BW_IAM_USER, ACCT, name, &doc) == BW_STORE_OK
			? json_string_value(json_object_get(doc, "UserId")) : NULL;
		snprintf(p->principal_id, sizeof p->principal_id, "%s", id ? id : "AIDAUNKNOWN");
		json_decref(doc);
	} else if (w == SESSION_P) {
		p->type = BW_PT_ASSUMED_ROLE;
		p->temporary = true;
		snprintf(p->arn, sizeof p->arn, "%s", SESSION);
		snprintf(p->role_arn, sizeof p->role_arn, "%s", ROLE);
		snprintf(p->role_name, sizeof p->role_name, "app");
		snprintf(p->session_name, sizeof p->session_name, "s1");
		json_t *doc = NULL;
		const char *id = bw_doc_get(s_store, BW_IAM_ROLE, ACCT, "app", &doc) == BW_STORE_OK
			? json_string_value(json_object_get(doc, "RoleId")) : NULL;
		snprintf(p->role_id, sizeof p->role_id, "%s", id ? id : "AROAUNKNOWN");
		snprintf(p->principal_id, sizeof p->principal_id, "%s:s1", p->role_id);
		json_decref(doc);
	}
}

static void s_init(const char *svc, const char *op, enum who w)
{
	bw_principal_clear(&s_call.principal);
	bw_resource_clean_up(&s_call.resource);
	memset(&s_call, 0, sizeof s_call);
	s_call.model = bw_model_find(svc);
	assert_non_null(s_call.model);
	s_call.op = bw_model_op(s_call.model, op);
	assert_non_null(s_call.op);
	s_call.store = s_store;
	s_call.root_key = &s_rk;
	s_call.authz = &s_authz;
	s_call.req = &s_req;
	s_call.now_s = 1700000000.0;
	snprintf(s_call.account_id, sizeof s_call.account_id, ACCT);
	snprintf(s_call.region, sizeof s_call.region, "us-east-1");
	s_principal(w);
	s_call.service = bw_service_find(svc);
	assert_non_null(s_call.service);
	s_call.impl = bw_service_op(s_call.service, op);
	assert_non_null(s_call.impl);
}

/* Run a handler (no authorization) as w; the output or NULL. Takes in. */
static json_t *s_handle(const char *svc, const char *op, enum who w, json_t *in)
{
	assert_non_null(in);
	s_init(svc, op, w);
	json_t *out = json_object();
	int rc = s_call.impl->handler(&s_call, in, out);
	json_decref(in);
	if (rc != 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *s_ok(const char *svc, const char *op, enum who w, json_t *in)
{
	json_t *out = s_handle(svc, op, w, in);
	if (!out)
		fail_msg("%s failed: %s %s", op, s_call.err.code, s_call.err.message);
	return out;
}

/* Authorize op as w: 0 allowed, else -1 with s_call.err. Takes in. */
static int s_authorize(const char *op, enum who w, json_t *in)
{
	assert_non_null(in);
	s_init("kms", op, w);
	assert_non_null(s_call.impl->authorize);
	int rc = bw_authorize(&s_call, in); /* resolves the resource, then KMS decides */
	json_decref(in);
	assert_int_equal(rc != 0, s_call.failed);
	return rc;
}

static void s_allowed(const char *op, enum who w, json_t *in)
{
	if (s_authorize(op, w, in) != 0)
		fail_msg("%s denied: %s %s", op, s_call.err.code, s_call.err.message);
}

static void s_denied(const char *op, enum who w, json_t *in)
{
	if (s_authorize(op, w, in) == 0)
		fail_msg("%s allowed", op);
	assert_string_equal(s_call.err.code, "AccessDeniedException");
}

static void s_user_policy(const char *user, const char *doc)
{
	json_decref(s_ok("iam", "PutUserPolicy", ROOT_P,
	                 json_pack("{s:s, s:s, s:s}", "UserName", user, "PolicyName", "p",
	                           "PolicyDocument", doc)));
}

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-kmsauthz-XXXXXX");
	if (!mkdtemp(s_dir))
		return -1;
	memset(s_rk.key, 0x42, sizeof s_rk.key);
	s_rk.loaded = true;
	snprintf(s_req.peer_ip, sizeof s_req.peer_ip, "127.0.0.1");
	s_authz.policies = bw_policy_cache_new(256);
	s_authz.sets = bw_gencache_new(256);
	if (!s_authz.policies || !s_authz.sets || bw_store_open(s_dir, &s_store) != 0 ||
	    bw_store_meta_set(s_store, "account_id", ACCT) != 0)
		return -1;
	json_decref(s_ok("iam", "CreateUser", ROOT_P, json_pack("{s:s}", "UserName", "alice")));
	json_decref(s_ok("iam", "CreateUser", ROOT_P, json_pack("{s:s}", "UserName", "bob")));
	json_decref(s_ok("iam", "CreateUser", ROOT_P, json_pack("{s:s}", "UserName", "carol")));
	json_decref(s_ok("iam", "CreateRole", ROOT_P,
	                 json_pack("{s:s, s:s}", "RoleName", "app", "AssumeRolePolicyDocument",
	                           "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
	                           "\"Allow\",\"Principal\":{\"AWS\":\"" ROOT "\"},\"Action\":"
	                           "\"sts:AssumeRole\"}]}")));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bw_principal_clear(&s_call.principal);
	bw_store_close(s_store);
	bw_policy_cache_free(s_authz.policies);
	bw_gencache_free(s_authz.sets);
	return bw_test_store_close(s_dir, NULL);
}

/* A new symmetric key (default policy); its id into id (37 bytes). */
static void s_key(char *id, const char *spec, const char *usage)
{
	json_t *in = spec ? json_pack("{s:s, s:s}", "KeySpec", spec, "KeyUsage", usage)
	                  : json_object();
	json_t *out = s_ok("kms", "CreateKey", ROOT_P, in);
	snprintf(id, 37, "%s",
	         json_string_value(json_object_get(json_object_get(out, "KeyMetadata"), "KeyId")));
	json_decref(out);
}

static void s_set_policy(const char *id, const char *policy)
{
	json_decref(s_ok("kms", "PutKeyPolicy", ROOT_P,
	                 json_pack("{s:s, s:s, s:b}", "KeyId", id, "Policy", policy,
	                           "BypassPolicyLockoutSafetyCheck", 1)));
}

static json_t *s_kid(const char *id)
{
	return json_pack("{s:s}", "KeyId", id);
}

/* A key policy of one Allow statement for principal on actions. */
static char *s_policy(const char *effect, const char *principal, const char *action,
                      const char *condition)
{
	char *p = malloc(2048);
	assert_non_null(p);
	snprintf(p, 2048,
	         "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
	         "{\"AWS\":\"" ROOT "\"},\"Action\":\"kms:PutKeyPolicy\",\"Resource\":\"*\"},"
	         "{\"Effect\":\"%s\",\"Principal\":{\"AWS\":\"%s\"},\"Action\":\"%s\","
	         "\"Resource\":\"*\"%s%s}]}",
	         effect, principal, action, condition ? ",\"Condition\":" : "",
	         condition ? condition : "");
	return p;
}

static void test_default_policy_delegates(void **state)
{
	(void)state;
	char id[37];
	s_key(id, NULL, NULL);
	s_allowed("Encrypt", ROOT_P, s_kid(id));
	s_denied("Encrypt", BOB_P, s_kid(id));
	assert_non_null(strstr(s_call.err.message, "no identity-based policy allows"));
	s_user_policy("alice", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	                       "\"Action\":\"kms:*\",\"Resource\":\"*\"}]}");
	s_allowed("Encrypt", ALICE_P, s_kid(id));
	s_allowed("DescribeKey", ALICE_P, s_kid(id));
	/* an alias names the same key */
	json_decref(s_ok("kms", "CreateAlias", ROOT_P,
	                 json_pack("{s:s, s:s}", "AliasName", "alias/deleg", "TargetKeyId", id)));
	s_allowed("Encrypt", ALICE_P, s_kid("alias/deleg"));
}

static void test_no_delegation(void **state)
{
	(void)state;
	char id[37];
	s_key(id, NULL, NULL);
	/* alice's IAM policy allows kms:* (previous test); the key policy
	 * names only bob: IAM alone grants nothing */
	char *p = s_policy("Allow", BOB, "kms:*", NULL);
	s_set_policy(id, p);
	free(p);
	s_denied("Encrypt", ALICE_P, s_kid(id));
	assert_non_null(strstr(s_call.err.message, "no resource-based policy allows"));
	/* bob is named directly: no IAM policy needed */
	s_allowed("Encrypt", BOB_P, s_kid(id));
	/* the root has no bypass: this policy allows it PutKeyPolicy only */
	s_denied("Encrypt", ROOT_P, s_kid(id));
	s_allowed("PutKeyPolicy", ROOT_P, s_kid(id));
}

static void test_explicit_denies(void **state)
{
	(void)state;
	char id[37];
	s_key(id, NULL, NULL);
	/* key policy: default delegation plus Deny alice Decrypt */
	char *p = malloc(1024);
	snprintf(p, 1024,
	         "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
	         "{\"AWS\":\"%s\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},{\"Effect\":\"Deny\","
	         "\"Principal\":{\"AWS\":\"%s\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"},"
	         "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"%s\"},\"Action\":\"kms:Sign\","
	         "\"Resource\":\"*\"}]}",
	         ROOT, ALICE, BOB);
	s_set_policy(id, p);
	free(p);
	s_allowed("Encrypt", ALICE_P, s_kid(id));
	s_denied("Decrypt", ALICE_P, s_kid(id)); /* key-policy Deny beats IAM Allow */
	assert_non_null(strstr(s_call.err.message, "explicit deny in a resource-based policy"));
	/* an IAM Deny beats the key policy naming bob directly */
	s_user_policy("bob", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
	                     "\"Action\":\"kms:Sign\",\"Resource\":\"*\"}]}");
	s_denied("Sign", BOB_P, s_kid(id));
	assert_non_null(strstr(s_call.err.message, "explicit deny in an identity-based policy"));
}

static json_t *s_grant(const char *id, const char *grantee, const char *ops_csv,
                       json_t *constraints, char *grant_id_out)
{
	json_t *ops = json_array();
	char buf[256];
	snprintf(buf, sizeof buf, "%s", ops_csv);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(ops, json_string(t));
	json_t *in = json_pack("{s:s, s:s, s:o}", "KeyId", id, "GranteePrincipal", grantee,
	                       "Operations", ops);
	if (constraints)
		json_object_set_new(in, "Constraints", constraints);
	json_t *out = s_ok("kms", "CreateGrant", ROOT_P, in);
	const char *gid = json_string_value(json_object_get(out, "GrantId"));
	assert_non_null(gid);
	assert_int_equal(strlen(gid), 64);
	if (grant_id_out)
		snprintf(grant_id_out, 65, "%s", gid);
	return out;
}

static json_t *s_ctx_req(const char *id, const char *k, const char *v)
{
	return json_pack("{s:s, s:{s:s}}", "KeyId", id, "EncryptionContext", k, v);
}

static void test_grants(void **state)
{
	(void)state;
	char id[37], gid[65];
	s_key(id, NULL, NULL);
	char *p = s_policy("Allow", ROOT, "kms:*", NULL); /* delegates; carol has no IAM policy */
	s_set_policy(id, p);
	free(p);
	json_decref(s_grant(id, BOB, "Encrypt", NULL, gid));
	/* bob's IAM Deny is on kms:Sign only (previous test) */
	s_allowed("Encrypt", BOB_P, s_kid(id));
	s_denied("Decrypt", BOB_P, s_kid(id));
	/* EncryptionContextEquals: exactly this context */
	json_decref(s_grant(id, BOB, "Decrypt",
	                    json_pack("{s:{s:s}}", "EncryptionContextEquals", "app", "a"), NULL));
	s_allowed("Decrypt", BOB_P, s_ctx_req(id, "app", "a"));
	s_denied("Decrypt", BOB_P, s_ctx_req(id, "app", "b"));
	s_denied("Decrypt", BOB_P, s_kid(id));
	s_denied("Decrypt", BOB_P,
	         json_pack("{s:s, s:{s:s, s:s}}", "KeyId", id, "EncryptionContext", "app", "a", "x",
	                   "y"));
	/* EncryptionContextSubset: these pairs and maybe more */
	json_decref(s_grant(id, BOB, "GenerateDataKey",
	                    json_pack("{s:{s:s}}", "EncryptionContextSubset", "dept", "hr"), NULL));
	s_allowed("GenerateDataKey", BOB_P,
	          json_pack("{s:s, s:{s:s, s:s}}", "KeyId", id, "EncryptionContext", "dept", "hr",
	                    "x", "y"));
	s_denied("GenerateDataKey", BOB_P, s_ctx_req(id, "dept", "it"));
	/* revoked: denied again */
	json_decref(s_ok("kms", "RevokeGrant", ROOT_P,
	                 json_pack("{s:s, s:s}", "KeyId", id, "GrantId", gid)));
	s_denied("Encrypt", BOB_P, s_kid(id));
	/* operations are checked against the key's usage */
	json_t *bad = s_handle("kms", "CreateGrant", ROOT_P,
	                       json_pack("{s:s, s:s, s:[s]}", "KeyId", id, "GranteePrincipal", BOB,
	                                 "Operations", "Sign"));
	assert_null(bad);
	assert_string_equal(s_call.err.code, "ValidationException");
}

static void test_role_grantee_and_tokens(void **state)
{
	(void)state;
	char id[37], gid[65];
	s_key(id, NULL, NULL);
	s_denied("Encrypt", SESSION_P, s_kid(id)); /* the role has no IAM policy */
	json_t *g = s_grant(id, ROLE, "Encrypt,RetireGrant", NULL, gid);
	char token[512];
	snprintf(token, sizeof token, "%s", json_string_value(json_object_get(g, "GrantToken")));
	json_decref(g);
	s_allowed("Encrypt", SESSION_P, s_kid(id));
	/* a live token of this key is accepted; a forged one is refused */
	s_allowed("Encrypt", SESSION_P,
	          json_pack("{s:s, s:[s]}", "KeyId", id, "GrantTokens", token));
	assert_int_equal(s_authorize("Encrypt", SESSION_P,
	                             json_pack("{s:s, s:[s]}", "KeyId", id, "GrantTokens", "bogus")),
	                 -1);
	assert_string_equal(s_call.err.code, "InvalidGrantTokenException");
	/* a token of another key is not one of this key's */
	char other[37];
	s_key(other, NULL, NULL);
	assert_int_equal(s_authorize("Encrypt", ROOT_P,
	                             json_pack("{s:s, s:[s]}", "KeyId", other, "GrantTokens", token)),
	                 -1);
	assert_string_equal(s_call.err.code, "InvalidGrantTokenException");
	/* RetireGrant: bob may not, the grantee session may (RetireGrant listed) */
	assert_int_equal(s_authorize("RetireGrant", BOB_P, json_pack("{s:s}", "GrantToken", token)),
	                 -1);
	s_allowed("RetireGrant", SESSION_P, json_pack("{s:s}", "GrantToken", token));
	json_decref(s_ok("kms", "RetireGrant", SESSION_P, json_pack("{s:s}", "GrantToken", token)));
	s_denied("Encrypt", SESSION_P, s_kid(id));
	assert_null(s_handle("kms", "RetireGrant", ROOT_P, json_pack("{s:s}", "GrantToken", token)));
	assert_string_equal(s_call.err.code, "InvalidGrantTokenException");
}

static void test_re_encrypt(void **state)
{
	(void)state;
	char src[37], dst[37];
	s_key(src, NULL, NULL);
	s_key(dst, NULL, NULL);
	char *p = s_policy("Allow", BOB, "kms:ReEncrypt*", NULL);
	s_set_policy(src, p);
	free(p);
	p = s_policy("Allow", BOB, "kms:Encrypt", NULL);
	s_set_policy(dst, p);
	free(p);
	json_t *in = json_pack("{s:s, s:s, s:s}", "CiphertextBlob", "AAAA", "SourceKeyId", src,
	                       "DestinationKeyId", dst);
	s_denied("ReEncrypt", BOB_P, json_incref(in));
	assert_non_null(strstr(s_call.err.message, "kms:ReEncryptTo"));
	json_decref(s_grant(dst, BOB, "ReEncryptTo", NULL, NULL));
	s_allowed("ReEncrypt", BOB_P, json_incref(in));
	/* the other way round: no ReEncryptFrom on dst */
	json_t *back = json_pack("{s:s, s:s, s:s}", "CiphertextBlob", "AAAA", "SourceKeyId", dst,
	                         "DestinationKeyId", src);
	s_denied("ReEncrypt", BOB_P, back);
	json_decref(in);
}

static void test_condition_keys(void **state)
{
	(void)state;
	char id[37];
	s_key(id, NULL, NULL);
	char *p = s_policy("Allow", BOB, "kms:Decrypt",
	                   "{\"StringEquals\":{\"kms:EncryptionContext:tenant\":\"t1\","
	                   "\"kms:CallerAccount\":\"" ACCT "\"}}");
	s_set_policy(id, p);
	free(p);
	s_allowed("Decrypt", BOB_P, s_ctx_req(id, "tenant", "t1"));
	s_denied("Decrypt", BOB_P, s_ctx_req(id, "tenant", "t2"));
	s_denied("Decrypt", BOB_P, s_kid(id));
	p = s_policy("Allow", BOB, "kms:Decrypt",
	             "{\"StringEquals\":{\"kms:CallerAccount\":\"999999999999\"}}");
	s_set_policy(id, p);
	free(p);
	s_denied("Decrypt", BOB_P, s_ctx_req(id, "tenant", "t1"));
	/* kms:EncryptionContextKeys is multi-valued */
	p = s_policy("Allow", BOB, "kms:Encrypt",
	             "{\"ForAnyValue:StringEquals\":{\"kms:EncryptionContextKeys\":\"tenant\"}}");
	s_set_policy(id, p);
	free(p);
	s_allowed("Encrypt", BOB_P,
	          json_pack("{s:s, s:{s:s, s:s}}", "KeyId", id, "EncryptionContext", "a", "1",
	                    "tenant", "x"));
	s_denied("Encrypt", BOB_P, s_ctx_req(id, "a", "1"));
}

/* A context with n pairs of 60 bytes each ("key-NNNN": "v..."). */
static json_t *s_big_context(size_t n)
{
	json_t *ctx = json_object();
	char key[16], val[64];
	memset(val, 'v', 51);
	val[51] = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof key, "key-%04zu", i);
		assert_int_equal(json_object_set_new(ctx, key, json_string(val)), 0);
	}
	return ctx;
}

static void s_refused(const char *op, enum who w, json_t *in)
{
	if (s_authorize(op, w, in) == 0)
		fail_msg("%s allowed", op);
	if (strcmp(s_call.err.code, "ValidationException") != 0)
		fail_msg("%s: expected ValidationException, got %s: %s", op, s_call.err.code,
		         s_call.err.message);
}

/* An encryption context over 8192 bytes (160 pairs here, the kind that once
 * overflowed the authorization context) is refused by the authorize hook
 * itself, for whoever asks, before any policy is evaluated — the same for a
 * caller every policy allows and one none does. */
static void test_context_limit_before_authorization(void **state)
{
	(void)state;
	char id[37];
	s_key(id, NULL, NULL);
	char *p = s_policy("Allow", BOB, "kms:*", NULL);
	s_set_policy(id, p);
	free(p);
	static const char *const ops[] = {"Encrypt", "Decrypt", "GenerateDataKey",
	                                  "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
	                                  "GenerateDataKeyPairWithoutPlaintext"};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		s_refused(ops[i], BOB_P,
		          json_pack("{s:s, s:o}", "KeyId", id, "EncryptionContext", s_big_context(160)));
		s_refused(ops[i], CAROL_P,
		          json_pack("{s:s, s:o}", "KeyId", id, "EncryptionContext", s_big_context(160)));
		s_allowed(ops[i], BOB_P,
		          json_pack("{s:s, s:o}", "KeyId", id, "EncryptionContext", s_big_context(100)));
	}
	s_refused("ReEncrypt", BOB_P,
	          json_pack("{s:s, s:s, s:s, s:o}", "CiphertextBlob", "AAAA", "SourceKeyId", id,
	                    "DestinationKeyId", id, "SourceEncryptionContext", s_big_context(160)));
	s_refused("ReEncrypt", BOB_P,
	          json_pack("{s:s, s:s, s:s, s:o}", "CiphertextBlob", "AAAA", "SourceKeyId", id,
	                    "DestinationKeyId", id, "DestinationEncryptionContext",
	                    s_big_context(160)));
	/* a grant constraint: 8 pairs at most */
	s_refused("CreateGrant", BOB_P,
	          json_pack("{s:s, s:s, s:[s], s:{s:o}}", "KeyId", id, "GranteePrincipal", ALICE,
	                    "Operations", "Decrypt", "Constraints", "EncryptionContextSubset",
	                    s_big_context(9)));
	s_allowed("CreateGrant", BOB_P,
	          json_pack("{s:s, s:s, s:[s], s:{s:o}}", "KeyId", id, "GranteePrincipal", ALICE,
	                    "Operations", "Decrypt", "Constraints", "EncryptionContextSubset",
	                    s_big_context(6)));
}

static void test_put_key_policy_checks(void **state)
{
	(void)state;
	char id[37];
	s_key(id, NULL, NULL);
	/* lockout: a policy without PutKeyPolicy for the caller */
	const char *lock = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	                   "\"Principal\":{\"AWS\":\"" BOB "\"},\"Action\":\"kms:Encrypt\","
	                   "\"Resource\":\"*\"}]}";
	assert_null(s_handle("kms", "PutKeyPolicy", ROOT_P,
	                     json_pack("{s:s, s:s}", "KeyId", id, "Policy", lock)));
	assert_string_equal(s_call.err.code, "MalformedPolicyDocumentException");
	assert_string_equal(s_call.err.message,
	                    "The new key policy will not allow you to update the key policy in the "
	                    "future.");
	assert_null(s_handle("kms", "PutKeyPolicy", ROOT_P,
	                     json_pack("{s:s, s:s}", "KeyId", id, "Policy", "{\"Statement\":")));
	assert_string_equal(s_call.err.code, "MalformedPolicyDocumentException");
	assert_null(s_handle("kms", "PutKeyPolicy", ROOT_P,
	                     json_pack("{s:s, s:s, s:s}", "KeyId", id, "Policy", lock, "PolicyName",
	                               "other")));
	/* the bypass stores it */
	json_decref(s_ok("kms", "PutKeyPolicy", ROOT_P,
	                 json_pack("{s:s, s:s, s:b}", "KeyId", id, "Policy", lock,
	                           "BypassPolicyLockoutSafetyCheck", 1)));
	json_t *out = s_ok("kms", "GetKeyPolicy", ROOT_P, s_kid(id));
	assert_string_equal(json_string_value(json_object_get(out, "Policy")), lock);
	json_decref(out);
	s_denied("PutKeyPolicy", ROOT_P, s_kid(id)); /* locked out, as asked */
	/* CreateKey with a policy: validated the same way */
	assert_null(s_handle("kms", "CreateKey", ROOT_P, json_pack("{s:s}", "Policy", lock)));
	assert_string_equal(s_call.err.code, "MalformedPolicyDocumentException");
	char *ok = s_policy("Allow", BOB, "kms:Encrypt", NULL);
	json_t *md = s_ok("kms", "CreateKey", ROOT_P, json_pack("{s:s}", "Policy", ok));
	const char *nid = json_string_value(
		json_object_get(json_object_get(md, "KeyMetadata"), "KeyId"));
	s_allowed("Encrypt", BOB_P, s_kid(nid));
	s_denied("Encrypt", ROOT_P, s_kid(nid));
	json_decref(md);
	free(ok);
}

/* CreateKey stays IAM-only, with the request's kms: condition keys. */
static void test_create_key_iam_only(void **state)
{
	(void)state;
	s_allowed("CreateKey", ROOT_P, json_object());
	s_denied("CreateKey", CAROL_P, json_object());
	s_user_policy("carol", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	                       "\"Action\":\"kms:CreateKey\",\"Resource\":\"*\",\"Condition\":"
	                       "{\"StringEquals\":{\"kms:KeySpec\":\"HMAC_256\"}}}]}");
	s_allowed("CreateKey", CAROL_P,
	          json_pack("{s:s, s:s}", "KeySpec", "HMAC_256", "KeyUsage", "GENERATE_VERIFY_MAC"));
	s_denied("CreateKey", CAROL_P, json_object());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_policy_delegates),
		cmocka_unit_test(test_no_delegation),
		cmocka_unit_test(test_explicit_denies),
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_role_grantee_and_tokens),
		cmocka_unit_test(test_re_encrypt),
		cmocka_unit_test(test_condition_keys),
		cmocka_unit_test(test_context_limit_before_authorization),
		cmocka_unit_test(test_put_key_policy_checks),
		cmocka_unit_test(test_create_key_iam_only),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
