/*
 * kms_keys.h: key management — the handlers of bw_kms_key_ops
 * (kms_keys_table.c), the AWS managed keys other services ask for, the
 * periodic sweep (deletion and scheduled rotation), and the helpers the
 * key-management files share.
 */
#ifndef BW_SERVICES_KMS_KEYS_H
#define BW_SERVICES_KMS_KEYS_H

#include <jansson.h>
#include <stdbool.h>

#include "gateway/call.h"
#include "services/service.h"

extern const struct bw_op_table bw_kms_key_ops;

/* Limits as AWS documents them for KMS. */
#define BW_KMS_MAX_TAGS 50
/* RotateKeyOnDemand: "a maximum of 25 times per KMS key" (the current
 * model; it was 10 before) */
#define BW_KMS_MAX_ON_DEMAND_ROTATIONS 25
#define BW_KMS_DAY_S 86400.0

/* kms_keys.c */
int bw_kms_create_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_describe_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_list_keys(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_update_key_description(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_get_key_policy(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_list_key_policies(struct bw_call *call, const json_t *in, json_t *out);
/* kms_aliases.c */
int bw_kms_create_alias(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_update_alias(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_delete_alias(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_list_aliases(struct bw_call *call, const json_t *in, json_t *out);
/* kms_tags.c */
int bw_kms_tag_resource(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_untag_resource(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_list_resource_tags(struct bw_call *call, const json_t *in, json_t *out);
/* Check a TagList as CreateKey and TagResource take it (TagException). */
int bw_kms_check_tags_or_fail(struct bw_call *call, const json_t *tags);
/* Merge tags into the key document's "Tags" (a new value replaces). */
int bw_kms_merge_tags(json_t *key_doc, const json_t *tags);
/* kms_lifecycle.c */
int bw_kms_enable_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_disable_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_schedule_key_deletion(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_cancel_key_deletion(struct bw_call *call, const json_t *in, json_t *out);
/* kms_rotation.c */
int bw_kms_enable_key_rotation(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_disable_key_rotation(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_get_key_rotation_status(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_rotate_key_on_demand(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_list_key_rotations(struct bw_call *call, const json_t *in, json_t *out);

/*
 * The AWS managed key of a service ("s3" -> alias/aws/s3) in (account,
 * region), created on first use: KeyManager AWS, SYMMETRIC_DEFAULT,
 * rotation on every 365 days, a key policy that cannot be changed.
 * *key_doc receives a new reference. -1 on a store or crypto failure or a
 * service name that is not [a-z0-9-]{1,64}.
 */
int bw_kms_aws_managed_key(struct bw_store *store, const struct bw_root_key *rk,
                           const char *account, const char *region, const char *service,
                           json_t **key_doc);

/*
 * The periodic sweep (struct bw_service.tick): for the installation's
 * account, destroy keys whose DeletionDate has passed (key, materials,
 * aliases, grants, import tokens — one transaction) and rotate Enabled keys
 * whose NextRotationDate has passed. Idempotent; cheap when nothing is due
 * (it rescans the store only when the earliest known due date has come, an
 * hour has passed, or bw_kms_sweep_nudge was called).
 */
void bw_kms_tick(struct bw_store *store, const struct bw_root_key *rk, double now_s);
/* The same for one account, always scanning; returns how many keys it
 * destroyed plus rotated, or -1 on a store failure. next_due_s (may be
 * NULL) receives the earliest date still pending (0 if none). */
int bw_kms_sweep(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                 double now_s, double *next_due_s);
/* Make the next tick rescan (a key became due earlier than it knew). */
void bw_kms_sweep_nudge(void);

/* Shared by the key-management files (kms_keys.c). */
/* Write the key document back (kms/key). 0, or -1 with the call failed. */
int bw_kms_save_key_or_fail(struct bw_call *call, const json_t *key_doc);
/* KMSInternalException, returns -1. */
int bw_kms_internal(struct bw_call *call);
/* AccessDeniedException when the key is AWS managed (its key policy allows
 * no management): "User: <caller> is not authorized to perform: <action> on
 * resource: <arn> because no resource-based policy allows the <action>
 * action". 0 for customer managed keys. */
int bw_kms_customer_managed_or_fail(struct bw_call *call, const json_t *key_doc,
                                    const char *action);
/* Paging of KMS lists: Limit (1..1000, default 100) and an opaque Marker
 * (base64 of the last key) -> after (NUL-terminated, "" when none).
 * InvalidMarkerException for a marker we did not make. */
int bw_kms_page_or_fail(struct bw_call *call, const json_t *in, size_t *limit, char *after,
                        size_t after_len);
/* Set Truncated and, when truncated, NextMarker from last_key. */
int bw_kms_set_paging(json_t *out, bool truncated, const char *last_key);
/* Add the KeyMetadata of key_doc to out as "KeyMetadata" (the stored
 * document less the members that are ours: Policy, Tags, Rotation ...). */
int bw_kms_put_metadata(json_t *out, const json_t *key_doc);
/* The key's spec family: "SYMMETRIC_DEFAULT", "HMAC", "RSA", "ECC". */
const char *bw_kms_spec_family(const char *key_spec);

/* Lists: a filter keeps a document or not; markers fit this. */
#define BW_KMS_MARKER_MAX 320
typedef bool (*bw_kms_filter_fn)(const struct bw_call *call, const json_t *doc,
                                 const void *ctx);
/* One page of documents of kind in call's account after `after`, those the
 * filter keeps, at most limit; *truncated when more follow, last = the key
 * of the last one returned. -1 with the call failed. */
int bw_kms_list_or_fail(struct bw_call *call, const char *kind, const char *after,
                        size_t limit, bw_kms_filter_fn filter, const void *ctx, json_t **items,
                        bool *truncated, char *last, size_t last_len);
/* Whether the ARN in doc[arn_member] is of call's region. */
bool bw_kms_in_region(const struct bw_call *call, const json_t *doc, const char *arn_member);

/* What a new key is made of (kms_keys.c). */
struct bw_kms_key_params {
	const char *account, *region, *key_id;
	const char *spec, *usage, *origin;
	const char *manager;     /* "CUSTOMER" or "AWS" */
	const char *description; /* NULL: "" */
	const char *policy;      /* key policy text */
	int rotation_days;       /* 0: rotation off (symmetric keys only) */
	bool multi_region;       /* key_id is "mrk-...": made PRIMARY here, ReplicateKey
	                          * turns it REPLICA (bw_kms_mrk_sync) */
	double now_s;
};
/* A random version-4 UUID, as KMS key ids are. */
int bw_kms_new_key_id(char out[37]);
/* AWS's default key policy for account (malloc'd JSON text, NULL on OOM). */
char *bw_kms_default_policy(const char *account);
/* Whether KMS allows usage with spec (and we serve the spec). */
bool bw_kms_usage_ok(const char *spec, const char *usage);
/* A new kms/key document (KeyMetadata + ours); NULL on OOM. */
json_t *bw_kms_key_doc_new(const struct bw_kms_key_params *p);
/* Make material_doc the key's current material. */
int bw_kms_attach_material(json_t *key_doc, const json_t *material_doc);
/* Create key, its first material and an alias (each optional but the
 * key) in one transaction: a BW_STORE_* code. */
int bw_kms_store_new_key(struct bw_store *store, const char *account, const json_t *key_doc,
                         const json_t *material_doc, const json_t *alias_doc);
/* Whether alias/aws/<service> is a predefined AWS alias we honour. */
bool bw_kms_aws_service_known(const char *service);

/* kms_lifecycle.c: destroy a key for good — the key document, all its
 * material, its aliases, grants and import tokens — in one transaction.
 * A multi-Region key takes only what is its own (its region's aliases and
 * grants); the shared material goes with the last key of its set, and the
 * set's configuration is rewritten (bw_kms_mrk_sync at now_s).
 * A BW_STORE_* code. */
int bw_kms_destroy_key(struct bw_store *store, const char *account, const json_t *key_doc,
                       double now_s);
/* kms_rotation.c: give a symmetric AWS_KMS key new current material
 * (rotation_type "AUTOMATIC" or "ON_DEMAND") in one transaction, re-reading
 * the key inside it; AUTOMATIC advances NextRotationDate by the period from
 * now_s. *key_doc (may be NULL) receives the updated key. BW_STORE_* code;
 * BW_STORE_NOT_FOUND when the key is gone. */
int bw_kms_rotate_key(struct bw_store *store, const struct bw_root_key *rk, const char *account,
                      const char *key_id, const char *rotation_type, double now_s,
                      json_t **key_doc);

/* kms_multi_region.c: multi-Region keys (kms_store.h says how they are
 * stored; decision 0104). */
int bw_kms_replicate_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_kms_update_primary_region(struct bw_call *call, const json_t *in, json_t *out);
/* Authorizers of the two rows (each says what AWS asks). */
int bw_kms_authorize_replicate_key(struct bw_call *call, const json_t *in);
int bw_kms_authorize_update_primary_region(struct bw_call *call, const json_t *in);
/* Their condition keys: kms:ReplicaRegion, kms:PrimaryRegion. */
int bw_kms_mrk_context(struct bw_call *call, const json_t *in, json_t *extra);
/* "mrk-" and 32 random lower-case hex. */
int bw_kms_new_mrk_id(char out[37]);
/* The PRIMARY key of the set of key id: a BW_STORE_* code. */
int bw_kms_mrk_primary(struct bw_store *store, const char *account, const char *key_id,
                       json_t **key_doc);
/* Make every key of the set of key id agree, in one transaction (joins the
 * caller's): the MultiRegionConfiguration (primary, replicas) and the
 * shared properties the replicas take from the primary (current material,
 * rotation); a PendingReplicaDeletion primary left without replicas goes
 * PendingDeletion, its window starting at now_s. No-op for other ids.
 * A BW_STORE_* code. */
int bw_kms_mrk_sync(struct bw_store *store, const char *account, const char *key_id,
                    double now_s);
/* UnsupportedOperationException on a replica key (rotation and
 * replication are the primary's). 0 otherwise. */
int bw_kms_mrk_primary_only_or_fail(struct bw_call *call, const json_t *key_doc);

#endif
