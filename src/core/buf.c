/* buf.c: owned byte buffers with checked growth. */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

/* No single buffer grows past this: bodies are bounded far below it. */
#define BW_BUF_MAX ((size_t)1 << 31)

struct bw_cur bw_cur_str(const char *s)
{
	return bw_cur_from(s, s ? strlen(s) : 0);
}

bool bw_cur_eq_str(struct bw_cur c, const char *s)
{
	size_t n = strlen(s);
	return c.len == n && (n == 0 || memcmp(c.ptr, s, n) == 0);
}

bool bw_cur_eq_nocase(struct bw_cur c, const char *s)
{
	size_t n = strlen(s);
	return c.len == n && (n == 0 || strncasecmp((const char *)c.ptr, s, n) == 0);
}

int bw_buf_reserve(struct bw_buf *b, size_t extra)
{
	if (extra > BW_BUF_MAX || b->len > BW_BUF_MAX - extra - 1)
		return -1;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	bool fresh = b->data == NULL;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	uint8_t *p;
	if (b->secret) {
		/* realloc could leave a copy of the secret behind */
		p = malloc(cap);
		if (!p)
			return -1;
		if (b->data) {
			memcpy(p, b->data, b->len);
			bw_cleanse(b->data, b->cap);
			free(b->data);
		}
	} else {
		p = realloc(b->data, cap);
		if (!p)
			return -1;
	}
	b->data = p;
	b->cap = cap;
	if (fresh)
		b->data[0] = 0; /* the NUL past len that buf.h promises */
	return 0;
}

int bw_buf_append(struct bw_buf *b, const void *p, size_t len)
{
	if (bw_buf_reserve(b, len) != 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = 0;
	return 0;
}

int bw_buf_append_str(struct bw_buf *b, const char *s)
{
	return bw_buf_append(b, s, strlen(s));
}

int bw_buf_append_byte(struct bw_buf *b, uint8_t c)
{
	return bw_buf_append(b, &c, 1);
}

int bw_buf_vappendf(struct bw_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || bw_buf_reserve(b, (size_t)n) != 0)
		return -1;
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int bw_buf_appendf(struct bw_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = bw_buf_vappendf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *bw_buf_cstr(const struct bw_buf *b)
{
	return b->data ? (const char *)b->data : "";
}

char *bw_buf_steal(struct bw_buf *b)
{
	char *p = (char *)b->data;
	if (!p)
		p = calloc(1, 1);
	*b = (struct bw_buf){.secret = b->secret};
	return p;
}

void bw_buf_reset(struct bw_buf *b)
{
	if (b->data) {
		if (b->secret)
			bw_cleanse(b->data, b->len);
		b->data[0] = 0;
	}
	b->len = 0;
}

void bw_buf_free(struct bw_buf *b)
{
	if (b->data && b->secret)
		bw_cleanse(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void bw_cleanse(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

bool bw_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
