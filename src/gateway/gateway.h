/*
 * gateway.h: the request path (DESIGN.md): route -> decode -> authenticate
 * -> authorize -> handler -> encode -> record, for every request the HTTP
 * layer hands over, plus bulwark's own endpoints under /_bulwark/.
 */
#ifndef BW_GATEWAY_GATEWAY_H
#define BW_GATEWAY_GATEWAY_H

#include <stdint.h>

#include "http/message.h"

#include "crypto/seal.h"
#include "gateway/authz.h"

struct bw_store;
struct bw_policy_cache;
struct bw_gencache;
struct bw_recorder;

struct bw_gateway {
	/* compiled policies, and credentials and policy sets by generation,
	 * shared by all loops */
	struct bw_authz authz;
	struct bw_store *store;
	struct bw_root_key root_key;
	char account_id[16];
	char region[32];      /* default region when the request names none */
	int64_t started_ms;   /* for the health endpoint's uptime */
	bool access_log;      /* one JSON line per request */
	/* The trail's writer (recorder.h): every call's record is durable before
	 * its response is sent. NULL turns recording off, which only unit tests
	 * and fuzzers do; serve always records. */
	struct bw_recorder *recorder;
};

/* Matches bw_http_handler_fn: ctx is the struct bw_gateway. */
void bw_gateway_handle(void *ctx, const struct bw_http_request *req,
                       struct bw_http_response *resp);

#endif
