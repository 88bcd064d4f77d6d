/* `vajra info INDEX`: what an index file holds (documents, vectors, plugins, parameters,
 * sections). */
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_live.h"
#include "vajra/storage.h"

static void help(void)
{
    printf("Usage: vajra info INDEX [--storage file|mmap] [--json]\n\n"
           "Open an index file (validating every checksum) and describe it: documents, vector\n"
           "dimension and metric, the plugins it needs, the scorer and HNSW parameters, and its\n"
           "sections with their sizes.\n\n"
           "  --storage file|mmap  storage plugin used to open it (default mmap)\n"
           "  --json               one JSON object (keys: path, bytes, docs, dim, metric,\n"
           "                       segments, generation, live, deleted, lexical_plugin, scorer,\n"
           "                       scorer_params, vector_plugin, profile, hnsw, sections)\n"
           "  -h, --help           this text\n");
}

static const char *metric_text(uint32_t m)
{
    return m == VAJRA_METRIC_L2 ? "l2" : m == VAJRA_METRIC_IP ? "ip" : m == VAJRA_METRIC_COSINE ? "cosine" : "none";
}

/* List the container's sections (a second, read-only open through the same storage plugin). */
static void print_sections(VajraRegistry *reg, const char *storage, const char *path, int json)
{
    VajraPlugin *sp = NULL;
    VajraError err = {0};
    if (vajra_registry_load(reg, VAJRA_PLUGIN_STORAGE, storage, &sp, &err) != VAJRA_OK) {
        if (json)
            printf("[]");
        return;
    }
    const VajraStorageOps *ops = vajra_plugin_vtable(sp);
    VajraStorageContainer *c = NULL;
    if (ops->open(vajra_plugin_state(sp), path, &c, &err) == VAJRA_OK) {
        size_t n = ops->container_count(c);
        if (json)
            printf("[");
        else
            printf("\nSections (%zu):\n", n);
        for (size_t i = 0; i < n; i++) {
            const char *name = NULL;
            const void *data = NULL;
            size_t len = 0;
            if (ops->container_section_at(c, i, &name, &data, &len, &err) != VAJRA_OK)
                continue;
            if (json) {
                printf("%s{\"name\": ", i ? ", " : "");
                cli_json_string(stdout, name);
                printf(", \"bytes\": %zu}", len);
            } else {
                printf("  %-24s %12zu bytes\n", name, len);
            }
        }
        if (json)
            printf("]");
        ops->close(c);
    } else if (json) {
        printf("[]");
    }
    vajra_plugin_unref(sp);
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                             {"storage", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {0, 0, 0, 0}};
    int json = 0, ch;
    const char *storage = "storage-mmap";
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            json = 1;
            break;
        case 's':
            storage = cli_storage_plugin(optarg);
            if (storage == NULL)
                return cli_usage_error("info", "--storage takes file or mmap, not \"%s\"", optarg);
            break;
        case 'h':
            help();
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("info", "bad option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("info", "expected one INDEX argument");
    const char *path = argv[optind];

    VajraRegistry *reg = cli_registry("info");
    if (reg == NULL)
        return CLI_EXIT_FAIL;
    VajraCollection *c = cli_open_collection("info", reg, path, storage);
    if (c == NULL) {
        vajra_registry_free(reg);
        return CLI_EXIT_FAIL;
    }
    VajraCollectionInfo in;
    vajra_collection_info(c, &in);
    struct stat sb;
    long long bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    const VajraVectorParams *vp = &in.vector_params;

    if (json) {
        printf("{\"path\": ");
        cli_json_string(stdout, path);
        printf(", \"bytes\": %lld, \"docs\": %u, \"dim\": %u, \"metric\": ", bytes, in.doc_count,
               in.dim);
        cli_json_string(stdout, in.dim ? metric_text(in.metric) : NULL);
        cli_live_info(c, 1);
        printf(", \"lexical_plugin\": ");
        cli_json_string(stdout, in.lexical_plugin);
        printf(", \"scorer\": ");
        cli_json_string(stdout, in.scorer_plugin);
        printf(", \"scorer_params\": {");
        for (size_t i = 0; i < in.n_scorer_params; i++) {
            printf("%s", i ? ", " : "");
            cli_json_string(stdout, in.scorer_params[i].name);
            printf(": ");
            cli_json_number(stdout, in.scorer_params[i].value);
        }
        printf("}, \"vector_plugin\": ");
        cli_json_string(stdout, in.vector_plugin);
        printf(", \"profile\": ");
        cli_json_string(stdout, in.profile);
        printf(", \"hnsw\": ");
        if (in.dim)
            printf("{\"M\": %u, \"ef_construction\": %u, \"ef_search\": %u, \"seed\": %llu}",
                   vp->M, vp->ef_construction, vp->ef_search, (unsigned long long)vp->seed);
        else
            printf("null");
        printf(", \"sections\": ");
        print_sections(reg, storage, path, 1);
        printf("}\n");
    } else {
        printf("Index:      %s (%lld bytes)\n", path, bytes);
        printf("Documents:  %u\n", in.doc_count);
        cli_live_info(c, 0);
        printf("Lexical:    %s, scorer %s", in.lexical_plugin, in.scorer_plugin);
        for (size_t i = 0; i < in.n_scorer_params; i++)
            printf("%s%s=%g", i ? ", " : " (", in.scorer_params[i].name,
                   in.scorer_params[i].value);
        printf("%s\n", in.n_scorer_params ? ")" : "");
        if (in.dim)
            printf("Vectors:    %u dimensions, metric %s, %s profile \"%s\" (M=%u, "
                   "ef_construction=%u, ef_search=%u)\n",
                   in.dim, metric_text(in.metric), in.vector_plugin, in.profile, vp->M,
                   vp->ef_construction, vp->ef_search);
        else
            printf("Vectors:    none (lexical only)\n");
        print_sections(reg, storage, path, 0);
    }
    vajra_collection_free(c);
    vajra_registry_free(reg);
    return CLI_EXIT_OK;
}
