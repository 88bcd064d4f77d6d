/* vector-flat — the plugin descriptor and its vtable (vajra/vector.h, version 3).
 *
 * Parameters (create_kv): storage = f32 (default) | f16. No profiles, no graph, no search knob:
 * `ef` is ignored and every search is exact. The distance kernel arrives at init and every index
 * made through this plugin state computes with it.
 */
#include <stdlib.h>

#include "flat_index.h"
#include "vajra/plugin.h"

typedef struct FlatPluginState {
    const VajraKernelOps *kernel;
} FlatPluginState;

static vajra_status v_create_kv(void *state, uint32_t dim, VajraMetric metric,
                                const VajraKeyValue *kv, size_t n, VajraVectorIndex **out,
                                VajraError *err)
{
    const FlatPluginState *ps = state;
    if (ps == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat: no plugin state");
    return flat_create(ps->kernel, dim, metric, kv, n, out, err);
}

static size_t v_count(const VajraVectorIndex *x)
{
    return x ? x->count : 0;
}

static void v_params(const VajraVectorIndex *x, VajraVectorParams *out)
{
    if (x == NULL || out == NULL)
        return;
    *out = (VajraVectorParams){.struct_size = sizeof *out, .dim = x->dim, .metric = x->metric};
}

static size_t v_params_kv(const VajraVectorIndex *x, VajraKeyValue *out, size_t cap)
{
    if (out != NULL && cap > 0)
        out[0] = x->kv[0];
    return 1;
}

static vajra_status v_load(void *state, const VajraSectionReader *r, VajraVectorIndex **out,
                           VajraError *err)
{
    const FlatPluginState *ps = state;
    if (ps == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat: no plugin state");
    return flat_load(ps->kernel, r, out, err);
}

static const VajraVectorVtable vtable = {
    .version = VAJRA_VECTOR_VTABLE_VERSION,
    .profile = NULL,
    .create = NULL,
    .destroy = flat_free,
    .add = flat_add,
    .count = v_count,
    .params = v_params,
    .search_new = flat_search_new,
    .search_free = flat_search_free,
    .search = flat_search,
    .search_exact = flat_search_exact,
    .save = flat_save,
    .load = v_load,
    .graph = NULL,
    .search_filtered = flat_search_filtered,
    .create_kv = v_create_kv,
    .params_kv = v_params_kv,
    .interface = NULL,
    .get_vector = flat_get_vector,
};

static vajra_status p_init(const VajraHost *host, void **state, VajraError *err)
{
    if (host == NULL || host->kernel == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-flat: the host gave no distance kernel");
    FlatPluginState *ps = calloc(1, sizeof *ps);
    if (ps == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat: out of memory");
    ps->kernel = host->kernel;
    *state = ps;
    return VAJRA_OK;
}

static void p_fini(void *state)
{
    free(state);
}

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_VECTOR,
    .name = "vector-flat",
    .version = "1.0.0",
    .description = "exact vector search (a scan through the SIMD kernel; f32 or f16 rows)",
    .required_cpu = 0,
    .init = p_init,
    .fini = p_fini,
    .vtable = &vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
