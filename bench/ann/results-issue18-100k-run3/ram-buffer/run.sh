#!/usr/bin/env bash
# Build time of the product's Lucene collection at 100k synthetic: writer RAM buffer 16 MB (Lucene's default, main
# before) vs the heap-derived default (AnnBench runs -Xmx4g: 256 MB). Same tree, back to back.
set -euo pipefail
cd /work/main
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
ARGS=(--sets synth --repeats 2 --widths 20,40 --phases lucene --hnsw 16/100 --lucene-opts "--encodings FLOAT32,INT8")
for side in "$@"; do
  echo "== $side $(date -u +%T) $(uptime)"
  if [ "$side" = b16 ]; then export BENCH_JVM_OPTS=-Dmmsearch.lucene.ram-buffer-mb=16; else unset BENCH_JVM_OPTS; fi
  bench/ann/run.sh /work/m1/rb/$side "${ARGS[@]}"
done
echo "== done $(date -u +%T) $(uptime)"
