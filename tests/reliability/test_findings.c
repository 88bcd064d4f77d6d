/* Suite 'reliability': reproducers of the fuzzers' findings, one executable per finding
 * (FINDING_* picks it). Each asserts the behaviour the documentation promises. While a finding is
 * open, tests/reliability/meson.build registers its test with should_fail: true (so the suite
 * stays green and the reproducer keeps running); when the owner fixes it, the test "unexpectedly
 * passes", which Meson counts as a failure: flip should_fail then. docs/reliability.md lists them.
 *
 *   FINDING_EMPTY_TERM       lexical-bm25 with the Porter stemmer emits an empty term for the
 *                            token "s" (porter step 1a deletes a lone final s), so "Newton's"
 *                            indexes and queries an empty term.
 *   FINDING_HNSW_NONFINITE   vector-hnsw's load accepts NaN/Inf vector components, which add()
 *                            refuses; searches on such an index rank NaN scores arbitrarily.
 *   FINDING_HNSW_OVERFLOW    vector-hnsw's add() accepts finite components whose squared
 *                            distances overflow float (|x| ~ 1e19 and up), giving Inf/NaN scores.
 *   FINDING_HNSW_UPPER_LINK  (fixed) vector-hnsw's load accepted a level-l link (l >= 1) to a node
 *                            whose level is below l; the greedy descent then read that node's
 *                            missing upper block (upper_index = NO_BLOCK): SEGV in hnsw_greedy.
 *                            Found by fuzz-hnsw-load; fuzz/regressions/hnsw-load/ keeps the input.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/lexical.h"
#include "vajra/registry.h"
#include "vajra/scorer.h"
#include "vajra/vector.h"

static VajraRegistry *reg;

static void *load(VajraPluginKind kind, const char *name, VajraPlugin **p)
{
    VajraError err = {0};
    if (reg == NULL)
        ck_assert_msg(vajra_registry_new(NULL, &reg, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_registry_load(reg, kind, name, p, &err) == VAJRA_OK, "%s", err.message);
    return (void *)vajra_plugin_vtable(*p);
}

#ifdef FINDING_EMPTY_TERM
START_TEST(porter_never_emits_an_empty_term)
{
    VajraError err = {0};
    VajraPlugin *lp, *sp;
    const VajraLexicalVtable *vt = load(VAJRA_PLUGIN_LEXICAL, "lexical-bm25", &lp);
    const VajraScorerVtable *svt = load(VAJRA_PLUGIN_SCORER, "scorer-bm25", &sp);
    void *inst;
    ck_assert_int_eq(svt->create(vajra_plugin_state(sp), NULL, 0, &inst, &err), VAJRA_OK);
    VajraLexicalOptions o = {.struct_size = sizeof o,
                             .analyzer = {.stemmer = VAJRA_STEMMER_PORTER},
                             .scorer = {svt, inst, "scorer-bm25"}};
    VajraLexicalIndex *ix;
    ck_assert_int_eq(vt->create(vajra_plugin_state(lp), &o, &ix, &err), VAJRA_OK);
    VajraDocument d = {.id = "1", .text = "Newton's law"};
    VajraDocBatch b = {&d, 1};
    ck_assert_int_eq(vt->add_batch(ix, &b, &err), VAJRA_OK);
    ck_assert_int_eq(vt->commit(ix, &err), VAJRA_OK);
    VajraLexicalScratch *s;
    ck_assert_int_eq(vt->scratch_new(ix, &s, &err), VAJRA_OK);
    VajraTermBag bag = {0};
    ck_assert_int_eq(vt->analyze(ix, s, "Newton's law", &bag, &err), VAJRA_OK);
    for (size_t i = 0; i < bag.count; i++)
        ck_assert_msg(bag.terms[i][0] != '\0', "term %zu of \"Newton's law\" is empty", i);
    /* And no document is indexed under the empty term. */
    VajraPostingsView pv;
    vt->postings(ix, "", &pv);
    ck_assert_uint_eq(pv.count, 0);
    vajra_term_bag_clear(&bag);
    vt->scratch_free(s);
    vt->free(ix);
    svt->destroy(inst);
    vajra_plugin_unref(lp);
    vajra_plugin_unref(sp);
}
END_TEST
#define FINDING_TEST porter_never_emits_an_empty_term
#endif

#if defined(FINDING_HNSW_NONFINITE) || defined(FINDING_HNSW_UPPER_LINK)
/* Sections in memory: enough of a storage container for one index. */
typedef struct Mem {
    char names[16][64];
    void *data[16];
    size_t len[16];
    size_t n;
} Mem;

