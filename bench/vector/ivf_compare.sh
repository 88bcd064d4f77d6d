#!/bin/sh
# IVF beside HNSW fast and FAISS IVF (docs/vector.md, "vector-ivf"), one run:
#   flock /tmp/vajra-heavy.lock bench/vector/ivf_compare.sh BUILD_DIR
# WordNet 50k (nlist 256) and GloVe 100k (nlist 512): both train on every vector
# (sample = min(n, 256·nlist)), 10 k-means iterations, nprobe 1..64, 1000 queries on 1 thread,
# builds on 1 thread. Prints '#' table lines and JSON lines; the load before and after.
set -e
build=${1:-build}
here=$(dirname "$0")
export VAJRA_PLUGIN_PATH=${VAJRA_PLUGIN_PATH:-$build/plugins/kernel}
export VAJRA_DATA_DIR=${VAJRA_DATA_DIR:-$here/../../../shared/data}
echo "# load before: $(uptime)"
"$build/bench/vector/bench-ivf" --set wordnet --n 50000 --nlist 256 --iterations 10 --threads 1
"$build/bench/vector/bench-ivf" --set glove --n 100000 --nlist 512 --iterations 10 --threads 1
/usr/bin/python3 "$here/bench_ivf_faiss.py" wordnet 50000 256 10 1,2,4,8,16,32,64 1
/usr/bin/python3 "$here/bench_ivf_faiss.py" glove 100000 512 10 1,2,4,8,16,32,64 1
echo "# load after: $(uptime)"
