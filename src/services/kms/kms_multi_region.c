/*
 * kms_multi_region.c: multi-Region keys — where a key document lives
 * (kms_store.h: "<key id>", or "<mrk id>/<region>" for a multi-Region key),
 * ReplicateKey, UpdatePrimaryRegion, their authorization, and the one
 * routine that keeps a set of related keys agreeing (bw_kms_mrk_sync).
 *
 * As AWS documents them ("Multi-Region keys in AWS KMS"): related keys
 * share the key id "mrk-<32 hex>", the key material, the key spec, usage,
 * origin and the automatic rotation status; everything else — key policy,
 * description, tags, aliases, grants, enabled state — is each key's own.
 * The primary is the source of the shared properties and the only key that
 * replicates or rotates; it cannot be deleted while replicas exist
 * (PendingReplicaDeletion, kms_lifecycle.c).
 *
 * The server serves every region: a replica is one more document of the
 * same account, in the region ReplicaRegion names. Its material is the
 * primary's (one set of kms/material documents under the shared key id,
 * sealed without a region), so a ciphertext of one key decrypts with any
 * related key, in the region of the Decrypt call.
 */
#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/authz.h"
#include "gateway/resource.h"
#include "services/kms/kms_authz.h"
#include "services/kms/kms_errors.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_MRK_PREFIX "mrk-"
#define S_MRK_HEX 32

/* ---- where a key document lives ------------------------------------------ */

