"""AWS's exact answers, through boto3: the order of checks (syntax before
authorization), same-account trust for AssumeRole, and the error codes,
messages and members AWS sends (or leaves out) for KMS and IAM."""
import hashlib
import json
import time
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, allow, policy


def _trust(*principals):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": list(principals)},
         "Action": "sts:AssumeRole"}]})


class AwsAnswersTest(ServerTestCase):
    def _user(self, name, *statements):
        """An IAM user with an access key and, when given, an inline policy."""
        iam = self.server.client("iam")
        user = iam.create_user(UserName=name)["User"]
        key = iam.create_access_key(UserName=name)["AccessKey"]
        if statements:
            iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(*statements))
        creds = (key["AccessKeyId"], key["SecretAccessKey"])
        # a new key may take a moment to be seen by every loop
        for _ in range(20):
            try:
                self.server.client("sts", creds=creds).get_caller_identity()
                break
            except ClientError:
                time.sleep(0.1)
        return user, creds

    # --- 1. syntax before authorization --------------------------------

    def test_malformed_role_arn_is_validation_error_before_authz(self):
        _, creds = self._user("nobody")  # no policy at all
        sts = self.server.client("sts", creds=creds, validate=False)
        for bad in ("not-an-arn-at-all-xxxxxxxx", "arn:aws:iam:123456789012:role",
                    "arn::iam::123456789012:role/x", "arn:aws:iam::123456789012:"):
            with self.subTest(arn=bad):
                with self.assertRaises(ClientError) as ctx:
                    sts.assume_role(RoleArn=bad, RoleSessionName="s1")
                self.assertClientError(ctx, "ValidationError", 400)
        # a well-formed ARN of no role is still AccessDenied (no existence leak)
        with self.assertRaises(ClientError) as ctx:
            sts.assume_role(RoleArn=f"arn:aws:iam::{self.server.account_id}:role/none",
                            RoleSessionName="s1")
        self.assertClientError(ctx, "AccessDenied", 403)

    # --- 2. same-account trust -----------------------------------------

    def test_trust_naming_the_user_needs_no_identity_policy(self):
        user, creds = self._user("trusted")
        iam = self.server.client("iam")
        role = iam.create_role(RoleName="named-user",
                               AssumeRolePolicyDocument=_trust(user["Arn"]))["Role"]
        out = self.server.client("sts", creds=creds).assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1")
        self.assertIn("AccessKeyId", out["Credentials"])

    def test_trust_naming_the_account_delegates_to_identity_policies(self):
        acct = self.server.account_id
        iam = self.server.client("iam")
        role = iam.create_role(RoleName="named-root",
                               AssumeRolePolicyDocument=_trust(f"arn:aws:iam::{acct}:root"))["Role"]
        _, bare = self._user("bare")
        with self.assertRaises(ClientError) as ctx:
            self.server.client("sts", creds=bare).assume_role(RoleArn=role["Arn"],
                                                              RoleSessionName="s1")
        self.assertClientError(ctx, "AccessDenied", 403)
        _, granted = self._user("granted", allow("sts:AssumeRole", role["Arn"]))
        self.server.client("sts", creds=granted).assume_role(RoleArn=role["Arn"],
                                                             RoleSessionName="s1")

    def test_trust_naming_the_user_still_loses_to_an_explicit_deny(self):
        user, creds = self._user("denied", {"Effect": "Deny", "Action": "sts:AssumeRole",
                                            "Resource": "*"})
        role = self.server.client("iam").create_role(
            RoleName="named-denied", AssumeRolePolicyDocument=_trust(user["Arn"]))["Role"]
        with self.assertRaises(ClientError) as ctx:
            self.server.client("sts", creds=creds).assume_role(RoleArn=role["Arn"],
                                                               RoleSessionName="s1")
        self.assertClientError(ctx, "AccessDenied", 403)

    def test_trust_naming_another_user_is_not_enough_with_identity_allow(self):
        other, _ = self._user("other")
        _, creds = self._user("caller", allow("sts:AssumeRole"))
        role = self.server.client("iam").create_role(
            RoleName="named-other", AssumeRolePolicyDocument=_trust(other["Arn"]))["Role"]
        with self.assertRaises(ClientError) as ctx:
            self.server.client("sts", creds=creds).assume_role(RoleArn=role["Arn"],
                                                               RoleSessionName="s1")
        self.assertClientError(ctx, "AccessDenied", 403)

    # --- 4. KMS --------------------------------------------------------

    def test_kms_decrypt_with_a_key_of_another_usage(self):
        kms = self.server.client("kms")
        sym = kms.create_key()["KeyMetadata"]["KeyId"]
        sign = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        blob = kms.encrypt(KeyId=sym, Plaintext=b"hello")["CiphertextBlob"]
        with self.assertRaises(ClientError) as ctx:
            kms.decrypt(KeyId=sign["KeyId"], CiphertextBlob=blob)
        self.assertClientError(ctx, "IncorrectKeyException", 400)
        with self.assertRaises(ClientError) as ctx:
            kms.re_encrypt(SourceKeyId=sign["KeyId"], CiphertextBlob=blob,
                           DestinationKeyId=sym)
        self.assertClientError(ctx, "IncorrectKeyException", 400)

    def test_kms_tag_exceptions(self):
        kms = self.server.client("kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        for tags in ([{"TagKey": "a", "TagValue": "1"}, {"TagKey": "a", "TagValue": "2"}],
                     [{"TagKey": "AWS:x", "TagValue": "1"}],
                     [{"TagKey": "aws:x", "TagValue": "1"}]):
            with self.subTest(tags=tags):
                with self.assertRaises(ClientError) as ctx:
                    kms.tag_resource(KeyId=key, Tags=tags)
                self.assertClientError(ctx, "TagException", 400)
                with self.assertRaises(ClientError) as ctx:
                    kms.create_key(Tags=tags)
                self.assertClientError(ctx, "TagException", 400)

    def test_kms_alias_without_prefix(self):
        kms = self.server.client("kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        with self.assertRaises(ClientError) as ctx:
            kms.create_alias(AliasName="no-prefix", TargetKeyId=key)
        self.assertClientError(ctx, "ValidationException", 400)

    def test_kms_errors_without_message(self):
        kms = self.server.client("kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = bytearray(kms.encrypt(KeyId=key, Plaintext=b"hello")["CiphertextBlob"])
        blob[-1] ^= 1
        with self.assertRaises(ClientError) as ctx:
            kms.decrypt(CiphertextBlob=bytes(blob))
        err = self.assertClientError(ctx, "InvalidCiphertextException", 400)
        self.assertEqual(err["Error"].get("Message", ""), "")
        sign = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        with self.assertRaises(ClientError) as ctx:
            kms.verify(KeyId=sign["KeyId"], Message=b"m", Signature=b"\x30\x00" * 8,
                       SigningAlgorithm="ECDSA_SHA_256")
        err = self.assertClientError(ctx, "KMSInvalidSignatureException", 400)
        self.assertEqual(err["Error"].get("Message", ""), "")
        mac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
        with self.assertRaises(ClientError) as ctx:
            kms.verify_mac(KeyId=mac["KeyId"], Message=b"m", Mac=b"\x00" * 32,
                           MacAlgorithm="HMAC_SHA_256")
        err = self.assertClientError(ctx, "KMSInvalidMacException", 400)
        self.assertEqual(err["Error"].get("Message", ""), "")

    # --- 4. IAM --------------------------------------------------------

    def test_iam_invalid_json_policy(self):
        iam = self.server.client("iam")
        with self.assertRaises(ClientError) as ctx:
            iam.create_policy(PolicyName="broken", PolicyDocument='{"Version": "2012-10-17",')
        err = self.assertClientError(ctx, "MalformedPolicyDocument", 400)
        self.assertEqual(err["Error"]["Message"], "This policy contains invalid Json")

    def test_iam_non_arn_policy_arn(self):
        iam = self.server.client("iam", validate=False)
        with self.assertRaises(ClientError) as ctx:
            iam.get_policy(PolicyArn="this-is-not-an-arn-at-all")
        err = self.assertClientError(ctx, "ValidationError", 400)
        self.assertEqual(err["Error"]["Message"], "Invalid ARN")

    def test_iam_outputs_leave_out_what_aws_omits(self):
        iam = self.server.client("iam")
        role = iam.create_role(RoleName="plain", AssumeRolePolicyDocument=_trust(
            f"arn:aws:iam::{self.server.account_id}:root"))["Role"]
        self.assertNotIn("RoleLastUsed", role)
        self.assertNotIn("Tags", role)
        self.assertNotIn("Tags", iam.get_role(RoleName="plain")["Role"])
        pol = iam.create_policy(PolicyName="plain", PolicyDocument=policy(allow("s3:Get*")))
        self.assertNotIn("Tags", pol["Policy"])
        self.assertNotIn("Tags", iam.get_policy(PolicyArn=pol["Policy"]["Arn"])["Policy"])

    # --- ListPublicKeys before any digest --------------------------------

    def test_list_public_keys_has_the_current_key_before_any_digest(self):
        # no trail, no digest yet: AWS still answers the current key
        ct = self.server.client("cloudtrail")
        keys = ct.list_public_keys()["PublicKeyList"]
        self.assertEqual(len(keys), 1, keys)
        self.assertNotIn("ValidityEndTime", keys[0])
        self.assertEqual(hashlib.md5(keys[0]["Value"]).hexdigest(), keys[0]["Fingerprint"])
        # the same key on the next call: the one the next digest is signed with
        again = ct.list_public_keys()["PublicKeyList"]
        self.assertEqual([k["Fingerprint"] for k in again], [keys[0]["Fingerprint"]])


if __name__ == "__main__":
    unittest.main()
