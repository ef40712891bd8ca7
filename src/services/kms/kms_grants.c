/*
 * kms_grants.c: KMS grants — CreateGrant, ListGrants, ListRetirableGrants,
 * RetireGrant, RevokeGrant — and what the authorization reads of them:
 * whether a grant allows a request (bw_kms_grants_allow), whether the
 * GrantTokens of a request are live (bw_kms_grant_tokens_or_fail), and who
 * may retire a grant (bw_kms_authorize_retire).
 *
 * A grant is a kms/grant document keyed "<key id>/<grant id>" (so it dies
 * with its key: the deletion sweep deletes the prefix): the GrantListEntry
 * shape plus "Tokens", the hex SHA-256 of each grant token handed out for
 * it (a retried CreateGrant with the same Name returns the same grant and a
 * new token, as AWS does; the newest BW_KMS_GRANT_TOKENS are kept). The
 * token itself is never stored: base64 of key id (36) | grant id (64 hex) |
 * 32 random bytes, so a token names its grant and proves itself by hash.
 *
 * Grants here are immediately consistent; a GrantTokens list is still
 * checked so a stale or forged token is refused as AWS refuses it.
 * A grantee is matched by ARN (a role grantee also matches its sessions);
 * an account grantee ("arn:aws:iam::<acct>:root") matches that account's
 * root only — it is not delegated to the account's IAM policies.
 */
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "services/kms/kms_authz.h"
#include "services/kms/kms_crypto.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_GRANT_ID_LEN 64
#define S_KEY_ID_LEN 36
#define S_TOKEN_RAW (S_KEY_ID_LEN + S_GRANT_ID_LEN + 32)
#define S_TOKENS_KEPT 64
#define S_GRANTS_PER_KEY 50000 /* KMS quota: grants for a KMS key */
#define S_GRANT_KEY_MAX (S_KEY_ID_LEN + 1 + S_GRANT_ID_LEN + 1)

/* ---- matching ------------------------------------------------------------ */

static bool s_has_str(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

static bool s_grantee_is_caller(const struct bw_call *call, const char *grantee)
{
	const struct bw_principal *p = &call->principal;
	if (!grantee || !grantee[0])
		return false;
	if (strcmp(grantee, p->arn) == 0)
		return true;
	return p->type == BW_PT_ASSUMED_ROLE && p->role_arn[0] && strcmp(grantee, p->role_arn) == 0;
}

/* The grant operations that carry an encryption context: the ones grant
 * constraints apply to. */
static bool s_context_op(const char *op)
{
	static const char *const ops[] = {
		"Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
		"GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
		"GenerateDataKeyPairWithoutPlaintext",
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(op, ops[i]) == 0)
			return true;
	return false;
}

/* Every pair of want is in ctx with the same value. */
static bool s_pairs_in(const json_t *want, const json_t *ctx)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)want, k, v) {
		const json_t *got = json_object_get(ctx, k);
		if (!json_is_string(got) || !json_equal(got, v))
			return false;
	}
	return true;
}

/* "EncryptionContextEquals: the request's context is exactly this";
 * "EncryptionContextSubset: the request's context includes these pairs". */
static bool s_constraints_hold(const json_t *grant, const char *op, const json_t *ctx,
                               const json_t *in)
{
	const json_t *c = json_object_get(grant, "Constraints");
	if (!c || json_object_size(c) == 0)
		return true;
	if (strcmp(op, "CreateGrant") == 0) /* a constrained grant passes on no more */
		return json_equal(c, json_object_get(in, "Constraints"));
	if (!s_context_op(op))
		return true; /* constraints bind only operations with a context */
	const json_t *eq = json_object_get(c, "EncryptionContextEquals");
	const json_t *sub = json_object_get(c, "EncryptionContextSubset");
	size_t n = json_object_size(ctx);
	if (eq && (n != json_object_size(eq) || !s_pairs_in(eq, ctx)))
		return false;
	return !sub || s_pairs_in(sub, ctx);
}

/* A grant that allows CreateGrant allows sub-grants of its own operations. */
static bool s_ops_within(const json_t *grant, const json_t *in)
{
	const json_t *mine = json_object_get(grant, "Operations");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(in, "Operations"), i, v) {
		if (!json_is_string(v) || !s_has_str(mine, json_string_value(v)))
			return false;
	}
	return true;
}

