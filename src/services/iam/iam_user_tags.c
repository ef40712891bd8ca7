/*
 * iam_user_tags.c: TagUser, UntagUser, ListUserTags. Tags live in the user
 * document ("Tags": [{Key, Value}...]); keys match without regard to case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "services/iam/iam_errors.h"
#include "services/iam/iam_identity.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

#define S_TAGS_MAX 50

/* Index of the tag whose key matches (case-insensitively), or -1. */
static long s_find(const json_t *tags, const char *key)
{
	for (size_t i = 0; i < json_array_size(tags); i++) {
		const char *k = bw_iam_str(json_array_get(tags, i), "Key");
		if (k && strcasecmp(k, key) == 0)
			return (long)i;
	}
	return -1;
}

/* Load the user for a write, let edit change its tags, store it back. */
static int s_edit_tags(struct bw_call *call, const char *name,
                       int (*edit)(struct bw_call *, json_t *tags, const json_t *arg),
                       const json_t *arg)
{
	char key[BW_IAM_KEY_MAX];
	json_t *doc = NULL;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "UserName");
	if (bw_iam_key_or_fail(call, name, key, sizeof key) != 0)
		return -1;
	if (bw_store_begin(call->store) != 0)
		return bw_iam_internal(call);
	if (bw_iam_user_load_or_fail(call, name, &doc) != 0)
		goto error;
	json_t *tags = json_object_get(doc, "Tags");
	if (!json_is_array(tags)) {
		tags = json_array();
		if (!tags || json_object_set_new(doc, "Tags", tags) != 0) {
			bw_iam_internal(call);
			goto error;
		}
	}
	if (edit(call, tags, arg) != 0)
		goto error;
	if (json_array_size(tags) == 0)
		json_object_del(doc, "Tags");
	if (bw_doc_update(call->store, BW_IAM_USER, call->account_id, key, doc) != BW_STORE_OK) {
		bw_iam_internal(call);
		goto error;
	}
	json_decref(doc);
	return bw_store_commit(call->store) == 0 ? 0 : bw_iam_internal(call);
error:
	json_decref(doc);
	bw_store_rollback(call->store);
	return -1;
}

/* A tag whose key exists is overwritten (the new key's case wins). */
static int s_add(struct bw_call *call, json_t *tags, const json_t *add)
{
	size_t i;
	json_t *t;
	json_array_foreach(add, i, t) {
		json_t *copy = json_pack("{s:s, s:s}", "Key", bw_iam_str(t, "Key"), "Value",
		                         bw_iam_str(t, "Value"));
		long at = s_find(tags, bw_iam_str(t, "Key"));
		int rc = !copy ? -1 : at >= 0 ? json_array_set_new(tags, (size_t)at, copy)
		                              : json_array_append_new(tags, copy);
		if (rc != 0)
			return bw_iam_internal(call);
	}
	if (json_array_size(tags) > S_TAGS_MAX)
		return bw_fail(call, IAM_TOO_MANY_TAGS);
	return 0;
}

static int s_remove(struct bw_call *call, json_t *tags, const json_t *keys)
{
	(void)call;
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k) {
		long at = json_is_string(k) ? s_find(tags, json_string_value(k)) : -1;
		if (at >= 0)
			json_array_remove(tags, (size_t)at);
	}
	return 0;
}

int bw_iam_tag_user(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const json_t *tags = json_object_get(in, "Tags");
	if (!json_is_array(tags))
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "Tags");
	if (bw_iam_check_tags_or_fail(call, tags) != 0)
		return -1;
	return s_edit_tags(call, bw_iam_str(in, "UserName"), s_add, tags);
}

int bw_iam_untag_user(struct bw_call *call, const json_t *in, json_t *out)
{
	(void)out;
	const json_t *keys = json_object_get(in, "TagKeys");
	if (!json_is_array(keys))
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "TagKeys");
	return s_edit_tags(call, bw_iam_str(in, "UserName"), s_remove, keys);
}

/* Tags are few (at most 50): the marker is the index to start at. */
int bw_iam_list_user_tags(struct bw_call *call, const json_t *in, json_t *out)
{
	const char *name = bw_iam_str(in, "UserName");
	struct bw_iam_page page;
	json_t *doc = NULL, *items = NULL;
	size_t start = 0;
	if (!name)
		return bw_fail(call, BW_ERR_REQUIRED_MISSING, "UserName");
	if (bw_iam_page_or_fail(call, in, &page) != 0)
		return -1;
	if (page.after.len) {
		char *end = NULL;
		unsigned long v = strtoul(bw_buf_cstr(&page.after), &end, 10);
		if (!end || *end || v > S_TAGS_MAX) {
			bw_iam_page_free(&page);
			return bw_fail(call, IAM_MARKER_INVALID);
		}
		start = (size_t)v;
	}
	if (bw_iam_user_load_or_fail(call, name, &doc) != 0)
		goto error;
	const json_t *tags = json_object_get(doc, "Tags");
	size_t n = json_array_size(tags);
	items = json_array();
	if (!items)
		goto internal;
	size_t i = start;
	for (; i < n && json_array_size(items) < page.max_items; i++)
		if (json_array_append(items, json_array_get(tags, i)) != 0)
			goto internal;
	char last[24];
	snprintf(last, sizeof last, "%zu", i);
	if (json_object_set_new(out, "Tags", items) != 0) {
		items = NULL;
		goto internal;
	}
	items = NULL;
	if (bw_iam_set_paging(out, i < n, last) != 0)
		goto internal;
	json_decref(doc);
	bw_iam_page_free(&page);
	return 0;
internal:
	bw_iam_internal(call);
error:
	json_decref(items);
	json_decref(doc);
	bw_iam_page_free(&page);
	return -1;
}
