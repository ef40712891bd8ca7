/*
 * authz.h: authorization — step 4 of the request path. The operation's IAM
 * action on its resource is evaluated against the caller's policies
 * (identity policies, permissions boundary, session policies) with the
 * policy engine; anything not allowed is denied with AWS's message.
 */
#ifndef BW_GATEWAY_AUTHZ_H
#define BW_GATEWAY_AUTHZ_H

#include <jansson.h>

#include "gateway/call.h"

struct bw_policy_cache;
struct bw_gencache;

/* 0 if allowed, else -1 with call->err = the protocol's access-denied error.
 * policies caches compiled policies; sets (may be NULL) caches each
 * principal's policy documents at the store's current generation. */
int bw_authorize(struct bw_call *call, struct bw_policy_cache *policies,
                 struct bw_gencache *sets, const json_t *in);

#endif
