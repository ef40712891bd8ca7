/*
 * iam_errors.h: IAM's error catalogue. Each entry is an error code (an
 * exception shape of the iam model, or one of call.c's common codes) and
 * AWS's message template; a call site names the entry and passes the
 * template's arguments:
 *
 *   return bw_fail(call, IAM_NO_SUCH_ENTITY, "user", name);
 *
 * The wire code and status come from the model's shape (NoSuchEntityException
 * answers NoSuchEntity, 404). Errors every service shares are in
 * gateway/errors.h. Decision 0107.
 */
#ifndef BW_SERVICES_IAM_ERRORS_H
#define BW_SERVICES_IAM_ERRORS_H

#include "gateway/errors.h"

/* --- no such entity --- */
/* the entity's word ("user", "role", "group" ...), its name */
#define IAM_NO_SUCH_ENTITY "NoSuchEntityException", "The %s with name %s cannot be found."
/* the entity's word, the policy name */
#define IAM_NO_SUCH_INLINE_POLICY                                                                  \
	"NoSuchEntityException", "The %s policy with name %s cannot be found."
#define IAM_NO_SUCH_ACCESS_KEY                                                                     \
	"NoSuchEntityException", "The Access Key with id %.128s cannot be found."
#define IAM_NO_SUCH_INSTANCE_PROFILE "NoSuchEntityException", "Instance Profile %s cannot be found."
#define IAM_NO_SUCH_ACCOUNT_ALIAS "NoSuchEntityException", "The account alias %s cannot be found."
#define IAM_POLICY_NOT_FOUND "NoSuchEntityException", "Policy %s was not found."
/* attaching, or naming a policy in a permissions boundary */
#define IAM_POLICY_NOT_ATTACHABLE                                                                  \
	"NoSuchEntityException", "Policy %s does not exist or is not attachable."
/* the policy ARN, the version id */
#define IAM_NO_SUCH_POLICY_VERSION                                                                 \
	"NoSuchEntityException", "Policy %s version %s does not exist or is not attachable."

/* --- already exists --- */
#define IAM_GROUP_EXISTS "EntityAlreadyExistsException", "Group with name %s already exists."
#define IAM_POLICY_EXISTS                                                                          \
	"EntityAlreadyExistsException",                                                            \
	    "A policy called %s already exists. Duplicate names are not allowed."
#define IAM_INSTANCE_PROFILE_EXISTS                                                                \
	"EntityAlreadyExistsException", "Instance Profile %s already exists."
/* the current alias */
#define IAM_ACCOUNT_ALIAS_EXISTS                                                                   \
	"EntityAlreadyExistsException",                                                            \
	    "The account alias %s already exists. An account can have only one alias."

/* --- quotas --- */
/* the quota's name (GroupsPerAccount, PolicySize ...), its value */
#define IAM_QUOTA_EXCEEDED "LimitExceededException", "Cannot exceed quota for %s: %d"
#define IAM_TOO_MANY_TAGS                                                                          \
	"LimitExceededException", "The number of tags has reached the maximum limit."
/* the limit, the entity's word, its name */
#define IAM_INLINE_POLICY_TOO_LARGE                                                                \
	"LimitExceededException", "Maximum policy size of %zu bytes exceeded for %s %s"
#define IAM_TOO_MANY_POLICY_VERSIONS                                                               \
	"LimitExceededException",                                                                  \
	    "A managed policy can have up to %d versions. Before you create a new version, you "   \
	    "must delete an existing version."

/* --- delete conflicts --- */
/* what must go first ("must delete policies first" ...) */
#define IAM_DELETE_CONFLICT "DeleteConflictException", "Cannot delete entity, %s."
#define IAM_POLICY_ATTACHED                                                                        \
	"DeleteConflictException", "Cannot delete a policy attached to entities."
#define IAM_POLICY_HAS_VERSIONS                                                                    \
	"DeleteConflictException",                                                                 \
	    "This policy has more than one version. Before you delete a policy, you must "         \
	    "delete the policy's versions. The default version is deleted with the policy."
