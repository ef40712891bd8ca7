"""CloudTrail recording and LookupEvents, driven with boto3 and the aws CLI.

Every call — allowed, denied, failed, unauthenticated — becomes a record
found by lookup-events with the right identity, parameters and error;
secrets never reach a record; a kill -9 mid-load loses no answered call and
the hash chain still verifies; at full rate no event is lost."""
import base64
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import bwtest
from bwtest import ServerTestCase, REGION

GEN_RANDOM_BODY = b'{"NumberOfBytes": 8}'


def all_events(ct, **kw):
    """Every event matching kw, following NextToken."""
    out, token = [], None
    while True:
        args = dict(kw)
        if token:
            args["NextToken"] = token
        page = ct.lookup_events(**args)
        out.extend(page["Events"])
        token = page.get("NextToken")
        if not token:
            return out


def record_of(event):
    return json.loads(event["CloudTrailEvent"])


class TestEventsRecorded(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        iam = s.client("iam")
        cls.alice = iam.create_user(UserName="alice")["User"]
        iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["kms:GenerateRandom", "sts:AssumeRole",
                                                         "cloudtrail:LookupEvents"],
                           "Resource": "*"}]}))
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        cls.alice_secret = key["SecretAccessKey"]
        cls.alice_creds = (key["AccessKeyId"], key["SecretAccessKey"])
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": cls.alice["Arn"]},
            "Action": "sts:AssumeRole"}]}
        cls.role = iam.create_role(RoleName="auditor",
                                   AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        iam.put_role_policy(RoleName="auditor", PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["kms:GenerateRandom"],
                           "Resource": "*"}]}))
        c = s.client("sts", creds=cls.alice_creds).assume_role(
            RoleArn=cls.role["Arn"], RoleSessionName="audit-1")["Credentials"]
        cls.role_creds = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        cls.ct = s.client("cloudtrail")

    def find(self, request_id, event_name):
        """The record of one request, by its x-amzn-RequestId."""
        for ev in all_events(self.ct, LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": event_name}]):
            rec = record_of(ev)
            if rec["requestID"] == request_id:
                return ev, rec
        self.fail(f"no {event_name} event with requestID {request_id}")

    def test_root_call(self):
        kms = self.server.client("kms")
        rid = kms.generate_random(NumberOfBytes=16)["ResponseMetadata"]["RequestId"]
        ev, rec = self.find(rid, "GenerateRandom")
        uid = rec["userIdentity"]
        self.assertEqual(uid["type"], "Root")
        self.assertEqual(uid["arn"], f"arn:aws:iam::{self.server.account_id}:root")
        self.assertEqual(uid["principalId"], self.server.account_id)
        self.assertEqual(uid["accessKeyId"], self.server.account["AccessKeyId"])
        self.assertEqual(rec["eventSource"], "kms.amazonaws.com")
        self.assertEqual(rec["requestParameters"], {"numberOfBytes": 16})
        self.assertIsNone(rec["responseElements"])
        self.assertEqual(rec["eventVersion"], "1.09")
        self.assertEqual(rec["awsRegion"], REGION)
        self.assertEqual(rec["sourceIPAddress"], "127.0.0.1")
        self.assertIn("Botocore", rec["userAgent"])
        self.assertTrue(rec["readOnly"])
        self.assertEqual(ev["Username"], "root")
        self.assertEqual(ev["ReadOnly"], "true")
        self.assertEqual(ev["EventId"], rec["eventID"])

    def test_iam_user_allowed_and_denied(self):
        kms = self.server.client("kms", creds=self.alice_creds)
        rid = kms.generate_random(NumberOfBytes=4)["ResponseMetadata"]["RequestId"]
        _, rec = self.find(rid, "GenerateRandom")
        uid = rec["userIdentity"]
        self.assertEqual(uid["type"], "IAMUser")
        self.assertEqual(uid["arn"], self.alice["Arn"])
        self.assertEqual(uid["principalId"], self.alice["UserId"])
        self.assertEqual(uid["userName"], "alice")
        self.assertEqual(uid["accessKeyId"], self.alice_creds[0])
        self.assertNotIn("errorCode", rec)
        with self.assertRaises(ClientError) as cm:
            kms.create_key(Description="not allowed")
        rid = cm.exception.response["ResponseMetadata"]["RequestId"]
        _, rec = self.find(rid, "CreateKey")
        self.assertIn(rec["errorCode"], ("AccessDenied", "AccessDeniedException"))
        self.assertIn("not authorized", rec["errorMessage"])
        self.assertEqual(rec["requestParameters"], {"description": "not allowed"})
        self.assertEqual(rec["userIdentity"]["userName"], "alice")

    def test_assumed_role(self):
        kms = self.server.client("kms", creds=self.role_creds)
        rid = kms.generate_random(NumberOfBytes=4)["ResponseMetadata"]["RequestId"]
        ev, rec = self.find(rid, "GenerateRandom")
        uid = rec["userIdentity"]
        self.assertEqual(uid["type"], "AssumedRole")
        self.assertEqual(uid["arn"],
                         f"arn:aws:sts::{self.server.account_id}:assumed-role/auditor/audit-1")
        self.assertEqual(uid["principalId"], f"{self.role['RoleId']}:audit-1")
        self.assertEqual(uid["accessKeyId"], self.role_creds[0])
        issuer = uid["sessionContext"]["sessionIssuer"]
        self.assertEqual(issuer, {"type": "Role", "principalId": self.role["RoleId"],
                                  "arn": self.role["Arn"],
                                  "accountId": self.server.account_id, "userName": "auditor"})
        attrs = uid["sessionContext"]["attributes"]
        self.assertEqual(attrs["mfaAuthenticated"], "false")
        self.assertRegex(attrs["creationDate"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(ev["Username"], "audit-1")
        # and the AssumeRole call itself, by alice, without the session's secrets
        evs = all_events(self.ct, LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}])
        text = json.dumps([record_of(e) for e in evs])
        self.assertIn(self.role_creds[0], text)
        self.assertNotIn(self.role_creds[1], text)
        self.assertNotIn(self.role_creds[2], text)

    def test_bad_signature_recorded(self):
        akid = self.server.account["AccessKeyId"]
        kms = self.server.client("kms", creds=(akid, "wrong-secret-wrong-secret"))
        with self.assertRaises(ClientError) as cm:
            kms.generate_random(NumberOfBytes=4)
        rid = cm.exception.response["ResponseMetadata"]["RequestId"]
        _, rec = self.find(rid, "GenerateRandom")
        self.assertEqual(rec["errorCode"], "InvalidSignatureException")
        self.assertEqual(rec["userIdentity"]["accessKeyId"], akid)
        # an unknown key is recorded with the key it claimed
        kms = self.server.client("kms", creds=("AKIAUNKNOWN000000001", "x" * 40))
        with self.assertRaises(ClientError) as cm:
            kms.generate_random(NumberOfBytes=4)
        rid = cm.exception.response["ResponseMetadata"]["RequestId"]
        _, rec = self.find(rid, "GenerateRandom")
        self.assertEqual(rec["errorCode"], "UnrecognizedClientException")
        self.assertEqual(rec["userIdentity"]["accessKeyId"], "AKIAUNKNOWN000000001")

    def test_secrets_never_recorded(self):
        kms = self.server.client("kms")
        key = kms.create_key()["KeyMetadata"]
        plaintext = b"the-plaintext-no-trail-may-hold-0123456789"
        ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext,
                         EncryptionContext={"purpose": "test"})["CiphertextBlob"]
        kms.decrypt(CiphertextBlob=ct, EncryptionContext={"purpose": "test"})
        dk = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
        new = self.server.client("iam").create_access_key(UserName="alice")["AccessKey"]
        text = json.dumps([record_of(e) for e in all_events(self.ct)])
        for secret in (plaintext.decode(), base64.b64encode(plaintext).decode(),
                       base64.b64encode(ct).decode(), base64.b64encode(dk["Plaintext"]).decode(),
                       new["SecretAccessKey"], self.alice_secret):
            self.assertNotIn(secret, text)
        enc = [record_of(e) for e in all_events(self.ct, LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "Encrypt"}])]
        params = enc[0]["requestParameters"]
        self.assertEqual(params["keyId"], key["KeyId"])
        self.assertEqual(params["encryptionContext"], {"purpose": "test"})
        self.assertNotIn("plaintext", params)
        cak = [record_of(e) for e in all_events(self.ct, LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CreateAccessKey"}])]
        mine = [r for r in cak if r["responseElements"]["accessKey"]["accessKeyId"] ==
                new["AccessKeyId"]]
        self.assertEqual(len(mine), 1)
        self.assertNotIn("secretAccessKey", mine[0]["responseElements"]["accessKey"])

    def test_every_lookup_attribute(self):
        kms = self.server.client("kms")
        key = kms.create_key(Description="lookup")["KeyMetadata"]
        rid = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["ResponseMetadata"]["RequestId"]
        ev, rec = self.find(rid, "Encrypt")
        akid = self.server.account["AccessKeyId"]
        for k, v in [("EventId", ev["EventId"]), ("EventName", "Encrypt"),
                     ("ReadOnly", "true"), ("Username", "root"),
                     ("ResourceType", "AWS::KMS::Key"), ("ResourceName", key["Arn"]),
                     ("EventSource", "kms.amazonaws.com"), ("AccessKeyId", akid)]:
            found = all_events(self.ct, LookupAttributes=[{"AttributeKey": k,
                                                           "AttributeValue": v}])
            self.assertIn(ev["EventId"], [e["EventId"] for e in found], k)
        self.assertEqual(ev["Resources"], [{"ResourceType": "AWS::KMS::Key",
                                            "ResourceName": key["Arn"]}])
        none = self.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                         "AttributeValue": "NoSuchOp"}])
        self.assertEqual(none["Events"], [])
        self.assertNotIn("NextToken", none)
        # the time range brackets the event
        t = ev["EventTime"]
        got = all_events(self.ct, StartTime=t, EndTime=t, LookupAttributes=[
            {"AttributeKey": "EventId", "AttributeValue": ev["EventId"]}])
        self.assertEqual(len(got), 1)
        got = self.ct.lookup_events(EndTime=t.timestamp() - 3600)["Events"]
        self.assertEqual(got, [])

    def test_lookup_errors(self):
        def code(**kw):
            with self.assertRaises(ClientError) as cm:
                self.ct.lookup_events(**kw)
            return cm.exception.response["Error"]["Code"]
        two = [{"AttributeKey": "EventName", "AttributeValue": "A"},
               {"AttributeKey": "Username", "AttributeValue": "B"}]
        self.assertEqual(code(LookupAttributes=two), "InvalidLookupAttributesException")
        self.assertEqual(code(StartTime=2000000000, EndTime=1000000000),
                         "InvalidTimeRangeException")
        self.assertEqual(code(NextToken="not-a-token"), "InvalidNextTokenException")
        self.assertEqual(code(LookupAttributes=[{"AttributeKey": "ReadOnly",
                                                 "AttributeValue": "maybe"}]),
                         "InvalidLookupAttributesException")
        # a token is only good for the parameters it came with
        for _ in range(3):
            self.server.client("kms").generate_random(NumberOfBytes=1)
        tok = self.ct.lookup_events(MaxResults=1)["NextToken"]
        self.assertEqual(code(NextToken=tok, LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "X"}]), "InvalidNextTokenException")
        self.assertEqual(self.ct.lookup_events(EventCategory="insight")["Events"], [])

    def test_paging_newest_first(self):
        kms = self.server.client("kms", creds=self.alice_creds)
        rids = [kms.generate_random(NumberOfBytes=2)["ResponseMetadata"]["RequestId"]
                for _ in range(12)]
        seen, token, pages = [], None, 0
        while True:
            kw = {"MaxResults": 5, "LookupAttributes": [
                {"AttributeKey": "Username", "AttributeValue": "alice"}]}
            if token:
                kw["NextToken"] = token
            page = self.ct.lookup_events(**kw)
            self.assertLessEqual(len(page["Events"]), 5)
            seen.extend(record_of(e)["requestID"] for e in page["Events"])
            pages += 1
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(len(seen), len(set(seen)))
        # newest first: our 12, in reverse order, in the order they were made
        order = [r for r in seen if r in rids]
        self.assertEqual(order, list(reversed(rids)))
        self.assertGreaterEqual(pages, 3)

    def test_cli_lookup_events(self):
        self.server.client("kms").generate_random(NumberOfBytes=3)
        r = self.server.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                            "AttributeKey=EventName,AttributeValue=GenerateRandom",
                            "--max-results", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertTrue(out["Events"])
        rec = json.loads(out["Events"][0]["CloudTrailEvent"])
        self.assertEqual(rec["eventName"], "GenerateRandom")
        # the CLI's own call was recorded too, as a read
        r = self.server.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                            "AttributeKey=EventName,AttributeValue=LookupEvents",
                            "--max-items", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        ev = json.loads(r.stdout)["Events"][0]
        self.assertEqual(ev["EventSource"], "cloudtrail.amazonaws.com")
        self.assertEqual(ev["ReadOnly"], "true")

    def test_recorded_calls_have_one_access_log_line(self):
        """A recorded call's access log line is written once, when its answer
        goes out, with the status the client got (allowed and denied)."""
        kms = self.server.client("kms")
        rid = kms.generate_random(NumberOfBytes=8)["ResponseMetadata"]["RequestId"]
        denied = self.server.client("iam", creds=self.alice_creds)
        try:
            denied.list_users()
            self.fail("alice may not list users")
        except denied.exceptions.ClientError as e:
            denied_rid = e.response["ResponseMetadata"]["RequestId"]
        for want, status, error in ((rid, 200, None), (denied_rid, 403, "AccessDenied")):
            line = self.server.wait_for_log(
                lambda l, want=want: l.get("msg") == "request" and l.get("request_id") == want)
            self.assertIsNotNone(line, want)
            self.assertEqual(line["status"], status)
            self.assertEqual(line.get("error"), error)
            with self.server._cond:
                count = sum(1 for l in self.server.lines if l.get("request_id") == want)
            self.assertEqual(count, 1)


