/* The objects: built-in type tags, interned products, and the value helpers for hits and bags. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "hit_sort.h"
#include "type_internal.h"
#include "vajra/morphism.h"

/* ---- plain (borrowed-field) values: queries and corpus batches copy shallowly ---- */

static vajra_status plain_init(const VajraType *type, void *value, VajraError *err)
{
    (void)err;
    memset(value, 0, type->size);
    return VAJRA_OK;
}

static void plain_clear(const VajraType *type, void *value) { memset(value, 0, type->size); }

static vajra_status plain_copy(const VajraType *type, const void *src, void *dst, VajraError *err)
{
    (void)err;
    memcpy(dst, src, type->size);
    return VAJRA_OK;
}

/* ---- hits ---- */

static void hits_clear_value(const VajraType *type, void *value)
{
    (void)type;
    vajra_hits_clear(value);
}

static vajra_status hits_copy(const VajraType *type, const void *src, void *dst, VajraError *err)
{
    (void)type;
    const VajraHits *s = src;
    VajraHits *d = dst;
    vajra_status st = vajra_hits_reserve(d, s->count, err);
    if (st != VAJRA_OK)
        return st;
    if (s->count > 0)
        memcpy(d->items, s->items, s->count * sizeof *s->items);
    d->count = s->count;
    return VAJRA_OK;
}

/* ---- term bags ---- */

static void bag_clear_value(const VajraType *type, void *value)
{
    (void)type;
    vajra_term_bag_clear(value);
}

static vajra_status bag_copy(const VajraType *type, const void *src, void *dst, VajraError *err)
{
    (void)type;
    const VajraTermBag *s = src;
    VajraTermBag *d = dst;
    vajra_term_bag_clear(d);
    for (size_t i = 0; i < s->count; i++) {
        vajra_status st = vajra_term_bag_push(d, s->terms[i], strlen(s->terms[i]), err);
        if (st != VAJRA_OK)
            return st;
    }
    return VAJRA_OK;
}

/* ---- products ---- */

static vajra_status product_init(const VajraType *type, void *value, VajraError *err)
{
    VajraProduct *p = value;
    p->first = p->second = NULL;
    vajra_status st = vajra_value_new(type->factor[0], &p->first, err);
    if (st == VAJRA_OK)
        st = vajra_value_new(type->factor[1], &p->second, err);
    if (st != VAJRA_OK) {
        vajra_value_free(type->factor[0], p->first);
        p->first = NULL;
    }
    return st;
}

static void product_clear(const VajraType *type, void *value)
{
    VajraProduct *p = value;
    vajra_value_free(type->factor[0], p->first);
    vajra_value_free(type->factor[1], p->second);
    p->first = p->second = NULL;
}

static vajra_status product_copy(const VajraType *type, const void *src, void *dst, VajraError *err)
{
    const VajraProduct *s = src;
    VajraProduct *d = dst;
    vajra_status st = type->factor[0]->copy(type->factor[0], s->first, d->first, err);
    if (st == VAJRA_OK)
        st = type->factor[1]->copy(type->factor[1], s->second, d->second, err);
    return st;
}

/* ---- the built-in tags ---- */

static const VajraType text_query_type = {"text_query", sizeof(VajraTextQuery), plain_init,
                                          plain_clear, plain_copy, {NULL, NULL}};
static const VajraType vector_query_type = {"vector_query", sizeof(VajraVectorQuery), plain_init,
                                            plain_clear, plain_copy, {NULL, NULL}};
static const VajraType term_bag_type = {"term_bag", sizeof(VajraTermBag), plain_init,
                                        bag_clear_value, bag_copy, {NULL, NULL}};
static const VajraType hits_type = {"hits", sizeof(VajraHits), plain_init, hits_clear_value,
                                    hits_copy, {NULL, NULL}};
static const VajraType corpus_type = {"corpus", sizeof(VajraDocBatch), plain_init, plain_clear,
                                      plain_copy, {NULL, NULL}};

