/* vector-ivf — the plugin descriptor and its vtable (vajra/vector.h, version 3).
 *
 * Parameters (create_kv; docs/vector.md, "vector-ivf"):
 *   nlist       centroids, 1 .. 65536                                  (default 256)
 *   nprobe      default lists probed per search, 1 .. nlist            (default min(8, nlist))
 *   iterations  k-means iterations, 1 .. 1000                          (default 10)
 *   seed        seeds the training sample and k-means++                (default 42)
 *   sample      training sample size, 0 = min(count, 256·nlist), else >= nlist (default 0)
 *   quantizer   none | sq8                                             (default none)
 *   rerank      SQ8: candidates re-scored exactly, 0 = none, .. 65536  (default 64)
 * The search effort (`ef`) is the number of lists probed: 0 = nprobe, above nlist = nlist,
 * VAJRA_EF_EXACT = an exact scan. No profiles, no graph. The distance kernel arrives at init and
 * every index made through this plugin state computes with it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivf_index.h"
#include "vajra/params.h"
#include "vajra/plugin.h"

#define IVF_NKEYS 7

/* The vtable's index: the IVF index and its parameters as strings (params_kv lends them). */
struct VajraVectorIndex {
    IvfIndex *ivf;
    char values[IVF_NKEYS][24];
    VajraKeyValue kv[IVF_NKEYS];
};

typedef struct IvfPluginState {
    const VajraKernelOps *kernel;
} IvfPluginState;

static const char *const known_keys[] = {"nlist",     "nprobe", "iterations", "seed",
                                         "sample",    "quantizer", "rerank",   NULL};

static vajra_status wrap(IvfIndex *ivf, VajraVectorIndex **out, VajraError *err)
{
    VajraVectorIndex *x = calloc(1, sizeof *x);
    if (x == NULL) {
        ivf_index_free(ivf);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-ivf: out of memory");
    }
    x->ivf = ivf;
    const IvfParams *p = &ivf->p;
    snprintf(x->values[0], sizeof x->values[0], "%" PRIu32, p->nlist);
    snprintf(x->values[1], sizeof x->values[1], "%" PRIu32, p->nprobe);
    snprintf(x->values[2], sizeof x->values[2], "%" PRIu32, p->iterations);
    snprintf(x->values[3], sizeof x->values[3], "%" PRIu64, p->seed);
    snprintf(x->values[4], sizeof x->values[4], "%" PRIu32, p->sample);
    snprintf(x->values[5], sizeof x->values[5], "%s",
             p->quantizer == IVF_QUANT_SQ8 ? "sq8" : "none");
    snprintf(x->values[6], sizeof x->values[6], "%" PRIu32, p->rerank);
    for (int i = 0; i < IVF_NKEYS; i++)
        x->kv[i] = (VajraKeyValue){known_keys[i], x->values[i]};
    *out = x;
    return VAJRA_OK;
}

