/* The 'filter' suite's fixture: see attr_fixture.h. */
#include "attr_fixture.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

const char *const fix_tag_words[FIX_NTAGWORDS] = {
    "wing", "flow", "boundary", "layer", "heat", "shock",
    "supersonic", "pressure", "plate", "cone", "jet", "transfer"};
const char *const fix_langs[FIX_NLANGS] = {"en", "fr", "de", "ru"};

/* Attributes of one document from its number and its own words. Missing values follow simple
 * residues of the number so that every combination of present/missing occurs. */
static void derive(FixDoc *d, const char *id, long num, const char *title, const char *text)
{
    memset(d, 0, sizeof *d);
    d->id = id;
    d->has_year = num % 7 != 0;
    d->year = 1940 + (num * 7919) % 51;
    d->has_lang = num % 11 != 0;
    d->lang = fix_langs[(num / 3 + (long)strlen(title)) % FIX_NLANGS];
    d->has_tags = num % 13 != 0;
    char **words = g_strsplit_set(title, " ,.-()", -1);
    for (char **w = words; *w; w++)
        for (int t = 0; t < FIX_NTAGWORDS; t++)
            if (strcmp(*w, fix_tag_words[t]) == 0) {
                int dup = 0;
                for (int k = 0; k < d->ntags; k++)
                    dup |= d->tags[k] == t;
                if (!dup)
                    d->tags[d->ntags++] = t;
            }
    g_strfreev(words);
    d->has_rating = num % 6 != 0;
    d->rating = (double)((long)strlen(text) % 1001) / 100.0 - 3.0;
}

void attr_fixture_load(AttrFixture *fx, size_t max)
{
    memset(fx, 0, sizeof *fx);
    const char *dir = getenv("VAJRA_DATA_DIR");
    char *path = g_build_filename(dir && *dir ? dir : "../shared/data", "cranfield",
                                  "corpus.jsonl", NULL);
    VajraError err = {0};
    VajraDocSet *plain = NULL;
    ck_assert_msg(vajra_docset_read_jsonl(path, NULL, &plain, &err) == VAJRA_OK, "%s",
                  err.message);
    g_free(path);
    fx->n = vajra_docset_count(plain) < max ? vajra_docset_count(plain) : max;
    ck_assert_uint_gt(fx->n, 0);
    /* The lines again, with attributes, as JSONL text for the reader. */
    FixDoc *tmp = g_new0(FixDoc, fx->n);
    GString *jsonl = g_string_new(NULL);
    for (size_t i = 0; i < fx->n; i++) {
        const VajraDocument *doc = vajra_docset_doc(plain, i);
        derive(&tmp[i], NULL, strtol(doc->id, NULL, 10), doc->title ? doc->title : "",
               doc->text);
        const FixDoc *d = &tmp[i];
        json_t *o = json_object();
        json_object_set_new(o, "_id", json_string(doc->id));
        if (doc->title)
            json_object_set_new(o, "title", json_string(doc->title));
        json_object_set_new(o, "text", json_string(doc->text));
        if (d->has_lang)
            json_object_set_new(o, "lang", json_string(d->lang));
        if (d->has_year)
            json_object_set_new(o, "year", json_integer(d->year));
        else if (i % 2)
            json_object_set_new(o, "year", json_null()); /* null is missing too */
        if (d->has_tags) {
            json_t *a = json_array();
            for (int k = 0; k < d->ntags; k++)
                json_array_append_new(a, json_string(fix_tag_words[d->tags[k]]));
            json_object_set_new(o, "tags", a);
        }
        if (d->has_rating)
            json_object_set_new(o, "rating", json_real(d->rating));
        json_object_set_new(o, "source", json_string("cranfield"));
        char *line = json_dumps(o, JSON_COMPACT);
        g_string_append(jsonl, line);
        g_string_append_c(jsonl, '\n');
        free(line);
        json_decref(o);
    }
    vajra_docset_free(plain);
    ck_assert_msg(vajra_docset_parse_jsonl(jsonl->str, jsonl->len, "attrs.jsonl", NULL, &fx->set,
                                           &err) == VAJRA_OK, "%s", err.message);
    g_string_free(jsonl, TRUE);
    fx->docs = tmp;
    fx->ids = vajra_docset_ids(fx->set);
    fx->attrs = vajra_docset_attrs_all(fx->set);
    for (size_t i = 0; i < fx->n; i++)
        fx->docs[i].id = fx->ids[i];
    ck_assert_int_eq(vajra_attr_schema_parse("lang:keyword, tags:tags, year:int, rating:float",
                                             &fx->schema, &err), VAJRA_OK);
}

