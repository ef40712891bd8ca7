/* outbox.c: the trail's outbox table of bulwark.db (outbox.h). */
#include "store/outbox.h"

#include <sqlite3.h>

#include "core/log.h"
#include "store/sqlite_internal.h"

int bw_outbox_put(struct bw_store *s, const char *entry, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	bw_store_lock(s);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO trail_outbox (entry) VALUES (?1)", -1, &st,
	                       NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, entry, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE) {
		*id = sqlite3_last_insert_rowid(s->db);
		rc = 0;
	} else {
		bw_logf(BW_LOG_ERROR, "outbox: cannot add a record: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	bw_store_unlock(s);
	return rc;
}

int bw_outbox_delete(struct bw_store *s, const int64_t *ids, size_t n)
{
	if (n == 0)
		return 0;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	bw_store_lock(s);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto done;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM trail_outbox WHERE id = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		goto rollback;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		if (sqlite3_bind_int64(st, 1, ids[i]) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
			goto rollback;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
		rc = 0;
		goto done;
	}
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
done:
	if (rc != 0)
		bw_logf(BW_LOG_WARN, "outbox: cannot delete %zu entries: %s", n, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	bw_store_unlock(s);
	return rc;
}

int bw_outbox_list(struct bw_store *s, int64_t after_id, size_t limit, json_t **entries)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc = arr ? 0 : -1;
	bw_store_lock(s);
	if (rc == 0 && (sqlite3_prepare_v2(s->db,
	                                   "SELECT id, entry FROM trail_outbox WHERE id > ?1 "
	                                   "ORDER BY id LIMIT ?2",
	                                   -1, &st, NULL) != SQLITE_OK ||
	                sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK ||
	                sqlite3_bind_int64(st, 2, (sqlite3_int64)limit) != SQLITE_OK))
		rc = -1;
	int step;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *e = json_pack("{s:I, s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		                      "entry", (const char *)sqlite3_column_text(st, 1));
		if (!e || json_array_append_new(arr, e) != 0)
			rc = -1;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(st);
	bw_store_unlock(s);
	if (rc != 0) {
		json_decref(arr);
		arr = NULL;
	}
	*entries = arr;
	return rc;
}
