/*
 * sts.c: the STS service (awsQuery). Until authentication lands every
 * caller is the account root, so GetCallerIdentity answers for it.
 */
#include <stdio.h>

#include "services/service.h"

static int s_get_caller_identity(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)in;
	char arn[64];
	snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", call->account_id);
	if (json_object_set_new(out, "UserId", json_string(call->account_id)) != 0 ||
	    json_object_set_new(out, "Account", json_string(call->account_id)) != 0 ||
	    json_object_set_new(out, "Arn", json_string(arn)) != 0)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	return 0;
}

static const struct bw_op_impl s_ops[] = {
	{"GetCallerIdentity", s_get_caller_identity, "sts:GetCallerIdentity", NULL, true},
};

const struct bw_service bw_service_sts = {
	.model_name = "sts",
	.ops = s_ops,
	.nops = sizeof s_ops / sizeof s_ops[0],
};
