/*
 * iam_instance_profiles.c: IAM instance profiles — Create/Get/Delete,
 * Add/RemoveRoleToInstanceProfile, ListInstanceProfiles(ForRole) and tags.
 *
 * A profile is an iam/instance-profile document keyed by its lower-cased
 * name (names are unique case-insensitively): {Path, InstanceProfileName,
 * InstanceProfileId, Arn, CreateDate, RoleKey?, RoleId?, Tags}. It holds at
 * most one role ("Cannot exceed quota for InstanceSessionsPerInstanceProfile:
 * 1"), kept by key and unique id; its answer shows the role as it stands.
 * Each membership is also indexed role-first (iam/role-instance-profile,
 * "<role key>/<profile key>") so that DeleteRole can refuse a role still in
 * a profile and ListInstanceProfilesForRole can page, both without a scan.
 */
#include <stdio.h>
#include <string.h>

#include "gateway/resource.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "services/iam/iam_util.h"
#include "services/service.h"
#include "store/doc.h"

#define S_KIND BW_IAM_INSTANCE_PROFILE

static int s_no_profile(struct bw_call *call, const char *name)
{
	return bw_fail(call, IAM_NO_SUCH_INSTANCE_PROFILE, name);
}

/* The profile named in the request (NoSuchEntity when absent), and its key. */
static int s_get(struct bw_call *call, const json_t *in, json_t **doc, char key[BW_IAMP_KEY_MAX])
{
	const char *name = bw_iamp_str(in, "InstanceProfileName");
	*doc = NULL;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "InstanceProfileName");
	if (bw_iamp_name_key(call, name, key) != 0)
		return -1;
	int rc = bw_doc_get(call->store, S_KIND, call->account_id, key, doc);
	if (rc == BW_STORE_NOT_FOUND)
		return s_no_profile(call, name);
	return rc == BW_STORE_OK ? 0 : bw_iamp_store_fail(call);
}

/* The Role as a profile shows it: its trust policy URL-encoded, and
 * neither tags, boundary nor last use (as AWS lists it there). */
static json_t *s_role_out(struct bw_call *call, const json_t *role)
{
	json_t *o = json_deep_copy(role);
	if (!o) {
		bw_iamp_oom(call);
		return NULL;
	}
	json_object_del(o, "Tags");
	json_object_del(o, "PermissionsBoundary");
	json_object_del(o, "RoleLastUsed");
	if (bw_iamp_set_doc(call, o, "AssumeRolePolicyDocument",
	                    bw_iamp_str(role, "AssumeRolePolicyDocument")) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The InstanceProfile of the output shape: Roles with the current role;
 * Tags only when it has some (AWS leaves an empty list out). */
static json_t *s_profile_out(struct bw_call *call, const json_t *doc, bool with_tags)
{
	json_t *o = json_pack(
	    "{s:O, s:O, s:O, s:O, s:O, s:[]}", "Path", json_object_get(doc, "Path"),
	    "InstanceProfileName", json_object_get(doc, "InstanceProfileName"), "InstanceProfileId",
	    json_object_get(doc, "InstanceProfileId"), "Arn", json_object_get(doc, "Arn"),
	    "CreateDate", json_object_get(doc, "CreateDate"), "Roles");
	if (!o) {
		bw_iamp_oom(call);
		return NULL;
	}
	const char *rkey = bw_iamp_str(doc, "RoleKey"), *rid = bw_iamp_str(doc, "RoleId");
	if (rkey) {
		json_t *role = NULL;
		int rc = bw_doc_get(call->store, BW_IAM_ROLE, call->account_id, rkey, &role);
		/* DeleteRole refuses a role in a profile: a role missing or of
		 * another id here is a store out of step, not an empty profile */
		if (rc != BW_STORE_OK || !rid || !bw_iamp_str(role, "RoleId") ||
		    strcmp(bw_iamp_str(role, "RoleId"), rid) != 0) {
			json_decref(role);
			json_decref(o);
			bw_iamp_store_fail(call);
			return NULL;
		}
		json_t *r = s_role_out(call, role);
		json_decref(role);
		if (!r || json_array_append_new(json_object_get(o, "Roles"), r) != 0) {
			json_decref(o);
			return call->failed ? NULL : (bw_iamp_oom(call), NULL);
		}
	}
	const json_t *tags = json_object_get(doc, "Tags");
	if (with_tags && json_array_size(tags) > 0 &&
	    json_object_set(o, "Tags", (json_t *)tags) != 0) {
		json_decref(o);
		bw_iamp_oom(call);
		return NULL;
	}
	return o;
}

static int s_set_out(struct bw_call *call, json_t *out, const json_t *doc)
{
	json_t *o = s_profile_out(call, doc, true);
	if (!o)
		return -1;
	return json_object_set_new(out, "InstanceProfile", o) == 0 ? 0 : bw_iamp_oom(call);
}

/* --- Create / Get / Delete ---------------------------------------------- */

static int s_create_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iamp_str(in, "InstanceProfileName");
	const char *path = bw_iamp_str(in, "Path");
	const json_t *tags = json_object_get(in, "Tags");
	char key[BW_IAMP_KEY_MAX], id[32], arn[1024];
	if (!path)
		path = "/";
	if (bw_iamp_check_name(call, name, "instanceProfileName") != 0 ||
	    bw_iamp_check_path(call, path) != 0 || bw_iamp_name_key(call, name, key) != 0)
		return -1;
	if (bw_iam_new_id("AIPA", id, sizeof id) != 0)
		return bw_iamp_oom(call);
	int n = snprintf(arn, sizeof arn, "arn:aws:iam::%s:instance-profile%s%s", call->account_id,
	                 path, name);
	if (n < 0 || (size_t)n >= sizeof arn)
		return bw_iamp_oom(call);
	json_t *doc =
	    json_pack("{s:s, s:s, s:s, s:s, s:f, s:[]}", "Path", path, "InstanceProfileName", name,
	              "InstanceProfileId", id, "Arn", arn, "CreateDate", call->now_s, "Tags");
	if (!doc)
		return bw_iamp_oom(call);
	if (tags && bw_iamp_tags_merge(call, doc, tags) != 0) {
		json_decref(doc);
		return -1;
	}
	int rc = bw_doc_create(call->store, S_KIND, call->account_id, key, doc);
	if (rc == BW_STORE_EXISTS) {
		json_decref(doc);
		return bw_fail(call, IAM_INSTANCE_PROFILE_EXISTS, name);
	}
	if (rc != BW_STORE_OK) {
		json_decref(doc);
		return bw_iamp_store_fail(call);
	}
	bw_resource_created(call, bw_iamp_str(doc, "Arn"));
	rc = s_set_out(call, out, doc);
	json_decref(doc);
	return rc;
}

int bw_iamp_create_instance_profile(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_create_txn, in, out);
}

