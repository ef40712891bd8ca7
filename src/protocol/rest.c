/*
 * rest.c: what restJson1 and restXml share — matching a request to an
 * operation by method and URI template, and the members bound to the URI,
 * the query string, headers and the status code (the "bindings").
 *
 * Templates ("/detector/{DetectorId}/findings/get", "/{Bucket}/{Key+}?uploads",
 * "/{Bucket}?list-type=2") are matched segment by segment: a {label} takes one
 * non-empty segment, a greedy {label+} the non-empty rest of the path. The
 * "?..." part lists query literals the request must carry ("uploads": present,
 * "list-type=2": present with that value). Operations whose input has
 * required query members (S3 UploadPart: partNumber, uploadId) need those too,
 * which is how S3's same-template operations are told apart by the query.
 */
#include "protocol/rest.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/encoding.h"
#include "protocol/scalar.h"

/* Bounds on outside input: more query parameters or longer paths than any
 * AWS API takes are refused rather than parsed. */
#define S_MAX_QUERY_PARAMS 256
#define S_MAX_HEADER_LIST 1000

/* One decoded query parameter. */
struct s_qp {
	char *key;
	size_t klen;
	char *val;
	size_t vlen;
	bool has_value; /* "a=..." vs bare "a" */
};

struct s_query {
	struct s_qp *p;
	size_t n;
};

static void s_query_free(struct s_query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->p[i].key);
		free(q->p[i].val);
	}
	free(q->p);
	q->p = NULL;
	q->n = 0;
}

static int s_decode_dup(const char *in, size_t len, char **out, size_t *outlen)
{
	struct bw_buf b = {0};
	/* query strings are form-encoded: '+' is a space */
	if (bw_url_decode(in, len, true, &b) != 0 || bw_buf_reserve(&b, 0) != 0) {
		bw_buf_free(&b);
		return -1;
	}
	*outlen = b.len;
	*out = bw_buf_steal(&b);
	return *out ? 0 : -1;
}

/* Split and decode a raw query string; -1 on a bad escape, too many
 * parameters or no memory. */
static int s_query_parse(const char *raw, struct s_query *q)
{
	q->p = NULL;
	q->n = 0;
	if (!raw || !*raw)
		return 0;
	const char *p = raw;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > 0) {
			if (q->n == S_MAX_QUERY_PARAMS)
				goto error;
			struct s_qp *np = realloc(q->p, (q->n + 1) * sizeof *np);
			if (!np)
				goto error;
			q->p = np;
			struct s_qp *qp = &q->p[q->n];
			*qp = (struct s_qp){0};
			const char *eq = memchr(p, '=', len);
			size_t klen = eq ? (size_t)(eq - p) : len;
			if (s_decode_dup(p, klen, &qp->key, &qp->klen) != 0)
				goto error;
			q->n++;
			qp->has_value = eq != NULL;
			const char *v = eq ? eq + 1 : p + len;
			if (s_decode_dup(v, (size_t)(p + len - v), &qp->val, &qp->vlen) != 0)
				goto error;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return 0;
error:
	s_query_free(q);
	return -1;
}

static const struct s_qp *s_query_find(const struct s_query *q, const char *key, size_t klen,
                                       size_t start)
{
	for (size_t i = start; i < q->n; i++)
		if (q->p[i].klen == klen && memcmp(q->p[i].key, key, klen) == 0)
			return &q->p[i];
	return NULL;
}

/* The template's query literals must all be present (and equal where the
 * template gives a value). Returns how many, or -1 if one is missing. */
static int s_match_query_literals(const char *lits, const struct s_query *q)
{
	int n = 0;
	const char *p = lits;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		if (klen > 0) {
			const struct s_qp *qp = s_query_find(q, p, klen, 0);
			if (!qp)
				return -1;
			if (eq) {
				size_t vlen = len - klen - 1;
				if (qp->vlen != vlen || memcmp(qp->val, eq + 1, vlen) != 0)
					return -1;
			}
			n++;
		}
		p = amp ? amp + 1 : NULL;
	}
	return n;
}

