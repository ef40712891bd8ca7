#!/usr/bin/env python3
"""gen_xml_vectors.py: wire vectors for the awsQuery and restXml codecs.

    python3 tools/gen_xml_vectors.py            # (re)write the request vectors
    python3 tools/gen_xml_vectors.py --check    # check the committed responses

Requests are captured from real boto3 clients (a 'before-send' hook records
the prepared request and stops the call: no network). Each case is a folder
tests/vectors/protocol/xml/<case>/ with
    request.http   "METHOD target\\nName: value\\n...\\n\\n<body bytes>"
    case.json      {"service", "operation", "input": members the decoded
                    internal form must hold (timestamps as epoch seconds,
                    blobs as base64), "stream": streamed body or absent}
Response cases (encode) hold
    case.json      {"service", "operation", "output": internal form,
                    "error": {...} for error cases, "method", "parsed": what
                    botocore's parser must read back}
    response.http  "STATUS\\nName: value\\n...\\n\\n<body>", written by the C
                   test (BW_WRITE_VECTORS=1) and checked here with --check.
"""
import base64
import datetime
import json
import os
import sys

import boto3
import botocore.parsers
import botocore.session
from botocore.config import Config

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "tests", "vectors", "protocol", "xml")


class Captured(Exception):
    pass


def client(service):
    c = boto3.client(service, region_name="us-east-1",
                     endpoint_url="http://localhost:4566",
                     aws_access_key_id="AKIDEXAMPLE",
                     aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                     config=Config(s3={"addressing_style": "path"},
                                   retries={"max_attempts": 0}))
    return c


def capture(service, op_method, **params):
    c = client(service)
    box = {}

    def hook(request, **kw):
        box["req"] = request
        raise Captured()

    c.meta.events.register("before-send", hook)
    try:
        getattr(c, op_method)(**params)
    except Captured:
        pass
    return box["req"]


def to_internal(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return int(v.timestamp())
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {k: to_internal(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_internal(x) for x in v]
    return v


def write_request(case, service, operation, method, params, stream=None, drop=()):
    req = capture(service, method, **params)
    from urllib.parse import urlsplit
    u = urlsplit(req.url)
    target = u.path + ("?" + u.query if u.query else "")
    body = req.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    head = f"{req.method} {target}\n"
    for k, v in req.headers.items():
        if isinstance(v, bytes):
            v = v.decode()
        head += f"{k}: {v}\n"
    d = os.path.join(ROOT, case)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "request.http"), "wb") as f:
        f.write(head.encode() + b"\n" + body)
    inp = {k: to_internal(v) for k, v in params.items() if k not in drop}
    meta = {"service": service, "operation": operation, "input": inp}
    if stream is not None:
        meta["stream"] = stream.decode()
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


T0 = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)  # 1700000000


