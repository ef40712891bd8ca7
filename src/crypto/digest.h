/*
 * digest.h: SHA-256 and HMAC-SHA256 for the hot paths (SigV4 on every
 * request, the event log's chain on every record).
 *
 * OpenSSL 3 looks an algorithm up by name on each use of EVP_sha256() or
 * HMAC() (an implicit fetch: locks, a property query); that was about a
 * tenth of a request's CPU. These fetch once per process and reuse.
 */
#ifndef BW_CRYPTO_DIGEST_H
#define BW_CRYPTO_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* SHA-256, fetched once; NULL only if OpenSSL cannot provide it. */
const EVP_MD *bw_sha256(void);

/* out = SHA-256(data). */
bool bw_sha256_digest(const void *data, size_t len, uint8_t out[32]);

/* out = HMAC-SHA256(key, data); out may alias key. */
bool bw_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                    uint8_t out[32]);

/* An HMAC-SHA256 context keyed once (free with EVP_MAC_CTX_free), for a
 * key used for many MACs: each MAC works on an EVP_MAC_CTX_dup of it.
 * NULL when OpenSSL cannot provide it or out of memory. */
EVP_MAC_CTX *bw_hmac_sha256_keyed(const void *key, size_t key_len);

#endif
