/* Lexical benchmark: lexical-bm25 + scorer-bm25 on WordNet (116,659 synsets, 1,000 queries).
 *
 * Measures, on one thread: index build time (add_batch + commit, from documents already in
 * memory), then top-10 (and top-100) latency p50/p95 and QPS after one untimed warm-up pass,
 * the same protocol as bench/compare's Xapian and FTS5 programs. Then it checks the first 200
 * queries against the core's exhaustive reference so a fast-but-wrong change cannot pass
 * unnoticed (exit 1 on a mismatch). Then the same top-10 pass through search_filtered with
 * random filters passing 50 %, 10 % and 1 % of the documents, each checked against the filtered
 * reference on the first 200 queries.
 *
 * Usage: bench-lexical [DATA_DIR]   (else $VAJRA_DATA_DIR, else ../shared/data)
 * Run under: flock /tmp/vajra-heavy.lock meson test -C BUILD --benchmark --suite lexical -v
 * Output: a human line starting with '#' and a JSON line starting with '{' per figure set.
 *
 * Then the collection-wide statistics path (search_stats, vtable version 3): the corpus split in
 * 4 contiguous parts, each its own index, every query = gather the statistics over the parts
 * (vajra_lexical_stats_gather) + search_stats on each part + merge of the parts' top-k, against
 * the same split searched with each part's own statistics (today's segments: cheaper, but
 * scores differ from one index), and search_stats on the one full index with its own statistics
 * (which must cost what search costs). The 4-part results are checked equal to the full index's
 * on every query (exit 1 otherwise).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vajra/io.h"
#include "vajra/lexical.h"
#include "vajra/registry.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (sorts v). */
static double percentile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t rank = (size_t)(q * (double)n + 0.999999999);
    rank = rank < 1 ? 1 : rank > n ? n : rank;
    return v[rank - 1];
}

static void die(const char *what, const VajraError *err)
{
    fprintf(stderr, "bench-lexical: %s: %s\n", what, err->message);
    exit(1);
}

static VajraDocSet *load(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    VajraDocSet *set = NULL;
    VajraError err = {0};
    if (vajra_docset_read_jsonl(path, NULL, &set, &err) != VAJRA_OK)
        die(path, &err);
    return set;
}

/* One timed pass of every query at k (through search_filtered when `filter` is not NULL);
 * fills lat (ms) and returns elapsed seconds. */
static double timed_pass(const VajraLexicalVtable *vt, VajraLexicalIndex *ix,
                         VajraLexicalScratch *sc, const VajraDocSet *queries, uint32_t k,
                         const VajraDocFilter *filter, double *lat, size_t *hits_total)
{
    VajraHits hits = {0};
    VajraError err = {0};
    size_t nq = vajra_docset_count(queries);
    double t0 = now();
    for (size_t q = 0; q < nq; q++) {
        double a = now();
        const char *text = vajra_docset_doc(queries, q)->text;
        vajra_status st = filter ? vt->search_filtered(ix, sc, text, k, filter, &hits, &err)
                                 : vt->search(ix, sc, text, k, &hits, &err);
        if (st != VAJRA_OK)
            die("search", &err);
        lat[q] = (now() - a) * 1e3;
        *hits_total += hits.count;
    }
    double elapsed = now() - t0;
    vajra_hits_clear(&hits);
    return elapsed;
}

#define N_PARTS 4

enum { MODE_FULL_OWN_STATS, MODE_PARTS_GLOBAL, MODE_PARTS_OWN };

typedef struct Split {
    const VajraLexicalVtable *vt;
    VajraLexicalIndex *full;
    VajraLexicalScratch *full_sc;
    VajraLexicalIndex *ix[N_PARTS];
    VajraLexicalScratch *sc[N_PARTS];
    uint32_t off[N_PARTS];
    VajraLexicalStatsBuilder *builder;
    VajraHits part, merged;
} Split;

