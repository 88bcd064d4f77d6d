"""No Python input crashes the module: each bad input is a clean exception."""
import math
import os

import numpy as np
import pytest

import vajra

DIM = 8


@pytest.fixture
def index():
    rng = np.random.default_rng(1)
    idx = vajra.HNSWIndex(DIM)
    idx.add(rng.standard_normal((50, DIM), dtype=np.float32))
    return idx


@pytest.fixture
def coll():
    rng = np.random.default_rng(2)
    c = vajra.Collection.create(dim=DIM)
    c.add([f"d{i}" for i in range(20)], [f"text number {i} about wings" for i in range(20)],
          rng.standard_normal((20, DIM), dtype=np.float32))
    c.commit()
    return c


def test_hierarchy():
    for name in ("CorruptError", "DimensionError", "NotFoundError", "BadValueError", "StateError",
                 "DuplicateError", "EncodingError", "InvalidArgumentError", "IOFailureError",
                 "UnsupportedError", "VersionError", "BusyError"):
        cls = getattr(vajra, name)
        assert issubclass(cls, vajra.Error) and cls.__doc__
    assert issubclass(vajra.DimensionError, ValueError)
    assert issubclass(vajra.NotFoundError, LookupError)


@pytest.mark.parametrize("bad,exc", [
    (None, TypeError),
    ("abc", TypeError),
    (np.array(["a", "b"]), TypeError),
    (np.zeros((2, DIM), dtype=np.complex64), TypeError),
    (np.array([object()] * DIM), TypeError),
    (np.zeros((2, 2, DIM), dtype=np.float32), vajra.DimensionError),
    (np.zeros((), dtype=np.float32), vajra.DimensionError),
    (np.zeros((2, DIM + 1), dtype=np.float32), vajra.DimensionError),
    (np.zeros((2, 0), dtype=np.float32), vajra.DimensionError),
    ([[1.0] * DIM, [1.0] * (DIM - 1)], ValueError),      # ragged
    (np.full((1, DIM), np.nan, dtype=np.float32), vajra.BadValueError),
    (np.full((1, DIM), np.inf, dtype=np.float32), vajra.BadValueError),
    (np.full((1, DIM), 1e39), vajra.BadValueError),       # float64 overflowing float32
])
@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_bad_vectors(index, coll, bad, exc):
    n = len(index)
    with pytest.raises(exc):
        index.add(bad)
    assert len(index) == n
    with pytest.raises(exc):
        index.search(bad)
    with pytest.raises(exc):
        coll.search_batch(vectors=bad)


def test_bad_scalars(index, coll):
    q = np.ones(DIM, dtype=np.float32)
    for k in (0, -1, 2**40):
        with pytest.raises(ValueError):
            index.search(q, k=k)
        with pytest.raises(ValueError):
            coll.search("wings", k=k)
    for k in ("3", 2.5, True, None.__class__):
        with pytest.raises(TypeError):
            index.search(q, k=k)
    with pytest.raises(ValueError):
        index.search(q, ef=-3)
    with pytest.raises(TypeError):
        index.search(q, threads="all")
    with pytest.raises(ValueError):
        vajra.HNSWIndex(DIM, metric="manhattan")
    with pytest.raises(TypeError):
        vajra.HNSWIndex(DIM, metric=None)
    with pytest.raises(vajra.NotFoundError):
        vajra.HNSWIndex(DIM, profile="turbo")
    with pytest.raises(ValueError):
        vajra.HNSWIndex(0)
    with pytest.raises(TypeError):
        vajra.HNSWIndex("8")
    with pytest.raises(ValueError):
        coll.search("x", mode="semantic")
    with pytest.raises(ValueError):
        coll.search("x", np.ones(DIM), fusion="borda")
    for w in (0.0, -1.0, 1.5, math.nan):
        with pytest.raises(ValueError):
            coll.search("x", np.ones(DIM), fusion="minmax", weight=w)
    for r in (0.0, -5.0, math.inf):
        with pytest.raises(ValueError):
            coll.search("x", np.ones(DIM), rrf_k=r)


def test_bad_call_shapes(index, coll):
    q = np.ones(DIM, dtype=np.float32)
    for call in (lambda: index.search(q, 1, 2, 3), lambda: index.search(q, queries=q),
                 lambda: index.search(q, bogus=1), lambda: index.search(),
                 lambda: index.search(k=3), lambda: coll.search("a", q, 3),
                 lambda: coll.search("a", text="b"), lambda: coll.search("a", bogus=1),
                 lambda: coll.search("a", rrf_k="x"), lambda: coll.search("a", weight=None)):
        with pytest.raises(TypeError):
            call()


