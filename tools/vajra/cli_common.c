/* Shared plumbing of the `vajra` commands: messages, number parsing, JSON, progress, searching. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vajra %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_error_vajra(const char *cmd, const VajraError *err)
{
    if (err->message[0] != '\0')
        cli_error(cmd, "%s", err->message);
    else
        cli_error(cmd, "%s", vajra_strerror(err->code));
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vajra %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'vajra %s --help'.\n", cmd);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > UINT32_MAX)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

int cli_parse_double(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

void cli_json_string(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void cli_json_number(FILE *f, double v)
{
    if (!isfinite(v))
        fputs("null", f);
    else
        fprintf(f, "%.6g", v);
}

const char *cli_build_tree_plugin_path(void)
{
#if defined(VAJRA_BUILD_TOOL_DIR) && defined(VAJRA_BUILD_PLUGIN_PATH)
    static int checked = 0, in_tree = 0;
    if (!checked) {
        checked = 1;
        char *exe = realpath("/proc/self/exe", NULL);
        char *dir = realpath(VAJRA_BUILD_TOOL_DIR, NULL);
        if (exe != NULL && dir != NULL) {
            size_t n = strlen(dir);
            in_tree = strncmp(exe, dir, n) == 0 && exe[n] == '/' && strchr(exe + n + 1, '/') == NULL;
        }
        free(exe);
        free(dir);
    }
    return in_tree ? VAJRA_BUILD_PLUGIN_PATH : NULL;
#else
    return NULL;
#endif
}

VajraRegistry *cli_registry(const char *cmd)
{
    VajraRegistry *reg = NULL;
    VajraError err = {0};
    /* $VAJRA_PLUGIN_PATH when set; else, for the uninstalled binary only, the build tree's plugin
     * directories. The registry appends the install directory. */
    const char *env = getenv("VAJRA_PLUGIN_PATH"), *tree = cli_build_tree_plugin_path();
    VajraRegistryOptions ro = {.struct_size = sizeof ro, .search_path = tree};
    int use_tree = tree != NULL && (env == NULL || *env == '\0');
    if (vajra_registry_new(use_tree ? &ro : NULL, &reg, &err) != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        return NULL;
    }
    return reg;
}

const char *cli_storage_plugin(const char *name)
{
    if (name == NULL)
        return NULL;
    if (strcmp(name, "file") == 0 || strcmp(name, "storage-file") == 0)
        return "storage-file";
    if (strcmp(name, "mmap") == 0 || strcmp(name, "storage-mmap") == 0)
        return "storage-mmap";
    return NULL;
}

VajraCollection *cli_open_collection(const char *cmd, VajraRegistry *reg, const char *path,
                                     const char *storage)
{
    VajraCollection *c = NULL;
    VajraError err = {0};
    if (vajra_collection_open(reg, path, storage, &c, &err) != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        return NULL;
    }
    return c;
}

