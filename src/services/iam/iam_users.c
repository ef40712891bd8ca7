/*
 * iam_users.c: IAM users — CreateUser, GetUser, UpdateUser (a rename moves
 * every document keyed by the name), DeleteUser (refused while anything
 * still hangs off the user) and ListUsers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/resource.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "store/doc.h"
#include "store/store.h"

#define S_AWS_POLICY_PREFIX "arn:aws:iam::aws:policy/"

/* A permissions boundary must name a managed policy that exists: one of
 * AWS's (arn:aws:iam::aws:policy/...) or one of this account's. */
static int s_check_boundary_or_fail(struct bw_call *call, const char *arn)
{
	if (strncmp(arn, S_AWS_POLICY_PREFIX, strlen(S_AWS_POLICY_PREFIX)) == 0 &&
	    arn[strlen(S_AWS_POLICY_PREFIX)] != 0)
		return 0;
	char own[64];
	snprintf(own, sizeof own, "arn:aws:iam::%s:policy/", call->account_id);
	const char *slash = strrchr(arn, '/');
	if (strncmp(arn, own, strlen(own)) != 0 || !slash || !bw_iam_name_ok(slash + 1, 128))
		return bw_fail(call, IAM_ARN_INVALID, arn);
	char key[BW_IAM_KEY_MAX];
	json_t *policy = NULL;
	if (bw_iam_key(slash + 1, key, sizeof key) != 0)
		return bw_fail(call, IAM_ARN_INVALID, arn);
	int rc = bw_doc_get(call->store, BW_IAM_POLICY, call->account_id, key, &policy);
	if (rc != BW_STORE_OK && rc != BW_STORE_NOT_FOUND)
		return bw_iam_internal(call);
	bool found = policy && strcmp(bw_iam_str(policy, "Arn") ? bw_iam_str(policy, "Arn") : "",
	                              arn) == 0;
	json_decref(policy);
	if (!found)
		return bw_fail(call, IAM_POLICY_NOT_ATTACHABLE, arn);
	return 0;
}

int bw_iam_register_id(struct bw_call *call, const char *prefix, const char *kind,
                       const char *name, char id[32])
{
	json_t *doc = json_pack("{s:s, s:s}", "Kind", kind, "Name", name);
	if (!doc)
		return bw_iam_internal(call);
	for (int attempt = 0; attempt < 8; attempt++) {
		if (bw_iam_new_id(prefix, id, 32) != 0)
			break;
		int rc = bw_doc_create(call->store, BW_IAM_ID, call->account_id, id, doc);
		if (rc == BW_STORE_EXISTS)
			continue;
		json_decref(doc);
		return rc == BW_STORE_OK ? 0 : bw_iam_internal(call);
	}
	json_decref(doc);
	return bw_iam_internal(call);
}

static int s_count_or_fail(struct bw_call *call, const char *kind, const char *prefix,
                           size_t *n)
{
	if (bw_doc_count(call->store, kind, call->account_id, prefix, n) != BW_STORE_OK)
		return bw_iam_internal(call);
	return 0;
}

static json_t *s_user_doc(struct bw_call *call, const char *name, const char *path,
                          const char *id)
{
	struct bw_buf arn = {0};
	json_t *doc = NULL;
	if (bw_iam_arn(call->account_id, "user", path, name, &arn) == 0)
		doc = json_pack("{s:s, s:s, s:s, s:s, s:I}", "Path", path, "UserName", name,
		                "UserId", id, "Arn", bw_buf_cstr(&arn), "CreateDate",
		                (json_int_t)call->now_s);
	bw_buf_free(&arn);
	return doc;
}

