/*
 * test_metrics.c: /_bulwark/metrics. The text exposition (escaping,
 * histograms cumulative to +Inf with _sum and _count), the counters summed
 * over threads, the access rule as a function of the peer and the
 * authentication result, and that rule end to end through the gateway from
 * a peer beyond loopback (no socket: the request names its peer), which a
 * live test bound to loopback cannot reach.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "auth/sigv4.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/account.h"
#include "gateway/gateway.h"
#include "gateway/metrics.h"
#include "store/store.h"

/* ---- the exposition format ------------------------------------------------ */

static void test_label_escaping(void **state)
{
	(void)state;
	struct bw_buf b = {0};
	assert_int_equal(bw_metrics_label_value(&b, "a\"b\\c\nd"), 0);
	assert_string_equal(bw_buf_cstr(&b), "a\\\"b\\\\c\\nd");
	bw_buf_reset(&b);
	assert_int_equal(bw_metrics_label_value(&b, ""), 0);
	assert_string_equal(bw_buf_cstr(&b), "");
	/* HELP escapes \ and newline, not quotes */
	bw_buf_reset(&b);
	assert_int_equal(bw_metrics_family(&b, "x_total", "counter", "say \"hi\"\\\nbye"), 0);
	assert_string_equal(bw_buf_cstr(&b), "# HELP x_total say \"hi\"\\\\\\nbye\n"
	                                     "# TYPE x_total counter\n");
	bw_buf_free(&b);
}

static void test_histogram_cumulative(void **state)
{
	(void)state;
	static const double bounds[] = {0.5, 1, 2.5};
	static const uint64_t counts[] = {1, 0, 3, 2}; /* last: above 2.5 */
	struct bw_buf b = {0};
	assert_int_equal(bw_metrics_histogram(&b, "h", "op=\"x\"", bounds, counts, 3, 12.25), 0);
	assert_string_equal(bw_buf_cstr(&b), "h_bucket{op=\"x\",le=\"0.5\"} 1\n"
	                                     "h_bucket{op=\"x\",le=\"1\"} 1\n"
	                                     "h_bucket{op=\"x\",le=\"2.5\"} 4\n"
	                                     "h_bucket{op=\"x\",le=\"+Inf\"} 6\n"
	                                     "h_sum{op=\"x\"} 12.25\n"
	                                     "h_count{op=\"x\"} 6\n");
	/* no labels: no empty braces on _sum and _count */
	bw_buf_reset(&b);
	assert_int_equal(bw_metrics_histogram(&b, "h", "", bounds, counts, 3, 0), 0);
	assert_non_null(strstr(bw_buf_cstr(&b), "h_bucket{le=\"0.5\"} 1\n"));
	assert_non_null(strstr(bw_buf_cstr(&b), "h_bucket{le=\"+Inf\"} 6\n"));
	assert_non_null(strstr(bw_buf_cstr(&b), "\nh_sum 0\nh_count 6\n"));
	bw_buf_free(&b);
}

/* ---- the counters ----------------------------------------------------------- */

