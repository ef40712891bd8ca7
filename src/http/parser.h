/*
 * parser.h: a pure, incremental, bounded HTTP/1.1 request parser (no I/O).
 *
 * Feed it bytes as they arrive, in pieces of any size; it keeps a cursor so
 * nothing is scanned twice, and yields complete requests (pipelined requests
 * come out one by one) or an error carrying the status to answer with:
 *   400 malformed, 413 body over max_body_bytes, 431 head over
 *   max_header_bytes or too many headers, 501 an unsupported
 *   transfer-coding or an over-long method, 503 the body's memory was
 *   refused (see charge below), 505 an HTTP version other than 1.x.
 *
 * Memory follows what the client sent, never what it declared: a body
 * buffer starts small and doubles as bytes arrive (up to the declared
 * length and max_body_bytes), so a head claiming 8 MiB costs nothing until
 * 8 MiB have come.
 *
 * Leniency, written down (RFC 9112 lets a server choose):
 *  - a bare LF ends a line like CR LF (as nginx, Apache, Go do); a CR not
 *    followed by LF is an error (400);
 *  - empty lines before a request line are skipped (RFC 9112 section 2.2);
 *  - obs-fold (a header line starting with SP/HT), whitespace before the
 *    colon, NUL or other control bytes in the head, a request target with
 *    bytes outside 0x21..0x7E: 400;
 *  - HTTP/1.1 without Host, or with more than one Host: 400;
 *  - Content-Length: digits only; a comma list or repeated headers must all
 *    agree; Content-Length with Transfer-Encoding, or Transfer-Encoding in
 *    HTTP/1.0: 400; Transfer-Encoding other than exactly "chunked": 501
 *    (or 400 when chunked is repeated or not last);
 *  - chunk extensions are checked for bytes and length, then ignored;
 *    trailer fields are checked and dropped (they count against
 *    max_header_bytes);
 *  - Expect: 100-continue (HTTP/1.1, a body to come) is reported once the
 *    head is parsed (BW_HTTP_PARSE_CONTINUE); other expectations are ignored.
 *  - HTTP/1.2..1.9 are served as HTTP/1.1.
 */
#ifndef BW_HTTP_PARSER_H
#define BW_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/message.h"

#define BW_HTTP_DEFAULT_MAX_HEADERS 100

struct bw_http_parser_limits {
	size_t max_header_bytes; /* request line + headers + blank line */
	size_t max_body_bytes;
	size_t max_headers;      /* header fields; 0 means the default */
	/*
	 * Optional, a gate on memory: before a body buffer grows by `bytes`
	 * the parser calls charge(charge_ctx, bytes) and goes on only if it
	 * returns true; false fails the request with 503. The server charges
	 * a budget shared by every connection with it; bytes are never given
	 * back through it: the caller compares what it charged with
	 * bw_http_parser_held() once the parser's memory shrank (a request
	 * taken, an error) and releases the difference.
	 */
	bool (*charge)(void *ctx, size_t bytes);
	void *charge_ctx;
};

enum bw_http_parse_rc {
	BW_HTTP_PARSE_MORE,     /* all input consumed; the request is not complete */
	BW_HTTP_PARSE_CONTINUE, /* head parsed and the client waits for 100 Continue */
	BW_HTTP_PARSE_REQUEST,  /* a request is complete: take it */
	BW_HTTP_PARSE_ERROR,    /* error_status / error_msg say why; parser is done */
};

/* What the parser is waiting for, so the server can pick its timeout. */
enum bw_http_phase {
	BW_HTTP_PHASE_IDLE,  /* no byte of the next request yet */
	BW_HTTP_PHASE_HEAD,  /* in the request line or headers */
	BW_HTTP_PHASE_BODY,  /* head parsed, body (or trailers) pending */
	BW_HTTP_PHASE_READY, /* a complete request waits to be taken */
	BW_HTTP_PHASE_ERROR,
};

struct bw_http_parser {
	struct bw_http_parser_limits lim;
	int state;            /* private: enum s_state in parser.c */
	struct bw_buf head;   /* head bytes so far, reused across requests */
	size_t line_start;    /* offset in head of the line being read */
	bool started;         /* start_ns is set for the request being read */

	/* body */
	uint64_t left;        /* Content-Length or chunk bytes still to read */
	uint64_t chunk_size;
	size_t chunk_digits;
	size_t line_len;      /* bytes of the current chunk-size or trailer line */
	size_t trailer_bytes;
	uint8_t *body;
	size_t body_len;
	size_t body_cap;
	size_t mem_size;      /* bytes of req.mem while the parser owns it */
	bool body_inline;     /* body points into req.mem */
	bool continue_due;    /* CONTINUE not yet reported for this request */

	/* the request being built; valid to read at BW_HTTP_PARSE_REQUEST */
	struct bw_http_request req;
	bool keep_alive;      /* the connection may carry another request */
	bool expect_continue;

	unsigned error_status; /* at BW_HTTP_PARSE_ERROR: 400, 413, 431, 501, 503, 505 */
	const char *error_msg; /* static text for the error body */
};

void bw_http_parser_init(struct bw_http_parser *p, const struct bw_http_parser_limits *lim);
/* Frees everything the parser holds, including an untaken request. Safe
 * twice; the phase stays readable (a server frees a failed request's
 * memory at once, while its connection is still closing). */
void bw_http_parser_free(struct bw_http_parser *p);

/*
 * Parse from data[0..len). *consumed says how many bytes were used; on
 * REQUEST or CONTINUE the rest belongs to what follows: call again with it.
 * now_ns stamps req.start_ns when a request's first byte is seen.
 */
enum bw_http_parse_rc bw_http_parser_feed(struct bw_http_parser *p, const void *data,
                                          size_t len, uint64_t now_ns, size_t *consumed);

/* After BW_HTTP_PARSE_REQUEST: move the request into *out (the caller frees
 * it with bw_req_free) and get ready for the next one. */
void bw_http_parser_take(struct bw_http_parser *p, struct bw_http_request *out);

enum bw_http_phase bw_http_parser_phase(const struct bw_http_parser *p);

/* Bytes of memory the parser holds now (head buffer, the request's block,
 * its body buffer): what a connection costs while a request is read. */
size_t bw_http_parser_held(const struct bw_http_parser *p);

#endif
