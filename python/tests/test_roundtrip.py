"""save/load/open round trips; numpy layouts and dtypes; ids."""
import os

import numpy as np
import pytest

import vajra


@pytest.mark.parametrize("mmap", [True, False])
def test_hnsw_save_load(tmp_path, mmap):
    rng = np.random.default_rng(3)
    base = rng.standard_normal((700, 24), dtype=np.float32)
    q = rng.standard_normal((40, 24), dtype=np.float32)
    labels = rng.choice(10**12, size=700, replace=False)
    idx = vajra.HNSWIndex(24, metric="cosine", profile="quality", M=12, ef_search=40)
    idx.add(base[:300], ids=labels[:300])
    idx.add(base[300:], ids=labels[300:])
    ids, scores = idx.search(q, k=7)
    assert set(ids.ravel()) <= set(labels)
    path = tmp_path / "h.vjr"
    idx.save(path)
    back = vajra.HNSWIndex.load(os.fspath(path), mmap=mmap)
    assert (back.dim, back.metric, back.M, back.ef_search, len(back)) == (24, "cosine", 12, 40, 700)
    ids2, scores2 = back.search(q, k=7)
    assert np.array_equal(ids, ids2) and scores.tobytes() == scores2.tobytes()
    # adding to a loaded index works and keeps the labels
    back.add(base[:5] * 2, ids=[1, 2, 3, 4, 5])
    assert len(back) == 705
    ids3, _ = back.search(base[0] * 2, k=1, exact=True)
    assert ids3[0] in (1, labels[0])


def test_default_labels_are_insertion_numbers(tmp_path):
    idx = vajra.HNSWIndex(3, metric="l2")
    pts = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0]], dtype=np.float32)
    idx.add(pts)
    ids, scores = idx.search(pts, k=1)
    assert ids[:, 0].tolist() == [0, 1, 2] and (scores == 0).all()
    idx.add(np.array([[5, 5, 5]]), ids=[99])
    assert idx.search([5, 5, 5], k=1)[0][0] == 99
    assert idx.search([0, 0, 1], k=1)[0][0] == 0


def test_exact_search_is_ground_truth():
    rng = np.random.default_rng(4)
    base = rng.standard_normal((500, 12), dtype=np.float32)
    q = rng.standard_normal((20, 12), dtype=np.float32)
    idx = vajra.HNSWIndex(12, metric="l2")
    idx.add(base)
    ids, scores = idx.search(q, k=5, exact=True)
    d = ((q[:, None, :] - base[None]) ** 2).sum(-1)
    assert np.array_equal(ids, np.argsort(d, axis=1, kind="stable")[:, :5])
    np.testing.assert_allclose(-scores, np.sort(d, axis=1)[:, :5], rtol=1e-4)


def test_layouts_and_dtypes_give_the_same_answers(demo):
    base = demo.vectors
    idx = vajra.HNSWIndex(base.shape[1])
    idx.add(base)
    q = demo.qvectors[:30]
    ids, scores = idx.search(q, k=10)
    fortran = np.asfortranarray(q)
    strided = np.repeat(q, 2, axis=1)[:, ::2]
    assert not strided.flags.c_contiguous
    for variant in (fortran, strided, q.astype(np.float64), list(map(list, q))):
        i2, s2 = idx.search(variant, k=10)
        assert np.array_equal(ids, i2) and scores.tobytes() == s2.tobytes()
    # float16 in = the float16 values widened (exactly) to float32
    h = q.astype(np.float16)
    i3, s3 = idx.search(h, k=10)
    i4, s4 = idx.search(h.astype(np.float32), k=10)
    assert np.array_equal(i3, i4) and s3.tobytes() == s4.tobytes()
    # one 1-D query = row of the batch
    i5, s5 = idx.search(q[4], k=10)
    assert i5.shape == (10,) and np.array_equal(i5, ids[4]) and s5.tobytes() == scores[4].tobytes()


