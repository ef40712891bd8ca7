/*
 * iam_attach.c: managed policies attached to users, groups and roles
 * (Attach/Detach{User,Group,Role}Policy, ListAttached*Policies,
 * ListEntitiesForPolicy) and permissions boundaries
 * (Put/Delete{User,Role}PermissionsBoundary). Each attachment is two
 * records (iam/attached from the entity, iam/policy-entity from the
 * policy) and the policy's AttachmentCount; a boundary is the entity's
 * "PermissionsBoundary", an iam/boundary-entity record and the policy's
 * PermissionsBoundaryUsageCount. All in one transaction.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_util.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

static const char *s_name_member(enum bw_iamp_entity e)
{
	return e == BW_IAMP_USER ? "UserName" : e == BW_IAMP_GROUP ? "GroupName" : "RoleName";
}

static bool s_is_aws_arn(const char *arn)
{
	return strncmp(arn, "arn:aws:iam::aws:", 17) == 0;
}

/* The path part of a policy ARN: "arn:aws:iam::A:policy/p/q/Name" -> "/p/q/".
 */
static bool s_arn_path_has_prefix(const char *arn, const char *prefix)
{
	const char *p = strstr(arn, ":policy/");
	if (!prefix)
		return true;
	if (!p)
		return false;
	p += 7;
	const char *last = strrchr(p, '/');
	size_t plen = (size_t)(last - p) + 1, n = strlen(prefix);
	return n <= plen && strncmp(p, prefix, n) == 0;
}

/* --- Attach / Detach
 * ---------------------------------------------------------- */

static int s_attach_txn(struct bw_call *call, enum bw_iamp_entity e, const json_t *in)
{
	const char *name = bw_iamp_str(in, s_name_member(e));
	const char *arn = bw_iamp_str(in, "PolicyArn");
	char ek[BW_IAMP_KEY_MAX], prefix[2 * BW_IAMP_KEY_MAX], key[4 * BW_IAMP_KEY_MAX];
	char pekey[4 * BW_IAMP_KEY_MAX];
	json_t *ent, *pol, *ad = NULL, *pe = NULL;
	bool aws;
	size_t n = 0;
	if (bw_iamp_get_entity(call, e, name, &ent) != 0)
		return -1;
	if (bw_iamp_find_policy(call, arn, true, &pol, &aws) != 0) {
		json_decref(ent);
		return -1;
	}
	if (bw_iam_key(name, ek, sizeof ek) != 0 || strlen(arn) > 2048)
		goto store_fail;
	snprintf(prefix, sizeof prefix, "%s/%s/", bw_iamp_entity_word(e), ek);
	snprintf(key, sizeof key, "%s%s", prefix, arn);
	snprintf(pekey, sizeof pekey, "%s/%s/%s", arn, bw_iamp_entity_word(e), ek);
	int rc = bw_doc_get(call->store, BW_IAM_ATTACHED, call->account_id, key, &ad);
	json_decref(ad);
	ad = NULL;
	if (rc == BW_STORE_OK)
		goto done; /* attaching twice changes nothing */
	if (rc != BW_STORE_NOT_FOUND ||
	    bw_doc_count(call->store, BW_IAM_ATTACHED, call->account_id, prefix, &n) != 0)
		goto store_fail;
	if (n >= BW_IAMP_MAX_ATTACHED) {
		char quota[32];
		snprintf(quota, sizeof quota, "PoliciesPer%s", bw_iamp_entity_type(e));
		bw_fail(call, IAM_QUOTA_EXCEEDED, quota, BW_IAMP_MAX_ATTACHED);
		goto fail;
	}
	ad = json_pack("{s:s,s:O}", "PolicyArn", arn, "PolicyName",
	               json_object_get(pol, "PolicyName"));
	pe = json_pack("{s:s,s:O}", "EntityType", bw_iamp_entity_type(e), "EntityName",
	               json_object_get(ent, s_name_member(e)));
	if (!ad || !pe) {
		bw_iamp_oom(call);
		goto fail;
	}
	if (bw_doc_create(call->store, BW_IAM_ATTACHED, call->account_id, key, ad) != 0 ||
	    bw_doc_put(call->store, BW_IAM_POLICY_ENTITY, call->account_id, pekey, pe) != 0)
		goto store_fail;
	if (bw_iamp_adjust_count(call, arn, aws, "AttachmentCount", 1) != 0)
		goto fail;
done:
	json_decref(ent);
	json_decref(pol);
	json_decref(ad);
	json_decref(pe);
	return 0;
store_fail:
	bw_iamp_store_fail(call);
fail:
	json_decref(ent);
	json_decref(pol);
	json_decref(ad);
	json_decref(pe);
	return -1;
}

