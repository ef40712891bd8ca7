"""CloudTrail Lake over bulwark's event log, driven with boto3 and the aws CLI.

An event data store is created, calls are made, StartQuery counts them by
eventName and GetQueryResults shows them (paged); writes, ATTACH, PRAGMA,
other tables and two statements are refused with
InvalidQueryStatementException; a deleted store is PENDING_DELETION and no
longer queryable; IAM governs the operations with the store's ARN."""
import json
import time
import unittest

from botocore.exceptions import ClientError

from bwtest import ServerTestCase


def rows_to_dicts(rows):
    """CloudTrail's rows (lists of one-key maps) as plain dicts."""
    out = []
    for row in rows:
        d = {}
        for cell in row:
            d.update(cell)
        out.append(d)
    return out


class TestLake(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ct = cls.server.client("cloudtrail")
        cls.kms = cls.server.client("kms")
        eds = cls.ct.create_event_data_store(Name="lake-main", RetentionPeriod=30,
                                             TerminationProtectionEnabled=False)
        cls.arn = eds["EventDataStoreArn"]
        cls.eds_id = cls.arn.rsplit("/", 1)[1]
        for _ in range(3):
            cls.kms.generate_random(NumberOfBytes=8)
        cls.kms.list_keys()

    def query(self, sql, **kw):
        qid = self.ct.start_query(QueryStatement=sql, **kw)["QueryId"]
        return qid, self.ct.get_query_results(QueryId=qid)

    def counts(self):
        _, res = self.query(f"SELECT eventName, count(*) AS n FROM {self.eds_id}"
                            " GROUP BY eventName ORDER BY eventName")
        self.assertEqual(res["QueryStatus"], "FINISHED", res)
        return {r["eventName"]: int(r["n"]) for r in rows_to_dicts(res["QueryResultRows"])}

    def wait_counts(self, pred):
        deadline = time.time() + 10
        while True:
            c = self.counts()
            if pred(c) or time.time() > deadline:
                return c
            time.sleep(0.2)

    def test_create_get_list(self):
        self.assertRegex(self.arn, r"^arn:aws:cloudtrail:[a-z0-9-]+:\d{12}:eventdatastore/"
                                   r"[0-9a-f-]{36}$")
        got = self.ct.get_event_data_store(EventDataStore=self.arn)
        self.assertEqual(got["Name"], "lake-main")
        self.assertEqual(got["Status"], "ENABLED")
        self.assertEqual(got["RetentionPeriod"], 30)
        self.assertEqual(self.ct.get_event_data_store(EventDataStore=self.eds_id)["Name"],
                         "lake-main")
        names = [e["Name"] for e in self.ct.list_event_data_stores()["EventDataStores"]]
        self.assertIn("lake-main", names)
        with self.assertRaises(ClientError) as ctx:
            self.ct.create_event_data_store(Name="lake-main")
        self.assertClientError(ctx, "EventDataStoreAlreadyExistsException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.get_event_data_store(EventDataStore="00000000-0000-4000-8000-000000000000")
        self.assertClientError(ctx, "EventDataStoreNotFoundException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.get_event_data_store(EventDataStore="not-an-id")
        self.assertClientError(ctx, "EventDataStoreARNInvalidException")

    def test_group_by_event_name(self):
        c = self.wait_counts(lambda c: c.get("GenerateRandom", 0) >= 3 and "ListKeys" in c)
        self.assertGreaterEqual(c.get("GenerateRandom", 0), 3, c)
        self.assertGreaterEqual(c.get("ListKeys", 0), 1, c)
        self.assertGreaterEqual(c.get("CreateEventDataStore", 0), 1, c)

    def test_where_user_identity_paging_describe(self):
        self.wait_counts(lambda c: c.get("GenerateRandom", 0) >= 3)
        qid, res = self.query(f"SELECT eventName, userIdentity.type, eventTime FROM {self.arn}"
                              " WHERE eventSource = 'kms.amazonaws.com' AND"
                              " eventName = 'GenerateRandom' ORDER BY eventTime LIMIT 3")
        rows = rows_to_dicts(res["QueryResultRows"])
        self.assertEqual(len(rows), 3, res)
        self.assertEqual(rows[0]["type"], "Root")
        self.assertEqual(res["QueryStatistics"]["TotalResultsCount"], 3)
        page1 = self.ct.get_query_results(QueryId=qid, MaxQueryResults=2)
        self.assertEqual(len(page1["QueryResultRows"]), 2)
        page2 = self.ct.get_query_results(QueryId=qid, MaxQueryResults=2,
                                          NextToken=page1["NextToken"])
        self.assertEqual(len(page2["QueryResultRows"]), 1)
        self.assertNotIn("NextToken", page2)
        d = self.ct.describe_query(QueryId=qid)
        self.assertEqual(d["QueryStatus"], "FINISHED")
        self.assertIn("GenerateRandom", d["QueryString"])
        self.assertEqual(d["QueryStatistics"]["EventsMatched"], 3)
        ids = [q["QueryId"] for q in self.ct.list_queries(EventDataStore=self.arn)["Queries"]]
        self.assertIn(qid, ids)
        with self.assertRaises(ClientError) as ctx:
            self.ct.cancel_query(QueryId=qid)
        self.assertClientError(ctx, "InactiveQueryException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.get_query_results(QueryId="00000000-0000-4000-8000-000000000000")
        self.assertClientError(ctx, "QueryIdNotFoundException")

    def test_forbidden_statements(self):
        bad = [
            f"DELETE FROM {self.eds_id}",
            "DROP TABLE events",
            f"DROP TABLE {self.eds_id}",
            "ATTACH DATABASE '/tmp/x.db' AS x",
            f"SELECT * FROM {self.eds_id} ; DELETE FROM events",
            "PRAGMA query_only = OFF",
            f"SELECT eventName FROM {self.eds_id} UNION SELECT doc FROM docs",
            f"SELECT * FROM {self.eds_id} WHERE eventName IN (SELECT name FROM sqlite_master)",
            f"SELECT load_extension('x') FROM {self.eds_id}",
            f"SELECT * FROM {self.eds_id} JOIN events",
            "SELECT 1",  # names no event data store
        ]
        for sql in bad:
            with self.subTest(sql=sql):
                with self.assertRaises(ClientError) as ctx:
                    self.ct.start_query(QueryStatement=sql)
                self.assertClientError(ctx, "InvalidQueryStatementException")
        # the log is intact afterwards
        self.assertGreater(sum(self.counts().values()), 0)

    def test_cli(self):
        r = self.server.aws("cloudtrail", "start-query", "--query-statement",
                            f"SELECT eventName, count(*) FROM {self.eds_id} GROUP BY eventName")
        self.assertEqual(r.returncode, 0, r.stderr)
        qid = json.loads(r.stdout)["QueryId"]
        r = self.server.aws("cloudtrail", "get-query-results", "--query-id", qid)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["QueryStatus"], "FINISHED")
        names = [list(row[0].values())[0] for row in out["QueryResultRows"]]
        self.assertIn("CreateEventDataStore", names)
        r = self.server.aws("cloudtrail", "start-query", "--query-statement",
                            f"DELETE FROM {self.eds_id}")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidQueryStatementException", r.stderr)
        r = self.server.aws("cloudtrail", "list-event-data-stores")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("lake-main", r.stdout)

    def test_delete_pending(self):
        eds = self.ct.create_event_data_store(Name="lake-gone")
        arn = eds["EventDataStoreArn"]
        self.assertTrue(eds["TerminationProtectionEnabled"])
        with self.assertRaises(ClientError) as ctx:
            self.ct.delete_event_data_store(EventDataStore=arn)
        self.assertClientError(ctx, "EventDataStoreTerminationProtectedException")
        eds = self.ct.create_event_data_store(Name="lake-gone2",
                                              TerminationProtectionEnabled=False)
        arn = eds["EventDataStoreArn"]
        self.ct.delete_event_data_store(EventDataStore=arn)
        self.assertEqual(self.ct.get_event_data_store(EventDataStore=arn)["Status"],
                         "PENDING_DELETION")
        with self.assertRaises(ClientError) as ctx:
            self.ct.start_query(QueryStatement="SELECT eventName FROM " + arn.rsplit("/", 1)[1])
        self.assertClientError(ctx, "InactiveEventDataStoreException")
        with self.assertRaises(ClientError) as ctx:
            self.ct.delete_event_data_store(EventDataStore=arn)
        self.assertClientError(ctx, "InactiveEventDataStoreException")

    def test_iam_resource(self):
        iam = self.server.client("iam")
        iam.create_user(UserName="lake-reader")
        iam.put_user_policy(UserName="lake-reader", PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow",
                           "Action": ["cloudtrail:StartQuery", "cloudtrail:GetQueryResults"],
                           "Resource": self.arn}]}))
        key = iam.create_access_key(UserName="lake-reader")["AccessKey"]
        ct = self.server.client("cloudtrail", creds=(key["AccessKeyId"],
                                                     key["SecretAccessKey"]))
        deadline = time.time() + 10
        while True:  # a new key may take a moment to be usable
            try:
                qid = ct.start_query(QueryStatement=f"SELECT count(*) FROM {self.eds_id}")
                break
            except ClientError as e:
                if time.time() > deadline:
                    raise
                if e.response["Error"]["Code"] not in ("InvalidClientTokenId",
                                                       "UnrecognizedClientException"):
                    raise
                time.sleep(0.2)
        res = ct.get_query_results(QueryId=qid["QueryId"])
        self.assertEqual(res["QueryStatus"], "FINISHED")
        with self.assertRaises(ClientError) as ctx:
            ct.describe_query(QueryId=qid["QueryId"])
        self.assertClientError(ctx, "AccessDeniedException")


if __name__ == "__main__":
    unittest.main()
