/*
 * server.c: the HTTP/1.1 server: listeners, one event loop per thread,
 * connections (read, parse, call the handler, write in order), the limits
 * (timeouts, connection caps, the memory budget, backpressure) and draining
 * on shutdown.
 *
 * Response framing, written down:
 *  - the status line is always HTTP/1.1; Content-Length is always computed
 *    here from the body (a handler's Content-Length, Connection and
 *    Transfer-Encoding headers are dropped), except:
 *  - HEAD: no body is sent; Content-Length is the handler's own header if
 *    it set one (the size a GET would have), else the length of whatever
 *    body it produced;
 *  - 204 and 304: no body and no Content-Length (RFC 9110 8.6);
 *  - Connection: close when this is the connection's last response;
 *    Connection: keep-alive to an HTTP/1.0 client that asked for it.
 *  - Date: the handler sets it (the gateway, on each of its responses);
 *    the answers written here alone (s_send_error, s_refuse) get their own.
 * Header names or values a handler sets with CR, LF or NUL are dropped
 * (response splitting) and logged.
 *
 * Closing after an error (400/408/413/431/501/503/505): the response is
 * flushed, the write side shut down, and what the client still sends is
 * read and discarded for a moment (a "lingering close"), so the client
 * reads the error instead of a reset.
 *
 * Limits (server.h says what; docs/decisions/0100 why):
 *  - the budget: srv->held counts the request bytes every connection
 *    holds: its parser's buffers and its unparsed input (at most S_IN_HIGH,
 *    the read watermark). Body growth is charged before it happens
 *    (s_charge, the parser's gate); the rest is settled after each read
 *    (s_conn_settle), which also gives back what a taken or failed request
 *    released. A request handed to the handler no longer counts.
 *  - room for new clients: each loop keeps its idle connections (no
 *    request in flight, nothing to send) on a list, oldest first. A new
 *    connection over its address's limit closes that address's oldest idle
 *    one on its own loop; over max_connections, the server's oldest idle
 *    one: at once if its loop is this one, else that loop is asked to (each
 *    loop publishes how old its oldest is) and the cap is overrun, by at
 *    most S_OVER_CAP, until it has. Nothing idle: refused with a canned
 *    503 and closed at once, no bufferevent, no linger.
 *  - pressure: past 75% of max_connections or of the budget, each loop's
 *    sweep timer closes heads, stalled bodies and idle connections older
 *    than pressure_timeout_ms (s_sweep_cb); the connections' own timers
 *    keep their full length.
 *
 * Deferred responses (bw_http_defer / bw_http_resume): the handler's
 * request and response move into a heap handle, the connection stops
 * parsing (pipelined requests wait, so responses stay in order) and runs no
 * timer. bw_http_resume, from any thread, queues the handle on its loop's
 * hub (a mutex-protected list plus an event made active); the loop writes
 * the response as it would have and goes on with the connection. A client
 * that leaves meanwhile leaves a "gone" connection behind (socket closed,
 * still listed, so a drain waits for it) that is freed when its handle
 * comes back. The hub is refcounted by the handles: one resumed after the
 * server gave up on it (grace period over, server returned) finds the hub
 * dead and only frees itself.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include <openssl/err.h>

#include "core/ids.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/timeutil.h"
#include "http/listen.h"
#include "http/parser.h"
#include "http/peers.h"
#include "http/tls.h"

/* Stop reading a connection while this much response waits to be sent. */
#define S_OUT_HIGH ((size_t)64 << 10)
/* Read no further ahead than this: while a connection's requests wait (a
 * deferred response, output backed up) its input buffer stops here. */
#define S_IN_HIGH ((size_t)64 << 10)
/* Bodies at least this large are handed to the evbuffer, not copied. */
#define S_BODY_BY_REF 65536
/* How long a lingering close waits for the client to finish sending. */
#define S_LINGER_MS 1000u
/* How far past max_connections a loop may go while another loop closes an
 * idle connection for it. */
#define S_OVER_CAP 64u
/* Descriptors left for the rest of the process (store files, each loop's
 * epoll and notification fds, logs) when the file limit bounds connections. */
#define S_FD_RESERVE 64u
#define S_FD_RESERVE_PER_LOOP 16u
/* How soon a listener that ran out of descriptors tries again. */
#define S_ACCEPT_RETRY_MS 100u
/* Closed idle connections and refusals are logged at most this often per
 * loop: under attack, one line per connection would be a second attack. */
#define S_NOTE_INTERVAL_NS (10ull * 1000000000ull)

enum s_mode {
	S_OPEN,    /* reading requests */
	S_CLOSING, /* last response queued: flush it, then close */
	S_LINGER,  /* flushed and write side shut: discard input, then close */
};

enum s_timer {
	S_T_NONE = -1,
	S_T_IDLE,
	S_T_HEAD,
	S_T_BODY,
	S_T_LINGER,
};

struct s_server;
struct s_conn;

/* Where resumed handles come back to a loop from any thread. */
struct s_hub {
	pthread_mutex_t lock;
	struct event *ev; /* on the loop; made active when ready gets one */
	struct bw_http_deferred *ready, *ready_tail;
	unsigned refs;    /* the loop's own, plus one per outstanding handle */
	bool dead;        /* the loop is gone: handles just free themselves */
};

struct bw_http_deferred {
	struct s_hub *hub;
	struct s_conn *conn; /* only touched on the loop, while the hub lives */
	struct bw_http_deferred *next;
	struct bw_http_request req;
	struct bw_http_response resp;
	bool keep_alive;
	bw_http_answered_fn answered; /* bw_http_resume_then's, run once */
	void *answered_arg;
};

/* The request the loop thread is handing to the handler right now: what
 * bw_http_defer() needs to find its connection. */
struct s_current {
	struct s_conn *c;
	struct bw_http_request *req;
	struct bw_http_response *resp;
	bool keep_alive;
	struct bw_http_deferred *d;
};
static _Thread_local struct s_current *t_cur;

struct s_conn {
	struct s_loop *loop;
	struct s_conn *prev, *next;
	struct s_conn *idle_prev, *idle_next; /* on loop's idle list when in_idle */
	bool in_idle;
	uint64_t idle_since_ns;
	uint64_t last_read_ns; /* the body timeout runs from here */
	size_t held;           /* bytes charged to the server's budget */
	struct bw_http_peer peer;
	struct bufferevent *bev;
	struct event *timer;
	struct bw_http_parser parser;
	struct bw_buf scratch; /* the response head, reused */
	enum s_mode mode;
	bool linger;   /* lingering close once flushed */
	bool counted;  /* holds a slot of max_connections and of its address */
	bool paused;   /* reading stopped until output drains */
	bool gone;     /* closed while deferred: freed when the handle returns */
	struct bw_http_deferred *deferred; /* the response being waited for */
	int armed;     /* enum s_timer the timer runs for */
	uint64_t armed_seq;
	uint64_t seq;  /* requests taken so far */
	char peer_ip[64];
	uint16_t peer_port;
	/* Before its first byte tells TLS from plain HTTP (only when TLS is
	 * on): the socket is watched by sniff alone and bev is NULL. */
	evutil_socket_t fd;
	struct event *sniff;
	uint64_t accepted_ns; /* the first head's deadline runs from here */
	bool loopback;
	bool tls;
};

