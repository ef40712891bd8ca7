/*
 * policy_eval.c: statement matching and AWS's multi-policy evaluation logic,
 * and the AccessDenied message that names the deciding policy kind.
 *
 * Our reading of "Policy evaluation logic" and "Cross-account policy
 * evaluation logic" (IAM User Guide), for each resource of the request:
 *  1. An explicit Deny in any applicable policy (identity, resource,
 *     boundary, session) decides: ExplicitDeny.
 *  2. Principals with no identity policies (a service, a web-identity/SAML
 *     provider, anonymous) are allowed only by the resource policy.
 *  3. The account root is allowed everything in its own account; across
 *     accounts it needs the resource policy.
 *  4. Same account. How a resource-policy Allow matched the caller matters:
 *     - it names the IAM user ARN, the role session ARN (assumed-role) or
 *       the federated-user session ARN directly: the grant is not limited by
 *       an implicit deny in identity policies, the boundary or session
 *       policies ("permissions granted directly to a session are not
 *       limited ...", "resource-based policies that grant permissions to an
 *       IAM user ARN are not limited by ... a permissions boundary");
 *     - it names the role ARN, or "*" / NotPrincipal: the grant stands in for
 *       an identity Allow but is still limited by the boundary and by session
 *       policies ("resource-based policies that grant permissions to an IAM
 *       role ARN are limited by an implicit deny in a permissions boundary or
 *       session policy"); we treat "*" the same way (the deny-biased choice);
 *     - it names only the account (root ARN or 12-digit id): that delegates
 *       to the account's IAM policies and grants nothing by itself (the KMS
 *       key-policy "Enable IAM User Permissions" pattern).
 *     Otherwise an identity-policy Allow is needed (else ImplicitDeny,
 *     identity), then the boundary must allow when there is one (else
 *     ImplicitDeny, boundary), then some session policy must allow when there
 *     are any (else ImplicitDeny, session). Several session policies (inline
 *     plus managed ARNs) are a union.
 *  5. Cross account: identity ∩ boundary ∩ session must allow in the
 *     caller's account (else ImplicitDeny of that kind) AND the resource
 *     policy must allow the caller by any principal form, the account
 *     included (else ImplicitDeny, resource).
 * A request with several resources is allowed only if each one is.
 */
#include <string.h>
#include <strings.h>

#include "auth/policy_internal.h"

/* How a statement's Principal matched the caller; higher is stronger. */
enum s_pmatch {
	S_PM_NONE = 0,
	S_PM_ACCOUNT, /* names the caller's account only */
	S_PM_INDIRECT, /* "*", NotPrincipal, the role of a session, a service */
	S_PM_DIRECT,  /* names the user / session ARN itself */
};

struct s_verdict {
	bool deny;
	bool allow;
	enum s_pmatch how; /* resource policies: the best principal match of an Allow */
};

static bool s_account_root(const char *arn, const char *account)
{
	/* arn:aws:iam::<account>:root, in any partition */
	if (!account || strncmp(arn, "arn:", 4) != 0)
		return false;
	const char *p = strchr(arn + 4, ':');
	if (!p || strncmp(p, ":iam::", 6) != 0)
		return false;
	p += 6;
	size_t n = strlen(account);
	return n && strncmp(p, account, n) == 0 && strcmp(p + n, ":root") == 0;
}

static enum s_pmatch s_principal_entry(const struct bw_request_ctx *ctx, const char *entry)
{
	enum bw_principal_type t = ctx->principal_type;
	if (t == BW_PRINCIPAL_SERVICE || t == BW_PRINCIPAL_WEB_IDENTITY || t == BW_PRINCIPAL_ANONYMOUS)
		return S_PM_NONE;
	if (s_account_root(entry, ctx->principal_account))
		return t == BW_PRINCIPAL_ACCOUNT ? S_PM_DIRECT : S_PM_ACCOUNT;
	if (ctx->principal_arn && strcmp(entry, ctx->principal_arn) == 0)
		return S_PM_DIRECT;
	if (t == BW_PRINCIPAL_ASSUMED_ROLE && ctx->role_arn && strcmp(entry, ctx->role_arn) == 0)
		return S_PM_INDIRECT;
	return S_PM_NONE;
}

