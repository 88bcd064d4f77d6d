/* vajra.HNSWIndex: the HNSW vector plugin driven directly (no collection), numpy in and out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LABELS_SECTION "pyhnsw.labels"

typedef struct HnswScratch {
    const VajraVectorVtable *vt;
    VajraVectorSearch *ctx;
    VajraHits hits;
} HnswScratch;

typedef struct HnswObject {
    PyObject_HEAD
    VajraPlugin *plugin;
    const VajraVectorVtable *vt;
    VajraVectorIndex *index;
    VajraPlugin *storage;             /* load(): keeps `container` (the index points into it) */
    VajraStorageContainer *container;
    VajraSectionReader prefixed;      /* reads a collection file's segment 0 (kept: the index
                                       * may look sections up again) */
    VajraVectorParams params;
    int64_t *labels;                  /* NULL until ids are given: then labels[doc] */
    size_t labels_cap;
    size_t count;                     /* vectors, updated under the GIL after each add */
    unsigned threads;
    pthread_rwlock_t lock;            /* read: search, save; write: add */
    PyvPool scratch;                  /* HnswScratch*, one per searching thread */
    PyObject *weakrefs;
} HnswObject;

static void scratch_free(void *p)
{
    HnswScratch *s = p;
    if (s == NULL)
        return;
    s->vt->search_free(s->ctx);
    vajra_hits_clear(&s->hits);
    free(s);
}

static PyObject *hnsw_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    (void)args;
    (void)kwargs;
    HnswObject *self = (HnswObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    pthread_rwlock_init(&self->lock, NULL);
    pyv_pool_init(&self->scratch);
    self->threads = pyv_cpu_count();
    return (PyObject *)self;
}

static void hnsw_dealloc(HnswObject *self)
{
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    pyv_pool_destroy(&self->scratch, scratch_free);
    if (self->vt != NULL)
        self->vt->destroy(self->index);
    if (self->container != NULL)
        ((const VajraStorageOps *)vajra_plugin_vtable(self->storage))->close(self->container);
    vajra_plugin_unref(self->storage);
    vajra_plugin_unref(self->plugin);
    free(self->labels);
    pthread_rwlock_destroy(&self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int load_plugin(HnswObject *self)
{
    VajraError err = {0};
    if (vajra_registry_load(pyv_registry, VAJRA_PLUGIN_VECTOR, "vector-hnsw", &self->plugin,
                            &err) != VAJRA_OK) {
        pyv_raise(&err);
        return -1;
    }
    self->vt = vajra_plugin_vtable(self->plugin);
    return 0;
}

static int hnsw_init(HnswObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"dim", "metric", "profile", "M", "ef_construction", "ef_search",
                             "threads", "seed", "storage", "rerank", NULL};
    PyObject *dim_o, *metric_o = NULL, *profile_o = NULL, *m_o = Py_None, *efc_o = Py_None,
                     *efs_o = Py_None, *threads_o = Py_None, *seed_o = Py_None,
                     *storage_o = Py_None;
    int rerank = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|OO$OOOOOOp", kwlist, &dim_o, &metric_o,
                                     &profile_o, &m_o, &efc_o, &efs_o, &threads_o, &seed_o,
                                     &storage_o, &rerank))
        return -1;
    if (self->index != NULL) {
        pyv_raise_code(VAJRA_ERR_STATE, "HNSWIndex.__init__ called twice");
        return -1;
    }
    uint32_t dim, metric = VAJRA_METRIC_IP, M, efc, efs;
    const char *profile = "fast";
    if (pyv_opt_u32(dim_o, "dim", 0, 0, &dim) < 0 ||
        (metric_o != NULL && (metric = pyv_metric(metric_o)) == 0) ||
        (profile_o != NULL && (profile = pyv_utf8(profile_o, "profile")) == NULL) ||
        pyv_opt_u32(m_o, "M", 0, 0, &M) < 0 ||
        pyv_opt_u32(efc_o, "ef_construction", 0, 0, &efc) < 0 ||
        pyv_opt_u32(efs_o, "ef_search", 0, 0, &efs) < 0 ||
        pyv_threads_arg(threads_o, &self->threads) < 0)
        return -1;
    unsigned long long seed = 0;
    if (seed_o != Py_None) {
        seed = PyLong_AsUnsignedLongLong(seed_o);
        if (PyErr_Occurred())
            return -1;
    }
    if (self->plugin == NULL && load_plugin(self) < 0)
        return -1;
    VajraError err = {0};
    VajraVectorParams p = {.struct_size = sizeof p};
    if (self->vt->profile(profile, dim, (VajraMetric)metric, &p, &err) != VAJRA_OK) {
        pyv_raise(&err);
        return -1;
    }
    if (M)
        p.M = M;
    if (efc)
        p.ef_construction = efc;
    if (efs)
        p.ef_search = efs;
    if (seed_o != Py_None)
        p.seed = seed;
    const char *storage = NULL;
    if (storage_o != Py_None && (storage = pyv_utf8(storage_o, "storage")) == NULL)
        return -1;
    vajra_status st;
    {
        /* Storage is a key/value parameter of vector-hnsw (docs/vector.md): pass the settled
         * numbers with it. None = the plugin's default, "auto" (f16 while the rows are exactly
         * binary16, else f32: nothing is rounded). */
        char num[4][24];
        snprintf(num[0], sizeof num[0], "%u", p.M);
        snprintf(num[1], sizeof num[1], "%u", p.ef_construction);
        snprintf(num[2], sizeof num[2], "%u", p.ef_search);
        snprintf(num[3], sizeof num[3], "%llu", (unsigned long long)p.seed);
        VajraKeyValue kv[] = {{"M", num[0]},         {"ef_construction", num[1]},
                              {"ef_search", num[2]}, {"seed", num[3]},
                              {"storage", storage ? storage : "auto"},
                              {"rerank", rerank ? "1" : "0"}};
        st = vajra_vector_create(self->vt, vajra_plugin_state(self->plugin), dim,
                                 (VajraMetric)metric, kv, sizeof kv / sizeof kv[0], &self->index,
                                 &err);
    }
    if (st != VAJRA_OK) {
        pyv_raise(&err);
        return -1;
    }
    self->vt->params(self->index, &self->params);
    return 0;
}

