/*
 * kms_resolve.h: how every KMS operation finds the key a request names, and
 * whether that key may be used — shared by key management and the
 * cryptographic operations so both answer exactly as AWS does.
 *
 * A KeyId parameter may be, as in AWS:
 *   a key id        "1234abcd-12ab-34cd-56ef-1234567890ab"
 *                   "mrk-1234abcd12ab34cd56ef1234567890ab" (multi-Region: the
 *                   related key of the call's region)
 *   a key ARN       "arn:aws:kms:us-east-2:111122223333:key/1234abcd-..."
 *   an alias name   "alias/ExampleAlias"
 *   an alias ARN    "arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias"
 * An ARN must name the caller's account and region, else the key is not
 * found: an installation holds one account, so no other account's key
 * exists here to be shared through its key policy.
 */
#ifndef BW_SERVICES_KMS_RESOLVE_H
#define BW_SERVICES_KMS_RESOLVE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "gateway/call.h"

struct bw_store;

/*
 * Find the key document (kms/key) that key_id_in names, in call's account
 * and region. *key_doc receives a new reference (json_decref it). On failure
 * the call is failed and -1 is returned with *key_doc NULL:
 *   NotFoundException "Key '<key arn>' does not exist"
 *   NotFoundException "Alias <alias arn> is not found."
 *   NotFoundException "Invalid keyId <input>"   (not a key id at all)
 *   NotFoundException "Invalid arn <input>"       (another account/region)
 *   ValidationException                           (NULL or empty id)
 * A key whose ARN names another region is not found either.
 */
int bw_kms_resolve_key_or_fail(struct bw_call *call, const char *key_id_in, json_t **key_doc);

/*
 * Whether a resolved key may be used for a cryptographic operation now:
 *   Disabled                       -> DisabledException "<arn> is disabled."
 *   PendingDeletion,
 *   PendingReplicaDeletion         -> KMSInvalidStateException "<arn> is pending deletion."
 *   PendingImport                  -> KMSInvalidStateException "<arn> is pending import."
 *   Unavailable / anything else    -> KMSInvalidStateException "<arn> is unavailable."
 *   Enabled                        -> 0
 * Returns 0 or -1 (the call failed).
 */
int bw_kms_key_usable_or_fail(struct bw_call *call, const json_t *key_doc);

/*
 * Fail with KMSInvalidStateException when the key is PendingDeletion
 * ("<arn> is pending deletion."); management operations that AWS refuses on
 * such keys (EnableKey, aliases, rotation, ...) use this. 0 otherwise.
 */
int bw_kms_key_not_pending_deletion_or_fail(struct bw_call *call, const json_t *key_doc);

/* "arn:aws:kms:<region>:<account>:key/<key_id>" of call's account/region
 * appended to out. 0, or -1 when out of memory. */
int bw_kms_key_arn(const struct bw_call *call, const char *key_id, struct bw_buf *out);

/* A resource locator (service.h bw_resource_fn) for rows whose input has
 * "KeyId": the ARN of the key it names, aliases resolved. When the key does
 * not exist it writes the ARN as given (or "*"), so authorization still
 * runs and the handler then answers NotFoundException. */
int bw_kms_key_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);
/* The same for a key id, alias or ARN given directly. */
int bw_kms_key_id_resource(struct bw_call *call, const char *id, struct bw_resource *res);

/*
 * Aliases are per account and region (decision 0109): kms/alias documents
 * are keyed "<region>/<alias name>". Documents written before that are
 * keyed by the bare name ("alias/x") and say their region only in their
 * AliasArn; they are read where they are, never rewritten by a read.
 */
#define BW_KMS_ALIAS_DOC_KEY_MAX 352
/* "<region>/<name>" into out. -1 when it does not fit. */
int bw_kms_alias_doc_key(const char *region, const char *name,
                         char out[BW_KMS_ALIAS_DOC_KEY_MAX]);
/* The document key of an alias document, from its AliasArn's region and
 * AliasName. -1 when the document names neither. */
int bw_kms_alias_doc_key_of(const json_t *alias_doc, char out[BW_KMS_ALIAS_DOC_KEY_MAX]);
/*
 * The alias name of (account, region): the regional document, else an
 * old-form document whose AliasArn names region. *alias_doc receives a new
 * reference and doc_key (may be NULL) the key it is stored under, for an
 * update or delete of that document. BW_STORE_OK, BW_STORE_NOT_FOUND (with
 * *alias_doc NULL) or BW_STORE_ERROR.
 */
int bw_kms_alias_get(struct bw_store *store, const char *account, const char *region,
                     const char *name, json_t **alias_doc,
                     char doc_key[BW_KMS_ALIAS_DOC_KEY_MAX]);

/* The key document's string member, or "" when absent. */
const char *bw_kms_doc_str(const json_t *doc, const char *member);

#endif
