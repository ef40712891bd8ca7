/*
 * sigv4_parse.c: read what a request says about its signature — the
 * Authorization header, the X-Amz-* parameters of a presigned URL and the
 * request time — into a struct bw_sigv4_auth of fixed-size fields. Bounded:
 * every length is checked before a copy; nothing relies on a NUL inside the
 * input views.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/sigv4_internal.h"
#include "core/encoding.h"
#include "core/timeutil.h"

enum bw_sigv4_reason bw_sigv4_errorf(struct bw_sigv4_error *err, enum bw_sigv4_reason r,
                                     const char *fmt, ...)
{
	err->reason = r;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return r;
}

/* Quote at most this much of the client's text back in a message. */
#define S_ECHO 400

static struct bw_cur s_trim(struct bw_cur c)
{
	while (c.len && (c.ptr[0] == ' ' || c.ptr[0] == '\t')) {
		c.ptr++;
		c.len--;
	}
	while (c.len && (c.ptr[c.len - 1] == ' ' || c.ptr[c.len - 1] == '\t'))
		c.len--;
	return c;
}

static bool s_all_digits(struct bw_cur c)
{
	for (size_t i = 0; i < c.len; i++)
		if (c.ptr[i] < '0' || c.ptr[i] > '9')
			return false;
	return c.len > 0;
}

static bool s_scope_part_ok(struct bw_cur c)
{
	if (c.len == 0 || c.len > BW_SIGV4_MAX_SCOPE_PART)
		return false;
	for (size_t i = 0; i < c.len; i++)
		if (c.ptr[i] <= ' ' || c.ptr[i] >= 0x7f)
			return false;
	return true;
}

/* Credential = <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request */
static enum bw_sigv4_reason s_parse_credential(struct bw_cur cred, const char *what,
                                               struct bw_sigv4_auth *out,
                                               struct bw_sigv4_error *err,
                                               enum bw_sigv4_reason malformed)
{
	struct bw_cur part[5];
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= cred.len; i++) {
		if (i < cred.len && cred.ptr[i] != '/')
			continue;
		if (n == 5)
			return bw_sigv4_errorf(err, malformed,
			              "%s should have exactly 5 slash-separated parts: '%.*s'.", what,
			              (int)(cred.len > S_ECHO ? S_ECHO : cred.len), cred.ptr);
		part[n++] = bw_cur_from(cred.ptr + start, i - start);
		start = i + 1;
	}
	if (n != 5)
		return bw_sigv4_errorf(err, malformed, "%s should have exactly 5 slash-separated parts: '%.*s'.",
		              what, (int)(cred.len > S_ECHO ? S_ECHO : cred.len), cred.ptr);
	if (part[0].len == 0 || !bw_sigv4_copy(out->access_key_id, sizeof out->access_key_id, part[0]))
		return bw_sigv4_errorf(err, BW_SIGV4_UNKNOWN_KEY, "%s", "");
	if (part[1].len != 8 || !s_all_digits(part[1]))
		return bw_sigv4_errorf(err, BW_SIGV4_SCOPE,
		              "Invalid credential date \"%.*s\". This date is not the same as "
		              "X-Amz-Date: \"%s\".",
		              (int)(part[1].len > 16 ? 16 : part[1].len), part[1].ptr, out->amz_date);
	bw_sigv4_copy(out->scope_date, sizeof out->scope_date, part[1]);
	if (!s_scope_part_ok(part[2]) || !s_scope_part_ok(part[3]))
		return bw_sigv4_errorf(err, malformed, "%s should be scoped to a valid region and service: '%.*s'.",
		              what, (int)(cred.len > S_ECHO ? S_ECHO : cred.len), cred.ptr);
	bw_sigv4_copy(out->region, sizeof out->region, part[2]);
	bw_sigv4_copy(out->service, sizeof out->service, part[3]);
	if (!bw_cur_eq_str(part[4], "aws4_request")) {
		size_t tl = part[4].len > 15 ? 15 : part[4].len;
		memcpy(out->terminator, part[4].ptr, tl);
		out->terminator[tl] = 0;
		return bw_sigv4_errorf(err, BW_SIGV4_SCOPE,
		              "Credential should be scoped with a valid terminator: 'aws4_request', "
		              "not '%.*s'.",
		              (int)(part[4].len > 64 ? 64 : part[4].len), part[4].ptr);
	}
	strcpy(out->terminator, "aws4_request");
	return BW_SIGV4_OK;
}

