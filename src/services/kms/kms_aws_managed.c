/*
 * kms_aws_managed.c: AWS managed keys — "alias/aws/<service>", made the
 * first time a service of ours (S3, CloudTrail ...) or DescribeKey asks for
 * it: KeyManager AWS, SYMMETRIC_DEFAULT, rotated every 365 days, with the
 * key policy AWS gives such keys (use only through the service, metadata
 * readable by the account). Nobody may disable, delete, tag or re-policy
 * them (bw_kms_customer_managed_or_fail). One per service in each region
 * of the account, as AWS: its alias is regional like every alias (0109).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/kms/kms_keys.h"
#include "services/kms/kms_resolve.h"
#include "services/kms/kms_store.h"
#include "store/doc.h"

#define S_AWS_ROTATION_DAYS 365

/* The predefined aliases: the services of ours that encrypt with KMS and
 * the common AWS ones clients probe with DescribeKey. */
static const char *const s_services[] = {
	"acm", "backup", "cloudtrail", "config", "dynamodb", "ebs", "elasticfilesystem", "es",
	"glue", "guardduty", "kinesis", "lambda", "logs", "rds", "redshift", "s3",
	"secretsmanager", "sns", "sqs", "ssm",
};

bool bw_kms_aws_service_known(const char *service)
{
	for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++)
		if (strcmp(s_services[i], service) == 0)
			return true;
	return false;
}

static bool s_service_name_ok(const char *s)
{
	size_t n = strnlen(s, 65);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static char *s_policy(const char *account, const char *region, const char *service)
{
	char via[128], root[64], id[96], sid[192];
	snprintf(via, sizeof via, "%s.%s.amazonaws.com", service, region);
	snprintf(root, sizeof root, "arn:aws:iam::%s:root", account);
	snprintf(id, sizeof id, "auto-%s-1", service);
	snprintf(sid, sizeof sid,
	         "Allow access through %s for all principals in the account that are authorized "
	         "to use %s", service, service);
	json_t *p = json_pack(
		"{s:s, s:s, s:[{s:s, s:s, s:{s:s}, s:[s,s,s,s,s], s:s, s:{s:{s:s, s:s}}},"
		" {s:s, s:s, s:{s:s}, s:[s,s,s], s:s}]}",
		"Version", "2012-10-17", "Id", id, "Statement",
		"Sid", sid, "Effect", "Allow", "Principal", "AWS", "*", "Action", "kms:Encrypt",
		"kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "Resource",
		"*", "Condition", "StringEquals", "kms:CallerAccount", account, "kms:ViaService", via,
		"Sid", "Allow direct access to key metadata to the account", "Effect", "Allow",
		"Principal", "AWS", root, "Action", "kms:Describe*", "kms:Get*", "kms:List*",
		"Resource", "*");
	if (!p)
		return NULL;
	char *text = json_dumps(p, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(p);
	return text;
}

/* The existing key behind alias in region, if any: 0 found, 1 absent, -1
 * error. Each region has its own AWS managed key of a service. */
static int s_existing(struct bw_store *store, const char *account, const char *region,
                      const char *alias, json_t **key_doc)
{
	json_t *a = NULL;
	int rc = bw_kms_alias_get(store, account, region, alias, &a, NULL);
	if (rc == BW_STORE_NOT_FOUND)
		return 1;
	if (rc != BW_STORE_OK)
		return -1;
	rc = bw_doc_get(store, BW_KMS_KEY, account, bw_kms_doc_str(a, "TargetKeyId"), key_doc);
	json_decref(a);
	return rc == BW_STORE_OK ? 0 : -1;
}

int bw_kms_aws_managed_key(struct bw_store *store, const struct bw_root_key *rk,
                           const char *account, const char *region, const char *service,
                           json_t **key_doc)
{
	*key_doc = NULL;
	if (!store || !account || !region || !service || !s_service_name_ok(service))
		return -1;
	char alias[96], alias_arn[192], key_id[37];
	snprintf(alias, sizeof alias, "alias/aws/%s", service);
	int found = s_existing(store, account, region, alias, key_doc);
	if (found <= 0)
		return found;

	json_t *doc = NULL, *material = NULL, *alias_doc = NULL;
	char *policy = NULL, desc[160];
	int rc = -1;
	double now_s = (double)time(NULL);
	snprintf(desc, sizeof desc, "Default key that protects my %s data when no other key is "
	                            "defined", service);
	snprintf(alias_arn, sizeof alias_arn, "arn:aws:kms:%s:%s:%s", region, account, alias);
	if (bw_kms_new_key_id(key_id) != 0 || !(policy = s_policy(account, region, service)))
		goto done;
	struct bw_kms_key_params p = {
		.account = account, .region = region, .key_id = key_id,
		.spec = "SYMMETRIC_DEFAULT", .usage = "ENCRYPT_DECRYPT", .origin = "AWS_KMS",
		.manager = "AWS", .description = desc, .policy = policy,
		.rotation_days = S_AWS_ROTATION_DAYS, .now_s = now_s,
	};
	if (!(doc = bw_kms_key_doc_new(&p)) ||
	    bw_kms_material_new(rk, account, key_id, "SYMMETRIC_DEFAULT", &material) != 0 ||
	    bw_kms_attach_material(doc, material) != 0)
		goto done;
	alias_doc = json_pack("{s:s, s:s, s:s, s:f, s:f}", "AliasName", alias, "AliasArn",
	                      alias_arn, "TargetKeyId", key_id, "CreationDate",
	                      json_real_value(json_object_get(doc, "CreationDate")),
	                      "LastUpdatedDate",
	                      json_real_value(json_object_get(doc, "CreationDate")));
	if (!alias_doc)
		goto done;
	int src = bw_kms_store_new_key(store, account, doc, material, alias_doc);
	if (src == BW_STORE_EXISTS) {
		/* another caller made it first: theirs is the key */
		rc = s_existing(store, account, region, alias, key_doc) == 0 ? 0 : -1;
		goto done;
	}
	if (src != BW_STORE_OK)
		goto done;
	*key_doc = doc;
	doc = NULL;
	rc = 0;
done:
	free(policy);
	json_decref(doc);
	json_decref(material);
	json_decref(alias_doc);
	return rc;
}
