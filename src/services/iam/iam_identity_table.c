/*
 * iam_identity_table.c: IAM's identity operations — users, groups,
 * membership, access keys, user tags, the account summary and alias — one
 * row each: handler, IAM action, resource locator, read-only.
 */
#include "gateway/authz.h"
#include "gateway/resource.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_util.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "store/doc.h"

/* GetAccessKeyLastUsed names only the key: its resource is the user that
 * owns it (the caller's own ARN for keys without a user). */
static int s_key_owner_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *akid = bw_iam_str(in, "AccessKeyId");
	json_t *doc = NULL, *named = NULL;
	if (akid && bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, &doc) !=
	                    BW_STORE_OK)
		doc = NULL;
	const char *user = doc ? bw_iam_str(doc, "UserName") : NULL;
	if (user)
		named = json_pack("{s:s}", "UserName", user);
	int rc = named || !user ? bw_iam_user_resource(call, named ? named : in, res) : -1;
	json_decref(named);
	json_decref(doc);
	return rc;
}

/*
 * UpdateUser and UpdateGroup: a rename or a move needs the action on the
 * target as well as on the source ("the requester must have appropriate
 * permissions on both the source object and the target object", IAM's
 * UpdateUser), so a user denied on user/victim cannot become victim.
 */
static int s_rename_authorize(struct bw_call *call, const json_t *in, const char *kind,
                              const char *word, const char *name_member,
                              const char *new_member)
{
	if (bw_authz_decide(call, in, call->impl->iam_action, &call->resource) != 0)
		return -1;
	const char *new_name = bw_iam_str(in, new_member);
	const char *new_path = bw_iam_str(in, "NewPath");
	if (!new_name && !new_path)
		return 0;
	struct bw_resource target = {0};
	const char *name = new_name ? new_name : bw_iam_str(in, name_member);
	int rc = -1;
	if (!name)
		rc = bw_buf_append_str(&target.arn, "*");
	else if (new_name && !new_path)
		rc = bw_iam_entity_resource(call, kind, word, name, NULL, &target);
	else
		rc = bw_iam_arn(call->account_id, word, new_path, name, &target.arn);
	if (rc != 0)
		rc = call->failed ? -1 : bw_iam_internal(call);
	else
		rc = bw_authz_decide(call, in, call->impl->iam_action, &target);
	bw_resource_clean_up(&target);
	return rc;
}

static int s_update_user_authorize(struct bw_call *call, const json_t *in)
{
	return s_rename_authorize(call, in, BW_IAM_USER, "user", "UserName", "NewUserName");
}

static int s_update_group_authorize(struct bw_call *call, const json_t *in)
{
	return s_rename_authorize(call, in, BW_IAM_GROUP, "group", "GroupName", "NewGroupName");
}

/* One row: the operation, its handler, how to find its resource, whether
 * it only reads; the IAM action is "iam:" and the operation's name. */
#define S_OP(op, fn, res, ro) \
	{.name = (op), .handler = (fn), .iam_action = "iam:" op, .resource = (res), .read_only = (ro)}

/* AddUserToGroup, RemoveUserFromGroup: the group is the resource. */
static const struct bw_op_impl s_ops[] = {
	S_OP("AddUserToGroup", bw_iam_add_user_to_group, bw_iam_group_resource, false),
	S_OP("CreateAccessKey", bw_iam_create_access_key, bw_iam_user_resource, false),
	S_OP("CreateAccountAlias", bw_iam_create_account_alias, NULL, false),
	S_OP("CreateGroup", bw_iam_create_group, bw_iam_group_resource, false),
	{.name = "CreateUser", .handler = bw_iam_create_user, .iam_action = "iam:CreateUser",
	 .resource = bw_iam_user_resource, .context = bw_iam_boundary_keys},
	S_OP("DeleteAccessKey", bw_iam_delete_access_key, bw_iam_user_resource, false),
	S_OP("DeleteAccountAlias", bw_iam_delete_account_alias, NULL, false),
	S_OP("DeleteGroup", bw_iam_delete_group, bw_iam_group_resource, false),
	S_OP("DeleteUser", bw_iam_delete_user, bw_iam_user_resource, false),
	S_OP("GetAccessKeyLastUsed", bw_iam_get_access_key_last_used, s_key_owner_resource, true),
	S_OP("GetAccountSummary", bw_iam_get_account_summary, NULL, true),
	S_OP("GetGroup", bw_iam_get_group, bw_iam_group_resource, true),
	S_OP("GetUser", bw_iam_get_user, bw_iam_user_resource, true),
	S_OP("ListAccessKeys", bw_iam_list_access_keys, bw_iam_user_resource, true),
	S_OP("ListAccountAliases", bw_iam_list_account_aliases, NULL, true),
	S_OP("ListGroups", bw_iam_list_groups, NULL, true),
	S_OP("ListGroupsForUser", bw_iam_list_groups_for_user, bw_iam_user_resource, true),
	S_OP("ListUserTags", bw_iam_list_user_tags, bw_iam_user_resource, true),
	S_OP("ListUsers", bw_iam_list_users, NULL, true),
	S_OP("RemoveUserFromGroup", bw_iam_remove_user_from_group, bw_iam_group_resource, false),
	S_OP("TagUser", bw_iam_tag_user, bw_iam_user_resource, false),
	S_OP("UntagUser", bw_iam_untag_user, bw_iam_user_resource, false),
	S_OP("UpdateAccessKey", bw_iam_update_access_key, bw_iam_user_resource, false),
	{.name = "UpdateGroup", .handler = bw_iam_update_group, .iam_action = "iam:UpdateGroup",
	 .resource = bw_iam_group_resource, .authorize = s_update_group_authorize},
	{.name = "UpdateUser", .handler = bw_iam_update_user, .iam_action = "iam:UpdateUser",
	 .resource = bw_iam_user_resource, .authorize = s_update_user_authorize},
};

const struct bw_op_table bw_iam_identity_ops = BW_OP_TABLE(s_ops);
