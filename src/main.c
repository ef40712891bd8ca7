/*
 * main.c: the `bulwark` command line.
 *
 *   bulwark serve [--listen ADDR:PORT] [--data-dir DIR] [--threads N] ...
 *   bulwark version
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/gencache.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/account.h"
#include "gateway/gateway.h"
#include "gateway/recorder.h"
#include "gateway/service_event.h"
#include "services/service.h"
#include "http/server.h"
#include "kmsfile/kmsfile.h"
#include "store/events.h"
#include "store/store.h"
#include "trail/trail.h"

static void s_usage(FILE *out)
{
	fputs("usage: bulwark <command> [options]\n"
	      "\n"
	      "commands:\n"
	      "  init       make the account, root key and root access key; write an aws\n"
	      "             CLI profile (--json, --no-profile, --profile NAME,\n"
	      "             --endpoint-url URL, --region R, --data-dir DIR,\n"
	      "             --passphrase-file F to derive the root key from a passphrase)\n"
	      "  serve      serve the AWS APIs over HTTP\n"
	      "  kms encrypt-file --key-id ID --in F --out F [--context K=V ...]\n"
	      "             [--endpoint-url URL] [--region R]\n"
	      "  kms decrypt-file --in F --out F [--context K=V ...] [--endpoint-url URL]\n"
	      "             envelope encryption of files under a KMS key (a data key from\n"
	      "             GenerateDataKey; format: docs/kms-file-format.md)\n"
	      "  trail verify-chain [--data-dir DIR] [--passphrase-file F]\n"
	      "             recompute the event log's keyed chain with the root key (never\n"
	      "             made here); prints {\"events\": n, \"ok\": true|false,\n"
	      "             \"keyed_from\": seq, \"unkeyed_seqs\": [a, b], \"keyed_seqs\":\n"
	      "             [c, d][, \"bad_seq\": n, \"problem\": why]}, exits 1 when it\n"
	      "             is broken (docs/cloudtrail.md)\n"
	      "  trail validate --trail NAME [--data-dir DIR] [--start-time T] [--end-time T] [--json]\n"
	      "             check a trail's delivered log files against its signed digests\n"
	      "             (like aws cloudtrail validate-logs); exits 1 on any problem\n"
	      "  version    print the version\n"
	      "\n"
	      "serve options:\n"
	      "  --listen ADDR:PORT       address to listen on (default 127.0.0.1:4566;\n"
	      "                           port 0 picks a free port)\n"
	      "  --data-dir DIR           state directory (default ./data)\n"
	      "  --threads N              event loops (default: number of cores)\n"
	      "  --region REGION          region when a request names none (us-east-1)\n"
	      "  --max-body-bytes N       largest request body; 413 on its Content-Length\n"
	      "                           (default 8M; K, M, G suffixes are binary)\n"
	      "  --max-buffered-bytes N   request bytes held by all connections together;\n"
	      "                           503 beyond (default 256M)\n"
	      "  --max-connections N      concurrent connections (default 1024); at the\n"
	      "                           cap a new one closes the oldest idle one\n"
	      "  --max-connections-per-ip N  per client address, IPv6 per /64 (default 256);\n"
	      "                           raise it behind a proxy or NAT\n"
	      "  --log-level LEVEL        debug, info, warn or error (default info)\n"
	      "  --no-access-log          no log line per request\n"
	      "  --trail-retention-days N keep recorded events N days (default 90; 0: forever)\n"
	      "  --trail-delivery-interval-s N  how often trails deliver log files (default 300)\n"
	      "  --trail-digest-interval-s N    how often trails write signed digests (default 3600)\n"
	      "  --passphrase-file F      the root key's passphrase (or BULWARK_PASSPHRASE)\n",
	      out);
}

/* Is the listen address a loopback one? (Logged as a warning otherwise.) */
static int s_loopback_only(const char *listen)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return -1;
	size_t n = (size_t)(colon - listen);
	memcpy(host, listen, n);
	host[n] = 0;
	if (host[0] == '[' && n >= 2 && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = 0;
	}
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127 ? 0 : -1;
	if (inet_pton(AF_INET6, host, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6) ? 0 : -1;
	return -1;
}

/* The passphrase of a passphrase-derived root key: from a file (first line)
 * or BULWARK_PASSPHRASE; NULL when neither is given. */
