/* IAM permissions handlers called directly: managed policy versions (limit,
 * default, ids never reused), delete conflicts, attachment and boundary
 * counts, malformed and oversized documents, inline policies URL-encoded,
 * roles, paging, GetAccountAuthorizationDetails, and bw_iam_policies_for /
 * bw_iam_role_trust. */
/* clang-format off: cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/log.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_policy_set.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "store/doc.h"
#include "store/store.h"

#define ACCT "123456789012"
#define DOC_S3                                                                                     \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","                        \
	"\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"
#define DOC_KMS                                                                                    \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","                        \
	"\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"
#define TRUST                                                                                      \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","                        \
	"\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":"                   \
	"\"sts:AssumeRole\"}]}"

static char s_dir[64];
static struct bw_store *s_store;
static struct bw_call s_call;
extern const struct bw_op_table bw_iam_policy_ops;

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	return bw_test_store_open(s_dir, sizeof s_dir, "iampol", &s_store);
}

static int teardown(void **state)
{
	(void)state;
	return bw_test_store_close(s_dir, s_store);
}

/* Run an operation of the table; *out (may be NULL) gets the output. The
 * error code is in s_call.err.code. Takes the reference of in. */
static int s_run(const char *op, json_t *in, json_t **out)
{
	memset(&s_call, 0, sizeof s_call);
	s_call.model = bw_model_find("iam");
	s_call.op = bw_model_op(s_call.model, op);
	s_call.store = s_store;
	s_call.now_s = 1700000000.0;
	snprintf(s_call.account_id, sizeof s_call.account_id, "%s", ACCT);
	snprintf(s_call.region, sizeof s_call.region, "us-east-1");
	bw_principal_root(&s_call.principal, ACCT);
	const struct bw_op_impl *impl = NULL;
	for (size_t i = 0; i < bw_iam_policy_ops.nops; i++)
		if (strcmp(bw_iam_policy_ops.ops[i].name, op) == 0)
			impl = &bw_iam_policy_ops.ops[i];
	assert_non_null(impl);
	assert_non_null(s_call.op);
	json_t *o = json_object();
	int rc = impl->handler(&s_call, in, o);
	json_decref(in);
	if (out)
		*out = o;
	else
		json_decref(o);
	return rc;
}

static void s_ok(const char *op, json_t *in)
{
	int rc = s_run(op, in, NULL);
	if (rc != 0)
		fail_msg("%s failed: %s %s", op, s_call.err.code, s_call.err.message);
}

static void s_err(const char *op, json_t *in, const char *code)
{
	assert_int_equal(s_run(op, in, NULL), -1);
	if (strcmp(s_call.err.code, code) != 0)
		fail_msg("%s: want %s, got %s %s", op, code, s_call.err.code, s_call.err.message);
}

static void s_entity(const char *kind, const char *key, json_t *doc)
{
	assert_int_equal(bw_doc_put(s_store, kind, ACCT, key, doc), BW_STORE_OK);
	json_decref(doc);
}

static void s_user(const char *name, const char *key)
{
	char arn[128];
	snprintf(arn, sizeof arn, "arn:aws:iam::" ACCT ":user/%s", name);
	s_entity(BW_IAM_USER, key,
	         json_pack("{s:s,s:s,s:s,s:s,s:i}", "UserName", name, "UserId",
	                   "AIDAEXAMPLEUSER00001", "Arn", arn, "Path", "/", "CreateDate", 1));
}

static void s_group(const char *name, const char *key)
{
	char arn[128];
	snprintf(arn, sizeof arn, "arn:aws:iam::" ACCT ":group/%s", name);
	s_entity(BW_IAM_GROUP, key,
	         json_pack("{s:s,s:s,s:s,s:s,s:i}", "GroupName", name, "GroupId",
	                   "AGPAEXAMPLEGROUP0001", "Arn", arn, "Path", "/", "CreateDate", 1));
}

static void s_member(const char *user, const char *ukey, const char *group, const char *gkey)
{
	char k[128];
	snprintf(k, sizeof k, "%s/%s", ukey, gkey);
	s_entity(BW_IAM_USER_GROUP, k,
	         json_pack("{s:s,s:s}", "GroupName", group, "UserName", user));
	snprintf(k, sizeof k, "%s/%s", gkey, ukey);
	s_entity(BW_IAM_GROUP_MEMBER, k,
	         json_pack("{s:s,s:s}", "GroupName", group, "UserName", user));
}

static char *s_create_policy(const char *name, const char *doc)
{
	json_t *out;
	assert_int_equal(s_run("CreatePolicy",
	                       json_pack("{s:s,s:s}", "PolicyName", name, "PolicyDocument", doc),
	                       &out),
	                 0);
	char *arn =
	    strdup(json_string_value(json_object_get(json_object_get(out, "Policy"), "Arn")));
	json_decref(out);
	return arn;
}

