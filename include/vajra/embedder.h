/* Vajra — embedders: plugins that turn texts into vectors (plugin kind VAJRA_PLUGIN_EMBEDDER).
 *
 * An embedder is made from key/value parameters, optionally trained on a corpus, then maps any
 * batch of texts to rows of `dim` floats. It saves itself as sections named "emb.*" and loads
 * back from them, so a collection can keep the model that made its vectors next to them.
 *
 *     const VajraEmbedderVtable *vt = vajra_plugin_vtable(plugin);
 *     VajraKeyValue kv[] = {{"dim", "128"}, {"seed", "42"}};
 *     VajraEmbedder *e;
 *     vt->create(vajra_plugin_state(plugin), kv, 2, &e, &err);
 *     if (VAJRA_EMBEDDER_HAS(vt, train))           optional: some models need no training
 *         vt->train(e, texts, n_texts, &err);
 *     float *rows = malloc(n * vt->dim(e) * sizeof(float));
 *     vt->embed(e, queries, n, rows, &err);        any number of threads at once
 *     vt->free(e);
 *
 * Growth: the vtable starts with `version` and `struct_size` (the plugin's sizeof) and only grows
 * at its end. Before calling any slot marked optional — or any slot added after this version —
 * check it with VAJRA_EMBEDDER_HAS(vt, slot): the slot must lie inside the plugin's struct_size
 * and be non-NULL. The required slots (create, free, dim, embed) are checked by the caller once
 * (vajra_embedder_vtable_check).
 *
 * Parameters are VajraKeyValue strings (vajra/params.h: a neural wrapper wants paths and names,
 * LSA wants numbers); each plugin documents its keys, refuses unknown keys and bad values with VAJRA_ERR_INVALID_ARGUMENT
 * naming the key, and copies what it keeps.
 *
 * Thread-safety: create, train, load and free need exclusive access to the embedder. embed, dim
 * and save may run concurrently from any number of threads on a ready (trained or loaded)
 * embedder: an implementation keeps per-call (or per-thread) scratch and never writes shared
 * state from embed.
 *
 * Memory: whoever allocates frees. embed writes into the caller's buffer; nothing the plugin
 * allocates is handed to the caller except the VajraEmbedder itself (freed by vt->free).
 *
 * docs/embedders.md describes the ABI in full and walks through wrapping a model
 * (plugins/embedder/table/ is the worked example).
 */
#ifndef VAJRA_EMBEDDER_H
#define VAJRA_EMBEDDER_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/params.h"
#include "vajra/registry.h"
#include "vajra/sections.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VAJRA_EMBEDDER_VTABLE_VERSION 1

/* Opaque, defined by each plugin. */
typedef struct VajraEmbedder VajraEmbedder;