bool bw_kms_is_mrk_id(const char *id)
{
	if (!id || strncmp(id, S_MRK_PREFIX, 4) != 0 || strlen(id) != 4 + S_MRK_HEX)
		return false;
	for (size_t i = 4; i < 4 + S_MRK_HEX; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

int bw_kms_new_mrk_id(char out[37])
{
	uint8_t r[16];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	memcpy(out, S_MRK_PREFIX, 4);
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(out + 4 + 2 * i, 3, "%02x", r[i]);
	return 0;
}

int bw_kms_key_doc_key(const char *key_id, const char *region, char out[BW_KMS_DOC_KEY_MAX])
{
	int n = bw_kms_is_mrk_id(key_id) ? snprintf(out, BW_KMS_DOC_KEY_MAX, "%s/%s", key_id, region)
	                                 : snprintf(out, BW_KMS_DOC_KEY_MAX, "%s", key_id);
	return n > 0 && n < BW_KMS_DOC_KEY_MAX ? 0 : -1;
}

void bw_kms_key_region(const json_t *key_doc, char out[72])
{
	const char *arn = bw_kms_doc_str(key_doc, "Arn");
	const char *r = strncmp(arn, "arn:aws:kms:", 12) == 0 ? arn + 12 : NULL;
	const char *colon = r ? strchr(r, ':') : NULL;
	out[0] = 0;
	if (colon && (size_t)(colon - r) < 72) {
		memcpy(out, r, (size_t)(colon - r));
		out[colon - r] = 0;
	}
}

int bw_kms_key_doc_key_of(const json_t *key_doc, char out[BW_KMS_DOC_KEY_MAX])
{
	char region[72];
	bw_kms_key_region(key_doc, region);
	return bw_kms_key_doc_key(bw_kms_doc_str(key_doc, "KeyId"), region, out);
}

int bw_kms_key_get(struct bw_store *store, const char *account, const char *region,
                   const char *key_id, json_t **key_doc)
{
	char dk[BW_KMS_DOC_KEY_MAX], have[72];
	*key_doc = NULL;
	if (bw_kms_key_doc_key(key_id, region, dk) != 0)
		return BW_STORE_NOT_FOUND;
	int rc = bw_doc_get(store, BW_KMS_KEY, account, dk, key_doc);
	if (rc != BW_STORE_OK)
		return rc;
	/* a key lives in one region: its ARN says which */
	bw_kms_key_region(*key_doc, have);
	if (strcmp(have, region) != 0) {
		json_decref(*key_doc);
		*key_doc = NULL;
		return BW_STORE_NOT_FOUND;
	}
	return BW_STORE_OK;
}

int bw_kms_key_update(struct bw_store *store, const char *account, const json_t *key_doc)
{
	char dk[BW_KMS_DOC_KEY_MAX];
	if (bw_kms_key_doc_key_of(key_doc, dk) != 0)
		return BW_STORE_ERROR;
	return bw_doc_update(store, BW_KMS_KEY, account, dk, key_doc);
}

/* ---- a set of related keys ------------------------------------------------ */

static const char *s_key_type(const json_t *doc)
{
	return json_string_value(
		json_object_get(json_object_get(doc, "MultiRegionConfiguration"), "MultiRegionKeyType"));
}

static bool s_is_primary(const json_t *doc)
{
	const char *t = s_key_type(doc);
	return t && strcmp(t, "PRIMARY") == 0;
}

/* Every key of the set of key id ([{"key","doc"}], in region order). */
static int s_related(struct bw_store *store, const char *account, const char *key_id,
                     json_t **docs)
{
	char prefix[48];
	snprintf(prefix, sizeof prefix, "%s/", key_id);
	struct bw_doc_page page = {.prefix = prefix};
	bool more = false;
	return bw_doc_list(store, BW_KMS_KEY, account, &page, docs, &more);
}

int bw_kms_mrk_primary(struct bw_store *store, const char *account, const char *key_id,
                       json_t **key_doc)
{
	json_t *docs = NULL;
	*key_doc = NULL;
	int rc = s_related(store, account, key_id, &docs);
	if (rc != BW_STORE_OK)
		return rc;
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e) {
		json_t *d = json_object_get(e, "doc");
		if (s_is_primary(d)) {
			*key_doc = json_incref(d);
			break;
		}
	}
	json_decref(docs);
	return *key_doc ? BW_STORE_OK : BW_STORE_NOT_FOUND;
}

/* The shared properties a replica takes from its primary. */
static const char *const s_shared[] = {"CurrentMaterialId", "CurrentKeyMaterialId", "Rotation"};

static int s_sync_doc(json_t *d, const json_t *primary, const json_t *replicas, double now_s,
                      bool *nudge)
{
	char region[72];
	bw_kms_key_region(primary, region);
	bool is_primary = d == primary;
	json_t *cfg = json_pack("{s:s, s:{s:s, s:s}, s:O}", "MultiRegionKeyType",
	                        is_primary ? "PRIMARY" : "REPLICA", "PrimaryKey", "Arn",
	                        bw_kms_doc_str(primary, "Arn"), "Region", region, "ReplicaKeys",
	                        replicas);
	if (!cfg || json_object_set_new(d, "MultiRegionConfiguration", cfg) != 0)
		return -1;
	for (size_t k = 0; !is_primary && k < sizeof s_shared / sizeof s_shared[0]; k++) {
		json_t *v = json_object_get(primary, s_shared[k]);
		if (!v)
			json_object_del(d, s_shared[k]);
		else if (json_object_set_new(d, s_shared[k], json_deep_copy(v)) != 0)
			return -1;
	}
	/* a primary waiting for its replicas starts its own window when the
	 * last of them is gone */
	if (is_primary && json_array_size(replicas) == 0 &&
	    strcmp(bw_kms_doc_str(d, "KeyState"), "PendingReplicaDeletion") == 0) {
		json_int_t days = json_integer_value(json_object_get(d, "PendingDeletionWindowInDays"));
		double when = floor(now_s * 1000.0) / 1000.0 + (double)days * BW_KMS_DAY_S;
		json_object_del(d, "PendingDeletionWindowInDays");
		if (json_object_set_new(d, "KeyState", json_string("PendingDeletion")) != 0 ||
		    json_object_set_new(d, "DeletionDate", json_real(when)) != 0)
			return -1;
		*nudge = true;
	}
	return 0;
}

int bw_kms_mrk_sync(struct bw_store *store, const char *account, const char *key_id,
                    double now_s)
{
	if (!bw_kms_is_mrk_id(key_id))
		return BW_STORE_OK;
	json_t *docs = NULL, *replicas = json_array();
	const json_t *primary = NULL;
	bool nudge = false;
	if (!replicas || bw_store_begin(store) != BW_STORE_OK) {
		json_decref(replicas);
		return BW_STORE_ERROR;
	}
	int rc = s_related(store, account, key_id, &docs);
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e) {
		const json_t *d = json_object_get(e, "doc");
		char region[72];
		bw_kms_key_region(d, region);
		if (s_is_primary(d) && !primary)
			primary = d;
		else if (json_array_append_new(replicas, json_pack("{s:s, s:s}", "Arn",
		                                                   bw_kms_doc_str(d, "Arn"), "Region",
		                                                   region)) != 0)
			rc = BW_STORE_ERROR;
	}
	/* no primary: nothing to take the shared properties from (cannot
	 * happen: a primary outlives its replicas) */
	json_array_foreach(primary ? docs : NULL, i, e) {
		json_t *d = json_object_get(e, "doc");
		const char *dk = json_string_value(json_object_get(e, "key"));
		if (rc == BW_STORE_OK &&
		    (s_sync_doc(d, primary, replicas, now_s, &nudge) != 0 || !dk ||
		     bw_doc_update(store, BW_KMS_KEY, account, dk, d) != BW_STORE_OK))
			rc = BW_STORE_ERROR;
	}
	json_decref(docs);
	json_decref(replicas);
	if (rc != BW_STORE_OK) {
		bw_store_rollback(store);
		return rc;
	}
	if (bw_store_commit(store) != BW_STORE_OK)
		return BW_STORE_ERROR;
	if (nudge)
		bw_kms_sweep_nudge();
	return BW_STORE_OK;
}

