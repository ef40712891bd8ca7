/*
 * policy_parse.c: policy JSON -> the compiled, immutable struct bw_policy,
 * validated the way IAM validates (MalformedPolicyDocument messages), within
 * bounds on size, nesting, statements and values per list.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/encoding.h"
#include "auth/policy_internal.h"

#define S_DEF_DOC_BYTES 131072
#define S_DEF_STATEMENTS 512
#define S_DEF_VALUES 1024
#define S_DEF_DEPTH 16

struct s_parse {
	enum bw_policy_kind kind;
	struct bw_policy_limits lim;
	bool v2012;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int s_fail(struct s_parse *ps, const char *fmt, ...)
{
	if (ps->err && ps->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* --- freeing (safe on partly built structs) ----------------------------- */

static void s_vals_free(struct bw_pvals *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].raw);
		free(vs->v[i].pat);
	}
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

static void s_stmt_free(struct bw_pstmt *s)
{
	free(s->sid);
	s_vals_free(&s->actions);
	s_vals_free(&s->resources);
	s_vals_free(&s->aws);
	s_vals_free(&s->service);
	s_vals_free(&s->federated);
	s_vals_free(&s->canonical);
	for (size_t i = 0; i < s->n_conds; i++) {
		free(s->conds[i].key);
		s_vals_free(&s->conds[i].values);
	}
	free(s->conds);
}

static void s_policy_free(struct bw_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_stmts; i++)
		s_stmt_free(&p->stmts[i]);
	free(p->stmts);
	free(p->id);
	free(p);
}

struct bw_policy *bw_policy_ref(struct bw_policy *p)
{
	if (p)
		atomic_fetch_add(&p->refs, 1);
	return p;
}

void bw_policy_unref(struct bw_policy *p)
{
	if (p && atomic_fetch_sub(&p->refs, 1) == 1)
		s_policy_free(p);
}

enum bw_policy_kind bw_policy_get_kind(const struct bw_policy *p) { return p->kind; }
size_t bw_policy_statement_count(const struct bw_policy *p) { return p->n_stmts; }
const char *bw_policy_version(const struct bw_policy *p)
{
	return p->v2012 ? "2012-10-17" : "2008-10-17";
}
const char *bw_policy_id(const struct bw_policy *p) { return p->id; }

/* --- raw pre-scan ------------------------------------------------------- */

/* --- values ------------------------------------------------------------- */

/* A string / number / bool element as text (condition values may be any). */
static int s_scalar_text(const json_t *v, bool strings_only, char *tmp, size_t tmplen,
                         const char **out)
{
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 0;
	}
	if (strings_only)
		return -1;
	if (json_is_true(v) || json_is_false(v)) {
		*out = json_is_true(v) ? "true" : "false";
		return 0;
	}
	if (json_is_integer(v)) {
		snprintf(tmp, tmplen, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = tmp;
		return 0;
	}
	if (json_is_real(v)) {
		snprintf(tmp, tmplen, "%.17g", json_real_value(v));
		*out = tmp;
		return 0;
	}
	return -1;
}

static int s_add_val(struct s_parse *ps, struct bw_pvals *vs, const char *text)
{
	struct bw_pval *v = &vs->v[vs->n];
	memset(v, 0, sizeof *v);
	v->raw = strdup(text);
	if (!v->raw)
		return s_fail(ps, "Out of memory");
	vs->n++;
	v->has_vars = ps->v2012 && strstr(text, "${") != NULL;
	if (v->has_vars)
		return 0;
	struct bw_buf b = {0};
	if (bw_glob_escape_append(&b, text, strlen(text), false) || bw_buf_append(&b, "", 0)) {
		bw_buf_free(&b);
		return s_fail(ps, "Out of memory");
	}
	v->pat = bw_buf_steal(&b);
	return 0;
}

/* A string or a list of them (or, for conditions, scalars). */
static int s_vals(struct s_parse *ps, const json_t *j, bool strings_only, const char *what,
                  struct bw_pvals *vs)
{
	char tmp[64];
	const char *text;
	size_t n = json_is_array(j) ? json_array_size(j) : 1;
	if (n > ps->lim.max_values)
		return s_fail(ps, "%s has %zu values; at most %zu are allowed", what, n,
		              ps->lim.max_values);
	vs->v = calloc(n ? n : 1, sizeof *vs->v);
	if (!vs->v)
		return s_fail(ps, "Out of memory");
	if (!json_is_array(j)) {
		if (s_scalar_text(j, strings_only, tmp, sizeof tmp, &text))
			return s_fail(ps, "Syntax errors in policy. %s must be a string or a list of strings",
			              what);
		return s_add_val(ps, vs, text);
	}
	for (size_t i = 0; i < n; i++) {
		if (s_scalar_text(json_array_get(j, i), strings_only, tmp, sizeof tmp, &text))
			return s_fail(ps, "Syntax errors in policy. %s must be a string or a list of strings",
			              what);
		if (s_add_val(ps, vs, text))
			return -1;
	}
	return 0;
}

