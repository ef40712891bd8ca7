/*
 * iam_inline.c: inline policies of users, groups and roles —
 * Put/Get/Delete/List{User,Group,Role}Policy/Policies. One generic function
 * per operation, the entity as a parameter. IAM caps the total size of an
 * entity's inline policies (whitespace not counted): 2048 characters for a
 * user, 5120 for a group, 10240 for a role.
 */
#include <stdio.h>
#include <string.h>

#include "services/iam/iam_errors.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_util.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

static const char *s_name_member(enum bw_iamp_entity e)
{
	return e == BW_IAMP_USER ? "UserName" : e == BW_IAMP_GROUP ? "GroupName" : "RoleName";
}

static size_t s_max_chars(enum bw_iamp_entity e)
{
	return e == BW_IAMP_USER    ? BW_IAMP_USER_INLINE_MAX_CHARS
	       : e == BW_IAMP_GROUP ? BW_IAMP_GROUP_INLINE_MAX_CHARS
	                            : BW_IAMP_ROLE_INLINE_MAX_CHARS;
}

/* The entity (must exist) and "<kind>/<entity key>/" prefix of its inline
 * policies; when pname, "<prefix><policy key>" too. */
static int s_locate(struct bw_call *call, enum bw_iamp_entity e, const json_t *in, json_t **ent,
                    char *prefix, size_t plen, const char *pname, char *key, size_t klen)
{
	const char *name = bw_iamp_str(in, s_name_member(e));
	char ek[BW_IAMP_KEY_MAX], pk[BW_IAMP_KEY_MAX];
	if (bw_iamp_get_entity(call, e, name, ent) != 0 || bw_iam_key(name, ek, sizeof ek) != 0)
		return -1;
	snprintf(prefix, plen, "%s/%s/", bw_iamp_entity_word(e), ek);
	if (!pname)
		return 0;
	if (bw_iamp_name_key(call, pname, pk) != 0) {
		json_decref(*ent);
		*ent = NULL;
		return -1;
	}
	snprintf(key, klen, "%s%s", prefix, pk);
	return 0;
}

static int s_put_txn(struct bw_call *call, enum bw_iamp_entity e, const json_t *in)
{
	const char *pname = bw_iamp_str(in, "PolicyName");
	const char *text = bw_iamp_str(in, "PolicyDocument");
	char prefix[2 * BW_IAMP_KEY_MAX], key[3 * BW_IAMP_KEY_MAX];
	json_t *ent = NULL, *items = NULL;
	bool more;
	if (bw_iamp_check_name(call, pname, "policyName") != 0 ||
	    s_locate(call, e, in, &ent, prefix, sizeof prefix, pname, key, sizeof key) != 0)
		return -1;
	/* the entity's total, the policy being replaced left out */
	size_t total = text ? bw_iamp_doc_chars(text) : 0;
	struct bw_doc_page dp = {.prefix = prefix};
	if (bw_doc_list(call->store, BW_IAM_INLINE, call->account_id, &dp, &items, &more) != 0) {
		json_decref(ent);
		return bw_iamp_store_fail(call);
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (strcmp(json_string_value(json_object_get(it, "key")), key) == 0)
			continue;
		const char *t = bw_iamp_str(json_object_get(it, "doc"), "PolicyDocument");
		total += t ? bw_iamp_doc_chars(t) : 0;
	}
	json_decref(items);
	if (total > s_max_chars(e)) {
		bw_fail(call, IAM_INLINE_POLICY_TOO_LARGE, s_max_chars(e), bw_iamp_entity_word(e),
		        bw_iamp_str(ent, s_name_member(e)));
		json_decref(ent);
		return -1;
	}
	json_decref(ent);
	if (bw_iamp_check_doc(call, text, BW_POLICY_IDENTITY) != 0)
		return -1;
	json_t *doc = json_pack("{s:s,s:s}", "PolicyName", pname, "PolicyDocument", text);
	if (!doc)
		return bw_iamp_oom(call);
	int rc = bw_doc_put(call->store, BW_IAM_INLINE, call->account_id, key, doc);
	json_decref(doc);
	return rc == BW_STORE_OK ? 0 : bw_iamp_store_fail(call);
}

