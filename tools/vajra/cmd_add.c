/* `vajra add INDEX DOCS.jsonl [--vectors FILE] [--upsert]`: add documents to a saved collection
 * (or replace those with the same ids) in one atomic, durable commit. */
#include <getopt.h>
#include <string.h>

#include <glib.h>

#include "cli_live.h"

static void help(void)
{
    printf("Usage: vajra add INDEX DOCS.jsonl [--vectors FILE] [--upsert] [OPTIONS]\n\n"
           "Add the documents of DOCS.jsonl ({\"_id\", \"title\", \"text\"} per line, as 'vajra "
           "index'\nreads them) to INDEX as one new segment, in one commit: after it every one "
           "of them\nis searchable, before it none. Row i of the vector file belongs to line i; "
           "an index\nwith vectors needs them, with the dimension it has.\n\n"
           "  --vectors FILE             document vectors: .npy (float32 or float16) or .fvecs\n"
           "  --vector-field NAME        or: read each document's vector from this JSON field\n"
           "  --upsert                   replace the documents whose ids are already in INDEX\n"
           "                             (without it such an id is an error)\n" CLI_LIVE_HELP
               CLI_LIVE_HELP_TAIL);
}

enum { OPT_VECTORS = 256, OPT_VECTOR_FIELD, OPT_UPSERT };

/* The vector side of the documents must be the collection's. Prints the error. */
static int check_vectors(const CliLive *l, const CliDocs *docs, const char *docs_path,
                         const char *vectors)
{
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info(l->c, &in);
    if (in.dim == 0 && docs->dim > 0) {
        cli_error(l->cmd, "%s has no vectors (it was indexed lexical only): leave out the "
                  "vectors of %s; nothing was changed", l->path, vectors ? vectors : docs_path);
        return 1;
    }
    if (in.dim > 0 && docs->dim == 0) {
        cli_error(l->cmd, "%s has %u-d vectors: give the documents' vectors with --vectors FILE "
                  "or --vector-field NAME; nothing was changed", l->path, in.dim);
        return 1;
    }
    if (in.dim != docs->dim) {
        cli_error(l->cmd, "%s: vectors of dimension %u, but %s has %u-d vectors; nothing was "
                  "changed", vectors ? vectors : docs_path, docs->dim, l->path, in.dim);
        return 1;
    }
    return 0;
}

int cmd_add(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LIVE_LONGOPTS,
        {"vectors", required_argument, NULL, OPT_VECTORS},
        {"vector-field", required_argument, NULL, OPT_VECTOR_FIELD},
        {"upsert", no_argument, NULL, OPT_UPSERT},
        {0, 0, 0, 0}};
    CliLiveOptions lo;
    cli_live_defaults(&lo);
    const char *vectors = NULL, *vector_field = NULL;
    int upsert = 0, ch;
    while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int r = cli_live_option("add", ch, optarg, &lo);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_VECTORS: vectors = optarg; break;
        case OPT_VECTOR_FIELD: vector_field = optarg; break;
        case OPT_UPSERT: upsert = 1; break;
        case 'h': help(); return CLI_EXIT_OK;
        default: return cli_usage_error("add", "bad option");
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("add", "expected INDEX and DOCS.jsonl");
    if (vectors && vector_field)
        return cli_usage_error("add", "give --vectors or --vector-field, not both");
    const char *path = argv[optind], *docs_path = argv[optind + 1];

    /* Read and check the input before taking the writer lock. */
    CliDocs docs;
    if (cli_docs_load("add", docs_path, vectors, vector_field, 0, &docs))
        return CLI_EXIT_FAIL;
    int status = CLI_EXIT_FAIL;
    CliLive l;
    if (cli_live_open(&l, "add", path, &lo) || check_vectors(&l, &docs, docs_path, vectors))
        goto out;
    VajraDocBatch batch = {docs.docs, docs.count};
    VajraError err = {0};
    vajra_status st = upsert ? vajra_collection_upsert(l.c, &batch, &err)
                             : vajra_collection_add(l.c, &batch, &err);
    if (st != VAJRA_OK) {
        cli_live_error(&l, &err,
                       st == VAJRA_ERR_DUPLICATE && !upsert
                           ? "; nothing was changed (--upsert replaces documents)"
                           : "; nothing was changed");
        goto out;
    }
    VajraCollectionCounts staged = {.struct_size = sizeof staged};
    vajra_collection_counts(l.c, &staged);
    CliLiveDone done = {.added = (uint32_t)docs.count - staged.staged_deletes,
                        .replaced = staged.staged_deletes};
    if (cli_live_commit(&l))
        goto out;
    char *what = upsert ? g_strdup_printf("Upserted %zu document%s in %s (%u replaced, %u new)",
                                          docs.count, docs.count == 1 ? "" : "s", path,
                                          done.replaced, done.added)
                        : g_strdup_printf("Added %zu document%s to %s", docs.count,
                                          docs.count == 1 ? "" : "s", path);
    cli_live_report(&l, &lo, what, &done);
    g_free(what);
    status = CLI_EXIT_OK;
out:
    cli_live_close(&l);
    cli_docs_clear(&docs);
    return status;
}