static int s_read_passphrase(const char *file, char **out)
{
	*out = NULL;
	if (!file) {
		const char *env = getenv("BULWARK_PASSPHRASE");
		if (env && *env && !(*out = strdup(env)))
			return -1;
		return 0;
	}
	FILE *f = fopen(file, "r");
	if (!f) {
		bw_logf(BW_LOG_ERROR, "cannot read the passphrase file %s", file);
		return -1;
	}
	char line[1024];
	bool ok = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	if (!ok) {
		bw_logf(BW_LOG_ERROR, "the passphrase file %s is empty", file);
		return -1;
	}
	line[strcspn(line, "\r\n")] = 0;
	*out = strdup(line);
	bw_cleanse(line, sizeof line);
	return *out && **out ? 0 : -1;
}

static void s_free_passphrase(char *p)
{
	if (p)
		bw_cleanse(p, strlen(p));
	free(p);
}

/* The root's new access key, shown once: text for people, JSON for scripts.
 * Never through the log. */
static void s_print_credentials(FILE *out, const struct bw_root_credentials *c, bool as_json)
{
	if (as_json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "AccountId", c->account_id,
		                      "AccessKeyId", c->access_key_id, "SecretAccessKey",
		                      c->secret_access_key, "UserArn", "");
		char arn[64];
		snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", c->account_id);
		json_object_set_new(j, "UserArn", json_string(arn));
		char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
		if (text) {
			fprintf(out, "%s\n", text);
			bw_cleanse(text, strlen(text));
		}
		free(text);
		json_decref(j);
	} else {
		fprintf(out,
		        "Account %s is ready. The root user's access key, shown only now:\n"
		        "  aws_access_key_id     = %s\n"
		        "  aws_secret_access_key = %s\n",
		        c->account_id, c->access_key_id, c->secret_access_key);
	}
	fflush(out);
}

static int s_init(int argc, char **argv)
{
	enum { OPT_DATA = 1, OPT_JSON, OPT_NO_PROFILE, OPT_PROFILE, OPT_ENDPOINT, OPT_REGION,
	       OPT_PASSPHRASE, OPT_HELP };
	static const struct option opts[] = {
		{"data-dir", required_argument, NULL, OPT_DATA},
		{"json", no_argument, NULL, OPT_JSON},
		{"no-profile", no_argument, NULL, OPT_NO_PROFILE},
		{"profile", required_argument, NULL, OPT_PROFILE},
		{"endpoint-url", required_argument, NULL, OPT_ENDPOINT},
		{"region", required_argument, NULL, OPT_REGION},
		{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	const char *data_dir = "./data", *profile = "bulwark", *endpoint = "http://127.0.0.1:4566";
	const char *region = "us-east-1", *passphrase_file = NULL;
	bool as_json = false, write_profile = true;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: data_dir = optarg; break;
		case OPT_JSON: as_json = true; break;
		case OPT_NO_PROFILE: write_profile = false; break;
		case OPT_PROFILE: profile = optarg; break;
		case OPT_ENDPOINT: endpoint = optarg; break;
		case OPT_REGION: region = optarg; break;
		case OPT_PASSPHRASE: passphrase_file = optarg; break;
		case OPT_HELP: s_usage(stdout); return 0;
		default: s_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		s_usage(stderr);
		return 2;
	}
	bw_log_init(stderr, BW_LOG_WARN);
	struct bw_store *store;
	struct bw_root_key rk;
	struct bw_root_credentials fresh;
	char account[16], *passphrase = NULL;
	if (s_read_passphrase(passphrase_file, &passphrase) != 0)
		return 1;
	int rc = bw_account_open(data_dir, passphrase, true, &store, &rk, account, &fresh);
	s_free_passphrase(passphrase);
	if (rc != 0)
		return 1;
	bw_store_close(store);
	bw_root_key_clear(&rk);
	if (!fresh.access_key_id[0]) {
		fprintf(stderr, "bulwark: %s already holds account %s; its root key was shown when it "
		        "was made\n", data_dir, account);
		return 1;
	}
	int status = 0;
	if (write_profile && bw_account_write_profile(profile, &fresh, endpoint, region) != 0) {
		fprintf(stderr, "bulwark: could not write the aws CLI profile '%s'\n", profile);
		status = 1;
	}
	s_print_credentials(stdout, &fresh, as_json);
	if (write_profile && !as_json && status == 0)
		printf("Wrote the aws CLI profile '%s': aws --profile %s sts get-caller-identity\n",
		       profile, profile);
	bw_cleanse(&fresh, sizeof fresh);
	return status;
}

/* The ticker: each service's periodic work, once a second, until serve ends. */
struct s_ticker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct bw_gateway *gw;
};

