/* libFuzzer target: the collection loader (format 2: coll.meta, per-segment string tables, live
 * maps, and each segment's indexes), fed sections from the input (section_blob.h) through
 * vajra_collection_open_sections, so mutations reach the collection's own validation instead of
 * a container checksum.
 *
 * Properties: an open either fails with a message or gives a collection that can be used without
 * any memory error: every document's id and title is read, and lexical, vector (beam and exact)
 * and hybrid searches run; every hit names a document that exists. */
#include "fuzz_util.h"
#include "section_blob.h"
#include "vajra/collection.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use(VajraCollection *c)
{
    VajraError err = {0};
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(c, &n);
    if (n.live != vajra_collection_count(c))
        abort();
    volatile size_t sink = 0;
    uint32_t total = n.live + n.deleted;
    for (uint32_t d = 0; d < total; d++) {
        const char *id = vajra_collection_doc_id(c, d), *title = vajra_collection_doc_title(c, d);
        if (id == NULL || title == NULL)
            abort();
        sink += strlen(id) + strlen(title);
    }
    if (vajra_collection_doc_id(c, total) != NULL)
        abort();
    VajraCollectionInfo info = {.struct_size = sizeof info};
    vajra_collection_info(c, &info);
    float *vec = info.dim ? calloc(info.dim, sizeof *vec) : NULL;
    for (uint32_t i = 0; i < info.dim; i++)
        vec[i] = (float)((i % 7) + 1) / 7.0f;
    static const char *const texts[] = {"flow", "boundary layer heat transfer", ""};
    VajraResults r = {0};
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        for (uint32_t mode = VAJRA_MODE_LEXICAL; mode <= VAJRA_MODE_HYBRID; mode++) {
            VajraSearchRequest q = {.struct_size = sizeof q, .mode = mode, .text = texts[t],
                                    .vector = vec, .dim = info.dim, .k = 5,
                                    .ef = t == 2 ? VAJRA_EF_EXACT : 0};
            vajra_status st = vajra_collection_search(c, &q, &r, &err);
            fuzz_check_error(st, &err, "collection search");
            for (size_t h = 0; st == VAJRA_OK && h < r.count; h++)
                if (r.items[h].id == NULL || r.items[h].doc >= total)
                    abort();
        }
    }
    vajra_results_clear(&r);
    free(vec);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SectionBlob *blob = malloc(sizeof *blob);
    if (blob == NULL)
        abort();
    blob_parse(blob, data, size);
    VajraError err = {0};
    VajraCollection *c = NULL;
    vajra_status st = vajra_collection_open_sections(fuzz_registry(), &blob->reader, &c, &err);
    fuzz_check_error(st, &err, "collection open");
    if (st == VAJRA_OK)
        use(c);
    else if (c != NULL)
        abort();
    vajra_collection_free(c);
    blob_free(blob);
    free(blob);
    return 0;
}
