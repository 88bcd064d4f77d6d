/* `vajra bench INDEX|DOCS.jsonl --queries Q.jsonl`: single-thread query latency (p50, p95),
 * QPS and recall@10 against exact search; build time when given documents to build from. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: vajra bench INDEX|DOCS.jsonl --queries Q.jsonl [OPTIONS]\n"
           "       vajra bench INDEX|--vectors FILE --query-vectors FILE [OPTIONS]   (vector mode)\n\n"
           "Time queries one at a time on one thread. Given an index file, it is opened; given a\n"
           "JSONL corpus (name ending in .jsonl) or only --vectors, the collection is built in\n"
           "memory first and the build is timed (build_s). In vector mode no text queries are\n"
           "needed: the queries are the rows of --query-vectors. recall@10 compares each query's top 10 with exact search\n"
           "(lexical: the core's exhaustive reference; vector: a scan of every vector, a hit\n"
           "tying the 10th exact score within 1e-6 counting as found; hybrid: the same fusion of\n"
           "the two exact sides).\n\n"
           "  --queries FILE             BEIR queries JSONL (text = title + text)\n"
           "  --query-vectors FILE       query vectors (.npy/.fvecs), row i = query i\n"
           "  --mode lexical|vector|hybrid  (default: hybrid given both kinds of query, else\n"
           "                             the one given)\n"
           "  -k N                       hits per query (default 10)\n"
           "  --depth N                  hybrid: candidates per side (default max(k, 50), as search)\n"
           "  --fusion rrf|minmax|zscore, --rrf-k X, --weight W   hybrid fusion\n"
           "  --ef N                     HNSW beam width (default: the index's ef_search)\n"
           "  --repeat N                 timed passes over the queries (default 3; one untimed\n"
           "                             warm-up pass first)\n"
           "  --max-queries N            use only the first N queries\n"
           "  --storage file|mmap        how to open an index file (default mmap)\n"
           "Building (DOCS.jsonl):\n"
           "  --vectors FILE, --vector-field NAME, --limit N   as for vajra index (--vectors\n"
           "                             alone: index the vectors, ids = row numbers)\n" CLI_BUILD_HELP
           "  --json                     {\"mode\", \"docs\", \"queries\", \"k\", \"depth\", \"ef\",\n"
           "                             \"threads\", \"build_s\", \"open_s\", \"p50_ms\", \"p95_ms\",\n"
           "                             \"qps\", \"recall@10\"} (depth: hybrid only, else null)\n"
           "  -h, --help                 this text\n");
}

enum { OPT_VECTORS = 256, OPT_VECTOR_FIELD, OPT_LIMIT };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    size_t i = (size_t)ceil(p * (double)n) - 1;
    return sorted[i < n ? i : n - 1];
}


/* Exact results of one query for `mode`, for recall. */
static vajra_status exact_hits(VajraCollection *c, CliSearcher *exact_vec, CliMode mode,
                               const char *text, const float *vec, uint32_t k, uint32_t depth,
                               VajraMorphism *fuse, VajraHits *out, VajraError *err)
{
    const VajraLexicalIndex *lex = NULL;
    const VajraLexicalVtable *lvt = vajra_collection_lexical(c, &lex);
    if (mode == CLI_MODE_LEXICAL)
        return vajra_reference_lexical_search(lvt, lex, lvt->scorer(lex), text, k, out, err);
    if (mode == CLI_MODE_VECTOR)
        return cli_searcher_run(exact_vec, NULL, vec, out, err);
    /* hybrid: the same fusion of the exact sides */
    VajraProduct *pair = NULL;
    vajra_status st = vajra_value_new(vajra_type_hits_pair(), (void **)&pair, err);
    if (st == VAJRA_OK)
        st = vajra_reference_lexical_search(lvt, lex, lvt->scorer(lex), text, depth, pair->first,
                                            err);
    if (st == VAJRA_OK)
        st = cli_searcher_run(exact_vec, NULL, vec, pair->second, err);
    if (st == VAJRA_OK)
        st = vajra_morphism_apply(fuse, pair, out, err);
    if (pair != NULL)
        vajra_value_free(vajra_type_hits_pair(), pair);
    return st;
}

/* |got ∩ exact top-k| / min(k, |exact|); for vectors a hit whose score ties the k-th exact
 * score within 1e-6 also counts. */
