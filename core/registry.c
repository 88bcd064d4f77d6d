/* The plugin registry: search path, dlopen, descriptor checks, reference counts, kernel choice.
 *
 * Locking: `lock` guards the plugin list only and is never held while plugin code (init/fini)
 * runs. Two threads loading the same file at once both run the checks; the loser finalises its
 * copy and returns the winner's. `kernel_lock` serialises the one-time kernel choice. */
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vajra/cpu.h"
#include "vajra/registry.h"
#include "vajra_config.h"

struct VajraPlugin {
    gint refcount;
    char *path;     /* canonical path (realpath), the plugin's identity */
    char *name;     /* copied from the descriptor so messages survive dlclose */
    void *handle;
    const VajraPluginDescriptor *desc; /* &desc_copy once initialised */
    VajraPluginDescriptor desc_copy;   /* the plugin's descriptor, tail past its size zeroed */
    void *state;
    VajraHost host;
    VajraPlugin *kernel_owner;  /* non-kernel plugins: a reference on the kernel they were given */
    VajraKernelOps kernel_ops;  /* kernel plugins: the ops with NULL slots filled from scalar */
};

struct VajraRegistry {
    GMutex lock;
    GMutex kernel_lock;
    GPtrArray *dirs;       /* char*, search order */
    char *search_path;     /* dirs joined with ':' */
    char *kernel_request;  /* NULL = best available */
    GPtrArray *plugins;    /* VajraPlugin*, one reference each */
    gboolean kernel_chosen;
    VajraPlugin *kernel;   /* NULL when the built-in reference is used */
    const VajraKernelOps *kernel_ops;
};

const char *vajra_plugin_kind_builtin_name(uint32_t kind)
{
    switch (kind) {
    case VAJRA_PLUGIN_KERNEL: return "kernel";
    case VAJRA_PLUGIN_LEXICAL: return "lexical";
    case VAJRA_PLUGIN_VECTOR: return "vector";
    case VAJRA_PLUGIN_STORAGE: return "storage";
    case VAJRA_PLUGIN_SCORER: return "scorer";
    case VAJRA_PLUGIN_EMBEDDER: return "embedder";
    }
    return NULL;
}

/* A kind for messages: its built-in name, else "kind N". */
typedef struct KindText {
    char s[32];
} KindText;

static KindText kind_text(uint32_t kind)
{
    KindText t;
    const char *n = vajra_plugin_kind_builtin_name(kind);
    if (n != NULL)
        g_strlcpy(t.s, n, sizeof t.s);
    else
        g_snprintf(t.s, sizeof t.s, "kind %u", kind);
    return t;
}

#define kind_name(k) (kind_text(k).s)

const char *vajra_plugin_install_dir(void) { return VAJRA_PLUGIN_INSTALL_DIR; }

static gboolean keep_mapped(void)
{
    const char *v = getenv("VAJRA_NO_DLCLOSE");
    return v != NULL && strcmp(v, "1") == 0;
}

static void add_dirs(GPtrArray *dirs, const char *list)
{
    if (list == NULL)
        return;
    gchar **parts = g_strsplit(list, ":", -1);
    for (gchar **p = parts; *p != NULL; p++)
        if (**p != '\0')
            g_ptr_array_add(dirs, g_strdup(*p));
    g_strfreev(parts);
}

