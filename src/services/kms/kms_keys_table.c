/*
 * kms_keys_table.c: the key-management operations of KMS — keys, key
 * policies (read only until they are enforced), aliases, tags, the state
 * machine and rotation. Rows naming a key are authorized on its key ARN
 * (aliases resolved); DeleteAlias on the alias ARN.
 */
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"

static int s_alias_resource(struct bw_call *call, const json_t *in, struct bw_buf *arn)
{
	const char *name = json_string_value(json_object_get(in, "AliasName"));
	if (!name)
		return bw_buf_append_str(arn, "*");
	return bw_buf_appendf(arn, "arn:aws:kms:%s:%s:%.256s", call->region, call->account_id,
	                      name);
}

static const struct bw_op_impl s_ops[] = {
	{"CancelKeyDeletion", bw_kms_cancel_key_deletion, "kms:CancelKeyDeletion",
	 bw_kms_key_resource, false},
	{"CreateAlias", bw_kms_create_alias, "kms:CreateAlias", bw_kms_key_resource, false},
	{"CreateKey", bw_kms_create_key, "kms:CreateKey", NULL, false},
	{"DeleteAlias", bw_kms_delete_alias, "kms:DeleteAlias", s_alias_resource, false},
	{"DescribeKey", bw_kms_describe_key, "kms:DescribeKey", bw_kms_key_resource, true},
	{"DisableKey", bw_kms_disable_key, "kms:DisableKey", bw_kms_key_resource, false},
	{"DisableKeyRotation", bw_kms_disable_key_rotation, "kms:DisableKeyRotation",
	 bw_kms_key_resource, false},
	{"EnableKey", bw_kms_enable_key, "kms:EnableKey", bw_kms_key_resource, false},
	{"EnableKeyRotation", bw_kms_enable_key_rotation, "kms:EnableKeyRotation",
	 bw_kms_key_resource, false},
	{"GetKeyPolicy", bw_kms_get_key_policy, "kms:GetKeyPolicy", bw_kms_key_resource, true},
	{"GetKeyRotationStatus", bw_kms_get_key_rotation_status, "kms:GetKeyRotationStatus",
	 bw_kms_key_resource, true},
	{"ListAliases", bw_kms_list_aliases, "kms:ListAliases", NULL, true},
	{"ListKeyPolicies", bw_kms_list_key_policies, "kms:ListKeyPolicies", bw_kms_key_resource,
	 true},
	{"ListKeyRotations", bw_kms_list_key_rotations, "kms:ListKeyRotations",
	 bw_kms_key_resource, true},
	{"ListKeys", bw_kms_list_keys, "kms:ListKeys", NULL, true},
	{"ListResourceTags", bw_kms_list_resource_tags, "kms:ListResourceTags",
	 bw_kms_key_resource, true},
	{"RotateKeyOnDemand", bw_kms_rotate_key_on_demand, "kms:RotateKeyOnDemand",
	 bw_kms_key_resource, false},
	{"ScheduleKeyDeletion", bw_kms_schedule_key_deletion, "kms:ScheduleKeyDeletion",
	 bw_kms_key_resource, false},
	{"TagResource", bw_kms_tag_resource, "kms:TagResource", bw_kms_key_resource, false},
	{"UntagResource", bw_kms_untag_resource, "kms:UntagResource", bw_kms_key_resource, false},
	{"UpdateAlias", bw_kms_update_alias, "kms:UpdateAlias", bw_kms_key_resource, false},
	{"UpdateKeyDescription", bw_kms_update_key_description, "kms:UpdateKeyDescription",
	 bw_kms_key_resource, false},
};

const struct bw_op_table bw_kms_key_ops = BW_OP_TABLE(s_ops);