static json_int_t s_policy_count(const char *arn, const char *counter)
{
	json_t *out;
	assert_int_equal(s_run("GetPolicy", json_pack("{s:s}", "PolicyArn", arn), &out), 0);
	json_int_t n = json_integer_value(json_object_get(json_object_get(out, "Policy"), counter));
	json_decref(out);
	return n;
}

static void test_versions(void **state)
{
	(void)state;
	char *arn = s_create_policy("Versioned", DOC_S3);
	assert_string_equal(arn, "arn:aws:iam::" ACCT ":policy/Versioned");
	json_t *out;
	for (int i = 2; i <= 5; i++) {
		assert_int_equal(s_run("CreatePolicyVersion",
		                       json_pack("{s:s,s:s,s:b}", "PolicyArn", arn,
		                                 "PolicyDocument", DOC_KMS, "SetAsDefault", i == 3),
		                       &out),
		                 0);
		char want[8];
		snprintf(want, sizeof want, "v%d", i);
		assert_string_equal(json_string_value(json_object_get(
		                        json_object_get(out, "PolicyVersion"), "VersionId")),
		                    want);
		json_decref(out);
	}
	s_err("CreatePolicyVersion",
	      json_pack("{s:s,s:s}", "PolicyArn", arn, "PolicyDocument", DOC_KMS), "LimitExceeded");
	assert_string_equal(s_call.err.message,
	                    "A managed policy can have up to 5 versions. Before you create a new "
	                    "version, you must delete an existing version.");
	/* v3 is the default now */
	assert_int_equal(s_run("GetPolicy", json_pack("{s:s}", "PolicyArn", arn), &out), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(out, "Policy"), "DefaultVersionId")),
	    "v3");
	json_decref(out);
	s_err("DeletePolicyVersion", json_pack("{s:s,s:s}", "PolicyArn", arn, "VersionId", "v3"),
	      "DeleteConflict");
	assert_string_equal(s_call.err.message, "Cannot delete the default version of a policy.");
	s_err("DeletePolicyVersion", json_pack("{s:s,s:s}", "PolicyArn", arn, "VersionId", "v9"),
	      "NoSuchEntity");
	s_ok("DeletePolicyVersion", json_pack("{s:s,s:s}", "PolicyArn", arn, "VersionId", "v5"));
	/* ids are never reused: the next one is v6 */
	assert_int_equal(s_run("CreatePolicyVersion",
	                       json_pack("{s:s,s:s}", "PolicyArn", arn, "PolicyDocument", DOC_S3),
	                       &out),
	                 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(out, "PolicyVersion"), "VersionId")),
	    "v6");
	json_decref(out);
	/* the document comes back URL-encoded */
	assert_int_equal(s_run("GetPolicyVersion",
	                       json_pack("{s:s,s:s}", "PolicyArn", arn, "VersionId", "v3"), &out),
	                 0);
	const char *enc =
	    json_string_value(json_object_get(json_object_get(out, "PolicyVersion"), "Document"));
	struct bw_buf dec = {0};
	assert_int_equal(bw_url_decode(enc, strlen(enc), false, &dec), 0);
	assert_string_equal(bw_buf_cstr(&dec), DOC_KMS);
	bw_buf_free(&dec);
	json_decref(out);
	assert_int_equal(s_run("ListPolicyVersions",
	                       json_pack("{s:s,s:i}", "PolicyArn", arn, "MaxItems", 3), &out),
	                 0);
	assert_int_equal(json_array_size(json_object_get(out, "Versions")), 3);
	assert_true(json_is_true(json_object_get(out, "IsTruncated")));
	json_decref(out);
	/* versions left: no delete */
	s_err("DeletePolicy", json_pack("{s:s}", "PolicyArn", arn), "DeleteConflict");
	s_ok("SetDefaultPolicyVersion",
	     json_pack("{s:s,s:s}", "PolicyArn", arn, "VersionId", "v6"));
	const char *del[] = {"v1", "v2", "v3", "v4"};
	for (size_t i = 0; i < 4; i++)
		s_ok("DeletePolicyVersion",
		     json_pack("{s:s,s:s}", "PolicyArn", arn, "VersionId", del[i]));
	s_ok("DeletePolicy", json_pack("{s:s}", "PolicyArn", arn));
	s_err("GetPolicy", json_pack("{s:s}", "PolicyArn", arn), "NoSuchEntity");
	free(arn);
}

