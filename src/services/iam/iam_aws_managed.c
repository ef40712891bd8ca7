/*
 * iam_aws_managed.c: the built-in AWS managed policies
 * (arn:aws:iam::aws:policy/...). The table is read-only; how many entities
 * use each one is kept in the store (iam/aws-policy-usage keyed by ARN).
 *
 * Documents: AdministratorAccess, PowerUserAccess, IAMFullAccess,
 * IAMReadOnlyAccess and AWSKeyManagementServicePowerUser are AWS's own;
 * ReadOnlyAccess and SecurityAudit are AWS's hundreds-of-services documents
 * cut down to the services Bulwark serves, in AWS's "<svc>:Describe*",
 * "<svc>:Get*", "<svc>:List*" style. Every entry is one version, "v1".
 * Kept sorted by name: ListPolicies pages through them by name.
 */
#include <stdio.h>
#include <string.h>

#include "services/iam/iam_perm.h"
#include "store/doc.h"

#define S_RO_SERVICES(verb)                                                                        \
	"\"artifact:" verb "\",\"cloudtrail:" verb "\",\"config:" verb "\",\"guardduty:" verb      \
	"\",\"iam:" verb "\",\"inspector2:" verb "\",\"kms:" verb "\",\"macie2:" verb              \
	"\",\"s3:" verb "\",\"securityhub:" verb "\",\"shield:" verb "\",\"wafv2:" verb "\""

/* 2015-02-06T18:39:46Z, when AWS published the first managed policies. */
#define S_PUBLISHED 1423247986.0

static const struct bw_iam_aws_policy s_policies[] = {
    {"AWSKeyManagementServicePowerUser", "ANPAJNPP7PPPPMJRV2SA4", "/", "v1",
     "Provides access to AWS Key Management Service (KMS).",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
     "\"Action\":["
     "\"kms:CreateAlias\",\"kms:CreateKey\",\"kms:DeleteAlias\",\"kms:Describe*"
     "\","
     "\"kms:GenerateRandom\",\"kms:Get*\",\"kms:List*\",\"kms:TagResource\","
     "\"kms:UntagResource\",\"iam:ListGroups\",\"iam:ListRoles\",\"iam:"
     "ListUsers\"],"
     "\"Resource\":\"*\"}]}",
     S_PUBLISHED, S_PUBLISHED},
    {"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "/", "v1",
     "Provides full access to AWS services and resources.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
     "\"Action\":\"*\","
     "\"Resource\":\"*\"}]}",
     S_PUBLISHED, S_PUBLISHED},
    {"IAMFullAccess", "ANPAI7XKCFMBPM3QQRRVQ", "/", "v1",
     "Provides full access to IAM via the AWS Management Console.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
     "\"Action\":["
     "\"iam:*\",\"organizations:DescribeAccount\",\"organizations:"
     "DescribeOrganization\","
     "\"organizations:DescribeOrganizationalUnit\",\"organizations:"
     "DescribePolicy\","
     "\"organizations:ListChildren\",\"organizations:ListParents\","
     "\"organizations:ListPoliciesForTarget\",\"organizations:ListRoots\","
     "\"organizations:ListPolicies\",\"organizations:ListTargetsForPolicy\"],"
     "\"Resource\":\"*\"}]}",
     S_PUBLISHED, S_PUBLISHED},
    {"IAMReadOnlyAccess", "ANPAJKSO7NDY4T57MWDSQ", "/", "v1",
     "Provides read only access to IAM via the AWS Management Console.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
     "\"Action\":["
     "\"iam:GenerateCredentialReport\",\"iam:"
     "GenerateServiceLastAccessedDetails\","
     "\"iam:Get*\",\"iam:List*\",\"iam:SimulateCustomPolicy\","
     "\"iam:SimulatePrincipalPolicy\"],\"Resource\":\"*\"}]}",
     S_PUBLISHED, S_PUBLISHED},
    {"PowerUserAccess", "ANPAJYRXTHIB4FOVS3ZXS", "/", "v1",
     "Provides full access to AWS services and resources, but does not allow "
     "management of "
     "Users and groups.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
     "\"NotAction\":["
     "\"iam:*\",\"organizations:*\",\"account:*\"],\"Resource\":\"*\"},{"
     "\"Effect\":\"Allow\","
     "\"Action\":[\"iam:CreateServiceLinkedRole\",\"iam:"
     "DeleteServiceLinkedRole\","
     "\"iam:ListRoles\",\"organizations:DescribeOrganization\",\"account:"
     "ListRegions\","
     "\"account:GetAccountInformation\"],\"Resource\":\"*\"}]}",
     S_PUBLISHED, S_PUBLISHED},
    {"ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ", "/", "v1",
     "Provides read-only access to AWS services and resources.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
     "\"Action\":[" S_RO_SERVICES("Describe*") "," S_RO_SERVICES("Get*") "," S_RO_SERVICES(
         "List*") ",\"cloudtrail:LookupEvents\","
                  "\"config:BatchGet*\",\"config:"
                  "Select*\","
                  "\"guardduty:Get*\",\"securityhub:"
                  "BatchGet*\",\"iam:Generate*\","
                  "\"iam:Simulate*\","
                  "\"kms:Verify*\",\"sts:"
                  "GetCallerIdentity\",\"wafv2:"
                  "CheckCapacity\"],"
                  "\"Resource\":\"*\"}]}",
     S_PUBLISHED, S_PUBLISHED},
    {"SecurityAudit", "ANPAIX2T3QCXHR2OGGCTO", "/", "v1",
     "The security audit template grants access to read security configuration "
     "metadata. It "
     "is useful for software that audits the configuration of an AWS account.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
     "\"Action\":["
     "\"cloudtrail:DescribeTrails\",\"cloudtrail:GetEventSelectors\","
     "\"cloudtrail:GetTrail\",\"cloudtrail:GetTrailStatus\",\"cloudtrail:"
     "ListTags\","
     "\"cloudtrail:ListTrails\",\"cloudtrail:LookupEvents\",\"config:Describe*"
     "\","
     "\"config:Get*\",\"config:List*\",\"config:BatchGet*\",\"guardduty:Get*\","
     "\"guardduty:List*\",\"iam:GenerateCredentialReport\",\"iam:Get*\",\"iam:"
     "List*\","
     "\"inspector2:BatchGet*\",\"inspector2:Get*\",\"inspector2:List*\","
     "\"kms:Describe*\",\"kms:Get*\",\"kms:List*\",\"macie2:GetFindings\","
     "\"macie2:GetMacieSession\",\"macie2:ListFindings\",\"s3:"
     "GetAccountPublicAccessBlock\","
     "\"s3:GetBucket*\",\"s3:GetEncryptionConfiguration\",\"s3:"
     "GetLifecycleConfiguration\","
     "\"s3:ListAllMyBuckets\",\"securityhub:Describe*\",\"securityhub:Get*\","
     "\"securityhub:List*\",\"shield:Describe*\",\"shield:List*\",\"wafv2:"
     "Describe*\","
     "\"wafv2:Get*\",\"wafv2:List*\"],\"Resource\":\"*\"}]}",
     S_PUBLISHED, S_PUBLISHED},
};

