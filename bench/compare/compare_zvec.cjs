// ZVec comparison (npm `@zvec/zvec`, its prebuilt native binding): HNSW vector search and its
// full-text search (FTS).
//
// Vector, per set: a collection with one FP32 vector field, HNSW over inner product, m 16,
// efConstruction 200; documents inserted in batches of 1,000, then optimizeSync({concurrency: 1})
// (which builds the HNSW index; ZVec's query and optimize threads are set to 1). build_s covers
// the inserts and the optimize. Search one query at a time (querySync, topk 10, no fields or
// vectors returned) at several ef after one untimed warm-up pass; recall@10 with ties as
// compare-hnswlib counts.
//
// Lexical: a STRING field "body" = title + " " + text with an FTS index (tokenizer "standard",
// filters lowercase + stemmer, stemmer_lang english = Snowball English, as Vajra). ZVec has no
// stopword filter, so this program removes Vajra's stopword list (plugins/lexical/stopwords.c)
// from documents and queries itself (lowercased word runs, as both tokenizers see them); the
// query is the remaining words as a matchString (OR of terms). ZVec's FTS scorer is its own
// (BM25-like; parameters not exposed). Cranfield: top 1000 per query written as a TREC run and
// scored by compare-evalrun (Vajra's eval module) when $VAJRA_EVALRUN names it. WordNet 116k:
// build (inserts + optimize) and top-10 p50/p95/QPS over the 1,000 queries, one thread.
//
// Usage: node compare_zvec.cjs [DATA_DIR [PART...]]   PART: a vector set (wordnet50k,
//        glove100k, ...), cranfield or wordnet (lexical). Default: wordnet50k glove100k cranfield
//        wordnet. The package is looked up under $VAJRA_NODE_MODULES.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const c = require('./compare_common.cjs');

const M = 16, EFC = 200, K = 10, EVAL_DEPTH = 1000, BATCH = 1000;

const zvec = c.requirePeer('@zvec/zvec');
if (!zvec) c.skip('zvec', 'npm package @zvec/zvec not installed (set VAJRA_NODE_MODULES)');
const version = c.peerVersion('@zvec/zvec');
zvec.ZVecInitialize({ logLevel: zvec.ZVecLogLevel.ERROR, queryThreads: 1, optimizeThreads: 1 });

function tmpCollection(tag) {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), `vajra-zvec-${tag}-`)), 'collection');
}

function cleanup(dir) {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}

function checkStatus(st) {
  for (const s of Array.isArray(st) ? st : [st])
    if (!s.ok) throw new Error(`zvec: ${s.code} ${s.message}`);
}

function runVectorSet(dir, name) {
  const set = c.loadSet(dir, name);
  const n = set.n, dim = set.dim;
  const where = tmpCollection(name);
  const schema = new zvec.ZVecCollectionSchema({
    name: 'bench_vectors',
    vectors: { name: 'v', dataType: zvec.ZVecDataType.VECTOR_FP32, dimension: dim,
      indexParams: { indexType: zvec.ZVecIndexType.HNSW, metricType: zvec.ZVecMetricType.IP, m: M, efConstruction: EFC } },
  });
  const t0 = c.now();
  const col = zvec.ZVecCreateAndOpen(where, schema);
  for (let i = 0; i < n; i += BATCH) {
    const docs = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++)
      docs.push({ id: String(j), vectors: { v: c.row(set.base, j) } });
    checkStatus(col.insertSync(docs));
  }
  const tIns = c.now();
  col.optimizeSync({ concurrency: 1 });
  const build = c.now() - t0;
  c.emit(`zvec ${version} ${name}: n ${n} dim ${dim} m ${M} efC ${EFC} threads 1 build ${build.toFixed(3)} s (insert ${(tIns - t0).toFixed(3)} s, optimize ${(c.now() - tIns).toFixed(3)} s)`,
    { peer: 'zvec', version, set: name, n, dim, M, ef_construction: EFC, threads: 1, build_s: c.fmt(build, 3),
      insert_s: c.fmt(tIns - t0, 3) });
  for (const ef of c.efList()) {
    const params = { indexType: zvec.ZVecIndexType.HNSW, ef };
    const r = c.measure(set, (qi) => {
      const res = col.querySync({ fieldName: 'v', vector: c.row(set.queries, qi), topk: K, outputFields: [], params });
      return res.map((d) => Number(d.id));
    });
    c.emit(`zvec ${name} ef ${ef}: recall@10 ${r.recall.toFixed(4)} p50 ${r.p50.toFixed(3)} ms p95 ${r.p95.toFixed(3)} ms QPS ${r.qps.toFixed(0)} (1 thread)`,
      { peer: 'zvec', set: name, n, ef, 'recall@10': c.fmt(r.recall, 4), p50_ms: c.fmt(r.p50, 4),
        p95_ms: c.fmt(r.p95, 4), qps: c.fmt(r.qps, 1), threads: 1 });
  }
  col.closeSync();
  cleanup(where);
}

