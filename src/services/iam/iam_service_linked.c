/*
 * iam_service_linked.c: service-linked roles — CreateServiceLinkedRole,
 * DeleteServiceLinkedRole, GetServiceLinkedRoleDeletionStatus — and the
 * resource locators and condition keys of their rows.
 *
 * A service-linked role is an ordinary iam/role document (so GetRole,
 * ListRoles, STS and the policy engine see it as any role) made by one
 * transaction: the role at /aws-service-role/<principal>/ with a trust
 * policy letting only that principal sts:AssumeRole, the service's AWS
 * managed policy attached, and the "ServiceLinked" mark that makes
 * iam_roles.c, iam_attach.c and iam_inline.c refuse users' changes
 * (UnmodifiableEntity). Deletion unmarks, detaches and deletes in one
 * transaction and leaves a task record (docs/decisions/0106).
 */
#include <stdio.h>
#include <string.h>

#include "core/ids.h"
#include "gateway/resource.h"
#include "services/iam/iam_errors.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_perm.h"
#include "services/iam/iam_store.h"
#include "services/iam/iam_util.h"
#include "store/doc.h"

#define S_ROLE_NAME_MAX 64
#define S_TASK_PREFIX   "task/aws-service-role/"

/* "<role name>" or "<role name>_<suffix>" (AWS joins them with "_"). */
static int s_role_name(const struct bw_iam_linked_service *svc, const char *suffix, char *out,
                       size_t outlen)
{
	return suffix ? bw_iam_keyf(out, outlen, "%s_%s", svc->role_name, suffix)
	              : bw_iam_keyf(out, outlen, "%s", svc->role_name);
}

static int s_path(const char *principal, char *out, size_t outlen)
{
	return bw_iam_keyf(out, outlen, BW_IAM_SLR_PATH "%s/", principal);
}

/* --- rows: resources and condition keys
 * ---------------------------------------------------------- */

int bw_iam_slr_new_role_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const struct bw_iam_linked_service *svc =
	    bw_iam_linked_service_find(bw_iam_str(in, "AWSServiceName"));
	char name[BW_IAM_KEY_MAX], path[BW_IAM_KEY_MAX];
	/* an unknown service has no role to name: the handler refuses it */
	if (!svc || s_role_name(svc, bw_iam_str(in, "CustomSuffix"), name, sizeof name) != 0 ||
	    s_path(svc->principal, path, sizeof path) != 0)
		return bw_buf_append_str(&res->arn, "*");
	return bw_iam_entity_resource(call, BW_IAM_ROLE, "role", name, path, res);
}

int bw_iam_slr_role_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	const char *name = bw_iam_str(in, "RoleName");
	if (!name)
		return bw_buf_append_str(&res->arn, "*");
	return bw_iam_entity_resource(call, BW_IAM_ROLE, "role", name, NULL, res);
}

/* Split "task/aws-service-role/<principal>/<role>/<uuid>" into its parts
 * (copies into the buffers); -1 when it is not that form. */
static int s_parse_task(const char *id, char *principal, char *role, size_t len)
{
	if (!id || strncmp(id, S_TASK_PREFIX, strlen(S_TASK_PREFIX)) != 0)
		return -1;
	const char *p = id + strlen(S_TASK_PREFIX);
	const char *s1 = strchr(p, '/');
	const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	if (!s1 || !s2 || s1 == p || s2 == s1 + 1 || strlen(s2 + 1) != BW_REQUEST_ID_LEN ||
	    strchr(s2 + 1, '/') || (size_t)(s1 - p) >= len || (size_t)(s2 - s1 - 1) >= len)
		return -1;
	memcpy(principal, p, (size_t)(s1 - p));
	principal[s1 - p] = 0;
	memcpy(role, s1 + 1, (size_t)(s2 - s1 - 1));
	role[s2 - s1 - 1] = 0;
	return bw_iam_name_ok(role, S_ROLE_NAME_MAX) && bw_iam_name_ok(principal, 128) ? 0 : -1;
}

/* GetServiceLinkedRoleDeletionStatus is authorized on the role the task
 * deleted (Service Authorization Reference: resource type role). */
int bw_iam_slr_task_resource(struct bw_call *call, const json_t *in, struct bw_resource *res)
{
	char principal[BW_IAM_KEY_MAX], role[BW_IAM_KEY_MAX], path[BW_IAM_KEY_MAX];
	if (s_parse_task(bw_iam_str(in, "DeletionTaskId"), principal, role, sizeof role) != 0 ||
	    s_path(principal, path, sizeof path) != 0)
		return bw_buf_append_str(&res->arn, "*");
	return bw_iam_entity_resource(call, BW_IAM_ROLE, "role", role, path, res);
}

/* iam:AWSServiceName: the service the role is for (CreateServiceLinkedRole). */
int bw_iam_slr_keys(struct bw_call *call, const json_t *in, json_t *extra)
{
	(void)call;
	const char *svc = bw_iam_str(in, "AWSServiceName");
	return svc ? json_object_set_new(extra, "iam:AWSServiceName", json_string(svc)) : 0;
}

