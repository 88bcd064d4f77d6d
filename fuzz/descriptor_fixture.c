/* A plugin whose descriptor is whatever the fuzzer says (fuzz/fuzz_descriptor.c).
 *
 * The registry's descriptor checks are private to core/registry.c, so rather than exposing them
 * we fuzz them the way a hostile plugin would reach them: through dlopen and the entry function.
 * This fixture exports, besides the entry, fuzz_fixture_set(), which the fuzzer finds with dlsym
 * on its own handle (the same loaded object the registry's dlopen gets) and calls before each
 * load to install the next descriptor. The descriptor is a mutable static: one fuzzing thread. */
#include <stdlib.h>
#include <string.h>

#include "vajra/plugin.h"

/* Big enough for any kind's vtable (a kernel vtable is read as a whole VajraKernelOps); every
 * slot after the version is NULL, which every kind reads as "unsupported". */
typedef struct FixtureVtable {
    uint32_t version;
    uint32_t priority;
    void *slots[64];
} FixtureVtable;

static FixtureVtable vtable = {1, 0, {0}};
static VajraPluginDescriptor desc;
static char name[72];
static int init_fails;

static vajra_status fixture_init(const VajraHost *host, void **state, VajraError *err)
{
    (void)host;
    if (init_fails)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "fixture init refuses");
    if (desc.fini == NULL) /* nothing would free it */
        return VAJRA_OK;
    *state = malloc(16);
    return *state ? VAJRA_OK : VAJRA_ERR_NO_MEMORY;
}

static void fixture_fini(void *state) { free(state); }

/* Fields, little-endian, in this order (missing bytes are zero):
 *   u32 struct_size, u16 abi_major, u16 abi_minor, u32 kind, u64 required_cpu,
 *   u32 vtable version, u8 flags (1: name NULL, 2: vtable NULL, 4: no init, 8: init fails,
 *   16: no fini), then up to 71 bytes of name (NUL-terminated here). */
VAJRA_PLUGIN_EXPORT void fuzz_fixture_set(const uint8_t *data, size_t size);
VAJRA_PLUGIN_EXPORT void fuzz_fixture_set(const uint8_t *data, size_t size)
{
    uint8_t fixed[25] = {0};
    size_t n = size < sizeof fixed ? size : sizeof fixed;
    memcpy(fixed, data, n);
    memset(&desc, 0, sizeof desc);
    memcpy(&desc.struct_size, fixed + 0, 4);
    memcpy(&desc.abi_major, fixed + 4, 2);
    memcpy(&desc.abi_minor, fixed + 6, 2);
    memcpy(&desc.kind, fixed + 8, 4);
    memcpy(&desc.required_cpu, fixed + 12, 8);
    memcpy(&vtable.version, fixed + 20, 4);
    uint8_t flags = fixed[24];
    size_t name_len = size > sizeof fixed ? size - sizeof fixed : 0;
    if (name_len > sizeof name - 1)
        name_len = sizeof name - 1;
    if (name_len > 0)
        memcpy(name, data + sizeof fixed, name_len);
    name[name_len] = '\0';
    desc.name = (flags & 1) ? NULL : name;
    desc.version = "0.0.0";
    desc.description = "fuzzed descriptor";
    desc.vtable = (flags & 2) ? NULL : &vtable;
    desc.init = (flags & 4) ? NULL : fixture_init;
    init_fails = (flags & 8) != 0;
    desc.fini = (flags & 16) ? NULL : fixture_fini;
}

VAJRA_PLUGIN_EXPORT const VajraPluginDescriptor *VAJRA_PLUGIN_ENTRY(void);
VAJRA_PLUGIN_EXPORT const VajraPluginDescriptor *VAJRA_PLUGIN_ENTRY(void) { return &desc; }
