#!/usr/bin/env python3
"""The live-collection commands end to end on the bundled demo Cranfield (data/demo/): `vajra add`
(and --upsert), `delete`, `compact`, `promote`, and what `info` says about segments, checked with
`vajra search --json` and `vajra info --json` against a model of the documents kept here; every
misuse with its message and exit status, and that a failure changes nothing.

Usage: test_cli_live.py VAJRA_BINARY   (env: VAJRA_PLUGIN_PATH)
"""
import array
import ctypes
import ctypes.util
import fcntl
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cli  # noqa: E402  (run(), and its valgrind wrapper)

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "demo")
TMP = None
BASE = None  # the demo corpus indexed with its vectors, never written to
CORPUS = None  # [{"_id", "title", "text"}] in file order
VECTORS = None  # [array('f')] row i = document i
LIVE_COMMANDS = ["add", "delete", "compact", "promote"]
SUMMARY_KEYS = {"command", "path", "added", "replaced", "removed", "generation", "segments",
                "live", "deleted", "bytes_before", "bytes", "profile", "hnsw", "seconds"}


def run(*args, check=None):
    return test_cli.run(*args, check=check)


def run_json(*args):
    return json.loads(run(*args, "--json", check=0).stdout)


def demo(name):
    return os.path.join(DEMO, name)


# ---- .npy files (float32, 2-d, C order) without numpy ----

def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", path
    hlen = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + hlen].decode()
    assert "'<f4'" in header and "False" in header, header
    rows, dim = eval(header[header.index("(") : header.index(")") + 1])  # noqa: S307
    vals = array.array("f")
    vals.frombytes(data[10 + hlen:10 + hlen + 4 * rows * dim])
    return [vals[i * dim:(i + 1) * dim] for i in range(rows)]


def write_npy(path, rows):
    dim = len(rows[0]) if rows else 0
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), dim)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        for r in rows:
            f.write(array.array("f", r).tobytes())
    return path


