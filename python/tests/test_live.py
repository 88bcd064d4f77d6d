"""Live collections through Python: writable open, upsert, delete, compact, promote (also with
vector_params), counts."""
import threading

import numpy as np
import pytest

import vajra


def small(demo, n=300):
    return demo.ids[:n], demo.texts[:n], demo.vectors[:n], demo.titles[:n]


def test_writable_lifecycle(demo, tmp_path):
    path = tmp_path / "live.vjr"
    ids, texts, vecs, titles = small(demo)
    c = vajra.Collection.create(path, dim=128)
    c.add(ids[:200], texts[:200], vecs[:200], titles[:200])
    c.commit()
    c.close()
    w = vajra.Collection.open(path, writable=True)
    assert w.counts["writable"] and not w.info["read_only"]
    with pytest.raises(vajra.BusyError):
        vajra.Collection.open(path, writable=True)
    w.add(ids[200:], texts[200:], vecs[200:], titles[200:])
    assert w.counts["staged_adds"] == 100 and len(w) == 200
    w.commit()
    assert len(w) == 300 and w.counts["segments"] == 2
    q = demo.qvectors[0]
    before = w.search(vector=q, k=5, exact=True)
    gone = before[0].id
    w.delete([gone])
    with pytest.raises(vajra.NotFoundError):
        w.delete(["no-such-id"])
    w.commit()
    after = w.search(vector=q, k=5, exact=True)
    assert gone not in [h.id for h in after] and len(w) == 299
    # upsert replaces: the document now says something else entirely
    w.upsert([before[1].id], ["zeppelin dirigible airship"], vecs[:1], ["replaced"])
    w.commit()
    hit = w.search("zeppelin dirigible", k=1)[0]
    assert hit.id == before[1].id and hit.title == "replaced"
    assert w.counts["deleted"] == 2
    w.compact()
    assert w.counts["segments"] == 1 and w.counts["deleted"] == 0 and len(w) == 299
    w.promote("quality")
    assert w.info["profile"] == "quality"
    w.close()
    # the file holds the last commit; it answers like a fresh build of the live documents
    r = vajra.Collection.open(path)
    assert len(r) == 299 and r.search("zeppelin dirigible", k=1)[0].title == "replaced"
    with pytest.raises(vajra.StateError):
        r.add(["x"], ["y"], vecs[:1])
    # a compacted collection file's vector side loads as a bare HNSWIndex
    h = vajra.HNSWIndex.load(path)
    assert len(h) == 299


def test_promote_vector_params(demo, tmp_path):
    # f32 rows now, sq8 rows later: for the promoted segment, later segments and the file
    path = tmp_path / "kv.vjr"
    ids, texts, vecs, titles = small(demo, 1000)
    c = vajra.Collection.create(path, dim=128, vector_params={"storage": "f32"})
    c.add(ids[:900], texts[:900], vecs[:900], titles[:900])
    c.commit()
    c.close()
    w = vajra.Collection.open(path, writable=True)
    qs = demo.qvectors[:50]

    def tops():
        return [[h.id for h in w.search(vector=q, k=10)] for q in qs]

    before, vp0, gen0 = tops(), w.info["vector_params"], w.counts["generation"]
    assert vp0["storage"] == "f32"
    for bad, needle in [({"storag": "sq8"}, "storag"), ({"storage": "f64"}, "storage"),
                        ({"M": 32}, "VajraCompactOptions.M")]:
        with pytest.raises(vajra.InvalidArgumentError, match=needle):
            w.promote(vector_params=bad)
        assert (w.info["vector_params"], w.counts["generation"]) == (vp0, gen0)
        assert tops() == before
    with pytest.raises(TypeError):
        w.promote(vector_params=[("storage", "sq8")])
    with pytest.raises(TypeError):  # compact takes no vector keys
        w.compact(vector_params={"storage": "sq8"})
    w.promote(vector_params={"storage": "sq8", "rerank": 0})  # values pass as str(value)
    vp = w.info["vector_params"]
    assert (vp["storage"], vp["rerank"]) == ("sq8", "0")
    assert {k: vp[k] for k in ("M", "ef_construction", "ef_search", "seed")} == \
        {k: vp0[k] for k in ("M", "ef_construction", "ef_search", "seed")}
    assert w.info["profile"] == "fast"
    after = tops()
    # sq8 rows reorder near ties only: measured 497/500 of the top-10 kept; bound 0.9
    kept = sum(len(set(a) & set(b)) for a, b in zip(before, after))
    assert kept >= 0.9 * sum(len(a) for a in before), kept
    w.add(ids[900:], texts[900:], vecs[900:], titles[900:])  # a later segment: sq8 too
    w.commit()
    assert w.counts["segments"] == 2 and w.info["vector_params"]["storage"] == "sq8"
    live = tops()
    w.close()
    r = vajra.Collection.open(path)
    assert r.info["vector_params"]["storage"] == "sq8"
    assert [[h.id for h in r.search(vector=q, k=10)] for q in qs] == live


