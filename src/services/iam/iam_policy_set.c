/*
 * iam_policy_set.c: the policy documents that apply to a principal (for the
 * gateway's authorization) and a role's trust policy (for STS), read
 * straight from the store.
 */
#include "services/iam/iam_policy_set.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

static uint64_t s_fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static int s_add(json_t *arr, const char *id, const char *text)
{
	json_t *o = json_pack("{s:s,s:s}", "id", id, "doc", text);
	return o && json_array_append_new(arr, o) == 0 ? 0 : BW_STORE_ERROR;
}

/* {"id","doc"} of the default version of a managed policy, or NULL when the
 * policy is gone (*rc 0) or on error (*rc -1). */
static json_t *s_managed(struct bw_store *st, const char *account, const char *arn, int *rc)
{
	char id[512], key[BW_IAMP_KEY_MAX], vkey[2 * BW_IAMP_KEY_MAX];
	*rc = 0;
	const struct bw_iam_aws_policy *aws = bw_iamp_aws_find(arn);
	if (aws) {
		snprintf(id, sizeof id, "aws:%s:%s", aws->name, aws->version_id);
		json_t *o = json_pack("{s:s,s:s}", "id", id, "doc", aws->document);
		*rc = o ? 0 : BW_STORE_ERROR;
		return o;
	}
	static const char pre[] = "arn:aws:iam::";
	size_t alen = strlen(account);
	const char *name = strrchr(arn, '/');
	if (strncmp(arn, pre, sizeof pre - 1) != 0 ||
	    strncmp(arn + sizeof pre - 1, account, alen) != 0 || !name ||
	    bw_iam_key(name + 1, key, sizeof key) != 0)
		return NULL;
	json_t *pol = NULL, *ver = NULL, *o = NULL;
	int r = bw_doc_get(st, BW_IAM_POLICY, account, key, &pol);
	if (r != BW_STORE_OK) {
		*rc = r == BW_STORE_NOT_FOUND ? 0 : BW_STORE_ERROR;
		return NULL;
	}
	const char *vid = json_string_value(json_object_get(pol, "DefaultVersionId"));
	const char *pid = json_string_value(json_object_get(pol, "PolicyId"));
	if (vid && pid) {
		snprintf(vkey, sizeof vkey, "%s/%s", key, vid);
		snprintf(id, sizeof id, "managed:%s:%s", pid, vid);
		r = bw_doc_get(st, BW_IAM_POLICY_VERSION, account, vkey, &ver);
		const char *text = json_string_value(json_object_get(ver, "Document"));
		if (r == BW_STORE_OK && text)
			o = json_pack("{s:s,s:s}", "id", id, "doc", text);
		*rc = o ? 0 : BW_STORE_ERROR;
	}
	json_decref(pol);
	json_decref(ver);
	return o;
}

/* Append the inline then attached policies of "<word>/<key>/". */
static int s_entity_policies(struct bw_store *st, const char *account, const char *word,
                             const char *key, json_t *arr)
{
	char prefix[2 * BW_IAMP_KEY_MAX], id[4 * BW_IAMP_KEY_MAX];
	json_t *items = NULL;
	bool more;
	size_t i;
	json_t *it;
	snprintf(prefix, sizeof prefix, "%s/%s/", word, key);
	struct bw_doc_page dp = {.prefix = prefix};
	if (bw_doc_list(st, BW_IAM_INLINE, account, &dp, &items, &more) != 0)
		return BW_STORE_ERROR;
	json_array_foreach(items, i, it)
	{
		const char *text = json_string_value(
		    json_object_get(json_object_get(it, "doc"), "PolicyDocument"));
		if (!text)
			continue;
		snprintf(id, sizeof id, "inline:%s:%016" PRIx64,
		         json_string_value(json_object_get(it, "key")), s_fnv1a(text));
		if (s_add(arr, id, text) != 0)
			goto error;
	}
	json_decref(items);
	items = NULL;
	if (bw_doc_list(st, BW_IAM_ATTACHED, account, &dp, &items, &more) != 0)
		return BW_STORE_ERROR;
	json_array_foreach(items, i, it)
	{
		const char *arn =
		    json_string_value(json_object_get(json_object_get(it, "doc"), "PolicyArn"));
		int rc;
		json_t *o = arn ? s_managed(st, account, arn, &rc) : NULL;
		if (!o && arn && rc != 0)
			goto error;
		if (o && json_array_append_new(arr, o) != 0)
			goto error;
	}
	json_decref(items);
	return 0;
error:
	json_decref(items);
	return BW_STORE_ERROR;
}

