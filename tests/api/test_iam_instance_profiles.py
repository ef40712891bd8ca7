"""IAM instance profiles through boto3 and the aws CLI: create, get, list
(PathPrefix, Marker/MaxItems), one role at most, DeleteConflict both ways,
tags, and authorization on the stored profile's ARN and tags."""
import json
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, allow, policy

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]})


class InstanceProfileTest(ServerTestCase):
    def test_lifecycle(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        p = iam.create_instance_profile(InstanceProfileName="Web", Path="/apps/",
                                        Tags=[{"Key": "env", "Value": "prod"}])["InstanceProfile"]
        self.assertEqual(p["Arn"], f"arn:aws:iam::{acct}:instance-profile/apps/Web")
        self.assertRegex(p["InstanceProfileId"], r"^AIPA")
        self.assertEqual(p["Roles"], [])
        with self.assertRaises(ClientError) as ctx:
            iam.create_instance_profile(InstanceProfileName="web")
        self.assertClientError(ctx, "EntityAlreadyExists", 409)
        got = iam.get_instance_profile(InstanceProfileName="WEB")["InstanceProfile"]
        self.assertEqual(got["InstanceProfileName"], "Web")
        self.assertEqual(got["Tags"], [{"Key": "env", "Value": "prod"}])

        role = iam.create_role(RoleName="web-role", AssumeRolePolicyDocument=TRUST)["Role"]
        iam.create_role(RoleName="other-role", AssumeRolePolicyDocument=TRUST)
        iam.add_role_to_instance_profile(InstanceProfileName="Web", RoleName="web-role")
        with self.assertRaises(ClientError) as ctx:
            iam.add_role_to_instance_profile(InstanceProfileName="Web", RoleName="other-role")
        self.assertClientError(ctx, "LimitExceeded", 409)
        with self.assertRaises(ClientError) as ctx:
            iam.add_role_to_instance_profile(InstanceProfileName="Web", RoleName="nope")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        got = iam.get_instance_profile(InstanceProfileName="Web")["InstanceProfile"]
        self.assertEqual([r["RoleId"] for r in got["Roles"]], [role["RoleId"]])
        self.assertEqual(json.loads(json.dumps(got["Roles"][0]["AssumeRolePolicyDocument"])),
                         json.loads(TRUST))
        details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
        mine = [d for d in details if d["RoleName"] == "web-role"][0]
        self.assertEqual([x["InstanceProfileName"] for x in mine["InstanceProfileList"]], ["Web"])
        self.assertGreaterEqual(iam.get_account_summary()["SummaryMap"]["InstanceProfiles"], 1)
        for_role = iam.list_instance_profiles_for_role(RoleName="web-role")["InstanceProfiles"]
        self.assertEqual([x["InstanceProfileName"] for x in for_role], ["Web"])
        self.assertEqual(iam.list_instance_profiles_for_role(
            RoleName="other-role")["InstanceProfiles"], [])

        # both deletions are refused while the role is in the profile
        with self.assertRaises(ClientError) as ctx:
            iam.delete_role(RoleName="web-role")
        err = self.assertClientError(ctx, "DeleteConflict", 409)
        self.assertEqual(err["Error"]["Message"],
                         "Cannot delete entity, must remove roles from instance profile first.")
        with self.assertRaises(ClientError) as ctx:
            iam.delete_instance_profile(InstanceProfileName="Web")
        self.assertClientError(ctx, "DeleteConflict", 409)
        # GetRole and ListRoles are unaffected
        self.assertEqual(iam.get_role(RoleName="web-role")["Role"]["RoleId"], role["RoleId"])
        self.assertIn("web-role", [r["RoleName"] for r in iam.list_roles()["Roles"]])

        with self.assertRaises(ClientError) as ctx:
            iam.remove_role_from_instance_profile(InstanceProfileName="Web",
                                                  RoleName="other-role")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        iam.remove_role_from_instance_profile(InstanceProfileName="Web", RoleName="web-role")
        self.assertEqual(iam.list_instance_profiles_for_role(
            RoleName="web-role")["InstanceProfiles"], [])
        iam.delete_role(RoleName="web-role")
        iam.delete_instance_profile(InstanceProfileName="web")
        with self.assertRaises(ClientError) as ctx:
            iam.get_instance_profile(InstanceProfileName="Web")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        iam.delete_role(RoleName="other-role")

    def test_list_paging_and_cli(self):
        iam = self.server.client("iam")
        for i in range(5):
            iam.create_instance_profile(InstanceProfileName=f"pg-{i}", Path="/pg/")
        iam.create_instance_profile(InstanceProfileName="elsewhere", Path="/other/")
        out = iam.list_instance_profiles(PathPrefix="/pg/", MaxItems=2)
        names = [p["InstanceProfileName"] for p in out["InstanceProfiles"]]
        self.assertTrue(out["IsTruncated"])
        while out.get("IsTruncated"):
            out = iam.list_instance_profiles(PathPrefix="/pg/", MaxItems=2,
                                             Marker=out["Marker"])
            names += [p["InstanceProfileName"] for p in out["InstanceProfiles"]]
        self.assertEqual(names, [f"pg-{i}" for i in range(5)])
        pager = iam.get_paginator("list_instance_profiles")
        all_names = [p["InstanceProfileName"] for page in pager.paginate(PaginationConfig={"PageSize": 2})
                     for p in page["InstanceProfiles"]]
        self.assertIn("elsewhere", all_names)
        r = self.server.aws("iam", "list-instance-profiles", "--path-prefix", "/other/")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([p["InstanceProfileName"] for p in json.loads(r.stdout)["InstanceProfiles"]],
                         ["elsewhere"])

    def test_tags(self):
        iam = self.server.client("iam")
        iam.create_instance_profile(InstanceProfileName="tagged")
        iam.tag_instance_profile(InstanceProfileName="tagged",
                                 Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        iam.untag_instance_profile(InstanceProfileName="TAGGED", TagKeys=["a"])
        tags = iam.list_instance_profile_tags(InstanceProfileName="tagged")["Tags"]
        self.assertEqual(tags, [{"Key": "b", "Value": "2"}])

    def test_authorization_on_stored_profile(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        iam.create_instance_profile(InstanceProfileName="Guarded", Path="/sec/",
                                    Tags=[{"Key": "team", "Value": "blue"}])
        iam.create_instance_profile(InstanceProfileName="Open")
        iam.create_user(UserName="ip-user")
        key = iam.create_access_key(UserName="ip-user")["AccessKey"]
        iam.put_user_policy(UserName="ip-user", PolicyName="p", PolicyDocument=policy(
            allow("iam:GetInstanceProfile", f"arn:aws:iam::{acct}:instance-profile/sec/*"),
            allow("iam:TagInstanceProfile", "*",
                  Condition={"StringEquals": {"aws:ResourceTag/team": "red"}}),
            allow("iam:UntagInstanceProfile", "*",
                  Condition={"StringEquals": {"aws:ResourceTag/team": "blue"}})))
        user = self.server.client("iam", creds=(key["AccessKeyId"], key["SecretAccessKey"]))
        # a name in another case resolves to the stored profile and its path
        user.get_instance_profile(InstanceProfileName="guarded")
        with self.assertRaises(ClientError) as ctx:
            user.get_instance_profile(InstanceProfileName="Open")
        self.assertClientError(ctx, "AccessDenied", 403)
        with self.assertRaises(ClientError) as ctx:
            user.tag_instance_profile(InstanceProfileName="Guarded",
                                      Tags=[{"Key": "x", "Value": "y"}])
        self.assertClientError(ctx, "AccessDenied", 403)
        # the stored profile's tags are what aws:ResourceTag sees
        user.untag_instance_profile(InstanceProfileName="guarded", TagKeys=["nothing"])
        with self.assertRaises(ClientError) as ctx:
            user.untag_instance_profile(InstanceProfileName="Open", TagKeys=["nothing"])
        self.assertClientError(ctx, "AccessDenied", 403)


if __name__ == "__main__":
    unittest.main()
