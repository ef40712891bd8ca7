"""The authorization table: attacks on the decision path, row by row, grouped by
the class of attack an outsider tries (issue 9). Each row is a request that a
policy denies and a way of dressing it up; the row passes when the request is
still refused. A new service adds its rows to each class it has.

Classes: CASE (the case of a name), LIMITS (a request context or policy set
made too big to hold), KEYS (condition keys AWS documents that a policy may
test), STALE (credentials that outlived their principal), TAGS (session
tags and source identity), UNSIGNED (bytes the signature does not cover).
"""
import json
import socket
import time
import unittest
import uuid

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, allow, deny, policy, sign_raw


DENIED = ("AccessDenied", "AccessDeniedException")


class AuthzAttackTable(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("iam")
        cls.kms = cls.server.client("kms")
        cls.sts = cls.server.client("sts")
        cls.acct = cls.server.account_id

    # --- fixtures -------------------------------------------------------

    def user(self, *policies, tags=None):
        """A new user with these inline policies; its boto3 clients' creds."""
        name = "u" + uuid.uuid4().hex[:10]
        self.iam.create_user(UserName=name, **({"Tags": tags} if tags else {}))
        for i, doc in enumerate(policies):
            self.iam.put_user_policy(UserName=name, PolicyName=f"p{i}", PolicyDocument=doc)
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return name, (key["AccessKeyId"], key["SecretAccessKey"])

    def as_(self, creds, service):
        return self.server.client(service, creds=creds)

    def assertDenied(self, fn, *args, codes=DENIED, **kwargs):
        with self.assertRaises(ClientError) as ctx:
            fn(*args, **kwargs)
        code = ctx.exception.response["Error"]["Code"]
        self.assertIn(code, codes, ctx.exception.response)
        return ctx.exception.response

    # --- CASE: the resource is the stored entity, whatever the case typed --

    def test_case_iam_names(self):
        self.iam.create_user(UserName="victim")
        self.iam.create_group(GroupName="protgroup")
        self.iam.create_role(RoleName="protrole", AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.acct}:root"},
             "Action": "sts:AssumeRole"}))
        self.iam.create_policy(PolicyName="protpolicy", PolicyDocument=policy(allow("s3:*")))
        arn = f"arn:aws:iam::{self.acct}"
        name, creds = self.user(policy(
            allow("iam:*"), allow("sts:*"),
            deny("iam:*", [f"{arn}:user/victim", f"{arn}:group/protgroup",
                           f"{arn}:role/protrole", f"{arn}:policy/protpolicy"]),
            deny("sts:AssumeRole", f"{arn}:role/protrole")))
        iam = self.as_(creds, "iam")
        rows = [
            (iam.create_access_key, dict(UserName="VICTIM")),
            (iam.get_user, dict(UserName="VICTIM")),
            (iam.get_user, dict(UserName="Victim")),
            (iam.list_access_keys, dict(UserName="VICTIM")),
            (iam.tag_user, dict(UserName="VICTIM", Tags=[{"Key": "k", "Value": "v"}])),
            (iam.update_user, dict(UserName="VICTIM", NewPath="/moved/")),
            (iam.put_user_policy, dict(UserName="VICTIM", PolicyName="x",
                                       PolicyDocument=policy(allow("*")))),
            (iam.attach_user_policy, dict(UserName="vIcTiM",
                                          PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")),
            (iam.create_login_profile, dict(UserName="VICTIM", Password="Aa1!aaaaaaaaaaaa")),
            (iam.delete_user, dict(UserName="VICTIM")),
            (iam.add_user_to_group, dict(GroupName="PROTGROUP", UserName=name)),
            (iam.get_group, dict(GroupName="ProtGroup")),
            (iam.put_group_policy, dict(GroupName="PROTGROUP", PolicyName="x",
                                        PolicyDocument=policy(allow("*")))),
            (iam.get_role, dict(RoleName="PROTROLE")),
            (iam.update_assume_role_policy, dict(RoleName="PROTROLE", PolicyDocument=policy(
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}))),
            (iam.attach_role_policy, dict(RoleName="PROTROLE",
                                          PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")),
            (iam.delete_policy, dict(PolicyArn=f"{arn}:policy/PROTPOLICY")),
            (iam.create_policy_version, dict(PolicyArn=f"{arn}:policy/ProtPolicy",
                                             PolicyDocument=policy(allow("*")),
                                             SetAsDefault=True)),
            # a rename onto a denied name needs the action on the target too
            (iam.update_user, dict(UserName=name, NewUserName="VICTIM")),
        ]
        for fn, kwargs in rows:
            with self.subTest(op=fn.__name__, **{k: str(v)[:40] for k, v in kwargs.items()}):
                codes = DENIED
                if fn == iam.create_login_profile and "CreateLoginProfile" not in str(
                        iam.meta.service_model.operation_names):
                    continue
                try:
                    fn(**kwargs)
                    self.fail(f"{fn.__name__} {kwargs} was allowed")
                except ClientError as e:
                    code = e.response["Error"]["Code"]
                    # not implemented yet is a refusal too, but name it
                    self.assertIn(code, codes + ("NotImplemented",), e.response)
        # nothing happened to the protected entities
        self.assertEqual(self.iam.list_access_keys(UserName="victim")["AccessKeyMetadata"], [])
        self.assertEqual(self.iam.get_group(GroupName="protgroup")["Users"], [])
        self.assertEqual(self.iam.get_user(UserName="victim")["User"]["Path"], "/")
        # and AssumeRole by an ARN in another case is the same role
        sts = self.as_(creds, "sts")
        self.assertDenied(sts.assume_role, RoleArn=f"{arn}:role/PROTROLE", RoleSessionName="ss")

    # --- ENCODING: bytes that are not text still meet the policy --------

    def _raw(self, creds, service, body, headers, user_agent):
        raw = self.server.signed_raw(service, body=body, headers=headers, creds=creds)
        line, rest = raw.split(b"\r\n", 1)
        raw = line + b"\r\nUser-Agent: " + user_agent + b"\r\n" + rest  # not signed
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(raw)
            data = b""
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
                    [l for l in data.split(b"\r\n") if l.lower().startswith(b"content-length")]
                    [0].split(b":")[1]):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return int(data.split(b" ", 2)[1]), data.split(b"\r\n\r\n", 1)[1]

    def test_encoding_user_agent_not_utf8(self):
        _, creds = self.user(policy(
            allow("kms:ListKeys"),
            deny("kms:ListKeys", Condition={"StringLike": {"aws:UserAgent": "*evil*"}})))
        hdrs = {"Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "TrentService.ListKeys"}
        status, body = self._raw(creds, "kms", b"{}", hdrs, b"good-\xff\xfe-agent")
        self.assertEqual(status, 200, body)
        status, body = self._raw(creds, "kms", b"{}", hdrs, b"evil-\xff\xfe-agent")
        self.assertEqual(status, 400, body)
        self.assertEqual(json.loads(body)["__type"], "AccessDeniedException")

    # --- LIMITS: nothing on the decision path is capped -----------------

    def _key(self, **kwargs):
        return self.kms.create_key(**kwargs)["KeyMetadata"]["Arn"]

    def test_limits_large_encryption_context_keeps_denies(self):
        key = self._key()
        _, creds = self.user(policy(
            allow("kms:*", key),
            deny("kms:*", key, Condition={"Bool": {"aws:SecureTransport": "false"}})))
        kms = self.as_(creds, "kms")
        for pairs in (1, 150, 300):
            ctx = {f"k{i:04d}": "v" for i in range(pairs)}
            with self.subTest(pairs=pairs):
                self.assertDenied(kms.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext=ctx,
                                  codes=DENIED + ("ValidationException",))

    def test_limits_large_encryption_context_for_all_values(self):
        key = self._key()
        _, creds = self.user(policy(allow("kms:Encrypt", key, Condition={
            "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["app"]}})))
        kms = self.as_(creds, "kms")
        kms.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"app": "a"})
        # the one key it should refuse sits past where a table once stopped
        ctx = {f"app{i:04d}": "v" for i in range(170)}
        self.assertDenied(kms.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext=ctx,
                          codes=DENIED + ("ValidationException",))
        small = {"app": "a", "evil": "b"}
        self.assertDenied(kms.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext=small)

    def test_limits_many_policies_keep_the_deny(self):
        """10 groups x 7 inline policies: the explicit Deny comes 71st."""
        name, creds = self.user(policy(allow("iam:GetUser")))
        for g in range(10):
            group = f"g{uuid.uuid4().hex[:8]}"
            self.iam.create_group(GroupName=group)
            self.iam.add_user_to_group(GroupName=group, UserName=name)
            for p in range(7):
                self.iam.put_group_policy(GroupName=group, PolicyName=f"p{p}",
                                          PolicyDocument=policy(allow(f"iam:ListUserTags")))
        self.iam.put_group_policy(GroupName=group, PolicyName="zzz-deny",
                                  PolicyDocument=policy(deny("iam:GetUser")))
        iam = self.as_(creds, "iam")
        iam.list_user_tags(UserName=name)
        self.assertDenied(iam.get_user, UserName=name)

    # --- KEYS: every documented condition key is supplied ----------------

    def test_keys_resource_tags(self):
        self.iam.create_user(UserName="tagged-victim", Tags=[{"Key": "protected",
                                                              "Value": "true"}])
        self.iam.create_role(RoleName="tagged-role", AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.acct}:root"},
             "Action": "sts:AssumeRole"}), Tags=[{"Key": "protected", "Value": "true"}])
        key = self._key(Tags=[{"TagKey": "protected", "TagValue": "true"}])
        plain = self._key()
        _, creds = self.user(policy(
            allow(["iam:*", "kms:*", "sts:AssumeRole"]),
            deny("iam:*", Condition={"StringEquals": {"aws:ResourceTag/protected": "true"}}),
            deny("iam:DeleteRole", Condition={"StringEquals": {"iam:ResourceTag/Protected": "true"}}),
            deny("kms:*", Condition={"StringEquals": {"aws:ResourceTag/protected": "true"}}),
            deny("sts:AssumeRole", Condition={
                "StringEquals": {"aws:ResourceTag/protected": "true"}})))
        iam, kms, sts = (self.as_(creds, s) for s in ("iam", "kms", "sts"))
        self.assertDenied(iam.get_user, UserName="tagged-victim")
        self.assertDenied(iam.create_access_key, UserName="TAGGED-VICTIM")
        self.assertDenied(iam.delete_role, RoleName="tagged-role")
        self.assertDenied(kms.encrypt, KeyId=key, Plaintext=b"x")
        self.assertDenied(kms.describe_key, KeyId=key)
        self.assertDenied(sts.assume_role, RoleArn=f"arn:aws:iam::{self.acct}:role/tagged-role",
                          RoleSessionName="ss")
        kms.encrypt(KeyId=plain, Plaintext=b"x")  # an untagged key is not protected

    def test_keys_request_tags_and_tag_keys(self):
        _, creds = self.user(policy(
            allow(["iam:*", "kms:*"]),
            deny(["iam:TagUser", "iam:CreateUser", "kms:TagResource", "kms:CreateKey"],
                 Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}),
            deny("iam:UntagUser", Condition={
                "ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}})))
        iam, kms = self.as_(creds, "iam"), self.as_(creds, "kms")
        owner = [{"Key": "owner", "Value": "me"}]
        self.assertDenied(iam.create_user, UserName="x" + uuid.uuid4().hex[:8], Tags=owner)
        self.assertDenied(kms.create_key, Tags=[{"TagKey": "owner", "TagValue": "me"}])
        self.iam.create_user(UserName="untag-me", Tags=owner)
        self.assertDenied(iam.untag_user, UserName="untag-me", TagKeys=["owner"])

    def test_keys_principal_tags_of_users(self):
        key = self._key()
        _, creds = self.user(policy(
            allow("kms:*", key),
            deny("kms:Encrypt", key, Condition={"StringEquals": {"aws:PrincipalTag/team": "red"}})),
            tags=[{"Key": "team", "Value": "red"}])
        self.assertDenied(self.as_(creds, "kms").encrypt, KeyId=key, Plaintext=b"x")

    def test_keys_always_present(self):
        """Keys AWS puts in every signed request: a Null check on them never
        matches, so a Deny on their absence does not fire."""
        key = self._key()
        present = ["aws:PrincipalIsAWSService", "aws:ViaAWSService", "aws:SecureTransport",
                   "aws:SourceIp", "aws:RequestedRegion", "aws:userid", "aws:username",
                   "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType",
                   "aws:CurrentTime", "aws:EpochTime", "aws:ResourceAccount", "aws:UserAgent"]
        # more than a user's 2048 inline characters: a managed policy
        doc = policy(
            allow("kms:*", key),
            *[deny("kms:Encrypt", key, Condition={"Null": {k: "true"}}) for k in present],
            # a direct call was not made through a service
            deny("kms:Encrypt", key, Condition={"Bool": {"aws:ViaAWSService": "true"}}),
            deny("kms:Encrypt", key, Condition={"Bool": {"aws:PrincipalIsAWSService": "true"}}),
            deny("kms:Encrypt", key, Condition={"Null": {"aws:CalledVia": "false"}}),
            deny("kms:Encrypt", key, Condition={
                "StringNotEquals": {"aws:ResourceAccount": self.acct}}))
        arn = self.iam.create_policy(PolicyName=f"keys{uuid.uuid4().hex[:8]}",
                                     PolicyDocument=doc)["Policy"]["Arn"]
        name, creds = self.user()
        self.iam.attach_user_policy(UserName=name, PolicyArn=arn)
        kms = self.as_(creds, "kms")
        kms.encrypt(KeyId=key, Plaintext=b"x")
        # and the same keys can deny: aws:PrincipalIsAWSService is "false"
        _, creds = self.user(policy(
            allow("kms:*", key),
            deny("kms:Encrypt", key, Condition={"Bool": {"aws:PrincipalIsAWSService": "false"}})))
        self.assertDenied(self.as_(creds, "kms").encrypt, KeyId=key, Plaintext=b"x")

    def test_keys_token_issue_time_revokes_older_sessions(self):
        """AWS's "revoke active sessions" policy: Deny * when the session's
        token was issued before a time."""
        role = f"r{uuid.uuid4().hex[:8]}"
        self.iam.create_role(RoleName=role, AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.acct}:root"},
             "Action": "sts:AssumeRole"}))
        self.iam.put_role_policy(RoleName=role, PolicyName="all", PolicyDocument=policy(
            allow("iam:GetRole")))
        _, ucreds = self.user(policy(allow("sts:AssumeRole")))
        sts = self.as_(ucreds, "sts")
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{self.acct}:role/{role}",
                            RoleSessionName="old")["Credentials"]
        creds = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        iam = self.as_(creds, "iam")
        iam.get_role(RoleName=role)
        time.sleep(1.1)
        cutoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.iam.put_role_policy(RoleName=role, PolicyName="AWSRevokeOlderSessions",
                                 PolicyDocument=policy(deny("*", Condition={
                                     "DateLessThan": {"aws:TokenIssueTime": cutoff}})))
        self.assertDenied(iam.get_role, RoleName=role)
        time.sleep(1.1)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{self.acct}:role/{role}",
                            RoleSessionName="new")["Credentials"]
        fresh = self.as_((c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]), "iam")
        fresh.get_role(RoleName=role)

    def test_keys_iam_policy_arn_and_boundary(self):
        admin = "arn:aws:iam::aws:policy/AdministratorAccess"
        boundary = self.iam.create_policy(PolicyName=f"b{uuid.uuid4().hex[:8]}",
                                          PolicyDocument=policy(allow("s3:*")))["Policy"]["Arn"]
        _, creds = self.user(policy(
            allow("iam:*"),
            deny("iam:AttachUserPolicy", Condition={"ArnEquals": {"iam:PolicyARN": admin}}),
            deny("iam:CreateUser", Condition={
                "StringNotEquals": {"iam:PermissionsBoundary": boundary}})))
        iam = self.as_(creds, "iam")
        self.assertDenied(iam.create_user, UserName="nb" + uuid.uuid4().hex[:8])
        target = "wb" + uuid.uuid4().hex[:8]
        iam.create_user(UserName=target, PermissionsBoundary=boundary)
        self.assertDenied(iam.attach_user_policy, UserName=target, PolicyArn=admin)
        iam.attach_user_policy(UserName=target, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    # --- STALE: credentials die with their principal ---------------------

    def test_stale_credentials_of_a_replaced_principal(self):
        name, creds = self.user(policy(allow(["iam:GetUser", "sts:*"])))
        iam_as = self.as_(creds, "iam")
        iam_as.get_user(UserName=name)
        c = self.as_(creds, "sts").get_session_token()["Credentials"]
        session = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        self.as_(session, "sts").get_caller_identity()
        # the user goes; one of the same name comes, with more rights
        for k in self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            self.iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
        self.iam.delete_user_policy(UserName=name, PolicyName="p0")
        self.iam.delete_user(UserName=name)
        self.iam.create_user(UserName=name)
        self.iam.put_user_policy(UserName=name, PolicyName="admin",
                                 PolicyDocument=policy(allow("*")))
        for creds_, what in ((creds, "long-term key"), (session, "session")):
            with self.subTest(what=what):
                self.assertDenied(self.as_(creds_, "sts").get_caller_identity,
                                  codes=("InvalidClientTokenId",))

    def test_stale_resource_policies_name_the_old_principal(self):
        """Trust and key policies bind the principals they name to their unique
        ids, as AWS does: the ARN of a deleted user becomes its id, and a new
        user of that name is not trusted. A policy naming a user that does not
        exist is refused when saved."""
        # kms:Encrypt comes from the key policy alone (it names the user)
        name, creds = self.user(policy(allow("sts:AssumeRole")))
        user_arn = f"arn:aws:iam::{self.acct}:user/{name}"
        old_id = self.iam.get_user(UserName=name)["User"]["UserId"]
        role = f"s{uuid.uuid4().hex[:8]}"
        trust = policy({"Effect": "Allow", "Principal": {"AWS": user_arn},
                        "Action": "sts:AssumeRole"})
        self.iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
        key = self.kms.create_key(Policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.acct}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": [user_arn]}, "Action": "kms:Encrypt",
             "Resource": "*"}))["KeyMetadata"]["KeyId"]
        role_arn = f"arn:aws:iam::{self.acct}:role/{role}"
        self.as_(creds, "sts").assume_role(RoleArn=role_arn, RoleSessionName="before")
        self.as_(creds, "kms").encrypt(KeyId=key, Plaintext=b"x")
        # the user goes, and another of that name comes with the same rights
        for k in self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            self.iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
        self.iam.delete_user_policy(UserName=name, PolicyName="p0")
        self.iam.delete_user(UserName=name)
        self.iam.create_user(UserName=name)
        self.iam.put_user_policy(UserName=name, PolicyName="p0", PolicyDocument=policy(
            allow("sts:AssumeRole")))
        k = self.iam.create_access_key(UserName=name)["AccessKey"]
        new = (k["AccessKeyId"], k["SecretAccessKey"])
        self.assertDenied(self.as_(new, "sts").assume_role, RoleArn=role_arn,
                          RoleSessionName="after")
        self.assertDenied(self.as_(new, "kms").encrypt, KeyId=key, Plaintext=b"x")
        # the policies show the old principal's id, as AWS shows them
        doc = self.iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        self.assertIn(old_id, json.dumps(doc))
        self.assertIn(old_id, self.kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        # a policy naming a principal that does not exist is refused
        ghost = f"arn:aws:iam::{self.acct}:user/ghost-{uuid.uuid4().hex[:6]}"
        with self.assertRaises(ClientError) as ctx:
            self.iam.create_role(RoleName=f"g{uuid.uuid4().hex[:8]}",
                                 AssumeRolePolicyDocument=policy(
                                     {"Effect": "Allow", "Principal": {"AWS": ghost},
                                      "Action": "sts:AssumeRole"}))
        self.assertEqual(ctx.exception.response["Error"]["Code"], "MalformedPolicyDocument")
        with self.assertRaises(ClientError) as ctx:
            self.kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.acct}:root"},
                 "Action": "kms:*", "Resource": "*"},
                {"Effect": "Allow", "Principal": {"AWS": ghost}, "Action": "kms:*",
                 "Resource": "*"}))
        self.assertEqual(ctx.exception.response["Error"]["Code"],
                         "MalformedPolicyDocumentException")

    # --- TAGS: session tags and source identity need their permissions ---

    def test_tags_need_tag_session_and_set_source_identity(self):
        role = f"t{uuid.uuid4().hex[:8]}"
        name, creds = self.user(policy(allow(["sts:AssumeRole", "sts:TagSession",
                                              "sts:SetSourceIdentity"])))
        self.iam.create_role(RoleName=role, AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.acct}:user/{name}"},
             "Action": "sts:AssumeRole"}))
        sts = self.as_(creds, "sts")
        arn = f"arn:aws:iam::{self.acct}:role/{role}"
        sts.assume_role(RoleArn=arn, RoleSessionName="plain")
        # the trust policy allows neither sts:TagSession nor sts:SetSourceIdentity
        self.assertDenied(sts.assume_role, RoleArn=arn, RoleSessionName="tagged",
                          Tags=[{"Key": "team", "Value": "red"}])
        self.assertDenied(sts.assume_role, RoleArn=arn, RoleSessionName="si",
                          SourceIdentity="alice")

    # --- UNSIGNED: only S3 may leave its body out of the signature -------

    def test_unsigned_payloads_outside_s3(self):
        akid, secret, _ = self.server.root_creds()
        form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        json11 = "application/x-amz-json-1.1"
        rows = [
            ("iam", form, b"Action=CreateUser&UserName=intruder&Version=2010-05-08",
             b"HTTP/1.1 403", b"SignatureDoesNotMatch"),
            ("sts", form, b"Action=GetCallerIdentity&Version=2011-06-15",
             b"HTTP/1.1 403", b"SignatureDoesNotMatch"),
            ("kms", {"Content-Type": json11, "X-Amz-Target": "TrentService.CreateKey"}, b"{}",
             b"HTTP/1.1 400", b"InvalidSignatureException"),
            ("cloudtrail", {"Content-Type": json11, "X-Amz-Target":
                            "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.StopLogging"},
             b'{"Name": "t"}', b"HTTP/1.1 400", b"InvalidSignatureException"),
        ]
        for service, headers, body, status, code in rows:
            for marker in ("UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                           "STREAMING-UNSIGNED-PAYLOAD-TRAILER"):
                with self.subTest(service=service, marker=marker):
                    raw = sign_raw(self.server.addr, akid, secret, service, body, headers, marker)
                    with socket.create_connection((self.server.host, self.server.port),
                                                  timeout=10) as s:
                        s.sendall(raw)
                        got = b""
                        while chunk := s.recv(65536):
                            got += chunk
                    self.assertTrue(got.startswith(status), got[:300])
                    self.assertIn(code, got)
        with self.assertRaises(ClientError):
            self.iam.get_user(UserName="intruder")


if __name__ == "__main__":
    unittest.main()
