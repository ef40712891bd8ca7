/* KMS multi-Region keys, handlers called through the service table on a
 * temporary store: where a key document lives (bw_kms_key_doc_key,
 * bw_kms_key_get), the deletion sweep's order (a replica goes on its own
 * window, its primary then starts its own; the shared material goes with the
 * last key; each region's aliases with its key) and rotation shared from the
 * primary (only it rotates; the replicas take its new material). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include <math.h>
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
#define NOW 1700000000.0
#define DAY 86400.0

#include "kms_fixture.h"

static int setup(void **state)
{
	(void)state;
	return s_kms_fixture_open("kmsmrk");
}

static json_t *s_run(const char *op, json_t *in)
{
	return s_run_in("us-east-1", op, in);
}

static const char *s_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Create a key; its KeyMetadata (caller frees). */
static json_t *s_create(json_t *in)
{
	json_t *out = s_run("CreateKey", in);
	if (!out)
		fail_msg("CreateKey failed: %s %s", s_call.err.code, s_call.err.message);
	json_t *md = json_incref(json_object_get(out, "KeyMetadata"));
	json_decref(out);
	assert_non_null(md);
	return md;
}


static size_t s_count(const char *kind, const char *prefix)
{
	size_t n = 0;
	assert_int_equal(bw_doc_count(s_store, kind, ACCT, prefix, &n), BW_STORE_OK);
	return n;
}

static size_t s_materials(const char *key_id)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s/", key_id);
	return s_count(BW_KMS_MATERIAL, prefix);
}

static json_t *s_describe_in(const char *region, const char *id)
{
	json_t *out = s_run_in(region, "DescribeKey", json_pack("{s:s}", "KeyId", id));
	if (!out)
		return NULL;
	json_t *md = json_incref(json_object_get(out, "KeyMetadata"));
	json_decref(out);
	return md;
}

static void s_ok_in(const char *region, const char *op, json_t *in)
{
	json_t *out = s_run_in(region, op, in);
	if (!out)
		fail_msg("%s failed: %s %s", op, s_call.err.code, s_call.err.message);
	json_decref(out);
}

/* A primary in us-east-1 replicated to eu-west-1; its key id into id. */
static void s_pair(json_t *create_in, char id[40])
{
	json_object_set_new(create_in, "MultiRegion", json_true());
	json_t *md = s_create(create_in);
	snprintf(id, 40, "%s", s_str(md, "KeyId"));
	json_decref(md);
	s_ok_in("us-east-1", "ReplicateKey",
	        json_pack("{s:s, s:s}", "KeyId", id, "ReplicaRegion", "eu-west-1"));
}

static void test_doc_keys(void **state)
{
	(void)state;
	assert_true(bw_kms_is_mrk_id("mrk-0123456789abcdef0123456789abcdef"));
	assert_false(bw_kms_is_mrk_id("mrk-0123456789ABCDEF0123456789abcdef"));
	assert_false(bw_kms_is_mrk_id("mrk-0123456789abcdef0123456789abcde"));
	assert_false(bw_kms_is_mrk_id("mrk-0123456789abcdef0123456789abcdef0"));
	assert_false(bw_kms_is_mrk_id("MRK-0123456789abcdef0123456789abcdef"));
	assert_false(bw_kms_is_mrk_id("1234abcd-12ab-34cd-56ef-1234567890ab"));
	assert_false(bw_kms_is_mrk_id(NULL));
	char dk[BW_KMS_DOC_KEY_MAX];
	assert_int_equal(bw_kms_key_doc_key("mrk-0123456789abcdef0123456789abcdef", "eu-west-1", dk),
	                 0);
	assert_string_equal(dk, "mrk-0123456789abcdef0123456789abcdef/eu-west-1");
	/* a single-Region key keeps its id as its document key */
	assert_int_equal(bw_kms_key_doc_key("1234abcd-12ab-34cd-56ef-1234567890ab", "eu-west-1", dk),
	                 0);
	assert_string_equal(dk, "1234abcd-12ab-34cd-56ef-1234567890ab");
	char id[40];
	s_pair(json_object(), id);
	json_t *doc = NULL;
	assert_int_equal(bw_kms_key_get(s_store, ACCT, "eu-west-1", id, &doc), BW_STORE_OK);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(doc, "MultiRegionConfiguration"), "MultiRegionKeyType")),
	                    "REPLICA");
	json_decref(doc);
	assert_int_equal(bw_kms_key_get(s_store, ACCT, "ap-south-1", id, &doc), BW_STORE_NOT_FOUND);
	assert_null(doc);
	/* a single-Region key is not found by id in another region */
	json_t *md = s_create(json_object());
	assert_int_equal(bw_kms_key_get(s_store, ACCT, "eu-west-1", s_str(md, "KeyId"), &doc),
	                 BW_STORE_NOT_FOUND);
	assert_int_equal(bw_kms_key_get(s_store, ACCT, "us-east-1", s_str(md, "KeyId"), &doc),
	                 BW_STORE_OK);
	json_decref(doc);
	json_decref(md);
	/* one material for the pair */
	assert_int_equal(s_materials(id), 1);
}