/* Required query-bound members of the input must be present. */
static int s_match_required_query(const struct bw_service_model *m,
                                  const struct bw_operation *op, const struct s_query *q)
{
	const struct bw_shape *in = bw_shape_at(m, op->input);
	if (!in)
		return 0;
	int n = 0;
	for (uint16_t i = 0; i < in->nmembers; i++) {
		const struct bw_member *mb = &in->members[i];
		if (mb->location != BW_LOC_QUERY || !(mb->flags & BW_MF_REQUIRED))
			continue;
		const char *key = bw_member_wire_name(mb);
		if (!s_query_find(q, key, strlen(key), 0))
			return -1;
		n++;
	}
	return n;
}

/* Does the input have a required header-bound member? */
static bool s_needs_header(const struct bw_service_model *m, const struct bw_operation *op)
{
	const struct bw_shape *in = bw_shape_at(m, op->input);
	for (uint16_t i = 0; in && i < in->nmembers; i++)
		if (in->members[i].location == BW_LOC_HEADER &&
		    (in->members[i].flags & BW_MF_REQUIRED))
			return true;
	return false;
}

/* Store a percent-decoded label value (no '+' -> space in paths). */
static int s_put_label(json_t *labels, const char *name, size_t nlen, const char *raw,
                       size_t rawlen)
{
	struct bw_buf b = {0};
	char key[128];
	int rc = -1;
	if (nlen >= sizeof key)
		goto out;
	memcpy(key, name, nlen);
	key[nlen] = '\0';
	if (bw_url_decode(raw, rawlen, false, &b) != 0 || bw_buf_reserve(&b, 0) != 0)
		goto out;
	json_t *v = json_stringn((const char *)b.data, b.len);
	if (!v)
		goto out; /* not UTF-8 */
	rc = json_object_set_new(labels, key, v);
out:
	bw_buf_free(&b);
	return rc;
}

/*
 * Match a template's path part (tlen bytes) against the request path.
 * Returns the number of literal segments, or -1. Labels go to `labels`
 * when non-NULL.
 */
static int s_match_path(const char *tpl, size_t tlen, const char *path, json_t *labels)
{
	const char *t = tpl, *tend = tpl + tlen;
	const char *p = path;
	int literals = 0;
	if (tlen == 0 || *t != '/' || *p != '/')
		return -1;
	while (t < tend) {
		if (*t != '/' || *p != '/')
			return -1;
		t++;
		p++;
		const char *tseg_end = memchr(t, '/', (size_t)(tend - t));
		if (!tseg_end)
			tseg_end = tend;
		size_t tseg = (size_t)(tseg_end - t);
		const char *pseg_end = strchr(p, '/');
		if (!pseg_end)
			pseg_end = p + strlen(p);
		size_t pseg = (size_t)(pseg_end - p);
		bool label = tseg >= 2 && t[0] == '{' && t[tseg - 1] == '}';
		if (label && t[tseg - 2] == '+') {
			/* greedy: the rest of the path, slashes and all */
			size_t rest = strlen(p);
			if (rest == 0 || tseg_end != tend)
				return -1;
			if (labels && s_put_label(labels, t + 1, tseg - 3, p, rest) != 0)
				return -1;
			return literals;
		}
		if (label) {
			if (pseg == 0)
				return -1;
			if (labels && s_put_label(labels, t + 1, tseg - 2, p, pseg) != 0)
				return -1;
		} else {
			if (pseg != tseg || memcmp(p, t, tseg) != 0)
				return -1;
			if (tseg)
				literals++;
		}
		t = tseg_end;
		p = pseg_end;
	}
	/* the whole path must be used; one trailing '/' is tolerated */
	if (*p == '\0' || (p[0] == '/' && p[1] == '\0' && tlen > 1))
		return literals;
	return -1;
}

