/* libFuzzer target: the filter parser, printer and compiler (vajra_filter_parse & co).
 *
 * The input is filter text. A text that parses must print to a canonical text that parses back
 * to the same canonical text, type-check or fail with a message, and compile on a small store
 * (both id lookups giving the same bitmap, `passing` equal to the bits set, nothing set past
 * nbits). Any mismatch aborts; ASan catches the rest, LeakSanitizer the leaks. */
#include "fuzz_util.h"
#include "vajra/attrs.h"
#include "vajra/filter_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NDOCS 9
#define NBITS 12 /* more than the store's rows: the last ones have no values */

static const char *const ids[NDOCS] = {"1", "2", "3", "40", "x", "y z", "\xc3\xa9", "8", "9"};
static const char *const rows[NDOCS] = {
    "{\"lang\":\"en\",\"tags\":[\"wing\",\"flow\"],\"year\":1962,\"rating\":4.5,\"odd name\":\"a\"}",
    "{\"lang\":\"fr\",\"tags\":[],\"year\":-3,\"rating\":-0.25}",
    "{\"tags\":\"wing\",\"year\":9223372036854775807}",
    NULL,
    "{\"lang\":\"\",\"rating\":1e300,\"odd name\":\"b\\\"c\"}",
    "{\"lang\":\"en\",\"tags\":[\"heat\",\"wing\",\"heat\"],\"year\":1962.0}",
    "{\"lang\":\"Z\\u00fcrich\",\"year\":-9223372036854775808,\"rating\":0}",
    "{\"tags\":[\"\\ud83d\\ude00\"],\"rating\":2}",
    "{}",
};

static VajraAttrStore *store(void)
{
    static VajraAttrStore *st;
    if (st == NULL) {
        VajraError err = {0};
        VajraAttrSchema *s = NULL;
        if (vajra_attr_schema_parse("lang:keyword, tags:tags, year:int, rating:float, "
                                    "odd name:keyword", &s, &err) != VAJRA_OK ||
            vajra_attrs_new(s, &st, &err) != VAJRA_OK ||
            vajra_attrs_append_json(st, rows, ids, NDOCS, 0, &err) != VAJRA_OK) {
            fprintf(stderr, "fuzz: store: %s\n", err.message);
            abort();
        }
        vajra_attr_schema_free(s);
    }
    return st;
}

static int find_id(void *ctx, const char *id, uint32_t *doc)
{
    (void)ctx;
    for (uint32_t i = 0; i < NDOCS; i++)
        if (strcmp(ids[i], id) == 0) {
            *doc = i;
            return 1;
        }
    return 0;
}

static const char *id_of(void *ctx, uint32_t doc)
{
    (void)ctx;
    return doc < NDOCS ? ids[doc] : NULL;
}

static char *print(const VajraFilterExpr *e)
{
    size_t n = vajra_filter_print(e, NULL, 0);
    char *s = malloc(n + 1);
    if (s == NULL || vajra_filter_print(e, s, n + 1) != n || strlen(s) != n)
        abort();
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    VajraFilterExpr *e = NULL;
    VajraError err = {0};
    vajra_status st = vajra_filter_parse(text, &e, &err);
    fuzz_check_error(st, &err, "vajra_filter_parse");
    free(text);
    if (st != VAJRA_OK) {
        if (e != NULL)
            abort();
        return 0;
    }
    char *canon = print(e);
    VajraFilterExpr *again = NULL;
    if (vajra_filter_parse(canon, &again, &err) != VAJRA_OK) {
        fprintf(stderr, "fuzz: canonical text \"%s\" does not parse: %s\n", canon, err.message);
        abort();
    }
    char *canon2 = print(again);
    if (strcmp(canon, canon2) != 0) {
        fprintf(stderr, "fuzz: \"%s\" prints back as \"%s\"\n", canon, canon2);
        abort();
    }
    VajraFilterContext a = {.struct_size = sizeof a, .attrs = store(), .find_id = find_id};
    VajraFilterContext b = {.struct_size = sizeof b, .attrs = store(), .id_of = id_of};
    uint64_t wa = 0, wb = 0;
    uint32_t pa = 0, pb = 0;
    st = vajra_filter_compile(e, &a, NBITS, &wa, &pa, &err);
    fuzz_check_error(st, &err, "vajra_filter_compile");
    if (st == VAJRA_OK) {
        if (vajra_filter_compile(again, &b, NBITS, &wb, &pb, &err) != VAJRA_OK || wa != wb ||
            pa != pb || pa != (uint32_t)__builtin_popcountll(wa) || (wa >> NBITS) != 0)
            abort();
    } else if (vajra_filter_check(e, vajra_attrs_schema(store()), &err) == VAJRA_OK &&
               st != VAJRA_ERR_NO_MEMORY) {
        abort(); /* only type errors may stop a compilation here */
    }
    VajraFilterExpr *copy = vajra_filter_copy(e);
    char *canon3 = print(copy);
    if (strcmp(canon, canon3) != 0)
        abort();
    free(canon3);
    vajra_filter_free(copy);
    free(canon);
    free(canon2);
    vajra_filter_free(again);
    vajra_filter_free(e);
    return 0;
}
