/*
 * kms_errors.h: KMS's error catalogue. Each entry is an error code (an
 * exception shape of the kms model, or one of call.c's common codes) and
 * AWS's message template; a call site names the entry and passes the
 * template's arguments:
 *
 *   return bw_fail(call, KMS_PENDING_DELETION, arn);
 *
 * The status comes from the model's shape (KMSInternalException is a fault:
 * 500; the others 400). Errors every service shares are in gateway/errors.h.
 * Where AWS documents no message (bulwark's refusals of what it does not
 * support, its own failures) the message says what happened. Decision 0107.
 */
#ifndef BW_SERVICES_KMS_ERRORS_H
#define BW_SERVICES_KMS_ERRORS_H

#include "gateway/errors.h"

/* --- not found --- */
/* the region, the account, the key id */
#define KMS_KEY_NOT_FOUND "NotFoundException", "Key 'arn:aws:kms:%s:%s:key/%s' does not exist"
/* a key ARN as the caller wrote it */
#define KMS_KEY_ARN_NOT_FOUND "NotFoundException", "Key '%.2048s' does not exist"
/* the region, the account, the alias name (alias/...) */
#define KMS_ALIAS_NOT_FOUND "NotFoundException", "Alias arn:aws:kms:%s:%s:%.256s is not found."
#define KMS_INVALID_ARN "NotFoundException", "Invalid arn %.2048s"
/* AWS quotes nothing here ("Invalid keyId testkmskey") */
#define KMS_INVALID_KEY_ID "NotFoundException", "Invalid keyId %.2048s"
/* a key policy name other than "default" */
#define KMS_NO_SUCH_POLICY "NotFoundException", "No such policy exists"
/* the grant id, the key ARN */
#define KMS_GRANT_NOT_FOUND "NotFoundException", "Grant id %s does not exist for key %s"
/* the key material id, the key ARN */
#define KMS_KEY_MATERIAL_NOT_FOUND "NotFoundException", "Key material %s of %s was not found."
/* no custom key store exists here, so none can be found */
#define KMS_CUSTOM_KEY_STORE_NOT_FOUND                                                             \
	"CustomKeyStoreNotFoundException",                                                         \
	    "Custom key store ID %s does not exist in this account and region"
/* the replica's ARN */
#define KMS_KEY_EXISTS "AlreadyExistsException", "Key '%s' already exists"

/* --- key state (the key's ARN) --- */
#define KMS_DISABLED "DisabledException", "%s is disabled."
/* GetParametersForImport on a disabled key: a state, not a use */
#define KMS_DISABLED_STATE "KMSInvalidStateException", "%s is disabled."
#define KMS_PENDING_DELETION "KMSInvalidStateException", "%s is pending deletion."
#define KMS_NOT_PENDING_DELETION "KMSInvalidStateException", "%s is not pending deletion."
#define KMS_PENDING_IMPORT "KMSInvalidStateException", "%s is pending import."
#define KMS_UNAVAILABLE "KMSInvalidStateException", "%s is unavailable."
#define KMS_PENDING_REIMPORT                                                                       \
	"KMSInvalidStateException",                                                                \
	    "%s is pending import: re-import its key materials before importing new key material."
/* the key ARN, the pending material's id */
#define KMS_MATERIAL_PENDING_ROTATION                                                              \
	"KMSInvalidStateException",                                                                \
	    "%s already has key material %s pending rotation. Rotate the key (RotateKeyOnDemand) " \
	    "or delete that key material first."
#define KMS_NO_MATERIAL_PENDING_ROTATION                                                           \
	"KMSInvalidStateException",                                                                \
	    "%s has no imported key material in PENDING_ROTATION state. Import new key material "  \
	    "(ImportKeyMaterial with ImportType NEW_KEY_MATERIAL) before rotating it on demand."

/* --- the key cannot do this --- */
/* the key ARN, its KeyUsage, the operation */
#define KMS_KEY_USAGE_INVALID                                                                      \
	"InvalidKeyUsageException", "%s key usage is %s which is not valid for %s."