/* --- CreateServiceLinkedRole
 * ------------------------------------------------------------------ */

static int s_mark(struct bw_call *call, const char *name, const char *principal)
{
	char key[BW_IAM_KEY_MAX];
	json_t *role = NULL;
	if (bw_iam_key(name, key, sizeof key) != 0 ||
	    bw_doc_get(call->store, BW_IAM_ROLE, call->account_id, key, &role) != BW_STORE_OK)
		return bw_iam_internal(call);
	int rc = -1;
	if (json_object_set_new(role, "ServiceLinked",
	                        json_pack("{s:s}", "AWSServiceName", principal)) == 0 &&
	    bw_doc_update(call->store, BW_IAM_ROLE, call->account_id, key, role) == BW_STORE_OK)
		rc = 0;
	json_decref(role);
	return rc == 0 ? 0 : bw_iam_internal(call);
}

static int s_create_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *principal = bw_iam_str(in, "AWSServiceName");
	const char *suffix = bw_iam_str(in, "CustomSuffix");
	const char *desc = bw_iam_str(in, "Description");
	const struct bw_iam_linked_service *svc = bw_iam_linked_service_find(principal);
	char name[BW_IAM_KEY_MAX], path[BW_IAM_KEY_MAX], key[BW_IAM_KEY_MAX], policy[512];
	if (!svc)
		return bw_fail(call, IAM_SLR_SERVICE_INVALID, principal ? principal : "");
	if (suffix && !svc->custom_suffix)
		return bw_fail(call, IAM_SLR_SUFFIX_NOT_ALLOWED, svc->principal);
	if (suffix && !bw_iam_name_ok(suffix, S_ROLE_NAME_MAX))
		return bw_fail(call, IAM_SLR_SUFFIX_INVALID, suffix);
	if (s_role_name(svc, suffix, name, sizeof name) != 0 || strlen(name) > S_ROLE_NAME_MAX)
		return bw_fail(call, IAM_SLR_NAME_TOO_LONG, svc->role_name, suffix ? suffix : "",
		               S_ROLE_NAME_MAX);
	if (s_path(svc->principal, path, sizeof path) != 0 ||
	    bw_iam_key(name, key, sizeof key) != 0)
		return bw_iam_internal(call);
	/* any role of that name (IAM names are unique without regard to case),
	 * service-linked or not, takes it */
	json_t *existing = NULL;
	int rc = bw_doc_get(call->store, BW_IAM_ROLE, call->account_id, key, &existing);
	json_decref(existing);
	if (rc == BW_STORE_OK)
		return bw_fail(call, IAM_SLR_NAME_TAKEN, name);
	if (rc != BW_STORE_NOT_FOUND)
		return bw_iam_internal(call);

	/* the trust policy AWS gives it: only the service may assume it */
	json_t *trust =
	    json_pack("{s:s,s:[{s:s,s:{s:s},s:s}]}", "Version", "2012-10-17", "Statement", "Effect",
	              "Allow", "Principal", "Service", svc->principal, "Action", "sts:AssumeRole");
	char *trust_text = trust ? json_dumps(trust, JSON_COMPACT) : NULL;
	json_decref(trust);
	json_t *role_in = trust_text ? json_pack("{s:s,s:s,s:s}", "RoleName", name, "Path", path,
	                                         "AssumeRolePolicyDocument", trust_text)
	                             : NULL;
	free(trust_text);
	if (!role_in ||
	    (desc && json_object_set_new(role_in, "Description", json_string(desc)) != 0)) {
		json_decref(role_in);
		return bw_iam_internal(call);
	}
	/* CreateRole and AttachRolePolicy join this transaction */
	rc = bw_iamp_create_role(call, role_in, out);
	json_decref(role_in);
	if (rc != 0)
		return -1;
	if (svc->policy) {
		if (bw_iam_keyf(policy, sizeof policy,
		                "arn:aws:iam::aws:policy" BW_IAM_SLR_PATH "%s", svc->policy) != 0)
			return bw_iam_internal(call);
		json_t *attach = json_pack("{s:s,s:s}", "RoleName", name, "PolicyArn", policy);
		json_t *ignored = json_object();
		rc = attach && ignored ? bw_iamp_attach_role_policy(call, attach, ignored)
		                       : bw_iam_internal(call);
		json_decref(attach);
		json_decref(ignored);
		if (rc != 0)
			return -1;
	}
	return s_mark(call, name, svc->principal);
}

int bw_iam_create_service_linked_role(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_create_txn, in, out);
}

/* --- DeleteServiceLinkedRole
 * ------------------------------------------------------------------ */

