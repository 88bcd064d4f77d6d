// USearch comparison (npm `usearch`, its prebuilt native binding), HNSW over inner product.
//
// For each vector set: build an index with connectivity (M) 16, expansion_add (efC) 200, f32
// storage, adding the rows in one call on 1 thread; report build time. USearch's Node binding
// fixes expansion_search at construction, so the built index is saved once and, for each ef,
// loaded into an index constructed with expansion_search = ef. Search one query at a time on one
// thread (k = 10) after one untimed warm-up pass; recall@10 with ties as compare-hnswlib counts.
//
// Usage: node compare_usearch.cjs [DATA_DIR [SET...]]   (SET: wordnet50k glove100k ...)
// The package is looked up under $VAJRA_NODE_MODULES (scripts/bench-all.sh installs it there).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const c = require('./compare_common.cjs');

const M = 16, EFC = 200, K = 10;

const usearch = c.requirePeer('usearch');
if (!usearch) c.skip('usearch', 'npm package usearch not installed (set VAJRA_NODE_MODULES)');
const version = c.peerVersion('usearch');

function makeIndex(dim, ef) {
  return new usearch.Index({ dimensions: dim, metric: 'ip', quantization: 'f32', connectivity: M,
    expansion_add: EFC, expansion_search: ef, multi: false });
}

function runSet(dir, name) {
  const set = c.loadSet(dir, name);
  const n = set.n, dim = set.dim;
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  const vectors = set.base.data.subarray(0, n * dim);
  const index = makeIndex(dim, 64);
  const t0 = c.now();
  index.add(keys, vectors, 1);
  const build = c.now() - t0;
  c.emit(`usearch ${version} ${name}: n ${n} dim ${dim} M ${M} efC ${EFC} threads 1 build ${build.toFixed(3)} s`,
    { peer: 'usearch', version, set: name, n, dim, M, ef_construction: EFC, threads: 1, build_s: c.fmt(build, 3) });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vajra-usearch-')), 'index.usearch');
  index.save(file);
  for (const ef of c.efList()) {
    const idx = makeIndex(dim, ef);
    idx.load(file);
    const r = c.measure(set, (qi) => {
      const m = idx.search(c.row(set.queries, qi), K, 1);
      const out = new Array(m.keys.length);
      for (let j = 0; j < m.keys.length; j++) out[j] = Number(m.keys[j]);
      return out;
    });
    c.emit(`usearch ${name} ef ${ef}: recall@10 ${r.recall.toFixed(4)} p50 ${r.p50.toFixed(3)} ms p95 ${r.p95.toFixed(3)} ms QPS ${r.qps.toFixed(0)} (1 thread)`,
      { peer: 'usearch', set: name, n, ef, 'recall@10': c.fmt(r.recall, 4), p50_ms: c.fmt(r.p50, 4),
        p95_ms: c.fmt(r.p95, 4), qps: c.fmt(r.qps, 1), threads: 1 });
  }
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

const dir = c.dataDir(process.argv);
for (const name of c.wantedSets(process.argv, ['wordnet50k', 'glove100k'])) runSet(dir, name);
