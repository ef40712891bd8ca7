/*
 * xml_vectors.h: loading the wire vectors of tests/vectors/protocol/xml/
 * (made by tools/gen_xml_vectors.py from real boto3 requests) and running
 * them through a codec. Included by test_query_codec.c and test_rest_xml.c.
 */
#ifndef BW_TEST_XML_VECTORS_H
#define BW_TEST_XML_VECTORS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "gateway/call.h"
#include "http/message.h"
#include "protocol/codec.h"
#include "protocol/model.h"
#include "protocol/rest.h"

static char *vec_path(const char *name, const char *file)
{
	const char *src = getenv("BW_SOURCE_DIR");
	static char path[1024];
	snprintf(path, sizeof path, "%s/tests/vectors/protocol/xml/%s/%s", src ? src : ".", name,
	         file);
	return path;
}

static uint8_t *vec_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap + 1);
	assert_non_null(buf);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Fill req from "METHOD target\nName: value\n...\n\nbody" (text in `raw`). */
static void vec_parse_request(const uint8_t *raw, size_t len, struct bw_http_request *req)
{
	memset(req, 0, sizeof *req);
	const char *s = (const char *)raw;
	const char *end = s + len;
	const char *eol = memchr(s, '\n', len);
	assert_non_null(eol);
	const char *sp = memchr(s, ' ', (size_t)(eol - s));
	assert_non_null(sp);
	memcpy(req->method, s, (size_t)(sp - s));
	req->target = strndup(sp + 1, (size_t)(eol - sp - 1));
	char *q = strchr(req->target, '?');
	req->path = q ? strndup(req->target, (size_t)(q - req->target)) : strdup(req->target);
	req->query = strdup(q ? q + 1 : "");
	s = eol + 1;
	while (s < end && *s != '\n') {
		eol = memchr(s, '\n', (size_t)(end - s));
		assert_non_null(eol);
		const char *colon = memchr(s, ':', (size_t)(eol - s));
		assert_non_null(colon);
		req->headers = realloc(req->headers, (req->nheaders + 1) * sizeof *req->headers);
		req->headers[req->nheaders].name = strndup(s, (size_t)(colon - s));
		req->headers[req->nheaders].value = strndup(colon + 2, (size_t)(eol - colon - 2));
		req->nheaders++;
		s = eol + 1;
	}
	if (s < end)
		s++; /* the blank line */
	req->body_len = (size_t)(end - s);
	req->body = malloc(req->body_len + 1);
	memcpy(req->body, s, req->body_len);
	req->body[req->body_len] = 0;
}

static void vec_free_request(struct bw_http_request *req)
{
	for (size_t i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->headers);
	free(req->target);
	free(req->path);
	free(req->query);
	free(req->body);
	memset(req, 0, sizeof *req);
}

static json_t *vec_case(const char *name)
{
	json_error_t jerr;
	json_t *c = json_load_file(vec_path(name, "case.json"), 0, &jerr);
	if (!c)
		fail_msg("%s: %s", name, jerr.text);
	return c;
}

/* Decode the request of case `name`; every member of case.input must be in
 * the internal form with the same value (bindings may add more, e.g. the
 * checksum headers botocore adds). */
static void vec_decode(const char *name)
{
	json_t *c = vec_case(name);
	size_t len;
	uint8_t *raw = vec_read(vec_path(name, "request.http"), &len);
	assert_non_null(raw);
	struct bw_http_request req;
	vec_parse_request(raw, len, &req);
	free(raw);

	struct bw_call call;
	memset(&call, 0, sizeof call);
	call.model = bw_model_find(json_string_value(json_object_get(c, "service")));
	assert_non_null(call.model);
	const char *opname = json_string_value(json_object_get(c, "operation"));
	call.req = &req;
	strcpy(call.request_id, "test-request-id");
	if (call.model->protocol == BW_PROTO_REST_XML) {
		call.uri_labels = json_object();
		call.op = bw_rest_match(call.model, req.method, req.path, req.query, call.uri_labels,
		                        NULL);
		assert_non_null(call.op);
		call.path = req.path;
	} else {
		call.op = bw_model_op(call.model, opname);
	}
	assert_non_null(call.op);
	assert_string_equal(call.op->name, opname);

	json_t *in = NULL;
	const struct bw_codec *codec = bw_codec_for((enum bw_protocol)call.model->protocol);
	int rc = codec->decode(&call, &in);
	if (rc != 0)
		fail_msg("%s: decode failed: %s: %s", name, call.err.code, call.err.message);
	const char *key;
	json_t *want;
	json_object_foreach(json_object_get(c, "input"), key, want) {
		json_t *got = json_object_get(in, key);
		if (!got || !json_equal(got, want)) {
			char *g = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
			char *w = json_dumps(want, JSON_ENCODE_ANY);
			fail_msg("%s: member %s: got %s, want %s", name, key, g ? g : "(none)", w);
		}
	}
	json_t *stream = json_object_get(c, "stream");
	if (stream) {
		assert_int_equal(call.in_stream.len, json_string_length(stream));
		assert_memory_equal(call.in_stream.ptr, json_string_value(stream),
		                    call.in_stream.len);
	} else {
		assert_int_equal(call.in_stream.len, 0);
	}
	json_decref(in);
	json_decref(call.uri_labels);
	json_decref(c);
	vec_free_request(&req);
}

