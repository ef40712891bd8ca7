/*
 * iam_authz_details.c: GetAccountAuthorizationDetails — every user, group,
 * role and managed policy of the account with their policies, in that
 * order, filtered by entity type and paged across the sections (the marker
 * is the section's digit and the last key returned). Documents come back
 * URL-encoded. AWS managed policies are listed only while something uses
 * them, as AWS does.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

enum s_section { S_USER, S_GROUP, S_ROLE, S_LOCAL, S_AWS, S_NSECTIONS };
static const char *const s_filter_names[S_NSECTIONS] = {"User", "Group", "Role",
                                                        "LocalManagedPolicy", "AWSManagedPolicy"};

/* All documents of kind under prefix (an entity has few). */
static int s_all(struct bw_call *call, const char *kind, const char *prefix, json_t **items)
{
	bool more;
	struct bw_doc_page dp = {.prefix = prefix};
	if (bw_doc_list(call->store, kind, call->account_id, &dp, items, &more) != 0)
		return bw_iamp_store_fail(call);
	return 0;
}

/* member = [{PolicyName, PolicyDocument}] of an entity's inline policies. */
static int s_inline_list(struct bw_call *call, json_t *detail, const char *member,
                         const char *prefix)
{
	json_t *items, *list = json_array();
	if (!list || json_object_set_new(detail, member, list) != 0)
		return bw_iamp_oom(call);
	if (s_all(call, BW_IAM_INLINE, prefix, &items) != 0)
		return -1;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *d = json_object_get(it, "doc");
		json_t *o = json_pack("{s:O}", "PolicyName", json_object_get(d, "PolicyName"));
		if (!o || json_array_append_new(list, o) != 0 ||
		    bw_iamp_set_doc(call, o, "PolicyDocument", bw_iamp_str(d, "PolicyDocument")) !=
		        0) {
			json_decref(items);
			return call->failed ? -1 : bw_iamp_oom(call);
		}
	}
	json_decref(items);
	return 0;
}

static int s_attached_list(struct bw_call *call, json_t *detail, const char *prefix)
{
	json_t *items, *list = json_array();
	if (!list || json_object_set_new(detail, "AttachedManagedPolicies", list) != 0)
		return bw_iamp_oom(call);
	if (s_all(call, BW_IAM_ATTACHED, prefix, &items) != 0)
		return -1;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *d = json_object_get(it, "doc");
		if (json_array_append_new(
		        list, json_pack("{s:O,s:O}", "PolicyName", json_object_get(d, "PolicyName"),
		                        "PolicyArn", json_object_get(d, "PolicyArn"))) != 0) {
			json_decref(items);
			return bw_iamp_oom(call);
		}
	}
	json_decref(items);
	return 0;
}

static const char *const s_copy_user[] = {
    "Path", "UserName", "UserId", "Arn", "CreateDate", "PermissionsBoundary", "Tags", NULL};
static const char *const s_copy_group[] = {"Path", "GroupName",  "GroupId",
                                           "Arn",  "CreateDate", NULL};
static const char *const s_copy_role[] = {"Path", "RoleName",     "RoleId",
                                          "Arn",  "CreateDate",   "PermissionsBoundary",
                                          "Tags", "RoleLastUsed", NULL};
static const char *const s_copy_policy[] = {"PolicyName",
                                            "PolicyId",
                                            "Arn",
                                            "Path",
                                            "DefaultVersionId",
                                            "AttachmentCount",
                                            "PermissionsBoundaryUsageCount",
                                            "IsAttachable",
                                            "Description",
                                            "CreateDate",
                                            "UpdateDate",
                                            NULL};

