/*
 * kms.c: the KMS service (awsJson 1.1, TrentService): its operation table.
 * Key management lands with the KMS issue; GenerateRandom needs no key.
 */
#include "services/kms/kms_ops.h"
#include "services/service.h"

static const struct bw_op_impl s_ops[] = {
	{"GenerateRandom", bw_kms_generate_random, "kms:GenerateRandom", NULL, true},
};

static const struct bw_op_table s_table = BW_OP_TABLE(s_ops);

const struct bw_service bw_service_kms = {
	.model_name = "kms",
	.tables = (const struct bw_op_table *const[]){&s_table},
	.ntables = 1,
};