# ---- crash and load ------------------------------------------------------

class _Proc:
    """`bulwark serve` on a given data directory, killable."""

    def __init__(self, data_dir, threads=2):
        self.proc = subprocess.Popen(
            [bwtest.BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
             "--threads", str(threads), "--no-access-log"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, errors="replace")
        deadline = time.monotonic() + 30
        self.addr = None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "listening":
                self.addr = entry["addr"]
                break
        if not self.addr:
            self.proc.kill()
            raise RuntimeError("bulwark did not start")
        self._drain = threading.Thread(target=lambda: [None for _ in self.proc.stderr],
                                       daemon=True)
        self._drain.start()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        self._drain.join(timeout=5)
        self.proc.stderr.close()
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self._drain.join(timeout=5)
        self.proc.stderr.close()


def _signed_gen_random(addr, creds):
    """Headers for KMS GenerateRandom signed once (replayable for 15 minutes)."""
    req = AWSRequest(method="POST", url=f"http://{addr}/", data=GEN_RANDOM_BODY, headers={
        "Host": addr, "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "TrentService.GenerateRandom"})
    SigV4Auth(Credentials(*creds), "kms", REGION).add_auth(req)
    return dict(req.headers.items())


def _drive(addr, creds, n, answered, stop):
    """Send up to n requests on one keep-alive connection; add the request id
    of each answered one to `answered`."""
    host, port = addr.rsplit(":", 1)
    headers = _signed_gen_random(addr, creds)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for _ in range(n):
            if stop.is_set():
                return
            conn.request("POST", "/", GEN_RANDOM_BODY, headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                answered.append(resp.getheader("x-amzn-RequestId"))
    except (OSError, http.client.HTTPException):
        return
    finally:
        conn.close()


def _verify_chain(data_dir):
    r = subprocess.run([bwtest.BIN, "trail", "verify-chain", "--data-dir", data_dir],
                       capture_output=True, text=True, timeout=120)
    return r.returncode, json.loads(r.stdout) if r.stdout.strip() else None


class TestDurability(unittest.TestCase):

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="bw-trail-")
        acct = bwtest.init_data_dir(self.data_dir)
        self.creds = (acct["AccessKeyId"], acct["SecretAccessKey"])

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_kill9_loses_no_answered_call(self):
        srv = _Proc(self.data_dir)
        answered, stop, threads = [], threading.Event(), []
        for _ in range(6):
            t = threading.Thread(target=_drive, args=(srv.addr, self.creds, 400, answered,
                                                      stop))
            t.start()
            threads.append(t)
        # kill once about half the requests were answered
        deadline = time.monotonic() + 60
        while len(answered) < 1000 and time.monotonic() < deadline:
            time.sleep(0.005)
        srv.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertGreater(len(answered), 500)
        # restart on the same data, then stop cleanly: the log opens fine
        srv = _Proc(self.data_dir)
        self.assertEqual(srv.stop(), 0)
        rc, out = _verify_chain(self.data_dir)
        self.assertEqual(rc, 0, out)
        self.assertTrue(out["ok"])
        db = sqlite3.connect(os.path.join(self.data_dir, "events.db"))
        stored = {r[0] for r in db.execute(
            "SELECT json_extract(record, '$.requestID') FROM events")}
        db.close()
        missing = [r for r in answered if r not in stored]
        self.assertEqual(missing, [], f"{len(missing)} answered requests are not in the trail")
        self.assertGreaterEqual(out["events"], len(answered))

    def test_load_no_event_lost(self):
        srv = _Proc(self.data_dir)
        answered, stop, threads = [], threading.Event(), []
        per, nthreads = 500, 6
        t0 = time.monotonic()
        for _ in range(nthreads):
            t = threading.Thread(target=_drive, args=(srv.addr, self.creds, per, answered, stop))
            t.start()
            threads.append(t)
        for t in threads:
            t.join(timeout=120)
        elapsed = time.monotonic() - t0
        self.assertEqual(len(answered), per * nthreads)
        # LookupEvents sees them all, plus the lookups themselves
        ct = bwtest.boto3.client("cloudtrail", endpoint_url=f"http://{srv.addr}",
                                 region_name=REGION, aws_access_key_id=self.creds[0],
                                 aws_secret_access_key=self.creds[1])
        pages = ct.get_paginator("lookup_events").paginate(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "GenerateRandom"}])
        lookups, found = 0, 0
        for p in pages:
            lookups += 1
            found += len(p["Events"])
        self.assertEqual(found, per * nthreads)
        self.assertEqual(srv.stop(), 0)
        rc, out = _verify_chain(self.data_dir)
        self.assertEqual(rc, 0, out)
        self.assertEqual(out["events"], per * nthreads + lookups)
        print(f"\n  load: {per * nthreads} requests in {elapsed:.2f}s "
              f"({per * nthreads / elapsed:.0f}/s from Python), all recorded")


if __name__ == "__main__":
    unittest.main()
