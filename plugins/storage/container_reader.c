/* Vajra — container validation and the opened container (shared by storage-file and -mmap).
 *
 * Validation runs in an order where each step only trusts what earlier steps proved: the size
 * before reading the header, the header checksum before any header field, the table checksum
 * and bounds before any entry, every entry's layout before any section byte, and the padding
 * and section checksums last. The layout must be canonical (sections in table order, each at the
 * next aligned offset, zero padding, the table right after the last section, the file ending
 * right after the table), so every byte of a valid file is checked by something.
 */
#include "container.h"

#include <glib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct VjcSection {
    const char *name; /* points into the table inside the container's bytes */
    const uint8_t *data;
    size_t length;
} VjcSection;

struct VajraStorageContainer {
    VajraSectionReader reader; /* self = this container */
    uint8_t *base;
    size_t size;
    VjcReleaseFn release;
    size_t count;
    VjcSection *sections; /* in table order */
    GHashTable *by_name;  /* borrowed name -> VjcSection* */
};

static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof v); return v; }

static const char *show(const char *path) { return path ? path : "(memory)"; }

/* A printable rendering of a possibly damaged name field, for messages. */
static void printable_name(const uint8_t *field, char out[VJC_NAME_FIELD])
{
    size_t i = 0;
    for (; i < VJC_NAME_FIELD - 1 && field[i] != 0; i++)
        out[i] = (field[i] >= 0x20 && field[i] <= 0x7e) ? (char)field[i] : '?';
    out[i] = '\0';
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static vajra_status corrupt(VajraError *err, const char *path, const char *fmt, const char *detail)
{
    return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: corrupt container: %s%s", show(path), fmt,
                           detail ? detail : "");
}

/* Checks of the fixed 64-byte header that need no table. Fills *h. */
static vajra_status check_header(const char *path, const uint8_t *base, size_t size, VjcHeader *h,
                                 VajraError *err)
{
    if (size < VJC_MAGIC_SIZE || memcmp(base, VJC_MAGIC, VJC_MAGIC_SIZE) != 0) {
        if (size >= VJC_MAGIC_SIZE || (size > 0 && memcmp(base, VJC_MAGIC, size) != 0))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: not a Vajra container (bad magic bytes)", show(path));
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: file is %zu bytes, shorter than the %d-byte "
                               "header (truncated?)",
                               show(path), size, VJC_HEADER_SIZE);
    }
    if (size < VJC_HEADER_SIZE)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: file is %zu bytes, shorter than the %d-byte "
                               "header (truncated?)",
                               show(path), size, VJC_HEADER_SIZE);
    vjc_header_decode(base, h);

    /* Byte order first: a foreign-order file would otherwise fail its checksum comparison and be
     * called corrupt. The mark's two orders differ in every byte, so damage cannot mimic it. */
    if (h->byte_order != VJC_BYTE_ORDER_MARK) {
        if (h->byte_order == GUINT32_SWAP_LE_BE(VJC_BYTE_ORDER_MARK))
            return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                                   "%s: written on a host of the other byte order (%s-endian); "
                                   "this host is %s-endian",
                                   show(path), G_BYTE_ORDER == G_LITTLE_ENDIAN ? "big" : "little",
                                   G_BYTE_ORDER == G_LITTLE_ENDIAN ? "little" : "big");
    }
    if (vjc_checksum(base, VJC_OFF_HEADER_CHECKSUM) != h->header_checksum)
        return corrupt(err, path, "header checksum mismatch", NULL);
    if (h->byte_order != VJC_BYTE_ORDER_MARK)
        return corrupt(err, path, "bad byte-order mark", NULL);
    if (h->major > VAJRA_CONTAINER_VERSION_MAJOR)
        return vajra_error_set(err, VAJRA_ERR_VERSION,
                               "%s: container format version %u.%u is newer than this reader's "
                               "%d.%d; a newer Vajra wrote it",
                               show(path), h->major, h->minor, VAJRA_CONTAINER_VERSION_MAJOR,
                               VAJRA_CONTAINER_VERSION_MINOR);
    if (h->major < 1)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: format version %u.%u does not exist",
                               show(path), h->major, h->minor);
    if (h->pointer_size != sizeof(void *) || h->size_t_size != sizeof(size_t))
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "%s: written on a host with %u-byte pointers and %u-byte size_t; "
                               "this host has %zu and %zu",
                               show(path), h->pointer_size, h->size_t_size, sizeof(void *),
                               sizeof(size_t));
    if (h->header_size != VJC_HEADER_SIZE)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: header size %" PRIu32 " (expected %d)",
                               show(path), h->header_size, VJC_HEADER_SIZE);
    if (h->align_log2 < VJC_ALIGN_LOG2 || h->align_log2 > VJC_ALIGN_LOG2_MAX)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: alignment 2^%u outside 2^%d..2^%d",
                               show(path), h->align_log2, VJC_ALIGN_LOG2, VJC_ALIGN_LOG2_MAX);
    if (h->entry_size < VJC_ENTRY_SIZE || h->entry_size % 8 != 0 || h->entry_size > 4096)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: table entry size %" PRIu32
                               " (a multiple of 8, %d..4096)",
                               show(path), h->entry_size, VJC_ENTRY_SIZE);
    if (h->file_size != size)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: file is %zu bytes but its header says %" PRIu64
                               " (%s)",
                               show(path), size, h->file_size,
                               size < h->file_size ? "truncated" : "extended");
    uint64_t table_size = (uint64_t)h->section_count * h->entry_size; /* < 2^44: no overflow */
    if (h->table_offset > size || size - h->table_offset != table_size ||
        h->table_offset < VJC_HEADER_SIZE)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: section table at %" PRIu64 " with %" PRIu32
                               " entries of %" PRIu32 " bytes does not end the %zu-byte file",
                               show(path), h->table_offset, h->section_count, h->entry_size, size);
    if (vjc_checksum(base + h->table_offset, (size_t)table_size) != h->table_checksum)
        return corrupt(err, path, "section table checksum mismatch", NULL);
    return VAJRA_OK;
}

