/*
 * iam_service_linked_services.c: the AWS services CreateServiceLinkedRole
 * knows — each one's service principal, the role name AWS gives it, whether
 * it takes a CustomSuffix, and the AWS managed policy (under
 * /aws-service-role/, in iam_aws_managed.c) IAM attaches to it.
 *
 * The services Bulwark serves or will serve, and the two its users meet
 * most beside them (Auto Scaling, Elastic Load Balancing). Names are AWS's,
 * as each service's "Using service-linked roles" page gives them. A
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
    {"config.amazonaws.com", "AWSServiceRoleForConfig", false, "AWSConfigServiceRolePolicy"},
    {"elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing", false,
     "AWSElasticLoadBalancingServiceRolePolicy"},
    {"fms.amazonaws.com", "AWSServiceRoleForFMS", false, "FMSServiceRolePolicy"},
    {"guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty", false,
     "AmazonGuardDutyServiceRolePolicy"},
    {"inspector2.amazonaws.com", "AWSServiceRoleForAmazonInspector2", false,
     "AmazonInspector2ServiceRolePolicy"},
    {"macie.amazonaws.com", "AWSServiceRoleForAmazonMacie", false, "AmazonMacieServiceRolePolicy"},
    {"malware-protection.guardduty.amazonaws.com",
     "AWSServiceRoleForAmazonGuardDutyMalwareProtection", false,
     "AmazonGuardDutyMalwareProtectionServiceRolePolicy"},
    {"securityhub.amazonaws.com", "AWSServiceRoleForSecurityHub", false,
     "AWSSecurityHubServiceRolePolicy"},
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
