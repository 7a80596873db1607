#!/usr/bin/env node
// USearch peer for bench/ann/run.sh (benchmark only; never part of the build or CI).
//
//   node bench/ann/usearch/peer.js DIR [--sets scifact,synth] [--widths 10,...,500] [--repeats 3]
//                                      [--quantization f32[,i8,f16]] [--hnsw 16/100[,32/100]]  -> DIR/usearch.csv
//
// Reads the files AnnBench prepare wrote (NAME.base.f32 / NAME.query.f32: int32 rows, int32 dims, float32 rows;
// NAME.gt.i32: int32 rows, int32 k, ids) and measures USearch (npm `usearch`, pinned in package.json) the way
// peers.py measures hnswlib and faiss: metric 'ip', connectivity (M) 16, expansion_add (efConstruction) 100 (or each
// --hnsw M/efConstruction pair; rows "usearch-m32" as AnnBench and peers.py name them), built on one thread;
// recall@10 against the exact ground truth and single-thread QPS at each search width (expansion_search = width), the whole query batch in one call with threads = 1 (no JavaScript per query), a
// warm-up pass of 200 queries at width 100, then `repeats` rounds over the widths, each measurement whole passes
// over the queries until >= 1 s. Memory is the growth of the process RSS while building.
//
// The JavaScript binding fixes expansion_search when an index is constructed (there is no setter), so the built
// index is saved once and each width gets its own Index constructed with that expansion_search and `view`ed
// (memory-mapped, the same graph and vectors; the page cache is shared, so this costs no extra memory).
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const usearch = require("usearch");

const K = 10;
const MIN_SECONDS = 1.0;

function parseArgs(argv) {
  if (argv.length < 1 || argv[0].startsWith("--")) {
    console.error("usage: peer.js DIR [--sets a,b] [--widths 10,20] [--repeats 3] [--quantization f32]");
    process.exit(2);
  }
  const opts = { dir: argv[0], sets: "scifact,synth", widths: "10,20,40,80,120,200,300,500", repeats: "3",
    quantization: "f32", hnsw: "16/100" };
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in opts) || i + 1 >= argv.length) {
      console.error("unknown or incomplete option " + argv[i]);
      process.exit(2);
    }
    opts[key] = argv[i + 1];
  }
  return {
    dir: opts.dir,
    sets: opts.sets.split(","),
    widths: opts.widths.split(",").map(Number),
    repeats: Number(opts.repeats),
    quantization: opts.quantization.split(","),
    graphs: opts.hnsw.split(",").map((g) => {
      const [m, ef] = g.split("/").map(Number);
      if (!Number.isInteger(m) || !Number.isInteger(ef)) {
        console.error("--hnsw takes M/efConstruction pairs like 16/100,32/100, got " + g);
        process.exit(2);
      }
      return { m, ef };
    }),
  };
}

/** The int32 rows / int32 cols header, then rows*cols values, read in chunks (files can pass 2 GB). */
function readMatrix(file, Type) {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(8);
    fs.readSync(fd, head, 0, 8, 0);
    const rows = head.readInt32LE(0);
    const cols = head.readInt32LE(4);
    const data = new Type(rows * cols);
    const bytes = new Uint8Array(data.buffer);
    const chunk = 1 << 26;
    for (let off = 0; off < bytes.length; ) {
      const n = fs.readSync(fd, bytes, off, Math.min(chunk, bytes.length - off), 8 + off);
      if (n <= 0) throw new Error(file + ": truncated at byte " + (8 + off));
      off += n;
    }
    return { rows, cols, data };
  } finally {
    fs.closeSync(fd);
  }
}

function rssBytes() {
  return process.memoryUsage.rss();
}

function recall(result, gt, nq) {
  let hits = 0;
  for (let q = 0; q < nq; q++) {
    const truth = new Set();
    for (let j = 0; j < gt.cols; j++) truth.add(gt.data[q * gt.cols + j]);
    const count = Number(result.counts[q]);
    for (let j = 0; j < Math.min(count, K); j++) {
      if (truth.has(Number(result.keys[q * result.k + j]))) hits++;
    }
  }
  return hits / (nq * gt.cols);
}

