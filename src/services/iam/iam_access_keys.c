/*
 * iam_access_keys.c: long-term access keys — CreateAccessKey,
 * ListAccessKeys, UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed.
 *
 * The secret is made here, sealed under the root key with the account and
 * key id as associated data (iam_store.h), and returned once: only the
 * sealed form is stored. Keys of the account root have no user; their
 * index rows sit under BW_IAM_ROOT_KEY_OWNER.
 */
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "crypto/seal.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

/* Whose keys a request means: the named user (who must exist) or the
 * caller; ukey receives the index owner key, uname the user's name as
 * stored ("" for the root). */
static int s_owner_or_fail(struct bw_call *call, const json_t *in, char ukey[BW_IAM_KEY_MAX],
                           char uname[BW_IAM_NAME_MAX + 1], char uid[32])
{
	const char *name = NULL;
	json_t *doc = NULL;
	if (bw_iam_caller_user_or_fail(call, in, &name) != 0)
		return -1;
	uname[0] = uid[0] = 0;
	if (!name[0]) {
		snprintf(ukey, BW_IAM_KEY_MAX, "%s", BW_IAM_ROOT_KEY_OWNER);
		return 0;
	}
	if (bw_iam_key_or_fail(call, name, ukey, BW_IAM_KEY_MAX) != 0 ||
	    bw_iam_user_load_or_fail(call, name, &doc) != 0)
		return -1;
	const char *stored = bw_iam_str(doc, "UserName");
	const char *id = bw_iam_str(doc, "UserId");
	snprintf(uname, BW_IAM_NAME_MAX + 1, "%s", stored ? stored : name);
	snprintf(uid, 32, "%s", id ? id : "");
	json_decref(doc);
	return 0;
}

static int s_not_found(struct bw_call *call, const char *akid)
{
	return bw_fail(call, IAM_NO_SUCH_ACCESS_KEY, akid);
}

/* The key's document, provided it belongs to the owner (ukey). */
static int s_key_doc_or_fail(struct bw_call *call, const char *akid, const char *ukey,
                             json_t **doc)
{
	char index[BW_IAM_KEY_MAX * 2];
	json_t *row = NULL;
	*doc = NULL;
	if (!akid)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "AccessKeyId");
	snprintf(index, sizeof index, "%s/%s", ukey, akid);
	int rc = bw_doc_get(call->store, BW_IAM_USER_ACCESS_KEY, call->account_id, index, &row);
	json_decref(row);
	if (rc == BW_STORE_NOT_FOUND)
		return s_not_found(call, akid);
	if (rc != BW_STORE_OK)
		return bw_iam_internal(call);
	rc = bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, doc);
	if (rc == BW_STORE_NOT_FOUND)
		return s_not_found(call, akid);
	return rc == BW_STORE_OK ? 0 : bw_iam_internal(call);
}

/* Seal the secret and return its base64 (NULL on failure). */
static json_t *s_sealed_secret(struct bw_call *call, const char *akid, const char *secret)
{
	char aad[96];
	struct bw_buf sealed = {0}, b64 = {0};
	json_t *s = NULL;
	if (bw_iam_secret_aad(call->account_id, akid, aad, sizeof aad) == 0 &&
	    bw_seal(call->root_key, BW_SEAL_PURPOSE_SECRET_KEY, bw_cur_str(aad),
	            bw_cur_str(secret), &sealed) == 0 &&
	    bw_base64_encode(sealed.data, sealed.len, &b64) == 0)
		s = json_string(bw_buf_cstr(&b64));
	bw_buf_free(&sealed);
	bw_buf_free(&b64);
	return s;
}

