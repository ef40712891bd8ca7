/*
 * kms_crypto.c: Encrypt, Decrypt and ReEncrypt, and what every KMS
 * cryptographic operation shares (kms_crypto.h): using a key (state,
 * expiry of imported material, KeyUsage), opening its material, blobs in
 * and out, RSA-OAEP.
 *
 * Symmetric keys make the self-describing blob of kms_ciphertext.h, so
 * Decrypt finds the key and material in it. RSA ENCRYPT_DECRYPT keys take
 * RSAES_OAEP_SHA_1/SHA_256; their ciphertext carries nothing, so Decrypt
 * needs KeyId and EncryptionAlgorithm, as in KMS.
 *
 * The encryption context's limits (bw_kms_context_or_fail) are checked
 * here for every operation, called by bw_kms_authorize before anything is
 * evaluated.
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "services/kms/kms_ciphertext.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_SYM "SYMMETRIC_DEFAULT"

static int s_internal(struct bw_call *call)
{
	return bw_fail(call, KMS_INTERNAL);
}

static int s_invalid_ciphertext(struct bw_call *call)
{
	/* AWS answers it with no message (json_codec.c leaves it out) */
	return bw_fail(call, KMS_INVALID_CIPHERTEXT);
}

static int s_incorrect_key(struct bw_call *call)
{
	return bw_fail(call, KMS_INCORRECT_KEY);
}

bool bw_kms_doc_has(const json_t *key_doc, const char *member, const char *s)
{
	size_t i;
	json_t *v;
	if (!s)
		return false;
	json_array_foreach(json_object_get(key_doc, member), i, v)
	{
		const char *e = json_string_value(v);
		if (e && strcmp(e, s) == 0)
			return true;
	}
	return false;
}

int bw_kms_check_key_or_fail(struct bw_call *call, const json_t *key_doc, const char *usage,
                             const char *op)
{
	if (bw_kms_key_usable_or_fail(call, key_doc) != 0)
		return -1;
	const char *arn = bw_kms_doc_str(key_doc, "Arn");
	/* Imported material past its ValidTo is gone as far as KMS is concerned:
	 * checked here, at use, so no timer is needed for it to take effect. */
	const json_t *valid_to = json_object_get(key_doc, "ValidTo");
	if (strcmp(bw_kms_doc_str(key_doc, "ExpirationModel"), "KEY_MATERIAL_EXPIRES") == 0 &&
	    json_is_number(valid_to) && call->now_s >= json_number_value(valid_to))
		return bw_fail(call, KMS_PENDING_IMPORT, arn);
	if (usage && strcmp(bw_kms_doc_str(key_doc, "KeyUsage"), usage) != 0)
		return bw_fail(call, KMS_KEY_USAGE_INVALID, arn,
		               bw_kms_doc_str(key_doc, "KeyUsage"), op);
	return 0;
}

int bw_kms_use_key_or_fail(struct bw_call *call, const char *key_id_in, const char *usage,
                           const char *op, json_t **key_doc)
{
	json_t *doc = NULL;
	*key_doc = NULL;
	if (bw_kms_resolve_key_or_fail(call, key_id_in, &doc) != 0)
		return -1;
	if (bw_kms_check_key_or_fail(call, doc, usage, op) != 0) {
		json_decref(doc);
		return -1;
	}
	*key_doc = doc;
	return 0;
}

int bw_kms_open_material_or_fail(struct bw_call *call, const json_t *key_doc,
                                 const char *material_id, const char *missing_code,
                                 struct bw_buf *secret, json_t **material_doc)
{
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	char path[128];
	json_t *doc = NULL;
	if (material_doc)
		*material_doc = NULL;
	if (!material_id)
		material_id = bw_kms_doc_str(key_doc, "CurrentMaterialId");
	int n = snprintf(path, sizeof path, "%s/%s", key_id, material_id);
	if (!*material_id || n < 0 || (size_t)n >= sizeof path)
		return strcmp(missing_code, "InvalidCiphertextException") == 0
		           ? s_invalid_ciphertext(call)
		           : s_internal(call);
	int rc = bw_doc_get(call->store, BW_KMS_MATERIAL, call->account_id, path, &doc);
	if (rc == BW_STORE_NOT_FOUND)
		return strcmp(missing_code, "InvalidCiphertextException") == 0
		           ? s_invalid_ciphertext(call)
		           : s_internal(call);
	if (rc != BW_STORE_OK)
		return s_internal(call);
	if (!json_object_get(doc, "Sealed")) {
		/* imported material deleted (DeleteImportedKeyMaterial keeps its
		 * record): the key needs the same bytes imported again */
		json_decref(doc);
		return bw_fail(call, KMS_PENDING_IMPORT, bw_kms_doc_str(key_doc, "Arn"));
	}
	if (bw_kms_material_open(call->root_key, call->account_id, key_id, doc, secret) != 0) {
		json_decref(doc);
		return s_internal(call);
	}
	if (material_doc)
		*material_doc = doc;
	else
		json_decref(doc);
	return 0;
}