static void *s_ticker_main(void *arg)
{
	struct s_ticker *t = arg;
	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		pthread_mutex_unlock(&t->lock);
		bw_services_tick(t->gw->store, &t->gw->root_key, (double)bw_now_ms() / 1000.0);
		/* what the services did by themselves, now in the trail */
		(void)bw_service_events_drain(t->gw->store);
		pthread_mutex_lock(&t->lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!t->stop && pthread_cond_timedwait(&t->wake, &t->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static void s_ticker_stop(struct s_ticker *t)
{
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
}

static int s_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == '-' || *end || end == s || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* A byte count: digits, then optionally K, M or G (powers of 1024). */
static int s_parse_bytes(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == '-' || end == s || v == 0)
		return -1;
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

static int s_serve(int argc, char **argv)
{
	enum { OPT_LISTEN = 1, OPT_DATA, OPT_THREADS, OPT_REGION, OPT_BODY, OPT_CONNS, OPT_LEVEL,
	       OPT_NO_ACCESS_LOG, OPT_PASSPHRASE, OPT_RETENTION, OPT_DELIVERY, OPT_DIGEST, OPT_HELP,
	       OPT_BUFFERED, OPT_CONNS_PER_IP };
	static const struct option opts[] = {
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"data-dir", required_argument, NULL, OPT_DATA},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"region", required_argument, NULL, OPT_REGION},
		{"max-body-bytes", required_argument, NULL, OPT_BODY},
		{"max-connections", required_argument, NULL, OPT_CONNS},
		{"max-buffered-bytes", required_argument, NULL, OPT_BUFFERED},
		{"max-connections-per-ip", required_argument, NULL, OPT_CONNS_PER_IP},
		{"log-level", required_argument, NULL, OPT_LEVEL},
		{"no-access-log", no_argument, NULL, OPT_NO_ACCESS_LOG},
		{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE},
		{"trail-retention-days", required_argument, NULL, OPT_RETENTION},
		{"trail-delivery-interval-s", required_argument, NULL, OPT_DELIVERY},
		{"trail-digest-interval-s", required_argument, NULL, OPT_DIGEST},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	const char *listen = "127.0.0.1:4566", *data_dir = "./data", *region = "us-east-1";
	const char *passphrase_file = NULL;
	int threads = 0;
	bool access_log = true;
	enum bw_log_level level = BW_LOG_INFO;
	struct bw_http_limits limits = bw_http_default_limits();
	size_t v;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			listen = optarg;
			break;
		case OPT_DATA:
			data_dir = optarg;
			break;
		case OPT_THREADS:
			if (s_parse_size(optarg, &v) != 0 || v > 256)
				goto usage;
			threads = (int)v;
			break;
		case OPT_REGION:
			region = optarg;
			break;
		case OPT_BODY:
			if (s_parse_bytes(optarg, &limits.max_body_bytes) != 0)
				goto usage;
			break;
		case OPT_BUFFERED:
			if (s_parse_bytes(optarg, &limits.max_buffered_bytes) != 0)
				goto usage;
			break;
		case OPT_CONNS_PER_IP:
			if (s_parse_size(optarg, &v) != 0 || v > 1000000)
				goto usage;
			limits.max_connections_per_ip = (unsigned)v;
			break;
		case OPT_CONNS:
			if (s_parse_size(optarg, &v) != 0 || v > 1000000)
				goto usage;
			limits.max_connections = (unsigned)v;
			break;
		case OPT_LEVEL:
			if (strcmp(optarg, "debug") == 0)
				level = BW_LOG_DEBUG;
			else if (strcmp(optarg, "info") == 0)
				level = BW_LOG_INFO;
			else if (strcmp(optarg, "warn") == 0)
				level = BW_LOG_WARN;
			else if (strcmp(optarg, "error") == 0)
				level = BW_LOG_ERROR;
			else
				goto usage;
			break;
		case OPT_NO_ACCESS_LOG:
			access_log = false;
			break;
		case OPT_PASSPHRASE:
			passphrase_file = optarg;
			break;
		case OPT_DELIVERY:
			if (s_parse_size(optarg, &v) != 0 || v > 86400)
				goto usage;
			bw_trail_set_delivery_interval_s((double)v);
			break;
		case OPT_DIGEST:
			if (s_parse_size(optarg, &v) != 0 || v > 86400)
				goto usage;
			bw_trail_set_digest_interval_s((double)v);
			break;
		case OPT_RETENTION:
			if (strcmp(optarg, "0") == 0)
				v = 0;
			else if (s_parse_size(optarg, &v) != 0 || v > 100000)
				goto usage;
			bw_events_set_retention_days((int)v);
			break;
		case OPT_HELP:
			s_usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc || strlen(region) >= 32)
		goto usage;
	bw_log_init(stderr, level);
	if (s_loopback_only(listen) != 0)
		bw_logf(BW_LOG_WARN,
		        "listening on %s, beyond loopback, without TLS: requests are signed but not "
		        "encrypted; put a TLS proxy in front",
		        listen);

	struct bw_gateway gw = {.started_ms = bw_now_ms(), .access_log = access_log};
	snprintf(gw.region, sizeof gw.region, "%s", region);
	struct bw_root_credentials fresh;
	char *passphrase = NULL;
	if (s_read_passphrase(passphrase_file, &passphrase) != 0)
		return 1;
	int arc = bw_account_open(data_dir, passphrase, true, &gw.store, &gw.root_key,
	                          gw.account_id, &fresh);
	s_free_passphrase(passphrase);
	if (arc != 0)
		return 1;
	if (fresh.access_key_id[0]) {
		/* first start on an empty data directory: show the root's key once */
		s_print_credentials(stdout, &fresh, false);
		bw_cleanse(&fresh, sizeof fresh);
	}
	gw.authz.policies = bw_policy_cache_new(4096);
	gw.authz.sets = bw_gencache_new(4096);
	/* every call is recorded before it is answered: no recorder, no serve */
#ifdef BW_BENCH_UNRECORDED
	/* bench_unrecorded_bulwark (CMakeLists.txt): the same server without its
	 * trail, only so that bench/ can measure what recording costs */
	bool recording = false;
	bw_logf(BW_LOG_WARN, "this build records no events: it is for benchmarks only");
#else
	bool recording = true;
	/* records of changes committed just before a crash, not yet logged */
	size_t recovered = 0;
	if (bw_recorder_recover(gw.store, &recovered) != 0) {
		bw_store_close(gw.store);
		bw_root_key_clear(&gw.root_key);
		return 1;
	}
	if (recovered)
		bw_logf(BW_LOG_WARN, "%zu records of changes committed before a crash were appended "
		        "to the event log", recovered);
	gw.recorder = bw_recorder_start(gw.store);
#endif
	if (!gw.authz.policies || !gw.authz.sets || (recording && !gw.recorder) ||
	    bw_services_check() != 0) {
		bw_recorder_stop(gw.recorder);
		bw_policy_cache_free(gw.authz.policies);
		bw_gencache_free(gw.authz.sets);
		bw_store_close(gw.store);
		bw_root_key_clear(&gw.root_key);
		return 1;
	}
	bw_log(BW_LOG_INFO, "starting",
	       json_pack("{s:s, s:s, s:s}", "version", BW_VERSION, "data_dir", data_dir, "account",
	                 gw.account_id));

	struct bw_http_server_config cfg = {
		.listen = listen,
		.threads = threads,
		.limits = limits,
		.handler = bw_gateway_handle,
		.ctx = &gw,
	};
	bw_trail_set_data_dir(data_dir); /* where trails deliver until S3 exists */
	struct s_ticker ticker = {.lock = PTHREAD_MUTEX_INITIALIZER,
	                          .wake = PTHREAD_COND_INITIALIZER, .gw = &gw};
	bool ticking = pthread_create(&ticker.thread, NULL, s_ticker_main, &ticker) == 0;
	if (!ticking)
		bw_logf(BW_LOG_ERROR, "cannot start the ticker: timed work (key deletion, "
		        "rotation) will not run");
	int rc = bw_http_serve(&cfg);
	if (ticking)
		s_ticker_stop(&ticker);
	bw_recorder_stop(gw.recorder);
	bw_policy_cache_free(gw.authz.policies);
	bw_gencache_free(gw.authz.sets);
	bw_store_close(gw.store);
	bw_root_key_clear(&gw.root_key);
	bw_log(BW_LOG_INFO, "stopped", NULL);
	return rc == 0 ? 0 : 1;
usage:
	s_usage(stderr);
	return 2;
}

/* `bulwark kms encrypt-file|decrypt-file`: parse, then src/kmsfile/ does it. */
static int s_kms_file(int argc, char **argv, bool encrypt)
{
	enum { OPT_KEY = 1, OPT_IN, OPT_OUT, OPT_CONTEXT, OPT_ENDPOINT, OPT_REGION, OPT_HELP };
	static const struct option opts[] = {
		{"key-id", required_argument, NULL, OPT_KEY},
		{"in", required_argument, NULL, OPT_IN},
		{"out", required_argument, NULL, OPT_OUT},
		{"context", required_argument, NULL, OPT_CONTEXT},
		{"endpoint-url", required_argument, NULL, OPT_ENDPOINT},
		{"region", required_argument, NULL, OPT_REGION},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	const char *key_id = NULL, *in = NULL, *out = NULL, *endpoint = NULL, *region = NULL;
	const char *pairs[BW_KMSFILE_MAX_PAIRS];
	size_t npairs = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KEY: key_id = optarg; break;
		case OPT_IN: in = optarg; break;
		case OPT_OUT: out = optarg; break;
		case OPT_ENDPOINT: endpoint = optarg; break;
		case OPT_REGION: region = optarg; break;
		case OPT_CONTEXT:
			if (npairs == BW_KMSFILE_MAX_PAIRS - 1) {
				fprintf(stderr, "bulwark: too many --context pairs\n");
				return 2;
			}
			pairs[npairs++] = optarg;
			break;
		case OPT_HELP: s_usage(stdout); return 0;
		default: s_usage(stderr); return 2;
		}
	}
	if (optind != argc || !in || !out || (encrypt ? !key_id : key_id || region)) {
		s_usage(stderr);
		return 2;
	}
	const char *cmd = encrypt ? "encrypt-file" : "decrypt-file";
	struct bw_kmsfile_error err = {{0}};
	struct bw_kmsfile_client client;
	json_t *context = NULL;
	int rc = 1;
	if (bw_kmsfile_client_configure(&client, endpoint, region, &err) != 0) {
		fprintf(stderr, "bulwark: kms %s: %s\n", cmd, err.msg);
		return 1;
	}
	struct bw_kmsfile_keys keys = bw_kmsfile_kms_keys(&client);
	if (encrypt) {
		struct bw_kmsfile_encrypt_opts o = {.key_id = key_id};
		if (bw_kmsfile_context_build(pairs, npairs, &context, &err) == 0) {
			o.context = context;
			rc = bw_kmsfile_encrypt_path(in, out, &o, &keys, &err) == 0 ? 0 : 1;
		}
	} else {
		rc = bw_kmsfile_decrypt_path(in, out, pairs, npairs, &keys, &err) == 0 ? 0 : 1;
	}
	if (rc != 0)
		fprintf(stderr, "bulwark: kms %s: %s\n", cmd, err.msg);
	json_decref(context);
	bw_kmsfile_client_clean_up(&client);
	return rc;
}

