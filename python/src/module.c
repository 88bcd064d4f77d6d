/* The `vajra._vajra` extension module: types, errors, and the process-wide plugin registry. */
#define PYVAJRA_MODULE_C
#include "internal.h"

VajraRegistry *pyv_registry;

static PyObject *init_registry(PyObject *module, PyObject *arg)
{
    (void)module;
    if (pyv_registry != NULL)
        Py_RETURN_NONE; /* once per process: plugins stay loaded for every object */
    const char *path = NULL;
    if (arg != Py_None && (path = pyv_utf8(arg, "search path")) == NULL)
        return NULL;
    VajraRegistryOptions o = {.struct_size = sizeof o, .search_path = path};
    VajraError err = {0};
    if (vajra_registry_new(&o, &pyv_registry, &err) != VAJRA_OK)
        return pyv_raise(&err);
    Py_RETURN_NONE;
}

static PyObject *search_path(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyUnicode_FromString(vajra_registry_search_path(pyv_registry));
}

static PyObject *kernel(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    const VajraKernelOps *ops = NULL;
    VajraError err = {0};
    if (vajra_registry_kernel(pyv_registry, &ops, NULL, &err) != VAJRA_OK)
        return pyv_raise(&err);
    return PyUnicode_FromString(ops->isa);
}

static PyObject *install_dir(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyUnicode_FromString(vajra_plugin_install_dir());
}

static PyMethodDef module_methods[] = {
    {"_init_registry", init_registry, METH_O,
     "_init_registry(search_path)\n--\n\nCreate the process-wide plugin registry (internal; "
     "vajra/__init__.py calls it once)."},
    {"plugin_search_path", search_path, METH_NOARGS,
     "plugin_search_path()\n--\n\nThe directories searched for plugins, colon-joined."},
    {"kernel", kernel, METH_NOARGS,
     "kernel()\n--\n\nThe distance kernel in use: 'avx512', 'avx2', 'neon' or 'scalar'."},
    {"plugin_install_dir", install_dir, METH_NOARGS,
     "plugin_install_dir()\n--\n\nThe plugin directory compiled into libvajra-core."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "vajra._vajra",
    "The C extension behind the `vajra` package (import `vajra`, not this).", -1,
    module_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__vajra(void)
{
    import_array();
    pyv_cpu_count_init();
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL)
        return NULL;
    if (pyv_errors_init(m) < 0 || pyv_hnsw_init(m) < 0 || pyv_collection_init(m) < 0 ||
        PyModule_AddStringConstant(m, "__version__", vajra_version()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