static bool s_vendor_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	}
	return true;
}

static int s_check_action(struct s_parse *ps, const char *a)
{
	if (strcmp(a, "*") == 0)
		return 0;
	const char *colon = strchr(a, ':');
	if (!colon)
		return s_fail(ps, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
	const char *name = colon + 1;
	bool ok = s_vendor_ok(a, (size_t)(colon - a)) && *name;
	for (const char *p = name; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '*' || *p == '?' || *p == '-' || *p == '_';
	if (!ok)
		return s_fail(ps, "Invalid Action: The action %s is invalid", a);
	return 0;
}

static int s_check_resource(struct s_parse *ps, const char *r)
{
	if (strcmp(r, "*") == 0)
		return 0;
	size_t colons = 0;
	for (const char *p = r; *p; p++)
		colons += *p == ':';
	if (strncmp(r, "arn:", 4) != 0 || colons < 5)
		return s_fail(ps, "Resource %s must be in ARN format or \"*\".", r);
	return 0;
}

/* --- principals ---------------------------------------------------------- */

static bool s_digits12(const char *s)
{
	return strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

/* A user's or role's unique id ("AIDA...", "AROA..."): what a resource
 * policy names once the principal it named by ARN is deleted (AWS shows
 * it so). It matches no caller: a new principal of the old name is not
 * the deleted one. */
static bool s_unique_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 16 || n > 128 || (strncmp(s, "AIDA", 4) != 0 && strncmp(s, "AROA", 4) != 0))
		return false;
	for (size_t i = 4; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int s_principal(struct s_parse *ps, const json_t *j, struct bw_pstmt *st)
{
	if (json_is_string(j)) {
		if (strcmp(json_string_value(j), "*") != 0)
			return s_fail(ps, "Invalid principal in policy: \"%s\"", json_string_value(j));
		st->principal_any = true;
		return 0;
	}
	if (!json_is_object(j) || json_object_size(j) == 0)
		return s_fail(ps, "Invalid principal in policy");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)j, k, v) {
		struct bw_pvals *dst;
		if (strcmp(k, "AWS") == 0)
			dst = &st->aws;
		else if (strcmp(k, "Service") == 0)
			dst = &st->service;
		else if (strcmp(k, "Federated") == 0)
			dst = &st->federated;
		else if (strcmp(k, "CanonicalUser") == 0)
			dst = &st->canonical;
		else
			return s_fail(ps, "Invalid principal in policy: unknown principal type %s", k);
		if (s_vals(ps, v, true, "Principal", dst))
			return -1;
		if (dst->n == 0)
			return s_fail(ps, "Invalid principal in policy: \"%s\" is empty", k);
		for (size_t i = 0; i < dst->n; i++) {
			char *r = dst->v[i].raw;
			/* Only the AWS form takes "*" (== Principal "*"); no partial wildcards. */
			if (dst == &st->aws && strcmp(r, "*") == 0) {
				st->principal_any = true;
				continue;
			}
			bool ok = *r && !strchr(r, '*') && !strchr(r, '?');
			if (ok && dst == &st->aws)
				ok = s_digits12(r) || s_unique_id(r) ||
				     (strncmp(r, "arn:", 4) == 0 && strchr(r + 4, ':'));
			if (!ok)
				return s_fail(ps, "Invalid principal in policy: \"%s\":\"%s\"", k, r);
			if (dst == &st->aws && s_digits12(r)) {
				/* a bare account id means the account root */
				char arn[64];
				snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", r);
				char *n = strdup(arn);
				if (!n)
					return s_fail(ps, "Out of memory");
				free(r);
				dst->v[i].raw = n;
			}
		}
	}
	return 0;
}

/* --- conditions ---------------------------------------------------------- */

struct s_opname {
	const char *name;
	enum bw_cond_base base;
	bool negated;
};

static const struct s_opname s_ops[] = {
	{"StringEquals", BW_COND_STR_EQ, false},
	{"StringNotEquals", BW_COND_STR_EQ, true},
	{"StringEqualsIgnoreCase", BW_COND_STR_EQ_IC, false},
	{"StringNotEqualsIgnoreCase", BW_COND_STR_EQ_IC, true},
	{"StringLike", BW_COND_STR_LIKE, false},
	{"StringNotLike", BW_COND_STR_LIKE, true},
	{"NumericEquals", BW_COND_NUM_EQ, false},
	{"NumericNotEquals", BW_COND_NUM_EQ, true},
	{"NumericLessThan", BW_COND_NUM_LT, false},
	{"NumericLessThanEquals", BW_COND_NUM_LE, false},
	{"NumericGreaterThan", BW_COND_NUM_GT, false},
	{"NumericGreaterThanEquals", BW_COND_NUM_GE, false},
	{"DateEquals", BW_COND_DATE_EQ, false},
	{"DateNotEquals", BW_COND_DATE_EQ, true},
	{"DateLessThan", BW_COND_DATE_LT, false},
	{"DateLessThanEquals", BW_COND_DATE_LE, false},
	{"DateGreaterThan", BW_COND_DATE_GT, false},
	{"DateGreaterThanEquals", BW_COND_DATE_GE, false},
	{"Bool", BW_COND_BOOL, false},
	{"BinaryEquals", BW_COND_BINARY, false},
	{"IpAddress", BW_COND_IP, false},
	{"NotIpAddress", BW_COND_IP, true},
	{"ArnEquals", BW_COND_ARN, false},
	{"ArnLike", BW_COND_ARN, false},
	{"ArnNotEquals", BW_COND_ARN, true},
	{"ArnNotLike", BW_COND_ARN, true},
	{"Null", BW_COND_NULL, false},
};

static int s_opname(struct s_parse *ps, const char *name, struct bw_pcond *c)
{
	const char *p = name;
	c->set = BW_SET_NONE;
	if (strncasecmp(p, "ForAnyValue:", 12) == 0) {
		c->set = BW_SET_ANY;
		p += 12;
	} else if (strncasecmp(p, "ForAllValues:", 13) == 0) {
		c->set = BW_SET_ALL;
		p += 13;
	}
	size_t n = strlen(p);
	c->if_exists = n > 8 && strcasecmp(p + n - 8, "IfExists") == 0;
	if (c->if_exists)
		n -= 8;
	for (size_t i = 0; i < sizeof s_ops / sizeof *s_ops; i++) {
		if (strlen(s_ops[i].name) != n || strncasecmp(s_ops[i].name, p, n) != 0)
			continue;
		if (s_ops[i].base == BW_COND_NULL && (c->if_exists || c->set != BW_SET_NONE))
			break;
		c->base = s_ops[i].base;
		c->negated = s_ops[i].negated;
		return 0;
	}
	return s_fail(ps, "Invalid Condition type : %s", name);
}

static int s_conditions(struct s_parse *ps, const json_t *j, struct bw_pstmt *st)
{
	if (!json_is_object(j))
		return s_fail(ps, "Syntax errors in policy. Condition must be an object");
	size_t total = 0;
	const char *op, *key;
	json_t *block, *vals;
	json_object_foreach((json_t *)j, op, block) {
		if (!json_is_object(block))
			return s_fail(ps, "Syntax errors in policy. Condition %s must be an object", op);
		total += json_object_size(block);
	}
	if (total > ps->lim.max_values)
		return s_fail(ps, "Condition has %zu keys; at most %zu are allowed", total,
		              ps->lim.max_values);
	st->conds = calloc(total ? total : 1, sizeof *st->conds);
	if (!st->conds)
		return s_fail(ps, "Out of memory");
	json_object_foreach((json_t *)j, op, block) {
		json_object_foreach(block, key, vals) {
			struct bw_pcond *c = &st->conds[st->n_conds++];
			if (s_opname(ps, op, c))
				return -1;
			const char *colon = strchr(key, ':');
			/* vendors of condition keys may be hosts: cognito-identity.amazonaws.com:aud */
			bool vok = colon && colon != key && colon[1];
			for (const char *q = key; vok && q < colon; q++)
				vok = isalnum((unsigned char)*q) || strchr("-._", *q);
			if (!vok)
				return s_fail(ps, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
			c->key = strdup(key);
			if (!c->key)
				return s_fail(ps, "Out of memory");
			if (s_vals(ps, vals, false, "Condition value", &c->values))
				return -1;
			if (c->base == BW_COND_NULL) {
				for (size_t i = 0; i < c->values.n; i++) {
					const char *v = c->values.v[i].raw;
					if (strcasecmp(v, "true") && strcasecmp(v, "false"))
						return s_fail(ps, "Invalid Condition value for Null: %s", v);
				}
			}
		}
	}
	return 0;
}

/* --- statements ---------------------------------------------------------- */

static bool s_iam_stored(enum bw_policy_kind k)
{
	return k == BW_POLICY_IDENTITY || k == BW_POLICY_BOUNDARY || k == BW_POLICY_SESSION;
}

static int s_statement(struct s_parse *ps, const json_t *j, struct bw_pstmt *st)
{
	if (!json_is_object(j))
		return s_fail(ps, "Syntax errors in policy. Statement must be an object");
	static const char *const known[] = {"Sid", "Effect", "Action", "NotAction", "Resource",
	                                    "NotResource", "Principal", "NotPrincipal", "Condition"};
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)j, k, v) {
		bool ok = false;
		for (size_t i = 0; i < sizeof known / sizeof *known && !ok; i++)
			ok = strcmp(k, known[i]) == 0;
		if (!ok)
			return s_fail(ps, "Syntax errors in policy. Unknown field %s", k);
	}
	json_t *sid = json_object_get(j, "Sid");
	if (sid) {
		if (!json_is_string(sid))
			return s_fail(ps, "Syntax errors in policy. Sid must be a string");
		const char *s = json_string_value(sid);
		if (ps->kind != BW_POLICY_RESOURCE && strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                                                "abcdefghijklmnopqrstuvwxyz") != strlen(s))
			return s_fail(ps, "Statement IDs (SID) must be alpha-numeric. Check that your input "
			                  "satisfies the regular expression [0-9A-Za-z]*");
		st->sid = strdup(s);
		if (!st->sid)
			return s_fail(ps, "Out of memory");
	}
	json_t *eff = json_object_get(j, "Effect");
	if (!eff)
		return s_fail(ps, "Missing required field Effect");
	if (!json_is_string(eff))
		return s_fail(ps, "Syntax errors in policy. Effect must be a string");
	if (strcmp(json_string_value(eff), "Allow") == 0)
		st->allow = true;
	else if (strcmp(json_string_value(eff), "Deny") != 0)
		return s_fail(ps, "Invalid effect: %s", json_string_value(eff));

	json_t *act = json_object_get(j, "Action"), *nact = json_object_get(j, "NotAction");
	if (act && nact)
		return s_fail(ps, "Syntax errors in policy. Statement has both Action and NotAction");
	if (!act && !nact)
		return s_fail(ps, "Policy statement must contain actions.");
	st->not_action = nact != NULL;
	if (s_vals(ps, act ? act : nact, true, act ? "Action" : "NotAction", &st->actions))
		return -1;
	if (st->actions.n == 0)
		return s_fail(ps, "Policy statement must contain actions.");
	for (size_t i = 0; i < st->actions.n; i++) {
		if (s_check_action(ps, st->actions.v[i].raw))
			return -1;
	}

	json_t *res = json_object_get(j, "Resource"), *nres = json_object_get(j, "NotResource");
	if (res && nres)
		return s_fail(ps, "Syntax errors in policy. Statement has both Resource and NotResource");
	if (ps->kind == BW_POLICY_TRUST && (res || nres))
		return s_fail(ps, "Has prohibited field %s", res ? "Resource" : "NotResource");
	if (s_iam_stored(ps->kind) && !res && !nres)
		return s_fail(ps, "Policy statement must contain resources.");
	if (res || nres) {
		st->has_resource = true;
		st->not_resource = nres != NULL;
		if (s_vals(ps, res ? res : nres, true, res ? "Resource" : "NotResource", &st->resources))
			return -1;
		if (st->resources.n == 0)
			return s_fail(ps, "Policy statement must contain resources.");
		for (size_t i = 0; i < st->resources.n; i++) {
			if (s_check_resource(ps, st->resources.v[i].raw))
				return -1;
		}
	}

	json_t *pr = json_object_get(j, "Principal"), *npr = json_object_get(j, "NotPrincipal");
	if (pr && npr)
		return s_fail(ps, "Syntax errors in policy. Statement has both Principal and NotPrincipal");
	if (s_iam_stored(ps->kind) && (pr || npr))
		return s_fail(ps, "Policy document should not specify a principal.");
	if (!s_iam_stored(ps->kind) && !pr && !npr)
		return s_fail(ps, "Missing required field Principal");
	if (pr || npr) {
		st->pmode = pr ? BW_PRINCIPAL_IS : BW_PRINCIPAL_NOT;
		if (s_principal(ps, pr ? pr : npr, st))
			return -1;
	}
	json_t *cond = json_object_get(j, "Condition");
	if (cond && s_conditions(ps, cond, st))
		return -1;
	return 0;
}

