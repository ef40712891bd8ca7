/*
 * json_body.c: the shape-driven JSON document mapping shared by the awsJson
 * and restJson1 codecs (json_body.h): parsing a request body with bounds,
 * wire JSON -> internal form with type checks, internal form -> wire JSON.
 */
#include "protocol/json_body.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/timeutil.h"
#include "protocol/scalar.h"

/* ---- parsing ---------------------------------------------------------- */

static const char *s_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "structure or map";
	case JSON_ARRAY:
		return "list";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "value";
}

int bw_json_parse_body(struct bw_call *call, const uint8_t *body, size_t len, json_t **out)
{
	*out = NULL;
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (i == len) {
		*out = json_object();
		return *out ? 0 : bw_fail_status(call, 500, "InternalFailure", "out of memory");
	}
	if (!bw_json_depth_within(body, len, BW_JSON_MAX_DEPTH))
		return bw_fail_status(call, 400, "SerializationException",
		                      "The request body is nested more than %d levels deep",
		                      BW_JSON_MAX_DEPTH);
	json_error_t jerr;
	/* duplicate keys are tolerated (the last one wins), as AWS does */
	json_t *v = json_loadb((const char *)body, len, JSON_DECODE_ANY, &jerr);
	if (!v)
		return bw_fail_status(call, 400, "SerializationException",
		                      "The request body is not valid JSON: %s (at byte %d)",
		                      jerr.text, jerr.position);
	if (!json_is_object(v)) {
		int rc = bw_fail_status(call, 400, "SerializationException",
		                        "Start of %s found where a structure was expected",
		                        s_kind(v));
		json_decref(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* ---- wire -> internal ------------------------------------------------- */

struct s_ctx {
	struct bw_call *call;
	const struct bw_service_model *model;
	struct bw_buf path; /* where we are, for messages: "Tags[1].TagKey" */
};

static const char *s_type_name(const struct bw_shape *sh)
{
	static const char *const names[] = {"structure", "list",   "map",     "string",
	                                    "integer",   "long",   "float",   "double",
	                                    "boolean",   "timestamp", "blob"};
	return sh->type < sizeof names / sizeof names[0] ? names[sh->type] : "value";
}

static int s_mismatch(struct s_ctx *c, const struct bw_shape *sh, const json_t *found)
{
	return bw_fail_status(c->call, 400, "SerializationException",
	                      "Start of %s found where a %s was expected at '%s'", s_kind(found),
	                      s_type_name(sh), c->path.len ? bw_buf_cstr(&c->path) : "(body)");
}

static int s_oom(struct bw_call *call)
{
	return bw_fail_status(call, 500, "InternalFailure", "out of memory");
}

static bool s_bound_elsewhere(const struct bw_member *mb)
{
	return mb->location != BW_LOC_BODY;
}

static int s_from(struct s_ctx *c, const struct bw_member *mb, uint16_t shape,
                  const json_t *w, int depth, json_t **out);

/* Append before + s[0..n) + after to the path ("." is dropped at the root). */
static int s_push(struct s_ctx *c, const char *before, const char *s, size_t n,
                  const char *after)
{
	if (c->path.len == 0 && before[0] == '.')
		before++;
	if (bw_buf_append_str(&c->path, before) != 0 || bw_buf_append(&c->path, s, n) != 0 ||
	    bw_buf_append_str(&c->path, after) != 0)
		return s_oom(c->call);
	return 0;
}

static void s_pop(struct s_ctx *c, size_t mark)
{
	c->path.len = mark;
	if (c->path.data)
		c->path.data[mark] = 0;
}

static int s_from_structure(struct s_ctx *c, const struct bw_shape *sh, const json_t *w,
                            int depth, bool body_only, json_t **out)
{
	if (!json_is_object(w))
		return s_mismatch(c, sh, w);
	json_t *o = json_object();
	if (!o)
		return s_oom(c->call);
	for (uint16_t i = 0; i < sh->nmembers; i++) {
		const struct bw_member *mb = &sh->members[i];
		if (body_only && s_bound_elsewhere(mb))
			continue;
		const json_t *mv = json_object_get(w, bw_member_wire_name(mb));
		if (!mv || json_is_null(mv))
			continue;
		size_t mark = c->path.len;
		json_t *v = NULL;
		if (s_push(c, ".", mb->name, strlen(mb->name), "") != 0 ||
		    s_from(c, mb, mb->shape, mv, depth + 1, &v) != 0 ||
		    json_object_set_new(o, mb->name, v) != 0) {
			if (!c->call->failed)
				s_oom(c->call);
			json_decref(o);
			return -1;
		}
		s_pop(c, mark);
	}
	*out = o;
	return 0;
}

static int s_from_list(struct s_ctx *c, const struct bw_shape *sh, const json_t *w, int depth,
                       json_t **out)
{
	if (!json_is_array(w))
		return s_mismatch(c, sh, w);
	json_t *a = json_array();
	if (!a)
		return s_oom(c->call);
	for (size_t i = 0; i < json_array_size(w); i++) {
		const json_t *e = json_array_get(w, i);
		if (json_is_null(e))
			continue; /* a sparse entry carries nothing */
		size_t mark = c->path.len;
		char idx[24];
		snprintf(idx, sizeof idx, "%zu", i);
		json_t *v = NULL;
		if (s_push(c, "[", idx, strlen(idx), "]") != 0 ||
		    s_from(c, NULL, sh->member, e, depth + 1, &v) != 0 ||
		    json_array_append_new(a, v) != 0) {
			if (!c->call->failed)
				s_oom(c->call);
			json_decref(a);
			return -1;
		}
		s_pop(c, mark);
	}
	*out = a;
	return 0;
}

static int s_from_map(struct s_ctx *c, const struct bw_shape *sh, const json_t *w, int depth,
                      json_t **out)
{
	if (!json_is_object(w))
		return s_mismatch(c, sh, w);
	json_t *o = json_object();
	if (!o)
		return s_oom(c->call);
	const char *key;
	json_t *e;
	json_object_foreach((json_t *)w, key, e) {
		if (json_is_null(e))
			continue;
		size_t mark = c->path.len;
		json_t *v = NULL;
		size_t klen = strlen(key);
		if (s_push(c, ".", key, klen > 64 ? 64 : klen, "") != 0 ||
		    s_from(c, NULL, sh->member, e, depth + 1, &v) != 0 ||
		    json_object_set_new(o, key, v) != 0) {
			if (!c->call->failed)
				s_oom(c->call);
			json_decref(o);
			return -1;
		}
		s_pop(c, mark);
	}
	*out = o;
	return 0;
}

static int s_from_timestamp(struct s_ctx *c, const struct bw_member *mb,
                            const struct bw_shape *sh, const json_t *w, json_t **out)
{
	if (json_is_number(w)) {
		if (!isfinite(json_number_value(w)))
			return s_mismatch(c, sh, w);
		*out = json_copy((json_t *)w);
		return *out ? 0 : s_oom(c->call);
	}
	enum bw_ts_format fmt = bw_ts_format_of(mb, sh, BW_TS_EPOCH);
	double v;
	if (json_is_string(w) && fmt == BW_TS_ISO8601 && bw_parse_iso8601(json_string_value(w), &v)) {
		*out = v == floor(v) ? json_integer((json_int_t)v) : json_real(v);
		return *out ? 0 : s_oom(c->call);
	}
	if (json_is_string(w))
		return bw_fail_status(c->call, 400, "SerializationException",
		                      "Invalid timestamp '%.64s' at '%s': expected epoch seconds",
		                      json_string_value(w), bw_buf_cstr(&c->path));
	return s_mismatch(c, sh, w);
}

static int s_from(struct s_ctx *c, const struct bw_member *mb, uint16_t shape,
                  const json_t *w, int depth, json_t **out)
{
	const struct bw_shape *sh = bw_shape_at(c->model, shape);
	*out = NULL;
	if (!sh)
		return bw_fail_status(c->call, 500, "InternalFailure", "model has no shape %u", shape);
	if (depth > BW_JSON_MAX_DEPTH)
		return bw_fail_status(c->call, 400, "SerializationException",
		                      "The request is nested too deeply");
	if (sh->flags & BW_SF_DOCUMENT) {
		*out = json_deep_copy(w);
		return *out ? 0 : s_oom(c->call);
	}
	switch ((enum bw_shape_type)sh->type) {
	case BW_T_STRUCTURE:
		return s_from_structure(c, sh, w, depth, false, out);
	case BW_T_LIST:
		return s_from_list(c, sh, w, depth, out);
	case BW_T_MAP:
		return s_from_map(c, sh, w, depth, out);
	case BW_T_STRING:
		if (!json_is_string(w))
			return s_mismatch(c, sh, w);
		break;
	case BW_T_BLOB: {
		if (!json_is_string(w))
			return s_mismatch(c, sh, w);
		struct bw_buf scratch = {0};
		int rc = bw_base64_decode(json_string_value(w), json_string_length(w), &scratch);
		bw_buf_free(&scratch);
		if (rc != 0)
			return bw_fail_status(c->call, 400, "SerializationException",
			                      "Value at '%s' is not valid base64", bw_buf_cstr(&c->path));
		break;
	}
	case BW_T_INTEGER:
	case BW_T_LONG:
		if (!json_is_integer(w))
			return s_mismatch(c, sh, w);
		if (sh->type == BW_T_INTEGER &&
		    (json_integer_value(w) < INT32_MIN || json_integer_value(w) > INT32_MAX))
			return bw_fail_status(c->call, 400, "SerializationException",
			                      "Value at '%s' does not fit a 32-bit integer",
			                      bw_buf_cstr(&c->path));
		break;
	case BW_T_FLOAT:
	case BW_T_DOUBLE:
		if (!json_is_number(w))
			return s_mismatch(c, sh, w);
		*out = json_real(json_number_value(w));
		return *out ? 0 : s_oom(c->call);
	case BW_T_BOOLEAN:
		if (!json_is_boolean(w))
			return s_mismatch(c, sh, w);
		break;
	case BW_T_TIMESTAMP:
		return s_from_timestamp(c, mb, sh, w, out);
	}
	*out = json_copy((json_t *)w);
	return *out ? 0 : s_oom(c->call);
}

int bw_json_from_wire(struct bw_call *call, uint16_t shape, const json_t *wire,
                      bool body_only, json_t **out)
{
	*out = NULL;
	const struct bw_shape *sh = bw_shape_at(call->model, shape);
	if (!sh)
		return bw_fail_status(call, 500, "InternalFailure", "model has no shape %u", shape);
	struct s_ctx c = {.call = call, .model = call->model};
	int rc;
	if (sh->type == BW_T_STRUCTURE && !(sh->flags & BW_SF_DOCUMENT)) {
		json_t *empty = NULL;
		if (!wire && !(wire = empty = json_object()))
			return s_oom(call);
		rc = s_from_structure(&c, sh, wire, 0, body_only, out);
		json_decref(empty);
	} else {
		rc = wire ? s_from(&c, NULL, shape, wire, 0, out) : 0;
	}
	bw_buf_free(&c.path);
	return rc;
}

/* ---- internal -> wire ------------------------------------------------- */

static json_t *s_to(struct s_ctx *c, const struct bw_member *mb, uint16_t shape,
                    const json_t *v, int depth, bool body_only);

static json_t *s_to_structure(struct s_ctx *c, const struct bw_shape *sh, const json_t *v,
                              int depth, bool body_only)
{
	if (!json_is_object(v))
		return NULL;
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (uint16_t i = 0; i < sh->nmembers; i++) {
		const struct bw_member *mb = &sh->members[i];
		if (body_only && s_bound_elsewhere(mb))
			continue;
		const json_t *mv = json_object_get(v, mb->name);
		if (!mv || json_is_null(mv))
			continue;
		json_t *w = s_to(c, mb, mb->shape, mv, depth + 1, false);
		if (!w || json_object_set_new(o, bw_member_wire_name(mb), w) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *s_to_timestamp(const struct bw_member *mb, const struct bw_shape *sh,
                              const json_t *v)
{
	if (!json_is_number(v))
		return NULL;
	double t = json_number_value(v);
	char tmp[64];
	switch (bw_ts_format_of(mb, sh, BW_TS_EPOCH)) {
	case BW_TS_ISO8601:
		return bw_time_iso8601(t, tmp, sizeof tmp) == 0 ? json_string(tmp) : NULL;
	case BW_TS_RFC822:
		return bw_time_rfc822(t, tmp, sizeof tmp) == 0 ? json_string(tmp) : NULL;
	default:
		/* epoch seconds, millisecond precision at most */
		if (json_is_integer(v))
			return json_integer(json_integer_value(v));
		return json_real(round(t * 1000.0) / 1000.0);
	}
}

static json_t *s_to(struct s_ctx *c, const struct bw_member *mb, uint16_t shape,
                    const json_t *v, int depth, bool body_only)
{
	const struct bw_shape *sh = bw_shape_at(c->model, shape);
	if (!sh || depth > BW_JSON_MAX_DEPTH)
		return NULL;
	if (sh->flags & BW_SF_DOCUMENT)
		return json_deep_copy(v);
	switch ((enum bw_shape_type)sh->type) {
	case BW_T_STRUCTURE:
		return s_to_structure(c, sh, v, depth, body_only);
	case BW_T_LIST: {
		if (!json_is_array(v))
			return NULL;
		json_t *a = json_array();
		for (size_t i = 0; a && i < json_array_size(v); i++) {
			json_t *w = s_to(c, NULL, sh->member, json_array_get(v, i), depth + 1, false);
			if (!w || json_array_append_new(a, w) != 0) {
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	case BW_T_MAP: {
		if (!json_is_object(v))
			return NULL;
		json_t *o = json_object();
		const char *key;
		json_t *e;
		json_object_foreach((json_t *)v, key, e) {
			if (!o)
				return NULL;
			json_t *w = s_to(c, NULL, sh->member, e, depth + 1, false);
			if (!w || json_object_set_new(o, key, w) != 0) {
				json_decref(o);
				return NULL;
			}
		}
		return o;
	}
	case BW_T_STRING:
	case BW_T_BLOB:
		return json_is_string(v) ? json_copy((json_t *)v) : NULL;
	case BW_T_INTEGER:
	case BW_T_LONG:
		return json_is_integer(v) ? json_copy((json_t *)v) : NULL;
	case BW_T_FLOAT:
	case BW_T_DOUBLE:
		return json_is_number(v) ? json_copy((json_t *)v) : NULL;
	case BW_T_BOOLEAN:
		return json_is_boolean(v) ? json_copy((json_t *)v) : NULL;
	case BW_T_TIMESTAMP:
		return s_to_timestamp(mb, sh, v);
	}
	return NULL;
}

json_t *bw_json_to_wire(struct bw_call *call, uint16_t shape, const json_t *in, bool body_only)
{
	struct s_ctx c = {.call = call, .model = call->model};
	json_t *empty = NULL;
	const struct bw_shape *sh = bw_shape_at(call->model, shape);
	if (sh && sh->type == BW_T_STRUCTURE && !in)
		in = empty = json_object();
	json_t *w = in ? s_to(&c, NULL, shape, in, 0, body_only) : NULL;
	json_decref(empty);
	if (!w)
		bw_fail_status(call, 500, "InternalFailure",
		               "The response does not follow the %s shape",
		               sh ? sh->name : "output");
	return w;
}

/* ---- lossy strings ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t s_utf8_seq(const unsigned char *p, size_t n)
{
	size_t need;
	unsigned int cp;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xE0u) == 0xC0u) {
		need = 2;
		cp = p[0] & 0x1Fu;
	} else if ((p[0] & 0xF0u) == 0xE0u) {
		need = 3;
		cp = p[0] & 0x0Fu;
	} else if ((p[0] & 0xF8u) == 0xF0u) {
		need = 4;
		cp = p[0] & 0x07u;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xC0u) != 0x80u)
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return need;
}

json_t *bw_json_string_lossy(const char *s)
{
	size_t len = strlen(s);
	json_t *v = json_stringn(s, len);
	if (v)
		return v;
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t k = s_utf8_seq(p + i, len - i);
		if (k == 0) {
			copy[o++] = '?';
			i++;
			continue;
		}
		memcpy(copy + o, p + i, k);
		o += k;
		i += k;
	}
	v = json_stringn(copy, o);
	free(copy);
	return v;
}
