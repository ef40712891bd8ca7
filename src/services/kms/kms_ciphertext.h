/*
 * kms_ciphertext.h: the self-describing symmetric ciphertext blob of KMS
 * (what Encrypt, GenerateDataKey and ReEncrypt return as CiphertextBlob),
 * and the AES-256-GCM primitive under it.
 *
 * Layout (all lengths fixed except the ciphertext; no length field is
 * trusted, the ciphertext is what lies between the header and the tag):
 *
 *   offset  size  field
 *   0       1     version: 0x01 (BW_KMS_CT_VERSION); anything else is refused
 *   1       36    key id: the KMS key's UUID, ASCII, lower-case hex with dashes
 *                 at 8-4-4-4-12 (the form CreateKey makes), or "mrk-" and 32
 *                 lower-case hex (a multi-Region key's id, which every
 *                 related key shares)
 *   37      16    material id: the 16 raw bytes of the key material's
 *                 MaterialId (32 lower-case hex characters in the store)
 *   53      12    IV: random for every blob
 *   65      n     AES-256-GCM ciphertext of the plaintext, 0 <= n <= 4096
 *   65+n    16    GCM tag
 *
 * The header is bytes [0, 65). The GCM associated data is
 *   header || canonical(encryption context)
 * where canonical(ctx) is
 *   u32be pair count, then for each pair in order of key bytes (memcmp,
 *   then shorter first): u32be key length, key bytes, u32be value length,
 *   value bytes.
 * Every string is length-prefixed, so {"a":"bc"} and {"ab":"c"} differ,
 * and the order the caller sent pairs in does not matter. An absent and an
 * empty context are the same (count 0), as in KMS.
 *
 * A blob is thus bound to its key, its material version and its context;
 * the version byte leaves room for another format later.
 */
#ifndef BW_SERVICES_KMS_CIPHERTEXT_H
#define BW_SERVICES_KMS_CIPHERTEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define BW_KMS_CT_VERSION       0x01
#define BW_KMS_CT_KEY_ID_LEN    36
#define BW_KMS_CT_MATERIAL_LEN  16
#define BW_KMS_CT_IV_LEN        12
#define BW_KMS_CT_TAG_LEN       16
#define BW_KMS_CT_HEADER_LEN    (1 + BW_KMS_CT_KEY_ID_LEN + BW_KMS_CT_MATERIAL_LEN + BW_KMS_CT_IV_LEN)
#define BW_KMS_CT_MAX_PLAINTEXT 4096
#define BW_KMS_CT_MIN_LEN       (BW_KMS_CT_HEADER_LEN + BW_KMS_CT_TAG_LEN)
#define BW_KMS_CT_MAX_LEN       (BW_KMS_CT_MIN_LEN + BW_KMS_CT_MAX_PLAINTEXT)
/* The most bytes of keys and values an encryption context may hold (why:
 * kms_crypto.h); canonical() refuses more. */
#define BW_KMS_CONTEXT_MAX_BYTES 8192

/* A parsed blob: views into the caller's bytes, plus the ids as C strings. */
struct bw_kms_ct {
	char key_id[BW_KMS_CT_KEY_ID_LEN + 1];
	char material_id[2 * BW_KMS_CT_MATERIAL_LEN + 1];
	struct bw_cur header; /* the 65 header bytes */
	struct bw_cur iv;
	struct bw_cur ciphertext;
	struct bw_cur tag;
};

/* Parse strictly: version, a well-formed key id, sizes within bounds.
 * 0, or -1 for anything malformed or truncated (*out is then zeroed). */
BW_MUST_CHECK int bw_kms_ct_parse(struct bw_cur blob, struct bw_kms_ct *out);

/* canonical(ctx) appended to out. ctx may be NULL (no context); else it
 * must be an object of strings whose keys and values hold at most
 * BW_KMS_CONTEXT_MAX_BYTES bytes. -1 otherwise. */
BW_MUST_CHECK int bw_kms_ct_context(const json_t *ctx, struct bw_buf *out);

/* Encrypt plaintext (<= 4096 bytes) under the 32-byte key into a blob
 * appended to out. key_id: a 36-character UUID; material_id: 32 hex. */
BW_MUST_CHECK int bw_kms_ct_seal(struct bw_cur key, const char *key_id, const char *material_id,
                                 const json_t *ctx, struct bw_cur plaintext, struct bw_buf *out);

/* Authenticate and decrypt a parsed blob under the 32-byte key with the
 * context given; the plaintext is appended to out (marked secret). -1 if
 * anything does not authenticate: nothing is appended then. */
BW_MUST_CHECK int bw_kms_ct_open(struct bw_cur key, const struct bw_kms_ct *ct, const json_t *ctx,
                                 struct bw_buf *out);

/* AES-GCM with a 16/24/32-byte key and a 12-byte IV: ct_out receives
 * pt.len bytes and tag 16. Open writes pt_out only when the tag verifies
 * (else it is cleansed). 0 or -1. */
BW_MUST_CHECK int bw_kms_aes_gcm_encrypt(struct bw_cur key, struct bw_cur iv, struct bw_cur aad,
                                         struct bw_cur pt, uint8_t *ct_out,
                                         uint8_t tag[BW_KMS_CT_TAG_LEN]);
BW_MUST_CHECK int bw_kms_aes_gcm_decrypt(struct bw_cur key, struct bw_cur iv, struct bw_cur aad,
                                         struct bw_cur ct, const uint8_t tag[BW_KMS_CT_TAG_LEN],
                                         uint8_t *pt_out);

#endif
