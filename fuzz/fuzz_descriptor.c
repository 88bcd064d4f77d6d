/* libFuzzer target: the registry's plugin descriptor checks (struct size, ABI major, kind, name,
 * vtable version, CPU features), reached through vajra_registry_load_file on a fixture plugin
 * whose descriptor comes from the input (fuzz/descriptor_fixture.c explains the mechanism).
 *
 * Input: byte 0 picks the kind the caller expects (0 = any); the rest is the descriptor.
 * Properties: the load never crashes; it fails with a message or succeeds only for a descriptor
 * the documented rules accept, and a loaded plugin reports exactly that descriptor. */
#include <dlfcn.h>

#include "fuzz_util.h"
#include "vajra/cpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef void (*FixtureSetFn)(const uint8_t *data, size_t size);

static FixtureSetFn fixture_set(void)
{
    static FixtureSetFn fn;
    if (fn == NULL) {
        void *h = dlopen(FUZZ_FIXTURE_SO, RTLD_NOW | RTLD_LOCAL);
        void *sym = h ? dlsym(h, "fuzz_fixture_set") : NULL;
        if (sym == NULL) {
            fprintf(stderr, "fuzz: cannot load %s: %s\n", FUZZ_FIXTURE_SO, dlerror());
            abort();
        }
        memcpy(&fn, &sym, sizeof fn);
    }
    return fn;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t expected = data[0] % 8u; /* 0 = any, 1..6 the built-in kinds, 7 another kind */
    fixture_set()(data + 1, size - 1);

    /* A fresh registry each time (a loaded path is cached per registry). Its search path is the
     * fixture's own directory, which holds no kernel plugin, so the built-in scalar kernel is
     * chosen without loading anything else. */
    VajraRegistryOptions opts = {.struct_size = sizeof opts, .search_path = FUZZ_FIXTURE_DIR};
    VajraRegistry *reg = NULL;
    VajraError err = {0};
    if (vajra_registry_new(&opts, &reg, &err) != VAJRA_OK)
        abort();
    VajraPlugin *p = NULL;
    vajra_status st = vajra_registry_load_file(reg, FUZZ_FIXTURE_SO, (VajraPluginKind)expected, &p, &err);
    fuzz_check_error(st, &err, "vajra_registry_load_file");
    if (st == VAJRA_OK) {
        const VajraPluginDescriptor *d = vajra_plugin_descriptor(p);
        if (d == NULL || d->abi_major != VAJRA_ABI_MAJOR ||
            d->struct_size < VAJRA_PLUGIN_DESCRIPTOR_SIZE_1_0 || d->name == NULL ||
            d->name[0] == '\0' || d->vtable == NULL || *(const uint32_t *)d->vtable == 0 ||
            d->kind == 0 ||
            (expected != 0 && d->kind != expected) ||
            (d->required_cpu & vajra_cpu_features()) != d->required_cpu)
            abort(); /* accepted a descriptor the rules refuse */
        if (vajra_plugin_vtable(p) != d->vtable)
            abort();
        vajra_plugin_unref(p);
    } else if (p != NULL) {
        abort();
    }
    vajra_registry_free(reg);
    return 0;
}
