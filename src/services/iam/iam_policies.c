/*
 * iam_policies.c: IAM customer managed policies (CreatePolicy, GetPolicy,
 * DeletePolicy, ListPolicies, policy tags) and the helpers every
 * permissions file shares (iam_perm.h): input members, names and keys,
 * transactions, document checks and encoding, paging, tags, finding a
 * managed policy by ARN and keeping its usage counts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/encoding.h"
#include "gateway/resource.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "services/iam/iam_util.h"
#include "store/doc.h"

/* --- common helpers ------------------------------------------------------ */

int bw_iamp_oom(struct bw_call *call)
{
	return bw_fail(call, IAM_SERVICE_FAILURE);
}

int bw_iamp_store_fail(struct bw_call *call)
{
	return bw_fail(call, IAM_SERVICE_FAILURE);
}

const char *bw_iamp_str(const json_t *in, const char *member)
{
	return json_string_value(json_object_get(in, member));
}

int bw_iamp_name_key(struct bw_call *call, const char *name, char *out)
{
	if (!name || bw_iam_key(name, out, BW_IAMP_KEY_MAX) != 0)
		return bw_fail(call, IAM_NAME_MISSING_OR_TOO_LONG);
	return 0;
}

int bw_iamp_txn(struct bw_call *call, int (*fn)(struct bw_call *, const json_t *, json_t *),
                const json_t *in, json_t *out)
{
	if (bw_store_begin(call->store) != 0)
		return bw_iamp_store_fail(call);
	if (fn(call, in, out) != 0) {
		bw_store_rollback(call->store);
		return -1;
	}
	if (bw_store_commit(call->store) != 0)
		return bw_iamp_store_fail(call);
	return 0;
}

const char *bw_iamp_entity_word(enum bw_iamp_entity e)
{
	return e == BW_IAMP_USER ? "user" : e == BW_IAMP_GROUP ? "group" : "role";
}

const char *bw_iamp_entity_kind(enum bw_iamp_entity e)
{
	return e == BW_IAMP_USER ? BW_IAM_USER : e == BW_IAMP_GROUP ? BW_IAM_GROUP : BW_IAM_ROLE;
}

const char *bw_iamp_entity_type(enum bw_iamp_entity e)
{
	return e == BW_IAMP_USER ? "User" : e == BW_IAMP_GROUP ? "Group" : "Role";
}

int bw_iamp_get_entity(struct bw_call *call, enum bw_iamp_entity e, const char *name, json_t **doc)
{
	char key[BW_IAMP_KEY_MAX];
	*doc = NULL;
	if (bw_iamp_name_key(call, name, key) != 0)
		return -1;
	int rc = bw_doc_get(call->store, bw_iamp_entity_kind(e), call->account_id, key, doc);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, IAM_NO_SUCH_ENTITY, bw_iamp_entity_word(e), name);
	if (rc != BW_STORE_OK)
		return bw_iamp_store_fail(call);
	return 0;
}

size_t bw_iamp_doc_chars(const char *text)
{
	size_t n = 0;
	for (const char *p = text; *p; p++)
		if (!isspace((unsigned char)*p))
			n++;
	return n;
}

int bw_iamp_check_doc(struct bw_call *call, const char *text, enum bw_policy_kind kind)
{
	char err[512];
	struct bw_policy *pol = NULL;
	if (!text)
		return bw_fail(call, IAM_POLICY_SYNTAX_ERRORS);
	/* text that is not JSON at all gets IAM's own words for it, before
	 * any grammar of policies is asked */
	json_error_t jerr;
	json_t *parsed = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!parsed)
		return bw_fail(call, IAM_POLICY_INVALID_JSON);
	json_decref(parsed);
	if (bw_policy_parse(text, strlen(text), kind, NULL, &pol, err, sizeof err) != 0)
		return bw_fail(call, IAM_MALFORMED_POLICY,
		               err[0] ? err : "Syntax errors in policy.");
	bw_policy_unref(pol);
	return 0;
}

