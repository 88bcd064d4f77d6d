/* Collections with an embedder: the vector side made from the text (docs/embedders.md).
 *
 * Life of the model: created from the options' parameters at create; trained (when the plugin
 * trains) on the documents of the first commit that adds any; fixed from then on — later
 * commits, upserts and compactions embed with the same model (compaction keeps the stored
 * vectors), because retraining would move the vector space under the vectors already stored.
 * Saved as "coll.emb.*" sections next to coll.meta ("embedder", "embedder-param" and
 * "embedder-saved" lines) and loaded back on open.
 *
 * Threads: training runs in commit under the writer lock, before `emb_ready` is set; searches
 * embed only once it is set (an atomic read), and embed on a ready model is thread-safe by the
 * embedder ABI, so searchers share the instance.
 */
#include <stdlib.h>
#include <string.h>

#include "collection_internal.h"

#define EMB_PREFIX "embedder-"
#define EMB_MAX_PARAMS 64

/* "lsa" → "embedder-lsa"; a full plugin name is kept. */
static char *plugin_name(const char *name)
{
    if (strncmp(name, EMB_PREFIX, strlen(EMB_PREFIX)) == 0)
        return g_strdup(name);
    return g_strconcat(EMB_PREFIX, name, NULL);
}

/* coll.meta is line-based "key value": a parameter must fit on one line. */
static int kv_ok(const VajraKeyValue *kv)
{
    return kv->key != NULL && kv->value != NULL && kv->key[0] != '\0' &&
           strpbrk(kv->key, " \n\r") == NULL && strpbrk(kv->value, "\n\r") == NULL;
}

static vajra_status copy_params(VajraCollection *c, const VajraKeyValue *params, size_t n,
                                VajraError *err)
{
    if (n > 0 && params == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "embedder_params is NULL");
    if (n > EMB_MAX_PARAMS)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "%zu embedder parameters, at most %d", n, EMB_MAX_PARAMS);
    c->emb_params = g_new0(VajraKeyValue, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        if (!kv_ok(&params[i]))
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "embedder parameter %zu: NULL, empty, a key with a space or a "
                                   "line break",
                                   i);
        c->emb_params[i].key = g_strdup(params[i].key);
        c->emb_params[i].value = g_strdup(params[i].value);
        c->n_emb_params = i + 1;
    }
    return VAJRA_OK;
}

/* Can this plugin's model live in the file? A trained model must be saved and loaded back. */
static vajra_status check_persistable(const VajraCollection *c, VajraError *err)
{
    const VajraEmbedderVtable *vt = c->emb.vt;
    if (VAJRA_EMBEDDER_HAS(vt, train) && (!VAJRA_EMBEDDER_HAS(vt, save) ||
                                          !VAJRA_EMBEDDER_HAS(vt, load)))
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "embedder %s trains but cannot save and load its model, so a "
                               "collection cannot keep it",
                               c->embedder_name);
    return VAJRA_OK;
}

vajra_status coll_embedder_create(VajraCollection *c, const char *name,
                                  const VajraKeyValue *params, size_t n, uint32_t dim,
                                  VajraError *err)
{
    c->embedder_name = plugin_name(name);
    if (!coll_plugin_name_ok(c->embedder_name))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "bad embedder name \"%s\"", name);
    vajra_status st = copy_params(c, params, n, err);
    if (st == VAJRA_OK)
        st = vajra_embedder_ref_create(c->reg, c->embedder_name, c->emb_params, c->n_emb_params,
                                       &c->emb, err);
    if (st == VAJRA_OK)
        st = check_persistable(c, err);
    if (st != VAJRA_OK)
        return st;
    uint32_t edim = c->emb.vt->dim(c->emb.self);
    if (dim != 0 && dim != edim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "dim %u but embedder %s writes %u-dimensional vectors (leave dim "
                               "0, or set the embedder's own dimension parameter)",
                               dim, c->embedder_name, edim);
    c->dim = edim;
    if (!VAJRA_EMBEDDER_HAS(c->emb.vt, train))
        g_atomic_int_set(&c->emb_ready, 1); /* a fixed model embeds from the start */
    return VAJRA_OK;
}

/* What the model sees of a document: title and text, as the lexical side indexes them. */
static char *doc_text(const VajraCollection *c, const VajraDocument *d)
{
    const char *title = c->ignore_title || d->title == NULL ? "" : d->title;
    const char *text = d->text ? d->text : "";
    return g_strconcat(title, title[0] && text[0] ? " " : "", text, NULL);
}

vajra_status coll_embed_docs(VajraCollection *c, const VajraDocument *docs, size_t n,
                             float **out, VajraError *err)
{
    *out = NULL;
    char **texts = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++)
        texts[i] = doc_text(c, &docs[i]);
    vajra_status st = VAJRA_OK;
    if (!g_atomic_int_get(&c->emb_ready)) {
        st = c->emb.vt->train(c->emb.self, (const char *const *)texts, n, err);
        if (st == VAJRA_OK)
            g_atomic_int_set(&c->emb_ready, 1); /* fixed from now on */
        else
            vajra_error_prefix(err, "training embedder %s on %zu documents", c->embedder_name, n);
    }
    float *rows = NULL;
    if (st == VAJRA_OK) {
        rows = g_try_malloc0_n(n ? n * c->dim : 1, sizeof(float));
        if (rows == NULL)
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for %zu vectors", n);
    }
    if (st == VAJRA_OK && n > 0) {
        st = c->emb.vt->embed(c->emb.self, (const char *const *)texts, n, rows, err);
        if (st != VAJRA_OK)
            vajra_error_prefix(err, "embedder %s", c->embedder_name);
    }
    g_strfreev(texts);
    if (st != VAJRA_OK) {
        g_free(rows);
        return st;
    }
    *out = rows;
    return VAJRA_OK;
}

