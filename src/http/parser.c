/*
 * parser.c: the incremental HTTP/1.1 request parser (RFC 9112). Owns the
 * byte-level rules: where the head ends, the request line, header fields,
 * message framing (Content-Length / chunked) and every limit. No I/O.
 *
 * The head is collected in a reused buffer (bounded by max_header_bytes),
 * scanned line by line as it arrives with memchr, and parsed once, when the
 * blank line is seen, into one allocation (req.mem) that holds the headers
 * array, the head's text split in place, path and query, and a small body.
 */
#include "http/parser.h"
#include "core/encoding.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bodies declared up to this size are read straight into req.mem. */
#define S_INLINE_BODY_MAX 16384
/* A larger body's buffer starts at this and doubles as bytes come. */
#define S_BODY_FIRST_CAP 4096
/* One chunk-size line with its extensions. */
#define S_CHUNK_LINE_MAX 4096

enum s_state {
	S_IDLE,
	S_HEAD,
	S_BODY_CL,
	S_CHUNK_SIZE,
	S_CHUNK_EXT,
	S_CHUNK_SIZE_LF,
	S_CHUNK_DATA,
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_TRAILER_START,
	S_TRAILER,
	S_TRAILER_LF,
	S_END_LF,
	S_READY,
	S_ERROR,
};

static enum bw_http_parse_rc s_fail(struct bw_http_parser *p, unsigned status, const char *msg)
{
	p->state = S_ERROR;
	p->error_status = status;
	p->error_msg = msg;
	return BW_HTTP_PARSE_ERROR;
}

/* tchar, RFC 9110 section 5.6.2 */
static bool s_is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar / obs-text / SP / HTAB, RFC 9110 section 5.5 */
static bool s_is_field_byte(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

void bw_http_parser_init(struct bw_http_parser *p, const struct bw_http_parser_limits *lim)
{
	*p = (struct bw_http_parser){.lim = *lim, .state = S_IDLE};
	if (p->lim.max_headers == 0)
		p->lim.max_headers = BW_HTTP_DEFAULT_MAX_HEADERS;
}

/* Drop the request in progress, keep the head buffer's memory. */
static void s_reset_request(struct bw_http_parser *p)
{
	if (!p->body_inline)
		free(p->body);
	p->req.body = NULL; /* owned by p->body or req.mem until taken */
	p->req.body_len = 0;
	bw_req_free(&p->req);
	p->body = NULL;
	p->body_len = p->body_cap = 0;
	p->mem_size = 0;
	p->body_inline = false;
	p->left = p->chunk_size = 0;
	p->chunk_digits = p->line_len = p->trailer_bytes = 0;
	p->continue_due = p->keep_alive = p->expect_continue = false;
	p->started = false;
	p->line_start = 0;
	bw_buf_reset(&p->head);
}

void bw_http_parser_free(struct bw_http_parser *p)
{
	if (!p)
		return;
	s_reset_request(p);
	bw_buf_free(&p->head);
}

enum bw_http_phase bw_http_parser_phase(const struct bw_http_parser *p)
{
	switch (p->state) {
	case S_IDLE:
		return BW_HTTP_PHASE_IDLE;
	case S_HEAD:
		return BW_HTTP_PHASE_HEAD;
	case S_READY:
		return BW_HTTP_PHASE_READY;
	case S_ERROR:
		return BW_HTTP_PHASE_ERROR;
	default:
		return BW_HTTP_PHASE_BODY;
	}
}

size_t bw_http_parser_held(const struct bw_http_parser *p)
{
	return p->head.cap + p->mem_size + (p->body_inline ? 0 : p->body_cap);
}

/* ---- the head ---------------------------------------------------------- */

/* Lower-case compare of a NUL-terminated field name with a literal. */
static bool s_name_is(const char *name, const char *lit)
{
	return strcasecmp(name, lit) == 0;
}

/* Walk a comma-separated list: the next element, OWS-trimmed, into
 * [*b, *e); returns false at the end. Empty elements are yielded too. */
static bool s_list_next(const char **cur, const char **b, const char **e)
{
	const char *s = *cur;
	if (!s)
		return false;
	const char *comma = strchr(s, ',');
	const char *end = comma ? comma : s + strlen(s);
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	const char *t = end;
	while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
		t--;
	*b = s;
	*e = t;
	*cur = comma ? comma + 1 : NULL;
	return true;
}

static bool s_token_is(const char *b, const char *e, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(e - b) == n && strncasecmp(b, lit, n) == 0;
}

struct s_framing {
	bool have_cl;
	uint64_t cl;
	bool have_te;
	bool chunked;
	bool te_unsupported;
	bool te_bad;
	bool conn_close;
	bool conn_keep_alive;
	bool expect_100;
	int hosts;
};

/* Content-Length = 1*DIGIT; a list or repeats must agree (RFC 9112 6.3). */
static bool s_parse_cl(const char *v, struct s_framing *f)
{
	const char *cur = v, *b, *e;
	while (s_list_next(&cur, &b, &e)) {
		if (b == e)
			return false;
		uint64_t n = 0;
		for (const char *q = b; q < e; q++) {
			if (*q < '0' || *q > '9')
				return false;
			if (n > (UINT64_MAX - 9) / 10)
				return false;
			n = n * 10 + (uint64_t)(*q - '0');
		}
		if (f->have_cl && f->cl != n)
			return false;
		f->have_cl = true;
		f->cl = n;
	}
	return true;
}

/* Transfer-Encoding: we implement chunked alone (RFC 9112 6.1, 7). */
static void s_parse_te(const char *v, struct s_framing *f)
{
	const char *cur = v, *b, *e;
	f->have_te = true;
	while (s_list_next(&cur, &b, &e)) {
		if (b == e)
			continue;
		if (s_token_is(b, e, "chunked")) {
			if (f->chunked)
				f->te_bad = true; /* chunked twice */
			f->chunked = true;
		} else {
			if (f->chunked)
				f->te_bad = true; /* chunked not last */
			f->te_unsupported = true;
		}
	}
	if (!f->chunked && !f->te_unsupported)
		f->te_bad = true; /* an empty value */
}

static void s_parse_connection(const char *v, struct s_framing *f)
{
	const char *cur = v, *b, *e;
	while (s_list_next(&cur, &b, &e)) {
		if (s_token_is(b, e, "close"))
			f->conn_close = true;
		else if (s_token_is(b, e, "keep-alive"))
			f->conn_keep_alive = true;
	}
}

/* Split the target into path and query (both copied into out). */
static void s_split_target(struct bw_http_request *req, char *out)
{
	const char *t = req->target;
	const char *path = t;
	/* absolute-form (RFC 9112 3.2.2): the path starts after the authority */
	if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
		const char *auth = strstr(t, "//") + 2;
		path = auth + strcspn(auth, "/?");
	}
	const char *q = strchr(path, '?');
	size_t plen = q ? (size_t)(q - path) : strlen(path);
	req->path = out;
	if (plen == 0 && *t != '*') {
		*out++ = '/';
	} else {
		memcpy(out, path, plen);
		out += plen;
	}
	*out++ = 0;
	req->query = out;
	if (q) {
		size_t qlen = strlen(q + 1);
		memcpy(out, q + 1, qlen);
		out += qlen;
	}
	*out = 0;
}

