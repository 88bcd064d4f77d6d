/* SQLite FTS5 comparison: bm25() (FTS5's built-in, k1 = 1.2, b = 0.75) with the porter tokenizer.
 *
 * Cranfield: nDCG@10, recall@100, MAP, MRR@10 through Vajra's eval module (rankings cut at 1000).
 * WordNet (116,659 synsets, 1,000 queries): build time into a database file (one transaction,
 * then FTS5's 'optimize' merge, both timed), then top-10 latency p50/p95 and QPS on one thread
 * after one untimed warm-up pass.
 * Table: fts5(title, text, tokenize = 'porter unicode61'); documents' rowid = line number.
 * A query is its words (runs of letters/digits, as unicode61 splits them) each quoted and joined
 * with OR, ranked by `ORDER BY rank` (= bm25() with equal column weights).
 *
 * Usage: compare-fts5 [DATA_DIR]   (else $VAJRA_DATA_DIR, else ../shared/data) */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare_common.h"
#include "vajra/eval.h"
#include "vajra/io.h"

#define EVAL_DEPTH 1000

static void die_sql(sqlite3 *db, const char *what)
{
    fprintf(stderr, "compare-fts5: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static VajraDocSet *load_jsonl(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    VajraDocSet *set = NULL;
    VajraError err = {0};
    if (vajra_docset_read_jsonl(path, NULL, &set, &err) != VAJRA_OK) {
        fprintf(stderr, "compare-fts5: %s\n", err.message);
        exit(1);
    }
    return set;
}

/* Build an FTS5 MATCH expression: "w1" OR "w2" ... (quotes make every word a plain term, so
 * words like AND/NOT/NEAR and punctuation cannot change the query's meaning). */
static void match_expr(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        while (*p && !(isalnum(*p) || *p >= 0x80))
            p++;
        const unsigned char *s = p;
        while (*p && (isalnum(*p) || *p >= 0x80))
            p++;
        size_t len = (size_t)(p - s);
        if (len == 0)
            continue;
        if (n + len + 8 >= cap)
            break;
        if (n)
            n += (size_t)snprintf(out + n, cap - n, " OR ");
        out[n++] = '"';
        memcpy(out + n, s, len);
        n += len;
        out[n++] = '"';
        out[n] = '\0';
    }
}

static double build(sqlite3 *db, const VajraDocSet *docs)
{
    double t0 = compare_now();
    if (sqlite3_exec(db, "CREATE VIRTUAL TABLE docs USING fts5(title, text, tokenize = 'porter unicode61')",
                     NULL, NULL, NULL) != SQLITE_OK)
        die_sql(db, "create");
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, title, text) VALUES (?1, ?2, ?3)", -1, &ins, NULL) != SQLITE_OK)
        die_sql(db, "prepare insert");
    for (size_t i = 0; i < vajra_docset_count(docs); i++) {
        const VajraDocument *d = vajra_docset_doc(docs, i);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_text(ins, 2, d->title ? d->title : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, d->text, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die_sql(db, "insert");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        die_sql(db, "commit");
    if (sqlite3_exec(db, "INSERT INTO docs(docs) VALUES ('optimize')", NULL, NULL, NULL) != SQLITE_OK)
        die_sql(db, "optimize");
    return compare_now() - t0;
}

/* Top-k rowids (1-based) of one query into out; returns how many. */
static size_t search(sqlite3 *db, sqlite3_stmt *st, const char *text, int k, sqlite3_int64 *out)
{
    static char expr[65536];
    match_expr(text, expr, sizeof expr);
    if (!expr[0])
        return 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, k);
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        out[n++] = sqlite3_column_int64(st, 0);
    if (rc != SQLITE_DONE)
        die_sql(db, "query");
    return n;
}

