/*
 * doc.h: the resources of every service as JSON documents.
 *
 * A document is addressed by (kind, account, key): kind names the resource
 * type ("iam/user"), key is unique within the kind and account (services
 * fold case themselves where AWS names are case-insensitive). Listing is in
 * key order with an optional key prefix and an exclusive start key, which is
 * what AWS's Marker / NextToken paging needs; relations are documents too
 * ("iam/group-member" keyed "<group>/<user>", listed by prefix "<group>/").
 *
 * Secrets never go in a document in plaintext: seal them (crypto/seal.h)
 * and store the sealed bytes (base64) with the record's identity as AAD.
 *
 * Every call is atomic. For several calls that must be atomic together use
 * bw_store_begin / bw_store_commit on the same thread: the store is then
 * held by that thread until commit or rollback.
 */
#ifndef BW_STORE_DOC_H
#define BW_STORE_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

struct bw_store;

enum bw_store_rc {
	BW_STORE_OK = 0,
	BW_STORE_NOT_FOUND = 1,
	BW_STORE_EXISTS = 2,
	BW_STORE_ERROR = -1,
};

/* Insert; BW_STORE_EXISTS if the key is taken. */
BW_MUST_CHECK int bw_doc_create(struct bw_store *s, const char *kind, const char *account,
                                const char *key, const json_t *doc);
/* Replace an existing document; BW_STORE_NOT_FOUND if there is none. */
BW_MUST_CHECK int bw_doc_update(struct bw_store *s, const char *kind, const char *account,
                                const char *key, const json_t *doc);
/* Insert or replace. */
BW_MUST_CHECK int bw_doc_put(struct bw_store *s, const char *kind, const char *account,
                             const char *key, const json_t *doc);
/* *doc receives a new reference; BW_STORE_NOT_FOUND leaves it NULL. */
BW_MUST_CHECK int bw_doc_get(struct bw_store *s, const char *kind, const char *account,
                             const char *key, json_t **doc);
BW_MUST_CHECK int bw_doc_delete(struct bw_store *s, const char *kind, const char *account,
                                const char *key);

struct bw_doc_page {
	const char *prefix; /* only keys starting with this; NULL for all */
	const char *after;  /* only keys after this one (exclusive); NULL to start */
	size_t limit;       /* at most this many; 0 means no limit */
};
/* *docs receives an array of {"key": k, "doc": d}; *more is set when the
 * limit cut the list. */
BW_MUST_CHECK int bw_doc_list(struct bw_store *s, const char *kind, const char *account,
                              const struct bw_doc_page *page, json_t **docs, bool *more);
BW_MUST_CHECK int bw_doc_count(struct bw_store *s, const char *kind, const char *account,
                               const char *prefix, size_t *count);
/* Delete every document of the kind whose key starts with prefix. */
BW_MUST_CHECK int bw_doc_delete_prefix(struct bw_store *s, const char *kind, const char *account,
                                       const char *prefix);

BW_MUST_CHECK int bw_store_begin(struct bw_store *s);
BW_MUST_CHECK int bw_store_commit(struct bw_store *s);
void bw_store_rollback(struct bw_store *s);

/*
 * The call's transaction: every write the calling thread makes from
 * bw_store_call_begin on joins one transaction (its begin/commit pairs
 * nest inside), opened lazily by the first write, so that the gateway can
 * add the call's record (outbox.h) and commit both together, or roll both
 * back. bw_store_call_open: whether anything opened it (a write or a
 * begin); commit and rollback also end the call's transaction when it
 * never opened. commit: -1 when it rolled back instead (a nested rollback
 * doomed it, or COMMIT failed).
 */
void bw_store_call_begin(struct bw_store *s);
bool bw_store_call_open(const struct bw_store *s);
BW_MUST_CHECK int bw_store_call_commit(struct bw_store *s);
void bw_store_call_rollback(struct bw_store *s);

/* A counter bumped by every write that commits: caches compare it to know
 * when what they hold may be stale. */
unsigned long bw_store_generation(struct bw_store *s);

#endif
