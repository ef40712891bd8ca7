"""The event log's keyed chain end to end (decision 0101): a live server
records calls; someone with write access to events.db but no root key
deletes a row and recomputes the chain with plain SHA-256, as the chain was
before keying; `bulwark trail verify-chain` fails and names the row, and the
server refuses to carry on from the forged log. verify-chain reads the root
key (a passphrase too) and never makes a data directory or a key."""
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import unittest

from botocore.exceptions import ClientError

import bwtest

PASSPHRASE = "correct horse battery staple"


def _verify_chain(data_dir, *extra, env=None):
    r = subprocess.run([bwtest.BIN, "trail", "verify-chain", "--data-dir", data_dir, *extra],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, **(env or {})))
    out = json.loads(r.stdout) if r.stdout.strip() else None
    return r.returncode, out, r.stderr


def _stop_keeping_data(srv):
    """Stop the server as bwtest.Server.stop does, but keep its data directory."""
    srv.proc.send_signal(signal.SIGTERM)
    rc = srv.proc.wait(timeout=30)
    srv._reader.join(timeout=5)
    srv.proc.stderr.close()
    return rc


def _make_calls(test, srv):
    """A few recorded calls of several services, one of them denied."""
    kms = srv.client("kms")
    key = kms.create_key(Description="chain")["KeyMetadata"]["KeyId"]
    for _ in range(3):
        kms.describe_key(KeyId=key)
    kms.list_keys()
    srv.client("sts").get_caller_identity()
    iam = srv.client("iam")
    iam.create_user(UserName="chain-user")
    keys = iam.create_access_key(UserName="chain-user")["AccessKey"]
    denied = srv.client("kms", creds=(keys["AccessKeyId"], keys["SecretAccessKey"]))
    with test.assertRaises(ClientError):
        denied.list_keys()  # no policy: AccessDenied, recorded all the same
    events = srv.client("cloudtrail").lookup_events(MaxResults=50)["Events"]
    return events


def _events_db(data_dir):
    return sqlite3.connect(os.path.join(data_dir, "events.db"))


def _delete_and_rechain(data_dir, seq, renumber=True):
    """The attack: delete row seq (closing the gap, or not), recompute the
    plain SHA-256 chain over the rows after it, point the head at the new
    end. Returns the number of rows left."""
    db = _events_db(data_dir)
    db.execute("DELETE FROM events WHERE seq = ?", (seq,))
    db.execute("DELETE FROM event_resources WHERE seq = ?", (seq,))
    if renumber:
        db.execute("UPDATE events SET seq = -(seq - 1) WHERE seq > ?", (seq,))
        db.execute("UPDATE events SET seq = -seq WHERE seq < 0")
    row = db.execute("SELECT digest FROM events WHERE seq < ? ORDER BY seq DESC LIMIT 1",
                     (seq,)).fetchone()
    prev = bytes(row[0]) if row else bytes(32)
    last = seq - 1
    for s, record in db.execute("SELECT seq, record FROM events WHERE seq >= ? ORDER BY seq",
                                (seq,)).fetchall():
        digest = hashlib.sha256(prev + record.encode()).digest()
        db.execute("UPDATE events SET prev_digest = ?, digest = ? WHERE seq = ?",
                   (prev, digest, s))
        prev, last = digest, s
    db.execute("UPDATE events_meta SET value = ? WHERE key = 'events.head'",
               (f"{last} {prev.hex()}",))
    db.commit()
    n = db.execute("SELECT count(*) FROM events").fetchone()[0]
    db.close()
    return n