/* the key ARN, its KeySpec, the operation */
#define KMS_KEY_SPEC_INVALID                                                                       \
	"InvalidKeyUsageException", "%s key spec is %s which is not valid for %s."
/* the algorithm's kind ("Signing", "MAC", "Key agreement"), the algorithm, the key ARN */
#define KMS_ALGORITHM_INVALID "InvalidKeyUsageException", "%s algorithm %s is not valid for %s."
/* the algorithm, the key ARN */
#define KMS_ENCRYPTION_ALGORITHM_INVALID                                                           \
	"InvalidKeyUsageException", "The encryption algorithm %s is not valid for %s."
#define KMS_SYMMETRIC_ALGORITHM_INVALID                                                            \
	"InvalidKeyUsageException",                                                                \
	    "The encryption algorithm %s is not valid for a symmetric ciphertext."
#define KMS_INCORRECT_KEY                                                                          \
	"IncorrectKeyException",                                                                   \
	    "The key ID in the request does not identify a CMK that can perform this operation."
/* the key ARN, its Origin */
#define KMS_ORIGIN_INVALID                                                                         \
	"UnsupportedOperationException", "%s origin is %s which is not valid for this operation."
/* the key ARN, its key spec family */
#define KMS_PUBLIC_KEY_UNSUPPORTED                                                                 \
	"UnsupportedOperationException", "%s key spec %s is not supported for this operation."
#define KMS_ROTATION_UNSUPPORTED                                                                   \
	"UnsupportedOperationException",                                                           \
	    "%s key rotation is not supported for KeySpec %s: only symmetric encryption keys "     \
	    "rotate"
#define KMS_REPLICA_NOT_PRIMARY                                                                    \
	"UnsupportedOperationException",                                                           \
	    "%s is a multi-Region replica key. This operation is only valid on the primary key."
#define KMS_NOT_MULTI_REGION                                                                       \
	"UnsupportedOperationException",                                                           \
	    "%s is not a multi-Region key. This operation is only valid on multi-Region keys."
#define KMS_NOT_MULTI_REGION_PRIMARY                                                               \
	"UnsupportedOperationException",                                                           \
	    "%s is not a multi-Region primary key. This operation is only valid on the primary "   \
	    "key."
/* what CreateKey was asked for that bulwark does not create */
#define KMS_CREATE_UNSUPPORTED "UnsupportedOperationException", "%s"

/* --- what the server does not support --- */
#define KMS_RECIPIENT_UNSUPPORTED                                                                  \
	"UnsupportedOperationException",                                                           \
	    "Recipient (Nitro Enclaves attestation) is not supported by bulwark"
#define KMS_WRAPPING_ALGORITHM_UNSUPPORTED                                                         \
	"UnsupportedOperationException", "Wrapping algorithm %s is not supported by bulwark."
#define KMS_IMPORT_SPEC_UNSUPPORTED                                                                \
	"UnsupportedOperationException", "Importing %s key material is not supported by bulwark."

/* --- invalid input beyond the model's bounds --- */
/* the value, the member, the values bulwark serves (a subset of the model's) */
#define KMS_NOT_IN_ENUM                                                                            \
	"ValidationException",                                                                     \
	    "1 validation error detected: Value '%.64s' at '%s' failed to satisfy constraint: "    \
	    "Member must satisfy enum value set%s"
/* the value, the member, "greater than or equal to" or "less than or equal to", the bound */
#define KMS_OUT_OF_RANGE                                                                           \
	"ValidationException",                                                                     \
	    "1 validation error detected: Value '%lld' at '%s' failed to satisfy constraint: "     \
	    "Member must have value %s %d"
/* the member (its path) */
#define KMS_MEMBER_NULL                                                                            \
	"ValidationException",                                                                     \
	    "1 validation error detected: Value null at '%s' failed to satisfy constraint: "       \
	    "Member must not be null"
/* the member, the largest length */
#define KMS_BLOB_LENGTH                                                                            \
	"ValidationException",                                                                     \
	    "1 validation error detected: Value at '%s' failed to satisfy constraint: Member "     \
	    "must have length between 1 and %zu"
