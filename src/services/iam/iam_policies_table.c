/*
 * iam_policies_table.c: the operation table of IAM's permissions —
 * managed policies and versions, inline policies, attachments, boundaries,
 * roles and GetAccountAuthorizationDetails — with the resource each is
 * authorized on (a policy ARN, or the user, group or role ARN with its path).
 */
#include <stdio.h>
#include <string.h>

#include "gateway/resource.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_util.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "store/doc.h"

/* The user, group or role a request names: the stored entity (its ARN
 * with the stored name and path, its tags), else the ARN a new one would
 * have (path from the request, else "/"). */
static int s_entity(struct bw_call *call, const json_t *in, enum bw_iamp_entity e,
                    const char *member, struct bw_resource *res)
{
	const char *name = bw_iamp_str(in, member);
	if (!name)
		return bw_buf_append_str(&res->arn, "*");
	return bw_iam_entity_resource(call, bw_iamp_entity_kind(e), bw_iamp_entity_word(e), name,
	                              bw_iamp_str(in, "Path"), res);
}

static int s_user_arn(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	return s_entity(call, in, BW_IAMP_USER, "UserName", res);
}

static int s_group_arn(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	return s_entity(call, in, BW_IAMP_GROUP, "GroupName", res);
}

static int s_role_arn(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	return s_entity(call, in, BW_IAMP_ROLE, "RoleName", res);
}

/* A customer managed policy of this account, by its name (unique
 * case-insensitively): the stored policy's ARN and tags. An ARN naming no
 * stored policy (AWS managed, another account, absent) is kept as given. */
static int s_policy_arn(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *arn = bw_iamp_str(in, "PolicyArn");
	char key[BW_IAMP_KEY_MAX];
	json_t *doc = NULL;
	if (!arn)
		return bw_buf_append_str(&res->arn, "*");
	if (bw_iamp_local_policy_key(call, arn, key) != 0)
		return bw_buf_append_str(&res->arn, arn);
	int rc = bw_doc_get(call->store, BW_IAM_POLICY, call->account_id, key, &doc);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_buf_append_str(&res->arn, arn);
	if (rc != BW_STORE_OK)
		return -1;
	rc = bw_resource_from_doc(res, doc, "Arn", "Tags");
	json_decref(doc);
	return rc;
}

/* CreatePolicy: an existing policy of that name is the resource (so a
 * Deny on it holds whatever the case typed), else the ARN the new one
 * would have. */
static int s_new_policy_arn(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *name = bw_iamp_str(in, "PolicyName");
	const char *path = bw_iamp_str(in, "Path");
	if (!name)
		return bw_buf_append_str(&res->arn, "*");
	return bw_iam_entity_resource(call, BW_IAM_POLICY, "policy", name, path, res);
}

