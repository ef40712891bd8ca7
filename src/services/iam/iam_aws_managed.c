/*
 * iam_aws_managed.c: the built-in AWS managed policies
 * (arn:aws:iam::aws:policy/...). The table is read-only; how many entities
 * use each one is kept in the store (iam/aws-policy-usage keyed by ARN).
 *
 * Documents: AdministratorAccess, PowerUserAccess, IAMFullAccess,
 * IAMReadOnlyAccess and AWSKeyManagementServicePowerUser are AWS's own;
 * ReadOnlyAccess and SecurityAudit are AWS's hundreds-of-services documents
 * cut down to the services Bulwark serves, in AWS's "<svc>:Describe*",
 * "<svc>:Get*", "<svc>:List*" style. The policies under /aws-service-role/
 * are the ones CreateServiceLinkedRole attaches
 * (iam_service_linked_services.c). Every entry is one version, "v1".
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
/* 2017-10-19T22:39:44Z, when IAM introduced service-linked role policies
 * (path /aws-service-role/). Their documents here are cut down to the
 * actions their services need, in AWS's style; their ids are Bulwark's. */
#define S_SLR_PUBLISHED 1508452784.0

static const struct bw_iam_aws_policy s_policies[] = {
    {"AWSConfigRemediationServiceRolePolicy", "ANPAPMBCIJFKSHWBVJYNH", "/aws-service-role/", "v1",
     "Enables AWS Config to remediate noncompliant resources",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ssm:GetAu"
     "tomationExecution\",\"ssm:StartAutomationExecution\",\"ssm:ListTagsForResource\"],\"Reso"
     "urce\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AWSConfigServiceRolePolicy", "ANPA6B6DQEM7X34SO5R6I", "/aws-service-role/", "v1",
     "Enables AWS Config to read the configuration of AWS resources",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudtrai"
     "l:DescribeTrails\",\"cloudtrail:GetEventSelectors\",\"cloudtrail:GetTrailStatus\",\"clou"
     "dtrail:ListTags\",\"config:Put*\",\"guardduty:Get*\",\"guardduty:List*\",\"iam:GenerateC"
     "redentialReport\",\"iam:Get*\",\"iam:List*\",\"inspector2:BatchGet*\",\"inspector2:List*"
     "\",\"kms:DescribeKey\",\"kms:GetKeyPolicy\",\"kms:GetKeyRotationStatus\",\"kms:ListAlias"
     "es\",\"kms:ListKeys\",\"kms:ListResourceTags\",\"macie2:Get*\",\"s3:GetAccountPublicAcce"
     "ssBlock\",\"s3:GetBucket*\",\"s3:GetEncryptionConfiguration\",\"s3:GetLifecycleConfigura"
     "tion\",\"s3:ListAllMyBuckets\",\"securityhub:Describe*\",\"securityhub:Get*\",\"security"
     "hub:List*\",\"shield:Describe*\",\"shield:List*\",\"wafv2:Get*\",\"wafv2:List*\"],\"Reso"
     "urce\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AWSEC2SpotServiceRolePolicy", "ANPAOC7JYTVXTHKHEWCU7", "/aws-service-role/", "v1",
     "Allows EC2 Spot to launch and manage spot instances",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Creat"
     "eTags\",\"ec2:DescribeImages\",\"ec2:DescribeInstanceStatus\",\"ec2:DescribeInstances\","
     "\"ec2:DescribeSnapshots\",\"ec2:DescribeSubnets\",\"ec2:RunInstances\",\"ec2:StartInstan"
     "ces\",\"ec2:StopInstances\",\"elasticloadbalancing:RegisterInstancesWithLoadBalancer\",\""
     "elasticloadbalancing:RegisterTargets\",\"iam:PassRole\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AWSElasticBeanstalkServiceRolePolicy", "ANPA6JV2JNIAJF7DGI272", "/aws-service-role/", "v1",
     "The Service Linked Role policy for AWS Elastic Beanstalk",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"autoscali"
     "ng:*\",\"cloudformation:*\",\"cloudwatch:*\",\"ec2:*\",\"elasticloadbalancing:*\",\"iam:"
     "PassRole\",\"logs:CreateLogGroup\",\"logs:DeleteLogGroup\",\"logs:PutRetentionPolicy\",\""
     "s3:CreateBucket\",\"s3:DeleteObject\",\"s3:GetObject\",\"s3:ListBucket\",\"s3:PutObject\""
     ",\"sns:CreateTopic\",\"sns:GetTopicAttributes\",\"sns:Subscribe\",\"sqs:GetQueueAttribut"
     "es\",\"sqs:GetQueueUrl\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AWSElasticLoadBalancingServiceRolePolicy", "ANPALRX7WESWVLI3FCFUG", "/aws-service-role/", "v1",
     "Service Linked Role Policy for AWS Elastic Load Balancing Control Plane",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Descr"
     "ibeAddresses\",\"ec2:DescribeInstances\",\"ec2:DescribeSubnets\",\"ec2:DescribeSecurityG"
     "roups\",\"ec2:DescribeVpcs\",\"ec2:DescribeInternetGateways\",\"ec2:DescribeAccountAttri"
     "butes\",\"ec2:DescribeClassicLinkInstances\",\"ec2:DescribeVpcClassicLink\",\"ec2:Create"
     "SecurityGroup\",\"ec2:CreateNetworkInterface\",\"ec2:DeleteNetworkInterface\",\"ec2:Modi"
     "fyNetworkInterfaceAttribute\",\"ec2:AuthorizeSecurityGroupIngress\",\"ec2:AssociateAddre"
     "ss\",\"ec2:DisassociateAddress\",\"ec2:AttachNetworkInterface\",\"ec2:DetachNetworkInter"
     "face\",\"ec2:AssignPrivateIpAddresses\",\"ec2:AssignIpv6Addresses\",\"ec2:UnassignIpv6Ad"
     "dresses\",\"logs:CreateLogDelivery\",\"logs:GetLogDelivery\",\"logs:UpdateLogDelivery\","
     "\"logs:DeleteLogDelivery\",\"logs:ListLogDeliveries\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
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
    {"AWSOrganizationsServiceTrustPolicy", "ANPAX3X3E5UGMIM5NVPXZ", "/aws-service-role/", "v1",
     "Policy to allow AWS Organizations to share trust with other AWS services.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:Delet"
     "eRole\",\"iam:GetRole\",\"organizations:DescribeOrganization\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AWSSSOServiceRolePolicy", "ANPA7QIX22VCLFQGXB2DR", "/aws-service-role/", "v1",
     "This policy grants permissions to AWS Single Sign-On to manage IAM roles and policies in your account",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:Attac"
     "hRolePolicy\",\"iam:CreateRole\",\"iam:DeleteRole\",\"iam:DeleteRolePolicy\",\"iam:Detac"
     "hRolePolicy\",\"iam:GetRole\",\"iam:ListRolePolicies\",\"iam:PutRolePolicy\",\"iam:ListA"
     "ttachedRolePolicies\",\"iam:UpdateRole\",\"iam:UpdateRoleDescription\",\"iam:CreateSAMLP"
     "rovider\",\"iam:GetSAMLProvider\",\"iam:UpdateSAMLProvider\",\"iam:DeleteSAMLProvider\","
     "\"organizations:DescribeAccount\",\"organizations:DescribeOrganization\",\"organizations"
     ":ListAccounts\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AWSSecurityHubServiceRolePolicy", "ANPALX4TQ743PJJ7NJPMU", "/aws-service-role/", "v1",
     "Service-linked role required for AWS Security Hub to access your resources.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudtrai"
     "l:DescribeTrails\",\"cloudtrail:GetTrailStatus\",\"cloudtrail:GetEventSelectors\",\"conf"
     "ig:BatchGetResourceConfig\",\"config:DescribeConfigRules\",\"config:DescribeConfiguratio"
     "nRecorders\",\"config:DescribeConfigurationRecorderStatus\",\"config:PutConfigRule\",\"c"
     "onfig:DeleteConfigRule\",\"config:GetComplianceDetailsByConfigRule\",\"config:SelectReso"
     "urceConfig\",\"iam:GetAccountPasswordPolicy\",\"iam:GetCredentialReport\",\"iam:Generate"
     "CredentialReport\",\"iam:ListUsers\",\"iam:ListAttachedUserPolicies\",\"iam:ListUserPoli"
     "cies\",\"iam:ListVirtualMFADevices\",\"inspector2:BatchGetAccountStatus\",\"guardduty:Ge"
     "tDetector\",\"guardduty:ListDetectors\",\"kms:ListAliases\",\"kms:ListKeys\",\"kms:GetKe"
     "yRotationStatus\",\"macie2:GetMacieSession\",\"organizations:DescribeAccount\",\"organiz"
     "ations:DescribeOrganization\",\"organizations:ListAccounts\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AWSSupportServiceRolePolicy", "ANPA5MU4I6OJX3TSWE3VE", "/aws-service-role/", "v1",
     "Enable resource access for AWS Support to provide billing, administrative and support services",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudtrai"
     "l:DescribeTrails\",\"cloudtrail:GetTrailStatus\",\"config:Describe*\",\"config:Get*\",\""
     "ec2:Describe*\",\"guardduty:Get*\",\"guardduty:List*\",\"iam:GetAccountSummary\",\"iam:G"
     "etRole\",\"iam:ListRoles\",\"kms:DescribeKey\",\"kms:ListAliases\",\"kms:ListKeys\",\"s3"
     ":GetBucket*\",\"s3:ListAllMyBuckets\",\"securityhub:Describe*\",\"securityhub:Get*\",\"w"
     "afv2:Get*\",\"wafv2:List*\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AWSTrustedAdvisorServiceRolePolicy", "ANPAYJPWMAC2BDJ4EWUJG", "/aws-service-role/", "v1",
     "Access for the AWS Trusted Advisor Service to help optimize your AWS Environment through best practice recommendations",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudtrai"
     "l:DescribeTrails\",\"cloudtrail:GetTrailStatus\",\"ec2:Describe*\",\"elasticloadbalancin"
     "g:Describe*\",\"iam:GenerateCredentialReport\",\"iam:GetAccountPasswordPolicy\",\"iam:Ge"
     "tAccountSummary\",\"iam:GetCredentialReport\",\"iam:ListServerCertificates\",\"kms:ListK"
     "eys\",\"kms:GetKeyRotationStatus\",\"s3:GetBucketAcl\",\"s3:GetBucketPolicy\",\"s3:GetBu"
     "cketPolicyStatus\",\"s3:GetBucketVersioning\",\"s3:GetLifecycleConfiguration\",\"s3:List"
     "AllMyBuckets\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AccessAnalyzerServiceRolePolicy", "ANPANIURIW4YN2PXYYIKC", "/aws-service-role/", "v1",
     "Allow Access Analyzer to analyze resource metadata",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:GetRo"
     "le\",\"iam:ListRoles\",\"kms:DescribeKey\",\"kms:GetKeyPolicy\",\"kms:ListGrants\",\"kms"
     ":ListKeyPolicies\",\"kms:ListKeys\",\"s3:GetBucketPolicy\",\"s3:GetBucketPolicyStatus\","
     "\"s3:GetBucketPublicAccessBlock\",\"s3:ListAllMyBuckets\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "/", "v1",
     "Provides full access to AWS services and resources.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
     "\"Action\":\"*\","
     "\"Resource\":\"*\"}]}",
     S_PUBLISHED, S_PUBLISHED},
    {"AmazonECSServiceRolePolicy", "ANPABR5GX5VDSZWLF4JN7", "/aws-service-role/", "v1",
     "Policy to enable Amazon ECS to manage your cluster.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Attac"
     "hNetworkInterface\",\"ec2:CreateNetworkInterface\",\"ec2:CreateNetworkInterfacePermissio"
     "n\",\"ec2:DeleteNetworkInterface\",\"ec2:DeleteNetworkInterfacePermission\",\"ec2:Descri"
     "be*\",\"ec2:DetachNetworkInterface\",\"elasticloadbalancing:DeregisterInstancesFromLoadB"
     "alancer\",\"elasticloadbalancing:DeregisterTargets\",\"elasticloadbalancing:Describe*\","
     "\"elasticloadbalancing:RegisterInstancesWithLoadBalancer\",\"elasticloadbalancing:Regist"
     "erTargets\",\"route53:ChangeResourceRecordSets\",\"route53:CreateHealthCheck\",\"route53"
     ":DeleteHealthCheck\",\"route53:Get*\",\"route53:List*\",\"route53:UpdateHealthCheck\",\""
     "servicediscovery:DeregisterInstance\",\"servicediscovery:Get*\",\"servicediscovery:List*"
     "\",\"servicediscovery:RegisterInstance\",\"servicediscovery:UpdateInstanceCustomHealthSt"
     "atus\",\"logs:CreateLogGroup\",\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resourc"
     "e\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AmazonElasticsearchServiceRolePolicy", "ANPAH4QZADJSOCUVHXFIU", "/aws-service-role/", "v1",
     "Amazon Elasticsearch Service policy for its service-linked role",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Creat"
     "eNetworkInterface\",\"ec2:DeleteNetworkInterface\",\"ec2:DescribeNetworkInterfaces\",\"e"
     "c2:ModifyNetworkInterfaceAttribute\",\"ec2:DescribeSecurityGroups\",\"ec2:DescribeSubnet"
     "s\",\"ec2:DescribeVpcs\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AmazonGuardDutyMalwareProtectionServiceRolePolicy", "ANPAWEG67OANG2HXOSNIB", "/aws-service-role/", "v1",
     "Enables Amazon GuardDuty Malware Protection to scan EBS volumes",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Creat"
     "eSnapshot\",\"ec2:CreateSnapshots\",\"ec2:DeleteSnapshot\",\"ec2:DescribeInstances\",\"e"
     "c2:DescribeSnapshots\",\"ec2:DescribeVolumes\",\"ec2:ModifySnapshotAttribute\",\"kms:Cre"
     "ateGrant\",\"kms:DescribeKey\",\"kms:GenerateDataKeyWithoutPlaintext\",\"kms:ReEncryptTo"
     "\",\"kms:ReEncryptFrom\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AmazonGuardDutyServiceRolePolicy", "ANPAETRGV5A3MGTRCSA7N", "/aws-service-role/", "v1",
     "Enables access to AWS Resources used or managed by Amazon GuardDuty",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Descr"
     "ibeInstances\",\"ec2:DescribeImages\",\"ec2:DescribeVpcEndpoints\",\"ec2:DescribeSubnets"
     "\",\"ec2:DescribeVpcPeeringConnections\",\"ec2:DescribeTransitGatewayAttachments\",\"org"
     "anizations:ListAccounts\",\"organizations:DescribeAccount\",\"organizations:DescribeOrga"
     "nization\",\"s3:GetBucketPublicAccessBlock\",\"s3:GetEncryptionConfiguration\",\"s3:GetB"
     "ucketTagging\",\"s3:GetAccountPublicAccessBlock\",\"s3:ListAllMyBuckets\",\"s3:GetBucket"
     "Acl\",\"s3:GetBucketPolicy\",\"s3:GetBucketPolicyStatus\",\"iam:GetRole\",\"cloudtrail:D"
     "escribeTrails\",\"cloudtrail:GetTrailStatus\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AmazonInspector2AgentlessServiceRolePolicy", "ANPASKCUAKVUHCRCHMX2D", "/aws-service-role/", "v1",
     "Policy used by Amazon Inspector to perform agentless scanning.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Descr"
     "ibeInstances\",\"ec2:DescribeVolumes\",\"ec2:DescribeSnapshots\",\"ec2:CreateSnapshots\""
     ",\"ec2:DeleteSnapshot\",\"ebs:ListSnapshotBlocks\",\"ebs:GetSnapshotBlock\",\"kms:Decryp"
     "t\",\"kms:DescribeKey\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AmazonInspector2ServiceRolePolicy", "ANPAWUM5PUWYA2VZDSJ62", "/aws-service-role/", "v1",
     "Policy used by the Amazon Inspector service to perform actions on your behalf.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Descr"
     "ibeInstances\",\"ec2:DescribeImages\",\"ec2:DescribeNetworkAcls\",\"ec2:DescribeNetworkI"
     "nterfaces\",\"ec2:DescribeSecurityGroups\",\"ec2:DescribeSubnets\",\"ec2:DescribeVpcs\","
     "\"ecr:BatchGetImage\",\"ecr:DescribeImages\",\"ecr:DescribeRepositories\",\"ecr:ListImag"
     "es\",\"lambda:GetFunction\",\"lambda:ListFunctions\",\"organizations:DescribeAccount\",\""
     "organizations:DescribeOrganization\",\"organizations:ListAccounts\",\"ssm:DescribeInstan"
     "ceInformation\",\"ssm:ListAssociations\",\"tag:GetResources\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AmazonMacieServiceRolePolicy", "ANPAQHRMVQCTKXJF544MJ", "/aws-service-role/", "v1",
     "Grants Amazon Macie access to AWS resources that Macie uses or manages.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudtrai"
     "l:DescribeTrails\",\"cloudtrail:GetEventSelectors\",\"cloudtrail:GetTrailStatus\",\"clou"
     "dtrail:ListTags\",\"iam:ListAccountAliases\",\"kms:DescribeKey\",\"organizations:Describ"
     "eAccount\",\"organizations:DescribeOrganization\",\"organizations:ListAccounts\",\"s3:Ge"
     "tAccountPublicAccessBlock\",\"s3:GetBucket*\",\"s3:GetEncryptionConfiguration\",\"s3:Get"
     "Object\",\"s3:GetObjectAcl\",\"s3:GetObjectTagging\",\"s3:ListAllMyBuckets\",\"s3:ListBu"
     "cket\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AmazonRDSServiceRolePolicy", "ANPAYGYF4FSD5G5IWEDTZ", "/aws-service-role/", "v1",
     "Allows Amazon RDS to manage AWS resources on your behalf",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Autho"
     "rizeSecurityGroupIngress\",\"ec2:CreateNetworkInterface\",\"ec2:CreateSecurityGroup\",\""
     "ec2:DeleteNetworkInterface\",\"ec2:DeleteSecurityGroup\",\"ec2:DescribeAvailabilityZones"
     "\",\"ec2:DescribeInternetGateways\",\"ec2:DescribeSecurityGroups\",\"ec2:DescribeSubnets"
     "\",\"ec2:DescribeVpcAttribute\",\"ec2:DescribeVpcs\",\"ec2:ModifyNetworkInterfaceAttribu"
     "te\",\"ec2:RevokeSecurityGroupIngress\",\"cloudwatch:PutMetricData\",\"logs:CreateLogGro"
     "up\",\"logs:CreateLogStream\",\"logs:PutLogEvents\",\"logs:PutRetentionPolicy\",\"kinesi"
     "s:CreateStream\",\"kinesis:PutRecord\",\"kinesis:PutRecords\",\"kinesis:DescribeStream\""
     ",\"kinesis:DeleteStream\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AmazonSSMServiceRolePolicy", "ANPAQDFCVMZB3LPA3FRD3", "/aws-service-role/", "v1",
     "Provides access to AWS Resources managed or used by Amazon EC2 Systems Manager.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ssm:Cance"
     "lCommand\",\"ssm:GetCommandInvocation\",\"ssm:ListCommandInvocations\",\"ssm:ListCommand"
     "s\",\"ssm:SendCommand\",\"ssm:GetAutomationExecution\",\"ssm:GetParameters\",\"ssm:Start"
     "AutomationExecution\",\"ssm:ListTagsForResource\",\"ec2:DescribeInstanceAttribute\",\"ec"
     "2:DescribeInstanceStatus\",\"ec2:DescribeInstances\",\"lambda:InvokeFunction\",\"states:"
     "DescribeExecution\",\"states:StartExecution\",\"resource-groups:ListGroups\",\"resource-"
     "groups:ListGroupResources\",\"tag:GetResources\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"AutoScalingServiceRolePolicy", "ANPA4HBF45FFWZNNHOBQ2", "/aws-service-role/", "v1",
     "Enables access to AWS Services and Resources used or managed by Auto Scaling",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Attac"
     "hClassicLinkVpc\",\"ec2:CancelSpotInstanceRequests\",\"ec2:CreateFleet\",\"ec2:CreateTag"
     "s\",\"ec2:DeleteTags\",\"ec2:Describe*\",\"ec2:DetachClassicLinkVpc\",\"ec2:ModifyInstan"
     "ceAttribute\",\"ec2:RequestSpotInstances\",\"ec2:RunInstances\",\"ec2:StartInstances\",\""
     "ec2:StopInstances\",\"ec2:TerminateInstances\",\"elasticloadbalancing:Register*\",\"elas"
     "ticloadbalancing:Deregister*\",\"elasticloadbalancing:Describe*\",\"cloudwatch:DeleteAla"
     "rms\",\"cloudwatch:DescribeAlarms\",\"cloudwatch:PutMetricAlarm\",\"sns:Publish\",\"sqs:"
     "GetQueueUrl\",\"sqs:SendMessage\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"CloudTrailServiceRolePolicy", "ANPAADVR7CDEFZRW5K5SO", "/aws-service-role/", "v1",
     "Policy for the AWS CloudTrail service-linked role",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudtrai"
     "l:*\",\"organizations:DescribeAccount\",\"organizations:DescribeOrganization\",\"organiz"
     "ations:ListAccounts\",\"organizations:ListAWSServiceAccessForOrganization\",\"iam:GetRol"
     "e\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"ConfigConformsServiceRolePolicy", "ANPABP2MRQQWWZ5MTSOX2", "/aws-service-role/", "v1",
     "Enables AWS Config to create conformance packs",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudform"
     "ation:CreateStack\",\"cloudformation:DeleteStack\",\"cloudformation:DescribeStackEvents\""
     ",\"cloudformation:DescribeStacks\",\"cloudformation:UpdateStack\",\"config:DeleteConfigR"
     "ule\",\"config:DescribeConfigRules\",\"config:DescribeConformancePackStatus\",\"config:L"
     "istTagsForResource\",\"config:PutConfigRule\",\"config:TagResource\",\"config:UntagResou"
     "rce\",\"s3:GetObject\",\"ssm:GetDocument\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"FMSServiceRolePolicy", "ANPAMAILW6DCOHVRTZBDB", "/aws-service-role/", "v1",
     "A service-linked role required for AWS Firewall Manager to manage resources on your behalf.",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"waf:*\",\""
     "waf-regional:*\",\"wafv2:*\",\"shield:*\",\"elasticloadbalancing:SetWebACL\",\"ec2:Descr"
     "ibe*\",\"config:DeleteConfigRule\",\"config:DescribeComplianceByConfigRule\",\"config:De"
     "scribeConfigRuleEvaluationStatus\",\"config:DescribeConfigRules\",\"config:GetCompliance"
     "DetailsByConfigRule\",\"config:PutConfigRule\",\"config:StartConfigRulesEvaluation\",\"o"
     "rganizations:DescribeAccount\",\"organizations:DescribeOrganization\",\"organizations:Li"
     "stAccounts\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
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
    {"WAFLoggingServiceRolePolicy", "ANPAG7BVWYGF734K5JL37", "/aws-service-role/", "v1",
     "Policy for WAF Logging Service-Linked Role",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"firehose:"
     "PutRecord\",\"firehose:PutRecordBatch\",\"firehose:ListDeliveryStreams\",\"logs:CreateLo"
     "gDelivery\",\"logs:DeleteLogDelivery\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"WAFRegionalLoggingServiceRolePolicy", "ANPAWW7CHGP7L3OTJCF2W", "/aws-service-role/", "v1",
     "Policy for WAF Regional Logging Service-Linked Role",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"firehose:"
     "PutRecord\",\"firehose:PutRecordBatch\",\"firehose:ListDeliveryStreams\",\"logs:CreateLo"
     "gDelivery\",\"logs:DeleteLogDelivery\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
    {"WAFV2LoggingServiceRolePolicy", "ANPA5MGWMPZA5JF4IP7TN", "/aws-service-role/", "v1",
     "Policy for WAFV2 Logging Service-Linked Role",
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"firehose:"
     "PutRecord\",\"firehose:PutRecordBatch\",\"firehose:ListDeliveryStreams\",\"logs:CreateLo"
     "gDelivery\",\"logs:DeleteLogDelivery\"],\"Resource\":\"*\"}]}",
     S_SLR_PUBLISHED, S_SLR_PUBLISHED},
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
