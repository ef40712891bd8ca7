/* model.c: lookups in the generated tables (sorted by name: binary search). */
#include "protocol/model.h"

#include <string.h>

const struct bw_service_model *bw_model_find(const char *name)
{
	for (size_t i = 0; bw_models[i]; i++)
		if (strcmp(bw_models[i]->name, name) == 0)
			return bw_models[i];
	return NULL;
}

const struct bw_operation *bw_model_op(const struct bw_service_model *m, const char *op_name)
{
	size_t lo = 0, hi = m->nops;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(op_name, m->ops[mid].name);
		if (c == 0)
			return &m->ops[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct bw_shape *bw_model_shape(const struct bw_service_model *m, const char *shape_name)
{
	size_t lo = 0, hi = m->nshapes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(shape_name, m->shapes[mid].name);
		if (c == 0)
			return &m->shapes[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct bw_member *bw_shape_member(const struct bw_shape *s, const char *member_name)
{
	for (uint16_t i = 0; i < s->nmembers; i++)
		if (strcmp(s->members[i].name, member_name) == 0)
			return &s->members[i];
	return NULL;
}
