/*
 * scalar.c: scalars carried as text (query strings, form fields, headers,
 * URI labels, XML text) to and from the internal form.
 *
 * Parsing is strict: what AWS's front ends reject (" 12", "0x1", "yes") we
 * reject too, and nothing reads past `len` or relies on a NUL.
 */
#include "protocol/scalar.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/timeutil.h"

/* Longest numeric or timestamp text we accept: a double with every digit
 * spelled out is far shorter; anything longer is not a valid value. */
#define S_MAX_NUM_TEXT 128

/* Copy bounded text into a NUL-terminated scratch buffer for the C parsers. */
static bool s_copy(char *dst, size_t dstlen, const char *text, size_t len)
{
	if (len >= dstlen || memchr(text, '\0', len))
		return false;
	memcpy(dst, text, len);
	dst[len] = '\0';
	return true;
}

static json_t *s_boolean(const char *text, size_t len)
{
	if (len == 4 && memcmp(text, "true", 4) == 0)
		return json_true();
	if (len == 5 && memcmp(text, "false", 5) == 0)
		return json_false();
	return NULL;
}

/* Strict decimal: an optional '-', then digits only, within [lo, hi]. */
static json_t *s_integer(const char *text, size_t len, int64_t lo, int64_t hi)
{
	size_t i = 0;
	bool neg = false;
	if (len > 0 && text[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len)
		return NULL;
	/* accumulate as a negative number so INT64_MIN fits */
	int64_t v = 0;
	for (; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return NULL;
		int d = text[i] - '0';
		if (v < (INT64_MIN + d) / 10)
			return NULL;
		v = v * 10 - d;
	}
	if (!neg) {
		if (v == INT64_MIN)
			return NULL;
		v = -v;
	}
	if (v < lo || v > hi)
		return NULL;
	return json_integer((json_int_t)v);
}

static json_t *s_float(const char *text, size_t len)
{
	char tmp[S_MAX_NUM_TEXT];
	if (!s_copy(tmp, sizeof tmp, text, len) || len == 0)
		return NULL;
	/* The JSON/XML special values are valid wire values, but a jansson real
	 * cannot hold a non-finite number: refuse them rather than alter them. */
	if (strcmp(tmp, "NaN") == 0 || strcmp(tmp, "Infinity") == 0 ||
	    strcmp(tmp, "-Infinity") == 0)
		return NULL;
	/* strtod also takes hex, "inf", "nan" and leading blanks: allow only the
	 * decimal alphabet */
	for (size_t i = 0; i < len; i++) {
		char c = tmp[i];
		if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' ||
		      c == 'E'))
			return NULL;
	}
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (end != tmp + len || !isfinite(v))
		return NULL;
	return json_real(v);
}

