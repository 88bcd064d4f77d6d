/* vajra.Collection: documents searched lexically, by vector and hybrid; vajra.Hit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

PyTypeObject *PyvHit_Type;
static PyObject *json_loads, *json_dumps; /* json.loads / json.dumps, for attributes */

static PyStructSequence_Field hit_fields[] = {
    {"id", "The document's external id (str)."},
    {"score", "Its score, higher is better (float; the float32 the library computed)."},
    {"title", "Its title ('' when it had none)."},
    {"doc", "Its internal document number (int)."},
    {"attrs", "Its attributes as a dict when the search asked with_attrs=True, else None "
              "(an attribute only: the tuple is (id, score, title, doc))."},
    {NULL, NULL}};

static PyStructSequence_Desc hit_desc = {
    "vajra.Hit", "One search result: (id, score, title, doc), a named tuple (plus .attrs).", hit_fields, 4};

static void searcher_free(void *s) { vajra_searcher_free(s); }

/* ---- lifetime ---- */

static PyvCollection *coll_alloc(PyTypeObject *type)
{
    PyvCollection *self = (PyvCollection *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    pthread_rwlock_init(&self->lock, NULL);
    pyv_pool_init(&self->searchers);
    return self;
}

/* Free the C collection; the caller holds the write lock (or is the last reference). */
static void coll_release(PyvCollection *self)
{
    for (void *s; (s = pyv_pool_take(&self->searchers)) != NULL;)
        vajra_searcher_free(s);
    vajra_collection_free(self->c);
    self->c = NULL;
}

static void coll_dealloc(PyvCollection *self)
{
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    coll_release(self);
    pyv_pool_destroy(&self->searchers, searcher_free);
    free(self->path);
    pthread_rwlock_destroy(&self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Take the lock without holding the GIL; fail with StateError when closed. Returns 0 or -1. */
static int lock_open(PyvCollection *self, int write)
{
    Py_BEGIN_ALLOW_THREADS
    if (write)
        pthread_rwlock_wrlock(&self->lock);
    else
        pthread_rwlock_rdlock(&self->lock);
    Py_END_ALLOW_THREADS
    if (self->c == NULL) {
        pthread_rwlock_unlock(&self->lock);
        pyv_raise_code(VAJRA_ERR_STATE, "the collection is closed");
        return -1;
    }
    return 0;
}

void pyv_collection_unlock(PyvCollection *self)
{
    pthread_rwlock_unlock(&self->lock);
}

/* Run fn(self, arg) under the lock (write or read) with the GIL released; None or the error. */
typedef vajra_status (*LockedFn)(PyvCollection *self, const void *arg, VajraError *err);

static PyObject *locked_call(PyvCollection *self, int write, LockedFn fn, const void *arg)
{
    if (lock_open(self, write) < 0)
        return NULL;
    VajraError err = {0};
    vajra_status st;
    Py_BEGIN_ALLOW_THREADS
    st = fn(self, arg, &err);
    Py_END_ALLOW_THREADS
    pyv_collection_unlock(self);
    if (st != VAJRA_OK)
        return pyv_raise(&err);
    Py_RETURN_NONE;
}

static vajra_status do_add(PyvCollection *self, const void *batch, VajraError *err)
{
    return vajra_collection_add(self->c, batch, err);
}

static vajra_status do_upsert(PyvCollection *self, const void *batch, VajraError *err)
{
    return vajra_collection_upsert(self->c, batch, err);
}

static vajra_status do_commit(PyvCollection *self, const void *unused, VajraError *err)
{
    (void)unused;
    vajra_status st = vajra_collection_commit(self->c, err);
    if (st == VAJRA_OK && self->path != NULL)
        st = vajra_collection_save(self->c, self->path, NULL, err);
    return st;
}

static vajra_status do_save(PyvCollection *self, const void *path, VajraError *err)
{
    return vajra_collection_save(self->c, path, NULL, err);
}

static const char *const stemmers[] = {"english", "porter", "none", NULL}; /* VajraStemmer */

/* vector_params, embedder_params: a dict of str keys; each value is passed as str(value). *keep holds the strings
 * the key/values point into. */
static int vector_params_arg(PyObject *d, const char *what, VajraKeyValue **kv, size_t *n,
                             PyObject **keep)
{
    if (!PyDict_Check(d)) {
        PyErr_Format(PyExc_TypeError, "%s must be a dict", what);
        return -1;
    }
    Py_ssize_t len = PyDict_Size(d), pos = 0, i = 0;
    PyObject *key, *value;
    *keep = PyList_New(0);
    *kv = PyMem_Calloc(len ? (size_t)len : 1, sizeof **kv);
    if (*keep == NULL || *kv == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    while (PyDict_Next(d, &pos, &key, &value)) {
        PyObject *vs = PyObject_Str(value);
        if (vs == NULL || PyList_Append(*keep, vs) < 0) {
            Py_XDECREF(vs);
            return -1;
        }
        Py_DECREF(vs);
        const char *k = pyv_utf8(key, what), *v = pyv_utf8(vs, what);
        if (k == NULL || v == NULL)
            return -1;
        (*kv)[i++] = (VajraKeyValue){k, v};
    }
    *n = (size_t)i;
    return 0;
}

static PyObject *coll_create(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"path", "dim", "metric", "profile", "M", "ef_construction",
                             "ef_search", "threads", "scorer", "k1", "b", "stemmer",
                             "keep_stopwords", "ignore_title", "attr_schema", "vector_plugin",
                             "vector_params", "embedder", "embedder_params", NULL};
    PyObject *path = NULL, *dim_o = Py_None, *metric_o = NULL, *profile_o = NULL, *m_o = Py_None,
             *efc_o = Py_None, *efs_o = Py_None, *threads_o = Py_None, *scorer_o = NULL,
             *k1_o = Py_None, *b_o = Py_None, *stem_o = NULL, *schema_o = Py_None,
             *vplug_o = Py_None, *vparams_o = Py_None, *emb_o = Py_None, *embp_o = Py_None;
    int keep_stop = 0, ignore_title = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O&O$OOOOOOOOOOppOOOOO", kwlist,
                                     pyv_fs_path_or_none, &path, &dim_o, &metric_o, &profile_o,
                                     &m_o, &efc_o, &efs_o, &threads_o, &scorer_o, &k1_o, &b_o,
                                     &stem_o, &keep_stop, &ignore_title, &schema_o, &vplug_o,
                                     &vparams_o, &emb_o, &embp_o))
        return NULL;
    PyvCollection *self = NULL;
    VajraCollectionOptions o = {.struct_size = sizeof o};
    PyObject *vkeep = NULL; /* the str() of each vector parameter, alive until create returns */
    VajraKeyValue *vkv = NULL;
    PyObject *ekeep = NULL; /* the same for the embedder's parameters */
    VajraKeyValue *ekv = NULL;
    VajraParam params[2];
    unsigned threads = 0;
    char scorer[64];
    if (pyv_opt_u32(dim_o, "dim", 0, 1, &o.dim) < 0 ||
        (metric_o != NULL && (o.metric = pyv_metric(metric_o)) == 0) ||
        (profile_o != NULL && (o.profile = pyv_utf8(profile_o, "profile")) == NULL) ||
        pyv_opt_u32(m_o, "M", 0, 0, &o.M) < 0 ||
        pyv_opt_u32(efc_o, "ef_construction", 0, 0, &o.ef_construction) < 0 ||
        pyv_opt_u32(efs_o, "ef_search", 0, 0, &o.ef_search) < 0 ||
        pyv_threads_arg(threads_o, &threads) < 0)
        goto fail;
    o.threads = threads;
    if (scorer_o != NULL) {
        const char *s = pyv_utf8(scorer_o, "scorer");
        if (s == NULL)
            goto fail;
        /* "bm25" is short for the plugin "scorer-bm25". */
        snprintf(scorer, sizeof scorer, "%s%s", strncmp(s, "scorer-", 7) ? "scorer-" : "", s);
        o.scorer_plugin = scorer;
    }
    PyObject *pv[2] = {k1_o, b_o};
    const char *pn[2] = {"k1", "b"};
    for (int i = 0; i < 2; i++) {
        if (pv[i] == Py_None)
            continue;
        double v = PyFloat_AsDouble(pv[i]);
        if (v == -1 && PyErr_Occurred())
            goto fail;
        params[o.n_scorer_params++] = (VajraParam){pn[i], v};
    }
    o.scorer_params = params;
    if (stem_o != NULL) {
        int st = pyv_choice(stem_o, "stemmer", stemmers);
        if (st < 0)
            goto fail;
        o.analyzer.stemmer = (uint32_t)st;
    }
    if (schema_o != Py_None && (o.attr_schema = pyv_utf8(schema_o, "attr_schema")) == NULL)
        goto fail;
    if (vplug_o != Py_None && (o.vector_plugin = pyv_utf8(vplug_o, "vector_plugin")) == NULL)
        goto fail;
    if (vparams_o != Py_None &&
        vector_params_arg(vparams_o, "vector_params", &vkv, &o.n_vector_params, &vkeep) < 0)
        goto fail;
    o.vector_params = vkv;
    if (emb_o != Py_None && (o.embedder = pyv_utf8(emb_o, "embedder")) == NULL)
        goto fail;
    if (embp_o != Py_None &&
        vector_params_arg(embp_o, "embedder_params", &ekv, &o.n_embedder_params, &ekeep) < 0)
        goto fail;
    o.embedder_params = ekv;
    o.analyzer.keep_stopwords = (uint32_t)keep_stop;
    o.ignore_title = (uint32_t)ignore_title;
    self = coll_alloc(type);
    if (self == NULL)
        goto fail;
    if (path != NULL && (self->path = strdup(PyBytes_AS_STRING(path))) == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    VajraError err = {0};
    vajra_status st;
    Py_BEGIN_ALLOW_THREADS
    st = vajra_collection_create(pyv_registry, &o, &self->c, &err);
    Py_END_ALLOW_THREADS
    if (st != VAJRA_OK) {
        pyv_raise(&err);
        goto fail;
    }
    Py_XDECREF(path);
    Py_XDECREF(vkeep);
    PyMem_Free(vkv);
    Py_XDECREF(ekeep);
    PyMem_Free(ekv);
    return (PyObject *)self;
fail:
    Py_XDECREF(self);
    Py_XDECREF(path);
    Py_XDECREF(vkeep);
    PyMem_Free(vkv);
    Py_XDECREF(ekeep);
    PyMem_Free(ekv);
    return NULL;
}

static PyObject *coll_open(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"path", "writable", "mmap", "threads", NULL};
    PyObject *path = NULL, *threads_o = Py_None;
    int writable = 0, mmap = 1;
    unsigned threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&|p$pO", kwlist, PyUnicode_FSConverter, &path,
                                     &writable, &mmap, &threads_o))
        return NULL;
    PyvCollection *self = NULL;
    if (pyv_threads_arg(threads_o, &threads) < 0 || (self = coll_alloc(type)) == NULL) {
        Py_DECREF(path);
        return NULL;
    }
    VajraOpenOptions o = {.struct_size = sizeof o, .writable = (uint32_t)writable,
                          .storage_plugin = mmap ? "storage-mmap" : "storage-file",
                          .threads = threads};
    VajraError err = {0};
    vajra_status st;
    const char *p = PyBytes_AS_STRING(path);
    Py_BEGIN_ALLOW_THREADS
    st = vajra_collection_open_ex(pyv_registry, p, &o, &self->c, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    if (st != VAJRA_OK) {
        Py_DECREF(self);
        return pyv_raise(&err);
    }
    self->read_only = !writable;
    return (PyObject *)self;
}

