/* test_http_parser.c: the incremental HTTP/1.1 request parser, whole and in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/parser.h"

#define MAXREQ 8

struct result {
	struct bw_http_request req[MAXREQ];
	bool keep_alive[MAXREQ];
	size_t nreq;
	size_t ncontinue;
	unsigned error; /* 0 if none */
	const char *error_msg;
	size_t consumed;
};

static const struct bw_http_parser_limits s_lim = {
	.max_header_bytes = 1024,
	.max_body_bytes = 100,
	.max_headers = 10,
};

/* Feed `in` in pieces of `step` bytes (0: all at once). */
static void run_lim(const char *in, size_t len, size_t step, const struct bw_http_parser_limits *lim,
                    struct result *r)
{
	memset(r, 0, sizeof *r);
	struct bw_http_parser p;
	bw_http_parser_init(&p, lim);
	size_t off = 0;
	while (off < len && !r->error) {
		size_t n = step && len - off > step ? step : len - off;
		size_t piece_off = 0;
		while (piece_off < n) {
			size_t used = 0;
			size_t avail = n - piece_off;
			enum bw_http_parse_rc rc =
				bw_http_parser_feed(&p, in + off + piece_off, n - piece_off, 42, &used);
			piece_off += used;
			if (rc == BW_HTTP_PARSE_REQUEST) {
				assert_true(r->nreq < MAXREQ);
				r->keep_alive[r->nreq] = p.keep_alive;
				bw_http_parser_take(&p, &r->req[r->nreq++]);
			} else if (rc == BW_HTTP_PARSE_CONTINUE) {
				r->ncontinue++;
			} else if (rc == BW_HTTP_PARSE_ERROR) {
				r->error = p.error_status;
				r->error_msg = p.error_msg;
				break;
			} else {
				assert_int_equal(used, avail); /* MORE eats everything */
			}
		}
		off += piece_off;
	}
	r->consumed = off;
	bw_http_parser_free(&p);
}

static void run(const char *in, size_t step, struct result *r)
{
	run_lim(in, strlen(in), step, &s_lim, r);
}

static void result_free(struct result *r)
{
	for (size_t i = 0; i < r->nreq; i++)
		bw_req_free(&r->req[i]);
}

/* Feed whole, then check 7-byte pieces and single bytes give the same. */
static void run3(const char *in, struct result *r)
{
	run(in, 0, r);
	size_t steps[] = {7, 1};
	for (size_t i = 0; i < 2; i++) {
		struct result o;
		run(in, steps[i], &o);
		assert_int_equal(o.nreq, r->nreq);
		assert_int_equal(o.error, r->error);
		assert_int_equal(o.ncontinue, r->ncontinue);
		for (size_t k = 0; k < r->nreq; k++) {
			assert_string_equal(o.req[k].target, r->req[k].target);
			assert_int_equal(o.req[k].nheaders, r->req[k].nheaders);
			assert_int_equal(o.req[k].body_len, r->req[k].body_len);
			assert_memory_equal(o.req[k].body, r->req[k].body, r->req[k].body_len + 1);
		}
		result_free(&o);
	}
}

static void test_simple_get(void **state)
{
	(void)state;
	struct result r;
	run3("GET /a%20b/c?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-Thing:  spaced value \t\r\n\r\n", &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 1);
	struct bw_http_request *q = &r.req[0];
	assert_string_equal(q->method, "GET");
	assert_string_equal(q->target, "/a%20b/c?x=1&y=2");
	assert_string_equal(q->path, "/a%20b/c");
	assert_string_equal(q->query, "x=1&y=2");
	assert_int_equal(q->http_minor, 1);
	assert_int_equal(q->nheaders, 2);
	assert_string_equal(bw_req_header(q, "x-thing"), "spaced value");
	assert_string_equal(bw_req_header(q, "HOST"), "h");
	assert_null(bw_req_header(q, "missing"));
	assert_int_equal(q->body_len, 0);
	assert_non_null(q->body);
	assert_int_equal(q->body[0], 0);
	assert_int_equal(q->start_ns, 42);
	assert_true(r.keep_alive[0]);
	result_free(&r);
}

