/*
 * vectors.h: loading the protocol test vectors of tests/vectors/protocol/
 * (made by tools/gen_protocol_vectors.py with botocore) into a request.
 */
#ifndef BW_TEST_PROTOCOL_VECTORS_H
#define BW_TEST_PROTOCOL_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/message.h"

struct vec {
	char service[64];
	char operation[128];
	struct bw_http_request req;
	json_t *input;    /* internal form the decoder must produce */
	json_t *output;   /* internal form to encode, or NULL */
	json_t *response; /* wire body it must encode to, or NULL */
};

static inline char *vec_read(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	const char *root = getenv("BW_SOURCE_DIR");
	snprintf(path, sizeof path, "%s/tests/vectors/protocol/%s/%s", root ? root : ".", dir,
	         name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	if (buf)
		buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static inline json_t *vec_json(const char *dir, const char *name)
{
	char *text = vec_read(dir, name, NULL);
	if (!text)
		return NULL;
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	free(text);
	return v;
}

static inline int vec_load(const char *dir, struct vec *v)
{
	memset(v, 0, sizeof *v);
	char *s = vec_read(dir, "service", NULL);
	char *o = vec_read(dir, "operation", NULL);
	char *m = vec_read(dir, "method", NULL);
	char *h = vec_read(dir, "headers", NULL);
	if (!s || !o || !m || !h) {
		free(s);
		free(o);
		free(m);
		free(h);
		return -1;
	}
	snprintf(v->service, sizeof v->service, "%s", s);
	snprintf(v->operation, sizeof v->operation, "%s", o);
	snprintf(v->req.method, sizeof v->req.method, "%s", m);
	free(s);
	free(o);
	free(m);
	v->req.path = vec_read(dir, "path", NULL);
	v->req.query = vec_read(dir, "query", NULL);
	if (!v->req.query)
		v->req.query = strdup("");
	size_t blen = 0;
	v->req.body = (uint8_t *)vec_read(dir, "body", &blen);
	v->req.body_len = blen;
	size_t plen = strlen(v->req.path) + strlen(v->req.query) + 2;
	v->req.target = malloc(plen);
	snprintf(v->req.target, plen, "%s%s%s", v->req.path, *v->req.query ? "?" : "",
	         v->req.query);
	/* "Name: value" lines */
	for (char *line = h; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *colon = strchr(line, ':');
		if (colon) {
			*colon = 0;
			char *val = colon + 1;
			while (*val == ' ')
				val++;
			struct bw_header *nh =
				realloc(v->req.headers, (v->req.nheaders + 1) * sizeof *nh);
			if (!nh)
				break;
			v->req.headers = nh;
			nh[v->req.nheaders].name = strdup(line);
			nh[v->req.nheaders].value = strdup(val);
			v->req.nheaders++;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(h);
	v->input = vec_json(dir, "input.json");
	v->output = vec_json(dir, "output.json");
	v->response = vec_json(dir, "response.json");
	return v->input ? 0 : -1;
}

static inline void vec_free(struct vec *v)
{
	bw_req_free(&v->req);
	json_decref(v->input);
	json_decref(v->output);
	json_decref(v->response);
}

/* Parse a response body as JSON (NULL if it is not). */
static inline json_t *vec_body_json(const struct bw_http_response *resp)
{
	json_error_t jerr;
	return json_loadb((const char *)resp->body.data, resp->body.len, 0, &jerr);
}

#endif
