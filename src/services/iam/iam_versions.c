/*
 * iam_versions.c: the versions of customer managed policies —
 * CreatePolicyVersion (at most five, ids v1, v2 ... never reused),
 * GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion (never the
 * default) and SetDefaultPolicyVersion. AWS managed policies have one
 * built-in version and cannot be changed.
 */
#include <stdio.h>
#include <string.h>

#include "services/iam/iam_errors.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

/* "<policy key>/" and "<policy key>/<version>" of a local policy. */
static int s_keys(struct bw_call *call, const char *arn, const char *vid, char *prefix, size_t plen,
                  char *vkey, size_t vlen)
{
	char key[BW_IAMP_KEY_MAX];
	if (bw_iamp_local_policy_key(call, arn, key) != 0)
		return bw_iamp_store_fail(call);
	snprintf(prefix, plen, "%s/", key);
	if (vid && (size_t)snprintf(vkey, vlen, "%s/%s", key, vid) >= vlen)
		return bw_fail(call, IAM_VERSION_ID_INVALID);
	return 0;
}

static int s_get_version(struct bw_call *call, const char *arn, const char *vid, json_t **ver)
{
	char prefix[BW_IAMP_KEY_MAX + 1], vkey[2 * BW_IAMP_KEY_MAX];
	*ver = NULL;
	if (s_keys(call, arn, vid, prefix, sizeof prefix, vkey, sizeof vkey) != 0)
		return -1;
	int rc = bw_doc_get(call->store, BW_IAM_POLICY_VERSION, call->account_id, vkey, ver);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, IAM_NO_SUCH_POLICY_VERSION, arn, vid);
	return rc == BW_STORE_OK ? 0 : bw_iamp_store_fail(call);
}

