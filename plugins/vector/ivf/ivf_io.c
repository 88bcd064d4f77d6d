/* vector-ivf — save and load through named sections.
 *
 *   ivf.meta       IvfMeta (64 bytes)
 *   ivf.centroids  nlist × dim floats            (trained; else empty)
 *   ivf.sq         dim floats min, dim floats step (SQ8 and trained; else empty)
 *   ivf.offsets    nlist + 1 uint32: list l is entries offsets[l] .. offsets[l+1]-1 (trained)
 *   ivf.ids        count uint32, the lists one after another (trained)
 *   ivf.vectors    count × dim floats in list order (trained, no quantiser)
 *   ivf.codes      count × dim bytes in list order (trained, SQ8)
 *   ivf.rows       count × dim floats in document order (untrained, or SQ8 with re-rank)
 * (The list of each document, which get_vector needs, is rebuilt from the lists: 2 bytes per
 * document of owned memory beside the borrowed sections.)
 * A loaded index points into these bytes. Nothing is trusted before it is checked: section sizes
 * against the meta, offsets monotone and ending at count, every id below count and listed once, ids
 * ascending within each list,
 * every float finite (vectors and rows as an add would check them), SQ steps >= 0.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ivf_index.h"

#define IVF_MAGIC 0x31465649u /* "IVF1" little-endian */
#define IVF_MAGIC_SWAPPED 0x49564631u
#define IVF_FORMAT_VERSION 1u

typedef struct IvfMeta {
    uint32_t magic, version;
    uint32_t dim, metric, nlist, nprobe, iterations, sample, quantizer, rerank;
    uint32_t count, trained;
    uint64_t seed;
    uint32_t reserved[2];
} IvfMeta;

_Static_assert(sizeof(IvfMeta) == 64, "ivf.meta is 64 bytes");

static const char empty_section[1];

static vajra_status put(const VajraSectionWriter *w, const char *name, const void *data,
                        size_t len, VajraError *err)
{
    vajra_status st = w->write(w->self, name, len ? data : empty_section, len, err);
    if (st != VAJRA_OK)
        return vajra_error_prefix(err, "ivf save %s", name);
    return VAJRA_OK;
}

/* Write one per-list array as one section: the lists' parts one after another. */
static vajra_status put_lists(const VajraSectionWriter *w, const char *name, const IvfIndex *x,
                              int which, size_t total, VajraError *err)
{
    size_t d = x->dim;
    if (total == 0)
        return put(w, name, NULL, 0, err);
    char *buf = malloc(total);
    if (buf == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf save: out of memory");
    size_t at = 0;
    for (uint32_t l = 0; l < x->p.nlist; l++) {
        const IvfList *li = &x->lists[l];
        size_t len = which == 0   ? li->n * sizeof(uint32_t)
                     : which == 1 ? li->n * d * sizeof(float)
                                  : li->n * d;
        const void *src = which == 0 ? (const void *)li->ids
                          : which == 1 ? (const void *)li->vecs
                                       : (const void *)li->codes;
        if (len)
            memcpy(buf + at, src, len);
        at += len;
    }
    vajra_status st = put(w, name, buf, total, err);
    free(buf);
    return st;
}

vajra_status ivf_save(const IvfIndex *x, const VajraSectionWriter *w, VajraError *err)
{
    if (x == NULL || w == NULL || w->write == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf save: NULL argument");
    IvfMeta m;
    memset(&m, 0, sizeof m);
    m.magic = IVF_MAGIC;
    m.version = IVF_FORMAT_VERSION;
    m.dim = x->dim;
    m.metric = x->p.metric;
    m.nlist = x->p.nlist;
    m.nprobe = x->p.nprobe;
    m.iterations = x->p.iterations;
    m.sample = x->p.sample;
    m.quantizer = x->p.quantizer;
    m.rerank = x->p.rerank;
    m.count = x->count;
    m.trained = x->trained;
    m.seed = x->p.seed;
    size_t n = x->count, d = x->dim, nl = x->p.nlist;
    bool t = x->trained, sq8 = x->p.quantizer == IVF_QUANT_SQ8;
    uint32_t *off = NULL;
    if (t) {
        off = malloc((nl + 1) * sizeof *off);
        if (off == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf save: out of memory");
        off[0] = 0;
        for (size_t l = 0; l < nl; l++)
            off[l + 1] = off[l] + x->lists[l].n;
    }
    float *sq = NULL;
    if (t && sq8) {
        sq = malloc(2 * d * sizeof *sq);
        if (sq == NULL) {
            free(off);
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf save: out of memory");
        }
        memcpy(sq, x->sq_min, d * sizeof *sq);
        memcpy(sq + d, x->sq_step, d * sizeof *sq);
    }
    vajra_status st;
    if ((st = put(w, "ivf.meta", &m, sizeof m, err)) != VAJRA_OK ||
        (st = put(w, "ivf.centroids", x->centroids, t ? nl * d * sizeof(float) : 0, err)) !=
            VAJRA_OK ||
        (st = put(w, "ivf.sq", sq, sq ? 2 * d * sizeof(float) : 0, err)) != VAJRA_OK ||
        (st = put(w, "ivf.offsets", off, t ? (nl + 1) * sizeof(uint32_t) : 0, err)) != VAJRA_OK ||
        (st = put_lists(w, "ivf.ids", x, 0, t ? n * sizeof(uint32_t) : 0, err)) != VAJRA_OK ||
        (st = put_lists(w, "ivf.vectors", x, 1, t && !sq8 ? n * d * sizeof(float) : 0, err)) !=
            VAJRA_OK ||
        (st = put_lists(w, "ivf.codes", x, 2, t && sq8 ? n * d : 0, err)) != VAJRA_OK ||
        (st = put(w, "ivf.rows", x->rows, x->rows ? n * d * sizeof(float) : 0, err)) != VAJRA_OK) {
        free(off);
        free(sq);
        return st;
    }
    free(off);
    free(sq);
    return VAJRA_OK;
}

static vajra_status get(const VajraSectionReader *r, const char *name, size_t want,
                        const void **data, VajraError *err)
{
    size_t len = 0;
    vajra_status st = r->find(r->self, name, data, &len, err);
    if (st != VAJRA_OK)
        return vajra_error_prefix(err, "ivf load %s", name);
    if (len != want)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "ivf load: section %s has %zu bytes, expected %zu", name, len,
                               want);
    if (want > 0 && ((uintptr_t)*data & 3u) != 0)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "ivf load: section %s is misaligned",
                               name);
    if (want == 0)
        *data = NULL;
    return VAJRA_OK;
}

static vajra_status check_floats(const float *v, size_t n, const char *what, VajraError *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT, "ivf load: %s value %zu not finite",
                                   what, i);
    return VAJRA_OK;
}

