/* test_http_peers.c: connections counted per client address (IPv4, IPv6 /64). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "http/peers.h"

static struct bw_http_peer peer4(const char *ip)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(1234)};
	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	struct bw_http_peer p;
	bw_http_peer_of((const struct sockaddr *)&sa, &p);
	return p;
}

static struct bw_http_peer peer6(const char *ip)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(1234)};
	assert_int_equal(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
	struct bw_http_peer p;
	bw_http_peer_of((const struct sockaddr *)&sa, &p);
	return p;
}

static void test_limit_per_address(void **state)
{
	(void)state;
	struct bw_http_peers *t = bw_http_peers_new();
	assert_non_null(t);
	struct bw_http_peer a = peer4("10.0.0.1"), b = peer4("10.0.0.2");
	for (int i = 0; i < 3; i++)
		assert_true(bw_http_peers_add(t, &a, 3));
	assert_false(bw_http_peers_add(t, &a, 3)); /* at its limit */
	assert_int_equal(bw_http_peers_count(t, &a), 3);
	assert_true(bw_http_peers_add(t, &b, 3)); /* others are not */
	bw_http_peers_remove(t, &a);
	assert_true(bw_http_peers_add(t, &a, 3));
	assert_true(bw_http_peers_add(t, &a, 0)); /* 0: no limit */
	assert_int_equal(bw_http_peers_count(t, &a), 4);
	for (int i = 0; i < 4; i++)
		bw_http_peers_remove(t, &a);
	assert_int_equal(bw_http_peers_count(t, &a), 0);
	assert_int_equal(bw_http_peers_count(t, &b), 1);
	bw_http_peers_free(t); /* b's entry is freed with the table */
}

/* An IPv6 host holds a /64: its addresses count as one; an IPv4 client on
 * a dual-stack socket (::ffff:a.b.c.d) is that IPv4 address. */
static void test_ipv6_prefix(void **state)
{
	(void)state;
	struct bw_http_peer x = peer6("2001:db8:1:2::1"), y = peer6("2001:db8:1:2:ffff::9"),
	                    z = peer6("2001:db8:1:3::1");
	assert_memory_equal(x.addr, y.addr, 16);
	assert_memory_not_equal(x.addr, z.addr, 16);
	struct bw_http_peer m = peer6("::ffff:10.0.0.1"), v4 = peer4("10.0.0.1");
	assert_memory_equal(m.addr, v4.addr, 16);
	struct bw_http_peers *t = bw_http_peers_new();
	assert_non_null(t);
	assert_true(bw_http_peers_add(t, &x, 2));
	assert_true(bw_http_peers_add(t, &y, 2));
	assert_false(bw_http_peers_add(t, &y, 2));
	assert_true(bw_http_peers_add(t, &z, 2));
	bw_http_peers_free(t);
}

/* Many addresses: the table grows and every count stays right. */
static void test_many_addresses(void **state)
{
	(void)state;
	struct bw_http_peers *t = bw_http_peers_new();
	assert_non_null(t);
	char ip[32];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5000; i++) {
			snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
			struct bw_http_peer p = peer4(ip);
			assert_true(bw_http_peers_add(t, &p, 2));
		}
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		struct bw_http_peer p = peer4(ip);
		assert_false(bw_http_peers_add(t, &p, 2));
		assert_int_equal(bw_http_peers_count(t, &p), 2);
		bw_http_peers_remove(t, &p);
		bw_http_peers_remove(t, &p);
		assert_int_equal(bw_http_peers_count(t, &p), 0);
	}
	bw_http_peers_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_per_address),
		cmocka_unit_test(test_ipv6_prefix),
		cmocka_unit_test(test_many_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
