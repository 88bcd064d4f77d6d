/* `vajra delete INDEX ID... [--ids FILE]`: delete documents by id in one atomic, durable commit.
 * All or nothing: an id that is not in the collection is an error and nothing is deleted. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cli_live.h"

static void help(void)
{
    printf("Usage: vajra delete INDEX [ID]... [--ids FILE] [OPTIONS]\n\n"
           "Delete the documents with these ids from INDEX in one commit. All or nothing: an id\n"
           "that INDEX does not hold is an error naming it, and then nothing is deleted. Deleted\n"
           "documents are never found again; their space is given back by 'vajra compact'.\n\n"
           "  --ids FILE                 also the ids in FILE, one per line (- = standard input;\n"
           "                             empty lines are skipped)\n" CLI_LIVE_HELP
               CLI_LIVE_HELP_TAIL);
}

enum { OPT_IDS = 256 };

/* The ids to delete, each once, in the order first given. */
typedef struct IdList {
    GPtrArray *ids;   /* char*, borrowed from argv or `texts` */
    GHashTable *seen;
    GPtrArray *texts; /* owned file contents */
} IdList;

static void ids_add(IdList *l, char *id)
{
    if (g_hash_table_add(l->seen, id))
        g_ptr_array_add(l->ids, id);
}

/* Read one id per line from `path` ("-" = stdin). Prints the error. */
static int ids_read(IdList *l, const char *path)
{
    char *text = NULL;
    GError *gerr = NULL;
    if (strcmp(path, "-") == 0) {
        GString *s = g_string_new(NULL);
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
            g_string_append_len(s, buf, (gssize)n);
        if (ferror(stdin)) {
            cli_error("delete", "standard input: read error");
            g_string_free(s, TRUE);
            return 1;
        }
        text = g_string_free(s, FALSE);
    } else if (!g_file_get_contents(path, &text, NULL, &gerr)) {
        cli_error("delete", "%s", gerr->message);
        g_error_free(gerr);
        return 1;
    }
    g_ptr_array_add(l->texts, text);
    for (char *line = text, *next; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len > 0)
            ids_add(l, line);
    }
    return 0;
}

int cmd_delete(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LIVE_LONGOPTS,
        {"ids", required_argument, NULL, OPT_IDS},
        {0, 0, 0, 0}};
    CliLiveOptions lo;
    cli_live_defaults(&lo);
    const char *ids_file = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int r = cli_live_option("delete", ch, optarg, &lo);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_IDS: ids_file = optarg; break;
        case 'h': help(); return CLI_EXIT_OK;
        default: return cli_usage_error("delete", "bad option");
        }
    }
    if (argc - optind < 1)
        return cli_usage_error("delete", "expected INDEX and the ids to delete");
    if (argc - optind < 2 && ids_file == NULL)
        return cli_usage_error("delete", "no ids to delete: give them as arguments or --ids FILE");
    const char *path = argv[optind];

    int status = CLI_EXIT_FAIL;
    IdList ids = {g_ptr_array_new(), g_hash_table_new(g_str_hash, g_str_equal),
                  g_ptr_array_new_with_free_func(g_free)};
    for (int i = optind + 1; i < argc; i++)
        ids_add(&ids, argv[i]);
    CliLive l = {0};
    if (ids_file != NULL && ids_read(&ids, ids_file))
        goto out;
    if (ids.ids->len == 0) {
        cli_error("delete", "%s: no ids in it; nothing was changed", ids_file);
        goto out;
    }
    if (cli_live_open(&l, "delete", path, &lo))
        goto out;
    VajraError err = {0};
    if (vajra_collection_delete(l.c, (const char *const *)ids.ids->pdata, ids.ids->len, &err) !=
        VAJRA_OK) {
        cli_live_error(&l, &err, "; nothing was deleted");
        goto out;
    }
    if (cli_live_commit(&l))
        goto out;
    CliLiveDone done = {.removed = ids.ids->len};
    char *what = g_strdup_printf("Deleted %u document%s from %s", ids.ids->len,
                                 ids.ids->len == 1 ? "" : "s", path);
    cli_live_report(&l, &lo, what, &done);
    g_free(what);
    status = CLI_EXIT_OK;
out:
    cli_live_close(&l);
    g_ptr_array_unref(ids.ids);
    g_hash_table_unref(ids.seen);
    g_ptr_array_unref(ids.texts);
    return status;
}
