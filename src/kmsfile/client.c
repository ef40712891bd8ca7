/*
 * client.c: the smallest HTTP/1.1 client that talks to a bulwark (or AWS
 * compatible) KMS endpoint: one awsJson 1.1 POST per connection over a
 * TCP socket, or TLS 1.2+ for https:// (the certificate verified against
 * the CA bundle or the system's store, and the host's name or address),
 * signed with bw_sigv4_sign, "Connection: close", and the response read
 * with bounds — 16 KiB of status line and headers, a Content-Length body of
 * at most 1 MiB (or up to the close) — and a timeout on connect and on each
 * read and write, and twice that for the whole response. A non-2xx answer becomes "KMS <op> failed: <Code>:
 * <message>" from X-Amzn-ErrorType / __type and message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "auth/sigv4.h"
#include "core/encoding.h"
#include "core/timeutil.h"
#include "kmsfile/kmsfile.h"

#define S_MAX_HEAD 16384
#define S_MAX_BODY (1024 * 1024)
#define S_DEFAULT_TIMEOUT_MS 30000

void bw_kmsfile_client_clean_up(struct bw_kmsfile_client *c)
{
	bw_buf_free(&c->secret);
	bw_buf_free(&c->session_token);
	bw_cleanse(c->access_key_id, sizeof c->access_key_id);
}

/* http(s)://host[:port][/]: host (brackets kept off), port, Host header. */
struct s_url {
	bool tls;
	char host[256];
	char port[8];
	char host_header[300];
};

/* One connection: the socket, and TLS over it for https. */
struct s_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static int s_parse_url(const char *url, struct s_url *u, struct bw_kmsfile_error *err)
{
	u->tls = strncasecmp(url, "https://", 8) == 0;
	if (!u->tls && strncasecmp(url, "http://", 7) != 0) {
		bw_kmsfile_fail(err, "endpoint %s: expected http(s)://HOST[:PORT]", url);
		return -1;
	}
	const char *hp = url + (u->tls ? 8 : 7), *slash = strchr(hp, '/');
	size_t hplen = slash ? (size_t)(slash - hp) : strlen(hp);
	if (slash && strcmp(slash, "/") != 0) {
		bw_kmsfile_fail(err, "endpoint %s: a path is not supported", url);
		return -1;
	}
	if (hplen == 0 || hplen >= sizeof u->host_header) {
		bw_kmsfile_fail(err, "endpoint %s: bad host", url);
		return -1;
	}
	memcpy(u->host_header, hp, hplen);
	u->host_header[hplen] = 0;
	const char *h = u->host_header, *port = NULL;
	size_t hlen;
	if (h[0] == '[') {
		const char *close_b = strchr(h, ']');
		if (!close_b || (close_b[1] && close_b[1] != ':')) {
			bw_kmsfile_fail(err, "endpoint %s: bad IPv6 host", url);
			return -1;
		}
		h++;
		hlen = (size_t)(close_b - h);
		port = close_b[1] == ':' ? close_b + 2 : NULL;
	} else {
		const char *colon = strchr(h, ':');
		hlen = colon ? (size_t)(colon - h) : strlen(h);
		port = colon ? colon + 1 : NULL;
	}
	if (hlen == 0 || hlen >= sizeof u->host) {
		bw_kmsfile_fail(err, "endpoint %s: bad host", url);
		return -1;
	}
	memcpy(u->host, h, hlen);
	u->host[hlen] = 0;
	if (!port) {
		snprintf(u->port, sizeof u->port, u->tls ? "443" : "80");
		return 0;
	}
	size_t plen = strlen(port);
	if (plen == 0 || plen > 5 || strspn(port, "0123456789") != plen || atoi(port) > 65535 ||
	    atoi(port) == 0) {
		bw_kmsfile_fail(err, "endpoint %s: bad port", url);
		return -1;
	}
	memcpy(u->port, port, plen + 1);
	return 0;
}

static int s_add_header(struct bw_http_request *req, const char *name, const char *value)
{
	struct bw_header *hs = realloc(req->headers, (req->nheaders + 1) * sizeof *hs);
	if (!hs)
		return -1;
	req->headers = hs;
	char *n = strdup(name), *v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return -1;
	}
	hs[req->nheaders++] = (struct bw_header){.name = n, .value = v};
	return 0;
}

