/*
 * iam_groups.c: IAM groups and membership — CreateGroup, GetGroup,
 * UpdateGroup, DeleteGroup, ListGroups, AddUserToGroup,
 * RemoveUserFromGroup, ListGroupsForUser. A membership is two documents
 * (iam/group-member <group>/<user> and iam/user-group <user>/<group>) so
 * both directions list by prefix; they are written together.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gateway/resource.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

static int s_keys_or_fail(struct bw_call *call, const char *a, char *ka, const char *b,
                          char *kb)
{
	if (bw_iam_key_or_fail(call, a, ka, BW_IAM_KEY_MAX) != 0 ||
	    (b && bw_iam_key_or_fail(call, b, kb, BW_IAM_KEY_MAX) != 0))
		return -1;
	return 0;
}

int bw_iam_create_group(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iam_str(in, "GroupName");
	const char *path = bw_iam_str(in, "Path") ? bw_iam_str(in, "Path") : "/";
	char key[BW_IAM_KEY_MAX], id[32];
	json_t *doc = NULL;
	struct bw_buf arn = {0};
	size_t n = 0;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "GroupName");
	if (bw_iam_check_name_or_fail(call, "groupName", name, 128) != 0 ||
	    bw_iam_check_path_or_fail(call, "path", path) != 0 ||
	    s_keys_or_fail(call, name, key, NULL, NULL) != 0)
		return -1;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (bw_doc_count(call->store, BW_IAM_GROUP, call->account_id, NULL, &n) != BW_STORE_OK)
		goto internal;
	if (n >= BW_IAM_QUOTA_GROUPS) {
		bw_fail(call, IAM_QUOTA_EXCEEDED, "GroupsPerAccount", BW_IAM_QUOTA_GROUPS);
		goto error;
	}
	if (bw_iam_register_id(call, "AGPA", "group", name, id) != 0)
		goto error;
	if (bw_iam_arn(call->account_id, "group", path, name, &arn) != 0)
		goto internal;
	doc = json_pack("{s:s, s:s, s:s, s:s, s:I}", "Path", path, "GroupName", name, "GroupId", id,
	                "Arn", bw_buf_cstr(&arn), "CreateDate", (json_int_t)call->now_s);
	if (!doc)
		goto internal;
	int rc = bw_doc_create(call->store, BW_IAM_GROUP, call->account_id, key, doc);
	if (rc == BW_STORE_EXISTS) {
		bw_fail(call, IAM_GROUP_EXISTS, name);
		goto error;
	}
	if (rc != BW_STORE_OK)
		goto internal;
	bw_buf_free(&arn);
	if (bw_store_commit(call->store) != 0) {
		json_decref(doc);
		return bw_iam_internal(call);
	}
	bw_resource_created(call, bw_iam_str(doc, "Arn"));
	return json_object_set_new(out, "Group", doc) == 0 ? 0 : bw_iam_internal(call);
internal:
	bw_iam_internal(call);
error:
	json_decref(doc);
	bw_buf_free(&arn);
	bw_store_rollback(call->store);
	return -1;
}

/* Replace each membership row of items by the document it points at
 * (field names the other side: "UserName" or "GroupName"). */
static int s_resolve(struct bw_call *call, json_t *items, const char *field, const char *kind)
{
	for (size_t i = 0; i < json_array_size(items); i++) {
		const char *name = bw_iam_str(json_array_get(items, i), field);
		char key[BW_IAM_KEY_MAX];
		json_t *doc = NULL;
		if (!name || bw_iam_key(name, key, sizeof key) != 0 ||
		    bw_doc_get(call->store, kind, call->account_id, key, &doc) != BW_STORE_OK)
			return bw_iam_internal(call);
		json_object_del(doc, "Tags");
		json_object_del(doc, "PermissionsBoundary");
		if (json_array_set_new(items, i, doc) != 0)
			return bw_iam_internal(call);
	}
	return 0;
}

int bw_iam_get_group(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iam_str(in, "GroupName");
	char key[BW_IAM_KEY_MAX], prefix[BW_IAM_KEY_MAX + 1];
	struct bw_iam_page page;
	json_t *group = NULL, *users = NULL;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "GroupName");
	if (s_keys_or_fail(call, name, key, NULL, NULL) != 0 ||
	    bw_iam_page_or_fail(call, in, &page) != 0)
		return -1;
	if (bw_iam_keyf(prefix, sizeof prefix, "%s/", key) != 0) {
		bw_iam_page_free(&page);
		return bw_iam_internal(call);
	}
	int rc = -1;
	if (bw_iam_group_load_or_fail(call, name, &group) == 0 &&
	    bw_iam_list_or_fail(call, BW_IAM_GROUP_MEMBER, prefix, &page, NULL, NULL, &users, out) ==
	            0 &&
	    s_resolve(call, users, "UserName", BW_IAM_USER) == 0) {
		rc = json_object_set(out, "Group", group) || json_object_set(out, "Users", users)
		             ? bw_iam_internal(call)
		             : 0;
	}
	json_decref(group);
	json_decref(users);
	bw_iam_page_free(&page);
	return rc;
}

