/*
 * iam_service_linked_services.c: the AWS services CreateServiceLinkedRole
 * knows — each one's service principal, the role name AWS gives it, whether
 * it takes a CustomSuffix, and the AWS managed policy (under
 * /aws-service-role/, in iam_aws_managed.c) IAM attaches to it.
 *
 * The services Bulwark serves or will serve, and those its users meet
 * most beside them (Auto Scaling, Elastic Load Balancing, ECS, RDS, Elastic
 * Beanstalk, Organizations, IAM Identity Center, Systems Manager, Support).
 * Names are AWS's, as each service's "Using service-linked roles" page
 * gives them. A
 * principal not listed is refused (InvalidInput): inventing a role name for
 * a service AWS may not have would hand out a role no service uses.
 * Kept sorted by principal.
 */
#include <string.h>

#include "services/iam/iam_identity.h"

static const struct bw_iam_linked_service s_services[] = {
    {"access-analyzer.amazonaws.com", "AWSServiceRoleForAccessAnalyzer", false,
     "AccessAnalyzerServiceRolePolicy"},
    {"agentless.inspector2.amazonaws.com", "AWSServiceRoleForAmazonInspector2Agentless", false,
     "AmazonInspector2AgentlessServiceRolePolicy"},
    /* Auto Scaling documents custom suffixes: one role per launch setup */
    {"autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", true,
     "AutoScalingServiceRolePolicy"},
    {"cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail", false,
     "CloudTrailServiceRolePolicy"},
    {"config-conforms.amazonaws.com", "AWSServiceRoleForConfigConforms", false,
     "ConfigConformsServiceRolePolicy"},
    {"config.amazonaws.com", "AWSServiceRoleForConfig", false, "AWSConfigServiceRolePolicy"},
    {"ecs.amazonaws.com", "AWSServiceRoleForECS", false, "AmazonECSServiceRolePolicy"},
    {"elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk", false,
     "AWSElasticBeanstalkServiceRolePolicy"},
    {"elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing", false,
     "AWSElasticLoadBalancingServiceRolePolicy"},
    {"es.amazonaws.com", "AWSServiceRoleForAmazonElasticsearchService", false,
     "AmazonElasticsearchServiceRolePolicy"},
    {"fms.amazonaws.com", "AWSServiceRoleForFMS", false, "FMSServiceRolePolicy"},
    {"guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty", false,
     "AmazonGuardDutyServiceRolePolicy"},
    {"inspector2.amazonaws.com", "AWSServiceRoleForAmazonInspector2", false,
     "AmazonInspector2ServiceRolePolicy"},
    {"macie.amazonaws.com", "AWSServiceRoleForAmazonMacie", false, "AmazonMacieServiceRolePolicy"},
    {"malware-protection.guardduty.amazonaws.com",
     "AWSServiceRoleForAmazonGuardDutyMalwareProtection", false,
     "AmazonGuardDutyMalwareProtectionServiceRolePolicy"},
    {"organizations.amazonaws.com", "AWSServiceRoleForOrganizations", false,
     "AWSOrganizationsServiceTrustPolicy"},
    {"rds.amazonaws.com", "AWSServiceRoleForRDS", false, "AmazonRDSServiceRolePolicy"},
    {"remediation.config.amazonaws.com", "AWSServiceRoleForConfigRemediation", false,
     "AWSConfigRemediationServiceRolePolicy"},
    {"securityhub.amazonaws.com", "AWSServiceRoleForSecurityHub", false,
     "AWSSecurityHubServiceRolePolicy"},
    {"spot.amazonaws.com", "AWSServiceRoleForEC2Spot", false, "AWSEC2SpotServiceRolePolicy"},
    {"ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM", false, "AmazonSSMServiceRolePolicy"},
    {"sso.amazonaws.com", "AWSServiceRoleForSSO", false, "AWSSSOServiceRolePolicy"},
    {"support.amazonaws.com", "AWSServiceRoleForSupport", false, "AWSSupportServiceRolePolicy"},
    {"trustedadvisor.amazonaws.com", "AWSServiceRoleForTrustedAdvisor", false,
     "AWSTrustedAdvisorServiceRolePolicy"},
    {"waf-regional.amazonaws.com", "AWSServiceRoleForWAFRegionalLogging", false,
     "WAFRegionalLoggingServiceRolePolicy"},
    {"waf.amazonaws.com", "AWSServiceRoleForWAFLogging", false, "WAFLoggingServiceRolePolicy"},
    {"wafv2.amazonaws.com", "AWSServiceRoleForWAFV2Logging", false,
     "WAFV2LoggingServiceRolePolicy"},
};

/* Service principals are case-sensitive (CreateServiceLinkedRole's
 * AWSServiceName): "Config.amazonaws.com" is no service. */
const struct bw_iam_linked_service *bw_iam_linked_service_find(const char *principal)
{
	if (!principal)
		return NULL;
	for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++)
		if (strcmp(s_services[i].principal, principal) == 0)
			return &s_services[i];
	return NULL;
}

size_t bw_iam_linked_service_count(void)
{
	return sizeof s_services / sizeof s_services[0];
}

const struct bw_iam_linked_service *bw_iam_linked_service_at(size_t i)
{
	return i < bw_iam_linked_service_count() ? &s_services[i] : NULL;
}
