/* fuzz_query_codec.c: awsQuery form bodies into IAM/STS operations.
 * Byte 0 picks the operation; the rest is the form body. A decoded request
 * is encoded back as the op's output, and every outcome as an error too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *svc, *op;
} s_ops[] = {
	{"iam", "CreateUser"}, {"iam", "PutUserPolicy"}, {"iam", "ListUsers"},
	{"iam", "CreatePolicy"}, {"iam", "GetAccountAuthorizationDetails"},
	{"iam", "UpdateAccountPasswordPolicy"}, {"iam", "TagRole"},
	{"sts", "AssumeRole"}, {"sts", "GetCallerIdentity"}, {"sts", "GetFederationToken"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t n = sizeof s_ops / sizeof s_ops[0];
	struct bw_header ct = {"Content-Type", "application/x-www-form-urlencoded"};
	struct bw_http_request req;
	memset(&req, 0, sizeof req);
	strcpy(req.method, "POST");
	req.target = req.path = (char *)"/";
	req.query = (char *)"";
	req.headers = &ct;
	req.nheaders = 1;
	req.body = malloc(size);
	if (!req.body)
		return 0;
	memcpy(req.body, data + 1, size - 1);
	req.body[size - 1] = 0;
	req.body_len = size - 1;

	struct bw_call call;
	memset(&call, 0, sizeof call);
	call.model = bw_model_find(s_ops[data[0] % n].svc);
	call.op = bw_model_op(call.model, s_ops[data[0] % n].op);
	call.req = &req;
	strcpy(call.request_id, "fuzz");
	json_t *in = NULL;
	struct bw_http_response resp;
	memset(&resp, 0, sizeof resp);
	if (bw_codec_query.decode(&call, &in) == 0) {
		/* the input is not the output shape; encode must still not crash */
		(void)bw_codec_query.encode(&call, in, &resp);
		bw_resp_free(&resp);
		memset(&resp, 0, sizeof resp);
	}
	bw_codec_query.encode_error(&call, &resp);
	bw_resp_free(&resp);
	json_decref(in);
	free(req.body);
	return 0;
}
