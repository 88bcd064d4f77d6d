/* The `vajra` CPython extension: shared declarations of its translation units.
 *
 * Locking rules (every object): the C work runs with the GIL released; a thread blocks on an
 * object's lock (pthread rwlock: readers search, the writer adds/commits/closes) only after it has
 * released the GIL, and may re-take the GIL while it holds the lock (to build result objects), so
 * no thread ever waits for a lock while holding the GIL and lock order is always lock → GIL.
 */
#ifndef PYVAJRA_INTERNAL_H
#define PYVAJRA_INTERNAL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL pyvajra_ARRAY_API
#ifndef PYVAJRA_MODULE_C
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include <pthread.h>
#include <stdint.h>

#include "vajra/vajra.h"

/* ---- module.c ---- */

/* The process-wide registry (created at import from the search path _config.py computes; it
 * lives until the process ends, so plugin code stays mapped for every object). */
extern VajraRegistry *pyv_registry;

/* ---- errors.c ---- */

extern PyObject *pyv_Error; /* vajra.Error */
int pyv_errors_init(PyObject *module);
/* Raise the vajra.Error subclass of err->code with err's message. Returns NULL. */
PyObject *pyv_raise(const VajraError *err);
/* Raise the subclass of `code` with a formatted message. Returns NULL. */
PyObject *pyv_raise_code(vajra_status code, const char *fmt, ...);

/* ---- arrays.c: argument conversion ---- */

/* Rows of float32 vectors taken from a Python object: `arr` owns the memory (a new reference:
 * `obj` itself when it is already float32, C-contiguous and aligned, so no copy; else a
 * converted copy), `data` is row-major rows x dim. */
typedef struct PyvRows {
    PyArrayObject *arr;
    const float *data;
    size_t rows;
    uint32_t dim;
    int was_1d; /* a 1-D input: one row */
} PyvRows;

/* Fill *out from a 2-D array (rows, dim) or one 1-D vector. float16, float64 and integer arrays
 * (and nested sequences) are converted; strings, objects and complex numbers are TypeError; other
 * shapes, or `dim` > 0 columns mismatched, are vajra.DimensionError. Returns 0, or -1 with an
 * exception set (out->arr NULL). Release with Py_XDECREF(out->arr). */
int pyv_f32_rows(PyObject *obj, const char *what, uint32_t dim, PyvRows *out);
/* Vectorcall argument parsing for hot methods: slots[i] gets the argument named names[i]
 * (NULL-terminated list) or stays NULL (the caller zeroes slots). The first `required` are
 * required; at most `max_positional` may be positional, the rest are keyword-only.
 * Returns 0 or -1 with TypeError set. */
int pyv_fast_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  const char *const *names, int required, int max_positional, PyObject **slots);
/* An "O&" converter: PyUnicode_FSConverter that also takes None (→ NULL). */
int pyv_fs_path_or_none(PyObject *obj, void *out);
/* An optional non-negative integer argument: None → *out = dflt. 0 allowed only if allow_zero.
 * Returns 0 or -1 with ValueError/TypeError set. */
int pyv_opt_u32(PyObject *obj, const char *what, uint32_t dflt, int allow_zero, uint32_t *out);
/* A str argument as UTF-8 (borrowed from obj); NUL inside is ValueError. NULL on error. */
const char *pyv_utf8(PyObject *obj, const char *what);
/* One of `names` (NULL-terminated); returns its index or -1 with ValueError/TypeError set. */
int pyv_choice(PyObject *obj, const char *what, const char *const *names);
/* "ip" | "l2" | "cosine" → VajraMetric; 0 with an exception set on error. */
uint32_t pyv_metric(PyObject *obj);
const char *pyv_metric_name(uint32_t metric);

/* ---- parallel.c: a pool of per-thread scratch objects, and a parallel loop ---- */

typedef struct PyvPool {
    pthread_mutex_t lock;
    void **items;
    size_t count, capacity;
} PyvPool;

