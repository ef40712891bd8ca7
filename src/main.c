/*
 * main.c: the `bulwark` command line.
 *
 *   bulwark init | serve | root create-access-key | kms ... | trail ... | version
 *
 * Each command checks all of its arguments before it makes any state, and
 * has its own --help (the s_usage_* texts).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/policy.h"
#include "core/gencache.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crypto/certs.h"
#include "gateway/account.h"
#include "gateway/gateway.h"
#include "gateway/recorder.h"
#include "gateway/service_event.h"
#include "services/service.h"
#include "http/listen.h"
#include "http/tls.h"
#include "http/server.h"
#include "kmsfile/kmsfile.h"
#include "store/events.h"
#include "store/store.h"
#include "trail/trail.h"

/* Each command's own help (`bulwark <command> --help`), and all of them
 * together for `bulwark --help`. */
static const char s_usage_init[] =
	"usage: bulwark init [--data-dir DIR] [--json] [--no-profile] [--profile NAME]\n"
	"                    [--endpoint-url URL] [--region R] [--passphrase-file F]\n"
	"  make the account, root key and root access key in DIR (default ./data), and\n"
	"  write an aws CLI profile (default 'bulwark') for them; --passphrase-file\n"
	"  derives the root key from a passphrase (or BULWARK_PASSPHRASE). Also a local\n"
	"  CA and a certificate for localhost in DIR/tls/ (serve's TLS), and the profile\n"
	"  gets https://127.0.0.1:4566 and ca_bundle = DIR/tls/ca.pem. On a data\n"
	"  directory that holds an account already, see `bulwark root create-access-key`.\n";
static const char s_usage_root[] =
	"usage: bulwark root create-access-key [--data-dir DIR] [--json] [--profile NAME]\n"
	"                    [--endpoint-url URL] [--region R] [--passphrase-file F]\n"
	"  make a new access key of the account root (AWS allows the root two), print it\n"
	"  once and, with --profile, write an aws CLI profile for it; the server of DIR\n"
	"  must be stopped\n";
static const char s_usage_serve[] =
	"usage: bulwark serve [options]\n"
	"  serve the AWS APIs over HTTPS and HTTP on one port (one server per data\n"
	"  directory and per address)\n"
	"  --tls-cert FILE          TLS certificate chain (PEM); default DIR/tls/server.pem\n"
	"                           when bulwark init made one\n"
	"  --tls-key FILE           its private key (PEM); default DIR/tls/server.key\n"
	"  --require-tls            refuse plain HTTP (403) except from loopback\n"
	"  --listen ADDR:PORT       address to listen on (default 127.0.0.1:4566; port 0\n"
	"                           picks a free port; localhost is 127.0.0.1; a host\n"
	"                           alone listens on port 4566)\n"
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
	"  --passphrase-file F      the root key's passphrase (or BULWARK_PASSPHRASE)\n";
static const char s_usage_kms[] =
	"usage: bulwark kms encrypt-file --key-id ID --in F --out F [--context K=V ...]\n"
	"                                [--endpoint-url URL] [--region R]\n"
	"       bulwark kms decrypt-file --in F --out F [--context K=V ...] [--endpoint-url URL]\n"
	"  envelope encryption of files under a KMS key (a data key from GenerateDataKey;\n"
	"  format: docs/kms-file-format.md)\n";
static const char s_usage_verify_chain[] =
	"usage: bulwark trail verify-chain [--data-dir DIR] [--passphrase-file F]\n"
	"  recompute the event log's keyed chain with the root key (never made here);\n"
	"  prints {\"events\": n, \"ok\": true|false, \"keyed_from\": seq, \"unkeyed_seqs\":\n"
	"  [a, b], \"keyed_seqs\": [c, d][, \"bad_seq\": n, \"problem\": why]}, exits 1 when\n"
	"  it is broken (docs/cloudtrail.md)\n";
static const char s_usage_validate[] =
	"usage: bulwark trail validate --trail NAME [--data-dir DIR] [--start-time T]\n"
	"                              [--end-time T] [--json]\n"
	"  check a trail's delivered log files against its signed digests (like aws\n"
	"  cloudtrail validate-logs); exits 1 on a problem, 2 when nothing could be\n"
	"  validated (no file yet)\n";