/* The request to sign: exactly the headers botocore would sign. */
static int s_build(const struct bw_kmsfile_client *c, const struct s_url *u, const char *op,
                   const char *amz_date, const char *body, struct bw_http_request *req)
{
	char target[96];
	snprintf(target, sizeof target, "TrentService.%s", op);
	snprintf(req->method, sizeof req->method, "POST");
	size_t blen = strlen(body);
	if (!(req->target = strdup("/")) || !(req->path = strdup("/")) ||
	    !(req->query = strdup("")) || !(req->body = malloc(blen + 1)))
		return -1;
	memcpy(req->body, body, blen + 1);
	req->body_len = blen;
	req->http_minor = 1;
	if (s_add_header(req, "Host", u->host_header) != 0 ||
	    s_add_header(req, "X-Amz-Date", amz_date) != 0 ||
	    s_add_header(req, "X-Amz-Target", target) != 0 ||
	    s_add_header(req, "Content-Type", "application/x-amz-json-1.1") != 0)
		return -1;
	if (c->session_token.len > 0 &&
	    s_add_header(req, "X-Amz-Security-Token", bw_buf_cstr(&c->session_token)) != 0)
		return -1;
	return 0;
}

static int s_connect(const struct s_url *u, int timeout_ms, struct bw_kmsfile_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int gai = getaddrinfo(u->host, u->port, &hints, &res);
	if (gai != 0) {
		bw_kmsfile_fail(err, "cannot resolve %s: %s", u->host, gai_strerror(gai));
		return -1;
	}
	int fd = -1, last = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		int fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r != 0 && errno == EINPROGRESS) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			int pr = poll(&p, 1, timeout_ms);
			socklen_t sl = sizeof last;
			last = 0;
			if (pr == 0)
				last = ETIMEDOUT;
			else if (pr < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &last, &sl) != 0)
				last = last ? last : errno;
			r = last ? -1 : 0;
		} else if (r != 0) {
			last = errno;
		}
		if (r == 0) {
			fcntl(fd, F_SETFL, fl);
			struct timeval tv = {.tv_sec = timeout_ms / 1000,
			                     .tv_usec = (timeout_ms % 1000) * 1000};
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		bw_kmsfile_fail(err, "cannot connect to %s:%s: %s (is bulwark serving there? see "
		                     "--endpoint-url)", u->host, u->port, strerror(last ? last : EIO));
	return fd;
}

/* TLS over the connected socket: TLS 1.2 at least, the peer's certificate
 * verified against ca_bundle (else the system's CAs) and for the host (its
 * name, or its address when it is one). */
static int s_tls(struct s_conn *c, const struct s_url *u, const char *ca_bundle,
                 struct bw_kmsfile_error *err)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx || SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION) != 1) {
		bw_kmsfile_fail(err, "cannot set up TLS");
		return -1;
	}
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (ca_bundle && ca_bundle[0] ? SSL_CTX_load_verify_locations(c->ctx, ca_bundle, NULL) != 1
	                              : SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		bw_kmsfile_fail(err, "cannot load the CA bundle %s", ca_bundle && ca_bundle[0]
		                                                         ? ca_bundle : "(system)");
		return -1;
	}
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
		bw_kmsfile_fail(err, "cannot set up TLS");
		return -1;
	}
	unsigned char addr[16];
	bool is_ip = inet_pton(AF_INET, u->host, addr) == 1 || inet_pton(AF_INET6, u->host, addr) == 1;
	X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
	if ((is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, u->host)
	           : X509_VERIFY_PARAM_set1_host(vp, u->host, 0)) != 1 ||
	    (!is_ip && SSL_set_tlsext_host_name(c->ssl, u->host) != 1)) {
		bw_kmsfile_fail(err, "cannot set up TLS for %s", u->host);
		return -1;
	}
	if (SSL_connect(c->ssl) != 1) {
		long v = SSL_get_verify_result(c->ssl);
		bw_kmsfile_fail(err, "TLS with %s:%s failed: %s", u->host, u->port,
		                v != X509_V_OK ? X509_verify_cert_error_string(v)
		                               : "handshake refused or timed out");
		return -1;
	}
	return 0;
}

static void s_close(struct s_conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	*c = (struct s_conn){.fd = -1};
}

static ssize_t s_write(struct s_conn *c, const void *p, size_t n)
{
	if (!c->ssl)
		return send(c->fd, p, n, MSG_NOSIGNAL);
	int w = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	return w > 0 ? w : -1;
}

static ssize_t s_read(struct s_conn *c, void *p, size_t n)
{
	if (!c->ssl)
		return recv(c->fd, p, n, 0);
	int r = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	if (r > 0)
		return r;
	/* a clean close_notify, or a peer that closed without one */
	int e = SSL_get_error(c->ssl, r);
	return e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0) ? 0 : -1;
}

