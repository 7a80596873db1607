#!/usr/bin/env bash
# The product's INT4 / INT1 (rescored 3x) at 100k synthetic, m=32, beside fp32 m=32 (same run), vs hnswlib from ANN run 3.
set -euo pipefail
cd /work/main
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
echo "== $(date -u +%T) $(uptime)"
bench/ann/run.sh /work/m1/q4/p --sets synth --repeats 3 --widths 10,20,40,80 --phases lucene --hnsw 32/100 --lucene-opts "--encodings FLOAT32,INT8,INT4,INT1"
echo "== done $(date -u +%T) $(uptime)"
