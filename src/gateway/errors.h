/*
 * errors.h: the catalogue of errors every service shares (the codes of
 * call.c's common table), and the gateway's own.
 *
 * Each entry expands to an error code and its message template, so a call
 * site names the error and passes only the template's arguments, and the
 * compiler still checks them against the template (bw_fail is printf-like):
 *
 *   return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
 *
 * The status comes from the code (call.c), never from the entry. Services
 * keep their own catalogues beside their handlers (iam/iam_errors.h ...);
 * tests/api/test_error_catalogue.py checks every code against the models
 * and that every entry is used. Decision 0107.
 */
#ifndef BW_GATEWAY_ERRORS_H
#define BW_GATEWAY_ERRORS_H

/* --- the server failed (500): no client can fix these --- */
#define BW_ERR_OUT_OF_MEMORY "InternalFailure", "out of memory"
#define BW_ERR_STORE_FAILED "InternalFailure", "The store failed."
#define BW_ERR_REQUEST_NOT_COMPLETED "InternalFailure", "The request could not be completed."
#define BW_ERR_HANDLER_NO_REASON "InternalFailure", "The handler failed without a reason"
#define BW_ERR_NOT_RECORDED "InternalFailure", "The request could not be recorded in the trail"
#define BW_ERR_NOT_COMMITTED_WITH_RECORD                                                           \
	"InternalFailure", "The change could not be committed with its record; nothing changed"
#define BW_ERR_NOT_COMMITTED "InternalFailure", "The change could not be committed"
#define BW_ERR_NOT_ENCODED "InternalFailure", "The response could not be encoded"
#define BW_ERR_RESOURCE_UNRESOLVED                                                                 \
	"InternalFailure", "The resource of the request could not be resolved"
#define BW_ERR_ROUTE_CHANGED "InternalFailure", "route changed under us"
#define BW_ERR_CREDENTIALS_UNREADABLE                                                              \
	"InternalFailure", "The credentials could not be read. Please try again."
#define BW_ERR_CONTEXT_NOT_BUILT "InternalFailure", "The request context could not be built"
#define BW_ERR_POLICIES_UNREADABLE "InternalFailure", "The caller's policies could not be read"
#define BW_ERR_POLICIES_NOT_EVALUATED                                                              \
	"InternalFailure", "The caller's policies could not be evaluated"

/* A member the model requires is missing: the decoder refuses such a request
 * (protocol/validate.c answers AWS's ValidationError), so a handler meeting
 * one was reached another way; it names the member(s) */
#define BW_ERR_REQUIRED_MISSING "InternalFailure", "The required member %s is missing"

/* An operation of the model with no handler (service.op) */
#define BW_ERR_NOT_IMPLEMENTED "NotImplemented", "%s.%s is not implemented by bulwark yet"

/* --- routing: which service and operation a request names --- */
/* awsJson: an X-Amz-Target no service serves, or no operation of it */
#define BW_ERR_NO_SERVICE_FOR_TARGET                                                               \
	"UnknownOperationException", "No service serves the target '%.200s'"
#define BW_ERR_UNKNOWN_TARGET_OPERATION                                                            \
	"UnknownOperationException", "Unknown operation '%.200s' for service %s"
#define BW_ERR_MISSING_TARGET "UnknownOperationException", "Missing X-Amz-Target header"
/* query: an Action no service (or no service of that Version) has */
#define BW_ERR_NO_QUERY_SERVICE_FOR_ACTION                                                         \
	"InvalidAction", "Could not find operation %.200s for any query service"
#define BW_ERR_UNKNOWN_ACTION_VERSION                                                              \
	"InvalidAction", "Could not find operation %.200s for version %s"
#define BW_ERR_MISSING_ACTION "MissingAction", "Missing or invalid Action parameter"
/* rest: no URI template matches (method, path); S3 answers MethodNotAllowed */
#define BW_ERR_NO_SERVICE_FOR_PATH "UnknownOperationException", "No service serves %s %.200s"
#define BW_ERR_NO_OPERATION_FOR_PATH "UnknownOperationException", "No %s operation serves %s %.200s"
#define BW_ERR_S3_NO_OPERATION_FOR_PATH "MethodNotAllowed", "No %s operation serves %s %.200s"
/* the credential scope names a service this server does not run */
#define BW_ERR_SCOPE_SERVICE_NOT_SERVED                                                            \
	"UnrecognizedClientException",                                                             \
	    "The service '%s' named by the credential scope is not served here"

/* --- authentication (statuses differ by protocol: authn.c passes them) --- */
#define BW_ERR_INVALID_CLIENT_TOKEN_ID                                                             \
	"InvalidClientTokenId", "The security token included in the request is invalid."
#define BW_ERR_S3_INVALID_TOKEN                                                                    \
	"InvalidToken", "The provided token is malformed or otherwise invalid."
#define BW_ERR_S3_INVALID_ACCESS_KEY_ID                                                            \
	"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
#define BW_ERR_EXPIRED_TOKEN "ExpiredToken", "The security token included in the request is expired"
#define BW_ERR_SIGNATURE_MISMATCH                                                                  \
	"SignatureDoesNotMatch",                                                                   \
	    "The request signature we calculated does not match the signature you provided. "      \
	    "Check your AWS Secret Access Key and signing method. Consult the service "            \
	    "documentation for details."
#define BW_ERR_SCOPE_BAD_REGION                                                                    \
	"SignatureDoesNotMatch", "Credential should be scoped to a valid region."
#define BW_ERR_SCOPE_WRONG_SERVICE                                                                 \
	"SignatureDoesNotMatch", "Credential should be scoped to correct service: '%s'. "

/* --- authorization --- */
/* Temporary credentials calling what they may not (the operation's name):
 * federation sessions outside GetCallerIdentity, session tokens without MFA */
#define BW_ERR_SESSION_CREDENTIALS_REFUSED "AccessDenied", "Cannot call %s with session credentials"
#define BW_ERR_SESSION_POLICIES_UNUSABLE "AccessDenied", "The session's policies are unusable"

#endif
