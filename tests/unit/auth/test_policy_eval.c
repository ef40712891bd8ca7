/* Policy evaluation: the table in tests/vectors/policy/cases.json, the
 * AccessDenied messages and the compiled-policy cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"

#define MAX_LIST 16
#define MAX_KEYS 16

struct tcase {
	struct bw_request_ctx ctx;
	const char *resources[MAX_LIST];
	struct bw_ctx_key keys[MAX_KEYS];
	const char *vals[MAX_KEYS][MAX_LIST];
	struct bw_policy *identity[MAX_LIST], *session[MAX_LIST], *resource, *boundary;
	size_t n_identity, n_session;
};

static const char *field(const json_t *c, const json_t *d, const char *k, bool *present)
{
	json_t *v = json_object_get(c, k);
	if (!v)
		v = json_object_get(d, k);
	*present = v != NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static enum bw_principal_type ptype(const char *s)
{
	static const char *const names[] = {"Account", "User", "AssumedRole", "FederatedUser",
	                                    "Service", "WebIdentity", "Anonymous"};
	for (size_t i = 0; s && i < sizeof names / sizeof *names; i++) {
		if (strcmp(s, names[i]) == 0)
			return (enum bw_principal_type)i;
	}
	fail_msg("bad principal type %s", s ? s : "(null)");
	return BW_PRINCIPAL_USER;
}

static struct bw_policy *compile(const json_t *doc, enum bw_policy_kind kind, const char *name)
{
	char *text = json_is_string(doc) ? strdup(json_string_value(doc))
	                                 : json_dumps(doc, JSON_COMPACT);
	assert_non_null(text);
	char err[256];
	struct bw_policy *p = NULL;
	if (bw_policy_parse(text, strlen(text), kind, NULL, &p, err, sizeof err) != 0)
		fail_msg("case '%s': policy does not parse: %s\n%s", name, err, text);
	free(text);
	return p;
}

static void build(struct tcase *t, const json_t *c, const json_t *d, const char *name)
{
	memset(t, 0, sizeof *t);
	const json_t *cc = json_object_get(c, "ctx");
	bool pr;
	t->ctx.action = field(cc, d, "action", &pr);
	t->ctx.principal_arn = field(cc, d, "principal", &pr);
	t->ctx.principal_account = field(cc, d, "account", &pr);
	t->ctx.principal_type = ptype(field(cc, d, "type", &pr));
	t->ctx.role_arn = field(cc, d, "role", &pr);
	t->ctx.canonical_user = field(cc, d, "canonical", &pr);
	t->ctx.resource_account = field(cc, d, "resource_account", &pr);
	json_t *now = json_object_get(cc, "now");
	t->ctx.now_s = now ? json_number_value(now) : 0;
	json_t *res = json_object_get(cc, "resource");
	if (!res)
		res = json_object_get(d, "resource");
	if (json_is_string(res)) {
		t->resources[t->ctx.n_resources++] = json_string_value(res);
	} else {
		size_t i;
		json_t *v;
		json_array_foreach(res, i, v) t->resources[t->ctx.n_resources++] = json_string_value(v);
	}
	t->ctx.resources = t->resources;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(cc, "keys"), k, v) {
		struct bw_ctx_key *key = &t->keys[t->ctx.n_keys];
		key->key = k;
		key->values = t->vals[t->ctx.n_keys];
		if (json_is_string(v)) {
			t->vals[t->ctx.n_keys][key->n_values++] = json_string_value(v);
		} else {
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e) t->vals[t->ctx.n_keys][key->n_values++] =
				json_string_value(e);
		}
		t->ctx.n_keys++;
	}
	t->ctx.keys = t->keys;
	size_t i;
	json_array_foreach(json_object_get(c, "identity"), i, v)
		t->identity[t->n_identity++] = compile(v, BW_POLICY_IDENTITY, name);
	json_array_foreach(json_object_get(c, "session"), i, v)
		t->session[t->n_session++] = compile(v, BW_POLICY_SESSION, name);
	const char *rk = json_string_value(json_object_get(c, "resource_kind"));
	if ((v = json_object_get(c, "resource")))
		t->resource = compile(v, rk && strcmp(rk, "trust") == 0 ? BW_POLICY_TRUST
		                                                         : BW_POLICY_RESOURCE, name);
	if ((v = json_object_get(c, "boundary")))
		t->boundary = compile(v, BW_POLICY_BOUNDARY, name);
}

static void release(struct tcase *t)
{
	for (size_t i = 0; i < t->n_identity; i++)
		bw_policy_unref(t->identity[i]);
	for (size_t i = 0; i < t->n_session; i++)
		bw_policy_unref(t->session[i]);
	bw_policy_unref(t->resource);
	bw_policy_unref(t->boundary);
}

static void test_vector_table(void **state)
{
	(void)state;
	const char *root = getenv("BW_SOURCE_DIR");
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/vectors/policy/cases.json", root ? root : ".");
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	if (!doc)
		fail_msg("cannot load %s: %s", path, jerr.text);
	json_t *defaults = json_object_get(doc, "defaults"), *cases = json_object_get(doc, "cases");
	size_t n = json_array_size(cases), failed = 0;
	assert_true(n >= 150);
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(cases, i);
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *expect = json_string_value(json_object_get(c, "expect"));
		const char *source = json_string_value(json_object_get(c, "source"));
		struct tcase *t = calloc(1, sizeof *t);
		assert_non_null(t);
		build(t, c, defaults, name);
		struct bw_policy_set set = {
			.identity = (const struct bw_policy *const *)t->identity,
			.n_identity = t->n_identity,
			.resource = t->resource,
			.boundary = t->boundary,
			.session = (const struct bw_policy *const *)t->session,
			.n_session = t->n_session,
		};
		struct bw_eval_result r;
		assert_int_equal(bw_policy_evaluate(&t->ctx, &set, &r), 0);
		bool ok = strcmp(bw_decision_name(r.decision), expect) == 0;
		if (ok && source && r.decision != BW_DECISION_ALLOW)
			ok = strcmp(bw_policy_source_name(r.source), source) == 0;
		if (!ok) {
			failed++;
			printf("FAIL %s: got %s/%s, want %s/%s\n", name, bw_decision_name(r.decision),
			       bw_policy_source_name(r.source), expect, source ? source : "-");
		}
		release(t);
		free(t);
	}
	printf("policy vectors: %zu cases, %zu failed\n", n, failed);
	json_decref(doc);
	assert_int_equal(failed, 0);
}

static struct bw_policy *must(const char *json, enum bw_policy_kind kind)
{
	char err[256];
	struct bw_policy *p = NULL;
	if (bw_policy_parse(json, strlen(json), kind, NULL, &p, err, sizeof err))
		fail_msg("parse: %s", err);
	return p;
}

static void test_denial_messages(void **state)
{
	(void)state;
	const char *res[] = {"arn:aws:kms:us-east-1:111122223333:key/k"};
	struct bw_request_ctx ctx = {.action = "kms:Encrypt", .resources = res, .n_resources = 1,
	                             .principal_arn = "arn:aws:iam::111122223333:user/alice",
	                             .principal_account = "111122223333",
	                             .principal_type = BW_PRINCIPAL_USER};
	struct {
		enum bw_decision d;
		enum bw_policy_source s;
		const char *tail;
	} rows[] = {
		{BW_DECISION_IMPLICIT_DENY, BW_SOURCE_IDENTITY,
		 " because no identity-based policy allows the kms:Encrypt action"},
		{BW_DECISION_IMPLICIT_DENY, BW_SOURCE_BOUNDARY,
		 " because no permissions boundary allows the kms:Encrypt action"},
		{BW_DECISION_IMPLICIT_DENY, BW_SOURCE_SESSION,
		 " because no session policy allows the kms:Encrypt action"},
		{BW_DECISION_IMPLICIT_DENY, BW_SOURCE_RESOURCE,
		 " because no resource-based policy allows the kms:Encrypt action"},
		{BW_DECISION_EXPLICIT_DENY, BW_SOURCE_IDENTITY,
		 " with an explicit deny in an identity-based policy"},
		{BW_DECISION_EXPLICIT_DENY, BW_SOURCE_RESOURCE,
		 " with an explicit deny in a resource-based policy"},
		{BW_DECISION_EXPLICIT_DENY, BW_SOURCE_BOUNDARY,
		 " with an explicit deny in a permissions boundary"},
		{BW_DECISION_EXPLICIT_DENY, BW_SOURCE_SESSION, " with an explicit deny in a session policy"},
		{BW_DECISION_IMPLICIT_DENY, BW_SOURCE_NONE, ""},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		struct bw_buf b = {0};
		struct bw_eval_result r = {.decision = rows[i].d, .source = rows[i].s};
		assert_int_equal(bw_policy_format_denial(&ctx, &r, &b), 0);
		char want[512];
		snprintf(want, sizeof want,
		         "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
		         "kms:Encrypt on resource: arn:aws:kms:us-east-1:111122223333:key/k%s",
		         rows[i].tail);
		assert_string_equal(bw_buf_cstr(&b), want);
		bw_buf_free(&b);
	}
	/* From a real evaluation. */
	struct bw_policy *id = must("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\","
	                            "\"Action\":\"kms:*\",\"Resource\":\"*\"}}",
	                            BW_POLICY_IDENTITY);
	const struct bw_policy *ids[] = {id};
	struct bw_policy_set set = {.identity = ids, .n_identity = 1};
	struct bw_eval_result r;
	assert_int_equal(bw_policy_evaluate(&ctx, &set, &r), 0);
	assert_int_equal(r.decision, BW_DECISION_EXPLICIT_DENY);
	struct bw_buf b = {0};
	assert_int_equal(bw_policy_format_denial(&ctx, &r, &b), 0);
	assert_non_null(strstr(bw_buf_cstr(&b), "with an explicit deny in an identity-based policy"));
	bw_buf_free(&b);
	bw_policy_unref(id);
}

