/* kms_ops.h: the handlers of the KMS operation table. */
#ifndef BW_SERVICES_KMS_OPS_H
#define BW_SERVICES_KMS_OPS_H

#include <jansson.h>

#include "core/buf.h"
#include "gateway/call.h"

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

int bw_kms_generate_random(struct bw_call *call, const json_t *in, json_t *out);

/* kms_agree.c: DeriveSharedSecret (a row of bw_kms_crypto_ops). */
int bw_kms_derive_shared_secret(struct bw_call *call, const json_t *in, json_t *out);

/* Why a peer public key cannot be used for ECDH. */
enum bw_kms_ecdh_error {
	BW_KMS_ECDH_OK = 0,
	BW_KMS_ECDH_NOT_SPKI,    /* not one whole DER SubjectPublicKeyInfo */
	BW_KMS_ECDH_NOT_EC,      /* RSA, Ed25519, ... */
	BW_KMS_ECDH_WRONG_CURVE, /* another (or an unnamed) curve than the private key's */
	BW_KMS_ECDH_BAD_POINT,   /* fails OpenSSL's full public key check */
	BW_KMS_ECDH_INTERNAL,    /* the private key or OpenSSL failed */
};

/*
 * ECDH (cofactor mode) of the EC private key priv with the peer's DER
 * SubjectPublicKeyInfo: the raw shared secret (the x-coordinate, as many
 * bytes as the field) into secret, marked secret. The peer key is checked
 * first (one whole SPKI, EC, priv's named curve, a valid point).
 */
enum bw_kms_ecdh_error bw_kms_ecdh(struct evp_pkey_st *priv, struct bw_cur peer_der,
                                   struct bw_buf *secret);
/* The ValidationException message of each refusal. */
const char *bw_kms_ecdh_error_message(enum bw_kms_ecdh_error e);

#endif
