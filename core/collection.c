/* Collections: one lexical index and (optionally) one vector index over the same documents,
 * numbered alike, saved together as one container; retrievers as morphisms; hybrid by composition.
 *
 * The collection is glue: it loads the plugins through the registry (the scorer too, which it
 * hands to the lexical index), keeps the two indexes in step, and keeps the titles for display.
 * Ids live in the lexical index (doc_id / doc_number).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vajra/collection.h"
#include "vajra/storage.h"

#define META_SECTION "coll.meta"
#define TITLES_SECTION "coll.titles"
#define META_FORMAT_MAJOR 1
#define META_MAX_BYTES 65536
#define PLUGIN_NAME_MAX 64

struct VajraCollection {
    VajraRegistry *reg; /* borrowed */

    VajraPlugin *lex_plugin;
    const VajraLexicalVtable *lvt;
    VajraLexicalIndex *lex;

    VajraPlugin *scorer_plugin;
    const VajraScorerVtable *svt;
    void *scorer_instance;
    VajraScorer scorer;
    VajraParam *scorer_params; /* names owned */
    size_t n_scorer_params;

    VajraPlugin *vec_plugin; /* NULL without vectors */
    const VajraVectorVtable *vvt;
    VajraVectorIndex *vec;
    VajraVectorParams vparams;

    char *lexical_name, *scorer_name, *vector_name, *profile;
    uint32_t dim, metric, threads, ignore_title;

    /* Titles of built collections: NUL-terminated strings in one blob, offsets[i] where title i
     * starts. Opened collections read them from the container instead (titles_ro). */
    GByteArray *title_blob;
    GArray *title_off; /* uint64_t */
    const char *titles_ro_blob;
    const uint64_t *titles_ro_off;
    uint64_t titles_ro_count;

    uint32_t added;    /* documents added (committed or not) */
    int read_only;     /* opened from a file */
    int broken;        /* a vector insert failed halfway: indexes out of step */

    float *vec_buf; /* reused per batch: the batch's vectors, contiguous */
    size_t vec_buf_cap;

    VajraPlugin *storage_plugin; /* the plugin that opened the container */
    const VajraStorageOps *sops;
    VajraStorageContainer *container;
    char *path, *storage_name;
};

/* ---- small helpers ---- */

/* Put "<verb> <path>: " before a message that does not name the path yet. */
static vajra_status prefix_path(VajraError *err, const char *verb, const char *path)
{
    if (err != NULL && strstr(err->message, path) == NULL)
        return vajra_error_prefix(err, "%s %s", verb, path);
    return err != NULL ? err->code : VAJRA_ERR_INVALID_ARGUMENT;
}

static const char *metric_name(uint32_t metric)
{
    switch (metric) {
    case VAJRA_METRIC_L2:
        return "l2";
    case VAJRA_METRIC_IP:
        return "ip";
    case VAJRA_METRIC_COSINE:
        return "cosine";
    }
    return NULL;
}

static uint32_t metric_from_name(const char *name)
{
    for (uint32_t m = VAJRA_METRIC_L2; m <= VAJRA_METRIC_COSINE; m++)
        if (strcmp(name, metric_name(m)) == 0)
            return m;
    return 0;
}

/* A plugin name becomes a file name on the search path, so a name read from a file must not be
 * able to point anywhere else: lowercase letters, digits, '-' and '_' only. */
static int plugin_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > PLUGIN_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return 0;
    }
    return 1;
}

static vajra_status load_plugin(VajraCollection *c, VajraPluginKind kind, const char *name,
                                uint32_t min_vtable_version, VajraPlugin **out, const void **vt,
                                VajraError *err)
{
    if (!plugin_name_ok(name))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "bad plugin name \"%s\"", name);
    vajra_status st = vajra_registry_load(c->reg, kind, name, out, err);
    if (st != VAJRA_OK)
        return st;
    *vt = vajra_plugin_vtable(*out);
    if (*vt == NULL || *(const uint32_t *)*vt < min_vtable_version)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "plugin %s: vtable version %u, need %u", name,
                               *vt ? *(const uint32_t *)*vt : 0, min_vtable_version);
    return VAJRA_OK;
}