typedef struct VajraEmbedderVtable {
    uint32_t version;     /* VAJRA_EMBEDDER_VTABLE_VERSION as the plugin was built */
    uint32_t struct_size; /* sizeof(VajraEmbedderVtable) as the plugin was built */

    /* ---- required ---- */

    /* Make an embedder from parameters (n_params may be 0: every key has a default). An embedder
     * that needs training reports dim() == its configured dimension but refuses embed with
     * VAJRA_ERR_STATE until trained. Caller owns *out (free).
     * Errors: VAJRA_ERR_INVALID_ARGUMENT (unknown key, bad value; the message names the key),
     * VAJRA_ERR_NOT_FOUND / VAJRA_ERR_IO / VAJRA_ERR_CORRUPT (a model file a parameter names),
     * VAJRA_ERR_NO_MEMORY. */
    vajra_status (*create)(void *plugin_state, const VajraKeyValue *params, size_t n_params,
                           VajraEmbedder **out, VajraError *err);
    /* NULL is a no-op. */
    void (*free)(VajraEmbedder *e);
    /* Dimension of the rows embed writes (> 0). Never fails. */
    uint32_t (*dim)(const VajraEmbedder *e);
    /* Embed n texts (valid UTF-8, NUL-terminated; NULL counts as "") into out[i * dim ..], which
     * the caller sized to n * dim floats. Every row is finite; the plugin documents whether rows
     * are unit vectors and what a text with nothing it knows becomes (the shipped plugins: unit
     * rows, and an all-zero row for empty or unknown text). Deterministic: the same embedder and
     * text give the same bytes on every call and thread.
     * Errors: VAJRA_ERR_STATE (needs training), VAJRA_ERR_ENCODING (invalid UTF-8; names the text
     * index), VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NO_MEMORY; on error `out` is unspecified.
     * Thread-safe (see above). */
    vajra_status (*embed)(const VajraEmbedder *e, const char *const *texts, size_t n, float *out,
                          VajraError *err);

    /* ---- optional (check with VAJRA_EMBEDDER_HAS) ---- */

    /* Fit the model to a corpus (NULL texts count as ""). Deterministic: the same corpus, order
     * and parameters (seed included) give the same model, hence the same saved bytes. Training
     * again replaces the model. NULL slot: the embedder needs no training.
     * Errors: VAJRA_ERR_INVALID_ARGUMENT (empty corpus, or too small for the dimension: the
     * message says what is needed), VAJRA_ERR_ENCODING, VAJRA_ERR_NO_MEMORY, VAJRA_ERR_INTERNAL
     * (a numerical routine failed). */
    vajra_status (*train)(VajraEmbedder *e, const char *const *texts, size_t n, VajraError *err);
    /* Write the ready model as sections whose names start with "emb." (the caller may prefix
     * them further, e.g. "s0."). Errors: VAJRA_ERR_STATE (untrained), the writer's. */
    vajra_status (*save)(const VajraEmbedder *e, const VajraSectionWriter *w, VajraError *err);
    /* Make an embedder from sections save wrote; params as for create (plugins document which
     * keys still matter, e.g. a model directory; most need none). The embedder may keep
     * pointers into the reader's bytes (zero copy) — each plugin says whether it does; then the
     * reader's owner must outlive it. Every section is validated before it is trusted.
     * Errors: VAJRA_ERR_NOT_FOUND (missing section), VAJRA_ERR_CORRUPT, VAJRA_ERR_VERSION,
     * VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NO_MEMORY. */
    vajra_status (*load)(void *plugin_state, const VajraKeyValue *params, size_t n_params,
                         const VajraSectionReader *r, VajraEmbedder **out, VajraError *err);
    /* A one-line human description of the model ("lsa dim=128 vocab=4469 seed=42"), borrowed
     * from the embedder. */
    const char *(*describe)(const VajraEmbedder *e);
} VajraEmbedderVtable;

/* 1 when the vtable has `slot` (inside the plugin's struct_size) and it is non-NULL. */
#define VAJRA_EMBEDDER_HAS(vt, slot)                                                            \
    ((vt) != NULL &&                                                                            \
     (size_t)(vt)->struct_size >= offsetof(VajraEmbedderVtable, slot) + sizeof((vt)->slot) &&   \
     (vt)->slot != NULL)

/* Check an embedder vtable once after loading the plugin: version ≥ 1, struct_size covering the
 * required slots, required slots non-NULL. Errors: VAJRA_ERR_ABI_MISMATCH naming what is wrong.
 * Pure; thread-safe. */
VAJRA_API vajra_status vajra_embedder_vtable_check(const VajraEmbedderVtable *vt,
                                                   VajraError *err);

/* ---- convenience for callers (a collection, a tool): plugin + vtable + instance in one ---- */

/* An embedder instance with the plugin reference that keeps its code loaded. */
typedef struct VajraEmbedderRef {
    VajraPlugin *plugin;            /* a reference owned by this struct */
    const VajraEmbedderVtable *vt;  /* checked with vajra_embedder_vtable_check */
    VajraEmbedder *self;
} VajraEmbedderRef;

/* Load the embedder plugin `name` from `reg`, check its vtable and create an instance from
 * params (untrained if the model needs training). On success *out owns a plugin reference and
 * the instance (vajra_embedder_ref_clear). On error *out is zeroed.
 * Errors: those of vajra_registry_load, vajra_embedder_vtable_check and create. Thread-safe. */
VAJRA_API vajra_status vajra_embedder_ref_create(VajraRegistry *reg, const char *name,
                                                 const VajraKeyValue *params, size_t n_params,
                                                 VajraEmbedderRef *out, VajraError *err);

/* As vajra_embedder_ref_create, but the instance is loaded from sections `save` wrote (the
 * plugin's `load` slot; VAJRA_ERR_UNSUPPORTED when it has none). The reader's owner must outlive
 * the instance when the plugin keeps pointers into it (both shipped embedders do). */
VAJRA_API vajra_status vajra_embedder_ref_load(VajraRegistry *reg, const char *name,
                                               const VajraKeyValue *params, size_t n_params,
                                               const VajraSectionReader *r,
                                               VajraEmbedderRef *out, VajraError *err);

/* Free the instance, then drop the plugin reference; zeroes *ref. NULL or zeroed: no-op. */
VAJRA_API void vajra_embedder_ref_clear(VajraEmbedderRef *ref);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_EMBEDDER_H */
