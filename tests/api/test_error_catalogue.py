"""Errors come from one catalogue per service (decision 0107).

Every error code a handler writes is one AWS defines for that service: an
exception shape of its botocore model (by shape name or wire code) or one of
the errors every service shares (src/gateway/call.c). A code invented at a
call site (a typo, or a name AWS never sends) fails here, before any client
meets it.

The catalogues (src/gateway/errors.h for the shared and the gateway's own
errors, src/services/<service>/<service>_errors.h) are the only place an
error's code and message are written: a converted file passes no string
literal as the code of bw_fail/bw_fail_status, every catalogue code is one
AWS defines, every entry is used, and no two entries say the same thing.
Files not converted yet are listed in PENDING and named as skipped tests.
No server: it reads the sources and the models."""
import gzip
import json
import os
import re
import unittest

import botocore

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "..", "src"))
MODELS = os.path.join(os.path.dirname(botocore.__file__), "data")

# service folder -> botocore model name
SERVICES = {"iam": "iam", "sts": "sts", "kms": "kms", "cloudtrail": "cloudtrail"}

# service folder -> its catalogue (relative to src/) and its entries' prefix
CATALOGUES = {
    "iam": ("services/iam/iam_errors.h", "IAM_"),
    "kms": ("services/kms/kms_errors.h", "KMS_"),
    "sts": ("services/sts/sts_errors.h", "STS_"),
    "cloudtrail": ("services/cloudtrail/cloudtrail_errors.h", "CT_"),
}
COMMON_CATALOGUE = ("gateway/errors.h", "BW_ERR_")

# Codes AWS answers that its models do not list, each with where it shows.
UNMODELLED = {
    # CreateAlias/UpdateAlias with a name in the reserved alias/aws/ prefix
    ("kms", "NotAuthorizedException"),
}

# Codes of the gateway's own catalogue outside call.c's common table: their
# status depends on the protocol, so authn.c and route.c pass it.
GATEWAY_CODES = {
    "SignatureDoesNotMatch",  # SigV4, 403 (awsJson renames it InvalidSignatureException)
    "ExpiredToken",           # an expired session token: 403, S3 400
    "InvalidToken",           # S3: a malformed session token, 400
    "InvalidAccessKeyId",     # S3: an unknown access key, 403
    "MethodNotAllowed",       # S3: no operation for this method and path
}

# Not converted yet: these still write codes and messages at the call site
# (another change edits them now). Remove a file from here once converted.
PENDING = {}

FAIL = re.compile(r'bw_fail(?:_status)?\(\s*call,\s*(?:\d+,\s*)?"([A-Za-z]+)"')
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
# the functions that take an error code, and the index of the code argument
FAILERS = {"bw_fail": 1, "bw_fail_status": 2, "s_fail_auth": 2}
CALL = re.compile(r"\b(bw_fail_status|bw_fail|s_fail_auth)\(")


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


def read(rel):
    with open(os.path.join(SRC, rel)) as f:
        return f.read()


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def catalogue(rel):
    """name -> (code, template) of each entry of a catalogue header."""
    text = strip_comments(read(rel)).replace("\\\n", " ")
    entries = {}
    for m in re.finditer(r'^#define\s+(\w+)\s+"([^"]*)"\s*,\s*(".*)$', text, re.M):
        entries[m.group(1)] = (m.group(2), "".join(LITERAL.findall(m.group(3))))
    return entries