size_t bw_kms_context_bytes(const json_t *ctx)
{
	if (!ctx || json_is_null(ctx))
		return 0;
	if (!json_is_object(ctx))
		return SIZE_MAX;
	size_t total = 0, klen;
	const char *k;
	json_t *v;
	/* no overflow: the lengths add up to less than the request's size */
	json_object_keylen_foreach((json_t *)ctx, k, klen, v)
	{
		if (!json_is_string(v))
			return SIZE_MAX;
		total += klen + json_string_length(v);
	}
	return total;
}

/* Characters (code points) of UTF-8 text: its bytes less continuations. */
static size_t s_utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static int s_context_member_or_fail(struct bw_call *call, const json_t *in, const char *member)
{
	size_t n = bw_kms_context_bytes(json_object_get(in, member));
	if (n == SIZE_MAX)
		return bw_fail(call, KMS_CONTEXT_NOT_MAP, member);
	if (n > BW_KMS_CONTEXT_MAX_BYTES)
		return bw_fail(call, KMS_CONTEXT_TOO_LARGE, member, n, BW_KMS_CONTEXT_MAX_BYTES);
	return 0;
}

/* A grant constraint's context (CreateGrant's Constraints). */
static int s_constraint_or_fail(struct bw_call *call, const json_t *constraints, const char *member)
{
	const json_t *ctx = json_object_get(constraints, member);
	if (!ctx)
		return 0;
	if (bw_kms_context_bytes(ctx) == SIZE_MAX)
		return bw_fail(call, KMS_CONTEXT_NOT_MAP, member);
	size_t pairs = json_object_size(ctx), chars = 0, klen;
	const char *k;
	json_t *v;
	json_object_keylen_foreach((json_t *)ctx, k, klen, v)
	{
		chars += s_utf8_chars(k, klen) +
		         s_utf8_chars(json_string_value(v), json_string_length(v));
	}
	if (pairs > BW_KMS_GRANT_CONTEXT_MAX_PAIRS)
		return bw_fail(call, KMS_GRANT_CONTEXT_PAIRS,
		               BW_KMS_GRANT_CONTEXT_MAX_PAIRS, member, pairs);
	if (chars > BW_KMS_GRANT_CONTEXT_MAX_CHARS)
		return bw_fail(call, KMS_GRANT_CONTEXT_CHARS,
		               BW_KMS_GRANT_CONTEXT_MAX_CHARS, member, chars);
	return 0;
}

int bw_kms_context_or_fail(struct bw_call *call, const json_t *in)
{
	static const char *const members[] = {"EncryptionContext", "SourceEncryptionContext",
	                                      "DestinationEncryptionContext"};
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
		if (s_context_member_or_fail(call, in, members[i]) != 0)
			return -1;
	const json_t *c = json_object_get(in, "Constraints");
	if (!json_is_object(c))
		return 0;
	if (s_constraint_or_fail(call, c, "EncryptionContextEquals") != 0 ||
	    s_constraint_or_fail(call, c, "EncryptionContextSubset") != 0)
		return -1;
	return 0;
}

int bw_kms_blob_in_or_fail(struct bw_call *call, const json_t *in, const char *member, size_t max,
                           bool required, struct bw_buf *out)
{
	const json_t *v = json_object_get(in, member);
	const char *s = json_string_value(v);
	if (!v || json_is_null(v)) {
		if (!required)
			return 1;
		return bw_fail(call, KMS_MEMBER_NULL, member);
	}
	if (!s || bw_base64_decode(s, json_string_length(v), out) != 0)
		return bw_fail(call, KMS_NOT_BASE64, member);
	if (out->len < 1 || out->len > max)
		return bw_fail(call, KMS_BLOB_LENGTH, member, max);
	return 0;
}

