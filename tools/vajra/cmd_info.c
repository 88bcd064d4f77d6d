/* `vajra info INDEX`: what an index file holds (documents, vectors, plugins, parameters,
 * sections). It reads only the container (through a storage plugin) and the "coll.meta" section,
 * so it works when the index plugins the file names are missing — it then says which are. With
 * them present it also opens the collection, for the HNSW parameters. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "cli.h"
#include "cli_live.h"
#include "vajra/storage.h"

static void help(void)
{
    printf("Usage: vajra info INDEX [--storage file|mmap] [--json]\n\n"
           "Open an index file (validating every checksum) and describe it: documents, vector\n"
           "dimension and metric, the plugins it needs (and which of them are missing here), the\n"
           "scorer and HNSW parameters, the analyzer language, and its sections with their sizes.\n"
           "Only a storage plugin is needed; without the index plugins the segment counts are not\n"
           "shown.\n\n"
           "  --storage file|mmap  storage plugin used to open it (default mmap; the other one\n"
           "                       is tried when it is missing)\n"
           "  --json               one JSON object (keys: path, bytes, docs, dim, metric,\n"
           "                       segments, generation, live, deleted, lexical_plugin, scorer,\n"
           "                       scorer_params, language, vector_plugin, profile,\n"
           "                       vector_params (the index's key/values), hnsw (null for\n"
           "                       an index other than HNSW),\n"
           "                       missing_plugins, sections; the segment counts are null\n"
           "                       without the plugins)\n"
           "  -h, --help           this text\n");
}

/* coll.meta: "key value" lines (see core/collection.c). */
typedef struct Meta {
    GHashTable *kv;             /* key -> value (first occurrence), owned strings */
    GPtrArray *param_names;     /* scorer-param names, owned */
    GArray *param_values;       /* double */
    GPtrArray *vparam_keys, *vparam_values; /* vector-param lines, owned */
} Meta;

static void meta_parse(Meta *m, const char *data, size_t len)
{
    m->kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->param_names = g_ptr_array_new_with_free_func(g_free);
    m->param_values = g_array_new(FALSE, FALSE, sizeof(double));
    m->vparam_keys = g_ptr_array_new_with_free_func(g_free);
    m->vparam_values = g_ptr_array_new_with_free_func(g_free);
    char *text = g_strndup(data, len);
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL; l++) {
        char *sp = strchr(*l, ' ');
        if (sp == NULL)
            continue;
        *sp = '\0';
        const char *key = *l, *value = sp + 1;
        if (strcmp(key, "scorer-param") == 0) {
            const char *sp2 = strchr(value, ' ');
            if (sp2 != NULL) {
                double v = g_ascii_strtod(sp2 + 1, NULL);
                g_ptr_array_add(m->param_names, g_strndup(value, (gsize)(sp2 - value)));
                g_array_append_val(m->param_values, v);
            }
        } else if (strcmp(key, "vector-param") == 0) {
            const char *sp2 = strchr(value, ' ');
            if (sp2 != NULL) {
                g_ptr_array_add(m->vparam_keys, g_strndup(value, (gsize)(sp2 - value)));
                g_ptr_array_add(m->vparam_values, g_strdup(sp2 + 1));
            }
        } else if (!g_hash_table_contains(m->kv, key)) {
            g_hash_table_insert(m->kv, g_strdup(key), g_strdup(value));
        }
    }
    g_strfreev(lines);
    g_free(text);
}

static void meta_clear(Meta *m)
{
    if (m->kv != NULL)
        g_hash_table_destroy(m->kv);
    if (m->param_names != NULL)
        g_ptr_array_free(m->param_names, TRUE);
    if (m->param_values != NULL)
        g_array_free(m->param_values, TRUE);
    if (m->vparam_keys != NULL)
        g_ptr_array_free(m->vparam_keys, TRUE);
    if (m->vparam_values != NULL)
        g_ptr_array_free(m->vparam_values, TRUE);
    memset(m, 0, sizeof *m);
}

static const char *meta_get(const Meta *m, const char *key)
{
    return g_hash_table_lookup(m->kv, key);
}

static unsigned meta_uint(const Meta *m, const char *key)
{
    const char *v = meta_get(m, key);
    return v ? (unsigned)strtoul(v, NULL, 10) : 0;
}

/* The analyzer language: the first segment's lexical index ("s0.lex.lang", the canonical name,
 * written by lexical-bm25 for any language other than english/porter/none), else coll.meta's
 * "language NAME" when the collection records one (an empty collection), else the stemmer value
 * of the "analyzer" line. "?" when unknown. */
