/*
 * test_http_tls.c: TLS beside plain HTTP on one port (http/tls.h): the
 * plain-HTTP decision of --require-tls and what counts as loopback; a
 * server with init's certificate (crypto/certs.h) answering a TLS client
 * (tls flag, version and suite on the request) and a plain one on the same
 * port; a handshake that stalls after its first byte, and a connection that
 * never sends one, closed by the head's timeout; a certificate that does
 * not load refused at start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "../fixture.h"
#include "crypto/certs.h"
#include "http/server.h"
#include "http/tls.h"

/* ---- the decision and loopback ------------------------------------------ */

static void test_plain_allowed(void **state)
{
	(void)state;
	assert_true(bw_http_plain_allowed(true, false));
	assert_true(bw_http_plain_allowed(false, false));
	assert_true(bw_http_plain_allowed(true, true));
	assert_false(bw_http_plain_allowed(false, true));
}

static bool s_loop4(const char *ip)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET};
	assert_int_equal(inet_pton(AF_INET, ip, &in4.sin_addr), 1);
	return bw_http_is_loopback((struct sockaddr *)&in4);
}

static bool s_loop6(const char *ip)
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	assert_int_equal(inet_pton(AF_INET6, ip, &in6.sin6_addr), 1);
	return bw_http_is_loopback((struct sockaddr *)&in6);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(s_loop4("127.0.0.1"));
	assert_true(s_loop4("127.255.0.9"));
	assert_false(s_loop4("10.0.0.1"));
	assert_false(s_loop4("128.0.0.1"));
	assert_false(s_loop4("0.0.0.0"));
	assert_true(s_loop6("::1"));
	assert_true(s_loop6("::ffff:127.0.0.1"));
	assert_false(s_loop6("::ffff:10.0.0.1"));
	assert_false(s_loop6("::"));
	assert_false(s_loop6("2001:db8::1"));
	assert_false(s_loop6("fe80::1"));
	assert_false(bw_http_is_loopback(NULL));
}

/* ---- a server with init's certificate ------------------------------------ */

static char s_dir[64], s_cert[128], s_key[128], s_ca[128];
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cond = PTHREAD_COND_INITIALIZER;
static uint16_t s_port;
static bool s_listening;
static pthread_t s_thread;
static struct bw_http_server_config s_cfg;

static void on_listening(void *ctx, const char *addr)
{
	(void)ctx;
	pthread_mutex_lock(&s_lock);
	s_port = (uint16_t)atoi(strrchr(addr, ':') + 1);
	s_listening = true;
	pthread_cond_signal(&s_cond);
	pthread_mutex_unlock(&s_lock);
}

/* "tls=<0|1> <version> <suite>" */
static void describe(void *ctx, const struct bw_http_request *req, struct bw_http_response *resp)
{
	(void)ctx;
	if (bw_buf_appendf(&resp->body, "tls=%d %s %s", req->tls, req->tls_version,
	                   req->tls_cipher) != 0)
		resp->status = 500;
}

