/*
 * fuzz_kms_ciphertext: bytes -> bw_kms_ct_parse (the KMS symmetric
 * ciphertext blob) -> bw_kms_ct_open under a fixed key, with a fixed
 * encryption context and with none. The seed corpus holds real blobs made
 * under that key (32 bytes of 0x11, context {"purpose":"fuzz"}), so the
 * fuzzer reaches GCM with well-formed headers. Must never crash, over-read
 * or leak; an opened blob must be one the key really made.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/kms/kms_ciphertext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t key[32];
	static json_t *ctx;
	if (!ctx) {
		memset(key, 0x11, sizeof key);
		ctx = json_pack("{s:s}", "purpose", "fuzz");
	}
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	struct bw_kms_ct ct;
	if (bw_kms_ct_parse(bw_cur_from(copy, size), &ct) == 0) {
		if (strlen(ct.key_id) != BW_KMS_CT_KEY_ID_LEN ||
		    ct.header.len + ct.ciphertext.len + ct.tag.len != size)
			abort();
		struct bw_buf pt = {0};
		if (bw_kms_ct_open(bw_cur_from(key, 32), &ct, ctx, &pt) == 0 &&
		    pt.len != ct.ciphertext.len)
			abort();
		bw_buf_free(&pt);
		if (bw_kms_ct_open(bw_cur_from(key, 32), &ct, NULL, &pt) != 0 && pt.len != 0)
			abort();
		bw_buf_free(&pt);
	}
	free(copy);
	return 0;
}