/* Detach every managed policy from the (unmarked) role. */
static int s_detach_all(struct bw_call *call, const char *name, const char *key)
{
	char prefix[BW_IAM_KEY_MAX];
	json_t *rows = NULL;
	size_t i;
	json_t *row;
	if (bw_iam_keyf(prefix, sizeof prefix, "role/%s/", key) != 0)
		return bw_iam_internal(call);
	if (bw_iam_list_all(call, BW_IAM_ATTACHED, prefix, &rows) != 0)
		return -1;
	json_array_foreach(rows, i, row)
	{
		const char *arn = bw_iam_str(json_object_get(row, "doc"), "PolicyArn");
		json_t *din =
		    arn ? json_pack("{s:s,s:s}", "RoleName", name, "PolicyArn", arn) : NULL;
		json_t *ignored = json_object();
		int rc = din && ignored ? bw_iamp_detach_role_policy(call, din, ignored)
		                        : bw_iam_internal(call);
		json_decref(din);
		json_decref(ignored);
		if (rc != 0) {
			json_decref(rows);
			return -1;
		}
	}
	json_decref(rows);
	return 0;
}

static int s_delete_txn(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iam_str(in, "RoleName");
	char key[BW_IAM_KEY_MAX], uuid[BW_REQUEST_ID_LEN + 1], task[BW_IAM_KEY_MAX];
	json_t *role = NULL;
	if (!name || bw_iam_key_or_fail(call, name, key, sizeof key) != 0)
		return -1;
	int rc = bw_doc_get(call->store, BW_IAM_ROLE, call->account_id, key, &role);
	if (rc != BW_STORE_OK && rc != BW_STORE_NOT_FOUND)
		return bw_iam_internal(call);
	/* a role CreateRole made is not this operation's to delete, whatever
	 * its path: DeleteRole is */
	if (!role || !bw_iam_role_is_service_linked(role)) {
		json_decref(role);
		return bw_fail(call, IAM_NO_SUCH_ENTITY, "service-linked role", name);
	}
	json_t *mark = json_object_get(role, "ServiceLinked");
	const char *principal = bw_iam_str(mark, "AWSServiceName");
	const char *stored = bw_iam_str(role, "RoleName");
	const char *arn = bw_iam_str(role, "Arn");
	bw_request_id(uuid);
	if (!principal || !stored || !arn ||
	    bw_iam_keyf(task, sizeof task, S_TASK_PREFIX "%s/%s/%s", principal, stored, uuid) !=
	        0) {
		json_decref(role);
		return bw_iam_internal(call);
	}
	/* No Bulwark resource uses a service-linked role (nothing records one
	 * as in use), so the deletion is done now, here: unmark the role so
	 * the ordinary detach and delete may act, then remove it. */
	json_t *task_doc =
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f}", "DeletionTaskId", task, "RoleName", stored,
	              "RoleArn", arn, "AWSServiceName", principal, "Status", "SUCCEEDED",
	              "CreateDate", call->now_s, "CompletedDate", call->now_s);
	json_t *del_in = json_pack("{s:s}", "RoleName", stored);
	json_t *ignored = json_object();
	char stored_name[BW_IAM_KEY_MAX];
	snprintf(stored_name, sizeof stored_name, "%s", stored);
	json_object_del(role, "ServiceLinked");
	rc = -1;
	if (!task_doc || !del_in || !ignored ||
	    bw_doc_update(call->store, BW_IAM_ROLE, call->account_id, key, role) != BW_STORE_OK)
		bw_iam_internal(call);
	else if (s_detach_all(call, stored_name, key) == 0 &&
	         bw_iamp_delete_role(call, del_in, ignored) == 0) {
		if (bw_doc_create(call->store, BW_IAM_SLR_DELETION_TASK, call->account_id, task,
		                  task_doc) != BW_STORE_OK ||
		    json_object_set_new(out, "DeletionTaskId", json_string(task)) != 0)
			bw_iam_internal(call);
		else
			rc = 0;
	}
	json_decref(task_doc);
	json_decref(del_in);
	json_decref(ignored);
	json_decref(role);
	return rc;
}

int bw_iam_delete_service_linked_role(struct bw_call *call, const json_t *in, json_t *out)
{
	return bw_iamp_txn(call, s_delete_txn, in, out);
}

/* --- GetServiceLinkedRoleDeletionStatus
 * ------------------------------------------------------------------ */

int bw_iam_get_service_linked_role_deletion_status(struct bw_call *call, const json_t *in,
                                                   json_t *out)
{
	const char *id = bw_iam_str(in, "DeletionTaskId");
	char principal[BW_IAM_KEY_MAX], role[BW_IAM_KEY_MAX];
	json_t *task = NULL;
	if (s_parse_task(id, principal, role, sizeof role) != 0)
		return bw_fail(call, IAM_SLR_TASK_INVALID, id ? id : "");
	int rc = bw_doc_get(call->store, BW_IAM_SLR_DELETION_TASK, call->account_id, id, &task);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_fail(call, IAM_NO_SUCH_SLR_TASK, id);
	if (rc != BW_STORE_OK)
		return bw_iam_internal(call);
	json_t *status = json_object_get(task, "Status");
	rc = json_is_string(status) && json_object_set(out, "Status", status) == 0
	         ? 0
	         : bw_iam_internal(call);
	json_t *reason = json_object_get(task, "Reason");
	if (rc == 0 && reason && json_object_set(out, "Reason", reason) != 0)
		rc = bw_iam_internal(call);
	json_decref(task);
	return rc;
}
