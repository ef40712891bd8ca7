/*
 * message.c: the request and response values of the HTTP layer: header
 * lookup, response headers, freeing, and the table of reason phrases.
 */
#include "http/message.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *bw_req_header(const struct bw_http_request *req, const char *name)
{
	if (!req || !name)
		return NULL;
	for (size_t i = 0; i < req->nheaders; i++) {
		if (req->headers[i].name && strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	}
	return NULL;
}

void bw_req_free(struct bw_http_request *req)
{
	if (!req)
		return;
	if (req->mem) {
		/* target, path, query, headers and small bodies all live in mem */
		if (!req->body_in_mem)
			free(req->body);
		free(req->mem);
	} else {
		free(req->target);
		free(req->path);
		free(req->query);
		for (size_t i = 0; i < req->nheaders && req->headers; i++) {
			free(req->headers[i].name);
			free(req->headers[i].value);
		}
		free(req->headers);
		free(req->body);
	}
	*req = (struct bw_http_request){0};
}

int bw_resp_header(struct bw_http_response *resp, const char *name, const char *value)
{
	if (!resp || !name || !value)
		return -1;
	if (resp->nheaders == resp->cap_headers) {
		size_t cap = resp->cap_headers ? resp->cap_headers * 2 : 8;
		if (cap > 4096)
			return -1; /* no response needs that many; a runaway loop does */
		struct bw_header *h = realloc(resp->headers, cap * sizeof *h);
		if (!h)
			return -1;
		resp->headers = h;
		resp->cap_headers = cap;
	}
	char *n = strdup(name);
	char *v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return -1;
	}
	resp->headers[resp->nheaders++] = (struct bw_header){.name = n, .value = v};
	return 0;
}

const char *bw_resp_header_get(const struct bw_http_response *resp, const char *name)
{
	if (!resp || !name)
		return NULL;
	for (size_t i = 0; i < resp->nheaders; i++) {
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	}
	return NULL;
}

void bw_resp_free(struct bw_http_response *resp)
{
	if (!resp)
		return;
	for (size_t i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	bw_buf_free(&resp->body);
	resp->headers = NULL;
	resp->nheaders = resp->cap_headers = 0;
}

struct s_reason {
	unsigned status;
	const char *text;
};

/* RFC 9110 section 15, plus 429 (RFC 6585) and 431 (RFC 6585). Sorted. */
static const struct s_reason s_reasons[] = {
	{100, "Continue"},
	{101, "Switching Protocols"},
	{200, "OK"},
	{201, "Created"},
	{202, "Accepted"},
	{203, "Non-Authoritative Information"},
	{204, "No Content"},
	{205, "Reset Content"},
	{206, "Partial Content"},
	{300, "Multiple Choices"},
	{301, "Moved Permanently"},
	{302, "Found"},
	{303, "See Other"},
	{304, "Not Modified"},
	{307, "Temporary Redirect"},
	{308, "Permanent Redirect"},
	{400, "Bad Request"},
	{401, "Unauthorized"},
	{402, "Payment Required"},
	{403, "Forbidden"},
	{404, "Not Found"},
	{405, "Method Not Allowed"},
	{406, "Not Acceptable"},
	{407, "Proxy Authentication Required"},
	{408, "Request Timeout"},
	{409, "Conflict"},
	{410, "Gone"},
	{411, "Length Required"},
	{412, "Precondition Failed"},
	{413, "Content Too Large"},
	{414, "URI Too Long"},
	{415, "Unsupported Media Type"},
	{416, "Range Not Satisfiable"},
	{417, "Expectation Failed"},
	{421, "Misdirected Request"},
	{422, "Unprocessable Content"},
	{426, "Upgrade Required"},
	{428, "Precondition Required"},
	{429, "Too Many Requests"},
	{431, "Request Header Fields Too Large"},
	{500, "Internal Server Error"},
	{501, "Not Implemented"},
	{502, "Bad Gateway"},
	{503, "Service Unavailable"},
	{504, "Gateway Timeout"},
	{505, "HTTP Version Not Supported"},
};

const char *bw_http_reason(unsigned status)
{
	size_t lo = 0, hi = sizeof s_reasons / sizeof s_reasons[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s_reasons[mid].status == status)
			return s_reasons[mid].text;
		if (s_reasons[mid].status < status)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the class name keeps the status line well-formed for unknown codes */
	if (status >= 100 && status < 200)
		return "Informational";
	if (status >= 200 && status < 300)
		return "Success";
	if (status >= 300 && status < 400)
		return "Redirection";
	if (status >= 400 && status < 500)
		return "Client Error";
	return "Server Error";
}
