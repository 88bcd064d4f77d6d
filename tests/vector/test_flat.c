/* Suite 'vector': the vector-flat plugin (plugins/vector/flat), driven through the registry and
 * its vtable only, as any host would.
 *
 * Parity: its search equals the core's exact reference (vajra_reference_exact_search: every
 * stored row scored by vajra_ref_dot / vajra_ref_l2sq, in canonical order):
 *   - with the scalar kernel: the same ids in the same order and bit-identical scores (the
 *     scalar kernel runs the same single-pair loops);
 *   - with the best kernel here (SIMD): scores within 1e-5·(1 + |score|), ids in the same order
 *     except where two reference scores are that close (a summation-order tie flip).
 * f16 storage: rows are rounded to binary16 (nearest even) on insert, so a score differs from
 * the f32 score of the same document by at most 2⁻¹¹·Σ|qᵢxᵢ| (+ float summation noise), which
 * for unit vectors is ≤ 4.9e-4: asserted with the bound 5e-4. Data already held as f16 (the
 * wordnet and glove files) round-trips exactly, so there f16 storage equals f32 (bit for bit with
 * the scalar kernel; within the SIMD bound otherwise, the kernel's f16 slots summing in their
 * own order).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/registry.h"
#include "vajra/vector.h"
#include "vector_fixture.h"

typedef struct Flat {
    VajraRegistry *reg;
    VajraPlugin *plugin;
    const VajraVectorVtable *vt;
    void *state;
} Flat;

static void flat_open(Flat *f, const char *kernel)
{
    VajraError err = {0};
    VajraRegistryOptions o = {.struct_size = sizeof o, .kernel = kernel};
    ck_assert_msg(vajra_registry_new(&o, &f->reg, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_registry_load(f->reg, VAJRA_PLUGIN_VECTOR, "vector-flat", &f->plugin,
                                      &err) == VAJRA_OK, "%s", err.message);
    f->vt = vajra_plugin_vtable(f->plugin);
    f->state = vajra_plugin_state(f->plugin);
    ck_assert_int_eq(vajra_vector_vtable_check(f->vt, &err), VAJRA_OK);
}

static void flat_close(Flat *f)
{
    vajra_plugin_unref(f->plugin);
    vajra_registry_free(f->reg);
}

static VajraVectorIndex *flat_build(const Flat *f, uint32_t dim, VajraMetric metric,
                                    const char *storage, const float *rows, size_t n)
{
    VajraError err = {0};
    VajraKeyValue kv[] = {{"storage", storage}};
    VajraVectorIndex *x = NULL;
    ck_assert_msg(f->vt->create_kv(f->state, dim, metric, kv, 1, &x, &err) == VAJRA_OK, "%s",
                  err.message);
    uint32_t first = 99;
    ck_assert_msg(f->vt->add(x, rows, dim, n, 1, &first, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(first, 0);
    ck_assert_uint_eq(f->vt->count(x), n);
    return x;
}

static float *random_rows(size_t n, uint32_t dim, uint64_t seed)
{
    float *v = malloc(sizeof(float) * n * dim);
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 7;
    for (size_t i = 0; i < n * dim; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        v[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
    return v;
}

static void hits_copy(VajraHits *dst, const VajraHits *src)
{
    ck_assert_int_eq(vajra_hits_reserve(dst, src->count, NULL), VAJRA_OK);
    memcpy(dst->items, src->items, src->count * sizeof *src->items);
    dst->count = src->count;
}

/* fast vs ref as the file comment says; exact = 1 for the scalar kernel. */
static void assert_parity(const VajraHits *fast, const VajraHits *ref, int exact, const char *what)
{
    ck_assert_msg(fast->count == ref->count, "%s: %zu hits, reference %zu", what, fast->count,
                  ref->count);
    for (size_t i = 0; i < ref->count; i++) {
        float a = fast->items[i].score, b = ref->items[i].score;
        if (exact) {
            ck_assert_msg(fast->items[i].doc == ref->items[i].doc && a == b,
                          "%s: hit %zu is %u (%.9g), reference %u (%.9g)", what, i,
                          fast->items[i].doc, (double)a, ref->items[i].doc, (double)b);
            continue;
        }
        float tol = 1e-5f * (1.0f + fabsf(b));
        ck_assert_msg(fabsf(a - b) <= tol, "%s: hit %zu score %.9g, reference %.9g", what, i,
                      (double)a, (double)b);
        if (fast->items[i].doc != ref->items[i].doc) {
            int tie = (i > 0 && fabsf(ref->items[i - 1].score - b) <= tol) ||
                      (i + 1 < ref->count && fabsf(ref->items[i + 1].score - b) <= tol);
            ck_assert_msg(tie, "%s: hit %zu is %u, reference %u (no tie)", what, i,
                          fast->items[i].doc, ref->items[i].doc);
        }
    }
}