static const struct bw_op_impl s_ops[] = {
    /* managed policies */
    {"CreatePolicy", bw_iamp_create_policy, "iam:CreatePolicy", s_new_policy_arn, false, false},
    {"GetPolicy", bw_iamp_get_policy, "iam:GetPolicy", s_policy_arn, true, false},
    {"DeletePolicy", bw_iamp_delete_policy, "iam:DeletePolicy", s_policy_arn, false, false},
    {"ListPolicies", bw_iamp_list_policies, "iam:ListPolicies", NULL, true, false},
    {"TagPolicy", bw_iamp_tag_policy, "iam:TagPolicy", s_policy_arn, false, false},
    {"UntagPolicy", bw_iamp_untag_policy, "iam:UntagPolicy", s_policy_arn, false, false},
    {"ListPolicyTags", bw_iamp_list_policy_tags, "iam:ListPolicyTags", s_policy_arn, true, false},
    /* versions */
    {"CreatePolicyVersion", bw_iamp_create_policy_version, "iam:CreatePolicyVersion", s_policy_arn,
     false, false},
    {"GetPolicyVersion", bw_iamp_get_policy_version, "iam:GetPolicyVersion", s_policy_arn, true,
     false},
    {"ListPolicyVersions", bw_iamp_list_policy_versions, "iam:ListPolicyVersions", s_policy_arn,
     true, false},
    {"DeletePolicyVersion", bw_iamp_delete_policy_version, "iam:DeletePolicyVersion", s_policy_arn,
     false, false},
    {"SetDefaultPolicyVersion", bw_iamp_set_default_policy_version, "iam:SetDefaultPolicyVersion",
     s_policy_arn, false, false},
    /* inline policies */
    {"PutUserPolicy", bw_iamp_put_user_policy, "iam:PutUserPolicy", s_user_arn, false, false, .context = bw_iam_boundary_keys},
    {"PutGroupPolicy", bw_iamp_put_group_policy, "iam:PutGroupPolicy", s_group_arn, false, false},
    {"PutRolePolicy", bw_iamp_put_role_policy, "iam:PutRolePolicy", s_role_arn, false, false, .context = bw_iam_boundary_keys},
    {"GetUserPolicy", bw_iamp_get_user_policy, "iam:GetUserPolicy", s_user_arn, true, false},
    {"GetGroupPolicy", bw_iamp_get_group_policy, "iam:GetGroupPolicy", s_group_arn, true, false},
    {"GetRolePolicy", bw_iamp_get_role_policy, "iam:GetRolePolicy", s_role_arn, true, false},
    {"DeleteUserPolicy", bw_iamp_delete_user_policy, "iam:DeleteUserPolicy", s_user_arn, false,
     false, .context = bw_iam_boundary_keys},
    {"DeleteGroupPolicy", bw_iamp_delete_group_policy, "iam:DeleteGroupPolicy", s_group_arn, false,
     false},
    {"DeleteRolePolicy", bw_iamp_delete_role_policy, "iam:DeleteRolePolicy", s_role_arn, false,
     false, .context = bw_iam_boundary_keys},
    {"ListUserPolicies", bw_iamp_list_user_policies, "iam:ListUserPolicies", s_user_arn, true,
     false},
    {"ListGroupPolicies", bw_iamp_list_group_policies, "iam:ListGroupPolicies", s_group_arn, true,
     false},
    {"ListRolePolicies", bw_iamp_list_role_policies, "iam:ListRolePolicies", s_role_arn, true,
     false},
    /* attachments */
    {"AttachUserPolicy", bw_iamp_attach_user_policy, "iam:AttachUserPolicy", s_user_arn, false,
     false, .context = bw_iam_attach_keys},
    {"AttachGroupPolicy", bw_iamp_attach_group_policy, "iam:AttachGroupPolicy", s_group_arn, false,
     false, .context = bw_iam_attach_keys},
    {"AttachRolePolicy", bw_iamp_attach_role_policy, "iam:AttachRolePolicy", s_role_arn, false,
     false, .context = bw_iam_attach_keys},
    {"DetachUserPolicy", bw_iamp_detach_user_policy, "iam:DetachUserPolicy", s_user_arn, false,
     false, .context = bw_iam_attach_keys},
    {"DetachGroupPolicy", bw_iamp_detach_group_policy, "iam:DetachGroupPolicy", s_group_arn, false,
     false, .context = bw_iam_attach_keys},
    {"DetachRolePolicy", bw_iamp_detach_role_policy, "iam:DetachRolePolicy", s_role_arn, false,
     false, .context = bw_iam_attach_keys},
    {"ListAttachedUserPolicies", bw_iamp_list_attached_user_policies,
     "iam:ListAttachedUserPolicies", s_user_arn, true, false},
    {"ListAttachedGroupPolicies", bw_iamp_list_attached_group_policies,
     "iam:ListAttachedGroupPolicies", s_group_arn, true, false},
    {"ListAttachedRolePolicies", bw_iamp_list_attached_role_policies,
     "iam:ListAttachedRolePolicies", s_role_arn, true, false},
    {"ListEntitiesForPolicy", bw_iamp_list_entities_for_policy, "iam:ListEntitiesForPolicy",
     s_policy_arn, true, false},
    /* permissions boundaries */
    {"PutUserPermissionsBoundary", bw_iamp_put_user_permissions_boundary,
     "iam:PutUserPermissionsBoundary", s_user_arn, false, false, .context = bw_iam_boundary_keys},
    {"DeleteUserPermissionsBoundary", bw_iamp_delete_user_permissions_boundary,
     "iam:DeleteUserPermissionsBoundary", s_user_arn, false, false, .context = bw_iam_boundary_keys},
    {"PutRolePermissionsBoundary", bw_iamp_put_role_permissions_boundary,
     "iam:PutRolePermissionsBoundary", s_role_arn, false, false, .context = bw_iam_boundary_keys},
    {"DeleteRolePermissionsBoundary", bw_iamp_delete_role_permissions_boundary,
     "iam:DeleteRolePermissionsBoundary", s_role_arn, false, false, .context = bw_iam_boundary_keys},
    /* roles */
    {"CreateRole", bw_iamp_create_role, "iam:CreateRole", s_role_arn, false, false, .context = bw_iam_boundary_keys},
    {"GetRole", bw_iamp_get_role, "iam:GetRole", s_role_arn, true, false},
    {"UpdateRole", bw_iamp_update_role, "iam:UpdateRole", s_role_arn, false, false},
    {"UpdateRoleDescription", bw_iamp_update_role_description, "iam:UpdateRoleDescription",
     s_role_arn, false, false},
    {"DeleteRole", bw_iamp_delete_role, "iam:DeleteRole", s_role_arn, false, false},
    {"ListRoles", bw_iamp_list_roles, "iam:ListRoles", NULL, true, false},
    {"UpdateAssumeRolePolicy", bw_iamp_update_assume_role_policy, "iam:UpdateAssumeRolePolicy",
     s_role_arn, false, false},
    {"TagRole", bw_iamp_tag_role, "iam:TagRole", s_role_arn, false, false},
    {"UntagRole", bw_iamp_untag_role, "iam:UntagRole", s_role_arn, false, false},
    {"ListRoleTags", bw_iamp_list_role_tags, "iam:ListRoleTags", s_role_arn, true, false},
    /* instance profiles: the resource is the profile, resolved to the stored one */
    {"CreateInstanceProfile", bw_iamp_create_instance_profile, "iam:CreateInstanceProfile",
     bw_iamp_instance_profile_resource, false, false},
    {"GetInstanceProfile", bw_iamp_get_instance_profile, "iam:GetInstanceProfile",
     bw_iamp_instance_profile_resource, true, false},
    {"DeleteInstanceProfile", bw_iamp_delete_instance_profile, "iam:DeleteInstanceProfile",
     bw_iamp_instance_profile_resource, false, false},
    {"AddRoleToInstanceProfile", bw_iamp_add_role_to_instance_profile,
     "iam:AddRoleToInstanceProfile", bw_iamp_instance_profile_resource, false, false},
    {"RemoveRoleFromInstanceProfile", bw_iamp_remove_role_from_instance_profile,
     "iam:RemoveRoleFromInstanceProfile", bw_iamp_instance_profile_resource, false, false},
    {"ListInstanceProfiles", bw_iamp_list_instance_profiles, "iam:ListInstanceProfiles", NULL,
     true, false},
    /* authorized on the role, as AWS lists it (resource type role) */
    {"ListInstanceProfilesForRole", bw_iamp_list_instance_profiles_for_role,
     "iam:ListInstanceProfilesForRole", s_role_arn, true, false},
    {"TagInstanceProfile", bw_iamp_tag_instance_profile, "iam:TagInstanceProfile",
     bw_iamp_instance_profile_resource, false, false},
    {"UntagInstanceProfile", bw_iamp_untag_instance_profile, "iam:UntagInstanceProfile",
     bw_iamp_instance_profile_resource, false, false},
    {"ListInstanceProfileTags", bw_iamp_list_instance_profile_tags,
     "iam:ListInstanceProfileTags", bw_iamp_instance_profile_resource, true, false},
    /* everything */
    {"GetAccountAuthorizationDetails", bw_iamp_get_account_authorization_details,
     "iam:GetAccountAuthorizationDetails", NULL, true, false},
};

const struct bw_op_table bw_iam_policy_ops = BW_OP_TABLE(s_ops);
