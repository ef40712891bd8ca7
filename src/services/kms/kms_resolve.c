/*
 * kms_resolve.c: from the KeyId a request carries to the key document —
 * key id, key ARN, alias name or alias ARN, as AWS accepts them — and the
 * state checks every operation on a key shares (kms_resolve.h).
 *
 * AWS's answers, which clients and tests match on:
 *   unknown key id / key ARN   NotFoundException "Key '<key arn>' does not exist"
 *   unknown alias              NotFoundException "Alias <alias arn> is not found."
 *   not a key id at all        NotFoundException "Invalid keyId <input>"
 *   ARN of another account / region / partition, or not a KMS ARN:
 *                              NotFoundException (the key is not here)
 */
#include "services/kms/kms_resolve.h"

#include "gateway/resource.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "services/kms/kms_errors.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_KEY_ID_LEN 36

const char *bw_kms_doc_str(const json_t *doc, const char *member)
{
	const char *s = json_string_value(json_object_get(doc, member));
	return s ? s : "";
}

int bw_kms_key_arn(const struct bw_call *call, const char *key_id, struct bw_buf *out)
{
	return bw_buf_appendf(out, "arn:aws:kms:%s:%s:key/%s", call->region, call->account_id,
	                      key_id);
}

/* A key id as KMS makes them: 8-4-4-4-12 lower-case hex (a UUID), or
 * "mrk-" and 32 hex for a multi-Region key. */
