/*
 * lake_table.c: the CloudTrail Lake operations (handlers in lake.c), listed
 * by the CloudTrail service (cloudtrail.c). Each acts on an event data
 * store: its ARN is the IAM resource, found from EventDataStore, from the
 * statement's FROM (StartQuery) or from the stored query (QueryId).
 */
#include "services/cloudtrail/lake.h"

static const struct bw_op_impl s_ops[] = {
	{.name = "CancelQuery", .handler = bw_lake_cancel_query,
	 .iam_action = "cloudtrail:CancelQuery", .resource = bw_lake_query_resource},
	/* a new store has no ARN yet */
	{.name = "CreateEventDataStore", .handler = bw_lake_create_event_data_store,
	 .iam_action = "cloudtrail:CreateEventDataStore"},
	{.name = "DeleteEventDataStore", .handler = bw_lake_delete_event_data_store,
	 .iam_action = "cloudtrail:DeleteEventDataStore", .resource = bw_lake_eds_resource},
	{.name = "DescribeQuery", .handler = bw_lake_describe_query,
	 .iam_action = "cloudtrail:DescribeQuery", .resource = bw_lake_query_resource,
	 .read_only = true},
	{.name = "GetEventDataStore", .handler = bw_lake_get_event_data_store,
	 .iam_action = "cloudtrail:GetEventDataStore", .resource = bw_lake_eds_resource,
	 .read_only = true},
	{.name = "GetQueryResults", .handler = bw_lake_get_query_results,
	 .iam_action = "cloudtrail:GetQueryResults", .resource = bw_lake_query_resource,
	 .read_only = true},
	{.name = "ListEventDataStores", .handler = bw_lake_list_event_data_stores,
	 .iam_action = "cloudtrail:ListEventDataStores", .read_only = true},
	{.name = "ListQueries", .handler = bw_lake_list_queries,
	 .iam_action = "cloudtrail:ListQueries", .resource = bw_lake_eds_resource,
	 .read_only = true},
	/* reads only, but it stores the result it makes */
	{.name = "StartQuery", .handler = bw_lake_start_query, .iam_action = "cloudtrail:StartQuery",
	 .resource = bw_lake_query_resource},
};

const struct bw_op_table bw_cloudtrail_lake_ops = BW_OP_TABLE(s_ops);
