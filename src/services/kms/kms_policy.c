/*
 * kms_policy.c: key policies as KMS takes them — PutKeyPolicy, and the
 * validation CreateKey's Policy shares: the 32 KiB quota, the grammar of a
 * resource policy (MalformedPolicyDocumentException with the parser's
 * message), and the lockout safety check: unless
 * BypassPolicyLockoutSafetyCheck, the new policy must let the principal
 * making the request call kms:PutKeyPolicy on the key (by KMS's own
 * decision, kms_authz.h; grants cannot give that), so nobody locks
 * themselves out of a key by mistake. AWS managed keys' policies are not
 * editable.
 */
#include <string.h>

#include "auth/policy.h"
#include "services/iam/iam_principals.h"
#include "services/kms/kms_authz.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "services/policy_docs.h"
#include "store/doc.h"

int bw_kms_check_key_policy_or_fail(struct bw_call *call, const json_t *in,
                                    const json_t *key_doc, const char *policy, bool bypass)
{
	const json_t *p = json_object_get(in, "Policy");
	size_t len = json_is_string(p) ? json_string_length(p) : strlen(policy);
	if (len > BW_KMS_POLICY_MAX_BYTES)
		return bw_fail(call, KMS_POLICY_TOO_LARGE, len, BW_KMS_POLICY_MAX_BYTES);
	if (strlen(policy) != len) /* an embedded NUL: not a policy text */
		return bw_fail(call, KMS_POLICY_SYNTAX_ERRORS);
	struct bw_policy *parsed = NULL;
	char err[256] = "";
	if (bw_policy_parse(policy, len, BW_POLICY_RESOURCE, NULL, &parsed, err, sizeof err) != 0)
		return bw_fail(call, KMS_MALFORMED_POLICY,
		               err[0] ? err : "Syntax errors in policy.");
	bw_policy_unref(parsed);
	/* every user or role it names must exist: a policy naming one to come
	 * would trust whoever takes that name later */
	char missing[512];
	int m = bw_iam_missing_principal(call->store, call->account_id, policy, missing,
	                                 sizeof missing);
	if (m < 0)
		return bw_kms_internal(call);
	if (m > 0)
		return bw_fail(call, KMS_POLICY_INVALID_PRINCIPALS);
	if (bypass)
		return 0;
	bool allowed = false;
	if (bw_kms_decide(call, in, "kms:PutKeyPolicy", key_doc, policy, false, false, &allowed) !=
	    0)
		return -1;
	if (!allowed)
		return bw_fail(call, KMS_POLICY_LOCKOUT);
	return 0;
}

int bw_kms_put_key_policy(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *name = json_string_value(json_object_get(in, "PolicyName"));
	const char *policy = json_string_value(json_object_get(in, "Policy"));
	json_t *doc = NULL;
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               &doc) != 0)
		return -1;
	int rc = -1;
	if (name && strcmp(name, "default") != 0) {
		bw_fail(call, KMS_NO_SUCH_POLICY);
		goto done;
	}
	if (!policy) {
		bw_fail(call, KMS_MEMBER_NULL, "policy");
		goto done;
	}
	bool bypass = json_is_true(json_object_get(in, "BypassPolicyLockoutSafetyCheck"));
	if (bw_kms_customer_managed_or_fail(call, doc, "kms:PutKeyPolicy") != 0 ||
	    bw_kms_key_not_pending_deletion_or_fail(call, doc) != 0 ||
	    bw_kms_check_key_policy_or_fail(call, in, doc, policy, bypass) != 0)
		goto done;
	if (json_object_set_new(doc, "Policy", json_string(policy)) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	rc = bw_kms_save_key_or_fail(call, doc);
done:
	json_decref(doc);
	return rc;
}

int bw_kms_principal_deleted(struct bw_store *store, const char *account, const char *arn,
                             const char *unique_id)
{
	return bw_policy_docs_replace_principal(store, BW_KMS_KEY, account, "Policy", arn,
	                                        unique_id);
}