/* The value of the series that starts with `series ` in text; -1: absent. */
static long long s_value(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

static long long s_scrape(const char *series)
{
	struct bw_buf b = {0};
	assert_int_equal(bw_metrics_render(&b, 1.5), 0);
	long long v = s_value(bw_buf_cstr(&b), series);
	bw_buf_free(&b);
	return v;
}

static void *s_count_thread(void *arg)
{
	const struct bw_service_model *kms = arg;
	for (int i = 0; i < 1000; i++)
		bw_metrics_request(kms, bw_model_op(kms, "Encrypt"), 200, 2000000 /* 2 ms */);
	return NULL;
}

static void test_counters_summed_over_threads(void **state)
{
	(void)state;
	const struct bw_service_model *kms = bw_model_find("kms");
	assert_non_null(kms);
	long long before = s_scrape(
		"bulwark_requests_total{service=\"kms\",operation=\"Encrypt\",status=\"200\"}");
	if (before < 0)
		before = 0;
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, s_count_thread, (void *)kms), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(s_scrape("bulwark_requests_total{service=\"kms\",operation=\"Encrypt\","
	                          "status=\"200\"}"),
	                 before + 3000);
	/* 2 ms: above 0.001, within 0.0025 */
	assert_true(s_scrape("bulwark_request_duration_seconds_bucket{service=\"kms\","
	                     "operation=\"Encrypt\",le=\"0.001\"}") < 3000);
	assert_true(s_scrape("bulwark_request_duration_seconds_bucket{service=\"kms\","
	                     "operation=\"Encrypt\",le=\"0.0025\"}") >= 3000);

	/* unknown operations and services: bounded labels, never the client's text */
	bw_metrics_request(kms, NULL, 400, 1000);
	bw_metrics_request(NULL, NULL, 404, 1000);
	bw_metrics_request(kms, NULL, 0, 1000); /* not an HTTP status */
	assert_int_equal(s_scrape("bulwark_requests_total{service=\"kms\",operation=\"unknown\","
	                          "status=\"400\"}"),
	                 1);
	assert_int_equal(s_scrape("bulwark_requests_total{service=\"kms\",operation=\"unknown\","
	                          "status=\"other\"}"),
	                 1);
	assert_int_equal(s_scrape("bulwark_requests_total{service=\"unknown\",operation=\"unknown\","
	                          "status=\"404\"}"),
	                 1);

	/* the recorder's */
	bw_metrics_recorder_depth(7);
	bw_metrics_recorder_batch(3, 1000000, true);
	bw_metrics_recorder_batch(5, 1000000, false);
	assert_int_equal(s_scrape("bulwark_recorder_queue_depth"), 7);
	assert_int_equal(s_scrape("bulwark_recorder_records_total"), 3);
	assert_int_equal(s_scrape("bulwark_recorder_batches_total"), 1);
	assert_int_equal(s_scrape("bulwark_recorder_batch_size_bucket{le=\"4\"}"), 1);
	assert_int_equal(s_scrape("bulwark_recorder_batch_size_bucket{le=\"+Inf\"}"), 2);
	assert_int_equal(s_scrape("bulwark_recorder_batch_size_sum"), 8);
	assert_int_equal(s_scrape("bulwark_recorder_commit_duration_seconds_count"), 2);
	bw_metrics_store_error();
	assert_int_equal(s_scrape("bulwark_store_errors_total"), 1);
	assert_int_equal(s_scrape("bulwark_build_info{version=\"" BW_VERSION "\"}"), 1);
	assert_int_equal(s_scrape("bulwark_uptime_seconds"), 1);
}

/* ---- the access rule ------------------------------------------------------- */

static void test_loopback(void **state)
{
	(void)state;
	static const struct {
		const char *peer;
		bool loopback;
	} rows[] = {
		{"127.0.0.1", true},     {"127.255.255.254", true},  {"127.0.0.2", true},
		{"::1", true},           {"::ffff:127.0.0.1", true}, {"0:0:0:0:0:0:0:1", true},
		{"128.0.0.1", false},    {"10.0.0.1", false},        {"192.0.2.7", false},
		{"::2", false},          {"::ffff:10.0.0.1", false}, {"fe80::1", false},
		{"0.0.0.0", false},      {"::", false},              {"", false},
		{"127.0.0.1 ", false},   {"localhost", false},       {"127.1", false},
		{"::127.0.0.1", false}, /* IPv4-compatible, not mapped: not loopback */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (bw_metrics_peer_is_loopback(rows[i].peer) != rows[i].loopback)
			fail_msg("peer '%s': loopback should be %d", rows[i].peer, rows[i].loopback);
	}
	assert_false(bw_metrics_peer_is_loopback(NULL));
}

static void test_access_rule(void **state)
{
	(void)state;
	static const char *const loop[] = {"127.0.0.1", "::1"};
	static const char *const remote[] = {"192.0.2.7", "2001:db8::1", ""};
	for (size_t i = 0; i < 2; i++) {
		assert_true(bw_metrics_access(loop[i], BW_METRICS_UNAUTHENTICATED));
		assert_true(bw_metrics_access(loop[i], BW_METRICS_DENIED));
		assert_true(bw_metrics_access(loop[i], BW_METRICS_ALLOWED));
	}
	for (size_t i = 0; i < 3; i++) {
		assert_false(bw_metrics_access(remote[i], BW_METRICS_UNAUTHENTICATED));
		assert_false(bw_metrics_access(remote[i], BW_METRICS_DENIED));
		assert_true(bw_metrics_access(remote[i], BW_METRICS_ALLOWED));
	}
}

