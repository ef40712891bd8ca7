/*
 * recorder.c: the recorder thread of recorder.h.
 *
 * Each submitter's entry lives on its own stack (it waits until the entry
 * is done), so queueing allocates nothing. The thread takes everything
 * queued (up to a batch), appends it in one bw_events_append (one
 * transaction, one WAL commit), then marks each entry done and wakes the
 * waiters: the more requests arrive together, the bigger the batch, and the
 * cost of a commit is shared (group commit).
 */
#include "gateway/recorder.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/log.h"

struct s_entry {
	struct bw_event_row row;
	struct s_entry *next;
	int rc;
	bool done;
};

struct bw_recorder {
	struct bw_store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* the thread: something was queued, or stop */
	pthread_cond_t done;  /* submitters: a batch finished */
	pthread_cond_t space; /* submitters: the queue has room again */
	struct s_entry *head, *tail;
	size_t queued;
	bool stopping;
	uint64_t records, batches;
	struct bw_event_row rows[BW_RECORDER_BATCH_MAX];
};

static void *s_main(void *arg)
{
	struct bw_recorder *r = arg;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->head && !r->stopping)
			pthread_cond_wait(&r->work, &r->lock);
		if (!r->head && r->stopping)
			break;
		/* take a batch off the queue */
		struct s_entry *batch = r->head, *e = batch, *last = NULL;
		size_t n = 0;
		for (; e && n < BW_RECORDER_BATCH_MAX; e = e->next, n++) {
			r->rows[n] = e->row;
			last = e;
		}
		r->head = e;
		if (!e)
			r->tail = NULL;
		last->next = NULL;
		r->queued -= n;
		pthread_cond_broadcast(&r->space);
		pthread_mutex_unlock(&r->lock);

		uint64_t seq = 0;
		int rc = bw_events_append(r->store, r->rows, n, &seq);
		if (rc != 0)
			bw_logf(BW_LOG_ERROR, "recorder: a batch of %zu records could not be stored; "
			        "their calls are answered with InternalFailure", n);

		pthread_mutex_lock(&r->lock);
		for (e = batch; e;) {
			struct s_entry *next = e->next; /* e may be gone once done is seen */
			e->rc = rc;
			e->done = true;
			e = next;
		}
		if (rc == 0) {
			r->records += n;
			r->batches++;
		}
		pthread_cond_broadcast(&r->done);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct bw_recorder *bw_recorder_start(struct bw_store *store)
{
	struct bw_recorder *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->store = store;
	if (pthread_mutex_init(&r->lock, NULL) != 0)
		goto error_free;
	if (pthread_cond_init(&r->work, NULL) != 0)
		goto error_lock;
	if (pthread_cond_init(&r->done, NULL) != 0)
		goto error_work;
	if (pthread_cond_init(&r->space, NULL) != 0)
		goto error_done;
	if (pthread_create(&r->thread, NULL, s_main, r) != 0)
		goto error_space;
	return r;
error_space:
	pthread_cond_destroy(&r->space);
error_done:
	pthread_cond_destroy(&r->done);
error_work:
	pthread_cond_destroy(&r->work);
error_lock:
	pthread_mutex_destroy(&r->lock);
error_free:
	free(r);
	bw_logf(BW_LOG_ERROR, "recorder: cannot start the recorder thread");
	return NULL;
}

int bw_recorder_record(struct bw_recorder *r, const json_t *record,
                       const struct bw_event_row *row)
{
	char *text = json_dumps(record, JSON_COMPACT);
	if (!text)
		return -1;
	struct s_entry e = {.row = *row};
	e.row.record = text;
	pthread_mutex_lock(&r->lock);
	while (r->queued >= BW_RECORDER_QUEUE_MAX && !r->stopping)
		pthread_cond_wait(&r->space, &r->lock);
	if (r->stopping) {
		pthread_mutex_unlock(&r->lock);
		free(text);
		return -1;
	}
	if (r->tail)
		r->tail->next = &e;
	else
		r->head = &e;
	r->tail = &e;
	r->queued++;
	pthread_cond_signal(&r->work);
	while (!e.done)
		pthread_cond_wait(&r->done, &r->lock);
	pthread_mutex_unlock(&r->lock);
	free(text);
	return e.rc;
}

void bw_recorder_stats(struct bw_recorder *r, uint64_t *records, uint64_t *batches)
{
	pthread_mutex_lock(&r->lock);
	*records = r->records;
	*batches = r->batches;
	pthread_mutex_unlock(&r->lock);
}

void bw_recorder_stop(struct bw_recorder *r)
{
	if (!r)
		return;
	/* new submitters are refused; the thread drains what is queued (each
	 * queued submitter is still waiting for its answer) and exits */
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_broadcast(&r->work);
	pthread_cond_broadcast(&r->space);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->space);
	pthread_cond_destroy(&r->done);
	pthread_cond_destroy(&r->work);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
