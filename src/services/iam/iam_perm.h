/*
 * iam_perm.h: private to IAM's permissions files (policies, versions, inline
 * policies, attachments, boundaries, roles, authorization details, the
 * AWS managed policies): their handlers and the helpers they share.
 *
 * Storage follows services/iam/iam_store.h, with two kinds added here:
 *   iam/aws-policy-usage  <policy arn>
 * {"AttachmentCount","PermissionsBoundaryUsageCount"} (the counts of the
 * built-in, read-only AWS managed policies) iam/boundary-entity   <policy
 * arn>/<user|role>/<name> {"EntityType","EntityName"} (who uses a policy as
 * permissions boundary: ListEntitiesForPolicy) and one field: iam/policy
 * documents keep "NextVersion" (the number of the next version id: ids are
 * never reused).
 */
#ifndef BW_SERVICES_IAM_PERM_H
#define BW_SERVICES_IAM_PERM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "auth/policy.h"
#include "gateway/call.h"

#define BW_IAM_AWS_POLICY_USAGE "iam/aws-policy-usage"
#define BW_IAM_BOUNDARY_ENTITY  "iam/boundary-entity"

/* IAM quotas (docs: IAM and AWS STS quotas). Sizes count characters
 * other than whitespace. */
#define BW_IAMP_MANAGED_MAX_CHARS      6144
#define BW_IAMP_USER_INLINE_MAX_CHARS  2048
#define BW_IAMP_GROUP_INLINE_MAX_CHARS 5120
#define BW_IAMP_ROLE_INLINE_MAX_CHARS  10240
#define BW_IAMP_TRUST_MAX_CHARS        2048
#define BW_IAMP_MAX_VERSIONS           5
#define BW_IAMP_MAX_ATTACHED           10
#define BW_IAMP_MAX_TAGS               50
#define BW_IAMP_KEY_MAX                256

enum bw_iamp_entity {
	BW_IAMP_USER,
	BW_IAMP_GROUP,
	BW_IAMP_ROLE,
};

/* --- common helpers (iam_policies.c) ------------------------------------ */

int bw_iamp_oom(struct bw_call *call);
int bw_iamp_store_fail(struct bw_call *call);
/* A string member of the input, or NULL. */
const char *bw_iamp_str(const json_t *in, const char *member);
/* bw_iam_key() of a name into out[BW_IAMP_KEY_MAX]; InvalidInput if too long.
 */
int bw_iamp_name_key(struct bw_call *call, const char *name, char *out);
/* Run fn in a store transaction: committed if it returns 0, else rolled back.
 */
int bw_iamp_txn(struct bw_call *call, int (*fn)(struct bw_call *, const json_t *, json_t *),
                const json_t *in, json_t *out);

const char *bw_iamp_entity_word(enum bw_iamp_entity e); /* "user", "group", "role" */
const char *bw_iamp_entity_kind(enum bw_iamp_entity e); /* BW_IAM_USER ... */
const char *bw_iamp_entity_type(enum bw_iamp_entity e); /* "User", "Group", "Role" */
/* The entity's document (new reference) or NoSuchEntity. */
int bw_iamp_get_entity(struct bw_call *call, enum bw_iamp_entity e, const char *name, json_t **doc);

/* Number of non-whitespace characters (IAM's policy size measure). */
size_t bw_iamp_doc_chars(const char *text);
/* Validate a policy document; MalformedPolicyDocument with the parser's
 * message. */
int bw_iamp_check_doc(struct bw_call *call, const char *text, enum bw_policy_kind kind);
/* Set obj[member] to the URL-encoded document text (as IAM returns them). */
int bw_iamp_set_doc(struct bw_call *call, json_t *obj, const char *member, const char *text);

/* ValidationError unless a valid IAM path ("/", "/a/b/") / name
 * ([\w+=,.@-]{1,128}). */
int bw_iamp_check_path(struct bw_call *call, const char *path);
int bw_iamp_check_name(struct bw_call *call, const char *name, const char *what);
/* The error for changing an AWS managed policy. */
int bw_iamp_aws_readonly(struct bw_call *call, const char *arn);

/* Paging: Marker / MaxItems in, IsTruncated / Marker out. */
struct bw_iamp_page {
	const char *after; /* the Marker (a document key), or NULL */
	size_t max;
};
int bw_iamp_page_in(struct bw_call *call, const json_t *in, struct bw_iamp_page *pg);
int bw_iamp_page_out(struct bw_call *call, json_t *out, bool truncated, const char *marker);
/* Documents of kind under prefix after pg->after passing filter (NULL: all),
 * at most pg->max: *items is an array of {"key","doc"}. */