/* The scope date must be the request's date: checked once both are known. */
static enum bw_sigv4_reason s_check_scope_date(const struct bw_sigv4_auth *a,
                                               struct bw_sigv4_error *err)
{
	if (memcmp(a->scope_date, a->amz_date, 8) == 0)
		return BW_SIGV4_OK;
	return bw_sigv4_errorf(err, BW_SIGV4_SCOPE,
	              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
	              "date from HTTP: '%s' != '%.8s', from '%s'.",
	              a->scope_date, a->amz_date, a->amz_date);
}

static void s_set_time(struct bw_sigv4_auth *out, double t)
{
	out->request_time_s = (int64_t)t;
	if (bw_time_amzdate(t, out->amz_date, sizeof out->amz_date) != 0)
		out->amz_date[0] = 0;
}

/* ---- Authorization header ------------------------------------------- */

enum bw_sigv4_reason bw_sigv4_parse_header(struct bw_cur authz, const char *x_amz_date,
                                           const char *date_hdr, struct bw_sigv4_auth *out,
                                           struct bw_sigv4_error *err)
{
	memset(out, 0, sizeof *out);
	err->reason = BW_SIGV4_OK;
	err->message[0] = 0;
	out->kind = BW_SIGV4_KIND_HEADER;
	int echo = (int)(authz.len > S_ECHO ? S_ECHO : authz.len);
	struct bw_cur rest = s_trim(authz);
	size_t sp = 0;
	while (sp < rest.len && rest.ptr[sp] != ' ')
		sp++;
	struct bw_cur alg = bw_cur_from(rest.ptr, sp);
	if (!bw_cur_eq_str(alg, BW_SIGV4_ALGORITHM))
		return bw_sigv4_errorf(err, BW_SIGV4_INCOMPLETE, "Unsupported AWS 'algorithm': '%.*s'.",
		              (int)(alg.len > 64 ? 64 : alg.len), alg.ptr);
	rest = bw_cur_from(rest.ptr + sp, rest.len - sp);

	/* "Credential=..., SignedHeaders=..., Signature=..." in any order. */
	struct bw_cur cred = {0}, sh = {0}, sig = {0};
	bool has_cred = false, has_sh = false, has_sig = false;
	size_t start = 0;
	for (size_t i = 0; i <= rest.len; i++) {
		if (i < rest.len && rest.ptr[i] != ',')
			continue;
		struct bw_cur comp = s_trim(bw_cur_from(rest.ptr + start, i - start));
		start = i + 1;
		if (comp.len == 0)
			continue;
		const uint8_t *eq = memchr(comp.ptr, '=', comp.len);
		if (!eq)
			return bw_sigv4_errorf(err, BW_SIGV4_INCOMPLETE,
			              "'%.*s' not a valid key=value pair (missing equal-sign) in "
			              "Authorization header: '%.*s'.",
			              (int)(comp.len > 64 ? 64 : comp.len), comp.ptr, echo, authz.ptr);
		struct bw_cur k = s_trim(bw_cur_from(comp.ptr, (size_t)(eq - comp.ptr)));
		struct bw_cur v = s_trim(bw_cur_from(eq + 1, (size_t)(comp.ptr + comp.len - eq - 1)));
		bool *seen = NULL;
		struct bw_cur *dst = NULL;
		if (bw_cur_eq_str(k, "Credential")) {
			seen = &has_cred;
			dst = &cred;
		} else if (bw_cur_eq_str(k, "SignedHeaders")) {
			seen = &has_sh;
			dst = &sh;
		} else if (bw_cur_eq_str(k, "Signature")) {
			seen = &has_sig;
			dst = &sig;
		} else {
			return bw_sigv4_errorf(err, BW_SIGV4_INCOMPLETE,
			              "Unsupported Authorization component '%.*s'. Authorization=%.*s",
			              (int)(k.len > 64 ? 64 : k.len), k.ptr, echo, authz.ptr);
		}
		if (*seen)
			return bw_sigv4_errorf(err, BW_SIGV4_INCOMPLETE,
			              "Authorization header has a repeated '%.*s' parameter. "
			              "Authorization=%.*s",
			              (int)k.len, k.ptr, echo, authz.ptr);
		*seen = true;
		*dst = v;
	}
	bool has_date = (x_amz_date && *x_amz_date) || (date_hdr && *date_hdr);
	if (!has_cred || !has_sh || !has_sig || !has_date)
		return bw_sigv4_errorf(err, BW_SIGV4_INCOMPLETE, "%s%s%s%sAuthorization=%.*s",
		              has_cred ? "" : "Authorization header requires 'Credential' parameter. ",
		              has_sig ? "" : "Authorization header requires 'Signature' parameter. ",
		              has_sh ? "" : "Authorization header requires 'SignedHeaders' parameter. ",
		              has_date ? ""
		                       : "Authorization header requires existence of either a "
		                         "'X-Amz-Date' or a 'Date' header. ",
		              echo, authz.ptr);