static int s_send_all(struct s_conn *c, const void *p, size_t n, struct bw_kmsfile_error *err)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t w = s_write(c, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			bw_kmsfile_fail(err, "sending the request failed: %s",
			                errno == EAGAIN ? "timed out" : strerror(errno));
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read the whole response (bounded) into resp. */
static int s_read_response(struct s_conn *c, struct bw_buf *resp, size_t *head_len,
                           long *content_length,
                           uint64_t deadline_ns, struct bw_kmsfile_error *err)
{
	*head_len = 0;
	*content_length = -1;
	for (;;) {
		/* each recv has its own timeout; this bounds a trickling server too */
		if (bw_mono_ns() > deadline_ns) {
			bw_kmsfile_fail(err, "reading the response failed: timed out");
			return -1;
		}
		if (bw_buf_reserve(resp, 8192) != 0) {
			bw_kmsfile_fail(err, "out of memory");
			return -1;
		}
		errno = 0;
		ssize_t r = s_read(c, resp->data + resp->len, 8192);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			bw_kmsfile_fail(err, "reading the response failed: %s",
			                errno == EAGAIN ? "timed out" : strerror(errno));
			return -1;
		}
		resp->len += (size_t)r;
		resp->data[resp->len] = 0;
		if (*head_len == 0) {
			size_t scan = resp->len < S_MAX_HEAD ? resp->len : S_MAX_HEAD;
			for (size_t i = 3; i < scan; i++) {
				if (memcmp(resp->data + i - 3, "\r\n\r\n", 4) == 0) {
					*head_len = i + 1;
					break;
				}
			}
			if (*head_len == 0 && resp->len >= S_MAX_HEAD) {
				bw_kmsfile_fail(err, "the response headers are longer than %d bytes",
				                S_MAX_HEAD);
				return -1;
			}
			if (*head_len) {
				/* Content-Length, case-insensitive, at a line start */
				for (size_t i = 0; i + 16 < *head_len; i++) {
					if (resp->data[i] == '\n' &&
					    strncasecmp((char *)resp->data + i + 1, "content-length:", 15) == 0) {
						char *end;
						const char *v = (char *)resp->data + i + 16;
						while (*v == ' ' || *v == '\t')
							v++;
						long cl = strtol(v, &end, 10);
						if (end == v || cl < 0 || cl > S_MAX_BODY) {
							bw_kmsfile_fail(err, "bad or too large Content-Length in "
							                     "the response");
							return -1;
						}
						*content_length = cl;
					}
					if (resp->data[i] == '\n' &&
					    strncasecmp((char *)resp->data + i + 1, "transfer-encoding:", 18) ==
					            0) {
						bw_kmsfile_fail(err, "chunked responses are not supported");
						return -1;
					}
				}
			}
		}
		if (*head_len && *content_length >= 0 &&
		    resp->len >= *head_len + (size_t)*content_length)
			break;
		if (resp->len > S_MAX_HEAD + S_MAX_BODY) {
			bw_kmsfile_fail(err, "the response is larger than %d bytes", S_MAX_BODY);
			return -1;
		}
		if (r == 0)
			break;
	}
	if (*head_len == 0) {
		bw_kmsfile_fail(err, "the server closed the connection without a response");
		return -1;
	}
	if (*content_length >= 0 && resp->len < *head_len + (size_t)*content_length) {
		bw_kmsfile_fail(err, "the response was cut short");
		return -1;
	}
	if (*content_length < 0)
		*content_length = (long)(resp->len - *head_len);
	return 0;
}

/* The value of header name in the head (bounded by head_len), copied. */
static void s_header(const struct bw_buf *resp, size_t head_len, const char *name, char *out,
                     size_t outlen)
{
	size_t nl = strlen(name);
	out[0] = 0;
	for (size_t i = 0; i + nl + 2 < head_len; i++) {
		if (resp->data[i] != '\n' || strncasecmp((char *)resp->data + i + 1, name, nl) != 0 ||
		    resp->data[i + 1 + nl] != ':')
			continue;
		const char *v = (char *)resp->data + i + 2 + nl;
		while (*v == ' ')
			v++;
		size_t n = strcspn(v, "\r\n");
		if (n >= outlen)
			n = outlen - 1;
		memcpy(out, v, n);
		out[n] = 0;
		return;
	}
}

/* "com.amazonaws.kms#DisabledException" / "DisabledException:http://..." -> the code */
static void s_error_code(const char *raw, char *out, size_t outlen)
{
	const char *hash = strrchr(raw, '#');
	const char *p = hash ? hash + 1 : raw;
	size_t n = strcspn(p, ":");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = 0;
}

