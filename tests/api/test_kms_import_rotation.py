"""On-demand rotation of symmetric KMS keys with imported key material, through
boto3 and the aws CLI.

AWS: the first material imported into an EXTERNAL key is current and
permanently associated with it. ImportKeyMaterial with ImportType
NEW_KEY_MATERIAL adds another, PENDING_ROTATION — "not permanently associated
with the KMS key. You can delete this key material and import different key
material in its place" — until RotateKeyOnDemand makes it current ("you must
have already imported new key material and that key material's state should
be PENDING_ROTATION"). ListKeyRotations reports each material's
KeyMaterialState and ImportState; ciphertexts keep decrypting under the
material they were made with; deleting any associated material makes the key
PendingImport until the same bytes are back."""
import datetime
import os
import shutil
import subprocess
import tempfile
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase, allow, policy


def _openssl(*args, data=None):
    if not shutil.which("openssl"):
        raise unittest.SkipTest("the openssl CLI is not installed")
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True)


class KmsImportRotationTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kms = cls.server.client("kms")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bw-kmsr-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def _path(self, name, data):
        p = os.path.join(self.tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def _key(self, **kw):
        return self.kms.create_key(Origin="EXTERNAL", **kw)["KeyMetadata"]["KeyId"]

    def _wrapped(self, key_id, material, kms=None):
        """(import token, material wrapped with RSAES_OAEP_SHA_256 by openssl)."""
        params = (kms or self.kms).get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
        pub = self._path("wrap.der", params["PublicKey"])
        wrapped = _openssl("pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", pub,
                           "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt",
                           "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256",
                           data=material).stdout
        return params["ImportToken"], wrapped

    def _import(self, key_id, material, kms=None, **kw):
        token, wrapped = self._wrapped(key_id, material, kms)
        kw.setdefault("ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE")
        return (kms or self.kms).import_key_material(KeyId=key_id, ImportToken=token,
                                                     EncryptedKeyMaterial=wrapped, **kw)

    def _rotations(self, key_id, all_material=True):
        kw = {"IncludeKeyMaterial": "ALL_KEY_MATERIAL"} if all_material else {}
        return self.kms.list_key_rotations(KeyId=key_id, **kw)["Rotations"]

    def _describe(self, key_id):
        return self.kms.describe_key(KeyId=key_id)["KeyMetadata"]

    def _decrypts(self, blob, plaintext, mid):
        out = self.kms.decrypt(CiphertextBlob=blob)
        self.assertEqual(out["Plaintext"], plaintext)
        self.assertEqual(out["KeyMaterialId"], mid)

    def test_new_material_is_pending_until_rotated_on_demand(self):
        key_id = self._key()
        first, second = os.urandom(32), os.urandom(32)
        m1 = self._import(key_id, first)["KeyMaterialId"]
        c1 = self.kms.encrypt(KeyId=key_id, Plaintext=b"under the first")["CiphertextBlob"]
        self.assertEqual(self._rotations(key_id, all_material=False), [])
        m2 = self._import(key_id, second, ImportType="NEW_KEY_MATERIAL",
                          KeyMaterialDescription="second material: 2026")["KeyMaterialId"]
        self.assertNotEqual(m1, m2)
        md = self._describe(key_id)
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["CurrentKeyMaterialId"], m1)
        rot = {r["KeyMaterialId"]: r for r in self._rotations(key_id)}
        self.assertEqual(set(rot), {m1, m2})
        self.assertEqual(rot[m1]["KeyMaterialState"], "CURRENT")
        self.assertEqual(rot[m1]["ImportState"], "IMPORTED")
        self.assertEqual(rot[m1]["ExpirationModel"], "KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.assertEqual(rot[m2]["KeyMaterialState"], "PENDING_ROTATION")
        self.assertEqual(rot[m2]["ImportState"], "IMPORTED")
        self.assertEqual(rot[m2]["KeyMaterialDescription"], "second material: 2026")
        for r in rot.values():  # neither the first nor a pending one was a rotation
            self.assertNotIn("RotationDate", r)
            self.assertNotIn("RotationType", r)
        # still the first material encrypts
        c1b = self.kms.encrypt(KeyId=key_id, Plaintext=b"still first")["CiphertextBlob"]
        self._decrypts(c1b, b"still first", m1)

        self.assertEqual(self.kms.rotate_key_on_demand(KeyId=key_id)["KeyId"], key_id)
        self.assertEqual(self._describe(key_id)["CurrentKeyMaterialId"], m2)
        done = self._rotations(key_id, all_material=False)
        self.assertEqual(len(done), 1)
        self.assertEqual(done[0]["KeyMaterialId"], m2)
        self.assertEqual(done[0]["KeyMaterialState"], "CURRENT")
        self.assertEqual(done[0]["RotationType"], "ON_DEMAND")
        self.assertIn("RotationDate", done[0])
        rot = {r["KeyMaterialId"]: r for r in self._rotations(key_id)}
        self.assertEqual(rot[m1]["KeyMaterialState"], "NON_CURRENT")
        c2 = self.kms.encrypt(KeyId=key_id, Plaintext=b"under the second")["CiphertextBlob"]
        self._decrypts(c2, b"under the second", m2)
        self._decrypts(c1, b"under the first", m1)
        # nothing pending any more
        with self.assertRaises(ClientError) as c:
            self.kms.rotate_key_on_demand(KeyId=key_id)
        self.assertClientError(c, "KMSInvalidStateException")

    def test_rotation_needs_pending_material(self):
        key_id = self._key()
        # no material at all: the key is pending import
        with self.assertRaises(ClientError) as c:
            self.kms.rotate_key_on_demand(KeyId=key_id)
        self.assertClientError(c, "KMSInvalidStateException")
        self._import(key_id, os.urandom(32))
        with self.assertRaises(ClientError) as c:
            self.kms.rotate_key_on_demand(KeyId=key_id)
        self.assertClientError(c, "KMSInvalidStateException")
        # automatic rotation is still not for imported keys
        with self.assertRaises(ClientError) as c:
            self.kms.enable_key_rotation(KeyId=key_id)
        self.assertClientError(c, "UnsupportedOperationException")

    def test_one_pending_material_at_a_time_and_new_means_new(self):
        key_id = self._key()
        first = os.urandom(32)
        self._import(key_id, first)
        with self.assertRaises(ClientError) as c:
            self._import(key_id, first, ImportType="NEW_KEY_MATERIAL")
        self.assertClientError(c, "IncorrectKeyMaterialException")
        pending = os.urandom(32)
        self._import(key_id, pending, ImportType="NEW_KEY_MATERIAL")
        with self.assertRaises(ClientError) as c:
            self._import(key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
        self.assertClientError(c, "KMSInvalidStateException")
        # the pending bytes may be imported again (to change their expiry)
        valid_to = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
        self._import(key_id, pending, ImportType="EXISTING_KEY_MATERIAL",
                     ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
        rot = [r for r in self._rotations(key_id) if r["KeyMaterialState"] == "PENDING_ROTATION"]
        self.assertEqual(len(rot), 1)
        self.assertEqual(rot[0]["ExpirationModel"], "KEY_MATERIAL_EXPIRES")
        self.assertIn("ValidTo", rot[0])
        # the key's own expiry counts associated material only, until rotation
        self.assertEqual(self._describe(key_id)["ExpirationModel"], "KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.kms.rotate_key_on_demand(KeyId=key_id)
        md = self._describe(key_id)
        self.assertEqual(md["ExpirationModel"], "KEY_MATERIAL_EXPIRES")
        self.assertIn("ValidTo", md)

    def test_deleting_material_makes_the_key_pending_import(self):
        key_id = self._key()
        first, second = os.urandom(32), os.urandom(32)
        m1 = self._import(key_id, first)["KeyMaterialId"]
        c1 = self.kms.encrypt(KeyId=key_id, Plaintext=b"one")["CiphertextBlob"]
        m2 = self._import(key_id, second, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
        self.kms.rotate_key_on_demand(KeyId=key_id)
        c2 = self.kms.encrypt(KeyId=key_id, Plaintext=b"two")["CiphertextBlob"]
        # no KeyMaterialId: the current material goes
        self.assertEqual(self.kms.delete_imported_key_material(KeyId=key_id)["KeyMaterialId"], m2)
        md = self._describe(key_id)
        self.assertEqual(md["KeyState"], "PendingImport")
        self.assertEqual(md["CurrentKeyMaterialId"], m2)
        rot = {r["KeyMaterialId"]: r for r in self._rotations(key_id)}
        self.assertEqual(rot[m2]["ImportState"], "PENDING_IMPORT")
        self.assertEqual(rot[m2]["KeyMaterialState"], "CURRENT")
        self.assertEqual(rot[m1]["ImportState"], "IMPORTED")
        for blob in (c1, c2):  # a key pending import decrypts nothing
            with self.assertRaises(ClientError) as c:
                self.kms.decrypt(CiphertextBlob=blob)
            self.assertClientError(c, "KMSInvalidStateException")
        # no new material while an associated one is missing
        with self.assertRaises(ClientError) as c:
            self._import(key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
        self.assertClientError(c, "KMSInvalidStateException")
        # other bytes are not the deleted material; the same ones are (the
        # default ImportType after the first import is EXISTING_KEY_MATERIAL)
        with self.assertRaises(ClientError) as c:
            self._import(key_id, os.urandom(32))
        self.assertClientError(c, "IncorrectKeyMaterialException")
        self.assertEqual(self._import(key_id, second)["KeyMaterialId"], m2)
        md = self._describe(key_id)
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["CurrentKeyMaterialId"], m2)
        self._decrypts(c1, b"one", m1)
        self._decrypts(c2, b"two", m2)
        # re-importing the older material leaves the current one current
        self.assertEqual(self._import(key_id, first)["KeyMaterialId"], m1)
        self.assertEqual(self._describe(key_id)["CurrentKeyMaterialId"], m2)
        c3 = self.kms.encrypt(KeyId=key_id, Plaintext=b"three")["CiphertextBlob"]
        self._decrypts(c3, b"three", m2)

    def test_delete_names_material_by_id(self):
        key_id = self._key()
        first = os.urandom(32)
        m1 = self._import(key_id, first)["KeyMaterialId"]
        self.assertRegex(m1, r"^[0-9a-f]{64}$")  # AWS's BackingKeyIdType
        # one the key does not have is not found
        with self.assertRaises(ClientError) as c:
            self.kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId="a" * 64)
        self.assertClientError(c, "NotFoundException")
        self.assertEqual(self._describe(key_id)["KeyState"], "Enabled")
        # a pending material deleted by its id goes entirely, and the key
        # stays usable; other bytes may then take its place
        wrong = os.urandom(32)
        m2 = self._import(key_id, wrong, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
        out = self.kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId=m2)
        self.assertEqual(out["KeyMaterialId"], m2)
        self.assertEqual(self._describe(key_id)["KeyState"], "Enabled")
        self.assertEqual([r["KeyMaterialId"] for r in self._rotations(key_id)], [m1])
        c1 = self.kms.encrypt(KeyId=key_id, Plaintext=b"still fine")["CiphertextBlob"]
        right = os.urandom(32)
        m3 = self._import(key_id, right, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
        self.assertNotEqual(m3, m2)
        # the deleted pending bytes are nothing of this key any more
        with self.assertRaises(ClientError) as c:
            self._import(key_id, wrong, ImportType="EXISTING_KEY_MATERIAL")
        self.assertClientError(c, "IncorrectKeyMaterialException")
        self.kms.rotate_key_on_demand(KeyId=key_id)
        # deleting the older, non-current material by id makes the key pending import
        self.kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId=m1)
        md = self._describe(key_id)
        self.assertEqual(md["KeyState"], "PendingImport")
        self.assertEqual(md["CurrentKeyMaterialId"], m3)
        # re-imported by id (the id must be the one the bytes make)
        with self.assertRaises(ClientError) as c:
            self._import(key_id, first, ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=m3)
        self.assertClientError(c, "IncorrectKeyMaterialException")
        self._import(key_id, first, ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=m1)
        self.assertEqual(self._describe(key_id)["KeyState"], "Enabled")
        self._decrypts(c1, b"still fine", m1)

    def test_bad_description_and_non_symmetric_keys(self):
        key_id = self._key()
        with self.assertRaises(ClientError) as c:
            self._import(key_id, os.urandom(32), KeyMaterialDescription="no <html> here")
        self.assertClientError(c, "ValidationException", 400)
        hmac = self._key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        with self.assertRaises(ClientError) as c:
            self._import(hmac, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
        self.assertClientError(c, "ValidationException", 400)
        self._import(hmac, os.urandom(32))
        with self.assertRaises(ClientError) as c:
            self.kms.rotate_key_on_demand(KeyId=hmac)
        self.assertClientError(c, "UnsupportedOperationException")
        with self.assertRaises(ClientError) as c:
            self.kms.list_key_rotations(KeyId=hmac)
        self.assertClientError(c, "UnsupportedOperationException")

    def test_attacks_on_the_import_request(self):
        key_id = self._key()
        material = os.urandom(32)
        token, wrapped = self._wrapped(key_id, material)
        for bad in ({"ImportType": "new_key_material"},  # enum values are exact
                    {"KeyMaterialDescription": "d" * 257},
                    {"ExpirationModel": "KEY_MATERIAL_EXPIRES",
                     "ValidTo": datetime.datetime.now(datetime.timezone.utc)
                     + datetime.timedelta(days=400)}):
            with self.subTest(bad=list(bad)):
                kw = {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE", **bad}
                with self.assertRaises(ClientError) as c:
                    self.kms.import_key_material(KeyId=key_id, ImportToken=token,
                                                 EncryptedKeyMaterial=wrapped, **kw)
                self.assertClientError(c, "ValidationException", 400)
        # a key of another account, named by ARN, is not found here
        other = f"arn:aws:kms:us-east-1:999999999999:key/{key_id}"
        with self.assertRaises(ClientError) as c:
            self.kms.import_key_material(KeyId=other, ImportToken=token,
                                         EncryptedKeyMaterial=wrapped,
                                         ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.assertClientError(c, "NotFoundException")
        self.kms.import_key_material(KeyId=key_id, ImportToken=token, EncryptedKeyMaterial=wrapped,
                                     ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        # a token serves one import: replayed (even to add new material) it is refused
        with self.assertRaises(ClientError) as c:
            self.kms.import_key_material(KeyId=key_id, ImportToken=token,
                                         EncryptedKeyMaterial=wrapped,
                                         ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
                                         ImportType="NEW_KEY_MATERIAL")
        self.assertClientError(c, "InvalidImportTokenException")
        # an id in upper case is not the key's material
        mid = self._rotations(key_id)[0]["KeyMaterialId"]
        with self.assertRaises(ClientError) as c:
            self.kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId=mid.upper())
        self.assertIn(c.exception.response["Error"]["Code"],
                      ("NotFoundException", "ValidationException"))
        self.assertEqual(self._describe(key_id)["KeyState"], "Enabled")

    def test_rotation_is_authorized_by_its_own_action(self):
        iam = self.server.client("iam")
        name = "import-rotator-" + os.urandom(4).hex()
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(
            allow(["kms:GetParametersForImport", "kms:ImportKeyMaterial",
                   "kms:ListKeyRotations"])))
        k = iam.create_access_key(UserName=name)["AccessKey"]
        user = self.server.client("kms", creds=(k["AccessKeyId"], k["SecretAccessKey"]))
        key_id = self._key()
        self._import(key_id, os.urandom(32))
        self._import(key_id, os.urandom(32), kms=user, ImportType="NEW_KEY_MATERIAL")
        self.assertEqual(len(user.list_key_rotations(
            KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]), 2)
        with self.assertRaises(ClientError) as c:
            user.rotate_key_on_demand(KeyId=key_id)
        self.assertClientError(c, "AccessDeniedException")
        with self.assertRaises(ClientError) as c:
            user.delete_imported_key_material(KeyId=key_id)
        self.assertClientError(c, "AccessDeniedException")
        # nothing changed
        self.assertEqual(self._describe(key_id)["KeyState"], "Enabled")
        states = sorted(r["KeyMaterialState"] for r in self._rotations(key_id))
        self.assertEqual(states, ["CURRENT", "PENDING_ROTATION"])

    def test_cli_rotate_and_list(self):
        key_id = self._key()
        self._import(key_id, os.urandom(32))
        token, wrapped = self._wrapped(key_id, os.urandom(32))
        r = self.server.aws("kms", "import-key-material", "--key-id", key_id,
                            "--import-token", "fileb://" + self._path("token.bin", token),
                            "--encrypted-key-material",
                            "fileb://" + self._path("material.bin", wrapped),
                            "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE",
                            "--import-type", "NEW_KEY_MATERIAL",
                            "--key-material-description", "from the CLI")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.aws("kms", "list-key-rotations", "--key-id", key_id,
                            "--include-key-material", "ALL_KEY_MATERIAL")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PENDING_ROTATION", r.stdout)
        self.assertIn("from the CLI", r.stdout)
        r = self.server.aws("kms", "rotate-key-on-demand", "--key-id", key_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.aws("kms", "rotate-key-on-demand", "--key-id", key_id)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("(KMSInvalidStateException)", r.stderr)
        r = self.server.aws("kms", "list-key-rotations", "--key-id", key_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ON_DEMAND", r.stdout)


if __name__ == "__main__":
    unittest.main()