/* One query in `mode`; merged hits carry global numbers. */
static void split_query(Split *s, int mode, const char *text, uint32_t k)
{
    VajraError err = {0};
    VajraLexicalStats st, own;
    if (mode == MODE_FULL_OWN_STATS) {
        if (vajra_lexical_stats_gather(s->builder, s->vt,
                                       (const VajraLexicalIndex *const *)&s->full, 1, s->full_sc,
                                       text, &own, &err) != VAJRA_OK ||
            s->vt->search_stats(s->full, s->full_sc, text, k, NULL, &own, &s->merged, &err) !=
                VAJRA_OK)
            die("search_stats (full)", &err);
        return;
    }
    if (mode == MODE_PARTS_GLOBAL &&
        vajra_lexical_stats_gather(s->builder, s->vt, (const VajraLexicalIndex *const *)s->ix,
                                   N_PARTS, s->sc[0], text, &st, &err) != VAJRA_OK)
        die("gather", &err);
    s->merged.count = 0;
    for (size_t i = 0; i < N_PARTS; i++) {
        vajra_status rc = mode == MODE_PARTS_GLOBAL
                              ? s->vt->search_stats(s->ix[i], s->sc[i], text, k, NULL, &st,
                                                    &s->part, &err)
                              : s->vt->search(s->ix[i], s->sc[i], text, k, &s->part, &err);
        if (rc != VAJRA_OK)
            die("search (part)", &err);
        for (size_t j = 0; j < s->part.count; j++)
            if (vajra_hits_push(&s->merged, s->off[i] + s->part.items[j].doc,
                                s->part.items[j].score, &err) != VAJRA_OK)
                die("merge", &err);
    }
    vajra_hits_sort(&s->merged);
    if (s->merged.count > k)
        s->merged.count = k;
}

