/*
 * rest_xml.c: the restXml codec (S3).
 *
 * Members bound to the URI, query string and headers go through rest.c's
 * bindings; this file owns the body:
 *   input   a structure payload is XML whose root element is the payload
 *           member's locationName (Tagging, Delete, CreateBucketConfiguration,
 *           CompleteMultipartUpload...); its xmlns is tolerated, not required.
 *           A streaming blob payload (PutObject/UploadPart Body) stays out of
 *           the internal form: call->in_stream is the request body. Other
 *           blob/string payloads go in as base64/string. An empty body leaves
 *           an optional payload out; bw_validate catches a required one.
 *   output  a streaming payload is call->out_stream's bytes as they are; a
 *           structure payload, or the output's body members, become an XML
 *           document with xmlns="http://s3.amazonaws.com/doc/2006-03-01/"
 *           and the root element S3 uses (ListAllMyBucketsResult, ...).
 *   errors  <Error><Code/><Message/><RequestId/><HostId/></Error> without a
 *           namespace (botocore's RestXMLParser keys on a root tag of exactly
 *           "Error"); HEAD responses carry no body at all, and botocore
 *           then derives the code from the status.
 * XML that is malformed or does not fit the shape is S3's 400 MalformedXML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "protocol/codec.h"
#include "protocol/rest.h"
#include "protocol/validate.h"
#include "protocol/xml.h"

#define S_MALFORMED_XML                                                                     \
	"The XML you provided was not well-formed or did not validate against our published " \
	"schema"

static bool s_streaming(const struct bw_member *mb, const struct bw_shape *ms)
{
	return (mb->flags & BW_MF_STREAMING) || (ms->flags & BW_SF_STREAMING);
}

static bool s_has_body_members(const struct bw_shape *sh)
{
	for (uint16_t i = 0; i < sh->nmembers; i++)
		if (sh->members[i].location == BW_LOC_BODY)
			return true;
	return false;
}

/* Parse the body as XML rooted at `root_name` (NULL: any) and decode it as
 * the shape at `shape`. */
static int s_parse_body(struct bw_call *call, uint16_t shape, const char *root_name,
                        json_t **out)
{
	char err[200];
	struct bw_xml_node *root = NULL;
	*out = NULL;
	if (bw_xml_parse(call->req->body, call->req->body_len, &root, err, sizeof err))
		return bw_fail(call, "MalformedXML", S_MALFORMED_XML);
	int rc = 0;
	if (root_name && strcmp(root->name, root_name) != 0)
		rc = bw_fail(call, "MalformedXML", S_MALFORMED_XML);
	else if (bw_xml_decode(call->model, shape, root, out, err, sizeof err))
		rc = bw_fail(call, "MalformedXML", S_MALFORMED_XML);
	bw_xml_free(root);
	return rc;
}

static int s_decode_payload(struct bw_call *call, const struct bw_shape *sh, json_t *in)
{
	const struct bw_http_request *req = call->req;
	const struct bw_member *mb = bw_shape_member(sh, sh->payload);
	const struct bw_shape *ms = mb ? bw_shape_at(call->model, mb->shape) : NULL;
	if (!ms)
		return bw_fail_status(call, 500, "InternalError", "Model payload %s not found",
		                      sh->payload);
	if (ms->type == BW_T_BLOB && s_streaming(mb, ms)) {
		call->in_stream = bw_cur_from(req->body, req->body ? req->body_len : 0);
		return 0;
	}
	if (!req->body || req->body_len == 0)
		return 0;
	json_t *v = NULL;
	switch ((enum bw_shape_type)ms->type) {
	case BW_T_STRUCTURE:
		if (s_parse_body(call, mb->shape, bw_member_wire_name(mb), &v))
			return -1;
		break;
	case BW_T_BLOB: {
		struct bw_buf b64 = {0};
		if (bw_base64_encode(req->body, req->body_len, &b64) == 0)
			v = json_stringn((const char *)b64.data, b64.len);
		bw_buf_free(&b64);
		if (!v)
			return bw_fail_status(call, 500, "InternalError", "Out of memory");
		break;
	}
	case BW_T_STRING:
		v = json_stringn((const char *)req->body, req->body_len);
		if (!v)
			return bw_fail(call, "InvalidArgument", "The request body is not valid UTF-8");
		break;
	default:
		return bw_fail_status(call, 500, "InternalError", "Unsupported payload type");
	}
	if (json_object_set_new(in, mb->name, v))
		return bw_fail_status(call, 500, "InternalError", "Out of memory");
	return 0;
}

