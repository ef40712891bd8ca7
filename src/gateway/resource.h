/*
 * resource.h: resolving the resource of a call (struct bw_resource in
 * call.h) and the helpers locators share.
 */
#ifndef BW_GATEWAY_RESOURCE_H
#define BW_GATEWAY_RESOURCE_H

#include <jansson.h>

#include "gateway/call.h"

/* Run the operation's locator once and keep the result on the call. 0, or
 * -1 with call->err set (the store could not answer: fail closed). */
int bw_resource_resolve(struct bw_call *call, const json_t *in);

/* A handler that made a resource names it on its call: the record's
 * "resources" (and LookupEvents by ResourceName) then name what was
 * created, which did not exist when the call was resolved and authorized.
 * Authorization is over by then; only the trail reads it. Out of memory,
 * or an arn that is not one, leaves the call's resource as it was: a
 * record without the name beats failing a create that is done. */
void bw_resource_created(struct bw_call *call, const char *arn);

/* Fill r from a stored document: its ARN member and its tags member (a
 * list or a map; may be absent); r->found is set. -1 out of memory or
 * when the document has no ARN. */
int bw_resource_from_doc(struct bw_resource *r, const json_t *doc, const char *arn_member,
                         const char *tags_member);

/* A tag list ({Key, Value} or {TagKey, TagValue}) or map as a new map
 * key -> value; NULL out of memory. */
json_t *bw_tags_map(const json_t *tags);

#endif
