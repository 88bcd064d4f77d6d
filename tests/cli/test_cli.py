#!/usr/bin/env python3
"""The `vajra` command line, end to end on Cranfield: every command, --help, the pinned --json
keys, input errors naming file and line with a non-zero exit, and no half-written output.

Usage: test_cli.py VAJRA_BINARY   (env: VAJRA_PLUGIN_PATH, VAJRA_DATA_DIR)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

VAJRA = None
DATA = None
CRAN = None
TMP = None
INDEX = None

COMMANDS = ["index", "search", "eval", "bench", "parity", "info", "plugins"]


def valgrind_wrapper():
    """Under `meson test --setup valgrind` this script itself runs in memcheck (LD_PRELOAD holds
    valgrind's preload); then every vajra run is checked by memcheck too (exit 99 on an error)."""
    preload = os.environ.get("LD_PRELOAD", "")
    if "vgpreload" not in preload:
        return [], None
    env = dict(os.environ)
    env["LD_PRELOAD"] = ":".join(p for p in preload.split(":") if "vgpreload" not in p)
    return ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
            "--quiet"], env


WRAPPER, CHILD_ENV = valgrind_wrapper()


def run(*args, check=None, env=None, input=None):
    """Run vajra; `env` (a dict) replaces or, with None values, removes environment variables."""
    child_env = CHILD_ENV
    if env is not None:
        child_env = dict(CHILD_ENV or os.environ)
        for k, v in env.items():
            if v is None:
                child_env.pop(k, None)
            else:
                child_env[k] = v
    p = subprocess.run([*WRAPPER, VAJRA, *args], capture_output=True, text=True, timeout=3000,
                       env=child_env, input=input)
    if check is not None:
        assert p.returncode == check, (
            f"vajra {' '.join(args)}: exit {p.returncode}, want {check}\n"
            f"stdout: {p.stdout[:2000]}\nstderr: {p.stderr[:2000]}")
    return p


def run_json(*args):
    return json.loads(run(*args, "--json", check=0).stdout)


def cran(name):
    return os.path.join(CRAN, name)


def setUpModule():
    global TMP, INDEX
    TMP = tempfile.mkdtemp(prefix="vajra-cli-")
    INDEX = os.path.join(TMP, "cran.vjr")
    p = run("index", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"), "-o", INDEX,
            check=0)
    # stderr is not a terminal here: no progress bar, no noise.
    assert p.stderr == "", p.stderr


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def npy(path):
    """Rows of a float32 .npy file, as tuples (no numpy needed)."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    hlen = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + hlen].decode()
    shape = eval(header[header.index("("): header.index(")") + 1])
    vals = struct.unpack("<%df" % (shape[0] * shape[1]), data[10 + hlen:])
    return [vals[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])]


def brute_force(docs, q, k=10):
    """Row numbers of the k best inner products, ties by row (Vajra's canonical order)."""
    scores = sorted((-sum(a * b for a, b in zip(d, q)), i) for i, d in enumerate(docs))
    return [i for _, i in scores[:k]]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def first_query():
    with open(cran("queries.jsonl"), encoding="utf-8") as f:
        return json.loads(f.readline())["text"]


class Help(unittest.TestCase):
    def test_top_level(self):
        out = run("--help", check=0).stdout
        for c in COMMANDS:
            self.assertIn(c, out)
        self.assertEqual(run(check=2).stdout, "")
        self.assertEqual(run("frobnicate", check=2).stdout, "")

    def test_every_command_has_help(self):
        for c in COMMANDS:
            out = run(c, "--help", check=0).stdout
            self.assertTrue(out.startswith(f"Usage: vajra {c}"), c)
            if c != "plugins" and c != "index":
                self.assertIn("--storage", out, c)

    def test_usage_errors_exit_2(self):
        run("search", check=2)
        run("search", INDEX, "text", "--mode", "sideways", check=2)
        run("eval", INDEX, check=2)
        run("index", cran("corpus.jsonl"), check=2)  # no -o
        run("bench", INDEX, "--queries", cran("queries.jsonl"), "-k", "0", check=2)


class Plugins(unittest.TestCase):
    def test_json(self):
        j = run_json("plugins")
        names = {p["name"]: p for p in j["plugins"]}
        for n in ["lexical-bm25", "scorer-bm25", "vector-hnsw", "storage-file", "storage-mmap",
                  "kernel-scalar"]:
            self.assertIn(n, names)
        self.assertEqual(names["lexical-bm25"]["kind"], "lexical")
        self.assertRegex(names["vector-hnsw"]["abi"], r"^\d+\.\d+$")
        self.assertTrue(os.path.isfile(names["scorer-bm25"]["file"]))
        self.assertIn(j["kernel"]["isa"], ["scalar", "avx2", "avx512", "avx512vnni", "neon"])
        self.assertIsInstance(j["cpu_features"], list)

    def test_text(self):
        out = run("plugins", check=0).stdout
        self.assertIn("Kernel:", out)
        self.assertIn("vector-hnsw", out)

    def test_embedder_kind(self):
        names = {p["name"]: p for p in run_json("plugins")["plugins"]}
        if "embedder-lsa" in names:  # built when LAPACK is installed
            self.assertEqual(names["embedder-lsa"]["kind"], "embedder")
            self.assertEqual(names["embedder-lsa"]["kind_id"], 6)

    def test_unknown_kinds_listed(self):
        """Kinds are open: a plugin of a kind this build does not know is listed by its declared
        kind name; one that cannot load (kind 0) is listed as skipped with the reason."""
        fixtures = os.environ.get("VAJRA_FIXTURE_DIR")
        if not fixtures:
            self.skipTest("VAJRA_FIXTURE_DIR not set")
        env = {"VAJRA_PLUGIN_PATH": fixtures + ":" + os.environ.get("VAJRA_PLUGIN_PATH", "")}
        j = json.loads(run("plugins", "--json", check=0, env=env).stdout)
        names = {p["name"]: p for p in j["plugins"]}
        self.assertEqual(names["fixture-newkind"]["kind"], "reranker")
        self.assertEqual(names["fixture-newkind"]["kind_id"], 4242)
        self.assertEqual(names["fixture-v10"]["kind"], "scorer")
        skipped = {os.path.basename(s["file"]): s["error"] for s in j["skipped"]}
        self.assertIn("kind 0", skipped["fixture-kind0.so"])
        self.assertIn("reranker", run("plugins", check=0, env=env).stdout)


class Languages(unittest.TestCase):
    """--language (and its alias --stemmer): CJK bigrams, a Snowball language, refusals, info."""

    def lang(self, name):
        return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "lang", name)

    def test_chinese_bigrams(self):
        idx = os.path.join(TMP, "zh.vjr")
        run("index", self.lang("zh.jsonl"), "-o", idx, "--language", "chinese", check=0)
        j = run_json("search", idx, "首都", "--mode", "lexical")
        ids = sorted(h["id"] for h in j["hits"])
        self.assertEqual(ids, ["zh1", "zh2"])
        self.assertEqual(run_json("info", idx)["language"], "chinese")
        self.assertIn("Language:   chinese", run("info", idx, check=0).stdout)

    def test_stemmer_alias_and_refusal(self):
        idx = os.path.join(TMP, "fr.vjr")
        run("index", self.lang("fr.jsonl"), "-o", idx, "--stemmer", "fr", check=0)
        self.assertEqual(run_json("info", idx)["language"], "french")
        j = run_json("search", idx, "écoulement turbulent", "--mode", "lexical")
        self.assertEqual(j["hits"][0]["id"], "fr1")
        run("index", self.lang("fr.jsonl"), "-o", idx, "--stemmer", "porter", check=0)
        self.assertEqual(run_json("info", idx)["language"], "porter")
        p = run("index", self.lang("fr.jsonl"), "-o", idx, "--language", "klingon", check=1)
        self.assertIn("unknown language", p.stderr)
        self.assertEqual(run_json("info", INDEX)["language"], "english")