static vajra_status mem_write(void *self, const char *name, const void *data, size_t len,
                              VajraError *err)
{
    Mem *m = self;
    (void)err;
    ck_assert_uint_lt(m->n, 16);
    snprintf(m->names[m->n], 64, "%s", name);
    m->data[m->n] = aligned_alloc(64, (len + 63) / 64 * 64 + 64);
    memcpy(m->data[m->n], data, len);
    m->len[m->n++] = len;
    return VAJRA_OK;
}

static vajra_status mem_find(void *self, const char *name, const void **data, size_t *len,
                             VajraError *err)
{
    Mem *m = self;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0) {
            *data = m->data[i];
            *len = m->len[i];
            return VAJRA_OK;
        }
    return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "no section %s", name);
}
#endif

#if defined(FINDING_HNSW_NONFINITE) || defined(FINDING_HNSW_OVERFLOW) || \
    defined(FINDING_HNSW_UPPER_LINK)
static VajraVectorIndex *small_index(const VajraVectorVtable *vt, VajraPlugin *p, uint32_t metric,
                                     const float *rows, size_t n, uint32_t dim, vajra_status *st)
{
    VajraError err = {0};
    VajraVectorParams prm = {.struct_size = sizeof prm, .dim = dim, .metric = metric, .M = 4,
                             .ef_construction = 16, .ef_search = 16, .seed = 1};
    VajraVectorIndex *ix;
    ck_assert_int_eq(vt->create(vajra_plugin_state(p), &prm, &ix, &err), VAJRA_OK);
    *st = vt->add(ix, rows, dim, n, 1, NULL, &err);
    return ix;
}
#endif

#ifdef FINDING_HNSW_NONFINITE
START_TEST(hnsw_load_refuses_nonfinite_vectors)
{
    VajraError err = {0};
    VajraPlugin *p;
    const VajraVectorVtable *vt = load(VAJRA_PLUGIN_VECTOR, "vector-hnsw", &p);
    float rows[8 * 2];
    for (int i = 0; i < 16; i++)
        rows[i] = (float)((i * 5) % 7) - 3.0f;
    vajra_status st;
    VajraVectorIndex *ix = small_index(vt, p, VAJRA_METRIC_L2, rows, 8, 2, &st);
    ck_assert_int_eq(st, VAJRA_OK);
    Mem m = {0};
    VajraSectionWriter w = {&m, mem_write};
    ck_assert_int_eq(vt->save(ix, &w, &err), VAJRA_OK);
    vt->destroy(ix);
    /* NaN into the first component of node 3's stored vector (the index's own layout: rows of
     * params.dim floats padded to a stride; node 3 starts at 3 * stride). */
    size_t vi = 0;
    while (vi < m.n && strcmp(m.names[vi], "hnsw.vectors") != 0)
        vi++;
    ck_assert_uint_lt(vi, m.n);
    size_t stride = m.len[vi] / sizeof(float) / 8;
    ((float *)m.data[vi])[3 * stride] = NAN;
    VajraSectionReader r = {&m, mem_find};
    VajraVectorIndex *loaded = NULL;
    st = vt->load(vajra_plugin_state(p), &r, &loaded, &err);
    ck_assert_msg(st == VAJRA_ERR_CORRUPT || st == VAJRA_ERR_BAD_VALUE,
                  "load accepted a NaN vector component (status %s)", vajra_strerror(st));
    vt->destroy(loaded);
    for (size_t i = 0; i < m.n; i++)
        free(m.data[i]);
    vajra_plugin_unref(p);
}
END_TEST
#define FINDING_TEST hnsw_load_refuses_nonfinite_vectors
#endif

