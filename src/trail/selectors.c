/*
 * selectors.c: which events a trail takes — PutEventSelectors' checks and
 * the matching delivery applies to each record.
 *
 * Basic selectors (EventSelectors): an event is taken when any selector
 * takes it. A management event is taken by a selector with
 * IncludeManagementEvents (default true) whose ReadWriteType (default All)
 * admits its readOnly and whose ExcludeManagementEventSources does not
 * name its eventSource. A data event is taken by a selector whose
 * DataResources has an entry of the event's resource type whose Values
 * hold a prefix of one of the event's resource ARNs (or the bare type
 * prefix, "arn:aws:s3", meaning all).
 *
 * Advanced selectors: an event is taken when any selector takes it; a
 * selector takes it when each of its field selectors does; a field
 * selector takes a value that matches any of Equals / StartsWith /
 * EndsWith (when any is given) and none of NotEquals / NotStartsWith /
 * NotEndsWith. The fields that apply to bulwark's events: eventCategory,
 * readOnly, eventSource, eventName, resources.type, resources.ARN.
 *
 * With no selectors at all a trail takes every management event (AWS's
 * default selector). IncludeGlobalServiceEvents false drops the events of
 * global services (IAM, STS in us-east-1, CloudFront).
 */
#include "trail/trail.h"

#include <stdio.h>
#include <string.h>

static const char *const s_fields[] = {"eventCategory", "readOnly",       "eventSource",
                                       "eventName",     "resources.type", "resources.ARN"};
static const char *const s_ops[] = {"Equals",    "StartsWith",    "EndsWith",
                                    "NotEquals", "NotStartsWith", "NotEndsWith"};

