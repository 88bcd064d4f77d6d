#!/usr/bin/env bash
# Measure and draw Vajra's scaling and its recall–QPS curve against hnswlib, in one run:
#   docs/bench-scale.svg       build time, p50 latency and recall@10 against collection size
#                              (WordNet 1k/10k/20k/50k, texts + lsa384 vectors) per HNSW profile;
#                              the .tsv also has GloVe-100 10k/50k/100k and each run's peak RSS,
#                              and bench/fit_scaling.py fits the growth exponents from it
#   docs/bench-recall-qps.svg  recall@10 against speed (1 / p50 latency: robust against the other
#                              jobs of a shared machine; mean QPS is in the .tsv too) on WordNet 50k:
#                              Vajra's fast and quality profiles over ef, and hnswlib
#                              (bench/compare/compare-hnswlib, M 16, efC 200) over ef
# with the numbers beside them (docs/bench-scale.tsv, docs/bench-recall-qps.tsv).
#
# Usage: bench/plot.sh [BUILD]   (default: build; needs BUILD/tools/vajra/vajra and, for the peer
#        curve, BUILD/bench/compare/compare-hnswlib: configure with -Dcompare=auto and libhnswlib-dev)
# env: VAJRA_DATA_DIR (default ../shared/data), QUERIES (queries timed per point, default 300),
#      PLOT_ONLY=1 (redraw from the .tsv files without measuring), FORMAT=svg|png (default svg),
#      FIG_DIR (where the figures go, default docs).
# The measurements hold /tmp/vajra-heavy.lock (shared with other benchmarks) and take a few
# minutes on 2 cores. Needs gnuplot (Debian gnuplot-nox; scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
data=${VAJRA_DATA_DIR:-../shared/data}
wn=$data/wordnet
nq=${QUERIES:-300}
vajra=$build/tools/vajra/vajra
peer=$build/bench/compare/compare-hnswlib
scale_tsv=docs/bench-scale.tsv
curve_tsv=docs/bench-recall-qps.tsv
format=${FORMAT:-svg}
figs=${FIG_DIR:-docs}
case $format in
  svg) term_scale='svg size 1200,380 font "sans,11" background "white"'
       term_curve='svg size 700,480 font "sans,11" background "white"' ;;
  png) term_scale='pngcairo size 1200,380 font "sans,10"'
       term_curve='pngcairo size 700,480 font "sans,10"' ;;
  *) echo "bench/plot.sh: FORMAT is svg or png" >&2; exit 2 ;;
esac

# One field of a one-line JSON object.
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print("nan" if v is None else v)' "$1" "$2"; }

# One `vajra bench` run (JSON on stdout) with its peak resident set size (kB) appended as "rss_kb".
bench_rss() {
  local out rss
  out=$(/usr/bin/time -f 'rss_kb=%M' -o "$tmp/rss" "$vajra" "$@")
  rss=$(sed -n 's/^rss_kb=//p' "$tmp/rss")
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); j["rss_kb"]=int(sys.argv[2]); print(json.dumps(j))' "$out" "$rss"
}

# One row of the scale table.
scale_row() { # dataset size profile json
  printf '%s %s %s %s %s %s %s %s\n' "$2" "$3" "$(field "$4" build_s)" "$(field "$4" p50_ms)" \
    "$(field "$4" recall@10)" "$(field "$4" threads)" "$1" "$(field "$4" rss_kb)" | tee -a "$scale_tsv"
}

