/*
 * kms_rotation.c: key material rotation — EnableKeyRotation (every 90..2560
 * days, 365 by default), DisableKeyRotation, GetKeyRotationStatus,
 * RotateKeyOnDemand (at most 10 a key), ListKeyRotations — and the rotation
 * a sweep does when a key's NextRotationDate has come (kms_lifecycle.c).
 *
 * Rotation adds material and makes it current; it never removes any: the
 * key's Encrypt uses CurrentMaterialId and Decrypt finds the material a
 * ciphertext names, so everything encrypted before keeps decrypting. Only
 * symmetric keys rotate (as in AWS: asymmetric and HMAC keys do not), and
 * symmetric keys with imported material (Origin EXTERNAL) only on demand:
 * RotateKeyOnDemand makes the material imported for it (ImportType
 * NEW_KEY_MATERIAL, PENDING_ROTATION: kms_import.c) current, and
 * ListKeyRotations shows each material's import state beside.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/kms/kms_errors.h"
#include "services/kms/kms_import.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_PERIOD_MIN 90
#define S_PERIOD_MAX 2560
#define S_PERIOD_DEFAULT 365

static bool s_rotatable(const json_t *doc)
{
	return strcmp(bw_kms_doc_str(doc, "KeySpec"), "SYMMETRIC_DEFAULT") == 0 &&
	       strcmp(bw_kms_doc_str(doc, "Origin"), "AWS_KMS") == 0;
}

static double s_ms(double t)
{
	return floor(t * 1000.0) / 1000.0;
}

int bw_kms_rotate_key(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                      const char *key_id, const char *rotation_type, double now_s,
                      json_t **key_doc)
{
	json_t *doc = NULL, *material = NULL;
	char mkey[128];
	if (key_doc)
		*key_doc = NULL;
	if (bw_store_begin(store) != BW_STORE_OK)
		return BW_STORE_ERROR;
	/* a multi-Region key rotates at its primary, for its whole set */
	int rc = bw_kms_is_mrk_id(key_id) ? bw_kms_mrk_primary(store, account, key_id, &doc)
	                                  : bw_doc_get(store, BW_KMS_KEY, account, key_id, &doc);
	if (rc != BW_STORE_OK)
		goto error;
	rc = BW_STORE_ERROR;
	if (!s_rotatable(doc) ||
	    bw_kms_material_new(rk, account, key_id, "SYMMETRIC_DEFAULT", &material) != 0 ||
	    json_object_set_new(material, "RotationType", json_string(rotation_type)) != 0 ||
	    json_object_set_new(material, "CreateDate", json_real(s_ms(now_s))) != 0 ||
	    bw_kms_attach_material(doc, material) != 0)
		goto error;
	json_t *rot = json_object_get(doc, "Rotation");
	if (strcmp(rotation_type, "AUTOMATIC") == 0 && json_is_true(json_object_get(rot, "Enabled"))) {
		json_int_t days = json_integer_value(json_object_get(rot, "PeriodInDays"));
		if (days <= 0)
			days = S_PERIOD_DEFAULT;
		if (json_object_set_new(rot, "NextRotationDate",
		                        json_real(s_ms(now_s) + (double)days * BW_KMS_DAY_S)) != 0)
			goto error;
	}
	snprintf(mkey, sizeof mkey, "%s/%s", key_id, bw_kms_doc_str(material, "MaterialId"));
	if (bw_doc_create(store, BW_KMS_MATERIAL, account, mkey, material) != BW_STORE_OK ||
	    bw_kms_key_update(store, account, doc) != BW_STORE_OK ||
	    bw_kms_mrk_sync(store, account, key_id, now_s) != BW_STORE_OK ||
	    bw_store_commit(store) != BW_STORE_OK)
		goto error;
	json_decref(material);
	if (key_doc)
		*key_doc = doc;
	else
		json_decref(doc);
	return BW_STORE_OK;
error:
	bw_store_rollback(store);
	json_decref(doc);
	json_decref(material);
	return rc;
}

static bool s_imported_symmetric(const json_t *doc)
{
	return strcmp(bw_kms_doc_str(doc, "KeySpec"), "SYMMETRIC_DEFAULT") == 0 &&
	       strcmp(bw_kms_doc_str(doc, "Origin"), "EXTERNAL") == 0;
}

/* AWS's answers for keys that do not rotate (the key state table).
 * on_demand: RotateKeyOnDemand and ListKeyRotations, which symmetric keys
 * with imported material take too. */
