/*
 * kms_store.h: how KMS keeps its state in the document store (store/doc.h),
 * and the key-material interface every KMS operation goes through. One
 * place that says it, so the KMS files agree.
 *
 * Key material never leaves in plaintext: it is sealed (crypto/seal.h)
 * under the root key with purpose BW_SEAL_PURPOSE_KMS_MATERIAL and the
 * associated data "<account>|<key id>|<material id>" (bw_kms_material_aad),
 * and unsealed only into secret buffers for the length of one operation.
 *
 *   kind              key                         document
 *   kms/key           <key id (UUID)>, or         KeyMetadata (the DescribeKey shape: KeyId, Arn,
 *                     "<mrk id>/<region>" for     CreationDate, Enabled, Description, KeyUsage,
 *                     a multi-Region key          KeyState, DeletionDate, ValidTo, Origin,
 *                                                 KeyManager, KeySpec, CustomerMasterKeySpec,
 *                                                 EncryptionAlgorithms, SigningAlgorithms,
 *                                                 MacAlgorithms, MultiRegion,
 *                                                 MultiRegionConfiguration, ExpirationModel,
 *                                                 PendingDeletionWindowInDays ...) plus
 *                                                 "Policy" (key policy JSON text),
 *                                                 "Tags": [{"TagKey","TagValue"}],
 *                                                 "CurrentMaterialId",
 *                                                 "Rotation": {"Enabled", "PeriodInDays",
 *                                                 "NextRotationDate"} (symmetric only)
 *   kms/material      <key id>/<material id>      {"MaterialId", "CreateDate", "Sealed" (base64),
 *                                                 "PublicKey" (base64 DER SPKI, asymmetric only),
 *                                                 "Origin": "AWS_KMS"|"EXTERNAL",
 *                                                 "RotationType": "AUTOMATIC"|"ON_DEMAND" (absent for
 *                                                 the first), "ValidTo" (imported, optional),
 *                                                 imported only: "ImportState": "IMPORTED"|
 *                                                 "PENDING_IMPORT" (deleted: no "Sealed" then),
 *                                                 "ImportId" (the id its bytes make, when that
 *                                                 is not its MaterialId: imported before ids
 *                                                 were computed), "KeyMaterialId" (the 64-hex
 *                                                 id clients see, symmetric imported only),
 *                                                 "ExpirationModel",
 *                                                 "KeyMaterialDescription", "PendingRotation":
 *                                                 true (imported with NEW_KEY_MATERIAL, not yet
 *                                                 made current by RotateKeyOnDemand)}
 *   kms/alias         "<region>/alias/x" (or,     {"AliasName", "AliasArn", "TargetKeyId",
 *                     written before 0109, the
 *                     bare name "alias/x")
 *                                                 "CreationDate", "LastUpdatedDate"}
 *   kms/import        <import token id>           {"KeyId", "WrappingKeySpec", "WrappingAlgorithm",
 *                                                 "Sealed" (the wrapping private key), "ParametersValidTo"}
 *   kms/grant         <key id>/<grant id>         the GrantListEntry shape + "Tokens": the
 *                                                 SHA-256 (hex) of each token issued for it
 *                                                 (a retried CreateGrant adds one; at most 64)
 *
 * Material ids are 32 lower-case hex characters (random); a key's first
 * material is made with it and every rotation adds one; "CurrentMaterialId"
 * names the one that encrypts, and every older one still decrypts.
 *
 * Multi-Region keys (decision 0104): a primary and its replicas share the
 * key id "mrk-<32 hex>" and live in one account, one document per region,
 * keyed "<mrk id>/<region>" (bw_kms_key_doc_key). Their material is shared:
 * one set of kms/material documents under "<mrk id>/", sealed for
 * "<account>|<mrk id>|<material id>" (no region in it), destroyed with the
 * last key of the set. Every key of the set carries the same
 * MultiRegionConfiguration and shared properties (current material,
 * rotation), rewritten together in one transaction (bw_kms_mrk_sync).
 *
 * Imported material (Origin EXTERNAL) is different: its id is computed
 * from its bytes (bw_kms_material_import_id), and DeleteImportedKeyMaterial
 * drops only the sealed bytes, keeping the document (ImportState
 * PENDING_IMPORT) and the key's CurrentKeyMaterialId. The id is what
 * ImportKeyMaterial compares a re-import against: only the same bytes go
 * back in, under the same id, and the ciphertexts made before decrypt again.
 * A symmetric EXTERNAL key may hold several (on-demand rotation of imported
 * material); its "CurrentMaterialId" is there only while every material
 * not pending rotation is imported (bw_kms_imported_key_refresh).
 */