/* Refuse to verify a data directory that is not there: verify-chain reads,
 * it never makes a directory, a database or a key. */
static bool s_has_file(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	return n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* [first, last] of n rows from first (null when n is 0). */
static json_t *s_seq_range(uint64_t first, uint64_t n)
{
	return n ? json_pack("[I, I]", (json_int_t)first, (json_int_t)(first + n - 1)) : json_null();
}

/* `bulwark trail verify-chain`: recompute the event log's keyed chain. */
static int s_trail_verify_chain(int argc, char **argv)
{
	enum { OPT_DATA = 1, OPT_PASSPHRASE, OPT_HELP };
	static const struct option opts[] = {
		{"data-dir", required_argument, NULL, OPT_DATA},
		{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	const char *data_dir = "./data", *passphrase_file = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: data_dir = optarg; break;
		case OPT_PASSPHRASE: passphrase_file = optarg; break;
		case OPT_HELP: s_usage(stdout); return 0;
		default: s_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		s_usage(stderr);
		return 2;
	}
	bw_log_init(stderr, BW_LOG_WARN);
	struct stat st;
	if (stat(data_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    !s_has_file(data_dir, "bulwark.db")) {
		fprintf(stderr, "bulwark: trail verify-chain: %s is not a data directory (no "
		        "bulwark.db)\n", data_dir);
		return 1;
	}
	if (!s_has_file(data_dir, "events.db")) {
		fprintf(stderr, "bulwark: trail verify-chain: %s has no event log (events.db)\n",
		        data_dir);
		return 1;
	}
	/* The chain is keyed with a key derived from the root key: without it
	 * nothing can be verified, and verifying must never make one. */
	struct bw_root_key rk;
	char *passphrase = NULL;
	if (s_read_passphrase(passphrase_file, &passphrase) != 0)
		return 1;
	enum bw_root_key_rc krc = bw_root_key_load(data_dir, passphrase, &rk);
	s_free_passphrase(passphrase);
	if (krc == BW_ROOT_KEY_ABSENT)
		fprintf(stderr, "bulwark: trail verify-chain: %s has no root key (root.key or "
		        "root.kdf); the event log's chain is keyed with a key derived from it\n",
		        data_dir);
	if (krc != BW_ROOT_KEY_OK)
		return 1;
	uint8_t key[BW_EVENTS_CHAIN_KEY_LEN];
	int derived = bw_events_derive_chain_key(&rk, key);
	bw_root_key_clear(&rk);
	struct bw_store *store;
	if (derived != 0 || bw_store_open(data_dir, &store) != 0) {
		bw_cleanse(key, sizeof key);
		return 1;
	}
	struct bw_events_chain_report r;
	bool ok = bw_events_verify_chain(store, key, sizeof key, &r) == 0;
	bw_cleanse(key, sizeof key);
	json_t *j = json_pack("{s:I, s:b}", "events", (json_int_t)bw_events_count(store), "ok", ok);
	if (j) {
		json_object_set_new(j, "keyed_from",
		                    r.keyed_from ? json_integer((json_int_t)r.keyed_from)
		                                 : json_null());
		/* which rows were checked how: SHA-256 before the mark, keyed after */
		json_object_set_new(j, "unkeyed_seqs", s_seq_range(r.first_seq, r.unkeyed));
		json_object_set_new(j, "keyed_seqs", s_seq_range(r.first_seq + r.unkeyed, r.keyed));
		if (!ok) {
			json_object_set_new(j, "bad_seq", json_integer((json_int_t)r.bad_seq));
			json_object_set_new(j, "problem", json_string(r.problem ? r.problem : "?"));
		}
	}
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text)
		printf("%s\n", text);
	if (!ok && r.bad_seq)
		fprintf(stderr, "bulwark: trail verify-chain: %s (first bad seq %" PRIu64 ")\n",
		        r.problem ? r.problem : "the chain does not hold", r.bad_seq);
	else if (!ok)
		fprintf(stderr, "bulwark: trail verify-chain: %s\n",
		        r.problem ? r.problem : "the chain does not hold");
	free(text);
	json_decref(j);
	bw_store_close(store);
	return ok && text ? 0 : 1;
}

static int s_trail(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify-chain") == 0)
		return s_trail_verify_chain(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "validate") == 0)
		return bw_trail_validate_main(argc - 1, argv + 1);
	fprintf(stderr, "bulwark: trail: expected verify-chain or validate\n");
	s_usage(stderr);
	return 2;
}

static int s_kms(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "encrypt-file") == 0)
		return s_kms_file(argc - 1, argv + 1, true);
	if (argc >= 2 && strcmp(argv[1], "decrypt-file") == 0)
		return s_kms_file(argc - 1, argv + 1, false);
	fprintf(stderr, "bulwark: kms: expected encrypt-file or decrypt-file\n");
	s_usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		s_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return s_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "init") == 0)
		return s_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "kms") == 0)
		return s_kms(argc - 1, argv + 1);
	if (strcmp(argv[1], "trail") == 0)
		return s_trail(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("bulwark %s\n", BW_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		s_usage(stdout);
		return 0;
	}
	fprintf(stderr, "bulwark: unknown command '%s'\n", argv[1]);
	s_usage(stderr);
	return 2;
}
