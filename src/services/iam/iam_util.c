/*
 * iam_util.c: IAM's shared checks (names, paths, tags), Marker/MaxItems
 * paging over the document store, ARNs and URL-encoded documents.
 */
#include "services/iam/iam_errors.h"
#include "services/iam/iam_util.h"
#include "services/paging.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/encoding.h"
#include "gateway/resource.h"
#include "services/iam/iam_store.h"
#include "store/doc.h"

#define S_TAGS_MAX 50
#define S_TAG_KEY_MAX 128
#define S_TAG_VALUE_MAX 256
#define S_PATH_MAX 512
#define S_MAX_ITEMS_DEFAULT 100

/* Characters of a UTF-8 string (AWS's lengths count code points). */
static size_t s_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0u) != 0x80u)
			n++;
	return n;
}

static bool s_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

bool bw_iam_name_ok(const char *name, size_t maxlen)
{
	size_t n = strlen(name);
	if (n < 1 || n > maxlen)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!s_word(c) && !strchr("+=,.@-", c))
			return false;
	}
	return true;
}

bool bw_iam_path_ok(const char *path)
{
	size_t n = strlen(path);
	if (n < 1 || n > S_PATH_MAX || path[0] != '/' || path[n - 1] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x21 || (unsigned char)path[i] > 0x7E)
			return false;
	return true;
}

bool bw_iam_path_prefix_ok(const char *prefix)
{
	size_t n = strlen(prefix);
	if (n < 1 || n > S_PATH_MAX || prefix[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)prefix[i] < 0x21 || (unsigned char)prefix[i] > 0x7F)
			return false;
	return true;
}

int bw_iam_check_name_or_fail(struct bw_call *call, const char *member, const char *name,
                              size_t maxlen)
{
	if (bw_iam_name_ok(name, maxlen))
		return 0;
	if (strlen(name) > maxlen)
		return bw_fail(call, IAM_NAME_TOO_LONG, name, member, maxlen);
	return bw_fail(call, IAM_NAME_NOT_PATTERN, name, member);
}

int bw_iam_check_path_or_fail(struct bw_call *call, const char *member, const char *path)
{
	if (bw_iam_path_ok(path))
		return 0;
	return bw_fail(call, IAM_PATH_INVALID, member);
}

const char *bw_iam_str(const json_t *in, const char *member)
{
	return json_string_value(json_object_get(in, member));
}

int bw_iam_key_or_fail(struct bw_call *call, const char *name, char *out, size_t outlen)
{
	if (bw_iam_key(name, out, outlen) == 0)
		return 0;
	return bw_fail(call, IAM_NAME_KEY_TOO_LONG, name);
}

int bw_iam_arn(const char *account, const char *type, const char *path, const char *name,
               struct bw_buf *out)
{
	bw_buf_reset(out);
	return bw_buf_appendf(out, "arn:aws:iam::%s:%s%s%s", account, type, path ? path : "/",
	                      name);
}

int bw_iam_entity_resource(struct bw_call *call, const char *kind, const char *word,
                           const char *name, const char *path, struct bw_resource *res)
{
	char key[BW_IAM_KEY_MAX];
	json_t *doc = NULL;
	if (bw_iam_key(name, key, sizeof key) != 0) /* too long to exist: the handler says so */
		return bw_iam_arn(call->account_id, word, path, name, &res->arn);
	int rc = bw_doc_get(call->store, kind, call->account_id, key, &doc);
	if (rc == BW_STORE_NOT_FOUND)
		return bw_iam_arn(call->account_id, word, path, name, &res->arn);
	if (rc != BW_STORE_OK)
		return -1;
	rc = bw_resource_from_doc(res, doc, "Arn", "Tags");
	json_decref(doc);
	return rc;
}

int bw_iam_boundary_keys(struct bw_call *call, const json_t *in, json_t *extra)
{
	const char *given = bw_iam_str(in, "PermissionsBoundary");
	if (given)
		return json_object_set_new(extra, "iam:PermissionsBoundary", json_string(given));
	const char *kind = BW_IAM_USER, *name = bw_iam_str(in, "UserName");
	if (!name) {
		kind = BW_IAM_ROLE;
		name = bw_iam_str(in, "RoleName");
	}
	char key[BW_IAM_KEY_MAX];
	json_t *doc = NULL;
	if (!name || bw_iam_key(name, key, sizeof key) != 0)
		return 0;
	int rc = bw_doc_get(call->store, kind, call->account_id, key, &doc);
	if (rc == BW_STORE_NOT_FOUND)
		return 0;
	if (rc != BW_STORE_OK)
		return -1;
	const char *have = bw_iam_str(json_object_get(doc, "PermissionsBoundary"),
	                              "PermissionsBoundaryArn");
	rc = have ? json_object_set_new(extra, "iam:PermissionsBoundary", json_string(have)) : 0;
	json_decref(doc);
	return rc;
}

int bw_iam_policy_arn_keys(struct bw_call *call, const json_t *in, json_t *extra)
{
	(void)call;
	const char *arn = bw_iam_str(in, "PolicyArn");
	return arn ? json_object_set_new(extra, "iam:PolicyARN", json_string(arn)) : 0;
}

int bw_iam_attach_keys(struct bw_call *call, const json_t *in, json_t *extra)
{
	if (bw_iam_policy_arn_keys(call, in, extra) != 0)
		return -1;
	/* a group has no boundary */
	if (!bw_iam_str(in, "UserName") && !bw_iam_str(in, "RoleName"))
		return 0;
	return bw_iam_boundary_keys(call, in, extra);
}

