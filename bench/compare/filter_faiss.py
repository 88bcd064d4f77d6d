#!/usr/bin/python3
"""FAISS on the filters of bench-filter (issue 12): recall@10 against the exact filtered top 10 and
single-thread p50/p95 latency per filter kind and selectivity, on exactly the passing sets and
queries bench-filter used (its --dump files; format in bench/vector/bench_filter.c).

IndexHNSWFlat(dim, M, METRIC_INNER_PRODUCT), efConstruction, rows added in one add() on 2 OpenMP
threads; searches on 1 thread, one 1 x dim search() call per query (the Python call, a few
microseconds, is in the latency, as in compare_faiss.py). Per file two rows in bench-filter's
Markdown format (| set | kind | selectivity | passing | method | p50 ms | p95 ms | recall@10 |
worst |): "faiss unfiltered" (index.hnsw.efSearch = ef, no selector) and "faiss IDSelector"
(SearchParametersHNSW(sel=IDSelectorBitmap over the passing set, efSearch=ef); FAISS 1.7.3 has
both, and the HNSW search applies the selector inside the graph walk). The selector and the
parameters are made untimed, once per filter. Recall counts a hit whose inner product ties the
exact k-th (>= k-th - 1e-6) as correct, as bench-filter does. Skips cleanly without faiss.

Usage: filter_faiss.py --data DIR --set wordnet|glove --n N [--M 16] [--efc 128] [--ef 128]
       FILE.vjf..."""
import argparse
import os
import sys
import time

try:
    import faiss
    import numpy as np
except ImportError as e:  # skipped cleanly without the package
    print(f"# faiss: skipped: {e}")
    sys.exit(0)

BASES = {
    "wordnet": ("wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy"),
    "glove": ("glove/glove100.base100k.f16.npy", "glove/glove100.queries.npy"),
}


def read_filter(path):
    """The dump: header, bitmaps (rows x words u64), truth ids (nq x k i32), scores (f32)."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw[:8].tobytes() != b"VJFILT1\0":
        sys.exit(f"filter_faiss.py: {path}: not a bench-filter dump")
    n, nq, rows, k, words, _ = (int(x) for x in raw[8:32].view(np.uint32))
    off = 32
    bits = raw[off:off + rows * words * 8].reshape(rows, words * 8)
    off += rows * words * 8
    ids = raw[off:off + nq * k * 4].view(np.int32).reshape(nq, k)
    off += nq * k * 4
    scores = raw[off:off + nq * k * 4].view(np.float32).reshape(nq, k)
    if off + nq * k * 4 != raw.size:
        sys.exit(f"filter_faiss.py: {path}: truncated or too long")
    name = os.path.basename(path)[:-len(".vjf")]
    set_, kind, sel = name.split("-", 2)
    return dict(n=n, nq=nq, rows=rows, k=k, bits=bits, ids=ids, scores=scores, set=set_,
                kind=kind, sel=sel)


def recall(f, qi, got_ids, got_scores):
    truth = f["ids"][qi]
    want = int((truth >= 0).sum())
    got = [(int(i), float(s)) for i, s in zip(got_ids, got_scores) if i >= 0]
    if want == 0:
        return 1.0 if not got else 0.0
    kth = float(f["scores"][qi, want - 1])
    tset = set(int(x) for x in truth[:want])
    good = sum(1 for i, s in got[:want] if i in tset or s >= kth - 1e-6)
    return good / want


def pct(ms, q):
    s = np.sort(ms)
    rank = max(1, min(len(s), int(q * len(s) + 0.999999999)))
    return float(s[rank - 1])


def row(f, passing, method, lat, rec=None):
    r = f"{np.mean(rec):.3f}" if rec is not None else "nan"
    w = f"{np.min(rec):.2f}" if rec is not None else "nan"
    print(f"| {f['set']} | {f['kind']} | {f['sel']}% | {passing:.0f} | {method} | "
          f"{pct(lat, 0.5):.3f} | {pct(lat, 0.95):.3f} | {r} | {w} |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("VAJRA_DATA_DIR", "../shared/data"))
    ap.add_argument("--set", default="wordnet", choices=sorted(BASES))
    ap.add_argument("--n", type=int, default=50000)
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--efc", type=int, default=128)
    ap.add_argument("--ef", type=int, default=128)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    bf, qf = BASES[a.set]
    base = np.ascontiguousarray(np.load(os.path.join(a.data, bf))[:a.n].astype(np.float32))
    queries = np.ascontiguousarray(np.load(os.path.join(a.data, qf)).astype(np.float32))
    dim = base.shape[1]
    index = faiss.IndexHNSWFlat(dim, a.M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = a.efc
    faiss.omp_set_num_threads(2)
    t0 = time.perf_counter()
    index.add(base)
    build = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)
    index.hnsw.efSearch = a.ef
    print(f"# faiss {faiss.__version__} {a.set} {a.n}: IndexHNSWFlat M {a.M} efC {a.efc} ef {a.ef}, "
          f"build {build:.2f} s (2 threads), search 1 thread; filter = SearchParametersHNSW("
          f"sel=IDSelectorBitmap)")
    sys.stdout.flush()
    k = 10
    warm = False
    for path in a.files:
        f = read_filter(path)
        if f["n"] != a.n or f["set"] != a.set or f["k"] != k or f["nq"] > queries.shape[0]:
            sys.exit(f"filter_faiss.py: {path}: does not match --set/--n or the query file")
        nq = f["nq"]
        if not warm:
            for qi in range(nq):
                index.search(queries[qi:qi + 1], k)
            warm = True
        ulat = np.empty(nq)
        for qi in range(nq):
            t = time.perf_counter()
            index.search(queries[qi:qi + 1], k)
            ulat[qi] = (time.perf_counter() - t) * 1e3
        lat, rec = np.empty(nq), np.empty(nq)
        passing = 0.0
        params = None
        for qi in range(nq):
            if params is None or f["rows"] > 1:
                bits = np.ascontiguousarray(f["bits"][0 if f["rows"] == 1 else qi])
                sel = faiss.IDSelectorBitmap(a.n, faiss.swig_ptr(bits))
                params = faiss.SearchParametersHNSW()
                params.sel = sel
                params.efSearch = a.ef
                npass = int(np.unpackbits(bits, bitorder="little")[:a.n].sum())
            t = time.perf_counter()
            D, I = index.search(queries[qi:qi + 1], k, params=params)
            lat[qi] = (time.perf_counter() - t) * 1e3
            passing += npass
            ok = I[0] >= 0
            passes = np.unpackbits(bits, bitorder="little")[I[0][ok]]
            if not passes.all():
                sys.exit(f"filter_faiss.py: {path}: faiss returned a non-passing document")
            rec[qi] = recall(f, qi, I[0], D[0])
        row(f, passing / nq, "faiss unfiltered", ulat)
        row(f, passing / nq, "faiss IDSelector", lat, rec)


if __name__ == "__main__":
    main()