/* The output PolicyVersion, the document URL-encoded when with_doc. */
static json_t *s_version_out(struct bw_call *call, const json_t *ver, bool with_doc)
{
	json_t *o = json_pack("{s:O,s:O,s:O}", "VersionId", json_object_get(ver, "VersionId"),
	                      "IsDefaultVersion", json_object_get(ver, "IsDefaultVersion"),
	                      "CreateDate", json_object_get(ver, "CreateDate"));
	if (!o) {
		bw_iamp_oom(call);
		return NULL;
	}
	if (with_doc && bw_iamp_set_doc(call, o, "Document", bw_iamp_str(ver, "Document")) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Make vid the default version of pol (a local Policy document, updated in
 * place and stored). */
static int s_set_default(struct bw_call *call, json_t *pol, const char *arn, const char *vid)
{
	char prefix[BW_IAMP_KEY_MAX + 1], vkey[2 * BW_IAMP_KEY_MAX], pkey[BW_IAMP_KEY_MAX];
	json_t *old = NULL;
	const char *cur = bw_iamp_str(pol, "DefaultVersionId");
	if (cur && strcmp(cur, vid) == 0)
		return 0;
	if (cur && s_get_version(call, arn, cur, &old) == 0) {
		if (json_object_set_new(old, "IsDefaultVersion", json_false()) != 0 ||
		    s_keys(call, arn, cur, prefix, sizeof prefix, vkey, sizeof vkey) != 0 ||
		    bw_doc_update(call->store, BW_IAM_POLICY_VERSION, call->account_id, vkey,
		                  old) != 0) {
			json_decref(old);
			return bw_iamp_store_fail(call);
		}
		json_decref(old);
	} else if (cur) {
		return -1;
	}
	json_t *ver;
	if (s_get_version(call, arn, vid, &ver) != 0)
		return -1;
	int rc = json_object_set_new(ver, "IsDefaultVersion", json_true());
	if (rc == 0 && s_keys(call, arn, vid, prefix, sizeof prefix, vkey, sizeof vkey) == 0)
		rc = bw_doc_update(call->store, BW_IAM_POLICY_VERSION, call->account_id, vkey, ver);
	else
		rc = -1;
	json_decref(ver);
	if (rc != 0 || json_object_set_new(pol, "DefaultVersionId", json_string(vid)) != 0 ||
	    json_object_set_new(pol, "UpdateDate", json_real(call->now_s)) != 0 ||
	    bw_iamp_local_policy_key(call, arn, pkey) != 0 ||
	    bw_doc_update(call->store, BW_IAM_POLICY, call->account_id, pkey, pol) != 0)
		return bw_iamp_store_fail(call);
	return 0;
}

/* --- CreatePolicyVersion ----------------------------------------------------
 */

static int s_create_version_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *arn = bw_iamp_str(in, "PolicyArn");
	const char *text = bw_iamp_str(in, "PolicyDocument");
	char prefix[BW_IAMP_KEY_MAX + 1], vkey[2 * BW_IAMP_KEY_MAX], pkey[BW_IAMP_KEY_MAX];
	char vid[24];
	json_t *pol, *ver = NULL;
	bool aws;
	size_t n = 0;
	if (bw_iamp_find_policy(call, arn, false, &pol, &aws) != 0)
		return -1;
	if (aws) {
		json_decref(pol);
		return bw_iamp_aws_readonly(call, arn);
	}
	if (bw_iamp_doc_chars(text) > BW_IAMP_MANAGED_MAX_CHARS) {
		bw_fail(call, IAM_QUOTA_EXCEEDED, "PolicySize", BW_IAMP_MANAGED_MAX_CHARS);
		goto fail;
	}
	if (bw_iamp_check_doc(call, text, BW_POLICY_IDENTITY) != 0 ||
	    s_keys(call, arn, NULL, prefix, sizeof prefix, vkey, sizeof vkey) != 0)
		goto fail;
	if (bw_doc_count(call->store, BW_IAM_POLICY_VERSION, call->account_id, prefix, &n) != 0) {
		bw_iamp_store_fail(call);
		goto fail;
	}
	if (n >= BW_IAMP_MAX_VERSIONS) {
		bw_fail(call, IAM_TOO_MANY_POLICY_VERSIONS, BW_IAMP_MAX_VERSIONS);
		goto fail;
	}
	json_int_t next = json_integer_value(json_object_get(pol, "NextVersion"));
	if (next < 2)
		next = 2;
	snprintf(vid, sizeof vid, "v%lld", (long long)next);
	snprintf(vkey, sizeof vkey, "%s%s", prefix, vid);
	ver = json_pack("{s:s,s:s,s:b,s:f}", "VersionId", vid, "Document", text, "IsDefaultVersion",
	                0, "CreateDate", call->now_s);
	if (!ver || json_object_set_new(pol, "NextVersion", json_integer(next + 1)) != 0) {
		bw_iamp_oom(call);
		goto fail;
	}
	if (bw_doc_create(call->store, BW_IAM_POLICY_VERSION, call->account_id, vkey, ver) != 0 ||
	    bw_iamp_local_policy_key(call, arn, pkey) != 0 ||
	    bw_doc_update(call->store, BW_IAM_POLICY, call->account_id, pkey, pol) != 0) {
		bw_iamp_store_fail(call);
		goto fail;
	}
	if (json_is_true(json_object_get(in, "SetAsDefault"))) {
		if (s_set_default(call, pol, arn, vid) != 0)
			goto fail;
		json_object_set_new(ver, "IsDefaultVersion", json_true());
	}
	json_t *o = s_version_out(call, ver, false);
	if (!o || json_object_set_new(out, "PolicyVersion", o) != 0)
		goto fail;
	json_decref(pol);
	json_decref(ver);
	return 0;
fail:
	json_decref(pol);
	json_decref(ver);
	return -1;
}

int bw_iamp_create_policy_version(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_create_version_txn, in, out);
}

/* --- GetPolicyVersion / ListPolicyVersions ----------------------------------
 */

/* The one built-in version of an AWS managed policy. */
static json_t *s_aws_version(struct bw_call *call, const json_t *pol)
{
	const struct bw_iam_aws_policy *p = bw_iamp_aws_find(bw_iamp_str(pol, "Arn"));
	json_t *v = p ? json_pack("{s:s,s:s,s:b,s:f}", "VersionId", p->version_id, "Document",
	                          p->document, "IsDefaultVersion", 1, "CreateDate", p->update_date)
	              : NULL;
	if (!v)
		bw_iamp_oom(call);
	return v;
}

int bw_iamp_get_policy_version(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *arn = bw_iamp_str(in, "PolicyArn");
	const char *vid = bw_iamp_str(in, "VersionId");
	json_t *pol, *ver = NULL;
	bool aws;
	if (bw_iamp_find_policy(call, arn, false, &pol, &aws) != 0)
		return -1;
	if (aws) {
		ver = s_aws_version(call, pol);
		json_decref(pol);
		if (!ver)
			return -1;
		if (!vid || strcmp(vid, bw_iamp_str(ver, "VersionId")) != 0) {
			json_decref(ver);
			return bw_fail(call, IAM_NO_SUCH_POLICY_VERSION, arn, vid ? vid : "");
		}
	} else {
		json_decref(pol);
		if (!vid)
			return bw_fail(call, BW_ERR_REQUIRED_MISSING, "VersionId");
		if (s_get_version(call, arn, vid, &ver) != 0)
			return -1;
	}
	json_t *o = s_version_out(call, ver, true);
	json_decref(ver);
	if (!o)
		return -1;
	return json_object_set_new(out, "PolicyVersion", o) == 0 ? 0 : bw_iamp_oom(call);
}

