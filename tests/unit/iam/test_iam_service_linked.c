/* IAM service-linked roles and service-specific credentials, below the
 * API: the table of known services against the AWS managed policies it
 * attaches, the Argon2id hash of service secrets, the store holding only
 * that hash, and the condition keys of the rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/seal.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "services/service.h"
#include "store/doc.h"
#include "store/store.h"

#define ACCT "123456789012"

static char s_dir[64];
static struct bw_store *s_store;
static struct bw_root_key s_root_key;
static struct bw_call s_call;

static int setup(void **state)
{
	(void)state;
	memset(s_root_key.key, 0x42, sizeof s_root_key.key);
	s_root_key.loaded = true;
	return bw_test_store_open(s_dir, sizeof s_dir, "iamslr", &s_store);
}

static int teardown(void **state)
{
	(void)state;
	bw_principal_clear(&s_call.principal);
	return bw_test_store_close(s_dir, s_store);
}

static json_t *s_run(const char *op, json_t *in)
{
	bw_principal_clear(&s_call.principal);
	memset(&s_call, 0, sizeof s_call);
	s_call.model = bw_model_find("iam");
	s_call.op = bw_model_op(s_call.model, op);
	assert_non_null(s_call.op);
	s_call.store = s_store;
	s_call.root_key = &s_root_key;
	s_call.now_s = 1700000000.0;
	snprintf(s_call.account_id, sizeof s_call.account_id, ACCT);
	snprintf(s_call.region, sizeof s_call.region, "us-east-1");
	bw_principal_root(&s_call.principal, ACCT);
	const struct bw_op_impl *impl = bw_service_op(bw_service_find("iam"), op);
	assert_non_null(impl);
	json_t *out = json_object();
	int rc = impl->handler(&s_call, in, out);
	json_decref(in);
	if (rc != 0) {
		assert_true(s_call.failed);
		json_decref(out);
		return NULL;
	}
	return out;
}

/* Every known service's policy is a built-in under /aws-service-role/;
 * role names fit IAM's 64 characters; principals are unique. */
static void test_services_table(void **state)
{
	(void)state;
	assert_true(bw_iam_linked_service_count() > 10);
	for (size_t i = 0; i < bw_iam_linked_service_count(); i++) {
		const struct bw_iam_linked_service *s = bw_iam_linked_service_at(i);
		char arn[256];
		assert_true(strlen(s->role_name) <= 64);
		assert_ptr_equal(bw_iam_linked_service_find(s->principal), s);
		if (i > 0)
			assert_true(
			    strcmp(bw_iam_linked_service_at(i - 1)->principal, s->principal) < 0);
		if (!s->policy)
			continue;
		snprintf(arn, sizeof arn, "arn:aws:iam::aws:policy/aws-service-role/%s", s->policy);
		const struct bw_iam_aws_policy *p = bw_iamp_aws_find(arn);
		if (!p)
			fail_msg("%s: no AWS managed policy %s", s->principal, arn);
		assert_string_equal(p->path, "/aws-service-role/");
	}
	/* case-sensitive, as AWS's service principals are */
	assert_null(bw_iam_linked_service_find("Config.amazonaws.com"));
	assert_null(bw_iam_linked_service_find(NULL));
	/* the built-ins stay sorted by name: ListPolicies pages by name */
	for (size_t i = 1; i < bw_iamp_aws_count(); i++)
		assert_true(strcmp(bw_iamp_aws_at(i - 1)->name, bw_iamp_aws_at(i)->name) < 0);
}

