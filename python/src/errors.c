/* vajra.Error and one subclass per vajra_status, carrying the C library's message. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

PyObject *pyv_Error;

typedef struct ErrorClass {
    vajra_status code;
    const char *name;   /* attribute name in the module */
    const char *doc;
    PyObject **builtin; /* a standard exception it also derives from, or NULL */
    PyObject *type;
} ErrorClass;

static ErrorClass classes[] = {
    {VAJRA_ERR_INVALID_ARGUMENT, "InvalidArgumentError", "A bad parameter (also a ValueError).",
     &PyExc_ValueError, NULL},
    {VAJRA_ERR_NO_MEMORY, "NoMemoryError", "An allocation failed (also a MemoryError).",
     &PyExc_MemoryError, NULL},
    {VAJRA_ERR_TYPE_MISMATCH, "TypeMismatchError", "Morphisms whose types do not meet.", NULL,
     NULL},
    {VAJRA_ERR_NOT_FOUND, "NotFoundError",
     "A file, plugin, profile or document id is absent (also a LookupError).", &PyExc_LookupError,
     NULL},
    {VAJRA_ERR_IO, "IOFailureError", "A read, write, fsync or rename failed.", NULL, NULL},
    {VAJRA_ERR_PLUGIN_LOAD, "PluginLoadError", "A plugin could not be loaded.", NULL, NULL},
    {VAJRA_ERR_ABI_MISMATCH, "ABIMismatchError", "A plugin was built for another ABI.", NULL,
     NULL},
    {VAJRA_ERR_UNSUPPORTED, "UnsupportedError", "An optional operation is not available.", NULL,
     NULL},
    {VAJRA_ERR_CORRUPT, "CorruptError", "A file failed validation.", NULL, NULL},
    {VAJRA_ERR_VERSION, "VersionError", "A file written by a newer, incompatible version.", NULL,
     NULL},
    {VAJRA_ERR_STEP_LIMIT, "StepLimitError", "An unfold hit its step limit.", NULL, NULL},
    {VAJRA_ERR_DUPLICATE, "DuplicateError", "A duplicate document id (also a ValueError).",
     &PyExc_ValueError, NULL},
    {VAJRA_ERR_ENCODING, "EncodingError", "Invalid UTF-8 or a malformed record (also a ValueError).",
     &PyExc_ValueError, NULL},
    {VAJRA_ERR_DIMENSION, "DimensionError", "A vector of the wrong dimension (also a ValueError).",
     &PyExc_ValueError, NULL},
    {VAJRA_ERR_CPU_UNSUPPORTED, "CPUUnsupportedError", "The CPU lacks features a plugin needs.",
     NULL, NULL},
    {VAJRA_ERR_BAD_VALUE, "BadValueError",
     "NaN/Inf, a zero vector under cosine, an out-of-range value (also a ValueError).",
     &PyExc_ValueError, NULL},
    {VAJRA_ERR_STATE, "StateError",
     "The object is in the wrong state (closed, read-only, uncommitted).", NULL, NULL},
    {VAJRA_ERR_INTERNAL, "InternalError", "A broken invariant inside Vajra: please report it.",
     NULL, NULL},
    {VAJRA_ERR_BUSY, "BusyError", "Another writer holds the collection.", NULL, NULL},
};

int pyv_errors_init(PyObject *module)
{
    pyv_Error = PyErr_NewExceptionWithDoc(
        "vajra.Error",
        "Base class of every error the Vajra library reports. `code` is the C status (a "
        "negative int), `status` its name (e.g. 'VAJRA_ERR_CORRUPT'); str(e) is the C message.",
        NULL, NULL);
    if (pyv_Error == NULL || PyModule_AddObjectRef(module, "Error", pyv_Error) < 0)
        return -1;
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        ErrorClass *e = &classes[i];
        char qual[64];
        snprintf(qual, sizeof qual, "vajra.%s", e->name);
        PyObject *bases = e->builtin ? PyTuple_Pack(2, pyv_Error, *e->builtin)
                                     : PyTuple_Pack(1, pyv_Error);
        if (bases == NULL)
            return -1;
        e->type = PyErr_NewExceptionWithDoc(qual, e->doc, bases, NULL);
        Py_DECREF(bases);
        if (e->type == NULL || PyModule_AddObjectRef(module, e->name, e->type) < 0)
            return -1;
    }
    return 0;
}

static PyObject *class_of(vajra_status code)
{
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (classes[i].code == code)
            return classes[i].type;
    return pyv_Error;
}

static PyObject *raise_message(vajra_status code, const char *message)
{
    PyObject *type = class_of(code);
    PyObject *exc = PyObject_CallFunction(type, "s", message[0] ? message : vajra_strerror(code));
    if (exc == NULL)
        return NULL;
    PyObject *c = PyLong_FromLong((long)code);
    PyObject *name = PyUnicode_FromString(vajra_strerror(code));
    int bad = c == NULL || name == NULL || PyObject_SetAttrString(exc, "code", c) < 0 ||
              PyObject_SetAttrString(exc, "status", name) < 0;
    Py_XDECREF(c);
    Py_XDECREF(name);
    if (bad) {
        Py_DECREF(exc);
        return NULL;
    }
    PyErr_SetObject(type, exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *pyv_raise(const VajraError *err)
{
    return raise_message(err->code, err->message);
}

PyObject *pyv_raise_code(vajra_status code, const char *fmt, ...)
{
    char msg[VAJRA_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return raise_message(code, msg);
}