static bool s_in(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

int bw_trail_selectors_check(const json_t *selectors, const json_t *advanced, char *why,
                             size_t whylen)
{
	if (selectors && advanced) {
		snprintf(why, whylen,
		         "You cannot specify both EventSelectors and "
		         "AdvancedEventSelectors in a PutEventSelectors request.");
		return -1;
	}
	if (!selectors && !advanced) {
		snprintf(why, whylen,
		         "You must specify either EventSelectors or "
		         "AdvancedEventSelectors in a PutEventSelectors request.");
		return -1;
	}
	if (selectors) {
		if (json_array_size(selectors) > 5) {
			snprintf(why, whylen,
			         "You can specify up to 5 event selectors for a trail.");
			return -1;
		}
		size_t i, j;
		json_t *s, *d;
		json_array_foreach(selectors, i, s)
		{
			size_t nvalues = 0;
			json_array_foreach(json_object_get(s, "DataResources"), j, d)
			{
				const char *type = json_string_value(json_object_get(d, "Type"));
				if (!type || !type[0]) {
					snprintf(why, whylen,
					         "Value for DataResource Type is required.");
					return -1;
				}
				nvalues += json_array_size(json_object_get(d, "Values"));
			}
			if (nvalues > 250) {
				snprintf(why, whylen,
				         "The total number of data resource values in all event "
				         "selectors cannot exceed 250.");
				return -1;
			}
		}
		return 0;
	}
	if (json_array_size(advanced) > 500) {
		snprintf(why, whylen, "You can specify up to 500 advanced event selectors.");
		return -1;
	}
	size_t i, j;
	json_t *sel, *fs;
	json_array_foreach(advanced, i, sel)
	{
		const json_t *list = json_object_get(sel, "FieldSelectors");
		if (json_array_size(list) == 0) {
			snprintf(why, whylen,
			         "Each advanced event selector needs at least one field "
			         "selector.");
			return -1;
		}
		bool has_category = false;
		json_array_foreach(list, j, fs)
		{
			const char *field = json_string_value(json_object_get(fs, "Field"));
			if (!field || !s_in(field, s_fields, sizeof s_fields / sizeof *s_fields)) {
				snprintf(why, whylen,
				         "Invalid Field value: %.100s. The fields supported here "
				         "are eventCategory, readOnly, eventSource, eventName, "
				         "resources.type and resources.ARN.",
				         field ? field : "");
				return -1;
			}
			if (strcmp(field, "eventCategory") == 0)
				has_category = true;
			size_t nops = 0;
			for (size_t k = 0; k < sizeof s_ops / sizeof *s_ops; k++)
				nops += json_array_size(json_object_get(fs, s_ops[k]));
			if (nops == 0) {
				snprintf(why, whylen,
				         "Field %.100s must have at least one operator with "
				         "values.",
				         field);
				return -1;
			}
		}
		if (!has_category) {
			snprintf(why, whylen,
			         "Each advanced event selector must include the "
			         "eventCategory field.");
			return -1;
		}
	}
	return 0;
}

static bool s_starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool s_ends(const char *s, const char *p)
{
	size_t ls = strlen(s), lp = strlen(p);
	return lp <= ls && strcmp(s + ls - lp, p) == 0;
}

static bool s_any(const json_t *values, const char *v, bool (*cmp)(const char *, const char *))
{
	size_t i;
	json_t *x;
	json_array_foreach(values, i, x)
	{
		const char *s = json_string_value(x);
		if (s && cmp(v, s))
			return true;
	}
	return false;
}

static bool s_eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* One value against one field selector. */
static bool s_field_takes(const json_t *fs, const char *v)
{
	const json_t *eq = json_object_get(fs, "Equals"), *sw = json_object_get(fs, "StartsWith"),
	             *ew = json_object_get(fs, "EndsWith");
	if (json_array_size(eq) + json_array_size(sw) + json_array_size(ew) > 0 &&
	    !s_any(eq, v, s_eq) && !s_any(sw, v, s_starts) && !s_any(ew, v, s_ends))
		return false;
	return !s_any(json_object_get(fs, "NotEquals"), v, s_eq) &&
	       !s_any(json_object_get(fs, "NotStartsWith"), v, s_starts) &&
	       !s_any(json_object_get(fs, "NotEndsWith"), v, s_ends);
}

static const char *s_category(const json_t *record)
{
	const char *c = json_string_value(json_object_get(record, "eventCategory"));
	return c ? c : "Management";
}

static bool s_advanced_takes(const json_t *sel, const json_t *record)
{
	size_t j;
	json_t *fs;
	json_array_foreach(json_object_get(sel, "FieldSelectors"), j, fs)
	{
		const char *field = json_string_value(json_object_get(fs, "Field"));
		if (!field)
			return false;
		if (strcmp(field, "resources.type") == 0 || strcmp(field, "resources.ARN") == 0) {
			/* Taken when some resource of the event matches. */
			const char *member = field[10] == 't' ? "type" : "ARN";
			bool any = false;
			size_t k;
			json_t *r;
			json_array_foreach(json_object_get(record, "resources"), k, r)
			{
				const char *v = json_string_value(json_object_get(r, member));
				if (v && s_field_takes(fs, v))
					any = true;
			}
			if (!any)
				return false;
			continue;
		}
		const char *v;
		if (strcmp(field, "eventCategory") == 0)
			v = s_category(record);
		else if (strcmp(field, "readOnly") == 0)
			v = json_is_true(json_object_get(record, "readOnly")) ? "true" : "false";
		else
			v = json_string_value(json_object_get(record, field));
		if (!v || !s_field_takes(fs, v))
			return false;
	}
	return true;
}

static bool s_basic_takes(const json_t *sel, const json_t *record)
{
	bool read_only = json_is_true(json_object_get(record, "readOnly"));
	const char *rw = json_string_value(json_object_get(sel, "ReadWriteType"));
	if (rw && ((strcmp(rw, "ReadOnly") == 0 && !read_only) ||
	           (strcmp(rw, "WriteOnly") == 0 && read_only)))
		return false;
	if (strcmp(s_category(record), "Management") == 0) {
		const json_t *inc = json_object_get(sel, "IncludeManagementEvents");
		if (inc && !json_is_true(inc))
			return false;
		const char *src = json_string_value(json_object_get(record, "eventSource"));
		return !(src &&
		         s_any(json_object_get(sel, "ExcludeManagementEventSources"), src, s_eq));
	}
	size_t i, k;
	json_t *d, *r;
	json_array_foreach(json_object_get(sel, "DataResources"), i, d)
	{
		const char *type = json_string_value(json_object_get(d, "Type"));
		json_array_foreach(json_object_get(record, "resources"), k, r)
		{
			const char *rt = json_string_value(json_object_get(r, "type"));
			const char *arn = json_string_value(json_object_get(r, "ARN"));
			if (!type || !rt || strcmp(type, rt) != 0 || !arn)
				continue;
			if (s_any(json_object_get(d, "Values"), arn, s_starts))
				return true;
		}
	}
	return false;
}

static bool s_global(const json_t *record)
{
	const char *src = json_string_value(json_object_get(record, "eventSource"));
	return src &&
	       (strcmp(src, "iam.amazonaws.com") == 0 || strcmp(src, "sts.amazonaws.com") == 0 ||
	        strcmp(src, "cloudfront.amazonaws.com") == 0);
}

bool bw_trail_selectors_match(const json_t *trail, const json_t *record)
{
	const json_t *g = json_object_get(trail, "IncludeGlobalServiceEvents");
	if (g && !json_is_true(g) && s_global(record))
		return false;
	const json_t *adv = json_object_get(trail, "AdvancedEventSelectors");
	const json_t *basic = json_object_get(trail, "EventSelectors");
	size_t i;
	json_t *sel;
	if (json_array_size(adv) > 0) {
		json_array_foreach(adv, i, sel) if (s_advanced_takes(sel, record)) return true;
		return false;
	}
	if (!json_is_array(basic))
		return strcmp(s_category(record), "Management") == 0;
	json_array_foreach(basic, i, sel) if (s_basic_takes(sel, record)) return true;
	return false;
}
