/* Vajra — the atomic container writer: temp file, stream sections, table + header, fsync,
 * rename, fsync the directory. Shared by storage-file and storage-mmap. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct VjcEntry {
    char name[VJC_NAME_FIELD]; /* NUL-padded */
    uint64_t offset, length, checksum;
} VjcEntry;

struct VajraStorageWriter {
    VajraSectionWriter sink; /* self = this writer */
    char *path;
    char *tmp_path;
    int fd;
    uint64_t pos;      /* where the next section starts (always aligned) */
    GArray *entries;   /* VjcEntry, in write order */
    GHashTable *names; /* name -> entry index + 1; keys owned */
    vajra_status failed; /* VAJRA_OK, or the first IO/memory error: the writer is unusable */
};

static const uint8_t zeros[4096];

static uint64_t align_up(uint64_t x) { return (x + VAJRA_CONTAINER_ALIGN - 1) & ~(uint64_t)(VAJRA_CONTAINER_ALIGN - 1); }

/* pwrite all of it, retrying short writes and EINTR. Returns 0 or an errno value. */
static int write_all_at(int fd, const void *data, size_t len, uint64_t off)
{
    const uint8_t *p = data;
    while (len > 0) {
        size_t chunk = len > (size_t)1 << 30 ? (size_t)1 << 30 : len;
        ssize_t n = pwrite(fd, p, chunk, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EIO;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_zeros_at(int fd, size_t len, uint64_t off)
{
    while (len > 0) {
        size_t chunk = len < sizeof zeros ? len : sizeof zeros;
        int e = write_all_at(fd, zeros, chunk, off);
        if (e)
            return e;
        off += chunk;
        len -= chunk;
    }
    return 0;
}

static void writer_free(VajraStorageWriter *w)
{
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp_path)
        unlink(w->tmp_path); /* a no-op (ENOENT) after a successful rename */
    g_free(w->path);
    g_free(w->tmp_path);
    if (w->entries)
        g_array_free(w->entries, TRUE);
    if (w->names)
        g_hash_table_destroy(w->names);
    free(w);
}

static vajra_status sink_write(void *self, const char *name, const void *data, size_t len,
                               VajraError *err)
{
    VajraStorageWriter *w = self;
    if (w == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "section writer: NULL writer");
    if (w->failed != VAJRA_OK)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "section writer for %s: an earlier write failed; abort it", w->path);
    if (!vjc_name_valid(name))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "section name %s%.60s%s is invalid: 1..%d printable ASCII bytes, no spaces",
                               name ? "\"" : "", name ? name : "(NULL)", name ? "\"" : "",
                               VAJRA_SECTION_NAME_MAX);
    if (data == NULL && len > 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "section \"%s\": NULL data with length %zu", name, len);
    if (g_hash_table_contains(w->names, name))
        return vajra_error_set(err, VAJRA_ERR_DUPLICATE, "section \"%s\" written twice to %s",
                               name, w->path);
    if (w->entries->len >= UINT32_MAX)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "too many sections in %s", w->path);

    VjcEntry e;
    memset(&e, 0, sizeof e);
    strcpy(e.name, name); /* length checked by vjc_name_valid */
    e.offset = w->pos;
    e.length = len;
    e.checksum = vjc_checksum(data, len);

    int errnum = write_all_at(w->fd, data, len, w->pos);
    uint64_t end = w->pos + len;
    if (errnum == 0)
        errnum = write_zeros_at(w->fd, (size_t)(align_up(end) - end), end);
    if (errnum != 0) {
        w->failed = VAJRA_ERR_IO;
        return vajra_error_set(err, VAJRA_ERR_IO, "writing section \"%s\" to %s: %s", name,
                               w->tmp_path, g_strerror(errnum));
    }
    w->pos = align_up(end);
    g_array_append_val(w->entries, e);
    g_hash_table_insert(w->names, g_strdup(name), GUINT_TO_POINTER(w->entries->len));
    return VAJRA_OK;
}

vajra_status vjc_writer_open(const char *path, VajraStorageWriter **out, VajraError *err)
{
    if (out == NULL || path == NULL || path[0] == '\0')
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "storage writer: %s",
                               out == NULL ? "NULL out" : "NULL or empty path");
    *out = NULL;
    VajraStorageWriter *w = calloc(1, sizeof *w);
    if (w == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "storage writer: out of memory");
    w->fd = -1;
    w->sink.self = w;
    w->sink.write = sink_write;
    w->path = g_strdup(path);
    w->entries = g_array_new(FALSE, FALSE, sizeof(VjcEntry));
    w->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w->pos = VJC_HEADER_SIZE; /* = align_up(64): the first section starts right after the header */

    /* A name no other live writer uses: pid and thread id; n skips stale files of a killed
     * process that had the same ids. O_EXCL so we never write through someone else's file;
     * mode 0666 so the umask applies as for any new file. */
    long tid = (long)gettid();
    for (unsigned n = 0; n < 1000 && w->fd < 0; n++) {
        g_free(w->tmp_path);
        w->tmp_path = g_strdup_printf("%s.tmp.%ld.%ld.%u", path, (long)getpid(), tid, n);
        w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (w->fd < 0 && errno != EEXIST)
            break;
    }
    if (w->fd < 0) {
        int errnum = errno;
        vajra_error_set(err, VAJRA_ERR_IO, "cannot create a temporary file beside %s: %s", path,
                        g_strerror(errnum));
        g_free(w->tmp_path);
        w->tmp_path = NULL; /* nothing of ours to unlink */
        writer_free(w);
        return VAJRA_ERR_IO;
    }
    /* Reserve the header; commit overwrites it. */
    int errnum = write_zeros_at(w->fd, VJC_HEADER_SIZE, 0);
    if (errnum != 0) {
        vajra_error_set(err, VAJRA_ERR_IO, "writing %s: %s", w->tmp_path, g_strerror(errnum));
        writer_free(w);
        return VAJRA_ERR_IO;
    }
    *out = w;
    return VAJRA_OK;
}

