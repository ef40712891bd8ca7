/*
 * recorder.c: the recorder thread of recorder.h.
 *
 * A waiting submitter's entry lives on its own stack (it waits until the
 * entry is done), so queueing allocates nothing. An asynchronous entry
 * (bw_recorder_submit) is allocated with copies of its row's strings and
 * resources, and freed on the recorder thread after its callback. The thread takes everything
 * queued (up to a batch), appends it in one bw_events_append (one
 * transaction, one WAL commit), then marks each entry done and wakes the
 * waiters: the more requests arrive together, the bigger the batch, and the
 * cost of a commit is shared (group commit).
 */
#include "gateway/recorder.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "gateway/metrics.h"
#include "store/outbox.h"

struct s_entry {
	struct bw_event_row row;
	struct s_entry *next;
	int rc;
	bool done;
	/* asynchronous entries only: the callback; the entry, its strings and
	 * row.record are one allocation each, row.resources a deep copy */
	bw_recorder_done_fn done_fn;
	void *arg;
	int64_t outbox_id; /* its outbox entry, deleted once appended; 0: none */
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
	int64_t outbox_ids[BW_RECORDER_BATCH_MAX];
};

static void s_entry_free(struct s_entry *e)
{
	free((char *)e->row.record);
	json_decref((json_t *)e->row.resources);
	free(e);
}

static void s_run_callbacks(struct s_entry *e)
{
	while (e) {
		struct s_entry *next = e->next;
		e->done_fn(e->arg, e->rc);
		s_entry_free(e);
		e = next;
	}
}

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
		size_t n = 0, n_outboxed = 0;
		for (; e && n < BW_RECORDER_BATCH_MAX; e = e->next, n++) {
			r->rows[n] = e->row;
			if (e->outbox_id)
				r->outbox_ids[n_outboxed++] = e->outbox_id;
			last = e;
		}
		r->head = e;
		if (!e)
			r->tail = NULL;
		last->next = NULL;
		r->queued -= n;
		bw_metrics_recorder_depth(r->queued);
		pthread_cond_broadcast(&r->space);
		pthread_mutex_unlock(&r->lock);

		uint64_t seq = 0, t0 = bw_mono_ns();
		int rc = bw_events_append(r->store, r->rows, n, &seq);
		bw_metrics_recorder_batch(n, bw_mono_ns() - t0, rc == 0);
		if (rc != 0)
			bw_logf(BW_LOG_ERROR, "recorder: a batch of %zu records could not be stored; "
			        "their calls are answered with InternalFailure", n);
		/* the log holds them now; an entry left behind by a failed delete
		 * is appended at most once more: recovery skips what the log has */
		else if (n_outboxed && bw_outbox_delete(r->store, r->outbox_ids, n_outboxed) != 0)
			bw_logf(BW_LOG_WARN, "recorder: %zu outbox entries stay until the next start",
			        n_outboxed);

		pthread_mutex_lock(&r->lock);
		struct s_entry *async = NULL;
		for (e = batch; e;) {
			struct s_entry *next = e->next; /* e may be gone once done is seen */
			e->rc = rc;
			if (e->done_fn) {
				e->next = async;
				async = e;
			} else {
				e->done = true;
			}
			e = next;
		}
		if (rc == 0) {
			r->records += n;
			r->batches++;
		}
		pthread_cond_broadcast(&r->done);
		if (async) {
			/* callbacks run unlocked: they may take other locks (the HTTP
			 * loops' hubs) and must not hold up submitters */
			pthread_mutex_unlock(&r->lock);
			s_run_callbacks(async);
			pthread_mutex_lock(&r->lock);
		}
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
	bw_metrics_recorder_depth(r->queued);
	pthread_cond_signal(&r->work);
	while (!e.done)
		pthread_cond_wait(&r->done, &r->lock);
	pthread_mutex_unlock(&r->lock);
	free(text);
	return e.rc;
}

