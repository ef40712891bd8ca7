/*
 * authz.c: the IAM decision for one call.
 *
 * The account root is allowed everything in its account (resource policies
 * that deny it arrive with the services that have them). Every other
 * principal gets exactly what its policies grant: the identity policies of
 * the user (and its groups) or role, intersected with its permissions
 * boundary and its session policies (bw_policy_evaluate implements AWS's
 * evaluation logic). Compiled policies are cached by content.
 */
#include "gateway/authz.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "auth/policy.h"
#include "core/buf.h"
#include "core/encoding.h"
#include "core/gencache.h"
#include "core/log.h"
#include "services/iam/iam_policy_set.h"
#include "services/service.h"
#include "store/doc.h"

#define S_MAX_KEYS 128
#define S_MAX_POLICIES 64

/* The condition keys of the request, owned as JSON so the strings live on. */
struct s_keys {
	struct bw_ctx_key keys[S_MAX_KEYS];
	const char *values[S_MAX_KEYS];
	size_t n;
	json_t *hold; /* keeps every string alive */
};

static void s_key(struct s_keys *k, const char *name, const char *value)
{
	if (k->n >= S_MAX_KEYS || !name || !value)
		return;
	json_t *pair = json_pack("[s, s]", name, value);
	if (!pair || json_array_append_new(k->hold, pair) != 0)
		return;
	k->values[k->n] = json_string_value(json_array_get(pair, 1));
	k->keys[k->n] = (struct bw_ctx_key){.key = json_string_value(json_array_get(pair, 0)),
	                                    .values = &k->values[k->n], .n_values = 1};
	k->n++;
}

/* aws:TagKeys is multi-valued: its values live in one JSON array. */
static void s_multi_key(struct s_keys *k, const char *name, json_t *values,
                        const char **storage, size_t cap)
{
	size_t n = json_array_size(values);
	if (k->n >= S_MAX_KEYS || n == 0 || n > cap || json_array_append(k->hold, values) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		storage[i] = json_string_value(json_array_get(values, i));
	json_t *kname = json_string(name);
	if (!kname || json_array_append_new(k->hold, kname) != 0)
		return;
	k->keys[k->n++] = (struct bw_ctx_key){.key = json_string_value(kname), .values = storage,
	                                      .n_values = n};
}

/* Request tags in any of the shapes the services use: a list of {Key, Value}
 * (IAM, STS), of {TagKey, TagValue} (KMS), or a map (the rest services). */
static json_t *s_request_tags(const json_t *in)
{
	json_t *tags = json_object_get(in, "Tags");
	json_t *out = json_object();
	if (!out)
		return NULL;
	if (json_is_object(tags)) {
		const char *k;
		json_t *v;
		json_object_foreach(tags, k, v)
			if (json_is_string(v))
				json_object_set(out, k, v);
	} else if (json_is_array(tags)) {
		size_t i;
		json_t *t;
		json_array_foreach(tags, i, t) {
			json_t *k = json_object_get(t, "Key");
			json_t *v = json_object_get(t, "Value");
			if (!k) {
				k = json_object_get(t, "TagKey");
				v = json_object_get(t, "TagValue");
			}
			if (json_is_string(k) && json_is_string(v))
				json_object_set(out, json_string_value(k), v);
		}
	}
	return out;
}

static void s_context_keys(const struct bw_call *call, const json_t *in, struct s_keys *k,
                           const char **tag_key_storage, size_t tag_cap)
{
	const struct bw_principal *p = &call->principal;
	char buf[64];
	s_key(k, "aws:SourceIp", call->req->peer_ip);
	s_key(k, "aws:SecureTransport", call->req->tls ? "true" : "false");
	s_key(k, "aws:RequestedRegion", call->region);
	s_key(k, "aws:userid", p->principal_id);
	if (p->type == BW_PT_IAM_USER)
		s_key(k, "aws:username", p->user_name);
	/* MFA keys exist only for temporary credentials, as in AWS: a long-term
	 * key's request has no aws:MultiFactorAuthPresent at all. */
	if (p->temporary) {
		s_key(k, "aws:MultiFactorAuthPresent", p->mfa_present ? "true" : "false");
		if (p->mfa_present) {
			snprintf(buf, sizeof buf, "%lld",
			         (long long)(call->now_s - (double)p->mfa_auth_time_s));
			s_key(k, "aws:MultiFactorAuthAge", buf);
		}
		if (p->source_identity[0])
			s_key(k, "aws:SourceIdentity", p->source_identity);
	}
	const char *tk;
	json_t *tv;
	char name[320];
	json_object_foreach(p->tags, tk, tv) {
		snprintf(name, sizeof name, "aws:PrincipalTag/%s", tk);
		s_key(k, name, json_string_value(tv));
	}
	json_t *req_tags = s_request_tags(in);
	json_t *tag_keys = json_array();
	json_object_foreach(req_tags, tk, tv) {
		snprintf(name, sizeof name, "aws:RequestTag/%s", tk);
		s_key(k, name, json_string_value(tv));
		json_array_append_new(tag_keys, json_string(tk));
	}
	s_multi_key(k, "aws:TagKeys", tag_keys, tag_key_storage, tag_cap);
	json_decref(tag_keys);
	json_decref(req_tags);
}

static enum bw_principal_type s_policy_type(enum bw_caller_type t)
{
	switch (t) {
	case BW_PT_ROOT:
		return BW_PRINCIPAL_ACCOUNT;
	case BW_PT_IAM_USER:
		return BW_PRINCIPAL_USER;
	case BW_PT_ASSUMED_ROLE:
		return BW_PRINCIPAL_ASSUMED_ROLE;
	case BW_PT_FEDERATED_USER:
		return BW_PRINCIPAL_FEDERATED_USER;
	}
	return BW_PRINCIPAL_ANONYMOUS;
}

/* A compiled policy from the cache, keyed by the SHA-256 of its text, so a
 * changed document is a new entry and no invalidation can be missed. */
static struct bw_policy *s_compile(struct bw_policy_cache *cache, const char *text,
                                   enum bw_policy_kind kind)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	SHA256((const uint8_t *)text, strlen(text), digest);
	struct bw_buf id = {0};
	struct bw_policy *p = NULL;
	char err[256];
	if (bw_hex_encode(digest, sizeof digest, &id) == 0 &&
	    bw_policy_cache_get_or_compile(cache, bw_buf_cstr(&id), kind == BW_POLICY_SESSION ? "s" : "i",
	                                   text, strlen(text), kind, NULL, &p, err, sizeof err) != 0) {
		bw_logf(BW_LOG_WARN, "authz: a stored policy does not compile: %s", err);
		p = NULL;
	}
	bw_buf_free(&id);
	return p;
}