void attr_fixture_free(AttrFixture *fx)
{
    vajra_attr_schema_free(fx->schema);
    vajra_docset_free(fx->set);
    g_free(fx->docs);
    memset(fx, 0, sizeof *fx);
}

VajraAttrStore *attr_fixture_store(const AttrFixture *fx, size_t first, size_t count)
{
    VajraAttrStore *st = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_attrs_new(fx->schema, &st, &err), VAJRA_OK);
    ck_assert_msg(vajra_attrs_append_json(st, fx->attrs + first, fx->ids + first, count, 0,
                                          &err) == VAJRA_OK, "%s", err.message);
    return st;
}

void attr_fixture_assert_row(const AttrFixture *fx, const VajraAttrStore *st, uint32_t row,
                             size_t doc)
{
    const FixDoc *d = &fx->docs[doc];
    int64_t y = 0;
    double r = 0;
    ck_assert_int_eq(vajra_attrs_get_int(st, row, 2, &y), d->has_year);
    if (d->has_year)
        ck_assert_int_eq(y, d->year);
    const char *lang = vajra_attrs_get_keyword(st, row, 0);
    ck_assert_int_eq(lang != NULL, d->has_lang);
    if (d->has_lang)
        ck_assert_str_eq(lang, d->lang);
    ck_assert_int_eq(vajra_attrs_get_float(st, row, 3, &r), d->has_rating);
    if (d->has_rating)
        ck_assert(r == d->rating);
    size_t nt = 0;
    ck_assert_int_eq(vajra_attrs_get_tag_count(st, row, 1, &nt), d->has_tags);
    if (d->has_tags) {
        ck_assert_uint_eq(nt, (size_t)d->ntags);
        for (int k = 0; k < d->ntags; k++)
            ck_assert_str_eq(vajra_attrs_get_tag(st, row, 1, (size_t)k), fix_tag_words[d->tags[k]]);
    }
}

/* ---- in-memory sections ---- */

struct MemSections {
    GHashTable *map; /* name -> GBytes */
};

MemSections *mem_sections_new(void)
{
    MemSections *m = g_new0(MemSections, 1);
    m->map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify)g_bytes_unref);
    return m;
}

void mem_sections_free(MemSections *m)
{
    if (m) {
        g_hash_table_destroy(m->map);
        g_free(m);
    }
}

static vajra_status mem_write(void *self, const char *name, const void *data, size_t len,
                              VajraError *err)
{
    MemSections *m = self;
    if (g_hash_table_contains(m->map, name))
        return vajra_error_set(err, VAJRA_ERR_DUPLICATE, "section %s written twice", name);
    g_hash_table_insert(m->map, g_strdup(name), g_bytes_new(data, len));
    return VAJRA_OK;
}

static vajra_status mem_find(void *self, const char *name, const void **data, size_t *len,
                             VajraError *err)
{
    MemSections *m = self;
    GBytes *b = g_hash_table_lookup(m->map, name);
    if (b == NULL)
        return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "no section %s", name);
    *data = g_bytes_get_data(b, len);
    return VAJRA_OK;
}

VajraSectionWriter mem_sections_writer(MemSections *m)
{
    VajraSectionWriter w = {m, mem_write};
    return w;
}

VajraSectionReader mem_sections_reader(MemSections *m)
{
    VajraSectionReader r = {m, mem_find};
    return r;
}

GBytes *mem_sections_get(MemSections *m, const char *name)
{
    return g_hash_table_lookup(m->map, name);
}

GBytes *attr_store_bytes(const VajraAttrStore *st)
{
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    VajraError err = {0};
    ck_assert_msg(vajra_attrs_save(st, &w, NULL, &err) == VAJRA_OK, "%s", err.message);
    GBytes *b = g_bytes_ref(mem_sections_get(m, "attrs"));
    mem_sections_free(m);
    return b;
}

int attr_fixture_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
