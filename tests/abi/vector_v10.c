/* "vector-v10": a vector plugin built against the ABI 1.0 headers (tests/abi/include-1.0): the
 * version-1 vector vtable (no search_filtered) and no graph accessor (an optional slot left
 * NULL). Every search is an exact scan with the host's distance kernel (what vector-hnsw's
 * search_exact uses), so its hits equal vector-hnsw's exact ones. Inner product and L2 only;
 * no persistence. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vajra/plugin.h"
#include "vajra/vector.h"

#if VAJRA_ABI_MINOR != 0 || VAJRA_VECTOR_VTABLE_VERSION != 1
#error "vector_v10.c must be built against tests/abi/include-1.0"
#endif

struct VajraVectorIndex {
    VajraVectorParams params;
    const VajraKernelOps *kernel;
    GArray *data; /* float, count × dim */
};

struct VajraVectorSearch {
    int unused;
};

static vajra_status v_init(const VajraHost *host, void **state, VajraError *err)
{
    if (host == NULL || host->struct_size < sizeof *host || host->kernel == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-v10: no kernel");
    *state = (void *)host->kernel;
    return VAJRA_OK;
}

static vajra_status v_profile(const char *name, uint32_t dim, VajraMetric metric,
                              VajraVectorParams *p, VajraError *err)
{
    if (name == NULL || (strcmp(name, "quality") && strcmp(name, "fast") && strcmp(name, "instant")))
        return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "vector-v10: no profile %s",
                               name ? name : "(null)");
    *p = (VajraVectorParams){sizeof *p, dim, metric, 16, 100, 64, 0};
    return VAJRA_OK;
}

static vajra_status v_create(void *state, const VajraVectorParams *p, VajraVectorIndex **out,
                             VajraError *err)
{
    if (p == NULL || p->struct_size < sizeof *p || p->dim == 0 ||
        (p->metric != VAJRA_METRIC_IP && p->metric != VAJRA_METRIC_L2))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-v10: bad parameters (only IP and L2)");
    VajraVectorIndex *ix = g_new0(VajraVectorIndex, 1);
    ix->params = *p;
    ix->kernel = state;
    ix->data = g_array_new(FALSE, FALSE, sizeof(float));
    *out = ix;
    return VAJRA_OK;
}

static void v_destroy(VajraVectorIndex *ix)
{
    if (ix == NULL)
        return;
    g_array_free(ix->data, TRUE);
    g_free(ix);
}

static size_t v_count(const VajraVectorIndex *ix) { return ix->data->len / ix->params.dim; }

static vajra_status v_add(VajraVectorIndex *ix, const float *v, uint32_t dim, size_t n,
                          uint32_t threads, uint32_t *first, VajraError *err)
{
    (void)threads;
    if (dim != ix->params.dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION, "vector-v10: dimension %u, index %u",
                               dim, ix->params.dim);
    for (size_t i = 0; i < n * dim; i++)
        if (!isfinite(v[i]))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "vector-v10: vector %zu not finite",
                                   i / dim);
    if (first != NULL)
        *first = (uint32_t)v_count(ix);
    g_array_append_vals(ix->data, v, (guint)(n * dim));
    return VAJRA_OK;
}

static void v_params(const VajraVectorIndex *ix, VajraVectorParams *out) { *out = ix->params; }

static vajra_status v_search_new(const VajraVectorIndex *ix, VajraVectorSearch **out,
                                 VajraError *err)
{
    (void)ix;
    (void)err;
    *out = g_new0(VajraVectorSearch, 1);
    return VAJRA_OK;
}

static void v_search_free(VajraVectorSearch *s) { g_free(s); }

static vajra_status v_exact(const VajraVectorIndex *ix, VajraVectorSearch *ctx,
                            const VajraVectorQuery *q, VajraHits *out, VajraError *err)
{
    (void)ctx;
    uint32_t dim = ix->params.dim;
    if (q->dim != dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION, "vector-v10: query dimension %u", q->dim);
    out->count = 0;
    size_t n = v_count(ix);
    const float *rows = (const float *)(void *)ix->data->data;
    float *d = g_new(float, n ? n : 1);
    if (ix->params.metric == VAJRA_METRIC_IP)
        ix->kernel->dot_many(q->values, rows, dim, n, dim, d);
    else
        ix->kernel->l2sq_many(q->values, rows, dim, n, dim, d);
    vajra_status st = VAJRA_OK;
    for (size_t i = 0; st == VAJRA_OK && i < n; i++)
        st = vajra_hits_push(out, (uint32_t)i, ix->params.metric == VAJRA_METRIC_IP ? d[i] : -d[i],
                             err);
    g_free(d);
    if (st != VAJRA_OK)
        return st;
    vajra_hits_sort(out);
    if (out->count > q->k)
        out->count = q->k;
    return VAJRA_OK;
}

static vajra_status v_search(const VajraVectorIndex *ix, VajraVectorSearch *ctx,
                             const VajraVectorQuery *q, uint32_t ef, VajraHits *out,
                             VajraError *err)
{
    (void)ef;
    return v_exact(ix, ctx, q, out, err);
}

static vajra_status v_save(const VajraVectorIndex *ix, const VajraSectionWriter *w,
                           VajraError *err)
{
    (void)ix;
    (void)w;
    return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "vector-v10 does not save");
}

static vajra_status v_load(void *state, const VajraSectionReader *r, VajraVectorIndex **out,
                           VajraError *err)
{
    (void)state;
    (void)r;
    (void)out;
    return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "vector-v10 does not load");
}

static const VajraVectorVtable vtable = {
    .version = VAJRA_VECTOR_VTABLE_VERSION,
    .profile = v_profile,
    .create = v_create,
    .destroy = v_destroy,
    .add = v_add,
    .count = v_count,
    .params = v_params,
    .search_new = v_search_new,
    .search_free = v_search_free,
    .search = v_search,
    .search_exact = v_exact,
    .save = v_save,
    .load = v_load,
    .graph = NULL, /* optional: not an HNSW */
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_VECTOR,
    .name = "vector-v10",
    .version = "1.0.0",
    .description = "test: an exact-scan vector plugin built against the ABI 1.0 headers",
    .init = v_init,
    .vtable = &vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
