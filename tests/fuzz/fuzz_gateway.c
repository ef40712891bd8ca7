/*
 * fuzz_gateway: raw HTTP bytes through the whole request path — the HTTP
 * parser, routing by scope / target / action / URI template, every codec's
 * decode, the handlers, encode and error encoding.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "gateway/gateway.h"
#include "http/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct bw_gateway s_gw = {.account_id = "123456789012", .region = "us-east-1"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bw_log_init(stderr, BW_LOG_ERROR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
			struct bw_http_response resp = {.status = 200};
			bw_gateway_handle(&s_gw, &req, &resp);
			bw_resp_free(&resp);
			bw_req_free(&req);
		} else if (rc != BW_HTTP_PARSE_CONTINUE) {
			break;
		}
	}
	bw_http_parser_free(&p);
	return 0;
}