static double recall_at(const VajraHits *got, const VajraHits *exact, uint32_t k, int by_score)
{
    size_t ne = exact->count < k ? exact->count : k, ng = got->count < k ? got->count : k;
    if (ne == 0)
        return 1.0;
    float kth = exact->items[ne - 1].score;
    size_t found = 0;
    for (size_t i = 0; i < ng; i++) {
        int hit = by_score && got->items[i].score >= kth - 1e-6f;
        for (size_t j = 0; j < ne && !hit; j++)
            hit = got->items[i].doc == exact->items[j].doc;
        found += hit;
    }
    return (double)found / (double)ne;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_BUILD_LONGOPTS,
        CLI_BENCH_LONGOPTS,
        {"vectors", required_argument, NULL, OPT_VECTORS},
        {"vector-field", required_argument, NULL, OPT_VECTOR_FIELD},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    CliBuildOptions bo;
    cli_build_defaults(&bo);
    CliBenchArgs ba;
    cli_bench_args_defaults(&ba);
    const char *vectors = NULL, *vector_field = NULL;
    uint32_t limit = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "k:hq", longopts, NULL)) != -1) {
        int r = cli_build_option("bench", ch, optarg, &bo);
        if (r == 0)
            r = cli_bench_option("bench", ch, optarg, &ba);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_VECTORS: vectors = optarg; break;
        case OPT_VECTOR_FIELD: vector_field = optarg; break;
        case OPT_LIMIT:
            if (!cli_parse_u32(optarg, &limit) || limit == 0)
                return cli_usage_error("bench", "expected a positive integer, not \"%s\"", optarg);
            break;
        case 'h': help(); return CLI_EXIT_OK;
        default: return cli_usage_error("bench", "bad option");
        }
    }
    if (cli_build_check("bench", &bo) != 0)
        return CLI_EXIT_USAGE;
    if (ba.json)
        bo.quiet = 1;
    if (argc - optind > 1 || (argc - optind == 0 && vectors == NULL))
        return cli_usage_error("bench", "expected one INDEX or DOCS.jsonl argument (or "
                                        "--vectors FILE alone)");
    if (cli_bench_args_check("bench", &ba) != 0)
        return CLI_EXIT_USAGE;
    const char *queries_path = ba.queries_path, *qv_path = ba.qv_path, *storage = ba.storage;
    uint32_t k = ba.k, depth = ba.depth, ef = ba.ef, repeat = ba.repeat, maxq = ba.maxq;
    int json = ba.json;
    CliMode mode = ba.mode;
    CliFusion fusion = ba.fusion;
    const char *target = argc - optind == 1 ? argv[optind] : NULL;
    size_t tlen = target ? strlen(target) : 0;
    int build = target == NULL || (tlen > 6 && strcmp(target + tlen - 6, ".jsonl") == 0);
    if (mode == CLI_MODE_VECTOR)
        queries_path = NULL; /* not needed: the queries are the vectors' rows */

    int status = CLI_EXIT_FAIL;
    VajraError err = {0};
    VajraDocSet *queries = NULL;
    VajraMatrixF32 qv = {0};
    VajraRegistry *reg = NULL;
    VajraCollection *c = NULL;
    CliDocs docs = {0};
    CliSearcher s = {0}, exact_vec = {0};
    VajraMorphism *fuse = NULL;
    VajraHits hits = {0}, exact = {0};
    double *lat = NULL;
    char **texts = NULL;
    size_t nq = 0;
    double build_s = NAN, open_s = NAN;

    if (queries_path != NULL &&
        vajra_docset_read_jsonl(queries_path, NULL, &queries, &err) != VAJRA_OK) {
        cli_error_vajra("bench", &err);
        goto out;
    }
    if (qv_path != NULL && vajra_vectors_read(qv_path, &qv, &err) != VAJRA_OK) {
        cli_error_vajra("bench", &err);
        goto out;
    }
    nq = queries ? vajra_docset_count(queries) : qv.rows;
    if (maxq && maxq < nq)
        nq = maxq;
    if (nq == 0) {
        cli_error("bench", "%s: no queries", queries ? queries_path : qv_path);
        goto out;
    }
    if (qv_path != NULL) {
        if (qv.rows < nq) {
            cli_error("bench", "%s: %zu vectors for %zu queries (row i belongs to line i)",
                      qv_path, qv.rows, nq);
            goto out;
        }
    }
    texts = calloc(nq ? nq : 1, sizeof *texts);
    lat = calloc((nq ? nq : 1) * repeat, sizeof *lat);
    if (texts == NULL || lat == NULL) {
        cli_error("bench", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nq && queries != NULL; i++)
        if ((texts[i] = cli_query_text(vajra_docset_doc(queries, i))) == NULL) {
            cli_error("bench", "out of memory");
            goto out;
        }
    reg = cli_registry("bench");
    if (reg == NULL)
        goto out;
    if (build) {
        if (cli_docs_load("bench", target, vectors, vector_field, limit, &docs) ||
            cli_build("bench", reg, &bo, &docs, target ? target : vectors, &c, &build_s))
            goto out;
    } else {
        double t0 = cli_now();
        c = cli_open_single_segment("bench", reg, target, storage);
        if (c == NULL)
            goto out;
        open_s = cli_now() - t0;
    }
    VajraCollectionInfo info = {.struct_size = sizeof info};
    vajra_collection_info(c, &info);
    if (mode != CLI_MODE_LEXICAL &&
        cli_check_query_dim("bench", target ? target : vectors, info.dim, qv_path, qv.dim))
        goto out;
    if (cli_searcher_init("bench", &s, c, mode, k, depth, ef, &fusion))
        goto out;
    if (mode != CLI_MODE_LEXICAL &&
        cli_searcher_init("bench", &exact_vec, c, CLI_MODE_VECTOR,
                          mode == CLI_MODE_HYBRID ? depth : k, 0, VAJRA_EF_EXACT, &fusion))
        goto out;
    if (mode == CLI_MODE_HYBRID && (fuse = cli_make_fusion("bench", &fusion, k)) == NULL)
        goto out;

    /* Warm-up pass, which also measures recall against exact search. */
    double recall_sum = 0;
    for (size_t i = 0; i < nq; i++) {
        const float *vec = qv.data ? qv.data + i * qv.dim : NULL;
        vajra_status st = cli_searcher_run(&s, texts[i], vec, &hits, &err);
        if (st == VAJRA_OK)
            st = exact_hits(c, &exact_vec, mode, texts[i], vec, k, depth, fuse, &exact, &err);
        if (st != VAJRA_OK) {
            vajra_error_prefix(&err, "query %zu", i + 1);
            cli_error_vajra("bench", &err);
            goto out;
        }
        recall_sum += recall_at(&hits, &exact, k, mode == CLI_MODE_VECTOR);
    }
    /* Timed passes. */
    double total = 0;
    size_t nlat = 0;
    for (uint32_t r = 0; r < repeat; r++)
        for (size_t i = 0; i < nq; i++) {
            const float *vec = qv.data ? qv.data + i * qv.dim : NULL;
            double t0 = cli_now();
            vajra_status st = cli_searcher_run(&s, texts[i], vec, &hits, &err);
            double dt = cli_now() - t0;
            if (st != VAJRA_OK) {
                cli_error_vajra("bench", &err);
                goto out;
            }
            lat[nlat++] = dt;
            total += dt;
        }
    qsort(lat, nlat, sizeof *lat, cmp_double);
    double p50 = percentile(lat, nlat, 0.50) * 1e3, p95 = percentile(lat, nlat, 0.95) * 1e3;
    double qps = total > 0 ? (double)nlat / total : NAN;
    double recall = nq ? recall_sum / (double)nq : NAN;
    if (json) {
        printf("{\"mode\": \"%s\", \"docs\": %u, \"queries\": %zu, \"k\": %u, \"depth\": ",
               cli_mode_name(mode), info.doc_count, nq, k);
        if (mode == CLI_MODE_HYBRID)
            printf("%u", depth);
        else
            printf("null");
        printf(", \"ef\": ");
        if (mode != CLI_MODE_LEXICAL)
            printf("%u", ef ? ef : info.vector_params.ef_search);
        else
            printf("null");
        printf(", \"threads\": ");
        if (build && info.dim)
            printf("%u", cli_build_threads(&bo));
        else
            printf("null");
        printf(", \"build_s\": ");
        cli_json_number(stdout, build_s);
        printf(", \"open_s\": ");
        cli_json_number(stdout, open_s);
        printf(", \"p50_ms\": ");
        cli_json_number(stdout, p50);
        printf(", \"p95_ms\": ");
        cli_json_number(stdout, p95);
        printf(", \"qps\": ");
        cli_json_number(stdout, qps);
        printf(", \"recall@10\": ");
        cli_json_number(stdout, recall);
        printf("}\n");
    } else {
        printf("mode %s, %u documents, %zu queries x %u, k=%u\n", cli_mode_name(mode),
               info.doc_count, nq, repeat, k);
        if (build)
            printf("build:     %.3f s\n", build_s);
        else
            printf("open:      %.3f s\n", open_s);
        printf("p50:       %.4f ms\np95:       %.4f ms\nQPS:       %.0f\nrecall@10: %.4f\n", p50,
               p95, qps, recall);
    }
    status = CLI_EXIT_OK;
out:
    vajra_hits_clear(&hits);
    vajra_hits_clear(&exact);
    vajra_morphism_unref(fuse);
    cli_searcher_clear(&s);
    cli_searcher_clear(&exact_vec);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    cli_docs_clear(&docs);
    if (texts != NULL)
        for (size_t i = 0; i < nq; i++)
            free(texts[i]);
    free(texts);
    free(lat);
    vajra_docset_free(queries);
    vajra_matrix_f32_clear(&qv);
    return status;
}
