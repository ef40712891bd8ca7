"""CloudTrail trails, driven with boto3 and the aws CLI.

The trail life cycle and its errors; event selectors and tags; then, with a
short delivery and digest interval, a logging trail with log file
validation: its .json.gz files parse and hold the calls made, GetTrailStatus
shows the delivery times, `bulwark trail validate` passes on the untouched
delivery and flags exactly the log file a test modified, deleted or added
and a tampered digest, and the key ListPublicKeys returns verifies a
digest's signature with `openssl dgst -sha256 -verify`.

Bulwark has no S3 yet: a trail delivers to <data-dir>/trail-delivery/<bucket>/.
"""
import glob
import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest
from datetime import datetime, timezone

from botocore.exceptions import ClientError

import bwtest
from bwtest import ServerTestCase, REGION


class TestTrailLifecycle(ServerTestCase):

    def setUp(self):
        self.ct = self.server.client("cloudtrail")

    def tearDown(self):
        for t in self.ct.list_trails()["Trails"]:
            self.ct.delete_trail(Name=t["Name"])

    def arn(self, name):
        return f"arn:aws:cloudtrail:{REGION}:{self.server.account_id}:trail/{name}"

    def test_create_get_describe_list_update_delete(self):
        out = self.ct.create_trail(Name="life", S3BucketName="audit-logs", S3KeyPrefix="p1",
                                   EnableLogFileValidation=True,
                                   TagsList=[{"Key": "team", "Value": "sec"}])
        self.assertEqual(out["Name"], "life")
        self.assertEqual(out["TrailARN"], self.arn("life"))
        self.assertEqual(out["S3BucketName"], "audit-logs")
        self.assertEqual(out["S3KeyPrefix"], "p1")
        self.assertTrue(out["LogFileValidationEnabled"])
        self.assertTrue(out["IncludeGlobalServiceEvents"])
        self.assertFalse(out["IsMultiRegionTrail"])
        trail = self.ct.get_trail(Name="life")["Trail"]
        self.assertEqual(trail["HomeRegion"], REGION)
        self.assertFalse(trail["HasCustomEventSelectors"])
        self.assertEqual(self.ct.get_trail(Name=self.arn("life"))["Trail"]["Name"], "life")
        listed = self.ct.describe_trails(trailNameList=["life", "nope"])["trailList"]
        self.assertEqual([t["Name"] for t in listed], ["life"])
        self.assertEqual(len(self.ct.describe_trails()["trailList"]), 1)
        self.assertEqual(self.ct.list_trails()["Trails"],
                         [{"TrailARN": self.arn("life"), "Name": "life", "HomeRegion": REGION}])
        up = self.ct.update_trail(Name="life", S3KeyPrefix="p2", IsMultiRegionTrail=True,
                                  EnableLogFileValidation=False)
        self.assertEqual(up["S3KeyPrefix"], "p2")
        self.assertTrue(up["IsMultiRegionTrail"])
        self.assertFalse(up["LogFileValidationEnabled"])
        self.ct.delete_trail(Name=self.arn("life"))
        with self.assertRaises(ClientError) as ctx:
            self.ct.get_trail(Name="life")
        self.assertClientError(ctx, "TrailNotFoundException")

    def test_name_and_arn_errors(self):
        for bad in ["ab", "-abc", "abc-", "a..b", "a_-b", "192.168.5.4", "bad name", "x" * 129]:
            with self.assertRaises(ClientError, msg=bad) as ctx:
                self.ct.create_trail(Name=bad, S3BucketName="audit-logs")
            self.assertClientError(ctx, "InvalidTrailNameException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.get_trail_status(Name="arn:aws:cloudtrail:us-east-1:1:nottrail")
        self.assertClientError(ctx, "CloudTrailARNInvalidException")
        for op in (self.ct.get_trail_status, self.ct.start_logging, self.ct.stop_logging,
                   self.ct.delete_trail, self.ct.get_trail):
            with self.assertRaises(ClientError) as ctx:
                op(Name="missing")
            self.assertClientError(ctx, "TrailNotFoundException")
        self.ct.create_trail(Name="dup", S3BucketName="audit-logs")
        with self.assertRaises(ClientError) as ctx:
            self.ct.create_trail(Name="dup", S3BucketName="audit-logs")
        self.assertClientError(ctx, "TrailAlreadyExistsException")

    def test_bucket_prefix_kms_limits(self):
        with self.assertRaises(ClientError) as ctx:
            self.ct.create_trail(Name="bb1", S3BucketName="Bad_Bucket")
        self.assertClientError(ctx, "InvalidS3BucketNameException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.create_trail(Name="bb1", S3BucketName="audit-logs", S3KeyPrefix="../up")
        self.assertClientError(ctx, "InvalidS3PrefixException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.create_trail(Name="bb1", S3BucketName="audit-logs",
                                 KmsKeyId="alias/does-not-exist")
        self.assertClientError(ctx, "KmsKeyNotFoundException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.create_trail(Name="bb1", S3BucketName="audit-logs", IsMultiRegionTrail=True,
                                 IncludeGlobalServiceEvents=False)
        self.assertClientError(ctx, "InvalidParameterCombinationException")
        key = self.server.client("kms").create_key()["KeyMetadata"]
        out = self.ct.create_trail(Name="bb1", S3BucketName="audit-logs", KmsKeyId=key["KeyId"])
        self.assertEqual(out["KmsKeyId"], key["Arn"])
        for i in range(2, 6):
            self.ct.create_trail(Name=f"bb{i}", S3BucketName="audit-logs")
        with self.assertRaises(ClientError) as ctx:
            self.ct.create_trail(Name="bb6", S3BucketName="audit-logs")
        self.assertClientError(ctx, "MaximumNumberOfTrailsExceededException")

    def test_logging_status(self):
        self.ct.create_trail(Name="stat", S3BucketName="audit-logs")
        st = self.ct.get_trail_status(Name="stat")
        self.assertFalse(st["IsLogging"])
        self.ct.start_logging(Name="stat")
        st = self.ct.get_trail_status(Name="stat")
        self.assertTrue(st["IsLogging"])
        self.assertIn("StartLoggingTime", st)
        self.ct.stop_logging(Name="stat")
        st = self.ct.get_trail_status(Name="stat")
        self.assertFalse(st["IsLogging"])
        self.assertIn("StopLoggingTime", st)

    def test_event_selectors(self):
        self.ct.create_trail(Name="sel", S3BucketName="audit-logs")
        got = self.ct.get_event_selectors(TrailName="sel")
        self.assertEqual(got["EventSelectors"], [{
            "ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
            "ExcludeManagementEventSources": []}])
        put = self.ct.put_event_selectors(TrailName="sel", EventSelectors=[
            {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
        self.assertEqual(put["EventSelectors"][0]["ReadWriteType"], "WriteOnly")
        got = self.ct.get_event_selectors(TrailName="sel")
        self.assertEqual(got["EventSelectors"][0]["ReadWriteType"], "WriteOnly")
        self.assertTrue(self.ct.get_trail(Name="sel")["Trail"]["HasCustomEventSelectors"])
        adv = [{"Name": "kms writes", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "eventSource", "Equals": ["kms.amazonaws.com"]},
            {"Field": "readOnly", "Equals": ["false"]}]}]
        self.ct.put_event_selectors(TrailName="sel", AdvancedEventSelectors=adv)
        got = self.ct.get_event_selectors(TrailName="sel")
        self.assertEqual(got["AdvancedEventSelectors"], adv)
        self.assertNotIn("EventSelectors", got)
        with self.assertRaises(ClientError) as ctx:
            self.ct.put_event_selectors(TrailName="sel", AdvancedEventSelectors=adv,
                                        EventSelectors=[{"ReadWriteType": "All"}])
        self.assertClientError(ctx, "InvalidEventSelectorsException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.put_event_selectors(TrailName="sel", AdvancedEventSelectors=[
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                    {"Field": "userIdentity.arn", "Equals": ["x"]}]}])
        self.assertClientError(ctx, "InvalidEventSelectorsException")

    def test_tags(self):
        arn = self.ct.create_trail(Name="tags1", S3BucketName="audit-logs",
                                   TagsList=[{"Key": "a", "Value": "1"}])["TrailARN"]
        self.ct.add_tags(ResourceId=arn, TagsList=[{"Key": "b", "Value": "2"},
                                                   {"Key": "a", "Value": "3"}])
        tags = self.ct.list_tags(ResourceIdList=[arn])["ResourceTagList"]
        self.assertEqual(tags[0]["ResourceId"], arn)
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags[0]["TagsList"]),
                         [("a", "3"), ("b", "2")])
        self.ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "a"}])
        tags = self.ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"]
        self.assertEqual(tags, [{"Key": "b", "Value": "2"}])
        with self.assertRaises(ClientError) as ctx:
            self.ct.add_tags(ResourceId=self.arn("nope"), TagsList=[{"Key": "a"}])
        self.assertClientError(ctx, "ResourceNotFoundException")

    def test_cli_life_cycle(self):
        r = self.server.aws("cloudtrail", "create-trail", "--name", "cli-trail",
                            "--s3-bucket-name", "audit-logs", "--enable-log-file-validation")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["LogFileValidationEnabled"])
        r = self.server.aws("cloudtrail", "start-logging", "--name", "cli-trail")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.aws("cloudtrail", "get-trail-status", "--name", "cli-trail")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["IsLogging"])
        r = self.server.aws("cloudtrail", "describe-trails", "--trail-name-list", "cli-trail")
        self.assertEqual(json.loads(r.stdout)["trailList"][0]["S3BucketName"], "audit-logs")
        r = self.server.aws("cloudtrail", "create-trail", "--name", "cli-trail",
                            "--s3-bucket-name", "audit-logs")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("TrailAlreadyExistsException", r.stderr)
        r = self.server.aws("cloudtrail", "delete-trail", "--name", "cli-trail")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.aws("cloudtrail", "get-trail", "--name", "cli-trail")
        self.assertIn("TrailNotFoundException", r.stderr)