static int ready(HnswObject *self)
{
    if (self->index == NULL) {
        pyv_raise_code(VAJRA_ERR_STATE, "HNSWIndex is not initialised");
        return -1;
    }
    return 0;
}

/* ---- add ---- */

static PyObject *hnsw_add(HnswObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"vectors", "ids", NULL};
    PyObject *vec_o, *ids_o = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O", kwlist, &vec_o, &ids_o) ||
        ready(self) < 0)
        return NULL;
    PyvRows vec;
    if (pyv_f32_rows(vec_o, "vectors", self->params.dim, &vec) < 0)
        return NULL;
    size_t n = vec.rows;
    PyArrayObject *ids = NULL;
    if (ids_o != Py_None) {
        PyArrayObject *raw = (PyArrayObject *)PyArray_FROM_O(ids_o);
        if (raw == NULL)
            goto fail;
        char kind = PyArray_DESCR(raw)->kind;
        if ((kind != 'i' && kind != 'u') || PyArray_NDIM(raw) > 1) {
            PyErr_SetString(PyExc_TypeError, "ids must be a 1-D sequence of integers");
            Py_DECREF(raw);
            goto fail;
        }
        ids = (PyArrayObject *)PyArray_FROM_OTF((PyObject *)raw, NPY_INT64,
                                                NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
        Py_DECREF(raw);
        if (ids == NULL)
            goto fail;
        if ((size_t)PyArray_SIZE(ids) != n) {
            PyErr_Format(PyExc_ValueError, "%zu ids for %zu vectors", (size_t)PyArray_SIZE(ids), n);
            goto fail;
        }
    }
    if (n == 0) {
        Py_XDECREF(ids);
        Py_DECREF(vec.arr);
        Py_RETURN_NONE;
    }
    VajraError err = {0};
    vajra_status st = VAJRA_OK;
    size_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_wrlock(&self->lock);
    count = self->vt->count(self->index);
    if (ids != NULL || self->labels != NULL) {
        if (count + n > self->labels_cap) {
            size_t cap = (count + n) * 2;
            int64_t *grown = realloc(self->labels, cap * sizeof *grown);
            if (grown == NULL) {
                st = vajra_error_set(&err, VAJRA_ERR_NO_MEMORY, "out of memory for ids");
            } else {
                if (self->labels == NULL)
                    for (size_t i = 0; i < count; i++)
                        grown[i] = (int64_t)i;
                self->labels = grown;
                self->labels_cap = cap;
            }
        }
    }
    uint32_t first = 0;
    if (st == VAJRA_OK)
        st = self->vt->add(self->index, vec.data, self->params.dim, n, self->threads,
                           &first, &err);
    if (st == VAJRA_OK && self->labels != NULL) {
        const int64_t *src = ids ? PyArray_DATA(ids) : NULL;
        for (size_t i = 0; i < n; i++)
            self->labels[first + i] = src ? src[i] : (int64_t)(first + i);
    }
    count = self->vt->count(self->index);
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    self->count = count;
    Py_XDECREF(ids);
    Py_DECREF(vec.arr);
    if (st != VAJRA_OK)
        return pyv_raise(&err);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(ids);
    Py_DECREF(vec.arr);
    return NULL;
}

