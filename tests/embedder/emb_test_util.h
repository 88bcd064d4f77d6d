/* Shared helpers of the 'embedder' suite: load an embedder plugin through the registry. The
 * in-memory section store comes from the lexical suite's fixture (lex_fixture.h). */
#ifndef VAJRA_TEST_EMB_UTIL_H
#define VAJRA_TEST_EMB_UTIL_H

#include <stddef.h>

#include "vajra/embedder.h"
#include "vajra/registry.h"

typedef struct EmbPlugin {
    VajraRegistry *reg;
    VajraPlugin *plugin;
    const VajraEmbedderVtable *vt;
    void *state;
} EmbPlugin;

/* Load the embedder plugin `name` from $VAJRA_PLUGIN_PATH and check its vtable (ck_assert). */
void emb_plugin_open(EmbPlugin *p, const char *name);
void emb_plugin_close(EmbPlugin *p);

/* Make an embedder from "key=value" strings (NULL-terminated list); returns the status and
 * leaves *out NULL on failure. */
vajra_status emb_make(EmbPlugin *p, const char *const *kv, VajraEmbedder **out, VajraError *err);

/* $VAJRA_TEST_DATA/<rel>, g_malloc'd. */
char *emb_test_data(const char *rel);

#endif /* VAJRA_TEST_EMB_UTIL_H */
