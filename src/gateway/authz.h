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

#define BW_AUTHZ_MAX_KEYS 160
#define BW_AUTHZ_MAX_VALUES 256
#define BW_AUTHZ_MAX_POLICIES 64

/* The gateway's caches, reachable from every call (call->authz). */
struct bw_authz {
	struct bw_policy_cache *policies; /* compiled policies, by content */
	struct bw_gencache *sets;         /* each principal's policy texts, by generation */
};

/* The default decision: 0 if allowed, else -1 with call->err = the
 * protocol's access-denied error. The account root is allowed everything in
 * its own account. */
int bw_authorize(struct bw_call *call, const json_t *in);

/* The request context: AWS's global condition keys for the call, the
 * principal, the action on one resource, plus extra_keys (a JSON object:
 * key -> string or array of strings; may be NULL) a service adds, such as
 * kms:EncryptionContext:<k> or kms:CallerAccount. */
struct bw_authz_ctx {
	struct bw_request_ctx ctx;
	/* storage the context points into */
	const char *resource;
	struct bw_ctx_key keys[BW_AUTHZ_MAX_KEYS];
	const char *values[BW_AUTHZ_MAX_VALUES];
	size_t n_values;
	json_t *hold;
};
int bw_authz_ctx_init(struct bw_call *call, const json_t *in, const char *action,
                      const char *resource, const json_t *extra_keys, struct bw_authz_ctx *out);
void bw_authz_ctx_clean_up(struct bw_authz_ctx *a);

/* The caller's compiled policies. -1 with call->err set when they cannot be
 * read; a session's policies that do not compile deny (never widen). */
struct bw_authz_policies {
	struct bw_policy *identity[BW_AUTHZ_MAX_POLICIES];
	size_t n_identity;
	struct bw_policy *boundary;
	struct bw_policy *session[BW_AUTHZ_MAX_POLICIES];
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
