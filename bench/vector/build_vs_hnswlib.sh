#!/usr/bin/env bash
# Issue 17 item 2: 2-thread HNSW builds through the CLI beside hnswlib M16/efC200 (2 threads), in
# the same minutes, interleaved round by round (this machine's speed drifts by ±20 % over hours).
# Usage: bench/vector/build_vs_hnswlib.sh [BUILD_DIR [ROUNDS [DATA_DIR]]]
#   defaults: build, 3, ../shared/data. Prints one JSON line per build (hnswlib: 1 and 2 threads;
#   vajra: profiles quality and instant on 2 threads, with recall@10 and p50 at the profile's ef).
# Run it alone (or under `flock /tmp/vajra-heavy.lock`): two-thread wall times need both cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}; R=${2:-3}; DATA=${3:-../shared/data}
export VAJRA_PLUGIN_PATH=$(find "$B/plugins" -name "*.so" -printf "%h\n" | sort -u | tr '\n' ':')
export VAJRA_DATA_DIR=$DATA
W=$DATA/wordnet
[ -x "$B/bench/compare/compare-hnswlib" ] || { echo "needs $B/bench/compare/compare-hnswlib (-Dcompare=enabled)" >&2; exit 2; }
for r in $(seq 1 "$R"); do
  echo "# round $r $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  VAJRA_COMPARE_EFS=200 VAJRA_COMPARE_MAX_QUERIES=200 "$B/bench/compare/compare-hnswlib" "$DATA" wordnet50k 2>/dev/null |
    grep '"build_s"'
  for p in quality instant; do
    "$B/tools/vajra/vajra" bench --vectors "$W/lsa384.docs50k.f16.npy" --query-vectors "$W/lsa384.queries.npy" \
      --mode vector --profile "$p" --threads 2 --repeat 1 --json 2>/dev/null | sed "s/^{/{\"peer\":\"vajra-$p\", /"
  done
done
