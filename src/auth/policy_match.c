/*
 * policy_match.c: the matching primitives of the policy engine — '*' / '?'
 * globs, ARN patterns, condition-key lookup in the request context (with the
 * derived global keys) and policy-variable expansion (${aws:username},
 * ${key, 'default'}, ${*} ${?} ${$}).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/policy_internal.h"
#include "core/timeutil.h"

enum { S_D_PARN, S_D_PACCOUNT, S_D_PTYPE, S_D_CURTIME, S_D_EPOCH };

static const char *const s_derived_names[] = {
	"aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType",
	"aws:CurrentTime", "aws:EpochTime",
};

static const char *s_type_name(enum bw_principal_type t)
{
	switch (t) {
	case BW_PRINCIPAL_ACCOUNT: return "Account";
	case BW_PRINCIPAL_USER: return "User";
	case BW_PRINCIPAL_ASSUMED_ROLE: return "AssumedRole";
	case BW_PRINCIPAL_FEDERATED_USER: return "FederatedUser";
	case BW_PRINCIPAL_ANONYMOUS: return "Anonymous";
	case BW_PRINCIPAL_SERVICE:
	case BW_PRINCIPAL_WEB_IDENTITY: break;
	}
	return NULL;
}

void bw_eval_state_init(struct bw_eval_state *st, const struct bw_request_ctx *ctx)
{
	memset(st, 0, sizeof *st);
	st->ctx = ctx;
	/* aws:PrincipalArn of a role session is the role's ARN (AWS docs). */
	if (ctx->principal_type == BW_PRINCIPAL_ASSUMED_ROLE && ctx->role_arn)
		st->derived_vals[S_D_PARN] = ctx->role_arn;
	else if (ctx->principal_type != BW_PRINCIPAL_SERVICE &&
	         ctx->principal_type != BW_PRINCIPAL_ANONYMOUS &&
	         ctx->principal_type != BW_PRINCIPAL_WEB_IDENTITY)
		st->derived_vals[S_D_PARN] = ctx->principal_arn;
	if (ctx->principal_type != BW_PRINCIPAL_SERVICE &&
	    ctx->principal_type != BW_PRINCIPAL_ANONYMOUS)
		st->derived_vals[S_D_PACCOUNT] = ctx->principal_account;
	const char *tn = s_type_name(ctx->principal_type);
	if (tn) {
		snprintf(st->principal_type, sizeof st->principal_type, "%s", tn);
		st->derived_vals[S_D_PTYPE] = st->principal_type;
	}
	if (ctx->now_s > 0 && ctx->now_s < 253402300800.0) {
		if (bw_time_iso8601((double)(int64_t)ctx->now_s, st->now_iso, sizeof st->now_iso) == 0)
			st->derived_vals[S_D_CURTIME] = st->now_iso;
		snprintf(st->now_epoch, sizeof st->now_epoch, "%lld", (long long)ctx->now_s);
		st->derived_vals[S_D_EPOCH] = st->now_epoch;
	}
}

static bool s_key_eq(const char *a, const char *key, size_t keylen)
{
	return strlen(a) == keylen && strncasecmp(a, key, keylen) == 0;
}

struct bw_keyvals bw_eval_lookup(const struct bw_eval_state *st, const char *key, size_t keylen)
{
	const struct bw_request_ctx *ctx = st->ctx;
	for (size_t i = 0; i < ctx->n_keys; i++) {
		if (ctx->keys[i].key && s_key_eq(ctx->keys[i].key, key, keylen))
			return (struct bw_keyvals){.v = ctx->keys[i].values,
			                           .n = ctx->keys[i].values ? ctx->keys[i].n_values : 0,
			                           .present = true};
	}
	for (size_t i = 0; i < sizeof s_derived_names / sizeof *s_derived_names; i++) {
		if (st->derived_vals[i] && s_key_eq(s_derived_names[i], key, keylen))
			return (struct bw_keyvals){.v = &st->derived_vals[i], .n = 1, .present = true};
	}
	return (struct bw_keyvals){0};
}