/* Specificity of op for this request, or -1 if it does not match. */
static int s_score(const struct bw_service_model *m, const struct bw_operation *op,
                   const char *method, const char *path, const struct s_query *q,
                   json_t *labels)
{
	if (!op->method || !op->uri || strcmp(op->method, method) != 0)
		return -1;
	const char *qmark = strchr(op->uri, '?');
	size_t tlen = qmark ? (size_t)(qmark - op->uri) : strlen(op->uri);
	int lits = s_match_path(op->uri, tlen, path, NULL);
	if (lits < 0)
		return -1;
	int qlits = qmark ? s_match_query_literals(qmark + 1, q) : 0;
	if (qlits < 0)
		return -1;
	int req = s_match_required_query(m, op, q);
	if (req < 0)
		return -1;
	if (labels && s_match_path(op->uri, tlen, path, labels) < 0)
		return -1;
	/* more literal segments first, then more query literals / required
	 * query members; last, among operations sharing a template (S3's
	 * PutObject and CopyObject), the one needing no header we cannot see
	 * here: the caller tells those apart by the header (x-amz-copy-source) */
	return lits * 64 + (qlits + req) * 2 + (s_needs_header(m, op) ? 0 : 1);
}

const struct bw_operation *bw_rest_match(const struct bw_service_model *m, const char *method,
                                         const char *path, const char *query, json_t *labels,
                                         int *score)
{
	if (score)
		*score = -1;
	if (!m || !method || !path)
		return NULL;
	struct s_query q;
	if (s_query_parse(query, &q) != 0)
		return NULL;
	const struct bw_operation *best = NULL;
	int best_score = -1;
	for (uint16_t i = 0; i < m->nops; i++) {
		int s = s_score(m, &m->ops[i], method, path, &q, NULL);
		if (s > best_score) {
			best = &m->ops[i];
			best_score = s;
		}
	}
	if (best && labels) {
		json_object_clear(labels);
		if (s_score(m, best, method, path, &q, labels) < 0)
			best = NULL; /* a label that is not UTF-8 or not decodable */
	}
	s_query_free(&q);
	if (score)
		*score = best ? best_score : -1;
	return best;
}

/* ---- decoding bindings ---------------------------------------------- */

static int s_bad_value(struct bw_call *call, const struct bw_member *mb, const char *where,
                       const char *text, size_t len)
{
	const struct bw_shape *sh = bw_shape_at(call->model, mb->shape);
	static const char *const types[] = {"structure", "list",   "map",     "string",
	                                    "integer",   "long",   "float",   "double",
	                                    "boolean",   "timestamp", "blob"};
	const char *tname = sh && sh->type < sizeof types / sizeof types[0] ? types[sh->type]
	                                                                      : "value";
	int shown = len > 64 ? 64 : (int)len;
	return bw_fail_status(call, 400, "SerializationException",
	                      "Cannot convert %s '%s' value '%.*s%s' to %s", where,
	                      bw_member_wire_name(mb), shown, text, len > 64 ? "..." : "", tname);
}

static json_t *s_text_value(const struct bw_service_model *m, uint16_t shape,
                            const char *text, size_t len, enum bw_ts_format fmt)
{
	return bw_scalar_from_text(bw_shape_at(m, shape), text, len, fmt);
}

static int s_decode_uri(struct bw_call *call, const struct bw_member *mb, json_t *in)
{
	const json_t *lv = call->uri_labels ? json_object_get(call->uri_labels,
	                                                      bw_member_wire_name(mb))
	                                    : NULL;
	if (!json_is_string(lv))
		return 0; /* validation reports it if required */
	const struct bw_shape *sh = bw_shape_at(call->model, mb->shape);
	const char *s = json_string_value(lv);
	size_t len = json_string_length(lv);
	json_t *v = bw_scalar_from_text(sh, s, len, bw_ts_format_of(mb, sh, BW_TS_ISO8601));
	if (!v)
		return s_bad_value(call, mb, "URI label", s, len);
	if (json_object_set_new(in, mb->name, v) != 0)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	return 0;
}

static bool s_is_query_bound(const struct bw_shape *input, const char *key, size_t klen)
{
	for (uint16_t i = 0; i < input->nmembers; i++) {
		const struct bw_member *mb = &input->members[i];
		if (mb->location != BW_LOC_QUERY)
			continue;
		const char *w = bw_member_wire_name(mb);
		if (strlen(w) == klen && memcmp(w, key, klen) == 0)
			return true;
	}
	return false;
}