static int s_boundary(struct bw_store *st, const char *account, const json_t *ent,
                      json_t **boundary)
{
	const char *arn = json_string_value(
	    json_object_get(json_object_get(ent, "PermissionsBoundary"), "PermissionsBoundaryArn"));
	int rc = 0;
	if (arn)
		*boundary = s_managed(st, account, arn, &rc);
	return rc;
}

int bw_iam_policies_for(struct bw_store *store, const struct bw_principal *p, json_t **identity,
                        json_t **boundary)
{
	char key[BW_IAMP_KEY_MAX];
	json_t *ent = NULL, *groups = NULL;
	int rc = BW_STORE_ERROR;
	*identity = json_array();
	*boundary = NULL;
	if (!*identity)
		return BW_STORE_ERROR;
	bool user =
	    p->type == BW_PT_IAM_USER || (p->type == BW_PT_FEDERATED_USER && p->user_name[0]);
	if (p->type == BW_PT_ROOT)
		return 0;
	/* The root's federation session: the root may do everything in its
	 * account, so its identity side allows everything and the session
	 * policies alone limit it ("the intersection of the ... policies and
	 * the session policies", GetFederationToken). Cross-account access
	 * still needs the other account's resource policy. */
	if (p->type == BW_PT_FEDERATED_USER && !user)
		return s_add(*identity, "root-federation",
		             "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		             "\"Action\":\"*\",\"Resource\":\"*\"}]}") == 0
		           ? 0
		           : BW_STORE_ERROR;
	const char *name = user ? p->user_name : p->role_name;
	if (!name[0] || bw_iam_key(name, key, sizeof key) != 0)
		goto error;
	rc = bw_doc_get(store, user ? BW_IAM_USER : BW_IAM_ROLE, p->account, key, &ent);
	if (rc != BW_STORE_OK)
		goto error;
	/* the entity of that name must still be the principal that signed:
	 * one deleted and recreated since authentication is another (its
	 * unique id differs), and its policies are not the caller's */
	const char *want = p->type == BW_PT_IAM_USER ? p->principal_id
	                   : p->type == BW_PT_ASSUMED_ROLE ? p->role_id : NULL;
	const char *have = json_string_value(json_object_get(ent, user ? "UserId" : "RoleId"));
	if (want && (!have || strcmp(want, have) != 0)) {
		rc = BW_STORE_NOT_FOUND;
		goto error;
	}
	rc = BW_STORE_ERROR;
	if (s_entity_policies(store, p->account, user ? "user" : "role", key, *identity) != 0)
		goto error;
	if (user) {
		char prefix[BW_IAMP_KEY_MAX + 1], gkey[BW_IAMP_KEY_MAX];
		bool more;
		size_t i;
		json_t *it;
		snprintf(prefix, sizeof prefix, "%s/", key);
		struct bw_doc_page dp = {.prefix = prefix};
		if (bw_doc_list(store, BW_IAM_USER_GROUP, p->account, &dp, &groups, &more) != 0)
			goto error;
		json_array_foreach(groups, i, it)
		{
			const char *g = json_string_value(
			    json_object_get(json_object_get(it, "doc"), "GroupName"));
			if (!g || bw_iam_key(g, gkey, sizeof gkey) != 0 ||
			    s_entity_policies(store, p->account, "group", gkey, *identity) != 0)
				goto error;
		}
	}
	if (s_boundary(store, p->account, ent, boundary) != 0)
		goto error;
	json_decref(ent);
	json_decref(groups);
	return 0;
error:
	json_decref(ent);
	json_decref(groups);
	json_decref(*identity);
	json_decref(*boundary);
	*identity = NULL;
	*boundary = NULL;
	return rc;
}

int bw_iam_role_trust(struct bw_store *store, const char *account, const char *role_name,
                      json_t **role_doc)
{
	char key[BW_IAMP_KEY_MAX];
	*role_doc = NULL;
	if (!role_name || bw_iam_key(role_name, key, sizeof key) != 0)
		return BW_STORE_NOT_FOUND;
	return bw_doc_get(store, BW_IAM_ROLE, account, key, role_doc);
}
