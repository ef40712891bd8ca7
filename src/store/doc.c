/* doc.c: the JSON documents of doc.h on SQLite (table docs, migration 2). */
#include "store/doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gencache.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "store/sqlite_internal.h"

static int s_prepare(struct bw_store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		bw_logf(BW_LOG_ERROR, "store: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

static void s_bind3(sqlite3_stmt *st, const char *kind, const char *account, const char *key)
{
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
}

/*
 * The call's transaction (doc.h, bw_store_call_begin): set for the thread
 * that handles a call, and opened only by that thread's first write or
 * begin, so a handler that reads or computes first (key generation) holds
 * no lock until it writes. Once open, the thread holds the store's lock
 * (one extra level) until bw_store_call_commit or _rollback; the handler's
 * own begin/commit pairs nest inside it.
 */
static __thread struct bw_store *t_call_store;
static __thread bool t_call_open;

static int s_call_open(struct bw_store *s)
{
	if (t_call_store != s || t_call_open)
		return 0;
	bw_store_lock(s);
	/* this thread held no level of the lock: no transaction is open */
	if (s->tx_depth != 0 || sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		bw_logf(BW_LOG_ERROR, "store: cannot open the call's transaction: %s",
		        sqlite3_errmsg(s->db));
		bw_store_unlock(s);
		return -1;
	}
	s->tx_depth = 1;
	s->tx_dirty = false;
	s->tx_abort = false;
	t_call_open = true;
	return 0;
}

void bw_store_call_begin(struct bw_store *s)
{
	t_call_store = s;
	t_call_open = false;
}

bool bw_store_call_open(const struct bw_store *s)
{
	return t_call_store == s && t_call_open;
}

int bw_store_call_commit(struct bw_store *s)
{
	int rc = 0;
	if (bw_store_call_open(s)) {
		if (s->tx_depth != 1 || s->tx_abort) {
			/* a nested rollback doomed it, or a nested level was left open */
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			rc = -1;
		} else if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			bw_logf(BW_LOG_ERROR, "store: the call's transaction did not commit: %s",
			        sqlite3_errmsg(s->db));
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			rc = -1;
		} else if (s->tx_dirty) {
			atomic_fetch_add(&s->generation, 1);
		}
		s->tx_depth = 0;
		bw_store_unlock(s);
	}
	t_call_store = NULL;
	t_call_open = false;
	return rc;
}

void bw_store_call_rollback(struct bw_store *s)
{
	if (bw_store_call_open(s)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->tx_depth = 0;
		bw_store_unlock(s);
	}
	t_call_store = NULL;
	t_call_open = false;
}

/* A write outside a transaction is its own; inside one, it dirties it. */
static void s_wrote(struct bw_store *s)
{
	if (s->tx_depth)
		s->tx_dirty = true;
	else
		atomic_fetch_add(&s->generation, 1);
}

static int s_write(struct bw_store *s, const char *sql, const char *kind, const char *account,
                   const char *key, const json_t *doc, bool want_change)
{
	char *text = NULL;
	if (s_call_open(s) != 0)
		return BW_STORE_ERROR;
	if (doc && !(text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY)))
		return BW_STORE_ERROR;
	sqlite3_stmt *st;
	int rc = BW_STORE_ERROR;
	bw_store_lock(s);
	if (s_prepare(s, sql, &st) != 0)
		goto done;
	s_bind3(st, kind, account, key);
	if (text) {
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, bw_now_ms());
	}
	int step = sqlite3_step(st);
	if (step == SQLITE_CONSTRAINT || sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = BW_STORE_EXISTS;
	else if (step != SQLITE_DONE)
		bw_logf(BW_LOG_ERROR, "store: %s", sqlite3_errmsg(s->db));
	else if (want_change && sqlite3_changes(s->db) == 0)
		rc = BW_STORE_NOT_FOUND;
	else
		rc = BW_STORE_OK;
	sqlite3_finalize(st);
	if (rc == BW_STORE_OK)
		s_wrote(s);
done:
	bw_store_unlock(s);
	free(text);
	return rc;
}

int bw_doc_create(struct bw_store *s, const char *kind, const char *account, const char *key,
                  const json_t *doc)
{
	return s_write(s, "INSERT INTO docs (kind, account, key, doc, updated_ms) "
	                  "VALUES (?1, ?2, ?3, ?4, ?5)",
	               kind, account, key, doc, false);
}

int bw_doc_update(struct bw_store *s, const char *kind, const char *account, const char *key,
                  const json_t *doc)
{
	return s_write(s, "UPDATE docs SET doc = ?4, updated_ms = ?5 "
	                  "WHERE kind = ?1 AND account = ?2 AND key = ?3",
	               kind, account, key, doc, true);
}

int bw_doc_put(struct bw_store *s, const char *kind, const char *account, const char *key,
               const json_t *doc)
{
	return s_write(s, "INSERT INTO docs (kind, account, key, doc, updated_ms) "
	                  "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, account, key) "
	                  "DO UPDATE SET doc = excluded.doc, updated_ms = excluded.updated_ms",
	               kind, account, key, doc, false);
}

