/* IAM identities, handlers called directly on a temporary store: users
 * (create, get, rename moving what hangs off them, delete conflicts,
 * paging), tags, groups and membership, access keys (quota, sealing),
 * the account summary and alias. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/log.h"
#include "crypto/seal.h"
#include "gateway/resource.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "store/doc.h"
#include "store/store.h"

#define ACCT "123456789012"

static char s_dir[64];
static struct bw_store *s_store;
static struct bw_root_key s_root_key;
static struct bw_call s_call;
/* When set, s_run calls as this IAM user instead of the root. */
static const char *s_as_user;

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-iamu-XXXXXX");
	if (!mkdtemp(s_dir))
		return -1;
	memset(s_root_key.key, 0x42, sizeof s_root_key.key);
	s_root_key.loaded = true;
	return bw_store_open(s_dir, &s_store);
}

static int teardown(void **state)
{
	(void)state;
	bw_principal_clear(&s_call.principal);
	return bw_test_store_close(s_dir, s_store);
}

/* Run one operation through the service table as the root; returns the
 * output (or NULL when the call failed; s_call.err holds the error). */
static json_t *s_run(const char *op, json_t *in)
{
	bw_principal_clear(&s_call.principal);
	memset(&s_call, 0, sizeof s_call);
	s_call.model = bw_model_find("iam");
	assert_non_null(s_call.model);
	s_call.op = bw_model_op(s_call.model, op);
	assert_non_null(s_call.op);
	s_call.store = s_store;
	s_call.root_key = &s_root_key;
	s_call.now_s = 1700000000.0;
	snprintf(s_call.account_id, sizeof s_call.account_id, ACCT);
	snprintf(s_call.region, sizeof s_call.region, "us-east-1");
	bw_principal_root(&s_call.principal, ACCT);
	if (s_as_user) {
		s_call.principal.type = BW_PT_IAM_USER;
		snprintf(s_call.principal.user_name, sizeof s_call.principal.user_name, "%s",
		         s_as_user);
		snprintf(s_call.principal.arn, sizeof s_call.principal.arn,
		         "arn:aws:iam::" ACCT ":user/%s", s_as_user);
	}
	const struct bw_service *svc = bw_service_find("iam");
	assert_non_null(svc);
	const struct bw_op_impl *impl = bw_service_op(svc, op);
	assert_non_null(impl);
	json_t *out = json_object();
	int rc = impl->handler(&s_call, in, out);
	json_decref(in);
	if (rc != 0) {
		assert_true(s_call.failed);
		json_decref(out);
		return NULL;
	}
	assert_false(s_call.failed);
	return out;
}

static void s_ok(const char *op, json_t *in)
{
	json_t *out = s_run(op, in);
	if (!out)
		fail_msg("%s failed: %s %s", op, s_call.err.code, s_call.err.message);
	json_decref(out);
}

static void s_fails(const char *op, json_t *in, const char *code, const char *msg)
{
	json_t *out = s_run(op, in);
	if (out)
		fail_msg("%s succeeded, expected %s", op, code);
	assert_string_equal(s_call.err.code, code);
	if (msg)
		assert_string_equal(s_call.err.message, msg);
}

static const char *s_str(const json_t *o, const char *path1, const char *path2)
{
	const json_t *v = json_object_get(o, path1);
	if (path2)
		v = json_object_get(v, path2);
	return json_string_value(v);
}

