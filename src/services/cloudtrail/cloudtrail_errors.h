/*
 * cloudtrail_errors.h: CloudTrail's error catalogue. Each entry is an error
 * code (an exception shape of the cloudtrail model, or one of call.c's
 * common codes) and AWS's message template; a call site names the entry and
 * passes the template's arguments:
 *
 *   return bw_fail(call, CT_TRAIL_NOT_FOUND, given, call->account_id);
 *
 * Errors every service shares are in gateway/errors.h. Decision 0107.
 */
#ifndef BW_SERVICES_CLOUDTRAIL_ERRORS_H
#define BW_SERVICES_CLOUDTRAIL_ERRORS_H

#include "gateway/errors.h"

/* --- trail names and ARNs (AWS's wording for each rule it checks) --- */
#define CT_TRAIL_NAME_EMPTY "InvalidTrailNameException", "Trail name cannot be empty."
/* the length given */
#define CT_TRAIL_NAME_TOO_SHORT                                                                    \
	"InvalidTrailNameException",                                                               \
	    "Trail name too short. Minimum allowed length: 3 characters. Specified name "          \
	    "length: %zu characters."
#define CT_TRAIL_NAME_TOO_LONG                                                                     \
	"InvalidTrailNameException",                                                               \
	    "Trail name too long. Maximum allowed length: 128 characters. Specified name "         \
	    "length: %zu characters."
#define CT_TRAIL_NAME_CHARACTERS                                                                   \
	"InvalidTrailNameException",                                                               \
	    "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, "   \
	    "periods (.), hyphens (-), and underscores (_)."
#define CT_TRAIL_NAME_CONSECUTIVE_SPECIALS                                                         \
	"InvalidTrailNameException", "Trail name cannot contain consecutive special characters."
#define CT_TRAIL_NAME_FIRST_CHARACTER                                                              \
	"InvalidTrailNameException", "Trail name must starts with a letter or number."
#define CT_TRAIL_NAME_LAST_CHARACTER                                                               \
	"InvalidTrailNameException", "Trail name must ends with a letter or number."
#define CT_TRAIL_NAME_IP_ADDRESS                                                                   \
	"InvalidTrailNameException", "Trail name cannot be formatted as an IP address."
#define CT_TRAIL_NOT_PROVIDED "TrailNotProvidedException", "Trail name is not provided."
/* the ARN given */
#define CT_TRAIL_ARN_INVALID                                                                       \
	"CloudTrailARNInvalidException",                                                           \
	    "ARN %.300s is not valid. Valid ARN format: "                                          \
	    "arn:aws:cloudtrail:<region>:<account>:trail/<name>."

/* --- trails --- */
/* the name or ARN given, the account */
#define CT_TRAIL_NOT_FOUND "TrailNotFoundException", "Unknown trail: %s for the user: %s"
/* the name, the account */
#define CT_TRAIL_ALREADY_EXISTS                                                                    \
	"TrailAlreadyExistsException", "Trail %s already exists for customer: %s"
/* the account, the limit, the region */
#define CT_TOO_MANY_TRAILS                                                                         \
	"MaximumNumberOfTrailsExceededException", "User: %s already has %d trails in %s."
#define CT_KMS_KEY_NOT_FOUND "KmsKeyNotFoundException", "KMS key not found: %.300s"
#define CT_KMS_KEY_DISABLED "KmsKeyDisabledException", "KMS key is disabled: %.300s"
#define CT_KMS_KEY_NOT_SYMMETRIC                                                                   \
	"InvalidKmsKeyIdException",                                                                \
	    "Insufficient permissions to access S3 bucket or KMS key %.300s: the key must be a "   \
	    "symmetric encryption key."
#define CT_S3_BUCKET_NAME_MISSING "InvalidS3BucketNameException", "S3 bucket name is required."
#define CT_S3_BUCKET_NAME_INVALID "InvalidS3BucketNameException", "Bucket name %.100s is not valid."
#define CT_S3_PREFIX_INVALID "InvalidS3PrefixException", "Prefix %.250s is not valid."
#define CT_MULTI_REGION_NEEDS_GLOBAL_EVENTS                                                        \
	"InvalidParameterCombinationException",                                                    \
	    "Multi-Region trail must include global service events."
#define CT_TRAIL_DELIVERY_UNSUPPORTED                                                              \
	"UnsupportedOperationException",                                                           \
	    "SNS notifications and CloudWatch Logs delivery are not supported by bulwark."
#define CT_ORGANIZATIONS_NOT_IN_USE                                                                \
	"OrganizationsNotInUseException", "This account is not part of an organization."
/* the selector checker's reason */
#define CT_EVENT_SELECTORS_INVALID "InvalidEventSelectorsException", "%s"

/* --- tags --- */
#define CT_TAG_INVALID                                                                             \
	"InvalidTagParameterException",                                                            \
	    "This operation failed because the tag key or value is not valid."
#define CT_TOO_MANY_TAGS                                                                           \
	"TagsLimitExceededException",                                                              \
	    "The number of tags per trail has exceeded the permitted amount. Currently, the "      \
	    "limit is %d."
#define CT_RESOURCE_NOT_FOUND "ResourceNotFoundException", "Resource %.300s not found."
#define CT_TOO_MANY_RESOURCE_IDS                                                                   \
	"InvalidParameterException", "ResourceIdList can hold at most 20 resources."

/* --- LookupEvents, ListPublicKeys --- */
#define CT_LOOKUP_ATTRIBUTES_TOO_MANY                                                              \
	"InvalidLookupAttributesException", "You cannot specify more than one lookup attribute."
