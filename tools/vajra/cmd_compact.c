/* `vajra compact INDEX` and `vajra promote INDEX --profile quality`: merge every segment into one
 * without the deleted documents (promote: rebuilding the vectors with another HNSW profile or
 * other build keys, --vector-param storage=sq8), saved durably. */
#include <getopt.h>
#include <string.h>

#include <glib.h>

#include "cli_live.h"

static void compact_help(void)
{
    printf("Usage: vajra compact INDEX [--max-segments N] [OPTIONS]\n\n"
           "Merge the segments of INDEX into one, dropping the deleted documents for real (their\n"
           "postings, vectors and texts): the file shrinks, and lexical scores become exactly "
           "those\nof a fresh 'vajra index' over the live documents.\n\n"
           "  --max-segments N           merge only the consecutive run of segments with the "
           "fewest\n                             live documents that brings the count down to N "
           "(nothing\n                             when it is at most N already): cheap "
           "upkeep after many adds\n" CLI_LIVE_HELP CLI_LIVE_HELP_TAIL);
}

static void promote_help(void)
{
    printf("Usage: vajra promote INDEX [--profile quality|fast|instant] [--M N] "
           "[--ef-construction N]\n                     [--ef-search N] "
           "[--vector-param KEY=VALUE]... [OPTIONS]\n\n"
           "Compact INDEX and rebuild its vector index with another profile, parameters or "
           "build\nkeys, which later segments use too: index with --profile instant, promote "
           "to quality\nlater; index with f32 rows, promote with --vector-param storage=sq8 "
           "when memory matters.\nGive at least one of the options below.\n\n"
           "  --profile quality|fast|instant   the new HNSW profile\n"
           "  --M N, --ef-construction N, --ef-search N   override the profile (without "
           "--profile:\n                             change just these)\n"
           "  --vector-param KEY=VALUE   another build key of the vector index, as 'vajra "
           "index'\n                             takes it (repeatable; e.g. storage=sq8 or "
           "rerank=1 for\n                             vector-hnsw, storage=f16 for "
           "vector-flat): it overrides the\n                             current value; every "
           "key not given is kept\n" CLI_LIVE_HELP CLI_LIVE_HELP_TAIL);
}

enum { OPT_PROFILE = 256, OPT_M, OPT_EFC, OPT_EFS, OPT_MAX_SEGMENTS };

static int rebuild(int argc, char **argv, int promote)
{
    static const struct option longopts[] = {
        CLI_LIVE_LONGOPTS,
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"M", required_argument, NULL, OPT_M},
        {"ef-construction", required_argument, NULL, OPT_EFC},
        {"ef-search", required_argument, NULL, OPT_EFS},
        {"vector-param", required_argument, NULL, CLI_OPT_VECTOR_PARAM},
        {0, 0, 0, 0}};
    static const struct option compact_longopts[] = {
        CLI_LIVE_LONGOPTS,
        {"max-segments", required_argument, NULL, OPT_MAX_SEGMENTS},
        {0, 0, 0, 0}};
    const char *cmd = promote ? "promote" : "compact";
    CliLiveOptions lo;
    cli_live_defaults(&lo);
    VajraCompactOptions co = {.struct_size = sizeof co};
    CliBuildOptions bo; /* only its --vector-param list: the parser `vajra index` uses */
    cli_build_defaults(&bo);
    int ch;
    while ((ch = getopt_long(argc, argv, "qh", promote ? longopts : compact_longopts, NULL)) !=
           -1) {
        int r = cli_live_option(cmd, ch, optarg, &lo);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_PROFILE: co.profile = optarg; break;
        case CLI_OPT_VECTOR_PARAM:
            if (cli_build_option(cmd, ch, optarg, &bo) < 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_M:
        case OPT_EFC:
        case OPT_EFS:
        case OPT_MAX_SEGMENTS: {
            uint32_t v = 0;
            if (!cli_parse_u32(optarg, &v) || v == 0)
                return cli_usage_error(cmd, "expected a positive integer, not \"%s\"", optarg);
            *(ch == OPT_M     ? &co.M
              : ch == OPT_EFC ? &co.ef_construction
              : ch == OPT_EFS ? &co.ef_search
                              : &co.max_segments) = v;
            break;
        }
        case 'h':
            if (promote)
                promote_help();
            else
                compact_help();
            return CLI_EXIT_OK;
        default: return cli_usage_error(cmd, "bad option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(cmd, "expected one INDEX argument");
    if (promote && co.profile == NULL && co.M == 0 && co.ef_construction == 0 &&
        co.ef_search == 0 && bo.n_vparams == 0)
        return cli_usage_error(cmd, "give --profile (or --M, --ef-construction, --ef-search, "
                                    "--vector-param)");
    co.threads = lo.threads;
    co.vector_params = bo.vparams;
    co.n_vector_params = bo.n_vparams;

    CliLive l;
    if (cli_live_open(&l, cmd, argv[optind], &lo))
        return CLI_EXIT_FAIL;
    int status = CLI_EXIT_FAIL;
    VajraError err = {0};
    vajra_status st = promote ? vajra_collection_promote(l.c, &co, &err)
                              : vajra_collection_compact(l.c, &co, &err);
    if (st != VAJRA_OK) {
        cli_live_error(&l, &err, "; nothing was changed");
        goto out;
    }
    CliLiveDone done = {0};
    char *what;
    if (promote) {
        VajraCollectionInfo in = {.struct_size = sizeof in};
        vajra_collection_info(l.c, &in);
        GString *g = g_string_new(NULL);
        g_string_printf(g, "Promoted %s", l.path);
        if (in.profile != NULL) /* plugins without profiles have no graph numbers either */
            g_string_append_printf(g, " to profile \"%s\" (M=%u, ef_construction=%u, "
                                   "ef_search=%u)", in.profile, in.vector_params.M,
                                   in.vector_params.ef_construction, in.vector_params.ef_search);
        for (size_t i = 0; i < bo.n_vparams; i++) { /* the settled values of the keys given */
            const char *v = vajra_kv_get(in.vector_kv, in.n_vector_kv, bo.vparams[i].key);
            g_string_append_printf(g, "%s%s=%s", i ? ", " : in.profile ? " with " : " to ",
                                   bo.vparams[i].key, v ? v : bo.vparams[i].value);
        }
        g_string_append_printf(g, ", dropping %u deleted documents", l.before.deleted);
        what = g_string_free(g, FALSE);
    } else {
        VajraCollectionCounts now = {.struct_size = sizeof now};
        vajra_collection_counts(l.c, &now);
        what = g_strdup_printf("Compacted %s from %u segment%s into %u, dropping %u deleted "
                               "documents",
                               l.path, l.before.segments, l.before.segments == 1 ? "" : "s",
                               now.segments, l.before.deleted - now.deleted);
    }
    cli_live_report(&l, &lo, what, &done);
    g_free(what);
    status = CLI_EXIT_OK;
out:
    cli_live_close(&l);
    return status;
}

int cmd_compact(int argc, char **argv)
{
    return rebuild(argc, argv, 0);
}

int cmd_promote(int argc, char **argv)
{
    return rebuild(argc, argv, 1);
}
