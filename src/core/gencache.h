/*
 * gencache.h: a small thread-safe cache of JSON values (and, optionally, a
 * secret beside each), each stamped with the store generation it was read
 * at. A lookup at any other generation misses: every committed write to the
 * store bumps the generation, so nothing stale is ever served and no
 * invalidation can be forgotten. Secrets are cleansed when evicted.
 */
#ifndef BW_CORE_GENCACHE_H
#define BW_CORE_GENCACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

struct bw_gencache;

struct bw_gencache *bw_gencache_new(size_t max_entries);
void bw_gencache_free(struct bw_gencache *c);

/* A hit: *value receives a deep copy (json_decref it) and, when secret is
 * non-NULL, the secret is appended to it (mark it secret). */
bool bw_gencache_get(struct bw_gencache *c, const char *key, unsigned long generation,
                     json_t **value, struct bw_buf *secret);
/* Remember value (deep-copied) and secret under key at generation. */
void bw_gencache_put(struct bw_gencache *c, const char *key, unsigned long generation,
                     const json_t *value, struct bw_cur secret);

#endif