static int s_rotation_supported_or_fail(struct bw_call *call, const json_t *doc, bool on_demand)
{
	const char *arn = bw_kms_doc_str(doc, "Arn");
	if (on_demand && s_imported_symmetric(doc))
		return 0;
	if (strcmp(bw_kms_doc_str(doc, "Origin"), "AWS_KMS") != 0)
		return bw_fail(call, KMS_ORIGIN_INVALID, arn, bw_kms_doc_str(doc, "Origin"));
	if (!s_rotatable(doc))
		return bw_fail(call, KMS_ROTATION_UNSUPPORTED, arn, bw_kms_doc_str(doc, "KeySpec"));
	return 0;
}

/* The key a rotation operation names; keys that do not rotate refused.
 * change: also refuse AWS managed keys, and disabled keys or keys pending
 * deletion (DisabledException / KMSInvalidStateException). */
static int s_key_or_fail(struct bw_call *call, const json_t *in, const char *action,
                         bool change, json_t **doc)
{
	bool on_demand = strcmp(action, "kms:RotateKeyOnDemand") == 0 ||
	                 strcmp(action, "kms:ListKeyRotations") == 0;
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               doc) != 0)
		return -1;
	int rc = 0;
	if (s_rotation_supported_or_fail(call, *doc, on_demand) != 0)
		rc = -1;
	else if (change && bw_kms_customer_managed_or_fail(call, *doc, action) != 0)
		rc = -1;
	else if (change && bw_kms_mrk_primary_only_or_fail(call, *doc) != 0)
		rc = -1;
	else if (change && bw_kms_key_usable_or_fail(call, *doc) != 0)
		rc = -1;
	if (rc == 0)
		return 0;
	json_decref(*doc);
	*doc = NULL;
	return -1;
}

int bw_kms_enable_key_rotation(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	json_int_t days = S_PERIOD_DEFAULT;
	const json_t *p = json_object_get(in, "RotationPeriodInDays");
	if (json_is_integer(p))
		days = json_integer_value(p);
	/* RotationPeriodInDaysType's 90..2560 is the validator's */
	json_t *doc = NULL;
	if (s_key_or_fail(call, in, "kms:EnableKeyRotation", true, &doc) != 0)
		return -1;
	json_t *rot = json_object_get(doc, "Rotation");
	double next = s_ms(call->now_s) + (double)days * BW_KMS_DAY_S;
	if (json_is_true(json_object_get(rot, "Enabled"))) {
		/* a new period counts from the same start as the old one did */
		json_int_t old = json_integer_value(json_object_get(rot, "PeriodInDays"));
		double was = json_number_value(json_object_get(rot, "NextRotationDate"));
		double start = was - (double)old * BW_KMS_DAY_S;
		next = start + (double)days * BW_KMS_DAY_S;
		if (next < call->now_s)
			next = s_ms(call->now_s);
	}
	json_t *nrot = json_pack("{s:b, s:I, s:f}", "Enabled", 1, "PeriodInDays", days,
	                         "NextRotationDate", next);
	int rc = -1;
	if (!nrot || json_object_set_new(doc, "Rotation", nrot) != 0)
		rc = bw_kms_internal(call);
	else
		rc = bw_kms_save_key_or_fail(call, doc);
	if (rc == 0)
		bw_kms_sweep_nudge();
	json_decref(doc);
	return rc;
}

int bw_kms_disable_key_rotation(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	json_t *doc = NULL;
	if (s_key_or_fail(call, in, "kms:DisableKeyRotation", true, &doc) != 0)
		return -1;
	json_t *rot = json_pack("{s:b}", "Enabled", 0);
	int rc = !rot || json_object_set_new(doc, "Rotation", rot) != 0
		? bw_kms_internal(call)
		: bw_kms_save_key_or_fail(call, doc);
	json_decref(doc);
	return rc;
}

int bw_kms_get_key_rotation_status(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *doc = NULL;
	if (s_key_or_fail(call, in, "kms:GetKeyRotationStatus", false, &doc) != 0)
		return -1;
	int rc = 0;
	const json_t *rot = json_object_get(doc, "Rotation");
	bool on = json_is_true(json_object_get(rot, "Enabled"));
	if (json_object_set_new(out, "KeyRotationEnabled", json_boolean(on)) != 0 ||
	           json_object_set_new(out, "KeyId", json_string(bw_kms_doc_str(doc, "Arn"))) != 0 ||
	           (on && json_object_set(out, "RotationPeriodInDays",
	                                  json_object_get(rot, "PeriodInDays")) != 0) ||
	           (on && json_object_set(out, "NextRotationDate",
	                                  json_object_get(rot, "NextRotationDate")) != 0)) {
		rc = bw_kms_internal(call);
	}
	json_decref(doc);
	return rc;
}

