"""GET /_bulwark/metrics against a live server: the whole answer parsed by a
strict reader of the Prometheus text format (0.0.4), the request counters
and latency histograms moved by exactly the calls made (boto3 and the aws
CLI), the recorder's counters, and the scrape itself neither counted nor
recorded. From loopback no credentials are needed; the rule for other
peers is tested in tests/unit/gateway/test_metrics.c (a live server here
is reachable only over loopback)."""
import http.client
import math
import re
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)$")
LABEL_PAIR = re.compile(rf'({LABEL})="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


def parse(text):
    """Strictly parse an exposition: {family: {"type", "help", "samples":
    {(name, labels tuple): value}}}. Raises AssertionError on any deviation."""
    assert text.endswith("\n"), "the exposition ends with a newline"
    families, current = {}, None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {n}: {line!r}"
        assert line, f"{where}: empty line"
        if line.startswith("#"):
            m = re.match(rf"^# (HELP|TYPE) ({NAME}) (.*)$", line)
            assert m, f"{where}: a comment that is neither HELP nor TYPE"
            kind, name, rest = m.groups()
            fam = families.setdefault(name, {"type": None, "help": None, "samples": {}})
            if kind == "HELP":
                assert fam["help"] is None, f"{where}: HELP twice"
                assert not re.search(r"\\[^\\n]", rest), f"{where}: bad escape in HELP"
                fam["help"] = rest
            else:
                assert fam["type"] is None and not fam["samples"], f"{where}: TYPE late"
                assert rest in TYPES, f"{where}: unknown type"
                fam["type"] = rest
            current = name
            continue
        m = SAMPLE.match(line)
        assert m, f"{where}: not a sample"
        name, labels_text, value = m.groups()
        labels = []
        if labels_text is not None:
            pos = 0
            while pos < len(labels_text):
                lm = LABEL_PAIR.match(labels_text, pos)
                assert lm, f"{where}: bad label set"
                labels.append((lm.group(1), unescape(lm.group(2))))
                pos = lm.end()
            assert labels, f"{where}: empty braces"
            assert len({k for k, _ in labels}) == len(labels), f"{where}: label twice"
        v = float(value)  # raises on anything but a float, +Inf, -Inf or NaN
        fam = families.get(current)
        assert fam and fam["type"], f"{where}: a sample before its TYPE"
        suffixes = {"histogram": ("_bucket", "_sum", "_count")}.get(fam["type"], ())
        assert name == current or any(name == current + s for s in suffixes), \
            f"{where}: not of family {current}"
        key = (name, tuple(labels))
        assert key not in fam["samples"], f"{where}: series twice"
        fam["samples"][key] = v
    for name, fam in families.items():
        assert fam["type"] and fam["help"] is not None, f"{name}: HELP and TYPE both"
        if fam["type"] == "histogram":
            check_histogram(name, fam["samples"])
    return families


def check_histogram(name, samples):
    """Buckets ascending by le, cumulative, +Inf last and equal to _count."""
    series = {}
    for (sname, labels), v in samples.items():
        rest = tuple(kv for kv in labels if kv[0] != "le")
        entry = series.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if sname == name + "_bucket":
            le = dict(labels)["le"]
            entry["buckets"].append((math.inf if le == "+Inf" else float(le), v))
        elif sname == name + "_sum":
            entry["sum"] = v
        else:
            entry["count"] = v
    for rest, e in series.items():
        b = e["buckets"]
        assert b and b[-1][0] == math.inf, f"{name}{rest}: no +Inf bucket last"
        assert [x for x, _ in b] == sorted(x for x, _ in b), f"{name}{rest}: le unordered"
        assert all(b[i][1] <= b[i + 1][1] for i in range(len(b) - 1)), \
            f"{name}{rest}: buckets not cumulative"
        assert e["count"] == b[-1][1] and e["sum"] is not None and e["sum"] >= 0, \
            f"{name}{rest}: _count is not the +Inf bucket, or no _sum"


class MetricsTest(ServerTestCase):
    def scrape(self, method="GET"):
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10)
        conn.request(method, "/_bulwark/metrics")
        resp = conn.getresponse()
        body = resp.read().decode()
        conn.close()
        return resp, body

    def metrics(self):
        resp, body = self.scrape()
        self.assertEqual(resp.status, 200, body)
        self.assertEqual(resp.getheader("Content-Type"),
                         "text/plain; version=0.0.4; charset=utf-8")
        return parse(body)

    @staticmethod
    def value(fams, family, name=None, **labels):
        want = tuple(sorted(labels.items()))
        for (sname, lab), v in fams.get(family, {"samples": {}})["samples"].items():
            if sname == (name or family) and tuple(sorted(lab)) == want:
                return v
        return 0.0

    def requests(self, fams, service, operation, status):
        return self.value(fams, "bulwark_requests_total", service=service,
                          operation=operation, status=str(status))

    def duration_count(self, fams, service, operation):
        return self.value(fams, "bulwark_request_duration_seconds",
                          "bulwark_request_duration_seconds_count", service=service,
                          operation=operation)

    def test_calls_move_their_counters_exactly(self):
        kms, iam, sts = (self.server.client(s) for s in ("kms", "iam", "sts"))
        before = self.metrics()
        kms.create_key(Description="metrics")
        kms.list_keys()
        kms.list_keys()
        with self.assertRaises(ClientError) as ctx:
            kms.describe_key(KeyId="alias/no-such-alias")
        self.assertClientError(ctx, "NotFoundException", 400)
        iam.list_users()
        with self.assertRaises(ClientError) as ctx:
            iam.get_role(RoleName="no-such-role")
        self.assertClientError(ctx, "NoSuchEntity", 404)
        sts.get_caller_identity()
        cli = self.server.aws("sts", "get-caller-identity")
        self.assertEqual(cli.returncode, 0, cli.stderr)
        after = self.metrics()

        expected = {("kms", "CreateKey", 200): 1, ("kms", "ListKeys", 200): 2,
                    ("kms", "DescribeKey", 400): 1, ("iam", "ListUsers", 200): 1,
                    ("iam", "GetRole", 404): 1, ("sts", "GetCallerIdentity", 200): 2}
        for (svc, op, status), n in expected.items():
            self.assertEqual(self.requests(after, svc, op, status) -
                             self.requests(before, svc, op, status), n, (svc, op, status))
        per_op = {}
        for (svc, op, _), n in expected.items():
            per_op[(svc, op)] = per_op.get((svc, op), 0) + n
        for (svc, op), n in per_op.items():
            self.assertEqual(self.duration_count(after, svc, op) -
                             self.duration_count(before, svc, op), n, (svc, op))
        # nothing else moved: the sum over every series grew by the calls made
        total = lambda f: sum(f["bulwark_requests_total"]["samples"].values())
        self.assertEqual(total(after) - total(before), sum(expected.values()))
        # every call was recorded before its answer: the recorder committed them
        rec = lambda f, n: self.value(f, n)
        self.assertGreaterEqual(rec(after, "bulwark_recorder_records_total") -
                                rec(before, "bulwark_recorder_records_total"),
                                sum(expected.values()))
        self.assertGreater(rec(after, "bulwark_recorder_batches_total"),
                           rec(before, "bulwark_recorder_batches_total"))
        self.assertGreaterEqual(
            self.value(after, "bulwark_recorder_batch_size", "bulwark_recorder_batch_size_count"),
            rec(after, "bulwark_recorder_batches_total"))
        self.assertGreaterEqual(
            self.value(after, "bulwark_recorder_commit_duration_seconds",
                       "bulwark_recorder_commit_duration_seconds_count"),
            rec(after, "bulwark_recorder_batches_total"))
        self.assertEqual(rec(after, "bulwark_store_errors_total"), 0)

    def test_unknown_operation_is_bounded(self):
        before = self.metrics()
        raw = self.server.signed_raw("kms", body=b"{}", headers={
            "X-Amz-Target": "TrentService.NoSuchOperation\"x",
            "Content-Type": "application/x-amz-json-1.1"})
        import socket
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(raw)
            self.assertIn(b" 400 ", s.recv(65536).split(b"\r\n")[0] + b" ")
        after = self.metrics()
        self.assertEqual(self.requests(after, "kms", "unknown", 400) -
                         self.requests(before, "kms", "unknown", 400), 1)
        for fam in after.values():
            for (_, labels) in fam["samples"]:
                self.assertNotIn("NoSuchOperation", str(labels))

    def test_scrape_is_not_counted_nor_recorded(self):
        first = self.metrics()
        self.metrics()
        self.metrics()
        third = self.metrics()
        for family in ("bulwark_requests_total", "bulwark_recorder_records_total"):
            self.assertEqual(first[family]["samples"], third[family]["samples"], family)
        events = self.server.client("cloudtrail").lookup_events(MaxResults=50)["Events"]
        self.assertFalse([e for e in events if "etrics" in e.get("EventName", "")])

    def test_process_facts(self):
        fams = self.metrics()
        self.assertEqual(fams["bulwark_uptime_seconds"]["type"], "gauge")
        self.assertGreaterEqual(self.value(fams, "bulwark_uptime_seconds"), 0)
        (name, labels), v = next(iter(fams["bulwark_build_info"]["samples"].items()))
        self.assertEqual(v, 1)
        self.assertRegex(dict(labels)["version"], r"^\d+\.\d+")
        self.assertEqual(fams["bulwark_recorder_queue_depth"]["type"], "gauge")
        for family in ("bulwark_requests_total", "bulwark_recorder_records_total",
                       "bulwark_recorder_batches_total", "bulwark_store_errors_total"):
            self.assertEqual(fams[family]["type"], "counter", family)

    def test_loopback_needs_no_credentials_and_only_get(self):
        resp, body = self.scrape("HEAD")
        self.assertEqual(resp.status, 200)
        resp, body = self.scrape("POST")
        self.assertEqual(resp.status, 405)
        resp, body = self.scrape("DELETE")
        self.assertEqual(resp.status, 405)

    def test_parser_is_strict(self):
        good = ('# HELP a_total x\n# TYPE a_total counter\na_total{l="q\\"\\\\\\n"} 1\n')
        fams = parse(good)
        self.assertEqual(list(fams["a_total"]["samples"]), [("a_total", (("l", 'q"\\\n'),))])
        bad = [
            "a 1\n",  # no TYPE
            "# HELP a x\n# TYPE a counter\na{l=\"x\"} 1",  # no final newline
            "# HELP a x\n# TYPE a counter\na{l=\"x\"} one\n",
            "# HELP a x\n# TYPE a counter\na{l=\"x\\q\"} 1\n",
            "# HELP a x\n# TYPE a counter\na 1\na 2\n",
            "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 0\nh_count 1\n",
            "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 0\nh_count 1\n",
        ]
        for text in bad:
            with self.assertRaises((AssertionError, ValueError), msg=text):
                parse(text)


if __name__ == "__main__":
    unittest.main()
