"""The answers the error catalogues give, through the real clients (decision 0107).

Input the model bounds is refused by the decoder's validator, in AWS's
words, before any handler runs: the handlers no longer check DurationSeconds,
Tags, RoleArn's length or required members again, so these rows hold that the
validator answers them exactly as the hand checks did. Rows where entries
were collapsed (one message for many sites) check each former site still
answers it. boto3 runs without its own parameter validation, so what reaches
the server is what a careless or hostile client sends."""
import socket
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, allow, policy


def _validation(field, value, constraint):
    quoted = "null" if value is None else f"'{value}'" if value != "" else ""
    value_part = f"Value {quoted} at" if quoted else "Value at"
    return f"1 validation error detected: {value_part} '{field}' failed to satisfy constraint: " \
           f"{constraint}"


class ErrorAnswersTest(ServerTestCase):
    def _error(self, fn, code, status, message=None, **kw):
        with self.assertRaises(ClientError) as ctx:
            fn(**kw)
        err = self.assertClientError(ctx, code, status)
        if message is not None:
            self.assertEqual(err["Error"]["Message"], message)
        return err

    def _role(self, name):
        iam = self.server.client("iam")
        acct = self.server.account_id
        trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                 f'{{"AWS":"arn:aws:iam::{acct}:root"}},"Action":["sts:AssumeRole","sts:TagSession"]}}]}}')
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]

    def _user_creds(self, name):
        iam = self.server.client("iam")
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    # --- STS: bounds the model sets, answered by the validator -------------

    def test_duration_bounds_are_the_models(self):
        sts = self.server.client("sts", validate=False)
        arn = self._role("dur-role")
        low = _validation("durationSeconds", "899",
                          "Member must have value greater than or equal to 900")
        self._error(sts.assume_role, "ValidationError", 400, low, RoleArn=arn,
                    RoleSessionName="s1", DurationSeconds=899)
        creds = self._user_creds("dur-user")
        user_sts = self.server.client("sts", validate=False, creds=creds)
        high = _validation("durationSeconds", "129601",
                           "Member must have value less than or equal to 129600")
        self._error(user_sts.get_session_token, "ValidationError", 400, low, DurationSeconds=899)
        self._error(user_sts.get_session_token, "ValidationError", 400, high,
                    DurationSeconds=129601)
        self._error(user_sts.get_federation_token, "ValidationError", 400, high, Name="bob",
                    DurationSeconds=129601)
        # the bounds themselves are accepted (the user may not federate: AccessDenied)
        user_sts.get_session_token(DurationSeconds=900)
        self._error(user_sts.get_federation_token, "AccessDenied", 403, None, Name="bob",
                    DurationSeconds=129600)

    def test_assume_role_lists_and_arn_bounds(self):
        sts = self.server.client("sts", validate=False)
        arn = self._role("tags-role")
        tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
        self._error(sts.assume_role, "ValidationError", 400,
                    _validation("tags", "", "Member must have length less than or equal to 50"),
                    RoleArn=arn, RoleSessionName="s1", Tags=tags)
        self._error(sts.assume_role, "ValidationError", 400,
                    _validation("transitiveTagKeys", "",
                                "Member must have length less than or equal to 50"),
                    RoleArn=arn, RoleSessionName="s1", TransitiveTagKeys=[f"k{i}" for i in
                                                                           range(51)])
        self._error(sts.assume_role, "ValidationError", 400,
                    _validation("roleArn", "arn:aws:iam::1:r",
                                "Member must have length greater than or equal to 20"),
                    RoleArn="arn:aws:iam::1:r", RoleSessionName="s1")
        # 20 characters but no ARN: the hand check that stays
        self._error(sts.assume_role, "ValidationError", 400, "Request ARN is invalid",
                    RoleArn="x" * 20, RoleSessionName="s1")
        # 50 tags are fine (for a user allowed to assume and tag; the root may not assume)
        creds = self._user_creds("tags-user")
        self.server.client("iam").put_user_policy(
            UserName="tags-user", PolicyName="p",
            PolicyDocument=policy(allow("sts:AssumeRole", arn), allow("sts:TagSession", arn)))
        user_sts = self.server.client("sts", validate=False, creds=creds)
        user_sts.assume_role(RoleArn=arn, RoleSessionName="s1", Tags=tags[:50])

    def test_required_members_are_the_models(self):
        sts = self.server.client("sts", validate=False)
        arn = self._role("req-role")
        self._error(sts.assume_role, "ValidationError", 400,
                    _validation("roleSessionName", None, "Member must not be null"), RoleArn=arn)
        self._error(sts.assume_role, "ValidationError", 400,
                    _validation("roleArn", None, "Member must not be null"),
                    RoleSessionName="s1")
        self._error(sts.get_access_key_info, "ValidationError", 400,
                    _validation("accessKeyId", None, "Member must not be null"))
        self._error(sts.decode_authorization_message, "ValidationError", 400,
                    _validation("encodedMessage", None, "Member must not be null"))
        creds = self._user_creds("req-user")
        self._error(self.server.client("sts", validate=False, creds=creds).get_federation_token,
                    "ValidationError", 400, _validation("name", None, "Member must not be null"))
        iam = self.server.client("iam", validate=False)
        self._error(iam.get_group, "ValidationError", 400,
                    _validation("groupName", None, "Member must not be null"))
        self._error(iam.add_user_to_group, "ValidationError", 400,
                    _validation("userName", None, "Member must not be null"), GroupName="g")
        self._error(iam.get_policy_version, "ValidationError", 400,
                    _validation("versionId", None, "Member must not be null"),
                    PolicyArn=f"arn:aws:iam::{self.server.account_id}:policy/nope")
        self._error(iam.get_instance_profile, "ValidationError", 400,
                    _validation("instanceProfileName", None, "Member must not be null"))
        self._error(iam.tag_user, "ValidationError", 400,
                    _validation("tags", None, "Member must not be null"), UserName="u")
        # an empty name is below the model's minimum, not a missing member,
        # and fails the name's pattern too: AWS reports both
        self._error(iam.get_group, "ValidationError", 400,
                    "2 validation errors detected: "
                    "Value '' at 'groupName' failed to satisfy constraint: "
                    "Member must have length greater than or equal to 1; "
                    "Value '' at 'groupName' failed to satisfy constraint: "
                    "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
                    GroupName="")

    # --- collapsed entries: each former site answers the one message -------

    def test_session_credentials_refused_one_message(self):
        creds = self._user_creds("sess-user")
        out = self.server.client("sts", creds=creds).get_session_token()["Credentials"]
        session = (out["AccessKeyId"], out["SecretAccessKey"], out["SessionToken"])
        sts = self.server.client("sts", creds=session)
        for op, call in (("GetSessionToken", sts.get_session_token),
                         ("GetFederationToken", lambda: sts.get_federation_token(Name="bob")),
                         ("GetAccessKeyInfo",
                          lambda: sts.get_access_key_info(AccessKeyId="AKIAAAAAAAAAAAAAAAAA"))):
            with self.subTest(op=op):
                self._error(call, "AccessDenied", 403,
                            f"Cannot call {op} with session credentials")

    def test_one_no_such_entity_message(self):
        iam = self.server.client("iam")
        iam.create_group(GroupName="nse-group")
        iam.create_instance_profile(InstanceProfileName="nse-profile")
        self._error(iam.add_user_to_group, "NoSuchEntity", 404,
                    "The user with name nse-ghost cannot be found.",
                    GroupName="nse-group", UserName="nse-ghost")
        self._error(iam.get_group, "NoSuchEntity", 404,
                    "The group with name nse-ghost cannot be found.", GroupName="nse-ghost")
        self._error(iam.remove_role_from_instance_profile, "NoSuchEntity", 404, None,
                    InstanceProfileName="nse-profile", RoleName="nse-ghost")
        arn = f"arn:aws:iam::{self.server.account_id}:policy/nse-ghost"
        self._error(iam.get_policy, "NoSuchEntity", 404, f"Policy {arn} was not found.",
                    PolicyArn=arn)
        iam.create_user(UserName="nse-user")
        self._error(iam.attach_user_policy, "NoSuchEntity", 404,
                    f"Policy {arn} does not exist or is not attachable.",
                    UserName="nse-user", PolicyArn=arn)

    def test_a_marker_not_ours_is_one_answer_everywhere(self):
        iam = self.server.client("iam")
        iam.create_user(UserName="mk-user")
        # (ListAttachedUserPolicies and ListEntitiesForPolicy take a store key
        # as their marker, not an encoded one: not every marker is refused there)
        for name, call in (
                ("ListPolicies", lambda m: iam.list_policies(Marker=m)),
                ("GetAccountAuthorizationDetails",
                 lambda m: iam.get_account_authorization_details(Marker=m)),
                ("ListUserTags", lambda m: iam.list_user_tags(UserName="mk-user", Marker=m)),
                ("ListGroups", lambda m: iam.list_groups(Marker=m))):
            for marker in ("not-a-marker!", "%00", "\u00e9t\u00e9"):
                with self.subTest(op=name, marker=marker):
                    self._error(call, "ValidationError", 400, "Invalid Marker.", m=marker)

    def test_the_cli_sees_the_catalogue_message(self):
        out = self.server.aws("iam", "list-policies", "--marker", "bogus!", "--no-paginate")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("(ValidationError)", out.stderr)
        self.assertIn("Invalid Marker.", out.stderr)
        out = self.server.aws("iam", "get-group", "--group-name", "cli-ghost")
        self.assertIn("(NoSuchEntity)", out.stderr)
        self.assertIn("The group with name cli-ghost cannot be found.", out.stderr)

    # --- the gateway's own ------------------------------------------------

    def test_unknown_action_and_target(self):
        for service, body, headers, code in (
                ("iam", b"Action=NoSuchThing&Version=2010-05-08",
                 {"Content-Type": "application/x-www-form-urlencoded"}, "InvalidAction"),
                ("kms", b"{}", {"Content-Type": "application/x-amz-json-1.1",
                                "X-Amz-Target": "TrentService.NoSuchThing"},
                 "UnknownOperationException")):
            with self.subTest(service=service):
                raw = self.server.signed_raw(service, body=body, headers=headers)
                with socket.create_connection((self.server.host, self.server.port),
                                              timeout=10) as s:
                    s.sendall(raw)
                    got = s.recv(65536)
                self.assertTrue(got.startswith(b"HTTP/1.1 400"), got[:200])
                text = got.decode(errors="replace")
                self.assertIn(code, text)
                self.assertIn("NoSuchThing", text)


if __name__ == "__main__":
    unittest.main()
