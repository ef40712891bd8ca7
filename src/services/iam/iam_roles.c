/*
 * iam_roles.c: IAM roles — CreateRole, GetRole, UpdateRole,
 * UpdateRoleDescription, DeleteRole, ListRoles, UpdateAssumeRolePolicy and
 * role tags. A role's trust policy (AssumeRolePolicyDocument) is validated
 * as a trust policy and kept as text; STS reads it (iam_policy_set.h).
 */
#include <stdio.h>
#include <string.h>

#include "gateway/resource.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_principals.h"
#include "services/service.h"
#include "services/iam/iam_store.h"
#include "services/iam/iam_util.h"
#include "store/doc.h"

#define S_SESSION_MIN_S 3600

/* The Role as returned: the trust policy URL-encoded. */
static json_t *s_role_out(struct bw_call *call, const json_t *doc)
{
	json_t *o = json_deep_copy(doc);
	if (!o) {
		bw_iamp_oom(call);
		return NULL;
	}
	if (bw_iamp_set_doc(call, o, "AssumeRolePolicyDocument",
	                    bw_iamp_str(doc, "AssumeRolePolicyDocument")) != 0) {
		json_decref(o);
		return NULL;
	}
	/* AWS leaves out a list it has nothing for: no "Tags" when untagged */
	if (json_array_size(json_object_get(o, "Tags")) == 0)
		json_object_del(o, "Tags");
	return o;
}

static int s_check_trust(struct bw_call *call, const char *text)
{
	if (text && bw_iamp_doc_chars(text) > BW_IAMP_TRUST_MAX_CHARS)
		return bw_fail(call, IAM_QUOTA_EXCEEDED, "ACLSizePerRole", BW_IAMP_TRUST_MAX_CHARS);
	if (bw_iamp_check_doc(call, text, BW_POLICY_TRUST) != 0)
		return -1;
	/* every user or role it names must exist: one named before it exists
	 * would be trusted once someone creates it */
	char missing[512];
	int m = bw_iam_missing_principal(call->store, call->account_id, text, missing,
	                                 sizeof missing);
	if (m < 0)
		return bw_iamp_store_fail(call);
	if (m > 0)
		return bw_fail(call, IAM_TRUST_PRINCIPAL_INVALID, missing);
	return 0;
}

/* --- service-linked roles: what users may not change
 * ------------------------------------------------ */

bool bw_iam_role_is_service_linked(const json_t *role)
{
	return json_is_object(json_object_get(role, "ServiceLinked"));
}

/* AWS's answer to a change of a role only its service may change. */
static int s_unmodifiable(struct bw_call *call, const json_t *role)
{
	return bw_fail(call, IAM_ROLE_PROTECTED, bw_iamp_str(role, "RoleName"));
}

int bw_iam_role_modifiable_or_fail(struct bw_call *call, const json_t *in)
{
	const char *name = bw_iamp_str(in, "RoleName");
	char key[BW_IAMP_KEY_MAX];
	json_t *role = NULL;
	if (!name || bw_iam_key(name, key, sizeof key) != 0)
		return 0;
	int rc = bw_doc_get(call->store, BW_IAM_ROLE, call->account_id, key, &role);
	if (rc == BW_STORE_NOT_FOUND)
		return 0;
	if (rc != BW_STORE_OK)
		return bw_iamp_store_fail(call);
	rc = bw_iam_role_is_service_linked(role) ? s_unmodifiable(call, role) : 0;
	json_decref(role);
	return rc;
}

int bw_iam_modifiable_role_txn(struct bw_call *call,
                               int (*fn)(struct bw_call *, const json_t *, json_t *),
                               const json_t *in, json_t *out)
{
	if (bw_store_begin(call->store) != 0)
		return bw_iamp_store_fail(call);
	if (bw_iam_role_modifiable_or_fail(call, in) != 0 || fn(call, in, out) != 0) {
		bw_store_rollback(call->store);
		return -1;
	}
	if (bw_store_commit(call->store) != 0)
		return bw_iamp_store_fail(call);
	return 0;
}

