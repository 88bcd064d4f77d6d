/* Test fixture plugins, one source compiled several ways (FIXTURE_* macros pick the defect). */
#include <stdlib.h>

#include "vajra/plugin.h"

typedef struct {
    uint32_t version;
    int (*answer)(void *state);
} FixtureVTable;

static int answer(void *state) { return *(int *)state; }

static vajra_status fixture_init(const VajraHost *host, void **state, VajraError *err)
{
#ifdef FIXTURE_INIT_FAILS
    (void)host;
    (void)state;
    return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "fixture refuses to start");
#else
    (void)err;
    int *s = malloc(sizeof *s);
    if (s == NULL)
        return VAJRA_ERR_NO_MEMORY;
    /* Non-kernel plugins must be handed a complete kernel. */
    *s = (host->kernel != NULL && host->kernel->dot != NULL && host->abi_major == VAJRA_ABI_MAJOR)
             ? 42
             : -1;
    *state = s;
    return VAJRA_OK;
#endif
}

static void fixture_fini(void *state) { free(state); }

static const FixtureVTable vtable = {1, answer};

#ifndef FIXTURE_ABI_MAJOR
#define FIXTURE_ABI_MAJOR VAJRA_ABI_MAJOR
#endif
#ifndef FIXTURE_STRUCT_SIZE
#define FIXTURE_STRUCT_SIZE sizeof(VajraPluginDescriptor)
#endif
#ifndef FIXTURE_CPU
#define FIXTURE_CPU 0
#endif
#ifndef FIXTURE_KIND
#define FIXTURE_KIND VAJRA_PLUGIN_SCORER
#endif
#ifndef FIXTURE_KIND_NAME
#define FIXTURE_KIND_NAME NULL
#endif
#ifndef FIXTURE_NAME
#define FIXTURE_NAME "fixture-good"
#endif

static const VajraPluginDescriptor desc = {
    .struct_size = FIXTURE_STRUCT_SIZE,
    .abi_major = FIXTURE_ABI_MAJOR,
    .abi_minor = 3,
    .kind = FIXTURE_KIND,
    .name = FIXTURE_NAME,
    .version = "0.0.1",
    .description = "registry test fixture",
    .required_cpu = FIXTURE_CPU,
    .init = fixture_init,
    .fini = fixture_fini,
    .vtable = &vtable,
    .kind_name = FIXTURE_KIND_NAME,
};

#ifndef FIXTURE_NO_ENTRY
VAJRA_DEFINE_PLUGIN(desc)
#else
/* Exported, but under the wrong name: the registry must say there is no entry function. */
VAJRA_PLUGIN_EXPORT const VajraPluginDescriptor *vajra_plugin_entry_v0(void);
VAJRA_PLUGIN_EXPORT const VajraPluginDescriptor *vajra_plugin_entry_v0(void) { return &desc; }
#endif