vajra_status vajra_registry_new(const VajraRegistryOptions *opts, VajraRegistry **out,
                                VajraError *err)
{
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "registry_new: NULL output");
    if (opts != NULL && opts->struct_size < sizeof(VajraRegistryOptions))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "registry_new: options struct_size %u is smaller than %zu",
                               opts->struct_size, sizeof(VajraRegistryOptions));
    VajraRegistry *reg = g_new0(VajraRegistry, 1);
    g_mutex_init(&reg->lock);
    g_mutex_init(&reg->kernel_lock);
    reg->dirs = g_ptr_array_new_with_free_func(g_free);
    add_dirs(reg->dirs, opts && opts->search_path ? opts->search_path : getenv("VAJRA_PLUGIN_PATH"));
    g_ptr_array_add(reg->dirs, g_strdup(VAJRA_PLUGIN_INSTALL_DIR));
    g_ptr_array_add(reg->dirs, NULL);
    reg->search_path = g_strjoinv(":", (gchar **)reg->dirs->pdata);
    g_ptr_array_remove_index(reg->dirs, reg->dirs->len - 1);
    const char *k = opts && opts->kernel ? opts->kernel : getenv("VAJRA_KERNEL");
    reg->kernel_request = (k != NULL && *k != '\0') ? g_strdup(k) : NULL;
    reg->plugins = g_ptr_array_new();
    *out = reg;
    return VAJRA_OK;
}

static void plugin_destroy(VajraPlugin *p)
{
    if (p->desc != NULL && p->desc->fini != NULL)
        p->desc->fini(p->state);
    if (p->handle != NULL && !keep_mapped())
        dlclose(p->handle);
    vajra_plugin_unref(p->kernel_owner);
    g_free(p->path);
    g_free(p->name);
    g_free(p);
}

VajraPlugin *vajra_plugin_ref(VajraPlugin *p)
{
    if (p != NULL)
        g_atomic_int_inc(&p->refcount);
    return p;
}

void vajra_plugin_unref(VajraPlugin *p)
{
    if (p != NULL && g_atomic_int_dec_and_test(&p->refcount))
        plugin_destroy(p);
}

void vajra_registry_free(VajraRegistry *reg)
{
    if (reg == NULL)
        return;
    for (guint i = 0; i < reg->plugins->len; i++)
        vajra_plugin_unref(g_ptr_array_index(reg->plugins, i));
    g_ptr_array_free(reg->plugins, TRUE);
    vajra_plugin_unref(reg->kernel);
    g_ptr_array_free(reg->dirs, TRUE);
    g_free(reg->search_path);
    g_free(reg->kernel_request);
    g_mutex_clear(&reg->lock);
    g_mutex_clear(&reg->kernel_lock);
    g_free(reg);
}

/* The loaded plugin with this canonical path or descriptor name, or NULL. Caller holds lock. */
static VajraPlugin *find_loaded(VajraRegistry *reg, const char *path, const char *name)
{
    for (guint i = 0; i < reg->plugins->len; i++) {
        VajraPlugin *p = g_ptr_array_index(reg->plugins, i);
        if ((path && strcmp(p->path, path) == 0) || (name && strcmp(p->name, name) == 0))
            return p;
    }
    return NULL;
}

/* Fill the scalar definitions into any NULL slot so users may call every op. */
static void complete_kernel_ops(VajraKernelOps *dst, const VajraKernelOps *src)
{
    const VajraKernelOps *ref = vajra_kernel_reference();
    *dst = *ref;
    dst->version = src->version;
    dst->priority = src->priority;
    dst->isa = src->isa ? src->isa : "unnamed";
#define TAKE(slot) if (src->slot != NULL) dst->slot = src->slot
    TAKE(dot);
    TAKE(l2sq);
    TAKE(cosine_distance);
    TAKE(dot_many);
    TAKE(l2sq_many);
    TAKE(dot_gather);
    TAKE(l2sq_gather);
    /* A vtable ends after its version's slots (1: before the quantised ones, 2: before the integer
     * ones): reading further would run off its end. */
    if (src->version >= 2) {
        TAKE(dot_f16);
        TAKE(l2sq_f16);
        TAKE(dot_f16_gather);
        TAKE(l2sq_f16_gather);
        TAKE(dot_u8);
        TAKE(l2sq_u8);
        TAKE(dot_u8_gather);
        TAKE(l2sq_u8_gather);
    }
    if (src->version >= 3) {
        TAKE(dot_u8s8);
        TAKE(dot_u8s8_gather);
    }
#undef TAKE
}