static void test_malformed_and_sizes(void **state)
{
	(void)state;
	s_err("CreatePolicy",
	      json_pack("{s:s,s:s}", "PolicyName", "Bad", "PolicyDocument", "{nope"),
	      "MalformedPolicyDocument");
	assert_true(strlen(s_call.err.message) > 0);
	/* an identity policy may not name a Principal */
	s_err("CreatePolicy", json_pack("{s:s,s:s}", "PolicyName", "Bad", "PolicyDocument", TRUST),
	      "MalformedPolicyDocument");
	/* a trust policy must */
	s_err("CreateRole",
	      json_pack("{s:s,s:s}", "RoleName", "r", "AssumeRolePolicyDocument", DOC_S3),
	      "MalformedPolicyDocument");
	/* 6144 characters without whitespace */
	char big[8192];
	int n = snprintf(big, sizeof big,
	                 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	                 "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::");
	memset(big + n, 'a', 6200);
	snprintf(big + n + 6200, sizeof big - (size_t)n - 6200, "\"}]}");
	s_err("CreatePolicy", json_pack("{s:s,s:s}", "PolicyName", "Big", "PolicyDocument", big),
	      "LimitExceeded");
	assert_string_equal(s_call.err.message, "Cannot exceed quota for PolicySize: 6144");
	/* whitespace does not count */
	char spaced[16384];
	n = snprintf(spaced, sizeof spaced, "{\"Version\":\"2012-10-17\",\"Statement\":[");
	memset(spaced + n, ' ', 7000);
	snprintf(spaced + n + 7000, sizeof spaced - (size_t)n - 7000,
	         "{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}");
	s_ok("CreatePolicy",
	     json_pack("{s:s,s:s}", "PolicyName", "Spaced", "PolicyDocument", spaced));
	s_err("CreatePolicy",
	      json_pack("{s:s,s:s}", "PolicyName", "SPACED", "PolicyDocument", DOC_S3),
	      "EntityAlreadyExists");
	/* inline user policies: 2048 in all */
	s_user("Ivy", "ivy");
	char mid[2048];
	n = snprintf(mid, sizeof mid,
	             "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	             "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::");
	memset(mid + n, 'b', 1100);
	snprintf(mid + n + 1100, sizeof mid - (size_t)n - 1100, "\"}]}");
	s_ok("PutUserPolicy", json_pack("{s:s,s:s,s:s}", "UserName", "Ivy", "PolicyName", "a",
	                                "PolicyDocument", mid));
	/* replacing the same policy is fine, a second one overflows */
	s_ok("PutUserPolicy", json_pack("{s:s,s:s,s:s}", "UserName", "ivy", "PolicyName", "A",
	                                "PolicyDocument", mid));
	s_err(
	    "PutUserPolicy",
	    json_pack("{s:s,s:s,s:s}", "UserName", "Ivy", "PolicyName", "b", "PolicyDocument", mid),
	    "LimitExceeded");
	s_err("PutUserPolicy",
	      json_pack("{s:s,s:s,s:s}", "UserName", "Nobody", "PolicyName", "b", "PolicyDocument",
	                DOC_S3),
	      "NoSuchEntity");
	s_err("PutUserPolicy",
	      json_pack("{s:s,s:s,s:s}", "UserName", "Ivy", "PolicyName", "c", "PolicyDocument",
	                "[1,2"),
	      "MalformedPolicyDocument");
	s_ok("DeleteUserPolicy", json_pack("{s:s,s:s}", "UserName", "Ivy", "PolicyName", "a"));
	s_err("DeleteUserPolicy", json_pack("{s:s,s:s}", "UserName", "Ivy", "PolicyName", "a"),
	      "NoSuchEntity");
	assert_string_equal(s_call.err.message, "The user policy with name a cannot be found.");
}

static void test_inline_roundtrip(void **state)
{
	(void)state;
	s_user("Ann", "ann");
	s_ok("PutUserPolicy", json_pack("{s:s,s:s,s:s}", "UserName", "Ann", "PolicyName", "p1",
	                                "PolicyDocument", DOC_S3));
	json_t *out;
	assert_int_equal(s_run("GetUserPolicy",
	                       json_pack("{s:s,s:s}", "UserName", "ann", "PolicyName", "P1"), &out),
	                 0);
	assert_string_equal(json_string_value(json_object_get(out, "UserName")), "Ann");
	const char *enc = json_string_value(json_object_get(out, "PolicyDocument"));
	assert_null(strchr(enc, '{'));
	struct bw_buf dec = {0};
	assert_int_equal(bw_url_decode(enc, strlen(enc), false, &dec), 0);
	assert_string_equal(bw_buf_cstr(&dec), DOC_S3);
	bw_buf_free(&dec);
	json_decref(out);
	assert_int_equal(s_run("ListUserPolicies", json_pack("{s:s}", "UserName", "Ann"), &out), 0);
	assert_int_equal(json_array_size(json_object_get(out, "PolicyNames")), 1);
	json_decref(out);
}

static void test_attach_counts(void **state)
{
	(void)state;
	s_user("Bob", "bob");
	char *arn = s_create_policy("Attachable", DOC_S3);
	s_ok("AttachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Bob", "PolicyArn", arn));
	s_ok("AttachUserPolicy", json_pack("{s:s,s:s}", "UserName", "bob", "PolicyArn", arn));
	assert_int_equal(s_policy_count(arn, "AttachmentCount"), 1);
	s_err("DeletePolicy", json_pack("{s:s}", "PolicyArn", arn), "DeleteConflict");
	assert_string_equal(s_call.err.message, "Cannot delete a policy attached to entities.");
	s_err("AttachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Nobody", "PolicyArn", arn),
	      "NoSuchEntity");
	s_err("AttachUserPolicy",
	      json_pack("{s:s,s:s}", "UserName", "Bob", "PolicyArn",
	                "arn:aws:iam::" ACCT ":policy/Missing"),
	      "NoSuchEntity");
	/* AWS managed: attachable, counted in the store, not editable */
	const char *admin = "arn:aws:iam::aws:policy/AdministratorAccess";
	s_ok("AttachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Bob", "PolicyArn", admin));
	assert_int_equal(s_policy_count(admin, "AttachmentCount"), 1);
	s_err("CreatePolicyVersion",
	      json_pack("{s:s,s:s}", "PolicyArn", admin, "PolicyDocument", DOC_S3), "AccessDenied");
	json_t *out;
	assert_int_equal(
	    s_run("ListAttachedUserPolicies", json_pack("{s:s}", "UserName", "Bob"), &out), 0);
	assert_int_equal(json_array_size(json_object_get(out, "AttachedPolicies")), 2);
	json_decref(out);
	assert_int_equal(s_run("ListEntitiesForPolicy", json_pack("{s:s}", "PolicyArn", arn), &out),
	                 0);
	assert_int_equal(json_array_size(json_object_get(out, "PolicyUsers")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(out, "PolicyUsers"), 0), "UserName")),
	    "Bob");
	json_decref(out);
	/* at most 10 managed policies per entity */
	char name[32];
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "Many%d", i);
		char *a = s_create_policy(name, DOC_S3);
		s_ok("AttachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Bob", "PolicyArn", a));
		free(a);
	}
	char *eleventh = s_create_policy("Eleventh", DOC_S3);
	s_err("AttachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Bob", "PolicyArn", eleventh),
	      "LimitExceeded");
	free(eleventh);
	s_ok("DetachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Bob", "PolicyArn", arn));
	assert_int_equal(s_policy_count(arn, "AttachmentCount"), 0);
	s_err("DetachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Bob", "PolicyArn", arn),
	      "NoSuchEntity");
	s_ok("DetachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Bob", "PolicyArn", admin));
	assert_int_equal(s_policy_count(admin, "AttachmentCount"), 0);
	s_ok("DeletePolicy", json_pack("{s:s}", "PolicyArn", arn));
	free(arn);
}

