/* Suite 'vector': the IVF index (plugins/vector/ivf) — parameter and input validation, the flat
 * behaviour below the training threshold, training and list invariants, nprobe = nlist equal to
 * an independent brute force, SQ8 coding bounds and exact re-rank scores, filters, the same bytes
 * for any thread count and for any split of the batches after training, save/load (zero copy,
 * adding to a loaded index, corruption). Driven through the internal API with the scalar kernel;
 * the parity suite (test_ivf_parity.c) compares with the reference on real data and every
 * kernel. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivf_index.h"
#include "test_filter.h"
#include "vajra/kernel.h"
#include "vajra/registry.h"
#include "vector_fixture.h"

static IvfParams params(uint32_t dim, VajraMetric metric, uint32_t nlist, uint32_t quant)
{
    IvfParams p;
    ivf_params_default(&p, dim, metric);
    p.nlist = nlist;
    p.nprobe = nlist < 4 ? nlist : 4;
    p.quantizer = quant;
    p.rerank = 20;
    p.seed = 7;
    return p;
}

static IvfIndex *new_index(IvfParams p)
{
    IvfIndex *x = NULL;
    VajraError err = {0};
    ck_assert_msg(ivf_index_new(&p, vajra_kernel_reference(), &x, &err) == VAJRA_OK, "%s",
                  err.message);
    return x;
}

static void add_ok(IvfIndex *x, const float *v, uint32_t dim, size_t n, uint32_t threads)
{
    VajraError err = {0};
    ck_assert_msg(ivf_add(x, v, dim, n, threads, NULL, &err) == VAJRA_OK, "%s", err.message);
}

/* Seeded clustered data: `centres` random centres in [-1, 1), each row a centre plus noise of
 * ±0.2, so the lists are meaningful (and near ties between distances are rare). */
static float *clustered_rows(size_t n, uint32_t dim, uint32_t centres, uint64_t seed)
{
    float *c = malloc(sizeof(float) * centres * dim), *v = malloc(sizeof(float) * n * dim);
    uint64_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < (size_t)centres * dim; i++)
        c[i] = (float)((double)(tf_splitmix(&s) >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    for (size_t r = 0; r < n; r++) {
        uint32_t k = (uint32_t)(tf_splitmix(&s) % centres);
        for (uint32_t t = 0; t < dim; t++)
            v[r * dim + t] = c[(size_t)k * dim + t] +
                             (float)((double)(tf_splitmix(&s) >> 11) / 9007199254740992.0 * 0.4 -
                                     0.2);
    }
    free(c);
    return v;
}

/* The brute force this test trusts: scalar distances on the given rows (normalised under cosine
 * here, independently of the index), sorted canonically, documents failing f skipped. */
static size_t brute_force(const float *rows, size_t n, uint32_t dim, const float *q,
                          VajraMetric metric, const VajraDocFilter *f, VajraHit *h)
{
    float *qn = malloc(sizeof(float) * dim), *rn = malloc(sizeof(float) * dim);
    memcpy(qn, q, sizeof(float) * dim);
    if (metric == VAJRA_METRIC_COSINE)
        vajra_vector_normalize(q, qn, dim, NULL);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!vajra_filter_pass(f, (uint32_t)i))
            continue;
        const float *r = rows + i * dim;
        if (metric == VAJRA_METRIC_COSINE) {
            vajra_vector_normalize(r, rn, dim, NULL);
            r = rn;
        }
        h[m].doc = (uint32_t)i;
        h[m++].score = metric == VAJRA_METRIC_L2 ? -vajra_ref_l2sq(qn, r, dim)
                                                 : vajra_ref_dot(qn, r, dim);
    }
    qsort(h, m, sizeof *h, vajra_hit_compare);
    free(qn);
    free(rn);
    return m;
}

static MemSections *save_mem(const IvfIndex *x)
{
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    VajraError err = {0};
    ck_assert_msg(ivf_save(x, &w, &err) == VAJRA_OK, "%s", err.message);
    return m;
}

static void search_ok(const IvfIndex *x, IvfSearch *s, const float *q, uint32_t k,
                      uint32_t nprobe, const VajraDocFilter *f, VajraHits *out)
{
    VajraVectorQuery query = {q, x->dim, k};
    VajraError err = {0};
    ck_assert_msg(ivf_search(x, s, &query, nprobe, f, out, &err) == VAJRA_OK, "%s", err.message);
}