int bw_iamp_set_doc(struct bw_call *call, json_t *obj, const char *member, const char *text)
{
	struct bw_buf b = {0};
	if (!text)
		return 0;
	if (bw_url_encode(text, strlen(text), false, &b) != 0 ||
	    json_object_set_new(obj, member, json_string(bw_buf_cstr(&b))) != 0) {
		bw_buf_free(&b);
		return bw_iamp_oom(call);
	}
	bw_buf_free(&b);
	return 0;
}

int bw_iamp_page_in(struct bw_call *call, const json_t *in, struct bw_iamp_page *pg)
{
	pg->after = bw_iamp_str(in, "Marker");
	pg->max = 100;
	json_t *mi = json_object_get(in, "MaxItems");
	if (mi) {
		json_int_t v = json_integer_value(mi);
		if (!json_is_integer(mi) || v < 1 || v > 1000)
			return bw_fail(call, IAM_MAX_ITEMS_NOT_NUMBER);
		pg->max = (size_t)v;
	}
	return 0;
}

int bw_iamp_page_out(struct bw_call *call, json_t *out, bool truncated, const char *marker)
{
	if (json_object_set_new(out, "IsTruncated", json_boolean(truncated)) != 0)
		return bw_iamp_oom(call);
	if (truncated && marker && json_object_set_new(out, "Marker", json_string(marker)) != 0)
		return bw_iamp_oom(call);
	return 0;
}

int bw_iamp_collect(struct bw_call *call, const char *kind, const char *prefix,
                    const struct bw_iamp_page *pg, bw_iamp_filter_fn filter, void *ctx,
                    json_t **items, bool *truncated)
{
	json_t *acc = json_array();
	json_t *chunk = NULL;
	char *after = pg->after ? strdup(pg->after) : NULL;
	*items = NULL;
	*truncated = false;
	if (!acc || (pg->after && !after))
		goto oom;
	for (;;) {
		struct bw_doc_page dp = {.prefix = prefix, .after = after, .limit = 200};
		bool more = false;
		if (bw_doc_list(call->store, kind, call->account_id, &dp, &chunk, &more) != 0) {
			json_decref(acc);
			free(after);
			return bw_iamp_store_fail(call);
		}
		size_t i;
		json_t *it;
		json_array_foreach(chunk, i, it)
		{
			if (filter && !filter(json_object_get(it, "doc"), ctx))
				continue;
			if (json_array_size(acc) >= pg->max) {
				*truncated = true;
				goto done;
			}
			if (json_array_append(acc, it) != 0)
				goto oom;
		}
		if (!more || json_array_size(chunk) == 0)
			break;
		free(after);
		after = strdup(json_string_value(
		    json_object_get(json_array_get(chunk, json_array_size(chunk) - 1), "key")));
		json_decref(chunk);
		chunk = NULL;
		if (!after)
			goto oom;
	}
done:
	json_decref(chunk);
	free(after);
	*items = acc;
	return 0;
oom:
	json_decref(chunk);
	json_decref(acc);
	free(after);
	return bw_iamp_oom(call);
}

int bw_iamp_tags_merge(struct bw_call *call, json_t *doc, const json_t *tags)
{
	json_t *have = json_object_get(doc, "Tags");
	if (bw_iam_check_tags_or_fail(call, tags) != 0)
		return -1;
	if (!json_is_array(have)) {
		have = json_array();
		if (!have || json_object_set_new(doc, "Tags", have) != 0)
			return bw_iamp_oom(call);
	}
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t)
	{
		const char *k = bw_iamp_str(t, "Key");
		const char *v = bw_iamp_str(t, "Value");
		if (!k || !v)
			return bw_fail(call, IAM_TAG_INCOMPLETE);
		bool found = false;
		size_t j;
		json_t *h;
		json_array_foreach(have, j, h)
		{
			/* tag keys are case-insensitive in IAM: a new value replaces */
			if (strcasecmp(bw_iamp_str(h, "Key"), k) == 0) {
				if (json_object_set_new(h, "Value", json_string(v)) != 0)
					return bw_iamp_oom(call);
				found = true;
				break;
			}
		}
		if (found)
			continue;
		if (json_array_size(have) >= BW_IAMP_MAX_TAGS)
			return bw_fail(call, IAM_TOO_MANY_TAGS);
		if (json_array_append_new(have, json_pack("{s:s,s:s}", "Key", k, "Value", v)) != 0)
			return bw_iamp_oom(call);
	}
	return 0;
}