static vajra_status set_scorer_params(VajraCollection *c, const VajraParam *params, size_t n,
                                      VajraError *err)
{
    if (n == 0)
        return VAJRA_OK;
    if (params == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "scorer_params is NULL");
    c->scorer_params = calloc(n, sizeof *c->scorer_params);
    if (c->scorer_params == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (params[i].name == NULL || params[i].name[0] == '\0' || strchr(params[i].name, ' ') ||
            strchr(params[i].name, '\n'))
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "scorer parameter %zu has a bad name", i);
        c->scorer_params[i].name = g_strdup(params[i].name);
        c->scorer_params[i].value = params[i].value;
        c->n_scorer_params = i + 1;
    }
    return VAJRA_OK;
}

/* Load the scorer plugin and make the instance the lexical index will borrow. */
static vajra_status make_scorer(VajraCollection *c, VajraError *err)
{
    const void *vt = NULL;
    vajra_status st = load_plugin(c, VAJRA_PLUGIN_SCORER, c->scorer_name,
                                  VAJRA_SCORER_VTABLE_VERSION, &c->scorer_plugin, &vt, err);
    if (st != VAJRA_OK)
        return st;
    c->svt = vt;
    if (c->svt->create == NULL || c->svt->term_weight == NULL || c->svt->score == NULL)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "scorer %s lacks required slots",
                               c->scorer_name);
    st = c->svt->create(vajra_plugin_state(c->scorer_plugin), c->scorer_params,
                        c->n_scorer_params, &c->scorer_instance, err);
    if (st != VAJRA_OK)
        return st;
    c->scorer = (VajraScorer){c->svt, c->scorer_instance, c->scorer_name};
    return VAJRA_OK;
}

static VajraCollection *collection_alloc(VajraRegistry *reg)
{
    VajraCollection *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->reg = reg;
    c->title_blob = g_byte_array_new();
    c->title_off = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    uint64_t zero = 0;
    g_array_append_val(c->title_off, zero);
    return c;
}

void vajra_collection_free(VajraCollection *c)
{
    if (c == NULL)
        return;
    if (c->lex != NULL)
        c->lvt->free(c->lex);
    if (c->vec != NULL)
        c->vvt->destroy(c->vec);
    if (c->scorer_instance != NULL && c->svt->destroy != NULL)
        c->svt->destroy(c->scorer_instance);
    if (c->container != NULL)
        c->sops->close(c->container);
    vajra_plugin_unref(c->lex_plugin);
    vajra_plugin_unref(c->scorer_plugin);
    vajra_plugin_unref(c->vec_plugin);
    vajra_plugin_unref(c->storage_plugin);
    for (size_t i = 0; i < c->n_scorer_params; i++)
        g_free((char *)c->scorer_params[i].name);
    free(c->scorer_params);
    g_free(c->lexical_name);
    g_free(c->scorer_name);
    g_free(c->vector_name);
    g_free(c->profile);
    g_free(c->path);
    g_free(c->storage_name);
    g_byte_array_unref(c->title_blob);
    g_array_unref(c->title_off);
    free(c->vec_buf);
    free(c);
}

/* ---- create ---- */

static vajra_status make_lexical(VajraCollection *c, const VajraAnalyzerOptions *analyzer,
                                 VajraError *err)
{
    const void *vt = NULL;
    vajra_status st = load_plugin(c, VAJRA_PLUGIN_LEXICAL, c->lexical_name,
                                  VAJRA_LEXICAL_VTABLE_VERSION, &c->lex_plugin, &vt, err);
    if (st != VAJRA_OK)
        return st;
    c->lvt = vt;
    VajraLexicalOptions lo = {.struct_size = sizeof lo, .ignore_title = c->ignore_title,
                              .scorer = c->scorer};
    if (analyzer != NULL)
        lo.analyzer = *analyzer;
    return c->lvt->create(vajra_plugin_state(c->lex_plugin), &lo, &c->lex, err);
}

static vajra_status make_vector(VajraCollection *c, const VajraCollectionOptions *o,
                                VajraError *err)
{
    const void *vt = NULL;
    vajra_status st = load_plugin(c, VAJRA_PLUGIN_VECTOR, c->vector_name,
                                  VAJRA_VECTOR_VTABLE_VERSION, &c->vec_plugin, &vt, err);
    if (st != VAJRA_OK)
        return st;
    c->vvt = vt;
    st = c->vvt->profile(c->profile, c->dim, (VajraMetric)c->metric, &c->vparams, err);
    if (st != VAJRA_OK)
        return st;
    if (o->M != 0)
        c->vparams.M = o->M;
    if (o->ef_construction != 0)
        c->vparams.ef_construction = o->ef_construction;
    if (o->ef_search != 0)
        c->vparams.ef_search = o->ef_search;
    return c->vvt->create(vajra_plugin_state(c->vec_plugin), &c->vparams, &c->vec, err);
}

