/*
 * events.c: the CloudTrail event log of events.h on SQLite.
 *
 * Tables (events_db.c, in <data>/events.db): `events` holds one row per
 * record with the LookupEvents columns, indexed so that a filter reads
 * newest first straight off its index; `event_resources` holds the (type,
 * name) pairs of each record's resources for the ResourceType and
 * ResourceName filters.
 *
 * The chain: digest(n) = SHA-256(digest(n-1) || record(n)), digest(0) = 32
 * zero bytes, and each row stores its predecessor's digest too. Two events_meta
 * entries bound the chain so that removing rows at either end shows:
 * "events.anchor" = "<seq> <hex prev digest>" of the oldest row that must
 * exist (moved forward only by pruning), "events.head" = "<seq> <hex digest>"
 * of the newest, written in the same transaction as the rows.
 *
 * Appends take only the event log's writer lock, never the store lock:
 * recording does not wait for document reads and writes, nor they for it.
 */
#include "store/events.h"

#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/log.h"
#include "crypto/digest.h"
#include "store/sqlite_internal.h"

#define S_DIGEST_LEN BW_EVENTS_DIGEST_LEN
#define S_PRUNE_BATCH 5000

/* Days to keep; 0 keeps forever. Set by serve (--trail-retention-days). */
static _Atomic int s_retention_days = 90;

void bw_events_set_retention_days(int days)
{
	s_retention_days = days < 0 ? 0 : days;
}

int bw_events_retention_days(void)
{
	return s_retention_days;
}

static int s_exec(sqlite3 *db, const char *sql)
{
	return bw_sqlite_exec(db, "events", sql);
}

static int s_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	bw_logf(BW_LOG_ERROR, "events: %s", sqlite3_errmsg(db));
	*st = NULL;
	return -1;
}

