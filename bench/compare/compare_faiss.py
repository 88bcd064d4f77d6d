#!/usr/bin/python3
"""FAISS comparison (Debian python3-faiss): IndexHNSWFlat over inner product.

For each vector set: IndexHNSWFlat(dim, M = 16, METRIC_INNER_PRODUCT), efConstruction 200, rows
added in one add() on 1 OpenMP thread (omp_set_num_threads(1)); report build time. Search one
query at a time (a 1 x dim array; the Python call costs a few microseconds per query, counted in
the latency) at several efSearch after one untimed warm-up pass; recall@10 with ties as
compare-hnswlib counts. Prints '#' lines and one JSON object per figure, as the other programs.

Usage: compare_faiss.py [DATA_DIR [SET...]]   SET: wordnet1k wordnet10k wordnet20k wordnet50k
glove100k (default wordnet50k glove100k). Efs from $VAJRA_COMPARE_EFS (comma-separated)."""
import json
import os
import sys
import time

try:
    import faiss
    import numpy as np
except ImportError as e:  # skipped cleanly without the package
    print(f"# faiss: skipped: {e}")
    print(json.dumps({"peer": "faiss", "skipped": str(e)}))
    sys.exit(0)

SETS = {
    "wordnet1k": ("wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt1k", 1000),
    "wordnet10k": ("wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt10k", 10000),
    "wordnet20k": ("wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt20k", 20000),
    "wordnet50k": ("wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt50k", 50000),
    "glove100k": ("glove/glove100.base100k.f16.npy", "glove/glove100.queries.npy", "glove/glove100.gt100k", 100000),
}
M, EFC, K = 16, 200, 10


def emit(human, obj):
    print("# " + human)
    print(json.dumps(obj))
    sys.stdout.flush()


def pct(sorted_ms, q):
    rank = max(1, min(len(sorted_ms), int(np.ceil(q * len(sorted_ms)))))
    return float(sorted_ms[rank - 1])


def run_set(data, name):
    base_f, q_f, gt, n = SETS[name]
    base = np.ascontiguousarray(np.load(os.path.join(data, base_f))[:n].astype(np.float32))
    queries = np.ascontiguousarray(np.load(os.path.join(data, q_f)).astype(np.float32))
    gt_ids = np.load(os.path.join(data, gt + ".ids.npy"))
    gt_scores = np.load(os.path.join(data, gt + ".scores.npy"))
    dim = base.shape[1]
    index = faiss.IndexHNSWFlat(dim, M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EFC
    t0 = time.perf_counter()
    index.add(base)
    build = time.perf_counter() - t0
    emit(f"faiss {faiss.__version__} {name}: n {n} dim {dim} M {M} efC {EFC} threads 1 build {build:.3f} s",
         {"peer": "faiss", "version": faiss.__version__, "set": name, "n": n, "dim": dim, "M": M,
          "ef_construction": EFC, "threads": 1, "build_s": round(build, 3)})
    efs = [int(x) for x in os.environ.get("VAJRA_COMPARE_EFS", "16,32,64,100,200,400").split(",") if x]
    nq = queries.shape[0]
    for ef in efs:
        index.hnsw.efSearch = ef
        for i in range(nq):  # warm-up
            index.search(queries[i:i + 1], K)
        lat = np.empty(nq)
        got = np.empty((nq, K), dtype=np.int64)
        t0 = time.perf_counter()
        for i in range(nq):
            a = time.perf_counter()
            _, ids = index.search(queries[i:i + 1], K)
            lat[i] = (time.perf_counter() - a) * 1e3
            got[i] = ids[0]
        elapsed = time.perf_counter() - t0
        correct = 0.0
        for i in range(nq):
            truth = set(int(x) for x in gt_ids[i, :K])
            tenth = float(gt_scores[i, K - 1])
            ok = 0
            for label in got[i]:
                if label < 0:
                    continue
                ok += int(label) in truth or float(np.dot(queries[i], base[label])) >= tenth - 1e-6
            correct += min(ok, K) / K
        recall = correct / nq
        lat.sort()
        p50, p95, qps = pct(lat, 0.5), pct(lat, 0.95), nq / elapsed
        emit(f"faiss {name} ef {ef}: recall@10 {recall:.4f} p50 {p50:.3f} ms p95 {p95:.3f} ms QPS {qps:.0f} (1 thread)",
             {"peer": "faiss", "set": name, "n": n, "ef": ef, "recall@10": round(recall, 4), "p50_ms": round(p50, 4),
              "p95_ms": round(p95, 4), "qps": round(qps, 1), "threads": 1})


def main():
    data = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else os.environ.get("VAJRA_DATA_DIR", "../shared/data")
    faiss.omp_set_num_threads(1)
    for name in sys.argv[2:] or ["wordnet50k", "glove100k"]:
        if name not in SETS:
            sys.exit(f"compare_faiss: no such set {name}; choose from {' '.join(SETS)}")
        run_set(data, name)


if __name__ == "__main__":
    main()
