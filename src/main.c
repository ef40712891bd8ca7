/*
 * main.c: the `bulwark` command line.
 *
 *   bulwark serve [--listen ADDR:PORT] [--data-dir DIR] [--threads N] ...
 *   bulwark version
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "store/store.h"

static void s_usage(FILE *out)
{
	fputs("usage: bulwark <command> [options]\n"
	      "\n"
	      "commands:\n"
	      "  serve      serve the AWS APIs over HTTP\n"
	      "  version    print the version\n"
	      "\n"
	      "serve options:\n"
	      "  --listen ADDR:PORT       address to listen on (default 127.0.0.1:4566;\n"
	      "                           port 0 picks a free port)\n"
	      "  --data-dir DIR           state directory (default ./data)\n"
	      "  --threads N              event loops (default: number of cores)\n"
	      "  --region REGION          region when a request names none (us-east-1)\n"
	      "  --max-body-bytes N       largest request body (default 64 MiB)\n"
	      "  --max-connections N      concurrent connections (default 1024)\n"
	      "  --log-level LEVEL        debug, info, warn or error (default info)\n"
	      "  --no-access-log          no log line per request\n",
	      out);
}

/* Until authentication exists, only this machine may talk to the server. */
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

/* A 12-digit account id for a new installation. */
static int s_new_account_id(char out[13])
{
	uint8_t r[12];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	for (int i = 0; i < 12; i++)
		out[i] = (char)('0' + r[i] % 10);
	if (out[0] == '0')
		out[0] = '1';
	out[12] = 0;
	return 0;
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

static int s_serve(int argc, char **argv)
{
	enum { OPT_LISTEN = 1, OPT_DATA, OPT_THREADS, OPT_REGION, OPT_BODY, OPT_CONNS, OPT_LEVEL,
	       OPT_NO_ACCESS_LOG, OPT_HELP };
	static const struct option opts[] = {
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"data-dir", required_argument, NULL, OPT_DATA},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"region", required_argument, NULL, OPT_REGION},
		{"max-body-bytes", required_argument, NULL, OPT_BODY},
		{"max-connections", required_argument, NULL, OPT_CONNS},
		{"log-level", required_argument, NULL, OPT_LEVEL},
		{"no-access-log", no_argument, NULL, OPT_NO_ACCESS_LOG},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	const char *listen = "127.0.0.1:4566", *data_dir = "./data", *region = "us-east-1";
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
			if (s_parse_size(optarg, &limits.max_body_bytes) != 0)
				goto usage;
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
	if (s_loopback_only(listen) != 0) {
		bw_logf(BW_LOG_ERROR,
		        "refusing to listen on %s: until authentication is in place bulwark serves "
		        "loopback addresses only (127.0.0.0/8, [::1])",
		        listen);
		return 2;
	}

	struct bw_gateway gw = {.started_ms = bw_now_ms(), .access_log = access_log};
	snprintf(gw.region, sizeof gw.region, "%s", region);
	if (bw_store_open(data_dir, &gw.store) != 0)
		return 1;
	char fresh[13];
	if (s_new_account_id(fresh) != 0 ||
	    bw_store_meta_ensure(gw.store, "account_id", fresh, gw.account_id,
	                         sizeof gw.account_id) != 0) {
		bw_logf(BW_LOG_ERROR, "cannot establish the account id");
		bw_store_close(gw.store);
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
	int rc = bw_http_serve(&cfg);
	bw_store_close(gw.store);
	bw_log(BW_LOG_INFO, "stopped", NULL);
	return rc == 0 ? 0 : 1;
usage:
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