vajra_status vajra_collection_create(VajraRegistry *reg, const VajraCollectionOptions *opts,
                                     VajraCollection **out, VajraError *err)
{
    if (reg == NULL || opts == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection: NULL argument");
    *out = NULL;
    if (opts->struct_size < sizeof(VajraCollectionOptions))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "collection: options struct_size %u, want %zu", opts->struct_size,
                               sizeof(VajraCollectionOptions));
    uint32_t metric = opts->metric ? opts->metric : VAJRA_METRIC_IP;
    if (metric_name(metric) == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection: unknown metric %u",
                               metric);
    VajraCollection *c = collection_alloc(reg);
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "collection: out of memory");
    c->lexical_name = g_strdup(opts->lexical_plugin ? opts->lexical_plugin : "lexical-bm25");
    c->scorer_name = g_strdup(opts->scorer_plugin ? opts->scorer_plugin : "scorer-bm25");
    c->dim = opts->dim;
    c->ignore_title = opts->ignore_title != 0;
    c->threads = opts->threads ? opts->threads : 1;
    if (c->dim > 0) {
        c->metric = metric;
        c->vector_name = g_strdup(opts->vector_plugin ? opts->vector_plugin : "vector-hnsw");
        c->profile = g_strdup(opts->profile ? opts->profile : "fast");
    }
    vajra_status st = set_scorer_params(c, opts->scorer_params, opts->n_scorer_params, err);
    if (st == VAJRA_OK)
        st = make_scorer(c, err);
    if (st == VAJRA_OK)
        st = make_lexical(c, &opts->analyzer, err);
    if (st == VAJRA_OK && c->dim > 0)
        st = make_vector(c, opts, err);
    if (st != VAJRA_OK) {
        vajra_error_prefix(err, "collection");
        vajra_collection_free(c);
        return st;
    }
    *out = c;
    return VAJRA_OK;
}

/* ---- add / commit ---- */

static const char *doc_name(const VajraDocument *d)
{
    return d->id ? d->id : "(no id)";
}

/* Check every vector of the batch and gather them into c->vec_buf. */
static vajra_status gather_vectors(VajraCollection *c, const VajraDocBatch *batch, VajraError *err)
{
    size_t need = batch->count * (size_t)c->dim;
    if (batch->count != 0 && need / batch->count != c->dim)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "batch too large");
    if (need > c->vec_buf_cap) {
        float *p = realloc(c->vec_buf, need * sizeof *p);
        if (p == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for %zu vectors",
                                   batch->count);
        c->vec_buf = p;
        c->vec_buf_cap = need;
    }
    for (size_t i = 0; i < batch->count; i++) {
        const VajraDocument *d = &batch->docs[i];
        if (d->vector == NULL)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "document %s has no vector (the collection has dim %u)",
                                   doc_name(d), c->dim);
        if (d->dim != c->dim)
            return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                                   "document %s: vector of dimension %u, the collection has %u",
                                   doc_name(d), d->dim, c->dim);
        double norm = 0;
        for (uint32_t j = 0; j < c->dim; j++) {
            if (!isfinite(d->vector[j]))
                return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                       "document %s: vector component %u is not finite",
                                       doc_name(d), j);
            norm += (double)d->vector[j] * d->vector[j];
        }
        if (c->metric == VAJRA_METRIC_COSINE && norm == 0)
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                   "document %s: zero vector under cosine", doc_name(d));
        memcpy(c->vec_buf + i * (size_t)c->dim, d->vector, c->dim * sizeof(float));
    }
    return VAJRA_OK;
}

static void append_titles(VajraCollection *c, const VajraDocBatch *batch)
{
    for (size_t i = 0; i < batch->count; i++) {
        const char *t = batch->docs[i].title ? batch->docs[i].title : "";
        g_byte_array_append(c->title_blob, (const guint8 *)t, (guint)strlen(t) + 1);
        uint64_t end = c->title_blob->len;
        g_array_append_val(c->title_off, end);
    }
}

