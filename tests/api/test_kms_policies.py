"""KMS key policies and grants, enforced: boto3 and the aws CLI against a
live server. A user denied by the key policy is allowed by a grant and
denied again once it is revoked; PutKeyPolicy's lockout safety check and its
bypass; a malformed policy; CreateGrant idempotent by name; ListGrants,
ListRetirableGrants, RetireGrant by token; a role session allowed by a grant
to its role; an encryption-context condition in the key policy."""
import json
import os
import shutil
import subprocess
import unittest

from botocore.exceptions import ClientError

from bwtest import REGION, ServerTestCase


def _policy(acct, *statements, root_admin=True):
    st = list(statements)
    if root_admin:
        st.insert(0, {"Sid": "admin", "Effect": "Allow",
                      "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
                      "Action": ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:CreateGrant",
                                 "kms:RevokeGrant", "kms:ListGrants", "kms:DescribeKey"],
                      "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": st})


class KmsPoliciesTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kms = cls.server.client("kms")
        cls.iam = cls.server.client("iam")
        cls.acct = cls.server.account_id
        cls.users = {}

    def _user(self, name, iam_policy=None):
        if name in self.users:
            return self.users[name]
        arn = self.iam.create_user(UserName=name)["User"]["Arn"]
        if iam_policy:
            self.iam.put_user_policy(UserName=name, PolicyName="p",
                                     PolicyDocument=json.dumps(iam_policy))
        k = self.iam.create_access_key(UserName=name)["AccessKey"]
        creds = (k["AccessKeyId"], k["SecretAccessKey"])
        self.users[name] = (arn, creds)
        return arn, creds

    def _aws_as(self, creds, *args):
        exe = shutil.which("aws")
        if not exe:
            self.skipTest("the aws CLI is not installed")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=creds[0], AWS_SECRET_ACCESS_KEY=creds[1],
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        if len(creds) > 2:
            env["AWS_SESSION_TOKEN"] = creds[2]
        return subprocess.run([exe, "--endpoint-url", self.server.endpoint, "--output", "json",
                               *args], env=env, capture_output=True, text=True, timeout=120)

    def _denied(self, fn, **kw):
        with self.assertRaises(ClientError) as ctx:
            fn(**kw)
        return self.assertClientError(ctx, "AccessDeniedException", 400)

    # --- a user denied by the key policy, allowed by a grant, revoked ------

    def test_grant_allows_then_revoked(self):
        arn, creds = self._user("grantee", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]})
        # a key policy that delegates management to the account, but not
        # Encrypt: the user's IAM Allow of kms:* is not enough
        key = self.kms.create_key(Policy=_policy(self.acct))["KeyMetadata"]["KeyId"]
        user_kms = self.server.client("kms", creds=creds)
        err = self._denied(user_kms.encrypt, KeyId=key, Plaintext=b"x")
        self.assertIn("no resource-based policy allows the kms:Encrypt action",
                      err["Error"]["Message"])
        r = self._aws_as(creds, "kms", "encrypt", "--key-id", key, "--plaintext", "eA==")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("(AccessDeniedException)", r.stderr)

        g = self.kms.create_grant(KeyId=key, GranteePrincipal=arn,
                                  Operations=["Encrypt", "Decrypt"])
        self.assertRegex(g["GrantId"], r"^[0-9a-f]{64}$")
        self.assertTrue(g["GrantToken"])
        ct = user_kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
        self.assertEqual(user_kms.decrypt(CiphertextBlob=ct)["Plaintext"], b"secret")
        r = self._aws_as(creds, "kms", "encrypt", "--key-id", key, "--plaintext", "eA==")
        self.assertEqual(r.returncode, 0, r.stderr)
        # the grant lists Encrypt and Decrypt only
        self._denied(user_kms.generate_data_key, KeyId=key, KeySpec="AES_256")

        self.kms.revoke_grant(KeyId=key, GrantId=g["GrantId"])
        self._denied(user_kms.encrypt, KeyId=key, Plaintext=b"x")
        self._denied(user_kms.decrypt, CiphertextBlob=ct)
        # the root has no bypass: allowed what this policy names, nothing else
        self.kms.describe_key(KeyId=key)
        self._denied(self.kms.encrypt, KeyId=key, Plaintext=b"x")
        self._denied(self.kms.decrypt, CiphertextBlob=ct)

    # --- PutKeyPolicy: lockout check, bypass, malformed ------------------------

    def test_put_key_policy_lockout_and_bypass(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        locking = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.acct}:root"},
             "Action": "kms:Encrypt", "Resource": "*"}]})
        with self.assertRaises(ClientError) as ctx:
            self.kms.put_key_policy(KeyId=key, PolicyName="default", Policy=locking)
        err = self.assertClientError(ctx, "MalformedPolicyDocumentException", 400)
        self.assertEqual(err["Error"]["Message"],
                         "The new key policy will not allow you to update the key policy in "
                         "the future.")
        r = self.server.aws("kms", "put-key-policy", "--key-id", key, "--policy-name",
                            "default", "--policy", locking)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("(MalformedPolicyDocumentException)", r.stderr)
        # a policy that keeps PutKeyPolicy is accepted and read back
        keep = _policy(self.acct)
        r = self.server.aws("kms", "put-key-policy", "--key-id", key, "--policy-name",
                            "default", "--policy", keep)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"],
                         keep)
        # the bypass stores the locking policy; then the root is locked out
        self.kms.put_key_policy(KeyId=key, PolicyName="default", Policy=locking,
                                BypassPolicyLockoutSafetyCheck=True)
        self.kms.encrypt(KeyId=key, Plaintext=b"x")
        self._denied(self.kms.put_key_policy, KeyId=key, PolicyName="default", Policy=keep)
        self._denied(self.kms.describe_key, KeyId=key)

    def test_malformed_policy(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        for bad in ['{"Version": "2012-10-17", "Statement": [', json.dumps(
                {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]})]:
            with self.subTest(bad=bad):
                with self.assertRaises(ClientError) as ctx:
                    self.kms.put_key_policy(KeyId=key, PolicyName="default", Policy=bad)
                self.assertClientError(ctx, "MalformedPolicyDocumentException", 400)
                with self.assertRaises(ClientError) as ctx:
                    self.kms.create_key(Policy=bad)
                self.assertClientError(ctx, "MalformedPolicyDocumentException", 400)
        r = self.server.aws("kms", "create-key", "--policy", "not json")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("(MalformedPolicyDocumentException)", r.stderr)
        with self.assertRaises(ClientError) as ctx:
            self.kms.put_key_policy(KeyId=key, PolicyName="default",
                                    Policy=_policy(self.acct) + " " * 33000)
        self.assertClientError(ctx, "LimitExceededException", 400)

    # --- grants: idempotent by name, lists, retire by token --------------------

    def test_grant_lifecycle(self):
        arn, creds = self._user("retirer")
        key = self.kms.create_key()["KeyMetadata"]
        kid = key["KeyId"]
        grantee = f"arn:aws:iam::{self.acct}:user/someone"
        kw = dict(KeyId=kid, GranteePrincipal=grantee, RetiringPrincipal=arn,
                  Operations=["Encrypt"], Name="app-grant",
                  Constraints={"EncryptionContextSubset": {"app": "a"}})
        g1 = self.kms.create_grant(**kw)
        g2 = self.kms.create_grant(**kw)
        self.assertEqual(g1["GrantId"], g2["GrantId"])
        self.assertNotEqual(g1["GrantToken"], g2["GrantToken"])
        # other parameters under the same name: a new grant
        g3 = self.kms.create_grant(**dict(kw, Operations=["Encrypt", "Decrypt"]))
        self.assertNotEqual(g3["GrantId"], g1["GrantId"])

        grants = self.kms.list_grants(KeyId=kid)["Grants"]
        self.assertEqual({g["GrantId"] for g in grants}, {g1["GrantId"], g3["GrantId"]})
        one = [g for g in grants if g["GrantId"] == g1["GrantId"]][0]
        self.assertEqual(one["KeyId"], key["Arn"])
        self.assertEqual(one["Name"], "app-grant")
        self.assertEqual(one["GranteePrincipal"], grantee)
        self.assertEqual(one["RetiringPrincipal"], arn)
        self.assertEqual(one["IssuingAccount"], f"arn:aws:iam::{self.acct}:root")
        self.assertEqual(one["Constraints"], {"EncryptionContextSubset": {"app": "a"}})
        self.assertNotIn("Tokens", one)
        page = self.kms.list_grants(KeyId=kid, Limit=1)
        self.assertTrue(page["Truncated"])
        rest = self.kms.list_grants(KeyId=kid, Marker=page["NextMarker"])
        self.assertEqual(len(page["Grants"]) + len(rest["Grants"]), 2)
        self.assertEqual(len(self.kms.list_grants(KeyId=kid, GrantId=g3["GrantId"])["Grants"]),
                         1)
        r = self.server.aws("kms", "list-grants", "--key-id", kid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)["Grants"]), 2)

        retirable = self.kms.list_retirable_grants(RetiringPrincipal=arn)["Grants"]
        self.assertEqual({g["GrantId"] for g in retirable}, {g1["GrantId"], g3["GrantId"]})
        r = self.server.aws("kms", "list-retirable-grants", "--retiring-principal", arn)
        self.assertEqual(r.returncode, 0, r.stderr)

        # the retiring principal retires by token (any token the grant gave)
        user_kms = self.server.client("kms", creds=creds)
        user_kms.retire_grant(GrantToken=g1["GrantToken"])
        with self.assertRaises(ClientError) as ctx:
            user_kms.retire_grant(GrantToken=g2["GrantToken"])
        self.assertClientError(ctx, "InvalidGrantTokenException")
        # someone else may not retire g3; its retiring principal may, by id
        other_arn, other = self._user("not-retirer")
        self._denied(self.server.client("kms", creds=other).retire_grant,
                     KeyId=kid, GrantId=g3["GrantId"])
        r = self._aws_as(creds, "kms", "retire-grant", "--key-id", kid, "--grant-id",
                         g3["GrantId"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.kms.list_grants(KeyId=kid)["Grants"], [])
        # a forged token on a request
        with self.assertRaises(ClientError) as ctx:
            self.kms.encrypt(KeyId=kid, Plaintext=b"x", GrantTokens=["forged"])
        self.assertClientError(ctx, "InvalidGrantTokenException")
        # a grant operation the key's usage has not
        with self.assertRaises(ClientError) as ctx:
            self.kms.create_grant(KeyId=kid, GranteePrincipal=grantee, Operations=["Sign"])
        self.assertClientError(ctx, "ValidationException")

    # --- a role session allowed by a grant to its role ---------------------------

    def test_role_session_grant(self):
        arn, creds = self._user("assumer", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]})
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"}]}
        role = self.iam.create_role(RoleName="kms-app",
                                    AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        c = self.server.client("sts", creds=creds).assume_role(
            RoleArn=role["Arn"], RoleSessionName="job-1")["Credentials"]
        session = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        role_kms = self.server.client("kms", creds=session)
        # the default policy delegates to IAM; the role has no IAM policy
        self._denied(role_kms.encrypt, KeyId=key, Plaintext=b"x")
        self.kms.create_grant(KeyId=key, GranteePrincipal=role["Arn"],
                              Operations=["Encrypt", "GenerateDataKey"])
        role_kms.encrypt(KeyId=key, Plaintext=b"x")
        r = self._aws_as(session, "kms", "generate-data-key", "--key-id", key,
                         "--key-spec", "AES_256")
        self.assertEqual(r.returncode, 0, r.stderr)
        self._denied(role_kms.describe_key, KeyId=key)

    # --- an encryption-context condition in the key policy --------------------

    def test_encryption_context_condition(self):
        arn, creds = self._user("tenant-user")
        pol = _policy(self.acct, {
            "Effect": "Allow", "Principal": {"AWS": arn},
            "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "t1"}}})
        key = self.kms.create_key(Policy=pol)["KeyMetadata"]["KeyId"]
        user_kms = self.server.client("kms", creds=creds)
        ct = user_kms.encrypt(KeyId=key, Plaintext=b"p",
                              EncryptionContext={"tenant": "t1"})["CiphertextBlob"]
        self.assertEqual(user_kms.decrypt(CiphertextBlob=ct,
                                          EncryptionContext={"tenant": "t1"})["Plaintext"], b"p")
        self._denied(user_kms.encrypt, KeyId=key, Plaintext=b"p",
                     EncryptionContext={"tenant": "t2"})
        self._denied(user_kms.encrypt, KeyId=key, Plaintext=b"p")
        r = self._aws_as(creds, "kms", "encrypt", "--key-id", key, "--plaintext", "eA==",
                         "--encryption-context", "tenant=t1")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self._aws_as(creds, "kms", "encrypt", "--key-id", key, "--plaintext", "eA==",
                         "--encryption-context", "tenant=t9")
        self.assertIn("(AccessDeniedException)", r.stderr)


if __name__ == "__main__":
    unittest.main()