/* Parity with the core's exact reference on real data (wordnet lsa384 and glove100, 10k rows,
 * 60 queries, every 10th also filtered) for every metric, f32 and f16, scalar and the best
 * kernel, filtered and not; and recall@10 = 1 against the data's own ground truth (IP).
 * Light (valgrind): wordnet 1k rows (its smallest ground truth), 10 queries, every 5th filtered;
 * every combination still runs (the full sweep was 400 s of the memcheck pass). */
START_TEST(test_flat_parity_real_data)
{
    const int light = vec_test_light();
    const size_t nq = light ? 10 : 60, filter_every = light ? 5 : 10;
    const size_t rows[2] = {light ? 1000 : 10000, 10000}; /* glove: ground truth from 10k */
    const char *sets[2] = {"wordnet", "glove"};
    const char *kernels[2] = {"scalar", NULL};
    const VajraMetric metrics[3] = {VAJRA_METRIC_IP, VAJRA_METRIC_L2, VAJRA_METRIC_COSINE};
    const char *storages[2] = {"f32", "f16"};
    VajraError err = {0};
    for (int si = 0; si < 2; si++) {
        VecSet v;
        ck_assert_msg(vecset_load(&v, sets[si], rows[si]) == 0, "%s data missing", sets[si]);
        ck_assert_uint_gt(v.gt_ids.dim, 0);
        uint32_t dim = (uint32_t)v.base.dim;
        uint64_t *third = calloc((v.base.rows + 63) / 64, sizeof *third);
        for (size_t d = 0; d < v.base.rows; d += 3)
            third[d / 64] |= UINT64_C(1) << (d % 64);
        VajraDocFilter filter = {.struct_size = sizeof filter, .nbits = (uint32_t)v.base.rows,
                                 .words = third};
        filter.passing = vajra_filter_count(third, filter.nbits);
        for (int ki = 0; ki < 2; ki++) {
            Flat f;
            flat_open(&f, kernels[ki]);
            for (int mi = 0; mi < 3; mi++) {
                VajraHits f32 = {0}, hits = {0}, ref = {0};
                for (int st = 0; st < 2; st++) {
                    VajraVectorIndex *x = flat_build(&f, dim, metrics[mi], storages[st],
                                                     v.base.data, v.base.rows);
                    VajraVectorSearch *s = NULL;
                    ck_assert_int_eq(f.vt->search_new(x, &s, &err), VAJRA_OK);
                    double recall = 0.0;
                    for (size_t q = 0; q < nq; q++) {
                        VajraVectorQuery vq = {v.queries.data + q * dim, dim, 10};
                        char what[96];
                        snprintf(what, sizeof what, "%s %s metric %d %s q%zu", sets[si],
                                 kernels[ki] ? kernels[ki] : "best", (int)metrics[mi],
                                 storages[st], q);
                        ck_assert_int_eq(f.vt->search(x, s, &vq, 0, &hits, &err), VAJRA_OK);
                        ck_assert_int_eq(vajra_reference_exact_search(f.vt, x, &vq, NULL, &ref,
                                                                      &err), VAJRA_OK);
                        assert_parity(&hits, &ref, kernels[ki] != NULL, what);
                        if (metrics[mi] == VAJRA_METRIC_IP)
                            recall += vecset_recall(&v, q, &hits, 10);
                        /* the stored values are f16 already: f16 storage is lossless here */
                        int lossless = metrics[mi] != VAJRA_METRIC_COSINE; /* no renormalising */
                        if (lossless && st == 1 && q == 0) /* SIMD f16 slots sum in their order */
                            assert_parity(&hits, &f32, kernels[ki] != NULL, what);
                        if (lossless && st == 0 && q == 0)
                            hits_copy(&f32, &hits);
                        if (q % filter_every == 0) { /* filtered: every third document */
                            ck_assert_int_eq(f.vt->search_filtered(x, s, &vq, 0, &filter, &hits,
                                                                   &err), VAJRA_OK);
                            ck_assert_int_eq(vajra_reference_exact_search(f.vt, x, &vq, &filter,
                                                                          &ref, &err), VAJRA_OK);
                            assert_parity(&hits, &ref, kernels[ki] != NULL, what);
                            for (size_t i = 0; i < hits.count; i++)
                                ck_assert_uint_eq(hits.items[i].doc % 3, 0);
                        }
                    }
                    if (metrics[mi] == VAJRA_METRIC_IP)
                        ck_assert_msg(recall / (double)nq > 0.9999, "%s recall@10 %.4f",
                                      sets[si], recall / (double)nq);
                    f.vt->search_free(s);
                    f.vt->destroy(x);
                }
                vajra_hits_clear(&f32);
                vajra_hits_clear(&hits);
                vajra_hits_clear(&ref);
            }
            flat_close(&f);
        }
        free(third);
        vecset_clear(&v);
    }
}
END_TEST