int bw_kms_mrk_primary_only_or_fail(struct bw_call *call, const json_t *key_doc)
{
	const char *t = s_key_type(key_doc);
	if (!t || strcmp(t, "REPLICA") != 0)
		return 0;
	return bw_fail(call, KMS_REPLICA_NOT_PRIMARY, bw_kms_doc_str(key_doc, "Arn"));
}

/* ---- regions ---------------------------------------------------------------- */

static int s_region_or_fail(struct bw_call *call, const char *r, const char *member)
{
	/* the validator held the region to RegionType's pattern and length */
	if (r)
		return 0;
	return bw_fail(call, BW_ERR_REQUIRED_MISSING, member);
}

/* A check made in another region, as AWS makes it there (aws:RequestedRegion
 * is that region's): the call's region for the length of it. */
struct s_region_swap {
	char saved[sizeof ((struct bw_call *)0)->region];
};

static void s_enter(struct bw_call *call, const char *region, struct s_region_swap *sw)
{
	memcpy(sw->saved, call->region, sizeof sw->saved);
	snprintf(call->region, sizeof call->region, "%s", region);
}

static void s_leave(struct bw_call *call, const struct s_region_swap *sw)
{
	memcpy(call->region, sw->saved, sizeof sw->saved);
}

/* ---- authorization --------------------------------------------------------- */

int bw_kms_mrk_context(struct bw_call *call, const json_t *in, json_t *extra)
{
	(void)call;
	const char *r = json_string_value(json_object_get(in, "ReplicaRegion"));
	if (r && json_object_set_new(extra, "kms:ReplicaRegion", json_string(r)) != 0)
		return -1;
	r = json_string_value(json_object_get(in, "PrimaryRegion"));
	if (r && json_object_set_new(extra, "kms:PrimaryRegion", json_string(r)) != 0)
		return -1;
	return 0;
}

/* IAM alone on resource, in region (kms:CreateKey and kms:TagResource of the
 * replica, which AWS asks of IAM policies in the replica Region). */
