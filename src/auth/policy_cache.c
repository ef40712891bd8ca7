/*
 * policy_cache.c: compiled policies keyed by (policy id, version id), so each
 * stored policy is parsed once. Readers share a rwlock; entries are
 * reference counted, so an invalidated policy stays valid for the requests
 * still holding it. Bounded: when full, an insert evicts an older entry.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy_internal.h"

#define S_BUCKETS 256

struct s_entry {
	struct s_entry *next;
	char *policy_id;
	char *version_id;
	struct bw_policy *policy;
};

struct bw_policy_cache {
	pthread_rwlock_t lock;
	struct s_entry *buckets[S_BUCKETS];
	size_t count;
	size_t max_entries;
	size_t evict_cursor;
};

static size_t s_hash(const char *id)
{
	size_t h = 5381; /* djb2: the id is ours, not an attacker's choice */
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = h * 33 + *p;
	return h % S_BUCKETS;
}

static void s_entry_free(struct s_entry *e)
{
	bw_policy_unref(e->policy);
	free(e->policy_id);
	free(e->version_id);
	free(e);
}

struct bw_policy_cache *bw_policy_cache_new(size_t max_entries)
{
	struct bw_policy_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (pthread_rwlock_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	c->max_entries = max_entries ? max_entries : 4096;
	return c;
}

void bw_policy_cache_free(struct bw_policy_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < S_BUCKETS; i++) {
		struct s_entry *e = c->buckets[i];
		while (e) {
			struct s_entry *n = e->next;
			s_entry_free(e);
			e = n;
		}
	}
	pthread_rwlock_destroy(&c->lock);
	free(c);
}

static struct s_entry *s_find(struct bw_policy_cache *c, const char *id, const char *ver)
{
	for (struct s_entry *e = c->buckets[s_hash(id)]; e; e = e->next) {
		if (strcmp(e->policy_id, id) == 0 && strcmp(e->version_id, ver) == 0)
			return e;
	}
	return NULL;
}

struct bw_policy *bw_policy_cache_get(struct bw_policy_cache *c, const char *policy_id,
                                      const char *version_id)
{
	if (!c || !policy_id || !version_id)
		return NULL;
	pthread_rwlock_rdlock(&c->lock);
	struct s_entry *e = s_find(c, policy_id, version_id);
	struct bw_policy *p = e ? bw_policy_ref(e->policy) : NULL;
	pthread_rwlock_unlock(&c->lock);
	return p;
}

/* Under the write lock: drop the head of the next non-empty bucket. */
static void s_evict_one(struct bw_policy_cache *c)
{
	for (size_t i = 0; i < S_BUCKETS; i++) {
		size_t b = (c->evict_cursor + i) % S_BUCKETS;
		struct s_entry *e = c->buckets[b];
		if (!e)
			continue;
		c->buckets[b] = e->next;
		s_entry_free(e);
		c->count--;
		c->evict_cursor = b + 1;
		return;
	}
}

int bw_policy_cache_get_or_compile(struct bw_policy_cache *c, const char *policy_id,
                                   const char *version_id, const char *json, size_t len,
                                   enum bw_policy_kind kind, const struct bw_policy_limits *limits,
                                   struct bw_policy **out, char *err, size_t errlen)
{
	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	if (!c || !policy_id || !version_id)
		return -1;
	*out = bw_policy_cache_get(c, policy_id, version_id);
	if (*out)
		return 0;
	struct bw_policy *p = NULL;
	if (bw_policy_parse(json, len, kind, limits, &p, err, errlen))
		return -1;
	struct s_entry *e = calloc(1, sizeof *e);
	if (!e)
		goto error;
	e->policy_id = strdup(policy_id);
	e->version_id = strdup(version_id);
	if (!e->policy_id || !e->version_id)
		goto error;
	e->policy = bw_policy_ref(p);
	pthread_rwlock_wrlock(&c->lock);
	struct s_entry *have = s_find(c, policy_id, version_id);
	if (have) {
		/* another thread compiled it first: use theirs */
		struct bw_policy *theirs = bw_policy_ref(have->policy);
		pthread_rwlock_unlock(&c->lock);
		s_entry_free(e);
		bw_policy_unref(p);
		*out = theirs;
		return 0;
	}
	if (c->count >= c->max_entries)
		s_evict_one(c);
	size_t b = s_hash(policy_id);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	c->count++;
	pthread_rwlock_unlock(&c->lock);
	*out = p;
	return 0;
error:
	if (e) {
		free(e->policy_id);
		free(e->version_id);
		free(e);
	}
	bw_policy_unref(p);
	if (err && errlen)
		strncpy(err, "Out of memory", errlen - 1), err[errlen - 1] = 0;
	return -1;
}

void bw_policy_cache_invalidate(struct bw_policy_cache *c, const char *policy_id,
                                const char *version_id)
{
	if (!c || !policy_id)
		return;
	pthread_rwlock_wrlock(&c->lock);
	struct s_entry **pp = &c->buckets[s_hash(policy_id)];
	while (*pp) {
		struct s_entry *e = *pp;
		if (strcmp(e->policy_id, policy_id) == 0 &&
		    (!version_id || strcmp(e->version_id, version_id) == 0)) {
			*pp = e->next;
			s_entry_free(e);
			c->count--;
			continue;
		}
		pp = &e->next;
	}
	pthread_rwlock_unlock(&c->lock);
}

size_t bw_policy_cache_size(struct bw_policy_cache *c)
{
	if (!c)
		return 0;
	pthread_rwlock_rdlock(&c->lock);
	size_t n = c->count;
	pthread_rwlock_unlock(&c->lock);
	return n;
}
