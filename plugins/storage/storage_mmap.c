/* Vajra — storage-mmap: containers mapped read-only; sections are served from the mapping.
 *
 * Open validates the whole file through the mapping (so every page is read once) but copies
 * nothing: memory is the kernel's page cache, shared with other processes mapping the same file
 * and reclaimable under pressure. The file must not be rewritten in place while open (a save
 * replaces it by rename, which is safe). Saving is the shared atomic writer (container.h).
 */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vajra/plugin.h"

static void release_mapping(void *base, size_t size)
{
    if (base != NULL)
        munmap(base, size);
}

static vajra_status mmap_open(void *plugin_state, const char *path, VajraStorageContainer **out,
                              VajraError *err)
{
    (void)plugin_state;
    if (path == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "storage-mmap open: NULL argument");
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return vajra_error_set(err, e == ENOENT ? VAJRA_ERR_NOT_FOUND : VAJRA_ERR_IO,
                               "cannot open %s: %s", path, g_strerror(e));
    }
    struct stat st;
    int stat_ok = fstat(fd, &st) == 0;
    if (!stat_ok || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return vajra_error_set(err, VAJRA_ERR_IO, "%s: %s", path,
                               stat_ok ? "not a regular file" : g_strerror(e));
    }
    size_t size = (size_t)st.st_size;
    void *base = NULL;
    if (size > 0) { /* an empty file cannot be mapped; validation rejects it without reading */
        base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (base == MAP_FAILED) {
            int e = errno;
            close(fd);
            return vajra_error_set(err, e == ENOMEM ? VAJRA_ERR_NO_MEMORY : VAJRA_ERR_IO,
                                   "cannot map %s (%zu bytes): %s", path, size, g_strerror(e));
        }
    }
    close(fd); /* the mapping keeps the file alive */
    vajra_status s = vjc_container_open_bytes(path, base, size, release_mapping, out, err);
    if (s != VAJRA_OK)
        release_mapping(base, size);
    return s;
}

static vajra_status mmap_writer_open(void *plugin_state, const char *path,
                                     VajraStorageWriter **out, VajraError *err)
{
    (void)plugin_state;
    return vjc_writer_open(path, out, err);
}

static const VajraStorageOps mmap_ops = {
    .version = VAJRA_STORAGE_VTABLE_VERSION,
    .writer_open = mmap_writer_open,
    .writer_sections = vjc_writer_sections,
    .writer_commit = vjc_writer_commit,
    .writer_abort = vjc_writer_abort,
    .open = mmap_open,
    .container_sections = vjc_container_sections,
    .container_count = vjc_container_count,
    .container_section_at = vjc_container_section_at,
    .close = vjc_container_close,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_STORAGE,
    .name = "storage-mmap",
    .version = "1.0.0",
    .description = "container files mapped read-only, sections served from the mapping",
    .vtable = &mmap_ops,
};

VAJRA_DEFINE_PLUGIN(desc)
