/*
 * fuzz_sigv4_chunked: the aws-chunked decoder on arbitrary bodies, in its
 * three modes (signed chunks with a fixed key, unsigned with a trailer,
 * signed with a trailer = refused), with and without a decoded length.
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
	struct bw_sigv4_chunked c = {
		.signed_chunks = (mode & 1) != 0,
		.has_trailer = (mode & 2) != 0,
		.decoded_length = (mode & 4) ? (int64_t)(size / 2) : -1,
		.max_decoded = (mode & 8) ? 64 : 0,
	};
	memset(c.signing_key, 0x42, sizeof c.signing_key);
	memset(c.seed_signature, 0x17, sizeof c.seed_signature);
	strcpy(c.amz_date, "20130524T000000Z");
	strcpy(c.scope, "20130524/us-east-1/s3/aws4_request");
	if (mode & 16)
		strcpy(c.trailer_name, "x-amz-checksum-crc32");
	struct bw_buf out = {0};
	struct bw_sigv4_chunked_info info;
	struct bw_sigv4_error err;
	(void)bw_sigv4_chunked_decode(&c, bw_cur_from(data + 1, size - 1), &out, &info, &err);
	bw_buf_free(&out);
	bw_sigv4_chunked_clean_up(&c);
	return 0;
}
