#!/usr/bin/env bash
# A/B of the product's Lucene kNN at 100k synthetic, back to back in one run:
#   BEFORE=/path/to/worktree-at-52e731e AFTER=/path/to/worktree-with-the-fix OUT=target/ann-ab ab.sh after before
# OUT/{before,after} each need the synth.* files of `bench/ann/run.sh target/ann-100k --sets synth --n 100000
# --phases prepare` (links are fine). Run it under bench/ann/quiet-all.sh.
set -euo pipefail
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
OUT=$(cd "${OUT:?}" && pwd)
ARGS=(--sets synth --repeats 3 --widths 10,20,40,80 --phases lucene --hnsw 16/100,32/100 --lucene-opts "--encodings FLOAT32")
for side in "$@"; do
  tree=${AFTER:?}; [ "$side" = before ] && tree=${BEFORE:?}
  echo "== $side $(date -u +%T) $(uptime)"
  (cd "$tree" && bench/ann/run.sh "$OUT/$side" "${ARGS[@]}")
done
echo "== done $(date -u +%T) $(uptime)"