void bw_iamp_tags_remove(json_t *doc, const json_t *keys)
{
	json_t *have = json_object_get(doc, "Tags");
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
	{
		for (size_t j = 0; j < json_array_size(have);) {
			const char *hk = bw_iamp_str(json_array_get(have, j), "Key");
			if (hk && json_string_value(k) && strcasecmp(hk, json_string_value(k)) == 0)
				json_array_remove(have, j);
			else
				j++;
		}
	}
}

int bw_iamp_tags_list(struct bw_call *call, const json_t *in, const json_t *doc, json_t *out)
{
	struct bw_iamp_page pg;
	if (bw_iamp_page_in(call, in, &pg) != 0)
		return -1;
	/* at most 50 tags: the marker is the index of the next one */
	const json_t *have = json_object_get(doc, "Tags");
	size_t start = pg.after ? (size_t)strtoul(pg.after, NULL, 10) : 0;
	json_t *tags = json_array();
	if (!tags || json_object_set_new(out, "Tags", tags) != 0)
		return bw_iamp_oom(call);
	size_t i = start;
	for (; i < json_array_size(have) && json_array_size(tags) < pg.max; i++)
		if (json_array_append(tags, json_array_get(have, i)) != 0)
			return bw_iamp_oom(call);
	char marker[24];
	snprintf(marker, sizeof marker, "%zu", i);
	return bw_iamp_page_out(call, out, i < json_array_size(have), marker);
}

/* --- finding managed policies -------------------------------------------- */

/* Split "arn:aws:iam::<account>:policy<path><name>": account and name. */
static int s_split_arn(const char *arn, char *account, size_t alen, const char **name)
{
	static const char pre[] = "arn:aws:iam::";
	if (!arn || strncmp(arn, pre, sizeof pre - 1) != 0)
		return -1;
	const char *acct = arn + sizeof pre - 1;
	const char *colon = strchr(acct, ':');
	if (!colon || (size_t)(colon - acct) >= alen || strncmp(colon, ":policy/", 8) != 0)
		return -1;
	memcpy(account, acct, (size_t)(colon - acct));
	account[colon - acct] = 0;
	*name = strrchr(colon, '/') + 1;
	return **name ? 0 : -1;
}

int bw_iamp_local_policy_key(struct bw_call *call, const char *arn, char *key)
{
	char account[16];
	const char *name;
	if (s_split_arn(arn, account, sizeof account, &name) != 0 ||
	    strcmp(account, call->account_id) != 0 || bw_iam_key(name, key, BW_IAMP_KEY_MAX) != 0)
		return -1;
	return 0;
}

/* Whether text has an ARN's form: "arn:" and five more fields, the
 * partition, service and resource not empty. */
static bool s_arn_form_ok(const char *text)
{
	if (strncmp(text, "arn:", 4) != 0)
		return false;
	const char *f[4];
	const char *p = text + 3; /* the colon after "arn" */
	for (size_t i = 0; i < 4; i++) {
		f[i] = p + 1;
		p = strchr(p + 1, ':');
		if (!p)
			return false;
	}
	return f[1] > f[0] + 1 && f[2] > f[1] + 1 && p[1] != 0;
}

/* No policy of that ARN: attaching says so AWS's attaching way. */
static int s_no_policy(struct bw_call *call, const char *arn, bool attach)
{
	return attach ? bw_fail(call, IAM_POLICY_NOT_ATTACHABLE, arn)
	              : bw_fail(call, IAM_POLICY_NOT_FOUND, arn);
}

