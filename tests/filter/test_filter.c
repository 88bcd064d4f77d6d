/* Tests for filter expressions (include/vajra/filter_expr.h): the parser's messages and columns,
 * canonical printing and round trips, constructors, and compilation against the test's own
 * per-document evaluation of hundreds of random expressions over Cranfield documents with
 * derived attributes (attr_fixture.h), including missing values, id allow-sets and segments. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_fixture.h"
#include "vajra/filter_expr.h"

static AttrFixture fx;
static VajraAttrStore *store;

static void setup(void)
{
    attr_fixture_load(&fx, 1400);
    store = attr_fixture_store(&fx, 0, fx.n);
}

static void teardown(void)
{
    vajra_attrs_free(store);
    attr_fixture_free(&fx);
}

/* ---- id lookups over the fixture's documents [base, base + count) ---- */

typedef struct IdRange {
    size_t base, count;
} IdRange;

static int find_id(void *ctx, const char *id, uint32_t *doc)
{
    const IdRange *r = ctx;
    long i = vajra_docset_find(fx.set, id);
    if (i < 0 || (size_t)i < r->base || (size_t)i >= r->base + r->count)
        return 0;
    *doc = (uint32_t)((size_t)i - r->base);
    return 1;
}

static const char *id_of(void *ctx, uint32_t doc)
{
    const IdRange *r = ctx;
    return doc < r->count ? fx.ids[r->base + doc] : NULL;
}

static VajraFilterContext context(const VajraAttrStore *st, IdRange *r, int by_id_of)
{
    VajraFilterContext c = {.struct_size = sizeof c, .attrs = st, .id_ctx = r};
    if (by_id_of)
        c.id_of = id_of;
    else
        c.find_id = find_id;
    return c;
}

/* Compile text over the whole fixture; returns the words (g_free) and sets *passing. */
static uint64_t *compile_text(const char *text, uint32_t nbits, uint32_t *passing)
{
    VajraError err = {0};
    VajraFilterExpr *e = NULL;
    ck_assert_msg(vajra_filter_parse(text, &e, &err) == VAJRA_OK, "%s: %s", text, err.message);
    IdRange r = {0, fx.n};
    VajraFilterContext c = context(store, &r, 0);
    uint64_t *w = g_new0(uint64_t, (nbits + 63) / 64 + 1);
    ck_assert_msg(vajra_filter_compile(e, &c, nbits, w, passing, &err) == VAJRA_OK, "%s: %s",
                  text, err.message);
    vajra_filter_free(e);
    return w;
}

static int bit(const uint64_t *w, uint32_t d)
{
    return (int)((w[d / 64] >> (d % 64)) & 1u);
}

/* ---- the oracle: random expressions the test evaluates itself ---- */

enum { K_CONST, K_CMP, K_IN, K_EXISTS, K_AND, K_OR, K_NOT };
enum { F_LANG, F_TAGS, F_YEAR, F_RATING, F_ID, F_COUNT };
static const char *const field_names[F_COUNT] = {"lang", "tags", "year", "rating", "_id"};

typedef struct TVal {
    int is_str, is_float;
    const char *s;
    int64_t i;
    double f;
} TVal;

typedef struct TNode {
    int kind, cval, field;
    VajraFilterOp op;
    int nvals;
    TVal vals[4];
    struct TNode *a, *b;
} TNode;

static void tnode_free(TNode *t)
{
    if (t) {
        tnode_free(t->a);
        tnode_free(t->b);
        g_free(t);
    }
}

static TVal random_value(GRand *g, int field)
{
    TVal v = {0};
    switch (field) {
    case F_LANG:
        v.is_str = 1;
        v.s = g_rand_int_range(g, 0, 6) ? fix_langs[g_rand_int_range(g, 0, FIX_NLANGS)] : "xx";
        break;
    case F_TAGS:
        v.is_str = 1;
        v.s = g_rand_int_range(g, 0, 8) ? fix_tag_words[g_rand_int_range(g, 0, FIX_NTAGWORDS)]
                                        : "zzz";
        break;
    case F_ID:
        v.is_str = 1;
        v.s = g_rand_int_range(g, 0, 8) ? fx.ids[g_rand_int_range(g, 0, (gint32)fx.n)] : "nope";
        break;
    case F_YEAR:
        if (g_rand_int_range(g, 0, 3) == 0) {
            v.is_float = 1;
            v.f = g_rand_int_range(g, 1935, 1996) + (g_rand_boolean(g) ? 0.5 : 0.0);
        } else {
            v.i = g_rand_int_range(g, 1935, 1996);
        }
        break;
    default: /* rating: an existing value, a near one, or an integer */
        if (g_rand_int_range(g, 0, 3) == 0) {
            v.i = g_rand_int_range(g, -4, 9);
        } else {
            v.is_float = 1;
            v.f = fx.docs[g_rand_int_range(g, 0, (gint32)fx.n)].rating;
            if (g_rand_boolean(g))
                v.f += 0.005;
        }
    }
    return v;
}

