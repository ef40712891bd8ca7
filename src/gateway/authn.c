/*
 * authn.c: SigV4 against the credentials of iam_store.h.
 *
 * A key authenticates when it exists, is Active, and — for session keys —
 * has not expired and comes with its session token; a long-term key comes
 * without one. Its secret is unsealed only for the signature check and wiped
 * right after. The scope must name the service the request was routed to;
 * only S3 takes a payload hash other than the body's (UNSIGNED-PAYLOAD,
 * aws-chunked, whose chunk signatures are checked here).
 *
 * Then the key's owner becomes call->principal, bound by unique id to the
 * user or role it was issued for (DESIGN.md: "Sessions are bound to the
 * principal's unique id, not its name"), with the tags aws:PrincipalTag
 * reads; and GetSessionToken credentials are held to what AWS lets them
 * call.
 */
#include "gateway/authn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/sigv4.h"
#include "core/encoding.h"
#include "core/gencache.h"
#include "core/log.h"
#include "gateway/errors.h"
#include "services/iam/iam_store.h"
#include "services/iam/iam_util.h"
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
	if (strcmp(owner, "session") != 0 && token) {
		/* A long-term key with a session token is not a credential AWS
		 * issued: "The security token included in the request is invalid". */
		lk->state = S_KEY_BAD_TOKEN;
		goto not_found;
	}
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

/* What binding a credential to its principal found: the principal, none
 * (gone, replaced, or a record that names no one: the credential is
 * refused), or a store failure (the request fails, retryably). */
enum s_bind { S_BOUND = 0, S_GONE = 1, S_FAILED = -1 };

/*
 * The stored user or role (kind BW_IAM_USER / BW_IAM_ROLE) whose unique id
 * is `id`. Credentials are bound to the unique id, never to the name: the
 * id index (iam/id) gives the current name, so a renamed user keeps its
 * keys and sessions, and the document found must carry that id, so a user
 * or role deleted and created again under the same name is another
 * principal, whose permissions the old credentials never get. name_hint
 * (the name when the credential was issued) serves an index without the id.
 * The document is cached for the store's current generation.
 */
static enum s_bind s_entity_by_id(struct bw_call *call, struct bw_gencache *cache,
                                  const char *kind, const char *id, const char *name_hint,
                                  json_t **doc)
{
	bool user = strcmp(kind, BW_IAM_USER) == 0;
	const char *id_member = user ? "UserId" : "RoleId";
	char ckey[160], name[BW_IAM_NAME_MAX + 1], key[BW_IAM_NAME_MAX + 1];
	json_t *idx = NULL;
	*doc = NULL;
	if (!id || !*id)
		return S_GONE;
	unsigned long gen = bw_store_generation(call->store);
	snprintf(ckey, sizeof ckey, "principal:%s:%s", call->account_id, id);
	if (bw_gencache_get(cache, ckey, gen, doc, NULL))
		return S_BOUND;
	int rc = bw_doc_get(call->store, BW_IAM_ID, call->account_id, id, &idx);
	if (rc == BW_STORE_ERROR)
		return S_FAILED;
	const char *idx_kind = json_string_value(json_object_get(idx, "Kind"));
	const char *idx_name = json_string_value(json_object_get(idx, "Name"));
	if (rc == BW_STORE_OK && (!idx_kind || strcmp(idx_kind, user ? "user" : "role") != 0)) {
		json_decref(idx);
		return S_GONE; /* the id is another kind of entity's */
	}
	snprintf(name, sizeof name, "%s", idx_name ? idx_name : name_hint ? name_hint : "");
	json_decref(idx);
	if (!name[0] || bw_iam_key(name, key, sizeof key) != 0)
		return S_GONE;
	rc = bw_doc_get(call->store, kind, call->account_id, key, doc);
	if (rc == BW_STORE_NOT_FOUND)
		return S_GONE;
	if (rc != BW_STORE_OK)
		return S_FAILED;
	const char *stored = json_string_value(json_object_get(*doc, id_member));
	if (!stored || strcmp(stored, id) != 0) {
		json_decref(*doc);
		*doc = NULL;
		return S_GONE;
	}
	bw_gencache_put(cache, ckey, gen, *doc, bw_cur_from(NULL, 0));
	return S_BOUND;
}

/* {Key: Value} of an IAM "Tags" list, then `over` ({k: v}, may be NULL)
 * replacing any key equal regardless of case: AWS's "New session tags
 * override existing assumed role or federated user tags with the same tag
 * key, regardless of case". NULL when there are none (or no memory: the
 * caller fails closed). */
