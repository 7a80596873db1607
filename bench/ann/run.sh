#!/usr/bin/env bash
# ANN comparison, single thread, same vectors and queries: the project's Lucene HNSW (fp32, int8, ...) vs hnswlib,
# faiss (HNSW and flat) and USearch. Writes OUT/ann.csv, OUT/summary.txt (incl. the QPS ratios to hnswlib, USearch
# and faiss HNSW at recall@10 0.90/0.95/0.99) and OUT/ann.png.
#   bench/ann/run.sh [OUT=target/ann] [--sets scifact,synth,million] [--n 500000] [--repeats 3] [--widths 10,...,500]
#                    [--force-merge true|false]   (true, the default: the Lucene collection merged after the bulk
#                    load as index/import do; false: the segments as written, rows named "-unmerged")
#                    [--export DIR] [--limit N]   (set "million": the document vectors of an `mmsearch export`,
#                    the first N of them; queries: the SciFact claims encoded with the export's model)
#                    [--hnsw 16/100,32/100] (Lucene graph options, M/beamWidth, one build per pair and encoding)
#                    [--peer-hnsw 16/100,32/100] (the same for hnswlib, faiss HNSW and USearch: M/efConstruction)
#                    [--lucene-opts "--encodings FLOAT32,INT8 ..."]   (more options for AnnBench lucene)
#                    [--usearch-quantization f32[,i8,f16]]
#                    [--phases prepare,lucene,peers,usearch,plot]   (a subset runs only those, on the files in OUT;
#                    e.g. one phase per /work/m1/quiet run; add "raw" for AnnBench raw: Lucene 10.6 without the
#                    product, its quantisations with float rescoring)  [--raw-opts "--formats fp32,int8,int4,int1
#                    --oversample 1,3 --hnsw 16/100"]
# Needs Debian python3-hnswlib python3-faiss python3-numpy python3-matplotlib (apt-get install -y ...) for the peers
# and node + `(cd bench/ann/usearch && npm ci)` for USearch (skipped with a note when either is missing).
# SKIP_PREPARE=1 reuses the data files already in OUT (as --phases without prepare).
# Compiles the reactor (bench and the modules it uses, offline; nothing is installed into ~/.m2). The scifact set
# expects the cached SciFact collection under target/test-cache (see docs/benchmarks.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OUT=target/ann
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then OUT="$1"; shift; fi
SETS=scifact,synth; N=500000; REPEATS=3; WIDTHS=10,20,40,80,120,200,300,500; FORCE_MERGE=true
PHASES=prepare,lucene,peers,usearch,plot; EXPORT=""; LIMIT=""; LUCENE_OPTS=""; RAW_OPTS=""; USEARCH_Q=f32; HNSW=16/100; PEER_HNSW=16/100
while [ $# -gt 0 ]; do
  case "$1" in
    --sets) SETS="$2" ;; --n) N="$2" ;; --repeats) REPEATS="$2" ;; --widths) WIDTHS="$2" ;;
    --force-merge) FORCE_MERGE="$2" ;; --phases) PHASES="$2" ;; --export) EXPORT="$2" ;; --limit) LIMIT="$2" ;;
    --lucene-opts) LUCENE_OPTS="$2" ;; --raw-opts) RAW_OPTS="$2" ;; --usearch-quantization) USEARCH_Q="$2" ;; --hnsw) HNSW="$2" ;; --peer-hnsw) PEER_HNSW="$2" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -z "${SKIP_PREPARE:-}" ] || PHASES="${PHASES//prepare/}"
phase() { [[ ",$PHASES," == *",$1,"* ]]; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
if phase prepare || phase lucene || phase raw; then
  ./mvnw -q -o -B -DskipTests -pl bench -am compile dependency:build-classpath -Dmdep.outputFile="$OUT/.classpath" >&2
  CP="$(cat "$OUT/.classpath"):bench/target/classes"
  JAVA=("$JAVA_HOME/bin/java" -Xmx4g ${BENCH_JVM_OPTS:-} --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP")
fi
{ date -u; uptime; nproc; echo "phases $PHASES"; } >> "$OUT/machine.txt"
if phase prepare; then
  PREP=(--out "$OUT" --sets "$SETS" --n "$N")
  [ -z "$EXPORT" ] || PREP+=(--export "$EXPORT")
  [ -z "$LIMIT" ] || PREP+=(--limit "$LIMIT")
  "${JAVA[@]}" dev.mmsearch.bench.AnnBench prepare "${PREP[@]}"
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
if phase lucene; then
  # shellcheck disable=SC2086
  "${JAVA[@]}" dev.mmsearch.bench.AnnBench lucene --out "$OUT" --sets "$SETS" --repeats "$REPEATS" --widths "$WIDTHS" \
    --force-merge "$FORCE_MERGE" --hnsw "$HNSW" $LUCENE_OPTS
fi
if phase raw; then
  # shellcheck disable=SC2086
  "${JAVA[@]}" dev.mmsearch.bench.AnnBench raw --out "$OUT" --sets "$SETS" --repeats "$REPEATS" --widths "$WIDTHS" $RAW_OPTS
fi
if phase peers; then
  /usr/bin/python3 bench/ann/peers.py run "$OUT" --sets "$SETS" --repeats "$REPEATS" --widths "$WIDTHS" \
    --hnsw "$PEER_HNSW"
fi
if phase usearch; then
  if ! command -v node >/dev/null 2>&1; then
    echo "usearch skipped: no node on PATH" >&2
  elif [ ! -d bench/ann/usearch/node_modules/usearch ]; then
    echo "usearch skipped: run (cd bench/ann/usearch && npm ci) first" >&2
  else
    node --expose-gc bench/ann/usearch/peer.js "$OUT" --sets "$SETS" --repeats "$REPEATS" --widths "$WIDTHS" \
      --quantization "$USEARCH_Q" --hnsw "$PEER_HNSW"
  fi
fi
{ date -u; uptime; } >> "$OUT/machine.txt"
if phase plot; then
  /usr/bin/python3 bench/ann/peers.py plot "$OUT"
fi