/* ---- end to end through the gateway, from beyond loopback ----------------- */

static struct bw_gateway s_gw = {.region = "us-east-1"};
static struct bw_root_credentials s_root;
static char s_dir[64];

struct s_req {
	struct bw_http_request req;
	struct bw_header headers[8];
	char date[20];
	struct bw_buf authorization;
};

static void s_init(struct s_req *r, const char *method, const char *path, const char *body,
                   const char *peer)
{
	memset(r, 0, sizeof *r);
	snprintf(r->req.method, sizeof r->req.method, "%s", method);
	r->req.path = (char *)path;
	r->req.query = (char *)"";
	r->req.target = (char *)path;
	r->req.body = (uint8_t *)body;
	r->req.body_len = body ? strlen(body) : 0;
	r->req.headers = r->headers;
	snprintf(r->req.peer_ip, sizeof r->req.peer_ip, "%s", peer);
}

static void s_header(struct s_req *r, const char *name, const char *value)
{
	r->headers[r->req.nheaders].name = (char *)name;
	r->headers[r->req.nheaders].value = (char *)value;
	r->req.nheaders++;
}

static void s_sign(struct s_req *r, const char *service, const char *akid, const char *secret)
{
	double now = (double)bw_now_ms() / 1000.0;
	assert_int_equal(bw_time_amzdate(now, r->date, sizeof r->date), 0);
	s_header(r, "X-Amz-Date", r->date);
	s_header(r, "Host", "metrics.example.com");
	struct bw_sigv4_sign_params p = {
		.access_key_id = akid,
		.secret = bw_cur_str(secret),
		.region = "us-east-1",
		.service = service,
		.time_s = (int64_t)now,
	};
	r->authorization = (struct bw_buf){0};
	assert_int_equal(bw_sigv4_sign(&r->req, &p, &r->authorization), BW_SIGV4_OK);
	s_header(r, "Authorization", bw_buf_cstr(&r->authorization));
}

static uint16_t s_handle(struct s_req *r, struct bw_http_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->status = 200;
	bw_gateway_handle(&s_gw, &r->req, resp);
	bw_buf_free(&r->authorization);
	return resp->status;
}