struct s_loop {
	struct s_server *srv;
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *drain_ev; /* made active from any thread to start draining */
	struct event *grace_ev;
	struct s_hub *hub;
	struct s_conn *conns;
	struct s_conn *idle_head, *idle_tail; /* idle connections, oldest first */
	atomic_uint nidle;      /* their number, for other loops to read */
	atomic_uint_fast64_t idle_oldest_ns; /* idle_head's idle_since_ns; 0: none */
	atomic_uint evict_owed; /* idle ones other loops asked this one to close */
	struct event *evict_ev; /* made active by those other loops */
	struct event *sweep_ev; /* under pressure: the short timeouts */
	struct event *accept_retry_ev;
	uint64_t noted_ns;      /* the last "connection limits" log line */
	unsigned closed_idle, refused; /* since then */
	pthread_t thread;
	bool thread_started;
	bool draining;
};

struct s_server {
	const struct bw_http_server_config *cfg;
	struct bw_http_limits lim;
	struct bw_http_parser_limits plim;
	struct s_loop *loops;
	int nloops;
	unsigned max_conns;    /* lim.max_connections, lowered to fit the file limit */
	atomic_uint nconns;
	atomic_size_t held;    /* request bytes held by every connection */
	struct bw_http_peers *peers;
	atomic_bool stopping;
	struct event *stop_ev; /* on loop 0 */
	struct event *sig_int;
	struct event *sig_term;
	struct s_server *next_running;
	SSL_CTX *tls; /* NULL: plain HTTP only */
};

/* Servers bw_http_stop() can reach. */
static pthread_mutex_t g_running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s_server *g_running;
static pthread_once_t g_evthread_once = PTHREAD_ONCE_INIT;
static int g_evthread_rc;

static void s_evthread_init(void)
{
	g_evthread_rc = evthread_use_pthreads();
}

struct bw_http_limits bw_http_default_limits(void)
{
	return (struct bw_http_limits){
		.max_header_bytes = 16384,
		.max_body_bytes = BW_HTTP_DEFAULT_MAX_BODY_BYTES,
		.max_buffered_bytes = BW_HTTP_DEFAULT_MAX_BUFFERED_BYTES,
		.header_timeout_ms = 10000,
		.body_timeout_ms = 20000,
		.idle_timeout_ms = 60000,
		.pressure_timeout_ms = 2000,
		.max_connections = 1024,
		.max_connections_per_ip = 256,
		.shutdown_grace_ms = 10000,
	};
}

/* A limit left 0 takes its default. */
static struct bw_http_limits s_limits_or_defaults(struct bw_http_limits lim)
{
	struct bw_http_limits d = bw_http_default_limits();
	if (lim.max_header_bytes == 0)
		lim.max_header_bytes = d.max_header_bytes;
	if (lim.max_body_bytes == 0)
		lim.max_body_bytes = d.max_body_bytes;
	if (lim.max_buffered_bytes == 0)
		lim.max_buffered_bytes = d.max_buffered_bytes;
	if (lim.header_timeout_ms == 0)
		lim.header_timeout_ms = d.header_timeout_ms;
	if (lim.body_timeout_ms == 0)
		lim.body_timeout_ms = d.body_timeout_ms;
	if (lim.idle_timeout_ms == 0)
		lim.idle_timeout_ms = d.idle_timeout_ms;
	if (lim.pressure_timeout_ms == 0)
		lim.pressure_timeout_ms = d.pressure_timeout_ms;
	if (lim.max_connections == 0)
		lim.max_connections = d.max_connections;
	if (lim.max_connections_per_ip == 0)
		lim.max_connections_per_ip = d.max_connections_per_ip;
	return lim;
}

