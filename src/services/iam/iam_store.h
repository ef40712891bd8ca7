/*
 * iam_store.h: how IAM and STS keep their state in the document store
 * (store/doc.h). One place that says it, so IAM, STS and the gateway's
 * authentication agree.
 *
 * IAM names of users, groups, roles and managed policies are unique without
 * regard to case ("Alice" and "alice" cannot coexist) but keep the case they
 * were created with: keys use bw_iam_key() (lower case); documents keep the
 * name as given. Documents use the member names of the IAM API's shapes
 * (User, Group, Role, Policy, PolicyVersion, AccessKeyMetadata...) so a
 * handler can return them with little change. Times are epoch seconds.
 * Policy documents are stored as their JSON text, exactly as given (the API
 * returns them URL-encoded; the codec does not — handlers do).
 *
 *   kind                   key                                   document
 *   iam/user               <user>                                User + "Tags", "PermissionsBoundary"
 *   iam/group              <group>                               Group
 *   iam/group-member       <group>/<user>                        {"GroupName","UserName"}
 *   iam/user-group         <user>/<group>                        {"GroupName","UserName"}
 *   iam/role               <role>                                Role incl. "AssumeRolePolicyDocument" (text),
 *                                                                "MaxSessionDuration", "Tags", "PermissionsBoundary"
 *   iam/policy             <policy name>                         Policy (Arn, PolicyId, DefaultVersionId, ...)
 *   iam/policy-version     <policy name>/<version id, e.g. v3>   {"VersionId","Document","IsDefaultVersion","CreateDate"}
 *   iam/attached           <user|group|role>/<name>/<policy arn> {"PolicyArn","PolicyName"}
 *   iam/policy-entity      <policy arn>/<user|group|role>/<name> {"EntityType","EntityName"}
 *   iam/inline             <user|group|role>/<name>/<policy name> {"PolicyName","PolicyDocument"}
 *   iam/access-key         <access key id>                       see below
 *   iam/user-access-key    <user>/<access key id>                {"AccessKeyId"}
 *   iam/id                 <unique id: AIDA.../AGPA.../AROA.../ANPA...> {"Kind": "user"|"group"|
 *                                                                "role"|"policy", "Name"}
 *   iam/boundary-entity    <policy arn>/<user|role>/<name>       who uses a policy as boundary
 *   iam/aws-policy-usage   <aws managed policy arn>              its attachment counts
 *   iam/account-alias      <alias>                               {"AccountAlias"}, one per account
 *
 * Root access keys are indexed in iam/user-access-key under "@root/<akid>",
 * a name no IAM user can have. iam/policy documents carry "NextVersion" so
 * version ids are never reused.
 *
 * (<name> parts of keys are bw_iam_key() of the name; a policy ARN in a key
 * is kept as is.)
 *
 * iam/access-key documents — every credential that can sign a request:
 *   {"AccessKeyId", "Status": "Active"|"Inactive", "CreateDate",
 *    "Owner": "root"|"user"|"session",
 *    "UserName" (owner user), "UserId",
 *    "SecretSealed": base64 of bw_seal(root key, BW_SEAL_PURPOSE_SECRET_KEY,
 *                    aad = bw_iam_secret_aad(account, access key id), secret),
 *    "LastUsed": {"LastUsedDate", "ServiceName", "Region"} (absent if never),
 *    sessions only: "Expiration", "SessionTokenSha256" (hex; the token itself
 *    is never stored), "Session": {"Type": "AssumedRole"|"FederatedUser"|
 *    "SessionToken", "RoleArn", "RoleName", "RoleId", "RoleSessionName",
 *    "SourceIdentity", "MfaAuthenticated", "MfaAuthTime", "CreationDate",
 *    "Tags": {k: v}, "TransitiveTagKeys": [...],
 *    "Policies": [policy texts], "SourceUserName", "SourceUserId"}}
 *
 * Credentials are bound to a principal's unique id, not its name: a user's
 * key by "UserId", a role session by Session.RoleId, a GetSessionToken
 * session by Session.SourceUserId. Authentication (gateway/authn.c) finds
 * the principal through iam/id and refuses the credential unless the stored
 * user or role carries that id, so a user or role deleted and created again
 * under the same name never inherits the old one's keys or sessions, and a
 * renamed user keeps its own. (DeleteUser also refuses while the user has
 * access keys, as AWS does.)
 *
 * Access key ids: "AKIA" (long-term) or "ASIA" (session) + 16 characters of
 * [A-Z2-7]; secrets: 40 characters of base64 alphabet; unique ids: the
 * four-letter prefix + 17 characters of [A-Z0-9]. bw_iam_new_id() makes them.
 */
#ifndef BW_SERVICES_IAM_STORE_H
#define BW_SERVICES_IAM_STORE_H

#include <stddef.h>

#define BW_IAM_USER "iam/user"
#define BW_IAM_GROUP "iam/group"
#define BW_IAM_GROUP_MEMBER "iam/group-member"
#define BW_IAM_USER_GROUP "iam/user-group"
#define BW_IAM_ROLE "iam/role"
#define BW_IAM_POLICY "iam/policy"
#define BW_IAM_POLICY_VERSION "iam/policy-version"
#define BW_IAM_ATTACHED "iam/attached"
#define BW_IAM_POLICY_ENTITY "iam/policy-entity"
#define BW_IAM_INLINE "iam/inline"
#define BW_IAM_ACCESS_KEY "iam/access-key"
#define BW_IAM_USER_ACCESS_KEY "iam/user-access-key"
#define BW_IAM_ID "iam/id"
/* instance profiles (iam_instance_profiles.c) and their roles, role first:
 * "<role key>/<profile key>" -> {InstanceProfileKey, RoleId} */
#define BW_IAM_INSTANCE_PROFILE "iam/instance-profile"
#define BW_IAM_ROLE_PROFILE "iam/role-instance-profile"

#define BW_SEAL_PURPOSE_SECRET_KEY "iam/secret-access-key"

/* Lower-case an IAM name into out (ASCII; names are [\w+=,.@-]). -1 if it
 * does not fit. */
int bw_iam_key(const char *name, char *out, size_t outlen);
/* "<account>|<access key id>": the associated data of a sealed secret. */
int bw_iam_secret_aad(const char *account, const char *access_key_id, char *out, size_t outlen);
/* A new id: prefix ("AKIA", "ASIA", "AIDA", "AGPA", "AROA", "ANPA") and
 * random characters, 20 (access keys) or 21 (unique ids) long in all. */
int bw_iam_new_id(const char *prefix, char *out, size_t outlen);
/* A new 40-character secret access key (into a secret buffer). */
int bw_iam_new_secret(char out[41]);

#endif