static void test_boundary_counts(void **state)
{
	(void)state;
	s_user("Cy", "cy");
	char *b1 = s_create_policy("Bound1", DOC_S3);
	char *b2 = s_create_policy("Bound2", DOC_KMS);
	s_ok("PutUserPermissionsBoundary",
	     json_pack("{s:s,s:s}", "UserName", "Cy", "PermissionsBoundary", b1));
	assert_int_equal(s_policy_count(b1, "PermissionsBoundaryUsageCount"), 1);
	s_ok("PutUserPermissionsBoundary",
	     json_pack("{s:s,s:s}", "UserName", "Cy", "PermissionsBoundary", b2));
	assert_int_equal(s_policy_count(b1, "PermissionsBoundaryUsageCount"), 0);
	assert_int_equal(s_policy_count(b2, "PermissionsBoundaryUsageCount"), 1);
	s_err("DeletePolicy", json_pack("{s:s}", "PolicyArn", b2), "DeleteConflict");
	json_t *out;
	assert_int_equal(s_run("ListEntitiesForPolicy",
	                       json_pack("{s:s,s:s}", "PolicyArn", b2, "PolicyUsageFilter",
	                                 "PermissionsBoundary"),
	                       &out),
	                 0);
	assert_int_equal(json_array_size(json_object_get(out, "PolicyUsers")), 1);
	json_decref(out);
	s_ok("DeleteUserPermissionsBoundary", json_pack("{s:s}", "UserName", "Cy"));
	assert_int_equal(s_policy_count(b2, "PermissionsBoundaryUsageCount"), 0);
	/* a role made with a boundary; deleting the role releases it */
	s_ok("CreateRole", json_pack("{s:s,s:s,s:s}", "RoleName", "Bounded",
	                             "AssumeRolePolicyDocument", TRUST, "PermissionsBoundary", b1));
	assert_int_equal(s_policy_count(b1, "PermissionsBoundaryUsageCount"), 1);
	s_ok("DeleteRole", json_pack("{s:s}", "RoleName", "Bounded"));
	assert_int_equal(s_policy_count(b1, "PermissionsBoundaryUsageCount"), 0);
	free(b1);
	free(b2);
}