static struct timeval s_tv_ms(uint64_t ms)
{
	return (struct timeval){.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
}

/* ---- limits: pressure, the budget, idle connections ---------------------- */

/* Connections or buffered bytes past three quarters of their limit. */
static bool s_pressure(struct s_server *srv)
{
	unsigned n = atomic_load(&srv->nconns);
	size_t held = atomic_load(&srv->held);
	return n > srv->max_conns / 4 * 3 || held > srv->lim.max_buffered_bytes / 4 * 3;
}

/* The parser's gate on body growth: take bytes from the budget, or not. */
static bool s_charge(void *ctx, size_t bytes)
{
	struct s_conn *c = ctx;
	struct s_server *srv = c->loop->srv;
	size_t before = atomic_fetch_add(&srv->held, bytes);
	if (bytes > srv->lim.max_buffered_bytes || before > srv->lim.max_buffered_bytes - bytes) {
		atomic_fetch_sub(&srv->held, bytes);
		return false;
	}
	c->held += bytes;
	return true;
}

/* Bring the connection's share of the budget in line with what it holds
 * now: its parser's buffers and its unparsed input. Heads, small bodies and
 * input are counted here, after the fact (each is bounded per connection);
 * bodies were charged before they grew. False when the share grew and the
 * budget is now over. */
static bool s_conn_settle(struct s_conn *c)
{
	struct s_server *srv = c->loop->srv;
	size_t now = bw_http_parser_held(&c->parser);
	if (c->bev)
		now += evbuffer_get_length(bufferevent_get_input(c->bev));
	if (now <= c->held) {
		atomic_fetch_sub(&srv->held, c->held - now);
		c->held = now;
		return true;
	}
	size_t more = now - c->held;
	size_t total = atomic_fetch_add(&srv->held, more) + more;
	c->held = now;
	return total <= srv->lim.max_buffered_bytes;
}

/* What other loops see of this loop's idle list: how old its oldest is. */
static void s_idle_publish(struct s_loop *loop)
{
	atomic_store(&loop->idle_oldest_ns, loop->idle_head ? loop->idle_head->idle_since_ns : 0);
}

static void s_idle_unlink(struct s_conn *c)
{
	struct s_loop *loop = c->loop;
	if (!c->in_idle)
		return;
	bool was_head = loop->idle_head == c;
	if (c->idle_prev)
		c->idle_prev->idle_next = c->idle_next;
	else
		loop->idle_head = c->idle_next;
	if (c->idle_next)
		c->idle_next->idle_prev = c->idle_prev;
	else
		loop->idle_tail = c->idle_prev;
	c->idle_prev = c->idle_next = NULL;
	c->in_idle = false;
	atomic_fetch_sub(&loop->nidle, 1);
	if (was_head)
		s_idle_publish(loop);
}

/* Idle: open, no request begun or waiting, nothing to send. Such a
 * connection costs its client nothing to keep, so it is what makes room. */
static void s_idle_update(struct s_conn *c)
{
	/* one still to send its first byte is idle too: evicting it must
	 * make room whether TLS is on or not */
	bool idle = c->sniff ||
	            (c->bev && c->mode == S_OPEN && !c->deferred && !c->paused &&
	             bw_http_parser_phase(&c->parser) == BW_HTTP_PHASE_IDLE &&
	             evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
	             evbuffer_get_length(bufferevent_get_input(c->bev)) == 0);
	if (idle == c->in_idle)
		return;
	if (!idle) {
		s_idle_unlink(c);
		return;
	}
	struct s_loop *loop = c->loop;
	c->idle_since_ns = bw_mono_ns();
	c->idle_prev = loop->idle_tail;
	c->idle_next = NULL;
	if (loop->idle_tail)
		loop->idle_tail->idle_next = c;
	else
		loop->idle_head = c;
	loop->idle_tail = c;
	c->in_idle = true;
	atomic_fetch_add(&loop->nidle, 1);
	if (loop->idle_head == c)
		s_idle_publish(loop);
}

/* The loop's oldest idle connection (from peer, if given), or NULL. */
static struct s_conn *s_oldest_idle(struct s_loop *loop, const struct bw_http_peer *peer)
{
	for (struct s_conn *c = loop->idle_head; c; c = c->idle_next) {
		if (!peer || memcmp(c->peer.addr, peer->addr, sizeof peer->addr) == 0)
			return c;
	}
	return NULL;
}

/* Count a closed idle connection or a refusal; say so now and then. */
static void s_note(struct s_loop *loop, unsigned *counter)
{
	struct s_server *srv = loop->srv;
	(*counter)++;
	uint64_t now = bw_mono_ns();
	if (loop->noted_ns && now - loop->noted_ns < S_NOTE_INTERVAL_NS)
		return;
	loop->noted_ns = now;
	bw_log(BW_LOG_WARN, "connection limits",
	       json_pack("{s:i, s:i, s:i, s:i, s:I}", "closed_idle", (int)loop->closed_idle,
	                 "refused", (int)loop->refused, "connections",
	                 (int)atomic_load(&srv->nconns), "max_connections", (int)srv->max_conns,
	                 "buffered_bytes", (json_int_t)atomic_load(&srv->held)));
	loop->closed_idle = loop->refused = 0;
}

/* ---- connections -------------------------------------------------------- */

static void s_loop_maybe_done(struct s_loop *loop)
{
	if (loop->draining && !loop->conns)
		event_base_loopexit(loop->base, NULL);
}

/* Free a connection outright (the grace period is over, or nothing of it is
 * outstanding). A handle still out for it never touches it again: the hub
 * is dead by then, or the handle is already back. */
static void s_conn_destroy(struct s_conn *c)
{
	struct s_loop *loop = c->loop;
	if (c->prev)
		c->prev->next = c->next;
	else
		loop->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s_idle_unlink(c);
	if (c->counted) {
		atomic_fetch_sub(&loop->srv->nconns, 1);
		bw_http_peers_remove(loop->srv->peers, &c->peer);
	}
	atomic_fetch_sub(&loop->srv->held, c->held);
	if (c->timer)
		event_free(c->timer);
	if (c->sniff)
		event_free(c->sniff);
	if (c->bev)
		bufferevent_free(c->bev);
	else if (c->fd >= 0)
		evutil_closesocket(c->fd);
	bw_http_parser_free(&c->parser);
	bw_buf_free(&c->scratch);
	free(c);
	s_loop_maybe_done(loop);
}

/* Close a connection; one whose response is deferred keeps its struct
 * (the handle points to it) until the handle comes back. */
static void s_conn_free(struct s_conn *c)
{
	if (!c->deferred) {
		s_conn_destroy(c);
		return;
	}
	if (c->timer) {
		event_free(c->timer);
		c->timer = NULL;
	}
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	c->gone = true;
	bw_http_parser_free(&c->parser);
	(void)s_conn_settle(c); /* only gives back: its input went with the socket */
}

/* Close an idle connection to make room (it has no request to answer). */
static void s_evict(struct s_conn *c)
{
	s_note(c->loop, &c->loop->closed_idle);
	s_conn_free(c);
}

static void s_arm(struct s_conn *c, int kind, uint64_t ms)
{
	struct timeval tv = s_tv_ms(ms);
	c->armed = kind;
	c->armed_seq = c->seq;
	evtimer_add(c->timer, &tv);
}

static void s_disarm(struct s_conn *c)
{
	c->armed = S_T_NONE;
	evtimer_del(c->timer);
}

/* Keep the one timer of a connection on the deadline its phase calls for;
 * it moves only when the phase (or the request) changes. */
static void s_conn_rearm(struct s_conn *c)
{
	const struct bw_http_limits *lim = &c->loop->srv->lim;
	if (c->deferred) {
		s_disarm(c); /* the handler owns the pace now */
		return;
	}
	if (c->mode != S_OPEN || c->paused) {
		if (c->mode == S_CLOSING || c->paused)
			s_disarm(c); /* the bufferevent's write timeout watches the flush */
		return;
	}
	enum bw_http_phase ph = bw_http_parser_phase(&c->parser);
	int kind = ph == BW_HTTP_PHASE_HEAD ? S_T_HEAD : ph == BW_HTTP_PHASE_BODY ? S_T_BODY : S_T_IDLE;
	if (kind == c->armed && c->armed_seq == c->seq)
		return;
	uint64_t ms;
	if (kind == S_T_HEAD) {
		/* the whole head within header_timeout_ms of its first byte */
		uint64_t spent_ms = (bw_mono_ns() - c->parser.req.start_ns) / 1000000u;
		ms = spent_ms >= lim->header_timeout_ms ? 0 : lim->header_timeout_ms - spent_ms;
	} else if (kind == S_T_BODY) {
		ms = lim->body_timeout_ms; /* from the last byte: s_timer_cb moves it */
	} else {
		/* a new connection must start its first request like a head would */
		if (c->seq == 0) {
			/* counted from the connection, so that a TLS handshake and
			 * the sniffing before it are inside the head's deadline */
			uint64_t spent_ms = (bw_mono_ns() - c->accepted_ns) / 1000000u;
			ms = spent_ms >= lim->header_timeout_ms ? 0 : lim->header_timeout_ms - spent_ms;
		} else {
			ms = lim->idle_timeout_ms;
		}
	}
	s_arm(c, kind, ms);
}

/*
 * The Date of the answers this layer writes itself (the gateway dates its
 * own): RFC 9110 6.6.1 wants one on every response of a server with a
 * clock, and SDKs correct a skewed client clock from it, whatever answered.
 */
static void s_http_date(char out[40])
{
	if (bw_time_rfc822((double)(bw_now_ms() / 1000), out, 40) != 0)
		snprintf(out, 40, "%s", "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* A small JSON error, then close. msg is static text without quotes. */
static void s_send_error(struct s_conn *c, unsigned status, const char *msg)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char body[256], request_id[BW_REQUEST_ID_LEN + 1], date[40];
	bw_request_id(request_id);
	s_http_date(date);
	int blen = snprintf(body, sizeof body, "{\"message\":\"%s\"}", msg);
	if (blen < 0 || (size_t)blen >= sizeof body)
		blen = snprintf(body, sizeof body, "{\"message\":\"error\"}");
	evbuffer_add_printf(out,
	                    "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
	                    "x-amzn-RequestId: %s\r\nDate: %s\r\n"
	                    "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
	                    status, bw_http_reason(status), request_id, date, blen, body);
	/* the access log counts what never reached the gateway too */
	bw_log(BW_LOG_INFO, "request",
	       json_pack("{s:i, s:s, s:s, s:s}", "status", (int)status, "error", msg, "request_id",
	                 request_id, "peer", c->peer_ip));
	c->mode = S_CLOSING;
	c->linger = true;
	bufferevent_disable(c->bev, EV_READ);
	s_idle_unlink(c);
	/* what the failed request held is given back now, not after the linger */
	bw_http_parser_free(&c->parser);
	(void)s_conn_settle(c);
}

static bool s_header_ok(const struct bw_header *h)
{
	if (!h->name || !h->value || !*h->name)
		return false;
	for (const char *s = h->name; *s; s++) {
		if ((unsigned char)*s <= 0x20 || *s == ':' || (unsigned char)*s >= 0x7f)
			return false;
	}
	return strpbrk(h->value, "\r\n") == NULL;
}

static void s_free_ref(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	free(arg);
}

static int s_write_response(struct s_conn *c, const struct bw_http_request *req,
                            struct bw_http_response *resp, bool last)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct bw_buf *h = &c->scratch;
	bw_buf_reset(h);
	unsigned status = resp->status;
	if (status < 200 || status > 599) {
		bw_log(BW_LOG_ERROR, "handler set an invalid status",
		       json_pack("{s:i}", "status", (int)status));
		status = 500;
		bw_buf_free(&resp->body);
	}
	bool head = strcmp(req->method, "HEAD") == 0;
	bool bodyless = status == 204 || status == 304;
	const char *handler_cl = NULL;
	int rc = bw_buf_appendf(h, "HTTP/1.1 %u %s\r\n", status, bw_http_reason(status));
	for (size_t i = 0; i < resp->nheaders && rc == 0; i++) {
		const struct bw_header *hd = &resp->headers[i];
		if (!s_header_ok(hd)) {
			bw_log(BW_LOG_WARN, "dropped an invalid response header", NULL);
			continue;
		}
		if (strcasecmp(hd->name, "content-length") == 0) {
			handler_cl = hd->value;
			continue;
		}
		if (strcasecmp(hd->name, "connection") == 0 ||
		    strcasecmp(hd->name, "transfer-encoding") == 0)
			continue;
		rc = bw_buf_appendf(h, "%s: %s\r\n", hd->name, hd->value);
	}
	if (rc == 0 && !bodyless) {
		if (head && handler_cl && strspn(handler_cl, "0123456789") == strlen(handler_cl) &&
		    *handler_cl)
			rc = bw_buf_appendf(h, "Content-Length: %s\r\n", handler_cl);
		else
			rc = bw_buf_appendf(h, "Content-Length: %zu\r\n", resp->body.len);
	}
	if (rc == 0 && last)
		rc = bw_buf_append_str(h, "Connection: close\r\n");
	else if (rc == 0 && req->http_minor == 0)
		rc = bw_buf_append_str(h, "Connection: keep-alive\r\n");
	if (rc == 0)
		rc = bw_buf_append(h, "\r\n", 2);
	if (rc != 0 || evbuffer_add(out, h->data, h->len) != 0)
		return -1;
	if (head || bodyless || resp->body.len == 0)
		return 0;
	if (resp->body.len >= S_BODY_BY_REF && !resp->body.secret) {
		/* a large body is handed over, not copied */
		size_t len = resp->body.len;
		uint8_t *data = (uint8_t *)bw_buf_steal(&resp->body);
		if (evbuffer_add_reference(out, data, len, s_free_ref, data) != 0) {
			free(data);
			return -1;
		}
		return 0;
	}
	return evbuffer_add(out, resp->body.data, resp->body.len);
}

/* Queue the handler's response; the last one (the client or a drain asked
 * for it, or the client stopped sending) closes the connection. */
static void s_answer(struct s_conn *c, const struct bw_http_request *req,
                     struct bw_http_response *resp, bool keep_alive)
{
	bool last = !keep_alive || c->loop->draining || c->mode != S_OPEN;
	if (s_write_response(c, req, resp, last) != 0) {
		bw_log(BW_LOG_ERROR, "could not queue a response", NULL);
		s_send_error(c, 500, "internal error");
		return;
	}
	if (last) {
		c->mode = S_CLOSING;
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > S_OUT_HIGH) {
		/* a client that pipelines but does not read waits for us */
		c->paused = true;
		bufferevent_disable(c->bev, EV_READ);
	}
}

static void s_handle(struct s_conn *c)
{
	struct s_server *srv = c->loop->srv;
	bool keep_alive = c->parser.keep_alive;
	struct bw_http_request req;
	bw_http_parser_take(&c->parser, &req);
	c->seq++;
	memcpy(req.peer_ip, c->peer_ip, sizeof req.peer_ip);
	req.peer_port = c->peer_port;
	req.tls = c->tls;
	if (c->tls)
		bw_http_tls_describe(bufferevent_openssl_get_ssl(c->bev), req.tls_version,
		                     sizeof req.tls_version, req.tls_cipher, sizeof req.tls_cipher);

	struct bw_http_response resp = {.status = 200};
	struct s_current cur = {.c = c, .req = &req, .resp = &resp, .keep_alive = keep_alive};
	t_cur = &cur;
	srv->cfg->handler(srv->cfg->ctx, &req, &resp);
	t_cur = NULL;
	if (cur.d) {
		/* req and resp moved into the handle; bw_http_resume answers */
		s_disarm(c);
		return;
	}
	s_answer(c, &req, &resp, keep_alive);
	bw_resp_free(&resp);
	bw_req_free(&req);
}

/* ---- deferred responses ------------------------------------------------- */

static void s_hub_release(struct s_hub *hub)
{
	pthread_mutex_lock(&hub->lock);
	bool last = --hub->refs == 0;
	pthread_mutex_unlock(&hub->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&hub->lock);
	free(hub);
}

/* The resumer's callback, if any and not run yet. */
static void s_deferred_answered(struct bw_http_deferred *d, bool sent)
{
	bw_http_answered_fn fn = d->answered;
	d->answered = NULL;
	if (fn)
		fn(d->answered_arg, &d->req, &d->resp, sent);
}

static void s_deferred_free(struct bw_http_deferred *d)
{
	struct s_hub *hub = d->hub;
	s_deferred_answered(d, false);
	bw_resp_free(&d->resp);
	bw_req_free(&d->req);
	free(d);
	s_hub_release(hub);
}

struct bw_http_deferred *bw_http_defer(struct bw_http_response *resp)
{
	struct s_current *cur = t_cur;
	if (!cur || !resp || cur->resp != resp || cur->d)
		return NULL;
	struct s_hub *hub = cur->c->loop->hub;
	struct bw_http_deferred *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	pthread_mutex_lock(&hub->lock);
	hub->refs++;
	pthread_mutex_unlock(&hub->lock);
	d->hub = hub;
	d->conn = cur->c;
	d->keep_alive = cur->keep_alive;
	d->req = *cur->req;
	d->resp = *cur->resp;
	/* a stale use of the handler's own pointers finds nothing to free */
	*cur->req = (struct bw_http_request){0};
	*cur->resp = (struct bw_http_response){0};
	cur->d = d;
	cur->c->deferred = d;
	return d;
}

const struct bw_http_request *bw_http_deferred_request(const struct bw_http_deferred *d)
{
	return &d->req;
}

struct bw_http_response *bw_http_deferred_response(struct bw_http_deferred *d)
{
	return &d->resp;
}

void bw_http_resume_then(struct bw_http_deferred *d, bw_http_answered_fn done, void *arg)
{
	if (!d)
		return;
	d->answered = done;
	d->answered_arg = arg;
	bw_http_resume(d);
}

void bw_http_resume(struct bw_http_deferred *d)
{
	if (!d)
		return;
	struct s_hub *hub = d->hub;
	pthread_mutex_lock(&hub->lock);
	if (!hub->dead) {
		/* under the lock: the loop frees ev only after marking dead */
		d->next = NULL;
		/* the first handle back activates the hub's event; those after it,
		 * until the loop takes the list, ride on that activation (a group
		 * of answers from one commit costs one wakeup, not one each) */
		if (hub->ready_tail) {
			hub->ready_tail->next = d;
		} else {
			hub->ready = d;
			event_active(hub->ev, EV_TIMEOUT, 0);
		}
		hub->ready_tail = d;
		pthread_mutex_unlock(&hub->lock);
		return;
	}
	pthread_mutex_unlock(&hub->lock);
	s_deferred_free(d);
}

/* On the loop: the loop is going away; handles still out free themselves
 * when they come back, those already back are dropped now. */
static void s_hub_kill(struct s_hub *hub)
{
	if (!hub)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->dead = true;
	struct bw_http_deferred *d = hub->ready;
	hub->ready = hub->ready_tail = NULL;
	pthread_mutex_unlock(&hub->lock);
	while (d) {
		struct bw_http_deferred *next = d->next;
		s_deferred_free(d);
		d = next;
	}
}

static void s_conn_process(struct s_conn *c);
static void s_read_cb(struct bufferevent *bev, void *arg);
static void s_write_cb(struct bufferevent *bev, void *arg);
static void s_event_cb(struct bufferevent *bev, short what, void *arg);
static void s_timer_cb(evutil_socket_t fd, short what, void *arg);

static void s_hub_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct s_hub *hub = arg;
	pthread_mutex_lock(&hub->lock);
	struct bw_http_deferred *d = hub->dead ? NULL : hub->ready;
	if (d)
		hub->ready = hub->ready_tail = NULL;
	pthread_mutex_unlock(&hub->lock);
	while (d) {
		struct bw_http_deferred *next = d->next;
		struct s_conn *c = d->conn;
		c->deferred = NULL;
		if (c->gone) {
			s_conn_destroy(c);
		} else {
			s_deferred_answered(d, true);
			s_answer(c, &d->req, &d->resp, d->keep_alive);
			s_conn_process(c); /* pipelined requests held back, or the close */
		}
		s_deferred_free(d);
		d = next;
	}
}

