/*
 * gencache.c: open hashing with a mutex. When full, everything is dropped:
 * the working set of principals is small and a refill costs a few reads.
 */
#include "core/gencache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct s_entry {
	char *key;
	unsigned long generation;
	json_t *value;
	struct bw_buf secret;
	struct s_entry *next;
};

struct bw_gencache {
	pthread_mutex_t lock;
	struct s_entry **buckets;
	size_t nbuckets;
	size_t count;
	size_t max;
};

static size_t s_hash(const char *s)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211u;
	return (size_t)h;
}

static void s_entry_free(struct s_entry *e)
{
	free(e->key);
	json_decref(e->value);
	bw_buf_free(&e->secret);
	free(e);
}

static void s_clear(struct bw_gencache *c)
{
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct s_entry *e = c->buckets[i];
		while (e) {
			struct s_entry *next = e->next;
			s_entry_free(e);
			e = next;
		}
		c->buckets[i] = NULL;
	}
	c->count = 0;
}

struct bw_gencache *bw_gencache_new(size_t max_entries)
{
	struct bw_gencache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->max = max_entries ? max_entries : 1024;
	c->nbuckets = c->max;
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void bw_gencache_free(struct bw_gencache *c)
{
	if (!c)
		return;
	s_clear(c);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool bw_gencache_get(struct bw_gencache *c, const char *key, unsigned long generation,
                     json_t **value, struct bw_buf *secret)
{
	*value = NULL;
	if (!c)
		return false;
	bool hit = false;
	pthread_mutex_lock(&c->lock);
	for (struct s_entry *e = c->buckets[s_hash(key) % c->nbuckets]; e; e = e->next) {
		if (strcmp(e->key, key) != 0)
			continue;
		if (e->generation == generation) {
			*value = json_deep_copy(e->value);
			hit = *value != NULL;
			if (hit && secret && e->secret.len &&
			    bw_buf_append(secret, e->secret.data, e->secret.len) != 0) {
				json_decref(*value);
				*value = NULL;
				hit = false;
			}
		}
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void bw_gencache_put(struct bw_gencache *c, const char *key, unsigned long generation,
                     const json_t *value, struct bw_cur secret)
{
	if (!c || !value)
		return;
	struct s_entry *fresh = calloc(1, sizeof *fresh);
	if (!fresh)
		return;
	fresh->key = strdup(key);
	fresh->generation = generation;
	fresh->value = json_deep_copy(value);
	fresh->secret.secret = true;
	if (!fresh->key || !fresh->value ||
	    (secret.len && bw_buf_append(&fresh->secret, secret.ptr, secret.len) != 0)) {
		s_entry_free(fresh);
		return;
	}
	pthread_mutex_lock(&c->lock);
	size_t b = s_hash(key) % c->nbuckets;
	for (struct s_entry **pe = &c->buckets[b]; *pe; pe = &(*pe)->next) {
		if (strcmp((*pe)->key, key) == 0) {
			struct s_entry *old = *pe;
			fresh->next = old->next;
			*pe = fresh;
			s_entry_free(old);
			pthread_mutex_unlock(&c->lock);
			return;
		}
	}
	if (c->count >= c->max) {
		s_clear(c);
		b = s_hash(key) % c->nbuckets;
	}
	fresh->next = c->buckets[b];
	c->buckets[b] = fresh;
	c->count++;
	pthread_mutex_unlock(&c->lock);
}