	/* The request time: X-Amz-Date wins over Date. */
	double t = 0;
	if (x_amz_date && *x_amz_date) {
		if (!bw_parse_amzdate(x_amz_date, &t))
			return bw_sigv4_errorf(err, BW_SIGV4_INCOMPLETE,
			              "Date must be in ISO-8601 'basic format'. Got '%.64s'. See "
			              "http://en.wikipedia.org/wiki/ISO_8601",
			              x_amz_date);
	} else {
		if (!bw_parse_rfc822(date_hdr, &t))
			return bw_sigv4_errorf(err, BW_SIGV4_INCOMPLETE,
			              "Date must be in RFC 1123 format. Got '%.64s'.", date_hdr);
		out->date_from_date_hdr = true;
	}
	s_set_time(out, t);

	enum bw_sigv4_reason r =
		s_parse_credential(cred, "Credential", out, err, BW_SIGV4_INCOMPLETE);
	if (r != BW_SIGV4_OK)
		return r;
	if (!bw_sigv4_signed_headers_valid(sh) ||
	    !bw_sigv4_copy(out->signed_headers, sizeof out->signed_headers, sh))
		return bw_sigv4_errorf(err, BW_SIGV4_INCOMPLETE,
		              "SignedHeaders must be a sorted, ';'-separated list of lower-case "
		              "header names. Authorization=%.*s",
		              echo, authz.ptr);
	/* Strict: exactly 64 lower-case hex digits, or it cannot match. */
	if (!bw_sigv4_unhex(sig, out->signature, sizeof out->signature))
		return bw_sigv4_errorf(err, BW_SIGV4_MISMATCH, "%s", "");
	return s_check_scope_date(out, err);
}

/* ---- presigned query ------------------------------------------------ */

static const char *const s_qnames[] = {
	"X-Amz-Algorithm", "X-Amz-Credential",    "X-Amz-Date",          "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
};
enum { S_ALG, S_CRED, S_DATE, S_EXPIRES, S_SH, S_SIG, S_TOKEN, S_NQ };

bool bw_sigv4_query_is_presigned(struct bw_cur q)
{
	/* Cheap scan for the names, raw; they hold no characters to escape. */
	static const char *const keys[] = {"X-Amz-Algorithm=", "X-Amz-Credential=",
	                                   "X-Amz-Signature="};
	for (size_t k = 0; k < 3; k++) {
		size_t kl = strlen(keys[k]);
		for (size_t i = 0; i + kl <= q.len; i++)
			if ((i == 0 || q.ptr[i - 1] == '&') && memcmp(q.ptr + i, keys[k], kl) == 0)
				return true;
	}
	return false;
}

