"""Live collections through Python: writable open, upsert, delete, compact, promote, counts."""
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
