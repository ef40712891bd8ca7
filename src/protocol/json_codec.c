/*
 * json_codec.c: the awsJson 1.0 / 1.1 codec (KMS, CloudTrail, WAFv2, Shield,
 * Config, Macie... the X-Amz-Target services).
 *
 * Request: POST / with X-Amz-Target (the router already chose the operation)
 * and a JSON object body. Response: 200 and the output's JSON, or the error
 * as {"__type": code, "message": ...} — botocore reads the code from
 * `__type` (dropping anything up to '#') and the message from `message`.
 */
#include "protocol/codec.h"

#include <stdio.h>
#include <stdlib.h>

#include "protocol/json_body.h"
#include "protocol/validate.h"

static const char *s_content_type(const struct bw_call *call)
{
	if (call->model && call->model->json_version &&
	    call->model->json_version[0] == '1' && call->model->json_version[1] == '.' &&
	    call->model->json_version[2] == '0')
		return "application/x-amz-json-1.0";
	return "application/x-amz-json-1.1";
}

static int s_decode(struct bw_call *call, json_t **in)
{
	*in = NULL;
	if (!call->op || !call->req)
		return bw_fail_status(call, 400, "UnknownOperationException", "Unknown operation");
	json_t *wire = NULL;
	if (bw_json_parse_body(call, call->req->body, call->req->body_len, &wire) != 0)
		return -1;
	if (call->op->input == BW_NO_SHAPE) {
		/* nothing to map, but the body had to be a JSON object all the same */
		json_decref(wire);
		*in = json_object();
		return *in ? 0 : bw_fail_status(call, 500, "InternalFailure", "out of memory");
	}
	json_t *v = NULL;
	int rc = bw_json_from_wire(call, call->op->input, wire, false, &v);
	json_decref(wire);
	if (rc != 0)
		return -1;
	if (bw_validate(call, call->op->input, v) != 0) {
		json_decref(v);
		return -1;
	}
	*in = v;
	return 0;
}

static int s_set_body(struct bw_http_response *resp, const json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		return -1;
	bw_buf_reset(&resp->body);
	int rc = bw_buf_append_str(&resp->body, text);
	free(text);
	return rc;
}

static int s_encode(struct bw_call *call, const json_t *out, struct bw_http_response *resp)
{
	resp->status = 200;
	if (bw_resp_header(resp, "Content-Type", s_content_type(call)) != 0)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	if (!call->op || call->op->output == BW_NO_SHAPE) {
		bw_buf_reset(&resp->body);
		return bw_buf_append_str(&resp->body, "{}") == 0
			? 0 : bw_fail_status(call, 500, "InternalFailure", "out of memory");
	}
	json_t *wire = bw_json_to_wire(call, call->op->output, out, false);
	if (!wire)
		return -1;
	int rc = s_set_body(resp, wire);
	json_decref(wire);
	return rc == 0 ? 0 : bw_fail_status(call, 500, "InternalFailure", "out of memory");
}

static void s_encode_error(struct bw_call *call, struct bw_http_response *resp)
{
	resp->status = call->err.status ? call->err.status : 500;
	const char *code = call->err.code[0] ? call->err.code : "InternalFailure";
	json_t *doc = json_pack("{s:o}", "__type", bw_json_string_lossy(code));
	/* Some errors carry no message at all (KMS's InvalidCiphertextException,
	 * KMSInvalidSignatureException, KMSInvalidMacException): AWS's body is
	 * then {"__type": ...} alone, and an SDK shows no message. An empty
	 * message is how a handler asks for that. */
	if (doc && call->err.message[0] &&
	    json_object_set_new(doc, "message", bw_json_string_lossy(call->err.message)) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	if (!doc || bw_resp_header(resp, "Content-Type", s_content_type(call)) != 0 ||
	    s_set_body(resp, doc) != 0)
		resp->status = 500;
	json_decref(doc);
}

const struct bw_codec bw_codec_json = {
	.decode = s_decode,
	.encode = s_encode,
	.encode_error = s_encode_error,
};
