/*
 * sigv4_internal.h: helpers shared by the sigv4_*.c files, not public API.
 */
#ifndef BW_AUTH_SIGV4_INTERNAL_H
#define BW_AUTH_SIGV4_INTERNAL_H

#include "auth/sigv4.h"

/* Strict lower-case hex of exactly 2*n digits into n bytes. */
bool bw_sigv4_unhex(struct bw_cur hex, uint8_t *out, size_t n);
/* Lower-case hex of n bytes into out (2n chars + NUL). */
void bw_sigv4_tohex(const uint8_t *in, size_t n, char *out);
/* How many headers named `name` (case-insensitive) req carries. */
size_t bw_sigv4_header_count(const struct bw_http_request *req, const char *name);
/* Copy a view into a fixed buffer of size cap (NUL included); false if too long. */
bool bw_sigv4_copy(char *dst, size_t cap, struct bw_cur src);
/* SHA-256 of data into out[32]. */
bool bw_sigv4_sha256(struct bw_cur data, uint8_t out[32]);

/* Set err (reason and a formatted message) and return the reason. */
enum bw_sigv4_reason bw_sigv4_errorf(struct bw_sigv4_error *err, enum bw_sigv4_reason r,
                                     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
