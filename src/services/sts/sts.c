/*
 * sts.c: the STS service (awsQuery): its operation table, and
 * GetCallerIdentity, which answers for whoever authentication said is
 * calling (call->principal). AssumeRoleWithSAML, AssumeRoleWithWebIdentity,
 * GetFederationToken and AssumeRoot are not registered: the gateway answers
 * them NotImplemented.
 */
#include "services/service.h"
#include "services/sts/sts_credentials.h"
#include "services/sts/sts_errors.h"

static int s_get_caller_identity(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)in;
	const struct bw_principal *p = &call->principal;
	/* principal.account is empty only if authentication left the principal
	 * unset; the call's account is then the one it runs in. */
	const char *account = p->account[0] ? p->account : call->account_id;
	if (!p->arn[0] || !p->principal_id[0])
		return bw_fail(call, STS_CALLER_UNKNOWN);
	if (json_object_set_new(out, "UserId", json_string(p->principal_id)) != 0 ||
	    json_object_set_new(out, "Account", json_string(account)) != 0 ||
	    json_object_set_new(out, "Arn", json_string(p->arn)) != 0)
		return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
	return 0;
}

static const struct bw_op_impl s_ops[] = {
	{.name = "AssumeRole", .handler = bw_sts_assume_role, .iam_action = "sts:AssumeRole",
	 .resource = bw_sts_assume_role_resource, .context = bw_sts_assume_role_keys,
	 .authorize = bw_sts_assume_role_authorize},
	{.name = "DecodeAuthorizationMessage", .handler = bw_sts_decode_authorization_message,
	 .iam_action = "sts:DecodeAuthorizationMessage", .read_only = true},
	{.name = "GetAccessKeyInfo", .handler = bw_sts_get_access_key_info,
	 .iam_action = "sts:GetAccessKeyInfo", .read_only = true},
	/* "No permissions are required to perform this operation" (AWS API
	 * reference): even a caller denied everything may ask who it is. */
	{.name = "GetCallerIdentity", .handler = s_get_caller_identity,
	 .iam_action = "sts:GetCallerIdentity", .read_only = true, .no_authorization = true},
	/* The authorizer refuses session credentials before any policy is
	 * asked, as AWS does (sts_federation.c). */
	{.name = "GetFederationToken", .handler = bw_sts_get_federation_token,
	 .iam_action = "sts:GetFederationToken", .resource = bw_sts_federation_resource,
	 .authorize = bw_sts_federation_authorize},
	/* "No permissions are required for users to perform this operation.
	 * The purpose of the sts:GetSessionToken operation is to authenticate
	 * the user using MFA. You cannot use policies to control authentication
	 * operations." (AWS API reference). The handler refuses session
	 * credentials, which AWS does not let call it. */
	{.name = "GetSessionToken", .handler = bw_sts_get_session_token,
	 .iam_action = "sts:GetSessionToken", .no_authorization = true},
};

static const struct bw_op_table s_table = BW_OP_TABLE(s_ops);

const struct bw_service bw_service_sts = {
	.model_name = "sts",
	.tables = (const struct bw_op_table *const[]){&s_table},
	.ntables = 1,
};
