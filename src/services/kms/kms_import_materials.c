/*
 * kms_import_materials.c: the set of materials of a key with imported key
 * material (Origin EXTERNAL), and the key state it makes. Shared by the
 * import operations (kms_import.c) and on-demand rotation (kms_rotation.c).
 *
 * AWS: "Deletion or expiration of any permanently associated key material
 * changes the key state to Pending import", and a key is Enabled again
 * once "all of the key materials associated with the KMS key" are imported.
 * A material PENDING_ROTATION is "not permanently associated with the KMS
 * key" and counts for neither. KeyMetadata.ValidTo is "the earliest time at
 * which any imported key material permanently associated with this KMS key
 * expires".
 */
#include <stdio.h>
#include <string.h>

#include "services/kms/kms_import.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

/* 1 first material + at most 10 on-demand rotations + 1 pending, with room */
#define S_MAX_MATERIALS 64

int bw_kms_imported_materials(struct bw_call *call, const char *key_id, json_t **mats)
{
	char prefix[64];
	struct bw_doc_page page = {.prefix = prefix, .limit = S_MAX_MATERIALS};
	json_t *docs = NULL, *list = json_array();
	bool more = false;
	size_t i;
	json_t *d;
	*mats = NULL;
	snprintf(prefix, sizeof prefix, "%s/", key_id);
	if (!list ||
	    bw_doc_list(call->store, BW_KMS_MATERIAL, call->account_id, &page, &docs, &more) !=
	        BW_STORE_OK ||
	    more)
		goto fail;
	json_array_foreach(docs, i, d) {
		json_t *copy = json_deep_copy(json_object_get(d, "doc"));
		if (!copy || json_array_append_new(list, copy) != 0)
			goto fail;
	}
	json_decref(docs);
	*mats = list;
	return 0;
fail:
	json_decref(docs);
	json_decref(list);
	return bw_kms_internal(call);
}

bool bw_kms_material_pending_rotation(const json_t *mdoc)
{
	return json_is_true(json_object_get(mdoc, "PendingRotation"));
}

const json_t *bw_kms_imported_current(const json_t *key_doc, const json_t *mats)
{
	const char *cur = bw_kms_doc_str(key_doc, "CurrentKeyMaterialId");
	size_t i;
	json_t *m;
	json_array_foreach(mats, i, m) {
		if (bw_kms_material_pending_rotation(m))
			continue;
		/* asymmetric and HMAC keys report none: their one material is */
		if (!*cur || strcmp(bw_kms_material_public_id(m), cur) == 0)
			return m;
	}
	return NULL;
}

int bw_kms_imported_key_refresh(json_t *key_doc, const json_t *mats)
{
	const json_t *current = bw_kms_imported_current(key_doc, mats);
	bool all_imported = current != NULL, expires = false;
	double valid_to = 0;
	size_t i;
	json_t *m;
	json_array_foreach(mats, i, m) {
		if (bw_kms_material_pending_rotation(m))
			continue;
		if (!json_object_get(m, "Sealed"))
			all_imported = false;
		const json_t *vt = json_object_get(m, "ValidTo");
		if (strcmp(bw_kms_doc_str(m, "ExpirationModel"), "KEY_MATERIAL_EXPIRES") == 0 &&
		    json_is_number(vt) && (!expires || json_number_value(vt) < valid_to)) {
			valid_to = json_number_value(vt);
			expires = true;
		}
	}
	bool pending_deletion = strcmp(bw_kms_doc_str(key_doc, "KeyState"), "PendingDeletion") == 0;
	int ok = 1;
	if (!all_imported) {
		json_object_del(key_doc, "CurrentMaterialId");
		json_object_del(key_doc, "ValidTo");
		json_object_del(key_doc, "ExpirationModel");
		if (!pending_deletion)
			ok = json_object_set_new(key_doc, "KeyState", json_string("PendingImport")) == 0 &&
			     json_object_set_new(key_doc, "Enabled", json_false()) == 0;
		return ok ? 0 : -1;
	}
	ok = json_object_set_new(key_doc, "CurrentMaterialId",
	                         json_string(bw_kms_doc_str(current, "MaterialId"))) == 0 &&
	     json_object_set_new(key_doc, "ExpirationModel",
	                         json_string(expires ? "KEY_MATERIAL_EXPIRES"
	                                             : "KEY_MATERIAL_DOES_NOT_EXPIRE")) == 0;
	if (ok && expires)
		ok = json_object_set_new(key_doc, "ValidTo", json_real(valid_to)) == 0;
	else if (ok)
		json_object_del(key_doc, "ValidTo");
	if (ok && strcmp(bw_kms_doc_str(key_doc, "KeyState"), "PendingImport") == 0)
		ok = json_object_set_new(key_doc, "KeyState", json_string("Enabled")) == 0 &&
		     json_object_set_new(key_doc, "Enabled", json_true()) == 0;
	return ok ? 0 : -1;
}
