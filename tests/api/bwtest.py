"""bwtest: start a live `bulwark serve` on a random loopback port and drive it
with the real clients (boto3, the aws CLI). Shared by every API test."""
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
# Until authentication lands any well-formed key is accepted as the root's.
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Server:
    """One bulwark process with its own temporary data directory."""

    def __init__(self, *extra_args, threads=2):
        self.data_dir = tempfile.mkdtemp(prefix="bw-api-")
        self.lines = []
        self._cond = threading.Condition()
        args = [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
                "--threads", str(threads), *extra_args]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
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

    def client(self, service, validate=True, **config):
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"},
                     parameter_validation=validate, **config)
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                            config=cfg)

    def aws(self, *args):
        """Run the aws CLI against the server; returns the CompletedProcess."""
        exe = shutil.which("aws")
        if not exe:
            raise unittest.SkipTest("the aws CLI is not installed (scripts/deps.sh)")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1",
                   AWS_PAGER="")
        return subprocess.run([exe, "--endpoint-url", self.endpoint, "--output", "json", *args],
                              env=env, capture_output=True, text=True, timeout=120)

    def stop(self, timeout=30):
        """SIGTERM, wait for a clean exit; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return self.proc.returncode


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