static TNode *random_tree(GRand *g, int depth)
{
    TNode *t = g_new0(TNode, 1);
    int r = g_rand_int_range(g, 0, 100);
    if (depth > 0 && r < 45) {
        t->kind = r < 20 ? K_AND : r < 38 ? K_OR : K_NOT;
        t->a = random_tree(g, depth - 1);
        if (t->kind != K_NOT)
            t->b = random_tree(g, depth - 1);
        return t;
    }
    r = g_rand_int_range(g, 0, 100);
    t->field = g_rand_int_range(g, 0, F_COUNT);
    if (r < 3) {
        t->kind = K_CONST;
        t->cval = g_rand_boolean(g);
    } else if (r < 12) {
        t->kind = K_EXISTS;
    } else if (r < 30) {
        t->kind = K_IN;
        t->nvals = g_rand_int_range(g, 0, 4);
        for (int i = 0; i < t->nvals; i++)
            t->vals[i] = random_value(g, t->field);
    } else {
        t->kind = K_CMP;
        int numeric = t->field == F_YEAR || t->field == F_RATING;
        t->op = numeric ? (VajraFilterOp)g_rand_int_range(g, 1, 7)
                        : (VajraFilterOp)g_rand_int_range(g, 1, 3);
        t->nvals = 1;
        t->vals[0] = random_value(g, t->field);
    }
    return t;
}

static void text_value(GString *s, const TVal *v)
{
    if (v->is_str) {
        g_string_append_printf(s, "\"%s\"", v->s);
    } else if (!v->is_float) {
        g_string_append_printf(s, "%lld", (long long)v->i);
    } else {
        char buf[40];
        snprintf(buf, sizeof buf, "%.17g", v->f);
        g_string_append(s, buf);
        if (!strpbrk(buf, ".e"))
            g_string_append(s, ".0");
    }
}

/* Text with random keyword case and spacing; every binary operation in parentheses. */
static void text_of(GRand *g, GString *s, const TNode *t)
{
    static const char *const ops[] = {"?", "=", "!=", "<", "<=", ">", ">="};
    static const char *const and_forms[] = {" AND ", " and ", "\tAnd\n"};
    static const char *const or_forms[] = {" OR ", " or ", "  oR "};
    const char *sp = g_rand_boolean(g) ? " " : "";
    switch (t->kind) {
    case K_CONST: g_string_append(s, t->cval ? "TRUE" : "false"); return;
    case K_EXISTS: g_string_append_printf(s, "EXISTS(%s)", field_names[t->field]); return;
    case K_CMP:
        g_string_append_printf(s, "%s%s%s%s", field_names[t->field], sp, ops[t->op], sp);
        text_value(s, &t->vals[0]);
        return;
    case K_IN:
        g_string_append_printf(s, "%s in [", field_names[t->field]);
        for (int i = 0; i < t->nvals; i++) {
            if (i)
                g_string_append(s, ",");
            text_value(s, &t->vals[i]);
        }
        g_string_append(s, "]");
        return;
    case K_NOT:
        g_string_append(s, g_rand_boolean(g) ? "NOT " : "not ");
        g_string_append_c(s, '(');
        text_of(g, s, t->a);
        g_string_append_c(s, ')');
        return;
    default:
        g_string_append_c(s, '(');
        text_of(g, s, t->a);
        g_string_append(s, (t->kind == K_AND ? and_forms : or_forms)[g_rand_int_range(g, 0, 3)]);
        text_of(g, s, t->b);
        g_string_append_c(s, ')');
    }
}

/* The same tree through the constructors. */
static VajraFilterExpr *construct(const TNode *t)
{
    VajraFilterExpr *e = NULL;
    VajraError err = {0};
    const char *f = field_names[t->field];
    vajra_status st = VAJRA_OK;
    switch (t->kind) {
    case K_CONST: st = vajra_filter_const(t->cval, &e, &err); break;
    case K_EXISTS: st = vajra_filter_exists(f, &e, &err); break;
    case K_CMP:
        if (t->vals[0].is_str)
            st = vajra_filter_cmp_string(f, t->op, t->vals[0].s, &e, &err);
        else if (t->vals[0].is_float)
            st = vajra_filter_cmp_float(f, t->op, t->vals[0].f, &e, &err);
        else
            st = vajra_filter_cmp_int(f, t->op, t->vals[0].i, &e, &err);
        break;
    case K_IN: {
        int strs = t->field == F_LANG || t->field == F_TAGS || t->field == F_ID;
        if (strs || t->nvals == 0) {
            const char *v[4];
            for (int i = 0; i < t->nvals; i++)
                v[i] = t->vals[i].s;
            st = t->field == F_ID ? vajra_filter_ids(v, (size_t)t->nvals, &e, &err)
                                  : vajra_filter_in_strings(f, v, (size_t)t->nvals, &e, &err);
        } else {
            /* Mixed int/float lists: IN of ints where possible, else an OR of equalities is
             * a different tree, so such lists are built by parsing their canonical text. */
            int ints = 1;
            int64_t v[4];
            for (int i = 0; i < t->nvals; i++) {
                ints &= !t->vals[i].is_float;
                v[i] = t->vals[i].i;
            }
            if (!ints)
                return NULL;
            st = vajra_filter_in_ints(f, v, (size_t)t->nvals, &e, &err);
        }
        break;
    }
    case K_NOT: {
        VajraFilterExpr *a = construct(t->a);
        if (a == NULL)
            return NULL;
        st = vajra_filter_not(a, &e, &err);
        break;
    }
    default: {
        VajraFilterExpr *a = construct(t->a), *b = a ? construct(t->b) : NULL;
        if (a == NULL || b == NULL) {
            vajra_filter_free(a);
            return NULL;
        }
        st = (t->kind == K_AND ? vajra_filter_and : vajra_filter_or)(a, b, &e, &err);
    }
    }
    ck_assert_msg(st == VAJRA_OK, "%s", err.message);
    return e;
}

static int cmp_num(double a, const TVal *v)
{
    double b = v->is_float ? v->f : (double)v->i;
    return (a > b) - (a < b);
}

