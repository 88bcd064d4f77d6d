#!/usr/bin/env bash
# Run Vajra and every peer engine back to back on the shared benchmark data and write
#   OUT/results.jsonl   one JSON object per figure ({"peer", "set", "run", ...})
#   OUT/results.md      the tables (bench/compare/report.py: medians over runs, QPS at equal recall)
#   OUT/log.txt         everything the programs printed
#
# Vector (1 search thread, M = 16, ef_construction = 200, builds on 1 thread, ef list $EFS):
#   WordNet 50k (384-d) and GloVe 100k (100-d): Vajra (`vajra index` + `vajra bench --json`, and
#   bench/vector/bench-hnsw calling the plugin directly), hnswlib (compare-hnswlib, -march=native),
#   FAISS (python3-faiss), USearch and ZVec (npm packages, installed into OUT/node).
# Lexical: WordNet 116k (build, top-10 latency) and Cranfield (nDCG@10 etc. through Vajra's eval
#   module): Vajra, Xapian, SQLite FTS5, Lucene 8 (Debian jars), ZVec's full-text search.
#
# A peer whose runtime is missing (no node/npm, no javac or Lucene jars, no python3-faiss) prints a
# "skipped: ..." line and the run goes on. The whole run holds `flock /tmp/vajra-heavy.lock` (other
# people benchmark on this machine too; taken once, as a queue of per-program locks starves), unless
# --no-lock says the caller holds it. Not part of `meson test`.
#
# Usage: scripts/bench-all.sh [-C BUILD_DIR] [-o OUT_DIR] [--data DIR] [--vector-runs N]
#                             [--lexical-runs N] [--sets "wordnet50k glove100k"] [--only PEERS]
#                             [--no-lock]
#   defaults: build, BUILD/bench-all, ../shared/data, 1 vector run, 3 lexical runs.
#   --only "vajra hnswlib" runs just those engines (names as in the "peer" field).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
DATA=$ROOT/../shared/data
OUT=
VRUNS=1
LRUNS=3
SETS="wordnet50k glove100k"
ONLY=
EFS=${VAJRA_COMPARE_EFS:-16,32,64,100,200,400,800}
LOCK=/tmp/vajra-heavy.lock
FTS5_QUERIES=200 # FTS5 takes ~0.1 s a WordNet query: the first 200 only

while [ $# -gt 0 ]; do
  case $1 in
    -C) BUILD=$(cd "$2" && pwd); shift 2 ;;
    -o) OUT=$2; shift 2 ;;
    --data) DATA=$(cd "$2" && pwd); shift 2 ;;
    --vector-runs) VRUNS=$2; shift 2 ;;
    --lexical-runs) LRUNS=$2; shift 2 ;;
    --sets) SETS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --no-lock) LOCK=; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench-all: unknown argument $1" >&2; exit 2 ;;
  esac
done
DATA=$(cd "$DATA" && pwd)
OUT=${OUT:-$BUILD/bench-all}
mkdir -p "$OUT/tmp"
OUT=$(cd "$OUT" && pwd)
RESULTS=$OUT/results.jsonl
LOG=$OUT/log.txt
: >"$RESULTS"
: >"$LOG"
TMP=$OUT/tmp

