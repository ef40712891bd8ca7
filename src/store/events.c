/*
 * events.c: the CloudTrail event log of events.h on SQLite.
 *
 * Tables (migration 3 in sqlite.c): `events` holds one row per record with
 * the LookupEvents columns, each indexed together with seq so that a filter
 * reads newest first straight off its index; `event_resources` holds the
 * (type, name) pairs of each record's resources for the ResourceType and
 * ResourceName filters.
 *
 * The chain: digest(n) = SHA-256(digest(n-1) || record(n)), digest(0) = 32
 * zero bytes, and each row stores its predecessor's digest too. Two meta
 * entries bound the chain so that removing rows at either end shows:
 * "events.anchor" = "<seq> <hex prev digest>" of the oldest row that must
 * exist (moved forward only by pruning), "events.head" = "<seq> <hex digest>"
 * of the newest, written in the same transaction as the rows.
 *
 * Appends do not bump the store generation: no document cache depends on
 * the event log, and a bump per batch would empty every cache per request.
 */
#include "store/events.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/log.h"
#include "store/sqlite_internal.h"

#define S_DIGEST_LEN 32
#define S_PRUNE_BATCH 20000

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
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		bw_logf(BW_LOG_ERROR, "events: %s", err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
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
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(md, prev, S_DIGEST_LEN) == 1 &&
	         EVP_DigestUpdate(md, record, len) == 1 && EVP_DigestFinal_ex(md, out, &n) == 1 &&
	         n == S_DIGEST_LEN;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* ---- the chain's ends in meta ---------------------------------------- */

static int s_meta_write_end(sqlite3 *db, const char *key, uint64_t seq,
                            const uint8_t digest[S_DIGEST_LEN])
{
	struct bw_buf hex = {0};
	char value[128];
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (bw_hex_encode(digest, S_DIGEST_LEN, &hex) != 0)
		goto done;
	snprintf(value, sizeof value, "%" PRIu64 " %s", seq, bw_buf_cstr(&hex));
	if (s_prepare(db,
	              "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	              "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	              &st) != 0)
		goto done;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
done:
	sqlite3_finalize(st);
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
static int s_meta_read_end(sqlite3 *db, const char *key, uint64_t *seq,
                           uint8_t digest[S_DIGEST_LEN])
{
	sqlite3_stmt *st = NULL;
	if (s_prepare(db, "SELECT value FROM meta WHERE key = ?1", &st) != 0)
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

/* The newest row's seq and digest; seq 0 and zeros when the log is empty
 * (after a prune of everything, the head in meta carries on the chain). */
static int s_last(sqlite3 *db, uint64_t *seq, uint8_t digest[S_DIGEST_LEN])
{
	sqlite3_stmt *st = NULL;
	*seq = 0;
	memset(digest, 0, S_DIGEST_LEN);
	if (s_prepare(db, "SELECT seq, digest FROM events ORDER BY seq DESC LIMIT 1", &st) != 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == S_DIGEST_LEN) {
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(digest, sqlite3_column_blob(st, 1), S_DIGEST_LEN);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return s_meta_read_end(db, "events.head", seq, digest) < 0 ? -1 : 0;
}

/* ---- append ----------------------------------------------------------- */

static int s_insert_resources(sqlite3_stmt *st, uint64_t seq, const json_t *resources)
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
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

static int s_append_rows(sqlite3 *db, const struct bw_event_row *rows, size_t n,
                         uint64_t *last_seq)
{
	sqlite3_stmt *ins = NULL, *res = NULL;
	uint64_t seq;
	uint8_t prev[S_DIGEST_LEN], digest[S_DIGEST_LEN];
	int rc = -1;
	if (s_last(db, &seq, prev) != 0 ||
	    s_prepare(db,
	              "INSERT INTO events (seq, event_id, event_time_ms, event_name, event_source,"
	              " username, access_key_id, read_only, record, prev_digest, digest)"
	              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	              &ins) != 0 ||
	    s_prepare(db, "INSERT INTO event_resources (seq, type, name) VALUES (?1, ?2, ?3)",
	              &res) != 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const struct bw_event_row *r = &rows[i];
		if (!r->record || !r->event_id || !r->event_name || !r->event_source)
			goto done;
		size_t len = strlen(r->record);
		if (s_chain(prev, r->record, len, digest) != 0)
			goto done;
		seq++;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)seq);
		sqlite3_bind_text(ins, 2, r->event_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, r->event_time_ms);
		sqlite3_bind_text(ins, 4, r->event_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, r->event_source, -1, SQLITE_STATIC);
		if (r->username)
			sqlite3_bind_text(ins, 6, r->username, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 6);
		if (r->access_key_id && r->access_key_id[0])
			sqlite3_bind_text(ins, 7, r->access_key_id, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 7);
		sqlite3_bind_int(ins, 8, r->read_only ? 1 : 0);
		sqlite3_bind_text(ins, 9, r->record, (int)len, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 10, prev, S_DIGEST_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 11, digest, S_DIGEST_LEN, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			bw_logf(BW_LOG_ERROR, "events: append: %s", sqlite3_errmsg(db));
			goto done;
		}
		if (r->resources && s_insert_resources(res, seq, r->resources) != 0)
			goto done;
		memcpy(prev, digest, S_DIGEST_LEN);
	}
	if (n && s_meta_write_end(db, "events.head", seq, prev) != 0)
		goto done;
	*last_seq = seq;
	rc = 0;
done:
	sqlite3_finalize(ins);
	sqlite3_finalize(res);
	return rc;
}

int bw_events_append(struct bw_store *s, const struct bw_event_row *rows, size_t n,
                     uint64_t *last_seq)
{
	bw_store_lock(s);
	/* a document transaction of this thread would swallow ours */
	if (s->tx_depth > 0 || s_exec(s->db, "BEGIN IMMEDIATE;") != 0) {
		bw_store_unlock(s);
		return -1;
	}
	int rc = s_append_rows(s->db, rows, n, last_seq);
	if (rc == 0)
		rc = s_exec(s->db, "COMMIT;");
	if (rc != 0)
		s_exec(s->db, "ROLLBACK;");
	bw_store_unlock(s);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

/* Parse a stored record into {"seq", "record"} and add it to arr. */
static int s_add_result(json_t *arr, sqlite3_stmt *st)
{
	const char *text = (const char *)sqlite3_column_text(st, 1);
	int len = sqlite3_column_bytes(st, 1);
	json_t *rec = text ? json_loadb(text, (size_t)len, 0, NULL) : NULL;
	if (!rec)
		return -1;
	return json_array_append_new(arr, json_pack("{s:I, s:o}", "seq",
	                                            (json_int_t)sqlite3_column_int64(st, 0),
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
 * One statement per query shape. Bound: ?1 before_seq (or max), ?2 start,
 * ?3 end, ?4 the attribute value, ?5 how many rows to read. A record with
 * two resources of the same type comes twice from the resource join: the
 * caller skips repeated seqs, so it asks for a few more rows than it needs.
 */
static int s_build_sql(const struct bw_event_query *q, struct bw_buf *sql)
{
	bool res = q->attr == BW_EVENT_ATTR_RESOURCE_TYPE || q->attr == BW_EVENT_ATTR_RESOURCE_NAME;
	const char *col = s_attr_column(q->attr);
	const char *seq = res ? "r.seq" : "e.seq";
	if (bw_buf_appendf(sql, "SELECT e.seq, e.record FROM %s WHERE %s < ?1",
	                   res ? "event_resources r JOIN events e ON e.seq = r.seq" : "events e",
	                   seq) != 0)
		return -1;
	if (q->start_ms && bw_buf_append_str(sql, " AND e.event_time_ms >= ?2") != 0)
		return -1;
	if (q->end_ms && bw_buf_append_str(sql, " AND e.event_time_ms <= ?3") != 0)
		return -1;
	if (col && bw_buf_appendf(sql, " AND %s = ?4", col) != 0)
		return -1;
	return bw_buf_appendf(sql, " ORDER BY %s DESC LIMIT ?5", seq);
}

int bw_events_lookup(struct bw_store *s, const struct bw_event_query *q, json_t **records,
                     bool *more)
{
	*records = NULL;
	*more = false;
	if (!q || q->limit < 1 || q->limit > 1000 || (q->attr != BW_EVENT_ATTR_NONE && !q->value))
		return -1;
	struct bw_buf sql = {0};
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc = -1;
	if (!arr || s_build_sql(q, &sql) != 0)
		goto done;
	bw_store_lock(s);
	if (s_prepare(s->db, bw_buf_cstr(&sql), &st) != 0) {
		bw_store_unlock(s);
		goto done;
	}
	sqlite3_bind_int64(st, 1, q->before_seq ? (sqlite3_int64)q->before_seq : INT64_MAX);
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
	 * next page (resuming below the last seq) finds the rest, if any */
	if (rc == 0 && step == SQLITE_ROW && !*more)
		*more = true;
	sqlite3_finalize(st);
	bw_store_unlock(s);
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
	*records = NULL;
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	if (!arr)
		return -1;
	bw_store_lock(s);
	int rc = s_prepare(s->db,
	                   "SELECT seq, record FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2", &st);
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
	bw_store_unlock(s);
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
	sqlite3_stmt *st = NULL;
	uint8_t prev[S_DIGEST_LEN] = {0}, calc[S_DIGEST_LEN], head_digest[S_DIGEST_LEN];
	uint64_t expect = 1, head_seq = 0;
	*bad_seq = 0;
	bw_store_lock(s);
	int anchor = s_meta_read_end(s->db, "events.anchor", &expect, prev);
	int head = s_meta_read_end(s->db, "events.head", &head_seq, head_digest);
	int rc = -1;
	if (anchor < 0 || head < 0 ||
	    s_prepare(s->db, "SELECT seq, record, prev_digest, digest FROM events ORDER BY seq",
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
	bw_store_unlock(s);
	return rc;
}

/* ---- retention -------------------------------------------------------- */

/*
 * Delete a prefix of the log: everything before the oldest row that is not
 * expired (times may interleave by a few ms between loops; a row is never
 * deleted while an older-seq one is kept, so the chain stays one piece).
 * At most S_PRUNE_BATCH rows per call, so the store is not held long; the
 * timer calls again.
 */
static int s_prune_batch(sqlite3 *db, int64_t older_than_ms, size_t *deleted)
{
	sqlite3_stmt *st = NULL;
	int64_t first = 0, keep = 0;
	int rc = -1;
	if (s_prepare(db,
	              "SELECT (SELECT min(seq) FROM events),"
	              " (SELECT min(seq) FROM events WHERE event_time_ms >= ?1),"
	              " (SELECT max(seq) FROM events)",
	              &st) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, older_than_ms);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto done;
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) { /* empty log */
		rc = 0;
		goto done;
	}
	first = sqlite3_column_int64(st, 0);
	keep = sqlite3_column_type(st, 1) == SQLITE_NULL ? sqlite3_column_int64(st, 2) + 1
	                                                  : sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	if (keep <= first)
		return 0;
	if (keep - first > S_PRUNE_BATCH)
		keep = first + S_PRUNE_BATCH;
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
	rc = s_meta_write_end(db, "events.anchor", (uint64_t)keep, anchor);
done:
	sqlite3_finalize(st);
	return rc;
}

/* One batch in its own transaction; the store is free between batches. */
static int s_prune_once(struct bw_store *s, int64_t older_than_ms, size_t *deleted)
{
	bw_store_lock(s);
	if (s->tx_depth > 0 || s_exec(s->db, "BEGIN IMMEDIATE;") != 0) {
		bw_store_unlock(s);
		return -1;
	}
	int rc = s_prune_batch(s->db, older_than_ms, deleted);
	if (rc == 0)
		rc = s_exec(s->db, "COMMIT;");
	if (rc != 0)
		s_exec(s->db, "ROLLBACK;");
	bw_store_unlock(s);
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
	sqlite3_stmt *st = NULL;
	uint64_t n = 0;
	bw_store_lock(s);
	if (s_prepare(s->db, "SELECT count(*) FROM events", &st) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	bw_store_unlock(s);
	return n;
}
