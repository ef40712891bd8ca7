/*
 * metrics.c: the counters of metrics.h and their exposition.
 *
 * Every (service, operation) of the models has a slot, plus one "unknown"
 * operation per service and one unknown service: the label sets are
 * bounded by the models, whatever a client sends. Each thread has its own
 * shard: an array of pointers, one per slot, to that slot's counters,
 * allocated the first time the thread answers that operation. Only the
 * owning thread writes a shard, so an increment is a relaxed load and
 * store (no lock, no locked instruction); a scrape reads them with relaxed
 * loads and sums. A shard lives as long as the process (a list the scrape
 * walks), as its loop does.
 */
#include "gateway/metrics.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_RELAXED memory_order_relaxed

/* request latency buckets, seconds: 0.5 ms to 10 s */
static const double s_latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1,     2.5,  5,    10};
#define S_NB (sizeof s_latency_bounds / sizeof s_latency_bounds[0])
/* recorder batch sizes, records (BW_RECORDER_BATCH_MAX is 1024) */
static const double s_batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
#define S_NBATCH (sizeof s_batch_bounds / sizeof s_batch_bounds[0])

/* the distinct statuses one operation answers on one thread; more than
 * this are counted as status="other" */
#define S_STATUSES 12

struct s_op {
	_Atomic uint16_t status[S_STATUSES]; /* 0: slot free */
	_Atomic uint64_t count[S_STATUSES + 1]; /* [S_STATUSES]: "other" */
	_Atomic uint64_t bucket[S_NB + 1];      /* [S_NB]: above 10 s */
	_Atomic uint64_t sum_ns;
};

struct s_shard {
	struct s_shard *next;
	_Atomic(struct s_op *) *ops; /* s_n_slots */
};

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static size_t s_n_models, s_n_slots;
static size_t *s_base; /* each model's first slot; its unknown op at base + nops */
static pthread_mutex_t s_shards_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s_shard *s_shards;
static _Thread_local struct s_shard *s_mine;

static _Atomic uint64_t s_store_errors;
static _Atomic uint64_t s_rec_depth, s_rec_records, s_rec_batches;
static _Atomic uint64_t s_rec_size[S_NBATCH + 1], s_rec_size_sum;
static _Atomic uint64_t s_rec_commit[S_NB + 1], s_rec_commit_ns;

static void s_init(void)
{
	size_t n = 0;
	while (bw_models[n])
		n++;
	s_base = calloc(n ? n : 1, sizeof *s_base);
	if (!s_base)
		return; /* s_n_slots stays 0: nothing is counted */
	size_t slots = 0;
	for (size_t i = 0; i < n; i++) {
		s_base[i] = slots;
		slots += (size_t)bw_models[i]->nops + 1;
	}
	s_n_models = n;
	s_n_slots = slots + 1; /* the last: the unknown service */
}

static size_t s_slot(const struct bw_service_model *m, const struct bw_operation *op)
{
	for (size_t i = 0; m && i < s_n_models; i++) {
		if (bw_models[i] != m)
			continue;
		if (op && op >= m->ops && op < m->ops + m->nops)
			return s_base[i] + (size_t)(op - m->ops);
		return s_base[i] + m->nops;
	}
	return s_n_slots - 1;
}

static struct s_shard *s_shard(void)
{
	if (s_mine)
		return s_mine;
	struct s_shard *sh = calloc(1, sizeof *sh);
	if (!sh)
		return NULL;
	sh->ops = calloc(s_n_slots, sizeof *sh->ops);
	if (!sh->ops) {
		free(sh);
		return NULL;
	}
	pthread_mutex_lock(&s_shards_lock);
	sh->next = s_shards;
	s_shards = sh;
	pthread_mutex_unlock(&s_shards_lock);
	s_mine = sh;
	return sh;
}

/* The owner's increment: it alone writes, so no read-modify-write is needed. */
static void s_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, S_RELAXED) + v, S_RELAXED);
}

static size_t s_bucket(const double *bounds, size_t n, double v)
{
	size_t i = 0;
	while (i < n && v > bounds[i])
		i++;
	return i;
}

