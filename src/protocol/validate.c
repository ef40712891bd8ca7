/*
 * validate.c: checking a decoded request (the internal form) against its
 * input shape, the way AWS's (Coral) front ends do before a handler runs.
 *
 * One message per failed constraint:
 *   Value 'FOO' at 'keySpec' failed to satisfy constraint: Member must
 *   satisfy enum value set: [RSA_2048, ...]
 *   Value null at 'keyId' failed to satisfy constraint: Member must not be null
 * joined as "N validation error(s) detected: e1; e2". Paths name members
 * with their first letter lower-cased, nested with '.', list elements as
 * 'tags.1.member.tagKey' (1-based) and map values as 'context.<key>.member'.
 * Values of sensitive shapes, blobs and aggregates are not quoted
 * ("Value at 'plaintext' ..."), as AWS does for sensitive data.
 *
 * Unknown members are ignored (AWS ignores them). Type mismatches are the
 * codecs' business (SerializationException); here a value of the wrong
 * type is skipped, never trusted.
 */
#include "protocol/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "protocol/pattern.h"

/* AWS reports every error; we list the first few and count them all. */
#define S_MAX_REPORTED 10
/* The internal form is depth-bounded by the codecs; this guards recursive
 * shapes regardless. */
#define S_MAX_DEPTH 64
/* Longest quoted value, in bytes, before it is cut with "..." */
#define S_MAX_QUOTE 128

struct s_ctx {
	const struct bw_service_model *model;
	struct bw_buf path;
	struct bw_buf errors; /* "e1; e2; ..." */
	unsigned count;
	bool oom;
};

/* Characters (UTF-8 code points) in a string: AWS's lengths count characters. */
static size_t s_utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0u) != 0x80u)
			n++;
	return n;
}

/* Decoded bytes of a base64 string (the internal form of a blob). */
static size_t s_blob_bytes(const char *s, size_t len)
{
	size_t n = len / 4 * 3;
	if (len >= 1 && s[len - 1] == '=')
		n--;
	if (len >= 2 && s[len - 2] == '=')
		n--;
	return n;
}

/*
 * Start one error message: "Value 'x' at 'path' failed to satisfy
 * constraint: " with `quote` the value text (NULL: no value, "null": null).
 * Returns false when the error is only counted, not written.
 */
static bool s_begin(struct s_ctx *c, const char *quote, size_t qlen, bool is_null)
{
	c->count++;
	if (c->count > S_MAX_REPORTED || c->oom)
		return false;
	int rc = 0;
	if (c->count > 1)
		rc |= bw_buf_append_str(&c->errors, "; ");
	rc |= bw_buf_append_str(&c->errors, "Value ");
	if (is_null) {
		rc |= bw_buf_append_str(&c->errors, "null ");
	} else if (quote) {
		size_t n = qlen;
		bool cut = false;
		if (n > S_MAX_QUOTE) {
			n = S_MAX_QUOTE;
			/* do not cut a UTF-8 sequence in half */
			while (n > 0 && ((unsigned char)quote[n] & 0xC0u) == 0x80u)
				n--;
			cut = true;
		}
		rc |= bw_buf_append_byte(&c->errors, '\'');
		rc |= bw_buf_append(&c->errors, quote, n);
		if (cut)
			rc |= bw_buf_append_str(&c->errors, "...");
		rc |= bw_buf_append_str(&c->errors, "' ");
	}
	rc |= bw_buf_appendf(&c->errors, "at '%s' failed to satisfy constraint: ",
	                     bw_buf_cstr(&c->path));
	if (rc != 0)
		c->oom = true;
	return !c->oom;
}

__attribute__((format(printf, 2, 3)))
static void s_end(struct s_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (bw_buf_vappendf(&c->errors, fmt, ap) != 0)
		c->oom = true;
	va_end(ap);
}

