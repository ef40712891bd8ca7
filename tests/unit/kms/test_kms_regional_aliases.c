/* KMS aliases per region (decision 0109), handlers called through the
 * service table on a temporary store: the document key "<region>/<name>",
 * and aliases written by earlier versions under the bare name ("alias/x",
 * their region only in AliasArn) still resolving, listing, updating,
 * deleting and going with their key — in their own region only. */
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
#include "gateway/resource.h"
#include "gateway/service_event.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "services/service.h"
#include "store/doc.h"
#include "store/events.h"
#include "store/store.h"

#define ACCT "123456789012"
#define EAST "us-east-1"
#define WEST "eu-west-1"
#define NOW  1700000000.0
#define DAY  86400.0

#include "kms_fixture.h"

static int setup(void **state)
{
	(void)state;
	return s_kms_fixture_open("kmsalias");
}

static void s_ok(const char *region, const char *op, json_t *in)
{
	json_t *out = s_run_in(region, op, in);
	if (!out)
		fail_msg("%s failed: %s %s", op, s_call.err.code, s_call.err.message);
	json_decref(out);
}

static void s_fails(const char *region, const char *op, json_t *in, const char *code)
{
	json_t *out = s_run_in(region, op, in);
	assert_null(out);
	assert_string_equal(s_call.err.code, code);
}

static const char *s_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* A new key in region; its id into id. */
static void s_key(const char *region, char id[40])
{
	json_t *out = s_run_in(region, "CreateKey", json_object());
	assert_non_null(out);
	snprintf(id, 40, "%s", s_str(json_object_get(out, "KeyMetadata"), "KeyId"));
	json_decref(out);
}

/* The key id alias names in region, into id ("" when not found). */
static void s_target(const char *region, const char *alias, char id[40])
{
	json_t *out = s_run_in(region, "DescribeKey", json_pack("{s:s}", "KeyId", alias));
	snprintf(id, 40, "%s", out ? s_str(json_object_get(out, "KeyMetadata"), "KeyId") : "");
	json_decref(out);
}

/* An alias document as versions before 0109 wrote it: keyed by its name. */
static void s_old_alias(const char *region, const char *name, const char *key_id)
{
	char arn[256];
	snprintf(arn, sizeof arn, "arn:aws:kms:%s:%s:%s", region, ACCT, name);
	json_t *a = json_pack("{s:s, s:s, s:s, s:f, s:f}", "AliasName", name, "AliasArn", arn,
	                      "TargetKeyId", key_id, "CreationDate", NOW, "LastUpdatedDate", NOW);
	assert_non_null(a);
	assert_int_equal(bw_doc_create(s_store, BW_KMS_ALIAS, ACCT, name, a), BW_STORE_OK);
	json_decref(a);
}

/* How many aliases ListAliases answers in region for key_id (NULL: all)
 * named name. */
static size_t s_listed(const char *region, const char *key_id, const char *name)
{
	json_t *in = key_id ? json_pack("{s:s}", "KeyId", key_id) : json_object();
	json_t *out = s_run_in(region, "ListAliases", in);
	assert_non_null(out);
	size_t n = 0, i;
	json_t *a;
	json_array_foreach(json_object_get(out, "Aliases"), i,
	                   a) if (strcmp(s_str(a, "AliasName"), name) == 0) n++;
	json_decref(out);
	return n;
}

static void test_doc_keys(void **state)
{
	(void)state;
	char dk[BW_KMS_ALIAS_DOC_KEY_MAX];
	assert_int_equal(bw_kms_alias_doc_key(EAST, "alias/app", dk), 0);
	assert_string_equal(dk, "us-east-1/alias/app");
	assert_int_equal(bw_kms_alias_doc_key("", "alias/app", dk), -1);
	assert_int_equal(bw_kms_alias_doc_key(EAST, "", dk), -1);
	json_t *a = json_pack("{s:s, s:s}", "AliasName", "alias/x", "AliasArn",
	                      "arn:aws:kms:eu-west-1:" ACCT ":alias/x");
	assert_int_equal(bw_kms_alias_doc_key_of(a, dk), 0);
	assert_string_equal(dk, "eu-west-1/alias/x");
	json_object_set_new(a, "AliasArn", json_string("not an arn"));
	assert_int_equal(bw_kms_alias_doc_key_of(a, dk), -1);
	json_decref(a);

	/* CreateAlias writes the regional form; the same name in two regions */
	char ke[40], kw[40], got[40];
	s_key(EAST, ke);
	s_key(WEST, kw);
	s_ok(EAST, "CreateAlias",
	     json_pack("{s:s, s:s}", "AliasName", "alias/app", "TargetKeyId", ke));
	s_ok(WEST, "CreateAlias",
	     json_pack("{s:s, s:s}", "AliasName", "alias/app", "TargetKeyId", kw));
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, "us-east-1/alias/app", &doc),
	                 BW_STORE_OK);
	assert_string_equal(s_str(doc, "TargetKeyId"), ke);
	json_decref(doc);
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, "alias/app", &doc),
	                 BW_STORE_NOT_FOUND);
	s_target(EAST, "alias/app", got);
	assert_string_equal(got, ke);
	s_target(WEST, "alias/app", got);
	assert_string_equal(got, kw);
	/* a key of the other region is no target */
	s_fails(WEST, "UpdateAlias",
	        json_pack("{s:s, s:s}", "AliasName", "alias/app", "TargetKeyId", ke),
	        "NotFoundException");
}