int bw_iam_create_access_key(struct bw_call *call, const json_t *in, json_t *out)
{
	char ukey[BW_IAM_KEY_MAX], uname[BW_IAM_NAME_MAX + 1], uid[32], akid[32], secret[41];
	char index[BW_IAM_KEY_MAX * 2], prefix[BW_IAM_KEY_MAX + 1];
	json_t *doc = NULL, *key = NULL;
	size_t n = 0;
	int rc = -1;
	secret[0] = 0;
	if (!call->root_key || !call->root_key->loaded)
		return bw_iam_internal(call);
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (s_owner_or_fail(call, in, ukey, uname, uid) != 0)
		goto error;
	snprintf(prefix, sizeof prefix, "%s/", ukey);
	if (bw_doc_count(call->store, BW_IAM_USER_ACCESS_KEY, call->account_id, prefix, &n) !=
	    BW_STORE_OK)
		goto internal;
	if (n >= BW_IAM_QUOTA_ACCESS_KEYS_PER_USER) {
		bw_fail(call, IAM_QUOTA_EXCEEDED, "AccessKeysPerUser",
		        BW_IAM_QUOTA_ACCESS_KEYS_PER_USER);
		goto error;
	}
	if (bw_iam_new_secret(secret) != 0)
		goto internal;
	/* a fresh id; a collision with a stored key is retried */
	for (int attempt = 0;; attempt++) {
		json_t *other = NULL;
		if (attempt == 8 || bw_iam_new_id("AKIA", akid, sizeof akid) != 0)
			goto internal;
		int grc = bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, &other);
		json_decref(other);
		if (grc == BW_STORE_NOT_FOUND)
			break;
		if (grc != BW_STORE_OK)
			goto internal;
	}
	json_t *sealed = s_sealed_secret(call, akid, secret);
	json_int_t now = (json_int_t)call->now_s;
	doc = json_pack("{s:s, s:s, s:I, s:s, s:o?}", "AccessKeyId", akid, "Status", "Active",
	                "CreateDate", now, "Owner", uname[0] ? "user" : "root", "SecretSealed",
	                sealed);
	if (!doc || !sealed)
		goto internal;
	if (uname[0] && (json_object_set_new(doc, "UserName", json_string(uname)) != 0 ||
	                 json_object_set_new(doc, "UserId", json_string(uid)) != 0))
		goto internal;
	snprintf(index, sizeof index, "%s/%s", ukey, akid);
	json_t *row = json_pack("{s:s}", "AccessKeyId", akid);
	int crc = row ? bw_doc_create(call->store, BW_IAM_USER_ACCESS_KEY, call->account_id, index,
	                              row)
	              : BW_STORE_ERROR;
	json_decref(row);
	if (crc != BW_STORE_OK ||
	    bw_doc_create(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, doc) !=
	            BW_STORE_OK)
		goto internal;
	if (bw_store_commit(call->store) != 0) {
		bw_iam_internal(call);
		goto done;
	}
	key = json_pack("{s:s, s:s, s:s, s:I}", "AccessKeyId", akid, "Status", "Active",
	                "SecretAccessKey", secret, "CreateDate", now);
	if (!key || (uname[0] && json_object_set_new(key, "UserName", json_string(uname)) != 0) ||
	    json_object_set(out, "AccessKey", key) != 0) {
		bw_iam_internal(call);
		goto done;
	}
	rc = 0;
	goto done;
internal:
	bw_iam_internal(call);
error:
	bw_store_rollback(call->store);
done:
	json_decref(doc);
	json_decref(key);
	bw_cleanse(secret, sizeof secret);
	return rc;
}

static json_t *s_metadata(const json_t *doc)
{
	json_t *m = json_pack("{s:O?, s:O?, s:O?}", "AccessKeyId", json_object_get(doc, "AccessKeyId"),
	                      "Status", json_object_get(doc, "Status"), "CreateDate",
	                      json_object_get(doc, "CreateDate"));
	if (m && json_object_get(doc, "UserName") &&
	    json_object_set(m, "UserName", json_object_get(doc, "UserName")) != 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

int bw_iam_list_access_keys(struct bw_call *call, const json_t *in, json_t *out)
{
	char ukey[BW_IAM_KEY_MAX], uname[BW_IAM_NAME_MAX + 1], uid[32], prefix[BW_IAM_KEY_MAX + 1];
	struct bw_iam_page page;
	json_t *rows = NULL;
	if (s_owner_or_fail(call, in, ukey, uname, uid) != 0 ||
	    bw_iam_page_or_fail(call, in, &page) != 0)
		return -1;
	snprintf(prefix, sizeof prefix, "%s/", ukey);
	int rc = bw_iam_list_or_fail(call, BW_IAM_USER_ACCESS_KEY, prefix, &page, NULL, NULL, &rows,
	                             out);
	bw_iam_page_free(&page);
	if (rc != 0)
		return -1;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const char *akid = bw_iam_str(json_array_get(rows, i), "AccessKeyId");
		json_t *doc = NULL, *m = NULL;
		if (!akid ||
		    bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, &doc) !=
		            BW_STORE_OK ||
		    !(m = s_metadata(doc)) || json_array_set_new(rows, i, m) != 0) {
			json_decref(doc);
			json_decref(rows);
			return bw_iam_internal(call);
		}
		json_decref(doc);
	}
	return json_object_set_new(out, "AccessKeyMetadata", rows) == 0 ? 0 : bw_iam_internal(call);
}