int bw_iamp_find_policy(struct bw_call *call, const char *arn, bool attach, json_t **policy,
                        bool *aws)
{
	char account[16], key[BW_IAMP_KEY_MAX];
	const char *name;
	*policy = NULL;
	*aws = false;
	if (!arn)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "PolicyArn");
	/* not an ARN at all is a malformed request (ValidationError, AWS's
	 * "Invalid ARN"); an ARN that names no policy is InvalidInput */
	if (!s_arn_form_ok(arn))
		return bw_fail(call, IAM_ARN_MALFORMED);
	if (s_split_arn(arn, account, sizeof account, &name) != 0)
		return bw_fail(call, IAM_ARN_INVALID, arn);
	if (strcmp(account, "aws") == 0) {
		const struct bw_iam_aws_policy *p = bw_iamp_aws_find(arn);
		if (!p)
			return s_no_policy(call, arn, attach);
		*aws = true;
		return bw_iamp_aws_policy_doc(call, p, policy);
	}
	if (strcmp(account, call->account_id) != 0 || bw_iam_key(name, key, sizeof key) != 0)
		return s_no_policy(call, arn, attach);
	int rc = bw_doc_get(call->store, BW_IAM_POLICY, call->account_id, key, policy);
	if (rc == BW_STORE_NOT_FOUND)
		return s_no_policy(call, arn, attach);
	if (rc != BW_STORE_OK)
		return bw_iamp_store_fail(call);
	/* names are unique per account, but the path must match too */
	if (strcmp(bw_iamp_str(*policy, "Arn"), arn) != 0) {
		json_decref(*policy);
		*policy = NULL;
		return s_no_policy(call, arn, attach);
	}
	return 0;
}

int bw_iamp_default_text(struct bw_call *call, const json_t *policy, bool aws, json_t **hold,
                         const char **text)
{
	*hold = NULL;
	*text = NULL;
	if (aws) {
		const struct bw_iam_aws_policy *p = bw_iamp_aws_find(bw_iamp_str(policy, "Arn"));
		if (!p)
			return bw_iamp_store_fail(call);
		*text = p->document;
		return 0;
	}
	char key[2 * BW_IAMP_KEY_MAX];
	char nk[BW_IAMP_KEY_MAX];
	if (bw_iam_key(bw_iamp_str(policy, "PolicyName"), nk, sizeof nk) != 0)
		return bw_iamp_store_fail(call);
	snprintf(key, sizeof key, "%s/%s", nk, bw_iamp_str(policy, "DefaultVersionId"));
	if (bw_doc_get(call->store, BW_IAM_POLICY_VERSION, call->account_id, key, hold) != 0)
		return bw_iamp_store_fail(call);
	*text = bw_iamp_str(*hold, "Document");
	return *text ? 0 : bw_iamp_store_fail(call);
}

int bw_iamp_adjust_count(struct bw_call *call, const char *arn, bool aws, const char *counter,
                         int delta)
{
	const char *kind = aws ? BW_IAM_AWS_POLICY_USAGE : BW_IAM_POLICY;
	char key[BW_IAMP_KEY_MAX];
	json_t *doc = NULL;
	if (aws) {
		if (strlen(arn) >= sizeof key)
			return bw_iamp_store_fail(call);
		strcpy(key, arn);
	} else if (bw_iamp_local_policy_key(call, arn, key) != 0) {
		return bw_iamp_store_fail(call);
	}
	int rc = bw_doc_get(call->store, kind, call->account_id, key, &doc);
	if (rc == BW_STORE_NOT_FOUND && aws)
		doc = json_pack("{s:i,s:i}", "AttachmentCount", 0, "PermissionsBoundaryUsageCount",
		                0);
	else if (rc != BW_STORE_OK)
		return bw_iamp_store_fail(call);
	if (!doc)
		return bw_iamp_oom(call);
	json_int_t v = json_integer_value(json_object_get(doc, counter)) + delta;
	if (v < 0)
		v = 0;
	if (json_object_set_new(doc, counter, json_integer(v)) != 0) {
		json_decref(doc);
		return bw_iamp_oom(call);
	}
	rc = bw_doc_put(call->store, kind, call->account_id, key, doc);
	json_decref(doc);
	return rc == BW_STORE_OK ? 0 : bw_iamp_store_fail(call);
}

/* --- input checks -------------------------------------------------------- */

/* IAM paths: "/" or "/a/b/", printable ASCII between (pathType). */
int bw_iamp_check_path(struct bw_call *call, const char *path)
{
	size_t n = strlen(path);
	bool ok = n >= 1 && n <= 512 && path[0] == '/' && path[n - 1] == '/';
	for (size_t i = 0; ok && i < n; i++)
		ok = path[i] >= 0x21 && path[i] <= 0x7e;
	if (!ok)
		return bw_fail(call, IAM_PATH_INVALID, "path");
	return 0;
}