/* The grants of a key (array of {"key","doc"}); NULL with the call failed. */
static json_t *s_key_grants(struct bw_call *call, const char *key_id)
{
	char prefix[S_KEY_ID_LEN + 2];
	snprintf(prefix, sizeof prefix, "%.36s/", key_id);
	struct bw_doc_page page = {.prefix = prefix};
	json_t *docs = NULL;
	bool more = false;
	if (bw_doc_list(call->store, BW_KMS_GRANT, call->account_id, &page, &docs, &more) !=
	    BW_STORE_OK) {
		bw_kms_internal(call);
		return NULL;
	}
	return docs;
}

int bw_kms_grants_allow(struct bw_call *call, const json_t *key_doc, const char *op,
                        const json_t *enc_ctx, const json_t *in, bool *allowed)
{
	*allowed = false;
	json_t *docs = s_key_grants(call, bw_kms_doc_str(key_doc, "KeyId"));
	if (!docs)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e) {
		const json_t *g = json_object_get(e, "doc");
		/* the related keys of a multi-Region key share the id, not grants */
		if (strcmp(bw_kms_doc_str(g, "KeyId"), bw_kms_doc_str(key_doc, "Arn")) != 0 ||
		    !s_grantee_is_caller(call, bw_kms_doc_str(g, "GranteePrincipal")) ||
		    !s_has_str(json_object_get(g, "Operations"), op) ||
		    !s_constraints_hold(g, op, enc_ctx, in))
			continue;
		if (strcmp(op, "CreateGrant") == 0 && !s_ops_within(g, in))
			continue;
		*allowed = true;
		break;
	}
	json_decref(docs);
	return 0;
}

/* ---- tokens -------------------------------------------------------------- */

/* The hex SHA-256 of a token text (65 bytes with the NUL). */
static int s_token_hash(const char *token, size_t len, char out[65])
{
	uint8_t d[SHA256_DIGEST_LENGTH];
	struct bw_buf hex = {0};
	SHA256((const uint8_t *)token, len, d);
	if (bw_hex_encode(d, sizeof d, &hex) != 0 || hex.len != 64) {
		bw_buf_free(&hex);
		return -1;
	}
	memcpy(out, hex.data, 64);
	out[64] = 0;
	bw_buf_free(&hex);
	return 0;
}

/* A new token for (key id, grant id): *token (base64 text) and its hash. */
static int s_token_new(const char *key_id, const char *grant_id, struct bw_buf *token,
                       char hash[65])
{
	uint8_t raw[S_TOKEN_RAW];
	memcpy(raw, key_id, S_KEY_ID_LEN);
	memcpy(raw + S_KEY_ID_LEN, grant_id, S_GRANT_ID_LEN);
	if (RAND_bytes(raw + S_KEY_ID_LEN + S_GRANT_ID_LEN, 32) != 1)
		return -1;
	int rc = bw_base64_encode(raw, sizeof raw, token) == 0 &&
	                 s_token_hash((const char *)token->data, token->len, hash) == 0
	             ? 0
	             : -1;
	bw_cleanse(raw, sizeof raw);
	return rc;
}

/* The grant a token names, if the token is one of its own: 0 and *grant
 * (with its "<key>/<grant>" in store_key), else -1 with the call failed
 * (InvalidGrantTokenException, or KMSInternalException). */
static int s_grant_of_token(struct bw_call *call, const char *token, json_t **grant,
                            char store_key[S_GRANT_KEY_MAX])
{
	*grant = NULL;
	size_t len = strnlen(token, 8193);
	struct bw_buf raw = {0};
	char hash[65];
	int rc = -1;
	if (len == 0 || len > 8192 || bw_base64_decode(token, len, &raw) != 0 ||
	    raw.len != S_TOKEN_RAW || s_token_hash(token, len, hash) != 0)
		goto invalid;
	snprintf(store_key, S_GRANT_KEY_MAX, "%.36s/%.64s", (const char *)raw.data,
	         (const char *)raw.data + S_KEY_ID_LEN);
	if (strlen(store_key) != S_GRANT_KEY_MAX - 1)
		goto invalid;
	int src = bw_doc_get(call->store, BW_KMS_GRANT, call->account_id, store_key, grant);
	/* a grant of a key of another region (a related multi-Region key) is
	 * not one of this region's */
	if (src == BW_STORE_NOT_FOUND ||
	    (src == BW_STORE_OK && !bw_kms_in_region(call, *grant, "KeyId")))
		goto invalid;
	if (src != BW_STORE_OK) {
		rc = bw_kms_internal(call);
		goto done;
	}
	size_t i;
	json_t *h;
	bool found = false;
	json_array_foreach(json_object_get(*grant, "Tokens"), i, h) {
		const char *s = json_string_value(h);
		if (s && strlen(s) == 64 && bw_ct_equal(s, hash, 64))
			found = true;
	}
	if (found) {
		rc = 0;
		goto done;
	}
invalid:
	json_decref(*grant);
	*grant = NULL;
	bw_fail(call, KMS_INVALID_GRANT_TOKEN);
done:
	bw_buf_free(&raw);
	return rc;
}

