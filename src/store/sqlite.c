/*
 * sqlite.c: the embedded SQLite backend of store.h.
 *
 * bulwark.db holds the settings and every service's documents (doc.c) on one
 * connection behind the store lock; the CloudTrail event log has its own file
 * and connections (events_db.c).
 */
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "core/gencache.h"
#include "core/log.h"
#include "store/sqlite_internal.h"


/* Numbered migrations: entry i moves the schema from version i to i + 1.
 * Never edit a shipped entry; append a new one. */
static const char *const s_migrations[] = {
	/* 1: installation settings */
	"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;",
	/* 2: the resources of every service (doc.h) */
	"CREATE TABLE docs (kind TEXT NOT NULL, account TEXT NOT NULL, key TEXT NOT NULL,"
	" doc TEXT NOT NULL, updated_ms INTEGER NOT NULL,"
	" PRIMARY KEY (kind, account, key)) STRICT, WITHOUT ROWID;",
	/* 3: the CloudTrail event log (events.c): hash-chained records, the
	 * columns LookupEvents filters on, each with an index ending in seq so
	 * a filter reads newest first without sorting */
	"CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL,"
	" event_time_ms INTEGER NOT NULL, event_name TEXT NOT NULL, event_source TEXT NOT NULL,"
	" username TEXT, access_key_id TEXT, read_only INTEGER NOT NULL, record TEXT NOT NULL,"
	" prev_digest BLOB NOT NULL, digest BLOB NOT NULL) STRICT;"
	"CREATE INDEX events_by_time ON events (event_time_ms, seq);"
	"CREATE INDEX events_by_id ON events (event_id, seq);"
	"CREATE INDEX events_by_name ON events (event_name, seq);"
	"CREATE INDEX events_by_source ON events (event_source, seq);"
	"CREATE INDEX events_by_user ON events (username, seq);"
	"CREATE INDEX events_by_akid ON events (access_key_id, seq);"
	"CREATE INDEX events_by_ro ON events (read_only, seq);"
	"CREATE TABLE event_resources (seq INTEGER NOT NULL, type TEXT NOT NULL,"
	" name TEXT NOT NULL) STRICT;"
	"CREATE INDEX event_resources_by_type ON event_resources (type, seq);"
	"CREATE INDEX event_resources_by_name ON event_resources (name, seq);"
	"CREATE INDEX event_resources_by_seq ON event_resources (seq);",
	/* 4: the event log moved to its own file, events.db (events_db.c,
	 * decision 0010), which copies version 3's tables before this runs */
	("DROP TABLE IF EXISTS event_resources; DROP TABLE IF EXISTS events;"
	 "DELETE FROM meta WHERE key IN ('events.head', 'events.anchor');"),
	/* 5: the records of changes committed with them, until the event log
	 * holds them (outbox.h) */
	"CREATE TABLE trail_outbox (id INTEGER PRIMARY KEY, entry TEXT NOT NULL) STRICT;",
};

/* The version whose tables events_db.c takes over before the next drops them. */
#define S_VERSION_WITH_LEGACY_EVENTS 3

