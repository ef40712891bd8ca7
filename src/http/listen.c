/*
 * listen.c: listen addresses, listening sockets and the file limit (see
 * listen.h).
 */
#include "http/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int bw_http_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[64];
	const char *port;
	if (!s)
		return -1;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof host)
			return -1;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = 0;
		port = rb + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof host)
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
		port = colon + 1;
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
		return -1;
	long pn = strtol(port, NULL, 10);
	if (pn > 65535)
		return -1;
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)pn);
		*sl = sizeof *in4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)pn);
		*sl = sizeof *in6;
		return 0;
	}
	return -1;
}

int bw_http_listen_socket(const struct sockaddr_storage *ss, socklen_t sl)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
		goto error;
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
		goto error;
	if (bind(fd, (const struct sockaddr *)ss, sl) != 0 || listen(fd, BW_HTTP_BACKLOG) != 0)
		goto error;
	return fd;
error:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int bw_http_listen_probe(const struct sockaddr_storage *ss, socklen_t sl)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* SO_REUSEADDR so that a restart is not refused for connections of the
	 * last run still in TIME_WAIT; no SO_REUSEPORT, so that any listener
	 * on the address, of whatever process, makes bind fail */
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		goto error;
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
		goto error;
	if (bind(fd, (const struct sockaddr *)ss, sl) != 0)
		goto error;
	return fd;
error:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

uint16_t bw_http_port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
}

void bw_http_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

int bw_http_addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];
	const void *a = ss->ss_family == AF_INET
	                    ? (const void *)&((const struct sockaddr_in *)(const void *)ss)->sin_addr
	                    : (const void *)&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
	if (!inet_ntop(ss->ss_family, a, host, sizeof host))
		return -1;
	int n = ss->ss_family == AF_INET ? snprintf(out, outlen, "%s:%u", host, bw_http_port_of(ss))
	                                 : snprintf(out, outlen, "[%s]:%u", host, bw_http_port_of(ss));
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

uint64_t bw_http_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = rl;
		want.rlim_cur = rl.rlim_max;
		/* an unlimited hard limit is not a value the kernel takes for
		 * files (fs.nr_open bounds it): ask for a million instead */
		if (want.rlim_cur == RLIM_INFINITY)
			want.rlim_cur = rl.rlim_cur > (1u << 20) ? rl.rlim_cur : (1u << 20);
		if (want.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = want.rlim_cur;
	}
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
}
