/* Analyzer options in their saved form (include/vajra/lexical.h). */
#include <glib.h>

#include "vajra/lexical.h"

void vajra_analyzer_options_normalize(VajraAnalyzerOptions *opts)
{
    if (opts == NULL || opts->language == NULL)
        return;
    const char *l = opts->language;
    if (l[0] == '\0')
        opts->language = NULL;
    else if (g_ascii_strcasecmp(l, "english") == 0 || g_ascii_strcasecmp(l, "en") == 0)
        opts->stemmer = VAJRA_STEMMER_ENGLISH, opts->language = NULL;
    else if (g_ascii_strcasecmp(l, "porter") == 0)
        opts->stemmer = VAJRA_STEMMER_PORTER, opts->language = NULL;
    else if (g_ascii_strcasecmp(l, "none") == 0)
        opts->stemmer = VAJRA_STEMMER_NONE, opts->language = NULL;
}
