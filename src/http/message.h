/*
 * message.h: an HTTP/1.1 request as parsed off the wire, and the response
 * the gateway builds. Owned by the HTTP layer; the gateway and codecs only
 * read the request and fill the response.
 */
#ifndef BW_HTTP_MESSAGE_H
#define BW_HTTP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct bw_header {
	char *name; /* as sent; compare case-insensitively */
	char *value; /* leading/trailing whitespace trimmed */
};

struct bw_http_request {
	char method[16];
	char *target; /* the request-target as sent: "/a%20b?x=1" */
	char *path;   /* its path, still percent-encoded: "/a%20b" */
	char *query;  /* its query without '?', raw; "" if none */
	int http_minor; /* HTTP/1.<minor> */
	struct bw_header *headers;
	size_t nheaders;
	uint8_t *body; /* NUL-terminated past body_len */
	size_t body_len;
	char peer_ip[64]; /* textual address of the client */
	uint16_t peer_port;
	bool tls; /* came over TLS (aws:SecureTransport) */
	char tls_version[16]; /* "TLSv1.3" when tls, else "" */
	char tls_cipher[64];  /* "TLS_AES_128_GCM_SHA256" when tls, else "" */
	uint64_t start_ns; /* bw_mono_ns() when its first byte arrived */
	/*
	 * Storage. A request built by the parser keeps target, path, query, the
	 * headers array and every name/value in one block, `mem`, and a small
	 * body there too (body_in_mem). A request built by hand (tests) leaves
	 * mem NULL: bw_req_free then frees each of those with free().
	 */
	void *mem;
	bool body_in_mem;
};

struct bw_http_response {
	uint16_t status;
	struct bw_header *headers;
	size_t nheaders;
	size_t cap_headers;
	struct bw_buf body;
};

/* First header of that name (case-insensitive), or NULL. */
const char *bw_req_header(const struct bw_http_request *req, const char *name);
void bw_req_free(struct bw_http_request *req);

/* Add a header (copied); -1 on allocation failure. */
BW_MUST_CHECK int bw_resp_header(struct bw_http_response *resp, const char *name,
                                 const char *value);
const char *bw_resp_header_get(const struct bw_http_response *resp,
                               const char *name);
void bw_resp_free(struct bw_http_response *resp);

/* The reason phrase of a status code ("Not Found"). */
const char *bw_http_reason(unsigned status);

#endif
