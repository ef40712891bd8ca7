/*
 * fuzz_gateway: raw HTTP bytes through the whole request path — the HTTP
 * parser, routing by scope / target / action / URI template, SigV4,
 * every codec's decode, authorization, the handlers, encode and error
 * encoding. The first byte picks a service; a request that carries no
 * Authorization header is signed as the account root for it, so inputs
 * reach the codecs instead of stopping at authentication.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "auth/sigv4.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/account.h"
#include "gateway/gateway.h"
#include "http/parser.h"
#include "protocol/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct bw_gateway s_gw = {.region = "us-east-1"};
static struct bw_root_credentials s_root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bw_log_init(stderr, BW_LOG_ERROR);
	char dir[] = "/tmp/bw-fuzz-gw-XXXXXX";
	if (!mkdtemp(dir) ||
	    bw_account_open(dir, NULL, true, &s_gw.store, &s_gw.root_key, s_gw.account_id,
	                    &s_root) != 0)
		abort();
	s_gw.authz.policies = bw_policy_cache_new(256);
	return 0;
}

static void s_handle_signed(struct bw_http_request *req, const char *service)
{
	struct bw_header *orig = req->headers;
	size_t n = req->nheaders;
	struct bw_header *hdrs = calloc(n + 3, sizeof *hdrs);
	struct bw_buf authz = {0};
	char date[20];
	if (!hdrs)
		return;
	if (n)
		memcpy(hdrs, orig, n * sizeof *hdrs);
	req->headers = hdrs;
	double now = (double)bw_now_ms() / 1000.0;
	if (!bw_req_header(req, "authorization") && bw_time_amzdate(now, date, sizeof date) == 0) {
		hdrs[req->nheaders++] = (struct bw_header){.name = (char *)"X-Amz-Date", .value = date};
		if (!bw_req_header(req, "host"))
			hdrs[req->nheaders++] = (struct bw_header){.name = (char *)"Host",
			                                           .value = (char *)"localhost"};
		struct bw_sigv4_sign_params p = {
			.access_key_id = s_root.access_key_id,
			.secret = bw_cur_str(s_root.secret_access_key),
			.region = "us-east-1",
			.service = service,
			.time_s = (int64_t)now,
			.payload_hash = strcmp(service, "s3") == 0 ? "UNSIGNED-PAYLOAD" : NULL,
		};
		if (bw_sigv4_sign(req, &p, &authz) == BW_SIGV4_OK)
			hdrs[req->nheaders++] = (struct bw_header){.name = (char *)"Authorization",
			                                           .value = (char *)bw_buf_cstr(&authz)};
	}
	struct bw_http_response resp = {.status = 200};
	bw_gateway_handle(&s_gw, req, &resp);
	bw_resp_free(&resp);
	req->headers = orig;
	req->nheaders = n;
	free(hdrs);
	bw_buf_free(&authz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t nmodels = 0;
	while (bw_models[nmodels])
		nmodels++;
	const char *service = bw_models[data[0] % nmodels]->signing_name;
	data++;
	size--;
	struct bw_http_parser_limits lim = {.max_header_bytes = 16384, .max_body_bytes = 1 << 20};
	struct bw_http_parser p;
	bw_http_parser_init(&p, &lim);
	size_t off = 0;
	for (int guard = 0; guard < 64 && off <= size; guard++) {
		size_t used = 0;
		enum bw_http_parse_rc rc = bw_http_parser_feed(&p, data + off, size - off, 1, &used);
		off += used;
		if (rc == BW_HTTP_PARSE_REQUEST) {
			struct bw_http_request req;
			bw_http_parser_take(&p, &req);
			s_handle_signed(&req, service);
			bw_req_free(&req);
		} else if (rc != BW_HTTP_PARSE_CONTINUE) {
			break;
		}
	}
	bw_http_parser_free(&p);
	return 0;
}