/* Decode and check every table entry; fill sections[] (names point into base). */
static vajra_status check_table(const char *path, const uint8_t *base, const VjcHeader *h,
                                VjcSection *sections, GHashTable *by_name, VajraError *err)
{
    const uint64_t align = (uint64_t)1 << h->align_log2;
    uint64_t pos = (VJC_HEADER_SIZE + align - 1) & ~(align - 1);
    char shown[VJC_NAME_FIELD];
    for (uint32_t i = 0; i < h->section_count; i++) {
        const uint8_t *ent = base + h->table_offset + (uint64_t)i * h->entry_size;
        const uint8_t *name = ent + VJC_ENT_NAME;
        const uint8_t *nul = memchr(name, 0, VJC_NAME_FIELD);
        printable_name(name, shown);
        if (nul == NULL)
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: corrupt container: section %" PRIu32
                                   " name is not NUL-terminated",
                                   show(path), i);
        size_t name_len = (size_t)(nul - name);
        if (!vjc_name_valid((const char *)name) ||
            !all_zero(nul, VJC_NAME_FIELD - name_len))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: corrupt container: section %" PRIu32 " has an invalid name "
                                   "\"%s\"",
                                   show(path), i, shown);
        uint64_t offset = get64(ent + VJC_ENT_OFFSET);
        uint64_t length = get64(ent + VJC_ENT_LENGTH);
        if (offset != pos)
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: corrupt container: section \"%s\" at offset %" PRIu64
                                   ", expected %" PRIu64 " (misaligned, overlapping or out of order)",
                                   show(path), shown, offset, pos);
        if (offset > h->table_offset || length > h->table_offset - offset)
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: corrupt container: section \"%s\" (%" PRIu64 " bytes at %" PRIu64
                                   ") runs past the section area ending at %" PRIu64,
                                   show(path), shown, length, offset, h->table_offset);
        if (g_hash_table_contains(by_name, name))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: corrupt container: section name \"%s\" appears twice",
                                   show(path), shown);
        sections[i].name = (const char *)name;
        sections[i].data = base + offset;
        sections[i].length = (size_t)length;
        g_hash_table_insert(by_name, (gpointer)name, &sections[i]);
        pos = (offset + length + align - 1) & ~(align - 1);
    }
    if (pos != h->table_offset)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: corrupt container: section table at %" PRIu64
                               ", expected right after the last section at %" PRIu64,
                               show(path), h->table_offset, pos);
    return VAJRA_OK;
}