static void test_create_get_and_case_insensitive_names(void **state)
{
	(void)state;
	json_t *out = s_run("CreateUser", json_pack("{s:s, s:s}", "UserName", "Alice", "Path",
	                                            "/eng/"));
	assert_non_null(out);
	assert_string_equal(s_str(out, "User", "UserName"), "Alice");
	assert_string_equal(s_str(out, "User", "Arn"), "arn:aws:iam::" ACCT ":user/eng/Alice");
	const char *id = s_str(out, "User", "UserId");
	assert_int_equal(strlen(id), 21);
	assert_memory_equal(id, "AIDA", 4);
	json_t *iddoc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_IAM_ID, ACCT, id, &iddoc), BW_STORE_OK);
	assert_string_equal(s_str(iddoc, "Name", NULL), "Alice");
	json_decref(iddoc);
	json_decref(out);

	s_fails("CreateUser", json_pack("{s:s}", "UserName", "alice"), "EntityAlreadyExists",
	        "User with name alice already exists.");
	s_fails("CreateUser", json_pack("{s:s}", "UserName", "bad name"), "ValidationError", NULL);
	s_fails("CreateUser", json_pack("{s:s, s:s}", "UserName", "x", "Path", "eng"),
	        "ValidationError", NULL);
	s_fails("CreateUser",
	        json_pack("{s:s, s:s}", "UserName", "x", "PermissionsBoundary",
	                  "arn:aws:iam::" ACCT ":policy/Nope"),
	        "NoSuchEntity", NULL);
	out = s_run("CreateUser", json_pack("{s:s, s:s}", "UserName", "bounded", "PermissionsBoundary",
	                                    "arn:aws:iam::aws:policy/ReadOnlyAccess"));
	assert_non_null(out);
	assert_string_equal(s_str(json_object_get(out, "User"), "PermissionsBoundary",
	                          "PermissionsBoundaryArn"),
	                    "arn:aws:iam::aws:policy/ReadOnlyAccess");
	json_decref(out);

	out = s_run("GetUser", json_pack("{s:s}", "UserName", "ALICE"));
	assert_non_null(out);
	assert_string_equal(s_str(out, "User", "UserName"), "Alice");
	json_decref(out);
	s_fails("GetUser", json_pack("{s:s}", "UserName", "nobody"), "NoSuchEntity",
	        "The user with name nobody cannot be found.");

	/* no UserName as the root: the root's shape, no name or path */
	out = s_run("GetUser", json_object());
	assert_non_null(out);
	assert_string_equal(s_str(out, "User", "UserId"), ACCT);
	assert_string_equal(s_str(out, "User", "Arn"), "arn:aws:iam::" ACCT ":root");
	assert_null(s_str(out, "User", "UserName"));
	json_decref(out);
}