static void test_post_content_length(void **state)
{
	(void)state;
	struct result r;
	run3("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world", &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 1);
	assert_int_equal(r.req[0].body_len, 11);
	assert_string_equal((char *)r.req[0].body, "hello world");
	assert_string_equal(r.req[0].query, "");
	result_free(&r);
}

static void test_large_body_off_inline(void **state)
{
	(void)state;
	struct bw_http_parser_limits lim = s_lim;
	lim.max_body_bytes = 100000;
	const size_t blen = 40000;
	char *in = malloc(200 + blen);
	assert_non_null(in);
	int n = sprintf(in, "PUT /o HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n", blen);
	memset(in + n, 'z', blen);
	struct result r;
	run_lim(in, (size_t)n + blen, 1000, &lim, &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 1);
	assert_int_equal(r.req[0].body_len, blen);
	assert_int_equal(r.req[0].body[blen - 1], 'z');
	assert_int_equal(r.req[0].body[blen], 0);
	assert_false(r.req[0].body_in_mem);
	result_free(&r);
	free(in);
}

static void test_chunked(void **state)
{
	(void)state;
	struct result r;
	run3("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "5;name=val;x\r\nhello\r\n"
	     "6 ; ext=\"q\"\r\n world\r\n"
	     "0\r\nX-Trailer: t\r\nX-Other: o\r\n\r\n"
	     "GET /next HTTP/1.1\r\nHost: h\r\n\r\n",
	     &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 2);
	assert_int_equal(r.req[0].body_len, 11);
	assert_string_equal((char *)r.req[0].body, "hello world");
	assert_null(bw_req_header(&r.req[0], "X-Trailer")); /* trailers dropped */
	assert_string_equal(r.req[1].path, "/next");
	result_free(&r);

	/* bare LF line ends in a chunked body, no trailer */
	run3("POST /c HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\na\n0123456789\n0\n\n", &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 1);
	assert_int_equal(r.req[0].body_len, 10);
	result_free(&r);
}

static void test_chunked_errors(void **state)
{
	(void)state;
	struct result r;
	const char *pre = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
	char in[512];
	struct {
		const char *rest;
		unsigned status;
	} cases[] = {
		{"x\r\n", 400},                  /* no hex digits */
		{"5\r\nhelloX\r\n", 400},        /* data longer than its size */
		{"5\rX", 400},                   /* bare CR */
		{"65\r\n", 413},                 /* 101 > 100 at once */
		{"32\r\n@\r\n33\r\n", 413}, /* 50 + 51 > 100; @ is 50 bytes */
		{"ffffffffffffffffffffff\r\n", 413},
		{"0\r\n bad-fold\r\n\r\n", 400},
		{"0\r\nX: \x01\r\n\r\n", 400},
		{"5;\x01\r\n", 400},
	};
	char fifty[51];
	memset(fifty, 'a', 50);
	fifty[50] = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *at = strchr(cases[i].rest, '@');
		if (at)
			snprintf(in, sizeof in, "%s%.*s%s%s", pre, (int)(at - cases[i].rest), cases[i].rest,
			         fifty, at + 1);
		else
			snprintf(in, sizeof in, "%s%s", pre, cases[i].rest);
		run(in, 0, &r);
		assert_int_equal(r.error, cases[i].status);
		result_free(&r);
		run(in, 1, &r);
		assert_int_equal(r.error, cases[i].status);
		result_free(&r);
	}
	/* trailers count against max_header_bytes */
	char big[2048];
	int n = snprintf(big, sizeof big, "%s0\r\n", pre);
	for (int i = 0; i < 60; i++)
		n += snprintf(big + n, sizeof big - (size_t)n, "X-T%02d: 0123456789\r\n", i);
	run(big, 0, &r);
	assert_int_equal(r.error, 431);
	result_free(&r);
}

