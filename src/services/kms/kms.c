/*
 * kms.c: the KMS service (awsJson 1.1, TrentService): its operation
 * tables — GenerateRandom (random.c, needs no key), key management
 * (kms_keys_table.c) and the cryptographic operations
 * (kms_crypto_table.c) — and its periodic sweep (bw_kms_tick: keys whose
 * deletion window ended are destroyed, scheduled rotations happen).
 */
#include "services/kms/kms_authz.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_ops.h"
#include "services/service.h"

extern const struct bw_op_table bw_kms_crypto_ops;

static const struct bw_op_impl s_ops[] = {
	{"GenerateRandom", bw_kms_generate_random, "kms:GenerateRandom", NULL, true},
};

static const struct bw_op_table s_table = BW_OP_TABLE(s_ops);

static const struct bw_op_table *const s_tables[] = {&s_table, &bw_kms_key_ops,
                                                     &bw_kms_crypto_ops};

const struct bw_service bw_service_kms = {
	.model_name = "kms",
	.tables = s_tables,
	.ntables = sizeof s_tables / sizeof s_tables[0],
	.tick = bw_kms_tick,
	.principal_deleted = bw_kms_principal_deleted,
};
