/* lexical-bm25: the analyzer (see analyzer.h for the rules). */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libstemmer.h>

#include "analyzer.h"

vajra_status lex_analyzer_options_resolve(const VajraAnalyzerOptions *in, VajraAnalyzerOptions *out,
                                          VajraError *err)
{
    *out = *in;
    if (in->language != NULL && in->language[0] != '\0') {
        LexLanguage lang;
        if (!lex_language_find(in->language, &lang)) {
            char names[180];
            lex_language_names(names, sizeof names);
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "lexical-bm25: unknown language \"%.40s\" (known: %s)",
                                   in->language, names);
        }
        /* The three languages that existed as stemmer values stay in that form, so their
         * indexes are byte-identical to those made before languages existed. */
        out->language = NULL;
        if (strcmp(lang.name, "english") == 0)
            out->stemmer = VAJRA_STEMMER_ENGLISH;
        else if (strcmp(lang.name, "porter") == 0)
            out->stemmer = VAJRA_STEMMER_PORTER;
        else if (strcmp(lang.name, "none") == 0)
            out->stemmer = VAJRA_STEMMER_NONE;
        else {
            out->language = lang.name;
            out->stemmer = 0;
        }
    } else {
        out->language = NULL;
    }
    if (out->stemmer > VAJRA_STEMMER_NONE)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical-bm25: unknown stemmer %u (0 english, 1 porter, 2 none)",
                               out->stemmer);
    if (out->max_token_length == 0)
        out->max_token_length = LEX_DEFAULT_MAX_TOKEN;
    if (out->max_token_length > LEX_MAX_MAX_TOKEN)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical-bm25: max_token_length %u exceeds %u",
                               out->max_token_length, LEX_MAX_MAX_TOKEN);
    out->keep_stopwords = out->keep_stopwords ? 1 : 0;
    out->repair_utf8 = out->repair_utf8 ? 1 : 0;
    return VAJRA_OK;
}

vajra_status lex_analyzer_init(LexAnalyzer *a, const VajraAnalyzerOptions *opts, VajraError *err)
{
    memset(a, 0, sizeof *a);
    a->opts = *opts;
    const char *algo = NULL;
    a->english_stop = 1;
    if (opts->language != NULL) {
        LexLanguage lang;
        if (!lex_language_find(opts->language, &lang))
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "lexical-bm25: unknown language \"%.40s\"", opts->language);
        algo = lang.stemmer;
        a->english_stop = (lang.flags & LEX_LANG_ENGLISH_STOP) != 0;
        a->cjk = (lang.flags & LEX_LANG_CJK) != 0;
        a->stop_iso = lex_stop_list(lang.iso);
    } else if (opts->stemmer != VAJRA_STEMMER_NONE) {
        algo = opts->stemmer == VAJRA_STEMMER_PORTER ? "porter" : "english";
    }
    if (algo != NULL) {
        a->stemmer = sb_stemmer_new(algo, "UTF_8");
        if (a->stemmer == NULL)
            return vajra_error_set(err, VAJRA_ERR_NOT_FOUND,
                                   "lexical-bm25: libstemmer has no '%s' stemmer for UTF-8", algo);
    }
    /* Room for the longest token kept: max characters × 4 bytes, plus slack for a mark run. */
    a->tok_cap = (size_t)opts->max_token_length * 4 + 64;
    a->tok = malloc(a->tok_cap);
    if (a->tok == NULL) {
        lex_analyzer_clear(a);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    }
    return VAJRA_OK;
}

void lex_analyzer_memo(LexAnalyzer *a)
{
    if (a->memo == NULL)
        a->memo = calloc(LEX_MEMO_SLOTS, sizeof *a->memo);
}

void lex_analyzer_clear(LexAnalyzer *a)
{
    if (a->stemmer != NULL)
        sb_stemmer_delete(a->stemmer);
    free(a->memo);
    free(a->tok);
    memset(a, 0, sizeof *a);
}

static int is_stop(const LexAnalyzer *a, const char *term, size_t len)
{
    if (a->opts.keep_stopwords)
        return 0;
    return (a->english_stop && lex_is_stopword(term, len)) || lex_stop_list_has(a->stop_iso, term, len);
}

/* ---- CJK runs: overlapping bigrams ---- */

/* A character that starts or continues a CJK run. */
static int is_cjk(gunichar c)
{
    switch (g_unichar_get_script(c)) {
    case G_UNICODE_SCRIPT_HAN:
    case G_UNICODE_SCRIPT_HIRAGANA:
    case G_UNICODE_SCRIPT_KATAKANA:
    case G_UNICODE_SCRIPT_HANGUL:
        return g_unichar_isalnum(c);
    default:
        return c == 0x30FC || c == 0xFF70; /* prolonged sound marks (script Common) */
    }
}

/* A character that joins the CJK character before it (combining and half-width voicing marks). */
static int is_cjk_joiner(gunichar c) { return g_unichar_ismark(c) || c == 0xFF9E || c == 0xFF9F; }

