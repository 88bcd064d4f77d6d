/* Languages: Snowball stemmers by name, stopwords-iso lists per language, CJK bigrams, saved and
 * loaded with the index. Fixtures: tests/data/lang/<code>.jsonl, a few real sentences each. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "lex_fixture.h"

static LexFixture fx;

static void setup(void) { lex_fixture_open(&fx, "scorer-bm25", NULL, 0); }
static void teardown(void) { lex_fixture_close(&fx); }

typedef struct Built {
    VajraDocSet *docs;
    VajraLexicalIndex *ix;
    VajraLexicalScratch *scratch;
} Built;

static Built build(const char *file, const char *language)
{
    Built b = {0};
    char *path = g_build_filename(getenv("VAJRA_TEST_DATA"), "lang", file, NULL);
    VajraError err = {0};
    ck_assert_msg(vajra_docset_read_jsonl(path, NULL, &b.docs, &err) == VAJRA_OK, "%s", err.message);
    g_free(path);
    VajraAnalyzerOptions an = {.language = language};
    b.ix = lex_fixture_build(&fx, &an, vajra_docset_batch(b.docs));
    ck_assert_int_eq(fx.vt->scratch_new(b.ix, &b.scratch, &err), VAJRA_OK);
    return b;
}

static void built_free(Built *b)
{
    fx.vt->scratch_free(b->scratch);
    fx.vt->free(b->ix);
    vajra_docset_free(b->docs);
}

/* The analysed terms of text, space-joined (g_free). */
static char *terms(Built *b, const char *text)
{
    VajraTermBag bag = {0};
    VajraError err = {0};
    ck_assert_msg(fx.vt->analyze(b->ix, b->scratch, text, &bag, &err) == VAJRA_OK, "%s", err.message);
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < bag.count; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", bag.terms[i]);
    vajra_term_bag_clear(&bag);
    return g_string_free(s, FALSE);
}

/* The query's top hit is `want` (and, with want2, the second is want2), and it matched at all. */
static void expect_top(Built *b, const char *query, const char *want, const char *want2)
{
    VajraHits hits = {0};
    VajraError err = {0};
    ck_assert_msg(fx.vt->search(b->ix, b->scratch, query, 10, &hits, &err) == VAJRA_OK, "%s", err.message);
    char *t = terms(b, query);
    ck_assert_msg(hits.count >= (want2 ? 2u : 1u), "query \"%s\" (terms: %s) matched %zu documents",
                  query, t, hits.count);
    const char *got = fx.vt->doc_id(b->ix, hits.items[0].doc);
    const char *got2 = want2 ? fx.vt->doc_id(b->ix, hits.items[1].doc) : NULL;
    int ok = strcmp(got, want) == 0 || (want2 && strcmp(got, want2) == 0);
    if (want2)
        ok = ok && (strcmp(got2, want) == 0 || strcmp(got2, want2) == 0) && strcmp(got, got2) != 0;
    ck_assert_msg(ok, "query \"%s\" (terms: %s): top %s, expected %s%s%s", query, t, got, want,
                  want2 ? " and " : "", want2 ? want2 : "");
    g_free(t);
    vajra_hits_clear(&hits);
}

static void expect_terms(Built *b, const char *text, const char *want)
{
    char *t = terms(b, text);
    ck_assert_msg(strcmp(t, want) == 0, "\"%s\" → \"%s\", expected \"%s\"", text, t, want);
    g_free(t);
}

/* Latin script: French and German stemming, their stopword lists. */
START_TEST(test_french_german)
{
    Built fr = build("fr.jsonl", "french");
    expect_top(&fr, "écoulement turbulent", "fr1", NULL);     /* écoulements turbulents */
    expect_top(&fr, "capitales françaises", "fr2", NULL);      /* capitale, France? no: capitale */
    expect_top(&fr, "l'enfant joue", "fr3", NULL);             /* enfants jouent */
    expect_terms(&fr, "les de la et dans sur que", "");        /* stopwords-iso fr */
    built_free(&fr);
    Built de = build("de.jsonl", "de"); /* ISO code alias */
    expect_top(&de, "Strömung", "de2", NULL);                  /* Strömungen */
    expect_top(&de, "Flugzeug", "de2", NULL);                  /* Flugzeugs */
    expect_top(&de, "Kind spielt", "de1", NULL);               /* Kinder spielen */
    expect_top(&de, "HAUPTSTÄDTE", "de3", NULL);               /* case folding + stem */
    expect_terms(&de, "der die und ist von", "");
    built_free(&de);
}
END_TEST