static double split_pass(Split *s, int mode, const VajraDocSet *queries, uint32_t k, double *lat)
{
    size_t nq = vajra_docset_count(queries);
    double t0 = now();
    for (size_t q = 0; q < nq; q++) {
        double a = now();
        split_query(s, mode, vajra_docset_doc(queries, q)->text, k);
        lat[q] = (now() - a) * 1e3;
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("VAJRA_DATA_DIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "../shared/data";
    VajraError err = {0};
    VajraDocSet *docs = load(dir, "wordnet/corpus.jsonl");
    VajraDocSet *queries = load(dir, "wordnet/queries.jsonl");
    size_t nd = vajra_docset_count(docs), nq = vajra_docset_count(queries);

    VajraRegistry *reg = NULL;
    VajraPlugin *lexp = NULL, *scp = NULL;
    if (vajra_registry_new(NULL, &reg, &err) != VAJRA_OK ||
        vajra_registry_load(reg, VAJRA_PLUGIN_LEXICAL, "lexical-bm25", &lexp, &err) != VAJRA_OK ||
        vajra_registry_load(reg, VAJRA_PLUGIN_SCORER, "scorer-bm25", &scp, &err) != VAJRA_OK)
        die("loading plugins", &err);
    const VajraLexicalVtable *vt = vajra_plugin_vtable(lexp);
    const VajraScorerVtable *sv = vajra_plugin_vtable(scp);
    /* This bench times the optional version-2/3 slots too: check them once, here. */
    if (vajra_lexical_vtable_check(vt, &err) != VAJRA_OK)
        die("lexical-bm25", &err);
    if (vt->version < 3 || vt->search_filtered == NULL || vt->search_stats == NULL ||
        vt->term_stats == NULL || vt->collection_stats == NULL) {
        fprintf(stderr, "bench-lexical: lexical-bm25 (vtable version %u) lacks the filtered or "
                        "statistics slots (version 3) this bench times\n", vt->version);
        return 1;
    }
    void *inst = NULL;
    if (sv->create(vajra_plugin_state(scp), NULL, 0, &inst, &err) != VAJRA_OK)
        die("scorer", &err);
    VajraLexicalOptions opts = {.struct_size = sizeof opts,
                                .scorer = {sv, inst, "scorer-bm25"}};

    /* Build. */
    VajraLexicalIndex *ix = NULL;
    double t0 = now();
    VajraDocBatch batch = vajra_docset_batch(docs);
    if (vt->create(vajra_plugin_state(lexp), &opts, &ix, &err) != VAJRA_OK ||
        vt->add_batch(ix, &batch, &err) != VAJRA_OK || vt->commit(ix, &err) != VAJRA_OK)
        die("build", &err);
    double build_s = now() - t0;

    VajraLexicalScratch *sc = NULL;
    if (vt->scratch_new(ix, &sc, &err) != VAJRA_OK)
        die("scratch", &err);
    double *lat = malloc(nq * sizeof *lat);
    const uint32_t ks[] = {10, 100};
    for (size_t ki = 0; ki < 2; ki++) {
        size_t hits_total = 0;
        timed_pass(vt, ix, sc, queries, ks[ki], NULL, lat, &hits_total); /* warm-up */
        hits_total = 0;
        double elapsed = timed_pass(vt, ix, sc, queries, ks[ki], NULL, lat, &hits_total);
        double p50 = percentile(lat, nq, 0.50), p95 = percentile(lat, nq, 0.95);
        printf("# vajra lexical-bm25 wordnet: %zu docs build %.3f s; %zu queries top-%u p50 %.4f ms "
               "p95 %.4f ms QPS %.0f (1 thread)\n",
               nd, build_s, nq, ks[ki], p50, p95, (double)nq / elapsed);
        printf("{\"peer\":\"vajra\",\"set\":\"wordnet\",\"docs\":%zu,\"queries\":%zu,\"k\":%u,"
               "\"build_s\":%.3f,\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"qps\":%.1f,\"threads\":1,"
               "\"hits\":%zu}\n",
               nd, nq, ks[ki], build_s, p50, p95, (double)nq / elapsed, hits_total);
    }

    /* Exactness at scale: the first 200 queries against the exhaustive reference, with no
     * filter and then with each random filter (timed first). */
    VajraHits fast = {0}, ref = {0};
    size_t checked = 0, mismatches = 0;
    static const double fractions[] = {0, 0.5, 0.1, 0.01};
    uint64_t *words = calloc((nd + 63) / 64, sizeof *words);
    VajraDocFilter filter = {.struct_size = sizeof filter, .nbits = (uint32_t)nd, .words = words};
    for (size_t fi = 0; fi < 4; fi++) {
        const VajraDocFilter *f = NULL;
        if (fractions[fi] > 0) {
            uint64_t seed = 12345 + fi;
            memset(words, 0, sizeof *words * ((nd + 63) / 64));
            for (size_t d = 0; d < nd; d++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                if ((double)(seed >> 11) * (1.0 / 9007199254740992.0) < fractions[fi])
                    words[d / 64] |= UINT64_C(1) << (d % 64);
            }
            filter.passing = vajra_filter_count(words, filter.nbits);
            f = &filter;
            size_t hits_total = 0;
            timed_pass(vt, ix, sc, queries, 10, f, lat, &hits_total); /* warm-up */
            double elapsed = timed_pass(vt, ix, sc, queries, 10, f, lat, &hits_total);
            printf("# vajra lexical-bm25 wordnet: filter passing %.0f %% (%u docs) top-10 p50 %.4f "
                   "ms p95 %.4f ms QPS %.0f\n", fractions[fi] * 100, filter.passing,
                   percentile(lat, nq, 0.50), percentile(lat, nq, 0.95), (double)nq / elapsed);
        }
        for (size_t q = 0; q < nq && q < 200; q++) {
            const char *text = vajra_docset_doc(queries, q)->text;
            if (vt->search_filtered(ix, sc, text, 10, f, &fast, &err) != VAJRA_OK ||
                vajra_reference_lexical_search_filtered(vt, ix, &opts.scorer, text, 10, f, &ref,
                                                        &err) != VAJRA_OK)
                die("parity", &err);
            int same = fast.count == ref.count;
            for (size_t i = 0; same && i < ref.count; i++)
                same = fast.items[i].doc == ref.items[i].doc &&
                       fabsf(fast.items[i].score - ref.items[i].score) <=
                           1e-5f * fabsf(ref.items[i].score);
            mismatches += !same;
            checked++;
        }
    }
    free(words);
    printf("# parity with the reference on %zu wordnet searches (k=10; 200 queries, no filter "
           "and three filters): %zu mismatches\n", checked, mismatches);

    /* The statistics path: 4 parts with collection-wide statistics. */
    Split sp = {.vt = vt, .full = ix, .full_sc = sc};
    if (vajra_lexical_stats_builder_new(&sp.builder, &err) != VAJRA_OK)
        die("builder", &err);
    for (size_t i = 0; i < N_PARTS; i++) {
        size_t lo = nd * i / N_PARTS, hi = nd * (i + 1) / N_PARTS;
        VajraDocBatch b = {batch.docs + lo, hi - lo};
        sp.off[i] = (uint32_t)lo;
        if (vt->create(vajra_plugin_state(lexp), &opts, &sp.ix[i], &err) != VAJRA_OK ||
            vt->add_batch(sp.ix[i], &b, &err) != VAJRA_OK || vt->commit(sp.ix[i], &err) != VAJRA_OK ||
            vt->scratch_new(sp.ix[i], &sp.sc[i], &err) != VAJRA_OK)
            die("build part", &err);
    }
    size_t split_mismatches = 0;
    for (size_t q = 0; q < nq; q++) {
        const char *text = vajra_docset_doc(queries, q)->text;
        split_query(&sp, MODE_PARTS_GLOBAL, text, 10);
        if (vt->search(ix, sc, text, 10, &fast, &err) != VAJRA_OK)
            die("search", &err);
        int same = fast.count == sp.merged.count;
        for (size_t i = 0; same && i < fast.count; i++)
            same = fast.items[i].doc == sp.merged.items[i].doc &&
                   fast.items[i].score == sp.merged.items[i].score;
        split_mismatches += !same;
    }
    printf("# %d parts with collection-wide statistics vs one index on %zu wordnet queries (k=10): "
           "%zu mismatches (scores compared bit for bit)\n", N_PARTS, nq, split_mismatches);
    mismatches += split_mismatches;
    const char *mode_name[] = {"full index, search_stats with its own stats",
                               "4 parts, search_stats with summed stats (gather + 4 searches + merge)",
                               "4 parts, search with each part's own stats (+ merge)"};
    const char *mode_key[] = {"full_own_stats", "parts4_global_stats", "parts4_own_stats"};
    for (size_t ki = 0; ki < 2; ki++)
        for (int mode = 0; mode < 3; mode++) {
            split_pass(&sp, mode, queries, ks[ki], lat); /* warm-up */
            double elapsed = split_pass(&sp, mode, queries, ks[ki], lat);
            double p50 = percentile(lat, nq, 0.50), p95 = percentile(lat, nq, 0.95);
            printf("# vajra lexical-bm25 wordnet: %s; top-%u p50 %.4f ms p95 %.4f ms QPS %.0f\n",
                   mode_name[mode], ks[ki], p50, p95, (double)nq / elapsed);
            printf("{\"peer\":\"vajra\",\"set\":\"wordnet\",\"mode\":\"%s\",\"k\":%u,"
                   "\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"qps\":%.1f,\"threads\":1}\n",
                   mode_key[mode], ks[ki], p50, p95, (double)nq / elapsed);
        }
    for (size_t i = 0; i < N_PARTS; i++) {
        vt->scratch_free(sp.sc[i]);
        vt->free(sp.ix[i]);
    }
    vajra_hits_clear(&sp.part);
    vajra_hits_clear(&sp.merged);
    vajra_lexical_stats_builder_free(sp.builder);

    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    free(lat);
    vt->scratch_free(sc);
    vt->free(ix);
    sv->destroy(inst);
    vajra_plugin_unref(scp);
    vajra_plugin_unref(lexp);
    vajra_registry_free(reg);
    vajra_docset_free(docs);
    vajra_docset_free(queries);
    return mismatches ? 1 : 0;
}
