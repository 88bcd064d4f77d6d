#!/usr/bin/python3
"""Markdown tables from the results JSONL of scripts/bench-all.sh.

Every line of the JSONL is one figure of one engine ("peer"), with "set" and, for vector search,
"ef"; "run" numbers repeated runs. Figures repeated over runs are reduced to their median.
Tables: vector build time; p50 latency at equal recall (linear interpolation of log p50 between
the two measured ef whose recall brackets the target; '—' when no measured ef reaches it; p50
rather than QPS because on a shared machine QPS = queries / wall time takes every stall of a
neighbour's job, the median does not); recall@10 / p50 / QPS per ef; lexical WordNet speed; Cranfield effectiveness.

Usage: report.py RESULTS.jsonl > RESULTS.md"""
import json
import math
import statistics
import sys
from collections import defaultdict

TARGETS = [0.90, 0.95, 0.97, 0.98, 0.99, 0.995]
ORDER = ["vajra", "vajra-direct", "hnswlib", "faiss", "usearch", "zvec", "lucene", "xapian", "fts5"]
NAMES = {
    "vajra": "Vajra (`vajra index` + `vajra bench`)",
    "vajra-direct": "Vajra `bench-hnsw` (plugin called directly)",
    "hnswlib": "hnswlib 0.6.2 (-march=native)",
    "faiss": "FAISS {v} IndexHNSWFlat (Python)",
    "usearch": "USearch {v} (Node)",
    "zvec": "ZVec {v} (Node)",
    "lucene": "Lucene {v} (Java 17)",
    "xapian": "Xapian {v}",
    "fts5": "SQLite {v} FTS5",
}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def name(peer, versions):
    return NAMES.get(peer, peer).format(v=versions.get(peer, "?"))


def med(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(values) if values else None


def fmt(x, digits):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def table(out, title, columns):
    """A '#### title' heading and a markdown table header with these columns."""
    out.append(f"#### {title}\n")
    out.append("| " + " | ".join(columns) + " |")
    out.append("| " + " | ".join("---" for _ in columns) + " |")


def peer_key(p):
    return (ORDER.index(p) if p in ORDER else len(ORDER), p)


def main():
    rows = load(sys.argv[1])
    versions = {}
    skipped = []
    groups = defaultdict(list)  # (peer, set, kind, ef) -> rows
    for r in rows:
        p = r.get("peer")
        if "skipped" in r:
            skipped.append((p, r["skipped"]))
            continue
        if "version" in r:
            versions.setdefault(p, r["version"])
        s = r.get("set")
        if s and s.endswith("-build"):  # Vajra's `vajra index` of a lexical set (build + save)
            groups[(p, s[:-len("-build")], "lexbuild", None)].append(r)
        elif r.get("ef") is not None:
            groups[(p, s, "search", r["ef"])].append(r)
        elif "ndcg@10" in r:
            groups[(p, s, "eval", None)].append(r)
        elif "build_s" in r and "p50_ms" in r:
            groups[(p, s, "lexspeed", None)].append(r)
        elif "build_s" in r:
            groups[(p, s, "build", r.get("threads", 1))].append(r)

    def m(key, field):
        return med([r.get(field) for r in groups.get(key, [])])

    vec_sets = sorted({k[1] for k in groups if k[2] in ("search", "build")}, key=lambda s: (not s.startswith("wordnet"), s))
    out = []
    for s in vec_sets:
        peers = sorted({k[0] for k in groups if k[1] == s and k[2] in ("search", "build")}, key=peer_key)
        table(out, f"{s}: build (1 thread, M = 16, ef_construction = 200)", ["engine", "build (s)", "runs"])
        for p in peers:
            key = (p, s, "build", 1)
            if key in groups:
                out.append(f"| {name(p, versions)} | {fmt(m(key, 'build_s'), 2)} | {len(groups[key])} |")
        out.append("")
        table(out, f"{s}: p50 latency (µs) at equal recall@10 (1 search thread; interpolated between measured ef)",
              ["engine"] + [f"{t:.3f}" for t in TARGETS] + ["best recall measured"])
        curves = {}
        for p in peers:
            pts = []
            for k in groups:
                if k[0] == p and k[1] == s and k[2] == "search":
                    pts.append((m(k, "recall@10"), m(k, "qps"), m(k, "p50_ms"), k[3]))
            pts.sort(key=lambda x: x[3])
            if not pts:
                continue
            curves[p] = pts
            cells = []
            for t in TARGETS:
                lat = None
                for (r0, _, l0, _), (r1, _, l1, _) in zip(pts, pts[1:]):
                    if r0 < t <= r1 and l0 and l1:
                        f = (t - r0) / (r1 - r0)
                        lat = math.exp(math.log(l0) + f * (math.log(l1) - math.log(l0)))
                        break
                if lat is None and pts[0][0] >= t:
                    lat = pts[0][2]  # the smallest ef already reaches it: an upper bound
                cells.append(fmt(lat * 1e3 if lat is not None else None, 0))
            out.append(f"| {name(p, versions)} | " + " | ".join(cells) + f" | {max(x[0] for x in pts):.4f} |")
        out.append("")
        efs = sorted({k[3] for k in groups if k[1] == s and k[2] == "search"})
        table(out, f"{s}: recall@10 / p50 (ms) / QPS per ef", ["engine"] + [f"ef={e}" for e in efs])
        for p, pts in curves.items():
            by = {x[3]: x for x in pts}
            cells = [f"{by[e][0]:.3f} / {by[e][2]:.3f} / {by[e][1]:,.0f}" if e in by else "—" for e in efs]
            out.append(f"| {name(p, versions)} | " + " | ".join(cells) + " |")
        out.append("")

    lex = sorted({k[0] for k in groups if k[2] == "lexspeed"}, key=peer_key)
    if lex:
        table(out, "WordNet 116k lexical: build and top-10 latency (1 thread)",
              ["engine", "build to a durable index (s)", "build in memory (s)", "p50 (ms)", "p95 (ms)", "QPS",
               "queries", "runs"])
        for p in lex:
            key = (p, "wordnet", "lexspeed", None)
            if key not in groups:
                continue
            bkey = (p, "wordnet", "lexbuild", None)
            if bkey in groups:  # Vajra: `vajra index` (build + save) and `vajra bench` (in memory)
                durable = med([r.get("build_s", 0) + r.get("save_s", 0) for r in groups[bkey]])
                memory = m(key, "build_s")
            else:
                durable, memory = m(key, "build_s"), None
            out.append(f"| {name(p, versions)} | {fmt(durable, 2)} | {fmt(memory, 2)} | {fmt(m(key, 'p50_ms'), 3)} | "
                       f"{fmt(m(key, 'p95_ms'), 3)} | {fmt(m(key, 'qps'), 0)} | {groups[key][0].get('queries', '?')} | "
                       f"{len(groups[key])} |")
        out.append("")
    ev = sorted({k[0] for k in groups if k[2] == "eval"}, key=peer_key)
    if ev:
        table(out, "Cranfield effectiveness (225 queries; Vajra's eval module for every engine)",
              ["engine", "nDCG@10", "nDCG@10 (exp)", "recall@100", "MAP", "MRR@10"])
        for p in ev:
            key = (p, "cranfield", "eval", None)
            if key in groups:
                out.append(f"| {name(p, versions)} | " + " | ".join(
                    fmt(m(key, f), 4) for f in ("ndcg@10", "ndcg@10_exp", "recall@100", "map", "mrr@10")) + " |")
        out.append("")
    if skipped:
        out.append("Skipped: " + "; ".join(f"{p}: {why}" for p, why in sorted(set(skipped))) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