/* Cyrillic: Russian. */
START_TEST(test_russian)
{
    Built ru = build("ru.jsonl", "russian");
    expect_top(&ru, "столица", "ru1", NULL);       /* столицей */
    expect_top(&ru, "самолёты", "ru2", NULL);      /* самолёта */
    expect_top(&ru, "КРУПНЫЙ ГОРОД", "ru1", NULL); /* крупнейшим городом, upper case */
    expect_top(&ru, "игра детей", "ru3", NULL);   /* Дети играют */
    expect_terms(&ru, "и в за", "");
    /* stopwords-iso's Russian list is noisy: it holds "москва" and "россия" (docs/lexical.md). */
    expect_terms(&ru, "Москва", "");
    built_free(&ru);
}
END_TEST

/* Greek: accents and final sigma. */
START_TEST(test_greek)
{
    Built el = build("el.jsonl", "greek");
    expect_top(&el, "ΑΘΗΝΑ", "el1", NULL);          /* upper case without accents */
    expect_top(&el, "πρωτεύουσες", "el1", NULL);    /* plural */
    expect_top(&el, "αεροπλάνα", "el2", NULL);      /* αεροπλάνου */
    expect_top(&el, "κήπος", "el3", NULL);          /* κήπο */
    expect_terms(&el, "και η της του από", "");
    built_free(&el);
}
END_TEST

/* Arabic: prefixes (the article) and suffixes. */
START_TEST(test_arabic)
{
    Built ar = build("ar.jsonl", "arabic");
    expect_top(&ar, "مهندس", "ar2", NULL);          /* المهندسون */
    expect_top(&ar, "العاصمة", "ar1", NULL);        /* عاصمة */
    expect_top(&ar, "طفل الأطفال", "ar3", NULL);
    expect_terms(&ar, "هي في حول", "");
    built_free(&ar);
}
END_TEST

/* CJK: overlapping bigrams (Lucene's CJKAnalyzer). Before languages, "首都" matched nothing. */
START_TEST(test_cjk)
{
    Built zh = build("zh.jsonl", "chinese");
    expect_terms(&zh, "东京是日本的首都", "东京 京是 是日 日本 本的 的首 首都");
    expect_terms(&zh, "我们", "");                      /* a stopwords-iso zh bigram */
    expect_terms(&zh, "北京 iPhone手机", "北京 iphone 手机"); /* words end at script changes */
    expect_terms(&zh, "京", "京");                       /* a lone character is a unigram */
    expect_top(&zh, "首都", "zh1", "zh2");
    expect_top(&zh, "中国的首都", "zh2", NULL);
    expect_top(&zh, "机翼", "zh3", NULL);
    built_free(&zh);

    Built ja = build("ja.jsonl", "japanese");
    expect_top(&ja, "首都", "ja1", NULL);
    expect_top(&ja, "エンジニア", "ja2", NULL);
    expect_top(&ja, "ｴﾝｼﾞﾆｱ", "ja2", NULL);          /* half-width katakana, voicing mark */
    expect_top(&ja, "飛行機", "ja2", NULL);
    expect_top(&ja, "수도", "ko1", NULL);               /* Hangul */
    expect_terms(&ja, "ｶﾞ", "ガ");
    built_free(&ja);

    /* Without a language, the old behaviour: one token per run, so "首都" finds nothing. */
    Built old = build("zh.jsonl", NULL);
    VajraHits hits = {0};
    ck_assert_int_eq(fx.vt->search(old.ix, old.scratch, "首都", 10, &hits, NULL), VAJRA_OK);
    ck_assert_uint_eq(hits.count, 0);
    vajra_hits_clear(&hits);
    built_free(&old);
}
END_TEST

/* Names: libstemmer's list, ISO codes, refusals; english/porter/none stay the old values and
 * save the same bytes; a language survives save and load (and an old-format file still loads). */
