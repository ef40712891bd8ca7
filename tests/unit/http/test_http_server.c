/*
 * test_http_server.c: bw_http_serve over real loopback sockets: keep-alive,
 * pipelining, limits (413, 431, 408, 503), 100-continue, HEAD, HTTP/1.0,
 * and a drain on stop that still answers the request in flight. What a
 * stranger can hold: idle connections make way for new ones (per server and
 * per address), timeouts shrink under pressure, bodies share one memory
 * budget, a slow body that keeps coming is not cut off. Deferred
 * responses (bw_http_defer / bw_http_resume from other threads): the loop
 * keeps serving, pipelined responses stay in order, a client leaving while
 * deferred, and shutdown with deferred responses in flight (answered within
 * the grace period, dropped safely after it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "http/server.h"

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cond = PTHREAD_COND_INITIALIZER;
static uint16_t s_port;
static bool s_listening;
static pthread_t s_thread;
static bool s_running;
static int s_serve_rc = -99;
static struct bw_http_server_config s_cfg;

static void on_listening(void *ctx, const char *addr)
{
	(void)ctx;
	const char *colon = strrchr(addr, ':');
	pthread_mutex_lock(&s_lock);
	s_port = (uint16_t)atoi(colon + 1);
	s_listening = true;
	pthread_cond_signal(&s_cond);
	pthread_mutex_unlock(&s_lock);
}

/* Echo: "<method> <path>?<query> <body>" ("<n> bytes" for a large body). */
static void echo(void *ctx, const struct bw_http_request *req, struct bw_http_response *resp)
{
	(void)ctx;
	int rc = bw_buf_appendf(&resp->body, "%s %s?%s ", req->method, req->path, req->query);
	if (rc == 0 && req->body_len > 2048)
		rc = bw_buf_appendf(&resp->body, "%zu bytes", req->body_len);
	else if (rc == 0)
		rc = bw_buf_append(&resp->body, req->body, req->body_len);
	if (rc != 0 ||
	    bw_resp_header(resp, "X-Peer", req->peer_ip) != 0 ||
	    bw_resp_header(resp, "Content-Type", "text/plain") != 0)
		resp->status = 500;
	if (req->peer_port == 0 || req->start_ns == 0)
		resp->status = 500;
	if (strcmp(req->path, "/204") == 0)
		resp->status = 204;
}

static void *serve_main(void *arg)
{
	(void)arg;
	s_serve_rc = bw_http_serve(&s_cfg);
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_WARN);
	struct bw_http_limits lim = bw_http_default_limits();
	lim.max_header_bytes = 1024;
	lim.max_body_bytes = 1000;
	lim.header_timeout_ms = 200;
	lim.body_timeout_ms = 300;
	lim.idle_timeout_ms = 1000;
	lim.max_connections = 4;
	lim.shutdown_grace_ms = 2000;
	s_cfg = (struct bw_http_server_config){
		.listen = "127.0.0.1:0",
		.threads = 2,
		.limits = lim,
		.handler = echo,
		.on_listening = on_listening,
	};
	if (pthread_create(&s_thread, NULL, serve_main, NULL) != 0)
		return -1;
	s_running = true;
	pthread_mutex_lock(&s_lock);
	while (!s_listening)
		pthread_cond_wait(&s_cond, &s_lock);
	pthread_mutex_unlock(&s_lock);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (s_running) {
		bw_http_stop();
		pthread_join(s_thread, NULL);
		s_running = false;
	}
	return 0;
}

/* ---- a tiny client ------------------------------------------------------ */

/* A connection from src, one of 127.0.0.0/8 (all of it is loopback on
 * Linux), so that tests can be several client addresses. */