static void test_rename_moves_everything(void **state)
{
	(void)state;
	s_ok("CreateUser", json_pack("{s:s}", "UserName", "alice"));
	s_ok("CreateGroup", json_pack("{s:s}", "GroupName", "devs"));
	s_ok("AddUserToGroup", json_pack("{s:s, s:s}", "GroupName", "devs", "UserName", "alice"));
	json_t *key = s_run("CreateAccessKey", json_pack("{s:s}", "UserName", "alice"));
	assert_non_null(key);
	char akid[32];
	snprintf(akid, sizeof akid, "%s", s_str(key, "AccessKey", "AccessKeyId"));
	json_decref(key);
	/* the policies engineer's documents of this user */
	const char *parn = "arn:aws:iam::" ACCT ":policy/P1";
	json_t *att = json_pack("{s:s, s:s}", "PolicyArn", parn, "PolicyName", "P1");
	json_t *ent = json_pack("{s:s, s:s}", "EntityType", "User", "EntityName", "alice");
	json_t *inl = json_pack("{s:s, s:s}", "PolicyName", "inl", "PolicyDocument", "{}");
	char k[256];
	snprintf(k, sizeof k, "user/alice/%s", parn);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_ATTACHED, ACCT, k, att), BW_STORE_OK);
	snprintf(k, sizeof k, "%s/user/alice", parn);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_POLICY_ENTITY, ACCT, k, ent), BW_STORE_OK);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_INLINE, ACCT, "user/alice/inl", inl), BW_STORE_OK);
	json_decref(att);
	json_decref(ent);
	json_decref(inl);

	s_fails("UpdateUser", json_pack("{s:s, s:s}", "UserName", "ghost", "NewUserName", "x"),
	        "NoSuchEntity", NULL);
	s_ok("UpdateUser", json_pack("{s:s, s:s, s:s}", "UserName", "alice", "NewUserName", "Alicia",
	                             "NewPath", "/eng/"));
	s_fails("GetUser", json_pack("{s:s}", "UserName", "alice"), "NoSuchEntity", NULL);
	json_t *out = s_run("GetUser", json_pack("{s:s}", "UserName", "alicia"));
	assert_non_null(out);
	assert_string_equal(s_str(out, "User", "Arn"), "arn:aws:iam::" ACCT ":user/eng/Alicia");
	json_decref(out);

	out = s_run("ListGroupsForUser", json_pack("{s:s}", "UserName", "Alicia"));
	assert_non_null(out);
	assert_int_equal(json_array_size(json_object_get(out, "Groups")), 1);
	json_decref(out);
	out = s_run("GetGroup", json_pack("{s:s}", "GroupName", "devs"));
	assert_non_null(out);
	assert_string_equal(s_str(json_array_get(json_object_get(out, "Users"), 0), "UserName", NULL),
	                    "Alicia");
	json_decref(out);
	out = s_run("ListAccessKeys", json_pack("{s:s}", "UserName", "Alicia"));
	assert_non_null(out);
	json_t *meta = json_array_get(json_object_get(out, "AccessKeyMetadata"), 0);
	assert_string_equal(s_str(meta, "AccessKeyId", NULL), akid);
	assert_string_equal(s_str(meta, "UserName", NULL), "Alicia");
	json_decref(out);

	size_t n = 9;
	assert_int_equal(bw_doc_count(s_store, BW_IAM_ATTACHED, ACCT, "user/alicia/", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(bw_doc_count(s_store, BW_IAM_INLINE, ACCT, "user/alicia/", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(bw_doc_count(s_store, BW_IAM_INLINE, ACCT, "user/alice/", &n), 0);
	assert_int_equal(n, 0);
	json_t *e = NULL;
	snprintf(k, sizeof k, "%s/user/alicia", parn);
	assert_int_equal(bw_doc_get(s_store, BW_IAM_POLICY_ENTITY, ACCT, k, &e), BW_STORE_OK);
	assert_string_equal(s_str(e, "EntityName", NULL), "Alicia");
	json_decref(e);

	/* a name taken by another user */
	s_ok("CreateUser", json_pack("{s:s}", "UserName", "bob"));
	s_fails("UpdateUser", json_pack("{s:s, s:s}", "UserName", "bob", "NewUserName", "ALICIA"),
	        "EntityAlreadyExists", NULL);
	/* a case-only rename keeps the key */
	s_ok("UpdateUser", json_pack("{s:s, s:s}", "UserName", "bob", "NewUserName", "Bob"));
	out = s_run("GetUser", json_pack("{s:s}", "UserName", "bob"));
	assert_string_equal(s_str(out, "User", "UserName"), "Bob");
	json_decref(out);
}

static void test_delete_conflicts(void **state)
{
	(void)state;
	s_ok("CreateUser", json_pack("{s:s}", "UserName", "carol"));
	s_ok("CreateGroup", json_pack("{s:s}", "GroupName", "ops"));
	s_ok("AddUserToGroup", json_pack("{s:s, s:s}", "GroupName", "ops", "UserName", "carol"));
	json_t *key = s_run("CreateAccessKey", json_pack("{s:s}", "UserName", "carol"));
	char akid[32];
	snprintf(akid, sizeof akid, "%s", s_str(key, "AccessKey", "AccessKeyId"));
	json_decref(key);
	json_t *d = json_object();
	assert_int_equal(bw_doc_put(s_store, BW_IAM_INLINE, ACCT, "user/carol/p", d), BW_STORE_OK);
	assert_int_equal(bw_doc_put(s_store, BW_IAM_ATTACHED, ACCT, "user/carol/arn:x", d),
	                 BW_STORE_OK);
	json_decref(d);

	s_fails("DeleteUser", json_pack("{s:s}", "UserName", "carol"), "DeleteConflict",
	        "Cannot delete entity, must delete access keys first.");
	s_ok("DeleteAccessKey", json_pack("{s:s, s:s}", "UserName", "carol", "AccessKeyId", akid));
	s_fails("DeleteUser", json_pack("{s:s}", "UserName", "carol"), "DeleteConflict",
	        "Cannot delete entity, must remove users from group first.");
	s_fails("DeleteGroup", json_pack("{s:s}", "GroupName", "ops"), "DeleteConflict",
	        "Cannot delete entity, must remove users from group first.");
	s_ok("RemoveUserFromGroup", json_pack("{s:s, s:s}", "GroupName", "ops", "UserName", "carol"));
	s_fails("RemoveUserFromGroup",
	        json_pack("{s:s, s:s}", "GroupName", "ops", "UserName", "carol"), "NoSuchEntity",
	        NULL);
	s_fails("DeleteUser", json_pack("{s:s}", "UserName", "carol"), "DeleteConflict",
	        "Cannot delete entity, must delete policies first.");
	assert_int_equal(bw_doc_delete(s_store, BW_IAM_INLINE, ACCT, "user/carol/p"), BW_STORE_OK);
	s_fails("DeleteUser", json_pack("{s:s}", "UserName", "carol"), "DeleteConflict",
	        "Cannot delete entity, must detach all policies first.");
	assert_int_equal(bw_doc_delete(s_store, BW_IAM_ATTACHED, ACCT, "user/carol/arn:x"),
	                 BW_STORE_OK);
	s_ok("DeleteUser", json_pack("{s:s}", "UserName", "carol"));
	s_ok("DeleteGroup", json_pack("{s:s}", "GroupName", "ops"));
	s_fails("DeleteUser", json_pack("{s:s}", "UserName", "carol"), "NoSuchEntity", NULL);
	size_t n = 9;
	assert_int_equal(bw_doc_count(s_store, BW_IAM_ID, ACCT, NULL, &n), 0);
	assert_int_equal(n, 0);
}

static void test_paging(void **state)
{
	(void)state;
	char name[16];
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof name, "user%d", i);
		s_ok("CreateUser", json_pack("{s:s, s:s}", "UserName", name, "Path",
		                             i % 2 ? "/odd/" : "/"));
	}
	json_t *seen = json_array();
	const char *marker = NULL;
	char mbuf[400];
	int pages = 0;
	for (;;) {
		json_t *in = json_pack("{s:i}", "MaxItems", 3);
		if (marker)
			json_object_set_new(in, "Marker", json_string(marker));
		json_t *out = s_run("ListUsers", in);
		assert_non_null(out);
		pages++;
		json_t *users = json_object_get(out, "Users");
		assert_true(json_array_size(users) <= 3);
		for (size_t i = 0; i < json_array_size(users); i++)
			json_array_append(seen, json_object_get(json_array_get(users, i), "UserName"));
		bool more = json_is_true(json_object_get(out, "IsTruncated"));
		if (more) {
			snprintf(mbuf, sizeof mbuf, "%s", s_str(out, "Marker", NULL));
			marker = mbuf;
		}
		json_decref(out);
		if (!more)
			break;
	}
	assert_int_equal(pages, 3);
	assert_int_equal(json_array_size(seen), 7);
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof name, "user%d", i);
		assert_string_equal(json_string_value(json_array_get(seen, (size_t)i)), name);
	}
	json_decref(seen);

	/* a filter across pages: three odd users, two per page */
	json_t *out = s_run("ListUsers", json_pack("{s:s, s:i}", "PathPrefix", "/odd", "MaxItems", 2));
	assert_int_equal(json_array_size(json_object_get(out, "Users")), 2);
	assert_true(json_is_true(json_object_get(out, "IsTruncated")));
	snprintf(mbuf, sizeof mbuf, "%s", s_str(out, "Marker", NULL));
	json_decref(out);
	out = s_run("ListUsers", json_pack("{s:s, s:i, s:s}", "PathPrefix", "/odd", "MaxItems", 2,
	                                   "Marker", mbuf));
	assert_int_equal(json_array_size(json_object_get(out, "Users")), 1);
	assert_string_equal(s_str(json_array_get(json_object_get(out, "Users"), 0), "UserName", NULL),
	                    "user5");
	assert_false(json_is_true(json_object_get(out, "IsTruncated")));
	json_decref(out);
	s_fails("ListUsers", json_pack("{s:s}", "Marker", "!!!"), "ValidationError", NULL);
}