START_TEST(test_names_and_persistence)
{
    VajraError err = {0};
    VajraLexicalIndex *ix = NULL;
    VajraLexicalOptions o = {.struct_size = sizeof o, .scorer = fx.scorer};
    o.analyzer.language = "klingon";
    ck_assert_int_eq(fx.vt->create(vajra_plugin_state(fx.lex_plugin), &o, &ix, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "klingon"));
    ck_assert_ptr_nonnull(strstr(err.message, "arabic"));
    ck_assert_ptr_nonnull(strstr(err.message, "french"));
    const char *ok[] = {"french", "FR", "Russian", "el", "arabic", "hindi", "turkish", "cjk", "ko",
                        "yiddish", "porter", "none", ""};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        o.analyzer.language = ok[i];
        ck_assert_msg(fx.vt->create(vajra_plugin_state(fx.lex_plugin), &o, &ix, &err) == VAJRA_OK, "%s: %s", ok[i], err.message);
        fx.vt->free(ix);
    }

    /* "english" is the default, byte for byte. */
    VajraDocSet *docs = NULL;
    char *path = g_build_filename(getenv("VAJRA_TEST_DATA"), "lang", "fr.jsonl", NULL);
    ck_assert_int_eq(vajra_docset_read_jsonl(path, NULL, &docs, &err), VAJRA_OK);
    g_free(path);
    VajraAnalyzerOptions en = {.language = "english"}, dflt = {0}, fr = {.language = "french"};
    unsigned char *bytes[3];
    size_t len[3];
    const VajraAnalyzerOptions *opts[3] = {&en, &dflt, &fr};
    for (int i = 0; i < 3; i++) {
        VajraLexicalIndex *b = lex_fixture_build(&fx, opts[i], vajra_docset_batch(docs));
        MemSections *m = mem_sections_new();
        VajraSectionWriter w = mem_sections_writer(m);
        ck_assert_int_eq(fx.vt->save(b, &w, &err), VAJRA_OK);
        len[i] = mem_sections_bytes(m, &bytes[i]);
        /* Format 3 (format 1, what every index was before languages, with packed postings)
         * unless a language is set (4: format 2 packed). */
        size_t ml = 0, ll = 0;
        const unsigned char *meta = mem_sections_data(m, "lex.meta", &ml);
        uint32_t format;
        memcpy(&format, meta + 8, 4);
        ck_assert_uint_eq(format, i == 2 ? 4 : 3);
        ck_assert(i == 2 ? mem_sections_data(m, "lex.lang", &ll) != NULL
                         : mem_sections_data(m, "lex.lang", &ll) == NULL);
        if (i == 2) { /* reload the French index: queries are analysed in French */
            VajraSectionReader r = mem_sections_reader(m);
            VajraLexicalIndex *l = NULL;
            VajraLexicalOptions lo = {.struct_size = sizeof lo, .scorer = fx.scorer};
            ck_assert_msg(fx.vt->load(vajra_plugin_state(fx.lex_plugin), &lo, &r, &l, &err) == VAJRA_OK, "%s", err.message);
            VajraLexicalScratch *s = NULL;
            VajraHits hits = {0};
            ck_assert_int_eq(fx.vt->scratch_new(l, &s, &err), VAJRA_OK);
            ck_assert_int_eq(fx.vt->search(l, s, "écoulement turbulent", 10, &hits, &err), VAJRA_OK);
            ck_assert_uint_ge(hits.count, 1);
            ck_assert_str_eq(fx.vt->doc_id(l, hits.items[0].doc), "fr1");
            fx.vt->scratch_free(s);
            fx.vt->free(l);
            /* The same index as the flat format 2 wrote it loads, still in French. */
            MemSections *flat = lex_fixture_save_flat(&fx, b);
            VajraSectionReader fr_r = mem_sections_reader(flat);
            ck_assert_msg(fx.vt->load(vajra_plugin_state(fx.lex_plugin), &lo, &fr_r, &l, &err) == VAJRA_OK, "%s", err.message);
            ck_assert_int_eq(fx.vt->scratch_new(l, &s, &err), VAJRA_OK);
            ck_assert_int_eq(fx.vt->search(l, s, "écoulement turbulent", 10, &hits, &err), VAJRA_OK);
            ck_assert_uint_ge(hits.count, 1);
            ck_assert_str_eq(fx.vt->doc_id(l, hits.items[0].doc), "fr1");
            vajra_hits_clear(&hits);
            fx.vt->scratch_free(s);
            fx.vt->free(l);
            mem_sections_free(flat);
            /* A corrupted language name is refused. */
            size_t ll = 0;
            char *lang = mem_sections_data(m, "lex.lang", &ll);
            ck_assert_ptr_nonnull(lang);
            ck_assert_str_eq(lang, "french");
            lang[0] = 'X';
            ck_assert_int_eq(fx.vt->load(vajra_plugin_state(fx.lex_plugin), &lo, &r, &l, &err), VAJRA_ERR_CORRUPT);
        }
        mem_sections_free(m);
        fx.vt->free(b);
    }
    ck_assert_uint_eq(len[0], len[1]);
    ck_assert_int_eq(memcmp(bytes[0], bytes[1], len[0]), 0);
    ck_assert(len[2] != len[0] || memcmp(bytes[2], bytes[0], len[0]) != 0);
    for (int i = 0; i < 3; i++)
        free(bytes[i]);
    vajra_docset_free(docs);
}
END_TEST

