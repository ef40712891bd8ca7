/*
 * fuzz_trail_files: what `bulwark trail validate` and PutEventSelectors
 * read from outside — the first byte picks one:
 *   0: a delivered file through bw_trail_gunzip (bounded inflate);
 *   1: PutEventSelectors input (JSON: {"EventSelectors":..} or
 *      {"AdvancedEventSelectors":..}) through bw_trail_selectors_check, and,
 *      when accepted, bw_trail_selectors_match against a few records;
 *   2: a digest's signature (hex, after the first '\n') and the DER public
 *      key (before it) through bw_trail_verify.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "trail/trail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_selectors(const uint8_t *p, size_t n)
{
	json_t *in = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(in)) {
		json_decref(in);
		return;
	}
	const json_t *basic = json_object_get(in, "EventSelectors");
	const json_t *adv = json_object_get(in, "AdvancedEventSelectors");
	char why[256];
	if (bw_trail_selectors_check(basic, adv, why, sizeof why) == 0) {
		static const char *const recs[] = {
		    "{\"eventName\":\"Encrypt\",\"eventSource\":\"kms.amazonaws.com\",\"readOnly\":"
		    "false}",
		    "{\"eventName\":\"GetObject\",\"eventSource\":\"s3.amazonaws.com\","
		    "\"readOnly\":true,"
		    "\"eventCategory\":\"Data\",\"resources\":[{\"type\":\"AWS::S3::Object\","
		    "\"ARN\":\"arn:aws:s3:::b/k\"}]}",
		    "{\"eventSource\":\"iam.amazonaws.com\",\"resources\":[{}]}"};
		for (size_t i = 0; i < sizeof recs / sizeof *recs; i++) {
			json_t *r = json_loads(recs[i], 0, NULL);
			(void)bw_trail_selectors_match(in, r);
			json_decref(r);
		}
	}
	json_decref(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	switch (data[0] % 3) {
	case 0: {
		struct bw_buf out = {0};
		(void)bw_trail_gunzip(bw_cur_from(p, n), 1u << 20, &out);
		bw_buf_free(&out);
		break;
	}
	case 1:
		s_selectors(p, n);
		break;
	default: {
		const uint8_t *nl = memchr(p, '\n', n);
		if (!nl)
			break;
		size_t klen = (size_t)(nl - p);
		char sig[1100];
		size_t slen = n - klen - 1 < sizeof sig - 1 ? n - klen - 1 : sizeof sig - 1;
		memcpy(sig, nl + 1, slen);
		sig[slen] = 0;
		(void)bw_trail_verify(bw_cur_from(p, klen), bw_cur_str("message"), sig);
		break;
	}
	}
	return 0;
}
