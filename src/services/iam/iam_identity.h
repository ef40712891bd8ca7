/*
 * iam_identity.h: the handlers of IAM's identities — users, groups and
 * membership, access keys, user tags, the account summary and alias — and
 * the few helpers their files share. Private to src/services/iam/.
 */
#ifndef BW_SERVICES_IAM_IDENTITY_H
#define BW_SERVICES_IAM_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>

#include "gateway/call.h"
#include "services/iam/iam_util.h"

/* One alias per account (an extension of iam_store.h's layout):
 * kind "iam/account-alias", key <alias>, document {"AccountAlias"}. */
#define BW_IAM_ACCOUNT_ALIAS "iam/account-alias"

/* Root access keys have no user: their iam/user-access-key rows are keyed
 * "<this>/<access key id>", a name no IAM user can have. */
#define BW_IAM_ROOT_KEY_OWNER "@root"

/* AWS's default quotas. */
#define BW_IAM_QUOTA_USERS 5000
#define BW_IAM_QUOTA_GROUPS 300
#define BW_IAM_QUOTA_GROUPS_PER_USER 10
#define BW_IAM_QUOTA_ACCESS_KEYS_PER_USER 2

/* The user's document (new reference) or NoSuchEntity. */
int bw_iam_user_load_or_fail(struct bw_call *call, const char *name, json_t **doc);
int bw_iam_group_load_or_fail(struct bw_call *call, const char *name, json_t **doc);

/* The user an operation without UserName acts on: the calling IAM user.
 * *name is "" for the account root; a role session must name a user. */
int bw_iam_caller_user_or_fail(struct bw_call *call, const json_t *in, const char **name);

/* A new unique id with the prefix (AIDA, AGPA) registered in iam/id as
 * {"Kind": kind, "Name": name}; retried on the rare collision. */
int bw_iam_register_id(struct bw_call *call, const char *prefix, const char *kind,
                       const char *name, char id[32]);
/* Listing filter: the document's Path starts with ctx (a C string). */
bool bw_iam_path_filter(const json_t *doc, void *ctx);

/* Every {"key","doc"} row of kind under prefix (no limit: relations of one
 * name are bounded by AWS's quotas). */
int bw_iam_list_all(struct bw_call *call, const char *kind, const char *prefix, json_t **rows);

/*
 * Move every document of kind whose key starts with old_prefix to the same
 * key under new_prefix (the two may be equal when a rename only changes
 * case), setting field to value in each moved document when field is set.
 * Run inside the caller's transaction.
 */
int bw_iam_move_prefix(struct bw_call *call, const char *kind, const char *old_prefix,
                       const char *new_prefix, const char *field, const char *value);
/* The same for one document; BW_STORE_NOT_FOUND is not an error. */
int bw_iam_move_doc(struct bw_call *call, const char *kind, const char *old_key,
                    const char *new_key, const char *field, const char *value);

/*
 * On a rename of a user or group (entity "user" or "group"): move the
 * records of its managed and inline policies, both directions of each
 * attachment, its permissions boundary's entity record, and its unique-id record (id_member names the id in doc).
 * Run inside the caller's transaction.
 */
int bw_iam_move_entity_policies(struct bw_call *call, const char *entity, const json_t *doc,
                                const char *id_member, const char *old_key,
                                const char *new_key, const char *new_name);

