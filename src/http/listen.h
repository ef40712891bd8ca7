/*
 * listen.h: the sockets under the server: listen addresses, listening
 * sockets (one per loop, SO_REUSEPORT) and the process's file limit.
 * Internal to http/.
 */
#ifndef BW_HTTP_LISTEN_H
#define BW_HTTP_LISTEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * The accept queue each listener asks for. The kernel caps it at
 * net.core.somaxconn (4096 on Linux since 5.4); asking for more than the
 * old 1024 matters when thousands connect at once, as a reconnect storm
 * does after a restart: a full queue drops SYNs and clients wait out
 * their retransmission timers (1 s, 3 s ...) before they are served.
 */
#define BW_HTTP_BACKLOG 65535

/* "1.2.3.4:80", "[::1]:80" or "localhost:80" (127.0.0.1) into a sockaddr;
 * -1 if malformed. Also the CLI's check of --listen, before any state is made. */
int bw_http_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl);

/* A non-blocking listening socket bound to ss (SO_REUSEADDR, SO_REUSEPORT,
 * IPv6 only for IPv6), listening with BW_HTTP_BACKLOG; -1 with errno. */
int bw_http_listen_socket(const struct sockaddr_storage *ss, socklen_t sl);

/*
 * One server per address. SO_REUSEPORT, which gives each loop its own
 * listener, would also let a second bulwark process of the same user bind
 * the same address and silently take half of the connections (to another
 * data directory, another account). A plain socket (SO_REUSEADDR only)
 * cannot bind an address anyone listens on, so binding one first tells
 * whether the address is taken: this returns it bound (keep it until the
 * first listener listens, then close it), or -1 with errno (EADDRINUSE).
 * Two servers starting in the same microseconds, between the probe's bind
 * and the first listen, can still both pass: Linux offers no exclusive
 * SO_REUSEPORT group; the data directory's lock covers the common case of
 * the same directory.
 */
int bw_http_listen_probe(const struct sockaddr_storage *ss, socklen_t sl);

uint16_t bw_http_port_of(const struct sockaddr_storage *ss);
void bw_http_set_port(struct sockaddr_storage *ss, uint16_t port);

/* "127.0.0.1:80" or "[::1]:80"; -1 if it does not fit. */
int bw_http_addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen);

/*
 * Raise the soft RLIMIT_NOFILE to the hard one (a shell's default soft
 * limit of 1024 would otherwise cap the server near 1000 connections,
 * whatever --max-connections says). Returns the soft limit now in force.
 */
uint64_t bw_http_raise_nofile(void);

#endif