const VajraType *vajra_type_text_query(void) { return &text_query_type; }
const VajraType *vajra_type_vector_query(void) { return &vector_query_type; }
const VajraType *vajra_type_term_bag(void) { return &term_bag_type; }
const VajraType *vajra_type_hits(void) { return &hits_type; }
const VajraType *vajra_type_corpus(void) { return &corpus_type; }

/* Interned products: a short list under a lock. Products are created while building pipelines,
 * never per query, so a linear scan is fine. Entries live until the process ends. */
typedef struct ProductEntry {
    VajraType type;
    struct ProductEntry *next;
} ProductEntry;

static GMutex product_lock;
static ProductEntry *products;

vajra_status vajra_type_product(const VajraType *a, const VajraType *b, const VajraType **out,
                                VajraError *err)
{
    if (a == NULL || b == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "product: NULL factor or output");
    vajra_status st = VAJRA_OK;
    g_mutex_lock(&product_lock);
    ProductEntry *e = products;
    while (e != NULL && !(e->type.factor[0] == a && e->type.factor[1] == b))
        e = e->next;
    if (e == NULL) {
        e = calloc(1, sizeof *e);
        char *name = e ? g_strdup_printf("(%s × %s)", a->name, b->name) : NULL;
        if (name == NULL) {
            free(e);
            e = NULL;
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "product: out of memory");
        } else {
            e->type = (VajraType){name, sizeof(VajraProduct), product_init, product_clear,
                                  product_copy, {a, b}};
            e->next = products;
            products = e;
        }
    }
    g_mutex_unlock(&product_lock);
    if (e != NULL)
        *out = &e->type;
    return st;
}

/* Built-in products cannot fail except when memory is exhausted at first use; then NULL is
 * returned and every constructor given it refuses with VAJRA_ERR_INVALID_ARGUMENT. */
const VajraType *vajra_type_hybrid_query(void)
{
    const VajraType *t = NULL;
    vajra_type_product(&text_query_type, &vector_query_type, &t, NULL);
    return t;
}

const VajraType *vajra_type_hits_pair(void)
{
    const VajraType *t = NULL;
    vajra_type_product(&hits_type, &hits_type, &t, NULL);
    return t;
}

const char *vajra_type_name(const VajraType *type) { return type ? type->name : "(null)"; }
size_t vajra_type_size(const VajraType *type) { return type ? type->size : 0; }

const VajraType *vajra_type_factor(const VajraType *type, unsigned index)
{
    if (type == NULL || index > 1)
        return NULL;
    return type->factor[index];
}

/* ---- values ---- */

vajra_status vajra_value_init(const VajraType *type, void *value, VajraError *err)
{
    if (type == NULL || value == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "value_init: NULL type or value");
    return type->init(type, value, err);
}

void vajra_value_clear(const VajraType *type, void *value)
{
    if (type != NULL && value != NULL)
        type->clear(type, value);
}

vajra_status vajra_value_new(const VajraType *type, void **out, VajraError *err)
{
    if (type == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "value_new: NULL type or output");
    void *v = calloc(1, type->size);
    if (v == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "value_new: out of memory for %s",
                               type->name);
    vajra_status st = type->init(type, v, err);
    if (st != VAJRA_OK) {
        free(v);
        return st;
    }
    *out = v;
    return VAJRA_OK;
}

void vajra_value_free(const VajraType *type, void *value)
{
    if (type == NULL || value == NULL)
        return;
    type->clear(type, value);
    free(value);
}

vajra_status vajra_value_copy(const VajraType *type, const void *src, void *dst, VajraError *err)
{
    if (type == NULL || src == NULL || dst == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "value_copy: NULL argument");
    if (type->copy == NULL)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "value_copy: %s cannot be copied",
                               type->name);
    return type->copy(type, src, dst, err);
}

/* ---- hits helpers ---- */