static int s_move_group_relations(struct bw_call *call, const json_t *group, const char *old_key,
                                  const char *new_key, const char *new_name)
{
	char op[BW_IAM_KEY_MAX], np[BW_IAM_KEY_MAX], ok[BW_IAM_KEY_MAX], nk[BW_IAM_KEY_MAX];
	json_t *rows = NULL, *row;
	size_t i;

	if (bw_iam_keyf(op, sizeof op, "%s/", old_key) != 0)
		goto error;
	if (bw_iam_keyf(np, sizeof np, "%s/", new_key) != 0)
		goto error;
	if (bw_iam_list_all(call, BW_IAM_GROUP_MEMBER, op, &rows) != 0)
		return -1;
	json_array_foreach(rows, i, row) {
		const char *user = bw_iam_str(json_object_get(row, "doc"), "UserName");
		char ukey[BW_IAM_KEY_MAX];
		if (!user || bw_iam_key(user, ukey, sizeof ukey) != 0)
			continue;
		if (bw_iam_keyf(ok, sizeof ok, "%s/%s", ukey, old_key) != 0)
			goto error;
		if (bw_iam_keyf(nk, sizeof nk, "%s/%s", ukey, new_key) != 0)
			goto error;
		if (bw_iam_move_doc(call, BW_IAM_USER_GROUP, ok, nk, "GroupName", new_name) != 0)
			goto error;
	}
	json_decref(rows);
	rows = NULL;
	if (bw_iam_move_prefix(call, BW_IAM_GROUP_MEMBER, op, np, "GroupName", new_name) != 0)
		return -1;

	return bw_iam_move_entity_policies(call, "group", group, "GroupId", old_key, new_key,
	                                   new_name);
error:
	json_decref(rows);
	return -1;
}

int bw_iam_update_group(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = bw_iam_str(in, "GroupName");
	const char *new_name = bw_iam_str(in, "NewGroupName");
	const char *new_path = bw_iam_str(in, "NewPath");
	char old_key[BW_IAM_KEY_MAX], new_key[BW_IAM_KEY_MAX];
	char nn[BW_IAM_NAME_MAX + 1], npath[600];
	json_t *doc = NULL, *other = NULL;
	struct bw_buf arn = {0};
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "GroupName");
	if ((new_name && bw_iam_check_name_or_fail(call, "newGroupName", new_name, 128) != 0) ||
	    (new_path && bw_iam_check_path_or_fail(call, "newPath", new_path) != 0) ||
	    s_keys_or_fail(call, name, old_key, NULL, NULL) != 0)
		return -1;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (bw_iam_group_load_or_fail(call, name, &doc) != 0)
		goto error;
	snprintf(nn, sizeof nn, "%s",
	         new_name ? new_name : bw_iam_str(doc, "GroupName") ? bw_iam_str(doc, "GroupName")
	                                                            : name);
	snprintf(npath, sizeof npath, "%s",
	         new_path ? new_path : bw_iam_str(doc, "Path") ? bw_iam_str(doc, "Path") : "/");
	if (bw_iam_key_or_fail(call, nn, new_key, sizeof new_key) != 0)
		goto error;
	bool moving = strcmp(old_key, new_key) != 0;
	if (moving) {
		int rc = bw_doc_get(call->store, BW_IAM_GROUP, call->account_id, new_key, &other);
		json_decref(other);
		if (rc == BW_STORE_OK) {
			bw_fail(call, IAM_GROUP_EXISTS, nn);
			goto error;
		}
		if (rc != BW_STORE_NOT_FOUND)
			goto internal;
	}
	if (bw_iam_arn(call->account_id, "group", npath, nn, &arn) != 0 ||
	    json_object_set_new(doc, "GroupName", json_string(nn)) != 0 ||
	    json_object_set_new(doc, "Path", json_string(npath)) != 0 ||
	    json_object_set_new(doc, "Arn", json_string(bw_buf_cstr(&arn))) != 0)
		goto internal;
	if ((moving && bw_doc_delete(call->store, BW_IAM_GROUP, call->account_id, old_key) !=
	                   BW_STORE_OK) ||
	    bw_doc_put(call->store, BW_IAM_GROUP, call->account_id, new_key, doc) != BW_STORE_OK)
		goto internal;
	if (s_move_group_relations(call, doc, old_key, new_key, nn) != 0)
		goto error;
	json_decref(doc);
	bw_buf_free(&arn);
	return bw_store_commit(call->store) == 0 ? 0 : bw_iam_internal(call);
