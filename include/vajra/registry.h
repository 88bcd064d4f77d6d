/* Vajra — the plugin registry: finds, loads, checks and reference-counts plugins.
 *
 * Search path: the options' `search_path` if given, else $VAJRA_PLUGIN_PATH (colon-separated),
 * then the install directory ($libdir/vajra/plugins). A plugin named N lives in a file "N.so".
 * Files are opened with dlopen(RTLD_NOW | RTLD_LOCAL); the descriptor is checked (struct size,
 * ABI major, kind, CPU features) before init runs. Error messages name the file and, for ABI
 * errors, both versions. With VAJRA_NO_DLCLOSE=1 in the environment, libraries stay mapped after
 * unload (for sanitizer and valgrind symbolisation).
 *
 * Distance kernel: the first non-kernel plugin load (or vajra_registry_kernel) picks a kernel:
 * the options' `kernel` or $VAJRA_KERNEL (scalar|avx2|avx512|neon) if set, else the
 * highest-priority kernel-*.so on the search path whose CPU features are present, else (no kernel
 * plugin found at all) the core's built-in scalar reference. The choice is made once per
 * registry; vajra_registry_kernel reports it.
 *
 * Thread-safety: a registry may be used from several threads; it locks internally and never
 * calls plugin code (init/fini) while holding its lock. A VajraPlugin reference is usable from
 * any thread; its vtable's own thread-safety is documented by its kind's header.
 */
#ifndef VAJRA_REGISTRY_H
#define VAJRA_REGISTRY_H

#include <stddef.h>

#include "vajra/export.h"
#include "vajra/kernel.h"
#include "vajra/plugin.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VajraRegistry VajraRegistry;
typedef struct VajraPlugin VajraPlugin;

typedef struct VajraRegistryOptions {
    uint32_t struct_size;    /* sizeof(VajraRegistryOptions) */
    const char *search_path; /* colon-separated; NULL = $VAJRA_PLUGIN_PATH then the install dir */
    const char *kernel;      /* NULL = $VAJRA_KERNEL, else best available; "scalar", "avx2", ... */
} VajraRegistryOptions;

/* Create a registry. opts may be NULL (defaults). Caller owns *out; free with
 * vajra_registry_free. Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_registry_new(const VajraRegistryOptions *opts, VajraRegistry **out,
                                          VajraError *err);

/* Drop the registry's references; plugins still referenced by the caller stay loaded until their
 * last vajra_plugin_unref. NULL is a no-op. */
VAJRA_API void vajra_registry_free(VajraRegistry *reg);

/* Load the plugin file at `path` (any name), check it and init it. A file already loaded returns
 * the same plugin with one more reference. `expected_kind` 0 accepts any kind; any other number
 * (built in or not, see VajraPluginKind) must equal the plugin's kind. A plugin of a kind this
 * library does not know loads like any other: its vtable is the caller's to interpret.
 * Caller owns the returned reference (vajra_plugin_unref).
 * Errors: VAJRA_ERR_NOT_FOUND (no such file), VAJRA_ERR_PLUGIN_LOAD (not a loadable object, or
 * no entry symbol), VAJRA_ERR_ABI_MISMATCH (major — the descriptor's, or an entry symbol of
 * another major, vajra_plugin_entry_v2, named with both versions —, struct size, kind or vtable
 * version),
 * VAJRA_ERR_CPU_UNSUPPORTED, or the plugin's init error. */
VAJRA_API vajra_status vajra_registry_load_file(VajraRegistry *reg, const char *path,
                                                VajraPluginKind expected_kind, VajraPlugin **out,
                                                VajraError *err);

/* Find "<name>.so" on the search path and load it as above.
 * Errors: VAJRA_ERR_NOT_FOUND listing the directories searched, or those of load_file. */
VAJRA_API vajra_status vajra_registry_load(VajraRegistry *reg, VajraPluginKind kind,
                                           const char *name, VajraPlugin **out, VajraError *err);

/* Called by vajra_registry_scan for each file that failed to load. */
typedef void (*VajraScanErrorFn)(void *user, const char *path, const VajraError *err);

/* Load every "*.so" on the search path (first directory wins for a repeated name). Files that
 * fail are reported through on_error (may be NULL) and skipped. Returns the number loaded in
 * *loaded (optional). Errors: VAJRA_ERR_NO_MEMORY only. */
VAJRA_API vajra_status vajra_registry_scan(VajraRegistry *reg, VajraScanErrorFn on_error,
                                           void *user, size_t *loaded, VajraError *err);

/* Loaded plugins, in load order. The pointer is borrowed (valid while the registry lives). */
VAJRA_API size_t vajra_registry_count(VajraRegistry *reg);
VAJRA_API VajraPlugin *vajra_registry_at(VajraRegistry *reg, size_t index);

/* The chosen distance kernel (choosing it now if not yet chosen). The ops are complete (no NULL
 * slots) and live as long as the registry. *plugin (optional) receives a borrowed pointer, NULL
 * when the built-in reference was chosen (ops->isa is then "scalar").
 * Errors: VAJRA_ERR_NOT_FOUND (the requested kernel is absent), VAJRA_ERR_CPU_UNSUPPORTED (the
 * requested one cannot run here), VAJRA_ERR_ABI_MISMATCH. A failed request is not cached: the
 * registry stays unchosen. */
VAJRA_API vajra_status vajra_registry_kernel(VajraRegistry *reg, const VajraKernelOps **ops,
                                             VajraPlugin **plugin, VajraError *err);

/* The directories searched, colon-joined. Borrowed. */
VAJRA_API const char *vajra_registry_search_path(VajraRegistry *reg);

/* ---- Plugin references ---- */
VAJRA_API VajraPlugin *vajra_plugin_ref(VajraPlugin *p);
/* Drop a reference; the last one runs fini and dlclose (unless VAJRA_NO_DLCLOSE=1). */
VAJRA_API void vajra_plugin_unref(VajraPlugin *p);
/* The plugin's descriptor as this library reads it: a copy whose fields past the plugin's own
 * struct_size are zero (struct_size itself is the plugin's). Borrowed, valid while p lives. */
VAJRA_API const VajraPluginDescriptor *vajra_plugin_descriptor(const VajraPlugin *p);
/* The kind's name: "kernel", "lexical", "vector", "storage", "scorer", "embedder" for the
 * built-in kinds, else the descriptor's kind_name, else NULL. Borrowed. */
VAJRA_API const char *vajra_plugin_kind_name(const VajraPlugin *p);
/* The name of a built-in kind number, NULL for any other. Static string. Thread-safe. */
VAJRA_API const char *vajra_plugin_kind_builtin_name(uint32_t kind);
VAJRA_API const void *vajra_plugin_vtable(const VajraPlugin *p);
VAJRA_API void *vajra_plugin_state(const VajraPlugin *p);
VAJRA_API const char *vajra_plugin_path(const VajraPlugin *p);
/* The host services the plugin was initialised with (kernel set for non-kernel plugins). */
VAJRA_API const VajraHost *vajra_plugin_host(const VajraPlugin *p);

/* The install directory compiled into the library. Static string. */
VAJRA_API const char *vajra_plugin_install_dir(void);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_REGISTRY_H */