vajra_status vajra_hits_reserve(VajraHits *hits, size_t capacity, VajraError *err)
{
    if (hits == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hits_reserve: NULL hits");
    if (capacity <= hits->capacity)
        return VAJRA_OK;
    if (capacity > SIZE_MAX / sizeof(VajraHit))
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hits_reserve: %zu hits is too many",
                               capacity);
    VajraHit *items = realloc(hits->items, capacity * sizeof *items);
    if (items == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hits_reserve: out of memory");
    hits->items = items;
    hits->capacity = capacity;
    return VAJRA_OK;
}

vajra_status vajra_hits_push(VajraHits *hits, uint32_t doc, float score, VajraError *err)
{
    if (hits == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hits_push: NULL hits");
    if (hits->count == hits->capacity) {
        vajra_status st = vajra_hits_reserve(hits, hits->capacity ? hits->capacity * 2 : 16, err);
        if (st != VAJRA_OK)
            return st;
    }
    hits->items[hits->count++] = (VajraHit){doc, score};
    return VAJRA_OK;
}

int vajra_hit_compare(const void *a, const void *b)
{
    const VajraHit *x = a, *y = b;
    if (x->score > y->score)
        return -1;
    if (x->score < y->score)
        return 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

void vajra_hits_sort(VajraHits *hits)
{
    if (hits != NULL && hits->count > 1)
        vajra_hit_sort(hits->items, hits->count, vajra_hit_canonical_before);
}

void vajra_hits_clear(VajraHits *hits)
{
    if (hits == NULL)
        return;
    free(hits->items);
    hits->items = NULL;
    hits->count = hits->capacity = 0;
}

/* ---- term bags ---- */

/* Each term string is allocated with a size_t header holding its capacity, so a bag that is reset
 * and refilled (one per query, in the searchers) reuses its strings instead of allocating: only a
 * term longer than the one that held its slot before grows it. Slots from count to capacity keep
 * their retained strings (NULL when never used); only the bag's functions see the headers. */
static char *term_header_of(char *s) { return s - sizeof(size_t); }

static size_t term_capacity(const char *s)
{
    size_t cap;
    memcpy(&cap, s - sizeof(size_t), sizeof cap);
    return cap;
}

vajra_status vajra_term_bag_push(VajraTermBag *bag, const char *term, size_t len, VajraError *err)
{
    if (bag == NULL || term == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "term_bag_push: NULL argument");
    if (len > SIZE_MAX / 2)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "term_bag_push: term too long");
    if (bag->count == bag->capacity) {
        size_t cap = bag->capacity ? bag->capacity * 2 : 8;
        char **terms = realloc(bag->terms, cap * sizeof *terms);
        if (terms == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "term_bag_push: out of memory");
        for (size_t i = bag->capacity; i < cap; i++)
            terms[i] = NULL;
        bag->terms = terms;
        bag->capacity = cap;
    }
    char *slot = bag->terms[bag->count];
    if (slot == NULL || term_capacity(slot) < len + 1) {
        size_t cap = len + 1 < 16 ? 16 : len + 1;
        char *block = realloc(slot ? term_header_of(slot) : NULL, sizeof(size_t) + cap);
        if (block == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "term_bag_push: out of memory");
        memcpy(block, &cap, sizeof cap);
        slot = block + sizeof(size_t);
        bag->terms[bag->count] = slot;
    }
    memcpy(slot, term, len);
    slot[len] = '\0';
    bag->count++;
    return VAJRA_OK;
}

void vajra_term_bag_reset(VajraTermBag *bag)
{
    if (bag != NULL)
        bag->count = 0;
}

void vajra_term_bag_clear(VajraTermBag *bag)
{
    if (bag == NULL)
        return;
    for (size_t i = 0; i < bag->capacity && bag->terms[i] != NULL; i++)
        free(term_header_of(bag->terms[i]));
    free(bag->terms);
    bag->terms = NULL;
    bag->count = bag->capacity = 0;
}
