/* vector-hnsw — the plugin descriptor, its vtable and the named profiles.
 *
 * The distance kernel arrives at init (host->kernel) and is kept in the plugin state; every
 * index created or loaded through this state computes its distances with it.
 */
#include <stdlib.h>
#include <string.h>

#include "hnsw_index.h"
#include "vajra/plugin.h"

typedef struct HnswPluginState {
    const VajraKernelOps *kernel;
} HnswPluginState;

/* Profiles, chosen by measurement on wordnet lsa384 50k and glove100 100k (docs/vector.md,
 * "Profiles", has the curves and commands): recall@10 at the default ef, quality >= 0.99,
 * fast >= 0.95 (wordnet; glove 100k 0.945), instant >= 0.90 on both sets. Measured 2026-12-02
 * (2 build threads, single-thread search, 1000 queries, load ~1.7):
 *   quality M14/efC160/ef640 (re-tuned ~17:30 UTC with the integer construction codes):
 *     wordnet 50k build 2.9-3.1 s through the CLI (hnswlib M16/efC200 in the same runs:
 *     6.6-6.8 s, 0.44-0.46x), 0.9911 at 0.35 ms (f16 rows); glove 100k 0.9926. efC 200 was
 *     18 % slower to build for +0.002 on wordnet (and -0.002 on glove at its ef 512). M14 beats
 *     M24 per ef on both sets and builds ~20 % faster.
 *   instant M10/efC40/ef320: wordnet 50k build 0.81 s (morning; 1.0-1.1 s at 17:30), 0.924 at
 *     0.19 ms; glove 100k 0.925. The cheapest build; the wide default beam pays for the sparse
 *     graph at query time. */
typedef struct Profile {
    const char *name;
    uint32_t M, ef_construction, ef_search;
} Profile;

static const Profile profiles[] = {
    {"quality", 14, 160, 640},
    {"fast", 16, 128, 128},
    {"instant", 10, 40, 320},
};

static vajra_status v_profile(const char *name, uint32_t dim, VajraMetric metric,
                              VajraVectorParams *params, VajraError *err)
{
    if (name == NULL || params == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw profile: NULL argument");
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        if (strcmp(profiles[i].name, name) != 0)
            continue;
        memset(params, 0, sizeof *params);
        params->struct_size = sizeof *params;
        params->dim = dim;
        params->metric = (uint32_t)metric;
        params->M = profiles[i].M;
        params->ef_construction = profiles[i].ef_construction;
        params->ef_search = profiles[i].ef_search;
        params->seed = 42;
        return VAJRA_OK;
    }
    return vajra_error_set(err, VAJRA_ERR_NOT_FOUND,
                           "hnsw: no profile '%s' (quality, fast, instant)", name);
}