void bw_metrics_request(const struct bw_service_model *m, const struct bw_operation *op,
                        unsigned status, uint64_t duration_ns)
{
	pthread_once(&s_once, s_init);
	struct s_shard *sh = s_n_slots ? s_shard() : NULL;
	if (!sh)
		return; /* out of memory: a metric is not worth failing a call */
	size_t slot = s_slot(m, op);
	struct s_op *o = atomic_load_explicit(&sh->ops[slot], S_RELAXED);
	if (!o) {
		o = calloc(1, sizeof *o);
		if (!o)
			return;
		/* release: a scrape that sees the pointer sees zeroed counters */
		atomic_store_explicit(&sh->ops[slot], o, memory_order_release);
	}
	size_t i = status >= 100 && status <= 599 ? 0 : S_STATUSES;
	for (; i < S_STATUSES; i++) {
		uint16_t s = atomic_load_explicit(&o->status[i], S_RELAXED);
		if (s == status)
			break;
		if (s == 0) {
			atomic_store_explicit(&o->status[i], (uint16_t)status, S_RELAXED);
			break;
		}
	}
	s_add(&o->count[i], 1);
	s_add(&o->bucket[s_bucket(s_latency_bounds, S_NB, (double)duration_ns / 1e9)], 1);
	s_add(&o->sum_ns, duration_ns);
}

void bw_metrics_store_error(void)
{
	atomic_fetch_add_explicit(&s_store_errors, 1, S_RELAXED);
}

void bw_metrics_recorder_depth(size_t queued)
{
	atomic_store_explicit(&s_rec_depth, queued, S_RELAXED);
}

void bw_metrics_recorder_batch(size_t n, uint64_t commit_ns, bool ok)
{
	atomic_fetch_add_explicit(&s_rec_size[s_bucket(s_batch_bounds, S_NBATCH, (double)n)], 1,
	                          S_RELAXED);
	atomic_fetch_add_explicit(&s_rec_size_sum, n, S_RELAXED);
	atomic_fetch_add_explicit(&s_rec_commit[s_bucket(s_latency_bounds, S_NB,
	                                                 (double)commit_ns / 1e9)],
	                          1, S_RELAXED);
	atomic_fetch_add_explicit(&s_rec_commit_ns, commit_ns, S_RELAXED);
	if (ok) {
		atomic_fetch_add_explicit(&s_rec_records, n, S_RELAXED);
		atomic_fetch_add_explicit(&s_rec_batches, 1, S_RELAXED);
	}
}

/* ---- the exposition format ----------------------------------------------- */

static int s_escaped(struct bw_buf *out, const char *v, bool quote)
{
	int rc = 0;
	for (; *v && rc == 0; v++) {
		if (*v == '\\')
			rc = bw_buf_append_str(out, "\\\\");
		else if (*v == '\n')
			rc = bw_buf_append_str(out, "\\n");
		else if (*v == '"' && quote)
			rc = bw_buf_append_str(out, "\\\"");
		else
			rc = bw_buf_append_byte(out, (uint8_t)*v);
	}
	return rc;
}

int bw_metrics_label_value(struct bw_buf *out, const char *value)
{
	return s_escaped(out, value, true);
}

int bw_metrics_family(struct bw_buf *out, const char *name, const char *type, const char *help)
{
	if (bw_buf_appendf(out, "# HELP %s ", name) != 0 || s_escaped(out, help, false) != 0)
		return -1;
	return bw_buf_appendf(out, "\n# TYPE %s %s\n", name, type);
}

int bw_metrics_histogram(struct bw_buf *out, const char *name, const char *labels,
                         const double *bounds, const uint64_t *counts, size_t n, double sum)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t total = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		total += counts[i];
		rc = bw_buf_appendf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
		                    bounds[i], (unsigned long long)total);
	}
	total += counts[n];
	if (rc == 0)
		rc = bw_buf_appendf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
		                    (unsigned long long)total);
	const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
	if (rc == 0)
		rc = bw_buf_appendf(out, "%s_sum%s%s%s %.9g\n%s_count%s%s%s %llu\n", name, open,
		                    labels, close, sum, name, open, labels, close,
		                    (unsigned long long)total);
	return rc;
}

/* ---- the scrape ------------------------------------------------------------ */

static uint64_t s_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, S_RELAXED);
}

