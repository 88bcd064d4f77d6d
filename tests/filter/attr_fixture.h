/* Shared helpers of the 'filter' suite: Cranfield documents with attributes derived from each
 * document deterministically, kept both as the test's own plain C values (the oracle) and as
 * JSONL lines read back through the library's reader; and an in-memory section store. */
#ifndef VAJRA_TEST_ATTR_FIXTURE_H
#define VAJRA_TEST_ATTR_FIXTURE_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "vajra/attrs.h"
#include "vajra/io.h"

/* The vocabulary tags are drawn from (words of the title that are in it). */
#define FIX_NTAGWORDS 12
extern const char *const fix_tag_words[FIX_NTAGWORDS];
/* The languages documents get. */
#define FIX_NLANGS 4
extern const char *const fix_langs[FIX_NLANGS];

/* One document's attributes, as the fixture made them. */
typedef struct FixDoc {
    const char *id;
    int has_year;
    int64_t year;       /* 1940 .. 1990 */
    int has_lang;
    const char *lang;   /* one of fix_langs */
    int has_tags;       /* the list may be empty */
    int ntags;
    int tags[FIX_NTAGWORDS]; /* indexes into fix_tag_words, title order, no repeats */
    int has_rating;
    double rating;      /* -3.0 .. 7.0, two decimals */
} FixDoc;

typedef struct AttrFixture {
    size_t n;
    FixDoc *docs;
    VajraDocSet *set;           /* the JSONL lines with attributes, read by vajra_docset_parse_jsonl */
    const char *const *attrs;   /* vajra_docset_attrs_all(set) */
    const char *const *ids;     /* vajra_docset_ids(set) */
    VajraAttrSchema *schema;    /* lang:keyword, tags:tags, year:int, rating:float */
} AttrFixture;

/* The first `max` Cranfield documents ($VAJRA_DATA_DIR/cranfield/corpus.jsonl) with attributes.
 * Every line also carries "source": "cranfield" (not in the schema). ck_asserts on failure. */
void attr_fixture_load(AttrFixture *fx, size_t max);
void attr_fixture_free(AttrFixture *fx);

/* A store of the fixture's documents [first, first + count). */
VajraAttrStore *attr_fixture_store(const AttrFixture *fx, size_t first, size_t count);

/* Assert that row `row` of `st` holds exactly document `doc`'s attributes (typed getters). */
void attr_fixture_assert_row(const AttrFixture *fx, const VajraAttrStore *st, uint32_t row,
                             size_t doc);

/* In-memory sections: copies, looked up by name. */
typedef struct MemSections MemSections;
MemSections *mem_sections_new(void);
void mem_sections_free(MemSections *m);
VajraSectionWriter mem_sections_writer(MemSections *m);
VajraSectionReader mem_sections_reader(MemSections *m);
/* The bytes of a section (NULL when absent). */
GBytes *mem_sections_get(MemSections *m, const char *name);

/* Run a Check suite (CK_NORMAL); the process exit status. */
#include <check.h>
int attr_fixture_run(Suite *s);

/* Saved bytes of a store (section "attrs"), for comparisons. Caller unrefs. */
GBytes *attr_store_bytes(const VajraAttrStore *st);

#endif /* VAJRA_TEST_ATTR_FIXTURE_H */