internal:
	bw_iam_internal(call);
error:
	json_decref(doc);
	bw_buf_free(&arn);
	bw_store_rollback(call->store);
	return -1;
}

int bw_iam_delete_group(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = bw_iam_str(in, "GroupName");
	char key[BW_IAM_KEY_MAX], prefix[BW_IAM_KEY_MAX];
	json_t *doc = NULL;
	size_t n = 0;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "GroupName");
	if (s_keys_or_fail(call, name, key, NULL, NULL) != 0)
		return -1;
	static const struct {
		const char *kind;
		const char *scope; /* key prefix before the name */
		const char *what;
	} s_blockers[] = {
		{BW_IAM_GROUP_MEMBER, "", "must remove users from group first"},
		{BW_IAM_INLINE, "group/", "must delete policies first"},
		{BW_IAM_ATTACHED, "group/", "must detach all policies first"},
	};
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (bw_iam_group_load_or_fail(call, name, &doc) != 0)
		goto error;
	for (size_t i = 0; i < sizeof s_blockers / sizeof s_blockers[0]; i++) {
		if (bw_iam_keyf(prefix, sizeof prefix, "%s%s/", s_blockers[i].scope, key) != 0)
			goto error;
		if (bw_doc_count(call->store, s_blockers[i].kind, call->account_id, prefix, &n) !=
		    BW_STORE_OK)
			goto internal;
		if (n > 0) {
			bw_fail(call, IAM_DELETE_CONFLICT, s_blockers[i].what);
			goto error;
		}
	}
	const char *id = bw_iam_str(doc, "GroupId");
	if (bw_doc_delete(call->store, BW_IAM_GROUP, call->account_id, key) != BW_STORE_OK ||
	    (id && bw_doc_delete(call->store, BW_IAM_ID, call->account_id, id) == BW_STORE_ERROR))
		goto internal;
	json_decref(doc);
	return bw_store_commit(call->store) == 0 ? 0 : bw_iam_internal(call);
internal:
	bw_iam_internal(call);
error:
	json_decref(doc);
	bw_store_rollback(call->store);
	return -1;
}

int bw_iam_list_groups(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *prefix = bw_iam_str(in, "PathPrefix");
	struct bw_iam_page page;
	json_t *items = NULL;
	if (prefix && !bw_iam_path_prefix_ok(prefix))
		return bw_fail(call, IAM_PATH_PREFIX_INVALID);
	if (bw_iam_page_or_fail(call, in, &page) != 0)
		return -1;
	int rc = bw_iam_list_or_fail(call, BW_IAM_GROUP, NULL, &page,
	                             prefix ? bw_iam_path_filter : NULL, (void *)(uintptr_t)prefix,
	                             &items, out);
	bw_iam_page_free(&page);
	if (rc != 0)
		return -1;
	return json_object_set_new(out, "Groups", items) == 0 ? 0 : bw_iam_internal(call);
}

/* Load both sides of a membership; keys into gkey/ukey, the stored names
 * (as created) into gname/uname. */
static int s_member_sides_or_fail(struct bw_call *call, const json_t *in, char *gkey,
                                  char *ukey, char gname[BW_IAM_NAME_MAX + 1],
                                  char uname[BW_IAM_NAME_MAX + 1])
{
	const char *group = bw_iam_str(in, "GroupName");
	const char *user = bw_iam_str(in, "UserName");
	json_t *gdoc = NULL, *udoc = NULL;
	if (!group || !user)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "GroupName, UserName");
	if (s_keys_or_fail(call, group, gkey, user, ukey) != 0 ||
	    bw_iam_group_load_or_fail(call, group, &gdoc) != 0)
		return -1;
	if (bw_iam_user_load_or_fail(call, user, &udoc) != 0) {
		json_decref(gdoc);
		return -1;
	}
	snprintf(gname, BW_IAM_NAME_MAX + 1, "%s",
	         bw_iam_str(gdoc, "GroupName") ? bw_iam_str(gdoc, "GroupName") : group);
	snprintf(uname, BW_IAM_NAME_MAX + 1, "%s",
	         bw_iam_str(udoc, "UserName") ? bw_iam_str(udoc, "UserName") : user);
	json_decref(gdoc);
	json_decref(udoc);
	return 0;
}

