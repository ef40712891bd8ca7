/*
 * sts_access_key_info.c: GetAccessKeyInfo — the account an access key id
 * belongs to.
 *
 * AWS decodes the account from the key id itself, for any key. Ours are
 * random (iam_store.h), so nothing can be decoded: we answer for the keys
 * this installation issued in the caller's account (long-term or session,
 * active or not — AWS answers for inactive keys too) and refuse every other
 * id with a ValidationError that says so, rather than guess an account.
 */
#include <string.h>

#include "services/iam/iam_store.h"
#include "services/service.h"
#include "services/sts/sts_credentials.h"
#include "services/sts/sts_errors.h"
#include "store/doc.h"

/* accessKeyIdType: 16..128 characters of [\w]. */
static bool s_key_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n < 16 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return false;
	}
	return true;
}

int bw_sts_get_access_key_info(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *id = json_string_value(json_object_get(in, "AccessKeyId"));
	/* required by the model (16..128 characters): the decoder refused a
	 * request without it; its pattern is checked here */
	if (!id || !s_key_id_ok(id))
		return bw_fail(call, STS_ACCESS_KEY_ID_INVALID);
	json_t *doc = NULL;
	int rc = bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, id, &doc);
	json_decref(doc);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, STS_ACCESS_KEY_UNKNOWN, id);
	if (rc != BW_STORE_OK)
		return bw_fail(call, BW_ERR_REQUEST_NOT_COMPLETED);
	if (json_object_set_new(out, "Account", json_string(call->account_id)) != 0)
		return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
	return 0;
}