def write_jsonl(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    return path


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def setUpModule():
    global TMP, BASE, CORPUS, VECTORS
    TMP = tempfile.mkdtemp(prefix="vajra-cli-live-")
    with open(demo("corpus.jsonl"), encoding="utf-8") as f:
        CORPUS = [json.loads(line) for line in f]
    VECTORS = read_npy(demo("lsa128.docs.npy"))
    assert len(VECTORS) == len(CORPUS)
    BASE = os.path.join(TMP, "base.vjr")
    run("index", demo("corpus.jsonl"), "--vectors", demo("lsa128.docs.npy"), "-o", BASE, check=0)


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


class LiveTestCase(unittest.TestCase):
    """Each test gets its own copy of the demo index (self.idx) in its own directory."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=TMP)
        self.idx = os.path.join(self.dir, "cran.vjr")
        shutil.copy(BASE, self.idx)

    def path(self, name):
        return os.path.join(self.dir, name)

    def info(self, idx=None):
        return run_json("info", idx or self.idx)

    def lexical(self, text, k=10, idx=None):
        return run_json("search", idx or self.idx, text, "--mode", "lexical", "-k", str(k))["hits"]

    def exact_vector(self, npy_row, k=10, idx=None):
        return run_json("search", idx or self.idx, "--mode", "vector", "--query-vector", npy_row,
                        "--exact", "-k", str(k))["hits"]

    def assert_fails(self, args, status, *needles):
        """`vajra ARGS` exits with `status`, prints nothing on stdout, and stderr holds every
        needle. Returns stderr."""
        p = run(*args, check=status)
        self.assertEqual(p.stdout, "", args)
        for n in needles:
            self.assertIn(n, p.stderr, args)
        return p.stderr

    def assert_unchanged(self, action):
        """Run `action`; the index file must be byte for byte what it was, and no temporary or
        stray file may remain next to it (the lock file excepted)."""
        before, files = sha256(self.idx), set(os.listdir(self.dir))
        result = action()
        self.assertEqual(sha256(self.idx), before, "the index file changed")
        self.assertLessEqual(set(os.listdir(self.dir)) - files, {"cran.vjr.lock"})
        return result


class Help(unittest.TestCase):
    def test_listed_and_documented(self):
        out = run("--help", check=0).stdout
        for c in LIVE_COMMANDS:
            self.assertIn(c, out)
            h = run(c, "--help", check=0).stdout
            self.assertTrue(h.startswith(f"Usage: vajra {c} INDEX"), c)
            for opt in ["--json", "--quiet", "--storage", "--threads"]:
                self.assertIn(opt, h, c)
        self.assertIn("--upsert", run("add", "--help", check=0).stdout)
        self.assertIn("--ids FILE", run("delete", "--help", check=0).stdout)
        self.assertIn("--profile", run("promote", "--help", check=0).stdout)
        self.assertIn("--vector-param KEY=VALUE", run("promote", "--help", check=0).stdout)
        info = run("info", "--help", check=0).stdout
        for key in ["segments", "generation", "live", "deleted"]:
            self.assertIn(key, info)

    def test_usage_errors_exit_2(self):
        docs = demo("corpus.jsonl")
        for args in [("add",), ("add", BASE), ("add", BASE, docs, "extra"),
                     ("add", BASE, docs, "--vectors", "a.npy", "--vector-field", "v"),
                     ("add", BASE, docs, "--threads", "0"), ("add", BASE, docs, "--frobnicate"),
                     ("delete",), ("delete", BASE), ("compact",), ("compact", BASE, "x"),
                     ("compact", BASE, "--profile", "quality"), ("promote", BASE),
                     ("promote", BASE, "--M", "zero"), ("add", BASE, docs, "--storage", "tape"),
                     ("compact", BASE, "--vector-param", "storage=sq8"),
                     ("promote", BASE, "--vector-param", "storage")]:
            p = run(*args, check=2)
            self.assertEqual(p.stdout, "", args)
            self.assertIn(f"vajra {args[0]}: ", p.stderr, args)
            self.assertIn(f"Try 'vajra {args[0]} --help'", p.stderr, args)


class Lifecycle(LiveTestCase):
    """add → upsert → delete 30% → compact → promote, against a model of the live documents:
    the live documents in the order a compaction keeps them (segment order, then document order)
    with their vector rows."""

    def setUp(self):
        super().setUp()
        self.model = [(dict(d), VECTORS[i]) for i, d in enumerate(CORPUS)]

    def model_ids(self):
        return [d["_id"] for d, _ in self.model]

    def check_counts(self, generation=None, segments=None, deleted=None):
        j = self.info()
        self.assertEqual(j["live"], len(self.model))
        self.assertEqual(j["docs"], len(self.model))  # the old key: live documents
        if generation is not None:
            self.assertEqual(j["generation"], generation)
        if segments is not None:
            self.assertEqual(j["segments"], segments)
        if deleted is not None:
            self.assertEqual(j["deleted"], deleted)
        self.assertEqual(j["bytes"], os.path.getsize(self.idx))
        return j

    def assert_gone(self, docs):
        """No search finds a deleted document: not by its title (lexical, deep), not by its own
        vector (exact scan)."""
        qv = write_npy(self.path("gone.npy"), [v for _, v in docs])
        for row, (d, _) in enumerate(docs):
            ids = [h["id"] for h in self.lexical(d["title"] or d["text"][:80], k=200)]
            self.assertNotIn(d["_id"], ids)
            ids = [h["id"] for h in self.exact_vector(f"{qv}:{row}", k=20)]
            self.assertNotIn(d["_id"], ids)

    def test_lifecycle(self):
        g0 = self.check_counts(segments=1, deleted=0)["generation"]
        sizes = {"indexed": os.path.getsize(self.idx)}

        # -- add 20 new documents with a word of their own and vectors 1.5 × an existing row
        # (under inner product each is then the exact top hit for its own vector).
        new = [{"_id": f"new-{i}", "title": f"zyxquorp wing study {i}",
                "text": f"zyxquorp flutter of a swept wing, variant {i} of the new series"}
               for i in range(20)]
        new_vecs = [array.array("f", [1.5 * x for x in VECTORS[100 + i]]) for i in range(20)]
        docs = write_jsonl(self.path("new.jsonl"), new)
        vecs = write_npy(self.path("new.npy"), new_vecs)
        j = run_json("add", self.idx, docs, "--vectors", vecs)
        self.assertEqual(set(j), SUMMARY_KEYS)
        self.assertEqual((j["command"], j["added"], j["replaced"], j["removed"]), ("add", 20, 0, 0))
        self.assertEqual((j["segments"], j["live"], j["deleted"]), (2, 1420, 0))
        self.assertEqual(j["generation"], g0 + 1)
        self.model += list(zip(new, new_vecs))
        self.check_counts(generation=g0 + 1, segments=2, deleted=0)
        hits = self.lexical("zyxquorp", k=50)
        self.assertEqual(sorted(h["id"] for h in hits), sorted(d["_id"] for d in new))
        for h in hits:
            self.assertEqual(h["title"], new[int(h["id"][4:])]["title"])
        for i in (0, 7, 19):
            self.assertEqual(self.exact_vector(f"{vecs}:{i}", k=1)[0]["id"], f"new-{i}")

        # -- upsert: 3 documents of the corpus rewritten, 2 new ones; text mode, human output.
        words = {10: "alphazork", 11: "betazork", 12: "gammazork"}
        up = [{"_id": CORPUS[i]["_id"], "title": f"plovetrinx revised title {i}",
               "text": f"plovetrinx {words[i]} replaces the abstract"} for i in (10, 11, 12)]
        up += [{"_id": f"up-{i}", "title": f"plovetrinx fresh {i}", "text": "plovetrinx"}
               for i in range(2)]
        up_vecs = [VECTORS[10], VECTORS[11], VECTORS[12], VECTORS[500], VECTORS[501]]
        p = run("add", self.idx, write_jsonl(self.path("up.jsonl"), up), "--upsert",
                "--vectors", write_npy(self.path("up.npy"), up_vecs), check=0)
        self.assertRegex(p.stdout, r"^Upserted 5 documents in .*cran\.vjr \(3 replaced, 2 new\) "
                                   r"\(generation \d+: 3 segments, 1422 live, 3 deleted; ")
        self.assertEqual(p.stdout.count("\n"), 1)
        old = {d["_id"]: (d, v) for d, v in self.model}
        self.model = [(d, v) for d, v in self.model if d["_id"] not in {u["_id"] for u in up}]
        self.model += list(zip(up, up_vecs))
        self.check_counts(generation=g0 + 2, segments=3, deleted=3)
        got = {h["id"]: h["title"] for h in self.lexical("plovetrinx", k=50)}
        self.assertEqual(got, {u["_id"]: u["title"] for u in up})
        for u in up[:3]:
            # The old version is gone: its own title no longer finds it under the old title.
            for h in self.lexical(old[u["_id"]][0]["title"], k=200):
                if h["id"] == u["_id"]:
                    self.assertEqual(h["title"], u["title"])
        # The new text is what is indexed: a word only the new text has finds it.
        for i, u in zip((10, 11, 12), up):
            self.assertEqual([h["id"] for h in self.lexical(words[i], k=5)], [u["_id"]])
        sizes["after add+upsert"] = os.path.getsize(self.idx)

        # -- delete 30% of the live documents (ids from a file; one new, one upserted among them)
        victims = [d["_id"] for k, (d, _) in enumerate(self.model)
                   if k % 10 < 3 or d["_id"] in ("new-0", CORPUS[10]["_id"])]
        ids = self.path("victims.txt")
        with open(ids, "w") as f:
            f.write("\n".join(victims) + "\n")
        j = run_json("delete", self.idx, "--ids", ids)
        self.assertEqual(set(j), SUMMARY_KEYS)
        self.assertEqual((j["command"], j["removed"], j["live"]), ("delete", len(victims), 1422 -
                                                                   len(victims)))
        gone = [(d, v) for d, v in self.model if d["_id"] in set(victims)]
        self.model = [(d, v) for d, v in self.model if d["_id"] not in set(victims)]
        self.check_counts(generation=g0 + 3, segments=3, deleted=3 + len(victims))
        sample = gone[::17] + [x for x in gone if x[0]["_id"] in ("new-0", CORPUS[10]["_id"])]
        self.assert_gone(sample)
        sizes["after delete 30%"] = os.path.getsize(self.idx)

        # -- compact: one segment, nothing deleted, smaller, and deleted documents stay gone.
        j = run_json("compact", self.idx)
        self.assertEqual(set(j), SUMMARY_KEYS)
        self.assertEqual((j["segments"], j["deleted"], j["live"]), (1, 0, len(self.model)))
        self.assertEqual(j["bytes"], os.path.getsize(self.idx))
        self.assertEqual(j["bytes_before"], sizes["after delete 30%"])
        self.check_counts(generation=g0 + 4, segments=1, deleted=0)
        sizes["after compact"] = os.path.getsize(self.idx)
        self.assertLess(sizes["after compact"], sizes["after delete 30%"])
        self.assertLess(sizes["after compact"], 0.8 * sizes["after add+upsert"])
        self.assert_gone(sample)
        sys.stderr.write("\n  sizes: " + ", ".join(f"{k} {v} B" for k, v in sizes.items()) + " ")

        # -- after compact, lexical search is exactly a fresh index over the live documents.
        fresh = self.path("fresh.vjr")
        run("index", write_jsonl(self.path("live.jsonl"), [d for d, _ in self.model]),
            "--vectors", write_npy(self.path("live.npy"), [v for _, v in self.model]),
            "-o", fresh, check=0)
        self.assertEqual(self.info(fresh)["docs"], len(self.model))
        self.assert_same_lexical(self.idx, fresh)

        # -- promote: the profile (and parameters) change, the documents and lexical side not.
        before = self.info()
        self.assertEqual(before["profile"], "fast")
        j = run_json("promote", self.idx, "--profile", "quality")
        self.assertEqual(set(j), SUMMARY_KEYS)
        after = self.info()
        self.assertEqual((j["profile"], after["profile"]), ("quality", "quality"))
        self.assertEqual(j["hnsw"], {k: after["hnsw"][k] for k in j["hnsw"]})
        self.assertNotEqual(after["hnsw"]["M"], before["hnsw"]["M"])
        self.assertEqual((after["live"], after["segments"], after["deleted"]),
                         (len(self.model), 1, 0))
        self.assertEqual(after["generation"], g0 + 5)
        self.assert_same_lexical(self.idx, fresh, queries=10)
        vecs_live = write_npy(self.path("live-q.npy"), [v for _, v in self.model[:5]])
        for i in range(5):
            self.assertEqual(self.exact_vector(f"{vecs_live}:{i}", k=1)[0]["id"],
                             self.model[i][0]["_id"])
        # Parameters alone, without --profile.
        j = run_json("promote", self.idx, "--ef-search", "77")
        self.assertEqual((j["profile"], j["hnsw"]["ef_search"]), ("quality", 77))
        self.assertEqual(j["hnsw"]["M"], after["hnsw"]["M"])
        self.assertEqual(self.info()["hnsw"]["ef_search"], 77)

    def assert_same_lexical(self, a, b, queries=40):
        with open(demo("queries.jsonl"), encoding="utf-8") as f:
            qs = [json.loads(line)["text"] for line in f][:queries]
        for q in qs:
            ha, hb = self.lexical(q, k=20, idx=a), self.lexical(q, k=20, idx=b)
            self.assertEqual([h["id"] for h in ha], [h["id"] for h in hb], q)
            for x, y in zip(ha, hb):
                self.assertLessEqual(abs(x["score"] - y["score"]),
                                     1e-6 * max(abs(x["score"]), abs(y["score"])), q)

    def test_quiet_and_text(self):
        docs = write_jsonl(self.path("one.jsonl"), [{"_id": "q1", "title": "t", "text": "x"}])
        vecs = write_npy(self.path("one.npy"), [VECTORS[0]])
        for args in [("add", self.idx, docs, "--vectors", vecs), ("delete", self.idx, "q1"),
                     ("compact", self.idx), ("promote", self.idx, "--profile", "instant")]:
            p = run(*args, "-q", check=0)
            self.assertEqual((p.stdout, p.stderr), ("", ""), args)
        self.assertEqual(self.info()["profile"], "instant")
        out = run("delete", self.idx, CORPUS[0]["_id"], CORPUS[0]["_id"], check=0).stdout
        self.assertRegex(out, r"^Deleted 1 document from .*\(generation \d+: 1 segment, 1399 "
                              r"live, 1 deleted; ")
        out = run("compact", self.idx, check=0).stdout
        self.assertRegex(out, r"^Compacted .* from 1 segment into 1, dropping 1 deleted "
                              r"documents \(generation \d+: 1 segment, 1399 live, 0 deleted; ")
        text = run("info", self.idx, check=0).stdout
        self.assertRegex(text, r"\nSegments: +1 \(generation \d+\): 1399 live documents, 0 "
                               r"deleted\n")

    def test_added_document_ranks_before_compaction(self):
        # BM25 over segments uses collection-wide statistics (document count, document
        # frequencies, average length summed over the segments, as DESIGN.md section 10 and
        # Lucene's IndexSearcher do): an exact copy of document 184 added under another id, in
        # its own one-document segment, ties its original before any compaction. (With
        # per-segment statistics it was not even in the top 100.)
        src = next(i for i, d in enumerate(CORPUS) if d["_id"] == "184")
        docs = write_jsonl(self.path("copy.jsonl"), [dict(CORPUS[src], _id="copy-184")])
        run("add", self.idx, docs, "--vectors", write_npy(self.path("c.npy"), [VECTORS[src]]),
            check=0)
        hits = {h["id"]: h["score"] for h in self.lexical(CORPUS[src]["title"], k=10)}
        self.assertIn("184", hits)
        self.assertIn("copy-184", hits)
        self.assertAlmostEqual(hits["copy-184"], hits["184"], delta=1e-6 * hits["184"])

    def test_index_options_survive_add_and_compact(self):
        # Scorer, its parameters and the analyzer are the collection's: a segment added later
        # and the compacted one use them, so index(first 1000) + add(last 400) + compact ranks
        # exactly as index(all 1400) with the same options.
        opts = ("--scorer", "scorer-bm25plus", "--k1", "0.9", "--b", "0.4", "--stemmer", "porter",
                "--keep-stopwords", "--ignore-title")
        grown, fresh = self.path("grown.vjr"), self.path("fresh.vjr")
        run("index", write_jsonl(self.path("a.jsonl"), CORPUS[:1000]), "-o", grown, *opts,
            check=0)
        run("add", grown, write_jsonl(self.path("b.jsonl"), CORPUS[1000:]), check=0)
        run("index", demo("corpus.jsonl"), "-o", fresh, *opts, check=0)
        run("compact", grown, check=0)
        a, b = self.info(grown), self.info(fresh)
        for key in ("scorer", "scorer_params", "live", "segments", "deleted"):
            self.assertEqual(a[key], b[key], key)
        self.assert_same_lexical(grown, fresh, queries=20)

    def test_compact_max_segments(self):
        # Three small adds make 4 segments; --max-segments 2 merges the smallest consecutive
        # run (the three small ones) and keeps the big one; a bound already met changes nothing.
        for i in range(3):
            docs = write_jsonl(self.path(f"s{i}.jsonl"), [
                {"_id": f"s{i}-{j}", "title": f"small batch {i}", "text": "zanzibarite"}
                for j in range(4)])
            run("add", self.idx, docs, "--vectors",
                write_npy(self.path(f"s{i}.npy"), VECTORS[10 * i:10 * i + 4]), check=0)
        run("delete", self.idx, "s1-2", CORPUS[0]["_id"], check=0)
        self.assertEqual(self.info()["segments"], 4)
        j = run_json("compact", self.idx, "--max-segments", "2")
        self.assertEqual((j["segments"], j["live"]), (2, 1410))
        self.assertEqual(j["deleted"], 1)  # the big segment's tombstone stays
        before = sha256(self.idx)
        self.assertEqual(run_json("compact", self.idx, "--max-segments", "2")["segments"], 2)
        self.assertEqual(sha256(self.idx), before)
        self.assertEqual(len(self.lexical("zanzibarite", k=50)), 11)
        run("compact", self.idx, "--max-segments", "0", check=2)

    def test_lexical_only_collection(self):
        lex = self.path("lex.vjr")
        run("index", demo("corpus.jsonl"), "-o", lex, check=0)
        docs = write_jsonl(self.path("d.jsonl"), [{"_id": f"w{i}", "title": "wombatology",
                                                   "text": "marsupial"} for i in range(3)])
        self.assertEqual(run_json("add", lex, docs)["segments"], 2)
        self.assertEqual(run_json("delete", lex, "w1", "5")["deleted"], 2)
        j = run_json("compact", lex)
        self.assertEqual((j["segments"], j["live"], j["deleted"], j["profile"], j["hnsw"]),
                         (1, 1401, 0, None, None))
        self.assertEqual(sorted(h["id"] for h in self.lexical("wombatology", idx=lex)),
                         ["w0", "w2"])

    def test_eval_bench_parity_on_segments(self):
        # Two segments with a deleted document in the first: eval maps every hit (document
        # numbers run over deleted documents too); bench and parity measure one index and say
        # to compact first.
        docs = write_jsonl(self.path("d.jsonl"), [dict(CORPUS[0], _id="copy-of-1")])
        run("add", self.idx, docs, "--vectors", write_npy(self.path("v.npy"), [VECTORS[0]]),
            check=0)
        run("delete", self.idx, CORPUS[5]["_id"], check=0)
        q = ("--queries", demo("queries.jsonl"))
        j = run_json("eval", self.idx, *q, "--qrels", demo("qrels.tsv"), "--mode", "lexical")
        self.assertEqual(j["queries"], 225)
        self.assertGreater(j["ndcg@10"], 0.2)
        for c in ("bench", "parity"):
            self.assert_fails((c, self.idx, *q), 1, self.idx, "2 segments", "vajra compact")
        run("compact", self.idx, check=0)
        run("parity", self.idx, *q, check=0)

    def test_same_changes_same_bytes(self):
        # Storage plugin and thread count change nothing in the file a change writes.
        other = self.path("other.vjr")
        shutil.copy(self.idx, other)
        steps = [("add", demo("corpus.jsonl"), "--vectors", demo("lsa128.docs.npy"), "--upsert"),
                 ("delete", "3", "4"), ("compact",), ("promote", "--profile", "quality")]
        for cmd, *rest in steps:
            run(cmd, self.idx, *rest, "--threads", "1", "--storage", "mmap", "-q", check=0)
            run(cmd, other, *rest, "--threads", "2", "--storage", "file", "-q", check=0)
            self.assertEqual(sha256(self.idx), sha256(other), cmd)

    def test_ids_from_stdin_and_fvecs(self):
        # delete --ids - reads standard input; add takes .fvecs like index does.
        p = subprocess.run([*test_cli.WRAPPER, test_cli.VAJRA, "delete", self.idx, "--ids", "-",
                            "--json"], input="1\r\n\n2\n", capture_output=True, text=True,
                           env=test_cli.CHILD_ENV, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["removed"], 2)
        fv = self.path("v.fvecs")
        with open(fv, "wb") as f:
            f.write(struct.pack("<i", 128) + VECTORS[0].tobytes())
        docs = write_jsonl(self.path("d.jsonl"), [{"_id": "1", "title": "frobback", "text": "again"}])
        self.assertEqual(run_json("add", self.idx, docs, "--vectors", fv)["live"], 1399)
        self.assertEqual(self.lexical("frobback", k=1)[0]["id"], "1")


class PromoteVectorParam(LiveTestCase):
    """promote --vector-param: another build key of the vector index (f32 rows now, sq8 later),
    kept for later segments; a bad key leaves the file as it was."""

    def vector_top(self, npy_row, k=10, idx=None):
        return [h["id"] for h in run_json("search", idx or self.idx, "--mode", "vector",
                                          "--query-vector", npy_row, "-k", str(k))["hits"]]

    def test_f32_to_sq8(self):
        before = self.info()
        self.assertIn(before["vector_params"]["storage"], ("auto", "f32"))
        qs = demo("lsa128.queries.npy")
        tops = [self.vector_top(f"{qs}:{i}") for i in range(20)]
        # bad keys and values: refused, nothing changed
        for kv, needle in [("storag=sq8", "storag"), ("storage=f64", "storage"),
                           ("M=32", "--M"), ("rerank=2", "rerank")]:
            self.assert_unchanged(lambda: self.assert_fails(
                ("promote", self.idx, "--vector-param", kv), 1, needle, "nothing was changed"))
        j = run_json("promote", self.idx, "--vector-param", "storage=sq8")
        self.assertEqual(set(j), SUMMARY_KEYS)
        after = self.info()
        self.assertEqual(after["vector_params"]["storage"], "sq8")
        self.assertEqual(j["profile"], "fast")
        for key in ("M", "ef_construction", "ef_search", "seed"):  # every other key is kept
            self.assertEqual(after["vector_params"][key], before["vector_params"][key], key)
        # sq8 rows reorder near ties only: measured 197/200 of the top-10 kept; bound 0.9
        kept = sum(len(set(a) & set(self.vector_top(f"{qs}:{i}"))) for i, a in enumerate(tops))
        self.assertGreaterEqual(kept, 0.9 * sum(len(a) for a in tops))
        # a later segment is built with sq8 too: the saved file holds its sq8 sections
        docs = write_jsonl(self.path("more.jsonl"), [{"_id": "m1", "title": "t", "text": "x"}])
        run("add", self.idx, docs, "--vectors", write_npy(self.path("m.npy"), [VECTORS[3]]),
            check=0)
        self.assertEqual(self.info()["segments"], 2)
        sections = [name for name, _ in read_container(self.idx)]
        self.assertIn("s0.hnsw.sq8_ranges", sections)
        self.assertIn("s1.hnsw.sq8_ranges", sections)
        # text summary, and --vector-param with --profile
        out = run("promote", self.idx, "--profile", "quality", "--vector-param", "rerank=1",
                  check=0).stdout
        self.assertRegex(out, r'^Promoted .* to profile "quality" \(M=14, ef_construction=160, '
                              r'ef_search=640\) with rerank=1, dropping 0 deleted documents')
        vp = self.info()["vector_params"]
        self.assertEqual((vp["storage"], vp["rerank"], vp["M"]), ("sq8", "1", "14"))

    def test_flat_index_promotes_through_its_keys(self):
        flat = self.path("flat.vjr")
        run("index", demo("corpus.jsonl"), "--vectors", demo("lsa128.docs.npy"), "-o", flat,
            "--vector-plugin", "vector-flat", check=0)
        self.assertEqual(self.info(flat)["vector_params"], {"storage": "f32"})
        self.assert_fails(("promote", flat, "--profile", "quality"), 1, "no profiles")
        out = run("promote", flat, "--vector-param", "storage=f16", check=0).stdout
        self.assertRegex(out, r"^Promoted .* to storage=f16, dropping 0 deleted documents")
        self.assertEqual(self.info(flat)["vector_params"], {"storage": "f16"})


class Errors(LiveTestCase):
    def test_delete_unknown_id_applies_nothing(self):
        keep = CORPUS[4]["_id"]
        err = self.assert_unchanged(lambda: self.assert_fails(
            ("delete", self.idx, keep, "no-such-doc"), 1, "no-such-doc", self.idx))
        self.assertIn("nothing was deleted", err)
        self.assertEqual(self.info()["live"], 1400)
        self.assertIn(keep, [h["id"] for h in self.lexical(CORPUS[4]["title"], k=5)])

    def test_add_existing_id_without_upsert(self):
        docs = write_jsonl(self.path("dup.jsonl"), [
            {"_id": "brand-new", "title": "quuxbrand", "text": "b"},
            {"_id": CORPUS[7]["_id"], "title": "c", "text": "d"}])
        vecs = write_npy(self.path("dup.npy"), VECTORS[:2])
        self.assert_unchanged(lambda: self.assert_fails(
            ("add", self.idx, docs, "--vectors", vecs), 1, "duplicate", f"'{CORPUS[7]['_id']}'",
            self.idx, "--upsert", "nothing was changed"))
        self.assertEqual(self.lexical("quuxbrand", k=1400), [])  # nothing half-added
        self.assertEqual(self.info()["live"], 1400)

    def test_upsert_changing_the_dimension(self):
        docs = write_jsonl(self.path("d.jsonl"), [{"_id": CORPUS[3]["_id"], "title": "t",
                                                   "text": "x"}])
        vecs = write_npy(self.path("v64.npy"), [VECTORS[3][:64]])
        self.assert_unchanged(lambda: self.assert_fails(
            ("add", self.idx, docs, "--vectors", vecs, "--upsert"), 1, "dimension 64", "128",
            self.idx, "nothing was changed"))
        self.assertEqual(self.info()["dim"], 128)

    def test_vectors_must_match_the_collection(self):
        docs = write_jsonl(self.path("d.jsonl"), [{"_id": "x1", "title": "t", "text": "x"}])
        self.assert_unchanged(lambda: self.assert_fails(
            ("add", self.idx, docs), 1, self.idx, "128-d vectors", "--vectors"))
        lex = self.path("lex.vjr")
        run("index", demo("corpus.jsonl"), "-o", lex, check=0)
        self.assert_fails(("add", lex, docs, "--vectors", write_npy(self.path("v.npy"),
                                                                    [VECTORS[0]])),
                          1, lex, "no vectors")
        self.assert_fails(("promote", lex, "--profile", "quality"), 1, lex, "no vectors")
        self.assertEqual(self.info(lex)["live"], 1400)

    def test_bad_input_names_file_and_line(self):
        bad = self.path("bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"_id": "a", "text": "x"}\n{"_id": "b", "text": \n')
        self.assert_unchanged(lambda: self.assert_fails(("add", self.idx, bad), 1, bad, "2"))
        self.assert_fails(("add", self.idx, self.path("nope.jsonl")), 1, "nope.jsonl")
        self.assert_fails(("delete", self.idx, "--ids", self.path("none.txt")), 1, "none.txt")
        empty = self.path("empty.txt")
        open(empty, "w").close()
        self.assert_unchanged(lambda: self.assert_fails(("delete", self.idx, "--ids", empty), 1,
                                                        empty, "no ids"))

    def test_missing_index_leaves_no_lock_file(self):
        missing = self.path("missing.vjr")
        for args in [("delete", missing, "1"), ("compact", missing)]:
            self.assert_fails(args, 1, missing, "no such index file")
        self.assertFalse(os.path.exists(missing + ".lock"))

    def test_second_writer_is_refused_while_readers_go_on(self):
        with open(self.idx + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            for args in [("delete", self.idx, "1"), ("compact", self.idx),
                         ("promote", self.idx, "--profile", "quality")]:
                err = self.assert_unchanged(lambda: self.assert_fails(
                    args, 1, self.idx, "open for writing elsewhere"))
                self.assertEqual(err.count("\n"), 1, err)
            # Readers take no lock.
            self.assertEqual(self.info()["live"], 1400)
            self.assertEqual(len(self.lexical(CORPUS[0]["title"], k=3)), 3)
        self.assertEqual(run_json("delete", self.idx, "1")["live"], 1399)

    def test_wait_for_the_other_writer(self):
        lock = open(self.idx + ".lock", "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            p = subprocess.Popen([*test_cli.WRAPPER, test_cli.VAJRA, "delete", self.idx,
                                  CORPUS[2]["_id"], "--wait", "300", "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=test_cli.CHILD_ENV)
            with self.assertRaises(subprocess.TimeoutExpired):
                p.wait(timeout=1.0)  # still waiting for the lock
            self.assertEqual(self.info()["live"], 1400)
        finally:
            lock.close()  # releases the lock
        out, err = p.communicate(timeout=300)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(json.loads(out)["live"], 1399)
        # A bounded wait gives up with the usual error.
        with open(self.idx + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.assert_fails(("compact", self.idx, "--wait", "0.3"), 1,
                              "open for writing elsewhere")
        run("delete", self.idx, "1", "--wait", "-1", check=2)

    def test_writer_killed_while_holding_the_lock(self):
        # A process takes the lock and is SIGKILLed: the lock file stays, the lock does not.
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import fcntl, sys, time\n"
             "f = open(sys.argv[1], 'a')\n"
             "fcntl.flock(f, fcntl.LOCK_EX)\n"
             "print('locked', flush=True)\n"
             "time.sleep(600)\n", self.idx + ".lock"],
            stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(holder.stdout.readline().strip(), "locked")
            self.assert_fails(("delete", self.idx, "1"), 1, "open for writing elsewhere")
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        self.assertTrue(os.path.exists(self.idx + ".lock"))
        self.assertEqual(run_json("delete", self.idx, "1")["removed"], 1)
        # An old lock file nobody ever held does not block either.
        other = self.path("other.vjr")
        shutil.copy(BASE, other)
        open(other + ".lock", "w").close()
        self.assertEqual(run_json("compact", other)["segments"], 1)

    def test_killed_writer_loses_nothing(self):
        # SIGKILL `vajra add` at several moments: INDEX is the old collection or the new one,
        # never torn; the next writer works and removes the dead writer's temporary files.
        docs = write_jsonl(self.path("all.jsonl"), [dict(d, _id="k" + d["_id"]) for d in CORPUS])
        vecs = write_npy(self.path("all.npy"), VECTORS)
        for delay in (0.05, 0.15, 0.3, 0.6):
            p = subprocess.Popen([test_cli.VAJRA, "add", self.idx, docs, "--vectors", vecs,
                                  "--threads", "1", "-q"], env=test_cli.CHILD_ENV)
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            live = self.info()["live"]
            self.assertIn(live, (1400, 2800), delay)
            if live == 2800:
                with open(self.path("k.txt"), "w") as f:
                    f.write("\n".join("k" + d["_id"] for d in CORPUS))
                run("delete", self.idx, "--ids", self.path("k.txt"), "-q", check=0)
            run("delete", self.idx, CORPUS[0]["_id"], "-q", check=0)
            run("add", self.idx, write_jsonl(self.path("one.jsonl"), [CORPUS[0]]), "--vectors",
                write_npy(self.path("one.npy"), [VECTORS[0]]), "-q", check=0)
            self.assertEqual([f for f in os.listdir(self.dir) if ".tmp." in f], [])
            self.assertEqual(self.info()["live"], 1400)

    def test_format_1_is_refused_for_writing(self):
        v1 = self.path("v1.vjr")
        try:
            to_format_1(self.idx, v1)
        except OSError as e:
            self.skipTest(f"cannot write a format-1 file here: {e}")
        self.assertEqual(self.info(v1)["live"], 1400)  # it still opens, read-only
        self.assertEqual(self.lexical(CORPUS[9]["title"], k=1, idx=v1)[0]["id"],
                         CORPUS[9]["_id"])
        docs = write_jsonl(self.path("d.jsonl"), [{"_id": "x1", "title": "t", "text": "x"}])
        vecs = write_npy(self.path("v.npy"), [VECTORS[0]])
        before = sha256(v1)
        for args in [("add", v1, docs, "--vectors", vecs), ("delete", v1, "1"), ("compact", v1),
                     ("promote", v1, "--profile", "quality")]:
            self.assert_fails(args, 1, v1, "format 1", "re-index")
        self.assertEqual(sha256(v1), before)


# ---- a format-1 file (what Vajra wrote before live collections), made from a fresh index ----

def xxh3(data):
    lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib.XXH3_64bits(data, len(data))


def read_container(path):
    with open(path, "rb") as f:
        data = f.read()
    count, entry_size, table = struct.unpack_from("<IIQ", data, 24)
    sections = []
    for i in range(count):
        e = table + i * entry_size
        name = data[e:e + 48].rstrip(b"\0").decode()
        off, length = struct.unpack_from("<QQ", data, e + 48)
        sections.append((name, data[off:off + length]))
    return sections


def write_container(path, sections):
    body, table = bytearray(), bytearray()
    for name, data in sections:
        off = 64 + len(body)
        body += data + b"\0" * (-len(data) % 64)
        table += name.encode().ljust(48, b"\0") + struct.pack("<QQQ", off, len(data), xxh3(data))
    table_off = 64 + len(body)
    size = table_off + len(table)
    head = b"\x89VJR\r\n\x1a\n" + struct.pack("<HHIBBBBIIIQQQ", 1, 0, 0x01020304, 8, 8, 6, 0, 64,
                                              len(sections), 72, table_off, size,
                                              xxh3(bytes(table)))
    with open(path, "wb") as f:
        f.write(head + struct.pack("<Q", xxh3(head)) + body + table)


def to_format_1(src, dst):
    """One segment, unprefixed "lex.*"/"hnsw.*" sections, "coll.titles", no texts, and the
    format-1 meta keys."""
    keep = {"docs", "lexical", "scorer", "scorer-param", "ignore-title", "dim", "metric", "vector",
            "profile"}
    out = []
    for name, data in read_container(src):
        if name == "coll.meta":
            lines = [ln for ln in data.decode().splitlines() if ln.split(" ")[0] in keep]
            out.append((name, ("vajra-collection 1\n" + "\n".join(lines) + "\n").encode()))
        elif name == "s0.titles":
            out.append(("coll.titles", data))
        elif name.startswith("s0.lex.") or name.startswith("s0.hnsw."):
            out.append((name[3:], data))
        elif not name.startswith("s0."):
            raise ValueError(f"unexpected section {name}")
    write_container(dst, out)


if __name__ == "__main__":
    test_cli.VAJRA = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
