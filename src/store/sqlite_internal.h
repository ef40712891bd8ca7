/* sqlite_internal.h: the SQLite store's state, shared by the files of store/. */
#ifndef BW_STORE_SQLITE_INTERNAL_H
#define BW_STORE_SQLITE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

struct bw_gencache;

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
};

static inline void bw_store_lock(struct bw_store *s)
{
	pthread_mutex_lock(&s->lock);
}

static inline void bw_store_unlock(struct bw_store *s)
{
	pthread_mutex_unlock(&s->lock);
}

#endif