def requests():
    w = write_request
    w("iam_create_user", "iam", "CreateUser", "create_user",
      {"UserName": "alice", "Path": "/r&d<eng>/",
       "Tags": [{"Key": "team", "Value": "red + blue"}, {"Key": "env", "Value": "prod=1"}]})
    w("iam_put_user_policy", "iam", "PutUserPolicy", "put_user_policy",
      {"UserName": "alice", "PolicyName": "p1",
       "PolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [
           {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})})
    w("iam_list_users", "iam", "ListUsers", "list_users",
      {"PathPrefix": "/eng/", "Marker": "abc+/=", "MaxItems": 50})
    w("iam_create_policy", "iam", "CreatePolicy", "create_policy",
      {"PolicyName": "ReadOnly", "Path": "/",
       "PolicyDocument": '{"Version":"2012-10-17","Statement":[]}',
       "Description": "line1\nline2 ünïcode"})
    w("iam_get_account_authorization_details", "iam", "GetAccountAuthorizationDetails",
      "get_account_authorization_details",
      {"Filter": ["User", "Role", "LocalManagedPolicy"], "MaxItems": 100})
    w("iam_create_user_empty_tags", "iam", "CreateUser", "create_user",
      {"UserName": "bob", "Tags": []})
    w("sts_get_caller_identity", "sts", "GetCallerIdentity", "get_caller_identity", {})
    w("sts_assume_role", "sts", "AssumeRole", "assume_role",
      {"RoleArn": "arn:aws:iam::123456789012:role/demo", "RoleSessionName": "s1",
       "DurationSeconds": 3600,
       "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
                      {"arn": "arn:aws:iam::123456789012:policy/extra"}],
       "Tags": [{"Key": "project", "Value": "bulwark"}],
       "TransitiveTagKeys": ["project"]})
    w("s3_create_bucket", "s3", "CreateBucket", "create_bucket",
      {"Bucket": "my-bucket",
       "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}})
    w("s3_put_object", "s3", "PutObject", "put_object",
      {"Bucket": "my-bucket", "Key": "dir/hello world.txt", "Body": b"hello, world\n",
       "ContentType": "text/plain", "Metadata": {"owner": "alice", "purpose": "test"}},
      stream=b"hello, world\n", drop=("Body",))
    w("s3_get_object", "s3", "GetObject", "get_object",
      {"Bucket": "my-bucket", "Key": "dir/a.txt", "Range": "bytes=0-9"})
    w("s3_list_objects_v2", "s3", "ListObjectsV2", "list_objects_v2",
      {"Bucket": "my-bucket", "Prefix": "dir/", "Delimiter": "/", "MaxKeys": 10,
       "ContinuationToken": "tok/en=", "StartAfter": "dir/a"})
    w("s3_put_bucket_tagging", "s3", "PutBucketTagging", "put_bucket_tagging",
      {"Bucket": "my-bucket",
       "Tagging": {"TagSet": [{"Key": "k1", "Value": "v1 <&>"}, {"Key": "k2", "Value": ""}]}})
    w("s3_delete_objects", "s3", "DeleteObjects", "delete_objects",
      {"Bucket": "my-bucket",
       "Delete": {"Objects": [{"Key": "a.txt"}, {"Key": "b.txt", "VersionId": "v2"}],
                  "Quiet": True}})


def write_response(case, service, operation, parsed, output=None, error=None,
                   method="POST"):
    d = os.path.join(ROOT, case)
    os.makedirs(d, exist_ok=True)
    meta = {"service": service, "operation": operation, "method": method,
            "request_id": "4f5c1c39-6b7e-4c8e-9d1e-0a1b2c3d4e5f", "parsed": parsed}
    if output is not None:
        meta["output"] = output
    if error is not None:
        meta["error"] = error
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")


def responses():
    w = write_response
    users = [{"Path": "/", "UserName": "alice", "UserId": "AIDAEXAMPLE000000001",
              "Arn": "arn:aws:iam::123456789012:user/alice", "CreateDate": 1700000000},
             {"Path": "/eng/", "UserName": "bob<&>", "UserId": "AIDAEXAMPLE000000002",
              "Arn": "arn:aws:iam::123456789012:user/eng/bob", "CreateDate": 1700000000.5,
              "PasswordLastUsed": 1700000100,
              "Tags": [{"Key": "team", "Value": "red \"q\"\ttab"}]}]
    w("iam_list_users_response", "iam", "ListUsers",
      {"Users": users, "IsTruncated": True, "Marker": "next&1"},
      output={"Users": users, "IsTruncated": True, "Marker": "next&1"})
    w("iam_delete_user_response", "iam", "DeleteUser", {}, output={})
    w("iam_error_response", "iam", "GetUser",
      {"Error": {"Type": "Sender", "Code": "NoSuchEntity",
                 "Message": "The user with name bob cannot be found."}},
      error={"status": 404, "code": "NoSuchEntity", "sender_fault": True,
             "message": "The user with name bob cannot be found."})
    ident = {"UserId": "AIDAEXAMPLE000000001", "Account": "123456789012",
             "Arn": "arn:aws:iam::123456789012:user/alice"}
    w("sts_get_caller_identity_response", "sts", "GetCallerIdentity", ident, output=ident)
    creds = {"Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "c2VjcmV0",
                             "SessionToken": "tok", "Expiration": 1700003600},
             "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:s1",
                                 "Arn": "arn:aws:sts::123456789012:assumed-role/demo/s1"},
             "PackedPolicySize": 6}
    w("sts_assume_role_response", "sts", "AssumeRole", creds, output=creds)
    buckets = {"Buckets": [{"Name": "alpha", "CreationDate": 1700000000},
                           {"Name": "beta", "CreationDate": 1700000001}],
               "Owner": {"DisplayName": "owner", "ID": "abc123"}}
    w("s3_list_buckets_response", "s3", "ListBuckets", buckets, output=buckets, method="GET")
    lst = {"IsTruncated": False, "Name": "my-bucket", "Prefix": "dir/", "Delimiter": "/",
           "MaxKeys": 10, "KeyCount": 2,
           "Contents": [{"Key": "dir/a.txt", "LastModified": 1700000000,
                         "ETag": "\"d41d8cd98f00b204e9800998ecf8427e\"", "Size": 0,
                         "StorageClass": "STANDARD"},
                        {"Key": "dir/b&c.txt", "LastModified": 1700000000,
                         "ETag": "\"0cc175b9c0f1b6a831c399e269772661\"", "Size": 1,
                         "StorageClass": "STANDARD"}],
           "CommonPrefixes": [{"Prefix": "dir/sub/"}]}
    w("s3_list_objects_v2_response", "s3", "ListObjectsV2", lst, output=lst, method="GET")
    tags = {"TagSet": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v <2>"}]}
    w("s3_get_bucket_tagging_response", "s3", "GetBucketTagging", tags, output=tags,
      method="GET")
    w("s3_error_response", "s3", "GetObject",
      {"Error": {"Code": "NoSuchKey", "Message": "The specified key does not exist."}},
      error={"status": 404, "code": "NoSuchKey", "sender_fault": True,
             "message": "The specified key does not exist."}, method="GET")
    w("s3_head_error_response", "s3", "HeadObject",
      {"Error": {"Code": "404", "Message": "Not Found"}},
      error={"status": 404, "code": "NoSuchKey", "sender_fault": True,
             "message": "The specified key does not exist."}, method="HEAD")


def parse_response(path):
    with open(path, "rb") as f:
        raw = f.read()
    head, _, body = raw.partition(b"\n\n")
    lines = head.decode().split("\n")
    status = int(lines[0])
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(": ")
        headers[k] = v
    return status, headers, body


def normalize(v):
    if isinstance(v, datetime.datetime):
        return v.timestamp()
    if isinstance(v, dict):
        return {k: normalize(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, list):
        return [normalize(x) for x in v]
    return v


def check():
    sess = botocore.session.get_session()
    bad = 0
    for case in sorted(os.listdir(ROOT)):
        d = os.path.join(ROOT, case)
        rp = os.path.join(d, "response.http")
        if not os.path.exists(rp):
            continue
        meta = json.load(open(os.path.join(d, "case.json")))
        model = sess.get_service_model(meta["service"])
        op = model.operation_model(meta["operation"])
        status, headers, body = parse_response(rp)
        parser = botocore.parsers.create_parser(model.metadata["protocol"])
        from botocore.awsrequest import HeadersDict  # noqa
        got = parser.parse({"status_code": status, "headers": headers, "body": body},
                           op.output_shape)
        md = got.get("ResponseMetadata", {})
        got = normalize(got)
        want = meta["parsed"]
        ok = got == want
        if "error" in meta:
            ok = ok and md.get("RequestId") == meta["request_id"]
        elif meta["service"] != "s3":
            ok = ok and md.get("RequestId") == meta["request_id"]
        print(("ok   " if ok else "FAIL ") + case)
        if not ok:
            print("  got ", got, md)
            print("  want", want)
            bad += 1
    return bad


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(1 if check() else 0)
    requests()
    responses()
