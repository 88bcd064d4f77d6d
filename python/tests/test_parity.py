"""Parity with the C library: same files, same answers, bit-identical scores."""
import json

import numpy as np
import pytest

import vajra

from conftest import run_cli, run_dump


def test_plugins_found_without_environment():
    import os
    assert "VAJRA_PLUGIN_PATH" not in os.environ
    path = vajra.plugin_search_path()
    assert "plugins/vector" in path and path.endswith(vajra.plugin_install_dir())
    assert vajra.kernel() in ("scalar", "avx2", "avx512", "avx512vnni", "neon")


def test_same_bytes_as_cli_index(demo, demo_index, tmp_path):
    c = demo.build(threads=2)
    out = tmp_path / "py.vjr"
    c.save(out)
    assert out.read_bytes() == demo_index.read_bytes()


def test_create_with_path_saves_on_commit(demo, demo_index, tmp_path):
    out = tmp_path / "auto.vjr"
    c = vajra.Collection.create(out, dim=demo.vectors.shape[1])
    c.add(demo.ids, demo.texts, demo.vectors, demo.titles)
    assert not out.exists()
    c.commit()
    assert out.read_bytes() == demo_index.read_bytes()


@pytest.mark.parametrize("mode", ["lexical", "vector", "hybrid"])
def test_bit_identical_to_c(demo, demo_index, mode):
    k = 10
    expect = run_dump(demo_index, mode, demo.queries_path, demo.qvectors_path, k)
    assert len(expect) > 100 * (1 if mode == "lexical" else 5)
    c = vajra.Collection.open(demo_index)
    texts = demo.query_texts if mode != "vector" else None
    vecs = demo.qvectors if mode != "lexical" else None
    batch = c.search_batch(texts, vecs, k=k, mode=mode)
    got = [(qi, r + 1, h.id, np.float32(h.score)) for qi, hits in enumerate(batch)
           for r, h in enumerate(hits)]
    assert got == expect
    # the score is the float32 the C library computed, bit for bit
    assert all(np.float32(h.score).tobytes() == s.tobytes()
               for (qi, r, _, s), h in zip(expect, [h for hits in batch for h in hits]))
    # single searches agree with the batch
    for qi in range(0, len(demo.queries), 37):
        one = c.search(texts[qi] if texts else None, vecs[qi] if vecs is not None else None,
                       k=k, mode=mode)
        assert one == batch[qi]


@pytest.mark.parametrize("mode,extra", [
    ("lexical", []), ("vector", ["--query-vector", "Q:3"]),
    ("hybrid", ["--query-vector", "Q:3"]),
    ("hybrid", ["--query-vector", "Q:3", "--fusion", "zscore", "--weight", "0.3"]),
    ("hybrid", ["--query-vector", "Q:3", "--fusion", "minmax", "--depth", "50", "--ef", "64"]),
])
def test_same_as_cli_search_json(demo, demo_index, mode, extra):
    text = demo.query_texts[3]
    args = [a.replace("Q", demo.qvectors_path) for a in extra]
    cli = json.loads(run_cli("search", demo_index, text, "--mode", mode, "-k", 15, "--json", *args))
    c = vajra.Collection.open(demo_index)
    kw = {}
    if "--fusion" in args:
        kw["fusion"] = args[args.index("--fusion") + 1]
    if "--weight" in args:
        kw["weight"] = float(args[args.index("--weight") + 1])
    if "--depth" in args:
        kw["depth"] = int(args[args.index("--depth") + 1])
    if "--ef" in args:
        kw["ef"] = int(args[args.index("--ef") + 1])
    hits = c.search(text if mode != "vector" else None,
                    demo.qvectors[3] if mode != "lexical" else None, k=15, mode=mode, **kw)
    assert [h.id for h in hits] == [h["id"] for h in cli["hits"]]
    assert [h.title for h in hits] == [h["title"] for h in cli["hits"]]
    assert [h.doc for h in hits] == [h["doc"] for h in cli["hits"]]
    assert [float("%.6g" % h.score) for h in hits] == [h["score"] for h in cli["hits"]]


def test_hnsw_index_matches_collection_vector_side(demo, demo_index, demo_collection):
    """HNSWIndex built from the same vectors and profile = the collection's vector side."""
    idx = vajra.HNSWIndex(demo.vectors.shape[1], "ip", "fast")
    idx.add(demo.vectors)
    ids, scores = idx.search(demo.qvectors, k=10)
    expect = run_dump(demo_index, "vector", demo.queries_path, demo.qvectors_path, 10)
    got = [(qi, r + 1, str(int(ids[qi, r]) + 1), scores[qi, r])
           for qi in range(len(demo.qvectors)) for r in range(10)]
    # demo ids are "1".."1400" in file order: doc number + 1
    assert [g[:3] for g in got] == [e[:3] for e in expect]
    assert all(g[3].tobytes() == e[3].tobytes() for g, e in zip(got, expect))
    # and the vector side of the CLI's file, loaded as a bare index, answers the same
    loaded = vajra.HNSWIndex.load(demo_index)
    ids2, scores2 = loaded.search(demo.qvectors, k=10)
    assert np.array_equal(ids, ids2) and scores.tobytes() == scores2.tobytes()
