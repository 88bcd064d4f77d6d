#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "emb_test_util.h"

void emb_plugin_open(EmbPlugin *p, const char *name)
{
    memset(p, 0, sizeof *p);
    VajraError err = {0};
    ck_assert_msg(vajra_registry_new(NULL, &p->reg, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_registry_load(p->reg, VAJRA_PLUGIN_EMBEDDER, name, &p->plugin, &err) == VAJRA_OK,
                  "%s", err.message);
    p->vt = vajra_plugin_vtable(p->plugin);
    ck_assert_msg(vajra_embedder_vtable_check(p->vt, &err) == VAJRA_OK, "%s", err.message);
    p->state = vajra_plugin_state(p->plugin);
}

void emb_plugin_close(EmbPlugin *p)
{
    vajra_plugin_unref(p->plugin);
    vajra_registry_free(p->reg);
}

vajra_status emb_make(EmbPlugin *p, const char *const *kv, VajraEmbedder **out, VajraError *err)
{
    VajraKeyValue params[16] = {{0}};
    char *owned[16];
    size_t n = 0;
    for (; kv != NULL && kv[n] != NULL && n < 16; n++) {
        owned[n] = g_strdup(kv[n]);
        char *eq = strchr(owned[n], '=');
        ck_assert_ptr_nonnull(eq);
        *eq = '\0';
        params[n] = (VajraKeyValue){owned[n], eq + 1};
    }
    *out = NULL;
    vajra_status st = p->vt->create(p->state, params, n, out, err);
    for (size_t i = 0; i < n; i++)
        g_free(owned[i]);
    return st;
}

char *emb_test_data(const char *rel)
{
    const char *dir = getenv("VAJRA_TEST_DATA");
    ck_assert_msg(dir != NULL, "VAJRA_TEST_DATA is not set");
    return g_build_filename(dir, rel, NULL);
}