int bw_iamp_check_name(struct bw_call *call, const char *name, const char *what)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n >= 1 && n <= 128;
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || strchr("_+=,.@-", name[i]) != NULL;
	if (!ok)
		return bw_fail(call, IAM_NAME_CHARACTERS, what);
	return 0;
}

int bw_iamp_aws_readonly(struct bw_call *call, const char *arn)
{
	return bw_fail(call, IAM_AWS_MANAGED_UNMODIFIABLE, arn);
}

/* --- CreatePolicy -------------------------------------------------------- */

static int s_create_policy_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iamp_str(in, "PolicyName");
	const char *path = bw_iamp_str(in, "Path");
	const char *text = bw_iamp_str(in, "PolicyDocument");
	const char *desc = bw_iamp_str(in, "Description");
	const json_t *tags = json_object_get(in, "Tags");
	char key[BW_IAMP_KEY_MAX], vkey[2 * BW_IAMP_KEY_MAX], id[32], arn[1024];
	json_t *pol = NULL, *ver = NULL;
	if (!path)
		path = "/";
	if (bw_iamp_check_name(call, name, "policyName") != 0 ||
	    bw_iamp_check_path(call, path) != 0 || bw_iamp_name_key(call, name, key) != 0)
		return -1;
	if (bw_iamp_doc_chars(text) > BW_IAMP_MANAGED_MAX_CHARS)
		return bw_fail(call, IAM_QUOTA_EXCEEDED, "PolicySize", BW_IAMP_MANAGED_MAX_CHARS);
	if (bw_iamp_check_doc(call, text, BW_POLICY_IDENTITY) != 0)
		return -1;
	if (bw_iam_new_id("ANPA", id, sizeof id) != 0)
		return bw_iamp_oom(call);
	snprintf(arn, sizeof arn, "arn:aws:iam::%s:policy%s%s", call->account_id, path, name);
	pol = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:b,s:f,s:f,s:i,s:[]}", "PolicyName", name,
	                "PolicyId", id, "Arn", arn, "Path", path, "DefaultVersionId", "v1",
	                "AttachmentCount", 0, "PermissionsBoundaryUsageCount", 0, "IsAttachable", 1,
	                "CreateDate", call->now_s, "UpdateDate", call->now_s, "NextVersion", 2,
	                "Tags");
	if (!pol || (desc && json_object_set_new(pol, "Description", json_string(desc)) != 0))
		goto oom;
	if (tags && bw_iamp_tags_merge(call, pol, tags) != 0)
		goto fail;
	int rc = bw_doc_create(call->store, BW_IAM_POLICY, call->account_id, key, pol);
	if (rc == BW_STORE_EXISTS) {
		bw_fail(call, IAM_POLICY_EXISTS, name);
		goto fail;
	}
	ver = json_pack("{s:s,s:s,s:b,s:f}", "VersionId", "v1", "Document", text,
	                "IsDefaultVersion", 1, "CreateDate", call->now_s);
	snprintf(vkey, sizeof vkey, "%s/v1", key);
	json_t *idoc = json_pack("{s:s,s:s}", "Kind", "policy", "Name", name);
	if (!ver || !idoc) {
		json_decref(idoc);
		goto oom;
	}
	if (rc != BW_STORE_OK ||
	    bw_doc_create(call->store, BW_IAM_POLICY_VERSION, call->account_id, vkey, ver) != 0 ||
	    bw_doc_create(call->store, BW_IAM_ID, call->account_id, id, idoc) != 0) {
		json_decref(idoc);
		bw_iamp_store_fail(call);
		goto fail;
	}
	json_decref(idoc);
	json_decref(ver);
	/* AWS leaves out a list it has nothing for: no "Tags" when untagged */
	if (json_array_size(json_object_get(pol, "Tags")) == 0)
		json_object_del(pol, "Tags");
	bw_resource_created(call, arn);
	if (json_object_set_new(out, "Policy", pol) != 0)
		return bw_iamp_oom(call);
	return 0;
