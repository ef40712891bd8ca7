/*
 * resource.c: the resource a call acts on, resolved once (call.h).
 *
 * The gateway resolves it right after decoding, before authorization, with
 * the operation's locator (service.h); the authorizer, the handler and the
 * trail then read call->resource. Resolving twice is how a Deny was once
 * bypassed: authorization saw the name as typed ("VICTIM") while the
 * handler's case-insensitive lookup found the stored user ("victim").
 */
#include "gateway/errors.h"
#include "gateway/resource.h"

#include <string.h>

#include "services/service.h"

void bw_resource_clean_up(struct bw_resource *r)
{
	bw_buf_free(&r->arn);
	json_decref(r->tags);
	*r = (struct bw_resource){0};
}

/* One tag of a list: {Key, Value} (IAM, STS, CloudTrail) or {TagKey,
 * TagValue} (KMS). */
static int s_set_tag(json_t *map, const json_t *tag)
{
	const json_t *k = json_object_get(tag, "Key");
	const json_t *v = json_object_get(tag, "Value");
	if (!k) {
		k = json_object_get(tag, "TagKey");
		v = json_object_get(tag, "TagValue");
	}
	if (!json_is_string(k) || !json_is_string(v))
		return 0;
	return json_object_set_new(map, json_string_value(k), json_string(json_string_value(v)));
}

json_t *bw_tags_map(const json_t *tags)
{
	json_t *map = json_object();
	if (!map)
		return NULL;
	int rc = 0;
	if (json_is_object(tags)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)tags, k, v)
			if (json_is_string(v))
				rc |= json_object_set_new(map, k, json_string(json_string_value(v)));
	} else if (json_is_array(tags)) {
		size_t i;
		json_t *t;
		json_array_foreach(tags, i, t)
			rc |= s_set_tag(map, t);
	}
	if (rc != 0) {
		json_decref(map);
		return NULL;
	}
	return map;
}

int bw_resource_set_tags(struct bw_resource *r, const json_t *tags)
{
	json_decref(r->tags);
	r->tags = NULL;
	if (!tags || (!json_array_size(tags) && !json_object_size(tags)))
		return 0;
	r->tags = bw_tags_map(tags);
	return r->tags ? 0 : -1;
}

int bw_resource_from_doc(struct bw_resource *r, const json_t *doc, const char *arn_member,
                         const char *tags_member)
{
	const char *arn = json_string_value(json_object_get(doc, arn_member));
	bw_buf_reset(&r->arn);
	if (!arn || bw_buf_append_str(&r->arn, arn) != 0)
		return -1;
	r->found = true;
	return bw_resource_set_tags(r, json_object_get(doc, tags_member));
}

void bw_resource_created(struct bw_call *call, const char *arn)
{
	/* only a call the gateway resolved has a resource (and a record that
	 * reads it); a handler run on its own keeps nothing here to free */
	if (!call || !call->resource_resolved || !arn || strncmp(arn, "arn:", 4) != 0)
		return;
	struct bw_buf b = {0};
	if (bw_buf_append_str(&b, arn) != 0) {
		bw_buf_free(&b);
		return;
	}
	bw_buf_free(&call->resource.arn);
	call->resource.arn = b;
	call->resource.found = true;
}

int bw_resource_resolve(struct bw_call *call, const json_t *in)
{
	if (call->resource_resolved)
		return 0;
	struct bw_resource *r = &call->resource;
	bw_resource_clean_up(r);
	bw_resource_fn locate = call->impl ? call->impl->resource : NULL;
	int rc = locate ? locate(call, in, r) : bw_buf_append_str(&r->arn, "*");
	if (rc == 0 && r->arn.len == 0)
		rc = bw_buf_append_str(&r->arn, "*");
	if (rc != 0) {
		bw_resource_clean_up(r);
		/* fail closed: never authorize against a guessed resource */
		if (!call->failed)
			bw_fail(call, BW_ERR_RESOURCE_UNRESOLVED);
		return -1;
	}
	call->resource_resolved = true;
	return 0;
}
