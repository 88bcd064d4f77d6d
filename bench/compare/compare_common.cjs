// Shared bits of the Node comparison programs (compare_usearch.cjs, compare_zvec.cjs): where the
// data and the npm packages are, .npy reading (<f2 widened, <f4, <i4), the vector sets, recall@10
// with ties, nearest-rank percentiles, and the result lines. Like compare_common.h, every figure is
// printed as a '#' line for people and a one-line JSON object (keys "peer", "set", then the
// figures) for scripts.
'use strict';

const fs = require('fs');
const path = require('path');

// argv[2] else $VAJRA_DATA_DIR else ../shared/data
function dataDir(argv) {
  if (argv.length > 2 && argv[2] !== '') return argv[2];
  if (process.env.VAJRA_DATA_DIR) return process.env.VAJRA_DATA_DIR;
  return '../shared/data';
}

// Load an npm package from $VAJRA_NODE_MODULES (the folder holding node_modules/, set up by
// scripts/bench-all.sh); null when it is not installed there.
function requirePeer(name) {
  const dirs = [];
  if (process.env.VAJRA_NODE_MODULES) dirs.push(process.env.VAJRA_NODE_MODULES);
  dirs.push(process.cwd());
  try {
    return require(require.resolve(name, { paths: dirs }));
  } catch (e) {
    return null;
  }
}

