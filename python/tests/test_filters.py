"""Attribute filters through Python: filtered search = the unfiltered ranking restricted to the
documents that pass, bit for bit, in every mode."""
import numpy as np
import pytest

import vajra


def attrs_of(doc_id):
    n = int(doc_id)
    a = {"year": 1950 + n % 40, "lang": "en" if n % 3 else "fr"}
    if n % 5 == 0:
        a["tags"] = ["wing"] if n % 2 else ["flow", "wing"]
    return a


def passes(a):
    return a["lang"] == "en" and a["year"] >= 1960


FILTER = 'lang = "en" AND year >= 1960'


@pytest.fixture(scope="module")
def coll(demo):
    c = vajra.Collection.create(dim=128, attr_schema="lang:keyword, year:int, tags:tags")
    c.add(demo.ids, demo.texts, demo.vectors, demo.titles,
          attrs=[attrs_of(i) for i in demo.ids])
    c.commit()
    return c


@pytest.mark.parametrize("mode", ["lexical", "vector"])
def test_filtered_equals_restricted_ranking(demo, coll, mode):
    n = len(demo.ids)
    for qi in range(0, len(demo.queries), 45):
        text = demo.query_texts[qi] if mode == "lexical" else None
        vec = demo.qvectors[qi] if mode == "vector" else None
        full = coll.search(text, vec, k=n, mode=mode, exact=True)
        allowed = [h for h in full if passes(attrs_of(h.id))][:10]
        got = coll.search(text, vec, k=10, mode=mode, exact=True, filter=FILTER, with_attrs=True)
        assert [(h.id, h.score) for h in got] == [(h.id, h.score) for h in allowed]
        assert all(h.attrs == attrs_of(h.id) for h in got)


def test_filters_in_batch_and_hybrid(demo, coll):
    batch = coll.search_batch(demo.query_texts[:20], demo.qvectors[:20], k=10, filter=FILTER)
    for qi, hits in enumerate(batch):
        assert all(passes(attrs_of(h.id)) for h in hits)
        assert hits == coll.search(demo.query_texts[qi], demo.qvectors[qi], k=10, filter=FILTER)
    tagged = coll.search("wing", k=50, filter='tags = "flow"', with_attrs=True)
    assert tagged and all("flow" in h.attrs["tags"] for h in tagged)
    assert coll.search("wing", k=3, filter="FALSE") == []
    r = coll.evaluate(demo.queries_path, demo.qrels_path, filter=FILTER)
    assert 0 < r["ndcg@10"] < coll.evaluate(demo.queries_path, demo.qrels_path)["ndcg@10"]


def test_filter_errors(coll):
    with pytest.raises(vajra.InvalidArgumentError, match="column"):
        coll.search("wing", filter="lang = ")
    with pytest.raises(vajra.NotFoundError):
        coll.search("wing", filter="color = 3")
    with pytest.raises(vajra.TypeMismatchError):
        coll.search("wing", filter='year = "old"')
    with pytest.raises(TypeError):
        coll.search("wing", filter=5)
    with pytest.raises(TypeError):
        coll.add(["x"], ["y"], np.ones((1, 128)), attrs=[3])
    with pytest.raises(ValueError):
        coll.add(["x"], ["y"], np.ones((1, 128)), attrs=[{}, {}])
    with pytest.raises(vajra.Error):
        coll.add(["x"], ["y"], np.ones((1, 128)), attrs=["not json"])
    hits = coll.search("wing", k=2)
    assert hits[0].attrs is None and len(hits[0]) == 4
