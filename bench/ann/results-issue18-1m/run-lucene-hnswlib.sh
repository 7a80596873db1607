#!/usr/bin/env bash
cd "$(dirname "$0")/../../.."   # the repository root
# OUT: the directory of "bench/ann/run.sh OUT --sets million --export EXPORT_DIR --phases prepare"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
echo "== lucene fp32 m32 $(date -u +%T) $(uptime)"
bench/ann/quiet-all.sh bench/ann/run.sh ${OUT:-target/ann-1m} --sets million --repeats 2 --widths 10,20,40,80,120,200,300 --phases lucene --hnsw 32/100 --lucene-opts "--encodings FLOAT32"
echo "== hnswlib m32 $(date -u +%T) $(uptime)"
OMP_NUM_THREADS=1 bench/ann/quiet-all.sh /usr/bin/python3 bench/ann/peers.py run ${OUT:-target/ann-1m} --sets million --repeats 2 --widths 10,20,40,80,120,200,300 --hnsw 32/100 --systems hnswlib --csv peers-hnswlib.csv
echo "== done $(date -u +%T) $(uptime)"