int bw_kms_grant_tokens_or_fail(struct bw_call *call, const json_t *key_doc, const json_t *in)
{
	size_t i;
	json_t *t;
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	json_array_foreach(json_object_get(in, "GrantTokens"), i, t) {
		json_t *g = NULL;
		char store_key[S_GRANT_KEY_MAX];
		if (!json_is_string(t) || s_grant_of_token(call, json_string_value(t), &g, store_key))
			return call->failed ? -1
			                    : bw_fail(call, KMS_INVALID_GRANT_TOKEN);
		json_decref(g);
		if (strncmp(store_key, key_id, S_KEY_ID_LEN) != 0)
			return bw_fail(call, KMS_INVALID_GRANT_TOKEN);
	}
	return 0;
}

/* ---- CreateGrant --------------------------------------------------------- */

/* A principal KMS accepts as grantee / retiring principal: an IAM or STS
 * principal ARN, or a service principal. */
static bool s_principal_ok(const char *p)
{
	if (!p)
		return false;
	size_t n = strnlen(p, 257);
	if (n == 0 || n > 256)
		return false;
	if (n > 14 && strcmp(p + n - 14, ".amazonaws.com") == 0)
		return strchr(p, ':') == NULL;
	const char *rest = NULL;
	if (strncmp(p, "arn:aws:iam::", 13) == 0 || strncmp(p, "arn:aws:sts::", 13) == 0)
		rest = p + 13;
	if (!rest || strspn(rest, "0123456789") != 12 || rest[12] != ':')
		return false;
	rest += 13;
	if (strncmp(p, "arn:aws:iam::", 13) == 0)
		return strcmp(rest, "root") == 0 ||
		       (strncmp(rest, "user/", 5) == 0 && rest[5]) ||
		       (strncmp(rest, "role/", 5) == 0 && rest[5]);
	return (strncmp(rest, "assumed-role/", 13) == 0 && strchr(rest + 13, '/')) ||
	       (strncmp(rest, "federated-user/", 15) == 0 && rest[15]);
}

/* The grant operations a key's usage allows. */
static bool s_op_for_key(const char *op, const json_t *key_doc)
{
	const char *usage = bw_kms_doc_str(key_doc, "KeyUsage");
	const char *family = bw_kms_spec_family(bw_kms_doc_str(key_doc, "KeySpec"));
	static const char *const any[] = {"DescribeKey", "CreateGrant", "RetireGrant"};
	for (size_t i = 0; i < sizeof any / sizeof any[0]; i++)
		if (strcmp(op, any[i]) == 0)
			return true;
	bool sym = strcmp(family, "SYMMETRIC_DEFAULT") == 0;
	if (strcmp(usage, "ENCRYPT_DECRYPT") == 0) {
		if (strcmp(op, "Encrypt") == 0 || strcmp(op, "Decrypt") == 0 ||
		    strcmp(op, "ReEncryptFrom") == 0 || strcmp(op, "ReEncryptTo") == 0)
			return true;
		if (!sym)
			return strcmp(op, "GetPublicKey") == 0;
		return strncmp(op, "GenerateDataKey", 15) == 0;
	}
	if (strcmp(usage, "SIGN_VERIFY") == 0)
		return strcmp(op, "Sign") == 0 || strcmp(op, "Verify") == 0 ||
		       strcmp(op, "GetPublicKey") == 0;
	if (strcmp(usage, "GENERATE_VERIFY_MAC") == 0)
		return strcmp(op, "GenerateMac") == 0 || strcmp(op, "VerifyMac") == 0;
	if (strcmp(usage, "KEY_AGREEMENT") == 0)
		return strcmp(op, "DeriveSharedSecret") == 0 || strcmp(op, "GetPublicKey") == 0;
	return false;
}