static int conn_from(const char *src)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = {.tv_sec = 3};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (src) {
		struct sockaddr_in me = {.sin_family = AF_INET};
		assert_int_equal(inet_pton(AF_INET, src, &me.sin_addr), 1);
		assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof me), 0);
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(s_port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

static int conn(void)
{
	return conn_from(NULL);
}

static void say(int fd, const char *s)
{
	size_t len = strlen(s);
	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

struct resp {
	int status;
	char head[2048];
	char body[4096];
	size_t body_len;
};

/* Per connection read-ahead, so pipelined responses split cleanly. */
struct rd {
	int fd;
	char buf[16384];
	size_t len;
};

static bool fill(struct rd *r)
{
	if (r->len == sizeof r->buf)
		return false;
	ssize_t n = recv(r->fd, r->buf + r->len, sizeof r->buf - r->len, 0);
	if (n <= 0)
		return false;
	r->len += (size_t)n;
	return true;
}

/* Read one response (a 1xx counts as one); false on EOF/timeout first. */
static bool read_resp(struct rd *r, struct resp *out, bool head_only)
{
	memset(out, 0, sizeof *out);
	char *end;
	while (!(end = memmem(r->buf, r->len, "\r\n\r\n", 4))) {
		if (!fill(r))
			return false;
	}
	size_t hlen = (size_t)(end - r->buf) + 4;
	assert_true(hlen < sizeof out->head);
	memcpy(out->head, r->buf, hlen);
	out->head[hlen] = 0;
	out->status = atoi(out->head + 9);
	size_t cl = 0;
	const char *clh = strcasestr(out->head, "\r\nContent-Length: ");
	if (clh && !head_only)
		cl = (size_t)atol(clh + 18);
	while (r->len < hlen + cl) {
		if (!fill(r))
			return false;
	}
	assert_true(cl < sizeof out->body);
	memcpy(out->body, r->buf + hlen, cl);
	out->body_len = cl;
	memmove(r->buf, r->buf + hlen + cl, r->len - hlen - cl);
	r->len -= hlen + cl;
	return true;
}

/* True when the server closed the connection (EOF or reset). */
static bool closed(struct rd *r)
{
	char c;
	if (r->len)
		return false;
	ssize_t n = recv(r->fd, &c, 1, 0);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Closed by the server within 300 ms: made way, not timed out. */
static bool closed_soon(struct rd *r)
{
	struct timeval tv = {.tv_usec = 300 * 1000}, was = {.tv_sec = 3};
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	bool yes = closed(r);
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &was, sizeof was);
	return yes;
}

/* ---- tests -------------------------------------------------------------- */

static void test_keep_alive(void **state)
{
	(void)state;
	struct rd r = {.fd = conn()};
	struct resp p;
	say(r.fd, "GET /one?a=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 200);
	assert_string_equal(p.body, "GET /one?a=1 ");
	assert_non_null(strstr(p.head, "X-Peer: 127.0.0.1\r\n"));
	assert_null(strcasestr(p.head, "Connection: close"));
	say(r.fd, "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 200);
	assert_string_equal(p.body, "POST /two? abcd");
	/* HEAD: Content-Length of the body a GET would get, no body */
	say(r.fd, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(read_resp(&r, &p, true));
	assert_non_null(strstr(p.head, "Content-Length: 9\r\n"));
	say(r.fd, "GET /204 HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 204);
	assert_null(strstr(p.head, "Content-Length"));
	say(r.fd, "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 200);
	assert_string_equal(p.body, "GET /last? ");
	assert_non_null(strstr(p.head, "Connection: close\r\n"));
	assert_true(closed(&r));
	close(r.fd);
}

static void test_pipelining(void **state)
{
	(void)state;
	struct rd r = {.fd = conn()};
	say(r.fd, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
	          "PUT /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
	          "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "GET /1? ");
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "PUT /2? abc");
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "GET /3? ");
	close(r.fd);
}

static void test_http10(void **state)
{
	(void)state;
	struct rd r = {.fd = conn()};
	say(r.fd, "GET /old HTTP/1.0\r\n\r\n");
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.head, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(p.head, "Connection: close\r\n"));
	assert_true(closed(&r));
	close(r.fd);
}

static void expect_error(const char *req, int status)
{
	struct rd r = {.fd = conn()};
	say(r.fd, req);
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, status);
	assert_non_null(strstr(p.head, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(p.head, "Connection: close\r\n"));
	assert_non_null(strstr(p.body, "{\"message\":\""));
	assert_true(closed(&r));
	close(r.fd);
}

static void test_limits(void **state)
{
	(void)state;
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n", 413);
	char big[2048];
	snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %01200d\r\n\r\n", 0);
	expect_error(big, 431);
	expect_error("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400);
	expect_error("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505);
	expect_error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br\r\n\r\n", 501);
}

static void test_413_mid_upload(void **state)
{
	(void)state;
	/* a client that sends a large body anyway still reads the 413 */
	struct rd r = {.fd = conn()};
	say(r.fd, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
	char chunk[600];
	memset(chunk, 'q', sizeof chunk);
	memcpy(chunk, "1f4\r\n", 5); /* 500 */
	memcpy(chunk + 505, "\r\n", 2);
	chunk[507] = 0;
	say(r.fd, chunk);
	say(r.fd, chunk); /* 1000: still fine */
	say(r.fd, "1\r\n");  /* 1001: over */
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 413);
	close(r.fd);
}

static void test_slow_client(void **state)
{
	(void)state;
	struct rd r = {.fd = conn()};
	say(r.fd, "GET / HTTP/1.1\r\nHo");
	usleep(100 * 1000);
	say(r.fd, "st: x\r\n"); /* trickling does not extend the deadline */
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 408);
	assert_true(closed(&r));
	close(r.fd);

	/* the body has its own deadline */
	r = (struct rd){.fd = conn()};
	say(r.fd, "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12");
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 408);
	close(r.fd);

	/* a connection that never sends is closed without a word */
	r = (struct rd){.fd = conn()};
	assert_true(closed(&r));
	close(r.fd);
}

static void test_expect_continue(void **state)
{
	(void)state;
	struct rd r = {.fd = conn()};
	say(r.fd, "PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 100);
	assert_string_equal(p.head, "HTTP/1.1 100 Continue\r\n\r\n");
	say(r.fd, "hello");
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 200);
	assert_string_equal(p.body, "PUT /up? hello");
	close(r.fd);

	/* too large: 413 straight away, no 100 */
	expect_error("PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n",
	             413);
}

/* At the cap, a new connection closes the oldest idle one instead of being
 * refused: idle connections never lock a client out. Only when every
 * connection has a request in flight is the new one refused (503). */
static void test_connection_limit(void **state)
{
	(void)state;
	usleep(100 * 1000); /* let the server see earlier tests' closes */
	struct rd r[4];
	struct resp p;
	for (int i = 0; i < 4; i++) {
		r[i] = (struct rd){.fd = conn()};
		say(r[i].fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
		assert_true(read_resp(&r[i], &p, false));
		assert_int_equal(p.status, 200);
		usleep(5 * 1000); /* r[0] is the oldest idle one */
	}
	struct rd extra = {.fd = conn()};
	say(extra.fd, "GET /new HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(read_resp(&extra, &p, false));
	assert_int_equal(p.status, 200);
	assert_string_equal(p.body, "GET /new? ");
	assert_true(closed_soon(&r[0])); /* made way: the oldest idle, on either loop */
	for (int i = 1; i < 4; i++) {
		say(r[i].fd, "GET /still HTTP/1.1\r\nHost: x\r\n\r\n");
		assert_true(read_resp(&r[i], &p, false));
		assert_int_equal(p.status, 200);
	}
	close(r[0].fd);

	/* four requests in flight (heads begun): nothing can make way */
	close(extra.fd);
	usleep(50 * 1000);
	r[0] = (struct rd){.fd = conn()};
	for (int i = 0; i < 4; i++)
		say(r[i].fd, "GET /slow HTTP/1.1\r\n");
	usleep(20 * 1000);
	extra = (struct rd){.fd = conn()};
	assert_true(read_resp(&extra, &p, false));
	assert_int_equal(p.status, 503);
	assert_non_null(strstr(p.head, "Connection: close\r\n"));
	assert_non_null(strstr(p.body, "{\"message\":\""));
	assert_true(closed(&extra));
	close(extra.fd);
	for (int i = 0; i < 4; i++)
		close(r[i].fd);
	usleep(50 * 1000);
	extra = (struct rd){.fd = conn()};
	say(extra.fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(read_resp(&extra, &p, false));
	assert_int_equal(p.status, 200);
	close(extra.fd);
}

static void test_stop_answers_in_flight(void **state)
{
	(void)state;
	usleep(50 * 1000);
	struct rd idle = {.fd = conn()};
	say(idle.fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	struct resp p;
	assert_true(read_resp(&idle, &p, false));

	struct rd r = {.fd = conn()};
	say(r.fd, "PUT /late HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nhal");
	usleep(30 * 1000);
	bw_http_stop();
	usleep(30 * 1000);
	assert_true(closed(&idle)); /* an idle keep-alive connection is closed */
	say(r.fd, "f!!");
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 200);
	assert_string_equal(p.body, "PUT /late? half!!");
	assert_non_null(strstr(p.head, "Connection: close\r\n"));
	assert_true(closed(&r));
	close(r.fd);
	close(idle.fd);
	pthread_join(s_thread, NULL);
	s_running = false;
	assert_int_equal(s_serve_rc, 0);
}

/* A real SIGTERM (libevent's signal event on loop 0) stops a server too. */
static void test_sigterm(void **state)
{
	(void)state;
	pthread_mutex_lock(&s_lock);
	s_listening = false;
	pthread_mutex_unlock(&s_lock);
	s_cfg.threads = 0; /* one loop per core */
	s_cfg.listen = "[::1]:0";
	s_serve_rc = -99;
	assert_int_equal(pthread_create(&s_thread, NULL, serve_main, NULL), 0);
	s_running = true;
	pthread_mutex_lock(&s_lock);
	while (!s_listening)
		pthread_cond_wait(&s_cond, &s_lock);
	pthread_mutex_unlock(&s_lock);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(s_port)};
	sa.sin6_addr = in6addr_loopback;
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	struct rd r = {.fd = fd};
	say(fd, "GET /v6 HTTP/1.1\r\nHost: x\r\n\r\n");
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "GET /v6? ");
	assert_non_null(strstr(p.head, "X-Peer: ::1\r\n"));
	close(fd);
	raise(SIGTERM);
	pthread_join(s_thread, NULL);
	s_running = false;
	assert_int_equal(s_serve_rc, 0);
}

/* ---- deferred responses ------------------------------------------------- */

static atomic_int s_resumers;   /* resumer threads not finished yet */
static atomic_int s_resumed;    /* responses resumed */

struct job {
	struct bw_http_deferred *d;
	unsigned ms;
};

/* bw_http_resume_then's callback: once per handle, never on the resumer. */
static atomic_int s_answered_sent, s_answered_dropped, s_answered_on_resumer;
static _Thread_local bool t_resumer;

static void on_answered(void *arg, const struct bw_http_request *req,
                        const struct bw_http_response *resp, bool sent)
{
	(void)arg;
	assert_non_null(req->path);
	assert_true(resp->status >= 200);
	atomic_fetch_add(sent ? &s_answered_sent : &s_answered_dropped, 1);
	if (t_resumer)
		atomic_fetch_add(&s_answered_on_resumer, 1);
}

static void *resumer_main(void *arg)
{
	struct job *j = arg;
	t_resumer = true;
	usleep(j->ms * 1000u);
	/* the handle owns the response now: finish it from this thread */
	struct bw_http_response *resp = bw_http_deferred_response(j->d);
	if (bw_buf_append_str(&resp->body, "resumed") != 0)
		resp->status = 500;
	/* odd delays resume plainly, even ones with a callback on the loop */
	if (j->ms % 2)
		bw_http_resume(j->d);
	else
		bw_http_resume_then(j->d, on_answered, NULL);
	free(j);
	atomic_fetch_add(&s_resumed, 1);
	atomic_fetch_sub(&s_resumers, 1);
	return NULL;
}

/* "/defer/<ms>": the echo body, then deferred and resumed <ms> later by
 * another thread, which appends "resumed". Anything else: echo. */
static void deferring(void *ctx, const struct bw_http_request *req, struct bw_http_response *resp)
{
	echo(ctx, req, resp);
	if (strncmp(req->path, "/defer/", 7) != 0)
		return;
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		resp->status = 500;
		return;
	}
	j->ms = (unsigned)atoi(req->path + 7);
	j->d = bw_http_defer(resp);
	if (!j->d) {
		free(j);
		resp->status = 500;
		return;
	}
	/* a second defer of the same response is refused */
	if (bw_http_defer(resp) != NULL)
		bw_http_deferred_response(j->d)->status = 599;
	atomic_fetch_add(&s_resumers, 1);
	pthread_t t;
	if (pthread_create(&t, NULL, resumer_main, j) != 0) {
		atomic_fetch_sub(&s_resumers, 1);
		bw_http_resume(j->d);
		free(j);
		return;
	}
	pthread_detach(t);
}

static void wait_resumers(void)
{
	for (int i = 0; i < 500 && atomic_load(&s_resumers) > 0; i++)
		usleep(10 * 1000);
	assert_int_equal(atomic_load(&s_resumers), 0);
}

static void start_deferring(unsigned max_connections, unsigned grace_ms)
{
	assert_false(s_running);
	pthread_mutex_lock(&s_lock);
	s_listening = false;
	pthread_mutex_unlock(&s_lock);
	s_cfg.listen = "127.0.0.1:0";
	s_cfg.threads = 2;
	s_cfg.handler = deferring;
	s_cfg.limits.max_connections = max_connections;
	s_cfg.limits.shutdown_grace_ms = grace_ms;
	s_serve_rc = -99;
	assert_int_equal(pthread_create(&s_thread, NULL, serve_main, NULL), 0);
	s_running = true;
	pthread_mutex_lock(&s_lock);
	while (!s_listening)
		pthread_cond_wait(&s_cond, &s_lock);
	pthread_mutex_unlock(&s_lock);
}

static void stop_server(void)
{
	bw_http_stop();
	pthread_join(s_thread, NULL);
	s_running = false;
	assert_int_equal(s_serve_rc, 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Resumed from another thread after a delay; the loop serves others (and
 * no timeout fires: the delay is past header and idle timeouts) meanwhile. */
static void test_defer_resume(void **state)
{
	(void)state;
	start_deferring(64, 2000);
	struct rd r = {.fd = conn()};
	uint64_t t0 = now_ms();
	say(r.fd, "GET /defer/1200 HTTP/1.1\r\nHost: x\r\n\r\n");
	for (int i = 0; i < 6; i++) {
		/* six connections over two loops: one at least shares the loop */
		struct rd o = {.fd = conn()};
		struct resp q;
		say(o.fd, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
		assert_true(read_resp(&o, &q, false));
		assert_string_equal(q.body, "GET /other? ");
		close(o.fd);
	}
	assert_true(now_ms() - t0 < 1000);
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_true(now_ms() - t0 >= 1200);
	assert_int_equal(p.status, 200);
	assert_string_equal(p.body, "GET /defer/1200? resumed");
	assert_null(strcasestr(p.head, "Connection: close"));
	/* the connection goes on as before */
	say(r.fd, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "GET /after? ");
	close(r.fd);
	wait_resumers();
	stop_server();
}

/* Many deferred requests at once, on many connections and both loops. */
static void test_defer_many(void **state)
{
	(void)state;
	start_deferring(64, 2000);
	enum { NCONN = 24, ROUNDS = 5 };
	static struct rd r[NCONN];
	int before = atomic_load(&s_resumed), sent_before = atomic_load(&s_answered_sent);
	for (int i = 0; i < NCONN; i++)
		r[i] = (struct rd){.fd = conn()};
	uint64_t t0 = now_ms();
	for (int round = 0; round < ROUNDS; round++) {
		char req[128], want[128];
		for (int i = 0; i < NCONN; i++) {
			snprintf(req, sizeof req, "GET /defer/%d HTTP/1.1\r\nHost: x\r\n\r\n", 50 + i);
			say(r[i].fd, req);
		}
		for (int i = 0; i < NCONN; i++) {
			struct resp p;
			assert_true(read_resp(&r[i], &p, false));
			assert_int_equal(p.status, 200);
			snprintf(want, sizeof want, "GET /defer/%d? resumed", 50 + i);
			assert_string_equal(p.body, want);
		}
	}
	/* concurrent: far less than the 24 * 5 * ~60 ms of one at a time */
	assert_true(now_ms() - t0 < 3000);
	for (int i = 0; i < NCONN; i++)
		close(r[i].fd);
	wait_resumers();
	assert_int_equal(atomic_load(&s_resumed) - before, NCONN * ROUNDS);
	/* delays 50 + i: half of them even, each answered once on its loop */
	assert_int_equal(atomic_load(&s_answered_sent) - sent_before, NCONN / 2 * ROUNDS);
	assert_int_equal(atomic_load(&s_answered_on_resumer), 0);
	stop_server();
}

/* Pipelined requests behind a deferred one wait: answers stay in order. */
static void test_defer_pipelined(void **state)
{
	(void)state;
	start_deferring(64, 2000);
	struct rd r = {.fd = conn()};
	say(r.fd, "GET /defer/200 HTTP/1.1\r\nHost: x\r\n\r\n"
	          "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
	          "POST /defer/10 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
	          "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "GET /defer/200? resumed");
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "GET /fast? ");
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "POST /defer/10? abcresumed");
	assert_true(read_resp(&r, &p, false));
	assert_string_equal(p.body, "GET /last? ");
	assert_non_null(strstr(p.head, "Connection: close\r\n"));
	assert_true(closed(&r));
	close(r.fd);
	wait_resumers();
	stop_server();
}

/* The client leaves while its response is deferred: the connection is kept
 * until the handle comes back, then dropped (ASan watches the frees). A
 * client that only half-closes still gets its answer. */
static void test_defer_client_gone(void **state)
{
	(void)state;
	start_deferring(10, 2000);
	int answered_before = atomic_load(&s_answered_sent) + atomic_load(&s_answered_dropped);
	for (int i = 0; i < 8; i++) {
		int fd = conn();
		say(fd, "GET /defer/150 HTTP/1.1\r\nHost: x\r\n\r\n");
		if (i % 2) {
			/* an abortive close: RST */
			struct linger lg = {.l_onoff = 1, .l_linger = 0};
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		}
		close(fd);
	}
	struct rd h = {.fd = conn()};
	say(h.fd, "GET /defer/100 HTTP/1.1\r\nHost: x\r\n\r\n");
	shutdown(h.fd, SHUT_WR);
	struct resp p;
	assert_true(read_resp(&h, &p, false));
	assert_string_equal(p.body, "GET /defer/100? resumed");
	assert_non_null(strstr(p.head, "Connection: close\r\n"));
	assert_true(closed(&h));
	close(h.fd);
	wait_resumers();
	usleep(50 * 1000);
	/* the eight that left and the one that stayed (even delays): each
	 * callback ran once, sent or dropped */
	assert_int_equal(atomic_load(&s_answered_sent) + atomic_load(&s_answered_dropped) -
	                         answered_before,
	                 9);
	/* the server is fine, and every gone connection's slot is free again:
	 * with a cap of 10, ten new connections are served */
	struct rd r[10];
	for (int i = 0; i < 10; i++) {
		r[i] = (struct rd){.fd = conn()};
		say(r[i].fd, "GET /defer/5 HTTP/1.1\r\nHost: x\r\n\r\n");
	}
	for (int i = 0; i < 10; i++) {
		assert_true(read_resp(&r[i], &p, false));
		assert_int_equal(p.status, 200);
		close(r[i].fd);
	}
	wait_resumers();
	stop_server();
}

/* A drain waits for deferred responses (answered with Connection: close);
 * after the grace period the server returns, and a handle resumed later
 * is dropped without touching the freed server. */
static void test_defer_shutdown(void **state)
{
	(void)state;
	start_deferring(64, 2000);
	struct rd r[3];
	for (int i = 0; i < 3; i++) {
		r[i] = (struct rd){.fd = conn()};
		say(r[i].fd, "GET /defer/300 HTTP/1.1\r\nHost: x\r\n\r\n");
	}
	usleep(50 * 1000);
	uint64_t t0 = now_ms();
	bw_http_stop();
	struct resp p;
	for (int i = 0; i < 3; i++) {
		assert_true(read_resp(&r[i], &p, false));
		assert_int_equal(p.status, 200);
		assert_string_equal(p.body, "GET /defer/300? resumed");
		assert_non_null(strstr(p.head, "Connection: close\r\n"));
		assert_true(closed(&r[i]));
		close(r[i].fd);
	}
	pthread_join(s_thread, NULL);
	s_running = false;
	assert_int_equal(s_serve_rc, 0);
	assert_true(now_ms() - t0 < 1500); /* not the whole grace period */
	wait_resumers();

	/* grace period over before the resume */
	start_deferring(64, 200);
	struct rd late = {.fd = conn()};
	say(late.fd, "GET /defer/800 HTTP/1.1\r\nHost: x\r\n\r\n");
	usleep(50 * 1000);
	t0 = now_ms();
	bw_http_stop();
	pthread_join(s_thread, NULL);
	s_running = false;
	assert_int_equal(s_serve_rc, 0);
	assert_true(now_ms() - t0 < 700);
	assert_true(closed(&late));
	close(late.fd);
	wait_resumers(); /* resumed into a server that is gone */
}

/* ---- what a stranger can hold ------------------------------------------- */

/* An echo server with these limits (from the defaults, as a caller would). */
static void start_echo(const struct bw_http_limits *lim, int threads)
{
	assert_false(s_running);
	pthread_mutex_lock(&s_lock);
	s_listening = false;
	pthread_mutex_unlock(&s_lock);
	s_cfg.listen = "127.0.0.1:0";
	s_cfg.threads = threads;
	s_cfg.handler = echo;
	s_cfg.limits = *lim;
	s_serve_rc = -99;
	assert_int_equal(pthread_create(&s_thread, NULL, serve_main, NULL), 0);
	s_running = true;
	pthread_mutex_lock(&s_lock);
	while (!s_listening)
		pthread_cond_wait(&s_cond, &s_lock);
	pthread_mutex_unlock(&s_lock);
}

static void get_ok(struct rd *r, const char *path)
{
	char req[128];
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	say(r->fd, req);
	struct resp p;
	assert_true(read_resp(r, &p, false));
	assert_int_equal(p.status, 200);
}

static void test_defaults(void **state)
{
	(void)state;
	struct bw_http_limits d = bw_http_default_limits();
	/* no AWS JSON or query API needs more; S3 will stream */
	assert_int_equal(d.max_body_bytes, (size_t)8 << 20);
	assert_int_equal(d.max_buffered_bytes, (size_t)256 << 20);
	assert_true(d.max_connections_per_ip > 0 && d.max_connections_per_ip < d.max_connections);
	assert_true(d.pressure_timeout_ms < d.header_timeout_ms);
	assert_true(d.body_timeout_ms > 0 && d.idle_timeout_ms > 0);
}

/* An address at its limit: its own oldest idle connection makes way, other
 * addresses are untouched; all of its connections busy: refused. */
static void test_per_address_limit(void **state)
{
	(void)state;
	struct bw_http_limits lim = bw_http_default_limits();
	lim.max_connections_per_ip = 3;
	lim.header_timeout_ms = 2000;
	start_echo(&lim, 1); /* one loop: "oldest idle" is per loop */
	struct rd a[3], b = {.fd = conn_from("127.0.0.3")};
	get_ok(&b, "/b");
	for (int i = 0; i < 3; i++) {
		a[i] = (struct rd){.fd = conn_from("127.0.0.2")};
		get_ok(&a[i], "/a");
		usleep(5 * 1000);
	}
	struct rd a4 = {.fd = conn_from("127.0.0.2")};
	get_ok(&a4, "/a4");
	/* made way: a[0] (same address, oldest idle); b is older but not .2 */
	assert_true(closed_soon(&a[0]));
	get_ok(&b, "/b-again");
	get_ok(&a[1], "/a1");
	close(a[0].fd);

	/* .2's connections all busy: a new one from .2 is refused, .3 is not */
	say(a[1].fd, "GET /slow HTTP/1.1\r\n");
	say(a[2].fd, "GET /slow HTTP/1.1\r\n");
	say(a4.fd, "GET /slow HTTP/1.1\r\n");
	usleep(20 * 1000);
	struct rd a5 = {.fd = conn_from("127.0.0.2")};
	struct resp p;
	assert_true(read_resp(&a5, &p, false));
	assert_int_equal(p.status, 503);
	close(a5.fd);
	struct rd b2 = {.fd = conn_from("127.0.0.3")};
	get_ok(&b2, "/b2");
	close(b2.fd);
	close(b.fd);
	close(a[1].fd);
	close(a[2].fd);
	close(a4.fd);
	stop_server();
}

/* 1,100 idle connections from one address, then a client from another and
 * one from the same address: both served (the regression: 503 for as long
 * as the idle ones were held). */
static void test_many_idle_connections(void **state)
{
	(void)state;
	enum { N = 1100 };
	struct bw_http_limits lim = bw_http_default_limits();
	lim.max_connections = 256;
	lim.max_connections_per_ip = 200;
	start_echo(&lim, 2);
	static int fds[N];
	for (int i = 0; i < N; i++)
		fds[i] = conn_from(i % 2 ? "127.0.0.5" : "127.0.0.6");
	usleep(100 * 1000);
	struct rd r = {.fd = conn_from("127.0.0.7")};
	get_ok(&r, "/other-address");
	close(r.fd);
	r = (struct rd){.fd = conn_from("127.0.0.5")};
	get_ok(&r, "/same-address");
	close(r.fd);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	stop_server();
}

/* Past 75% of the cap, idle connections and slow heads get the short
 * timeout, even those whose timers were set before; below it they do not. */
static void test_pressure_timeouts(void **state)
{
	(void)state;
	struct bw_http_limits lim = bw_http_default_limits();
	lim.max_connections = 8;
	lim.idle_timeout_ms = 60000;
	lim.header_timeout_ms = 60000;
	lim.pressure_timeout_ms = 200;
	start_echo(&lim, 1); /* one loop: which connections go is then certain */
	struct rd r[7];
	for (int i = 0; i < 2; i++) {
		r[i] = (struct rd){.fd = conn()};
		get_ok(&r[i], "/calm");
	}
	say(r[1].fd, "GET /slow HTTP/1.1\r\n");
	usleep(500 * 1000);
	get_ok(&r[0], "/still-open"); /* 2 of 8: no pressure */
	for (int i = 2; i < 7; i++) {
		r[i] = (struct rd){.fd = conn()};
		get_ok(&r[i], "/crowd");
	}
	/* 7 of 8: after ~200 ms the slow head gets 408, then the oldest idle
	 * connection goes, which ends the pressure: the others stay */
	usleep(700 * 1000);
	struct resp p;
	assert_true(read_resp(&r[1], &p, false));
	assert_int_equal(p.status, 408);
	assert_true(closed_soon(&r[0]));
	for (int i = 2; i < 7; i++)
		get_ok(&r[i], "/kept");
	for (int i = 0; i < 7; i++)
		close(r[i].fd);
	stop_server();
}

/* A body that keeps coming is not cut off by body_timeout_ms; one that
 * stops is. */
static void test_body_progress(void **state)
{
	(void)state;
	struct bw_http_limits lim = bw_http_default_limits();
	lim.body_timeout_ms = 300;
	start_echo(&lim, 2);
	struct rd r = {.fd = conn()};
	say(r.fd, "PUT /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n");
	for (int i = 0; i < 6; i++) {
		usleep(150 * 1000); /* 900 ms in all, three times the timeout */
		say(r.fd, "x");
	}
	struct resp p;
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 200);
	assert_string_equal(p.body, "PUT /slow? xxxxxx");
	say(r.fd, "PUT /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nxx");
	assert_true(read_resp(&r, &p, false));
	assert_int_equal(p.status, 408);
	close(r.fd);
	stop_server();
}

/* Every connection's request bytes share one budget: a body that would pass
 * it is refused (503) while the others go on, and what a finished request
 * held is given back. */
static void test_buffered_budget(void **state)
{
	(void)state;
	struct bw_http_limits lim = bw_http_default_limits();
	lim.max_body_bytes = 300000;
	lim.max_buffered_bytes = 400000;
	start_echo(&lim, 2);
	static char chunk[100000];
	memset(chunk, 'b', sizeof chunk);
	chunk[sizeof chunk - 1] = 0;
	const size_t piece = sizeof chunk - 1;
	struct rd a = {.fd = conn()}, b = {.fd = conn()};
	say(a.fd, "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 299997\r\n\r\n");
	say(a.fd, chunk);
	say(a.fd, chunk); /* a holds ~200 KB; its buffer can grow to 300 KB */
	usleep(50 * 1000);
	say(b.fd, "PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 299997\r\n\r\n");
	say(b.fd, chunk);
	for (int i = 0; i < 2; i++) {
		if (send(b.fd, chunk, piece, MSG_NOSIGNAL) != (ssize_t)piece)
			break; /* refused and closed already */
	}
	struct resp p;
	assert_true(read_resp(&b, &p, false));
	assert_int_equal(p.status, 503);
	close(b.fd);
	say(a.fd, chunk); /* a finishes */
	assert_true(read_resp(&a, &p, false));
	assert_int_equal(p.status, 200);
	/* given back: the same again fits */
	say(a.fd, "PUT /a2 HTTP/1.1\r\nHost: x\r\nContent-Length: 299997\r\n\r\n");
	for (int i = 0; i < 3; i++)
		say(a.fd, chunk);
	assert_true(read_resp(&a, &p, false));
	assert_int_equal(p.status, 200);
	close(a.fd);
	stop_server();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_http10),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_413_mid_upload),
		cmocka_unit_test(test_slow_client),
		cmocka_unit_test(test_expect_continue),
		cmocka_unit_test(test_connection_limit),
		cmocka_unit_test(test_stop_answers_in_flight),
		cmocka_unit_test(test_sigterm),
		cmocka_unit_test(test_defer_resume),
		cmocka_unit_test(test_defer_many),
		cmocka_unit_test(test_defer_pipelined),
		cmocka_unit_test(test_defer_client_gone),
		cmocka_unit_test(test_defer_shutdown),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_per_address_limit),
		cmocka_unit_test(test_many_idle_connections),
		cmocka_unit_test(test_pressure_timeouts),
		cmocka_unit_test(test_body_progress),
		cmocka_unit_test(test_buffered_budget),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
