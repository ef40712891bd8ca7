/*
 * server.h: the HTTP/1.1 server bulwark serves on (libevent).
 *
 * One event loop per thread, each with its own SO_REUSEPORT listener on the
 * same address. Requests are read whole (bounded), handed to the handler on
 * the loop that read them, and the response written back; keep-alive and
 * pipelining as HTTP/1.1 wants. bw_http_serve returns after SIGINT/SIGTERM,
 * once in-flight requests have been answered (or a grace period ran out).
 *
 * The server writes the framing: Content-Length (computed from the body;
 * a handler's own Content-Length counts only for HEAD, whose body is never
 * sent), Connection, no body or length for 204/304. The request parser and
 * its leniencies are described in http/parser.h; at most
 * BW_HTTP_DEFAULT_MAX_HEADERS header fields. A connection that has sent
 * nothing yet gets header_timeout_ms to start its first request.
 *
 * What a client that has not authenticated can hold is bounded
 * (docs/decisions/0100-connection-limits.md):
 *  - memory: a body over max_body_bytes is refused (413) on its
 *    Content-Length, before a byte of it is read; body buffers grow with the
 *    bytes that arrive, and every connection's request bytes (head, body,
 *    unparsed input) together stay under max_buffered_bytes: a connection
 *    that would pass it is answered 503 and closed;
 *  - connections: at max_connections, or at max_connections_per_ip for
 *    its address (IPv6: its /64), a new connection closes the oldest idle
 *    one (connected, no request in flight) in its way; only when none is
 *    idle is it refused (503, closed at once). Idle connections can never
 *    lock out a new client;
 *  - time: the head within header_timeout_ms, the body with no pause
 *    longer than body_timeout_ms, keep-alive idle for idle_timeout_ms.
 *    Under pressure (connections or buffered bytes over 75% of their
 *    limit) heads, stalled bodies and idle connections older than
 *    pressure_timeout_ms are closed (408 for the first two; idle ones
 *    oldest first, until the pressure ends);
 *  - files: bw_http_serve raises the soft RLIMIT_NOFILE to the hard limit
 *    and lowers max_connections (logged) to what the limit leaves room for;
 *    the listen backlog asks for BW_HTTP_BACKLOG (http/listen.h).
 *
 * TLS (cfg->tls_cert): a connection whose first byte is 0x16 is served
 * over TLS 1.2/1.3, any other over plain HTTP, on the same port. The
 * handshake counts as part of the first request's head: it must be done
 * and the head in within header_timeout_ms of the connection.
 *
 * Deferred responses: a handler may fill resp and call bw_http_defer(resp)
 * instead of having it written at once; the loop then goes on serving other
 * connections and holds back further pipelined requests of that connection
 * (responses stay in order) until some thread calls bw_http_resume(). No
 * timeout fires for a connection waiting on its deferred response, and a
 * drain (SIGTERM, bw_http_stop) waits for it within the grace period.
 */
#ifndef BW_HTTP_SERVER_H
#define BW_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/message.h"

struct bw_http_limits {
	size_t max_header_bytes;      /* request line + headers; 431 beyond */
	size_t max_body_bytes;        /* 413 beyond (on Content-Length, before the body) */
	size_t max_buffered_bytes;    /* requests being read, all connections: 503 beyond */
	unsigned header_timeout_ms;   /* whole head must arrive within this: 408 */
	unsigned body_timeout_ms;     /* body must progress: 408 after this long without a byte */
	unsigned idle_timeout_ms;     /* keep-alive connection idle: closed */
	unsigned pressure_timeout_ms; /* the three above under pressure (see above) */
	unsigned max_connections;     /* per server; beyond: the oldest idle goes, or 503 */
	unsigned max_connections_per_ip; /* per client address (IPv6: per /64), likewise */
	unsigned shutdown_grace_ms;   /* in-flight requests get this long */
};

/* Sensible defaults: 16 KiB head, 8 MiB body, 256 MiB buffered, 10 s head,
 * 20 s body pause, 60 s idle, 2 s under pressure, 1024 connections, 256
 * per address, 10 s grace. A limit left 0 gets its default. */
#define BW_HTTP_DEFAULT_MAX_BODY_BYTES ((size_t)8 << 20)
#define BW_HTTP_DEFAULT_MAX_BUFFERED_BYTES ((size_t)256 << 20)
struct bw_http_limits bw_http_default_limits(void);

/* Runs on the loop thread that read the request. resp->status is preset to
 * 200 with an empty body; the handler sets status, headers and body. */
typedef void (*bw_http_handler_fn)(void *ctx, const struct bw_http_request *req,
                                   struct bw_http_response *resp);

/*
 * Defer the response the handler is filling. Call it only on the loop
 * thread, from inside the handler, with the resp the handler was given.
 * From then on req and resp belong to the returned handle: the handler's
 * own req and resp pointers must not be used again; reach them through
 * bw_http_deferred_request()/_response() (both valid until resume). NULL
 * when the response cannot be deferred (out of memory, or resp is not the
 * one being handled): the handler then answers synchronously as usual.
 */
struct bw_http_deferred;
BW_MUST_CHECK struct bw_http_deferred *bw_http_defer(struct bw_http_response *resp);
const struct bw_http_request *bw_http_deferred_request(const struct bw_http_deferred *d);
struct bw_http_response *bw_http_deferred_response(struct bw_http_deferred *d);

/*
 * Send the deferred response (as it stands now) on its connection. From
 * any thread, exactly once per handle; d is gone when it returns. If the
 * client left meanwhile, or the server already gave up on it (grace period
 * over), the response is dropped.
 */
void bw_http_resume(struct bw_http_deferred *d);

/*
 * bw_http_resume, and then done(arg, req, resp, sent) — once, always, so
 * it may free arg: on the connection's loop just before the response is
 * written (sent) or dropped because the client left (not sent); on the
 * resuming thread only when the server has already given up on it. For
 * work that belongs on the loop, not on the resuming thread (the gateway's
 * access log line).
 */
typedef void (*bw_http_answered_fn)(void *arg, const struct bw_http_request *req,
                                    const struct bw_http_response *resp, bool sent);
void bw_http_resume_then(struct bw_http_deferred *d, bw_http_answered_fn done, void *arg);

struct bw_http_server_config {
	const char *listen; /* "127.0.0.1:4566", "[::1]:4566"; port 0 picks one */
	int threads;        /* event loops; <= 0 means the number of cores */
	struct bw_http_limits limits;
	bw_http_handler_fn handler;
	void *ctx;
	/* TLS beside plain HTTP on the same port (http/tls.h): both files
	 * (PEM) or neither. require_tls: plain HTTP only from loopback; others
	 * get a 403 and are closed. */
	const char *tls_cert;
	const char *tls_key;
	bool require_tls;
	/* Optional: called once on the serving thread when every listener is
	 * bound, with ctx and the bound address ("127.0.0.1:40123"). */
	void (*on_listening)(void *ctx, const char *addr);
};

/*
 * Bind, log {"msg":"listening","addr":"127.0.0.1:PORT"} (the port actually
 * bound, so port 0 can be discovered), serve until SIGINT/SIGTERM, drain,
 * return 0. -1 if the address cannot be bound (logged).
 */
int bw_http_serve(const struct bw_http_server_config *cfg);

/* Ask every running bw_http_serve to drain and return, as SIGTERM does.
 * Safe from any thread (tests use it instead of raising a signal). */
void bw_http_stop(void);

#endif