export VAJRA_DATA_DIR=$DATA VAJRA_COMPARE_EFS=$EFS VAJRA_COMPARE_THREADS=1
export VAJRA_COMPARE_MAX_QUERIES=$FTS5_QUERIES
export VAJRA_PLUGIN_PATH
VAJRA_PLUGIN_PATH=$(find "$BUILD/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)
export VAJRA_EVALRUN=$BUILD/bench/compare/compare-evalrun VAJRA_RUN_DIR=$TMP
export VAJRA_NODE_MODULES=$OUT/node
export VAJRA_STOPWORDS_C=$ROOT/plugins/lexical/stopwords.c
VAJRA=$BUILD/tools/vajra/vajra
CMP=$ROOT/bench/compare

say() { echo "== $*" | tee -a "$LOG" >&2; }
wanted() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

# merge JSON: each JSON line of stdin with the fields of JSON added in front (a field the line
# also has keeps the line's value unless that is null).
merge() {
  /usr/bin/python3 -c '
import json, sys
pre = json.loads(sys.argv[1])
for line in sys.stdin:
    d = json.loads(line)
    out = dict(pre)
    out.update({k: v for k, v in d.items() if v is not None or k not in pre})
    print(json.dumps(out, separators=(",", ":")))' "$1"
}

# run PREFIX RUN CMD...: run CMD; keep its JSON lines, each given "run": RUN and
# the fields in PREFIX (a JSON fragment like '"peer":"vajra","set":"x",' or empty).
run() {
  local prefix=$1 runno=$2
  shift 2
  echo "\$ $*" >>"$LOG"
  local t0=$SECONDS
  "$@" 2>>"$LOG" | tee -a "$LOG" | grep '^{' | merge "{${prefix}\"run\":${runno}}" >>"$RESULTS"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || say "FAILED ($rc): $*"
  echo "   ($((SECONDS - t0)) s)" >>"$LOG"
}
skip() { # skip PEER WHY
  say "$1: skipped: $2"
  printf '{"peer":"%s","skipped":"%s"}\n' "$1" "$2" >>"$RESULTS"
}

if [ -n "$LOCK" ]; then
  exec 9>"$LOCK"
  say "waiting for $LOCK"
  flock 9
fi
say "$(date -u '+%Y-%m-%d %H:%M UTC') $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
say "build $BUILD, data $DATA, out $OUT, efs $EFS, sets $SETS, vector runs $VRUNS, lexical runs $LRUNS"
ninja -C "$BUILD" >>"$LOG" 2>&1 || { say "build failed (see $LOG)"; exit 1; }

# ---- runtimes of the optional peers ----
HAVE_NODE=0
if command -v node >/dev/null && command -v npm >/dev/null; then
  if [ ! -d "$OUT/node/node_modules/usearch" ] || [ ! -d "$OUT/node/node_modules/@zvec/zvec" ]; then
    mkdir -p "$OUT/node"
    [ -f "$OUT/node/package.json" ] || echo '{"name":"vajra-bench-peers","private":true}' >"$OUT/node/package.json"
    say "npm install usearch @zvec/zvec into $OUT/node"
    npm install --prefix "$OUT/node" --no-audit --no-fund --loglevel=error usearch@2.25.3 @zvec/zvec@0.7.0 >>"$LOG" 2>&1 ||
      say "npm install failed (see $LOG)"
  fi
  HAVE_NODE=1
fi
HAVE_LUCENE=0
LUCENE_CP=$(ls /usr/share/java/lucene-core-8*.jar /usr/share/java/lucene-analyzers-common-8*.jar 2>/dev/null | paste -sd:)
if command -v javac >/dev/null && [ -n "$LUCENE_CP" ] && [[ $LUCENE_CP == *:* ]]; then
  mkdir -p "$OUT/lucene-classes"
  javac -d "$OUT/lucene-classes" -cp "$LUCENE_CP" "$CMP/CompareLucene.java" >>"$LOG" 2>&1 && HAVE_LUCENE=1
fi
FAISS_PY=/usr/bin/python3
"$FAISS_PY" -c 'import faiss, numpy' 2>/dev/null || FAISS_PY=

# ---- inputs Vajra's CLI needs for vector-only runs: documents with no text, one per vector ----
mkjsonl() { # mkjsonl N FILE
  [ -s "$2" ] || awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "{\"_id\": \"%d\", \"text\": \"\"}\n", i }' >"$2"
}
set_files() { # set_files SET -> N BASE QVEC QJSONL GTN
  case $1 in
    wordnet50k) N=50000; BASE=$DATA/wordnet/lsa384.docs50k.f16.npy; QVEC=$DATA/wordnet/lsa384.queries.npy
                QJSONL=$DATA/wordnet/queries.jsonl; BSET=wordnet ;;
    glove100k) N=100000; BASE=$DATA/glove/glove100.base100k.f16.npy; QVEC=$DATA/glove/glove100.queries.npy
               QJSONL=$TMP/glove-queries.jsonl; BSET=glove; mkjsonl 1000 "$QJSONL" ;;
    *) echo "bench-all: unknown set $1" >&2; exit 2 ;;
  esac
  mkjsonl "$N" "$TMP/empty$N.jsonl"
}

