"""The server tells the truth about itself (issue 9, item 12): /_bulwark/health
reports a store that cannot take a write (a full disk) as degraded, and a
request whose credential scope names no region (bytes that are not even text)
gets a clean 400/403 in its protocol and a record in the trail, never a 500."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from bwtest import Server, ServerTestCase


def health(server):
    try:
        with urllib.request.urlopen(server.endpoint + "/_bulwark/health", timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class BadRegionTest(ServerTestCase):
    def raw(self, service, region, body, headers):
        cred = (f"{self.server.account['AccessKeyId']}/20260101/".encode() + region +
                f"/{service}/aws4_request".encode())
        head = (b"POST / HTTP/1.1\r\nHost: " + self.server.addr.encode() + b"\r\n" +
                b"X-Amz-Date: 20260101T000000Z\r\n" +
                b"Authorization: AWS4-HMAC-SHA256 Credential=" + cred +
                b", SignedHeaders=host;x-amz-date, Signature=" + b"0" * 64 + b"\r\n" +
                b"".join(k + b": " + v + b"\r\n" for k, v in headers) +
                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(head + body)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        status = int(data.split(b" ", 2)[1])
        return status, data.split(b"\r\n\r\n", 1)[1]

    def test_non_utf8_region_query_and_json(self):
        status, body = self.raw("iam", b"\xff\xfe-1",
                                b"Action=ListUsers&Version=2010-05-08",
                                [(b"Content-Type", b"application/x-www-form-urlencoded")])
        self.assertEqual(status, 403, body)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", body)
        self.assertIn(b"valid region", body)
        status, body = self.raw("kms", b"us-\xc3(east", b"{}",
                                [(b"Content-Type", b"application/x-amz-json-1.1"),
                                 (b"X-Amz-Target", b"TrentService.ListKeys")])
        self.assertEqual(status, 400, body)
        self.assertEqual(json.loads(body)["__type"], "InvalidSignatureException")
        # both calls are in the trail, under the server's region
        ct = self.server.client("cloudtrail")
        names = set()
        for name in ("ListUsers", "ListKeys"):
            events = ct.lookup_events(LookupAttributes=[{
                "AttributeKey": "EventName", "AttributeValue": name}])["Events"]
            recs = [json.loads(e["CloudTrailEvent"]) for e in events]
            names |= {(r["eventName"], r.get("errorCode")) for r in recs}
            self.assertTrue(all(r["awsRegion"] == "us-east-1" and r["readOnly"] for r in recs),
                            recs)
        self.assertIn(("ListUsers", "SignatureDoesNotMatch"), names)
        self.assertIn(("ListKeys", "InvalidSignatureException"), names)
        # and the server still serves
        self.server.client("sts").get_caller_identity()


class DiskFullTest(unittest.TestCase):
    """A data directory on a small tmpfs that then fills up."""

    def setUp(self):
        if os.geteuid() != 0 or not shutil.which("mount"):
            self.skipTest("needs root to mount a small tmpfs")
        self.mnt = tempfile.mkdtemp(prefix="bw-full-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", self.mnt],
                           capture_output=True)
        if r.returncode != 0:
            os.rmdir(self.mnt)
            self.skipTest(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        self.server = Server(data_dir=os.path.join(self.mnt, "data"))

    def tearDown(self):
        self.server.stop()
        subprocess.run(["umount", "-l", self.mnt])
        os.rmdir(self.mnt)

    def test_full_disk_is_reported(self):
        status, h = health(self.server)
        self.assertEqual(status, 200, h)
        self.assertEqual(h["store"], "ok")
        filler = os.path.join(self.mnt, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError:
                pass
        time.sleep(1.1)  # the probe runs at most once a second
        status, h = health(self.server)
        self.assertEqual(status, 503, h)
        self.assertEqual(h["status"], "degraded")
        self.assertIn(h["store"], ("full", "unwritable"))
        # a change now fails cleanly, and the server keeps serving
        iam = self.server.client("iam")
        with self.assertRaises(Exception):
            iam.create_user(UserName="nospace")
        os.unlink(filler)
        time.sleep(1.1)
        status, h = health(self.server)
        self.assertEqual(status, 200, h)
        iam.create_user(UserName="space-again")


if __name__ == "__main__":
    unittest.main()