/* f16 rounding where it is lossy: random unit vectors (cosine) stored as f16 score within 5e-4 of
 * the f32 score of the same document; the top-10 overlaps the f32 top-10 almost entirely. */
START_TEST(test_flat_f16_tolerance)
{
    const uint32_t dim = 64;
    const size_t n = 5000;
    float *rows = random_rows(n, dim, 3), *qs = random_rows(100, dim, 4);
    Flat f;
    flat_open(&f, NULL);
    VajraVectorIndex *a = flat_build(&f, dim, VAJRA_METRIC_COSINE, "f32", rows, n);
    VajraVectorIndex *b = flat_build(&f, dim, VAJRA_METRIC_COSINE, "f16", rows, n);
    VajraVectorSearch *s = NULL;
    VajraError err = {0};
    ck_assert_int_eq(f.vt->search_new(a, &s, &err), VAJRA_OK);
    VajraHits ha = {0}, hb = {0};
    float worst = 0.0f;
    size_t overlap = 0;
    float *row = malloc(dim * sizeof *row), *qn = malloc(dim * sizeof *qn);
    for (size_t q = 0; q < 100; q++) {
        VajraVectorQuery vq = {qs + q * dim, dim, 10};
        ck_assert_int_eq(f.vt->search(a, s, &vq, 0, &ha, &err), VAJRA_OK);
        ck_assert_int_eq(f.vt->search(b, s, &vq, 0, &hb, &err), VAJRA_OK);
        ck_assert_uint_eq(hb.count, 10);
        ck_assert_int_eq(vajra_vector_normalize(vq.values, qn, dim, &err), VAJRA_OK);
        for (size_t i = 0; i < hb.count; i++) {
            /* the f32 score of the document the f16 index returned */
            ck_assert_int_eq(f.vt->get_vector(a, hb.items[i].doc, row, &err), VAJRA_OK);
            float d = fabsf(hb.items[i].score - vajra_ref_dot(qn, row, dim));
            worst = d > worst ? d : worst;
            for (size_t j = 0; j < ha.count; j++)
                overlap += ha.items[j].doc == hb.items[i].doc;
        }
    }
    ck_assert_msg(worst <= 5e-4f, "f16 score error %.3g", (double)worst);
    ck_assert_msg(overlap >= 980, "f16 top-10 overlap %zu / 1000", overlap);
    /* get_vector hands back the rounded row: a unit row, each component within 2^-11 relative */
    ck_assert_int_eq(f.vt->get_vector(b, 17, row, &err), VAJRA_OK);
    ck_assert_int_eq(f.vt->get_vector(a, 17, qn, &err), VAJRA_OK);
    for (uint32_t j = 0; j < dim; j++)
        ck_assert_float_le(fabsf(row[j] - qn[j]), fabsf(qn[j]) * 0x1p-11f + 0x1p-25f);
    vajra_hits_clear(&ha);
    vajra_hits_clear(&hb);
    free(row);
    free(qn);
    f.vt->search_free(s);
    f.vt->destroy(a);
    f.vt->destroy(b);
    flat_close(&f);
    free(rows);
    free(qs);
}
END_TEST

