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
#include "core/timeutil.h"
#include "gateway/errors.h"
#include "services/iam/iam_policy_set.h"
#include "gateway/resource.h"
#include "services/service.h"
#include "store/doc.h"

/*
 * The request context grows as keys are added: nothing on the decision
 * path is capped (an encryption context of 150 pairs once pushed
 * aws:SecureTransport out of a fixed table, and a Deny on it stopped
 * applying). Values are appended to one array; each key remembers where
 * its values start, and the pointers are fixed once every key is in
 * (s_finish), since the arrays move as they grow. Strings are copied into
 * a->hold. Out of memory marks the context unusable: the call is denied.
 */
static bool s_grow(void **arr, size_t *cap, size_t want, size_t elem)
{
	if (want <= *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 32;
	while (n < want)
		n *= 2;
	void *p = realloc(*arr, n * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = n;
	return true;
}

/* Keep a copy of text alive as long as the context; NULL out of memory.
 * Any bytes: a header (User-Agent) need not be UTF-8, and is compared as
 * sent; the copy is never serialized. */
static const char *s_keep(struct bw_authz_ctx *a, const char *text)
{
	json_t *s = json_string_nocheck(text);
	if (!s || json_array_append_new(a->hold, s) != 0)
		return NULL;
	return json_string_value(s);
}

/* Add a key with n values (copied). A value that cannot be held makes the
 * context unusable, never partial. */
static void s_add_values(struct bw_authz_ctx *a, const char *name, const char *const *values,
                         size_t n)
{
	if (a->oom || !name)
		return;
	if (!s_grow((void **)&a->keys, &a->keys_cap, a->ctx.n_keys + 1, sizeof *a->keys) ||
	    !s_grow((void **)&a->first, &a->first_cap, a->ctx.n_keys + 1, sizeof *a->first) ||
	    !s_grow((void **)&a->values, &a->values_cap, a->n_values + n, sizeof *a->values)) {
		a->oom = true;
		return;
	}
	const char *key = s_keep(a, name);
	size_t first = a->n_values;
	for (size_t i = 0; key && i < n; i++) {
		const char *v = values[i] ? s_keep(a, values[i]) : NULL;
		if (!v) {
			a->oom = true;
			return;
		}
		a->values[a->n_values++] = v;
	}
	if (!key) {
		a->oom = true;
		return;
	}
	a->first[a->ctx.n_keys] = first;
	a->keys[a->ctx.n_keys++] = (struct bw_ctx_key){.key = key, .n_values = n};
}

static void s_key(struct bw_authz_ctx *a, const char *name, const char *value)
{
	if (value)
		s_add_values(a, name, &value, 1);
}

/* "<prefix><tail>" with one value. */
static void s_key_prefixed(struct bw_authz_ctx *a, const char *prefix, const char *tail,
                           const char *value)
{
	struct bw_buf name = {0};
	if (bw_buf_appendf(&name, "%s%s", prefix, tail) != 0)
		a->oom = true;
	else
		s_key(a, bw_buf_cstr(&name), value);
	bw_buf_free(&name);
}

/* A multi-valued key from a JSON array (or one string). Every element must
 * be a string: a list the context cannot hold whole is not evaluated in
 * part. An empty list is a key with no values (ForAllValues: true). */
static void s_multi_key(struct bw_authz_ctx *a, const char *name, const json_t *values)
{
	if (json_is_string(values)) {
		s_key(a, name, json_string_value(values));
		return;
	}
	size_t n = json_array_size(values);
	const char **v = n ? malloc(n * sizeof *v) : NULL;
	if (n && !v) {
		a->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		v[i] = json_string_value(json_array_get(values, i));
		if (!v[i])
			a->oom = true;
	}
	if (!a->oom)
		s_add_values(a, name, v, n);
	free(v);
}

/* Point each key at its values: the arrays no longer move. */
static void s_finish(struct bw_authz_ctx *a)
{
	for (size_t i = 0; i < a->ctx.n_keys; i++)
		a->keys[i].values = a->n_values ? &a->values[a->first[i]] : NULL;
	a->ctx.keys = a->keys;
}

int bw_authz_resource_tag_keys(json_t *extra, const char *action, const json_t *tags)
{
	const char *k;
	json_t *v;
	char service[32] = "";
	const char *colon = action ? strchr(action, ':') : NULL;
	/* IAM documents its own iam:ResourceTag/ beside the global key */
	if (colon && (size_t)(colon - action) < sizeof service && strncmp(action, "iam:", 4) == 0)
		snprintf(service, sizeof service, "%.*s", (int)(colon - action), action);
	struct bw_buf name = {0};
	int rc = 0;
	json_object_foreach((json_t *)tags, k, v) {
		if (!json_is_string(v))
			continue;
		bw_buf_reset(&name);
		rc |= bw_buf_appendf(&name, "aws:ResourceTag/%s", k);
		rc |= rc ? -1 : json_object_set(extra, bw_buf_cstr(&name), v);
		if (service[0]) {
			bw_buf_reset(&name);
			rc |= bw_buf_appendf(&name, "%s:ResourceTag/%s", service, k);
			rc |= rc ? -1 : json_object_set(extra, bw_buf_cstr(&name), v);
		}
	}
	bw_buf_free(&name);
	return rc ? -1 : 0;
}

/* AWS's global condition keys of a request (the "AWS global condition
 * context keys" page), as present as AWS makes them: a key AWS leaves out
 * of a kind of request is left out here too, so ...IfExists and Null
 * conditions read the same. */
static void s_context_keys(const struct bw_call *call, const json_t *in, struct bw_authz_ctx *k)
{
	const struct bw_principal *p = &call->principal;
	char buf[64];
	/* network and request properties */
	if (call->req->peer_ip[0])
		s_key(k, "aws:SourceIp", call->req->peer_ip);
	s_key(k, "aws:SecureTransport", call->req->tls ? "true" : "false");
	s_key(k, "aws:RequestedRegion", call->region);
	s_key(k, "aws:UserAgent", bw_req_header(call->req, "User-Agent"));
	s_key(k, "aws:Referer", bw_req_header(call->req, "Referer"));
	/* the principal */
	s_key(k, "aws:userid", p->principal_id);
	if (p->type == BW_PT_IAM_USER)
		s_key(k, "aws:username", p->user_name);
	s_key(k, "aws:PrincipalIsAWSService", "false"); /* every signed request here is a principal's */
	/* a service acting with the caller's credentials (S3 calling KMS for
	 * SSE-KMS) names itself; a direct call has no aws:CalledVia at all */
	s_key(k, "aws:ViaAWSService", call->via_service[0] ? "true" : "false");
	if (call->via_service[0]) {
		const char *via = call->via_service;
		s_add_values(k, "aws:CalledVia", &via, 1);
		s_key(k, "aws:CalledViaFirst", via);
		s_key(k, "aws:CalledViaLast", via);
	}
	/* MFA and session keys exist only for temporary credentials, as in
	 * AWS: a long-term key's request has no aws:MultiFactorAuthPresent and
	 * no aws:TokenIssueTime at all. */
	if (p->temporary) {
		s_key(k, "aws:MultiFactorAuthPresent", p->mfa_present ? "true" : "false");
		if (p->mfa_present) {
			snprintf(buf, sizeof buf, "%lld",
			         (long long)(call->now_s - (double)p->mfa_auth_time_s));
			s_key(k, "aws:MultiFactorAuthAge", buf);
		}
		if (p->session_created_s > 0 &&
		    bw_time_iso8601((double)p->session_created_s, buf, sizeof buf) == 0)
			s_key(k, "aws:TokenIssueTime", buf);
		if (p->source_identity[0])
			s_key(k, "aws:SourceIdentity", p->source_identity);
	}
	const char *tk;
	json_t *tv;
	json_object_foreach(p->tags, tk, tv)
		s_key_prefixed(k, "aws:PrincipalTag/", tk, json_string_value(tv));
	/* the resource: every resource bulwark holds is the caller's account's */
	s_key(k, "aws:ResourceAccount", call->account_id);
	/* the request's tags: Tags (IAM, STS, KMS, the rest services) or
	 * TagsList (CloudTrail); an untagging request's TagKeys */
	const json_t *given = json_object_get(in, "Tags");
	if (!given)
		given = json_object_get(in, "TagsList");
	json_t *req_tags = bw_tags_map(given);
	json_t *tag_keys = json_array();
	if (!req_tags || !tag_keys) {
		k->oom = true;
	} else {
		json_object_foreach(req_tags, tk, tv) {
			s_key_prefixed(k, "aws:RequestTag/", tk, json_string_value(tv));
			if (json_array_append_new(tag_keys, json_string(tk)) != 0)
				k->oom = true;
		}
		const json_t *untag = json_object_get(in, "TagKeys");
		if (json_object_size(req_tags))
			s_multi_key(k, "aws:TagKeys", tag_keys);
		else if (json_is_array(untag))
			s_multi_key(k, "aws:TagKeys", untag);
	}
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

/* Compile each {"doc": text} (or plain text) of a JSON array into a new
 * array *out. A policy that does not compile cannot be left out (it may be
 * the one that denies): -1, and nothing is kept. */
static int s_compile_all(struct bw_call *call, const json_t *docs, enum bw_policy_kind kind,
                         struct bw_policy ***out, size_t *n_out)
{
	size_t n = json_array_size(docs), i;
	json_t *d;
	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return 0;
	struct bw_policy **arr = calloc(n, sizeof *arr);
	if (!arr)
		return -1;
	json_array_foreach(docs, i, d) {
		const char *text = json_is_string(d) ? json_string_value(d)
		                                     : json_string_value(json_object_get(d, "doc"));
		arr[i] = text ? bw_authz_compile(call, text, kind) : NULL;
		if (!arr[i]) {
			for (size_t j = 0; j < i; j++)
				bw_policy_unref(arr[j]);
			free(arr);
			return -1;
		}
	}
	*out = arr;
	*n_out = n;
	return 0;
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
			return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
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
		return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
	json_t *r = json_string(resource ? resource : "*");
	if (!r || json_array_append_new(out->hold, r) != 0)
		return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
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
	if (out->oom) {
		bw_authz_ctx_clean_up(out);
		return bw_fail(call, BW_ERR_CONTEXT_NOT_BUILT);
	}
	s_finish(out);
	return 0;
}

void bw_authz_ctx_clean_up(struct bw_authz_ctx *a)
{
	json_decref(a->hold);
	free(a->keys);
	free(a->first);
	free(a->values);
	memset(a, 0, sizeof *a);
}

int bw_authz_policies_load(struct bw_call *call, struct bw_authz_policies *out)
{
	memset(out, 0, sizeof *out);
	json_t *identity_docs = NULL, *boundary_doc = NULL;
	if (s_policy_docs(call, &identity_docs, &boundary_doc) != 0)
		return bw_fail(call, BW_ERR_POLICIES_UNREADABLE);
	int rc = 0;
	if (s_compile_all(call, identity_docs, BW_POLICY_IDENTITY, &out->identity,
	                  &out->n_identity) != 0)
		rc = bw_fail(call, BW_ERR_POLICIES_NOT_EVALUATED);
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
	if (rc == 0 && call->principal.session_policies) {
		/* session policies that do not compile must not widen the session */
		if (s_compile_all(call, call->principal.session_policies, BW_POLICY_SESSION,
		                  &out->session, &out->n_session) != 0 ||
		    out->n_session == 0)
			rc = bw_fail(call, BW_ERR_SESSION_POLICIES_UNUSABLE);
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
	free(p->identity);
	free(p->session);
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

int bw_authz_service_keys(struct bw_call *call, const json_t *in, const char *action,
                          const struct bw_resource *res, json_t **extra)
{
	*extra = json_object();
	if (!*extra)
		return bw_fail(call, BW_ERR_OUT_OF_MEMORY);
	const struct bw_op_impl *impl = call->impl;
	if ((impl && impl->context && impl->context(call, in, *extra) != 0) ||
	    (res && res->tags && bw_authz_resource_tag_keys(*extra, action, res->tags) != 0)) {
		json_decref(*extra);
		*extra = NULL;
		return call->failed ? -1
		                    : bw_fail(call, BW_ERR_CONTEXT_NOT_BUILT);
	}
	return 0;
}

int bw_authz_decide(struct bw_call *call, const json_t *in, const char *action,
                    const struct bw_resource *res)
{
	return bw_authz_decide_with(call, in, action, res, NULL);
}

int bw_authz_decide_with(struct bw_call *call, const json_t *in, const char *action,
                         const struct bw_resource *res, const struct bw_policy *resource_policy)
{
	if (call->principal.type == BW_PT_ROOT &&
	    strcmp(call->principal.account, call->account_id) == 0)
		return 0;
	json_t *extra = NULL;
	if (bw_authz_service_keys(call, in, action, res, &extra) != 0)
		return -1;
	struct bw_authz_ctx a;
	struct bw_authz_policies pol;
	int rc = bw_authz_ctx_init(call, in, action, bw_buf_cstr(&res->arn), extra, &a);
	json_decref(extra);
	if (rc != 0)
		return -1;
	/* the resource is this account's: a caller of another account is held
	 * to the cross-account rule (identity and resource policy both allow) */
	if (resource_policy)
		a.ctx.resource_account = call->account_id;
	rc = -1;
	if (bw_authz_policies_load(call, &pol) == 0) {
		struct bw_policy_set set = bw_authz_policy_set(&pol, resource_policy);
		struct bw_eval_result r;
		if (bw_policy_evaluate(&a.ctx, &set, &r) != 0 || r.decision != BW_DECISION_ALLOW)
			bw_authz_deny(call, &a.ctx, &r);
		else
			rc = 0;
		bw_authz_policies_clean_up(&pol);
	}
	bw_authz_ctx_clean_up(&a);
	return rc;
}

int bw_authorize(struct bw_call *call, const json_t *in)
{
	const struct bw_op_impl *impl = call->impl;
	if (impl->no_authorization)
		return 0;
	if (bw_resource_resolve(call, in) != 0)
		return -1;
	if (impl->authorize)
		return impl->authorize(call, in);
	return bw_authz_decide(call, in, impl->iam_action, &call->resource);
}
