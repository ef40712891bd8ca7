"""Syntax before authorization: a value that breaks its shape's pattern
(AWS's model) is a ValidationError/ValidationException with AWS's message,
answered before the caller's permissions are asked, for every service, and
from the aws CLI as from boto3. A well-formed request the caller may not
make is still AccessDenied, whatever exists."""
import json
import time
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase

USER_PATTERN = r"[\w+=,.@-]+"


class OrderOfChecksTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        iam = cls.server.client("iam")
        iam.create_user(UserName="nobody")  # no policy at all
        key = iam.create_access_key(UserName="nobody")["AccessKey"]
        cls.creds = (key["AccessKeyId"], key["SecretAccessKey"])
        for _ in range(20):
            try:
                cls.server.client("sts", creds=cls.creds).get_caller_identity()
                break
            except ClientError:
                time.sleep(0.1)

    def _nobody(self, service):
        return self.server.client(service, creds=self.creds)

    def _pattern_error(self, ctx, code, value, path, pattern):
        self.assertClientError(ctx, code, 400)
        self.assertEqual(
            ctx.exception.response["Error"]["Message"],
            f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: {pattern}")

    def test_iam_name_pattern_before_authorization(self):
        with self.assertRaises(ClientError) as ctx:
            self._nobody("iam").create_user(UserName="bad name")
        self._pattern_error(ctx, "ValidationError", "bad name", "userName", USER_PATTERN)
        # well-formed: the caller's permissions answer
        with self.assertRaises(ClientError) as ctx:
            self._nobody("iam").create_user(UserName="good-name")
        self.assertClientError(ctx, "AccessDenied", 403)

    def test_iam_path_and_tag_patterns(self):
        iam = self.server.client("iam")
        with self.assertRaises(ClientError) as ctx:
            iam.create_user(UserName="u1", Path="no-slashes")
        self._pattern_error(ctx, "ValidationError", "no-slashes", "path",
                            r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)")
        with self.assertRaises(ClientError) as ctx:
            iam.create_user(UserName="u1", Tags=[{"Key": "team", "Value": "red & blue"}])
        self._pattern_error(ctx, "ValidationError", "red & blue", "tags.1.member.value",
                            r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")
        # nothing was made by the refused calls
        with self.assertRaises(ClientError) as ctx:
            iam.get_user(UserName="u1")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        # letters of any script are letters (\p{L})
        iam.create_user(UserName="u2", Tags=[{"Key": "équipe", "Value": "rouge + bleu"}])

    def test_every_error_is_reported(self):
        with self.assertRaises(ClientError) as ctx:
            self._nobody("iam").create_user(UserName="a b", Path="x")
        msg = ctx.exception.response["Error"]["Message"]
        self.assertTrue(msg.startswith("2 validation errors detected: "), msg)

    def test_sts_session_name_pattern_before_authorization(self):
        arn = f"arn:aws:iam::{self.server.account_id}:role/none"
        with self.assertRaises(ClientError) as ctx:
            self._nobody("sts").assume_role(RoleArn=arn, RoleSessionName="has space")
        self._pattern_error(ctx, "ValidationError", "has space", "roleSessionName",
                            r"[\w+=,.@-]*")
        with self.assertRaises(ClientError) as ctx:
            self._nobody("sts").assume_role(RoleArn=arn, RoleSessionName="ok")
        self.assertClientError(ctx, "AccessDenied", 403)

    def test_kms_alias_pattern_before_authorization(self):
        with self.assertRaises(ClientError) as ctx:
            self._nobody("kms").create_alias(AliasName="alias/bad name",
                                             TargetKeyId="1234abcd-12ab-34cd-56ef-1234567890ab")
        self._pattern_error(ctx, "ValidationException", "alias/bad name", "aliasName",
                            "^[a-zA-Z0-9:/_-]+$")

    def test_aws_cli_gets_the_same_answer(self):
        out = self.server.aws("iam", "create-user", "--user-name", "bad/name")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("ValidationError", out.stderr)
        self.assertIn("Member must satisfy regular expression pattern", out.stderr)

    def test_sensitive_values_are_not_quoted(self):
        # a policy document is not sensitive, but a pattern failure inside
        # a long value quotes only its start
        doc = json.dumps({"Version": "2012-10-17", "Statement": []}) + "\x01" + "x" * 300
        with self.assertRaises(ClientError) as ctx:
            self.server.client("iam").create_policy(PolicyName="p", PolicyDocument=doc)
        msg = ctx.exception.response["Error"]["Message"]
        self.assertIn("...' at 'policyDocument'", msg)
        self.assertLess(len(msg), 600)


if __name__ == "__main__":
    unittest.main()