vajra_status vajra_collection_add(VajraCollection *c, const VajraDocBatch *batch, VajraError *err)
{
    if (c == NULL || batch == NULL || (batch->count > 0 && batch->docs == NULL))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection add: NULL argument");
    if (c->read_only)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "collection add: an opened collection is read-only");
    if (c->broken)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "collection add: an earlier failure left the indexes out of step");
    if (batch->count == 0)
        return VAJRA_OK;
    if (batch->count > UINT32_MAX - c->added)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "collection add: more than 2^32 - 1 documents");
    vajra_status st = VAJRA_OK;
    if (c->dim > 0)
        st = gather_vectors(c, batch, err);
    if (st == VAJRA_OK)
        st = c->lvt->add_batch(c->lex, batch, err);
    if (st != VAJRA_OK)
        return st;
    if (c->dim > 0) {
        uint32_t first = 0;
        st = c->vvt->add(c->vec, c->vec_buf, c->dim, batch->count, c->threads, &first, err);
        if (st == VAJRA_OK && first != c->added)
            st = vajra_error_set(err, VAJRA_ERR_INTERNAL,
                                 "collection add: vector numbers start at %u, expected %u", first,
                                 c->added);
        if (st != VAJRA_OK) {
            /* The lexical side already has the batch: the two no longer agree. */
            c->broken = 1;
            return st;
        }
    }
    append_titles(c, batch);
    c->added += (uint32_t)batch->count;
    return VAJRA_OK;
}

vajra_status vajra_collection_commit(VajraCollection *c, VajraError *err)
{
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection commit: NULL");
    if (c->broken)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "collection commit: an earlier failure left the indexes out of step");
    return c->lvt->commit(c->lex, err);
}

/* ---- documents ---- */

uint32_t vajra_collection_count(const VajraCollection *c)
{
    return c ? c->lvt->doc_count(c->lex) : 0;
}

const char *vajra_collection_doc_id(const VajraCollection *c, uint32_t doc)
{
    return c ? c->lvt->doc_id(c->lex, doc) : NULL;
}

const char *vajra_collection_doc_title(const VajraCollection *c, uint32_t doc)
{
    if (c == NULL || doc >= vajra_collection_count(c))
        return NULL;
    if (c->titles_ro_blob != NULL)
        return c->titles_ro_blob + c->titles_ro_off[doc];
    return (const char *)c->title_blob->data + g_array_index(c->title_off, uint64_t, doc);
}

vajra_status vajra_collection_doc_number(const VajraCollection *c, const char *id, uint32_t *out,
                                         VajraError *err)
{
    if (c == NULL || id == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "doc_number: NULL argument");
    return c->lvt->doc_number(c->lex, id, out, err);
}

const VajraLexicalVtable *vajra_collection_lexical(const VajraCollection *c,
                                                   const VajraLexicalIndex **index)
{
    if (index != NULL)
        *index = c ? c->lex : NULL;
    return c ? c->lvt : NULL;
}

const VajraVectorVtable *vajra_collection_vector(const VajraCollection *c,
                                                 const VajraVectorIndex **index)
{
    if (index != NULL)
        *index = c ? c->vec : NULL;
    return c && c->vec ? c->vvt : NULL;
}

void vajra_collection_info(const VajraCollection *c, VajraCollectionInfo *out)
{
    if (c == NULL || out == NULL)
        return;
    memset(out, 0, sizeof *out);
    out->doc_count = vajra_collection_count(c);
    out->dim = c->dim;
    out->metric = c->metric;
    out->lexical_plugin = c->lexical_name;
    out->scorer_plugin = c->scorer_name;
    out->vector_plugin = c->vector_name;
    out->profile = c->profile;
    if (c->vec != NULL)
        c->vvt->params(c->vec, &out->vector_params);
    out->scorer_params = c->scorer_params;
    out->n_scorer_params = c->n_scorer_params;
    out->path = c->path;
    out->storage_plugin = c->storage_name;
}

/* ---- save ---- */

static char *meta_text(const VajraCollection *c)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "vajra-collection %d\n", META_FORMAT_MAJOR);
    g_string_append_printf(s, "docs %u\n", c->added);
    g_string_append_printf(s, "lexical %s\n", c->lexical_name);
    g_string_append_printf(s, "scorer %s\n", c->scorer_name);
    for (size_t i = 0; i < c->n_scorer_params; i++) {
        char num[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_dtostr(num, sizeof num, c->scorer_params[i].value);
        g_string_append_printf(s, "scorer-param %s %s\n", c->scorer_params[i].name, num);
    }
    g_string_append_printf(s, "ignore-title %u\n", c->ignore_title);
    g_string_append_printf(s, "dim %u\n", c->dim);
    if (c->dim > 0) {
        g_string_append_printf(s, "metric %s\n", metric_name(c->metric));
        g_string_append_printf(s, "vector %s\n", c->vector_name);
        g_string_append_printf(s, "profile %s\n", c->profile);
    }
    return g_string_free(s, FALSE);
}

