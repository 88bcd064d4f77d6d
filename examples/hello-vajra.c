/* hello-vajra: the smallest complete Vajra program. It builds a lexical collection from three
 * documents in memory, runs one BM25 query through the lexical retriever morphism and prints the
 * ranked ids. With a file argument it instead opens a saved index (`vajra index ... -o FILE`)
 * and searches that.
 *
 * Build it against an installed Vajra:
 *     cc -std=c11 hello-vajra.c -o hello-vajra $(pkg-config --cflags --libs vajra)
 * Run it:
 *     ./hello-vajra                        # the three built-in documents
 *     ./hello-vajra idx.vjr "your query"   # a saved index
 * Plugins are found in the install directory (pkg-config --variable=plugindir vajra) or on
 * $VAJRA_PLUGIN_PATH. Exit status: 0 when the query found something, 1 otherwise. */
#include <stdio.h>

#include <vajra/vajra.h>

int main(int argc, char **argv)
{
    const char *query = argc > 2 ? argv[2] : "hybrid search engine";
    VajraError err = {0};
    VajraRegistry *reg = NULL;
    VajraCollection *coll = NULL;
    VajraMorphism *lexical = NULL;
    VajraHits hits = {0};
    int status = 1;

    if (vajra_registry_new(NULL, &reg, &err) != VAJRA_OK)
        goto out;
    if (argc > 1) {
        if (vajra_collection_open(reg, argv[1], NULL, &coll, &err) != VAJRA_OK)
            goto out;
    } else {
        static const VajraDocument docs[] = {
            {.id = "bm25", .title = "BM25", .text = "a lexical ranking function for search"},
            {.id = "hnsw", .title = "HNSW", .text = "a graph for approximate vector search"},
            {.id = "rrf", .title = "Hybrid", .text = "fusing lexical and vector search results"},
        };
        VajraCollectionOptions opts = {.struct_size = sizeof opts}; /* lexical only: dim 0 */
        VajraDocBatch batch = {docs, sizeof docs / sizeof docs[0]};
        if (vajra_collection_create(reg, &opts, &coll, &err) != VAJRA_OK ||
            vajra_collection_add(coll, &batch, &err) != VAJRA_OK ||
            vajra_collection_commit(coll, &err) != VAJRA_OK)
            goto out;
    }
    /* lexical : text_query → hits, a morphism like every retriever. */
    if (vajra_collection_lexical_retriever(coll, &lexical, &err) != VAJRA_OK)
        goto out;
    VajraTextQuery q = {query, 5};
    if (vajra_morphism_apply(lexical, &q, &hits, &err) != VAJRA_OK)
        goto out;
    printf("%s: \"%s\"\n", vajra_morphism_name(lexical), query);
    for (size_t i = 0; i < hits.count; i++)
        printf("%zu. %-8s %.4f\n", i + 1, vajra_collection_doc_id(coll, hits.items[i].doc),
               hits.items[i].score);
    status = hits.count > 0 ? 0 : 1;
out:
    if (err.code != VAJRA_OK)
        fprintf(stderr, "hello-vajra: %s\n", err.message[0] ? err.message : vajra_strerror(err.code));
    vajra_hits_clear(&hits);
    vajra_morphism_unref(lexical);
    vajra_collection_free(coll);
    vajra_registry_free(reg);
    return status;
}
