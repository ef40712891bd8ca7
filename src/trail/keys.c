/*
 * keys.c: the RSA-2048 key pairs that sign digest files. One is current
 * per account; when it has signed for the rotation period a new one
 * replaces it and the old one gets a ValidityEndTime, its public key kept
 * so that digests it signed stay verifiable (ListPublicKeys). Private keys
 * are kept only sealed under the root key (crypto/seal.h).
 */
#include "trail/trail.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/encoding.h"
#include "services/cloudtrail/trails.h"
#include "store/doc.h"

static int s_aad(const char *account, const char *fp, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s|%s", account, fp);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static EVP_PKEY *s_open(const struct bw_root_key *rk, const char *account, const json_t *doc)
{
	const char *fp = json_string_value(json_object_get(doc, "Fingerprint"));
	const char *sealed_b64 = json_string_value(json_object_get(doc, "Sealed"));
	char aad[96];
	struct bw_buf sealed = {0}, der = {.secret = true};
	EVP_PKEY *pkey = NULL;
	if (!fp || !sealed_b64 || s_aad(account, fp, aad, sizeof aad) != 0 ||
	    bw_base64_decode(sealed_b64, strlen(sealed_b64), &sealed) != 0 ||
	    bw_unseal(rk, BW_SEAL_PURPOSE_TRAIL_SIGNING, bw_cur_str(aad),
	              bw_cur_from(sealed.data, sealed.len), &der) != 0)
		goto done;
	const unsigned char *p = der.data;
	pkey = d2i_AutoPrivateKey(NULL, &p, (long)der.len);
done:
	bw_buf_free(&sealed);
	bw_buf_free(&der);
	return pkey;
}

/* A new key pair: its cloudtrail/signing-key document (not yet stored) and the key. */
static int s_new(const struct bw_root_key *rk, const char *account, double now_s, json_t **doc,
                 EVP_PKEY **out, char fp[33])
{
	EVP_PKEY *pkey = EVP_RSA_gen(2048);
	unsigned char *pub = NULL, *priv = NULL;
	struct bw_buf sealed = {0}, pub64 = {0}, sealed64 = {0};
	char aad[96];
	int publen = 0, privlen = 0, rc = -1;
	if (!pkey)
		return -1;
	publen = i2d_PUBKEY(pkey, &pub);
	privlen = i2d_PrivateKey(pkey, &priv);
	if (publen <= 0 || privlen <= 0 ||
	    bw_trail_fingerprint(bw_cur_from(pub, (size_t)publen), fp) != 0 ||
	    s_aad(account, fp, aad, sizeof aad) != 0 ||
	    bw_seal(rk, BW_SEAL_PURPOSE_TRAIL_SIGNING, bw_cur_str(aad),
	            bw_cur_from(priv, (size_t)privlen), &sealed) != 0 ||
	    bw_base64_encode(pub, (size_t)publen, &pub64) != 0 ||
	    bw_base64_encode(sealed.data, sealed.len, &sealed64) != 0)
		goto done;
	*doc =
	    json_pack("{s:s, s:s, s:s, s:f}", "Fingerprint", fp, "PublicKey", bw_buf_cstr(&pub64),
	              "Sealed", bw_buf_cstr(&sealed64), "ValidityStartTime", now_s);
	if (!*doc)
		goto done;
	*out = pkey;
	pkey = NULL;
	rc = 0;
done:
	if (priv) {
		bw_cleanse(priv, (size_t)privlen);
		OPENSSL_free(priv);
	}
	OPENSSL_free(pub);
	EVP_PKEY_free(pkey);
	bw_buf_free(&sealed);
	bw_buf_free(&pub64);
	bw_buf_free(&sealed64);
	return rc;
}

int bw_trail_key_current(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                         double now_s, EVP_PKEY **priv, char fingerprint[33])
{
	json_t *cur = NULL, *doc = NULL, *fresh = NULL;
	int rc = -1;
	*priv = NULL;
	if (bw_doc_get(store, BW_CT_SIGNING_CURRENT, account, "current", &cur) == BW_STORE_ERROR)
		return -1;
	const char *fp = json_string_value(json_object_get(cur, "Fingerprint"));
	if (fp && bw_doc_get(store, BW_CT_SIGNING_KEY, account, fp, &doc) == BW_STORE_OK) {
		double start = json_number_value(json_object_get(doc, "ValidityStartTime"));
		if (now_s - start < bw_trail_key_rotation_s()) {
			*priv = s_open(rk, account, doc);
			if (!*priv)
				goto done;
			snprintf(fingerprint, 33, "%s", fp);
			rc = 0;
			goto done;
		}
	}
	/* None yet, or due for rotation: make one, retire the old one. */
	if (s_new(rk, account, now_s, &fresh, priv, fingerprint) != 0)
		goto done;
	json_t *cur_new = json_pack("{s:s}", "Fingerprint", fingerprint);
	if (!cur_new || bw_store_begin(store) != 0) {
		json_decref(cur_new);
		goto fail;
	}
	if (doc && (json_object_set_new(doc, "ValidityEndTime", json_real(now_s)) != 0 ||
	            bw_doc_put(store, BW_CT_SIGNING_KEY, account, fp, doc) != 0))
		goto rollback;
	if (bw_doc_put(store, BW_CT_SIGNING_KEY, account, fingerprint, fresh) != 0 ||
	    bw_doc_put(store, BW_CT_SIGNING_CURRENT, account, "current", cur_new) != 0)
		goto rollback;
	json_decref(cur_new);
	if (bw_store_commit(store) != 0)
		goto fail;
	rc = 0;
	goto done;
rollback:
	json_decref(cur_new);
	bw_store_rollback(store);
fail:
	EVP_PKEY_free(*priv);
	*priv = NULL;
done:
	json_decref(cur);
	json_decref(doc);
	json_decref(fresh);
	return rc;
}

int bw_trail_key_public(struct bw_store *store, const char *account, const char *fingerprint,
                        struct bw_buf *der)
{
	json_t *doc = NULL;
	int g = bw_doc_get(store, BW_CT_SIGNING_KEY, account, fingerprint, &doc);
	if (g == BW_STORE_NOT_FOUND)
		return 0;
	if (g != BW_STORE_OK)
		return -1;
	const char *b64 = json_string_value(json_object_get(doc, "PublicKey"));
	int rc = b64 && bw_base64_decode(b64, strlen(b64), der) == 0 ? 1 : -1;
	json_decref(doc);
	return rc;
}

int bw_trail_keys_list(struct bw_store *store, const char *account, double start_s, double end_s,
                       json_t **list)
{
	json_t *docs = NULL;
	bool more = false;
	struct bw_doc_page page = {0};
	*list = json_array();
	if (!*list || bw_doc_list(store, BW_CT_SIGNING_KEY, account, &page, &docs, &more) != 0)
		goto error;
	size_t i;
	json_t *item;
	json_array_foreach(docs, i, item)
	{
		const json_t *d = json_object_get(item, "doc");
		double vs = json_number_value(json_object_get(d, "ValidityStartTime"));
		const json_t *ve = json_object_get(d, "ValidityEndTime");
		/* A key signs from its start to its end (the current one: on). */
		if (vs > end_s || (ve && json_number_value(ve) < start_s))
			continue;
		json_t *k = json_pack("{s:O, s:O, s:O}", "Value", json_object_get(d, "PublicKey"),
		                      "ValidityStartTime", json_object_get(d, "ValidityStartTime"),
		                      "Fingerprint", json_object_get(d, "Fingerprint"));
		if (!k ||
		    (ve && json_object_set_new(k, "ValidityEndTime",
		                               json_real(json_number_value(ve))) != 0) ||
		    json_array_append_new(*list, k) != 0) {
			json_decref(k);
			goto error;
		}
	}
	json_decref(docs);
	return 0;
error:
	json_decref(docs);
	json_decref(*list);
	*list = NULL;
	return -1;
}
