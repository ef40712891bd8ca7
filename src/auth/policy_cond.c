/*
 * policy_cond.c: the Condition operators — String*, Numeric*, Date*, Bool,
 * BinaryEquals, IpAddress / NotIpAddress, Arn*, Null — with the ...IfExists
 * form and the ForAnyValue: / ForAllValues: set operators.
 *
 * Semantics (AWS "Condition operators", "Multivalued context keys"):
 *  - the values of one key are OR'ed; a negated operator (StringNotEquals,
 *    NotIpAddress, ArnNotLike ...) is true when no value matches;
 *  - a missing key: false for positive operators, true for negated ones and
 *    for any ...IfExists form; ForAllValues on a missing or empty key is true,
 *    ForAnyValue false (true with IfExists);
 *  - ForAnyValue: some request value satisfies the operator; ForAllValues:
 *    every request value does;
 *  - a value whose policy variable cannot be resolved never matches; in a
 *    negated operator it makes the whole condition false (deny-biased: a
 *    Not-condition must not turn true because the policy could not be read).
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/policy_internal.h"
#include "core/encoding.h"
#include "core/timeutil.h"

enum { S_NO = 0, S_YES = 1, S_UNRESOLVED = 2, S_OOM = -1 };

static bool s_number(const char *s, double *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || strspn(s, "0123456789.+-eE") != n)
		return false;
	char *end = NULL;
	double v = strtod(s, &end);
	if (!end || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* ISO 8601 (also a bare date) or epoch seconds. */
static bool s_date(const char *s, double *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	if (strspn(s, "0123456789.") == n)
		return bw_parse_epoch(s, out);
	if (n == 10) {
		char full[32];
		memcpy(full, s, n);
		memcpy(full + n, "T00:00:00Z", 11);
		return bw_parse_iso8601(full, out);
	}
	return bw_parse_iso8601(s, out);
}

/* addr[/prefix] into bytes; *fam 4 or 16. */
static bool s_cidr(const char *s, uint8_t addr[16], int *fam, int *prefix)
{
	char tmp[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof tmp)
		return false;
	memcpy(tmp, s, n + 1);
	char *slash = strchr(tmp, '/');
	int bits = -1;
	if (slash) {
		*slash++ = 0;
		size_t dl = strlen(slash);
		if (dl == 0 || dl > 3 || strspn(slash, "0123456789") != dl)
			return false;
		bits = atoi(slash);
	}
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		*fam = 4;
	} else if (inet_pton(AF_INET6, tmp, addr) == 1) {
		*fam = 16;
	} else {
		return false;
	}
	if (bits < 0)
		bits = *fam * 8;
	if (bits > *fam * 8)
		return false;
	*prefix = bits;
	return true;
}

