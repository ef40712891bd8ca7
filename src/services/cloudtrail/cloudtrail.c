/*
 * cloudtrail.c: the CloudTrail service (awsJson 1.1,
 * CloudTrail_20131101): its operation tables — LookupEvents over the event
 * log every call is recorded in (lookup.c), and the trails that deliver it
 * (trails_table.c) — and its tick: prune events past retention, then the
 * trails' deliveries (trails.h).
 */
#include "services/cloudtrail/lake.h"
#include "services/cloudtrail/lookup.h"
#include "services/cloudtrail/trails.h"
#include "services/service.h"

static void s_tick(struct bw_store *store, const struct bw_root_key *rk, double now_s)
{
	bw_cloudtrail_prune_tick(store, now_s);
	bw_trail_tick(store, rk, now_s);
}

static const struct bw_op_table *const s_tables[] = {
	&bw_cloudtrail_lookup_ops, &bw_cloudtrail_trail_ops, &bw_cloudtrail_lake_ops};

const struct bw_service bw_service_cloudtrail = {
	.model_name = "cloudtrail",
	.tables = s_tables,
	.ntables = sizeof s_tables / sizeof s_tables[0],
	.tick = s_tick,
};
