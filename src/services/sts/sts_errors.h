/*
 * sts_errors.h: STS's error catalogue. Each entry is an error code (an
 * exception shape of the sts model, or one of call.c's common codes) and
 * AWS's message template; a call site names the entry and passes the
 * template's arguments:
 *
 *   return bw_fail(call, STS_NOT_AUTHORIZED, call->principal.arn, "sts:AssumeRole", arn);
 *
 * Errors every service shares are in gateway/errors.h. Decision 0107.
 */
#ifndef BW_SERVICES_STS_ERRORS_H
#define BW_SERVICES_STS_ERRORS_H

#include "gateway/errors.h"

/* --- AWS's validation wording for a member the model's bounds do not cover
 * (its pattern), or that a handler checks for a caller bypassing the
 * decoder: Value, member name, bound --- */
#define STS_VALUE_TOO_SHORT                                                                        \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: "       \
	    "Member must have length greater than or equal to %zu"
/* the value is cut to its first (int) characters */
#define STS_VALUE_TOO_LONG                                                                         \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%.*s...' at '%s' failed to satisfy "              \
	    "constraint: Member must have length less than or equal to %zu"
#define STS_VALUE_NOT_PATTERN                                                                      \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: "       \
	    "Member must satisfy regular expression pattern: %s"
/* AssumeRole's Policy (the model sets no bound; AWS's limit is 2048) */
#define STS_POLICY_TOO_LONG                                                                        \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value at 'policy' failed to satisfy constraint: "        \
	    "Member must have length less than or equal to 2048"
#define STS_TOO_MANY_POLICY_ARNS                                                                   \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: "    \
	    "Member must have length less than or equal to 10"
#define STS_POLICY_ARN_MISSING "ValidationError", "A PolicyArns entry has no arn."
#define STS_ACCESS_KEY_ID_INVALID                                                                  \
	"ValidationError",                                                                         \
	    "1 validation error detected: Value at 'accessKeyId' failed to satisfy constraint: "   \
	    "Member must have length between 16 and 128 and satisfy regular expression "           \
	    "pattern: [\\w]*"
#define STS_ROLE_ARN_INVALID "ValidationError", "Request ARN is invalid"
#define STS_DURATION_NOT_INTEGER "ValidationError", "DurationSeconds must be an integer."
#define STS_DURATION_ROLE_CHAINING                                                                 \
	"ValidationError",                                                                         \
	    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "    \
	    "by role chaining."
#define STS_DURATION_ABOVE_ROLE_MAX                                                                \
	"ValidationError",                                                                         \
	    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
#define STS_SOURCE_IDENTITY_RESERVED                                                               \
	"ValidationError", "SourceIdentity may not begin with the reserved prefix \"aws:\"."
#define STS_SESSION_TAG_INVALID                                                                    \
	"ValidationError",                                                                         \
	    "The session tag key or value is not valid: keys are 1..128 and values 0..256 "        \
	    "characters of [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@], and keys may not start with \"aws:\"."
/* A managed policy ARN in PolicyArns */
#define STS_POLICY_NOT_ATTACHABLE                                                                  \
	"ValidationError", "Policy %s does not exist or is not attachable."
/* GetAccessKeyInfo for a key this server did not issue (the key id) */
#define STS_ACCESS_KEY_UNKNOWN                                                                     \
	"ValidationError",                                                                         \
	    "The access key ID %s was not issued by this installation for this account; the "      \
	    "account of other keys cannot be determined."

/* --- session tags --- */
#define STS_DUPLICATE_TAG_KEYS                                                                     \
	"InvalidParameterValue",                                                                   \
	    "Duplicate tag keys found. Please note that Tag keys are case insensitive."
/* the key the calling session already set as transitive */
#define STS_TAG_KEY_ALREADY_TRANSITIVE                                                             \
	"InvalidParameterValue",                                                                   \
	    "One or more of the specified session tag keys were already set as transitive by "     \
	    "the calling session: %s"
#define STS_TRANSITIVE_KEY_NOT_IN_TAGS                                                             \
	"InvalidParameterValue",                                                                   \
	    "The specified transitive tag key must be included in the requested tags."

/* --- session policies --- */
/* the policy parser's own reason */
#define STS_MALFORMED_POLICY "MalformedPolicyDocumentException", "%s"
/* the percentage of the packed space the policies and tags take */
#define STS_PACKED_POLICY_TOO_LARGE                                                                \
	"PackedPolicyTooLargeException",                                                           \
	    "Packed policy consumes %ld%% of allotted space, please use smaller policy."
#define STS_AUTH_MESSAGE_INVALID                                                                   \
	"InvalidAuthorizationMessageException", "The encoded authorization message is invalid."

/* --- refusals --- */
/* caller ARN, action, role ARN */
#define STS_NOT_AUTHORIZED                                                                         \
	"AccessDenied", "User: %s is not authorized to perform: %s on resource: %s"
#define STS_SOURCE_IDENTITY_CHANGED                                                                \
	"AccessDenied",                                                                            \
	    "User: %s is not authorized to perform: sts:SetSourceIdentity: the source identity "   \
	    "of a role chain cannot be changed"
#define STS_MFA_FAILED                                                                             \
	"AccessDenied", "MultiFactor authentication failed, unable to validate MFA code."
#define STS_ROOT_CANNOT_ASSUME_ROLES "AccessDenied", "Roles may not be assumed by root accounts."

/* --- the server failed --- */
#define STS_CALLER_UNKNOWN "InternalFailure", "The caller is not known."
#define STS_CREDENTIALS_NOT_ISSUED                                                                 \
	"InternalFailure", "The credentials could not be issued; try again."

#endif
