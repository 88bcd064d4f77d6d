/* libFuzzer targets: the index loaders of the lexical plugin (FUZZ_LEXICAL, "lexical-bm25") and
 * the vector plugin (FUZZ_HNSW, "vector-hnsw"), fed sections from the input (section_blob.h) so
 * that mutations reach the loaders' own validation rather than a container checksum.
 *
 * Properties: a load either fails with a message or gives an index that can be used without any
 * memory error — every id and length is read, searches run, and the fast search agrees with the
 * core's reference search over the same loaded structures (an index the loader accepted must be
 * consistent enough for both to give the same hits). */
#include <math.h>

#include "fuzz_util.h"
#include "section_blob.h"
#include "vajra/lexical.h"
#include "vajra/scorer.h"
#include "vajra/vector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_hits(const VajraHits *a, const VajraHits *b, const char *what)
{
    int same = a->count == b->count;
    for (size_t i = 0; same && i < a->count; i++)
        same = a->items[i].doc == b->items[i].doc &&
               (a->items[i].score == b->items[i].score ||
                fabsf(a->items[i].score - b->items[i].score) <=
                    1e-4f * fmaxf(1.0f, fabsf(b->items[i].score)));
    if (!same) {
        fprintf(stderr, "fuzz: %s: fast search and reference disagree (%zu vs %zu hits)\n", what,
                a->count, b->count);
        for (size_t i = 0; i < a->count || i < b->count; i++)
            fprintf(stderr, "  %2zu: fast %u %.9g | reference %u %.9g\n", i,
                    i < a->count ? a->items[i].doc : 0, i < a->count ? a->items[i].score : 0.0f,
                    i < b->count ? b->items[i].doc : 0, i < b->count ? b->items[i].score : 0.0f);
        abort();
    }
}

#ifdef FUZZ_LEXICAL
static const char *const queries[] = {"flow", "boundary layer heat transfer", "the of and",
                                      "supersonic wing", "", "x"};

static void use_lexical(const VajraLexicalVtable *vt, VajraLexicalIndex *idx,
                        const VajraScorer *scorer)
{
    VajraError err = {0};
    uint32_t n = vt->doc_count(idx);
    volatile size_t sink = 0;
    for (uint32_t d = 0; d < n; d++) {
        const char *id = vt->doc_id(idx, d);
        if (id == NULL)
            abort();
        sink += strlen(id) + vt->doc_length(idx, d);
        uint32_t back;
        /* The id must map back to d: a loader must refuse duplicate ids and an id table that
         * does not index every id. */
        if (vt->doc_number(idx, id, &back, &err) != VAJRA_OK || back != d)
            fuzz_finding("lexical load accepted an id that does not map back to its document "
                         "(\"%s\")", id);
    }
    if (vt->doc_id(idx, n) != NULL)
        abort();
    VajraLexicalScratch *scratch = NULL;
    if (vt->scratch_new(idx, &scratch, &err) != VAJRA_OK)
        return;
    VajraHits fast = {0}, ref = {0};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        vajra_status a = vt->search(idx, scratch, queries[q], 10, &fast, &err);
        vajra_status b = vajra_reference_lexical_search(vt, idx, scorer, queries[q], 10, &ref, &err);
        if (a != b)
            abort();
        if (a == VAJRA_OK)
            same_hits(&fast, &ref, queries[q]);
    }
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    vt->scratch_free(scratch);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static VajraPlugin *lex, *sc;
    static void *instance;
    static VajraScorer scorer;
    VajraError err = {0};
    if (lex == NULL) {
        lex = fuzz_plugin(VAJRA_PLUGIN_LEXICAL, "lexical-bm25");
        sc = fuzz_plugin(VAJRA_PLUGIN_SCORER, "scorer-bm25");
        const VajraScorerVtable *svt = vajra_plugin_vtable(sc);
        if (svt->create(vajra_plugin_state(sc), NULL, 0, &instance, &err) != VAJRA_OK)
            abort();
        scorer = (VajraScorer){svt, instance, "scorer-bm25"};
    }
    const VajraLexicalVtable *vt = vajra_plugin_vtable(lex);
    SectionBlob *blob = malloc(sizeof *blob);
    if (blob == NULL)
        abort();
    blob_parse(blob, data, size);
    VajraLexicalOptions opts = {.struct_size = sizeof opts, .scorer = scorer};
    VajraLexicalIndex *idx = NULL;
    vajra_status st = vt->load(vajra_plugin_state(lex), &opts, &blob->reader, &idx, &err);
    fuzz_check_error(st, &err, "lexical load");
    if (st == VAJRA_OK) {
        use_lexical(vt, idx, &scorer);
        /* A loaded index may grow: add one document and search again. */
        VajraDocument doc = {.id = "fuzz-extra-doc", .text = "flow over a supersonic wing"};
        VajraDocBatch batch = {&doc, 1};
        if (vt->add_batch(idx, &batch, &err) == VAJRA_OK && vt->commit(idx, &err) == VAJRA_OK)
            use_lexical(vt, idx, &scorer);
        vt->free(idx);
    } else if (idx != NULL) {
        abort();
    }
    blob_free(blob);
    free(blob);
    return 0;
}
#endif /* FUZZ_LEXICAL */