/* Every material of a key, oldest first. */
static int s_materials(struct bw_call *call, const char *key_id, json_t **out)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s/", key_id);
	struct bw_doc_page dp = {.prefix = prefix};
	json_t *docs = NULL;
	bool more = false;
	if (bw_doc_list(call->store, BW_KMS_MATERIAL, call->account_id, &dp, &docs, &more) !=
	    BW_STORE_OK)
		return bw_kms_internal(call);
	/* few per key: an insertion sort by CreateDate keeps this simple */
	size_t n = json_array_size(docs);
	json_t *sorted = json_array();
	for (size_t i = 0; sorted && i < n; i++) {
		json_t *m = json_object_get(json_array_get(docs, i), "doc");
		double t = json_number_value(json_object_get(m, "CreateDate"));
		size_t at = json_array_size(sorted);
		while (at > 0 &&
		       json_number_value(json_object_get(json_array_get(sorted, at - 1),
		                                         "CreateDate")) > t)
			at--;
		if (json_array_insert(sorted, at, m) != 0) {
			json_decref(sorted);
			sorted = NULL;
		}
	}
	json_decref(docs);
	if (!sorted)
		return bw_kms_internal(call);
	*out = sorted;
	return 0;
}

/*
 * On-demand rotation of a symmetric key with imported material: its
 * material PENDING_ROTATION becomes current and permanently associated.
 * AWS: "you must have already imported new key material and that key
 * material's state should be PENDING_ROTATION". Read and written in one
 * transaction, so two rotations cannot both take the same material.
 */
