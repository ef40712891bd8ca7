/*
 * recorder.h: the trail's writer — one thread that appends the records of
 * every call to the event log (store/events.h) in batches (group commit).
 *
 * The contract (DESIGN.md, step 7; issue 5): a response is never sent for
 * an unrecorded call. bw_recorder_record() returns only once the batch
 * holding the record is committed to the store (WAL: it survives a kill -9
 * of the process), or with -1 when it could not be; the gateway then answers
 * 500 InternalFailure instead of the call's result, so nothing the client
 * saw succeed is missing from the trail.
 *
 * The queue is bounded: when it is full, submitters wait (backpressure);
 * nothing is ever dropped. bw_recorder_stop() drains what is queued (the
 * callbacks of bw_recorder_submit included).
 */
#ifndef BW_GATEWAY_RECORDER_H
#define BW_GATEWAY_RECORDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/events.h"

struct bw_store;
struct bw_recorder;

#define BW_RECORDER_QUEUE_MAX 4096 /* records waiting before submitters block */
#define BW_RECORDER_BATCH_MAX 1024 /* records per transaction */

/* Start the thread; NULL on failure (logged). */
struct bw_recorder *bw_recorder_start(struct bw_store *store);

/*
 * Append one record and wait until it is durable. row holds the LookupEvents
 * columns (its strings must live until this returns); row->record is
 * ignored: the record is serialized here, on the caller's thread. 0 once
 * committed, -1 if the record could not be stored (the recorder is
 * stopping, serialization or the store failed).
 */
BW_MUST_CHECK int bw_recorder_record(struct bw_recorder *r, const json_t *record,
                                     const struct bw_event_row *row);

/*
 * The same, without waiting: the record is serialized and row copied here
 * (row's strings and resources need not outlive the call); done(arg, rc)
 * then runs once, on the recorder thread, after the batch holding it is
 * committed (rc 0) or failed (rc -1). Blocks only while the queue is full
 * (backpressure, nothing is dropped). 0 when queued; -1 when refused (out
 * of memory, serialization failed, or the recorder is stopping): done is
 * then never called.
 */
typedef void (*bw_recorder_done_fn)(void *arg, int rc);
BW_MUST_CHECK int bw_recorder_submit(struct bw_recorder *r, const json_t *record,
                                     const struct bw_event_row *row, bw_recorder_done_fn done,
                                     void *arg);

/* The same for a record already kept in the outbox (store/outbox.h) under
 * outbox_id: once the batch holding it is committed, its outbox entry is
 * deleted. */
BW_MUST_CHECK int bw_recorder_submit_outboxed(struct bw_recorder *r, const json_t *record,
                                              const struct bw_event_row *row, int64_t outbox_id,
                                              bw_recorder_done_fn done, void *arg);

/*
 * Before serving: append to the event log every record the outbox still
 * holds that the log does not (a crash came between a change's commit and
 * its record's append), in the order they were committed, then empty the
 * outbox. *moved gets how many were appended. 0, or -1 (logged): serve
 * must not start with changes whose records it cannot store.
 */
BW_MUST_CHECK int bw_recorder_recover(struct bw_store *store, size_t *moved);

/* The same for the service events alone (service_event.h), while the
 * server runs: the calls' own entries are the recorder's. */
BW_MUST_CHECK int bw_recorder_drain_service_events(struct bw_store *store);

/* The outbox entry of a record: the record's text and the LookupEvents
 * columns that are not in it (outbox.h); service: a service event's
 * (service_event.h), moved by bw_recorder_drain_service_events rather than
 * by a waiting call. Caller frees. NULL on no memory. */
char *bw_recorder_outbox_entry(const json_t *record, const struct bw_event_row *row,
                               bool service);

/* Records appended since start, and batches (transactions) used: for tests
 * and the benchmark. */
void bw_recorder_stats(struct bw_recorder *r, uint64_t *records, uint64_t *batches);

/* Refuse new records, drain the queue, join the thread, free. NULL is fine. */
void bw_recorder_stop(struct bw_recorder *r);

#endif
