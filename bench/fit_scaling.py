#!/usr/bin/env python3
"""Growth exponents from docs/bench-scale.tsv (written by bench/plot.sh).

For each dataset and profile: build time ~ N^a and p50 latency ~ N^b, fitted by least squares on
log-log over the sizes measured (reported with the sizes used, since two or three points make a
rough fit), and the memory per vector: the slope of peak RSS against N (bytes per added
document; it includes the texts and lexical index for WordNet, the vectors and the HNSW graph
for both). Prints a Markdown table.

Usage: bench/fit_scaling.py [docs/bench-scale.tsv]
"""
import math
import sys
from collections import defaultdict


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else float("nan")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "docs/bench-scale.tsv"
    rows = defaultdict(list)
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            c = line.split()
            dataset = c[6] if len(c) > 6 else "wordnet"
            rss = float(c[7]) * 1024 if len(c) > 7 and c[7] != "nan" else None
            rows[(dataset, c[1])].append((int(c[0]), float(c[2]), float(c[3]), float(c[4]), rss))
    print("| dataset | profile | sizes | build ~ N^a | p50 ~ N^b | recall@10 (smallest → largest) "
          "| bytes per vector (peak RSS slope) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (dataset, profile), pts in sorted(rows.items()):
        pts.sort()
        big = [p for p in pts if p[0] >= 10000] or pts  # below 10k fixed costs dominate
        a = slope([math.log(p[0]) for p in big], [math.log(p[1]) for p in big])
        b = slope([math.log(p[0]) for p in big], [math.log(p[2]) for p in big])
        with_rss = [p for p in big if p[4] is not None]
        per = slope([p[0] for p in with_rss], [p[4] for p in with_rss]) if len(with_rss) > 1 else None
        sizes = "/".join(f"{p[0] // 1000}k" for p in big)
        print(f"| {dataset} | {profile} | {sizes} | {a:.2f} | {b:.2f} | "
              f"{pts[0][3]:.3f} → {pts[-1][3]:.3f} | {'%.0f' % per if per else 'n/a'} |")


if __name__ == "__main__":
    main()
