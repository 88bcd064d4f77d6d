/* A plugin from a future major ABI, two ways: NEWMAJOR_ENTRY exports vajra_plugin_entry_v2 (what
 * a plugin built against ABI 2 headers does), otherwise the v1 entry returns a descriptor that
 * declares abi_major 2. Either must be refused, naming both versions. */
#include "vajra/plugin.h"

static const struct {
    uint32_t version;
} vtable = {1};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR + 1,
    .abi_minor = 0,
    .kind = VAJRA_PLUGIN_SCORER,
    .name = "newmajor",
    .version = "2.0.0",
    .vtable = &vtable,
};

#ifdef NEWMAJOR_ENTRY
VAJRA_PLUGIN_EXPORT const VajraPluginDescriptor *vajra_plugin_entry_v2(void);
VAJRA_PLUGIN_EXPORT const VajraPluginDescriptor *vajra_plugin_entry_v2(void) { return &desc; }
#else
VAJRA_DEFINE_PLUGIN(desc)
#endif