/* ---- add / commit / save / close ---- */

/* A sequence of str (or None where allow_none) as a fast sequence; NULL with an exception. */
static PyObject *str_sequence(PyObject *obj, const char *what)
{
    if (PyUnicode_Check(obj) || PyBytes_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a sequence of str, not a single %.40s", what,
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a sequence of str", what);
    return PySequence_Fast(obj, msg);
}

/* Item i of a fast sequence as UTF-8; None → NULL without error when allow_none. */
static int item_utf8(PyObject *seq, Py_ssize_t i, const char *what, int allow_none,
                     const char **out)
{
    PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
    *out = NULL;
    if (o == Py_None && allow_none)
        return 0;
    char name[64];
    snprintf(name, sizeof name, "%s[%zd]", what, i);
    *out = pyv_utf8(o, name);
    return *out ? 0 : -1;
}

/* attrs: a sequence of dict (→ JSON text), str (JSON text as is) or None, as a new list. */
static PyObject *attr_texts(PyObject *obj)
{
    PyObject *seq = str_sequence(obj, "attrs");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *a = PySequence_Fast_GET_ITEM(seq, i);
        PyObject *t = PyDict_Check(a) ? PyObject_CallOneArg(json_dumps, a)
                      : (a == Py_None || PyUnicode_Check(a)) ? Py_NewRef(a)
                                                             : NULL;
        if (t == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "attrs[%zd] must be a dict, a JSON str or None, "
                                              "not %.80s", i, Py_TYPE(a)->tp_name);
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, t);
    }
    Py_DECREF(seq);
    return out;
}