/* The text AWS quotes for a value, or NULL when it quotes none. */
static const char *s_quote_of(const struct bw_shape *sh, const json_t *v, char *tmp,
                              size_t tmplen, size_t *qlen)
{
	if (sh->flags & BW_SF_SENSITIVE)
		return NULL;
	if (json_is_string(v) && sh->type == BW_T_STRING) {
		*qlen = json_string_length(v);
		return json_string_value(v);
	}
	if (json_is_integer(v)) {
		snprintf(tmp, tmplen, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(tmp, tmplen, "%g", json_real_value(v));
	} else {
		return NULL;
	}
	*qlen = strlen(tmp);
	return tmp;
}

/* AWS checks the pattern of a string after its length, each failure its
 * own error; a pattern the matcher cannot decide refuses nothing. */
static void s_check_pattern(struct s_ctx *c, const struct bw_shape *sh, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (!sh->pattern || bw_pattern_match(sh->pattern, s, len) != BW_PATTERN_NO_MATCH)
		return;
	char tmp[48];
	size_t qlen = 0;
	const char *q = s_quote_of(sh, v, tmp, sizeof tmp, &qlen);
	if (s_begin(c, q, qlen, false))
		s_end(c, "Member must satisfy regular expression pattern: %s", sh->pattern);
}

static void s_check_length(struct s_ctx *c, const struct bw_shape *sh, const json_t *v,
                           size_t len)
{
	char tmp[48];
	size_t qlen = 0;
	const char *q = s_quote_of(sh, v, tmp, sizeof tmp, &qlen);
	if ((sh->flags & BW_SF_HAS_MIN) && (int64_t)len < sh->min) {
		if (s_begin(c, q, qlen, false))
			s_end(c, "Member must have length greater than or equal to %lld",
			      (long long)sh->min);
	}
	if ((sh->flags & BW_SF_HAS_MAX) && len > (uint64_t)sh->max) {
		if (s_begin(c, q, qlen, false))
			s_end(c, "Member must have length less than or equal to %lld",
			      (long long)sh->max);
	}
}

static void s_check_enum(struct s_ctx *c, const struct bw_shape *sh, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	for (uint16_t i = 0; i < sh->nenums; i++)
		if (strlen(sh->enums[i]) == len && memcmp(sh->enums[i], s, len) == 0)
			return;
	char tmp[8];
	size_t qlen = 0;
	const char *q = s_quote_of(sh, v, tmp, sizeof tmp, &qlen);
	if (!s_begin(c, q, qlen, false))
		return;
	s_end(c, "Member must satisfy enum value set: [");
	for (uint16_t i = 0; i < sh->nenums; i++)
		s_end(c, "%s%s", i ? ", " : "", sh->enums[i]);
	s_end(c, "]");
}

static void s_check_range(struct s_ctx *c, const struct bw_shape *sh, const json_t *v)
{
	if (!json_is_number(v))
		return;
	double d = json_number_value(v);
	bool low = false, high = false;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		low = (sh->flags & BW_SF_HAS_MIN) && i < sh->min;
		high = (sh->flags & BW_SF_HAS_MAX) && i > sh->max;
	} else {
		low = (sh->flags & BW_SF_HAS_MIN) && d < (double)sh->min;
		high = (sh->flags & BW_SF_HAS_MAX) && d > (double)sh->max;
	}
	char tmp[48];
	size_t qlen = 0;
	const char *q = s_quote_of(sh, v, tmp, sizeof tmp, &qlen);
	if (low && s_begin(c, q, qlen, false))
		s_end(c, "Member must have value greater than or equal to %lld", (long long)sh->min);
	if (high && s_begin(c, q, qlen, false))
		s_end(c, "Member must have value less than or equal to %lld", (long long)sh->max);
}

static void s_walk(struct s_ctx *c, uint16_t shape, const json_t *v, int depth);

/* Append ".<seg>" (or "<seg>" at the top) with the first letter lowered. */
static bool s_push_member(struct s_ctx *c, const char *name)
{
	int rc = 0;
	if (c->path.len)
		rc |= bw_buf_append_byte(&c->path, '.');
	if (name[0] >= 'A' && name[0] <= 'Z') {
		rc |= bw_buf_append_byte(&c->path, (uint8_t)(name[0] - 'A' + 'a'));
		rc |= bw_buf_append_str(&c->path, name + 1);
	} else {
		rc |= bw_buf_append_str(&c->path, name);
	}
	if (rc != 0)
		c->oom = true;
	return rc == 0;
}

static void s_pop(struct s_ctx *c, size_t len)
{
	c->path.len = len;
	if (c->path.data)
		c->path.data[len] = 0;
}

static void s_walk_structure(struct s_ctx *c, const struct bw_shape *sh, const json_t *v,
                             int depth)
{
	if (!json_is_object(v))
		return;
	for (uint16_t i = 0; i < sh->nmembers && !c->oom; i++) {
		const struct bw_member *mb = &sh->members[i];
		const json_t *mv = json_object_get(v, mb->name);
		size_t mark = c->path.len;
		if (!s_push_member(c, mb->name))
			return;
		if (!mv || json_is_null(mv)) {
			if ((mb->flags & BW_MF_REQUIRED) && s_begin(c, NULL, 0, true))
				s_end(c, "Member must not be null");
		} else {
			s_walk(c, mb->shape, mv, depth + 1);
		}
		s_pop(c, mark);
	}
}