static int s_detach_txn(struct bw_call *call, enum bw_iamp_entity e, const json_t *in)
{
	const char *name = bw_iamp_str(in, s_name_member(e));
	const char *arn = bw_iamp_str(in, "PolicyArn");
	char ek[BW_IAMP_KEY_MAX], key[4 * BW_IAMP_KEY_MAX], pekey[4 * BW_IAMP_KEY_MAX];
	json_t *ent;
	if (bw_iamp_get_entity(call, e, name, &ent) != 0)
		return -1;
	json_decref(ent);
	if (!arn)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "PolicyArn");
	if (bw_iam_key(name, ek, sizeof ek) != 0 || strlen(arn) > 2048)
		return bw_iamp_store_fail(call);
	snprintf(key, sizeof key, "%s/%s/%s", bw_iamp_entity_word(e), ek, arn);
	snprintf(pekey, sizeof pekey, "%s/%s/%s", arn, bw_iamp_entity_word(e), ek);
	int rc = bw_doc_delete(call->store, BW_IAM_ATTACHED, call->account_id, key);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, IAM_POLICY_NOT_FOUND, arn);
	if (rc != BW_STORE_OK ||
	    bw_doc_delete(call->store, BW_IAM_POLICY_ENTITY, call->account_id, pekey) < 0)
		return bw_iamp_store_fail(call);
	return bw_iamp_adjust_count(call, arn, s_is_aws_arn(arn), "AttachmentCount", -1);
}

/* --- ListAttached*Policies
 * ----------------------------------------------------- */

static bool s_attached_passes(const json_t *doc, void *ctx)
{
	const char *arn = bw_iamp_str(doc, "PolicyArn");
	return arn && s_arn_path_has_prefix(arn, ctx);
}

static int s_list_attached(struct bw_call *call, enum bw_iamp_entity e, const json_t *in,
                           json_t *out)
{
	const char *name = bw_iamp_str(in, s_name_member(e));
	char ek[BW_IAMP_KEY_MAX], prefix[2 * BW_IAMP_KEY_MAX];
	struct bw_iamp_page pg;
	json_t *ent, *items;
	bool truncated;
	if (bw_iamp_page_in(call, in, &pg) != 0 || bw_iamp_get_entity(call, e, name, &ent) != 0)
		return -1;
	json_decref(ent);
	if (bw_iam_key(name, ek, sizeof ek) != 0)
		return bw_iamp_store_fail(call);
	snprintf(prefix, sizeof prefix, "%s/%s/", bw_iamp_entity_word(e), ek);
	if (bw_iamp_collect(call, BW_IAM_ATTACHED, prefix, &pg, s_attached_passes,
	                    (void *)bw_iamp_str(in, "PathPrefix"), &items, &truncated) != 0)
		return -1;
	json_t *list = json_array();
	if (!list || json_object_set_new(out, "AttachedPolicies", list) != 0) {
		json_decref(items);
		return bw_iamp_oom(call);
	}
	size_t i;
	json_t *it;
	const char *last = NULL;
	json_array_foreach(items, i, it)
	{
		json_t *d = json_object_get(it, "doc");
		if (json_array_append_new(
		        list, json_pack("{s:O,s:O}", "PolicyName", json_object_get(d, "PolicyName"),
		                        "PolicyArn", json_object_get(d, "PolicyArn"))) != 0) {
			json_decref(items);
			return bw_iamp_oom(call);
		}
		last = json_string_value(json_object_get(it, "key"));
	}
	int rc = bw_iamp_page_out(call, out, truncated, last);
	json_decref(items);
	return rc;
}

