/*
 * rest_json.c: the restJson1 codec (GuardDuty, Inspector2, Security Hub,
 * Macie2, Artifact...).
 *
 * Members travel in the URI, query string and headers (rest.c) or in the
 * body: the body is either one `payload` member (a structure as JSON, a
 * blob or string as the raw bytes; streaming blobs stay out of the internal
 * form in call->in_stream / call->out_stream) or the JSON object of the
 * remaining members. Errors: X-Amzn-ErrorType header and a JSON body with
 * `__type` and `message` (botocore's RestJSONParser takes the code from the
 * header, the message from body "message" or "Message").
 */
#include "protocol/codec.h"

#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "protocol/json_body.h"
#include "protocol/rest.h"
#include "protocol/validate.h"

static int s_oom(struct bw_call *call)
{
	return bw_fail_status(call, 500, "InternalFailure", "out of memory");
}

static bool s_streaming(const struct bw_member *mb, const struct bw_shape *sh)
{
	return (mb->flags & BW_MF_STREAMING) || (sh->flags & BW_SF_STREAMING);
}

static bool s_body_empty(const struct bw_http_request *req)
{
	for (size_t i = 0; i < req->body_len; i++)
		if (req->body[i] != ' ' && req->body[i] != '\t' && req->body[i] != '\r' &&
		    req->body[i] != '\n')
			return false;
	return true;
}

/* The body as the payload member. */
static int s_decode_payload(struct bw_call *call, const struct bw_member *mb, json_t *in)
{
	const struct bw_http_request *req = call->req;
	const struct bw_shape *psh = bw_shape_at(call->model, mb->shape);
	if (!psh)
		return bw_fail_status(call, 500, "InternalFailure", "model has no payload shape");
	json_t *v = NULL;
	if (psh->type == BW_T_STRUCTURE || (psh->flags & BW_SF_DOCUMENT)) {
		if (s_body_empty(req))
			return 0;
		json_t *wire = NULL;
		if (bw_json_parse_body(call, req->body, req->body_len, &wire) != 0)
			return -1;
		int rc = bw_json_from_wire(call, mb->shape, wire, false, &v);
		json_decref(wire);
		if (rc != 0)
			return -1;
	} else if (psh->type == BW_T_BLOB && s_streaming(mb, psh)) {
		call->in_stream = bw_cur_from(req->body, req->body_len);
		return 0;
	} else if (psh->type == BW_T_BLOB) {
		if (req->body_len == 0)
			return 0;
		struct bw_buf b64 = {0};
		if (bw_base64_encode(req->body, req->body_len, &b64) != 0)
			return s_oom(call);
		v = json_stringn((const char *)b64.data, b64.len);
		bw_buf_free(&b64);
		if (!v)
			return s_oom(call);
	} else if (psh->type == BW_T_STRING) {
		if (req->body_len == 0)
			return 0;
		v = json_stringn((const char *)req->body, req->body_len);
		if (!v)
			return bw_fail_status(call, 400, "SerializationException",
			                      "The request body is not valid UTF-8");
	} else {
		return bw_fail_status(call, 500, "InternalFailure",
		                      "unsupported payload type for member %s", mb->name);
	}
	if (json_object_set_new(in, mb->name, v) != 0)
		return s_oom(call);
	return 0;
}

static int s_decode(struct bw_call *call, json_t **in)
{
	*in = NULL;
	if (!call->op || !call->req)
		return bw_fail_status(call, 404, "UnknownOperationException", "Unknown operation");
	json_t *v = json_object();
	if (!v)
		return s_oom(call);
	const struct bw_shape *sh = bw_shape_at(call->model, call->op->input);
	if (!sh) {
		*in = v; /* no input: the body carries nothing we read */
		return 0;
	}
	if (bw_rest_decode_bindings(call, sh, v) != 0)
		goto error;
	const struct bw_member *payload = sh->payload ? bw_shape_member(sh, sh->payload) : NULL;
	if (payload) {
		if (s_decode_payload(call, payload, v) != 0)
			goto error;
	} else if (!s_body_empty(call->req)) {
		json_t *wire = NULL, *body = NULL;
		if (bw_json_parse_body(call, call->req->body, call->req->body_len, &wire) != 0)
			goto error;
		int rc = bw_json_from_wire(call, call->op->input, wire, true, &body);
		json_decref(wire);
		if (rc != 0)
			goto error;
		rc = json_object_update(v, body);
		json_decref(body);
		if (rc != 0) {
			s_oom(call);
			goto error;
		}
	}
	if (bw_validate(call, call->op->input, v) != 0)
		goto error;
	*in = v;
	return 0;
error:
	json_decref(v);
	return -1;
}

static int s_body_json(struct bw_http_response *resp, const json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		return -1;
	bw_buf_reset(&resp->body);
	int rc = bw_buf_append_str(&resp->body, text);
	free(text);
	return rc;
}

