/* libFuzzer target: loading attribute stores (vajra_attrs_load_bytes).
 *
 * The first byte picks the mode: bit 0 set = make the checksum match the (mutated) bytes before
 * loading, so mutations reach the structural validation behind it; the rest is the section. A
 * store that loads must be canonical — saving it gives back exactly the input — and is walked
 * completely (JSON view of every row; EXISTS(field) compiled for every field must count the rows
 * the getters say have a value). */
#include "fuzz_util.h"
#include "vajra/attrs.h"
#include "vajra/filter_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FNV-1a 64 over the section but its bytes 32..39 (docs/filters.md). */
static uint64_t checksum(const uint8_t *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        if (i < 32 || i >= 40)
            h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

typedef struct Capture {
    uint8_t *data;
    size_t len;
} Capture;

static vajra_status capture(void *self, const char *name, const void *data, size_t len,
                            VajraError *err)
{
    (void)name;
    (void)err;
    Capture *c = self;
    c->data = malloc(len ? len : 1);
    if (c->data == NULL)
        abort();
    memcpy(c->data, data, len);
    c->len = len;
    return VAJRA_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1); /* exact size: ASan sees any read past the end */
    if (buf == NULL)
        abort();
    memcpy(buf, data + 1, len);
    if ((data[0] & 1) && len >= 64) {
        uint64_t h = checksum(buf, len);
        memcpy(buf + 32, &h, 8);
    }
    VajraAttrStore *st = NULL;
    VajraError err = {0};
    vajra_status s = vajra_attrs_load_bytes(buf, len, &st, &err);
    fuzz_check_error(s, &err, "vajra_attrs_load_bytes");
    if (s != VAJRA_OK) {
        if (st != NULL)
            abort();
        free(buf);
        return 0;
    }
    Capture c = {0};
    VajraSectionWriter w = {&c, capture};
    if (vajra_attrs_save(st, &w, NULL, &err) != VAJRA_OK || c.len != len ||
        memcmp(c.data, buf, len) != 0) {
        fprintf(stderr, "fuzz: a loaded store does not save to the same bytes\n");
        abort();
    }
    free(c.data);
    uint32_t rows = vajra_attrs_count(st);
    char json[256];
    /* A store with no fields holds any number of rows in a few bytes (a 65-byte input declared
     * ~10^8 and timed out here): the rows' JSON is checked on the first 65,536 only. */
    for (uint32_t r = 0; r < rows && r < 65536u; r++)
        vajra_attrs_row_json(st, r, json, sizeof json);
    const VajraAttrSchema *schema = vajra_attrs_schema(st);
    uint64_t *words = calloc(((size_t)rows + 63) / 64 + 1, 8);
    for (size_t f = 0; f < vajra_attr_schema_count(schema); f++) {
        VajraFilterExpr *e = NULL;
        if (vajra_filter_exists(vajra_attr_schema_name(schema, f), &e, &err) != VAJRA_OK)
            abort();
        VajraFilterContext ctx = {.struct_size = sizeof ctx, .attrs = st};
        uint32_t passing = 0, expect = 0;
        if (vajra_filter_compile(e, &ctx, rows, words, &passing, &err) != VAJRA_OK)
            abort();
        for (uint32_t r = 0; r < rows; r++) {
            size_t nt;
            expect += vajra_attrs_get_int(st, r, f, NULL) || vajra_attrs_get_float(st, r, f, NULL) ||
                      vajra_attrs_get_keyword(st, r, f) != NULL ||
                      vajra_attrs_get_tag_count(st, r, f, &nt);
        }
        if (passing != expect)
            abort();
        vajra_filter_free(e);
    }
    free(words);
    vajra_attrs_free(st);
    free(buf);
    return 0;
}