/* Encode case `name`'s output (or error); compare with response.http, or
 * write it when BW_WRITE_VECTORS is set (then check it with
 * tools/gen_xml_vectors.py --check). */
static void vec_encode(const char *name)
{
	json_t *c = vec_case(name);
	struct bw_http_request req;
	memset(&req, 0, sizeof req);
	snprintf(req.method, sizeof req.method, "%s",
	         json_string_value(json_object_get(c, "method")));
	req.target = req.path = (char *)"/";
	req.query = (char *)"";

	struct bw_call call;
	memset(&call, 0, sizeof call);
	call.model = bw_model_find(json_string_value(json_object_get(c, "service")));
	call.op = bw_model_op(call.model, json_string_value(json_object_get(c, "operation")));
	assert_non_null(call.op);
	call.req = &req;
	snprintf(call.request_id, sizeof call.request_id, "%s",
	         json_string_value(json_object_get(c, "request_id")));
	const struct bw_codec *codec = bw_codec_for((enum bw_protocol)call.model->protocol);
	struct bw_http_response resp;
	memset(&resp, 0, sizeof resp);
	json_t *err = json_object_get(c, "error");
	if (err) {
		call.failed = true;
		call.err.status = (uint16_t)json_integer_value(json_object_get(err, "status"));
		call.err.sender_fault = json_is_true(json_object_get(err, "sender_fault"));
		snprintf(call.err.code, sizeof call.err.code, "%s",
		         json_string_value(json_object_get(err, "code")));
		snprintf(call.err.message, sizeof call.err.message, "%s",
		         json_string_value(json_object_get(err, "message")));
		codec->encode_error(&call, &resp);
	} else {
		int rc = codec->encode(&call, json_object_get(c, "output"), &resp);
		if (rc != 0)
			fail_msg("%s: encode failed: %s: %s", name, call.err.code, call.err.message);
	}
	struct bw_buf got = {0};
	const char *ct = bw_resp_header_get(&resp, "Content-Type");
	const char *rid = bw_resp_header_get(&resp, "x-amz-request-id");
	assert_int_equal(bw_buf_appendf(&got, "%u\n", resp.status), 0);
	if (ct)
		assert_int_equal(bw_buf_appendf(&got, "Content-Type: %s\n", ct), 0);
	if (rid)
		assert_int_equal(bw_buf_appendf(&got, "x-amz-request-id: %s\n", rid), 0);
	assert_int_equal(bw_buf_append(&got, "\n", 1), 0);
	assert_int_equal(bw_buf_append(&got, resp.body.data, resp.body.len), 0);

	const char *path = vec_path(name, "response.http");
	if (getenv("BW_WRITE_VECTORS")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(got.data, 1, got.len, f);
		fclose(f);
	} else {
		size_t len;
		uint8_t *want = vec_read(path, &len);
		if (!want)
			fail_msg("%s: no response.http (run with BW_WRITE_VECTORS=1)", name);
		if (len != got.len || memcmp(want, got.data, len) != 0)
			fail_msg("%s: response differs:\n%s\n--- want ---\n%s", name, bw_buf_cstr(&got),
			         (const char *)want);
		free(want);
	}
	bw_buf_free(&got);
	bw_resp_free(&resp);
	json_decref(c);
}

#endif
