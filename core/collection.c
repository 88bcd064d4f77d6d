/* Collections: one lexical index and (optionally) one vector index over the same documents, kept
 * as immutable segments behind snapshots (see collection_internal.h); this file holds creation,
 * plugins, the document accessors and info. Writes: collection_write.c; files:
 * collection_persist.c; searching: collection_search.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "collection_internal.h"

#define PLUGIN_NAME_MAX 64

/* ---- small helpers ---- */

/* ---- small helpers ---- */

const char *coll_metric_name(uint32_t metric)
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

uint32_t coll_metric_from_name(const char *name)
{
    for (uint32_t m = VAJRA_METRIC_L2; m <= VAJRA_METRIC_COSINE; m++)
        if (strcmp(name, coll_metric_name(m)) == 0)
            return m;
    return 0;
}

/* A plugin name becomes a file name on the search path, so a name read from a file must not be
 * able to point anywhere else: lowercase letters, digits, '-' and '_' only. */
int coll_plugin_name_ok(const char *name)
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

vajra_status coll_load_plugin(VajraCollection *c, VajraPluginKind kind, const char *name,
                                uint32_t min_vtable_version, VajraPlugin **out, const void **vt,
                                VajraError *err)
{
    if (!coll_plugin_name_ok(name))
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
vajra_status coll_make_scorer(VajraCollection *c, VajraError *err)
{
    const void *vt = NULL;
    vajra_status st = coll_load_plugin(c, VAJRA_PLUGIN_SCORER, c->scorer_name,
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


VajraCollection *coll_alloc(VajraRegistry *reg)
{
    VajraCollection *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->reg = reg;
    c->lock_fd = -1;
    pthread_mutex_init(&c->snap_lock, NULL);
    pthread_mutex_init(&c->write_lock, NULL);
    pthread_mutex_init(&c->compact_lock, NULL);
    c->current = snapshot_new(0);
    c->staged = g_ptr_array_new();
    c->staged_ids = g_hash_table_new(g_str_hash, g_str_equal);
    c->staged_deletes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (c->current == NULL) {
        vajra_collection_free(c);
        return NULL;
    }
    return c;
}

void coll_staged_clear(VajraCollection *c)
{
    for (guint i = 0; i < c->staged->len; i++) {
        StagedDoc *d = g_ptr_array_index(c->staged, i);
        g_free(d->id);
        g_free(d->title);
        g_free(d->text);
        g_free(d->vector);
        g_free(d->attrs);
        g_free(d);
    }
    g_ptr_array_set_size(c->staged, 0);
    g_hash_table_remove_all(c->staged_ids);
    g_hash_table_remove_all(c->staged_deletes);
    c->staged_live = 0;
}

void vajra_collection_free(VajraCollection *c)
{
    if (c == NULL)
        return;
    snapshot_unref(c->current); /* segments free their indexes through the vtables below */
    coll_embedder_free(c);      /* before the container its model may point into */
    coll_staged_clear(c);
    g_ptr_array_unref(c->staged);
    g_hash_table_unref(c->staged_ids);
    g_hash_table_unref(c->staged_deletes);
    if (c->scorer_instance != NULL && c->svt->destroy != NULL)
        c->svt->destroy(c->scorer_instance);
    vajra_plugin_unref(c->lex_plugin);
    vajra_plugin_unref(c->scorer_plugin);
    vajra_plugin_unref(c->vec_plugin);
    for (size_t i = 0; i < c->n_scorer_params; i++)
        g_free((char *)c->scorer_params[i].name);
    free(c->scorer_params);
    g_free(c->lexical_name);
    g_free(c->scorer_name);
    g_free(c->vector_name);
    g_free(c->profile);
    coll_kv_free(c->vkv, c->n_vkv);
    vajra_attr_schema_free(c->schema);
    g_free(c->language);
    if (c->lock_fd >= 0)
        close(c->lock_fd); /* releases the flock */
    g_free(c->path);
    g_free(c->storage_name);
    pthread_mutex_destroy(&c->snap_lock);
    pthread_mutex_destroy(&c->write_lock);
    pthread_mutex_destroy(&c->compact_lock);
    free(c);
}

/* ---- create ---- */

vajra_status coll_load_lexical(VajraCollection *c, VajraError *err)
{
    const void *vt = NULL;
    vajra_status st = coll_load_plugin(c, VAJRA_PLUGIN_LEXICAL, c->lexical_name, 1,
                                       &c->lex_plugin, &vt, err);
    if (st != VAJRA_OK)
        return st;
    st = vajra_lexical_vtable_check(vt, err); /* required slots; optional ones at each call */
    if (st != VAJRA_OK)
        vajra_error_prefix(err, "plugin %s", c->lexical_name);
    else
        c->lvt = vt;
    return st;
}

vajra_status coll_load_vector(VajraCollection *c, VajraError *err)
{
    const void *vt = NULL;
    vajra_status st = coll_load_plugin(c, VAJRA_PLUGIN_VECTOR, c->vector_name, 1,
                                       &c->vec_plugin, &vt, err);
    if (st == VAJRA_OK)
        st = vajra_vector_vtable_check(vt, err);
    if (st == VAJRA_OK)
        c->vvt = vt;
    return st;
}

static vajra_status vector_params_from(VajraCollection *c, const char *profile, uint32_t M,
                                       uint32_t efc, uint32_t efs, VajraVectorParams *out,
                                       VajraError *err)
{
    vajra_status st = c->vvt->profile(profile, c->dim, (VajraMetric)c->metric, out, err);
    if (st != VAJRA_OK)
        return st;
    if (M != 0)
        out->M = M;
    if (efc != 0)
        out->ef_construction = efc;
    if (efs != 0)
        out->ef_search = efs;
    return VAJRA_OK;
}

vajra_status coll_vector_params(VajraCollection *c, const char *profile, uint32_t M,
                                uint32_t efc, uint32_t efs, VajraVectorParams *out,
                                VajraError *err)
{
    /* Validate by making (and dropping) an empty index: the plugin owns the parameter rules. */
    vajra_status st = vector_params_from(c, profile, M, efc, efs, out, err);
    VajraVectorIndex *probe = NULL;
    if (st == VAJRA_OK)
        st = c->vvt->create(vajra_plugin_state(c->vec_plugin), out, &probe, err);
    if (probe != NULL)
        c->vvt->destroy(probe);
    return st;
}

void coll_kv_free(VajraKeyValue *kv, size_t n)
{
    for (size_t i = 0; kv != NULL && i < n; i++) {
        g_free((char *)kv[i].key);
        g_free((char *)kv[i].value);
    }
    g_free(kv);
}

VajraKeyValue *coll_kv_copy(const VajraKeyValue *kv, size_t n, size_t *n_out)
{
    VajraKeyValue *out = n ? g_new0(VajraKeyValue, n) : NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = (VajraKeyValue){g_strdup(kv[i].key), g_strdup(kv[i].value)};
    *n_out = n;
    return out;
}

vajra_status coll_vector_new(const VajraCollection *c, const VajraVectorParams *params,
                             const VajraKeyValue *kv, size_t n_kv, VajraVectorIndex **out,
                             VajraError *err)
{
    void *state = vajra_plugin_state(c->vec_plugin);
    if (VAJRA_VECTOR_HAS(c->vvt, 3, create_kv) || c->vvt->create == NULL)
        return vajra_vector_create(c->vvt, state, c->dim, (VajraMetric)c->metric, kv, n_kv, out,
                                   err);
    return c->vvt->create(state, params, out, err);
}

vajra_status coll_vector_settle(VajraCollection *c, const VajraKeyValue *in, size_t n_in,
                                const VajraVectorParams *v1, VajraVectorParams *params,
                                VajraKeyValue **kv, size_t *n_kv, VajraError *err)
{
    void *state = vajra_plugin_state(c->vec_plugin);
    VajraVectorIndex *probe = NULL;
    vajra_status st;
    if (v1 == NULL)
        st = vajra_vector_create(c->vvt, state, c->dim, (VajraMetric)c->metric, in, n_in, &probe,
                                 err);
    else if (c->vvt->create != NULL)
        st = c->vvt->create(state, v1, &probe, err);
    else
        st = vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "vector plugin %s has no version-1 "
                             "create", c->vector_name);
    if (st != VAJRA_OK)
        return st;
    VajraVectorParams p = {.struct_size = sizeof p};
    c->vvt->params(probe, &p);
    size_t n = n_in;
    VajraKeyValue *got = NULL;
    if (VAJRA_VECTOR_HAS(c->vvt, 3, params_kv)) {
        n = c->vvt->params_kv(probe, NULL, 0);
        got = g_new0(VajraKeyValue, n ? n : 1);
        n = c->vvt->params_kv(probe, got, n);
        in = got;
    } else if (v1 != NULL) {
        n = 0;
    }
    for (size_t i = 0; st == VAJRA_OK && i < n; i++)
        if (in[i].key == NULL || in[i].value == NULL || in[i].key[0] == '\0' ||
            strpbrk(in[i].key, " \n") != NULL || strchr(in[i].value, '\n') != NULL)
            st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                 "vector parameter %zu (\"%.40s\"): a key needs no space or "
                                 "newline, a value no newline",
                                 i, in[i].key ? in[i].key : "(null)");
    if (st == VAJRA_OK) {
        size_t m = 0;
        VajraKeyValue *copy = coll_kv_copy(in, n, &m);
        coll_kv_free(*kv, *n_kv);
        *kv = copy;
        *n_kv = m;
        *params = p;
    }
    g_free(got); /* its strings belong to the probe */
    c->vvt->destroy(probe);
    return st;
}

/* The vector settings of a new collection: the HNSW shorthands as key/values, then the
 * caller's parameters (which win), settled by the plugin. */
static vajra_status create_vector_settings(VajraCollection *c, const VajraCollectionOptions *o,
                                           VajraError *err)
{
    VajraKeyValue *in = g_new0(VajraKeyValue, 4 + o->n_vector_params);
    char num[3][16];
    const uint32_t vals[3] = {o->M, o->ef_construction, o->ef_search};
    const char *const keys[3] = {"M", "ef_construction", "ef_search"};
    size_t n = 0;
    if (o->profile != NULL)
        in[n++] = (VajraKeyValue){"profile", o->profile};
    for (int i = 0; i < 3; i++)
        if (vals[i] != 0) {
            snprintf(num[i], sizeof num[i], "%u", vals[i]);
            in[n++] = (VajraKeyValue){keys[i], num[i]};
        }
    for (size_t i = 0; o->vector_params != NULL && i < o->n_vector_params; i++)
        in[n++] = o->vector_params[i];
    vajra_status st = VAJRA_OK;
    if (o->n_vector_params > 0 && o->vector_params == NULL)
        st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector_params is NULL");
    if (st == VAJRA_OK)
        st = coll_vector_settle(c, in, n, NULL, &c->vparams, &c->vkv, &c->n_vkv, err);
    const char *profile = vajra_kv_get(in, n, "profile");
    if (st == VAJRA_OK)
        c->profile = g_strdup(profile ? profile : c->vvt->profile ? "fast" : NULL);
    g_free(in);
    return st;
}

uint32_t coll_default_threads(uint32_t requested)
{
    if (requested != 0)
        return requested;
    guint n = g_get_num_processors();
    return n > 0 ? (uint32_t)n : 1;
}

vajra_status vajra_collection_create(VajraRegistry *reg, const VajraCollectionOptions *opts,
                                     VajraCollection **out, VajraError *err)
{
    if (reg == NULL || opts == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection: NULL argument");
    *out = NULL;
    /* Options grow at the end: a caller compiled against an older header passes a smaller
     * struct_size, and the fields it does not know take their defaults (zero). ABI 1.0's options
     * had a smaller analyzer inside (abi_compat.h): that size is translated. */
    const size_t v1_size = offsetof(VajraCollectionOptions, threads) + sizeof(uint32_t);
    VajraCollectionOptions o = {0};
    if (opts->struct_size == sizeof(VajraCollectionOptions10))
        abi10_collection_options((const VajraCollectionOptions10 *)(const void *)opts, &o);
    else if (opts->struct_size < v1_size)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "collection: options struct_size %u: neither ABI 1.0's %zu nor at "
                               "least %zu",
                               opts->struct_size, sizeof(VajraCollectionOptions10), v1_size);
    else
        memcpy(&o, opts, opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
    opts = &o;
    uint32_t metric = opts->metric ? opts->metric : VAJRA_METRIC_IP;
    if (coll_metric_name(metric) == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection: unknown metric %u",
                               metric);
    VajraCollection *c = coll_alloc(reg);
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "collection: out of memory");
    c->writable = 1;
    c->lexical_name = g_strdup(opts->lexical_plugin ? opts->lexical_plugin : "lexical-bm25");
    c->scorer_name = g_strdup(opts->scorer_plugin ? opts->scorer_plugin : "scorer-bm25");
    c->analyzer = opts->analyzer;
    vajra_analyzer_options_normalize(&c->analyzer); /* english/porter/none: the stemmer values */
    c->language = g_strdup(c->analyzer.language);   /* the caller's string is borrowed */
    c->analyzer.language = c->language;
    c->dim = opts->dim;
    c->ignore_title = opts->ignore_title != 0;
    c->threads = coll_default_threads(opts->threads);
    vajra_status st = VAJRA_OK;
    if (opts->embedder != NULL) { /* the vector side comes from the text: dim is the model's */
        if (metric == VAJRA_METRIC_COSINE)
            st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                 "an embedder collection uses metric ip or l2, not cosine (its "
                                 "rows are unit length, or zero for a text it cannot place)");
        else
            st = coll_embedder_create(c, opts->embedder, opts->embedder_params,
                                      opts->n_embedder_params, opts->dim, err);
    }
    if (c->dim > 0) {
        c->metric = metric;
        c->vector_name = g_strdup(opts->vector_plugin ? opts->vector_plugin : "vector-hnsw");
    }
    if (st == VAJRA_OK)
        st = set_scorer_params(c, opts->scorer_params, opts->n_scorer_params, err);
    if (st == VAJRA_OK && opts->attr_schema != NULL)
        st = vajra_attr_schema_parse(opts->attr_schema, &c->schema, err);
    if (st == VAJRA_OK)
        st = coll_make_scorer(c, err);
    if (st == VAJRA_OK)
        st = coll_load_lexical(c, err);
    if (st == VAJRA_OK) {
        /* Check the analyzer options now (a bad stemmer should fail here, not at commit). */
        VajraLexicalIndex *probe = NULL;
        st = coll_lex_create(c, &probe, err);
        if (probe != NULL)
            c->lvt->free(probe);
    }
    if (st == VAJRA_OK && c->dim > 0)
        st = coll_load_vector(c, err);
    if (st == VAJRA_OK && c->dim > 0)
        st = create_vector_settings(c, opts, err);
    if (st != VAJRA_OK) {
        vajra_error_prefix(err, "collection");
        vajra_collection_free(c);
        return st;
    }
    *out = c;
    return VAJRA_OK;
}

