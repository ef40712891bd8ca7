/*
 * iam_identity_store.c: loading users and groups, finding the caller's
 * user, and moving the documents keyed by a name when it is renamed.
 */
#include <stdio.h>
#include <string.h>

#include "services/iam/iam_errors.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

static int s_load_or_fail(struct bw_call *call, const char *kind, const char *what,
                          const char *name, json_t **doc)
{
	char key[BW_IAM_KEY_MAX];
	*doc = NULL;
	if (bw_iam_key_or_fail(call, name, key, sizeof key) != 0)
		return -1;
	int rc = bw_doc_get(call->store, kind, call->account_id, key, doc);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, IAM_NO_SUCH_ENTITY, what, name);
	if (rc != BW_STORE_OK)
		return bw_iam_internal(call);
	return 0;
}

int bw_iam_user_load_or_fail(struct bw_call *call, const char *name, json_t **doc)
{
	return s_load_or_fail(call, BW_IAM_USER, "user", name, doc);
}

int bw_iam_group_load_or_fail(struct bw_call *call, const char *name, json_t **doc)
{
	return s_load_or_fail(call, BW_IAM_GROUP, "group", name, doc);
}

int bw_iam_caller_user_or_fail(struct bw_call *call, const json_t *in, const char **name)
{
	*name = bw_iam_str(in, "UserName");
	if (*name)
		return 0;
	switch (call->principal.type) {
	case BW_PT_ROOT:
		*name = "";
		return 0;
	case BW_PT_IAM_USER:
		*name = call->principal.user_name;
		return 0;
	case BW_PT_ASSUMED_ROLE:
	case BW_PT_FEDERATED_USER:
		break;
	}
	return bw_fail(call, IAM_USER_NAME_NEEDED);
}

int bw_iam_list_all(struct bw_call *call, const char *kind, const char *prefix, json_t **rows)
{
	struct bw_doc_page page = {.prefix = prefix};
	bool more = false;
	*rows = NULL;
	if (bw_doc_list(call->store, kind, call->account_id, &page, rows, &more) != BW_STORE_OK)
		return bw_iam_internal(call);
	return 0;
}

int bw_iam_move_doc(struct bw_call *call, const char *kind, const char *old_key,
                    const char *new_key, const char *field, const char *value)
{
	json_t *doc = NULL;
	int rc = bw_doc_get(call->store, kind, call->account_id, old_key, &doc);
	if (rc == BW_STORE_NOT_FOUND)
		return 0;
	if (rc != BW_STORE_OK)
		return bw_iam_internal(call);
	if (field && json_object_set_new(doc, field, json_string(value)) != 0)
		goto error;
	if (strcmp(old_key, new_key) != 0 &&
	    bw_doc_delete(call->store, kind, call->account_id, old_key) != BW_STORE_OK)
		goto error;
	/* put: a case-only rename keeps the key and replaces the document */
	if (bw_doc_put(call->store, kind, call->account_id, new_key, doc) != BW_STORE_OK)
		goto error;
	json_decref(doc);
	return 0;
error:
	json_decref(doc);
	return bw_iam_internal(call);
}

int bw_iam_move_prefix(struct bw_call *call, const char *kind, const char *old_prefix,
                       const char *new_prefix, const char *field, const char *value)
{
	json_t *rows = NULL;
	if (bw_iam_list_all(call, kind, old_prefix, &rows) != 0)
		return -1;
	size_t plen = strlen(old_prefix), i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *key = bw_iam_str(row, "key");
		char new_key[BW_IAM_KEY_MAX];
		if (!key || strlen(key) < plen)
			continue;
		int n = snprintf(new_key, sizeof new_key, "%s%s", new_prefix, key + plen);
		if (n < 0 || (size_t)n >= sizeof new_key ||
		    bw_iam_move_doc(call, kind, key, new_key, field, value) != 0) {
			json_decref(rows);
			return call->failed ? -1 : bw_iam_internal(call);
		}
	}
	json_decref(rows);
	return 0;
}

int bw_iam_move_entity_policies(struct bw_call *call, const char *entity, const json_t *doc,
                                const char *id_member, const char *old_key,
                                const char *new_key, const char *new_name)
{
	char op[BW_IAM_KEY_MAX], np[BW_IAM_KEY_MAX], ok[BW_IAM_KEY_MAX], nk[BW_IAM_KEY_MAX];
	json_t *rows = NULL;
	size_t i;
	json_t *row;
	if (bw_iam_keyf(op, sizeof op, "%s/%s/", entity, old_key) != 0 ||
	    bw_iam_keyf(np, sizeof np, "%s/%s/", entity, new_key) != 0)
		return -1;
	/* attached managed policies, both directions */
	if (bw_iam_list_all(call, BW_IAM_ATTACHED, op, &rows) != 0)
		return -1;
	json_array_foreach(rows, i, row) {
		const char *parn = bw_iam_str(json_object_get(row, "doc"), "PolicyArn");
		if (!parn)
			continue;
		if (bw_iam_keyf(ok, sizeof ok, "%s/%s/%s", parn, entity, old_key) != 0 ||
		    bw_iam_keyf(nk, sizeof nk, "%s/%s/%s", parn, entity, new_key) != 0 ||
		    bw_iam_move_doc(call, BW_IAM_POLICY_ENTITY, ok, nk, "EntityName", new_name) != 0)
			goto error;
	}
	json_decref(rows);
	rows = NULL;
	if (bw_iam_move_prefix(call, BW_IAM_ATTACHED, op, np, NULL, NULL) != 0 ||
	    bw_iam_move_prefix(call, BW_IAM_INLINE, op, np, NULL, NULL) != 0)
		return -1;
	/* the permissions boundary's record names the entity too */
	const char *boundary =
		bw_iam_str(json_object_get(doc, "PermissionsBoundary"), "PermissionsBoundaryArn");
	if (boundary &&
	    (bw_iam_keyf(ok, sizeof ok, "%s/%s/%s", boundary, entity, old_key) != 0 ||
	     bw_iam_keyf(nk, sizeof nk, "%s/%s/%s", boundary, entity, new_key) != 0 ||
	     bw_iam_move_doc(call, BW_IAM_BOUNDARY_ENTITY, ok, nk, "EntityName", new_name) != 0))
		return -1;
	const char *id = bw_iam_str(doc, id_member);
	if (id && bw_iam_move_doc(call, BW_IAM_ID, id, id, "Name", new_name) != 0)
		return -1;
	return 0;
error:
	json_decref(rows);
	return -1;
}