static int s_document(struct s_parse *ps, const json_t *doc, struct bw_policy *p)
{
	if (!json_is_object(doc))
		return s_fail(ps, "Syntax errors in policy.");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "Version") && strcmp(k, "Id") && strcmp(k, "Statement"))
			return s_fail(ps, "Syntax errors in policy. Unknown field %s", k);
	}
	json_t *ver = json_object_get(doc, "Version");
	if (ver) {
		const char *s = json_is_string(ver) ? json_string_value(ver) : "";
		if (strcmp(s, "2012-10-17") == 0)
			ps->v2012 = true;
		else if (strcmp(s, "2008-10-17") != 0)
			return s_fail(ps, "The policy must contain a valid version string");
	}
	p->v2012 = ps->v2012;
	json_t *id = json_object_get(doc, "Id");
	if (id) {
		if (!json_is_string(id))
			return s_fail(ps, "Syntax errors in policy. Id must be a string");
		p->id = strdup(json_string_value(id));
		if (!p->id)
			return s_fail(ps, "Out of memory");
	}
	json_t *stmts = json_object_get(doc, "Statement");
	if (!stmts)
		return s_fail(ps, "Missing required field Statement");
	if (!json_is_object(stmts) && !json_is_array(stmts))
		return s_fail(ps, "Syntax errors in policy. Statement must be an object or a list");
	size_t n = json_is_array(stmts) ? json_array_size(stmts) : 1;
	if (n > ps->lim.max_statements)
		return s_fail(ps, "Policy has %zu statements; at most %zu are allowed", n,
		              ps->lim.max_statements);
	p->stmts = calloc(n ? n : 1, sizeof *p->stmts);
	if (!p->stmts)
		return s_fail(ps, "Out of memory");
	for (size_t i = 0; i < n; i++) {
		p->n_stmts++;
		if (s_statement(ps, json_is_array(stmts) ? json_array_get(stmts, i) : stmts,
		                &p->stmts[i]))
			return -1;
		for (size_t k2 = 0; p->stmts[i].sid && k2 < i; k2++) {
			if (p->stmts[k2].sid && *p->stmts[i].sid &&
			    strcmp(p->stmts[k2].sid, p->stmts[i].sid) == 0)
				return s_fail(ps, "Statement IDs (SID) in a single policy must be unique.");
		}
	}
	return 0;
}

