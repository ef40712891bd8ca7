/*
 * kms_aliases.c: aliases — CreateAlias, UpdateAlias, DeleteAlias,
 * ListAliases. An alias ("alias/<name>", kms/alias keyed "<region>/<name>",
 * decision 0109) points to exactly one customer managed key of the same
 * account and region (a key of another region is not found); the
 * "alias/aws/" prefix is reserved for AWS managed keys; UpdateAlias only
 * moves an alias between keys of the same type and key usage, so code that
 * uses the alias keeps working.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "services/kms/kms_errors.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_ALIAS_MAX 256

static int s_name_or_fail(struct bw_call *call, const char *name)
{
	size_t n = name ? strnlen(name, S_ALIAS_MAX + 1) : 0;
	/* AWS answers a name without the prefix as a malformed request
	 * (ValidationException), not InvalidAliasNameException */
	if (n <= 6 || n > S_ALIAS_MAX || strncmp(name, "alias/", 6) != 0)
		return bw_fail(call, KMS_ALIAS_PREFIX_MISSING);
	for (size_t i = 6; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '-'))
			return bw_fail(call, KMS_ALIAS_NAME_CHARACTERS, name);
	}
	if (strncmp(name, "alias/aws/", 10) == 0)
		return bw_fail(call, KMS_ALIAS_RESERVED);
	return 0;
}

/* The target of CreateAlias / UpdateAlias: a key id or key ARN, never an
 * alias; a customer managed key not pending deletion. */
static int s_target_or_fail(struct bw_call *call, const json_t *in, json_t **doc)
{
	const char *id = json_string_value(json_object_get(in, "TargetKeyId"));
	if (id && (strncmp(id, "alias/", 6) == 0 ||
	           (strncmp(id, "arn:", 4) == 0 && strstr(id, ":alias/"))))
		return bw_fail(call, KMS_ALIAS_TO_ALIAS);
	if (bw_kms_resolve_key_or_fail(call, id, doc) != 0)
		return -1;
	if (bw_kms_customer_managed_or_fail(call, *doc, call->impl && call->impl->iam_action
	                                                    ? call->impl->iam_action
	                                                    : "kms:CreateAlias") == 0 &&
	    bw_kms_key_not_pending_deletion_or_fail(call, *doc) == 0)
		return 0;
	json_decref(*doc);
	*doc = NULL;
	return -1;
}

static double s_now(const struct bw_call *call)
{
	return floor(call->now_s * 1000.0) / 1000.0;
}

int bw_kms_create_alias(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = json_string_value(json_object_get(in, "AliasName"));
	json_t *key = NULL;
	if (s_name_or_fail(call, name) != 0 || s_target_or_fail(call, in, &key) != 0)
		return -1;
	char arn[400];
	snprintf(arn, sizeof arn, "arn:aws:kms:%s:%s:%s", call->region, call->account_id, name);
	json_t *alias = json_pack("{s:s, s:s, s:s, s:f, s:f}", "AliasName", name, "AliasArn", arn,
	                          "TargetKeyId", bw_kms_doc_str(key, "KeyId"), "CreationDate",
	                          s_now(call), "LastUpdatedDate", s_now(call));
	json_decref(key);
	char dk[BW_KMS_ALIAS_DOC_KEY_MAX];
	if (!alias || bw_kms_alias_doc_key(call->region, name, dk) != 0) {
		json_decref(alias);
		return bw_kms_internal(call);
	}
	/* an alias written before aliases were regional holds the name too */
	json_t *old = NULL;
	int src = bw_kms_alias_get(call->store, call->account_id, call->region, name, &old, NULL);
	json_decref(old);
	if (src == BW_STORE_NOT_FOUND)
		src = bw_doc_create(call->store, BW_KMS_ALIAS, call->account_id, dk, alias);
	else if (src == BW_STORE_OK)
		src = BW_STORE_EXISTS;
	json_decref(alias);
	if (src == BW_STORE_EXISTS)
		return bw_fail(call, KMS_ALIAS_EXISTS, arn);
	return src == BW_STORE_OK ? 0 : bw_kms_internal(call);
}

/* The alias document of name in call's region and the key it is stored
 * under, or NotFoundException. */
static int s_alias_or_fail(struct bw_call *call, const char *name, json_t **alias,
                           char dk[BW_KMS_ALIAS_DOC_KEY_MAX])
{
	int rc = bw_kms_alias_get(call->store, call->account_id, call->region, name, alias, dk);
	if (rc == BW_STORE_OK)
		return 0;
	if (rc != BW_STORE_NOT_FOUND)
		return bw_kms_internal(call);
	return bw_fail(call, KMS_ALIAS_NOT_FOUND, call->region, call->account_id, name);
}