#ifdef FUZZ_HNSW
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static VajraPlugin *vec;
    VajraError err = {0};
    if (vec == NULL)
        vec = fuzz_plugin(VAJRA_PLUGIN_VECTOR, "vector-hnsw");
    const VajraVectorVtable *vt = vajra_plugin_vtable(vec);
    SectionBlob *blob = malloc(sizeof *blob);
    if (blob == NULL)
        abort();
    blob_parse(blob, data, size);
    VajraVectorIndex *idx = NULL;
    vajra_status st = vt->load(vajra_plugin_state(vec), &blob->reader, &idx, &err);
    fuzz_check_error(st, &err, "hnsw load");
    if (st == VAJRA_OK) {
        VajraVectorParams params;
        vt->params(idx, &params);
        size_t n = vt->count(idx);
        if (params.dim == 0 || params.dim > 65536)
            abort();
        /* A deterministic query: a fixed pattern of the right dimension. */
        float *q = malloc(params.dim * sizeof *q);
        if (q == NULL)
            abort();
        for (uint32_t i = 0; i < params.dim; i++)
            q[i] = (float)((i * 7u) % 5u) - 1.5f;
        VajraVectorQuery query = {q, params.dim, 10};
        VajraVectorSearch *ctx = NULL;
        VajraHits fast = {0}, ref = {0}, exact = {0};
        VajraHnswGraph g = {.struct_size = sizeof g};
        if (vt->search_new(idx, &ctx, &err) == VAJRA_OK) {
            vajra_status a = vt->search(idx, ctx, &query, 32, &fast, &err);
            vajra_status e = vt->search_exact(idx, ctx, &query, &exact, &err);
            /* The exact scan sees every node: min(k, n) hits, always. The beam search can only
             * reach what the graph connects; a built graph is connected, a crafted one need not
             * be, and the loader does not check reachability (a finding, not a memory error). */
            if (e == VAJRA_OK && exact.count != (n < 10 ? n : 10))
                abort();
            if (a == VAJRA_OK && fast.count > (n < 10 ? n : 10))
                abort();
            if (a == VAJRA_OK && fast.count < (n < 10 ? n : 10))
                fuzz_finding("hnsw search found fewer than min(k, n) hits on a loaded graph%s "
                             "(some nodes unreachable from the entry point)", "");
            int finite = 1, overflow = 0;
            if (vajra_vector_graph(vt, idx, &g, &err) == VAJRA_OK) { /* optional: NULL-safe */
                for (uint32_t node = 0; node < g.count && finite; node++) {
                    const float *v = g.vector(g.self, node);
                    double norm2 = 0.0;
                    for (uint32_t i = 0; i < g.dim && finite; i++) {
                        finite = isfinite(v[i]);
                        norm2 += (double)v[i] * v[i];
                    }
                    /* Any distance involving this vector may overflow float (see below). */
                    overflow |= norm2 > 1e37;
                }
                /* Insertion refuses NaN/Inf, so a loader must too: with them the order of hits
                 * is undefined and fast and reference searches legitimately differ. */
                if (!finite)
                    fuzz_finding("hnsw load accepted a non-finite vector component%s", "");
                else if (overflow)
                    fuzz_finding("hnsw distances can overflow: a stored vector's squared norm "
                                 "exceeds 1e37%s", "");
                else if (a == VAJRA_OK &&
                         vajra_reference_hnsw_search(&g, &query, 32, &ref, &err) == VAJRA_OK) {
                    /* Finite but huge components (|x| > ~1e19) overflow a distance to Inf, and
                     * Inf - Inf is NaN: insertion accepts such vectors too, so this is a
                     * finding about the metric, not about the loader. */
                    int finite_scores = 1;
                    for (size_t i = 0; i < fast.count; i++)
                        finite_scores &= isfinite(fast.items[i].score);
                    for (size_t i = 0; i < ref.count; i++)
                        finite_scores &= isfinite(ref.items[i].score);
                    if (finite_scores)
                        same_hits(&fast, &ref, "hnsw");
                    else
                        fuzz_finding("hnsw distances overflowed to a non-finite score%s", "");
                }
            }
        }
        vajra_hits_clear(&fast);
        vajra_hits_clear(&ref);
        vajra_hits_clear(&exact);
        vt->search_free(ctx);
        free(q);
        vt->destroy(idx);
    } else if (idx != NULL) {
        abort();
    }
    blob_free(blob);
    free(blob);
    return 0;
}
#endif /* FUZZ_HNSW */