VajraCollection *cli_open_single_segment(const char *cmd, VajraRegistry *reg, const char *path,
                                         const char *storage)
{
    VajraCollection *c = cli_open_collection(cmd, reg, path, storage);
    VajraCollectionCounts n = {.struct_size = sizeof n};
    if (c != NULL)
        vajra_collection_counts(c, &n);
    if (c != NULL && n.segments != 1) {
        cli_error(cmd, "%s has %u segments; %s measures one index: run `vajra compact %s` first",
                  path, n.segments, cmd, path);
        vajra_collection_free(c);
        return NULL;
    }
    return c;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cli_read_vectors_spec(const char *cmd, const char *spec, VajraMatrixF32 *out, long *row)
{
    /* "FILE:ROW" when the text after the last ':' is all digits; otherwise the whole is a file. */
    char *path = strdup(spec);
    if (path == NULL) {
        cli_error(cmd, "out of memory");
        return 1;
    }
    char *colon = strrchr(path, ':');
    if (colon != NULL && colon[1] != '\0' && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
        uint32_t r = 0;
        if (!cli_parse_u32(colon + 1, &r)) {
            cli_error(cmd, "bad row in \"%s\"", spec);
            free(path);
            return 1;
        }
        *row = (long)r;
        *colon = '\0';
    }
    VajraError err = {0};
    vajra_status st = vajra_vectors_read(path, out, &err);
    free(path);
    if (st != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        return 1;
    }
    return 0;
}

int cli_check_query_dim(const char *cmd, const char *index_path, uint32_t index_dim,
                        const char *qv_path, size_t qv_dim)
{
    if (index_dim == 0) {
        cli_error(cmd, "%s: this index has no vectors (it was built without --vectors); use "
                  "--mode lexical", index_path);
        return 1;
    }
    if (qv_dim != index_dim) {
        cli_error(cmd, "%s: query vectors have dimension %zu, the index has %u", qv_path, qv_dim,
                  index_dim);
        return 1;
    }
    return 0;
}

int cli_fusion_option(const char *cmd, int ch, const char *arg, CliFusion *f)
{
    double v = 0;
    switch (ch) {
    case CLI_OPT_FUSION: f->method = arg; return 1;
    case CLI_OPT_RRFK:
    case CLI_OPT_WEIGHT:
        if (!cli_parse_double(arg, &v) || v < 0 || (ch == CLI_OPT_WEIGHT && v > 1)) {
            cli_usage_error(cmd, "bad value \"%s\"", arg);
            return -1;
        }
        *(ch == CLI_OPT_RRFK ? &f->rrf_k : &f->weight) = v;
        return 1;
    }
    return 0;
}

VajraMorphism *cli_make_fusion(const char *cmd, const CliFusion *f, size_t limit)
{
    VajraMorphism *m = NULL;
    VajraError err = {0};
    vajra_status st;
    if (strcmp(f->method, "rrf") == 0)
        st = vajra_fusion_rrf(f->rrf_k, limit, &m, &err);
    else if (strcmp(f->method, "minmax") == 0 || strcmp(f->method, "zscore") == 0)
        st = vajra_fusion_convex(strcmp(f->method, "minmax") == 0 ? VAJRA_NORM_MINMAX
                                                                  : VAJRA_NORM_ZSCORE,
                                 f->weight, 1.0 - f->weight, limit, &m, &err);
    else
        st = vajra_error_set(&err, VAJRA_ERR_INVALID_ARGUMENT,
                             "unknown fusion \"%s\" (rrf, minmax, zscore)", f->method);
    if (st != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        return NULL;
    }
    return m;
}

const char *cli_mode_name(CliMode m)
{
    return m == CLI_MODE_LEXICAL ? "lexical" : m == CLI_MODE_VECTOR ? "vector" : "hybrid";
}

int cli_parse_mode(const char *s, CliMode *out)
{
    for (int m = CLI_MODE_LEXICAL; m <= CLI_MODE_HYBRID; m++)
        if (strcmp(s, cli_mode_name((CliMode)m)) == 0) {
            *out = (CliMode)m;
            return 1;
        }
    return 0;
}

int cli_searcher_init(const char *cmd, CliSearcher *s, VajraCollection *c, CliMode mode,
                      uint32_t k, uint32_t depth, uint32_t ef, const CliFusion *fusion)
{
    memset(s, 0, sizeof *s);
    s->mode = mode;
    s->k = k;
    s->ef = ef;
    s->fusion = *fusion;
    s->depth = depth < k ? k : depth;
    VajraCollectionInfo info = {.struct_size = sizeof info};
    vajra_collection_info(c, &info);
    s->dim = info.dim;
    VajraError err = {0};
    vajra_status st = VAJRA_OK;
    const VajraType *dom = NULL;
    if (mode != CLI_MODE_LEXICAL && info.dim == 0) {
        cli_error(cmd, "%s search needs vectors, and this index has no vectors (it was built "
                  "without --vectors); use --mode lexical", cli_mode_name(mode));
        return 1;
    }
    if (mode == CLI_MODE_LEXICAL) {
        st = vajra_collection_lexical_retriever(c, &s->m, &err);
        dom = vajra_type_text_query();
    } else if (mode == CLI_MODE_VECTOR) {
        st = vajra_collection_vector_retriever(c, ef, &s->m, &err);
        dom = vajra_type_vector_query();
    } else {
        VajraMorphism *fuse = cli_make_fusion(cmd, fusion, k);
        if (fuse == NULL)
            return 1;
        st = vajra_collection_hybrid_retriever(c, fuse, ef, &s->m, &err);
        vajra_morphism_unref(fuse);
        dom = vajra_type_hybrid_query();
    }
    if (st == VAJRA_OK)
        st = vajra_value_new(dom, &s->query, &err);
    if (st != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        cli_searcher_clear(s);
        return 1;
    }
    return 0;
}

int cli_searcher_filter(const char *cmd, CliSearcher *s, VajraCollection *c,
                        const char *filter_text, int with_attrs)
{
    VajraError err = {0};
    if (filter_text != NULL && vajra_filter_parse(filter_text, &s->filter, &err) != VAJRA_OK) {
        cli_error(cmd, "--filter: %s", err.message);
        return 1;
    }
    s->with_attrs = with_attrs;
    if (vajra_searcher_new(c, &s->vs, &err) != VAJRA_OK) {
        cli_error_vajra(cmd, &err);
        return 1;
    }
    return 0;
}

static vajra_status run_one_call(CliSearcher *s, const char *text, const float *vec,
                                 VajraHits *hits, VajraError *err)
{
    static const uint32_t modes[] = {VAJRA_MODE_LEXICAL, VAJRA_MODE_VECTOR, VAJRA_MODE_HYBRID};
    const char *m = s->fusion.method;
    VajraSearchRequest q = {.struct_size = sizeof q, .mode = modes[s->mode],
                            .text = s->mode == CLI_MODE_VECTOR ? NULL : (text ? text : ""),
                            .vector = s->mode == CLI_MODE_LEXICAL ? NULL : vec, .dim = s->dim,
                            .k = s->k, .ef = s->ef, .depth = s->depth,
                            .fusion = strcmp(m, "minmax") == 0   ? VAJRA_FUSE_MINMAX
                                      : strcmp(m, "zscore") == 0 ? VAJRA_FUSE_ZSCORE
                                                                 : VAJRA_FUSE_RRF,
                            .rrf_k = s->fusion.rrf_k, .weight = s->fusion.weight,
                            .filter = s->filter, .with_attrs = (uint32_t)s->with_attrs};
    vajra_status st = vajra_searcher_search(s->vs, &q, &s->res, err);
    hits->count = 0;
    for (size_t i = 0; st == VAJRA_OK && i < s->res.count; i++)
        st = vajra_hits_push(hits, s->res.items[i].doc, s->res.items[i].score, err);
    return st;
}

vajra_status cli_searcher_run(CliSearcher *s, const char *text, const float *vec,
                              VajraHits *hits, VajraError *err)
{
    if (s->vs != NULL)
        return run_one_call(s, text, vec, hits, err);
    switch (s->mode) {
    case CLI_MODE_LEXICAL:
        *(VajraTextQuery *)s->query = (VajraTextQuery){text ? text : "", s->k};
        break;
    case CLI_MODE_VECTOR:
        *(VajraVectorQuery *)s->query = (VajraVectorQuery){vec, s->dim, s->k};
        break;
    case CLI_MODE_HYBRID: {
        VajraProduct *p = s->query;
        *(VajraTextQuery *)p->first = (VajraTextQuery){text ? text : "", s->depth};
        *(VajraVectorQuery *)p->second = (VajraVectorQuery){vec, s->dim, s->depth};
        break;
    }
    }
    return vajra_morphism_apply(s->m, s->query, hits, err);
}

void cli_searcher_clear(CliSearcher *s)
{
    vajra_results_clear(&s->res);
    vajra_searcher_free(s->vs);
    vajra_filter_free(s->filter);
    if (s->query != NULL)
        vajra_value_free(vajra_morphism_dom(s->m), s->query);
    vajra_morphism_unref(s->m);
    memset(s, 0, sizeof *s);
}
