#!/usr/bin/env python3
"""tools/cv-summary.py — summarises a cross-validation: N per-fold
`mammoscope-cli evaluate --level image` JSON files in, one Markdown table
out (mean ± sd and min–max over folds per headline metric), plus the
POOLED out-of-fold AUCs computed from every fold's per_image records
(normal vs abnormal over all images, benign vs malignant over the abnormal
ones), which is the less noisy figure when folds are small.

    tools/cv-summary.py fold0.json fold1.json ... [--out summary.md]

The pooled AUC is the Mann-Whitney statistic (a tied positive/negative
pair counts one half), the same definition msc_metrics_auc uses. A fold
whose metric is null (undefined on that fold) is left out of that row and
the row says how many folds it covers. numpy only.
"""
import argparse
import json
import sys

import numpy as np

# (label, path into the fold JSON)
METRICS = [
    ("Normal vs abnormal AUC", ("abnormal", "auc")),
    ("Normal vs abnormal AP", ("abnormal", "average_precision")),
    ("Sensitivity at 80% specificity (abnormal)", ("abnormal", "sensitivity_at_80_specificity")),
    ("Sensitivity at 90% specificity (abnormal)", ("abnormal", "sensitivity_at_90_specificity")),
    ("Benign vs malignant AUC", ("malignant", "auc")),
    ("Sensitivity at 80% specificity (malignant)", ("malignant", "sensitivity_at_80_specificity")),
    ("Sensitivity at 90% specificity (malignant)", ("malignant", "sensitivity_at_90_specificity")),
    ("Lesion Dice (mean over images)", ("dice", "mean")),
    ("Lesion Dice (pooled pixels)", ("dice", "pooled")),
    ("FROC sensitivity at 0.25 FP/image", ("froc", "all", "sensitivity_at_fp", "0.25")),
    ("FROC sensitivity at 0.5 FP/image", ("froc", "all", "sensitivity_at_fp", "0.5")),
    ("FROC sensitivity at 1 FP/image", ("froc", "all", "sensitivity_at_fp", "1")),
    ("FROC sensitivity at 2 FP/image", ("froc", "all", "sensitivity_at_fp", "2")),
    ("Mass sensitivity at 1 FP/image", ("mass_sensitivity_at_1fp",)),
    ("Calcification sensitivity at 1 FP/image",
     ("froc", "calcifications", "sensitivity_at_fp", "1")),
]


def lookup(obj, path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj if isinstance(obj, (int, float)) and not isinstance(obj, bool) else None


def mann_whitney_auc(scores, labels):
    """AUC = P(score_pos > score_neg) + P(equal) / 2 via midranks; None
    when one class is missing."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=bool)
    n_pos = int(labels.sum())
    n_neg = int(labels.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=float)
    i = 0
    while i < scores.size:
        j = i
        while j + 1 < scores.size and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0   # midrank of the tie group
        i = j + 1
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def bootstrap_ci(scores, labels, n_boot=2000, seed=1):
    """95% percentile interval of the AUC over stratified resamples
    (positives and negatives resampled separately, as msc-metrics does)."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=bool)
    pos, neg = scores[labels], scores[~labels]
    if pos.size == 0 or neg.size == 0:
        return None
    rng = np.random.default_rng(seed)
    aucs = []
    for _ in range(n_boot):
        p = rng.choice(pos, pos.size)
        n = rng.choice(neg, neg.size)
        aucs.append(mann_whitney_auc(np.concatenate([p, n]),
                                     np.concatenate([np.ones(p.size, bool), np.zeros(n.size, bool)])))
    return np.percentile(aucs, [2.5, 97.5])


def fmt_ci(ci):
    return "—" if ci is None else f"{ci[0]:.3f}–{ci[1]:.3f}"


def fmt(v):
    return "—" if v is None or not np.isfinite(v) else f"{v:.3f}"


def summary_row(label, values, n_folds):
    vals = np.array([v for v in values if v is not None], dtype=float)
    if vals.size == 0:
        return f"| {label} | — | — | 0/{n_folds} |"
    mean = vals.mean()
    sd = vals.std(ddof=1) if vals.size > 1 else float("nan")
    sd_text = "" if vals.size < 2 else f" ± {sd:.3f}"
    return (f"| {label} | {mean:.3f}{sd_text} | {vals.min():.3f}–{vals.max():.3f} "
            f"| {vals.size}/{n_folds} |")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folds", nargs="+", help="per-fold evaluate JSON (level image)")
    ap.add_argument("--out", help="write the Markdown here too")
    args = ap.parse_args(argv)

    folds = []
    for path in args.folds:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        if d.get("level") != "image":
            sys.exit(f"{path}: not an image-level evaluation (level {d.get('level')!r})")
        if "per_image" not in d:
            sys.exit(f"{path}: no per_image records")
        folds.append(d)
    n = len(folds)

    lines = [f"Cross-validation over {n} folds (mean ± sd across folds, min–max).", "",
             "| Metric | Mean ± sd | Min–max | Folds |", "| --- | --- | --- | --- |"]
    counts = [("Images", "n_images"), ("Normal", "n_normal"), ("Benign", "n_benign"),
              ("Malignant", "n_malignant")]
    for label, key in counts:
        total = sum(int(d.get(key, 0)) for d in folds)
        lines.append(f"| {label} (total) | {total} | | {n}/{n} |")
    for label, path in METRICS:
        lines.append(summary_row(label, [lookup(d, path) for d in folds], n))

    # Pooled out-of-fold: every image scored by the fold that held it out.
    # An image listed in two folds means overlapping validation sets.
    seen = {}
    for i, d in enumerate(folds):
        for rec in d["per_image"]:
            if rec["path"] in seen and seen[rec["path"]] != i:
                print(f"warning: {rec['path']} is in folds {seen[rec['path']]} and {i}",
                      file=sys.stderr)
            seen[rec["path"]] = i
    records = [rec for d in folds for rec in d["per_image"]]
    ab_scores = [r["abnormal_probability"] for r in records]
    ab_labels = [r["label"] != "normal" for r in records]
    abn = [r for r in records if r["label"] != "normal"]
    mal_scores = [r["malignant_probability"] for r in abn]
    mal_labels = [r["label"] == "malignant" for r in abn]
    pooled_ab = mann_whitney_auc(ab_scores, ab_labels)
    pooled_mal = mann_whitney_auc(mal_scores, mal_labels)
    ci_ab = bootstrap_ci(ab_scores, ab_labels)
    ci_mal = bootstrap_ci(mal_scores, mal_labels)
    lines += ["", "Pooled out-of-fold (all folds' images together; 95% stratified "
              "bootstrap interval, 2000 resamples):", "",
              "| Metric | Value | 95% interval | Images |", "| --- | --- | --- | --- |",
              f"| Normal vs abnormal AUC | {fmt(pooled_ab)} | {fmt_ci(ci_ab)} | {len(records)} |",
              f"| Benign vs malignant AUC | {fmt(pooled_mal)} | {fmt_ci(ci_mal)} | {len(abn)} |"]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
