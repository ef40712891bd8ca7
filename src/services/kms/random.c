/*
 * random.c: KMS GenerateRandom — bytes from OpenSSL's CSPRNG.
 * NumberOfBytes is 1..1024 (the model's range, checked before we run).
 */
#include <openssl/rand.h>

#include "core/encoding.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_ops.h"

int bw_kms_generate_random(struct bw_call *call, const json_t *in, json_t *out)
{
	const json_t *n = json_object_get(in, "NumberOfBytes");
	if (json_object_get(in, "CustomKeyStoreId"))
		/* no custom key store exists here, so none can be found */
		return bw_fail(call, KMS_CUSTOM_KEY_STORE_NOT_FOUND,
		               json_string_value(json_object_get(in, "CustomKeyStoreId")));
	if (json_object_get(in, "Recipient"))
		return bw_fail(call, KMS_RECIPIENT_UNSUPPORTED);
	if (!json_is_integer(n))
		return bw_fail(call, KMS_MEMBER_NULL, "numberOfBytes");
	json_int_t count = json_integer_value(n);
	/* NumberOfBytesType's 1..1024 is the validator's; the guard keeps the
	 * buffer below safe from a path that bypassed it */
	if (count < 1 || count > 1024)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "NumberOfBytes");
	uint8_t bytes[1024];
	struct bw_buf b64 = {0};
	int rc = -1;
	if (RAND_bytes(bytes, (int)count) != 1) {
		bw_fail(call, KMS_FAILED, "The random generator");
		goto done;
	}
	if (bw_base64_encode(bytes, (size_t)count, &b64) != 0 ||
	    json_object_set_new(out, "Plaintext", json_string(bw_buf_cstr(&b64))) != 0) {
		bw_fail(call, KMS_OUT_OF_MEMORY);
		goto done;
	}
	rc = 0;
done:
	bw_cleanse(bytes, sizeof bytes);
	b64.secret = true;
	bw_buf_free(&b64);
	return rc;
}
