/* sqlite_internal.h: the SQLite store's state, shared by the files of store/. */
#ifndef BW_STORE_SQLITE_INTERNAL_H
#define BW_STORE_SQLITE_INTERNAL_H

#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct bw_gencache;

#define BW_EVENTS_DIGEST_LEN 32

/*
 * The event log lives in its own database file (<data>/events.db, decision
 * 0010) so that recording never waits for, nor holds up, the documents.
 * Two connections: the writer (the recorder's appends, pruning), with its
 * statements prepared once, and the reader (LookupEvents, delivery,
 * verification), which WAL lets read while the writer writes.
 */
struct bw_events_db {
	sqlite3 *writer;
	pthread_mutex_t write_lock;
	sqlite3_stmt *insert_event, *insert_resource, *write_end;
	/* the chain's head as last committed by this writer: appends chain
	 * from it, not from whatever the newest row is now, so a row deleted
	 * behind the store's back stays a visible gap */
	bool head_known;
	uint64_t head_seq;
	uint8_t head_digest[BW_EVENTS_DIGEST_LEN];
	/* the chain key (bw_events_set_chain_key) as an HMAC-SHA256 context
	 * keyed once, which each MAC copies; NULL until set, and then nothing
	 * is appended or pruned (no unkeyed row is ever written) */
	EVP_MAC_CTX *chain_mac;
	/* the first seq whose digest is keyed: the "events.keyed_from" mark */
	uint64_t keyed_from;
	sqlite3 *reader;
	pthread_mutex_t read_lock;
	char path[4096];
	bool locks_made;
};

struct bw_store {
	sqlite3 *db;
	int schema_version;
	/* One connection, one user at a time: a transaction holds the lock from
	 * begin to commit (recursive, so calls inside it may lock again). */
	pthread_mutex_t lock;
	int tx_depth;
	bool tx_dirty;
	bool tx_abort; /* a nested transaction rolled back */
	atomic_ulong generation;
	/* Documents and lists read at the current generation (doc.c). */
	struct bw_gencache *cache;
	struct bw_events_db events;
	char data_dir[4096];
	/* the last health probe (bw_store_health), under lock */
	double probe_at_s;
	bool probe_ok;
};

/* sqlite3_exec, logging a failure as "<who>: <error>". */
int bw_sqlite_exec(sqlite3 *db, const char *who, const char *sql);
/* Numbered migrations on db's user_version: entry i moves the schema from
 * version i to i + 1; runs them up to version upto (or as far as there are)
 * and sets *reached (may be NULL). A version newer than count is refused. */
int bw_sqlite_migrate(sqlite3 *db, const char *who, const char *const *migrations, int count,
                      int upto, int *reached);

/* events_db.c: open (create, migrate, take over a log kept in bulwark.db by
 * earlier versions) and close the event log's database. */
int bw_events_db_open(struct bw_store *s, const char *data_dir);
void bw_events_db_close(struct bw_store *s);

static inline void bw_store_lock(struct bw_store *s)
{
	pthread_mutex_lock(&s->lock);
}

static inline void bw_store_unlock(struct bw_store *s)
{
	pthread_mutex_unlock(&s->lock);
}

#endif