static int s_rotate_imported_or_fail(struct bw_call *call, const char *key_id)
{
	json_t *doc = NULL, *mats = NULL, *pending = NULL;
	char path[128], mid[BW_KMS_MATERIAL_ID_LEN + 1], public[BW_KMS_KEY_MATERIAL_ID_MAX + 1];
	int rc = -1;
	if (bw_store_begin(call->store) != BW_STORE_OK)
		return bw_kms_internal(call);
	if (bw_doc_get(call->store, BW_KMS_KEY, call->account_id, key_id, &doc) != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	if (bw_kms_imported_materials(call, key_id, &mats) != 0)
		goto done;
	size_t i;
	json_t *m;
	json_array_foreach(mats, i, m) {
		if (bw_kms_material_pending_rotation(m))
			pending = m;
	}
	if (!pending || !json_object_get(pending, "Sealed")) {
		bw_fail(call, KMS_NO_MATERIAL_PENDING_ROTATION, bw_kms_doc_str(doc, "Arn"));
		goto done;
	}
	snprintf(mid, sizeof mid, "%s", bw_kms_doc_str(pending, "MaterialId"));
	snprintf(public, sizeof public, "%s", bw_kms_material_public_id(pending));
	snprintf(path, sizeof path, "%s/%s", key_id, mid);
	json_object_del(pending, "PendingRotation");
	if (json_object_set_new(pending, "RotationType", json_string("ON_DEMAND")) != 0 ||
	    json_object_set_new(pending, "CreateDate", json_real(s_ms(call->now_s))) != 0 ||
	    json_object_set_new(doc, "CurrentKeyMaterialId", json_string(public)) != 0 ||
	    bw_kms_imported_key_refresh(doc, mats) != 0 ||
	    bw_doc_update(call->store, BW_KMS_MATERIAL, call->account_id, path, pending) !=
	        BW_STORE_OK ||
	    bw_doc_update(call->store, BW_KMS_KEY, call->account_id, key_id, doc) != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	rc = 0;
	if (bw_store_commit(call->store) != BW_STORE_OK)
		rc = bw_kms_internal(call);
done:
	if (rc != 0)
		bw_store_rollback(call->store);
	json_decref(doc);
	json_decref(mats);
	return rc;
}

int bw_kms_rotate_key_on_demand(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *doc = NULL, *mats = NULL, *after = NULL;
	if (s_key_or_fail(call, in, "kms:RotateKeyOnDemand", true, &doc) != 0)
		return -1;
	const char *key_id = bw_kms_doc_str(doc, "KeyId");
	int rc = -1;
	if (s_materials(call, key_id, &mats) != 0)
		goto done;
	size_t on_demand = 0, i;
	json_t *m;
	json_array_foreach(mats, i, m)
		if (strcmp(bw_kms_doc_str(m, "RotationType"), "ON_DEMAND") == 0)
			on_demand++;
	if (on_demand >= BW_KMS_MAX_ON_DEMAND_ROTATIONS) {
		bw_fail(call, KMS_ON_DEMAND_ROTATIONS_EXCEEDED,
		        bw_kms_doc_str(doc, "Arn"), BW_KMS_MAX_ON_DEMAND_ROTATIONS);
		goto done;
	}
	if (s_imported_symmetric(doc)) {
		if (s_rotate_imported_or_fail(call, key_id) != 0)
			goto done;
	} else if (bw_kms_rotate_key(call->store, call->root_key, call->account_id, key_id,
	                             "ON_DEMAND", call->now_s, &after) != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	if (json_object_set_new(out, "KeyId", json_string(key_id)) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	json_decref(mats);
	json_decref(after);
	return rc;
}

/* What a rotations entry of imported material adds: ImportState,
 * ExpirationModel, ValidTo, KeyMaterialDescription. Nonzero when out of
 * memory. */
static int s_imported_entry(json_t *e, const json_t *m)
{
	const char *model = bw_kms_doc_str(m, "ExpirationModel");
	int bad = json_object_set_new(e, "ImportState",
	                              json_string(json_object_get(m, "Sealed") ? "IMPORTED"
	                                                                       : "PENDING_IMPORT"));
	if (!bad && *model)
		bad = json_object_set_new(e, "ExpirationModel", json_string(model));
	if (!bad && strcmp(model, "KEY_MATERIAL_EXPIRES") == 0 && json_object_get(m, "ValidTo"))
		bad = json_object_set(e, "ValidTo", json_object_get(m, "ValidTo"));
	if (!bad && json_object_get(m, "KeyMaterialDescription"))
		bad = json_object_set(e, "KeyMaterialDescription",
		                      json_object_get(m, "KeyMaterialDescription"));
	return bad;
}

int bw_kms_list_key_rotations(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t limit;
	char after[BW_KMS_MARKER_MAX], next[32];
	if (bw_kms_page_or_fail(call, in, &limit, after, sizeof after) != 0)
		return -1;
	char *end = NULL;
	unsigned long start = after[0] ? strtoul(after, &end, 10) : 0;
	if (after[0] && (!end || *end))
		return bw_fail(call, KMS_INVALID_MARKER);
	const char *include = json_string_value(json_object_get(in, "IncludeKeyMaterial"));
	bool all = include && strcmp(include, "ALL_KEY_MATERIAL") == 0;
	json_t *doc = NULL, *mats = NULL, *list = NULL;
	if (s_key_or_fail(call, in, "kms:ListKeyRotations", false, &doc) != 0)
		return -1;
	int rc = -1;
	const char *key_id = bw_kms_doc_str(doc, "KeyId");
	/* CurrentKeyMaterialId stays while imported material is deleted */
	const char *current = bw_kms_doc_str(doc, "CurrentKeyMaterialId");
	if (!*current)
		current = bw_kms_doc_str(doc, "CurrentMaterialId");
	bool imported = s_imported_symmetric(doc);
	if (s_materials(call, key_id, &mats) != 0)
		goto done;
	/* the first material is no rotation: listed only with ALL_KEY_MATERIAL */
	list = json_array();
	size_t i, seen = 0;
	json_t *m;
	bool truncated = false;
	json_array_foreach(mats, i, m) {
		const char *type = json_string_value(json_object_get(m, "RotationType"));
		if (!type && !all)
			continue;
		if (seen++ < start)
			continue;
		if (json_array_size(list) == limit) {
			truncated = true;
			break;
		}
		/* the id clients see: 64 characters for imported material */
		const char *mid = bw_kms_material_public_id(m);
		const char *state = bw_kms_material_pending_rotation(m) ? "PENDING_ROTATION"
		                    : strcmp(mid, current) == 0          ? "CURRENT"
		                                                         : "NON_CURRENT";
		json_t *e = json_pack("{s:s, s:s, s:s}", "KeyId", key_id, "KeyMaterialId", mid,
		                      "KeyMaterialState", state);
		/* "not present for the first key material or an imported key
		 * material in PENDING_ROTATION state" */
		int bad = !e || (type && (json_object_set_new(e, "RotationType", json_string(type)) ||
		                          json_object_set(e, "RotationDate",
		                                          json_object_get(m, "CreateDate"))));
		if (!bad && imported)
			bad = s_imported_entry(e, m);
		if (bad || json_array_append_new(list, e) != 0) {
			bw_kms_internal(call);
			goto done;
		}
	}
	snprintf(next, sizeof next, "%zu", seen - (truncated ? 1 : 0));
	if (json_object_set(out, "Rotations", list) != 0 ||
	    bw_kms_set_paging(out, truncated, next) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	json_decref(mats);
	json_decref(list);
	return rc;
}