class TestEventChain(unittest.TestCase):

    def setUp(self):
        self.srv = bwtest.Server(threads=1)
        self.data_dir = self.srv.data_dir
        self.events = _make_calls(self, self.srv)
        self.assertEqual(_stop_keeping_data(self.srv), 0)

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_server_written_chain_verifies_keyed_from_row_1(self):
        self.assertGreaterEqual(len(self.events), 8)
        rc, out, err = _verify_chain(self.data_dir)
        self.assertEqual(rc, 0, err)
        self.assertTrue(out["ok"])
        self.assertEqual(out["keyed_from"], 1)
        self.assertIsNone(out["unkeyed_seqs"])
        self.assertEqual(out["keyed_seqs"], [1, out["events"]])
        self.assertGreaterEqual(out["events"], 10)

    def test_deleted_row_and_sha256_chain_recomputed_fails(self):
        rc, before, err = _verify_chain(self.data_dir)
        self.assertEqual(rc, 0, err)
        left = _delete_and_rechain(self.data_dir, 4)
        self.assertEqual(left, before["events"] - 1)
        rc, out, err = _verify_chain(self.data_dir)
        self.assertNotEqual(rc, 0, out)
        self.assertFalse(out["ok"])
        self.assertEqual(out["bad_seq"], 4)
        self.assertIn("chain key", out["problem"])
        self.assertIn("first bad seq 4", err)
        # and the server does not build on the forged log
        r = subprocess.run([bwtest.BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                            self.data_dir, "--threads", "1"],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("refusing to append", r.stderr)

    def test_deleted_row_not_renumbered_fails(self):
        _delete_and_rechain(self.data_dir, 6, renumber=False)
        rc, out, _ = _verify_chain(self.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertEqual(out["bad_seq"], 6)

    def test_mark_removed_from_both_files_fails(self):
        """Passing the whole log off as written before keying."""
        _delete_and_rechain(self.data_dir, 1)
        db = _events_db(self.data_dir)
        db.execute("DELETE FROM events_meta WHERE key = 'events.keyed_from'")
        db.commit()
        db.close()
        rc, out, _ = _verify_chain(self.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertIn("bulwark.db", out["problem"])
        db = sqlite3.connect(os.path.join(self.data_dir, "bulwark.db"))
        db.execute("DELETE FROM meta WHERE key = 'events.keyed_from'")
        db.commit()
        db.close()
        rc, out, _ = _verify_chain(self.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertIsNone(out["keyed_from"])
        self.assertIn("no keyed mark", out["problem"])

    def test_refuses_without_a_root_key_and_makes_none(self):
        os.rename(os.path.join(self.data_dir, "root.key"),
                  os.path.join(self.data_dir, "root.key.away"))
        rc, out, err = _verify_chain(self.data_dir)
        self.assertEqual(rc, 1)
        self.assertIsNone(out)
        self.assertIn("no root key", err)
        self.assertFalse(os.path.exists(os.path.join(self.data_dir, "root.key")))

    def test_refuses_a_missing_data_directory_and_makes_none(self):
        missing = os.path.join(self.data_dir, "nowhere")
        rc, out, err = _verify_chain(missing)
        self.assertEqual(rc, 1)
        self.assertIsNone(out)
        self.assertIn("not a data directory", err)
        self.assertFalse(os.path.exists(missing))
        os.mkdir(missing)
        rc, _, _ = _verify_chain(missing)
        self.assertEqual(rc, 1)
        self.assertEqual(os.listdir(missing), [])


class TestUpgrade(unittest.TestCase):
    """A data directory from before keying: its rows keep their SHA-256
    digests, the first start marks where keying begins, and verify-chain
    reports both parts."""

    def setUp(self):
        srv = bwtest.Server(threads=1)
        self.data_dir = srv.data_dir
        self.creds = srv.root_creds()[:2]
        _make_calls(self, srv)
        self.assertEqual(_stop_keeping_data(srv), 0)
        # turn the log into what an earlier version left: SHA-256 digests,
        # an untagged head, no mark, events.db at schema version 1
        db = _events_db(self.data_dir)
        db.execute("DELETE FROM events_meta WHERE key = 'events.keyed_from'")
        db.execute("PRAGMA user_version = 1")
        db.commit()
        db.close()
        self.unkeyed = self._rewrite_as_sha256()
        db = sqlite3.connect(os.path.join(self.data_dir, "bulwark.db"))
        db.execute("DELETE FROM meta WHERE key = 'events.keyed_from'")
        db.commit()
        db.close()

    def _rewrite_as_sha256(self):
        """Every row's digest as SHA-256; the head untagged. Returns the last seq."""
        db = _events_db(self.data_dir)
        prev, last = bytes(32), 0
        for s, record in db.execute("SELECT seq, record FROM events ORDER BY seq").fetchall():
            digest = hashlib.sha256(prev + record.encode()).digest()
            db.execute("UPDATE events SET prev_digest = ?, digest = ? WHERE seq = ?",
                       (prev, digest, s))
            prev, last = digest, s
        db.execute("UPDATE events_meta SET value = ? WHERE key = 'events.head'",
                   (f"{last} {prev.hex()}",))
        db.commit()
        db.close()
        return last

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_unkeyed_rows_then_keyed(self):
        n = self.unkeyed
        # before a server has run on it: not passed, the unkeyed part checked
        rc, out, _ = _verify_chain(self.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertIsNone(out["keyed_from"])
        self.assertEqual(out["unkeyed_seqs"], [1, n])
        self.assertIn("no keyed mark", out["problem"])
        # a server starts on it (keeping the data directory) and marks n + 1
        r = subprocess.Popen([bwtest.BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                              self.data_dir, "--threads", "1"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        lines = []
        for raw in r.stderr:
            lines.append(raw)
            if '"listening"' in raw:
                break
        addr = json.loads(lines[-1])["addr"]
        sts = bwtest.boto3.client("sts", endpoint_url=f"http://{addr}", region_name=bwtest.REGION,
                                  aws_access_key_id=self.creds[0],
                                  aws_secret_access_key=self.creds[1])
        sts.get_caller_identity()
        sts.get_caller_identity()
        r.send_signal(signal.SIGTERM)
        rest = r.communicate(timeout=30)[1]
        self.assertEqual(r.returncode, 0, "".join(lines) + rest)
        self.assertTrue(any("predate the keyed chain" in l for l in lines), lines)
        rc, out, err = _verify_chain(self.data_dir)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["keyed_from"], n + 1)
        self.assertEqual(out["unkeyed_seqs"], [1, n])
        self.assertEqual(out["keyed_seqs"], [n + 1, n + 2])
        # tampering in the unkeyed part still shows
        db = _events_db(self.data_dir)
        db.execute("UPDATE events SET record = record || ' ' WHERE seq = 1")
        db.commit()
        db.close()
        rc, out, _ = _verify_chain(self.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertEqual(out["bad_seq"], 1)


class TestEventChainPassphrase(unittest.TestCase):
    """A root key derived from a passphrase: verify-chain takes it the ways
    serve and init do."""

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="bw-chain-")
        self.pw_file = self.data_dir + ".pw"
        with open(self.pw_file, "w") as f:
            f.write(PASSPHRASE + "\n")
        bwtest.init_data_dir(self.data_dir, "--passphrase-file", self.pw_file)

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)
        os.unlink(self.pw_file)

    def test_passphrase_file_or_environment(self):
        rc, out, err = _verify_chain(self.data_dir)
        self.assertEqual(rc, 1)
        self.assertIn("passphrase", err)
        rc, out, err = _verify_chain(self.data_dir, "--passphrase-file", self.pw_file)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["keyed_from"], 1)
        rc, out, err = _verify_chain(self.data_dir, env={"BULWARK_PASSPHRASE": PASSPHRASE})
        self.assertEqual(rc, 0, err)
        rc, out, err = _verify_chain(self.data_dir, env={"BULWARK_PASSPHRASE": "wrong"})
        self.assertEqual(rc, 1)
        self.assertIn("wrong passphrase", err)


if __name__ == "__main__":
    unittest.main()
