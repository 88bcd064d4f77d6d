#!/usr/bin/env bash
# Build time and query latency/QPS of vajra-mpi for N = 1, 2, 4 shards on ONE machine (loopback,
# shared memory), as reported in docs/scale-out.md. Run under `flock /tmp/vajra-heavy.lock`.
# With more ranks than cores the figures are OVERSUBSCRIBED and labelled so (the JSON has
# "oversubscribed": true). Usage: bench/mpi/scale-out.sh BUILD_DIR [OUT_DIR]
set -euo pipefail
B=${1:-build}; OUT=${2:-/tmp/vajra-scale-out}
DATA=$(cd "$(dirname "$0")/../../.." && pwd)/shared/data
mkdir -p "$OUT"
export OMPI_MCA_btl=self,vader OMPI_MCA_plm_rsh_agent= OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
VM=$B/tools/vajra-mpi/vajra-mpi
WN=$DATA/wordnet
CORES=$(nproc)
for n in 1 2 4; do
  t=$(( CORES / n )); [ "$t" -ge 1 ] || t=1        # the same total build threads for every N
  # WordNet, every definition (116k documents), lexical
  mpirun --oversubscribe -np $n $VM index "$WN/corpus.jsonl" -o "$OUT/wn$n" --threads $t --json \
    | sed "s/^/index-lexical N=$n: /"
  mpirun --oversubscribe -np $n $VM bench "$OUT/wn$n" --queries "$WN/queries.jsonl" --repeat 2 --json \
    | sed "s/^/bench-lexical N=$n: /"
  # WordNet 20k with its 384-d vectors (LSA), HNSW fast profile
  mpirun --oversubscribe -np $n $VM index "$WN/corpus.jsonl" --vectors "$WN/lsa384.docs50k.f16.npy" \
    --limit 20000 -o "$OUT/wv$n" --threads $t --json | sed "s/^/index-vector N=$n: /"
  mpirun --oversubscribe -np $n $VM bench "$OUT/wv$n" --query-vectors "$WN/lsa384.queries.npy" \
    --ef 64 --repeat 2 --json | sed "s/^/bench-vector N=$n: /"
  mpirun --oversubscribe -np $n $VM bench "$OUT/wv$n" --queries "$WN/queries.jsonl" \
    --query-vectors "$WN/lsa384.queries.npy" --ef 64 --repeat 2 --json | sed "s/^/bench-hybrid N=$n: /"
done
# Throughput mode: 1 shard x 2 replicas, and 2 shards x 2 replicas (oversubscribed on 2 cores)
mpirun --oversubscribe -np 2 $VM bench "$OUT/wn1" --queries "$WN/queries.jsonl" --replicas 2 --repeat 2 --json \
  | sed "s/^/bench-lexical 1x2 replicas: /"
mpirun --oversubscribe -np 4 $VM bench "$OUT/wn2" --queries "$WN/queries.jsonl" --replicas 2 --repeat 2 --json \
  | sed "s/^/bench-lexical 2x2 replicas: /"
mpirun --oversubscribe -np 2 $VM bench "$OUT/wv1" --query-vectors "$WN/lsa384.queries.npy" --ef 64 --replicas 2 --repeat 2 --json \
  | sed "s/^/bench-vector 1x2 replicas: /"
