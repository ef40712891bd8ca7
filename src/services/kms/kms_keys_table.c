/*
 * kms_keys_table.c: the key-management operations of KMS — keys, key
 * policies, grants, aliases, tags, the state machine and rotation. Every
 * row that acts on a key is authorized by KMS's own decision
 * (bw_kms_authorize: key policy, IAM policies, grants — kms_authz.h) on its
 * key ARN (aliases resolved); alias operations also need IAM's Allow on
 * the alias ARN. CreateKey, ListKeys, ListAliases and ListRetirableGrants
 * name no key: IAM alone decides them (CreateKey with its kms: condition
 * keys). RetireGrant is decided by the grant
 * (bw_kms_authorize_retire).
 */
#include "services/kms/kms_authz.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"

static int s_alias_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *name = json_string_value(json_object_get(in, "AliasName"));
	if (!name)
		return bw_buf_append_str(&res->arn, "*");
	return bw_buf_appendf(&res->arn, "arn:aws:kms:%s:%s:%.256s", call->region,
	                      call->account_id, name);
}

/* A row acting on the key its KeyId (or TargetKeyId) names. */
#define S_KEY_OP(name, fn, action, ro)                                                       \
	{name, fn, action, bw_kms_key_resource, ro, .authorize = bw_kms_authorize}

static const struct bw_op_impl s_ops[] = {
	S_KEY_OP("CancelKeyDeletion", bw_kms_cancel_key_deletion, "kms:CancelKeyDeletion", false),
	S_KEY_OP("CreateAlias", bw_kms_create_alias, "kms:CreateAlias", false),
	S_KEY_OP("CreateGrant", bw_kms_create_grant, "kms:CreateGrant", false),
	{"CreateKey", bw_kms_create_key, "kms:CreateKey", NULL, false,
	 .authorize = bw_kms_authorize_create_key},
	{"DeleteAlias", bw_kms_delete_alias, "kms:DeleteAlias", s_alias_resource, false,
	 .authorize = bw_kms_authorize},
	S_KEY_OP("DescribeKey", bw_kms_describe_key, "kms:DescribeKey", true),
	S_KEY_OP("DisableKey", bw_kms_disable_key, "kms:DisableKey", false),
	S_KEY_OP("DisableKeyRotation", bw_kms_disable_key_rotation, "kms:DisableKeyRotation",
	         false),
	S_KEY_OP("EnableKey", bw_kms_enable_key, "kms:EnableKey", false),
	S_KEY_OP("EnableKeyRotation", bw_kms_enable_key_rotation, "kms:EnableKeyRotation", false),
	S_KEY_OP("GetKeyPolicy", bw_kms_get_key_policy, "kms:GetKeyPolicy", true),
	S_KEY_OP("GetKeyRotationStatus", bw_kms_get_key_rotation_status,
	         "kms:GetKeyRotationStatus", true),
	{"ListAliases", bw_kms_list_aliases, "kms:ListAliases", NULL, true},
	S_KEY_OP("ListGrants", bw_kms_list_grants, "kms:ListGrants", true),
	S_KEY_OP("ListKeyPolicies", bw_kms_list_key_policies, "kms:ListKeyPolicies", true),
	S_KEY_OP("ListKeyRotations", bw_kms_list_key_rotations, "kms:ListKeyRotations", true),
	{"ListKeys", bw_kms_list_keys, "kms:ListKeys", NULL, true},
	S_KEY_OP("ListResourceTags", bw_kms_list_resource_tags, "kms:ListResourceTags", true),
	{"ListRetirableGrants", bw_kms_list_retirable_grants, "kms:ListRetirableGrants", NULL,
	 true},
	S_KEY_OP("PutKeyPolicy", bw_kms_put_key_policy, "kms:PutKeyPolicy", false),
	/* kms:ReplicateKey on the primary, kms:CreateKey (and kms:TagResource
	 * with Tags) in the replica Region: kms_multi_region.c */
	{"ReplicateKey", bw_kms_replicate_key, "kms:ReplicateKey", bw_kms_key_resource, false,
	 .authorize = bw_kms_authorize_replicate_key, .context = bw_kms_mrk_context},
	{"RetireGrant", bw_kms_retire_grant, "kms:RetireGrant", bw_kms_key_resource, false,
	 .authorize = bw_kms_authorize_retire},
	S_KEY_OP("RevokeGrant", bw_kms_revoke_grant, "kms:RevokeGrant", false),
	S_KEY_OP("RotateKeyOnDemand", bw_kms_rotate_key_on_demand, "kms:RotateKeyOnDemand", false),
	S_KEY_OP("ScheduleKeyDeletion", bw_kms_schedule_key_deletion, "kms:ScheduleKeyDeletion",
	         false),
	S_KEY_OP("TagResource", bw_kms_tag_resource, "kms:TagResource", false),
	S_KEY_OP("UntagResource", bw_kms_untag_resource, "kms:UntagResource", false),
	S_KEY_OP("UpdateAlias", bw_kms_update_alias, "kms:UpdateAlias", false),
	S_KEY_OP("UpdateKeyDescription", bw_kms_update_key_description, "kms:UpdateKeyDescription",
	         false),
	/* on the current primary and on the replica in PrimaryRegion */
	{"UpdatePrimaryRegion", bw_kms_update_primary_region, "kms:UpdatePrimaryRegion",
	 bw_kms_key_resource, false, .authorize = bw_kms_authorize_update_primary_region,
	 .context = bw_kms_mrk_context},
};

const struct bw_op_table bw_kms_key_ops = BW_OP_TABLE(s_ops);
