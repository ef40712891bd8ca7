/*
 * kms_authz.h: the authorization KMS really does — key policies, IAM
 * policies and grants combined as AWS's "Determining access to an AWS KMS
 * key" says — and the operations that manage it: PutKeyPolicy
 * (kms_policy.c) and grants (kms_grants.c).
 *
 * The decision for a caller, an action and a key (kms_authz.c):
 *   1. An explicit Deny in the key policy or in the caller's IAM policies
 *      (identity, permissions boundary, session policies) denies.
 *   2. Allowed when the key policy allows the caller for the action
 *      (directly — its user / role / session ARN — or through the account,
 *      "arn:aws:iam::<acct>:root", which delegates to IAM) AND the policy
 *      engine's combined evaluation with that key policy as the resource
 *      policy allows (a delegation then needs an IAM Allow, within the
 *      boundary and session policies). An IAM Allow alone grants nothing.
 *      The account root has no bypass: it is allowed only by the key policy.
 *   3. Else allowed when a grant of the key names the caller (its ARN, or
 *      the role of a role session) as grantee, lists the operation and its
 *      constraints hold for the request's encryption context.
 *   4. Else AccessDeniedException with AWS's message.
 */
#ifndef BW_SERVICES_KMS_AUTHZ_H
#define BW_SERVICES_KMS_AUTHZ_H

#include <jansson.h>
#include <stdbool.h>

#include "gateway/call.h"

/* Key policies are at most 32 KiB (KMS quota). */
#define BW_KMS_POLICY_MAX_BYTES 32768

/* bw_authorize_fn of every row that acts on a key. */
int bw_kms_authorize(struct bw_call *call, const json_t *in);
/* bw_authorize_fn of CreateKey: IAM alone (there is no key policy yet),
 * with kms:KeySpec, kms:KeyUsage, kms:KeyOrigin, kms:CallerAccount,
 * kms:BypassPolicyLockoutSafetyCheck and kms:MultiRegion of the request. */
int bw_kms_authorize_create_key(struct bw_call *call, const json_t *in);

/*
 * Whether the KMS decision (steps 1-2, and 3 when use_grants) allows the
 * caller `action` on key_doc under the key policy text `policy` (NULL: the
 * key's own), with the condition keys of `in`. *allowed receives the
 * answer; when fail_on_deny the call is also failed with AWS's denial.
 * -1 with the call failed on an internal error (or a denial, as said).
 */
int bw_kms_decide(struct bw_call *call, const json_t *in, const char *action,
                  const json_t *key_doc, const char *policy, bool use_grants, bool fail_on_deny,
                  bool *allowed);

/* kms_policy.c: validate a key policy text for CreateKey / PutKeyPolicy on
 * key_doc: its size, its grammar as a resource policy
 * (MalformedPolicyDocumentException with the parser's message) and, unless
 * bypass, the lockout safety check. 0 or -1 with the call failed. */
int bw_kms_check_key_policy_or_fail(struct bw_call *call, const json_t *in,
                                    const json_t *key_doc, const char *policy, bool bypass);

/* An IAM user or role went: key policies naming its ARN name its unique id
 * instead (services/service.h principal_deleted). */
int bw_kms_principal_deleted(struct bw_store *store, const char *account, const char *arn,
                             const char *unique_id);
int bw_kms_put_key_policy(struct bw_call *call, const json_t *in, json_t *out);

/* kms_grants.c */
int bw_kms_create_grant(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_list_grants(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_list_retirable_grants(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_retire_grant(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_revoke_grant(struct bw_call *call, const json_t *in, json_t *out);
/* bw_authorize_fn of RetireGrant: the retiring principal, the grantee of a
 * grant that lists RetireGrant, or the account root may retire; a grant
 * that cannot be found is the handler's to answer. */
int bw_kms_authorize_retire(struct bw_call *call, const json_t *in);

/*
 * Whether a live grant of key_doc allows the caller `op` (the grant
 * operation name, "Encrypt") with encryption context enc_ctx (an object or
 * NULL = none); for CreateGrant, `in` is the request (a constrained grant
 * allows only sub-grants with the same constraints). 0 or -1 (store error,
 * the call failed).
 */
int bw_kms_grants_allow(struct bw_call *call, const json_t *key_doc, const char *op,
                        const json_t *enc_ctx, const json_t *in, bool *allowed);
/* Each GrantTokens entry of in must be a token of a live grant of key_doc,
 * else InvalidGrantTokenException. 0 or -1. */
int bw_kms_grant_tokens_or_fail(struct bw_call *call, const json_t *key_doc, const json_t *in);

#endif
