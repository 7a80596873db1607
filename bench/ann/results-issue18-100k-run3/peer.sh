#!/usr/bin/env bash
# hnswlib M=16 and M=32 on the same files: OUT=target/ann-ab peer.sh (OUT holds the synth.* files). Under quiet-all.sh.
set -euo pipefail
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "== hnswlib $(date -u +%T) $(uptime)"
/usr/bin/python3 bench/ann/peers.py run "${OUT:?}" --sets synth --repeats 3 --widths 10,20,40,80 --systems hnswlib --hnsw 16/100,32/100 --csv peers-hnswlib.csv
echo "== done $(date -u +%T) $(uptime)"
