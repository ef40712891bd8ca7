"""Asymmetric key material imported into EXTERNAL KMS keys, through boto3 and
the aws CLI, checked with the public half of the key held locally (Python
`cryptography`).

AWS: the material of an RSA or ECC key is its private key as PKCS#8 DER, of
exactly the key's spec; "To import an RSA private key, you must use an
RSA_AES wrapping algorithm" (RSA-OAEP of an ephemeral AES key, then the
material under AES key wrap with padding, RFC 5649); "You cannot use an
RSA_2048 public key to directly wrap an ECC_NIST_P521 private key". Only one
material is ever associated with an asymmetric key, and its import takes no
ImportType, KeyMaterialId or KeyMaterialDescription (symmetric keys only)."""
import os
import shutil
import tempfile
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding
except ImportError:  # pragma: no cover
    hashes = None

CURVES = {
    "ECC_NIST_P256": ("SECP256R1", "ECDSA_SHA_256", "SHA256"),
    "ECC_NIST_P384": ("SECP384R1", "ECDSA_SHA_384", "SHA384"),
    "ECC_NIST_P521": ("SECP521R1", "ECDSA_SHA_512", "SHA512"),
    "ECC_SECG_P256K1": ("SECP256K1", "ECDSA_SHA_256", "SHA256"),
}


def _pkcs8(key):
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _spki(key):
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def _ec_key(spec):
    return ec.generate_private_key(getattr(ec, CURVES[spec][0])())


def _rsa_key(bits):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _wrap(public_der, algorithm, material):
    """EncryptedKeyMaterial as KMS defines each wrapping algorithm."""
    pub = serialization.load_der_public_key(public_der)
    md = hashes.SHA256() if algorithm.endswith("SHA_256") else hashes.SHA1()
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=md), algorithm=md, label=None)
    if algorithm.startswith("RSAES_OAEP"):
        return pub.encrypt(material, oaep)
    aes = os.urandom(32)
    return pub.encrypt(aes, oaep) + aes_key_wrap_with_padding(aes, material)


class KmsImportAsymTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        if hashes is None:
            raise unittest.SkipTest("Python cryptography is not installed")
        super().setUpClass()
        cls.kms = cls.server.client("kms")

    def _key(self, spec, usage="SIGN_VERIFY"):
        md = self.kms.create_key(Origin="EXTERNAL", KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
        self.assertEqual(md["KeyState"], "PendingImport")
        return md["KeyId"]

    def _import(self, key_id, material, algorithm="RSA_AES_KEY_WRAP_SHA_256",
                wrapping="RSA_4096", **kw):
        params = self.kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm,
                                                    WrappingKeySpec=wrapping)
        return self.kms.import_key_material(
            KeyId=key_id, ImportToken=params["ImportToken"],
            EncryptedKeyMaterial=_wrap(params["PublicKey"], algorithm, material),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", **kw)

    # ---- RSA ------------------------------------------------------------------

    def test_rsa_signing_key_signs_with_the_imported_key(self):
        for bits, wrap_alg in ((2048, "RSA_AES_KEY_WRAP_SHA_256"), (3072, "RSA_AES_KEY_WRAP_SHA_1")):
            with self.subTest(bits=bits):
                local = _rsa_key(bits)
                key_id = self._key(f"RSA_{bits}")
                with self.assertRaises(ClientError) as c:
                    self.kms.sign(KeyId=key_id, Message=b"m",
                                  SigningAlgorithm="RSASSA_PSS_SHA_256")
                self.assertClientError(c, "KMSInvalidStateException")
                out = self._import(key_id, _pkcs8(local), algorithm=wrap_alg)
                self.assertEqual(self.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"],
                                 "Enabled")
                self.assertNotIn("CurrentKeyMaterialId",
                                 self.kms.describe_key(KeyId=key_id)["KeyMetadata"])
                self.assertRegex(out["KeyMaterialId"], r"^[0-9a-f]+$")
                pub = self.kms.get_public_key(KeyId=key_id)
                self.assertEqual(pub["PublicKey"], _spki(local))
                self.assertEqual(pub["KeySpec"], f"RSA_{bits}")
                msg = b"signed by KMS with imported material"
                sig = self.kms.sign(KeyId=key_id, Message=msg,
                                    SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
                local.public_key().verify(
                    sig, msg, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                          salt_length=32), hashes.SHA256())
                sig = self.kms.sign(KeyId=key_id, Message=msg,
                                    SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_384")["Signature"]
                local.public_key().verify(sig, msg, padding.PKCS1v15(), hashes.SHA384())
                # signed locally, verified by KMS
                mine = local.sign(msg, padding.PKCS1v15(), hashes.SHA256())
                ok = self.kms.verify(KeyId=key_id, Message=msg, Signature=mine,
                                     SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")
                self.assertTrue(ok["SignatureValid"])

    def test_rsa_encryption_key_decrypts_what_its_public_half_encrypted(self):
        local = _rsa_key(3072)
        key_id = self._key("RSA_3072", "ENCRYPT_DECRYPT")
        self._import(key_id, _pkcs8(local), wrapping="RSA_2048")
        oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                            label=None)
        blob = local.public_key().encrypt(b"for the imported key", oaep)
        out = self.kms.decrypt(KeyId=key_id, CiphertextBlob=blob,
                               EncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.assertEqual(out["Plaintext"], b"for the imported key")
        blob = self.kms.encrypt(KeyId=key_id, Plaintext=b"back",
                                EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
        self.assertEqual(local.decrypt(blob, oaep), b"back")

    def test_rsa_4096(self):
        local = _rsa_key(4096)
        key_id = self._key("RSA_4096")
        self._import(key_id, _pkcs8(local), wrapping="RSA_3072")
        sig = self.kms.sign(KeyId=key_id, Message=b"x",
                            SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_512")["Signature"]
        local.public_key().verify(sig, b"x", padding.PKCS1v15(), hashes.SHA512())

    def test_rsa_material_needs_an_rsa_aes_wrapping_algorithm(self):
        key_id = self._key("RSA_2048")
        for alg in ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"):
            with self.assertRaises(ClientError) as c:
                self.kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=alg,
                                                   WrappingKeySpec="RSA_4096")
            self.assertClientError(c, "ValidationException", 400)

    # ---- ECC ------------------------------------------------------------------

    def test_ecc_keys_sign_with_the_imported_key(self):
        for spec, (_, alg, md) in CURVES.items():
            with self.subTest(spec=spec):
                local = _ec_key(spec)
                key_id = self._key(spec)
                # ECC material is small enough for RSAES_OAEP directly
                self._import(key_id, _pkcs8(local), algorithm="RSAES_OAEP_SHA_256",
                             wrapping="RSA_3072")
                self.assertEqual(self.kms.get_public_key(KeyId=key_id)["PublicKey"],
                                 _spki(local))
                msg = b"ecdsa over imported material"
                sig = self.kms.sign(KeyId=key_id, Message=msg, SigningAlgorithm=alg)["Signature"]
                local.public_key().verify(sig, msg, ec.ECDSA(getattr(hashes, md)()))
                mine = local.sign(msg, ec.ECDSA(getattr(hashes, md)()))
                self.assertTrue(self.kms.verify(KeyId=key_id, Message=msg, Signature=mine,
                                                SigningAlgorithm=alg)["SignatureValid"])

    def test_p521_cannot_be_wrapped_directly_by_rsa_2048(self):
        key_id = self._key("ECC_NIST_P521")
        with self.assertRaises(ClientError) as c:
            self.kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_1",
                                               WrappingKeySpec="RSA_2048")
        self.assertClientError(c, "ValidationException", 400)
        # RSA_AES with the same wrapping key spec is fine
        local = _ec_key("ECC_NIST_P521")
        self._import(key_id, _pkcs8(local), wrapping="RSA_2048")
        self.assertEqual(self.kms.get_public_key(KeyId=key_id)["PublicKey"], _spki(local))

    # ---- material that is not the key's ---------------------------------------

    def test_material_of_another_spec_is_refused(self):
        cases = [
            ("RSA_2048", _pkcs8(_rsa_key(3072))),
            ("RSA_3072", _pkcs8(_rsa_key(2048))),
            ("RSA_2048", _pkcs8(_ec_key("ECC_NIST_P256"))),
            ("ECC_NIST_P256", _pkcs8(_ec_key("ECC_NIST_P384"))),
            ("ECC_NIST_P256", _pkcs8(_ec_key("ECC_SECG_P256K1"))),
            ("ECC_SECG_P256K1", _pkcs8(_ec_key("ECC_NIST_P256"))),
            ("ECC_NIST_P384", _pkcs8(_rsa_key(2048))),
            ("ECC_NIST_P256", os.urandom(32)),
            # the traditional (PKCS#1) encoding is not PKCS#8
            ("RSA_2048", _rsa_key(2048).private_bytes(serialization.Encoding.DER,
                                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                                      serialization.NoEncryption())),
            # PKCS#8 with bytes after it
            ("ECC_NIST_P256", _pkcs8(_ec_key("ECC_NIST_P256")) + b"\x00"),
        ]
        for spec, material in cases:
            with self.subTest(spec=spec, size=len(material)):
                key_id = self._key(spec)
                with self.assertRaises(ClientError) as c:
                    self._import(key_id, material)
                self.assertClientError(c, "IncorrectKeyMaterialException", 400)
                md = self.kms.describe_key(KeyId=key_id)["KeyMetadata"]
                self.assertEqual(md["KeyState"], "PendingImport")

    def test_only_the_same_key_goes_back_in(self):
        local = _ec_key("ECC_NIST_P256")
        key_id = self._key("ECC_NIST_P256")
        mid = self._import(key_id, _pkcs8(local))["KeyMaterialId"]
        sig = self.kms.sign(KeyId=key_id, Message=b"before",
                            SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        # another key of the right spec is other material, deleted or not
        with self.assertRaises(ClientError) as c:
            self._import(key_id, _pkcs8(_ec_key("ECC_NIST_P256")))
        self.assertClientError(c, "IncorrectKeyMaterialException")
        deleted = self.kms.delete_imported_key_material(KeyId=key_id)
        self.assertEqual(deleted["KeyMaterialId"], mid)
        self.assertEqual(self.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"],
                         "PendingImport")
        for call in (lambda: self.kms.get_public_key(KeyId=key_id),
                     lambda: self.kms.sign(KeyId=key_id, Message=b"m",
                                           SigningAlgorithm="ECDSA_SHA_256")):
            with self.assertRaises(ClientError) as c:
                call()
            self.assertClientError(c, "KMSInvalidStateException")
        with self.assertRaises(ClientError) as c:
            self._import(key_id, _pkcs8(_ec_key("ECC_NIST_P256")))
        self.assertClientError(c, "IncorrectKeyMaterialException")
        # the same private key comes back, under the same id
        again = self._import(key_id, _pkcs8(local), algorithm="RSA_AES_KEY_WRAP_SHA_1",
                             wrapping="RSA_2048")
        self.assertEqual(again["KeyMaterialId"], mid)
        self.assertTrue(self.kms.verify(KeyId=key_id, Message=b"before", Signature=sig,
                                        SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"])

    def test_import_type_and_material_ids_are_for_symmetric_keys(self):
        local = _ec_key("ECC_NIST_P256")
        key_id = self._key("ECC_NIST_P256")
        for extra in ({"ImportType": "NEW_KEY_MATERIAL"},
                      {"ImportType": "EXISTING_KEY_MATERIAL"},
                      {"KeyMaterialDescription": "first"}):
            with self.subTest(extra=extra):
                with self.assertRaises(ClientError) as c:
                    self._import(key_id, _pkcs8(local), **extra)
                self.assertClientError(c, "ValidationException", 400)
        self._import(key_id, _pkcs8(local))
        # asymmetric keys do not rotate, imported or not
        with self.assertRaises(ClientError) as c:
            self.kms.rotate_key_on_demand(KeyId=key_id)
        self.assertClientError(c, "UnsupportedOperationException")

    def test_a_token_of_another_key_is_refused(self):
        a, b = self._key("ECC_NIST_P256"), self._key("ECC_NIST_P256")
        params = self.kms.get_parameters_for_import(KeyId=a, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                                    WrappingKeySpec="RSA_2048")
        blob = _wrap(params["PublicKey"], "RSAES_OAEP_SHA_256", _pkcs8(_ec_key("ECC_NIST_P256")))
        with self.assertRaises(ClientError) as c:
            self.kms.import_key_material(KeyId=b, ImportToken=params["ImportToken"],
                                         EncryptedKeyMaterial=blob,
                                         ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.assertClientError(c, "InvalidImportTokenException")

    # ---- the aws CLI ------------------------------------------------------------

    def test_cli_import_and_sign(self):
        tmp = tempfile.mkdtemp(prefix="bw-kmsa-")
        self.addCleanup(shutil.rmtree, tmp, True)
        local = _ec_key("ECC_NIST_P384")
        key_id = self._key("ECC_NIST_P384")
        params = self.kms.get_parameters_for_import(KeyId=key_id,
                                                    WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256",
                                                    WrappingKeySpec="RSA_3072")
        paths = {}
        for name, data in (("token", params["ImportToken"]),
                           ("material", _wrap(params["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256",
                                              _pkcs8(local))),
                           ("message", b"signed through the CLI")):
            paths[name] = os.path.join(tmp, name)
            with open(paths[name], "wb") as f:
                f.write(data)
        r = self.server.aws("kms", "import-key-material", "--key-id", key_id,
                            "--import-token", "fileb://" + paths["token"],
                            "--encrypted-key-material", "fileb://" + paths["material"],
                            "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.aws("kms", "sign", "--key-id", key_id, "--message",
                            "fileb://" + paths["message"], "--message-type", "RAW",
                            "--signing-algorithm", "ECDSA_SHA_384", "--query", "Signature",
                            "--output", "text")
        self.assertEqual(r.returncode, 0, r.stderr)
        import base64
        sig = base64.b64decode(r.stdout.strip())
        local.public_key().verify(sig, b"signed through the CLI", ec.ECDSA(hashes.SHA384()))
        # a second import of other bytes fails through the CLI too
        params = self.kms.get_parameters_for_import(KeyId=key_id,
                                                    WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256",
                                                    WrappingKeySpec="RSA_3072")
        with open(paths["token"], "wb") as f:
            f.write(params["ImportToken"])
        with open(paths["material"], "wb") as f:
            f.write(_wrap(params["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256",
                          _pkcs8(_ec_key("ECC_NIST_P384"))))
        r = self.server.aws("kms", "import-key-material", "--key-id", key_id,
                            "--import-token", "fileb://" + paths["token"],
                            "--encrypted-key-material", "fileb://" + paths["material"],
                            "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("(IncorrectKeyMaterialException)", r.stderr)


if __name__ == "__main__":
    unittest.main()