class Info(unittest.TestCase):
    def test_json(self):
        j = run_json("info", INDEX)
        self.assertEqual(j["docs"], 1400)
        self.assertEqual(j["dim"], 128)
        self.assertEqual(j["metric"], "ip")
        self.assertEqual(j["profile"], "fast")
        self.assertEqual(j["bytes"], os.path.getsize(INDEX))
        names = [s["name"] for s in j["sections"]]
        self.assertIn("coll.meta", names)
        # format 2: each segment's sections carry its prefix ("s0.lex.meta")
        self.assertTrue(any(re.match(r"s\d+\.lex\.", n) for n in names))
        self.assertTrue(any(re.match(r"s\d+\.hnsw\.", n) for n in names))

    def test_file_and_mmap_agree(self):
        a = run_json("info", INDEX, "--storage", "file")
        b = run_json("info", INDEX, "--storage", "mmap")
        self.assertEqual(a, b)


class Search(unittest.TestCase):
    def search(self, *args):
        return run_json("search", INDEX, *args)

    def test_three_modes(self):
        q = first_query()
        qv = cran("lsa128.queries.npy") + ":0"
        lex = self.search(q, "-k", "5")
        vec = self.search("--query-vector", qv, "-k", "5")
        hyb = self.search(q, "--query-vector", qv, "-k", "5")
        self.assertEqual((lex["mode"], vec["mode"], hyb["mode"]), ("lexical", "vector", "hybrid"))
        # Hybrid is the composite fuse ∘ ⟨lexical ∘ π₀, vector ∘ π₁⟩, and says so.
        self.assertEqual(hyb["retriever"],
                         "(rrf(k=60) ∘ ⟨(%s ∘ π0), (%s ∘ π1)⟩)" % (lex["retriever"],
                                                                  vec["retriever"]))
        for r in (lex, vec, hyb):
            self.assertEqual(len(r["hits"]), 5)
            self.assertEqual([h["rank"] for h in r["hits"]], [1, 2, 3, 4, 5])
            scores = [h["score"] for h in r["hits"]]
            self.assertEqual(scores, sorted(scores, reverse=True))
            for h in r["hits"]:
                self.assertTrue(h["title"])
        # Hybrid top hits come from the two sides' candidates (depth 50 each by default).
        deep_l = {h["id"] for h in self.search(q, "-k", "100")["hits"]}
        deep_v = {h["id"] for h in self.search("--query-vector", qv, "-k", "100")["hits"]}
        for h in hyb["hits"]:
            self.assertTrue(h["id"] in deep_l or h["id"] in deep_v)
        # RRF with k=60: a document first on both sides scores 2/61.
        if lex["hits"][0]["id"] == vec["hits"][0]["id"]:
            self.assertAlmostEqual(hyb["hits"][0]["score"], 2 / 61, places=5)

    def test_query_row_forms_agree(self):
        a = self.search("--query-vector", cran("lsa128.queries.npy") + ":7")
        b = self.search("--query-vector", cran("lsa128.queries.npy"), "--query-row", "7")
        c = self.search("--query-vector", cran("lsa128.queries.npy"))  # row 0
        self.assertEqual(a, b)
        self.assertNotEqual(a["hits"], c["hits"])

    def test_exact_vector_matches_brute_force(self):
        # The same ranking computed here in Python from the .npy files (float32 dot products).
        want = brute_force(npy(cran("lsa128.docs.npy")), npy(cran("lsa128.queries.npy"))[3])
        got = self.search("--query-vector", cran("lsa128.queries.npy") + ":3", "--exact")
        self.assertEqual([h["doc"] for h in got["hits"]], want)

    def test_fusion_options(self):
        q = first_query()
        qv = cran("lsa128.queries.npy") + ":0"
        for f in ["rrf", "minmax", "zscore"]:
            r = self.search(q, "--query-vector", qv, "--fusion", f, "--weight", "0.3")
            self.assertEqual(len(r["hits"]), 10)
        # Weight 1 on the lexical side gives the lexical ranking.
        lex = self.search(q)
        w1 = self.search(q, "--query-vector", qv, "--fusion", "minmax", "--weight", "1")
        self.assertEqual([h["id"] for h in lex["hits"]], [h["id"] for h in w1["hits"]])

    def test_text_output_prints_titles(self):
        out = run("search", INDEX, first_query(), "-k", "3", check=0).stdout.splitlines()
        self.assertEqual(len(out), 3)
        self.assertTrue(out[0].lstrip().startswith("1."))

    def test_errors(self):
        p = run("search", INDEX, "--query-vector", cran("lsa128.queries.npy") + ":5000", check=1)
        self.assertIn("out of range", p.stderr)
        bad = os.path.join(TMP, "wrongdim.fvecs")
        with open(bad, "wb") as f:
            import struct
            f.write(struct.pack("<i3f", 3, 1.0, 2.0, 3.0))
        p = run("search", INDEX, "--query-vector", bad, check=1)
        self.assertIn("dimension", p.stderr)
        self.assertIn(bad, p.stderr)
        p = run("search", os.path.join(TMP, "missing.vjr"), "x", check=1)
        self.assertIn("missing.vjr", p.stderr)
        self.assertEqual(p.stdout, "")


