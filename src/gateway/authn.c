/*
 * authn.c: SigV4 against the credentials of iam_store.h.
 *
 * A key authenticates when it exists, is Active, and — for session keys —
 * has not expired and comes with its session token. Its secret is unsealed
 * only for the signature check and wiped right after.
 */
#include "gateway/authn.h"

#include <stdio.h>
#include <string.h>

#include "auth/sigv4.h"
#include "core/encoding.h"
#include "core/gencache.h"
#include "core/log.h"
#include "services/iam/iam_store.h"
#include "services/sts/sts_credentials.h"
#include "store/doc.h"

/* Why a key was refused, beyond "not found": AWS names an expired session. */
enum s_key_state { S_KEY_OK, S_KEY_UNKNOWN, S_KEY_EXPIRED, S_KEY_BAD_TOKEN };

struct s_lookup {
	struct bw_call *call;
	struct bw_gencache *cache;
	json_t *doc; /* the access-key document that matched */
	enum s_key_state state;
};

/* The access-key document and its unsealed secret, from the cache when the
 * store has not changed since they were read. */
static int s_key_and_secret(struct s_lookup *lk, const char *akid, json_t **doc,
                            struct bw_buf *secret)
{
	struct bw_call *call = lk->call;
	char ckey[160];
	snprintf(ckey, sizeof ckey, "key:%s:%s", call->account_id, akid);
	unsigned long gen = bw_store_generation(call->store);
	if (bw_gencache_get(lk->cache, ckey, gen, doc, secret))
		return BW_STORE_OK;
	int rc = bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, doc);
	if (rc != BW_STORE_OK)
		return rc;
	const char *sealed_b64 = json_string_value(json_object_get(*doc, "SecretSealed"));
	char aad[96];
	struct bw_buf sealed = {0};
	int urc = -1;
	if (sealed_b64 && bw_iam_secret_aad(call->account_id, akid, aad, sizeof aad) == 0 &&
	    bw_base64_decode(sealed_b64, strlen(sealed_b64), &sealed) == 0)
		urc = bw_unseal(call->root_key, BW_SEAL_PURPOSE_SECRET_KEY, bw_cur_str(aad),
		                bw_cur_from(sealed.data, sealed.len), secret);
	bw_buf_free(&sealed);
	if (urc != 0) {
		/* a record that does not unseal was tampered with or moved */
		bw_logf(BW_LOG_ERROR, "authn: the secret of access key %s does not unseal", akid);
		json_decref(*doc);
		*doc = NULL;
		return BW_STORE_ERROR;
	}
	bw_gencache_put(lk->cache, ckey, gen, *doc, bw_cur_from(secret->data, secret->len));
	return BW_STORE_OK;
}

static int s_lookup(void *ctx, const char *akid, const char *token, struct bw_buf *secret)
{
	struct s_lookup *lk = ctx;
	struct bw_call *call = lk->call;
	json_t *doc = NULL;
	lk->state = S_KEY_UNKNOWN;
	secret->secret = true;
	int rc = s_key_and_secret(lk, akid, &doc, secret);
	if (rc == BW_STORE_NOT_FOUND)
		return BW_SIGV4_KEY_NOT_FOUND;
	if (rc != BW_STORE_OK)
		return BW_SIGV4_KEY_ERROR;
	const char *status = json_string_value(json_object_get(doc, "Status"));
	const char *owner = json_string_value(json_object_get(doc, "Owner"));
	if (!status || strcmp(status, "Active") != 0 || !owner)
		goto not_found;
	if (strcmp(owner, "session") == 0) {
		json_t *exp = json_object_get(doc, "Expiration");
		if (!json_is_number(exp) || json_number_value(exp) <= call->now_s) {
			lk->state = S_KEY_EXPIRED;
			goto not_found;
		}
		if (!token || !bw_sts_token_matches(doc, token)) {
			lk->state = S_KEY_BAD_TOKEN;
			goto not_found;
		}
	}
	json_decref(lk->doc);
	lk->doc = doc;
	lk->state = S_KEY_OK;
	return BW_SIGV4_KEY_FOUND;
not_found:
	bw_buf_reset(secret);
	json_decref(doc);
	return BW_SIGV4_KEY_NOT_FOUND;
}

/* The IAM user behind a key (owner "user"), from its stored document. */
/* (the store's read cache serves the user document without SQLite) */
static int s_user_principal(struct bw_call *call, const json_t *key_doc)
{
	struct bw_principal *p = &call->principal;
	const char *name = json_string_value(json_object_get(key_doc, "UserName"));
	char key[160];
	json_t *user = NULL;
	if (!name || bw_iam_key(name, key, sizeof key) != 0 ||
	    bw_doc_get(call->store, BW_IAM_USER, call->account_id, key, &user) != BW_STORE_OK)
		return -1;
	bw_principal_clear(p);
	p->type = BW_PT_IAM_USER;
	snprintf(p->account, sizeof p->account, "%s", call->account_id);
	snprintf(p->arn, sizeof p->arn, "%s", json_string_value(json_object_get(user, "Arn")));
	snprintf(p->principal_id, sizeof p->principal_id, "%s",
	         json_string_value(json_object_get(user, "UserId")));
	snprintf(p->user_name, sizeof p->user_name, "%s",
	         json_string_value(json_object_get(user, "UserName")));
	json_t *tags = json_object_get(user, "Tags");
	if (json_array_size(tags)) {
		p->tags = json_object();
		size_t i;
		json_t *t;
		json_array_foreach(tags, i, t) {
			const char *k = json_string_value(json_object_get(t, "Key"));
			const char *v = json_string_value(json_object_get(t, "Value"));
			if (k && v)
				json_object_set_new(p->tags, k, json_string(v));
		}
	}
	json_decref(user);
	return p->arn[0] && p->principal_id[0] ? 0 : -1;
}