static void test_old_form_alias(void **state)
{
	(void)state;
	char ke[40], ke2[40], kw[40], got[40];
	s_key(EAST, ke);
	s_key(EAST, ke2);
	s_key(WEST, kw);
	s_old_alias(EAST, "alias/legacy", ke);

	/* resolves in its own region, by name and by ARN, and nowhere else */
	s_target(EAST, "alias/legacy", got);
	assert_string_equal(got, ke);
	s_target(EAST, "arn:aws:kms:us-east-1:" ACCT ":alias/legacy", got);
	assert_string_equal(got, ke);
	s_target(WEST, "alias/legacy", got);
	assert_string_equal(got, "");
	assert_string_equal(s_call.err.code, "NotFoundException");
	assert_int_equal(s_listed(EAST, NULL, "alias/legacy"), 1);
	assert_int_equal(s_listed(EAST, ke, "alias/legacy"), 1);
	assert_int_equal(s_listed(WEST, NULL, "alias/legacy"), 0);

	/* it holds its name in its region; the other region may take it */
	s_fails(EAST, "CreateAlias",
	        json_pack("{s:s, s:s}", "AliasName", "alias/legacy", "TargetKeyId", ke2),
	        "AlreadyExistsException");
	s_ok(WEST, "CreateAlias",
	     json_pack("{s:s, s:s}", "AliasName", "alias/legacy", "TargetKeyId", kw));
	s_target(WEST, "alias/legacy", got);
	assert_string_equal(got, kw);
	s_target(EAST, "alias/legacy", got);
	assert_string_equal(got, ke);

	/* UpdateAlias moves it where it is stored: no second document */
	s_ok(EAST, "UpdateAlias",
	     json_pack("{s:s, s:s}", "AliasName", "alias/legacy", "TargetKeyId", ke2));
	s_target(EAST, "alias/legacy", got);
	assert_string_equal(got, ke2);
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, "alias/legacy", &doc),
	                 BW_STORE_OK);
	assert_string_equal(s_str(doc, "TargetKeyId"), ke2);
	json_decref(doc);
	assert_int_equal(s_listed(EAST, NULL, "alias/legacy"), 1);

	/* DeleteAlias deletes the old document; the west's stays */
	s_ok(EAST, "DeleteAlias", json_pack("{s:s}", "AliasName", "alias/legacy"));
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, "alias/legacy", &doc),
	                 BW_STORE_NOT_FOUND);
	s_target(EAST, "alias/legacy", got);
	assert_string_equal(got, "");
	s_target(WEST, "alias/legacy", got);
	assert_string_equal(got, kw);
	s_fails(EAST, "DeleteAlias", json_pack("{s:s}", "AliasName", "alias/legacy"),
	        "NotFoundException");
}

static void test_old_form_goes_with_its_key(void **state)
{
	(void)state;
	char ke[40], got[40];
	s_key(EAST, ke);
	s_old_alias(EAST, "alias/doomed-old", ke);
	s_ok(EAST, "ScheduleKeyDeletion",
	     json_pack("{s:s, s:i}", "KeyId", ke, "PendingWindowInDays", 7));
	double next = 0;
	assert_true(bw_kms_sweep(s_store, &s_rk, ACCT, NOW + 7 * DAY + 1, &next) >= 1);
	json_t *doc = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, "alias/doomed-old", &doc),
	                 BW_STORE_NOT_FOUND);
	s_target(EAST, "alias/doomed-old", got);
	assert_string_equal(got, "");
}

static void test_old_aws_managed_alias(void **state)
{
	(void)state;
	/* an AWS managed key an earlier version made in the east: the east
	 * keeps using it, the west gets its own */
	json_t *east = NULL, *west = NULL, *again = NULL;
	assert_int_equal(bw_kms_aws_managed_key(s_store, &s_rk, ACCT, EAST, "sqs", &east), 0);
	char dk[BW_KMS_ALIAS_DOC_KEY_MAX];
	json_t *a = NULL;
	assert_int_equal(bw_kms_alias_doc_key(EAST, "alias/aws/sqs", dk), 0);
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, dk, &a), BW_STORE_OK);
	/* rewrite it in the old form */
	assert_int_equal(bw_doc_delete(s_store, BW_KMS_ALIAS, ACCT, dk), BW_STORE_OK);
	assert_int_equal(bw_doc_create(s_store, BW_KMS_ALIAS, ACCT, "alias/aws/sqs", a),
	                 BW_STORE_OK);
	json_decref(a);
	assert_int_equal(bw_kms_aws_managed_key(s_store, &s_rk, ACCT, EAST, "sqs", &again), 0);
	assert_string_equal(s_str(again, "KeyId"), s_str(east, "KeyId"));
	assert_int_equal(bw_kms_aws_managed_key(s_store, &s_rk, ACCT, WEST, "sqs", &west), 0);
	assert_string_not_equal(s_str(west, "KeyId"), s_str(east, "KeyId"));
	assert_int_equal(strncmp(s_str(west, "Arn"), "arn:aws:kms:eu-west-1:", 22), 0);
	char got[40];
	s_target(WEST, "alias/aws/sqs", got);
	assert_string_equal(got, s_str(west, "KeyId"));
	s_target(EAST, "alias/aws/sqs", got);
	assert_string_equal(got, s_str(east, "KeyId"));
	json_decref(east);
	json_decref(west);
	json_decref(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doc_keys),
	    cmocka_unit_test(test_old_form_alias),
	    cmocka_unit_test(test_old_form_goes_with_its_key),
	    cmocka_unit_test(test_old_aws_managed_alias),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
