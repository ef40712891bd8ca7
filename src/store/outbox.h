/*
 * outbox.h: the trail's outbox in bulwark.db — the record of a change,
 * written in the change's own transaction, so that a committed change and
 * its record are atomic: both or neither (DESIGN.md's invariant). The
 * recorder then appends the record to the event log (events.db, another
 * file: one transaction cannot span both in WAL mode) and deletes its
 * outbox entry; a crash in between leaves the entry, and the next start
 * appends whatever the event log does not hold yet (bw_recorder_recover).
 */
#ifndef BW_STORE_OUTBOX_H
#define BW_STORE_OUTBOX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct bw_store;

/* Add an entry (text) inside the caller's transaction (bw_store_begin):
 * *id names it. -1 on a store error (the transaction must then roll back). */
BW_MUST_CHECK int bw_outbox_put(struct bw_store *s, const char *entry, int64_t *id);

/* Delete entries by id, in one transaction of their own. */
BW_MUST_CHECK int bw_outbox_delete(struct bw_store *s, const int64_t *ids, size_t n);

/* Up to limit entries with id > after_id, oldest first: *entries gets an
 * array of {"id": n, "entry": text}. */
BW_MUST_CHECK int bw_outbox_list(struct bw_store *s, int64_t after_id, size_t limit,
                                 json_t **entries);

#endif
