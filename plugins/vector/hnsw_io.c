/* vector-hnsw — save and load through named sections.
 *
 * The sections are the in-memory arrays byte for byte ("hnsw.meta" plus one section per array,
 * see hnsw_index.h), so loading validates and then points into the reader's bytes: zero copy.
 * Nothing is trusted before it is checked: lengths against the meta, every list count against
 * its capacity, every id against the node count, every upper block against the block count.
 *
 * Format version 1 is the f32 index (and an f32 index is still written as version 1, byte for
 * byte as before). Version 2 is a quantised index: the same graph sections plus "hnsw.storage"
 * (storage and rerank), "hnsw.codes" (count × stride f16 or sq8 elements), for sq8
 * "hnsw.sq8_ranges" (stride lo then stride scale floats), and "hnsw.vectors" only with rerank.
 * Version 3 is version 2 plus "hnsw.sq8_gain" (count floats, each finite and >= 0): an sq8 index
 * under IP/cosine, whose rows keep their norm gain (hnsw_index.h). Versions 1 and 2 still load
 * (an sq8 index from a version-2 file scores without gains, as it was written).
 * Version 4 is version 2 of an f16 index with storage "auto" (no rerank): its rows are exactly
 * the f32 rows added, and a later add of rows that are not binary16 turns it into f32 instead of
 * rounding them — which is why it is a version of its own: a reader of versions 1 to 3 refuses
 * it rather than treating it as a rounding f16 index. An "auto" index that resolved to f32 (or
 * has no rows) is written as version 1 and loads as plain f32.
 * A quantised file is validated like the rest: ranges finite with scale >= 0 and lo + 255·scale
 * finite, and every decoded row passes the same check as an inserted vector (finite, bounded
 * norm, non-zero under cosine) — so an f16 code for ±inf or NaN is refused.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hnsw_index.h"

#define HNSW_MAGIC 0x57534E48u /* "HNSW" little-endian */
#define HNSW_MAGIC_SWAPPED 0x484E5357u
#define HNSW_FORMAT_VERSION 1u       /* f32 */
#define HNSW_FORMAT_VERSION_QUANT 2u /* f16 / sq8 */
#define HNSW_FORMAT_VERSION_GAIN 3u  /* version 2 + "hnsw.sq8_gain" (sq8 under IP/cosine) */
#define HNSW_FORMAT_VERSION_AUTO 4u  /* version 2 of an f16 "auto" index (exact rows) */
#define HNSW_FORMAT_VERSION_MAX HNSW_FORMAT_VERSION_AUTO

typedef struct HnswMeta {
    uint32_t magic, version;
    uint32_t dim, stride, metric, M, M0, ef_construction, ef_search;
    uint32_t count, entry;
    int32_t max_level;
    uint32_t upper_blocks;
    uint32_t round;
    uint64_t seed;
} HnswMeta;

_Static_assert(sizeof(HnswMeta) == 64, "hnsw.meta is 64 bytes");

typedef struct HnswStorageMeta {
    uint32_t storage;  /* HnswStorage: 1 (f16) or 2 (sq8) */
    uint32_t rerank;   /* 0 or 1: "hnsw.vectors" is present */
    uint32_t reserved[2];
} HnswStorageMeta;

_Static_assert(sizeof(HnswStorageMeta) == 16, "hnsw.storage is 16 bytes");

static const char empty_section[1];

static vajra_status put(const VajraSectionWriter *w, const char *name, const void *data,
                        size_t len, VajraError *err)
{
    vajra_status st = w->write(w->self, name, len ? data : empty_section, len, err);
    if (st != VAJRA_OK)
        return vajra_error_prefix(err, "hnsw save %s", name);
    return VAJRA_OK;
}