/* Everything we check before running any plugin code but its entry function. */
static vajra_status check_descriptor(const char *path, const VajraPluginDescriptor *d,
                                     VajraPluginKind expected_kind, VajraError *err)
{
    if (d == NULL)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "plugin %s: its entry function returned no descriptor", path);
    if (d->struct_size < VAJRA_PLUGIN_DESCRIPTOR_SIZE_1_0 && d->struct_size < 8)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "plugin %s: descriptor size %u is too small to be one", path,
                               d->struct_size);
    if (d->abi_major != VAJRA_ABI_MAJOR)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "plugin %s was built for plugin ABI %u.%u; this library speaks ABI "
                               "%u.%u (the major versions must match)",
                               path, d->abi_major, d->abi_minor, VAJRA_ABI_MAJOR, VAJRA_ABI_MINOR);
    if (d->struct_size < VAJRA_PLUGIN_DESCRIPTOR_SIZE_1_0)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "plugin %s: descriptor size %u is smaller than ABI %u.0's %zu",
                               path, d->struct_size, VAJRA_ABI_MAJOR,
                               (size_t)VAJRA_PLUGIN_DESCRIPTOR_SIZE_1_0);
    if (d->name == NULL || d->name[0] == '\0' || d->vtable == NULL)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "plugin %s: descriptor has no name or no vtable", path);
    /* Kinds are open (plugin.h): any non-zero number is a kind; 0 means "any" to callers. */
    if (d->kind == 0)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH, "plugin %s (%s): kind 0 is not a kind",
                               path, d->name);
    if (expected_kind != 0 && d->kind != (uint32_t)expected_kind)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "plugin %s (%s) is a %s plugin; a %s plugin was expected", path,
                               d->name, kind_name(d->kind), kind_name(expected_kind));
    if (*(const uint32_t *)d->vtable == 0)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                               "plugin %s (%s): vtable version is 0", path, d->name);
    uint64_t have = vajra_cpu_features();
    if ((d->required_cpu & have) != d->required_cpu) {
        char need[160], got[160];
        vajra_cpu_features_describe(d->required_cpu & ~have, need, sizeof need);
        vajra_cpu_features_describe(have, got, sizeof got);
        return vajra_error_set(err, VAJRA_ERR_CPU_UNSUPPORTED,
                               "plugin %s (%s) needs CPU features this machine lacks: %s "
                               "(present: %s)",
                               path, d->name, need, got[0] ? got : "none");
    }
    return VAJRA_OK;
}

static vajra_status choose_kernel(VajraRegistry *reg, VajraError *err);

/* The ABI major of a plugin built for another major: the N of the vajra_plugin_entry_vN it
 * exports (N < 64, other than ours), or 0. Its descriptor is never read: another major may lay
 * it out differently. */
static unsigned other_abi_entry(void *handle)
{
    for (unsigned major = 1; major < 64; major++) {
        char name[40];
        g_snprintf(name, sizeof name, "vajra_plugin_entry_v%u", major);
        if (major != VAJRA_ABI_MAJOR && dlsym(handle, name) != NULL)
            return major;
    }
    return 0;
}