static void test_roles(void **state)
{
	(void)state;
	json_t *out;
	assert_int_equal(
	    s_run("CreateRole",
	          json_pack("{s:s,s:s,s:s,s:s}", "RoleName", "Deployer", "Path", "/ci/",
	                    "AssumeRolePolicyDocument", TRUST, "Description", "d"),
	          &out),
	    0);
	json_t *role = json_object_get(out, "Role");
	assert_string_equal(json_string_value(json_object_get(role, "Arn")),
	                    "arn:aws:iam::" ACCT ":role/ci/Deployer");
	assert_int_equal(strncmp(json_string_value(json_object_get(role, "RoleId")), "AROA", 4), 0);
	assert_int_equal(json_integer_value(json_object_get(role, "MaxSessionDuration")), 3600);
	json_decref(out);
	s_err("CreateRole",
	      json_pack("{s:s,s:s}", "RoleName", "deployer", "AssumeRolePolicyDocument", TRUST),
	      "EntityAlreadyExists");
	/* MaxSessionDuration outside 3600..43200 is the validator's to refuse */
	s_ok("UpdateRole",
	     json_pack("{s:s,s:i}", "RoleName", "Deployer", "MaxSessionDuration", 7200));
	s_ok("PutRolePolicy", json_pack("{s:s,s:s,s:s}", "RoleName", "Deployer", "PolicyName", "in",
	                                "PolicyDocument", DOC_S3));
	s_ok("AttachRolePolicy", json_pack("{s:s,s:s}", "RoleName", "Deployer", "PolicyArn",
	                                   "arn:aws:iam::aws:policy/ReadOnlyAccess"));
	/* the role's policies for an assumed-role session */
	struct bw_principal p;
	memset(&p, 0, sizeof p);
	p.type = BW_PT_ASSUMED_ROLE;
	snprintf(p.account, sizeof p.account, ACCT);
	snprintf(p.role_name, sizeof p.role_name, "Deployer");
	json_t *ident, *bound;
	/* a principal is its unique id: another role of that name is not it */
	snprintf(p.role_id, sizeof p.role_id, "AROAOTHERROLE");
	assert_int_equal(bw_iam_policies_for(s_store, &p, &ident, &bound), BW_STORE_NOT_FOUND);
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_IAM_ROLE, ACCT, "deployer", &doc), BW_STORE_OK);
	snprintf(p.role_id, sizeof p.role_id, "%s",
	         json_string_value(json_object_get(doc, "RoleId")));
	json_decref(doc);
	assert_int_equal(bw_iam_policies_for(s_store, &p, &ident, &bound), 0);
	assert_int_equal(json_array_size(ident), 2);
	assert_null(bound);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ident, 1), "id")),
	                    "aws:ReadOnlyAccess:v1");
	json_decref(ident);
	s_err("DeleteRole", json_pack("{s:s}", "RoleName", "Deployer"), "DeleteConflict");
	assert_string_equal(s_call.err.message,
	                    "Cannot delete entity, must detach all policies first.");
	s_ok("DetachRolePolicy", json_pack("{s:s,s:s}", "RoleName", "Deployer", "PolicyArn",
	                                   "arn:aws:iam::aws:policy/ReadOnlyAccess"));
	s_err("DeleteRole", json_pack("{s:s}", "RoleName", "Deployer"), "DeleteConflict");
	assert_string_equal(s_call.err.message,
	                    "Cannot delete entity, must delete policies first.");
	s_ok("DeleteRolePolicy",
	     json_pack("{s:s,s:s}", "RoleName", "Deployer", "PolicyName", "in"));
	/* STS reads the trust policy as text */
	assert_int_equal(bw_iam_role_trust(s_store, ACCT, "DEPLOYER", &doc), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "AssumeRolePolicyDocument")),
	                    TRUST);
	assert_int_equal(json_integer_value(json_object_get(doc, "MaxSessionDuration")), 7200);
	json_decref(doc);
	s_ok("DeleteRole", json_pack("{s:s}", "RoleName", "Deployer"));
	assert_int_equal(bw_iam_role_trust(s_store, ACCT, "Deployer", &doc), BW_STORE_NOT_FOUND);
	s_err("GetRole", json_pack("{s:s}", "RoleName", "Deployer"), "NoSuchEntity");
}

