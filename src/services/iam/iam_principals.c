/* iam_principals.c: principals named by resource policies (iam_principals.h). */
#include "services/iam/iam_principals.h"

#include <stdio.h>
#include <string.h>

#include "auth/policy_principals.h"
#include "services/iam/iam_store.h"
#include "services/policy_docs.h"
#include "store/doc.h"

/* "user" or "role" ARN of this account: the store kind and the name. */
static const char *s_entity_kind(const char *account, const char *arn, const char **name)
{
	char head[64];
	snprintf(head, sizeof head, "arn:aws:iam::%s:", account);
	size_t n = strlen(head);
	if (strncmp(arn, head, n) != 0)
		return NULL;
	const char *rest = arn + n;
	const char *kind = strncmp(rest, "user/", 5) == 0   ? BW_IAM_USER
	                   : strncmp(rest, "role/", 5) == 0 ? BW_IAM_ROLE
	                                                    : NULL;
	const char *slash = kind ? strrchr(rest, '/') : NULL;
	*name = slash ? slash + 1 : NULL;
	return kind && *name && **name ? kind : NULL;
}

int bw_iam_missing_principal(struct bw_store *store, const char *account, const char *text,
                             char *missing, size_t missing_len)
{
	json_t *arns = bw_policy_aws_principals(text);
	size_t i;
	json_t *a;
	int rc = 0;
	json_array_foreach(arns, i, a) {
		const char *arn = json_string_value(a), *name;
		const char *kind = s_entity_kind(account, arn, &name);
		char key[160];
		json_t *doc = NULL;
		if (!kind)
			continue;
		int g = bw_iam_key(name, key, sizeof key) == 0
			? bw_doc_get(store, kind, account, key, &doc)
			: BW_STORE_NOT_FOUND;
		if (g == BW_STORE_ERROR) {
			rc = -1;
			break;
		}
		const char *stored = json_string_value(json_object_get(doc, "Arn"));
		bool exists = g == BW_STORE_OK && stored && strcmp(stored, arn) == 0;
		json_decref(doc);
		if (!exists) {
			snprintf(missing, missing_len, "%s", arn);
			rc = 1;
			break;
		}
	}
	json_decref(arns);
	return rc;
}

int bw_iam_trust_principal_deleted(struct bw_store *store, const char *account, const char *arn,
                                   const char *unique_id)
{
	return bw_policy_docs_replace_principal(store, BW_IAM_ROLE, account,
	                                        "AssumeRolePolicyDocument", arn, unique_id);
}
