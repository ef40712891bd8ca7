/*
 * route.h: which service and operation a request is for.
 *
 * In AWS's order: the SigV4 credential scope names the service (from the
 * Authorization header or a presigned X-Amz-Credential); then X-Amz-Target
 * (awsJson), Action (awsQuery) or the URI templates (rest protocols) name
 * the operation. Unsigned requests are routed by target, action or URI alone.
 */
#ifndef BW_GATEWAY_ROUTE_H
#define BW_GATEWAY_ROUTE_H

#include <stdbool.h>

#include "core/buf.h"
#include "gateway/call.h"

/* The service and region of a SigV4 credential scope, if the request has one. */
struct bw_scope {
	char service[32];
	char region[32];
};
bool bw_route_scope(const struct bw_http_request *req, struct bw_scope *scope);

/*
 * Set call->model, call->op, call->uri_labels and call->path (from
 * path_buf, which must outlive the call). On failure set call->err and
 * return -1; call->model is then still set when the service was known (so
 * the error is encoded in its protocol) and NULL when it was not.
 */
int bw_route(struct bw_call *call, struct bw_buf *path_buf);

/* The protocol to answer an unroutable request in (from its shape). */
enum bw_protocol bw_route_guess_protocol(const struct bw_http_request *req);

#endif
