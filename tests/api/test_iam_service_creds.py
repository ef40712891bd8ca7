"""IAM service-specific credentials through boto3 and the aws CLI: create
(user name and password, or an API key alias and secret), the two-per-service
quota, list (per user, per service, AllUsers, paging), reset, update,
delete, expiry, DeleteUser's conflict, authorization on the user ARN with
the service-name condition key, and the secret kept out of the trail."""
import json
import re
import time
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, allow, deny, policy


def all_events(ct, **kw):
    out, token = [], None
    while True:
        args = dict(kw)
        if token:
            args["NextToken"] = token
        page = ct.lookup_events(**args)
        out.extend(page["Events"])
        token = page.get("NextToken")
        if not token:
            return out


class ServiceCredsTest(ServerTestCase):
    def test_lifecycle(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        iam.create_user(UserName="Git-User")
        c1 = iam.create_service_specific_credential(
            UserName="git-user", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
        self.assertRegex(c1["ServiceSpecificCredentialId"], r"^ACCA[A-Z0-9]{17}$")
        self.assertEqual(c1["UserName"], "Git-User")
        self.assertEqual(c1["ServiceUserName"], f"Git-User-at-{acct}")
        self.assertEqual(c1["Status"], "Active")
        self.assertEqual(len(c1["ServicePassword"]), 44)
        self.assertNotIn("ExpirationDate", c1)
        c2 = iam.create_service_specific_credential(
            UserName="Git-User", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
        self.assertEqual(c2["ServiceUserName"], f"Git-User+1-at-{acct}")
        self.assertNotEqual(c1["ServicePassword"], c2["ServicePassword"])
        with self.assertRaises(ClientError) as ctx:
            iam.create_service_specific_credential(UserName="Git-User",
                                                   ServiceName="codecommit.amazonaws.com")
        self.assertClientError(ctx, "LimitExceeded", 409)
        # the quota is per service
        k = iam.create_service_specific_credential(
            UserName="Git-User", ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredential"]
        self.assertEqual(k["ServiceName"], "cassandra.amazonaws.com")

        listed = iam.list_service_specific_credentials(UserName="Git-User")[
            "ServiceSpecificCredentials"]
        self.assertEqual(len(listed), 3)
        for m in listed:
            self.assertNotIn("ServicePassword", m)
            self.assertNotIn("ServiceCredentialSecret", m)
            self.assertEqual(m["UserName"], "Git-User")
        only = iam.list_service_specific_credentials(
            UserName="Git-User", ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredentials"]
        self.assertEqual([m["ServiceSpecificCredentialId"] for m in only],
                         [k["ServiceSpecificCredentialId"]])

        # reset: a new password, same id and name
        r = iam.reset_service_specific_credential(
            UserName="Git-User",
            ServiceSpecificCredentialId=c1["ServiceSpecificCredentialId"])["ServiceSpecificCredential"]
        self.assertEqual(r["ServiceUserName"], c1["ServiceUserName"])
        self.assertNotEqual(r["ServicePassword"], c1["ServicePassword"])
        iam.update_service_specific_credential(
            UserName="Git-User", ServiceSpecificCredentialId=c2["ServiceSpecificCredentialId"],
            Status="Inactive")
        st = {m["ServiceSpecificCredentialId"]: m["Status"] for m in
              iam.list_service_specific_credentials(UserName="Git-User")[
                  "ServiceSpecificCredentials"]}
        self.assertEqual(st[c2["ServiceSpecificCredentialId"]], "Inactive")
        with self.assertRaises(ClientError) as ctx:
            iam.update_service_specific_credential(
                UserName="Git-User", ServiceSpecificCredentialId=c2["ServiceSpecificCredentialId"],
                Status="Expired")
        self.assertClientError(ctx, "ValidationError", 400)

        # the user cannot go while it has credentials
        with self.assertRaises(ClientError) as ctx:
            iam.delete_user(UserName="Git-User")
        err = self.assertClientError(ctx, "DeleteConflict", 409)
        self.assertEqual(err["Error"]["Message"],
                         "Cannot delete entity, must delete service-specific credentials first.")
        for c in (c1, c2, k):
            iam.delete_service_specific_credential(
                UserName="Git-User", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_service_specific_credential(
                UserName="Git-User", ServiceSpecificCredentialId=c1["ServiceSpecificCredentialId"])
        self.assertClientError(ctx, "NoSuchEntity", 404)
        self.assertEqual(iam.list_service_specific_credentials(UserName="Git-User")[
            "ServiceSpecificCredentials"], [])
        iam.delete_user(UserName="Git-User")

    def test_errors(self):
        iam = self.server.client("iam")
        iam.create_user(UserName="err-user")
        for svc in ("s3.amazonaws.com", "CodeCommit.amazonaws.com", "codecommit"):
            with self.assertRaises(ClientError) as ctx:
                iam.create_service_specific_credential(UserName="err-user", ServiceName=svc)
            # the model's status for ServiceNotSupportedException
            self.assertClientError(ctx, "NotSupportedService", 404)
        with self.assertRaises(ClientError) as ctx:
            iam.list_service_specific_credentials(UserName="err-user",
                                                  ServiceName="s3.amazonaws.com")
        self.assertClientError(ctx, "NotSupportedService", 404)
        with self.assertRaises(ClientError) as ctx:
            iam.create_service_specific_credential(UserName="nobody",
                                                   ServiceName="codecommit.amazonaws.com")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        with self.assertRaises(ClientError) as ctx:
            iam.reset_service_specific_credential(
                UserName="err-user", ServiceSpecificCredentialId="ACCA" + "A" * 17)
        self.assertClientError(ctx, "NoSuchEntity", 404)
        # another user's credential is not found through this user
        iam.create_user(UserName="err-other")
        theirs = iam.create_service_specific_credential(
            UserName="err-other", ServiceName="codecommit.amazonaws.com")[
            "ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
        with self.assertRaises(ClientError) as ctx:
            iam.delete_service_specific_credential(UserName="err-user",
                                                   ServiceSpecificCredentialId=theirs)
        self.assertClientError(ctx, "NoSuchEntity", 404)
        iam.delete_service_specific_credential(UserName="err-other",
                                               ServiceSpecificCredentialId=theirs)
        iam.delete_user(UserName="err-other")
        iam.delete_user(UserName="err-user")

    def test_api_keys_and_expiry(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        if "CredentialAgeDays" not in iam.meta.service_model.operation_model(
                "CreateServiceSpecificCredential").input_shape.members:
            self.skipTest("botocore predates CredentialAgeDays")
        iam.create_user(UserName="br-user")
        c = iam.create_service_specific_credential(
            UserName="br-user", ServiceName="bedrock.amazonaws.com",
            CredentialAgeDays=30)["ServiceSpecificCredential"]
        self.assertEqual(c["ServiceCredentialAlias"], f"br-user-at-{acct}")
        self.assertTrue(c["ServiceCredentialSecret"].startswith("ABSK"))
        self.assertNotIn("ServicePassword", c)
        days = (c["ExpirationDate"] - c["CreateDate"]).total_seconds() / 86400
        self.assertAlmostEqual(days, 30, places=3)
        # only API keys expire
        with self.assertRaises(ClientError) as ctx:
            iam.create_service_specific_credential(UserName="br-user",
                                                   ServiceName="codecommit.amazonaws.com",
                                                   CredentialAgeDays=30)
        self.assertClientError(ctx, "InvalidInput", 400)
        raw = self.server.client("iam", validate=False)
        for bad in (0, 36601):
            with self.assertRaises(ClientError) as ctx:
                raw.create_service_specific_credential(UserName="br-user",
                                                       ServiceName="bedrock.amazonaws.com",
                                                       CredentialAgeDays=bad)
            self.assertClientError(ctx, "ValidationError", 400)
        iam.delete_service_specific_credential(
            UserName="br-user", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])
        iam.delete_user(UserName="br-user")

    def test_all_users_and_paging(self):
        iam = self.server.client("iam")
        made = []
        for u in ("pg-a", "pg-b"):
            iam.create_user(UserName=u)
            for svc in ("codecommit.amazonaws.com", "cassandra.amazonaws.com"):
                made.append(iam.create_service_specific_credential(
                    UserName=u, ServiceName=svc)["ServiceSpecificCredential"])
        if "AllUsers" in iam.meta.service_model.operation_model(
                "ListServiceSpecificCredentials").input_shape.members:
            seen, marker = [], None
            while True:
                kw = {"AllUsers": True, "MaxItems": 1}
                if marker:
                    kw["Marker"] = marker
                page = iam.list_service_specific_credentials(**kw)
                seen.extend(page["ServiceSpecificCredentials"])
                if not page.get("IsTruncated"):
                    break
                marker = page["Marker"]
            mine = {m["ServiceSpecificCredentialId"]: m["UserName"] for m in seen}
            for c in made:
                self.assertEqual(mine[c["ServiceSpecificCredentialId"]], c["UserName"])
            with self.assertRaises(ClientError) as ctx:
                iam.list_service_specific_credentials(AllUsers=True, UserName="pg-a")
            self.assertClientError(ctx, "ValidationError", 400)
        # a renamed user keeps its credentials, under its new name
        iam.update_user(UserName="pg-a", NewUserName="pg-renamed")
        got = iam.list_service_specific_credentials(UserName="pg-renamed")[
            "ServiceSpecificCredentials"]
        self.assertEqual(len(got), 2)
        self.assertEqual({m["UserName"] for m in got}, {"pg-renamed"})
        for c in made:
            user = "pg-renamed" if c["UserName"] == "pg-a" else c["UserName"]
            iam.delete_service_specific_credential(
                UserName=user, ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])
        iam.delete_user(UserName="pg-renamed")
        iam.delete_user(UserName="pg-b")

    def test_authorization_and_caller(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        iam.create_user(UserName="cred-self")
        iam.create_user(UserName="cred-victim")
        key = iam.create_access_key(UserName="cred-self")["AccessKey"]
        iam.put_user_policy(UserName="cred-self", PolicyName="p", PolicyDocument=policy(
            allow("iam:*ServiceSpecificCredential*", f"arn:aws:iam::{acct}:user/cred-self"),
            deny("iam:CreateServiceSpecificCredential", "*", Condition={"StringEquals": {
                "iam:ServiceSpecificCredentialServiceName": "cassandra.amazonaws.com"}})))
        me = self.server.client("iam", creds=(key["AccessKeyId"], key["SecretAccessKey"]))
        # without UserName the caller acts on itself
        c = me.create_service_specific_credential(
            UserName="CRED-SELF", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
        self.assertEqual(c["UserName"], "cred-self")
        got = me.list_service_specific_credentials()["ServiceSpecificCredentials"]
        self.assertEqual([m["ServiceSpecificCredentialId"] for m in got],
                         [c["ServiceSpecificCredentialId"]])
        me.update_service_specific_credential(
            ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"], Status="Inactive")
        with self.assertRaises(ClientError) as ctx:
            me.create_service_specific_credential(UserName="cred-self",
                                                  ServiceName="cassandra.amazonaws.com")
        self.assertClientError(ctx, "AccessDenied", 403)
        for call in (lambda: me.create_service_specific_credential(
                         UserName="cred-victim", ServiceName="codecommit.amazonaws.com"),
                     lambda: me.list_service_specific_credentials(UserName="cred-victim")):
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertClientError(ctx, "AccessDenied", 403)
        if "AllUsers" in iam.meta.service_model.operation_model(
                "ListServiceSpecificCredentials").input_shape.members:
            with self.assertRaises(ClientError) as ctx:
                me.list_service_specific_credentials(AllUsers=True)
            self.assertClientError(ctx, "AccessDenied", 403)
        me.delete_service_specific_credential(
            ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])
        iam.delete_access_key(UserName="cred-self", AccessKeyId=key["AccessKeyId"])
        iam.delete_user_policy(UserName="cred-self", PolicyName="p")
        iam.delete_user(UserName="cred-self")
        iam.delete_user(UserName="cred-victim")

    def test_secret_not_in_trail(self):
        iam = self.server.client("iam")
        iam.create_user(UserName="trail-user")
        c = iam.create_service_specific_credential(
            UserName="trail-user", ServiceName="codecommit.amazonaws.com")[
            "ServiceSpecificCredential"]
        r = iam.reset_service_specific_credential(
            UserName="trail-user", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])[
            "ServiceSpecificCredential"]
        ct = self.server.client("cloudtrail")
        found = {}
        for _ in range(50):
            for name in ("CreateServiceSpecificCredential", "ResetServiceSpecificCredential"):
                evs = all_events(ct, LookupAttributes=[{"AttributeKey": "EventName",
                                                        "AttributeValue": name}])
                if evs:
                    found[name] = evs
            if len(found) == 2:
                break
            time.sleep(0.1)
        self.assertEqual(len(found), 2)
        ids = set()
        for evs in found.values():
            for ev in evs:
                text = ev["CloudTrailEvent"]
                self.assertNotIn(c["ServicePassword"], text)
                self.assertNotIn(r["ServicePassword"], text)
                self.assertNotIn("argon2", text)
                rec = json.loads(text)
                el = (rec.get("responseElements") or {}).get("serviceSpecificCredential", {})
                self.assertNotIn("servicePassword", el)
                self.assertNotIn("passwordHash", el)
                ids.add(el.get("serviceSpecificCredentialId"))
        self.assertIn(c["ServiceSpecificCredentialId"], ids)
        # and not in the server's log
        self.assertFalse([line for line in self.server.lines
                          if c["ServicePassword"] in str(line)
                          or r["ServicePassword"] in str(line)])
        iam.delete_service_specific_credential(
            UserName="trail-user", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])
        iam.delete_user(UserName="trail-user")

    def test_cli(self):
        acct = self.server.account_id
        self.server.client("iam").create_user(UserName="cli-cred")
        r = self.server.aws("iam", "create-service-specific-credential", "--user-name",
                            "cli-cred", "--service-name", "codecommit.amazonaws.com")
        self.assertEqual(r.returncode, 0, r.stderr)
        c = json.loads(r.stdout)["ServiceSpecificCredential"]
        self.assertEqual(c["ServiceUserName"], f"cli-cred-at-{acct}")
        r = self.server.aws("iam", "list-service-specific-credentials", "--user-name", "cli-cred")
        self.assertEqual(r.returncode, 0, r.stderr)
        ids = [m["ServiceSpecificCredentialId"]
               for m in json.loads(r.stdout)["ServiceSpecificCredentials"]]
        self.assertEqual(ids, [c["ServiceSpecificCredentialId"]])
        r = self.server.aws("iam", "delete-user", "--user-name", "cli-cred")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("DeleteConflict", r.stderr)
        r = self.server.aws("iam", "delete-service-specific-credential", "--user-name",
                            "cli-cred", "--service-specific-credential-id",
                            c["ServiceSpecificCredentialId"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(re.match(r"^ACCA", c["ServiceSpecificCredentialId"]))
        r = self.server.aws("iam", "delete-user", "--user-name", "cli-cred")
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