static vajra_status write_titles(const VajraCollection *c, const VajraSectionWriter *sw,
                                 VajraError *err)
{
    uint64_t n = c->added;
    size_t head = sizeof(uint64_t) * (size_t)(n + 2);
    size_t len = head + c->title_blob->len;
    unsigned char *buf = malloc(len);
    if (buf == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory saving titles");
    memcpy(buf, &n, sizeof n);
    memcpy(buf + sizeof n, c->title_off->data, sizeof(uint64_t) * (size_t)(n + 1));
    if (c->title_blob->len > 0)
        memcpy(buf + head, c->title_blob->data, c->title_blob->len);
    vajra_status st = sw->write(sw->self, TITLES_SECTION, buf, len, err);
    free(buf);
    return st;
}

vajra_status vajra_collection_save(VajraCollection *c, const char *path,
                                   const char *storage_plugin, VajraError *err)
{
    if (c == NULL || path == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection save: NULL argument");
    if (c->read_only)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "collection save: an opened collection is saved already");
    if (c->broken || vajra_collection_count(c) != c->added)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "collection save: %u documents added but %u committed", c->added,
                               vajra_collection_count(c));
    const char *sname = storage_plugin ? storage_plugin : "storage-file";
    VajraPlugin *sp = NULL;
    const void *vt = NULL;
    vajra_status st = load_plugin(c, VAJRA_PLUGIN_STORAGE, sname, VAJRA_STORAGE_VTABLE_VERSION,
                                  &sp, &vt, err);
    if (st != VAJRA_OK) {
        vajra_plugin_unref(sp);
        return prefix_path(err, "saving", path);
    }
    const VajraStorageOps *ops = vt;
    VajraStorageWriter *w = NULL;
    st = ops->writer_open(vajra_plugin_state(sp), path, &w, err);
    if (st == VAJRA_OK) {
        const VajraSectionWriter *sw = ops->writer_sections(w);
        char *meta = meta_text(c);
        st = sw->write(sw->self, META_SECTION, meta, strlen(meta), err);
        g_free(meta);
        if (st == VAJRA_OK)
            st = write_titles(c, sw, err);
        if (st == VAJRA_OK)
            st = c->lvt->save(c->lex, sw, err);
        if (st == VAJRA_OK && c->vec != NULL)
            st = c->vvt->save(c->vec, sw, err);
        if (st == VAJRA_OK)
            st = ops->writer_commit(w, err);
        else
            ops->writer_abort(w);
    }
    vajra_plugin_unref(sp);
    if (st != VAJRA_OK) {
        prefix_path(err, "saving", path);
        return st;
    }
    g_free(c->path);
    c->path = g_strdup(path);
    return VAJRA_OK;
}

/* ---- open ---- */

static vajra_status corrupt(VajraError *err, const char *fmt, const char *arg)
{
    return vajra_error_set(err, VAJRA_ERR_CORRUPT, fmt, arg);
}

