/*
 * iam_policy_set.h: what the gateway and STS read of IAM's permissions —
 * the policy documents that apply to a principal, and a role's trust policy.
 * Pure store reads (services/iam/iam_store.h layout); no bw_call needed.
 */
#ifndef BW_SERVICES_IAM_POLICY_SET_H
#define BW_SERVICES_IAM_POLICY_SET_H

#include <jansson.h>

#include "auth/principal.h"

struct bw_store;

/*
 * The identity-based policies of p and its permissions boundary, as
 * document texts to compile (kind BW_POLICY_IDENTITY / BW_POLICY_BOUNDARY):
 *   *identity: a new array of {"id": <stable id>, "doc": <policy JSON text>}:
 *     IAM user (also the user behind a federated-user session): its inline
 *     policies, its attached managed policies (default version), then for
 *     each of its groups the group's inline and attached policies;
 *     assumed role: the role's inline and attached policies;
 *     root: an empty array (the root is not governed by identity policies).
 *   *boundary: a new {"id", "doc"} object for the user's or role's
 *     permissions boundary (its default version), or NULL when none.
 * Ids change whenever the text may: "managed:<PolicyId>:<version>",
 * "aws:<PolicyName>:<version>", "inline:<user|group|role>/<name>/<policy>:
 * <fnv1a-64 of the text>", so they key a compiled-policy cache safely
 * (bw_policy_cache_get_or_compile(cache, id, "", doc ...)).
 * Session policies are not included (they are in p->session_policies).
 * Returns 0, BW_STORE_NOT_FOUND when the user or role no longer exists,
 * or BW_STORE_ERROR (-1); on failure both outputs are NULL.
 */
int bw_iam_policies_for(struct bw_store *store, const struct bw_principal *p,
                        json_t **identity, json_t **boundary);

/*
 * The stored Role document of role_name in account (new reference in
 * *role_doc): "RoleName", "RoleId", "Arn", "Path", "MaxSessionDuration",
 * "AssumeRolePolicyDocument" (the trust policy's JSON text, not encoded),
 * "Tags", "PermissionsBoundary" ... Returns 0, BW_STORE_NOT_FOUND, or
 * BW_STORE_ERROR.
 */
int bw_iam_role_trust(struct bw_store *store, const char *account,
                      const char *role_name, json_t **role_doc);

#endif