static int s_principal_of(struct bw_call *call, const json_t *key_doc)
{
	const char *owner = json_string_value(json_object_get(key_doc, "Owner"));
	int rc = -1;
	if (strcmp(owner, "root") == 0) {
		bw_principal_root(&call->principal, call->account_id);
		rc = 0;
	} else if (strcmp(owner, "user") == 0) {
		rc = s_user_principal(call, key_doc);
	} else if (strcmp(owner, "session") == 0) {
		rc = bw_sts_session_principal(key_doc, call->account_id, &call->principal);
	}
	if (rc != 0)
		return -1;
	snprintf(call->principal.access_key_id, sizeof call->principal.access_key_id, "%s",
	         json_string_value(json_object_get(key_doc, "AccessKeyId")));
	return 0;
}

/*
 * The awsJson and restJson services name authentication errors their own
 * way: "InvalidSignatureException" for IAM's "SignatureDoesNotMatch",
 * "UnrecognizedClientException" for "InvalidClientTokenId", and an
 * "Exception" suffix on the others; the awsJson ones answer 400.
 */
static void s_fail_auth(struct bw_call *call, const char *code, unsigned status,
                        const char *message)
{
	enum bw_protocol proto = call->model->protocol;
	if (proto != BW_PROTO_JSON && proto != BW_PROTO_REST_JSON) {
		bw_fail_status(call, (uint16_t)status, code, "%s", message);
		return;
	}
	static const char *const renamed[][2] = {
		{"SignatureDoesNotMatch", "InvalidSignatureException"},
		{"InvalidClientTokenId", "UnrecognizedClientException"},
		{"MissingAuthenticationToken", "MissingAuthenticationTokenException"},
		{"IncompleteSignature", "IncompleteSignatureException"},
		{"ExpiredToken", "ExpiredTokenException"},
	};
	for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
		if (strcmp(code, renamed[i][0]) == 0)
			code = renamed[i][1];
	bw_fail_status(call, proto == BW_PROTO_JSON ? 400 : (uint16_t)status, code, "%s", message);
}

/*
 * GetAccessKeyLastUsed: record when, where and for what service a key was
 * last used. At most once a minute per key (a write on the request path), in
 * a transaction that re-reads the document so no concurrent change (a key
 * made Inactive) is overwritten.
 */
static void s_note_last_used(struct bw_call *call, const json_t *seen)
{
	const char *service = call->model->endpoint_prefix;
	json_t *last = json_object_get(seen, "LastUsed");
	double when = json_number_value(json_object_get(last, "LastUsedDate"));
	const char *was_service = json_string_value(json_object_get(last, "ServiceName"));
	const char *was_region = json_string_value(json_object_get(last, "Region"));
	if (last && call->now_s - when < 60 && was_service && strcmp(was_service, service) == 0 &&
	    was_region && strcmp(was_region, call->region) == 0)
		return;
	const char *akid = json_string_value(json_object_get(seen, "AccessKeyId"));
	json_t *doc = NULL;
	if (!akid || bw_store_begin(call->store) != 0)
		return;
	if (bw_doc_get(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, &doc) == BW_STORE_OK &&
	    json_object_set_new(doc, "LastUsed",
	                        json_pack("{s:I, s:s, s:s}", "LastUsedDate",
	                                  (json_int_t)call->now_s, "ServiceName", service, "Region",
	                                  call->region)) == 0 &&
	    bw_doc_update(call->store, BW_IAM_ACCESS_KEY, call->account_id, akid, doc) ==
	        BW_STORE_OK) {
		if (bw_store_commit(call->store) != 0)
			bw_logf(BW_LOG_WARN, "authn: could not record the last use of %s", akid);
	} else {
		bw_store_rollback(call->store);
	}
	json_decref(doc);
}

int bw_authenticate(struct bw_call *call, struct bw_gencache *cache)
{
	struct s_lookup lk = {.call = call, .cache = cache};
	struct bw_sigv4_params params = {
		.now_s = (int64_t)call->now_s,
		.lookup = s_lookup,
		.lookup_ctx = &lk,
		.style = call->model->protocol == BW_PROTO_REST_XML ? BW_SIGV4_STYLE_S3
		                                                   : BW_SIGV4_STYLE_DEFAULT,
	};
	struct bw_sigv4_result res;
	enum bw_sigv4_reason reason = bw_sigv4_verify(call->req, &params, &res);
	int rc = -1;
	if (reason == BW_SIGV4_OK) {
		if (s_principal_of(call, lk.doc) == 0) {
			if (res.region[0])
				snprintf(call->region, sizeof call->region, "%s", res.region);
			s_note_last_used(call, lk.doc);
			rc = 0;
		} else {
			s_fail_auth(call, "InvalidClientTokenId", 403,
			            "The security token included in the request is invalid.");
		}
	} else if (reason == BW_SIGV4_UNKNOWN_KEY && lk.state == S_KEY_EXPIRED) {
		s_fail_auth(call, "ExpiredToken",
		            call->model->protocol == BW_PROTO_REST_XML ? 400 : 403,
		            "The security token included in the request is expired");
	} else {
		s_fail_auth(call, res.code, res.http_status, res.message);
	}
	json_decref(lk.doc);
	return rc;
}