/* Which outcomes of a three-way comparison (less, equal, greater) each operator accepts. */
static int op_holds(VajraFilterOp op, int c)
{
    static const char accepts[7][4] = {"", "010", "101", "100", "110", "001", "011"};
    return accepts[op][c < 0 ? 0 : c == 0 ? 1 : 2] == '1';
}

static int has_tag(const FixDoc *d, const char *s)
{
    for (int k = 0; k < d->ntags; k++)
        if (strcmp(fix_tag_words[d->tags[k]], s) == 0)
            return 1;
    return 0;
}

/* Does value i of t match document d (equality / containment)? */
static int matches(const TNode *t, const FixDoc *d, int i)
{
    const TVal *v = &t->vals[i];
    switch (t->field) {
    case F_LANG: return strcmp(d->lang, v->s) == 0;
    case F_TAGS: return has_tag(d, v->s);
    case F_ID: return strcmp(d->id, v->s) == 0;
    case F_YEAR: return cmp_num((double)d->year, v) == 0;
    default: return cmp_num(d->rating, v) == 0;
    }
}

static int present(const TNode *t, const FixDoc *d)
{
    switch (t->field) {
    case F_LANG: return d->has_lang;
    case F_TAGS: return d->has_tags;
    case F_YEAR: return d->has_year;
    case F_RATING: return d->has_rating;
    default: return 1;
    }
}

/* The documented semantics, written independently of the library. */
static int eval_doc(const TNode *t, const FixDoc *d)
{
    switch (t->kind) {
    case K_CONST: return t->cval;
    case K_EXISTS: return present(t, d);
    case K_AND: return eval_doc(t->a, d) && eval_doc(t->b, d);
    case K_OR: return eval_doc(t->a, d) || eval_doc(t->b, d);
    case K_NOT: return !eval_doc(t->a, d);
    case K_IN:
        if (!present(t, d))
            return 0;
        for (int i = 0; i < t->nvals; i++)
            if (matches(t, d, i))
                return 1;
        return 0;
    default:
        if (!present(t, d))
            return 0;
        if (t->field == F_YEAR)
            return op_holds(t->op, cmp_num((double)d->year, &t->vals[0]));
        if (t->field == F_RATING)
            return op_holds(t->op, cmp_num(d->rating, &t->vals[0]));
        return t->op == VAJRA_FILTER_EQ ? matches(t, d, 0) : !matches(t, d, 0);
    }
}

static char *print_expr(const VajraFilterExpr *e)
{
    size_t n = vajra_filter_print(e, NULL, 0);
    char *s = g_malloc(n + 1);
    ck_assert_uint_eq(vajra_filter_print(e, s, n + 1), n);
    return s;
}

START_TEST(random_expressions_match_brute_force)
{
    GRand *g = g_rand_new_with_seed(12u);
    uint32_t nbits = (uint32_t)fx.n;
    uint64_t *w = g_new0(uint64_t, (nbits + 63) / 64);
    uint64_t *w2 = g_new0(uint64_t, (nbits + 63) / 64);
    size_t nonempty = 0, notall = 0;
    int iters = getenv("VAJRA_TEST_LIGHT") ? 200 : 600; /* valgrind runs fewer */
    for (int iter = 0; iter < iters; iter++) {
        TNode *t = random_tree(g, 1 + iter % 5);
        GString *text = g_string_new(NULL);
        text_of(g, text, t);
        VajraError err = {0};
        VajraFilterExpr *e = NULL;
        ck_assert_msg(vajra_filter_parse(text->str, &e, &err) == VAJRA_OK, "%s: %s", text->str,
                      err.message);
        IdRange r = {0, fx.n};
        VajraFilterContext c = context(store, &r, iter % 4 == 3);
        uint32_t passing = 0;
        ck_assert_msg(vajra_filter_compile(e, &c, nbits, w, &passing, &err) == VAJRA_OK,
                      "%s: %s", text->str, err.message);
        uint32_t expect = 0;
        for (uint32_t d = 0; d < nbits; d++) {
            int want = eval_doc(t, &fx.docs[d]);
            ck_assert_msg(bit(w, d) == want, "%s: document %s: library %d, oracle %d", text->str,
                          fx.ids[d], bit(w, d), want);
            expect += (uint32_t)want;
        }
        ck_assert_uint_eq(passing, expect);
        nonempty += expect > 0;
        notall += expect < nbits;
        /* Canonical text: parses to the same tree, and the constructors build that tree. */
        char *canon = print_expr(e);
        VajraFilterExpr *again = NULL;
        ck_assert_msg(vajra_filter_parse(canon, &again, &err) == VAJRA_OK, "%s: %s", canon,
                      err.message);
        char *canon2 = print_expr(again);
        ck_assert_str_eq(canon, canon2);
        ck_assert_int_eq(vajra_filter_compile(again, &c, nbits, w2, NULL, &err), VAJRA_OK);
        ck_assert(memcmp(w, w2, (nbits + 63) / 64 * 8) == 0);
        VajraFilterExpr *built = construct(t);
        if (built) {
            char *canon3 = print_expr(built);
            ck_assert_str_eq(canon, canon3);
            g_free(canon3);
        }
        VajraFilterExpr *copy = vajra_filter_copy(e);
        char *canon4 = print_expr(copy);
        ck_assert_str_eq(canon, canon4);
        g_free(canon4);
        vajra_filter_free(copy);
        vajra_filter_free(built);
        vajra_filter_free(again);
        g_free(canon);
        g_free(canon2);
        vajra_filter_free(e);
        g_string_free(text, TRUE);
        tnode_free(t);
    }
    /* The random filters are not all trivial. */
    ck_assert_uint_gt(nonempty, (size_t)iters / 2);
    ck_assert_uint_gt(notall, (size_t)iters / 2);
    g_free(w);
    g_free(w2);
    g_rand_free(g);
}
END_TEST

