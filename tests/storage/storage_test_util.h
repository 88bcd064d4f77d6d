/* Helpers shared by the storage tests: loading both storage plugins through the registry, a
 * scratch directory, saving a list of sections, reading and writing whole files. Header-only
 * (static functions) so each test program stays one translation unit plus this. */
#ifndef VAJRA_TESTS_STORAGE_UTIL_H
#define VAJRA_TESTS_STORAGE_UTIL_H

#include <check.h>
#include <dirent.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vajra/registry.h"
#include "vajra/storage.h"

typedef struct StoragePlugin {
    const char *name;
    VajraPlugin *plugin;
    const VajraStorageOps *ops;
    void *state;
} StoragePlugin;

enum { N_STORAGE = 2 };

/* Loads storage-file (index 0) and storage-mmap (index 1) from $VAJRA_PLUGIN_PATH. */
static inline VajraRegistry *storage_load(StoragePlugin out[N_STORAGE])
{
    static const char *const names[N_STORAGE] = {"storage-file", "storage-mmap"};
    VajraError err = {0};
    VajraRegistry *reg = NULL;
    ck_assert_msg(vajra_registry_new(NULL, &reg, &err) == VAJRA_OK, "registry: %s", err.message);
    for (int i = 0; i < N_STORAGE; i++) {
        out[i].name = names[i];
        ck_assert_msg(vajra_registry_load(reg, VAJRA_PLUGIN_STORAGE, names[i], &out[i].plugin,
                                          &err) == VAJRA_OK,
                      "loading %s: %s", names[i], err.message);
        out[i].ops = vajra_plugin_vtable(out[i].plugin);
        out[i].state = vajra_plugin_state(out[i].plugin);
        ck_assert_uint_ge(out[i].ops->version, 1);
    }
    return reg;
}

static inline void storage_unload(VajraRegistry *reg, StoragePlugin p[N_STORAGE])
{
    for (int i = 0; i < N_STORAGE; i++)
        vajra_plugin_unref(p[i].plugin);
    vajra_registry_free(reg);
}

typedef struct TestSection {
    const char *name;
    const void *data;
    size_t len;
} TestSection;

/* Save `n` sections to `path` with `p`'s writer. Returns the status; err gets the message. */
static inline vajra_status storage_save(const StoragePlugin *p, const char *path, const TestSection *s,
                                 size_t n, VajraError *err)
{
    VajraStorageWriter *w = NULL;
    vajra_status st = p->ops->writer_open(p->state, path, &w, err);
    if (st != VAJRA_OK)
        return st;
    const VajraSectionWriter *sw = p->ops->writer_sections(w);
    for (size_t i = 0; i < n && st == VAJRA_OK; i++)
        st = sw->write(sw->self, s[i].name, s[i].data, s[i].len, err);
    if (st != VAJRA_OK) {
        p->ops->writer_abort(w);
        return st;
    }
    return p->ops->writer_commit(w, err);
}

/* A fresh scratch directory (removed by scratch_remove). */
static inline char *scratch_dir(void)
{
    GError *gerr = NULL;
    char *dir = g_dir_make_tmp("vajra-storage-XXXXXX", &gerr);
    ck_assert_msg(dir != NULL, "mkdtemp: %s", gerr ? gerr->message : "?");
    return dir;
}

/* Number of entries in `dir` whose name contains ".tmp." (leftover temporary files). */
static inline int count_temp_files(const char *dir)
{
    int n = 0;
    GDir *d = g_dir_open(dir, 0, NULL);
    ck_assert_ptr_nonnull(d);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        if (strstr(name, ".tmp.") != NULL)
            n++;
    g_dir_close(d);
    return n;
}

static inline void scratch_remove(char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            char *p = g_build_filename(dir, name, NULL);
            if (g_file_test(p, G_FILE_TEST_IS_DIR))
                g_rmdir(p);
            else
                g_unlink(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
    g_free(dir);
}

static inline uint8_t *read_file(const char *path, size_t *len)
{
    char *buf = NULL;
    gsize n = 0;
    GError *gerr = NULL;
    ck_assert_msg(g_file_get_contents(path, &buf, &n, &gerr), "read %s: %s", path,
                  gerr ? gerr->message : "?");
    *len = n;
    return (uint8_t *)buf;
}

static inline void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Deterministic pseudo-random bytes (splitmix64) so sections have real, varied content. */
static inline void fill_bytes(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t x = seed;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0) {
            x += 0x9e3779b97f4a7c15ull;
        }
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        p[i] = (uint8_t)(z >> (8 * (i % 8)));
    }
}

#endif /* VAJRA_TESTS_STORAGE_UTIL_H */
