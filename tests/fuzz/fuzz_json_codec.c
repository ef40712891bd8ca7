/*
 * fuzz_json_codec.c: the awsJson codec on arbitrary bodies. The first byte
 * picks a KMS / CloudTrail / WAFv2 operation, the rest is the body; what
 * decodes is encoded back as that operation's output, and the error path
 * is encoded too. Nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const s_services[] = {"kms", "cloudtrail", "wafv2"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const struct bw_service_model *m = bw_model_find(s_services[data[0] % 3]);
	if (!m || m->nops == 0)
		return 0;
	const struct bw_operation *op = &m->ops[(data[0] / 3) % m->nops];
	struct bw_http_request req = {.method = "POST", .path = "/", .query = ""};
	/* a copy NUL-terminated past the end, as the HTTP layer hands it over */
	req.body = malloc(size);
	if (!req.body)
		return 0;
	memcpy(req.body, data + 1, size - 1);
	req.body[size - 1] = 0;
	req.body_len = size - 1;
	struct bw_call call = {.model = m, .op = op, .req = &req};
	strcpy(call.request_id, "fuzz");
	json_t *in = NULL;
	struct bw_http_response resp = {0};
	if (bw_codec_json.decode(&call, &in) == 0) {
		/* the input as output exercises the encoder on decoded shapes */
		(void)bw_codec_json.encode(&call, in, &resp);
		bw_resp_free(&resp);
		resp = (struct bw_http_response){0};
		json_decref(in);
		bw_fail(&call, "NotFoundException", "not found");
	}
	bw_codec_json.encode_error(&call, &resp);
	bw_resp_free(&resp);
	free(req.body);
	return 0;
}
