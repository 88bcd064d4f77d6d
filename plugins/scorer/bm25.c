/* scorer-bm25: Okapi BM25 in Lucene's form, the default scorer.
 *
 *     w(t)        = ln(1 + (N − df + 0.5) / (df + 0.5))          (always > 0)
 *     s(t, d)     = w · tf · (k1 + 1) / (tf + k1 · (1 − b + b · dl / avgdl))
 *
 * Parameters: k1 ≥ 0 (default 1.2), 0 ≤ b ≤ 1 (default 0.75). Lucene ≥ 8 drops the constant
 * (k1 + 1) factor; keeping it changes no ranking and matches the textbook formula.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/plugin.h"
#include "vajra/scorer.h"

typedef struct Bm25 {
    double k1;
    double b;
} Bm25;

static vajra_status bm25_create(void *plugin_state, const VajraParam *params, size_t n_params,
                                void **instance, VajraError *err)
{
    (void)plugin_state;
    Bm25 p = {.k1 = 1.2, .b = 0.75};
    for (size_t i = 0; i < n_params; i++) {
        const char *name = params[i].name ? params[i].name : "(null)";
        double v = params[i].value;
        if (strcmp(name, "k1") == 0 && isfinite(v) && v >= 0.0)
            p.k1 = v;
        else if (strcmp(name, "b") == 0 && isfinite(v) && v >= 0.0 && v <= 1.0)
            p.b = v;
        else
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "scorer-bm25: bad parameter %s = %g (known: k1 >= 0, "
                                   "0 <= b <= 1)", name, v);
    }
    Bm25 *inst = malloc(sizeof *inst);
    if (inst == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "scorer-bm25: out of memory");
    *inst = p;
    *instance = inst;
    return VAJRA_OK;
}

static void bm25_destroy(void *instance) { free(instance); }

static double bm25_term_weight(const void *instance, const VajraCollectionStats *coll,
                               const VajraTermStats *term)
{
    (void)instance;
    double n = (double)coll->doc_count, df = (double)term->doc_freq;
    return log1p((n - df + 0.5) / (df + 0.5));
}

static float bm25_score(const void *instance, const VajraCollectionStats *coll, double weight,
                        uint32_t tf, uint32_t doc_len)
{
    const Bm25 *p = instance;
    double norm = p->k1 * (1.0 - p->b + p->b * (double)doc_len / coll->avg_doc_length);
    return (float)(weight * (double)tf * (p->k1 + 1.0) / ((double)tf + norm));
}

/* BM25 grows with tf and shrinks with dl, so the extreme corner bounds every posting. */
static float bm25_upper_bound(const void *instance, const VajraCollectionStats *coll,
                              double weight, uint32_t max_tf, uint32_t min_doc_len)
{
    if (!(weight > 0.0))
        return 0.0f; /* w ≤ 0: every score is ≤ 0 (the factor of w is > 0), the corner would be
                      * the minimum */
    return bm25_score(instance, coll, weight, max_tf, min_doc_len ? min_doc_len : 1);
}

static const VajraScorerVtable bm25_vtable = {
    .version = VAJRA_SCORER_VTABLE_VERSION,
    .create = bm25_create,
    .destroy = bm25_destroy,
    .term_weight = bm25_term_weight,
    .score = bm25_score,
    .upper_bound = bm25_upper_bound,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_SCORER,
    .name = "scorer-bm25",
    .version = "1.0.0",
    .description = "Okapi BM25 (Lucene idf), parameters k1 (1.2) and b (0.75)",
    .vtable = &bm25_vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