static enum bw_http_parse_rc s_parse_request_line(struct bw_http_parser *p, char *line)
{
	struct bw_http_request *req = &p->req;
	char *sp1 = strchr(line, ' ');
	if (!sp1 || sp1 == line)
		return s_fail(p, 400, "malformed request line");
	for (char *c = line; c < sp1; c++) {
		if (!s_is_tchar((uint8_t)*c))
			return s_fail(p, 400, "malformed request method");
	}
	if ((size_t)(sp1 - line) >= sizeof req->method)
		return s_fail(p, 501, "request method not implemented");
	memcpy(req->method, line, (size_t)(sp1 - line));
	req->method[sp1 - line] = 0;

	char *target = sp1 + 1;
	char *sp2 = strchr(target, ' ');
	if (!sp2 || sp2 == target)
		return s_fail(p, 400, "malformed request line");
	for (char *c = target; c < sp2; c++) {
		if ((uint8_t)*c <= 0x20 || (uint8_t)*c >= 0x7f)
			return s_fail(p, 400, "malformed request target");
	}
	*sp2 = 0;
	if (*target != '/' && strcmp(target, "*") != 0 &&
	    strncasecmp(target, "http://", 7) != 0 && strncasecmp(target, "https://", 8) != 0)
		return s_fail(p, 400, "malformed request target");
	req->target = target;

