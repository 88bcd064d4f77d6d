/* Vajra — the storage plugin vtable: one checksummed container file of named sections.
 *
 * Storage plugins know nothing of BM25 or HNSW. An index saves itself by writing named byte
 * sections through the VajraSectionWriter a storage writer hands out, and loads itself from the
 * VajraSectionReader an opened container hands out (see vajra/sections.h). The file format is
 * documented field by field in docs/format.md.
 *
 * Two plugins implement it and write byte-identical files:
 *   "storage-file"  open reads the whole file into one 64-byte aligned heap buffer;
 *   "storage-mmap"  open maps the file read-only and serves sections from the mapping (no copy).
 *
 * Saving (atomic): writer_open creates a temporary file "<path>.tmp.<pid>.<tid>.<n>" in the same
 * directory; sections stream into it; writer_commit writes the section table and header, fsyncs
 * the file, renames it over `path` and fsyncs the directory. So after a crash at any point `path`
 * holds either the old container or the new one, never a torn one. A failed commit and
 * writer_abort remove the temporary file and leave `path` untouched. (A process killed mid-save
 * cannot clean up: a stale "<path>.tmp.*" may remain beside an intact `path`.)
 * Output is deterministic: the same sections written in the same order give the same bytes (no
 * timestamps, host names, thread counts).
 *
 * Opening validates everything before any offset is trusted: size, magic, version, byte order and
 * word size, header and table checksums, canonical section layout (64-byte aligned, in order, no
 * gaps or overlaps), NUL-terminated unique names, zero padding, and the checksum of every
 * section. Every byte of a valid file is covered, so any damage is reported.
 *
 * Typical use:
 *     const VajraStorageOps *ops = vajra_plugin_vtable(plugin);
 *     void *ps = vajra_plugin_state(plugin);
 *     VajraStorageWriter *w;
 *     if (ops->writer_open(ps, "idx.vjr", &w, &err) == VAJRA_OK) {
 *         const VajraSectionWriter *sw = ops->writer_sections(w);
 *         st = sw->write(sw->self, "lex.postings", buf, len, &err);   // ... more sections
 *         st = st == VAJRA_OK ? ops->writer_commit(w, &err) : (ops->writer_abort(w), st);
 *     }
 *     VajraStorageContainer *c;
 *     ops->open(ps, "idx.vjr", &c, &err);
 *     const VajraSectionReader *sr = ops->container_sections(c);
 *     sr->find(sr->self, "lex.postings", &data, &len, &err);
 *     ...
 *     ops->close(c);   // invalidates every pointer the reader handed out
 *
 * Thread-safety: a writer belongs to one thread at a time. An open container is immutable: its
 * reader and the other container_* slots may be called from many threads at once. Different
 * writers and containers are independent. Two writers saving to the same path at once are safe
 * (each has its own temporary file) and the last commit wins.
 *
 * The mmap plugin: the file must not be truncated or rewritten in place while it is open (that
 * would be SIGBUS, as for any mapping); replacing it through a save is safe, because rename leaves
 * the open inode untouched.
 */
#ifndef VAJRA_STORAGE_H
#define VAJRA_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/sections.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VAJRA_STORAGE_VTABLE_VERSION 1

/* The container format version this build writes and the newest major it reads. */
#define VAJRA_CONTAINER_VERSION_MAJOR 1
#define VAJRA_CONTAINER_VERSION_MINOR 0

/* Alignment, in bytes, of every section's bytes in the file and in memory. */
#define VAJRA_CONTAINER_ALIGN 64

typedef struct VajraStorageWriter VajraStorageWriter;       /* opaque, plugin-owned */
typedef struct VajraStorageContainer VajraStorageContainer; /* opaque, plugin-owned */

typedef struct VajraStorageOps {
    uint32_t version; /* VAJRA_STORAGE_VTABLE_VERSION the plugin was built against */

    /* ---- Saving ---- */

    /* Start saving a container to `path` (the file is not touched until commit).
     * `plugin_state` is vajra_plugin_state() of this plugin. Caller owns *out and must end it with
     * exactly one of writer_commit or writer_abort.
     * Errors: VAJRA_ERR_INVALID_ARGUMENT (NULL or empty path), VAJRA_ERR_IO (cannot create the
     * temporary file: missing directory, permissions), VAJRA_ERR_NO_MEMORY. */
    vajra_status (*writer_open)(void *plugin_state, const char *path, VajraStorageWriter **out,
                                VajraError *err);

    /* The section sink of a writer: write(name, bytes) appends one section (bytes are written
     * before it returns). Names: 1..VAJRA_SECTION_NAME_MAX bytes of printable ASCII without
     * spaces, unique per container. Errors of write: VAJRA_ERR_INVALID_ARGUMENT (bad name, NULL
     * data with len > 0), VAJRA_ERR_DUPLICATE, VAJRA_ERR_IO, VAJRA_ERR_NO_MEMORY. After an IO or
     * memory error the writer is failed: further writes and commit return an error; abort it.
     * Borrowed: valid until commit/abort. Never fails. */
    const VajraSectionWriter *(*writer_sections)(VajraStorageWriter *w);

    /* Finish: write table and header, fsync, rename over the target, fsync the directory. Frees
     * the writer whatever the outcome. On error the temporary file is removed and the target left
     * as it was, except VAJRA_ERR_IO naming the directory fsync, which happens after the rename
     * (the new file is in place but its directory entry may not be durable yet).
     * Errors: VAJRA_ERR_IO, VAJRA_ERR_STATE (an earlier write failed), VAJRA_ERR_NO_MEMORY. */
    vajra_status (*writer_commit)(VajraStorageWriter *w, VajraError *err);

    /* Discard: close and remove the temporary file, free the writer. NULL is a no-op. */
    void (*writer_abort)(VajraStorageWriter *w);

    /* ---- Loading ---- */

    /* Open and fully validate the container at `path`. Caller owns *out (close it).
     * Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NOT_FOUND (no such file), VAJRA_ERR_IO,
     * VAJRA_ERR_NO_MEMORY, VAJRA_ERR_CORRUPT (any validation failure; the message says which
     * check and where), VAJRA_ERR_VERSION (a newer major format; the message names both
     * versions), VAJRA_ERR_UNSUPPORTED (written on a host of another byte order or word size). */
    vajra_status (*open)(void *plugin_state, const char *path, VajraStorageContainer **out,
                         VajraError *err);

    /* The section source of an open container. find() returns 64-byte aligned, read-only bytes
     * (a non-NULL pointer even for an empty section) valid until close. Borrowed; never fails. */
    const VajraSectionReader *(*container_sections)(VajraStorageContainer *c);

    /* Number of sections, and the i-th in file (= write) order, for tools and tests. The name
     * and bytes are borrowed until close. Errors: VAJRA_ERR_INVALID_ARGUMENT (i out of range). */
    size_t (*container_count)(const VajraStorageContainer *c);
    vajra_status (*container_section_at)(const VajraStorageContainer *c, size_t i,
                                         const char **name, const void **data, size_t *len,
                                         VajraError *err);

    /* Release the container and everything its reader handed out. NULL is a no-op. */
    void (*close)(VajraStorageContainer *c);
} VajraStorageOps;

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_STORAGE_H */
