#!/usr/bin/env bash
# Runs a timed measurement alone on a shared box: takes the lock /work/bench.lock (one measurement at a time; the
# path is this box's convention, override with BENCH_LOCK) and pauses (SIGSTOP) every other java/node/python process
# on the box while COMMAND runs -- other engineers' compiles and tests, a background embedding -- then resumes them
# (SIGCONT). For A/B timings that must not be disturbed; keep COMMAND short (minutes).
#   bench/ann/quiet-all.sh COMMAND [ARGS...]
set -uo pipefail
exec 9>"${BENCH_LOCK:-/work/bench.lock}"
flock 9
pids=$(pgrep -f '^(/usr/lib/jvm/\S+/java|/usr/bin/java|java|node|/usr/bin/node|python3|/usr/bin/python3) ' | grep -vx "$$" || true)
resume() { [ -n "$pids" ] && kill -CONT $pids 2>/dev/null; }
trap resume EXIT INT TERM
[ -n "$pids" ] && kill -STOP $pids 2>/dev/null
echo "quiet-all: paused $(echo $pids | wc -w) processes" >&2
"$@"
