#!/usr/bin/env python3
"""Benchmarks of the `vajra` Python package (docs/python.md has the measured figures).

    bench_python.py overhead          per-call cost of one search from Python vs the C call
    bench_python.py batch             Collection.search_batch QPS, 1 thread vs every CPU
    bench_python.py ann [--dataset wordnet|glove|all] [--profiles fast,quality] [--runs N]
                        [--threads N] [--only vajra,hnswlib,faiss] [--single-queries N]
                                      build time, and QPS at equal recall@10 for single-query
                                      calls on one thread and for batch calls on every CPU:
                                      vajra vs Debian's python3-hnswlib and python3-faiss built
                                      with the same M / efConstruction (Vajra's profile's), in
                                      one process
    bench_python.py all               all three

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
EFS = [16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 800]
STOP_RECALL = 0.995  # the sweep of an engine stops after the first ef reaching this
TARGETS = [0.90, 0.95, 0.99]


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

    def build(self, base, M, efc, threads):
        self.idx = vajra.HNSWIndex(base.shape[1], "ip", M=M, ef_construction=efc,
                                   threads=threads)
        self.idx.add(base)

    def set_ef(self, ef):
        self.ef = ef

    def batch(self, q, threads):
        return self.idx.search(q, 10, self.ef, threads=threads)[0]

    def single(self, queries):
        search, ef = self.idx.search, self.ef
        for q in queries:
            search(q, 10, ef)


class Hnswlib:
    name = "hnswlib"

    def build(self, base, M, efc, threads):
        import hnswlib
        self.idx = hnswlib.Index(space="ip", dim=base.shape[1])
        self.idx.init_index(max_elements=len(base), ef_construction=efc, M=M)
        self.idx.set_num_threads(threads)
        self.idx.add_items(base, num_threads=threads)

    def set_ef(self, ef):
        self.idx.set_ef(ef)

    def batch(self, q, threads):
        return self.idx.knn_query(q, k=10, num_threads=threads)[0]

    def single(self, queries):
        knn = self.idx.knn_query
        for q in queries:
            knn(q, k=10, num_threads=1)


class Faiss:
    name = "faiss"

    def build(self, base, M, efc, threads):
        import faiss
        faiss.omp_set_num_threads(threads)
        self.idx = faiss.IndexHNSWFlat(base.shape[1], M, faiss.METRIC_INNER_PRODUCT)
        self.idx.hnsw.efConstruction = efc
        self.idx.add(base)

    def set_ef(self, ef):
        self.idx.hnsw.efSearch = ef

    def batch(self, q, threads):
        import faiss
        faiss.omp_set_num_threads(threads)
        return self.idx.search(q, 10)[1]

    def single(self, queries):
        import faiss
        faiss.omp_set_num_threads(1)
        search = self.idx.search
        for q in queries:
            search(q[None, :], 10)


ENGINES = {"vajra": Vajra, "hnswlib": Hnswlib, "faiss": Faiss}


def qps_at(sweep, target, col):
    """QPS (column col of the (recall, qps1, qpsN) points, ef ascending) at recall `target`:
    log-linear interpolation between the two measured points around it. Returns (qps, how):
    how is "" (interpolated), ">=" (the smallest ef already passes: its QPS is a lower bound)
    or None (never reached)."""
    pts = [sweep[ef] for ef in sorted(sweep)]
    for i, p in enumerate(pts):
        if p[0] >= target:
            if i == 0:
                return p[col], ">="
            lo = pts[i - 1]
            if p[0] <= lo[0]:
                return p[col], ""
            f = (target - lo[0]) / (p[0] - lo[0])
            return float(np.exp(np.log(lo[col]) + f * (np.log(p[col]) - np.log(lo[col])))), ""
    return None, None


def clocks():
    return time.perf_counter(), time.process_time()


def since(t):
    """(wall seconds, CPU seconds of the whole process, every thread) since clocks() gave t."""
    now = clocks()
    return now[0] - t[0], now[1] - t[1]


def ann_all(engines, base, queries, gt_ids, gt_scores, M, efc, threads, args):
    """Builds and sweeps every engine *interleaved* (run 1 of each, run 2 of each, ...; at each
    ef every timed pass of each engine in turn), so that a shared machine's load falls on all of
    them alike. Wall time and the process's CPU time are both kept: CPU time (on-CPU work of all
    its threads) is the figure a neighbour's load disturbs least."""
    libs = {name: ENGINES[name]() for name in engines}
    out = {name: {"builds_s": [], "builds_cpu_s": [], "sweep": {}} for name in libs}
    for _ in range(args.runs):
        for name, lib in libs.items():
            lib.idx = None
            t = clocks()
            lib.build(base, M, efc, threads)
            wall, cpu = since(t)
            out[name]["builds_s"].append(wall)
            out[name]["builds_cpu_s"].append(cpu)
            print(f"  {name} build {wall:.2f} s ({cpu:.2f} CPU s)", file=sys.stderr, flush=True)
    nq = len(queries)
    single_q = queries[:args.single_queries] if args.single_queries else queries
    active = list(libs)
    for ef in EFS:
        if not active:
            break
        rec = {}
        for name in active:
            libs[name].set_ef(ef)
            ids = libs[name].batch(queries, threads)  # also the warm-up
            rec[name] = float(recall_at_10(ids, base, queries, gt_ids, gt_scores))
        t1 = {name: [] for name in active}
        tn = {name: [] for name in active}
        for _ in range(args.repeats):
            for name in active:
                lib = libs[name]
                lib.set_ef(ef)
                t = clocks()
                lib.single(single_q)
                t1[name].append(since(t))
                t = clocks()
                lib.batch(queries, threads)
                tn[name].append(since(t))
        for name in list(active):
            med = [statistics.median(x[i] for x in tt) for tt in (t1[name], tn[name])
                   for i in (0, 1)]
            row = (rec[name], len(single_q) / med[0], nq / med[2], len(single_q) / med[1],
                   nq / med[3])
            out[name]["sweep"][ef] = row
            print(f"  {name} ef={ef}: recall {row[0]:.4f}; 1T {row[1]:,.0f} QPS "
                  f"({row[3]:,.0f}/CPU s); {threads}T batch {row[2]:,.0f} QPS "
                  f"({row[4]:,.0f}/CPU s)", file=sys.stderr, flush=True)
            if rec[name] >= STOP_RECALL:
                active.remove(name)
    for name, lib in libs.items():
        lib.idx = None
        out[name]["build_s"] = statistics.median(out[name]["builds_s"])
        out[name]["build_cpu_s"] = statistics.median(out[name]["builds_cpu_s"])
    return out