/* Once the last response is flushed: close, or linger first. */
static void s_conn_finish(struct s_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	if (!c->linger && evbuffer_get_length(in) == 0) {
		s_conn_free(c);
		return;
	}
	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->tls) {
		/* close_notify first (RFC 8446 6.1): without it a client cannot
		 * tell our close from a truncation. The output is flushed, so
		 * the alert goes straight to the socket. */
		SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
		if (ssl)
			(void)SSL_shutdown(ssl);
		ERR_clear_error();
	}
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	c->mode = S_LINGER;
	c->paused = false;
	bufferevent_enable(c->bev, EV_READ);
	s_arm(c, S_T_LINGER, S_LINGER_MS);
}

/* Parse what has arrived and answer every complete request, in order. */
static void s_conn_process(struct s_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint64_t now = bw_mono_ns();
	while (c->mode == S_OPEN && !c->paused && !c->deferred && evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v;
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		size_t used = 0;
		enum bw_http_parse_rc rc = bw_http_parser_feed(&c->parser, v.iov_base, v.iov_len, now, &used);
		evbuffer_drain(in, used);
		switch (rc) {
		case BW_HTTP_PARSE_MORE:
			break;
		case BW_HTTP_PARSE_CONTINUE:
			evbuffer_add(out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
			break;
		case BW_HTTP_PARSE_REQUEST:
			s_handle(c);
			break;
		case BW_HTTP_PARSE_ERROR:
			s_send_error(c, c->parser.error_status, c->parser.error_msg);
			break;
		}
	}
	/* pipelined requests behind a deferred one wait in the input buffer,
	 * which stops growing at S_IN_HIGH (the read watermark) */
	if (!s_conn_settle(c) && c->mode == S_OPEN && !c->deferred)
		s_send_error(c, 503, "server busy: too many request bytes buffered");
	if (c->mode == S_CLOSING && !c->deferred && evbuffer_get_length(out) == 0) {
		s_conn_finish(c);
		return;
	}
	s_conn_rearm(c);
	s_idle_update(c);
}

static void s_read_cb(struct bufferevent *bev, void *arg)
{
	struct s_conn *c = arg;
	if (c->mode == S_LINGER) {
		struct evbuffer *in = bufferevent_get_input(bev);
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	c->last_read_ns = bw_mono_ns();
	s_conn_process(c);
}

static void s_write_cb(struct bufferevent *bev, void *arg)
{
	struct s_conn *c = arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	if (c->deferred)
		return; /* its response is still to come: resuming goes on from here */
	if (c->mode == S_CLOSING) {
		s_conn_finish(c);
		return;
	}
	if (c->mode == S_OPEN && c->paused) {
		c->paused = false;
		bufferevent_enable(bev, EV_READ);
		s_conn_process(c);
		return;
	}
	s_idle_update(c); /* its last response is out: idle now, perhaps */
}

static void s_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct s_conn *c = arg;
	if (what & BEV_EVENT_CONNECTED)
		return; /* a TLS handshake done: the request comes by s_read_cb */
	if ((what & BEV_EVENT_EOF) && c->mode != S_LINGER &&
	    (c->deferred || evbuffer_get_length(bufferevent_get_output(bev)) > 0)) {
		/* the client finished sending; let it read what it asked for */
		c->mode = S_CLOSING;
		c->linger = false;
		s_disarm(c);
		return;
	}
	s_conn_free(c);
}

static void s_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct s_conn *c = arg;
	struct s_server *srv = c->loop->srv;
	int kind = c->armed;
	c->armed = S_T_NONE;
	if (kind == S_T_LINGER || c->mode != S_OPEN) {
		s_conn_free(c);
		return;
	}
	if (kind == S_T_IDLE) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
			s_arm(c, S_T_IDLE, srv->lim.idle_timeout_ms);
			return;
		}
		s_conn_free(c);
		return;
	}
	if (kind == S_T_BODY) {
		/* a body that keeps coming, however slowly, is not cut off; one
		 * that stopped is (R-U-Dead-Yet holds its buffer otherwise) */
		uint64_t quiet_ms = (bw_mono_ns() - c->last_read_ns) / 1000000u;
		uint64_t limit_ms = srv->lim.body_timeout_ms;
		if (quiet_ms < limit_ms) {
			s_arm(c, S_T_BODY, limit_ms - quiet_ms);
			return;
		}
	}
	/* slowloris: the head did not arrive in time, or the body stalled */
	s_send_error(c, 408, "request timed out");
}