static enum s_pmatch s_principal_named(const struct bw_request_ctx *ctx, const struct bw_pstmt *s)
{
	enum s_pmatch best = S_PM_NONE;
	for (size_t i = 0; i < s->aws.n; i++) {
		enum s_pmatch m = s_principal_entry(ctx, s->aws.v[i].raw);
		if (m > best)
			best = m;
	}
	const char *pa = ctx->principal_arn ? ctx->principal_arn : "";
	if (ctx->principal_type == BW_PRINCIPAL_SERVICE) {
		for (size_t i = 0; i < s->service.n; i++) {
			if (strcasecmp(s->service.v[i].raw, pa) == 0)
				best = S_PM_INDIRECT > best ? S_PM_INDIRECT : best;
		}
	}
	if (ctx->principal_type == BW_PRINCIPAL_WEB_IDENTITY) {
		for (size_t i = 0; i < s->federated.n; i++) {
			if (strcmp(s->federated.v[i].raw, pa) == 0)
				best = S_PM_INDIRECT > best ? S_PM_INDIRECT : best;
		}
	}
	if (ctx->canonical_user) {
		for (size_t i = 0; i < s->canonical.n; i++) {
			if (strcmp(s->canonical.v[i].raw, ctx->canonical_user) == 0)
				best = S_PM_DIRECT;
		}
	}
	return best;
}

static bool s_listed(const struct bw_pvals *vs, const char *arn, bool nocase)
{
	for (size_t i = 0; arn && i < vs->n; i++) {
		if (nocase ? strcasecmp(vs->v[i].raw, arn) == 0 : strcmp(vs->v[i].raw, arn) == 0)
			return true;
	}
	return false;
}

static bool s_root_listed(const struct bw_pvals *vs, const char *account)
{
	for (size_t i = 0; i < vs->n; i++) {
		if (s_account_root(vs->v[i].raw, account))
			return true;
	}
	return false;
}

/* NotPrincipal: AWS evaluates the request for each identity the caller
 * carries — a user and its account; a role session, its role and its
 * account — and the statement skips the caller only when every one of them
 * is listed ("you must also specify the account ARN", IAM User Guide,
 * NotPrincipal). */
static bool s_notprincipal_excluded(const struct bw_request_ctx *ctx, const struct bw_pstmt *s)
{
	const char *acct = ctx->principal_account;
	switch (ctx->principal_type) {
	case BW_PRINCIPAL_ACCOUNT: return s_root_listed(&s->aws, acct);
	case BW_PRINCIPAL_USER:
	case BW_PRINCIPAL_FEDERATED_USER:
		return s_listed(&s->aws, ctx->principal_arn, false) && s_root_listed(&s->aws, acct);
	case BW_PRINCIPAL_ASSUMED_ROLE:
		return s_listed(&s->aws, ctx->principal_arn, false) &&
		       s_listed(&s->aws, ctx->role_arn, false) && s_root_listed(&s->aws, acct);
	case BW_PRINCIPAL_SERVICE: return s_listed(&s->service, ctx->principal_arn, true);
	case BW_PRINCIPAL_WEB_IDENTITY: return s_listed(&s->federated, ctx->principal_arn, false);
	case BW_PRINCIPAL_ANONYMOUS: break;
	}
	return false;
}

static enum s_pmatch s_principal_match(const struct bw_request_ctx *ctx, const struct bw_pstmt *s)
{
	switch (s->pmode) {
	case BW_PRINCIPAL_NONE: return S_PM_INDIRECT; /* identity-side policies */
	case BW_PRINCIPAL_IS:
		if (s->principal_any)
			return S_PM_INDIRECT;
		return s_principal_named(ctx, s);
	case BW_PRINCIPAL_NOT:
		if (s->principal_any)
			return S_PM_NONE;
		return s_notprincipal_excluded(ctx, s) ? S_PM_NONE : S_PM_INDIRECT;
	}
	return S_PM_NONE;
}

static bool s_action_match(const struct bw_pstmt *s, const char *action)
{
	size_t alen = strlen(action);
	bool any = false;
	for (size_t i = 0; i < s->actions.n && !any; i++)
		any = bw_glob(s->actions.v[i].pat, strlen(s->actions.v[i].pat), action, alen, true);
	return s->not_action ? !any : any;
}

/* 1 matches, 0 not, -1 OOM. */
static int s_resource_match(const struct bw_eval_state *st, const struct bw_pstmt *s,
                            const char *resource)
{
	if (!s->has_resource)
		return 1;
	size_t rlen = strlen(resource);
	bool any = false;
	struct bw_buf b = {0};
	for (size_t i = 0; i < s->resources.n && !any; i++) {
		const struct bw_pval *v = &s->resources.v[i];
		const char *pat = v->pat;
		if (v->has_vars) {
			int rc = bw_pval_expand(st, v, true, &b);
			if (rc < 0) {
				bw_buf_free(&b);
				return -1;
			}
			if (rc > 0) /* unresolvable variable: this entry matches nothing */
				continue;
			pat = bw_buf_cstr(&b);
		}
		any = bw_arn_glob(pat, strlen(pat), resource, rlen);
	}
	bw_buf_free(&b);
	return s->not_resource ? !any : any;
}