int bw_kms_blob_out_or_fail(struct bw_call *call, json_t *out, const char *member, const void *p,
                            size_t len, bool secret)
{
	struct bw_buf b64 = {.secret = secret};
	int rc = -1;
	if (bw_base64_encode(p, len, &b64) != 0 ||
	    json_object_set_new(out, member, json_stringn((const char *)b64.data, b64.len)) != 0)
		rc = s_internal(call);
	else
		rc = 0;
	bw_buf_free(&b64);
	return rc;
}

int bw_kms_arn_out_or_fail(struct bw_call *call, json_t *out, const char *member,
                           const char *key_id)
{
	struct bw_buf arn = {0};
	int rc = 0;
	if (bw_kms_key_arn(call, key_id, &arn) != 0 ||
	    json_object_set_new(out, member, json_string(bw_buf_cstr(&arn))) != 0)
		rc = s_internal(call);
	bw_buf_free(&arn);
	return rc;
}

int bw_kms_dry_run_or_fail(struct bw_call *call, const json_t *in)
{
	if (json_is_true(json_object_get(in, "DryRun")))
		return bw_fail(call, KMS_DRY_RUN);
	return 0;
}

/*
 * Parsed keys, cached by the SHA-256 of their DER: OpenSSL 3 decodes a key
 * through its provider machinery (hundreds of microseconds, many locks),
 * far more than the signature itself. Content-addressed, an entry can never
 * be stale; a key of a destroyed key's material simply ages out. The digest
 * of a private key reveals nothing of it. Entries are freed at exit.
 */
#define S_PKEY_SLOTS 256

struct s_pkey_slot {
	uint8_t digest[SHA256_DIGEST_LENGTH];
	bool is_public;
	EVP_PKEY *pkey;
};

static struct s_pkey_slot s_pkeys[S_PKEY_SLOTS];
static pthread_mutex_t s_pkeys_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t s_pkeys_once = PTHREAD_ONCE_INIT;

static void s_pkeys_free(void)
{
	for (size_t i = 0; i < S_PKEY_SLOTS; i++) {
		EVP_PKEY_free(s_pkeys[i].pkey);
		s_pkeys[i].pkey = NULL;
	}
}

static void s_pkeys_init(void)
{
	atexit(s_pkeys_free);
}

static EVP_PKEY *s_pkey_cached(struct bw_cur der, bool is_public)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	if (!der.ptr || der.len > INT32_MAX || !SHA256(der.ptr, der.len, digest))
		return NULL;
	pthread_once(&s_pkeys_once, s_pkeys_init);
	struct s_pkey_slot *slot = &s_pkeys[(digest[0] | digest[1] << 8) % S_PKEY_SLOTS];
	EVP_PKEY *pkey = NULL;
	pthread_mutex_lock(&s_pkeys_lock);
	if (slot->pkey && slot->is_public == is_public &&
	    memcmp(slot->digest, digest, sizeof digest) == 0 && EVP_PKEY_up_ref(slot->pkey) == 1)
		pkey = slot->pkey;
	pthread_mutex_unlock(&s_pkeys_lock);
	if (pkey)
		return pkey;
	const unsigned char *p = der.ptr;
	pkey = is_public ? d2i_PUBKEY(NULL, &p, (long)der.len)
	                 : d2i_AutoPrivateKey(NULL, &p, (long)der.len);
	if (!pkey || EVP_PKEY_up_ref(pkey) != 1)
		return pkey;
	pthread_mutex_lock(&s_pkeys_lock);
	EVP_PKEY *old = slot->pkey;
	memcpy(slot->digest, digest, sizeof digest);
	slot->is_public = is_public;
	slot->pkey = pkey;
	pthread_mutex_unlock(&s_pkeys_lock);
	EVP_PKEY_free(old);
	return pkey;
}

EVP_PKEY *bw_kms_pkey_private(struct bw_cur der)
{
	return s_pkey_cached(der, false);
}

