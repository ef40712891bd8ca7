"""Sessions and what they are bound to, through the real clients (boto3 and
the aws CLI). Each test is an attack that once worked:

- a session of a deleted role or user picked up the permissions of a new
  role or user given the same name (sessions are bound to the unique id);
- session tags and source identities were set without sts:TagSession /
  sts:SetSourceIdentity, and a chain could change what it inherited;
- GetSessionToken asked for a permission AWS does not ask for, while its
  credentials could call IAM without MFA and any STS operation;
- a long-term key was accepted with any session token;
- a request signed over UNSIGNED-PAYLOAD to IAM, STS, KMS or CloudTrail let
  anyone swap the body (a signed ListUsers became a CreateUser);
- aws:PrincipalTag did not follow the user's or role's tags."""
import hashlib
import json
import os
import random
import shutil
import socket
import string
import subprocess
import unittest

from botocore.exceptions import ClientError

from bwtest import REGION, ServerTestCase, allow, deny, policy, sign_raw


def trust(principal, actions=("sts:AssumeRole",), condition=None):
    st = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)}
    if condition:
        st["Condition"] = condition
    return policy(st)


def session_creds(out):
    c = out["Credentials"]
    return c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]


class AuthSessionsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("iam")
        cls.account = cls.server.account_id

    def new_user(self, name, *policies, tags=None):
        self.iam.create_user(UserName=name, **({"Tags": tags} if tags else {}))
        for i, doc in enumerate(policies):
            self.iam.put_user_policy(UserName=name, PolicyName=f"p{i}", PolicyDocument=doc)
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def new_role(self, name, trust_doc, *policies, tags=None):
        role = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc,
                                    **({"Tags": tags} if tags else {}))["Role"]
        for i, doc in enumerate(policies):
            self.iam.put_role_policy(RoleName=name, PolicyName=f"p{i}", PolicyDocument=doc)
        return role

    def delete_role(self, name):
        for p in self.iam.list_role_policies(RoleName=name)["PolicyNames"]:
            self.iam.delete_role_policy(RoleName=name, PolicyName=p)
        self.iam.delete_role(RoleName=name)

    def delete_user(self, name):
        for k in self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            self.iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
        for p in self.iam.list_user_policies(UserName=name)["PolicyNames"]:
            self.iam.delete_user_policy(UserName=name, PolicyName=p)
        self.iam.delete_user(UserName=name)

    def arn(self, kind, name):
        return f"arn:aws:iam::{self.account}:{kind}/{name}"

    def assertRefused(self, call, code, status):
        with self.assertRaises(ClientError) as ctx:
            call()
        return self.assertClientError(ctx, code, status)

    def assertInvalidToken(self, creds):
        """The session (or key) authenticates no one, in every protocol."""
        err = self.assertRefused(self.server.client("sts", creds=creds).get_caller_identity,
                                 "InvalidClientTokenId", 403)
        self.assertEqual(err["Error"]["Message"],
                         "The security token included in the request is invalid.")
        self.assertRefused(lambda: self.server.client("kms", creds=creds).generate_random(
            NumberOfBytes=4), "UnrecognizedClientException", 400)
        self.assertRefused(self.server.client("iam", creds=creds).list_users,
                           "InvalidClientTokenId", 403)

    def aws_as(self, creds, *args):
        exe = shutil.which("aws")
        if not exe:
            raise unittest.SkipTest("the aws CLI is not installed (scripts/deps.sh)")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=creds[0], AWS_SECRET_ACCESS_KEY=creds[1],
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        if len(creds) > 2 and creds[2]:
            env["AWS_SESSION_TOKEN"] = creds[2]
        else:
            env.pop("AWS_SESSION_TOKEN", None)
        return subprocess.run([exe, "--endpoint-url", self.server.endpoint, "--output", "json",
                               *args], env=env, capture_output=True, text=True, timeout=120)

    # --- A. sessions are bound to the unique id -------------------------

    def test_session_of_deleted_role_dies_and_a_new_role_of_that_name_is_not_it(self):
        user = self.new_user("a-assumer", policy(allow("sts:AssumeRole")))
        role = self.new_role("a-ops", trust(self.arn("user", "a-assumer")),
                             policy(allow("kms:GenerateRandom")))
        sts = self.server.client("sts", creds=user)
        old = session_creds(sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1"))
        self.assertTrue(self.server.client("kms", creds=old).generate_random(NumberOfBytes=4))

        self.delete_role("a-ops")
        # a session of a role that is gone: refused at authentication, not a 500
        self.assertInvalidToken(old)
        r = self.aws_as(old, "sts", "get-caller-identity")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidClientTokenId", r.stderr)

        # a new role of the same name, with more permissions, is another role
        new_role = self.new_role("a-ops", trust(self.arn("user", "a-assumer")),
                                 policy(allow(["kms:*", "iam:*"])))
        self.assertNotEqual(new_role["RoleId"], role["RoleId"])
        self.assertInvalidToken(old)
        with self.assertRaises(ClientError):
            self.server.client("iam", creds=old).create_user(UserName="a-escalated")
        self.assertRefused(lambda: self.iam.get_user(UserName="a-escalated"),
                           "NoSuchEntity", 404)
        # its own sessions work
        new = session_creds(sts.assume_role(RoleArn=new_role["Arn"], RoleSessionName="s1"))
        who = self.server.client("sts", creds=new).get_caller_identity()
        self.assertEqual(who["UserId"], f"{new_role['RoleId']}:s1")
        self.assertIn("Users", self.server.client("iam", creds=new).list_users())

    def test_session_token_of_deleted_user_is_not_the_new_user_of_that_name(self):
        key = self.new_user("a-dev")
        old = session_creds(self.server.client("sts", creds=key).get_session_token())
        who = self.server.client("sts", creds=old).get_caller_identity()
        self.assertEqual(who["Arn"], self.arn("user", "a-dev"))
        self.delete_user("a-dev")
        self.assertInvalidToken(old)
        # recreated with every permission: the old session gets none of them
        self.new_user("a-dev", policy(allow("*")))
        self.assertInvalidToken(old)

    def test_renamed_user_keeps_its_sessions(self):
        key = self.new_user("a-before")
        sess = session_creds(self.server.client("sts", creds=key).get_session_token())
        self.iam.update_user(UserName="a-before", NewUserName="a-after")
        for creds in (key, sess):
            who = self.server.client("sts", creds=creds).get_caller_identity()
            self.assertEqual(who["Arn"], self.arn("user", "a-after"))

    # --- B. session tags and source identity ----------------------------

    def test_session_tags_need_tag_session_on_both_sides(self):
        user = self.new_user("b-tagger", policy(allow("sts:AssumeRole")))
        role = self.new_role("b-tagged", trust(self.arn("user", "b-tagger")))
        sts = self.server.client("sts", creds=user)
        tags = [{"Key": "Project", "Value": "x"}]
        err = self.assertRefused(lambda: sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1", Tags=tags), "AccessDenied", 403)
        self.assertIn("sts:TagSession", err["Error"]["Message"])
        # the trust policy allows it; the caller's own policy does not
        self.iam.update_assume_role_policy(RoleName="b-tagged", PolicyDocument=trust(
            self.arn("user", "b-tagger"), ("sts:AssumeRole", "sts:TagSession")))
        err = self.assertRefused(lambda: sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1", Tags=tags), "AccessDenied", 403)
        self.assertIn("sts:TagSession", err["Error"]["Message"])
        self.iam.put_user_policy(UserName="b-tagger", PolicyName="tag",
                                 PolicyDocument=policy(allow("sts:TagSession")))
        out = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", Tags=tags,
                              TransitiveTagKeys=["Project"])
        self.assertIn("PackedPolicySize", out)
        # keys that differ only in case are one key
        err = self.assertRefused(lambda: sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1",
            Tags=[{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}]),
            "InvalidParameterValue", 400)
        self.assertEqual(err["Error"]["Message"],
                         "Duplicate tag keys found. Please note that Tag keys are case "
                         "insensitive.")
        # too much to pack
        rnd = random.Random(7)
        big = [{"Key": f"k{i}", "Value": "".join(rnd.choice(string.ascii_letters)
                                                 for _ in range(256))} for i in range(50)]
        err = self.assertRefused(lambda: sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1", Tags=big), "PackedPolicyTooLarge", 400)
        self.assertIn("% of allotted space", err["Error"]["Message"])

    def test_transitive_tags_travel_the_chain_and_cannot_be_overridden(self):
        tagging = policy(allow(["sts:AssumeRole", "sts:TagSession"]))
        user = self.new_user("b-chainer", tagging)
        first = self.new_role("b-first", trust(self.arn("user", "b-chainer"),
                                               ("sts:AssumeRole", "sts:TagSession")), tagging)
        second = self.new_role(
            "b-second", trust(self.arn("role", "b-first"), ("sts:AssumeRole", "sts:TagSession")),
            policy(allow("kms:GenerateRandom",
                         Condition={"StringEquals": {"aws:PrincipalTag/Project": "x"}})))
        s1 = session_creds(self.server.client("sts", creds=user).assume_role(
            RoleArn=first["Arn"], RoleSessionName="s1",
            Tags=[{"Key": "Project", "Value": "x"}, {"Key": "Cost", "Value": "1"}],
            TransitiveTagKeys=["Project"]))
        sts1 = self.server.client("sts", creds=s1)
        err = self.assertRefused(lambda: sts1.assume_role(
            RoleArn=second["Arn"], RoleSessionName="s2", Tags=[{"Key": "project", "Value": "y"}]),
            "InvalidParameterValue", 400)
        self.assertIn("transitive", err["Error"]["Message"])
        s2 = session_creds(sts1.assume_role(RoleArn=second["Arn"], RoleSessionName="s2"))
        # the inherited Project=x is the second session's principal tag
        self.assertTrue(self.server.client("kms", creds=s2).generate_random(NumberOfBytes=4))

    def test_source_identity_needs_permission_and_cannot_change(self):
        perms = policy(allow(["sts:AssumeRole", "sts:SetSourceIdentity"]))
        user = self.new_user("b-source", perms)
        role = self.new_role("b-sourced", trust(self.arn("user", "b-source")), perms)
        sts = self.server.client("sts", creds=user)
        err = self.assertRefused(lambda: sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1", SourceIdentity="b-source"),
            "AccessDenied", 403)
        self.assertIn("sts:SetSourceIdentity", err["Error"]["Message"])
        # only the caller's own name, as the AWS guide's example trust policy says
        self.iam.update_assume_role_policy(RoleName="b-sourced", PolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"AWS": [self.arn("user", "b-source"),
                                                      self.arn("role", "b-sourced")]},
             "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
             "Condition": {"StringEquals": {"sts:SourceIdentity": "b-source"}}}))
        self.assertRefused(lambda: sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1", SourceIdentity="someone-else"),
            "AccessDenied", 403)
        r = self.aws_as(user, "sts", "assume-role", "--role-arn", role["Arn"],
                        "--role-session-name", "s1", "--source-identity", "b-source")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["SourceIdentity"], "b-source")
        s1 = session_creds(out)
        chained = self.server.client("sts", creds=s1)
        # the chain carries it; it cannot be changed
        self.assertRefused(lambda: chained.assume_role(
            RoleArn=role["Arn"], RoleSessionName="s2", SourceIdentity="other"),
            "AccessDenied", 403)
        out2 = chained.assume_role(RoleArn=role["Arn"], RoleSessionName="s2")
        self.assertEqual(out2["SourceIdentity"], "b-source")

    # --- C. GetSessionToken -----------------------------------------------

    def test_get_session_token_needs_no_permission_and_its_credentials_are_limited(self):
        # even a policy denying sts:GetSessionToken does not stop it: "You
        # cannot use policies to control authentication operations"
        user = self.new_user("c-mfa-less", policy(allow("*")), policy(deny("sts:GetSessionToken")))
        out = self.server.client("sts", creds=user).get_session_token(DurationSeconds=900)
        sess = session_creds(out)
        # no IAM without MFA
        err = self.assertRefused(self.server.client("iam", creds=sess).list_users,
                                 "InvalidClientTokenId", 403)
        self.assertEqual(err["Error"]["Message"],
                         "The security token included in the request is invalid.")
        r = self.aws_as(sess, "iam", "list-users")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidClientTokenId", r.stderr)
        # of STS, only AssumeRole and GetCallerIdentity
        sts = self.server.client("sts", creds=sess)
        self.assertEqual(sts.get_caller_identity()["Arn"], self.arn("user", "c-mfa-less"))
        for name, call in (("GetSessionToken", sts.get_session_token),
                           ("GetAccessKeyInfo",
                            lambda: sts.get_access_key_info(AccessKeyId=user[0])),
                           ("DecodeAuthorizationMessage",
                            lambda: sts.decode_authorization_message(EncodedMessage="x" * 20))):
            with self.subTest(operation=name):
                err = self.assertRefused(call, "AccessDenied", 403)
                self.assertEqual(err["Error"]["Message"],
                                 f"Cannot call {name} with session credentials")
        role = self.new_role("c-target", trust(self.arn("user", "c-mfa-less")))
        rs = session_creds(sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1"))
        # the other services answer as the user's policies say
        self.assertTrue(self.server.client("kms", creds=sess).generate_random(NumberOfBytes=4))
        # a role session may not make session tokens either
        err = self.assertRefused(self.server.client("sts", creds=rs).get_session_token,
                                 "AccessDenied", 403)
        self.assertEqual(err["Error"]["Message"],
                         "Cannot call GetSessionToken with session credentials")

    def test_long_term_key_with_a_session_token_is_refused(self):
        user = self.new_user("c-keyholder")
        other = session_creds(self.server.client("sts").get_session_token())
        for creds in ((*self.server.root_creds()[:2], "not-a-token"),
                      (*user, other[2]), (*self.server.root_creds()[:2], other[2])):
            with self.subTest(key=creds[0]):
                self.assertInvalidToken(creds)

    # --- D. unsigned bodies -----------------------------------------------

    def _raw(self, payload):
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(payload)
            got = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        return got

    def test_body_swap_under_unsigned_payload_is_refused(self):
        akid, secret, _ = self.server.root_creds()
        form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        signed_for = b"Action=ListUsers&Version=2010-05-08"
        swapped = b"Action=CreateUser&UserName=d-intruder&Version=2010-05-08"
        for marker in ("UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                       hashlib.sha256(signed_for).hexdigest()):
            with self.subTest(marker=marker):
                raw = sign_raw(self.server.addr, akid, secret, "iam", swapped, form, marker)
                got = self._raw(raw)
                self.assertTrue(got.startswith(b"HTTP/1.1 403"), got[:300])
                self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", got)
                self.assertRefused(lambda: self.iam.get_user(UserName="d-intruder"),
                                   "NoSuchEntity", 404)
        kms = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": "TrentService.GenerateRandom"}
        got = self._raw(sign_raw(self.server.addr, akid, secret, "kms", b'{"NumberOfBytes": 8}',
                                 kms, "UNSIGNED-PAYLOAD"))
        self.assertTrue(got.startswith(b"HTTP/1.1 400"), got[:300])
        self.assertIn(b"InvalidSignatureException", got)
        # the body's own hash is what SDKs send, and it is accepted
        body = b'{"NumberOfBytes": 8}'
        got = self._raw(sign_raw(self.server.addr, akid, secret, "kms", body, kms,
                                 hashlib.sha256(body).hexdigest()))
        self.assertTrue(got.startswith(b"HTTP/1.1 200"), got[:300])

    # --- E. principal tags ------------------------------------------------

    def test_principal_tags_follow_the_user_and_the_role(self):
        tagged = policy(allow("kms:GenerateRandom",
                              Condition={"StringEquals": {"aws:PrincipalTag/color": "red"}}),
                        allow(["sts:AssumeRole", "sts:TagSession"]))
        user = self.new_user("e-painter", tagged, tags=[{"Key": "color", "Value": "red"}])
        kms = self.server.client("kms", creds=user)
        self.assertTrue(kms.generate_random(NumberOfBytes=4))
        sess = session_creds(self.server.client("sts", creds=user).get_session_token())
        self.assertTrue(self.server.client("kms", creds=sess).generate_random(NumberOfBytes=4))
        self.iam.untag_user(UserName="e-painter", TagKeys=["color"])
        for creds in (user, sess):
            self.assertRefused(lambda: self.server.client("kms", creds=creds).generate_random(
                NumberOfBytes=4), "AccessDeniedException", 400)

        role = self.new_role("e-canvas", trust(self.arn("user", "e-painter"),
                                               ("sts:AssumeRole", "sts:TagSession")),
                             tagged, tags=[{"Key": "color", "Value": "blue"}])
        sts = self.server.client("sts", creds=user)
        blue = session_creds(sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1"))
        self.assertRefused(lambda: self.server.client("kms", creds=blue).generate_random(
            NumberOfBytes=4), "AccessDeniedException", 400)
        # a session tag wins over the role's tag of the same key, whatever its case
        red = session_creds(sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s2",
                                            Tags=[{"Key": "Color", "Value": "red"}]))
        self.assertTrue(self.server.client("kms", creds=red).generate_random(NumberOfBytes=4))
        # the role's tags are read as they stand now
        self.iam.tag_role(RoleName="e-canvas", Tags=[{"Key": "color", "Value": "red"}])
        self.assertTrue(self.server.client("kms", creds=blue).generate_random(NumberOfBytes=4))


if __name__ == "__main__":
    unittest.main()
