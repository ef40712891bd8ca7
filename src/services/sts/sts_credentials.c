/*
 * sts_credentials.c: minting session credentials into iam/access-key
 * documents, turning such a document back into a principal, checking a
 * session token, and sealing authorization messages.
 */
#include "services/sts/sts_credentials.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "gateway/call.h"
#include "services/iam/iam_store.h"
#include "services/sts/sts_errors.h"
#include "store/doc.h"

/* Tokens a client sends are bounded well above ours; anything longer is not
 * one of ours and is not hashed. */
#define S_TOKEN_MAX 4096
#define S_SHA256_HEX 64

static int s_sha256_hex(const void *p, size_t len, char out[S_SHA256_HEX + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof md)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof md; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[S_SHA256_HEX] = 0;
	return 0;
}

/* "BwSt" + base64url (no padding) of 32 random bytes. */
static int s_new_token(char out[BW_STS_TOKEN_LEN + 1])
{
	uint8_t raw[32];
	struct bw_buf b64 = {.secret = true};
	int rc = -1;
	if (RAND_bytes(raw, sizeof raw) != 1 || bw_base64_encode(raw, sizeof raw, &b64) != 0)
		goto error;
	/* 32 bytes -> 44 characters with one '=' of padding */
	if (b64.len != 44 || b64.data[43] != '=')
		goto error;
	memcpy(out, BW_STS_TOKEN_PREFIX, 4);
	for (size_t i = 0; i < 43; i++) {
		char c = (char)b64.data[i];
		out[4 + i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[BW_STS_TOKEN_LEN] = 0;
	rc = 0;
error:
	bw_cleanse(raw, sizeof raw);
	bw_buf_free(&b64);
	return rc;
}

/* base64 of the secret sealed under the root key, bound to account + id. */
static int s_seal_secret(const struct bw_call *call, const char *akid, const char *secret,
                         struct bw_buf *out)
{
	char aad[64];
	struct bw_buf sealed = {0};
	int rc = -1;
	if (!call->root_key || bw_iam_secret_aad(call->account_id, akid, aad, sizeof aad) != 0)
		return -1;
	if (bw_seal(call->root_key, BW_SEAL_PURPOSE_SECRET_KEY, bw_cur_str(aad), bw_cur_str(secret),
	            &sealed) != 0)
		goto error;
	if (bw_base64_encode(sealed.data, sealed.len, out) != 0)
		goto error;
	rc = 0;
error:
	bw_buf_free(&sealed);
	return rc;
}

static json_t *s_key_doc(const struct bw_call *call, const struct bw_sts_creds *c,
                         const char *sealed_b64, const char *token_hash, const json_t *session)
{
	json_t *sess = json_deep_copy(session);
	if (!sess)
		return NULL;
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:s, s:o}", "AccessKeyId",
	                 c->access_key_id, "Status", "Active", "CreateDate",
	                 (json_int_t)call->now_s, "Owner", "session", "SecretSealed", sealed_b64,
	                 "Expiration", (json_int_t)c->expiration_s, "SessionTokenSha256",
	                 token_hash, "Session", sess);
}

void bw_sts_creds_clear(struct bw_sts_creds *c)
{
	bw_cleanse(c, sizeof *c);
}

int bw_sts_issue_or_fail(struct bw_call *call, const json_t *session, int64_t duration_s,
                         struct bw_sts_creds *out)
{
	struct bw_buf sealed = {0};
	json_t *doc = NULL;
	char token_hash[S_SHA256_HEX + 1];
	bw_sts_creds_clear(out);
	if (!json_is_object(session) || duration_s <= 0)
		goto error;
	out->expiration_s = (int64_t)call->now_s + duration_s;
	if (bw_iam_new_secret(out->secret) != 0 || s_new_token(out->token) != 0 ||
	    s_sha256_hex(out->token, strlen(out->token), token_hash) != 0)
		goto error;
	/* A fresh id collides with an existing one with probability 2^-80;
	 * still, never overwrite a credential: retry on a taken key. */
	for (int attempt = 0; attempt < 3; attempt++) {
		if (bw_iam_new_id("ASIA", out->access_key_id, sizeof out->access_key_id) != 0)
			goto error;
		bw_buf_reset(&sealed);
		if (s_seal_secret(call, out->access_key_id, out->secret, &sealed) != 0)
			goto error;
		json_decref(doc);
		doc = s_key_doc(call, out, bw_buf_cstr(&sealed), token_hash, session);
		if (!doc || bw_store_begin(call->store) != 0)
			goto error;
		int rc = bw_doc_create(call->store, BW_IAM_ACCESS_KEY, call->account_id,
		                       out->access_key_id, doc);
		if (rc == BW_STORE_OK) {
			if (bw_store_commit(call->store) != 0)
				goto error;
			json_decref(doc);
			bw_buf_free(&sealed);
			return 0;
		}
		bw_store_rollback(call->store);
		if (rc != BW_STORE_EXISTS)
			goto error;
	}
error:
	json_decref(doc);
	bw_buf_free(&sealed);
	bw_sts_creds_clear(out);
	return bw_fail(call, STS_CREDENTIALS_NOT_ISSUED);
}