	/* HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3) */
	const char *v = sp2 + 1;
	if (strlen(v) != 8 || strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9')
		return s_fail(p, 400, "malformed HTTP version");
	if (v[5] != '1')
		return s_fail(p, 505, "HTTP version not supported");
	req->http_minor = v[7] == '0' ? 0 : 1;
	return BW_HTTP_PARSE_MORE;
}

static enum bw_http_parse_rc s_parse_field(struct bw_http_parser *p, char *line,
                                           struct s_framing *f)
{
	struct bw_http_request *req = &p->req;
	if (*line == ' ' || *line == '\t')
		return s_fail(p, 400, "obsolete line folding is not accepted");
	char *colon = strchr(line, ':');
	if (!colon || colon == line)
		return s_fail(p, 400, "malformed header field");
	for (char *c = line; c < colon; c++) {
		if (!s_is_tchar((uint8_t)*c))
			return s_fail(p, 400, "malformed header field name");
	}
	*colon = 0;
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	char *end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = 0;
	for (char *c = v; c < end; c++) {
		if (!s_is_field_byte((uint8_t)*c))
			return s_fail(p, 400, "malformed header field value");
	}
	if (req->nheaders >= p->lim.max_headers)
		return s_fail(p, 431, "too many header fields");
	req->headers[req->nheaders++] = (struct bw_header){.name = line, .value = v};

	if (s_name_is(line, "content-length")) {
		if (!s_parse_cl(v, f))
			return s_fail(p, 400, "invalid Content-Length");
	} else if (s_name_is(line, "transfer-encoding")) {
		s_parse_te(v, f);
	} else if (s_name_is(line, "connection")) {
		s_parse_connection(v, f);
	} else if (s_name_is(line, "host")) {
		f->hosts++;
	} else if (s_name_is(line, "expect")) {
		if (strcasecmp(v, "100-continue") == 0)
			f->expect_100 = true;
	}
	return BW_HTTP_PARSE_MORE;
}

/*
 * Room in the body buffer for `extra` more bytes. It doubles from a small
 * start as bytes arrive, never past the declared length (hint, 0 for
 * chunked) nor max_body_bytes, and each growth is charged first: memory
 * follows what the client has sent, within what the server can spare.
 */
static enum bw_http_parse_rc s_body_reserve(struct bw_http_parser *p, size_t extra, uint64_t hint)
{
	size_t need = p->body_len + extra + 1;
	if (need <= p->body_cap)
		return BW_HTTP_PARSE_MORE;
	size_t cap = p->body_cap ? p->body_cap * 2 : S_BODY_FIRST_CAP;
	if (cap < need)
		cap = need;
	/* a 40 MB body gets 40 MB, not 64; no body gets past the limit */
	size_t most = p->lim.max_body_bytes + 1;
	if (hint && hint < most - 1)
		most = (size_t)hint + 1;
	if (cap > most && need <= most)
		cap = most;
	if (p->lim.charge && !p->lim.charge(p->lim.charge_ctx, cap - p->body_cap))
		return s_fail(p, 503, "server busy: too many request bytes buffered");
	uint8_t *b = realloc(p->body, cap);
	if (!b)
		return s_fail(p, 500, "out of memory");
	p->body = b;
	p->body_cap = cap;
	return BW_HTTP_PARSE_MORE;
}

static enum bw_http_parse_rc s_parse_head(struct bw_http_parser *p)
{
	const char *head = (const char *)p->head.data;
	size_t n = p->head.len;
	size_t lines = 0;
	for (const char *c = head; (c = memchr(c, '\n', (size_t)(head + n - c))) != NULL; c++)
		lines++;

	/* Read one pass ahead what the framing is, so a small body fits in mem. */
	size_t hdr_bytes = lines * sizeof(struct bw_header);
	size_t text_off = hdr_bytes;
	size_t split_off = text_off + n + 1;
	size_t split_len = n + 4; /* path + query <= target + NULs + "/" */
	size_t body_off = split_off + split_len;
	/* a small declared body goes inline; decided after the fields are read,
	 * so reserve conservatively: 1 byte now, grow by realloc below if needed */
	struct bw_http_request *req = &p->req;
	char *mem = malloc(body_off + 1);
	if (!mem)
		return s_fail(p, 500, "out of memory");
	req->mem = mem;
	p->mem_size = body_off + 1;
	req->headers = (struct bw_header *)(void *)mem;
	char *text = mem + text_off;
	memcpy(text, head, n);
	text[n] = 0;