static int s_check_grant_or_fail(struct bw_call *call, const json_t *in, const json_t *key_doc)
{
	const char *grantee = json_string_value(json_object_get(in, "GranteePrincipal"));
	const json_t *retiring = json_object_get(in, "RetiringPrincipal");
	if (!s_principal_ok(grantee))
		return bw_fail(call, KMS_INVALID_PRINCIPAL, "GranteePrincipal",
		               grantee ? grantee : "");
	if (retiring && !s_principal_ok(json_string_value(retiring)))
		return bw_fail(call, KMS_INVALID_PRINCIPAL, "RetiringPrincipal",
		               json_string_value(retiring) ? json_string_value(retiring) : "");
	const json_t *ops = json_object_get(in, "Operations");
	if (!json_is_array(ops) || json_array_size(ops) == 0)
		return bw_fail(call, KMS_GRANT_OPERATIONS_EMPTY);
	const json_t *c = json_object_get(in, "Constraints");
	bool constrained = json_object_size(json_object_get(c, "EncryptionContextEquals")) ||
	                   json_object_size(json_object_get(c, "EncryptionContextSubset"));
	size_t i;
	json_t *v;
	json_array_foreach(ops, i, v) {
		const char *op = json_string_value(v);
		if (!op || !s_op_for_key(op, key_doc))
			return bw_fail(call, KMS_GRANT_OPERATION_INVALID,
			               op ? op : "", bw_kms_doc_str(key_doc, "KeyUsage"),
			               bw_kms_doc_str(key_doc, "KeySpec"));
		if (constrained && !s_context_op(op) && strcmp(op, "DescribeKey") != 0 &&
		    strcmp(op, "CreateGrant") != 0 && strcmp(op, "RetireGrant") != 0)
			return bw_fail(call, KMS_GRANT_CONSTRAINTS_INVALID, op);
	}
	return 0;
}

/* The same grant: CreateGrant retried with the same Name and parameters. */
static bool s_same_grant(const json_t *g, const json_t *in)
{
	static const char *const members[] = {"GranteePrincipal", "RetiringPrincipal",
	                                      "Operations"};
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
		const json_t *a = json_object_get(g, members[i]), *b = json_object_get(in, members[i]);
		if ((a || b) && !(a && b && json_equal(a, b)))
			return false;
	}
	const json_t *ca = json_object_get(g, "Constraints"), *cb = json_object_get(in, "Constraints");
	bool ea = !ca || json_object_size(ca) == 0, eb = !cb || json_object_size(cb) == 0;
	return (ea && eb) || (!ea && !eb && json_equal(ca, cb));
}

/* Add a token hash to a grant, keeping the newest S_TOKENS_KEPT. */
static int s_add_token(json_t *g, const char *hash)
{
	json_t *tokens = json_object_get(g, "Tokens");
	if (!json_is_array(tokens)) {
		tokens = json_array();
		if (!tokens || json_object_set_new(g, "Tokens", tokens) != 0)
			return -1;
	}
	while (json_array_size(tokens) >= S_TOKENS_KEPT)
		json_array_remove(tokens, 0);
	return json_array_append_new(tokens, json_string(hash));
}

static int s_output(struct bw_call *call, json_t *out, const char *grant_id,
                    const struct bw_buf *token)
{
	if (json_object_set_new(out, "GrantId", json_string(grant_id)) != 0 ||
	    json_object_set_new(out, "GrantToken",
	                        json_stringn((const char *)token->data, token->len)) != 0)
		return bw_kms_internal(call);
	return 0;
}

/* A repeated CreateGrant with the same Name and parameters: 1 and the
 * output when found, 0 when none, -1 failed. */
static int s_retry(struct bw_call *call, const json_t *in, const char *key_id, json_t *out)
{
	const char *name = json_string_value(json_object_get(in, "Name"));
	if (!name)
		return 0;
	json_t *docs = s_key_grants(call, key_id);
	if (!docs)
		return -1;
	int rc = 0;
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e) {
		json_t *g = json_object_get(e, "doc");
		if (strcmp(bw_kms_doc_str(g, "Name"), name) != 0 || !s_same_grant(g, in))
			continue;
		const char *gid = bw_kms_doc_str(g, "GrantId");
		struct bw_buf token = {0};
		char hash[65];
		if (s_token_new(key_id, gid, &token, hash) != 0 || s_add_token(g, hash) != 0 ||
		    bw_doc_update(call->store, BW_KMS_GRANT, call->account_id,
		                  json_string_value(json_object_get(e, "key")), g) != BW_STORE_OK)
			rc = bw_kms_internal(call);
		else
			rc = s_output(call, out, gid, &token) == 0 ? 1 : -1;
		bw_buf_free(&token);
		break;
	}
	json_decref(docs);
	return rc;
}

