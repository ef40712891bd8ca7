/*
 * provider.c: the key provider backed by KMS: GenerateDataKey (KeySpec
 * AES_256) to encrypt and Decrypt (pinned to the header's key ARN, signed
 * for the ARN's region) to decrypt. These are the only two calls: the KMS
 * key never leaves the server. The base64 plaintext in the parsed reply is
 * wiped in place once decoded, as the reply buffer itself is.
 */
#include <string.h>

#include "core/encoding.h"
#include "kmsfile/kmsfile.h"

/* Wipe a string member of a parsed reply (jansson owns writable memory). */
static void s_wipe_member(json_t *obj, const char *member)
{
	json_t *v = json_object_get(obj, member);
	if (json_is_string(v))
		bw_cleanse((char *)json_string_value(v), json_string_length(v));
}

static int s_b64_member(const json_t *obj, const char *member, struct bw_buf *out,
                        const char *op, struct bw_kmsfile_error *err)
{
	const json_t *v = json_object_get(obj, member);
	if (!json_is_string(v) ||
	    bw_base64_decode(json_string_value(v), json_string_length(v), out) != 0) {
		bw_kmsfile_fail(err, "KMS %s: the response has no valid %s", op, member);
		return -1;
	}
	return 0;
}

static int s_generate(void *ctx, const char *key_id, const json_t *context,
                      struct bw_buf *plaintext, struct bw_buf *blob, struct bw_buf *key_arn,
                      struct bw_kmsfile_error *err)
{
	const struct bw_kmsfile_client *c = ctx;
	json_t *resp = NULL;
	int rc = -1;
	json_t *req = json_pack("{s:s, s:s, s:O}", "KeyId", key_id, "KeySpec", "AES_256",
	                        "EncryptionContext", context);
	if (!req) {
		bw_kmsfile_fail(err, "out of memory");
		return -1;
	}
	if (bw_kmsfile_call(c, NULL, "GenerateDataKey", req, &resp, err) != 0)
		goto done;
	const char *arn = json_string_value(json_object_get(resp, "KeyId"));
	if (!arn || strncmp(arn, "arn:", 4) != 0) {
		bw_kmsfile_fail(err, "KMS GenerateDataKey: the response has no key ARN");
		goto done;
	}
	if (s_b64_member(resp, "Plaintext", plaintext, "GenerateDataKey", err) != 0 ||
	    s_b64_member(resp, "CiphertextBlob", blob, "GenerateDataKey", err) != 0)
		goto done;
	if (bw_buf_append_str(key_arn, arn) != 0) {
		bw_kmsfile_fail(err, "out of memory");
		goto done;
	}
	rc = 0;
done:
	s_wipe_member(resp, "Plaintext");
	json_decref(resp);
	json_decref(req);
	return rc;
}

/* arn:aws:kms:<region>:<account>:key/<id> -> region */
static int s_arn_region(const char *arn, char *out, size_t outlen)
{
	const char *p = arn;
	for (int i = 0; i < 3; i++) {
		p = strchr(p, ':');
		if (!p)
			return -1;
		p++;
	}
	size_t n = strcspn(p, ":");
	if (n == 0 || n >= outlen || p[n] != ':')
		return -1;
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

static int s_decrypt(void *ctx, const char *key_arn, const json_t *context, struct bw_cur blob,
                     struct bw_buf *plaintext, struct bw_kmsfile_error *err)
{
	const struct bw_kmsfile_client *c = ctx;
	struct bw_buf b64 = {0};
	json_t *req = NULL, *resp = NULL;
	char region[64];
	int rc = -1;
	if (strncmp(key_arn, "arn:", 4) != 0 || s_arn_region(key_arn, region, sizeof region) != 0) {
		bw_kmsfile_fail(err, "the file names key '%s', which is not a key ARN", key_arn);
		return -1;
	}
	if (bw_base64_encode(blob.ptr, blob.len, &b64) != 0 ||
	    !(req = json_pack("{s:s, s:s, s:O}", "CiphertextBlob", bw_buf_cstr(&b64), "KeyId",
	                      key_arn, "EncryptionContext", context))) {
		bw_kmsfile_fail(err, "out of memory");
		goto done;
	}
	if (bw_kmsfile_call(c, region, "Decrypt", req, &resp, err) != 0)
		goto done;
	if (s_b64_member(resp, "Plaintext", plaintext, "Decrypt", err) != 0)
		goto done;
	rc = 0;
done:
	s_wipe_member(resp, "Plaintext");
	json_decref(resp);
	json_decref(req);
	bw_buf_free(&b64);
	return rc;
}

struct bw_kmsfile_keys bw_kmsfile_kms_keys(const struct bw_kmsfile_client *c)
{
	return (struct bw_kmsfile_keys){.ctx = (void *)c, .generate = s_generate,
	                                .decrypt = s_decrypt};
}