int bw_doc_delete(struct bw_store *s, const char *kind, const char *account, const char *key)
{
	return s_write(s, "DELETE FROM docs WHERE kind = ?1 AND account = ?2 AND key = ?3", kind,
	               account, key, NULL, true);
}

static json_t *s_parse(sqlite3_stmt *st, int col)
{
	const char *text = (const char *)sqlite3_column_text(st, col);
	int len = sqlite3_column_bytes(st, col);
	return text ? json_loadb(text, (size_t)len, JSON_DECODE_ANY, NULL) : NULL;
}

/*
 * The read cache: what was read at the current generation is served from
 * memory until the next committed write. Reads inside a transaction bypass
 * it (they must see the transaction's own writes, which the generation does
 * not count until commit). The store lock makes the generation and the
 * SQLite read consistent: no write can commit between them.
 */
static bool s_cacheable(const struct bw_store *s)
{
	return s->tx_depth == 0 && s->cache;
}

static void s_cache_key(struct bw_buf *k, char tag, const char *kind, const char *account,
                        const char *key)
{
	if (bw_buf_appendf(k, "%c\x1f%s\x1f%s\x1f%s", tag, kind, account, key) != 0)
		bw_buf_free(k);
}

int bw_doc_get(struct bw_store *s, const char *kind, const char *account, const char *key,
               json_t **doc)
{
	*doc = NULL;
	sqlite3_stmt *st;
	int rc = BW_STORE_ERROR;
	struct bw_buf ck = {0};
	bw_store_lock(s);
	unsigned long gen = atomic_load(&s->generation);
	bool cacheable = s_cacheable(s);
	if (cacheable) {
		s_cache_key(&ck, 'd', kind, account, key);
		if (ck.data && bw_gencache_get(s->cache, bw_buf_cstr(&ck), gen, doc, NULL)) {
			rc = BW_STORE_OK;
			goto done;
		}
	}
	if (s_prepare(s, "SELECT doc FROM docs WHERE kind = ?1 AND account = ?2 AND key = ?3",
	              &st) != 0)
		goto done;
	s_bind3(st, kind, account, key);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*doc = s_parse(st, 0);
		rc = *doc ? BW_STORE_OK : BW_STORE_ERROR;
	} else if (step == SQLITE_DONE) {
		rc = BW_STORE_NOT_FOUND;
	}
	sqlite3_finalize(st);
	if (rc == BW_STORE_OK && cacheable && ck.data)
		bw_gencache_put(s->cache, bw_buf_cstr(&ck), gen, *doc, bw_cur_from(NULL, 0));
done:
	bw_store_unlock(s);
	bw_buf_free(&ck);
	return rc;
}

/* The smallest string greater than every string starting with prefix, for
 * a range scan: prefix with its last byte incremented (bytes are compared
 * as unsigned, BINARY collation). NULL when there is none (all 0xff). */
static char *s_prefix_end(const char *prefix)
{
	size_t n = strlen(prefix);
	char *end = strndup(prefix, n);
	while (end && n > 0) {
		unsigned char c = (unsigned char)end[n - 1];
		if (c < 0xff) {
			end[n - 1] = (char)(c + 1);
			end[n] = 0;
			return end;
		}
		n--;
	}
	free(end);
	return NULL;
}

/* Bind ?1 kind, ?2 account, and the key range [?3 prefix, ?4 end) of a
 * prefix scan (?4 NULL: no upper bound). */
static void s_bind_prefix(sqlite3_stmt *st, const char *kind, const char *account,
                          const char *prefix, const char *end)
{
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, prefix, -1, SQLITE_STATIC);
	if (end)
		sqlite3_bind_text(st, 4, end, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
}