static int s_iam_in_region(struct bw_call *call, const json_t *in, const char *region,
                           const char *action, const char *resource)
{
	struct bw_resource res = {0};
	struct s_region_swap sw;
	if (bw_buf_append_str(&res.arn, resource) != 0) {
		bw_resource_clean_up(&res);
		return bw_kms_internal(call);
	}
	s_enter(call, region, &sw);
	int rc = bw_authz_decide(call, in, action, &res);
	s_leave(call, &sw);
	bw_resource_clean_up(&res);
	return rc;
}

/*
 * ReplicateKey, as its API reference lists the permissions:
 *   kms:ReplicateKey on the primary key (its key policy; the gateway's
 *     resource is the primary, resolved in the call's region)
 *   kms:CreateKey in an IAM policy in the replica Region
 *   kms:TagResource in an IAM policy in the replica Region, with Tags
 */
int bw_kms_authorize_replicate_key(struct bw_call *call, const json_t *in)
{
	const char *region = json_string_value(json_object_get(in, "ReplicaRegion"));
	if (s_region_or_fail(call, region, "replicaRegion") != 0 ||
	    bw_kms_authorize(call, in) != 0 ||
	    s_iam_in_region(call, in, region, "kms:CreateKey", "*") != 0)
		return -1;
	if (!json_array_size(json_object_get(in, "Tags")))
		return 0;
	const char *arn = bw_buf_cstr(&call->resource.arn);
	const char *key = strstr(arn, ":key/");
	char replica[192];
	snprintf(replica, sizeof replica, "arn:aws:kms:%s:%s%s", region, call->account_id,
	         key ? key : ":key/*");
	return s_iam_in_region(call, in, region, "kms:TagResource", replica);
}

/*
 * UpdatePrimaryRegion: kms:UpdatePrimaryRegion on the current primary key
 * (the gateway's resource) and on the replica key in PrimaryRegion, each by
 * its own key policy. A replica that does not exist is the handler's
 * NotFoundException.
 */
int bw_kms_authorize_update_primary_region(struct bw_call *call, const json_t *in)
{
	const char *region = json_string_value(json_object_get(in, "PrimaryRegion"));
	if (s_region_or_fail(call, region, "primaryRegion") != 0 || bw_kms_authorize(call, in) != 0)
		return -1;
	json_t *current = NULL, *replica = NULL;
	const char *id = json_string_value(json_object_get(in, "KeyId"));
	/* resolve quietly, as the gateway resolves the first key */
	struct bw_error saved = call->err;
	bool failed = call->failed;
	int rc = bw_kms_resolve_key_or_fail(call, id, &current);
	call->err = saved;
	call->failed = failed;
	if (rc != 0 || !bw_kms_is_mrk_id(bw_kms_doc_str(current, "KeyId"))) {
		json_decref(current);
		return 0;
	}
	rc = bw_kms_key_get(call->store, call->account_id, region,
	                    bw_kms_doc_str(current, "KeyId"), &replica);
	json_decref(current);
	if (rc == BW_STORE_NOT_FOUND)
		return 0;
	if (rc != BW_STORE_OK)
		return bw_kms_internal(call);
	struct s_region_swap sw;
	bool ok = false;
	s_enter(call, region, &sw);
	rc = bw_kms_decide(call, in, "kms:UpdatePrimaryRegion", replica, NULL, true, true, &ok);
	s_leave(call, &sw);
	json_decref(replica);
	return rc != 0 || !ok ? -1 : 0;
}

/* ---- ReplicateKey ----------------------------------------------------------- */

/* The primary key a ReplicateKey / UpdatePrimaryRegion names, or -1. */
static int s_primary_or_fail(struct bw_call *call, const json_t *in, json_t **doc)
{
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               doc) != 0)
		return -1;
	const char *arn = bw_kms_doc_str(*doc, "Arn");
	int rc = 0;
	if (!json_is_true(json_object_get(*doc, "MultiRegion")))
		rc = bw_fail(call, KMS_NOT_MULTI_REGION, arn);
	else if (!s_is_primary(*doc))
		rc = bw_fail(call, KMS_NOT_MULTI_REGION_PRIMARY, arn);
	if (rc == 0)
		return 0;
	json_decref(*doc);
	*doc = NULL;
	return -1;
}

