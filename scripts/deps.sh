#!/usr/bin/env bash
# deps.sh: install what bulwark needs to build and test, from Debian 12's
# packages only. As root it runs apt-get; otherwise it prints the command to
# run and exits non-zero when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential make cmake pkg-config clang libclang-rt-14-dev
  libssl-dev libevent-dev libjansson-dev libsqlite3-dev zlib1g-dev libxml2-dev
  libcmocka-dev libargon2-dev
  wrk curl ca-certificates
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The API tests drive the server with boto3 and the aws CLI: use the
# machine's own when it has them, else Debian's.
have_boto3=0
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import boto3' >/dev/null 2>&1; then
    have_boto3=1
    break
  fi
done
[ "$have_boto3" = 1 ] || missing+=(python3-boto3)
command -v aws >/dev/null 2>&1 || missing+=(awscli)

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages; run as root:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