/* --- ListEntitiesForPolicy
 * ------------------------------------------------------ */

struct s_entity_filter {
	struct bw_call *call;
	const char *type;        /* "User", "Group", "Role" or NULL for all */
	const char *path_prefix; /* of the entity */
};

static enum bw_iamp_entity s_entity_of(const char *type)
{
	return strcmp(type, "User") == 0    ? BW_IAMP_USER
	       : strcmp(type, "Group") == 0 ? BW_IAMP_GROUP
	                                    : BW_IAMP_ROLE;
}

/* The entity's document, or NULL (gone, or a store error). */
static json_t *s_entity_doc(struct bw_call *call, const json_t *rel)
{
	const char *type = bw_iamp_str(rel, "EntityType");
	const char *name = bw_iamp_str(rel, "EntityName");
	char ek[BW_IAMP_KEY_MAX];
	json_t *doc = NULL;
	if (!type || !name || bw_iam_key(name, ek, sizeof ek) != 0)
		return NULL;
	if (bw_doc_get(call->store, bw_iamp_entity_kind(s_entity_of(type)), call->account_id, ek,
	               &doc) != 0)
		return NULL;
	return doc;
}

static bool s_entity_passes(const json_t *rel, void *ctx)
{
	const struct s_entity_filter *f = ctx;
	const char *type = bw_iamp_str(rel, "EntityType");
	if (!type || (f->type && strcmp(type, f->type) != 0))
		return false;
	json_t *doc = s_entity_doc(f->call, rel);
	const char *path = bw_iamp_str(doc, "Path");
	bool ok = doc && (!f->path_prefix ||
	                  (path && strncmp(path, f->path_prefix, strlen(f->path_prefix)) == 0));
	json_decref(doc);
	return ok;
}

static int s_add_entity(struct bw_call *call, json_t *out, const json_t *rel)
{
	static const char *const lists[] = {"PolicyUsers", "PolicyGroups", "PolicyRoles"};
	static const char *const ids[] = {"UserId", "GroupId", "RoleId"};
	enum bw_iamp_entity e = s_entity_of(bw_iamp_str(rel, "EntityType"));
	json_t *doc = s_entity_doc(call, rel);
	if (!doc)
		return 0;
	const char *nm = e == BW_IAMP_USER    ? "UserName"
	                 : e == BW_IAMP_GROUP ? "GroupName"
	                                      : "RoleName";
	json_t *o = json_pack("{s:O,s:O}", nm, json_object_get(doc, nm), ids[e],
	                      json_object_get(doc, ids[e]));
	json_decref(doc);
	if (!o || json_array_append_new(json_object_get(out, lists[e]), o) != 0)
		return bw_iamp_oom(call);
	return 0;
}