/* The f16 conversion at its edges, seen through get_vector (L2 keeps values as given). */
START_TEST(test_flat_f16_rounding)
{
    const float in[12] = {1.0f, 65504.0f, 1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 0x1p-24f,
                          0x1p-26f, 3 * 0x1p-26f, -2.5f, 0.1f, 0x1p-14f, 65519.0f, 0.0f};
    const float want[12] = {1.0f, 65504.0f, 1.0f, 1.0f + 4 * 0x1p-11f, 0x1p-24f, 0.0f, 0x1p-24f,
                            -2.5f, 0.0999755859375f, 0x1p-14f, 65504.0f, 0.0f};
    Flat f;
    flat_open(&f, NULL);
    VajraVectorIndex *x = flat_build(&f, 12, VAJRA_METRIC_L2, "f16", in, 1);
    float out[12];
    VajraError err = {0};
    ck_assert_int_eq(f.vt->get_vector(x, 0, out, &err), VAJRA_OK);
    for (int j = 0; j < 12; j++)
        ck_assert_msg(out[j] == want[j], "component %d: %.10g -> %.10g, want %.10g", j,
                      (double)in[j], (double)out[j], (double)want[j]);
    /* beyond f16's range: refused, nothing inserted */
    float big[12] = {70000.0f};
    ck_assert_int_eq(f.vt->add(x, big, 12, 1, 1, NULL, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_uint_eq(f.vt->count(x), 1);
    f.vt->destroy(x);
    flat_close(&f);
}
END_TEST

/* Parameters and errors: unknown keys and values refused, the effective parameters reported,
 * no profiles, graph or version-1 create; bad input refused whole. */
START_TEST(test_flat_params_errors)
{
    Flat f;
    flat_open(&f, NULL);
    VajraError err = {0};
    VajraVectorIndex *x = NULL;
    VajraKeyValue bad_key[] = {{"M", "16"}}, bad_val[] = {{"storage", "f8"}};
    ck_assert_int_eq(f.vt->create_kv(f.state, 8, VAJRA_METRIC_IP, bad_key, 1, &x, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "\"M\""));
    ck_assert_int_eq(f.vt->create_kv(f.state, 8, VAJRA_METRIC_IP, bad_val, 1, &x, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(f.vt->create_kv(f.state, 0, VAJRA_METRIC_IP, NULL, 0, &x, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(f.vt->create_kv(f.state, 8, (VajraMetric)9, NULL, 0, &x, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(x);
    /* through the core's create; the v1 keys are not this plugin's */
    ck_assert_int_eq(vajra_vector_create(f.vt, f.state, 8, VAJRA_METRIC_IP, NULL, 0, &x, &err),
                     VAJRA_OK);
    VajraKeyValue got[2];
    ck_assert_uint_eq(f.vt->params_kv(x, got, 2), 1);
    ck_assert_str_eq(got[0].key, "storage");
    ck_assert_str_eq(got[0].value, "f32");
    VajraVectorParams p = {.struct_size = sizeof p};
    f.vt->params(x, &p);
    ck_assert(p.dim == 8 && p.metric == VAJRA_METRIC_IP && p.M == 0 && p.ef_search == 0);
    ck_assert_ptr_null(f.vt->profile);
    VajraHnswGraph g = {.struct_size = sizeof g};
    ck_assert_int_eq(vajra_vector_graph(f.vt, x, &g, &err), VAJRA_ERR_UNSUPPORTED);
    float rows[3 * 8] = {0};
    for (int i = 0; i < 24; i++)
        rows[i] = (float)(i % 5) - 2.0f;
    rows[13] = NAN;
    ck_assert_int_eq(f.vt->add(x, rows, 8, 3, 1, NULL, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_uint_eq(f.vt->count(x), 0); /* all or nothing */
    ck_assert_int_eq(f.vt->add(x, rows, 7, 1, 1, NULL, &err), VAJRA_ERR_DIMENSION);
    rows[13] = 1.0f;
    ck_assert_int_eq(f.vt->add(x, rows, 8, 3, 1, NULL, &err), VAJRA_OK);
    VajraVectorSearch *s = NULL;
    ck_assert_int_eq(f.vt->search_new(x, &s, &err), VAJRA_OK);
    VajraHits h = {0};
    VajraVectorQuery q = {rows, 4, 2};
    ck_assert_int_eq(f.vt->search(x, s, &q, 0, &h, &err), VAJRA_ERR_DIMENSION);
    q = (VajraVectorQuery){rows + 8, 8, 10}; /* k > count: every row */
    ck_assert_int_eq(f.vt->search(x, s, &q, 7, &h, &err), VAJRA_OK);
    ck_assert_uint_eq(h.count, 3);
    q.k = 0;
    ck_assert_int_eq(f.vt->search(x, s, &q, 0, &h, &err), VAJRA_OK);
    ck_assert_uint_eq(h.count, 0);
    f.vt->search_free(s);
    f.vt->destroy(x);
    /* cosine: a zero row is refused */
    ck_assert_int_eq(vajra_vector_create(f.vt, f.state, 8, VAJRA_METRIC_COSINE, NULL, 0, &x, &err),
                     VAJRA_OK);
    float zero[8] = {0};
    ck_assert_int_eq(f.vt->add(x, zero, 8, 1, 1, NULL, &err), VAJRA_ERR_BAD_VALUE);
    f.vt->destroy(x);
    vajra_hits_clear(&h);
    flat_close(&f);
}
END_TEST

/* Save and load: deterministic bytes, the same answers after loading (zero copy), adding to a
 * loaded index, and every damaged file refused. */
START_TEST(test_flat_save_load)
{
    Flat f;
    flat_open(&f, NULL);
    VajraError err = {0};
    const uint32_t dim = 24;
    float *rows = random_rows(700, dim, 9);
    for (int st = 0; st < 2; st++) {
        const char *storage = st ? "f16" : "f32";
        VajraVectorIndex *x = flat_build(&f, dim, VAJRA_METRIC_L2, storage, rows, 600);
        MemSections *m1 = mem_sections_new(), *m2 = mem_sections_new();
        VajraSectionWriter w1 = mem_sections_writer(m1), w2 = mem_sections_writer(m2);
        ck_assert_int_eq(f.vt->save(x, &w1, &err), VAJRA_OK);
        ck_assert_int_eq(f.vt->save(x, &w2, &err), VAJRA_OK);
        ck_assert(mem_sections_equal(m1, m2));
        ck_assert_uint_eq(mem_sections_count(m1), 2);
        VajraSectionReader r = mem_sections_reader(m1);
        VajraVectorIndex *y = NULL;
        ck_assert_msg(f.vt->load(f.state, &r, &y, &err) == VAJRA_OK, "%s", err.message);
        VajraKeyValue kv[1];
        ck_assert_uint_eq(f.vt->params_kv(y, kv, 1), 1);
        ck_assert_str_eq(kv[0].value, storage);
        VajraVectorSearch *s = NULL;
        ck_assert_int_eq(f.vt->search_new(x, &s, &err), VAJRA_OK);
        VajraHits a = {0}, b = {0};
        for (size_t q = 600; q < 620; q++) {
            VajraVectorQuery vq = {rows + q * dim, dim, 7};
            ck_assert_int_eq(f.vt->search(x, s, &vq, 0, &a, &err), VAJRA_OK);
            ck_assert_int_eq(f.vt->search(y, s, &vq, 0, &b, &err), VAJRA_OK);
            assert_parity(&a, &b, 1, "loaded");
        }
        /* a loaded index grows like a built one */
        ck_assert_int_eq(f.vt->add(y, rows + 600 * dim, dim, 100, 1, NULL, &err), VAJRA_OK);
        ck_assert_int_eq(f.vt->add(x, rows + 600 * dim, dim, 100, 1, NULL, &err), VAJRA_OK);
        MemSections *m3 = mem_sections_new(), *m4 = mem_sections_new();
        VajraSectionWriter w3 = mem_sections_writer(m3), w4 = mem_sections_writer(m4);
        ck_assert_int_eq(f.vt->save(x, &w3, &err), VAJRA_OK);
        ck_assert_int_eq(f.vt->save(y, &w4, &err), VAJRA_OK);
        ck_assert(mem_sections_equal(m3, m4));
        f.vt->destroy(y);
        /* damage: each variant of the meta section, then the rows */
        void *meta = NULL, *data = NULL;
        size_t mlen = 0, dlen = 0;
        ck_assert_str_eq(mem_sections_at(m1, 0, &meta, &mlen), "flat.meta");
        ck_assert_str_eq(mem_sections_at(m1, 1, &data, &dlen), "flat.rows");
        uint32_t *mw = meta;
        const struct { int word; uint32_t value; vajra_status want; } cases[] = {
            {0, 0x12345678u, VAJRA_ERR_CORRUPT}, /* magic */
            {1, 2, VAJRA_ERR_VERSION},          /* format */
            {2, 0, VAJRA_ERR_CORRUPT},          /* dim */
            {2, dim + 1, VAJRA_ERR_CORRUPT},    /* dim: rows no longer fit */
            {3, 7, VAJRA_ERR_CORRUPT},          /* metric */
            {4, 2, VAJRA_ERR_CORRUPT},          /* storage */
            {6, 601, VAJRA_ERR_CORRUPT},        /* count */
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            uint32_t old = mw[cases[c].word];
            mw[cases[c].word] = cases[c].value;
            y = NULL;
            ck_assert_msg(f.vt->load(f.state, &r, &y, &err) == cases[c].want, "case %zu: %s", c,
                          err.message);
            ck_assert_ptr_null(y);
            mw[cases[c].word] = old;
        }
        if (st == 0) {
            float *fr = data, keep = fr[5];
            fr[5] = INFINITY;
            ck_assert_int_eq(f.vt->load(f.state, &r, &y, &err), VAJRA_ERR_CORRUPT);
            fr[5] = keep;
        } else {
            uint16_t *hr = data, keep = hr[5];
            hr[5] = 0x7C00u; /* +inf */
            ck_assert_int_eq(f.vt->load(f.state, &r, &y, &err), VAJRA_ERR_CORRUPT);
            hr[5] = keep;
        }
        ck_assert_int_eq(f.vt->load(f.state, &r, &y, &err), VAJRA_OK); /* undamaged again */
        f.vt->destroy(y);
        MemSections *empty = mem_sections_new();
        VajraSectionReader er = mem_sections_reader(empty);
        ck_assert_int_eq(f.vt->load(f.state, &er, &y, &err), VAJRA_ERR_NOT_FOUND);
        mem_sections_free(empty);
        vajra_hits_clear(&a);
        vajra_hits_clear(&b);
        f.vt->search_free(s);
        f.vt->destroy(x);
        mem_sections_free(m1);
        mem_sections_free(m2);
        mem_sections_free(m3);
        mem_sections_free(m4);
    }
    free(rows);
    flat_close(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vector-flat");
    TCase *t = tcase_create("flat");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, test_flat_params_errors);
    tcase_add_test(t, test_flat_f16_rounding);
    tcase_add_test(t, test_flat_f16_tolerance);
    tcase_add_test(t, test_flat_save_load);
    tcase_add_test(t, test_flat_parity_real_data);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
