#!/usr/bin/python3
"""Native ANN peers for bench/ann/run.sh (benchmark only; never part of the build).

  peers.py run  DIR [--sets scifact,synth] [--widths 10,...] [--repeats 3] [--systems hnswlib,faiss-hnsw,faiss-flat]
                    [--hnsw 16/100,32/100]  (M/efConstruction of each graph built; non-default rows "hnswlib-m32")
                    [--csv peers.csv]       (another name, e.g. peers-faiss.csv, keeps an earlier run's rows)
                                                                             -> DIR/peers.csv
  peers.py plot DIR                                                          -> DIR/ann.csv, DIR/ann.png, ratios
                  (lucene.csv, raw*.csv, peers*.csv and usearch.csv from bench/ann/usearch/peer.js, those there)

Reads the files AnnBench prepare wrote (NAME.base.f32 / NAME.query.f32: int32 rows, int32 dims, float32 rows;
NAME.gt.i32: int32 rows, int32 k, ids) and measures, single-threaded, hnswlib HNSW (space 'ip', M=16,
ef_construction=100, or each --hnsw pair) and faiss IndexHNSWFlat (the same M, efConstruction, inner product) and IndexFlatIP
(exact): recall@10 against the brute-force ground truth and QPS at each search width (ef / efSearch), the
repeats interleaved across widths and libraries. Memory is the growth of the process RSS while building.
Uses Debian's python3-hnswlib 0.6.2, python3-faiss 1.7.3, python3-numpy, python3-matplotlib.
"""
import csv
import os
import re
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

K = 10
# one colour per library in every panel; "-unmerged" / "-1seg" / "-run2" variants are dashed in the same colour
COLOURS = {"hnswlib": "tab:green", "faiss-hnsw": "tab:orange", "faiss-flat": "tab:blue", "lucene-fp32": "tab:red",
           "lucene-int8": "tab:purple", "usearch": "tab:olive", "usearch-i8": "tab:cyan", "usearch-f16": "tab:gray",
           "raw-fp32": "tab:pink", "raw-fp32-dot": "tab:brown", "raw-int8": "tab:purple", "raw-int7": "gold",
           "raw-int4": "tab:gray", "raw-int2": "tab:olive", "raw-int1": "tab:cyan"}
# the peers every other system's QPS at a recall is also given as a ratio to (summary.txt), when measured
REFERENCES = ("hnswlib", "usearch", "faiss-hnsw")


def read_matrix(path, dtype):
    head = np.fromfile(path, dtype="<i4", count=2)
    n, d = int(head[0]), int(head[1])
    return np.fromfile(path, dtype=dtype, offset=8).reshape(n, d)


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def recall(found, gt):
    hits = 0
    for row, truth in zip(found, gt):
        hits += len(set(int(x) for x in row[:K]) & set(int(x) for x in truth))
    return hits / float(gt.shape[0] * gt.shape[1])


def graph_suffix(m, ef_construction):
    """'' for the default graph (M=16, efConstruction=100), else '-m32' / '-bw200' as AnnBench names Lucene's rows."""
    return ("" if m == 16 else "-m%d" % m) + ("" if ef_construction == 100 else "-bw%d" % ef_construction)


class Hnswlib:
    base_name = "hnswlib"

    def __init__(self, m=16, ef_construction=100):
        self.m, self.ef_construction = m, ef_construction
        self.name = self.base_name + graph_suffix(m, ef_construction)

    def build(self, base):
        import hnswlib
        self.index = hnswlib.Index(space="ip", dim=base.shape[1])
        self.index.init_index(max_elements=base.shape[0], M=self.m, ef_construction=self.ef_construction,
                              random_seed=42)
        self.index.set_num_threads(1)
        self.index.add_items(base, np.arange(base.shape[0]), num_threads=1)

    def search(self, queries, width):
        self.index.set_ef(max(width, K))
        # The whole batch in one call on one thread: the library's own loop, no Python per query.
        labels, _ = self.index.knn_query(queries, k=K, num_threads=1)
        return labels


