/* Reading a corpus for `vajra index` and `vajra bench`: JSONL documents, a prefix of them, and
 * their vectors (from a file, row i for document i, or from a JSON field) — or vectors alone
 * (GloVe, SIFT .fvecs): then document i is row i, with the row number as its id. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cli.h"

size_t cli_jsonl_line_of(const char *path, size_t index)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t line = 1, nonblank = 0;
    int ch, has_text = 0;
    while ((ch = getc(f)) != EOF) {
        if (ch == '\n') {
            if (has_text && nonblank++ == index)
                break;
            line++;
            has_text = 0;
        } else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\v' && ch != '\f') {
            has_text = 1;
        }
    }
    if (ch == EOF && !(has_text && nonblank == index))
        line = 0;
    fclose(f);
    return line;
}

int cli_check_unique_ids(const char *cmd, const char *path, const VajraDocument *docs, size_t n,
                         const char *what)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        gpointer prev = NULL;
        if (g_hash_table_lookup_extended(seen, docs[i].id, NULL, &prev)) {
            size_t first = GPOINTER_TO_SIZE(prev) - 1;
            size_t line = cli_jsonl_line_of(path, i), first_line = cli_jsonl_line_of(path, first);
            if (line && first_line)
                cli_error(cmd, "%s:%zu: duplicate %s id \"%s\" (first on line %zu)", path, line,
                          what, docs[i].id, first_line);
            else
                cli_error(cmd, "%s: %s %zu: duplicate id \"%s\" (first used by %s %zu)", path,
                          what, i + 1, docs[i].id, what, first + 1);
            bad = 1;
        } else {
            g_hash_table_insert(seen, (gpointer)docs[i].id, GSIZE_TO_POINTER(i + 1));
        }
    }
    g_hash_table_destroy(seen);
    return bad;
}

/* Read the vector file and keep its first n rows (all when n == 0). */
static int load_vectors(const char *cmd, const char *path, size_t n, VajraMatrixF32 *out)
{
    VajraError err = {0};
    if (vajra_vectors_read(path, out, &err) != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        return 1;
    }
    if (out->dim == 0 || out->dim > 65536) {
        cli_error(cmd, "%s: bad vector dimension %zu", path, out->dim);
        return 1;
    }
    if (out->rows == 0) {
        cli_error(cmd, "%s: no vectors", path);
        return 1;
    }
    if (n != 0 && n < out->rows)
        out->rows = n; /* the first n rows; the rest stays allocated until cleared */
    return 0;
}

/* Vectors only: document i is row i, its id the row number ("0", "1", ...), no title, no text. */
static int docs_from_vectors(const char *cmd, const char *vectors_path, size_t limit,
                             CliDocs *out)
{
    if (load_vectors(cmd, vectors_path, limit, &out->vectors))
        return 1;
    size_t n = out->vectors.rows;
    if (n > UINT32_MAX) {
        cli_error(cmd, "%s: %zu vectors; an index holds at most %u", vectors_path, n, UINT32_MAX);
        return 1;
    }
    out->docs = calloc(n, sizeof *out->docs);
    out->ids = malloc(n * 11); /* "4294967295" + NUL */
    if (out->docs == NULL || out->ids == NULL) {
        cli_error(cmd, "out of memory for %zu documents", n);
        return 1;
    }
    out->count = n;
    out->dim = (uint32_t)out->vectors.dim;
    for (size_t i = 0; i < n; i++) {
        char *id = out->ids + i * 11;
        snprintf(id, 11, "%u", (unsigned)i);
        out->docs[i] = (VajraDocument){.id = id, .text = "",
                                       .vector = out->vectors.data + i * out->vectors.dim,
                                       .dim = out->dim};
    }
    return 0;
}

int cli_docs_load(const char *cmd, const char *docs_path, const char *vectors_path,
                  const char *vector_field, size_t limit, CliDocs *out)
{
    memset(out, 0, sizeof *out);
    if (docs_path == NULL) {
        if (vectors_path == NULL) {
            cli_error(cmd, "nothing to index: give DOCS.jsonl and/or --vectors FILE");
            return 1;
        }
        if (docs_from_vectors(cmd, vectors_path, limit, out))
            goto fail;
        return 0;
    }
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
    if (cli_check_unique_ids(cmd, docs_path, out->docs, n, "document"))
        goto fail;
    if (vectors_path != NULL) {
        /* With --limit, the first n rows of a longer file; without, exactly one row a line. */
        if (load_vectors(cmd, vectors_path, limit ? n : 0, &out->vectors))
            goto fail;
        if (out->vectors.rows != n) {
            cli_error(cmd, "%s: %zu vectors for %zu documents%s in %s (row i belongs to line i)",
                      vectors_path, out->vectors.rows, n, limit ? " kept" : "", docs_path);
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
    free(d->ids);
    vajra_docset_free(d->set);
    vajra_matrix_f32_clear(&d->vectors);
    memset(d, 0, sizeof *d);
}