/* Random mixed-script text (CJK, half-width kana, combining and voicing marks, Latin, digits,
 * punctuation) through every CJK mode: never an error, every term valid UTF-8 and non-empty, and
 * every term made of CJK characters at most two characters long. */
START_TEST(test_cjk_random_text)
{
    static const gunichar pool[] = {0x6771, 0x4EAC, 0x3042, 0x3093, 0x30AB, 0x30FC, 0xFF76, 0xFF9E,
                                    0xFF9F, 0x3099, 0x0301, 0xAC00, 0xD55C, 0x3131, 0xF900, 0x2F00,
                                    0x337B, 'a', 'Z', '7', ' ', ',', 0x3002, 0x00E9, 0x0416, 0x3005};
    const char *modes[] = {"chinese", "japanese", "korean", "cjk"};
    GRand *rng = g_rand_new_with_seed(14);
    for (size_t m = 0; m < 4; m++) {
        Built b = build("ja.jsonl", modes[m]);
        for (int round = 0; round < 300; round++) {
            GString *t = g_string_new(NULL);
            int len = g_rand_int_range(rng, 0, 40);
            for (int i = 0; i < len; i++)
                g_string_append_unichar(t, pool[g_rand_int_range(rng, 0, G_N_ELEMENTS(pool))]);
            VajraTermBag bag = {0};
            VajraError err = {0};
            ck_assert_msg(fx.vt->analyze(b.ix, b.scratch, t->str, &bag, &err) == VAJRA_OK, "%s", err.message);
            for (size_t i = 0; i < bag.count; i++) {
                const char *term = bag.terms[i];
                ck_assert(term[0] != '\0' && g_utf8_validate(term, -1, NULL));
                gunichar c0 = g_utf8_get_char(term);
                GUnicodeScript sc = g_unichar_get_script(c0);
                if (sc == G_UNICODE_SCRIPT_HAN || sc == G_UNICODE_SCRIPT_HIRAGANA || sc == G_UNICODE_SCRIPT_HANGUL)
                    ck_assert_msg(g_utf8_strlen(term, -1) <= 2, "\"%s\" from \"%s\"", term, t->str);
            }
            VajraHits hits = {0};
            ck_assert_int_eq(fx.vt->search(b.ix, b.scratch, t->str, 5, &hits, &err), VAJRA_OK);
            vajra_hits_clear(&hits);
            vajra_term_bag_clear(&bag);
            g_string_free(t, TRUE);
        }
        built_free(&b);
    }
    g_rand_free(rng);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("languages");
    TCase *t = tcase_create("languages");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_french_german);
    tcase_add_test(t, test_russian);
    tcase_add_test(t, test_greek);
    tcase_add_test(t, test_arabic);
    tcase_add_test(t, test_cjk);
    tcase_add_test(t, test_names_and_persistence);
    tcase_add_test(t, test_cjk_random_text);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