static vajra_status v_create(void *state, const VajraVectorParams *params,
                             VajraVectorIndex **out, VajraError *err)
{
    const HnswPluginState *ps = state;
    if (ps == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw create: no plugin state");
    return hnsw_index_new(params, ps->kernel, out, err);
}

/* Keys: profile (applied first, default "fast"), then M, ef_construction, ef_search, seed;
 * storage (f32|f16|sq8|auto, default auto: f16 while the rows are exactly binary16, else f32)
 * and rerank (0|1, default 0), see hnsw_index.h. */
static vajra_status v_create_kv(void *state, uint32_t dim, VajraMetric metric,
                                const VajraKeyValue *kv, size_t n, VajraVectorIndex **out,
                                VajraError *err)
{
    /* The HNSW-style keys go to the core's parser; storage and rerank are this plugin's. */
    VajraKeyValue *rest = malloc(sizeof(VajraKeyValue) * (n ? n : 1));
    if (rest == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-hnsw: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (kv[i].key == NULL || (strcmp(kv[i].key, "storage") && strcmp(kv[i].key, "rerank")))
            rest[m++] = kv[i];
    VajraVectorParams p;
    vajra_status st = vajra_vector_params_from_kv(v_profile, dim, metric, rest, m, "vector-hnsw",
                                                  &p, err);
    free(rest);
    const char *storage_name = vajra_kv_get(kv, n, "storage");
    uint32_t storage = HNSW_STORE_AUTO, rerank = 0;
    if (st == VAJRA_OK && storage_name != NULL)
        st = hnsw_storage_parse(storage_name, &storage, err);
    if (st == VAJRA_OK)
        st = vajra_kv_u32(kv, n, "rerank", 0, 0, 1, &rerank, "vector-hnsw", err);
    if (st == VAJRA_OK)
        st = v_create(state, &p, out, err);
    if (st == VAJRA_OK && (st = hnsw_set_storage(*out, storage, rerank != 0, err)) != VAJRA_OK) {
        hnsw_index_free(*out);
        *out = NULL;
    }
    return st;
}

static size_t v_params_kv(const VajraVectorIndex *x, VajraKeyValue *out, size_t cap)
{
    size_t total = sizeof x->kv / sizeof x->kv[0];
    for (size_t i = 0; out != NULL && i < cap && i < total; i++)
        out[i] = x->kv[i];
    return total;
}

static vajra_status v_interface(const VajraVectorIndex *x, const char *name, void *out,
                                VajraError *err)
{
    if (x == NULL || name == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw interface: NULL argument");
    if (strcmp(name, VAJRA_VECTOR_IFACE_HNSW_GRAPH) != 0)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "vector-hnsw: no interface \"%s\"",
                               name);
    VajraHnswGraph g;
    vajra_status st = hnsw_graph(x, &g, err);
    uint32_t size = *(const uint32_t *)out;
    if (st == VAJRA_OK && size < sizeof size)
        st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                             "hnsw interface: struct_size %u", size);
    if (st == VAJRA_OK) /* the caller's struct_size stays; a smaller one gets what fits */
        memcpy((char *)out + sizeof size, (const char *)&g + sizeof size,
               (size < sizeof g ? size : sizeof g) - sizeof size);
    return st;
}

static vajra_status v_get_vector(const VajraVectorIndex *x, uint32_t doc, float *out,
                                 VajraError *err)
{
    if (x == NULL || out == NULL || doc >= x->count)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "hnsw get_vector: no document %u", doc);
    if (x->vectors != NULL) { /* f32 storage, or f32 rows kept for rerank */
        memcpy(out, hnsw_vec(x, doc), (size_t)x->dim * sizeof *out);
        return VAJRA_OK;
    }
    float *row = malloc(sizeof(float) * x->stride); /* the decoded row as the index stores it */
    if (row == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw get_vector: out of memory");
    hnsw_decode_row(x, doc, row);
    memcpy(out, row, (size_t)x->dim * sizeof *out);
    free(row);
    return VAJRA_OK;
}

static size_t v_count(const VajraVectorIndex *x)
{
    return x ? x->count : 0;
}

static void v_params(const VajraVectorIndex *x, VajraVectorParams *out)
{
    if (x && out)
        *out = x->params;
}

static vajra_status v_search_new(const VajraVectorIndex *x, VajraVectorSearch **out,
                                 VajraError *err)
{
    (void)x;
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw: NULL out");
    return hnsw_search_new(out, err);
}

static vajra_status v_load(void *state, const VajraSectionReader *r, VajraVectorIndex **out,
                           VajraError *err)
{
    const HnswPluginState *ps = state;
    if (ps == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw load: no plugin state");
    return hnsw_load(ps->kernel, r, out, err);
}

static const VajraVectorVtable vtable = {
    .version = VAJRA_VECTOR_VTABLE_VERSION,
    .profile = v_profile,
    .create = v_create,
    .destroy = hnsw_index_free,
    .add = hnsw_add,
    .count = v_count,
    .params = v_params,
    .search_new = v_search_new,
    .search_free = hnsw_search_free,
    .search = hnsw_search,
    .search_exact = hnsw_search_exact,
    .save = hnsw_save,
    .load = v_load,
    .graph = hnsw_graph,
    .search_filtered = hnsw_search_filtered,
    .create_kv = v_create_kv,
    .params_kv = v_params_kv,
    .interface = v_interface,
    .get_vector = v_get_vector,
};

static vajra_status p_init(const VajraHost *host, void **state, VajraError *err)
{
    if (host == NULL || host->kernel == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-hnsw: the host gave no distance kernel");
    HnswPluginState *ps = calloc(1, sizeof *ps);
    if (ps == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-hnsw: out of memory");
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
    .name = "vector-hnsw",
    .version = "1.0.0",
    .description = "HNSW approximate nearest-neighbour index (L2, inner product, cosine)",
    .required_cpu = 0,
    .init = p_init,
    .fini = p_fini,
    .vtable = &vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