void pyv_pool_init(PyvPool *p);
/* Take a pooled item, or NULL when the pool is empty. Thread-safe. */
void *pyv_pool_take(PyvPool *p);
/* Give an item back; when the pool is full (or cannot grow) free_fn(item) runs instead. */
void pyv_pool_give(PyvPool *p, void *item, void (*free_fn)(void *));
/* Free every pooled item and the pool's array. No concurrent users. */
void pyv_pool_destroy(PyvPool *p, void (*free_fn)(void *));

/* Run task(ctx, worker, i) for i in [0, n) on `threads` threads (the calling one included), each
 * thread with its own worker from worker_get (returned with worker_put). Stops at the first error:
 * *err gets the error of the lowest failing index and *failed_at that index. Call without the
 * GIL. Returns VAJRA_OK or the error's code. */
typedef struct PyvWork {
    void *ctx;
    vajra_status (*worker_get)(void *ctx, void **worker, VajraError *err);
    void (*worker_put)(void *ctx, void *worker);
    vajra_status (*task)(void *ctx, void *worker, size_t i, VajraError *err);
} PyvWork;
vajra_status pyv_parallel_for(const PyvWork *work, size_t n, unsigned threads, size_t *failed_at,
                              VajraError *err);
/* The CPUs this process may run on (sched_getaffinity at import), at least 1. */
unsigned pyv_cpu_count(void);
void pyv_cpu_count_init(void);
/* A `threads` argument: None or 0 → every CPU; a positive int → itself (capped at 1024). */
int pyv_threads_arg(PyObject *obj, unsigned *out);

/* ---- collection.c ---- */

typedef struct PyvCollection {
    PyObject_HEAD
    VajraCollection *c;     /* NULL once closed */
    pthread_rwlock_t lock;  /* write: close; read: everything else (libvajra serialises writers
                             * itself and never makes searches wait for them) */
    PyvPool searchers;      /* VajraSearcher*, reused across calls and threads */
    char *path;             /* create(path=...): commit saves here; NULL otherwise */
    int read_only;          /* opened without writable=True */
    PyObject *weakrefs;
} PyvCollection;

extern PyTypeObject PyvCollection_Type;
extern PyTypeObject *PyvHit_Type;
int pyv_collection_init(PyObject *module);

/* The search options shared by search, search_batch and evaluate, parsed into a request
 * template (text and vector left NULL; `filter` a filter-expression str or None, parsed here:
 * vajra.InvalidArgumentError names the column of a syntax error). Returns 0 (release the
 * request with pyv_request_release) or -1 with an exception set and nothing to release. */
int pyv_search_options(PyObject *mode, PyObject *k, PyObject *ef, int exact, PyObject *depth,
                       PyObject *fusion, double rrf_k, double weight, PyObject *filter,
                       int with_attrs, VajraSearchRequest *req);
/* Free what pyv_search_options allocated (the parsed filter). */
void pyv_request_release(VajraSearchRequest *req);
/* Run n requests (vajra_searcher_search) on `threads` threads with the GIL released, and leave
 * the collection's read lock HELD on success: the caller converts the results to Python objects,
 * clears them (vajra_results_clear: they pin a snapshot of the collection), then calls
 * pyv_collection_unlock. On failure the lock is released, an exception is set and -1 returned
 * (the failing query's index is in the message). */
int pyv_collection_run(PyvCollection *self, const VajraSearchRequest *reqs, size_t n,
                       VajraResults *results, unsigned threads);
void pyv_collection_unlock(PyvCollection *self);

/* ---- evaluate.c ---- */
PyObject *pyv_collection_evaluate(PyvCollection *self, PyObject *args, PyObject *kwargs);

/* ---- hnsw.c ---- */
extern PyTypeObject PyvHNSWIndex_Type;
int pyv_hnsw_init(PyObject *module);

#endif /* PYVAJRA_INTERNAL_H */