/* a key id an operation's optional member left out (RetireGrant's KeyId ...) */
#define KMS_KEY_ID_EMPTY                                                                           \
	"ValidationException",                                                                     \
	    "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member "  \
	    "must have length greater than or equal to 1"
#define KMS_NOT_BASE64 "ValidationException", "%s is not valid base64"
/* the member (Tags, TagKeys) */
#define KMS_NOT_A_LIST "ValidationException", "%s must be a list"
#define KMS_CONTEXT_NOT_MAP                                                                        \
	"ValidationException", "%s must be a map of string keys to string values."
/* the member, its bytes, the limit */
#define KMS_CONTEXT_TOO_LARGE                                                                      \
	"ValidationException",                                                                     \
	    "The %s is too large: its keys and values are %zu bytes, more than the %d bytes an "   \
	    "encryption context may hold."
#define KMS_GRANT_CONTEXT_PAIRS                                                                    \
	"ValidationException",                                                                     \
	    "Each grant constraint can include up to %d encryption context pairs; %s has %zu."
#define KMS_GRANT_CONTEXT_CHARS                                                                    \
	"ValidationException",                                                                     \
	    "The encryption context in each grant constraint cannot exceed %d characters; %s has " \
	    "%zu."
/* the byte count, the key spec, the algorithm, the largest */
#define KMS_PLAINTEXT_TOO_LONG                                                                     \
	"ValidationException",                                                                     \
	    "Plaintext of %zu bytes is too long for %s with %s (at most %zu bytes)"
#define KMS_ALGORITHM_REQUIRED                                                                     \
	"ValidationException", "EncryptionAlgorithm is required for asymmetric KMS keys"
#define KMS_BYTES_AND_SPEC                                                                         \
	"ValidationException", "Please specify either number of bytes or key spec, not both."
#define KMS_BYTES_OR_SPEC "ValidationException", "Please specify either number of bytes or key spec."
#define KMS_DIGEST_LENGTH "ValidationException", "Digest is invalid length for algorithm %s."
/* the ECDH failure's own reason */
#define KMS_PUBLIC_KEY_INVALID "ValidationException", "%s"
#define KMS_SPEC_AND_CMK_SPEC                                                                      \
	"ValidationException",                                                                     \
	    "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "           \
	    "CustomerMasterKeySpec is deprecated."
#define KMS_USAGE_SPEC_INCOMPATIBLE                                                                \
	"ValidationException", "KeyUsage %s is not compatible with KeySpec %s"
#define KMS_INVALID_MARKER                                                                         \
	"InvalidMarkerException",                                                                  \
	    "The request was rejected because the marker that specifies where pagination should " \
	    "next begin is not valid."
#define KMS_DRY_RUN                                                                                \
	"DryRunOperationException",                                                                \
	    "The request would have succeeded, but the DryRun option is set."

/* --- grants --- */
#define KMS_INVALID_GRANT_TOKEN                                                                    \
	"InvalidGrantTokenException",                                                              \
	    "The request was rejected because the specified grant token is not valid."
#define KMS_INVALID_GRANT_ID "InvalidGrantIdException", "Grant id %.128s is not valid."
/* the member (GranteePrincipal, RetiringPrincipal), its value */
#define KMS_INVALID_PRINCIPAL "ValidationException", "Invalid principal: %s %.256s"
#define KMS_GRANT_OPERATIONS_EMPTY                                                                 \
	"ValidationException",                                                                     \
	    "1 validation error detected: Value at 'operations' failed to satisfy constraint: "    \
	    "Member must not be empty"
/* the operation, the key's KeyUsage and KeySpec */
#define KMS_GRANT_OPERATION_INVALID                                                                \
	"ValidationException",                                                                     \
	    "Grant operation %.64s is not valid for a key with KeyUsage %s and KeySpec %s"
#define KMS_GRANT_CONSTRAINTS_INVALID                                                              \
	"ValidationException",                                                                     \
	    "Grant constraints are not supported for the %s operation: it takes no encryption "    \
	    "context"
#define KMS_TOO_MANY_GRANTS                                                                        \
	"LimitExceededException",                                                                  \
	    "The request was rejected because the number of grants for the KMS key exceeds the "   \
	    "quota."