/* Users, user tags */
int bw_iam_create_user(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_get_user(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_update_user(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_delete_user(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_list_users(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_tag_user(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_untag_user(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_list_user_tags(struct bw_call *call, const json_t *in, json_t *out);

/* Groups and membership */
int bw_iam_create_group(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_get_group(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_update_group(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_delete_group(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_list_groups(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_add_user_to_group(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_remove_user_from_group(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_list_groups_for_user(struct bw_call *call, const json_t *in, json_t *out);

/* Access keys */
int bw_iam_create_access_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_list_access_keys(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_update_access_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_delete_access_key(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_get_access_key_last_used(struct bw_call *call, const json_t *in, json_t *out);

/* The account */
int bw_iam_get_account_summary(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_list_account_aliases(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_create_account_alias(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_delete_account_alias(struct bw_call *call, const json_t *in, json_t *out);

/* Resource locators of the operation table */
int bw_iam_user_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);
int bw_iam_group_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);

/* --- Service-linked roles (iam_service_linked.c) ---------------------------
 * A service-linked role is an iam/role document carrying
 * "ServiceLinked": {"AWSServiceName": principal}: only
 * CreateServiceLinkedRole sets it, so a role created by CreateRole at the
 * same path is not one. Deletions leave a task record:
 * kind "iam/slr-deletion-task", key <DeletionTaskId>,
 * {"DeletionTaskId","RoleName","RoleArn","AWSServiceName","Status",
 *  "CreateDate","CompletedDate"}. */
#define BW_IAM_SLR_DELETION_TASK "iam/slr-deletion-task"
#define BW_IAM_SLR_PATH "/aws-service-role/"

/* A service CreateServiceLinkedRole knows (iam_service_linked_services.c). */
struct bw_iam_linked_service {
	const char *principal; /* "config.amazonaws.com" */
	const char *role_name; /* "AWSServiceRoleForConfig" */
	bool custom_suffix;    /* accepts CustomSuffix ("<role name>_<suffix>") */
	const char *policy;    /* AWS managed policy under /aws-service-role/, or NULL */
};
const struct bw_iam_linked_service *bw_iam_linked_service_find(const char *principal);
size_t bw_iam_linked_service_count(void);
const struct bw_iam_linked_service *bw_iam_linked_service_at(size_t i);

int bw_iam_create_service_linked_role(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_delete_service_linked_role(struct bw_call *call, const json_t *in, json_t *out);
int bw_iam_get_service_linked_role_deletion_status(struct bw_call *call, const json_t *in,
                                                   json_t *out);
/* Resource locators and condition keys of their rows. */
int bw_iam_slr_new_role_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);
int bw_iam_slr_role_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);
int bw_iam_slr_task_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);
int bw_iam_slr_keys(struct bw_call *call, const json_t *in, json_t *extra);

/* --- Service-specific credentials (iam_service_creds.c) --------------------
 * kind "iam/service-credential", key "<UserId>/<ServiceSpecificCredentialId>"
 * (bound to the user's unique id, so a rename keeps them and a new user of
 * the same name never inherits them), document: ServiceSpecificCredential
 * without the secret, plus "PasswordHash" (an Argon2id encoded hash of the
 * password or API key secret; the secret itself is never stored). */
#define BW_IAM_SERVICE_CREDENTIAL "iam/service-credential"
#define BW_IAM_QUOTA_SERVICE_CREDS_PER_SERVICE 2

int bw_iam_create_service_specific_credential(struct bw_call *call, const json_t *in,
                                              json_t *out);
int bw_iam_list_service_specific_credentials(struct bw_call *call, const json_t *in,
                                             json_t *out);
int bw_iam_reset_service_specific_credential(struct bw_call *call, const json_t *in,
                                             json_t *out);
int bw_iam_update_service_specific_credential(struct bw_call *call, const json_t *in,
                                              json_t *out);
int bw_iam_delete_service_specific_credential(struct bw_call *call, const json_t *in,
                                              json_t *out);
int bw_iam_service_cred_keys(struct bw_call *call, const json_t *in, json_t *extra);
int bw_iam_service_cred_list_resource(struct bw_call *call, const json_t *in,
                                      struct bw_resource *res);
/* How many service-specific credentials the user (its unique id) has:
 * DeleteUser's conflict. -1 when the store cannot answer. */
int bw_iam_service_cred_count(struct bw_call *call, const char *user_id, size_t *n);
/* The Argon2id encoded hash of a secret, and its constant-time check
 * (1 matches, 0 does not, -1 error). */
int bw_iam_secret_hash(const char *secret, char *out, size_t outlen);
int bw_iam_secret_verify(const char *encoded, const char *secret);

#endif