static int s_set_out_role(struct bw_call *call, json_t *out, const json_t *doc)
{
	json_t *o = s_role_out(call, doc);
	if (!o)
		return -1;
	return json_object_set_new(out, "Role", o) == 0 ? 0 : bw_iamp_oom(call);
}

/* --- CreateRole
 * ---------------------------------------------------------------- */

static int s_create_role_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iamp_str(in, "RoleName");
	const char *path = bw_iamp_str(in, "Path");
	const char *trust = bw_iamp_str(in, "AssumeRolePolicyDocument");
	const char *desc = bw_iamp_str(in, "Description");
	const char *boundary = bw_iamp_str(in, "PermissionsBoundary");
	const json_t *dur = json_object_get(in, "MaxSessionDuration");
	const json_t *tags = json_object_get(in, "Tags");
	char key[BW_IAMP_KEY_MAX], id[32], arn[1024];
	json_t *doc = NULL;
	if (!path)
		path = "/";
	if (bw_iamp_check_name(call, name, "roleName") != 0 ||
	    bw_iamp_check_path(call, path) != 0 || bw_iamp_name_key(call, name, key) != 0 ||
	    s_check_trust(call, trust) != 0)
		return -1;
	if (boundary) {
		json_t *pol;
		bool aws;
		if (bw_iamp_find_policy(call, boundary, true, &pol, &aws) != 0)
			return -1;
		json_decref(pol);
	}
	if (bw_iam_new_id("AROA", id, sizeof id) != 0)
		return bw_iamp_oom(call);
	snprintf(arn, sizeof arn, "arn:aws:iam::%s:role%s%s", call->account_id, path, name);
	doc = json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:I,s:[],s:{}}", "Path", path, "RoleName", name,
	                "RoleId", id, "Arn", arn, "CreateDate", call->now_s,
	                "AssumeRolePolicyDocument", trust, "MaxSessionDuration",
	                dur ? json_integer_value(dur) : (json_int_t)S_SESSION_MIN_S, "Tags",
	                "RoleLastUsed");
	if (!doc || (desc && json_object_set_new(doc, "Description", json_string(desc)) != 0)) {
		json_decref(doc);
		return bw_iamp_oom(call);
	}
	if ((tags && bw_iamp_tags_merge(call, doc, tags) != 0) ||
	    bw_iamp_set_boundary(call, BW_IAMP_ROLE, doc, key, boundary) != 0) {
		json_decref(doc);
		return -1;
	}
	int rc = bw_doc_create(call->store, BW_IAM_ROLE, call->account_id, key, doc);
	if (rc == BW_STORE_EXISTS) {
		json_decref(doc);
		return bw_fail(call, IAM_ENTITY_EXISTS, "Role", name);
	}
	json_t *idoc = json_pack("{s:s,s:s}", "Kind", "role", "Name", name);
	if (rc != BW_STORE_OK || !idoc ||
	    bw_doc_create(call->store, BW_IAM_ID, call->account_id, id, idoc) != 0) {
		json_decref(idoc);
		json_decref(doc);
		return bw_iamp_store_fail(call);
	}
	json_decref(idoc);
	bw_resource_created(call, bw_iamp_str(doc, "Arn"));
	/* CreateRole's Role has no RoleLastUsed (GetRole's has it), as AWS
	 * answers */
	json_t *o = s_role_out(call, doc);
	json_decref(doc);
	if (!o)
		return -1;
	json_object_del(o, "RoleLastUsed");
	return json_object_set_new(out, "Role", o) == 0 ? 0 : bw_iamp_oom(call);
}

int bw_iamp_create_role(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_create_role_txn, in, out);
}

/* --- GetRole / ListRoles
 * --------------------------------------------------------- */

int bw_iamp_get_role(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *doc;
	if (bw_iamp_get_entity(call, BW_IAMP_ROLE, bw_iamp_str(in, "RoleName"), &doc) != 0)
		return -1;
	int rc = s_set_out_role(call, out, doc);
	json_decref(doc);
	return rc;
}

