"""How sure a per-image comparison is: one method's scores against each other method's in
`gladnet-evaluate --csv` files, image by image.

    python experiments/paired_scores.py docs/results_real.csv --metric niqe --split input
    python experiments/paired_scores.py new.csv shipped.csv   # two weights' scores

The methods of a second and later file are named after it (`shipped:gladnet`).

For each other method: the mean and the median difference (METHOD minus it; images resampled
together, a 95 % bootstrap interval), on how many images METHOD is better, and a two-sided sign
test's p. `--split M` repeats it on the two halves of the images ordered by M's score (the
results' near-natural and darker halves when M is the input).
"""
import argparse
import csv
import os
import sys

import numpy as np
from scipy import stats

LOWER_IS_BETTER = {"niqe", "seconds"}


def read_scores(path, metric, prefix=""):
    """{prefix + method: {image: score}} from a per-image CSV; a one-line error on bad input."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"paired_scores: error: {path}: {e.strerror.lower()}")
    if not rows or metric not in rows[0] or "method" not in rows[0] or "image" not in rows[0]:
        sys.exit(f"paired_scores: error: {path}: no method, image and {metric} columns")
    scores = {}
    for row in rows:
        scores.setdefault(prefix + row["method"], {})[row["image"]] = float(row[metric])
    return scores


def sign_test(wins, n):
    """Two-sided p of `wins` of n under a fair coin (ties left out before; 1 when all tie)."""
    return stats.binomtest(wins, n).pvalue if n else 1.0


def compare(ours, theirs, lower_is_better, draws=20000, seed=0):
    """Mean and median differences with 95 % bootstrap intervals, wins and the sign test (ties
    count as neither's)."""
    diff = ours - theirs
    idx = np.random.default_rng(seed).integers(0, len(diff), (draws, len(diff)))
    means = ours[idx].mean(1) - theirs[idx].mean(1)
    medians = np.median(ours[idx], 1) - np.median(theirs[idx], 1)
    better = diff < 0 if lower_is_better else diff > 0
    ties = int((diff == 0).sum())
    wins = int(better.sum())
    return {"mean": diff.mean(), "mean_ci": np.percentile(means, [2.5, 97.5]),
            "median": np.median(ours) - np.median(theirs), "median_ci": np.percentile(medians, [2.5, 97.5]),
            "wins": wins, "n": len(diff), "p": sign_test(wins, len(diff) - ties)}


def line(name, r):
    return (f"{name:24s} mean {r['mean']:+.3f} [{r['mean_ci'][0]:+.3f}, {r['mean_ci'][1]:+.3f}]  "
            f"median {r['median']:+.3f} [{r['median_ci'][0]:+.3f}, {r['median_ci'][1]:+.3f}]  "
            f"better on {r['wins']}/{r['n']}  sign test p {r['p']:.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="+", help="per-image CSVs of gladnet-evaluate")
    parser.add_argument("--metric", default="niqe", help="the column compared (default: niqe)")
    parser.add_argument("--method", default="gladnet", help="the method compared with the others")
    parser.add_argument("--split", help="also compare on each half of the images, ordered by this method's score")
    args = parser.parse_args(argv)
    scores = read_scores(args.csv[0], args.metric)
    for path in args.csv[1:]:
        scores.update(read_scores(path, args.metric, os.path.splitext(os.path.basename(path))[0] + ":"))
    for name in [args.method] + ([args.split] if args.split else []):
        if name not in scores:
            sys.exit(f"paired_scores: error: {args.csv[0]}: no method {name} (has: {', '.join(scores)})")
    images = sorted(scores[args.method])
    for name, table in scores.items():
        if set(table) != set(images):
            sys.exit(f"paired_scores: error: {', '.join(args.csv)}: {name} and {args.method} score other images")
    groups = [("all", images)]
    if args.split:
        ordered = sorted(images, key=lambda i: scores[args.split][i])
        half = len(ordered) // 2
        groups += [(f"lower {args.split}", ordered[:half]), (f"higher {args.split}", ordered[half:])]
    lower = args.metric in LOWER_IS_BETTER
    print(f"{args.method} minus each method, {args.metric} ({'lower' if lower else 'higher'} is better); "
          "95 % bootstrap intervals")
    for group, members in groups:
        print(f"{group} ({len(members)} images)")
        ours = np.array([scores[args.method][i] for i in members])
        for name, table in scores.items():
            if name != args.method:
                print("  " + line(name, compare(ours, np.array([table[i] for i in members]), lower)))


if __name__ == "__main__":
    main()