static vajra_status v_create_kv(void *state, uint32_t dim, VajraMetric metric,
                                const VajraKeyValue *kv, size_t n, VajraVectorIndex **out,
                                VajraError *err)
{
    const IvfPluginState *ps = state;
    if (ps == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-ivf: NULL argument");
    *out = NULL;
    vajra_status st = vajra_kv_check_keys(kv, n, known_keys, "vector-ivf", err);
    if (st != VAJRA_OK)
        return st;
    IvfParams p;
    ivf_params_default(&p, dim, metric);
    if ((st = vajra_kv_u32(kv, n, "nlist", p.nlist, 1, IVF_MAX_NLIST, &p.nlist, "vector-ivf",
                           err)) != VAJRA_OK ||
        (st = vajra_kv_u32(kv, n, "nprobe", p.nprobe < p.nlist ? p.nprobe : p.nlist, 1, p.nlist,
                           &p.nprobe, "vector-ivf", err)) != VAJRA_OK ||
        (st = vajra_kv_u32(kv, n, "iterations", p.iterations, 1, IVF_MAX_ITERATIONS,
                           &p.iterations, "vector-ivf", err)) != VAJRA_OK ||
        (st = vajra_kv_u64(kv, n, "seed", p.seed, &p.seed, "vector-ivf", err)) != VAJRA_OK ||
        (st = vajra_kv_u32(kv, n, "sample", p.sample, 0, UINT32_MAX, &p.sample, "vector-ivf",
                           err)) != VAJRA_OK ||
        (st = vajra_kv_u32(kv, n, "rerank", p.rerank, 0, IVF_MAX_RERANK, &p.rerank,
                           "vector-ivf", err)) != VAJRA_OK)
        return st;
    const char *q = vajra_kv_get(kv, n, "quantizer");
    if (q != NULL && strcmp(q, "sq8") == 0)
        p.quantizer = IVF_QUANT_SQ8;
    else if (q != NULL && strcmp(q, "none") != 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-ivf: parameter quantizer=\"%s\" (none or sq8)", q);
    IvfIndex *ivf = NULL;
    if ((st = ivf_index_new(&p, ps->kernel, &ivf, err)) != VAJRA_OK)
        return st;
    return wrap(ivf, out, err);
}

static void v_destroy(VajraVectorIndex *x)
{
    if (x == NULL)
        return;
    ivf_index_free(x->ivf);
    free(x);
}

static vajra_status v_add(VajraVectorIndex *x, const float *vectors, uint32_t dim, size_t count,
                          uint32_t threads, uint32_t *first, VajraError *err)
{
    if (x == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-ivf add: NULL index");
    return ivf_add(x->ivf, vectors, dim, count, threads, first, err);
}

static size_t v_count(const VajraVectorIndex *x)
{
    return x ? x->ivf->count : 0;
}

static void v_params(const VajraVectorIndex *x, VajraVectorParams *out)
{
    if (x == NULL || out == NULL)
        return;
    *out = (VajraVectorParams){.struct_size = sizeof *out, .dim = x->ivf->dim,
                               .metric = x->ivf->p.metric, .ef_search = x->ivf->p.nprobe};
}

static size_t v_params_kv(const VajraVectorIndex *x, VajraKeyValue *out, size_t cap)
{
    for (size_t i = 0; x != NULL && out != NULL && i < cap && i < IVF_NKEYS; i++)
        out[i] = x->kv[i];
    return IVF_NKEYS;
}

static vajra_status v_search_new(const VajraVectorIndex *x, VajraVectorSearch **out,
                                 VajraError *err)
{
    (void)x;
    return ivf_search_new((IvfSearch **)out, err);
}

static void v_search_free(VajraVectorSearch *s)
{
    ivf_search_free((IvfSearch *)s);
}

static vajra_status v_search_filtered(const VajraVectorIndex *x, VajraVectorSearch *s,
                                      const VajraVectorQuery *q, uint32_t ef,
                                      const VajraDocFilter *filter, VajraHits *out,
                                      VajraError *err)
{
    if (x == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-ivf search: NULL index");
    return ivf_search(x->ivf, (IvfSearch *)s, q, ef, filter, out, err);
}

static vajra_status v_search(const VajraVectorIndex *x, VajraVectorSearch *s,
                             const VajraVectorQuery *q, uint32_t ef, VajraHits *out,
                             VajraError *err)
{
    return v_search_filtered(x, s, q, ef, NULL, out, err);
}

static vajra_status v_search_exact(const VajraVectorIndex *x, VajraVectorSearch *s,
                                   const VajraVectorQuery *q, VajraHits *out, VajraError *err)
{
    return v_search_filtered(x, s, q, IVF_EXACT, NULL, out, err);
}

static vajra_status v_save(const VajraVectorIndex *x, const VajraSectionWriter *w,
                           VajraError *err)
{
    if (x == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-ivf save: NULL index");
    return ivf_save(x->ivf, w, err);
}

static vajra_status v_load(void *state, const VajraSectionReader *r, VajraVectorIndex **out,
                           VajraError *err)
{
    const IvfPluginState *ps = state;
    if (ps == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-ivf load: NULL argument");
    *out = NULL;
    IvfIndex *ivf = NULL;
    vajra_status st = ivf_load(ps->kernel, r, &ivf, err);
    if (st != VAJRA_OK)
        return st;
    return wrap(ivf, out, err);
}

static vajra_status v_get_vector(const VajraVectorIndex *x, uint32_t doc, float *out,
                                 VajraError *err)
{
    if (x == NULL || out == NULL || doc >= x->ivf->count)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-ivf get_vector: no document %u", doc);
    const float *v = ivf_vector(x->ivf, doc, out);
    if (v != out)
        memcpy(out, v, x->ivf->dim * sizeof(float));
    return VAJRA_OK;
}

static const VajraVectorVtable vtable = {
    .version = VAJRA_VECTOR_VTABLE_VERSION,
    .profile = NULL,
    .create = NULL,
    .destroy = v_destroy,
    .add = v_add,
    .count = v_count,
    .params = v_params,
    .search_new = v_search_new,
    .search_free = v_search_free,
    .search = v_search,
    .search_exact = v_search_exact,
    .save = v_save,
    .load = v_load,
    .graph = NULL,
    .search_filtered = v_search_filtered,
    .create_kv = v_create_kv,
    .params_kv = v_params_kv,
    .interface = NULL,
    .get_vector = v_get_vector,
};

static vajra_status p_init(const VajraHost *host, void **state, VajraError *err)
{
    if (host == NULL || host->kernel == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-ivf: the host gave no distance kernel");
    IvfPluginState *ps = calloc(1, sizeof *ps);
    if (ps == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-ivf: out of memory");
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
    .name = "vector-ivf",
    .version = "1.0.0",
    .description = "inverted file over k-means centroids (IVF-Flat, IVF-SQ8 with exact re-rank)",
    .required_cpu = 0,
    .init = p_init,
    .fini = p_fini,
    .vtable = &vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
