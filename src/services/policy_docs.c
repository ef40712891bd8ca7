/* policy_docs.c: resource policies held in stored documents (policy_docs.h). */
#include "services/policy_docs.h"

#include <stdbool.h>
#include <stdlib.h>

#include "auth/policy_principals.h"
#include "store/doc.h"

int bw_policy_docs_replace_principal(struct bw_store *store, const char *kind,
                                     const char *account, const char *member, const char *from,
                                     const char *to)
{
	json_t *docs = NULL;
	bool more = false;
	struct bw_doc_page all = {0};
	if (bw_doc_list(store, kind, account, &all, &docs, &more) != BW_STORE_OK)
		return -1;
	int rc = 0;
	size_t i;
	json_t *e;
	json_array_foreach(docs, i, e) {
		json_t *doc = json_object_get(e, "doc");
		const char *policy = json_string_value(json_object_get(doc, member));
		bool changed = false;
		char *text = policy ? bw_policy_replace_aws_principal(policy, from, to, &changed) : NULL;
		if (policy && !text)
			rc = -1;
		else if (changed &&
		         (json_object_set_new(doc, member, json_string(text)) != 0 ||
		          bw_doc_update(store, kind, account,
		                        json_string_value(json_object_get(e, "key")), doc) !=
		              BW_STORE_OK))
			rc = -1;
		free(text);
		if (rc != 0)
			break;
	}
	json_decref(docs);
	return rc;
}