static void test_policies_for_user(void **state)
{
	(void)state;
	s_user("Dee", "dee");
	s_group("Devs", "devs");
	s_group("Ops", "ops");
	s_member("Dee", "dee", "Devs", "devs");
	s_member("Dee", "dee", "Ops", "ops");
	char *mine = s_create_policy("DeeManaged", DOC_S3);
	char *devs = s_create_policy("DevsManaged", DOC_KMS);
	char *bound = s_create_policy("DeeBoundary", DOC_KMS);
	s_ok("PutUserPolicy", json_pack("{s:s,s:s,s:s}", "UserName", "Dee", "PolicyName", "own",
	                                "PolicyDocument", DOC_S3));
	s_ok("AttachUserPolicy", json_pack("{s:s,s:s}", "UserName", "Dee", "PolicyArn", mine));
	s_ok("PutGroupPolicy", json_pack("{s:s,s:s,s:s}", "GroupName", "Devs", "PolicyName", "gi",
	                                 "PolicyDocument", DOC_KMS));
	s_ok("AttachGroupPolicy", json_pack("{s:s,s:s}", "GroupName", "Devs", "PolicyArn", devs));
	s_ok("PutGroupPolicy", json_pack("{s:s,s:s,s:s}", "GroupName", "Ops", "PolicyName", "oi",
	                                 "PolicyDocument", DOC_S3));
	s_ok("PutUserPermissionsBoundary",
	     json_pack("{s:s,s:s}", "UserName", "Dee", "PermissionsBoundary", bound));
	struct bw_principal p;
	memset(&p, 0, sizeof p);
	p.type = BW_PT_IAM_USER;
	snprintf(p.account, sizeof p.account, ACCT);
	snprintf(p.user_name, sizeof p.user_name, "Dee");
	json_t *ident, *b;
	snprintf(p.principal_id, sizeof p.principal_id, "AIDAOTHERUSER");
	assert_int_equal(bw_iam_policies_for(s_store, &p, &ident, &b), BW_STORE_NOT_FOUND);
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_IAM_USER, ACCT, "dee", &doc), BW_STORE_OK);
	snprintf(p.principal_id, sizeof p.principal_id, "%s",
	         json_string_value(json_object_get(doc, "UserId")));
	json_decref(doc);
	assert_int_equal(bw_iam_policies_for(s_store, &p, &ident, &b), 0);
	assert_int_equal(json_array_size(ident), 5);
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(b, "doc")), DOC_KMS);
	assert_int_equal(strncmp(json_string_value(json_object_get(b, "id")), "managed:ANPA", 12),
	                 0);
	assert_int_equal(strncmp(json_string_value(json_object_get(json_array_get(ident, 0), "id")),
	                         "inline:user/dee/own:", 20),
	                 0);
	size_t i;
	json_t *it;
	json_array_foreach(ident, i, it)
	{
		const char *text = json_string_value(json_object_get(it, "doc"));
		assert_true(strcmp(text, DOC_S3) == 0 || strcmp(text, DOC_KMS) == 0);
	}
	json_decref(ident);
	json_decref(b);
	/* a new default version changes the id */
	assert_int_equal(s_run("CreatePolicyVersion",
	                       json_pack("{s:s,s:s,s:b}", "PolicyArn", mine, "PolicyDocument",
	                                 DOC_KMS, "SetAsDefault", 1),
	                       NULL),
	                 0);
	assert_int_equal(bw_iam_policies_for(s_store, &p, &ident, &b), 0);
	assert_non_null(
	    strstr(json_string_value(json_object_get(json_array_get(ident, 1), "id")), ":v2"));
	json_decref(ident);
	json_decref(b);
	/* root: nothing; a missing user: not found */
	bw_principal_root(&p, ACCT);
	assert_int_equal(bw_iam_policies_for(s_store, &p, &ident, &b), 0);
	assert_int_equal(json_array_size(ident), 0);
	json_decref(ident);
	p.type = BW_PT_IAM_USER;
	snprintf(p.user_name, sizeof p.user_name, "Ghost");
	assert_int_equal(bw_iam_policies_for(s_store, &p, &ident, &b), BW_STORE_NOT_FOUND);
	assert_null(ident);
	/* GetAccountAuthorizationDetails, users only: Dee with groups and policies */
	json_t *out;
	assert_int_equal(
	    s_run("GetAccountAuthorizationDetails", json_pack("{s:[s]}", "Filter", "User"), &out),
	    0);
	json_t *users = json_object_get(out, "UserDetailList");
	json_t *dee = NULL;
	json_array_foreach(users, i, it)
	{
		if (strcmp(json_string_value(json_object_get(it, "UserName")), "Dee") == 0)
			dee = it;
	}
	assert_non_null(dee);
	assert_int_equal(json_array_size(json_object_get(dee, "GroupList")), 2);
	assert_int_equal(json_array_size(json_object_get(dee, "UserPolicyList")), 1);
	assert_int_equal(json_array_size(json_object_get(dee, "AttachedManagedPolicies")), 1);
	assert_int_equal(json_array_size(json_object_get(out, "Policies")), 0);
	json_decref(out);
	/* paging over every section with MaxItems 1 sees each thing once */
	size_t seen = 0;
	const char *marker = NULL;
	char mbuf[1024];
	for (int guard = 0; guard < 200; guard++) {
		json_t *in = json_pack("{s:i}", "MaxItems", 1);
		if (marker)
			json_object_set_new(in, "Marker", json_string(marker));
		assert_int_equal(s_run("GetAccountAuthorizationDetails", in, &out), 0);
		seen += json_array_size(json_object_get(out, "UserDetailList")) +
		        json_array_size(json_object_get(out, "GroupDetailList")) +
		        json_array_size(json_object_get(out, "RoleDetailList")) +
		        json_array_size(json_object_get(out, "Policies"));
		bool more = json_is_true(json_object_get(out, "IsTruncated"));
		if (more)
			snprintf(mbuf, sizeof mbuf, "%s",
			         json_string_value(json_object_get(out, "Marker")));
		json_decref(out);
		if (!more)
			break;
		marker = mbuf;
	}
	assert_int_equal(s_run("GetAccountAuthorizationDetails", json_object(), &out), 0);
	size_t all = json_array_size(json_object_get(out, "UserDetailList")) +
	             json_array_size(json_object_get(out, "GroupDetailList")) +
	             json_array_size(json_object_get(out, "RoleDetailList")) +
	             json_array_size(json_object_get(out, "Policies"));
	json_decref(out);
	assert_int_equal(seen, all);
	free(mine);
	free(devs);
	free(bound);
}

