#!/usr/bin/env python3
"""Benchmarks of the `vajra` Python package (docs/python.md has the measured figures).

    bench_python.py overhead          per-call cost of one search from Python vs the C call
    bench_python.py batch             Collection.search_batch QPS, 1 thread vs every CPU
    bench_python.py ann [--dataset wordnet|glove|all] [--runs N] [--threads N]
                                      build time and batch QPS at equal recall@10: vajra vs
                                      Debian's python3-hnswlib and python3-faiss, one process
    bench_python.py all               both

Run it through `meson test -C build --benchmark --suite python` or directly with
PYTHONPATH=build/python and VAJRA_CALL_BENCH=build/bench/python/bench-py-call. Heavy runs
belong under `flock /tmp/vajra-heavy.lock` on a shared machine. Every figure is the median of
several runs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import vajra

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.environ.get("VAJRA_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))
DEMO = os.path.join(ROOT, "data", "demo")


def median_ns_per_call(fn, reps, rounds=7):
    fn()
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter_ns() - t0) / reps)
    return statistics.median(out)


def build_demo(path):
    docs = [json.loads(line) for line in open(os.path.join(DEMO, "corpus.jsonl"))]
    c = vajra.Collection.create(dim=128)
    c.add([str(d["_id"]) for d in docs], [d.get("text") or "" for d in docs],
          np.load(os.path.join(DEMO, "lsa128.docs.npy")), [d.get("title") for d in docs])
    c.commit()
    c.save(path)


def overhead(args):
    exe = os.environ.get("VAJRA_CALL_BENCH")
    if not exe:
        sys.exit("VAJRA_CALL_BENCH must name build/bench/python/bench-py-call")
    text = "what similarity laws must be obeyed when constructing aeroelastic models"
    qpath = os.path.join(DEMO, "lsa128.queries.npy")
    q = np.ascontiguousarray(np.load(qpath)[0])
    k, ef, reps = 10, 16, args.reps
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "demo.vjr")
        build_demo(path)
        env = dict(os.environ)
        env.setdefault("VAJRA_PLUGIN_PATH", vajra.plugin_search_path())
        for run in range(args.runs):
            c_ns = json.loads(subprocess.run([exe, path, qpath, str(k), str(ef), str(reps), text],
                                             env=env, check=True, capture_output=True,
                                             text=True).stdout)
            idx = vajra.HNSWIndex.load(path)
            coll = vajra.Collection.open(path)
            py = {
                "hnsw_ns": median_ns_per_call(lambda: idx.search(q, k, ef), reps),
                "vector_ns": median_ns_per_call(
                    lambda: coll.search(vector=q, k=k, ef=ef, mode="vector"), reps),
                "lexical_ns": median_ns_per_call(lambda: coll.search(text, k=k, mode="lexical"),
                                                 reps),
            }
            rows.append((c_ns, py))
    print("\n## Per-call overhead (demo corpus, 1,400 docs; k=10, ef=16; ns per call, median of "
          f"{args.runs} runs x 7 rounds x {reps} calls)\n")
    print("| call | C | Python | overhead |")
    print("|---|---:|---:|---:|")
    result = {}
    names = {"hnsw_ns": "HNSWIndex.search(q) vs vtable->search",
             "vector_ns": "Collection.search(vector=q) vs vajra_searcher_search",
             "lexical_ns": "Collection.search(text) vs vajra_searcher_search"}
    for key, label in names.items():
        c = statistics.median(r[0][key] for r in rows)
        p = statistics.median(r[1][key] for r in rows)
        d = statistics.median(r[1][key] - r[0][key] for r in rows)
        result[key] = {"c": c, "python": p, "overhead": d}
        print(f"| {label} | {c:,.0f} | {p:,.0f} | {d:,.0f} |")
    return result


def batch(args):
    """Collection.search_batch QPS on WordNet (first 50k synsets with their float16 vectors):
    1 thread vs every CPU, per mode."""
    root = os.path.join(DATA, "wordnet")
    n = int(os.environ.get("VAJRA_BENCH_WORDNET_DOCS", "50000"))
    docs = []
    with open(os.path.join(root, "corpus.jsonl")) as f:
        for line in f:
            docs.append(json.loads(line))
            if len(docs) == n:
                break
    queries = [json.loads(line) for line in open(os.path.join(root, "queries.jsonl"))]
    texts = [((q.get("title") or "") + " " + (q.get("text") or "")).strip() for q in queries]
    vecs = np.load(os.path.join(root, "lsa384.docs50k.f16.npy"))[:n]
    qv = np.load(os.path.join(root, "lsa384.queries.npy"))
    c = vajra.Collection.create(dim=vecs.shape[1])
    t0 = time.perf_counter()
    c.add([str(d["_id"]) for d in docs], [d.get("text") or "" for d in docs], vecs,
          [d.get("title") for d in docs])
    c.commit()
    build = time.perf_counter() - t0
    cpus = args.threads or len(os.sched_getaffinity(0))
    print(f"\n## Collection.search_batch on WordNet {n // 1000}k (BM25 + HNSW 'fast', float16 vectors in; "
          f"built in {build:.1f} s); {len(texts):,} queries, k=10, QPS median of {args.runs} runs\n")
    print(f"| mode | 1 thread | {cpus} threads |")
    print("|---|---:|---:|")
    out = {"build_s": build}
    for mode in ("lexical", "vector", "hybrid"):
        kw = {"texts": texts if mode != "vector" else None,
              "vectors": qv if mode != "lexical" else None, "k": 10, "mode": mode}
        row = []
        for t in (1, cpus):
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                c.search_batch(threads=t, **kw)
                times.append(time.perf_counter() - t0)
            row.append(len(texts) / statistics.median(times))
        out[mode] = row
        print(f"| {mode} | {row[0]:,.0f} | {row[1]:,.0f} |")
    return out


# ---- ANN comparison ----

DATASETS = {
    "wordnet": ("wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy",
                "wordnet/lsa384.gt50k.ids.npy", "wordnet/lsa384.gt50k.scores.npy", "WordNet 50k"),
    "glove": ("glove/glove100.base100k.f16.npy", "glove/glove100.queries.npy",
              "glove/glove100.gt100k.ids.npy", "glove/glove100.gt100k.scores.npy", "GloVe 100k"),
}
EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
TARGETS = [0.90, 0.95, 0.98, 0.99]


def recall_at_10(ids, base, queries, gt_ids, gt_scores):
    """Recall@10 counting ties: a hit is right when it is in the true top 10 or its inner product
    is at least the 10th true score - 1e-6 (../shared/data/README.md)."""
    ids = np.asarray(ids, dtype=np.int64)[:, :10]
    valid = ids >= 0
    safe = np.where(valid, ids, 0)
    scores = np.einsum("qkd,qd->qk", base[safe], queries)
    in_gt = (ids[:, :, None] == gt_ids[:, None, :10]).any(-1)
    ok = valid & (in_gt | (scores >= gt_scores[:, 9:10] - 1e-6))
    return ok.sum() / ids.size


class Vajra:
    name = "vajra"

    def build(self, base, threads):
        self.idx = vajra.HNSWIndex(base.shape[1], "ip", M=16, ef_construction=200,
                                   threads=threads)
        self.idx.add(base)

    def search(self, q, ef, threads):
        return self.idx.search(q, 10, ef, threads=threads)[0]


class Hnswlib:
    name = "hnswlib"

    def build(self, base, threads):
        import hnswlib
        self.idx = hnswlib.Index(space="ip", dim=base.shape[1])
        self.idx.init_index(max_elements=len(base), ef_construction=200, M=16)
        self.idx.set_num_threads(threads)
        self.idx.add_items(base, num_threads=threads)

    def search(self, q, ef, threads):
        self.idx.set_ef(ef)
        return self.idx.knn_query(q, k=10, num_threads=threads)[0]


class Faiss:
    name = "faiss"

    def build(self, base, threads):
        import faiss
        faiss.omp_set_num_threads(threads)
        self.idx = faiss.IndexHNSWFlat(base.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
        self.idx.hnsw.efConstruction = 200
        self.idx.add(base)

    def search(self, q, ef, threads):
        import faiss
        faiss.omp_set_num_threads(threads)
        self.idx.hnsw.efSearch = ef
        return self.idx.search(q, 10)[1]


def ann(args):
    threads = args.threads or len(os.sched_getaffinity(0))
    results = {}
    for ds in (DATASETS if args.dataset == "all" else [args.dataset]):
        b, qf, gi, gs, label = DATASETS[ds]
        base = np.ascontiguousarray(np.load(os.path.join(DATA, b)), dtype=np.float32)
        queries = np.ascontiguousarray(np.load(os.path.join(DATA, qf)), dtype=np.float32)
        gt_ids = np.load(os.path.join(DATA, gi))
        gt_scores = np.load(os.path.join(DATA, gs))
        per_lib = {}
        for lib in (Vajra(), Hnswlib(), Faiss()):
            builds, sweeps = [], []
            for run in range(args.runs):
                t0 = time.perf_counter()
                lib.build(base, threads)
                builds.append(time.perf_counter() - t0)
                sweep = {}
                for ef in EFS:
                    ids = lib.search(queries, ef, threads)
                    times = []
                    for _ in range(args.repeats):
                        t0 = time.perf_counter()
                        lib.search(queries, ef, threads)
                        times.append(time.perf_counter() - t0)
                    sweep[ef] = (recall_at_10(ids, base, queries, gt_ids, gt_scores),
                                 len(queries) / statistics.median(times))
                sweeps.append(sweep)
                lib.idx = None
            per_lib[lib.name] = {
                "build_s": statistics.median(builds),
                "builds_s": builds,
                "sweep": {ef: (statistics.median(s[ef][0] for s in sweeps),
                               statistics.median(s[ef][1] for s in sweeps)) for ef in EFS},
            }
            print(f"{label} {lib.name}: build {per_lib[lib.name]['build_s']:.2f} s "
                  f"(runs {', '.join(f'{x:.2f}' for x in builds)})", file=sys.stderr)
        results[ds] = per_lib
        print(f"\n## {label} ({len(base):,} x {base.shape[1]}, inner product; M=16, "
              f"efConstruction=200; {threads} threads; {len(queries):,} queries per batch, k=10; "
              f"median of {args.runs} runs)\n")
        print("| library | build (s) | " + " | ".join(f"QPS @ recall {t}" for t in TARGETS) + " |")
        print("|---|---:|" + "---:|" * len(TARGETS))
        for name, r in per_lib.items():
            cells = []
            for t in TARGETS:
                hit = [(ef, rq) for ef, rq in r["sweep"].items() if rq[0] >= t]
                if hit:
                    ef, (rec, qps) = hit[0]
                    cells.append(f"{qps:,.0f} (ef {ef}, {rec:.3f})")
                else:
                    cells.append("—")
            print(f"| {name} | {r['build_s']:.2f} | " + " | ".join(cells) + " |")
        print("\n| ef | " + " | ".join(f"{n} recall / QPS" for n in per_lib) + " |")
        print("|---:|" + "---|" * len(per_lib))
        for ef in EFS:
            print(f"| {ef} | " + " | ".join(
                f"{per_lib[n]['sweep'][ef][0]:.3f} / {per_lib[n]['sweep'][ef][1]:,.0f}"
                for n in per_lib) + " |")
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["overhead", "batch", "ann", "all"])
    ap.add_argument("--dataset", default="all", choices=["wordnet", "glove", "all"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3, help="timed batches per ef and run")
    ap.add_argument("--reps", type=int, default=20000, help="calls per overhead round")
    ap.add_argument("--threads", type=int, default=0, help="0 = every CPU")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    out = {"kernel": vajra.kernel(), "cpus": len(os.sched_getaffinity(0))}
    if args.what in ("overhead", "all"):
        out["overhead"] = overhead(args)
    if args.what in ("batch", "all"):
        out["batch"] = batch(args)
    if args.what in ("ann", "all"):
        out["ann"] = ann(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
