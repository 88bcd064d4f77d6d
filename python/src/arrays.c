/* Argument conversion: numpy arrays in, small scalars and names. */
#include <string.h>

#include "internal.h"

static int shape_ok(PyArrayObject *a, const char *what, uint32_t dim, PyvRows *out)
{
    int nd = PyArray_NDIM(a);
    if (nd != 1 && nd != 2) {
        pyv_raise_code(VAJRA_ERR_DIMENSION,
                       "%s: expected a 1-D vector or a 2-D array (rows, dim), got %d dimensions",
                       what, nd);
        return -1;
    }
    npy_intp cols = PyArray_DIM(a, nd - 1), rows = nd == 2 ? PyArray_DIM(a, 0) : 1;
    if ((dim > 0 && cols != (npy_intp)dim) || cols == 0 || cols > 65536) {
        pyv_raise_code(VAJRA_ERR_DIMENSION, "%s: vectors have dimension %ld, expected %u", what,
                       (long)cols, dim);
        return -1;
    }
    if (rows > (npy_intp)UINT32_MAX) {
        PyErr_Format(PyExc_ValueError, "%s: too many rows", what);
        return -1;
    }
    out->rows = (size_t)rows;
    out->dim = (uint32_t)cols;
    out->was_1d = nd == 1;
    return 0;
}

int pyv_f32_rows(PyObject *obj, const char *what, uint32_t dim, PyvRows *out)
{
    memset(out, 0, sizeof *out);
    if (obj == NULL || obj == Py_None) {
        PyErr_Format(PyExc_TypeError, "%s: expected an array of vectors, not None", what);
        return -1;
    }
    PyArrayObject *arr = NULL;
    if (PyArray_Check(obj) && PyArray_TYPE((PyArrayObject *)obj) == NPY_FLOAT32 &&
        PyArray_ISCARRAY_RO((PyArrayObject *)obj) && PyArray_ISNOTSWAPPED((PyArrayObject *)obj)) {
        arr = (PyArrayObject *)Py_NewRef(obj); /* zero copy */
    } else {
        /* See what it is before converting, so strings, objects and complex numbers are a
         * TypeError rather than a silent cast. */
        PyArrayObject *raw = (PyArrayObject *)PyArray_FROM_O(obj);
        if (raw == NULL)
            return -1;
        char kind = PyArray_DESCR(raw)->kind;
        if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') {
            PyErr_Format(PyExc_TypeError, "%s: expected real numbers, got an array of dtype %S",
                         what, (PyObject *)PyArray_DESCR(raw));
            Py_DECREF(raw);
            return -1;
        }
        arr = (PyArrayObject *)PyArray_FROM_OTF((PyObject *)raw, NPY_FLOAT32,
                                                NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
        Py_DECREF(raw);
        if (arr == NULL)
            return -1;
    }
    if (shape_ok(arr, what, dim, out) < 0) {
        Py_DECREF(arr);
        return -1;
    }
    out->arr = arr;
    out->data = PyArray_DATA(arr);
    return 0;
}

int pyv_opt_u32(PyObject *obj, const char *what, uint32_t dflt, int allow_zero, uint32_t *out)
{
    if (obj == NULL || obj == Py_None) {
        *out = dflt;
        return 0;
    }
    if (!PyLong_Check(obj) || PyBool_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int, not %.80s", what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow || v < (allow_zero ? 0 : 1) || v > (long long)UINT32_MAX - 1) {
        PyErr_Format(PyExc_ValueError, "%s must be %s integer below 2**32 - 1", what,
                     allow_zero ? "a non-negative" : "a positive");
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

const char *pyv_utf8(PyObject *obj, const char *what)
{
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, not %.80s", what, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    Py_ssize_t len = 0;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
    if (s == NULL)
        return NULL;
    if ((size_t)len != strlen(s)) {
        PyErr_Format(PyExc_ValueError, "%s contains a NUL character", what);
        return NULL;
    }
    return s;
}

int pyv_choice(PyObject *obj, const char *what, const char *const *names)
{
    const char *s = pyv_utf8(obj, what);
    if (s == NULL)
        return -1;
    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    char list[128] = "";
    for (int i = 0; names[i] != NULL; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
    }
    PyErr_Format(PyExc_ValueError, "%s must be one of %s, not %R", what, list, obj);
    return -1;
}

static const char *const metric_names[] = {"l2", "ip", "cosine", NULL}; /* VajraMetric - 1 */

uint32_t pyv_metric(PyObject *obj)
{
    int i = pyv_choice(obj, "metric", metric_names);
    return i < 0 ? 0 : (uint32_t)i + 1;
}

const char *pyv_metric_name(uint32_t metric)
{
    return metric >= 1 && metric <= 3 ? metric_names[metric - 1] : "none";
}

int pyv_fast_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  const char *const *names, int required, int max_positional, PyObject **slots)
{
    if (nargs > max_positional) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional arguments (%zd given)",
                     fname, max_positional, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++)
        slots[i] = args[i];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t j = 0; j < nkw; j++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, j);
        int found = -1;
        for (int i = 0; names[i] != NULL && found < 0; i++)
            if (PyUnicode_CompareWithASCIIString(name, names[i]) == 0)
                found = i;
        if (found < 0) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname,
                         name);
            return -1;
        }
        if (slots[found] != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%U'", fname,
                         name);
            return -1;
        }
        slots[found] = args[nargs + j];
    }
    for (int i = 0; i < required; i++)
        if (slots[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, names[i]);
            return -1;
        }
    return 0;
}

int pyv_fs_path_or_none(PyObject *obj, void *out)
{
    if (obj == Py_None) {
        *(PyObject **)out = NULL;
        return 1;
    }
    return PyUnicode_FSConverter(obj, out);
}