int bw_kmsfile_call(const struct bw_kmsfile_client *c, const char *region, const char *op,
                    const json_t *request, json_t **response, struct bw_kmsfile_error *err)
{
	struct s_url u;
	struct bw_http_request req = {0};
	struct bw_buf auth = {0}, wire = {.secret = true}, resp = {.secret = true};
	char *body = NULL, amz_date[17];
	struct s_conn conn = {.fd = -1};
	int rc = -1;
	int timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : S_DEFAULT_TIMEOUT_MS;
	*response = NULL;
	if (!region)
		region = c->region;
	if (s_parse_url(c->endpoint, &u, err) != 0)
		return -1;
	int64_t now_s = bw_now_ms() / 1000;
	if (bw_time_amzdate((double)now_s, amz_date, sizeof amz_date) != 0 ||
	    !(body = json_dumps(request, JSON_COMPACT)) ||
	    s_build(c, &u, op, amz_date, body, &req) != 0) {
		bw_kmsfile_fail(err, "out of memory");
		goto done;
	}
	struct bw_sigv4_sign_params sp = {
		.access_key_id = c->access_key_id,
		.secret = bw_cur_from(c->secret.data, c->secret.len),
		.region = region,
		.service = "kms",
		.time_s = now_s,
	};
	if (bw_sigv4_sign(&req, &sp, &auth) != BW_SIGV4_OK) {
		bw_kmsfile_fail(err, "cannot sign the request (check the access key id and region)");
		goto done;
	}
	if (bw_buf_append_str(&wire, "POST / HTTP/1.1\r\n") != 0)
		goto oom;
	for (size_t i = 0; i < req.nheaders; i++)
		if (bw_buf_appendf(&wire, "%s: %s\r\n", req.headers[i].name, req.headers[i].value) != 0)
			goto oom;
	if (bw_buf_appendf(&wire, "Authorization: %s\r\nContent-Length: %zu\r\n"
	                          "Connection: close\r\nUser-Agent: bulwark-kmsfile\r\n\r\n",
	                   bw_buf_cstr(&auth), req.body_len) != 0 ||
	    bw_buf_append(&wire, req.body, req.body_len) != 0)
		goto oom;
	if ((conn.fd = s_connect(&u, timeout_ms, err)) < 0)
		goto done;
	if (u.tls && s_tls(&conn, &u, c->ca_bundle, err) != 0)
		goto done;
	if (s_send_all(&conn, wire.data, wire.len, err) != 0)
		goto done;
	size_t head_len;
	long clen;
	uint64_t deadline_ns = bw_mono_ns() + (uint64_t)timeout_ms * 2000000u;
	if (s_read_response(&conn, &resp, &head_len, &clen, deadline_ns, err) != 0)
		goto done;
	unsigned status = 0;
	if (sscanf((char *)resp.data, "HTTP/1.%*1[01] %3u", &status) != 1 || status < 100 ||
	    status > 599) {
		bw_kmsfile_fail(err, "KMS %s: the server's answer is not HTTP", op);
		goto done;
	}
	const char *jb = (const char *)resp.data + head_len;
	size_t jlen = (size_t)clen;
	json_error_t je;
	json_t *j = NULL;
	if (jlen > 0 && bw_json_depth_within(jb, jlen, 32))
		j = json_loadb(jb, jlen, 0, &je);
	if (status < 200 || status > 299) {
		char raw[256], code[128];
		s_header(&resp, head_len, "x-amzn-errortype", raw, sizeof raw);
		if (!raw[0] && json_is_string(json_object_get(j, "__type")))
			snprintf(raw, sizeof raw, "%s", json_string_value(json_object_get(j, "__type")));
		s_error_code(raw[0] ? raw : "UnknownError", code, sizeof code);
		const char *msg = json_string_value(json_object_get(j, "message"));
		if (!msg)
			msg = json_string_value(json_object_get(j, "Message"));
		bw_kmsfile_fail(err, "KMS %s failed (HTTP %u): %s: %s", op, status, code,
		                msg ? msg : "(no message)");
		json_decref(j);
		goto done;
	}
	if (!json_is_object(j)) {
		bw_kmsfile_fail(err, "KMS %s: the response is not a JSON object", op);
		json_decref(j);
		goto done;
	}
	*response = j;
	rc = 0;
	goto done;
oom:
	bw_kmsfile_fail(err, "out of memory");
done:
	s_close(&conn);
	free(body);
	bw_req_free(&req);
	bw_buf_free(&auth);
	bw_buf_free(&wire);
	bw_buf_free(&resp);
	return rc;
}