static bool s_ip_match(const char *policy, const char *req)
{
	uint8_t net[16], ip[16];
	int nf, rf, bits, rbits;
	if (!s_cidr(policy, net, &nf, &bits) || !s_cidr(req, ip, &rf, &rbits) || nf != rf)
		return false;
	int full = bits / 8, rest = bits % 8;
	if (memcmp(net, ip, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFF << (8 - rest));
	return (net[full] & mask) == (ip[full] & mask);
}

static int s_binary_eq(const char *a, const char *b)
{
	struct bw_buf da = {0}, db = {0};
	int rc = S_NO;
	if (bw_base64_decode(a, strlen(a), &da) == 0 && bw_base64_decode(b, strlen(b), &db) == 0)
		rc = da.len == db.len && (da.len == 0 || memcmp(da.data, db.data, da.len) == 0);
	bw_buf_free(&da);
	bw_buf_free(&db);
	return rc;
}

static int s_cmp_num(enum bw_cond_base b, double req, double pol)
{
	switch (b) {
	case BW_COND_NUM_EQ:
	case BW_COND_DATE_EQ: return req == pol;
	case BW_COND_NUM_LT:
	case BW_COND_DATE_LT: return req < pol;
	case BW_COND_NUM_LE:
	case BW_COND_DATE_LE: return req <= pol;
	case BW_COND_NUM_GT:
	case BW_COND_DATE_GT: return req > pol;
	case BW_COND_NUM_GE:
	case BW_COND_DATE_GE: return req >= pol;
	default: return S_NO;
	}
}

/* Does one request value match one policy value (positive sense)? */
static int s_match_one(const struct bw_eval_state *st, const struct bw_pcond *c, const char *req,
                       const struct bw_pval *pv, struct bw_buf *scratch)
{
	bool glob = c->base == BW_COND_STR_LIKE || c->base == BW_COND_ARN;
	const char *pol = pv->raw;
	size_t plen = strlen(pol);
	if (c->base == BW_COND_STR_EQ || c->base == BW_COND_STR_EQ_IC || glob) {
		if (pv->has_vars) {
			int rc = bw_pval_expand(st, pv, glob, scratch);
			if (rc < 0)
				return S_OOM;
			if (rc > 0)
				return S_UNRESOLVED;
			pol = bw_buf_cstr(scratch);
			plen = scratch->len;
		} else if (glob) {
			pol = pv->pat;
			plen = strlen(pol);
		}
	}
	size_t rlen = strlen(req);
	double a, b;
	switch (c->base) {
	case BW_COND_STR_EQ: return rlen == plen && memcmp(req, pol, plen) == 0;
	case BW_COND_STR_EQ_IC: return rlen == plen && strncasecmp(req, pol, plen) == 0;
	case BW_COND_STR_LIKE: return bw_glob(pol, plen, req, rlen, false);
	case BW_COND_ARN: return bw_arn_glob(pol, plen, req, rlen);
	case BW_COND_BOOL: return strcasecmp(req, pol) == 0;
	case BW_COND_BINARY: return s_binary_eq(req, pol);
	case BW_COND_IP: return s_ip_match(pol, req);
	case BW_COND_NUM_EQ:
	case BW_COND_NUM_LT:
	case BW_COND_NUM_LE:
	case BW_COND_NUM_GT:
	case BW_COND_NUM_GE:
		if (!s_number(req, &a) || !s_number(pol, &b))
			return S_NO;
		return s_cmp_num(c->base, a, b);
	case BW_COND_DATE_EQ:
	case BW_COND_DATE_LT:
	case BW_COND_DATE_LE:
	case BW_COND_DATE_GT:
	case BW_COND_DATE_GE:
		if (!s_date(req, &a) || !s_date(pol, &b))
			return S_NO;
		return s_cmp_num(c->base, a, b);
	case BW_COND_NULL: break;
	}
	return S_NO;
}

/* One request value against all policy values, in the operator's sense:
 * S_YES / S_NO, S_OOM, or S_NO with *unresolved set. */
static int s_value_sat(const struct bw_eval_state *st, const struct bw_pcond *c, const char *req,
                       struct bw_buf *scratch, bool *unresolved)
{
	bool any = false;
	for (size_t i = 0; i < c->values.n && !any; i++) {
		int rc = s_match_one(st, c, req, &c->values.v[i], scratch);
		if (rc == S_OOM)
			return S_OOM;
		if (rc == S_UNRESOLVED)
			*unresolved = true;
		else if (rc == S_YES)
			any = true;
	}
	return c->negated ? !any : any;
}

static int s_null(const struct bw_pcond *c, struct bw_keyvals kv)
{
	bool missing = !kv.present || kv.n == 0;
	for (size_t i = 0; i < c->values.n; i++) {
		bool want_missing = strcasecmp(c->values.v[i].raw, "true") == 0;
		if (want_missing == missing)
			return S_YES;
	}
	return S_NO;
}

static int s_eval(const struct bw_eval_state *st, const struct bw_pcond *c, struct bw_buf *scratch)
{
	struct bw_keyvals kv = bw_eval_lookup(st, c->key, strlen(c->key));
	if (c->base == BW_COND_NULL)
		return s_null(c, kv);
	bool missing = !kv.present || kv.n == 0;
	bool unresolved = false;
	if (c->set == BW_SET_ALL) {
		if (missing)
			return S_YES;
		for (size_t i = 0; i < kv.n; i++) {
			int rc = kv.v[i] ? s_value_sat(st, c, kv.v[i], scratch, &unresolved) : S_NO;
			if (rc != S_YES)
				return rc;
		}
		return c->negated && unresolved ? S_NO : S_YES;
	}
	if (missing)
		return c->if_exists || (c->set == BW_SET_NONE && c->negated);
	if (c->set == BW_SET_ANY) {
		for (size_t i = 0; i < kv.n; i++) {
			int rc = kv.v[i] ? s_value_sat(st, c, kv.v[i], scratch, &unresolved) : S_NO;
			if (rc == S_OOM)
				return rc;
			if (rc == S_YES && !(c->negated && unresolved))
				return S_YES;
		}
		return S_NO;
	}
	/* Single-valued operator: positive if any request value matches any
	 * policy value; negated if none does. */
	bool any = false;
	struct bw_pcond pos = *c;
	pos.negated = false;
	for (size_t i = 0; i < kv.n && !any; i++) {
		int rc = kv.v[i] ? s_value_sat(st, &pos, kv.v[i], scratch, &unresolved) : S_NO;
		if (rc == S_OOM)
			return rc;
		any = rc == S_YES;
	}
	if (!c->negated)
		return any;
	return !any && !unresolved;
}

int bw_cond_eval(const struct bw_eval_state *st, const struct bw_pcond *c)
{
	struct bw_buf scratch = {0};
	int rc = s_eval(st, c, &scratch);
	bw_buf_free(&scratch);
	return rc;
}