static json_t *s_grant_doc(struct bw_call *call, const json_t *in, const json_t *key_doc,
                           const char *grant_id)
{
	char issuer[64];
	snprintf(issuer, sizeof issuer, "arn:aws:iam::%s:root", call->account_id);
	json_t *g = json_pack("{s:s, s:s, s:f, s:s, s:s, s:O}", "KeyId",
	                      bw_kms_doc_str(key_doc, "Arn"), "GrantId", grant_id, "CreationDate",
	                      call->now_s, "GranteePrincipal",
	                      json_string_value(json_object_get(in, "GranteePrincipal")),
	                      "IssuingAccount", issuer, "Operations",
	                      json_object_get(in, "Operations"));
	if (!g)
		return NULL;
	static const char *const optional[] = {"Name", "RetiringPrincipal"};
	for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
		json_t *v = json_object_get(in, optional[i]);
		if (v && json_object_set(g, optional[i], v) != 0)
			goto error;
	}
	const json_t *c = json_object_get(in, "Constraints");
	if (json_object_size(c) && json_object_set_new(g, "Constraints", json_deep_copy(c)) != 0)
		goto error;
	return g;
error:
	json_decref(g);
	return NULL;
}

int bw_kms_create_grant(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *key = NULL, *g = NULL;
	struct bw_buf token = {0};
	int rc = -1;
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               &key) != 0)
		return -1;
	const char *key_id = bw_kms_doc_str(key, "KeyId");
	const char *state = bw_kms_doc_str(key, "KeyState");
	if (bw_kms_key_not_pending_deletion_or_fail(call, key) != 0)
		goto done;
	if (strcmp(state, "Disabled") == 0) {
		bw_fail(call, KMS_DISABLED, bw_kms_doc_str(key, "Arn"));
		goto done;
	}
	if (s_check_grant_or_fail(call, in, key) != 0 || bw_kms_dry_run_or_fail(call, in) != 0)
		goto done;
	int again = s_retry(call, in, key_id, out);
	if (again != 0) {
		rc = again > 0 ? 0 : -1;
		goto done;
	}
	char prefix[S_KEY_ID_LEN + 2];
	size_t count = 0;
	snprintf(prefix, sizeof prefix, "%s/", key_id);
	if (bw_doc_count(call->store, BW_KMS_GRANT, call->account_id, prefix, &count) != BW_STORE_OK)
		goto internal;
	if (count >= S_GRANTS_PER_KEY) {
		bw_fail(call, KMS_TOO_MANY_GRANTS);
		goto done;
	}
	uint8_t rnd[S_GRANT_ID_LEN / 2];
	struct bw_buf gid = {0};
	char grant_id[S_GRANT_ID_LEN + 1], hash[65], store_key[S_GRANT_KEY_MAX];
	if (RAND_bytes(rnd, sizeof rnd) != 1 || bw_hex_encode(rnd, sizeof rnd, &gid) != 0 ||
	    gid.len != S_GRANT_ID_LEN) {
		bw_buf_free(&gid);
		goto internal;
	}
	memcpy(grant_id, gid.data, S_GRANT_ID_LEN);
	grant_id[S_GRANT_ID_LEN] = 0;
	bw_buf_free(&gid);
	snprintf(store_key, sizeof store_key, "%s/%s", key_id, grant_id);
	if (!(g = s_grant_doc(call, in, key, grant_id)) ||
	    s_token_new(key_id, grant_id, &token, hash) != 0 || s_add_token(g, hash) != 0 ||
	    bw_doc_create(call->store, BW_KMS_GRANT, call->account_id, store_key, g) != BW_STORE_OK)
		goto internal;
	rc = s_output(call, out, grant_id, &token);
	goto done;
internal:
	bw_kms_internal(call);
done:
	bw_buf_free(&token);
	json_decref(g);
	json_decref(key);
	return rc;
}

/* ---- lists --------------------------------------------------------------- */

