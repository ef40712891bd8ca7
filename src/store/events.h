/*
 * events.h: the CloudTrail event log — every call's record, in append
 * order, in a keyed hash chain so that a change to any stored event is
 * detectable, and only the holder of the root key can extend the chain.
 *
 * Each row holds one CloudTrail record (the JSON object AWS delivers in
 * {"Records":[...]}) and the columns LookupEvents filters on. Its digest is
 * HMAC-SHA256(chain key, previous row's digest || the record's exact stored
 * bytes); the first row chains from 32 zero bytes. The chain key is derived
 * from the root key (BW_EVENTS_CHAIN_KEY_INFO), so someone who can write
 * events.db but lacks the root key cannot recompute the chain around a row
 * they removed or changed. Rows written before keying (data directories
 * from earlier versions) keep their plain SHA-256 digests; a mark records
 * the first keyed seq (docs/cloudtrail.md, "The event log's chain";
 * decision 0101). Appends come in batches from one writer (the recorder
 * thread), one transaction per batch (group commit).
 */
#ifndef BW_STORE_EVENTS_H
#define BW_STORE_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct bw_store;
struct bw_root_key;

/* ---- the chain key ---- */

/* The chain key is HKDF-SHA256(root key, info) (crypto/seal.h,
 * bw_root_key_derive), 32 bytes. A new info is a new chain format. */
#define BW_EVENTS_CHAIN_KEY_INFO "bulwark event chain v1"
#define BW_EVENTS_CHAIN_KEY_LEN 32

/* Derive the chain key into out (the caller wipes it). */
BW_MUST_CHECK int bw_events_derive_chain_key(const struct bw_root_key *rk,
                                             uint8_t out[BW_EVENTS_CHAIN_KEY_LEN]);

/*
 * Make this store the log's writer under the chain key (a copy is kept,
 * wiped when the store closes; it is never logged). Before this every
 * append and prune fails: a server never writes an unkeyed row.
 *
 * It checks what the writer relies on: the mark of the first keyed seq
 * verifies under the key and matches the copy kept in bulwark.db, and so
 * do the chain's two ends. On a log that has no mark yet (a new data
 * directory, or one from before keying) it marks the next seq as the first
 * keyed one — seq 1 on a new log — and logs a warning naming the unkeyed
 * rows, if any. -1 (logged) when the log does not check out — changed
 * behind the server, or another root key — and appends stay refused.
 */
BW_MUST_CHECK int bw_events_set_chain_key(struct bw_store *s, const uint8_t *key, size_t len);
/* The same with the key derived from the root key (and wiped here). */
BW_MUST_CHECK int bw_events_set_root_key(struct bw_store *s, const struct bw_root_key *rk);

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
 * synchronous=NORMAL: survives a process crash; FULL if asked at open).
 * -1 without a chain key (bw_events_set_chain_key). */
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

/* What bw_events_verify_chain found. */
struct bw_events_chain_report {
	uint64_t events;     /* rows checked */
	uint64_t first_seq;  /* the oldest and newest row (0 when there is none) */
	uint64_t last_seq;
	uint64_t keyed_from; /* the mark: rows from this seq on are keyed (0: no mark) */
	uint64_t unkeyed;    /* rows checked with SHA-256 (before the mark) */
	uint64_t keyed;      /* rows checked with HMAC-SHA256 under the key */
	/* the first row that is missing or does not verify; 0 when none is,
	 * or when the problem is not one row's (a forged mark) */
	uint64_t bad_seq;
	const char *problem; /* why the chain does not hold (static text); NULL if it does */
};

/*
 * Recompute the chain over every stored row with the chain key: rows
 * before the mark with SHA-256, the rest with HMAC-SHA256, and check the
 * mark and both ends. 0 if it all holds; else -1 and the report says where
 * and why. A log with rows but no mark fails: it is either from before
 * keying and no server has run on it since, or its mark was removed.
 * Reads only; the server may be running.
 */
BW_MUST_CHECK int bw_events_verify_chain(struct bw_store *s, const uint8_t *key, size_t key_len,
                                         struct bw_events_chain_report *report);

/* Delete rows older than the cutoff (retention). The chain stays checkable:
 * the oldest kept row's predecessor digest is stored with it, and the
 * anchor naming it is tagged with the chain key (-1 without one). */
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
