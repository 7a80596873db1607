#!/usr/bin/env bash
# The load bench against a server in its own process, as users run it: starts `./mmsearch serve` on the data dir
# (which must hold the collection; `./mmsearch demo --data-dir DIR --model M` or the in-process load bench builds
# it), waits until it is healthy, runs `bench/run.sh load --url ... --server-pid ...` against it, then stops it.
#   bench/load/external.sh --data-dir target/load-q2 --model bge-small-en-v1.5-q --threads 1 [load bench options]
# --data-dir and --threads go to the server (and --threads to the bench's encoder ceiling too); everything else goes
# to the bench. MMSEARCH_JAVA_OPTS: extra server JVM options (e.g. -Xlog:gc*:file=gc.log:uptime);
# BENCH_JVM_OPTS: the load generator's. LOAD_PORT: the server's port (8765).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
data_dir="" threads=0 port="${LOAD_PORT:-8765}" bench_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data_dir="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) bench_args+=("$1"); shift ;;
  esac
done
[ -n "$data_dir" ] || { echo "usage: bench/load/external.sh --data-dir DIR [--threads N] [load bench options]" >&2; exit 2; }
# One client address sends all the load: the per-client rate limit (50/s) is off for this server.
MMSEARCH_JAVA_OPTS="-Dmmsearch.security.rate-limit.per-second=0 ${MMSEARCH_JAVA_OPTS:-}" \
  ./mmsearch serve --data-dir "$data_dir" --threads "$threads" --port "$port" >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "server exited; its log: $data_dir/server.log" >&2; tail -20 "$data_dir/server.log" >&2; exit 1; }
  sleep 1
done
echo "server pid $server on port $port (log: $data_dir/server.log)"
# The server's live heap: its heap in use right after a full GC (jcmd GC.run), before the load and after it. The
# soak's heap samples are points on the young-generation sawtooth; this is the number that shows a leak.
live_heap() {
  "$JAVA_HOME/bin/jcmd" "$server" GC.run >/dev/null
  curl -fsS "http://127.0.0.1:$port/actuator/metrics/jvm.memory.used?tag=area:heap" |
    sed -E 's/.*"value":([0-9.E+]+).*/\1/' | awk '{printf "%.0f MB\n", $1 / 1048576}'
}
echo "server live heap before the load: $(live_heap)"
bench/run.sh load --url "http://127.0.0.1:$port" --server-pid "$server" --threads "$threads" "${bench_args[@]}"
echo "server live heap after the load: $(live_heap)"
