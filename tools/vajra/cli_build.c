/* Building a collection from command-line options (shared by `vajra index` and `vajra bench`). */
#include <getopt.h>
#include <string.h>

#include <glib.h>

#include "cli.h"

void cli_build_defaults(CliBuildOptions *o)
{
    memset(o, 0, sizeof *o);
    o->metric = "ip";
    o->profile = NULL; /* the collection's default (HNSW: fast) */
    o->threads = 0; /* available cores: the graph is the same for any count */
    o->batch = 4096;
}

uint32_t cli_build_threads(const CliBuildOptions *o)
{
    if (o->threads)
        return o->threads;
    guint n = g_get_num_processors(); /* honours the CPU affinity mask */
    return n ? (uint32_t)n : 1;
}

int cli_build_option(const char *cmd, int ch, const char *arg, CliBuildOptions *o)
{
    switch (ch) {
    case CLI_OPT_METRIC:
        if (strcmp(arg, "ip") && strcmp(arg, "cosine") && strcmp(arg, "l2")) {
            cli_usage_error(cmd, "--metric takes ip, cosine or l2, not \"%s\"", arg);
            return -1;
        }
        o->metric = arg;
        return 1;
    case CLI_OPT_LANGUAGE:
        if (arg[0] == '\0') {
            cli_usage_error(cmd, "--language needs a name (english, french, chinese, ...)");
            return -1;
        }
        o->language = arg;
        return 1;
    case CLI_OPT_PROFILE: o->profile = arg; return 1;
    case CLI_OPT_VECTOR_PLUGIN: o->vector_plugin = arg; return 1;
    case CLI_OPT_VECTOR_PARAM: {
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg || o->n_vparams >= CLI_MAX_VECTOR_PARAMS) {
            cli_usage_error(cmd, "--vector-param takes KEY=VALUE (at most %d), not \"%s\"",
                            CLI_MAX_VECTOR_PARAMS, arg);
            return -1;
        }
        /* The key is copied (argv stays intact); the copy lives as long as the process. */
        o->vparams[o->n_vparams++] = (VajraKeyValue){g_strndup(arg, (gsize)(eq - arg)), eq + 1};
        return 1;
    }
    case CLI_OPT_SCORER: o->scorer = arg; return 1;
    case CLI_OPT_ATTR_SCHEMA: o->attr_schema = arg; return 1;
    case CLI_OPT_KEEP_STOP: o->keep_stopwords = 1; return 1;
    case CLI_OPT_IGNORE_TITLE: o->ignore_title = 1; return 1;
    case 'q':
    case CLI_OPT_QUIET: o->quiet = 1; return 1;
    case CLI_OPT_THREADS:
    case CLI_OPT_BATCH:
    case CLI_OPT_M:
    case CLI_OPT_EFC:
    case CLI_OPT_EFS: {
        uint32_t v = 0;
        if (!cli_parse_u32(arg, &v) || v == 0) {
            cli_usage_error(cmd, "expected a positive integer, not \"%s\"", arg);
            return -1;
        }
        *(ch == CLI_OPT_THREADS ? &o->threads
          : ch == CLI_OPT_BATCH ? &o->batch
          : ch == CLI_OPT_M     ? &o->M
          : ch == CLI_OPT_EFC   ? &o->efc
                                : &o->efs) = v;
        return 1;
    }
    case CLI_OPT_K1:
    case CLI_OPT_B: {
        double v = 0;
        if (!cli_parse_double(arg, &v)) {
            cli_usage_error(cmd, "expected a number, not \"%s\"", arg);
            return -1;
        }
        if (ch == CLI_OPT_K1) {
            o->k1 = v;
            o->have_k1 = 1;
        } else {
            o->b = v;
            o->have_b = 1;
        }
        return 1;
    }
    }
    return 0;
}

