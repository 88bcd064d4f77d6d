/* `vajra parity INDEX --queries Q.jsonl`: the fast search paths against the core's reference
 * traversals on one index. Exit status 1 on any mismatch. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: vajra parity INDEX --queries Q.jsonl [--query-vectors FILE] [OPTIONS]\n"
           "       vajra parity INDEX --query-vectors FILE   (vector side only)\n\n"
           "Run every query through the plugins' fast paths and through the core's reference\n"
           "traversals, and compare:\n"
           "  lexical: the pruned top-k against exhaustive scoring (a vajra_unfold over the\n"
           "           postings accessor): the same documents in the same order, scores within\n"
           "           1e-5 relative;\n"
           "  vector:  the HNSW beam search against the reference unfold over the graph accessor\n"
           "           with the same ef: exactly the same ids in the same order. With a SIMD\n"
           "           kernel, distances differ from the scalar reference by summation order, so\n"
           "           documents whose scores agree within 1e-5 may swap: such \"tie flips\" are\n"
           "           counted and shown but are not mismatches unless --strict. An index that\n"
           "           offers no graph (flat, IVF) is compared with the exact scan instead.\n"
           "Exit status 0 when everything matches, 1 on any mismatch (the first few are printed).\n\n"
           "  --queries FILE             BEIR queries JSONL (text = title + text)\n"
           "  --query-vectors FILE       query vectors for the vector side\n"
           "  --mode lexical|vector|all  (default all the inputs allow; --queries is needed only\n"
           "                             for the lexical side)\n"
           "  --random N                 also N random 2-5 word lexical queries made from the\n"
           "                             queries' words (seeded: the same every run)\n"
           "  -k N                       hits compared per query (default 10)\n"
           "  --ef N                     HNSW beam width (default: the index's ef_search)\n"
           "  --strict                   count vector tie flips as mismatches\n"
           "  --storage file|mmap        how to open the index (default mmap)\n"
           "  --json                     {\"lexical\": {\"queries\", \"mismatches\"}, \"vector\": {...},\n"
           "                             \"ok\"}\n"
           "  -h, --help                 this text\n");
}

enum { OPT_QUERIES = 256, OPT_QV, OPT_MODE, OPT_RANDOM, OPT_EF, OPT_STORAGE, OPT_JSON,
       OPT_STRICT };

static int same_lexical(const VajraHits *a, const VajraHits *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        double x = a->items[i].score, y = b->items[i].score;
        if (a->items[i].doc != b->items[i].doc ||
            fabs(x - y) > 1e-5 * fmax(fabs(x), fabs(y)))
            return 0;
    }
    return 1;
}

static int same_ids(const VajraHits *a, const VajraHits *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i].doc != b->items[i].doc)
            return 0;
    return 1;
}

/* With a SIMD kernel the fast path's distances differ from the scalar reference's by summation
 * order only, so two documents whose scores agree to ~1e-6 may swap. A "tie flip" is a
 * difference explained that way: every fast hit is the reference hit at its rank, or a reference
 * hit (or, at the cut-off, an unlisted one) whose reference score is within `tol` of the score
 * at that rank. Returns 1 when the lists differ only by tie flips. */
static int only_tie_flips(const VajraHits *fast, const VajraHits *ref)
{
    if (fast->count != ref->count)
        return 0;
    for (size_t i = 0; i < fast->count; i++) {
        if (fast->items[i].doc == ref->items[i].doc)
            continue;
        float at = ref->items[i].score;
        float tol = 1e-5f * fmaxf(1.0f, fabsf(at));
        if (fabsf(fast->items[i].score - at) > tol)
            return 0;
        int listed_elsewhere = 0;
        for (size_t j = 0; j < ref->count; j++)
            if (ref->items[j].doc == fast->items[i].doc) {
                listed_elsewhere = 1;
                if (fabsf(ref->items[j].score - at) > tol)
                    return 0;
            }
        /* Not in the reference list: only a swap across the cut-off with the last hit. */
        if (!listed_elsewhere && fabsf(ref->items[ref->count - 1].score - at) > tol)
            return 0;
    }
    return 1;
}

static void report(const char *side, const char *what, const VajraHits *fast,
                   const VajraHits *ref)
{
    fprintf(stderr, "vajra parity: %s mismatch on %s:\n  fast:", side, what);
    for (size_t i = 0; i < fast->count && i < 10; i++)
        fprintf(stderr, " %u(%.6g)", fast->items[i].doc, fast->items[i].score);
    fprintf(stderr, "\n  ref: ");
    for (size_t i = 0; i < ref->count && i < 10; i++)
        fprintf(stderr, " %u(%.6g)", ref->items[i].doc, ref->items[i].score);
    fprintf(stderr, "\n");
}