static int s_principal_tags(const json_t *iam_tags, const json_t *over, json_t **out)
{
	json_t *t = json_object();
	size_t i;
	const json_t *tag;
	const char *k, *dk;
	json_t *v, *dv;
	*out = NULL;
	if (!t)
		return -1;
	json_array_foreach(iam_tags, i, tag) {
		const char *key = json_string_value(json_object_get(tag, "Key"));
		const char *val = json_string_value(json_object_get(tag, "Value"));
		if (key && val && json_object_set_new(t, key, json_string(val)) != 0)
			goto error;
	}
	json_object_foreach((json_t *)over, k, v) {
		if (!json_is_string(v))
			continue;
		void *tmp;
		json_object_foreach_safe(t, tmp, dk, dv) {
			(void)dv;
			if (strcasecmp(dk, k) == 0)
				json_object_del(t, dk);
		}
		if (json_object_set(t, k, v) != 0)
			goto error;
	}
	if (json_object_size(t) == 0) {
		json_decref(t);
		return 0;
	}
	*out = t;
	return 0;
error:
	json_decref(t);
	return -1;
}

/* The principal fields of an IAM user from its stored document. */
static enum s_bind s_fill_user(struct bw_principal *p, const json_t *user)
{
	const char *arn = json_string_value(json_object_get(user, "Arn"));
	const char *id = json_string_value(json_object_get(user, "UserId"));
	const char *name = json_string_value(json_object_get(user, "UserName"));
	if (!arn || !id || !name)
		return S_GONE;
	snprintf(p->arn, sizeof p->arn, "%s", arn);
	snprintf(p->principal_id, sizeof p->principal_id, "%s", id);
	snprintf(p->user_name, sizeof p->user_name, "%s", name);
	json_decref(p->tags);
	p->tags = NULL;
	return s_principal_tags(json_object_get(user, "Tags"), NULL, &p->tags) == 0 ? S_BOUND
	                                                                           : S_FAILED;
}

/* The IAM user behind a long-term key (owner "user"): the user whose id the
 * key was made for, which must still exist. */
static enum s_bind s_user_principal(struct bw_call *call, struct bw_gencache *cache,
                                    const json_t *key_doc)
{
	struct bw_principal *p = &call->principal;
	json_t *user = NULL;
	enum s_bind b = s_entity_by_id(call, cache, BW_IAM_USER,
	                               json_string_value(json_object_get(key_doc, "UserId")),
	                               json_string_value(json_object_get(key_doc, "UserName")),
	                               &user);
	if (b != S_BOUND)
		return b;
	bw_principal_clear(p);
	p->type = BW_PT_IAM_USER;
	snprintf(p->account, sizeof p->account, "%s", call->account_id);
	b = s_fill_user(p, user);
	json_decref(user);
	return b;
}

/*
 * A session (owner "session"): the principal its document describes, bound
 * to the user or role it was issued for by unique id. A role's session dies
 * with its role; a user's GetSessionToken session with its user (a root's
 * session lives as long as the account). Tags are read now, as they stand:
 * the user's; the role's overridden by the session tags.
 */
static enum s_bind s_session_principal(struct bw_call *call, struct bw_gencache *cache,
                                       const json_t *key_doc)
{
	struct bw_principal *p = &call->principal;
	const json_t *sess = json_object_get(key_doc, "Session");
	json_t *ent = NULL;
	enum s_bind b;
	if (bw_sts_session_principal(key_doc, call->account_id, p) != 0)
		return S_GONE;
	if (p->type == BW_PT_ASSUMED_ROLE) {
		b = s_entity_by_id(call, cache, BW_IAM_ROLE, p->role_id, p->role_name, &ent);
		if (b == S_BOUND) {
			json_t *tags = NULL;
			if (s_principal_tags(json_object_get(ent, "Tags"), json_object_get(sess, "Tags"),
			                     &tags) != 0) {
				b = S_FAILED;
			} else {
				json_decref(p->tags);
				p->tags = tags;
			}
		}
	} else if (p->type == BW_PT_IAM_USER) {
		b = s_entity_by_id(call, cache, BW_IAM_USER, p->principal_id, p->user_name, &ent);
		if (b == S_BOUND)
			b = s_fill_user(p, ent);
	} else if (p->type == BW_PT_FEDERATED_USER && p->user_name[0]) {
		/* a user's federation session lives as long as that user (by
		 * unique id); its policies are the user's as they stand now, under
		 * its current name, and its tags the user's overridden by the
		 * session tags */
		b = s_entity_by_id(call, cache, BW_IAM_USER,
		                   json_string_value(json_object_get(sess, "SourceUserId")),
		                   p->user_name, &ent);
		const char *name = json_string_value(json_object_get(ent, "UserName"));
		json_t *tags = NULL;
		if (b == S_BOUND && !name) {
			b = S_GONE;
		} else if (b == S_BOUND) {
			snprintf(p->user_name, sizeof p->user_name, "%s", name);
			if (s_principal_tags(json_object_get(ent, "Tags"), json_object_get(sess, "Tags"),
			                     &tags) != 0) {
				b = S_FAILED;
			} else {
				json_decref(p->tags);
				p->tags = tags;
			}
		}
	} else if (p->type == BW_PT_FEDERATED_USER) {
		/* the root's federation session lives as long as the account */
		b = S_BOUND;
	} else {
		b = p->type == BW_PT_ROOT ? S_BOUND : S_GONE;
	}
	json_decref(ent);
	return b;
}