vajra_status coll_embed_query(const VajraCollection *c, const char *text, float *row,
                              VajraError *err)
{
    if (!g_atomic_int_get(&((VajraCollection *)c)->emb_ready))
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "embedder %s is not trained yet (it trains on the first commit)",
                               c->embedder_name);
    vajra_status st = c->emb.vt->embed(c->emb.self, &text, 1, row, err);
    if (st != VAJRA_OK)
        vajra_error_prefix(err, "embedding the query with %s", c->embedder_name);
    return st;
}

void coll_embedder_meta(const VajraCollection *c, GString *t)
{
    if (c->embedder_name == NULL)
        return;
    g_string_append_printf(t, "embedder %s\n", c->embedder_name);
    for (size_t i = 0; i < c->n_emb_params; i++)
        g_string_append_printf(t, "embedder-param %s %s\n", c->emb_params[i].key,
                               c->emb_params[i].value);
    int saved = g_atomic_int_get(&((VajraCollection *)c)->emb_ready) &&
                VAJRA_EMBEDDER_HAS(c->emb.vt, save);
    g_string_append_printf(t, "embedder-saved %d\n", saved);
}

vajra_status coll_embedder_save(const VajraCollection *c, const VajraSectionWriter *w,
                                VajraError *err)
{
    if (c->embedder_name == NULL || !g_atomic_int_get(&((VajraCollection *)c)->emb_ready) ||
        !VAJRA_EMBEDDER_HAS(c->emb.vt, save))
        return VAJRA_OK;
    vajra_status st = c->emb.vt->save(c->emb.self, w, err);
    if (st != VAJRA_OK)
        vajra_error_prefix(err, "saving embedder %s", c->embedder_name);
    return st;
}

int coll_embedder_meta_line(VajraCollection *c, const char *key, const char *val, int *saved,
                            vajra_status *st, VajraError *err)
{
    if (strcmp(key, "embedder") == 0) {
        if (!coll_plugin_name_ok(val) || c->embedder_name != NULL)
            *st = vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                  "coll.meta: bad or repeated embedder \"%.40s\"", val);
        else
            c->embedder_name = g_strdup(val);
    } else if (strcmp(key, "embedder-param") == 0) {
        const char *sp = strchr(val, ' ');
        if (sp == NULL || sp == val || c->n_emb_params >= EMB_MAX_PARAMS) {
            *st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "coll.meta: bad embedder-param \"%.40s\"",
                                  val);
        } else {
            if (c->emb_params == NULL)
                c->emb_params = g_new0(VajraKeyValue, EMB_MAX_PARAMS);
            c->emb_params[c->n_emb_params].key = g_strndup(val, (gsize)(sp - val));
            c->emb_params[c->n_emb_params].value = g_strdup(sp + 1);
            c->n_emb_params++;
        }
    } else if (strcmp(key, "embedder-saved") == 0) {
        if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
            *st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "coll.meta: bad embedder-saved \"%.20s\"",
                                  val);
        *saved = val[0] == '1';
    } else {
        return 0;
    }
    return 1;
}

vajra_status coll_embedder_open(VajraCollection *c, ContainerRef *cref,
                                const VajraSectionReader *sr, int saved, VajraError *err)
{
    if (c->embedder_name == NULL)
        return VAJRA_OK;
    if (c->dim == 0)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "coll.meta: an embedder without vectors");
    vajra_status st;
    if (saved) {
        /* The model points into the container: keep it open as long as the embedder. */
        st = vajra_embedder_ref_load(c->reg, c->embedder_name, NULL, 0, sr, &c->emb, err);
        if (st == VAJRA_OK) {
            c->emb_container = cref ? container_ref(cref) : NULL;
            g_atomic_int_set(&c->emb_ready, 1);
        }
    } else {
        /* Saved before the first commit (or a model with nothing to save): rebuild it from its
         * parameters; a model that trains trains at the next commit. */
        st = vajra_embedder_ref_create(c->reg, c->embedder_name, c->emb_params, c->n_emb_params,
                                       &c->emb, err);
        if (st == VAJRA_OK)
            st = check_persistable(c, err);
        if (st == VAJRA_OK && !VAJRA_EMBEDDER_HAS(c->emb.vt, train))
            g_atomic_int_set(&c->emb_ready, 1);
    }
    if (st == VAJRA_OK && c->emb.vt->dim(c->emb.self) != c->dim)
        st = vajra_error_set(err, VAJRA_ERR_CORRUPT,
                             "embedder %s writes %u-dimensional vectors, the collection has %u",
                             c->embedder_name, c->emb.vt->dim(c->emb.self), c->dim);
    if (st != VAJRA_OK)
        vajra_error_prefix(err, "embedder");
    return st;
}

void coll_embedder_free(VajraCollection *c)
{
    vajra_embedder_ref_clear(&c->emb);
    container_unref(c->emb_container);
    c->emb_container = NULL;
    for (size_t i = 0; i < c->n_emb_params; i++) {
        g_free((char *)c->emb_params[i].key);
        g_free((char *)c->emb_params[i].value);
    }
    g_free(c->emb_params);
    g_free(c->embedder_name);
}

const char *vajra_collection_embedder(const VajraCollection *c, const char **model)
{
    if (model != NULL)
        *model = NULL;
    if (c == NULL || c->embedder_name == NULL)
        return NULL;
    if (model != NULL && g_atomic_int_get(&((VajraCollection *)c)->emb_ready) &&
        VAJRA_EMBEDDER_HAS(c->emb.vt, describe))
        *model = c->emb.vt->describe(c->emb.self);
    return c->embedder_name;
}