/* Compile each {"doc": text} (or plain text) of a JSON array. */
static size_t s_compile_all(struct bw_policy_cache *cache, const json_t *docs,
                            enum bw_policy_kind kind, struct bw_policy **out, size_t cap)
{
	size_t n = 0, i;
	json_t *d;
	json_array_foreach(docs, i, d) {
		const char *text = json_is_string(d) ? json_string_value(d)
		                                     : json_string_value(json_object_get(d, "doc"));
		struct bw_policy *p = text && n < cap ? s_compile(cache, text, kind) : NULL;
		if (p)
			out[n++] = p;
	}
	return n;
}

static int s_deny(struct bw_call *call, const struct bw_request_ctx *ctx,
                  const struct bw_eval_result *res)
{
	struct bw_buf msg = {0};
	if (bw_policy_format_denial(ctx, res, &msg) != 0) {
		bw_buf_reset(&msg);
		if (bw_buf_appendf(&msg, "User: %s is not authorized to perform: %s",
		                   call->principal.arn, ctx->action) != 0) {
			bw_buf_free(&msg);
			return bw_fail_status(call, 500, "InternalFailure", "out of memory");
		}
	}
	/* Each protocol names the error its own way. */
	uint16_t status = 403;
	const char *code = "AccessDeniedException";
	switch ((enum bw_protocol)call->model->protocol) {
	case BW_PROTO_JSON:
		status = 400;
		break;
	case BW_PROTO_QUERY:
	case BW_PROTO_REST_XML:
		code = "AccessDenied";
		break;
	case BW_PROTO_REST_JSON:
		break;
	}
	bw_fail_status(call, status, code, "%s", bw_buf_cstr(&msg));
	bw_buf_free(&msg);
	return -1;
}