// The installed version of an npm package (from its package.json), or 'unknown'.
function peerVersion(name) {
  const dirs = [process.env.VAJRA_NODE_MODULES, process.cwd()].filter(Boolean);
  for (const d of dirs) {
    try {
      return JSON.parse(fs.readFileSync(path.join(d, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch (e) { /* try the next folder */ }
  }
  return 'unknown';
}

function halfToFloat(h) {
  const s = (h & 0x8000) ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * Math.pow(2, -24);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * Math.pow(2, e - 15);
}

// {rows, dim, data} with data a Float32Array (f2/f4) or Int32Array (i4), row-major.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.readUInt32BE(0) !== 0x934e554d) throw new Error(`${file}: not an .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\((\d+),\s*(\d*)\)/.exec(header);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order`);
  const rows = Number(shape[1]), dim = shape[2] === '' ? 1 : Number(shape[2]);
  const off = start + hlen, n = rows * dim;
  let data;
  if (descr === '<f4') {
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(off + 4 * i);
  } else if (descr === '<f2') {
    const table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = table[buf.readUInt16LE(off + 2 * i)];
  } else if (descr === '<i4') {
    data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = buf.readInt32LE(off + 4 * i);
  } else {
    throw new Error(`${file}: dtype ${descr} not handled`);
  }
  return { rows, dim, data };
}

// The vector sets of compare_hnswlib.cc (prefixes of the base file, matching ground truth).
const SETS = {
  wordnet1k: ['wordnet/lsa384.docs50k.f16.npy', 'wordnet/lsa384.queries.npy', 'wordnet/lsa384.gt1k', 1000],
  wordnet10k: ['wordnet/lsa384.docs50k.f16.npy', 'wordnet/lsa384.queries.npy', 'wordnet/lsa384.gt10k', 10000],
  wordnet20k: ['wordnet/lsa384.docs50k.f16.npy', 'wordnet/lsa384.queries.npy', 'wordnet/lsa384.gt20k', 20000],
  wordnet50k: ['wordnet/lsa384.docs50k.f16.npy', 'wordnet/lsa384.queries.npy', 'wordnet/lsa384.gt50k', 50000],
  glove100k: ['glove/glove100.base100k.f16.npy', 'glove/glove100.queries.npy', 'glove/glove100.gt100k', 100000],
};

function loadSet(dir, name) {
  const spec = SETS[name];
  if (!spec) throw new Error(`no such set ${name}; choose from ${Object.keys(SETS).join(' ')}`);
  const base = readNpy(path.join(dir, spec[0]));
  const queries = readNpy(path.join(dir, spec[1]));
  const gtIds = readNpy(path.join(dir, spec[2] + '.ids.npy'));
  const gtScores = readNpy(path.join(dir, spec[2] + '.scores.npy'));
  const n = spec[3];
  if (base.rows < n || queries.dim !== base.dim || gtIds.rows !== queries.rows)
    throw new Error(`${name}: inconsistent shapes`);
  return { name, n, dim: base.dim, base, queries, gtIds, gtScores };
}

function row(m, i) {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}

// Recall@10 of one query: a returned row counts when it is in the true top 10 or its inner
// product is >= the 10th true score - 1e-6 (ties; see the data README).
function recallAt10(set, qi, labels) {
  const k = 10, truth = new Set();
  for (let t = 0; t < k; t++) truth.add(set.gtIds.data[qi * set.gtIds.dim + t]);
  const tenth = set.gtScores.data[qi * set.gtScores.dim + k - 1];
  const q = row(set.queries, qi);
  let ok = 0;
  for (let j = 0; j < Math.min(k, labels.length); j++) {
    const id = labels[j];
    let hit = truth.has(id);
    if (!hit) {
      const v = row(set.base, id);
      let s = 0;
      for (let d = 0; d < set.dim; d++) s += q[d] * v[d];
      hit = s >= tenth - 1e-6;
    }
    ok += hit ? 1 : 0;
  }
  return ok / k;
}

// BEIR JSONL: [{id, title, text}] in file order.
function readJsonl(file) {
  const out = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line);
    out.push({ id: String(o._id), title: o.title || '', text: o.text || '' });
  }
  return out;
}

// Vajra's English stopword list, read from plugins/lexical/stopwords.c (the one source; the
// quoted words inside its array), so a peer without that list drops exactly the same words.
function vajraStopwords() {
  const file = process.env.VAJRA_STOPWORDS_C || path.join(__dirname, '..', '..', 'plugins', 'lexical', 'stopwords.c');
  const src = fs.readFileSync(file, 'utf8');
  const body = src.slice(src.indexOf('stopwords[] = {'), src.indexOf('};', src.indexOf('stopwords[] = {')));
  const words = new Set();
  for (const m of body.matchAll(/"([^"]+)"/g)) words.add(m[1]);
  if (words.size < 100) throw new Error(`${file}: expected the stopword array`);
  return words;
}

// Nearest-rank percentile (q in 0..1); sorts a copy.
function percentile(values, q) {
  if (values.length === 0) return 0;
  const v = Float64Array.from(values).sort();
  let rank = Math.ceil(q * v.length);
  if (rank < 1) rank = 1;
  if (rank > v.length) rank = v.length;
  return v[rank - 1];
}

function now() {
  return Number(process.hrtime.bigint()) / 1e9;
}

// One untimed warm-up pass, then one timed pass; search(qi) returns the row labels, best first.
function measure(set, search) {
  const nq = set.queries.rows, lat = new Float64Array(nq), got = new Array(nq);
  for (let qi = 0; qi < nq; qi++) search(qi);
  const t0 = now();
  for (let qi = 0; qi < nq; qi++) {
    const a = now();
    got[qi] = search(qi);
    lat[qi] = (now() - a) * 1e3;
  }
  const elapsed = now() - t0;
  let correct = 0;
  for (let qi = 0; qi < nq; qi++) correct += recallAt10(set, qi, got[qi]);
  return { recall: correct / nq, p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), qps: nq / elapsed };
}

function emit(human, obj) {
  process.stdout.write(`# ${human}\n${JSON.stringify(obj)}\n`);
}

function fmt(x, d) {
  return Number(x.toFixed(d));
}

// "skipped: ..." and exit 0, so a missing optional peer never fails a run.
function skip(peer, why) {
  process.stdout.write(`# ${peer}: skipped: ${why}\n`);
  process.stdout.write(JSON.stringify({ peer, skipped: why }) + '\n');
  process.exit(0);
}

// The ef values searched: $VAJRA_COMPARE_EFS (comma-separated) else those of compare-hnswlib.
function efList() {
  const env = process.env.VAJRA_COMPARE_EFS;
  if (env) return env.split(',').map(Number).filter((x) => x > 0);
  return [16, 32, 64, 100, 200, 400];
}

// Sets named after the data dir, else the default list.
function wantedSets(argv, defaults) {
  return argv.length > 3 ? argv.slice(3) : defaults;
}

module.exports = { readJsonl, vajraStopwords, dataDir, requirePeer, peerVersion, readNpy, loadSet, row, recallAt10, percentile, now, measure, emit, fmt, skip, wantedSets, efList, SETS };
