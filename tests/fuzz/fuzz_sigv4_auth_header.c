/*
 * fuzz_sigv4_auth_header: the Authorization header parser and the presigned
 * query parser. Input: first byte picks the date source, the rest is split at
 * the first '\n' into the header value and a raw query string.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hl = nl ? (size_t)(nl - data) : size;
	struct bw_cur header = bw_cur_from(data, hl);
	struct bw_cur query = nl ? bw_cur_from(nl + 1, size - hl - 1) : bw_cur_from("", 0);
	static const char *const amz[] = {"20150830T123600Z", NULL, "2015-08-30", ""};
	static const char *const date[] = {NULL, "Sun, 30 Aug 2015 12:36:00 GMT", "junk", NULL};
	struct bw_sigv4_auth a;
	struct bw_sigv4_error err;
	(void)bw_sigv4_parse_header(header, amz[mode & 3], date[mode & 3], &a, &err);
	(void)bw_sigv4_query_is_presigned(query);
	(void)bw_sigv4_parse_query(query, (mode & 4) != 0, &a, &err);
	/* the same bytes as a signed-headers list */
	(void)bw_sigv4_signed_headers_valid(header);
	return 0;
}