int bw_policy_parse(const char *json, size_t len, enum bw_policy_kind kind,
                    const struct bw_policy_limits *limits, struct bw_policy **out, char *err,
                    size_t errlen)
{
	struct s_parse ps = {.kind = kind, .err = err, .errlen = errlen};
	if (limits)
		ps.lim = *limits;
	if (!ps.lim.max_doc_bytes)
		ps.lim.max_doc_bytes = S_DEF_DOC_BYTES;
	if (!ps.lim.max_statements)
		ps.lim.max_statements = S_DEF_STATEMENTS;
	if (!ps.lim.max_values)
		ps.lim.max_values = S_DEF_VALUES;
	if (!ps.lim.max_depth)
		ps.lim.max_depth = S_DEF_DEPTH;
	if (err && errlen)
		err[0] = 0;
	*out = NULL;
	if (kind < BW_POLICY_IDENTITY || kind > BW_POLICY_SESSION)
		return s_fail(&ps, "Unknown policy kind");
	if (!json || len == 0)
		return s_fail(&ps, "Syntax errors in policy.");
	if (len > ps.lim.max_doc_bytes)
		return s_fail(&ps, "Policy document is %zu bytes; at most %zu are allowed", len,
		              ps.lim.max_doc_bytes);
	/* bound the nesting before jansson sees the bytes (its own limit is 2048) */
	if (!bw_json_depth_within(json, len, ps.lim.max_depth))
		return s_fail(&ps, "Syntax errors in policy. Nesting deeper than %zu levels",
		              ps.lim.max_depth);
	json_error_t jerr;
	json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return s_fail(&ps, "Syntax errors in policy.");
	struct bw_policy *p = calloc(1, sizeof *p);
	if (!p) {
		json_decref(doc);
		return s_fail(&ps, "Out of memory");
	}
	atomic_init(&p->refs, 1);
	p->kind = kind;
	int rc = s_document(&ps, doc, p);
	json_decref(doc);
	if (rc) {
		s_policy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}