int bw_iamp_list_policy_versions(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *arn = bw_iamp_str(in, "PolicyArn");
	json_t *pol, *items = NULL;
	bool aws, truncated = false;
	struct bw_iamp_page pg;
	char prefix[BW_IAMP_KEY_MAX + 1], vkey[8];
	if (bw_iamp_page_in(call, in, &pg) != 0 ||
	    bw_iamp_find_policy(call, arn, false, &pol, &aws) != 0)
		return -1;
	json_t *list = json_array();
	if (!list || json_object_set_new(out, "Versions", list) != 0) {
		json_decref(pol);
		return bw_iamp_oom(call);
	}
	if (aws) {
		json_t *v = s_aws_version(call, pol);
		json_decref(pol);
		json_t *o = v ? s_version_out(call, v, false) : NULL;
		json_decref(v);
		if (!o || json_array_append_new(list, o) != 0)
			return -1;
		return bw_iamp_page_out(call, out, false, NULL);
	}
	json_decref(pol);
	if (s_keys(call, arn, NULL, prefix, sizeof prefix, vkey, sizeof vkey) != 0 ||
	    bw_iamp_collect(call, BW_IAM_POLICY_VERSION, prefix, &pg, NULL, NULL, &items,
	                    &truncated) != 0)
		return -1;
	size_t i;
	json_t *it;
	const char *last = NULL;
	json_array_foreach(items, i, it)
	{
		json_t *o = s_version_out(call, json_object_get(it, "doc"), false);
		if (!o || json_array_append_new(list, o) != 0) {
			json_decref(items);
			return -1;
		}
		last = json_string_value(json_object_get(it, "key"));
	}
	int rc = bw_iamp_page_out(call, out, truncated, last);
	json_decref(items);
	return rc;
}

/* --- DeletePolicyVersion / SetDefaultPolicyVersion ---------------------------
 */

static int s_delete_version_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *arn = bw_iamp_str(in, "PolicyArn");
	const char *vid = bw_iamp_str(in, "VersionId");
	char prefix[BW_IAMP_KEY_MAX + 1], vkey[2 * BW_IAMP_KEY_MAX];
	json_t *pol, *ver;
	bool aws;
	if (bw_iamp_find_policy(call, arn, false, &pol, &aws) != 0)
		return -1;
	json_decref(pol);
	if (aws)
		return bw_iamp_aws_readonly(call, arn);
	if (!vid)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "VersionId");
	if (s_get_version(call, arn, vid, &ver) != 0)
		return -1;
	bool is_default = json_is_true(json_object_get(ver, "IsDefaultVersion"));
	json_decref(ver);
	if (is_default)
		return bw_fail(call, IAM_DEFAULT_VERSION_UNDELETABLE);
	if (s_keys(call, arn, vid, prefix, sizeof prefix, vkey, sizeof vkey) != 0)
		return -1;
	if (bw_doc_delete(call->store, BW_IAM_POLICY_VERSION, call->account_id, vkey) != 0)
		return bw_iamp_store_fail(call);
	return 0;
}

int bw_iamp_delete_policy_version(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_delete_version_txn, in, out);
}

static int s_set_default_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *arn = bw_iamp_str(in, "PolicyArn");
	const char *vid = bw_iamp_str(in, "VersionId");
	json_t *pol, *ver;
	bool aws;
	if (bw_iamp_find_policy(call, arn, false, &pol, &aws) != 0)
		return -1;
	if (aws) {
		json_decref(pol);
		return bw_iamp_aws_readonly(call, arn);
	}
	if (!vid || s_get_version(call, arn, vid, &ver) != 0) {
		json_decref(pol);
		return vid ? -1 : bw_fail(call, BW_ERR_REQUIRED_MISSING, "VersionId");
	}
	json_decref(ver);
	int rc = s_set_default(call, pol, arn, vid);
	json_decref(pol);
	return rc;
}

int bw_iamp_set_default_policy_version(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_set_default_txn, in, out);
}
