/*
 * fuzz_rest_json.c: routing and decoding restJson1 requests. The input is
 * "<method>\n<path>\n<query>\n<body>" (missing parts are empty), matched
 * against GuardDuty or Security Hub (first byte), then decoded and the
 * result encoded back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/codec.h"
#include "protocol/rest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next '\n'-terminated field as a fresh C string. */
static char *s_field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	const uint8_t *stop = nl ? nl : end;
	size_t n = (size_t)(stop - *p);
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, *p, n);
	s[n] = 0;
	*p = nl ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const struct bw_service_model *m =
		bw_model_find(data[0] & 1 ? "securityhub" : "guardduty");
	const uint8_t *p = data + 1, *end = data + size;
	char *method = s_field(&p, end);
	char *path = s_field(&p, end);
	char *query = s_field(&p, end);
	size_t blen = (size_t)(end - p);
	uint8_t *body = malloc(blen + 1);
	json_t *labels = json_object();
	if (!m || !method || !path || !query || !body || !labels)
		goto out;
	memcpy(body, p, blen);
	body[blen] = 0;
	struct bw_http_request req = {.path = path, .query = query, .body = body,
	                              .body_len = blen};
	strncpy(req.method, method, sizeof req.method - 1);
	const struct bw_operation *op = bw_rest_match(m, req.method, path, query, labels, NULL);
	if (!op)
		goto out;
	struct bw_call call = {.model = m, .op = op, .req = &req, .uri_labels = labels};
	strcpy(call.request_id, "fuzz");
	json_t *in = NULL;
	struct bw_http_response resp = {0};
	if (bw_codec_rest_json.decode(&call, &in) == 0) {
		(void)bw_codec_rest_json.encode(&call, in, &resp);
		bw_resp_free(&resp);
		resp = (struct bw_http_response){0};
		json_decref(in);
		bw_fail(&call, "BadRequestException", "bad");
	}
	bw_codec_rest_json.encode_error(&call, &resp);
	bw_resp_free(&resp);
out:
	json_decref(labels);
	free(method);
	free(path);
	free(query);
	free(body);
	return 0;
}