/* Compatibility forms whose NFKC form differs (half/full width, compatibility ideographs,
 * Kangxi radicals, enclosed and squared forms, Hangul compatibility jamo). */
static int cjk_needs_nfkc(gunichar c)
{
    return (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF) ||
           (c >= 0x2F00 && c <= 0x2FDF) || (c >= 0x3130 && c <= 0x318F) ||
           (c >= 0x3200 && c <= 0x33FF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* A stopword-filtered term that is not stemmed. */
static vajra_status emit_plain(LexAnalyzer *a, const char *term, size_t len, LexTermFn fn,
                               void *user, VajraError *err)
{
    if (is_stop(a, term, len))
        return VAJRA_OK;
    return fn(user, term, len, err);
}

/* One normalised character of a run: emit the bigram it ends. */
static vajra_status cjk_push(LexAnalyzer *a, const char *c, size_t clen, LexTermFn fn, void *user,
                             VajraError *err)
{
    if (clen > sizeof a->cjk_prev)
        return VAJRA_OK;
    vajra_status st = VAJRA_OK;
    if (a->cjk_prev_len > 0) {
        char bi[16];
        memcpy(bi, a->cjk_prev, a->cjk_prev_len);
        memcpy(bi + a->cjk_prev_len, c, clen);
        st = emit_plain(a, bi, a->cjk_prev_len + clen, fn, user, err);
    }
    memcpy(a->cjk_prev, c, clen);
    a->cjk_prev_len = clen;
    a->cjk_run++;
    return st;
}

/* Normalise the pending character with its marks and push the result into the run. */
static vajra_status cjk_flush_cluster(LexAnalyzer *a, LexTermFn fn, void *user, VajraError *err)
{
    if (a->cjk_clu_len == 0)
        return VAJRA_OK;
    const char *s = a->cjk_clu;
    size_t len = a->cjk_clu_len;
    char *norm = NULL;
    gunichar first = g_utf8_get_char(s);
    if ((size_t)(g_utf8_next_char(s) - s) < len || cjk_needs_nfkc(first)) {
        norm = g_utf8_normalize(s, (gssize)len, G_NORMALIZE_NFKC);
        if (norm != NULL) {
            s = norm;
            len = strlen(norm);
        }
    }
    a->cjk_clu_len = 0;
    vajra_status st = VAJRA_OK;
    for (const char *q = s; q < s + len && st == VAJRA_OK; q = g_utf8_next_char(q)) {
        size_t ql = (size_t)(g_utf8_next_char(q) - q);
        if (g_unichar_ismark(g_utf8_get_char(q)))
            continue; /* a mark NFKC could not compose */
        st = cjk_push(a, q, ql, fn, user, err);
    }
    g_free(norm);
    return st;
}

/* End the current run: a run of one character is emitted as a unigram. */
static vajra_status cjk_end_run(LexAnalyzer *a, LexTermFn fn, void *user, VajraError *err)
{
    vajra_status st = cjk_flush_cluster(a, fn, user, err);
    if (st == VAJRA_OK && a->cjk_run == 1)
        st = emit_plain(a, a->cjk_prev, a->cjk_prev_len, fn, user, err);
    a->cjk_prev_len = 0;
    a->cjk_run = 0;
    return st;
}

/* The memo slot of an ASCII token (FNV-1a). */
static LexMemoEntry *memo_slot(const LexAnalyzer *a, const char *tok, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)tok[i]) * 16777619u;
    return &a->memo[(h ^ (h >> 16)) & (LEX_MEMO_SLOTS - 1)];
}

static vajra_status emit_token_uncached(LexAnalyzer *a, char *tok, size_t len, int ascii,
                                        LexTermFn fn, void *user, VajraError *err);

/* Remembers what the term callback received for this token, for memo_emit_token. */
typedef struct MemoCapture {
    LexTermFn fn;
    void *user;
    LexMemoEntry *e;
} MemoCapture;

static vajra_status memo_capture(void *user, const char *term, size_t len, VajraError *err)
{
    MemoCapture *m = user;
    if (len <= LEX_MEMO_KEY) {
        memcpy(m->e->out, term, len);
        m->e->out_len = (uint8_t)len;
    } else {
        m->e->key_len = 0; /* too long to remember */
    }
    return m->fn(m->user, term, len, err);
}

/* A finished token (already lowercased if ASCII): fold, filter, stem, emit — or, for a short
 * ASCII token seen before, emit what it gave then. */
static vajra_status emit_token(LexAnalyzer *a, char *tok, size_t len, int ascii, LexTermFn fn,
                               void *user, VajraError *err)
{
    if (a->memo == NULL || !ascii || len > LEX_MEMO_KEY)
        return emit_token_uncached(a, tok, len, ascii, fn, user, err);
    LexMemoEntry *e = memo_slot(a, tok, len);
    if (e->key_len == len && memcmp(e->key, tok, len) == 0)
        return e->out_len == LEX_MEMO_DROP ? VAJRA_OK : fn(user, e->out, e->out_len, err);
    e->key_len = (uint8_t)len;
    memcpy(e->key, tok, len);
    e->out_len = LEX_MEMO_DROP; /* stays so when no term comes out */
    MemoCapture m = {fn, user, e};
    vajra_status st = emit_token_uncached(a, tok, len, ascii, memo_capture, &m, err);
    if (st != VAJRA_OK)
        e->key_len = 0;
    return st;
}