def test_bad_ids_and_texts(coll, tmp_path):
    c = vajra.Collection.create(dim=DIM)
    v = np.ones((2, DIM), dtype=np.float32)
    with pytest.raises(TypeError):
        c.add([1, 2], ["a", "b"], v)
    with pytest.raises(TypeError):
        c.add(["a", None], ["a", "b"], v)
    with pytest.raises(TypeError):
        c.add("ab", "xy", v)
    with pytest.raises(TypeError):
        c.add(["a", "b"], [b"x", "y"], v)
    with pytest.raises(TypeError):
        c.add(None, None)
    with pytest.raises(TypeError):
        c.add(5)
    with pytest.raises(ValueError):
        c.add(["a", "b"], ["x"], v)
    with pytest.raises(ValueError):
        c.add(["a", "b"], ["x", "y"], v[:1])
    with pytest.raises(ValueError):
        c.add(["a\0b", "c"], ["x", "y"], v)
    with pytest.raises(UnicodeEncodeError):
        c.add(["a\ud800", "c"], ["x", "y"], v)
    with pytest.raises(vajra.InvalidArgumentError):
        c.add(["a", "b"], ["x", "y"])              # missing vectors
    with pytest.raises(vajra.DuplicateError):
        c.add(["a", "a"], ["x", "y"], v)
    z = np.zeros((1, DIM), dtype=np.float32)
    cos = vajra.Collection.create(dim=DIM, metric="cosine")
    with pytest.raises(vajra.BadValueError):
        cos.add(["z"], ["zero"], z)
    c.add(["a", "b"], ["x", "y"], v, ["t", None])
    c.commit()
    assert len(c) == 2
    with pytest.raises(TypeError):
        c.search(42)
    with pytest.raises(TypeError):
        c.search_batch(["x", 3])
    with pytest.raises(TypeError):
        c.search_batch()
    with pytest.raises(ValueError):
        c.search_batch(["x", "y"], np.ones((3, DIM)))
    with pytest.raises(vajra.InvalidArgumentError):
        c.search(mode="lexical")
    with pytest.raises(vajra.InvalidArgumentError):
        c.search()
    with pytest.raises(vajra.DimensionError):
        c.search(vector=np.ones(DIM + 2))
    with pytest.raises(vajra.DimensionError):
        c.search(vector=np.ones((2, DIM)))
    with pytest.raises(vajra.BadValueError):
        c.search(vector=np.full(DIM, np.nan))
    lex = vajra.Collection.create()
    lex.add(["x"], ["text"])
    lex.commit()
    with pytest.raises(vajra.StateError):
        lex.search(vector=np.ones(DIM))
    missing = tmp_path / "whatever.vjr"
    with pytest.raises(vajra.NotFoundError):
        vajra.Collection.open(missing, writable=True)


def test_create_arguments():
    assert vajra.Collection.create(None, DIM).dim == DIM
    assert vajra.Collection.create(path=None).dim == 0
    with pytest.raises(TypeError):
        vajra.Collection.create(5)
    with pytest.raises(TypeError):
        vajra.Collection.create(None, DIM, "ip")      # metric is keyword-only
    with pytest.raises(vajra.NotFoundError):
        vajra.Collection.create(scorer="nonesuch")


def test_no_direct_construction():
    with pytest.raises(TypeError):
        vajra.Collection()
    idx = vajra.HNSWIndex.__new__(vajra.HNSWIndex)
    with pytest.raises(vajra.StateError):
        idx.search(np.ones(DIM))
    with pytest.raises(vajra.StateError):
        idx.add(np.ones(DIM))
    assert len(idx) == 0 and "uninitialised" in repr(idx)
    real = vajra.HNSWIndex(DIM)
    with pytest.raises(vajra.StateError):
        real.__init__(DIM)


def test_closed_collection(coll):
    coll.close()
    coll.close()
    assert coll.closed and "closed" in repr(coll)
    for call in (lambda: coll.search("wings"), lambda: coll.search_batch(["a"]),
                 lambda: coll.add(["x"], ["y"]), coll.commit, lambda: coll.save("x.vjr"),
                 lambda: len(coll), lambda: coll.info, lambda: coll.dim, lambda: coll.counts,
                 lambda: coll.upsert(["x"], ["y"]), lambda: coll.delete(["d1"]), coll.compact,
                 coll.promote,
                 lambda: coll.evaluate({"q": "x"}, {"q": {"d1": 1}})):
        with pytest.raises(vajra.StateError, match="closed"):
            call()
    with vajra.Collection.create() as c2:
        pass
    assert c2.closed