size_t bw_iamp_aws_count(void)
{
	return sizeof s_policies / sizeof s_policies[0];
}

const struct bw_iam_aws_policy *bw_iamp_aws_at(size_t i)
{
	return i < bw_iamp_aws_count() ? &s_policies[i] : NULL;
}

int bw_iamp_aws_arn(const struct bw_iam_aws_policy *p, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "arn:aws:iam::aws:policy%s%s", p->path, p->name);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

const struct bw_iam_aws_policy *bw_iamp_aws_find(const char *arn)
{
	char buf[256];
	if (!arn)
		return NULL;
	for (size_t i = 0; i < bw_iamp_aws_count(); i++)
		if (bw_iamp_aws_arn(&s_policies[i], buf, sizeof buf) == 0 && strcmp(buf, arn) == 0)
			return &s_policies[i];
	return NULL;
}

int bw_iamp_aws_policy_doc(struct bw_call *call, const struct bw_iam_aws_policy *p, json_t **policy)
{
	char arn[256];
	json_t *usage = NULL;
	*policy = NULL;
	if (bw_iamp_aws_arn(p, arn, sizeof arn) != 0)
		return bw_iamp_store_fail(call);
	int rc = bw_doc_get(call->store, BW_IAM_AWS_POLICY_USAGE, call->account_id, arn, &usage);
	if (rc != BW_STORE_OK && rc != BW_STORE_NOT_FOUND)
		return bw_iamp_store_fail(call);
	*policy = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:b,s:s,s:f,s:f,s:[]}", "PolicyName", p->name, "PolicyId",
	    p->policy_id, "Arn", arn, "Path", p->path, "DefaultVersionId", p->version_id,
	    "AttachmentCount",
	    (json_int_t)json_integer_value(json_object_get(usage, "AttachmentCount")),
	    "PermissionsBoundaryUsageCount",
	    (json_int_t)json_integer_value(json_object_get(usage, "PermissionsBoundaryUsageCount")),
	    "IsAttachable", 1, "Description", p->description, "CreateDate", p->create_date,
	    "UpdateDate", p->update_date, "Tags");
	json_decref(usage);
	return *policy ? 0 : bw_iamp_oom(call);
}
