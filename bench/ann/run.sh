#!/usr/bin/env bash
# ANN comparison, single thread, same vectors and queries: the project's Lucene HNSW (fp32, int8) vs hnswlib and
# faiss (HNSW and flat). Writes OUT/ann.csv, OUT/summary.txt (incl. the QPS ratio to hnswlib at recall@10 0.95)
# and OUT/ann.png.
#   bench/ann/run.sh [OUT=target/ann] [--sets scifact,synth] [--n 500000] [--repeats 3] [--widths 10,...,500]
#                    [--hnsw 16/100,32/100] (Lucene graph options, M/beamWidth, one build per pair and encoding)
#                    [--force-merge true|false]   (true, the default: the Lucene collection merged after the bulk
#                    load as index/import do; false: the segments as written, rows named "-unmerged")
# Needs Debian python3-hnswlib python3-faiss python3-numpy python3-matplotlib (apt-get install -y ...).
# SKIP_PREPARE=1 reuses the data files already in OUT.
# Expects the bench module compiled and the cached SciFact collection under target/test-cache (see docs/benchmarks.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OUT=target/ann
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then OUT="$1"; shift; fi
SETS=scifact,synth; N=500000; REPEATS=3; WIDTHS=10,20,40,80,120,200,300,500; FORCE_MERGE=true; HNSW=16/100
while [ $# -gt 0 ]; do
  case "$1" in
    --sets) SETS="$2" ;; --n) N="$2" ;; --repeats) REPEATS="$2" ;; --widths) WIDTHS="$2" ;;
    --force-merge) FORCE_MERGE="$2" ;; --hnsw) HNSW="$2" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
mkdir -p "$OUT"
CP="$(./mvnw -q -B -pl bench dependency:build-classpath -Dmdep.outputFile=/dev/stdout):bench/target/classes"
JAVA=("$JAVA_HOME/bin/java" -Xmx4g ${BENCH_JVM_OPTS:-} --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP")
{ date -u; uptime; nproc; } > "$OUT/machine.txt"
[ -n "${SKIP_PREPARE:-}" ] || "${JAVA[@]}" dev.mmsearch.bench.AnnBench prepare --out "$OUT" --sets "$SETS" --n "$N"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
"${JAVA[@]}" dev.mmsearch.bench.AnnBench lucene --out "$OUT" --sets "$SETS" --repeats "$REPEATS" --widths "$WIDTHS" \
  --force-merge "$FORCE_MERGE" --hnsw "$HNSW"
/usr/bin/python3 bench/ann/peers.py run "$OUT" --sets "$SETS" --repeats "$REPEATS" --widths "$WIDTHS"
{ date -u; uptime; } >> "$OUT/machine.txt"
/usr/bin/python3 bench/ann/peers.py plot "$OUT"