/* Evaluate one policy for one resource into v. -1 on OOM. */
static int s_policy(const struct bw_eval_state *st, const struct bw_policy *p, const char *resource,
                    struct s_verdict *v)
{
	const struct bw_request_ctx *ctx = st->ctx;
	for (size_t i = 0; i < p->n_stmts; i++) {
		const struct bw_pstmt *s = &p->stmts[i];
		if (!s_action_match(s, ctx->action))
			continue;
		enum s_pmatch pm = s_principal_match(ctx, s);
		if (pm == S_PM_NONE)
			continue;
		if (s->allow && pm <= v->how && v->allow)
			continue; /* nothing new to learn */
		int rc = s_resource_match(st, s, resource);
		if (rc <= 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		bool ok = true;
		for (size_t c = 0; c < s->n_conds && ok; c++) {
			rc = bw_cond_eval(st, &s->conds[c]);
			if (rc < 0)
				return -1;
			ok = rc == 1;
		}
		if (!ok)
			continue;
		if (!s->allow) {
			v->deny = true;
			return 0;
		}
		v->allow = true;
		if (pm > v->how)
			v->how = pm;
	}
	return 0;
}

static int s_policies(const struct bw_eval_state *st, const struct bw_policy *const *ps, size_t n,
                      const char *resource, struct s_verdict *v)
{
	for (size_t i = 0; i < n && !v->deny; i++) {
		if (ps[i] && s_policy(st, ps[i], resource, v))
			return -1;
	}
	return 0;
}

static void s_set(struct bw_eval_result *out, enum bw_decision d, enum bw_policy_source s)
{
	out->decision = d;
	out->source = s;
}

static int s_one_resource(const struct bw_eval_state *st, const struct bw_policy_set *set,
                          const char *resource, struct bw_eval_result *out)
{
	const struct bw_request_ctx *ctx = st->ctx;
	struct s_verdict id = {0}, rs = {0}, bd = {0}, ss = {0};
	if (s_policies(st, set->identity, set->n_identity, resource, &id) ||
	    (set->resource && s_policy(st, set->resource, resource, &rs)) ||
	    (set->boundary && s_policy(st, set->boundary, resource, &bd)) ||
	    s_policies(st, set->session, set->n_session, resource, &ss))
		return -1;
	if (id.deny)
		return s_set(out, BW_DECISION_EXPLICIT_DENY, BW_SOURCE_IDENTITY), 0;
	if (rs.deny)
		return s_set(out, BW_DECISION_EXPLICIT_DENY, BW_SOURCE_RESOURCE), 0;
	if (bd.deny)
		return s_set(out, BW_DECISION_EXPLICIT_DENY, BW_SOURCE_BOUNDARY), 0;
	if (ss.deny)
		return s_set(out, BW_DECISION_EXPLICIT_DENY, BW_SOURCE_SESSION), 0;

	enum bw_principal_type t = ctx->principal_type;
	if (t == BW_PRINCIPAL_SERVICE || t == BW_PRINCIPAL_WEB_IDENTITY || t == BW_PRINCIPAL_ANONYMOUS) {
		if (rs.allow && rs.how >= S_PM_INDIRECT)
			return s_set(out, BW_DECISION_ALLOW, BW_SOURCE_RESOURCE), 0;
		return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_RESOURCE), 0;
	}
	bool same = !ctx->resource_account || !ctx->principal_account ||
	            strcmp(ctx->resource_account, ctx->principal_account) == 0;
	if (t == BW_PRINCIPAL_ACCOUNT) {
		if (same || rs.allow)
			return s_set(out, BW_DECISION_ALLOW, same ? BW_SOURCE_NONE : BW_SOURCE_RESOURCE), 0;
		return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_RESOURCE), 0;
	}
	bool bd_ok = !set->boundary || bd.allow;
	bool ss_ok = set->n_session == 0 || ss.allow;
	if (same) {
		if (rs.allow && rs.how == S_PM_DIRECT)
			return s_set(out, BW_DECISION_ALLOW, BW_SOURCE_RESOURCE), 0;
		bool granted_by_resource = rs.allow && rs.how == S_PM_INDIRECT;
		if (!id.allow && !granted_by_resource)
			return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_IDENTITY), 0;
		if (!bd_ok)
			return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_BOUNDARY), 0;
		if (!ss_ok)
			return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_SESSION), 0;
		return s_set(out, BW_DECISION_ALLOW,
		             id.allow ? BW_SOURCE_IDENTITY : BW_SOURCE_RESOURCE), 0;
	}
	if (!id.allow)
		return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_IDENTITY), 0;
	if (!bd_ok)
		return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_BOUNDARY), 0;
	if (!ss_ok)
		return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_SESSION), 0;
	if (!rs.allow)
		return s_set(out, BW_DECISION_IMPLICIT_DENY, BW_SOURCE_RESOURCE), 0;
	return s_set(out, BW_DECISION_ALLOW, BW_SOURCE_RESOURCE), 0;
}