static PyObject *add_or_upsert(PyvCollection *self, PyObject *args, PyObject *kwargs, int upsert)
{
    static char *kwlist[] = {"ids", "texts", "vectors", "titles", "attrs", NULL};
    PyObject *ids_o, *texts_o = Py_None, *vec_o = Py_None, *titles_o = Py_None,
                     *attrs_o = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|OOO$O", kwlist, &ids_o, &texts_o, &vec_o,
                                     &titles_o, &attrs_o))
        return NULL;
    PyObject *ids = NULL, *texts = NULL, *titles = NULL, *attrs = NULL, *result = NULL;
    PyvRows vec = {0};
    VajraDocument *docs = NULL;
    if ((ids = str_sequence(ids_o, "ids")) == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(ids);
    if ((texts_o != Py_None && (texts = str_sequence(texts_o, "texts")) == NULL) ||
        (titles_o != Py_None && (titles = str_sequence(titles_o, "titles")) == NULL))
        goto out;
    if (attrs_o != Py_None && (attrs = attr_texts(attrs_o)) == NULL)
        goto out;
    if ((texts && PySequence_Fast_GET_SIZE(texts) != n) ||
        (titles && PySequence_Fast_GET_SIZE(titles) != n) ||
        (attrs && PyList_GET_SIZE(attrs) != n)) {
        PyErr_Format(PyExc_ValueError,
                     "ids, texts, titles and attrs must have the same length (%zd)", n);
        goto out;
    }
    if (vec_o != Py_None) {
        if (pyv_f32_rows(vec_o, "vectors", 0, &vec) < 0)
            goto out;
        if (vec.rows != (size_t)n) {
            PyErr_Format(PyExc_ValueError, "%zu vectors for %zd ids", vec.rows, n);
            goto out;
        }
    }
    docs = calloc(n ? (size_t)n : 1, sizeof *docs);
    if (docs == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    uint32_t dim = vec.dim;
    for (Py_ssize_t i = 0; i < n; i++) {
        VajraDocument *d = &docs[i];
        if (item_utf8(ids, i, "ids", 0, &d->id) < 0 ||
            (texts && item_utf8(texts, i, "texts", 1, &d->text) < 0) ||
            (titles && item_utf8(titles, i, "titles", 1, &d->title) < 0) ||
            (attrs && item_utf8(attrs, i, "attrs", 1, &d->attrs) < 0))
            goto out;
        if (vec.arr != NULL) {
            d->vector = vec.data + (size_t)i * dim;
            d->dim = dim;
        }
    }
    VajraDocBatch batch = {docs, (size_t)n};
    result = locked_call(self, 0, upsert ? do_upsert : do_add, &batch);
out:
    free(docs);
    Py_XDECREF(vec.arr);
    Py_XDECREF(ids);
    Py_XDECREF(texts);
    Py_XDECREF(titles);
    Py_XDECREF(attrs);
    return result;
}

static PyObject *coll_add(PyvCollection *self, PyObject *args, PyObject *kwargs)
{
    return add_or_upsert(self, args, kwargs, 0);
}

static PyObject *coll_upsert(PyvCollection *self, PyObject *args, PyObject *kwargs)
{
    return add_or_upsert(self, args, kwargs, 1);
}

typedef struct IdList {
    const char **ids;
    size_t count;
} IdList;

static vajra_status do_delete(PyvCollection *self, const void *arg, VajraError *err)
{
    const IdList *l = arg;
    return vajra_collection_delete(self->c, l->ids, l->count, err);
}

static PyObject *coll_delete(PyvCollection *self, PyObject *ids_o)
{
    PyObject *ids = str_sequence(ids_o, "ids"), *result = NULL;
    if (ids == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(ids);
    IdList l = {malloc((n ? (size_t)n : 1) * sizeof(char *)), (size_t)n};
    if (l.ids == NULL) {
        Py_DECREF(ids);
        return PyErr_NoMemory();
    }
    Py_ssize_t i = 0;
    while (i < n && item_utf8(ids, i, "ids", 0, &l.ids[i]) == 0)
        i++;
    if (i == n)
        result = locked_call(self, 0, do_delete, &l);
    free(l.ids);
    Py_DECREF(ids);
    return result;
}

static vajra_status do_compact(PyvCollection *self, const void *opts, VajraError *err)
{
    return vajra_collection_compact(self->c, opts, err);
}

static vajra_status do_promote(PyvCollection *self, const void *opts, VajraError *err)
{
    return vajra_collection_promote(self->c, opts, err);
}

static PyObject *compact_or_promote(PyvCollection *self, PyObject *args, PyObject *kwargs,
                                    int promote)
{
    static char *kwlist[] = {"profile", "M", "ef_construction", "ef_search", "threads",
                             "vector_params", NULL};
    static char *compact_kwlist[] = {"threads", NULL};
    PyObject *profile_o = Py_None, *m_o = Py_None, *efc_o = Py_None, *efs_o = Py_None,
             *threads_o = Py_None, *vparams_o = Py_None;
    if (promote ? !PyArg_ParseTupleAndKeywords(args, kwargs, "|O$OOOOO", kwlist, &profile_o,
                                               &m_o, &efc_o, &efs_o, &threads_o, &vparams_o)
                : !PyArg_ParseTupleAndKeywords(args, kwargs, "|$O", compact_kwlist, &threads_o))
        return NULL;
    VajraCompactOptions o = {.struct_size = sizeof o};
    VajraKeyValue *vkv = NULL;
    PyObject *vkeep = NULL, *result = NULL; /* vkeep: the strings vkv points into */
    if ((profile_o != Py_None && (o.profile = pyv_utf8(profile_o, "profile")) == NULL) ||
        pyv_opt_u32(m_o, "M", 0, 0, &o.M) < 0 ||
        pyv_opt_u32(efc_o, "ef_construction", 0, 0, &o.ef_construction) < 0 ||
        pyv_opt_u32(efs_o, "ef_search", 0, 0, &o.ef_search) < 0 ||
        pyv_opt_u32(threads_o, "threads", 0, 1, &o.threads) < 0 ||
        (vparams_o != Py_None &&
         vector_params_arg(vparams_o, "vector_params", &vkv, &o.n_vector_params, &vkeep) < 0))
        goto out;
    o.vector_params = vkv;
    result = locked_call(self, 0, promote ? do_promote : do_compact, &o);
out:
    PyMem_Free(vkv);
    Py_XDECREF(vkeep);
    return result;
}

static PyObject *coll_compact(PyvCollection *self, PyObject *args, PyObject *kwargs)
{
    return compact_or_promote(self, args, kwargs, 0);
}

static PyObject *coll_promote(PyvCollection *self, PyObject *args, PyObject *kwargs)
{
    return compact_or_promote(self, args, kwargs, 1);
}

static PyObject *coll_commit(PyvCollection *self, PyObject *unused)
{
    (void)unused;
    return locked_call(self, 0, do_commit, NULL);
}

static PyObject *coll_save(PyvCollection *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"path", NULL};
    PyObject *path = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&", kwlist, PyUnicode_FSConverter, &path))
        return NULL;
    PyObject *r = locked_call(self, 0, do_save, PyBytes_AS_STRING(path));
    Py_DECREF(path);
    return r;
}

static PyObject *coll_close(PyvCollection *self, PyObject *unused)
{
    (void)unused;
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_wrlock(&self->lock); /* waits for running searches */
    coll_release(self);
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *coll_enter(PyvCollection *self, PyObject *unused)
{
    (void)unused;
    return Py_NewRef(self);
}

static PyObject *coll_exit(PyvCollection *self, PyObject *args)
{
    (void)args;
    PyObject *r = coll_close(self, NULL);
    Py_XDECREF(r);
    if (r == NULL)
        return NULL;
    Py_RETURN_FALSE;
}

/* ---- searching ---- */

static const char *const mode_names[] = {"auto", "lexical", "vector", "hybrid", NULL};
static const char *const fusion_names[] = {"rrf", "minmax", "zscore", NULL};

void pyv_request_release(VajraSearchRequest *req)
{
    vajra_filter_free((VajraFilterExpr *)req->filter);
    req->filter = NULL;
}

int pyv_search_options(PyObject *mode, PyObject *k, PyObject *ef, int exact, PyObject *depth,
                       PyObject *fusion, double rrf_k, double weight, PyObject *filter,
                       int with_attrs, VajraSearchRequest *req)
{
    memset(req, 0, sizeof *req);
    req->struct_size = sizeof *req;
    int m = 0, f = 0;
    if ((mode != NULL && mode != Py_None && (m = pyv_choice(mode, "mode", mode_names)) < 0) ||
        (fusion != NULL && (f = pyv_choice(fusion, "fusion", fusion_names)) < 0) ||
        pyv_opt_u32(k, "k", 10, 0, &req->k) < 0 || pyv_opt_u32(ef, "ef", 0, 0, &req->ef) < 0 ||
        pyv_opt_u32(depth, "depth", 0, 0, &req->depth) < 0)
        return -1;
    if (!(rrf_k > 0) || !isfinite(rrf_k)) {
        PyErr_Format(PyExc_ValueError, "rrf_k must be a positive number, not %g", rrf_k);
        return -1;
    }
    if (!(weight > 0 && weight <= 1)) {
        PyErr_Format(PyExc_ValueError,
                     "weight (of the lexical side) must be in (0, 1], not %g; for vector "
                     "results only, use mode='vector'", weight);
        return -1;
    }
    req->mode = (uint32_t)m;
    req->fusion = (uint32_t)f;
    req->rrf_k = rrf_k;
    req->weight = weight;
    if (exact)
        req->ef = VAJRA_EF_EXACT;
    req->with_attrs = with_attrs != 0;
    if (filter != NULL && filter != Py_None) {
        const char *text = pyv_utf8(filter, "filter");
        VajraFilterExpr *expr = NULL;
        VajraError err = {0};
        if (text == NULL)
            return -1;
        if (vajra_filter_parse(text, &expr, &err) != VAJRA_OK) {
            pyv_raise(&err);
            return -1;
        }
        req->filter = expr;
    }
    return 0;
}

typedef struct RunJob {
    PyvCollection *self;
    const VajraSearchRequest *reqs;
    VajraResults *results;
} RunJob;

static vajra_status run_get(void *ctx, void **worker, VajraError *err)
{
    RunJob *j = ctx;
    *worker = pyv_pool_take(&j->self->searchers);
    if (*worker != NULL)
        return VAJRA_OK;
    return vajra_searcher_new(j->self->c, (VajraSearcher **)worker, err);
}

static void run_put(void *ctx, void *worker)
{
    pyv_pool_give(&((RunJob *)ctx)->self->searchers, worker, searcher_free);
}

static vajra_status run_task(void *ctx, void *worker, size_t i, VajraError *err)
{
    RunJob *j = ctx;
    return vajra_searcher_search(worker, &j->reqs[i], &j->results[i], err);
}

int pyv_collection_run(PyvCollection *self, const VajraSearchRequest *reqs, size_t n,
                       VajraResults *results, unsigned threads)
{
    if (lock_open(self, 0) < 0)
        return -1;
    RunJob job = {self, reqs, results};
    PyvWork work = {&job, run_get, run_put, run_task};
    VajraError err = {0};
    vajra_status st = VAJRA_OK;
    size_t failed = 0;
    Py_BEGIN_ALLOW_THREADS
    if (n == 1) {
        void *w = NULL;
        st = run_get(&job, &w, &err);
        if (st == VAJRA_OK) {
            st = run_task(&job, w, 0, &err);
            run_put(&job, w);
        }
    } else if (n > 1) {
        st = pyv_parallel_for(&work, n, threads, &failed, &err);
    }
    Py_END_ALLOW_THREADS
    if (st != VAJRA_OK) {
        for (size_t i = 0; i < n; i++)
            vajra_results_clear(&results[i]); /* the ones that succeeded pin snapshots */
        pyv_collection_unlock(self);
        if (n > 1)
            vajra_error_prefix(&err, "query %zu", failed);
        pyv_raise(&err);
        return -1;
    }
    return 0;
}

static PyObject *hits_list(const VajraResults *r)
{
    PyObject *list = PyList_New((Py_ssize_t)r->count);
    for (size_t i = 0; list != NULL && i < r->count; i++) {
        const VajraResult *x = &r->items[i];
        PyObject *hit = PyStructSequence_New(PyvHit_Type);
        PyObject *id = PyUnicode_FromString(x->id ? x->id : "");
        PyObject *score = PyFloat_FromDouble(x->score);
        PyObject *title = PyUnicode_FromString(x->title ? x->title : "");
        PyObject *doc = PyLong_FromUnsignedLong(x->doc);
        PyObject *attrs = x->attrs ? PyObject_CallFunction(json_loads, "s", x->attrs)
                                   : Py_NewRef(Py_None);
        if (hit == NULL || id == NULL || score == NULL || title == NULL || doc == NULL ||
            attrs == NULL) {
            Py_XDECREF(attrs);
            Py_XDECREF(hit);
            Py_XDECREF(id);
            Py_XDECREF(score);
            Py_XDECREF(title);
            Py_XDECREF(doc);
            Py_CLEAR(list);
            break;
        }
        PyStructSequence_SET_ITEM(hit, 0, id);
        PyStructSequence_SET_ITEM(hit, 1, score);
        PyStructSequence_SET_ITEM(hit, 2, title);
        PyStructSequence_SET_ITEM(hit, 3, doc);
        PyStructSequence_SET_ITEM(hit, 4, attrs);
        PyList_SET_ITEM(list, (Py_ssize_t)i, hit);
    }
    return list;
}

/* texts (a str sequence or None) and vectors (rows or None) into the requests' text/vector. */
static int fill_queries(VajraSearchRequest *reqs, size_t n, PyObject *texts, const PyvRows *vec)
{
    for (size_t i = 0; i < n; i++) {
        if (texts != NULL && item_utf8(texts, (Py_ssize_t)i, "texts", 0, &reqs[i].text) < 0)
            return -1;
        if (vec->arr != NULL) {
            reqs[i].dim = vec->dim;
            reqs[i].vector = vec->data + i * vec->dim;
        }
    }
    return 0;
}

static PyObject *coll_search(PyvCollection *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames)
{
    static const char *const names[] = {"text", "vector", "k", "mode", "fusion", "rrf_k",
                                        "weight", "depth", "ef", "exact", "filter", "with_attrs",
                                        NULL};
    PyObject *slot[12] = {NULL};
    if (pyv_fast_args("search", args, nargs, kwnames, names, 0, 2, slot) < 0)
        return NULL;
    PyObject *text_o = slot[0] ? slot[0] : Py_None, *vec_o = slot[1] ? slot[1] : Py_None;
    PyObject *k_o = slot[2], *mode_o = slot[3], *fusion_o = slot[4], *depth_o = slot[7],
             *ef_o = slot[8];
    double rrf_k = slot[5] ? PyFloat_AsDouble(slot[5]) : VAJRA_RRF_K_DEFAULT;
    double weight = slot[6] ? PyFloat_AsDouble(slot[6]) : 0.5;
    int exact = slot[9] ? PyObject_IsTrue(slot[9]) : 0;
    int with_attrs = slot[11] ? PyObject_IsTrue(slot[11]) : 0;
    if (PyErr_Occurred() || exact < 0 || with_attrs < 0)
        return NULL;
    VajraSearchRequest req;
    if (pyv_search_options(mode_o, k_o, ef_o, exact, depth_o, fusion_o, rrf_k, weight, slot[10],
                           with_attrs, &req) < 0)
        return NULL;
    PyvRows vec = {0};
    PyObject *list = NULL;
    if (text_o != Py_None && (req.text = pyv_utf8(text_o, "text")) == NULL)
        goto out;
    if (vec_o != Py_None) {
        if (pyv_f32_rows(vec_o, "vector", 0, &vec) < 0)
            goto out;
        if (vec.rows != 1) {
            pyv_raise_code(VAJRA_ERR_DIMENSION,
                           "vector: expected one query vector, got %zu rows (use search_batch "
                           "for many)", vec.rows);
            goto out;
        }
        fill_queries(&req, 1, NULL, &vec);
    }
    VajraResults results = {0};
    if (pyv_collection_run(self, &req, 1, &results, 1) == 0) {
        list = hits_list(&results);
        vajra_results_clear(&results); /* before unlocking: it unpins a snapshot */
        pyv_collection_unlock(self);
    }
out:
    pyv_request_release(&req);
    Py_XDECREF(vec.arr);
    return list;
}

static PyObject *coll_search_batch(PyvCollection *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"texts", "vectors", "k", "mode", "fusion", "rrf_k", "weight",
                             "depth", "ef", "exact", "threads", "filter", "with_attrs", NULL};
    PyObject *texts_o = Py_None, *vec_o = Py_None, *k_o = Py_None, *mode_o = Py_None,
             *fusion_o = NULL, *depth_o = Py_None, *ef_o = Py_None, *threads_o = Py_None,
             *filter_o = Py_None;
    double rrf_k = VAJRA_RRF_K_DEFAULT, weight = 0.5;
    int exact = 0, with_attrs = 0;
    unsigned threads;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO$OOOddOOpOOp", kwlist, &texts_o, &vec_o,
                                     &k_o, &mode_o, &fusion_o, &rrf_k, &weight, &depth_o, &ef_o,
                                     &exact, &threads_o, &filter_o, &with_attrs) ||
        pyv_threads_arg(threads_o, &threads) < 0)
        return NULL;
    VajraSearchRequest tmpl;
    if (pyv_search_options(mode_o, k_o, ef_o, exact, depth_o, fusion_o, rrf_k, weight, filter_o,
                           with_attrs, &tmpl) < 0)
        return NULL;
    PyObject *texts = NULL, *out = NULL;
    PyvRows vec = {0};
    VajraSearchRequest *reqs = NULL;
    VajraResults *results = NULL;
    Py_ssize_t n = -1;
    if (texts_o != Py_None) {
        if ((texts = str_sequence(texts_o, "texts")) == NULL)
            goto out;
        n = PySequence_Fast_GET_SIZE(texts);
    }
    if (vec_o != Py_None) {
        if (pyv_f32_rows(vec_o, "vectors", 0, &vec) < 0)
            goto out;
        if (n >= 0 && vec.rows != (size_t)n) {
            PyErr_Format(PyExc_ValueError, "%zd texts but %zu vectors", n, vec.rows);
            goto out;
        }
        n = (Py_ssize_t)vec.rows;
    }
    if (n < 0) {
        PyErr_SetString(PyExc_TypeError, "search_batch needs texts, vectors or both");
        goto out;
    }
    reqs = malloc((n ? (size_t)n : 1) * sizeof *reqs);
    results = calloc(n ? (size_t)n : 1, sizeof *results);
    if (reqs == NULL || results == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        reqs[i] = tmpl;
    if (fill_queries(reqs, (size_t)n, texts, &vec) < 0)
        goto out;
    if (pyv_collection_run(self, reqs, (size_t)n, results, threads) < 0)
        goto out;
    out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *hits = hits_list(&results[i]);
        if (hits == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, hits);
    }
    for (Py_ssize_t i = 0; i < n; i++)
        vajra_results_clear(&results[i]); /* before unlocking: each unpins a snapshot */
    pyv_collection_unlock(self);