/* A map bound to the query takes every parameter no other member names. */
static int s_decode_query_map(struct bw_call *call, const struct bw_shape *input,
                              const struct bw_member *mb, const struct bw_shape *sh,
                              const struct s_query *q, json_t *in)
{
	const struct bw_shape *vs = bw_shape_at(call->model, sh->member);
	if (!vs)
		return 0;
	json_t *map = json_object();
	if (!map)
		goto oom;
	for (size_t i = 0; i < q->n; i++) {
		const struct s_qp *qp = &q->p[i];
		if (s_is_query_bound(input, qp->key, qp->klen) || memchr(qp->key, '\0', qp->klen))
			continue;
		json_t *val = json_stringn(qp->val, qp->vlen);
		if (!val) {
			json_decref(map);
			return s_bad_value(call, mb, "query parameter", qp->val, qp->vlen);
		}
		if (vs->type == BW_T_LIST) {
			json_t *arr = json_object_get(map, qp->key);
			if (!arr) {
				arr = json_array();
				if (!arr || json_object_set_new(map, qp->key, arr) != 0) {
					json_decref(val);
					goto oom;
				}
			}
			if (json_array_append_new(arr, val) != 0)
				goto oom;
		} else if (json_object_get(map, qp->key)) {
			json_decref(val); /* the first value wins */
		} else if (json_object_set_new(map, qp->key, val) != 0) {
			goto oom;
		}
	}
	if (json_object_size(map) == 0) {
		json_decref(map);
		return 0;
	}
	if (json_object_set_new(in, mb->name, map) != 0)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	return 0;
oom:
	json_decref(map);
	return bw_fail_status(call, 500, "InternalFailure", "out of memory");
}

static int s_decode_query(struct bw_call *call, const struct bw_shape *input,
                          const struct bw_member *mb, const struct s_query *q, json_t *in)
{
	const struct bw_shape *sh = bw_shape_at(call->model, mb->shape);
	if (!sh)
		return 0;
	if (sh->type == BW_T_MAP)
		return s_decode_query_map(call, input, mb, sh, q, in);
	const char *key = bw_member_wire_name(mb);
	size_t klen = strlen(key);
	if (sh->type == BW_T_LIST) {
		const struct bw_shape *es = bw_shape_at(call->model, sh->member);
		json_t *arr = NULL;
		for (size_t i = 0; i < q->n; i++) {
			const struct s_qp *qp = &q->p[i];
			if (qp->klen != klen || memcmp(qp->key, key, klen) != 0)
				continue;
			if (!arr && !(arr = json_array()))
				return bw_fail_status(call, 500, "InternalFailure", "out of memory");
			json_t *v = bw_scalar_from_text(es, qp->val, qp->vlen,
			                                bw_ts_format_of(NULL, es, BW_TS_ISO8601));
			if (!v) {
				json_decref(arr);
				return s_bad_value(call, mb, "query parameter", qp->val, qp->vlen);
			}
			if (json_array_append_new(arr, v) != 0) {
				json_decref(arr);
				return bw_fail_status(call, 500, "InternalFailure", "out of memory");
			}
		}
		if (arr && json_object_set_new(in, mb->name, arr) != 0)
			return bw_fail_status(call, 500, "InternalFailure", "out of memory");
		return 0;
	}
	const struct s_qp *qp = s_query_find(q, key, klen, 0);
	if (!qp)
		return 0;
	json_t *v = bw_scalar_from_text(sh, qp->val, qp->vlen,
	                                bw_ts_format_of(mb, sh, BW_TS_ISO8601));
	if (!v)
		return s_bad_value(call, mb, "query parameter", qp->val, qp->vlen);
	if (json_object_set_new(in, mb->name, v) != 0)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	return 0;
}

/* A jsonvalue header: base64 of a JSON text; the internal form keeps the
 * JSON text as a string, once checked to be JSON. */
static json_t *s_jsonvalue_from_header(const char *text)
{
	struct bw_buf b = {0};
	json_t *out = NULL;
	if (bw_base64_decode(text, strlen(text), &b) != 0 || bw_buf_reserve(&b, 0) != 0)
		goto out;
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)b.data, b.len,
	                         JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		goto out;
	json_decref(doc);
	out = json_stringn((const char *)b.data, b.len);
out:
	bw_buf_free(&b);
	return out;
}

