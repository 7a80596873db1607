#!/usr/bin/env bash
# Runs a benchmark harness from the bench module on a JDK >= 21 with the engine's JVM flags.
#   bench/run.sh latency --data-dir DIR --collection scifact --queries ../shared/data/scifact/queries.jsonl
#   bench/run.sh ingest --data-dir DIR --corpus ../shared/data/scifact/corpus.jsonl --limit 1000 --batch-size 32
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
case "${1:-}" in
  latency) main=dev.mmsearch.bench.SearchLatencyBench ;;
  ingest) main=dev.mmsearch.bench.IngestThroughputBench ;;
  *) echo "usage: bench/run.sh latency|ingest [options]" >&2; exit 2 ;;
esac
shift
./mvnw -q -B -DskipTests -pl bench -am install
CP="$(./mvnw -q -B -pl bench dependency:build-classpath -Dmdep.outputFile=/dev/stdout):bench/target/classes"
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$CP" "$main" "$@"
