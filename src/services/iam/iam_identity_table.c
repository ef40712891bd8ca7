/*
 * iam_identity_table.c: IAM's identity operations — users, groups,
 * membership, access keys, user tags, the account summary and alias — one
 * row each: handler, IAM action, resource locator, read-only.
 */
#include "services/iam/iam_identity.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "store/doc.h"

/* GetAccessKeyLastUsed names only the key: its resource is the user that
 * owns it (the caller's own ARN for keys without a user). */
static int s_key_owner_resource(struct bw_call *call, const json_t *in, struct bw_buf *arn)
{
	const char *akid = bw_iam_str(in, "AccessKeyId");
	json_t *doc = NULL, *named = NULL;
	if (akid && bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, &doc) !=
	                    BW_STORE_OK)
		doc = NULL;
	const char *user = doc ? bw_iam_str(doc, "UserName") : NULL;
	if (user)
		named = json_pack("{s:s}", "UserName", user);
	int rc = named || !user ? bw_iam_user_resource(call, named ? named : in, arn) : -1;
	json_decref(named);
	json_decref(doc);
	return rc;
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
	S_OP("CreateUser", bw_iam_create_user, bw_iam_user_resource, false),
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
	S_OP("UpdateGroup", bw_iam_update_group, bw_iam_group_resource, false),
	S_OP("UpdateUser", bw_iam_update_user, bw_iam_user_resource, false),
};

const struct bw_op_table bw_iam_identity_ops = BW_OP_TABLE(s_ops);
