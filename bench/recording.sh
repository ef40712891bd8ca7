#!/usr/bin/env bash
# bench/recording.sh: what CloudTrail recording costs. The same cheap call
# (KMS GenerateRandom, as the root) against bulwark and against the same
# server built without its trail (bench_unrecorded_bulwark), runs
# alternated, then moto_server for scale; and whether any event was lost:
# responses wrk counted against events the log holds afterwards.
# Usage: bench/recording.sh [seconds] [connections] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-8}
CONNS=${2:-32}
ROUNDS=${3:-2}
PY=${PYTHON:-python3}
BUILD=${BUILD_DIR:-build-bench}

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" >/dev/null
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
field() { "$PY" -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

# CPU seconds a process has used so far (user + system), from /proc.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

start() { # name binary -> sets port_<name>, pid_<name>
  local creds akid secret port
  creds=$(./"$BUILD"/bulwark init --data-dir "$work/$1" --json --no-profile)
  akid=$(field AccessKeyId <<<"$creds"); secret=$(field SecretAccessKey <<<"$creds")
  port=$(free_port)
  ./"$BUILD"/"$2" serve --listen 127.0.0.1:"$port" --data-dir "$work/$1" --no-access-log \
    --log-level error >/dev/null & pids+=($!)
  printf -v "pid_$1" %s "$!"
  wait_port "$port"
  "$PY" bench/sign_request.py "http://127.0.0.1:$port" "$akid" "$secret" "$work/$1.lua" \
    kms-generate-random
  printf -v "port_$1" %s "$port"
}
start recorded bulwark
start unrecorded bench_unrecorded_bulwark
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 & pids+=($!)
wait_port "$moto_port"
"$PY" bench/sign_request.py "http://127.0.0.1:$moto_port" AKIAIOSFODNN7EXAMPLE x \
  "$work/moto.lua" kms-generate-random

sent=0
run() { # label port lua pid
  local out rps p99 bad n c0 c1
  c0=$(cpu_s "$4")
  out=$(wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s "$3" "http://127.0.0.1:$2/")
  c1=$(cpu_s "$4")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk -F'p99_us=' '/p99_us=/ {print $2}' <<<"$out")
  bad=$(awk -F'[= ]' '/non2xx=/ {print $2}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  [ "$1" = "recorded" ] && sent=$((sent + n))
  printf '| %-12s | %9s | %8.2f ms | %6s | %7.1f |\n' "$1" "$rps" \
    "$(awk -v u="$p99" 'BEGIN{print u/1000}')" "$bad" \
    "$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN{print (b - a) * 1e6 / n}')"
}
echo "kms GenerateRandom, root, $CONNS connections, ${DUR}s per run"
echo "| server       |   req/s   |     p99     | non-2xx | server CPU us/request |"
echo "|--------------|-----------|-------------|---------|---------|"
for _ in $(seq "$ROUNDS"); do
  run unrecorded "$port_unrecorded" "$work/unrecorded.lua" "$pid_unrecorded"
  run recorded "$port_recorded" "$work/recorded.lua" "$pid_recorded"
done
run moto "$moto_port" "$work/moto.lua" "${pids[2]}"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
log=$(./"$BUILD"/bulwark trail verify-chain --data-dir "$work/recorded")
echo "recorded server: $sent responses counted by wrk; event log after: $log"
