/*
 * events_db.c: the event log's own database file, <data>/events.db
 * (decision 0010): its connections, its numbered migrations, and the one-time
 * move of a log that earlier versions kept inside bulwark.db.
 *
 * Indexes: each LookupEvents attribute with the event time (and the rowid,
 * which SQLite appends to every index), so that a filter reads newest first
 * straight off its index; the time alone for a time range; the event id.
 * ReadOnly has no index: half the events match it, so walking the time index
 * and skipping the other half is as fast as an index would be, and one index
 * fewer is one B-tree fewer to write per event.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "store/sqlite_internal.h"

static const char *const s_migrations[] = {
	/* 1: hash-chained records and their lookup columns; the chain's two
	 * ends ("events.head", "events.anchor") in events_meta */
	"CREATE TABLE events_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;"
	"CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL,"
	" event_time_ms INTEGER NOT NULL, event_name TEXT NOT NULL, event_source TEXT NOT NULL,"
	" username TEXT, access_key_id TEXT, read_only INTEGER NOT NULL, record TEXT NOT NULL,"
	" prev_digest BLOB NOT NULL, digest BLOB NOT NULL) STRICT;"
	"CREATE INDEX events_by_time ON events (event_time_ms);"
	"CREATE INDEX events_by_id ON events (event_id);"
	"CREATE INDEX events_by_name ON events (event_name, event_time_ms);"
	"CREATE INDEX events_by_source ON events (event_source, event_time_ms);"
	"CREATE INDEX events_by_user ON events (username, event_time_ms);"
	"CREATE INDEX events_by_akid ON events (access_key_id, event_time_ms);"
	"CREATE TABLE event_resources (seq INTEGER NOT NULL, type TEXT NOT NULL,"
	" name TEXT NOT NULL, event_time_ms INTEGER NOT NULL,"
	" PRIMARY KEY (seq, type, name)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX event_resources_by_type ON event_resources (type, event_time_ms, seq);"
	"CREATE INDEX event_resources_by_name ON event_resources (name, event_time_ms, seq);",
	/* 2: the keyed chain (events.c, decision 0101). No table changes: the
	 * mark "events.keyed_from" and the ends' tags live in events_meta. The
	 * version is the point: a bulwark from before keying refuses this file
	 * ("newer than this bulwark") instead of appending unkeyed rows to a
	 * keyed chain or calling a keyed log broken. */
	"SELECT 1;",
};

static int s_exec(sqlite3 *db, const char *sql)
{
	return bw_sqlite_exec(db, "events", sql);
}