static int s_chain(const uint8_t prev[S_DIGEST_LEN], const char *record, size_t len,
                   uint8_t out[S_DIGEST_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = md && EVP_DigestInit_ex(md, bw_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(md, prev, S_DIGEST_LEN) == 1 &&
	         EVP_DigestUpdate(md, record, len) == 1 && EVP_DigestFinal_ex(md, out, &n) == 1 &&
	         n == S_DIGEST_LEN;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* ---- the chain's ends in events_meta ------------------------------- */

static int s_write_end(struct bw_events_db *ev, const char *key, uint64_t seq,
                       const uint8_t digest[S_DIGEST_LEN])
{
	struct bw_buf hex = {0};
	char value[128];
	int rc = -1;
	if (bw_hex_encode(digest, S_DIGEST_LEN, &hex) != 0)
		goto done;
	snprintf(value, sizeof value, "%" PRIu64 " %s", seq, bw_buf_cstr(&hex));
	sqlite3_stmt *st = ev->write_end;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
done:
	bw_buf_free(&hex);
	return rc;
}

static int s_unhex(const char *hex, uint8_t out[S_DIGEST_LEN])
{
	for (size_t i = 0; i < S_DIGEST_LEN; i++) {
		int hi = bw_hex_digit(hex[2 * i]), lo = bw_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* 1 found, 0 absent, -1 error or malformed. */
static int s_read_end(sqlite3 *db, const char *key, uint64_t *seq, uint8_t digest[S_DIGEST_LEN])
{
	sqlite3_stmt *st = NULL;
	if (s_prepare(db, "SELECT value FROM events_meta WHERE key = ?1", &st) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	int found = -1;
	const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	char *end = NULL;
	unsigned long long n = v ? strtoull(v, &end, 10) : 0;
	if (v && end && *end == ' ' && strlen(end + 1) == 2 * S_DIGEST_LEN &&
	    s_unhex(end + 1, digest) == 0) {
		*seq = n;
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

/*
 * Where the next append chains from: the head committed with the last
 * batch. Only if there is none (a new log, or its entry removed behind the
 * store's back) the newest row, or the start of a chain.
 */
static int s_load_head(struct bw_events_db *ev)
{
	sqlite3_stmt *st = NULL;
	int found = s_read_end(ev->writer, "events.head", &ev->head_seq, ev->head_digest);
	if (found < 0)
		return -1;
	if (found == 0) {
		ev->head_seq = 0;
		memset(ev->head_digest, 0, S_DIGEST_LEN);
		if (s_prepare(ev->writer, "SELECT seq, digest FROM events ORDER BY seq DESC LIMIT 1",
		              &st) != 0)
			return -1;
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == S_DIGEST_LEN) {
			ev->head_seq = (uint64_t)sqlite3_column_int64(st, 0);
			memcpy(ev->head_digest, sqlite3_column_blob(st, 1), S_DIGEST_LEN);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return -1;
	}
	ev->head_known = true;
	return 0;
}

/* ---- append ----------------------------------------------------------- */

static int s_insert_resources(sqlite3_stmt *st, uint64_t seq, int64_t time_ms,
                              const json_t *resources)
{
	size_t i;
	const json_t *r;
	json_array_foreach(resources, i, r) {
		const char *type = json_string_value(json_object_get(r, "ResourceType"));
		const char *name = json_string_value(json_object_get(r, "ResourceName"));
		if (!type || !name)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, time_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

static void s_bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v && v[0])
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Insert the rows after the head; on success *seq and digest are the new head. */
static int s_append_rows(struct bw_events_db *ev, const struct bw_event_row *rows, size_t n,
                         uint64_t *seq, uint8_t digest[S_DIGEST_LEN])
{
	sqlite3_stmt *ins = ev->insert_event;
	uint8_t prev[S_DIGEST_LEN];
	memcpy(prev, ev->head_digest, S_DIGEST_LEN);
	*seq = ev->head_seq;
	for (size_t i = 0; i < n; i++) {
		const struct bw_event_row *r = &rows[i];
		if (!r->record || !r->event_id || !r->event_name || !r->event_source)
			return -1;
		size_t len = strlen(r->record);
		if (len > INT_MAX || s_chain(prev, r->record, len, digest) != 0)
			return -1;
		++*seq;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)*seq);
		sqlite3_bind_text(ins, 2, r->event_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, r->event_time_ms);
		sqlite3_bind_text(ins, 4, r->event_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, r->event_source, -1, SQLITE_STATIC);
		s_bind_text_or_null(ins, 6, r->username);
		s_bind_text_or_null(ins, 7, r->access_key_id);
		sqlite3_bind_int(ins, 8, r->read_only ? 1 : 0);
		sqlite3_bind_text(ins, 9, r->record, (int)len, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 10, prev, S_DIGEST_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 11, digest, S_DIGEST_LEN, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			bw_logf(BW_LOG_ERROR, "events: append: %s", sqlite3_errmsg(ev->writer));
			return -1;
		}
		if (r->resources &&
		    s_insert_resources(ev->insert_resource, *seq, r->event_time_ms, r->resources) != 0)
			return -1;
		memcpy(prev, digest, S_DIGEST_LEN);
	}
	return n ? s_write_end(ev, "events.head", *seq, digest) : 0;
}

/* Statements bind the caller's strings: let go of them before returning. */
static void s_release(struct bw_events_db *ev)
{
	sqlite3_stmt *sts[] = {ev->insert_event, ev->insert_resource, ev->write_end};
	for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++) {
		sqlite3_reset(sts[i]);
		sqlite3_clear_bindings(sts[i]);
	}
}

int bw_events_append(struct bw_store *s, const struct bw_event_row *rows, size_t n,
                     uint64_t *last_seq)
{
	struct bw_events_db *ev = &s->events;
	pthread_mutex_lock(&ev->write_lock);
	uint64_t seq = 0;
	uint8_t digest[S_DIGEST_LEN];
	int rc = -1;
	if ((ev->head_known || s_load_head(ev) == 0) && s_exec(ev->writer, "BEGIN IMMEDIATE;") == 0) {
		rc = s_append_rows(ev, rows, n, &seq, digest);
		if (rc == 0)
			rc = s_exec(ev->writer, "COMMIT;");
		if (rc != 0)
			s_exec(ev->writer, "ROLLBACK;");
	}
	s_release(ev);
	if (rc == 0 && n) {
		ev->head_seq = seq;
		memcpy(ev->head_digest, digest, S_DIGEST_LEN);
	} else if (rc != 0) {
		ev->head_known = false; /* read again from what was committed */
	}
	*last_seq = ev->head_seq;
	pthread_mutex_unlock(&ev->write_lock);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

/* A stored record as {"seq", "time_ms", "record"} appended to arr. */
static int s_add_result(json_t *arr, sqlite3_stmt *st)
{
	const char *text = (const char *)sqlite3_column_text(st, 1);
	int len = sqlite3_column_bytes(st, 1);
	json_t *rec = text ? json_loadb(text, (size_t)len, 0, NULL) : NULL;
	if (!rec)
		return -1;
	return json_array_append_new(arr, json_pack("{s:I, s:I, s:o}", "seq",
	                                            (json_int_t)sqlite3_column_int64(st, 0),
	                                            "time_ms",
	                                            (json_int_t)sqlite3_column_int64(st, 2),
	                                            "record", rec));
}

static const char *s_attr_column(enum bw_event_attr a)
{
	switch (a) {
	case BW_EVENT_ATTR_EVENT_ID: return "e.event_id";
	case BW_EVENT_ATTR_EVENT_NAME: return "e.event_name";
	case BW_EVENT_ATTR_READ_ONLY: return "e.read_only";
	case BW_EVENT_ATTR_USERNAME: return "e.username";
	case BW_EVENT_ATTR_EVENT_SOURCE: return "e.event_source";
	case BW_EVENT_ATTR_ACCESS_KEY_ID: return "e.access_key_id";
	case BW_EVENT_ATTR_RESOURCE_TYPE: return "r.type";
	case BW_EVENT_ATTR_RESOURCE_NAME: return "r.name";
	case BW_EVENT_ATTR_NONE: break;
	}
	return NULL;
}

/*
 * One statement per query shape, newest first by (event time, seq), which
 * every index serves in order. Bound: ?1 ?6 resume below (time, seq), ?2
 * start, ?3 end, ?4 the attribute value, ?5 how many rows to read. A record
 * with two resources of the same type comes twice from the resource join:
 * the caller skips repeated seqs, so it asks for a few more rows than it
 * needs.
 */
static int s_build_sql(const struct bw_event_query *q, struct bw_buf *sql)
{
	bool res = q->attr == BW_EVENT_ATTR_RESOURCE_TYPE || q->attr == BW_EVENT_ATTR_RESOURCE_NAME;
	const char *col = s_attr_column(q->attr);
	const char *t = res ? "r" : "e"; /* whose time and seq the index has */
	if (bw_buf_appendf(sql, "SELECT e.seq, e.record, e.event_time_ms FROM %s WHERE 1",
	                   res ? "event_resources r JOIN events e ON e.seq = r.seq" : "events e") !=
	    0)
		return -1;
	if (q->before_seq &&
	    bw_buf_appendf(sql, " AND (%s.event_time_ms, %s.seq) < (?6, ?1)", t, t) != 0)
		return -1;
	if (q->start_ms && bw_buf_appendf(sql, " AND %s.event_time_ms >= ?2", t) != 0)
		return -1;
	if (q->end_ms && bw_buf_appendf(sql, " AND %s.event_time_ms <= ?3", t) != 0)
		return -1;
	if (col && bw_buf_appendf(sql, " AND %s = ?4", col) != 0)
		return -1;
	return bw_buf_appendf(sql, " ORDER BY %s.event_time_ms DESC, %s.seq DESC LIMIT ?5", t, t);
}

int bw_events_lookup(struct bw_store *s, const struct bw_event_query *q, json_t **records,
                     bool *more)
{
	*records = NULL;
	*more = false;
	if (!q || q->limit < 1 || q->limit > 1000 || (q->attr != BW_EVENT_ATTR_NONE && !q->value))
		return -1;
	struct bw_events_db *ev = &s->events;
	struct bw_buf sql = {0};
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc = -1;
	if (!arr || s_build_sql(q, &sql) != 0)
		goto done;
	pthread_mutex_lock(&ev->read_lock);
	if (s_prepare(ev->reader, bw_buf_cstr(&sql), &st) != 0) {
		pthread_mutex_unlock(&ev->read_lock);
		goto done;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)q->before_seq);
	sqlite3_bind_int64(st, 6, q->before_time_ms);
	sqlite3_bind_int64(st, 2, q->start_ms);
	sqlite3_bind_int64(st, 3, q->end_ms);
	if (q->attr == BW_EVENT_ATTR_READ_ONLY)
		sqlite3_bind_int(st, 4, strcmp(q->value, "true") == 0 ? 1 : 0);
	else if (q->attr != BW_EVENT_ATTR_NONE)
		sqlite3_bind_text(st, 4, q->value, -1, SQLITE_STATIC);
	/* one more than asked tells whether older matches remain; the slack
	 * covers repeats from the resource join */
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(q->limit * 2 + 1));
	int64_t last_seq = -1;
	int step;
	rc = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		if (seq == last_seq)
			continue;
		last_seq = seq;
		if (json_array_size(arr) == q->limit) {
			*more = true;
			break;
		}
		if (s_add_result(arr, st) != 0) {
			rc = -1;
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = -1;
	/* the slack may have been used up by repeats: then say "more" so the
	 * next page (resuming below the last row) finds the rest, if any */
	if (rc == 0 && step == SQLITE_ROW && !*more)
		*more = true;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&ev->read_lock);
done:
	bw_buf_free(&sql);
	if (rc != 0) {
		json_decref(arr);
		return -1;
	}
	*records = arr;
	return 0;
}

int bw_events_range(struct bw_store *s, uint64_t after_seq, size_t limit, json_t **records)
{
	struct bw_events_db *ev = &s->events;
	*records = NULL;
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	if (!arr)
		return -1;
	pthread_mutex_lock(&ev->read_lock);
	int rc = s_prepare(ev->reader,
	                   "SELECT seq, record, event_time_ms FROM events WHERE seq > ?1"
	                   " ORDER BY seq LIMIT ?2",
	                   &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)after_seq);
		sqlite3_bind_int64(st, 2, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
		int step;
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			if (s_add_result(arr, st) != 0)
				break;
		rc = step == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&ev->read_lock);
	if (rc != 0) {
		json_decref(arr);
		return -1;
	}
	*records = arr;
	return 0;
}

/* ---- verification ----------------------------------------------------- */

/*
 * Walk the rows in seq order. Each must follow its predecessor without a
 * gap, name its predecessor's digest, and carry SHA-256(that || record).
 * The first row must be the anchor (seq 1 from zeros, or where pruning
 * left off); the last must be the head written with it.
 */
int bw_events_verify_chain(struct bw_store *s, uint64_t *bad_seq)
{
	struct bw_events_db *ev = &s->events;
	sqlite3_stmt *st = NULL;
	uint8_t prev[S_DIGEST_LEN] = {0}, calc[S_DIGEST_LEN], head_digest[S_DIGEST_LEN];
	uint64_t expect = 1, head_seq = 0;
	*bad_seq = 0;
	pthread_mutex_lock(&ev->read_lock);
	/* one read transaction: the ends and the rows from the same snapshot */
	int rc = -1;
	if (s_exec(ev->reader, "BEGIN;") != 0) {
		pthread_mutex_unlock(&ev->read_lock);
		return -1;
	}
	int anchor = s_read_end(ev->reader, "events.anchor", &expect, prev);
	int head = s_read_end(ev->reader, "events.head", &head_seq, head_digest);
	if (anchor < 0 || head < 0 ||
	    s_prepare(ev->reader, "SELECT seq, record, prev_digest, digest FROM events ORDER BY seq",
	              &st) != 0)
		goto done;
	if (anchor == 0) {
		expect = 1;
		memset(prev, 0, S_DIGEST_LEN);
	}
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
		const char *rec = (const char *)sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		const void *p = sqlite3_column_blob(st, 2), *d = sqlite3_column_blob(st, 3);
		*bad_seq = seq;
		if (seq != expect || sqlite3_column_bytes(st, 2) != S_DIGEST_LEN ||
		    sqlite3_column_bytes(st, 3) != S_DIGEST_LEN || memcmp(p, prev, S_DIGEST_LEN) != 0 ||
		    s_chain(prev, rec ? rec : "", len, calc) != 0 ||
		    memcmp(calc, d, S_DIGEST_LEN) != 0) {
			*bad_seq = seq < expect ? seq : expect; /* a gap names the missing row */
			goto done;
		}
		memcpy(prev, calc, S_DIGEST_LEN);
		expect++;
	}
	if (step != SQLITE_DONE)
		goto done;
	/* rows missing at the newest end: the head says how far the log went */
	if (head == 1 && (head_seq != expect - 1 || memcmp(head_digest, prev, S_DIGEST_LEN) != 0)) {
		*bad_seq = expect;
		goto done;
	}
	*bad_seq = 0;
	rc = 0;
done:
	sqlite3_finalize(st);
	s_exec(ev->reader, "COMMIT;");
	pthread_mutex_unlock(&ev->read_lock);
	return rc;
}

/* ---- retention -------------------------------------------------------- */

/*
 * Delete a prefix of the log: the oldest rows up to the first that is not
 * expired (times may interleave by a few ms between loops; a row is never
 * deleted while an older-seq one is kept, so the chain stays one piece).
 * At most S_PRUNE_BATCH rows per call, found by seq (the rowid; the unary +
 * keeps SQLite off the time index, which would walk every kept row), so a
 * tick with nothing to prune costs a few lookups; the caller calls again.
 */
static int s_prune_batch(struct bw_events_db *ev, int64_t older_than_ms, size_t *deleted)
{
	sqlite3 *db = ev->writer;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (s_prepare(db,
	              "SELECT f.seq, (SELECT min(seq) FROM events WHERE seq >= f.seq"
	              "  AND seq < f.seq + ?2 AND +event_time_ms >= ?1),"
	              " (SELECT max(seq) FROM events WHERE seq < f.seq + ?2)"
	              " FROM (SELECT seq FROM events ORDER BY seq LIMIT 1) f",
	              &st) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, older_than_ms);
	sqlite3_bind_int64(st, 2, S_PRUNE_BATCH);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE) { /* empty log */
		sqlite3_finalize(st);
		return 0;
	}
	if (step != SQLITE_ROW)
		goto done;
	int64_t first = sqlite3_column_int64(st, 0);
	int64_t keep = sqlite3_column_type(st, 1) == SQLITE_NULL ? sqlite3_column_int64(st, 2) + 1
	                                                          : sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	if (keep <= first)
		return 0;
	/* the new anchor: the digest of the last deleted row */
	uint8_t anchor[S_DIGEST_LEN];
	if (s_prepare(db, "SELECT digest FROM events WHERE seq = ?1", &st) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, keep - 1);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != S_DIGEST_LEN)
		goto done;
	memcpy(anchor, sqlite3_column_blob(st, 0), S_DIGEST_LEN);
	sqlite3_finalize(st);
	st = NULL;
	char sql[160];
	snprintf(sql, sizeof sql, "DELETE FROM event_resources WHERE seq < %lld;"
	         "DELETE FROM events WHERE seq < %lld;", (long long)keep, (long long)keep);
	if (s_exec(db, sql) != 0)
		return -1;
	*deleted = (size_t)(keep - first);
	rc = s_write_end(ev, "events.anchor", (uint64_t)keep, anchor);
done:
	sqlite3_finalize(st);
	return rc;
}

/* One batch in its own transaction; the recorder may append between batches. */
static int s_prune_once(struct bw_store *s, int64_t older_than_ms, size_t *deleted)
{
	struct bw_events_db *ev = &s->events;
	pthread_mutex_lock(&ev->write_lock);
	int rc = s_exec(ev->writer, "BEGIN IMMEDIATE;");
	if (rc == 0) {
		rc = s_prune_batch(ev, older_than_ms, deleted);
		if (rc == 0)
			rc = s_exec(ev->writer, "COMMIT;");
		if (rc != 0)
			s_exec(ev->writer, "ROLLBACK;");
	}
	s_release(ev);
	pthread_mutex_unlock(&ev->write_lock);
	return rc;
}

int bw_events_prune(struct bw_store *s, int64_t older_than_ms, size_t *deleted)
{
	*deleted = 0;
	for (;;) {
		size_t n = 0;
		if (s_prune_once(s, older_than_ms, &n) != 0)
			return -1;
		if (n == 0)
			return 0;
		*deleted += n;
	}
}

uint64_t bw_events_count(struct bw_store *s)
{
	struct bw_events_db *ev = &s->events;
	sqlite3_stmt *st = NULL;
	uint64_t n = 0;
	pthread_mutex_lock(&ev->read_lock);
	if (s_prepare(ev->reader, "SELECT count(*) FROM events", &st) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&ev->read_lock);
	return n;
}

const char *bw_events_db_path(struct bw_store *s)
{
	return s->events.path;
}
