#!/usr/bin/env bash
# Runs a benchmark harness from the bench module on a JDK >= 21 with the engine's JVM flags.
#   bench/run.sh latency --data-dir DIR --collection scifact --queries ../shared/data/scifact/queries.jsonl
#   bench/run.sh ingest --data-dir DIR --corpus ../shared/data/scifact/corpus.jsonl --limit 1000 --batch-size 32
#   BENCH_JVM_OPTS=-Xmx512m bench/run.sh memory --data-dir DIR --size-mb 1024
#   bench/run.sh stores [--setups embedded,opensearch-1,opensearch-2] [--n 300]   (embedded Lucene vs OpenSearch)
#   bench/run.sh capacity [--corpus ../shared/data/scifact/corpus.jsonl]          (docs/scaling.md's numbers)
#   bench/run.sh ann [OUT] [--sets scifact,synth] [--n 500000] [--repeats 3]     (Lucene HNSW vs hnswlib/faiss; bench/ann/run.sh)
#   bench/run.sh load [--data-dir DIR] [--levels 1,8,32] [--seconds 20] [--soak-seconds 180]  (HTTP load + soak)
#   bench/run.sh load --url http://127.0.0.1:8765 --server-pid PID ...   (a running server; bench/load/external.sh)
#   bench/run.sh write [--limit 2000] [--clients 8] [--seconds 20] [--patch 1000] [--compare-micro-batch 0]  (online write API)
#   bench/run.sh corpus --out DIR/million.jsonl [--n 1000000] [--seed 18]   (issue 18's deterministic Q&A corpus)
#   bench/run.sh lancedb prep|score|analysis --out DIR [--repeats 3] [--warmup 300]   (mmsearch side of bench/lancedb/run.sh)
#   bench/run.sh million --export DIR [--stores embedded,opensearch-2] [--vector-encoding INT8] [--out target/million]
#                                     (import, serve, query, recall at scale; bench/million/README.md)
#   bench/run.sh filterprobe --collection DATA_DIR/collections/NAME --queries OUT/million.query.f32 [--values 1,2,3,5]  (filtered kNN: graph vs exact)
# BENCH_JVM_OPTS (e.g. -Xmx512m) is passed to the benchmark's JVM.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
case "${1:-}" in
  latency) main=dev.mmsearch.bench.SearchLatencyBench ;;
  ingest) main=dev.mmsearch.bench.IngestThroughputBench ;;
  memory) main=dev.mmsearch.bench.IngestMemoryBench ;;
  stores) main=dev.mmsearch.bench.StoreComparisonBench ;;
  capacity) main=dev.mmsearch.bench.CapacityPlan ;;
  load) main=dev.mmsearch.bench.LoadBench ;;
  write) main=dev.mmsearch.bench.WriteBench ;;
  corpus) main=dev.mmsearch.bench.MillionCorpus ;;
  lancedb) main=dev.mmsearch.bench.LanceDbBench ;;
  million) main=dev.mmsearch.bench.MillionBench ;;
  filterprobe) main=dev.mmsearch.bench.FilteredKnnProbe ;;   # filtered kNN, graph vs exact (FilteredKnnProbe)
  ann) shift; exec bench/ann/run.sh "$@" ;;   # compiles the reactor itself, installs nothing
  *) echo "usage: bench/run.sh latency|ingest|memory|stores|capacity|load|write|corpus|lancedb|million|filterprobe|ann [options]" >&2; exit 2 ;;
esac
shift
# Compiles the reactor and takes the modules' target/classes from it: nothing is installed into ~/.m2.
CPFILE="$(mktemp)"
trap 'rm -f "$CPFILE"' EXIT
./mvnw -q -B -DskipTests -pl bench -am compile dependency:build-classpath -Dmdep.outputFile="$CPFILE" >&2
CP="$(cat "$CPFILE"):bench/target/classes"
rm -f "$CPFILE"
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" ${BENCH_JVM_OPTS:-} -Dmmsearch.security.rate-limit.per-second=0 --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$CP" "$main" "$@"
