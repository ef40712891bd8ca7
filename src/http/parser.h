/*
 * parser.h: a pure, incremental, bounded HTTP/1.1 request parser (no I/O).
 *
 * Feed it bytes as they arrive, in pieces of any size; it keeps a cursor so
 * nothing is scanned twice, and yields complete requests (pipelined requests
 * come out one by one) or an error carrying the status to answer with:
 *   400 malformed, 413 body over max_body_bytes, 431 head over
 *   max_header_bytes or too many headers, 501 an unsupported
 *   transfer-coding or an over-long method, 505 an HTTP version other than 1.x.
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
	bool body_inline;     /* body points into req.mem */
	bool continue_due;    /* CONTINUE not yet reported for this request */

	/* the request being built; valid to read at BW_HTTP_PARSE_REQUEST */
	struct bw_http_request req;
	bool keep_alive;      /* the connection may carry another request */
	bool expect_continue;

	unsigned error_status; /* at BW_HTTP_PARSE_ERROR: 400, 413, 431, 501, 505 */
	const char *error_msg; /* static text for the error body */
};

void bw_http_parser_init(struct bw_http_parser *p, const struct bw_http_parser_limits *lim);
/* Frees everything the parser holds, including an untaken request. */
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

#endif
