/*
 * sts_auth_message.c: DecodeAuthorizationMessage — opening an encoded
 * authorization message made by bw_sts_encode_authorization_message
 * (sts_credentials.c) in this installation for the caller's account.
 *
 * Messages are sealed (AES-256-GCM under a key derived from the root key for
 * BW_STS_AUTH_MESSAGE_PURPOSE, the account as associated data), so a message
 * altered in any bit, made by another installation or for another account,
 * or not a message at all, fails to open and is answered the same way.
 */
#include <string.h>

#include "core/encoding.h"
#include "services/service.h"
#include "services/sts/sts_credentials.h"
#include "services/sts/sts_errors.h"

/* encodedMessageType: at most 10240 characters. */
#define S_MAX_ENCODED 10240

int bw_sts_decode_authorization_message(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *msg = json_string_value(json_object_get(in, "EncodedMessage"));
	struct bw_buf sealed = {0}, text = {0};
	int rc = -1;
	/* required by the model: the decoder refused a request without it */
	size_t n = msg ? strnlen(msg, S_MAX_ENCODED + 1) : 0;
	if (n == 0 || n > S_MAX_ENCODED || !call->root_key ||
	    bw_base64_decode(msg, n, &sealed) != 0 ||
	    bw_unseal(call->root_key, BW_STS_AUTH_MESSAGE_PURPOSE, bw_cur_str(call->account_id),
	              bw_cur_from(sealed.data, sealed.len), &text) != 0) {
		bw_fail(call, STS_AUTH_MESSAGE_INVALID);
		goto done;
	}
	if (json_object_set_new(out, "DecodedMessage",
	                        json_stringn((const char *)text.data, text.len)) != 0) {
		bw_fail(call, BW_ERR_OUT_OF_MEMORY);
		goto done;
	}
	rc = 0;
done:
	bw_buf_free(&sealed);
	bw_buf_free(&text);
	return rc;
}
