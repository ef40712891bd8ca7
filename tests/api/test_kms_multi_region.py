"""KMS multi-Region keys through boto3 and the aws CLI, with one client per
region against the same server (the region of a call is its SigV4 scope).

What a user relies on: CreateKey MultiRegion=true makes an "mrk-" key that is
the PRIMARY of its set; ReplicateKey makes a key with the same id and key
material in another region, so a ciphertext (or MAC, or signature) made in one
region is good in the other; each region lists only its own key; policy,
description, tags, aliases and enabled state are each key's own, rotation is
the primary's and shared; UpdatePrimaryRegion swaps PRIMARY and REPLICA; a
primary with replicas waits in PendingReplicaDeletion. Authorization as AWS
documents it: kms:ReplicateKey on the primary, kms:CreateKey (and
kms:TagResource with Tags) in an IAM policy of the replica region,
kms:UpdatePrimaryRegion on both keys (each by its own key policy), and the
kms:ReplicaRegion / kms:PrimaryRegion / kms:MultiRegion condition keys."""
import json
import os
import shutil
import subprocess
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from bwtest import REGION, ServerTestCase, require_api

OTHER = "eu-west-1"
THIRD = "ap-south-1"


def _admin_policy(acct, *statements):
    """A key policy: the account root may administer the key (delegates to
    IAM), plus statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
         "Action": "kms:*", "Resource": "*"}, *statements]})


class KmsMultiRegionTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.account_id
        cls.east = cls._client(REGION)
        cls.west = cls._client(OTHER)
        cls.south = cls._client(THIRD)
        cls.iam = cls.server.client("iam")
        cls.users = {}

    @classmethod
    def _client(cls, region, creds=None):
        akid, secret, token = (tuple(creds) + (None,))[:3] if creds else cls.server.root_creds()
        return boto3.client("kms", endpoint_url=cls.server.endpoint, region_name=region,
                            aws_access_key_id=akid, aws_secret_access_key=secret,
                            aws_session_token=token,
                            config=Config(retries={"max_attempts": 1, "mode": "standard"}))

    def _user(self, name, statements):
        if name in self.users:
            return self.users[name]
        arn = self.iam.create_user(UserName=name)["User"]["Arn"]
        self.iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
        k = self.iam.create_access_key(UserName=name)["AccessKey"]
        creds = (k["AccessKeyId"], k["SecretAccessKey"])
        self.users[name] = (arn, creds)
        return arn, creds

    def _aws(self, region, *args):
        exe = shutil.which("aws")
        if not exe:
            self.skipTest("the aws CLI is not installed")
        akid, secret, _ = self.server.root_creds()
        env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=region, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        return subprocess.run([exe, "--endpoint-url", self.server.endpoint, "--output", "json",
                               *args], env=env, capture_output=True, text=True, timeout=120)

    def _error(self, code, fn, **kw):
        with self.assertRaises(ClientError) as ctx:
            fn(**kw)
        return self.assertClientError(ctx, code)

    def _primary(self, **kw):
        md = self.east.create_key(MultiRegion=True, **kw)["KeyMetadata"]
        return md

    def _pair(self, **kw):
        """A primary in REGION and its replica in OTHER: (primary, replica) metadata."""
        p = self._primary(**kw)
        r = self.east.replicate_key(KeyId=p["KeyId"], ReplicaRegion=OTHER)
        return p, r["ReplicaKeyMetadata"]

    # --- CreateKey ------------------------------------------------------------

    def test_create_primary(self):
        md = self._primary(Description="primary")
        kid = md["KeyId"]
        self.assertTrue(kid.startswith("mrk-"))
        self.assertEqual(len(kid), 36)
        self.assertRegex(kid[4:], r"^[0-9a-f]{32}$")
        self.assertTrue(md["MultiRegion"])
        self.assertEqual(md["Arn"], f"arn:aws:kms:{REGION}:{self.acct}:key/{kid}")
        cfg = md["MultiRegionConfiguration"]
        self.assertEqual(cfg["MultiRegionKeyType"], "PRIMARY")
        self.assertEqual(cfg["PrimaryKey"], {"Arn": md["Arn"], "Region": REGION})
        self.assertEqual(cfg["ReplicaKeys"], [])
        self.assertEqual(self.east.describe_key(KeyId=kid)["KeyMetadata"]
                         ["MultiRegionConfiguration"], cfg)
        # a single-Region key says so and has no configuration
        single = self.east.create_key()["KeyMetadata"]
        self.assertFalse(single["MultiRegion"])
        self.assertNotIn("MultiRegionConfiguration", single)
        self.assertFalse(single["KeyId"].startswith("mrk-"))

    def test_create_every_spec(self):
        for spec, usage in (("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
                            ("HMAC_256", "GENERATE_VERIFY_MAC"),
                            ("RSA_2048", "ENCRYPT_DECRYPT"), ("ECC_NIST_P256", "SIGN_VERIFY")):
            md = self._primary(KeySpec=spec, KeyUsage=usage)
            self.assertTrue(md["KeyId"].startswith("mrk-"), spec)
            self.assertEqual(md["KeySpec"], spec)
            r = self.east.replicate_key(KeyId=md["Arn"], ReplicaRegion=OTHER)
            self.assertEqual(r["ReplicaKeyMetadata"]["KeySpec"], spec)
            self.assertEqual(r["ReplicaKeyMetadata"]["KeyUsage"], usage)

    def test_external_refused_clearly(self):
        err = self._error("UnsupportedOperationException", self.east.create_key,
                          MultiRegion=True, Origin="EXTERNAL")
        self.assertIn("EXTERNAL", err["Error"]["Message"])

    # --- ReplicateKey -----------------------------------------------------------

    def test_replicate(self):
        p = self._primary(Tags=[{"TagKey": "team", "TagValue": "east"}])
        kid = p["KeyId"]
        r = self.east.replicate_key(KeyId=kid, ReplicaRegion=OTHER, Description="the copy",
                                    Tags=[{"TagKey": "team", "TagValue": "west"}])
        md = r["ReplicaKeyMetadata"]
        self.assertEqual(md["KeyId"], kid)
        self.assertEqual(md["Arn"], f"arn:aws:kms:{OTHER}:{self.acct}:key/{kid}")
        self.assertEqual(md["Description"], "the copy")
        self.assertTrue(md["MultiRegion"])
        self.assertEqual(md["KeyState"], "Enabled")
        cfg = md["MultiRegionConfiguration"]
        self.assertEqual(cfg["MultiRegionKeyType"], "REPLICA")
        self.assertEqual(cfg["PrimaryKey"], {"Arn": p["Arn"], "Region": REGION})
        self.assertEqual(cfg["ReplicaKeys"], [{"Arn": md["Arn"], "Region": OTHER}])
        self.assertEqual(r["ReplicaTags"], [{"TagKey": "team", "TagValue": "west"}])
        self.assertEqual(json.loads(r["ReplicaPolicy"])["Statement"][0]["Principal"]["AWS"],
                         f"arn:aws:iam::{self.acct}:root")
        # the primary lists its replica; the replica is found in its region by id
        pc = self.east.describe_key(KeyId=kid)["KeyMetadata"]["MultiRegionConfiguration"]
        self.assertEqual(pc["ReplicaKeys"], [{"Arn": md["Arn"], "Region": OTHER}])
        self.assertEqual(self.west.describe_key(KeyId=kid)["KeyMetadata"]["Arn"], md["Arn"])
        self.assertEqual(self.west.describe_key(KeyId=md["Arn"])["KeyMetadata"]["Arn"],
                         md["Arn"])
        # tags are each key's own
        self.assertEqual(self.east.list_resource_tags(KeyId=kid)["Tags"],
                         [{"TagKey": "team", "TagValue": "east"}])
        self.assertEqual(self.west.list_resource_tags(KeyId=kid)["Tags"],
                         [{"TagKey": "team", "TagValue": "west"}])
        # not in a third region, by id or by ARN
        self._error("NotFoundException", self.south.describe_key, KeyId=kid)
        self._error("NotFoundException", self.east.describe_key, KeyId=md["Arn"])

    def test_replicate_errors(self):
        p, rep = self._pair()
        kid = p["KeyId"]
        self._error("AlreadyExistsException", self.east.replicate_key, KeyId=kid,
                    ReplicaRegion=OTHER)
        self._error("AlreadyExistsException", self.east.replicate_key, KeyId=kid,
                    ReplicaRegion=REGION)
        # only the primary replicates
        err = self._error("UnsupportedOperationException", self.west.replicate_key, KeyId=kid,
                          ReplicaRegion=THIRD)
        self.assertIn("primary", err["Error"]["Message"])
        single = self.east.create_key()["KeyMetadata"]["KeyId"]
        self._error("UnsupportedOperationException", self.east.replicate_key, KeyId=single,
                    ReplicaRegion=OTHER)
        # region names as the model has them: lower case, dash separated
        for bad in ("EU-WEST-1", "eu_west_1", "moon", "eu-west-", "eu-west-1a",
                    "eu-west-1/../x", "a-b-c-d-1", "eu-west-1\u0131"):
            self._error("ValidationException", self.east.replicate_key, KeyId=kid,
                        ReplicaRegion=bad)
        self._error("NotFoundException", self.east.replicate_key,
                    KeyId="mrk-00000000000000000000000000000000", ReplicaRegion=THIRD)
        # a key being deleted does not replicate
        q = self._primary()
        self.east.schedule_key_deletion(KeyId=q["KeyId"], PendingWindowInDays=7)
        self._error("KMSInvalidStateException", self.east.replicate_key, KeyId=q["KeyId"],
                    ReplicaRegion=OTHER)

    def test_shared_material_across_regions(self):
        p, rep = self._pair()
        kid = p["KeyId"]
        blob = self.east.encrypt(KeyId=kid, Plaintext=b"from the east",
                                 EncryptionContext={"k": "v"})["CiphertextBlob"]
        out = self.west.decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})
        self.assertEqual(out["Plaintext"], b"from the east")
        self.assertEqual(out["KeyId"], rep["Arn"])
        out = self.west.decrypt(CiphertextBlob=blob, KeyId=rep["Arn"],
                                EncryptionContext={"k": "v"})
        self.assertEqual(out["Plaintext"], b"from the east")
        # and back, with the replica's ARN in its own region
        blob2 = self.west.encrypt(KeyId=rep["Arn"], Plaintext=b"from the west")["CiphertextBlob"]
        out = self.east.decrypt(CiphertextBlob=blob2)
        self.assertEqual(out["Plaintext"], b"from the west")
        self.assertEqual(out["KeyId"], p["Arn"])
        # the context still binds; a region without a related key cannot decrypt
        self._error("InvalidCiphertextException", self.west.decrypt, CiphertextBlob=blob)
        self._error("InvalidCiphertextException", self.south.decrypt, CiphertextBlob=blob2)
        # ReEncrypt in the west of a blob made in the east, read back in the east
        re = self.west.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"k": "v"},
                                  DestinationKeyId=kid)
        self.assertEqual(re["SourceKeyId"], rep["Arn"])
        self.assertEqual(self.east.decrypt(CiphertextBlob=re["CiphertextBlob"])["Plaintext"],
                         b"from the east")
        # data keys too
        dk = self.west.generate_data_key(KeyId=kid, KeySpec="AES_256")
        self.assertEqual(self.east.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"],
                         dk["Plaintext"])

    def test_shared_hmac_and_signing(self):
        h = self._primary(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        self.east.replicate_key(KeyId=h["KeyId"], ReplicaRegion=OTHER)
        mac = self.east.generate_mac(KeyId=h["KeyId"], Message=b"m",
                                     MacAlgorithm="HMAC_SHA_256")["Mac"]
        self.assertTrue(self.west.verify_mac(KeyId=h["KeyId"], Message=b"m", Mac=mac,
                                             MacAlgorithm="HMAC_SHA_256")["MacValid"])
        s = self._primary(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        self.east.replicate_key(KeyId=s["KeyId"], ReplicaRegion=OTHER)
        sig = self.west.sign(KeyId=s["KeyId"], Message=b"m",
                             SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        self.assertTrue(self.east.verify(KeyId=s["KeyId"], Message=b"m", Signature=sig,
                                         SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"])
        self.assertEqual(self.east.get_public_key(KeyId=s["KeyId"])["PublicKey"],
                         self.west.get_public_key(KeyId=s["KeyId"])["PublicKey"])

    def test_list_keys_per_region(self):
        p, rep = self._pair()

        def arns(client):
            out, marker = [], None
            while True:
                page = client.list_keys(**({"Marker": marker} if marker else {}))
                out += [k["KeyArn"] for k in page["Keys"]]
                if not page.get("Truncated"):
                    return out
                marker = page["NextMarker"]

        east, west, south = arns(self.east), arns(self.west), arns(self.south)
        self.assertEqual(east.count(p["Arn"]), 1)
        self.assertNotIn(rep["Arn"], east)
        self.assertEqual(west.count(rep["Arn"]), 1)
        self.assertNotIn(p["Arn"], west)
        self.assertFalse(any(p["KeyId"] in a for a in south))
        self.assertTrue(all(f":{OTHER}:" in a for a in west))

    def test_independent_properties(self):
        p, rep = self._pair()
        kid = p["KeyId"]
        # enabled state
        self.west.disable_key(KeyId=kid)
        self.east.encrypt(KeyId=kid, Plaintext=b"x")
        self._error("DisabledException", self.west.encrypt, KeyId=kid, Plaintext=b"x")
        self.west.enable_key(KeyId=kid)
        # description
        self.west.update_key_description(KeyId=kid, Description="west only")
        self.assertEqual(self.east.describe_key(KeyId=kid)["KeyMetadata"]["Description"], "")
        # aliases: each region's own, same name in both
        self.east.create_alias(AliasName="alias/mrk-east", TargetKeyId=kid)
        self.assertEqual(self.west.list_aliases(KeyId=kid)["Aliases"], [])
        self._error("NotFoundException", self.west.describe_key, KeyId="alias/mrk-east")
        self.west.create_alias(AliasName="alias/mrk-west", TargetKeyId=rep["Arn"])
        names = [a["AliasName"] for a in self.east.list_aliases(KeyId=kid)["Aliases"]]
        self.assertEqual(names, ["alias/mrk-east"])
        self.assertEqual(self.west.describe_key(KeyId="alias/mrk-west")["KeyMetadata"]["Arn"],
                         rep["Arn"])
        # key policies
        pol = _admin_policy(self.acct)
        self.west.put_key_policy(KeyId=kid, PolicyName="default", Policy=pol)
        self.assertEqual(json.loads(self.west.get_key_policy(KeyId=kid)["Policy"]),
                         json.loads(pol))
        self.assertNotEqual(json.loads(self.east.get_key_policy(KeyId=kid)["Policy"]),
                            json.loads(pol))
        # grants
        grantee = f"arn:aws:iam::{self.acct}:user/nobody"
        self.east.create_grant(KeyId=kid, GranteePrincipal=grantee, Operations=["Encrypt"])
        self.assertEqual(len(self.east.list_grants(KeyId=kid)["Grants"]), 1)
        self.assertEqual(self.west.list_grants(KeyId=kid)["Grants"], [])
        # and the configuration survives the replica's own changes
        cfg = self.east.describe_key(KeyId=kid)["KeyMetadata"]["MultiRegionConfiguration"]
        self.assertEqual(cfg["ReplicaKeys"], [{"Arn": rep["Arn"], "Region": OTHER}])

    # --- rotation: the primary's, shared ---------------------------------------

    def test_rotation_shared(self):
        p, rep = self._pair()
        kid = p["KeyId"]
        self._error("UnsupportedOperationException", self.west.enable_key_rotation, KeyId=kid)
        self.east.enable_key_rotation(KeyId=kid)
        self.assertTrue(self.west.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"])
        old = self.east.encrypt(KeyId=kid, Plaintext=b"before")["CiphertextBlob"]
        client = self.east
        require_api(self, client, "RotateKeyOnDemand")
        self._error("UnsupportedOperationException", self.west.rotate_key_on_demand, KeyId=kid)
        self.east.rotate_key_on_demand(KeyId=kid)
        pm = self.east.describe_key(KeyId=kid)["KeyMetadata"]
        rm = self.west.describe_key(KeyId=kid)["KeyMetadata"]
        if "CurrentKeyMaterialId" in pm:
            self.assertEqual(pm["CurrentKeyMaterialId"], rm["CurrentKeyMaterialId"])
        new = self.west.encrypt(KeyId=kid, Plaintext=b"after")["CiphertextBlob"]
        self.assertEqual(self.east.decrypt(CiphertextBlob=new)["Plaintext"], b"after")
        self.assertEqual(self.west.decrypt(CiphertextBlob=old)["Plaintext"], b"before")
        self.east.disable_key_rotation(KeyId=kid)
        self.assertFalse(self.west.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"])

    # --- UpdatePrimaryRegion ---------------------------------------------------------

    def test_update_primary_region(self):
        p, rep = self._pair()
        kid = p["KeyId"]
        self.east.update_primary_region(KeyId=p["Arn"], PrimaryRegion=OTHER)
        e = self.east.describe_key(KeyId=kid)["KeyMetadata"]["MultiRegionConfiguration"]
        w = self.west.describe_key(KeyId=kid)["KeyMetadata"]["MultiRegionConfiguration"]
        self.assertEqual(e["MultiRegionKeyType"], "REPLICA")
        self.assertEqual(w["MultiRegionKeyType"], "PRIMARY")
        for cfg in (e, w):
            self.assertEqual(cfg["PrimaryKey"], {"Arn": rep["Arn"], "Region": OTHER})
            self.assertEqual(cfg["ReplicaKeys"], [{"Arn": p["Arn"], "Region": REGION}])
        # the old primary is a replica now: it neither replicates nor rotates
        self._error("UnsupportedOperationException", self.east.replicate_key, KeyId=kid,
                    ReplicaRegion=THIRD)
        self._error("UnsupportedOperationException", self.east.update_primary_region,
                    KeyId=kid, PrimaryRegion=OTHER)
        self._error("UnsupportedOperationException", self.east.enable_key_rotation, KeyId=kid)
        # the new primary replicates; every key learns of the new replica
        self.west.replicate_key(KeyId=kid, ReplicaRegion=THIRD)
        e = self.east.describe_key(KeyId=kid)["KeyMetadata"]["MultiRegionConfiguration"]
        self.assertEqual(sorted(r["Region"] for r in e["ReplicaKeys"]), [THIRD, REGION])
        # a region without a replica; a disabled replica
        self._error("NotFoundException", self.west.update_primary_region, KeyId=kid,
                    PrimaryRegion="us-west-2")
        self.south.disable_key(KeyId=kid)
        self._error("DisabledException", self.west.update_primary_region, KeyId=kid,
                    PrimaryRegion=THIRD)
        self._error("ValidationException", self.west.update_primary_region, KeyId=kid,
                    PrimaryRegion="US-EAST-1")
        single = self.east.create_key()["KeyMetadata"]["KeyId"]
        self._error("UnsupportedOperationException", self.east.update_primary_region,
                    KeyId=single, PrimaryRegion=OTHER)
        # crypto still crosses regions after the swap
        blob = self.east.encrypt(KeyId=kid, Plaintext=b"x")["CiphertextBlob"]
        self.assertEqual(self.west.decrypt(CiphertextBlob=blob)["Plaintext"], b"x")

    # --- deletion ------------------------------------------------------------------------

    def test_deletion_states(self):
        p, rep = self._pair()
        kid = p["KeyId"]
        out = self.east.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
        self.assertEqual(out["KeyState"], "PendingReplicaDeletion")
        self.assertEqual(out["PendingWindowInDays"], 7)
        self.assertNotIn("DeletionDate", out)
        md = self.east.describe_key(KeyId=kid)["KeyMetadata"]
        self.assertEqual(md["KeyState"], "PendingReplicaDeletion")
        self.assertEqual(md["PendingDeletionWindowInDays"], 7)
        self.assertFalse(md["Enabled"])
        self._error("KMSInvalidStateException", self.east.encrypt, KeyId=kid, Plaintext=b"x")
        self._error("KMSInvalidStateException", self.east.enable_key, KeyId=kid)
        # the replica is untouched and still works
        self.west.encrypt(KeyId=kid, Plaintext=b"x")
        self.assertEqual(self.east.cancel_key_deletion(KeyId=kid)["KeyId"], p["Arn"])
        md = self.east.describe_key(KeyId=kid)["KeyMetadata"]
        self.assertEqual(md["KeyState"], "Disabled")
        self.assertNotIn("PendingDeletionWindowInDays", md)
        # a replica is deleted on its own window; the primary still lists it meanwhile
        out = self.west.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
        self.assertEqual(out["KeyState"], "PendingDeletion")
        self.assertIn("DeletionDate", out)
        self.assertEqual(self.east.describe_key(KeyId=kid)["KeyMetadata"]
                         ["MultiRegionConfiguration"]["ReplicaKeys"][0]["Region"], OTHER)
        # a primary without replicas is deleted like any key
        q = self._primary()
        out = self.east.schedule_key_deletion(KeyId=q["KeyId"], PendingWindowInDays=7)
        self.assertEqual(out["KeyState"], "PendingDeletion")

    # --- authorization -------------------------------------------------------------------

    def test_replicate_needs_create_key_in_replica_region(self):
        p = self._primary()
        kid = p["KeyId"]
        _, only = self._user("mrk-only-replicate", [
            {"Effect": "Allow", "Action": ["kms:ReplicateKey", "kms:DescribeKey"],
             "Resource": "*"}])
        c = self._client(REGION, only)
        err = self._error("AccessDeniedException", c.replicate_key, KeyId=kid,
                          ReplicaRegion=OTHER)
        self.assertIn("kms:CreateKey", err["Error"]["Message"])
        # CreateKey allowed only in the primary's region is not enough
        _, home = self._user("mrk-create-home", [
            {"Effect": "Allow", "Action": "kms:ReplicateKey", "Resource": "*"},
            {"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": REGION}}}])
        self._error("AccessDeniedException", self._client(REGION, home).replicate_key,
                    KeyId=kid, ReplicaRegion=OTHER)
        # both: allowed; with Tags, kms:TagResource is needed too
        _, both = self._user("mrk-both", [
            {"Effect": "Allow", "Action": ["kms:ReplicateKey", "kms:CreateKey"],
             "Resource": "*"}])
        c = self._client(REGION, both)
        self._error("AccessDeniedException", c.replicate_key, KeyId=kid, ReplicaRegion=OTHER,
                    Tags=[{"TagKey": "a", "TagValue": "b"}])
        c.replicate_key(KeyId=kid, ReplicaRegion=OTHER)
        # the kms:ReplicaRegion condition key
        _, only_west = self._user("mrk-west-only", [
            {"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*"},
            {"Effect": "Allow", "Action": "kms:ReplicateKey", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ReplicaRegion": OTHER}}}])
        q = self._primary()
        c = self._client(REGION, only_west)
        self._error("AccessDeniedException", c.replicate_key, KeyId=q["KeyId"],
                    ReplicaRegion=THIRD)
        c.replicate_key(KeyId=q["KeyId"], ReplicaRegion=OTHER)
        # kms:MultiRegion: a user kept to single-Region keys
        _, single = self._user("mrk-single-only", [
            {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
             "Condition": {"Bool": {"kms:MultiRegion": "false"}}}])
        c = self._client(REGION, single)
        self._error("AccessDeniedException", c.encrypt, KeyId=kid, Plaintext=b"x")
        plain = self.east.create_key()["KeyMetadata"]["KeyId"]
        c.encrypt(KeyId=plain, Plaintext=b"x")

    def test_condition_keys(self):
        p, rep = self._pair()
        kid = p["KeyId"]
        self.east.replicate_key(KeyId=kid, ReplicaRegion=THIRD)
        # kms:MultiRegionKeyType: the primary only
        _, creds = self._user("mrk-primary-only", [
            {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:MultiRegionKeyType": "PRIMARY"}}}])
        self._client(REGION, creds).encrypt(KeyId=kid, Plaintext=b"x")
        self._error("AccessDeniedException", self._client(OTHER, creds).encrypt, KeyId=kid,
                    Plaintext=b"x")
        # kms:PrimaryRegion: only to the west
        _, creds = self._user("mrk-primary-west", [
            {"Effect": "Allow", "Action": "kms:UpdatePrimaryRegion", "Resource": "*",
             "Condition": {"StringEquals": {"kms:PrimaryRegion": OTHER}}}])
        c = self._client(REGION, creds)
        self._error("AccessDeniedException", c.update_primary_region, KeyId=kid,
                    PrimaryRegion=THIRD)
        c.update_primary_region(KeyId=kid, PrimaryRegion=OTHER)
        self.assertEqual(self.west.describe_key(KeyId=kid)["KeyMetadata"]
                         ["MultiRegionConfiguration"]["MultiRegionKeyType"], "PRIMARY")
        # the replica-side check is made in the replica's region: a policy kept
        # to the caller's region does not reach it
        _, creds = self._user("mrk-home-region", [
            {"Effect": "Allow", "Action": "kms:UpdatePrimaryRegion", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": OTHER}}}])
        self._error("AccessDeniedException", self._client(OTHER, creds).update_primary_region,
                    KeyId=kid, PrimaryRegion=REGION)

    def test_key_policy_denies(self):
        arn, creds = self._user("mrk-admin", [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}])
        # the primary's key policy denies ReplicateKey to this user
        p = self._primary(Policy=_admin_policy(self.acct, {
            "Effect": "Deny", "Principal": {"AWS": arn}, "Action": "kms:ReplicateKey",
            "Resource": "*"}))
        c = self._client(REGION, creds)
        self._error("AccessDeniedException", c.replicate_key, KeyId=p["KeyId"],
                    ReplicaRegion=OTHER)
        # UpdatePrimaryRegion needs the replica's key policy too
        q = self._primary()
        self.east.replicate_key(KeyId=q["KeyId"], ReplicaRegion=OTHER,
                                Policy=_admin_policy(self.acct, {
                                    "Effect": "Deny", "Principal": {"AWS": arn},
                                    "Action": "kms:UpdatePrimaryRegion", "Resource": "*"}))
        err = self._error("AccessDeniedException", c.update_primary_region, KeyId=q["KeyId"],
                          PrimaryRegion=OTHER)
        self.assertIn(f":{OTHER}:", err["Error"]["Message"])
        self.assertEqual(self.east.describe_key(KeyId=q["KeyId"])["KeyMetadata"]
                         ["MultiRegionConfiguration"]["MultiRegionKeyType"], "PRIMARY")
        # the lockout check runs on the replica's policy
        self._error("MalformedPolicyDocumentException", self.east.replicate_key,
                    KeyId=p["KeyId"], ReplicaRegion=THIRD, Policy=json.dumps({
                        "Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Principal": {"AWS": arn},
                            "Action": "kms:Encrypt", "Resource": "*"}]}))
        self._error("NotFoundException", self.south.describe_key, KeyId=p["KeyId"])

    def test_grants_independent(self):
        arn, creds = self._user("mrk-grantee", [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}])
        # key policies that let the user do nothing: only a grant can
        pol = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.acct}:root"},
             "Action": ["kms:PutKeyPolicy", "kms:CreateGrant", "kms:ListGrants",
                        "kms:ReplicateKey", "kms:RevokeGrant", "kms:DescribeKey"],
             "Resource": "*"}]})
        p = self._primary(Policy=pol)
        kid = p["KeyId"]
        self.east.replicate_key(KeyId=kid, ReplicaRegion=OTHER, Policy=pol)
        g = self.east.create_grant(KeyId=kid, GranteePrincipal=arn, Operations=["Encrypt"])
        self._client(REGION, creds).encrypt(KeyId=kid, Plaintext=b"x")
        # the primary's grant does not reach the replica, nor does its token
        west = self._client(OTHER, creds)
        self._error("AccessDeniedException", west.encrypt, KeyId=kid, Plaintext=b"x")
        self._error("InvalidGrantTokenException", self.west.encrypt, KeyId=kid,
                    Plaintext=b"x", GrantTokens=[g["GrantToken"]])
        self._error("NotFoundException", self.west.revoke_grant, KeyId=kid,
                    GrantId=g["GrantId"])
        self.assertEqual(len(self.east.list_grants(KeyId=kid)["Grants"]), 1)

    # --- the aws CLI -------------------------------------------------------------------------

    def test_cli(self):
        r = self._aws(REGION, "kms", "create-key", "--multi-region")
        self.assertEqual(r.returncode, 0, r.stderr)
        md = json.loads(r.stdout)["KeyMetadata"]
        self.assertTrue(md["KeyId"].startswith("mrk-"))
        r = self._aws(REGION, "kms", "replicate-key", "--key-id", md["Arn"],
                      "--replica-region", OTHER, "--description", "cli")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["ReplicaKeyMetadata"]["Description"], "cli")
        r = self._aws(OTHER, "kms", "describe-key", "--key-id", md["KeyId"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["KeyMetadata"]["MultiRegionConfiguration"]
                         ["MultiRegionKeyType"], "REPLICA")
        r = self._aws(REGION, "kms", "update-primary-region", "--key-id", md["KeyId"],
                      "--primary-region", OTHER)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self._aws(REGION, "kms", "describe-key", "--key-id", md["KeyId"])
        self.assertEqual(json.loads(r.stdout)["KeyMetadata"]["MultiRegionConfiguration"]
                         ["MultiRegionKeyType"], "REPLICA")
        r = self._aws(REGION, "kms", "replicate-key", "--key-id", md["KeyId"],
                      "--replica-region", THIRD)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("UnsupportedOperationException", r.stderr)


if __name__ == "__main__":
    unittest.main()
