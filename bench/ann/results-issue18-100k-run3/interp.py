#!/usr/bin/env python3
"""QPS at recall@10 0.95 and 0.99 (medians over repeats, linear between the two widths around the target) of the
product before/after and of hnswlib, as ratios. Run in this directory: python3 interp.py"""
import csv, statistics as st

def load(path):
    by = {}
    for r in csv.DictReader(open(path)):
        by.setdefault(r['system'], {}).setdefault(int(r['width']), []).append((float(r['recall']), float(r['qps'])))
    return {s: sorted((st.median(x[0] for x in v), st.median(x[1] for x in v)) for v in ws.values())
            for s, ws in by.items()}

def at(curve, target):
    if target < curve[0][0]:
        return curve[0][1]  # a lower bound: the smallest width is already above the target
    for (r0, q0), (r1, q1) in zip(curve, curve[1:]):
        if r0 <= target <= r1:
            return q0 + (q1 - q0) * ((target - r0) / (r1 - r0) if r1 > r0 else 0)
    return None

rows = {}
for label, path in [('before', 'before-lucene.csv'), ('after', 'after-lucene.csv'), ('peer', 'peers-hnswlib.csv')]:
    for system, curve in load(path).items():
        rows[label + ':' + system] = curve
for target in (0.95, 0.99):
    h16, h32 = at(rows['peer:hnswlib'], target), at(rows['peer:hnswlib-m32'], target)
    print(f"recall {target}: hnswlib {h16:.0f} qps, hnswlib-m32 {h32:.0f} qps")
    for key, curve in rows.items():
        q = at(curve, target)
        print(f"  {key:24s} {q:8.0f}  / hnswlib {q / h16:.2f}  / hnswlib-m32 {q / h32:.2f}")
