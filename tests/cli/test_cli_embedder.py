#!/usr/bin/env python3
"""Vector and hybrid search from text alone on the command line (docs/embedders.md):
`vajra index --embedder table|lsa` on tests/data/cranfield100-attrs.jsonl, `vajra search --mode
vector|hybrid` with no query vector, `vajra eval` running all three modes, `vajra info` naming the
model, `vajra add/delete/compact` keeping the embedder, and the errors (vectors given with an
embedder, --dim not matching, vector search by text on an index without an embedder).

Usage: test_cli_embedder.py VAJRA_BINARY   (env: VAJRA_PLUGIN_PATH, VAJRA_TEST_DATA)
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cli  # noqa: E402  (run(), and its valgrind wrapper)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "data", "cranfield100-attrs.jsonl")
TABLE = os.path.join(HERE, "..", "data", "embedder", "table.txt")
TMP = None


def run(*args, check=None):
    return test_cli.run(*args, check=check)


def search(index, text, *extra, k=10):
    out = run("search", index, text, "-k", str(k), "--json", *extra, check=0).stdout
    return json.loads(out)["hits"]


class Embedder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.table = os.path.join(TMP, "table.vjr")
        run("index", FIXTURE, "-o", cls.table, "-q", "--embedder", "table",
            "--embedder-param", "table=" + TABLE, check=0)
        cls.lsa = os.path.join(TMP, "lsa.vjr")
        out = run("index", FIXTURE, "-o", cls.lsa, "--json", "--embedder", "lsa", "--dim", "16",
                  "--embedder-param", "seed=3", check=0).stdout
        cls.lsa_summary = json.loads(out)

    def test_index_and_info_name_the_model(self):
        self.assertEqual(self.lsa_summary["dim"], 16)
        self.assertIn("lsa dim=16", self.lsa_summary["embedder"])
        self.assertIn("seed=3", self.lsa_summary["embedder"])
        info = json.loads(run("info", self.lsa, "--json", check=0).stdout)
        self.assertEqual(info["embedder"], "embedder-lsa")
        self.assertIn("docs=100", info["embedder_model"])
        self.assertEqual(info["dim"], 16)
        self.assertIn("coll.emb.lsa.proj", [s["name"] for s in info["sections"]])
        text = run("info", self.table, check=0).stdout
        self.assertIn("Embedder:   embedder-table", text)

    def test_vector_and_hybrid_search_by_text(self):
        for index in (self.table, self.lsa):
            vec = search(index, "turbulent flow over the wing", "--mode", "vector", "--exact")
            self.assertEqual(len(vec), 10, index)
            self.assertGreater(vec[0]["score"], 0.3)
            lex = search(index, "turbulent flow over the wing")
            hyb = search(index, "turbulent flow over the wing", "--mode", "hybrid", "--exact")
            # RRF of the two lists: every hybrid hit's score is the sum of its reciprocal ranks.
            lr = {h["id"]: i + 1 for i, h in enumerate(search(
                index, "turbulent flow over the wing", k=100))}
            vr = {h["id"]: i + 1 for i, h in enumerate(search(
                index, "turbulent flow over the wing", "--mode", "vector", "--exact", k=100))}
            for h in hyb:
                want = sum(1.0 / (60 + r[h["id"]]) for r in (lr, vr) if h["id"] in r)
                self.assertAlmostEqual(h["score"], want, places=5)
            self.assertNotEqual([h["id"] for h in vec], [h["id"] for h in lex])

    def test_eval_runs_every_mode(self):
        queries = os.path.join(TMP, "q.jsonl")
        qrels = os.path.join(TMP, "qrels.tsv")
        with open(queries, "w") as f:
            f.write(json.dumps({"_id": "q1", "text": "slipstream wing lift"}) + "\n")
            f.write(json.dumps({"_id": "q2", "text": "boundary layer heat transfer"}) + "\n")
        with open(qrels, "w") as f:
            f.write("query-id\tcorpus-id\tscore\nq1\t1\t2\nq2\t5\t1\nq2\t6\t1\n")
        out = run("eval", self.lsa, "--queries", queries, "--qrels", qrels, "-k", "100",
                  "--exact", "--json", check=0).stdout
        modes = [m["mode"] for m in json.loads(out)]
        self.assertEqual(modes, ["lexical", "vector", "hybrid"])
        p = run("eval", self.lsa, "--queries", queries, "--qrels", qrels, "-k", "100",
                "--mode", "vector", "--json", check=0)
        self.assertGreater(json.loads(p.stdout)["recall@100"], 0)

    def test_live_writes_embed_new_text(self):
        live = os.path.join(TMP, "live.vjr")
        shutil.copy(self.table, live)
        upd = os.path.join(TMP, "upd.jsonl")
        with open(upd, "w") as f:
            f.write(json.dumps({"_id": "new1", "title": "", "text": "buckling plate"}) + "\n")
        run("add", live, upd, "-q", check=0)
        run("delete", live, "1", "-q", check=0)
        for step in ("before", "after"):
            if step == "after":
                run("compact", live, "-q", check=0)
            hits = search(live, "buckling of plates", "--mode", "vector", "--exact", k=100)
            ids = [h["id"] for h in hits]
            self.assertIn("new1", ids, step)
            self.assertAlmostEqual(hits[ids.index("new1")]["score"], 1.0, places=5)
            self.assertNotIn("1", ids, step)
        vecs = os.path.join(TMP, "v.jsonl")
        with open(vecs, "w") as f:
            f.write(json.dumps({"_id": "v1", "text": "flow", "emb": [1, 0, 0, 0]}) + "\n")
        p = run("add", live, vecs, "--vector-field", "emb", check=1)
        self.assertIn("embedder-table", p.stderr)

    def test_errors(self):
        out = os.path.join(TMP, "bad.vjr")
        p = run("index", FIXTURE, "-o", out, "--embedder", "table", "--dim", "8",
                "--embedder-param", "table=" + TABLE, check=1)
        self.assertIn("dim", p.stderr)  # the table's own keys: no "dim"
        p = run("index", FIXTURE, "-o", out, "--embedder", "nope", check=1)
        self.assertIn("embedder-nope", p.stderr)
        p = run("index", FIXTURE, "-o", out, "--dim", "8", check=2)
        self.assertFalse(os.path.exists(out))
        plain = os.path.join(TMP, "plain.vjr")
        run("index", FIXTURE, "-o", plain, "-q", check=0)
        p = run("search", plain, "wing", "--mode", "vector", check=1)
        self.assertIn("no embedder", p.stderr)


if __name__ == "__main__":
    test_cli.VAJRA = os.path.abspath(sys.argv.pop(1))
    TMP = tempfile.mkdtemp(prefix="vajra-cli-embedder-")
    try:
        unittest.main(verbosity=2)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