/* Deleted or being deleted: neither replicates nor changes its primary. */
static int s_not_deleting_or_fail(struct bw_call *call, const json_t *doc)
{
	const char *state = bw_kms_doc_str(doc, "KeyState");
	if (strcmp(state, "PendingDeletion") == 0 || strcmp(state, "PendingReplicaDeletion") == 0)
		return bw_fail(call, KMS_PENDING_DELETION, bw_kms_doc_str(doc, "Arn"));
	return 0;
}

/* The replica's own document: the primary's shared properties, the
 * request's policy, description and tags. NULL with the call failed. */
static json_t *s_replica_doc(struct bw_call *call, const json_t *in, const json_t *primary,
                             const char *region, char **policy)
{
	const char *given = json_string_value(json_object_get(in, "Policy"));
	*policy = given ? strdup(given) : bw_kms_default_policy(call->account_id);
	if (!*policy) {
		bw_kms_internal(call);
		return NULL;
	}
	struct bw_kms_key_params p = {
		.account = call->account_id,
		.region = region,
		.key_id = bw_kms_doc_str(primary, "KeyId"),
		.spec = bw_kms_doc_str(primary, "KeySpec"),
		.usage = bw_kms_doc_str(primary, "KeyUsage"),
		.origin = bw_kms_doc_str(primary, "Origin"),
		.manager = "CUSTOMER",
		.description = json_string_value(json_object_get(in, "Description")),
		.policy = *policy,
		.multi_region = true,
		.now_s = call->now_s,
	};
	json_t *doc = bw_kms_key_doc_new(&p);
	const json_t *tags = json_object_get(in, "Tags");
	/* made a primary's shape; a replica it is (the sync fills in the rest) */
	if (!doc || (tags && bw_kms_merge_tags(doc, tags) != 0) ||
	    json_object_set_new(json_object_get(doc, "MultiRegionConfiguration"),
	                        "MultiRegionKeyType", json_string("REPLICA")) != 0) {
		json_decref(doc);
		bw_kms_internal(call);
		return NULL;
	}
	/* the lockout check asks the replica's policy about the caller, in the
	 * replica's region */
	if (given) {
		struct s_region_swap sw;
		s_enter(call, region, &sw);
		int rc = bw_kms_check_key_policy_or_fail(
			call, in, doc, given,
			json_is_true(json_object_get(in, "BypassPolicyLockoutSafetyCheck")));
		s_leave(call, &sw);
		if (rc != 0) {
			json_decref(doc);
			return NULL;
		}
	}
	return doc;
}

static int s_replicate_output(struct bw_call *call, json_t *out, const json_t *doc)
{
	json_t *md = json_object();
	const json_t *tags = json_object_get(doc, "Tags");
	if (!md || bw_kms_put_metadata(md, doc) != 0 ||
	    json_object_set(out, "ReplicaKeyMetadata", json_object_get(md, "KeyMetadata")) != 0 ||
	    json_object_set_new(out, "ReplicaPolicy",
	                        json_string(bw_kms_doc_str(doc, "Policy"))) != 0 ||
	    json_object_set_new(out, "ReplicaTags", tags ? json_deep_copy(tags) : json_array()) !=
	            0) {
		json_decref(md);
		return bw_kms_internal(call);
	}
	json_decref(md);
	return 0;
}

