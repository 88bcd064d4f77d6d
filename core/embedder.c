/* Embedders: the vtable check (include/vajra/embedder.h). */
#include <stddef.h>

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
