/*
 * kms_fixture.h: what the KMS handler tests share — a temporary store with
 * its event log keyed, a root key, and a call through the service table as
 * the account root in a region. Include after <cmocka.h> and ../fixture.h,
 * with ACCT and NOW defined.
 */
#ifndef BW_TESTS_UNIT_KMS_FIXTURE_H
#define BW_TESTS_UNIT_KMS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/seal.h"
#include "services/service.h"
#include "store/events.h"
#include "store/store.h"

static char s_dir[64];
static struct bw_store *s_store;
static struct bw_root_key s_rk;
static struct bw_call s_call;
static double s_now = NOW;

/* A store in /tmp/bw-<name>-XXXXXX; 0 or -1 (a cmocka setup's answer). */
static int s_kms_fixture_open(const char *name)
{
	bw_log_init(stderr, BW_LOG_ERROR);
	snprintf(s_dir, sizeof s_dir, "/tmp/bw-%s-XXXXXX", name);
	if (!mkdtemp(s_dir))
		return -1;
	memset(s_rk.key, 0x42, sizeof s_rk.key);
	s_rk.loaded = true;
	if (bw_store_open(s_dir, &s_store) != 0)
		return -1;
	/* the event log needs its chain key: the sweep records what it does */
	uint8_t chain_key[BW_EVENTS_CHAIN_KEY_LEN];
	memset(chain_key, 0x24, sizeof chain_key);
	if (bw_events_set_chain_key(s_store, chain_key, sizeof chain_key) != 0)
		return -1;
	return bw_store_meta_set(s_store, "account_id", ACCT);
}

static int teardown(void **state)
{
	(void)state;
	bw_principal_clear(&s_call.principal);
	return bw_test_store_close(s_dir, s_store);
}

static void s_init_call(const char *op, const char *region)
{
	bw_principal_clear(&s_call.principal);
	memset(&s_call, 0, sizeof s_call);
	s_call.model = bw_model_find("kms");
	assert_non_null(s_call.model);
	s_call.op = bw_model_op(s_call.model, op);
	assert_non_null(s_call.op);
	s_call.store = s_store;
	s_call.root_key = &s_rk;
	s_call.now_s = s_now;
	snprintf(s_call.account_id, sizeof s_call.account_id, ACCT);
	snprintf(s_call.region, sizeof s_call.region, "%s", region);
	bw_principal_root(&s_call.principal, ACCT);
	s_call.service = bw_service_find("kms");
	assert_non_null(s_call.service);
	s_call.impl = bw_service_op(s_call.service, op);
	assert_non_null(s_call.impl);
}

/* Run op in region; the output, or NULL with s_call.err set. Takes in. */
static json_t *s_run_in(const char *region, const char *op, json_t *in)
{
	assert_non_null(in);
	s_init_call(op, region);
	json_t *out = json_object();
	int rc = s_call.impl->handler(&s_call, in, out);
	json_decref(in);
	if (rc != 0) {
		assert_true(s_call.failed);
		json_decref(out);
		return NULL;
	}
	assert_false(s_call.failed);
	return out;
}

#endif