#define IAM_DEFAULT_VERSION_UNDELETABLE                                                            \
	"DeleteConflictException", "Cannot delete the default version of a policy."

/* --- policy documents --- */
#define IAM_POLICY_SYNTAX_ERRORS "MalformedPolicyDocumentException", "Syntax errors in policy."
#define IAM_POLICY_INVALID_JSON                                                                    \
	"MalformedPolicyDocumentException", "This policy contains invalid Json"
/* the policy parser's own reason */
#define IAM_MALFORMED_POLICY "MalformedPolicyDocumentException", "%s"
#define IAM_AWS_MANAGED_UNMODIFIABLE                                                               \
	"AccessDenied", "Policy %s is an AWS managed policy and cannot be modified."

/* --- input AWS checks beyond the model's bounds --- */
/* the value (cut), the member, the bound */
#define IAM_NAME_TOO_LONG                                                                          \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%.128s' at '%s' failed to satisfy constraint: "   \
	    "Member must have length less than or equal to %zu"
#define IAM_NAME_NOT_PATTERN                                                                       \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%.128s' at '%s' failed to satisfy constraint: "   \
	    "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
#define IAM_NAME_KEY_TOO_LONG "ValidationError", "The name '%.128s' is too long."
#define IAM_NAME_MISSING_OR_TOO_LONG "InvalidInputException", "The name is too long or missing."
/* the member */
#define IAM_NAME_CHARACTERS                                                                        \
	"ValidationError",                                                                         \
	    "The specified value for %s is invalid. It must contain only alphanumeric "            \
	    "characters and/or the following: +=,.@_-"
/* the member (path, newPath) */
#define IAM_PATH_INVALID                                                                           \
	"ValidationError",                                                                         \
	    "The specified value for %s is invalid. It must begin and end with / and contain "     \
	    "only alphanumeric characters and/or / characters."
#define IAM_PATH_PREFIX_INVALID                                                                    \
	"ValidationError",                                                                         \
	    "The specified value for pathPrefix is invalid. It must begin with / and contain "     \
	    "only alphanumeric characters and/or / characters."
#define IAM_PATH_PREFIX_NOT_PATTERN                                                                \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%s' at 'pathPrefix' failed to satisfy "           \
	    "constraint: Member must satisfy regular expression pattern: "                         \
	    "\\u002F[\\u0021-\\u007F]*"
#define IAM_ACCOUNT_ALIAS_NOT_PATTERN                                                              \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%.64s' at 'accountAlias' failed to satisfy "      \
	    "constraint: Member must satisfy regular expression pattern: "                         \
	    "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"
/* the model's statusType also lists Expired, which no caller may set */
#define IAM_ACCESS_KEY_STATUS_INVALID                                                              \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%.32s' at 'status' failed to satisfy "            \
	    "constraint: Member must satisfy enum value set: [Active, Inactive]"
#define IAM_MAX_ITEMS_INVALID                                                                      \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%lld' at 'maxItems' failed to satisfy "           \
	    "constraint: Member must have value between 1 and 1000"
#define IAM_MAX_ITEMS_NOT_NUMBER                                                                   \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "      \
	    "Member must have value between 1 and 1000"
/* a Marker this server did not hand out, on every list operation alike */
#define IAM_MARKER_INVALID "ValidationError", "Invalid Marker."
#define IAM_ARN_MALFORMED "ValidationError", "Invalid ARN"
#define IAM_ARN_INVALID "InvalidInputException", "ARN %s is not valid."
#define IAM_VERSION_ID_INVALID "InvalidInputException", "VersionId is not valid."
#define IAM_USER_NAME_NEEDED                                                                       \
	"ValidationError", "Must specify userName when calling with non-User credentials"

/* --- tags --- */
/* the tag's index (1-based), "key" or "value" */
#define IAM_TAG_NULL                                                                               \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value null at 'tags.%zu.member.%s' failed to satisfy "   \
	    "constraint: Member must not be null"
