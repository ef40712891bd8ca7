/*
 * kms_crypto.h: what the KMS cryptographic operations share — the key
 * spec table (lengths, algorithms), the sealing of given material bytes
 * (imported keys), and the handlers of bw_kms_crypto_ops
 * (kms_crypto_table.c). The material API itself is in kms_store.h.
 */
#ifndef BW_SERVICES_KMS_CRYPTO_H
#define BW_SERVICES_KMS_CRYPTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "crypto/seal.h"
#include "gateway/call.h"
#include "services/kms/kms_ciphertext.h"
#include "services/service.h"

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

enum bw_kms_spec_kind {
	BW_KMS_SPEC_SYMMETRIC,
	BW_KMS_SPEC_HMAC,
	BW_KMS_SPEC_RSA,
	BW_KMS_SPEC_EC,
};

struct bw_kms_spec {
	const char *name; /* KeySpec: "RSA_2048" */
	enum bw_kms_spec_kind kind;
	size_t bytes;      /* secret length (symmetric, HMAC) */
	unsigned bits;     /* RSA modulus bits / EC field bits */
	const char *curve; /* OpenSSL group name (EC) */
};

/* The spec of a KeySpec name, NULL if KMS has none such. */
const struct bw_kms_spec *bw_kms_spec_find(const char *name);

/* A new RSA or EC key pair of spec: PKCS#8 DER into priv (marked secret),
 * DER SubjectPublicKeyInfo into pub. 0 or -1. */
int bw_kms_keygen_asym(const struct bw_kms_spec *spec, struct bw_buf *priv, struct bw_buf *pub);
/* A key pair's PKCS#8 DER into priv (marked secret) and its
 * SubjectPublicKeyInfo DER into pub, as KMS keeps them; -1 on failure. */
int bw_kms_keypair_der(struct evp_pkey_st *pkey, struct bw_buf *priv, struct bw_buf *pub);

/*
 * Seal given material bytes (the raw AES key of an import) into a
 * kms/material document for (account, key id) with a fresh MaterialId,
 * as bw_kms_material_new does with generated ones. origin: "AWS_KMS" or
 * "EXTERNAL". public_der may be empty. -1 on failure.
 */
int bw_kms_material_seal(const struct bw_root_key *rk, const char *account, const char *key_id,
                         struct bw_cur secret, struct bw_cur public_der, const char *origin,
                         json_t **material_doc);
/* The same under a given MaterialId (32 lower-case hex): imported material
 * under the id its bytes make (bw_kms_material_import_id). */
int bw_kms_material_seal_as(const struct bw_root_key *rk, const char *account, const char *key_id,
                            const char *material_id, struct bw_cur secret, struct bw_cur public_der,
                            const char *origin, json_t **material_doc);

/*
 * The encryption context's limits, checked for every request before it is
 * authorized (bw_kms_authorize), so no oversized context ever reaches the
 * authorization context or a ciphertext:
 *   - EncryptionContext, SourceEncryptionContext,
 *     DestinationEncryptionContext: an object of strings whose keys and
 *     values together are at most BW_KMS_CONTEXT_MAX_BYTES (8192) bytes of
 *     UTF-8 (kms_ciphertext.h, whose blobs never bind a larger one);
 *   - Constraints.EncryptionContextEquals / EncryptionContextSubset (a
 *     grant): at most 8 pairs and 384 characters each, as CreateGrant
 *     documents ("Each constraint value can include up to 8 encryption
 *     context pairs. The encryption context value in each constraint
 *     cannot exceed 384 characters.").
 * AWS's KMS guide states no total for the context itself ("Encryption
 * context rules" name none). The figure AWS does publish is in the KMS XKS
 * proxy API specification, for the associated data KMS derives from the
 * context: "The XKS Proxy MUST be able to handle AAD values up to 8192
 * bytes in length". We take 8192 bytes as the limit. Over a limit:
 * ValidationException, the model's generic input error (no operation lists
 * a specific one for it).
 */
#define BW_KMS_GRANT_CONTEXT_MAX_PAIRS 8
#define BW_KMS_GRANT_CONTEXT_MAX_CHARS 384
/* 0, or -1 with the call failed (ValidationException). */
int bw_kms_context_or_fail(struct bw_call *call, const json_t *in);
/* The bytes of an encryption context's keys and values; SIZE_MAX when ctx
 * is not an object of strings. NULL / JSON null: 0. */
size_t bw_kms_context_bytes(const json_t *ctx);