/* ---- documents (against the current snapshot) ---- */

uint32_t vajra_collection_count(const VajraCollection *c)
{
    if (c == NULL)
        return 0;
    Snapshot *s = coll_pin(c);
    uint32_t n = s->live;
    snapshot_unref(s);
    return n;
}

/* The strings stay valid while the snapshot's segment lives; a concurrent commit keeps segments
 * it does not drop, so only a compaction (or a commit that drops a fully deleted segment) ends
 * them: use the one-call search when writes run concurrently (its results pin the snapshot). */
static const char *doc_string(const VajraCollection *c, uint32_t doc, int title)
{
    if (c == NULL)
        return NULL;
    Snapshot *s = coll_pin(c);
    uint32_t local = 0;
    const SegView *v = snapshot_find(s, doc, &local);
    const char *r = NULL;
    if (v != NULL)
        r = title ? strtab_get(&v->seg->titles, local) : c->lvt->doc_id(v->seg->lex, local);
    snapshot_unref(s);
    return r;
}

const char *vajra_collection_doc_id(const VajraCollection *c, uint32_t doc)
{
    return doc_string(c, doc, 0);
}

const char *vajra_collection_doc_title(const VajraCollection *c, uint32_t doc)
{
    return doc_string(c, doc, 1);
}

vajra_status vajra_collection_doc_number(const VajraCollection *c, const char *id, uint32_t *out,
                                         VajraError *err)
{
    if (c == NULL || id == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "doc_number: NULL argument");
    Snapshot *s = coll_pin(c);
    uint32_t local = 0;
    const SegView *v = snapshot_lookup(c, s, id, &local);
    if (v != NULL)
        *out = v->base + local;
    snapshot_unref(s);
    if (v == NULL)
        return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "no live document with id \"%s\"", id);
    return VAJRA_OK;
}

