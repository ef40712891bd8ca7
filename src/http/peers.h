/*
 * peers.h: how many connections each client address holds, for the
 * server's per-address limit. One table serves every loop of a server
 * (behind a mutex: it is touched once when a connection is accepted and
 * once when it closes, never per request).
 *
 * An address is an IPv4 address or an IPv6 /64: one host is usually given
 * a whole /64, so counting single IPv6 addresses would limit nothing.
 * Buckets are chosen by a hash keyed at random per table, so no client can
 * aim its addresses at one bucket.
 */
#ifndef BW_HTTP_PEERS_H
#define BW_HTTP_PEERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/buf.h"

struct bw_http_peer {
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d; IPv6 with the low 64 bits zero */
};

/* The address a connection from sa counts against (zero for other families). */
void bw_http_peer_of(const struct sockaddr *sa, struct bw_http_peer *out);

struct bw_http_peers;

BW_MUST_CHECK struct bw_http_peers *bw_http_peers_new(void);
void bw_http_peers_free(struct bw_http_peers *t);

/* Count one more connection from peer, unless it already holds `limit`
 * (0: no limit) or memory ran out: false then, and nothing counted. */
BW_MUST_CHECK bool bw_http_peers_add(struct bw_http_peers *t, const struct bw_http_peer *peer,
                                     unsigned limit);
/* One connection of peer closed (it was counted by bw_http_peers_add). */
void bw_http_peers_remove(struct bw_http_peers *t, const struct bw_http_peer *peer);
/* Connections peer holds now. */
unsigned bw_http_peers_count(struct bw_http_peers *t, const struct bw_http_peer *peer);

#endif