static int parse_u32(const char *s, uint32_t *out)
{
    if (*s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > UINT32_MAX)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

/* Parse "coll.meta": lines "key value". Unknown keys are ignored (a newer minor may add some). */
static vajra_status parse_meta(VajraCollection *c, const char *data, size_t len,
                               uint32_t *docs_out, VajraError *err)
{
    if (len == 0 || len > META_MAX_BYTES || memchr(data, '\0', len) != NULL ||
        data[len - 1] != '\n')
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: malformed (%zu bytes)", META_SECTION,
                               len);
    char *text = g_strndup(data, len);
    char **lines = g_strsplit(text, "\n", -1);
    g_free(text);
    vajra_status st = VAJRA_OK;
    int have_version = 0, have_docs = 0, have_dim = 0;
    GArray *params = g_array_new(FALSE, TRUE, sizeof(VajraParam));
    for (size_t i = 0; lines[i] != NULL && st == VAJRA_OK; i++) {
        char *line = lines[i];
        if (line[0] == '\0')
            continue;
        char *sp = strchr(line, ' ');
        if (sp == NULL) {
            st = corrupt(err, META_SECTION ": line without a value: \"%.40s\"", line);
            break;
        }
        *sp = '\0';
        const char *key = line, *val = sp + 1;
        if (i == 0 && strcmp(key, "vajra-collection") != 0) {
            st = corrupt(err, META_SECTION ": does not start with the format line (\"%.40s\")",
                         key);
        } else if (strcmp(key, "vajra-collection") == 0) {
            uint32_t v = 0;
            if (!parse_u32(val, &v))
                st = corrupt(err, META_SECTION ": bad format version \"%.20s\"", val);
            else if (v > META_FORMAT_MAJOR)
                st = vajra_error_set(err, VAJRA_ERR_VERSION,
                                     "%s: collection format %u, this build reads up to %d",
                                     META_SECTION, v, META_FORMAT_MAJOR);
            have_version = 1;
        } else if (strcmp(key, "docs") == 0) {
            have_docs = parse_u32(val, docs_out);
            if (!have_docs)
                st = corrupt(err, META_SECTION ": bad docs \"%.20s\"", val);
        } else if (strcmp(key, "dim") == 0) {
            have_dim = parse_u32(val, &c->dim) && c->dim <= 65536;
            if (!have_dim)
                st = corrupt(err, META_SECTION ": bad dim \"%.20s\"", val);
        } else if (strcmp(key, "ignore-title") == 0) {
            if (!parse_u32(val, &c->ignore_title) || c->ignore_title > 1)
                st = corrupt(err, META_SECTION ": bad ignore-title \"%.20s\"", val);
        } else if (strcmp(key, "metric") == 0) {
            c->metric = metric_from_name(val);
            if (c->metric == 0)
                st = corrupt(err, META_SECTION ": unknown metric \"%.20s\"", val);
        } else if (strcmp(key, "lexical") == 0 || strcmp(key, "scorer") == 0 ||
                   strcmp(key, "vector") == 0 || strcmp(key, "profile") == 0) {
            char **slot = key[0] == 'l'   ? &c->lexical_name
                          : key[0] == 's' ? &c->scorer_name
                          : key[0] == 'v' ? &c->vector_name
                                          : &c->profile;
            if (!plugin_name_ok(val) || *slot != NULL)
                st = corrupt(err, META_SECTION ": bad or repeated name \"%.40s\"", val);
            else
                *slot = g_strdup(val);
        } else if (strcmp(key, "scorer-param") == 0) {
            const char *sp2 = strchr(val, ' ');
            char *end = NULL;
            double v = sp2 ? g_ascii_strtod(sp2 + 1, &end) : NAN;
            if (sp2 == NULL || sp2 == val || end == sp2 + 1 || *end != '\0' || !isfinite(v) ||
                params->len >= 64) {
                st = corrupt(err, META_SECTION ": bad scorer-param \"%.40s\"", val);
            } else {
                VajraParam p = {g_strndup(val, (gsize)(sp2 - val)), v};
                g_array_append_val(params, p);
            }
        }
    }
    g_strfreev(lines);
    if (st == VAJRA_OK && (!have_version || !have_docs || !have_dim || c->lexical_name == NULL ||
                           c->scorer_name == NULL))
        st = corrupt(err, "%s: a required key is missing", META_SECTION);
    if (st == VAJRA_OK && c->dim > 0 &&
        (c->metric == 0 || c->vector_name == NULL || c->profile == NULL))
        st = corrupt(err, "%s: dim > 0 but the vector keys are missing", META_SECTION);
    c->n_scorer_params = params->len;
    c->scorer_params = (VajraParam *)(void *)g_array_free(params, FALSE);
    /* g_array_free hands back g_malloc'd memory; free() is g_free's allocator with GLib >= 2.46. */
    return st;
}

/* Validate "coll.titles": u64 n, u64 off[n+1], then the blob; off[0] == 0, increasing, each title
 * NUL-terminated inside the blob, the blob ending exactly at off[n]. */
static vajra_status check_titles(VajraCollection *c, const void *data, size_t len, uint32_t docs,
                                 VajraError *err)
{
    uint64_t n;
    if (len < sizeof n)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: too short", TITLES_SECTION);
    memcpy(&n, data, sizeof n);
    if (n != docs)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: %llu titles for %u documents",
                               TITLES_SECTION, (unsigned long long)n, docs);
    size_t head = sizeof(uint64_t) * ((size_t)n + 2);
    if (len < head)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: truncated table", TITLES_SECTION);
    const uint64_t *off = (const uint64_t *)data + 1;
    const char *blob = (const char *)data + head;
    uint64_t blob_len = len - head;
    if (off[0] != 0 || off[n] != blob_len)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: offsets do not span the text",
                               TITLES_SECTION);
    for (uint64_t i = 0; i < n; i++)
        if (off[i + 1] <= off[i] || off[i + 1] > blob_len || blob[off[i + 1] - 1] != '\0')
            return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: bad entry %llu", TITLES_SECTION,
                                   (unsigned long long)i);
    c->titles_ro_blob = blob;
    c->titles_ro_off = off;
    c->titles_ro_count = n;
    return VAJRA_OK;
}