static void s_walk_list(struct s_ctx *c, const struct bw_shape *sh, const json_t *v,
                        int depth)
{
	if (!json_is_array(v))
		return;
	s_check_length(c, sh, v, json_array_size(v));
	for (size_t i = 0; i < json_array_size(v) && !c->oom; i++) {
		size_t mark = c->path.len;
		if (bw_buf_appendf(&c->path, ".%zu.member", i + 1) != 0) {
			c->oom = true;
			return;
		}
		s_walk(c, sh->member, json_array_get(v, i), depth + 1);
		s_pop(c, mark);
	}
}

static void s_walk_map(struct s_ctx *c, const struct bw_shape *sh, const json_t *v,
                       int depth)
{
	if (!json_is_object(v))
		return;
	s_check_length(c, sh, v, json_object_size(v));
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)v, key, val) {
		if (c->oom)
			return;
		size_t mark = c->path.len;
		if (bw_buf_appendf(&c->path, ".%s", key) != 0) {
			c->oom = true;
			return;
		}
		/* the key's own constraints, then the value's */
		json_t *k = json_string(key);
		if (!k) {
			c->oom = true;
			return;
		}
		size_t kmark = c->path.len;
		if (bw_buf_append_str(&c->path, ".key") != 0)
			c->oom = true;
		else
			s_walk(c, sh->key, k, depth + 1);
		json_decref(k);
		s_pop(c, kmark);
		if (bw_buf_append_str(&c->path, ".member") != 0) {
			c->oom = true;
			return;
		}
		if (json_is_null(val)) {
			if (s_begin(c, NULL, 0, true))
				s_end(c, "Member must not be null");
		} else {
			s_walk(c, sh->member, val, depth + 1);
		}
		s_pop(c, mark);
	}
}

static void s_walk(struct s_ctx *c, uint16_t shape, const json_t *v, int depth)
{
	const struct bw_shape *sh = bw_shape_at(c->model, shape);
	if (!sh || !v || c->oom || depth > S_MAX_DEPTH || (sh->flags & BW_SF_DOCUMENT))
		return;
	switch ((enum bw_shape_type)sh->type) {
	case BW_T_STRUCTURE:
		s_walk_structure(c, sh, v, depth);
		return;
	case BW_T_LIST:
		s_walk_list(c, sh, v, depth);
		return;
	case BW_T_MAP:
		s_walk_map(c, sh, v, depth);
		return;
	case BW_T_STRING:
		if (!json_is_string(v))
			return;
		if (sh->nenums)
			s_check_enum(c, sh, v);
		s_check_length(c, sh, v,
		               s_utf8_chars(json_string_value(v), json_string_length(v)));
		s_check_pattern(c, sh, v);
		return;
	case BW_T_BLOB:
		if (!json_is_string(v))
			return;
		s_check_length(c, sh, v,
		               s_blob_bytes(json_string_value(v), json_string_length(v)));
		return;
	case BW_T_INTEGER:
	case BW_T_LONG:
	case BW_T_FLOAT:
	case BW_T_DOUBLE:
		s_check_range(c, sh, v);
		return;
	case BW_T_BOOLEAN:
	case BW_T_TIMESTAMP:
		return;
	}
}

int bw_validate(struct bw_call *call, uint16_t shape, const json_t *value)
{
	if (!call || !call->model || shape == BW_NO_SHAPE)
		return 0;
	struct s_ctx c = {.model = call->model};
	const struct bw_shape *sh = bw_shape_at(c.model, shape);
	if (!sh)
		return 0;
	/* the top-level structure's members sit at the root of the path */
	if (sh->type == BW_T_STRUCTURE) {
		json_t *empty = NULL;
		if (!value || !json_is_object(value))
			value = empty = json_object();
		if (value)
			s_walk_structure(&c, sh, value, 0);
		json_decref(empty);
	} else {
		s_walk(&c, shape, value, 0);
	}
	const char *code = c.model->protocol == BW_PROTO_QUERY ? "ValidationError"
	                                                       : "ValidationException";
	int rc = 0;
	if (c.oom) {
		rc = bw_fail_status(call, 500, "InternalFailure",
		                    "Out of memory while validating the request");
	} else if (c.count) {
		rc = bw_fail_status(call, 400, code, "%u validation error%s detected: %s", c.count,
		                    c.count == 1 ? "" : "s", bw_buf_cstr(&c.errors));
	}
	bw_buf_free(&c.path);
	bw_buf_free(&c.errors);
	return rc;
}