int bw_sqlite_exec(sqlite3 *db, const char *who, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		bw_logf(BW_LOG_ERROR, "%s: %s", who, err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int s_exec(sqlite3 *db, const char *sql)
{
	return bw_sqlite_exec(db, "store", sql);
}

static int s_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
	if (rc == 0)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

int bw_sqlite_migrate(sqlite3 *db, const char *who, const char *const *migrations, int count,
                      int upto, int *reached)
{
	int version;
	if (s_user_version(db, &version) != 0)
		return -1;
	if (version > count) {
		bw_logf(BW_LOG_ERROR, "%s: schema version %d is newer than this bulwark (%d)", who,
		        version, count);
		return -1;
	}
	int target = upto < count ? upto : count;
	for (; version < target; version++) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", version + 1);
		if (bw_sqlite_exec(db, who, "BEGIN IMMEDIATE;") != 0)
			return -1;
		if (bw_sqlite_exec(db, who, migrations[version]) != 0 ||
		    bw_sqlite_exec(db, who, pragma) != 0) {
			bw_sqlite_exec(db, who, "ROLLBACK;");
			return -1;
		}
		if (bw_sqlite_exec(db, who, "COMMIT;") != 0)
			return -1;
		bw_logf(BW_LOG_INFO, "%s: migrated schema to version %d", who, version + 1);
	}
	if (reached)
		*reached = version;
	return 0;
}

/* Run bulwark.db's migrations up to version upto (or as far as there are). */
static int s_migrate(struct bw_store *s, int upto)
{
	return bw_sqlite_migrate(s->db, "store", s_migrations,
	                         (int)(sizeof s_migrations / sizeof s_migrations[0]), upto,
	                         &s->schema_version);
}

int bw_store_open(const char *data_dir, struct bw_store **out)
{
	*out = NULL;
	if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
		bw_logf(BW_LOG_ERROR, "store: cannot create %s: %s", data_dir, strerror(errno));
		return -1;
	}
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/bulwark.db", data_dir) >= sizeof path) {
		bw_logf(BW_LOG_ERROR, "store: data directory path too long");
		return -1;
	}
	struct bw_store *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	snprintf(s->data_dir, sizeof s->data_dir, "%s", data_dir);
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&s->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	s->cache = bw_gencache_new(8192);
	if (!s->cache) {
		free(s);
		return -1;
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		bw_logf(BW_LOG_ERROR, "store: cannot open %s: %s", path,
		        s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto error;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (s_exec(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	                  "PRAGMA foreign_keys = ON;") != 0)
		goto error;
	chmod(path, 0600);
	if (s_migrate(s, S_VERSION_WITH_LEGACY_EVENTS) != 0 || bw_events_db_open(s, data_dir) != 0 ||
	    s_migrate(s, INT_MAX) != 0)
		goto error;
	*out = s;
	return 0;
error:
	bw_store_close(s);
	return -1;
}

void bw_store_close(struct bw_store *store)
{
	if (!store)
		return;
	bw_events_db_close(store);
	sqlite3_close_v2(store->db);
	bw_gencache_free(store->cache);
	pthread_mutex_destroy(&store->lock);
	free(store);
}

int bw_store_ping(struct bw_store *store)
{
	if (!store)
		return -1;
	sqlite3_stmt *st;
	bw_store_lock(store);
	int rc = -1;
	if (sqlite3_prepare_v2(store->db, "SELECT 1", -1, &st, NULL) == SQLITE_OK) {
		rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
		sqlite3_finalize(st);
	}
	bw_store_unlock(store);
	return rc;
}

void bw_store_health(struct bw_store *s, double now_s, struct bw_store_health *out)
{
	*out = (struct bw_store_health){0};
	if (!s)
		return;
	struct statvfs fs;
	if (statvfs(s->data_dir, &fs) == 0)
		out->free_bytes = (uint64_t)fs.f_bavail * (uint64_t)fs.f_frsize;
	out->full = out->free_bytes < BW_STORE_MIN_FREE_BYTES;
	bw_store_lock(s);
	if (s->tx_depth == 0 && (now_s - s->probe_at_s >= 1.0 || now_s < s->probe_at_s)) {
		char sql[160];
		snprintf(sql, sizeof sql,
		         "INSERT OR REPLACE INTO meta(key, value) VALUES('health_probe', '%.3f')", now_s);
		s->probe_ok = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
		if (s->probe_ok) {
			s->probe_ok = sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK &&
			              sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
			if (!s->probe_ok)
				sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		}
		s->probe_at_s = now_s;
	}
	out->writable = s->probe_ok;
	bw_store_unlock(s);
}

int bw_store_schema_version(struct bw_store *store)
{
	return store ? store->schema_version : 0;
}

int bw_store_meta_get(struct bw_store *store, const char *key, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	bw_store_lock(store);
	if (sqlite3_prepare_v2(store->db, "SELECT value FROM meta WHERE key = ?1", -1, &st,
	                       NULL) != SQLITE_OK) {
		bw_store_unlock(store);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int found = 0;
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(out, outlen, "%s", v ? (const char *)v : "");
		found = 1;
	} else if (rc != SQLITE_DONE) {
		found = -1;
	}
	sqlite3_finalize(st);
	bw_store_unlock(store);
	return found;
}

static int s_meta_write(struct bw_store *store, const char *sql, const char *key,
                        const char *value)
{
	sqlite3_stmt *st;
	bw_store_lock(store);
	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK) {
		bw_store_unlock(store);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	bw_store_unlock(store);
	return rc;
}

int bw_store_meta_set(struct bw_store *store, const char *key, const char *value)
{
	return s_meta_write(store,
	                    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	                    key, value);
}

int bw_store_meta_ensure(struct bw_store *store, const char *key, const char *value, char *out,
                         size_t outlen)
{
	if (s_meta_write(store, "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)", key,
	                 value) != 0)
		return -1;
	return bw_store_meta_get(store, key, out, outlen) == 1 ? 0 : -1;
}