int bw_iam_create_user(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iam_str(in, "UserName");
	const char *path = bw_iam_str(in, "Path") ? bw_iam_str(in, "Path") : "/";
	const char *boundary = bw_iam_str(in, "PermissionsBoundary");
	const json_t *tags = json_object_get(in, "Tags");
	char key[BW_IAM_KEY_MAX], id[32];
	json_t *doc = NULL;
	size_t nusers = 0;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "UserName");
	if (bw_iam_check_name_or_fail(call, "userName", name, 64) != 0 ||
	    bw_iam_check_path_or_fail(call, "path", path) != 0 ||
	    bw_iam_check_tags_or_fail(call, tags) != 0 ||
	    (boundary && s_check_boundary_or_fail(call, boundary) != 0) ||
	    bw_iam_key_or_fail(call, name, key, sizeof key) != 0)
		return -1;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (s_count_or_fail(call, BW_IAM_USER, NULL, &nusers) != 0)
		goto error;
	if (nusers >= BW_IAM_QUOTA_USERS) {
		bw_fail(call, IAM_QUOTA_EXCEEDED, "UsersPerAccount", BW_IAM_QUOTA_USERS);
		goto error;
	}
	if (bw_iam_register_id(call, "AIDA", "user", name, id) != 0)
		goto error;
	doc = s_user_doc(call, name, path, id);
	if (!doc || (tags && json_array_size(tags) &&
	             json_object_set_new(doc, "Tags", json_deep_copy(tags)) != 0)) {
		bw_iam_internal(call);
		goto error;
	}
	/* as CreateRole does: the boundary's usage count and its entity record */
	if (boundary && bw_iamp_set_boundary(call, BW_IAMP_USER, doc, key, boundary) != 0)
		goto error;
	int rc = bw_doc_create(call->store, BW_IAM_USER, call->account_id, key, doc);
	if (rc == BW_STORE_EXISTS) {
		bw_fail(call, IAM_ENTITY_EXISTS, "User", name);
		goto error;
	}
	if (rc != BW_STORE_OK) {
		bw_iam_internal(call);
		goto error;
	}
	if (bw_store_commit(call->store) != 0) {
		json_decref(doc);
		return bw_iam_internal(call);
	}
	bw_resource_created(call, bw_iam_str(doc, "Arn"));
	rc = json_object_set_new(out, "User", doc);
	return rc == 0 ? 0 : bw_iam_internal(call);
error:
	json_decref(doc);
	bw_store_rollback(call->store);
	return -1;
}

/* The account root as GetUser answers for it: its id is the account's,
 * it has no name or path, and its creation date is the installation's. */
static int s_root_user(struct bw_call *call, json_t *out)
{
	char meta_key[64], created[32], now[32];
	snprintf(meta_key, sizeof meta_key, "iam/root-create-date/%s", call->account_id);
	snprintf(now, sizeof now, "%lld", (long long)call->now_s);
	if (bw_store_meta_ensure(call->store, meta_key, now, created, sizeof created) != 0)
		return bw_iam_internal(call);
	char arn[64];
	snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", call->account_id);
	json_t *user = json_pack("{s:s, s:s, s:I}", "UserId", call->account_id, "Arn", arn,
	                         "CreateDate", (json_int_t)strtoll(created, NULL, 10));
	if (!user || json_object_set_new(out, "User", user) != 0)
		return bw_iam_internal(call);
	return 0;
}

int bw_iam_get_user(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = NULL;
	json_t *doc = NULL;
	if (bw_iam_caller_user_or_fail(call, in, &name) != 0)
		return -1;
	if (!name[0])
		return s_root_user(call, out);
	if (bw_iam_user_load_or_fail(call, name, &doc) != 0)
		return -1;
	return json_object_set_new(out, "User", doc) == 0 ? 0 : bw_iam_internal(call);
}

/* Move what hangs off a user from old to new name: memberships on both
 * sides, access keys and their owner field, attached and inline policies
 * (and the policies' entity lists), and the unique id's name. */
static int s_move_user_relations(struct bw_call *call, const json_t *user, const char *old_key,
                                 const char *new_key, const char *new_name)
{
	char op[BW_IAM_KEY_MAX], np[BW_IAM_KEY_MAX], ok[BW_IAM_KEY_MAX], nk[BW_IAM_KEY_MAX];
	json_t *rows = NULL;
	size_t i;
	json_t *row;

	/* group memberships: iam/group-member <group>/<user>, by the user's groups */
	if (bw_iam_keyf(op, sizeof op, "%s/", old_key) != 0)
		goto error;
	if (bw_iam_list_all(call, BW_IAM_USER_GROUP, op, &rows) != 0)
		return -1;
	json_array_foreach(rows, i, row) {
		const char *group = bw_iam_str(json_object_get(row, "doc"), "GroupName");
		char gkey[BW_IAM_KEY_MAX];
		if (!group || bw_iam_key(group, gkey, sizeof gkey) != 0)
			continue;
		if (bw_iam_keyf(ok, sizeof ok, "%s/%s", gkey, old_key) != 0)
			goto error;
		if (bw_iam_keyf(nk, sizeof nk, "%s/%s", gkey, new_key) != 0)
			goto error;
		if (bw_iam_move_doc(call, BW_IAM_GROUP_MEMBER, ok, nk, "UserName", new_name) != 0)
			goto error;
	}
	json_decref(rows);
	rows = NULL;
	if (bw_iam_keyf(np, sizeof np, "%s/", new_key) != 0)
		goto error;
	if (bw_iam_move_prefix(call, BW_IAM_USER_GROUP, op, np, "UserName", new_name) != 0)
		return -1;

	/* access keys: the index rows and each key's owner name */
	if (bw_iam_list_all(call, BW_IAM_USER_ACCESS_KEY, op, &rows) != 0)
		return -1;
	json_array_foreach(rows, i, row) {
		const char *akid = bw_iam_str(json_object_get(row, "doc"), "AccessKeyId");
		if (akid && bw_iam_move_doc(call, BW_IAM_ACCESS_KEY, akid, akid, "UserName",
		                            new_name) != 0)
			goto error;
	}
	json_decref(rows);
	rows = NULL;
	if (bw_iam_move_prefix(call, BW_IAM_USER_ACCESS_KEY, op, np, NULL, NULL) != 0)
		return -1;

	return bw_iam_move_entity_policies(call, "user", user, "UserId", old_key, new_key,
	                                   new_name);
error:
	json_decref(rows);
	return -1;
}