static void test_list_policies(void **state)
{
	(void)state;
	json_t *out;
	assert_int_equal(s_run("ListPolicies", json_pack("{s:s}", "Scope", "AWS"), &out), 0);
	assert_int_equal(json_array_size(json_object_get(out, "Policies")), bw_iamp_aws_count());
	json_decref(out);
	/* all local policies, two at a time, each once */
	size_t local_total;
	assert_int_equal(s_run("ListPolicies", json_pack("{s:s}", "Scope", "Local"), &out), 0);
	local_total = json_array_size(json_object_get(out, "Policies"));
	json_decref(out);
	assert_true(local_total > 3);
	size_t seen = 0;
	char marker[512] = "";
	for (int guard = 0; guard < 100; guard++) {
		json_t *in = json_pack("{s:s,s:i}", "Scope", "All", "MaxItems", 2);
		if (marker[0])
			json_object_set_new(in, "Marker", json_string(marker));
		assert_int_equal(s_run("ListPolicies", in, &out), 0);
		seen += json_array_size(json_object_get(out, "Policies"));
		bool more = json_is_true(json_object_get(out, "IsTruncated"));
		if (more)
			snprintf(marker, sizeof marker, "%s",
			         json_string_value(json_object_get(out, "Marker")));
		json_decref(out);
		if (!more)
			break;
	}
	assert_int_equal(seen, local_total + bw_iamp_aws_count());
	assert_int_equal(s_run("ListPolicies",
	                       json_pack("{s:b,s:s}", "OnlyAttached", 1, "Scope", "Local"), &out),
	                 0);
	json_t *p;
	size_t i;
	json_array_foreach(json_object_get(out, "Policies"), i, p)
	{
		assert_true(json_integer_value(json_object_get(p, "AttachmentCount")) > 0);
	}
	json_decref(out);
}