/* ---- TLS or plain ------------------------------------------------------- */

/* The connection's bufferevent, over TLS or not; then served as usual.
 * -1: it could not be made and the connection is gone. */
static int s_conn_start(struct s_conn *c, bool tls)
{
	struct s_loop *loop = c->loop;
	struct s_server *srv = loop->srv;
	if (tls) {
		SSL *ssl = SSL_new(srv->tls);
		if (ssl)
			c->bev = bufferevent_openssl_socket_new(loop->base, c->fd, ssl,
			                                        BUFFEREVENT_SSL_ACCEPTING,
			                                        BEV_OPT_CLOSE_ON_FREE);
		if (!c->bev) {
			SSL_free(ssl); /* libevent leaves it to us when it fails */
			s_conn_destroy(c);
			return -1;
		}
		/* a client that closes without close_notify (most do, once they
		 * have their response) is at its end, not under attack */
		bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
		c->tls = true;
	} else {
		c->bev = bufferevent_socket_new(loop->base, c->fd, BEV_OPT_CLOSE_ON_FREE);
		if (!c->bev) {
			s_conn_destroy(c);
			return -1;
		}
	}
	c->fd = -1; /* the bufferevent's now: closed with it */
	bufferevent_setcb(c->bev, s_read_cb, s_write_cb, s_event_cb, c);
	/* a client that stops reading our response is cut off */
	struct timeval wtv = s_tv_ms(srv->lim.idle_timeout_ms);
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, S_IN_HIGH);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	s_conn_rearm(c);
	s_idle_update(c);
	return 0;
}