/* Shared by the cryptographic operations (kms_crypto.c). Each _or_fail
 * fails the call with KMS's error and returns -1. */

/* Resolve key_id_in and check it may be used now: its state, imported
 * material past ValidTo (answered as PendingImport), and, when usage is
 * not NULL, its KeyUsage (InvalidKeyUsageException naming op). */
int bw_kms_use_key_or_fail(struct bw_call *call, const char *key_id_in, const char *usage,
                           const char *op, json_t **key_doc);
/* The same checks on a key document already found. */
int bw_kms_check_key_or_fail(struct bw_call *call, const json_t *key_doc, const char *usage,
                             const char *op);
/* Open a material of the key (material_id NULL: CurrentMaterialId) into
 * secret; *material_doc (may be NULL) receives the document. A material
 * that is not there fails with missing_code (InvalidCiphertextException
 * for a blob naming it, KMSInternalException otherwise). */
int bw_kms_open_material_or_fail(struct bw_call *call, const json_t *key_doc,
                                 const char *material_id, const char *missing_code,
                                 struct bw_buf *secret, json_t **material_doc);
/* Base64-decode the blob member of in into out (secret when asked);
 * ValidationException when absent (if required) or longer than max. 1 if
 * absent and not required, 0 when decoded. */
int bw_kms_blob_in_or_fail(struct bw_call *call, const json_t *in, const char *member, size_t max,
                           bool required, struct bw_buf *out);
/* Set out[member] to the base64 of the bytes (the base64 text is wiped
 * after use when secret). 0 or -1 (out of memory; the call is failed). */
int bw_kms_blob_out_or_fail(struct bw_call *call, json_t *out, const char *member, const void *p,
                            size_t len, bool secret);
/* Set out[member] to the ARN of key_id. */
int bw_kms_arn_out_or_fail(struct bw_call *call, json_t *out, const char *member,
                           const char *key_id);
/* DryRunOperationException when DryRun is true, as KMS answers a dry run
 * that would have succeeded. */
int bw_kms_dry_run_or_fail(struct bw_call *call, const json_t *in);
/* Whether the string array member of the key document holds s. */
bool bw_kms_doc_has(const json_t *key_doc, const char *member, const char *s);
/* An EVP_PKEY from PKCS#8 DER / from a material document's PublicKey. */
struct evp_pkey_st *bw_kms_pkey_private(struct bw_cur der);
struct evp_pkey_st *bw_kms_pkey_public(const json_t *material_doc);
/* RSA OAEP with md "SHA1"/"SHA256" (and MGF1 of the same): out appended. */
int bw_kms_rsa_oaep(struct evp_pkey_st *pkey, bool encrypt, const char *md, struct bw_cur in,
                    struct bw_buf *out);
/* Encrypt plaintext under the symmetric key's current material: a blob
 * appended to blob_out, the id clients see of its material into material_id
 * (BW_KMS_KEY_MATERIAL_ID_MAX + 1 bytes). */
int bw_kms_sym_encrypt_or_fail(struct bw_call *call, const json_t *key_doc, const json_t *ctx,
                               struct bw_cur plaintext, struct bw_buf *blob_out, char *material_id);
/* HMAC with a digest name ("SHA256"): out receives the MAC, *out_len its size.
 */
int bw_kms_hmac(const char *md, struct bw_cur key, struct bw_cur msg, uint8_t *out,
                size_t *out_len);

extern const struct bw_op_table bw_kms_crypto_ops;

/* kms_crypto.c */
int bw_kms_encrypt(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_decrypt(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_re_encrypt(struct bw_call *call, const json_t *in, json_t *out);
/* kms_datakey.c */
int bw_kms_generate_data_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_generate_data_key_without_plaintext(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_generate_data_key_pair(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_generate_data_key_pair_without_plaintext(struct bw_call *call, const json_t *in,
                                                    json_t *out);
/* kms_sign.c */
int bw_kms_sign(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_verify(struct bw_call *call, const json_t *in, json_t *out);
/* kms_public_key.c */
int bw_kms_get_public_key(struct bw_call *call, const json_t *in, json_t *out);
/* kms_mac.c */
int bw_kms_generate_mac(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_verify_mac(struct bw_call *call, const json_t *in, json_t *out);
/* kms_import.c */
int bw_kms_get_parameters_for_import(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_import_key_material(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_delete_imported_key_material(struct bw_call *call, const json_t *in, json_t *out);

#endif
