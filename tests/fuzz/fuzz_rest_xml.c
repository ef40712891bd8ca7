/* fuzz_rest_xml.c: S3 XML bodies and headers into restXml input decoding.
 * Byte 0 picks the operation; then "header-value\n" (given to
 * Content-MD5-free headers: x-amz-meta-f and x-amz-acl), then the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *op, *path, *query;
} s_ops[] = {
	{"PutBucketTagging", "/b", "tagging"},
	{"DeleteObjects", "/b", "delete"},
	{"CreateBucket", "/b", ""},
	{"CompleteMultipartUpload", "/b/k", "uploadId=u"},
	{"PutBucketAcl", "/b", "acl"},
	{"PutBucketCors", "/b", "cors"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t n = sizeof s_ops / sizeof s_ops[0];
	const char *rest = (const char *)data + 1;
	size_t rlen = size - 1;
	const char *nl = memchr(rest, '\n', rlen);
	size_t hlen = nl ? (size_t)(nl - rest) : 0;
	char *hval = strndup(rest, hlen);
	uint8_t *body = malloc(rlen - (nl ? hlen + 1 : 0) + 1);
	if (!hval || !body) {
		free(hval);
		free(body);
		return 0;
	}
	size_t blen = rlen - (nl ? hlen + 1 : 0);
	memcpy(body, rest + (nl ? hlen + 1 : 0), blen);
	body[blen] = 0;

	struct bw_header hdrs[2] = {{"x-amz-meta-f", hval}, {"x-amz-acl", hval}};
	struct bw_http_request req;
	memset(&req, 0, sizeof req);
	const struct bw_service_model *m = bw_model_find("s3");
	const struct bw_operation *op = bw_model_op(m, s_ops[data[0] % n].op);
	strcpy(req.method, op->method);
	req.target = req.path = (char *)s_ops[data[0] % n].path;
	req.query = (char *)s_ops[data[0] % n].query;
	req.headers = hdrs;
	req.nheaders = 2;
	req.body = body;
	req.body_len = blen;

	struct bw_call call;
	memset(&call, 0, sizeof call);
	call.model = m;
	call.op = op;
	call.req = &req;
	call.path = req.path;
	call.uri_labels = json_pack("{s:s,s:s}", "Bucket", "b", "Key", "k");
	strcpy(call.request_id, "fuzz");
	json_t *in = NULL;
	struct bw_http_response resp;
	memset(&resp, 0, sizeof resp);
	(void)bw_codec_rest_xml.decode(&call, &in);
	bw_codec_rest_xml.encode_error(&call, &resp);
	bw_resp_free(&resp);
	json_decref(in);
	json_decref(call.uri_labels);
	free(hval);
	free(body);
	return 0;
}