int bw_iam_update_user(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = bw_iam_str(in, "UserName");
	const char *new_name = bw_iam_str(in, "NewUserName");
	const char *new_path = bw_iam_str(in, "NewPath");
	char old_key[BW_IAM_KEY_MAX], new_key[BW_IAM_KEY_MAX];
	json_t *doc = NULL, *other = NULL;
	struct bw_buf arn = {0};
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "UserName");
	if ((new_name && bw_iam_check_name_or_fail(call, "newUserName", new_name, 64) != 0) ||
	    (new_path && bw_iam_check_path_or_fail(call, "newPath", new_path) != 0) ||
	    bw_iam_key_or_fail(call, name, old_key, sizeof old_key) != 0)
		return -1;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (bw_iam_user_load_or_fail(call, name, &doc) != 0)
		goto error;
	const char *cur_name = bw_iam_str(doc, "UserName");
	const char *cur_path = bw_iam_str(doc, "Path");
	if (!new_name)
		new_name = cur_name ? cur_name : name;
	if (!new_path)
		new_path = cur_path ? cur_path : "/";
	if (bw_iam_key_or_fail(call, new_name, new_key, sizeof new_key) != 0)
		goto error;
	bool moving = strcmp(old_key, new_key) != 0;
	if (moving) {
		int rc = bw_doc_get(call->store, BW_IAM_USER, call->account_id, new_key, &other);
		json_decref(other);
		if (rc == BW_STORE_OK) {
			bw_fail(call, IAM_ENTITY_EXISTS, "User", new_name);
			goto error;
		}
		if (rc != BW_STORE_NOT_FOUND) {
			bw_iam_internal(call);
			goto error;
		}
	}
	/* copy the strings before the document changes under them */
	char nn[BW_IAM_NAME_MAX + 1], npath[600];
	snprintf(nn, sizeof nn, "%s", new_name);
	snprintf(npath, sizeof npath, "%s", new_path);
	if (bw_iam_arn(call->account_id, "user", npath, nn, &arn) != 0 ||
	    json_object_set_new(doc, "UserName", json_string(nn)) != 0 ||
	    json_object_set_new(doc, "Path", json_string(npath)) != 0 ||
	    json_object_set_new(doc, "Arn", json_string(bw_buf_cstr(&arn))) != 0) {
		bw_iam_internal(call);
		goto error;
	}
	if ((moving && bw_doc_delete(call->store, BW_IAM_USER, call->account_id, old_key) !=
	                   BW_STORE_OK) ||
	    bw_doc_put(call->store, BW_IAM_USER, call->account_id, new_key, doc) != BW_STORE_OK) {
		bw_iam_internal(call);
		goto error;
	}
	if (s_move_user_relations(call, doc, old_key, new_key, nn) != 0)
		goto error;
	json_decref(doc);
	bw_buf_free(&arn);
	if (bw_store_commit(call->store) != 0)
		return bw_iam_internal(call);
	return 0;
error:
	json_decref(doc);
	bw_buf_free(&arn);
	bw_store_rollback(call->store);
	return -1;
}

