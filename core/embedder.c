/* Embedders: the vtable check (include/vajra/embedder.h). */
#include <stddef.h>
#include <string.h>

#include "vajra/embedder.h"

vajra_status vajra_embedder_vtable_check(const VajraEmbedderVtable *vt, VajraError *err)
{
    if (vt == NULL)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH, "embedder: no vtable");
    if (vt->version < 1)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH, "embedder: vtable version %u",
                               vt->version);
    size_t need = offsetof(VajraEmbedderVtable, embed) + sizeof vt->embed;
    if (vt->struct_size < need)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "embedder: vtable struct_size %u is smaller than the %zu bytes of "
                               "its required slots",
                               vt->struct_size, need);
    if (vt->create == NULL || vt->free == NULL || vt->dim == NULL || vt->embed == NULL)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "embedder: a required slot (create, free, dim, embed) is NULL");
    return VAJRA_OK;
}

/* Load and check the plugin; *out gets the plugin reference and vtable. */
static vajra_status ref_plugin(VajraRegistry *reg, const char *name, VajraEmbedderRef *out,
                               VajraError *err)
{
    memset(out, 0, sizeof *out);
    vajra_status st = vajra_registry_load(reg, VAJRA_PLUGIN_EMBEDDER, name, &out->plugin, err);
    if (st != VAJRA_OK)
        return st;
    out->vt = vajra_plugin_vtable(out->plugin);
    st = vajra_embedder_vtable_check(out->vt, err);
    if (st != VAJRA_OK) {
        vajra_error_prefix(err, "%s", name);
        vajra_embedder_ref_clear(out);
    }
    return st;
}

vajra_status vajra_embedder_ref_create(VajraRegistry *reg, const char *name,
                                       const VajraKeyValue *params, size_t n_params,
                                       VajraEmbedderRef *out, VajraError *err)
{
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "embedder_ref_create: NULL output");
    vajra_status st = ref_plugin(reg, name, out, err);
    if (st != VAJRA_OK)
        return st;
    st = out->vt->create(vajra_plugin_state(out->plugin), params, n_params, &out->self, err);
    if (st != VAJRA_OK) {
        out->self = NULL;
        vajra_embedder_ref_clear(out);
    }
    return st;
}

vajra_status vajra_embedder_ref_load(VajraRegistry *reg, const char *name,
                                     const VajraKeyValue *params, size_t n_params,
                                     const VajraSectionReader *r, VajraEmbedderRef *out,
                                     VajraError *err)
{
    if (out == NULL || r == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "embedder_ref_load: NULL argument");
    vajra_status st = ref_plugin(reg, name, out, err);
    if (st != VAJRA_OK)
        return st;
    if (!VAJRA_EMBEDDER_HAS(out->vt, load)) {
        vajra_embedder_ref_clear(out);
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "embedder %s cannot load a saved model",
                               name);
    }
    st = out->vt->load(vajra_plugin_state(out->plugin), params, n_params, r, &out->self, err);
    if (st != VAJRA_OK) {
        out->self = NULL;
        vajra_embedder_ref_clear(out);
    }
    return st;
}

void vajra_embedder_ref_clear(VajraEmbedderRef *ref)
{
    if (ref == NULL)
        return;
    if (ref->self != NULL && ref->vt != NULL)
        ref->vt->free(ref->self);
    vajra_plugin_unref(ref->plugin);
    memset(ref, 0, sizeof *ref);
}