int bw_iam_update_access_key(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char ukey[BW_IAM_KEY_MAX], uname[BW_IAM_NAME_MAX + 1], uid[32];
	const char *akid = bw_iam_str(in, "AccessKeyId");
	const char *status = bw_iam_str(in, "Status");
	json_t *doc = NULL;
	if (!status || (strcmp(status, "Active") != 0 && strcmp(status, "Inactive") != 0))
		return bw_fail(call, IAM_ACCESS_KEY_STATUS_INVALID, status ? status : "null");
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (s_owner_or_fail(call, in, ukey, uname, uid) != 0 ||
	    s_key_doc_or_fail(call, akid, ukey, &doc) != 0)
		goto error;
	if (json_object_set_new(doc, "Status", json_string(status)) != 0 ||
	    bw_doc_update(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, doc) !=
	            BW_STORE_OK) {
		bw_iam_internal(call);
		goto error;
	}
	json_decref(doc);
	return bw_store_commit(call->store) == 0 ? 0 : bw_iam_internal(call);
error:
	json_decref(doc);
	bw_store_rollback(call->store);
	return -1;
}

int bw_iam_delete_access_key(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char ukey[BW_IAM_KEY_MAX], uname[BW_IAM_NAME_MAX + 1], uid[32], index[BW_IAM_KEY_MAX * 2];
	const char *akid = bw_iam_str(in, "AccessKeyId");
	json_t *doc = NULL;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (s_owner_or_fail(call, in, ukey, uname, uid) != 0 ||
	    s_key_doc_or_fail(call, akid, ukey, &doc) != 0)
		goto error;
	snprintf(index, sizeof index, "%s/%s", ukey, akid);
	if (bw_doc_delete(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid) != BW_STORE_OK ||
	    bw_doc_delete(call->store, BW_IAM_USER_ACCESS_KEY, call->account_id, index) !=
	            BW_STORE_OK) {
		bw_iam_internal(call);
		goto error;
	}
	json_decref(doc);
	return bw_store_commit(call->store) == 0 ? 0 : bw_iam_internal(call);
error:
	json_decref(doc);
	bw_store_rollback(call->store);
	return -1;
}

int bw_iam_get_access_key_last_used(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *akid = bw_iam_str(in, "AccessKeyId");
	json_t *doc = NULL, *used = NULL;
	if (!akid)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "AccessKeyId");
	int rc = bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, &doc);
	if (rc != BW_STORE_OK && rc != BW_STORE_NOT_FOUND)
		return bw_iam_internal(call);
	/* session credentials are STS's; IAM only reports long-term keys */
	const char *owner = doc ? bw_iam_str(doc, "Owner") : NULL;
	if (!owner || strcmp(owner, "session") == 0) {
		json_decref(doc);
		return s_not_found(call, akid);
	}
	const json_t *last = json_object_get(doc, "LastUsed");
	if (json_is_object(last))
		used = json_deep_copy(last);
	else /* never used: AWS answers N/A and no date */
		used = json_pack("{s:s, s:s}", "ServiceName", "N/A", "Region", "N/A");
	if (!used || json_object_set_new(out, "AccessKeyLastUsed", used) != 0 ||
	    (json_object_get(doc, "UserName") &&
	     json_object_set(out, "UserName", json_object_get(doc, "UserName")) != 0)) {
		json_decref(doc);
		return bw_iam_internal(call);
	}
	json_decref(doc);
	return 0;
}
