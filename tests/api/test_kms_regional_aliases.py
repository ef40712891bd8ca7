"""KMS aliases are per account and Region (decision 0109), through boto3 and
the aws CLI with clients of two Regions on one server: one alias name in
each Region naming that Region's key, encryption by alias using it, a key of
another Region refused as a target, ListAliases of one Region, an alias ARN
of another Region not found, and alias/aws/s3 a different AWS managed key in
each Region."""
import json
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from bwtest import REGION, ServerTestCase

OTHER = "eu-west-1" if REGION != "eu-west-1" else "us-west-2"


class RegionalAliasTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.account_id
        cls.east = cls._client(REGION)
        cls.west = cls._client(OTHER)

    @classmethod
    def _client(cls, region):
        akid, secret, _ = cls.server.root_creds()
        return boto3.client("kms", endpoint_url=cls.server.endpoint, region_name=region,
                            aws_access_key_id=akid, aws_secret_access_key=secret,
                            config=Config(retries={"max_attempts": 1, "mode": "standard"}))

    def _aws(self, region, *args):
        r = self.server.aws(*args, "--region", region)
        return r

    def _names(self, client, **kw):
        out, marker = [], None
        while True:
            page = client.list_aliases(**kw, **({"Marker": marker} if marker else {}))
            out.extend(page["Aliases"])
            if not page.get("Truncated"):
                return out
            marker = page["NextMarker"]

    def test_same_name_two_regions(self):
        ke = self.east.create_key()["KeyMetadata"]
        kw = self.west.create_key()["KeyMetadata"]
        self.east.create_alias(AliasName="alias/app", TargetKeyId=ke["KeyId"])
        self.west.create_alias(AliasName="alias/app", TargetKeyId=kw["KeyId"])
        # each Region's alias names its own key
        self.assertEqual(self.east.describe_key(KeyId="alias/app")["KeyMetadata"]["Arn"],
                         ke["Arn"])
        self.assertEqual(self.west.describe_key(KeyId="alias/app")["KeyMetadata"]["Arn"],
                         kw["Arn"])
        ce = self.east.encrypt(KeyId="alias/app", Plaintext=b"east")
        cw = self.west.encrypt(KeyId="alias/app", Plaintext=b"west")
        self.assertEqual(ce["KeyId"], ke["Arn"])
        self.assertEqual(cw["KeyId"], kw["Arn"])
        self.assertEqual(self.east.decrypt(CiphertextBlob=ce["CiphertextBlob"])["Plaintext"],
                         b"east")
        # a ciphertext of the other Region's key does not decrypt here
        with self.assertRaises(ClientError):
            self.east.decrypt(CiphertextBlob=cw["CiphertextBlob"])
        # the alias ARN resolves in its own Region only
        arn_w = f"arn:aws:kms:{OTHER}:{self.acct}:alias/app"
        self.assertEqual(self.west.describe_key(KeyId=arn_w)["KeyMetadata"]["KeyId"],
                         kw["KeyId"])
        with self.assertRaises(ClientError) as ctx:
            self.east.encrypt(KeyId=arn_w, Plaintext=b"x")
        self.assertClientError(ctx, "NotFoundException")
        # a second alias/app in a Region that has one is refused
        with self.assertRaises(ClientError) as ctx:
            self.west.create_alias(AliasName="alias/app", TargetKeyId=kw["KeyId"])
        self.assertClientError(ctx, "AlreadyExistsException")

        # ListAliases answers for the call's Region only
        east = [a for a in self._names(self.east) if a["AliasName"] == "alias/app"]
        west = [a for a in self._names(self.west) if a["AliasName"] == "alias/app"]
        self.assertEqual([a["TargetKeyId"] for a in east], [ke["KeyId"]])
        self.assertEqual([a["TargetKeyId"] for a in west], [kw["KeyId"]])
        self.assertEqual(east[0]["AliasArn"], f"arn:aws:kms:{REGION}:{self.acct}:alias/app")
        self.assertEqual(west[0]["AliasArn"], arn_w)
        with self.assertRaises(ClientError) as ctx:
            self.east.list_aliases(KeyId=kw["Arn"])
        self.assertClientError(ctx, "NotFoundException")

        # the aws CLI sees the same, Region by Region
        r = self._aws(OTHER, "kms", "list-aliases", "--key-id", kw["KeyId"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([a["AliasName"] for a in json.loads(r.stdout)["Aliases"]],
                         ["alias/app"])
        r = self._aws(REGION, "kms", "describe-key", "--key-id", "alias/app")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["KeyMetadata"]["KeyId"], ke["KeyId"])

        # deleting one Region's alias leaves the other's
        self.west.delete_alias(AliasName="alias/app")
        with self.assertRaises(ClientError) as ctx:
            self.west.describe_key(KeyId="alias/app")
        self.assertClientError(ctx, "NotFoundException")
        self.assertEqual(self.east.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"],
                         ke["KeyId"])
        with self.assertRaises(ClientError) as ctx:
            self.west.delete_alias(AliasName="alias/app")
        self.assertClientError(ctx, "NotFoundException")

    def test_cross_region_target_refused(self):
        ke = self.east.create_key()["KeyMetadata"]
        kw = self.west.create_key()["KeyMetadata"]
        kw2 = self.west.create_key()["KeyMetadata"]
        for target in (ke["KeyId"], ke["Arn"]):
            with self.assertRaises(ClientError) as ctx:
                self.west.create_alias(AliasName="alias/cross", TargetKeyId=target)
            self.assertClientError(ctx, "NotFoundException")
        self.west.create_alias(AliasName="alias/cross", TargetKeyId=kw["KeyId"])
        for target in (ke["KeyId"], ke["Arn"]):
            with self.assertRaises(ClientError) as ctx:
                self.west.update_alias(AliasName="alias/cross", TargetKeyId=target)
            self.assertClientError(ctx, "NotFoundException")
        r = self._aws(OTHER, "kms", "create-alias", "--alias-name", "alias/cross2",
                      "--target-key-id", ke["Arn"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("NotFoundException", r.stderr)
        # a key of its own Region it may move to
        self.west.update_alias(AliasName="alias/cross", TargetKeyId=kw2["Arn"])
        self.assertEqual(self.west.describe_key(KeyId="alias/cross")["KeyMetadata"]["KeyId"],
                         kw2["KeyId"])
        # the east Region has no alias/cross: UpdateAlias there is not found
        with self.assertRaises(ClientError) as ctx:
            self.east.update_alias(AliasName="alias/cross", TargetKeyId=ke["KeyId"])
        self.assertClientError(ctx, "NotFoundException")

    def test_key_deletion_drops_its_region_aliases(self):
        ke = self.east.create_key(MultiRegion=True)["KeyMetadata"]
        self.east.replicate_key(KeyId=ke["KeyId"], ReplicaRegion=OTHER)
        self.east.create_alias(AliasName="alias/mrk", TargetKeyId=ke["KeyId"])
        self.west.create_alias(AliasName="alias/mrk", TargetKeyId=ke["KeyId"])
        self.west.schedule_key_deletion(KeyId=ke["KeyId"], PendingWindowInDays=7)
        # the primary's alias in its Region is untouched and still encrypts
        self.assertEqual(self.east.encrypt(KeyId="alias/mrk", Plaintext=b"x")["KeyId"],
                         ke["Arn"])
        # the replica's alias names the replica, pending deletion
        with self.assertRaises(ClientError) as ctx:
            self.west.encrypt(KeyId="alias/mrk", Plaintext=b"x")
        self.assertClientError(ctx, "KMSInvalidStateException")

    def test_aws_managed_key_per_region(self):
        de = self.east.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
        dw = self.west.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
        self.assertNotEqual(de["KeyId"], dw["KeyId"])
        self.assertEqual(de["KeyManager"], "AWS")
        self.assertEqual(dw["KeyManager"], "AWS")
        self.assertTrue(de["Arn"].startswith(f"arn:aws:kms:{REGION}:"))
        self.assertTrue(dw["Arn"].startswith(f"arn:aws:kms:{OTHER}:"))
        # the same key answers again in each Region
        self.assertEqual(self.east.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"],
                         de["KeyId"])
        r = self._aws(OTHER, "kms", "describe-key", "--key-id", "alias/aws/s3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["KeyMetadata"]["KeyId"], dw["KeyId"])
        east = {a["AliasName"]: a for a in self._names(self.east)}
        west = {a["AliasName"]: a for a in self._names(self.west)}
        self.assertEqual(east["alias/aws/s3"]["TargetKeyId"], de["KeyId"])
        self.assertEqual(west["alias/aws/s3"]["TargetKeyId"], dw["KeyId"])
        # nobody creates alias/aws/* themselves, in any Region
        k = self.west.create_key()["KeyMetadata"]
        with self.assertRaises(ClientError) as ctx:
            self.west.create_alias(AliasName="alias/aws/s3", TargetKeyId=k["KeyId"])
        self.assertClientError(ctx, "NotAuthorizedException")

    def test_names_and_paging(self):
        # case matters in alias names: alias/Case and alias/case are two
        k = self.west.create_key()["KeyMetadata"]
        self.west.create_alias(AliasName="alias/Case", TargetKeyId=k["KeyId"])
        self.west.create_alias(AliasName="alias/case", TargetKeyId=k["KeyId"])
        with self.assertRaises(ClientError) as ctx:
            self.east.describe_key(KeyId="alias/Case")
        self.assertClientError(ctx, "NotFoundException")
        # a Region-looking name is only a name
        self.west.create_alias(AliasName=f"alias/{REGION}/x", TargetKeyId=k["KeyId"])
        with self.assertRaises(ClientError) as ctx:
            self.east.describe_key(KeyId=f"alias/{REGION}/x")
        self.assertClientError(ctx, "NotFoundException")
        # paging one alias at a time lists the Region's own and nothing else
        got = self._names(self.west, KeyId=k["KeyId"], Limit=1)
        self.assertEqual(sorted(a["AliasName"] for a in got),
                         ["alias/Case", "alias/case", f"alias/{REGION}/x"])
        for a in self._names(self.west, Limit=1):
            self.assertTrue(a["AliasArn"].startswith(f"arn:aws:kms:{OTHER}:"), a)
        for a in self._names(self.east, Limit=2):
            self.assertTrue(a["AliasArn"].startswith(f"arn:aws:kms:{REGION}:"), a)


if __name__ == "__main__":
    unittest.main()