/* Random queries from the words of the real ones (xorshift, fixed seed). */
static char **random_queries(const VajraDocSet *queries, uint32_t n)
{
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < vajra_docset_count(queries); i++) {
        const char *t = vajra_docset_doc(queries, i)->text;
        char **parts = g_strsplit_set(t ? t : "", " \t\n.,;:()?!\"'", -1);
        for (char **p = parts; *p; p++)
            if (strlen(*p) >= 3)
                g_ptr_array_add(words, g_strdup(*p));
        g_strfreev(parts);
    }
    char **out = calloc(n + 1, sizeof *out);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; out && i < n && words->len > 0; i++) {
        GString *q = g_string_new(NULL);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int nw = 2 + (int)(x % 4);
        for (int w = 0; w < nw; w++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            g_string_append_printf(q, "%s%s", w ? " " : "",
                                   (const char *)g_ptr_array_index(words, x % words->len));
        }
        out[i] = g_string_free(q, FALSE);
    }
    g_ptr_array_free(words, TRUE);
    return out;
}

int cmd_parity(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"queries", required_argument, NULL, OPT_QUERIES},
        {"query-vectors", required_argument, NULL, OPT_QV},
        {"mode", required_argument, NULL, OPT_MODE},
        {"random", required_argument, NULL, OPT_RANDOM},
        {"ef", required_argument, NULL, OPT_EF},
        {"storage", required_argument, NULL, OPT_STORAGE},
        {"json", no_argument, NULL, OPT_JSON},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    const char *queries_path = NULL, *qv_path = NULL, *mode_s = "all", *storage = "storage-mmap";
    uint32_t k = 10, ef = 0, nrandom = 0;
    int json = 0, strict = 0, ch;
    while ((ch = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_STRICT: strict = 1; break;
        case OPT_QUERIES: queries_path = optarg; break;
        case OPT_QV: qv_path = optarg; break;
        case OPT_MODE: mode_s = optarg; break;
        case OPT_JSON: json = 1; break;
        case OPT_STORAGE:
            storage = cli_storage_plugin(optarg);
            if (storage == NULL)
                return cli_usage_error("parity", "--storage takes file or mmap");
            break;
        case 'k':
        case OPT_EF:
        case OPT_RANDOM: {
            uint32_t v = 0;
            if (!cli_parse_u32(optarg, &v) || (v == 0 && ch != OPT_RANDOM))
                return cli_usage_error("parity", "expected a positive integer, not \"%s\"",
                                       optarg);
            *(ch == 'k' ? &k : ch == OPT_EF ? &ef : &nrandom) = v;
            break;
        }
        case 'h': help(); return CLI_EXIT_OK;
        default: return cli_usage_error("parity", "bad option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("parity", "expected one INDEX argument");
    int all = strcmp(mode_s, "all") == 0;
    if (!all && strcmp(mode_s, "lexical") != 0 && strcmp(mode_s, "vector") != 0)
        return cli_usage_error("parity", "--mode takes lexical, vector or all");
    if (queries_path == NULL && qv_path == NULL)
        return cli_usage_error("parity", "give --queries (lexical) and/or --query-vectors "
                                         "(vector)");
    int do_lex = strcmp(mode_s, "lexical") == 0 || (all && queries_path);
    int do_vec = strcmp(mode_s, "vector") == 0 || (all && qv_path);
    if (do_lex && queries_path == NULL)
        return cli_usage_error("parity", "--mode lexical needs --queries");
    if (do_vec && qv_path == NULL)
        return cli_usage_error("parity", "--mode vector needs --query-vectors");

    int status = CLI_EXIT_FAIL;
    VajraError err = {0};
    VajraDocSet *queries = NULL;
    VajraMatrixF32 qv = {0};
    VajraRegistry *reg = NULL;
    VajraCollection *c = NULL;
    VajraLexicalScratch *scratch = NULL;
    VajraVectorSearch *vctx = NULL;
    VajraHits fast = {0}, ref = {0};
    char **rnd = NULL;
    size_t lex_n = 0, lex_bad = 0, vec_n = 0, vec_bad = 0, vec_flips = 0;

    if ((do_lex && vajra_docset_read_jsonl(queries_path, NULL, &queries, &err) != VAJRA_OK) ||
        (do_vec && vajra_vectors_read(qv_path, &qv, &err) != VAJRA_OK)) {
        cli_error_vajra("parity", &err);
        goto out;
    }
    reg = cli_registry("parity");
    if (reg == NULL || (c = cli_open_single_segment("parity", reg, argv[optind], storage)) == NULL)
        goto out;
    size_t nq = queries ? vajra_docset_count(queries) : 0;

    if (do_lex) {
        const VajraLexicalIndex *lex = NULL;
        const VajraLexicalVtable *lvt = vajra_collection_lexical(c, &lex);
        if (lvt->scratch_new(lex, &scratch, &err) != VAJRA_OK) {
            cli_error_vajra("parity", &err);
            goto out;
        }
        rnd = random_queries(queries, nrandom);
        for (size_t i = 0; i < nq + nrandom; i++) {
            const char *q = i < nq ? vajra_docset_doc(queries, i)->text : rnd[i - nq];
            if (q == NULL)
                continue;
            vajra_status st = lvt->search(lex, scratch, q, k, &fast, &err);
            if (st == VAJRA_OK)
                st = vajra_reference_lexical_search(lvt, lex, lvt->scorer(lex), q, k, &ref, &err);
            if (st != VAJRA_OK) {
                cli_error_vajra("parity", &err);
                goto out;
            }
            lex_n++;
            if (!same_lexical(&fast, &ref) && lex_bad++ < 5) {
                char what[128];
                snprintf(what, sizeof what, "query \"%.60s\"", q);
                report("lexical", what, &fast, &ref);
            }
        }
    }
    if (do_vec) {
        const VajraVectorIndex *vi = NULL;
        const VajraVectorVtable *vvt = vajra_collection_vector(c, &vi);
        VajraHnswGraph graph = {.struct_size = sizeof graph};
        if (vvt == NULL) {
            cli_check_query_dim("parity", argv[optind], 0, qv_path, qv.dim);
            goto out;
        }
        if (vvt->search_new(vi, &vctx, &err) != VAJRA_OK) {
            cli_error_vajra("parity", &err);
            goto out;
        }
        /* The graph is an optional interface: without one (a flat or IVF index), the reference is
         * the core's exact scan over the stored vectors. */
        vajra_status gst = vajra_vector_graph(vvt, vi, &graph, &err);
        int has_graph = gst == VAJRA_OK;
        if (gst == VAJRA_ERR_UNSUPPORTED) {
            fprintf(stderr, "parity: the vector plugin offers no graph; the reference is the exact "
                            "scan (vajra_reference_exact_search)\n");
        } else if (gst != VAJRA_OK) {
            cli_error_vajra("parity", &err);
            goto out;
        }
        VajraVectorParams vp = {.struct_size = sizeof vp};
        vvt->params(vi, &vp);
        if (!has_graph)
            graph.dim = vp.dim;
        if (cli_check_query_dim("parity", argv[optind], graph.dim, qv_path, qv.dim))
            goto out;
        uint32_t use_ef = ef ? ef : vp.ef_search;
        for (size_t i = 0; i < qv.rows; i++) {
            VajraVectorQuery q = {qv.data + i * qv.dim, (uint32_t)qv.dim, k};
            vajra_status st = vvt->search(vi, vctx, &q, use_ef, &fast, &err);
            if (st == VAJRA_OK)
                st = has_graph ? vajra_reference_hnsw_search(&graph, &q, use_ef, &ref, &err)
                               : vajra_reference_exact_search(vvt, vi, &q, NULL, &ref, &err);
            if (st != VAJRA_OK) {
                cli_error_vajra("parity", &err);
                goto out;
            }
            vec_n++;
            if (same_ids(&fast, &ref))
                continue;
            int flip = !strict && only_tie_flips(&fast, &ref);
            size_t seen = vec_flips + vec_bad;
            if (flip)
                vec_flips++;
            else
                vec_bad++;
            if (seen < 5) {
                char what[64];
                snprintf(what, sizeof what, "query vector %zu", i);
                report(flip ? "vector tie-flip (not a mismatch)" : "vector", what, &fast, &ref);
            }
        }
    }
    int ok = lex_bad == 0 && vec_bad == 0;
    if (json) {
        printf("{\"lexical\": ");
        if (do_lex)
            printf("{\"queries\": %zu, \"mismatches\": %zu}", lex_n, lex_bad);
        else
            printf("null");
        printf(", \"vector\": ");
        if (do_vec)
            printf("{\"queries\": %zu, \"mismatches\": %zu, \"tie_flips\": %zu}", vec_n,
                   vec_bad, vec_flips);
        else
            printf("null");
        printf(", \"ok\": %s}\n", ok ? "true" : "false");
    } else {
        if (do_lex)
            printf("lexical: %zu queries, %zu mismatches\n", lex_n, lex_bad);
        if (do_vec)
            printf("vector:  %zu queries, %zu mismatches, %zu tie flips (scores within 1e-5)\n",
                   vec_n, vec_bad, vec_flips);
        printf("%s\n", ok ? "parity OK" : "PARITY FAILED");
    }
    status = ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
    if (scratch != NULL) {
        const VajraLexicalIndex *lex = NULL;
        vajra_collection_lexical(c, &lex)->scratch_free(scratch);
    }
    if (vctx != NULL)
        vajra_collection_vector(c, NULL)->search_free(vctx);
    if (rnd != NULL) {
        for (uint32_t i = 0; i < nrandom; i++)
            g_free(rnd[i]);
        free(rnd);
    }
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    vajra_docset_free(queries);
    vajra_matrix_f32_clear(&qv);
    return status;
}
