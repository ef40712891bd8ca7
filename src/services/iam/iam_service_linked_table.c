/*
 * iam_service_linked_table.c: the operation table of IAM's service-owned
 * identities — service-linked roles (iam_service_linked.c) and the
 * service-specific credentials of users (iam_service_creds.c) — with the
 * resource and condition keys each is authorized on, as the Service
 * Authorization Reference lists them:
 *  - CreateServiceLinkedRole: the role it would make
 *    (role/aws-service-role/<principal>/<name>), iam:AWSServiceName;
 *  - DeleteServiceLinkedRole: the stored role;
 *  - GetServiceLinkedRoleDeletionStatus: the role the task names;
 *  - the five *ServiceSpecificCredential(s): the user;
 *    Create with iam:ServiceSpecificCredentialServiceName and
 *    iam:ServiceSpecificCredentialAgeDays.
 */
#include "services/iam/iam_identity.h"
#include "services/service.h"

static const struct bw_op_impl s_ops[] = {
    {.name = "CreateServiceLinkedRole",
     .handler = bw_iam_create_service_linked_role,
     .iam_action = "iam:CreateServiceLinkedRole",
     .resource = bw_iam_slr_new_role_resource,
     .context = bw_iam_slr_keys},
    {.name = "DeleteServiceLinkedRole",
     .handler = bw_iam_delete_service_linked_role,
     .iam_action = "iam:DeleteServiceLinkedRole",
     .resource = bw_iam_slr_role_resource},
    {.name = "GetServiceLinkedRoleDeletionStatus",
     .handler = bw_iam_get_service_linked_role_deletion_status,
     .iam_action = "iam:GetServiceLinkedRoleDeletionStatus",
     .resource = bw_iam_slr_task_resource,
     .read_only = true},
    {.name = "CreateServiceSpecificCredential",
     .handler = bw_iam_create_service_specific_credential,
     .iam_action = "iam:CreateServiceSpecificCredential",
     .resource = bw_iam_user_resource,
     .context = bw_iam_service_cred_keys},
    {.name = "ListServiceSpecificCredentials",
     .handler = bw_iam_list_service_specific_credentials,
     .iam_action = "iam:ListServiceSpecificCredentials",
     .resource = bw_iam_service_cred_list_resource,
     .read_only = true},
    {.name = "ResetServiceSpecificCredential",
     .handler = bw_iam_reset_service_specific_credential,
     .iam_action = "iam:ResetServiceSpecificCredential",
     .resource = bw_iam_user_resource},
    {.name = "UpdateServiceSpecificCredential",
     .handler = bw_iam_update_service_specific_credential,
     .iam_action = "iam:UpdateServiceSpecificCredential",
     .resource = bw_iam_user_resource},
    {.name = "DeleteServiceSpecificCredential",
     .handler = bw_iam_delete_service_specific_credential,
     .iam_action = "iam:DeleteServiceSpecificCredential",
     .resource = bw_iam_user_resource},
};

const struct bw_op_table bw_iam_service_linked_ops = BW_OP_TABLE(s_ops);