#define KMS_RETIRE_GRANT_WHICH                                                                     \
	"ValidationException", "Either GrantToken, or both KeyId and GrantId, must be specified."
/* the caller's ARN, the key id */
#define KMS_RETIRE_GRANT_DENIED                                                                    \
	"AccessDeniedException",                                                                   \
	    "User: %s is not authorized to perform: kms:RetireGrant on resource: %s because it "   \
	    "is neither the retiring principal nor a grantee allowed to retire the grant"

/* --- key policies --- */
/* the caller's ARN, the action, the key ARN, the action */
#define KMS_NO_RESOURCE_POLICY                                                                     \
	"AccessDeniedException",                                                                   \
	    "User: %s is not authorized to perform: %s on resource: %s because no "                \
	    "resource-based policy allows the %s action"
/* the policy's bytes, the quota */
#define KMS_POLICY_TOO_LARGE                                                                       \
	"LimitExceededException", "The key policy size (%zu bytes) exceeds the quota of %d bytes."
#define KMS_POLICY_SYNTAX_ERRORS "MalformedPolicyDocumentException", "Syntax errors in policy."
/* the policy parser's own reason */
#define KMS_MALFORMED_POLICY "MalformedPolicyDocumentException", "%s"
#define KMS_POLICY_INVALID_PRINCIPALS                                                              \
	"MalformedPolicyDocumentException",                                                        \
	    "Policy contains a statement with one or more invalid principals."
#define KMS_POLICY_LOCKOUT                                                                         \
	"MalformedPolicyDocumentException",                                                        \
	    "The new key policy will not allow you to update the key policy in the future."

/* --- tags --- */
/* the limit: at creation (TagException) and when tagging (LimitExceededException) */
#define KMS_TOO_MANY_TAGS "TagException", "Cannot exceed %d tags per KMS key"
#define KMS_TAG_LIMIT "LimitExceededException", "Cannot exceed %d tags per KMS key"
#define KMS_TAG_INCOMPLETE                                                                         \
	"ValidationException", "1 validation error detected: each tag needs a TagKey and a TagValue"
#define KMS_TAG_RESERVED "TagException", "Tags beginning with aws: are reserved and cannot be used."
#define KMS_DUPLICATE_TAG_KEYS "TagException", "Duplicate tag keys"

/* --- imported key material --- */
#define KMS_INVALID_IMPORT_TOKEN                                                                   \
	"InvalidImportTokenException", "The import token is invalid or is not for this key."
#define KMS_EXPIRED_IMPORT_TOKEN                                                                   \
	"ExpiredImportTokenException",                                                             \
	    "The import token has expired. Call GetParametersForImport for a new one."
/* the algorithm, the wrapping key spec, the key spec, why */
#define KMS_WRAPPING_INVALID                                                                       \
	"ValidationException",                                                                     \
	    "WrappingAlgorithm %s with WrappingKeySpec %s is not valid for a %s key: %s."
#define KMS_VALID_TO_REQUIRED                                                                      \
	"ValidationException",                                                                     \
	    "A ValidTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"
#define KMS_VALID_TO_PAST "ValidationException", "ValidTo must be in the future."
#define KMS_VALID_TO_TOO_FAR "ValidationException", "ValidTo must be at most 365 days from now."
#define KMS_VALID_TO_NOT_ALLOWED                                                                   \
	"ValidationException",                                                                     \
	    "A ValidTo date must not be set if the ExpirationModel is "                            \
	    "KEY_MATERIAL_DOES_NOT_EXPIRE"
#define KMS_EXPIRATION_MODEL_INVALID "ValidationException", "ExpirationModel %s is not valid."
#define KMS_MATERIAL_ID_WITH_NEW                                                                   \
	"ValidationException", "A KeyMaterialId cannot be given with ImportType NEW_KEY_MATERIAL."
/* the key ARN, its key spec */
#define KMS_IMPORT_OPTIONS_SYMMETRIC_ONLY                                                          \
	"ValidationException",                                                                     \
	    "ImportType, KeyMaterialId and KeyMaterialDescription are only valid for symmetric "   \
	    "encryption keys; %s is a %s key."