def fmt_qps(v, how):
    return "—" if v is None else f"{how}{v:,.0f}"


def ann(args):
    threads = args.threads or len(os.sched_getaffinity(0))
    engines = args.only.split(",") if args.only else list(ENGINES)
    kernel = vajra.kernel()
    labels = {"vajra": f"Vajra ({kernel} kernel)",
              "hnswlib": "hnswlib 0.6.2 (Debian python3-hnswlib, generic x86-64: SSE only)",
              "faiss": "FAISS 1.7.3 IndexHNSWFlat (Debian python3-faiss, generic x86-64: SSE only)"}
    results = {}
    for ds in (DATASETS if args.dataset == "all" else [args.dataset]):
        b, qf, gi, gs, label = DATASETS[ds]
        base = np.ascontiguousarray(np.load(os.path.join(DATA, b)), dtype=np.float32)
        queries = np.ascontiguousarray(np.load(os.path.join(DATA, qf)), dtype=np.float32)
        gt_ids = np.load(os.path.join(DATA, gi))
        gt_scores = np.load(os.path.join(DATA, gs))
        for profile in args.profiles.split(","):
            probe = vajra.HNSWIndex(base.shape[1], "ip", profile)
            M, efc = probe.M, probe.ef_construction
            del probe
            print(f"{label} {profile} (M {M}, efC {efc}), {time.strftime('%H:%M:%S')}, load "
                  f"{os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
            per_lib = ann_all(engines, base, queries, gt_ids, gt_scores, M, efc, threads, args)
            results[f"{ds}/{profile}"] = {"M": M, "ef_construction": efc, "engines": per_lib}
            ann_report(label, profile, M, efc, threads, len(base), base.shape[1], len(queries),
                       per_lib, labels, args)
    return results


def ann_report(label, profile, M, efc, threads, n, dim, nq, per_lib, labels, args):
    nsingle = args.single_queries or nq
    print(f"\n#### {label} ({n:,} x {dim}, inner product), profile `{profile}`: M {M}, "
          f"efConstruction {efc}; load average {os.getloadavg()[0]:.1f} at the end\n")
    print(f"Build on {threads} threads (median of {args.runs}); QPS at equal recall@10, "
          f"interpolated between measured ef (medians of {args.repeats} timed passes): '1T' = "
          f"one thread calling search() once per query ({nsingle:,} queries), 'batch' = one call "
          f"with {nq:,} queries on {threads} threads. 'wall' = queries per wall second; 'CPU' = "
          f"queries per CPU second of the process (all its threads; the load-robust figure).\n")
    cols = [(1, "1T wall"), (3, "1T CPU"), (2, f"batch {threads}T wall"), (4, f"batch CPU")]
    hdr = ["engine", f"build {threads}T wall s", "build CPU s"]
    hdr += [f"{c[1]} @ {t:.2f}" for c in cols for t in TARGETS]
    print("| " + " | ".join(hdr) + " |")
    print("|---|" + "---:|" * (len(hdr) - 1))
    at = {}
    for name, r in per_lib.items():
        at[name] = [qps_at(r["sweep"], t, c[0]) for c in cols for t in TARGETS]
        print(f"| {labels[name]} | {r['build_s']:.2f} | {r['build_cpu_s']:.2f} | "
              + " | ".join(fmt_qps(*c) for c in at[name]) + " |")
    if "vajra" in per_lib:
        for name in per_lib:
            if name == "vajra":
                continue
            cells = [f"{per_lib[name]['build_s'] / per_lib['vajra']['build_s']:.2f}×",
                     f"{per_lib[name]['build_cpu_s'] / per_lib['vajra']['build_cpu_s']:.2f}×"]
            for (v, hv), (p, hp) in zip(at["vajra"], at[name]):
                if v is None or p is None or hv == ">=" or hp == ">=":
                    cells.append("—")
                else:
                    cells.append(f"{v / p:.2f}×")
            print(f"| speed-up Vajra / {name} | " + " | ".join(cells) + " |")
    print(f"\n| ef | " + " | ".join(f"{n}: recall / 1T QPS / batch QPS" for n in per_lib)
          + " |")
    print("|---:|" + "---|" * len(per_lib))
    for ef in EFS:
        cells = []
        for name in per_lib:
            s = per_lib[name]["sweep"].get(ef)
            cells.append("" if s is None else f"{s[0]:.3f} / {s[1]:,.0f} / {s[2]:,.0f}")
        if any(cells):
            print(f"| {ef} | " + " | ".join(cells) + " |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["overhead", "batch", "ann", "all"])
    ap.add_argument("--dataset", default="all", choices=["wordnet", "glove", "all"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3, help="timed batches per ef and run")
    ap.add_argument("--reps", type=int, default=20000, help="calls per overhead round")
    ap.add_argument("--threads", type=int, default=0, help="0 = every CPU")
    ap.add_argument("--profiles", default="fast",
                    help="ann: comma-separated Vajra profiles whose M / efConstruction every "
                         "engine builds with (fast, quality)")
    ap.add_argument("--only", default="", help="ann: comma-separated engines (vajra,hnswlib,faiss)")
    ap.add_argument("--single-queries", type=int, default=0,
                    help="ann: queries timed one call at a time (0 = all)")
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
