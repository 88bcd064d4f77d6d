"""Collections with an embedder from Python (docs/embedders.md): create(embedder="lsa",
embedder_params={...}) takes documents without vectors, search(text, mode="vector"|"hybrid")
embeds the query, evaluate() runs every mode without query vectors, and a saved collection
answers as the `vajra` CLI does on the same file."""
import json

import numpy as np
import pytest

import vajra
from conftest import run_cli

N = 400  # the first 400 demo (Cranfield) documents: training at dim 32 takes well under a second


@pytest.fixture(scope="module")
def emb(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("emb") / "lsa.vjr"
    c = vajra.Collection.create(embedder="lsa", embedder_params={"dim": 32, "seed": 5})
    assert c.info["embedder"] == "embedder-lsa"
    assert c.info["embedder_model"] is None  # trains at the first commit
    c.add(demo.ids[:N], demo.texts[:N], titles=demo.titles[:N])
    c.commit()
    c.save(path)
    return c, path


def test_info_and_dim(emb):
    c, _ = emb
    info = c.info
    assert c.dim == 32 and info["dim"] == 32
    assert "lsa dim=32" in info["embedder_model"] and "seed=5" in info["embedder_model"]
    assert f"docs={N}" in info["embedder_model"]


def test_text_search_equals_cli(emb):
    c, path = emb
    for q in ("boundary layer transition", "heat transfer in hypersonic flow"):
        for mode in ("vector", "hybrid"):
            py = c.search(q, mode=mode, k=10, exact=True)
            cli = json.loads(run_cli("search", path, q, "--mode", mode, "--exact", "--json"))
            assert [h.id for h in py] == [h["id"] for h in cli["hits"]], (q, mode)
            np.testing.assert_allclose([h.score for h in py], [h["score"] for h in cli["hits"]],
                                       rtol=1e-5)
        reopened = vajra.Collection.open(path)
        assert reopened.search(q, mode="vector", k=10) == c.search(q, mode="vector", k=10)


def test_evaluate_without_query_vectors(emb, demo):
    c, _ = emb
    res = c.evaluate(demo.queries_path, demo.qrels_path, mode="all")
    assert [r["mode"] for r in res] == ["lexical", "vector", "hybrid"]
    assert all(r["recall@100"] > 0 for r in res)
    one = c.evaluate(demo.queries_path, demo.qrels_path, mode="vector")
    assert one == res[1]


def test_refusals(demo):
    with pytest.raises(vajra.NotFoundError):
        vajra.Collection.create(embedder="nope")
    with pytest.raises(vajra.InvalidArgumentError, match="colour"):
        vajra.Collection.create(embedder="lsa", embedder_params={"colour": "blue"})
    with pytest.raises(vajra.DimensionError):
        vajra.Collection.create(dim=8, embedder="lsa", embedder_params={"dim": 16})
    with pytest.raises(TypeError):
        vajra.Collection.create(embedder="lsa", embedder_params=[("dim", 16)])
    c = vajra.Collection.create(embedder="lsa", embedder_params={"dim": 8})
    with pytest.raises(vajra.InvalidArgumentError, match="embeds its documents"):
        c.add(demo.ids[:2], demo.texts[:2], np.ones((2, 8), dtype=np.float32))
    plain = vajra.Collection.create()
    plain.add(demo.ids[:5], demo.texts[:5])
    plain.commit()
    with pytest.raises(ValueError):
        plain.evaluate(demo.queries_path, demo.qrels_path, mode="vector")