EVP_PKEY *bw_kms_pkey_public(const json_t *material_doc)
{
	const char *b64 = json_string_value(json_object_get(material_doc, "PublicKey"));
	struct bw_buf der = {0};
	EVP_PKEY *pkey = NULL;
	if (b64 && bw_base64_decode(b64, strlen(b64), &der) == 0)
		pkey = s_pkey_cached(bw_cur_from(der.data, der.len), true);
	bw_buf_free(&der);
	return pkey;
}

int bw_kms_rsa_oaep(EVP_PKEY *pkey, bool encrypt, const char *md, struct bw_cur in,
                    struct bw_buf *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	size_t len = 0;
	int rc = -1;
	if (!ctx || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
		goto done;
	if ((encrypt ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, NULL) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md, NULL) != 1)
		goto done;
	if ((encrypt ? EVP_PKEY_encrypt(ctx, NULL, &len, in.ptr, in.len)
	             : EVP_PKEY_decrypt(ctx, NULL, &len, in.ptr, in.len)) != 1 ||
	    bw_buf_reserve(out, len) != 0)
		goto done;
	uint8_t *dst = out->data + out->len;
	if ((encrypt ? EVP_PKEY_encrypt(ctx, dst, &len, in.ptr, in.len)
	             : EVP_PKEY_decrypt(ctx, dst, &len, in.ptr, in.len)) != 1)
		goto done;
	out->len += len;
	out->data[out->len] = 0;
	rc = 0;
done:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* "RSAES_OAEP_SHA_256" -> "SHA256"; NULL for anything else. */
static const char *s_oaep_md(const char *alg)
{
	if (!alg)
		return NULL;
	if (strcmp(alg, "RSAES_OAEP_SHA_1") == 0)
		return "SHA1";
	if (strcmp(alg, "RSAES_OAEP_SHA_256") == 0)
		return "SHA256";
	return NULL;
}

/* The largest plaintext RSA-OAEP takes, as KMS documents it: k - 2 hLen - 2. */
static size_t s_oaep_max(const EVP_PKEY *pkey, const char *md)
{
	size_t k = (size_t)EVP_PKEY_get_size(pkey), h = strcmp(md, "SHA1") == 0 ? 20 : 32;
	return k > 2 * h + 2 ? k - 2 * h - 2 : 0;
}

/* The EncryptionAlgorithm a request names (default SYMMETRIC_DEFAULT) must
 * be one the key lists. */
static int s_algorithm_or_fail(struct bw_call *call, const json_t *key_doc, const char *alg)
{
	if (bw_kms_doc_has(key_doc, "EncryptionAlgorithms", alg))
		return 0;
	return bw_fail(call, KMS_ENCRYPTION_ALGORITHM_INVALID, alg, bw_kms_doc_str(key_doc, "Arn"));
}

int bw_kms_sym_encrypt_or_fail(struct bw_call *call, const json_t *key_doc, const json_t *ctx,
                               struct bw_cur plaintext, struct bw_buf *blob_out, char *material_id)
{
	struct bw_buf key = {.secret = true};
	json_t *mdoc = NULL;
	if (bw_kms_open_material_or_fail(call, key_doc, NULL, "KMSInternalException", &key, &mdoc) !=
	    0)
		return -1;
	const char *mid = bw_kms_doc_str(key_doc, "CurrentMaterialId");
	int rc = bw_kms_ct_seal(bw_cur_from(key.data, key.len), bw_kms_doc_str(key_doc, "KeyId"),
	                        mid, ctx, plaintext, blob_out);
	bw_buf_free(&key);
	/* the id clients see (64 characters for imported material) */
	snprintf(material_id, BW_KMS_KEY_MATERIAL_ID_MAX + 1, "%s", bw_kms_material_public_id(mdoc));
	json_decref(mdoc);
	if (rc != 0)
		return s_internal(call);
	return 0;
}

/* Encrypt plaintext under key_doc with alg; the ciphertext into blob. */
static int s_encrypt_or_fail(struct bw_call *call, const json_t *key_doc, const char *alg,
                             const json_t *ctx, struct bw_cur plaintext, struct bw_buf *blob,
                             char *material_id)
{
	if (s_algorithm_or_fail(call, key_doc, alg) != 0)
		return -1;
	if (strcmp(alg, S_SYM) == 0)
		return bw_kms_sym_encrypt_or_fail(call, key_doc, ctx, plaintext, blob, material_id);
	const char *md = s_oaep_md(alg);
	json_t *mdoc = NULL;
	char path[128];
	snprintf(path, sizeof path, "%s/%s", bw_kms_doc_str(key_doc, "KeyId"),
	         bw_kms_doc_str(key_doc, "CurrentMaterialId"));
	if (!md ||
	    bw_doc_get(call->store, BW_KMS_MATERIAL, call->account_id, path, &mdoc) != BW_STORE_OK)
		return s_internal(call);
	EVP_PKEY *pub = bw_kms_pkey_public(mdoc);
	json_decref(mdoc);
	if (!pub)
		return s_internal(call);
	int rc = 0;
	size_t max = s_oaep_max(pub, md);
	if (plaintext.len > max)
		rc =
		    bw_fail(call, KMS_PLAINTEXT_TOO_LONG,
		            plaintext.len, bw_kms_doc_str(key_doc, "KeySpec"), alg, max);
	else if (bw_kms_rsa_oaep(pub, true, md, plaintext, blob) != 0)
		rc = s_internal(call);
	EVP_PKEY_free(pub);
	snprintf(material_id, BW_KMS_KEY_MATERIAL_ID_MAX + 1, "%s",
	         bw_kms_doc_str(key_doc, "CurrentMaterialId"));
	return rc;
}

/*
 * Decrypt blob: with a symmetric blob, the key named in it (and key_id_in,
 * when given, must be that key); with an RSA key, key_id_in and alg are
 * required. *key_doc receives the key used; plaintext is secret.
 */
static int s_decrypt_or_fail(struct bw_call *call, const char *key_id_in, const char *alg,
                             const json_t *ctx, struct bw_cur blob, json_t **key_doc,
                             struct bw_buf *plaintext, char *material_id)
{
	json_t *named = NULL, *doc = NULL, *mdoc = NULL;
	*key_doc = NULL;
	plaintext->secret = true;
	if (key_id_in && bw_kms_resolve_key_or_fail(call, key_id_in, &named) != 0)
		return -1;
	const char *named_spec = bw_kms_doc_str(named, "KeySpec");
	if (named && strcmp(named_spec, S_SYM) != 0) {
		/* asymmetric: RSA-OAEP under the key the caller named */
		int rc = -1;
		const char *md = NULL;
		struct bw_buf priv = {.secret = true};
		EVP_PKEY *pkey = NULL;
		struct bw_kms_ct sym;
		if (bw_kms_check_key_or_fail(call, named, NULL, "Decrypt") != 0)
			goto asym_done;
		/* A key that cannot decrypt (signing, MAC, key agreement), or a
		 * symmetric blob, which names another key than this asymmetric
		 * one: "the specified KMS key cannot decrypt the data"
		 * (IncorrectKeyException, Decrypt API reference), as AWS answers. */
		if (strcmp(bw_kms_doc_str(named, "KeyUsage"), "ENCRYPT_DECRYPT") != 0 ||
		    bw_kms_ct_parse(blob, &sym) == 0) {
			s_incorrect_key(call);
			goto asym_done;
		}
		if (!alg) {
			bw_fail(call, KMS_ALGORITHM_REQUIRED);
			goto asym_done;
		}
		if (s_algorithm_or_fail(call, named, alg) != 0)
			goto asym_done;
		md = s_oaep_md(alg);
		if (!md) {
			s_internal(call);
			goto asym_done;
		}
		if (bw_kms_open_material_or_fail(call, named, NULL, "KMSInternalException", &priv,
		                                 NULL) != 0)
			goto asym_done;
		pkey = bw_kms_pkey_private(bw_cur_from(priv.data, priv.len));
		if (!pkey) {
			s_internal(call);
			goto asym_done;
		}
		if (bw_kms_rsa_oaep(pkey, false, md, blob, plaintext) != 0) {
			s_invalid_ciphertext(call);
			goto asym_done;
		}
		snprintf(material_id, BW_KMS_KEY_MATERIAL_ID_MAX + 1, "%s",
		         bw_kms_doc_str(named, "CurrentMaterialId"));
		*key_doc = named;
		named = NULL;
		rc = 0;
	asym_done:
		EVP_PKEY_free(pkey);
		bw_buf_free(&priv);
		json_decref(named);
		return rc;
	}

	struct bw_kms_ct ct;
	struct bw_buf key = {.secret = true};
	int rc = -1;
	if (alg && strcmp(alg, S_SYM) != 0) {
		bw_fail(call, KMS_SYMMETRIC_ALGORITHM_INVALID, alg);
		goto done;
	}
	if (bw_kms_ct_parse(blob, &ct) != 0) {
		s_invalid_ciphertext(call);
		goto done;
	}
	if (named) {
		if (strcmp(bw_kms_doc_str(named, "KeyId"), ct.key_id) != 0) {
			s_incorrect_key(call);
			goto done;
		}
		doc = named;
		named = NULL;
	} else {
		/* the blob names the key: one it does not find is a bad blob */
		/* the key of the blob's id in the call's region: a multi-Region
		 * key's blob decrypts with whichever related key is here */
		int grc = bw_kms_key_get(call->store, call->account_id, call->region, ct.key_id, &doc);
		if (grc == BW_STORE_NOT_FOUND) {
			s_invalid_ciphertext(call);
			goto done;
		}
		if (grc != BW_STORE_OK) {
			s_internal(call);
			goto done;
		}
		/* a key lives in one region: a blob of another is not ours */
		char want[64];
		int wn = snprintf(want, sizeof want, "arn:aws:kms:%s:", call->region);
		if (wn < 0 || (size_t)wn >= sizeof want ||
		    strncmp(bw_kms_doc_str(doc, "Arn"), want, (size_t)wn) != 0) {
			s_invalid_ciphertext(call);
			goto done;
		}
	}
	if (bw_kms_check_key_or_fail(call, doc, "ENCRYPT_DECRYPT", "Decrypt") != 0)
		goto done;
	if (strcmp(bw_kms_doc_str(doc, "KeySpec"), S_SYM) != 0) {
		s_invalid_ciphertext(call);
		goto done;
	}
	if (bw_kms_open_material_or_fail(call, doc, ct.material_id, "InvalidCiphertextException",
	                                 &key, &mdoc) != 0)
		goto done;
	if (bw_kms_ct_open(bw_cur_from(key.data, key.len), &ct, ctx, plaintext) != 0) {
		s_invalid_ciphertext(call);
		goto done;
	}
	/* the id clients see (64 characters for imported material) */
	snprintf(material_id, BW_KMS_KEY_MATERIAL_ID_MAX + 1, "%s", bw_kms_material_public_id(mdoc));
	*key_doc = doc;
	doc = NULL;
	rc = 0;
done:
	bw_buf_free(&key);
	json_decref(mdoc);
	json_decref(named);
	json_decref(doc);
	return rc;
}

static const char *s_str(const json_t *in, const char *member)
{
	return json_string_value(json_object_get(in, member));
}

int bw_kms_encrypt(struct bw_call *call, const json_t *in, json_t *out)
{
	struct bw_buf plaintext = {.secret = true}, blob = {0};
	json_t *key_doc = NULL;
	char mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1] = "";
	const char *alg = s_str(in, "EncryptionAlgorithm");
	int rc = -1;
	if (!alg)
		alg = S_SYM;
	if (bw_kms_blob_in_or_fail(call, in, "Plaintext", BW_KMS_CT_MAX_PLAINTEXT, true,
	                           &plaintext) != 0)
		goto done;
	if (bw_kms_use_key_or_fail(call, s_str(in, "KeyId"), "ENCRYPT_DECRYPT", "Encrypt",
	                           &key_doc) != 0)
		goto done;
	if (s_algorithm_or_fail(call, key_doc, alg) != 0 || bw_kms_dry_run_or_fail(call, in) != 0)
		goto done;
	if (s_encrypt_or_fail(call, key_doc, alg, json_object_get(in, "EncryptionContext"),
	                      bw_cur_from(plaintext.data, plaintext.len), &blob, mid) != 0)
		goto done;
	if (bw_kms_blob_out_or_fail(call, out, "CiphertextBlob", blob.data, blob.len, false) != 0 ||
	    bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0 ||
	    json_object_set_new(out, "EncryptionAlgorithm", json_string(alg)) != 0)
		goto done;
	rc = 0;
done:
	bw_buf_free(&plaintext);
	bw_buf_free(&blob);
	json_decref(key_doc);
	return rc;
}

