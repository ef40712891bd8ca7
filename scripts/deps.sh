#!/usr/bin/env bash
# deps.sh: install what bulwark needs to build and test, from Debian 12's
# packages, and the JavaScript SDK of tests/js from the npm registry (npm ci,
# pinned by its package-lock.json). As root it runs apt-get; otherwise it
# prints the command to run and exits non-zero when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential make cmake pkg-config clang libclang-rt-14-dev
  libssl-dev libevent-dev libjansson-dev libsqlite3-dev zlib1g-dev libxml2-dev
  libcmocka-dev libargon2-dev libpcre2-dev
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
# The JavaScript SDK v3 tests (tests/js) run on node: the machine's own,
# else Debian's (node 18: tests/js pins an SDK release that supports it).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ "${#missing[@]}" -gt 0 ]; then
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
fi

# The SDK packages of tests/js, exactly as package-lock.json pins them, from
# the npm registry. Only when the lock changed since the last `npm ci` (the
# stamp is a copy of the lock it installed), and as the user who ran sudo,
# so node_modules stays theirs.
js="$(cd "$(dirname "$0")/.." && pwd)/tests/js"
stamp="$js/node_modules/.bulwark-lock"
if ! cmp -s "$js/package-lock.json" "$stamp"; then
  as_user=()
  if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ]; then
    as_user=(runuser -u "$SUDO_USER" --)
  fi
  echo "deps.sh: npm ci in tests/js" >&2
  (cd "$js" && "${as_user[@]}" npm ci --no-audit --no-fund >&2 &&
    "${as_user[@]}" cp package-lock.json node_modules/.bulwark-lock)
fi
