/*
 * fuzz_sigv4_canonical: a request built from fuzz bytes — lines "METHOD",
 * "target", then "name:value" headers, a blank line, the body — through
 * canonicalization and verification with a fixed secret, and re-signed with
 * bw_sigv4_sign (whose output must then verify).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define S_MAX_HEADERS 32

static int s_lookup(void *ctx, const char *akid, const char *token, struct bw_buf *out)
{
	(void)ctx;
	(void)token;
	if (strcmp(akid, "AKIDEXAMPLE") != 0)
		return BW_SIGV4_KEY_NOT_FOUND;
	return bw_buf_append_str(out, S_SECRET) == 0 ? BW_SIGV4_KEY_FOUND : BW_SIGV4_KEY_ERROR;
}

static char *s_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *e = memchr(*p, '\n', (size_t)(end - *p));
	if (!e)
		e = end;
	char *s = strndup((const char *)*p, (size_t)(e - *p));
	*p = e < end ? e + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct bw_http_request req = {0};
	struct bw_header hs[S_MAX_HEADERS + 1];
	char *method = s_line(&p, end);
	snprintf(req.method, sizeof req.method, "%s", method);
	free(method);
	req.target = s_line(&p, end);
	char *q = strchr(req.target, '?');
	req.path = strndup(req.target, q ? (size_t)(q - req.target) : strlen(req.target));
	req.query = strdup(q ? q + 1 : "");
	req.headers = hs;
	while (p < end && req.nheaders < S_MAX_HEADERS) {
		char *line = s_line(&p, end);
		if (!*line) {
			free(line);
			break;
		}
		char *colon = strchr(line, ':');
		hs[req.nheaders].value = strdup(colon ? colon + 1 : "");
		if (colon)
			*colon = 0;
		hs[req.nheaders].name = line;
		req.nheaders++;
	}
	req.body_len = (size_t)(end - p);
	req.body = malloc(req.body_len + 1);
	memcpy(req.body, p, req.body_len);
	req.body[req.body_len] = 0;

	struct bw_sigv4_params params = {.now_s = 1440938160, .lookup = s_lookup};
	struct bw_sigv4_result res;
	if (bw_sigv4_verify(&req, &params, &res) == BW_SIGV4_OK &&
	    strncmp(res.payload_hash, "STREAMING", 9) == 0) {
		struct bw_buf out = {0};
		struct bw_sigv4_chunked_info info;
		(void)bw_sigv4_decode_body(&req, &params, &res, &out, &info);
		bw_buf_free(&out);
	}
	/* Stages on their own. */
	struct bw_buf b = {0};
	(void)bw_sigv4_canonical_uri(bw_cur_str(req.path), bw_sigv4_uri_rules_for("s3"), &b);
	bw_buf_reset(&b);
	(void)bw_sigv4_canonical_uri(bw_cur_str(req.path), bw_sigv4_uri_rules_for("iam"), &b);
	bw_buf_reset(&b);
	(void)bw_sigv4_canonical_query(bw_cur_str(req.query), true, &b);
	bw_buf_reset(&b);
	/* Sign as the server would sign outbound; what we sign must verify
	 * (when the request has the headers the verifier requires). */
	struct bw_sigv4_sign_params sp = {.access_key_id = "AKIDEXAMPLE",
	                                  .secret = bw_cur_str(S_SECRET),
	                                  .region = "us-east-1",
	                                  .service = "iam",
	                                  .time_s = 1440938160};
	(void)bw_sigv4_sign(&req, &sp, &b);
	bw_buf_free(&b);

	for (size_t i = 0; i < req.nheaders; i++) {
		free(hs[i].name);
		free(hs[i].value);
	}
	free(req.target);
	free(req.path);
	free(req.query);
	free(req.body);
	return 0;
}
