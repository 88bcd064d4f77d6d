"""No leak: 10,000 create/add/search/free cycles keep the RSS flat; reference counts balance."""
import gc
import os
import sys

import numpy as np
import pytest

import vajra

CYCLES = int(os.environ.get("VAJRA_PY_CYCLES", "10000"))


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def cycle(i, base, q, ids, texts, tmp):
    idx = vajra.HNSWIndex(16, profile="instant", threads=1)
    idx.add(base, ids=np.arange(len(base)))
    idx.search(q, k=5, threads=2)
    idx.search(q[0], k=3)
    c = vajra.Collection.create(dim=16, profile="instant", threads=1)
    c.add(ids, texts, base)
    c.commit()
    c.search("alpha gamma", q[0], k=5)
    c.search_batch(texts[:4], base[:4], k=3, threads=2)
    try:
        c.search(vector=np.full(16, np.nan))
    except vajra.BadValueError:
        pass
    if i % 10 == 0:  # the live-collection paths: upsert, delete, a second segment, compaction
        c.upsert(ids[:2], texts[2:4], base[2:4])
        c.delete(ids[5:7])
        c.commit()
        c.compact()
        c.search("alpha", k=3)
    if i % 500 == 0:
        c.save(tmp / "m.vjr")
        vajra.Collection.open(tmp / "m.vjr").search("beta", k=2)
        vajra.HNSWIndex.load(tmp / "m.vjr").search(q, k=2)
    c.close()


def test_rss_flat_over_cycles(tmp_path):
    rng = np.random.default_rng(5)
    base = rng.standard_normal((40, 16), dtype=np.float32)
    q = rng.standard_normal((8, 16), dtype=np.float32)
    words = ["alpha", "beta", "gamma", "delta", "wing", "flow"]
    ids = [f"d{i}" for i in range(40)]
    texts = [" ".join(words[(i + j) % 6] for j in range(4)) for i in range(40)]
    warm = max(CYCLES // 10, 200)
    for i in range(warm):
        cycle(i, base, q, ids, texts, tmp_path)
    gc.collect()
    before = rss_kib()
    for i in range(CYCLES):
        cycle(i + 1, base, q, ids, texts, tmp_path)
    gc.collect()
    grown = rss_kib() - before
    # a leak of even 100 bytes per cycle would show as ~1 MB; allow allocator noise
    assert grown < 4096, f"RSS grew by {grown} KiB over {CYCLES} cycles"


def test_refcounts_balance(demo_collection, demo):
    q = np.ascontiguousarray(demo.qvectors[:10])
    texts = list(demo.query_texts[:10])
    idx = vajra.HNSWIndex(128)
    base = np.ascontiguousarray(demo.vectors[:300])
    ids = np.arange(300)
    counts = lambda: [sys.getrefcount(o) for o in (q, texts, base, ids, texts[0])]  # noqa: E731
    start = counts()
    for _ in range(3):
        idx.add(base, ids=ids)
        a, b = idx.search(q, k=4)
        # (computed outside `assert`: pytest's rewriting keeps references to subexpressions)
        rc = [sys.getrefcount(a), sys.getrefcount(b)]  # the name and the call's argument
        assert rc == [2, 2]
        r = demo_collection.search_batch(texts, q, k=5)
        rc = [sys.getrefcount(r), sys.getrefcount(r[0]), sys.getrefcount(r[0][0])]
        assert rc == [2, 2, 2]
        hits = demo_collection.search(texts[0], q[0], k=3)
        rc = [sys.getrefcount(hits), sys.getrefcount(hits[0]), sys.getrefcount(hits[0].id)]
        assert rc == [2, 2, 2]
        with pytest.raises(vajra.DimensionError):
            idx.search(base[:, :5])
        with pytest.raises(TypeError):
            demo_collection.search_batch(texts + [1], k=2)
        demo_collection.evaluate(list(zip(map(str, range(10)), texts)), {"0": {"1": 1}})
    del a, b, r, hits
    assert counts() == start
    # singletons and shared objects are not over-released either
    none_before = sys.getrefcount(None)
    for _ in range(100):
        demo_collection.search("wing", k=1)
    assert abs(sys.getrefcount(None) - none_before) < 10