vajra_status vajra_registry_load_file(VajraRegistry *reg, const char *path,
                                      VajraPluginKind expected_kind, VajraPlugin **out,
                                      VajraError *err)
{
    if (reg == NULL || path == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "load_file: NULL argument");
    char canonical[PATH_MAX];
    if (realpath(path, canonical) == NULL)
        return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "plugin file %s does not exist", path);

    g_mutex_lock(&reg->lock);
    VajraPlugin *existing = find_loaded(reg, canonical, NULL);
    if (existing != NULL)
        vajra_plugin_ref(existing);
    g_mutex_unlock(&reg->lock);
    if (existing != NULL) {
        if (expected_kind != 0 && existing->desc->kind != (uint32_t)expected_kind) {
            vajra_status st = vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                                              "plugin %s (%s) is a %s plugin; a %s plugin was expected",
                                              path, existing->name,
                                              kind_name(existing->desc->kind),
                                              kind_name(expected_kind));
            vajra_plugin_unref(existing);
            return st;
        }
        *out = existing;
        return VAJRA_OK;
    }

    dlerror();
    void *handle = dlopen(canonical, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        return vajra_error_set(err, VAJRA_ERR_PLUGIN_LOAD, "cannot load plugin %s: %s", path,
                               why ? why : "unknown dlopen error");
    }
    VajraPluginEntryFn entry;
    /* dlsym returns void*; converting through memcpy keeps -Wpedantic quiet about fn pointers. */
    void *sym = dlsym(handle, VAJRA_PLUGIN_ENTRY_NAME);
    if (sym == NULL) {
        unsigned other = other_abi_entry(handle);
        if (!keep_mapped())
            dlclose(handle);
        if (other != 0)
            return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                                   "plugin %s was built for plugin ABI %u (it exports "
                                   "vajra_plugin_entry_v%u); this library speaks plugin ABI %u.%u "
                                   "(the major versions must match)",
                                   path, other, other, VAJRA_ABI_MAJOR, VAJRA_ABI_MINOR);
        return vajra_error_set(err, VAJRA_ERR_PLUGIN_LOAD,
                               "%s is not a Vajra plugin for ABI %u: it has no %s function", path,
                               VAJRA_ABI_MAJOR, VAJRA_PLUGIN_ENTRY_NAME);
    }
    memcpy(&entry, &sym, sizeof entry);
    const VajraPluginDescriptor *desc = entry();
    vajra_status st = check_descriptor(path, desc, expected_kind, err);
    if (st != VAJRA_OK) {
        if (!keep_mapped())
            dlclose(handle);
        return st;
    }

    VajraPlugin *p = g_new0(VajraPlugin, 1);
    p->refcount = 1;
    p->path = g_strdup(canonical);
    p->name = g_strdup(desc->name);
    p->handle = handle;
    /* Read only the bytes the plugin declared; newer fields it does not have stay zero. */
    memcpy(&p->desc_copy, desc,
           desc->struct_size < sizeof p->desc_copy ? desc->struct_size : sizeof p->desc_copy);
    p->host.struct_size = sizeof p->host;
    p->host.abi_major = VAJRA_ABI_MAJOR;
    p->host.abi_minor = VAJRA_ABI_MINOR;
    p->host.cpu_features = vajra_cpu_features();
    if (desc->kind == VAJRA_PLUGIN_KERNEL) {
        complete_kernel_ops(&p->kernel_ops, desc->vtable);
    } else {
        st = choose_kernel(reg, err);
        if (st != VAJRA_OK) {
            vajra_error_prefix(err, "loading plugin %s", path);
            plugin_destroy(p);
            return st;
        }
        g_mutex_lock(&reg->kernel_lock);
        p->kernel_owner = vajra_plugin_ref(reg->kernel);
        p->host.kernel = reg->kernel_ops;
        g_mutex_unlock(&reg->kernel_lock);
    }
    if (desc->init != NULL) {
        st = desc->init(&p->host, &p->state, err);
        if (st != VAJRA_OK) {
            vajra_error_prefix(err, "initialising plugin %s (%s)", path, desc->name);
            plugin_destroy(p); /* desc not yet set: fini is not called after a failed init */
            return st;
        }
    }
    p->desc = &p->desc_copy;

    g_mutex_lock(&reg->lock);
    VajraPlugin *winner = find_loaded(reg, canonical, NULL);
    VajraPlugin *same_name = winner ? NULL : find_loaded(reg, NULL, desc->name);
    if (winner == NULL && same_name == NULL)
        g_ptr_array_add(reg->plugins, vajra_plugin_ref(p));
    else if (winner != NULL)
        vajra_plugin_ref(winner);
    g_mutex_unlock(&reg->lock);
    if (same_name != NULL) {
        st = vajra_error_set(err, VAJRA_ERR_DUPLICATE,
                             "plugin %s is named %s, like the already loaded %s", path,
                             desc->name, same_name->path);
        vajra_plugin_unref(p);
        return st;
    }
    if (winner != NULL) {
        vajra_plugin_unref(p);
        p = winner;
    }
    *out = p;
    return VAJRA_OK;
}