static int s_decode(struct bw_call *call, json_t **in)
{
	*in = NULL;
	if (!call->req || !call->model || !call->op)
		return bw_fail_status(call, 500, "InternalError", "Call not routed");
	json_t *obj = json_object();
	if (!obj)
		return bw_fail_status(call, 500, "InternalError", "Out of memory");
	const struct bw_operation *op = call->op;
	if (op->input == BW_NO_SHAPE) {
		*in = obj;
		return 0;
	}
	const struct bw_shape *sh = bw_shape_at(call->model, op->input);
	if (!sh)
		goto error;
	if (bw_rest_decode_bindings(call, sh, obj))
		goto error;
	if (sh->payload) {
		if (s_decode_payload(call, sh, obj))
			goto error;
	} else if (call->req->body && call->req->body_len && s_has_body_members(sh)) {
		/* restXml without a payload member: the body is the input shape
		 * itself, rooted at the operation's input locationName. */
		json_t *body = NULL;
		if (s_parse_body(call, op->input, op->input_xml_name, &body))
			goto error;
		int rc = json_object_update_missing(obj, body);
		json_decref(body);
		if (rc) {
			bw_fail_status(call, 500, "InternalError", "Out of memory");
			goto error;
		}
	}
	if (bw_validate(call, op->input, obj))
		goto error;
	*in = obj;
	return 0;
error:
	if (!call->failed)
		bw_fail_status(call, 500, "InternalError", "Request decoding failed");
	json_decref(obj);
	return -1;
}

/* The root element S3 puts around an output's body members. */
struct s_root {
	const char *op;
	const char *root;
};

static const struct s_root s_roots[] = {
	{"CompleteMultipartUpload", "CompleteMultipartUploadResult"},
	{"CreateMultipartUpload", "InitiateMultipartUploadResult"},
	{"DeleteObjects", "DeleteResult"},
	{"GetBucketAccelerateConfiguration", "AccelerateConfiguration"},
	{"GetBucketAcl", "AccessControlPolicy"},
	{"GetBucketCors", "CORSConfiguration"},
	{"GetBucketLifecycleConfiguration", "LifecycleConfiguration"},
	{"GetBucketLogging", "BucketLoggingStatus"},
	{"GetBucketNotificationConfiguration", "NotificationConfiguration"},
	{"GetBucketRequestPayment", "RequestPaymentConfiguration"},
	{"GetBucketTagging", "Tagging"},
	{"GetBucketVersioning", "VersioningConfiguration"},
	{"GetBucketWebsite", "WebsiteConfiguration"},
	{"GetObjectAcl", "AccessControlPolicy"},
	{"GetObjectAttributes", "GetObjectAttributesResponse"},
	{"GetObjectTagging", "Tagging"},
	{"ListBuckets", "ListAllMyBucketsResult"},
	{"ListMultipartUploads", "ListMultipartUploadsResult"},
	{"ListObjectVersions", "ListVersionsResult"},
	{"ListObjects", "ListBucketResult"},
	{"ListObjectsV2", "ListBucketResult"},
	{"ListParts", "ListPartsResult"},
};

static void s_root_name(const struct bw_operation *op, const struct bw_shape *sh, char *out,
                        size_t outlen)
{
	for (size_t i = 0; i < sizeof s_roots / sizeof s_roots[0]; i++)
		if (strcmp(s_roots[i].op, op->name) == 0) {
			snprintf(out, outlen, "%s", s_roots[i].root);
			return;
		}
	if (sh->xml_name)
		snprintf(out, outlen, "%s", sh->xml_name);
	else
		snprintf(out, outlen, "%sResult", op->name);
}

static int s_ids(struct bw_call *call, struct bw_http_response *resp)
{
	struct bw_buf host = {0};
	/* x-amz-id-2 is opaque to clients; S3 sends a base64 token. */
	int rc = bw_base64_encode(call->request_id, strnlen(call->request_id,
	                                                    sizeof call->request_id), &host);
	if (rc == 0)
		rc = bw_resp_header(resp, "x-amz-request-id", call->request_id);
	if (rc == 0)
		rc = bw_resp_header(resp, "x-amz-id-2", bw_buf_cstr(&host));
	bw_buf_free(&host);
	return rc;
}

static int s_set_content_type(struct bw_http_response *resp, const char *ct)
{
	if (bw_resp_header_get(resp, "Content-Type"))
		return 0;
	return bw_resp_header(resp, "Content-Type", ct);
}