static vajra_status emit_token_uncached(LexAnalyzer *a, char *tok, size_t len, int ascii,
                                        LexTermFn fn, void *user, VajraError *err)
{
    char *norm = NULL;
    const char *term = tok;
    if (!ascii) {
        char *folded = g_utf8_casefold(tok, (gssize)len);
        norm = g_utf8_normalize(folded, -1, G_NORMALIZE_NFKC);
        g_free(folded);
        if (norm == NULL) /* cannot happen on valid UTF-8; skip rather than fail */
            return VAJRA_OK;
        term = norm;
        len = strlen(norm);
    }
    vajra_status st = VAJRA_OK;
    if (is_stop(a, term, len))
        goto done;
    if (a->stemmer != NULL) {
        const sb_symbol *stem = sb_stemmer_stem(a->stemmer, (const sb_symbol *)term, (int)len);
        if (stem == NULL) {
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: stemmer out of memory");
            goto done;
        }
        /* Porter stems "s" (from possessives) to nothing: an empty term would match every
         * document that had one, so it is dropped like a stopword. */
        int stem_len = sb_stemmer_length(a->stemmer);
        if (stem_len > 0)
            st = fn(user, (const char *)stem, (size_t)stem_len, err);
    } else {
        st = fn(user, term, len, err);
    }
done:
    g_free(norm);
    return st;
}

vajra_status lex_analyze_text(LexAnalyzer *a, const char *text, size_t len, LexTermFn fn,
                              void *user, VajraError *err)
{
    const size_t max_chars = a->opts.max_token_length;
    const char *p = text, *end = text + len;
    size_t tlen = 0, tchars = 0; /* bytes and characters of the current token */
    int ascii = 1;               /* the current token is all ASCII */
    int in_token = 0;
    int in_cjk = 0; /* a CJK run is open */
    a->cjk_prev_len = a->cjk_run = a->cjk_clu_len = 0;
    while (p < end) {
        unsigned char ch = (unsigned char)*p;
        int is_word, cjk_char = 0;
        size_t clen;
        char lower = 0;
        if (ch < 0x80) {
            clen = 1;
            is_word = g_ascii_isalnum(ch);
            lower = (char)g_ascii_tolower(ch);
        } else {
            gunichar c = g_utf8_get_char(p);
            clen = (size_t)(g_utf8_next_char(p) - p);
            if (p + clen > end) /* a character cut by `len`: stop there */
                break;
            if (a->cjk && in_cjk && is_cjk_joiner(c)) {
                if (a->cjk_clu_len + clen <= sizeof a->cjk_clu) {
                    memcpy(a->cjk_clu + a->cjk_clu_len, p, clen);
                    a->cjk_clu_len += clen;
                }
                p += clen;
                continue;
            }
            cjk_char = a->cjk && is_cjk(c);
            is_word = !cjk_char && (g_unichar_isalnum(c) || (in_token && g_unichar_ismark(c)));
        }
        if (in_cjk && !cjk_char) { /* anything that is not CJK ends the run */
            vajra_status st = cjk_end_run(a, fn, user, err);
            if (st != VAJRA_OK)
                return st;
            in_cjk = 0;
        }
        if (is_word) {
            in_token = 1;
            tchars++;
            /* Past the limit the token will be dropped: stop copying but keep counting. */
            if (tchars <= max_chars && tlen + clen <= a->tok_cap) {
                if (clen == 1) {
                    a->tok[tlen++] = lower;
                } else {
                    memcpy(a->tok + tlen, p, clen);
                    tlen += clen;
                    ascii = 0;
                }
            } else {
                tchars = max_chars + 1;
            }
        } else if (in_token) {
            if (tchars <= max_chars) {
                vajra_status st = emit_token(a, a->tok, tlen, ascii, fn, user, err);
                if (st != VAJRA_OK)
                    return st;
            }
            in_token = 0;
            tlen = tchars = 0;
            ascii = 1;
        }
        if (cjk_char) { /* a new CJK character: the previous one is complete */
            vajra_status st = cjk_flush_cluster(a, fn, user, err);
            if (st != VAJRA_OK)
                return st;
            if (clen <= sizeof a->cjk_clu) {
                memcpy(a->cjk_clu, p, clen);
                a->cjk_clu_len = clen;
            }
            in_cjk = 1;
        }
        p += clen;
    }
    if (in_cjk)
        return cjk_end_run(a, fn, user, err);
    if (in_token && tchars <= max_chars)
        return emit_token(a, a->tok, tlen, ascii, fn, user, err);
    return VAJRA_OK;
}
