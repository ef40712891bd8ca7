"""IAM identities through the real clients: users, groups and membership,
access keys, user tags, the account summary and alias, paginators, and the
error codes as botocore surfaces them."""
import json

from botocore.exceptions import ClientError

from bwtest import ServerTestCase


class IamUsersTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("iam")

    def cli(self, *args):
        r = self.server.aws("iam", *args)
        return r

    def test_user_life_cycle(self):
        iam = self.iam
        u = iam.create_user(UserName="Alice", Path="/eng/",
                            Tags=[{"Key": "team", "Value": "blue"}])["User"]
        self.assertEqual(u["UserName"], "Alice")
        self.assertRegex(u["UserId"], r"^AIDA[A-Z0-9]{17}$")
        self.assertTrue(u["Arn"].endswith(":user/eng/Alice"))
        self.assertIn("CreateDate", u)
        with self.assertRaises(ClientError) as ctx:
            iam.create_user(UserName="alice")
        self.assertClientError(ctx, "EntityAlreadyExists", 409)
        got = iam.get_user(UserName="alice")["User"]
        self.assertEqual(got["UserId"], u["UserId"])
        self.assertEqual(got["Tags"], [{"Key": "team", "Value": "blue"}])
        iam.update_user(UserName="Alice", NewUserName="Alicia", NewPath="/ops/")
        with self.assertRaises(ClientError) as ctx:
            iam.get_user(UserName="Alice")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        self.assertTrue(iam.get_user(UserName="Alicia")["User"]["Arn"].endswith("user/ops/Alicia"))
        iam.delete_user(UserName="Alicia")
        with self.assertRaises(ClientError) as ctx:
            iam.delete_user(UserName="Alicia")
        self.assertClientError(ctx, "NoSuchEntity", 404)

    def test_root_get_user(self):
        u = self.iam.get_user()["User"]
        self.assertEqual(u["UserId"], u["Arn"].split(":")[4])
        self.assertTrue(u["Arn"].endswith(":root"))
        self.assertNotIn("UserName", u)

    def test_validation_errors(self):
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_user(UserName="bad name!")
        self.assertClientError(ctx, "ValidationError", 400)
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_user(UserName="x1", Path="nopath")
        self.assertClientError(ctx, "ValidationError", 400)

    def test_groups_membership_and_delete_conflict(self):
        iam = self.iam
        iam.create_user(UserName="gm-user")
        g = iam.create_group(GroupName="gm-devs")["Group"]
        self.assertRegex(g["GroupId"], r"^AGPA[A-Z0-9]{17}$")
        iam.add_user_to_group(GroupName="gm-devs", UserName="gm-user")
        out = iam.get_group(GroupName="gm-devs")
        self.assertEqual([u["UserName"] for u in out["Users"]], ["gm-user"])
        groups = iam.list_groups_for_user(UserName="gm-user")["Groups"]
        self.assertEqual([x["GroupName"] for x in groups], ["gm-devs"])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_group(GroupName="gm-devs")
        err = self.assertClientError(ctx, "DeleteConflict", 409)
        self.assertEqual(err["Error"]["Message"],
                         "Cannot delete entity, must remove users from group first.")
        with self.assertRaises(ClientError) as ctx:
            iam.delete_user(UserName="gm-user")
        self.assertClientError(ctx, "DeleteConflict", 409)
        iam.update_group(GroupName="gm-devs", NewGroupName="gm-devs2")
        self.assertEqual(iam.list_groups_for_user(UserName="gm-user")["Groups"][0]["GroupName"],
                         "gm-devs2")
        iam.remove_user_from_group(GroupName="gm-devs2", UserName="gm-user")
        iam.delete_group(GroupName="gm-devs2")
        iam.delete_user(UserName="gm-user")

    def test_access_keys_and_sts_with_them(self):
        iam = self.iam
        iam.create_user(UserName="ak-user")
        k = iam.create_access_key(UserName="ak-user")["AccessKey"]
        self.assertRegex(k["AccessKeyId"], r"^AKIA[A-Z2-7]{16}$")
        self.assertEqual(len(k["SecretAccessKey"]), 40)
        self.assertEqual(k["Status"], "Active")
        iam.create_access_key(UserName="ak-user")
        with self.assertRaises(ClientError) as ctx:
            iam.create_access_key(UserName="ak-user")
        err = self.assertClientError(ctx, "LimitExceeded", 409)
        self.assertEqual(err["Error"]["Message"], "Cannot exceed quota for AccessKeysPerUser: 2")
        meta = iam.list_access_keys(UserName="ak-user")["AccessKeyMetadata"]
        self.assertEqual(len(meta), 2)
        self.assertNotIn("SecretAccessKey", meta[0])
        last = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])
        self.assertEqual(last["UserName"], "ak-user")
        self.assertEqual(last["AccessKeyLastUsed"]["ServiceName"], "N/A")
        self.assertEqual(last["AccessKeyLastUsed"]["Region"], "N/A")
        # the key signs requests (authentication is the gateway's)
        sts = self.server.client("sts", creds=(k["AccessKeyId"], k["SecretAccessKey"]))
        self.assertIn("Arn", sts.get_caller_identity())
        iam.update_access_key(UserName="ak-user", AccessKeyId=k["AccessKeyId"], Status="Inactive")
        statuses = {m["AccessKeyId"]: m["Status"]
                    for m in iam.list_access_keys(UserName="ak-user")["AccessKeyMetadata"]}
        self.assertEqual(statuses[k["AccessKeyId"]], "Inactive")
        for m in iam.list_access_keys(UserName="ak-user")["AccessKeyMetadata"]:
            iam.delete_access_key(UserName="ak-user", AccessKeyId=m["AccessKeyId"])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_access_key(UserName="ak-user", AccessKeyId=k["AccessKeyId"])
        self.assertClientError(ctx, "NoSuchEntity", 404)
        iam.delete_user(UserName="ak-user")

    def test_tags(self):
        iam = self.iam
        iam.create_user(UserName="tag-user")
        iam.tag_user(UserName="tag-user", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(5)])
        with self.assertRaises(ClientError) as ctx:
            iam.tag_user(UserName="tag-user", Tags=[{"Key": "A", "Value": "1"},
                                                    {"Key": "a", "Value": "2"}])
        self.assertClientError(ctx, "InvalidInput", 400)
        with self.assertRaises(ClientError) as ctx:
            iam.tag_user(UserName="tag-user", Tags=[{"Key": "aws:x", "Value": "1"}])
        self.assertClientError(ctx, "InvalidInput", 400)
        with self.assertRaises(ClientError) as ctx:
            iam.tag_user(UserName="tag-user",
                         Tags=[{"Key": f"t{i}", "Value": "v"} for i in range(46)])
        self.assertClientError(ctx, "LimitExceeded", 409)
        iam.untag_user(UserName="tag-user", TagKeys=["k0", "k1"])
        tags = iam.get_paginator("list_user_tags").paginate(
            UserName="tag-user", PaginationConfig={"PageSize": 2}).build_full_result()["Tags"]
        self.assertEqual([t["Key"] for t in tags], ["k2", "k3", "k4"])
        iam.delete_user(UserName="tag-user")

    def test_paginator_walks_all_pages(self):
        iam = self.iam
        names = [f"page-user-{i:02d}" for i in range(12)]
        for n in names:
            iam.create_user(UserName=n, Path="/paged/")
        pages = list(iam.get_paginator("list_users").paginate(
            PathPrefix="/paged/", PaginationConfig={"PageSize": 5}))
        self.assertEqual(len(pages), 3)
        self.assertTrue(pages[0]["IsTruncated"])
        got = [u["UserName"] for p in pages for u in p["Users"]]
        self.assertEqual(got, names)
        # the CLI paginates the same way
        r = self.cli("list-users", "--path-prefix", "/paged/", "--page-size", "4")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([u["UserName"] for u in json.loads(r.stdout)["Users"]], names)
        for n in names:
            iam.delete_user(UserName=n)

    def test_cli_life_cycle_and_errors(self):
        r = self.cli("create-user", "--user-name", "cli-user")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["User"]["UserName"], "cli-user")
        r = self.cli("create-user", "--user-name", "cli-user")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("EntityAlreadyExists", r.stderr)
        r = self.cli("create-group", "--group-name", "cli-group")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("add-user-to-group", "--group-name", "cli-group", "--user-name", "cli-user")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("create-access-key", "--user-name", "cli-user")
        self.assertEqual(r.returncode, 0, r.stderr)
        akid = json.loads(r.stdout)["AccessKey"]["AccessKeyId"]
        r = self.cli("delete-user", "--user-name", "cli-user")
        self.assertIn("DeleteConflict", r.stderr)
        for args in (("delete-access-key", "--user-name", "cli-user", "--access-key-id", akid),
                     ("remove-user-from-group", "--group-name", "cli-group", "--user-name",
                      "cli-user"),
                     ("delete-group", "--group-name", "cli-group"),
                     ("delete-user", "--user-name", "cli-user")):
            r = self.cli(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("get-user", "--user-name", "cli-user")
        self.assertIn("NoSuchEntity", r.stderr)

    def test_account_summary_and_alias(self):
        iam = self.iam
        before = iam.get_account_summary()["SummaryMap"]
        iam.create_user(UserName="sum-user")
        iam.create_group(GroupName="sum-group")
        after = iam.get_account_summary()["SummaryMap"]
        self.assertEqual(after["Users"], before["Users"] + 1)
        self.assertEqual(after["Groups"], before["Groups"] + 1)
        self.assertEqual(after["UsersQuota"], 5000)
        self.assertEqual(after["AccessKeysPerUserQuota"], 2)
        self.assertIn("Roles", after)
        self.assertIn("Policies", after)
        iam.delete_group(GroupName="sum-group")
        iam.delete_user(UserName="sum-user")

        iam.create_account_alias(AccountAlias="bulwark-test")
        self.assertEqual(iam.list_account_aliases()["AccountAliases"], ["bulwark-test"])
        with self.assertRaises(ClientError) as ctx:
            iam.create_account_alias(AccountAlias="another-one")
        self.assertClientError(ctx, "EntityAlreadyExists", 409)
        iam.delete_account_alias(AccountAlias="bulwark-test")
        self.assertEqual(iam.list_account_aliases()["AccountAliases"], [])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_account_alias(AccountAlias="bulwark-test")
        self.assertClientError(ctx, "NoSuchEntity", 404)
