/* Fusion morphisms hits × hits → hits: reciprocal rank fusion and convex combination.
 *
 * Both are computed the same way, without allocating beyond the output's own buffer:
 *   1. each side's hits are copied into scratch (the upper half of `out`) as (doc, contribution),
 *   2. each side is sorted by document and repeated documents dropped (keeping the best),
 *   3. the two document-sorted sides are merged into the lower half, adding contributions,
 *   4. the best `limit` are selected and sorted into the canonical order.
 * Contributions are formed in double and stored as float; a sum is formed in double from the two
 * floats, which is commutative, so RRF is symmetric bit for bit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vajra/fusion.h"

#include "hit_sort.h"

/* Order by document ascending, then contribution descending, so the first of a run of equal
 * documents is the one to keep. */
static int by_doc_then_best(const VajraHit *a, const VajraHit *b)
{
    if (a->doc != b->doc)
        return a->doc < b->doc;
    return a->score > b->score;
}

/* Sort one side by document and drop repeats; returns the new length. */
static size_t sort_unique(VajraHit *side, size_t n)
{
    if (n == 0)
        return 0;
    vajra_hit_sort(side, n, by_doc_then_best); /* no allocation (hit_sort.h) */
    size_t w = 1;
    for (size_t r = 1; r < n; r++)
        if (side[r].doc != side[w - 1].doc)
            side[w++] = side[r];
    return w;
}

/* Merge two document-sorted sides into out->items[0..), a document missing from one side taking
 * that side's floor. Sets out->count. The sides live in the scratch half, above everything this
 * writes (at most na + nb hits), so reads and writes never overlap. */
static void merge_sides(const VajraHit *a, size_t na, float floor_a, const VajraHit *b, size_t nb,
                        float floor_b, VajraHits *out)
{
    size_t i = 0, j = 0, w = 0;
    VajraHit *dst = out->items;
    while (i < na || j < nb) {
        uint32_t doc;
        double sa, sb;
        if (j == nb || (i < na && a[i].doc < b[j].doc)) {
            doc = a[i].doc;
            sa = a[i++].score;
            sb = floor_b;
        } else if (i == na || b[j].doc < a[i].doc) {
            doc = b[j].doc;
            sa = floor_a;
            sb = b[j++].score;
        } else {
            doc = a[i].doc;
            sa = a[i++].score;
            sb = b[j++].score;
        }
        dst[w].doc = doc;
        dst[w].score = (float)(sa + sb);
        w++;
    }
    out->count = w;
}

/* Make room for the result (≤ na + nb hits) plus the scratch above it; returns the scratch. */
static VajraHit *prepare(const VajraHits *a, const VajraHits *b, VajraHits *out, VajraError *err,
                         vajra_status *st)
{
    out->count = 0;
    size_t total = a->count + b->count;
    if (total > (SIZE_MAX / sizeof(VajraHit)) / 2) {
        *st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "fusion: %zu hits is too many", total);
        return NULL;
    }
    if (total == 0) {
        *st = VAJRA_OK;
        return NULL;
    }
    *st = vajra_hits_reserve(out, 2 * total, err);
    if (*st != VAJRA_OK)
        return NULL;
    return out->items + total;
}

/* The canonical order, cut to limit: only the kept hits are sorted (hybrid keeps 10 of up to
 * 2 × depth). Every fused document is distinct, so the order is total and the kept hits are
 * those a full sort would keep. */
static void finish(VajraHits *out, size_t limit)
{
    if (limit != 0 && out->count > limit) {
        vajra_hit_top(out->items, out->count, limit, vajra_hit_canonical_before);
        out->count = limit;
        return;
    }
    vajra_hits_sort(out);
}

static vajra_status check_args(const VajraHits *a, const VajraHits *b, const VajraHits *out,
                               const char *who, VajraError *err)
{
    if (a == NULL || b == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s: NULL argument", who);
    if (out == a || out == b)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "%s: the output must not be one of the inputs", who);
    return VAJRA_OK;
}

vajra_status vajra_fuse_rrf(const VajraHits *a, const VajraHits *b, double k, size_t limit,
                            VajraHits *out, VajraError *err)
{
    vajra_status st = check_args(a, b, out, "rrf", err);
    if (st != VAJRA_OK)
        return st;
    out->count = 0;
    if (!isfinite(k) || k < 0)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "rrf: k must be finite and >= 0, got %g",
                               k);
    VajraHit *scratch = prepare(a, b, out, err, &st);
    if (scratch == NULL)
        return st;

    VajraHit *sa = scratch, *sb = scratch + a->count;
    for (size_t r = 0; r < a->count; r++)
        sa[r] = (VajraHit){a->items[r].doc, (float)(1.0 / (k + (double)(r + 1)))};
    for (size_t r = 0; r < b->count; r++)
        sb[r] = (VajraHit){b->items[r].doc, (float)(1.0 / (k + (double)(r + 1)))};
    size_t na = sort_unique(sa, a->count);
    size_t nb = sort_unique(sb, b->count);
    merge_sides(sa, na, 0.0f, sb, nb, 0.0f, out);
    finish(out, limit);
    return VAJRA_OK;
}

/* Copy a side's raw scores into scratch, checking they are finite. */
static vajra_status copy_side(const VajraHits *h, VajraHit *dst, const char *which,
                              VajraError *err)
{
    for (size_t r = 0; r < h->count; r++) {
        if (!isfinite(h->items[r].score))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                   "convex: %s side has a non-finite score at rank %zu", which,
                                   r + 1);
        dst[r] = h->items[r];
    }
    return VAJRA_OK;
}

/* Normalise one (deduplicated) side in place, multiply by w, and return the weighted floor
 * for documents the side did not return. */
