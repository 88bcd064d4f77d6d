#!/usr/bin/env python3
"""`vajra-mpi` end to end under `mpirun --oversubscribe -np 1..4` on loopback: a sharded
collection answers exactly as one index over the same documents (lexical with the summed
statistics, exact vector, hybrid; HNSW recall within 0.01), on the bundled Cranfield (data/demo)
and a WordNet subset; faults (a shard that cannot be opened, missing, corrupt, from another
collection; a rank that hangs or dies) end with a clear error naming the shard and no answer;
throughput mode (--replicas) gives the same answers; live add/delete route by id.

Usage: test_mpi.py VAJRA VAJRA_MPI      (env: VAJRA_PLUGIN_PATH, VAJRA_DATA_DIR)
       test_mpi.py --skip REASON        (exit 77: Meson's "skipped")
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "data", "demo")
DATA = os.environ.get("VAJRA_DATA_DIR", os.path.join(HERE, "..", "..", "..", "shared", "data"))
ENV = dict(os.environ, OMPI_MCA_btl="self,vader", OMPI_MCA_plm_rsh_agent="",
           OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_btl_vader_single_copy_mechanism="none")
ENV.pop("VAJRA_MPI_TEST_FAULT", None)
# Under ASan the MPI runtime's own allocations (never freed by design) would read as leaks.
if "ASAN_OPTIONS" in ENV:
    ENV["ASAN_OPTIONS"] = ENV["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
    ENV["LSAN_OPTIONS"] = "detect_leaks=0"
VAJRA = VMPI = MPIRUN = None
TMP = None
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, flush=True)
    return cond


def run(cmd, env=None, timeout=120):
    p = subprocess.run(cmd, env=env or ENV, capture_output=True, text=True, timeout=timeout)
    return p


def mpi(n, *args, env=None, timeout=120):
    x = ["-x", "VAJRA_MPI_TEST_FAULT"] if env and "VAJRA_MPI_TEST_FAULT" in env else []
    return run([MPIRUN, "--oversubscribe", "-np", str(n)] + x + [VMPI] + list(args), env=env,
               timeout=timeout)


def ok(p, what):
    if p.returncode != 0:
        print(p.stdout[-2000:], p.stderr[-4000:], sep="\n")
    check(p.returncode == 0, what + " (exit %d)" % p.returncode)
    return p.stdout


def runs(text):
    """JSONL run → {qid: [(id, score)]} in file order."""
    out = {}
    for line in text.splitlines():
        o = json.loads(line)
        out[o["query_id"]] = [(h["id"], h["score"]) for h in o["hits"]]
    return out


def same(a, b, what):
    """Same queries, same ids in the same order, scores within 1e-6 relative."""
    if not check(a.keys() == b.keys(), what + ": same queries"):
        return
    for q in a:
        ia = [x[0] for x in a[q]]
        ib = [x[0] for x in b[q]]
        if not check(ia == ib, "%s: query %s ids %s != %s" % (what, q, ia[:5], ib[:5])):
            return
        for (_, sa), (_, sb) in zip(a[q], b[q]):
            if not check(abs(sa - sb) <= 1e-6 * max(1.0, abs(sb)) + 1e-6,
                         "%s: query %s score %r != %r" % (what, q, sa, sb)):
                return


def recall(got, exact, k=10):
    tot = 0.0
    for q in exact:
        e = set(x[0] for x in exact[q][:k])
        g = set(x[0] for x in got[q][:k])
        tot += len(e & g) / max(1, len(e))
    return tot / max(1, len(exact))


def cranfield(stats):
    corpus = os.path.join(DEMO, "corpus.jsonl")
    vecs = os.path.join(DEMO, "lsa128.docs.npy")
    qv = os.path.join(DEMO, "lsa128.queries.npy")
    queries = os.path.join(DEMO, "queries.jsonl")
    single = os.path.join(TMP, "cran.vjr")
    ok(run([VAJRA, "index", corpus, "--vectors", vecs, "-o", single, "-q", "--threads", "1"]),
       "vajra index cranfield")
    ref = {}
    for name, args in [("lexical", ["--queries", queries, "--mode", "lexical"]),
                       ("vector", ["--query-vectors", qv, "--mode", "vector", "--exact"]),
                       ("hnsw", ["--query-vectors", qv, "--mode", "vector", "--ef", "16"]),
                       ("hybrid", ["--queries", queries, "--query-vectors", qv, "--exact"]),
                       ("minmax", ["--queries", queries, "--query-vectors", qv, "--exact",
                                   "--fusion", "minmax", "--weight", "0.3", "--depth", "50"])]:
        ref[name] = (args, runs(ok(run([VAJRA, "search", single, "--format", "jsonl", "-k", "10"]
                                       + args), "vajra search " + name)))
    r_single = recall(ref["hnsw"][1], ref["vector"][1])
    for n in (1, 2, 3, 4):
        d = os.path.join(TMP, "cran%d" % n)
        t = time.time()
        out = ok(mpi(n, "index", corpus, "--vectors", vecs, "-o", d, "--threads", "1", "--json"),
                 "vajra-mpi index N=%d" % n)
        if out:
            summary = json.loads(out)
            check(summary["docs"] == 1400 and summary["shards"] == n, "index summary N=%d" % n)
        for i in range(n):  # every shard is an ordinary index
            info = run([VAJRA, "info", os.path.join(d, "shard-%d.vjr" % i), "--json"])
            check(info.returncode == 0, "vajra info shard-%d of %d" % (i, n))
        for name, (args, want) in ref.items():
            if name in ("lexical", "hybrid", "minmax") and not stats and n > 1:
                continue  # needs the global statistics (vajra_collection_query_stats)
            got = runs(ok(mpi(n, "search", d, "--format", "jsonl", "-k", "10", *args),
                          "vajra-mpi search %s N=%d" % (name, n)))
            if name == "hnsw":
                r = recall(got, ref["vector"][1])
                # Each shard's graph is searched with the same beam over fewer documents, so
                # the merged recall is at least the single index's (within 0.01).
                check(r >= r_single - 0.01,
                      "HNSW recall N=%d: %.4f vs single %.4f" % (n, r, r_single))
                print("HNSW ef=16 recall@10 N=%d: %.4f (single index %.4f)" % (n, r, r_single))
            else:
                same(got, want, "cranfield %s N=%d" % (name, n))
        print("cranfield N=%d checked in %.1f s" % (n, time.time() - t), flush=True)
    return single, os.path.join(TMP, "cran3")


def one_query_output(single, sharded):
    """Same text output and --json keys as `vajra search`."""
    args = ["jet noise boundary layer", "-k", "5"]
    a = ok(run([VAJRA, "search", single] + args), "vajra search text")
    b = ok(mpi(3, "search", sharded, *args), "vajra-mpi search text")
    check(a == b, "text output equal:\n%s\n%s" % (a, b))
    a = json.loads(ok(run([VAJRA, "search", single, "--json"] + args), "vajra search --json"))
    b = json.loads(ok(mpi(3, "search", sharded, "--json", *args), "vajra-mpi search --json"))
    check(a == b, "--json output equal:\n%s\n%s" % (a, b))
    # eval: the same metrics (and keys) as vajra eval, every mode
    ev = ["--queries", os.path.join(DEMO, "queries.jsonl"), "--qrels",
          os.path.join(DEMO, "qrels.tsv"), "--query-vectors",
          os.path.join(DEMO, "lsa128.queries.npy"), "--exact", "--json"]
    a = json.loads(ok(run([VAJRA, "eval", single] + ev), "vajra eval"))
    b = json.loads(ok(mpi(3, "eval", sharded, *ev), "vajra-mpi eval"))
    check(a == b, "eval output equal:\n%s\n%s" % (a, b))


def wordnet(stats):
    src = os.path.join(DATA, "wordnet", "corpus.jsonl")
    if not os.path.exists(src):
        print("wordnet: %s missing, skipped" % src)
        return
    corpus = os.path.join(TMP, "wn.jsonl")
    with open(src) as f, open(corpus, "w") as g:
        for i, line in zip(range(5000), f):
            g.write(line)
    queries = os.path.join(TMP, "wnq.jsonl")
    with open(os.path.join(DATA, "wordnet", "queries.jsonl")) as f, open(queries, "w") as g:
        for i, line in zip(range(100), f):
            g.write(line)
    single = os.path.join(TMP, "wn.vjr")
    ok(run([VAJRA, "index", corpus, "-o", single, "-q"]), "vajra index wordnet")
    want = runs(ok(run([VAJRA, "search", single, "--queries", queries, "--format", "jsonl"]),
                   "vajra search wordnet"))
    for n in (2, 4) if stats else (1,):
        d = os.path.join(TMP, "wn%d" % n)
        ok(mpi(n, "index", corpus, "-o", d, "-q"), "vajra-mpi index wordnet N=%d" % n)
        got = runs(ok(mpi(n, "search", d, "--queries", queries, "--format", "jsonl"),
                      "vajra-mpi search wordnet N=%d" % n))
        same(got, want, "wordnet lexical N=%d" % n)


def fault(n, d, env_fault, *extra, want=(), timeout=60):
    """A failing run: non-zero exit, no answer on stdout, stderr naming what failed."""
    env = dict(ENV)
    if env_fault:
        env["VAJRA_MPI_TEST_FAULT"] = env_fault
    t = time.time()
    p = mpi(n, "search", d, "jet noise", "--timeout", "3", *extra, env=env, timeout=timeout)
    what = "fault %s %s" % (env_fault or "", " ".join(want))
    check(p.returncode != 0, what + ": exit status %d" % p.returncode)
    check(p.stdout.strip() == "", what + ": printed an answer: %r" % p.stdout[:200])
    for w in want:
        check(w in p.stderr, what + ": %r not in stderr: %s" % (w, p.stderr[-1500:]))
    print("%s: failed cleanly in %.1f s" % (what, time.time() - t), flush=True)
    return p


def test_faults(single, sharded, stats):
    corpus = os.path.join(DEMO, "corpus.jsonl")
    # a rank that cannot open its shard
    fault(3, sharded, "open:1", want=["shard 1:", "shard-1.vjr", "no results"])
    # a missing shard file
    d = os.path.join(TMP, "missing")
    shutil.copytree(sharded, d)
    os.unlink(os.path.join(d, "shard-2.vjr"))
    fault(3, d, None, want=["shard 2:", "shard-2.vjr"])
    # a corrupt shard file (bytes overwritten in the middle)
    d = os.path.join(TMP, "corrupt")
    shutil.copytree(sharded, d)
    path = os.path.join(d, "shard-1.vjr")
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 64)
    fault(3, d, None, want=["shard 1:", "shard-1.vjr"])
    # a shard from another collection (same shard count, other documents)
    other = os.path.join(TMP, "other.jsonl")
    with open(corpus) as f, open(other, "w") as g:
        for i, line in zip(range(700), f):
            g.write(line)
    od = os.path.join(TMP, "other")
    ok(mpi(3, "index", other, "-o", od, "-q"), "index another collection")
    d = os.path.join(TMP, "foreign")
    shutil.copytree(sharded, d)
    for ext in ("vjr", "ord"):
        shutil.copy(os.path.join(od, "shard-0." + ext), os.path.join(d, "shard-0." + ext))
    fault(3, d, None, want=["shard 0:", "another collection"])
    # the wrong number of ranks
    fault(2, sharded, None, want=["3 shards", "-np 3"])
    # a rank that hangs: rank 0 gives up after --timeout, naming it
    fault(3, sharded, "hang:2", want=["shard(s) 2", "aborting"], timeout=60)
    # a rank that dies: the job ends (mpirun names the process), nothing is printed
    fault(3, sharded, "die:1", timeout=60)


def test_replicas(single, sharded, stats):
    """Throughput mode: 2 shards x 2 replicas answer as 2 shards (and as one index)."""
    qv = os.path.join(DEMO, "lsa128.queries.npy")
    d = os.path.join(TMP, "cran2")
    args = ["--query-vectors", qv, "--mode", "vector", "--exact", "--format", "jsonl"]
    want = runs(ok(run([VAJRA, "search", single] + args), "vajra search vector"))
    got = runs(ok(mpi(4, "search", d, "--replicas", "2", *args), "search --replicas 2"))
    same(got, want, "replicas 2x2 vector")
    b = json.loads(ok(mpi(4, "bench", d, "--replicas", "2", "--query-vectors", qv, "--json",
                          "--repeat", "1"), "bench --replicas 2"))
    check(b["replicas"] == 2 and b["shards"] == 2 and b["queries"] == 225, "bench json %r" % b)
    check(set(b) >= {"mode", "docs", "queries", "k", "ef", "threads", "build_s", "open_s",
                     "p50_ms", "p95_ms", "qps", "recall@10"}, "bench keys %r" % b)
    p = mpi(3, "search", d, "--replicas", "2", "--queries", os.path.join(DEMO, "queries.jsonl"))
    check(p.returncode != 0 and "-np 4" in p.stderr, "replicas with the wrong -np refused")


def test_live(single, sharded, stats):
    """add / upsert / delete routed by id answer as the same writes on one index; a failed
    staging commits nothing; a failed commit is reported as partial, naming the shard."""
    corpus = os.path.join(DEMO, "corpus.jsonl")
    queries = os.path.join(DEMO, "queries.jsonl")
    with open(corpus) as f:
        lines = f.readlines()
    first, more = os.path.join(TMP, "l1000.jsonl"), os.path.join(TMP, "l200.jsonl")
    changed = os.path.join(TMP, "lchg.jsonl")
    open(first, "w").writelines(lines[:1000])
    open(more, "w").writelines(lines[1000:1200])
    chg = []
    for line in lines[10:20]:
        o = json.loads(line)
        o["text"] = "replaced text about jet noise and boundary layers " + o["text"][:40]
        chg.append(json.dumps(o) + "\n")
    open(changed, "w").writelines(chg)
    dels = [json.loads(line)["_id"] for line in lines[30:40]]
    one, d = os.path.join(TMP, "live.vjr"), os.path.join(TMP, "live3")
    ok(run([VAJRA, "index", first, "-o", one, "-q"]), "vajra index live")
    ok(mpi(3, "index", first, "-o", d, "-q"), "vajra-mpi index live")
    for args in (["add", more], ["add", changed, "--upsert"], ["delete"] + dels):
        ok(run([VAJRA, args[0], one] + args[1:] + ["-q"]), "vajra " + " ".join(args[:2]))
        out = ok(mpi(3, args[0], d, *args[1:], "--json"), "vajra-mpi " + " ".join(args[:2]))
        if out:
            summary = json.loads(out)
            check(summary["live"] == (1190 if args[0] == "delete" else 1200), "live count after %s: %r" % (args[0], summary))
    k = "10" if stats else "2000"
    want = runs(ok(run([VAJRA, "search", one, "--queries", queries, "--format", "jsonl", "-k", k]),
                   "vajra search live"))
    got = runs(ok(mpi(3, "search", d, "--queries", queries, "--format", "jsonl", "-k", k),
                  "vajra-mpi search live"))
    if stats:
        same(got, want, "live lexical N=3")
    else:  # per-shard statistics: the same matching documents, in another order
        check(all(set(x[0] for x in got[q]) == set(x[0] for x in want[q]) for q in want),
              "live: same matching documents")
    # staging fails on one shard (a duplicate id without --upsert): nothing committed anywhere
    info0 = json.loads(ok(mpi(3, "info", d, "--json"), "info"))
    p = mpi(3, "add", d, changed)
    check(p.returncode != 0 and "nothing was committed" in p.stderr, "failed add: %s" % p.stderr)
    info1 = json.loads(ok(mpi(3, "info", d, "--json"), "info"))
    check(info0 == info1, "a failed add changed nothing")
    # a commit failing on shard 1 after the others: reported as partial, naming it
    env = dict(ENV, VAJRA_MPI_TEST_FAULT="commit:1")
    ids = [json.loads(line)["_id"] for line in lines[40:60]]
    p = mpi(3, "delete", d, *ids, env=env)
    check(p.returncode != 0 and "PARTIAL" in p.stderr and "shard(s) 1 failed" in p.stderr,
          "partial commit reported: %s" % p.stderr[-800:])
    info2 = json.loads(ok(mpi(3, "info", d, "--json"), "info after a partial commit"))
    on1 = sum(1 for i in ids if shard_of(i, 3) == 1)
    check(info2["live"] == 1190 - (len(ids) - on1), "partial: the others deleted theirs")


def shard_of(doc_id, n):
    h = 0xcbf29ce484222325
    for b in doc_id.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h % n


def main():
    global VAJRA, VMPI, MPIRUN, TMP
    if len(sys.argv) == 3 and sys.argv[1] == "--skip":
        print("SKIP:", sys.argv[2])
        return 77
    if "vgpreload" in os.environ.get("LD_PRELOAD", ""):
        print("SKIP: the MPI runtime under memcheck (setup valgrind) only reports its own "
              "allocations; the plain and ASan runs cover vajra-mpi")
        return 77
    VAJRA, VMPI = sys.argv[1], sys.argv[2]
    MPIRUN = shutil.which("mpirun")
    if MPIRUN is None:
        print("SKIP: mpirun (openmpi-bin) is not installed")
        return 77
    TMP = tempfile.mkdtemp(prefix="vajra-mpi-test-")
    try:
        v = run([VMPI, "--version"]).stdout
        stats = "global-stats: yes" in v
        if not stats:
            print("NOTE: built without vajra_collection_query_stats: lexical equality is checked "
                  "for N = 1 only")
        t0 = time.time()
        single, sharded = cranfield(stats)
        if stats:
            one_query_output(single, sharded)
        wordnet(stats)
        for name in ("faults", "replicas", "live"):
            fn = globals().get("test_" + name)
            if fn:
                fn(single, sharded, stats)
        print("all checks done in %.1f s" % (time.time() - t0))
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
