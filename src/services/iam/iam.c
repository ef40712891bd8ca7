/*
 * iam.c: the IAM service (awsQuery): its operation tables — identities
 * (users, groups, access keys, the account: iam_identity_table.c) and
 * policies and roles (iam_policies_table.c), service-linked roles and
 * service-specific credentials (iam_service_linked_table.c).
 */
#include "services/iam/iam_principals.h"
#include "services/service.h"

extern const struct bw_op_table bw_iam_identity_ops;
extern const struct bw_op_table bw_iam_policy_ops;
extern const struct bw_op_table bw_iam_service_linked_ops;

static const struct bw_op_table *const s_tables[] = {&bw_iam_identity_ops, &bw_iam_policy_ops,
                                                     &bw_iam_service_linked_ops};

const struct bw_service bw_service_iam = {
	.model_name = "iam",
	.tables = s_tables,
	.ntables = sizeof s_tables / sizeof s_tables[0],
	.principal_deleted = bw_iam_trust_principal_deleted,
};
