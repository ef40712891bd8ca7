/*
 * events.h: the CloudTrail event log — every call's record, in append
 * order, hash-chained so that a change to any stored event is detectable.
 *
 * Each row holds one CloudTrail record (the JSON object AWS delivers in
 * {"Records":[...]}) and the columns LookupEvents filters on. Its digest is
 * SHA-256(previous row's digest || the record's exact stored bytes); the
 * first row chains from 32 zero bytes. Appends come in batches from one
 * writer (the recorder thread), one transaction per batch (group commit).
 */
#ifndef BW_STORE_EVENTS_H
#define BW_STORE_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct bw_store;

/* What LookupEvents filters on, taken from the record when appended. */
struct bw_event_row {
	const char *record;        /* the CloudTrail record, compact JSON text */
	const char *event_id;      /* UUID */
	int64_t event_time_ms;
	const char *event_name;    /* "Encrypt" */
	const char *event_source;  /* "kms.amazonaws.com" */
	const char *username;      /* the identity's user/role session name; may be NULL */
	const char *access_key_id; /* may be NULL */
	bool read_only;
	const json_t *resources;   /* [{"ResourceType", "ResourceName"}], may be NULL */
};

/* Append rows in one transaction, chaining each to the last; *last_seq gets
 * the sequence number of the last one. Durable when it returns 0 (WAL,
 * synchronous=NORMAL: survives a process crash; FULL if asked at open). */
BW_MUST_CHECK int bw_events_append(struct bw_store *s, const struct bw_event_row *rows, size_t n,
                                   uint64_t *last_seq);

/* LookupEvents: at most one attribute filter (AWS allows one), a time
 * range, newest first by event time (then seq), paged from the last row
 * returned. */
enum bw_event_attr {
	BW_EVENT_ATTR_NONE,
	BW_EVENT_ATTR_EVENT_ID,
	BW_EVENT_ATTR_EVENT_NAME,
	BW_EVENT_ATTR_READ_ONLY,
	BW_EVENT_ATTR_USERNAME,
	BW_EVENT_ATTR_RESOURCE_TYPE,
	BW_EVENT_ATTR_RESOURCE_NAME,
	BW_EVENT_ATTR_EVENT_SOURCE,
	BW_EVENT_ATTR_ACCESS_KEY_ID,
};
struct bw_event_query {
	enum bw_event_attr attr;
	const char *value;       /* the attribute's value ("true"/"false" for ReadOnly) */
	int64_t start_ms;        /* inclusive; 0 = no bound */
	int64_t end_ms;          /* inclusive; 0 = no bound */
	int64_t before_time_ms;  /* resume: only rows older than (before_time_ms, */
	uint64_t before_seq;     /* before_seq) in that order; seq 0 = from the newest */
	size_t limit;            /* 1..50 */
};
/* *records gets an array of {"seq": n, "time_ms": t, "record": <parsed
 * record>}; *more is set when older matches remain. */
BW_MUST_CHECK int bw_events_lookup(struct bw_store *s, const struct bw_event_query *q,
                                   json_t **records, bool *more);

/* Rows with seq > after_seq in append order, at most limit: for trail
 * delivery. *records as above. */
BW_MUST_CHECK int bw_events_range(struct bw_store *s, uint64_t after_seq, size_t limit,
                                  json_t **records);

/* Recompute the chain over every stored row. 0 if it holds; else -1 and
 * *bad_seq names the first row whose digest does not match. */
BW_MUST_CHECK int bw_events_verify_chain(struct bw_store *s, uint64_t *bad_seq);

/* Delete rows older than the cutoff (retention). The chain stays checkable:
 * the oldest kept row's predecessor digest is stored with it. */
BW_MUST_CHECK int bw_events_prune(struct bw_store *s, int64_t older_than_ms, size_t *deleted);

uint64_t bw_events_count(struct bw_store *s);

/* Added by the recording work (not in the first version of this header): */

/* Retention of the event log in days (default 90; 0 keeps everything): a
 * process-wide setting, set by `serve --trail-retention-days N` and read by
 * CloudTrail's pruning tick. */
void bw_events_set_retention_days(int days);
int bw_events_retention_days(void);

/* The event log's database file (for CloudTrail Lake's read-only queries). */
const char *bw_events_db_path(struct bw_store *s);

#endif
