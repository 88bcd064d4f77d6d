"""Shared fixtures: the demo corpus, the `vajra` CLI and the C parity helper of this build."""
import json
import os
import subprocess

# The package must find its plugins by itself: no VAJRA_PLUGIN_PATH for it.
os.environ.pop("VAJRA_PLUGIN_PATH", None)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import vajra  # noqa: E402

DEMO = os.environ.get("VAJRA_DEMO_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "data", "demo"))
DATA = os.environ.get("VAJRA_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))


def tool_env():
    env = dict(os.environ)
    env["VAJRA_PLUGIN_PATH"] = os.environ.get("VAJRA_TEST_PLUGIN_PATH", "")
    return env


def _run(var, args):
    exe = os.environ.get(var)
    if not exe:
        pytest.skip(var + " not set (run through meson test)")
    r = subprocess.run([exe, *map(str, args)], env=tool_env(), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def run_cli(*args):
    """Run the build's `vajra` command; returns stdout (raises on failure)."""
    return _run("VAJRA_CLI", args)


def run_dump(*args):
    """Run the C parity helper; returns [(query, rank, id, float32 score)]."""
    rows = []
    for line in _run("VAJRA_PARITY_DUMP", args).splitlines():
        q, rank, did, score = line.split("\t")
        rows.append((int(q), int(rank), did, np.float32(score)))
    return rows


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def query_text(q):
    """The CLI's query text: title and text joined by a space."""
    t, x = q.get("title") or "", q.get("text") or ""
    return t + (" " if t and x else "") + x


class Corpus:
    def __init__(self, root, docs="corpus.jsonl", vecs="lsa128.docs.npy", qvecs="lsa128.queries.npy"):
        self.root = root
        self.corpus_path = os.path.join(root, docs)
        self.queries_path = os.path.join(root, "queries.jsonl")
        self.qrels_path = os.path.join(root, "qrels.tsv")
        self.vectors_path = os.path.join(root, vecs)
        self.qvectors_path = os.path.join(root, qvecs)
        self.docs = read_jsonl(self.corpus_path)
        self.ids = [str(d["_id"]) for d in self.docs]
        self.texts = [d.get("text") or "" for d in self.docs]
        self.titles = [d.get("title") for d in self.docs]
        self.vectors = np.load(self.vectors_path)
        self.queries = read_jsonl(self.queries_path)
        self.query_texts = [query_text(q) for q in self.queries]
        self.qvectors = np.load(self.qvectors_path)

    def build(self, **kw):
        c = vajra.Collection.create(dim=self.vectors.shape[1], **kw)
        c.add(self.ids, self.texts, self.vectors, self.titles)
        c.commit()
        return c


@pytest.fixture(scope="session")
def demo():
    return Corpus(DEMO)


@pytest.fixture(scope="session")
def cranfield():
    root = os.path.join(DATA, "cranfield")
    if not os.path.isdir(root):
        pytest.skip("../shared/data/cranfield is missing")
    return Corpus(root)


@pytest.fixture(scope="session")
def demo_index(demo, tmp_path_factory):
    """The demo corpus indexed by the CLI (`vajra index`, defaults)."""
    path = tmp_path_factory.mktemp("cli") / "demo.vjr"
    run_cli("index", demo.corpus_path, "--vectors", demo.vectors_path, "-o", path)
    return path


@pytest.fixture(scope="session")
def demo_collection(demo):
    return demo.build()
