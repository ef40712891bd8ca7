"""test_tls: TLS and plain HTTP on the same port (issue "Encryption in
transit", docs/decisions/0014-tls-on-the-same-port.md):

- with --tls-cert/--tls-key, boto3 and the aws CLI reach the server over
  https (the certificate checked against its CA), and plain http:// on the
  same port keeps working;
- aws:SecureTransport tells them apart: a Deny on "false" refuses the plain
  call and lets the encrypted one through; the trail records tlsDetails
  (tlsVersion, cipherSuite, clientProvidedHostHeader) for TLS calls only;
- --require-tls refuses plain HTTP (403) from the machine's own
  non-loopback address and still serves loopback in plain HTTP (the
  decision is unit-tested too: tests/unit/http/test_http_tls.c);
- a TLS handshake that stalls is closed by the head's timeout;
- bulwark init makes a local CA and a certificate for localhost, serve uses
  them without flags, and the aws CLI profile points at them.
"""
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import warnings

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import bwtest
from bwtest import REGION


def make_cert(directory):
    """A throwaway self-signed certificate for 127.0.0.1 and localhost."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def client(server, service, scheme, ca, creds=None):
    akid, secret, token = (tuple(creds) + (None,))[:3] if creds else server.root_creds()
    return boto3.client(service, endpoint_url=f"{scheme}://{server.addr}", region_name=REGION,
                        aws_access_key_id=akid, aws_secret_access_key=secret,
                        aws_session_token=token, verify=ca if scheme == "https" else None,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


class TlsTestCase(unittest.TestCase):
    extra = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bw-tls-")
        cls.cert, cls.key = make_cert(cls.tmp)
        cls.server = bwtest.Server("--tls-cert", cls.cert, "--tls-key", cls.key, *cls.extra)

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if rc != 0:
            tail = "\n".join(map(str, cls.server.lines[-40:]))
            raise AssertionError(f"bulwark exited with {rc}:\n{tail}")

    def sts(self, scheme):
        return client(self.server, "sts", scheme, self.cert)


class TestTlsBesidePlain(TlsTestCase):

    def test_boto3_over_https(self):
        got = self.sts("https").get_caller_identity()
        self.assertEqual(got["Account"], self.server.account_id)

    def test_plain_http_on_the_same_port(self):
        got = self.sts("http").get_caller_identity()
        self.assertEqual(got["Account"], self.server.account_id)

    def test_negotiates_tls13_and_tls12(self):
        for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            with self.subTest(version=version):
                ctx = ssl.create_default_context(cafile=self.cert)
                ctx.minimum_version = ctx.maximum_version = version
                with socket.create_connection((self.server.host, self.server.port), 10) as raw:
                    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                        self.assertEqual(s.version(), version.name.replace("v1_", "v1."))
                        s.sendall(b"GET /_bulwark/health HTTP/1.1\r\nHost: x\r\n"
                                  b"Connection: close\r\n\r\n")
                        data = b""
                        while chunk := s.recv(4096):
                            data += chunk
                self.assertTrue(data.startswith(b"HTTP/1.1 "), data[:100])

    def test_old_tls_refused(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            with warnings.catch_warnings():  # deprecated: which is the point
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        except (ValueError, ssl.SSLError):
            self.skipTest("this Python cannot offer TLS 1.1")
        with socket.create_connection((self.server.host, self.server.port), 10) as raw:
            with self.assertRaises((ssl.SSLError, OSError)):
                ctx.wrap_socket(raw, server_hostname="localhost")

    def test_untrusted_certificate_refused_by_client(self):
        sts = client(self.server, "sts", "https", True)  # the system CAs only
        with self.assertRaises(Exception) as cm:
            sts.get_caller_identity()
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(cm.exception))

    def test_aws_cli_with_ca_bundle(self):
        exe = shutil.which("aws")
        if not exe:
            self.skipTest("the aws CLI is not installed (scripts/deps.sh)")
        akid, secret, _ = self.server.root_creds()
        env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        r = subprocess.run([exe, "--endpoint-url", f"https://{self.server.addr}", "--ca-bundle",
                            self.cert, "--output", "json", "sts", "get-caller-identity"],
                           env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Account"], self.server.account_id)

    def test_secure_transport_condition(self):
        iam = client(self.server, "iam", "https", self.cert)
        iam.create_user(UserName="tls-only")
        iam.put_user_policy(UserName="tls-only", PolicyName="p", PolicyDocument=bwtest.policy(
            bwtest.allow("kms:ListKeys"),
            bwtest.deny("kms:ListKeys", Condition={"Bool": {"aws:SecureTransport": "false"}})))
        key = iam.create_access_key(UserName="tls-only")["AccessKey"]
        creds = (key["AccessKeyId"], key["SecretAccessKey"])
        deadline = time.monotonic() + 10
        while True:  # a fresh key may take a moment to be known
            try:
                client(self.server, "kms", "https", self.cert, creds).list_keys()
                break
            except ClientError as e:
                if time.monotonic() > deadline or \
                        e.response["Error"]["Code"] != "UnrecognizedClientException":
                    raise
                time.sleep(0.2)
        with self.assertRaises(ClientError) as cm:
            client(self.server, "kms", "http", None, creds).list_keys()
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDeniedException")

    def test_trail_tls_details(self):
        rid_tls = self.sts("https").get_caller_identity()["ResponseMetadata"]["RequestId"]
        rid_plain = self.sts("http").get_caller_identity()["ResponseMetadata"]["RequestId"]
        ct = client(self.server, "cloudtrail", "https", self.cert)
        found = {}
        deadline = time.monotonic() + 15
        while len(found) < 2 and time.monotonic() < deadline:
            for ev in ct.lookup_events(LookupAttributes=[{
                    "AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}])["Events"]:
                rec = json.loads(ev["CloudTrailEvent"])
                if rec.get("requestID") in (rid_tls, rid_plain):
                    found[rec["requestID"]] = rec
            time.sleep(0.2)
        self.assertIn(rid_tls, found)
        self.assertIn(rid_plain, found)
        tls = found[rid_tls]["tlsDetails"]
        self.assertIn(tls["tlsVersion"], ("TLSv1.2", "TLSv1.3"))
        self.assertTrue(tls["cipherSuite"])
        self.assertEqual(tls["clientProvidedHostHeader"], self.server.addr)
        self.assertNotIn("tlsDetails", found[rid_plain])

    def test_stalled_handshake_closed(self):
        """One byte of a handshake record, then nothing: the head's timeout
        (10 s by default) closes it, as it closes a stalled plain head."""
        with socket.create_connection((self.server.host, self.server.port), 30) as s:
            s.sendall(b"\x16")
            start = time.monotonic()
            s.settimeout(30)
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                data = b""
            took = time.monotonic() - start
        self.assertEqual(data, b"")
        self.assertLess(took, 20)
        self.assertGreater(took, 5)


def own_address():
    """This machine's address on its way out (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip


