/* Vajra — the plugin ABI.
 *
 * A plugin is one shared object exporting one function, VAJRA_PLUGIN_ENTRY (the ABI major is in
 * its name), that returns a pointer to a static const VajraPluginDescriptor. The registry checks
 * struct_size, abi_major, kind and the required CPU features before calling anything else.
 *
 * Writing one:
 *     static const VajraPluginDescriptor desc = {
 *         .struct_size = sizeof(VajraPluginDescriptor),
 *         .abi_major = VAJRA_ABI_MAJOR, .abi_minor = VAJRA_ABI_MINOR,
 *         .kind = VAJRA_PLUGIN_SCORER, .name = "scorer-mine", .version = "1.0.0",
 *         .vtable = &my_vtable,
 *     };
 *     VAJRA_DEFINE_PLUGIN(desc)
 *
 * Rules: vtables begin with a uint32_t version and only grow at the end; a NULL slot means "not
 * supported". Host services (the chosen distance kernel, CPU features) arrive at init; plugins
 * never dlopen each other. Whoever allocates frees. Only the entry symbol is exported
 * (build with -fvisibility=hidden).
 */
#ifndef VAJRA_PLUGIN_H
#define VAJRA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/kernel.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VAJRA_ABI_MAJOR 1
/* Minor 1: kinds are open (any non-zero number; VajraPluginDescriptor.kind_name names new ones);
 * the descriptor grew kind_name at its end (1.0-sized descriptors are still accepted).
 * VajraAnalyzerOptions and VajraDocument grew too; binaries built against 1.0 keep working
 * through translations in the core ("Growing an interface" in docs/architecture.md). */
#define VAJRA_ABI_MINOR 1

/* The entry symbol. Changing VAJRA_ABI_MAJOR changes this name, so an old plugin is refused with
 * "missing entry" before any of its structs are read; the descriptor's abi_major is checked too. */
#define VAJRA_PLUGIN_ENTRY vajra_plugin_entry_v1
#define VAJRA_PLUGIN_ENTRY_NAME "vajra_plugin_entry_v1"

/* Plugin kinds are open: a kind is a non-zero number that the plugin and its caller agree on,
 * and the registry accepts any of them (it checks only that a loaded plugin has the kind the
 * caller asked for). The built-in kinds below are pinned forever; numbers below
 * VAJRA_PLUGIN_KIND_USER are reserved for future built-in kinds, numbers from it up are free for
 * applications and third parties (pick one, and name it in the descriptor's kind_name so tools
 * can show it). A new kind therefore needs no change to this enum, to the registry or to any
 * other plugin: only a header declaring its vtable. */
typedef enum VajraPluginKind {
    VAJRA_PLUGIN_KERNEL = 1,  /* vtable: VajraKernelOps */
    VAJRA_PLUGIN_LEXICAL = 2, /* vtable: see vajra/lexical.h */
    VAJRA_PLUGIN_VECTOR = 3,  /* vtable: see vajra/vector.h */
    VAJRA_PLUGIN_STORAGE = 4, /* vtable: see vajra/storage.h */
    VAJRA_PLUGIN_SCORER = 5,  /* vtable: see vajra/scorer.h */
    VAJRA_PLUGIN_EMBEDDER = 6 /* vtable: see vajra/embedder.h (text → vector) */
} VajraPluginKind;

/* First kind number free for kinds defined outside Vajra. */
#define VAJRA_PLUGIN_KIND_USER 1000u

/* Services the core hands a plugin at init. Valid until the plugin's fini returns. */
typedef struct VajraHost {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    uint64_t cpu_features;           /* vajra_cpu_features() */
    const VajraKernelOps *kernel;    /* the chosen distance kernel; NULL when initialising kernels */
} VajraHost;

typedef struct VajraPluginDescriptor {
    uint32_t struct_size; /* sizeof(VajraPluginDescriptor) as the plugin saw it */
    uint16_t abi_major;   /* must equal VAJRA_ABI_MAJOR */
    uint16_t abi_minor;   /* may be lower or higher; higher minors only add at the end. Set it
                           * to VAJRA_ABI_MINOR: the core hands a minor-0 lexical plugin the 1.0
                           * layouts of the structs 1.1 moved (docs/architecture.md) */
    uint32_t kind;        /* VajraPluginKind or any other non-zero kind number */
    const char *name;     /* unique, e.g. "kernel-avx2"; the file is "<name>.so" */
    const char *version;  /* the plugin's own version, e.g. "1.0.0" */
    const char *description;
    uint64_t required_cpu; /* VAJRA_CPU_* bits that must all be present */
    /* Optional. Called once after the checks pass; *state is handed back to fini and is
     * retrievable with vajra_plugin_state(). */
    vajra_status (*init)(const VajraHost *host, void **state, VajraError *err);
    void (*fini)(void *state); /* optional */
    const void *vtable;        /* kind-specific; begins with a uint32_t version */
    /* ---- ABI 1.1 ---- */
    /* Optional name of the kind ("reranker"), shown by tools for kinds Vajra does not know;
     * ignored for the built-in kinds, which have their own names. */
    const char *kind_name;
} VajraPluginDescriptor;

/* The size of an ABI 1.0 descriptor (up to and including vtable): the smallest accepted. Larger
 * descriptors from newer minors are accepted too (fields this library does not know are
 * ignored). */
#define VAJRA_PLUGIN_DESCRIPTOR_SIZE_1_0 \
    (offsetof(VajraPluginDescriptor, vtable) + sizeof(const void *))

typedef const VajraPluginDescriptor *(*VajraPluginEntryFn)(void);

/* Define the entry function returning `desc` (a static const VajraPluginDescriptor). */
#define VAJRA_DEFINE_PLUGIN(desc)                                                            \
    VAJRA_PLUGIN_EXPORT const VajraPluginDescriptor *VAJRA_PLUGIN_ENTRY(void);               \
    VAJRA_PLUGIN_EXPORT const VajraPluginDescriptor *VAJRA_PLUGIN_ENTRY(void) { return &(desc); }

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_PLUGIN_H */
