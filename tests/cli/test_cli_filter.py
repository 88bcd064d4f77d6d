#!/usr/bin/env python3
"""Filtered search from the command line on tests/data/cranfield100-attrs.jsonl (100 Cranfield
documents with lang, year, tags, rating and source attributes): `vajra index` infers the schema
(or takes --attr-schema), `vajra search --filter` returns only passing documents — checked against
the attributes read back here from the JSONL — `--with-attrs` prints them, malformed filters point
at the column, and attributes follow `vajra add --upsert`, `delete` and `compact`.

Usage: test_cli_filter.py VAJRA_BINARY   (env: VAJRA_PLUGIN_PATH)
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cli  # noqa: E402  (run(), and its valgrind wrapper)

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                       "cranfield100-attrs.jsonl")
TMP = None
DOCS = None  # id -> the JSON object of its line


def run(*args, check=None):
    return test_cli.run(*args, check=check)


def search(index, text, *extra, k=100):
    out = run("search", index, text, "-k", str(k), "--json", *extra, check=0).stdout
    return json.loads(out)["hits"]


class Filters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.index = os.path.join(TMP, "attrs.vjr")
        run("index", FIXTURE, "-o", cls.index, "-q", check=0)

    def check(self, expr, passes, text="flow boundary layer"):
        every = search(self.index, text)
        got = search(self.index, text, "--filter", expr, "--with-attrs")
        want = [h["id"] for h in every if passes(DOCS[h["id"]])]
        self.assertEqual([h["id"] for h in got], want, expr)
        for h in got:  # the attributes printed are the document's
            attrs = h["attrs"]
            for key in ("lang", "year", "tags"):
                self.assertEqual(attrs.get(key), DOCS[h["id"]].get(key), (expr, h["id"], key))
        return got

    def test_filters_equal_restricted_ranking(self):
        self.assertGreater(len(self.check('lang = "en"', lambda d: d.get("lang") == "en")), 3)
        self.check('year >= 1960 AND year < 1980',
                   lambda d: isinstance(d.get("year"), int) and 1960 <= d["year"] < 1980)
        self.check('tags = "boundary" OR lang != "en"',
                   lambda d: "boundary" in (d.get("tags") or []) or
                   ("lang" in d and d["lang"] != "en"))
        self.check('NOT EXISTS(year)', lambda d: d.get("year") is None)  # null = missing
        self.check('_id IN ["3", "50", "nope"]', lambda d: d["_id"] in ("3", "50"))
        self.assertEqual(self.check("year > 5000", lambda d: False), [])

    def test_info_shows_the_inferred_schema(self):
        info = json.loads(run("info", self.index, "--json", check=0).stdout)
        self.assertIn("lang:keyword", info["attributes"])
        self.assertIn("year:int", info["attributes"])

    def test_malformed_filter_points_at_the_column(self):
        p = run("search", self.index, "flow", "--filter", "year >= AND x", check=1)
        self.assertIn("column 9", p.stderr)
        self.assertIn("^", p.stderr)
        p = run("search", self.index, "flow", "--filter", 'colour = "red"', check=1)
        self.assertIn("colour", p.stderr)

    def test_declared_schema_refuses_wrong_types(self):
        bad = os.path.join(TMP, "bad.jsonl")
        with open(bad, "w") as f:
            f.write(json.dumps({"_id": "x1", "text": "flow", "year": "sixty"}) + "\n")
        out = os.path.join(TMP, "declared.vjr")
        p = run("index", bad, "-o", out, "--attr-schema", "year:int", check=1)
        self.assertIn("x1", p.stderr)
        self.assertIn("year", p.stderr)
        self.assertFalse(os.path.exists(out))

    def test_attributes_follow_live_writes(self):
        live = os.path.join(TMP, "live.vjr")
        shutil.copy(self.index, live)
        doc = dict(DOCS["3"])
        doc["lang"] = "xx"
        upd = os.path.join(TMP, "upd.jsonl")
        with open(upd, "w") as f:
            f.write(json.dumps(doc) + "\n")
        run("add", live, upd, "--upsert", "-q", check=0)
        run("delete", live, "50", "-q", check=0)
        for step in ("before", "after"):
            if step == "after":
                run("compact", live, "-q", check=0)
            ids = [h["id"] for h in search(live, "flow boundary layer", "--filter", 'lang = "xx"')]
            self.assertEqual(ids, ["3"], step)
            ids = [h["id"] for h in search(live, "flow", "--filter", '_id IN ["50"]')]
            self.assertEqual(ids, [], step)


if __name__ == "__main__":
    test_cli.VAJRA = os.path.abspath(sys.argv.pop(1))
    DOCS = {}
    with open(FIXTURE) as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                DOCS[d["_id"]] = d
    TMP = tempfile.mkdtemp(prefix="vajra-cli-filter-")
    try:
        unittest.main(verbosity=2)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
