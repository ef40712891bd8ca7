/*
 * sts_credentials.h: temporary credentials — minting them, reading them back
 * for authentication, and the encoded authorization messages.
 *
 * A session credential is an iam/access-key document (services/iam/
 * iam_store.h) with Owner "session", an "ASIA" access key id, the secret
 * sealed like a long-term key's, "Expiration", "SessionTokenSha256" (the
 * token itself is never stored) and a "Session" object. Beyond the fields
 * iam_store.h lists, Session also holds (snapshots taken at issuance):
 *   "SourceUserArn"   the ARN of the user a session came from (absent: root)
 *   "PrincipalTags"   {k: v}: the role's (or user's) tags overridden by the
 *                     session tags, as they were at issuance. What
 *                     aws:PrincipalTag/ sees is read again at each request
 *                     (gateway/authn.c): the tags as they stand then
 *   "AssumedRoleArn"  arn:aws:sts::<acct>:assumed-role/<role>/<session>
 * A GetFederationToken session (Type "FederatedUser") holds
 * "FederatedUserName", "FederatedUserArn", "Tags" (the session tags), the
 * source user's "SourceUserName"/"SourceUserId"/"SourceUserArn" (absent for
 * the root's) and "Policies" when session policies were passed; without
 * them the principal gets a session policy allowing nothing (decision 0102).
 *
 * Session tokens are "BwSt" + base64url(32 random bytes): opaque, 256 bits,
 * recognisable in logs and bug reports without revealing anything.
 */
#ifndef BW_SERVICES_STS_CREDENTIALS_H
#define BW_SERVICES_STS_CREDENTIALS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/principal.h"
#include "core/buf.h"
#include "crypto/seal.h"
#include "gateway/call.h"

#define BW_STS_TOKEN_PREFIX "BwSt"
/* prefix + 43 base64url characters of 32 bytes */
#define BW_STS_TOKEN_LEN 47

struct bw_call;

/* Credentials just issued; the secret and token are wiped by
 * bw_sts_creds_clear and never stored in plaintext. */
struct bw_sts_creds {
	char access_key_id[24];
	char secret[41];
	char token[BW_STS_TOKEN_LEN + 1];
	int64_t expiration_s;
};

/* Mint an ASIA key id, a secret and a token for `session` (the "Session"
 * object, borrowed) lasting duration_s from call->now_s, and write the
 * iam/access-key document in one transaction. On failure the call has
 * been failed (InternalFailure) and -1 is returned; out is wiped. */
int bw_sts_issue_or_fail(struct bw_call *call, const json_t *session, int64_t duration_s,
                         struct bw_sts_creds *out);
/* Credentials {AccessKeyId, SecretAccessKey, SessionToken, Expiration} of
 * the output shape, or NULL on no memory. */
json_t *bw_sts_creds_json(const struct bw_sts_creds *c);
void bw_sts_creds_clear(struct bw_sts_creds *c);

/* Fill out from a session access-key document of `account`: AssumedRole
 * sessions become BW_PT_ASSUMED_ROLE (arn, principal_id "<RoleId>:<session>",
 * role fields, session fields, mfa, tags, session_policies); SessionToken
 * sessions become the source user (BW_PT_IAM_USER) or the root, with
 * from_session_token set. Sets temporary, access_key_id, session_created_s
 * and session_expires_s. Tags are the snapshot taken at issuance.
 * Does not check Status, Expiration or the token, nor that the user or role
 * still exists: gateway/authn.c binds the session to the stored principal's
 * unique id (and refreshes its tags). -1 when the document is not a
 * well-formed session document (out is then cleared). */
int bw_sts_session_principal(const json_t *access_key_doc, const char *account,
                             struct bw_principal *out);

/* Whether token is the session token of the document: SHA-256 of the token
 * compared in constant time with "SessionTokenSha256". False for a NULL or
 * oversized token or a document without a token hash. */
bool bw_sts_token_matches(const json_t *access_key_doc, const char *token);

/* An encoded authorization message: the JSON context (AWS's DecodedMessage:
 * {"allowed": false, "explicitDeny", "matchedStatements", "failures",
 * "context": {"principal": {"id", "arn"}, "action", "resource",
 * "conditions"}}) sealed under purpose BW_STS_AUTH_MESSAGE_PURPOSE with the
 * account as associated data, base64. out is reset first. */
#define BW_STS_AUTH_MESSAGE_PURPOSE "sts/authorization-message"
BW_MUST_CHECK int bw_sts_encode_authorization_message(const struct bw_root_key *rk,
                                                      const char *account,
                                                      const json_t *context,
                                                      struct bw_buf *out);

/* The STS handlers (their operation table is in sts.c). */
int bw_sts_assume_role(struct bw_call *call, const json_t *in, json_t *out);
int bw_sts_get_session_token(struct bw_call *call, const json_t *in, json_t *out);
int bw_sts_get_access_key_info(struct bw_call *call, const json_t *in, json_t *out);
int bw_sts_decode_authorization_message(struct bw_call *call, const json_t *in, json_t *out);
/* The row's context keys (service.h bw_context_fn): sts:RoleSessionName,
 * sts:ExternalId, sts:SourceIdentity, sts:TransitiveTagKeys, so that
 * identity policies see them as trust policies do. */
int bw_sts_assume_role_keys(struct bw_call *call, const json_t *in, json_t *extra);
int bw_sts_assume_role_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);
/* The row's authorizer: the caller's policies and the role's trust policy
 * with AWS's same-account logic (a trust policy naming the caller's ARN
 * needs no identity Allow). */
int bw_sts_assume_role_authorize(struct bw_call *call, const json_t *in);


/* Shared by AssumeRole and GetFederationToken (sts_assume_role.c); each
 * fails the call with AWS's error and returns -1, or returns 0. */
/* A member's length min..max and characters [\w<extra>] (pattern is the
 * text AWS's message quotes). */
int bw_sts_check_member(struct bw_call *call, const char *member, const char *v, size_t min,
                        size_t max, const char *extra, const char *pattern);
/* Session tags: caller_doc's (may be NULL) transitive tags, then the
 * request's Tags, into tags ({k: v}); transitive keys into transitive. */
int bw_sts_session_tags(struct bw_call *call, const json_t *in, const json_t *caller_doc,
                        json_t *tags, json_t *transitive);
/* The inline Policy (parsed as a session policy) and each PolicyArns
 * document, as texts appended to `texts`. */
int bw_sts_session_policies(struct bw_call *call, const json_t *in, json_t *texts);
/* PackedPolicySize of Policy, PolicyArns and tags (PackedPolicyTooLarge
 * over 100%). */
int bw_sts_packed_percent(struct bw_call *call, const json_t *in, const json_t *tags,
                          long *percent);
/* Whether the caller's own policies (with boundary and session policies)
 * allow a permissions-only action (sts:TagSession ...) on resource_arn. */
int bw_sts_identity_allows_or_fail(struct bw_call *call, const json_t *in, const char *action,
                                   const char *resource_arn, const char *source_identity);

/* GetFederationToken (sts_federation.c): handler, resource locator
 * (arn:aws:sts::<acct>:federated-user/<Name>) and authorizer. */
int bw_sts_get_federation_token(struct bw_call *call, const json_t *in, json_t *out);
int bw_sts_federation_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);
int bw_sts_federation_authorize(struct bw_call *call, const json_t *in);

#endif
