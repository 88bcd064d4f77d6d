/* Tests for attribute schemas and stores (include/vajra/attrs.h) and the JSONL reader's attribute
 * texts, on Cranfield documents with derived attributes (attr_fixture.h): what goes in through
 * the JSONL reader must come out of the typed getters, the JSON view, row subsets and a
 * save/load round trip; damaged saved bytes must be refused, never crash. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "attr_fixture.h"

static AttrFixture fx;

static void setup(void)
{
    attr_fixture_load(&fx, 1400);
}

static void teardown(void)
{
    attr_fixture_free(&fx);
}

/* ---- schemas ---- */

START_TEST(schema_parse_format_find)
{
    VajraError err = {0};
    ck_assert_uint_eq(vajra_attr_schema_count(fx.schema), 4);
    ck_assert_str_eq(vajra_attr_schema_name(fx.schema, 1), "tags");
    ck_assert_int_eq(vajra_attr_schema_type(fx.schema, 3), VAJRA_ATTR_FLOAT);
    ck_assert_int_eq(vajra_attr_schema_find(fx.schema, "year"), 2);
    ck_assert_int_eq(vajra_attr_schema_find(fx.schema, "source"), -1);
    char text[128];
    size_t n = vajra_attr_schema_format(fx.schema, text, sizeof text);
    ck_assert_str_eq(text, "lang:keyword,tags:tags,year:int,rating:float");
    ck_assert_uint_eq(n, strlen(text));
    char small[8];
    ck_assert_uint_eq(vajra_attr_schema_format(fx.schema, small, sizeof small), n);
    ck_assert_uint_eq(strlen(small), 7); /* truncated, NUL-terminated */
    VajraAttrSchema *again = NULL;
    ck_assert_int_eq(vajra_attr_schema_parse(text, &again, &err), VAJRA_OK);
    ck_assert(vajra_attr_schema_equal(again, fx.schema));
    VajraAttrSchema *copy = vajra_attr_schema_copy(again);
    ck_assert(vajra_attr_schema_equal(copy, fx.schema));
    vajra_attr_schema_free(copy);
    vajra_attr_schema_free(again);
    ck_assert_int_eq(vajra_attr_schema_parse("   ", &again, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_attr_schema_count(again), 0);
    ck_assert(!vajra_attr_schema_equal(again, fx.schema));
    vajra_attr_schema_free(again);
}
END_TEST

START_TEST(schema_errors)
{
    static const struct {
        const char *text;
        vajra_status code;
        const char *words;
    } cases[] = {
        {"a:int,a:float", VAJRA_ERR_DUPLICATE, "\"a\" declared twice"},
        {"a:integer", VAJRA_ERR_INVALID_ARGUMENT, "unknown type \"integer\""},
        {"a:int,b", VAJRA_ERR_INVALID_ARGUMENT, "item 2 \"b\" is not name:type"},
        {"a:int,,b:int", VAJRA_ERR_INVALID_ARGUMENT, "item 2"},
        {"_id:keyword", VAJRA_ERR_INVALID_ARGUMENT, "reserved"},
        {"title:keyword", VAJRA_ERR_INVALID_ARGUMENT, "reserved"},
        {":int", VAJRA_ERR_INVALID_ARGUMENT, "is empty"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VajraError err = {0};
        VajraAttrSchema *s = (VajraAttrSchema *)1;
        ck_assert_int_eq(vajra_attr_schema_parse(cases[i].text, &s, &err), cases[i].code);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(err.message, cases[i].words), "%s: %s", cases[i].text, err.message);
    }
    VajraAttrSchema *s = NULL;
    VajraError err = {0};
    vajra_attr_schema_new(&s, &err);
    ck_assert_int_eq(vajra_attr_schema_add(s, "x", (VajraAttrType)9, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_attr_schema_add(s, "bad\xff", VAJRA_ATTR_INT, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_attr_schema_add(s, "odd, name:yes", VAJRA_ATTR_INT, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_attr_schema_find(s, "odd, name:yes"), 0);
    vajra_attr_schema_free(s);
}
END_TEST

START_TEST(schema_infer)
{
    VajraError err = {0};
    VajraAttrSchema *s = NULL;
    ck_assert_msg(vajra_attr_schema_infer(fx.attrs, fx.ids, fx.n, &s, &err) == VAJRA_OK, "%s",
                  err.message);
    /* First-seen order of the fixture's lines: lang, year, tags, rating, source. Document 1 has
     * every field but a year is absent on some: the order comes from the first line. */
    char text[160];
    vajra_attr_schema_format(s, text, sizeof text);
    ck_assert_msg(vajra_attr_schema_find(s, "lang") >= 0 && vajra_attr_schema_find(s, "source") >= 0,
                  "%s", text);
    ck_assert_int_eq(vajra_attr_schema_type(s, (size_t)vajra_attr_schema_find(s, "lang")),
                     VAJRA_ATTR_KEYWORD);
    ck_assert_int_eq(vajra_attr_schema_type(s, (size_t)vajra_attr_schema_find(s, "tags")),
                     VAJRA_ATTR_TAGS);
    ck_assert_int_eq(vajra_attr_schema_type(s, (size_t)vajra_attr_schema_find(s, "year")),
                     VAJRA_ATTR_INT);
    ck_assert_int_eq(vajra_attr_schema_type(s, (size_t)vajra_attr_schema_find(s, "rating")),
                     VAJRA_ATTR_FLOAT);
    ck_assert_uint_eq(vajra_attr_schema_count(s), 5);
    vajra_attr_schema_free(s);

    /* Widening, objects/booleans left out, conflicts named. */
    const char *docs[] = {"{\"n\":1,\"k\":\"a\",\"o\":{\"x\":1},\"b\":true}", NULL,
                          "{\"n\":2.5,\"k\":[\"b\",\"c\"],\"z\":null}"};
    ck_assert_int_eq(vajra_attr_schema_infer(docs, NULL, 3, &s, &err), VAJRA_OK);
    vajra_attr_schema_format(s, text, sizeof text);
    ck_assert_str_eq(text, "n:float,k:tags");
    vajra_attr_schema_free(s);
    const char *clash[] = {"{\"n\":1}", "{\"m\":2}", "{\"n\":\"one\"}"};
    const char *ids[] = {"d1", "d2", "d3"};
    ck_assert_int_eq(vajra_attr_schema_infer(clash, ids, 3, &s, &err), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.message, "\"n\"") && strstr(err.message, "\"d1\"") &&
                  strstr(err.message, "\"d3\""), "%s", err.message);
    const char *notobj[] = {"[1,2]"};
    ck_assert_int_eq(vajra_attr_schema_infer(notobj, ids, 1, &s, &err), VAJRA_ERR_ENCODING);
}
END_TEST

/* ---- the JSONL reader's attribute texts ---- */

START_TEST(jsonl_attribute_texts)
{
    for (size_t i = 0; i < fx.n; i++) {
        const char *a = vajra_docset_attrs(fx.set, i);
        ck_assert_ptr_eq(a, fx.attrs[i]);
        json_error_t jerr;
        json_t *o = json_loads(a, 0, &jerr);
        ck_assert_msg(o != NULL, "%s", jerr.text);
        ck_assert_ptr_null(json_object_get(o, "_id"));
        ck_assert_ptr_null(json_object_get(o, "text"));
        ck_assert_ptr_null(json_object_get(o, "title"));
        ck_assert_str_eq(json_string_value(json_object_get(o, "source")), "cranfield");
        json_decref(o);
    }
    ck_assert_ptr_null(vajra_docset_attrs(fx.set, fx.n));
    ck_assert_ptr_null(fx.attrs[fx.n]);
    /* Lines without other fields have none; the vector field is not an attribute. */
    const char *text = "{\"_id\":\"a\",\"text\":\"x\"}\n{\"_id\":\"b\",\"vec\":[1,2],\"k\":\"v\"}\n";
    VajraJsonlOptions opts = {.vector_field = "vec"};
    VajraDocSet *set = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_docset_parse_jsonl(text, strlen(text), NULL, NULL, &set, &err),
                     VAJRA_OK);
    ck_assert_ptr_null(vajra_docset_attrs(set, 0));
    ck_assert_str_eq(vajra_docset_attrs(set, 1), "{\"vec\":[1,2],\"k\":\"v\"}");
    vajra_docset_free(set);
    ck_assert_int_eq(vajra_docset_parse_jsonl(text, strlen(text), NULL, &opts, &set, &err),
                     VAJRA_ERR_BAD_VALUE); /* line 1 has no vector: the reader's rule */
    const char *text2 = "{\"_id\":\"b\",\"vec\":[1,2],\"k\":\"v\"}\n";
    ck_assert_int_eq(vajra_docset_parse_jsonl(text2, strlen(text2), NULL, &opts, &set, &err),
                     VAJRA_OK);
    ck_assert_str_eq(vajra_docset_attrs(set, 0), "{\"k\":\"v\"}");
    vajra_docset_free(set);
}
END_TEST

/* ---- stores ---- */

START_TEST(append_and_get)
{
    VajraAttrStore *st = attr_fixture_store(&fx, 0, fx.n);
    ck_assert_uint_eq(vajra_attrs_count(st), fx.n);
    ck_assert(vajra_attr_schema_equal(vajra_attrs_schema(st), fx.schema));
    size_t missing_year = 0, empty_tags = 0;
    for (size_t i = 0; i < fx.n; i++) {
        attr_fixture_assert_row(&fx, st, (uint32_t)i, i);
        missing_year += !fx.docs[i].has_year;
        empty_tags += fx.docs[i].has_tags && fx.docs[i].ntags == 0;
    }
    ck_assert_uint_gt(missing_year, 100); /* the fixture exercises what it claims */
    ck_assert_uint_gt(empty_tags, 100);
    /* Wrong field types and out-of-range rows read as missing. */
    int64_t y;
    ck_assert_int_eq(vajra_attrs_get_int(st, 1, 3, &y), 0);
    ck_assert_int_eq(vajra_attrs_get_int(st, (uint32_t)fx.n, 2, &y), 0);
    ck_assert_ptr_null(vajra_attrs_get_keyword(st, 0, 99));
    ck_assert_ptr_null(vajra_attrs_get_tag(st, 0, 1, 99));
    vajra_attrs_free(st);
}
END_TEST

START_TEST(row_json_reads_back)
{
    VajraAttrStore *st = attr_fixture_store(&fx, 0, fx.n);
    VajraAttrStore *again = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_attrs_new(fx.schema, &again, &err), VAJRA_OK);
    char buf[512];
    for (size_t i = 0; i < fx.n; i++) {
        size_t n = vajra_attrs_row_json(st, (uint32_t)i, buf, sizeof buf);
        ck_assert_uint_lt(n, sizeof buf);
        const char *one[] = {buf};
        ck_assert_msg(vajra_attrs_append_json(again, one, NULL, 1, VAJRA_ATTRS_STRICT, &err) ==
                      VAJRA_OK, "%s: %s", buf, err.message);
        attr_fixture_assert_row(&fx, again, (uint32_t)i, i);
        char tiny[4];
        ck_assert_uint_eq(vajra_attrs_row_json(st, (uint32_t)i, tiny, sizeof tiny), n);
    }
    GBytes *a = attr_store_bytes(st), *b = attr_store_bytes(again);
    ck_assert(g_bytes_equal(a, b));
    g_bytes_unref(a);
    g_bytes_unref(b);
    ck_assert_uint_eq(vajra_attrs_row_json(st, (uint32_t)fx.n, buf, sizeof buf), 2);
    ck_assert_str_eq(buf, "{}");
    vajra_attrs_free(st);
    vajra_attrs_free(again);
}
END_TEST

START_TEST(append_errors_name_document_and_field)
{
    static const struct {
        const char *json;
        vajra_status code;
        const char *words;
    } cases[] = {
        {"{\"year\":\"1962\"}", VAJRA_ERR_TYPE_MISMATCH, "field \"year\" is int, got a string"},
        {"{\"year\":1962.5}", VAJRA_ERR_BAD_VALUE, "field \"year\" is int"},
        {"{\"lang\":3}", VAJRA_ERR_TYPE_MISMATCH, "field \"lang\" is keyword, got an integer"},
        {"{\"tags\":[\"a\",1]}", VAJRA_ERR_TYPE_MISMATCH, "field \"tags\" is tags"},
        {"{\"rating\":true}", VAJRA_ERR_TYPE_MISMATCH, "field \"rating\" is float"},
        {"{\"lang\":{\"x\":1}}", VAJRA_ERR_TYPE_MISMATCH, "field \"lang\""},
        {"[1]", VAJRA_ERR_ENCODING, "not a JSON object"},
        {"{\"lang\":", VAJRA_ERR_ENCODING, "bad JSON"},
    };
    VajraAttrStore *st = attr_fixture_store(&fx, 0, 10);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        /* A good document, then the bad one: nothing of the batch may stay. */
        const char *batch[] = {fx.attrs[20], cases[i].json};
        const char *ids[] = {fx.ids[20], "doc-x"};
        VajraError err = {0};
        ck_assert_int_eq(vajra_attrs_append_json(st, batch, ids, 2, 0, &err), cases[i].code);
        ck_assert_msg(strstr(err.message, "document \"doc-x\"") &&
                      strstr(err.message, cases[i].words), "%s: %s", cases[i].json, err.message);
        ck_assert_uint_eq(vajra_attrs_count(st), 10);
        ck_assert_int_eq(vajra_attrs_append_json(st, batch, NULL, 2, 0, &err), cases[i].code);
        ck_assert_msg(strstr(err.message, "document #1"), "%s", err.message);
        VajraError err2 = {0};
        ck_assert_int_eq(vajra_attrs_check_json(fx.schema, batch, NULL, 2, 0, &err2),
                         cases[i].code);
        ck_assert_str_eq(err2.message, err.message);
    }
    /* Strict mode refuses fields outside the schema; integral floats are ints; one string is one
     * tag; null is missing. */
    VajraError err = {0};
    const char *strict[] = {"{\"lang\":\"en\",\"colour\":\"red\"}"};
    ck_assert_int_eq(vajra_attrs_append_json(st, strict, NULL, 1, VAJRA_ATTRS_STRICT, &err),
                     VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_msg(strstr(err.message, "\"colour\" is not in the schema"), "%s", err.message);
    const char *ok[] = {"{\"year\":1962.0,\"tags\":\"wing\",\"lang\":null,\"rating\":2}", "", NULL};
    ck_assert_int_eq(vajra_attrs_check_json(fx.schema, ok, NULL, 3, VAJRA_ATTRS_STRICT, &err),
                     VAJRA_OK);
    ck_assert_int_eq(vajra_attrs_check_json(fx.schema, strict, NULL, 1, VAJRA_ATTRS_STRICT, &err),
                     VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_int_eq(vajra_attrs_append_json(st, ok, NULL, 3, VAJRA_ATTRS_STRICT, &err), VAJRA_OK);
    int64_t y;
    double r;
    size_t nt;
    ck_assert(vajra_attrs_get_int(st, 10, 2, &y) && y == 1962);
    ck_assert(vajra_attrs_get_tag_count(st, 10, 1, &nt) && nt == 1);
    ck_assert_str_eq(vajra_attrs_get_tag(st, 10, 1, 0), "wing");
    ck_assert_ptr_null(vajra_attrs_get_keyword(st, 10, 0));
    ck_assert(vajra_attrs_get_float(st, 10, 3, &r) && r == 2.0);
    for (uint32_t row = 11; row < 13; row++) {
        char buf[8];
        vajra_attrs_row_json(st, row, buf, sizeof buf);
        ck_assert_str_eq(buf, "{}");
    }
    ck_assert_int_eq(vajra_attrs_append_missing(st, 5, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_attrs_count(st), 18);
    vajra_attrs_free(st);
}
END_TEST

/* Appending in batches gives the bytes of appending at once (the index-functor law). */
START_TEST(batches_equal_one_append)
{
    VajraAttrStore *whole = attr_fixture_store(&fx, 0, fx.n);
    VajraAttrStore *parts = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_attrs_new(fx.schema, &parts, &err), VAJRA_OK);
    size_t cuts[] = {0, 1, 63, 64, 65, 500, 777, fx.n};
    for (size_t i = 0; i + 1 < G_N_ELEMENTS(cuts); i++)
        ck_assert_int_eq(vajra_attrs_append_json(parts, fx.attrs + cuts[i], fx.ids + cuts[i],
                                                 cuts[i + 1] - cuts[i], 0, &err), VAJRA_OK);
    GBytes *a = attr_store_bytes(whole), *b = attr_store_bytes(parts);
    ck_assert(g_bytes_equal(a, b));
    g_bytes_unref(a);
    g_bytes_unref(b);
    vajra_attrs_free(whole);
    vajra_attrs_free(parts);
}
END_TEST

START_TEST(append_rows_subsets)
{
    VajraAttrStore *src = attr_fixture_store(&fx, 0, fx.n);
    VajraError err = {0};
    /* All rows in order: the same store, byte for byte. */
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (uint32_t r = 0; r < fx.n; r++)
        g_array_append_val(rows, r);
    VajraAttrStore *dst = NULL;
    ck_assert_int_eq(vajra_attrs_new(fx.schema, &dst, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_attrs_append_rows(dst, src, (uint32_t *)(void *)rows->data, rows->len,
                                             &err), VAJRA_OK);
    GBytes *a = attr_store_bytes(src), *b = attr_store_bytes(dst);
    ck_assert(g_bytes_equal(a, b));
    g_bytes_unref(b);
    vajra_attrs_free(dst);
    /* Live rows of a compaction (every row not divisible by 3), then repeats and reversed. */
    g_array_set_size(rows, 0);
    for (uint32_t r = 0; r < fx.n; r++)
        if (r % 3)
            g_array_append_val(rows, r);
    for (uint32_t r = (uint32_t)fx.n; r-- > fx.n - 50;)
        g_array_append_val(rows, r);
    ck_assert_int_eq(vajra_attrs_new(fx.schema, &dst, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_attrs_append_missing(dst, 3, &err), VAJRA_OK); /* dst not empty */
    ck_assert_int_eq(vajra_attrs_append_rows(dst, src, (uint32_t *)(void *)rows->data, rows->len,
                                             &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_attrs_count(dst), 3 + rows->len);
    for (guint i = 0; i < rows->len; i++)
        attr_fixture_assert_row(&fx, dst, 3 + i, g_array_index(rows, uint32_t, i));
    /* Only one document's values: its dictionary entries only (smaller bytes than src). */
    uint32_t one = 1;
    VajraAttrStore *single = NULL;
    ck_assert_int_eq(vajra_attrs_new(fx.schema, &single, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_attrs_append_rows(single, src, &one, 1, &err), VAJRA_OK);
    attr_fixture_assert_row(&fx, single, 0, 1);
    b = attr_store_bytes(single);
    ck_assert_uint_lt(g_bytes_get_size(b), 400);
    g_bytes_unref(b);
    /* Errors: row out of range, different schema, same store. Nothing is appended. */
    uint32_t bad[] = {0, (uint32_t)fx.n};
    ck_assert_int_eq(vajra_attrs_append_rows(single, src, bad, 2, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(err.message, "rows[1]"), "%s", err.message);
    ck_assert_uint_eq(vajra_attrs_count(single), 1);
    ck_assert_int_eq(vajra_attrs_append_rows(single, single, &one, 0, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    VajraAttrSchema *other = NULL;
    vajra_attr_schema_parse("lang:keyword", &other, &err);
    VajraAttrStore *o = NULL;
    vajra_attrs_new(other, &o, &err);
    ck_assert_int_eq(vajra_attrs_append_rows(o, src, &one, 1, &err), VAJRA_ERR_TYPE_MISMATCH);
    vajra_attrs_free(o);
    vajra_attr_schema_free(other);
    g_bytes_unref(a);
    g_array_free(rows, TRUE);
    vajra_attrs_free(single);
    vajra_attrs_free(dst);
    vajra_attrs_free(src);
}
END_TEST

/* ---- persistence ---- */

START_TEST(save_load_round_trip)
{
    VajraAttrStore *st = attr_fixture_store(&fx, 0, fx.n);
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    VajraError err = {0};
    ck_assert_int_eq(vajra_attrs_save(st, &w, "seg7.attrs", &err), VAJRA_OK);
    ck_assert_int_eq(vajra_attrs_save(st, &w, "seg7.attrs", &err), VAJRA_ERR_DUPLICATE);
    ck_assert_msg(strstr(err.message, "seg7.attrs"), "%s", err.message);
    VajraSectionReader r = mem_sections_reader(m);
    VajraAttrStore *back = NULL;
    ck_assert_int_eq(vajra_attrs_load(&r, "attrs", &back, &err), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_null(back);
    ck_assert_msg(vajra_attrs_load(&r, "seg7.attrs", &back, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(vajra_attrs_count(back), fx.n);
    ck_assert(vajra_attr_schema_equal(vajra_attrs_schema(back), fx.schema));
    for (size_t i = 0; i < fx.n; i++)
        attr_fixture_assert_row(&fx, back, (uint32_t)i, i);
    GBytes *a = mem_sections_get(m, "seg7.attrs"), *b = attr_store_bytes(back);
    ck_assert(g_bytes_equal(a, b));
    g_bytes_unref(b);
    /* A loaded store takes appends like any other. */
    ck_assert_int_eq(vajra_attrs_append_json(back, fx.attrs, fx.ids, 70, 0, &err), VAJRA_OK);
    for (size_t i = 0; i < 70; i++)
        attr_fixture_assert_row(&fx, back, (uint32_t)(fx.n + i), i);
    vajra_attrs_free(back);
    /* Empty stores and stores without fields round-trip too. */
    VajraAttrSchema *none = NULL;
    vajra_attr_schema_parse("", &none, &err);
    VajraAttrStore *e = NULL;
    vajra_attrs_new(none, &e, &err);
    vajra_attrs_append_missing(e, 3, &err);
    b = attr_store_bytes(e);
    ck_assert_int_eq(vajra_attrs_load_bytes(g_bytes_get_data(b, NULL), g_bytes_get_size(b), &back,
                                            &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_attrs_count(back), 3);
    ck_assert_uint_eq(vajra_attr_schema_count(vajra_attrs_schema(back)), 0);
    vajra_attrs_free(back);
    g_bytes_unref(b);
    vajra_attrs_free(e);
    vajra_attr_schema_free(none);
    mem_sections_free(m);
    vajra_attrs_free(st);
}
END_TEST

/* The documented checksum: FNV-1a 64 over the section without its bytes 32..39. */
static uint64_t section_checksum(const uint8_t *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        if (i < 32 || i >= 40)
            h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Load `len` bytes of `data` (copied, so ASan sees reads past the end): the status. A store that
 * loads is walked completely. */
static vajra_status try_load(const uint8_t *data, size_t len, VajraError *err)
{
    uint8_t *copy = g_memdup2(data, len ? len : 1);
    VajraAttrStore *st = NULL;
    vajra_status s = vajra_attrs_load_bytes(copy, len, &st, err);
    if (s == VAJRA_OK) {
        char buf[1024];
        for (uint32_t r = 0; r < vajra_attrs_count(st); r++)
            vajra_attrs_row_json(st, r, buf, sizeof buf);
        GBytes *b = attr_store_bytes(st);
        g_bytes_unref(b);
        vajra_attrs_free(st);
    } else {
        ck_assert_ptr_null(st);
        ck_assert_int_eq(err->code, s);
        ck_assert(err->message[0] != '\0');
    }
    g_free(copy);
    return s;
}

START_TEST(truncation_and_bit_flips)
{
    /* 40 documents: small enough to flip every bit. */
    VajraAttrStore *st = attr_fixture_store(&fx, 60, 40);
    GBytes *b = attr_store_bytes(st);
    size_t len;
    const uint8_t *data = g_bytes_get_data(b, &len);
    VajraError err = {0};
    ck_assert_int_eq(try_load(data, len, &err), VAJRA_OK);
    /* Under valgrind (VAJRA_TEST_LIGHT=1) every 13th length and bit; otherwise all of them. */
    size_t step = getenv("VAJRA_TEST_LIGHT") ? 13 : 1;
    for (size_t n = 0; n < len; n += step)
        ck_assert_msg(try_load(data, n, &err) == VAJRA_ERR_CORRUPT, "truncated to %zu: %s", n,
                      err.message);
    uint8_t *flip = g_memdup2(data, len);
    for (size_t bit = 0; bit < len * 8; bit += step) {
        flip[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        vajra_status s = try_load(flip, len, &err);
        ck_assert_msg(s == VAJRA_ERR_CORRUPT || (bit / 8 >= 8 && bit / 8 < 12 && s == VAJRA_ERR_VERSION),
                      "bit %zu: %s", bit, vajra_strerror(s));
        flip[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    /* The same flips with the checksum made to match again: the structural checks must catch
     * what they can, and whatever loads must be a valid store (walked above, under ASan). */
    size_t structural = 0, loaded = 0;
    for (size_t bit = 0; bit < len * 8; bit += step) {
        if (bit / 8 >= 32 && bit / 8 < 40)
            continue; /* the checksum itself */
        flip[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        uint64_t h = section_checksum(flip, len);
        memcpy(flip + 32, &h, 8);
        vajra_status s = try_load(flip, len, &err);
        ck_assert_msg(s == VAJRA_OK || s == VAJRA_ERR_CORRUPT || s == VAJRA_ERR_VERSION,
                      "bit %zu: %s", bit, vajra_strerror(s));
        structural += s == VAJRA_ERR_CORRUPT;
        loaded += s == VAJRA_OK;
        flip[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    ck_assert_uint_gt(structural, len * 8 / step / 4);
    ck_assert_uint_gt(loaded, 0); /* e.g. a flipped value bit: a different, valid store */
    /* A newer format version is VERSION, not CORRUPT. */
    memcpy(flip, data, len);
    uint32_t v = 2;
    memcpy(flip + 8, &v, 4);
    ck_assert_int_eq(try_load(flip, len, &err), VAJRA_ERR_VERSION);
    g_free(flip);
    g_bytes_unref(b);
    vajra_attrs_free(st);
}
END_TEST

/* The fixture file for the command line (tests/data/cranfield100-attrs.jsonl, written by
 * tests/data/make-cranfield-attrs.py) holds the attributes this suite derives itself. */
START_TEST(data_fixture_agrees)
{
    const char *dir = getenv("VAJRA_TEST_DATA");
    char *path = g_build_filename(dir && *dir ? dir : "tests/data", "cranfield100-attrs.jsonl",
                                  NULL);
    VajraDocSet *set = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_docset_read_jsonl(path, NULL, &set, &err) == VAJRA_OK, "%s", err.message);
    g_free(path);
    ck_assert_uint_eq(vajra_docset_count(set), 100);
    VajraAttrSchema *inferred = NULL;
    ck_assert_int_eq(vajra_attr_schema_infer(vajra_docset_attrs_all(set), vajra_docset_ids(set),
                                             100, &inferred, &err), VAJRA_OK);
    char text[128];
    vajra_attr_schema_format(inferred, text, sizeof text);
    ck_assert_str_eq(text, "lang:keyword,year:int,tags:tags,rating:float,source:keyword");
    VajraAttrStore *st = NULL;
    ck_assert_int_eq(vajra_attrs_new(fx.schema, &st, &err), VAJRA_OK);
    ck_assert_msg(vajra_attrs_append_json(st, vajra_docset_attrs_all(set), vajra_docset_ids(set),
                                          100, 0, &err) == VAJRA_OK, "%s", err.message);
    for (uint32_t i = 0; i < 100; i++) {
        ck_assert_str_eq(vajra_docset_ids(set)[i], fx.ids[i]);
        attr_fixture_assert_row(&fx, st, i, i);
    }
    vajra_attrs_free(st);
    vajra_attr_schema_free(inferred);
    vajra_docset_free(set);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("attrs");
    TCase *t = tcase_create("attrs");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, schema_parse_format_find);
    tcase_add_test(t, schema_errors);
    tcase_add_test(t, schema_infer);
    tcase_add_test(t, jsonl_attribute_texts);
    tcase_add_test(t, append_and_get);
    tcase_add_test(t, row_json_reads_back);
    tcase_add_test(t, append_errors_name_document_and_field);
    tcase_add_test(t, batches_equal_one_append);
    tcase_add_test(t, append_rows_subsets);
    tcase_add_test(t, save_load_round_trip);
    tcase_add_test(t, truncation_and_bit_flips);
    tcase_add_test(t, data_fixture_agrees);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return attr_fixture_run(suite());
}