/* Two segments, each with its own store and ids: the bitmaps side by side are the whole one. */
START_TEST(per_segment_compilation)
{
    GRand *g = g_rand_new_with_seed(34u);
    size_t cut = 613;
    VajraAttrStore *seg[2] = {attr_fixture_store(&fx, 0, cut),
                              attr_fixture_store(&fx, cut, fx.n - cut)};
    IdRange ranges[2] = {{0, cut}, {cut, fx.n - cut}};
    uint64_t *whole = g_new0(uint64_t, (fx.n + 63) / 64);
    uint64_t *part = g_new0(uint64_t, (fx.n + 63) / 64);
    for (int iter = 0; iter < 150; iter++) {
        TNode *t = random_tree(g, 3);
        GString *text = g_string_new(NULL);
        text_of(g, text, t);
        VajraError err = {0};
        VajraFilterExpr *e = NULL;
        ck_assert_int_eq(vajra_filter_parse(text->str, &e, &err), VAJRA_OK);
        IdRange all = {0, fx.n};
        VajraFilterContext c = context(store, &all, 0);
        uint32_t total = 0, sum = 0;
        ck_assert_int_eq(vajra_filter_compile(e, &c, (uint32_t)fx.n, whole, &total, &err),
                         VAJRA_OK);
        for (int s = 0; s < 2; s++) {
            VajraFilterContext cs = context(seg[s], &ranges[s], s);
            uint32_t p = 0;
            ck_assert_int_eq(vajra_filter_compile(e, &cs, (uint32_t)ranges[s].count, part, &p,
                                                  &err), VAJRA_OK);
            sum += p;
            for (uint32_t d = 0; d < ranges[s].count; d++)
                ck_assert_msg(bit(part, d) == bit(whole, (uint32_t)ranges[s].base + d),
                              "%s: segment %d document %u", text->str, s, d);
        }
        ck_assert_uint_eq(sum, total);
        vajra_filter_free(e);
        g_string_free(text, TRUE);
        tnode_free(t);
    }
    vajra_attrs_free(seg[0]);
    vajra_attrs_free(seg[1]);
    g_free(whole);
    g_free(part);
    g_rand_free(g);
}
END_TEST

START_TEST(missing_value_semantics)
{
    uint32_t n = (uint32_t)fx.n, eq, ne, absent, not_eq, all;
    g_free(compile_text("lang = \"en\"", n, &eq));
    g_free(compile_text("lang != \"en\"", n, &ne));
    g_free(compile_text("NOT EXISTS(lang)", n, &absent));
    g_free(compile_text("NOT lang = \"en\"", n, &not_eq));
    g_free(compile_text("lang = \"en\" OR NOT lang = \"en\"", n, &all));
    ck_assert_uint_gt(absent, 0);
    ck_assert_uint_gt(eq, 0);
    ck_assert_uint_eq(eq + ne + absent, n);     /* != leaves out documents without lang */
    ck_assert_uint_eq(not_eq, n - eq);          /* NOT is plain complement */
    ck_assert_uint_eq(all, n);
    /* Tags: an empty list is present (EXISTS) but contains nothing. */
    uint32_t exists_tags, has_wing, not_wing, empty;
    g_free(compile_text("EXISTS(tags)", n, &exists_tags));
    g_free(compile_text("tags = \"wing\"", n, &has_wing));
    g_free(compile_text("tags != \"wing\"", n, &not_wing));
    uint64_t *w = compile_text("EXISTS(tags) AND NOT tags IN [\"wing\", \"flow\", \"boundary\", "
                               "\"layer\", \"heat\", \"shock\", \"supersonic\", \"pressure\", "
                               "\"plate\", \"cone\", \"jet\", \"transfer\"]", n, &empty);
    ck_assert_uint_eq(has_wing + not_wing, exists_tags);
    uint32_t expect_empty = 0;
    for (uint32_t d = 0; d < n; d++) {
        int want = fx.docs[d].has_tags && fx.docs[d].ntags == 0;
        expect_empty += (uint32_t)want;
        ck_assert_int_eq(bit(w, d), want);
    }
    ck_assert_uint_eq(empty, expect_empty);
    ck_assert_uint_gt(empty, 0);
    g_free(w);
}
END_TEST