int bw_iam_add_user_to_group(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char gkey[BW_IAM_KEY_MAX], ukey[BW_IAM_KEY_MAX], gname[BW_IAM_NAME_MAX + 1],
		uname[BW_IAM_NAME_MAX + 1], k1[BW_IAM_KEY_MAX * 2 + 2], k2[BW_IAM_KEY_MAX * 2 + 2];
	json_t *doc = NULL;
	size_t n = 0;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (s_member_sides_or_fail(call, in, gkey, ukey, gname, uname) != 0)
		goto error;
	snprintf(k1, sizeof k1, "%s/%s", gkey, ukey);
	snprintf(k2, sizeof k2, "%s/%s", ukey, gkey);
	int rc = bw_doc_get(call->store, BW_IAM_GROUP_MEMBER, call->account_id, k1, &doc);
	json_decref(doc);
	doc = NULL;
	if (rc == BW_STORE_OK) /* already a member: AWS answers success */
		goto done;
	if (rc != BW_STORE_NOT_FOUND)
		goto internal;
	char prefix[BW_IAM_KEY_MAX + 1];
	if (bw_iam_keyf(prefix, sizeof prefix, "%s/", ukey) != 0)
		goto error;
	if (bw_doc_count(call->store, BW_IAM_USER_GROUP, call->account_id, prefix, &n) !=
	    BW_STORE_OK)
		goto internal;
	if (n >= BW_IAM_QUOTA_GROUPS_PER_USER) {
		bw_fail(call, IAM_QUOTA_EXCEEDED, "GroupsPerUser", BW_IAM_QUOTA_GROUPS_PER_USER);
		goto error;
	}
	doc = json_pack("{s:s, s:s}", "GroupName", gname, "UserName", uname);
	if (!doc ||
	    bw_doc_put(call->store, BW_IAM_GROUP_MEMBER, call->account_id, k1, doc) != BW_STORE_OK ||
	    bw_doc_put(call->store, BW_IAM_USER_GROUP, call->account_id, k2, doc) != BW_STORE_OK)
		goto internal;
done:
	json_decref(doc);
	return bw_store_commit(call->store) == 0 ? 0 : bw_iam_internal(call);
internal:
	bw_iam_internal(call);
error:
	json_decref(doc);
	bw_store_rollback(call->store);
	return -1;
}

int bw_iam_remove_user_from_group(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char gkey[BW_IAM_KEY_MAX], ukey[BW_IAM_KEY_MAX], gname[BW_IAM_NAME_MAX + 1],
		uname[BW_IAM_NAME_MAX + 1], k1[BW_IAM_KEY_MAX * 2 + 2], k2[BW_IAM_KEY_MAX * 2 + 2];
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (s_member_sides_or_fail(call, in, gkey, ukey, gname, uname) != 0)
		goto error;
	snprintf(k1, sizeof k1, "%s/%s", gkey, ukey);
	snprintf(k2, sizeof k2, "%s/%s", ukey, gkey);
	int rc = bw_doc_delete(call->store, BW_IAM_GROUP_MEMBER, call->account_id, k1);
	if (rc == BW_STORE_NOT_FOUND) {
		bw_fail(call, IAM_NO_SUCH_ENTITY, "user", uname);
		goto error;
	}
	if (rc != BW_STORE_OK ||
	    bw_doc_delete(call->store, BW_IAM_USER_GROUP, call->account_id, k2) == BW_STORE_ERROR) {
		bw_iam_internal(call);
		goto error;
	}
	return bw_store_commit(call->store) == 0 ? 0 : bw_iam_internal(call);
error:
	bw_store_rollback(call->store);
	return -1;
}

int bw_iam_list_groups_for_user(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iam_str(in, "UserName");
	char key[BW_IAM_KEY_MAX], prefix[BW_IAM_KEY_MAX + 1];
	struct bw_iam_page page;
	json_t *user = NULL, *groups = NULL;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "UserName");
	if (s_keys_or_fail(call, name, key, NULL, NULL) != 0 ||
	    bw_iam_page_or_fail(call, in, &page) != 0)
		return -1;
	if (bw_iam_keyf(prefix, sizeof prefix, "%s/", key) != 0) {
		bw_iam_page_free(&page);
		return bw_iam_internal(call);
	}
	int rc = -1;
	if (bw_iam_user_load_or_fail(call, name, &user) == 0 &&
	    bw_iam_list_or_fail(call, BW_IAM_USER_GROUP, prefix, &page, NULL, NULL, &groups, out) ==
	            0 &&
	    s_resolve(call, groups, "GroupName", BW_IAM_GROUP) == 0)
		rc = json_object_set(out, "Groups", groups) ? bw_iam_internal(call) : 0;
	json_decref(user);
	json_decref(groups);
	bw_iam_page_free(&page);
	return rc;
}

int bw_iam_group_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *name = bw_iam_str(in, "GroupName");
	if (!name)
		return bw_buf_append_str(&res->arn, "*");
	return bw_iam_entity_resource(call, BW_IAM_GROUP, "group", name, bw_iam_str(in, "Path"),
	                              res);
}