enum bw_sigv4_reason bw_sigv4_parse_query(struct bw_cur q, bool require_expires,
                                          struct bw_sigv4_auth *out, struct bw_sigv4_error *err)
{
	memset(out, 0, sizeof *out);
	err->reason = BW_SIGV4_OK;
	err->message[0] = 0;
	out->kind = BW_SIGV4_KIND_QUERY;
	struct bw_buf val[S_NQ] = {0};
	bool seen[S_NQ] = {0};
	struct bw_buf key = {0};
	enum bw_sigv4_reason r = BW_SIGV4_OK;
	size_t start = 0;
	for (size_t i = 0; i <= q.len; i++) {
		if (i < q.len && q.ptr[i] != '&')
			continue;
		struct bw_cur pair = bw_cur_from(q.ptr + start, i - start);
		start = i + 1;
		const uint8_t *eq = memchr(pair.ptr, '=', pair.len);
		size_t kl = eq ? (size_t)(eq - pair.ptr) : pair.len;
		bw_buf_reset(&key);
		if (bw_url_decode((const char *)pair.ptr, kl, false, &key) != 0) {
			r = bw_sigv4_errorf(err, BW_SIGV4_MALFORMED, "%s", "Couldn't parse the specified URI.");
			goto done;
		}
		size_t which = S_NQ;
		for (size_t k = 0; k < S_NQ; k++)
			if (key.len == strlen(s_qnames[k]) && memcmp(key.data, s_qnames[k], key.len) == 0)
				which = k;
		if (which == S_NQ)
			continue;
		if (seen[which]) {
			r = bw_sigv4_errorf(err, BW_SIGV4_QUERY_PARAMS, "Query parameter %s is repeated.",
			           s_qnames[which]);
			goto done;
		}
		seen[which] = true;
		size_t vl = eq ? pair.len - kl - 1 : 0;
		if (vl > BW_SIGV4_MAX_TOKEN * 3 ||
		    bw_url_decode(eq ? (const char *)eq + 1 : "", vl, false, &val[which]) != 0 ||
		    bw_buf_append(&val[which], "", 0) != 0) {
			r = bw_sigv4_errorf(err, BW_SIGV4_QUERY_PARAMS, "Query parameter %s is malformed.",
			           s_qnames[which]);
			goto done;
		}
	}
	if (!seen[S_ALG] || !seen[S_CRED] || !seen[S_SIG] || !seen[S_DATE] || !seen[S_SH] ||
	    (require_expires && !seen[S_EXPIRES])) {
		r = bw_sigv4_errorf(err, BW_SIGV4_QUERY_PARAMS,
		           "Query-string authentication version 4 requires the X-Amz-Algorithm, "
		           "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
		           "and X-Amz-Expires parameters.");
		goto done;
	}
	if (!bw_cur_eq_str(bw_cur_from(val[S_ALG].data, val[S_ALG].len), BW_SIGV4_ALGORITHM)) {
		r = bw_sigv4_errorf(err, BW_SIGV4_QUERY_PARAMS,
		           "X-Amz-Algorithm only supports \"" BW_SIGV4_ALGORITHM "\"");
		goto done;
	}
	double t = 0;
	if (val[S_DATE].len != 16 || !bw_parse_amzdate((const char *)val[S_DATE].data, &t)) {
		r = bw_sigv4_errorf(err, BW_SIGV4_QUERY_PARAMS,
		           "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
		goto done;
	}
	s_set_time(out, t);
	r = s_parse_credential(bw_cur_from(val[S_CRED].data, val[S_CRED].len), "X-Amz-Credential",
	                       out, err, BW_SIGV4_QUERY_PARAMS);
	if (r != BW_SIGV4_OK)
		goto done;
	if (seen[S_EXPIRES]) {
		struct bw_cur e = bw_cur_from(val[S_EXPIRES].data, val[S_EXPIRES].len);
		if (!s_all_digits(e) || e.len > 7) {
			r = bw_sigv4_errorf(err, BW_SIGV4_QUERY_PARAMS,
			           e.len && e.ptr[0] == '-' ? "X-Amz-Expires must be non-negative"
			                                    : "X-Amz-Expires should be a number");
			goto done;
		}
		int64_t ex = 0;
		for (size_t i = 0; i < e.len; i++)
			ex = ex * 10 + (e.ptr[i] - '0');
		if (ex < 1 || ex > BW_SIGV4_MAX_EXPIRES_S) {
			r = bw_sigv4_errorf(err, BW_SIGV4_QUERY_PARAMS,
			           ex < 1 ? "X-Amz-Expires must be greater than 0"
			                  : "X-Amz-Expires must be less than a week (in seconds) that "
			                    "is, the given X-Amz-Expires must be less than 604800 seconds");
			goto done;
		}
		out->expires_s = ex;
	}
	struct bw_cur sh = bw_cur_from(val[S_SH].data, val[S_SH].len);
	if (!bw_sigv4_signed_headers_valid(sh) ||
	    !bw_sigv4_copy(out->signed_headers, sizeof out->signed_headers, sh)) {
		r = bw_sigv4_errorf(err, BW_SIGV4_QUERY_PARAMS,
		           "X-Amz-SignedHeaders must be a sorted, ';'-separated list of lower-case "
		           "header names.");
		goto done;
	}
	if (seen[S_TOKEN]) {
		if (!bw_sigv4_copy(out->security_token, sizeof out->security_token,
		                   bw_cur_from(val[S_TOKEN].data, val[S_TOKEN].len))) {
			r = bw_sigv4_errorf(err, BW_SIGV4_UNKNOWN_KEY, "%s", "");
			goto done;
		}
		out->has_token = true;
	}
	if (!bw_sigv4_unhex(bw_cur_from(val[S_SIG].data, val[S_SIG].len), out->signature,
	                    sizeof out->signature)) {
		r = bw_sigv4_errorf(err, BW_SIGV4_MISMATCH, "%s", "");
		goto done;
	}
	r = s_check_scope_date(out, err);
done:
	for (size_t k = 0; k < S_NQ; k++)
		bw_buf_free(&val[k]);
	bw_buf_free(&key);
	return r;
}