int bw_doc_list(struct bw_store *s, const char *kind, const char *account,
                const struct bw_doc_page *page, json_t **docs, bool *more)
{
	*docs = json_array();
	*more = false;
	if (!*docs)
		return BW_STORE_ERROR;
	const char *prefix = page && page->prefix ? page->prefix : "";
	const char *after = page && page->after ? page->after : "";
	size_t limit = page ? page->limit : 0;
	char *end = prefix[0] ? s_prefix_end(prefix) : NULL;
	sqlite3_stmt *st;
	int rc = BW_STORE_ERROR;
	struct bw_buf ck = {0};
	bw_store_lock(s);
	unsigned long gen = atomic_load(&s->generation);
	bool cacheable = s_cacheable(s);
	if (cacheable) {
		char tail[64];
		snprintf(tail, sizeof tail, "\x1f%zu", limit);
		s_cache_key(&ck, 'l', kind, account, prefix);
		if (ck.data && (bw_buf_append_byte(&ck, 0x1f) != 0 || bw_buf_append_str(&ck, after) != 0 ||
		                bw_buf_append_str(&ck, tail) != 0))
			bw_buf_free(&ck);
		json_t *hit = NULL;
		if (ck.data && bw_gencache_get(s->cache, bw_buf_cstr(&ck), gen, &hit, NULL)) {
			json_decref(*docs);
			*docs = json_incref(json_object_get(hit, "docs"));
			*more = json_is_true(json_object_get(hit, "more"));
			json_decref(hit);
			rc = *docs ? BW_STORE_OK : BW_STORE_ERROR;
			goto done;
		}
	}
	if (s_prepare(s, "SELECT key, doc FROM docs WHERE kind = ?1 AND account = ?2 "
	                 "AND key >= ?3 AND (?4 IS NULL OR key < ?4) AND key > ?5 "
	                 "ORDER BY key LIMIT ?6",
	              &st) != 0)
		goto done;
	s_bind_prefix(st, kind, account, prefix, end);
	sqlite3_bind_text(st, 5, after, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, limit ? (sqlite3_int64)limit + 1 : -1);
	int step;
	size_t n = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (limit && n == limit) {
			*more = true;
			break;
		}
		json_t *doc = s_parse(st, 1);
		const char *key = (const char *)sqlite3_column_text(st, 0);
		if (!doc || json_array_append_new(*docs, json_pack("{s:s, s:o}", "key", key, "doc",
		                                                   doc)) != 0)
			break;
		n++;
	}
	if (step == SQLITE_DONE || *more)
		rc = BW_STORE_OK;
	sqlite3_finalize(st);
	if (rc == BW_STORE_OK && cacheable && ck.data) {
		json_t *entry = json_pack("{s:O, s:b}", "docs", *docs, "more", *more);
		if (entry)
			bw_gencache_put(s->cache, bw_buf_cstr(&ck), gen, entry, bw_cur_from(NULL, 0));
		json_decref(entry);
	}
done:
	bw_store_unlock(s);
	bw_buf_free(&ck);
	free(end);
	if (rc != BW_STORE_OK) {
		json_decref(*docs);
		*docs = NULL;
	}
	return rc;
}

int bw_doc_count(struct bw_store *s, const char *kind, const char *account, const char *prefix,
                 size_t *count)
{
	*count = 0;
	if (s_call_open(s) != 0)
		return BW_STORE_ERROR;
	const char *p = prefix ? prefix : "";
	char *end = p[0] ? s_prefix_end(p) : NULL;
	sqlite3_stmt *st;
	int rc = BW_STORE_ERROR;
	bw_store_lock(s);
	if (s_prepare(s, "SELECT count(*) FROM docs WHERE kind = ?1 AND account = ?2 "
	                 "AND key >= ?3 AND (?4 IS NULL OR key < ?4)",
	              &st) != 0)
		goto done;
	s_bind_prefix(st, kind, account, p, end);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = (size_t)sqlite3_column_int64(st, 0);
		rc = BW_STORE_OK;
	}
	sqlite3_finalize(st);
done:
	bw_store_unlock(s);
	free(end);
	return rc;
}

int bw_doc_delete_prefix(struct bw_store *s, const char *kind, const char *account,
                         const char *prefix)
{
	const char *p = prefix ? prefix : "";
	char *end = p[0] ? s_prefix_end(p) : NULL;
	sqlite3_stmt *st;
	int rc = BW_STORE_ERROR;
	bw_store_lock(s);
	if (s_prepare(s, "DELETE FROM docs WHERE kind = ?1 AND account = ?2 "
	                 "AND key >= ?3 AND (?4 IS NULL OR key < ?4)",
	              &st) != 0)
		goto done;
	s_bind_prefix(st, kind, account, p, end);
	if (sqlite3_step(st) == SQLITE_DONE) {
		rc = BW_STORE_OK;
		if (sqlite3_changes(s->db) > 0)
			s_wrote(s);
	}
	sqlite3_finalize(st);
done:
	bw_store_unlock(s);
	free(end);
	return rc;
}

int bw_store_begin(struct bw_store *s)
{
	if (s_call_open(s) != 0)
		return -1;
	bw_store_lock(s);
	if (s->tx_depth++ > 0)
		return 0; /* nested: joins the outer transaction */
	s->tx_dirty = false;
	s->tx_abort = false;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		s->tx_depth--;
		bw_store_unlock(s);
		return -1;
	}
	return 0;
}

int bw_store_commit(struct bw_store *s)
{
	int rc = s->tx_abort ? -1 : 0;
	if (--s->tx_depth == 0) {
		if (s->tx_abort) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		} else if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			rc = -1;
		} else if (s->tx_dirty) {
			atomic_fetch_add(&s->generation, 1);
		}
	}
	bw_store_unlock(s);
	return rc;
}

void bw_store_rollback(struct bw_store *s)
{
	/* a nested rollback dooms the outer transaction: its commit rolls back */
	s->tx_abort = true;
	if (--s->tx_depth == 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	bw_store_unlock(s);
}

unsigned long bw_store_generation(struct bw_store *s)
{
	return atomic_load(&s->generation);
}