static json_t *s_tags(int n, const char *prefix)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++) {
		char k[32];
		snprintf(k, sizeof k, "%s%d", prefix, i);
		json_array_append_new(a, json_pack("{s:s, s:s}", "Key", k, "Value", "v"));
	}
	return a;
}

static void test_tags(void **state)
{
	(void)state;
	s_ok("CreateUser", json_pack("{s:s, s:o}", "UserName", "dan", "Tags", s_tags(2, "k")));
	s_fails("TagUser",
	        json_pack("{s:s, s:[{s:s,s:s},{s:s,s:s}]}", "UserName", "dan", "Tags", "Key", "Team",
	                  "Value", "a", "Key", "team", "Value", "b"),
	        "InvalidInput",
	        "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
	s_fails("TagUser", json_pack("{s:s, s:[{s:s,s:s}]}", "UserName", "dan", "Tags", "Key",
	                             "aws:x", "Value", "a"),
	        "InvalidInput", NULL);
	s_fails("TagUser", json_pack("{s:s, s:[{s:s,s:s}]}", "UserName", "dan", "Tags", "Key",
	                             "bad*key", "Value", "a"),
	        "ValidationError", NULL);
	s_fails("TagUser", json_pack("{s:s, s:o}", "UserName", "dan", "Tags", s_tags(49, "t")),
	        "LimitExceeded", NULL);
	s_ok("TagUser", json_pack("{s:s, s:o}", "UserName", "dan", "Tags", s_tags(48, "t")));
	/* an existing key (any case) is overwritten, not added */
	s_ok("TagUser", json_pack("{s:s, s:[{s:s,s:s}]}", "UserName", "dan", "Tags", "Key", "K0",
	                          "Value", "new"));
	json_t *out = s_run("ListUserTags", json_pack("{s:s, s:i}", "UserName", "dan", "MaxItems", 30));
	assert_int_equal(json_array_size(json_object_get(out, "Tags")), 30);
	assert_true(json_is_true(json_object_get(out, "IsTruncated")));
	json_t *first = json_array_get(json_object_get(out, "Tags"), 0);
	assert_string_equal(s_str(first, "Key", NULL), "K0");
	assert_string_equal(s_str(first, "Value", NULL), "new");
	char marker[64];
	snprintf(marker, sizeof marker, "%s", s_str(out, "Marker", NULL));
	json_decref(out);
	out = s_run("ListUserTags", json_pack("{s:s, s:s}", "UserName", "dan", "Marker", marker));
	assert_int_equal(json_array_size(json_object_get(out, "Tags")), 20);
	assert_false(json_is_true(json_object_get(out, "IsTruncated")));
	json_decref(out);
	s_ok("UntagUser", json_pack("{s:s, s:[s,s]}", "UserName", "dan", "TagKeys", "k0", "nope"));
	out = s_run("ListUserTags", json_pack("{s:s}", "UserName", "dan"));
	assert_int_equal(json_array_size(json_object_get(out, "Tags")), 49);
	json_decref(out);
}

static void test_access_keys_quota_and_sealing(void **state)
{
	(void)state;
	s_ok("CreateUser", json_pack("{s:s}", "UserName", "erin"));
	s_ok("CreateUser", json_pack("{s:s}", "UserName", "frank"));
	json_t *k1 = s_run("CreateAccessKey", json_pack("{s:s}", "UserName", "erin"));
	assert_non_null(k1);
	s_ok("CreateAccessKey", json_pack("{s:s}", "UserName", "erin"));
	s_fails("CreateAccessKey", json_pack("{s:s}", "UserName", "erin"), "LimitExceeded",
	        "Cannot exceed quota for AccessKeysPerUser: 2");
	s_fails("CreateAccessKey", json_pack("{s:s}", "UserName", "ghost"), "NoSuchEntity", NULL);
	const char *akid = s_str(k1, "AccessKey", "AccessKeyId");
	const char *secret = s_str(k1, "AccessKey", "SecretAccessKey");
	assert_int_equal(strlen(akid), 20);
	assert_memory_equal(akid, "AKIA", 4);
	assert_int_equal(strlen(secret), 40);

	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_IAM_ACCESS_KEY, ACCT, akid, &doc), BW_STORE_OK);
	char *text = json_dumps(doc, 0);
	assert_null(strstr(text, secret));
	free(text);
	assert_string_equal(s_str(doc, "Owner", NULL), "user");
	assert_string_equal(s_str(doc, "UserName", NULL), "erin");
	struct bw_buf sealed = {0}, plain = {0};
	const char *b64 = s_str(doc, "SecretSealed", NULL);
	assert_int_equal(bw_base64_decode(b64, strlen(b64), &sealed), 0);
	char aad[64];
	assert_int_equal(bw_iam_secret_aad(ACCT, akid, aad, sizeof aad), 0);
	assert_int_equal(bw_unseal(&s_root_key, BW_SEAL_PURPOSE_SECRET_KEY, bw_cur_str(aad),
	                           bw_cur_from(sealed.data, sealed.len), &plain),
	                 0);
	assert_int_equal(plain.len, 40);
	assert_memory_equal(plain.data, secret, 40);
	bw_buf_free(&plain);
	assert_int_not_equal(bw_unseal(&s_root_key, BW_SEAL_PURPOSE_SECRET_KEY,
	                               bw_cur_str("999999999999|AKIAOTHER"),
	                               bw_cur_from(sealed.data, sealed.len), &plain),
	                     0);
	bw_buf_free(&plain);
	bw_buf_free(&sealed);
	json_decref(doc);

	/* another user's key is not found through this user */
	s_fails("UpdateAccessKey",
	        json_pack("{s:s, s:s, s:s}", "UserName", "frank", "AccessKeyId", akid, "Status",
	                  "Inactive"),
	        "NoSuchEntity", NULL);
	s_ok("UpdateAccessKey", json_pack("{s:s, s:s, s:s}", "UserName", "erin", "AccessKeyId", akid,
	                                  "Status", "Inactive"));
	json_t *out = s_run("ListAccessKeys", json_pack("{s:s}", "UserName", "erin"));
	assert_int_equal(json_array_size(json_object_get(out, "AccessKeyMetadata")), 2);
	char *listed = json_dumps(out, 0);
	assert_null(strstr(listed, "Secret"));
	free(listed);
	json_decref(out);
	out = s_run("GetAccessKeyLastUsed", json_pack("{s:s}", "AccessKeyId", akid));
	assert_string_equal(s_str(out, "UserName", NULL), "erin");
	assert_string_equal(s_str(out, "AccessKeyLastUsed", "ServiceName"), "N/A");
	assert_string_equal(s_str(out, "AccessKeyLastUsed", "Region"), "N/A");
	assert_null(json_object_get(json_object_get(out, "AccessKeyLastUsed"), "LastUsedDate"));
	json_decref(out);
	json_decref(k1);

	/* the root's own key: no UserName */
	out = s_run("CreateAccessKey", json_object());
	assert_non_null(out);
	const char *rid = s_str(out, "AccessKey", "AccessKeyId");
	assert_int_equal(bw_doc_get(s_store, BW_IAM_ACCESS_KEY, ACCT, rid, &doc), BW_STORE_OK);
	assert_string_equal(s_str(doc, "Owner", NULL), "root");
	json_decref(doc);
	json_decref(out);
	out = s_run("ListAccessKeys", json_object());
	assert_int_equal(json_array_size(json_object_get(out, "AccessKeyMetadata")), 1);
	json_decref(out);
	/* an IAM user without UserName acts on its own keys */
	s_as_user = "frank";
	out = s_run("CreateAccessKey", json_object());
	s_as_user = NULL;
	assert_non_null(out);
	assert_string_equal(s_str(out, "AccessKey", "UserName"), "frank");
	json_decref(out);
	s_as_user = "frank";
	out = s_run("ListAccessKeys", json_object());
	s_as_user = NULL;
	assert_int_equal(json_array_size(json_object_get(out, "AccessKeyMetadata")), 1);
	json_decref(out);
	out = s_run("GetAccountSummary", json_object());
	json_t *map = json_object_get(out, "SummaryMap");
	assert_int_equal(json_integer_value(json_object_get(map, "Users")), 2);
	assert_int_equal(json_integer_value(json_object_get(map, "AccountAccessKeysPresent")), 1);
	assert_int_equal(json_integer_value(json_object_get(map, "AccessKeysPerUserQuota")), 2);
	assert_int_equal(json_integer_value(json_object_get(map, "UsersQuota")), 5000);
	json_decref(out);
}

