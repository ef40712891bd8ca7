/*
 * paging.h: the opaque markers AWS's list operations hand out. A marker is
 * the store key of the last item a page returned, base64-encoded; the next
 * request resumes after it. Each service names the members its own way
 * (IAM: IsTruncated/Marker; KMS: Truncated/NextMarker) and answers a bad
 * marker with its own error.
 */
#ifndef BW_SERVICES_PAGING_H
#define BW_SERVICES_PAGING_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"

/* Set out[truncated_member] and, when truncated, out[marker_member]. */
int bw_paging_set(json_t *out, const char *truncated_member, const char *marker_member,
                  bool truncated, const char *last_key);
/* The store key a marker names, into after (appended). -1 if the marker is
 * not one of ours: not base64, empty, or holding a NUL. */
int bw_paging_decode(const char *marker, struct bw_buf *after);

#endif