int bw_kms_replicate_key(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *region = json_string_value(json_object_get(in, "ReplicaRegion"));
	json_t *primary = NULL, *doc = NULL, *made = NULL;
	char *policy = NULL;
	char dk[BW_KMS_DOC_KEY_MAX];
	int rc = -1;
	if (s_region_or_fail(call, region, "replicaRegion") != 0 ||
	    s_primary_or_fail(call, in, &primary) != 0 || s_not_deleting_or_fail(call, primary) != 0)
		goto done;
	const char *key_id = bw_kms_doc_str(primary, "KeyId");
	char replica_arn[192];
	snprintf(replica_arn, sizeof replica_arn, "arn:aws:kms:%s:%s:key/%s", region,
	         call->account_id, key_id);
	if (strcmp(region, call->region) == 0) {
		/* the primary is the key of its set in its own region */
		bw_fail(call, KMS_KEY_EXISTS, replica_arn);
		goto done;
	}
	const json_t *tags = json_object_get(in, "Tags");
	if ((tags && bw_kms_check_tags_or_fail(call, tags) != 0) ||
	    !(doc = s_replica_doc(call, in, primary, region, &policy)))
		goto done;
	if (bw_kms_key_doc_key(key_id, region, dk) != 0 || bw_store_begin(call->store) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	int src = bw_doc_create(call->store, BW_KMS_KEY, call->account_id, dk, doc);
	if (src == BW_STORE_OK)
		src = bw_kms_mrk_sync(call->store, call->account_id, key_id, call->now_s);
	if (src == BW_STORE_OK && bw_store_commit(call->store) != BW_STORE_OK)
		src = BW_STORE_ERROR;
	else if (src != BW_STORE_OK)
		bw_store_rollback(call->store);
	if (src == BW_STORE_EXISTS) {
		bw_fail(call, KMS_KEY_EXISTS, replica_arn);
		goto done;
	}
	if (src != BW_STORE_OK ||
	    bw_kms_key_get(call->store, call->account_id, region, key_id, &made) != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	rc = s_replicate_output(call, out, made);
	if (rc == 0)
		bw_resource_created(call, replica_arn);
done:
	free(policy);
	json_decref(primary);
	json_decref(doc);
	json_decref(made);
	return rc;
}

/* ---- UpdatePrimaryRegion ------------------------------------------------------ */

/* Both keys must be Enabled when the update starts (AWS). */
static int s_enabled_or_fail(struct bw_call *call, const json_t *doc)
{
	if (s_not_deleting_or_fail(call, doc) != 0)
		return -1;
	return bw_kms_key_usable_or_fail(call, doc);
}

int bw_kms_update_primary_region(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const char *region = json_string_value(json_object_get(in, "PrimaryRegion"));
	json_t *primary = NULL, *replica = NULL;
	int rc = -1;
	if (s_region_or_fail(call, region, "primaryRegion") != 0 ||
	    s_primary_or_fail(call, in, &primary) != 0)
		goto done;
	const char *key_id = bw_kms_doc_str(primary, "KeyId");
	if (strcmp(region, call->region) == 0) {
		/* already the primary Region: nothing changes */
		rc = 0;
		goto done;
	}
	int grc = bw_kms_key_get(call->store, call->account_id, region, key_id, &replica);
	if (grc == BW_STORE_NOT_FOUND) {
		bw_fail(call, KMS_KEY_NOT_FOUND, region, call->account_id, key_id);
		goto done;
	}
	if (grc != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	if (s_enabled_or_fail(call, primary) != 0 || s_enabled_or_fail(call, replica) != 0)
		goto done;
	json_t *pc = json_object_get(primary, "MultiRegionConfiguration");
	json_t *rcfg = json_object_get(replica, "MultiRegionConfiguration");
	if (!pc || !rcfg ||
	    json_object_set_new(pc, "MultiRegionKeyType", json_string("REPLICA")) != 0 ||
	    json_object_set_new(rcfg, "MultiRegionKeyType", json_string("PRIMARY")) != 0 ||
	    bw_store_begin(call->store) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	int src = bw_kms_key_update(call->store, call->account_id, primary);
	if (src == BW_STORE_OK)
		src = bw_kms_key_update(call->store, call->account_id, replica);
	if (src == BW_STORE_OK)
		src = bw_kms_mrk_sync(call->store, call->account_id, key_id, call->now_s);
	if (src != BW_STORE_OK) {
		bw_store_rollback(call->store);
		bw_kms_internal(call);
		goto done;
	}
	if (bw_store_commit(call->store) != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(primary);
	json_decref(replica);
	return rc;
}
