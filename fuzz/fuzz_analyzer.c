/* libFuzzer target: the query path of the lexical plugin — its analyzer (vtable analyze) and its
 * search, on a small real index (the first 60 Cranfield documents), under three analyzer
 * configurations. Byte 0 picks the configuration; the rest is the query text (NUL-terminated
 * copy; an embedded NUL just ends it early, as for any C-string API).
 *
 * Properties: no crash; analyze and search succeed or fail together (both analyse the same text);
 * every term is non-empty valid UTF-8 no longer than the configured maximum; the fast search
 * returns exactly the reference search's hits, and so does the filtered search under a filter
 * derived from the input (a hash of its bytes: 128 bits, nbits 0 .. 127 over 60 documents, so
 * nbits falls below and beyond the document count) against the filtered reference. */
#include <glib.h>
#include <math.h>

#include "fuzz_util.h"
#include "vajra/io.h"
#include "vajra/lexical.h"
#include "vajra/scorer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CONFIGS 6
static const VajraAnalyzerOptions configs[CONFIGS] = {
    {.stemmer = VAJRA_STEMMER_ENGLISH},                                   /* the defaults */
    {.stemmer = VAJRA_STEMMER_PORTER, .keep_stopwords = 1},
    {.stemmer = VAJRA_STEMMER_NONE, .max_token_length = 3, .repair_utf8 = 1},
    {.language = "japanese", .repair_utf8 = 1},                         /* CJK bigrams */
    {.language = "greek"},
    {.language = "arabic", .max_token_length = 5},
};

typedef struct Setup {
    const VajraLexicalVtable *vt;
    VajraScorer scorer;
    VajraLexicalIndex *index[CONFIGS];
    VajraLexicalScratch *scratch[CONFIGS];
} Setup;

