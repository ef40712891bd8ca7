/*
 * sign.c: the digest file signature as AWS specifies it ("CloudTrail
 * digest file structure", "Custom implementations of CloudTrail log file
 * integrity validation"): SHA256withRSA over
 *
 *   Digest_End_Timestamp_in_UTC_Extended_format + '\n' +
 *   Current_Digest_File_S3_Path + '\n' +
 *   Hex(Sha256(current-digest-file-content)) + '\n' +
 *   Previous_digest_signature_in_hex
 *
 * where the S3 path is "<bucket>/<key>", the content is the uncompressed
 * digest JSON, and the first digest's missing previous signature is the
 * string "null".
 */
#include "trail/trail.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/encoding.h"

int bw_trail_string_to_sign(const char *end_time, const char *bucket, const char *object,
                            struct bw_cur digest_content, const char *prev_signature,
                            struct bw_buf *out)
{
	char hash[65];
	bw_trail_sha256_hex(digest_content, hash);
	if (!end_time || !bucket || !object || !hash[0])
		return -1;
	return bw_buf_appendf(out, "%s\n%s/%s\n%s\n%s", end_time, bucket, object, hash,
	                      prev_signature ? prev_signature : "null");
}

int bw_trail_sign(EVP_PKEY *priv, struct bw_cur msg, struct bw_buf *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t len = 0;
	int rc = -1;
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, priv) != 1 ||
	    EVP_DigestSign(ctx, NULL, &len, msg.ptr, msg.len) != 1)
		goto done;
	sig = OPENSSL_malloc(len);
	if (!sig || EVP_DigestSign(ctx, sig, &len, msg.ptr, msg.len) != 1)
		goto done;
	rc = bw_hex_encode(sig, len, out);
done:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int bw_trail_verify(struct bw_cur public_der, struct bw_cur msg, const char *signature_hex)
{
	const unsigned char *p = public_der.ptr;
	if (public_der.len > 65536)
		return -1;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)public_der.len);
	if (!pub)
		return -1;
	int rc = 0;
	struct bw_buf sig = {0};
	EVP_MD_CTX *ctx = NULL;
	size_t hlen = signature_hex ? strlen(signature_hex) : 0;
	if (hlen == 0 || hlen % 2 != 0 || hlen > 8192 || bw_buf_reserve(&sig, hlen / 2) != 0)
		goto done;
	for (size_t i = 0; i < hlen; i += 2) {
		int hi = bw_hex_digit(signature_hex[i]), lo = bw_hex_digit(signature_hex[i + 1]);
		if (hi < 0 || lo < 0)
			goto done;
		sig.data[sig.len++] = (uint8_t)(hi << 4 | lo);
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		rc = -1;
		goto done;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, sig.data, sig.len, msg.ptr, msg.len) == 1)
		rc = 1;
done:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pub);
	bw_buf_free(&sig);
	return rc;
}

int bw_trail_fingerprint(struct bw_cur public_der, char out[33])
{
	unsigned char md[16];
	unsigned int n = 0;
	static const char hex[] = "0123456789abcdef";
	if (EVP_Digest(public_der.ptr, public_der.len, md, &n, EVP_md5(), NULL) != 1 || n != 16)
		return -1;
	for (size_t i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = 0;
	return 0;
}