/* A list in a header: comma-separated, each item trimmed. */
static json_t *s_header_list(const struct bw_service_model *m, const struct bw_shape *sh,
                             const char *text)
{
	const struct bw_shape *es = bw_shape_at(m, sh->member);
	json_t *arr = json_array();
	if (!arr || !es)
		goto error;
	const char *p = text;
	for (size_t n = 0; *p; n++) {
		if (n == S_MAX_HEADER_LIST)
			goto error;
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *b = p;
		while (b < end && (*b == ' ' || *b == '\t'))
			b++;
		const char *e = end;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		json_t *v = s_text_value(m, sh->member, b, (size_t)(e - b),
		                         bw_ts_format_of(NULL, es, BW_TS_RFC822));
		if (!v || json_array_append_new(arr, v) != 0)
			goto error;
		if (!comma)
			break;
		p = comma + 1;
	}
	return arr;
error:
	json_decref(arr);
	return NULL;
}

static int s_decode_header(struct bw_call *call, const struct bw_member *mb, json_t *in)
{
	const char *name = bw_member_wire_name(mb);
	const char *text = bw_req_header(call->req, name);
	if (!text)
		return 0;
	const struct bw_shape *sh = bw_shape_at(call->model, mb->shape);
	if (!sh)
		return 0;
	json_t *v;
	if (mb->flags & BW_MF_JSONVALUE)
		v = s_jsonvalue_from_header(text);
	else if (sh->type == BW_T_LIST)
		v = s_header_list(call->model, sh, text);
	else
		/* an explicit format is enforced; by default any form is taken,
		 * though SDKs send RFC 822 */
		v = bw_scalar_from_text(sh, text, strlen(text), bw_ts_format_of(mb, sh, BW_TS_DEFAULT));
	if (!v)
		return s_bad_value(call, mb, "header", text, strlen(text));
	if (json_object_set_new(in, mb->name, v) != 0)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	return 0;
}

/* Every header starting with the prefix, prefix stripped, key lower-cased. */
static int s_decode_prefix_headers(struct bw_call *call, const struct bw_member *mb, json_t *in)
{
	const char *prefix = bw_member_wire_name(mb);
	size_t plen = strlen(prefix);
	const struct bw_http_request *req = call->req;
	json_t *map = NULL;
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct bw_header *h = &req->headers[i];
		if (!h->name || !h->value || strncasecmp(h->name, prefix, plen) != 0)
			continue;
		size_t klen = strlen(h->name + plen);
		if (klen == 0 || klen > 1024)
			continue;
		char *key = strdup(h->name + plen);
		if (!key)
			goto oom;
		for (size_t k = 0; k < klen; k++)
			if (key[k] >= 'A' && key[k] <= 'Z')
				key[k] = (char)(key[k] - 'A' + 'a');
		json_t *v = json_string(h->value);
		if (!v) {
			free(key);
			json_decref(map);
			return s_bad_value(call, mb, "header", h->value, strlen(h->value));
		}
		if ((!map && !(map = json_object())) || json_object_set_new(map, key, v) != 0) {
			if (!map)
				json_decref(v);
			free(key);
			goto oom;
		}
		free(key);
	}
	if (map && json_object_set_new(in, mb->name, map) != 0)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	return 0;
oom:
	json_decref(map);
	return bw_fail_status(call, 500, "InternalFailure", "out of memory");
}

int bw_rest_decode_bindings(struct bw_call *call, const struct bw_shape *input, json_t *in)
{
	if (!call || !input || !json_is_object(in))
		return 0;
	struct s_query q = {0};
	bool have_query = false;
	int rc = 0;
	for (uint16_t i = 0; i < input->nmembers && rc == 0; i++) {
		const struct bw_member *mb = &input->members[i];
		switch ((enum bw_location)mb->location) {
		case BW_LOC_URI:
			rc = s_decode_uri(call, mb, in);
			break;
		case BW_LOC_QUERY:
			if (!have_query) {
				if (s_query_parse(call->req ? call->req->query : NULL, &q) != 0)
					return bw_fail_status(call, 400, "SerializationException",
					                      "Malformed query string");
				have_query = true;
			}
			rc = s_decode_query(call, input, mb, &q, in);
			break;
		case BW_LOC_HEADER:
			if (call->req)
				rc = s_decode_header(call, mb, in);
			break;
		case BW_LOC_HEADERS:
			if (call->req)
				rc = s_decode_prefix_headers(call, mb, in);
			break;
		case BW_LOC_BODY:
		case BW_LOC_STATUS:
			break;
		}
	}
	s_query_free(&q);
	return rc;
}

