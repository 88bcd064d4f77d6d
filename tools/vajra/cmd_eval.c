/* `vajra eval INDEX --queries Q.jsonl --qrels QRELS.tsv`: effectiveness of lexical, vector and
 * hybrid retrieval (nDCG@10, recall@100, MRR@10, MAP; see vajra/eval.h for the conventions). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_live.h"
#include "vajra/eval.h"

static void help(void)
{
    printf(
        "Usage: vajra eval INDEX --queries Q.jsonl --qrels QRELS.tsv [OPTIONS]\n\n"
        "Run every query and score the rankings against graded judgements (trec_eval\n"
        "conventions: nDCG@10 with linear gain, recall@100, MRR@10, MAP over the ranking).\n"
        "A query's text is its title and text joined; row i of --query-vectors is query i.\n"
        "The means are over the queries of the file that have a relevant judgement (as BEIR\n"
        "and pytrec_eval); queries without one, judged queries missing from the file and judged\n"
        "documents missing from the index are counted and reported on stderr. Nothing to\n"
        "score (no judged query) is an error (exit 1); so is a query id used twice.\n\n"
        "  --queries FILE             BEIR queries JSONL\n"
        "  --qrels FILE               TSV: query-id, corpus-id, score (header optional)\n"
        "  --query-vectors FILE       query vectors (.npy/.fvecs), for vector and hybrid\n"
        "  --mode lexical|vector|hybrid|all   (default: all the modes the inputs allow)\n"
        "  -k N                       ranking depth scored (default 1000; at least 100)\n"
        "  --depth N                  hybrid: candidates per side (default k)\n"
        "  --fusion rrf|minmax|zscore, --rrf-k X, --weight W   hybrid fusion (see search)\n"
        "  --ef N                     HNSW beam width (default max(k, the index's ef_search))\n"
        "  --exact                    exact vector search\n"
        "  --storage file|mmap        how to open the index (default mmap)\n"
        "  --json                     one object per mode: {\"mode\", \"ndcg@10\", \"ndcg@10_exp\",\n"
        "                             \"recall@100\", \"mrr@10\", \"map\", \"queries\" (scored),\n"
        "                             \"unjudged_queries\", \"missing_queries\",\n"
        "                             \"missing_judged_docs\"} (an array for several modes;\n"
        "                             ndcg@10_exp uses gain 2^grade - 1)\n"
        "  -h, --help                 this text\n");
}


typedef struct EvalRun {
    VajraCollection *c;
    const VajraDocSet *queries;
    const VajraMatrixF32 *qv;
    const VajraQrels *qrels;
    const char **doc_ids;
    uint32_t n_docs;
} EvalRun;

/* Run the queries that have relevant judgements and average their metrics (the queries of the
 * file that are judged: BEIR's and pytrec_eval's convention; the others are counted and reported
 * by the caller). */
static int run_mode(const EvalRun *r, CliMode mode, uint32_t k, uint32_t depth, uint32_t ef,
                    const CliFusion *fusion, VajraMetrics *mean, size_t *scored)
{
    CliSearcher s;
    if (cli_searcher_init("eval", &s, r->c, mode, k, depth, ef, fusion))
        return 1;
    VajraEval *ev = NULL;
    VajraError err = {0};
    VajraHits hits = {0};
    VajraMetrics sum = {0};
    size_t n = 0;
    int bad = 0;
    if (vajra_eval_new(r->qrels, &ev, &err) != VAJRA_OK)
        bad = 1;
    size_t nq = vajra_docset_count(r->queries);
    for (size_t i = 0; i < nq && !bad; i++) {
        const VajraDocument *q = vajra_docset_doc(r->queries, i);
        if (vajra_qrels_relevant_count(r->qrels, q->id) == 0)
            continue;
        char *text = cli_query_text(q);
        const float *vec = r->qv && r->qv->data ? r->qv->data + i * r->qv->dim : NULL;
        vajra_status st = text ? cli_searcher_run(&s, text, vec, &hits, &err)
                               : vajra_error_set(&err, VAJRA_ERR_NO_MEMORY, "out of memory");
        free(text);
        VajraMetrics m;
        if (st == VAJRA_OK)
            st = vajra_eval_add_hits(ev, q->id, &hits, r->doc_ids, r->n_docs, &m, &err);
        if (st != VAJRA_OK) {
            vajra_error_prefix(&err, "query %s", q->id);
            bad = 1;
            break;
        }
        sum.ndcg_at_10 += m.ndcg_at_10;
        sum.ndcg_at_10_exp += m.ndcg_at_10_exp;
        sum.recall_at_100 += m.recall_at_100;
        sum.mrr_at_10 += m.mrr_at_10;
        sum.map += m.map;
        n++;
    }
    if (bad) {
        cli_error_vajra("eval", &err);
    } else {
        double d = n ? (double)n : 1.0;
        *mean = (VajraMetrics){.ndcg_at_10 = sum.ndcg_at_10 / d,
                               .ndcg_at_10_exp = sum.ndcg_at_10_exp / d,
                               .recall_at_100 = sum.recall_at_100 / d,
                               .mrr_at_10 = sum.mrr_at_10 / d,
                               .map = sum.map / d};
        *scored = n;
    }
    vajra_eval_free(ev);
    vajra_hits_clear(&hits);
    cli_searcher_clear(&s);
    return bad;
}


typedef struct MissingDocs {
    const VajraCollection *c;
    CliEvalCounts *counts;
} MissingDocs;