/* Epoch seconds as an integer when whole, else a real. */
static json_t *s_epoch_value(double v)
{
	if (!isfinite(v))
		return NULL;
	if (v == floor(v) && fabs(v) < 9.0e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *s_timestamp(const char *text, size_t len, enum bw_ts_format fmt)
{
	char tmp[S_MAX_NUM_TEXT];
	if (len == 0 || !s_copy(tmp, sizeof tmp, text, len))
		return NULL;
	double v;
	bool ok;
	switch (fmt) {
	case BW_TS_ISO8601:
		ok = bw_parse_iso8601(tmp, &v);
		break;
	case BW_TS_RFC822:
		ok = bw_parse_rfc822(tmp, &v);
		break;
	case BW_TS_EPOCH:
		ok = bw_parse_epoch(tmp, &v);
		break;
	default:
		ok = bw_parse_any_time(tmp, &v);
		break;
	}
	return ok ? s_epoch_value(v) : NULL;
}

static json_t *s_blob(const char *text, size_t len)
{
	struct bw_buf scratch = {0};
	int rc = bw_base64_decode(text, len, &scratch);
	bw_buf_free(&scratch);
	if (rc != 0)
		return NULL;
	return json_stringn(text, len);
}

json_t *bw_scalar_from_text(const struct bw_shape *shape, const char *text, size_t len,
                            enum bw_ts_format ts_format)
{
	if (!shape || (!text && len))
		return NULL;
	if (!text)
		text = "";
	switch ((enum bw_shape_type)shape->type) {
	case BW_T_STRING:
		/* json_stringn refuses invalid UTF-8 */
		return json_stringn(text, len);
	case BW_T_BOOLEAN:
		return s_boolean(text, len);
	case BW_T_INTEGER:
		return s_integer(text, len, INT32_MIN, INT32_MAX);
	case BW_T_LONG:
		return s_integer(text, len, INT64_MIN, INT64_MAX);
	case BW_T_FLOAT:
	case BW_T_DOUBLE:
		return s_float(text, len);
	case BW_T_TIMESTAMP:
		return s_timestamp(text, len, ts_format);
	case BW_T_BLOB:
		return s_blob(text, len);
	case BW_T_STRUCTURE:
	case BW_T_LIST:
	case BW_T_MAP:
		break;
	}
	return NULL;
}

/* Shortest "%g" form that reads back to the same double. */
static int s_append_double(double v, struct bw_buf *out)
{
	char tmp[64];
	if (!isfinite(v))
		return -1;
	snprintf(tmp, sizeof tmp, "%.15g", v);
	if (strtod(tmp, NULL) != v)
		snprintf(tmp, sizeof tmp, "%.17g", v);
	return bw_buf_append_str(out, tmp);
}

/* Epoch: an integer when whole, else up to 3 decimals without trailing 0s. */
static int s_append_epoch(double v, struct bw_buf *out)
{
	char tmp[64];
	if (v == floor(v) && fabs(v) < 9.0e15)
		return bw_buf_appendf(out, "%lld", (long long)v);
	int n = snprintf(tmp, sizeof tmp, "%.3f", v);
	if (n <= 0 || (size_t)n >= sizeof tmp)
		return -1;
	while (n > 0 && tmp[n - 1] == '0')
		tmp[--n] = '\0';
	if (n > 0 && tmp[n - 1] == '.')
		tmp[--n] = '\0';
	return bw_buf_append_str(out, tmp);
}

static int s_append_timestamp(const json_t *value, enum bw_ts_format fmt, struct bw_buf *out)
{
	char tmp[64];
	if (!json_is_number(value))
		return -1;
	double v = json_number_value(value);
	switch (fmt) {
	case BW_TS_ISO8601:
		if (bw_time_iso8601(v, tmp, sizeof tmp) != 0)
			return -1;
		return bw_buf_append_str(out, tmp);
	case BW_TS_RFC822:
		if (bw_time_rfc822(v, tmp, sizeof tmp) != 0)
			return -1;
		return bw_buf_append_str(out, tmp);
	case BW_TS_EPOCH:
		return s_append_epoch(v, out);
	case BW_TS_DEFAULT:
		break;
	}
	return -1;
}

int bw_scalar_to_text(const struct bw_shape *shape, const json_t *value,
                      enum bw_ts_format ts_format, struct bw_buf *out)
{
	if (!shape || !value || !out)
		return -1;
	switch ((enum bw_shape_type)shape->type) {
	case BW_T_STRING:
	case BW_T_BLOB:
		if (!json_is_string(value))
			return -1;
		return bw_buf_append(out, json_string_value(value), json_string_length(value));
	case BW_T_BOOLEAN:
		if (!json_is_boolean(value))
			return -1;
		return bw_buf_append_str(out, json_is_true(value) ? "true" : "false");
	case BW_T_INTEGER:
	case BW_T_LONG:
		if (!json_is_integer(value))
			return -1;
		return bw_buf_appendf(out, "%lld", (long long)json_integer_value(value));
	case BW_T_FLOAT:
	case BW_T_DOUBLE:
		if (json_is_integer(value))
			return bw_buf_appendf(out, "%lld", (long long)json_integer_value(value));
		if (!json_is_real(value))
			return -1;
		return s_append_double(json_real_value(value), out);
	case BW_T_TIMESTAMP:
		return s_append_timestamp(value, ts_format, out);
	case BW_T_STRUCTURE:
	case BW_T_LIST:
	case BW_T_MAP:
		break;
	}
	return -1;
}

enum bw_ts_format bw_ts_format_of(const struct bw_member *mb, const struct bw_shape *sh,
                                  enum bw_ts_format dflt)
{
	if (mb && mb->ts_format != BW_TS_DEFAULT)
		return (enum bw_ts_format)mb->ts_format;
	if (sh && sh->ts_format != BW_TS_DEFAULT)
		return (enum bw_ts_format)sh->ts_format;
	return dflt;
}