static vajra_status open_indexes(VajraCollection *c, const VajraSectionReader *sr,
                                 VajraError *err)
{
    const void *data = NULL;
    size_t len = 0;
    uint32_t docs = 0;
    vajra_status st = sr->find(sr->self, META_SECTION, &data, &len, err);
    if (st == VAJRA_OK)
        st = parse_meta(c, data, len, &docs, err);
    if (st == VAJRA_OK)
        st = sr->find(sr->self, TITLES_SECTION, &data, &len, err);
    if (st == VAJRA_OK)
        st = check_titles(c, data, len, docs, err);
    if (st == VAJRA_OK)
        st = make_scorer(c, err);
    const void *vt = NULL;
    if (st == VAJRA_OK)
        st = load_plugin(c, VAJRA_PLUGIN_LEXICAL, c->lexical_name, VAJRA_LEXICAL_VTABLE_VERSION,
                         &c->lex_plugin, &vt, err);
    if (st == VAJRA_OK) {
        c->lvt = vt;
        VajraLexicalOptions lo = {.struct_size = sizeof lo, .ignore_title = c->ignore_title,
                                  .scorer = c->scorer};
        st = c->lvt->load(vajra_plugin_state(c->lex_plugin), &lo, sr, &c->lex, err);
    }
    if (st == VAJRA_OK && c->lvt->doc_count(c->lex) != docs)
        st = vajra_error_set(err, VAJRA_ERR_CORRUPT,
                             "the lexical index holds %u documents, the collection %u",
                             c->lvt->doc_count(c->lex), docs);
    if (st == VAJRA_OK && c->dim > 0) {
        st = load_plugin(c, VAJRA_PLUGIN_VECTOR, c->vector_name, VAJRA_VECTOR_VTABLE_VERSION,
                         &c->vec_plugin, &vt, err);
        if (st == VAJRA_OK) {
            c->vvt = vt;
            st = c->vvt->load(vajra_plugin_state(c->vec_plugin), sr, &c->vec, err);
        }
        if (st == VAJRA_OK) {
            c->vvt->params(c->vec, &c->vparams);
            if (c->vvt->count(c->vec) != docs || c->vparams.dim != c->dim ||
                c->vparams.metric != c->metric)
                st = vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                     "the vector index (%zu vectors of dim %u) does not match the "
                                     "collection (%u documents, dim %u)",
                                     c->vvt->count(c->vec), c->vparams.dim, docs, c->dim);
        }
    }
    c->added = docs;
    return st;
}

vajra_status vajra_collection_open(VajraRegistry *reg, const char *path,
                                   const char *storage_plugin, VajraCollection **out,
                                   VajraError *err)
{
    if (reg == NULL || path == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection open: NULL argument");
    *out = NULL;
    VajraCollection *c = collection_alloc(reg);
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "collection open: out of memory");
    c->read_only = 1;
    c->path = g_strdup(path);
    c->storage_name = g_strdup(storage_plugin ? storage_plugin : "storage-mmap");
    const void *vt = NULL;
    vajra_status st = load_plugin(c, VAJRA_PLUGIN_STORAGE, c->storage_name,
                                  VAJRA_STORAGE_VTABLE_VERSION, &c->storage_plugin, &vt, err);
    if (st == VAJRA_OK) {
        c->sops = vt;
        st = c->sops->open(vajra_plugin_state(c->storage_plugin), path, &c->container, err);
    }
    if (st == VAJRA_OK)
        st = open_indexes(c, c->sops->container_sections(c->container), err);
    if (st != VAJRA_OK) {
        prefix_path(err, "opening", path);
        vajra_collection_free(c);
        return st;
    }
    *out = c;
    return VAJRA_OK;
}

/* ---- retrievers ---- */

typedef struct LexRetriever {
    const VajraCollection *c;
    VajraLexicalScratch *scratch;
} LexRetriever;

