/*
 * trail_events.c: the event log's own numbers, apart from HTTP.
 *
 *   trail_events sustain DATA_DIR SECONDS THREADS
 *       THREADS submitters push ~900-byte records through the recorder
 *       (each waits until its record is committed, as the gateway does);
 *       prints records/s and the mean batch size.
 *   trail_events fill DATA_DIR N
 *       append N varied records straight through bw_events_append (batches
 *       of 1000), for LookupEvents latency on a big log.
 *
 * Needs _POSIX_C_SOURCE (nanosleep) under -std=c17. Not built by CMake (bench/ holds only bench_auth there); see
 * bench/RESULTS.md for the command that builds it against libbwcore.a.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "crypto/seal.h"
#include "gateway/recorder.h"
#include "store/events.h"
#include "store/store.h"

static const char *const s_names[] = {"GenerateRandom", "Encrypt", "Decrypt", "CreateKey",
                                      "DescribeKey", "GetUser", "ListUsers", "AssumeRole"};
static const char *const s_sources[] = {"kms.amazonaws.com", "iam.amazonaws.com",
                                        "sts.amazonaws.com"};

/* A record shaped like a real one (~900 bytes). */
static json_t *s_record(uint64_t i, char *id, size_t idlen, char *user, size_t ulen,
                        char *akid, size_t aklen, json_t **res)
{
	snprintf(id, idlen, "%08" PRIx64 "-0000-4000-8000-%012" PRIx64, i, i * 7919);
	snprintf(user, ulen, "user%" PRIu64, i % 1000);
	snprintf(akid, aklen, "AKIA%016" PRIu64, i % 5000);
	char arn[128];
	snprintf(arn, sizeof arn, "arn:aws:kms:us-east-1:111122223333:key/k-%" PRIu64, i % 10000);
	*res = json_pack("[{s:s, s:s}]", "ResourceType", "AWS::KMS::Key", "ResourceName", arn);
	return json_pack(
		"{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s, "
		"s:{s:s, s:{s:s}}, s:n, s:s, s:s, s:b, s:[{s:s, s:s, s:s}], s:s, s:b, s:s, s:s}",
		"eventVersion", "1.09", "userIdentity", "type", "IAMUser", "principalId",
		"AIDAEXAMPLEEXAMPLE01", "arn", "arn:aws:iam::111122223333:user/bench", "accountId",
		"111122223333", "accessKeyId", akid, "userName", user, "eventTime",
		"2026-11-22T18:00:00Z", "eventSource", s_sources[i % 3], "eventName", s_names[i % 8],
		"awsRegion", "us-east-1", "sourceIPAddress", "127.0.0.1", "userAgent",
		"Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux lang/python#3.11.7",
		"requestParameters", "keyId", arn, "encryptionContext", "purpose", "bench",
		"responseElements", "requestID", id, "eventID", id, "readOnly", (int)(i % 2),
		"resources", "ARN", arn, "accountId", "111122223333", "type", "AWS::KMS::Key",
		"eventType", "AwsApiCall", "managementEvent", 1, "recipientAccountId", "111122223333",
		"eventCategory", "Management");
}

struct s_worker {
	struct bw_recorder *rec;
	atomic_bool *stop;
	uint64_t base, done;
};

static void *s_submit(void *arg)
{
	struct s_worker *w = arg;
	for (uint64_t i = w->base; !atomic_load(w->stop); i++) {
		char id[64], user[32], akid[32];
		json_t *res = NULL;
		json_t *r = s_record(i, id, sizeof id, user, sizeof user, akid, sizeof akid, &res);
		struct bw_event_row row = {
			.event_id = id, .event_time_ms = bw_now_ms(), .event_name = s_names[i % 8],
			.event_source = s_sources[i % 3], .username = user, .access_key_id = akid,
			.read_only = i % 2, .resources = res};
		if (!r || bw_recorder_record(w->rec, r, &row) != 0) {
			fprintf(stderr, "record failed\n");
			exit(1);
		}
		json_decref(r);
		json_decref(res);
		w->done++;
	}
	return NULL;
}

/* The store of dir, keyed as a server keys it (the root key made when the
 * directory has none), so that `bulwark serve` can carry on with the log. */