static int s_encode_payload(struct bw_call *call, const struct bw_member *mb, const json_t *out,
                            struct bw_http_response *resp)
{
	const struct bw_shape *psh = bw_shape_at(call->model, mb->shape);
	const json_t *pv = json_object_get(out, mb->name);
	bool has_ct = bw_resp_header_get(resp, "Content-Type") != NULL;
	if (!psh)
		return bw_fail_status(call, 500, "InternalFailure", "model has no payload shape");
	bw_buf_reset(&resp->body);
	if (psh->type == BW_T_STRUCTURE || (psh->flags & BW_SF_DOCUMENT)) {
		if (!has_ct && bw_resp_header(resp, "Content-Type", "application/json") != 0)
			return s_oom(call);
		if (!pv || json_is_null(pv))
			return 0;
		json_t *wire = bw_json_to_wire(call, mb->shape, pv, false);
		if (!wire)
			return -1;
		int rc = s_body_json(resp, wire);
		json_decref(wire);
		return rc == 0 ? 0 : s_oom(call);
	}
	if (!has_ct && bw_resp_header(resp, "Content-Type", psh->type == BW_T_STRING
	                                                        ? "text/plain"
	                                                        : "application/octet-stream") != 0)
		return s_oom(call);
	if (psh->type == BW_T_BLOB && s_streaming(mb, psh))
		return bw_buf_append(&resp->body, call->out_stream.data, call->out_stream.len) == 0
			? 0 : s_oom(call);
	if (!pv || json_is_null(pv))
		return 0;
	if (!json_is_string(pv))
		return bw_fail_status(call, 500, "InternalFailure", "payload %s is not a string",
		                      mb->name);
	if (psh->type == BW_T_BLOB) {
		if (bw_base64_decode(json_string_value(pv), json_string_length(pv), &resp->body) != 0)
			return bw_fail_status(call, 500, "InternalFailure",
			                      "payload %s is not base64", mb->name);
		return 0;
	}
	return bw_buf_append(&resp->body, json_string_value(pv), json_string_length(pv)) == 0
		? 0 : s_oom(call);
}

static int s_encode(struct bw_call *call, const json_t *out, struct bw_http_response *resp)
{
	const struct bw_shape *sh = call->op ? bw_shape_at(call->model, call->op->output) : NULL;
	if (bw_rest_encode_bindings(call, sh, out, resp) != 0)
		return -1;
	const struct bw_member *payload = sh && sh->payload ? bw_shape_member(sh, sh->payload)
	                                                    : NULL;
	if (payload)
		return s_encode_payload(call, payload, out, resp);
	if (bw_resp_header(resp, "Content-Type", "application/json") != 0)
		return s_oom(call);
	if (!sh) {
		bw_buf_reset(&resp->body);
		return bw_buf_append_str(&resp->body, "{}") == 0 ? 0 : s_oom(call);
	}
	json_t *wire = bw_json_to_wire(call, call->op->output, out, true);
	if (!wire)
		return -1;
	int rc = s_body_json(resp, wire);
	json_decref(wire);
	return rc == 0 ? 0 : s_oom(call);
}

/* Does the model's exception shape of that code carry a member on the wire
 * under this name? (Security Hub's exceptions use "Message" and "Code".) */
static bool s_error_has(const struct bw_call *call, const char *code, const char *wire)
{
	const struct bw_shape *sh = call->model ? bw_model_shape(call->model, code) : NULL;
	for (uint16_t i = 0; sh && i < sh->nmembers; i++)
		if (strcmp(bw_member_wire_name(&sh->members[i]), wire) == 0)
			return true;
	return false;
}

static void s_encode_error(struct bw_call *call, struct bw_http_response *resp)
{
	resp->status = call->err.status ? call->err.status : 500;
	const char *code = call->err.code[0] ? call->err.code : "InternalFailure";
	json_t *doc = json_pack("{s:o, s:o}", "__type", bw_json_string_lossy(code), "message",
	                        bw_json_string_lossy(call->err.message));
	if (doc && s_error_has(call, code, "Message"))
		json_object_set_new(doc, "Message", bw_json_string_lossy(call->err.message));
	if (doc && s_error_has(call, code, "Code"))
		json_object_set_new(doc, "Code", bw_json_string_lossy(code));
	if (!doc || bw_resp_header(resp, "X-Amzn-ErrorType", code) != 0 ||
	    bw_resp_header(resp, "Content-Type", "application/json") != 0 ||
	    s_body_json(resp, doc) != 0)
		resp->status = 500;
	json_decref(doc);
}

const struct bw_codec bw_codec_rest_json = {
	.decode = s_decode,
	.encode = s_encode,
	.encode_error = s_encode_error,
};