static Setup *setup(void)
{
    static Setup s;
    if (s.vt != NULL)
        return &s;
    VajraError err = {0};
    VajraPlugin *lex = fuzz_plugin(VAJRA_PLUGIN_LEXICAL, "lexical-bm25");
    VajraPlugin *sc = fuzz_plugin(VAJRA_PLUGIN_SCORER, "scorer-bm25");
    const VajraScorerVtable *svt = vajra_plugin_vtable(sc);
    void *instance = NULL;
    if (svt->create(vajra_plugin_state(sc), NULL, 0, &instance, &err) != VAJRA_OK)
        abort();
    s.scorer = (VajraScorer){svt, instance, "scorer-bm25"};
    s.vt = vajra_plugin_vtable(lex);

    VajraDocSet *docs = NULL;
    if (vajra_docset_read_jsonl(FUZZ_DATA_DIR "/cranfield/corpus.jsonl", NULL, &docs, &err) !=
        VAJRA_OK) {
        fprintf(stderr, "fuzz: %s\n", err.message);
        abort();
    }
    VajraDocBatch batch = vajra_docset_batch(docs);
    if (batch.count > 60)
        batch.count = 60;
    for (int c = 0; c < CONFIGS; c++) {
        VajraLexicalOptions opts = {.struct_size = sizeof opts, .analyzer = configs[c],
                                    .scorer = s.scorer};
        if (s.vt->create(vajra_plugin_state(lex), &opts, &s.index[c], &err) != VAJRA_OK ||
            s.vt->add_batch(s.index[c], &batch, &err) != VAJRA_OK ||
            s.vt->commit(s.index[c], &err) != VAJRA_OK ||
            s.vt->scratch_new(s.index[c], &s.scratch[c], &err) != VAJRA_OK) {
            fprintf(stderr, "fuzz: building index %d: %s\n", c, err.message);
            abort();
        }
    }
    /* The documents are borrowed only during add_batch; the set can go. */
    vajra_docset_free(docs);
    return &s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    Setup *s = setup();
    int c = data[0] % CONFIGS;
    char *text = fuzz_cstring(data + 1, size - 1);
    VajraError err = {0};

    VajraTermBag bag = {0};
    vajra_status a = s->vt->analyze(s->index[c], s->scratch[c], text, &bag, &err);
    fuzz_check_error(a, &err, "analyze");
    uint32_t max_len = configs[c].max_token_length ? configs[c].max_token_length : 64;
    for (size_t i = 0; a == VAJRA_OK && i < bag.count; i++) {
        const char *t = bag.terms[i];
        if (t == NULL || !g_utf8_validate(t, -1, NULL)) {
            fprintf(stderr, "fuzz: term %zu is NULL or invalid UTF-8\n", i);
            abort();
        }
        if (t[0] == '\0')
            fuzz_finding("the analyzer emitted an empty term for \"%s\"", text);
        /* Tokens over the limit are dropped; stemming only shortens, but NFKC may expand a
         * character up to 18 (U+FDFA), whichever order the analyzer applies them in. */
        if (g_utf8_strlen(t, -1) > (glong)max_len * 18) {
            fprintf(stderr, "fuzz: term \"%s\" longer than the limit %u\n", t, max_len);
            abort();
        }
    }
    vajra_term_bag_clear(&bag);

    VajraHits fast = {0}, ref = {0};
    err = (VajraError){0};
    vajra_status b = s->vt->search(s->index[c], s->scratch[c], text, 10, &fast, &err);
    fuzz_check_error(b, &err, "search");
    VajraError err2 = {0};
    vajra_status r = vajra_reference_lexical_search(s->vt, s->index[c], &s->scorer, text, 10, &ref,
                                                    &err2);
    if (a != b || b != r) {
        fprintf(stderr, "fuzz: analyze %s, search %s, reference %s\n", vajra_strerror(a),
                vajra_strerror(b), vajra_strerror(r));
        abort();
    }
    if (b == VAJRA_OK) {
        int same = fast.count == ref.count;
        for (size_t i = 0; same && i < fast.count; i++)
            same = fast.items[i].doc == ref.items[i].doc &&
                   fabsf(fast.items[i].score - ref.items[i].score) <=
                       1e-4f * fmaxf(1.0f, fabsf(ref.items[i].score));
        if (!same) {
            fprintf(stderr, "fuzz: search and reference disagree on \"%s\"\n", text);
            abort();
        }
    }
    /* The filtered search against the filtered reference, under a filter from the input. */
    uint64_t h = UINT64_C(14695981039346656037), words[2];
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * UINT64_C(1099511628211);
    words[0] = h * UINT64_C(0x9E3779B97F4A7C15);
    words[1] = (h >> 7) * UINT64_C(0xBF58476D1CE4E5B9);
    VajraDocFilter f = {.struct_size = sizeof f, .nbits = (uint32_t)(h >> 57), .words = words};
    f.passing = vajra_filter_count(words, f.nbits);
    err = (VajraError){0};
    b = s->vt->search_filtered(s->index[c], s->scratch[c], text, 10, &f, &fast, &err);
    fuzz_check_error(b, &err, "filtered search");
    err2 = (VajraError){0};
    r = vajra_reference_lexical_search_filtered(s->vt, s->index[c], &s->scorer, text, 10, &f, &ref,
                                                &err2);
    if (a != b || b != r) {
        fprintf(stderr, "fuzz: analyze %s, filtered search %s, reference %s\n",
                vajra_strerror(a), vajra_strerror(b), vajra_strerror(r));
        abort();
    }
    if (b == VAJRA_OK) {
        int same = fast.count == ref.count;
        for (size_t i = 0; same && i < fast.count; i++)
            same = fast.items[i].doc == ref.items[i].doc &&
                   vajra_filter_pass(&f, ref.items[i].doc) &&
                   fabsf(fast.items[i].score - ref.items[i].score) <=
                       1e-4f * fmaxf(1.0f, fabsf(ref.items[i].score));
        if (!same) {
            fprintf(stderr, "fuzz: filtered search and reference disagree on \"%s\"\n", text);
            abort();
        }
    }
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    free(text);
    return 0;
}