int bw_iamp_list_entities_for_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *arn = bw_iamp_str(in, "PolicyArn");
	const char *filter = bw_iamp_str(in, "EntityFilter");
	const char *usage = bw_iamp_str(in, "PolicyUsageFilter");
	struct s_entity_filter f = {.call = call, .path_prefix = bw_iamp_str(in, "PathPrefix")};
	struct bw_iamp_page pg;
	json_t *pol;
	bool aws, truncated = false;
	if (bw_iamp_page_in(call, in, &pg) != 0 ||
	    bw_iamp_find_policy(call, arn, false, &pol, &aws) != 0)
		return -1;
	json_decref(pol);
	if (filter && (strcmp(filter, "User") == 0 || strcmp(filter, "Group") == 0 ||
	               strcmp(filter, "Role") == 0))
		f.type = filter;
	else if (filter && strcmp(filter, "AWSManagedPolicy") == 0 && !aws)
		f.type = "none";
	else if (filter && strcmp(filter, "LocalManagedPolicy") == 0 && aws)
		f.type = "none";
	if (json_object_set_new(out, "PolicyUsers", json_array()) != 0 ||
	    json_object_set_new(out, "PolicyGroups", json_array()) != 0 ||
	    json_object_set_new(out, "PolicyRoles", json_array()) != 0)
		return bw_iamp_oom(call);
	/* permissions-policy users ("P<key>") then boundary users ("B<key>") */
	const char *kinds[2] = {BW_IAM_POLICY_ENTITY, BW_IAM_BOUNDARY_ENTITY};
	const char letters[2] = {'P', 'B'};
	bool want[2] = {!usage || strcmp(usage, "PermissionsPolicy") == 0,
	                !usage || strcmp(usage, "PermissionsBoundary") == 0};
	size_t start = 0;
	const char *after = NULL;
	if (pg.after) {
		start = pg.after[0] == 'B' ? 1 : 0;
		if (pg.after[0] != 'P' && pg.after[0] != 'B')
			return bw_fail(call, IAM_MARKER_INVALID);
		after = pg.after + 1;
	}
	char prefix[2100];
	snprintf(prefix, sizeof prefix, "%s/", arn);
	struct bw_buf marker = {0};
	size_t got = 0;
	for (size_t s = start; s < 2 && !truncated; s++) {
		if (!want[s])
			continue;
		struct bw_iamp_page sp = {.after = s == start ? after : NULL, .max = pg.max - got};
		json_t *items;
		if (bw_iamp_collect(call, kinds[s], prefix, &sp, s_entity_passes, &f, &items,
		                    &truncated) != 0) {
			bw_buf_free(&marker);
			return -1;
		}
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			bw_buf_reset(&marker);
			if (s_add_entity(call, out, json_object_get(it, "doc")) != 0 ||
			    bw_buf_append_byte(&marker, (uint8_t)letters[s]) != 0 ||
			    bw_buf_append_str(&marker,
			                      json_string_value(json_object_get(it, "key"))) != 0) {
				json_decref(items);
				bw_buf_free(&marker);
				return call->failed ? -1 : bw_iamp_oom(call);
			}
			got++;
		}
		json_decref(items);
	}
	int rc = bw_iamp_page_out(call, out, truncated, bw_buf_cstr(&marker));
	bw_buf_free(&marker);
	return rc;
}

/* --- permissions boundaries
 * ------------------------------------------------------- */

int bw_iamp_set_boundary(struct bw_call *call, enum bw_iamp_entity e, json_t *doc, const char *key,
                         const char *arn)
{
	const char *old =
	    bw_iamp_str(json_object_get(doc, "PermissionsBoundary"), "PermissionsBoundaryArn");
	char bkey[4 * BW_IAMP_KEY_MAX];
	if ((old && arn && strcmp(old, arn) == 0) || (!old && !arn))
		return 0;
	if (old) {
		snprintf(bkey, sizeof bkey, "%s/%s/%s", old, bw_iamp_entity_word(e), key);
		if (bw_doc_delete(call->store, BW_IAM_BOUNDARY_ENTITY, call->account_id, bkey) <
		        0 ||
		    bw_iamp_adjust_count(call, old, s_is_aws_arn(old),
		                         "PermissionsBoundaryUsageCount", -1) != 0)
			return call->failed ? -1 : bw_iamp_store_fail(call);
		if (json_object_del(doc, "PermissionsBoundary") != 0)
			return bw_iamp_store_fail(call);
	}
	if (!arn)
		return 0;
	if (strlen(arn) > 2048)
		return bw_fail(call, IAM_ARN_INVALID, arn);
	snprintf(bkey, sizeof bkey, "%s/%s/%s", arn, bw_iamp_entity_word(e), key);
	json_t *rel = json_pack("{s:s,s:O}", "EntityType", bw_iamp_entity_type(e), "EntityName",
	                        json_object_get(doc, s_name_member(e)));
	json_t *pb = json_pack("{s:s,s:s}", "PermissionsBoundaryType", "PermissionsBoundaryPolicy",
	                       "PermissionsBoundaryArn", arn);
	if (!rel || !pb || json_object_set_new(doc, "PermissionsBoundary", pb) != 0) {
		json_decref(rel);
		return bw_iamp_oom(call);
	}
	int rc = bw_doc_put(call->store, BW_IAM_BOUNDARY_ENTITY, call->account_id, bkey, rel);
	json_decref(rel);
	if (rc != BW_STORE_OK)
		return bw_iamp_store_fail(call);
	return bw_iamp_adjust_count(call, arn, s_is_aws_arn(arn), "PermissionsBoundaryUsageCount",
	                            1);
}