int bw_kms_update_alias(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = json_string_value(json_object_get(in, "AliasName"));
	json_t *alias = NULL, *old_key = NULL, *new_key = NULL;
	char dk[BW_KMS_ALIAS_DOC_KEY_MAX];
	int rc = -1;
	if (s_name_or_fail(call, name) != 0 || s_alias_or_fail(call, name, &alias, dk) != 0 ||
	    s_target_or_fail(call, in, &new_key) != 0)
		goto done;
	const char *old_id = bw_kms_doc_str(alias, "TargetKeyId");
	if (bw_kms_key_get(call->store, call->account_id, call->region, old_id, &old_key) ==
	    BW_STORE_OK) {
		const char *of = bw_kms_spec_family(bw_kms_doc_str(old_key, "KeySpec"));
		const char *nf = bw_kms_spec_family(bw_kms_doc_str(new_key, "KeySpec"));
		bool same_type = strcmp(of, nf) == 0 ||
		                 (strcmp(of, "RSA") == 0 && strcmp(nf, "ECC") == 0) ||
		                 (strcmp(of, "ECC") == 0 && strcmp(nf, "RSA") == 0);
		if (!same_type || strcmp(bw_kms_doc_str(old_key, "KeyUsage"),
		                         bw_kms_doc_str(new_key, "KeyUsage")) != 0) {
			bw_fail(call, KMS_ALIAS_RETARGET_MISMATCH, name, bw_kms_doc_str(old_key, "KeySpec"),
			        bw_kms_doc_str(old_key, "KeyUsage"), bw_kms_doc_str(new_key, "KeySpec"),
			        bw_kms_doc_str(new_key, "KeyUsage"));
			goto done;
		}
	}
	if (json_object_set_new(alias, "TargetKeyId",
	                        json_string(bw_kms_doc_str(new_key, "KeyId"))) != 0 ||
	    json_object_set_new(alias, "LastUpdatedDate", json_real(s_now(call))) != 0 ||
	    bw_doc_update(call->store, BW_KMS_ALIAS, call->account_id, dk, alias) != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(alias);
	json_decref(old_key);
	json_decref(new_key);
	return rc;
}

int bw_kms_delete_alias(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = json_string_value(json_object_get(in, "AliasName"));
	json_t *alias = NULL;
	char dk[BW_KMS_ALIAS_DOC_KEY_MAX];
	if (s_name_or_fail(call, name) != 0 || s_alias_or_fail(call, name, &alias, dk) != 0)
		return -1;
	json_decref(alias);
	int rc = bw_doc_delete(call->store, BW_KMS_ALIAS, call->account_id, dk);
	if (rc == BW_STORE_NOT_FOUND) /* deleted meanwhile: still not found */
		return bw_fail(call, KMS_ALIAS_NOT_FOUND, call->region, call->account_id, name);
	return rc == BW_STORE_OK ? 0 : bw_kms_internal(call);
}

static bool s_alias_filter(const struct bw_call *call, const json_t *doc, const void *ctx)
{
	const char *key_id = ctx;
	if (!bw_kms_in_region(call, doc, "AliasArn"))
		return false;
	return !key_id || strcmp(bw_kms_doc_str(doc, "TargetKeyId"), key_id) == 0;
}

int bw_kms_list_aliases(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t limit;
	char after[BW_KMS_MARKER_MAX], last[BW_KMS_MARKER_MAX], key_id[37] = "";
	if (bw_kms_page_or_fail(call, in, &limit, after, sizeof after) != 0)
		return -1;
	const char *want = json_string_value(json_object_get(in, "KeyId"));
	if (want) {
		json_t *key = NULL;
		if (bw_kms_resolve_key_or_fail(call, want, &key) != 0)
			return -1;
		snprintf(key_id, sizeof key_id, "%s", bw_kms_doc_str(key, "KeyId"));
		json_decref(key);
	}
	json_t *items = NULL;
	bool truncated = false;
	if (bw_kms_list_or_fail(call, BW_KMS_ALIAS, after, limit, s_alias_filter,
	                        key_id[0] ? key_id : NULL, &items, &truncated, last,
	                        sizeof last) != 0)
		return -1;
	if (json_object_set_new(out, "Aliases", items) != 0 ||
	    bw_kms_set_paging(out, truncated, last) != 0)
		return bw_kms_internal(call);
	return 0;
}