static json_t *s_copy(const json_t *doc, const char *const *members)
{
	json_t *o = json_object();
	for (size_t i = 0; o && members[i]; i++) {
		json_t *v = json_object_get(doc, members[i]);
		if (v && json_object_set(o, members[i], v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *s_user_detail(struct bw_call *call, const char *key, const json_t *doc)
{
	char prefix[BW_IAMP_KEY_MAX + 8];
	json_t *o = s_copy(doc, s_copy_user), *groups = json_array(), *items = NULL;
	if (!o || !groups || json_object_set_new(o, "GroupList", groups) != 0) {
		json_decref(groups);
		goto oom;
	}
	snprintf(prefix, sizeof prefix, "%s/", key);
	if (s_all(call, BW_IAM_USER_GROUP, prefix, &items) != 0)
		goto fail;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (json_array_append(
		        groups, json_object_get(json_object_get(it, "doc"), "GroupName")) != 0)
			goto oom;
	}
	snprintf(prefix, sizeof prefix, "user/%s/", key);
	if (s_inline_list(call, o, "UserPolicyList", prefix) != 0 ||
	    s_attached_list(call, o, prefix) != 0)
		goto fail;
	json_decref(items);
	return o;
oom:
	bw_iamp_oom(call);
fail:
	json_decref(items);
	json_decref(o);
	return NULL;
}

static json_t *s_group_detail(struct bw_call *call, const char *key, const json_t *doc)
{
	char prefix[BW_IAMP_KEY_MAX + 8];
	json_t *o = s_copy(doc, s_copy_group);
	if (!o) {
		bw_iamp_oom(call);
		return NULL;
	}
	snprintf(prefix, sizeof prefix, "group/%s/", key);
	if (s_inline_list(call, o, "GroupPolicyList", prefix) != 0 ||
	    s_attached_list(call, o, prefix) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *s_role_detail(struct bw_call *call, const char *key, const json_t *doc)
{
	char prefix[BW_IAMP_KEY_MAX + 8];
	json_t *o = s_copy(doc, s_copy_role);
	json_t *profiles = json_array();
	if (!o || !profiles || json_object_set_new(o, "InstanceProfileList", profiles) != 0) {
		if (o)
			json_decref(profiles);
		json_decref(o);
		bw_iamp_oom(call);
		return NULL;
	}
	if (bw_iamp_role_profiles(call, key, profiles) != 0) {
		json_decref(o);
		return NULL;
	}
	snprintf(prefix, sizeof prefix, "role/%s/", key);
	if (bw_iamp_set_doc(call, o, "AssumeRolePolicyDocument",
	                    bw_iamp_str(doc, "AssumeRolePolicyDocument")) != 0 ||
	    s_inline_list(call, o, "RolePolicyList", prefix) != 0 ||
	    s_attached_list(call, o, prefix) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *s_policy_detail(struct bw_call *call, const char *key, const json_t *doc)
{
	char prefix[BW_IAMP_KEY_MAX + 8];
	json_t *o = s_copy(doc, s_copy_policy), *versions = json_array(), *items = NULL;
	if (!o || !versions || json_object_set_new(o, "PolicyVersionList", versions) != 0) {
		json_decref(versions);
		goto oom;
	}
	const struct bw_iam_aws_policy *aws = bw_iamp_aws_find(bw_iamp_str(doc, "Arn"));
	if (aws) {
		json_t *v = json_pack("{s:s,s:b,s:f}", "VersionId", aws->version_id,
		                      "IsDefaultVersion", 1, "CreateDate", aws->update_date);
		if (!v || json_array_append_new(versions, v) != 0 ||
		    bw_iamp_set_doc(call, v, "Document", aws->document) != 0)
			goto oom;
		return o;
	}
	snprintf(prefix, sizeof prefix, "%s/", key);
	if (s_all(call, BW_IAM_POLICY_VERSION, prefix, &items) != 0)
		goto fail;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *d = json_object_get(it, "doc");
		json_t *v = json_pack("{s:O,s:O,s:O}", "VersionId", json_object_get(d, "VersionId"),
		                      "IsDefaultVersion", json_object_get(d, "IsDefaultVersion"),
		                      "CreateDate", json_object_get(d, "CreateDate"));
		if (!v || json_array_append_new(versions, v) != 0 ||
		    bw_iamp_set_doc(call, v, "Document", bw_iamp_str(d, "Document")) != 0)
			goto oom;
	}
	json_decref(items);
	return o;
oom:
	bw_iamp_oom(call);
fail:
	json_decref(items);
	json_decref(o);
	return NULL;
}

static bool s_aws_in_use(const json_t *pol)
{
	return json_integer_value(json_object_get(pol, "AttachmentCount")) > 0 ||
	       json_integer_value(json_object_get(pol, "PermissionsBoundaryUsageCount")) > 0;
}

/* The AWS managed section after `after` (a name): items like bw_iamp_collect's.
 */
static int s_collect_aws(struct bw_call *call, const char *after, size_t max, json_t **items,
                         bool *truncated)
{
	*truncated = false;
	*items = json_array();
	if (!*items)
		return bw_iamp_oom(call);
	for (size_t i = 0; i < bw_iamp_aws_count(); i++) {
		const struct bw_iam_aws_policy *p = bw_iamp_aws_at(i);
		json_t *doc;
		if (after && strcmp(p->name, after) <= 0)
			continue;
		if (bw_iamp_aws_policy_doc(call, p, &doc) != 0)
			return -1;
		if (!s_aws_in_use(doc)) {
			json_decref(doc);
			continue;
		}
		if (json_array_size(*items) >= max) {
			json_decref(doc);
			*truncated = true;
			break;
		}
		if (json_array_append_new(*items,
		                          json_pack("{s:s,s:o}", "key", p->name, "doc", doc)) != 0)
			return bw_iamp_oom(call);
	}
	return 0;
}

int bw_iamp_get_account_authorization_details(struct bw_call *call, const json_t *in, json_t *out)
{
	static const char *const kinds[S_NSECTIONS] = {BW_IAM_USER, BW_IAM_GROUP, BW_IAM_ROLE,
	                                               BW_IAM_POLICY, NULL};
	static const char *const lists[S_NSECTIONS] = {"UserDetailList", "GroupDetailList",
	                                               "RoleDetailList", "Policies", "Policies"};
	json_t *(*const detail[S_NSECTIONS])(struct bw_call *, const char *, const json_t *) = {
	    s_user_detail, s_group_detail, s_role_detail, s_policy_detail, s_policy_detail};
	const json_t *filter = json_object_get(in, "Filter");
	bool want[S_NSECTIONS];
	struct bw_iamp_page pg;
	if (bw_iamp_page_in(call, in, &pg) != 0)
		return -1;
	for (size_t s = 0; s < S_NSECTIONS; s++) {
		want[s] = json_array_size(filter) == 0;
		size_t i;
		json_t *f;
		json_array_foreach(filter, i, f)
		{
			if (json_string_value(f) &&
			    strcmp(json_string_value(f), s_filter_names[s]) == 0)
				want[s] = true;
		}
	}
	size_t start = 0;
	const char *after = NULL;
	if (pg.after) {
		if (pg.after[0] < '0' || pg.after[0] >= '0' + S_NSECTIONS)
			return bw_fail(call, IAM_MARKER_INVALID);
		start = (size_t)(pg.after[0] - '0');
		after = pg.after + 1;
	}
	for (size_t s = 0; s < S_NSECTIONS - 1; s++)
		if (json_object_set_new(out, lists[s], json_array()) != 0)
			return bw_iamp_oom(call);
	bool truncated = false;
	size_t got = 0;
	struct bw_buf marker = {0};
	for (size_t s = start; s < S_NSECTIONS && !truncated; s++) {
		if (!want[s])
			continue;
		json_t *items;
		const char *sa = s == start ? after : NULL;
		int rc = s == S_AWS ? s_collect_aws(call, sa, pg.max - got, &items, &truncated)
		                    : bw_iamp_collect(call, kinds[s], NULL,
		                                      &(struct bw_iamp_page){sa, pg.max - got},
		                                      NULL, NULL, &items, &truncated);
		if (rc != 0) {
			bw_buf_free(&marker);
			return -1;
		}
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			const char *key = json_string_value(json_object_get(it, "key"));
			json_t *d = detail[s](call, key, json_object_get(it, "doc"));
			bw_buf_reset(&marker);
			if (!d || json_array_append_new(json_object_get(out, lists[s]), d) != 0 ||
			    bw_buf_append_byte(&marker, (uint8_t)('0' + s)) != 0 ||
			    bw_buf_append_str(&marker, key) != 0) {
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
