/*
 * buf.h: bounded byte views and owned, growable byte buffers.
 *
 * A bw_cur borrows bytes (pointer + length, passed by value); a bw_buf owns
 * them. Nothing here relies on a NUL terminator, though bw_buf keeps one
 * past len so its data can be handed to C string APIs. A buffer marked
 * secret is cleansed before its memory is released.
 */
#ifndef BW_CORE_BUF_H
#define BW_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BW_MUST_CHECK __attribute__((warn_unused_result))

struct bw_cur {
	const uint8_t *ptr;
	size_t len;
};

struct bw_buf {
	uint8_t *data; /* NUL-terminated past len when non-NULL */
	size_t len;
	size_t cap;
	bool secret;   /* cleanse on growth and free */
};

static inline struct bw_cur bw_cur_from(const void *p, size_t len)
{
	return (struct bw_cur){.ptr = p, .len = len};
}
struct bw_cur bw_cur_str(const char *s);
bool bw_cur_eq_str(struct bw_cur c, const char *s);
bool bw_cur_eq_nocase(struct bw_cur c, const char *s);

BW_MUST_CHECK int bw_buf_reserve(struct bw_buf *b, size_t extra);
BW_MUST_CHECK int bw_buf_append(struct bw_buf *b, const void *p, size_t len);
BW_MUST_CHECK int bw_buf_append_str(struct bw_buf *b, const char *s);
BW_MUST_CHECK int bw_buf_append_byte(struct bw_buf *b, uint8_t c);
BW_MUST_CHECK int bw_buf_appendf(struct bw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
BW_MUST_CHECK int bw_buf_vappendf(struct bw_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* The buffer's bytes as a C string ("" when empty). */
const char *bw_buf_cstr(const struct bw_buf *b);
/* Hand the bytes to the caller (free with free()); the buffer is reset. */
char *bw_buf_steal(struct bw_buf *b);
void bw_buf_reset(struct bw_buf *b); /* len = 0, keeps memory */
void bw_buf_free(struct bw_buf *b);  /* safe on zeroed memory, safe twice */

/* Wipe memory the compiler may not elide. */
void bw_cleanse(void *p, size_t len);
/* Constant-time equality of two equal-length byte strings. */
bool bw_ct_equal(const void *a, const void *b, size_t len);

#endif