def test_searches_run_during_commits(demo, tmp_path):
    ids, texts, vecs, titles = small(demo, 600)
    c = vajra.Collection.create(dim=128, threads=1)
    c.add(ids[:100], texts[:100], vecs[:100], titles[:100])
    c.commit()
    stop = threading.Event()
    seen = []
    errors = []

    def reader():
        try:
            while not stop.is_set():
                n = len(c.search_batch(demo.query_texts[:8], demo.qvectors[:8], k=5, threads=1)[0])
                seen.append(len(c))
                assert n == 5
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    t = threading.Thread(target=reader)
    t.start()
    for start in range(100, 600, 100):
        c.add(ids[start:start + 100], texts[start:start + 100], vecs[start:start + 100],
              titles[start:start + 100])
        c.commit()
    stop.set()
    t.join()
    assert not errors
    assert seen == sorted(seen) and all(s % 100 == 0 for s in seen)  # never half a batch
    assert len(c) == 600


def test_auto_storage_answers_as_f32_through_the_lifecycle(demo, tmp_path):
    """A collection's vector segments take the default storage 'auto': with binary16 vectors
    they keep f16 rows. Through commits, deletes, upserts, compaction, save and reopen, and then
    rows that are not binary16, it answers as the same collection asked for f32 rows (the same
    ids; scores within the SIMD summation-order tolerance of the f32 parity tests)."""
    ids, texts, vecs, titles = small(demo, 400)
    vecs = vecs.astype(np.float16).astype(np.float32)  # binary16 values, as f16 embedding files
    queries = demo.qvectors[:25]
    paths = {"auto": tmp_path / "auto.vjr", "f32": tmp_path / "f32.vjr"}
    cols = {"auto": vajra.Collection.create(paths["auto"], dim=128),
            "f32": vajra.Collection.create(paths["f32"], dim=128,
                                           vector_params={"storage": "f32"})}
    assert cols["auto"].info["vector_params"]["storage"] == "auto"

    def same_answers(where):
        for i, q in enumerate(queries):
            for kw in ({"vector": q}, {"vector": q, "exact": True},
                       {"text": demo.query_texts[i], "vector": q, "mode": "hybrid"}):
                a, b = (cols[s].search(k=10, **kw) for s in ("auto", "f32"))
                assert [h.id for h in a] == [h.id for h in b], (where, i, kw.keys())
                assert np.allclose([h.score for h in a], [h.score for h in b],
                                   rtol=1e-5, atol=1e-6), (where, i)

    for c in cols.values():
        c.add(ids[:250], texts[:250], vecs[:250], titles[:250])
        c.commit()
        c.add(ids[250:], texts[250:], vecs[250:], titles[250:])
        c.commit()
    same_answers("two segments")
    for c in cols.values():
        c.delete(ids[:30])
        c.upsert(ids[40:45], texts[40:45], vecs[300:305], titles[40:45])
        c.commit()
    same_answers("deletes and upserts")
    for c in cols.values():
        c.compact()
        c.close()
    cols = {s: vajra.Collection.open(p, writable=True) for s, p in paths.items()}
    same_answers("compacted, reopened")
    off = vecs[:20] * np.float32(1 + 2 ** -12)  # not binary16: these rows stay f32
    for c in cols.values():
        c.add([f"off{i}" for i in range(20)], texts[:20], off, titles[:20])
        c.commit()
        c.compact()
    same_answers("rows that are not binary16")
    for c in cols.values():
        c.close()
