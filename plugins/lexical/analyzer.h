/* lexical-bm25: the analyzer — UTF-8 text to terms.
 *
 * Tokens are maximal runs of letters and digits (g_unichar_isalnum; combining marks continue a
 * run). ASCII tokens are lowercased in place; tokens with other characters are case-folded and
 * NFKC-normalised (g_utf8_casefold + g_utf8_normalize, a small allocation per such token).
 * Tokens longer than max_token_length characters are dropped, then stopwords (see stopwords.c and
 * language.h), then the Snowball stemmer runs. In a CJK mode (language.h), runs of Han,
 * Hiragana, Katakana and Hangul characters (each NFKC-normalised with its combining marks) become
 * overlapping bigrams, a run of one character a unigram; they are stopword-filtered but not
 * stemmed. The text must already be valid UTF-8.
 *
 * An analyzer owns one stemmer, which is not thread-safe: one analyzer per thread.
 */
#ifndef VAJRA_LEX_ANALYZER_H
#define VAJRA_LEX_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "language.h"
#include "vajra/lexical.h"

#define LEX_DEFAULT_MAX_TOKEN 64
#define LEX_MAX_MAX_TOKEN 1024

struct sb_stemmer;

/* One remembered ASCII token: what emit_token made of it (out_len LEX_MEMO_DROP: no term). */
#define LEX_MEMO_KEY 24
#define LEX_MEMO_SLOTS 4096
#define LEX_MEMO_DROP 0xFF
typedef struct LexMemoEntry {
    uint8_t key_len, out_len; /* key_len 0: empty */
    char key[LEX_MEMO_KEY];
    char out[LEX_MEMO_KEY];
} LexMemoEntry;

typedef struct LexAnalyzer {
    VajraAnalyzerOptions opts; /* defaults resolved (max_token_length > 0) */
    struct sb_stemmer *stemmer; /* NULL when stemming is off */
    char *tok;                  /* the token being collected */
    size_t tok_cap;
    const LexStopList *stop_iso; /* the language's stopwords; NULL = none */
    int english_stop;            /* also drop the built-in English list */
    int cjk;                     /* bigram CJK runs */
    /* CJK run state (reset per lex_analyze_text call). */
    char cjk_prev[8];  /* the previous character of the run (normalised) */
    size_t cjk_prev_len;
    size_t cjk_run;    /* characters in the run so far */
    char cjk_clu[64];  /* the current character and its combining marks, not yet normalised */
    size_t cjk_clu_len;
    /* Direct-mapped memo of ASCII tokens of at most LEX_MEMO_KEY bytes → their term (or none):
     * the stopword test and the stemmer are pure functions of the token, and a corpus repeats its
     * words, so indexing skips most stemmer calls. NULL = off (lex_analyzer_memo turns it on). */
    LexMemoEntry *memo;
} LexAnalyzer;

/* Called for each term (not NUL-terminated; valid only during the call). Return non-zero to
 * stop with an error already set by the callback. */
typedef vajra_status (*LexTermFn)(void *user, const char *term, size_t len, VajraError *err);

/* Resolve defaults and check options. A language name is replaced by its canonical static name
 * (or by the equivalent `stemmer` value and NULL for english, porter and none).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (the message lists the known languages). */
vajra_status lex_analyzer_options_resolve(const VajraAnalyzerOptions *in, VajraAnalyzerOptions *out,
                                          VajraError *err);
/* opts must be resolved. Errors: VAJRA_ERR_NOT_FOUND (stemmer missing), VAJRA_ERR_NO_MEMORY. */
vajra_status lex_analyzer_init(LexAnalyzer *a, const VajraAnalyzerOptions *opts, VajraError *err);
void lex_analyzer_clear(LexAnalyzer *a);
/* Turn the token memo on (LEX_MEMO_SLOTS entries, 200 KB) if memory allows; without it the
 * terms are the same, only slower to make. */
void lex_analyzer_memo(LexAnalyzer *a);

/* Analyse valid UTF-8 `text` of `len` bytes, calling fn for each term in order.
 * Errors: the callback's, VAJRA_ERR_NO_MEMORY. */
vajra_status lex_analyze_text(LexAnalyzer *a, const char *text, size_t len, LexTermFn fn,
                              void *user, VajraError *err);

/* 1 if the (lowercased) word is on the English stopword list. */
int lex_is_stopword(const char *word, size_t len);

#endif /* VAJRA_LEX_ANALYZER_H */