/* A grant as ListGrants shows it: the stored document less our Tokens. */
static json_t *s_entry(const json_t *g)
{
	json_t *e = json_deep_copy(g);
	if (e)
		json_object_del(e, "Tokens");
	return e;
}

struct s_filter {
	const char *grant_id;  /* ListGrants: GrantId */
	const char *principal; /* ListGrants: GranteePrincipal; ListRetirable: RetiringPrincipal */
	const char *member;    /* the member principal is compared with */
};

static bool s_keep(const struct bw_call *call, const json_t *g, const void *vctx)
{
	const struct s_filter *f = vctx;
	if (!bw_kms_in_region(call, g, "KeyId"))
		return false;
	if (f->grant_id && strcmp(bw_kms_doc_str(g, "GrantId"), f->grant_id) != 0)
		return false;
	return !f->principal || strcmp(bw_kms_doc_str(g, f->member), f->principal) == 0;
}

static int s_list_out(struct bw_call *call, json_t *out, json_t *docs, bool truncated,
                      const char *last)
{
	json_t *grants = json_array();
	size_t i;
	json_t *g;
	if (!grants)
		return bw_kms_internal(call);
	json_array_foreach(docs, i, g) {
		if (json_array_append_new(grants, s_entry(g)) != 0) {
			json_decref(grants);
			return bw_kms_internal(call);
		}
	}
	if (json_object_set_new(out, "Grants", grants) != 0 ||
	    bw_kms_set_paging(out, truncated, last) != 0)
		return bw_kms_internal(call);
	return 0;
}

int bw_kms_list_grants(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t limit;
	char after[BW_KMS_MARKER_MAX], last[BW_KMS_MARKER_MAX], prefix[S_KEY_ID_LEN + 2];
	json_t *key = NULL, *docs = NULL, *items = json_array();
	bool more = false;
	int rc = -1;
	if (!items)
		return bw_kms_internal(call);
	if (bw_kms_page_or_fail(call, in, &limit, after, sizeof after) != 0 ||
	    bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               &key) != 0)
		goto done;
	struct s_filter f = {
		.grant_id = json_string_value(json_object_get(in, "GrantId")),
		.principal = json_string_value(json_object_get(in, "GranteePrincipal")),
		.member = "GranteePrincipal",
	};
	snprintf(prefix, sizeof prefix, "%s/", bw_kms_doc_str(key, "KeyId"));
	/* a marker of another key's list lists from this key's start */
	struct bw_doc_page page = {.prefix = prefix,
	                           .after = strncmp(after, prefix, strlen(prefix)) == 0 ? after : NULL};
	last[0] = 0;
	if (bw_doc_list(call->store, BW_KMS_GRANT, call->account_id, &page, &docs, &more) !=
	    BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	bool truncated = false;
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e) {
		const json_t *g = json_object_get(e, "doc");
		if (!s_keep(call, g, &f))
			continue;
		if (json_array_size(items) == limit) {
			truncated = true;
			break;
		}
		if (json_array_append(items, (json_t *)g) != 0) {
			bw_kms_internal(call);
			goto done;
		}
		snprintf(last, sizeof last, "%s", json_string_value(json_object_get(e, "key")));
	}
	rc = s_list_out(call, out, items, truncated, last);
done:
	json_decref(docs);
	json_decref(items);
	json_decref(key);
	return rc;
}

int bw_kms_list_retirable_grants(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t limit;
	char after[BW_KMS_MARKER_MAX], last[BW_KMS_MARKER_MAX];
	const char *who = json_string_value(json_object_get(in, "RetiringPrincipal"));
	if (!s_principal_ok(who))
		return bw_fail(call, KMS_INVALID_PRINCIPAL, "RetiringPrincipal", who ? who : "");
	if (bw_kms_page_or_fail(call, in, &limit, after, sizeof after) != 0)
		return -1;
	struct s_filter f = {.principal = who, .member = "RetiringPrincipal"};
	json_t *docs = NULL;
	bool truncated = false;
	if (bw_kms_list_or_fail(call, BW_KMS_GRANT, after, limit, s_keep, &f, &docs, &truncated,
	                        last, sizeof last) != 0)
		return -1;
	int rc = s_list_out(call, out, docs, truncated, last);
	json_decref(docs);
	return rc;
}

/* ---- RetireGrant, RevokeGrant --------------------------------------------- */