function newIndex(dims, quantization, graph, expansionSearch) {
  return new usearch.Index({ dimensions: dims, metric: "ip", quantization, connectivity: graph.m,
    expansion_add: graph.ef, expansion_search: expansionSearch });
}

const VERSION = JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules/usearch/package.json"))).version;

/** Builds on one thread and saves the index to `file`; the built copy goes out of scope on return. */
function buildAndSave(base, quantization, graph, file, ds, name) {
  const before = rssBytes();
  const t0 = process.hrtime.bigint();
  const built = newIndex(base.cols, quantization, graph, 64);
  const keys = new BigUint64Array(base.rows);
  for (let i = 0; i < base.rows; i++) keys[i] = BigInt(i);
  built.add(keys, base.data, 1);
  const buildS = Number(process.hrtime.bigint() - t0) / 1e9;
  const mem = rssBytes() - before;
  console.log(`built ${ds} ${name}: ${base.rows} vectors in ${buildS.toFixed(1)} s, rss +${mem >> 20} MB ` +
    `(connectivity ${built.connectivity()}, usearch ${VERSION})`);
  built.save(file);
  return { buildS, mem };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rows = [];
  const tmp = fs.mkdtempSync(path.join(opts.dir, "usearch-"));
  try {
    for (const ds of opts.sets) {
      const base = readMatrix(path.join(opts.dir, ds + ".base.f32"), Float32Array);
      const queries = readMatrix(path.join(opts.dir, ds + ".query.f32"), Float32Array);
      const gt = readMatrix(path.join(opts.dir, ds + ".gt.i32"), Int32Array);
      const systems = [];
      for (const quantization of opts.quantization) for (const graph of opts.graphs) {
        const name = (quantization === "f32" ? "usearch" : "usearch-" + quantization) +
          (graph.m === 16 ? "" : "-m" + graph.m) + (graph.ef === 100 ? "" : "-bw" + graph.ef);
        const file = path.join(tmp, `${ds}-${quantization}-m${graph.m}-bw${graph.ef}.usearch`);
        const { buildS, mem } = buildAndSave(base, quantization, graph, file, ds, name);
        if (global.gc) global.gc(); // the in-memory copy is not searched: the views are
        const indexBytes = fs.statSync(file).size;
        const byWidth = new Map();
        for (const width of opts.widths) {
          const view = newIndex(base.cols, quantization, graph, Math.max(width, K));
          view.view(file);
          byWidth.set(width, view);
        }
        systems.push({ name, buildS, mem, indexBytes, byWidth });
      }
      const warm = queries.data.subarray(0, Math.min(200, queries.rows) * queries.cols);
      for (const s of systems) {
        (s.byWidth.get(100) || s.byWidth.get(opts.widths[0])).search(warm, K, 1);
      }
      for (let rep = 0; rep < opts.repeats; rep++) {
        for (const width of opts.widths) {
          for (const s of systems) {
            const index = s.byWidth.get(width);
            const t0 = process.hrtime.bigint();
            let passes = 0;
            let found;
            // whole passes until >= 1 s: short windows are all noise on a shared machine
            for (;;) {
              found = index.search(queries.data, K, 1);
              passes++;
              if (Number(process.hrtime.bigint() - t0) / 1e9 >= MIN_SECONDS) break;
            }
            const secs = Number(process.hrtime.bigint() - t0) / 1e9 / passes;
            const r = recall(found, gt, queries.rows);
            const qps = queries.rows / secs;
            rows.push([ds, s.name, width, rep, r.toFixed(4), qps.toFixed(1), s.buildS.toFixed(1), s.indexBytes, s.mem,
              ""]);
            console.log(`${ds} ${s.name} width=${width} rep=${rep} recall@10=${r.toFixed(4)} qps=${qps.toFixed(1)}`);
          }
        }
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const header = "dataset,system,width,repeat,recall,qps,build_s,index_bytes,mem_bytes,segments";
  fs.writeFileSync(path.join(opts.dir, "usearch.csv"), [header, ...rows.map((r) => r.join(","))].join(os.EOL) + os.EOL);
}

main();
