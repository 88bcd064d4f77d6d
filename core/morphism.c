/* Morphisms and their combinators. Every combinator is itself a primitive morphism whose closure
 * holds references to its parts, so composition nests freely and one apply path serves all. */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "type_internal.h"
#include "vajra/morphism.h"

struct VajraMorphism {
    gint refcount;
    char *name;
    const VajraType *dom;
    const VajraType *cod;
    VajraApplyFn apply;
    void *self;
    VajraDestroyFn destroy;
};

vajra_status vajra_morphism_new(const char *name, const VajraType *dom, const VajraType *cod,
                                VajraApplyFn apply, void *self, VajraDestroyFn destroy,
                                VajraMorphism **out, VajraError *err)
{
    vajra_status st = VAJRA_OK;
    VajraMorphism *m = NULL;
    if (name == NULL || dom == NULL || cod == NULL || apply == NULL || out == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                             "morphism_new: name, domain, codomain, apply and out are required");
        goto fail;
    }
    m = calloc(1, sizeof *m);
    if (m == NULL || (m->name = strdup(name)) == NULL) {
        free(m);
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "morphism_new: out of memory");
        goto fail;
    }
    m->refcount = 1;
    m->dom = dom;
    m->cod = cod;
    m->apply = apply;
    m->self = self;
    m->destroy = destroy;
    *out = m;
    return VAJRA_OK;
fail:
    if (destroy != NULL)
        destroy(self);
    return st;
}

VajraMorphism *vajra_morphism_ref(VajraMorphism *m)
{
    if (m != NULL)
        g_atomic_int_inc(&m->refcount);
    return m;
}

void vajra_morphism_unref(VajraMorphism *m)
{
    if (m == NULL || !g_atomic_int_dec_and_test(&m->refcount))
        return;
    if (m->destroy != NULL)
        m->destroy(m->self);
    free(m->name);
    free(m);
}

const char *vajra_morphism_name(const VajraMorphism *m) { return m ? m->name : "(null)"; }
const VajraType *vajra_morphism_dom(const VajraMorphism *m) { return m ? m->dom : NULL; }
const VajraType *vajra_morphism_cod(const VajraMorphism *m) { return m ? m->cod : NULL; }

vajra_status vajra_morphism_apply(const VajraMorphism *m, const void *in, void *out,
                                  VajraError *err)
{
    if (m == NULL || in == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "apply: NULL morphism, input or output");
    return m->apply(m->self, in, out, err);
}

/* ---- closures holding two parts ---- */

typedef struct Parts {
    VajraMorphism *a;
    VajraMorphism *b;
} Parts;

static void parts_destroy(void *self)
{
    Parts *p = self;
    vajra_morphism_unref(p->a);
    vajra_morphism_unref(p->b);
    free(p);
}