/* Tools that measure one index (bench, parity) get the single segment's; a collection of
 * several segments (or none) has no single index: compact it first. */
const VajraLexicalVtable *vajra_collection_lexical(const VajraCollection *c,
                                                   const VajraLexicalIndex **index)
{
    if (index != NULL) {
        *index = NULL;
        if (c != NULL) {
            Snapshot *s = coll_pin(c);
            if (s->nseg == 1)
                *index = s->segs[0].seg->lex;
            snapshot_unref(s);
        }
    }
    return c ? c->lvt : NULL;
}

const VajraVectorVtable *vajra_collection_vector(const VajraCollection *c,
                                                 const VajraVectorIndex **index)
{
    if (index != NULL) {
        *index = NULL;
        if (c != NULL && c->dim > 0) {
            Snapshot *s = coll_pin(c);
            if (s->nseg == 1)
                *index = s->segs[0].seg->vec;
            snapshot_unref(s);
        }
    }
    return c && c->dim > 0 ? c->vvt : NULL;
}

void vajra_collection_info(const VajraCollection *c, VajraCollectionInfo *out)
{
    if (c == NULL || out == NULL)
        return;
    /* Filled whole, then copied as far as the caller's struct reaches. */
    VajraCollectionInfo in = {.struct_size = out->struct_size};
    in.doc_count = vajra_collection_count(c);
    in.dim = c->dim;
    in.metric = c->metric;
    in.lexical_plugin = c->lexical_name;
    in.scorer_plugin = c->scorer_name;
    in.vector_plugin = c->vector_name;
    in.profile = c->profile;
    if (c->dim > 0)
        in.vector_params = c->vparams;
    in.scorer_params = c->scorer_params;
    in.n_scorer_params = c->n_scorer_params;
    in.path = c->path;
    in.storage_plugin = c->storage_name;
    in.vector_kv = c->vkv;
    in.n_vector_kv = c->n_vkv;
    memcpy(out, &in, out->struct_size < sizeof in ? out->struct_size : sizeof in);
}

