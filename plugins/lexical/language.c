/* lexical-bm25: the language table (see language.h). */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libstemmer.h>

#include "language.h"

/* Every Snowball algorithm of libstemmer 2.2 with its ISO 639-1 code, and the CJK modes. Porter
 * and "none" have no code. Stopword lists exist for the codes gen_stopwords.py was given. */
static const LexLanguage languages[] = {
    {"arabic", "ar", "arabic", 0},
    {"armenian", "hy", "armenian", 0},
    {"basque", "eu", "basque", 0},
    {"catalan", "ca", "catalan", 0},
    {"danish", "da", "danish", 0},
    {"dutch", "nl", "dutch", 0},
    {"english", "en", "english", LEX_LANG_ENGLISH_STOP},
    {"finnish", "fi", "finnish", 0},
    {"french", "fr", "french", 0},
    {"german", "de", "german", 0},
    {"greek", "el", "greek", 0},
    {"hindi", "hi", "hindi", 0},
    {"hungarian", "hu", "hungarian", 0},
    {"indonesian", "id", "indonesian", 0},
    {"irish", "ga", "irish", 0},
    {"italian", "it", "italian", 0},
    {"lithuanian", "lt", "lithuanian", 0},
    {"nepali", "ne", "nepali", 0},
    {"norwegian", "no", "norwegian", 0},
    {"porter", NULL, "porter", LEX_LANG_ENGLISH_STOP},
    {"portuguese", "pt", "portuguese", 0},
    {"romanian", "ro", "romanian", 0},
    {"russian", "ru", "russian", 0},
    {"serbian", "sr", "serbian", 0},
    {"spanish", "es", "spanish", 0},
    {"swedish", "sv", "swedish", 0},
    {"tamil", "ta", "tamil", 0},
    {"turkish", "tr", "turkish", 0},
    {"yiddish", "yi", "yiddish", 0},
    {"chinese", "zh", NULL, LEX_LANG_CJK | LEX_LANG_ENGLISH_STOP},
    {"japanese", "ja", NULL, LEX_LANG_CJK | LEX_LANG_ENGLISH_STOP},
    {"korean", "ko", NULL, LEX_LANG_CJK | LEX_LANG_ENGLISH_STOP},
    {"cjk", NULL, NULL, LEX_LANG_CJK | LEX_LANG_ENGLISH_STOP},
    {"none", NULL, NULL, LEX_LANG_ENGLISH_STOP},
};

#define N_LANGUAGES (sizeof languages / sizeof languages[0])

/* The libstemmer name equal to `algo`, or NULL: the validation against libstemmer's own list. */
static const char *snowball_has(const char *algo)
{
    for (const char **l = sb_stemmer_list(); *l != NULL; l++)
        if (g_ascii_strcasecmp(*l, algo) == 0)
            return *l;
    return NULL;
}

int lex_language_find(const char *name, LexLanguage *out)
{
    if (name == NULL || name[0] == '\0')
        return 0;
    for (size_t i = 0; i < N_LANGUAGES; i++) {
        const LexLanguage *l = &languages[i];
        if (g_ascii_strcasecmp(l->name, name) != 0 &&
            (l->iso == NULL || g_ascii_strcasecmp(l->iso, name) != 0))
            continue;
        if (l->stemmer != NULL && snowball_has(l->stemmer) == NULL)
            return 0; /* this libstemmer lacks it */
        *out = *l;
        return 1;
    }
    const char *sb = snowball_has(name);
    if (sb == NULL)
        return 0;
    *out = (LexLanguage){sb, NULL, sb, 0};
    return 1;
}

void lex_language_names(char *buf, size_t cap)
{
    if (cap == 0)
        return;
    buf[0] = '\0';
    GString *s = g_string_new("chinese, japanese, korean, cjk, none");
    for (const char **l = sb_stemmer_list(); *l != NULL; l++)
        g_string_append_printf(s, ", %s", *l);
    if (s->len >= cap && cap > 8) { /* cut after the last whole name that fits, then "..." */
        g_string_truncate(s, cap - 6);
        char *comma = strrchr(s->str, ',');
        if (comma != NULL)
            g_string_truncate(s, (gsize)(comma - s->str));
        g_string_append(s, ", ...");
    }
    g_strlcpy(buf, s->str, cap);
    g_string_free(s, TRUE);
}

const LexStopList *lex_stop_list(const char *iso)
{
    if (iso == NULL)
        return NULL;
    for (const LexStopList *l = lex_stop_lists; l->iso != NULL; l++)
        if (strcmp(l->iso, iso) == 0)
            return l->count > 0 ? l : NULL;
    return NULL;
}

static int compare_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

int lex_stop_list_has(const LexStopList *list, const char *word, size_t len)
{
    if (list == NULL || len == 0 || len > list->max_len)
        return 0;
    char buf[256];
    if (len >= sizeof buf)
        return 0;
    memcpy(buf, word, len);
    buf[len] = '\0';
    return bsearch(buf, list->words, list->count, sizeof list->words[0], compare_word) != NULL;
}
