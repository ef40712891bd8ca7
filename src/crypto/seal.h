/*
 * seal.h: the root key and the sealing of every secret in the store.
 *
 * The root key (256 bits) lives in <data>/root.key (mode 0600), or is
 * derived from a passphrase with Argon2id (<data>/root.kdf holds the salt,
 * the cost and a check value, never the key). Each secret in the store is
 * sealed with AES-256-GCM under a key derived from the root key for its
 * purpose (HKDF-SHA256, info "bulwark/seal/v1/<purpose>"), with the
 * record's identity as associated data: a copy of the database alone
 * reveals nothing, and a record swapped into another row fails to unseal.
 *
 * Sealed form: 0x01 | nonce (12) | ciphertext | tag (16).
 */
#ifndef BW_CRYPTO_SEAL_H
#define BW_CRYPTO_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define BW_ROOT_KEY_BYTES 32
#define BW_SEAL_OVERHEAD (1 + 12 + 16)

struct bw_root_key {
	uint8_t key[BW_ROOT_KEY_BYTES];
	bool loaded;
};

enum bw_root_key_rc {
	BW_ROOT_KEY_OK = 0,
	BW_ROOT_KEY_ABSENT = 1,   /* no root key in the data directory yet */
	BW_ROOT_KEY_ERROR = -1,   /* unreadable, malformed or wrong passphrase */
};

/* Make a new root key in data_dir: random into root.key, or, with a
 * passphrase, derived with Argon2id (root.kdf). Refuses to overwrite. */
enum bw_root_key_rc bw_root_key_create(const char *data_dir, const char *passphrase,
                                       struct bw_root_key *out);
/* Load the root key of data_dir; a passphrase is needed when it was made
 * with one (and refused when it was not). */
enum bw_root_key_rc bw_root_key_load(const char *data_dir, const char *passphrase,
                                     struct bw_root_key *out);
/*
 * The store's record of which root key it was made with: HMAC-SHA256 of a
 * fixed label under a key derived from the root key (HKDF info
 * "bulwark/root-key-check/v1"), as 64 hex digits. It reveals nothing of the
 * key; a server compares it at start and refuses a missing, replaced or
 * wrongly derived key instead of answering every call InternalFailure.
 */
BW_MUST_CHECK int bw_root_key_check_value(const struct bw_root_key *rk, char out[65]);
/* Wipe the key from memory. */
void bw_root_key_clear(struct bw_root_key *rk);

/* len bytes of HKDF-SHA256(root key, info) into out: a key for one use
 * other than sealing (the event log's chain key). info names the use and
 * its version, and must not start with "bulwark/seal/", whose keys seal.
 * The caller wipes out. */
BW_MUST_CHECK int bw_root_key_derive(const struct bw_root_key *rk, const char *info, uint8_t *out,
                                     size_t len);

BW_MUST_CHECK int bw_seal(const struct bw_root_key *rk, const char *purpose, struct bw_cur aad,
                          struct bw_cur plaintext, struct bw_buf *out);
/* -1 when the sealed bytes, purpose or associated data do not match. The
 * output buffer is marked secret. */
BW_MUST_CHECK int bw_unseal(const struct bw_root_key *rk, const char *purpose, struct bw_cur aad,
                            struct bw_cur sealed, struct bw_buf *plaintext);

#endif
