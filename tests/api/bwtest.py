"""bwtest: start a live `bulwark serve` on a random loopback port and drive it
with the real clients (boto3, the aws CLI). Shared by every API test."""
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("BULWARK_BIN") or os.path.join(HERE, "..", "..", "build-test", "bulwark")
REGION = "us-east-1"


def policy(*statements):
    """An IAM policy document (JSON text) of these statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def sign_at(when, akid, secret, service, host, body, headers, method="POST", path="/",
            payload_hash=None, token=None):
    """SigV4 headers by hand, at a chosen time (botocore always signs 'now'),
    over payload_hash when given (sent as x-amz-content-sha256: markers no SDK
    sends to these services), else over the body's own hash."""
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    hdrs = {"host": host, "x-amz-date": amz_date, **{k.lower(): v for k, v in headers.items()}}
    if payload_hash is not None:
        hdrs["x-amz-content-sha256"] = payload_hash
    if token:
        hdrs["x-amz-security-token"] = token
    signed = ";".join(sorted(hdrs))
    canonical = "\n".join([method, path, "", *(f"{k}:{hdrs[k].strip()}" for k in sorted(hdrs)),
                           "", signed, payload_hash or hashlib.sha256(body).hexdigest()])
    scope = f"{date}/{REGION}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, REGION, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    hdrs["authorization"] = (f"AWS4-HMAC-SHA256 Credential={akid}/{scope}, "
                             f"SignedHeaders={signed}, Signature={sig}")
    return hdrs


def sign_raw(host, akid, secret, service, body, headers, payload_hash, token=None):
    """The bytes of a POST / signed now over payload_hash (sign_at)."""
    hdrs = sign_at(datetime.datetime.now(datetime.timezone.utc), akid, secret, service, host,
                   body, headers, payload_hash=payload_hash, token=token)
    head = b"POST / HTTP/1.1\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in hdrs.items())
    return head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body


def init_data_dir(data_dir, *extra):
    """`bulwark init --json`: the account and the root's access key."""
    r = subprocess.run([BIN, "init", "--data-dir", data_dir, "--json", "--no-profile", *extra],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"bulwark init failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout)


class Server:
    """One bulwark process with its own temporary data directory."""

    def __init__(self, *extra_args, threads=2, data_dir=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="bw-api-")
        self.account = init_data_dir(self.data_dir)
        self.account_id = self.account["AccountId"]
        self._args = [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
                      "--threads", str(threads), *extra_args]
        self._start()

    def _start(self):
        self.lines = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(self._args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, errors="replace")
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        line = self.wait_for_log(lambda l: l.get("msg") == "listening", timeout=30)
        if line is None:
            self.proc.kill()
            raise RuntimeError("bulwark did not start:\n" + "\n".join(map(str, self.lines)))
        self.addr = line["addr"]
        self.host, self.port = self.addr.rsplit(":", 1)
        self.port = int(self.port)
        self.endpoint = f"http://{self.addr}"

    def crash(self):
        """kill -9, as a power cut or the OOM killer would."""
        self.proc.kill()
        self.proc.wait()
        self._reader.join(timeout=5)
        self.proc.stderr.close()

    def restart(self):
        """Serve the same data directory again (after crash() or a stop that
        kept it: stop(keep=True))."""
        self._start()

    def _read_log(self):
        for raw in self.proc.stderr:
            try:
                entry = json.loads(raw)
            except ValueError:
                entry = {"raw": raw.rstrip("\n")}
            with self._cond:
                self.lines.append(entry)
                self._cond.notify_all()

    def wait_for_log(self, pred, timeout=10):
        """The first log line (a dict) matching pred, waiting up to timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for entry in self.lines:
                    if pred(entry):
                        return entry
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._reader.is_alive():
                    return None
                self._cond.wait(min(left, 0.2))

    def client(self, service, validate=True, creds=None, **config):
        """A boto3 client; creds is (access key id, secret[, session token]),
        the account root's by default."""
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"},
                     parameter_validation=validate, **config)
        akid, secret, token = (tuple(creds) + (None,))[:3] if creds else self.root_creds()
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=akid, aws_secret_access_key=secret,
                            aws_session_token=token, config=cfg)

    def root_creds(self):
        """The account root's credentials, from `bulwark init`."""
        return self.account["AccessKeyId"], self.account["SecretAccessKey"], None

    def signed_raw(self, service, body=b"", method="POST", path="/", headers=None,
                   creds=None):
        """The bytes of an HTTP/1.1 request signed with SigV4 by botocore
        (whatever its body), for tests that must send what no SDK would."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        akid, secret, token = (tuple(creds) + (None,))[:3] if creds else self.root_creds()
        hdrs = {"Host": self.addr, **(headers or {})}
        req = AWSRequest(method=method, url=self.endpoint + path, data=body, headers=hdrs)
        SigV4Auth(Credentials(akid, secret, token), service, REGION).add_auth(req)
        head = f"{method} {path} HTTP/1.1\r\n".encode()
        for k, v in req.headers.items():
            head += f"{k}: {v}\r\n".encode()
        return head + b"Content-Length: %d\r\n\r\n" % len(body) + body

    def aws(self, *args):
        """Run the aws CLI against the server; returns the CompletedProcess."""
        exe = shutil.which("aws")
        if not exe:
            raise unittest.SkipTest("the aws CLI is not installed (scripts/deps.sh)")
        akid, secret, _ = self.root_creds()
        env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1",
                   AWS_PAGER="")
        return subprocess.run([exe, "--endpoint-url", self.endpoint, "--output", "json", *args],
                              env=env, capture_output=True, text=True, timeout=120)

    def stop(self, timeout=30, keep=False):
        """SIGTERM, wait for a clean exit; returns the exit status. keep: leave
        the data directory for a restart()."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        self.proc.stderr.close()
        if not keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        return self.proc.returncode


def require_api(test, client, operation, member=None):
    """Skip when the installed botocore predates an operation or member (Debian 12
    ships botocore 1.29, before KMS's RotateKeyOnDemand and RotationPeriodInDays)."""
    import botocore
    model = client.meta.service_model
    if operation not in model.operation_names:
        test.skipTest(f"botocore {botocore.__version__} has no {operation}")
    if member and member not in model.operation_model(operation).output_shape.members and \
            member not in getattr(model.operation_model(operation).input_shape, "members", {}):
        test.skipTest(f"botocore {botocore.__version__} has no {operation}.{member}")


class ServerTestCase(unittest.TestCase):
    """A test class sharing one server; it must shut down cleanly (no leak
    reports from the sanitizers, exit status 0)."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.server_args)

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        if rc != 0:
            tail = "\n".join(map(str, cls.server.lines[-40:]))
            raise AssertionError(f"bulwark exited with {rc}:\n{tail}")

    def assertClientError(self, ctx, code, status=None):
        err = ctx.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        if status is not None:
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        return err