def split_args(s):
    """The top-level arguments of a call's argument text."""
    args, depth, in_str, start, i = [], 0, False, 0, 0
    while i < len(s):
        c = s[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(s[start:i])
            start = i + 1
        i += 1
    args.append(s[start:])
    return args


def failing_calls(text):
    """(line, function, code argument) of each call that fails with a code."""
    text = strip_comments(text)
    for m in CALL.finditer(text):
        # the definitions and prototypes in call.c/call.h and authn.c
        if re.match(r"\s*(struct|const)\b", text[m.end():]):
            continue
        depth, i, in_str = 1, m.end(), False
        while depth and i < len(text):
            c = text[i]
            if in_str:
                if c == "\\":
                    i += 1
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            i += 1
        args = split_args(text[m.end():i - 1])
        k = FAILERS[m.group(1)]
        code = args[k].strip() if len(args) > k else ""
        yield text.count("\n", 0, m.start()) + 1, m.group(1), code


def source_files():
    """Every .c file of the gateway and the services, relative to src/."""
    out = []
    for top in ("gateway", "services"):
        for root, _, files in os.walk(os.path.join(SRC, top)):
            for fname in files:
                if fname.endswith(".c"):
                    out.append(os.path.relpath(os.path.join(root, fname), SRC))
    return sorted(out)


def pending(rel):
    return next((why for p, why in PENDING.items() if rel == p or
                 (p.endswith("/") and rel.startswith(p))), None)


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

    def test_catalogue_codes_are_aws_codes(self):
        shared = common_codes()
        rel, prefix = COMMON_CATALOGUE
        entries = catalogue(rel)
        self.assertIn("BW_ERR_OUT_OF_MEMORY", entries)
        for name, (code, _) in sorted(entries.items()):
            with self.subTest(catalogue=rel, entry=name):
                self.assertTrue(name.startswith(prefix), f"{name} should start with {prefix}")
                self.assertIn(code, shared | GATEWAY_CODES,
                              f"{name} answers {code}: not a common code (call.c)")
        for folder, (rel, prefix) in CATALOGUES.items():
            known = (model_codes(SERVICES[folder]) | shared |
                     {c for f, c in UNMODELLED if f == folder})
            entries = catalogue(rel)
            self.assertTrue(entries, f"{rel} has no entries")
            for name, (code, _) in sorted(entries.items()):
                with self.subTest(catalogue=rel, entry=name):
                    self.assertTrue(name.startswith(prefix),
                                    f"{name} should start with {prefix}")
                    self.assertIn(code, known, f"{name} answers {code}, which the "
                                  f"{SERVICES[folder]} model does not define")

    def test_one_entry_per_message(self):
        common = catalogue(COMMON_CATALOGUE[0])
        for rel, _ in [COMMON_CATALOGUE] + list(CATALOGUES.values()):
            entries = dict(common)
            entries.update(catalogue(rel))
            seen = {}
            for name, key in sorted(entries.items()):
                with self.subTest(catalogue=rel, entry=name):
                    self.assertNotIn(key, seen, f"{name} repeats {seen.get(key)}")
                    seen[key] = name

    def test_converted_files_name_their_errors(self):
        files = source_files()
        self.assertIn("gateway/route.c", files)
        for rel in files:
            why = pending(rel)
            with self.subTest(file=rel):
                if why:
                    self.skipTest(f"pending conversion: {why}")
                for line, fn, code in failing_calls(read(rel)):
                    self.assertFalse(bool(LITERAL.search(code)),
                                     f"{rel}:{line}: {fn} writes the code {code}; name an "
                                     "entry of the service's catalogue instead")

    def test_every_entry_is_used(self):
        used = set()
        for rel in source_files():
            used |= set(re.findall(r"\b[A-Z][A-Z0-9_]+\b", strip_comments(read(rel))))
        for rel, _ in [COMMON_CATALOGUE] + list(CATALOGUES.values()):
            for name in sorted(catalogue(rel)):
                with self.subTest(catalogue=rel, entry=name):
                    self.assertTrue(name in used, f"{name} of {rel} is used nowhere")

    def test_the_checker_sees_a_literal_code(self):
        # the parser itself: a literal code, a named one, a split line
        calls = list(failing_calls('x;\n return bw_fail(call, "NoSuchEntity",\n "The %s", n);\n'
                                   "bw_fail_status(call, 500, BW_ERR_OUT_OF_MEMORY);\n"
                                   'bw_fail(call, a ? "X" : "Y", "m");\n'))
        self.assertEqual([(c[0], bool(LITERAL.search(c[2]))) for c in calls],
                         [(2, True), (4, False), (5, True)])


if __name__ == "__main__":
    unittest.main()
