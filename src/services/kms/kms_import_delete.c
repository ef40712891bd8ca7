/*
 * kms_import_delete.c: DeleteImportedKeyMaterial — one material of a key
 * with imported key material (Origin EXTERNAL) loses its bytes, or, pending
 * rotation, goes entirely (kms_import.c has the import side).
 */
#include <stdio.h>
#include <string.h>

#include "services/kms/kms_errors.h"
#include "services/kms/kms_import.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

/*
 * Make mdoc the record of deleted material: the sealed bytes go, the id
 * stays (ImportState PENDING_IMPORT) for ImportKeyMaterial to compare a
 * re-import against. Material imported before ids were computed gets the
 * id its bytes make (ImportId) first, while they can still be read.
 */
static int s_forget_bytes_or_fail(struct bw_call *call, const char *key_id, json_t *mdoc)
{
	if (!json_object_get(mdoc, "Sealed"))
		return 0; /* deleted before */
	if (!json_object_get(mdoc, "ImportState") && !json_object_get(mdoc, "ImportId")) {
		struct bw_buf bytes = {.secret = true};
		char import_id[BW_KMS_MATERIAL_ID_LEN + 1];
		int rc =
		    bw_kms_material_open(call->root_key, call->account_id, key_id, mdoc, &bytes) !=
		        0 ||
		    bw_kms_material_import_id(call->root_key, call->account_id, key_id,
		                              bw_cur_from(bytes.data, bytes.len), import_id) != 0;
		bw_buf_free(&bytes);
		if (rc != 0)
			return bw_kms_internal(call);
		if (strcmp(import_id, bw_kms_doc_str(mdoc, "MaterialId")) != 0 &&
		    json_object_set_new(mdoc, "ImportId", json_string(import_id)) != 0)
			return bw_kms_internal(call);
	}
	json_object_del(mdoc, "Sealed");
	if (json_object_set_new(mdoc, "ImportState", json_string("PENDING_IMPORT")) != 0)
		return bw_kms_internal(call);
	return 0;
}

/*
 * DeleteImportedKeyMaterial: the material KeyMaterialId names, else the
 * current one ("If no KeyMaterialId is specified, KMS deletes the current
 * key material"). A material pending rotation is not associated with the
 * key: its record goes entirely and the key's state stays, so other bytes
 * may take its place. Any other material loses only its bytes — its id and
 * record stay, and so does the key's CurrentKeyMaterialId, as in AWS — and
 * the key becomes PendingImport until the same bytes are imported again.
 */
int bw_kms_delete_imported_key_material(struct bw_call *call, const json_t *in, json_t *out)
{
	json_t *key_doc = NULL, *mats = NULL, *target = NULL;
	const char *want_mid = json_string_value(json_object_get(in, "KeyMaterialId"));
	char path[128], mid[BW_KMS_MATERIAL_ID_LEN + 1] = "",
	                public[BW_KMS_KEY_MATERIAL_ID_MAX + 1] = "";
	bool in_txn = false;
	int rc = -1;
	if (bw_kms_external_key_or_fail(call, in, &key_doc) != 0)
		return -1;
	const char *key_id = bw_kms_doc_str(key_doc, "KeyId");
	if (bw_store_begin(call->store) != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	in_txn = true;
	if (bw_kms_imported_materials(call, key_id, &mats) != 0)
		goto done;
	/* a KeyMaterialId is the id clients see (bw_kms_material_public_id) */
	target = (json_t *)bw_kms_imported_current(key_doc, mats);
	if (want_mid) {
		size_t i;
		json_t *m;
		target = NULL;
		json_array_foreach(mats, i, m) {
			if (strcmp(bw_kms_material_public_id(m), want_mid) == 0)
				target = m;
		}
	}
	if (want_mid && !target) {
		bw_fail(call, KMS_KEY_MATERIAL_NOT_FOUND, want_mid, bw_kms_doc_str(key_doc, "Arn"));
		goto done;
	}
	if (target) {
		snprintf(mid, sizeof mid, "%s", bw_kms_doc_str(target, "MaterialId"));
		snprintf(public, sizeof public, "%s", bw_kms_material_public_id(target));
	}
	snprintf(path, sizeof path, "%s/%s", key_id, mid);
	if (target && bw_kms_material_pending_rotation(target)) {
		if (bw_doc_delete(call->store, BW_KMS_MATERIAL, call->account_id, path) !=
		    BW_STORE_OK) {
			bw_kms_internal(call);
			goto done;
		}
	} else {
		if (target && (s_forget_bytes_or_fail(call, key_id, target) != 0 ||
		               bw_doc_update(call->store, BW_KMS_MATERIAL, call->account_id, path,
		                             target) != BW_STORE_OK)) {
			if (!call->failed)
				bw_kms_internal(call);
			goto done;
		}
		if (bw_kms_imported_key_refresh(key_doc, mats) != 0 ||
		    bw_doc_update(call->store, BW_KMS_KEY, call->account_id, key_id, key_doc) !=
		        BW_STORE_OK) {
			bw_kms_internal(call);
			goto done;
		}
	}
	in_txn = false;
	if (bw_store_commit(call->store) != BW_STORE_OK) {
		bw_kms_internal(call);
		goto done;
	}
	if (bw_kms_arn_out_or_fail(call, out, "KeyId", key_id) != 0)
		goto done;
	if (public[0] && json_object_set_new(out, "KeyMaterialId", json_string(public)) != 0)
		goto done;
	rc = 0;
done:
	if (in_txn)
		bw_store_rollback(call->store);
	json_decref(mats);
	json_decref(key_doc);
	return rc;
}