def test_float16_wordnet_file(tmp_path):
    """The float16 WordNet vectors as numpy loads them = what the C reader widens."""
    path = os.path.join(os.environ.get("VAJRA_DATA_DIR", ""), "wordnet", "lsa384.docs50k.f16.npy")
    if not os.path.exists(path):
        pytest.skip("wordnet data missing")
    v16 = np.load(path, mmap_mode="r")[:2000]
    a = vajra.HNSWIndex(384, profile="instant")
    a.add(v16)
    b = vajra.HNSWIndex(384, profile="instant")
    b.add(np.asarray(v16, dtype=np.float32))
    a.save(tmp_path / "a.vjr")
    b.save(tmp_path / "b.vjr")
    assert (tmp_path / "a.vjr").read_bytes() == (tmp_path / "b.vjr").read_bytes()


def test_collection_save_open(demo, demo_collection, tmp_path):
    p = tmp_path / "c.vjr"
    demo_collection.save(p)
    for mmap in (True, False):
        with vajra.Collection.open(p, mmap=mmap) as c:
            info = c.info
            assert info["count"] == len(demo.ids) and info["dim"] == 128 and info["read_only"]
            assert info["storage_plugin"] == ("storage-mmap" if mmap else "storage-file")
            a = c.search_batch(demo.query_texts[:25], demo.qvectors[:25], k=10)
            assert a == demo_collection.search_batch(demo.query_texts[:25], demo.qvectors[:25], k=10)
            with pytest.raises(vajra.StateError):
                c.add(["new"], ["text"], demo.vectors[:1])
    # the file is what a fresh build of the same documents saves
    demo.build().save(tmp_path / "again.vjr")
    assert (tmp_path / "again.vjr").read_bytes() == p.read_bytes()
    vajra.Collection.open(p).save(tmp_path / "third.vjr")   # an opened one saves the same bytes
    assert (tmp_path / "third.vjr").read_bytes() == p.read_bytes()


def test_collection_options(demo):
    c = vajra.Collection.create(scorer="bm25plus", k1=0.9, b=0.4, stemmer="porter",
                                keep_stopwords=True, ignore_title=True)
    c.add(demo.ids[:200], demo.texts[:200], titles=demo.titles[:200])
    c.commit()
    info = c.info
    assert info["scorer_plugin"] == "scorer-bm25plus" and info["dim"] == 0
    assert info["scorer_params"] == {"k1": 0.9, "b": 0.4}
    hits = c.search("boundary layer", k=5)
    assert len(hits) == 5 and all(isinstance(h, vajra.Hit) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    h = hits[0]
    assert h == (h.id, h.score, h.title, h.doc) and demo.ids[h.doc] == h.id


def test_collection_on_vector_flat(demo, demo_collection, tmp_path):
    """Another vector index by name and key/value parameters: vector-flat answers what the HNSW
    collection's exact scan answers, and keeps its parameters through save/open."""
    c = demo.build(vector_plugin="vector-flat", vector_params={"storage": "f32"})
    info = c.info
    assert info["vector_plugin"] == "vector-flat" and info["profile"] is None
    assert info["vector_params"] == {"storage": "f32"}
    q = demo.qvectors[:25]
    assert (c.search_batch(vectors=q, k=10)
            == demo_collection.search_batch(vectors=q, k=10, exact=True))
    p = tmp_path / "flat.vjr"
    c.save(p)
    with vajra.Collection.open(p) as o:
        assert o.info["vector_params"] == {"storage": "f32"}
        assert o.search_batch(vectors=q, k=10) == c.search_batch(vectors=q, k=10)
    assert demo_collection.info["vector_params"]["M"] == "16"
    f16 = demo.build(vector_plugin="vector-flat", vector_params={"storage": "f16"})
    assert f16.info["vector_params"] == {"storage": "f16"}
    with pytest.raises(vajra.InvalidArgumentError, match="storage"):
        demo.build(vector_plugin="vector-flat", vector_params={"storage": 16})
    with pytest.raises(vajra.InvalidArgumentError, match="profile"):
        demo.build(vector_plugin="vector-flat", profile="fast")
    with pytest.raises(TypeError):
        demo.build(vector_plugin="vector-flat", vector_params=[("storage", "f16")])