START_TEST(test_bad_params_named)
{
    struct { const char *field; uint32_t value; const char *word; } cases[] = {
        {"dim", 0, "dim"},           {"metric", 9, "metric"},       {"nlist", 0, "nlist"},
        {"nlist", 70000, "nlist"},   {"nprobe", 0, "nprobe"},       {"nprobe", 17, "nprobe"},
        {"iterations", 0, "iterations"}, {"sample", 5, "sample"},   {"quantizer", 2, "quantizer"},
        {"rerank", 70000, "rerank"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        IvfParams p = params(8, VAJRA_METRIC_L2, 16, IVF_QUANT_NONE);
        uint32_t *f = !strcmp(cases[c].field, "dim")          ? &p.dim
                      : !strcmp(cases[c].field, "metric")     ? &p.metric
                      : !strcmp(cases[c].field, "nlist")      ? &p.nlist
                      : !strcmp(cases[c].field, "nprobe")     ? &p.nprobe
                      : !strcmp(cases[c].field, "iterations") ? &p.iterations
                      : !strcmp(cases[c].field, "sample")     ? &p.sample
                      : !strcmp(cases[c].field, "quantizer")  ? &p.quantizer
                                                              : &p.rerank;
        *f = cases[c].value;
        IvfIndex *x = NULL;
        VajraError err = {0};
        ck_assert_int_eq(ivf_index_new(&p, vajra_kernel_reference(), &x, &err),
                         VAJRA_ERR_INVALID_ARGUMENT);
        ck_assert_ptr_null(x);
        ck_assert_msg(strstr(err.message, cases[c].word) != NULL, "case %zu: '%s'", c,
                      err.message);
    }
}
END_TEST

START_TEST(test_bad_input_and_small_sets)
{
    const uint32_t dim = 8, nlist = 16; /* trains at 16 × 39 = 624 */
    IvfIndex *x = new_index(params(dim, VAJRA_METRIC_COSINE, nlist, IVF_QUANT_NONE));
    IvfSearch *s = NULL;
    VajraError err = {0};
    VajraHits hits = {0};
    ck_assert_int_eq(ivf_search_new(&s, &err), VAJRA_OK);
    float *rows = clustered_rows(700, dim, 10, 1);

    search_ok(x, s, rows, 5, 0, NULL, &hits); /* empty index */
    ck_assert_uint_eq(hits.count, 0);

    ck_assert_int_eq(ivf_add(x, rows, dim - 1, 30, 1, NULL, &err), VAJRA_ERR_DIMENSION);
    float keep = rows[2 * dim + 3];
    rows[2 * dim + 3] = NAN;
    ck_assert_int_eq(ivf_add(x, rows, dim, 30, 1, NULL, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_ptr_nonnull(strstr(err.message, "vector 2"));
    rows[2 * dim + 3] = INFINITY;
    ck_assert_int_eq(ivf_add(x, rows, dim, 30, 1, NULL, &err), VAJRA_ERR_BAD_VALUE);
    rows[2 * dim + 3] = keep;
    float z[8] = {0};
    ck_assert_int_eq(ivf_add(x, z, dim, 1, 1, NULL, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_ptr_nonnull(strstr(err.message, "zero"));
    ck_assert_uint_eq(x->count, 0);

    /* Below the threshold: untrained, exact. */
    uint32_t first = 99;
    ck_assert_int_eq(ivf_add(x, rows, dim, 300, 2, &first, &err), VAJRA_OK);
    ck_assert_uint_eq(first, 0);
    ck_assert(!x->trained);
    VajraHit *bf = malloc(sizeof(VajraHit) * 700);
    for (size_t q = 0; q < 20; q++) {
        const float *qv = rows + (400 + q) * dim;
        search_ok(x, s, qv, 10, 1, NULL, &hits); /* nprobe 1 is still exact */
        size_t m = brute_force(rows, 300, dim, qv, VAJRA_METRIC_COSINE, NULL, bf);
        ck_assert_uint_eq(hits.count, 10);
        for (size_t i = 0; i < 10 && i < m; i++) {
            ck_assert_uint_eq(hits.items[i].doc, bf[i].doc);
            ck_assert_float_eq(hits.items[i].score, bf[i].score);
        }
    }
    /* k > count, k = 0. */
    search_ok(x, s, rows, 1000, 0, NULL, &hits);
    ck_assert_uint_eq(hits.count, 300);
    search_ok(x, s, rows, 0, 0, NULL, &hits);
    ck_assert_uint_eq(hits.count, 0);

    /* Bad queries. */
    VajraVectorQuery bad = {rows, dim + 1, 5};
    ck_assert_int_eq(ivf_search(x, s, &bad, 0, NULL, &hits, &err), VAJRA_ERR_DIMENSION);
    bad = (VajraVectorQuery){z, dim, 5};
    ck_assert_int_eq(ivf_search(x, s, &bad, 0, NULL, &hits, &err), VAJRA_ERR_BAD_VALUE);
    float nanq[8] = {1, NAN, 0, 0, 0, 0, 0, 0};
    bad = (VajraVectorQuery){nanq, dim, 5};
    ck_assert_int_eq(ivf_search(x, s, &bad, 0, NULL, &hits, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_int_eq(ivf_reference_search(x, &bad, 0, NULL, &hits, &err), VAJRA_ERR_BAD_VALUE);

    /* Crossing the threshold trains; every document is in exactly one list, ids ascend, and the
     * stored vector of each document is its unit-length input. */
    ck_assert_int_eq(ivf_add(x, rows + 300 * dim, dim, 400, 2, &first, &err), VAJRA_OK);
    ck_assert_uint_eq(first, 300);
    ck_assert(x->trained);
    ck_assert_ptr_null(x->rows); /* flat lists hold the vectors now */
    uint8_t *seen = calloc(700, 1);
    size_t total = 0;
    for (uint32_t l = 0; l < nlist; l++) {
        total += x->lists[l].n;
        for (uint32_t i = 0; i < x->lists[l].n; i++) {
            uint32_t id = x->lists[l].ids[i];
            ck_assert_uint_lt(id, 700);
            ck_assert(!seen[id]);
            seen[id] = 1;
            ck_assert(i == 0 || id > x->lists[l].ids[i - 1]);
            ck_assert_uint_eq(x->list_of[id], l);
        }
    }
    ck_assert_uint_eq(total, 700);
    float un[8];
    for (uint32_t d = 0; d < 700; d += 37) {
        vajra_vector_normalize(rows + (size_t)d * dim, un, dim, NULL);
        ck_assert_int_eq(memcmp(ivf_vector(x, d, NULL), un, sizeof un), 0);
    }
    ck_assert_ptr_null(ivf_vector(x, 700, NULL));
    free(seen);
    free(bf);
    free(rows);
    vajra_hits_clear(&hits);
    ivf_search_free(s);
    ivf_index_free(x);
}
END_TEST

/* nprobe = nlist (and IVF_EXACT) without a quantiser is the exact answer, for every metric, with
 * and without a filter. */
START_TEST(test_full_probe_is_exact)
{
    const uint32_t dim = 12, nlist = 8;
    const size_t n = 900;
    VajraMetric metrics[] = {VAJRA_METRIC_L2, VAJRA_METRIC_IP, VAJRA_METRIC_COSINE};
    float *rows = clustered_rows(n + 30, dim, 12, 2);
    VajraHit *bf = malloc(sizeof(VajraHit) * n);
    TestFilter tf;
    const VajraDocFilter *f = tf_random(&tf, (uint32_t)n, 0.3, 5);
    for (size_t mi = 0; mi < 3; mi++) {
        IvfIndex *x = new_index(params(dim, metrics[mi], nlist, IVF_QUANT_NONE));
        add_ok(x, rows, dim, n, 1);
        ck_assert(x->trained);
        IvfSearch *s = NULL;
        ck_assert_int_eq(ivf_search_new(&s, NULL), VAJRA_OK);
        VajraHits hits = {0}, few = {0};
        for (size_t q = 0; q < 30; q++) {
            const float *qv = rows + (n + q) * dim;
            for (int filtered = 0; filtered < 2; filtered++) {
                const VajraDocFilter *ff = filtered ? f : NULL;
                size_t m = brute_force(rows, n, dim, qv, metrics[mi], ff, bf);
                uint32_t probes[] = {nlist, IVF_EXACT};
                for (size_t pi = 0; pi < 2; pi++) {
                    search_ok(x, s, qv, 10, probes[pi], ff, &hits);
                    ck_assert_uint_eq(hits.count, 10);
                    for (size_t i = 0; i < 10 && i < m; i++) {
                        ck_assert_uint_eq(hits.items[i].doc, bf[i].doc);
                        ck_assert_float_eq(hits.items[i].score, bf[i].score);
                    }
                }
                /* Fewer lists: a subset of the exact candidates, never a failing document, and
                 * in canonical order. */
                search_ok(x, s, qv, 10, 1, ff, &few);
                for (size_t i = 0; i < few.count; i++) {
                    ck_assert(vajra_filter_pass(ff, few.items[i].doc));
                    ck_assert(i == 0 || vajra_hit_compare(&few.items[i - 1], &few.items[i]) < 0);
                }
            }
        }
        vajra_hits_clear(&hits);
        vajra_hits_clear(&few);
        ivf_search_free(s);
        ivf_index_free(x);
    }
    tf_free(&tf);
    free(bf);
    free(rows);
}
END_TEST

/* SQ8: every in-range component decodes within half a step; re-ranked scores are exact scores of
 * the returned documents; with every list probed the recall against the exact top-10 is high. */
START_TEST(test_sq8)
{
    const uint32_t dim = 16, nlist = 8;
    const size_t n = 1000;
    float *rows = clustered_rows(n + 40, dim, 10, 3);
    IvfIndex *x = new_index(params(dim, VAJRA_METRIC_L2, nlist, IVF_QUANT_SQ8));
    add_ok(x, rows, dim, n, 2);
    ck_assert(x->trained);
    ck_assert_ptr_nonnull(x->rows);
    for (uint32_t l = 0; l < nlist; l++)
        for (uint32_t i = 0; i < x->lists[l].n; i++) {
            const float *v = rows + (size_t)x->lists[l].ids[i] * dim;
            for (uint32_t t = 0; t < dim; t++) {
                float lo = x->sq_min[t], hi = lo + 255.0f * x->sq_step[t];
                if (v[t] < lo || v[t] > hi)
                    continue; /* outside the trained range: clamped */
                float dec = ivf_sq_decode(x, t, x->lists[l].codes[(size_t)i * dim + t]);
                ck_assert_float_le(fabsf(dec - v[t]), 0.5001f * x->sq_step[t] + 1e-6f);
            }
        }
    IvfSearch *s = NULL;
    ck_assert_int_eq(ivf_search_new(&s, NULL), VAJRA_OK);
    VajraHits hits = {0};
    VajraHit *bf = malloc(sizeof(VajraHit) * n);
    size_t hit = 0;
    for (size_t q = 0; q < 40; q++) {
        const float *qv = rows + (n + q) * dim;
        search_ok(x, s, qv, 10, nlist, NULL, &hits);
        ck_assert_uint_eq(hits.count, 10);
        brute_force(rows, n, dim, qv, VAJRA_METRIC_L2, NULL, bf);
        for (size_t i = 0; i < 10; i++) {
            ck_assert_float_eq(hits.items[i].score,
                               -vajra_ref_l2sq(qv, rows + (size_t)hits.items[i].doc * dim, dim));
            for (size_t j = 0; j < 10; j++)
                hit += hits.items[i].doc == bf[j].doc;
        }
    }
    ck_assert_msg(hit >= 0.98 * 400, "SQ8 full-probe recall %zu / 400", hit);
    /* IVF_EXACT scans the float rows: exact. */
    search_ok(x, s, rows + n * dim, 10, IVF_EXACT, NULL, &hits);
    brute_force(rows, n, dim, rows + n * dim, VAJRA_METRIC_L2, NULL, bf);
    for (size_t i = 0; i < 10; i++)
        ck_assert_uint_eq(hits.items[i].doc, bf[i].doc);
    free(bf);
    vajra_hits_clear(&hits);
    ivf_search_free(s);
    ivf_index_free(x);
    free(rows);
}
END_TEST

/* The same bytes for 1, 2 and 3 threads and for repeated builds; after training, the split of
 * later adds into batches does not matter; another seed gives other centroids. */
START_TEST(test_deterministic)
{
    const uint32_t dim = 10, nlist = 8;
    const size_t n = 1200;
    float *rows = clustered_rows(n, dim, 9, 4);
    for (uint32_t quant = 0; quant < 2; quant++) {
        MemSections *ref = NULL;
        for (uint32_t threads = 1; threads <= 3; threads++) {
            for (int again = 0; again < (threads == 1 ? 2 : 1); again++) {
                IvfIndex *x = new_index(params(dim, VAJRA_METRIC_IP, nlist, quant));
                add_ok(x, rows, dim, 400, threads); /* trains (>= 312) */
                ck_assert(x->trained);
                if (threads == 2) { /* the rest in uneven batches */
                    add_ok(x, rows + 400 * dim, dim, 1, threads);
                    add_ok(x, rows + 401 * dim, dim, 333, threads);
                    add_ok(x, rows + 734 * dim, dim, n - 734, threads);
                } else {
                    add_ok(x, rows + 400 * dim, dim, n - 400, threads);
                }
                MemSections *m = save_mem(x);
                if (ref == NULL)
                    ref = m;
                else {
                    ck_assert_msg(mem_sections_equal(ref, m), "quant %u threads %u", quant,
                                  threads);
                    mem_sections_free(m);
                }
                ivf_index_free(x);
            }
        }
        IvfParams p = params(dim, VAJRA_METRIC_IP, nlist, quant);
        p.seed = 8;
        IvfIndex *y = new_index(p);
        add_ok(y, rows, dim, n, 1);
        MemSections *other = save_mem(y);
        ck_assert(!mem_sections_equal(ref, other));
        mem_sections_free(other);
        ivf_index_free(y);
        mem_sections_free(ref);
    }
    free(rows);
}
END_TEST

static void same_results(const IvfIndex *x, const IvfIndex *y, const float *qs, size_t nq)
{
    IvfSearch *s = NULL;
    ck_assert_int_eq(ivf_search_new(&s, NULL), VAJRA_OK);
    VajraHits a = {0}, b = {0};
    for (size_t q = 0; q < nq; q++)
        for (uint32_t np = 1; np <= 8; np *= 2) {
            search_ok(x, s, qs + q * x->dim, 10, np, NULL, &a);
            search_ok(y, s, qs + q * x->dim, 10, np, NULL, &b);
            ck_assert_uint_eq(a.count, b.count);
            for (size_t i = 0; i < a.count; i++) {
                ck_assert_uint_eq(a.items[i].doc, b.items[i].doc);
                ck_assert_float_eq(a.items[i].score, b.items[i].score);
            }
        }
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    ivf_search_free(s);
}

START_TEST(test_save_load_round_trip)
{
    const uint32_t dim = 8, nlist = 8;
    const size_t n = 800;
    float *rows = clustered_rows(n + 100 + 30, dim, 8, 5);
    const float *qs = rows + (n + 100) * dim;
    for (uint32_t quant = 0; quant < 2; quant++) {
        for (int untrained = 0; untrained < 2; untrained++) {
            size_t m0 = untrained ? 200 : n;
            IvfIndex *x = new_index(params(dim, VAJRA_METRIC_L2, nlist, quant));
            add_ok(x, rows, dim, m0, 1);
            ck_assert(x->trained == !untrained);
            MemSections *m = save_mem(x);
            VajraSectionReader r = mem_sections_reader(m);
            IvfIndex *y = NULL;
            VajraError err = {0};
            ck_assert_msg(ivf_load(vajra_kernel_reference(), &r, &y, &err) == VAJRA_OK, "%s",
                          err.message);
            ck_assert_uint_eq(y->count, m0);
            ck_assert(y->borrowed);
            /* Zero copy: the lists' ids are the section's bytes. */
            const void *data;
            size_t len;
            ck_assert_int_eq(r.find(r.self, untrained ? "ivf.rows" : "ivf.ids", &data, &len, &err),
                             VAJRA_OK);
            ck_assert_ptr_eq(untrained ? (const void *)y->rows : (const void *)y->lists[0].ids,
                             data);
            same_results(x, y, qs, 30);
            MemSections *m2 = save_mem(y);
            ck_assert(mem_sections_equal(m, m2));
            mem_sections_free(m2);
            /* Adding to both (training the untrained ones) keeps them equal; the reader's bytes
             * are untouched. */
            void *before = malloc(len);
            memcpy(before, data, len);
            add_ok(x, rows + m0 * dim, dim, 100 + (untrained ? 400 : 0), 2);
            add_ok(y, rows + m0 * dim, dim, 100 + (untrained ? 400 : 0), 1);
            ck_assert(!y->borrowed);
            ck_assert_int_eq(memcmp(before, data, len), 0);
            same_results(x, y, qs, 30);
            MemSections *mx = save_mem(x), *my = save_mem(y);
            ck_assert(mem_sections_equal(mx, my));
            mem_sections_free(mx);
            mem_sections_free(my);
            free(before);
            ivf_index_free(y);
            mem_sections_free(m);
            ivf_index_free(x);
        }
    }
    free(rows);
}
END_TEST

/* Save → damage one thing → load refuses with a clear error (never a crash). */
START_TEST(test_load_rejects_corruption)
{
    const uint32_t dim = 8, nlist = 8;
    float *rows = clustered_rows(400, dim, 8, 6);
    IvfIndex *x = new_index(params(dim, VAJRA_METRIC_L2, nlist, IVF_QUANT_NONE));
    add_ok(x, rows, dim, 400, 1);
    IvfIndex *xq = new_index(params(dim, VAJRA_METRIC_L2, nlist, IVF_QUANT_SQ8));
    add_ok(xq, rows, dim, 400, 1);
    uint32_t l0 = x->lists[0].n;
    const uint32_t nan_bits = 0x7FC00000u;
    struct { int sq8; const char *section; size_t offset; uint32_t value; vajra_status want; }
    cases[] = {
        {0, "ivf.meta", 0, 0x12345678u, VAJRA_ERR_CORRUPT},         /* magic */
        {0, "ivf.meta", 4, 99u, VAJRA_ERR_VERSION},                 /* format version */
        {0, "ivf.meta", 16, 0u, VAJRA_ERR_CORRUPT},                 /* nlist 0 */
        {0, "ivf.meta", 40, 500u, VAJRA_ERR_CORRUPT},               /* count vs section sizes */
        {0, "ivf.meta", 44, 2u, VAJRA_ERR_CORRUPT},                 /* trained flag */
        {0, "ivf.offsets", 4, l0 + 1000u, VAJRA_ERR_CORRUPT},       /* offsets decrease */
        {0, "ivf.offsets", 0, 1u, VAJRA_ERR_CORRUPT},               /* first offset */
        {0, "ivf.offsets", 4 * nlist, 399u, VAJRA_ERR_CORRUPT},     /* last offset */
        {0, "ivf.ids", 0, 400u, VAJRA_ERR_CORRUPT},                 /* id out of range */
        {0, "ivf.ids", 4, 0xFFFFFFFFu, VAJRA_ERR_CORRUPT},          /* id out of range */
        {0, "ivf.centroids", 8, nan_bits, VAJRA_ERR_CORRUPT},       /* NaN centroid */
        {0, "ivf.vectors", 12, nan_bits, VAJRA_ERR_CORRUPT},        /* NaN vector */
        {1, "ivf.sq", 4 * dim, 0xBF800000u, VAJRA_ERR_CORRUPT},     /* step −1 */
        {1, "ivf.sq", 0, nan_bits, VAJRA_ERR_CORRUPT},              /* NaN min */
        {1, "ivf.rows", 4, nan_bits, VAJRA_ERR_CORRUPT},            /* NaN row */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        MemSections *m = save_mem(cases[c].sq8 ? xq : x);
        for (size_t i = 0; i < mem_sections_count(m); i++) {
            void *d;
            size_t len;
            const char *name = mem_sections_at(m, i, &d, &len);
            if (strcmp(name, cases[c].section) == 0) {
                ck_assert_uint_ge(len, cases[c].offset + 4);
                memcpy((char *)d + cases[c].offset, &cases[c].value, 4);
            }
        }
        VajraSectionReader r = mem_sections_reader(m);
        IvfIndex *y = NULL;
        VajraError err = {0};
        vajra_status st = ivf_load(vajra_kernel_reference(), &r, &y, &err);
        ck_assert_msg(st == cases[c].want, "case %zu: %s (%s)", c, vajra_strerror(st),
                      err.message);
        ck_assert_ptr_null(y);
        mem_sections_free(m);
    }
    /* A document listed twice (and so another missing), and ids out of order within a list. */
    for (int kind = 0; kind < 2; kind++) {
        MemSections *m = save_mem(x);
        for (size_t i = 0; i < mem_sections_count(m); i++) {
            void *d;
            size_t len;
            if (strcmp(mem_sections_at(m, i, &d, &len), "ivf.ids") == 0) {
                uint32_t *ids = d;
                if (kind == 0) {
                    ids[1] = ids[0];
                } else {
                    uint32_t t = ids[0];
                    ids[0] = ids[1];
                    ids[1] = t;
                }
            }
        }
        VajraSectionReader r = mem_sections_reader(m);
        IvfIndex *y = NULL;
        VajraError err = {0};
        ck_assert_int_eq(ivf_load(vajra_kernel_reference(), &r, &y, &err), VAJRA_ERR_CORRUPT);
        ck_assert_ptr_nonnull(strstr(err.message, kind == 0 ? "twice" : "ascend"));
        mem_sections_free(m);
    }
    MemSections *empty = mem_sections_new();
    VajraSectionReader r = mem_sections_reader(empty);
    IvfIndex *y = NULL;
    VajraError err = {0};
    ck_assert_int_eq(ivf_load(vajra_kernel_reference(), &r, &y, &err), VAJRA_ERR_NOT_FOUND);
    mem_sections_free(empty);
    ivf_index_free(x);
    ivf_index_free(xq);
    free(rows);
}
END_TEST

/* SQ8 with rerank 0: no float rows after training (less memory), scores are the coded distances
 * (the reference's), get_vector-style reads decode, and IVF_EXACT scans the decoded vectors. */
START_TEST(test_sq8_without_rerank)
{
    const uint32_t dim = 16, nlist = 8;
    const size_t n = 1000;
    float *rows = clustered_rows(n + 20, dim, 10, 3);
    IvfParams p = params(dim, VAJRA_METRIC_IP, nlist, IVF_QUANT_SQ8);
    IvfIndex *with = new_index(p);
    p.rerank = 0;
    IvfIndex *x = new_index(p);
    add_ok(with, rows, dim, n, 1);
    add_ok(x, rows, dim, n, 1);
    ck_assert(x->trained);
    ck_assert_ptr_null(x->rows);
    ck_assert_uint_eq(ivf_memory_bytes(with) - ivf_memory_bytes(x), n * dim * sizeof(float));
    float dec[16];
    for (uint32_t d = 0; d < n; d += 77) {
        const float *v = ivf_vector(x, d, dec);
        ck_assert_ptr_eq(v, dec);
        for (uint32_t t = 0; t < dim; t++)
            ck_assert_float_le(fabsf(v[t] - rows[(size_t)d * dim + t]),
                               0.5001f * x->sq_step[t] + 1e-6f);
    }
    IvfSearch *s = NULL;
    ck_assert_int_eq(ivf_search_new(&s, NULL), VAJRA_OK);
    VajraHits hits = {0}, ref = {0};
    size_t inexact = 0;
    for (size_t q = 0; q < 20; q++) {
        const float *qv = rows + (n + q) * dim;
        uint32_t probes[] = {2, IVF_EXACT};
        for (int pi = 0; pi < 2; pi++) {
            search_ok(x, s, qv, 10, probes[pi], NULL, &hits);
            VajraVectorQuery query = {qv, dim, 10};
            ck_assert_int_eq(ivf_reference_search(x, &query, probes[pi], NULL, &ref, NULL),
                             VAJRA_OK);
            ck_assert_uint_eq(hits.count, 10);
            for (size_t i = 0; i < 10; i++) {
                ck_assert_uint_eq(hits.items[i].doc, ref.items[i].doc);
                ck_assert_float_eq(hits.items[i].score, ref.items[i].score);
                float exact = vajra_ref_dot(qv, rows + (size_t)hits.items[i].doc * dim, dim);
                inexact += hits.items[i].score != exact;
            }
        }
    }
    ck_assert_uint_gt(inexact, 0); /* the scores really are the coded ones */
    /* Save/load keeps it row-less. */
    MemSections *m = save_mem(x);
    VajraSectionReader r = mem_sections_reader(m);
    IvfIndex *y = NULL;
    ck_assert_int_eq(ivf_load(vajra_kernel_reference(), &r, &y, NULL), VAJRA_OK);
    ck_assert_ptr_null(y->rows);
    same_results(x, y, rows + n * dim, 20);
    ivf_index_free(y);
    mem_sections_free(m);
    vajra_hits_clear(&hits);
    vajra_hits_clear(&ref);
    ivf_search_free(s);
    ivf_index_free(x);
    ivf_index_free(with);
    free(rows);
}
END_TEST

/* The plugin as any host sees it: loaded through the registry, created from key/value
 * parameters (bad ones refused by name), params_kv giving back what builds the same bytes,
 * search / search_filtered / search_exact / get_vector / save / load through the vtable, and
 * search_exact equal to the core's exact reference (vajra_reference_exact_search). */
START_TEST(test_plugin_vtable)
{
    VajraError err = {0};
    VajraRegistryOptions o = {.struct_size = sizeof o, .kernel = "scalar"};
    VajraRegistry *reg = NULL;
    VajraPlugin *plugin = NULL;
    ck_assert_msg(vajra_registry_new(&o, &reg, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_registry_load(reg, VAJRA_PLUGIN_VECTOR, "vector-ivf", &plugin, &err) ==
                      VAJRA_OK, "%s", err.message);
    const VajraVectorVtable *vt = vajra_plugin_vtable(plugin);
    void *state = vajra_plugin_state(plugin);
    ck_assert_int_eq(vajra_vector_vtable_check(vt, &err), VAJRA_OK);
    ck_assert_uint_ge(vt->version, 3);
    const uint32_t dim = 8;
    VajraVectorIndex *x = NULL;

    struct { VajraKeyValue kv; const char *word; } bad[] = {
        {{"nlists", "8"}, "nlists"},      {{"nlist", "0"}, "nlist"},
        {{"nlist", "x"}, "nlist"},        {{"nprobe", "300"}, "nprobe"},
        {{"quantizer", "pq"}, "quantizer"}, {{"rerank", "70000"}, "rerank"},
        {{"sample", "3"}, "sample"},      {{"iterations", "0"}, "iterations"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(vt->create_kv(state, dim, VAJRA_METRIC_L2, &bad[i].kv, 1, &x, &err),
                         VAJRA_ERR_INVALID_ARGUMENT);
        ck_assert_ptr_null(x);
        ck_assert_msg(strstr(err.message, bad[i].word) != NULL, "%zu: %s", i, err.message);
    }
    /* Defaults: nprobe follows a small nlist down. */
    VajraKeyValue small = {"nlist", "4"};
    ck_assert_int_eq(vt->create_kv(state, dim, VAJRA_METRIC_L2, &small, 1, &x, &err), VAJRA_OK);
    VajraVectorParams vp;
    vt->params(x, &vp);
    ck_assert_uint_eq(vp.ef_search, 4);
    vt->destroy(x);

    VajraKeyValue kv[] = {{"nlist", "8"}, {"nprobe", "2"}, {"quantizer", "sq8"},
                          {"rerank", "30"}, {"seed", "5"}, {"iterations", "6"}};
    ck_assert_msg(vt->create_kv(state, dim, VAJRA_METRIC_COSINE, kv, 6, &x, &err) == VAJRA_OK,
                  "%s", err.message);
    float *rows = clustered_rows(700, dim, 9, 10);
    uint32_t first = 9;
    ck_assert_int_eq(vt->add(x, rows, dim, 600, 2, &first, &err), VAJRA_OK);
    ck_assert_uint_eq(first, 0);
    ck_assert_uint_eq(vt->count(x), 600);
    VajraKeyValue got[16];
    size_t nkv = vt->params_kv(x, got, 16);
    ck_assert_uint_eq(nkv, 7);
    ck_assert_str_eq(vajra_kv_get(got, nkv, "nlist"), "8");
    ck_assert_str_eq(vajra_kv_get(got, nkv, "quantizer"), "sq8");
    ck_assert_str_eq(vajra_kv_get(got, nkv, "sample"), "0");
    VajraVectorIndex *y = NULL;
    ck_assert_int_eq(vt->create_kv(state, dim, VAJRA_METRIC_COSINE, got, nkv, &y, &err), VAJRA_OK);
    ck_assert_int_eq(vt->add(y, rows, dim, 600, 1, NULL, &err), VAJRA_OK);
    MemSections *mx = mem_sections_new(), *my = mem_sections_new();
    VajraSectionWriter wx = mem_sections_writer(mx), wy = mem_sections_writer(my);
    ck_assert_int_eq(vt->save(x, &wx, &err), VAJRA_OK);
    ck_assert_int_eq(vt->save(y, &wy, &err), VAJRA_OK);
    ck_assert(mem_sections_equal(mx, my));
    vt->destroy(y);
    VajraSectionReader r = mem_sections_reader(mx);
    ck_assert_int_eq(vt->load(state, &r, &y, &err), VAJRA_OK);
    ck_assert_uint_eq(vt->count(y), 600);

    VajraVectorSearch *s = NULL;
    ck_assert_int_eq(vt->search_new(x, &s, &err), VAJRA_OK);
    VajraHits a = {0}, b = {0};
    TestFilter tf;
    const VajraDocFilter *f = tf_random(&tf, 600, 0.05, 2);
    for (size_t q = 0; q < 30; q++) {
        VajraVectorQuery vq = {rows + (600 + q) * dim, dim, 10};
        ck_assert_int_eq(vt->search_exact(x, s, &vq, &a, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_reference_exact_search(vt, x, &vq, NULL, &b, &err), VAJRA_OK);
        ck_assert_uint_eq(a.count, 10);
        for (size_t i = 0; i < a.count; i++) {
            ck_assert_uint_eq(a.items[i].doc, b.items[i].doc);
            ck_assert_float_eq(a.items[i].score, b.items[i].score);
        }
        /* A 5 % filter with nprobe 2 still fills k: further lists are probed. */
        ck_assert_int_eq(vt->search_filtered(x, s, &vq, 0, f, &a, &err), VAJRA_OK);
        ck_assert_uint_eq(a.count, 10);
        for (size_t i = 0; i < a.count; i++)
            ck_assert(vajra_filter_pass(f, a.items[i].doc));
        /* The loaded index answers the same. */
        ck_assert_int_eq(vt->search(x, s, &vq, 3, &a, &err), VAJRA_OK);
        ck_assert_int_eq(vt->search(y, s, &vq, 3, &b, &err), VAJRA_OK);
        ck_assert_uint_eq(a.count, b.count);
        for (size_t i = 0; i < a.count; i++)
            ck_assert_uint_eq(a.items[i].doc, b.items[i].doc);
    }
    float v[8], un[8];
    ck_assert_int_eq(vt->get_vector(y, 17, v, &err), VAJRA_OK);
    vajra_vector_normalize(rows + 17 * dim, un, dim, NULL);
    ck_assert_int_eq(memcmp(v, un, sizeof v), 0);
    ck_assert_int_eq(vt->get_vector(y, 600, v, &err), VAJRA_ERR_INVALID_ARGUMENT);
    tf_free(&tf);
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vt->search_free(s);
    vt->destroy(y);
    vt->destroy(x);
    mem_sections_free(mx);
    mem_sections_free(my);
    free(rows);
    vajra_plugin_unref(plugin);
    vajra_registry_free(reg);
}
END_TEST

static Suite *ivf_suite(void)
{
    Suite *s = suite_create("ivf");
    TCase *basic = tcase_create("basic");
    tcase_set_timeout(basic, 300);
    tcase_add_test(basic, test_bad_params_named);
    tcase_add_test(basic, test_bad_input_and_small_sets);
    tcase_add_test(basic, test_full_probe_is_exact);
    tcase_add_test(basic, test_sq8);
    tcase_add_test(basic, test_deterministic);
    tcase_add_test(basic, test_save_load_round_trip);
    tcase_add_test(basic, test_load_rejects_corruption);
    tcase_add_test(basic, test_sq8_without_rerank);
    tcase_add_test(basic, test_plugin_vtable);
    suite_add_tcase(s, basic);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ivf_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