static void s_usage(FILE *out)
{
	fputs("usage: bulwark <command> [options]   (bulwark <command> --help for one)\n"
	      "\n"
	      "commands: init, serve, root create-access-key, kms encrypt-file, kms\n"
	      "decrypt-file, trail verify-chain, trail validate, version\n\n",
	      out);
	fputs(s_usage_init, out);
	fputs(s_usage_serve, out);
	fputs(s_usage_root, out);
	fputs(s_usage_kms, out);
	fputs(s_usage_verify_chain, out);
	fputs(s_usage_validate, out);
	fputs("usage: bulwark version\n", out);
}

/*
 * Every command parses with these: getopt stays quiet (opterr = 0) and
 * answers '?' for an unknown option and ':' for one missing its value, so
 * that the complaint names the option and the command, then the command's
 * own usage. -h is --help everywhere.
 */
#define S_OPTSTRING ":h"

static int s_bad_option(const char *cmd, int c, char **argv, const char *usage)
{
	const char *opt = argv[optind - 1];
	bool is_long = strncmp(opt, "--", 2) == 0;
	int name_len = (int)strcspn(opt, "=");
	if (c == ':')
		fprintf(stderr, "bulwark %s: option %s needs a value\n", cmd, opt);
	else if (is_long && optopt) /* a known flag given "=value" */
		fprintf(stderr, "bulwark %s: option %.*s takes no value\n", cmd, name_len, opt);
	else if (is_long)
		fprintf(stderr, "bulwark %s: unknown option %.*s\n", cmd, name_len, opt);
	else
		fprintf(stderr, "bulwark %s: unknown option -%c\n", cmd, optopt);
	fputs(usage, stderr);
	return 2;
}

static int s_bad_value(const char *cmd, const char *opt, const char *value, const char *why)
{
	fprintf(stderr, "bulwark %s: invalid --%s '%s'%s%s\n", cmd, opt, value, why ? ": " : "",
	        why ? why : "");
	return 2;
}

static int s_extra_args(const char *cmd, int argc, char **argv, const char *usage)
{
	if (optind == argc)
		return 0;
	fprintf(stderr, "bulwark %s: unexpected argument '%s'\n", cmd, argv[optind]);
	fputs(usage, stderr);
	return 2;
}

/* Where bulwark init keeps the server certificate it made: DIR/tls/. */
static int s_init_tls_paths(const char *data_dir, char *cert, char *key, size_t len)
{
	int a = snprintf(cert, len, "%s/tls/server.pem", data_dir);
	int b = snprintf(key, len, "%s/tls/server.key", data_dir);
	return a < 0 || b < 0 || (size_t)a >= len || (size_t)b >= len ? -1 : 0;
}

/*
 * Point the profile just written at init's CA: the aws CLI then checks the
 * server's certificate against DIR/tls/ca.pem alone. bw_account_write_profile
 * writes the profile's section last in the config file, so the line is
 * appended to it.
 */
static int s_profile_add_ca_bundle(const char *ca_path)
{
	char path[4096];
	const char *env = getenv("AWS_CONFIG_FILE");
	const char *home = getenv("HOME");
	int n = env && *env ? snprintf(path, sizeof path, "%s", env)
	        : home && *home ? snprintf(path, sizeof path, "%s/.aws/config", home) : -1;
	if (n < 0 || (size_t)n >= sizeof path)
		return -1;
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char line[PATH_MAX + 32];
	n = snprintf(line, sizeof line, "ca_bundle = %s\n", ca_path);
	int rc = n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) == n &&
	         fsync(fd) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

/* Is the (parsed) listen address a loopback one? (Warned about otherwise.) */
static bool s_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)ss)->sin_addr.s_addr) >>
		        24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr);
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

/* Take the data directory for this command, or say who holds it. */
static int s_lock_or_say(const char *cmd, const char *data_dir, struct bw_data_lock *lock,
                         const char *advice)
{
	long holder = 0;
	int rc = bw_data_dir_lock(data_dir, lock, &holder);
	if (rc == 1) {
		char pid[32] = "";
		if (holder > 0)
			snprintf(pid, sizeof pid, " (pid %ld)", holder);
		fprintf(stderr, "bulwark %s: %s is in use by another bulwark process%s, which holds "
		        "%s/serve.lock; one process per data directory%s%s\n", cmd, data_dir, pid,
		        data_dir, advice ? ". " : "", advice ? advice : "");
	}
	return rc == 0 ? 0 : -1;
}

