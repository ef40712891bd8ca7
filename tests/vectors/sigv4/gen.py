#!/usr/bin/env python3
"""Generate the SigV4 vectors for tests/unit/auth/test_sigv4.c with botocore
itself (run once; the outputs are committed). Each case folder holds
request.txt (the signed request as sent: request line, headers, blank line,
body) and context.json."""
import datetime, hashlib, hmac, io, json, os, sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpchecksum import AwsChunkedWrapper

HERE = os.path.dirname(os.path.abspath(__file__))
AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = datetime.datetime(2015, 8, 30, 12, 36, 0)


def write(case, req, ctx, body=b""):
    d = os.path.join(HERE, case)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "request.txt"), "wb") as f:
        f.write(req.encode() + b"\r\n" + body)
    with open(os.path.join(d, "context.json"), "w") as f:
        json.dump(ctx, f, indent=2, sort_keys=True)


def raw(prepared):
    from urllib.parse import urlsplit
    u = urlsplit(prepared.url)
    target = u.path + ("?" + u.query if u.query else "")
    lines = [f"{prepared.method} {target} HTTP/1.1"]
    lines.append(f"Host: {u.netloc}")
    lines += [f"{k}: {v}" for k, v in prepared.headers.items()]
    return "\r\n".join(lines) + "\r\n"


def signed(auth_cls, method, url, headers, body, service, **kw):
    req = AWSRequest(method=method, url=url, headers=headers, data=body)
    if kw.pop("trailer", False):
        req.context["checksum"] = {"request_algorithm": {"in": "trailer",
                                                         "algorithm": "crc32",
                                                         "name": "x-amz-checksum-crc32"}}
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN):
        auth_cls(Credentials(AKID, SECRET), service, "us-east-1", **kw).add_auth(req)
    return req.prepare()


ctx = {"access_key_id": AKID, "secret_access_key": SECRET, "region": "us-east-1",
       "timestamp": "2015-08-30T12:36:00Z"}

# 1. A KMS json call signed by botocore's SigV4Auth.
body = b'{"KeyId": "alias/my key", "Plaintext": "aGVsbG8="}'
p = signed(botocore.auth.SigV4Auth, "POST", "https://kms.us-east-1.amazonaws.com/",
           {"X-Amz-Target": "TrentService.Encrypt",
            "Content-Type": "application/x-amz-json-1.1", "User-Agent": "vector/1.0"},
           body, "kms")
write("botocore-kms-json", raw(p), dict(ctx, service="kms"), body)

# 2. An S3 PutObject with a key that needs encoding, signed by S3SigV4Auth.
body = b"hello s3"
p = signed(botocore.auth.S3SigV4Auth, "PUT",
           "https://s3.us-east-1.amazonaws.com/bucket/dir/my%20key%2Bplus%3Deq~.txt",
           {"Content-Type": "text/plain"}, body, "s3")
write("botocore-s3-put", raw(p), dict(ctx, service="s3"), body)

# 3. An S3 presigned GET (S3SigV4QueryAuth, one hour).
p = signed(botocore.auth.S3SigV4QueryAuth, "GET",
           "https://s3.us-east-1.amazonaws.com/bucket/a%20b.txt?versionId=3", {}, b"", "s3",
           expires=3600)
write("botocore-s3-presigned", raw(p), dict(ctx, service="s3", expires=3600))

# 4. boto3 >= 1.36 PutObject: STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32.
data = b"The quick brown fox jumps over the lazy dog\n" * 3
wrapped = AwsChunkedWrapper(io.BytesIO(data), checksum_cls=botocore.httpchecksum.Crc32Checksum,
                            checksum_name="x-amz-checksum-crc32", chunk_size=64).read()
p = signed(botocore.auth.S3SigV4Auth, "PUT", "https://s3.us-east-1.amazonaws.com/bucket/obj",
           {"Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32",
            "X-Amz-Decoded-Content-Length": str(len(data))}, wrapped, "s3", trailer=True)
write("botocore-s3-unsigned-trailer", raw(p),
      dict(ctx, service="s3", decoded=data.decode()), wrapped)

# 5. Signed aws-chunked: AWS's documented example ("Signature Calculations for
# the Authorization Header: Transferring Payload in Multiple Chunks"),
# computed here by hand: 66560 bytes of 'a' in chunks of 65536.
sec = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
def h(k, m): return hmac.new(k, m.encode(), hashlib.sha256).digest()
k = h(h(h(h(("AWS4" + sec).encode(), "20130524"), "us-east-1"), "s3"), "aws4_request")
date, scope = "20130524T000000Z", "20130524/us-east-1/s3/aws4_request"
hdrs = [("Host", "s3.amazonaws.com"), ("x-amz-date", date),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"), ("Content-Length", "66824"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")]
sh = "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class"
canon = "\n".join(["PUT", "/examplebucket/chunkObject.txt", "",
                   "\n".join(f"{n.lower()}:{v}" for n, v in sorted(hdrs, key=lambda x: x[0].lower())),
                   "", sh, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"])
sts = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canon.encode()).hexdigest()])
seed = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
assert seed == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", seed
prev, body, sigs = seed, b"", []
for size in (65536, 1024, 0):
    chunk = b"a" * size
    s = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", date, scope, prev,
                   hashlib.sha256(b"").hexdigest(), hashlib.sha256(chunk).hexdigest()])
    prev = hmac.new(k, s.encode(), hashlib.sha256).hexdigest()
    sigs.append(prev)
    body += b"%x;chunk-signature=%s\r\n" % (size, prev.encode()) + chunk + b"\r\n"
assert prev == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9", prev
assert len(body) == 66824
hdrs.append(("Authorization", f"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/{scope}, "
             f"SignedHeaders={sh}, Signature={seed}"))
req = "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\n" + "".join(f"{n}: {v}\r\n" for n, v in hdrs)
# The body is 66 KB of 'a': store it compressed as the chunk list instead.
write("aws-doc-chunked", req, {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": sec,
      "region": "us-east-1", "service": "s3", "timestamp": "2013-05-24T00:00:00Z",
      "chunks": [[65536, "a", sigs[0]], [1024, "a", sigs[1]], [0, "", sigs[2]]]})
print("ok")