typedef bool (*bw_iamp_filter_fn)(const json_t *doc, void *ctx);
int bw_iamp_collect(struct bw_call *call, const char *kind, const char *prefix,
                    const struct bw_iamp_page *pg, bw_iamp_filter_fn filter, void *ctx,
                    json_t **items, bool *truncated);

/* Tags on a stored document ("Tags": [{Key, Value}]). */
int bw_iamp_tags_merge(struct bw_call *call, json_t *doc, const json_t *tags);
void bw_iamp_tags_remove(json_t *doc, const json_t *keys);
int bw_iamp_tags_list(struct bw_call *call, const json_t *in, const json_t *doc, json_t *out);

/* --- managed policies (iam_policies.c) ---------------------------------- */

/* Find a managed policy by ARN (local or AWS managed). *policy is a new
 * reference to a Policy document (AWS ones with their usage counts); *aws
 * tells which. NoSuchEntity with AWS's message for the operation: when
 * `attach` "Policy %s does not exist or is not attachable.", else
 * "Policy %s was not found.". */
int bw_iamp_find_policy(struct bw_call *call, const char *arn, bool attach, json_t **policy,
                        bool *aws);
/* The default version's document text of a Policy document (borrowed from
 * *hold, which the caller releases). */
int bw_iamp_default_text(struct bw_call *call, const json_t *policy, bool aws, json_t **hold,
                         const char **text);
/* Add delta to a counter ("AttachmentCount" or "PermissionsBoundaryUsageCount")
 * of a managed policy. */
int bw_iamp_adjust_count(struct bw_call *call, const char *arn, bool aws, const char *counter,
                         int delta);
/* Key of the policy name from an ARN of this account ("...:policy/path/Name").
 */
int bw_iamp_local_policy_key(struct bw_call *call, const char *arn, char *key);

/* --- AWS managed policies (iam_aws_managed.c) --------------------------- */

struct bw_iam_aws_policy {
	const char *name;
	const char *policy_id;
	const char *path;
	const char *version_id;
	const char *description;
	const char *document;
	double create_date;
	double update_date;
};
size_t bw_iamp_aws_count(void);
const struct bw_iam_aws_policy *bw_iamp_aws_at(size_t i);
const struct bw_iam_aws_policy *bw_iamp_aws_find(const char *arn);
/* "arn:aws:iam::aws:policy<path><name>" into out. */
int bw_iamp_aws_arn(const struct bw_iam_aws_policy *p, char *out, size_t outlen);
/* The Policy document of a built-in, with its usage counts from the store. */
int bw_iamp_aws_policy_doc(struct bw_call *call, const struct bw_iam_aws_policy *p,
                           json_t **policy);

/* --- handlers ----------------------------------------------------------- */

#define BW_IAMP_HANDLER(name) int name(struct bw_call *call, const json_t *in, json_t *out)

