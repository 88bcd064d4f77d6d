/* One search on a collection, with the contract of the declared vajra_searcher_search.
 *
 * libvajra declares VajraSearcher / vajra_searcher_search (collection.h) but does not implement
 * them yet, so this file answers a VajraSearchRequest with the retriever morphisms the CLI uses
 * (lexical, vector, hybrid = fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩), cached per searcher and rebuilt only
 * when the parameters they close over (ef, fusion, limit) change. Once the library implements
 * the one-call search, pyv_searcher_* forward to vajra_searcher_* and this file shrinks to them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct PyvSearcher {
    VajraCollection *c;
    uint32_t dim;
    VajraMorphism *lex;
    VajraMorphism *vec;
    uint32_t vec_ef;
    VajraMorphism *hyb; /* cached for (hyb_ef, fusion, rrf_k, weight, limit) */
    uint32_t hyb_ef, hyb_fusion, hyb_limit;
    double hyb_rrf_k, hyb_weight;
    VajraHits hits;
};

vajra_status pyv_searcher_new(VajraCollection *c, PyvSearcher **out, VajraError *err)
{
    PyvSearcher *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
    VajraCollectionInfo info;
    vajra_collection_info(c, &info);
    s->c = c;
    s->dim = info.dim;
    *out = s;
    return VAJRA_OK;
}

void pyv_searcher_free(PyvSearcher *s)
{
    if (s == NULL)
        return;
    vajra_morphism_unref(s->lex);
    vajra_morphism_unref(s->vec);
    vajra_morphism_unref(s->hyb);
    vajra_hits_clear(&s->hits);
    free(s);
}

void pyv_results_clear(VajraResults *r)
{
    if (r == NULL)
        return;
    free(r->items);
    memset(r, 0, sizeof *r);
}

static vajra_status make_fusion(uint32_t kind, double rrf_k, double weight, uint32_t limit,
                                VajraMorphism **out, VajraError *err)
{
    switch (kind) {
    case VAJRA_FUSE_RRF:
        return vajra_fusion_rrf(rrf_k == 0 ? VAJRA_RRF_K_DEFAULT : rrf_k, limit, out, err);
    case VAJRA_FUSE_MINMAX:
    case VAJRA_FUSE_ZSCORE: {
        double w = weight == 0 ? 0.5 : weight;
        if (!(w >= 0 && w <= 1))
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "fusion weight %g is not in [0, 1]", weight);
        return vajra_fusion_convex(kind == VAJRA_FUSE_MINMAX ? VAJRA_NORM_MINMAX
                                                             : VAJRA_NORM_ZSCORE,
                                   w, 1.0 - w, limit, out, err);
    }
    }
    return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "unknown fusion %u", kind);
}

/* The retriever for the request's mode, (re)built when its parameters changed. */
static vajra_status retriever(PyvSearcher *s, uint32_t mode, const VajraSearchRequest *req,
                              uint32_t k, VajraMorphism **out, VajraError *err)
{
    vajra_status st = VAJRA_OK;
    if (mode == VAJRA_MODE_LEXICAL) {
        if (s->lex == NULL)
            st = vajra_collection_lexical_retriever(s->c, &s->lex, err);
        *out = s->lex;
    } else if (mode == VAJRA_MODE_VECTOR) {
        if (s->vec == NULL || s->vec_ef != req->ef) {
            vajra_morphism_unref(s->vec);
            s->vec = NULL;
            st = vajra_collection_vector_retriever(s->c, req->ef, &s->vec, err);
            s->vec_ef = req->ef;
        }
        *out = s->vec;
    } else {
        if (s->hyb == NULL || s->hyb_ef != req->ef || s->hyb_fusion != req->fusion ||
            s->hyb_limit != k || s->hyb_rrf_k != req->rrf_k || s->hyb_weight != req->weight) {
            vajra_morphism_unref(s->hyb);
            s->hyb = NULL;
            VajraMorphism *fuse = NULL;
            st = make_fusion(req->fusion, req->rrf_k, req->weight, k, &fuse, err);
            if (st == VAJRA_OK)
                st = vajra_collection_hybrid_retriever(s->c, fuse, req->ef, &s->hyb, err);
            vajra_morphism_unref(fuse);
            s->hyb_ef = req->ef;
            s->hyb_fusion = req->fusion;
            s->hyb_limit = k;
            s->hyb_rrf_k = req->rrf_k;
            s->hyb_weight = req->weight;
        }
        *out = s->hyb;
    }
    return st;
}

vajra_status pyv_searcher_search(PyvSearcher *s, const VajraSearchRequest *req,
                                 VajraResults *results, VajraError *err)
{
    results->count = 0;
    if (req == NULL || req->struct_size < sizeof *req)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "search: bad request size");
    if (req->filter != NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "search: filters are not supported yet");
    uint32_t mode = req->mode;
    if (mode == VAJRA_MODE_AUTO)
        mode = req->text && req->vector ? VAJRA_MODE_HYBRID
               : req->vector            ? VAJRA_MODE_VECTOR
                                        : VAJRA_MODE_LEXICAL;
    if (mode > VAJRA_MODE_HYBRID)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "search: unknown mode %u", mode);
    if (mode != VAJRA_MODE_VECTOR && req->text == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s search needs a text",
                               mode == VAJRA_MODE_HYBRID ? "hybrid" : "lexical");
    if (mode != VAJRA_MODE_LEXICAL) {
        if (s->dim == 0)
            return vajra_error_set(err, VAJRA_ERR_STATE, "this collection has no vectors");
        if (req->vector == NULL)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s search needs a vector",
                                   mode == VAJRA_MODE_HYBRID ? "hybrid" : "vector");
        if (req->dim != s->dim)
            return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                                   "the query vector has dimension %u, the collection %u",
                                   req->dim, s->dim);
    }
    if (!isfinite(req->rrf_k) || req->rrf_k < 0)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "rrf_k %g is not a non-negative number",
                               req->rrf_k);
    uint32_t k = req->k ? req->k : 10;
    uint32_t depth = req->depth ? req->depth : (k > 100 ? k : 100);
    if (depth < k)
        depth = k;
    VajraMorphism *m = NULL;
    vajra_status st = retriever(s, mode, req, k, &m, err);
    if (st != VAJRA_OK)
        return st;
    VajraTextQuery tq = {req->text, mode == VAJRA_MODE_HYBRID ? depth : k};
    VajraVectorQuery vq = {req->vector, s->dim, mode == VAJRA_MODE_HYBRID ? depth : k};
    VajraProduct both = {&tq, &vq};
    const void *in = mode == VAJRA_MODE_LEXICAL ? (const void *)&tq
                     : mode == VAJRA_MODE_VECTOR ? (const void *)&vq
                                                 : (const void *)&both;
    st = vajra_morphism_apply(m, in, &s->hits, err);
    if (st != VAJRA_OK)
        return st;
    size_t n = s->hits.count < k ? s->hits.count : k;
    if (n > results->capacity) {
        VajraResult *grown = realloc(results->items, n * sizeof *grown);
        if (grown == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
        results->items = grown;
        results->capacity = n;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t doc = s->hits.items[i].doc;
        results->items[i] = (VajraResult){vajra_collection_doc_id(s->c, doc),
                                          vajra_collection_doc_title(s->c, doc),
                                          s->hits.items[i].score, doc};
    }
    results->count = n;
    return VAJRA_OK;
}