static bool s_ceq(char a, char b, bool ci)
{
	if (a == b)
		return true;
	return ci && tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Greedy match with one backtrack point: O(plen * tlen) at worst, no recursion. */
bool bw_glob(const char *pat, size_t plen, const char *txt, size_t tlen, bool ci)
{
	size_t pi = 0, ti = 0, star_p = SIZE_MAX, star_t = 0;
	while (ti < tlen) {
		if (pi < plen && pat[pi] == '*') {
			star_p = ++pi;
			star_t = ti;
			continue;
		}
		if (pi < plen) {
			bool any = pat[pi] == '?';
			size_t adv = 1;
			char pc = pat[pi];
			if (pc == '\\' && pi + 1 < plen) {
				pc = pat[pi + 1];
				adv = 2;
			}
			if (any || s_ceq(pc, txt[ti], ci)) {
				pi += adv;
				ti++;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p;
		ti = ++star_t;
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

/* Offsets of the first five unescaped ':' (pattern) or ':' (text). */
static bool s_arn_split(const char *s, size_t len, bool escaped, size_t pos[5])
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < 5; i++) {
		if (escaped && s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == ':')
			pos[n++] = i;
	}
	return n == 5;
}

bool bw_arn_glob(const char *pat, size_t plen, const char *txt, size_t tlen)
{
	size_t pp[5], tp[5];
	if (!s_arn_split(pat, plen, true, pp))
		return plen > 0 && strspn(pat, "*") >= plen; /* only "*" stands for any ARN */
	if (!s_arn_split(txt, tlen, false, tp))
		return false;
	size_t ps = 0, ts = 0;
	for (int i = 0; i < 5; i++) {
		if (!bw_glob(pat + ps, pp[i] - ps, txt + ts, tp[i] - ts, false))
			return false;
		ps = pp[i] + 1;
		ts = tp[i] + 1;
	}
	return bw_glob(pat + ps, plen - ps, txt + ts, tlen - ts, false);
}

int bw_glob_escape_append(struct bw_buf *out, const char *s, size_t len, bool wild_too)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool esc = c == '\\' || (wild_too && (c == '*' || c == '?' || c == ':'));
		if (esc && bw_buf_append_byte(out, '\\'))
			return -1;
		if (bw_buf_append_byte(out, (uint8_t)c))
			return -1;
	}
	return 0;
}

static int s_emit(struct bw_buf *out, const char *s, size_t len, bool glob)
{
	if (glob)
		return bw_glob_escape_append(out, s, len, true);
	return bw_buf_append(out, s, len);
}

static void s_trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* One ${...} body: 0 appended, 1 unresolvable, -1 OOM. */
static int s_expand_var(const struct bw_eval_state *st, const char *body, size_t blen, bool glob,
                        struct bw_buf *out)
{
	s_trim(&body, &blen);
	if (blen == 1 && (body[0] == '*' || body[0] == '?' || body[0] == '$'))
		return s_emit(out, body, 1, glob);
	/* ${key, 'default'} */
	const char *def = NULL;
	size_t deflen = 0, klen = blen;
	const char *comma = memchr(body, ',', blen);
	if (comma) {
		klen = (size_t)(comma - body);
		const char *d = comma + 1;
		size_t dlen = blen - klen - 1;
		s_trim(&d, &dlen);
		if (dlen < 2 || d[0] != '\'' || d[dlen - 1] != '\'')
			return 1;
		def = d + 1;
		deflen = dlen - 2;
		s_trim(&body, &klen);
	}
	if (klen == 0)
		return 1;
	struct bw_keyvals kv = bw_eval_lookup(st, body, klen);
	/* A multi-valued key has no single value to put in a string. */
	if (kv.present && kv.n == 1 && kv.v[0])
		return s_emit(out, kv.v[0], strlen(kv.v[0]), glob);
	if (def)
		return s_emit(out, def, deflen, glob);
	return 1;
}

int bw_pval_expand(const struct bw_eval_state *st, const struct bw_pval *v, bool glob,
                   struct bw_buf *out)
{
	bw_buf_reset(out);
	const char *s = v->raw;
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		if (v->has_vars && s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
			const char *end = memchr(s + i + 2, '}', len - i - 2);
			if (end) {
				int rc = s_expand_var(st, s + i + 2, (size_t)(end - (s + i + 2)), glob, out);
				if (rc)
					return rc;
				i = (size_t)(end - s) + 1;
				continue;
			}
		}
		/* Literal policy text keeps its wildcards; only '\' is escaped. */
		if (glob ? bw_glob_escape_append(out, s + i, 1, false) : bw_buf_append(out, s + i, 1))
			return -1;
		i++;
	}
	/* An empty result still needs a C string for the callers. */
	return bw_buf_append(out, "", 0) ? -1 : 0;
}