static int s_open(const char *dir, struct bw_store **s, uint8_t key[BW_EVENTS_CHAIN_KEY_LEN])
{
	struct bw_root_key rk;
	if (bw_store_open(dir, s) != 0)
		return -1;
	enum bw_root_key_rc krc = bw_root_key_load(dir, NULL, &rk);
	if (krc == BW_ROOT_KEY_ABSENT)
		krc = bw_root_key_create(dir, NULL, &rk);
	int rc = krc == BW_ROOT_KEY_OK && bw_events_derive_chain_key(&rk, key) == 0 &&
	                 bw_events_set_chain_key(*s, key, BW_EVENTS_CHAIN_KEY_LEN) == 0
	             ? 0
	             : -1;
	bw_root_key_clear(&rk);
	if (rc != 0) {
		bw_store_close(*s);
		*s = NULL;
	}
	return rc;
}

static int s_sustain(const char *dir, int seconds, int threads)
{
	struct bw_store *s;
	uint8_t key[BW_EVENTS_CHAIN_KEY_LEN];
	if (s_open(dir, &s, key) != 0)
		return 1;
	struct bw_recorder *rec = bw_recorder_start(s);
	atomic_bool stop = false;
	struct s_worker w[64];
	pthread_t t[64];
	if (threads > 64)
		threads = 64;
	int64_t t0 = bw_now_ms();
	for (int i = 0; i < threads; i++) {
		w[i] = (struct s_worker){.rec = rec, .stop = &stop, .base = (uint64_t)i << 32};
		pthread_create(&t[i], NULL, s_submit, &w[i]);
	}
	struct timespec ts = {.tv_sec = seconds};
	nanosleep(&ts, NULL);
	atomic_store(&stop, true);
	uint64_t total = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += w[i].done;
	}
	double secs = (double)(bw_now_ms() - t0) / 1000.0;
	uint64_t records, batches;
	bw_recorder_stats(rec, &records, &batches);
	bw_recorder_stop(rec);
	struct bw_events_chain_report report;
	int ok = bw_events_verify_chain(s, key, sizeof key, &report) == 0;
	bw_cleanse(key, sizeof key);
	printf("{\"threads\": %d, \"records\": %" PRIu64 ", \"seconds\": %.2f, \"records_per_s\": "
	       "%.0f, \"mean_batch\": %.1f, \"chain_ok\": %s}\n",
	       threads, total, secs, (double)total / secs,
	       batches ? (double)records / (double)batches : 0.0, ok ? "true" : "false");
	bw_store_close(s);
	return 0;
}

static int s_fill(const char *dir, uint64_t n)
{
	struct bw_store *s;
	uint8_t key[BW_EVENTS_CHAIN_KEY_LEN];
	if (s_open(dir, &s, key) != 0)
		return 1;
	bw_cleanse(key, sizeof key); /* the store keeps its own copy */
	enum { BATCH = 1000 };
	static char texts[BATCH][64], ids[BATCH][64], users[BATCH][32], akids[BATCH][32];
	static char *dumps[BATCH];
	static json_t *res[BATCH];
	static struct bw_event_row rows[BATCH];
	int64_t now = bw_now_ms(), t0 = now;
	(void)texts;
	for (uint64_t done = 0; done < n;) {
		size_t k = 0;
		for (; k < BATCH && done + k < n; k++) {
			uint64_t i = done + k;
			json_t *r = s_record(i, ids[k], sizeof ids[k], users[k], sizeof users[k],
			                     akids[k], sizeof akids[k], &res[k]);
			dumps[k] = json_dumps(r, JSON_COMPACT);
			json_decref(r);
			/* spread over the last 80 days, oldest first */
			rows[k] = (struct bw_event_row){
				.record = dumps[k], .event_id = ids[k],
				.event_time_ms = now - (int64_t)(80LL * 86400000 * (n - i) / n),
				.event_name = s_names[i % 8], .event_source = s_sources[i % 3],
				.username = users[k], .access_key_id = akids[k], .read_only = i % 2,
				.resources = res[k]};
		}
		uint64_t last;
		if (bw_events_append(s, rows, k, &last) != 0)
			return 1;
		for (size_t j = 0; j < k; j++) {
			free(dumps[j]);
			json_decref(res[j]);
		}
		done += k;
	}
	printf("{\"appended\": %" PRIu64 ", \"seconds\": %.1f, \"count\": %" PRIu64 "}\n", n,
	       (double)(bw_now_ms() - t0) / 1000.0, bw_events_count(s));
	bw_store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	bw_log_init(stderr, BW_LOG_WARN);
	if (argc == 5 && strcmp(argv[1], "sustain") == 0)
		return s_sustain(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return s_fill(argv[2], strtoull(argv[3], NULL, 10));
	fprintf(stderr, "usage: trail_events sustain DIR SECONDS THREADS | fill DIR N\n");
	return 2;
}
