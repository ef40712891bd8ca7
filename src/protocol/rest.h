/*
 * rest.h: what restJson1 and restXml share — matching a request against the
 * operations' URI templates, and the members bound to the URI, the query
 * string, headers and the status code rather than to the body.
 */
#ifndef BW_PROTOCOL_REST_H
#define BW_PROTOCOL_REST_H

#include <jansson.h>

#include "gateway/call.h"
#include "http/message.h"
#include "protocol/model.h"

/*
 * The operation of m whose method and URI template match the request, or
 * NULL. `path` is the percent-encoded request path, `query` the raw query
 * string. Each {label} (and greedy {label+}) of the template is stored in
 * `labels` (label -> percent-decoded string) when labels is non-NULL. Among
 * several matches the most specific wins: more literal path segments, then
 * more required query literals ("?uploads", "?x-id=GetObject"). *score, if
 * non-NULL, receives that specificity so a caller can compare models.
 */
const struct bw_operation *bw_rest_match(const struct bw_service_model *m, const char *method,
                                         const char *path, const char *query, json_t *labels,
                                         int *score);

/*
 * Decode the members of `input` bound to the URI (from call->uri_labels),
 * the query string and headers of call->req into `in`. Sets a
 * SerializationException/ValidationException on malformed values.
 */
int bw_rest_decode_bindings(struct bw_call *call, const struct bw_shape *input, json_t *in);

/*
 * Encode the members of `output` bound to headers and the status code into
 * resp (status defaults to call->op->status). Body members are left to the
 * caller.
 */
int bw_rest_encode_bindings(struct bw_call *call, const struct bw_shape *output,
                            const json_t *out, struct bw_http_response *resp);

#endif