static void count_missing_doc(void *user, const char *doc_id, int grade)
{
    MissingDocs *m = user;
    uint32_t num;
    if (vajra_collection_doc_number(m->c, doc_id, &num, NULL) != VAJRA_OK) {
        m->counts->docs_missing++;
        m->counts->relevant_missing += grade >= 1;
    }
}

static void count_inputs(const VajraDocSet *queries, const VajraQrels *qrels,
                         const VajraCollection *c, CliEvalCounts *out)
{
    memset(out, 0, sizeof *out);
    out->queries = vajra_docset_count(queries);
    MissingDocs md = {c, out};
    for (size_t i = 0; i < out->queries; i++) {
        const char *id = vajra_docset_doc(queries, i)->id;
        if (vajra_qrels_relevant_count(qrels, id) == 0)
            continue;
        out->judged++;
        out->judgements += vajra_qrels_foreach_doc(qrels, id, count_missing_doc, &md);
    }
    for (size_t i = 0; i < vajra_qrels_query_count(qrels); i++) {
        const char *id = vajra_qrels_query_id(qrels, i);
        if (vajra_qrels_relevant_count(qrels, id) > 0 && vajra_docset_find(queries, id) < 0)
            out->judged_missing++;
    }
}

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_EVAL_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    CliEvalArgs a;
    cli_eval_args_defaults(&a);
    int ch;
    while ((ch = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
        int r = cli_eval_option("eval", ch, optarg, &a);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (ch == 'h') {
            help();
            return CLI_EXIT_OK;
        }
        return cli_usage_error("eval", "bad option");
    }
    if (cli_eval_args_check("eval", argc, optind, "INDEX", &a) != 0)
        return CLI_EXIT_USAGE;
    const char *queries_path = a.queries_path, *qrels_path = a.qrels_path, *qv_path = a.qv_path;
    const char *storage = a.storage;
    uint32_t k = a.k, depth = a.depth, ef = a.ef;
    int json = a.json;
    const int *want = a.want;
    CliFusion fusion = a.fusion;

    int status = CLI_EXIT_FAIL;
    VajraError err = {0};
    VajraDocSet *queries = NULL;
    VajraQrels *qrels = NULL;
    VajraMatrixF32 qv = {0};
    VajraRegistry *reg = NULL;
    VajraCollection *c = NULL;
    const char **ids = NULL;
    if (vajra_docset_read_jsonl(queries_path, NULL, &queries, &err) != VAJRA_OK ||
        vajra_qrels_read(qrels_path, &qrels, &err) != VAJRA_OK) {
        cli_error_vajra("eval", &err);
        goto out;
    }
    if (vajra_docset_count(queries) == 0) {
        cli_error("eval", "%s: no queries: nothing to evaluate", queries_path);
        goto out;
    }
    if (cli_check_unique_ids("eval", queries_path, vajra_docset_batch(queries).docs,
                             vajra_docset_count(queries), "query"))
        goto out;
    if (qv_path != NULL) {
        if (vajra_vectors_read(qv_path, &qv, &err) != VAJRA_OK) {
            cli_error_vajra("eval", &err);
            goto out;
        }
        if (qv.rows != vajra_docset_count(queries)) {
            cli_error("eval", "%s: %zu vectors for %zu queries in %s (row i belongs to line i)",
                      qv_path, qv.rows, vajra_docset_count(queries), queries_path);
            goto out;
        }
    }
    reg = cli_registry("eval");
    if (reg == NULL)
        goto out;
    c = cli_open_collection("eval", reg, argv[optind], storage);
    if (c == NULL)
        goto out;
    VajraCollectionInfo info = {.struct_size = sizeof info};
    vajra_collection_info(c, &info);
    if (qv_path != NULL && (want[CLI_MODE_VECTOR] || want[CLI_MODE_HYBRID]) &&
        cli_check_query_dim("eval", argv[optind], info.dim, qv_path, qv.dim))
        goto out;
    uint32_t n = cli_live_doc_span(c);
    ids = malloc((n ? n : 1) * sizeof *ids);
    if (ids == NULL) {
        cli_error("eval", "out of memory");
        goto out;
    }
    for (uint32_t d = 0; d < n; d++)
        ids[d] = vajra_collection_doc_id(c, d);
    EvalRun run = {c, queries, qv_path ? &qv : NULL, qrels, ids, n};

    /* Count what will be scored and what cannot be, and refuse an evaluation of nothing. */
    CliEvalCounts ec;
    count_inputs(queries, qrels, c, &ec);
    if (ec.judged == 0) {
        cli_error("eval", "none of the %zu queries in %s has a relevant judgement in %s (the "
                  "qrels' first column must hold the queries' \"_id\"s): nothing to score",
                  ec.queries, queries_path, qrels_path);
        goto out;
    }
    cli_eval_warnings(queries_path, qrels_path, &ec);

    /* Run every mode first and print only when all succeeded: no half-written output. */
    VajraMetrics means[3];
    size_t scored[3] = {0, 0, 0};
    for (int m = CLI_MODE_LEXICAL; m <= CLI_MODE_HYBRID; m++)
        if (want[m] && run_mode(&run, (CliMode)m, k, depth, ef, &fusion, &means[m], &scored[m]))
            goto out;
    cli_eval_print(json, want, means, scored, &ec);
    status = CLI_EXIT_OK;
out:
    free(ids);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    vajra_docset_free(queries);
    vajra_qrels_free(qrels);
    vajra_matrix_f32_clear(&qv);
    return status;
}
