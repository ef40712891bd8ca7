/*
 * iam_account.c: the account as IAM sees it — GetAccountSummary (counts of
 * what the store holds beside AWS's default quotas) and the account alias
 * (one per account: ListAccountAliases, CreateAccountAlias,
 * DeleteAccountAlias).
 */
#include <stdio.h>
#include <string.h>

#include "services/iam/iam_errors.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

/* AWS's default quotas, as GetAccountSummary reports them. */
static const struct {
	const char *key;
	int value;
} s_quotas[] = {
	{"AccessKeysPerUserQuota", BW_IAM_QUOTA_ACCESS_KEYS_PER_USER},
	{"AssumeRolePolicySizeQuota", 2048},
	{"AttachedPoliciesPerGroupQuota", 10},
	{"AttachedPoliciesPerRoleQuota", 10},
	{"AttachedPoliciesPerUserQuota", 10},
	{"GlobalEndpointTokenVersion", 1},
	{"GroupPolicySizeQuota", 5120},
	{"GroupsPerUserQuota", BW_IAM_QUOTA_GROUPS_PER_USER},
	{"GroupsQuota", BW_IAM_QUOTA_GROUPS},
	{"InstanceProfilesQuota", 1000},
	{"PoliciesQuota", 1500},
	{"PolicySizeQuota", 6144},
	{"PolicyVersionsInUseQuota", 10000},
	{"RolePolicySizeQuota", 10240},
	{"RolesQuota", 1000},
	{"ServerCertificatesQuota", 20},
	{"SigningCertificatesPerUserQuota", 2},
	{"UserPolicySizeQuota", 2048},
	{"UsersQuota", BW_IAM_QUOTA_USERS},
	{"VersionsPerPolicyQuota", 5},
	/* what bulwark does not have (yet) counts zero, truthfully */
	{"AccountMFAEnabled", 0},
	{"AccountPasswordPresent", 0},
	{"AccountSigningCertificatesPresent", 0},
	{"MFADevices", 0},
	{"MFADevicesInUse", 0},
	{"Providers", 0},
	{"ServerCertificates", 0},
};

/* Counted from the store: summary key, kind, key prefix. */
static const struct {
	const char *key;
	const char *kind;
	const char *prefix;
} s_counts[] = {
	{"Users", BW_IAM_USER, NULL},
	{"Groups", BW_IAM_GROUP, NULL},
	{"Roles", BW_IAM_ROLE, NULL},
	{"InstanceProfiles", BW_IAM_INSTANCE_PROFILE, NULL},
	{"Policies", BW_IAM_POLICY, NULL},
	/* each attachment of a managed policy puts its default version in use */
	{"PolicyVersionsInUse", BW_IAM_ATTACHED, NULL},
	{"AccountAccessKeysPresent", BW_IAM_USER_ACCESS_KEY, BW_IAM_ROOT_KEY_OWNER "/"},
};

int bw_iam_get_account_summary(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)in;
	json_t *map = json_object();
	if (!map)
		return bw_iam_internal(call);
	for (size_t i = 0; i < sizeof s_quotas / sizeof s_quotas[0]; i++)
		if (json_object_set_new(map, s_quotas[i].key, json_integer(s_quotas[i].value)) != 0)
			goto error;
	for (size_t i = 0; i < sizeof s_counts / sizeof s_counts[0]; i++) {
		size_t n = 0;
		if (bw_doc_count(call->store, s_counts[i].kind, call->account_id, s_counts[i].prefix,
		                 &n) != BW_STORE_OK)
			goto error;
		if (strcmp(s_counts[i].key, "AccountAccessKeysPresent") == 0)
			n = n > 0; /* a flag, not a count */
		if (json_object_set_new(map, s_counts[i].key, json_integer((json_int_t)n)) != 0)
			goto error;
	}
	if (json_object_set_new(out, "SummaryMap", map) != 0)
		return bw_iam_internal(call);
	return 0;
error:
	json_decref(map);
	return bw_iam_internal(call);
}

int bw_iam_list_account_aliases(struct bw_call *call, const json_t *in, json_t *out)
{
	struct bw_iam_page page;
	json_t *rows = NULL, *aliases = NULL;
	if (bw_iam_page_or_fail(call, in, &page) != 0)
		return -1;
	int rc = bw_iam_list_or_fail(call, BW_IAM_ACCOUNT_ALIAS, NULL, &page, NULL, NULL, &rows, out);
	bw_iam_page_free(&page);
	if (rc != 0)
		return -1;
	aliases = json_array();
	for (size_t i = 0; aliases && i < json_array_size(rows); i++) {
		const char *a = bw_iam_str(json_array_get(rows, i), "AccountAlias");
		if (!a || json_array_append_new(aliases, json_string(a)) != 0) {
			json_decref(aliases);
			aliases = NULL;
		}
	}
	json_decref(rows);
	if (!aliases || json_object_set_new(out, "AccountAliases", aliases) != 0)
		return bw_iam_internal(call);
	return 0;
}

/* ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$ */
static bool s_alias_ok(const char *a)
{
	size_t n = strlen(a);
	if (n < 3 || n > 63 || a[0] == '-' || a[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = a[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		          (c == '-' && a[i + 1] != '-');
		if (!ok)
			return false;
	}
	return true;
}

static int s_alias_or_fail(struct bw_call *call, const json_t *in, const char **alias)
{
	*alias = bw_iam_str(in, "AccountAlias");
	if (!*alias)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "AccountAlias");
	if (!s_alias_ok(*alias))
		return bw_fail(call, IAM_ACCOUNT_ALIAS_NOT_PATTERN, *alias);
	return 0;
}

int bw_iam_create_account_alias(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *alias = NULL;
	json_t *existing = NULL, *doc = NULL;
	bool more = false;
	if (s_alias_or_fail(call, in, &alias) != 0)
		return -1;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	struct bw_doc_page page = {.limit = 1};
	if (bw_doc_list(call->store, BW_IAM_ACCOUNT_ALIAS, call->account_id, &page, &existing,
	                &more) != BW_STORE_OK)
		goto internal;
	const char *current = bw_iam_str(json_array_get(existing, 0), "key");
	if (current && strcmp(current, alias) == 0)
		goto done; /* the alias it already has: nothing to change */
	if (current) {
		bw_fail(call, IAM_ACCOUNT_ALIAS_EXISTS, current);
		goto error;
	}
	doc = json_pack("{s:s}", "AccountAlias", alias);
	if (!doc ||
	    bw_doc_create(call->store, BW_IAM_ACCOUNT_ALIAS, call->account_id, alias, doc) !=
	            BW_STORE_OK)
		goto internal;
done:
	json_decref(existing);
	json_decref(doc);
	return bw_store_commit(call->store) == 0 ? 0 : bw_iam_internal(call);
internal:
	bw_iam_internal(call);
error:
	json_decref(existing);
	json_decref(doc);
	bw_store_rollback(call->store);
	return -1;
}

int bw_iam_delete_account_alias(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *alias = NULL;
	if (s_alias_or_fail(call, in, &alias) != 0)
		return -1;
	int rc = bw_doc_delete(call->store, BW_IAM_ACCOUNT_ALIAS, call->account_id, alias);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, IAM_NO_SUCH_ACCOUNT_ALIAS, alias);
	return rc == BW_STORE_OK ? 0 : bw_iam_internal(call);
}
