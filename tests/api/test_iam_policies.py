"""IAM permissions through boto3 and the aws CLI: managed policies and their
versions, attachments, inline policies, roles and trust policies,
permissions boundaries, GetAccountAuthorizationDetails, paginators, and
AWS's error codes."""
import json
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase


def doc(action, resource="*"):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole"}]}


class IamPoliciesTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("iam")
        cls.account = cls.server.client("sts").get_caller_identity()["Account"]

    def create_policy(self, name, document=None, **kw):
        body = json.dumps(document or doc("s3:GetObject"))
        return self.iam.create_policy(PolicyName=name, PolicyDocument=body, **kw)["Policy"]

    def test_policy_lifecycle_and_versions(self):
        pol = self.create_policy("Life", Path="/team/", Description="d",
                                 Tags=[{"Key": "k", "Value": "v"}])
        arn = pol["Arn"]
        self.assertTrue(arn.endswith(":policy/team/Life"), arn)
        self.assertTrue(pol["PolicyId"].startswith("ANPA"))
        self.assertEqual(pol["DefaultVersionId"], "v1")
        got = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual(got["Description"], "d")
        self.assertEqual(got["AttachmentCount"], 0)
        with self.assertRaises(ClientError) as ctx:
            self.create_policy("LIFE")
        self.assertClientError(ctx, "EntityAlreadyExists", 409)
        for i in range(2, 6):
            v = self.iam.create_policy_version(PolicyArn=arn, SetAsDefault=(i == 4),
                                               PolicyDocument=json.dumps(doc(f"s3:Put{i}")))
            self.assertEqual(v["PolicyVersion"]["VersionId"], f"v{i}")
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc("s3:*")))
        err = self.assertClientError(ctx, "LimitExceeded", 409)
        self.assertIn("up to 5 versions", err["Error"]["Message"])
        pv = self.iam.get_policy_version(PolicyArn=arn, VersionId="v4")["PolicyVersion"]
        self.assertEqual(pv["Document"], doc("s3:Put4"))  # URL-decoded to a dict by boto3
        self.assertTrue(pv["IsDefaultVersion"])
        versions = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
        self.assertEqual(len(versions), 5)
        with self.assertRaises(ClientError) as ctx:
            self.iam.delete_policy_version(PolicyArn=arn, VersionId="v4")
        self.assertClientError(ctx, "DeleteConflict", 409)
        with self.assertRaises(ClientError) as ctx:
            self.iam.delete_policy(PolicyArn=arn)
        self.assertClientError(ctx, "DeleteConflict", 409)
        self.iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
        for v in ("v1", "v2", "v3", "v4"):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId=v)
        self.iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "x", "Value": "1"}])
        self.iam.untag_policy(PolicyArn=arn, TagKeys=["k"])
        tags = self.iam.list_policy_tags(PolicyArn=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "x", "Value": "1"}])
        self.iam.delete_policy(PolicyArn=arn)
        with self.assertRaises(ClientError) as ctx:
            self.iam.get_policy(PolicyArn=arn)
        self.assertClientError(ctx, "NoSuchEntity", 404)

    def test_malformed_documents(self):
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_policy(PolicyName="Bad", PolicyDocument="{not json")
        self.assertClientError(ctx, "MalformedPolicyDocument", 400)
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_policy(PolicyName="Bad", PolicyDocument=json.dumps(TRUST))
        self.assertClientError(ctx, "MalformedPolicyDocument", 400)
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_role(RoleName="BadTrust",
                                 AssumeRolePolicyDocument=json.dumps(doc("s3:*")))
        self.assertClientError(ctx, "MalformedPolicyDocument", 400)
        huge = doc("s3:GetObject", "arn:aws:s3:::" + "a" * 6200)
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_policy(PolicyName="Huge", PolicyDocument=json.dumps(huge))
        self.assertClientError(ctx, "LimitExceeded", 409)

    def test_users_groups_attach_inline_boundary(self):
        self.iam.create_user(UserName="pat")
        self.iam.create_group(GroupName="builders")
        self.iam.add_user_to_group(GroupName="builders", UserName="pat")
        arn = self.create_policy("PatManaged")["Arn"]
        bound = self.create_policy("PatBoundary", doc("s3:*"))["Arn"]
        self.iam.attach_user_policy(UserName="pat", PolicyArn=arn)
        self.iam.attach_user_policy(UserName="pat", PolicyArn=arn)  # no-op
        self.iam.attach_group_policy(GroupName="builders", PolicyArn=arn)
        self.iam.attach_user_policy(UserName="pat",
                                    PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 2)
        attached = self.iam.list_attached_user_policies(UserName="pat")["AttachedPolicies"]
        self.assertEqual(sorted(a["PolicyName"] for a in attached),
                         ["IAMReadOnlyAccess", "PatManaged"])
        ents = self.iam.list_entities_for_policy(PolicyArn=arn)
        self.assertEqual([u["UserName"] for u in ents["PolicyUsers"]], ["pat"])
        self.assertEqual([g["GroupName"] for g in ents["PolicyGroups"]], ["builders"])
        ents = self.iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Group")
        self.assertEqual(ents["PolicyUsers"], [])
        with self.assertRaises(ClientError) as ctx:
            self.iam.attach_user_policy(UserName="nobody", PolicyArn=arn)
        self.assertClientError(ctx, "NoSuchEntity", 404)
        with self.assertRaises(ClientError) as ctx:
            self.iam.attach_user_policy(UserName="pat",
                                        PolicyArn=f"arn:aws:iam::{self.account}:policy/Nope")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        with self.assertRaises(ClientError) as ctx:
            self.iam.delete_policy(PolicyArn=arn)
        self.assertClientError(ctx, "DeleteConflict", 409)

        # inline: the document round-trips through URL-encoding into a dict
        inline = doc(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::bucket/a b+c/*")
        self.iam.put_user_policy(UserName="pat", PolicyName="own",
                                 PolicyDocument=json.dumps(inline))
        got = self.iam.get_user_policy(UserName="pat", PolicyName="own")
        self.assertEqual(got["PolicyDocument"], inline)
        self.iam.put_group_policy(GroupName="builders", PolicyName="g",
                                  PolicyDocument=json.dumps(doc("kms:*")))
        self.assertEqual(self.iam.get_group_policy(GroupName="builders",
                                                   PolicyName="g")["PolicyDocument"], doc("kms:*"))
        self.assertEqual(self.iam.list_user_policies(UserName="pat")["PolicyNames"], ["own"])
        with self.assertRaises(ClientError) as ctx:
            self.iam.get_user_policy(UserName="pat", PolicyName="missing")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        with self.assertRaises(ClientError) as ctx:
            self.iam.put_user_policy(UserName="pat", PolicyName="bad", PolicyDocument="[")
        self.assertClientError(ctx, "MalformedPolicyDocument", 400)

        # boundary
        self.iam.put_user_permissions_boundary(UserName="pat", PermissionsBoundary=bound)
        pol = self.iam.get_policy(PolicyArn=bound)["Policy"]
        self.assertEqual(pol["PermissionsBoundaryUsageCount"], 1)
        self.assertEqual(self.iam.get_user(UserName="pat")["User"]["PermissionsBoundary"]
                         ["PermissionsBoundaryArn"], bound)

        # everything in GetAccountAuthorizationDetails
        details = self.iam.get_account_authorization_details(Filter=["User", "Group",
                                                                     "LocalManagedPolicy"])
        pat = [u for u in details["UserDetailList"] if u["UserName"] == "pat"][0]
        self.assertEqual(pat["GroupList"], ["builders"])
        self.assertEqual(pat["UserPolicyList"][0]["PolicyDocument"], inline)
        self.assertEqual(len(pat["AttachedManagedPolicies"]), 2)
        builders = [g for g in details["GroupDetailList"] if g["GroupName"] == "builders"][0]
        self.assertEqual(builders["GroupPolicyList"][0]["PolicyDocument"], doc("kms:*"))
        mine = [p for p in details["Policies"] if p["PolicyName"] == "PatManaged"][0]
        self.assertEqual(mine["PolicyVersionList"][0]["Document"], doc("s3:GetObject"))
        aws = self.iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])["Policies"]
        self.assertIn("IAMReadOnlyAccess", [p["PolicyName"] for p in aws])
        pages = list(self.iam.get_paginator("get_account_authorization_details")
                     .paginate(PaginationConfig={"PageSize": 1}))
        self.assertGreater(len(pages), 3)

        # clean up in the order AWS requires
        self.iam.delete_user_permissions_boundary(UserName="pat")
        self.assertEqual(self.iam.get_policy(PolicyArn=bound)["Policy"]
                         ["PermissionsBoundaryUsageCount"], 0)
        self.iam.detach_user_policy(UserName="pat", PolicyArn=arn)
        self.iam.detach_group_policy(GroupName="builders", PolicyArn=arn)
        with self.assertRaises(ClientError) as ctx:
            self.iam.detach_group_policy(GroupName="builders", PolicyArn=arn)
        self.assertClientError(ctx, "NoSuchEntity", 404)
        self.iam.delete_policy(PolicyArn=arn)
        self.iam.delete_user_policy(UserName="pat", PolicyName="own")
        self.iam.delete_group_policy(GroupName="builders", PolicyName="g")
        self.iam.detach_user_policy(UserName="pat",
                                    PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")

    def test_user_boundary_follows_create_rename_delete(self):
        doc = json.dumps({"Version": "2012-10-17",
                          "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
        arn = self.iam.create_policy(PolicyName="edge-boundary", PolicyDocument=doc)["Policy"]["Arn"]

        def bounded():
            out = self.iam.list_entities_for_policy(PolicyArn=arn,
                                                    PolicyUsageFilter="PermissionsBoundary")
            return sorted(u["UserName"] for u in out["PolicyUsers"])

        def usage():
            return self.iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"]

        self.iam.create_user(UserName="edge-user", PermissionsBoundary=arn)
        self.assertEqual(bounded(), ["edge-user"])
        self.assertEqual(usage(), 1)
        self.iam.update_user(UserName="edge-user", NewUserName="edge-renamed")
        self.assertEqual(bounded(), ["edge-renamed"])
        self.iam.delete_user(UserName="edge-renamed")
        self.assertEqual(bounded(), [])
        self.assertEqual(usage(), 0)

    def test_attach_limit(self):
        self.iam.create_role(RoleName="Crowded", AssumeRolePolicyDocument=json.dumps(TRUST))
        for i in range(10):
            arn = self.create_policy(f"Crowd{i}")["Arn"]
            self.iam.attach_role_policy(RoleName="Crowded", PolicyArn=arn)
        extra = self.create_policy("CrowdExtra")["Arn"]
        with self.assertRaises(ClientError) as ctx:
            self.iam.attach_role_policy(RoleName="Crowded", PolicyArn=extra)
        self.assertClientError(ctx, "LimitExceeded", 409)
        listed = self.iam.get_paginator("list_attached_role_policies").paginate(
            RoleName="Crowded", PaginationConfig={"PageSize": 3})
        self.assertEqual(sum(len(p["AttachedPolicies"]) for p in listed), 10)

    def test_roles(self):
        role = self.iam.create_role(RoleName="app", Path="/svc/", Description="app role",
                                    AssumeRolePolicyDocument=json.dumps(TRUST),
                                    MaxSessionDuration=7200,
                                    Tags=[{"Key": "team", "Value": "a"}])["Role"]
        self.assertTrue(role["RoleId"].startswith("AROA"))
        self.assertEqual(role["Arn"], f"arn:aws:iam::{self.account}:role/svc/app")
        self.assertEqual(role["AssumeRolePolicyDocument"], TRUST)
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_role(RoleName="APP", AssumeRolePolicyDocument=json.dumps(TRUST))
        self.assertClientError(ctx, "EntityAlreadyExists", 409)
        got = self.iam.get_role(RoleName="app")["Role"]
        self.assertEqual(got["MaxSessionDuration"], 7200)
        self.assertEqual(got["Description"], "app role")
        self.iam.update_role(RoleName="app", MaxSessionDuration=3600)
        r = self.iam.update_role_description(RoleName="app", Description="new")["Role"]
        self.assertEqual(r["Description"], "new")
        trust2 = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": {"AWS": f"arn:aws:iam::{self.account}:root"}}]}
        self.iam.update_assume_role_policy(RoleName="app", PolicyDocument=json.dumps(trust2))
        self.assertEqual(self.iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"],
                         trust2)
        with self.assertRaises(ClientError) as ctx:
            self.iam.update_assume_role_policy(RoleName="app",
                                               PolicyDocument=json.dumps(doc("s3:*")))
        self.assertClientError(ctx, "MalformedPolicyDocument", 400)
        self.iam.tag_role(RoleName="app", Tags=[{"Key": "env", "Value": "prod"}])
        self.iam.untag_role(RoleName="app", TagKeys=["team"])
        self.assertEqual(self.iam.list_role_tags(RoleName="app")["Tags"],
                         [{"Key": "env", "Value": "prod"}])
        self.iam.put_role_policy(RoleName="app", PolicyName="inl",
                                 PolicyDocument=json.dumps(doc("kms:Decrypt")))
        self.assertEqual(self.iam.get_role_policy(RoleName="app", PolicyName="inl")
                         ["PolicyDocument"], doc("kms:Decrypt"))
        self.iam.attach_role_policy(RoleName="app",
                                    PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        self.iam.put_role_permissions_boundary(
            RoleName="app", PermissionsBoundary="arn:aws:iam::aws:policy/PowerUserAccess")
        self.assertEqual(self.iam.get_role(RoleName="app")["Role"]["PermissionsBoundary"]
                         ["PermissionsBoundaryArn"], "arn:aws:iam::aws:policy/PowerUserAccess")
        rd = [r for r in self.iam.get_account_authorization_details(Filter=["Role"])
              ["RoleDetailList"] if r["RoleName"] == "app"][0]
        self.assertEqual(rd["RolePolicyList"][0]["PolicyDocument"], doc("kms:Decrypt"))
        self.assertEqual(rd["AttachedManagedPolicies"][0]["PolicyName"], "ReadOnlyAccess")
        self.assertEqual(rd["AssumeRolePolicyDocument"], trust2)
        with self.assertRaises(ClientError) as ctx:
            self.iam.delete_role(RoleName="app")
        self.assertClientError(ctx, "DeleteConflict", 409)
        self.iam.detach_role_policy(RoleName="app",
                                    PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        self.iam.delete_role_policy(RoleName="app", PolicyName="inl")
        self.iam.delete_role_permissions_boundary(RoleName="app")
        self.iam.delete_role(RoleName="app")
        with self.assertRaises(ClientError) as ctx:
            self.iam.get_role(RoleName="app")
        self.assertClientError(ctx, "NoSuchEntity", 404)

    def test_paginators(self):
        for i in range(7):
            self.create_policy(f"Paged{i}", Path="/paged/")
            self.iam.create_role(RoleName=f"paged{i}", Path="/paged/",
                                 AssumeRolePolicyDocument=json.dumps(TRUST))
        pages = list(self.iam.get_paginator("list_policies").paginate(
            Scope="Local", PathPrefix="/paged/", PaginationConfig={"PageSize": 3}))
        self.assertEqual(len(pages), 3)
        names = [p["PolicyName"] for page in pages for p in page["Policies"]]
        self.assertEqual(sorted(names), [f"Paged{i}" for i in range(7)])
        aws = [p for page in self.iam.get_paginator("list_policies").paginate(
            Scope="AWS", PaginationConfig={"PageSize": 2}) for p in page["Policies"]]
        self.assertIn("AdministratorAccess", [p["PolicyName"] for p in aws])
        self.assertTrue(all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in aws))
        everything = [p for page in self.iam.get_paginator("list_policies").paginate(
            PaginationConfig={"PageSize": 4}) for p in page["Policies"]]
        self.assertEqual(len(everything), len({p["Arn"] for p in everything}))
        self.assertGreaterEqual(len(everything), len(aws) + 7)
        roles = [r["RoleName"] for page in self.iam.get_paginator("list_roles").paginate(
            PathPrefix="/paged/", PaginationConfig={"PageSize": 2}) for r in page["Roles"]]
        self.assertEqual(sorted(roles), [f"paged{i}" for i in range(7)])

    def test_aws_managed(self):
        admin = "arn:aws:iam::aws:policy/AdministratorAccess"
        pol = self.iam.get_policy(PolicyArn=admin)["Policy"]
        self.assertEqual(pol["PolicyName"], "AdministratorAccess")
        pv = self.iam.get_policy_version(PolicyArn=admin,
                                         VersionId=pol["DefaultVersionId"])["PolicyVersion"]
        self.assertEqual(pv["Document"]["Statement"][0]["Action"], "*")
        with self.assertRaises(ClientError):
            self.iam.create_policy_version(PolicyArn=admin,
                                           PolicyDocument=json.dumps(doc("s3:*")))
        with self.assertRaises(ClientError) as ctx:
            self.iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/NoSuchThing")
        self.assertClientError(ctx, "NoSuchEntity", 404)

    def test_cli(self):
        out = self.server.aws("iam", "create-policy", "--policy-name", "CliPolicy",
                              "--policy-document", json.dumps(doc("kms:Encrypt")))
        self.assertEqual(out.returncode, 0, out.stderr)
        arn = json.loads(out.stdout)["Policy"]["Arn"]
        out = self.server.aws("iam", "get-policy-version", "--policy-arn", arn,
                              "--version-id", "v1")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["PolicyVersion"]["Document"], doc("kms:Encrypt"))
        out = self.server.aws("iam", "create-role", "--role-name", "cli-role",
                              "--assume-role-policy-document", json.dumps(TRUST))
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.server.aws("iam", "attach-role-policy", "--role-name", "cli-role",
                              "--policy-arn", arn)
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.server.aws("iam", "list-attached-role-policies", "--role-name", "cli-role")
        self.assertEqual(json.loads(out.stdout)["AttachedPolicies"][0]["PolicyArn"], arn)
        out = self.server.aws("iam", "list-policies", "--scope", "Local")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("CliPolicy", [p["PolicyName"] for p in json.loads(out.stdout)["Policies"]])
        out = self.server.aws("iam", "delete-policy", "--policy-arn", arn)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("DeleteConflict", out.stderr)


if __name__ == "__main__":
    unittest.main()