vajra_status ivf_load(const VajraKernelOps *kernel, const VajraSectionReader *r, IvfIndex **out,
                      VajraError *err)
{
    if (r == NULL || r->find == NULL || out == NULL || kernel == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf load: NULL argument");
    const void *p;
    vajra_status st = get(r, "ivf.meta", sizeof(IvfMeta), &p, err);
    if (st != VAJRA_OK)
        return st;
    IvfMeta m;
    memcpy(&m, p, sizeof m);
    if (m.magic == IVF_MAGIC_SWAPPED)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "ivf load: written on another byte order");
    if (m.magic != IVF_MAGIC)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "ivf load: bad magic 0x%08x", m.magic);
    if (m.version != IVF_FORMAT_VERSION)
        return vajra_error_set(err, VAJRA_ERR_VERSION,
                               "ivf load: format version %u, this plugin reads %u", m.version,
                               IVF_FORMAT_VERSION);
    IvfParams params = {.dim = m.dim, .metric = m.metric, .nlist = m.nlist, .nprobe = m.nprobe,
                        .iterations = m.iterations, .sample = m.sample,
                        .quantizer = m.quantizer, .rerank = m.rerank, .seed = m.seed};
    IvfIndex *x = NULL;
    if ((st = ivf_index_new(&params, kernel, &x, err)) != VAJRA_OK) {
        if (st != VAJRA_ERR_INVALID_ARGUMENT)
            return st;
        vajra_error_prefix(err, "ivf load: bad meta");
        if (err)
            err->code = VAJRA_ERR_CORRUPT;
        return VAJRA_ERR_CORRUPT;
    }
    if (m.trained > 1 || m.count == UINT32_MAX || m.reserved[0] || m.reserved[1] ||
        (m.trained && m.count < m.nlist)) {
        ivf_index_free(x);
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "ivf load: inconsistent meta");
    }
    size_t n = m.count, d = m.dim, nl = m.nlist;
    bool t = m.trained, sq8 = m.quantizer == IVF_QUANT_SQ8;
    const void *cen, *sq, *off, *ids, *vec, *codes, *rows;
    if ((st = get(r, "ivf.centroids", t ? nl * d * sizeof(float) : 0, &cen, err)) != VAJRA_OK ||
        (st = get(r, "ivf.sq", t && sq8 ? 2 * d * sizeof(float) : 0, &sq, err)) != VAJRA_OK ||
        (st = get(r, "ivf.offsets", t ? (nl + 1) * sizeof(uint32_t) : 0, &off, err)) !=
            VAJRA_OK ||
        (st = get(r, "ivf.ids", t ? n * sizeof(uint32_t) : 0, &ids, err)) != VAJRA_OK ||
        (st = get(r, "ivf.vectors", t && !sq8 ? n * d * sizeof(float) : 0, &vec, err)) !=
            VAJRA_OK ||
        (st = get(r, "ivf.codes", t && sq8 ? n * d : 0, &codes, err)) != VAJRA_OK ||
        (st = get(r, "ivf.rows", !t || (sq8 && m.rerank > 0) ? n * d * sizeof(float) : 0, &rows,
                  err)) !=
            VAJRA_OK) {
        ivf_index_free(x);
        return st;
    }
    x->borrowed = true;
    x->count = m.count;
    x->trained = t;
    x->rows = (float *)rows;
    x->rows_cap = rows ? m.count : 0;
    uint8_t *seen = NULL;
    if (rows) {
        for (size_t i = 0; i < n; i++)
            if (ivf_check_vector(x->rows + i * d, m.dim, m.metric, "ivf load: row", i, err) !=
                VAJRA_OK) {
                st = err ? (err->code = VAJRA_ERR_CORRUPT) : VAJRA_ERR_CORRUPT;
                goto bad;
            }
    }
    if (!t) {
        *out = x;
        return VAJRA_OK;
    }
    x->centroids = (float *)cen;
    if ((st = check_floats(x->centroids, nl * d, "centroid", err)) != VAJRA_OK)
        goto bad;
    if (sq8) {
        x->sq_min = (float *)sq;
        x->sq_step = (float *)sq + d;
        if ((st = check_floats(sq, 2 * d, "sq table", err)) != VAJRA_OK)
            goto bad;
        for (size_t i = 0; i < d; i++)
            if (x->sq_step[i] < 0.0f || !isfinite(x->sq_min[i] + 255.0f * x->sq_step[i])) {
                st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "ivf load: sq step %zu invalid", i);
                goto bad;
            }
    }
    const uint32_t *o = off;
    if (o[0] != 0 || o[nl] != m.count) {
        st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "ivf load: list offsets do not span %u",
                             m.count);
        goto bad;
    }
    for (size_t l = 0; l < nl; l++) {
        if (o[l + 1] < o[l]) {
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "ivf load: list %zu offsets decrease", l);
            goto bad;
        }
        IvfList *li = &x->lists[l];
        li->n = li->cap = o[l + 1] - o[l];
        li->ids = (uint32_t *)ids + o[l];
        if (sq8)
            li->codes = (uint8_t *)codes + (size_t)o[l] * d;
        else
            li->vecs = (float *)vec + (size_t)o[l] * d;
    }
    seen = calloc(n ? n : 1, 1);
    if (seen == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf load: out of memory");
        goto bad;
    }
    const uint32_t *id = ids;
    for (size_t i = 0; i < n; i++) {
        if (id[i] >= m.count || seen[id[i]]) {
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                 "ivf load: list entry %zu names document %u (%s)", i, id[i],
                                 id[i] >= m.count ? "out of range" : "listed twice");
            goto bad;
        }
        seen[id[i]] = 1;
    }
    if ((x->list_of = malloc((n ? n : 1) * sizeof *x->list_of)) == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf load: out of memory");
        goto bad;
    }
    x->list_of_cap = m.count;
    for (size_t l = 0; l < nl; l++) {
        const IvfList *li = &x->lists[l];
        for (uint32_t i = 0; i < li->n; i++) {
            if (i > 0 && li->ids[i] <= li->ids[i - 1]) {
                st = vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                     "ivf load: list %zu ids do not ascend at entry %u", l, i);
                goto bad;
            }
            x->list_of[li->ids[i]] = (uint16_t)l;
        }
    }
    if (!sq8)
        for (size_t i = 0; i < n; i++)
            if (ivf_check_vector((const float *)vec + i * d, m.dim, m.metric,
                                 "ivf load: vector", i, err) != VAJRA_OK) {
                st = err ? (err->code = VAJRA_ERR_CORRUPT) : VAJRA_ERR_CORRUPT;
                goto bad;
            }
    free(seen);
    *out = x;
    return VAJRA_OK;
bad:
    free(seen);
    ivf_index_free(x);
    return st;
}