json_t *bw_sts_creds_json(const struct bw_sts_creds *c)
{
	return json_pack("{s:s, s:s, s:s, s:I}", "AccessKeyId", c->access_key_id,
	                 "SecretAccessKey", c->secret, "SessionToken", c->token, "Expiration",
	                 (json_int_t)c->expiration_s);
}

/* Copy a string into a fixed field; -1 when it does not fit (never
 * truncate an identity). NULL or absent copies "". */
static int s_copy(char *dst, size_t size, const char *src)
{
	if (!src)
		src = "";
	size_t n = strlen(src);
	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static const char *s_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t s_int(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_number(v) ? (int64_t)json_number_value(v) : 0;
}

static int s_assumed_role(const json_t *sess, const char *account, struct bw_principal *out)
{
	const char *role_name = s_str(sess, "RoleName"), *role_id = s_str(sess, "RoleId");
	const char *session = s_str(sess, "RoleSessionName"), *role_arn = s_str(sess, "RoleArn");
	if (!role_name || !role_id || !session || !role_arn)
		return -1;
	out->type = BW_PT_ASSUMED_ROLE;
	int n = snprintf(out->arn, sizeof out->arn, "arn:aws:sts::%s:assumed-role/%s/%s", account,
	                 role_name, session);
	if (n < 0 || (size_t)n >= sizeof out->arn)
		return -1;
	n = snprintf(out->principal_id, sizeof out->principal_id, "%s:%s", role_id, session);
	if (n < 0 || (size_t)n >= sizeof out->principal_id)
		return -1;
	if (s_copy(out->role_name, sizeof out->role_name, role_name) ||
	    s_copy(out->role_arn, sizeof out->role_arn, role_arn) ||
	    s_copy(out->role_id, sizeof out->role_id, role_id) ||
	    s_copy(out->session_name, sizeof out->session_name, session) ||
	    s_copy(out->source_identity, sizeof out->source_identity, s_str(sess, "SourceIdentity")) ||
	    s_copy(out->user_name, sizeof out->user_name, s_str(sess, "SourceUserName")))
		return -1;
	return 0;
}

static int s_session_token(const json_t *sess, const char *account, struct bw_principal *out)
{
	const char *user_arn = s_str(sess, "SourceUserArn");
	if (!user_arn) {
		bw_principal_root(out, account);
		return 0;
	}
	const char *name = s_str(sess, "SourceUserName"), *id = s_str(sess, "SourceUserId");
	if (!name || !id)
		return -1;
	out->type = BW_PT_IAM_USER;
	return s_copy(out->arn, sizeof out->arn, user_arn) ||
	               s_copy(out->principal_id, sizeof out->principal_id, id) ||
	               s_copy(out->user_name, sizeof out->user_name, name)
	               ? -1
	               : 0;
}

/*
 * A GetFederationToken session: arn:aws:sts::<acct>:federated-user/<name>,
 * principal id "<acct>:<name>", user_name the IAM user it came from (whose
 * policies it is evaluated with; empty for the root's).
 */
static int s_federated(const json_t *sess, const char *account, struct bw_principal *out)
{
	const char *name = s_str(sess, "FederatedUserName");
	if (!name || !*name)
		return -1;
	out->type = BW_PT_FEDERATED_USER;
	int n = snprintf(out->arn, sizeof out->arn, "arn:aws:sts::%s:federated-user/%s", account,
	                 name);
	if (n < 0 || (size_t)n >= sizeof out->arn)
		return -1;
	n = snprintf(out->principal_id, sizeof out->principal_id, "%s:%s", account, name);
	if (n < 0 || (size_t)n >= sizeof out->principal_id)
		return -1;
	return s_copy(out->user_name, sizeof out->user_name, s_str(sess, "SourceUserName"));
}

/* "If you do not pass a policy to this operation, then the resulting
 * federated user session has no permissions" (GetFederationToken, API
 * reference): such a session is limited by a session policy that allows
 * nothing, so the intersection with the user's policies is empty. */
static const char s_no_permissions[] = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";

int bw_sts_session_principal(const json_t *access_key_doc, const char *account,
                             struct bw_principal *out)
{
	bw_principal_clear(out);
	const json_t *sess = json_object_get(access_key_doc, "Session");
	const char *owner = s_str(access_key_doc, "Owner"), *type = s_str(sess, "Type");
	if (!account || !owner || strcmp(owner, "session") != 0 || !json_is_object(sess) || !type)
		goto error;
	int rc = -1;
	if (strcmp(type, "AssumedRole") == 0)
		rc = s_assumed_role(sess, account, out);
	else if (strcmp(type, "SessionToken") == 0)
		rc = s_session_token(sess, account, out);
	else if (strcmp(type, "FederatedUser") == 0)
		rc = s_federated(sess, account, out);
	if (rc != 0)
		goto error;
	/* bw_principal_root resets the struct: set the session fields after. */
	if (s_copy(out->account, sizeof out->account, account) ||
	    s_copy(out->access_key_id, sizeof out->access_key_id,
	           s_str(access_key_doc, "AccessKeyId")))
		goto error;
	out->temporary = true;
	out->from_session_token = strcmp(type, "SessionToken") == 0;
	/* aws:TokenIssueTime: every session document has its CreationDate; the
	 * key's CreateDate is the same moment should one lack it */
	out->session_created_s = s_int(sess, "CreationDate");
	if (out->session_created_s == 0)
		out->session_created_s = s_int(access_key_doc, "CreateDate");
	out->session_expires_s = s_int(access_key_doc, "Expiration");
	out->mfa_present = json_is_true(json_object_get(sess, "MfaAuthenticated"));
	out->mfa_auth_time_s = out->mfa_present ? s_int(sess, "MfaAuthTime") : 0;
	const json_t *tags = json_object_get(sess, "PrincipalTags");
	if (json_is_object(tags) && json_object_size(tags) > 0 &&
	    !(out->tags = json_deep_copy(tags)))
		goto error;
	const json_t *pols = json_object_get(sess, "Policies");
	if (json_is_array(pols) && json_array_size(pols) > 0 &&
	    !(out->session_policies = json_deep_copy(pols)))
		goto error;
	if (out->type == BW_PT_FEDERATED_USER && !out->session_policies &&
	    !(out->session_policies = json_pack("[s]", s_no_permissions)))
		goto error;
	return 0;
error:
	bw_principal_clear(out);
	return -1;
}

bool bw_sts_token_matches(const json_t *access_key_doc, const char *token)
{
	const char *want = s_str(access_key_doc, "SessionTokenSha256");
	if (!token || !want || strlen(want) != S_SHA256_HEX)
		return false;
	size_t n = strnlen(token, S_TOKEN_MAX + 1);
	if (n == 0 || n > S_TOKEN_MAX)
		return false;
	char got[S_SHA256_HEX + 1];
	if (s_sha256_hex(token, n, got) != 0)
		return false;
	return bw_ct_equal(got, want, S_SHA256_HEX);
}

int bw_sts_encode_authorization_message(const struct bw_root_key *rk, const char *account,
                                        const json_t *context, struct bw_buf *out)
{
	char *text = NULL;
	struct bw_buf sealed = {0};
	int rc = -1;
	bw_buf_reset(out);
	if (!rk || !account || !json_is_object(context))
		return -1;
	text = json_dumps(context, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		goto error;
	if (bw_seal(rk, BW_STS_AUTH_MESSAGE_PURPOSE, bw_cur_str(account), bw_cur_str(text),
	            &sealed) != 0)
		goto error;
	if (bw_base64_encode(sealed.data, sealed.len, out) != 0)
		goto error;
	rc = 0;
error:
	free(text);
	bw_buf_free(&sealed);
	return rc;
}