#define CT_LOOKUP_ATTRIBUTE_INCOMPLETE                                                             \
	"InvalidLookupAttributesException",                                                        \
	    "A lookup attribute needs an AttributeKey and an AttributeValue."
#define CT_LOOKUP_READ_ONLY_VALUE                                                                  \
	"InvalidLookupAttributesException",                                                        \
	    "The value of the ReadOnly lookup attribute must be true or false."
#define CT_LOOKUP_ATTRIBUTE_KEY_INVALID                                                            \
	"InvalidLookupAttributesException", "The lookup attribute key %s is not valid."
#define CT_TIME_RANGE_INVALID "InvalidTimeRangeException", "The time range is not valid."
#define CT_LOOKUP_START_AFTER_END                                                                  \
	"InvalidTimeRangeException", "Start time must be before the end time."
#define CT_PUBLIC_KEYS_START_AFTER_END                                                             \
	"InvalidTimeRangeException", "The start time must be before the end time."
#define CT_LOOKUP_MAX_RESULTS "InvalidMaxResultsException", "MaxResults must be between 1 and %d."
#define CT_LOOKUP_NEXT_TOKEN_INVALID                                                               \
	"InvalidNextTokenException", "The NextToken is not valid for these parameters."
#define CT_PUBLIC_KEYS_TOKEN_INVALID "InvalidTokenException", "Reference token is not valid."
#define CT_EVENT_LOG_UNREADABLE "InternalFailure", "The event log could not be read"

/* --- CloudTrail Lake: event data stores and queries --- */
#define CT_EDS_ARN_INVALID                                                                         \
	"EventDataStoreARNInvalidException",                                                       \
	    "The specified event data store ARN is not valid or does not map to an event data "    \
	    "store in your account."
#define CT_EDS_NOT_FOUND                                                                           \
	"EventDataStoreNotFoundException", "The specified event data store %s was not found."
#define CT_EDS_OTHER_ACCOUNT                                                                       \
	"EventDataStoreNotFoundException", "Event data stores of another account cannot be queried."
#define CT_EDS_NAME_INVALID                                                                        \
	"InvalidParameterException",                                                               \
	    "Event data store names are 3 to 128 characters: letters, digits, '.', '_' and '-'."
#define CT_EDS_ADVANCED_SELECTORS_UNSUPPORTED                                                      \
	"InvalidEventSelectorsException",                                                          \
	    "Advanced event selectors are not supported: an event data store holds every "         \
	    "management event bulwark records."
#define CT_EDS_KMS_UNSUPPORTED                                                                     \
	"UnsupportedOperationException",                                                           \
	    "Encrypting an event data store with a KMS key is not supported."
#define CT_EDS_NO_INGESTION_UNSUPPORTED                                                            \
	"UnsupportedOperationException",                                                           \
	    "An event data store always ingests; StartIngestion=false is not supported."
#define CT_EDS_RETENTION_INVALID                                                                   \
	"InvalidParameterException", "RetentionPeriod must be between 7 and 3653 days."
#define CT_EDS_ALREADY_EXISTS                                                                      \
	"EventDataStoreAlreadyExistsException", "An event data store named %s already exists."
#define CT_TOO_MANY_EDS                                                                            \
	"EventDataStoreMaxLimitExceededException",                                                 \
	    "Your account has the maximum of %d event data stores."
#define CT_EDS_ALREADY_PENDING_DELETION                                                            \
	"InactiveEventDataStoreException", "The event data store is already pending deletion."
#define CT_EDS_PENDING_DELETION                                                                    \
	"InactiveEventDataStoreException", "The event data store is pending deletion."
#define CT_EDS_TERMINATION_PROTECTED                                                               \
	"EventDataStoreTerminationProtectedException",                                             \
	    "The event data store cannot be deleted because termination protection is enabled."
/* the member, its upper bound */
#define CT_MAX_RESULTS_INVALID "InvalidMaxResultsException", "%s must be between 1 and %zu."
#define CT_NEXT_TOKEN_INVALID "InvalidNextTokenException", "The NextToken is not valid."
#define CT_QUERY_S3_DELIVERY_UNSUPPORTED                                                           \
	"UnsupportedOperationException", "Delivering query results to S3 is not supported."
#define CT_QUERY_STATEMENT_MISSING                                                                 \
	"InvalidParameterException",                                                               \
	    "StartQuery needs a QueryStatement (query aliases and prompts are not supported)."
#define CT_QUERY_NO_EDS                                                                            \
	"InvalidQueryStatementException",                                                          \
	    "The query must name an event data store of this account (its ID) in FROM."
/* the query engine's reason */
#define CT_QUERY_STATEMENT_INVALID "InvalidQueryStatementException", "%s"
#define CT_QUERY_ID_MISSING "InvalidParameterException", "A QueryId is required."
#define CT_QUERY_ID_NOT_FOUND "QueryIdNotFoundException", "The query ID does not exist."
#define CT_QUERY_ID_UNKNOWN "QueryIdNotFoundException", "The query ID %s does not exist."
#define CT_QUERY_NOT_IN_EDS                                                                        \
	"QueryIdNotFoundException", "The query ID does not exist in that event data store."
#define CT_QUERY_ALIASES_UNSUPPORTED                                                               \
	"UnsupportedOperationException", "Query aliases and dashboard refreshes are not supported."
/* the query id, its status */
#define CT_QUERY_INACTIVE "InactiveQueryException", "The query %s is %s and cannot be cancelled."
#define CT_QUERY_STATUS_INVALID "InvalidQueryStatusException", "The query status is not valid."
#define CT_DATE_RANGE_INVALID "InvalidDateRangeException", "StartTime is after EndTime."

#endif
