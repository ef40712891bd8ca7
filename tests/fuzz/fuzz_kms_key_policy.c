/*
 * fuzz_kms_key_policy: the key policy path — a fuzzed key policy parsed as
 * a resource policy (as PutKeyPolicy and CreateKey do) and, when it parses,
 * evaluated the way KMS authorization uses it: alone for a caller of the
 * account (with the KMS condition keys), and with an identity policy that
 * allows everything, for a key in another account (the delegation question).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char s_allow_all[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
	"\"Resource\":\"*\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_policy *key_policy = NULL, *identity = NULL;
	char err[256];
	if (bw_policy_parse((const char *)data, size, BW_POLICY_RESOURCE, NULL, &key_policy, err,
	                    sizeof err) != 0)
		return 0;
	if (bw_policy_parse(s_allow_all, strlen(s_allow_all), BW_POLICY_IDENTITY, NULL, &identity,
	                    err, sizeof err) != 0) {
		bw_policy_unref(key_policy);
		return 0;
	}
	const char *resource = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
	const char *account[] = {"123456789012"}, *ctx_keys[] = {"Department", "Project"};
	const char *dept[] = {"IT"}, *spec[] = {"SYMMETRIC_DEFAULT"}, *ip[] = {"127.0.0.1"};
	struct bw_ctx_key keys[] = {
		{"kms:CallerAccount", account, 1},
		{"kms:EncryptionContextKeys", ctx_keys, 2},
		{"kms:EncryptionContext:Department", dept, 1},
		{"kms:KeySpec", spec, 1},
		{"aws:SourceIp", ip, 1},
	};
	const struct bw_policy *ids[] = {identity};
	for (int as_other_account = 0; as_other_account < 2; as_other_account++) {
		struct bw_request_ctx ctx = {
			.action = "kms:Decrypt",
			.resources = &resource,
			.n_resources = 1,
			.principal_arn = "arn:aws:iam::123456789012:user/alice",
			.principal_account = "123456789012",
			.principal_type = BW_PRINCIPAL_USER,
			.resource_account = as_other_account ? "999999999999" : NULL,
			.now_s = 1795000000,
			.keys = keys,
			.n_keys = sizeof keys / sizeof keys[0],
		};
		struct bw_policy_set set = {.identity = ids, .n_identity = as_other_account ? 1 : 0,
		                            .resource = key_policy};
		struct bw_eval_result res;
		if (bw_policy_evaluate(&ctx, &set, &res) == 0 && res.decision != BW_DECISION_ALLOW) {
			struct bw_buf msg = {0};
			if (bw_policy_format_denial(&ctx, &res, &msg) == 0)
				bw_buf_free(&msg);
		}
	}
	bw_policy_unref(identity);
	bw_policy_unref(key_policy);
	return 0;
}