out:
    pyv_request_release(&tmpl);
    free(results);
    free(reqs);
    Py_XDECREF(vec.arr);
    Py_XDECREF(texts);
    return out;
}

/* ---- properties ---- */

static Py_ssize_t coll_len(PyvCollection *self)
{
    if (lock_open(self, 0) < 0)
        return -1;
    Py_ssize_t n = (Py_ssize_t)vajra_collection_count(self->c);
    pyv_collection_unlock(self);
    return n;
}

static PyObject *param_dict(const VajraParam *p, size_t n)
{
    PyObject *d = PyDict_New();
    for (size_t i = 0; d != NULL && i < n; i++) {
        PyObject *v = PyFloat_FromDouble(p[i].value);
        if (v == NULL || PyDict_SetItemString(d, p[i].name, v) < 0)
            Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
}

static PyObject *coll_info(PyvCollection *self, void *unused)
{
    (void)unused;
    if (lock_open(self, 0) < 0)
        return NULL;
    VajraCollectionInfo i = {.struct_size = sizeof i};
    vajra_collection_info(self->c, &i);
    const char *model = NULL, *embedder = vajra_collection_embedder(self->c, &model);
    PyObject *sp = param_dict(i.scorer_params, i.n_scorer_params);
    PyObject *vp = PyDict_New();
    for (size_t k = 0; vp != NULL && k < i.n_vector_kv; k++) {
        PyObject *v = PyUnicode_FromString(i.vector_kv[k].value);
        if (v == NULL || PyDict_SetItemString(vp, i.vector_kv[k].key, v) < 0)
            Py_CLEAR(vp);
        Py_XDECREF(v);
    }
    PyObject *d = sp == NULL || vp == NULL ? NULL : Py_BuildValue(
        "{s:I,s:I,s:s,s:s,s:s,s:N,s:z,s:z,s:z,s:I,s:I,s:I,s:z,s:z,s:O,s:N,s:z,s:z}",
        "count", i.doc_count, "dim", i.dim, "metric", i.dim ? pyv_metric_name(i.metric) : "none",
        "lexical_plugin", i.lexical_plugin ? i.lexical_plugin : "", "scorer_plugin",
        i.scorer_plugin ? i.scorer_plugin : "", "scorer_params", sp, "vector_plugin",
        i.vector_plugin, "profile", i.profile, "path", i.path, "M", i.vector_params.M,
        "ef_construction", i.vector_params.ef_construction, "ef_search",
        i.vector_params.ef_search, "storage_plugin", i.storage_plugin, "pending_path",
        self->path, "read_only", self->read_only ? Py_True : Py_False, "vector_params", vp,
        "embedder", embedder, "embedder_model", model);
    if (sp == NULL || vp == NULL) { /* Py_BuildValue was not called: N steals only there */
        Py_XDECREF(sp);
        Py_XDECREF(vp);
    }
    pyv_collection_unlock(self);
    return d;
}

static PyObject *coll_counts(PyvCollection *self, void *unused)
{
    (void)unused;
    if (lock_open(self, 0) < 0)
        return NULL;
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(self->c, &n);
    pyv_collection_unlock(self);
    return Py_BuildValue("{s:I,s:K,s:I,s:I,s:I,s:I,s:O}", "segments", n.segments, "generation",
                         (unsigned long long)n.generation, "live", n.live, "deleted", n.deleted,
                         "staged_adds", n.staged_adds, "staged_deletes", n.staged_deletes,
                         "writable", n.writable ? Py_True : Py_False);
}

static PyObject *coll_closed(PyvCollection *self, void *unused)
{
    (void)unused;
    return PyBool_FromLong(self->c == NULL);
}

static PyObject *coll_dim(PyvCollection *self, void *unused)
{
    (void)unused;
    if (lock_open(self, 0) < 0)
        return NULL;
    VajraCollectionInfo i = {.struct_size = sizeof i};
    vajra_collection_info(self->c, &i);
    pyv_collection_unlock(self);
    return PyLong_FromUnsignedLong(i.dim);
}

static PyObject *coll_repr(PyvCollection *self)
{
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_rdlock(&self->lock); /* close() may run in another thread */
    Py_END_ALLOW_THREADS
    PyObject *r;
    if (self->c == NULL) {
        r = PyUnicode_FromString("<vajra.Collection (closed)>");
    } else {
        VajraCollectionInfo i = {.struct_size = sizeof i};
        vajra_collection_info(self->c, &i);
        r = PyUnicode_FromFormat("<vajra.Collection %u documents, dim=%u%s%s>", i.doc_count, i.dim,
                                 i.path ? ", path=" : "", i.path ? i.path : "");
    }
    pyv_collection_unlock(self);
    return r;
}

static PyMethodDef coll_methods[] = {
    {"create", (PyCFunction)(void (*)(void))coll_create,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "create($type, path=None, dim=0, *, metric='ip', profile=None, M=None, ef_construction=None, "
     "ef_search=None, threads=None, scorer='bm25', k1=None, b=None, stemmer='english', "
     "keep_stopwords=False, ignore_title=False, attr_schema=None, vector_plugin=None, "
     "vector_params=None, embedder=None, embedder_params=None)\n--\n\n"
     "A new, empty collection. dim=0 makes it lexical only. `vector_plugin` names the vector "
     "index ('vector-hnsw' by default; 'vector-flat': exact search) and `vector_params` its "
     "parameters as a dict (values passed as str, e.g. {'storage': 'f16'}; docs/vector.md); "
     "`profile` (HNSW only; None = 'fast'), M, ef_construction, ef_search are HNSW shorthands. With `path`, every commit() also "
     "saves it there. `threads` builds the vector index (default: every CPU; the same graph for "
     "any count). `scorer` is 'bm25', 'bm25plus' or 'tfidf' (k1, b: its parameters). "
     "`attr_schema` declares filterable attributes ('lang:keyword, year:int, tags:tags, "
     "rating:float'); default: inferred from the first batch that carries attributes. "
     "`embedder` ('lsa', 'table' or a plugin name) makes the vector side from the text: add "
     "documents without vectors, search(text, mode='vector'|'hybrid') embeds the query; "
     "`embedder_params` (a dict, e.g. {'dim': 256, 'seed': 1}) configures it; dim=0 takes the "
     "embedder's dimension. The model trains at the first commit and is saved with the "
     "collection (docs/embedders.md)."},
    {"open", (PyCFunction)(void (*)(void))coll_open, METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "open($type, path, writable=False, *, mmap=True, threads=None)\n--\n\nOpen a saved collection "
     "(files written by `vajra index` too). mmap=True searches the mapped file in place. "
     "writable=True takes the file's writer lock (vajra.BusyError when another writer holds it) "
     "and allows add/upsert/delete/compact/promote; every commit then saves the file durably. "
     "`threads` builds new segments."},
    {"add", (PyCFunction)(void (*)(void))coll_add, METH_VARARGS | METH_KEYWORDS,
     "add($self, ids, texts=None, vectors=None, titles=None, *, attrs=None)\n--\n\nAdd documents "
     "(searchable after commit()): ids a sequence of str, texts and titles sequences of str or "
     "None, attrs a sequence of dict (or JSON object text, or None) of filterable attributes, vectors a "
     "2-D array (len(ids), dim) when the collection has a vector side. All or nothing; "
     "raises vajra.DuplicateError, vajra.DimensionError, vajra.BadValueError, "
     "vajra.EncodingError, vajra.StateError (read-only). Runs with the GIL released."},
    {"upsert", (PyCFunction)(void (*)(void))coll_upsert, METH_VARARGS | METH_KEYWORDS,
     "upsert($self, ids, texts=None, vectors=None, titles=None, *, attrs=None)\n--\n\nLike add(), but a "
     "document whose id is live replaces it (at the next commit); new ids are added."},
    {"delete", (PyCFunction)coll_delete, METH_O,
     "delete($self, ids, /)\n--\n\nStage the deletion of documents by id (visible at the next "
     "commit). All or nothing: an id neither live nor staged raises vajra.NotFoundError."},
    {"compact", (PyCFunction)(void (*)(void))coll_compact, METH_VARARGS | METH_KEYWORDS,
     "compact($self, *, threads=None)\n--\n\nMerge the committed segments into one without the "
     "deleted documents (saved durably on a writable file). Searches keep running meanwhile."},
    {"promote", (PyCFunction)(void (*)(void))coll_promote, METH_VARARGS | METH_KEYWORDS,
     "promote($self, profile=None, *, M=None, ef_construction=None, ef_search=None, "
     "threads=None, vector_params=None)\n--\n\nCompact with new vector parameters ('instant' "
     "now, 'quality' when the rebuild is done); they apply to later segments too. "
     "`vector_params` (a dict, values passed as str) sets other build keys of the vector index "
     "(e.g. {'storage': 'sq8'}), overriding the current ones; every key not given is kept. An "
     "unknown key or bad value raises ValueError and changes nothing; 'profile', 'M', "
     "'ef_construction' and 'ef_search' are refused there (use the arguments)."},
    {"commit", (PyCFunction)coll_commit, METH_NOARGS,
     "commit($self)\n--\n\nMake everything added searchable (and save to the create() path)."},
    {"save", (PyCFunction)(void (*)(void))coll_save, METH_VARARGS | METH_KEYWORDS,
     "save($self, path)\n--\n\nWrite the collection to one container file, atomically. Raises "
     "vajra.StateError with uncommitted documents."},
    {"search", (PyCFunction)(void (*)(void))coll_search, METH_FASTCALL | METH_KEYWORDS,
     "search($self, text=None, vector=None, *, k=10, mode=None, fusion='rrf', rrf_k=60.0, weight=0.5, "
     "depth=None, ef=None, exact=False, filter=None, with_attrs=False)\n--\n\nOne query; returns a "
     "list of vajra.Hit (id, score, title, doc), best first. `filter`: an attribute filter "
     "expression ('lang = \"en\" AND year >= 2020', docs/filters.md) applied inside both searches; "
     "with_attrs=True fills Hit.attrs. mode: 'lexical', 'vector', 'hybrid' or None (hybrid when both "
     "text and vector are given, else the one given). Hybrid fuses the two sides' `depth` "
     "(default max(k, 50)) candidates by 'rrf' (rrf_k) or by a convex combination after "
     "'minmax' or 'zscore' normalisation (weight: the lexical side's, the vector side gets "
     "1 - weight). ef: HNSW beam width (default: the index's); exact=True scans every vector."},
    {"search_batch", (PyCFunction)(void (*)(void))coll_search_batch,
     METH_VARARGS | METH_KEYWORDS,
     "search_batch($self, texts=None, vectors=None, *, k=10, mode=None, fusion='rrf', rrf_k=60.0, "
     "weight=0.5, depth=None, ef=None, exact=False, threads=None, filter=None, with_attrs=False)"
     "\n--\n\nMany queries at once "
     "on `threads` C threads (default: every CPU), GIL released: query i is texts[i] and/or "
     "vectors[i]. Returns one list of vajra.Hit per query, each equal to search() of it."},
    {"evaluate", (PyCFunction)(void (*)(void))pyv_collection_evaluate,
     METH_VARARGS | METH_KEYWORDS,
     "evaluate($self, queries, qrels, vectors=None, *, mode='lexical', k=1000, depth=None, ef=None, "
     "exact=False, fusion='rrf', rrf_k=60.0, weight=0.5, threads=None, filter=None)\n--\n\n"
     "Run every query and score the rankings against graded judgements; returns the dict "
     "`vajra eval --json` prints: {'mode', 'ndcg@10', 'ndcg@10_exp', 'recall@100', 'mrr@10', "
     "'map', 'queries'} (a list of them for mode='all'). queries: a BEIR queries.jsonl path "
     "(text = title + ' ' + text), a dict {id: text} or (id, text) pairs; qrels: a TSV path or "
     "a dict {query_id: {doc_id: grade}}; vectors: row i for query i. Defaults follow the CLI: "
     "depth = ef = k."},
    {"close", (PyCFunction)coll_close, METH_NOARGS,
     "close($self)\n--\n\nFree the collection now (waits for running searches). Later calls raise "
     "vajra.StateError. Idempotent."},
    {"__enter__", (PyCFunction)coll_enter, METH_NOARGS, "Return self."},
    {"__exit__", (PyCFunction)coll_exit, METH_VARARGS, "close()."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef coll_getset[] = {
    {"info", (getter)coll_info, NULL,
     "A dict: count, dim, metric, plugins, scorer parameters, profile, HNSW parameters, path.",
     NULL},
    {"dim", (getter)coll_dim, NULL, "Vector dimension (0: lexical only).", NULL},
    {"counts", (getter)coll_counts, NULL,
     "A dict: segments, generation (commits so far), live and deleted documents, staged_adds, "
     "staged_deletes, writable.", NULL},
    {"closed", (getter)coll_closed, NULL, "True after close().", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PySequenceMethods coll_as_sequence = {.sq_length = (lenfunc)coll_len};

PyTypeObject PyvCollection_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "vajra.Collection",
    .tp_basicsize = sizeof(PyvCollection),
    .tp_dealloc = (destructor)coll_dealloc,
    .tp_repr = (reprfunc)coll_repr,
    .tp_as_sequence = &coll_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Documents indexed lexically (BM25) and, with dim > 0, by vector (HNSW); searched "
              "lexically, by vector or hybrid. Make one with Collection.create() or "
              "Collection.open(). Thread-safe: searches run concurrently with each other; add, "
              "commit and close wait for running searches (and they for them).",
    .tp_weaklistoffset = offsetof(PyvCollection, weakrefs),
    .tp_methods = coll_methods,
    .tp_getset = coll_getset,
};

int pyv_collection_init(PyObject *module)
{
    PyObject *json = PyImport_ImportModule("json");
    if (json == NULL)
        return -1;
    json_loads = PyObject_GetAttrString(json, "loads");
    json_dumps = PyObject_GetAttrString(json, "dumps");
    Py_DECREF(json);
    if (json_loads == NULL || json_dumps == NULL)
        return -1;
    PyvHit_Type = PyStructSequence_NewType(&hit_desc);
    if (PyvHit_Type == NULL || PyModule_AddObjectRef(module, "Hit", (PyObject *)PyvHit_Type) < 0)
        return -1;
    if (PyType_Ready(&PyvCollection_Type) < 0)
        return -1;
    return PyModule_AddObjectRef(module, "Collection", (PyObject *)&PyvCollection_Type);
}