/* One slot summed over the shards. */
struct s_sum {
	size_t n_status;
	uint16_t status[64];
	uint64_t count[64 + 1]; /* [64]: "other" */
	uint64_t bucket[S_NB + 1];
	uint64_t sum_ns;
	bool seen;
};

static void s_sum_status(struct s_sum *s, uint16_t status, uint64_t count)
{
	size_t i = 0;
	while (i < s->n_status && s->status[i] != status)
		i++;
	if (i == s->n_status && status != 0 && i < 64)
		s->status[s->n_status++] = status;
	s->count[status != 0 && i < 64 ? i : 64] += count;
}

static void s_sum_slot(size_t slot, struct s_sum *s)
{
	memset(s, 0, sizeof *s);
	for (struct s_shard *sh = s_shards; sh; sh = sh->next) {
		struct s_op *o = atomic_load_explicit(&sh->ops[slot], memory_order_acquire);
		if (!o)
			continue;
		s->seen = true;
		for (size_t i = 0; i < S_STATUSES; i++) {
			uint16_t st = atomic_load_explicit(&o->status[i], S_RELAXED);
			if (st)
				s_sum_status(s, st, s_get(&o->count[i]));
		}
		s_sum_status(s, 0, s_get(&o->count[S_STATUSES]));
		for (size_t i = 0; i <= S_NB; i++)
			s->bucket[i] += s_get(&o->bucket[i]);
		s->sum_ns += s_get(&o->sum_ns);
	}
}

/* service="kms",operation="Encrypt" of a slot */
static int s_slot_labels(struct bw_buf *out, size_t slot)
{
	const char *service = "unknown", *op = "unknown";
	for (size_t i = 0; i < s_n_models; i++) {
		const struct bw_service_model *m = bw_models[i];
		if (slot < s_base[i] || slot > s_base[i] + m->nops)
			continue;
		service = m->name;
		if (slot < s_base[i] + m->nops)
			op = m->ops[slot - s_base[i]].name;
		break;
	}
	bw_buf_reset(out);
	int rc = bw_buf_append_str(out, "service=\"");
	rc |= rc ? -1 : bw_metrics_label_value(out, service);
	rc |= rc ? -1 : bw_buf_append_str(out, "\",operation=\"");
	rc |= rc ? -1 : bw_metrics_label_value(out, op);
	rc |= rc ? -1 : bw_buf_append_str(out, "\"");
	return rc ? -1 : 0;
}

static int s_render_requests(struct bw_buf *out)
{
	struct bw_buf labels = {0};
	struct s_sum *s = malloc(sizeof *s);
	int rc = s ? 0 : -1;
	rc |= rc ? -1 : bw_metrics_family(out, "bulwark_requests_total", "counter",
	                                  "AWS API requests answered, by service, operation and "
	                                  "HTTP status.");
	for (size_t slot = 0; slot < s_n_slots && rc == 0; slot++) {
		s_sum_slot(slot, s);
		if (!s->seen)
			continue;
		rc = s_slot_labels(&labels, slot);
		for (size_t i = 0; i <= s->n_status && rc == 0; i++) {
			uint64_t c = i < s->n_status ? s->count[i] : s->count[64];
			if (i == s->n_status && c == 0)
				break;
			char status[8] = "other";
			if (i < s->n_status)
				snprintf(status, sizeof status, "%u", (unsigned)s->status[i]);
			rc = bw_buf_appendf(out, "bulwark_requests_total{%s,status=\"%s\"} %llu\n",
			                    bw_buf_cstr(&labels), status, (unsigned long long)c);
		}
	}
	rc |= rc ? -1 : bw_metrics_family(out, "bulwark_request_duration_seconds", "histogram",
	                                  "Time from a request's first byte to its response, by "
	                                  "service and operation.");
	for (size_t slot = 0; slot < s_n_slots && rc == 0; slot++) {
		s_sum_slot(slot, s);
		if (!s->seen)
			continue;
		rc = s_slot_labels(&labels, slot);
		rc |= rc ? -1 : bw_metrics_histogram(out, "bulwark_request_duration_seconds",
		                                     bw_buf_cstr(&labels), s_latency_bounds,
		                                     s->bucket, S_NB, (double)s->sum_ns / 1e9);
	}
	free(s);
	bw_buf_free(&labels);
	return rc;
}

