/* Reading a corpus for `vajra index` and `vajra bench`: JSONL documents, a prefix of them, and
 * their vectors (from a file, row i for document i, or from a JSON field). */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cli.h"

/* Duplicate ids, reported with both document numbers before anything is built. */
static int check_unique_ids(const char *cmd, const char *path, const VajraDocument *docs,
                            size_t n)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        gpointer prev = NULL;
        if (g_hash_table_lookup_extended(seen, docs[i].id, NULL, &prev)) {
            cli_error(cmd, "%s: document %zu: duplicate id \"%s\" (first used by document %zu)",
                      path, i + 1, docs[i].id, (size_t)GPOINTER_TO_SIZE(prev));
            bad = 1;
        } else {
            g_hash_table_insert(seen, (gpointer)docs[i].id, GSIZE_TO_POINTER(i + 1));
        }
    }
    g_hash_table_destroy(seen);
    return bad;
}

int cli_docs_load(const char *cmd, const char *docs_path, const char *vectors_path,
                  const char *vector_field, size_t limit, CliDocs *out)
{
    memset(out, 0, sizeof *out);
    VajraError err = {0};
    VajraJsonlOptions jo = {.vector_field = vector_field};
    if (vajra_docset_read_jsonl(docs_path, &jo, &out->set, &err) != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        return 1;
    }
    size_t n = vajra_docset_count(out->set);
    if (limit != 0 && limit < n)
        n = limit;
    if (n == 0) {
        cli_error(cmd, "%s: no documents", docs_path);
        goto fail;
    }
    out->docs = malloc(n * sizeof *out->docs);
    if (out->docs == NULL) {
        cli_error(cmd, "out of memory for %zu documents", n);
        goto fail;
    }
    memcpy(out->docs, vajra_docset_batch(out->set).docs, n * sizeof *out->docs);
    out->count = n;
    out->dim = vajra_docset_dim(out->set);
    if (check_unique_ids(cmd, docs_path, out->docs, n))
        goto fail;
    if (vectors_path != NULL) {
        if (vajra_vectors_read(vectors_path, &out->vectors, &err) != VAJRA_OK) {
            cli_error_vajra(cmd, &err);
            goto fail;
        }
        if (out->vectors.rows != n) {
            cli_error(cmd, "%s: %zu vectors for %zu documents%s in %s (row i belongs to line i)",
                      vectors_path, out->vectors.rows, n, limit ? " kept" : "", docs_path);
            goto fail;
        }
        if (out->vectors.dim == 0 || out->vectors.dim > 65536) {
            cli_error(cmd, "%s: bad vector dimension %zu", vectors_path, out->vectors.dim);
            goto fail;
        }
        out->dim = (uint32_t)out->vectors.dim;
        for (size_t i = 0; i < n; i++) {
            out->docs[i].vector = out->vectors.data + i * out->vectors.dim;
            out->docs[i].dim = out->dim;
        }
    }
    return 0;
fail:
    cli_docs_clear(out);
    return 1;
}

void cli_docs_clear(CliDocs *d)
{
    free(d->docs);
    vajra_docset_free(d->set);
    vajra_matrix_f32_clear(&d->vectors);
    memset(d, 0, sizeof *d);
}