int bw_iam_delete_user(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = bw_iam_str(in, "UserName");
	char key[BW_IAM_KEY_MAX], prefix[BW_IAM_KEY_MAX];
	json_t *doc = NULL;
	size_t n = 0;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "UserName");
	if (bw_iam_key_or_fail(call, name, key, sizeof key) != 0)
		return -1;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (bw_iam_user_load_or_fail(call, name, &doc) != 0)
		goto error;
	/* what must go first, in the order AWS names it */
	static const struct {
		const char *kind;
		const char *scope; /* key prefix before the name */
		const char *what;
	} s_blockers[] = {
		{BW_IAM_USER_ACCESS_KEY, "", "must delete access keys first"},
		{BW_IAM_USER_GROUP, "", "must remove users from group first"},
		{BW_IAM_INLINE, "user/", "must delete policies first"},
		{BW_IAM_ATTACHED, "user/", "must detach all policies first"},
	};
	for (size_t i = 0; i < sizeof s_blockers / sizeof s_blockers[0]; i++) {
		if (bw_iam_keyf(prefix, sizeof prefix, "%s%s/", s_blockers[i].scope, key) != 0)
			goto error;
		if (s_count_or_fail(call, s_blockers[i].kind, prefix, &n) != 0)
			goto error;
		if (n > 0) {
			bw_fail(call, IAM_DELETE_CONFLICT, s_blockers[i].what);
			goto error;
		}
	}
	if (bw_iam_service_cred_count(call, bw_iam_str(doc, "UserId"), &n) != 0) {
		bw_iam_internal(call);
		goto error;
	}
	if (n > 0) {
		bw_fail(call, IAM_DELETE_CONFLICT, "must delete service-specific credentials first");
		goto error;
	}
	/* a boundary does not block the deletion (AWS lists it nowhere among
	 * what must go first); release it so its usage count stays true */
	if (bw_iamp_set_boundary(call, BW_IAMP_USER, doc, key, NULL) != 0)
		goto error;
	const char *id = bw_iam_str(doc, "UserId");
	const char *arn = bw_iam_str(doc, "Arn");
	/* resource policies naming the user now name its unique id (AWS's
	 * binding): a new user of this name is not the one they trusted */
	if (bw_doc_delete(call->store, BW_IAM_USER, call->account_id, key) != BW_STORE_OK ||
	    (id && bw_doc_delete(call->store, BW_IAM_ID, call->account_id, id) == BW_STORE_ERROR) ||
	    (id && arn && bw_services_principal_deleted(call->store, call->account_id, arn, id) != 0)) {
		bw_iam_internal(call);
		goto error;
	}
	json_decref(doc);
	if (bw_store_commit(call->store) != 0)
		return bw_iam_internal(call);
	return 0;
error:
	json_decref(doc);
	bw_store_rollback(call->store);
	return -1;
}

bool bw_iam_path_filter(const json_t *doc, void *ctx)
{
	const char *prefix = ctx;
	const char *path = bw_iam_str(doc, "Path");
	return path && strncmp(path, prefix, strlen(prefix)) == 0;
}

int bw_iam_list_users(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *prefix = bw_iam_str(in, "PathPrefix");
	struct bw_iam_page page;
	json_t *items = NULL;
	if (prefix && !bw_iam_path_prefix_ok(prefix))
		return bw_fail(call, IAM_PATH_PREFIX_INVALID);
	if (bw_iam_page_or_fail(call, in, &page) != 0)
		return -1;
	int rc = bw_iam_list_or_fail(call, BW_IAM_USER, NULL, &page, prefix ? bw_iam_path_filter : NULL,
	                             (void *)(uintptr_t)prefix, &items, out);
	bw_iam_page_free(&page);
	if (rc != 0)
		return -1;
	/* ListUsers leaves out tags and the permissions boundary, as AWS does */
	size_t i;
	json_t *u;
	json_array_foreach(items, i, u) {
		json_object_del(u, "Tags");
		json_object_del(u, "PermissionsBoundary");
	}
	return json_object_set_new(out, "Users", items) == 0 ? 0 : bw_iam_internal(call);
}

/* The user a request names (or the caller itself), for authorization. */
int bw_iam_user_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *name = bw_iam_str(in, "UserName");
	if (!name && call->principal.type == BW_PT_IAM_USER)
		name = call->principal.user_name;
	if (!name)
		return bw_buf_append_str(&res->arn, call->principal.arn[0] ? call->principal.arn : "*");
	return bw_iam_entity_resource(call, BW_IAM_USER, "user", name, bw_iam_str(in, "Path"), res);
}