int bw_kms_decrypt(struct bw_call *call, const json_t *in, json_t *out)
{
	struct bw_buf blob = {0}, plaintext = {.secret = true};
	json_t *key_doc = NULL;
	char mid[BW_KMS_KEY_MATERIAL_ID_MAX + 1] = "";
	const char *alg = s_str(in, "EncryptionAlgorithm");
	int rc = -1;
	if (json_object_get(in, "Recipient"))
		return bw_fail(
		    call, KMS_RECIPIENT_UNSUPPORTED);
	if (bw_kms_blob_in_or_fail(call, in, "CiphertextBlob", 6144, true, &blob) != 0)
		goto done;
	if (s_decrypt_or_fail(call, s_str(in, "KeyId"), alg,
	                      json_object_get(in, "EncryptionContext"),
	                      bw_cur_from(blob.data, blob.len), &key_doc, &plaintext, mid) != 0)
		goto done;
	if (bw_kms_dry_run_or_fail(call, in) != 0)
		goto done;
	if (bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(key_doc, "KeyId")) != 0 ||
	    bw_kms_blob_out_or_fail(call, out, "Plaintext", plaintext.data, plaintext.len, true) !=
	        0 ||
	    json_object_set_new(out, "EncryptionAlgorithm", json_string(alg ? alg : S_SYM)) != 0 ||
	    json_object_set_new(out, "KeyMaterialId", json_string(mid)) != 0)
		goto done;
	rc = 0;
