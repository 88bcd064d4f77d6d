/* The fuzzers' in-memory stand-in for a storage container: a flat list of named sections.
 *
 * Blob layout (little-endian), repeated until the input ends:
 *     u8 name_length, name bytes, u32 data_length, data bytes
 * A truncated last record is clipped to what remains. Index loaders are fed through a
 * VajraSectionReader over these sections, so a mutation reaches the loaders' own validation
 * directly instead of dying at a container checksum. Each section is copied into its own 64-byte
 * aligned buffer (what a real reader guarantees) whose padding after the data is poisoned, so
 * ASan reports a read even one byte past a section.
 * fuzz/make_seeds.c writes real indexes in this layout as seeds. */
#ifndef VAJRA_FUZZ_SECTION_BLOB_H
#define VAJRA_FUZZ_SECTION_BLOB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/sections.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define BLOB_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define BLOB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#endif
#endif
#ifndef BLOB_POISON
#define BLOB_POISON(p, n) ((void)(p), (void)(n))
#define BLOB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define BLOB_MAX_SECTIONS 64

typedef struct SectionBlob {
    size_t count;
    char names[BLOB_MAX_SECTIONS][256];
    void *data[BLOB_MAX_SECTIONS];
    size_t len[BLOB_MAX_SECTIONS];
    VajraSectionReader reader;
} SectionBlob;

static vajra_status blob_find(void *self, const char *name, const void **data, size_t *len,
                              VajraError *err)
{
    SectionBlob *b = self;
    for (size_t i = 0; i < b->count; i++) {
        if (strcmp(b->names[i], name) == 0) {
            *data = b->data[i];
            *len = b->len[i];
            return VAJRA_OK;
        }
    }
    return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "no section \"%s\"", name);
}

/* Parse `size` bytes into `b` (first match wins for a repeated name, as in a real container
 * names are unique). */
static void blob_parse(SectionBlob *b, const uint8_t *p, size_t size)
{
    memset(b, 0, sizeof *b);
    size_t pos = 0;
    while (pos < size && b->count < BLOB_MAX_SECTIONS) {
        size_t nl = p[pos++];
        if (nl > size - pos)
            nl = size - pos;
        size_t i = b->count;
        memcpy(b->names[i], p + pos, nl);
        b->names[i][nl] = '\0';
        pos += nl;
        uint32_t dl = 0;
        if (size - pos >= 4)
            memcpy(&dl, p + pos, 4);
        pos += size - pos >= 4 ? 4 : size - pos;
        if (dl > size - pos)
            dl = (uint32_t)(size - pos);
        /* Exact length, but never a zero-size allocation: empty sections get a valid pointer. */
        size_t alloc = (dl + 63u) / 64u * 64u;
        b->data[i] = aligned_alloc(64, alloc ? alloc : 64);
        if (b->data[i] == NULL)
            abort();
        if (dl > 0)
            memcpy(b->data[i], p + pos, dl);
        b->len[i] = dl;
        BLOB_POISON((uint8_t *)b->data[i] + dl, (alloc ? alloc : 64) - dl);
        pos += dl;
        b->count++;
    }
    b->reader.self = b;
    b->reader.find = blob_find;
}

static void blob_free(SectionBlob *b)
{
    for (size_t i = 0; i < b->count; i++) {
        size_t alloc = (b->len[i] + 63u) / 64u * 64u;
        BLOB_UNPOISON(b->data[i], alloc ? alloc : 64);
        free(b->data[i]);
    }
    b->count = 0;
}

#endif /* VAJRA_FUZZ_SECTION_BLOB_H */