static void analyzer_language(const Meta *m, const VajraSectionReader *sr, char *out, size_t cap)
{
    const char *lang = meta_get(m, "language"), *an = meta_get(m, "analyzer");
    const void *data = NULL;
    size_t len = 0;
    unsigned stemmer = 0;
    if (sr->find(sr->self, "s0.lex.lang", &data, &len, NULL) == VAJRA_OK && len > 1 &&
        memchr(data, '\0', len) == (const char *)data + len - 1)
        g_strlcpy(out, data, cap); /* canonical ("french" even when asked for as "fr") */
    else if (lang != NULL && lang[0] != '\0')
        g_strlcpy(out, lang, cap);
    else if (an != NULL && sscanf(an, "%u", &stemmer) == 1)
        g_strlcpy(out, stemmer == VAJRA_STEMMER_PORTER ? "porter"
                       : stemmer == VAJRA_STEMMER_NONE ? "none"
                                                        : "english",
                  cap);
    else
        g_strlcpy(out, "?", cap);
}

/* Load the storage plugin: the one asked for, else the other. NULL (error printed) when neither
 * is on the search path. */
static VajraPlugin *load_storage(VajraRegistry *reg, const char **name)
{
    const char *names[2] = {*name, strcmp(*name, "storage-mmap") == 0 ? "storage-file"
                                                                       : "storage-mmap"};
    VajraError err = {0};
    for (int i = 0; i < 2; i++) {
        VajraPlugin *p = NULL;
        if (vajra_registry_load(reg, VAJRA_PLUGIN_STORAGE, names[i], &p, &err) == VAJRA_OK) {
            *name = names[i];
            return p;
        }
    }
    cli_error("info", "no storage plugin (storage-mmap or storage-file) could be loaded, so the "
              "index cannot be read; searched %s", vajra_registry_search_path(reg));
    return NULL;
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
        case 'j': json = 1; break;
        case 's':
            storage = cli_storage_plugin(optarg);
            if (storage == NULL)
                return cli_usage_error("info", "--storage takes file or mmap, not \"%s\"", optarg);
            break;
        case 'h': help(); return CLI_EXIT_OK;
        default: return cli_usage_error("info", "bad option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("info", "expected one INDEX argument");
    const char *path = argv[optind];

    int status = CLI_EXIT_FAIL;
    VajraRegistry *reg = cli_registry("info");
    VajraPlugin *sp = NULL;
    VajraStorageContainer *cont = NULL;
    const VajraStorageOps *ops = NULL;
    VajraCollection *c = NULL;
    VajraError err = {0};
    Meta meta = {0};
    GPtrArray *missing = g_ptr_array_new();
    if (reg == NULL || (sp = load_storage(reg, &storage)) == NULL)
        goto out;
    ops = vajra_plugin_vtable(sp);
    if (ops->open(vajra_plugin_state(sp), path, &cont, &err) != VAJRA_OK) {
        cli_error_vajra("info", &err);
        goto out;
    }
    const VajraSectionReader *sr = ops->container_sections(cont);
    const void *mdata = NULL;
    size_t mlen = 0;
    if (sr->find(sr->self, "coll.meta", &mdata, &mlen, &err) != VAJRA_OK) {
        cli_error("info", "%s: not a Vajra collection (no coll.meta section)", path);
        goto out;
    }
    meta_parse(&meta, mdata, mlen);
    if (meta_get(&meta, "vajra-collection") == NULL) {
        cli_error("info", "%s: coll.meta is not a collection description", path);
        goto out;
    }
    unsigned dim = meta_uint(&meta, "dim");

    /* Which of the plugins the file names can be loaded here. */
    const char *needed[3] = {meta_get(&meta, "lexical"), meta_get(&meta, "scorer"),
                             dim ? meta_get(&meta, "vector") : NULL};
    const VajraPluginKind kinds[3] = {VAJRA_PLUGIN_LEXICAL, VAJRA_PLUGIN_SCORER,
                                      VAJRA_PLUGIN_VECTOR};
    for (int i = 0; i < 3; i++) {
        VajraPlugin *p = NULL;
        if (needed[i] == NULL)
            continue;
        if (vajra_registry_load(reg, kinds[i], needed[i], &p, &err) == VAJRA_OK)
            vajra_plugin_unref(p);
        else
            g_ptr_array_add(missing, (gpointer)needed[i]);
    }
    /* With every plugin present, open the collection for what only the plugins can read. */
    VajraCollectionInfo in = {.struct_size = sizeof in};
    if (missing->len == 0) {
        if ((c = cli_open_collection("info", reg, path, storage)) == NULL)
            goto out;
        vajra_collection_info(c, &in);
    } else {
        fprintf(stderr, "vajra info: warning: plugin%s not found on %s:", missing->len > 1 ? "s" : "",
                vajra_registry_search_path(reg));
        for (guint i = 0; i < missing->len; i++)
            fprintf(stderr, " %s", (const char *)g_ptr_array_index(missing, i));
        fprintf(stderr, " (this index cannot be searched here)\n");
    }
    /* The HNSW parameters: from the open index, else from coll.meta's "vector-params M efC efS
     * seed" (files since the live-collection format carry it). */
    VajraVectorParams meta_vp;
    memset(&meta_vp, 0, sizeof meta_vp);
    const VajraVectorParams *vp = c ? &in.vector_params : NULL;
    const char *vps = meta_get(&meta, "vector-params");
    unsigned long long seed = 0;
    if (vp == NULL && vps != NULL &&
        sscanf(vps, "%u %u %u %llu", &meta_vp.M, &meta_vp.ef_construction, &meta_vp.ef_search,
               &seed) == 4) {
        meta_vp.seed = seed;
        vp = &meta_vp;
    }
    struct stat sb;
    long long bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    size_t nsec = ops->container_count(cont);
    char language[64];
    analyzer_language(&meta, sr, language, sizeof language);

    if (json) {
        printf("{\"path\": ");
        cli_json_string(stdout, path);
        printf(", \"bytes\": %lld, \"docs\": %u, \"dim\": %u, \"metric\": ", bytes,
               meta_uint(&meta, "docs"), dim);
        cli_json_string(stdout, dim ? meta_get(&meta, "metric") : NULL);
        cli_live_info(c, 1);
        printf(", \"lexical_plugin\": ");
        cli_json_string(stdout, meta_get(&meta, "lexical"));
        printf(", \"scorer\": ");
        cli_json_string(stdout, meta_get(&meta, "scorer"));
        printf(", \"scorer_params\": {");
        for (guint i = 0; i < meta.param_names->len; i++) {
            printf("%s", i ? ", " : "");
            cli_json_string(stdout, g_ptr_array_index(meta.param_names, i));
            printf(": ");
            cli_json_number(stdout, g_array_index(meta.param_values, double, i));
        }
        printf("}, \"language\": ");
        cli_json_string(stdout, language);
        printf(", \"vector_plugin\": ");
        cli_json_string(stdout, dim ? meta_get(&meta, "vector") : NULL);
        printf(", \"profile\": ");
        cli_json_string(stdout, dim ? meta_get(&meta, "profile") : NULL);
        printf(", \"vector_params\": ");
        if (dim) {
            printf("{");
            for (guint i = 0; i < meta.vparam_keys->len; i++) {
                printf("%s", i ? ", " : "");
                cli_json_string(stdout, g_ptr_array_index(meta.vparam_keys, i));
                printf(": ");
                cli_json_string(stdout, g_ptr_array_index(meta.vparam_values, i));
            }
            printf("}");
        } else {
            printf("null");
        }
        printf(", \"hnsw\": ");
        if (dim && vp != NULL && vp->M != 0)
            printf("{\"M\": %u, \"ef_construction\": %u, \"ef_search\": %u, \"seed\": %llu}",
                   vp->M, vp->ef_construction, vp->ef_search, (unsigned long long)vp->seed);
        else
            printf("null");
        printf(", \"missing_plugins\": [");
        for (guint i = 0; i < missing->len; i++) {
            printf("%s", i ? ", " : "");
            cli_json_string(stdout, g_ptr_array_index(missing, i));
        }
        printf("], \"sections\": [");
    } else {
        printf("Index:      %s (%lld bytes)\n", path, bytes);
        printf("Documents:  %u\n", meta_uint(&meta, "docs"));
        cli_live_info(c, 0);
        printf("Lexical:    %s, scorer %s", meta_get(&meta, "lexical"), meta_get(&meta, "scorer"));
        for (guint i = 0; i < meta.param_names->len; i++)
            printf("%s%s=%g", i ? ", " : " (", (const char *)g_ptr_array_index(meta.param_names, i),
                   g_array_index(meta.param_values, double, i));
        printf("%s\n", meta.param_names->len ? ")" : "");
        printf("Language:   %s\n", language);
        if (dim) {
            printf("Vectors:    %u dimensions, metric %s, %s", dim, meta_get(&meta, "metric"),
                   meta_get(&meta, "vector"));
            if (meta_get(&meta, "profile") != NULL)
                printf(" profile \"%s\"", meta_get(&meta, "profile"));
            /* The index's key/values; files written before them: the HNSW parameters. */
            for (guint i = 0; i < meta.vparam_keys->len; i++)
                printf("%s%s=%s", i ? ", " : " (", (const char *)meta.vparam_keys->pdata[i],
                       (const char *)meta.vparam_values->pdata[i]);
            if (meta.vparam_keys->len > 0)
                printf(")");
            else if (vp != NULL)
                printf(" (M=%u, ef_construction=%u, ef_search=%u)", vp->M, vp->ef_construction,
                       vp->ef_search);
            printf("\n");
        } else {
            printf("Vectors:    none (lexical only)\n");
        }
        if (missing->len) {
            printf("Missing:   ");
            for (guint i = 0; i < missing->len; i++)
                printf(" %s", (const char *)g_ptr_array_index(missing, i));
            printf(" (not found on the plugin search path)\n");
        }
        printf("\nSections (%zu):\n", nsec);
    }
    for (size_t i = 0; i < nsec; i++) {
        const char *name = NULL;
        const void *data = NULL;
        size_t len = 0;
        if (ops->container_section_at(cont, i, &name, &data, &len, &err) != VAJRA_OK)
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
        printf("]}\n");
    status = CLI_EXIT_OK;
out:
    vajra_collection_free(c);
    meta_clear(&meta);
    g_ptr_array_free(missing, TRUE);
    if (cont != NULL)
        ops->close(cont);
    vajra_plugin_unref(sp);
    vajra_registry_free(reg);
    return status;
}
