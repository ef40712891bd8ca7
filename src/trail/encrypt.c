/*
 * encrypt.c: log files of a trail with KmsKeyId, encrypted under a data
 * key of that KMS key (AWS does it with SSE-KMS on the S3 object).
 *
 * The delivered file keeps its AWS name (.json.gz); its bytes are the
 * gzip-compressed log in bulwark's KMS file envelope (docs/kms-file-format.md,
 * the format of `bulwark kms encrypt-file`): a fresh AES-256 data key,
 * encrypted by the trail's KMS key with the encryption context
 *   {"aws:cloudtrail:arn": <trail ARN>, "aws:s3:arn": "arn:aws:s3:::<bucket>/<key>",
 *    "bulwark:format": "BWKMSENC-1"},
 * and the body in AES-256-GCM chunks. `bulwark kms decrypt-file` turns it
 * back into the .json.gz (with kms:Decrypt permission on the key), and so
 * does the validator, in process with the root key.
 *
 * The KMS work runs in process through the KMS service's own functions
 * (kms_crypto.h) on a call of the installation's account made here: it is
 * bulwark acting for the trail, which the trail's creator chose when
 * naming the key (CreateTrail checked the key then).
 */
#include "trail/trail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/encoding.h"
#include "core/timeutil.h"
#include "gateway/call.h"
#include "kmsfile/kmsfile.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"

struct s_kms_ctx {
	struct bw_call call;
};

static void s_call_init(struct bw_call *call, struct bw_store *store, const struct bw_root_key *rk,
                        const char *account, const char *region, double now_s)
{
	memset(call, 0, sizeof *call);
	call->model = bw_model_find("kms");
	call->store = store;
	call->root_key = rk;
	call->now_s = now_s;
	snprintf(call->account_id, sizeof call->account_id, "%s", account);
	snprintf(call->region, sizeof call->region, "%s", region);
}

static int s_generate(void *ctx, const char *key_id, const json_t *context,
                      struct bw_buf *plaintext, struct bw_buf *blob, struct bw_buf *key_arn,
                      struct bw_kmsfile_error *err)
{
	struct bw_call *call = &((struct s_kms_ctx *)ctx)->call;
	json_t *key_doc = NULL;
	char mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1];
	int rc = -1;
	if (bw_kms_use_key_or_fail(call, key_id, "ENCRYPT_DECRYPT", "Encrypt", &key_doc) != 0)
		goto done;
	if (bw_buf_reserve(plaintext, BW_KMSFILE_KEY_LEN) != 0 ||
	    RAND_bytes(plaintext->data, BW_KMSFILE_KEY_LEN) != 1)
		goto done;
	plaintext->len = BW_KMSFILE_KEY_LEN;
	if (bw_kms_sym_encrypt_or_fail(call, key_doc, context,
	                               bw_cur_from(plaintext->data, plaintext->len), blob,
	                               mid) != 0 ||
	    bw_buf_append_str(key_arn, bw_kms_doc_str(key_doc, "Arn")) != 0)
		goto done;
	rc = 0;
done:
	if (rc != 0)
		bw_kmsfile_fail(err, "KMS key %s: %s %s", key_id,
		                call->failed ? call->err.code : "",
		                call->failed ? call->err.message : "cannot make a data key");
	json_decref(key_doc);
	return rc;
}

static int s_decrypt(void *ctx, const char *key_arn, const json_t *context, struct bw_cur blob,
                     struct bw_buf *plaintext, struct bw_kmsfile_error *err)
{
	struct bw_call *call = &((struct s_kms_ctx *)ctx)->call;
	struct bw_buf b64 = {0};
	json_t *in = NULL, *out = json_object();
	int rc = -1;
	if (!out || bw_base64_encode(blob.ptr, blob.len, &b64) != 0)
		goto done;
	in = json_pack("{s:s, s:O, s:s}", "CiphertextBlob", bw_buf_cstr(&b64), "EncryptionContext",
	               context, "KeyId", key_arn);
	if (!in || bw_kms_decrypt(call, in, out) != 0)
		goto done;
	const char *text = json_string_value(json_object_get(out, "Plaintext"));
	if (!text || bw_base64_decode(text, strlen(text), plaintext) != 0)
		goto done;
	rc = 0;
done:
	if (rc != 0)
		bw_kmsfile_fail(err, "KMS Decrypt: %s %s", call->failed ? call->err.code : "",
		                call->failed ? call->err.message : "failed");
	/* The response held the data key in base64: wipe it. */
	const char *p = json_string_value(json_object_get(out, "Plaintext"));
	if (p)
		bw_cleanse((void *)(uintptr_t)p, strlen(p));
	json_decref(in);
	json_decref(out);
	bw_buf_free(&b64);
	return rc;
}