static int s_encode_payload(struct bw_call *call, const struct bw_shape *sh, const json_t *out,
                            struct bw_http_response *resp)
{
	const struct bw_service_model *m = call->model;
	const struct bw_member *mb = bw_shape_member(sh, sh->payload);
	const struct bw_shape *ms = mb ? bw_shape_at(m, mb->shape) : NULL;
	if (!ms)
		return -1;
	if (ms->type == BW_T_BLOB && s_streaming(mb, ms)) {
		/* move the bytes rather than copy a possibly large object */
		bw_buf_free(&resp->body);
		resp->body = call->out_stream;
		call->out_stream = (struct bw_buf){0};
		return s_set_content_type(resp, "binary/octet-stream");
	}
	const json_t *v = json_is_object(out) ? json_object_get(out, mb->name) : NULL;
	if (!v || json_is_null(v))
		return 0;
	switch ((enum bw_shape_type)ms->type) {
	case BW_T_STRUCTURE:
		if (bw_xml_declaration(&resp->body) ||
		    bw_xml_encode_element(m, mb->shape, v, bw_member_wire_name(mb),
		                          m->xml_namespace, &resp->body))
			return -1;
		return s_set_content_type(resp, "application/xml");
	case BW_T_BLOB:
		if (!json_is_string(v))
			return -1;
		return bw_base64_decode(json_string_value(v), json_string_length(v), &resp->body);
	case BW_T_STRING:
		if (!json_is_string(v))
			return -1;
		return bw_buf_append(&resp->body, json_string_value(v), json_string_length(v));
	default:
		return -1;
	}
}

static int s_encode(struct bw_call *call, const json_t *out, struct bw_http_response *resp)
{
	const struct bw_operation *op = call->op;
	const struct bw_service_model *m = call->model;
	bw_buf_reset(&resp->body);
	if (op->output == BW_NO_SHAPE) {
		resp->status = op->status ? op->status : 200;
		if (s_ids(call, resp))
			goto error;
		return 0;
	}
	const struct bw_shape *sh = bw_shape_at(m, op->output);
	json_t *empty = NULL;
	if (!json_is_object(out)) {
		if (out && !json_is_null(out))
			goto error;
		out = empty = json_object();
		if (!empty)
			goto error;
	}
	int rc = !sh || bw_rest_encode_bindings(call, sh, out, resp) || s_ids(call, resp);
	if (rc == 0 && sh->payload) {
		rc = s_encode_payload(call, sh, out, resp);
	} else if (rc == 0 && strcmp(op->method, "HEAD") != 0 && s_has_body_members(sh)) {
		char root[128];
		s_root_name(op, sh, root, sizeof root);
		const json_t *lc = json_object_get(out, "LocationConstraint");
		if (strcmp(op->name, "GetBucketLocation") == 0) {
			/* botocore reads this one's root text (parse_get_bucket_location) */
			rc = bw_xml_declaration(&resp->body) ||
			     bw_xml_open(&resp->body, "LocationConstraint", m->xml_namespace) ||
			     (json_is_string(lc) && bw_xml_escape(&resp->body, json_string_value(lc),
			                                          json_string_length(lc))) ||
			     bw_xml_close(&resp->body, "LocationConstraint");
		} else {
			rc = bw_xml_declaration(&resp->body) ||
			     bw_xml_open(&resp->body, root, m->xml_namespace) ||
			     bw_xml_encode_members(m, sh, out, &resp->body) ||
			     bw_xml_close(&resp->body, root);
		}
		if (rc == 0)
			rc = s_set_content_type(resp, "application/xml");
	}
	json_decref(empty);
	if (rc)
		goto error;
	return 0;
error:
	bw_buf_reset(&resp->body);
	if (!call->failed)
		bw_fail_status(call, 500, "InternalError",
		               "The response of %s could not be encoded", op->name);
	return -1;
}

static void s_encode_error(struct bw_call *call, struct bw_http_response *resp)
{
	const struct bw_error *e = &call->err;
	struct bw_buf *b = &resp->body;
	bw_buf_reset(b);
	resp->status = e->status ? e->status : (e->sender_fault ? 400 : 500);
	/* on out of memory the status alone still tells the client */
	(void)s_ids(call, resp);
	if (call->req && strcmp(call->req->method, "HEAD") == 0)
		return;
	struct bw_buf host = {0};
	if (bw_base64_encode(call->request_id, strnlen(call->request_id, sizeof call->request_id),
	                     &host) ||
	    bw_xml_declaration(b) || bw_xml_open(b, "Error", NULL) ||
	    bw_xml_text_element(b, "Code", e->code, strnlen(e->code, sizeof e->code)) ||
	    bw_xml_text_element(b, "Message", e->message,
	                        strnlen(e->message, sizeof e->message)) ||
	    bw_xml_text_element(b, "RequestId", call->request_id,
	                        strnlen(call->request_id, sizeof call->request_id)) ||
	    bw_xml_text_element(b, "HostId", (const char *)host.data, host.len) ||
	    bw_xml_close(b, "Error") || bw_resp_header(resp, "Content-Type", "application/xml")) {
		bw_buf_reset(b);
		resp->status = 500;
	}
	bw_buf_free(&host);
}

const struct bw_codec bw_codec_rest_xml = {
	.decode = s_decode,
	.encode = s_encode,
	.encode_error = s_encode_error,
};