/*
 * `bulwark init` (root == false) and `bulwark root create-access-key`
 * (root == true): both end with a root access key shown once and, if
 * asked, an aws CLI profile for it; init makes the account, the other
 * adds a key to an account that exists.
 */
static int s_credentials_cmd(int argc, char **argv, bool root)
{
	enum { OPT_DATA = 1, OPT_JSON, OPT_NO_PROFILE, OPT_PROFILE, OPT_ENDPOINT, OPT_REGION,
	       OPT_PASSPHRASE, OPT_HELP };
	static const struct option init_opts[] = {
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
	const char *cmd = root ? "root create-access-key" : "init";
	const char *usage = root ? s_usage_root : s_usage_init;
	const char *data_dir = "./data", *profile = root ? NULL : "bulwark";
	const char *endpoint = NULL, *region = "us-east-1";
	const char *passphrase_file = NULL;
	bool as_json = false, no_profile = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, S_OPTSTRING, init_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: data_dir = optarg; break;
		case OPT_JSON: as_json = true; break;
		case OPT_NO_PROFILE: no_profile = true; break;
		case OPT_PROFILE: profile = optarg; break;
		case OPT_ENDPOINT: endpoint = optarg; break;
		case OPT_REGION: region = optarg; break;
		case OPT_PASSPHRASE: passphrase_file = optarg; break;
		case 'h':
		case OPT_HELP: fputs(usage, stdout); return 0;
		default: return s_bad_option(cmd, c, argv, usage);
		}
	}
	if (s_extra_args(cmd, argc, argv, usage) != 0)
		return 2;
	if (no_profile)
		profile = NULL;
	if (profile && (!*profile || strpbrk(profile, "[]\n\r")))
		return s_bad_value(cmd, "profile", profile, "not a profile name");
	bw_log_init(stderr, BW_LOG_WARN);
	/* a key for an account that is not there would make one: refuse */
	struct stat st;
	char db[4096];
	int n = snprintf(db, sizeof db, "%s/bulwark.db", data_dir);
	if (root && (n < 0 || (size_t)n >= sizeof db || stat(db, &st) != 0)) {
		fprintf(stderr, "bulwark %s: %s is not a data directory (no bulwark.db); make the "
		        "account with: bulwark init --data-dir %s\n", cmd, data_dir, data_dir);
		return 1;
	}
	char *passphrase = NULL;
	if (s_read_passphrase(passphrase_file, &passphrase) != 0)
		return 1;
	char advice[512];
	snprintf(advice, sizeof advice, "Its account exists; for a new root access key%s, stop "
	         "it and run: bulwark root create-access-key --data-dir %s%s%s", profile ?
	         " and profile" : "", data_dir, profile ? " --profile " : "", profile ? profile : "");
	struct bw_data_lock lock;
	if (s_lock_or_say(cmd, data_dir, &lock, advice) != 0) {
		s_free_passphrase(passphrase);
		return 1;
	}
	struct bw_store *store;
	struct bw_root_key rk;
	struct bw_root_credentials fresh;
	char account[16];
	int rc = bw_account_open(data_dir, passphrase, !root, &store, &rk, account, &fresh);
	s_free_passphrase(passphrase);
	if (rc != 0) {
		bw_data_dir_unlock(&lock);
		return 1;
	}
	int made = 0;
	if (root && !fresh.access_key_id[0])
		made = bw_account_new_root_access_key(store, &rk, account, &fresh);
	bw_store_close(store);
	bw_root_key_clear(&rk);
	bw_data_dir_unlock(&lock);
	if (made == 1) {
		fprintf(stderr, "bulwark %s: the root user of account %s has two access keys, AWS's "
		        "limit: delete one first (aws iam delete-access-key --access-key-id ID)\n",
		        cmd, account);
		return 1;
	}
	if (made != 0) {
		fprintf(stderr, "bulwark %s: could not make the access key\n", cmd);
		return 1;
	}
	if (!fresh.access_key_id[0]) {
		fprintf(stderr, "bulwark %s: %s already holds account %s (its root access key was "
		        "shown when it was made). For a new root access key%s, run: bulwark root "
		        "create-access-key --data-dir %s%s%s\n", cmd, data_dir, account,
		        profile ? " and the aws CLI profile" : "", data_dir,
		        profile ? " --profile " : "", profile ? profile : "");
		return 1;
	}
	int status = 0;
	/* a new account gets a local CA and a certificate for localhost, so
	 * that serve speaks TLS from the start (docs/decisions/0014) */
	char tls_dir[4096], ca_path[PATH_MAX + 16] = "";
	bool tls = false;
	if (!root) {
		n = snprintf(tls_dir, sizeof tls_dir, "%s/tls", data_dir);
		char abs[PATH_MAX];
		tls = n > 0 && (size_t)n < sizeof tls_dir && bw_certs_make_local(tls_dir) == 0 &&
		      realpath(tls_dir, abs) && snprintf(ca_path, sizeof ca_path, "%s/ca.pem", abs) > 0;
		if (!tls)
			fprintf(stderr, "bulwark %s: could not make the local TLS certificate; serve "
			        "speaks plain HTTP unless given --tls-cert and --tls-key\n", cmd);
	} else {
		/* a key for an account init made: trust the CA init made, if any */
		char abs[PATH_MAX];
		n = snprintf(tls_dir, sizeof tls_dir, "%s/tls/ca.pem", data_dir);
		tls = n > 0 && (size_t)n < sizeof tls_dir && access(tls_dir, R_OK) == 0 &&
		      realpath(tls_dir, abs) && snprintf(ca_path, sizeof ca_path, "%s", abs) > 0;
	}
	if (!endpoint)
		endpoint = tls ? "https://127.0.0.1:4566" : "http://127.0.0.1:4566";
	if (profile && bw_account_write_profile(profile, &fresh, endpoint, region) != 0) {
		fprintf(stderr, "bulwark %s: could not write the aws CLI profile '%s'\n", cmd,
		        profile);
		status = 1;
	} else if (profile && tls && strncmp(endpoint, "https://", 8) == 0 &&
	           s_profile_add_ca_bundle(ca_path) != 0) {
		fprintf(stderr, "bulwark %s: could not add ca_bundle to the aws CLI profile '%s'\n",
		        cmd, profile);
		status = 1;
	}
	s_print_credentials(stdout, &fresh, as_json);
	if (profile && !as_json && status == 0)
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
	       OPT_BUFFERED, OPT_CONNS_PER_IP, OPT_TLS_CERT, OPT_TLS_KEY, OPT_REQUIRE_TLS };
	static const struct option opts[] = {
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"data-dir", required_argument, NULL, OPT_DATA},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"region", required_argument, NULL, OPT_REGION},
		{"max-body-bytes", required_argument, NULL, OPT_BODY},
		{"max-connections", required_argument, NULL, OPT_CONNS},
		{"max-buffered-bytes", required_argument, NULL, OPT_BUFFERED},
		{"max-connections-per-ip", required_argument, NULL, OPT_CONNS_PER_IP},
		{"tls-cert", required_argument, NULL, OPT_TLS_CERT},
		{"tls-key", required_argument, NULL, OPT_TLS_KEY},
		{"require-tls", no_argument, NULL, OPT_REQUIRE_TLS},
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
	const char *tls_cert = NULL, *tls_key = NULL;
	bool require_tls = false;
	int threads = 0;
	bool access_log = true;
	enum bw_log_level level = BW_LOG_INFO;
	struct bw_http_limits limits = bw_http_default_limits();
	size_t v;
	int c, idx = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, S_OPTSTRING, opts, &idx)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			listen = optarg;
			break;
		case OPT_DATA:
			data_dir = optarg;
			break;
		case OPT_THREADS:
			if (s_parse_size(optarg, &v) != 0 || v > 256)
				goto bad_value;
			threads = (int)v;
			break;
		case OPT_REGION:
			region = optarg;
			break;
		case OPT_BODY:
			if (s_parse_bytes(optarg, &limits.max_body_bytes) != 0)
				goto bad_value;
			break;
		case OPT_BUFFERED:
			if (s_parse_bytes(optarg, &limits.max_buffered_bytes) != 0)
				goto bad_value;
			break;
		case OPT_TLS_CERT:
			tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			tls_key = optarg;
			break;
		case OPT_REQUIRE_TLS:
			require_tls = true;
			break;
		case OPT_CONNS_PER_IP:
			if (s_parse_size(optarg, &v) != 0 || v > 1000000)
				goto bad_value;
			limits.max_connections_per_ip = (unsigned)v;
			break;
		case OPT_CONNS:
			if (s_parse_size(optarg, &v) != 0 || v > 1000000)
				goto bad_value;
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
				goto bad_value;
			break;
		case OPT_NO_ACCESS_LOG:
			access_log = false;
			break;
		case OPT_PASSPHRASE:
			passphrase_file = optarg;
			break;
		case OPT_DELIVERY:
			if (s_parse_size(optarg, &v) != 0 || v > 86400)
				goto bad_value;
			bw_trail_set_delivery_interval_s((double)v);
			break;
		case OPT_DIGEST:
			if (s_parse_size(optarg, &v) != 0 || v > 86400)
				goto bad_value;
			bw_trail_set_digest_interval_s((double)v);
			break;
		case OPT_RETENTION:
			if (strcmp(optarg, "0") == 0)
				v = 0;
			else if (s_parse_size(optarg, &v) != 0 || v > 100000)
				goto bad_value;
			bw_events_set_retention_days((int)v);
			break;
		case 'h':
		case OPT_HELP:
			fputs(s_usage_serve, stdout);
			return 0;
		default:
			return s_bad_option("serve", c, argv, s_usage_serve);
		}
	}
	if (s_extra_args("serve", argc, argv, s_usage_serve) != 0)
		return 2;
	/* Every argument is checked before any state is made: a refused
	 * start leaves no account, key or directory behind. */
	if (!*region || strlen(region) >= 32)
		return s_bad_value("serve", "region", region, NULL);
	/* a host alone ("localhost", "0.0.0.0") listens on the default port */
	char with_port[128];
	if (!strchr(listen, ':') && strlen(listen) < sizeof with_port - 6) {
		snprintf(with_port, sizeof with_port, "%s:4566", listen);
		listen = with_port;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	if (bw_http_parse_addr(listen, &ss, &sl) != 0)
		return s_bad_value("serve", "listen", listen, "expected HOST:PORT (127.0.0.1:4566, "
		                   "[::1]:4566, localhost:4566)");
	bw_log_init(stderr, level);
	if (!tls_cert != !tls_key) {
		fprintf(stderr, "bulwark serve: --tls-cert and --tls-key go together\n");
		return 2;
	}
	/* init's certificate, when no other is given (docs/decisions/0014) */
	char init_cert[4096], init_key[4096];
	if (!tls_cert && s_init_tls_paths(data_dir, init_cert, init_key, sizeof init_cert) == 0 &&
	    access(init_cert, R_OK) == 0 && access(init_key, R_OK) == 0) {
		tls_cert = init_cert;
		tls_key = init_key;
	}
	/* a certificate that will not load is known before any state is made */
	if (tls_cert && bw_http_tls_check(tls_cert, tls_key) != 0)
		return 1;
	if (!s_loopback(&ss) && !tls_cert)
		bw_logf(BW_LOG_WARN,
		        "listening on %s, beyond loopback, without TLS: requests are signed but not "
		        "encrypted; give --tls-cert and --tls-key",
		        listen);
	else if (!s_loopback(&ss) && !require_tls)
		bw_logf(BW_LOG_WARN,
		        "listening on %s, beyond loopback: plain HTTP is still served beside TLS; "
		        "--require-tls refuses it", listen);
	/* a taken address is known before the data directory is touched; the
	 * server checks again as it binds (listen.h) */
	if (bw_http_port_of(&ss) != 0) {
		int probe = bw_http_listen_probe(&ss, sl);
		if (probe < 0) {
			bw_log(BW_LOG_ERROR, "cannot listen",
			       json_pack("{s:s, s:s}", "addr", listen, "error",
			                 errno == EADDRINUSE ? "address in use (another server listens "
			                 "on it)" : strerror(errno)));
			return 1;
		}
		close(probe);
	}

	struct bw_gateway gw = {.started_ms = bw_now_ms(), .access_log = access_log};
	snprintf(gw.region, sizeof gw.region, "%s", region);
	struct bw_root_credentials fresh;
	char *passphrase = NULL;
	if (s_read_passphrase(passphrase_file, &passphrase) != 0)
		return 1;
	/* one server per data directory, held until it exits: two would both
	 * extend the event log from what each read at start */
	struct bw_data_lock lock;
	if (s_lock_or_say("serve", data_dir, &lock, NULL) != 0) {
		s_free_passphrase(passphrase);
		return 1;
	}
	int arc = bw_account_open(data_dir, passphrase, true, &gw.store, &gw.root_key,
	                          gw.account_id, &fresh);
	s_free_passphrase(passphrase);
	if (arc != 0) {
		bw_data_dir_unlock(&lock);
		return 1;
	}
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
		bw_data_dir_unlock(&lock);
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
		bw_data_dir_unlock(&lock);
		return 1;
	}
	bw_log(BW_LOG_INFO, "starting",
	       json_pack("{s:s, s:s, s:s}", "version", BW_VERSION, "data_dir", data_dir, "account",
	                 gw.account_id));

	struct bw_http_server_config cfg = {
		.listen = listen,
		.threads = threads,
		.limits = limits,
		.tls_cert = tls_cert,
		.tls_key = tls_key,
		.require_tls = require_tls,
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
	bw_data_dir_unlock(&lock);
	bw_log(BW_LOG_INFO, "stopped", NULL);
	return rc == 0 ? 0 : 1;
bad_value:
	return s_bad_value("serve", opts[idx].name, optarg, NULL);
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
	const char *cmd = encrypt ? "kms encrypt-file" : "kms decrypt-file";
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, S_OPTSTRING, opts, NULL)) != -1) {
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
		case 'h':
		case OPT_HELP: fputs(s_usage_kms, stdout); return 0;
		default: return s_bad_option(cmd, c, argv, s_usage_kms);
		}
	}
	if (s_extra_args(cmd, argc, argv, s_usage_kms) != 0)
		return 2;
	if (!in || !out || (encrypt ? !key_id : key_id || region)) {
		fprintf(stderr, "bulwark %s: %s\n", cmd,
		        !in || !out ? "--in and --out are required"
		        : encrypt   ? "--key-id is required"
		                    : "--key-id and --region are not options of decrypt-file (the "
		                      "file names its key)");
		fputs(s_usage_kms, stderr);
		return 2;
	}
	struct bw_kmsfile_error err = {{0}};
	struct bw_kmsfile_client client;
	json_t *context = NULL;
	int rc = 1;
	if (bw_kmsfile_client_configure(&client, endpoint, region, &err) != 0) {
		fprintf(stderr, "bulwark %s: %s\n", cmd, err.msg);
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
		fprintf(stderr, "bulwark %s: %s\n", cmd, err.msg);
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
	opterr = 0;
	while ((c = getopt_long(argc, argv, S_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: data_dir = optarg; break;
		case OPT_PASSPHRASE: passphrase_file = optarg; break;
		case 'h':
		case OPT_HELP: fputs(s_usage_verify_chain, stdout); return 0;
		default: return s_bad_option("trail verify-chain", c, argv, s_usage_verify_chain);
		}
	}
	if (s_extra_args("trail verify-chain", argc, argv, s_usage_verify_chain) != 0)
		return 2;
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
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(s_usage_verify_chain, stdout);
		fputs(s_usage_validate, stdout);
		return 0;
	}
	fprintf(stderr, "bulwark trail: expected verify-chain or validate\n");
	fputs(s_usage_verify_chain, stderr);
	fputs(s_usage_validate, stderr);
	return 2;
}

static int s_kms(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "encrypt-file") == 0)
		return s_kms_file(argc - 1, argv + 1, true);
	if (argc >= 2 && strcmp(argv[1], "decrypt-file") == 0)
		return s_kms_file(argc - 1, argv + 1, false);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(s_usage_kms, stdout);
		return 0;
	}
	fprintf(stderr, "bulwark kms: expected encrypt-file or decrypt-file\n");
	fputs(s_usage_kms, stderr);
	return 2;
}

static int s_root(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create-access-key") == 0)
		return s_credentials_cmd(argc - 1, argv + 1, true);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(s_usage_root, stdout);
		return 0;
	}
	fprintf(stderr, "bulwark root: expected create-access-key\n");
	fputs(s_usage_root, stderr);
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
		return s_credentials_cmd(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "root") == 0)
		return s_root(argc - 1, argv + 1);
	if (strcmp(argv[1], "kms") == 0)
		return s_kms(argc - 1, argv + 1);
	if (strcmp(argv[1], "trail") == 0)
		return s_trail(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("bulwark %s\n", BW_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		s_usage(stdout);
		return 0;
	}
	fprintf(stderr, "bulwark: unknown command '%s'\n", argv[1]);
	s_usage(stderr);
	return 2;
}
