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

#include "analyzer.h"

/* Sorted (strcmp order) for bsearch. */
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

static int compare_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

int lex_is_stopword(const char *word, size_t len)
{
    if (len == 0 || len > STOPWORD_MAX_LEN)
        return 0;
    char buf[STOPWORD_MAX_LEN + 1];
    memcpy(buf, word, len);
    buf[len] = '\0';
    return bsearch(buf, stopwords, sizeof stopwords / sizeof stopwords[0], sizeof stopwords[0],
                   compare_word) != NULL;
}
