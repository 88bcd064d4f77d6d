/* Vajra — morphisms: typed arrows dom → cod, and the combinators that build searches from them.
 *
 * A morphism applies to a value of its domain and fills a value of its codomain. Composition
 * g ∘ f exists only when cod(f) == dom(g); otherwise vajra_compose refuses with
 * VAJRA_ERR_TYPE_MISMATCH and a message naming both types. Identity, pairing ⟨f, g⟩, projections
 * and the product map f × g complete the vocabulary: hybrid search is fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩.
 *
 * Ownership: morphisms are reference-counted. Constructors return a new reference (count 1);
 * combinators take their own references on their parts, so the caller still owns (and must
 * unref) the parts it passed in. vajra_morphism_unref(NULL) is a no-op.
 *
 * Thread-safety: a morphism is immutable once built. vajra_morphism_apply may be called from many
 * threads at once provided every primitive apply function inside it is thread-safe (the built-in
 * combinators and retrievers over a built index are). ref/unref are atomic.
 */
#ifndef VAJRA_MORPHISM_H
#define VAJRA_MORPHISM_H

#include "vajra/export.h"
#include "vajra/status.h"
#include "vajra/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VajraMorphism VajraMorphism;

/* A primitive arrow's behaviour. `in` is a value of dom, `out` an initialised value of cod that
 * the function fills (replacing its contents). `self` is the closure given at creation. */
typedef vajra_status (*VajraApplyFn)(void *self, const void *in, void *out, VajraError *err);
/* Releases `self` when the last reference to the morphism goes. May be NULL. */
typedef void (*VajraDestroyFn)(void *self);

/* Make a primitive morphism. `name` is copied. `self` is owned by the morphism from now on
 * (destroy(self) runs at the last unref, and also here if creation fails).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (NULL name, types or apply), VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_morphism_new(const char *name, const VajraType *dom,
                                          const VajraType *cod, VajraApplyFn apply, void *self,
                                          VajraDestroyFn destroy, VajraMorphism **out,
                                          VajraError *err);

VAJRA_API VajraMorphism *vajra_morphism_ref(VajraMorphism *m);
VAJRA_API void vajra_morphism_unref(VajraMorphism *m);

VAJRA_API const char *vajra_morphism_name(const VajraMorphism *m);
VAJRA_API const VajraType *vajra_morphism_dom(const VajraMorphism *m);
VAJRA_API const VajraType *vajra_morphism_cod(const VajraMorphism *m);

/* Apply m to `in` (a value of dom) into `out` (an initialised value of cod).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT for NULLs, otherwise whatever the arrow returns. */
VAJRA_API vajra_status vajra_morphism_apply(const VajraMorphism *m, const void *in, void *out,
                                            VajraError *err);

/* id_A : A → A, which copies its input into its output (vajra_value_copy: deep for hits and
 * term bags, shallow for queries, whose fields are borrowed). Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_identity(const VajraType *type, VajraMorphism **out, VajraError *err);

/* g ∘ f : dom(f) → cod(g) ("first f, then g"). Errors: VAJRA_ERR_TYPE_MISMATCH when
 * cod(f) != dom(g), with both type names in the message; VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_compose(VajraMorphism *f, VajraMorphism *g, VajraMorphism **out,
                                     VajraError *err);

/* ⟨f, g⟩ : A → B × C for f : A → B and g : A → C. Errors: VAJRA_ERR_TYPE_MISMATCH when the
 * domains differ; VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_pair(VajraMorphism *f, VajraMorphism *g, VajraMorphism **out,
                                  VajraError *err);

/* πᵢ : A × B → A (index 0) or B (index 1). Errors: VAJRA_ERR_TYPE_MISMATCH for a non-product,
 * VAJRA_ERR_INVALID_ARGUMENT for index > 1. */
VAJRA_API vajra_status vajra_projection(const VajraType *product, unsigned index,
                                        VajraMorphism **out, VajraError *err);

/* f × g : A × C → B × D for f : A → B and g : C → D. */
VAJRA_API vajra_status vajra_product_map(VajraMorphism *f, VajraMorphism *g, VajraMorphism **out,
                                         VajraError *err);

/* top_k : hits → hits, keeping the first k hits of a canonical ranking (the fusion output is
 * cut with it). Errors: VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_top_k(uint32_t k, VajraMorphism **out, VajraError *err);

/* Copy a value of a built-in type (hits, queries, term bags, products of those) into an
 * initialised value of the same type. Errors: VAJRA_ERR_UNSUPPORTED for other types. */
VAJRA_API vajra_status vajra_value_copy(const VajraType *type, const void *src, void *dst,
                                        VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_MORPHISM_H */