START_TEST(trivial_filters)
{
    uint32_t n = (uint32_t)fx.n, p;
    const char *everything[] = {"", "   \t\n", "TRUE", "true OR lang = \"xx\"", "NOT FALSE"};
    for (size_t i = 0; i < G_N_ELEMENTS(everything); i++) {
        uint64_t *w = compile_text(everything[i], n, &p);
        ck_assert_uint_eq(p, n);
        ck_assert_uint_eq(w[n / 64] >> (n % 64), 0); /* no bit past nbits */
        g_free(w);
    }
    const char *nothing[] = {"FALSE", "lang = \"xx\"", "_id IN []", "year IN []",
                             "_id = \"no such id\"", "year > 1e300", "rating < -1e300"};
    for (size_t i = 0; i < G_N_ELEMENTS(nothing); i++)
        g_free(compile_text(nothing[i], n, &p)), ck_assert_msg(p == 0, "%s", nothing[i]);
    /* One document, by id, in every document's position. */
    for (uint32_t d = 0; d < n; d += 97) {
        char text[64];
        snprintf(text, sizeof text, "_id = \"%s\"", fx.ids[d]);
        uint64_t *w = compile_text(text, n, &p);
        ck_assert_uint_eq(p, 1);
        ck_assert(bit(w, d));
        g_free(w);
        snprintf(text, sizeof text, "_id != \"%s\"", fx.ids[d]);
        w = compile_text(text, n, &p);
        ck_assert_uint_eq(p, n - 1);
        ck_assert(!bit(w, d));
        g_free(w);
    }
    /* nbits beyond the store: those documents have no values; below: only the first ones. */
    uint32_t more = n + 100;
    uint64_t *w = compile_text("NOT EXISTS(year) AND NOT EXISTS(lang)", more, &p);
    for (uint32_t d = n; d < more; d++)
        ck_assert(bit(w, d));
    ck_assert_uint_eq(w[more / 64] >> (more % 64), 0);
    g_free(w);
    w = compile_text("TRUE", 100, &p);
    ck_assert_uint_eq(p, 100);
    ck_assert_uint_eq(w[1] >> 36, 0);
    g_free(w);
    /* nbits 0: nothing to write. */
    VajraFilterExpr *e = NULL;
    VajraError err = {0};
    vajra_filter_parse("TRUE", &e, &err);
    IdRange r = {0, 0};
    VajraFilterContext c = context(store, &r, 0);
    p = 7;
    ck_assert_int_eq(vajra_filter_compile(e, &c, 0, NULL, &p, &err), VAJRA_OK);
    ck_assert_uint_eq(p, 0);
    vajra_filter_free(e);
}
END_TEST

/* ---- parse errors: message, column and caret ---- */