vajra_status vajra_registry_load(VajraRegistry *reg, VajraPluginKind kind, const char *name,
                                 VajraPlugin **out, VajraError *err)
{
    if (reg == NULL || name == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "registry_load: NULL argument");
    if (name[0] == '\0' || strchr(name, '/') != NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "registry_load: \"%s\" is not a plugin name", name);
    for (guint i = 0; i < reg->dirs->len; i++) {
        char *path = g_strdup_printf("%s/%s.so", (char *)g_ptr_array_index(reg->dirs, i), name);
        gboolean exists = g_file_test(path, G_FILE_TEST_IS_REGULAR);
        vajra_status st = exists ? vajra_registry_load_file(reg, path, kind, out, err) : VAJRA_OK;
        g_free(path);
        if (exists)
            return st;
    }
    return vajra_error_set(err, VAJRA_ERR_NOT_FOUND,
                           "%s plugin %s not found (looked for %s.so in %s)", kind_name(kind),
                           name, name, reg->search_path);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted "*.so" names of one directory (sorted so every scan loads in the same order). */
static GPtrArray *list_plugins(const char *dir, const char *prefix)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return names;
    const char *n;
    while ((n = g_dir_read_name(d)) != NULL)
        if (g_str_has_suffix(n, ".so") && (prefix == NULL || g_str_has_prefix(n, prefix)))
            g_ptr_array_add(names, g_strdup(n));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_names);
    return names;
}

vajra_status vajra_registry_scan(VajraRegistry *reg, VajraScanErrorFn on_error, void *user,
                                 size_t *loaded, VajraError *err)
{
    if (reg == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "registry_scan: NULL registry");
    size_t count = 0;
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < reg->dirs->len; i++) {
        const char *dir = g_ptr_array_index(reg->dirs, i);
        GPtrArray *names = list_plugins(dir, NULL);
        for (guint j = 0; j < names->len; j++) {
            const char *n = g_ptr_array_index(names, j);
            if (!g_hash_table_add(seen, g_strdup(n)))
                continue; /* an earlier directory had this file name: it wins */
            char *path = g_build_filename(dir, n, NULL);
            VajraPlugin *p = NULL;
            VajraError e = {0};
            if (vajra_registry_load_file(reg, path, 0, &p, &e) == VAJRA_OK) {
                vajra_plugin_unref(p);
                count++;
            } else if (on_error != NULL) {
                on_error(user, path, &e);
            }
            g_free(path);
        }
        g_ptr_array_free(names, TRUE);
    }
    g_hash_table_destroy(seen);
    if (loaded != NULL)
        *loaded = count;
    return VAJRA_OK;
}

size_t vajra_registry_count(VajraRegistry *reg)
{
    if (reg == NULL)
        return 0;
    g_mutex_lock(&reg->lock);
    size_t n = reg->plugins->len;
    g_mutex_unlock(&reg->lock);
    return n;
}

VajraPlugin *vajra_registry_at(VajraRegistry *reg, size_t index)
{
    if (reg == NULL)
        return NULL;
    g_mutex_lock(&reg->lock);
    VajraPlugin *p = index < reg->plugins->len ? g_ptr_array_index(reg->plugins, index) : NULL;
    g_mutex_unlock(&reg->lock);
    return p;
}

/* Pick the kernel once: the requested one, else the highest priority that loads here (ties:
 * the first file name in sort order), else the core's built-in scalar reference. */