#ifndef BW_SERVICES_KMS_STORE_H
#define BW_SERVICES_KMS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "crypto/seal.h"

#define BW_KMS_KEY "kms/key"
#define BW_KMS_MATERIAL "kms/material"
#define BW_KMS_ALIAS "kms/alias"
#define BW_KMS_IMPORT "kms/import"
#define BW_KMS_GRANT "kms/grant"

#define BW_SEAL_PURPOSE_KMS_MATERIAL "kms/key-material"
#define BW_KMS_MATERIAL_ID_LEN 32
/* The longest id a client sees (KeyMaterialId): AWS's are 64 hex characters
 * (BackingKeyIdType); those of symmetric imported material are (decision
 * 0105), the rest are the 32-character MaterialId. */
#define BW_KMS_KEY_MATERIAL_ID_MAX 64

/* "<account>|<key id>|<material id>". -1 if it does not fit. */
int bw_kms_material_aad(const char *account, const char *key_id, const char *material_id,
                        char *out, size_t outlen);

/*
 * New key material for a KeySpec ("SYMMETRIC_DEFAULT", "HMAC_256",
 * "RSA_2048", "ECC_NIST_P256", "ECC_SECG_P256K1", ...): generate it, seal it
 * for (account, key id), and return a kms/material document (with a new
 * MaterialId; PublicKey for asymmetric specs). -1 on an unknown spec or a
 * failure; nothing is written to the store here.
 */
int bw_kms_material_new(const struct bw_root_key *rk, const char *account, const char *key_id,
                        const char *key_spec, json_t **material_doc);

/*
 * The MaterialId of imported bytes for (account, key id): the first 16
 * bytes, in hex, of HMAC-SHA256 under a key derived from the root key
 * (HKDF-SHA256, info "bulwark/kms/v1/imported-material-id") over
 * "<account>|<key id>|" and the bytes. Not secret: without the root key it
 * tells nothing of the bytes. -1 on failure.
 */
int bw_kms_material_import_id(const struct bw_root_key *rk, const char *account,
                              const char *key_id, struct bw_cur secret,
                              char out[BW_KMS_MATERIAL_ID_LEN + 1]);
/* The same HMAC, all 32 bytes in hex: the KeyMaterialId clients see of
 * symmetric imported material (64 characters, as AWS's). Its first 32
 * characters are bw_kms_material_import_id's. -1 on failure. */
int bw_kms_material_public_import_id(const struct bw_root_key *rk, const char *account,
                                     const char *key_id, struct bw_cur secret,
                                     char out[BW_KMS_KEY_MATERIAL_ID_MAX + 1]);
/* The id clients see of a kms/material document: its "KeyMaterialId"
 * (symmetric imported material), else its "MaterialId"; "" if neither. */
const char *bw_kms_material_public_id(const json_t *material_doc);

/*
 * Unseal a kms/material document of (account, key id) into secret: the raw
 * AES/HMAC key for symmetric and HMAC specs, the DER private key (PKCS#8)
 * for asymmetric ones. -1 if it does not unseal (tampered or moved).
 */
int bw_kms_material_open(const struct bw_root_key *rk, const char *account, const char *key_id,
                         const json_t *material_doc, struct bw_buf *secret);

/* ---- where a key document lives (kms_multi_region.c) ---- */

/* "<key id>" or, for a multi-Region key, "<mrk id>/<region>". */
#define BW_KMS_DOC_KEY_MAX 112
/* Whether id is a multi-Region key id: "mrk-" and 32 lower-case hex. */
bool bw_kms_is_mrk_id(const char *id);
/* The document key of key id in region; -1 if it does not fit. */
int bw_kms_key_doc_key(const char *key_id, const char *region, char out[BW_KMS_DOC_KEY_MAX]);
/* The same for a key document (its KeyId and its ARN's region). */
int bw_kms_key_doc_key_of(const json_t *key_doc, char out[BW_KMS_DOC_KEY_MAX]);
/* The region of a key document's ARN into out ("" when none). */
void bw_kms_key_region(const json_t *key_doc, char out[72]);
struct bw_store;
/* The key (account, region, key id): a BW_STORE_* code; a single-Region
 * key whose ARN names another region is BW_STORE_NOT_FOUND. */
int bw_kms_key_get(struct bw_store *store, const char *account, const char *region,
                   const char *key_id, json_t **key_doc);
/* Write a key document back where it lives: a BW_STORE_* code. */
int bw_kms_key_update(struct bw_store *store, const char *account, const json_t *key_doc);

#endif
