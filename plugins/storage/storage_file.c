/* Vajra — storage-file: containers read whole into one aligned heap buffer.
 *
 * Open costs one read of the file and private memory equal to its size; afterwards nothing
 * depends on the file (it may be deleted or replaced). Saving is the shared atomic writer (container.h).
 */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vajra/plugin.h"

/* Buffers at least this big come from mmap with transparent huge pages requested: faulting in
 * 4 KiB pages dominated open time (≈ 45 ms of a 57 ms open for 83 MB, measured in
 * bench/storage), and huge pages also spare TLB misses in random access (HNSW search). */
#define HUGE_BUFFER_MIN ((size_t)4 << 20)

static void release_heap(void *base, size_t size)
{
    (void)size;
    free(base);
}

static void release_anon(void *base, size_t size)
{
    munmap(base, size);
}

/* A zero-filled-on-demand buffer of `size` bytes aligned to 2^VJC_ALIGN_LOG2_MAX (a page covers
 * every alignment a valid container may declare). Returns NULL when out of memory. */
static void *buffer_new(size_t size, VjcReleaseFn *release)
{
    if (size >= HUGE_BUFFER_MIN) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, size, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
        *release = release_anon;
        return p;
    }
    void *p = NULL;
    if (posix_memalign(&p, (size_t)1 << VJC_ALIGN_LOG2_MAX, size ? size : 1) != 0)
        return NULL;
    *release = release_heap;
    return p;
}

static vajra_status file_open(void *plugin_state, const char *path, VajraStorageContainer **out,
                              VajraError *err)
{
    (void)plugin_state;
    if (path == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "storage-file open: NULL argument");
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
    VjcReleaseFn release = NULL;
    void *buf = buffer_new(size, &release);
    if (buf == NULL) {
        close(fd);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: cannot allocate %zu bytes", path,
                               size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, (char *)buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : 0;
            close(fd);
            release(buf, size);
            return vajra_error_set(err, VAJRA_ERR_IO, "reading %s: %s", path,
                                   e ? g_strerror(e) : "the file shrank while being read");
        }
        got += (size_t)n;
    }
    close(fd);
    vajra_status s = vjc_container_open_bytes(path, buf, size, release, out, err);
    if (s != VAJRA_OK)
        release(buf, size);
    return s;
}

static vajra_status file_writer_open(void *plugin_state, const char *path,
                                     VajraStorageWriter **out, VajraError *err)
{
    (void)plugin_state;
    return vjc_writer_open(path, out, err);
}

static const VajraStorageOps file_ops = {
    .version = VAJRA_STORAGE_VTABLE_VERSION,
    .writer_open = file_writer_open,
    .writer_sections = vjc_writer_sections,
    .writer_commit = vjc_writer_commit,
    .writer_abort = vjc_writer_abort,
    .open = file_open,
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
    .name = "storage-file",
    .version = "1.0.0",
    .description = "container files read into 64-byte aligned memory (atomic save)",
    .vtable = &file_ops,
};

VAJRA_DEFINE_PLUGIN(desc)
