"""KMS KEY_AGREEMENT keys and DeriveSharedSecret through the real clients
(boto3 and the aws CLI): CreateKey for the NIST curves (and the specs KMS
refuses), what DescribeKey / GetPublicKey report of them, ECDH that agrees
both ways — two KMS keys, and a KMS key with a local key made with Python's
`cryptography` — the errors AWS answers (wrong usage, wrong curve, garbage
DER, an invalid point, disabled, pending deletion, DryRun, Recipient), the
decision (key policy, IAM, grants, kms:KeyAgreementAlgorithm, kms:KeyUsage
on CreateKey), and that the secret never reaches the trail or the log."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bwtest import REGION, ServerTestCase, require_api

CURVES = {"ECC_NIST_P256": (ec.SECP256R1, 32), "ECC_NIST_P384": (ec.SECP384R1, 48),
          "ECC_NIST_P521": (ec.SECP521R1, 66)}


def _spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def _key_policy(acct, *statements):
    """A key policy that keeps the account root an administrator (not a user
    of the key) and adds statements."""
    admin = {"Sid": "admin", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
             "Action": ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:CreateGrant",
                        "kms:RevokeGrant", "kms:ListGrants", "kms:DescribeKey",
                        "kms:GetPublicKey", "kms:ScheduleKeyDeletion"],
             "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [admin, *statements]})


class KmsKeyAgreementTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kms = cls.server.client("kms")
        cls.iam = cls.server.client("iam")
        cls.acct = cls.server.account_id
        cls.tmp = tempfile.mkdtemp()
        cls.users = {}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        require_api(self, self.kms, "DeriveSharedSecret")

    # --- helpers ---------------------------------------------------------

    def _agreement_key(self, spec="ECC_NIST_P256", **kw):
        return self.kms.create_key(KeySpec=spec, KeyUsage="KEY_AGREEMENT", **kw)["KeyMetadata"]

    def _public(self, key_id):
        der = self.kms.get_public_key(KeyId=key_id)["PublicKey"]
        return serialization.load_der_public_key(der)

    def _derive(self, kms, key_id, peer_der, **kw):
        return kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH",
                                        PublicKey=peer_der, **kw)

    def _error(self, code, fn, **kw):
        with self.assertRaises(ClientError) as ctx:
            fn(**kw)
        return self.assertClientError(ctx, code, 400)

    def _user(self, name, iam_policy=None):
        if name in self.users:
            return self.users[name]
        arn = self.iam.create_user(UserName=name)["User"]["Arn"]
        if iam_policy:
            self.iam.put_user_policy(UserName=name, PolicyName="p",
                                     PolicyDocument=json.dumps(iam_policy))
        k = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.users[name] = (arn, (k["AccessKeyId"], k["SecretAccessKey"]))
        return self.users[name]

    def _file(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _cli(self, *args, creds=None):
        exe = shutil.which("aws")
        if not exe:
            self.skipTest("the aws CLI is not installed")
        akid, secret = creds or self.server.root_creds()[:2]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        return subprocess.run([exe, "--endpoint-url", self.server.endpoint, "--output", "json",
                               "kms", *args], env=env, capture_output=True, text=True,
                              timeout=120)

    # --- CreateKey, DescribeKey, ListKeys, GetPublicKey --------------------

    def test_create_describe_get_public_key(self):
        for spec, (curve, _) in CURVES.items():
            with self.subTest(spec=spec):
                md = self._agreement_key(spec)
                self.assertEqual(md["KeyUsage"], "KEY_AGREEMENT")
                self.assertEqual(md["KeySpec"], spec)
                self.assertEqual(md["KeyAgreementAlgorithms"], ["ECDH"])
                for absent in ("SigningAlgorithms", "EncryptionAlgorithms", "MacAlgorithms"):
                    self.assertNotIn(absent, md)
                d = self.kms.describe_key(KeyId=md["Arn"])["KeyMetadata"]
                self.assertEqual(d["KeyAgreementAlgorithms"], ["ECDH"])
                self.assertNotIn("SigningAlgorithms", d)
                pk = self.kms.get_public_key(KeyId=md["KeyId"])
                self.assertEqual(pk["KeyId"], md["Arn"])
                self.assertEqual(pk["KeyUsage"], "KEY_AGREEMENT")
                self.assertEqual(pk["KeySpec"], spec)
                self.assertEqual(pk["KeyAgreementAlgorithms"], ["ECDH"])
                self.assertNotIn("SigningAlgorithms", pk)
                self.assertNotIn("EncryptionAlgorithms", pk)
                pub = serialization.load_der_public_key(pk["PublicKey"])
                self.assertIsInstance(pub.curve, curve)
        ids = [k["KeyId"] for k in self.kms.list_keys(Limit=1000)["Keys"]]
        self.assertIn(md["KeyId"], ids)
        # the CLI
        r = self._cli("create-key", "--key-spec", "ECC_NIST_P384", "--key-usage",
                      "KEY_AGREEMENT")
        self.assertEqual(r.returncode, 0, r.stderr)
        md = json.loads(r.stdout)["KeyMetadata"]
        self.assertEqual(md["KeyAgreementAlgorithms"], ["ECDH"])
        r = self._cli("get-public-key", "--key-id", md["KeyId"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["KeyAgreementAlgorithms"], ["ECDH"])
        pub = serialization.load_der_public_key(base64.b64decode(out["PublicKey"]))
        self.assertIsInstance(pub.curve, ec.SECP384R1)

    def test_create_refused(self):
        for spec in ("ECC_SECG_P256K1", "RSA_2048", "SYMMETRIC_DEFAULT", "HMAC_256"):
            with self.subTest(spec=spec):
                err = self._error("ValidationException", self.kms.create_key, KeySpec=spec,
                                  KeyUsage="KEY_AGREEMENT")
                self.assertEqual(err["Error"]["Message"],
                                 f"KeyUsage KEY_AGREEMENT is not compatible with KeySpec {spec}")
        # no KeySpec is SYMMETRIC_DEFAULT
        self._error("ValidationException", self.kms.create_key, KeyUsage="KEY_AGREEMENT")
        # SM2 is China Regions only
        self._error("UnsupportedOperationException", self.kms.create_key, KeySpec="SM2",
                    KeyUsage="KEY_AGREEMENT")
        r = self._cli("create-key", "--key-spec", "ECC_SECG_P256K1", "--key-usage",
                      "KEY_AGREEMENT")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("(ValidationException)", r.stderr)

    # --- the secret, both ways -------------------------------------------

    def test_two_kms_keys_agree(self):
        for spec, (_, size) in CURVES.items():
            with self.subTest(spec=spec):
                a, b = self._agreement_key(spec), self._agreement_key(spec)
                pa = self.kms.get_public_key(KeyId=a["KeyId"])["PublicKey"]
                pb = self.kms.get_public_key(KeyId=b["KeyId"])["PublicKey"]
                ab = self._derive(self.kms, a["KeyId"], pb)
                ba = self._derive(self.kms, b["KeyId"], pa)
                self.assertEqual(ab["SharedSecret"], ba["SharedSecret"])
                self.assertEqual(len(ab["SharedSecret"]), size)
                self.assertEqual(ab["KeyId"], a["Arn"])
                self.assertEqual(ab["KeyAgreementAlgorithm"], "ECDH")
                self.assertEqual(ab["KeyOrigin"], "AWS_KMS")
                self.assertNotIn("CiphertextForRecipient", ab)
                # deterministic: the same pair, the same secret
                self.assertEqual(self._derive(self.kms, a["Arn"], pb)["SharedSecret"],
                                 ab["SharedSecret"])

    def test_kms_key_and_local_key_agree(self):
        for spec, (curve, size) in CURVES.items():
            with self.subTest(spec=spec):
                md = self._agreement_key(spec)
                local = ec.generate_private_key(curve())
                got = self._derive(self.kms, md["KeyId"], _spki(local.public_key()))
                want = local.exchange(ec.ECDH(), self._public(md["KeyId"]))
                self.assertEqual(len(want), size)
                self.assertEqual(got["SharedSecret"], want)
        # by alias name and alias ARN
        self.kms.create_alias(AliasName="alias/agree", TargetKeyId=md["KeyId"])
        for kid in ("alias/agree", f"arn:aws:kms:{REGION}:{self.acct}:alias/agree"):
            got = self._derive(self.kms, kid, _spki(local.public_key()))
            self.assertEqual(got["SharedSecret"], want)
            self.assertEqual(got["KeyId"], md["Arn"])

    def test_cli_derive(self):
        md = self._agreement_key("ECC_NIST_P256")
        local = ec.generate_private_key(ec.SECP256R1())
        path = self._file("peer.der", _spki(local.public_key()))
        r = self._cli("derive-shared-secret", "--key-id", md["KeyId"],
                      "--key-agreement-algorithm", "ECDH", "--public-key", f"fileb://{path}")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        want = local.exchange(ec.ECDH(), self._public(md["KeyId"]))
        self.assertEqual(base64.b64decode(out["SharedSecret"]), want)
        self.assertEqual(out["KeyId"], md["Arn"])
        self.assertEqual(out["KeyAgreementAlgorithm"], "ECDH")
        # a P-384 key against this P-256 key: refused
        other = ec.generate_private_key(ec.SECP384R1())
        path = self._file("p384.der", _spki(other.public_key()))
        r = self._cli("derive-shared-secret", "--key-id", md["KeyId"],
                      "--key-agreement-algorithm", "ECDH", "--public-key", f"fileb://{path}")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("(ValidationException)", r.stderr)

    # --- what AWS refuses ------------------------------------------------

    def test_wrong_usage(self):
        peer = _spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        sign = self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        sym = self.kms.create_key()["KeyMetadata"]
        for md in (sign, sym):
            err = self._error("InvalidKeyUsageException", self._derive, kms=self.kms,
                              key_id=md["KeyId"], peer_der=peer)
            self.assertEqual(err["Error"]["Message"],
                             f"{md['Arn']} key usage is {md['KeyUsage']} which is not valid "
                             "for DeriveSharedSecret.")
        # and the other way: a KEY_AGREEMENT key cannot sign
        agree = self._agreement_key()
        self._error("InvalidKeyUsageException", self.kms.sign, KeyId=agree["KeyId"],
                    Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
        self._error("InvalidKeyUsageException", self.kms.encrypt, KeyId=agree["KeyId"],
                    Plaintext=b"m")

    def test_bad_peer_keys(self):
        md = self._agreement_key("ECC_NIST_P256")
        good = _spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        rsa_der = _spki(rsa.generate_private_key(public_exponent=65537,
                                                 key_size=2048).public_key())
        p384 = _spki(ec.generate_private_key(ec.SECP384R1()).public_key())
        # a P-256 SPKI whose point is not on the curve (y changed)
        off_curve = bytearray(good)
        off_curve[-1] ^= 1
        # the compressed form of a valid point is a valid SPKI too
        compressed = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        cases = {
            "garbage": (b"not a key at all", "not a valid DER"),
            "truncated": (good[:-5], "not a valid DER"),
            "trailing bytes": (good + b"\x00", "not a valid DER"),
            "raw point": (compressed, "not a valid DER"),
            "rsa": (rsa_der, "not an elliptic curve"),
            "wrong curve": (p384, "same elliptic curve"),
            "off the curve": (bytes(off_curve), None),
        }
        for name, (der, words) in cases.items():
            with self.subTest(case=name):
                err = self._error("ValidationException", self._derive, kms=self.kms,
                                  key_id=md["KeyId"], peer_der=der)
                if words:
                    self.assertIn(words, err["Error"]["Message"])
        # the server keeps serving and still derives
        self.assertEqual(len(self._derive(self.kms, md["KeyId"], good)["SharedSecret"]), 32)

    def test_state_dry_run_recipient(self):
        peer = _spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        md = self._agreement_key()
        self.kms.disable_key(KeyId=md["KeyId"])
        err = self._error("DisabledException", self._derive, kms=self.kms, key_id=md["KeyId"],
                          peer_der=peer)
        self.assertIn(md["Arn"], err["Error"]["Message"])
        self.kms.enable_key(KeyId=md["KeyId"])
        self._derive(self.kms, md["KeyId"], peer)
        # DryRun: everything checked, nothing derived
        err = self._error("DryRunOperationException", self._derive, kms=self.kms,
                          key_id=md["KeyId"], peer_der=peer, DryRun=True)
        self.assertNotIn("SharedSecret", err)
        # a dry run with a bad peer key is not a success
        self._error("ValidationException", self._derive, kms=self.kms, key_id=md["KeyId"],
                    peer_der=b"junk", DryRun=True)
        self._error("UnsupportedOperationException", self._derive, kms=self.kms,
                    key_id=md["KeyId"], peer_der=peer,
                    Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                               "AttestationDocument": b"doc"})
        self.kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
        self._error("KMSInvalidStateException", self._derive, kms=self.kms,
                    key_id=md["KeyId"], peer_der=peer)
        self._error("NotFoundException", self._derive, kms=self.kms,
                    key_id="11111111-2222-4333-8444-555555555555", peer_der=peer)
        # what the model refuses before any key is looked at
        raw = self.server.client("kms", validate=False)
        with self.assertRaises(ClientError) as ctx:
            raw.derive_shared_secret(KeyId=md["KeyId"], KeyAgreementAlgorithm="ECDHE",
                                     PublicKey=peer)
        self.assertClientError(ctx, "ValidationException", 400)
        with self.assertRaises(ClientError) as ctx:
            raw.derive_shared_secret(KeyId=md["KeyId"], KeyAgreementAlgorithm="ECDH")
        self.assertClientError(ctx, "ValidationException", 400)

    def test_attack_rows(self):
        """Limits, encodings and other accounts: each refused, the server
        serving on."""
        md = self._agreement_key()
        peer = _spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        raw = self.server.client("kms", validate=False)
        other = md["Arn"].replace(self.acct, "999999999999")
        rows = [
            ("over 8192 bytes", dict(PublicKey=b"0" * 8193), "ValidationException"),
            ("empty", dict(PublicKey=b""), "ValidationException"),
            ("algorithm's case", dict(KeyAgreementAlgorithm="ecdh"), "ValidationException"),
            ("another account's ARN", dict(KeyId=other), "NotFoundException"),
            ("another region's ARN", dict(KeyId=md["Arn"].replace(REGION, "eu-west-1")),
             "NotFoundException"),
            ("key id's case", dict(KeyId=md["KeyId"].upper()), "NotFoundException"),
            ("alias that is not there", dict(KeyId="alias/agree-none"), "NotFoundException"),
            ("forged grant token", dict(GrantTokens=["eA=="]), "InvalidGrantTokenException"),
        ]
        for name, kw, code in rows:
            with self.subTest(row=name):
                args = dict(KeyId=md["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer)
                args.update(kw)
                self._error(code, raw.derive_shared_secret, **args)
        self.assertEqual(len(self._derive(self.kms, md["KeyId"], peer)["SharedSecret"]), 32)

    # --- the decision ----------------------------------------------------

    def test_key_policy_iam_and_grants(self):
        arn, creds = self._user("agree-user", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]})
        user_kms = self.server.client("kms", creds=creds)
        peer = ec.generate_private_key(ec.SECP256R1())
        peer_der = _spki(peer.public_key())
        md = self._agreement_key(Policy=_key_policy(self.acct))
        want = peer.exchange(ec.ECDH(), self._public(md["KeyId"]))
        # IAM's kms:* alone is not enough: the key policy does not delegate
        err = self._error("AccessDeniedException", self._derive, kms=user_kms,
                          key_id=md["KeyId"], peer_der=peer_der)
        self.assertIn("kms:DeriveSharedSecret", err["Error"]["Message"])
        # nor for a dry run: authorization comes first
        self._error("AccessDeniedException", self._derive, kms=user_kms, key_id=md["KeyId"],
                    peer_der=peer_der, DryRun=True)
        # the root has no bypass either
        self._error("AccessDeniedException", self._derive, kms=self.kms, key_id=md["KeyId"],
                    peer_der=peer_der)
        path = self._file("grant-peer.der", peer_der)
        r = self._cli("derive-shared-secret", "--key-id", md["KeyId"],
                      "--key-agreement-algorithm", "ECDH", "--public-key", f"fileb://{path}",
                      creds=creds)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("(AccessDeniedException)", r.stderr)

        # a grant that allows it
        g = self.kms.create_grant(KeyId=md["KeyId"], GranteePrincipal=arn,
                                  Operations=["DeriveSharedSecret"])
        got = self._derive(user_kms, md["KeyId"], peer_der, GrantTokens=[g["GrantToken"]])
        self.assertEqual(got["SharedSecret"], want)
        r = self._cli("derive-shared-secret", "--key-id", md["KeyId"],
                      "--key-agreement-algorithm", "ECDH", "--public-key", f"fileb://{path}",
                      creds=creds)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(base64.b64decode(json.loads(r.stdout)["SharedSecret"]), want)
        # a grant of DeriveSharedSecret allows nothing else
        self._error("AccessDeniedException", user_kms.enable_key_rotation, KeyId=md["KeyId"])
        # a forged grant token is refused as AWS refuses it
        self._error("InvalidGrantTokenException", self._derive, kms=user_kms,
                    key_id=md["KeyId"], peer_der=peer_der, GrantTokens=["bm90LWEtdG9rZW4="])
        self.kms.revoke_grant(KeyId=md["KeyId"], GrantId=g["GrantId"])
        self._error("AccessDeniedException", self._derive, kms=user_kms, key_id=md["KeyId"],
                    peer_der=peer_der)

    def test_grant_operations_match_key_usage(self):
        arn, _ = self._user("agree-grantee")
        agree = self._agreement_key()
        sign = self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        sym = self.kms.create_key()["KeyMetadata"]
        # what a KEY_AGREEMENT key's grant may list
        self.kms.create_grant(KeyId=agree["KeyId"], GranteePrincipal=arn,
                              Operations=["DeriveSharedSecret", "GetPublicKey", "DescribeKey",
                                          "CreateGrant", "RetireGrant"])
        for ops in (["Sign"], ["Verify"], ["Encrypt"], ["Decrypt"], ["GenerateDataKey"],
                    ["GenerateMac"], ["DeriveSharedSecret", "Sign"]):
            with self.subTest(ops=ops):
                self._error("ValidationException", self.kms.create_grant,
                            KeyId=agree["KeyId"], GranteePrincipal=arn, Operations=ops)
        for md in (sign, sym):
            with self.subTest(usage=md["KeyUsage"]):
                self._error("ValidationException", self.kms.create_grant, KeyId=md["KeyId"],
                            GranteePrincipal=arn, Operations=["DeriveSharedSecret"])
        # DeriveSharedSecret takes no encryption context: no constraints
        self._error("ValidationException", self.kms.create_grant, KeyId=agree["KeyId"],
                    GranteePrincipal=arn, Operations=["DeriveSharedSecret"],
                    Constraints={"EncryptionContextEquals": {"a": "b"}})

    def test_condition_keys(self):
        arn, creds = self._user("agree-cond", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]})
        user_kms = self.server.client("kms", creds=creds)
        peer_der = _spki(ec.generate_private_key(ec.SECP384R1()).public_key())

        def allow(cond):
            return {"Effect": "Allow", "Principal": {"AWS": arn},
                    "Action": "kms:DeriveSharedSecret", "Resource": "*", "Condition": cond}
        ok = self._agreement_key("ECC_NIST_P384", Policy=_key_policy(self.acct, allow(
            {"StringEquals": {"kms:KeyAgreementAlgorithm": "ECDH",
                              "kms:KeyUsage": "KEY_AGREEMENT",
                              "kms:KeySpec": "ECC_NIST_P384"}})))
        self.assertEqual(len(self._derive(user_kms, ok["KeyId"], peer_der)["SharedSecret"]), 48)
        no = self._agreement_key("ECC_NIST_P384", Policy=_key_policy(self.acct, allow(
            {"StringEquals": {"kms:KeyAgreementAlgorithm": "SOMETHING_ELSE"}})))
        self._error("AccessDeniedException", self._derive, kms=user_kms, key_id=no["KeyId"],
                    peer_der=peer_der)
        # the key is named in kms:KeyAgreementAlgorithm's case: no case folding
        lower = self._agreement_key("ECC_NIST_P384", Policy=_key_policy(self.acct, allow(
            {"StringEquals": {"kms:KeyAgreementAlgorithm": "ecdh"}})))
        self._error("AccessDeniedException", self._derive, kms=user_kms,
                    key_id=lower["KeyId"], peer_der=peer_der)

        # CreateKey: an IAM policy that allows KEY_AGREEMENT keys only
        _, maker = self._user("agree-maker", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
             "Condition": {"StringEquals": {"kms:KeyUsage": "KEY_AGREEMENT"}}}]})
        maker_kms = self.server.client("kms", creds=maker)
        md = maker_kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
        self.assertEqual(md["KeyMetadata"]["KeyAgreementAlgorithms"], ["ECDH"])
        self._error("AccessDeniedException", maker_kms.create_key, KeySpec="ECC_NIST_P256",
                    KeyUsage="SIGN_VERIFY")
        self._error("AccessDeniedException", maker_kms.create_key)

    # --- the trail -------------------------------------------------------

    def test_secret_not_in_trail_or_log(self):
        md = self._agreement_key()
        local = ec.generate_private_key(ec.SECP256R1())
        got = self._derive(self.kms, md["KeyId"], _spki(local.public_key()))
        rid = got["ResponseMetadata"]["RequestId"]
        secret = got["SharedSecret"]
        ct = self.server.client("cloudtrail")
        rec = None
        for _ in range(50):
            for ev in ct.lookup_events(LookupAttributes=[
                    {"AttributeKey": "EventName", "AttributeValue": "DeriveSharedSecret"}],
                    MaxResults=50)["Events"]:
                r = json.loads(ev["CloudTrailEvent"])
                if r.get("requestID") == rid:
                    rec, text = r, ev["CloudTrailEvent"]
            if rec:
                break
            time.sleep(0.1)
        self.assertIsNotNone(rec, "no DeriveSharedSecret record")
        self.assertEqual(rec["eventSource"], "kms.amazonaws.com")
        self.assertTrue(rec["readOnly"])
        self.assertIsNone(rec.get("responseElements"))
        self.assertEqual(rec["requestParameters"]["keyId"], md["KeyId"])
        self.assertEqual(rec["requestParameters"]["keyAgreementAlgorithm"], "ECDH")
        self.assertEqual(rec["resources"][0]["ARN"], md["Arn"])
        forms = [base64.b64encode(secret).decode(), secret.hex(), secret.hex().upper(),
                 base64.urlsafe_b64encode(secret).decode().rstrip("=")]
        for form in forms:
            self.assertNotIn(form, text)
            self.assertNotIn(form, "\n".join(map(str, self.server.lines)))
        # a denied call is recorded too, with its error
        _, creds = self._user("agree-denied")
        user_kms = self.server.client("kms", creds=creds)
        self._error("AccessDeniedException", self._derive, kms=user_kms, key_id=md["KeyId"],
                    peer_der=_spki(local.public_key()))


if __name__ == "__main__":
    unittest.main()
