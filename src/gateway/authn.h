/*
 * authn.h: authentication — step 3 of the request path. The request's
 * SigV4 signature is checked against the secret of the access key it names
 * (sealed in the store), and the key's owner becomes call->principal.
 */
#ifndef BW_GATEWAY_AUTHN_H
#define BW_GATEWAY_AUTHN_H

#include "gateway/call.h"

struct bw_gencache;

/* 0 with call->principal set, or -1 with call->err set (the AWS error of the
 * failure, in the style of the call's service). cache (may be NULL) holds
 * credentials read at the store's current generation. */
int bw_authenticate(struct bw_call *call, struct bw_gencache *cache);

#endif
