"""HNSWIndex with quantised row storage (storage='f16' | 'sq8', rerank): the same graph as f32,
answers close to f32's, save/load round trips, and clear errors."""
import numpy as np
import pytest

import vajra


def recall(ids, truth):
    return np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(ids, truth)])


def build(vectors, **kw):
    idx = vajra.HNSWIndex(vectors.shape[1], profile="fast", seed=11, threads=2, **kw)
    idx.add(vectors)
    return idx


def test_storage_modes_on_cranfield(cranfield, tmp_path):
    docs = np.ascontiguousarray(cranfield.vectors, dtype=np.float32) * 8.0  # f16 must round
    queries = np.ascontiguousarray(cranfield.qvectors, dtype=np.float32) * 8.0
    f32 = build(docs, storage="f32")
    truth, _ = f32.search(queries, k=10, exact=True)
    base, _ = f32.search(queries, k=10, ef=64)
    assert f32.storage == "f32" and f32.rerank is False
    for storage, rerank, slack in (("f16", False, 0.005), ("sq8", False, 0.05),
                                   ("sq8", True, 0.01)):
        q = build(docs, storage=storage, rerank=rerank)
        assert q.storage == storage and q.rerank is rerank
        ids, scores = q.search(queries, k=10, ef=64)
        assert recall(ids, truth) >= recall(base, truth) - slack, (storage, rerank)
        if rerank:  # final scores re-computed from the kept f32 rows
            exact_scores = np.einsum("qd,qkd->qk", queries, docs[ids])
            assert np.allclose(scores, exact_scores, rtol=1e-5, atol=1e-5)
        path = tmp_path / f"{storage}-{int(rerank)}.vjr"
        q.save(path)
        r = vajra.HNSWIndex.load(path)
        assert r.storage == storage and r.rerank is rerank
        ids2, scores2 = r.search(queries, k=10, ef=64)
        assert np.array_equal(ids, ids2) and scores.tobytes() == scores2.tobytes()


def test_bad_storage_is_refused():
    with pytest.raises(vajra.InvalidArgumentError, match="storage"):
        vajra.HNSWIndex(8, storage="int4")
    with pytest.raises(TypeError):
        vajra.HNSWIndex(8, storage=16)


def test_auto_storage_is_exact(cranfield, tmp_path):
    """The default storage 'auto' keeps binary16 rows as f16: the same answers as f32; rows that
    are not binary16 turn it into f32 (never rounded)."""
    docs = cranfield.vectors.astype(np.float16).astype(np.float32)  # binary16 values
    queries = np.ascontiguousarray(cranfield.qvectors, dtype=np.float32)
    auto, f32 = build(docs), build(docs, storage="f32")
    assert auto.storage == "auto" and f32.storage == "f32"
    a_ids, a_scores = auto.search(queries, k=10, ef=64)
    f_ids, f_scores = f32.search(queries, k=10, ef=64)
    assert np.mean(a_ids == f_ids) >= 0.99  # SIMD summation order may swap a near tie
    assert np.allclose(a_scores, f_scores, rtol=1e-5, atol=1e-6)
    path = tmp_path / "auto.vjr"
    auto.save(path)
    back = vajra.HNSWIndex.load(path)
    assert back.storage == "auto"
    # 1 + 2^-12 times a row: not binary16 (f16 would round it back onto the row, and these
    # queries would then find the older, equal row first)
    off = docs[:20] * np.float32(1 + 2 ** -12)
    back.add(off)
    f32.add(off)
    ids, _ = back.search(off, k=1, exact=True)
    assert np.array_equal(ids[:, 0], np.arange(len(docs), len(docs) + 20))
    b_ids, b_scores = back.search(queries, k=10, ef=64)
    f_ids, f_scores = f32.search(queries, k=10, ef=64)
    assert np.mean(b_ids == f_ids) >= 0.99 and np.allclose(b_scores, f_scores, rtol=1e-5, atol=1e-6)