static void test_deletion_order(void **state)
{
	(void)state;
	s_now = NOW;
	char id[40];
	s_pair(json_object(), id);
	s_ok_in("us-east-1", "CreateAlias",
	        json_pack("{s:s, s:s}", "AliasName", "alias/mrk-east", "TargetKeyId", id));
	s_ok_in("eu-west-1", "CreateAlias",
	        json_pack("{s:s, s:s}", "AliasName", "alias/mrk-west", "TargetKeyId", id));
	s_ok_in("us-east-1", "ScheduleKeyDeletion",
	        json_pack("{s:s, s:i}", "KeyId", id, "PendingWindowInDays", 7));
	s_ok_in("eu-west-1", "ScheduleKeyDeletion",
	        json_pack("{s:s, s:i}", "KeyId", id, "PendingWindowInDays", 10));
	json_t *p = s_describe_in("us-east-1", id);
	assert_string_equal(s_str(p, "KeyState"), "PendingReplicaDeletion");
	assert_null(json_object_get(p, "DeletionDate"));
	json_decref(p);
	double next = 0;
	/* the primary's 7 days do not run yet: nothing is due before the replica */
	assert_int_equal(bw_kms_sweep(s_store, &s_rk, ACCT, NOW + 8 * DAY, &next), 0);
	assert_true(next == NOW + 10 * DAY);
	/* the replica goes; the primary's window starts then */
	assert_int_equal(bw_kms_sweep(s_store, &s_rk, ACCT, NOW + 10 * DAY + 1, &next), 1);
	assert_null(s_describe_in("eu-west-1", id));
	assert_string_equal(s_call.err.code, "NotFoundException");
	p = s_describe_in("us-east-1", id);
	assert_non_null(p);
	assert_string_equal(s_str(p, "KeyState"), "PendingDeletion");
	assert_true(json_number_value(json_object_get(p, "DeletionDate")) ==
	            floor((NOW + 10 * DAY + 1) * 1000.0) / 1000.0 + 7 * DAY);
	assert_null(json_object_get(p, "PendingDeletionWindowInDays"));
	assert_int_equal(json_array_size(json_object_get(
	                     json_object_get(p, "MultiRegionConfiguration"), "ReplicaKeys")),
	                 0);
	json_decref(p);
	/* the shared material stays with the primary; the west's alias went */
	assert_int_equal(s_materials(id), 1);
	json_t *a = NULL;
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, "eu-west-1/alias/mrk-west", &a),
	                 BW_STORE_NOT_FOUND);
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, "us-east-1/alias/mrk-east", &a),
	                 BW_STORE_OK);
	json_decref(a);
	/* then the primary, the material and the east's alias */
	assert_int_equal(bw_kms_sweep(s_store, &s_rk, ACCT, NOW + 17 * DAY + 2, &next), 1);
	assert_null(s_describe_in("us-east-1", id));
	assert_int_equal(s_materials(id), 0);
	assert_int_equal(bw_doc_get(s_store, BW_KMS_ALIAS, ACCT, "us-east-1/alias/mrk-east", &a),
	                 BW_STORE_NOT_FOUND);
}

static void test_rotation_shared(void **state)
{
	(void)state;
	s_now = NOW;
	char id[40];
	s_pair(json_object(), id);
	s_ok_in("us-east-1", "EnableKeyRotation",
	        json_pack("{s:s, s:i}", "KeyId", id, "RotationPeriodInDays", 90));
	/* the replica shows the primary's rotation, and cannot change it */
	json_t *out = s_run_in("eu-west-1", "GetKeyRotationStatus", json_pack("{s:s}", "KeyId", id));
	assert_non_null(out);
	assert_true(json_is_true(json_object_get(out, "KeyRotationEnabled")));
	json_decref(out);
	assert_null(s_run_in("eu-west-1", "DisableKeyRotation", json_pack("{s:s}", "KeyId", id)));
	assert_string_equal(s_call.err.code, "UnsupportedOperationException");
	/* the sweep rotates the set once, at the primary */
	double next = 0;
	int n = bw_kms_sweep(s_store, &s_rk, ACCT, NOW + 91 * DAY, &next);
	assert_true(n >= 1);
	assert_int_equal(s_materials(id), 2);
	json_t *p = NULL, *r = NULL;
	assert_int_equal(bw_kms_key_get(s_store, ACCT, "us-east-1", id, &p), BW_STORE_OK);
	assert_int_equal(bw_kms_key_get(s_store, ACCT, "eu-west-1", id, &r), BW_STORE_OK);
	assert_string_equal(s_str(p, "CurrentMaterialId"), s_str(r, "CurrentMaterialId"));
	assert_string_equal(s_str(p, "CurrentKeyMaterialId"), s_str(r, "CurrentKeyMaterialId"));
	json_decref(p);
	json_decref(r);
	/* on demand: at the primary only */
	assert_null(s_run_in("eu-west-1", "RotateKeyOnDemand", json_pack("{s:s}", "KeyId", id)));
	assert_string_equal(s_call.err.code, "UnsupportedOperationException");
	s_ok_in("us-east-1", "RotateKeyOnDemand", json_pack("{s:s}", "KeyId", id));
	assert_int_equal(s_materials(id), 3);
	assert_int_equal(bw_kms_key_get(s_store, ACCT, "us-east-1", id, &p), BW_STORE_OK);
	assert_int_equal(bw_kms_key_get(s_store, ACCT, "eu-west-1", id, &r), BW_STORE_OK);
	assert_string_equal(s_str(p, "CurrentMaterialId"), s_str(r, "CurrentMaterialId"));
	json_decref(p);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_keys),
		cmocka_unit_test(test_deletion_order),
		cmocka_unit_test(test_rotation_shared),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
