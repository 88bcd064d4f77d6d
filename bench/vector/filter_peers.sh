#!/bin/sh
# Filtered vector search, Vajra against hnswlib and FAISS on the same filters (issue 12, item 4).
#
# For WordNet 50k and GloVe 100k, back to back under /tmp/vajra-heavy.lock (the script takes the
# lock itself unless VAJRA_HEAVY_LOCKED=1):
#   1. bench-filter (fast profile) — Vajra planned / scan / post x10 / unfiltered — with
#      --dump: it writes every (kind, selectivity)'s passing sets and exact filtered top 10;
#   2. compare-hnswlib-filter on those files (hnswlib 0.6.2, non-passing marked deleted);
#   3. bench/compare/filter_faiss.py on those files (FAISS IndexHNSWFlat + IDSelectorBitmap).
# Every program searches the same queries (the first Q rows of the set's query file) with the same
# passing sets, M 16 / efC 128 / ef 128, one search thread; recall@10 is against the same exact
# filtered answer (bench-filter's scan). A peer whose program or package is missing is skipped
# with a line saying so. Raw rows go to OUT/raw-<set>.md, the combined table to OUT/table.md.
#
#   bench/vector/filter_peers.sh [BUILD_DIR [QUERIES [OUT_DIR]]]   (defaults: build 200 /tmp/...)
# Environment: VAJRA_DATA_DIR (default ../shared/data), FILTER_PEERS_SETS (default
# "wordnet:50000 glove:100000"), FILTER_PEERS_SEL (default 50,10,1,0.1).
set -eu

build=${1:-build}
queries=${2:-200}
out=${3:-/tmp/vajra-filter-peers}
here=$(cd "$(dirname "$0")" && pwd)
sets=${FILTER_PEERS_SETS:-"wordnet:50000 glove:100000"}
sel=${FILTER_PEERS_SEL:-50,10,1,0.1}

if [ "${VAJRA_HEAVY_LOCKED:-0}" != 1 ]; then
    VAJRA_HEAVY_LOCKED=1 exec flock /tmp/vajra-heavy.lock "$0" "$build" "$queries" "$out"
fi

: "${VAJRA_DATA_DIR:=$here/../../../shared/data}"
export VAJRA_DATA_DIR
VAJRA_PLUGIN_PATH=$(find "$build/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)
export VAJRA_PLUGIN_PATH
ninja -C "$build" -j2 bench/vector/bench-filter >/dev/null
hnsw=$build/bench/compare/compare-hnswlib-filter
if ninja -C "$build" -t targets all 2>/dev/null | grep -q '^bench/compare/compare-hnswlib-filter:'; then
    ninja -C "$build" -j2 bench/compare/compare-hnswlib-filter >/dev/null
fi
mkdir -p "$out"

for spec in $sets; do
    ds=${spec%%:*} n=${spec#*:}
    raw=$out/raw-$ds.md
    dump=$out/dump-$ds
    rm -rf "$dump" && mkdir -p "$dump"
    {
        echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') $(uname -n) load:$(uptime | sed 's/.*load average://')"
        "$build/bench/vector/bench-filter" --set "$ds" --n "$n" --queries "$queries" \
            --sel "$sel" --beam-min-sel 1000 --dump "$dump"
        files=$(ls "$dump"/*.vjf)
        echo "# $(date -u '+%H:%M:%S UTC') load:$(uptime | sed 's/.*load average://')"
        if [ -x "$hnsw" ]; then
            # shellcheck disable=SC2086
            "$hnsw" --set "$ds" --n "$n" --M 16 --efc 128 --ef 128 $files
        else
            echo "# hnswlib: skipped ($hnsw not built: no hnswlib/hnswlib.h or -Dcompare=disabled)"
        fi
        echo "# $(date -u '+%H:%M:%S UTC') load:$(uptime | sed 's/.*load average://')"
        if [ -x /usr/bin/python3 ]; then
            # shellcheck disable=SC2086
            /usr/bin/python3 "$here/../compare/filter_faiss.py" --set "$ds" --n "$n" --M 16 \
                --efc 128 --ef 128 $files
        else
            echo "# faiss: skipped (no /usr/bin/python3)"
        fi
        echo "# $(date -u '+%H:%M:%S UTC') load:$(uptime | sed 's/.*load average://')"
    } | tee "$raw"
done

# One row per (set, kind, selectivity): recall@10 / p50 ms of each method, unfiltered p50s beside.
python3 - "$out" $sets >"$out/table.md" <<'EOF'
import sys
out, specs = sys.argv[1], [s.split(":") for s in sys.argv[2:]]
names = {"wordnet": "WordNet", "glove": "GloVe"}
print("| set | filter | passing | Vajra planned: plan, recall / p50 | Vajra post ×10 recall / p50 "
      "| Vajra unfiltered p50 | hnswlib filter recall / p50 | hnswlib unfiltered p50 "
      "| FAISS IDSelector recall / p50 | FAISS unfiltered p50 |")
print("|---|---|---|---|---|---|---|---|---|---|")
for s, n in specs:
    rows, order = {}, []
    for line in open(f"{out}/raw-{s}.md"):
        c = [x.strip() for x in line.strip().strip("|").split("|")]
        if len(c) != 9 or not line.startswith("|"):
            continue
        key = (c[1], c[2])
        if key not in rows:
            rows[key] = {"passing": c[3]}
            order.append(key)
        rows[key][c[4]] = (c[5], c[7])
    label = f"{names.get(s, s)} {int(n) // 1000}k"
    for key in order:
        r = rows[key]
        plan = next((m for m in r if m.startswith("planned")), None)
        def rp(m):
            return f"{r[m][1]} / {r[m][0]}" if m in r else "—"
        def p(m):
            return r[m][0] if m in r else "—"
        planned = f"{plan[len('planned ('):-1]}, {rp(plan)}" if plan else "—"
        post = next((m for m in r if m.startswith("post")), None)
        print(f"| {label} | {key[0]} {key[1]} | {float(r['passing']):,.0f} "
              f"| {planned} | {rp(post) if post else '—'} | {p('unfiltered')} "
              f"| {rp('hnswlib filter')} | {p('hnswlib unfiltered')} "
              f"| {rp('faiss IDSelector')} | {p('faiss unfiltered')} |")
        label = ""
EOF
cat "$out/table.md"