oom:
	bw_iamp_oom(call);
fail:
	json_decref(pol);
	json_decref(ver);
	return -1;
}

int bw_iamp_create_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_create_policy_txn, in, out);
}

/* --- GetPolicy / DeletePolicy --------------------------------------------- */

int bw_iamp_get_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *pol;
	bool aws;
	if (bw_iamp_find_policy(call, bw_iamp_str(in, "PolicyArn"), false, &pol, &aws) != 0)
		return -1;
	if (json_array_size(json_object_get(pol, "Tags")) == 0)
		json_object_del(pol, "Tags");
	return json_object_set_new(out, "Policy", pol) == 0 ? 0 : bw_iamp_oom(call);
}

static int s_delete_policy_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *arn = bw_iamp_str(in, "PolicyArn");
	json_t *pol;
	bool aws;
	char key[BW_IAMP_KEY_MAX], prefix[BW_IAMP_KEY_MAX + 1];
	size_t nver = 0;
	if (bw_iamp_find_policy(call, arn, false, &pol, &aws) != 0)
		return -1;
	if (aws) {
		json_decref(pol);
		return bw_iamp_aws_readonly(call, arn);
	}
	json_int_t attached = json_integer_value(json_object_get(pol, "AttachmentCount"));
	json_int_t bounds =
	    json_integer_value(json_object_get(pol, "PermissionsBoundaryUsageCount"));
	char id[64];
	snprintf(id, sizeof id, "%s", bw_iamp_str(pol, "PolicyId"));
	json_decref(pol);
	if (attached > 0 || bounds > 0)
		return bw_fail(call, IAM_POLICY_ATTACHED);
	if (bw_iamp_local_policy_key(call, arn, key) != 0)
		return bw_iamp_store_fail(call);
	snprintf(prefix, sizeof prefix, "%s/", key);
	if (bw_doc_count(call->store, BW_IAM_POLICY_VERSION, call->account_id, prefix, &nver) != 0)
		return bw_iamp_store_fail(call);
	if (nver > 1)
		return bw_fail(call, IAM_POLICY_HAS_VERSIONS);
	if (bw_doc_delete_prefix(call->store, BW_IAM_POLICY_VERSION, call->account_id, prefix) !=
	        0 ||
	    bw_doc_delete(call->store, BW_IAM_POLICY, call->account_id, key) != 0 ||
	    bw_doc_delete(call->store, BW_IAM_ID, call->account_id, id) < 0)
		return bw_iamp_store_fail(call);
	return 0;
}

int bw_iamp_delete_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_delete_policy_txn, in, out);
}

/* --- ListPolicies ------------------------------------------------------- */

struct s_list_filter {
	const char *path_prefix;
	bool only_attached;
	bool boundary_usage;
};

static bool s_policy_passes(const json_t *pol, void *ctx)
{
	const struct s_list_filter *f = ctx;
	const char *path = bw_iamp_str(pol, "Path");
	if (f->path_prefix && (!path || strncmp(path, f->path_prefix, strlen(f->path_prefix)) != 0))
		return false;
	if (f->only_attached) {
		const char *counter =
		    f->boundary_usage ? "PermissionsBoundaryUsageCount" : "AttachmentCount";
		if (json_integer_value(json_object_get(pol, counter)) <= 0)
			return false;
	}
	return true;
}

