/*
 * events.c: the CloudTrail event log of events.h on SQLite.
 *
 * Tables (events_db.c, in <data>/events.db): `events` holds one row per
 * record with the LookupEvents columns, indexed so that a filter reads
 * newest first straight off its index; `event_resources` holds the (type,
 * name) pairs of each record's resources for the ResourceType and
 * ResourceName filters.
 *
 * The chain (decision 0101): digest(n) = HMAC-SHA256(K, digest(n-1) ||
 * record(n)) for n >= the mark, SHA-256(digest(n-1) || record(n)) for the
 * rows before it (written before keying), digest(0) = 32 zero bytes; each
 * row stores its predecessor's digest too. K is the chain key, derived from
 * the root key. Three events_meta entries, each tagged with
 * HMAC-SHA256(K, "<entry name> <value before the tag>") so that only the
 * key's holder can write them:
 *   "events.keyed_from" = "<seq> <hex tag>": the first keyed seq (the mark),
 *       written once; bulwark.db's meta keeps a copy, so that removing the
 *       mark from events.db (to pass the whole log off as pre-keying, SHA-256
 *       only, which anyone can recompute) shows;
 *   "events.anchor" = "<seq> <hex prev digest> <hex tag>": the oldest row
 *       that must exist, moved forward only by pruning;
 *   "events.head" = "<seq> <hex digest> <hex tag>": the newest, written in
 *       the same transaction as the rows.
 * Without the tags, rows removed at either end would not show: the newest
 * remaining row's digest is a valid head, the oldest's predecessor a valid
 * anchor. Entries written before keying have no tag; marking tags them.
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
#include "crypto/seal.h"
#include "store/sqlite_internal.h"
#include "store/store.h"

#define S_DIGEST_LEN BW_EVENTS_DIGEST_LEN
/* an entry: "<seq> <hex digest> <hex tag>", at most 20 + 2 + 128 characters */
#define S_ENTRY_MAX 192
#define S_PRUNE_BATCH 5000

/* events_meta entries (and the mark's copy in bulwark.db's meta) */
#define S_HEAD "events.head"
#define S_ANCHOR "events.anchor"
#define S_MARK "events.keyed_from"

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

/* ---- the chain key and the chain's step ------------------------------ */

int bw_events_derive_chain_key(const struct bw_root_key *rk, uint8_t out[BW_EVENTS_CHAIN_KEY_LEN])
{
	return bw_root_key_derive(rk, BW_EVENTS_CHAIN_KEY_INFO, out, BW_EVENTS_CHAIN_KEY_LEN);
}

/* An HMAC-SHA256 context keyed once; each MAC works on a copy of it. */
static EVP_MAC_CTX *s_mac_new(const uint8_t *key, size_t len)
{
	if (!key || len != BW_EVENTS_CHAIN_KEY_LEN)
		return NULL;
	return bw_hmac_sha256_keyed(key, len);
}

/* out = HMAC(mac's key, a || b). */
static int s_mac2(EVP_MAC_CTX *mac, const void *a, size_t alen, const void *b, size_t blen,
                  uint8_t out[S_DIGEST_LEN])
{
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(mac);
	size_t n = 0;
	int ok = c && EVP_MAC_update(c, a, alen) == 1 &&
	         (blen == 0 || EVP_MAC_update(c, b, blen) == 1) &&
	         EVP_MAC_final(c, out, &n, S_DIGEST_LEN) == 1 && n == S_DIGEST_LEN;
	EVP_MAC_CTX_free(c);
	return ok ? 0 : -1;
}

/* One step of the chain: keyed (mac given) or, for rows before the mark,
 * SHA-256. */