class FaissHnsw:
    base_name = "faiss-hnsw"

    def __init__(self, m=16, ef_construction=100):
        self.m, self.ef_construction = m, ef_construction
        self.name = self.base_name + graph_suffix(m, ef_construction)

    def build(self, base):
        import faiss
        faiss.omp_set_num_threads(1)
        self.index = faiss.IndexHNSWFlat(base.shape[1], self.m, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = self.ef_construction
        self.index.add(base)

    def search(self, queries, width):
        self.index.hnsw.efSearch = max(width, K)
        _, labels = self.index.search(queries, K)  # one batch, one OpenMP thread
        return labels


class FaissFlat:
    base_name = name = "faiss-flat"
    widths_independent = True

    def __init__(self, m=16, ef_construction=100):
        pass  # no graph

    def build(self, base):
        import faiss
        faiss.omp_set_num_threads(1)
        self.index = faiss.IndexFlatIP(base.shape[1])
        self.index.add(base)

    def search(self, queries, width):
        _, labels = self.index.search(queries, K)  # exact scan (BLAS, one thread)
        return labels


def run(out, sets, widths, repeats, flat_queries, only=None, graphs=((16, 100),), csv_name="peers.csv"):
    rows = []
    for ds in sets:
        base = np.ascontiguousarray(read_matrix(os.path.join(out, ds + ".base.f32"), "<f4"))
        queries = np.ascontiguousarray(read_matrix(os.path.join(out, ds + ".query.f32"), "<f4"))
        gt = read_matrix(os.path.join(out, ds + ".gt.i32"), "<i4")
        systems = []
        instances = [cls(m, ef) for cls in (Hnswlib, FaissHnsw) for m, ef in graphs] + [FaissFlat()]
        for s in instances:
            if only and s.base_name not in only:
                continue
            before = rss_bytes()
            t0 = time.perf_counter()
            s.build(base)
            s.build_s = time.perf_counter() - t0
            s.mem = rss_bytes() - before
            print("built %s %s: %d vectors in %.1f s, rss +%d MB" % (ds, s.name, base.shape[0], s.build_s,
                                                                      s.mem >> 20), flush=True)
            systems.append(s)
        for s in systems:  # warm-up
            s.search(queries[:200], 100)
        for rep in range(repeats):
            for width in widths:
                for s in systems:
                    if getattr(s, "widths_independent", False):
                        if width != widths[0]:
                            continue
                        q = queries[:flat_queries]  # exact scan: a subset is enough for its QPS
                        g = gt[:flat_queries]
                    else:
                        q, g = queries, gt
                    t0 = time.perf_counter()
                    passes = 0
                    # whole passes until >= 1 s: short windows are all noise on a shared machine
                    while True:
                        found = s.search(q, width)
                        passes += 1
                        if time.perf_counter() - t0 >= 1.0:
                            break
                    secs = (time.perf_counter() - t0) / passes
                    r = recall(found, g)
                    qps = q.shape[0] / secs
                    rows.append([ds, s.name, width, rep, "%.4f" % r, "%.1f" % qps, "%.1f" % s.build_s, "",
                                 s.mem, ""])
                    print("%s %s width=%d rep=%d recall@10=%.4f qps=%.1f" % (ds, s.name, width, rep, r, qps),
                          flush=True)
        del systems
    with open(os.path.join(out, csv_name), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dataset", "system", "width", "repeat", "recall", "qps", "build_s", "index_bytes", "mem_bytes",
                    "segments"])
        w.writerows(rows)


def qps_at(points, target):
    """QPS at recall `target`, linear interpolation between the two widths around it (None if never reached)."""
    points = sorted(points)
    for (r0, q0), (r1, q1) in zip(points, points[1:]):
        if r0 <= target <= r1 and r1 > r0:
            return q0 + (q1 - q0) * (target - r0) / (r1 - r0)
    if points and points[0][0] >= target:
        return points[0][1]
    return None