/* ---- search ---- */

typedef struct SearchJob {
    HnswObject *self;
    const float *queries;
    uint32_t k, ef;
    int exact;
    int64_t *ids;
    float *scores;
} SearchJob;

static vajra_status job_get(void *ctx, void **worker, VajraError *err)
{
    SearchJob *j = ctx;
    HnswScratch *s = pyv_pool_take(&j->self->scratch);
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
        s->vt = j->self->vt;
        vajra_status st = s->vt->search_new(j->self->index, &s->ctx, err);
        if (st != VAJRA_OK) {
            free(s);
            return st;
        }
    }
    *worker = s;
    return VAJRA_OK;
}

static void job_put(void *ctx, void *worker)
{
    pyv_pool_give(&((SearchJob *)ctx)->self->scratch, worker, scratch_free);
}

static vajra_status job_task(void *ctx, void *worker, size_t i, VajraError *err)
{
    SearchJob *j = ctx;
    HnswScratch *s = worker;
    const HnswObject *self = j->self;
    uint32_t dim = self->params.dim;
    VajraVectorQuery q = {j->queries + i * dim, dim, j->k};
    vajra_status st = j->exact ? self->vt->search_exact(self->index, s->ctx, &q, &s->hits, err)
                               : self->vt->search(self->index, s->ctx, &q, j->ef, &s->hits, err);
    if (st != VAJRA_OK)
        return st;
    int64_t *ids = j->ids + i * j->k;
    float *scores = j->scores + i * j->k;
    size_t n = s->hits.count < j->k ? s->hits.count : j->k;
    for (size_t h = 0; h < n; h++) {
        uint32_t doc = s->hits.items[h].doc;
        ids[h] = self->labels ? self->labels[doc] : (int64_t)doc;
        scores[h] = s->hits.items[h].score;
    }
    for (size_t h = n; h < j->k; h++) {
        ids[h] = -1;
        scores[h] = -INFINITY;
    }
    return VAJRA_OK;
}

static PyObject *hnsw_search(HnswObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames)
{
    static const char *const names[] = {"queries", "k", "ef", "threads", "exact", NULL};
    PyObject *slot[5] = {NULL, NULL, NULL, NULL, NULL};
    if (pyv_fast_args("search", args, nargs, kwnames, names, 1, 3, slot) < 0 || ready(self) < 0)
        return NULL;
    uint32_t k, ef;
    unsigned threads = 1;
    int exact = slot[4] ? PyObject_IsTrue(slot[4]) : 0;
    if (exact < 0 || pyv_opt_u32(slot[1], "k", 10, 0, &k) < 0 ||
        pyv_opt_u32(slot[2], "ef", 0, 0, &ef) < 0 ||
        (slot[3] && pyv_threads_arg(slot[3], &threads) < 0))
        return NULL;
    PyvRows q;
    if (pyv_f32_rows(slot[0], "queries", self->params.dim, &q) < 0)
        return NULL;
    if (slot[3] == NULL)
        threads = pyv_cpu_count();
    npy_intp n = (npy_intp)q.rows;
    if ((size_t)n * k > (size_t)1 << 34) {
        Py_DECREF(q.arr);
        return PyErr_NoMemory();
    }
    npy_intp shape[2] = {n, (npy_intp)k};
    int nd = q.was_1d ? 1 : 2;
    npy_intp *dims = q.was_1d ? shape + 1 : shape;
    PyArrayObject *ids = (PyArrayObject *)PyArray_SimpleNew(nd, dims, NPY_INT64);
    PyArrayObject *scores = ids ? (PyArrayObject *)PyArray_SimpleNew(nd, dims, NPY_FLOAT32) : NULL;
    if (scores == NULL) {
        Py_XDECREF(ids);
        Py_DECREF(q.arr);
        return NULL;
    }
    SearchJob job = {self, q.data, k, ef, exact, PyArray_DATA(ids), PyArray_DATA(scores)};
    PyvWork work = {&job, job_get, job_put, job_task};
    VajraError err = {0};
    vajra_status st = VAJRA_OK;
    size_t failed = 0;
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_rdlock(&self->lock);
    if (n == 1) { /* the single-query path: no loop machinery */
        void *w = NULL;
        st = job_get(&job, &w, &err);
        if (st == VAJRA_OK) {
            st = job_task(&job, w, 0, &err);
            job_put(&job, w);
        }
    } else if (n > 1) {
        st = pyv_parallel_for(&work, (size_t)n, threads, &failed, &err);
    }
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    Py_DECREF(q.arr);
    if (st != VAJRA_OK) {
        Py_DECREF(ids);
        Py_DECREF(scores);
        if (n > 1)
            vajra_error_prefix(&err, "query %zu", failed);
        return pyv_raise(&err);
    }
    PyObject *r = PyTuple_New(2);
    if (r == NULL) {
        Py_DECREF(ids);
        Py_DECREF(scores);
        return NULL;
    }
    PyTuple_SET_ITEM(r, 0, (PyObject *)ids);
    PyTuple_SET_ITEM(r, 1, (PyObject *)scores);
    return r;
}

