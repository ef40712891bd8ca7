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

/* Add one key with one value (strings are copied into a->hold). */
static void s_key(struct bw_authz_ctx *a, const char *name, const char *value)
{
	if (a->ctx.n_keys >= BW_AUTHZ_MAX_KEYS || a->n_values >= BW_AUTHZ_MAX_VALUES || !name ||
	    !value)
		return;
	json_t *pair = json_pack("[s, s]", name, value);
	if (!pair || json_array_append_new(a->hold, pair) != 0)
		return;
	const char **v = &a->values[a->n_values++];
	*v = json_string_value(json_array_get(pair, 1));
	a->keys[a->ctx.n_keys++] = (struct bw_ctx_key){
		.key = json_string_value(json_array_get(pair, 0)), .values = v, .n_values = 1};
}

/* Add a multi-valued key (a JSON array of strings, kept alive in a->hold). */
static void s_multi_key(struct bw_authz_ctx *a, const char *name, json_t *values)
{
	size_t n = json_array_size(values);
	if (a->ctx.n_keys >= BW_AUTHZ_MAX_KEYS || n == 0 || a->n_values + n > BW_AUTHZ_MAX_VALUES)
		return;
	json_t *kname = json_string(name);
	if (!kname || json_array_append_new(a->hold, kname) != 0 ||
	    json_array_append(a->hold, values) != 0)
		return;
	const char **v = &a->values[a->n_values];
	size_t used = 0;
	for (size_t i = 0; i < n; i++)
		if (json_is_string(json_array_get(values, i)))
			v[used++] = json_string_value(json_array_get(values, i));
	a->n_values += used;
	a->keys[a->ctx.n_keys++] = (struct bw_ctx_key){.key = json_string_value(kname), .values = v,
	                                               .n_values = used};
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

static void s_context_keys(const struct bw_call *call, const json_t *in, struct bw_authz_ctx *k)
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
	s_multi_key(k, "aws:TagKeys", tag_keys);
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
struct bw_policy *bw_authz_compile(struct bw_call *call, const char *text,
                                   enum bw_policy_kind kind)
{
	struct bw_policy_cache *cache = call->authz ? call->authz->policies : NULL;
	if (!cache || !text)
		return NULL;
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
static size_t s_compile_all(struct bw_call *call, const json_t *docs, enum bw_policy_kind kind,
                            struct bw_policy **out, size_t cap)
{
	size_t n = 0, i;
	json_t *d;
	json_array_foreach(docs, i, d) {
		const char *text = json_is_string(d) ? json_string_value(d)
		                                     : json_string_value(json_object_get(d, "doc"));
		struct bw_policy *p = text && n < cap ? bw_authz_compile(call, text, kind) : NULL;
		if (p)
			out[n++] = p;
	}
	return n;
}

int bw_authz_deny(struct bw_call *call, const struct bw_request_ctx *ctx,
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
static int s_policy_docs(struct bw_call *call, json_t **identity, json_t **boundary)
{
	struct bw_gencache *sets = call->authz ? call->authz->sets : NULL;
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

int bw_authz_ctx_init(struct bw_call *call, const json_t *in, const char *action,
                      const char *resource, const json_t *extra_keys, struct bw_authz_ctx *out)
{
	memset(out, 0, sizeof *out);
	out->hold = json_array();
	if (!out->hold)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	json_t *r = json_string(resource ? resource : "*");
	if (!r || json_array_append_new(out->hold, r) != 0)
		return bw_fail_status(call, 500, "InternalFailure", "out of memory");
	out->resource = json_string_value(r);
	out->ctx = (struct bw_request_ctx){
		.action = action,
		.resources = &out->resource,
		.n_resources = 1,
		.principal_arn = call->principal.arn,
		.principal_account = call->principal.account,
		.principal_type = s_policy_type(call->principal.type),
		.role_arn = call->principal.role_arn[0] ? call->principal.role_arn : NULL,
		.now_s = call->now_s,
		.keys = out->keys,
	};
	/* a service's own keys first: explicit keys win over derived ones */
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)extra_keys, k, v) {
		if (json_is_string(v))
			s_key(out, k, json_string_value(v));
		else if (json_is_array(v))
			s_multi_key(out, k, v);
	}
	s_context_keys(call, in, out);
	return 0;
}

void bw_authz_ctx_clean_up(struct bw_authz_ctx *a)
{
	json_decref(a->hold);
	memset(a, 0, sizeof *a);
}

int bw_authz_policies_load(struct bw_call *call, struct bw_authz_policies *out)
{
	memset(out, 0, sizeof *out);
	json_t *identity_docs = NULL, *boundary_doc = NULL;
	if (s_policy_docs(call, &identity_docs, &boundary_doc) != 0)
		return bw_fail_status(call, 500, "InternalFailure",
		                      "The caller's policies could not be read");
	out->n_identity = s_compile_all(call, identity_docs, BW_POLICY_IDENTITY, out->identity,
	                                BW_AUTHZ_MAX_POLICIES);
	int rc = 0;
	if (boundary_doc) {
		const char *text = json_is_string(boundary_doc)
			? json_string_value(boundary_doc)
			: json_string_value(json_object_get(boundary_doc, "doc"));
		/* a boundary that cannot be read allows nothing: deny by default */
		out->boundary = bw_authz_compile(call, text, BW_POLICY_BOUNDARY);
		if (!out->boundary)
			out->boundary = bw_authz_compile(
				call, "{\"Version\":\"2012-10-17\",\"Statement\":[]}", BW_POLICY_BOUNDARY);
	}
	if (call->principal.session_policies) {
		out->n_session = s_compile_all(call, call->principal.session_policies,
		                               BW_POLICY_SESSION, out->session, BW_AUTHZ_MAX_POLICIES);
		/* session policies that do not compile must not widen the session */
		if (out->n_session == 0)
			rc = bw_fail_status(call, 403, "AccessDenied", "The session's policies are unusable");
	}
	json_decref(identity_docs);
	json_decref(boundary_doc);
	if (rc != 0)
		bw_authz_policies_clean_up(out);
	return rc;
}

void bw_authz_policies_clean_up(struct bw_authz_policies *p)
{
	for (size_t i = 0; i < p->n_identity; i++)
		bw_policy_unref(p->identity[i]);
	for (size_t i = 0; i < p->n_session; i++)
		bw_policy_unref(p->session[i]);
	bw_policy_unref(p->boundary);
	memset(p, 0, sizeof *p);
}

struct bw_policy_set bw_authz_policy_set(const struct bw_authz_policies *p,
                                         const struct bw_policy *resource)
{
	return (struct bw_policy_set){
		.identity = (const struct bw_policy *const *)p->identity,
		.n_identity = p->n_identity,
		.resource = resource,
		.boundary = p->boundary,
		.session = (const struct bw_policy *const *)p->session,
		.n_session = p->n_session,
	};
}

int bw_authorize(struct bw_call *call, const json_t *in)
{
	const struct bw_op_impl *impl = call->impl;
	if (impl->no_authorization)
		return 0;
	if (impl->authorize)
		return impl->authorize(call, in);
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
	struct bw_authz_ctx a;
	struct bw_authz_policies pol;
	int rc = -1;
	if (bw_authz_ctx_init(call, in, impl->iam_action, bw_buf_cstr(&arn), NULL, &a) != 0) {
		bw_buf_free(&arn);
		return -1;
	}
	if (bw_authz_policies_load(call, &pol) == 0) {
		struct bw_policy_set set = bw_authz_policy_set(&pol, NULL);
		struct bw_eval_result res;
		if (bw_policy_evaluate(&a.ctx, &set, &res) != 0 || res.decision != BW_DECISION_ALLOW)
			bw_authz_deny(call, &a.ctx, &res);
		else
			rc = 0;
		bw_authz_policies_clean_up(&pol);
	}
	bw_authz_ctx_clean_up(&a);
	bw_buf_free(&arn);
	return rc;
}