static void test_secret_hash(void **state)
{
	(void)state;
	char a[160], b[160];
	assert_int_equal(bw_iam_secret_hash("s3cret-value", a, sizeof a), 0);
	assert_int_equal(bw_iam_secret_hash("s3cret-value", b, sizeof b), 0);
	assert_non_null(strstr(a, "$argon2id$"));
	assert_null(strstr(a, "s3cret"));
	assert_string_not_equal(a, b); /* salted */
	assert_int_equal(bw_iam_secret_verify(a, "s3cret-value"), 1);
	assert_int_equal(bw_iam_secret_verify(b, "s3cret-value"), 1);
	assert_int_equal(bw_iam_secret_verify(a, "s3cret-valuE"), 0);
	assert_int_equal(bw_iam_secret_verify(a, ""), 0);
	assert_int_equal(bw_iam_secret_verify("s3cret-value", "s3cret-value"), -1);
	assert_int_equal(bw_iam_secret_verify("$argon2id$garbage", "x"), -1);
	assert_int_equal(bw_iam_secret_verify(NULL, "x"), -1);
	/* too small a buffer fails, never truncates */
	assert_int_equal(bw_iam_secret_hash("x", a, 16), -1);
}

/* The store holds the hash of what Create and Reset return, never the
 * secret itself. */
static void test_store_keeps_only_the_hash(void **state)
{
	(void)state;
	json_t *out = s_run("CreateUser", json_pack("{s:s}", "UserName", "git"));
	assert_non_null(out);
	const char *uid =
	    json_string_value(json_object_get(json_object_get(out, "User"), "UserId"));
	char key[128];
	snprintf(key, sizeof key, "%s/", uid);
	json_decref(out);
	for (int round = 0; round < 2; round++) {
		out = round == 0 ? s_run("CreateServiceSpecificCredential",
		                         json_pack("{s:s,s:s}", "UserName", "git", "ServiceName",
		                                   "codecommit.amazonaws.com"))
		                 : NULL;
		static char id[32];
		if (round == 1) {
			out = s_run("ResetServiceSpecificCredential",
			            json_pack("{s:s,s:s}", "UserName", "GIT",
			                      "ServiceSpecificCredentialId", id));
		}
		if (!out)
			fail_msg("%s %s", s_call.err.code, s_call.err.message);
		json_t *c = json_object_get(out, "ServiceSpecificCredential");
		const char *pw = json_string_value(json_object_get(c, "ServicePassword"));
		assert_non_null(pw);
		snprintf(id, sizeof id, "%s",
		         json_string_value(json_object_get(c, "ServiceSpecificCredentialId")));
		char full[192];
		snprintf(full, sizeof full, "%s%s", key, id);
		json_t *doc = NULL;
		assert_int_equal(bw_doc_get(s_store, BW_IAM_SERVICE_CREDENTIAL, ACCT, full, &doc),
		                 BW_STORE_OK);
		char *text = json_dumps(doc, 0);
		assert_null(strstr(text, pw));
		assert_int_equal(bw_iam_secret_verify(
		                     json_string_value(json_object_get(doc, "PasswordHash")), pw),
		                 1);
		free(text);
		json_decref(doc);
		json_decref(out);
	}
}

static void test_context_keys(void **state)
{
	(void)state;
	json_t *extra = json_object();
	json_t *in = json_pack("{s:s}", "AWSServiceName", "config.amazonaws.com");
	assert_int_equal(bw_iam_slr_keys(&s_call, in, extra), 0);
	assert_string_equal(json_string_value(json_object_get(extra, "iam:AWSServiceName")),
	                    "config.amazonaws.com");
	json_decref(in);
	in = json_pack("{s:s,s:s,s:i}", "UserName", "u", "ServiceName", "bedrock.amazonaws.com",
	               "CredentialAgeDays", 30);
	assert_int_equal(bw_iam_service_cred_keys(&s_call, in, extra), 0);
	assert_string_equal(
	    json_string_value(json_object_get(extra, "iam:ServiceSpecificCredentialServiceName")),
	    "bedrock.amazonaws.com");
	assert_string_equal(
	    json_string_value(json_object_get(extra, "iam:ServiceSpecificCredentialAgeDays")),
	    "30");
	json_decref(in);
	json_decref(extra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_services_table),
	    cmocka_unit_test(test_secret_hash),
	    cmocka_unit_test_setup_teardown(test_store_keeps_only_the_hash, setup, teardown),
	    cmocka_unit_test(test_context_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
