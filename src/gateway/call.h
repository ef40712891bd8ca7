/*
 * call.h: one AWS API call on its way through the gateway.
 *
 * The gateway fills in who and what (service, operation, request id,
 * account, region); the codec decodes the request into the internal form;
 * the handler reads that and fills `out`, or fails the call with an AWS
 * error code; the codec encodes either onto the wire.
 */
#ifndef BW_GATEWAY_CALL_H
#define BW_GATEWAY_CALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/principal.h"
#include "core/buf.h"
#include "crypto/seal.h"
#include "http/message.h"
#include "protocol/model.h"

struct bw_service;
struct bw_op_impl;
struct bw_store;
struct bw_authz;

struct bw_error {
	uint16_t status;     /* HTTP status */
	bool sender_fault;   /* Sender (client) vs Receiver (server) */
	char code[96];       /* wire error code: "NotFoundException" */
	char message[1024];
};

/*
 * The resource a call acts on, resolved by the gateway from the stored
 * entity before authorization, once: the authorizer, the handler and the
 * trail all read this one (IAM names are unique case-insensitively, so the
 * ARN carries the stored name, never the name as typed).
 */
struct bw_resource {
	struct bw_buf arn; /* "*" when the operation names no resource */
	json_t *tags;      /* the stored resource's tags, key -> value; NULL if none */
	bool found;        /* the resource exists in the store */
};
void bw_resource_clean_up(struct bw_resource *r);
/* tags (a list of {Key, Value} or {TagKey, TagValue}, or a map) as a map
 * key -> value on r->tags; -1 out of memory. NULL or empty sets nothing. */
int bw_resource_set_tags(struct bw_resource *r, const json_t *tags);

struct bw_call {
	const struct bw_service_model *model;
	const struct bw_operation *op;
	const struct bw_service *service; /* NULL if no handlers registered */
	const struct bw_op_impl *impl;    /* NULL if not implemented */
	const struct bw_http_request *req;

	char request_id[40];
	char account_id[16];
	char region[72]; /* a SigV4 scope's region is at most 64 characters */
	bool bad_scope_region; /* the credential scope named no valid region */

	/* rest protocols: the request path the URI template matched (for S3's
	 * virtual-hosted style, "/<bucket>" + the request path) and the values
	 * of its {labels}, percent-decoded. */
	const char *path;
	json_t *uri_labels;

	/* Streaming blob payloads travel outside the internal form. */
	struct bw_cur in_stream;
	struct bw_buf out_stream;

	struct bw_store *store;
	const struct bw_root_key *root_key; /* for sealing and unsealing secrets */
	struct bw_authz *authz;             /* the gateway's policy caches (authz.h) */

	/* The service acting with the caller's credentials on its behalf
	 * ("s3.amazonaws.com" when S3 asks KMS for a data key): aws:CalledVia,
	 * aws:ViaAWSService. Empty for a direct call. */
	char via_service[64];

	/* What the call acts on: set by the gateway before authorization. */
	struct bw_resource resource;
	bool resource_resolved;

	/* Who is calling: set by authentication before any handler runs. */
	struct bw_principal principal;
	double now_s; /* the request's clock, epoch seconds */

	bool failed;
	struct bw_error err;
};

/*
 * Fail the call with an AWS error code; returns -1 so a handler can
 * `return bw_fail(call, "NotFoundException", "Key '%s' does not exist", id);`.
 * The HTTP status and fault come from the service model's exception shape
 * of that name, else from the table of common errors (bw_common_error_status),
 * else 400.
 */
int bw_fail(struct bw_call *call, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int bw_fail_status(struct bw_call *call, uint16_t status, const char *code,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The status of errors every service shares (AccessDenied...), 0 if unknown. */
uint16_t bw_common_error_status(const char *code);

#endif