/* ---- save / load ---- */

static VajraPlugin *storage_plugin(const char *name, VajraError *err)
{
    VajraPlugin *p = NULL;
    if (vajra_registry_load(pyv_registry, VAJRA_PLUGIN_STORAGE, name, &p, err) != VAJRA_OK)
        return NULL;
    return p;
}

static PyObject *hnsw_save(HnswObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"path", NULL};
    PyObject *path = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&", kwlist, PyUnicode_FSConverter, &path))
        return NULL;
    if (ready(self) < 0) {
        Py_DECREF(path);
        return NULL;
    }
    const char *p = PyBytes_AS_STRING(path);
    VajraError err = {0};
    vajra_status st = VAJRA_OK;
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_rdlock(&self->lock);
    VajraPlugin *sp = storage_plugin("storage-file", &err);
    if (sp == NULL) {
        st = err.code;
    } else {
        const VajraStorageOps *ops = vajra_plugin_vtable(sp);
        VajraStorageWriter *w = NULL;
        st = ops->writer_open(vajra_plugin_state(sp), p, &w, &err);
        if (st == VAJRA_OK) {
            const VajraSectionWriter *sw = ops->writer_sections(w);
            st = self->vt->save(self->index, sw, &err);
            if (st == VAJRA_OK && self->labels != NULL)
                st = sw->write(sw->self, LABELS_SECTION, self->labels,
                               self->vt->count(self->index) * sizeof(int64_t), &err);
            if (st == VAJRA_OK)
                st = ops->writer_commit(w, &err);
            else
                ops->writer_abort(w);
        }
        vajra_plugin_unref(sp);
    }
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    if (st != VAJRA_OK)
        return pyv_raise(&err);
    Py_RETURN_NONE;
}

/* Reads section "s0.<name>": the first segment of a collection file. */
static vajra_status find_in_segment0(void *self, const char *name, const void **data, size_t *len,
                                     VajraError *err)
{
    const VajraSectionReader *sr = self;
    char full[VAJRA_SECTION_NAME_MAX + 8];
    snprintf(full, sizeof full, "s0.%s", name);
    return sr->find(sr->self, full, data, len, err);
}

static vajra_status load_into(HnswObject *self, const char *path, int mmap, VajraError *err)
{
    self->storage = storage_plugin(mmap ? "storage-mmap" : "storage-file", err);
    if (self->storage == NULL)
        return err->code;
    const VajraStorageOps *ops = vajra_plugin_vtable(self->storage);
    vajra_status st = ops->open(vajra_plugin_state(self->storage), path, &self->container, err);
    if (st != VAJRA_OK)
        return st;
    const VajraSectionReader *sr = ops->container_sections(self->container);
    const void *data = NULL;
    size_t len = 0;
    VajraError nf = {0};
    if (sr->find(sr->self, "hnsw.meta", &data, &len, &nf) != VAJRA_OK &&
        sr->find(sr->self, "s0.hnsw.meta", &data, &len, &nf) == VAJRA_OK) {
        /* A collection file (format 2): its single segment's vector index. */
        if (sr->find(sr->self, "s1.hnsw.meta", &data, &len, &nf) == VAJRA_OK)
            return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                                   "%s: a collection of several segments (compact it first)",
                                   path);
        self->prefixed.self = (void *)sr;
        self->prefixed.find = find_in_segment0;
        sr = &self->prefixed;
    }
    st = self->vt->load(vajra_plugin_state(self->plugin), sr, &self->index, err);
    if (st != VAJRA_OK)
        return vajra_error_prefix(err, "%s", path);
    self->vt->params(self->index, &self->params);
    size_t count = self->vt->count(self->index);
    if (sr->find(sr->self, LABELS_SECTION, &data, &len, &nf) == VAJRA_OK) {
        if (len != count * sizeof(int64_t))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: section %s holds %zu bytes for %zu vectors", path,
                                   LABELS_SECTION, len, count);
        self->labels = malloc(len ? len : 1);
        if (self->labels == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
        memcpy(self->labels, data, len);
        self->labels_cap = count;
    }
    self->count = count;
    return VAJRA_OK;
}