static int s_boundary_txn(struct bw_call *call, enum bw_iamp_entity e, const json_t *in, bool put)
{
	const char *name = bw_iamp_str(in, s_name_member(e));
	const char *arn = put ? bw_iamp_str(in, "PermissionsBoundary") : NULL;
	char ek[BW_IAMP_KEY_MAX];
	json_t *ent, *pol = NULL;
	bool aws;
	if (bw_iamp_get_entity(call, e, name, &ent) != 0)
		return -1;
	if (put && bw_iamp_find_policy(call, arn, true, &pol, &aws) != 0) {
		json_decref(ent);
		return -1;
	}
	json_decref(pol);
	int rc = bw_iam_key(name, ek, sizeof ek) != 0 ? bw_iamp_store_fail(call)
	                                              : bw_iamp_set_boundary(call, e, ent, ek, arn);
	if (rc == 0 &&
	    bw_doc_update(call->store, bw_iamp_entity_kind(e), call->account_id, ek, ent) != 0)
		rc = bw_iamp_store_fail(call);
	json_decref(ent);
	return rc;
}

/* --- the table's handlers
 * --------------------------------------------------------- */

#define S_WRAP(fn, ent, suffix)                                                                    \
	static int s_##fn##_##suffix(struct bw_call *call, const json_t *in, json_t *out)          \
	{                                                                                          \
		(void)out;                                                                         \
		return s_##fn##_txn(call, ent, in);                                                \
	}

S_WRAP(attach, BW_IAMP_USER, user)
S_WRAP(attach, BW_IAMP_GROUP, group)
S_WRAP(attach, BW_IAMP_ROLE, role)
S_WRAP(detach, BW_IAMP_USER, user)
S_WRAP(detach, BW_IAMP_GROUP, group)
S_WRAP(detach, BW_IAMP_ROLE, role)

static int s_put_pb_user(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_boundary_txn(call, BW_IAMP_USER, in, true);
}
static int s_del_pb_user(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_boundary_txn(call, BW_IAMP_USER, in, false);
}
static int s_put_pb_role(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_boundary_txn(call, BW_IAMP_ROLE, in, true);
}
static int s_del_pb_role(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_boundary_txn(call, BW_IAMP_ROLE, in, false);
}

int bw_iamp_attach_user_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_attach_user, in, out);
}
int bw_iamp_attach_group_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_attach_group, in, out);
}
int bw_iamp_attach_role_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iam_modifiable_role_txn(call, s_attach_role, in, out);
}
int bw_iamp_detach_user_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_detach_user, in, out);
}
int bw_iamp_detach_group_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_detach_group, in, out);
}
int bw_iamp_detach_role_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iam_modifiable_role_txn(call, s_detach_role, in, out);
}
int bw_iamp_list_attached_user_policies(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_list_attached(call, BW_IAMP_USER, in, out);
}
int bw_iamp_list_attached_group_policies(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_list_attached(call, BW_IAMP_GROUP, in, out);
}
int bw_iamp_list_attached_role_policies(struct bw_call *call, const json_t *in, json_t *out)
{
	return s_list_attached(call, BW_IAMP_ROLE, in, out);
}
int bw_iamp_put_user_permissions_boundary(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_put_pb_user, in, out);
}
int bw_iamp_delete_user_permissions_boundary(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_del_pb_user, in, out);
}
int bw_iamp_put_role_permissions_boundary(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iam_modifiable_role_txn(call, s_put_pb_role, in, out);
}
int bw_iamp_delete_role_permissions_boundary(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iam_modifiable_role_txn(call, s_del_pb_role, in, out);
}
