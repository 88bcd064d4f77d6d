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
    if (opts->stemmer != VAJRA_STEMMER_NONE) {
        const char *algo = opts->stemmer == VAJRA_STEMMER_PORTER ? "porter" : "english";
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

void lex_analyzer_clear(LexAnalyzer *a)
{
    if (a->stemmer != NULL)
        sb_stemmer_delete(a->stemmer);
    free(a->tok);
    memset(a, 0, sizeof *a);
}

/* A finished token (already lowercased if ASCII): fold, filter, stem, emit. */
static vajra_status emit_token(LexAnalyzer *a, char *tok, size_t len, int ascii, LexTermFn fn,
                               void *user, VajraError *err)
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
    if (!a->opts.keep_stopwords && lex_is_stopword(term, len))
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
    while (p < end) {
        unsigned char ch = (unsigned char)*p;
        int is_word;
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
            is_word = g_unichar_isalnum(c) || (in_token && g_unichar_ismark(c));
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
        p += clen;
    }
    if (in_token && tchars <= max_chars)
        return emit_token(a, a->tok, tlen, ascii, fn, user, err);
    return VAJRA_OK;
}