class Eval(unittest.TestCase):
    KEYS = {"ndcg@10", "recall@100", "mrr@10", "map"}

    def test_all_modes(self):
        r = run_json("eval", INDEX, "--queries", cran("queries.jsonl"), "--qrels",
                     cran("qrels.tsv"), "--query-vectors", cran("lsa128.queries.npy"))
        self.assertEqual([x["mode"] for x in r], ["lexical", "vector", "hybrid"])
        for x in r:
            self.assertTrue(self.KEYS <= set(x))
            self.assertEqual(x["queries"], 225)
            for k in self.KEYS:
                self.assertTrue(0 < x[k] < 1, (x["mode"], k, x[k]))
        # ../shared/data/README.md: Xapian BM25 scores nDCG@10 0.340 on these queries.
        self.assertGreaterEqual(r[0]["ndcg@10"], 0.340)

    def test_single_mode_is_an_object(self):
        r = run_json("eval", INDEX, "--queries", cran("queries.jsonl"), "--qrels",
                     cran("qrels.tsv"), "--mode", "lexical")
        self.assertEqual(r["mode"], "lexical")
        self.assertTrue(self.KEYS <= set(r))

    def test_vector_count_mismatch(self):
        p = run("eval", INDEX, "--queries", cran("queries.jsonl"), "--qrels", cran("qrels.tsv"),
                "--query-vectors", cran("lsa128.docs.npy"), check=1)
        self.assertIn("lsa128.docs.npy", p.stderr)
        self.assertIn("1400 vectors for 225 queries", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_bad_qrels_line(self):
        q = write("bad.qrels", "query-id\tcorpus-id\tscore\n1\t184\t2\n1\t29\n")
        p = run("eval", INDEX, "--queries", cran("queries.jsonl"), "--qrels", q, check=1)
        self.assertIn("bad.qrels:3", p.stderr)


class Bench(unittest.TestCase):
    KEYS = {"build_s", "p50_ms", "p95_ms", "qps", "recall@10"}

    def test_open_index(self):
        r = run_json("bench", INDEX, "--queries", cran("queries.jsonl"), "--mode", "lexical",
                     "--repeat", "1")
        self.assertTrue(self.KEYS <= set(r))
        self.assertIsNone(r["build_s"])  # opened, not built
        self.assertIsNone(r["depth"])  # lexical: no fusion depth
        self.assertEqual(r["recall@10"], 1)  # pruned BM25 is exact
        self.assertGreater(r["qps"], 0)
        self.assertLessEqual(r["p50_ms"], r["p95_ms"])

    def test_build_from_documents(self):
        r = run_json("bench", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"),
                     "--queries", cran("queries.jsonl"), "--query-vectors",
                     cran("lsa128.queries.npy"), "--repeat", "1", "--max-queries", "50")
        self.assertEqual(r["mode"], "hybrid")
        self.assertEqual(r["queries"], 50)
        self.assertEqual(r["depth"], 50)  # the library's and `vajra search`'s default, max(k, 50)
        self.assertGreater(r["build_s"], 0)
        self.assertGreater(r["recall@10"], 0.8)


class Parity(unittest.TestCase):
    def test_cranfield(self):
        r = run_json("parity", INDEX, "--queries", cran("queries.jsonl"), "--query-vectors",
                     cran("lsa128.queries.npy"), "--random", "200")
        self.assertTrue(r["ok"])
        self.assertEqual(r["lexical"]["queries"], 425)
        self.assertEqual(r["lexical"]["mismatches"], 0)
        self.assertEqual(r["vector"]["queries"], 225)


class VectorIndexes(unittest.TestCase):
    """--vector-plugin / --vector-param: another vector index (vector-flat, exact) end to end."""

    @classmethod
    def setUpClass(cls):
        cls.flat = os.path.join(TMP, "flat.vjr")
        run("index", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"), "-o", cls.flat,
            "--vector-plugin", "vector-flat", "--vector-param", "storage=f32", check=0)

    def test_info(self):
        j = run_json("info", self.flat)
        self.assertEqual(j["vector_plugin"], "vector-flat")
        self.assertIsNone(j["profile"])
        self.assertEqual(j["vector_params"], {"storage": "f32"})
        self.assertIsNone(j["hnsw"])
        names = [s["name"] for s in j["sections"]]
        self.assertTrue(any(re.match(r"s\d+\.flat\.rows$", n) for n in names))
        self.assertIn("vector-flat (storage=f32)", run("info", self.flat, check=0).stdout)
        # HNSW's own parameters are key/values too
        h = run_json("info", INDEX)
        self.assertEqual(h["vector_params"],
                         {"M": "16", "ef_construction": "128", "ef_search": "128", "seed": "42",
                          "storage": "auto", "rerank": "0"})

    def test_exact_search_matches_hnsw_exact(self):
        qv = cran("lsa128.queries.npy")
        for row in range(0, 225, 45):
            a = run_json("search", self.flat, "--query-vector", "%s:%d" % (qv, row), "-k", "10")
            b = run_json("search", INDEX, "--query-vector", "%s:%d" % (qv, row), "-k", "10",
                         "--exact")
            self.assertEqual([h["id"] for h in a["hits"]], [h["id"] for h in b["hits"]])
            self.assertEqual([h["score"] for h in a["hits"]], [h["score"] for h in b["hits"]])
        hyb = run_json("search", self.flat, first_query(), "--query-vector", qv + ":0", "-k", "5")
        self.assertEqual(hyb["mode"], "hybrid")
        self.assertEqual(len(hyb["hits"]), 5)

    def test_eval_is_exact(self):
        args = ["--queries", cran("queries.jsonl"), "--qrels", cran("qrels.tsv"),
                "--query-vectors", cran("lsa128.queries.npy"), "--mode", "vector"]
        r = run_json("eval", self.flat, *args)
        e = run_json("eval", INDEX, *args, "--exact")
        a = run_json("eval", INDEX, *args)
        for k in ("ndcg@10", "recall@100", "mrr@10", "map"):
            self.assertEqual(r[k], e[k], k)
        self.assertGreaterEqual(r["recall@100"], a["recall@100"])

    def test_parity_without_a_graph(self):
        p = run("parity", self.flat, "--query-vectors", cran("lsa128.queries.npy"), "--json",
                check=0)
        self.assertTrue(json.loads(p.stdout)["ok"])
        self.assertIn("offers no graph", p.stderr)

    def test_f16_and_refusals(self):
        idx = os.path.join(TMP, "flat16.vjr")
        run("index", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"), "-o", idx,
            "--vector-plugin", "vector-flat", "--vector-param", "storage=f16", check=0)
        self.assertEqual(run_json("info", idx)["vector_params"], {"storage": "f16"})
        p = run("index", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"), "-o", idx,
                "--vector-plugin", "vector-flat", "--vector-param", "M=16", check=1)
        self.assertIn('"M"', p.stderr)
        p = run("index", cran("corpus.jsonl"), "-o", idx, "--vector-param", "storage", check=2)
        self.assertIn("KEY=VALUE", p.stderr)
        p = run("index", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"), "-o", idx,
                "--vector-plugin", "vector-nope", check=1)
        self.assertIn("vector-nope", p.stderr)
        # the f16 file was left as it was
        self.assertEqual(run_json("info", idx)["vector_params"], {"storage": "f16"})
        # HNSW: a key/value wins over the shorthand
        run("index", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"), "-o", idx,
            "--M", "12", "--vector-param", "M=20", "--vector-param", "seed=5", check=0)
        self.assertEqual(run_json("info", idx)["hnsw"]["M"], 20)
        self.assertEqual(run_json("info", idx)["vector_params"]["seed"], "5")


class IndexErrors(unittest.TestCase):
    def index_fails(self, docs, *extra, out=None):
        out = out or os.path.join(TMP, "never.vjr")
        p = run("index", docs, "-o", out, *extra, check=1)
        self.assertEqual(p.stdout, "")
        return p

    def assert_no_temp_files(self):
        self.assertEqual([f for f in os.listdir(TMP) if ".tmp." in f], [])

    def test_bad_json_names_file_and_line(self):
        d = write("badjson.jsonl", '{"_id": "a", "text": "x"}\n{"_id": "b", "text": }\n')
        p = self.index_fails(d)
        self.assertIn("badjson.jsonl:2", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(TMP, "never.vjr")))

    def test_missing_id(self):
        d = write("noid.jsonl", '{"_id": "a", "text": "x"}\n{"_id": "b"}\n{"text": "y"}\n')
        p = self.index_fails(d)
        self.assertIn("noid.jsonl:3", p.stderr)

    def test_duplicate_id(self):
        d = write("dup.jsonl", '{"_id": "a", "text": "x"}\n{"_id": "b"}\n{"_id": "a"}\n')
        p = self.index_fails(d)
        self.assertIn("dup.jsonl", p.stderr)
        self.assertIn('"a"', p.stderr)

    def test_vector_count(self):
        p = self.index_fails(cran("corpus.jsonl"), "--vectors", cran("lsa128.queries.npy"))
        self.assertIn("lsa128.queries.npy", p.stderr)
        self.assertIn("225 vectors for 1400 documents", p.stderr)

    def test_vector_field_dimension(self):
        d = write("vf.jsonl", '{"_id": "a", "text": "x", "v": [1, 2]}\n'
                              '{"_id": "b", "text": "y", "v": [1, 2, 3]}\n')
        p = self.index_fails(d, "--vector-field", "v")
        self.assertIn("vf.jsonl:2", p.stderr)

    def test_failure_keeps_old_index(self):
        out = os.path.join(TMP, "keep.vjr")
        small = write("small.jsonl", '{"_id": "a", "title": "Alpha", "text": "first doc"}\n')
        run("index", small, "-o", out, check=0)
        with open(out, "rb") as f:
            before = f.read()
        d = write("bad2.jsonl", '{"_id": "a", "text": "x"}\nnot json\n')
        self.index_fails(d, out=out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assert_no_temp_files()
        r = run_json("search", out, "first")
        self.assertEqual(r["hits"][0]["title"], "Alpha")

    def test_vector_field_index_and_search(self):
        d = write("vecs.jsonl", '{"_id": "x", "title": "East", "text": "sun rises", "v": [1, 0]}\n'
                                '{"_id": "y", "title": "North", "text": "star", "v": [0, 1]}\n')
        out = os.path.join(TMP, "vecs.vjr")
        j = run_json("index", d, "--vector-field", "v", "-o", out)
        self.assertEqual((j["docs"], j["dim"]), (2, 2))
        q = os.path.join(TMP, "q.fvecs")
        import struct
        with open(q, "wb") as f:
            f.write(struct.pack("<i2f", 2, 0.1, 0.9))
        r = run_json("search", out, "--query-vector", q)
        self.assertEqual([h["id"] for h in r["hits"]], ["y", "x"])

    def test_same_input_same_bytes(self):
        a, b = os.path.join(TMP, "det1.vjr"), os.path.join(TMP, "det2.vjr")
        run("index", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"), "-o", a,
            "--threads", "1", check=0)
        run("index", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"), "-o", b,
            "--threads", "2", "--storage", "mmap", check=0)
        with open(a, "rb") as f1, open(b, "rb") as f2:
            self.assertEqual(f1.read(), f2.read())

def plugin_files():
    """name -> file of every plugin the test environment's search path holds."""
    return {p["name"]: p["file"] for p in run_json("plugins")["plugins"]}


def lexical_index():
    """A lexical-only index of Cranfield (made once)."""
    path = os.path.join(TMP, "lexical-only.vjr")
    if not os.path.exists(path):
        run("index", cran("corpus.jsonl"), "-o", path, check=0)
    return path


class Uninstalled(unittest.TestCase):
    def test_finds_build_tree_plugins_without_environment(self):
        # The binary under test runs from its build directory: with no VAJRA_PLUGIN_PATH it still
        # loads the build tree's plugins (not an installed copy), and it can index and search.
        j = json.loads(run("plugins", "--json", check=0,
                           env={"VAJRA_PLUGIN_PATH": None}).stdout)
        files = {p["name"]: p["file"] for p in j["plugins"]}
        build_root = os.path.dirname(os.path.dirname(os.path.dirname(VAJRA)))
        for n in ["lexical-bm25", "scorer-bm25", "vector-hnsw", "storage-mmap"]:
            self.assertIn(n, files)
            self.assertTrue(files[n].startswith(build_root + os.sep), files[n])
        out = os.path.join(TMP, "noenv.vjr")
        run("index", cran("corpus.jsonl"), "-o", out, "--limit", "50", check=0,
            env={"VAJRA_PLUGIN_PATH": None})
        r = json.loads(run("search", out, "flow", "--json", check=0,
                           env={"VAJRA_PLUGIN_PATH": None}).stdout)
        self.assertEqual(r["mode"], "lexical")

    def test_environment_still_wins(self):
        # An explicit VAJRA_PLUGIN_PATH is searched instead of the build tree.
        empty = tempfile.mkdtemp(dir=TMP)
        j = json.loads(run("plugins", "--json", check=0,
                           env={"VAJRA_PLUGIN_PATH": empty}).stdout)
        self.assertTrue(j["search_path"].startswith(empty + ":"), j["search_path"])
        self.assertNotIn(os.path.dirname(plugin_files()["lexical-bm25"]), j["search_path"])


class VectorsOnly(unittest.TestCase):
    """GloVe/SIFT-style data: vectors with no JSONL."""

    @classmethod
    def setUpClass(cls):
        cls.index = os.path.join(TMP, "vectors-only.vjr")
        j = run_json("index", "--vectors", cran("lsa128.docs.npy"), "-o", cls.index)
        assert (j["docs"], j["dim"]) == (1400, 128), j

    def test_ids_are_row_numbers_and_search_is_exact(self):
        want = brute_force(npy(cran("lsa128.docs.npy")), npy(cran("lsa128.queries.npy"))[3])
        r = run_json("search", self.index, "--query-vector", cran("lsa128.queries.npy") + ":3",
                     "--exact")
        self.assertEqual([h["id"] for h in r["hits"]], [str(i) for i in want])
        self.assertEqual([h["doc"] for h in r["hits"]], want)
        info = run_json("info", self.index)
        self.assertEqual((info["docs"], info["dim"]), (1400, 128))

    def test_limit_takes_the_first_rows(self):
        # --limit N with a longer vector file: the first N rows, alone or beside the JSONL.
        out = os.path.join(TMP, "vectors-limit.vjr")
        self.assertEqual(run_json("index", "--vectors", cran("lsa128.docs.npy"), "--limit", "300",
                                  "-o", out)["docs"], 300)
        # Row 250 searched by itself finds itself first (rows are unit vectors).
        r = run_json("search", out, "--query-vector", cran("lsa128.docs.npy") + ":250", "--exact")
        self.assertEqual(r["hits"][0]["id"], "250")
        both = os.path.join(TMP, "both-limit.vjr")
        self.assertEqual(run_json("index", cran("corpus.jsonl"), "--vectors",
                                  cran("lsa128.docs.npy"), "--limit", "120", "-o", both)["docs"],
                         120)
        ids = [d["_id"] for d in read_jsonl(cran("corpus.jsonl"))[:120]]
        r = run_json("search", both, "--query-vector", cran("lsa128.docs.npy") + ":77", "--exact")
        self.assertEqual(r["hits"][0]["id"], ids[77])
        self.assertTrue({h["id"] for h in r["hits"]} <= set(ids))

    def test_text_query_on_vectors_only_index_finds_nothing(self):
        r = run_json("search", self.index, "shock")
        self.assertEqual(r["hits"], [])

    def test_bench_vector_mode_needs_no_text_queries(self):
        # Opened index, then built from the vectors alone; ground truth from exact search.
        r = run_json("bench", self.index, "--query-vectors", cran("lsa128.queries.npy"),
                     "--repeat", "1", "--max-queries", "60")
        self.assertEqual((r["mode"], r["queries"], r["docs"]), ("vector", 60, 1400))
        self.assertGreater(r["recall@10"], 0.8)
        r = run_json("bench", "--vectors", cran("lsa128.docs.npy"), "--limit", "500",
                     "--query-vectors", cran("lsa128.queries.npy"), "--repeat", "1",
                     "--max-queries", "40")
        self.assertEqual((r["mode"], r["docs"], r["queries"]), ("vector", 500, 40))
        self.assertGreater(r["build_s"], 0)
        # With every beam wide enough to see all 500 vectors, HNSW is exact.
        r = run_json("bench", "--vectors", cran("lsa128.docs.npy"), "--limit", "500",
                     "--query-vectors", cran("lsa128.queries.npy"), "--repeat", "1",
                     "--max-queries", "40", "--ef", "500")
        self.assertEqual(r["recall@10"], 1)

    def test_parity_vector_mode_needs_no_text_queries(self):
        r = run_json("parity", self.index, "--query-vectors", cran("lsa128.queries.npy"))
        self.assertTrue(r["ok"])
        self.assertIsNone(r["lexical"])
        self.assertEqual(r["vector"]["queries"], 225)


class BuildThreads(unittest.TestCase):
    def test_default_is_the_available_cores(self):
        r = run_json("bench", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"),
                     "--limit", "200", "--query-vectors", cran("lsa128.queries.npy"),
                     "--repeat", "1", "--max-queries", "5")
        self.assertEqual(r["threads"], len(os.sched_getaffinity(0)))
        r = run_json("bench", cran("corpus.jsonl"), "--vectors", cran("lsa128.docs.npy"),
                     "--limit", "200", "--query-vectors", cran("lsa128.queries.npy"),
                     "--repeat", "1", "--max-queries", "5", "--threads", "3")
        self.assertEqual(r["threads"], 3)


class QueryInput(unittest.TestCase):
    def test_query_file_and_stdin(self):
        q = first_query()
        direct = run_json("search", INDEX, q)
        path = write("query.txt", q + "\n")
        self.assertEqual(run_json("search", INDEX, "--query-file", path), direct)
        p = run("search", INDEX, "--query-file", "-", "--json", check=0, input=q + "\n")
        self.assertEqual(json.loads(p.stdout), direct)
        p = run("search", INDEX, "-", "--json", check=0, input=q)
        self.assertEqual(json.loads(p.stdout), direct)
        p = run("search", INDEX, "--query-file", os.path.join(TMP, "nope.txt"), check=1)
        self.assertIn("nope.txt", p.stderr)
        run("search", INDEX, q, "--query-file", path, check=2)

    def test_batch_trec_and_jsonl(self):
        queries = read_jsonl(cran("queries.jsonl"))
        p = run("search", INDEX, "--queries", cran("queries.jsonl"), "-k", "5", check=0)
        lines = [l.split() for l in p.stdout.splitlines()]
        self.assertTrue(all(len(l) == 6 and l[1] == "Q0" and l[5] == "vajra" for l in lines))
        by_q = {}
        for l in lines:
            by_q.setdefault(l[0], []).append(l)
        self.assertEqual(set(by_q), {q["_id"] for q in queries})
        # Each query's run lines are its single search, in rank order.
        for q in queries[:5]:
            text = " ".join(x for x in (q.get("title") or "", q.get("text") or "") if x)
            single = run_json("search", INDEX, text, "-k", "5")
            self.assertEqual([l[2] for l in by_q[q["_id"]]], [h["id"] for h in single["hits"]])
            self.assertEqual([int(l[3]) for l in by_q[q["_id"]]],
                             list(range(1, len(single["hits"]) + 1)))
        # JSONL, hybrid, into a file.
        out = os.path.join(TMP, "run.jsonl")
        run("search", INDEX, "--queries", cran("queries.jsonl"), "--query-vectors",
            cran("lsa128.queries.npy"), "--format", "jsonl", "-o", out, check=0)
        rows = read_jsonl(out)
        self.assertEqual([r["query_id"] for r in rows], [q["_id"] for q in queries])
        single = run_json("search", INDEX, queries[2]["text"], "--query-vector",
                          cran("lsa128.queries.npy") + ":2")
        self.assertEqual([h["id"] for h in rows[2]["hits"]], [h["id"] for h in single["hits"]])
        # Queries on standard input (a pipe).
        with open(cran("queries.jsonl"), encoding="utf-8") as f:
            p = run("search", INDEX, "--queries", "-", "-k", "5", check=0, input=f.read())
        self.assertEqual([l.split() for l in p.stdout.splitlines()], lines)
        # Vector queries alone: ids are the row numbers.
        p = run("search", INDEX, "--query-vectors", cran("lsa128.queries.npy"), "-k", "1", check=0)
        self.assertEqual([l.split()[0] for l in p.stdout.splitlines()],
                         [str(i) for i in range(225)])
        run("search", INDEX, "--queries", cran("queries.jsonl"), "--format", "csv", check=2)


class EvalCounting(unittest.TestCase):
    def eval(self, queries, *extra, check=0, index=None):
        return run("eval", index or INDEX, "--queries", queries, "--qrels", cran("qrels.tsv"),
                   "--mode", "lexical", *extra, check=check)

    def test_empty_queries_file_is_refused(self):
        p = self.eval(write("empty.jsonl", ""), check=1)
        self.assertEqual(p.stdout, "")
        self.assertIn("empty.jsonl", p.stderr)
        self.assertIn("no queries", p.stderr)

    def test_no_judged_query_is_refused(self):
        p = self.eval(write("unjudged.jsonl", '{"_id": "x1", "text": "wing"}\n'
                                              '{"_id": "x2", "text": "flow"}\n'), check=1)
        self.assertEqual(p.stdout, "")
        self.assertIn("nothing to score", p.stderr)

    def test_counts_and_warnings(self):
        queries = read_jsonl(cran("queries.jsonl"))
        judged = {l.split("\t")[0] for l in open(cran("qrels.tsv"), encoding="utf-8")
                  if l.strip() and not l.startswith("query-id")}
        sub = queries[:20] + [{"_id": "not-judged", "text": "heat transfer"}]
        path = write("sub.jsonl", "".join(json.dumps(q) + "\n" for q in sub))
        p = self.eval(path, "--json")
        r = json.loads(p.stdout)
        n_judged = sum(q["_id"] in judged for q in sub)
        self.assertEqual(r["queries"], n_judged)
        self.assertEqual(r["unjudged_queries"], len(sub) - n_judged)
        self.assertEqual(r["missing_queries"], len(judged) - sum(q["_id"] in judged for q in queries[:20]))
        self.assertIn("1 of 21 queries", p.stderr)
        self.assertIn("%d queries judged" % r["missing_queries"], p.stderr)
        # The mean is over the queries scored: the same as their per-query scores averaged by a
        # run that holds only them.
        only = write("only.jsonl", "".join(json.dumps(q) + "\n" for q in queries[:20]))
        self.assertAlmostEqual(json.loads(self.eval(only, "--json").stdout)["ndcg@10"],
                               r["ndcg@10"], places=6)

    def test_judged_documents_missing_from_the_index(self):
        small = os.path.join(TMP, "first100.vjr")
        run("index", cran("corpus.jsonl"), "--limit", "100", "-o", small, check=0)
        kept = {d["_id"] for d in read_jsonl(cran("corpus.jsonl"))[:100]}
        qids = {q["_id"] for q in read_jsonl(cran("queries.jsonl"))}
        rows = [l.rstrip("\n").split("\t") for l in open(cran("qrels.tsv"), encoding="utf-8")
                if l.strip() and not l.startswith("query-id")]
        rel = {}
        for q, d, g in rows:
            rel[q] = rel.get(q, 0) + (int(g) >= 1)
        missing = sum(1 for q, d, g in rows if q in qids and rel[q] > 0 and d not in kept)
        p = self.eval(cran("queries.jsonl"), "--json", index=small)
        self.assertEqual(json.loads(p.stdout)["missing_judged_docs"], missing)
        self.assertIn("%d of the" % missing, p.stderr)
        self.assertIn("not in the index", p.stderr)

    def test_duplicate_query_id_names_file_and_line(self):
        lines = open(cran("queries.jsonl"), encoding="utf-8").read().splitlines()[:4]
        path = write("dupq.jsonl", "\n".join(lines[:3]) + "\n\n" + lines[1] + "\n")
        p = self.eval(path, check=1)
        self.assertEqual(p.stdout, "")
        self.assertIn("dupq.jsonl:5", p.stderr)
        self.assertIn("line 2", p.stderr)


class NoVectors(unittest.TestCase):
    def test_messages_say_the_index_has_no_vectors(self):
        idx = lexical_index()
        qv = cran("lsa128.queries.npy")
        for args in (["search", idx, "--query-vector", qv + ":0"],
                     ["search", idx, "text", "--query-vector", qv + ":0"],
                     ["eval", idx, "--queries", cran("queries.jsonl"), "--qrels",
                      cran("qrels.tsv"), "--query-vectors", qv],
                     ["bench", idx, "--query-vectors", qv],
                     ["parity", idx, "--query-vectors", qv]):
            p = run(*args, check=1)
            self.assertIn("this index has no vectors", p.stderr, args)
            self.assertNotIn("dimension 0", p.stderr, args)
            self.assertNotIn("has 0", p.stderr, args)
            self.assertEqual(p.stdout, "", args)


class InfoWithoutPlugins(unittest.TestCase):
    def test_storage_plugin_alone_is_enough(self):
        files = plugin_files()
        installed = run_json("plugins")["search_path"].split(":")[-1]
        if os.path.exists(os.path.join(installed, "lexical-bm25.so")):
            self.skipTest("an installed lexical-bm25 would be found")
        only_storage = tempfile.mkdtemp(dir=TMP)
        for n in ["storage-mmap", "storage-file"]:
            os.symlink(files[n], os.path.join(only_storage, n + ".so"))
        full = run_json("info", INDEX)
        p = run("info", INDEX, "--json", check=0, env={"VAJRA_PLUGIN_PATH": only_storage})
        j = json.loads(p.stdout)
        self.assertEqual(sorted(j["missing_plugins"]), ["lexical-bm25", "scorer-bm25",
                                                        "vector-hnsw"])
        # Everything coll.meta and the container say is there (the HNSW parameters too, from
        # the meta); only the segment counts need the index plugins.
        self.assertIsNone(j["segments"])
        for key in ["docs", "dim", "metric", "lexical_plugin", "scorer", "vector_plugin",
                    "profile", "hnsw", "sections", "bytes"]:
            self.assertEqual(j[key], full[key], key)
        self.assertEqual(full["missing_plugins"], [])
        self.assertIn("lexical-bm25", p.stderr)
        # Only storage-file: the mmap default falls back to it.
        os.unlink(os.path.join(only_storage, "storage-mmap.so"))
        p = run("info", INDEX, check=0, env={"VAJRA_PLUGIN_PATH": only_storage})
        self.assertIn("Documents:  1400", p.stdout)
        # No storage plugin at all: a clear error, nothing half-printed.
        empty = tempfile.mkdtemp(dir=TMP)
        p = run("info", INDEX, check=1, env={"VAJRA_PLUGIN_PATH": empty})
        self.assertEqual(p.stdout, "")
        self.assertIn("no storage plugin", p.stderr)


class Progress(unittest.TestCase):
    def on_terminal(self, *args):
        """Run with stderr on a pseudo-terminal (stdout a pipe); return (stdout, terminal text)."""
        import pty
        if WRAPPER:
            self.skipTest("not under valgrind")
        master, slave = pty.openpty()
        p = subprocess.Popen([VAJRA, *args], stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        out = p.stdout.read().decode()
        self.assertEqual(p.wait(), 0)
        os.close(master)
        return out, b"".join(chunks).decode(errors="replace")

    def test_bar_on_a_terminal_only(self):
        out, tty = self.on_terminal("index", cran("corpus.jsonl"), "--vectors",
                                    cran("lsa128.docs.npy"), "-o", os.path.join(TMP, "tty.vjr"))
        self.assertIn("indexing [", tty)
        self.assertIn("100% (1400/1400)", tty)
        self.assertNotIn("indexing", out)
        for quiet in (["--quiet"], ["--json"]):
            out, tty = self.on_terminal("index", cran("corpus.jsonl"), "-o",
                                        os.path.join(TMP, "tty2.vjr"), *quiet)
            self.assertEqual(tty, "", quiet)
        self.assertEqual(json.loads(out)["docs"], 1400)  # --json: stdout is only the object



if __name__ == "__main__":
    VAJRA = os.path.abspath(sys.argv.pop(1))
    DATA = os.environ["VAJRA_DATA_DIR"]
    CRAN = os.path.join(DATA, "cranfield")
    unittest.main(verbosity=2)