static int s_get(struct bw_call *call, enum bw_iamp_entity e, const json_t *in, json_t *out)
{
	const char *pname = bw_iamp_str(in, "PolicyName");
	char prefix[2 * BW_IAMP_KEY_MAX], key[3 * BW_IAMP_KEY_MAX];
	json_t *ent = NULL, *doc = NULL;
	if (s_locate(call, e, in, &ent, prefix, sizeof prefix, pname, key, sizeof key) != 0)
		return -1;
	int rc = bw_doc_get(call->store, BW_IAM_INLINE, call->account_id, key, &doc);
	if (rc == BW_STORE_NOT_FOUND) {
		json_decref(ent);
		return bw_fail(call, IAM_NO_SUCH_INLINE_POLICY, bw_iamp_entity_word(e), pname);
	}
	if (rc != BW_STORE_OK) {
		json_decref(ent);
		return bw_iamp_store_fail(call);
	}
	rc = json_object_set(out, s_name_member(e), json_object_get(ent, s_name_member(e))) ||
	     json_object_set(out, "PolicyName", json_object_get(doc, "PolicyName"));
	json_decref(ent);
	if (rc != 0) {
		json_decref(doc);
		return bw_iamp_oom(call);
	}
	rc = bw_iamp_set_doc(call, out, "PolicyDocument", bw_iamp_str(doc, "PolicyDocument"));
	json_decref(doc);
	return rc;
}

static int s_delete_txn(struct bw_call *call, enum bw_iamp_entity e, const json_t *in)
{
	const char *pname = bw_iamp_str(in, "PolicyName");
	char prefix[2 * BW_IAMP_KEY_MAX], key[3 * BW_IAMP_KEY_MAX];
	json_t *ent = NULL;
	if (s_locate(call, e, in, &ent, prefix, sizeof prefix, pname, key, sizeof key) != 0)
		return -1;
	json_decref(ent);
	int rc = bw_doc_delete(call->store, BW_IAM_INLINE, call->account_id, key);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, IAM_NO_SUCH_INLINE_POLICY, bw_iamp_entity_word(e), pname);
	return rc == BW_STORE_OK ? 0 : bw_iamp_store_fail(call);
}

static int s_list(struct bw_call *call, enum bw_iamp_entity e, const json_t *in, json_t *out)
{
	char prefix[2 * BW_IAMP_KEY_MAX], key[BW_IAMP_KEY_MAX + 1];
	json_t *ent = NULL, *items = NULL;
	struct bw_iamp_page pg;
	bool truncated;
	if (bw_iamp_page_in(call, in, &pg) != 0 ||
	    s_locate(call, e, in, &ent, prefix, sizeof prefix, NULL, key, sizeof key) != 0)
		return -1;
	json_decref(ent);
	if (bw_iamp_collect(call, BW_IAM_INLINE, prefix, &pg, NULL, NULL, &items, &truncated) != 0)
		return -1;
	json_t *names = json_array();
	if (!names || json_object_set_new(out, "PolicyNames", names) != 0) {
		json_decref(items);
		return bw_iamp_oom(call);
	}
	size_t i;
	json_t *it;
	const char *last = NULL;
	json_array_foreach(items, i, it)
	{
		if (json_array_append(
		        names, json_object_get(json_object_get(it, "doc"), "PolicyName")) != 0) {
			json_decref(items);
			return bw_iamp_oom(call);
		}
		last = json_string_value(json_object_get(it, "key"));
	}
	int rc = bw_iamp_page_out(call, out, truncated, last);
	json_decref(items);
	return rc;
}

/* --- the table's handlers ---------------------------------------------------
 */

#define S_TXN_WRAPPERS(ent, suffix)                                                                \
	static int s_put_##suffix(struct bw_call *call, const json_t *in, json_t *out)             \
	{                                                                                          \
		(void)out;                                                                         \
		return s_put_txn(call, ent, in);                                                   \
	}                                                                                          \
	static int s_delete_##suffix(struct bw_call *call, const json_t *in, json_t *out)          \
	{                                                                                          \
		(void)out;                                                                         \
		return s_delete_txn(call, ent, in);                                                \
	}

S_TXN_WRAPPERS(BW_IAMP_USER, user)
S_TXN_WRAPPERS(BW_IAMP_GROUP, group)
S_TXN_WRAPPERS(BW_IAMP_ROLE, role)

int bw_iamp_put_user_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_put_user, in, out);
}
int bw_iamp_put_group_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_put_group, in, out);
}
int bw_iamp_put_role_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iam_modifiable_role_txn(call, s_put_role, in, out);
}
int bw_iamp_delete_user_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_delete_user, in, out);
}
int bw_iamp_delete_group_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_delete_group, in, out);
}
int bw_iamp_delete_role_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iam_modifiable_role_txn(call, s_delete_role, in, out);
}
int bw_iamp_get_user_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_get(call, BW_IAMP_USER, in, out);
}
int bw_iamp_get_group_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_get(call, BW_IAMP_GROUP, in, out);
}
int bw_iamp_get_role_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_get(call, BW_IAMP_ROLE, in, out);
}
int bw_iamp_list_user_policies(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_list(call, BW_IAMP_USER, in, out);
}
int bw_iamp_list_group_policies(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_list(call, BW_IAMP_GROUP, in, out);
}
int bw_iamp_list_role_policies(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_list(call, BW_IAMP_ROLE, in, out);
}
