/* kms_import.h: what importing key material (kms_import.c) shares: which
 * asymmetric material is accepted (kms_import_asym.c), and the materials of
 * an imported key and the state they make (kms_import_materials.c), which
 * on-demand rotation (kms_rotation.c) uses too. */
#ifndef BW_SERVICES_KMS_IMPORT_H
#define BW_SERVICES_KMS_IMPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "gateway/call.h"
#include "services/kms/kms_crypto.h"

/* Why AWS refuses to wrap key_spec's material with this wrapping key spec
 * and algorithm (RSAES_OAEP for RSA material; RSAES_OAEP with RSA_2048 for
 * ECC_NIST_P521 material), or NULL when it does not. */
const char *bw_kms_import_wrapping_refusal(const struct bw_kms_spec *key_spec,
                                           const char *wrapping_spec, const char *algorithm);

/*
 * Check der is a PKCS#8 private key of exactly spec (an RSA or ECC spec):
 * its type, modulus size or curve, and that its parts agree. On success its
 * canonical PKCS#8 DER is appended to canon (secret) and its
 * SubjectPublicKeyInfo DER to pub, and 0 is returned; 1 when the material
 * is not such a key; -1 on an internal failure.
 */
int bw_kms_import_asym_material(const struct bw_kms_spec *spec, struct bw_cur der,
                                struct bw_buf *canon, struct bw_buf *pub);

/* The EXTERNAL key the request's KeyId names, not pending deletion (nor
 * disabled without material): UnsupportedOperationException for another
 * origin, KMSInvalidStateException. 0, or -1 with the call failed. */
int bw_kms_external_key_or_fail(struct bw_call *call, const json_t *in, json_t **key_doc);

/* Copies of every kms/material document of key_id, in store order; read
 * inside the caller's transaction. 0, or -1 with the call failed. */
int bw_kms_imported_materials(struct bw_call *call, const char *key_id, json_t **mats);
/* Whether the material was imported for a rotation not yet made. */
bool bw_kms_material_pending_rotation(const json_t *mdoc);
/* The key's current material in mats: the one CurrentKeyMaterialId names
 * (symmetric keys), else the one material of the key; NULL when none. */
const json_t *bw_kms_imported_current(const json_t *key_doc, const json_t *mats);
/* Set the key's CurrentMaterialId, KeyState (PendingImport <-> Enabled),
 * ExpirationModel and ValidTo from its materials: usable only while every
 * permanently associated (not pending rotation) material is imported.
 * PendingDeletion and Disabled stay. -1 when out of memory. */
int bw_kms_imported_key_refresh(json_t *key_doc, const json_t *mats);

#endif
