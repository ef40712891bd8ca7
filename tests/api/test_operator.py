"""A server an operator can trust, and the first five minutes: one server per
data directory and per address, never a start on the wrong root key, every
argument checked before any state is made, read-only commands that create
nothing, the README's quick start in its order, a help and a named error for
every command, and an access log that says who called."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import boto3
from botocore.config import Config

from bwtest import BIN, REGION, Server, init_data_dir


def run(*args, env=None, timeout=60):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)


def serve(data_dir, listen="127.0.0.1:0", *extra, timeout=30):
    """A second `serve` that is expected to refuse: its CompletedProcess."""
    return run("serve", "--listen", listen, "--data-dir", data_dir, "--threads", "1", *extra,
               timeout=timeout)


def sts(endpoint, akid, secret):
    return boto3.client("sts", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=akid, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bw-op-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)


class OneServerPerDataDirTest(TempDirCase):
    def test_second_serve_and_init_refuse_naming_the_pid(self):
        srv = Server(data_dir=self.path("d"))
        try:
            r = serve(srv.data_dir)
            self.assertNotEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"pid {srv.proc.pid}", r.stderr)
            self.assertIn("serve.lock", r.stderr)
            r = run("init", "--data-dir", srv.data_dir, "--no-profile")
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(f"pid {srv.proc.pid}", r.stderr)
            self.assertIn("root create-access-key", r.stderr)
            # the first one serves on, undisturbed
            akid, secret, _ = srv.root_creds()
            sts(srv.endpoint, akid, secret).get_caller_identity()
        finally:
            self.assertEqual(srv.stop(keep=True), 0)
        # the lock goes with the server, however it ended
        srv.restart()
        srv.crash()
        srv.restart()
        self.assertEqual(srv.stop(), 0)


class OneServerPerAddressTest(TempDirCase):
    def test_second_server_on_a_taken_port_fails_address_in_use(self):
        srv = Server(data_dir=self.path("a"))
        try:
            r = serve(self.path("b"), srv.addr)
            self.assertNotEqual(r.returncode, 0, r.stderr)
            self.assertIn("address in use", r.stderr)
            # refused before its data directory was touched
            self.assertFalse(os.path.exists(self.path("b")))
            # all requests still reach the first account
            akid, secret, _ = srv.root_creds()
            client = sts(srv.endpoint, akid, secret)
            for _ in range(8):
                self.assertEqual(client.get_caller_identity()["Account"], srv.account_id)
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_a_port_someone_else_listens_on(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", 0))
        s.listen()
        self.addCleanup(s.close)
        r = serve(self.path("d"), f"127.0.0.1:{s.getsockname()[1]}")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("address in use", r.stderr)


class RootKeyTest(TempDirCase):
    def _serve_ok(self, data_dir, *extra):
        srv = Server.__new__(Server)
        srv.data_dir = data_dir
        srv._args = [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
                     "--threads", "1", *extra]
        srv._start()
        return srv

    def test_missing_root_key_is_refused_not_replaced(self):
        d = self.path("d")
        init_data_dir(d)
        os.rename(os.path.join(d, "root.key"), self.path("saved.key"))
        r = serve(d)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no root key", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "root.key")), "a new key was made")

    def test_a_different_root_key_is_refused(self):
        d = self.path("d")
        init_data_dir(d)
        key = os.path.join(d, "root.key")
        os.chmod(key, 0o600)
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        r = serve(d)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not the one its store was made with", r.stderr)

    def test_a_passphrase_store_with_its_key_file_swapped(self):
        # root.kdf made for another passphrase: its own check passes, the store's does not
        d, other = self.path("d"), self.path("o")
        env = dict(os.environ, BULWARK_PASSPHRASE="first passphrase")
        r = run("init", "--data-dir", d, "--json", "--no-profile", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        env2 = dict(os.environ, BULWARK_PASSPHRASE="second passphrase")
        r = run("init", "--data-dir", other, "--json", "--no-profile", env=env2)
        self.assertEqual(r.returncode, 0, r.stderr)
        shutil.copy(os.path.join(other, "root.kdf"), os.path.join(d, "root.kdf"))
        r = run("serve", "--listen", "127.0.0.1:0", "--data-dir", d, env=env2)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not the one its store was made with", r.stderr)
        r = run("serve", "--listen", "127.0.0.1:0", "--data-dir", d, env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("wrong passphrase", r.stderr)

    def test_a_store_from_before_the_check_value_is_checked_by_unsealing(self):
        import sqlite3
        d = self.path("d")
        acct = init_data_dir(d)
        db = sqlite3.connect(os.path.join(d, "bulwark.db"))
        n = db.execute("DELETE FROM meta WHERE key = 'root_key_check'").rowcount
        db.commit()
        db.close()
        self.assertEqual(n, 1, "init wrote no check value")
        with open(os.path.join(d, "root.key"), "rb") as f:
            good = f.read()
        with open(os.path.join(d, "root.key"), "wb") as f:
            f.write(os.urandom(32))
        r = serve(d)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not the one its store was made with", r.stderr)
        with open(os.path.join(d, "root.key"), "wb") as f:
            f.write(good)
        srv = self._serve_ok(d)
        try:
            out = sts(srv.endpoint, acct["AccessKeyId"],
                      acct["SecretAccessKey"]).get_caller_identity()
            self.assertEqual(out["Account"], acct["AccountId"])
        finally:
            self.assertEqual(srv.stop(keep=True), 0)
        db = sqlite3.connect(os.path.join(d, "bulwark.db"))
        (n,) = db.execute("SELECT count(*) FROM meta WHERE key = 'root_key_check'").fetchone()
        db.close()
        self.assertEqual(n, 1, "the check value was not written back")


class ArgumentsFirstTest(TempDirCase):
    def test_bad_listen_makes_nothing(self):
        d = self.path("d")
        for bad in ("nohost:99999", "1.2.3:80", "[::1]"):
            r = serve(d, bad)
            self.assertEqual(r.returncode, 2, (bad, r.stderr))
            self.assertIn("--listen", r.stderr)
            self.assertNotIn("aws_secret_access_key", r.stdout)
            self.assertFalse(os.path.exists(d), bad)

    def test_bad_values_name_their_option_and_make_nothing(self):
        d = self.path("d")
        for opt, val in (("--threads", "many"), ("--max-body-bytes", "-1"),
                         ("--log-level", "loud"), ("--region", "")):
            r = serve(d, "127.0.0.1:0", opt, val)
            self.assertEqual(r.returncode, 2, (opt, r.stderr))
            self.assertIn(opt, r.stderr)
            self.assertFalse(os.path.exists(d), opt)

    def test_localhost_is_loopback(self):
        srv = Server(data_dir=self.path("d"))
        srv.stop(keep=True)
        srv._args[srv._args.index("127.0.0.1:0")] = "localhost:0"
        srv._start()
        try:
            self.assertTrue(srv.addr.startswith("127.0.0.1:"), srv.addr)
            self.assertIsNone(srv.wait_for_log(lambda l: "beyond loopback" in l.get("msg", ""),
                                               timeout=0.5))
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_read_only_commands_create_nothing(self):
        d = self.path("nothing")
        r = run("trail", "verify-chain", "--data-dir", d)
        self.assertNotEqual(r.returncode, 0)
        r = run("trail", "validate", "--data-dir", d, "--trail", "t")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a data directory", r.stderr)
        r = run("root", "create-access-key", "--data-dir", d)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bulwark init", r.stderr)
        self.assertFalse(os.path.exists(d))


class HelpAndOptionsTest(unittest.TestCase):
    COMMANDS = (["init"], ["serve"], ["root", "create-access-key"], ["kms", "encrypt-file"],
                ["kms", "decrypt-file"], ["trail", "verify-chain"], ["trail", "validate"])

    def test_every_command_has_its_own_help(self):
        for cmd in self.COMMANDS:
            for flag in ("--help", "-h"):
                r = run(*cmd, flag)
                self.assertEqual(r.returncode, 0, (cmd, flag, r.stderr))
                self.assertIn("usage: bulwark " + cmd[0], r.stdout)
                # its own, not the list of every command
                self.assertNotIn("--max-connections" if cmd != ["serve"] else "encrypt-file",
                                 r.stdout, cmd)

    def test_a_wrong_option_names_itself(self):
        for cmd in self.COMMANDS:
            r = run(*cmd, "--foo")
            self.assertEqual(r.returncode, 2, cmd)
            self.assertIn("unknown option --foo", r.stderr, cmd)
            r = run(*cmd, "--foo=bar")
            self.assertIn("unknown option --foo", r.stderr, cmd)
        r = run("serve", "--listen")
        self.assertIn("--listen needs a value", r.stderr)
        r = run("serve", "--no-access-log=1")
        self.assertIn("--no-access-log takes no value", r.stderr)
        r = run("serve", "-x")
        self.assertIn("unknown option -x", r.stderr)


class FirstFiveMinutesTest(TempDirCase):
    def _env(self):
        return dict(os.environ, HOME=self.tmp, AWS_CONFIG_FILE=self.path("config"),
                    AWS_SHARED_CREDENTIALS_FILE=self.path("credentials"))

    def test_quick_start_in_its_order(self):
        # README: init (account + profile), then serve, then the profile works
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        d = self.path("data")
        r = run("init", "--data-dir", d, "--endpoint-url", f"http://127.0.0.1:{port}",
                env=self._env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Wrote the aws CLI profile 'bulwark'", r.stdout)
        srv = Server.__new__(Server)
        srv.data_dir = d
        srv._args = [BIN, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", d,
                     "--threads", "1"]
        srv._start()
        try:
            old = {k: os.environ.get(k) for k in ("AWS_CONFIG_FILE",
                                                   "AWS_SHARED_CREDENTIALS_FILE")}
            os.environ.update(AWS_CONFIG_FILE=self.path("config"),
                              AWS_SHARED_CREDENTIALS_FILE=self.path("credentials"))
            try:
                session = boto3.Session(profile_name="bulwark")
                arn = session.client("sts").get_caller_identity()["Arn"]
            finally:
                for k, v in old.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            self.assertTrue(arn.endswith(":root"), arn)
        finally:
            self.assertEqual(srv.stop(keep=True), 0)

    def test_init_on_an_existing_account_says_what_to_do_and_it_works(self):
        d = self.path("d")
        # as `make run` does first: serve makes the account
        srv = Server.__new__(Server)
        srv.data_dir = d
        srv._args = [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", d, "--threads", "1"]
        srv._start()
        try:
            r = run("init", "--data-dir", d, env=self._env())
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"bulwark root create-access-key --data-dir {d} --profile bulwark",
                          r.stderr)
        finally:
            self.assertEqual(srv.stop(keep=True), 0)
        r = run("init", "--data-dir", d, env=self._env())
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"bulwark root create-access-key --data-dir {d} --profile bulwark",
                      r.stderr)
        r = run("root", "create-access-key", "--data-dir", d, "--profile", "bulwark",
                "--endpoint-url", "http://127.0.0.1:1", env=self._env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Wrote the aws CLI profile 'bulwark'", r.stdout)
        with open(self.path("credentials")) as f:
            creds = f.read()
        self.assertIn("[bulwark]", creds)
        akid = next(l.split("=")[1].strip() for l in creds.splitlines()
                    if l.startswith("aws_access_key_id"))
        secret = next(l.split("=")[1].strip() for l in creds.splitlines()
                      if l.startswith("aws_secret_access_key"))
        srv._start()
        try:
            out = sts(srv.endpoint, akid, secret).get_caller_identity()
            self.assertTrue(out["Arn"].endswith(":root"))
        finally:
            self.assertEqual(srv.stop(keep=True), 0)
        # AWS lets the root hold two keys: serve's and this one
        r = run("root", "create-access-key", "--data-dir", d, "--json", env=self._env())
        self.assertEqual(r.returncode, 1)
        self.assertIn("two access keys", r.stderr)

    def test_trail_validate_with_nothing_to_check_is_not_success(self):
        srv = Server(data_dir=self.path("d"))
        try:
            srv.client("cloudtrail").create_trail(Name="trail-one", S3BucketName="bucket-one")
        finally:
            self.assertEqual(srv.stop(keep=True), 0)
        for extra in ((), ("--json",)):
            r = run("trail", "validate", "--data-dir", srv.data_dir, "--trail", "trail-one", *extra)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("nothing to validate", r.stderr)
            if extra:
                self.assertFalse(json.loads(r.stdout)["valid"])


class AccessLogTest(TempDirCase):
    def test_access_log_names_principal_and_key(self):
        srv = Server(data_dir=self.path("d"))
        try:
            akid, secret, _ = srv.root_creds()
            out = sts(srv.endpoint, akid, secret).get_caller_identity()
            rid = out["ResponseMetadata"]["RequestId"]
            line = srv.wait_for_log(lambda l: l.get("request_id") == rid)
            self.assertIsNotNone(line)
            self.assertEqual(line["principal"], f"arn:aws:iam::{srv.account_id}:root")
            self.assertEqual(line["access_key_id"], akid)
            self.assertNotIn(secret, json.dumps(srv.lines))
        finally:
            self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    unittest.main()
