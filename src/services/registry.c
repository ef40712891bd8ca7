/* registry.c: every service that has handlers. The one place that names them. */
#include "services/service.h"

#include <string.h>

extern const struct bw_service bw_service_kms;
extern const struct bw_service bw_service_sts;

const struct bw_service *const bw_services[] = {
	&bw_service_kms,
	&bw_service_sts,
	NULL,
};

const struct bw_service *bw_service_find(const char *model_name)
{
	for (size_t i = 0; bw_services[i]; i++)
		if (strcmp(bw_services[i]->model_name, model_name) == 0)
			return bw_services[i];
	return NULL;
}

const struct bw_op_impl *bw_service_op(const struct bw_service *svc, const char *op_name)
{
	for (size_t i = 0; i < svc->nops; i++)
		if (strcmp(svc->ops[i].name, op_name) == 0)
			return &svc->ops[i];
	return NULL;
}