static sqlite3 *open_temp(char *path, size_t cap, const char *tag)
{
    snprintf(path, cap, "/tmp/vajra-fts5-%s-%ld.db", tag, (long)getpid());
    unlink(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die_sql(db, "open");
    return db;
}

static void cranfield(const char *dir)
{
    VajraDocSet *docs = load_jsonl(dir, "cranfield/corpus.jsonl");
    VajraDocSet *queries = load_jsonl(dir, "cranfield/queries.jsonl");
    char qpath[4096];
    snprintf(qpath, sizeof qpath, "%s/cranfield/qrels.tsv", dir);
    VajraQrels *qrels = NULL;
    VajraError err = {0};
    if (vajra_qrels_read(qpath, &qrels, &err) != VAJRA_OK) {
        fprintf(stderr, "compare-fts5: %s\n", err.message);
        exit(1);
    }
    char path[256];
    sqlite3 *db = open_temp(path, sizeof path, "cranfield");
    double build_s = build(db, docs);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2", -1, &st, NULL) != SQLITE_OK)
        die_sql(db, "prepare query");
    VajraEval *ev = NULL;
    vajra_eval_new(qrels, &ev, NULL);
    const char *const *ids = vajra_docset_ids(docs);
    static sqlite3_int64 rows[EVAL_DEPTH];
    static const char *ranked[EVAL_DEPTH];
    for (size_t qi = 0; qi < vajra_docset_count(queries); qi++) {
        const VajraDocument *q = vajra_docset_doc(queries, qi);
        size_t n = search(db, st, q->text, EVAL_DEPTH, rows);
        for (size_t i = 0; i < n; i++)
            ranked[i] = ids[rows[i] - 1];
        if (vajra_eval_add(ev, q->id, ranked, n, NULL, &err) != VAJRA_OK) {
            fprintf(stderr, "compare-fts5: %s\n", err.message);
            exit(1);
        }
    }
    VajraEvalSummary sum;
    vajra_eval_summary(ev, &sum);
    printf("# fts5 (SQLite %s) cranfield: nDCG@10 %.4f (exp-gain %.4f)  recall@100 %.4f  MAP %.4f  MRR@10 %.4f  "
           "(%zu judged queries, depth %d)  build %.3f s\n",
           sqlite3_libversion(), sum.mean.ndcg_at_10, sum.mean.ndcg_at_10_exp, sum.mean.recall_at_100, sum.mean.map,
           sum.mean.mrr_at_10, sum.judged_queries, EVAL_DEPTH, build_s);
    printf("{\"peer\":\"fts5\",\"version\":\"%s\",\"set\":\"cranfield\",\"ndcg@10\":%.4f,\"ndcg@10_exp\":%.4f,"
           "\"recall@100\":%.4f,\"map\":%.4f,\"mrr@10\":%.4f,\"queries\":%zu,\"depth\":%d}\n",
           sqlite3_libversion(), sum.mean.ndcg_at_10, sum.mean.ndcg_at_10_exp, sum.mean.recall_at_100, sum.mean.map,
           sum.mean.mrr_at_10, sum.judged_queries, EVAL_DEPTH);
    vajra_eval_free(ev);
    sqlite3_finalize(st);
    sqlite3_close(db);
    unlink(path);
    vajra_qrels_free(qrels);
    vajra_docset_free(docs);
    vajra_docset_free(queries);
}

static void wordnet(const char *dir)
{
    VajraDocSet *docs = load_jsonl(dir, "wordnet/corpus.jsonl");
    VajraDocSet *queries = load_jsonl(dir, "wordnet/queries.jsonl");
    char path[256];
    sqlite3 *db = open_temp(path, sizeof path, "wordnet");
    double build_s = build(db, docs);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2", -1, &st, NULL) != SQLITE_OK)
        die_sql(db, "prepare query");
    /* FTS5 takes ~0.1 s a query here: $VAJRA_COMPARE_MAX_QUERIES keeps the first N only. */
    size_t nq = vajra_docset_count(queries);
    size_t max_queries = compare_env_size("VAJRA_COMPARE_MAX_QUERIES", nq);
    if (nq > max_queries)
        nq = max_queries;
    double *lat = calloc(nq ? nq : 1, sizeof *lat);
    sqlite3_int64 rows[10];
    size_t total_hits = 0;
    for (size_t qi = 0; qi < nq && qi < 100; qi++) /* warm-up (100 queries: FTS5 is slow here) */
        total_hits += search(db, st, vajra_docset_doc(queries, qi)->text, 10, rows);
    double t0 = compare_now();
    for (size_t qi = 0; qi < nq; qi++) {
        double a = compare_now();
        total_hits += search(db, st, vajra_docset_doc(queries, qi)->text, 10, rows);
        lat[qi] = (compare_now() - a) * 1e3;
    }
    double elapsed = compare_now() - t0;
    double p50 = compare_percentile(lat, nq, 0.50), p95 = compare_percentile(lat, nq, 0.95);
    printf("# fts5 wordnet: %zu docs build %.3f s; %zu queries top-10 p50 %.3f ms p95 %.3f ms "
           "QPS %.0f (1 thread)\n",
           vajra_docset_count(docs), build_s, nq, p50, p95, (double)nq / elapsed);
    printf("{\"peer\":\"fts5\",\"set\":\"wordnet\",\"docs\":%zu,\"queries\":%zu,\"build_s\":%.3f,"
           "\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"qps\":%.1f,\"threads\":1,\"hits\":%zu}\n",
           vajra_docset_count(docs), nq, build_s, p50, p95, (double)nq / elapsed, total_hits);
    free(lat);
    sqlite3_finalize(st);
    sqlite3_close(db);
    unlink(path);
    vajra_docset_free(docs);
    vajra_docset_free(queries);
}

int main(int argc, char **argv)
{
    const char *dir = compare_data_dir(argc, argv);
    cranfield(dir);
    wordnet(dir);
    return 0;
}
