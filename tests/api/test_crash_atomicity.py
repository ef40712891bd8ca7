"""A committed change and its record in the trail are atomic: both or neither
(issue 9, item 9). The server is killed with SIGKILL at random instants under
a load of writes, restarted, and then every change in the store has its event,
every event of a change is in the store, every answered call is in the trail,
and the event chain verifies."""
import json
import random
import subprocess
import threading
import time
import unittest
import uuid

from botocore.exceptions import ClientError, EndpointConnectionError

from bwtest import BIN, Server


class CrashAtomicityTest(unittest.TestCase):
    ROUNDS = 3
    WRITERS = 4

    def setUp(self):
        self.server = Server()
        self.rng = random.Random()

    def tearDown(self):
        self.server.stop()

    def _load(self, stop, acked, prefix):
        iam = self.server.client("iam")
        n = 0
        while not stop.is_set():
            name = f"{prefix}-{n}"
            n += 1
            try:
                iam.create_user(UserName=name)
                acked.add(("CreateUser", name))
                iam.tag_user(UserName=name, Tags=[{"Key": "seen", "Value": "yes"}])
                acked.add(("TagUser", name))
            except (ClientError, EndpointConnectionError, Exception):  # noqa: B014
                if stop.is_set():
                    return
                time.sleep(0.01)

    def _events(self, ct, name):
        """{userName: record} of the successful events of that name."""
        out = {}
        for page in ct.get_paginator("lookup_events").paginate(
                LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}]):
            for e in page["Events"]:
                rec = json.loads(e["CloudTrailEvent"])
                if rec.get("errorCode"):
                    continue
                out[rec["requestParameters"]["userName"]] = rec
        return out

    def test_kill_under_load(self):
        acked = set()
        for rnd in range(self.ROUNDS):
            stop = threading.Event()
            threads = [threading.Thread(target=self._load, args=(stop, acked, f"r{rnd}w{i}"))
                       for i in range(self.WRITERS)]
            for t in threads:
                t.start()
            time.sleep(self.rng.uniform(0.3, 1.5))
            self.server.crash()
            stop.set()
            for t in threads:
                t.join(timeout=60)
            self.server.restart()

        iam = self.server.client("iam")
        ct = self.server.client("cloudtrail")
        users = {}
        for page in iam.get_paginator("list_users").paginate():
            for u in page["Users"]:
                users[u["UserName"]] = iam.list_user_tags(UserName=u["UserName"])["Tags"]
        created = self._events(ct, "CreateUser")
        tagged = self._events(ct, "TagUser")
        self.assertGreater(len(users), 10, "the load made too few changes to test anything")
        # every change in the store has its record ...
        self.assertEqual(set(users) - set(created), set(), "users without a CreateUser event")
        self.assertEqual({u for u, t in users.items() if t} - set(tagged), set(),
                         "tags without a TagUser event")
        # ... every record of a change is in the store ...
        self.assertEqual(set(created) - set(users), set(), "CreateUser events of no user")
        self.assertEqual({u for u in tagged if not users.get(u)}, set(),
                         "TagUser events of untagged users")
        # ... and every call answered as a success is in both
        for op, name in acked:
            self.assertIn(name, created if op == "CreateUser" else tagged, (op, name))
            self.assertIn(name, users, (op, name))

        self.assertEqual(self.server.stop(keep=True), 0)
        r = subprocess.run([BIN, "trail", "verify-chain", "--data-dir", self.server.data_dir],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