vajra_status hnsw_save(const VajraVectorIndex *x, const VajraSectionWriter *w, VajraError *err)
{
    if (x == NULL || w == NULL || w->write == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw save: NULL argument");
    HnswMeta m;
    memset(&m, 0, sizeof m);
    m.magic = HNSW_MAGIC;
    bool quant = x->storage != HNSW_STORE_F32;
    m.version = x->sq8_gain                                     ? HNSW_FORMAT_VERSION_GAIN
                : x->storage_auto && x->storage == HNSW_STORE_F16 ? HNSW_FORMAT_VERSION_AUTO
                : quant                                         ? HNSW_FORMAT_VERSION_QUANT
                                                                : HNSW_FORMAT_VERSION;
    m.dim = x->dim;
    m.stride = x->stride;
    m.metric = x->metric;
    m.M = x->M;
    m.M0 = x->M0;
    m.ef_construction = x->params.ef_construction;
    m.ef_search = x->params.ef_search;
    m.count = x->count;
    m.entry = x->count ? x->entry : 0;
    m.max_level = x->max_level;
    m.upper_blocks = x->upper_blocks;
    m.round = HNSW_ROUND;
    m.seed = x->params.seed;
    size_t n = x->count;
    vajra_status st;
    HnswStorageMeta sm = {x->storage, x->rerank ? 1u : 0u, {0, 0}};
    if ((st = put(w, "hnsw.meta", &m, sizeof m, err)) != VAJRA_OK ||
        (quant && (st = put(w, "hnsw.storage", &sm, sizeof sm, err)) != VAJRA_OK) ||
        ((!quant || x->rerank) && (st = put(w, "hnsw.vectors", x->vectors,
                                             n * x->stride * sizeof(float), err)) != VAJRA_OK) ||
        (st = put(w, "hnsw.level0", x->level0, n * x->l0_slots * sizeof(uint32_t), err)) != VAJRA_OK ||
        (st = put(w, "hnsw.levels", x->levels, n, err)) != VAJRA_OK ||
        (st = put(w, "hnsw.upper_index", x->upper_index, n * sizeof(uint32_t), err)) != VAJRA_OK ||
        (st = put(w, "hnsw.upper", x->upper, (size_t)x->upper_blocks * x->up_slots * sizeof(uint32_t),
                  err)) != VAJRA_OK)
        return st;
    if (!quant)
        return VAJRA_OK;
    if ((st = put(w, "hnsw.codes", x->codes, n * x->stride * hnsw_elem_size(x->storage), err)) !=
        VAJRA_OK)
        return st;
    if (x->storage == HNSW_STORE_SQ8) {
        /* An empty index has no ranges yet: zeros. */
        size_t len = sizeof(float) * x->stride;
        float *r = calloc(2 * (size_t)x->stride, sizeof(float));
        if (r == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw save: out of memory");
        if (x->ranges_set) {
            memcpy(r, x->sq8_lo, len);
            memcpy(r + x->stride, x->sq8_scale, len);
        }
        st = put(w, "hnsw.sq8_ranges", r, 2 * len, err);
        free(r);
    }
    if (st == VAJRA_OK && x->sq8_gain != NULL)
        st = put(w, "hnsw.sq8_gain", x->sq8_gain, n * sizeof(float), err);
    return st;
}

static vajra_status get(const VajraSectionReader *r, const char *name, size_t want,
                        const void **data, VajraError *err);

/* The storage sections of a version-2 or 3 file: "hnsw.storage", "hnsw.codes", the sq8 ranges,
 * and in version 3 the sq8 gains. */
static vajra_status load_storage(VajraVectorIndex *x, const VajraSectionReader *r, size_t n,
                                 uint32_t version, VajraError *err)
{
    const void *p;
    vajra_status st = get(r, "hnsw.storage", sizeof(HnswStorageMeta), &p, err);
    if (st != VAJRA_OK)
        return st;
    HnswStorageMeta sm;
    memcpy(&sm, p, sizeof sm);
    if ((sm.storage != HNSW_STORE_F16 && sm.storage != HNSW_STORE_SQ8) || sm.rerank > 1 ||
        sm.reserved[0] != 0 || sm.reserved[1] != 0 ||
        (version == HNSW_FORMAT_VERSION_GAIN && sm.storage != HNSW_STORE_SQ8) ||
        (version == HNSW_FORMAT_VERSION_AUTO && (sm.storage != HNSW_STORE_F16 || sm.rerank)))
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: bad storage %u (rerank %u)",
                               sm.storage, sm.rerank);
    x->storage = sm.storage;
    x->storage_auto = version == HNSW_FORMAT_VERSION_AUTO;
    x->rerank = sm.rerank != 0;
    hnsw_kv_refresh(x);
    if ((st = get(r, "hnsw.codes", n * x->stride * hnsw_elem_size(x->storage), &p, err)) !=
        VAJRA_OK)
        return st;
    x->codes = (void *)p;
    if (x->storage != HNSW_STORE_SQ8)
        return VAJRA_OK;
    if ((st = get(r, "hnsw.sq8_ranges", 2 * sizeof(float) * x->stride, &p, err)) != VAJRA_OK)
        return st;
    x->sq8_lo = (float *)p;
    x->sq8_scale = x->sq8_lo + x->stride;
    x->ranges_set = n > 0;
    for (uint32_t i = 0; i < x->stride; i++) {
        float lo = x->sq8_lo[i], sc = x->sq8_scale[i];
        if (!isfinite(lo) || !isfinite(sc) || !(sc >= 0.0f) || !isfinite(lo + 255.0f * sc) ||
            (i >= x->dim && (lo != 0.0f || sc != 0.0f)))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "hnsw load: sq8 range of dimension %u is [%g, +255×%g]", i,
                                   (double)lo, (double)sc);
    }
    if (version < HNSW_FORMAT_VERSION_GAIN)
        return VAJRA_OK;
    if (x->metric == VAJRA_METRIC_L2)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: sq8 gains under L2");
    if ((st = get(r, "hnsw.sq8_gain", n * sizeof(float), &p, err)) != VAJRA_OK)
        return st;
    x->sq8_gain = (float *)p;
    x->gain_capacity = (uint32_t)n;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x->sq8_gain[i]) || !(x->sq8_gain[i] >= 0.0f)) /* 0: a zero row (IP) */
            return vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: sq8 gain of row %zu is %g",
                                   i, (double)x->sq8_gain[i]);
    return VAJRA_OK;
}