/* The principal's identity policies and boundary, cached per generation. */
static int s_policy_docs(struct bw_call *call, struct bw_gencache *sets, json_t **identity,
                         json_t **boundary)
{
	char ckey[600];
	snprintf(ckey, sizeof ckey, "policies:%s", call->principal.arn);
	unsigned long gen = bw_store_generation(call->store);
	json_t *both = NULL;
	if (bw_gencache_get(sets, ckey, gen, &both, NULL)) {
		*identity = json_incref(json_object_get(both, "identity"));
		json_t *b = json_object_get(both, "boundary");
		*boundary = json_is_null(b) ? NULL : json_incref(b);
		json_decref(both);
		return 0;
	}
	if (bw_iam_policies_for(call->store, &call->principal, identity, boundary) != 0)
		return -1;
	both = json_pack("{s:O, s:O}", "identity", *identity ? *identity : json_null(),
	                 "boundary", *boundary ? *boundary : json_null());
	if (both)
		bw_gencache_put(sets, ckey, gen, both, bw_cur_from(NULL, 0));
	json_decref(both);
	return 0;
}

int bw_authorize(struct bw_call *call, struct bw_policy_cache *cache, struct bw_gencache *sets,
                 const json_t *in)
{
	const struct bw_op_impl *impl = call->impl;
	if (impl->no_authorization)
		return 0;
	if (call->principal.type == BW_PT_ROOT &&
	    strcmp(call->principal.account, call->account_id) == 0)
		return 0;

	struct bw_buf arn = {0};
	if (impl->resource ? impl->resource(call, in, &arn) != 0 : bw_buf_append_str(&arn, "*") != 0) {
		bw_buf_free(&arn);
		return call->failed ? -1
		                    : bw_fail_status(call, 500, "InternalFailure",
		                                     "The resource of the request could not be named");
	}
	const char *resource = bw_buf_cstr(&arn);
	const char *tag_keys[64];
	struct s_keys keys = {.hold = json_array()};
	s_context_keys(call, in, &keys, tag_keys, 64);
	struct bw_request_ctx ctx = {
		.action = impl->iam_action,
		.resources = &resource,
		.n_resources = 1,
		.principal_arn = call->principal.arn,
		.principal_account = call->principal.account,
		.principal_type = s_policy_type(call->principal.type),
		.role_arn = call->principal.role_arn[0] ? call->principal.role_arn : NULL,
		.now_s = call->now_s,
		.keys = keys.keys,
		.n_keys = keys.n,
	};

	json_t *identity_docs = NULL, *boundary_doc = NULL;
	struct bw_policy *identity[S_MAX_POLICIES], *session[S_MAX_POLICIES], *boundary = NULL;
	size_t n_identity = 0, n_session = 0;
	int rc = -1;
	if (s_policy_docs(call, sets, &identity_docs, &boundary_doc) != 0) {
		bw_fail_status(call, 500, "InternalFailure", "The caller's policies could not be read");
		goto done;
	}
	n_identity = s_compile_all(cache, identity_docs, BW_POLICY_IDENTITY, identity, S_MAX_POLICIES);
	if (boundary_doc) {
		const char *text = json_is_string(boundary_doc)
			? json_string_value(boundary_doc)
			: json_string_value(json_object_get(boundary_doc, "doc"));
		/* a boundary that cannot be read allows nothing: deny by default */
		boundary = text ? s_compile(cache, text, BW_POLICY_BOUNDARY) : NULL;
		if (!boundary)
			boundary = s_compile(cache, "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
			                     BW_POLICY_BOUNDARY);
	}
	if (call->principal.session_policies)
		n_session = s_compile_all(cache, call->principal.session_policies, BW_POLICY_SESSION,
		                          session, S_MAX_POLICIES);
	if (call->principal.session_policies && n_session == 0) {
		/* session policies that do not compile must not widen the session */
		bw_fail_status(call, 403, "AccessDenied", "The session's policies are unusable");
		goto done;
	}
	struct bw_policy_set set = {
		.identity = (const struct bw_policy *const *)identity,
		.n_identity = n_identity,
		.boundary = boundary,
		.session = (const struct bw_policy *const *)session,
		.n_session = n_session,
	};
	struct bw_eval_result res;
	if (bw_policy_evaluate(&ctx, &set, &res) != 0 || res.decision != BW_DECISION_ALLOW)
		s_deny(call, &ctx, &res);
	else
		rc = 0;
done:
	for (size_t i = 0; i < n_identity; i++)
		bw_policy_unref(identity[i]);
	for (size_t i = 0; i < n_session; i++)
		bw_policy_unref(session[i]);
	bw_policy_unref(boundary);
	json_decref(identity_docs);
	json_decref(boundary_doc);
	json_decref(keys.hold);
	bw_buf_free(&arn);
	return rc;
}
