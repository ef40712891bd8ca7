"""The foundation through the real clients: each wire protocol answers, the
not-implemented error reaches each SDK intact, bad input is refused with a
protocol error and the server keeps serving."""
import base64
import json
import re
import socket
import urllib.request

from botocore.exceptions import ClientError

from bwtest import ServerTestCase


class HealthTest(ServerTestCase):
    def test_health_reports_version_uptime_and_store(self):
        with urllib.request.urlopen(self.server.endpoint + "/_bulwark/health", timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertIn("x-amzn-RequestId", r.headers)
            body = json.load(r)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["store"], "ok")
        self.assertRegex(body["version"], r"^\d+\.\d+\.\d+$")
        self.assertGreaterEqual(body["uptime_s"], 0)


class QueryProtocolTest(ServerTestCase):
    def test_get_caller_identity_boto3(self):
        out = self.server.client("sts").get_caller_identity()
        self.assertRegex(out["Account"], r"^[1-9]\d{11}$")
        self.assertEqual(out["Arn"], f"arn:aws:iam::{out['Account']}:root")
        self.assertEqual(out["UserId"], out["Account"])
        rid = out["ResponseMetadata"]["RequestId"]
        self.assertRegex(rid, r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        # the access log names the call
        line = self.server.wait_for_log(lambda l: l.get("request_id") == rid)
        self.assertIsNotNone(line)
        self.assertEqual((line["service"], line["operation"], line["status"]),
                         ("sts", "GetCallerIdentity", 200))
        self.assertIn("latency_ms", line)

    def test_get_caller_identity_cli(self):
        r = self.server.aws("sts", "get-caller-identity")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["Arn"], f"arn:aws:iam::{out['Account']}:root")

    def test_same_account_across_calls(self):
        a = self.server.client("sts").get_caller_identity()["Account"]
        b = self.server.client("sts").get_caller_identity()["Account"]
        self.assertEqual(a, b)


class JsonProtocolTest(ServerTestCase):
    def test_generate_random_boto3(self):
        out = self.server.client("kms").generate_random(NumberOfBytes=32)
        self.assertEqual(len(out["Plaintext"]), 32)
        other = self.server.client("kms").generate_random(NumberOfBytes=32)
        self.assertNotEqual(out["Plaintext"], other["Plaintext"])

    def test_generate_random_cli(self):
        r = self.server.aws("kms", "generate-random", "--number-of-bytes", "16")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(base64.b64decode(json.loads(r.stdout)["Plaintext"])), 16)

    def test_out_of_range_is_validation_exception(self):
        kms = self.server.client("kms", validate=False)
        for n in (0, 1025):
            with self.assertRaises(ClientError) as ctx:
                kms.generate_random(NumberOfBytes=n)
            err = self.assertClientError(ctx, "ValidationException", 400)
            self.assertIn("numberOfBytes", err["Error"]["Message"])

    def test_unknown_custom_key_store(self):
        with self.assertRaises(ClientError) as ctx:
            self.server.client("kms").generate_random(NumberOfBytes=8,
                                                      CustomKeyStoreId="cks-1234567890abcdef0")
        self.assertClientError(ctx, "CustomKeyStoreNotFoundException", 400)


class NotImplementedTest(ServerTestCase):
    """Each protocol's SDK surfaces the same clear error for an operation that
    is in the model but not implemented yet."""

    CASES = [
        ("wafv2", "list_web_acls", {"Scope": "REGIONAL"}, "ListWebACLs",
         ["wafv2", "list-web-acls", "--scope", "REGIONAL"]),
        ("iam", "list_open_id_connect_providers", {}, "ListOpenIDConnectProviders",
         ["iam", "list-open-id-connect-providers"]),
        ("guardduty", "list_detectors", {}, "ListDetectors", ["guardduty", "list-detectors"]),
        ("s3", "list_buckets", {}, "ListBuckets", ["s3api", "list-buckets"]),
        ("config", "describe_config_rules", {}, "DescribeConfigRules",
         ["configservice", "describe-config-rules"]),
        ("securityhub", "get_findings", {}, "GetFindings", ["securityhub", "get-findings"]),
    ]

    def test_boto3_sees_not_implemented(self):
        for service, method, kwargs, op, _ in self.CASES:
            with self.subTest(service=service):
                with self.assertRaises(ClientError) as ctx:
                    getattr(self.server.client(service), method)(**kwargs)
                err = self.assertClientError(ctx, "NotImplemented", 501)
                self.assertIn(op, err["Error"]["Message"])
                self.assertIn("not implemented", err["Error"]["Message"])
                self.assertTrue(err["ResponseMetadata"]["RequestId"])

    def test_cli_sees_not_implemented(self):
        for service, _, _, op, argv in self.CASES:
            with self.subTest(service=service):
                r = self.server.aws(*argv)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("NotImplemented", r.stderr)
                self.assertIn(op, r.stderr)

    def test_s3_request_id_headers(self):
        with self.assertRaises(ClientError) as ctx:
            self.server.client("s3").list_buckets()
        headers = ctx.exception.response["ResponseMetadata"]["HTTPHeaders"]
        self.assertIn("x-amz-request-id", headers)
        self.assertIn("x-amz-id-2", headers)