static bool s_is_key_id(const char *s, size_t len)
{
	if (len != S_KEY_ID_LEN)
		return false;
	if (strncmp(s, "mrk-", 4) == 0)
		return bw_kms_is_mrk_id(s);
	for (size_t i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static int s_key_not_found(struct bw_call *call, const char *key_id)
{
	return bw_fail(call, KMS_KEY_NOT_FOUND, call->region, call->account_id, key_id);
}

static int s_get_key(struct bw_call *call, const char *key_id, json_t **key_doc)
{
	json_t *doc = NULL;
	/* the key of this id in the call's region (a multi-Region key has one
	 * in each region it was replicated to) */
	int rc = bw_kms_key_get(call->store, call->account_id, call->region, key_id, &doc);
	if (rc == BW_STORE_NOT_FOUND)
		return s_key_not_found(call, key_id);
	if (rc != BW_STORE_OK)
		return bw_fail(call, KMS_UNREADABLE, "key store");
	*key_doc = doc;
	return 0;
}

int bw_kms_alias_doc_key(const char *region, const char *name,
                         char out[BW_KMS_ALIAS_DOC_KEY_MAX])
{
	int n = snprintf(out, BW_KMS_ALIAS_DOC_KEY_MAX, "%s/%s", region ? region : "",
	                 name ? name : "");
	return region && region[0] && name && name[0] && n > 0 && n < BW_KMS_ALIAS_DOC_KEY_MAX
	               ? 0
	               : -1;
}

int bw_kms_alias_doc_key_of(const json_t *alias_doc, char out[BW_KMS_ALIAS_DOC_KEY_MAX])
{
	/* "arn:aws:kms:<region>:<account>:alias/x" */
	const char *arn = bw_kms_doc_str(alias_doc, "AliasArn");
	char region[72] = "";
	if (strncmp(arn, "arn:aws:kms:", 12) == 0) {
		const char *r = arn + 12, *end = strchr(r, ':');
		if (end && end > r && (size_t)(end - r) < sizeof region)
			snprintf(region, sizeof region, "%.*s", (int)(end - r), r);
	}
	return bw_kms_alias_doc_key(region, bw_kms_doc_str(alias_doc, "AliasName"), out);
}

int bw_kms_alias_get(struct bw_store *store, const char *account, const char *region,
                     const char *name, json_t **alias_doc,
                     char doc_key[BW_KMS_ALIAS_DOC_KEY_MAX])
{
	char dk[BW_KMS_ALIAS_DOC_KEY_MAX];
	*alias_doc = NULL;
	if (bw_kms_alias_doc_key(region, name, dk) != 0 || strncmp(name, "alias/", 6) != 0)
		return BW_STORE_NOT_FOUND;
	int rc = bw_doc_get(store, BW_KMS_ALIAS, account, dk, alias_doc);
	if (rc == BW_STORE_NOT_FOUND) {
		/* written before aliases were regional: keyed by the name, in the
		 * one region its ARN names */
		snprintf(dk, sizeof dk, "%s", name);
		rc = bw_doc_get(store, BW_KMS_ALIAS, account, name, alias_doc);
		char want[96];
		snprintf(want, sizeof want, "arn:aws:kms:%s:", region);
		if (rc == BW_STORE_OK &&
		    strncmp(bw_kms_doc_str(*alias_doc, "AliasArn"), want, strlen(want)) != 0) {
			json_decref(*alias_doc);
			*alias_doc = NULL;
			rc = BW_STORE_NOT_FOUND;
		}
	}
	if (rc != BW_STORE_OK) {
		json_decref(*alias_doc);
		*alias_doc = NULL;
		return rc == BW_STORE_NOT_FOUND ? rc : BW_STORE_ERROR;
	}
	if (doc_key)
		snprintf(doc_key, BW_KMS_ALIAS_DOC_KEY_MAX, "%s", dk);
	return BW_STORE_OK;
}

static int s_get_alias(struct bw_call *call, const char *alias, json_t **key_doc)
{
	json_t *a = NULL;
	int rc = bw_kms_alias_get(call->store, call->account_id, call->region, alias, &a, NULL);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, KMS_ALIAS_NOT_FOUND, call->region, call->account_id, alias);
	if (rc != BW_STORE_OK)
		return bw_fail(call, KMS_UNREADABLE, "alias store");
	char target[S_KEY_ID_LEN + 1];
	snprintf(target, sizeof target, "%s", bw_kms_doc_str(a, "TargetKeyId"));
	json_decref(a);
	return s_get_key(call, target, key_doc);
}

/* "arn:aws:kms:<region>:<account>:<rest>": rest, if region and account
 * are the call's; NULL otherwise. */
static const char *s_arn_resource(const struct bw_call *call, const char *arn)
{
	char head[96];
	int n = snprintf(head, sizeof head, "arn:aws:kms:%s:%s:", call->region, call->account_id);
	if (n <= 0 || (size_t)n >= sizeof head || strncmp(arn, head, (size_t)n) != 0)
		return NULL;
	return arn + n;
}

int bw_kms_resolve_key_or_fail(struct bw_call *call, const char *key_id_in, json_t **key_doc)
{
	*key_doc = NULL;
	if (!key_id_in || !key_id_in[0])
		return bw_fail(call, KMS_KEY_ID_EMPTY);
	size_t len = strnlen(key_id_in, 2049);
	if (strncmp(key_id_in, "alias/", 6) == 0)
		return len > 6 && len <= 256 ? s_get_alias(call, key_id_in, key_doc)
		                             : bw_fail(call, KMS_ALIAS_NOT_FOUND,
		                                       call->region, call->account_id, key_id_in);
	if (strncmp(key_id_in, "arn:", 4) == 0) {
		const char *rest = s_arn_resource(call, key_id_in);
		if (rest && strncmp(rest, "alias/", 6) == 0 && strlen(rest) > 6 && strlen(rest) <= 256)
			return s_get_alias(call, rest, key_doc);
		if (rest && strncmp(rest, "key/", 4) == 0 && s_is_key_id(rest + 4, strlen(rest + 4)))
			return s_get_key(call, rest + 4, key_doc);
		if (rest && strncmp(rest, "key/", 4) == 0)
			return bw_fail(call, KMS_KEY_ARN_NOT_FOUND, key_id_in);
		/* another account, region or partition: nothing of it lives here */
		return bw_fail(call, KMS_INVALID_ARN, key_id_in);
	}
	if (!s_is_key_id(key_id_in, len))
		return bw_fail(call, KMS_INVALID_KEY_ID, key_id_in);
	return s_get_key(call, key_id_in, key_doc);
}

int bw_kms_key_usable_or_fail(struct bw_call *call, const json_t *key_doc)
{
	const char *state = bw_kms_doc_str(key_doc, "KeyState");
	const char *arn = bw_kms_doc_str(key_doc, "Arn");
	if (strcmp(state, "Enabled") == 0)
		return 0;
	if (strcmp(state, "Disabled") == 0)
		return bw_fail(call, KMS_DISABLED, arn);
	if (strcmp(state, "PendingDeletion") == 0 || strcmp(state, "PendingReplicaDeletion") == 0)
		return bw_fail(call, KMS_PENDING_DELETION, arn);
	if (strcmp(state, "PendingImport") == 0)
		return bw_fail(call, KMS_PENDING_IMPORT, arn);
	return bw_fail(call, KMS_UNAVAILABLE, arn);
}

int bw_kms_key_not_pending_deletion_or_fail(struct bw_call *call, const json_t *key_doc)
{
	/* a primary waiting for its replicas to go is on its way out too */
	const char *state = bw_kms_doc_str(key_doc, "KeyState");
	if (strcmp(state, "PendingDeletion") != 0 && strcmp(state, "PendingReplicaDeletion") != 0)
		return 0;
	return bw_fail(call, KMS_PENDING_DELETION, bw_kms_doc_str(key_doc, "Arn"));
}

int bw_kms_key_id_resource(struct bw_call *call, const char *id, struct bw_resource *res)
{
	struct bw_buf *arn = &res->arn;
	if (!id)
		return bw_buf_append_str(arn, "*");
	/* Resolve quietly: a key that is not found is the handler's answer to
	 * give (after authorization), so keep the call unfailed here. A store
	 * that cannot answer fails closed. */
	struct bw_error saved = call->err;
	bool failed = call->failed;
	json_t *doc = NULL;
	int rc = bw_kms_resolve_key_or_fail(call, id, &doc);
	bool broken = rc != 0 && call->err.status >= 500;
	call->err = saved;
	call->failed = failed;
	if (broken)
		return -1;
	if (rc == 0) {
		rc = bw_resource_from_doc(res, doc, "Arn", "Tags");
		json_decref(doc);
		return rc;
	}
	if (strncmp(id, "arn:", 4) == 0)
		return bw_buf_append_str(arn, id);
	if (s_is_key_id(id, strnlen(id, 64)))
		return bw_kms_key_arn(call, id, arn);
	return bw_buf_append_str(arn, "*");
}

int bw_kms_key_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *id = json_string_value(json_object_get(in, "KeyId"));
	if (!id)
		id = json_string_value(json_object_get(in, "TargetKeyId"));
	return bw_kms_key_id_resource(call, id, res);
}