/*
 * The first byte has come (or the head's time ran out before it did).
 * It is peeked, not read: whichever bufferevent takes the socket reads it
 * again, the TLS one as the start of the ClientHello.
 */
static void s_sniff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct s_conn *c = arg;
	struct s_server *srv = c->loop->srv;
	if (what & EV_TIMEOUT) {
		s_conn_free(c); /* silent, as a plain connection that never spoke */
		return;
	}
	unsigned char first;
	ssize_t n = recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		uint64_t spent_ms = (bw_mono_ns() - c->accepted_ns) / 1000000u;
		uint64_t lim_ms = srv->lim.header_timeout_ms;
		struct timeval tv = s_tv_ms(spent_ms >= lim_ms ? 0 : lim_ms - spent_ms);
		if (event_add(c->sniff, &tv) != 0)
			s_conn_free(c);
		return;
	}
	if (n <= 0) {
		s_conn_free(c); /* closed or reset before a byte */
		return;
	}
	event_free(c->sniff);
	c->sniff = NULL;
	bool tls = first == BW_HTTP_TLS_HANDSHAKE_BYTE && srv->tls;
	if (s_conn_start(c, tls) != 0 || tls ||
	    bw_http_plain_allowed(c->loopback, srv->cfg->require_tls))
		return;
	s_send_error(c, 403, "TLS required: this server takes plain HTTP only from loopback; "
	             "use https");
	s_conn_rearm(c);
}

/* ---- admission ---------------------------------------------------------- */

/*
 * A connection there is no room for: a canned 503 and close, now. No
 * bufferevent, no linger, no log line of its own: a refusal must cost
 * nothing beyond this call, or refusing becomes what runs out.
 */
static void s_refuse(struct s_loop *loop, evutil_socket_t fd)
{
	static const char body[] = "{\"message\":\"too many connections\"}";
	char resp[256], sink[4096], date[40];
	s_http_date(date);
	int n = snprintf(resp, sizeof resp,
	                 "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
	                 "Date: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	                 date, sizeof body - 1, body);
	/* read what already came, so closing sends FIN after the 503, not RST */
	(void)recv(fd, sink, sizeof sink, MSG_DONTWAIT);
	if (n > 0 && (size_t)n < sizeof resp)
		(void)send(fd, resp, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	evutil_closesocket(fd);
	s_note(loop, &loop->refused);
}

/* The loop holding the server's oldest idle connection (that it has not
 * already been asked to close), or NULL if no loop has one to spare. */
static struct s_loop *s_loop_with_oldest_idle(struct s_server *srv)
{
	struct s_loop *best = NULL;
	uint64_t best_ns = 0;
	for (int i = 0; i < srv->nloops; i++) {
		struct s_loop *l = &srv->loops[i];
		uint64_t ns = atomic_load(&l->idle_oldest_ns);
		if (ns == 0 || atomic_load(&l->nidle) <= atomic_load(&l->evict_owed))
			continue;
		if (!best || ns < best_ns) {
			best = l;
			best_ns = ns;
		}
	}
	return best;
}

/* On the loop other loops asked: close idle connections while still over. */
static void s_evict_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct s_loop *loop = arg;
	struct s_server *srv = loop->srv;
	unsigned n = atomic_exchange(&loop->evict_owed, 0);
	while (n-- > 0 && loop->idle_head && atomic_load(&srv->nconns) > srv->max_conns)
		s_evict(loop->idle_head);
}

/*
 * Make room for a connection from peer: count it against its address and
 * the server, closing the oldest idle connections in its way. False (and
 * nothing counted) when there is no room: all in the way are busy.
 */
static bool s_admit(struct s_loop *loop, const struct bw_http_peer *peer)
{
	struct s_server *srv = loop->srv;
	unsigned per_peer = srv->lim.max_connections_per_ip;
	if (!bw_http_peers_add(srv->peers, peer, per_peer)) {
		/* the address is at its limit: its own oldest idle one makes way */
		struct s_conn *v = s_oldest_idle(loop, peer);
		if (!v)
			return false;
		s_evict(v);
		if (!bw_http_peers_add(srv->peers, peer, per_peer))
			return false;
	}
	unsigned before = atomic_fetch_add(&srv->nconns, 1);
	if (before < srv->max_conns)
		return true;
	/* the server's oldest idle one makes way: this loop closes it at once;
	 * another loop is asked to, and the cap is overrun until it has */
	struct s_loop *owner = s_loop_with_oldest_idle(srv);
	if (owner == loop) {
		s_evict(loop->idle_head);
		return true;
	}
	if (owner && before < srv->max_conns + S_OVER_CAP) {
		atomic_fetch_add(&owner->evict_owed, 1);
		event_active(owner->evict_ev, EV_TIMEOUT, 0);
		return true;
	}
	atomic_fetch_sub(&srv->nconns, 1);
	bw_http_peers_remove(srv->peers, peer);
	return false;
}

static void s_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                        int salen, void *arg)
{
	(void)l;
	(void)salen;
	struct s_loop *loop = arg;
	struct s_server *srv = loop->srv;
	if (loop->draining) {
		evutil_closesocket(fd);
		return;
	}
	struct bw_http_peer peer;
	bw_http_peer_of(sa, &peer);
	if (!s_admit(loop, &peer)) {
		s_refuse(loop, fd);
		return;
	}
	struct s_conn *c = calloc(1, sizeof *c);
	if (!c) {
		atomic_fetch_sub(&srv->nconns, 1);
		bw_http_peers_remove(srv->peers, &peer);
		evutil_closesocket(fd);
		return;
	}
	c->loop = loop;
	c->armed = S_T_NONE;
	c->peer = peer;
	c->counted = true;
	c->last_read_ns = bw_mono_ns();
	c->next = loop->conns;
	if (loop->conns)
		loop->conns->prev = c;
	loop->conns = c;
	struct bw_http_parser_limits plim = srv->plim;
	plim.charge_ctx = c;
	bw_http_parser_init(&c->parser, &plim);
	c->fd = fd;
	c->accepted_ns = c->last_read_ns;
	c->loopback = bw_http_is_loopback(sa);
	c->timer = evtimer_new(loop->base, s_timer_cb, c);
	if (!c->timer) {
		s_conn_destroy(c);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &in4->sin_addr, c->peer_ip, sizeof c->peer_ip);
		c->peer_port = ntohs(in4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, c->peer_ip, sizeof c->peer_ip);
		c->peer_port = ntohs(in6->sin6_port);
	}
	if (!srv->tls && !srv->cfg->require_tls) {
		(void)s_conn_start(c, false); /* plain HTTP only: nothing to tell apart */
		return;
	}
	c->sniff = event_new(loop->base, fd, EV_READ, s_sniff_cb, c);
	struct timeval tv = s_tv_ms(srv->lim.header_timeout_ms);
	if (!c->sniff || event_add(c->sniff, &tv) != 0) {
		s_conn_destroy(c);
		return;
	}
	s_idle_update(c);
}

/*
 * accept() failed for want of descriptors or memory. The connection stays
 * queued and the listener would be woken for it again at once, forever:
 * close this loop's oldest idle connection to free a descriptor, or, with
 * none idle, stop listening for a moment.
 */