#ifdef FINDING_HNSW_OVERFLOW
START_TEST(hnsw_scores_are_never_nan)
{
    VajraError err = {0};
    VajraPlugin *p;
    const VajraVectorVtable *vt = load(VAJRA_PLUGIN_VECTOR, "vector-hnsw", &p);
    /* Finite components, as add() requires, but their products exceed FLT_MAX: under inner
     * product, q·x = (+inf) + (-inf) = NaN for x = (3e19, -3e19), q = (3e19, 3e19). */
    float rows[6 * 2] = {3e19f, -3e19f, -3e19f, 0, 0, 3e19f, 1, 1, 0, -3e19f, 2, 2};
    vajra_status st;
    VajraVectorIndex *ix = small_index(vt, p, VAJRA_METRIC_IP, rows, 6, 2, &st);
    if (st == VAJRA_OK) { /* accepted: then every score must be a number and ranks defined */
        float q[2] = {3e19f, 3e19f};
        VajraVectorQuery vq = {q, 2, 6};
        VajraVectorSearch *ctx;
        VajraHits hits = {0};
        ck_assert_int_eq(vt->search_new(ix, &ctx, &err), VAJRA_OK);
        st = vt->search_exact(ix, ctx, &vq, &hits, &err);
        if (st == VAJRA_OK)
            for (size_t i = 0; i < hits.count; i++)
                ck_assert_msg(!isnan(hits.items[i].score), "hit %zu (doc %u) has a NaN score", i,
                              hits.items[i].doc);
        else
            ck_assert_int_eq(st, VAJRA_ERR_BAD_VALUE); /* or the query is refused */
        vajra_hits_clear(&hits);
        vt->search_free(ctx);
    } else {
        ck_assert_int_eq(st, VAJRA_ERR_BAD_VALUE);
    }
    vt->destroy(ix);
    vajra_plugin_unref(p);
}
END_TEST
#define FINDING_TEST hnsw_scores_are_never_nan
#endif

#ifdef FINDING_HNSW_UPPER_LINK
static size_t section(const Mem *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0)
            return i;
    ck_abort_msg("no section %s", name);
    return 0;
}

START_TEST(hnsw_load_refuses_upper_link_to_lower_node)
{
    VajraError err = {0};
    VajraPlugin *p;
    const VajraVectorVtable *vt = load(VAJRA_PLUGIN_VECTOR, "vector-hnsw", &p);
    enum { N = 64 };
    float rows[N * 2];
    for (int i = 0; i < N; i++) {
        rows[2 * i] = (float)(i % 8);
        rows[2 * i + 1] = (float)(i / 8) + 0.01f * (float)i;
    }
    vajra_status st;
    VajraVectorIndex *ix = small_index(vt, p, VAJRA_METRIC_L2, rows, N, 2, &st);
    ck_assert_int_eq(st, VAJRA_OK);
    Mem m = {0};
    VajraSectionWriter w = {&m, mem_write};
    ck_assert_int_eq(vt->save(ix, &w, &err), VAJRA_OK);
    vt->destroy(ix);

    /* The layout vector-hnsw saves: levels[n] (bytes), upper_index[n] (first block of a node with
     * level >= 1), upper = blocks of `slots` uint32 ([count, ids...]), one per upper level. */
    const uint8_t *levels = m.data[section(&m, "hnsw.levels")];
    const uint32_t *upper_index = m.data[section(&m, "hnsw.upper_index")];
    size_t ui = section(&m, "hnsw.upper");
    uint32_t *upper = m.data[ui];
    size_t blocks = 0;
    int high = -1, low = -1;
    for (int i = 0; i < N; i++) {
        blocks += levels[i];
        if (levels[i] == 0 && low < 0)
            low = i;
    }
    ck_assert_uint_gt(blocks, 0);
    size_t slots = m.len[ui] / sizeof(uint32_t) / blocks;
    for (int i = 0; i < N && high < 0; i++)
        if (levels[i] >= 1 && upper[(size_t)upper_index[i] * slots] >= 1)
            high = i;
    ck_assert_int_ge(high, 0);
    ck_assert_int_ge(low, 0);
    /* Node `high`'s first level-1 neighbour becomes `low`, a level-0 node. */
    upper[(size_t)upper_index[high] * slots + 1] = (uint32_t)low;

    VajraSectionReader r = {&m, mem_find};
    VajraVectorIndex *loaded = NULL;
    st = vt->load(vajra_plugin_state(p), &r, &loaded, &err);
    ck_assert_msg(st == VAJRA_ERR_CORRUPT, "load accepted a level-1 link to a level-0 node (%s)",
                  vajra_strerror(st));
    ck_assert_ptr_null(loaded);
    for (size_t i = 0; i < m.n; i++)
        free(m.data[i]);
    vajra_plugin_unref(p);
}
END_TEST
#define FINDING_TEST hnsw_load_refuses_upper_link_to_lower_node
#endif

int main(void)
{
    Suite *s = suite_create("finding");
    TCase *tc = tcase_create("finding");
    tcase_add_test(tc, FINDING_TEST);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    vajra_registry_free(reg);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