/* 1 if the query returns a row, 0 if not, -1 on error. */
static int s_exists(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Versions before 0010 kept the log in bulwark.db (its migration 3). Copy it
 * over once, rows, resources and the chain's ends unchanged, so the chain
 * still verifies; bulwark.db's migration 4 then drops the old tables. A crash
 * between the two is harmless: a log that already has events is not copied
 * into again.
 */
static int s_take_over_legacy_log(struct bw_store *s)
{
	sqlite3 *w = s->events.writer;
	int legacy = s_exists(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table'"
	                             " AND name = 'events'");
	if (legacy <= 0)
		return legacy;
	int ours = s_exists(w, "SELECT 1 FROM events UNION ALL "
	                       "SELECT 1 FROM events_meta WHERE key = 'events.head'");
	if (ours != 0)
		return ours < 0 ? -1 : 0;
	const char *main_file = sqlite3_db_filename(s->db, "main");
	sqlite3_stmt *st = NULL;
	if (!main_file || sqlite3_prepare_v2(w, "ATTACH DATABASE ?1 AS legacy", -1, &st, NULL) !=
	                          SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, main_file, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (rc != 0)
		return -1;
	rc = s_exec(w, "BEGIN IMMEDIATE;"
	               "INSERT INTO main.events SELECT seq, event_id, event_time_ms, event_name,"
	               " event_source, username, access_key_id, read_only, record, prev_digest,"
	               " digest FROM legacy.events;"
	               "INSERT OR IGNORE INTO main.event_resources"
	               " SELECT r.seq, r.type, r.name, e.event_time_ms"
	               " FROM legacy.event_resources r JOIN legacy.events e ON e.seq = r.seq;"
	               "INSERT INTO main.events_meta SELECT key, value FROM legacy.meta"
	               " WHERE key IN ('events.head', 'events.anchor');"
	               "COMMIT;");
	if (rc != 0)
		s_exec(w, "ROLLBACK;");
	if (s_exec(w, "DETACH DATABASE legacy;") != 0)
		rc = -1;
	if (rc == 0)
		bw_logf(BW_LOG_INFO, "events: moved the event log from bulwark.db to events.db");
	return rc;
}

static int s_connect(const char *path, sqlite3 **db, const char *pragmas)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
		bw_logf(BW_LOG_ERROR, "events: cannot open %s: %s", path,
		        *db ? sqlite3_errmsg(*db) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(*db, 5000);
	return s_exec(*db, pragmas);
}

static int s_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
		return 0;
	bw_logf(BW_LOG_ERROR, "events: %s", sqlite3_errmsg(db));
	return -1;
}

int bw_events_db_open(struct bw_store *s, const char *data_dir)
{
	struct bw_events_db *ev = &s->events;
	pthread_mutex_init(&ev->write_lock, NULL);
	pthread_mutex_init(&ev->read_lock, NULL);
	ev->locks_made = true;
	if ((size_t)snprintf(ev->path, sizeof ev->path, "%s/events.db", data_dir) >=
	    sizeof ev->path) {
		bw_logf(BW_LOG_ERROR, "events: data directory path too long");
		return -1;
	}
	/* The writer keeps a larger page cache (the indexes' hot pages stay in
	 * memory between batches). Its checkpoints run inside a commit, on the
	 * recorder's thread, so the calls of that batch wait for one: SQLite's
	 * default of 1000 pages keeps each short (bench/RESULTS.md: 4000 gave
	 * ~10% more throughput and twice the p99; a checkpoint from another
	 * connection could not keep up with the appends). synchronous=NORMAL:
	 * a commit is in the WAL file (the OS has it) when it returns, which a
	 * kill -9 cannot undo. */
	if (s_connect(ev->path, &ev->writer,
	              "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	              "PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 1000;") != 0 ||
	    bw_sqlite_migrate(ev->writer, "events", s_migrations,
	                      (int)(sizeof s_migrations / sizeof s_migrations[0]), INT_MAX,
	                      NULL) != 0)
		return -1;
	chmod(ev->path, 0600);
	if (s_take_over_legacy_log(s) != 0)
		return -1;
	if (s_prepare(ev->writer,
	              "INSERT INTO events (seq, event_id, event_time_ms, event_name, event_source,"
	              " username, access_key_id, read_only, record, prev_digest, digest)"
	              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	              &ev->insert_event) != 0 ||
	    s_prepare(ev->writer,
	              "INSERT OR IGNORE INTO event_resources (seq, type, name, event_time_ms)"
	              " VALUES (?1, ?2, ?3, ?4)",
	              &ev->insert_resource) != 0 ||
	    s_prepare(ev->writer,
	              "INSERT INTO events_meta (key, value) VALUES (?1, ?2)"
	              " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	              &ev->write_end) != 0)
		return -1;
	return s_connect(ev->path, &ev->reader, "PRAGMA query_only = ON; PRAGMA cache_size = -8192;");
}

void bw_events_db_close(struct bw_store *s)
{
	struct bw_events_db *ev = &s->events;
	sqlite3_finalize(ev->insert_event);
	sqlite3_finalize(ev->insert_resource);
	sqlite3_finalize(ev->write_end);
	EVP_MAC_CTX_free(ev->chain_mac); /* OpenSSL cleanses the key it holds */
	sqlite3_close_v2(ev->reader);
	sqlite3_close_v2(ev->writer);
	if (ev->locks_made) {
		pthread_mutex_destroy(&ev->read_lock);
		pthread_mutex_destroy(&ev->write_lock);
	}
	*ev = (struct bw_events_db){0};
}
