/*
 * fuzz_http.c: the HTTP/1.1 request parser on arbitrary bytes, fed in
 * pieces whose sizes come from the input itself, so every split point of a
 * request is reached. Each request is checked for the invariants the server
 * relies on, then freed. A memory gate with a budget drawn from the input
 * stands in for the server's: the body buffer is never larger than what
 * the gate granted, nor than max_body_bytes + 1, and a refusal is a 503.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct s_gate {
	size_t granted; /* since the request began */
	size_t budget;
	bool refused;
};

static bool s_charge(void *ctx, size_t bytes)
{
	struct s_gate *g = ctx;
	if (bytes > g->budget - g->granted) {
		g->refused = true;
		return false;
	}
	g->granted += bytes;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* the first byte seeds the piece sizes; the rest is the stream */
	uint32_t seed = data[0];
	data++;
	size--;
	/* budgets from a few bytes (refused at once) to more than any body */
	struct s_gate gate = {.budget = (size_t)1 << (seed % 14)};
	struct bw_http_parser_limits lim = {
		.max_header_bytes = 2048,
		.max_body_bytes = 4096,
		.max_headers = 20,
		.charge = s_charge,
		.charge_ctx = &gate,
	};
	struct bw_http_parser p;
	bw_http_parser_init(&p, &lim);
	size_t off = 0;
	while (off < size) {
		seed = seed * 1103515245u + 12345u;
		size_t piece = 1 + (seed >> 16) % 64;
		if (piece > size - off)
			piece = size - off;
		size_t used = 0;
		enum bw_http_parse_rc rc = bw_http_parser_feed(&p, data + off, piece, off, &used);
		if (used > piece)
			abort();
		off += used;
		if (!p.body_inline && (p.body_cap > gate.granted || p.body_cap > lim.max_body_bytes + 1))
			abort();
		if (rc == BW_HTTP_PARSE_ERROR) {
			if (!p.error_msg || p.error_status < 400)
				abort();
			if (gate.refused != (p.error_status == 503))
				abort();
			break;
		}
		if (rc == BW_HTTP_PARSE_MORE && used != piece)
			abort();
		if (rc == BW_HTTP_PARSE_REQUEST) {
			struct bw_http_request req;
			bw_http_parser_take(&p, &req);
			gate.granted = 0; /* the body went with the request */
			if (!req.path || !req.query || !req.target || !req.body ||
			    req.body_len > lim.max_body_bytes || req.body[req.body_len] != 0 ||
			    req.nheaders > lim.max_headers)
				abort();
			for (size_t i = 0; i < req.nheaders; i++) {
				if (strlen(req.headers[i].name) == 0)
					abort();
			}
			(void)bw_req_header(&req, "content-length");
			bw_req_free(&req);
		}
	}
	bw_http_parser_free(&p);
	return 0;
}
