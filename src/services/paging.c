/* paging.c: opaque paging markers. */
#include "services/paging.h"

#include <string.h>

#include "core/encoding.h"

/* A marker longer than this was never one of ours. */
#define S_MARKER_MAX 4096

int bw_paging_set(json_t *out, const char *truncated_member, const char *marker_member,
                  bool truncated, const char *last_key)
{
	if (json_object_set_new(out, truncated_member, json_boolean(truncated)) != 0)
		return -1;
	if (!truncated)
		return 0;
	struct bw_buf m = {0};
	int rc = -1;
	if (bw_base64_encode(last_key, strlen(last_key), &m) == 0 &&
	    json_object_set_new(out, marker_member, json_string(bw_buf_cstr(&m))) == 0)
		rc = 0;
	bw_buf_free(&m);
	return rc;
}

int bw_paging_decode(const char *marker, struct bw_buf *after)
{
	size_t start = after->len;
	size_t len = strnlen(marker, S_MARKER_MAX + 1);
	if (len > S_MARKER_MAX || bw_base64_decode(marker, len, after) != 0 ||
	    after->len == start || memchr(after->data + start, 0, after->len - start)) {
		after->len = start;
		if (after->data)
			after->data[start] = 0;
		return -1;
	}
	return 0;
}
