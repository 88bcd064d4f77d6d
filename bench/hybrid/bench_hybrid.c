/* Hybrid search speed at 50k WordNet documents (LSA-384 vectors, `fast` profile), one thread.
 *
 * For each HNSW beam width it times, over the 1,000 held-out queries:
 *   lexical  the BM25 retriever alone (top 10)
 *   vector   the HNSW retriever alone (top 10)
 *   hybrid   fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩ built by composition (each side 10, RRF k=60, keep 10)
 *   direct   the same work by direct vtable calls and vajra_fuse_rrf into reused buffers,
 *            to show what the composition itself costs
 *   searcher the one-call search (vajra_searcher_search, mode hybrid, RRF): what the CLI and
 *            Python run, each side to the request's depth (default max(k, VAJRA_HYBRID_DEPTH_DEFAULT));
 *            searcher_lex / searcher_vec: one side of it alone (mode lexical / vector, k = depth)
 * and recall@10 of hybrid against the same fusion of the exact sides, and of searcher against
 * the one-call search with ef = VAJRA_EF_EXACT at the same depth (searcher_recall) and at the
 * default depth (searcher_recall_d100).
 *
 * Usage: bench_hybrid [DOCS_LIMIT] [EF...]   (env VAJRA_DATA_DIR, VAJRA_PLUGIN_PATH;
 *        BENCH_HYBRID_DEPTH = the searcher's depth, default 0 = the library's;
 *        BENCH_HYBRID_STORAGE = the HNSW rows' storage: unset = the plugin default (auto), f32, f16, sq8)
 * Prints one JSON object per line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "vajra/collection.h"
#include "vajra/fusion.h"
#include "vajra/io.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what, const VajraError *err)
{
    fprintf(stderr, "bench_hybrid: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

typedef struct Timing {
    double p50_ms, p95_ms, qps;
} Timing;

static Timing summarise(double *lat, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += lat[i];
    qsort(lat, n, sizeof *lat, cmp_double);
    Timing t = {lat[(n - 1) / 2] * 1e3, lat[(size_t)ceil(0.95 * (double)n) - 1] * 1e3,
                (double)n / total};
    return t;
}

enum { REPEAT = 5, K = 10, MODES = 7 };

int main(int argc, char **argv)
{
    const char *dir = getenv("VAJRA_DATA_DIR");
    if (dir == NULL)
        die("VAJRA_DATA_DIR is not set", NULL);
    size_t limit = argc > 1 ? strtoul(argv[1], NULL, 10) : 50000;
    VajraError err = {0};
    char *p_docs = g_build_filename(dir, "wordnet", "corpus.jsonl", NULL);
    char *p_vecs = g_build_filename(dir, "wordnet", "lsa384.docs50k.f16.npy", NULL);
    char *p_q = g_build_filename(dir, "wordnet", "queries.jsonl", NULL);
    char *p_qv = g_build_filename(dir, "wordnet", "lsa384.queries.npy", NULL);
    VajraDocSet *docs = NULL, *queries = NULL;
    VajraMatrixF32 vecs = {0}, qv = {0};
    if (vajra_docset_read_jsonl(p_docs, NULL, &docs, &err) ||
        vajra_docset_read_jsonl(p_q, NULL, &queries, &err) || vajra_npy_read_f32(p_vecs, &vecs, &err) ||
        vajra_npy_read_f32(p_qv, &qv, &err))
        die("reading wordnet", &err);
    if (limit > vecs.rows || limit > vajra_docset_count(docs))
        limit = vecs.rows;
    VajraDocument *d = malloc(limit * sizeof *d);
    memcpy(d, vajra_docset_batch(docs).docs, limit * sizeof *d);
    for (size_t i = 0; i < limit; i++) {
        d[i].vector = vecs.data + i * vecs.dim;
        d[i].dim = (uint32_t)vecs.dim;
    }

    VajraRegistry *reg = NULL;
    if (vajra_registry_new(NULL, &reg, &err))
        die("registry", &err);
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)vecs.dim,
                                .metric = VAJRA_METRIC_IP, .profile = "fast", .threads = 2};
    const char *storage = getenv("BENCH_HYBRID_STORAGE"); /* unset: the default (auto) */
    VajraKeyValue kv = {"storage", storage};
    if (storage != NULL) {
        o.vector_params = &kv;
        o.n_vector_params = 1;
    }
    VajraCollection *c = NULL;
    double t0 = now();
    VajraDocBatch batch = {d, limit};
    if (vajra_collection_create(reg, &o, &c, &err) || vajra_collection_add(c, &batch, &err) ||
        vajra_collection_commit(c, &err))
        die("building", &err);
    double build_s = now() - t0;

    size_t nq = vajra_docset_count(queries);
    char **texts = calloc(nq, sizeof *texts);
    for (size_t i = 0; i < nq; i++) {
        const VajraDocument *q = vajra_docset_doc(queries, i);
        texts[i] = g_strjoin(" ", q->title ? q->title : "", q->text ? q->text : "", NULL);
    }
    double *lat = malloc(nq * REPEAT * sizeof *lat);

    const VajraLexicalIndex *lex = NULL;
    const VajraVectorIndex *vi = NULL;
    const VajraLexicalVtable *lvt = vajra_collection_lexical(c, &lex);
    const VajraVectorVtable *vvt = vajra_collection_vector(c, &vi);
    VajraLexicalScratch *ls = NULL;
    VajraVectorSearch *vs = NULL;
    if (lvt->scratch_new(lex, &ls, &err) || vvt->search_new(vi, &vs, &err))
        die("scratch", &err);

    /* Exact hybrid answers (reference BM25 + exact vectors, same fusion) for recall. */
    VajraHits *exact = calloc(nq, sizeof *exact);
    VajraHits hl = {0}, hv = {0}, out = {0};
    for (size_t i = 0; i < nq; i++) {
        VajraVectorQuery q = {qv.data + i * qv.dim, (uint32_t)qv.dim, K};
        if (vajra_reference_lexical_search(lvt, lex, lvt->scorer(lex), texts[i], K, &hl, &err) ||
            vvt->search_exact(vi, vs, &q, &hv, &err) ||
            vajra_fuse_rrf(&hl, &hv, VAJRA_RRF_K_DEFAULT, K, &exact[i], &err))
            die("exact", &err);
    }

    /* The one-call search and its exact answers, at the bench's depth and at the default. */
    const char *depth_env = getenv("BENCH_HYBRID_DEPTH");
    uint32_t depth = depth_env ? (uint32_t)strtoul(depth_env, NULL, 10) : 0;
    VajraSearcher *searcher = NULL;
    if (vajra_searcher_new(c, &searcher, &err))
        die("searcher", &err);
    VajraResults res = {0};
    uint32_t *exact_one = calloc(2 * nq * K, sizeof *exact_one);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nq; i++) {
            VajraSearchRequest rq = {.struct_size = sizeof rq, .mode = VAJRA_MODE_HYBRID,
                                     .text = texts[i], .vector = qv.data + i * qv.dim,
                                     .dim = (uint32_t)qv.dim, .k = K, .ef = VAJRA_EF_EXACT,
                                     .depth = pass ? 0 : depth};
            if (vajra_searcher_search(searcher, &rq, &res, &err))
                die("exact one-call", &err);
            for (size_t a = 0; a < K; a++)
                exact_one[(pass * nq + i) * K + a] = a < res.count ? res.items[a].doc : UINT32_MAX;
        }

    int n_ef = argc > 2 ? argc - 2 : 4;
    uint32_t default_efs[] = {0, 32, 48, 64};
    for (int e = 0; e < n_ef; e++) {
        uint32_t ef = argc > 2 ? (uint32_t)strtoul(argv[2 + e], NULL, 10) : default_efs[e];
        VajraMorphism *lexm = NULL, *vecm = NULL, *fuse = NULL, *hyb = NULL;
        if (vajra_collection_lexical_retriever(c, &lexm, &err) ||
            vajra_collection_vector_retriever(c, ef, &vecm, &err) ||
            vajra_fusion_rrf(VAJRA_RRF_K_DEFAULT, K, &fuse, &err) ||
            vajra_collection_hybrid_retriever(c, fuse, ef, &hyb, &err))
            die("retrievers", &err);
        VajraProduct *hq = NULL;
        vajra_value_new(vajra_type_hybrid_query(), (void **)&hq, &err);
        const char *names[] = {"lexical", "vector", "hybrid", "direct",
                               "searcher", "searcher_lex", "searcher_vec"};
        Timing t[MODES];
        double recall = 0, one_recall[2] = {0, 0};
        for (int m = 0; m < MODES; m++) {
            size_t n = 0;
            for (int r = -1; r < REPEAT; r++) /* r = -1: warm-up, untimed */
                for (size_t i = 0; i < nq; i++) {
                    VajraTextQuery tq = {texts[i], K};
                    VajraVectorQuery vq = {qv.data + i * qv.dim, (uint32_t)qv.dim, K};
                    vajra_status st = VAJRA_OK;
                    double s = now();
                    if (m == 0) {
                        st = vajra_morphism_apply(lexm, &tq, &out, &err);
                    } else if (m == 1) {
                        st = vajra_morphism_apply(vecm, &vq, &out, &err);
                    } else if (m == 2) {
                        *(VajraTextQuery *)hq->first = tq;
                        *(VajraVectorQuery *)hq->second = vq;
                        st = vajra_morphism_apply(hyb, hq, &out, &err);
                    } else if (m >= 4) { /* the one-call hybrid, then each side of it alone */
                        uint32_t d = depth ? depth : VAJRA_HYBRID_DEPTH_DEFAULT;
                        VajraSearchRequest rq = {.struct_size = sizeof rq,
                                                 .mode = VAJRA_MODE_HYBRID, .text = texts[i],
                                                 .vector = vq.values, .dim = vq.dim, .k = K,
                                                 .ef = ef, .depth = depth};
                        if (m > 4) {
                            rq.mode = m == 5 ? VAJRA_MODE_LEXICAL : VAJRA_MODE_VECTOR;
                            rq.k = d;
                        }
                        st = vajra_searcher_search(searcher, &rq, &res, &err);
                    } else {
                        st = lvt->search(lex, ls, texts[i], K, &hl, &err);
                        if (st == VAJRA_OK)
                            st = vvt->search(vi, vs, &vq, ef, &hv, &err);
                        if (st == VAJRA_OK)
                            st = vajra_fuse_rrf(&hl, &hv, VAJRA_RRF_K_DEFAULT, K, &out, &err);
                    }
                    double dt = now() - s;
                    if (st != VAJRA_OK)
                        die(names[m], &err);
                    if (r >= 0)
                        lat[n++] = dt;
                    if (m == 2 && r < 0) {
                        size_t found = 0;
                        for (size_t a = 0; a < out.count; a++)
                            for (size_t b = 0; b < exact[i].count; b++)
                                found += out.items[a].doc == exact[i].items[b].doc;
                        recall += exact[i].count ? (double)found / (double)exact[i].count : 1;
                    }
                    if (m == 4 && r < 0)
                        for (int pass = 0; pass < 2; pass++) {
                            const uint32_t *ex = exact_one + (pass * nq + i) * K;
                            size_t found = 0, want = 0;
                            for (size_t b = 0; b < K; b++) {
                                want += ex[b] != UINT32_MAX;
                                for (size_t a = 0; a < res.count; a++)
                                    found += ex[b] != UINT32_MAX && res.items[a].doc == ex[b];
                            }
                            one_recall[pass] += want ? (double)found / (double)want : 1;
                        }
                }
            t[m] = summarise(lat, n);
        }
        VajraVectorParams vp;
        vvt->params(vi, &vp);
        printf("{\"docs\": %zu, \"dim\": %zu, \"profile\": \"fast\", \"storage\": \"%s\", "
               "\"M\": %u, \"ef\": %u, "
               "\"build_s\": %.3f, \"queries\": %zu",
               limit, vecs.dim, storage ? storage : "default", vp.M, ef ? ef : vp.ef_search,
               build_s, nq);
        for (int m = 0; m < MODES; m++)
            printf(", \"%s\": {\"p50_ms\": %.4f, \"p95_ms\": %.4f, \"qps\": %.0f}", names[m],
                   t[m].p50_ms, t[m].p95_ms, t[m].qps);
        printf(", \"p50_ms\": %.4f, \"qps\": %.0f, \"recall@10\": %.4f, \"searcher_depth\": %u, "
               "\"searcher_recall\": %.4f, \"searcher_recall_d100\": %.4f}\n",
               t[2].p50_ms, t[2].qps, recall / (double)nq, depth,
               one_recall[0] / (double)nq, one_recall[1] / (double)nq);
        fflush(stdout);
        vajra_value_free(vajra_type_hybrid_query(), hq);
        vajra_morphism_unref(hyb);
        vajra_morphism_unref(fuse);
        vajra_morphism_unref(lexm);
        vajra_morphism_unref(vecm);
    }
    for (size_t i = 0; i < nq; i++) {
        vajra_hits_clear(&exact[i]);
        g_free(texts[i]);
    }
    free(exact);
    free(exact_one);
    vajra_results_clear(&res);
    vajra_searcher_free(searcher);
    free(texts);
    free(lat);
    vajra_hits_clear(&hl);
    vajra_hits_clear(&hv);
    vajra_hits_clear(&out);
    lvt->scratch_free(ls);
    vvt->search_free(vs);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    free(d);
    vajra_docset_free(docs);
    vajra_docset_free(queries);
    vajra_matrix_f32_clear(&vecs);
    vajra_matrix_f32_clear(&qv);
    g_free(p_docs);
    g_free(p_vecs);
    g_free(p_q);
    g_free(p_qv);
    return 0;
}