static bool s_grant_id_ok(const char *id)
{
	return id && strlen(id) == S_GRANT_ID_LEN &&
	       strspn(id, "0123456789abcdef") == S_GRANT_ID_LEN;
}

/* The grant (KeyId, GrantId) names: 0 and *grant, or -1 failed. */
static int s_grant_by_id(struct bw_call *call, const json_t *in, json_t **grant,
                         char store_key[S_GRANT_KEY_MAX])
{
	json_t *key = NULL;
	*grant = NULL;
	const char *gid = json_string_value(json_object_get(in, "GrantId"));
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               &key) != 0)
		return -1;
	int rc = -1;
	if (!s_grant_id_ok(gid)) {
		bw_fail(call, KMS_INVALID_GRANT_ID, gid ? gid : "");
		goto done;
	}
	snprintf(store_key, S_GRANT_KEY_MAX, "%s/%s", bw_kms_doc_str(key, "KeyId"), gid);
	int src = bw_doc_get(call->store, BW_KMS_GRANT, call->account_id, store_key, grant);
	if (src == BW_STORE_OK &&
	    strcmp(bw_kms_doc_str(*grant, "KeyId"), bw_kms_doc_str(key, "Arn")) != 0) {
		json_decref(*grant); /* a related multi-Region key's, in another region */
		*grant = NULL;
		src = BW_STORE_NOT_FOUND;
	}
	if (src == BW_STORE_NOT_FOUND)
		bw_fail(call, KMS_GRANT_NOT_FOUND, gid, bw_kms_doc_str(key, "Arn"));
	else if (src != BW_STORE_OK)
		bw_kms_internal(call);
	else
		rc = 0;
done:
	json_decref(key);
	return rc;
}

/* The grant RetireGrant names, by token or by (KeyId, GrantId). */
static int s_retire_target(struct bw_call *call, const json_t *in, json_t **grant,
                           char store_key[S_GRANT_KEY_MAX])
{
	const char *token = json_string_value(json_object_get(in, "GrantToken"));
	if (token)
		return s_grant_of_token(call, token, grant, store_key);
	if (json_object_get(in, "KeyId") && json_object_get(in, "GrantId"))
		return s_grant_by_id(call, in, grant, store_key);
	*grant = NULL;
	return bw_fail(call, KMS_RETIRE_GRANT_WHICH);
}

int bw_kms_authorize_retire(struct bw_call *call, const json_t *in)
{
	struct bw_error saved = call->err;
	bool failed = call->failed;
	json_t *g = NULL;
	char store_key[S_GRANT_KEY_MAX];
	/* a grant not found is the handler's answer, after authorization */
	if (s_retire_target(call, in, &g, store_key) != 0) {
		call->err = saved;
		call->failed = failed;
		return 0;
	}
	const struct bw_principal *p = &call->principal;
	bool ok = (p->type == BW_PT_ROOT && strcmp(p->account, call->account_id) == 0) ||
	          s_grantee_is_caller(call, bw_kms_doc_str(g, "RetiringPrincipal")) ||
	          (s_grantee_is_caller(call, bw_kms_doc_str(g, "GranteePrincipal")) &&
	           s_has_str(json_object_get(g, "Operations"), "RetireGrant"));
	int rc = 0;
	if (!ok)
		rc = bw_fail(call, KMS_RETIRE_GRANT_DENIED, p->arn, bw_kms_doc_str(g, "KeyId"));
	json_decref(g);
	return rc;
}

static int s_delete(struct bw_call *call, const json_t *in, const char *store_key)
{
	if (bw_kms_dry_run_or_fail(call, in) != 0)
		return -1;
	int rc = bw_doc_delete(call->store, BW_KMS_GRANT, call->account_id, store_key);
	if (rc != BW_STORE_OK && rc != BW_STORE_NOT_FOUND)
		return bw_kms_internal(call);
	return 0;
}

int bw_kms_retire_grant(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	json_t *g = NULL;
	char store_key[S_GRANT_KEY_MAX];
	if (s_retire_target(call, in, &g, store_key) != 0)
		return -1;
	json_decref(g);
	return s_delete(call, in, store_key);
}

int bw_kms_revoke_grant(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	json_t *g = NULL;
	char store_key[S_GRANT_KEY_MAX];
	if (s_grant_by_id(call, in, &g, store_key) != 0)
		return -1;
	json_decref(g);
	return s_delete(call, in, store_key);
}
