/* scorer-bm25plus: BM25+ (Lv & Zhai, CIKM 2011), which adds a floor δ to every matching term so
 * that a very long document containing a term never scores below one that lacks it.
 *
 *     w(t)        = ln((N + 1) / df)
 *     s(t, d)     = w · ( tf · (k1 + 1) / (tf + k1 · (1 − b + b · dl / avgdl)) + δ )
 *
 * Parameters: k1 ≥ 0 (default 1.2), 0 ≤ b ≤ 1 (default 0.75), δ ≥ 0 (name "delta", default 1).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/plugin.h"
#include "vajra/scorer.h"

typedef struct Bm25Plus {
    double k1;
    double b;
    double delta;
} Bm25Plus;

static vajra_status bm25plus_create(void *plugin_state, const VajraParam *params,
                                    size_t n_params, void **instance, VajraError *err)
{
    (void)plugin_state;
    Bm25Plus p = {.k1 = 1.2, .b = 0.75, .delta = 1.0};
    for (size_t i = 0; i < n_params; i++) {
        const char *name = params[i].name ? params[i].name : "(null)";
        double v = params[i].value;
        if (strcmp(name, "k1") == 0 && isfinite(v) && v >= 0.0)
            p.k1 = v;
        else if (strcmp(name, "b") == 0 && isfinite(v) && v >= 0.0 && v <= 1.0)
            p.b = v;
        else if (strcmp(name, "delta") == 0 && isfinite(v) && v >= 0.0)
            p.delta = v;
        else
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "scorer-bm25plus: bad parameter %s = %g (known: k1 >= 0, "
                                   "0 <= b <= 1, delta >= 0)", name, v);
    }
    Bm25Plus *inst = malloc(sizeof *inst);
    if (inst == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "scorer-bm25plus: out of memory");
    *inst = p;
    *instance = inst;
    return VAJRA_OK;
}

static void bm25plus_destroy(void *instance) { free(instance); }

static double bm25plus_term_weight(const void *instance, const VajraCollectionStats *coll,
                                   const VajraTermStats *term)
{
    (void)instance;
    return log(((double)coll->doc_count + 1.0) / (double)term->doc_freq);
}

static float bm25plus_score(const void *instance, const VajraCollectionStats *coll,
                            double weight, uint32_t tf, uint32_t doc_len)
{
    const Bm25Plus *p = instance;
    double norm = p->k1 * (1.0 - p->b + p->b * (double)doc_len / coll->avg_doc_length);
    return (float)(weight * ((double)tf * (p->k1 + 1.0) / ((double)tf + norm) + p->delta));
}

static float bm25plus_upper_bound(const void *instance, const VajraCollectionStats *coll,
                                  double weight, uint32_t max_tf, uint32_t min_doc_len)
{
    if (!(weight > 0.0))
        return 0.0f; /* w ≤ 0: every score is ≤ 0 (the factor of w is > 0), the corner would be
                      * the minimum */
    return bm25plus_score(instance, coll, weight, max_tf, min_doc_len ? min_doc_len : 1);
}

static const VajraScorerVtable bm25plus_vtable = {
    .version = VAJRA_SCORER_VTABLE_VERSION,
    .create = bm25plus_create,
    .destroy = bm25plus_destroy,
    .term_weight = bm25plus_term_weight,
    .score = bm25plus_score,
    .upper_bound = bm25plus_upper_bound,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_SCORER,
    .name = "scorer-bm25plus",
    .version = "1.0.0",
    .description = "BM25+ (Lv & Zhai), parameters k1 (1.2), b (0.75), delta (1.0)",
    .vtable = &bm25plus_vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