def raw_exchange(server, payload, timeout=10):
    """Send raw bytes, return what came back before the server closed or went
    quiet."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except socket.timeout:
            pass
    return b"".join(chunks)


def status_of(response):
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", response)
    return int(m.group(1)) if m else None


class BadInputTest(ServerTestCase):
    def kms(self, body):
        """A KMS GenerateRandom request with this body, correctly signed."""
        return self.server.signed_raw("kms", body, headers={
            "X-Amz-Target": "TrentService.GenerateRandom",
            "Content-Type": "application/x-amz-json-1.1"})

    def test_garbage_burst_then_valid_request(self):
        deep = b"[" * 5000 + b"]" * 5000
        cases = [
            (b"\x00\x01\x02garbage\r\n\r\n", 400),
            (b"GET\r\n\r\n", 400),
            (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505),
            (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"a" * 70000 + b"\r\n\r\n", 431),
            (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n", 413),
            (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400),
            (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            (self.kms(b"{not json"), 400),
            (self.kms(b"[1,2,3]"), 400),
            (self.kms(b'{"NumberOfBytes": "many"}'), 400),
            (self.kms(b'{"NumberOfBytes": 1e999999}'), 400),
            (self.kms(b'{"NumberOfBytes": 99999999999999999999999999}'), 400),
            (self.kms(b'{"NumberOfBytes": 8, "x": "\xff\xfe"}'), 400),
            (self.kms(deep), 400),
            (self.server.signed_raw("iam", b"Action=%ZZ&Version=1", headers={
                "Content-Type": "application/x-www-form-urlencoded"}), 400),
            (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Nope.Nothing\r\nContent-Length: 2\r\n\r\n{}", 400),
            (self.server.signed_raw("s3", b"<unclosed", method="PUT", path="/nobucket",
                                    headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}), 400),
            # unsigned: refused before anything else is looked at
            (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.GenerateRandom\r\n"
             b"Content-Length: 2\r\n\r\n{}", 400),
        ]
        for payload, want in cases:
            with self.subTest(payload=payload[:60]):
                got = raw_exchange(self.server, payload)
                self.assertEqual(status_of(got), want, got[:300])
                self.assertIn(b"x-amzn-requestid:", got.partition(b"\r\n\r\n")[0].lower())
        self.assertTrue(self.server.client("sts").get_caller_identity()["Account"])
        self.assertEqual(len(self.server.client("kms").generate_random(NumberOfBytes=4)["Plaintext"]), 4)

    def test_json_errors_are_protocol_errors(self):
        got = raw_exchange(self.server, self.kms(b"{not json"))
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertIn(b"x-amzn-RequestId", head)
        err = json.loads(body)
        self.assertEqual(err["__type"], "SerializationException")
        self.assertTrue(err["message"])

    def test_keep_alive_survives_an_error(self):
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(self.kms(b'{"NumberOfBytes": 0}') + self.kms(b'{"NumberOfBytes": 3}'))
            data = b""
            while data.count(b"HTTP/1.1 ") < 2 or not data.rstrip().endswith(b"}"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertEqual(data.count(b"HTTP/1.1 400"), 1, data)
        self.assertEqual(data.count(b"HTTP/1.1 200"), 1, data)


