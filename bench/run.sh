#!/usr/bin/env bash
# bench/run.sh: requests/s and p99 through the whole path (route -> SigV4 ->
# decode -> authorize -> handler -> encode), bulwark and moto_server side by
# side in one run, on loopback.
# Usage: bench/run.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-32}
THREADS=${WRK_THREADS:-1}
PY=${PYTHON:-python3}
# BUILD_DIR: a release build directory of one's own (default: make build -> build/)
BUILD=${BUILD_DIR:-build}

if [ "$BUILD" = build ]; then
  make build >/dev/null
else
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" >/dev/null
fi
echo "CPU per request, no server: $(./"$BUILD"/bench_auth)"
work=$(mktemp -d)
trap 'kill $bw_pid $moto_pid 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

creds=$(./"$BUILD"/bulwark init --data-dir "$work/data" --json --no-profile)
akid=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["AccessKeyId"])' <<<"$creds")
secret=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["SecretAccessKey"])' <<<"$creds")

bw_port=$(free_port)
./"$BUILD"/bulwark serve --listen 127.0.0.1:$bw_port --data-dir "$work/data" --no-access-log \
  --log-level warn >/dev/null & bw_pid=$!
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 & moto_pid=$!
wait_port "$bw_port"; wait_port "$moto_port"
bw="http://127.0.0.1:$bw_port"

# An IAM user allowed only iam:GetUser on itself: its reads go through the
# policy engine (the root's skip it).
"$PY" - "$bw" "$akid" "$secret" > "$work/user.creds" <<'PYEOF'
import json, sys, boto3
ep, akid, secret = sys.argv[1:4]
iam = boto3.client("iam", endpoint_url=ep, region_name="us-east-1",
                   aws_access_key_id=akid, aws_secret_access_key=secret)
iam.create_user(UserName="bench")
iam.put_user_policy(UserName="bench", PolicyName="self-read", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser",
    "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
k = iam.create_access_key(UserName="bench")["AccessKey"]
print(k["AccessKeyId"], k["SecretAccessKey"])
PYEOF
read -r uakid usecret < "$work/user.creds"

run() { # name url lua
  local out rps p99 bad
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s "$3" "$2/")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk -F'p99_us=' '/p99_us=/ {print $2}' <<<"$out")
  bad=$(awk -F'[= ]' '/non2xx=/ {print $2}' <<<"$out")
  printf '| %-8s | %-34s | %10s | %8.2f ms | %6s |\n' "$1" "$4" "$rps" \
    "$(awk -v u="$p99" 'BEGIN{print u/1000}')" "$bad"
}

echo "| server   | request                            |    req/s   |     p99     | non-2xx |"
echo "|----------|------------------------------------|------------|-------------|---------|"
for kind in kms-generate-random sts-get-caller-identity; do
  "$PY" bench/sign_request.py "$bw" "$akid" "$secret" "$work/bw.lua" "$kind"
  run bulwark "$bw" "$work/bw.lua" "$kind (root)"
  "$PY" bench/sign_request.py "http://127.0.0.1:$moto_port" "$akid" "$secret" "$work/moto.lua" "$kind"
  run moto "http://127.0.0.1:$moto_port" "$work/moto.lua" "$kind (root)"
done
"$PY" bench/sign_request.py "$bw" "$uakid" "$usecret" "$work/bw.lua" iam-get-user:bench
run bulwark "$bw" "$work/bw.lua" "iam-get-user (user, policy)"
"$PY" - "http://127.0.0.1:$moto_port" <<'PYEOF'
import sys, boto3
boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
             aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x").create_user(UserName="bench")
PYEOF
"$PY" bench/sign_request.py "http://127.0.0.1:$moto_port" "$uakid" "$usecret" "$work/moto.lua" iam-get-user:bench
run moto "http://127.0.0.1:$moto_port" "$work/moto.lua" "iam-get-user (user, policy)"

# KMS: the same kinds of keys made on both servers with boto3 first; each
# server decrypts a ciphertext it made itself (moto's come from moto).
moto="http://127.0.0.1:$moto_port"
"$PY" - "$bw" "$moto" "$akid" "$secret" > "$work/kms.keys" <<'PYEOF'
import base64, sys, boto3
sys.path.insert(0, "bench")
from sign_request import PLAINTEXT_4K
for ep in sys.argv[1:3]:
    kms = boto3.client("kms", endpoint_url=ep, region_name="us-east-1",
                       aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4])
    sym = kms.create_key()["KeyMetadata"]["KeyId"]
    ecc = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    ct = kms.encrypt(KeyId=sym, Plaintext=PLAINTEXT_4K)["CiphertextBlob"]
    print(sym, ecc, rsa, base64.b64encode(ct).decode())
PYEOF
{ read -r bsym becc brsa bct; read -r msym mecc mrsa mct; } < "$work/kms.keys"
kms_run() { # label kind-for-bulwark kind-for-moto
  "$PY" bench/sign_request.py "$bw" "$akid" "$secret" "$work/bw.lua" "$2"
  run bulwark "$bw" "$work/bw.lua" "$1"
  "$PY" bench/sign_request.py "$moto" "$akid" "$secret" "$work/moto.lua" "$3"
  run moto "$moto" "$work/moto.lua" "$1"
}
kms_run "kms-encrypt (4 KiB)" "kms-encrypt-4k:$bsym" "kms-encrypt-4k:$msym"
kms_run "kms-decrypt (4 KiB)" "kms-decrypt:$bct" "kms-decrypt:$mct"
kms_run "kms-generate-data-key (AES_256)" "kms-generate-data-key:$bsym" "kms-generate-data-key:$msym"
kms_run "kms-sign (ECC_NIST_P256)" "kms-sign:$becc:ECDSA_SHA_256" "kms-sign:$mecc:ECDSA_SHA_256"
kms_run "kms-sign (RSA_2048, PSS)" "kms-sign:$brsa:RSASSA_PSS_SHA_256" "kms-sign:$mrsa:RSASSA_PSS_SHA_256"

# CloudTrail recording: every call above was recorded (its response waited
# for its record's commit). GenerateRandom once more, labelled, and what the
# event log holds afterwards; bench/RESULTS.md has the figure from before
# recording (~42k req/s on two loops) to compare with.
"$PY" bench/sign_request.py "$bw" "$akid" "$secret" "$work/bw.lua" kms-generate-random
run bulwark "$bw" "$work/bw.lua" "kms-generate-random (recorded)"
kill "$bw_pid"; wait "$bw_pid" 2>/dev/null || true
echo "event log after the run: $(./"$BUILD"/bulwark trail verify-chain --data-dir "$work/data")"
