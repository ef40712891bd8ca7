"""Every error code a handler writes is one AWS defines for that service: an
exception shape of its botocore model (by shape name or wire code) or one of
the errors every service shares (src/gateway/call.c). A code invented at a
call site (a typo, or a name AWS never sends) fails here, before any client
meets it. No server: it reads the sources and the models."""
import gzip
import json
import os
import re
import unittest

import botocore

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "src")
MODELS = os.path.join(os.path.dirname(botocore.__file__), "data")

# service folder -> botocore model name
SERVICES = {"iam": "iam", "sts": "sts", "kms": "kms", "cloudtrail": "cloudtrail"}

# Codes AWS answers that its models do not list, each with where it shows.
UNMODELLED = {
    # CreateAlias/UpdateAlias with a name in the reserved alias/aws/ prefix
    ("kms", "NotAuthorizedException"),
}

FAIL = re.compile(r'bw_fail(?:_status)?\(\s*call,\s*(?:\d+,\s*)?"([A-Za-z]+)"')


def model_codes(name):
    versions = sorted(os.listdir(os.path.join(MODELS, name)))
    with gzip.open(os.path.join(MODELS, name, versions[-1], "service-2.json.gz")) as f:
        model = json.load(f)
    codes = set()
    for shape, body in model["shapes"].items():
        if body.get("exception"):
            codes.add(shape)
            if "error" in body and "code" in body["error"]:
                codes.add(body["error"]["code"])
    return codes


def common_codes():
    with open(os.path.join(SRC, "gateway", "call.c")) as f:
        text = f.read()
    table = text[text.index("s_common[]"):text.index("};", text.index("s_common[]"))]
    return set(re.findall(r'\{"([A-Za-z]+)",', table))


class ErrorCatalogueTest(unittest.TestCase):
    def test_every_code_is_one_aws_defines(self):
        shared = common_codes()
        self.assertIn("AccessDenied", shared)
        for folder, model in SERVICES.items():
            known = model_codes(model) | shared | {c for f, c in UNMODELLED if f == folder}
            base = os.path.join(SRC, "services", folder)
            for fname in sorted(os.listdir(base)):
                if not fname.endswith(".c"):
                    continue
                with open(os.path.join(base, fname)) as f:
                    text = f.read()
                for code in sorted(set(FAIL.findall(text))):
                    with self.subTest(service=folder, file=fname, code=code):
                        self.assertIn(code, known,
                                      f"{folder}/{fname} answers {code}, which the {model} "
                                      "model does not define and no service shares")


if __name__ == "__main__":
    unittest.main()
