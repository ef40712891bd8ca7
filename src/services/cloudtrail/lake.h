/*
 * lake.h: CloudTrail Lake — event data stores over bulwark's event log and
 * SQL queries on them (lake.c; the operation table is lake_table.c).
 */
#ifndef BW_SERVICES_CLOUDTRAIL_LAKE_H
#define BW_SERVICES_CLOUDTRAIL_LAKE_H

#include "services/service.h"

extern const struct bw_op_table bw_cloudtrail_lake_ops;

int bw_lake_create_event_data_store(struct bw_call *call, const json_t *in, json_t *out);
int bw_lake_get_event_data_store(struct bw_call *call, const json_t *in, json_t *out);
int bw_lake_list_event_data_stores(struct bw_call *call, const json_t *in, json_t *out);
int bw_lake_delete_event_data_store(struct bw_call *call, const json_t *in, json_t *out);
int bw_lake_start_query(struct bw_call *call, const json_t *in, json_t *out);
int bw_lake_get_query_results(struct bw_call *call, const json_t *in, json_t *out);
int bw_lake_describe_query(struct bw_call *call, const json_t *in, json_t *out);
int bw_lake_cancel_query(struct bw_call *call, const json_t *in, json_t *out);
int bw_lake_list_queries(struct bw_call *call, const json_t *in, json_t *out);

/* IAM resources: the event data store named by EventDataStore, by the
 * query's FROM (StartQuery), or by the stored query (QueryId); "*" when
 * none can be found (the handler then fails the call). */
int bw_lake_eds_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);
int bw_lake_query_resource(struct bw_call *call, const json_t *in, struct bw_resource *res);

#endif
