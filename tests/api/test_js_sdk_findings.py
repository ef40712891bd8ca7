"""What the JavaScript SDK v3 suite (tests/js/*_all.mjs) found, kept as
boto3 and aws CLI regressions:

- values outside the model's enums (botocore does not validate responses,
  so boto3 passes them silently; typed SDKs, the JS SDK's TypeScript unions
  and the Go SDK's constants, and callers comparing with them do not);
- CloudTrail resource types spelled as CloudFormation does, so LookupEvents
  by ResourceType finds them;
- an operation AWS serves unsigned that bulwark lacks answers NotImplemented,
  not MissingAuthenticationToken (every SDK sends it unsigned)."""
import json
import time
import unittest

import boto3
import botocore
from botocore.exceptions import ClientError

from bwtest import REGION, ServerTestCase, allow, policy


def enum_violations(shape, value, path="$"):
    """Every value in `value` outside its shape's enum, as "path: value"."""
    bad = []
    if value is None:
        return bad
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if isinstance(value, dict) and name in value:
                bad += enum_violations(member, value[name], f"{path}.{name}")
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            bad += enum_violations(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "map":
        for k, v in value.items():
            bad += enum_violations(shape.value, v, f"{path}.{k}")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:
        bad.append(f"{path}: {value!r} not in {shape.enum}")
    return bad


class TestEnumsInAnswers(ServerTestCase):

    def assertEnums(self, client, operation, response):
        shape = client.meta.service_model.operation_model(operation).output_shape
        self.assertEqual(enum_violations(shape, response), [])

    def test_permissions_boundary_type(self):
        # AWS: AttachedPermissionsBoundary.PermissionsBoundaryType is
        # "PermissionsBoundaryPolicy", the model's only value (it was "Policy")
        iam = self.server.client("iam")
        arn = iam.create_policy(PolicyName="shape-boundary",
                                PolicyDocument=policy(allow("s3:*")))["Policy"]["Arn"]
        iam.create_user(UserName="shape-user", PermissionsBoundary=arn)
        iam.create_role(RoleName="shape-role", AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
             "Action": "sts:AssumeRole"}))
        iam.put_role_permissions_boundary(RoleName="shape-role", PermissionsBoundary=arn)
        want = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": arn}
        user = iam.get_user(UserName="shape-user")
        self.assertEqual(user["User"]["PermissionsBoundary"], want)
        self.assertEnums(iam, "GetUser", user)
        role = iam.get_role(RoleName="shape-role")
        self.assertEqual(role["Role"]["PermissionsBoundary"], want)
        self.assertEnums(iam, "GetRole", role)
        details = iam.get_account_authorization_details(Filter=["User", "Role"])
        self.assertEnums(iam, "GetAccountAuthorizationDetails", details)
        r = self.server.aws("iam", "get-user", "--user-name", "shape-user")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["User"]["PermissionsBoundary"], want)


class TestResourceTypes(ServerTestCase):

    def test_cloudtrail_resource_types_are_cloudformation_spelled(self):
        # CloudTrail names resource types as CloudFormation does:
        # AWS::CloudTrail::Trail (it was AWS::CLOUDTRAIL::Trail)
        ct = self.server.client("cloudtrail")
        arn = ct.create_trail(Name="shape-trail", S3BucketName="shape-logs")["TrailARN"]
        ct.get_trail_status(Name=arn)
        eds = ct.create_event_data_store(Name="shape-eds")["EventDataStoreArn"]
        ct.get_event_data_store(EventDataStore=eds)
        want = {arn: "AWS::CloudTrail::Trail", eds: "AWS::CloudTrail::EventDataStore"}
        for name, rtype in want.items():
            with self.subTest(resource=name):
                deadline = time.time() + 10
                while True:
                    events = ct.lookup_events(LookupAttributes=[
                        {"AttributeKey": "ResourceType", "AttributeValue": rtype}])["Events"]
                    if events or time.time() > deadline:
                        break
                    time.sleep(0.2)
                self.assertTrue(events, rtype)
                self.assertIn({"ResourceType": rtype, "ResourceName": name},
                              events[0]["Resources"])
                record = json.loads(events[0]["CloudTrailEvent"])
                self.assertEqual(record["resources"][0]["type"], rtype)


class TestUnsignedOperations(ServerTestCase):

    def test_unsigned_operation_not_implemented(self):
        sts = boto3.client("sts", endpoint_url=self.server.endpoint, region_name=REGION,
                           aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                           aws_secret_access_key="x" * 40)
        with self.assertRaises(ClientError) as ctx:
            # botocore sends it unsigned (the model's authtype none)
            sts.assume_role_with_web_identity(
                RoleArn=f"arn:aws:iam::{self.server.account_id}:role/r",
                RoleSessionName="s1", WebIdentityToken="eyJhbGciOiJub25lIn0.e30.")
        err = self.assertClientError(ctx, "NotImplemented", 501)
        self.assertIn("AssumeRoleWithWebIdentity", err["Error"]["Message"])
        r = self.server.aws("sts", "assume-role-with-saml", "--role-arn",
                            f"arn:aws:iam::{self.server.account_id}:role/r", "--principal-arn",
                            f"arn:aws:iam::{self.server.account_id}:saml-provider/p",
                            "--saml-assertion", "PHNhbWw+PC9zYW1sPg==")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("NotImplemented", r.stderr)
        # an operation that needs a signature still refuses an unsigned call
        unsigned = self.server.client("sts", signature_version=botocore.UNSIGNED)
        with self.assertRaises(ClientError) as ctx:
            unsigned.get_caller_identity()
        self.assertClientError(ctx, "MissingAuthenticationToken", 403)


if __name__ == "__main__":
    unittest.main()
