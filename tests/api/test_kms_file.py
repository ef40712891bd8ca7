"""`bulwark kms encrypt-file` / `decrypt-file` against a live server: a key
made with boto3, a 5 MiB random file encrypted with the CLI (credentials from
the environment) and decrypted back; a disabled key refused with
DisabledException; a tampered file, a changed stored context and the wrong
--context refused, leaving no output; credentials and endpoint from a
`bulwark` profile."""
import os
import shutil
import subprocess
import tempfile

from bwtest import BIN, REGION, ServerTestCase


class KmsFileTest(ServerTestCase):

    def setUp(self):
        self.kms = self.server.client("kms")
        self.dir = tempfile.mkdtemp(prefix="bw-kmsfile-")
        self.plain = os.path.join(self.dir, "plain.bin")
        with open(self.plain, "wb") as f:
            f.write(os.urandom(5 * 1024 * 1024 + 123))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    @staticmethod
    def read(path):
        with open(path, "rb") as f:
            return f.read()

    def path(self, name):
        return os.path.join(self.dir, name)

    def cli(self, *args, env_creds=True, endpoint=True, extra_env=None):
        """Run `bulwark kms ...` with the root's keys in the environment and
        no shared files (so the runner's ~/.aws never leaks in)."""
        akid, secret, _ = self.server.root_creds()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull)
        if env_creds:
            env.update(AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret)
        env.update(extra_env or {})
        cmd = [BIN, "kms", *args]
        if endpoint:
            cmd += ["--endpoint-url", self.server.endpoint]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)

    def encrypt(self, key_id, out="enc.bin", *context):
        args = ["encrypt-file", "--key-id", key_id, "--in", self.plain, "--out", self.path(out)]
        for c in context:
            args += ["--context", c]
        r = self.cli(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return self.path(out)

    def decrypt(self, enc, out="dec.bin", *context):
        args = ["decrypt-file", "--in", enc, "--out", self.path(out)]
        for c in context:
            args += ["--context", c]
        return self.cli(*args)

    def assertSamePlain(self, path):
        with open(self.plain, "rb") as a, open(path, "rb") as b:
            self.assertTrue(a.read() == b.read(), "decrypted file differs")

    def assertRefused(self, r, out="dec.bin", *needles):
        self.assertNotEqual(r.returncode, 0, "accepted")
        for n in needles:
            self.assertIn(n, r.stderr)
        self.assertFalse(os.path.exists(self.path(out)), "partial output left behind")
        self.assertEqual([f for f in os.listdir(self.dir) if ".tmp-" in f], [])

    def test_round_trip_5mib(self):
        key = self.kms.create_key(Description="file key")["KeyMetadata"]
        self.kms.create_alias(AliasName="alias/files", TargetKeyId=key["KeyId"])
        enc = self.encrypt("alias/files", "enc.bin", "purpose=test", "team=sec")
        blob = self.read(enc)
        self.assertEqual(blob[:8], b"BWKMSENC")
        self.assertIn(key["Arn"].encode(), blob[:512])  # the key ARN, resolved from the alias
        # header + 5 MiB + one 16-byte tag per 64 KiB chunk
        self.assertGreater(len(blob), os.path.getsize(self.plain) + 81 * 16)
        self.assertLess(len(blob), os.path.getsize(self.plain) + 81 * 16 + 1024)
        r = self.decrypt(enc, "dec.bin", "team=sec")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertSamePlain(self.path("dec.bin"))
        # the data key is bound to the context: another file's header differs
        enc2 = self.encrypt(key["KeyId"], "enc2.bin")
        self.assertNotEqual(self.read(enc2)[:200], blob[:200])

    def test_disabled_key_refused(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        enc = self.encrypt(key)
        self.kms.disable_key(KeyId=key)
        r = self.decrypt(enc)
        self.assertRefused(r, "dec.bin", "DisabledException", "Decrypt")
        r = self.cli("encrypt-file", "--key-id", key, "--in", self.plain, "--out",
                     self.path("enc-again.bin"))
        self.assertRefused(r, "enc-again.bin", "DisabledException", "GenerateDataKey")
        self.kms.enable_key(KeyId=key)
        r = self.decrypt(enc)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertSamePlain(self.path("dec.bin"))

    def test_tampered_file_refused(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        enc = self.encrypt(key)
        orig = self.read(enc)
        data, size = bytearray(orig), len(orig)
        data[size // 2] ^= 0x01
        with open(self.path("bad.bin"), "wb") as f:
            f.write(data)
        r = self.decrypt(self.path("bad.bin"))
        self.assertRefused(r, "dec.bin", "failed authentication")
        # cut at the last chunk boundary (the last chunk is 123 bytes + tag)
        with open(self.path("cut.bin"), "wb") as f:
            f.write(orig[:size - (123 + 16)])
        r = self.decrypt(self.path("cut.bin"))
        self.assertRefused(r, "dec.bin", "truncated")

    def test_context_bound(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        enc = self.encrypt(key, "enc.bin", "app=billing")
        r = self.decrypt(enc, "dec.bin", "app=payroll")
        self.assertRefused(r, "dec.bin", "does not match --context 'app=payroll'")
        # the stored context edited in place: KMS itself refuses the data key
        data = self.read(enc)
        i = data.index(b"billing")
        with open(self.path("edited.bin"), "wb") as f:
            f.write(data[:i] + b"payroll" + data[i + 7:])
        r = self.decrypt(self.path("edited.bin"), "dec.bin", "app=payroll")
        self.assertRefused(r, "dec.bin", "InvalidCiphertextException")
        r = self.decrypt(enc, "dec.bin", "app=billing")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_profile_credentials_and_endpoint(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        akid, secret, _ = self.server.root_creds()
        creds, config = self.path("credentials"), self.path("config")
        with open(creds, "w") as f:
            f.write(f"[default]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = x\n"
                    f"[bulwark]\naws_access_key_id = {akid}\n"
                    f"aws_secret_access_key = {secret}\n")
        with open(config, "w") as f:
            f.write(f"[profile bulwark]\nregion = {REGION}\n"
                    f"endpoint_url = {self.server.endpoint}\n")
        files = {"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": config}
        r = self.cli("encrypt-file", "--key-id", key, "--in", self.plain, "--out",
                     self.path("enc.bin"), env_creds=False, endpoint=False, extra_env=files)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("decrypt-file", "--in", self.path("enc.bin"), "--out", self.path("dec.bin"),
                     env_creds=False, endpoint=False, extra_env=files)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertSamePlain(self.path("dec.bin"))
        # AWS_PROFILE picks the other profile: its key is unknown to the server
        r = self.cli("decrypt-file", "--in", self.path("enc.bin"), "--out", self.path("d2.bin"),
                     env_creds=False, extra_env={**files, "AWS_PROFILE": "default"})
        self.assertRefused(r, "d2.bin", "UnrecognizedClientException")

    def test_clear_errors(self):
        r = self.cli("encrypt-file", "--key-id", "alias/none", "--in", self.plain, "--out",
                     self.path("x.bin"))
        self.assertRefused(r, "x.bin", "NotFoundException")
        r = self.cli("decrypt-file", "--in", self.plain, "--out", self.path("x.bin"))
        self.assertRefused(r, "x.bin", "not a bulwark encrypted file")
        r = self.cli("decrypt-file", "--in", self.plain, "--out", self.path("x.bin"),
                     env_creds=False)
        self.assertRefused(r, "x.bin", "no credentials")
        r2 = subprocess.run([BIN, "kms", "encrypt-file", "--key-id", "k", "--in", self.plain,
                             "--out", self.path("x.bin"), "--endpoint-url", "ftp://x"],
                            env={**os.environ, "AWS_ACCESS_KEY_ID": "a",
                                 "AWS_SECRET_ACCESS_KEY": "b"},
                            capture_output=True, text=True, timeout=30)
        self.assertRefused(r2, "x.bin", "expected http(s)://HOST[:PORT]")
