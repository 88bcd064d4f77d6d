/* lexical-bm25: the English stopword list.
 *
 * Based on the Snowball project's English stop list (snowballstem.org, english/stop.txt),
 * without contractions ("don't" is split into "don" and "t" by the tokenizer, and those
 * pieces are left alone). 123 words, matched after case folding and before stemming. They are
 * common enough that their idf is near zero, so dropping them changes rankings little and makes
 * queries much cheaper. Listed in docs/lexical.md; keep the two in step.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "analyzer.h"

/* Sorted (strcmp order), as listed in docs/lexical.md. */
static const char *const stopwords[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from",
    "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him",
    "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "me", "more",
    "most", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other",
    "ought", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so",
    "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
    "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up",
    "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why",
    "with", "would", "you", "your", "yours", "yourself", "yourselves",
};

#define STOPWORD_MAX_LEN 10
#define N_STOPWORDS (sizeof stopwords / sizeof stopwords[0])
/* Open addressing over the list (slot = index + 1, 0 empty), at most 1/4 full: a query or a
 * document checks every token, and one hash and usually one compare beat a binary search of
 * seven string compares. Built once, on first use. */
#define STOP_SLOTS 512

static uint8_t stop_table[STOP_SLOTS];
static uint8_t stop_len[N_STOPWORDS];

static unsigned stop_hash(const char *w, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return (h ^ (h >> 15)) & (STOP_SLOTS - 1);
}

static void stop_table_init(void)
{
    static gsize done = 0;
    if (!g_once_init_enter(&done))
        return;
    for (size_t i = 0; i < N_STOPWORDS; i++) {
        size_t len = strlen(stopwords[i]);
        stop_len[i] = (uint8_t)len;
        unsigned at = stop_hash(stopwords[i], len);
        while (stop_table[at] != 0)
            at = (at + 1) & (STOP_SLOTS - 1);
        stop_table[at] = (uint8_t)(i + 1);
    }
    g_once_init_leave(&done, 1);
}

int lex_is_stopword(const char *word, size_t len)
{
    if (len == 0 || len > STOPWORD_MAX_LEN)
        return 0;
    stop_table_init();
    for (unsigned at = stop_hash(word, len);; at = (at + 1) & (STOP_SLOTS - 1)) {
        unsigned slot = stop_table[at];
        if (slot == 0)
            return 0;
        if (stop_len[slot - 1] == len && memcmp(stopwords[slot - 1], word, len) == 0)
            return 1;
    }
}
