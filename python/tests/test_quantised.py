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
    f32 = build(docs)
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
