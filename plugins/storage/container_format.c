/* Vajra — container header encoding and the format's checksum (docs/format.md). */
#include "container.h"

#include <string.h>
#include <xxhash.h>

uint64_t vjc_checksum(const void *data, size_t len)
{
    /* XXH3 accepts (NULL, 0); keep the call well-defined for empty sections anyway. */
    static const uint8_t empty = 0;
    return (uint64_t)XXH3_64bits(len ? data : &empty, len);
}

/* Fields are stored in the writer's native byte order; the byte-order mark says which. */
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof v); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof v); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, sizeof v); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof v); return v; }

void vjc_header_encode(const VjcHeader *h, uint8_t out[VJC_HEADER_SIZE])
{
    memset(out, 0, VJC_HEADER_SIZE);
    memcpy(out + VJC_OFF_MAGIC, VJC_MAGIC, VJC_MAGIC_SIZE);
    put16(out + VJC_OFF_MAJOR, h->major);
    put16(out + VJC_OFF_MINOR, h->minor);
    put32(out + VJC_OFF_BYTE_ORDER, h->byte_order);
    out[VJC_OFF_POINTER_SIZE] = h->pointer_size;
    out[VJC_OFF_SIZE_T_SIZE] = h->size_t_size;
    out[VJC_OFF_ALIGN_LOG2] = h->align_log2;
    out[VJC_OFF_RESERVED] = h->reserved;
    put32(out + VJC_OFF_HEADER_SIZE, h->header_size);
    put32(out + VJC_OFF_SECTION_COUNT, h->section_count);
    put32(out + VJC_OFF_ENTRY_SIZE, h->entry_size);
    put64(out + VJC_OFF_TABLE_OFFSET, h->table_offset);
    put64(out + VJC_OFF_FILE_SIZE, h->file_size);
    put64(out + VJC_OFF_TABLE_CHECKSUM, h->table_checksum);
    put64(out + VJC_OFF_HEADER_CHECKSUM, vjc_checksum(out, VJC_OFF_HEADER_CHECKSUM));
}

void vjc_header_decode(const uint8_t in[VJC_HEADER_SIZE], VjcHeader *h)
{
    h->major = get16(in + VJC_OFF_MAJOR);
    h->minor = get16(in + VJC_OFF_MINOR);
    h->byte_order = get32(in + VJC_OFF_BYTE_ORDER);
    h->pointer_size = in[VJC_OFF_POINTER_SIZE];
    h->size_t_size = in[VJC_OFF_SIZE_T_SIZE];
    h->align_log2 = in[VJC_OFF_ALIGN_LOG2];
    h->reserved = in[VJC_OFF_RESERVED];
    h->header_size = get32(in + VJC_OFF_HEADER_SIZE);
    h->section_count = get32(in + VJC_OFF_SECTION_COUNT);
    h->entry_size = get32(in + VJC_OFF_ENTRY_SIZE);
    h->table_offset = get64(in + VJC_OFF_TABLE_OFFSET);
    h->file_size = get64(in + VJC_OFF_FILE_SIZE);
    h->table_checksum = get64(in + VJC_OFF_TABLE_CHECKSUM);
    h->header_checksum = get64(in + VJC_OFF_HEADER_CHECKSUM);
}

int vjc_name_valid(const char *name)
{
    if (name == NULL)
        return 0;
    size_t n = 0;
    for (; name[n] != '\0'; n++) {
        unsigned char ch = (unsigned char)name[n];
        if (ch < 0x21 || ch > 0x7e || n >= VAJRA_SECTION_NAME_MAX)
            return 0;
    }
    return n > 0;
}