/* iam_policies.c */
BW_IAMP_HANDLER(bw_iamp_create_policy);
BW_IAMP_HANDLER(bw_iamp_get_policy);
BW_IAMP_HANDLER(bw_iamp_delete_policy);
BW_IAMP_HANDLER(bw_iamp_list_policies);
BW_IAMP_HANDLER(bw_iamp_tag_policy);
BW_IAMP_HANDLER(bw_iamp_untag_policy);
BW_IAMP_HANDLER(bw_iamp_list_policy_tags);
/* iam_versions.c */
BW_IAMP_HANDLER(bw_iamp_create_policy_version);
BW_IAMP_HANDLER(bw_iamp_get_policy_version);
BW_IAMP_HANDLER(bw_iamp_list_policy_versions);
BW_IAMP_HANDLER(bw_iamp_delete_policy_version);
BW_IAMP_HANDLER(bw_iamp_set_default_policy_version);
/* iam_inline.c */
BW_IAMP_HANDLER(bw_iamp_put_user_policy);
BW_IAMP_HANDLER(bw_iamp_put_group_policy);
BW_IAMP_HANDLER(bw_iamp_put_role_policy);
BW_IAMP_HANDLER(bw_iamp_get_user_policy);
BW_IAMP_HANDLER(bw_iamp_get_group_policy);
BW_IAMP_HANDLER(bw_iamp_get_role_policy);
BW_IAMP_HANDLER(bw_iamp_delete_user_policy);
BW_IAMP_HANDLER(bw_iamp_delete_group_policy);
BW_IAMP_HANDLER(bw_iamp_delete_role_policy);
BW_IAMP_HANDLER(bw_iamp_list_user_policies);
BW_IAMP_HANDLER(bw_iamp_list_group_policies);
BW_IAMP_HANDLER(bw_iamp_list_role_policies);
/* iam_attach.c */
BW_IAMP_HANDLER(bw_iamp_attach_user_policy);
BW_IAMP_HANDLER(bw_iamp_attach_group_policy);
BW_IAMP_HANDLER(bw_iamp_attach_role_policy);
BW_IAMP_HANDLER(bw_iamp_detach_user_policy);
BW_IAMP_HANDLER(bw_iamp_detach_group_policy);
BW_IAMP_HANDLER(bw_iamp_detach_role_policy);
BW_IAMP_HANDLER(bw_iamp_list_attached_user_policies);
BW_IAMP_HANDLER(bw_iamp_list_attached_group_policies);
BW_IAMP_HANDLER(bw_iamp_list_attached_role_policies);
BW_IAMP_HANDLER(bw_iamp_list_entities_for_policy);
BW_IAMP_HANDLER(bw_iamp_put_user_permissions_boundary);
BW_IAMP_HANDLER(bw_iamp_delete_user_permissions_boundary);
BW_IAMP_HANDLER(bw_iamp_put_role_permissions_boundary);
BW_IAMP_HANDLER(bw_iamp_delete_role_permissions_boundary);
/* Set or clear (arn NULL) an entity's permissions boundary inside the
 * caller's transaction: counts and the boundary-entity record follow. */
int bw_iamp_set_boundary(struct bw_call *call, enum bw_iamp_entity e, json_t *doc, const char *key,
                         const char *arn);
/* iam_roles.c */
BW_IAMP_HANDLER(bw_iamp_create_role);
BW_IAMP_HANDLER(bw_iamp_get_role);
BW_IAMP_HANDLER(bw_iamp_update_role);
BW_IAMP_HANDLER(bw_iamp_update_role_description);
BW_IAMP_HANDLER(bw_iamp_delete_role);
BW_IAMP_HANDLER(bw_iamp_list_roles);
BW_IAMP_HANDLER(bw_iamp_update_assume_role_policy);
BW_IAMP_HANDLER(bw_iamp_tag_role);
BW_IAMP_HANDLER(bw_iamp_untag_role);
BW_IAMP_HANDLER(bw_iamp_list_role_tags);
/* iam_authz_details.c */
BW_IAMP_HANDLER(bw_iamp_get_account_authorization_details);

/* --- instance profiles (iam_instance_profiles.c) ------------------------- */

int bw_iamp_create_instance_profile(struct bw_call *call, const json_t *in, json_t *out);
int bw_iamp_get_instance_profile(struct bw_call *call, const json_t *in, json_t *out);
int bw_iamp_delete_instance_profile(struct bw_call *call, const json_t *in, json_t *out);
int bw_iamp_add_role_to_instance_profile(struct bw_call *call, const json_t *in, json_t *out);
int bw_iamp_remove_role_from_instance_profile(struct bw_call *call, const json_t *in,
                                              json_t *out);
int bw_iamp_list_instance_profiles(struct bw_call *call, const json_t *in, json_t *out);
int bw_iamp_list_instance_profiles_for_role(struct bw_call *call, const json_t *in, json_t *out);
int bw_iamp_tag_instance_profile(struct bw_call *call, const json_t *in, json_t *out);
int bw_iamp_untag_instance_profile(struct bw_call *call, const json_t *in, json_t *out);
int bw_iamp_list_instance_profile_tags(struct bw_call *call, const json_t *in, json_t *out);
/* The row's locator: arn:aws:iam::<acct>:instance-profile<path><name>. */
int bw_iamp_instance_profile_resource(struct bw_call *call, const json_t *in,
                                      struct bw_resource *res);
/* How many instance profiles hold the role (its store key): DeleteRole's
 * conflict. A store status (BW_STORE_OK ...). */
int bw_iamp_role_profile_count(struct bw_call *call, const char *role_key, size_t *n);
/* Append to arr the InstanceProfile (without tags) of every profile holding
 * the role (GetAccountAuthorizationDetails' InstanceProfileList); -1 with
 * the call failed. */
int bw_iamp_role_profiles(struct bw_call *call, const char *role_key, json_t *arr);

#endif