static int s_counter(struct bw_buf *out, const char *name, const char *type, const char *help,
                     uint64_t v)
{
	if (bw_metrics_family(out, name, type, help) != 0)
		return -1;
	return bw_buf_appendf(out, "%s %llu\n", name, (unsigned long long)v);
}

static int s_render_recorder(struct bw_buf *out)
{
	uint64_t size[S_NBATCH + 1], commit[S_NB + 1];
	for (size_t i = 0; i <= S_NBATCH; i++)
		size[i] = s_get(&s_rec_size[i]);
	for (size_t i = 0; i <= S_NB; i++)
		commit[i] = s_get(&s_rec_commit[i]);
	int rc = s_counter(out, "bulwark_recorder_queue_depth", "gauge",
	                   "Trail records waiting for the recorder's next batch.",
	                   s_get(&s_rec_depth));
	rc |= rc ? -1 : s_counter(out, "bulwark_recorder_records_total", "counter",
	                          "Trail records committed to the event log by the recorder.",
	                          s_get(&s_rec_records));
	rc |= rc ? -1 : s_counter(out, "bulwark_recorder_batches_total", "counter",
	                          "Batches (transactions) the recorder committed.",
	                          s_get(&s_rec_batches));
	rc |= rc ? -1 : bw_metrics_family(out, "bulwark_recorder_batch_size", "histogram",
	                                  "Records per recorder batch, committed or not.");
	rc |= rc ? -1 : bw_metrics_histogram(out, "bulwark_recorder_batch_size", "", s_batch_bounds,
	                                     size, S_NBATCH, (double)s_get(&s_rec_size_sum));
	rc |= rc ? -1 : bw_metrics_family(out, "bulwark_recorder_commit_duration_seconds",
	                                  "histogram",
	                                  "Time to append and commit one recorder batch.");
	rc |= rc ? -1 : bw_metrics_histogram(out, "bulwark_recorder_commit_duration_seconds", "",
	                                     s_latency_bounds, commit, S_NB,
	                                     (double)s_get(&s_rec_commit_ns) / 1e9);
	return rc ? -1 : 0;
}

int bw_metrics_render(struct bw_buf *out, double uptime_s)
{
	pthread_once(&s_once, s_init);
	/* the list only grows, at its head: the shards seen now stay valid */
	pthread_mutex_lock(&s_shards_lock);
	int rc = s_render_requests(out);
	pthread_mutex_unlock(&s_shards_lock);
	rc |= rc ? -1 : s_render_recorder(out);
	rc |= rc ? -1 : s_counter(out, "bulwark_store_errors_total", "counter",
	                          "Requests answered InternalFailure because the store could not "
	                          "read, write or commit.",
	                          s_get(&s_store_errors));
	rc |= rc ? -1 : bw_metrics_family(out, "bulwark_uptime_seconds", "gauge",
	                                  "Seconds since the server started.");
	rc |= rc ? -1 : bw_buf_appendf(out, "bulwark_uptime_seconds %.3f\n", uptime_s);
	rc |= rc ? -1 : bw_metrics_family(out, "bulwark_build_info", "gauge",
	                                  "The running build; its value is always 1.");
	rc |= rc ? -1 : bw_buf_append_str(out, "bulwark_build_info{version=\"");
	rc |= rc ? -1 : bw_metrics_label_value(out, BW_VERSION);
	rc |= rc ? -1 : bw_buf_append_str(out, "\"} 1\n");
	return rc ? -1 : 0;
}

/* ---- who may read them ------------------------------------------------------ */

bool bw_metrics_peer_is_loopback(const char *peer_ip)
{
	unsigned char a[16];
	if (!peer_ip)
		return false;
	if (inet_pton(AF_INET, peer_ip, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, peer_ip, a) != 1)
		return false;
	static const unsigned char loop6[16] = {[15] = 1};
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
	return memcmp(a, loop6, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}

bool bw_metrics_access(const char *peer_ip, enum bw_metrics_auth auth)
{
	if (bw_metrics_peer_is_loopback(peer_ip))
		return true;
	return auth == BW_METRICS_ALLOWED;
}