# ---- vector ----
for s in $SETS; do
  set_files "$s"
  for r in $(seq 1 "$VRUNS"); do
    if wanted vajra; then
      say "vajra $s run $r"
      run "\"peer\":\"vajra\",\"set\":\"$s\",\"n\":$N,\"M\":16,\"ef_construction\":200,\"threads\":1," "$r" \
        "$VAJRA" index "$TMP/empty$N.jsonl" --vectors "$BASE" -o "$TMP/$s.vjr" --M 16 --ef-construction 200 \
        --threads 1 --json
      for ef in ${EFS//,/ }; do
        run "\"peer\":\"vajra\",\"set\":\"$s\",\"n\":$N,\"ef\":$ef,\"threads\":1," "$r" \
          "$VAJRA" bench "$TMP/$s.vjr" --queries "$QJSONL" --query-vectors "$QVEC" --mode vector --ef "$ef" \
          --repeat 3 --json
      done
      rm -f "$TMP/$s.vjr"
    fi
    if wanted vajra-direct; then
      say "bench-hnsw $s run $r"
      echo "\$ bench-hnsw --set $BSET --n $N --M 16 --efc 200 --ef $EFS --threads 1" >>"$LOG"
      "$BUILD/bench/vector/bench-hnsw" --set "$BSET" --n "$N" --M 16 --efc 200 --ef "$EFS" \
        --threads 1 2>>"$LOG" | tee -a "$LOG" |
        awk -v s="$s" -v r="$r" '
          # Columns by their header names (bench-hnsw grows columns; positions are not stable).
          $1 == "set" { for (i = 1; i <= NF; i++) col[$i] = i; next }
          /^#/ || !("ef" in col) { next }
          $col["M"] == 16 && $col["efC"] == 200 {
          if (!done) { printf "{\"peer\":\"vajra-direct\",\"set\":\"%s\",\"run\":%d,\"n\":%d,\"M\":16,\"ef_construction\":200,\"threads\":1,\"build_s\":%s}\n", s, r, $col["n"], $col["build1_s"]; done = 1 }
          printf "{\"peer\":\"vajra-direct\",\"set\":\"%s\",\"run\":%d,\"n\":%d,\"ef\":%d,\"recall@10\":%s,\"p50_ms\":%s,\"p95_ms\":%s,\"qps\":%s,\"threads\":1}\n", s, r, $col["n"], $col["ef"], $col["recall10"], $col["p50_ms"], $col["p95_ms"], $col["qps"] }' \
          >>"$RESULTS"
    fi
    if wanted hnswlib && [ -x "$BUILD/bench/compare/compare-hnswlib" ]; then
      say "hnswlib $s run $r"
      run "" "$r" "$BUILD/bench/compare/compare-hnswlib" "$DATA" "$s"
    fi
    if wanted faiss; then
      if [ -n "$FAISS_PY" ]; then
        say "faiss $s run $r"
        run "" "$r" "$FAISS_PY" "$CMP/compare_faiss.py" "$DATA" "$s"
      elif [ "$r" = 1 ]; then skip faiss "python3-faiss/numpy not importable by /usr/bin/python3"; fi
    fi
    for peer in usearch zvec; do
      wanted $peer || continue
      if [ $HAVE_NODE = 1 ]; then
        say "$peer $s run $r"
        run "" "$r" node "$CMP/compare_$peer.cjs" "$DATA" "$s"
      elif [ "$r" = 1 ]; then skip $peer "node/npm not installed"; fi
    done
  done
done

# ---- lexical ----
for r in $(seq 1 "$LRUNS"); do
  if wanted vajra; then
    say "vajra lexical run $r"
    run '"peer":"vajra","set":"wordnet-build",' "$r" "$VAJRA" index "$DATA/wordnet/corpus.jsonl" \
      -o "$TMP/wordnet-lex.vjr" --json
    run '"peer":"vajra","set":"wordnet",' "$r" "$VAJRA" bench "$DATA/wordnet/corpus.jsonl" \
      --queries "$DATA/wordnet/queries.jsonl" --mode lexical --repeat 3 --json
    run '"peer":"vajra","set":"cranfield-build",' "$r" "$VAJRA" index "$DATA/cranfield/corpus.jsonl" \
      -o "$TMP/cranfield.vjr" --json
    run '"peer":"vajra","set":"cranfield",' "$r" "$VAJRA" eval "$TMP/cranfield.vjr" \
      --queries "$DATA/cranfield/queries.jsonl" --qrels "$DATA/cranfield/qrels.tsv" --mode lexical --json
    rm -f "$TMP/wordnet-lex.vjr" "$TMP/cranfield.vjr"
  fi
  if wanted xapian && [ -x "$BUILD/bench/compare/compare-xapian" ]; then
    say "xapian run $r"
    run "" "$r" "$BUILD/bench/compare/compare-xapian" "$DATA"
  fi
  if wanted lucene; then
    if [ $HAVE_LUCENE = 1 ]; then
      say "lucene run $r"
      run "" "$r" java -Xmx2g -cp "$LUCENE_CP:$OUT/lucene-classes" CompareLucene "$DATA" "$VAJRA_STOPWORDS_C" \
        "$VAJRA_EVALRUN" "$TMP"
    elif [ "$r" = 1 ]; then skip lucene "javac or the Lucene 8 jars (liblucene8-java) not installed"; fi
  fi
  if wanted zvec; then
    if [ $HAVE_NODE = 1 ]; then
      say "zvec lexical run $r"
      run "" "$r" node "$CMP/compare_zvec.cjs" "$DATA" cranfield wordnet
    elif [ "$r" = 1 ]; then skip zvec "node/npm not installed"; fi
  fi
  if wanted fts5 && [ "$r" = 1 ] && [ -x "$BUILD/bench/compare/compare-fts5" ]; then
    say "fts5 (one run, first $FTS5_QUERIES WordNet queries)"
    run "" "$r" "$BUILD/bench/compare/compare-fts5" "$DATA"
  fi
done

/usr/bin/python3 "$CMP/report.py" "$RESULTS" >"$OUT/results.md"
say "done $(date -u '+%H:%M UTC'): $RESULTS, $OUT/results.md"