/* An IAM query call as the root, from loopback; its response body. */
static void s_iam(const char *body, struct bw_buf *out)
{
	struct s_req r;
	struct bw_http_response resp;
	s_init(&r, "POST", "/", body, "127.0.0.1");
	s_header(&r, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
	s_sign(&r, "iam", s_root.access_key_id, s_root.secret_access_key);
	if (s_handle(&r, &resp) != 200)
		fail_msg("%s: %u %s", body, resp.status, bw_buf_cstr(&resp.body));
	assert_int_equal(bw_buf_append_str(out, bw_buf_cstr(&resp.body)), 0);
	bw_resp_free(&resp);
}

/* The text between <tag> and </tag> in xml, into out. */
static void s_xml(const char *xml, const char *tag, char *out, size_t len)
{
	char open[64], close[64];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *a = strstr(xml, open);
	assert_non_null(a);
	a += strlen(open);
	const char *b = strstr(a, close);
	assert_non_null(b);
	snprintf(out, len, "%.*s", (int)(b - a), a);
}

static uint16_t s_scrape_as(const char *peer, const char *service, const char *akid,
                            const char *secret, struct bw_http_response *resp)
{
	struct s_req r;
	s_init(&r, "GET", "/_bulwark/metrics", NULL, peer);
	if (service)
		s_sign(&r, service, akid, secret);
	return s_handle(&r, resp);
}

static void test_remote_access_end_to_end(void **state)
{
	(void)state;
	struct bw_http_response resp;
	const char *remote = "192.0.2.7";
	/* loopback: no credentials */
	assert_int_equal(s_scrape_as("127.0.0.1", NULL, NULL, NULL, &resp), 200);
	assert_string_equal(bw_resp_header_get(&resp, "Content-Type"), BW_METRICS_CONTENT_TYPE);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "# TYPE bulwark_requests_total counter"));
	bw_resp_free(&resp);
	assert_int_equal(s_scrape_as("::1", NULL, NULL, NULL, &resp), 200);
	bw_resp_free(&resp);

	/* beyond loopback: unsigned, badly signed, signed for another service */
	assert_int_equal(s_scrape_as(remote, NULL, NULL, NULL, &resp), 403);
	assert_null(strstr(bw_buf_cstr(&resp.body), "bulwark_"));
	bw_resp_free(&resp);
	assert_int_equal(s_scrape_as(remote, "bulwark", s_root.access_key_id,
	                             "wrongwrongwrongwrongwrongwrongwrongwrong", &resp),
	                 403);
	bw_resp_free(&resp);
	assert_int_equal(s_scrape_as(remote, "kms", s_root.access_key_id, s_root.secret_access_key,
	                             &resp),
	                 403);
	bw_resp_free(&resp);
	/* the account root is allowed */
	assert_int_equal(s_scrape_as(remote, "bulwark", s_root.access_key_id,
	                             s_root.secret_access_key, &resp),
	                 200);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "bulwark_build_info"));
	bw_resp_free(&resp);

	/* an IAM user: denied without a policy, allowed with one naming the
	 * action, denied again when a Deny joins (case of the action: IAM
	 * matches actions case-insensitively) */
	struct bw_buf out = {0};
	char akid[64], secret[64];
	s_iam("Action=CreateUser&Version=2010-05-08&UserName=scraper", &out);
	bw_buf_reset(&out);
	s_iam("Action=CreateAccessKey&Version=2010-05-08&UserName=scraper", &out);
	s_xml(bw_buf_cstr(&out), "AccessKeyId", akid, sizeof akid);
	s_xml(bw_buf_cstr(&out), "SecretAccessKey", secret, sizeof secret);
	assert_int_equal(s_scrape_as(remote, "bulwark", akid, secret, &resp), 403);
	assert_non_null(strstr(bw_buf_cstr(&resp.body), "bulwark:GetMetrics"));
	bw_resp_free(&resp);
	/* kms:* is not bulwark:* */
	bw_buf_reset(&out);
	s_iam("Action=PutUserPolicy&Version=2010-05-08&UserName=scraper&PolicyName=kms"
	      "&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B"
	      "%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22kms%3A%2A%22%2C%22Resource%22%3A"
	      "%22%2A%22%7D%5D%7D",
	      &out);
	assert_int_equal(s_scrape_as(remote, "bulwark", akid, secret, &resp), 403);
	bw_resp_free(&resp);
	bw_buf_reset(&out);
	s_iam("Action=PutUserPolicy&Version=2010-05-08&UserName=scraper&PolicyName=m"
	      "&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B"
	      "%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22Bulwark%3AgetMetrics%22%2C"
	      "%22Resource%22%3A%22%2A%22%7D%5D%7D",
	      &out);
	assert_int_equal(s_scrape_as(remote, "bulwark", akid, secret, &resp), 200);
	bw_resp_free(&resp);
	/* a condition on the source address is evaluated against the peer */
	bw_buf_reset(&out);
	s_iam("Action=PutUserPolicy&Version=2010-05-08&UserName=scraper&PolicyName=d"
	      "&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B"
	      "%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22bulwark%3A%2A%22%2C%22Resource%22"
	      "%3A%22%2A%22%2C%22Condition%22%3A%7B%22IpAddress%22%3A%7B%22aws%3ASourceIp%22%3A"
	      "%22192.0.2.0%2F24%22%7D%7D%7D%5D%7D",
	      &out);
	assert_int_equal(s_scrape_as(remote, "bulwark", akid, secret, &resp), 403);
	bw_resp_free(&resp);
	assert_int_equal(s_scrape_as("198.51.100.1", "bulwark", akid, secret, &resp), 200);
	bw_resp_free(&resp);
	bw_buf_free(&out);
}

static int setup(void **state)
{
	(void)state;
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-metrics-XXXXXX");
	if (!mkdtemp(s_dir))
		return -1;
	s_gw.authz.policies = bw_policy_cache_new(64);
	return bw_account_open(s_dir, NULL, true, &s_gw.store, &s_gw.root_key, s_gw.account_id,
	                       &s_root);
}

static int teardown(void **state)
{
	(void)state;
	bw_store_close(s_gw.store);
	bw_policy_cache_free(s_gw.authz.policies);
	bw_root_key_clear(&s_gw.root_key);
	return bw_test_store_close(s_dir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_histogram_cumulative),
		cmocka_unit_test(test_counters_summed_over_threads),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_access_rule),
		cmocka_unit_test(test_remote_access_end_to_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
