/* Vajra — the objects of the category: runtime type tags and the values they describe.
 *
 * A VajraType is an interned, immutable tag: two types are equal iff their pointers are equal.
 * Built-in types are returned by the vajra_type_*() functions; products A × B are interned by
 * vajra_type_product(), so asking twice for the same product returns the same pointer.
 * Each type knows how to make an empty value of itself and how to release one, which is what lets
 * composition allocate the intermediate value between two morphisms without knowing its shape.
 *
 * Thread-safety: all functions here may be called from any thread. Types live until the process
 * ends (they are never freed). Values are plain structs owned by whoever created them.
 */
#ifndef VAJRA_TYPES_H
#define VAJRA_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VajraType VajraType;

/* ---- Built-in objects (each returns a static, interned tag; never NULL) ---- */
VAJRA_API const VajraType *vajra_type_text_query(void);   /* VajraTextQuery */
VAJRA_API const VajraType *vajra_type_vector_query(void); /* VajraVectorQuery */
VAJRA_API const VajraType *vajra_type_hybrid_query(void); /* text_query × vector_query */
VAJRA_API const VajraType *vajra_type_term_bag(void);     /* VajraTermBag */
VAJRA_API const VajraType *vajra_type_hits(void);         /* VajraHits: List over (doc, score) */
VAJRA_API const VajraType *vajra_type_hits_pair(void);    /* hits × hits, the domain of fusion */
VAJRA_API const VajraType *vajra_type_corpus(void);       /* VajraDocBatch */

/* The product A × B. Interned: the same (a, b) always gives the same pointer. A value of a product
 * type is a VajraProduct whose two components are allocated and initialised by vajra_value_init.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (NULL factor), VAJRA_ERR_NO_MEMORY. Thread-safe. */
VAJRA_API vajra_status vajra_type_product(const VajraType *a, const VajraType *b,
                                          const VajraType **out, VajraError *err);

/* The type's name, e.g. "hits" or "(text_query × vector_query)". Static; never NULL. */
VAJRA_API const char *vajra_type_name(const VajraType *type);
/* Size in bytes of a value of this type (what vajra_value_init expects at `value`). */
VAJRA_API size_t vajra_type_size(const VajraType *type);
/* For a product A × B: factor 0 is A, factor 1 is B. NULL for a non-product or index > 1. */
VAJRA_API const VajraType *vajra_type_factor(const VajraType *type, unsigned index);

/* ---- Values ---- */

/* Make an empty value of `type` in caller-provided memory of vajra_type_size(type) bytes.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NO_MEMORY (products allocate their components). */
VAJRA_API vajra_status vajra_value_init(const VajraType *type, void *value, VajraError *err);
/* Release what vajra_value_init (and later use) allocated inside `value`; the memory at `value`
 * itself stays the caller's. Safe on a zeroed value. */
VAJRA_API void vajra_value_clear(const VajraType *type, void *value);
/* Heap-allocate and initialise a value; free it with vajra_value_free. */
VAJRA_API vajra_status vajra_value_new(const VajraType *type, void **out, VajraError *err);
VAJRA_API void vajra_value_free(const VajraType *type, void *value);

/* A value of a product type. `first` and `second` point to values of the two factors; they are
 * owned by the product value (allocated by vajra_value_init, released by vajra_value_clear). */
typedef struct VajraProduct {
    void *first;
    void *second;
} VajraProduct;

/* A text query. `text` is borrowed (UTF-8, NUL-terminated); `k` is the number of hits wanted. */
typedef struct VajraTextQuery {
    const char *text;
    uint32_t k;
} VajraTextQuery;

/* A vector query. `values` is borrowed (dim floats). */
typedef struct VajraVectorQuery {
    const float *values;
    uint32_t dim;
    uint32_t k;
} VajraVectorQuery;

/* A bag of analysed terms (the output of an analyzer). Owns its strings: read terms[0..count),
 * change the bag only through the functions below (the strings carry a hidden header, and slots
 * past count keep retained strings for reuse). Zero-initialise ({0}) before first use.
 * Not thread-safe: one bag per thread. */
typedef struct VajraTermBag {
    char **terms;   /* count NUL-terminated strings, in query order, duplicates kept */
    size_t count;
    size_t capacity;
} VajraTermBag;

/* Append a copy of `term` (len bytes). Reuses a string retained by vajra_term_bag_reset when it
 * is long enough, so refilling a reset bag with terms no longer than before does not allocate.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (NULL), VAJRA_ERR_NO_MEMORY (the bag is unchanged). */
VAJRA_API vajra_status vajra_term_bag_push(VajraTermBag *bag, const char *term, size_t len,
                                           VajraError *err);
/* Empty the bag but keep its memory for the next fill (count = 0). NULL is a no-op. */
VAJRA_API void vajra_term_bag_reset(VajraTermBag *bag);
/* Free all terms and the array; leaves an empty, reusable bag. NULL is a no-op. */
VAJRA_API void vajra_term_bag_clear(VajraTermBag *bag);

/* One ranked hit: an internal document number (0-based, in insertion order) and its score
 * (higher is better; for distances the retriever reports a similarity-like score, see its docs). */
typedef struct VajraHit {
    uint32_t doc;
    float score;
} VajraHit;

/* Ranked hits, best first. Owns `items`. The canonical order is score descending, then doc
 * ascending (ties are always broken by the smaller document number). */
typedef struct VajraHits {
    VajraHit *items;
    size_t count;
    size_t capacity;
} VajraHits;

/* Make room for at least `capacity` hits (keeps existing ones). Errors: VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_hits_reserve(VajraHits *hits, size_t capacity, VajraError *err);
/* Append one hit, growing as needed. Errors: VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_hits_push(VajraHits *hits, uint32_t doc, float score, VajraError *err);
/* Sort into the canonical order (score desc, doc asc). */
VAJRA_API void vajra_hits_sort(VajraHits *hits);
/* Free the array; leaves an empty, reusable value. */
VAJRA_API void vajra_hits_clear(VajraHits *hits);
/* The canonical comparison: negative if a ranks before b. Usable with qsort. */
VAJRA_API int vajra_hit_compare(const void *a, const void *b);

/* One document handed to an index functor. All fields are borrowed for the duration of the call. */
typedef struct VajraDocument {
    const char *id;       /* external id, unique within a collection; UTF-8 */
    const char *title;    /* may be NULL */
    const char *text;     /* may be NULL or empty (indexed with length 0) */
    const float *vector;  /* may be NULL when the collection has no vector side */
    uint32_t dim;         /* length of `vector` */
    const char *attrs;    /* the document's attributes as one JSON object text, e.g.
                           * {"lang":"en","year":1962}; NULL = none (docs/filters.md) */
} VajraDocument;

/* A batch of documents: the value of the corpus object. Borrowed. */
typedef struct VajraDocBatch {
    const VajraDocument *docs;
    size_t count;
} VajraDocBatch;

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_TYPES_H */
