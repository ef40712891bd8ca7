/*
 * lookup.h: CloudTrail's LookupEvents table and the event log's retention
 * (lookup.c).
 */
#ifndef BW_SERVICES_CLOUDTRAIL_LOOKUP_H
#define BW_SERVICES_CLOUDTRAIL_LOOKUP_H

#include "services/service.h"

extern const struct bw_op_table bw_cloudtrail_lookup_ops;

/* Prune events older than the retention period (bw_events_retention_days);
 * cheap when there is nothing to prune. Part of CloudTrail's tick. */
void bw_cloudtrail_prune_tick(struct bw_store *store, double now_s);

#endif