done:
	bw_buf_free(&blob);
	bw_buf_free(&plaintext);
	json_decref(key_doc);
	return rc;
}

int bw_kms_re_encrypt(struct bw_call *call, const json_t *in, json_t *out)
{
	struct bw_buf blob = {0}, plaintext = {.secret = true}, blob2 = {0};
	json_t *src = NULL, *dst = NULL;
	char smid[BW_KMS_KEY_MATERIAL_ID_MAX + 1] = "", dmid[BW_KMS_KEY_MATERIAL_ID_MAX + 1] = "";
	const char *salg = s_str(in, "SourceEncryptionAlgorithm");
	const char *dalg = s_str(in, "DestinationEncryptionAlgorithm");
	int rc = -1;
	if (!dalg)
		dalg = S_SYM;
	if (bw_kms_blob_in_or_fail(call, in, "CiphertextBlob", 6144, true, &blob) != 0)
		goto done;
	if (bw_kms_use_key_or_fail(call, s_str(in, "DestinationKeyId"), "ENCRYPT_DECRYPT",
	                           "ReEncrypt", &dst) != 0 ||
	    s_algorithm_or_fail(call, dst, dalg) != 0)
		goto done;
	if (s_decrypt_or_fail(call, s_str(in, "SourceKeyId"), salg,
	                      json_object_get(in, "SourceEncryptionContext"),
	                      bw_cur_from(blob.data, blob.len), &src, &plaintext, smid) != 0)
		goto done;
	if (bw_kms_dry_run_or_fail(call, in) != 0)
		goto done;
	if (s_encrypt_or_fail(call, dst, dalg, json_object_get(in, "DestinationEncryptionContext"),
	                      bw_cur_from(plaintext.data, plaintext.len), &blob2, dmid) != 0)
		goto done;
	if (bw_kms_blob_out_or_fail(call, out, "CiphertextBlob", blob2.data, blob2.len, false) !=
	        0 ||
	    bw_kms_arn_out_or_fail(call, out, "SourceKeyId", bw_kms_doc_str(src, "KeyId")) != 0 ||
	    bw_kms_arn_out_or_fail(call, out, "KeyId", bw_kms_doc_str(dst, "KeyId")) != 0 ||
	    json_object_set_new(out, "SourceEncryptionAlgorithm",
	                        json_string(salg ? salg : S_SYM)) != 0 ||
	    json_object_set_new(out, "DestinationEncryptionAlgorithm", json_string(dalg)) != 0 ||
	    json_object_set_new(out, "SourceKeyMaterialId", json_string(smid)) != 0 ||
	    json_object_set_new(out, "DestinationKeyMaterialId", json_string(dmid)) != 0)
		goto done;
	rc = 0;
done:
	bw_buf_free(&blob);
	bw_buf_free(&plaintext);
	bw_buf_free(&blob2);
	json_decref(src);
	json_decref(dst);
	return rc;
}