def plot(out):
    rows = []
    # lucene.csv: AnnBench lucene; raw*.csv: AnnBench raw; peers*.csv: peers.py run (--csv to split runs);
    # usearch.csv: bench/ann/usearch/peer.js (any may be absent)
    names = ["lucene.csv"] + sorted(n for n in os.listdir(out) if n.endswith(".csv")
                                    and (n.startswith("peers") or n.startswith("raw")))
    for name in names + ["usearch.csv"]:
        if not os.path.exists(os.path.join(out, name)):
            print("no %s in %s: left out" % (name, out))
            continue
        with open(os.path.join(out, name)) as f:
            rows.extend(csv.DictReader(f))
    if not rows:
        sys.exit("nothing to plot in %s" % out)
    with open(os.path.join(out, "ann.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    # median QPS per (dataset, system, width) over repeats, with min/max for the spread
    agg = {}
    for r in rows:
        agg.setdefault((r["dataset"], r["system"], int(r["width"])), []).append((float(r["recall"]), float(r["qps"])))
    summary = {}
    for (ds, sysname, width), vals in sorted(agg.items()):
        qs = sorted(v[1] for v in vals)
        summary.setdefault((ds, sysname), []).append((width, vals[0][0], qs[len(qs) // 2], qs[0], qs[-1]))
    lines = []
    for (ds, sysname), pts in sorted(summary.items()):
        for width, rec, med, lo, hi in pts:
            lines.append("%s %-12s width=%3d recall@10=%.4f qps median=%.0f (min %.0f, max %.0f)"
                         % (ds, sysname, width, rec, med, lo, hi))
    def best_of(ds, family, target):
        # A peer's best graph at this recall: its default row ("hnswlib") or any variant ("hnswlib-m32", ...).
        qs = [qps_at([(p[1], p[2]) for p in pts], target) for (d, name), pts in summary.items()
              if d == ds and (name == family or name.startswith(family + "-m") or name.startswith(family + "-bw"))]
        qs = [q for q in qs if q is not None]
        return max(qs) if qs else None

    for ds in sorted({k[0] for k in summary}):
        for target in (0.90, 0.95, 0.99):
            base_q = best_of(ds, "hnswlib", target)
            for sysname in sorted(k[1] for k in summary if k[0] == ds and not k[1].startswith("hnswlib") and k[1] != "faiss-flat"):
                pts = summary[(ds, sysname)]
                q = qps_at([(p[1], p[2]) for p in pts], target)
                ratio = "n/a" if q is None or base_q is None else "%.2f" % (q / base_q)
                lines.append("%s recall@10=%.2f: %s qps=%s hnswlib (best graph) qps=%s ratio=%s" % (
                    ds, target, sysname, "n/a" if q is None else "%.0f" % q,
                    "n/a" if base_q is None else "%.0f" % base_q, ratio))
        # the same QPS as ratios to each reference peer measured (hnswlib, USearch, faiss HNSW)
        for target in (0.90, 0.95, 0.99):
            refs = [(name, q) for name, q in ((n, best_of(ds, n, target)) for n in REFERENCES) if q is not None]
            for sysname in sorted(k[1] for k in summary if k[0] == ds and k[1] != "faiss-flat"):
                q = qps_at([(p[1], p[2]) for p in summary[(ds, sysname)]], target)
                parts = ["%s=%s" % (name, "n/a" if q is None or rq is None else "%.2f" % (q / rq))
                         for name, rq in refs if name != sysname]
                lines.append("%s recall@10=%.2f: %-14s qps=%-6s ratio to %s" % (
                    ds, target, sysname, "n/a" if q is None else "%.0f" % q, " ".join(parts)))
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    sets = sorted({k[0] for k in summary})
    # one panel per data set; when AnnBench raw ran, a second one for Lucene without the product (with hnswlib and
    # the product's float row for reference), so neither panel has more lines than can be told apart
    panels = []
    for ds in sets:
        names = [k[1] for k in summary if k[0] == ds]
        if any(n.startswith("raw-") for n in names):
            panels.append((ds, ds + ": product Lucene vs peers", [n for n in names if not n.startswith("raw-")]))
            panels.append((ds, ds + ": Lucene 10.6 without the product (raw-*)",
                           [n for n in names if n.startswith("raw-") or n in ("hnswlib", "lucene-fp32")]))
        else:
            panels.append((ds, ds, names))
    fig, axes = plt.subplots(1, len(panels), figsize=(7.5 * len(panels), 5.6))
    if len(panels) == 1:
        axes = [axes]
    for ax, (ds, title, names) in zip(axes, panels):
        lowest = 1.0
        for sysname in sorted(names):
            pts = summary[(ds, sysname)]
            # variants of a system (another graph, oversampling, a second run, unmerged) are dashed in its colour
            family = re.sub(r"-(m\d+|bw\d+|os\d+|run2|1seg|unmerged)", "", sysname)
            style = "s" if sysname == "faiss-flat" else ("o--" if family != sysname else "o-")
            colour = COLOURS.get(family)
            ax.plot([p[1] for p in pts], [p[2] for p in pts], style, label=sysname, color=colour, markersize=4)
            # spread: min..max over repeats
            ax.vlines([p[1] for p in pts], [p[3] for p in pts], [p[4] for p in pts], alpha=0.4, color=colour)
            lowest = min(lowest, min(p[1] for p in pts))
        ax.axvline(0.95, color="grey", linestyle=":")
        if lowest < 0.8:
            ax.set_xlim(left=0.8)  # the region around the 0.95 target; lower points are in summary.txt
        ax.set_yscale("log")
        ax.set_xlabel("recall@10")
        ax.set_ylabel("queries/s, 1 thread (median; bars = min..max)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "ann.png"), dpi=110)
    print("wrote", os.path.join(out, "ann.png"))


def main(argv):
    if len(argv) < 3 or argv[1] not in ("run", "plot"):
        sys.exit(__doc__)
    out = argv[2]
    opts = dict(zip(argv[3::2], argv[4::2]))
    if argv[1] == "run":
        run(out, opts.get("--sets", "scifact,synth").split(","),
            [int(x) for x in opts.get("--widths", "10,20,40,80,120,200,300,500").split(",")],
            int(opts.get("--repeats", "3")), int(opts.get("--flat-queries", "200")),
            opts["--systems"].split(",") if "--systems" in opts else None,
            [tuple(int(x) for x in g.split("/")) for g in opts.get("--hnsw", "16/100").split(",")],
            opts.get("--csv", "peers.csv"))
    else:
        plot(out)


if __name__ == "__main__":
    main(sys.argv)