int cli_build(const char *cmd, VajraRegistry *reg, const CliBuildOptions *o, const CliDocs *docs,
              const char *docs_path, VajraCollection **out, double *build_s)
{
    *out = NULL;
    VajraError err = {0};
    VajraCollectionOptions co = {.struct_size = sizeof co};
    co.scorer_plugin = o->scorer;
    VajraParam params[2];
    size_t np = 0;
    if (o->have_k1)
        params[np++] = (VajraParam){"k1", o->k1};
    if (o->have_b)
        params[np++] = (VajraParam){"b", o->b};
    co.scorer_params = params;
    co.n_scorer_params = np;
    /* One map from names to analyzers: the lexical plugin's (vajra/lexical.h). "english",
     * "porter" and "none" (the old --stemmer values) become the stemmer values, so the index and
     * the collection's metadata are the same as before languages existed; any other name is
     * checked against libstemmer's list when the collection is created. */
    co.analyzer.language = o->language;
    vajra_analyzer_options_normalize(&co.analyzer);
    co.analyzer.keep_stopwords = (uint32_t)o->keep_stopwords;
    co.ignore_title = (uint32_t)o->ignore_title;
    co.dim = docs->dim;
    co.metric = strcmp(o->metric, "cosine") == 0 ? VAJRA_METRIC_COSINE
                : strcmp(o->metric, "l2") == 0   ? VAJRA_METRIC_L2
                                                 : VAJRA_METRIC_IP;
    co.profile = o->profile;
    co.vector_plugin = o->vector_plugin;
    co.vector_params = o->vparams;
    co.n_vector_params = o->n_vparams;
    co.attr_schema = o->attr_schema;
    co.M = o->M;
    co.ef_construction = o->efc;
    co.ef_search = o->efs;
    co.threads = cli_build_threads(o);

    VajraCollection *c = NULL;
    if (vajra_collection_create(reg, &co, &c, &err) != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        return 1;
    }
    double t0 = cli_now();
    CliProgress prog;
    cli_progress_start(&prog, "indexing", docs->count, o->quiet);
    for (size_t start = 0; start < docs->count; start += o->batch) {
        size_t count = docs->count - start < o->batch ? docs->count - start : o->batch;
        VajraDocBatch b = {docs->docs + start, count};
        if (vajra_collection_add(c, &b, &err) != VAJRA_OK) {
            cli_progress_abort(&prog);
            cli_error(cmd, "%s (documents %zu..%zu): %s", docs_path, start + 1, start + count,
                      err.message);
            vajra_collection_free(c);
            return 1;
        }
        cli_progress_update(&prog, start + count);
    }
    vajra_status st = vajra_collection_commit(c, &err);
    cli_progress_end(&prog);
    if (st != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        vajra_collection_free(c);
        return 1;
    }
    *build_s = cli_now() - t0;
    *out = c;
    return 0;
}

void cli_build_vector_desc(const VajraCollection *c, char *buf, size_t size)
{
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info(c, &in);
    size_t used = (size_t)snprintf(buf, size, "%s", in.vector_plugin ? in.vector_plugin : "none");
    if (in.profile != NULL && used < size)
        used += (size_t)snprintf(buf + used, size - used, ", profile %s", in.profile);
    for (size_t i = 0; i < in.n_vector_kv && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", i ? " " : ", ",
                                 in.vector_kv[i].key, in.vector_kv[i].value);
}

int cli_index_option(const char *cmd, int ch, const char *arg, CliIndexArgs *a)
{
    int r = cli_build_option(cmd, ch, arg, &a->build);
    if (r != 0)
        return r;
    switch (ch) {
    case 'o': a->output = arg; return 1;
    case CLI_OPT_I_VECTORS: a->vectors = arg; return 1;
    case CLI_OPT_I_VECTOR_FIELD: a->vector_field = arg; return 1;
    case CLI_OPT_I_JSON: a->json = a->build.quiet = 1; return 1;
    case CLI_OPT_I_LIMIT:
        if (!cli_parse_u32(arg, &a->limit) || a->limit == 0) {
            cli_usage_error(cmd, "--limit takes a positive integer");
            return -1;
        }
        return 1;
    case CLI_OPT_I_STORAGE:
        a->storage = cli_storage_plugin(arg);
        if (a->storage == NULL) {
            cli_usage_error(cmd, "--storage takes file or mmap, not \"%s\"", arg);
            return -1;
        }
        return 1;
    }
    return 0;
}

void cli_index_args_defaults(CliIndexArgs *a)
{
    memset(a, 0, sizeof *a);
    cli_build_defaults(&a->build);
    a->storage = "storage-file";
}
