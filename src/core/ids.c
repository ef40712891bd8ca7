/* ids.c: request ids and event ids. */
#include "core/ids.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

/* Random bytes with the version nibble and the RFC 9562 variant set. */
static void s_format(uint8_t r[16], unsigned version, char out[BW_REQUEST_ID_LEN + 1])
{
	r[6] = (uint8_t)((r[6] & 0x0f) | (version << 4));
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	snprintf(out, BW_REQUEST_ID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
	         r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
	         r[14], r[15]);
}

/*
 * Ids are not secrets, but should not repeat or be guessed: they come from
 * OpenSSL's generator, drawn a block at a time into a per-thread pool,
 * since each RAND_bytes call costs about as much as a whole block.
 */
#define S_POOL 1024
static _Thread_local struct {
	uint8_t bytes[S_POOL];
	size_t used;
} t_pool = {.used = S_POOL};

static void s_random(uint8_t *r, size_t n)
{
	if (t_pool.used + n > S_POOL) {
		if (RAND_bytes(t_pool.bytes, S_POOL) != 1) {
			if (RAND_bytes(r, (int)n) != 1)
				memset(r, 0, n); /* only an identifier, never a secret */
			return;
		}
		t_pool.used = 0;
	}
	memcpy(r, t_pool.bytes + t_pool.used, n);
	t_pool.used += n;
}

void bw_request_id(char out[BW_REQUEST_ID_LEN + 1])
{
	uint8_t r[16];
	s_random(r, sizeof r);
	s_format(r, 4, out);
}

void bw_time_ordered_id(char out[BW_REQUEST_ID_LEN + 1], int64_t unix_ms)
{
	uint8_t r[16];
	s_random(r + 6, sizeof r - 6);
	uint64_t ms = unix_ms < 0 ? 0 : (uint64_t)unix_ms;
	for (int i = 5; i >= 0; i--, ms >>= 8)
		r[i] = (uint8_t)(ms & 0xff);
	s_format(r, 7, out);
}
