/* Vajra — sections: how index plugins describe their state to storage plugins.
 *
 * An index saves itself as named byte sections through a VajraSectionWriter and loads itself from
 * a VajraSectionReader. Storage plugins know nothing of BM25 or HNSW: they store the named blobs
 * in one checksummed container (see docs/format.md) and hand them back. Names are short ASCII
 * ("lex.postings", "hnsw.level0"), at most VAJRA_SECTION_NAME_MAX bytes; plugins prefix their own.
 *
 * Bytes returned by a reader are 64-byte aligned, read-only, and stay valid for the lifetime of
 * the reader's owner (for mmap storage they are the mapping itself: zero copy). An index loaded
 * from a reader may keep pointers into them and must document that it does.
 * All multi-byte integers and floats inside sections are little-endian native layout.
 */
#ifndef VAJRA_SECTIONS_H
#define VAJRA_SECTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VAJRA_SECTION_NAME_MAX 47

typedef struct VajraSectionWriter {
    void *self;
    /* Append one section; bytes are copied or written before this returns.
     * Errors: VAJRA_ERR_DUPLICATE (name used), VAJRA_ERR_INVALID_ARGUMENT (name too long),
     * VAJRA_ERR_IO, VAJRA_ERR_NO_MEMORY. */
    vajra_status (*write)(void *self, const char *name, const void *data, size_t len,
                          VajraError *err);
} VajraSectionWriter;

typedef struct VajraSectionReader {
    void *self;
    /* Find a section by name. Errors: VAJRA_ERR_NOT_FOUND. The checksum was verified at open. */
    vajra_status (*find)(void *self, const char *name, const void **data, size_t *len,
                         VajraError *err);
} VajraSectionReader;

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_SECTIONS_H */