static void test_pipelined(void **state)
{
	(void)state;
	struct result r;
	run3("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
	     "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
	     "\r\n" /* a stray CRLF after a body is tolerated */
	     "HEAD /3?q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
	     &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 3);
	assert_string_equal(r.req[0].path, "/1");
	assert_string_equal(r.req[1].path, "/2");
	assert_string_equal((char *)r.req[1].body, "abc");
	assert_string_equal(r.req[2].method, "HEAD");
	assert_string_equal(r.req[2].query, "q");
	assert_true(r.keep_alive[1]);
	assert_false(r.keep_alive[2]);
	result_free(&r);
}

static void test_http10(void **state)
{
	(void)state;
	struct result r;
	run3("GET / HTTP/1.0\r\n\r\n", &r); /* no Host needed in 1.0 */
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 1);
	assert_int_equal(r.req[0].http_minor, 0);
	assert_false(r.keep_alive[0]);
	result_free(&r);
	run3("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r);
	assert_true(r.keep_alive[0]);
	result_free(&r);
	run3("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n", &r);
	assert_false(r.keep_alive[0]);
	result_free(&r);
	run("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, &r);
	assert_int_equal(r.error, 400);
	result_free(&r);
}

static void test_expect_continue(void **state)
{
	(void)state;
	struct result r;
	run3("PUT /o HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody", &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.ncontinue, 1);
	assert_int_equal(r.nreq, 1);
	assert_string_equal((char *)r.req[0].body, "body");
	result_free(&r);

	/* the head alone: CONTINUE comes before any body byte */
	struct bw_http_parser p;
	bw_http_parser_init(&p, &s_lim);
	const char *h = "PUT /o HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n";
	size_t used;
	assert_int_equal(bw_http_parser_feed(&p, h, strlen(h), 1, &used), BW_HTTP_PARSE_CONTINUE);
	assert_int_equal(used, strlen(h));
	assert_int_equal(bw_http_parser_phase(&p), BW_HTTP_PHASE_BODY);
	assert_int_equal(bw_http_parser_feed(&p, "bo", 2, 2, &used), BW_HTTP_PARSE_MORE);
	assert_int_equal(bw_http_parser_feed(&p, "dy", 2, 3, &used), BW_HTTP_PARSE_REQUEST);
	bw_http_parser_free(&p); /* frees the untaken request */

	/* over the limit: 413 at once, no CONTINUE */
	run("PUT /o HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n", 0, &r);
	assert_int_equal(r.ncontinue, 0);
	assert_int_equal(r.error, 413);
	result_free(&r);

	/* no body to come, or HTTP/1.0: no CONTINUE */
	run("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n", 0, &r);
	assert_int_equal(r.ncontinue, 0);
	assert_int_equal(r.nreq, 1);
	result_free(&r);
	run("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", 0, &r);
	assert_int_equal(r.ncontinue, 0);
	assert_int_equal(r.nreq, 1);
	result_free(&r);
}

static void test_errors(void **state)
{
	(void)state;
	struct {
		const char *in;
		unsigned status;
	} cases[] = {
		{"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\n\r\n", 400},                       /* no Host */
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400}, /* two */
		{"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400},      /* bare CR */
		{"GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n", 400},
		{"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400},
		{"GET /\x80 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"GET foo HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400},
		{"GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400},
		{"GET /\r\n\r\n", 400}, /* HTTP/0.9 */
		{"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
		{"GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505},
		{"ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: h\r\n\r\n", 501},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", 413},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\nI: 1\r\nJ: 1\r\n\r\n", 431},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct result r;
		run(cases[i].in, 0, &r);
		if (r.error != cases[i].status)
			fail_msg("case %zu: got %u want %u", i, r.error, cases[i].status);
		assert_non_null(r.error_msg);
		result_free(&r);
		run(cases[i].in, 1, &r);
		if (r.error != cases[i].status)
			fail_msg("case %zu bytewise: got %u want %u", i, r.error, cases[i].status);
		result_free(&r);
	}
}

static void test_header_count_limit_exact(void **state)
{
	(void)state;
	struct result r;
	/* max_headers is 10: Host + 9 more is fine */
	run3("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\n"
	     "H: 1\r\nI: 1\r\n\r\n",
	     &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.req[0].nheaders, 10);
	assert_string_equal(bw_req_header(&r.req[0], "i"), "1");
	result_free(&r);
}

static void test_agreeing_content_lengths(void **state)
{
	(void)state;
	struct result r;
	run3("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\ncontent-length: 2, 2\r\n\r\nok", &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 1);
	assert_string_equal((char *)r.req[0].body, "ok");
	result_free(&r);
}

static void test_nul_and_head_limit(void **state)
{
	(void)state;
	struct result r;
	static const char nul[] = "GET / HTTP/1.1\r\nHost: h\0x\r\n\r\n";
	run_lim(nul, sizeof nul - 1, 0, &s_lim, &r);
	assert_int_equal(r.error, 400);
	result_free(&r);
	run_lim(nul, sizeof nul - 1, 1, &s_lim, &r);
	assert_int_equal(r.error, 400);
	result_free(&r);

	/* exactly max_header_bytes is fine, one more is 431 */
	struct bw_http_parser_limits lim = s_lim;
	const char *base = "GET / HTTP/1.1\r\nHost: h\r\nX: \r\n\r\n";
	char in[2048];
	size_t pad = lim.max_header_bytes - strlen(base);
	int n = snprintf(in, sizeof in, "GET / HTTP/1.1\r\nHost: h\r\nX: %.*s\r\n\r\n", (int)pad,
	                 "");
	(void)n;
	char *x = strstr(in, "X: ") + 3;
	memmove(x + pad, x, strlen(x) + 1);
	memset(x, 'v', pad);
	assert_int_equal(strlen(in), lim.max_header_bytes);
	run(in, 0, &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.nreq, 1);
	result_free(&r);
	lim.max_header_bytes--;
	run_lim(in, strlen(in), 0, &lim, &r);
	assert_int_equal(r.error, 431);
	result_free(&r);
	run_lim(in, strlen(in), 3, &lim, &r);
	assert_int_equal(r.error, 431);
	result_free(&r);

	/* a head that never ends is cut at the limit, not buffered */
	char endless[4096];
	memset(endless, 'a', sizeof endless - 1);
	endless[sizeof endless - 1] = 0;
	memcpy(endless, "GET /", 5);
	run(endless, 100, &r);
	assert_int_equal(r.error, 431);
	assert_true(r.consumed <= s_lim.max_header_bytes + 100);
	result_free(&r);
}

static void test_body_limit_exact(void **state)
{
	(void)state;
	char in[512];
	char body[101];
	memset(body, 'b', 100);
	body[100] = 0;
	snprintf(in, sizeof in, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n%s", body);
	struct result r;
	run3(in, &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.req[0].body_len, 100);
	result_free(&r);
	snprintf(in, sizeof in,
	         "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n%s\r\n0\r\n\r\n", body);
	run3(in, &r);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.req[0].body_len, 100);
	result_free(&r);
}

/* Memory follows the bytes sent, not the length declared: a head that
 * claims 8 MiB costs a few KB until the body comes. */
static void test_body_memory_follows_bytes(void **state)
{
	(void)state;
	struct bw_http_parser_limits lim = s_lim;
	lim.max_body_bytes = (size_t)16 << 20;
	struct bw_http_parser p;
	bw_http_parser_init(&p, &lim);
	const char *head = "PUT /o HTTP/1.1\r\nHost: h\r\nContent-Length: 8388608\r\n\r\n";
	size_t used;
	assert_int_equal(bw_http_parser_feed(&p, head, strlen(head), 1, &used), BW_HTTP_PARSE_MORE);
	assert_int_equal(bw_http_parser_phase(&p), BW_HTTP_PHASE_BODY);
	assert_true(bw_http_parser_held(&p) < 8192);
	static char chunk[100000];
	memset(chunk, 'z', sizeof chunk);
	assert_int_equal(bw_http_parser_feed(&p, chunk, sizeof chunk, 1, &used), BW_HTTP_PARSE_MORE);
	assert_int_equal(used, sizeof chunk);
	size_t held = bw_http_parser_held(&p);
	assert_true(held >= sizeof chunk && held < 3 * sizeof chunk);
	bw_http_parser_free(&p);
	assert_int_equal(bw_http_parser_held(&p), 0);
}

/* The charge gate: each growth of a body is asked for first; refused, the
 * request fails with 503 and nothing past what was granted is held. */
struct gate {
	size_t granted;
	size_t budget;
	unsigned calls;
};

static bool gate_charge(void *ctx, size_t bytes)
{
	struct gate *g = ctx;
	g->calls++;
	if (g->granted + bytes > g->budget)
		return false;
	g->granted += bytes;
	return true;
}

static void test_charge_gate(void **state)
{
	(void)state;
	struct gate g = {.budget = 100000};
	struct bw_http_parser_limits lim = s_lim;
	lim.max_body_bytes = 1000000;
	lim.charge = gate_charge;
	lim.charge_ctx = &g;
	struct bw_http_parser p;
	bw_http_parser_init(&p, &lim);
	const char *head = "PUT /o HTTP/1.1\r\nHost: h\r\nContent-Length: 500000\r\n\r\n";
	size_t used;
	assert_int_equal(bw_http_parser_feed(&p, head, strlen(head), 1, &used), BW_HTTP_PARSE_MORE);
	assert_int_equal(g.calls, 0); /* a declared length costs nothing */
	static char chunk[10000];
	memset(chunk, 'z', sizeof chunk);
	enum bw_http_parse_rc rc = BW_HTTP_PARSE_MORE;
	for (int i = 0; i < 50 && rc == BW_HTTP_PARSE_MORE; i++) {
		rc = bw_http_parser_feed(&p, chunk, sizeof chunk, 1, &used);
		assert_true(p.body_inline || p.body_cap <= g.granted);
	}
	assert_int_equal(rc, BW_HTTP_PARSE_ERROR);
	assert_int_equal(p.error_status, 503);
	assert_true(g.granted <= g.budget);
	assert_true(p.body_len <= g.granted);
	bw_http_parser_free(&p);

	/* chunked: the same, and the buffer never passes max_body_bytes + 1 */
	g = (struct gate){.budget = SIZE_MAX / 2};
	lim.max_body_bytes = 70000;
	bw_http_parser_init(&p, &lim);
	const char *chead = "PUT /o HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(bw_http_parser_feed(&p, chead, strlen(chead), 1, &used), BW_HTTP_PARSE_MORE);
	for (int i = 0; i < 7; i++) {
		const char *size = "2710\r\n"; /* 10000 */
		assert_int_equal(bw_http_parser_feed(&p, size, strlen(size), 1, &used), BW_HTTP_PARSE_MORE);
		assert_int_equal(bw_http_parser_feed(&p, chunk, sizeof chunk, 1, &used), BW_HTTP_PARSE_MORE);
		assert_int_equal(bw_http_parser_feed(&p, "\r\n", 2, 1, &used), BW_HTTP_PARSE_MORE);
	}
	assert_int_equal(p.body_len, 70000);
	assert_true(p.body_cap <= 70001);
	assert_int_equal(g.granted, p.body_cap);
	assert_int_equal(bw_http_parser_feed(&p, "0\r\n\r\n", 5, 1, &used), BW_HTTP_PARSE_REQUEST);
	struct bw_http_request req;
	bw_http_parser_take(&p, &req);
	assert_int_equal(req.body_len, 70000);
	/* the request took the body: the parser holds only its head buffer */
	assert_int_equal(bw_http_parser_held(&p), p.head.cap);
	bw_req_free(&req);
	bw_http_parser_free(&p);
}

static void test_targets(void **state)
{
	(void)state;
	struct result r;
	run("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 0, &r);
	assert_int_equal(r.error, 0);
	assert_string_equal(r.req[0].path, "*");
	result_free(&r);
	run("GET http://example.com:80/x/y?z=1 HTTP/1.1\r\nHost: h\r\n\r\n", 0, &r);
	assert_int_equal(r.error, 0);
	assert_string_equal(r.req[0].path, "/x/y");
	assert_string_equal(r.req[0].query, "z=1");
	result_free(&r);
	run("GET http://example.com HTTP/1.1\r\nHost: h\r\n\r\n", 0, &r);
	assert_string_equal(r.req[0].path, "/");
	result_free(&r);
	run("GET /?a=b?c HTTP/1.1\r\nHost: h\r\n\r\n", 0, &r);
	assert_string_equal(r.req[0].path, "/");
	assert_string_equal(r.req[0].query, "a=b?c");
	result_free(&r);
	/* leading blank lines are skipped; start_ns is the first real byte */
	run("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 1, &r);
	assert_int_equal(r.nreq, 1);
	result_free(&r);
}

static void test_phases(void **state)
{
	(void)state;
	struct bw_http_parser p;
	bw_http_parser_init(&p, &s_lim);
	size_t used;
	assert_int_equal(bw_http_parser_phase(&p), BW_HTTP_PHASE_IDLE);
	assert_int_equal(bw_http_parser_feed(&p, "\r\n", 2, 1, &used), BW_HTTP_PARSE_MORE);
	assert_int_equal(bw_http_parser_phase(&p), BW_HTTP_PHASE_IDLE);
	assert_int_equal(bw_http_parser_feed(&p, "GE", 2, 7, &used), BW_HTTP_PARSE_MORE);
	assert_int_equal(bw_http_parser_phase(&p), BW_HTTP_PHASE_HEAD);
	const char *rest = "T / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n";
	assert_int_equal(bw_http_parser_feed(&p, rest, strlen(rest), 9, &used), BW_HTTP_PARSE_MORE);
	assert_int_equal(bw_http_parser_phase(&p), BW_HTTP_PHASE_BODY);
	assert_int_equal(bw_http_parser_feed(&p, "xGET", 4, 9, &used), BW_HTTP_PARSE_REQUEST);
	assert_int_equal(used, 1);
	assert_int_equal(bw_http_parser_phase(&p), BW_HTTP_PHASE_READY);
	struct bw_http_request req;
	bw_http_parser_take(&p, &req);
	assert_int_equal(req.start_ns, 7);
	bw_req_free(&req);
	assert_int_equal(bw_http_parser_phase(&p), BW_HTTP_PHASE_IDLE);
	bw_http_parser_free(&p);
}

static void test_message_helpers(void **state)
{
	(void)state;
	struct bw_http_response resp = {.status = 200};
	assert_int_equal(bw_resp_header(&resp, "Content-Type", "text/plain"), 0);
	for (int i = 0; i < 20; i++)
		assert_int_equal(bw_resp_header(&resp, "X-N", "v"), 0);
	assert_string_equal(bw_resp_header_get(&resp, "content-type"), "text/plain");
	assert_null(bw_resp_header_get(&resp, "nope"));
	bw_resp_free(&resp);
	assert_string_equal(bw_http_reason(404), "Not Found");
	assert_string_equal(bw_http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(bw_http_reason(100), "Continue");
	assert_string_equal(bw_http_reason(599), "Server Error");

	/* a hand-built request frees field by field */
	struct bw_http_request req = {0};
	req.target = strdup("/x");
	req.headers = calloc(1, sizeof *req.headers);
	req.headers[0].name = strdup("A");
	req.headers[0].value = strdup("b");
	req.nheaders = 1;
	assert_string_equal(bw_req_header(&req, "a"), "b");
	bw_req_free(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_post_content_length),
		cmocka_unit_test(test_large_body_off_inline),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_chunked_errors),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_http10),
		cmocka_unit_test(test_expect_continue),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_header_count_limit_exact),
		cmocka_unit_test(test_agreeing_content_lengths),
		cmocka_unit_test(test_nul_and_head_limit),
		cmocka_unit_test(test_body_limit_exact),
		cmocka_unit_test(test_body_memory_follows_bytes),
		cmocka_unit_test(test_charge_gate),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_message_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