#define IAM_TAG_KEY_NOT_PATTERN                                                                    \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%.128s' at 'tags.%zu.member.key' failed to "      \
	    "satisfy constraint: Member must satisfy regular expression pattern: "                 \
	    "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
#define IAM_TAG_VALUE_NOT_PATTERN                                                                  \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%.256s' at 'tags.%zu.member.value' failed to "    \
	    "satisfy constraint: Member must satisfy regular expression pattern: "                 \
	    "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"
#define IAM_TAG_KEY_RESERVED                                                                       \
	"InvalidInputException", "User-defined tag keys can't start with 'aws:'."
#define IAM_DUPLICATE_TAG_KEYS                                                                     \
	"InvalidInputException",                                                                   \
	    "Duplicate tag keys found. Please note that Tag keys are case insensitive."
#define IAM_TAG_INCOMPLETE "InvalidInputException", "A tag needs a Key and a Value."

/* --- the server failed --- */
#define IAM_SERVICE_FAILURE                                                                        \
	"ServiceFailureException",                                                                 \
	    "The request processing has failed because of an unknown error, exception or "         \
	    "failure."

/* --- service-specific credentials --- */
#define IAM_SERVICE_NOT_SUPPORTED                                                                  \
	"ServiceNotSupportedException",                                                            \
	    "The specified service %.128s is not supported for service-specific credentials."
#define IAM_CREDENTIAL_AGE_NOT_API_KEY                                                             \
	"InvalidInputException",                                                                   \
	    "CredentialAgeDays is only valid for services that support long-term API keys."
#define IAM_CREDENTIAL_AGE_RANGE                                                                   \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%lld' at 'credentialAgeDays' failed to satisfy "  \
	    "constraint: Member must have value between 1 and 36600"
#define IAM_ALL_USERS_WITH_USER_NAME                                                               \
	"ValidationError", "AllUsers cannot be specified together with UserName."
#define IAM_NO_SUCH_SERVICE_CREDENTIAL                                                             \
	"NoSuchEntityException", "The Service Specific Credential with id %.128s cannot be found."

/* --- service-linked roles --- */
#define IAM_SLR_SERVICE_INVALID "InvalidInputException", "Invalid service name: %.128s"
#define IAM_SLR_SUFFIX_NOT_ALLOWED "InvalidInputException", "Custom suffix is not allowed for %s"
#define IAM_SLR_SUFFIX_INVALID                                                                     \
	"InvalidInputException", "Invalid CustomSuffix: %.64s. It must match [\\w+=,.@-]+"
/* the role name, the suffix, the limit */
#define IAM_SLR_NAME_TOO_LONG                                                                      \
	"InvalidInputException",                                                                   \
	    "The role name %s_%.64s exceeds the maximum length of %d characters."
#define IAM_SLR_NAME_TAKEN                                                                         \
	"InvalidInputException",                                                                   \
	    "Service role name %s has been taken in this account, please try a different suffix."
#define IAM_SLR_TASK_INVALID "InvalidInputException", "Invalid deletion task id: %.256s"
#define IAM_NO_SUCH_SLR_TASK                                                                       \
	"NoSuchEntityException", "The deletion task with id %.256s cannot be found."

/* --- roles and users --- */
/* the entity's word ("Role", "User"), its name */
#define IAM_ENTITY_EXISTS "EntityAlreadyExistsException", "%s with name %s already exists."
/* a trust policy naming an AWS principal that does not exist */
#define IAM_TRUST_PRINCIPAL_INVALID                                                                \
	"MalformedPolicyDocumentException", "Invalid principal in policy: \"AWS\":\"%s\""
#define IAM_ROLE_PROTECTED                                                                         \
	"UnmodifiableEntityException",                                                             \
	    "Cannot perform the operation on the protected role '%s' - this role is only "         \
	    "modifiable by AWS"
#define IAM_SLR_SESSION_DURATION_FIXED                                                             \
	"UnmodifiableEntityException",                                                             \
	    "%s is an AWS service linked role, max session duration cannot be changed."

#endif