json_t *bw_iam_url_encoded(const char *text)
{
	struct bw_buf b = {0};
	json_t *s = NULL;
	if (bw_url_encode(text, strlen(text), false, &b) == 0)
		s = json_string(bw_buf_cstr(&b));
	bw_buf_free(&b);
	return s;
}

/* [\p{L}\p{Z}\p{N}_.:/=+\-@]: ASCII letters, digits, space and the listed
 * marks; every non-ASCII code point is let through as a letter (we do not
 * carry Unicode tables; AWS's letter classes cover nearly all of them). */
static bool s_tag_text_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x80 || (s_word(c) && c != '_') || strchr(" _.:/=+-@", c))
			continue;
		return false;
	}
	return true;
}

int bw_iam_check_tags_or_fail(struct bw_call *call, const json_t *tags)
{
	if (!tags)
		return 0;
	size_t n = json_array_size(tags);
	if (n > S_TAGS_MAX)
		return bw_fail(call, IAM_TOO_MANY_TAGS);
	for (size_t i = 0; i < n; i++) {
		const char *key = bw_iam_str(json_array_get(tags, i), "Key");
		const char *value = bw_iam_str(json_array_get(tags, i), "Value");
		if (!key || !value)
			return bw_fail(call, IAM_TAG_NULL, i + 1, key ? "value" : "key");
		size_t kc = s_chars(key), vc = s_chars(value);
		if (kc < 1 || kc > S_TAG_KEY_MAX || !s_tag_text_ok(key))
			return bw_fail(call, IAM_TAG_KEY_NOT_PATTERN, key, i + 1);
		if (vc > S_TAG_VALUE_MAX || !s_tag_text_ok(value))
			return bw_fail(call, IAM_TAG_VALUE_NOT_PATTERN, value, i + 1);
		if (strncasecmp(key, "aws:", 4) == 0)
			return bw_fail(call, IAM_TAG_KEY_RESERVED);
		for (size_t j = 0; j < i; j++) {
			const char *other = bw_iam_str(json_array_get(tags, j), "Key");
			if (other && strcasecmp(other, key) == 0)
				return bw_fail(call, IAM_DUPLICATE_TAG_KEYS);
		}
	}
	return 0;
}

int bw_iam_page_or_fail(struct bw_call *call, const json_t *in, struct bw_iam_page *page)
{
	memset(page, 0, sizeof *page);
	page->max_items = S_MAX_ITEMS_DEFAULT;
	const json_t *mi = json_object_get(in, "MaxItems");
	if (json_is_integer(mi)) {
		json_int_t v = json_integer_value(mi);
		if (v < 1 || v > 1000)
			return bw_fail(call, IAM_MAX_ITEMS_INVALID, (long long)v);
		page->max_items = (size_t)v;
	}
	const char *marker = bw_iam_str(in, "Marker");
	if (!marker)
		return 0;
	if (bw_paging_decode(marker, &page->after) != 0) {
		bw_buf_free(&page->after);
		return bw_fail(call, IAM_MARKER_INVALID);
	}
	return 0;
}

void bw_iam_page_free(struct bw_iam_page *page)
{
	bw_buf_free(&page->after);
}

int bw_iam_set_paging(json_t *out, bool truncated, const char *last_key)
{
	return bw_paging_set(out, "IsTruncated", "Marker", truncated, last_key);
}

int bw_iam_internal(struct bw_call *call)
{
	return bw_fail(call, IAM_SERVICE_FAILURE);
}

int bw_iam_list_or_fail(struct bw_call *call, const char *kind, const char *prefix,
                        const struct bw_iam_page *page, bw_iam_filter_fn filter, void *ctx,
                        json_t **items, json_t *out)
{
	char after[BW_IAM_KEY_MAX] = "";
	char last[BW_IAM_KEY_MAX] = "";
	bool truncated = false;
	if (page->after.len >= sizeof after)
		return bw_fail(call, IAM_MARKER_INVALID);
	if (page->after.len)
		memcpy(after, page->after.data, page->after.len + 1);
	*items = json_array();
	if (!*items)
		return bw_iam_internal(call);
	/* Read in batches until the page is full and one more match proves the
	 * list goes on, or the kind runs out: a filter may skip many. */
	for (;;) {
		json_t *docs = NULL;
		bool more = false;
		struct bw_doc_page dp = {.prefix = prefix, .after = after[0] ? after : NULL,
		                         .limit = page->max_items + 1};
		if (bw_doc_list(call->store, kind, call->account_id, &dp, &docs, &more) != BW_STORE_OK)
			goto error;
		size_t i;
		json_t *row;
		json_array_foreach(docs, i, row) {
			const char *key = bw_iam_str(row, "key");
			json_t *doc = json_object_get(row, "doc");
			if (!key || strlen(key) >= sizeof after)
				continue;
			snprintf(after, sizeof after, "%s", key);
			if (filter && !filter(doc, ctx))
				continue;
			if (json_array_size(*items) == page->max_items) {
				truncated = true;
				break;
			}
			if (json_array_append(*items, doc) != 0) {
				json_decref(docs);
				goto error;
			}
			snprintf(last, sizeof last, "%s", key);
		}
		json_decref(docs);
		if (truncated || !more)
			break;
	}
	if (bw_iam_set_paging(out, truncated, last) != 0)
		goto error;
	return 0;
error:
	json_decref(*items);
	*items = NULL;
	return bw_iam_internal(call);
}

int bw_iam_keyf(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < outlen ? 0 : -1;
}