static bool s_path_passes(const json_t *doc, void *ctx)
{
	const char *prefix = ctx, *path = bw_iamp_str(doc, "Path");
	return !prefix || (path && strncmp(path, prefix, strlen(prefix)) == 0);
}

int bw_iamp_list_roles(struct bw_call *call, const json_t *in, json_t *out)
{
	struct bw_iamp_page pg;
	json_t *items;
	bool truncated;
	if (bw_iamp_page_in(call, in, &pg) != 0 ||
	    bw_iamp_collect(call, BW_IAM_ROLE, NULL, &pg, s_path_passes,
	                    (void *)bw_iamp_str(in, "PathPrefix"), &items, &truncated) != 0)
		return -1;
	json_t *list = json_array();
	if (!list || json_object_set_new(out, "Roles", list) != 0) {
		json_decref(items);
		return bw_iamp_oom(call);
	}
	size_t i;
	json_t *it;
	const char *last = NULL;
	json_array_foreach(items, i, it)
	{
		json_t *o = s_role_out(call, json_object_get(it, "doc"));
		/* ListRoles leaves out tags, boundary and last use, as AWS does */
		if (o) {
			json_object_del(o, "Tags");
			json_object_del(o, "PermissionsBoundary");
			json_object_del(o, "RoleLastUsed");
		}
		if (!o || json_array_append_new(list, o) != 0) {
			json_decref(items);
			return call->failed ? -1 : bw_iamp_oom(call);
		}
		last = json_string_value(json_object_get(it, "key"));
	}
	int rc = bw_iamp_page_out(call, out, truncated, last);
	json_decref(items);
	return rc;
}

/* --- updates
 * -------------------------------------------------------------------- */

/* Load the role, let `edit` change it, store it; the role is returned in
 * *doc when doc is not NULL. */
typedef int (*s_edit_fn)(struct bw_call *call, const json_t *in, json_t *role);

static int s_edit_role(struct bw_call *call, const json_t *in, s_edit_fn edit, json_t **doc)
{
	const char *name = bw_iamp_str(in, "RoleName");
	char key[BW_IAMP_KEY_MAX];
	json_t *role;
	if (bw_iamp_get_entity(call, BW_IAMP_ROLE, name, &role) != 0)
		return -1;
	if (bw_iamp_name_key(call, name, key) != 0 || edit(call, in, role) != 0) {
		json_decref(role);
		return -1;
	}
	if (bw_doc_update(call->store, BW_IAM_ROLE, call->account_id, key, role) != 0) {
		json_decref(role);
		return bw_iamp_store_fail(call);
	}
	if (doc)
		*doc = role;
	else
		json_decref(role);
	return 0;
}

static int s_edit_update(struct bw_call *call, const json_t *in, json_t *role)
{
	const json_t *desc = json_object_get(in, "Description");
	const json_t *dur = json_object_get(in, "MaxSessionDuration");
	/* the description stays the user's; the session length is the service's */
	if (dur && bw_iam_role_is_service_linked(role))
		return bw_fail(call, IAM_SLR_SESSION_DURATION_FIXED, bw_iamp_str(role, "RoleName"));
	if ((desc && json_object_set(role, "Description", (json_t *)desc) != 0) ||
	    (dur && json_object_set(role, "MaxSessionDuration", (json_t *)dur) != 0))
		return bw_iamp_oom(call);
	return 0;
}

static int s_edit_trust(struct bw_call *call, const json_t *in, json_t *role)
{
	const char *text = bw_iamp_str(in, "PolicyDocument");
	if (bw_iam_role_is_service_linked(role))
		return s_unmodifiable(call, role);
	if (s_check_trust(call, text) != 0)
		return -1;
	return json_object_set_new(role, "AssumeRolePolicyDocument", json_string(text)) == 0
	           ? 0
	           : bw_iamp_oom(call);
}

static int s_edit_tags(struct bw_call *call, const json_t *in, json_t *role)
{
	const json_t *tags = json_object_get(in, "Tags");
	if (tags && bw_iamp_tags_merge(call, role, tags) != 0)
		return -1;
	bw_iamp_tags_remove(role, json_object_get(in, "TagKeys"));
	return 0;
}