bool bw_trail_is_encrypted(struct bw_cur file)
{
	return file.len >= BW_KMSFILE_MAGIC_LEN &&
	       memcmp(file.ptr, BW_KMSFILE_MAGIC, BW_KMSFILE_MAGIC_LEN) == 0;
}

int bw_trail_encrypt_log(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                         const char *region, double now_s, const char *kms_key,
                         const char *trail_arn, const char *bucket, const char *key,
                         struct bw_cur gz, struct bw_buf *out, char *why, size_t whylen)
{
	struct s_kms_ctx ctx;
	struct bw_kmsfile_error err = {{0}};
	json_t *context = NULL;
	char *p1 = NULL, *p2 = NULL, *buf = NULL;
	size_t len = 0;
	FILE *in = NULL, *o = NULL;
	int rc = -1;
	s_call_init(&ctx.call, store, rk, account, region, now_s);
	struct bw_kmsfile_keys keys = {.ctx = &ctx, .generate = s_generate, .decrypt = s_decrypt};
	if (asprintf(&p1, "aws:cloudtrail:arn=%s", trail_arn) < 0 ||
	    asprintf(&p2, "aws:s3:arn=arn:aws:s3:::%s/%s", bucket, key) < 0) {
		p1 = p2 = NULL;
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	const char *pairs[] = {p1, p2};
	struct bw_kmsfile_encrypt_opts opts = {.key_id = kms_key};
	if (bw_kmsfile_context_build(pairs, 2, &context, &err) != 0)
		goto fail;
	opts.context = context;
	in = fmemopen((void *)(uintptr_t)gz.ptr, gz.len, "rb");
	o = open_memstream(&buf, &len);
	if (!in || !o) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	if (bw_kmsfile_encrypt_stream(in, o, &opts, &keys, &err) != 0)
		goto fail;
	if (fclose(o) != 0) {
		o = NULL;
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	o = NULL;
	rc = bw_buf_append(out, buf, len);
	goto done;
fail:
	snprintf(why, whylen, "cannot encrypt the log file: %s", err.msg);
done:
	if (o)
		fclose(o);
	if (in)
		fclose(in);
	free(buf);
	free(p1);
	free(p2);
	json_decref(context);
	return rc;
}

int bw_trail_decrypt_log(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                         const char *region, struct bw_cur file, struct bw_buf *gz)
{
	struct s_kms_ctx ctx;
	struct bw_kmsfile_error err = {{0}};
	char *buf = NULL;
	size_t len = 0;
	if (!rk || !rk->loaded)
		return -1;
	s_call_init(&ctx.call, store, rk, account, region, (double)bw_now_ms() / 1000.0);
	struct bw_kmsfile_keys keys = {.ctx = &ctx, .generate = s_generate, .decrypt = s_decrypt};
	FILE *in = fmemopen((void *)(uintptr_t)file.ptr, file.len, "rb");
	FILE *o = open_memstream(&buf, &len);
	int rc = -1;
	bool decrypted = in && o && bw_kmsfile_decrypt_stream(in, o, NULL, 0, &keys, &err) == 0;
	/* fclose frees the stream whatever it returns: never close it twice */
	int closed = o ? fclose(o) : EOF;
	o = NULL;
	if (decrypted && closed == 0)
		rc = bw_buf_append(gz, buf, len);
	if (in)
		fclose(in);
	free(buf);
	return rc;
}
