#!/usr/bin/env node
// The LanceDB half of mmsearch vs LanceDB on SciFact (issue 18 item 5). Benchmark-only: never part of the product
// or CI. Reads what `bench/run.sh lancedb prep --out DIR` wrote (docs.jsonl + docs.f32: the very documents and
// bge-small-en-v1.5 float32 vectors mmsearch indexed; queries.jsonl + queries.f32: the product encoder's query
// vectors) and measures LanceDB embedded on the same machine, the same way the Java side measures mmsearch:
//   build (--build-repeats times): createTable from an Arrow table in memory, an IVF_HNSW_SQ vector index
//     (1 partition = one HNSW graph; m 16, efConstruction 100 = the product's maxConn/beamWidth; cosine) and a
//     native FTS index on content = title + " " + text (English stemming and stop words, lower case, ASCII folding:
//     the closest to the product's Lucene EnglishAnalyzer on its joined title+text field);
//   queries, one at a time, top 10, returning id/title/text (the product's plain summary returns the stored fields):
//     dense        the IVF_HNSW_SQ index, ef 100 (the product's 100 candidates)
//     fts          BM25 over the FTS index
//     hybrid       dense + fts, LanceDB's RRFReranker (k 60), limit 10 (each side fetches 10, LanceDB's way)
//     hybrid-100   the same with limit 100 and the first 10 kept (100 candidates per side, as the product's hybrid)
//     dense-exact  exact float32 kNN (bypassVectorIndex: brute force over every row, no quantisation)
//     hybrid-exact dense-exact + fts, RRF, limit 10
//     scan-10      no search, the first 10 rows: what any query costs through the Node binding
//   warm-up: the first --warmup queries through every mode; then --repeats passes, each query through every mode.
// Writes DIR/lancedb.json (same layout as mmsearch.json: per mode the ids of the first pass and every sample in ms).
// Usage: node bench/lancedb/scifact.js --out DIR [--warmup 300] [--repeats 3] [--build-repeats 5]
"use strict";
const fs = require("fs");
const path = require("path");
const lancedb = require("@lancedb/lancedb");
const arrow = require("apache-arrow");

function opts(argv) {
  const o = {};
  for (let i = 0; i + 1 < argv.length; i += 2) o[argv[i]] = argv[i + 1];
  return o;
}

function readF32(file) {
  const buf = fs.readFileSync(file);
  const rows = buf.readInt32LE(0);
  const dim = buf.readInt32LE(4);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + 8 + rows * dim * 4));
  const out = [];
  for (let r = 0; r < rows; r++) out.push(all.subarray(r * dim, (r + 1) * dim));
  return { rows, dim, vectors: out };
}