class TestRequireTls(TlsTestCase):
    """Listening on every address: a connection to the machine's own
    non-loopback address comes from that address, not from loopback, so
    --require-tls refuses it in plain HTTP."""
    extra = ("--require-tls", "--listen", "0.0.0.0:0")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.addr = f"127.0.0.1:{cls.server.port}"

    def test_flag_logged(self):
        line = self.server.wait_for_log(lambda l: l.get("msg") == "listening")
        self.assertTrue(line["tls"])
        self.assertTrue(line["require_tls"])

    def test_loopback_plain_still_served(self):
        self.assertEqual(self.sts("http").get_caller_identity()["Account"],
                         self.server.account_id)
        self.assertEqual(self.sts("https").get_caller_identity()["Account"],
                         self.server.account_id)

    def _get(self, ip, tls):
        with socket.create_connection((ip, self.server.port), 10) as raw:
            s = raw
            if tls:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False  # the certificate names loopback only
                ctx.verify_mode = ssl.CERT_NONE
                s = ctx.wrap_socket(raw, server_hostname="localhost")
            s.sendall(b"GET /_bulwark/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            try:
                while chunk := s.recv(4096):
                    data += chunk
            except (ConnectionResetError, ssl.SSLError):
                pass
            finally:
                if s is not raw:
                    s.close()
            return data

    def test_plain_refused_beyond_loopback(self):
        ip = own_address()
        if not ip:
            self.skipTest("no address but loopback")
        data = self._get(ip, tls=False)
        self.assertTrue(data.startswith(b"HTTP/1.1 403 "), data[:200])
        self.assertIn(b"TLS required", data)
        self.assertTrue(self._get(ip, tls=True).startswith(b"HTTP/1.1 200 "))
        self.assertTrue(self._get("127.0.0.1", tls=False).startswith(b"HTTP/1.1 200 "))


class TestInitCertificate(unittest.TestCase):

    def test_init_makes_ca_and_serve_uses_it(self):
        data = tempfile.mkdtemp(prefix="bw-tls-init-")
        server = bwtest.Server(data_dir=data)
        try:
            tls = os.path.join(data, "tls")
            self.assertEqual(os.stat(os.path.join(tls, "server.key")).st_mode & 0o777, 0o600)
            self.assertFalse(os.path.exists(os.path.join(tls, "ca.key")))
            line = server.wait_for_log(lambda l: l.get("msg") == "listening")
            self.assertTrue(line["tls"])
            ca = os.path.join(tls, "ca.pem")
            got = client(server, "sts", "https", ca).get_caller_identity()
            self.assertEqual(got["Account"], server.account_id)
            # localhost is in the certificate too
            sts = boto3.client("sts", endpoint_url=f"https://localhost:{server.port}",
                               region_name=REGION, verify=ca,
                               aws_access_key_id=server.root_creds()[0],
                               aws_secret_access_key=server.root_creds()[1])
            self.assertEqual(sts.get_caller_identity()["Account"], server.account_id)
        finally:
            self.assertEqual(server.stop(), 0)

    def test_init_profile_points_at_the_ca(self):
        exe = shutil.which("aws")
        tmp = tempfile.mkdtemp(prefix="bw-tls-profile-")
        data = os.path.join(tmp, "data")
        env = dict(os.environ, AWS_CONFIG_FILE=os.path.join(tmp, "config"),
                   AWS_SHARED_CREDENTIALS_FILE=os.path.join(tmp, "credentials"))
        env.pop("AWS_CA_BUNDLE", None)  # it would win over the profile's ca_bundle
        r = subprocess.run([bwtest.BIN, "init", "--data-dir", data], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(env["AWS_CONFIG_FILE"]) as f:
            config = f.read()
        ca = os.path.realpath(os.path.join(data, "tls", "ca.pem"))
        self.assertIn("endpoint_url = https://127.0.0.1:4566\n", config)
        self.assertIn(f"ca_bundle = {ca}\n", config)
        try:
            if not exe:
                self.skipTest("the aws CLI is not installed (scripts/deps.sh)")
            server = bwtest.Server.__new__(bwtest.Server)
            server.data_dir = data
            server._args = [bwtest.BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", data,
                            "--threads", "1"]
            server._start()
            try:
                env["AWS_PAGER"] = ""
                r = subprocess.run([exe, "--profile", "bulwark", "--endpoint-url",
                                    f"https://{server.addr}", "sts", "get-caller-identity"],
                                   env=env, capture_output=True, text=True, timeout=120)
                self.assertEqual(r.returncode, 0, r.stderr)
                # bulwark's own KMS client takes the same profile over TLS
                r = subprocess.run([exe, "--profile", "bulwark", "--endpoint-url",
                                    f"https://{server.addr}", "kms", "create-key", "--query",
                                    "KeyMetadata.KeyId", "--output", "text"],
                                   env=env, capture_output=True, text=True, timeout=120)
                self.assertEqual(r.returncode, 0, r.stderr)
                key = r.stdout.strip()
                plain = os.path.join(tmp, "plain.txt")
                with open(plain, "wb") as f:
                    f.write(b"over tls\n" * 1000)
                kenv = dict(env, AWS_PROFILE="bulwark")
                for args in (["encrypt-file", "--key-id", key, "--in", plain, "--out",
                              plain + ".enc"],
                             ["decrypt-file", "--in", plain + ".enc", "--out", plain + ".dec"]):
                    r = subprocess.run([bwtest.BIN, "kms", *args, "--endpoint-url",
                                        f"https://{server.addr}"], env=kenv,
                                       capture_output=True, text=True, timeout=60)
                    self.assertEqual(r.returncode, 0, r.stderr)
                with open(plain, "rb") as a, open(plain + ".dec", "rb") as b:
                    self.assertEqual(a.read(), b.read())
                # a server whose certificate the CA bundle does not vouch for is refused
                other = make_cert(tmp)[0]
                r = subprocess.run([bwtest.BIN, "kms", "decrypt-file", "--in", plain + ".enc",
                                    "--out", plain + ".x", "--endpoint-url",
                                    f"https://{server.addr}"],
                                   env=dict(kenv, AWS_CA_BUNDLE=other), capture_output=True,
                                   text=True, timeout=60)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("TLS", r.stderr)
                self.assertFalse(os.path.exists(plain + ".x"))
            finally:
                self.assertEqual(server.stop(keep=True), 0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_no_profile_writes_no_profile(self):
        tmp = tempfile.mkdtemp(prefix="bw-tls-noprof-")
        try:
            env = dict(os.environ, AWS_CONFIG_FILE=os.path.join(tmp, "config"),
                       AWS_SHARED_CREDENTIALS_FILE=os.path.join(tmp, "credentials"))
            r = subprocess.run([bwtest.BIN, "init", "--data-dir", os.path.join(tmp, "d"),
                                "--no-profile"], env=env, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(os.path.exists(env["AWS_CONFIG_FILE"]))
            self.assertTrue(os.path.exists(os.path.join(tmp, "d", "tls", "ca.pem")))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
