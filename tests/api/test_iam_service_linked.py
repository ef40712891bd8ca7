"""IAM service-linked roles through boto3 and the aws CLI: the role AWS
makes for a service (name, path, trust policy, managed policy), CustomSuffix,
the taken-name and unknown-service errors, what users may not change
(UnmodifiableEntity) and may (description, tags), deletion and its task,
authorization on the role ARN with iam:AWSServiceName, and that nobody but
the service can assume the role."""
import json
import re
import unittest
import urllib.parse

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, allow, deny, policy

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]})
TASK_RE = (r"^task/aws-service-role/%s/%s/"
           r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def trust_of(role):
    doc = role["AssumeRolePolicyDocument"]
    return doc if isinstance(doc, dict) else json.loads(urllib.parse.unquote(doc))


class ServiceLinkedRoleTest(ServerTestCase):
    def test_create_get_delete(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        role = iam.create_service_linked_role(AWSServiceName="config.amazonaws.com",
                                              Description="for Config")["Role"]
        self.assertEqual(role["RoleName"], "AWSServiceRoleForConfig")
        self.assertEqual(role["Path"], "/aws-service-role/config.amazonaws.com/")
        self.assertEqual(role["Arn"], f"arn:aws:iam::{acct}:role/aws-service-role/"
                                      "config.amazonaws.com/AWSServiceRoleForConfig")
        self.assertRegex(role["RoleId"], r"^AROA[A-Z0-9]{17}$")
        self.assertEqual(role["Description"], "for Config")
        self.assertEqual(trust_of(role)["Statement"], [
            {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
             "Action": "sts:AssumeRole"}])
        got = iam.get_role(RoleName="awsservicerolefor" "config")["Role"]
        self.assertEqual(got["RoleId"], role["RoleId"])
        attached = iam.list_attached_role_policies(
            RoleName="AWSServiceRoleForConfig")["AttachedPolicies"]
        arn = "arn:aws:iam::aws:policy/aws-service-role/AWSConfigServiceRolePolicy"
        self.assertEqual(attached, [{"PolicyName": "AWSConfigServiceRolePolicy",
                                     "PolicyArn": arn}])
        pol = iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual(pol["Path"], "/aws-service-role/")
        self.assertEqual(pol["AttachmentCount"], 1)
        listed = iam.list_roles(PathPrefix="/aws-service-role/")["Roles"]
        self.assertIn("AWSServiceRoleForConfig", [r["RoleName"] for r in listed])

        # a second one is refused, in AWS's words
        with self.assertRaises(ClientError) as ctx:
            iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")
        err = self.assertClientError(ctx, "InvalidInput", 400)
        self.assertEqual(err["Error"]["Message"],
                         "Service role name AWSServiceRoleForConfig has been taken in this "
                         "account, please try a different suffix.")

        task = iam.delete_service_linked_role(
            RoleName="AWSServiceRoleForConfig")["DeletionTaskId"]
        self.assertRegex(task, TASK_RE % (re.escape("config.amazonaws.com"),
                                          "AWSServiceRoleForConfig"))
        status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
        self.assertEqual(status["Status"], "SUCCEEDED")
        self.assertNotIn("Reason", status)
        with self.assertRaises(ClientError) as ctx:
            iam.get_role(RoleName="AWSServiceRoleForConfig")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        self.assertEqual(iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 0)
        # deleted: the same role can be made again
        again = iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]
        self.assertNotEqual(again["RoleId"], role["RoleId"])
        self.assertNotIn("Description", again)
        iam.delete_service_linked_role(RoleName="AWSServiceRoleForConfig")

    def test_custom_suffix_and_unknown_service(self):
        iam = self.server.client("iam")
        r = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                           CustomSuffix="web")["Role"]
        self.assertEqual(r["RoleName"], "AWSServiceRoleForAutoScaling_web")
        self.assertEqual(r["Path"], "/aws-service-role/autoscaling.amazonaws.com/")
        iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
        with self.assertRaises(ClientError) as ctx:
            iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                           CustomSuffix="WEB")
        self.assertClientError(ctx, "InvalidInput", 400)
        with self.assertRaises(ClientError) as ctx:
            iam.create_service_linked_role(AWSServiceName="guardduty.amazonaws.com",
                                           CustomSuffix="x")
        err = self.assertClientError(ctx, "InvalidInput", 400)
        self.assertEqual(err["Error"]["Message"],
                         "Custom suffix is not allowed for guardduty.amazonaws.com")
        # a suffix that makes the name longer than 64 characters
        with self.assertRaises(ClientError) as ctx:
            iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                           CustomSuffix="s" * 40)
        self.assertClientError(ctx, "InvalidInput", 400)
        # principals are case-sensitive; unknown ones are refused
        for bad in ("Config.amazonaws.com", "nosuch.amazonaws.com", "config"):
            with self.assertRaises(ClientError) as ctx:
                iam.create_service_linked_role(AWSServiceName=bad)
            self.assertClientError(ctx, "InvalidInput", 400)
        # a role already named like the service's takes the name too
        iam.create_role(RoleName="AWSServiceRoleForSecurityHub", AssumeRolePolicyDocument=TRUST)
        with self.assertRaises(ClientError) as ctx:
            iam.create_service_linked_role(AWSServiceName="securityhub.amazonaws.com")
        self.assertClientError(ctx, "InvalidInput", 400)
        # ... and DeleteServiceLinkedRole does not take an ordinary role
        with self.assertRaises(ClientError) as ctx:
            iam.delete_service_linked_role(RoleName="AWSServiceRoleForSecurityHub")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        iam.create_role(RoleName="parked", Path="/aws-service-role/macie.amazonaws.com/",
                        AssumeRolePolicyDocument=TRUST)
        with self.assertRaises(ClientError) as ctx:
            iam.delete_service_linked_role(RoleName="parked")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        iam.get_role(RoleName="parked")
        iam.delete_role(RoleName="parked")
        iam.delete_role(RoleName="AWSServiceRoleForSecurityHub")
        for name in ("AWSServiceRoleForAutoScaling_web", "AWSServiceRoleForAutoScaling"):
            iam.delete_service_linked_role(RoleName=name)
        with self.assertRaises(ClientError) as ctx:
            iam.delete_service_linked_role(RoleName="AWSServiceRoleForAutoScaling")
        self.assertClientError(ctx, "NoSuchEntity", 404)

    def test_unmodifiable(self):
        iam = self.server.client("iam")
        name = iam.create_service_linked_role(
            AWSServiceName="guardduty.amazonaws.com")["Role"]["RoleName"]
        self.assertEqual(name, "AWSServiceRoleForAmazonGuardDuty")
        iam.create_policy(PolicyName="slr-extra", PolicyDocument=policy(allow("s3:*")))
        acct = self.server.account_id
        extra = f"arn:aws:iam::{acct}:policy/slr-extra"
        managed = "arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy"
        refused = [
            lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=TRUST),
            lambda: iam.delete_role(RoleName=name),
            lambda: iam.delete_role(RoleName=name.lower()),
            lambda: iam.put_role_policy(RoleName=name, PolicyName="p",
                                        PolicyDocument=policy(allow("s3:*"))),
            lambda: iam.delete_role_policy(RoleName=name, PolicyName="p"),
            lambda: iam.attach_role_policy(RoleName=name, PolicyArn=extra),
            lambda: iam.detach_role_policy(RoleName=name, PolicyArn=managed),
            lambda: iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=extra),
            lambda: iam.delete_role_permissions_boundary(RoleName=name),
            lambda: iam.add_role_to_instance_profile(InstanceProfileName="slr-profile",
                                                     RoleName=name),
            lambda: iam.remove_role_from_instance_profile(InstanceProfileName="slr-profile",
                                                          RoleName=name),
        ]
        iam.create_instance_profile(InstanceProfileName="slr-profile")
        for i, call in enumerate(refused):
            with self.assertRaises(ClientError, msg=i) as ctx:
                call()
            err = self.assertClientError(ctx, "UnmodifiableEntity", 400)
            self.assertEqual(err["Error"]["Message"],
                             f"Cannot perform the operation on the protected role '{name}' - "
                             "this role is only modifiable by AWS")
        with self.assertRaises(ClientError) as ctx:
            iam.update_role(RoleName=name, MaxSessionDuration=7200)
        err = self.assertClientError(ctx, "UnmodifiableEntity", 400)
        self.assertEqual(err["Error"]["Message"],
                         f"{name} is an AWS service linked role, max session duration cannot "
                         "be changed.")
        role = iam.get_role(RoleName=name)["Role"]
        self.assertEqual(role["MaxSessionDuration"], 3600)
        self.assertEqual(iam.get_instance_profile(
            InstanceProfileName="slr-profile")["InstanceProfile"]["Roles"], [])
        iam.delete_instance_profile(InstanceProfileName="slr-profile")
        self.assertEqual(trust_of(role)["Statement"][0]["Principal"],
                         {"Service": "guardduty.amazonaws.com"})
        self.assertEqual(iam.list_role_policies(RoleName=name)["PolicyNames"], [])
        self.assertEqual([p["PolicyArn"] for p in iam.list_attached_role_policies(
            RoleName=name)["AttachedPolicies"]], [managed])
        # the description and tags stay the user's
        iam.update_role_description(RoleName=name, Description="mine")
        iam.update_role(RoleName=name, Description="still mine")
        iam.tag_role(RoleName=name, Tags=[{"Key": "team", "Value": "sec"}])
        iam.untag_role(RoleName=name, TagKeys=["team"])
        self.assertEqual(iam.get_role(RoleName=name)["Role"]["Description"], "still mine")
        iam.delete_service_linked_role(RoleName=name)
        iam.delete_policy(PolicyArn=extra)

    def test_nobody_but_the_service_assumes_it(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        arn = iam.create_service_linked_role(
            AWSServiceName="inspector2.amazonaws.com")["Role"]["Arn"]
        iam.create_user(UserName="slr-assumer")
        iam.put_user_policy(UserName="slr-assumer", PolicyName="p",
                            PolicyDocument=policy(allow("sts:AssumeRole")))
        key = iam.create_access_key(UserName="slr-assumer")["AccessKey"]
        for creds in (None, (key["AccessKeyId"], key["SecretAccessKey"])):
            sts = self.server.client("sts", creds=creds)
            with self.assertRaises(ClientError) as ctx:
                sts.assume_role(RoleArn=arn, RoleSessionName="sess")
            self.assertClientError(ctx, "AccessDenied", 403)
        iam.delete_access_key(UserName="slr-assumer", AccessKeyId=key["AccessKeyId"])
        iam.delete_user_policy(UserName="slr-assumer", PolicyName="p")
        iam.delete_user(UserName="slr-assumer")
        iam.delete_service_linked_role(RoleName="AWSServiceRoleForAmazonInspector2")
        self.assertTrue(acct)

    def test_deletion_status_errors(self):
        iam = self.server.client("iam")
        with self.assertRaises(ClientError) as ctx:
            iam.get_service_linked_role_deletion_status(DeletionTaskId="nonsense")
        self.assertClientError(ctx, "InvalidInput", 400)
        unknown = ("task/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig/"
                   "00000000-0000-4000-8000-000000000000")
        with self.assertRaises(ClientError) as ctx:
            iam.get_service_linked_role_deletion_status(DeletionTaskId=unknown)
        self.assertClientError(ctx, "NoSuchEntity", 404)
        # a real task with one part changed is no task
        iam.create_service_linked_role(AWSServiceName="macie.amazonaws.com")
        task = iam.delete_service_linked_role(
            RoleName="AWSServiceRoleForAmazonMacie")["DeletionTaskId"]
        forged = task.replace("AWSServiceRoleForAmazonMacie", "AWSServiceRoleForAmazonMACIE")
        with self.assertRaises(ClientError) as ctx:
            iam.get_service_linked_role_deletion_status(DeletionTaskId=forged)
        self.assertClientError(ctx, "NoSuchEntity", 404)

    def test_authorization(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        iam.create_user(UserName="slr-admin")
        key = iam.create_access_key(UserName="slr-admin")["AccessKey"]
        base = f"arn:aws:iam::{acct}:role/aws-service-role"
        iam.put_user_policy(UserName="slr-admin", PolicyName="p", PolicyDocument=policy(
            allow("iam:CreateServiceLinkedRole", "*",
                  Condition={"StringEquals": {"iam:AWSServiceName": [
                      "cloudtrail.amazonaws.com", "wafv2.amazonaws.com"]}}),
            allow("iam:DeleteServiceLinkedRole",
                  f"{base}/cloudtrail.amazonaws.com/AWSServiceRoleForCloudTrail"),
            allow("iam:GetServiceLinkedRoleDeletionStatus",
                  f"{base}/cloudtrail.amazonaws.com/*"),
            deny("iam:CreateServiceLinkedRole", f"{base}/wafv2.amazonaws.com/*")))
        user = self.server.client("iam", creds=(key["AccessKeyId"], key["SecretAccessKey"]))
        user.create_service_linked_role(AWSServiceName="cloudtrail.amazonaws.com")
        # the condition key names the service
        with self.assertRaises(ClientError) as ctx:
            user.create_service_linked_role(AWSServiceName="securityhub.amazonaws.com")
        self.assertClientError(ctx, "AccessDenied", 403)
        # the resource is the role it would make
        with self.assertRaises(ClientError) as ctx:
            user.create_service_linked_role(AWSServiceName="wafv2.amazonaws.com")
        self.assertClientError(ctx, "AccessDenied", 403)
        iam.create_service_linked_role(AWSServiceName="wafv2.amazonaws.com")
        with self.assertRaises(ClientError) as ctx:
            user.delete_service_linked_role(RoleName="AWSServiceRoleForWAFV2Logging")
        self.assertClientError(ctx, "AccessDenied", 403)
        # a name in another case resolves to the stored role's ARN
        task = user.delete_service_linked_role(
            RoleName="awsservicerolefor" "cloudtrail")["DeletionTaskId"]
        self.assertIn("/AWSServiceRoleForCloudTrail/", task)
        self.assertEqual(user.get_service_linked_role_deletion_status(
            DeletionTaskId=task)["Status"], "SUCCEEDED")
        task = iam.delete_service_linked_role(
            RoleName="AWSServiceRoleForWAFV2Logging")["DeletionTaskId"]
        with self.assertRaises(ClientError) as ctx:
            user.get_service_linked_role_deletion_status(DeletionTaskId=task)
        self.assertClientError(ctx, "AccessDenied", 403)
        iam.delete_access_key(UserName="slr-admin", AccessKeyId=key["AccessKeyId"])
        iam.delete_user_policy(UserName="slr-admin", PolicyName="p")
        iam.delete_user(UserName="slr-admin")

    def test_cli(self):
        r = self.server.aws("iam", "create-service-linked-role", "--aws-service-name",
                            "access-analyzer.amazonaws.com", "--description", "cli")
        self.assertEqual(r.returncode, 0, r.stderr)
        role = json.loads(r.stdout)["Role"]
        self.assertEqual(role["RoleName"], "AWSServiceRoleForAccessAnalyzer")
        r = self.server.aws("iam", "delete-role", "--role-name", role["RoleName"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("UnmodifiableEntity", r.stderr)
        r = self.server.aws("iam", "delete-service-linked-role", "--role-name",
                            role["RoleName"])
        self.assertEqual(r.returncode, 0, r.stderr)
        task = json.loads(r.stdout)["DeletionTaskId"]
        r = self.server.aws("iam", "get-service-linked-role-deletion-status",
                            "--deletion-task-id", task)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Status"], "SUCCEEDED")
        r = self.server.aws("iam", "create-service-linked-role", "--aws-service-name",
                            "elasticloadbalancing.amazonaws.com", "--custom-suffix", "x")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Custom suffix is not allowed for elasticloadbalancing.amazonaws.com",
                      r.stderr)


if __name__ == "__main__":
    unittest.main()