static size_t s_len(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Copy s into *pool (sized by s_len); NULL stays NULL. */
static const char *s_copy(char **pool, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = *pool;
	memcpy(d, s, n);
	*pool += n;
	return d;
}

int bw_recorder_submit(struct bw_recorder *r, const json_t *record,
                       const struct bw_event_row *row, bw_recorder_done_fn done, void *arg)
{
	return bw_recorder_submit_outboxed(r, record, row, 0, done, arg);
}

int bw_recorder_submit_outboxed(struct bw_recorder *r, const json_t *record,
                                const struct bw_event_row *row, int64_t outbox_id,
                                bw_recorder_done_fn done, void *arg)
{
	if (!r || !record || !row || !done)
		return -1;
	size_t strings = s_len(row->event_id) + s_len(row->event_name) + s_len(row->event_source) +
	                 s_len(row->username) + s_len(row->access_key_id);
	struct s_entry *e = calloc(1, sizeof *e + strings);
	if (!e)
		return -1;
	char *pool = (char *)(e + 1);
	e->row = *row;
	e->row.event_id = s_copy(&pool, row->event_id);
	e->row.event_name = s_copy(&pool, row->event_name);
	e->row.event_source = s_copy(&pool, row->event_source);
	e->row.username = s_copy(&pool, row->username);
	e->row.access_key_id = s_copy(&pool, row->access_key_id);
	e->row.record = NULL;
	e->row.resources = NULL;
	e->done_fn = done;
	e->arg = arg;
	e->outbox_id = outbox_id;
	/* a deep copy: jansson's refcounts are not to be shared across threads */
	if (row->resources) {
		e->row.resources = json_deep_copy(row->resources);
		if (!e->row.resources)
			goto error;
	}
	e->row.record = json_dumps(record, JSON_COMPACT);
	if (!e->row.record)
		goto error;
	pthread_mutex_lock(&r->lock);
	while (r->queued >= BW_RECORDER_QUEUE_MAX && !r->stopping)
		pthread_cond_wait(&r->space, &r->lock);
	if (r->stopping) {
		pthread_mutex_unlock(&r->lock);
		goto error;
	}
	if (r->tail)
		r->tail->next = e;
	else
		r->head = e;
	r->tail = e;
	r->queued++;
	bw_metrics_recorder_depth(r->queued);
	pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->lock);
	return 0;
error:
	s_entry_free(e);
	return -1;
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

/* ---- the outbox ---------------------------------------------------------- */

char *bw_recorder_outbox_entry(const json_t *record, const struct bw_event_row *row,
                               bool service)
{
	json_t *e = json_pack("{s:O, s:I, s:s?, s:O?}", "record", record, "time_ms",
	                      (json_int_t)row->event_time_ms, "username", row->username,
	                      "resources", row->resources);
	if (e && service && json_object_set_new(e, "service", json_true()) != 0) {
		json_decref(e);
		e = NULL;
	}
	char *text = e ? json_dumps(e, JSON_COMPACT) : NULL;
	json_decref(e);
	return text;
}

/* The row of an outbox entry; its strings point into entry. */
static int s_entry_row(const json_t *entry, struct bw_event_row *row)
{
	const json_t *rec = json_object_get(entry, "record");
	*row = (struct bw_event_row){
		.event_id = json_string_value(json_object_get(rec, "eventID")),
		.event_time_ms = json_integer_value(json_object_get(entry, "time_ms")),
		.event_name = json_string_value(json_object_get(rec, "eventName")),
		.event_source = json_string_value(json_object_get(rec, "eventSource")),
		.username = json_string_value(json_object_get(entry, "username")),
		.access_key_id = json_string_value(
			json_object_get(json_object_get(rec, "userIdentity"), "accessKeyId")),
		.read_only = json_is_true(json_object_get(rec, "readOnly")),
		.resources = json_object_get(entry, "resources"),
	};
	return row->event_id && row->event_name && row->event_source ? 0 : -1;
}

/* Whether the event log already holds the event of that id. */
static int s_logged(struct bw_store *store, const char *event_id, bool *found)
{
	struct bw_event_query q = {.attr = BW_EVENT_ATTR_EVENT_ID, .value = event_id, .limit = 1};
	json_t *hits = NULL;
	bool more = false;
	if (bw_events_lookup(store, &q, &hits, &more) != 0)
		return -1;
	*found = json_array_size(hits) > 0;
	json_decref(hits);
	return 0;
}

/* Append one outbox entry unless the log has it (or, only_service, unless
 * it is a call's: *skipped). */
static int s_recover_one(struct bw_store *store, const char *text, bool only_service,
                         size_t *moved, bool *skipped)
{
	json_t *entry = text ? json_loads(text, 0, NULL) : NULL;
	struct bw_event_row row;
	bool found = false;
	int rc = -1;
	char *record = NULL;
	*skipped = false;
	if (!entry || s_entry_row(entry, &row) != 0) {
		bw_logf(BW_LOG_ERROR, "recorder: an outbox entry cannot be read");
		goto done;
	}
	if (only_service && !json_is_true(json_object_get(entry, "service"))) {
		*skipped = true;
		rc = 0;
		goto done;
	}
	if (s_logged(store, row.event_id, &found) != 0)
		goto done;
	if (found) {
		rc = 0;
		goto done;
	}
	record = json_dumps(json_object_get(entry, "record"), JSON_COMPACT);
	row.record = record;
	uint64_t seq;
	if (record && bw_events_append(store, &row, 1, &seq) == 0) {
		(*moved)++;
		rc = 0;
	}
done:
	free(record);
	json_decref(entry);
	return rc;
}

/* Move outbox entries to the event log: all of them (recovery, before
 * serving), or only the service events (a tick's drain, while calls' own
 * entries are in flight with the recorder). */
static int s_move_outbox(struct bw_store *store, bool only_service, size_t *moved)
{
	*moved = 0;
	int64_t after = 0;
	for (;;) {
		json_t *entries = NULL;
		if (bw_outbox_list(store, after, 256, &entries) != 0) {
			bw_logf(BW_LOG_ERROR, "recorder: the outbox cannot be read");
			return -1;
		}
		size_t n = json_array_size(entries), i, n_moved = 0;
		if (n == 0) {
			json_decref(entries);
			return 0;
		}
		int64_t ids[256];
		json_t *e;
		json_array_foreach(entries, i, e) {
			int64_t id = json_integer_value(json_object_get(e, "id"));
			const char *text = json_string_value(json_object_get(e, "entry"));
			after = id;
			bool skipped;
			if (s_recover_one(store, text, only_service, moved, &skipped) != 0) {
				json_decref(entries);
				bw_logf(BW_LOG_ERROR, "recorder: outbox entry %lld cannot be appended to "
				        "the event log", (long long)id);
				return -1;
			}
			if (!skipped)
				ids[n_moved++] = id;
		}
		json_decref(entries);
		if (bw_outbox_delete(store, ids, n_moved) != 0)
			return -1;
	}
}

int bw_recorder_recover(struct bw_store *store, size_t *moved)
{
	return s_move_outbox(store, false, moved);
}

int bw_recorder_drain_service_events(struct bw_store *store)
{
	size_t moved;
	return s_move_outbox(store, true, &moved);
}