/* Zero padding and section checksums: the only steps that read section bytes. */
static vajra_status check_contents(const char *path, const uint8_t *base, const VjcHeader *h,
                                   const VjcSection *sections, VajraError *err)
{
    const uint64_t align = (uint64_t)1 << h->align_log2;
    if (!all_zero(base + VJC_HEADER_SIZE,
                  (size_t)(((VJC_HEADER_SIZE + align - 1) & ~(align - 1)) - VJC_HEADER_SIZE)))
        return corrupt(err, path, "nonzero padding after the header", NULL);
    for (uint32_t i = 0; i < h->section_count; i++) {
        const VjcSection *s = &sections[i];
        const uint8_t *ent = base + h->table_offset + (uint64_t)i * h->entry_size;
        uint64_t end = (uint64_t)(s->data - base) + s->length;
        uint64_t padded = (end + align - 1) & ~(align - 1);
        if (!all_zero(base + end, (size_t)(padded - end)))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: corrupt container: nonzero padding after section \"%s\"",
                                   show(path), s->name);
        if (vjc_checksum(s->data, s->length) != get64(ent + VJC_ENT_CHECKSUM))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "%s: corrupt container: checksum mismatch in section \"%s\" "
                                   "(%zu bytes at offset %" PRIu64 ")",
                                   show(path), s->name, s->length, (uint64_t)(s->data - base));
    }
    return VAJRA_OK;
}

static vajra_status validate(const char *path, const uint8_t *base, size_t size, VjcHeader *h,
                             VjcSection **sections_out, GHashTable **by_name_out, VajraError *err)
{
    vajra_status st = check_header(path, base, size, h, err);
    if (st != VAJRA_OK)
        return st;
    /* section_count is bounded by the file size now (count * 72 <= size): safe to allocate. */
    VjcSection *sections = calloc(h->section_count ? h->section_count : 1, sizeof *sections);
    GHashTable *by_name = g_hash_table_new(g_str_hash, g_str_equal);
    if (sections == NULL) {
        g_hash_table_destroy(by_name);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: out of memory", show(path));
    }
    st = check_table(path, base, h, sections, by_name, err);
    if (st == VAJRA_OK)
        st = check_contents(path, base, h, sections, err);
    if (st != VAJRA_OK || sections_out == NULL) {
        free(sections);
        g_hash_table_destroy(by_name);
        return st;
    }
    *sections_out = sections;
    *by_name_out = by_name;
    return VAJRA_OK;
}

vajra_status vjc_validate(const char *path, const uint8_t *base, size_t size, VajraError *err)
{
    VjcHeader h;
    return validate(path, base, size, &h, NULL, NULL, err);
}

static vajra_status reader_find(void *self, const char *name, const void **data, size_t *len,
                                VajraError *err)
{
    VajraStorageContainer *c = self;
    if (c == NULL || name == NULL || data == NULL || len == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "section find: NULL argument");
    const VjcSection *s = g_hash_table_lookup(c->by_name, name);
    if (s == NULL)
        return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "no section \"%.60s\" in the container",
                               name);
    *data = s->data;
    *len = s->length;
    return VAJRA_OK;
}

vajra_status vjc_container_open_bytes(const char *path, void *base, size_t size,
                                      VjcReleaseFn release, VajraStorageContainer **out,
                                      VajraError *err)
{
    if (out == NULL || (base == NULL && size > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "open %s: NULL argument",
                               show(path));
    *out = NULL;
    VajraStorageContainer *c = calloc(1, sizeof *c);
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "open %s: out of memory", show(path));
    VjcHeader h;
    vajra_status st = validate(path, base, size, &h, &c->sections, &c->by_name, err);
    if (st != VAJRA_OK) {
        free(c);
        return st;
    }
    c->reader.self = c;
    c->reader.find = reader_find;
    c->base = base;
    c->size = size;
    c->release = release;
    c->count = h.section_count;
    *out = c;
    return VAJRA_OK;
}

const VajraSectionReader *vjc_container_sections(VajraStorageContainer *c)
{
    return c ? &c->reader : NULL;
}

size_t vjc_container_count(const VajraStorageContainer *c)
{
    return c ? c->count : 0;
}

vajra_status vjc_container_section_at(const VajraStorageContainer *c, size_t i, const char **name,
                                      const void **data, size_t *len, VajraError *err)
{
    if (c == NULL || i >= c->count)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "section index %zu out of range (%zu sections)", i,
                               c ? c->count : 0);
    if (name)
        *name = c->sections[i].name;
    if (data)
        *data = c->sections[i].data;
    if (len)
        *len = c->sections[i].length;
    return VAJRA_OK;
}

void vjc_container_close(VajraStorageContainer *c)
{
    if (c == NULL)
        return;
    g_hash_table_destroy(c->by_name);
    free(c->sections);
    if (c->release)
        c->release(c->base, c->size);
    free(c);
}