static vajra_status choose_kernel(VajraRegistry *reg, VajraError *err)
{
    vajra_status st = VAJRA_OK;
    g_mutex_lock(&reg->kernel_lock);
    if (reg->kernel_chosen)
        goto done;
    VajraPlugin *best = NULL;
    GPtrArray *tried = NULL; /* kernels loaded by this choice (one caller reference each) */
    if (reg->kernel_request != NULL) {
        char *name = g_strdup_printf("kernel-%s", reg->kernel_request);
        st = vajra_registry_load(reg, VAJRA_PLUGIN_KERNEL, name, &best, err);
        g_free(name);
        if (st != VAJRA_OK) {
            vajra_error_prefix(err, "VAJRA_KERNEL=%s", reg->kernel_request);
            goto done;
        }
    } else {
        tried = g_ptr_array_new();
        for (guint i = 0; i < reg->dirs->len; i++) {
            const char *dir = g_ptr_array_index(reg->dirs, i);
            GPtrArray *names = list_plugins(dir, "kernel-");
            for (guint j = 0; j < names->len; j++) {
                char *path = g_build_filename(dir, g_ptr_array_index(names, j), NULL);
                VajraPlugin *p = NULL;
                g_mutex_lock(&reg->lock);
                char canonical[PATH_MAX];
                gboolean was_loaded = realpath(path, canonical) != NULL &&
                                      find_loaded(reg, canonical, NULL) != NULL;
                g_mutex_unlock(&reg->lock);
                if (vajra_registry_load_file(reg, path, VAJRA_PLUGIN_KERNEL, &p, NULL) == VAJRA_OK) {
                    if (!was_loaded)
                        g_ptr_array_add(tried, p);
                    if (best == NULL || p->kernel_ops.priority > best->kernel_ops.priority)
                        best = p;
                    if (was_loaded)
                        vajra_plugin_unref(p); /* the registry's own reference keeps it */
                }
                g_free(path);
            }
            g_ptr_array_free(names, TRUE);
        }
    }
    /* Keep the winner; forget the candidates this choice loaded and did not pick. With an
     * explicit request, `best` already carries the caller reference the registry keeps. */
    if (tried == NULL)
        goto publish;
    vajra_plugin_ref(best);
    for (guint i = 0; i < tried->len; i++) {
        VajraPlugin *p = g_ptr_array_index(tried, i);
        if (p != best) {
            g_mutex_lock(&reg->lock);
            gboolean removed = g_ptr_array_remove(reg->plugins, p);
            g_mutex_unlock(&reg->lock);
            if (removed)
                vajra_plugin_unref(p);
        }
        vajra_plugin_unref(p);
    }
    g_ptr_array_free(tried, TRUE);
publish:
    reg->kernel = best;
    reg->kernel_ops = best ? &best->kernel_ops : vajra_kernel_reference();
    reg->kernel_chosen = TRUE;
done:
    g_mutex_unlock(&reg->kernel_lock);
    return st;
}

vajra_status vajra_registry_kernel(VajraRegistry *reg, const VajraKernelOps **ops,
                                   VajraPlugin **plugin, VajraError *err)
{
    if (reg == NULL || ops == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "registry_kernel: NULL argument");
    vajra_status st = choose_kernel(reg, err);
    if (st != VAJRA_OK)
        return st;
    g_mutex_lock(&reg->kernel_lock);
    *ops = reg->kernel_ops;
    if (plugin != NULL)
        *plugin = reg->kernel;
    g_mutex_unlock(&reg->kernel_lock);
    return VAJRA_OK;
}

const char *vajra_registry_search_path(VajraRegistry *reg) { return reg ? reg->search_path : ""; }

const VajraPluginDescriptor *vajra_plugin_descriptor(const VajraPlugin *p)
{
    return p ? p->desc : NULL;
}

const void *vajra_plugin_vtable(const VajraPlugin *p) { return p ? p->desc->vtable : NULL; }

const char *vajra_plugin_kind_name(const VajraPlugin *p)
{
    if (p == NULL)
        return NULL;
    const char *n = vajra_plugin_kind_builtin_name(p->desc->kind);
    return n != NULL ? n : p->desc->kind_name;
}
void *vajra_plugin_state(const VajraPlugin *p) { return p ? p->state : NULL; }
const char *vajra_plugin_path(const VajraPlugin *p) { return p ? p->path : NULL; }
const VajraHost *vajra_plugin_host(const VajraPlugin *p) { return p ? &p->host : NULL; }
