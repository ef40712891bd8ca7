/*
 * kms_tags.c: tags on KMS keys — TagResource, UntagResource,
 * ListResourceTags — kept in the key document's "Tags" list in the order
 * they were first set. KMS's rules: at most 50 tags a key, keys 1..128 and
 * values 0..256 characters (the model checks lengths), the "aws:" prefix
 * reserved; a key pending deletion cannot be tagged or untagged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "services/kms/kms_errors.h"
#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"

static json_t *s_find(json_t *tags, const char *key, size_t *index)
{
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t) {
		if (strcmp(bw_kms_doc_str(t, "TagKey"), key) == 0) {
			if (index)
				*index = i;
			return t;
		}
	}
	return NULL;
}

int bw_kms_check_tags_or_fail(struct bw_call *call, const json_t *tags)
{
	if (!json_is_array(tags))
		return bw_fail(call, KMS_NOT_A_LIST, "Tags");
	if (json_array_size(tags) > BW_KMS_MAX_TAGS)
		return bw_fail(call, KMS_TOO_MANY_TAGS, BW_KMS_MAX_TAGS);
	size_t i;
	const json_t *t;
	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "TagKey"));
		const char *v = json_string_value(json_object_get(t, "TagValue"));
		if (!k || !v || !k[0])
			return bw_fail(call, KMS_TAG_INCOMPLETE);
		/* reserved in any case: "aws:", "AWS:", "Aws:" ... */
		if (strncasecmp(k, "aws:", 4) == 0)
			return bw_fail(call, KMS_TAG_RESERVED);
		/* one request may not name a key twice (KMS tag keys are case
		 * sensitive, so "Env" and "env" are two keys) */
		for (size_t j = 0; j < i; j++) {
			const char *prev = json_string_value(json_object_get(json_array_get(tags, j),
			                                                     "TagKey"));
			if (prev && strcmp(prev, k) == 0)
				return bw_fail(call, KMS_DUPLICATE_TAG_KEYS);
		}
	}
	return 0;
}

int bw_kms_merge_tags(json_t *key_doc, const json_t *tags)
{
	json_t *have = json_object_get(key_doc, "Tags");
	if (!json_is_array(have)) {
		have = json_array();
		if (!have || json_object_set_new(key_doc, "Tags", have) != 0)
			return -1;
	}
	size_t i;
	const json_t *t;
	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "TagKey"));
		const char *v = json_string_value(json_object_get(t, "TagValue"));
		json_t *old = s_find(have, k, NULL);
		if (old ? json_object_set_new(old, "TagValue", json_string(v)) != 0
		        : json_array_append_new(have, json_pack("{s:s, s:s}", "TagKey", k, "TagValue",
		                                                v)) != 0)
			return -1;
	}
	return 0;
}

/* The key a tag operation names, if it may be tagged now. */
static int s_taggable_or_fail(struct bw_call *call, const json_t *in, const char *action,
                              json_t **doc)
{
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               doc) != 0)
		return -1;
	if (bw_kms_customer_managed_or_fail(call, *doc, action) == 0 &&
	    bw_kms_key_not_pending_deletion_or_fail(call, *doc) == 0)
		return 0;
	json_decref(*doc);
	*doc = NULL;
	return -1;
}

int bw_kms_tag_resource(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const json_t *tags = json_object_get(in, "Tags");
	json_t *doc = NULL;
	if (bw_kms_check_tags_or_fail(call, tags) != 0 ||
	    s_taggable_or_fail(call, in, "kms:TagResource", &doc) != 0)
		return -1;
	int rc = -1;
	if (bw_kms_merge_tags(doc, tags) != 0) {
		bw_kms_internal(call);
		goto done;
	}
	if (json_array_size(json_object_get(doc, "Tags")) > BW_KMS_MAX_TAGS) {
		bw_fail(call, KMS_TAG_LIMIT, BW_KMS_MAX_TAGS);
		goto done;
	}
	rc = bw_kms_save_key_or_fail(call, doc);
done:
	json_decref(doc);
	return rc;
}

int bw_kms_untag_resource(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const json_t *keys = json_object_get(in, "TagKeys");
	json_t *doc = NULL;
	if (!json_is_array(keys))
		return bw_fail(call, KMS_NOT_A_LIST, "TagKeys");
	if (s_taggable_or_fail(call, in, "kms:UntagResource", &doc) != 0)
		return -1;
	json_t *have = json_object_get(doc, "Tags");
	size_t i;
	const json_t *k;
	json_array_foreach(keys, i, k) {
		size_t at;
		const char *name = json_string_value(k);
		if (name && json_is_array(have) && s_find(have, name, &at))
			json_array_remove(have, at);
	}
	int rc = bw_kms_save_key_or_fail(call, doc);
	json_decref(doc);
	return rc;
}

int bw_kms_list_resource_tags(struct bw_call *call, const json_t *in, json_t *out)
{
	size_t limit;
	char after[BW_KMS_MARKER_MAX], next[32];
	if (bw_kms_page_or_fail(call, in, &limit, after, sizeof after) != 0)
		return -1;
	/* our marker is the index of the next tag */
	char *end = NULL;
	unsigned long start = after[0] ? strtoul(after, &end, 10) : 0;
	if (after[0] && (!end || *end || start > BW_KMS_MAX_TAGS))
		return bw_fail(call, KMS_INVALID_MARKER);
	json_t *doc = NULL;
	if (bw_kms_resolve_key_or_fail(call, json_string_value(json_object_get(in, "KeyId")),
	                               &doc) != 0)
		return -1;
	const json_t *have = json_object_get(doc, "Tags");
	json_t *tags = json_array();
	size_t n = json_array_size(have), i = start;
	for (; tags && i < n && json_array_size(tags) < limit; i++)
		if (json_array_append(tags, json_array_get(have, i)) != 0)
			break;
	bool truncated = i < n;
	snprintf(next, sizeof next, "%zu", i);
	int rc = 0;
	if (!tags || json_object_set_new(out, "Tags", json_deep_copy(tags)) != 0 ||
	    bw_kms_set_paging(out, truncated, next) != 0)
		rc = bw_kms_internal(call);
	json_decref(tags);
	json_decref(doc);
	return rc;
}
