/*
 * fuzz_policy_parse: policy JSON -> bw_policy_parse (as every policy kind)
 * -> bw_policy_evaluate against a fixed request context in every role
 * (identity, resource, boundary, session) -> the denial message. Must never
 * crash, leak or hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "auth/policy_principals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const s_res[] = {"arn:aws:s3:::bucket/home/alice/file.txt",
                                    "arn:aws:kms:us-east-1:111122223333:key/k"};
static const char *const s_user[] = {"alice"};
static const char *const s_ip[] = {"203.0.113.7"};
static const char *const s_tags[] = {"env", "team"};
static const char *const s_true[] = {"true"};
static const char *const s_time[] = {"2025-06-01T12:00:00Z"};
static const char *const s_blob[] = {"QmluYXJ5VmFsdWU="};
static const struct bw_ctx_key s_keys[] = {
	{"aws:username", s_user, 1},       {"aws:SourceIp", s_ip, 1},
	{"aws:TagKeys", s_tags, 2},        {"aws:SecureTransport", s_true, 1},
	{"aws:CurrentTime", s_time, 1},    {"my:blob", s_blob, 1},
	{"aws:PrincipalTag/team", s_user, 1}, {"aws:RequestedRegion", NULL, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum bw_policy_kind kinds[] = {BW_POLICY_IDENTITY, BW_POLICY_RESOURCE,
	                                            BW_POLICY_TRUST};
	struct bw_request_ctx ctx = {
		.action = "s3:GetObject",
		.resources = s_res,
		.n_resources = 2,
		.principal_arn = "arn:aws:sts::111122223333:assumed-role/App/s1",
		.principal_account = "111122223333",
		.principal_type = BW_PRINCIPAL_ASSUMED_ROLE,
		.role_arn = "arn:aws:iam::111122223333:role/App",
		.resource_account = size % 2 ? "444455556666" : NULL,
		.now_s = 1748779200,
		.keys = s_keys,
		.n_keys = sizeof s_keys / sizeof *s_keys,
	};
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		char err[256];
		struct bw_policy *p = NULL;
		if (bw_policy_parse((const char *)data, size, kinds[k], NULL, &p, err, sizeof err) != 0)
			continue;
		const struct bw_policy *one[] = {p};
		struct bw_policy_set set = {0};
		if (kinds[k] == BW_POLICY_IDENTITY)
			set = (struct bw_policy_set){.identity = one, .n_identity = 1, .boundary = p,
			                             .session = one, .n_session = 1};
		else
			set.resource = p;
		struct bw_eval_result r;
		if (bw_policy_evaluate(&ctx, &set, &r) == 0 && r.decision != BW_DECISION_ALLOW) {
			struct bw_buf b = {0};
			if (bw_policy_format_denial(&ctx, &r, &b) == 0 && b.len == 0)
				__builtin_trap();
			bw_buf_free(&b);
		}
		bw_policy_unref(p);
	}
	/* the principals a resource policy names, read and rewritten (a deleted
	 * user's ARN becomes its id): the rewrite still parses */
	char *text = strndup((const char *)data, size);
	json_t *arns = text ? bw_policy_aws_principals(text) : NULL;
	const char *first = json_string_value(json_array_get(arns, 0));
	bool changed = false;
	char *rewritten = first ? bw_policy_replace_aws_principal(text, first, "AIDAFUZZFUZZFUZZFUZZ",
	                                                          &changed)
	                        : NULL;
	if (changed && !rewritten)
		__builtin_trap();
	free(rewritten);
	json_decref(arns);
	free(text);
	return 0;
}
