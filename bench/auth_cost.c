/*
 * auth_cost: the CPU cost per request of SigV4 verification and of IAM
 * policy evaluation, measured apart from any server. Built by CMake as
 * bench_auth (never run by the tests); bench/run.sh prints its figures.
 */
#include <stdio.h>
#include <string.h>

#include "auth/policy.h"
#include "auth/sigv4.h"
#include "core/timeutil.h"

static const char s_secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

static int s_lookup(void *ctx, const char *akid, const char *token, struct bw_buf *secret)
{
	(void)ctx;
	(void)akid;
	(void)token;
	return bw_buf_append_str(secret, s_secret) == 0 ? BW_SIGV4_KEY_FOUND : BW_SIGV4_KEY_ERROR;
}

int main(void)
{
	enum { N = 200000 };
	char body[] = "Action=GetUser&Version=2010-05-08&UserName=bench";
	char date[20];
	int64_t now = bw_now_ms() / 1000;
	bw_time_amzdate((double)now, date, sizeof date);
	struct bw_header hdrs[4] = {
		{(char *)"Host", (char *)"127.0.0.1:4566"},
		{(char *)"Content-Type", (char *)"application/x-www-form-urlencoded; charset=utf-8"},
		{(char *)"X-Amz-Date", date},
	};
	struct bw_http_request req = {.method = "POST", .target = (char *)"/", .path = (char *)"/",
	                              .query = (char *)"", .headers = hdrs, .nheaders = 3,
	                              .body = (uint8_t *)body, .body_len = strlen(body)};
	struct bw_sigv4_sign_params sp = {.access_key_id = "AKIAIOSFODNN7EXAMPLE",
	                                  .secret = bw_cur_str(s_secret), .region = "us-east-1",
	                                  .service = "iam", .time_s = now};
	struct bw_buf authz = {0};
	if (bw_sigv4_sign(&req, &sp, &authz) != BW_SIGV4_OK)
		return 1;
	hdrs[3] = (struct bw_header){(char *)"Authorization", (char *)bw_buf_cstr(&authz)};
	req.nheaders = 4;
	struct bw_sigv4_params vp = {.now_s = now, .lookup = s_lookup};
	struct bw_sigv4_result res;
	uint64_t t0 = bw_mono_ns();
	for (int i = 0; i < N; i++)
		if (bw_sigv4_verify(&req, &vp, &res) != BW_SIGV4_OK)
			return 2;
	double sigv4_us = (double)(bw_mono_ns() - t0) / N / 1000.0;

	/* a user with three policies, one with a condition and a variable */
	const char *docs[] = {
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
		"[\"iam:Get*\",\"iam:List*\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"}]}",
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\","
		"\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"127.0.0.0/8\"}}}]}",
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":"
		"\"iam:Delete*\",\"Resource\":\"*\"}]}",
	};
	struct bw_policy *pol[3];
	char err[128];
	for (int i = 0; i < 3; i++)
		if (bw_policy_parse(docs[i], strlen(docs[i]), BW_POLICY_IDENTITY, NULL, &pol[i], err,
		                    sizeof err) != 0)
			return 3;
	const char *resource = "arn:aws:iam::123456789012:user/bench";
	const char *ip[] = {"127.0.0.1"}, *user[] = {"bench"};
	struct bw_ctx_key keys[] = {{"aws:SourceIp", ip, 1}, {"aws:username", user, 1}};
	struct bw_request_ctx ctx = {.action = "iam:GetUser", .resources = &resource,
	                             .n_resources = 1,
	                             .principal_arn = "arn:aws:iam::123456789012:user/bench",
	                             .principal_account = "123456789012",
	                             .principal_type = BW_PRINCIPAL_USER, .now_s = (double)now,
	                             .keys = keys, .n_keys = 2};
	struct bw_policy_set set = {.identity = (const struct bw_policy *const *)pol, .n_identity = 3};
	struct bw_eval_result er;
	t0 = bw_mono_ns();
	for (int i = 0; i < N; i++)
		if (bw_policy_evaluate(&ctx, &set, &er) != 0 || er.decision != BW_DECISION_ALLOW)
			return 4;
	double policy_us = (double)(bw_mono_ns() - t0) / N / 1000.0;
	printf("sigv4_verify_us=%.2f policy_evaluate_us=%.2f\n", sigv4_us, policy_us);
	for (int i = 0; i < 3; i++)
		bw_policy_unref(pol[i]);
	bw_buf_free(&authz);
	return 0;
}
