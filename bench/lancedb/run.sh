#!/usr/bin/env bash
# mmsearch vs LanceDB on SciFact (issue 18 item 5), same machine, same run, same vectors. Benchmark-only.
#   /work/m1/quiet bench/lancedb/run.sh [OUT] [--repeats 3] [--warmup 300] [--build-repeats 5]
# 1. bench/run.sh lancedb prep: writes the documents, the product's bundled bge-small-en-v1.5 vectors and the query
#    vectors (the product's encoder) to OUT, and measures mmsearch's build and queries in-process (encode excluded);
# 2. scifact.js: LanceDB 0.31.0 embedded on the same files (npm ci here first; node_modules is not committed);
# 3. bench/run.sh lancedb score: nDCG@10 of both with the product's metrics, p50/p99, build, the ratio table.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$ROOT/target/lancedb-scifact}"
[[ $# -gt 0 ]] && shift
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
[[ -d "$HERE/node_modules/@lancedb/lancedb" ]] || (cd "$HERE" && npm ci --no-audit --no-fund)
cd "$ROOT"
echo "== $(date -u +%FT%TZ) nproc=$(nproc) uptime: $(uptime)"
bench/run.sh lancedb prep --out "$OUT" --models "${MODELS:-$ROOT/target/lancedb-models}" "$@"
# LanceDB logs a deprecation warning per query at its default level (warn); its log is kept to errors.
LANCEDB_LOG=error node "$HERE/scifact.js" --out "$OUT" "$@"
echo "== $(date -u +%FT%TZ) uptime: $(uptime)"
bench/run.sh lancedb score --out "$OUT"