static void test_groups_and_aliases(void **state)
{
	(void)state;
	s_ok("CreateGroup", json_pack("{s:s, s:s}", "GroupName", "Admins", "Path", "/a/"));
	s_fails("CreateGroup", json_pack("{s:s}", "GroupName", "admins"), "EntityAlreadyExists",
	        "Group with name admins already exists.");
	s_ok("CreateUser", json_pack("{s:s}", "UserName", "gus"));
	s_ok("AddUserToGroup", json_pack("{s:s, s:s}", "GroupName", "admins", "UserName", "gus"));
	s_ok("AddUserToGroup", json_pack("{s:s, s:s}", "GroupName", "admins", "UserName", "gus"));
	s_fails("AddUserToGroup", json_pack("{s:s, s:s}", "GroupName", "nope", "UserName", "gus"),
	        "NoSuchEntity", "The group with name nope cannot be found.");
	s_ok("UpdateGroup", json_pack("{s:s, s:s}", "GroupName", "admins", "NewGroupName", "Root"));
	json_t *out = s_run("ListGroupsForUser", json_pack("{s:s}", "UserName", "gus"));
	json_t *g = json_array_get(json_object_get(out, "Groups"), 0);
	assert_string_equal(s_str(g, "GroupName", NULL), "Root");
	assert_string_equal(s_str(g, "Arn", NULL), "arn:aws:iam::" ACCT ":group/a/Root");
	json_decref(out);
	out = s_run("ListGroups", json_pack("{s:s}", "PathPrefix", "/a/"));
	assert_int_equal(json_array_size(json_object_get(out, "Groups")), 1);
	json_decref(out);

	s_ok("CreateAccountAlias", json_pack("{s:s}", "AccountAlias", "my-corp"));
	s_ok("CreateAccountAlias", json_pack("{s:s}", "AccountAlias", "my-corp"));
	s_fails("CreateAccountAlias", json_pack("{s:s}", "AccountAlias", "other"),
	        "EntityAlreadyExists", NULL);
	s_fails("CreateAccountAlias", json_pack("{s:s}", "AccountAlias", "Bad--Alias"),
	        "ValidationError", NULL);
	out = s_run("ListAccountAliases", json_object());
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "AccountAliases"),
	                                                     0)),
	                    "my-corp");
	json_decref(out);
	s_fails("DeleteAccountAlias", json_pack("{s:s}", "AccountAlias", "other"), "NoSuchEntity",
	        NULL);
	s_ok("DeleteAccountAlias", json_pack("{s:s}", "AccountAlias", "my-corp"));
}