START_TEST(parse_errors_point_at_the_column)
{
    static const struct {
        const char *text;
        unsigned column;
        const char *words;
    } cases[] = {
        {"year >= AND x", 9, "expected a value (a \"string\" or a number) after '>=', found a keyword"},
        {"lang = \"en\" AND", 16, "expected an expression after AND, found the end of the filter"},
        {"lang = \"en\" or", 15, "expected an expression after OR"},
        {"(lang = \"en\"", 13, "expected ')' to close the '(' at column 1"},
        {"lang \"en\"", 6, "expected an operator (= != < <= > >= IN) after the field name"},
        {"lang = \"en", 8, "unterminated string"},
        {"lang = \"a\\qb\"", 10, "unknown escape"},
        {"year = 99999999999999999999", 8, "integer out of the 64-bit range"},
        {"year = 1e999", 8, "number out of range"},
        {"lang = \"en\" # x", 13, "unexpected character '#'"},
        {"lang = \"en\" lang = \"fr\"", 13, "expected AND, OR or the end of the filter, found a field name"},
        {"tags IN \"x\"", 9, "expected '[' after IN, found a string"},
        {"tags IN [\"a\" \"b\"]", 14, "expected ',' or ']' in the list, found a string"},
        {"tags IN [\"a\",]", 14, "expected a value (a \"string\" or a number) after ','"},
        {"tags IN [,]", 10, "after '['"},
        {"EXISTS lang", 8, "expected '(' after EXISTS"},
        {"EXISTS(lang", 12, "expected ')' after EXISTS(field"},
        {"EXISTS()", 8, "expected a field name in EXISTS(...)"},
        {"NOT", 4, "expected a comparison, '(', NOT, EXISTS, TRUE or FALSE, found the end"},
        {"_id > \"a\"", 1, "only =, != and IN apply to _id"},
        {"_id IN [\"a\", 5]", 1, "_id compares with strings only"},
        {"`lang = \"en\"", 1, "unterminated field name"},
        {"`` = 1", 1, "empty field name"},
        {"year = -x", 8, "'-' must be followed by a digit"},
        {"year = 1.", 10, "expected a digit after '.'"},
        {"year = 1e+", 11, "expected a digit in the exponent"},
        {"year = 12abc", 10, "unexpected character after a number"},
        {"title = \"x\"", 1, "reserved"},
        {"lang = \"\\ud800\"", 9, "high surrogate without its low one"},
        {"lang = \"\\udc00\"", 9, "lone low surrogate"},
        {"lang = \"\\u12\"", 9, "four hexadecimal digits"},
        {"lang = \"\\u0000\"", 9, "\\u0000 is not allowed"},
        {"lang ! \"x\"", 6, "unexpected '!'"},
        {"Z\xc3\xbcrich = \"x\" AND (", 19, "expected a comparison"},
        {"lang = \"\xc3\xa9t\xc3\xa9\" AND (year > 1 OR)", 30, "expected an expression after OR, found ')'"},
        {"lang = \"en\" AND ()", 18, "found ')'"},
        {"lang = \"a\nb\"", 10, "control character in a string"},
        {"lang == \"en\"", 7, "after '=', found an operator"},
        /* A bad character right after a finished part (these leaked it once: fuzz finding). */
        {"TRUE #", 6, "unexpected character '#'"},
        {"(year = 1) #", 12, "unexpected character '#'"},
        {"EXISTS(lang) #", 14, "unexpected character '#'"},
        {"year IN [1] #", 13, "unexpected character '#'"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VajraError err = {0};
        VajraFilterExpr *e = (VajraFilterExpr *)1;
        ck_assert_int_eq(vajra_filter_parse(cases[i].text, &e, &err), VAJRA_ERR_INVALID_ARGUMENT);
        ck_assert_ptr_null(e);
        char prefix[40];
        snprintf(prefix, sizeof prefix, "filter: column %u: ", cases[i].column);
        ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0 &&
                      strstr(err.message, cases[i].words), "%s\n-> %s", cases[i].text,
                      err.message);
        /* Three lines: the message, the text indented by two, the caret under the column. */
        char **lines = g_strsplit(err.message, "\n", -1);
        ck_assert_uint_eq(g_strv_length(lines), 3);
        ck_assert(strncmp(lines[1], "  ", 2) == 0);
        const char *caret = strchr(lines[2], '^');
        ck_assert_msg(caret && (unsigned)(caret - lines[2]) - 2 == cases[i].column - 1, "%s\n%s",
                      cases[i].text, err.message);
        ck_assert_str_eq(caret, "^");
        g_strfreev(lines);
    }
    /* Long texts of many-byte characters: a window around the column, the caret still under
     * the offending character (counted in characters), all three lines kept. */
    for (int wide = 0; wide < 2; wide++) {
        GString *t = g_string_new("lang = \"");
        for (int i = 0; i < 80; i++)
            g_string_append(t, wide ? "\xe2\x82\xac" : "e");
        g_string_append(t, "\" AND # x AND year > 1960 AND rating < 3 AND tags = \"wing\"");
        VajraError err = {0};
        VajraFilterExpr *e = NULL;
        ck_assert_int_eq(vajra_filter_parse(t->str, &e, &err), VAJRA_ERR_INVALID_ARGUMENT);
        ck_assert_msg(g_str_has_prefix(err.message, "filter: column 95: unexpected character '#'\n"),
                      "%s", err.message);
        char **lines = g_strsplit(err.message, "\n", -1);
        ck_assert_uint_eq(g_strv_length(lines), 3);
        const char *hash = strchr(lines[1], '#'), *caret = strchr(lines[2], '^');
        ck_assert(hash && caret);
        ck_assert_int_eq(g_utf8_pointer_to_offset(lines[1], hash), caret - lines[2]);
        ck_assert(strstr(lines[1], "...") == lines[1] + 2);
        g_strfreev(lines);
        g_string_free(t, TRUE);
    }
    /* Invalid UTF-8 is an encoding error naming the byte. */
    VajraError err = {0};
    VajraFilterExpr *e = NULL;
    ck_assert_int_eq(vajra_filter_parse("lang = \"\xff\"", &e, &err), VAJRA_ERR_ENCODING);
    ck_assert_str_eq(err.message, "filter: invalid UTF-8 at byte 9");
    ck_assert_int_eq(vajra_filter_parse(NULL, &e, &err), VAJRA_ERR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(nesting_limit)
{
    VajraError err = {0};
    VajraFilterExpr *e = NULL;
    for (int depth = VAJRA_FILTER_MAX_DEPTH - 1; depth <= VAJRA_FILTER_MAX_DEPTH + 100; depth += 101) {
        GString *parens = g_string_new(NULL), *nots = g_string_new(NULL);
        for (int i = 0; i < depth; i++) {
            g_string_append_c(parens, '(');
            g_string_append(nots, "NOT ");
        }
        g_string_append(parens, "year = 1");
        g_string_append(nots, "year = 1");
        for (int i = 0; i < depth; i++)
            g_string_append_c(parens, ')');
        vajra_status want = depth <= VAJRA_FILTER_MAX_DEPTH ? VAJRA_OK : VAJRA_ERR_INVALID_ARGUMENT;
        ck_assert_int_eq(vajra_filter_parse(parens->str, &e, &err), want);
        vajra_filter_free(e);
        ck_assert_int_eq(vajra_filter_parse(nots->str, &e, &err), want);
        if (want != VAJRA_OK)
            ck_assert_msg(strstr(err.message, "column 801: nested deeper than 200 levels"), "%s",
                          err.message);
        else {
            uint32_t p;
            IdRange r = {0, fx.n};
            VajraFilterContext c = context(store, &r, 0);
            uint64_t *w = g_new0(uint64_t, (fx.n + 63) / 64);
            ck_assert_int_eq(vajra_filter_compile(e, &c, (uint32_t)fx.n, w, &p, &err), VAJRA_OK);
            g_free(w);
        }
        vajra_filter_free(e);
        g_string_free(parens, TRUE);
        g_string_free(nots, TRUE);
    }
    /* Long flat chains are not deep. */
    GString *chain = g_string_new("year = 1");
    for (int i = 0; i < 5000; i++)
        g_string_append(chain, i % 2 ? " AND year != 2" : " OR rating > 0");
    ck_assert_int_eq(vajra_filter_parse(chain->str, &e, &err), VAJRA_OK);
    vajra_filter_free(e);
    g_string_free(chain, TRUE);
    /* The combinators refuse to go deeper and free their operands. */
    vajra_filter_cmp_int("year", VAJRA_FILTER_EQ, 1, &e, &err);
    int made = 1;
    while (vajra_filter_not(e, &e, &err) == VAJRA_OK)
        made++;
    ck_assert_int_eq(made, VAJRA_FILTER_MAX_DEPTH);
    ck_assert_ptr_null(e);
    ck_assert(strstr(err.message, "nested deeper"));
}
END_TEST

/* ---- compile-time errors ---- */

START_TEST(compile_errors)
{
    static const struct {
        const char *text;
        vajra_status code;
        const char *words;
    } cases[] = {
        {"lang = \"en\" AND colour = \"red\"", VAJRA_ERR_NOT_FOUND,
         "filter: column 17: unknown field \"colour\" (the attributes are: lang:keyword,"},
        {"lang > \"a\"", VAJRA_ERR_TYPE_MISMATCH,
         "filter: column 1: ranges (< <= > >=) need an int or float field; \"lang\" is keyword"},
        {"NOT year = \"x\"", VAJRA_ERR_TYPE_MISMATCH,
         "filter: column 5: field \"year\" is int, compared with a string"},
        {"tags IN [\"a\", 1]", VAJRA_ERR_TYPE_MISMATCH, "field \"tags\" is tags, compared with a number"},
        {"EXISTS(nothing)", VAJRA_ERR_NOT_FOUND, "column 1: unknown field \"nothing\""},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VajraError err = {0};
        VajraFilterExpr *e = NULL;
        ck_assert_int_eq(vajra_filter_parse(cases[i].text, &e, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_filter_check(e, fx.schema, &err), cases[i].code);
        ck_assert_msg(strstr(err.message, cases[i].words), "%s -> %s", cases[i].text, err.message);
        IdRange r = {0, fx.n};
        VajraFilterContext c = context(store, &r, 0);
        uint64_t w[32];
        ck_assert_int_eq(vajra_filter_compile(e, &c, 64, w, NULL, &err), cases[i].code);
        vajra_filter_free(e);
    }
    /* Constructed expressions have no column; _id needs a lookup; a schema without a store type-
     * checks and then finds every value missing. */
    VajraError err = {0};
    VajraFilterExpr *e = NULL;
    ck_assert_int_eq(vajra_filter_cmp_string("colour", VAJRA_FILTER_EQ, "red", &e, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_filter_check(e, fx.schema, &err), VAJRA_ERR_NOT_FOUND);
    ck_assert(strncmp(err.message, "filter: unknown field \"colour\"", 30) == 0);
    vajra_filter_free(e);
    const char *ids[] = {fx.ids[3], fx.ids[5]};
    ck_assert_int_eq(vajra_filter_ids(ids, 2, &e, &err), VAJRA_OK);
    ck_assert(vajra_filter_uses_ids(e));
    VajraFilterContext bare = {.struct_size = sizeof bare, .schema = fx.schema};
    uint64_t w[32] = {0};
    ck_assert_int_eq(vajra_filter_compile(e, &bare, 64, w, NULL, &err), VAJRA_ERR_STATE);
    vajra_filter_free(e);
    ck_assert_int_eq(vajra_filter_parse("NOT EXISTS(lang) AND NOT year > 3", &e, &err), VAJRA_OK);
    ck_assert(!vajra_filter_uses_ids(e));
    uint32_t p = 0;
    ck_assert_int_eq(vajra_filter_compile(e, &bare, 100, w, &p, &err), VAJRA_OK);
    ck_assert_uint_eq(p, 100);
    bare.struct_size = 8;
    ck_assert_int_eq(vajra_filter_compile(e, &bare, 100, w, &p, &err), VAJRA_ERR_INVALID_ARGUMENT);
    vajra_filter_free(e);
}
END_TEST

/* ---- canonical printing, constructors, exact numbers, names and Unicode ---- */

START_TEST(printing_and_constructors)
{
    static const struct {
        const char *text, *canonical;
    } cases[] = {
        {"lang='en' ", NULL},
        {"lang=\"en\"and not(tags=\"x\"or year>=2020)",
         "lang = \"en\" AND NOT (tags = \"x\" OR year >= 2020)"},
        {"(a = 1 AND b = 2) AND c = 3", "(a = 1 AND b = 2) AND c = 3"},
        {"a = 1 AND b = 2 AND c = 3 OR d = 4", "(a = 1 AND b = 2 AND c = 3) OR d = 4"},
        {"x IN [1, 2.5, \"s\"]", "x IN [1, 2.5, \"s\"]"},
        {"r > 0.1 AND r < 1e300 AND r = -0.0", "r > 0.1 AND r < 1e+300 AND r = -0.0"},
        {"`odd name` = \"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\"",
         "`odd name` = \"a\\\"b\\\\c\\n\xc3\xa9\xf0\x9f\x98\x80\""},
        {"`and` = 1 OR `a``b` = 2 OR `x.y_z` = 3", "`and` = 1 OR `a``b` = 2 OR x.y_z = 3"},
        {"NOT NOT EXISTS(`_id`)", "NOT NOT EXISTS(_id)"},
        {"", "TRUE"},
    };
    char buf[256];
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VajraError err = {0};
        VajraFilterExpr *e = NULL;
        vajra_status st = vajra_filter_parse(cases[i].text, &e, &err);
        if (cases[i].canonical == NULL) { /* single quotes are not strings */
            ck_assert_int_eq(st, VAJRA_ERR_INVALID_ARGUMENT);
            continue;
        }
        ck_assert_msg(st == VAJRA_OK, "%s: %s", cases[i].text, err.message);
        size_t n = vajra_filter_print(e, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].canonical);
        ck_assert_uint_eq(n, strlen(buf));
        char tiny[5];
        ck_assert_uint_eq(vajra_filter_print(e, tiny, sizeof tiny), n);
        ck_assert_uint_eq(strlen(tiny), n < 4 ? n : 4);
        vajra_filter_free(e);
    }
    /* Constructors: arguments checked; operands consumed even on failure (ASan checks leaks). */
    VajraError err = {0};
    VajraFilterExpr *a = NULL, *b = NULL, *e = NULL;
    ck_assert_int_eq(vajra_filter_cmp_float("r", VAJRA_FILTER_LT, NAN, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_filter_cmp_int("r", (VajraFilterOp)9, 1, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_filter_cmp_int("_id", VAJRA_FILTER_EQ, 1, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_filter_cmp_string("_id", VAJRA_FILTER_LT, "a", &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_filter_cmp_string("text", VAJRA_FILTER_EQ, "a", &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_filter_cmp_string("lang", VAJRA_FILTER_EQ, "\xff", &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_filter_cmp_string("lang", VAJRA_FILTER_EQ, "en", &a, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_filter_and(a, NULL, &e, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(vajra_filter_exists("tags", &a, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_filter_const(0, &b, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_filter_or(a, b, &e, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_filter_not(e, &e, &err), VAJRA_OK);
    vajra_filter_print(e, buf, sizeof buf);
    ck_assert_str_eq(buf, "NOT (EXISTS(tags) OR FALSE)");
    vajra_filter_free(e);
    const int64_t years[] = {1960, 1961};
    ck_assert_int_eq(vajra_filter_in_ints("year", years, 2, &e, &err), VAJRA_OK);
    vajra_filter_print(e, buf, sizeof buf);
    ck_assert_str_eq(buf, "year IN [1960, 1961]");
    vajra_filter_free(e);
    const double ratings[] = {0.5, -2.0};
    ck_assert_int_eq(vajra_filter_in_floats("rating", ratings, 2, &e, &err), VAJRA_OK);
    vajra_filter_print(e, buf, sizeof buf);
    ck_assert_str_eq(buf, "rating IN [0.5, -2.0]");
    vajra_filter_free(e);
    const double bad[] = {1.0, INFINITY};
    ck_assert_int_eq(vajra_filter_in_floats("rating", bad, 2, &e, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(e);
}
END_TEST

START_TEST(exact_numbers_and_unicode)
{
    VajraError err = {0};
    VajraAttrSchema *s = NULL;
    ck_assert_int_eq(vajra_attr_schema_parse("n:int, x:float, city:keyword", &s, &err), VAJRA_OK);
    VajraAttrStore *st = NULL;
    vajra_attrs_new(s, &st, &err);
    const char *rows[] = {
        "{\"n\":9007199254740993,\"x\":9007199254740992,\"city\":\"Z\\u00fcrich\"}",
        "{\"n\":9223372036854775807,\"x\":-0.5,\"city\":\"\\ud83d\\ude00\"}",
        "{\"n\":-9223372036854775808,\"x\":1e300,\"city\":\"M\xc3\xbcnchen\"}",
    };
    ck_assert_msg(vajra_attrs_append_json(st, rows, NULL, 3, 0, &err) == VAJRA_OK, "%s",
                  err.message);
    static const struct {
        const char *text;
        unsigned mask; /* which of the three rows pass */
    } cases[] = {
        {"n > 9007199254740992.0", 3},
        {"n = 9007199254740992.0", 0},
        {"n = 9007199254740993", 1},
        {"x < 9007199254740993", 7 & ~4u},
        {"x = 9007199254740992", 1},
        {"n >= 9223372036854775807", 2},
        {"n < 9.3e18 AND n > -9.3e18", 7},
        {"n < 1e19 AND n > -1e19", 7},
        {"n <= -9223372036854775808", 4},
        {"n > -0.5 AND n < 0.5", 0},
        {"x > -1 AND x < 0", 2},
        {"x >= -0.5 AND x <= -0.5", 2},
        {"city = \"Z\xc3\xbcrich\"", 1},
        {"city = \"Z\\u00FCrich\"", 1},
        {"city IN [\"\xf0\x9f\x98\x80\", \"M\\u00fcnchen\"]", 6},
        {"city = \"zürich\"", 0},
    };
    VajraFilterContext c = {.struct_size = sizeof c, .attrs = st};
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VajraFilterExpr *e = NULL;
        ck_assert_msg(vajra_filter_parse(cases[i].text, &e, &err) == VAJRA_OK, "%s: %s",
                      cases[i].text, err.message);
        uint64_t w = 0;
        uint32_t p = 0;
        ck_assert_int_eq(vajra_filter_compile(e, &c, 3, &w, &p, &err), VAJRA_OK);
        ck_assert_msg(w == cases[i].mask, "%s: got %llx", cases[i].text, (unsigned long long)w);
        ck_assert_uint_eq(p, (uint32_t)__builtin_popcountll(cases[i].mask));
        vajra_filter_free(e);
    }
    vajra_attrs_free(st);
    vajra_attr_schema_free(s);
}
END_TEST

START_TEST(filter_count)
{
    uint64_t w[3] = {~0ull, 0x5ull, ~0ull};
    ck_assert_uint_eq(vajra_filter_count(w, 0), 0);
    ck_assert_uint_eq(vajra_filter_count(w, 64), 64);
    ck_assert_uint_eq(vajra_filter_count(w, 65), 65);
    ck_assert_uint_eq(vajra_filter_count(w, 67), 66);
    ck_assert_uint_eq(vajra_filter_count(w, 130), 68);
    ck_assert_uint_eq(vajra_filter_count(NULL, 10), 0);
    VajraDocFilter f = {sizeof f, 130, 68, 0, w};
    ck_assert(vajra_filter_pass(&f, 0) && vajra_filter_pass(&f, 66) && !vajra_filter_pass(&f, 65));
    ck_assert(!vajra_filter_pass(&f, 130) && vajra_filter_pass(NULL, 99));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("filter");
    TCase *t = tcase_create("filter");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 240);
    tcase_add_test(t, random_expressions_match_brute_force);
    tcase_add_test(t, per_segment_compilation);
    tcase_add_test(t, missing_value_semantics);
    tcase_add_test(t, trivial_filters);
    tcase_add_test(t, parse_errors_point_at_the_column);
    tcase_add_test(t, nesting_limit);
    tcase_add_test(t, compile_errors);
    tcase_add_test(t, printing_and_constructors);
    tcase_add_test(t, exact_numbers_and_unicode);
    tcase_add_test(t, filter_count);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return attr_fixture_run(suite());
}
