/*
 * kms_lifecycle.c: the key state machine — EnableKey, DisableKey,
 * ScheduleKeyDeletion, CancelKeyDeletion — and the end of it: the sweep
 * that destroys keys whose deletion window has passed, and the tick that
 * runs the sweeps (deletion here, scheduled rotation in kms_rotation.c).
 *
 *   Enabled  <-> Disabled            EnableKey / DisableKey
 *   Enabled | Disabled | PendingImport -> PendingDeletion  ScheduleKeyDeletion (7..30 days)
 *   PendingDeletion -> Disabled (PendingImport if it never had material)  CancelKeyDeletion
 *   PendingDeletion -> (gone)        the sweep, once DeletionDate has passed
 *
 * A multi-Region primary with replicas cannot go before them (AWS): its
 * ScheduleKeyDeletion makes it PendingReplicaDeletion, keeping the window
 * in PendingDeletionWindowInDays; when the last replica is destroyed it
 * becomes PendingDeletion with its DeletionDate then (bw_kms_mrk_sync).
 * CancelKeyDeletion brings it back (Disabled) meanwhile.
 *
 * The deletion date lives in the key document, so a restart loses no
 * timer: the first tick after it destroys whatever fell due meanwhile.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "gateway/service_event.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"
#include "store/store.h"

#define S_WINDOW_MIN 7
#define S_WINDOW_MAX 30
#define S_WINDOW_DEFAULT 30
#define S_SWEEP_BATCH 100
/* A new due date is never sooner than 7 days (deletion) or 90 (rotation)
 * after the call that sets it, so rescanning hourly can never miss one. */
#define S_RESCAN_S 3600.0

static const char *s_state(const json_t *doc)
{
	return bw_kms_doc_str(doc, "KeyState");
}

static int s_key_or_fail(struct bw_call *call, const json_t *in, const char *action,
                         json_t **doc)
{
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               doc) != 0)
		return -1;
	if (bw_kms_customer_managed_or_fail(call, *doc, action) == 0)
		return 0;
	json_decref(*doc);
	*doc = NULL;
	return -1;
}

static int s_set_state(struct bw_call *call, json_t *doc, const char *state)
{
	if (json_object_set_new(doc, "KeyState", json_string(state)) != 0 ||
	    json_object_set_new(doc, "Enabled", json_boolean(strcmp(state, "Enabled") == 0)) != 0)
		return bw_kms_internal(call);
	return bw_kms_save_key_or_fail(call, doc);
}

static int s_enable_disable(struct bw_call *call, const json_t *in, bool enable)
{
	json_t *doc = NULL;
	if (s_key_or_fail(call, in, enable ? "kms:EnableKey" : "kms:DisableKey", &doc) != 0)
		return -1;
	int rc = -1;
	const char *state = s_state(doc);
	if (bw_kms_key_not_pending_deletion_or_fail(call, doc) != 0)
		goto done;
	if (strcmp(state, "Enabled") != 0 && strcmp(state, "Disabled") != 0) {
		bw_kms_key_usable_or_fail(call, doc); /* pending import, unavailable */
		goto done;
	}
	rc = s_set_state(call, doc, enable ? "Enabled" : "Disabled");
	/* a key disabled past its rotation date rotates as soon as it is back */
	if (rc == 0 && enable)
		bw_kms_sweep_nudge();
done:
	json_decref(doc);
	return rc;
}

int bw_kms_enable_key(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_enable_disable(call, in, true);
}

int bw_kms_disable_key(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	return s_enable_disable(call, in, false);
}

