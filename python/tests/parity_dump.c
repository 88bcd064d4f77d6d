/* parity-dump INDEX MODE QUERIES.jsonl QVECTORS.npy K
 *
 * The C side of the Python parity tests: opens a collection with libvajra-core, runs every query
 * (text = title and text joined by a space; vector = row i) through the retriever morphisms
 * (hybrid: rrf(60) over max(K, 100) candidates per side, the index's ef) and prints one line per
 * hit, "query<TAB>rank<TAB>id<TAB>score" with the float32 score as %.9g (exact round trip). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/vajra.h"

static int fail(const VajraError *err)
{
    fprintf(stderr, "parity-dump: %s\n", err->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: parity-dump INDEX lexical|vector|hybrid QUERIES QVECS K\n");
        return 2;
    }
    const char *mode = argv[2];
    uint32_t k = (uint32_t)strtoul(argv[5], NULL, 10), depth = k > VAJRA_HYBRID_DEPTH_DEFAULT ? k : VAJRA_HYBRID_DEPTH_DEFAULT;
    VajraError err = {0};
    VajraRegistry *reg = NULL;
    VajraCollection *c = NULL;
    VajraDocSet *qs = NULL;
    VajraMatrixF32 qv = {0};
    VajraMorphism *m = NULL, *fuse = NULL;
    if (vajra_registry_new(NULL, &reg, &err) || vajra_collection_open(reg, argv[1], NULL, &c, &err) ||
        vajra_docset_read_jsonl(argv[3], NULL, &qs, &err) || vajra_npy_read_f32(argv[4], &qv, &err))
        return fail(&err);
    vajra_status st;
    if (strcmp(mode, "lexical") == 0)
        st = vajra_collection_lexical_retriever(c, &m, &err);
    else if (strcmp(mode, "vector") == 0)
        st = vajra_collection_vector_retriever(c, 0, &m, &err);
    else if ((st = vajra_fusion_rrf(VAJRA_RRF_K_DEFAULT, k, &fuse, &err)) == VAJRA_OK)
        st = vajra_collection_hybrid_retriever(c, fuse, 0, &m, &err);
    if (st != VAJRA_OK)
        return fail(&err);
    VajraHits hits = {0};
    for (size_t i = 0; i < vajra_docset_count(qs); i++) {
        const VajraDocument *q = vajra_docset_doc(qs, i);
        const char *t = q->title ? q->title : "", *x = q->text ? q->text : "";
        char *text = malloc(strlen(t) + strlen(x) + 2);
        if (text == NULL)
            return 1;
        sprintf(text, "%s%s%s", t, t[0] && x[0] ? " " : "", x);
        VajraTextQuery tq = {text, mode[0] == 'h' ? depth : k};
        VajraVectorQuery vq = {qv.data + i * qv.dim, (uint32_t)qv.dim, mode[0] == 'h' ? depth : k};
        VajraProduct both = {&tq, &vq};
        const void *in = mode[0] == 'l' ? (const void *)&tq
                         : mode[0] == 'v' ? (const void *)&vq
                                          : (const void *)&both;
        st = vajra_morphism_apply(m, in, &hits, &err);
        free(text);
        if (st != VAJRA_OK)
            return fail(&err);
        for (size_t h = 0; h < hits.count && h < k; h++)
            printf("%zu\t%zu\t%s\t%.9g\n", i, h + 1, vajra_collection_doc_id(c, hits.items[h].doc),
                   hits.items[h].score);
    }
    vajra_hits_clear(&hits);
    vajra_morphism_unref(m);
    vajra_morphism_unref(fuse);
    vajra_docset_free(qs);
    vajra_matrix_f32_clear(&qv);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    return 0;
}