static int s_chain(EVP_MAC_CTX *mac, const uint8_t prev[S_DIGEST_LEN], const char *record,
                   size_t len, uint8_t out[S_DIGEST_LEN])
{
	if (mac)
		return s_mac2(mac, prev, S_DIGEST_LEN, record, len, out);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = md && EVP_DigestInit_ex(md, bw_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(md, prev, S_DIGEST_LEN) == 1 &&
	         EVP_DigestUpdate(md, record, len) == 1 && EVP_DigestFinal_ex(md, out, &n) == 1 &&
	         n == S_DIGEST_LEN;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* ---- the chain's entries in events_meta ------------------------------- */

/* An entry as stored: "<seq>" then one or two 32-byte hex fields — the
 * ends' digest and tag (one field before keying), the mark's tag. */
struct s_entry {
	bool found;
	uint64_t seq;
	int nhex;
	uint8_t hex[2][S_DIGEST_LEN];
	char raw[S_ENTRY_MAX];
};

static void s_hex(const uint8_t in[S_DIGEST_LEN], char out[2 * S_DIGEST_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < S_DIGEST_LEN; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * S_DIGEST_LEN] = 0;
}

static int s_unhex(const char *hex, uint8_t out[S_DIGEST_LEN])
{
	for (size_t i = 0; i < S_DIGEST_LEN; i++) {
		int hi = bw_hex_digit(hex[2 * i]);
		int lo = hi < 0 ? -1 : bw_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int s_parse_entry(const char *v, struct s_entry *e)
{
	size_t hexlen = 2 * S_DIGEST_LEN;
	char *end = NULL;
	if (!v || strlen(v) >= sizeof e->raw || v[0] < '0' || v[0] > '9')
		return -1;
	snprintf(e->raw, sizeof e->raw, "%s", v);
	e->seq = strtoull(v, &end, 10);
	for (e->nhex = 0; e->nhex < 2 && end && *end == ' '; e->nhex++) {
		if (strlen(end + 1) < hexlen || (end[1 + hexlen] != 0 && end[1 + hexlen] != ' ') ||
		    s_unhex(end + 1, e->hex[e->nhex]) != 0)
			return -1;
		end += 1 + hexlen;
	}
	return e->nhex > 0 && *end == 0 ? 0 : -1;
}

/* Read an entry: 0 (e->found says whether it is there), -1 error or malformed. */
static int s_read_entry(sqlite3 *db, const char *key, struct s_entry *e)
{
	sqlite3_stmt *st = NULL;
	memset(e, 0, sizeof *e);
	if (s_prepare(db, "SELECT value FROM events_meta WHERE key = ?1", &st) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), out = -1;
	if (rc == SQLITE_DONE)
		out = 0;
	else if (rc == SQLITE_ROW &&
	         s_parse_entry((const char *)sqlite3_column_text(st, 0), e) == 0)
		out = 0, e->found = true;
	else
		bw_logf(BW_LOG_ERROR, "events: the %s entry is malformed", key);
	sqlite3_finalize(st);
	return out;
}

/* The value of an entry before its tag: "<seq>" or "<seq> <hex digest>". */
static void s_untagged(uint64_t seq, const uint8_t *digest, char out[96])
{
	char hex[2 * S_DIGEST_LEN + 1];
	if (!digest) {
		snprintf(out, 96, "%" PRIu64, seq);
		return;
	}
	s_hex(digest, hex);
	snprintf(out, 96, "%" PRIu64 " %s", seq, hex);
}

/* tag = HMAC(K, "<entry name> <value before the tag>"): names the entry,
 * so that one entry's tag is no good for another. */
static int s_tag(EVP_MAC_CTX *mac, const char *key, const char *untagged,
                 uint8_t tag[S_DIGEST_LEN])
{
	char msg[160];
	int n = snprintf(msg, sizeof msg, "%s %s", key, untagged);
	if (n < 0 || (size_t)n >= sizeof msg)
		return -1;
	return s_mac2(mac, msg, (size_t)n, NULL, 0, tag);
}

/* Whether a read entry carries a good tag: the ends have a digest and a
 * tag (with_digest), the mark only a tag. Compared in constant time. */
static bool s_entry_ok(EVP_MAC_CTX *mac, const char *key, const struct s_entry *e,
                       bool with_digest)
{
	char untagged[96];
	uint8_t want[S_DIGEST_LEN];
	if (!e->found || e->nhex != (with_digest ? 2 : 1))
		return false;
	s_untagged(e->seq, with_digest ? e->hex[0] : NULL, untagged);
	bool ok = s_tag(mac, key, untagged, want) == 0 &&
	          bw_ct_equal(want, e->hex[e->nhex - 1], S_DIGEST_LEN);
	bw_cleanse(want, sizeof want);
	return ok;
}

/* Write an entry with its tag (value as s_parse_entry reads it) into
 * out (may be NULL); digest NULL for the mark. */
static int s_write_entry(struct bw_events_db *ev, const char *key, uint64_t seq,
                         const uint8_t *digest, char *out, size_t outlen)
{
	char untagged[96], hex[2 * S_DIGEST_LEN + 1], value[S_ENTRY_MAX];
	uint8_t tag[S_DIGEST_LEN];
	if (!ev->chain_mac)
		return -1;
	s_untagged(seq, digest, untagged);
	if (s_tag(ev->chain_mac, key, untagged, tag) != 0)
		return -1;
	s_hex(tag, hex);
	snprintf(value, sizeof value, "%s %s", untagged, hex);
	if (out)
		snprintf(out, outlen, "%s", value);
	sqlite3_stmt *st = ev->write_end;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int s_write_end(struct bw_events_db *ev, const char *key, uint64_t seq,
                       const uint8_t digest[S_DIGEST_LEN])
{
	return s_write_entry(ev, key, seq, digest, NULL, 0);
}

/*
 * Where the next append chains from: the head committed with the last
 * batch, which must carry a good tag. Never the newest row instead: a row
 * deleted behind the store's back stays a visible gap, and a head forged
 * to hide rows removed at the end stops the writer rather than being
 * built upon.
 */
static int s_load_head(struct bw_events_db *ev)
{
	struct s_entry head;
	if (s_read_entry(ev->writer, S_HEAD, &head) != 0)
		return -1;
	if (!s_entry_ok(ev->chain_mac, S_HEAD, &head, true)) {
		bw_logf(BW_LOG_ERROR, "events: the event log's head is missing or not tagged with "
		        "the chain key: events.db was changed behind the server; refusing to append "
		        "(bulwark trail verify-chain)");
		return -1;
	}
	ev->head_seq = head.seq;
	memcpy(ev->head_digest, head.hex[0], S_DIGEST_LEN);
	ev->head_known = true;
	return 0;
}

/* The head of a log not yet keyed: its head entry (untagged), else its
 * newest row, else the start of a chain. */
static int s_unkeyed_head(struct bw_events_db *ev, const struct s_entry *head, uint64_t *seq,
                          uint8_t digest[S_DIGEST_LEN])
{
	*seq = 0;
	memset(digest, 0, S_DIGEST_LEN);
	if (head->found) {
		*seq = head->seq;
		memcpy(digest, head->hex[0], S_DIGEST_LEN);
		return 0;
	}
	sqlite3_stmt *st = NULL;
	if (s_prepare(ev->writer, "SELECT seq, digest FROM events ORDER BY seq DESC LIMIT 1", &st) !=
	    0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == S_DIGEST_LEN) {
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(digest, sqlite3_column_blob(st, 1), S_DIGEST_LEN);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Check (or, the first time, make) what the writer relies on, inside one
 * write transaction: the mark, the anchor, the head. copy is bulwark.db's
 * copy of the mark (NULL: none). *mark_value gets the mark as stored, for
 * bulwark.db's copy.
 */
static int s_attach(struct bw_events_db *ev, const char *copy, char mark_value[S_ENTRY_MAX])
{
	struct s_entry mark, anchor, head;
	if (s_read_entry(ev->writer, S_MARK, &mark) != 0 ||
	    s_read_entry(ev->writer, S_ANCHOR, &anchor) != 0 ||
	    s_read_entry(ev->writer, S_HEAD, &head) != 0)
		return -1;
	if (mark.found) {
		if (!s_entry_ok(ev->chain_mac, S_MARK, &mark, false)) {
			bw_logf(BW_LOG_ERROR, "events: the event log's keyed mark is not tagged "
			        "with this chain key: another root key, or events.db was changed "
			        "behind the server");
			return -1;
		}
		if (copy && strcmp(copy, mark.raw) != 0) {
			bw_logf(BW_LOG_ERROR, "events: the event log's keyed mark (%s) differs from "
			        "the copy in bulwark.db (%s): events.db was replaced or changed",
			        mark.raw, copy);
			return -1;
		}
		if (anchor.found && !s_entry_ok(ev->chain_mac, S_ANCHOR, &anchor, true)) {
			bw_logf(BW_LOG_ERROR, "events: the event log's anchor is not tagged with "
			        "the chain key: events.db was changed behind the server; refusing "
			        "to append");
			return -1;
		}
		ev->keyed_from = mark.seq;
		snprintf(mark_value, S_ENTRY_MAX, "%s", mark.raw);
		return s_load_head(ev);
	}
	if (copy) {
		bw_logf(BW_LOG_ERROR, "events: events.db has no keyed mark, but bulwark.db records "
		        "that its log is keyed (%s): the mark was removed or events.db replaced; "
		        "refusing to append (bulwark trail verify-chain; docs/cloudtrail.md)",
		        copy);
		return -1;
	}
	/* Not keyed yet: a new log, or one from before keying. Its rows so far
	 * stay SHA-256; keying starts with the next. */
	uint64_t seq;
	uint8_t digest[S_DIGEST_LEN];
	if (s_unkeyed_head(ev, &head, &seq, digest) != 0 ||
	    s_write_entry(ev, S_MARK, seq + 1, NULL, mark_value, S_ENTRY_MAX) != 0 ||
	    s_write_end(ev, S_HEAD, seq, digest) != 0 ||
	    (anchor.found && s_write_end(ev, S_ANCHOR, anchor.seq, anchor.hex[0]) != 0))
		return -1;
	if (seq > 0)
		bw_logf(BW_LOG_WARN, "events: the event log's rows up to seq %" PRIu64 " predate "
		        "the keyed chain (SHA-256 only: whoever can write events.db can recompute "
		        "them); rows from seq %" PRIu64 " on are keyed", seq, seq + 1);
	ev->keyed_from = seq + 1;
	ev->head_seq = seq;
	memcpy(ev->head_digest, digest, S_DIGEST_LEN);
	ev->head_known = true;
	return 0;
}

/* Back to no key (under the writer's lock): appends and pruning fail. */
static void s_drop_key(struct bw_events_db *ev)
{
	EVP_MAC_CTX_free(ev->chain_mac);
	ev->chain_mac = NULL;
	ev->keyed_from = 0;
	ev->head_known = false;
}

int bw_events_set_chain_key(struct bw_store *s, const uint8_t *key, size_t len)
{
	struct bw_events_db *ev = &s->events;
	EVP_MAC_CTX *mac = s_mac_new(key, len);
	char copy[S_ENTRY_MAX], mark[S_ENTRY_MAX] = "";
	if (!mac) {
		bw_logf(BW_LOG_ERROR, "events: cannot set the chain key");
		return -1;
	}
	/* bulwark.db first: the store lock is never taken inside the writer's */
	int have_copy = bw_store_meta_get(s, S_MARK, copy, sizeof copy);
	if (have_copy < 0) {
		EVP_MAC_CTX_free(mac);
		return -1;
	}
	pthread_mutex_lock(&ev->write_lock);
	EVP_MAC_CTX_free(ev->chain_mac);
	ev->chain_mac = mac;
	ev->keyed_from = 0;
	ev->head_known = false;
	int rc = s_exec(ev->writer, "BEGIN IMMEDIATE;");
	if (rc == 0) {
		rc = s_attach(ev, have_copy == 1 ? copy : NULL, mark);
		if (rc == 0)
			rc = s_exec(ev->writer, "COMMIT;");
		if (rc != 0)
			s_exec(ev->writer, "ROLLBACK;");
	}
	sqlite3_reset(ev->write_end);
	sqlite3_clear_bindings(ev->write_end);
	if (rc != 0)
		s_drop_key(ev);
	pthread_mutex_unlock(&ev->write_lock);
	/* The copy in bulwark.db, after the mark is committed: a crash in
	 * between leaves a mark without a copy, which the next start copies. */
	if (rc == 0 && have_copy == 0 && bw_store_meta_set(s, S_MARK, mark) != 0) {
		bw_logf(BW_LOG_ERROR, "events: cannot keep a copy of the keyed mark in bulwark.db");
		pthread_mutex_lock(&ev->write_lock);
		s_drop_key(ev);
		pthread_mutex_unlock(&ev->write_lock);
		rc = -1;
	}
	return rc;
}

int bw_events_set_root_key(struct bw_store *s, const struct bw_root_key *rk)
{
	uint8_t key[BW_EVENTS_CHAIN_KEY_LEN];
	int rc = bw_events_derive_chain_key(rk, key);
	if (rc == 0)
		rc = bw_events_set_chain_key(s, key, sizeof key);
	else
		bw_logf(BW_LOG_ERROR, "events: cannot derive the chain key");
	bw_cleanse(key, sizeof key);
	return rc;
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
		if (len > INT_MAX || *seq + 1 < ev->keyed_from ||
		    s_chain(ev->chain_mac, prev, r->record, len, digest) != 0)
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
	return n ? s_write_end(ev, S_HEAD, *seq, digest) : 0;
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
	if (!ev->chain_mac || !ev->keyed_from)
		bw_logf(BW_LOG_ERROR, "events: no chain key: refusing to append unkeyed rows");
	else if ((ev->head_known || s_load_head(ev) == 0) &&
	         s_exec(ev->writer, "BEGIN IMMEDIATE;") == 0) {
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

/* The chain's entries. The mark is checked first (where keying starts
 * decides how every row is checked): 0, or -1 with r->problem. Where the
 * rows must start goes to *expect and prev, and whether the anchor's and
 * head's tags hold to *ends_ok, reported after the rows, whose own faults
 * say more. */
static int s_verify_entries(sqlite3 *db, EVP_MAC_CTX *mac, const char *copy,
                            struct s_entry *anchor, struct s_entry *head, uint64_t *expect,
                            uint8_t prev[S_DIGEST_LEN], struct bw_events_chain_report *r)
{
	struct s_entry mark;
	if (s_read_entry(db, S_MARK, &mark) != 0 || s_read_entry(db, S_ANCHOR, anchor) != 0 ||
	    s_read_entry(db, S_HEAD, head) != 0) {
		r->problem = "the chain's entries in events_meta are malformed or unreadable";
		return -1;
	}
	*expect = 1;
	memset(prev, 0, S_DIGEST_LEN);
	if (anchor->found) {
		*expect = anchor->seq;
		memcpy(prev, anchor->hex[0], S_DIGEST_LEN);
	}
	if (copy && (!mark.found || strcmp(copy, mark.raw) != 0)) {
		r->problem = "events.db's keyed mark is missing or differs from its copy in "
		             "bulwark.db: the mark was removed or events.db replaced";
		return -1;
	}
	if (mark.found && !s_entry_ok(mac, S_MARK, &mark, false)) {
		r->problem = "the keyed mark does not verify under the chain key: forged, or "
		             "another root key";
		return -1;
	}
	r->keyed_from = mark.found ? mark.seq : 0;
	return 0;
}

/* One row: in sequence, naming its predecessor's digest, carrying the
 * chain's step over it (keyed from the mark on). */
static bool s_row_ok(sqlite3_stmt *st, EVP_MAC_CTX *mac, uint64_t keyed_from, uint64_t expect,
                     uint8_t prev[S_DIGEST_LEN], bool *keyed)
{
	uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
	const char *rec = (const char *)sqlite3_column_blob(st, 1);
	size_t len = (size_t)sqlite3_column_bytes(st, 1);
	const void *p = sqlite3_column_blob(st, 2), *d = sqlite3_column_blob(st, 3);
	uint8_t calc[S_DIGEST_LEN];
	*keyed = keyed_from && seq >= keyed_from;
	if (seq != expect || sqlite3_column_bytes(st, 2) != S_DIGEST_LEN ||
	    sqlite3_column_bytes(st, 3) != S_DIGEST_LEN || memcmp(p, prev, S_DIGEST_LEN) != 0 ||
	    s_chain(*keyed ? mac : NULL, prev, rec ? rec : "", len, calc) != 0 ||
	    !bw_ct_equal(calc, d, S_DIGEST_LEN))
		return false;
	memcpy(prev, calc, S_DIGEST_LEN);
	return true;
}

/*
 * Walk the rows in seq order. Each must follow its predecessor without a
 * gap, name its predecessor's digest, and carry the chain's step over
 * that and its record. The first row must be the anchor (seq 1 from zeros,
 * or where pruning left off); the last must be the head written with it.
 */
int bw_events_verify_chain(struct bw_store *s, const uint8_t *key, size_t key_len,
                           struct bw_events_chain_report *r)
{
	struct bw_events_db *ev = &s->events;
	memset(r, 0, sizeof *r);
	EVP_MAC_CTX *mac = s_mac_new(key, key_len);
	char copy[S_ENTRY_MAX];
	int have_copy = mac ? bw_store_meta_get(s, S_MARK, copy, sizeof copy) : -1;
	if (!mac || have_copy < 0) {
		r->problem = mac ? "cannot read bulwark.db" : "no chain key";
		EVP_MAC_CTX_free(mac);
		return -1;
	}
	sqlite3_stmt *st = NULL;
	struct s_entry anchor, head;
	uint8_t prev[S_DIGEST_LEN];
	uint64_t expect = 1;
	int rc = -1;
	pthread_mutex_lock(&ev->read_lock);
	/* one read transaction: the entries and the rows from the same snapshot */
	if (s_exec(ev->reader, "BEGIN;") != 0) {
		pthread_mutex_unlock(&ev->read_lock);
		EVP_MAC_CTX_free(mac);
		r->problem = "cannot read events.db";
		return -1;
	}
	if (s_verify_entries(ev->reader, mac, have_copy == 1 ? copy : NULL, &anchor, &head, &expect,
	                     prev, r) != 0)
		goto done;
	if (s_prepare(ev->reader, "SELECT seq, record, prev_digest, digest FROM events ORDER BY seq",
	              &st) != 0) {
		r->problem = "cannot read events.db";
		goto done;
	}
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
		bool keyed;
		if (!r->first_seq)
			r->first_seq = seq;
		r->last_seq = seq;
		if (!s_row_ok(st, mac, r->keyed_from, expect, prev, &keyed)) {
			r->bad_seq = seq < expect ? seq : expect; /* a gap names the missing row */
			r->problem = seq > expect   ? "a row is missing"
			             : keyed        ? "a row does not verify under the chain key"
			                            : "a row before the keyed mark does not verify "
			                              "(SHA-256)";
			goto done;
		}
		r->events++;
		if (keyed)
			r->keyed++;
		else
			r->unkeyed++;
		expect++;
	}
	if (step != SQLITE_DONE) {
		r->problem = "cannot read events.db";
		goto done;
	}
	/* Keyed, the ends must carry the key's tags: an anchor or head moved
	 * over rows removed at either end, with the digests of the rows left,
	 * would otherwise pass. (Before keying they carried none.) */
	if (r->keyed_from && anchor.found && !s_entry_ok(mac, S_ANCHOR, &anchor, true)) {
		r->bad_seq = anchor.seq > 1 ? anchor.seq - 1 : 1;
		r->problem = "the anchor (where pruning left off) does not verify under the chain "
		             "key: rows were removed at the oldest end";
		goto done;
	}
	if (r->keyed_from && !s_entry_ok(mac, S_HEAD, &head, true)) {
		r->bad_seq = expect;
		r->problem = "the head (the newest row the server committed) is missing or does not "
		             "verify under the chain key: rows were removed at the newest end";
		goto done;
	}
	/* rows missing at the newest end: the head says how far the log went */
	if (head.found &&
	    (head.seq != expect - 1 || !bw_ct_equal(head.hex[0], prev, S_DIGEST_LEN))) {
		r->bad_seq = expect;
		r->problem = "rows are missing at the newest end (the head names a later row)";
		goto done;
	}
	if (!r->keyed_from && (r->events || head.found)) {
		r->problem = "the log has no keyed mark: it is from before keyed chains and no "
		             "server has run on it since (start one: it marks where keying "
		             "begins), or the mark was removed; its SHA-256 chain holds, but anyone "
		             "who can write events.db could have recomputed it";
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	s_exec(ev->reader, "COMMIT;");
	pthread_mutex_unlock(&ev->read_lock);
	EVP_MAC_CTX_free(mac);
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
	rc = s_write_end(ev, S_ANCHOR, (uint64_t)keep, anchor);
done:
	sqlite3_finalize(st);
	return rc;
}

/* One batch in its own transaction; the recorder may append between batches. */
static int s_prune_once(struct bw_store *s, int64_t older_than_ms, size_t *deleted)
{
	struct bw_events_db *ev = &s->events;
	pthread_mutex_lock(&ev->write_lock);
	/* the new anchor is tagged with the chain key: none, no pruning */
	int rc = ev->chain_mac ? s_exec(ev->writer, "BEGIN IMMEDIATE;") : -1;
	if (!ev->chain_mac)
		bw_logf(BW_LOG_ERROR, "events: no chain key: not pruning");
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
