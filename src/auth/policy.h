/*
 * policy.h: the IAM policy engine — parse policy JSON into an immutable
 * compiled form, and evaluate requests with AWS's evaluation logic
 * (identity policies, a resource policy, a permissions boundary, session
 * policies; same-account and cross-account). Pure library: no HTTP, no store.
 *
 * Deny by default: any error while evaluating (out of memory) yields an
 * implicit deny, never an allow.
 */
#ifndef BW_AUTH_POLICY_H
#define BW_AUTH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Where a policy document is attached decides what it may contain:
 * identity / boundary / session policies must not name a Principal and must
 * name a Resource; resource and trust policies must name a Principal; trust
 * policies must not name a Resource. */
enum bw_policy_kind {
	BW_POLICY_IDENTITY,
	BW_POLICY_RESOURCE,
	BW_POLICY_TRUST,
	BW_POLICY_BOUNDARY,
	BW_POLICY_SESSION,
};

/* Parser bounds; zero members take the defaults below. The caller also
 * enforces IAM's per-kind size quotas (6144 managed, 2048 inline user ...). */
struct bw_policy_limits {
	size_t max_doc_bytes;   /* default 131072 */
	size_t max_statements;  /* default 512 */
	size_t max_values;      /* per list (Action, Resource, condition values ...), default 1024 */
	size_t max_depth;       /* JSON nesting, default 16 (a valid policy needs 5) */
};

struct bw_policy; /* opaque, immutable once parsed, reference counted */

/* Parse and validate. On success *out holds one reference. On failure returns
 * -1 and writes a MalformedPolicyDocument-style message into err (always
 * NUL-terminated when errlen > 0), e.g. "Syntax errors in policy.". */
int bw_policy_parse(const char *json, size_t len, enum bw_policy_kind kind,
                    const struct bw_policy_limits *limits, struct bw_policy **out,
                    char *err, size_t errlen) BW_MUST_CHECK;

struct bw_policy *bw_policy_ref(struct bw_policy *p);
void bw_policy_unref(struct bw_policy *p); /* NULL is fine */

enum bw_policy_kind bw_policy_get_kind(const struct bw_policy *p);
size_t bw_policy_statement_count(const struct bw_policy *p);
/* "2012-10-17", "2008-10-17" (also when the document had no Version). */
const char *bw_policy_version(const struct bw_policy *p);
const char *bw_policy_id(const struct bw_policy *p); /* NULL when absent */

/* --- the request ------------------------------------------------------- */

enum bw_principal_type {
	BW_PRINCIPAL_ACCOUNT,        /* the account root */
	BW_PRINCIPAL_USER,           /* arn:aws:iam::A:user/... */
	BW_PRINCIPAL_ASSUMED_ROLE,   /* arn:aws:sts::A:assumed-role/R/S; role_arn set */
	BW_PRINCIPAL_FEDERATED_USER, /* arn:aws:sts::A:federated-user/N */
	BW_PRINCIPAL_SERVICE,        /* principal_arn = "cloudtrail.amazonaws.com" */
	BW_PRINCIPAL_WEB_IDENTITY,   /* principal_arn = the Federated provider (OIDC/SAML) */
	BW_PRINCIPAL_ANONYMOUS,
};

/* One condition key with its values (a key may be multi-valued). */
struct bw_ctx_key {
	const char *key; /* matched case-insensitively */
	const char *const *values;
	size_t n_values;
};

struct bw_request_ctx {
	const char *action;               /* "kms:Encrypt" */
	const char *const *resources;     /* ARNs; none means "*" */
	size_t n_resources;
	const char *principal_arn;
	const char *principal_account;    /* 12 digits */
	enum bw_principal_type principal_type;
	const char *role_arn;             /* the role of an assumed-role session */
	const char *canonical_user;       /* S3 canonical user id, if any */
	const char *resource_account;     /* NULL: the principal's account */
	double now_s;                     /* > 0: derives aws:CurrentTime and aws:EpochTime */
	const struct bw_ctx_key *keys;    /* explicit keys win over derived ones */
	size_t n_keys;
};
/* Derived when not given in keys: aws:PrincipalArn (the role ARN for a role
 * session), aws:PrincipalAccount, aws:PrincipalType, aws:CurrentTime,
 * aws:EpochTime. */

struct bw_policy_set {
	const struct bw_policy *const *identity; /* identity-based policies */
	size_t n_identity;
	const struct bw_policy *resource;        /* resource or trust policy, or NULL */
	const struct bw_policy *boundary;        /* permissions boundary, or NULL */
	const struct bw_policy *const *session;  /* session policies (union), or none */
	size_t n_session;
};

enum bw_decision {
	BW_DECISION_IMPLICIT_DENY = 0,
	BW_DECISION_ALLOW,
	BW_DECISION_EXPLICIT_DENY,
};

enum bw_policy_source {
	BW_SOURCE_NONE = 0,
	BW_SOURCE_IDENTITY,
	BW_SOURCE_RESOURCE,
	BW_SOURCE_BOUNDARY,
	BW_SOURCE_SESSION,
};

struct bw_eval_result {
	enum bw_decision decision;
	enum bw_policy_source source; /* which kind decided a deny (or granted an allow) */
	size_t resource_index;        /* the resource that decided a deny */
};

/* Evaluate; returns 0, or -1 on allocation failure (then out says implicit
 * deny). Every resource must be allowed for the request to be allowed. */
int bw_policy_evaluate(const struct bw_request_ctx *ctx, const struct bw_policy_set *set,
                       struct bw_eval_result *out) BW_MUST_CHECK;

/* AWS's AccessDenied message for a deny:
 * "User: <arn> is not authorized to perform: <action> on resource: <arn>
 *  because no identity-based policy allows the <action> action" /
 *  "... with an explicit deny in a resource-based policy" ... */
int bw_policy_format_denial(const struct bw_request_ctx *ctx, const struct bw_eval_result *res,
                            struct bw_buf *out) BW_MUST_CHECK;

const char *bw_decision_name(enum bw_decision d);      /* "Allow", "ExplicitDeny", "ImplicitDeny" */
const char *bw_policy_source_name(enum bw_policy_source s); /* "identity", "resource", ... "none" */

/* --- the compiled-policy cache ------------------------------------------ */

struct bw_policy_cache; /* thread-safe (rwlock), bounded */

struct bw_policy_cache *bw_policy_cache_new(size_t max_entries);
void bw_policy_cache_free(struct bw_policy_cache *c);
/* A new reference (unref it) or NULL when not cached. */
struct bw_policy *bw_policy_cache_get(struct bw_policy_cache *c, const char *policy_id,
                                      const char *version_id);
/* Cache lookup, else parse and insert. *out gets a reference; -1 with err on
 * a malformed document (not cached) or out of memory. */
int bw_policy_cache_get_or_compile(struct bw_policy_cache *c, const char *policy_id,
                                   const char *version_id, const char *json, size_t len,
                                   enum bw_policy_kind kind, const struct bw_policy_limits *limits,
                                   struct bw_policy **out, char *err, size_t errlen) BW_MUST_CHECK;
/* Drop every version of policy_id (version_id NULL) or one version. */
void bw_policy_cache_invalidate(struct bw_policy_cache *c, const char *policy_id,
                                const char *version_id);
size_t bw_policy_cache_size(struct bw_policy_cache *c);

#endif
