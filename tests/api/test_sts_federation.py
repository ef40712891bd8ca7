"""STS GetFederationToken through the real clients (boto3 and the aws CLI).

What AWS's API reference prescribes and these tests hold: only long-term
keys of an IAM user (or the root) may call it; sts:GetFederationToken on
arn:aws:sts::ACCT:federated-user/NAME is needed (sts:TagSession too with
Tags); a session with no session policy has no permissions, one with them
the intersection of the user's policies and theirs; the session may call no
IAM API and no STS API but GetCallerIdentity; it dies with its user (by
unique id, not name)."""
import datetime
import json
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, allow, policy


def _expiry_in(creds, seconds, slack=120):
    exp = creds["Expiration"]
    if isinstance(exp, str):
        exp = datetime.datetime.fromisoformat(exp.replace("Z", "+00:00"))
    left = (exp - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    return abs(left - seconds) <= slack


class FederationTest(ServerTestCase):
    def _user(self, name, *statements):
        iam = self.server.client("iam")
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        if statements:
            iam.put_user_policy(UserName=name, PolicyName="p",
                                PolicyDocument=policy(*statements))
        return key["AccessKeyId"], key["SecretAccessKey"]

    def _fed(self, out):
        c = out["Credentials"]
        return c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]

    def test_federated_session(self):
        acct = self.server.account_id
        creds = self._user("fed-alice", allow("sts:GetFederationToken"),
                           allow("kms:ListKeys"), allow("kms:ListAliases"))
        sts = self.server.client("sts", creds=creds)
        out = sts.get_federation_token(Name="bob@example", DurationSeconds=900,
                                       Policy=policy(allow("kms:*")))
        self.assertEqual(out["FederatedUser"]["Arn"],
                         f"arn:aws:sts::{acct}:federated-user/bob@example")
        self.assertEqual(out["FederatedUser"]["FederatedUserId"], f"{acct}:bob@example")
        self.assertIn("PackedPolicySize", out)
        c = out["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA")
        self.assertTrue(_expiry_in(c, 900), c["Expiration"])
        fed = self._fed(out)
        who = self.server.client("sts", creds=fed).get_caller_identity()
        self.assertEqual(who["Arn"], f"arn:aws:sts::{acct}:federated-user/bob@example")
        self.assertEqual(who["UserId"], f"{acct}:bob@example")
        kms = self.server.client("kms", creds=fed)
        kms.list_keys()  # the user and the session policy both allow it
        with self.assertRaises(ClientError) as ctx:
            kms.create_key()  # the session allows it, the user does not
        self.assertClientError(ctx, "AccessDeniedException")

    def test_intersection_with_session_policy(self):
        creds = self._user("fed-carol", allow("sts:GetFederationToken"), allow("kms:*"))
        sts = self.server.client("sts", creds=creds)
        fed = self._fed(sts.get_federation_token(Name="carol",
                                                 Policy=policy(allow("kms:ListAliases"))))
        kms = self.server.client("kms", creds=fed)
        kms.list_aliases()
        with self.assertRaises(ClientError) as ctx:
            kms.list_keys()  # the user allows it, the session policy does not
        self.assertClientError(ctx, "AccessDeniedException")

    def test_managed_session_policy(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        arn = iam.create_policy(PolicyName="fed-list-keys",
                                PolicyDocument=policy(allow("kms:ListKeys")))["Policy"]["Arn"]
        creds = self._user("fed-kate", allow("sts:GetFederationToken"), allow("kms:*"))
        sts = self.server.client("sts", creds=creds)
        out = sts.get_federation_token(Name="kate", PolicyArns=[{"arn": arn}])
        self.assertIn("PackedPolicySize", out)
        kms = self.server.client("kms", creds=self._fed(out))
        kms.list_keys()
        with self.assertRaises(ClientError) as ctx:
            kms.list_aliases()
        self.assertClientError(ctx, "AccessDeniedException")
        with self.assertRaises(ClientError) as ctx:
            sts.get_federation_token(
                Name="kate", PolicyArns=[{"arn": f"arn:aws:iam::{acct}:policy/absent"}])
        self.assertClientError(ctx, "ValidationError", 400)

    def test_no_session_policy_means_no_permissions(self):
        creds = self._user("fed-dave", allow("sts:GetFederationToken"), allow("kms:*"))
        out = self.server.client("sts", creds=creds).get_federation_token(Name="dave")
        self.assertNotIn("PackedPolicySize", out)
        self.assertTrue(_expiry_in(out["Credentials"], 43200), out["Credentials"])
        fed = self._fed(out)
        with self.assertRaises(ClientError) as ctx:
            self.server.client("kms", creds=fed).list_keys()
        self.assertClientError(ctx, "AccessDeniedException")
        # asking who it is needs no permission
        self.server.client("sts", creds=fed).get_caller_identity()

    def test_session_limits(self):
        creds = self._user("fed-erin", allow("sts:GetFederationToken"), allow("*"))
        fed = self._fed(self.server.client("sts", creds=creds).get_federation_token(
            Name="erin", Policy=policy(allow("*"))))
        with self.assertRaises(ClientError) as ctx:
            self.server.client("iam", creds=fed).list_users()
        self.assertClientError(ctx, "AccessDenied", 403)
        sts = self.server.client("sts", creds=fed)
        for call in (lambda: sts.get_federation_token(Name="again"),
                     lambda: sts.get_session_token()):
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertClientError(ctx, "AccessDenied", 403)

    def test_session_credentials_cannot_call_it(self):
        creds = self._user("fed-frank", allow("*"))
        c = self.server.client("sts", creds=creds).get_session_token()["Credentials"]
        sess = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        with self.assertRaises(ClientError) as ctx:
            self.server.client("sts", creds=sess).get_federation_token(Name="x1")
        err = self.assertClientError(ctx, "AccessDenied", 403)
        self.assertIn("session credentials", err["Error"]["Message"])

    def test_permission_and_validation(self):
        acct = self.server.account_id
        creds = self._user("fed-gina", allow("kms:ListKeys"))
        sts = self.server.client("sts", creds=creds, validate=False)
        with self.assertRaises(ClientError) as ctx:
            sts.get_federation_token(Name="gina")
        err = self.assertClientError(ctx, "AccessDenied", 403)
        self.assertIn(f"arn:aws:sts::{acct}:federated-user/gina", err["Error"]["Message"])
        for bad in ("a", "x" * 33, "has space"):
            with self.subTest(name=bad):
                with self.assertRaises(ClientError) as ctx:
                    sts.get_federation_token(Name=bad)
                self.assertClientError(ctx, "ValidationError", 400)
        self.server.client("iam").put_user_policy(
            UserName="fed-gina", PolicyName="p2",
            PolicyDocument=policy(allow("sts:GetFederationToken",
                                        f"arn:aws:sts::{acct}:federated-user/gina")))
        sts.get_federation_token(Name="gina")
        with self.assertRaises(ClientError) as ctx:
            sts.get_federation_token(Name="other")
        self.assertClientError(ctx, "AccessDenied", 403)
        for bad in (899, 129601):
            with self.subTest(duration=bad):
                with self.assertRaises(ClientError) as ctx:
                    sts.get_federation_token(Name="gina", DurationSeconds=bad)
                self.assertClientError(ctx, "ValidationError", 400)

    def test_tags_need_tag_session(self):
        creds = self._user("fed-hank", allow("sts:GetFederationToken"))
        sts = self.server.client("sts", creds=creds)
        tags = [{"Key": "team", "Value": "red"}]
        with self.assertRaises(ClientError) as ctx:
            sts.get_federation_token(Name="hank", Tags=tags)
        self.assertClientError(ctx, "AccessDenied", 403)
        self.server.client("iam").put_user_policy(
            UserName="fed-hank", PolicyName="tag", PolicyDocument=policy(
                allow("sts:TagSession"),
                allow("kms:ListKeys", Condition={"StringEquals": {"aws:PrincipalTag/team": "red"}})))
        out = sts.get_federation_token(Name="hank", Tags=tags, Policy=policy(allow("kms:*")))
        self.assertGreater(out["PackedPolicySize"], 0)
        self.server.client("kms", creds=self._fed(out)).list_keys()

    def test_session_dies_with_its_user(self):
        iam = self.server.client("iam")
        creds = self._user("fed-ivy", allow("sts:GetFederationToken"))
        fed = self._fed(self.server.client("sts", creds=creds).get_federation_token(
            Name="ivy", Policy=policy(allow("*"))))
        self.server.client("sts", creds=fed).get_caller_identity()
        iam.delete_user_policy(UserName="fed-ivy", PolicyName="p")
        iam.delete_access_key(UserName="fed-ivy", AccessKeyId=creds[0])
        iam.delete_user(UserName="fed-ivy")
        iam.create_user(UserName="fed-ivy")
        with self.assertRaises(ClientError) as ctx:
            self.server.client("sts", creds=fed).get_caller_identity()
        self.assertClientError(ctx, "InvalidClientTokenId", 403)

    def _record(self, request_id, event_name):
        ct = self.server.client("cloudtrail")
        token = None
        while True:
            args = {"LookupAttributes": [{"AttributeKey": "EventName",
                                          "AttributeValue": event_name}]}
            if token:
                args["NextToken"] = token
            page = ct.lookup_events(**args)
            for ev in page["Events"]:
                rec = json.loads(ev["CloudTrailEvent"])
                if rec["requestID"] == request_id:
                    return rec
            token = page.get("NextToken")
            if not token:
                self.fail(f"no {event_name} event with requestID {request_id}")

    def test_trail_user_identity(self):
        acct = self.server.account_id
        creds = self._user("fed-jane", allow("sts:GetFederationToken"), allow("kms:*"))
        out = self.server.client("sts", creds=creds).get_federation_token(
            Name="jane", Policy=policy(allow("kms:*")))
        fed = self._fed(out)
        rid = self.server.client("kms", creds=fed).list_keys()["ResponseMetadata"]["RequestId"]
        uid = self._record(rid, "ListKeys")["userIdentity"]
        self.assertEqual(uid["type"], "FederatedUser")
        self.assertEqual(uid["arn"], f"arn:aws:sts::{acct}:federated-user/jane")
        self.assertEqual(uid["principalId"], f"{acct}:jane")
        self.assertEqual(uid["accessKeyId"], fed[0])
        issuer = uid["sessionContext"]["sessionIssuer"]
        self.assertEqual(issuer["type"], "IAMUser")
        self.assertEqual(issuer["userName"], "fed-jane")

    def test_root_and_cli(self):
        acct = self.server.account_id
        out = self.server.client("sts").get_federation_token(
            Name="ops", DurationSeconds=7200, Policy=policy(allow("kms:ListKeys")))
        # the root's federation sessions last one hour at most
        self.assertTrue(_expiry_in(out["Credentials"], 3600), out["Credentials"])
        kms = self.server.client("kms", creds=self._fed(out))
        kms.list_keys()
        with self.assertRaises(ClientError) as ctx:
            kms.list_aliases()
        self.assertClientError(ctx, "AccessDeniedException")
        r = self.server.aws("sts", "get-federation-token", "--name", "cli-user",
                            "--policy", policy(allow("kms:ListKeys")))
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(got["FederatedUser"]["Arn"],
                         f"arn:aws:sts::{acct}:federated-user/cli-user")


if __name__ == "__main__":
    unittest.main()
