/* Vajra — the container file format shared by storage-file and storage-mmap (private).
 *
 * Both plugins link this code (a static library built in plugins/storage/), so they write the
 * same bytes and apply the same validation; they differ only in how an opened file's bytes get
 * into memory (a heap copy or a read-only mapping). The format is documented in docs/format.md;
 * the constants and offsets below are that document in code form.
 *
 * The opaque VajraStorageWriter / VajraStorageContainer types of vajra/storage.h are defined here.
 */
#ifndef VAJRA_STORAGE_CONTAINER_H
#define VAJRA_STORAGE_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/sections.h"
#include "vajra/status.h"
#include "vajra/storage.h"

/* ---- On-disk layout (docs/format.md) ---- */

#define VJC_MAGIC "\x89VJR\r\n\x1a\n" /* 8 bytes, no NUL stored */
#define VJC_MAGIC_SIZE 8
#define VJC_HEADER_SIZE 64
#define VJC_ENTRY_SIZE 72       /* v1.0 table entry; readers accept larger (minor growth) */
#define VJC_NAME_FIELD 48       /* VAJRA_SECTION_NAME_MAX + 1: names are NUL-padded */
#define VJC_BYTE_ORDER_MARK 0x01020304u
#define VJC_ALIGN_LOG2 6        /* what v1.0 writes: 64-byte alignment */
#define VJC_ALIGN_LOG2_MAX 12   /* what readers accept (up to a 4 KiB page: mmap-safe) */

/* Header field offsets. Bytes 0..63 keep this layout in every major version, so a reader can
 * always tell a damaged header (checksum mismatch) from a newer one (valid checksum, newer major). */
#define VJC_OFF_MAGIC 0
#define VJC_OFF_MAJOR 8
#define VJC_OFF_MINOR 10
#define VJC_OFF_BYTE_ORDER 12
#define VJC_OFF_POINTER_SIZE 16
#define VJC_OFF_SIZE_T_SIZE 17
#define VJC_OFF_ALIGN_LOG2 18
#define VJC_OFF_RESERVED 19
#define VJC_OFF_HEADER_SIZE 20
#define VJC_OFF_SECTION_COUNT 24
#define VJC_OFF_ENTRY_SIZE 28
#define VJC_OFF_TABLE_OFFSET 32
#define VJC_OFF_FILE_SIZE 40
#define VJC_OFF_TABLE_CHECKSUM 48
#define VJC_OFF_HEADER_CHECKSUM 56 /* covers bytes 0..55 */

/* Table entry field offsets. */
#define VJC_ENT_NAME 0
#define VJC_ENT_OFFSET 48
#define VJC_ENT_LENGTH 56
#define VJC_ENT_CHECKSUM 64

/* The decoded header (native integers). */
typedef struct VjcHeader {
    uint16_t major, minor;
    uint32_t byte_order;
    uint8_t pointer_size, size_t_size, align_log2, reserved;
    uint32_t header_size, section_count, entry_size;
    uint64_t table_offset, file_size, table_checksum, header_checksum;
} VjcHeader;

/* The checksum used everywhere in the format: XXH3 64-bit, seed 0. Pure; thread-safe. */
uint64_t vjc_checksum(const void *data, size_t len);

/* Encode `h` into 64 bytes (magic included). header_checksum is computed and stored (the field
 * in `h` is ignored). Tests use it to craft headers (e.g. a newer major). */
void vjc_header_encode(const VjcHeader *h, uint8_t out[VJC_HEADER_SIZE]);

/* Decode 64 bytes into native fields (no validation). */
void vjc_header_decode(const uint8_t in[VJC_HEADER_SIZE], VjcHeader *h);

/* 1 if `name` is a valid section name (1..47 printable ASCII bytes, no space), else 0. */
int vjc_name_valid(const char *name);

/* ---- Writer (the VajraStorageOps save slots, shared by both plugins) ---- */

vajra_status vjc_writer_open(const char *path, VajraStorageWriter **out, VajraError *err);
const VajraSectionWriter *vjc_writer_sections(VajraStorageWriter *w);
vajra_status vjc_writer_commit(VajraStorageWriter *w, VajraError *err);
void vjc_writer_abort(VajraStorageWriter *w);

/* ---- Validation and the opened container ---- */

/* How a container gives its bytes back: free(base) or munmap(base, size). */
typedef void (*VjcReleaseFn)(void *base, size_t size);

/* Validate `size` bytes at `base` (base may be NULL when size is 0) and wrap them in a container.
 * `base` must be aligned to 1 << VJC_ALIGN_LOG2_MAX bytes. On success the container owns the bytes
 * and calls release(base, size) at close; on failure the caller still owns them.
 * `path` is only used in error messages. Errors: see VajraStorageOps.open. */
vajra_status vjc_container_open_bytes(const char *path, void *base, size_t size,
                                      VjcReleaseFn release, VajraStorageContainer **out,
                                      VajraError *err);

/* Validation alone, for fuzzers and tests: the same checks as vjc_container_open_bytes. */
vajra_status vjc_validate(const char *path, const uint8_t *base, size_t size, VajraError *err);

/* The container slots of VajraStorageOps, shared by both plugins. */
const VajraSectionReader *vjc_container_sections(VajraStorageContainer *c);
size_t vjc_container_count(const VajraStorageContainer *c);
vajra_status vjc_container_section_at(const VajraStorageContainer *c, size_t i, const char **name,
                                      const void **data, size_t *len, VajraError *err);
void vjc_container_close(VajraStorageContainer *c);

#endif /* VAJRA_STORAGE_CONTAINER_H */
