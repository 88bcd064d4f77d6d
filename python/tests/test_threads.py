"""Objects shared by Python threads: concurrent searches, searches during writes, close."""
import contextlib
import threading

import numpy as np

import vajra


def run_threads(n, fn):
    errors = []

    def wrap(i):
        try:
            fn(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    ts = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors


@contextlib.contextmanager
def ticking():
    """A Python thread counting milliseconds: it only advances while the GIL is free."""
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)
    t = threading.Thread(target=ticker)
    t.start()
    try:
        yield ticks
    finally:
        stop.set()
        t.join()


def test_batch_thread_counts_agree(demo, demo_collection):
    base = demo_collection.search_batch(demo.query_texts, demo.qvectors, k=20, threads=1)
    for t in (2, 3, 8, None):
        assert demo_collection.search_batch(demo.query_texts, demo.qvectors, k=20,
                                            threads=t) == base


def test_concurrent_collection_searches(demo, demo_collection):
    serial = [demo_collection.search(t, v, k=10) for t, v in zip(demo.query_texts, demo.qvectors)]

    def work(i):
        for j in range(i, len(serial), 3):
            assert demo_collection.search(demo.query_texts[j], demo.qvectors[j], k=10) == serial[j]
    run_threads(6, work)


def test_concurrent_hnsw_search_and_add():
    rng = np.random.default_rng(7)
    base = rng.standard_normal((2000, 16), dtype=np.float32)
    queries = rng.standard_normal((50, 16), dtype=np.float32)
    idx = vajra.HNSWIndex(16, threads=2)
    idx.add(base[:500])
    stop = threading.Event()

    def searcher(i):
        while not stop.is_set():
            ids, scores = idx.search(queries, k=5, threads=2)
            assert ids.shape == (50, 5) and (ids >= 0).all() and (ids < 2000).all()
            assert (np.diff(scores, axis=1) <= 0).all()

    def writer(i):
        for start in range(500, 2000, 250):
            idx.add(base[start:start + 250], ids=np.arange(start, start + 250))
        stop.set()
    run_threads_mixed = [threading.Thread(target=searcher, args=(i,)) for i in range(3)]
    for t in run_threads_mixed:
        t.start()
    writer(0)
    for t in run_threads_mixed:
        t.join()
    assert len(idx) == 2000
    # the same graph as a serial build (deterministic for any thread count and interleaving)
    ref = vajra.HNSWIndex(16, threads=1)
    ref.add(base[:500])
    for start in range(500, 2000, 250):
        ref.add(base[start:start + 250])
    a, sa = idx.search(queries, k=10)
    b, sb = ref.search(queries, k=10)
    assert np.array_equal(a, b) and sa.tobytes() == sb.tobytes()


def test_close_while_searching(demo):
    c = demo.build()
    started = threading.Barrier(4)
    outcomes = []

    def work(i):
        started.wait()
        try:
            for _ in range(50):
                c.search_batch(demo.query_texts[:20], k=5)
            outcomes.append("done")
        except vajra.StateError:
            outcomes.append("closed")
    ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in ts:
        t.start()
    started.wait()
    c.close()
    for t in ts:
        t.join()
    assert len(outcomes) == 3 and set(outcomes) <= {"done", "closed"}
    assert c.closed


def test_gil_released_during_batch(demo, demo_collection):
    """A Python thread keeps running while a long batch search runs in C."""
    with ticking() as ticks:
        for _ in range(5):
            demo_collection.search_batch(demo.query_texts, demo.qvectors, k=100, threads=1)
    assert len(ticks) > 5


def test_gil_released_during_build():
    base = np.random.default_rng(9).standard_normal((6000, 32), dtype=np.float32)
    idx = vajra.HNSWIndex(32, threads=1)
    with ticking() as ticks:
        idx.add(base)
    assert len(idx) == 6000 and len(ticks) > 5