static enum s_bind s_principal_of(struct bw_call *call, struct bw_gencache *cache,
                                  const json_t *key_doc)
{
	const char *owner = json_string_value(json_object_get(key_doc, "Owner"));
	enum s_bind b = S_GONE;
	if (strcmp(owner, "root") == 0) {
		bw_principal_root(&call->principal, call->account_id);
		b = S_BOUND;
	} else if (strcmp(owner, "user") == 0) {
		b = s_user_principal(call, cache, key_doc);
	} else if (strcmp(owner, "session") == 0) {
		b = s_session_principal(call, cache, key_doc);
	}
	if (b != S_BOUND) {
		bw_principal_clear(&call->principal);
		return b;
	}
	snprintf(call->principal.access_key_id, sizeof call->principal.access_key_id, "%s",
	         json_string_value(json_object_get(key_doc, "AccessKeyId")));
	return S_BOUND;
}

/*
 * The awsJson and restJson services name authentication errors their own
 * way: "InvalidSignatureException" for IAM's "SignatureDoesNotMatch",
 * "UnrecognizedClientException" for "InvalidClientTokenId", and an
 * "Exception" suffix on the others; the awsJson ones answer 400.
 */
__attribute__((format(printf, 4, 5)))
static void s_fail_auth(struct bw_call *call, unsigned status, const char *code,
                        const char *fmt, ...)
{
	char message[sizeof call->err.message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
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

/* S3 by name: AWS lets S3 alone sign UNSIGNED-PAYLOAD or stream aws-chunked
 * bodies, and names its authentication errors its own way; another rest-xml
 * service would not inherit either. */
static bool s_is_s3(const struct bw_call *call)
{
	return strcmp(call->model->name, "s3") == 0;
}

/*
 * A credential that does not, or no longer, authenticates anyone: a key
 * whose user is gone, a session whose role or user is gone or was replaced,
 * a session token where none belongs. AWS answers InvalidClientTokenId "The
 * security token included in the request is invalid." (S3: InvalidToken for
 * a token, InvalidAccessKeyId for a key).
 */
static void s_fail_invalid(struct bw_call *call, bool token)
{
	if (s_is_s3(call)) {
		if (token)
			bw_fail_status(call, 400, BW_ERR_S3_INVALID_TOKEN);
		else
			bw_fail_status(call, 403, BW_ERR_S3_INVALID_ACCESS_KEY_ID);
		return;
	}
	s_fail_auth(call, 403, BW_ERR_INVALID_CLIENT_TOKEN_ID);
}

/* route.c chose the service from the scope on its own reading of the
 * request; the verified scope must name that same service, or a signature
 * made for one service would be spent on another. */
static bool s_scope_matches(const struct bw_call *call, const struct bw_sigv4_result *res)
{
	const struct bw_service_model *m = call->model;
	return (m->signing_name && strcmp(res->service, m->signing_name) == 0) ||
	       (m->endpoint_prefix && strcmp(res->service, m->endpoint_prefix) == 0);
}

static bool s_is_sha256_hex(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/*
 * What the signature says of the body. Every service but S3 signs the
 * SHA-256 of the body it received (bw_sigv4_verify refuses anything else
 * with style DEFAULT; checked again here because a body the signature does
 * not cover must never reach a handler). S3 may sign UNSIGNED-PAYLOAD, or
 * STREAMING-*: then every chunk's signature (and the trailer's checksum)
 * is verified before the request goes on.
 *
 * The S3 service is not served yet: the decoded body is only checked here,
 * and the codec still hands the raw aws-chunked body on. The S3 handlers
 * will take the decoded body from this step.
 */
static int s_payload_covered(struct bw_call *call, const struct bw_sigv4_params *params,
                             struct bw_sigv4_result *res)
{
	if (s_is_sha256_hex(res->payload_hash))
		return 0;
	if (!s_is_s3(call)) {
		s_fail_auth(call, 403, BW_ERR_SIGNATURE_MISMATCH);
		return -1;
	}
	if (strcmp(res->payload_hash, BW_SIGV4_UNSIGNED_PAYLOAD) == 0)
		return 0;
	struct bw_buf body = {0};
	struct bw_sigv4_chunked_info info;
	enum bw_sigv4_reason r = bw_sigv4_decode_body(call->req, params, res, &body, &info);
	bw_buf_free(&body);
	if (r == BW_SIGV4_OK)
		return 0;
	s_fail_auth(call, res->http_status, res->code, "%s", res->message);
	return -1;
}

/*
 * GetSessionToken's credentials "cannot call any IAM API operations unless
 * MFA authentication information is included in the request" and "cannot
 * call any STS API except AssumeRole or GetCallerIdentity" (the STS API
 * reference, GetSessionToken, "Permissions"). IAM refuses such a token as
 * it refuses any token it does not accept (InvalidClientTokenId); STS
 * answers as for GetSessionToken itself: AccessDenied "Cannot call <op>
 * with session credentials".
 */
static int s_session_token_limits(struct bw_call *call)
{
	const struct bw_principal *p = &call->principal;
	const char *service = call->model->name;
	const char *op = call->op ? call->op->name : "";
	/*
	 * GetFederationToken's credentials: "You cannot call any IAM operations
	 * using the CLI or the AWS API. ... You can't call any STS operations
	 * except GetCallerIdentity" (STS API reference, GetFederationToken).
	 * Both answer AccessDenied; no policy is asked.
	 */
	if (p->type == BW_PT_FEDERATED_USER) {
		if (strcmp(service, "iam") == 0 ||
		    (strcmp(service, "sts") == 0 && strcmp(op, "GetCallerIdentity") != 0))
			return bw_fail(call, BW_ERR_SESSION_CREDENTIALS_REFUSED, op);
		return 0;
	}
	if (!p->from_session_token)
		return 0;
	if (strcmp(service, "iam") == 0 && !p->mfa_present) {
		s_fail_invalid(call, true);
		return -1;
	}
	if (strcmp(service, "sts") == 0 && strcmp(op, "AssumeRole") != 0 &&
	    strcmp(op, "GetCallerIdentity") != 0)
		return bw_fail(call, BW_ERR_SESSION_CREDENTIALS_REFUSED, op);
	return 0;
}

int bw_authenticate(struct bw_call *call, struct bw_gencache *cache)
{
	/* a scope naming no region's name (bytes that are not even text):
	 * refused before its signature is read, named in the protocol's way */
	if (call->bad_scope_region) {
		s_fail_auth(call, 403, BW_ERR_SCOPE_BAD_REGION);
		return -1;
	}
	struct s_lookup lk = {.call = call, .cache = cache};
	bool s3 = s_is_s3(call);
	struct bw_sigv4_params params = {
		.now_s = (int64_t)call->now_s,
		.lookup = s_lookup,
		.lookup_ctx = &lk,
		/* decided by the service routed to, never by the scope alone */
		.style = s3 ? BW_SIGV4_STYLE_S3 : BW_SIGV4_STYLE_DEFAULT,
	};
	struct bw_sigv4_result res;
	enum bw_sigv4_reason reason = bw_sigv4_verify(call->req, &params, &res);
	int rc = -1;
	if (reason == BW_SIGV4_UNKNOWN_KEY && lk.state == S_KEY_EXPIRED) {
		s_fail_auth(call, s3 ? 400 : 403, BW_ERR_EXPIRED_TOKEN);
		goto done;
	}
	if (reason == BW_SIGV4_UNKNOWN_KEY && lk.state == S_KEY_BAD_TOKEN) {
		s_fail_invalid(call, true);
		goto done;
	}
	if (reason != BW_SIGV4_OK) {
		s_fail_auth(call, res.http_status, res.code, "%s", res.message);
		goto done;
	}
	if (!s_scope_matches(call, &res)) {
		const struct bw_service_model *m = call->model;
		s_fail_auth(call, 403, BW_ERR_SCOPE_WRONG_SERVICE,
		            m->signing_name ? m->signing_name : m->name);
		goto done;
	}
	if (s_payload_covered(call, &params, &res) != 0)
		goto done;
	enum s_bind b = s_principal_of(call, cache, lk.doc);
	if (b == S_FAILED) {
		bw_fail(call, BW_ERR_CREDENTIALS_UNREADABLE);
		goto done;
	}
	if (b == S_GONE) {
		const char *owner = json_string_value(json_object_get(lk.doc, "Owner"));
		s_fail_invalid(call, owner && strcmp(owner, "session") == 0);
		goto done;
	}
	if (res.region[0])
		snprintf(call->region, sizeof call->region, "%s", res.region);
	if (s_session_token_limits(call) != 0)
		goto done;
	s_note_last_used(call, lk.doc);
	rc = 0;
done:
	json_decref(lk.doc);
	return rc;
}