static PyObject *hnsw_load(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"path", "mmap", "threads", NULL};
    PyObject *path = NULL, *threads_o = Py_None;
    int mmap = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&|$pO", kwlist, PyUnicode_FSConverter, &path,
                                     &mmap, &threads_o))
        return NULL;
    HnswObject *self = (HnswObject *)hnsw_new(type, NULL, NULL);
    if (self == NULL || pyv_threads_arg(threads_o, &self->threads) < 0 || load_plugin(self) < 0)
        goto fail;
    VajraError err = {0};
    vajra_status st;
    const char *p = PyBytes_AS_STRING(path);
    Py_BEGIN_ALLOW_THREADS
    st = load_into(self, p, mmap, &err);
    Py_END_ALLOW_THREADS
    if (st != VAJRA_OK) {
        pyv_raise(&err);
        goto fail;
    }
    Py_DECREF(path);
    return (PyObject *)self;
fail:
    Py_XDECREF(self);
    Py_DECREF(path);
    return NULL;
}

/* ---- small things ---- */

static Py_ssize_t hnsw_len(HnswObject *self)
{
    return (Py_ssize_t)self->count;
}

static PyObject *get_u32(HnswObject *self, void *field)
{
    if (self->index == NULL)
        return pyv_raise_code(VAJRA_ERR_STATE, "HNSWIndex is not initialised");
    return PyLong_FromUnsignedLong(*(uint32_t *)((char *)&self->params + (size_t)field));
}

static PyObject *get_metric(HnswObject *self, void *unused)
{
    (void)unused;
    if (ready(self) < 0)
        return NULL;
    return PyUnicode_FromString(pyv_metric_name(self->params.metric));
}

/* A key of the index's effective parameters (params_kv), e.g. "storage"; `dflt` when the plugin
 * reports none. */
static PyObject *get_kv(HnswObject *self, void *key)
{
    if (ready(self) < 0)
        return NULL;
    const char *value = NULL;
    VajraKeyValue kv[16];
    if (VAJRA_VECTOR_HAS(self->vt, 3, params_kv)) {
        size_t n = self->vt->params_kv(self->index, kv, 16);
        value = vajra_kv_get(kv, n < 16 ? n : 16, key);
    }
    if (strcmp(key, "rerank") == 0)
        return PyBool_FromLong(value != NULL && strcmp(value, "1") == 0);
    return PyUnicode_FromString(value ? value : "f32");
}

static PyObject *get_threads(HnswObject *self, void *unused)
{
    (void)unused;
    return PyLong_FromUnsignedLong(self->threads);
}

static PyObject *hnsw_repr(HnswObject *self)
{
    if (self->index == NULL)
        return PyUnicode_FromString("<vajra.HNSWIndex (uninitialised)>");
    return PyUnicode_FromFormat("<vajra.HNSWIndex dim=%u metric=%s M=%u ef_construction=%u "
                                "ef_search=%u len=%zu>",
                                self->params.dim, pyv_metric_name(self->params.metric),
                                self->params.M, self->params.ef_construction,
                                self->params.ef_search, self->count);
}