def _copy_data_dir(src):
    """A consistent copy of a live data directory: the databases through
    SQLite's backup API, the root key and the delivery folder as files."""
    dst = tempfile.mkdtemp(prefix="bw-trail-copy-")
    dbs = ("bulwark.db", "events.db")
    for f in os.listdir(src):
        p = os.path.join(src, f)
        if f.startswith(dbs):
            continue
        if os.path.isdir(p):
            shutil.copytree(p, os.path.join(dst, f))
        else:
            shutil.copy2(p, os.path.join(dst, f))
    for name in dbs:
        s = sqlite3.connect(os.path.join(src, name))
        d = sqlite3.connect(os.path.join(dst, name))
        s.backup(d)
        s.close()
        d.close()
    return dst


class TestTrailDelivery(ServerTestCase):
    """A trail delivering every 2 s, a digest every 6 s."""
    server_args = ("--trail-delivery-interval-s", "2", "--trail-digest-interval-s", "6")
    BUCKET = "delivered-logs"
    ENC_BUCKET = "encrypted-logs"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ct = cls.server.client("cloudtrail")
        ct.create_trail(Name="main", S3BucketName=cls.BUCKET, S3KeyPrefix="org",
                        EnableLogFileValidation=True)
        kms = cls.server.client("kms")
        cls.trail_key = kms.create_key(Description="trail logs")["KeyMetadata"]
        ct.create_trail(Name="enc", S3BucketName=cls.ENC_BUCKET, EnableLogFileValidation=True,
                        KmsKeyId=cls.trail_key["KeyId"])
        ct.start_logging(Name="main")
        ct.start_logging(Name="enc")
        cls.key_id = kms.create_key(Description="made while logging")["KeyMetadata"]["KeyId"]
        kms.list_keys()
        # Two digest periods with calls in each, then stop and let the last
        # digest list every delivered file.
        time.sleep(7)
        kms.describe_key(KeyId=cls.key_id)
        time.sleep(3)
        ct.stop_logging(Name="main")
        ct.stop_logging(Name="enc")
        # The final delivery, then the digest that lists it.
        deadline = time.time() + 30
        while time.time() < deadline:
            time.sleep(0.5)
            st = ct.get_trail_status(Name="main")
            st2 = ct.get_trail_status(Name="enc")
            if all(x.get("LatestDigestDeliveryTime", 0) and
                   x["LatestDigestDeliveryTime"] > x["StopLoggingTime"] and
                   x["LatestDigestDeliveryTime"] >= x["LatestDeliveryTime"] for x in (st, st2)):
                break
        cls.status = ct.get_trail_status(Name="main")
        cls.root = os.path.join(cls.server.data_dir, "trail-delivery", cls.BUCKET)

    def logs(self, root=None):
        return sorted(glob.glob(os.path.join(root or self.root, "org", "AWSLogs",
                                             self.server.account_id, "CloudTrail", REGION,
                                             "*", "*", "*", "*.json.gz")))

    def digests(self, root=None):
        return sorted(glob.glob(os.path.join(root or self.root, "org", "AWSLogs",
                                             self.server.account_id, "CloudTrail-Digest",
                                             REGION, "*", "*", "*", "*.json.gz")))

    def validate(self, data_dir, *extra, trail="main"):
        r = subprocess.run([bwtest.BIN, "trail", "validate", "--data-dir", data_dir,
                            "--trail", trail, "--json", *extra],
                           capture_output=True, text=True, timeout=60)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return r.returncode, json.loads(r.stdout)

    def copy(self):
        d = _copy_data_dir(self.server.data_dir)
        self.addCleanup(shutil.rmtree, d, True)
        return d, os.path.join(d, "trail-delivery", self.BUCKET)

    def test_log_files_parse_and_hold_the_calls(self):
        logs = self.logs()
        self.assertGreaterEqual(len(logs), 2)
        names = []
        for p in logs:
            base = os.path.basename(p)
            self.assertRegex(base, rf"^{self.server.account_id}_CloudTrail_{REGION}_"
                                   r"\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$")
            with gzip.open(p) as f:
                body = json.load(f)
            for rec in body["Records"]:
                names.append((rec["eventSource"], rec["eventName"]))
        self.assertIn(("kms.amazonaws.com", "CreateKey"), names)
        self.assertIn(("kms.amazonaws.com", "ListKeys"), names)
        self.assertIn(("kms.amazonaws.com", "DescribeKey"), names)
        self.assertEqual(len(names), len(set(
            (n, i) for i, n in enumerate(names))))

    def test_status_shows_delivery_times(self):
        st = self.status
        self.assertFalse(st["IsLogging"])
        self.assertIn("LatestDeliveryTime", st)
        self.assertIn("LatestDigestDeliveryTime", st)
        self.assertNotIn("LatestDeliveryError", st)
        self.assertIn("StartLoggingTime", st)
        self.assertIn("StopLoggingTime", st)

    def test_digest_structure(self):
        ds = self.digests()
        self.assertGreaterEqual(len(ds), 2)
        with gzip.open(ds[-1]) as f:
            d = json.load(f)
        for k in ("awsAccountId", "digestStartTime", "digestEndTime", "digestS3Bucket",
                  "digestS3Object", "digestPublicKeyFingerprint", "digestSignatureAlgorithm",
                  "newestEventTime", "oldestEventTime", "previousDigestS3Bucket",
                  "previousDigestS3Object", "previousDigestHashValue",
                  "previousDigestHashAlgorithm", "previousDigestSignature", "logFiles"):
            self.assertIn(k, d)
        self.assertEqual(d["digestS3Bucket"], self.BUCKET)
        self.assertEqual(d["digestSignatureAlgorithm"], "SHA256withRSA")
        self.assertTrue(ds[-1].endswith(d["digestS3Object"]))
        with open(ds[-1] + ".metadata.json") as f:
            meta = json.load(f)
        self.assertEqual(meta["signature-algorithm"], "SHA256withRSA")

    def test_validate_untouched(self):
        rc, out = self.validate(self.server.data_dir)
        self.assertEqual(rc, 0, out)
        self.assertTrue(out["valid"])
        self.assertEqual(out["summary"]["logFiles"], len(self.logs()))
        self.assertEqual(out["summary"]["digestFiles"], len(self.digests()))
        r = subprocess.run([bwtest.BIN, "trail", "validate", "--data-dir",
                            self.server.data_dir, "--trail", "main"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("log files valid", r.stdout)

    def _status(self, out, path_suffix, kind="logFiles"):
        hits = [e for e in out[kind] if path_suffix.endswith(e["s3Object"])]
        self.assertEqual(len(hits), 1, out)
        return hits[0]["status"]

    def _bad(self, out, kind="logFiles"):
        return [e for e in out[kind] if e["status"] != "valid"]

    def test_validate_flags_modified_log(self):
        d, root = self.copy()
        victim = self.logs(root)[0]
        with gzip.open(victim) as f:
            body = json.load(f)
        body["Records"][0]["eventName"] = "SomethingElse"
        with gzip.open(victim, "wb") as f:
            f.write(json.dumps(body).encode())
        rc, out = self.validate(d)
        self.assertEqual(rc, 1)
        self.assertEqual(self._status(out, victim), "modified")
        self.assertEqual(len(self._bad(out)), 1, out)
        self.assertEqual(self._bad(out, "digests"), [])

    def test_validate_flags_deleted_log(self):
        d, root = self.copy()
        victim = self.logs(root)[-1]
        os.unlink(victim)
        rc, out = self.validate(d)
        self.assertEqual(rc, 1)
        self.assertEqual(self._status(out, victim), "deleted")
        self.assertEqual(len(self._bad(out)), 1, out)

    def test_validate_flags_added_log(self):
        d, root = self.copy()
        like = self.logs(root)[0]
        extra = like[:-len("AAAAAAAAAAAAAAAA.json.gz")] + "ZZZZZZZZZZZZZZZZ.json.gz"
        with gzip.open(extra, "wb") as f:
            f.write(b'{"Records":[]}')
        rc, out = self.validate(d)
        self.assertEqual(rc, 1)
        self.assertEqual(self._status(out, extra), "not-in-digest")
        self.assertEqual(len(self._bad(out)), 1, out)

    def test_validate_flags_tampered_digest(self):
        d, root = self.copy()
        victim = self.digests(root)[0]
        with gzip.open(victim) as f:
            body = json.load(f)
        body["digestEndTime"] = "2001-01-01T00:00:00Z"
        with gzip.open(victim, "wb") as f:
            f.write(json.dumps(body, separators=(",", ":")).encode())
        rc, out = self.validate(d)
        self.assertEqual(rc, 1)
        self.assertEqual(self._status(out, victim, "digests"), "invalid")
        self.assertEqual(len(self._bad(out, "digests")), 1, out)

    def test_kms_encrypted_delivery(self):
        root = os.path.join(self.server.data_dir, "trail-delivery", self.ENC_BUCKET)
        logs = sorted(glob.glob(os.path.join(root, "AWSLogs", "*", "CloudTrail", "*", "*", "*",
                                             "*", "*.json.gz")))
        self.assertGreaterEqual(len(logs), 1)
        with open(logs[0], "rb") as f:
            self.assertEqual(f.read(8), b"BWKMSENC")
        # `bulwark kms decrypt-file` (KMS Decrypt as root) gives back the .json.gz.
        out = os.path.join(tempfile.mkdtemp(prefix="bw-trail-dec-"), "log.json.gz")
        self.addCleanup(shutil.rmtree, os.path.dirname(out), True)
        akid, secret, _ = self.server.root_creds()
        env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_REGION=REGION)
        r = subprocess.run([bwtest.BIN, "kms", "decrypt-file", "--in", logs[0], "--out", out,
                            "--endpoint-url", self.server.endpoint],
                           env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with gzip.open(out) as f:
            body = json.load(f)
        self.assertIsInstance(body["Records"], list)
        self.assertGreaterEqual(len(body["Records"]), 1)
        rc, res = self.validate(self.server.data_dir, trail="enc")
        self.assertEqual(rc, 0, res)
        self.assertEqual(res["summary"]["logFiles"], len(logs))
        self.assertEqual(self.server.client("cloudtrail").get_trail(
            Name="enc")["Trail"]["KmsKeyId"], self.trail_key["Arn"])

    def test_public_key_verifies_with_openssl(self):
        if not shutil.which("openssl"):
            self.skipTest("openssl is not installed")
        ds = self.digests()
        with open(ds[-1], "rb") as f:
            content = gzip.decompress(f.read())
        d = json.loads(content)
        with open(ds[-1] + ".metadata.json") as f:
            sig = bytes.fromhex(json.load(f)["signature"])
        keys = self.server.client("cloudtrail").list_public_keys(
            StartTime=datetime(2000, 1, 1, tzinfo=timezone.utc))["PublicKeyList"]
        key = [k for k in keys if k["Fingerprint"] == d["digestPublicKeyFingerprint"]]
        self.assertEqual(len(key), 1, keys)
        self.assertEqual(hashlib.md5(key[0]["Value"]).hexdigest(), key[0]["Fingerprint"])
        prev = d["previousDigestSignature"] or "null"
        sts = "%s\n%s/%s\n%s\n%s" % (d["digestEndTime"], d["digestS3Bucket"],
                                     d["digestS3Object"], hashlib.sha256(content).hexdigest(),
                                     prev)
        with tempfile.TemporaryDirectory() as t:
            paths = {n: os.path.join(t, n) for n in ("pub.der", "sig", "sts")}
            for n, b in (("pub.der", key[0]["Value"]), ("sig", sig), ("sts", sts.encode())):
                with open(paths[n], "wb") as f:
                    f.write(b)
            r = subprocess.run(["openssl", "dgst", "-sha256", "-keyform", "DER", "-verify",
                                paths["pub.der"], "-signature", paths["sig"], paths["sts"]],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Verified OK", r.stdout)
        # The CLI sees the same key; with no times, the current key.
        r = self.server.aws("cloudtrail", "list-public-keys")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)["PublicKeyList"]), 1)
        with self.assertRaises(ClientError) as ctx:
            self.server.client("cloudtrail").list_public_keys(
                StartTime=datetime(2030, 1, 1, tzinfo=timezone.utc),
                EndTime=datetime(2020, 1, 1, tzinfo=timezone.utc))
        self.assertClientError(ctx, "InvalidTimeRangeException")


if __name__ == "__main__":
    unittest.main()
