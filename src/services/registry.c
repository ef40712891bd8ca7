/* registry.c: every service that has handlers. The one place that names them. */
#include "services/service.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "protocol/model.h"

extern const struct bw_service bw_service_cloudtrail;
extern const struct bw_service bw_service_iam;
extern const struct bw_service bw_service_kms;
extern const struct bw_service bw_service_sts;

const struct bw_service *const bw_services[] = {
	&bw_service_cloudtrail,
	&bw_service_iam,
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
	for (size_t t = 0; t < svc->ntables; t++)
		for (size_t i = 0; i < svc->tables[t]->nops; i++)
			if (strcmp(svc->tables[t]->ops[i].name, op_name) == 0)
				return &svc->tables[t]->ops[i];
	return NULL;
}

/* The IAM action prefix of a service: its signing name ("kms:"), or "iam:"
 * / "sts:" which are their own. */
static int s_check_row(const struct bw_service *svc, const struct bw_service_model *m,
                       const struct bw_op_impl *op)
{
	char prefix[48];
	snprintf(prefix, sizeof prefix, "%s:", m->signing_name);
	const char *why = NULL;
	if (!op->handler)
		why = "has no handler";
	else if (!bw_model_op(m, op->name))
		why = "is not an operation of the model";
	else if (!op->iam_action || !op->iam_action[0])
		why = "declares no IAM action";
	else if (strncmp(op->iam_action, prefix, strlen(prefix)) != 0)
		why = "declares an IAM action of another service";
	if (!why)
		return 0;
	bw_logf(BW_LOG_ERROR, "service %s: operation %s %s; refusing to serve it", svc->model_name,
	        op->name ? op->name : "(null)", why);
	return -1;
}

int bw_services_check(void)
{
	int rc = 0;
	for (size_t i = 0; bw_services[i]; i++) {
		const struct bw_service *svc = bw_services[i];
		const struct bw_service_model *m = bw_model_find(svc->model_name);
		if (!m) {
			bw_logf(BW_LOG_ERROR, "service %s has no model", svc->model_name);
			rc = -1;
			continue;
		}
		for (size_t t = 0; t < svc->ntables; t++)
			for (size_t j = 0; j < svc->tables[t]->nops; j++)
				if (s_check_row(svc, m, &svc->tables[t]->ops[j]) != 0)
					rc = -1;
	}
	return rc;
}

void bw_services_tick(struct bw_store *store, const struct bw_root_key *rk, double now_s)
{
	for (size_t i = 0; bw_services[i]; i++)
		if (bw_services[i]->tick)
			bw_services[i]->tick(store, rk, now_s);
}

int bw_services_principal_deleted(struct bw_store *store, const char *account, const char *arn,
                                  const char *unique_id)
{
	for (size_t i = 0; bw_services[i]; i++)
		if (bw_services[i]->principal_deleted &&
		    bw_services[i]->principal_deleted(store, account, arn, unique_id) != 0)
			return -1;
	return 0;
}