/* ---- encoding bindings ---------------------------------------------- */

/* Header values must not smuggle a line break into the response. */
static bool s_header_safe(const struct bw_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == '\r' || b->data[i] == '\n' || b->data[i] == '\0')
			return false;
	return true;
}

static int s_header_text(struct bw_call *call, const struct bw_member *mb,
                         const struct bw_shape *sh, const json_t *v, struct bw_buf *out)
{
	if (mb->flags & BW_MF_JSONVALUE) {
		if (!json_is_string(v))
			return -1;
		return bw_base64_encode(json_string_value(v), json_string_length(v), out);
	}
	if (sh->type == BW_T_LIST) {
		const struct bw_shape *es = bw_shape_at(call->model, sh->member);
		if (!es || !json_is_array(v))
			return -1;
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i && bw_buf_append_str(out, ",") != 0)
				return -1;
			if (bw_scalar_to_text(es, json_array_get(v, i),
			                      bw_ts_format_of(NULL, es, BW_TS_RFC822), out) != 0)
				return -1;
		}
		return 0;
	}
	return bw_scalar_to_text(sh, v, bw_ts_format_of(mb, sh, BW_TS_RFC822), out);
}

int bw_rest_encode_bindings(struct bw_call *call, const struct bw_shape *output,
                            const json_t *out, struct bw_http_response *resp)
{
	if (!call || !resp)
		return -1;
	resp->status = call->op && call->op->status ? call->op->status : 200;
	if (!output || !json_is_object(out))
		return 0;
	struct bw_buf text = {0};
	const char *current = "";
	for (uint16_t i = 0; i < output->nmembers; i++) {
		const struct bw_member *mb = &output->members[i];
		current = mb->name;
		const json_t *v = json_object_get(out, mb->name);
		const struct bw_shape *sh = bw_shape_at(call->model, mb->shape);
		if (!v || json_is_null(v) || !sh)
			continue;
		bw_buf_reset(&text);
		switch ((enum bw_location)mb->location) {
		case BW_LOC_HEADER:
			if (s_header_text(call, mb, sh, v, &text) != 0 || bw_buf_reserve(&text, 0) != 0)
				goto bad;
			if (!s_header_safe(&text))
				goto bad;
			if (bw_resp_header(resp, bw_member_wire_name(mb), bw_buf_cstr(&text)) != 0)
				goto oom;
			break;
		case BW_LOC_HEADERS: {
			if (!json_is_object(v))
				goto bad;
			const char *key;
			json_t *hv;
			json_object_foreach((json_t *)v, key, hv) {
				bw_buf_reset(&text);
				if (!json_is_string(hv) ||
				    bw_buf_appendf(&text, "%s%s", bw_member_wire_name(mb), key) != 0 ||
				    !s_header_safe(&text))
					goto bad;
				const char *val = json_string_value(hv);
				if (strpbrk(val, "\r\n") || strlen(val) != json_string_length(hv))
					goto bad;
				if (bw_resp_header(resp, bw_buf_cstr(&text), val) != 0)
					goto oom;
			}
			break;
		}
		case BW_LOC_STATUS:
			if (!json_is_integer(v) || json_integer_value(v) < 100 ||
			    json_integer_value(v) > 599)
				goto bad;
			resp->status = (uint16_t)json_integer_value(v);
			break;
		case BW_LOC_BODY:
		case BW_LOC_URI:
		case BW_LOC_QUERY:
			break;
		}
	}
	bw_buf_free(&text);
	return 0;
bad:
	bw_buf_free(&text);
	return bw_fail_status(call, 500, "InternalFailure",
	                      "The response could not be encoded: bad value for member '%s'",
	                      current);
oom:
	bw_buf_free(&text);
	return bw_fail_status(call, 500, "InternalFailure", "out of memory");
}
