"""Imported key material (Origin EXTERNAL) through boto3 and the aws CLI, and
the size limit of the encryption context.

Re-import: AWS lets only the SAME key material back into a KMS key ("you can
reimport the same key material into that KMS key, but you cannot import
different key material"), also after DeleteImportedKeyMaterial, and keeps the
key material id: DescribeKey still shows CurrentKeyMaterialId after the
deletion, and ciphertexts made before it decrypt again once the same bytes
are back. Different bytes are refused with IncorrectKeyMaterialException —
otherwise whoever knows the new bytes reads everything encrypted after the
swap while the old ciphertexts are lost.

Encryption context: at most 8192 bytes (keys and values together, UTF-8) on
every operation that takes one, and at most 8 pairs / 384 characters in a
grant constraint; anything larger is a ValidationException, answered before
the request is authorized (a context of 150+ pairs once overflowed the
authorization context)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase

CONTEXT_MAX = 8192


def _openssl(*args, data=None):
    if not shutil.which("openssl"):
        raise unittest.SkipTest("the openssl CLI is not installed")
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True)


def _context(total, pairs=2):
    """A context of `pairs` pairs whose keys and values add up to `total` bytes."""
    ctx = {}
    per = total // pairs
    for i in range(pairs):
        key = f"k{i:04d}"
        size = per if i < pairs - 1 else total - per * (pairs - 1)
        ctx[key] = "v" * (size - len(key))
    assert sum(len(k) + len(v) for k, v in ctx.items()) == total
    return ctx


class KmsImportTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kms = cls.server.client("kms")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bw-kmsi-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _path(self, name, data):
        p = os.path.join(self.tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def _external_key(self, **kw):
        md = self.kms.create_key(Origin="EXTERNAL", **kw)["KeyMetadata"]
        self.assertEqual(md["KeyState"], "PendingImport")
        return md["KeyId"]

    def _wrapped(self, key_id, material):
        """(import token, material wrapped with RSAES_OAEP_SHA_256 by openssl)."""
        params = self.kms.get_parameters_for_import(KeyId=key_id,
                                                    WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                                    WrappingKeySpec="RSA_2048")
        pub = self._path("wrap.der", params["PublicKey"])
        wrapped = _openssl("pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", pub,
                           "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt",
                           "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256",
                           data=material).stdout
        return params["ImportToken"], wrapped

    def _import(self, key_id, material, **kw):
        token, wrapped = self._wrapped(key_id, material)
        kw.setdefault("ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE")
        return self.kms.import_key_material(KeyId=key_id, ImportToken=token,
                                            EncryptedKeyMaterial=wrapped, **kw)

    def _describe(self, key_id):
        return self.kms.describe_key(KeyId=key_id)["KeyMetadata"]

    # ---- re-import ---------------------------------------------------------

    def test_reimport_of_different_material_after_delete_is_refused(self):
        key_id = self._external_key()
        first = os.urandom(32)
        self._import(key_id, first)
        enc = self.kms.encrypt(KeyId=key_id, Plaintext=b"before the swap")
        self.kms.delete_imported_key_material(KeyId=key_id)
        with self.assertRaises(ClientError) as c:
            self._import(key_id, os.urandom(32))
        self.assertClientError(c, "IncorrectKeyMaterialException", 400)
        # the key stays without material: nothing encrypts under the new bytes
        self.assertEqual(self._describe(key_id)["KeyState"], "PendingImport")
        with self.assertRaises(ClientError) as c:
            self.kms.encrypt(KeyId=key_id, Plaintext=b"after the swap")
        self.assertClientError(c, "KMSInvalidStateException")
        # and the right bytes still bring the old ciphertext back
        self._import(key_id, first)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"],
                         b"before the swap")

    def test_reimport_of_same_material_restores_old_ciphertexts(self):
        key_id = self._external_key()
        material = os.urandom(32)
        out = self._import(key_id, material)
        mid = out["KeyMaterialId"]
        self.assertRegex(mid, r"^[0-9a-f]{64}$")  # AWS's BackingKeyIdType
        md = self._describe(key_id)
        self.assertEqual(md["CurrentKeyMaterialId"], mid)
        ctx = {"purpose": "reimport"}
        enc = self.kms.encrypt(KeyId=key_id, Plaintext=b"made before the deletion",
                               EncryptionContext=ctx)
        dk = self.kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
        deleted = self.kms.delete_imported_key_material(KeyId=key_id)
        self.assertEqual(deleted["KeyMaterialId"], mid)
        md = self._describe(key_id)
        self.assertEqual(md["KeyState"], "PendingImport")
        self.assertEqual(md["CurrentKeyMaterialId"], mid, "AWS keeps CurrentKeyMaterialId")
        with self.assertRaises(ClientError) as c:
            self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)
        self.assertClientError(c, "KMSInvalidStateException")
        again = self._import(key_id, material)
        self.assertEqual(again["KeyMaterialId"], mid)
        md = self._describe(key_id)
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["CurrentKeyMaterialId"], mid)
        dec = self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)
        self.assertEqual(dec["Plaintext"], b"made before the deletion")
        self.assertEqual(dec["KeyMaterialId"], mid)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"],
                         dk["Plaintext"])
        # what is encrypted now is under the same material too
        enc2 = self.kms.encrypt(KeyId=key_id, Plaintext=b"after")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=enc2["CiphertextBlob"])["KeyMaterialId"],
                         mid)

    def test_reimport_after_expiry_and_to_change_expiration(self):
        key_id = self._external_key()
        material = os.urandom(32)
        mid = self._import(key_id, material)["KeyMaterialId"]
        enc = self.kms.encrypt(KeyId=key_id, Plaintext=b"x")
        # re-importing the same bytes changes the expiration, keeps the id
        import datetime
        valid_to = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
        out = self._import(key_id, material, ExpirationModel="KEY_MATERIAL_EXPIRES",
                           ValidTo=valid_to)
        self.assertEqual(out["KeyMaterialId"], mid)
        md = self._describe(key_id)
        self.assertEqual(md["ExpirationModel"], "KEY_MATERIAL_EXPIRES")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"],
                         b"x")
        # other bytes are refused while the material is there as well
        with self.assertRaises(ClientError) as c:
            self._import(key_id, os.urandom(32))
        self.assertClientError(c, "IncorrectKeyMaterialException")

    def test_two_keys_with_the_same_material_have_different_ids(self):
        material = os.urandom(32)
        a, b = self._external_key(), self._external_key()
        mid_a = self._import(a, material)["KeyMaterialId"]
        mid_b = self._import(b, material)["KeyMaterialId"]
        self.assertNotEqual(mid_a, mid_b)

    def test_hmac_key_reimport(self):
        key_id = self._external_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        material = os.urandom(32)
        self._import(key_id, material)
        mac = self.kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")
        self.kms.delete_imported_key_material(KeyId=key_id)
        with self.assertRaises(ClientError) as c:
            self._import(key_id, os.urandom(32))
        self.assertClientError(c, "IncorrectKeyMaterialException")
        self._import(key_id, material)
        ok = self.kms.verify_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256",
                                 Mac=mac["Mac"])
        self.assertTrue(ok["MacValid"])

    def test_import_type_and_key_material_id(self):
        key_id = self._external_key()
        material = os.urandom(32)
        # EXISTING_KEY_MATERIAL needs material imported before
        with self.assertRaises(ClientError) as c:
            self._import(key_id, material, ImportType="EXISTING_KEY_MATERIAL")
        self.assertClientError(c, "IncorrectKeyMaterialException")
        # NEW_KEY_MATERIAL is the first import's type
        mid = self._import(key_id, material, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
        # NEW_KEY_MATERIAL again adds a material pending rotation (kept out of
        # this test: test_kms_import_rotation.py); the same bytes again are
        # not new
        with self.assertRaises(ClientError) as c:
            self._import(key_id, material, ImportType="NEW_KEY_MATERIAL")
        self.assertClientError(c, "IncorrectKeyMaterialException")
        # a KeyMaterialId the bytes do not make is refused, and one the key
        # does not have is not found
        with self.assertRaises(ClientError) as c:
            self.kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId="0" * 64)
        self.assertClientError(c, "NotFoundException")
        self.kms.delete_imported_key_material(KeyId=key_id)
        with self.assertRaises(ClientError) as c:
            self._import(key_id, material, ImportType="EXISTING_KEY_MATERIAL",
                         KeyMaterialId="0" * 64)
        self.assertClientError(c, "IncorrectKeyMaterialException")
        out = self._import(key_id, material, ImportType="EXISTING_KEY_MATERIAL")
        self.assertEqual(out["KeyMaterialId"], mid)
        # the id the key reports names its material
        self.kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId=mid)
        out = self._import(key_id, material, ImportType="EXISTING_KEY_MATERIAL",
                           KeyMaterialId=mid)
        self.assertEqual(out["KeyMaterialId"], mid)

    def test_cli_reimport_of_different_material(self):
        key_id = self._external_key()
        self._import(key_id, os.urandom(32))
        self.kms.delete_imported_key_material(KeyId=key_id)
        token, wrapped = self._wrapped(key_id, os.urandom(32))
        r = self.server.aws("kms", "import-key-material", "--key-id", key_id,
                            "--import-token", "fileb://" + self._path("token.bin", token),
                            "--encrypted-key-material",
                            "fileb://" + self._path("material.bin", wrapped),
                            "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("(IncorrectKeyMaterialException)", r.stderr)

    # ---- the encryption context's size ---------------------------------------

    def _sym_key(self):
        return self.kms.create_key()["KeyMetadata"]["KeyId"]

    def test_context_at_the_limit_works(self):
        key_id = self._sym_key()
        ctx = _context(CONTEXT_MAX)
        enc = self.kms.encrypt(KeyId=key_id, Plaintext=b"at the limit", EncryptionContext=ctx)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"],
                                          EncryptionContext=ctx)["Plaintext"], b"at the limit")
        dk = self.kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=ctx)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"],
                                          EncryptionContext=ctx)["Plaintext"], dk["Plaintext"])
        re = self.kms.re_encrypt(CiphertextBlob=enc["CiphertextBlob"],
                                 SourceEncryptionContext=ctx, DestinationKeyId=key_id,
                                 DestinationEncryptionContext=ctx)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=re["CiphertextBlob"],
                                          EncryptionContext=ctx)["Plaintext"], b"at the limit")

    def test_context_over_the_limit_is_refused(self):
        key_id = self._sym_key()
        over = _context(CONTEXT_MAX + 1)
        with self.assertRaises(ClientError) as c:
            self.kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=over)
        self.assertClientError(c, "ValidationException", 400)
        with self.assertRaises(ClientError) as c:
            self.kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=over)
        self.assertClientError(c, "ValidationException", 400)
        # multi-byte characters count in bytes
        wide = {"k": "\u00e9" * (CONTEXT_MAX // 2)}
        with self.assertRaises(ClientError) as c:
            self.kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=wide)
        self.assertClientError(c, "ValidationException")
        enc = self.kms.encrypt(KeyId=key_id, Plaintext=b"x")
        calls = [
            lambda: self.kms.generate_data_key_without_plaintext(
                KeyId=key_id, KeySpec="AES_256", EncryptionContext=over),
            lambda: self.kms.generate_data_key_pair(
                KeyId=key_id, KeyPairSpec="ECC_NIST_P256", EncryptionContext=over),
            lambda: self.kms.generate_data_key_pair_without_plaintext(
                KeyId=key_id, KeyPairSpec="ECC_NIST_P256", EncryptionContext=over),
            lambda: self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"],
                                     EncryptionContext=over),
            lambda: self.kms.re_encrypt(CiphertextBlob=enc["CiphertextBlob"],
                                        SourceEncryptionContext=over,
                                        DestinationKeyId=key_id),
            lambda: self.kms.re_encrypt(CiphertextBlob=enc["CiphertextBlob"],
                                        DestinationKeyId=key_id,
                                        DestinationEncryptionContext=over),
        ]
        for i, call in enumerate(calls):
            with self.subTest(call=i):
                with self.assertRaises(ClientError) as c:
                    call()
                self.assertClientError(c, "ValidationException", 400)

    def test_many_pairs_over_the_limit_are_refused_before_authorization(self):
        key_id = self._sym_key()
        many = {f"key-{i:04d}": "v" * 60 for i in range(160)}
        self.assertGreater(sum(len(k) + len(v) for k, v in many.items()), CONTEXT_MAX)
        with self.assertRaises(ClientError) as c:
            self.kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=many)
        self.assertClientError(c, "ValidationException", 400)
        # a caller with no permission at all gets the same answer: the size is
        # checked before anything is evaluated
        iam = self.server.client("iam")
        iam.create_user(UserName="ctx-nobody")
        ak = iam.create_access_key(UserName="ctx-nobody")["AccessKey"]
        nobody = self.server.client("kms", creds=(ak["AccessKeyId"], ak["SecretAccessKey"]))
        with self.assertRaises(ClientError) as c:
            nobody.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=many)
        self.assertClientError(c, "ValidationException", 400)
        with self.assertRaises(ClientError) as c:
            nobody.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"a": "b"})
        self.assertClientError(c, "AccessDeniedException")

    def test_grant_constraint_limits(self):
        key_id = self._sym_key()
        grantee = f"arn:aws:iam::{self.server.account_id}:root"
        eight = {f"k{i}": "v" for i in range(8)}
        self.kms.create_grant(KeyId=key_id, GranteePrincipal=grantee, Operations=["Decrypt"],
                              Constraints={"EncryptionContextEquals": eight})
        nine = dict(eight, k8="v")
        with self.assertRaises(ClientError) as c:
            self.kms.create_grant(KeyId=key_id, GranteePrincipal=grantee,
                                  Operations=["Decrypt"],
                                  Constraints={"EncryptionContextSubset": nine})
        self.assertClientError(c, "ValidationException", 400)
        long_value = {"k": "v" * 384}
        with self.assertRaises(ClientError) as c:
            self.kms.create_grant(KeyId=key_id, GranteePrincipal=grantee,
                                  Operations=["Decrypt"],
                                  Constraints={"EncryptionContextEquals": long_value})
        self.assertClientError(c, "ValidationException", 400)

    def test_cli_context_over_the_limit(self):
        key_id = self._sym_key()
        ctx = self._path("ctx.json", json.dumps(_context(CONTEXT_MAX + 1)).encode())
        r = self.server.aws("kms", "encrypt", "--key-id", key_id, "--plaintext",
                            "fileb://" + self._path("pt.bin", b"x"),
                            "--encryption-context", "file://" + ctx)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("(ValidationException)", r.stderr)


if __name__ == "__main__":
    unittest.main()