static void test_instance_profiles(void **state)
{
	(void)state;
	json_t *out;
	assert_int_equal(s_run("CreateInstanceProfile",
	                       json_pack("{s:s,s:s}", "InstanceProfileName", "Web", "Path", "/apps/"),
	                       &out),
	                 0);
	json_t *ip = json_object_get(out, "InstanceProfile");
	assert_string_equal(json_string_value(json_object_get(ip, "Arn")),
	                    "arn:aws:iam::" ACCT ":instance-profile/apps/Web");
	assert_int_equal(strncmp(json_string_value(json_object_get(ip, "InstanceProfileId")), "AIPA",
	                         4),
	                 0);
	assert_int_equal(json_array_size(json_object_get(ip, "Roles")), 0);
	json_decref(out);
	/* names are unique regardless of case; malformed ones refused */
	s_err("CreateInstanceProfile", json_pack("{s:s}", "InstanceProfileName", "WEB"),
	      "EntityAlreadyExists");
	s_err("CreateInstanceProfile", json_pack("{s:s}", "InstanceProfileName", "a b"),
	      "ValidationError");
	s_err("CreateInstanceProfile",
	      json_pack("{s:s,s:s}", "InstanceProfileName", "p", "Path", "no-slash"),
	      "ValidationError");
	s_err("GetInstanceProfile", json_pack("{s:s}", "InstanceProfileName", "absent"),
	      "NoSuchEntity");

	s_ok("CreateRole", json_pack("{s:s,s:s}", "RoleName", "WebRole", "AssumeRolePolicyDocument",
	                             TRUST));
	s_ok("CreateRole", json_pack("{s:s,s:s}", "RoleName", "Other", "AssumeRolePolicyDocument",
	                             TRUST));
	s_err("AddRoleToInstanceProfile",
	      json_pack("{s:s,s:s}", "InstanceProfileName", "web", "RoleName", "nobody"),
	      "NoSuchEntity");
	s_ok("AddRoleToInstanceProfile",
	     json_pack("{s:s,s:s}", "InstanceProfileName", "web", "RoleName", "webrole"));
	/* one role at most, the same one included */
	s_err("AddRoleToInstanceProfile",
	      json_pack("{s:s,s:s}", "InstanceProfileName", "Web", "RoleName", "Other"),
	      "LimitExceeded");
	s_err("AddRoleToInstanceProfile",
	      json_pack("{s:s,s:s}", "InstanceProfileName", "Web", "RoleName", "WebRole"),
	      "LimitExceeded");
	assert_int_equal(s_run("GetInstanceProfile", json_pack("{s:s}", "InstanceProfileName", "Web"),
	                       &out),
	                 0);
	json_t *roles = json_object_get(json_object_get(out, "InstanceProfile"), "Roles");
	assert_int_equal(json_array_size(roles), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(roles, 0), "RoleName")),
	                    "WebRole");
	json_decref(out);
	assert_int_equal(s_run("ListInstanceProfilesForRole",
	                       json_pack("{s:s}", "RoleName", "WEBROLE"), &out),
	                 0);
	assert_int_equal(json_array_size(json_object_get(out, "InstanceProfiles")), 1);
	json_decref(out);

	/* neither side can be deleted while joined */
	s_err("DeleteRole", json_pack("{s:s}", "RoleName", "WebRole"), "DeleteConflict");
	assert_string_equal(s_call.err.message,
	                    "Cannot delete entity, must remove roles from instance profile first.");
	s_err("DeleteInstanceProfile", json_pack("{s:s}", "InstanceProfileName", "Web"),
	      "DeleteConflict");
	s_err("RemoveRoleFromInstanceProfile",
	      json_pack("{s:s,s:s}", "InstanceProfileName", "Web", "RoleName", "Other"),
	      "NoSuchEntity");
	s_ok("RemoveRoleFromInstanceProfile",
	     json_pack("{s:s,s:s}", "InstanceProfileName", "Web", "RoleName", "WebRole"));
	assert_int_equal(s_run("ListInstanceProfilesForRole",
	                       json_pack("{s:s}", "RoleName", "WebRole"), &out),
	                 0);
	assert_int_equal(json_array_size(json_object_get(out, "InstanceProfiles")), 0);
	json_decref(out);
	s_ok("DeleteRole", json_pack("{s:s}", "RoleName", "WebRole"));
	s_ok("DeleteRole", json_pack("{s:s}", "RoleName", "Other"));

	/* tags, and paging with a path prefix */
	s_ok("TagInstanceProfile", json_pack("{s:s,s:[{s:s,s:s}]}", "InstanceProfileName", "Web",
	                                     "Tags", "Key", "env", "Value", "prod"));
	assert_int_equal(s_run("ListInstanceProfileTags",
	                       json_pack("{s:s}", "InstanceProfileName", "web"), &out),
	                 0);
	assert_int_equal(json_array_size(json_object_get(out, "Tags")), 1);
	json_decref(out);
	s_ok("UntagInstanceProfile", json_pack("{s:s,s:[s]}", "InstanceProfileName", "Web",
	                                       "TagKeys", "env"));
	s_ok("CreateInstanceProfile", json_pack("{s:s,s:s}", "InstanceProfileName", "Api", "Path",
	                                        "/apps/"));
	s_ok("CreateInstanceProfile", json_pack("{s:s}", "InstanceProfileName", "Root"));
	assert_int_equal(s_run("ListInstanceProfiles",
	                       json_pack("{s:s,s:i}", "PathPrefix", "/apps/", "MaxItems", 1), &out),
	                 0);
	assert_int_equal(json_array_size(json_object_get(out, "InstanceProfiles")), 1);
	assert_true(json_is_true(json_object_get(out, "IsTruncated")));
	char *marker = strdup(json_string_value(json_object_get(out, "Marker")));
	json_decref(out);
	assert_int_equal(s_run("ListInstanceProfiles",
	                       json_pack("{s:s,s:i,s:s}", "PathPrefix", "/apps/", "MaxItems", 1,
	                                 "Marker", marker),
	                       &out),
	                 0);
	free(marker);
	assert_int_equal(json_array_size(json_object_get(out, "InstanceProfiles")), 1);
	assert_false(json_is_true(json_object_get(out, "IsTruncated")));
	json_decref(out);
	s_ok("DeleteInstanceProfile", json_pack("{s:s}", "InstanceProfileName", "web"));
	s_err("GetInstanceProfile", json_pack("{s:s}", "InstanceProfileName", "Web"),
	      "NoSuchEntity");
}

/* The root's federation session: its identity side allows everything, so
 * its session policies alone limit it. */
static void test_policies_for_root_federation(void **state)
{
	(void)state;
	struct bw_principal p;
	memset(&p, 0, sizeof p);
	p.type = BW_PT_FEDERATED_USER;
	snprintf(p.account, sizeof p.account, ACCT);
	json_t *ident, *bound;
	assert_int_equal(bw_iam_policies_for(s_store, &p, &ident, &bound), 0);
	assert_int_equal(json_array_size(ident), 1);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(ident, 0), "doc")),
	                       "\"Action\":\"*\""));
	assert_null(bound);
	json_decref(ident);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_versions),          cmocka_unit_test(test_malformed_and_sizes),
	    cmocka_unit_test(test_inline_roundtrip),  cmocka_unit_test(test_attach_counts),
	    cmocka_unit_test(test_boundary_counts),   cmocka_unit_test(test_roles),
	    cmocka_unit_test(test_policies_for_user), cmocka_unit_test(test_list_policies),
	    cmocka_unit_test(test_instance_profiles), cmocka_unit_test(test_policies_for_root_federation),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
