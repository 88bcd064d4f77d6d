#include "lex_fixture.h"

#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void lex_assert_same_hits(const VajraHits *fast, const VajraHits *ref, const char *what,
                             const char *query)
{
    ck_assert_msg(fast->count == ref->count, "%s: %zu hits vs reference %zu for query '%s'", what,
                  fast->count, ref->count, query);
    for (size_t i = 0; i < ref->count; i++) {
        ck_assert_msg(fast->items[i].doc == ref->items[i].doc,
                      "%s: rank %zu doc %u (%.9g) vs reference doc %u (%.9g), query '%s'", what, i,
                      fast->items[i].doc, fast->items[i].score, ref->items[i].doc,
                      ref->items[i].score, query);
        double a = fast->items[i].score, b = ref->items[i].score;
        ck_assert_msg(fabs(a - b) <= 1e-5 * fmax(fabs(b), 1e-30), "%s: score %.9g vs %.9g", what,
                      a, b);
    }
}

void lex_fixture_open(LexFixture *fx, const char *scorer_name, const VajraParam *params,
                      size_t n_params)
{
    VajraError err = {0};
    memset(fx, 0, sizeof *fx);
    ck_assert_msg(vajra_registry_new(NULL, &fx->reg, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_registry_load(fx->reg, VAJRA_PLUGIN_LEXICAL, "lexical-bm25",
                                      &fx->lex_plugin, &err) == VAJRA_OK,
                  "%s", err.message);
    fx->vt = vajra_plugin_vtable(fx->lex_plugin);
    ck_assert_uint_ge(fx->vt->version, VAJRA_LEXICAL_VTABLE_VERSION);
    ck_assert_msg(vajra_registry_load(fx->reg, VAJRA_PLUGIN_SCORER, scorer_name,
                                      &fx->scorer_plugin, &err) == VAJRA_OK,
                  "%s", err.message);
    const VajraScorerVtable *sv = vajra_plugin_vtable(fx->scorer_plugin);
    ck_assert_msg(sv->create(vajra_plugin_state(fx->scorer_plugin), params, n_params,
                             &fx->scorer_instance, &err) == VAJRA_OK,
                  "%s", err.message);
    fx->scorer = (VajraScorer){sv, fx->scorer_instance, scorer_name};
}

void lex_fixture_close(LexFixture *fx)
{
    if (fx->scorer_instance)
        fx->scorer.vtable->destroy(fx->scorer_instance);
    vajra_plugin_unref(fx->scorer_plugin);
    vajra_plugin_unref(fx->lex_plugin);
    vajra_registry_free(fx->reg);
    memset(fx, 0, sizeof *fx);
}

VajraLexicalIndex *lex_fixture_index(LexFixture *fx, const VajraAnalyzerOptions *an)
{
    VajraLexicalOptions opts = {.struct_size = sizeof opts, .scorer = fx->scorer};
    if (an)
        opts.analyzer = *an;
    VajraLexicalIndex *ix = NULL;
    VajraError err = {0};
    ck_assert_msg(fx->vt->create(vajra_plugin_state(fx->lex_plugin), &opts, &ix, &err) ==
                      VAJRA_OK,
                  "%s", err.message);
    return ix;
}

VajraLexicalIndex *lex_fixture_build(LexFixture *fx, const VajraAnalyzerOptions *an,
                                     VajraDocBatch batch)
{
    VajraLexicalIndex *ix = lex_fixture_index(fx, an);
    VajraError err = {0};
    ck_assert_msg(fx->vt->add_batch(ix, &batch, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(fx->vt->commit(ix, &err) == VAJRA_OK, "%s", err.message);
    return ix;
}

char *lex_data_path(const char *rel)
{
    const char *dir = getenv("VAJRA_DATA_DIR");
    ck_assert_msg(dir != NULL, "VAJRA_DATA_DIR is not set");
    return g_build_filename(dir, rel, NULL);
}

/* ---- in-memory sections ---- */

typedef struct MemSection {
    char name[VAJRA_SECTION_NAME_MAX + 1];
    void *data; /* 64-byte aligned */
    size_t len;
} MemSection;

struct MemSections {
    GArray *secs; /* MemSection */
};

MemSections *mem_sections_new(void)
{
    MemSections *m = g_new0(MemSections, 1);
    m->secs = g_array_new(FALSE, TRUE, sizeof(MemSection));
    return m;
}

void mem_sections_free(MemSections *m)
{
    if (!m)
        return;
    for (guint i = 0; i < m->secs->len; i++)
        free(g_array_index(m->secs, MemSection, i).data);
    g_array_free(m->secs, TRUE);
    g_free(m);
}

static MemSection *mem_find(MemSections *m, const char *name)
{
    for (guint i = 0; i < m->secs->len; i++) {
        MemSection *s = &g_array_index(m->secs, MemSection, i);
        if (strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

static vajra_status mem_write(void *self, const char *name, const void *data, size_t len,
                              VajraError *err)
{
    MemSections *m = self;
    if (strlen(name) > VAJRA_SECTION_NAME_MAX)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "name too long: %s", name);
    if (mem_find(m, name))
        return vajra_error_set(err, VAJRA_ERR_DUPLICATE, "section %s twice", name);
    MemSection s = {0};
    strcpy(s.name, name);
    s.len = len;
    s.data = aligned_alloc(64, ((len + 63) / 64) * 64 + 64);
    if (len)
        memcpy(s.data, data, len);
    g_array_append_val(m->secs, s);
    return VAJRA_OK;
}

static vajra_status mem_find_fn(void *self, const char *name, const void **data, size_t *len,
                                VajraError *err)
{
    MemSection *s = mem_find(self, name);
    if (!s)
        return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "no section %s", name);
    *data = s->data;
    *len = s->len;
    return VAJRA_OK;
}

VajraSectionWriter mem_sections_writer(MemSections *m) { return (VajraSectionWriter){m, mem_write}; }
VajraSectionReader mem_sections_reader(MemSections *m)
{
    return (VajraSectionReader){m, mem_find_fn};
}

size_t mem_sections_bytes(MemSections *m, unsigned char **out)
{
    GByteArray *b = g_byte_array_new();
    for (guint i = 0; i < m->secs->len; i++) {
        MemSection *s = &g_array_index(m->secs, MemSection, i);
        uint64_t len = s->len;
        g_byte_array_append(b, (const guint8 *)s->name, (guint)strlen(s->name) + 1);
        g_byte_array_append(b, (const guint8 *)&len, sizeof len);
        g_byte_array_append(b, s->data, (guint)s->len);
    }
    size_t n = b->len;
    *out = g_byte_array_free(b, FALSE);
    return n;
}

void *mem_sections_data(MemSections *m, const char *name, size_t *len)
{
    MemSection *s = mem_find(m, name);
    if (!s)
        return NULL;
    *len = s->len;
    return s->data;
}

void mem_sections_set_len(MemSections *m, const char *name, size_t len)
{
    MemSection *s = mem_find(m, name);
    ck_assert(s != NULL && len <= ((s->len + 63) / 64) * 64 + 64);
    s->len = len;
}

MemSections *lex_fixture_save_flat(LexFixture *fx, VajraLexicalIndex *ix)
{
    MemSections *packed = mem_sections_new(), *flat = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(packed), fw = mem_sections_writer(flat);
    VajraError err = {0};
    ck_assert_msg(fx->vt->save(ix, &w, &err) == VAJRA_OK, "%s", err.message);
    size_t n_off = 0, blob_len = 0;
    const uint64_t *off = mem_sections_data(packed, "lex.terms.off", &n_off);
    const char *blob = mem_sections_data(packed, "lex.terms", &blob_len);
    ck_assert(off != NULL && blob != NULL);
    n_off /= 8;
    for (guint i = 0; i < packed->secs->len; i++) {
        MemSection *s = &g_array_index(packed->secs, MemSection, i);
        if (strcmp(s->name, "lex.meta") == 0) {
            uint32_t *version = (uint32_t *)((char *)s->data + 8);
            ck_assert(*version == 3 || *version == 4);
            *version -= 2;
        }
        if (strcmp(s->name, "lex.post.pack") != 0) {
            ck_assert_int_eq(fw.write(fw.self, s->name, s->data, s->len, &err), VAJRA_OK);
            continue;
        }
        GArray *docs = g_array_new(FALSE, FALSE, 4), *tfs = g_array_new(FALSE, FALSE, 4);
        for (size_t t = 0; t + 1 < n_off; t++) {
            VajraPostingsView v;
            fx->vt->postings(ix, blob + off[t], &v);
            ck_assert(v.count > 0);
            g_array_append_vals(docs, v.docs, (guint)v.count);
            g_array_append_vals(tfs, v.tfs, (guint)v.count);
        }
        ck_assert_int_eq(fw.write(fw.self, "lex.post.docs", docs->data, docs->len * 4, &err),
                         VAJRA_OK);
        ck_assert_int_eq(fw.write(fw.self, "lex.post.tfs", tfs->data, tfs->len * 4, &err),
                         VAJRA_OK);
        g_array_free(docs, TRUE);
        g_array_free(tfs, TRUE);
    }
    mem_sections_free(packed);
    return flat;
}