static void test_resource_locators(void **state)
{
	(void)state;
	s_ok("CreateUser", json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "UserName", "hal", "Path",
	                             "/x/y/", "Tags", "Key", "team", "Value", "red"));
	const struct bw_op_impl *impl = bw_service_op(bw_service_find("iam"), "DeleteUser");
	assert_string_equal(impl->iam_action, "iam:DeleteUser");
	assert_false(impl->read_only);
	struct bw_resource res = {0};
	/* the ARN carries the stored name, whatever the case typed: a Deny on
	 * user/x/y/hal must hold for "HAL" */
	json_t *in = json_pack("{s:s}", "UserName", "HAL");
	assert_int_equal(impl->resource(&s_call, in, &res), 0);
	assert_string_equal(bw_buf_cstr(&res.arn), "arn:aws:iam::" ACCT ":user/x/y/hal");
	assert_true(res.found);
	assert_string_equal(json_string_value(json_object_get(res.tags, "team")), "red");
	json_decref(in);
	bw_resource_clean_up(&res);
	in = json_pack("{s:s}", "UserName", "newbie");
	assert_int_equal(impl->resource(&s_call, in, &res), 0);
	assert_string_equal(bw_buf_cstr(&res.arn), "arn:aws:iam::" ACCT ":user/newbie");
	assert_false(res.found);
	assert_null(res.tags);
	json_decref(in);
	bw_resource_clean_up(&res);
	impl = bw_service_op(bw_service_find("iam"), "GetGroup");
	assert_true(impl->read_only);
	in = json_pack("{s:s}", "GroupName", "g");
	assert_int_equal(impl->resource(&s_call, in, &res), 0);
	assert_string_equal(bw_buf_cstr(&res.arn), "arn:aws:iam::" ACCT ":group/g");
	json_decref(in);
	bw_resource_clean_up(&res);
	/* a managed policy by ARN in another case resolves to the stored one */
	s_ok("CreatePolicy", json_pack("{s:s, s:s}", "PolicyName", "Prot", "PolicyDocument",
	                               "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
	                               "\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"));
	impl = bw_service_op(bw_service_find("iam"), "DeletePolicy");
	in = json_pack("{s:s}", "PolicyArn", "arn:aws:iam::" ACCT ":policy/PROT");
	assert_int_equal(impl->resource(&s_call, in, &res), 0);
	assert_string_equal(bw_buf_cstr(&res.arn), "arn:aws:iam::" ACCT ":policy/Prot");
	json_decref(in);
	bw_resource_clean_up(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_get_and_case_insensitive_names, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_rename_moves_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_keys_quota_and_sealing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_and_aliases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resource_locators, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