static PyMethodDef hnsw_methods[] = {
    {"add", (PyCFunction)(void (*)(void))hnsw_add, METH_VARARGS | METH_KEYWORDS,
     "add($self, vectors, ids=None)\n--\n\nInsert vectors (a 2-D array (n, dim), or one 1-D vector; "
     "float32 is used without a copy, float16/float64/integers are converted). `ids` (n "
     "integers) label them in search results; by default a vector's label is its insertion "
     "number. The whole batch is checked first (dimension, NaN/Inf, zero vectors under cosine): "
     "on error nothing is inserted. Builds on `threads` C threads with the GIL released; the "
     "graph is the same for any thread count. Exclusive: searches wait for it."},
    {"search", (PyCFunction)(void (*)(void))hnsw_search, METH_FASTCALL | METH_KEYWORDS,
     "search($self, queries, k=10, ef=None, *, threads=None, exact=False)\n--\n\nThe k nearest "
     "neighbours of each query row: returns (ids, scores), an int64 and a float32 array of "
     "shape (n, k) (shape (k,) for a 1-D query), best first; missing hits are id -1 and score "
     "-inf. Scores: inner product (ip), cosine (cosine) or minus the squared L2 distance (l2). "
     "`ef` is the beam width (default: the index's ef_search); exact=True scans every vector. A "
     "batch runs on `threads` C threads (default: every CPU) with the GIL released."},
    {"save", (PyCFunction)(void (*)(void))hnsw_save, METH_VARARGS | METH_KEYWORDS,
     "save($self, path)\n--\n\nWrite the index (and its ids) to one container file, atomically: "
     "after a crash `path` holds the old file or the new one."},
    {"load", (PyCFunction)(void (*)(void))hnsw_load, METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "load($type, path, *, mmap=True, threads=None)\n--\n\nOpen a saved index (also the vector side of "
     "a collection file). With mmap=True the file is mapped and searched in place (no copy). "
     "Raises vajra.NotFoundError, vajra.CorruptError, vajra.VersionError, ..."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef hnsw_getset[] = {
    {"dim", (getter)get_u32, NULL, "Vector dimension.",
     (void *)offsetof(VajraVectorParams, dim)},
    {"M", (getter)get_u32, NULL, "Links per node on the upper levels (2M on level 0).",
     (void *)offsetof(VajraVectorParams, M)},
    {"ef_construction", (getter)get_u32, NULL, "Beam width while inserting.",
     (void *)offsetof(VajraVectorParams, ef_construction)},
    {"ef_search", (getter)get_u32, NULL, "Default beam width of search.",
     (void *)offsetof(VajraVectorParams, ef_search)},
    {"metric", (getter)get_metric, NULL, "'ip', 'l2' or 'cosine'.", NULL},
    {"threads", (getter)get_threads, NULL, "Threads used by add.", NULL},
    {"storage", (getter)get_kv, NULL, "How rows are stored: 'auto', 'f32', 'f16' or 'sq8'.",
     (void *)"storage"},
    {"rerank", (getter)get_kv, NULL, "Whether f32 rows are kept to re-rank quantised searches.",
     (void *)"rerank"},
    {NULL, NULL, NULL, NULL, NULL}};

static PySequenceMethods hnsw_as_sequence = {.sq_length = (lenfunc)hnsw_len};

PyTypeObject PyvHNSWIndex_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "vajra.HNSWIndex",
    .tp_basicsize = sizeof(HnswObject),
    .tp_dealloc = (destructor)hnsw_dealloc,
    .tp_repr = (reprfunc)hnsw_repr,
    .tp_as_sequence = &hnsw_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "HNSWIndex(dim, metric='ip', profile='fast', *, M=None, ef_construction=None, "
              "ef_search=None, threads=None, seed=None, storage=None, rerank=False)\n--\n\n"
              "An HNSW vector index (the vector-hnsw plugin). `profile` ('quality', 'fast', "
              "'instant') sets M, ef_construction and ef_search, which the keywords override. "
              "`storage` None = 'auto' (rows kept as f16 while every value is exactly a binary16, "
              "else f32: never rounded), 'f32', or 'f16' / 'sq8' to quantise the rows (half / a "
              "quarter of the f32 bytes; the graph is built on exact distances); `rerank=True` "
              "also keeps f32 rows to re-score the final candidates (docs/vector.md, Quantised "
              "vectors). "
              "Thread-safe: searches run concurrently (each thread gets its own search scratch); "
              "add waits for running searches and they for it.",
    .tp_weaklistoffset = offsetof(HnswObject, weakrefs),
    .tp_methods = hnsw_methods,
    .tp_getset = hnsw_getset,
    .tp_init = (initproc)hnsw_init,
    .tp_new = hnsw_new,
};

int pyv_hnsw_init(PyObject *module)
{
    if (PyType_Ready(&PyvHNSWIndex_Type) < 0)
        return -1;
    return PyModule_AddObjectRef(module, "HNSWIndex", (PyObject *)&PyvHNSWIndex_Type);
}