	struct s_framing f = {0};
	char *cur = text;
	char *stop = text + n;
	bool first = true;
	while (cur < stop) {
		char *nl = memchr(cur, '\n', (size_t)(stop - cur));
		if (!nl)
			break; /* cannot happen: the head ends with LF */
		char *eol = nl;
		if (eol > cur && eol[-1] == '\r')
			eol--;
		*eol = 0;
		*nl = 0;
		if (memchr(cur, '\r', (size_t)(eol - cur)))
			return s_fail(p, 400, "bare CR in request head");
		if (eol == cur)
			break; /* the blank line */
		enum bw_http_parse_rc rc = first ? s_parse_request_line(p, cur)
		                                 : s_parse_field(p, cur, &f);
		if (rc == BW_HTTP_PARSE_ERROR)
			return rc;
		first = false;
		cur = nl + 1;
	}
	if (first)
		return s_fail(p, 400, "empty request");

	if (req->http_minor >= 1 && f.hosts != 1)
		return s_fail(p, 400, f.hosts ? "more than one Host header" : "missing Host header");
	if (f.have_te && req->http_minor == 0)
		return s_fail(p, 400, "Transfer-Encoding in an HTTP/1.0 request");
	if (f.have_te && f.have_cl)
		return s_fail(p, 400, "both Content-Length and Transfer-Encoding");
	if (f.te_bad)
		return s_fail(p, 400, "invalid Transfer-Encoding");
	if (f.te_unsupported)
		return s_fail(p, 501, "transfer coding not implemented");
	if (f.have_cl && f.cl > p->lim.max_body_bytes)
		return s_fail(p, 413, "request body too large");

	s_split_target(req, mem + split_off);
	p->keep_alive = req->http_minor >= 1 ? !f.conn_close : (f.conn_keep_alive && !f.conn_close);

