/*
 * peers.c: connections per client address (see peers.h): a chained hash
 * table of counts behind one mutex. An entry lives while its address holds
 * a connection, so the table is never larger than the connections are.
 */
#include "http/peers.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define S_FIRST_BUCKETS 256

struct s_entry {
	struct s_entry *next;
	struct bw_http_peer peer;
	unsigned count;
};

struct bw_http_peers {
	pthread_mutex_t lock;
	struct s_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t nentries;
	uint64_t key[2]; /* the hash's random key */
};

void bw_http_peer_of(const struct sockaddr *sa, struct bw_http_peer *out)
{
	memset(out, 0, sizeof *out);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;
		out->addr[10] = out->addr[11] = 0xff;
		memcpy(out->addr + 12, &in4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(in6->sin6_addr.s6_addr, v4mapped, sizeof v4mapped) == 0)
			memcpy(out->addr, in6->sin6_addr.s6_addr, 16); /* an IPv4 client */
		else
			memcpy(out->addr, in6->sin6_addr.s6_addr, 8); /* its /64 */
	}
}

static uint64_t s_mix(uint64_t h)
{
	/* MurmurHash3's 64-bit finalizer */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static size_t s_bucket(const struct bw_http_peers *t, const struct bw_http_peer *peer)
{
	uint64_t a, b;
	memcpy(&a, peer->addr, 8);
	memcpy(&b, peer->addr + 8, 8);
	uint64_t h = s_mix(a ^ t->key[0]);
	h = s_mix(h ^ b ^ t->key[1]);
	return (size_t)h & (t->nbuckets - 1);
}

struct bw_http_peers *bw_http_peers_new(void)
{
	struct bw_http_peers *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->nbuckets = S_FIRST_BUCKETS;
	t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
	if (!t->buckets || RAND_bytes((unsigned char *)t->key, sizeof t->key) != 1 ||
	    pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t->buckets);
		free(t);
		return NULL;
	}
	return t;
}

void bw_http_peers_free(struct bw_http_peers *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct s_entry *e = t->buckets[i];
		while (e) {
			struct s_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Under the lock. The entry of peer, or NULL; *link is where it hangs. */
static struct s_entry *s_find(struct bw_http_peers *t, const struct bw_http_peer *peer,
                              struct s_entry ***link)
{
	struct s_entry **pp = &t->buckets[s_bucket(t, peer)];
	while (*pp && memcmp((*pp)->peer.addr, peer->addr, sizeof peer->addr) != 0)
		pp = &(*pp)->next;
	*link = pp;
	return *pp;
}

/* Under the lock: twice the buckets once entries outnumber them two to
 * one. A failed allocation only leaves the chains longer. */
static void s_grow(struct bw_http_peers *t)
{
	if (t->nentries <= t->nbuckets * 2 || t->nbuckets > SIZE_MAX / 2 / sizeof *t->buckets)
		return;
	size_t old_n = t->nbuckets;
	struct s_entry **old = t->buckets;
	struct s_entry **fresh = calloc(old_n * 2, sizeof *fresh);
	if (!fresh)
		return;
	t->buckets = fresh;
	t->nbuckets = old_n * 2;
	for (size_t i = 0; i < old_n; i++) {
		struct s_entry *e = old[i];
		while (e) {
			struct s_entry *next = e->next;
			size_t b = s_bucket(t, &e->peer);
			e->next = fresh[b];
			fresh[b] = e;
			e = next;
		}
	}
	free(old);
}

bool bw_http_peers_add(struct bw_http_peers *t, const struct bw_http_peer *peer, unsigned limit)
{
	bool ok = false;
	struct s_entry **link;
	pthread_mutex_lock(&t->lock);
	struct s_entry *e = s_find(t, peer, &link);
	if (e) {
		ok = limit == 0 || e->count < limit;
		if (ok)
			e->count++;
	} else {
		e = calloc(1, sizeof *e);
		if (e) {
			e->peer = *peer;
			e->count = 1;
			*link = e;
			t->nentries++;
			s_grow(t);
			ok = true;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return ok;
}

void bw_http_peers_remove(struct bw_http_peers *t, const struct bw_http_peer *peer)
{
	struct s_entry **link;
	pthread_mutex_lock(&t->lock);
	struct s_entry *e = s_find(t, peer, &link);
	if (e && --e->count == 0) {
		*link = e->next;
		t->nentries--;
		free(e);
	}
	pthread_mutex_unlock(&t->lock);
}

unsigned bw_http_peers_count(struct bw_http_peers *t, const struct bw_http_peer *peer)
{
	struct s_entry **link;
	pthread_mutex_lock(&t->lock);
	struct s_entry *e = s_find(t, peer, &link);
	unsigned n = e ? e->count : 0;
	pthread_mutex_unlock(&t->lock);
	return n;
}