static int s_update_role_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_edit_role(call, in, s_edit_update, NULL);
}

static int s_update_description_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *role;
	if (s_edit_role(call, in, s_edit_update, &role) != 0)
		return -1;
	int rc = s_set_out_role(call, out, role);
	json_decref(role);
	return rc;
}

static int s_update_trust_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_edit_role(call, in, s_edit_trust, NULL);
}

static int s_retag_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_edit_role(call, in, s_edit_tags, NULL);
}

int bw_iamp_update_role(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_update_role_txn, in, out);
}

int bw_iamp_update_role_description(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_update_description_txn, in, out);
}

int bw_iamp_update_assume_role_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_update_trust_txn, in, out);
}

int bw_iamp_tag_role(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_retag_txn, in, out);
}

int bw_iamp_untag_role(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_retag_txn, in, out);
}

int bw_iamp_list_role_tags(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *role;
	if (bw_iamp_get_entity(call, BW_IAMP_ROLE, bw_iamp_str(in, "RoleName"), &role) != 0)
		return -1;
	int rc = bw_iamp_tags_list(call, in, role, out);
	json_decref(role);
	return rc;
}

/* --- DeleteRole
 * ------------------------------------------------------------------- */

static int s_delete_role_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = bw_iamp_str(in, "RoleName");
	char key[BW_IAMP_KEY_MAX], prefix[BW_IAMP_KEY_MAX + 8];
	json_t *role;
	size_t n_inline = 0, n_attached = 0;
	if (bw_iamp_get_entity(call, BW_IAMP_ROLE, name, &role) != 0)
		return -1;
	/* a service-linked role goes only through DeleteServiceLinkedRole */
	if (bw_iam_role_is_service_linked(role)) {
		s_unmodifiable(call, role);
		goto fail;
	}
	if (bw_iamp_name_key(call, name, key) != 0)
		goto fail;
	snprintf(prefix, sizeof prefix, "role/%s/", key);
	if (bw_doc_count(call->store, BW_IAM_INLINE, call->account_id, prefix, &n_inline) != 0 ||
	    bw_doc_count(call->store, BW_IAM_ATTACHED, call->account_id, prefix, &n_attached) !=
	        0) {
		bw_iamp_store_fail(call);
		goto fail;
	}
	if (n_attached > 0) {
		bw_fail(call, IAM_DELETE_CONFLICT, "must detach all policies first");
		goto fail;
	}
	size_t n_profiles = 0;
	if (bw_iamp_role_profile_count(call, key, &n_profiles) != BW_STORE_OK) {
		bw_iamp_store_fail(call);
		goto fail;
	}
	if (n_profiles > 0) {
		bw_fail(call, IAM_DELETE_CONFLICT, "must remove roles from instance profile first");
		goto fail;
	}
	if (n_inline > 0) {
		bw_fail(call, IAM_DELETE_CONFLICT, "must delete policies first");
		goto fail;
	}
	/* the boundary goes with the role: its usage count follows */
	if (bw_iamp_set_boundary(call, BW_IAMP_ROLE, role, key, NULL) != 0)
		goto fail;
	const char *id = bw_iamp_str(role, "RoleId");
	const char *arn = bw_iamp_str(role, "Arn");
	/* resource policies naming the role now name its unique id (AWS's
	 * binding): a new role of this name is not the one they trusted */
	if (bw_doc_delete(call->store, BW_IAM_ROLE, call->account_id, key) != 0 ||
	    (id && bw_doc_delete(call->store, BW_IAM_ID, call->account_id, id) < 0) ||
	    (id && arn && bw_services_principal_deleted(call->store, call->account_id, arn, id) != 0)) {
		bw_iamp_store_fail(call);
		goto fail;
	}
	json_decref(role);
	return 0;
fail:
	json_decref(role);
	return -1;
}

int bw_iamp_delete_role(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_delete_role_txn, in, out);
}