measure() {
  local tmp
  tmp=$(mktemp -d /tmp/vajra-plot.XXXXXX)
  trap 'rm -rf "$tmp"' RETURN
  echo "# size profile build_s p50_ms recall@10 threads dataset peak_rss_kb (vajra bench, vector mode, $nq queries)" > "$scale_tsv"
  for n in 1000 10000 20000 50000; do
    for profile in instant fast quality; do
      j=$(bench_rss bench "$wn/corpus.jsonl" --vectors "$wn/lsa384.docs50k.f16.npy" --limit "$n" \
            --query-vectors "$wn/lsa384.queries.npy" --mode vector --profile "$profile" \
            --max-queries "$nq" --repeat 1 --json)
      scale_row wordnet "$n" "$profile" "$j"
    done
  done
  # GloVe-100 (vectors only, unit length: inner product = cosine), prefixes of the 100k base.
  for n in 10000 50000 100000; do
    for profile in instant fast quality; do
      j=$(bench_rss bench --vectors "$data/glove/glove100.base100k.f16.npy" --limit "$n" \
            --query-vectors "$data/glove/glove100.queries.npy" --mode vector --profile "$profile" \
            --max-queries "$nq" --repeat 1 --json)
      scale_row glove "$n" "$profile" "$j"
    done
  done

  echo "# engine ef recall@10 qps p50_ms (WordNet 50k, 1 thread, k = 10, all 1000 queries)" > "$curve_tsv"
  for profile in fast quality; do
    "$vajra" index "$wn/corpus.jsonl" --vectors "$wn/lsa384.docs50k.f16.npy" --limit 50000 \
      --profile "$profile" -o "$tmp/wn50k-$profile.vjr" --quiet
    for ef in 16 32 64 100 200 400; do
      j=$("$vajra" bench "$tmp/wn50k-$profile.vjr" --query-vectors "$wn/lsa384.queries.npy" \
            --ef "$ef" --repeat 1 --json)
      printf 'vajra-%s %s %s %s %s\n' "$profile" "$ef" "$(field "$j" recall@10)" \
        "$(field "$j" qps)" "$(field "$j" p50_ms)" | tee -a "$curve_tsv"
    done
  done
  if [ -x "$peer" ]; then
    "$peer" "$data" wordnet50k | grep '^{' | python3 -c '
import json, sys
for line in sys.stdin:
    j = json.loads(line)
    if "ef" in j:
        print("hnswlib-M16-efc200", j["ef"], j["recall@10"], j["qps"], j["p50_ms"])' |
      tee -a "$curve_tsv"
  else
    echo "bench/plot.sh: $peer not built: no hnswlib curve" >&2
  fi
}

if [ "${PLOT_ONLY:-0}" != 1 ]; then
  [ -x "$vajra" ] || { echo "bench/plot.sh: build $vajra first" >&2; exit 1; }
  # Hold the shared lock for the whole measurement (other engineers benchmark on these cores).
  exec 9>/tmp/vajra-heavy.lock
  flock 9
  measure
  flock -u 9
fi

# One series per profile/engine: the rows whose first/second column names it.
gnuplot <<GP
set terminal $term_scale
set termoption noenhanced
set output "$figs/bench-scale.$format"
set multiplot layout 1,3 title "Vajra on WordNet (texts + 384-d LSA vectors): scaling per HNSW profile"
set logscale x
set xlabel "documents"
set key top left
set grid
set title "build time (s, $(awk '!/^#/ {print $6; exit}' "$scale_tsv") threads)"
plot for [p in "instant fast quality"] "< awk -v p=".p." '\$2 == p && (\$7 == \"wordnet\" || \$7 == \"\")' $scale_tsv" using 1:3 with linespoints title p
set title "p50 latency (ms, 1 thread, k = 10)"
plot for [p in "instant fast quality"] "< awk -v p=".p." '\$2 == p && (\$7 == \"wordnet\" || \$7 == \"\")' $scale_tsv" using 1:4 with linespoints title p
set title "recall@10 vs exact search"
set yrange [*:1]
set key bottom left
plot for [p in "instant fast quality"] "< awk -v p=".p." '\$2 == p && (\$7 == \"wordnet\" || \$7 == \"\")' $scale_tsv" using 1:5 with linespoints title p
unset multiplot

set terminal $term_curve
set termoption noenhanced
set output "$figs/bench-recall-qps.$format"
set title "WordNet 50k (384-d): recall@10 vs speed, 1 thread, k = 10"
unset logscale x
set logscale y
set xlabel "recall@10"
set ylabel "queries per second (1 / p50 latency)"
set xrange [*:1]
set yrange [*:*]
set key top right
set grid
plot for [e in "vajra-fast vajra-quality hnswlib-M16-efc200"] "< awk -v e=".e." '\$1 == e' $curve_tsv" using 3:(1000/\$5) with linespoints title e
GP
echo "wrote $figs/bench-scale.$format $figs/bench-recall-qps.$format"
# Growth exponents (build time and p50 ~ N^a, least squares on log–log) and bytes per vector
# (slope of peak RSS against N), per dataset and profile: the table docs/benchmarks.md quotes.
python3 bench/fit_scaling.py "$scale_tsv"