const VajraSectionWriter *vjc_writer_sections(VajraStorageWriter *w)
{
    return w ? &w->sink : NULL;
}

void vjc_writer_abort(VajraStorageWriter *w)
{
    if (w)
        writer_free(w);
}

static vajra_status fsync_directory_of(const char *path, VajraError *err)
{
    char *dir = g_path_get_dirname(path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    vajra_status st = VAJRA_OK;
    if (dfd < 0 || fsync(dfd) != 0)
        st = vajra_error_set(err, VAJRA_ERR_IO,
                             "%s was replaced but fsync of its directory %s failed: %s", path, dir,
                             g_strerror(errno));
    if (dfd >= 0)
        close(dfd);
    g_free(dir);
    return st;
}

vajra_status vjc_writer_commit(VajraStorageWriter *w, VajraError *err)
{
    if (w == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "commit: NULL writer");
    if (w->failed != VAJRA_OK) {
        vajra_error_set(err, VAJRA_ERR_STATE, "commit %s: an earlier section write failed",
                        w->path);
        writer_free(w);
        return VAJRA_ERR_STATE;
    }

    size_t count = w->entries->len;
    size_t table_size = count * VJC_ENTRY_SIZE;
    uint8_t *table = calloc(table_size ? table_size : 1, 1);
    if (table == NULL) {
        vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "commit %s: out of memory", w->path);
        writer_free(w);
        return VAJRA_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < count; i++) {
        const VjcEntry *e = &g_array_index(w->entries, VjcEntry, i);
        uint8_t *p = table + i * VJC_ENTRY_SIZE;
        memcpy(p + VJC_ENT_NAME, e->name, VJC_NAME_FIELD);
        memcpy(p + VJC_ENT_OFFSET, &e->offset, 8);
        memcpy(p + VJC_ENT_LENGTH, &e->length, 8);
        memcpy(p + VJC_ENT_CHECKSUM, &e->checksum, 8);
    }

    VjcHeader h = {
        .major = VAJRA_CONTAINER_VERSION_MAJOR,
        .minor = VAJRA_CONTAINER_VERSION_MINOR,
        .byte_order = VJC_BYTE_ORDER_MARK,
        .pointer_size = (uint8_t)sizeof(void *),
        .size_t_size = (uint8_t)sizeof(size_t),
        .align_log2 = VJC_ALIGN_LOG2,
        .header_size = VJC_HEADER_SIZE,
        .section_count = (uint32_t)count,
        .entry_size = VJC_ENTRY_SIZE,
        .table_offset = w->pos,
        .file_size = w->pos + table_size,
        .table_checksum = vjc_checksum(table, table_size),
    };
    uint8_t header[VJC_HEADER_SIZE];
    vjc_header_encode(&h, header);

    const char *what = "writing the section table to";
    int errnum = write_all_at(w->fd, table, table_size, w->pos);
    free(table);
    if (errnum == 0) {
        what = "writing the header to";
        errnum = write_all_at(w->fd, header, sizeof header, 0);
    }
    if (errnum == 0) {
        what = "fsync of";
        if (fsync(w->fd) != 0)
            errnum = errno;
    }
    if (errnum == 0) {
        what = "closing";
        int fd = w->fd;
        w->fd = -1;
        if (close(fd) != 0)
            errnum = errno;
    }
    if (errnum == 0) {
        what = "renaming over the target";
        if (rename(w->tmp_path, w->path) != 0)
            errnum = errno;
    }
    if (errnum != 0) {
        vajra_error_set(err, VAJRA_ERR_IO, "saving %s: %s %s failed: %s", w->path, what,
                        w->tmp_path, g_strerror(errnum));
        writer_free(w); /* removes the temporary file; the target was not touched */
        return VAJRA_ERR_IO;
    }
    g_free(w->tmp_path);
    w->tmp_path = NULL; /* renamed: nothing to unlink */
    vajra_status st = fsync_directory_of(w->path, err);
    writer_free(w);
    return st;
}