static void s_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct s_loop *loop = arg;
	int err = EVUTIL_SOCKET_ERROR();
	if ((err == EMFILE || err == ENFILE) && loop->idle_head) {
		s_evict(loop->idle_head);
		return;
	}
	evconnlistener_disable(l);
	struct timeval tv = s_tv_ms(S_ACCEPT_RETRY_MS);
	evtimer_add(loop->accept_retry_ev, &tv);
	s_note(loop, &loop->refused);
}

static void s_accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct s_loop *loop = arg;
	if (!loop->draining && loop->listener)
		evconnlistener_enable(loop->listener);
}

/*
 * Each loop every so often: while the server is under pressure, what has
 * outlived pressure_timeout_ms goes: heads still incomplete and bodies
 * stalled first (their senders are the likelier attackers), then idle
 * connections, oldest first, until the pressure ends. The connections'
 * own timers keep their full length: pressure may be over before they run.
 */
static void s_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct s_loop *loop = arg;
	struct s_server *srv = loop->srv;
	if (loop->draining || !s_pressure(srv))
		return;
	uint64_t now = bw_mono_ns();
	uint64_t limit_ns = (uint64_t)srv->lim.pressure_timeout_ms * 1000000u;
	for (struct s_conn *c = loop->conns, *next; c; c = next) {
		next = c->next;
		if (!c->bev || c->mode != S_OPEN || c->deferred || c->paused)
			continue;
		enum bw_http_phase ph = bw_http_parser_phase(&c->parser);
		if ((ph == BW_HTTP_PHASE_HEAD && now - c->parser.req.start_ns >= limit_ns) ||
		    (ph == BW_HTTP_PHASE_BODY && now - c->last_read_ns >= limit_ns)) {
			s_disarm(c);
			s_send_error(c, 408, "request timed out");
		}
	}
	while (loop->idle_head && now - loop->idle_head->idle_since_ns >= limit_ns &&
	       s_pressure(srv))
		s_evict(loop->idle_head);
}

/* ---- loops and shutdown ------------------------------------------------- */

static void s_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct s_loop *loop = arg;
	if (loop->conns)
		bw_log(BW_LOG_WARN, "shutdown grace period over; closing connections", NULL);
	s_hub_kill(loop->hub);
	while (loop->conns)
		s_conn_destroy(loop->conns);
	event_base_loopexit(loop->base, NULL);
}

/* On each loop's own thread: stop accepting, close idle connections, let
 * the rest finish their request (with Connection: close). */
static void s_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct s_loop *loop = arg;
	if (loop->draining)
		return;
	loop->draining = true;
	if (loop->listener) {
		evconnlistener_free(loop->listener);
		loop->listener = NULL;
	}
	struct s_conn *c = loop->conns;
	while (c) {
		struct s_conn *next = c->next;
		if (c->deferred) {
			/* answered with Connection: close when it resumes */
			c = next;
			continue;
		}
		if (!c->bev) {
			s_conn_free(c); /* still sniffing: nothing asked yet */
			c = next;
			continue;
		}
		bool idle = bw_http_parser_phase(&c->parser) == BW_HTTP_PHASE_IDLE;
		bool flushing = evbuffer_get_length(bufferevent_get_output(c->bev)) > 0;
		if (c->mode == S_OPEN && idle) {
			if (!flushing) {
				s_conn_free(c);
			} else {
				c->mode = S_CLOSING;
				c->paused = false;
				bufferevent_disable(c->bev, EV_READ);
				s_disarm(c);
			}
		}
		c = next;
	}
	struct timeval tv = s_tv_ms(loop->srv->lim.shutdown_grace_ms);
	evtimer_add(loop->grace_ev, &tv);
	s_loop_maybe_done(loop);
}

static void s_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct s_server *srv = arg;
	if (atomic_exchange(&srv->stopping, true))
		return;
	bw_log(BW_LOG_INFO, "shutting down", NULL);
	for (int i = 0; i < srv->nloops; i++)
		event_active(srv->loops[i].drain_ev, EV_TIMEOUT, 0);
}

void bw_http_stop(void)
{
	pthread_mutex_lock(&g_running_lock);
	for (struct s_server *s = g_running; s; s = s->next_running)
		event_active(s->stop_ev, EV_TIMEOUT, 0);
	pthread_mutex_unlock(&g_running_lock);
}

static void *s_loop_main(void *arg)
{
	struct s_loop *loop = arg;
	event_base_dispatch(loop->base);
	return NULL;
}

static void s_server_free(struct s_server *srv)
{
	for (int i = 0; i < srv->nloops && srv->loops; i++) {
		struct s_loop *loop = &srv->loops[i];
		s_hub_kill(loop->hub);
		while (loop->conns)
			s_conn_destroy(loop->conns);
		if (loop->hub) {
			if (loop->hub->ev)
				event_free(loop->hub->ev);
			loop->hub->ev = NULL;
			s_hub_release(loop->hub);
		}
		if (loop->listener)
			evconnlistener_free(loop->listener);
		if (loop->drain_ev)
			event_free(loop->drain_ev);
		if (loop->grace_ev)
			event_free(loop->grace_ev);
		if (loop->evict_ev)
			event_free(loop->evict_ev);
		if (loop->sweep_ev)
			event_free(loop->sweep_ev);
		if (loop->accept_retry_ev)
			event_free(loop->accept_retry_ev);
		if (loop->base)
			event_base_free(loop->base);
	}
	if (srv->stop_ev)
		event_free(srv->stop_ev);
	if (srv->sig_int)
		event_free(srv->sig_int);
	if (srv->sig_term)
		event_free(srv->sig_term);
	free(srv->loops);
	bw_http_peers_free(srv->peers);
	SSL_CTX_free(srv->tls);
}

static int s_listeners_init(struct s_server *srv, struct sockaddr_storage *ss, socklen_t sl,
                            const char *listen_addr, int *probe);

static int s_loops_init(struct s_server *srv, const char *listen_addr, char *bound, size_t boundlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (bw_http_parse_addr(listen_addr, &ss, &sl) != 0) {
		bw_log(BW_LOG_ERROR, "invalid listen address",
		       json_pack("{s:s}", "addr", listen_addr ? listen_addr : ""));
		return -1;
	}
	/* held until the first listener listens (listen.h): a port another
	 * server listens on is refused, not shared through SO_REUSEPORT */
	int probe = -1;
	if (bw_http_port_of(&ss) != 0 && (probe = bw_http_listen_probe(&ss, sl)) < 0) {
		bw_log(BW_LOG_ERROR, "cannot listen",
		       json_pack("{s:s,s:s}", "addr", listen_addr,
		                 "error", errno == EADDRINUSE ? "address in use (another server "
		                 "listens on it)" : strerror(errno)));
		return -1;
	}
	int rc = s_listeners_init(srv, &ss, sl, listen_addr, &probe);
	if (probe >= 0)
		close(probe);
	return rc == 0 ? bw_http_addr_text(&ss, bound, boundlen) : -1;
}

