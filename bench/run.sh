#!/usr/bin/env bash
# bench/run.sh: requests/s and p99 of a small awsJson request through the whole
# path (decode -> handler -> encode), bulwark and moto_server side by side in
# one run, on loopback. Usage: bench/run.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-32}
THREADS=${WRK_THREADS:-1}
PY=${PYTHON:-python3}

make build >/dev/null
data=$(mktemp -d)
trap 'kill $bw_pid $moto_pid 2>/dev/null || true; rm -rf "$data"' EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

bw_port=$(free_port)
./build/bulwark serve --listen 127.0.0.1:$bw_port --data-dir "$data" --no-access-log \
  --log-level warn & bw_pid=$!
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 & moto_pid=$!
wait_port "$bw_port"; wait_port "$moto_port"

run() { # name port script
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s "bench/lua/$3" "http://127.0.0.1:$2/")
  local rps p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk -F'p99_us=' '/p99_us=/ {print $2}' <<<"$out")
  bad=$(awk -F'[= ]' '/non2xx=/ {print $2}' <<<"$out")
  printf '| %-10s | %-28s | %10s | %8.2f ms | %6s |\n' "$1" "$3" "$rps" \
    "$(awk -v u="$p99" 'BEGIN{print u/1000}')" "$bad"
}

echo "| server     | request                      |    req/s   |     p99     | non-2xx |"
echo "|------------|------------------------------|------------|-------------|---------|"
run bulwark "$bw_port" kms_generate_random.lua
run moto "$moto_port" kms_generate_random.lua
