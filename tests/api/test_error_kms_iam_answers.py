"""KMS's answers from its catalogue (kms_errors.h), and IAM's roles and users
from theirs, through boto3 and the aws CLI (decision 0107).

What a client matches on is the code, the status and, for the answers AWS
documents or has been seen to send, the message: "Key '<arn>' does not
exist", "Invalid keyId <input>" (AWS quotes nothing there), "<arn> is pending
deletion.". The bounds the model states (enums, ranges, lengths, patterns)
are the validator's, answered before any handler in AWS's words; the hand
checks that repeated them are gone, so these rows prove the answers stayed.
Bounds the model leaves wider than AWS's (PendingWindowInDays 7..30) and
values the model allows that bulwark does not serve stay the handlers'."""
import json
import unittest
import uuid

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, require_api

REGION = "us-east-1"
VE = "1 validation error detected: "


class KmsErrorAnswersTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kms = cls.server.client("kms", validate=False)
        cls.acct = cls.server.account_id

    def _key(self, **kw):
        return self.kms.create_key(**kw)["KeyMetadata"]

    def _err(self, fn, code, status=400, **kw):
        with self.assertRaises(ClientError) as ctx:
            fn(**kw)
        return self.assertClientError(ctx, code, status)["Error"]["Message"]

    def test_not_found_messages(self):
        kid = str(uuid.uuid4())
        self.assertEqual(self._err(self.kms.describe_key, "NotFoundException", KeyId=kid),
                         f"Key 'arn:aws:kms:{REGION}:{self.acct}:key/{kid}' does not exist")
        self.assertEqual(self._err(self.kms.describe_key, "NotFoundException",
                                   KeyId="not-a-key"), "Invalid keyId not-a-key")
        self.assertEqual(self._err(self.kms.describe_key, "NotFoundException",
                                   KeyId="alias/nope"),
                         f"Alias arn:aws:kms:{REGION}:{self.acct}:alias/nope is not found.")
        # a huge id is answered, bounded, and the server keeps serving
        msg = self._err(self.kms.describe_key, "NotFoundException", KeyId="k" * 2048)
        self.assertLessEqual(len(msg), 2100)
        self.kms.list_keys()

    def test_key_state_messages(self):
        key = self._key()
        arn = key["Arn"]
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertEqual(self._err(self.kms.encrypt, "DisabledException", KeyId=arn,
                                   Plaintext=b"x"), f"{arn} is disabled.")
        self.assertEqual(self._err(self.kms.cancel_key_deletion, "KMSInvalidStateException",
                                   KeyId=arn), f"{arn} is not pending deletion.")
        # the model allows 1..365 days; AWS holds the window to 7..30
        self.assertEqual(
            self._err(self.kms.schedule_key_deletion, "ValidationException", KeyId=arn,
                      PendingWindowInDays=6),
            VE + "Value '6' at 'pendingWindowInDays' failed to satisfy constraint: "
            "Member must have value greater than or equal to 7")
        self.assertIn("less than or equal to 30",
                      self._err(self.kms.schedule_key_deletion, "ValidationException",
                                KeyId=arn, PendingWindowInDays=31))
        self.kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
        self.assertEqual(self._err(self.kms.enable_key, "KMSInvalidStateException", KeyId=arn),
                         f"{arn} is pending deletion.")
        self.kms.cancel_key_deletion(KeyId=arn)

    def test_model_bounds_answered_by_the_validator(self):
        key = self._key()["KeyId"]
        self.assertEqual(
            self._err(self.kms.generate_data_key, "ValidationException", KeyId=key,
                      NumberOfBytes=1025),
            VE + "Value '1025' at 'numberOfBytes' failed to satisfy constraint: "
            "Member must have value less than or equal to 1024")
        self.assertIn("Value 'AES_512' at 'keySpec'",
                      self._err(self.kms.generate_data_key, "ValidationException", KeyId=key,
                                KeySpec="AES_512"))
        self.assertIn("greater than or equal to 1",
                      self._err(self.kms.generate_random, "ValidationException",
                                NumberOfBytes=0))
        self.assertIn("Value '0' at 'limit'",
                      self._err(self.kms.list_keys, "ValidationException", Limit=0))
        self.assertIn("Value '1001' at 'limit'",
                      self._err(self.kms.list_keys, "ValidationException", Limit=1001))

    def test_rotation_period_bounds(self):
        require_api(self, self.kms, "GetKeyRotationStatus", "RotationPeriodInDays")
        key = self._key()["KeyId"]
        self.assertEqual(
            self._err(self.kms.enable_key_rotation, "ValidationException", KeyId=key,
                      RotationPeriodInDays=89),
            VE + "Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: "
            "Member must have value greater than or equal to 90")
        self.assertIn("less than or equal to 2560",
                      self._err(self.kms.enable_key_rotation, "ValidationException",
                                KeyId=key, RotationPeriodInDays=2561))

    def test_enums_answered_by_the_validator(self):
        require_api(self, self.kms, "GenerateMac")
        mac = self._key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
        msg = self._err(self.kms.generate_mac, "ValidationException", KeyId=mac,
                        Message=b"m", MacAlgorithm="HMAC_MD5")
        self.assertIn("Value 'HMAC_MD5' at 'macAlgorithm'", msg)
        self.assertIn("Member must satisfy enum value set", msg)
        # a case variant is not the value
        self._err(self.kms.generate_mac, "ValidationException", KeyId=mac, Message=b"m",
                  MacAlgorithm="hmac_sha_256")

    def test_region_pattern(self):
        require_api(self, self.kms, "ReplicateKey")
        key = self._key(MultiRegion=True)["KeyId"]
        for bad in ("US_EAST_1", "eu-w\u00e9st-1", "us-east-", "a-b-c-d-e-1"):
            with self.subTest(region=bad):
                msg = self._err(self.kms.replicate_key, "ValidationException", KeyId=key,
                                ReplicaRegion=bad)
                self.assertIn("at 'replicaRegion' failed to satisfy constraint: Member must "
                              "satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$", msg)
        self.kms.describe_key(KeyId=key)

    def test_served_subsets_stay_the_handlers(self):
        # the model's DataKeyPairSpec and MessageType hold values bulwark does not serve
        key = self._key()["KeyId"]
        self.assertIn("Member must satisfy enum value set: [RSA_2048",
                      self._err(self.kms.generate_data_key_pair, "ValidationException",
                                KeyId=key, KeyPairSpec="SM2"))
        rsa = self._key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyId"]
        self.assertEqual(
            self._err(self.kms.sign, "ValidationException", KeyId=rsa, Message=b"m",
                      MessageType="EXTERNAL_MU", SigningAlgorithm="RSASSA_PSS_SHA_256"),
            VE + "Value 'EXTERNAL_MU' at 'messageType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [RAW, DIGEST]")

    def test_invalid_ciphertext_has_no_message(self):
        with self.assertRaises(ClientError) as ctx:
            self.kms.decrypt(CiphertextBlob=b"\x01" * 64)
        err = self.assertClientError(ctx, "InvalidCiphertextException", 400)
        self.assertFalse(err["Error"].get("Message"))

    def test_cli_not_found(self):
        kid = str(uuid.uuid4())
        r = self.server.aws("kms", "describe-key", "--key-id", kid)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("NotFoundException", r.stderr)
        self.assertIn(f"key/{kid}' does not exist", r.stderr)


