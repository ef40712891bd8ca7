/*
 * metrics.h: the server's counters, served as GET /_bulwark/metrics in the
 * Prometheus text exposition format (version 0.0.4).
 *
 * The request counters are per thread (one shard per event loop, each
 * written by its own loop alone, with relaxed atomic loads and stores: no
 * lock and no locked instruction on the request path); a scrape sums the
 * shards. The recorder's counters are written by the recorder thread.
 * The state is the process's: one server per process.
 */
#ifndef BW_GATEWAY_METRICS_H
#define BW_GATEWAY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "protocol/model.h"

/* One answered AWS API call. m NULL: no service was recognized; op NULL (or
 * not one of m's): an operation its model does not name. Both are counted
 * under "unknown". status: the HTTP status sent. On the request's loop. */
void bw_metrics_request(const struct bw_service_model *m, const struct bw_operation *op,
                        unsigned status, uint64_t duration_ns);

/* One answer of InternalFailure the store caused (it could not read, write
 * or commit): bulwark_store_errors_total. */
void bw_metrics_store_error(void);

/* The recorder (recorder.c): the records waiting for a batch, and one
 * batch's commit of n records that took commit_ns (ok: it committed). */
void bw_metrics_recorder_depth(size_t queued);
void bw_metrics_recorder_batch(size_t n, uint64_t commit_ns, bool ok);

/* The whole exposition, appended to out. -1 out of memory. */
int bw_metrics_render(struct bw_buf *out, double uptime_s);

/* ---- the exposition format's pieces (metrics.c; unit-tested) ---------- */

#define BW_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A label value with \ " and newline escaped as the format asks. */
int bw_metrics_label_value(struct bw_buf *out, const char *value);
/* "# HELP name help\n# TYPE name type\n" (help's \ and newline escaped). */
int bw_metrics_family(struct bw_buf *out, const char *name, const char *type, const char *help);
/* A histogram's series: counts[i] observations in (bounds[i-1], bounds[i]]
 * for i < n, counts[n] above bounds[n-1]; written cumulative with le="+Inf",
 * then _sum and _count. labels: rendered pairs ("a=\"x\",b=\"y\"") or "". */
int bw_metrics_histogram(struct bw_buf *out, const char *name, const char *labels,
                         const double *bounds, const uint64_t *counts, size_t n, double sum);

/* ---- who may read them ------------------------------------------------- */

/* Whether a textual peer address is loopback: 127.0.0.0/8, ::1, or an
 * IPv4-mapped 127.x address (::ffff:127.0.0.1). */
bool bw_metrics_peer_is_loopback(const char *peer_ip);

enum bw_metrics_auth {
	BW_METRICS_UNAUTHENTICATED, /* unsigned, or a signature that did not verify */
	BW_METRICS_DENIED,          /* authenticated; bulwark:GetMetrics not allowed */
	BW_METRICS_ALLOWED,         /* authenticated and allowed (the account root is) */
};
/* The access rule (docs/decisions/0110): a loopback peer reads without
 * credentials; any other only signed by a principal allowed
 * bulwark:GetMetrics. */
bool bw_metrics_access(const char *peer_ip, enum bw_metrics_auth auth);

#endif
