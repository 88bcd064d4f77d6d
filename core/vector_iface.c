/* The vector-index interface helpers (include/vajra/vector.h): the vtable check, one create for
 * plugins of any vtable version, and the graph accessor through whichever slot a plugin has. */
#include <stdlib.h>
#include <string.h>

#include "vajra/kernel.h"

#include "vajra/vector.h"

vajra_status vajra_vector_vtable_check(const VajraVectorVtable *vt, VajraError *err)
{
    if (vt == NULL || vt->version < 1)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH, "vector plugin: vtable version %u",
                               vt ? vt->version : 0);
    const char *missing = !vt->destroy ? "destroy" : !vt->add ? "add" : !vt->count ? "count"
                          : !vt->params ? "params" : !vt->search_new ? "search_new"
                          : !vt->search_free ? "search_free" : !vt->search ? "search"
                          : !vt->search_exact ? "search_exact" : !vt->save ? "save"
                          : !vt->load ? "load" : NULL;
    if (missing == NULL && vt->create == NULL && !VAJRA_VECTOR_HAS(vt, 3, create_kv))
        missing = "create (or create_kv)";
    if (missing != NULL)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "vector plugin: the required slot %s is NULL", missing);
    return VAJRA_OK;
}

vajra_status vajra_vector_params_from_kv(VajraVectorProfileFn profile, uint32_t dim,
                                         VajraMetric metric, const VajraKeyValue *kv, size_t n,
                                         const char *who, VajraVectorParams *p, VajraError *err)
{
    static const char *const known[] = {"profile", "M", "ef_construction", "ef_search", "seed",
                                        NULL};
    if (p == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s: NULL params", who);
    vajra_status st = vajra_kv_check_keys(kv, n, known, who, err);
    if (st != VAJRA_OK)
        return st;
    if (profile == NULL)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "%s: no profiles", who);
    const char *name = vajra_kv_get(kv, n, "profile");
    st = profile(name ? name : "fast", dim, metric, p, err);
    /* Ranges are the plugin's to check (its create names the field). */
    if (st == VAJRA_OK)
        st = vajra_kv_u32(kv, n, "M", p->M, 0, UINT32_MAX, &p->M, who, err);
    if (st == VAJRA_OK)
        st = vajra_kv_u32(kv, n, "ef_construction", p->ef_construction, 0, UINT32_MAX,
                          &p->ef_construction, who, err);
    if (st == VAJRA_OK)
        st = vajra_kv_u32(kv, n, "ef_search", p->ef_search, 0, UINT32_MAX, &p->ef_search, who,
                          err);
    if (st == VAJRA_OK)
        st = vajra_kv_u64(kv, n, "seed", p->seed, &p->seed, who, err);
    return st;
}

vajra_status vajra_vector_create(const VajraVectorVtable *vt, void *plugin_state, uint32_t dim,
                                 VajraMetric metric, const VajraKeyValue *params, size_t n,
                                 VajraVectorIndex **out, VajraError *err)
{
    if (vt == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector create: NULL argument");
    *out = NULL;
    if (VAJRA_VECTOR_HAS(vt, 3, create_kv))
        return vt->create_kv(plugin_state, dim, metric, params, n, out, err);
    if (vt->create == NULL)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "vector plugin: no create slot");
    VajraVectorParams p = {.struct_size = sizeof p};
    vajra_status st = vajra_vector_params_from_kv(vt->profile, dim, metric, params, n,
                                                  "vector plugin", &p, err);
    return st == VAJRA_OK ? vt->create(plugin_state, &p, out, err) : st;
}

vajra_status vajra_vector_graph(const VajraVectorVtable *vt, const VajraVectorIndex *index,
                                VajraHnswGraph *out, VajraError *err)
{
    if (vt == NULL || index == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector graph: NULL argument");
    if (VAJRA_VECTOR_HAS(vt, 3, interface))
        return vt->interface(index, VAJRA_VECTOR_IFACE_HNSW_GRAPH, out, err);
    if (vt->graph != NULL)
        return vt->graph(index, out, err);
    return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                           "vector plugin: the index offers no graph accessor");
}

vajra_status vajra_reference_exact_search(const VajraVectorVtable *vt,
                                          const VajraVectorIndex *index,
                                          const VajraVectorQuery *query,
                                          const VajraDocFilter *filter, VajraHits *out,
                                          VajraError *err)
{
    if (vt == NULL || index == NULL || query == NULL || out == NULL ||
        (query->values == NULL && query->dim > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "exact reference: NULL argument");
    if (!VAJRA_VECTOR_HAS(vt, 3, get_vector))
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "exact reference: the vector plugin has no get_vector");
    VajraVectorParams p = {.struct_size = sizeof p};
    vt->params(index, &p);
    if (query->dim != p.dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION, "exact reference: query dimension %u, "
                               "index %u", query->dim, p.dim);
    size_t count = vt->count(index);
    float *q = malloc(((size_t)p.dim * 2 + 1) * sizeof *q);
    if (q == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "exact reference: out of memory");
    float *row = q + p.dim;
    vajra_status st = VAJRA_OK;
    if (p.metric == VAJRA_METRIC_COSINE)
        st = vajra_vector_normalize(query->values, q, p.dim, err);
    else if (p.dim > 0)
        memcpy(q, query->values, (size_t)p.dim * sizeof *q);
    out->count = 0;
    for (size_t d = 0; st == VAJRA_OK && d < count; d++) {
        if (!vajra_filter_pass(filter, (uint32_t)d))
            continue;
        st = vt->get_vector(index, (uint32_t)d, row, err);
        if (st != VAJRA_OK)
            break;
        float score = p.metric == VAJRA_METRIC_L2 ? -vajra_ref_l2sq(q, row, p.dim)
                                                  : vajra_ref_dot(q, row, p.dim);
        st = vajra_hits_push(out, (uint32_t)d, score, err);
    }
    free(q);
    if (st != VAJRA_OK) {
        out->count = 0;
        return st;
    }
    vajra_hits_sort(out);
    if (out->count > query->k)
        out->count = query->k;
    return VAJRA_OK;
}