	if (f.chunked) {
		p->state = S_CHUNK_SIZE;
	} else if (f.have_cl && f.cl > 0) {
		p->state = S_BODY_CL;
		p->left = f.cl;
		if (f.cl <= S_INLINE_BODY_MAX) {
			/* Pointers into mem are kept as offsets across the realloc:
			 * comparing or subtracting with a freed pointer is undefined. */
			size_t off_target = (size_t)(req->target - mem);
			size_t off_path = (size_t)(req->path - mem);
			size_t off_query = (size_t)(req->query - mem);
			for (size_t i = 0; i < req->nheaders; i++) {
				req->headers[i].name = (char *)(uintptr_t)(req->headers[i].name - mem);
				req->headers[i].value = (char *)(uintptr_t)(req->headers[i].value - mem);
			}
			char *grown = realloc(mem, body_off + (size_t)f.cl + 1);
			char *base = grown ? grown : mem; /* a failed realloc leaves mem intact */
			req->headers = (struct bw_header *)(void *)base;
			for (size_t i = 0; i < req->nheaders; i++) {
				req->headers[i].name = base + (uintptr_t)req->headers[i].name;
				req->headers[i].value = base + (uintptr_t)req->headers[i].value;
			}
			req->target = base + off_target;
			req->path = base + off_path;
			req->query = base + off_query;
			req->mem = mem = base;
			if (!grown)
				return s_fail(p, 500, "out of memory");
			p->mem_size = body_off + (size_t)f.cl + 1;
			p->body = (uint8_t *)mem + body_off;
			p->body_cap = (size_t)f.cl + 1;
			p->body_inline = true;
		}
		/* a larger body gets its buffer as its bytes come (s_body_add) */
	} else {
		p->state = S_READY;
	}
	if (!p->body_inline && !p->body) {
		/* an empty or not-yet-read body still reads as "" */
		p->body = (uint8_t *)mem + body_off;
		p->body_cap = 1;
		p->body_inline = true;
	}
	p->body[0] = 0;
	p->expect_continue = f.expect_100 && req->http_minor >= 1;
	p->continue_due = p->expect_continue && p->state != S_READY;
	return BW_HTTP_PARSE_MORE;
}

/* Collect head bytes up to the blank line; *done when it was seen. */
static enum bw_http_parse_rc s_feed_head(struct bw_http_parser *p, const uint8_t *data,
                                         size_t len, size_t *off, bool *done)
{
	while (*off < len) {
		const uint8_t *s = data + *off;
		size_t avail = len - *off;
		const uint8_t *nl = memchr(s, '\n', avail);
		size_t take = nl ? (size_t)(nl - s) + 1 : avail;
		if (p->head.len + take > p->lim.max_header_bytes)
			return s_fail(p, 431, "request head too large");
		if (memchr(s, 0, take))
			return s_fail(p, 400, "NUL byte in request head");
		if (bw_buf_append(&p->head, s, take) != 0)
			return s_fail(p, 500, "out of memory");
		*off += take;
		if (!nl)
			break;
		size_t line_len = p->head.len - 1 - p->line_start;
		const uint8_t *line = p->head.data + p->line_start;
		if (line_len == 0 || (line_len == 1 && line[0] == '\r')) {
			*done = true;
			return BW_HTTP_PARSE_MORE;
		}
		p->line_start = p->head.len;
	}
	return BW_HTTP_PARSE_MORE;
}

/* Add body bytes, enforcing max_body_bytes. */
static enum bw_http_parse_rc s_body_add(struct bw_http_parser *p, const uint8_t *s, size_t n,
                                        uint64_t hint)
{
	if (n > p->lim.max_body_bytes - p->body_len)
		return s_fail(p, 413, "request body too large");
	if (!p->body_inline || p->body_len + n + 1 > p->body_cap) {
		if (p->body_inline) {
			/* move off the 1-byte placeholder in mem (chunked and large
			 * bodies start there) */
			p->body = NULL;
			p->body_cap = 0;
			p->body_inline = false;
		}
		enum bw_http_parse_rc rc = s_body_reserve(p, n, hint);
		if (rc == BW_HTTP_PARSE_ERROR)
			return rc;
	}
	memcpy(p->body + p->body_len, s, n);
	p->body_len += n;
	p->body[p->body_len] = 0;
	return BW_HTTP_PARSE_MORE;
}

static enum bw_http_parse_rc s_chunk_byte(struct bw_http_parser *p, uint8_t c)
{
	switch (p->state) {
	case S_CHUNK_SIZE: {
		int h = bw_hex_digit(c);
		if (h >= 0) {
			/* 413 as soon as the chunks declared pass the limit */
			uint64_t room = p->lim.max_body_bytes - p->body_len;
			if (room < (uint64_t)h || p->chunk_size > (room - (uint64_t)h) / 16)
				return s_fail(p, 413, "request body too large");
			p->chunk_size = p->chunk_size * 16 + (uint64_t)h;
			p->chunk_digits++;
			if (++p->line_len > S_CHUNK_LINE_MAX)
				return s_fail(p, 400, "chunk size line too long");
			return BW_HTTP_PARSE_MORE;
		}
		if (p->chunk_digits == 0)
			return s_fail(p, 400, "malformed chunk size");
		if (c == ';' || c == ' ' || c == '\t') {
			p->state = S_CHUNK_EXT;
			return BW_HTTP_PARSE_MORE;
		}
		if (c == '\r') {
			p->state = S_CHUNK_SIZE_LF;
			return BW_HTTP_PARSE_MORE;
		}
		if (c == '\n')
			break;
		return s_fail(p, 400, "malformed chunk size");
	}
	case S_CHUNK_EXT:
		if (c == '\r') {
			p->state = S_CHUNK_SIZE_LF;
			return BW_HTTP_PARSE_MORE;
		}
		if (c == '\n')
			break;
		if (!s_is_field_byte(c))
			return s_fail(p, 400, "malformed chunk extension");
		if (++p->line_len > S_CHUNK_LINE_MAX)
			return s_fail(p, 400, "chunk extension too long");
		return BW_HTTP_PARSE_MORE;
	case S_CHUNK_SIZE_LF:
		if (c != '\n')
			return s_fail(p, 400, "malformed chunk size line");
		break;
	case S_CHUNK_DATA_CR:
		if (c == '\r') {
			p->state = S_CHUNK_DATA_LF;
			return BW_HTTP_PARSE_MORE;
		}
		if (c != '\n')
			return s_fail(p, 400, "chunk data longer than its size");
		p->state = S_CHUNK_SIZE;
		return BW_HTTP_PARSE_MORE;
	case S_CHUNK_DATA_LF:
		if (c != '\n')
			return s_fail(p, 400, "malformed chunk data end");
		p->state = S_CHUNK_SIZE;
		return BW_HTTP_PARSE_MORE;
	case S_TRAILER_START:
		if (c == '\r') {
			p->state = S_END_LF;
			return BW_HTTP_PARSE_MORE;
		}
		if (c == '\n') {
			p->state = S_READY;
			return BW_HTTP_PARSE_MORE;
		}
		if (c == ' ' || c == '\t')
			return s_fail(p, 400, "obsolete line folding is not accepted");
		p->state = S_TRAILER;
		/* fall through: the byte belongs to the trailer line */
		__attribute__((fallthrough));
	case S_TRAILER:
		if (++p->trailer_bytes > p->lim.max_header_bytes)
			return s_fail(p, 431, "trailer section too large");
		if (c == '\r') {
			p->state = S_TRAILER_LF;
			return BW_HTTP_PARSE_MORE;
		}
		if (c == '\n') {
			p->state = S_TRAILER_START;
			return BW_HTTP_PARSE_MORE;
		}
		if (!s_is_field_byte(c))
			return s_fail(p, 400, "malformed trailer field");
		return BW_HTTP_PARSE_MORE;
	case S_TRAILER_LF:
		if (c != '\n')
			return s_fail(p, 400, "bare CR in trailer");
		p->state = S_TRAILER_START;
		return BW_HTTP_PARSE_MORE;
	case S_END_LF:
		if (c != '\n')
			return s_fail(p, 400, "malformed chunked body end");
		p->state = S_READY;
		return BW_HTTP_PARSE_MORE;
	default:
		return s_fail(p, 500, "parser state");
	}
	/* the end of a chunk-size line */
	p->line_len = 0;
	p->chunk_digits = 0;
	if (p->chunk_size == 0) {
		p->state = S_TRAILER_START;
	} else {
		p->left = p->chunk_size;
		p->chunk_size = 0;
		p->state = S_CHUNK_DATA;
	}
	return BW_HTTP_PARSE_MORE;
}

enum bw_http_parse_rc bw_http_parser_feed(struct bw_http_parser *p, const void *data, size_t len,
                                          uint64_t now_ns, size_t *consumed)
{
	const uint8_t *d = data;
	size_t off = 0;
	enum bw_http_parse_rc rc = BW_HTTP_PARSE_MORE;
	*consumed = 0;
	for (;;) {
		switch (p->state) {
		case S_ERROR:
			return BW_HTTP_PARSE_ERROR;
		case S_READY:
			*consumed = off;
			return BW_HTTP_PARSE_REQUEST;
		case S_IDLE:
			/* RFC 9112 2.2: ignore empty lines before the request line */
			while (off < len && (d[off] == '\r' || d[off] == '\n'))
				off++;
			if (off == len)
				goto more;
			p->state = S_HEAD;
			p->req.start_ns = now_ns;
			p->started = true;
			break;
		case S_HEAD: {
			bool done = false;
			rc = s_feed_head(p, d, len, &off, &done);
			if (rc == BW_HTTP_PARSE_ERROR)
				return rc;
			if (!done)
				goto more;
			rc = s_parse_head(p);
			if (rc == BW_HTTP_PARSE_ERROR)
				return rc;
			if (p->continue_due) {
				p->continue_due = false;
				*consumed = off;
				return BW_HTTP_PARSE_CONTINUE;
			}
			break;
		}
		case S_BODY_CL: {
			size_t n = len - off;
			if (n > p->left)
				n = (size_t)p->left;
			if (n == 0)
				goto more;
			rc = s_body_add(p, d + off, n, p->body_len + p->left);
			if (rc == BW_HTTP_PARSE_ERROR)
				return rc;
			off += n;
			p->left -= n;
			if (p->left == 0)
				p->state = S_READY;
			break;
		}
		case S_CHUNK_DATA: {
			size_t n = len - off;
			if (n > p->left)
				n = (size_t)p->left;
			if (n == 0)
				goto more;
			rc = s_body_add(p, d + off, n, 0);
			if (rc == BW_HTTP_PARSE_ERROR)
				return rc;
			off += n;
			p->left -= n;
			if (p->left == 0)
				p->state = S_CHUNK_DATA_CR;
			break;
		}
		default:
			if (off == len)
				goto more;
			rc = s_chunk_byte(p, d[off++]);
			if (rc == BW_HTTP_PARSE_ERROR)
				return rc;
			break;
		}
	}
more:
	*consumed = off;
	return BW_HTTP_PARSE_MORE;
}

void bw_http_parser_take(struct bw_http_parser *p, struct bw_http_request *out)
{
	if (p->state != S_READY) {
		*out = (struct bw_http_request){0};
		return;
	}
	p->req.body = p->body;
	p->req.body_len = p->body_len;
	p->req.body_in_mem = p->body_inline;
	*out = p->req;
	p->req = (struct bw_http_request){0};
	p->body = NULL;
	p->body_inline = false;
	p->mem_size = 0; /* the block went with the request */
	s_reset_request(p);
	p->state = S_IDLE;
}
