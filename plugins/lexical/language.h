/* lexical-bm25: languages — which Snowball stemmer, which stopword list, whether CJK text is
 * split into character bigrams. Shared by the analyzer (and through it by every plugin that
 * links the analyzer library, e.g. embedder-lsa).
 *
 * A language is named by its Snowball name as libstemmer lists it (sb_stemmer_list(): "french",
 * "russian", ...), by its ISO 639-1 code ("fr", "ru", ...), or as one of the CJK modes
 * "chinese"/"zh", "japanese"/"ja", "korean"/"ko" and "cjk". Stopwords come from the vendored
 * stopwords-iso lists (plugins/lexical/stopwords/), except English, Porter and "none", which keep
 * the analyzer's own English list (stopwords.c) so that indexes made before languages existed
 * analyse exactly as before. Everything here is immutable after load: thread-safe.
 */
#ifndef VAJRA_LEX_LANGUAGE_H
#define VAJRA_LEX_LANGUAGE_H

#include <stddef.h>
#include <stdint.h>

/* One language's stopwords: `count` NUL-terminated words sorted by strcmp, none longer than
 * max_len bytes. Generated from stopwords-iso (gen_stopwords.py). */
typedef struct LexStopList {
    const char *iso;
    const char *const *words;
    size_t count;
    size_t max_len;
} LexStopList;

/* Terminated by an entry with iso == NULL. */
extern const LexStopList lex_stop_lists[];

#define LEX_LANG_CJK 1u          /* CJK runs become overlapping character bigrams */
#define LEX_LANG_ENGLISH_STOP 2u /* drop the analyzer's English stopword list too */

typedef struct LexLanguage {
    const char *name;    /* canonical name (static string): what an index saves */
    const char *iso;     /* ISO 639-1 code (alias and stopword list), NULL when none */
    const char *stemmer; /* Snowball algorithm, NULL = no stemming */
    uint32_t flags;      /* LEX_LANG_* */
} LexLanguage;

/* Find a language by canonical name or ISO code (ASCII case-insensitive). Snowball languages are
 * accepted only when this libstemmer lists them; a name libstemmer lists that the table below
 * does not know is accepted too (its stemmer, no stopwords). Returns 1 and fills *out, else 0. */
int lex_language_find(const char *name, LexLanguage *out);

/* The accepted canonical names, comma-separated, into buf (truncated to cap). */
void lex_language_names(char *buf, size_t cap);

/* The stopword list of an ISO code, NULL when there is none. */
const LexStopList *lex_stop_list(const char *iso);

/* 1 if the word (len bytes, folded) is on the list. */
int lex_stop_list_has(const LexStopList *list, const char *word, size_t len);

#endif /* VAJRA_LEX_LANGUAGE_H */