int bw_iamp_list_policies(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *scope = bw_iamp_str(in, "Scope");
	const char *usage = bw_iamp_str(in, "PolicyUsageFilter");
	struct s_list_filter f = {
	    .path_prefix = bw_iamp_str(in, "PathPrefix"),
	    .only_attached = json_is_true(json_object_get(in, "OnlyAttached")),
	    .boundary_usage = usage && strcmp(usage, "PermissionsBoundary") == 0,
	};
	struct bw_iamp_page pg;
	if (bw_iamp_page_in(call, in, &pg) != 0)
		return -1;
	bool want_aws = !scope || strcmp(scope, "Local") != 0;
	bool want_local = !scope || strcmp(scope, "AWS") != 0;
	/* AWS managed policies first (marker "A<name>"), then local ("L<key>") */
	const char *aws_after = NULL, *local_after = NULL;
	if (pg.after) {
		if (pg.after[0] == 'A')
			aws_after = pg.after + 1;
		else if (pg.after[0] == 'L') {
			want_aws = false;
			local_after = pg.after + 1;
		} else
			return bw_fail(call, IAM_MARKER_INVALID);
	}
	json_t *list = json_array();
	struct bw_buf marker = {0};
	bool truncated = false;
	if (!list || json_object_set_new(out, "Policies", list) != 0)
		return bw_iamp_oom(call);
	for (size_t i = 0; want_aws && i < bw_iamp_aws_count(); i++) {
		const struct bw_iam_aws_policy *p = bw_iamp_aws_at(i);
		if (aws_after && strcmp(p->name, aws_after) <= 0)
			continue;
		json_t *doc;
		if (bw_iamp_aws_policy_doc(call, p, &doc) != 0)
			return -1;
		bool pass = s_policy_passes(doc, &f);
		if (pass && json_array_size(list) >= pg.max) {
			json_decref(doc);
			truncated = true;
			break;
		}
		if (pass && json_array_append(list, doc) != 0) {
			json_decref(doc);
			return bw_iamp_oom(call);
		}
		json_decref(doc);
		bw_buf_reset(&marker);
		if (pass && (bw_buf_append_str(&marker, "A") != 0 ||
		             bw_buf_append_str(&marker, p->name) != 0))
			return bw_iamp_oom(call);
	}
	if (!truncated && want_local) {
		struct bw_iamp_page lp = {.after = local_after,
		                          .max = pg.max - json_array_size(list)};
		json_t *items;
		if (bw_iamp_collect(call, BW_IAM_POLICY, NULL, &lp, s_policy_passes, &f, &items,
		                    &truncated) != 0) {
			bw_buf_free(&marker);
			return -1;
		}
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			if (json_array_append(list, json_object_get(it, "doc")) != 0) {
				json_decref(items);
				bw_buf_free(&marker);
				return bw_iamp_oom(call);
			}
			bw_buf_reset(&marker);
			if (bw_buf_append_str(&marker, "L") != 0 ||
			    bw_buf_append_str(&marker,
			                      json_string_value(json_object_get(it, "key"))) != 0) {
				json_decref(items);
				bw_buf_free(&marker);
				return bw_iamp_oom(call);
			}
		}
		json_decref(items);
	} else if (truncated && json_array_size(list) == 0) {
		truncated = false; /* MaxItems is at least 1: cannot happen */
	}
	int rc = bw_iamp_page_out(call, out, truncated, bw_buf_cstr(&marker));
	bw_buf_free(&marker);
	return rc;
}

/* --- policy tags ---------------------------------------------------------- */

static int s_retag_policy_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *arn = bw_iamp_str(in, "PolicyArn");
	json_t *pol;
	bool aws;
	char key[BW_IAMP_KEY_MAX];
	if (bw_iamp_find_policy(call, arn, false, &pol, &aws) != 0)
		return -1;
	if (aws) {
		json_decref(pol);
		return bw_iamp_aws_readonly(call, arn);
	}
	const json_t *tags = json_object_get(in, "Tags");
	if (tags && bw_iamp_tags_merge(call, pol, tags) != 0) {
		json_decref(pol);
		return -1;
	}
	bw_iamp_tags_remove(pol, json_object_get(in, "TagKeys"));
	int rc = bw_iamp_local_policy_key(call, arn, key) == 0
	             ? bw_doc_update(call->store, BW_IAM_POLICY, call->account_id, key, pol)
	             : -1;
	json_decref(pol);
	return rc == BW_STORE_OK ? 0 : bw_iamp_store_fail(call);
}

int bw_iamp_tag_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_retag_policy_txn, in, out);
}

int bw_iamp_untag_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_retag_policy_txn, in, out);
}

int bw_iamp_list_policy_tags(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *pol;
	bool aws;
	if (bw_iamp_find_policy(call, bw_iamp_str(in, "PolicyArn"), false, &pol, &aws) != 0)
		return -1;
	int rc = bw_iamp_tags_list(call, in, pol, out);
	json_decref(pol);
	return rc;
}