static const char *s_doc = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
                           "\"Action\":\"kms:*\",\"Resource\":\"*\"}}";

static void *cache_worker(void *arg)
{
	struct bw_policy_cache *c = arg;
	for (int i = 0; i < 200; i++) {
		char id[16];
		snprintf(id, sizeof id, "p%d", i % 10);
		struct bw_policy *p = NULL;
		char err[128];
		if (bw_policy_cache_get_or_compile(c, id, "v1", s_doc, strlen(s_doc),
		                                   BW_POLICY_IDENTITY, NULL, &p, err, sizeof err))
			return (void *)1;
		if (bw_policy_statement_count(p) != 1)
			return (void *)1;
		if (i % 7 == 0)
			bw_policy_cache_invalidate(c, id, NULL);
		bw_policy_unref(p);
	}
	return NULL;
}

static void test_cache(void **state)
{
	(void)state;
	struct bw_policy_cache *c = bw_policy_cache_new(4);
	assert_non_null(c);
	char err[128];
	struct bw_policy *a = NULL, *b = NULL;
	assert_null(bw_policy_cache_get(c, "pol", "v1"));
	assert_int_equal(bw_policy_cache_get_or_compile(c, "pol", "v1", s_doc, strlen(s_doc),
	                                                BW_POLICY_IDENTITY, NULL, &a, err, sizeof err),
	                 0);
	b = bw_policy_cache_get(c, "pol", "v1");
	assert_ptr_equal(a, b); /* compiled once */
	bw_policy_unref(b);
	assert_null(bw_policy_cache_get(c, "pol", "v2"));
	/* a malformed document is reported and not cached */
	assert_int_equal(bw_policy_cache_get_or_compile(c, "bad", "v1", "{", 1, BW_POLICY_IDENTITY,
	                                                NULL, &b, err, sizeof err),
	                 -1);
	assert_string_equal(err, "Syntax errors in policy.");
	assert_int_equal(bw_policy_cache_size(c), 1);
	bw_policy_cache_invalidate(c, "pol", NULL);
	assert_null(bw_policy_cache_get(c, "pol", "v1"));
	/* the invalidated policy stays usable by its holder */
	assert_int_equal(bw_policy_statement_count(a), 1);
	bw_policy_unref(a);
	/* bounded */
	for (int i = 0; i < 10; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%d", i);
		assert_int_equal(bw_policy_cache_get_or_compile(c, id, "v1", s_doc, strlen(s_doc),
		                                                BW_POLICY_IDENTITY, NULL, &a, err,
		                                                sizeof err),
		                 0);
		bw_policy_unref(a);
	}
	assert_true(bw_policy_cache_size(c) <= 4);
	bw_policy_cache_invalidate(c, "x9", "v2"); /* other version: kept */
	struct bw_policy *k = bw_policy_cache_get(c, "x9", "v1");
	assert_non_null(k);
	bw_policy_unref(k);
	/* concurrent readers, compilers and invalidators */
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, cache_worker, c), 0);
	for (int i = 0; i < 4; i++) {
		void *rv;
		pthread_join(th[i], &rv);
		assert_null(rv);
	}
	bw_policy_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_table),
		cmocka_unit_test(test_denial_messages),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