const VajraAttrSchema *vajra_collection_schema(const VajraCollection *c)
{
    if (c == NULL)
        return NULL;
    VajraCollection *m = (VajraCollection *)c;
    pthread_mutex_lock(&m->write_lock); /* set once, by the first attributed batch */
    const VajraAttrSchema *s = c->schema;
    pthread_mutex_unlock(&m->write_lock);
    return s;
}

void coll_publish_staged(VajraCollection *c)
{
    atomic_store(&c->staged_adds_pub, c->staged_live);
    atomic_store(&c->staged_deletes_pub, g_hash_table_size(c->staged_deletes));
}

void vajra_collection_counts(const VajraCollection *c, VajraCollectionCounts *out)
{
    if (c == NULL || out == NULL || out->struct_size == 0)
        return;
    VajraCollectionCounts s = {.struct_size = sizeof s};
    VajraCollection *m = (VajraCollection *)c;
    Snapshot *snap = coll_pin(c);
    s.segments = snap->nseg;
    s.generation = snap->generation;
    s.live = snap->live;
    s.deleted = snap->total - snap->live;
    snapshot_unref(snap);
    s.staged_adds = atomic_load(&m->staged_adds_pub); /* no lock: a commit may be building */
    s.staged_deletes = atomic_load(&m->staged_deletes_pub);
    s.writable = (uint32_t)c->writable;
    size_t n = out->struct_size < sizeof s ? out->struct_size : sizeof s;
    uint32_t keep = out->struct_size;
    memcpy(out, &s, n);
    out->struct_size = keep;
}
