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

/* "1.2.3.4:80", "[::1]:80" or "localhost:80" into a sockaddr; -1 if malformed. */
int bw_http_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl);

/* A non-blocking listening socket bound to ss (SO_REUSEADDR, SO_REUSEPORT,
 * IPv6 only for IPv6), listening with BW_HTTP_BACKLOG; -1 with errno. */
int bw_http_listen_socket(const struct sockaddr_storage *ss, socklen_t sl);

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
