/*
 * kms.c: the KMS service (awsJson 1.1, TrentService): its operation table.
 * Key management lands with the KMS issue; GenerateRandom needs no key.
 */
#include "services/kms/kms_ops.h"
#include "services/service.h"

static const struct bw_op_impl s_ops[] = {
	{"GenerateRandom", bw_kms_generate_random, "kms:GenerateRandom", NULL, true},
};

const struct bw_service bw_service_kms = {
	.model_name = "kms",
	.ops = s_ops,
	.nops = sizeof s_ops / sizeof s_ops[0],
};