// Lowercased word runs (letters/digits, as Vajra's tokenizer splits ASCII) minus the stopwords.
const STOP = c.vajraStopwords();
function strip(text) {
  const words = text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) || [];
  return words.filter((w) => !STOP.has(w)).join(' ');
}

function buildText(docs, tag) {
  const where = tmpCollection(tag);
  const schema = new zvec.ZVecCollectionSchema({
    name: 'bench_text',
    fields: [{ name: 'body', dataType: zvec.ZVecDataType.STRING,
      indexParams: { indexType: zvec.ZVecIndexType.FTS, tokenizerName: 'standard', filters: ['lowercase', 'stemmer'],
        extraParams: JSON.stringify({ stemmer_lang: 'english' }) } }],
  });
  const t0 = c.now();
  const col = zvec.ZVecCreateAndOpen(where, schema);
  for (let i = 0; i < docs.length; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(docs.length, i + BATCH); j++)
      batch.push({ id: String(j), fields: { body: strip(docs[j].title + ' ' + docs[j].text) } });
    checkStatus(col.insertSync(batch));
  }
  col.optimizeSync({ concurrency: 1 });
  return { col, where, build: c.now() - t0 };
}

function textSearch(col, text, k) {
  const q = strip(text);
  if (q === '') return [];
  return col.querySync({ fieldName: 'body', fts: { matchString: q }, topk: k, outputFields: [] });
}

function cranfield(dir) {
  const docs = c.readJsonl(path.join(dir, 'cranfield/corpus.jsonl'));
  const queries = c.readJsonl(path.join(dir, 'cranfield/queries.jsonl'));
  const { col, where, build } = buildText(docs, 'cranfield');
  const runDir = process.env.VAJRA_RUN_DIR || os.tmpdir();
  const runFile = path.join(runDir, 'zvec-cranfield.run');
  const lines = [];
  for (const q of queries) {
    const res = textSearch(col, (q.title ? q.title + ' ' : '') + q.text, EVAL_DEPTH);
    res.forEach((d, r) => lines.push(`${q.id} Q0 ${docs[Number(d.id)].id} ${r + 1} ${d.score} zvec`));
  }
  fs.writeFileSync(runFile, lines.join('\n') + '\n');
  col.closeSync();
  cleanup(where);
  process.stdout.write(`# zvec ${version} cranfield: build ${build.toFixed(3)} s; run written to ${runFile}\n`);
  if (process.env.VAJRA_EVALRUN) {
    const out = execFileSync(process.env.VAJRA_EVALRUN,
      [path.join(dir, 'cranfield/qrels.tsv'), runFile, 'zvec', 'cranfield'], { encoding: 'utf8' });
    process.stdout.write(out);
  }
}

function wordnet(dir) {
  const docs = c.readJsonl(path.join(dir, 'wordnet/corpus.jsonl'));
  const queries = c.readJsonl(path.join(dir, 'wordnet/queries.jsonl'));
  const { col, where, build } = buildText(docs, 'wordnet');
  const texts = queries.map((q) => (q.title ? q.title + ' ' : '') + q.text);
  let hits = 0;
  for (const t of texts) hits += textSearch(col, t, K).length;
  const lat = new Float64Array(texts.length);
  const t0 = c.now();
  for (let i = 0; i < texts.length; i++) {
    const a = c.now();
    hits += textSearch(col, texts[i], K).length;
    lat[i] = (c.now() - a) * 1e3;
  }
  const elapsed = c.now() - t0;
  const p50 = c.percentile(lat, 0.5), p95 = c.percentile(lat, 0.95), qps = texts.length / elapsed;
  c.emit(`zvec wordnet: ${docs.length} docs build ${build.toFixed(3)} s; ${texts.length} queries top-10 p50 ${p50.toFixed(3)} ms p95 ${p95.toFixed(3)} ms QPS ${qps.toFixed(0)} (1 thread)`,
    { peer: 'zvec', version, set: 'wordnet', docs: docs.length, queries: texts.length, build_s: c.fmt(build, 3),
      p50_ms: c.fmt(p50, 4), p95_ms: c.fmt(p95, 4), qps: c.fmt(qps, 1), threads: 1, hits });
  col.closeSync();
  cleanup(where);
}

const dir = c.dataDir(process.argv);
for (const part of c.wantedSets(process.argv, ['wordnet50k', 'glove100k', 'cranfield', 'wordnet'])) {
  if (part === 'cranfield') cranfield(dir);
  else if (part === 'wordnet') wordnet(dir);
  else runVectorSet(dir, part);
}