static vajra_status get(const VajraSectionReader *r, const char *name, size_t want,
                        const void **data, VajraError *err)
{
    size_t len = 0;
    vajra_status st = r->find(r->self, name, data, &len, err);
    if (st != VAJRA_OK)
        return vajra_error_prefix(err, "hnsw load %s", name);
    if (len != want)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "hnsw load: section %s has %zu bytes, expected %zu", name, len,
                               want);
    if (want > 0 && ((uintptr_t)*data & 3u) != 0)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: section %s is misaligned",
                               name);
    return VAJRA_OK;
}

static vajra_status check_list(const uint32_t *list, uint32_t cap, uint32_t count, uint32_t node,
                               uint32_t level, const uint8_t *levels, VajraError *err)
{
    if (list[0] > cap)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "hnsw load: node %u level %u lists %u neighbours (max %u)", node,
                               level, list[0], cap);
    for (uint32_t j = 0; j < list[0]; j++)
        if (list[1 + j] >= count || levels[list[1 + j]] < level) /* target must live on level */
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "hnsw load: node %u level %u links to %u of %u nodes", node,
                                   level, list[1 + j], count);
    return VAJRA_OK;
}

vajra_status hnsw_load(const VajraKernelOps *kernel, const VajraSectionReader *r,
                       VajraVectorIndex **out, VajraError *err)
{
    if (r == NULL || r->find == NULL || out == NULL || kernel == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw load: NULL argument");
    const void *p;
    vajra_status st = get(r, "hnsw.meta", sizeof(HnswMeta), &p, err);
    if (st != VAJRA_OK)
        return st;
    HnswMeta m;
    memcpy(&m, p, sizeof m);
    if (m.magic == HNSW_MAGIC_SWAPPED)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: written on another byte order");
    if (m.magic != HNSW_MAGIC)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: bad magic 0x%08x", m.magic);
    if (m.version < HNSW_FORMAT_VERSION || m.version > HNSW_FORMAT_VERSION_MAX)
        return vajra_error_set(err, VAJRA_ERR_VERSION,
                               "hnsw load: format version %u, this plugin reads %u to %u",
                               m.version, HNSW_FORMAT_VERSION, HNSW_FORMAT_VERSION_MAX);
    VajraVectorParams params = {
        .struct_size = sizeof(VajraVectorParams), .dim = m.dim, .metric = m.metric, .M = m.M,
        .ef_construction = m.ef_construction, .ef_search = m.ef_search, .seed = m.seed};
    VajraVectorIndex *x = NULL;
    if ((st = hnsw_index_new(&params, kernel, &x, err)) != VAJRA_OK)
        return vajra_error_prefix(err, "hnsw load: bad meta");
    if (m.stride != x->stride || m.M0 != x->M0 || m.count == UINT32_MAX ||
        (m.count == 0) != (m.max_level < 0) || m.max_level > HNSW_MAX_LEVEL ||
        (m.count > 0 && m.entry >= m.count)) {
        hnsw_index_free(x);
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: inconsistent meta");
    }
    size_t n = m.count;
    const void *vec = NULL, *l0, *lv, *ui, *up;
    x->borrowed = true; /* from here on every array set points into the reader's bytes */
    if (m.version >= HNSW_FORMAT_VERSION_QUANT &&
        (st = load_storage(x, r, n, m.version, err)) != VAJRA_OK) {
        hnsw_index_free(x);
        return st;
    }
    bool have_f32 = x->storage == HNSW_STORE_F32 || x->rerank;
    if ((have_f32 &&
         (st = get(r, "hnsw.vectors", n * x->stride * sizeof(float), &vec, err)) != VAJRA_OK) ||
        (st = get(r, "hnsw.level0", n * x->l0_slots * sizeof(uint32_t), &l0, err)) != VAJRA_OK ||
        (st = get(r, "hnsw.levels", n, &lv, err)) != VAJRA_OK ||
        (st = get(r, "hnsw.upper_index", n * sizeof(uint32_t), &ui, err)) != VAJRA_OK ||
        (st = get(r, "hnsw.upper", (size_t)m.upper_blocks * x->up_slots * sizeof(uint32_t), &up,
                  err)) != VAJRA_OK) {
        hnsw_index_free(x);
        return st;
    }
    x->vectors = (float *)vec;
    x->level0 = (uint32_t *)l0;
    x->levels = (uint8_t *)lv;
    x->upper_index = (uint32_t *)ui;
    x->upper = (uint32_t *)up;
    x->count = m.count;
    x->capacity = m.count;
    x->upper_blocks = x->upper_capacity = m.upper_blocks;
    x->entry = m.entry;
    x->max_level = m.max_level;

    /* Validate every vector (the f32 rows, and the decoded codes), level, block and link before
     * anyone walks the graph. */
    uint64_t blocks = 0;
    float *row = NULL;
    if (x->storage != HNSW_STORE_F32 &&
        (row = hnsw_aligned_alloc(sizeof(float) * x->stride)) == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw load: out of memory");
        goto bad;
    }
    for (uint32_t i = 0; i < m.count; i++) {
        if ((have_f32 && hnsw_check_vector(hnsw_vec(x, i), x->dim, x->metric,
                                           "hnsw load: vector", i, err) != VAJRA_OK) ||
            (row != NULL && (hnsw_decode_row(x, i, row), 1) &&
             hnsw_check_vector(row, x->dim, x->metric, "hnsw load: quantised vector", i, err) !=
                 VAJRA_OK)) {
            st = err ? (err->code = VAJRA_ERR_CORRUPT) : VAJRA_ERR_CORRUPT;
            goto bad;
        }
        uint32_t L = x->levels[i];
        if (L > HNSW_MAX_LEVEL || (int32_t)L > m.max_level) {
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: node %u has level %u", i, L);
            goto bad;
        }
        if (L == 0 ? x->upper_index[i] != HNSW_NO_BLOCK
                   : (uint64_t)x->upper_index[i] + L > m.upper_blocks) {
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: node %u upper block %u", i,
                                 x->upper_index[i]);
            goto bad;
        }
        blocks += L;
        for (uint32_t l = 0; l <= L; l++)
            if ((st = check_list(hnsw_links(x, i, l), l ? x->M : x->M0, m.count, i, l,
                                 x->levels, err)) != VAJRA_OK)
                goto bad;
    }
    if (blocks != m.upper_blocks || (m.count > 0 && x->levels[m.entry] != (uint32_t)m.max_level)) {
        st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "hnsw load: upper levels do not add up");
        goto bad;
    }
    free(row);
    *out = x;
    return VAJRA_OK;
bad:
    free(row);
    hnsw_index_free(x);
    return st;
}
