/*
 * trails_table.c: the trail operations of CloudTrail (handlers in
 * trails.c), listed by the CloudTrail service (cloudtrail.c).
 */
#include "services/cloudtrail/trails.h"

static const struct bw_op_impl s_ops[] = {
	{.name = "AddTags", .handler = bw_ct_add_tags, .iam_action = "cloudtrail:AddTags",
	 .resource = bw_ct_trail_resource},
	{.name = "CreateTrail", .handler = bw_ct_create_trail, .iam_action = "cloudtrail:CreateTrail",
	 .resource = bw_ct_trail_resource},
	{.name = "DeleteTrail", .handler = bw_ct_delete_trail, .iam_action = "cloudtrail:DeleteTrail",
	 .resource = bw_ct_trail_resource},
	/* DescribeTrails, ListTrails, ListPublicKeys act on no one resource. */
	{.name = "DescribeTrails", .handler = bw_ct_describe_trails,
	 .iam_action = "cloudtrail:DescribeTrails", .read_only = true},
	{.name = "GetEventSelectors", .handler = bw_ct_get_event_selectors,
	 .iam_action = "cloudtrail:GetEventSelectors", .resource = bw_ct_trail_resource,
	 .read_only = true},
	{.name = "GetTrail", .handler = bw_ct_get_trail, .iam_action = "cloudtrail:GetTrail",
	 .resource = bw_ct_trail_resource, .read_only = true},
	{.name = "GetTrailStatus", .handler = bw_ct_get_trail_status,
	 .iam_action = "cloudtrail:GetTrailStatus", .resource = bw_ct_trail_resource,
	 .read_only = true},
	{.name = "ListPublicKeys", .handler = bw_ct_list_public_keys,
	 .iam_action = "cloudtrail:ListPublicKeys", .read_only = true},
	{.name = "ListTags", .handler = bw_ct_list_tags, .iam_action = "cloudtrail:ListTags",
	 .read_only = true},
	{.name = "ListTrails", .handler = bw_ct_list_trails, .iam_action = "cloudtrail:ListTrails",
	 .read_only = true},
	{.name = "PutEventSelectors", .handler = bw_ct_put_event_selectors,
	 .iam_action = "cloudtrail:PutEventSelectors", .resource = bw_ct_trail_resource},
	{.name = "RemoveTags", .handler = bw_ct_remove_tags, .iam_action = "cloudtrail:RemoveTags",
	 .resource = bw_ct_trail_resource},
	{.name = "StartLogging", .handler = bw_ct_start_logging,
	 .iam_action = "cloudtrail:StartLogging", .resource = bw_ct_trail_resource},
	{.name = "StopLogging", .handler = bw_ct_stop_logging, .iam_action = "cloudtrail:StopLogging",
	 .resource = bw_ct_trail_resource},
	{.name = "UpdateTrail", .handler = bw_ct_update_trail, .iam_action = "cloudtrail:UpdateTrail",
	 .resource = bw_ct_trail_resource},
};

const struct bw_op_table bw_cloudtrail_trail_ops = BW_OP_TABLE(s_ops);