static vajra_status lex_apply(void *self, const void *in, void *out, VajraError *err)
{
    const LexRetriever *r = self;
    const VajraTextQuery *q = in;
    return r->c->lvt->search(r->c->lex, r->scratch, q->text ? q->text : "", q->k, out, err);
}

static void lex_destroy(void *self)
{
    LexRetriever *r = self;
    if (r->scratch != NULL)
        r->c->lvt->scratch_free(r->scratch);
    free(r);
}

vajra_status vajra_collection_lexical_retriever(VajraCollection *c, VajraMorphism **out,
                                                VajraError *err)
{
    if (c == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical retriever: NULL");
    *out = NULL;
    LexRetriever *r = calloc(1, sizeof *r);
    if (r == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical retriever: out of memory");
    r->c = c;
    vajra_status st = c->lvt->scratch_new(c->lex, &r->scratch, err);
    if (st != VAJRA_OK) {
        free(r);
        return st;
    }
    char name[96];
    snprintf(name, sizeof name, "lexical(%s)", c->scorer_name);
    return vajra_morphism_new(name, vajra_type_text_query(), vajra_type_hits(), lex_apply, r,
                              lex_destroy, out, err);
}

typedef struct VecRetriever {
    const VajraCollection *c;
    VajraVectorSearch *ctx;
    uint32_t ef;
} VecRetriever;

static vajra_status vec_apply(void *self, const void *in, void *out, VajraError *err)
{
    const VecRetriever *r = self;
    const VajraVectorQuery *q = in;
    if (r->ef == VAJRA_EF_EXACT)
        return r->c->vvt->search_exact(r->c->vec, r->ctx, q, out, err);
    return r->c->vvt->search(r->c->vec, r->ctx, q, r->ef, out, err);
}

static void vec_destroy(void *self)
{
    VecRetriever *r = self;
    if (r->ctx != NULL)
        r->c->vvt->search_free(r->ctx);
    free(r);
}

vajra_status vajra_collection_vector_retriever(VajraCollection *c, uint32_t ef,
                                               VajraMorphism **out, VajraError *err)
{
    if (c == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector retriever: NULL");
    *out = NULL;
    if (c->vec == NULL)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "vector retriever: the collection has no vectors");
    VecRetriever *r = calloc(1, sizeof *r);
    if (r == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector retriever: out of memory");
    r->c = c;
    r->ef = ef;
    vajra_status st = c->vvt->search_new(c->vec, &r->ctx, err);
    if (st != VAJRA_OK) {
        free(r);
        return st;
    }
    char name[96];
    if (ef == VAJRA_EF_EXACT)
        snprintf(name, sizeof name, "vector(exact)");
    else if (ef == 0)
        snprintf(name, sizeof name, "vector(%s)", c->vector_name);
    else
        snprintf(name, sizeof name, "vector(%s,ef=%u)", c->vector_name, ef);
    return vajra_morphism_new(name, vajra_type_vector_query(), vajra_type_hits(), vec_apply, r,
                              vec_destroy, out, err);
}

vajra_status vajra_collection_hybrid_retriever(VajraCollection *c, VajraMorphism *fuse,
                                               uint32_t ef, VajraMorphism **out, VajraError *err)
{
    if (c == NULL || fuse == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hybrid retriever: NULL");
    *out = NULL;
    const VajraType *hq = vajra_type_hybrid_query();
    VajraMorphism *lex = NULL, *vec = NULL, *p0 = NULL, *p1 = NULL, *lex0 = NULL, *vec1 = NULL,
                  *both = NULL;
    /* hybrid = fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩ */
    vajra_status st = vajra_collection_lexical_retriever(c, &lex, err);
    if (st == VAJRA_OK)
        st = vajra_collection_vector_retriever(c, ef, &vec, err);
    if (st == VAJRA_OK)
        st = vajra_projection(hq, 0, &p0, err);
    if (st == VAJRA_OK)
        st = vajra_projection(hq, 1, &p1, err);
    if (st == VAJRA_OK)
        st = vajra_compose(p0, lex, &lex0, err);
    if (st == VAJRA_OK)
        st = vajra_compose(p1, vec, &vec1, err);
    if (st == VAJRA_OK)
        st = vajra_pair(lex0, vec1, &both, err);
    if (st == VAJRA_OK)
        st = vajra_compose(both, fuse, out, err);
    VajraMorphism *parts[] = {lex, vec, p0, p1, lex0, vec1, both};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        vajra_morphism_unref(parts[i]);
    return st;
}