/* the length, the key spec */
#define KMS_MATERIAL_LENGTH "ValidationException", "The key material must be %zu bytes for key spec %s."
#define KMS_MATERIAL_MISMATCH                                                                      \
	"IncorrectKeyMaterialException",                                                           \
	    "The key material does not match the key material previously imported into this KMS " \
	    "key."
#define KMS_MATERIAL_NOT_PKCS8                                                                     \
	"IncorrectKeyMaterialException",                                                           \
	    "The key material is not a PKCS#8 private key of key spec %s."
#define KMS_NO_MATERIAL_IMPORTED                                                                   \
	"IncorrectKeyMaterialException",                                                           \
	    "No key material was imported into %s before. Import it with ImportType "              \
	    "NEW_KEY_MATERIAL."
/* the key ARN, the material's id */
#define KMS_MATERIAL_ALREADY_IMPORTED                                                              \
	"IncorrectKeyMaterialException",                                                           \
	    "This key material is already associated with %s as key material %s. Re-import it "    \
	    "with ImportType EXISTING_KEY_MATERIAL."
#define KMS_MATERIAL_NOT_UNWRAPPED                                                                 \
	"InvalidCiphertextException",                                                              \
	    "The EncryptedKeyMaterial could not be unwrapped with this import token."

/* --- quotas --- */
/* the key ARN, the limit */
#define KMS_ON_DEMAND_ROTATIONS_EXCEEDED                                                           \
	"LimitExceededException",                                                                  \
	    "The on-demand rotations limit has been reached for the given key ID: %s allows at "   \
	    "most %d on-demand rotations"

/* --- cryptographic failures AWS answers without a message --- */
#define KMS_INVALID_CIPHERTEXT "InvalidCiphertextException", "%s", ""
#define KMS_INVALID_MAC "KMSInvalidMacException", "%s", ""
#define KMS_INVALID_SIGNATURE "KMSInvalidSignatureException", "%s", ""

/* --- the server failed (KMSInternalException, 500) --- */
#define KMS_INTERNAL "KMSInternalException", "An internal error occurred in KMS"
#define KMS_INTERNAL_RETRYABLE                                                                     \
	"KMSInternalException",                                                                    \
	    "The request was rejected because an internal exception occurred. The request can be " \
	    "retried."
#define KMS_OUT_OF_MEMORY "KMSInternalException", "out of memory"
/* what failed ("HMAC", "Signing", "The random generator" ...) */
#define KMS_FAILED "KMSInternalException", "%s failed"
/* what ("public key", "key store", "alias store") */
#define KMS_UNREADABLE "KMSInternalException", "The %s could not be read"
/* the ECDH failure's own reason */
#define KMS_INTERNAL_REASON "KMSInternalException", "%s"

/* --- aliases --- */
#define KMS_ALIAS_PREFIX_MISSING                                                                   \
	"ValidationException",                                                                     \
	    "Alias must start with the prefix \"alias/\". Please see "                              \
	    "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
/* the model's pattern also allows ':', which alias names may not hold */
#define KMS_ALIAS_NAME_CHARACTERS                                                                  \
	"ValidationException",                                                                     \
	    "1 validation error detected: Value '%s' at 'aliasName' failed to satisfy "            \
	    "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9/_-]+$"
#define KMS_ALIAS_RESERVED                                                                         \
	"NotAuthorizedException", "The alias prefix alias/aws/ is reserved for AWS managed keys."
#define KMS_ALIAS_TO_ALIAS "ValidationException", "Aliases must refer to keys. Not aliases"
#define KMS_ALIAS_EXISTS "AlreadyExistsException", "An alias with the name %s already exists"
/* the alias; the old key's spec and usage; the new key's */
#define KMS_ALIAS_RETARGET_MISMATCH                                                                \
	"ValidationException",                                                                     \
	    "Alias %s cannot be changed from a key of type %s/%s to a key of type %s/%s: the "     \
	    "keys must have the same key type and key usage"

#endif