static float normalise_side(VajraHit *s, size_t n, VajraNormalization norm, double w)
{
    if (n == 0)
        return 0.0f;
    if (norm == VAJRA_NORM_MINMAX) {
        double lo = s[0].score, hi = s[0].score;
        for (size_t i = 1; i < n; i++) {
            if (s[i].score < lo)
                lo = s[i].score;
            if (s[i].score > hi)
                hi = s[i].score;
        }
        double range = hi - lo;
        for (size_t i = 0; i < n; i++)
            s[i].score = (float)(w * (range > 0 ? ((double)s[i].score - lo) / range : 1.0));
        return 0.0f;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i].score;
    double mean = sum / (double)n, var = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)s[i].score - mean;
        var += d * d;
    }
    double sd = sqrt(var / (double)n);
    double zmin = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double z = sd > 0 ? ((double)s[i].score - mean) / sd : 0.0;
        if (z < zmin)
            zmin = z;
        s[i].score = (float)(w * z);
    }
    return (float)(w * zmin);
}

static vajra_status check_weight(double w, const char *which, VajraError *err)
{
    if (!isfinite(w) || w < 0)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                               "convex: weight %s must be finite and >= 0, got %g", which, w);
    return VAJRA_OK;
}

static vajra_status check_convex_params(VajraNormalization norm, double w_a, double w_b,
                                        VajraError *err)
{
    if (norm != VAJRA_NORM_MINMAX && norm != VAJRA_NORM_ZSCORE)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "convex: unknown normalisation %d", (int)norm);
    vajra_status st = check_weight(w_a, "a", err);
    if (st == VAJRA_OK)
        st = check_weight(w_b, "b", err);
    if (st == VAJRA_OK && w_a == 0 && w_b == 0)
        st = vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "convex: both weights are 0");
    return st;
}

vajra_status vajra_fuse_convex(const VajraHits *a, const VajraHits *b, VajraNormalization norm,
                               double w_a, double w_b, size_t limit, VajraHits *out,
                               VajraError *err)
{
    vajra_status st = check_args(a, b, out, "convex", err);
    if (st != VAJRA_OK)
        return st;
    out->count = 0;
    st = check_convex_params(norm, w_a, w_b, err);
    if (st != VAJRA_OK)
        return st;
    VajraHit *scratch = prepare(a, b, out, err, &st);
    if (scratch == NULL)
        return st;

    /* A side of weight 0 contributes nothing, not even candidates. */
    size_t na = w_a > 0 ? a->count : 0, nb = w_b > 0 ? b->count : 0;
    VajraHit *sa = scratch, *sb = scratch + na;
    if (w_a > 0)
        st = copy_side(a, sa, "first", err);
    if (st == VAJRA_OK && w_b > 0)
        st = copy_side(b, sb, "second", err);
    if (st != VAJRA_OK)
        return st;
    na = sort_unique(sa, na);
    nb = sort_unique(sb, nb);
    float floor_a = normalise_side(sa, na, norm, w_a);
    float floor_b = normalise_side(sb, nb, norm, w_b);
    merge_sides(sa, na, floor_a, sb, nb, floor_b, out);
    finish(out, limit);
    return VAJRA_OK;
}

const char *vajra_normalization_name(VajraNormalization norm)
{
    switch (norm) {
    case VAJRA_NORM_MINMAX:
        return "minmax";
    case VAJRA_NORM_ZSCORE:
        return "zscore";
    }
    return NULL;
}

/* ---- the morphisms ---- */

typedef struct FusionSelf {
    int is_rrf;
    double k;
    VajraNormalization norm;
    double w_a, w_b;
    size_t limit;
} FusionSelf;

static vajra_status fusion_apply(void *self, const void *in, void *out, VajraError *err)
{
    const FusionSelf *f = self;
    const VajraProduct *pair = in;
    const VajraHits *a = pair->first, *b = pair->second;
    if (f->is_rrf)
        return vajra_fuse_rrf(a, b, f->k, f->limit, out, err);
    return vajra_fuse_convex(a, b, f->norm, f->w_a, f->w_b, f->limit, out, err);
}

static vajra_status make_fusion(const FusionSelf *params, const char *name, VajraMorphism **out,
                                VajraError *err)
{
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "fusion: NULL output");
    const VajraType *dom = vajra_type_hits_pair();
    if (dom == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "fusion: cannot make hits × hits");
    FusionSelf *self = malloc(sizeof *self);
    if (self == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "fusion: out of memory");
    *self = *params;
    return vajra_morphism_new(name, dom, vajra_type_hits(), fusion_apply, self, free, out, err);
}

vajra_status vajra_fusion_rrf(double k, size_t limit, VajraMorphism **out, VajraError *err)
{
    if (!isfinite(k) || k < 0)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "rrf: k must be finite and >= 0, got %g",
                               k);
    char name[64];
    snprintf(name, sizeof name, "rrf(k=%g)", k);
    FusionSelf p = {.is_rrf = 1, .k = k, .limit = limit};
    return make_fusion(&p, name, out, err);
}

vajra_status vajra_fusion_convex(VajraNormalization norm, double w_a, double w_b, size_t limit,
                                 VajraMorphism **out, VajraError *err)
{
    vajra_status st = check_convex_params(norm, w_a, w_b, err);
    if (st != VAJRA_OK)
        return st;
    char name[96];
    snprintf(name, sizeof name, "convex(%s,%g,%g)", vajra_normalization_name(norm), w_a, w_b);
    FusionSelf p = {.is_rrf = 0, .norm = norm, .w_a = w_a, .w_b = w_b, .limit = limit};
    return make_fusion(&p, name, out, err);
}
