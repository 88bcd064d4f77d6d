/* Collection.evaluate: the numbers `vajra eval --json` prints, from Python. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Queries: ids and texts (borrowed from `set` or from Python strings kept alive by `keep`). */
typedef struct Queries {
    VajraDocSet *set;
    PyObject *keep;
    const char **ids;
    char **texts; /* owned */
    size_t n;
} Queries;

static void queries_clear(Queries *q)
{
    for (size_t i = 0; q->texts && i < q->n; i++)
        free(q->texts[i]);
    free(q->texts);
    free(q->ids);
    vajra_docset_free(q->set);
    Py_XDECREF(q->keep);
    memset(q, 0, sizeof *q);
}

static int queries_alloc(Queries *q, size_t n)
{
    q->n = n;
    q->ids = calloc(n ? n : 1, sizeof *q->ids);
    q->texts = calloc(n ? n : 1, sizeof *q->texts);
    if (q->ids == NULL || q->texts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* The CLI's query text: title and text joined by a space (either may be absent). */
static char *join(const char *t, const char *x)
{
    t = t ? t : "";
    x = x ? x : "";
    size_t n = strlen(t) + strlen(x) + 2;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s%s%s", t, t[0] && x[0] ? " " : "", x);
    return s;
}

static int is_path(PyObject *o)
{
    return PyUnicode_Check(o) || PyBytes_Check(o) || PyObject_HasAttrString(o, "__fspath__");
}

static int read_queries(PyObject *obj, Queries *q)
{
    if (is_path(obj)) {
        PyObject *path = NULL;
        if (!PyUnicode_FSConverter(obj, &path))
            return -1;
        VajraError err = {0};
        vajra_status st;
        const char *p = PyBytes_AS_STRING(path);
        Py_BEGIN_ALLOW_THREADS
        st = vajra_docset_read_jsonl(p, NULL, &q->set, &err);
        Py_END_ALLOW_THREADS
        Py_DECREF(path);
        if (st != VAJRA_OK) {
            pyv_raise(&err);
            return -1;
        }
        if (queries_alloc(q, vajra_docset_count(q->set)) < 0)
            return -1;
        for (size_t i = 0; i < q->n; i++) {
            const VajraDocument *d = vajra_docset_doc(q->set, i);
            q->ids[i] = d->id;
            if ((q->texts[i] = join(d->title, d->text)) == NULL) {
                PyErr_NoMemory();
                return -1;
            }
        }
        return 0;
    }
    /* A dict {id: text} or an iterable of (id, text) pairs. */
    PyObject *items = PyDict_Check(obj) ? PyDict_Items(obj) : PySequence_List(obj);
    if (items == NULL)
        return -1;
    q->keep = items;
    if (queries_alloc(q, (size_t)PyList_GET_SIZE(items)) < 0)
        return -1;
    for (size_t i = 0; i < q->n; i++) {
        PyObject *pair = PyList_GET_ITEM(items, (Py_ssize_t)i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError,
                            "queries must be a path, a dict {id: text} or (id, text) pairs");
            return -1;
        }
        const char *text;
        if ((q->ids[i] = pyv_utf8(PyTuple_GET_ITEM(pair, 0), "query id")) == NULL ||
            (text = pyv_utf8(PyTuple_GET_ITEM(pair, 1), "query text")) == NULL)
            return -1;
        if ((q->texts[i] = strdup(text)) == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

static VajraQrels *read_qrels(PyObject *obj)
{
    VajraQrels *qrels = NULL;
    VajraError err = {0};
    if (is_path(obj)) {
        PyObject *path = NULL;
        if (!PyUnicode_FSConverter(obj, &path))
            return NULL;
        vajra_status st = vajra_qrels_read(PyBytes_AS_STRING(path), &qrels, &err);
        Py_DECREF(path);
        if (st != VAJRA_OK)
            pyv_raise(&err);
        return qrels;
    }
    if (!PyDict_Check(obj)) {
        PyErr_SetString(PyExc_TypeError,
                        "qrels must be a path or a dict {query_id: {doc_id: grade}}");
        return NULL;
    }
    if (vajra_qrels_new(&qrels, &err) != VAJRA_OK) {
        pyv_raise(&err);
        return NULL;
    }
    PyObject *qid, *docs;
    Py_ssize_t pos = 0;
    while (PyDict_Next(obj, &pos, &qid, &docs)) {
        const char *q = pyv_utf8(qid, "qrels query id");
        if (q == NULL)
            goto fail;
        if (!PyDict_Check(docs)) {
            PyErr_SetString(PyExc_TypeError, "qrels[query] must be a dict {doc_id: grade}");
            goto fail;
        }
        PyObject *did, *grade;
        Py_ssize_t p2 = 0;
        while (PyDict_Next(docs, &p2, &did, &grade)) {
            const char *d = pyv_utf8(did, "qrels document id");
            if (d == NULL)
                goto fail;
            int overflow = 0;
            long g = PyLong_Check(grade) ? PyLong_AsLongAndOverflow(grade, &overflow) : -1;
            if (!PyLong_Check(grade) || overflow || g < -1000000 || g > 1000000) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "qrels grades must be small ints");
                goto fail;
            }
            if (vajra_qrels_add(qrels, q, d, (int)g, &err) != VAJRA_OK) {
                pyv_raise(&err);
                goto fail;
            }
        }
    }
    return qrels;
fail:
    vajra_qrels_free(qrels);
    return NULL;
}

static const char *const eval_modes[] = {"lexical", "vector", "hybrid", "all", NULL};

static PyObject *summary_dict(const char *mode, const VajraEvalSummary *s)
{
    return Py_BuildValue("{s:s,s:d,s:d,s:d,s:d,s:d,s:n}", "mode", mode, "ndcg@10",
                         s->mean.ndcg_at_10, "ndcg@10_exp", s->mean.ndcg_at_10_exp,
                         "recall@100", s->mean.recall_at_100, "mrr@10", s->mean.mrr_at_10, "map",
                         s->mean.map, "queries", (Py_ssize_t)s->judged_queries);
}

/* One mode: search every query (in parallel), then add the rankings in query order. */
static PyObject *eval_mode(PyvCollection *self, const Queries *q, const VajraQrels *qrels,
                           const PyvRows *vec, const VajraSearchRequest *tmpl, unsigned threads,
                           const char *name)
{
    PyObject *out = NULL;
    VajraSearchRequest *reqs = malloc((q->n ? q->n : 1) * sizeof *reqs);
    VajraResults *results = calloc(q->n ? q->n : 1, sizeof *results);
    const char **ids = NULL;
    size_t max = 0;
    VajraEval *ev = NULL;
    VajraError err = {0};
    if (reqs == NULL || results == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    for (size_t i = 0; i < q->n; i++) {
        reqs[i] = *tmpl;
        if (tmpl->mode != VAJRA_MODE_VECTOR || vec->arr == NULL) /* no vectors: embedded */
            reqs[i].text = q->texts[i];
        if (tmpl->mode != VAJRA_MODE_LEXICAL && vec->arr != NULL) {
            reqs[i].dim = vec->dim;
            reqs[i].vector = vec->data + i * vec->dim;
        }
    }
    if (pyv_collection_run(self, reqs, q->n, results, threads) < 0)
        goto out;
    vajra_status st = vajra_eval_new(qrels, &ev, &err);
    for (size_t i = 0; i < q->n && st == VAJRA_OK; i++)
        if (results[i].count > max)
            max = results[i].count;
    ids = malloc((max ? max : 1) * sizeof *ids);
    if (ids == NULL && st == VAJRA_OK)
        st = vajra_error_set(&err, VAJRA_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < q->n && st == VAJRA_OK; i++) {
        for (size_t h = 0; h < results[i].count; h++)
            ids[h] = results[i].items[h].id;
        st = vajra_eval_add(ev, q->ids[i], ids, results[i].count, NULL, &err);
        if (st != VAJRA_OK)
            vajra_error_prefix(&err, "query %s", q->ids[i]);
    }
    for (size_t i = 0; i < q->n; i++)
        vajra_results_clear(&results[i]); /* before unlocking: each unpins a snapshot */
    pyv_collection_unlock(self);
    if (st != VAJRA_OK) {
        pyv_raise(&err);
        goto out;
    }
    VajraEvalSummary sum;
    vajra_eval_summary(ev, &sum);
    out = summary_dict(name, &sum);
out:
    vajra_eval_free(ev);
    free(ids);
    free(results);
    free(reqs);
    return out;
}

PyObject *pyv_collection_evaluate(PyvCollection *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"queries", "qrels", "vectors", "mode", "k", "depth", "ef", "exact",
                             "fusion", "rrf_k", "weight", "threads", "filter", NULL};
    PyObject *q_o, *qrels_o, *vec_o = Py_None, *mode_o = NULL, *k_o = Py_None,
                             *depth_o = Py_None, *ef_o = Py_None, *fusion_o = NULL,
                             *threads_o = Py_None, *filter_o = Py_None;
    double rrf_k = VAJRA_RRF_K_DEFAULT, weight = 0.5;
    int exact = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|O$OOOOpOddOO", kwlist, &q_o, &qrels_o,
                                     &vec_o, &mode_o, &k_o, &depth_o, &ef_o, &exact, &fusion_o,
                                     &rrf_k, &weight, &threads_o, &filter_o))
        return NULL;
    int mode = 0;
    uint32_t k = 1000;
    unsigned threads;
    if ((mode_o != NULL && (mode = pyv_choice(mode_o, "mode", eval_modes)) < 0) ||
        pyv_opt_u32(k_o, "k", 1000, 0, &k) < 0 || pyv_threads_arg(threads_o, &threads) < 0)
        return NULL;
    if (k < 100) {
        PyErr_SetString(PyExc_ValueError, "k must be at least 100 (recall@100)");
        return NULL;
    }
    /* The CLI's defaults: candidates per side and beam width as deep as the ranking scored. */
    VajraSearchRequest tmpl;
    PyObject *k_val = PyLong_FromUnsignedLong(k);
    if (k_val == NULL)
        return NULL;
    int bad = pyv_search_options(NULL, k_val, ef_o == Py_None ? k_val : ef_o, exact,
                                 depth_o == Py_None ? k_val : depth_o, fusion_o, rrf_k, weight,
                                 filter_o, 0, &tmpl);
    Py_DECREF(k_val);
    if (bad)
        return NULL;
    /* Without query vectors, a collection with an embedder embeds the query texts. */
    int has_vec = vec_o != Py_None ||
                  (self->c != NULL && vajra_collection_embedder(self->c, NULL) != NULL);
    int want[3] = {mode == 0 || mode == 3, mode == 1 || (mode == 3 && has_vec),
                   mode == 2 || (mode == 3 && has_vec)};
    if ((mode == 1 || mode == 2) && !has_vec) {
        pyv_request_release(&tmpl);
        PyErr_Format(PyExc_ValueError, "mode=%R needs query vectors", mode_o);
        return NULL;
    }
    Queries q = {0};
    VajraQrels *qrels = NULL;
    PyvRows vec = {0};
    PyObject *result = NULL, *list = NULL;
    if (read_queries(q_o, &q) < 0 || (qrels = read_qrels(qrels_o)) == NULL)
        goto out;
    if (vec_o != Py_None) {
        if (pyv_f32_rows(vec_o, "vectors", 0, &vec) < 0)
            goto out;
        if (vec.rows != q.n) {
            PyErr_Format(PyExc_ValueError, "%zu vectors for %zu queries (row i is query i)",
                         vec.rows, q.n);
            goto out;
        }
    }
    list = mode == 3 ? PyList_New(0) : NULL;
    if (mode == 3 && list == NULL)
        goto out;
    static const char *const names[3] = {"lexical", "vector", "hybrid"};
    static const uint32_t modes[3] = {VAJRA_MODE_LEXICAL, VAJRA_MODE_VECTOR, VAJRA_MODE_HYBRID};
    for (int m = 0; m < 3; m++) {
        if (!want[m])
            continue;
        tmpl.mode = modes[m];
        PyObject *d = eval_mode(self, &q, qrels, &vec, &tmpl, threads, names[m]);
        if (d == NULL)
            goto out;
        if (list == NULL) {
            result = d;
            break;
        }
        int r = PyList_Append(list, d);
        Py_DECREF(d);
        if (r < 0)
            goto out;
    }
    if (list != NULL)
        result = Py_NewRef(list);
out:
    Py_XDECREF(list);
    Py_XDECREF(vec.arr);
    pyv_request_release(&tmpl);
    vajra_qrels_free(qrels);
    queries_clear(&q);
    return result;
}