static vajra_status new_with_parts(const char *name, const VajraType *dom, const VajraType *cod,
                                   VajraApplyFn apply, VajraMorphism *a, VajraMorphism *b,
                                   VajraMorphism **out, VajraError *err)
{
    Parts *p = malloc(sizeof *p);
    if (p == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: out of memory", name);
    p->a = vajra_morphism_ref(a);
    p->b = vajra_morphism_ref(b);
    return vajra_morphism_new(name, dom, cod, apply, p, parts_destroy, out, err);
}

/* ---- identity ---- */

static vajra_status identity_apply(void *self, const void *in, void *out, VajraError *err)
{
    return vajra_value_copy(self, in, out, err);
}

vajra_status vajra_identity(const VajraType *type, VajraMorphism **out, VajraError *err)
{
    if (type == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "identity: NULL type");
    char name[128];
    snprintf(name, sizeof name, "id_%s", type->name);
    return vajra_morphism_new(name, type, type, identity_apply, (void *)type, NULL, out, err);
}

/* ---- composition ---- */

/* The intermediate value lives on the stack when small (all built-in types are), so a composed
 * search allocates only what its values themselves own. */
static vajra_status compose_apply(void *self, const void *in, void *out, VajraError *err)
{
    const Parts *p = self;
    const VajraType *mid = p->a->cod;
    alignas(max_align_t) unsigned char small[64];
    void *tmp = mid->size <= sizeof small ? (void *)small : malloc(mid->size);
    if (tmp == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "compose: out of memory");
    vajra_status st = mid->init(mid, tmp, err);
    if (st == VAJRA_OK) {
        st = p->a->apply(p->a->self, in, tmp, err);
        if (st == VAJRA_OK)
            st = p->b->apply(p->b->self, tmp, out, err);
        mid->clear(mid, tmp);
    }
    if (tmp != small)
        free(tmp);
    return st;
}

vajra_status vajra_compose(VajraMorphism *f, VajraMorphism *g, VajraMorphism **out,
                           VajraError *err)
{
    if (f == NULL || g == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "compose: NULL argument");
    if (f->cod != g->dom)
        return vajra_error_set(err, VAJRA_ERR_TYPE_MISMATCH,
                               "cannot compose %s after %s: %s produces %s but %s expects %s",
                               g->name, f->name, f->name, f->cod->name, g->name, g->dom->name);
    char *name = g_strdup_printf("(%s ∘ %s)", g->name, f->name);
    vajra_status st = new_with_parts(name, f->dom, g->cod, compose_apply, f, g, out, err);
    g_free(name);
    return st;
}

/* ---- pairing ⟨f, g⟩ : A → B × C ---- */

static vajra_status pair_apply(void *self, const void *in, void *out, VajraError *err)
{
    const Parts *p = self;
    VajraProduct *o = out;
    vajra_status st = p->a->apply(p->a->self, in, o->first, err);
    if (st == VAJRA_OK)
        st = p->b->apply(p->b->self, in, o->second, err);
    return st;
}

vajra_status vajra_pair(VajraMorphism *f, VajraMorphism *g, VajraMorphism **out, VajraError *err)
{
    if (f == NULL || g == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "pair: NULL argument");
    if (f->dom != g->dom)
        return vajra_error_set(err, VAJRA_ERR_TYPE_MISMATCH,
                               "cannot pair %s with %s: their domains %s and %s differ", f->name,
                               g->name, f->dom->name, g->dom->name);
    const VajraType *cod = NULL;
    vajra_status st = vajra_type_product(f->cod, g->cod, &cod, err);
    if (st != VAJRA_OK)
        return st;
    char *name = g_strdup_printf("⟨%s, %s⟩", f->name, g->name);
    st = new_with_parts(name, f->dom, cod, pair_apply, f, g, out, err);
    g_free(name);
    return st;
}

/* ---- projections ---- */

static vajra_status first_apply(void *self, const void *in, void *out, VajraError *err)
{
    const VajraType *product = self;
    return vajra_value_copy(product->factor[0], ((const VajraProduct *)in)->first, out, err);
}

static vajra_status second_apply(void *self, const void *in, void *out, VajraError *err)
{
    const VajraType *product = self;
    return vajra_value_copy(product->factor[1], ((const VajraProduct *)in)->second, out, err);
}

vajra_status vajra_projection(const VajraType *product, unsigned index, VajraMorphism **out,
                              VajraError *err)
{
    if (product == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "projection: NULL argument");
    if (product->factor[0] == NULL)
        return vajra_error_set(err, VAJRA_ERR_TYPE_MISMATCH,
                               "projection: %s is not a product type", product->name);
    if (index > 1)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "projection: index %u out of range (0 or 1)", index);
    char name[32];
    snprintf(name, sizeof name, "π%u", index);
    return vajra_morphism_new(name, product, product->factor[index],
                              index == 0 ? first_apply : second_apply, (void *)product, NULL, out,
                              err);
}

/* ---- product map f × g : A × C → B × D ---- */

static vajra_status product_map_apply(void *self, const void *in, void *out, VajraError *err)
{
    const Parts *p = self;
    const VajraProduct *i = in;
    VajraProduct *o = out;
    vajra_status st = p->a->apply(p->a->self, i->first, o->first, err);
    if (st == VAJRA_OK)
        st = p->b->apply(p->b->self, i->second, o->second, err);
    return st;
}

vajra_status vajra_product_map(VajraMorphism *f, VajraMorphism *g, VajraMorphism **out,
                               VajraError *err)
{
    if (f == NULL || g == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "product_map: NULL argument");
    const VajraType *dom = NULL, *cod = NULL;
    vajra_status st = vajra_type_product(f->dom, g->dom, &dom, err);
    if (st == VAJRA_OK)
        st = vajra_type_product(f->cod, g->cod, &cod, err);
    if (st != VAJRA_OK)
        return st;
    char *name = g_strdup_printf("(%s × %s)", f->name, g->name);
    st = new_with_parts(name, dom, cod, product_map_apply, f, g, out, err);
    g_free(name);
    return st;
}

/* ---- top_k : hits → hits ---- */

static vajra_status top_k_apply(void *self, const void *in, void *out, VajraError *err)
{
    const VajraHits *src = in;
    VajraHits *dst = out;
    size_t k = (size_t)(uintptr_t)self;
    size_t n = src->count < k ? src->count : k;
    dst->count = 0;
    vajra_status st = vajra_hits_reserve(dst, n, err);
    if (st != VAJRA_OK)
        return st;
    if (n > 0)
        memcpy(dst->items, src->items, n * sizeof *dst->items);
    dst->count = n;
    return VAJRA_OK;
}

vajra_status vajra_top_k(uint32_t k, VajraMorphism **out, VajraError *err)
{
    char name[32];
    snprintf(name, sizeof name, "top_%u", k);
    return vajra_morphism_new(name, vajra_type_hits(), vajra_type_hits(), top_k_apply,
                              (void *)(uintptr_t)k, NULL, out, err);
}