class IamErrorAnswersTest(ServerTestCase):
    TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("iam", validate=False)

    def _err(self, fn, code, status=None, **kw):
        with self.assertRaises(ClientError) as ctx:
            fn(**kw)
        return self.assertClientError(ctx, code, status)["Error"]["Message"]

    def test_already_exists(self):
        self.iam.create_user(UserName="dup-user")
        self.assertEqual(self._err(self.iam.create_user, "EntityAlreadyExists", 409,
                                   UserName="DUP-USER"),
                         "User with name DUP-USER already exists.")
        self.iam.create_role(RoleName="dup-role", AssumeRolePolicyDocument=self.TRUST)
        self.assertEqual(self._err(self.iam.create_role, "EntityAlreadyExists", 409,
                                   RoleName="Dup-Role", AssumeRolePolicyDocument=self.TRUST),
                         "Role with name Dup-Role already exists.")

    def test_role_bounds_answered_by_the_validator(self):
        self.assertEqual(
            self._err(self.iam.create_role, "ValidationError", 400, RoleName="short-session",
                      AssumeRolePolicyDocument=self.TRUST, MaxSessionDuration=60),
            VE + "Value '60' at 'maxSessionDuration' failed to satisfy constraint: "
            "Member must have value greater than or equal to 3600")
        self.iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=self.TRUST)
        self.assertIn("less than or equal to 43200",
                      self._err(self.iam.update_role, "ValidationError", 400,
                                RoleName="bounded", MaxSessionDuration=43201))
        self.assertIn("Member must have length less than or equal to 64",
                      self._err(self.iam.create_role, "ValidationError", 400,
                                RoleName="r" * 65, AssumeRolePolicyDocument=self.TRUST))
        self.iam.get_role(RoleName="bounded")

    def test_trust_principal_and_delete_conflict(self):
        ghost = f"arn:aws:iam::{self.server.account_id}:user/ghost"
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": ghost}, "Action": "sts:AssumeRole"}]})
        self.assertEqual(self._err(self.iam.create_role, "MalformedPolicyDocument", 400,
                                   RoleName="ghostly", AssumeRolePolicyDocument=trust),
                         f'Invalid principal in policy: "AWS":"{ghost}"')
        self.iam.create_role(RoleName="holder", AssumeRolePolicyDocument=self.TRUST)
        self.iam.put_role_policy(RoleName="holder", PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        self.assertEqual(self._err(self.iam.delete_role, "DeleteConflict", 409,
                                   RoleName="holder"),
                         "Cannot delete entity, must delete policies first.")


if __name__ == "__main__":
    unittest.main()