function readJsonl(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main() {
  const o = opts(process.argv.slice(2));
  const out = o["--out"] || "target/lancedb-scifact";
  const warmup = parseInt(o["--warmup"] || "300", 10);
  const repeats = parseInt(o["--repeats"] || "3", 10);
  const buildRepeats = parseInt(o["--build-repeats"] || "5", 10);
  const docs = readJsonl(path.join(out, "docs.jsonl"));
  const dv = readF32(path.join(out, "docs.f32"));
  const queries = readJsonl(path.join(out, "queries.jsonl"));
  const qv = readF32(path.join(out, "queries.f32"));
  if (dv.rows !== docs.length || qv.rows !== queries.length) throw new Error("row counts do not match");
  const dim = dv.dim;

  const schema = new arrow.Schema([
    new arrow.Field("id", new arrow.Utf8(), false),
    new arrow.Field("title", new arrow.Utf8(), true),
    new arrow.Field("text", new arrow.Utf8(), true),
    new arrow.Field("content", new arrow.Utf8(), true),
    new arrow.Field("vector", new arrow.FixedSizeList(dim, new arrow.Field("item", new arrow.Float32(), true)), false),
  ]);
  const rows = docs.map((d, i) => ({
    id: d.id, title: d.title, text: d.text, content: `${d.title} ${d.text}`, vector: Array.from(dv.vectors[i]),
  }));
  const data = lancedb.makeArrowTable(rows, { schema }); // LanceDB's input form, built before the clock starts

  const dbDir = path.join(out, "lancedb-data");
  fs.rmSync(dbDir, { recursive: true, force: true });
  const db = await lancedb.connect(dbDir);
  const vectorIndex = { distanceType: "cosine", numPartitions: 1, m: 16, efConstruction: 100 };
  const ftsIndex = {
    baseTokenizer: "simple", language: "English", lowercase: true, stem: true, removeStopWords: true,
    asciiFolding: true, withPosition: false,
  };
  const build = [];
  let tbl;
  for (let b = 0; b < buildRepeats; b++) {
    if (tbl) { tbl.close(); await db.dropTable("scifact"); }
    const t0 = process.hrtime.bigint();
    tbl = await db.createTable("scifact", data);
    const t1 = process.hrtime.bigint();
    await tbl.createIndex("vector", { config: lancedb.Index.hnswSq(vectorIndex), waitTimeoutSeconds: 600 });
    const t2 = process.hrtime.bigint();
    await tbl.createIndex("content", { config: lancedb.Index.fts(ftsIndex), waitTimeoutSeconds: 600 });
    const t3 = process.hrtime.bigint();
    build.push({ total: Number(t3 - t0) / 1e6, create: Number(t1 - t0) / 1e6, vectorIndex: Number(t2 - t1) / 1e6,
      ftsIndex: Number(t3 - t2) / 1e6 });
  }
  const indices = await tbl.listIndices();
  const rrf = await lancedb.rerankers.RRFReranker.create(60);
  const cols = ["id", "title", "text"];
  const ftsOpts = { columns: "content" };
  // The index (IVF_HNSW_SQ, ef 100) is LanceDB's closest equivalent to the product's HNSW; -exact bypasses it.
  const knn = (v) => tbl.query().nearestTo(v).distanceType("cosine").ef(100);
  const exact = (v) => tbl.query().nearestTo(v).distanceType("cosine").bypassVectorIndex();
  const modes = {
    dense: (q, v) => knn(v).select(cols).limit(10).toArray(),
    fts: (q) => tbl.query().fullTextSearch(q, ftsOpts).select(cols).limit(10).toArray(),
    hybrid: (q, v) => knn(v).fullTextSearch(q, ftsOpts).rerank(rrf).select(cols).limit(10).toArray(),
    "hybrid-100": async (q, v) => (await knn(v).fullTextSearch(q, ftsOpts).rerank(rrf).select(cols).limit(100)
      .toArray()).slice(0, 10),
    "dense-exact": (q, v) => exact(v).select(cols).limit(10).toArray(),
    "hybrid-exact": (q, v) => exact(v).fullTextSearch(q, ftsOpts).rerank(rrf).select(cols).limit(10).toArray(),
    // No search at all: the first 10 rows. The floor of a query through the binding (planning, Arrow, JS objects).
    "scan-10": () => tbl.query().select(cols).limit(10).toArray(),
  };
  const names = Object.keys(modes);
  const n = queries.length;
  for (let q = 0; q < Math.min(warmup, n); q++) {
    for (const m of names) await modes[m](queries[q].text, qv.vectors[q]);
  }
  const res = {};
  for (const m of names) res[m] = { ids: {}, ms: new Array(n * repeats) };
  for (let r = 0; r < repeats; r++) {
    for (let q = 0; q < n; q++) {
      for (const m of names) {
        const t0 = process.hrtime.bigint();
        const hits = await modes[m](queries[q].text, qv.vectors[q]);
        res[m].ms[r * n + q] = ms(t0);
        if (r === 0) res[m].ids[queries[q].id] = hits.map((h) => h.id);
      }
    }
  }
  const lancedbVersion = JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules/@lancedb/lancedb/package.json"), "utf8")).version;
  const meta = {
    system: "lancedb", version: lancedbVersion, node: process.version, docs: docs.length, queries: n,
    warmup: Math.min(warmup, n), repeats, vectorIndex: { type: "IVF_HNSW_SQ", ...vectorIndex }, ftsIndex,
    indices: indices.map((i) => ({ name: i.name, type: i.indexType, columns: i.columns })),
    buildMs: build.map((b) => b.total), buildParts: build, diskBytes: du(dbDir),
  };
  fs.writeFileSync(path.join(out, "lancedb.json"), JSON.stringify({ modes: res, meta }));
  console.log(`lancedb ${lancedbVersion}: ${docs.length} docs, ${n} queries, build ${build.map((b) => b.total.toFixed(0))} ms, wrote ${out}`);
}

function du(dir) {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? du(p) : fs.statSync(p).size;
  }
  return total;
}

main().catch((e) => { console.error(e); process.exit(1); });