int bw_iamp_get_instance_profile(struct bw_call *call, const json_t *in, json_t *out)
{
	char key[BW_IAMP_KEY_MAX];
	json_t *doc;
	if (s_get(call, in, &doc, key) != 0)
		return -1;
	int rc = s_set_out(call, out, doc);
	json_decref(doc);
	return rc;
}

static int s_delete_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char key[BW_IAMP_KEY_MAX];
	json_t *doc;
	if (s_get(call, in, &doc, key) != 0)
		return -1;
	bool has_role = bw_iamp_str(doc, "RoleKey") != NULL;
	json_decref(doc);
	if (has_role)
		return bw_fail(call, IAM_DELETE_CONFLICT,
		               "must remove roles from instance profile first");
	return bw_doc_delete(call->store, S_KIND, call->account_id, key) == BW_STORE_OK
	           ? 0
	           : bw_iamp_store_fail(call);
}

int bw_iamp_delete_instance_profile(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_delete_txn, in, out);
}

/* --- roles -------------------------------------------------------------- */

static int s_index_key(struct bw_call *call, const char *role_key, const char *profile_key,
                       char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s", role_key, profile_key);
	return n < 0 || (size_t)n >= size ? bw_iamp_oom(call) : 0;
}

static int s_add_role_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char key[BW_IAMP_KEY_MAX], rkey[BW_IAMP_KEY_MAX], ikey[2 * BW_IAMP_KEY_MAX + 2];
	json_t *doc = NULL, *role = NULL;
	int rc = -1;
	if (s_get(call, in, &doc, key) != 0 ||
	    bw_iamp_get_entity(call, BW_IAMP_ROLE, bw_iamp_str(in, "RoleName"), &role) != 0 ||
	    bw_iamp_name_key(call, bw_iamp_str(role, "RoleName"), rkey) != 0)
		goto done;
	if (bw_iamp_str(doc, "RoleKey")) {
		bw_fail(call, IAM_QUOTA_EXCEEDED, "InstanceSessionsPerInstanceProfile", 1);
		goto done;
	}
	json_t *idx = json_pack("{s:s, s:s}", "InstanceProfileKey", key, "RoleId",
	                        bw_iamp_str(role, "RoleId"));
	if (!idx || json_object_set_new(doc, "RoleKey", json_string(rkey)) != 0 ||
	    json_object_set(doc, "RoleId", json_object_get(role, "RoleId")) != 0 ||
	    s_index_key(call, rkey, key, ikey, sizeof ikey) != 0) {
		json_decref(idx);
		if (!call->failed)
			bw_iamp_oom(call);
		goto done;
	}
	int src = bw_doc_put(call->store, BW_IAM_ROLE_PROFILE, call->account_id, ikey, idx);
	json_decref(idx);
	if (src != BW_STORE_OK ||
	    bw_doc_update(call->store, S_KIND, call->account_id, key, doc) != BW_STORE_OK) {
		bw_iamp_store_fail(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	json_decref(role);
	return rc;
}

int bw_iamp_add_role_to_instance_profile(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iam_modifiable_role_txn(call, s_add_role_txn, in, out);
}

static int s_remove_role_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *role_name = bw_iamp_str(in, "RoleName");
	char key[BW_IAMP_KEY_MAX], rkey[BW_IAMP_KEY_MAX], ikey[2 * BW_IAMP_KEY_MAX + 2];
	json_t *doc = NULL;
	int rc = -1;
	if (s_get(call, in, &doc, key) != 0)
		goto done;
	if (!role_name || bw_iamp_name_key(call, role_name, rkey) != 0)
		goto done;
	const char *have = bw_iamp_str(doc, "RoleKey");
	if (!have || strcmp(have, rkey) != 0) {
		bw_fail(call, IAM_NO_SUCH_ENTITY, "role", role_name);
		goto done;
	}
	if (s_index_key(call, rkey, key, ikey, sizeof ikey) != 0)
		goto done;
	json_object_del(doc, "RoleKey");
	json_object_del(doc, "RoleId");
	if (bw_doc_delete(call->store, BW_IAM_ROLE_PROFILE, call->account_id, ikey) < 0 ||
	    bw_doc_update(call->store, S_KIND, call->account_id, key, doc) != BW_STORE_OK) {
		bw_iamp_store_fail(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

int bw_iamp_remove_role_from_instance_profile(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iam_modifiable_role_txn(call, s_remove_role_txn, in, out);
}

int bw_iamp_role_profile_count(struct bw_call *call, const char *role_key, size_t *n)
{
	char prefix[BW_IAMP_KEY_MAX + 2];
	snprintf(prefix, sizeof prefix, "%s/", role_key);
	return bw_doc_count(call->store, BW_IAM_ROLE_PROFILE, call->account_id, prefix, n);
}

int bw_iamp_role_profiles(struct bw_call *call, const char *role_key, json_t *arr)
{
	char prefix[BW_IAMP_KEY_MAX + 2];
	json_t *items = NULL;
	bool more = false;
	size_t i;
	json_t *it;
	snprintf(prefix, sizeof prefix, "%s/", role_key);
	struct bw_doc_page dp = {.prefix = prefix};
	if (bw_doc_list(call->store, BW_IAM_ROLE_PROFILE, call->account_id, &dp, &items, &more) !=
	    BW_STORE_OK)
		return bw_iamp_store_fail(call);
	/* a role is in at most as many profiles as exist; more pages would be
	 * an answer cut short, never allowed on this path */
	if (more) {
		json_decref(items);
		return bw_iamp_store_fail(call);
	}
	json_array_foreach(items, i, it)
	{
		const char *pkey = bw_iamp_str(json_object_get(it, "doc"), "InstanceProfileKey");
		json_t *doc = NULL, *o = NULL;
		if (!pkey ||
		    bw_doc_get(call->store, S_KIND, call->account_id, pkey, &doc) != BW_STORE_OK) {
			json_decref(items);
			return bw_iamp_store_fail(call);
		}
		o = s_profile_out(call, doc, false);
		json_decref(doc);
		if (!o || json_array_append_new(arr, o) != 0) {
			json_decref(items);
			return call->failed ? -1 : bw_iamp_oom(call);
		}
	}
	json_decref(items);
	return 0;
}

/* --- lists -------------------------------------------------------------- */

static bool s_path_passes(const json_t *doc, void *ctx)
{
	const char *prefix = ctx, *path = bw_iamp_str(doc, "Path");
	return !prefix || (path && strncmp(path, prefix, strlen(prefix)) == 0);
}

/* out.InstanceProfiles of the profiles `items` lists ({key, doc}); the
 * marker is the last item's key. load: items are index rows naming the
 * profile (InstanceProfileKey), read each. */
static int s_list_out(struct bw_call *call, json_t *out, json_t *items, bool truncated, bool load)
{
	json_t *list = json_array();
	const char *last = NULL;
	size_t i;
	json_t *it;
	if (!list || json_object_set_new(out, "InstanceProfiles", list) != 0)
		return bw_iamp_oom(call);
	json_array_foreach(items, i, it)
	{
		json_t *doc = json_incref(json_object_get(it, "doc"));
		if (load) {
			const char *pkey = bw_iamp_str(doc, "InstanceProfileKey");
			json_decref(doc);
			doc = NULL;
			if (!pkey || bw_doc_get(call->store, S_KIND, call->account_id, pkey,
			                        &doc) != BW_STORE_OK)
				return bw_iamp_store_fail(call);
		}
		/* the lists answer without tags, as AWS's do */
		json_t *o = s_profile_out(call, doc, false);
		json_decref(doc);
		if (!o || json_array_append_new(list, o) != 0)
			return call->failed ? -1 : bw_iamp_oom(call);
		last = json_string_value(json_object_get(it, "key"));
	}
	return bw_iamp_page_out(call, out, truncated, last);
}

int bw_iamp_list_instance_profiles(struct bw_call *call, const json_t *in, json_t *out)
{
	struct bw_iamp_page pg;
	json_t *items;
	bool truncated;
	const char *prefix = bw_iamp_str(in, "PathPrefix");
	if (prefix && !bw_iam_path_prefix_ok(prefix))
		return bw_fail(call, IAM_PATH_PREFIX_NOT_PATTERN, prefix);
	if (bw_iamp_page_in(call, in, &pg) != 0 ||
	    bw_iamp_collect(call, S_KIND, NULL, &pg, s_path_passes, (void *)prefix, &items,
	                    &truncated) != 0)
		return -1;
	int rc = s_list_out(call, out, items, truncated, false);
	json_decref(items);
	return rc;
}

int bw_iamp_list_instance_profiles_for_role(struct bw_call *call, const json_t *in, json_t *out)
{
	struct bw_iamp_page pg;
	json_t *role = NULL, *items = NULL;
	bool truncated;
	char rkey[BW_IAMP_KEY_MAX], prefix[BW_IAMP_KEY_MAX + 2];
	if (bw_iamp_get_entity(call, BW_IAMP_ROLE, bw_iamp_str(in, "RoleName"), &role) != 0)
		return -1;
	int rc = bw_iamp_name_key(call, bw_iamp_str(role, "RoleName"), rkey);
	json_decref(role);
	if (rc != 0)
		return -1;
	snprintf(prefix, sizeof prefix, "%s/", rkey);
	if (bw_iamp_page_in(call, in, &pg) != 0 ||
	    bw_iamp_collect(call, BW_IAM_ROLE_PROFILE, prefix, &pg, NULL, NULL, &items,
	                    &truncated) != 0)
		return -1;
	rc = s_list_out(call, out, items, truncated, true);
	json_decref(items);
	return rc;
}

/* --- tags --------------------------------------------------------------- */

static int s_retag_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	char key[BW_IAMP_KEY_MAX];
	json_t *doc;
	if (s_get(call, in, &doc, key) != 0)
		return -1;
	const json_t *tags = json_object_get(in, "Tags");
	int rc = tags ? bw_iamp_tags_merge(call, doc, tags) : 0;
	if (rc == 0) {
		bw_iamp_tags_remove(doc, json_object_get(in, "TagKeys"));
		if (bw_doc_update(call->store, S_KIND, call->account_id, key, doc) != BW_STORE_OK)
			rc = bw_iamp_store_fail(call);
	}
	json_decref(doc);
	return rc;
}

int bw_iamp_tag_instance_profile(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_retag_txn, in, out);
}

int bw_iamp_untag_instance_profile(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_retag_txn, in, out);
}

int bw_iamp_list_instance_profile_tags(struct bw_call *call, const json_t *in, json_t *out)
{
	char key[BW_IAMP_KEY_MAX];
	json_t *doc;
	if (s_get(call, in, &doc, key) != 0)
		return -1;
	int rc = bw_iamp_tags_list(call, in, doc, out);
	json_decref(doc);
	return rc;
}

/* The resource of a request naming an instance profile: the stored one
 * (its ARN with the stored name and path, its tags), else the ARN a new
 * one would have. */
int bw_iamp_instance_profile_resource(struct bw_call *call, const json_t *in,
                                      struct bw_resource *res)
{
	const char *name = bw_iamp_str(in, "InstanceProfileName");
	if (!name)
		return bw_buf_append_str(&res->arn, "*");
	return bw_iam_entity_resource(call, S_KIND, "instance-profile", name,
	                              bw_iamp_str(in, "Path"), res);
}
