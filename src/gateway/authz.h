/*
 * authz.h: authorization — step 4 of the request path. The operation's IAM
 * action on its resource is evaluated against the caller's policies
 * (identity policies, permissions boundary, session policies) with the
 * policy engine; anything not allowed is denied with AWS's message.
 *
 * A service whose resources carry their own policies (KMS key policies and
 * grants) sets bw_op_impl.authorize and composes its decision from the
 * pieces below instead of bw_authorize's default.
 */
#ifndef BW_GATEWAY_AUTHZ_H
#define BW_GATEWAY_AUTHZ_H

#include <jansson.h>

#include "auth/policy.h"
#include "gateway/call.h"

/* The gateway's caches, reachable from every call (call->authz). */
struct bw_authz {
	struct bw_policy_cache *policies; /* compiled policies, by content */
	struct bw_gencache *sets;         /* each principal's policy texts, by generation */
};

/* The default decision: 0 if allowed, else -1 with call->err = the
 * protocol's access-denied error. The account root is allowed everything in
 * its own account. The call's resource is resolved first (once). */
int bw_authorize(struct bw_call *call, const json_t *in);

/* IAM's decision (identity policies, boundary, session policies) on one
 * resource: 0 allowed, -1 with the access-denied error. For rows that need
 * a second resource authorized (a rename's target). */
int bw_authz_decide(struct bw_call *call, const json_t *in, const char *action,
                    const struct bw_resource *res);
/* The same with the resource's own policy (a role's trust policy), evaluated
 * with AWS's same-account logic (policy_eval.c); NULL: IAM alone. */
int bw_authz_decide_with(struct bw_call *call, const json_t *in, const char *action,
                         const struct bw_resource *res, const struct bw_policy *resource_policy);

/* The service's condition keys for action on res: the row's context keys
 * (bw_op_impl.context) and the resource's tags as aws:ResourceTag/<k>
 * (and iam:ResourceTag/<k> for IAM). *extra is a new object; -1 with
 * call->err. */
int bw_authz_service_keys(struct bw_call *call, const json_t *in, const char *action,
                          const struct bw_resource *res, json_t **extra);
/* Add aws:ResourceTag/<k> (and <service>:ResourceTag/<k> where the service
 * documents it) for each tag of tags (a map). -1 out of memory. */
int bw_authz_resource_tag_keys(json_t *extra, const char *action, const json_t *tags);

/* The request context: AWS's global condition keys for the call, the
 * principal, the action on one resource, plus extra_keys (a JSON object:
 * key -> string or array of strings; may be NULL) a service adds, such as
 * kms:EncryptionContext:<k> or kms:CallerAccount. */
struct bw_authz_ctx {
	struct bw_request_ctx ctx;
	/* storage the context points into: it grows, nothing is ever capped */
	const char *resource;
	struct bw_ctx_key *keys;
	size_t keys_cap;
	const char **values;
	size_t n_values, values_cap;
	size_t *first; /* each key's first value, while keys are added */
	size_t first_cap;
	bool oom;
	json_t *hold;
};
int bw_authz_ctx_init(struct bw_call *call, const json_t *in, const char *action,
                      const char *resource, const json_t *extra_keys, struct bw_authz_ctx *out);
void bw_authz_ctx_clean_up(struct bw_authz_ctx *a);

/* The caller's compiled policies, all of them. -1 with call->err set when
 * they cannot be read or one does not compile (fail closed); a session's
 * policies that do not compile deny (never widen). */
struct bw_authz_policies {
	struct bw_policy **identity; /* every one: a policy left out may be a Deny */
	size_t n_identity;
	struct bw_policy *boundary;
	struct bw_policy **session;
	size_t n_session;
};
int bw_authz_policies_load(struct bw_call *call, struct bw_authz_policies *out);
void bw_authz_policies_clean_up(struct bw_authz_policies *p);
/* A set for bw_policy_evaluate: these policies and a resource policy (or NULL). */
struct bw_policy_set bw_authz_policy_set(const struct bw_authz_policies *p,
                                         const struct bw_policy *resource);

/* Compile a policy text, cached by its content: a reference (unref it) or
 * NULL when it does not compile (logged). */
struct bw_policy *bw_authz_compile(struct bw_call *call, const char *text,
                                   enum bw_policy_kind kind);

/* Fail the call with the protocol's access-denied error and AWS's message for
 * this decision. Returns -1. */
int bw_authz_deny(struct bw_call *call, const struct bw_request_ctx *ctx,
                  const struct bw_eval_result *res);

#endif