int bw_policy_evaluate(const struct bw_request_ctx *ctx, const struct bw_policy_set *set,
                       struct bw_eval_result *out)
{
	*out = (struct bw_eval_result){.decision = BW_DECISION_IMPLICIT_DENY};
	if (!ctx || !set || !ctx->action)
		return -1;
	struct bw_eval_state st;
	bw_eval_state_init(&st, ctx);
	static const char *const s_star = "*";
	const char *const *res = ctx->n_resources ? ctx->resources : &s_star;
	size_t n = ctx->n_resources ? ctx->n_resources : 1;
	struct bw_eval_result first_implicit = {0};
	bool have_implicit = false;
	struct bw_eval_result last_allow = {.decision = BW_DECISION_ALLOW};
	for (size_t i = 0; i < n; i++) {
		struct bw_eval_result r = {.resource_index = i};
		if (!res[i] || s_one_resource(&st, set, res[i], &r)) {
			*out = (struct bw_eval_result){.decision = BW_DECISION_IMPLICIT_DENY,
			                               .resource_index = i};
			return -1;
		}
		if (r.decision == BW_DECISION_EXPLICIT_DENY) {
			*out = r;
			return 0;
		}
		if (r.decision == BW_DECISION_IMPLICIT_DENY && !have_implicit) {
			first_implicit = r;
			have_implicit = true;
		}
		if (r.decision == BW_DECISION_ALLOW)
			last_allow = r;
	}
	*out = have_implicit ? first_implicit : last_allow;
	return 0;
}

const char *bw_decision_name(enum bw_decision d)
{
	switch (d) {
	case BW_DECISION_ALLOW: return "Allow";
	case BW_DECISION_EXPLICIT_DENY: return "ExplicitDeny";
	case BW_DECISION_IMPLICIT_DENY: break;
	}
	return "ImplicitDeny";
}

const char *bw_policy_source_name(enum bw_policy_source s)
{
	switch (s) {
	case BW_SOURCE_IDENTITY: return "identity";
	case BW_SOURCE_RESOURCE: return "resource";
	case BW_SOURCE_BOUNDARY: return "boundary";
	case BW_SOURCE_SESSION: return "session";
	case BW_SOURCE_NONE: break;
	}
	return "none";
}

int bw_policy_format_denial(const struct bw_request_ctx *ctx, const struct bw_eval_result *res,
                            struct bw_buf *out)
{
	static const char *const s_explicit[] = {
		[BW_SOURCE_IDENTITY] = "an identity-based policy",
		[BW_SOURCE_RESOURCE] = "a resource-based policy",
		[BW_SOURCE_BOUNDARY] = "a permissions boundary",
		[BW_SOURCE_SESSION] = "a session policy",
	};
	static const char *const s_implicit[] = {
		[BW_SOURCE_IDENTITY] = "identity-based policy",
		[BW_SOURCE_RESOURCE] = "resource-based policy",
		[BW_SOURCE_BOUNDARY] = "permissions boundary",
		[BW_SOURCE_SESSION] = "session policy",
	};
	const char *who = ctx->principal_type == BW_PRINCIPAL_ANONYMOUS ? "anonymous"
	                  : ctx->principal_arn                          ? ctx->principal_arn
	                                                                : "anonymous";
	const char *action = ctx->action ? ctx->action : "";
	const char *resource = "*";
	if (ctx->n_resources && res->resource_index < ctx->n_resources &&
	    ctx->resources[res->resource_index])
		resource = ctx->resources[res->resource_index];
	if (bw_buf_appendf(out, "User: %s is not authorized to perform: %s on resource: %s", who,
	                   action, resource))
		return -1;
	bool known = res->source >= BW_SOURCE_IDENTITY && res->source <= BW_SOURCE_SESSION;
	if (res->decision == BW_DECISION_EXPLICIT_DENY && known)
		return bw_buf_appendf(out, " with an explicit deny in %s", s_explicit[res->source]);
	if (res->decision == BW_DECISION_IMPLICIT_DENY && known)
		return bw_buf_appendf(out, " because no %s allows the %s action", s_implicit[res->source],
		                      action);
	return 0;
}
