"""Authentication and authorization through the real clients: every request
is signed and checked, and IAM policies decide what each principal may do."""
import datetime
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from botocore.exceptions import ClientError

from bwtest import REGION, ServerTestCase, allow, deny, policy, sign_at


class AuthTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("iam")
        cls.account = cls.server.account_id

    def new_user(self, name, *policies):
        self.iam.create_user(UserName=name)
        for i, doc in enumerate(policies):
            self.iam.put_user_policy(UserName=name, PolicyName=f"p{i}", PolicyDocument=doc)
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    # --- authentication -------------------------------------------------

    def test_root_from_init(self):
        out = self.server.client("sts").get_caller_identity()
        self.assertEqual(out["Arn"], f"arn:aws:iam::{self.account}:root")

    def test_wrong_secret_is_refused(self):
        akid, _, _ = self.server.root_creds()
        for service, code in (("sts", "SignatureDoesNotMatch"), ("kms", "InvalidSignatureException")):
            with self.subTest(service=service):
                c = self.server.client(service, creds=(akid, "x" * 40))
                with self.assertRaises(ClientError) as ctx:
                    if service == "sts":
                        c.get_caller_identity()
                    else:
                        c.generate_random(NumberOfBytes=8)
                self.assertClientError(ctx, code)

    def test_unknown_key_is_refused(self):
        with self.assertRaises(ClientError) as ctx:
            self.server.client("sts", creds=("AKIAZZZZZZZZZZZZZZZZ", "x" * 40)).get_caller_identity()
        self.assertClientError(ctx, "InvalidClientTokenId", 403)
        with self.assertRaises(ClientError) as ctx:
            self.server.client("kms", creds=("AKIAZZZZZZZZZZZZZZZZ", "x" * 40)).generate_random(NumberOfBytes=8)
        self.assertClientError(ctx, "UnrecognizedClientException", 400)

    def test_tampered_body_is_refused(self):
        raw = self.server.signed_raw("kms", b'{"NumberOfBytes": 8}', headers={
            "X-Amz-Target": "TrentService.GenerateRandom",
            "Content-Type": "application/x-amz-json-1.1"})
        tampered = raw.replace(b'{"NumberOfBytes": 8}', b'{"NumberOfBytes": 9}')
        for payload, status in ((raw, b"200"), (tampered, b"400")):
            with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
                s.sendall(payload)
                got = s.recv(65536)
            self.assertTrue(got.startswith(b"HTTP/1.1 " + status), got[:200])
        self.assertIn(b"InvalidSignatureException", got)

    def test_replay_after_15_minutes_is_refused(self):
        akid, secret, _ = self.server.root_creds()
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        ctype = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        now = datetime.datetime.now(datetime.timezone.utc)
        for minutes, ok in ((0, True), (-14, True), (-16, False), (16, False)):
            with self.subTest(minutes=minutes):
                hdrs = sign_at(now + datetime.timedelta(minutes=minutes), akid, secret, "sts",
                               self.server.addr, body, ctype)
                req = urllib.request.Request(self.server.endpoint + "/", data=body, headers=hdrs)
                try:
                    with urllib.request.urlopen(req, timeout=10) as r:
                        self.assertTrue(ok, "a stale signature was accepted")
                        self.assertIn(b"GetCallerIdentityResult", r.read())
                except urllib.error.HTTPError as e:
                    text = e.read().decode()
                    self.assertFalse(ok, text)
                    self.assertIn("SignatureDoesNotMatch", text)
                    self.assertRegex(text, "Signature expired|Signature not yet current")

    def test_presigned_url_and_its_expiry(self):
        sts = self.server.client("sts")
        # query-protocol calls presign as POST unless asked for GET (as EKS
        # token generators do)
        url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=2, HttpMethod="GET")
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertIn(b"GetCallerIdentityResult", r.read())
        time.sleep(3)
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(url, timeout=10)
        self.assertEqual(ctx.exception.code, 403)
        self.assertIn(b"expired", ctx.exception.read())

    def test_access_key_last_used_is_recorded(self):
        akid, secret = self.new_user("last-used")
        before = self.iam.get_access_key_last_used(AccessKeyId=akid)["AccessKeyLastUsed"]
        self.assertEqual(before["ServiceName"], "N/A")
        self.server.client("sts", creds=(akid, secret)).get_caller_identity()
        after = self.iam.get_access_key_last_used(AccessKeyId=akid)["AccessKeyLastUsed"]
        self.assertEqual((after["ServiceName"], after["Region"]), ("sts", REGION))
        self.assertIn("LastUsedDate", after)

    def test_inactive_key_is_refused(self):
        akid, secret = self.new_user("inactive-user")
        self.iam.update_access_key(UserName="inactive-user", AccessKeyId=akid, Status="Inactive")
        with self.assertRaises(ClientError) as ctx:
            self.server.client("sts", creds=(akid, secret)).get_caller_identity()
        self.assertClientError(ctx, "InvalidClientTokenId", 403)

    # --- authorization --------------------------------------------------

    def test_user_without_policy_is_denied_then_allowed(self):
        akid, secret = self.new_user("alice")
        me = self.server.client("sts", creds=(akid, secret)).get_caller_identity()
        self.assertEqual(me["Arn"], f"arn:aws:iam::{self.account}:user/alice")
        alice_iam = self.server.client("iam", creds=(akid, secret))
        with self.assertRaises(ClientError) as ctx:
            alice_iam.list_users()
        err = self.assertClientError(ctx, "AccessDenied", 403)
        msg = err["Error"]["Message"]
        self.assertIn(f"User: arn:aws:iam::{self.account}:user/alice is not authorized to "
                      "perform: iam:ListUsers on resource:", msg)
        self.assertIn("because no identity-based policy allows the iam:ListUsers action", msg)
        kms = self.server.client("kms", creds=(akid, secret))
        with self.assertRaises(ClientError) as ctx:
            kms.generate_random(NumberOfBytes=8)
        self.assertClientError(ctx, "AccessDeniedException", 400)

        self.iam.put_user_policy(UserName="alice", PolicyName="read",
                                 PolicyDocument=policy(allow(["iam:List*", "kms:GenerateRandom"])))
        self.assertIn("Users", alice_iam.list_users())
        self.assertEqual(len(kms.generate_random(NumberOfBytes=8)["Plaintext"]), 8)

    def test_managed_policy_and_group(self):
        akid, secret = self.new_user("bob")
        arn = self.iam.create_policy(PolicyName="kms-random",
                                     PolicyDocument=policy(allow("kms:GenerateRandom")))["Policy"]["Arn"]
        self.iam.create_group(GroupName="randomizers")
        self.iam.attach_group_policy(GroupName="randomizers", PolicyArn=arn)
        kms = self.server.client("kms", creds=(akid, secret))
        with self.assertRaises(ClientError):
            kms.generate_random(NumberOfBytes=4)
        self.iam.add_user_to_group(GroupName="randomizers", UserName="bob")
        self.assertEqual(len(kms.generate_random(NumberOfBytes=4)["Plaintext"]), 4)

    def test_explicit_deny_overrides_allow(self):
        akid, secret = self.new_user("carol", policy(allow("*")),
                                     policy(deny("kms:GenerateRandom")))
        kms = self.server.client("kms", creds=(akid, secret))
        with self.assertRaises(ClientError) as ctx:
            kms.generate_random(NumberOfBytes=4)
        err = self.assertClientError(ctx, "AccessDeniedException")
        self.assertIn("explicit deny", err["Error"]["Message"])
        self.assertIn("Users", self.server.client("iam", creds=(akid, secret)).list_users())

    def test_source_ip_condition(self):
        akid, secret = self.new_user(
            "dave",
            policy(allow("kms:GenerateRandom", Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})),
            policy(allow("iam:ListUsers", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
        self.assertTrue(self.server.client("kms", creds=(akid, secret)).generate_random(NumberOfBytes=4))
        with self.assertRaises(ClientError) as ctx:
            self.server.client("iam", creds=(akid, secret)).list_users()
        self.assertClientError(ctx, "AccessDenied", 403)

    def test_permissions_boundary_limits_user(self):
        akid, secret = self.new_user("erin", policy(allow("*")))
        arn = self.iam.create_policy(PolicyName="only-kms",
                                     PolicyDocument=policy(allow("kms:*")))["Policy"]["Arn"]
        self.iam.put_user_permissions_boundary(UserName="erin", PermissionsBoundary=arn)
        self.assertTrue(self.server.client("kms", creds=(akid, secret)).generate_random(NumberOfBytes=4))
        with self.assertRaises(ClientError) as ctx:
            self.server.client("iam", creds=(akid, secret)).list_users()
        err = self.assertClientError(ctx, "AccessDenied", 403)
        self.assertIn("permissions boundary", err["Error"]["Message"])

    def test_assumed_role_limited_by_session_policy(self):
        akid, secret = self.new_user("frank", policy(allow("sts:AssumeRole")))
        trust = policy({"Effect": "Allow", "Action": "sts:AssumeRole",
                        "Principal": {"AWS": f"arn:aws:iam::{self.account}:user/frank"}})
        role = self.iam.create_role(RoleName="worker", AssumeRolePolicyDocument=trust)["Role"]
        self.iam.put_role_policy(RoleName="worker", PolicyName="all",
                                 PolicyDocument=policy(allow(["kms:GenerateRandom", "iam:ListUsers"])))
        sts = self.server.client("sts", creds=(akid, secret))
        out = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1",
                              Policy=policy(allow("kms:GenerateRandom")))
        c = out["Credentials"]
        session = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        self.assertTrue(c["AccessKeyId"].startswith("ASIA"))
        me = self.server.client("sts", creds=session).get_caller_identity()
        self.assertEqual(me["Arn"], f"arn:aws:sts::{self.account}:assumed-role/worker/s1")
        self.assertTrue(self.server.client("kms", creds=session).generate_random(NumberOfBytes=4))
        with self.assertRaises(ClientError) as ctx:
            self.server.client("iam", creds=session).list_users()
        err = self.assertClientError(ctx, "AccessDenied", 403)
        self.assertIn("session policy", err["Error"]["Message"])
        # the session token is required, and must be the right one
        with self.assertRaises(ClientError):
            self.server.client("sts", creds=session[:2]).get_caller_identity()
        with self.assertRaises(ClientError):
            self.server.client("sts", creds=(session[0], session[1], session[2][:-2] + "xx")).get_caller_identity()

    def test_trust_policy_refuses_others(self):
        akid, secret = self.new_user("mallory", policy(allow("sts:AssumeRole")))
        trust = policy({"Effect": "Allow", "Action": "sts:AssumeRole",
                        "Principal": {"AWS": f"arn:aws:iam::{self.account}:user/nobody-else"}})
        self.iam.create_user(UserName="nobody-else")
        role = self.iam.create_role(RoleName="guarded", AssumeRolePolicyDocument=trust)["Role"]
        with self.assertRaises(ClientError) as ctx:
            self.server.client("sts", creds=(akid, secret)).assume_role(
                RoleArn=role["Arn"], RoleSessionName="xx")
        self.assertClientError(ctx, "AccessDenied", 403)

    def test_cli_with_user_credentials(self):
        akid, secret = self.new_user("gina")
        import os
        import shutil
        import subprocess
        env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        aws = shutil.which("aws")
        r = subprocess.run([aws, "--endpoint-url", self.server.endpoint, "iam", "list-users"],
                           env=env, capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("AccessDenied", r.stderr)
        r = subprocess.run([aws, "--endpoint-url", self.server.endpoint, "sts",
                            "get-caller-identity"], env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("user/gina", r.stdout)


class InitProfileTest(ServerTestCase):
    def test_init_writes_a_working_profile(self):
        import os
        import shutil
        import subprocess
        import tempfile
        from bwtest import BIN
        home = tempfile.mkdtemp(prefix="bw-home-")
        data = tempfile.mkdtemp(prefix="bw-init-")
        try:
            env = dict(os.environ, HOME=home)
            env.pop("AWS_CONFIG_FILE", None)
            env.pop("AWS_SHARED_CREDENTIALS_FILE", None)
            r = subprocess.run([BIN, "init", "--data-dir", data, "--endpoint-url",
                                self.server.endpoint], env=env, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("aws_secret_access_key", r.stdout)
            creds = open(os.path.join(home, ".aws", "credentials")).read()
            config = open(os.path.join(home, ".aws", "config")).read()
            self.assertIn("[bulwark]", creds)
            self.assertIn("[profile bulwark]", config)
            self.assertIn(f"endpoint_url = {self.server.endpoint}", config)
            self.assertEqual(os.stat(os.path.join(home, ".aws", "credentials")).st_mode & 0o077, 0)
            # a second init on the same directory refuses and shows nothing
            r2 = subprocess.run([BIN, "init", "--data-dir", data], env=env,
                                capture_output=True, text=True, timeout=60)
            self.assertNotEqual(r2.returncode, 0)
            self.assertNotIn("aws_secret_access_key", r2.stdout)
            # the key in the store is sealed: not in the database in plaintext
            secret = [l.split("=", 1)[1].strip() for l in creds.splitlines()
                      if l.startswith("aws_secret_access_key")][0]
            for top, _, names in os.walk(data):  # tls/ holds init's certificate
                for name in names:
                    with open(os.path.join(top, name), "rb") as f:
                        self.assertNotIn(secret.encode(), f.read(), name)
        finally:
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(data, ignore_errors=True)
