#!/usr/bin/python3
"""FAISS IVF beside bench-ivf (Debian python3-faiss): IndexIVFFlat and IndexIVFScalarQuantizer
(QT_8bit) over inner product, with the settings bench-ivf uses.

Coarse quantiser IndexFlatIP; k-means with the same nlist, `niter` iterations, spherical (unit
centroids, as vector-ivf trains under inner product), seed 42, training sample min(n, 256 nlist)
(FAISS's own max_points_per_centroid = 256 subsampling; when n <= 256 nlist both train on every
vector). IVF-SQ8 twice: by_residual False (codes of the vectors themselves, as vector-ivf) and
FAISS's default by_residual True. No re-rank: FAISS's IVF-SQ8 returns the coded distances.
Build (train + add) on `threads` OpenMP threads; search one query at a time on 1 thread (the
Python call costs a few microseconds per query, counted in the latency); recall@10 with ties as
the data README says. Memory per vector = len(serialize_index) / n.

Usage: bench_ivf_faiss.py SET N NLIST [NITER] [NPROBE,...] [THREADS]
  SET: wordnet | glove (data from $VAJRA_DATA_DIR or ../shared/data)."""
import json
import os
import sys
import time

try:
    import faiss
    import numpy as np
except ImportError as e:  # skipped cleanly without the package
    print(f"# faiss: skipped: {e}")
    print(json.dumps({"engine": "faiss", "skipped": str(e)}))
    sys.exit(0)

FILES = {
    "wordnet": ("wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt{k}k"),
    "glove": ("glove/glove100.base100k.f16.npy", "glove/glove100.queries.npy", "glove/glove100.gt{k}k"),
}
K = 10


def recall_at_k(ids, scores, gt_ids, gt_scores, k=K):
    """Recall@k counting a hit as correct when its score is >= the k-th true score - 1e-6."""
    total = 0.0
    for q in range(len(ids)):
        truth = set(int(i) for i in gt_ids[q, :k])
        kth = gt_scores[q, k - 1] - 1e-6
        ok = sum(1 for i, s in zip(ids[q], scores[q]) if i >= 0 and (int(i) in truth or s >= kth))
        total += min(ok, k) / k
    return total / len(ids)


def main():
    data = os.environ.get("VAJRA_DATA_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
    set_name, n, nlist = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    niter = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    nprobes = [int(x) for x in (sys.argv[5] if len(sys.argv) > 5 else "1,2,4,8,16,32,64").split(",")]
    threads = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    base_f, q_f, gt_f = FILES[set_name]
    base = np.ascontiguousarray(np.load(os.path.join(data, base_f))[:n].astype(np.float32))
    queries = np.ascontiguousarray(np.load(os.path.join(data, q_f)).astype(np.float32))
    gt = os.path.join(data, gt_f.format(k=n // 1000))
    gt_ids, gt_scores = np.load(gt + ".ids.npy"), np.load(gt + ".scores.npy")
    dim = base.shape[1]
    print(f"# faiss {faiss.__version__}, set {set_name}, n {n}, dim {dim}, nlist {nlist}, niter {niter}, "
          f"build threads {threads}, {len(queries)} queries, 1 search thread")
    configs = [("faiss-ivf-flat", None), ("faiss-ivf-sq8", False), ("faiss-ivf-sq8-resid", True)]
    for name, by_residual in configs:
        faiss.omp_set_num_threads(threads)
        quantizer = faiss.IndexFlatIP(dim)
        if by_residual is None:
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                  faiss.METRIC_INNER_PRODUCT, by_residual)
        index.cp.niter = niter
        index.cp.spherical = True
        index.cp.seed = 42
        index.cp.max_points_per_centroid = 256
        t0 = time.perf_counter()
        index.train(base)
        index.add(base)
        build = time.perf_counter() - t0
        mem = len(faiss.serialize_index(index)) / n
        faiss.omp_set_num_threads(1)
        for nprobe in nprobes:
            index.nprobe = nprobe
            index.search(queries[:50], K)  # warm-up
            lat = []
            ids = np.empty((len(queries), K), dtype=np.int64)
            scores = np.empty((len(queries), K), dtype=np.float32)
            for q in range(len(queries)):
                t1 = time.perf_counter()
                d, i = index.search(queries[q:q + 1], K)
                lat.append(time.perf_counter() - t1)
                ids[q], scores[q] = i[0], d[0]
            lat.sort()
            p50 = lat[len(lat) // 2] * 1e3
            p95 = lat[int(len(lat) * 0.95)] * 1e3
            rec = recall_at_k(ids, scores, gt_ids, gt_scores)
            print(f"# {set_name:<8} {n:6d} {name:<19} nprobe {nprobe:5d} {build:8.2f} {mem:8.1f} {p50:8.3f} {p95:8.3f} {rec:8.4f}")
            print(json.dumps({"engine": "faiss", "version": faiss.__version__, "set": set_name, "n": n,
                              "index": name, "nprobe": nprobe, "build_s": round(build, 3),
                              "bytes_per_vector": round(mem, 1), "p50_ms": round(p50, 4),
                              "p95_ms": round(p95, 4), "recall10": round(rec, 4)}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
