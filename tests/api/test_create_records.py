"""Trail records of create calls name what they created, as CloudTrail's
do: LookupEvents with ResourceName=<the new ARN> finds the create event,
whose record's resources are [{ARN, accountId, type}] with AWS's type
(AWS::KMS::Key, AWS::IAM::User ...). boto3 and the aws CLI."""
import json
import unittest

from bwtest import REGION, ServerTestCase

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]})
DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


class CreateRecordsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.account_id
        cls.ct = cls.server.client("cloudtrail")

    def _created(self, arn, event_name, rtype):
        events = self.ct.lookup_events(LookupAttributes=[
            {"AttributeKey": "ResourceName", "AttributeValue": arn}])["Events"]
        mine = [e for e in events if e["EventName"] == event_name]
        self.assertEqual(len(mine), 1, [e["EventName"] for e in events])
        e = mine[0]
        self.assertIn({"ResourceType": rtype, "ResourceName": arn}, e["Resources"])
        rec = json.loads(e["CloudTrailEvent"])
        self.assertEqual(rec["resources"],
                         [{"ARN": arn, "accountId": self.acct, "type": rtype}])
        return rec

    def test_kms_create_key(self):
        kms = self.server.client("kms")
        arn = kms.create_key()["KeyMetadata"]["Arn"]
        self._created(arn, "CreateKey", "AWS::KMS::Key")
        # a failed create names nothing new
        r = self.server.aws("kms", "create-key", "--key-spec", "NOPE")
        self.assertNotEqual(r.returncode, 0)

    def test_kms_replicate_key(self):
        kms = self.server.client("kms")
        key = kms.create_key(MultiRegion=True)["KeyMetadata"]
        other = "eu-west-1" if REGION != "eu-west-1" else "us-west-2"
        rep = kms.replicate_key(KeyId=key["KeyId"], ReplicaRegion=other)
        arn = rep["ReplicaKeyMetadata"]["Arn"]
        self.assertIn(f":{other}:", arn)
        self._created(arn, "ReplicateKey", "AWS::KMS::Key")

    def test_iam_creates(self):
        iam = self.server.client("iam")
        u = iam.create_user(UserName="rec-user", Path="/team/")["User"]["Arn"]
        self.assertEqual(u, f"arn:aws:iam::{self.acct}:user/team/rec-user")
        self._created(u, "CreateUser", "AWS::IAM::User")
        r = iam.create_role(RoleName="rec-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        self._created(r, "CreateRole", "AWS::IAM::Role")
        g = iam.create_group(GroupName="rec-group")["Group"]["Arn"]
        self._created(g, "CreateGroup", "AWS::IAM::Group")
        p = iam.create_policy(PolicyName="rec-policy", PolicyDocument=DOC)["Policy"]["Arn"]
        self._created(p, "CreatePolicy", "AWS::IAM::Policy")
        ip = iam.create_instance_profile(
            InstanceProfileName="rec-profile")["InstanceProfile"]["Arn"]
        self._created(ip, "CreateInstanceProfile", "AWS::IAM::InstanceProfile")

    def test_cli_create_user_found_by_arn(self):
        r = self.server.aws("iam", "create-user", "--user-name", "cli-rec-user")
        self.assertEqual(r.returncode, 0, r.stderr)
        arn = json.loads(r.stdout)["User"]["Arn"]
        r = self.server.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                            f"AttributeKey=ResourceName,AttributeValue={arn}")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [e["EventName"] for e in json.loads(r.stdout)["Events"]]
        self.assertIn("CreateUser", names)

    def test_cloudtrail_creates(self):
        t = self.ct.create_trail(Name="rec-trail", S3BucketName="rec-bucket")["TrailARN"]
        self._created(t, "CreateTrail", "AWS::CloudTrail::Trail")
        e = self.ct.create_event_data_store(Name="rec-eds")["EventDataStoreArn"]
        self._created(e, "CreateEventDataStore", "AWS::CloudTrail::EventDataStore")


if __name__ == "__main__":
    unittest.main()