/* Each loop and its listener on *ss (whose port 0 becomes the one picked). */
static int s_listeners_init(struct s_server *srv, struct sockaddr_storage *ss, socklen_t sl,
                            const char *listen_addr, int *probe)
{
	for (int i = 0; i < srv->nloops; i++) {
		struct s_loop *loop = &srv->loops[i];
		loop->srv = srv;
		atomic_init(&loop->nidle, 0);
		atomic_init(&loop->idle_oldest_ns, 0);
		atomic_init(&loop->evict_owed, 0);
		loop->base = event_base_new();
		if (!loop->base)
			return -1;
		loop->drain_ev = event_new(loop->base, -1, 0, s_drain_cb, loop);
		loop->grace_ev = evtimer_new(loop->base, s_grace_cb, loop);
		loop->evict_ev = event_new(loop->base, -1, 0, s_evict_cb, loop);
		loop->sweep_ev = event_new(loop->base, -1, EV_PERSIST, s_sweep_cb, loop);
		loop->accept_retry_ev = evtimer_new(loop->base, s_accept_retry_cb, loop);
		if (!loop->drain_ev || !loop->grace_ev || !loop->evict_ev || !loop->sweep_ev ||
		    !loop->accept_retry_ev)
			return -1;
		/* a quarter of the short timeout: what outlives it goes soon after */
		uint64_t sweep_ms = srv->lim.pressure_timeout_ms / 4;
		struct timeval stv = s_tv_ms(sweep_ms < 10 ? 10 : sweep_ms > 500 ? 500 : sweep_ms);
		if (event_add(loop->sweep_ev, &stv) != 0)
			return -1;
		loop->hub = calloc(1, sizeof *loop->hub);
		if (!loop->hub)
			return -1;
		if (pthread_mutex_init(&loop->hub->lock, NULL) != 0) {
			free(loop->hub);
			loop->hub = NULL;
			return -1;
		}
		loop->hub->refs = 1;
		loop->hub->ev = event_new(loop->base, -1, 0, s_hub_cb, loop->hub);
		if (!loop->hub->ev)
			return -1;
		evutil_socket_t fd = bw_http_listen_socket(ss, sl);
		if (fd < 0) {
			bw_log(BW_LOG_ERROR, "cannot listen",
			       json_pack("{s:s,s:s}", "addr", listen_addr, "error", strerror(errno)));
			return -1;
		}
		if (i == 0 && bw_http_port_of(ss) == 0) {
			/* port 0: the others bind the port the kernel picked */
			struct sockaddr_storage got;
			socklen_t gl = sizeof got;
			if (getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
				close(fd);
				return -1;
			}
			bw_http_set_port(ss, bw_http_port_of(&got));
		}
		if (*probe >= 0) {
			close(*probe);
			*probe = -1;
		}
		loop->listener = evconnlistener_new(loop->base, s_accept_cb, loop, LEV_OPT_CLOSE_ON_FREE,
		                                    0, fd);
		if (!loop->listener) {
			close(fd);
			return -1;
		}
		evconnlistener_set_error_cb(loop->listener, s_accept_error_cb);
	}
	return 0;
}

/*
 * Connections need descriptors: raise the soft file limit to the hard one
 * and, if it still leaves no room for max_connections (plus S_OVER_CAP and
 * what the rest of the process uses), lower the cap, loudly. Past the
 * limit accept() fails and a new client waits however idle the others are.
 */
static void s_fit_file_limit(struct s_server *srv)
{
	uint64_t nofile = bw_http_raise_nofile();
	uint64_t reserve = S_FD_RESERVE + S_FD_RESERVE_PER_LOOP * (uint64_t)srv->nloops + S_OVER_CAP;
	uint64_t room = nofile > reserve * 2 ? nofile - reserve : nofile / 2;
	srv->max_conns = srv->lim.max_connections;
	if (srv->max_conns <= room)
		return;
	srv->max_conns = room > 0 ? (unsigned)room : 1;
	bw_log(BW_LOG_WARN, "max_connections lowered to fit the open file limit",
	       json_pack("{s:i, s:i, s:I}", "max_connections", (int)srv->max_conns, "asked",
	                 (int)srv->lim.max_connections, "file_limit", (json_int_t)nofile));
}

int bw_http_serve(const struct bw_http_server_config *cfg)
{
	if (!cfg || !cfg->handler)
		return -1;
	pthread_once(&g_evthread_once, s_evthread_init);
	if (g_evthread_rc != 0)
		return -1;
	struct s_server srv = {.cfg = cfg, .lim = s_limits_or_defaults(cfg->limits)};
	srv.plim = (struct bw_http_parser_limits){
		.max_header_bytes = srv.lim.max_header_bytes,
		.max_body_bytes = srv.lim.max_body_bytes,
		.max_headers = BW_HTTP_DEFAULT_MAX_HEADERS,
		.charge = s_charge, /* charge_ctx: each connection, set at accept */
	};
	srv.nloops = cfg->threads;
	if (srv.nloops <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		srv.nloops = n > 0 ? (int)(n > 256 ? 256 : n) : 1;
	}
	atomic_init(&srv.nconns, 0);
	atomic_init(&srv.held, 0);
	atomic_init(&srv.stopping, false);
	int rc = -1;
	bool registered = false;
	s_fit_file_limit(&srv);
	if (srv.lim.max_buffered_bytes < srv.lim.max_body_bytes)
		bw_log(BW_LOG_WARN, "max_buffered_bytes is below max_body_bytes: the largest bodies "
		       "will be refused (503)", NULL);
	srv.peers = bw_http_peers_new();
	srv.loops = calloc((size_t)srv.nloops, sizeof *srv.loops);
	if (!srv.peers || !srv.loops)
		goto out;
	if ((cfg->tls_cert || cfg->tls_key) &&
	    !(srv.tls = bw_http_tls_ctx_new(cfg->tls_cert, cfg->tls_key)))
		goto out;
	char bound[96];
	if (s_loops_init(&srv, cfg->listen, bound, sizeof bound) != 0)
		goto out;
	struct event_base *base0 = srv.loops[0].base;
	srv.stop_ev = event_new(base0, -1, 0, s_stop_cb, &srv);
	srv.sig_int = evsignal_new(base0, SIGINT, s_stop_cb, &srv);
	srv.sig_term = evsignal_new(base0, SIGTERM, s_stop_cb, &srv);
	if (!srv.stop_ev || !srv.sig_int || !srv.sig_term || evsignal_add(srv.sig_int, NULL) != 0 ||
	    evsignal_add(srv.sig_term, NULL) != 0)
		goto out;
	pthread_mutex_lock(&g_running_lock);
	srv.next_running = g_running;
	g_running = &srv;
	pthread_mutex_unlock(&g_running_lock);
	registered = true;

	bw_log(BW_LOG_INFO, "listening",
	       json_pack("{s:s, s:b, s:b}", "addr", bound, "tls", srv.tls != NULL, "require_tls",
	                 cfg->require_tls));
	if (cfg->on_listening)
		cfg->on_listening(cfg->ctx, bound);

	for (int i = 1; i < srv.nloops; i++) {
		if (pthread_create(&srv.loops[i].thread, NULL, s_loop_main, &srv.loops[i]) != 0) {
			bw_log(BW_LOG_ERROR, "cannot start a loop thread", NULL);
			s_stop_cb(-1, 0, &srv);
			break;
		}
		srv.loops[i].thread_started = true;
	}
	s_loop_main(&srv.loops[0]);
	for (int i = 1; i < srv.nloops; i++) {
		if (srv.loops[i].thread_started)
			pthread_join(srv.loops[i].thread, NULL);
	}
	rc = 0;
	bw_log(BW_LOG_INFO, "stopped", NULL);
out:
	if (registered) {
		pthread_mutex_lock(&g_running_lock);
		for (struct s_server **pp = &g_running; *pp; pp = &(*pp)->next_running) {
			if (*pp == &srv) {
				*pp = srv.next_running;
				break;
			}
		}
		pthread_mutex_unlock(&g_running_lock);
	}
	s_server_free(&srv);
	return rc;
}