static void *serve_main(void *arg)
{
	(void)arg;
	(void)bw_http_serve(&s_cfg);
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	if (bw_test_tmpdir(s_dir, sizeof s_dir, "http-tls") != 0)
		return -1;
	char tls[96];
	snprintf(tls, sizeof tls, "%s/tls", s_dir);
	snprintf(s_cert, sizeof s_cert, "%s/server.pem", tls);
	snprintf(s_key, sizeof s_key, "%s/server.key", tls);
	snprintf(s_ca, sizeof s_ca, "%s/ca.pem", tls);
	if (bw_certs_make_local(tls) != 0)
		return -1;
	struct bw_http_limits lim = bw_http_default_limits();
	lim.header_timeout_ms = 300;
	lim.shutdown_grace_ms = 2000;
	s_cfg = (struct bw_http_server_config){
		.listen = "127.0.0.1:0",
		.threads = 2,
		.limits = lim,
		.tls_cert = s_cert,
		.tls_key = s_key,
		.require_tls = true, /* loopback keeps plain HTTP */
		.handler = describe,
		.on_listening = on_listening,
	};
	if (pthread_create(&s_thread, NULL, serve_main, NULL) != 0)
		return -1;
	pthread_mutex_lock(&s_lock);
	while (!s_listening)
		pthread_cond_wait(&s_cond, &s_lock);
	pthread_mutex_unlock(&s_lock);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bw_http_stop();
	pthread_join(s_thread, NULL);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int conn(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(s_port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read until the server closes; the bytes read (0: closed at once). */
static size_t read_to_close(int fd, char *buf, size_t len)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + got, len - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	return got;
}

static void test_tls_request(void **state)
{
	(void)state;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_load_verify_locations(ctx, s_ca, NULL), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL *ssl = SSL_new(ctx);
	assert_non_null(ssl);
	assert_int_equal(SSL_set1_host(ssl, "127.0.0.1"), 1);
	int fd = conn();
	SSL_set_fd(ssl, fd);
	assert_int_equal(SSL_connect(ssl), 1);
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	assert_int_equal(SSL_write(ssl, req, (int)sizeof req - 1), (int)sizeof req - 1);
	char buf[4096];
	int got = 0, n;
	while ((n = SSL_read(ssl, buf + got, (int)sizeof buf - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "tls=1 TLSv1.3 TLS_"));
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
}

static void test_plain_request_same_port(void **state)
{
	(void)state;
	int fd = conn();
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	assert_int_equal(send(fd, req, sizeof req - 1, 0), (ssize_t)sizeof req - 1);
	char buf[4096];
	read_to_close(fd, buf, sizeof buf);
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "tls=0  "));
	close(fd);
}

/* A handshake record's first byte and nothing more: closed when the head's
 * time (300 ms here) is out, as a stalled plain head would be. */
static void test_stalled_handshake(void **state)
{
	(void)state;
	int fd = conn();
	double t0 = now_s();
	assert_int_equal(send(fd, "\x16", 1, 0), 1);
	char buf[256];
	read_to_close(fd, buf, sizeof buf);
	double took = now_s() - t0;
	assert_true(took >= 0.25);
	assert_true(took < 3.0);
	close(fd);
}

static void test_silent_connection(void **state)
{
	(void)state;
	int fd = conn();
	double t0 = now_s();
	char buf[256];
	assert_int_equal(read_to_close(fd, buf, sizeof buf), 0);
	double took = now_s() - t0;
	assert_true(took >= 0.25);
	assert_true(took < 3.0);
	close(fd);
}

/* A handshake that is garbage past its first byte: closed, no answer. */
static void test_bad_handshake(void **state)
{
	(void)state;
	int fd = conn();
	static const char junk[] = "\x16\x03\x01\x00\x05hello-not-tls";
	assert_int_equal(send(fd, junk, sizeof junk - 1, 0), (ssize_t)sizeof junk - 1);
	char buf[256];
	size_t got = read_to_close(fd, buf, sizeof buf);
	assert_null(strstr(buf, "HTTP/1.1"));
	(void)got;
	close(fd);
}

static void test_bad_certificate_refused(void **state)
{
	(void)state;
	assert_int_equal(bw_http_tls_check(s_cert, s_key), 0);
	assert_int_equal(bw_http_tls_check(s_ca, s_key), -1); /* key of another cert */
	assert_int_equal(bw_http_tls_check("/nonexistent.pem", s_key), -1);
	assert_int_equal(bw_http_tls_check(s_cert, NULL), -1);
	/* init never overwrites: a second CA in the same place is refused */
	char tls[96];
	snprintf(tls, sizeof tls, "%s/tls", s_dir);
	assert_int_equal(bw_certs_make_local(tls), -1);
	struct stat st;
	assert_int_equal(stat(s_key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char ca_key[128];
	snprintf(ca_key, sizeof ca_key, "%s/ca.key", tls);
	assert_int_not_equal(access(ca_key, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_plain_allowed),
		cmocka_unit_test(test_loopback),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_tls_request),
		cmocka_unit_test(test_plain_request_same_port),
		cmocka_unit_test(test_stalled_handshake),
		cmocka_unit_test(test_silent_connection),
		cmocka_unit_test(test_bad_handshake),
		cmocka_unit_test(test_bad_certificate_refused),
	};
	int failed = cmocka_run_group_tests(unit, NULL, NULL);
	return failed + cmocka_run_group_tests(live, setup, teardown);
}