def test_bad_files(tmp_path, index, coll):
    missing = tmp_path / "missing.vjr"
    with pytest.raises(vajra.NotFoundError):
        vajra.Collection.open(missing)
    with pytest.raises(vajra.NotFoundError):
        vajra.HNSWIndex.load(missing)
    garbage = tmp_path / "garbage.vjr"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(vajra.CorruptError):
        vajra.Collection.open(garbage)
    with pytest.raises(vajra.CorruptError):
        vajra.HNSWIndex.load(garbage, mmap=False)
    good = tmp_path / "good.vjr"
    coll.save(good)
    data = bytearray(good.read_bytes())
    for cut in (len(data) // 2, 100, 0):
        (tmp_path / "cut.vjr").write_bytes(bytes(data[:cut]))
        with pytest.raises(vajra.CorruptError):
            vajra.Collection.open(tmp_path / "cut.vjr")
    data[len(data) // 2] ^= 0x40
    (tmp_path / "flip.vjr").write_bytes(bytes(data))
    with pytest.raises(vajra.CorruptError):
        vajra.Collection.open(tmp_path / "flip.vjr")
    # a collection file without vectors is not an HNSW index
    lex = vajra.Collection.create()
    lex.add(["a"], ["b"])
    lex.commit()
    lex.save(tmp_path / "lex.vjr")
    with pytest.raises(vajra.NotFoundError):
        vajra.HNSWIndex.load(tmp_path / "lex.vjr")
    with pytest.raises(vajra.IOFailureError):
        index.save(tmp_path / "no" / "such" / "dir.vjr")
    with pytest.raises(TypeError):
        index.save(None)
    uncommitted = vajra.Collection.create()
    uncommitted.add(["a"], ["b"])
    with pytest.raises(vajra.StateError):
        uncommitted.save(tmp_path / "u.vjr")


def test_error_carries_code_and_message(tmp_path):
    with pytest.raises(vajra.NotFoundError) as e:
        vajra.Collection.open(tmp_path / "nope.vjr")
    assert e.value.code == -4 and e.value.status == "VAJRA_ERR_NOT_FOUND"
    assert "nope.vjr" in str(e.value)


def test_eval_bad_inputs(coll):
    with pytest.raises(ValueError):
        coll.evaluate({"q": "x"}, {"q": {"d1": 1}}, k=10)
    with pytest.raises(TypeError):
        coll.evaluate([1, 2], {"q": {"d1": 1}})
    with pytest.raises(TypeError):
        coll.evaluate({"q": "x"}, [("q", "d1", 1)])
    with pytest.raises(TypeError):
        coll.evaluate({"q": "x"}, {"q": {"d1": "high"}})
    with pytest.raises(ValueError):
        coll.evaluate({"q": "x"}, {"q": {"d1": 1}}, mode="vector")
    with pytest.raises(ValueError):
        coll.evaluate({"q": "x"}, {"q": {"d1": 1}}, np.ones((2, DIM)), mode="vector")
    with pytest.raises(vajra.IOFailureError):   # the JSONL reader's code for "cannot open"
        coll.evaluate("/nonexistent/q.jsonl", {"q": {"d1": 1}})
    r = coll.evaluate({"q": "wings"}, {"q": {"d1": 1}, "other": {"d2": 2}})
    assert r["queries"] == 2 and 0 <= r["ndcg@10"] <= 1


def test_empty_index_and_k_beyond_count():
    idx = vajra.HNSWIndex(4, metric="l2")
    ids, scores = idx.search(np.ones((3, 4)), k=5)
    assert ids.shape == (3, 5) and (ids == -1).all() and np.isneginf(scores).all()
    idx.add(np.eye(4))
    idx.add(np.empty((0, 4)))
    ids, scores = idx.search(np.ones(4), k=6)
    assert ids.shape == (6,) and sorted(ids[:4]) == [0, 1, 2, 3] and (ids[4:] == -1).all()
    ids, _ = idx.search(np.empty((0, 4)), k=3)
    assert ids.shape == (0, 3)
