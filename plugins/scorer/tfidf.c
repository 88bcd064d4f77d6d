/* scorer-tfidf: a small TF-IDF scorer, written as the template for your own scorer plugin.
 * docs/writing-a-scorer.md walks through this file; copy it, rename it, change the two formulas.
 *
 * The score of a document for a query is, by definition (include/vajra/scorer.h),
 *
 *     Σ over distinct query terms t in d of  qtf(t) · score(weight(t), tf(t, d), len(d))
 *
 * so a scorer only says two things: how much a term is worth in this collection (weight), and
 * how much one occurrence pattern of it in one document is worth (score). Here:
 *
 *     weight(t)   = ln(1 + N / df)                  rarer terms are worth more; always > 0
 *     score       = weight · (1 + ln tf) / √dl       sub-linear tf; optional length normalisation
 *
 * One parameter shows how parameters work: "length_norm" (1 = divide by √dl, the default;
 * 0 = don't).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/plugin.h"  /* the descriptor and VAJRA_DEFINE_PLUGIN */
#include "vajra/scorer.h"  /* VajraScorerVtable and the statistics structs */

/* An instance holds the parameters. It is immutable after create, which is what makes the
 * scoring functions safe to call from many threads at once without locks. */
typedef struct TfIdf {
    int length_norm;
} TfIdf;

/* create: parse key/value parameters, reject anything unknown (a typo should not silently fall
 * back to a default), and allocate the instance. The caller frees it with destroy. */
static vajra_status tfidf_create(void *plugin_state, const VajraParam *params, size_t n_params,
                                 void **instance, VajraError *err)
{
    (void)plugin_state; /* this plugin has no init, so its state is NULL */
    TfIdf p = {.length_norm = 1};
    for (size_t i = 0; i < n_params; i++) {
        const char *name = params[i].name ? params[i].name : "(null)";
        double v = params[i].value;
        if (strcmp(name, "length_norm") == 0 && (v == 0.0 || v == 1.0))
            p.length_norm = (int)v;
        else
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "scorer-tfidf: bad parameter %s = %g (known: length_norm 0|1)",
                                   name, v);
    }
    TfIdf *inst = malloc(sizeof *inst);
    if (inst == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "scorer-tfidf: out of memory");
    *inst = p;
    *instance = inst;
    return VAJRA_OK;
}

static void tfidf_destroy(void *instance) { free(instance); }

/* term_weight runs once per query term (or once per term at commit). df ≥ 1 here. */
static double tfidf_term_weight(const void *instance, const VajraCollectionStats *coll,
                                const VajraTermStats *term)
{
    (void)instance;
    return log1p((double)coll->doc_count / (double)term->doc_freq);
}

/* score runs once per posting, so keep it cheap and pure: no allocation, no state changes.
 * Compute in double, return float: the index stores and sums these floats. tf ≥ 1, dl ≥ tf. */
static float tfidf_score(const void *instance, const VajraCollectionStats *coll, double weight,
                         uint32_t tf, uint32_t doc_len)
{
    (void)coll;
    const TfIdf *p = instance;
    double s = weight * (1.0 + log((double)tf));
    if (p->length_norm)
        s /= sqrt((double)doc_len);
    return (float)s;
}

/* Optional: a bound on score over tf ≤ max_tf and dl ≥ min_doc_len. The score grows with tf and
 * shrinks with dl, so the corner is the bound. (lexical-bm25 does not need this: it computes the
 * exact maximum over each term's postings. Other indexes may.) */
static float tfidf_upper_bound(const void *instance, const VajraCollectionStats *coll,
                               double weight, uint32_t max_tf, uint32_t min_doc_len)
{
    if (!(weight > 0.0))
        return 0.0f; /* w ≤ 0: every score is ≤ 0, since (1 + ln tf) / √dl > 0 */
    return tfidf_score(instance, coll, weight, max_tf, min_doc_len ? min_doc_len : 1);
}

/* The vtable: `version` first, slots in the order of the header; NULL means "not provided". */
static const VajraScorerVtable tfidf_vtable = {
    .version = VAJRA_SCORER_VTABLE_VERSION,
    .create = tfidf_create,
    .destroy = tfidf_destroy,
    .term_weight = tfidf_term_weight,
    .score = tfidf_score,
    .upper_bound = tfidf_upper_bound,
};

/* The descriptor the registry reads. `name` must equal the file name without ".so". */
static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_SCORER,
    .name = "scorer-tfidf",
    .version = "1.0.0",
    .description = "example TF-IDF scorer: ln(1+N/df) * (1+ln tf) / sqrt(dl)",
    .vtable = &tfidf_vtable,
};

/* Exports the one entry function; everything else stays hidden (-fvisibility=hidden). */
VAJRA_DEFINE_PLUGIN(desc)