int bw_kms_schedule_key_deletion(struct bw_call *call, const json_t *in, json_t *out)
{
	json_int_t days = S_WINDOW_DEFAULT;
	const json_t *w = json_object_get(in, "PendingWindowInDays");
	if (json_is_integer(w))
		days = json_integer_value(w);
	if (days < S_WINDOW_MIN || days > S_WINDOW_MAX)
		/* the model allows 1..365; AWS holds the window to 7..30 */
		return bw_fail(call, KMS_OUT_OF_RANGE, (long long)days, "pendingWindowInDays",
		               days < S_WINDOW_MIN ? "greater than or equal to" : "less than or equal to",
		               days < S_WINDOW_MIN ? S_WINDOW_MIN : S_WINDOW_MAX);
	json_t *doc = NULL;
	if (s_key_or_fail(call, in, "kms:ScheduleKeyDeletion", &doc) != 0)
		return -1;
	int rc = -1;
	if (bw_kms_key_not_pending_deletion_or_fail(call, doc) != 0)
		goto done;
	double when = floor(call->now_s * 1000.0) / 1000.0 + (double)days * BW_KMS_DAY_S;
	/* a primary with replicas waits for them: no date until the last goes */
	const json_t *cfg = json_object_get(doc, "MultiRegionConfiguration");
	bool wait = strcmp(bw_kms_doc_str(cfg, "MultiRegionKeyType"), "PRIMARY") == 0 &&
	            json_array_size(json_object_get(cfg, "ReplicaKeys")) > 0;
	const char *state = wait ? "PendingReplicaDeletion" : "PendingDeletion";
	if (json_object_set_new(doc, wait ? "PendingDeletionWindowInDays" : "DeletionDate",
	                        wait ? json_integer(days) : json_real(when)) != 0 ||
	    s_set_state(call, doc, state) != 0)
		goto done;
	if (json_object_set_new(out, "KeyId", json_string(bw_kms_doc_str(doc, "Arn"))) != 0 ||
	    (!wait && json_object_set_new(out, "DeletionDate", json_real(when)) != 0) ||
	    json_object_set_new(out, "KeyState", json_string(state)) != 0 ||
	    json_object_set_new(out, "PendingWindowInDays", json_integer(days)) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

int bw_kms_cancel_key_deletion(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *doc = NULL;
	if (s_key_or_fail(call, in, "kms:CancelKeyDeletion", &doc) != 0)
		return -1;
	int rc = -1;
	if (strcmp(s_state(doc), "PendingDeletion") != 0 &&
	    strcmp(s_state(doc), "PendingReplicaDeletion") != 0) {
		bw_fail(call, KMS_NOT_PENDING_DELETION, bw_kms_doc_str(doc, "Arn"));
		goto done;
	}
	/* KMS leaves a cancelled key disabled; one that never got its
	 * material goes back to waiting for it */
	const char *back = json_object_get(doc, "CurrentMaterialId") ? "Disabled" : "PendingImport";
	json_object_del(doc, "DeletionDate");
	json_object_del(doc, "PendingDeletionWindowInDays");
	if (s_set_state(call, doc, back) != 0)
		goto done;
	if (json_object_set_new(out, "KeyId", json_string(bw_kms_doc_str(doc, "Arn"))) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

/* ---- destruction -------------------------------------------------------- */

/* Delete every document of kind whose member names key_id (aliases point
 * at keys, import tokens belong to keys; neither is keyed by the key) —
 * and, when arn_member, whose ARN there is of region (the aliases and
 * grants of one key of a multi-Region set). */
static int s_delete_referring(struct bw_store *store, const char *kind, const char *account,
                              const char *member, const char *key_id, const char *arn_member,
                              const char *region)
{
	char head[96];
	int hn = snprintf(head, sizeof head, "arn:aws:kms:%s:", region ? region : "");
	char after[BW_KMS_MARKER_MAX] = "";
	for (;;) {
		json_t *docs = NULL;
		bool more = false;
		struct bw_doc_page dp = {.after = after[0] ? after : NULL, .limit = S_SWEEP_BATCH};
		if (bw_doc_list(store, kind, account, &dp, &docs, &more) != BW_STORE_OK)
			return BW_STORE_ERROR;
		size_t i;
		json_t *e;
		int rc = BW_STORE_OK;
		json_array_foreach(docs, i, e) {
			const char *key = json_string_value(json_object_get(e, "key"));
			if (!key)
				continue;
			snprintf(after, sizeof after, "%s", key);
			const json_t *d = json_object_get(e, "doc");
			bool ours = strcmp(bw_kms_doc_str(d, member), key_id) == 0;
			if (ours && arn_member)
				ours = hn > 0 && (size_t)hn < sizeof head &&
				       strncmp(bw_kms_doc_str(d, arn_member), head, (size_t)hn) == 0;
			if (ours && bw_doc_delete(store, kind, account, key) != BW_STORE_OK)
				rc = BW_STORE_ERROR;
		}
		json_decref(docs);
		if (rc != BW_STORE_OK || !more)
			return rc;
	}
}

/* A multi-Region key: its document, its region's aliases and grants; the
 * shared material only with the last key of the set, whose configuration
 * is then rewritten. */
static int s_destroy_related(struct bw_store *store, const char *account, const json_t *key_doc,
                             const char *prefix, double now_s)
{
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	char dk[BW_KMS_DOC_KEY_MAX], region[72];
	size_t left = 0;
	bw_kms_key_region(key_doc, region);
	if (bw_kms_key_doc_key(key_id, region, dk) != 0)
		return BW_STORE_ERROR;
	int rc = bw_doc_delete(store, BW_KMS_KEY, account, dk);
	if (rc == BW_STORE_OK)
		rc = bw_doc_count(store, BW_KMS_KEY, account, prefix, &left);
	if (rc == BW_STORE_OK && left == 0)
		rc = bw_doc_delete_prefix(store, BW_KMS_MATERIAL, account, prefix);
	if (rc == BW_STORE_OK)
		rc = s_delete_referring(store, BW_KMS_GRANT, account, "KeyId",
		                        bw_kms_doc_str(key_doc, "Arn"), NULL, NULL);
	if (rc == BW_STORE_OK)
		rc = s_delete_referring(store, BW_KMS_ALIAS, account, "TargetKeyId", key_id,
		                        "AliasArn", region);
	if (rc == BW_STORE_OK)
		rc = bw_kms_mrk_sync(store, account, key_id, now_s);
	return rc;
}

int bw_kms_destroy_key(struct bw_store *store, const char *account, const json_t *key_doc,
                       double now_s)
{
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s/", key_id);
	if (bw_store_begin(store) != BW_STORE_OK)
		return BW_STORE_ERROR;
	if (bw_kms_is_mrk_id(key_id)) {
		int rc = s_destroy_related(store, account, key_doc, prefix, now_s);
		if (rc == BW_STORE_OK && bw_store_commit(store) == BW_STORE_OK)
			return BW_STORE_OK;
		bw_store_rollback(store);
		return rc == BW_STORE_OK ? BW_STORE_ERROR : rc;
	}
	int rc = bw_doc_delete(store, BW_KMS_KEY, account, key_id);
	if (rc == BW_STORE_OK)
		rc = bw_doc_delete_prefix(store, BW_KMS_MATERIAL, account, prefix);
	if (rc == BW_STORE_OK)
		rc = bw_doc_delete_prefix(store, BW_KMS_GRANT, account, prefix);
	if (rc == BW_STORE_OK)
		rc = s_delete_referring(store, BW_KMS_ALIAS, account, "TargetKeyId", key_id, NULL,
		                        NULL);
	if (rc == BW_STORE_OK)
		rc = s_delete_referring(store, BW_KMS_IMPORT, account, "KeyId", key_id, NULL, NULL);
	if (rc == BW_STORE_OK && bw_store_commit(store) == BW_STORE_OK)
		return BW_STORE_OK;
	bw_store_rollback(store);
	return rc == BW_STORE_OK ? BW_STORE_ERROR : rc;
}

/* ---- the sweep and the tick -------------------------------------------- */

static double s_num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

static void s_due(double *next, double when)
{
	if (when > 0 && (*next == 0 || when < *next))
		*next = when;
}

/*
 * The trail's record of what the sweep did to a key ("DeleteKey",
 * "RotateKey" as AWS writes them: an AwsServiceEvent by "AWS Internal"),
 * put inside the change's transaction so the two commit together. The
 * region is the key ARN's.
 */
static int s_key_event(struct bw_store *store, const char *account, const json_t *doc,
                       const char *name, double now_s)
{
	const char *arn = bw_kms_doc_str(doc, "Arn");
	char region[72] = "";
	const char *r = strncmp(arn, "arn:aws:kms:", 12) == 0 ? arn + 12 : NULL;
	const char *colon = r ? strchr(r, ':') : NULL;
	if (colon && (size_t)(colon - r) < sizeof region)
		memcpy(region, r, (size_t)(colon - r));
	/* DeleteKey's record names the key in responseElements.keyId (AWS, since
	 * December 2022), though the operation returns nothing */
	json_t *response = strcmp(name, "DeleteKey") == 0 ? json_pack("{s:s}", "keyId", arn) : NULL;
	struct bw_service_event ev = {.account = account, .region = region,
	                              .source = "kms.amazonaws.com", .name = name,
	                              .resource_arn = arn, .resource_type = "AWS::KMS::Key",
	                              .response = response, .now_s = now_s};
	int rc = bw_service_event_put(store, &ev);
	json_decref(response);
	return rc;
}

/* Commit the change and its record (rc BW_STORE_OK), or roll both back;
 * the outcome. */
static int s_end(struct bw_store *store, int rc)
{
	if (rc != BW_STORE_OK) {
		bw_store_rollback(store);
		return rc;
	}
	return bw_store_commit(store) == BW_STORE_OK ? BW_STORE_OK : BW_STORE_ERROR;
}

/* One key: destroy or rotate it when due; else note when it will be. */
static int s_sweep_key(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                       const json_t *doc, double now_s, double *next)
{
	const char *id = bw_kms_doc_str(doc, "KeyId");
	const char *state = s_state(doc);
	if (strcmp(state, "PendingDeletion") == 0) {
		double when = s_num(json_object_get(doc, "DeletionDate"));
		if (when > now_s) {
			s_due(next, when);
			return 0;
		}
		if (bw_store_begin(store) != BW_STORE_OK)
			return -1;
		int rc = bw_kms_destroy_key(store, account, doc, now_s);
		if (rc == BW_STORE_OK && s_key_event(store, account, doc, "DeleteKey", now_s) != 0)
			rc = BW_STORE_ERROR;
		rc = s_end(store, rc);
		if (rc != BW_STORE_OK && rc != BW_STORE_NOT_FOUND)
			return -1;
		bw_logf(BW_LOG_INFO, "kms: key %s destroyed at the end of its deletion window", id);
		return 1;
	}
	const json_t *rot = json_object_get(doc, "Rotation");
	if (strcmp(state, "Enabled") != 0 || !json_is_true(json_object_get(rot, "Enabled")))
		return 0;
	/* a multi-Region set rotates at its primary, which shares the new
	 * material with the replicas (their Rotation is the primary's copy) */
	if (strcmp(bw_kms_doc_str(json_object_get(doc, "MultiRegionConfiguration"),
	                          "MultiRegionKeyType"),
	           "REPLICA") == 0)
		return 0;
	double when = s_num(json_object_get(rot, "NextRotationDate"));
	if (when > now_s) {
		s_due(next, when);
		return 0;
	}
	json_t *after = NULL;
	if (bw_store_begin(store) != BW_STORE_OK)
		return -1;
	int rc = bw_kms_rotate_key(store, rk, account, id, "AUTOMATIC", now_s, &after);
	if (rc == BW_STORE_OK && s_key_event(store, account, doc, "RotateKey", now_s) != 0)
		rc = BW_STORE_ERROR;
	rc = s_end(store, rc);
	if (rc == BW_STORE_OK)
		s_due(next, s_num(json_object_get(json_object_get(after, "Rotation"),
		                                  "NextRotationDate")));
	json_decref(after);
	if (rc != BW_STORE_OK && rc != BW_STORE_NOT_FOUND)
		return -1;
	bw_logf(BW_LOG_INFO, "kms: key %s rotated on schedule", id);
	return 1;
}

int bw_kms_sweep(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                 double now_s, double *next_due_s)
{
	char after[BW_KMS_MARKER_MAX] = "";
	double next = 0;
	int done = 0, failed = 0;
	for (;;) {
		json_t *docs = NULL;
		bool more = false;
		struct bw_doc_page dp = {.after = after[0] ? after : NULL, .limit = S_SWEEP_BATCH};
		if (bw_doc_list(store, BW_KMS_KEY, account, &dp, &docs, &more) != BW_STORE_OK)
			return -1;
		size_t i;
		json_t *e;
		json_array_foreach(docs, i, e) {
			const char *key = json_string_value(json_object_get(e, "key"));
			if (!key)
				continue;
			snprintf(after, sizeof after, "%s", key);
			int rc = s_sweep_key(store, rk, account, json_object_get(e, "doc"), now_s, &next);
			if (rc < 0)
				failed++;
			else
				done += rc;
		}
		json_decref(docs);
		if (!more)
			break;
	}
	if (next_due_s)
		/* a key that failed is retried on the next tick */
		*next_due_s = failed ? now_s : next;
	return failed && !done ? -1 : done;
}

static pthread_mutex_t s_tick_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const struct bw_store *store;
	double next_due_s; /* 0: nothing known to be due */
	double last_scan_s;
} s_tick;
/* set by handlers, which must never wait for a sweep */
static atomic_bool s_nudged;

void bw_kms_sweep_nudge(void)
{
	atomic_store(&s_nudged, true);
}

void bw_kms_tick(struct bw_store *store, const struct bw_root_key *rk, double now_s)
{
	if (!store)
		return;
	/* one sweep at a time; a tick that finds one running just skips */
	if (pthread_mutex_trylock(&s_tick_lock) != 0)
		return;
	bool scan = s_tick.store != store || atomic_exchange(&s_nudged, false) ||
	            (s_tick.next_due_s > 0 && now_s >= s_tick.next_due_s) ||
	            now_s - s_tick.last_scan_s >= S_RESCAN_S || now_s < s_tick.last_scan_s;
	char account[16];
	if (scan && bw_store_meta_get(store, "account_id", account, sizeof account) == 1) {
		double next = 0;
		if (bw_kms_sweep(store, rk, account, now_s, &next) < 0) {
			bw_logf(BW_LOG_ERROR, "kms: the key sweep failed; retrying in a minute");
			next = now_s + 60;
		} else if (next > 0 && next <= now_s) {
			next = now_s + 1; /* a key failed: retry, but not in a tight loop */
		}
		s_tick.store = store;
		s_tick.next_due_s = next;
		s_tick.last_scan_s = now_s;
	}
	pthread_mutex_unlock(&s_tick_lock);
}
