/* libFuzzer target: the JSONL document reader (vajra_docset_parse_jsonl).
 *
 * The first byte picks the reader options (vector field on/off, fixed dimension, UTF-8 repair),
 * the rest is the file. A successful parse is walked completely: every id, title, text and
 * vector is read and every id is looked up, so a bad pointer in the set shows up under ASan. */
#include "fuzz_util.h"
#include "vajra/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    VajraJsonlOptions opts = {0};
    if (mode & 1)
        opts.vector_field = "vec";
    if (mode & 2)
        opts.dim = 1u + ((mode >> 4) & 7u);
    opts.repair_utf8 = (mode & 4) != 0;

    VajraDocSet *set = NULL;
    VajraError err = {0};
    vajra_status st =
        vajra_docset_parse_jsonl((const char *)data + 1, size - 1, "fuzz.jsonl", &opts, &set, &err);
    fuzz_check_error(st, &err, "vajra_docset_parse_jsonl");
    if (st != VAJRA_OK) {
        if (set != NULL)
            abort(); /* documented: *out is NULL on failure */
        return 0;
    }
    size_t n = vajra_docset_count(set);
    uint32_t dim = vajra_docset_dim(set);
    const char *const *ids = vajra_docset_ids(set);
    volatile size_t sink = 0;
    for (size_t i = 0; i < n; i++) {
        const VajraDocument *d = vajra_docset_doc(set, i);
        if (d == NULL || d->id == NULL || ids[i] == NULL || strcmp(d->id, ids[i]) != 0)
            abort();
        sink += strlen(d->id) + (d->title ? strlen(d->title) : 0) + (d->text ? strlen(d->text) : 0);
        if (dim > 0) {
            if (d->vector == NULL || d->dim != dim)
                abort();
            for (uint32_t j = 0; j < dim; j++)
                sink += d->vector[j] > 0.0f;
        }
        long found = vajra_docset_find(set, d->id);
        if (found < 0 || (size_t)found > i || strcmp(vajra_docset_doc(set, (size_t)found)->id, d->id))
            abort(); /* the first document with this id, never a later one */
    }
    if (vajra_docset_doc(set, n) != NULL)
        abort();
    VajraDocBatch batch = vajra_docset_batch(set);
    if (batch.count != n)
        abort();
    (void)sink;
    vajra_docset_free(set);
    return 0;
}
