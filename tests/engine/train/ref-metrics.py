#!/usr/bin/python3
# tests/engine/train/ref-metrics.py — numpy reference for ROC AUC and average
# precision, written independently of the C code (the cumulative-count
# construction sklearn uses). Input CSV seed,label,score; prints per seed
# "seed auc ap". Exit 77 when numpy is missing (the test skips).
import sys

try:
    import numpy as np
except ImportError:
    sys.stderr.write("numpy is not installed\n")
    sys.exit(77)


def curve_counts(y, s):
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    # last index of each run of equal scores: one point per distinct score
    ends = np.r_[np.where(np.diff(s) != 0)[0], y.size - 1]
    tps = np.cumsum(y)[ends]
    fps = (ends + 1) - tps
    return tps.astype(np.float64), fps.astype(np.float64)


def auc_ap(y, s):
    tps, fps = curve_counts(y, s)
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    return auc, ap


data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)
for seed in np.unique(data[:, 0]).astype(int):
    rows = data[data[:, 0] == seed]
    auc, ap = auc_ap(rows[:, 1].astype(np.int64), rows[:, 2])
    print(f"{seed} {auc:.17g} {ap:.17g}")
