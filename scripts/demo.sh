#!/usr/bin/env bash
# The README's first command: install what is missing, build Vajra, index the bundled demo corpus
# (Cranfield: 1,400 aeronautics abstracts with 128-d LSA vectors, in data/demo/) and run one
# lexical, one vector and one hybrid query, printing the ranked titles.
# Usage: scripts/demo.sh            (from anywhere; builds into build-demo/ in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${VAJRA_DEMO_SKIP_DEPS:-0}" = 1 ] || scripts/install-deps.sh

BUILD=${VAJRA_DEMO_BUILD:-build-demo}
[ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release -Dtests=false -Dcompare=disabled >/dev/null
ninja -C "$BUILD" >/dev/null

# Plugins are loaded from the build tree (an installed copy would be found without this).
VAJRA_PLUGIN_PATH=$(find "$PWD/$BUILD/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)
export VAJRA_PLUGIN_PATH
vajra="$BUILD/tools/vajra/vajra"
demo=data/demo
index="$BUILD/demo.vjr"

# Query 1 of Cranfield; row 0 of lsa128.queries.npy is the same query, embedded.
query="what similarity laws must be obeyed when constructing aeroelastic models of heated high speed aircraft"

echo "== vajra index $demo/corpus.jsonl --vectors $demo/lsa128.docs.npy -o $index"
"$vajra" index "$demo/corpus.jsonl" --vectors "$demo/lsa128.docs.npy" -o "$index"
echo
echo "Query: \"$query\""
echo
echo "== lexical (BM25)"
"$vajra" search "$index" "$query" --mode lexical -k 5
echo
echo "== vector (HNSW over LSA embeddings; query vector = row 0 of lsa128.queries.npy)"
"$vajra" search "$index" --mode vector --query-vector "$demo/lsa128.queries.npy:0" -k 5
echo
echo "== hybrid (reciprocal rank fusion of both: fuse ∘ ⟨lexical ∘ π₀, vector ∘ π₁⟩)"
"$vajra" search "$index" "$query" --mode hybrid --query-vector "$demo/lsa128.queries.npy:0" -k 5 \
  --show-pipeline
echo
echo "== effectiveness on all 225 Cranfield queries"
"$vajra" eval "$index" --queries "$demo/queries.jsonl" --qrels "$demo/qrels.tsv" \
  --query-vectors "$demo/lsa128.queries.npy"
