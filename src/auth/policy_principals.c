/* policy_principals.c: reading and rewriting a policy's AWS principals. */
#include "auth/policy_principals.h"

#include <string.h>

/* Each statement's Principal and NotPrincipal "AWS" value (string or list). */
static void s_each_aws(json_t *doc, void (*fn)(json_t *holder, const char *member, json_t *v,
                                               void *arg),
                       void *arg)
{
	json_t *stmts = json_object_get(doc, "Statement");
	json_t *one[1] = {stmts};
	size_t n = json_is_array(stmts) ? json_array_size(stmts) : json_is_object(stmts) ? 1 : 0;
	static const char *const members[] = {"Principal", "NotPrincipal"};
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_is_array(stmts) ? json_array_get(stmts, i) : one[0];
		for (size_t m = 0; m < 2; m++) {
			json_t *p = json_object_get(st, members[m]);
			json_t *aws = json_object_get(p, "AWS");
			if (aws)
				fn(p, "AWS", aws, arg);
		}
	}
}

static void s_collect(json_t *holder, const char *member, json_t *v, void *arg)
{
	(void)holder;
	(void)member;
	json_t *out = arg;
	if (json_is_string(v)) {
		json_array_append(out, v);
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
		if (json_is_string(e))
			json_array_append(out, e);
}

json_t *bw_policy_aws_principals(const char *text)
{
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	json_t *out = doc ? json_array() : NULL;
	if (out)
		s_each_aws(doc, s_collect, out);
	json_decref(doc);
	return out;
}

struct s_replace {
	const char *from, *to;
	bool changed, oom;
};

static void s_replace_one(json_t *holder, const char *member, json_t *v, void *arg)
{
	struct s_replace *r = arg;
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), r->from) == 0) {
			r->oom |= json_object_set_new(holder, member, json_string(r->to)) != 0;
			r->changed = true;
		}
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (json_is_string(e) && strcmp(json_string_value(e), r->from) == 0) {
			r->oom |= json_array_set_new(v, i, json_string(r->to)) != 0;
			r->changed = true;
		}
	}
}

char *bw_policy_replace_aws_principal(const char *text, const char *from, const char *to,
                                      bool *changed)
{
	*changed = false;
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	if (!doc)
		return NULL;
	struct s_replace r = {.from = from, .to = to};
	s_each_aws(doc, s_replace_one, &r);
	char *out = NULL;
	if (!r.oom)
		out = r.changed ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : strdup(text);
	json_decref(doc);
	*changed = r.changed && out;
	return out;
}
