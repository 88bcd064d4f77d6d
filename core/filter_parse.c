/* Vajra — filter expressions: constructors, the text parser and the canonical printer
 * (include/vajra/filter_expr.h, grammar in docs/filters.md).
 *
 * The parser is recursive descent over a one-token lookahead lexer. Recursion happens only for
 * parentheses and NOT, both counted against VAJRA_FILTER_MAX_DEPTH before recursing, so no input
 * can exhaust the stack; chains of AND / OR become one n-ary node. */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrs_internal.h"
#include "filter_internal.h"

/* ------------------------------------------------------------------------------------------ */
/* Trees                                                                                      */
/* ------------------------------------------------------------------------------------------ */

void vajra_filter_free(VajraFilterExpr *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->nkids; i++)
        vajra_filter_free(e->kids[i]);
    for (size_t i = 0; i < e->n; i++)
        g_free(e->values[i].s);
    g_free(e->values);
    g_free(e->kids);
    g_free(e->field);
    g_free(e);
}

VajraFilterExpr *vajra_filter_copy(const VajraFilterExpr *e)
{
    if (e == NULL)
        return NULL;
    VajraFilterExpr *c = g_new(VajraFilterExpr, 1);
    *c = *e;
    c->field = g_strdup(e->field);
    c->values = e->n ? g_new(FilterValue, e->n) : NULL;
    for (size_t i = 0; i < e->n; i++) {
        c->values[i] = e->values[i];
        c->values[i].s = g_strdup(e->values[i].s);
    }
    c->kids = e->nkids ? g_new(VajraFilterExpr *, e->nkids) : NULL;
    for (size_t i = 0; i < e->nkids; i++)
        c->kids[i] = vajra_filter_copy(e->kids[i]);
    return c;
}

int vajra_filter_uses_ids(const VajraFilterExpr *e)
{
    if (e == NULL)
        return 0;
    if (e->field && filter_is_id(e->field))
        return 1;
    for (size_t i = 0; i < e->nkids; i++)
        if (vajra_filter_uses_ids(e->kids[i]))
            return 1;
    return 0;
}

static VajraFilterExpr *node(FilterKind kind, uint32_t column)
{
    VajraFilterExpr *e = g_new0(VajraFilterExpr, 1);
    e->kind = kind;
    e->column = column;
    e->depth = 1;
    return e;
}

/* Give `e` its operands (taken), computing its depth. */
static void adopt(VajraFilterExpr *e, VajraFilterExpr **kids, size_t n)
{
    e->kids = g_new(VajraFilterExpr *, n);
    e->nkids = n;
    for (size_t i = 0; i < n; i++) {
        e->kids[i] = kids[i];
        if (kids[i]->depth + 1 > e->depth)
            e->depth = kids[i]->depth + 1;
    }
}

static vajra_status field_ok(const char *field, VajraError *err)
{
    if (field && filter_is_id(field))
        return VAJRA_OK;
    const char *problem = vajra_attr_name_problem_(field);
    if (problem)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: field name \"%.64s\" %s",
                               field ? field : "", problem);
    return VAJRA_OK;
}

/* Rules that do not need a schema: what _id accepts. */
static const char *id_problem(const char *field, FilterKind kind, VajraFilterOp op,
                              const FilterValue *v, size_t n)
{
    if (!filter_is_id(field))
        return NULL;
    if (kind == FN_CMP && op != VAJRA_FILTER_EQ && op != VAJRA_FILTER_NE)
        return "only =, != and IN apply to _id";
    for (size_t i = 0; i < n; i++)
        if (v[i].type != FV_STRING)
            return "_id compares with strings only";
    return NULL;
}

/* A leaf with copies of the values (strings duplicated). */
static vajra_status leaf(FilterKind kind, const char *field, VajraFilterOp op,
                         const FilterValue *v, size_t n, VajraFilterExpr **out, VajraError *err)
{
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: output is NULL");
    *out = NULL;
    vajra_status st = field_ok(field, err);
    if (st != VAJRA_OK)
        return st;
    if (kind == FN_CMP && (op < VAJRA_FILTER_EQ || op > VAJRA_FILTER_GE))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: unknown operator %d",
                               (int)op);
    for (size_t i = 0; i < n; i++) {
        if (v[i].type == FV_STRING && (v[i].s == NULL || !g_utf8_validate(v[i].s, -1, NULL)))
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "filter: a string value is NULL or not valid UTF-8");
        if (v[i].type == FV_FLOAT && !isfinite(v[i].f))
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "filter: number is not finite");
    }
    const char *problem = id_problem(field, kind, op, v, n);
    if (problem)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: %s", problem);
    VajraFilterExpr *e = node(kind, 0);
    e->field = g_strdup(field);
    e->op = op;
    e->n = n;
    e->values = n ? g_new0(FilterValue, n) : NULL;
    for (size_t i = 0; i < n; i++) {
        e->values[i] = v[i];
        e->values[i].s = g_strdup(v[i].s);
    }
    *out = e;
    return VAJRA_OK;
}

vajra_status vajra_filter_const(int value, VajraFilterExpr **out, VajraError *err)
{
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: output is NULL");
    *out = node(FN_CONST, 0);
    (*out)->value = value != 0;
    return VAJRA_OK;
}

vajra_status vajra_filter_cmp_string(const char *field, VajraFilterOp op, const char *value,
                                     VajraFilterExpr **out, VajraError *err)
{
    FilterValue v = {FV_STRING, 0, 0, (char *)value};
    return leaf(FN_CMP, field, op, &v, 1, out, err);
}

vajra_status vajra_filter_cmp_int(const char *field, VajraFilterOp op, int64_t value,
                                  VajraFilterExpr **out, VajraError *err)
{
    FilterValue v = {FV_INT, value, 0, NULL};
    return leaf(FN_CMP, field, op, &v, 1, out, err);
}

vajra_status vajra_filter_cmp_float(const char *field, VajraFilterOp op, double value,
                                    VajraFilterExpr **out, VajraError *err)
{
    FilterValue v = {FV_FLOAT, 0, value, NULL};
    return leaf(FN_CMP, field, op, &v, 1, out, err);
}

vajra_status vajra_filter_in_strings(const char *field, const char *const *values, size_t n,
                                     VajraFilterExpr **out, VajraError *err)
{
    if (values == NULL && n > 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: values are NULL");
    FilterValue *v = g_new0(FilterValue, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        v[i].type = FV_STRING, v[i].s = (char *)values[i];
    vajra_status st = leaf(FN_IN, field, VAJRA_FILTER_EQ, v, n, out, err);
    g_free(v);
    return st;
}

/* field IN [numbers]: ints[] or floats[] (the other NULL). */
static vajra_status in_numbers(const char *field, const int64_t *ints, const double *floats,
                               size_t n, VajraFilterExpr **out, VajraError *err)
{
    if (ints == NULL && floats == NULL && n > 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: values are NULL");
    FilterValue *v = g_new0(FilterValue, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        v[i].type = ints ? FV_INT : FV_FLOAT;
        if (ints)
            v[i].i = ints[i];
        else
            v[i].f = floats[i];
    }
    vajra_status st = leaf(FN_IN, field, VAJRA_FILTER_EQ, v, n, out, err);
    g_free(v);
    return st;
}

vajra_status vajra_filter_in_ints(const char *field, const int64_t *values, size_t n,
                                  VajraFilterExpr **out, VajraError *err)
{
    return in_numbers(field, values, NULL, n, out, err);
}

vajra_status vajra_filter_in_floats(const char *field, const double *values, size_t n,
                                    VajraFilterExpr **out, VajraError *err)
{
    return in_numbers(field, NULL, values, n, out, err);
}

vajra_status vajra_filter_ids(const char *const *ids, size_t n, VajraFilterExpr **out,
                              VajraError *err)
{
    return vajra_filter_in_strings("_id", ids, n, out, err);
}

vajra_status vajra_filter_exists(const char *field, VajraFilterExpr **out, VajraError *err)
{
    return leaf(FN_EXISTS, field, VAJRA_FILTER_EQ, NULL, 0, out, err);
}

static vajra_status combine(FilterKind kind, VajraFilterExpr **kids, size_t n,
                            VajraFilterExpr **out, VajraError *err)
{
    vajra_status st = VAJRA_OK;
    if (out == NULL)
        st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: output is NULL");
    for (size_t i = 0; i < n && st == VAJRA_OK; i++)
        if (kids[i] == NULL)
            st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: operand is NULL");
        else if (kids[i]->depth >= VAJRA_FILTER_MAX_DEPTH)
            st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                 "filter: nested deeper than %d levels", VAJRA_FILTER_MAX_DEPTH);
    if (st != VAJRA_OK) {
        for (size_t i = 0; i < n; i++)
            vajra_filter_free(kids[i]);
        if (out)
            *out = NULL;
        return st;
    }
    VajraFilterExpr *e = node(kind, 0);
    adopt(e, kids, n);
    *out = e;
    return VAJRA_OK;
}

vajra_status vajra_filter_and(VajraFilterExpr *a, VajraFilterExpr *b, VajraFilterExpr **out,
                              VajraError *err)
{
    VajraFilterExpr *k[2] = {a, b};
    return combine(FN_AND, k, 2, out, err);
}

vajra_status vajra_filter_or(VajraFilterExpr *a, VajraFilterExpr *b, VajraFilterExpr **out,
                             VajraError *err)
{
    VajraFilterExpr *k[2] = {a, b};
    return combine(FN_OR, k, 2, out, err);
}

vajra_status vajra_filter_not(VajraFilterExpr *a, VajraFilterExpr **out, VajraError *err)
{
    return combine(FN_NOT, &a, 1, out, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Lexer                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef enum Tok {
    T_END, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_COMMA, T_OP, T_STRING, T_INT, T_FLOAT,
    T_FIELD, T_AND, T_OR, T_NOT, T_IN, T_EXISTS, T_TRUE, T_FALSE
} Tok;

typedef struct Parser {
    const char *text;
    size_t pos;        /* next byte to lex */
    Tok tok;           /* current token */
    size_t start;      /* its first byte */
    VajraFilterOp op;  /* T_OP */
    GString *str;      /* T_STRING / T_FIELD contents */
    int64_t i;         /* T_INT */
    double f;          /* T_FLOAT */
    int level;         /* parentheses and NOTs open */
    VajraError *err;
} Parser;

static const char *const keywords[] = {"AND", "OR", "NOT", "IN", "EXISTS", "TRUE", "FALSE"};
static const Tok keyword_toks[] = {T_AND, T_OR, T_NOT, T_IN, T_EXISTS, T_TRUE, T_FALSE};

/* 1-based column in characters of byte offset `at`. */
static uint32_t column_of(const char *text, size_t at)
{
    return (uint32_t)g_utf8_strlen(text, (gssize)at) + 1;
}

/* "filter: column N: <what>" plus the text (a window of it) and a caret under column N. */
static vajra_status syntax_at(Parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static vajra_status syntax_at(Parser *p, size_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    uint32_t col = column_of(p->text, at);
    /* A window of the text around the column, control characters as spaces: 60 characters, fewer
     * when they take many bytes, so that the caret line still fits in the message. */
    long total = g_utf8_strlen(p->text, -1), first = 0, caret = 0;
    GString *line = g_string_new(NULL);
    for (long half = 30; half >= 5; half -= 5) {
        first = (long)col - 1 - half;
        if (first < 0)
            first = 0;
        long last = first + 2 * half < total ? first + 2 * half : total;
        g_string_assign(line, first > 0 ? "..." : "");
        const char *s = g_utf8_offset_to_pointer(p->text, first);
        for (long k = first; k < last; k++) {
            const char *next = g_utf8_next_char(s);
            if ((unsigned char)*s < 0x20 || *s == 0x7f)
                g_string_append_c(line, ' ');
            else
                g_string_append_len(line, s, next - s);
            s = next;
        }
        if (last < total)
            g_string_append(line, "...");
        caret = (long)col - 1 - first + (first > 0 ? 3 : 0);
        if (line->len + (size_t)caret + strlen(what) < VAJRA_ERROR_MESSAGE_SIZE - 40)
            break;
    }
    vajra_status st = vajra_error_set(p->err, VAJRA_ERR_INVALID_ARGUMENT,
                                      "filter: column %u: %s\n  %s\n  %*s^", col, what, line->str,
                                      (int)caret, "");
    g_string_free(line, TRUE);
    return st;
}

static int ident_start(unsigned char c)
{
    return g_ascii_isalpha(c) || c == '_' || c >= 0x80;
}

static int ident_char(unsigned char c)
{
    return ident_start(c) || g_ascii_isdigit(c) || c == '.';
}

/* Read a "string" (p->pos at the opening quote) into p->str. */
static vajra_status lex_string(Parser *p)
{
    const char *t = p->text;
    size_t i = p->pos + 1;
    g_string_truncate(p->str, 0);
    for (;;) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\0')
            return syntax_at(p, p->pos, "unterminated string");
        if (c == '"')
            break;
        if (c < 0x20)
            return syntax_at(p, i, "control character in a string (write it as an escape)");
        if (c != '\\') {
            g_string_append_c(p->str, (char)c);
            i++;
            continue;
        }
        char e = t[i + 1];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e != '\0' && simple) {
            static const char repl[] = "\"\\/\b\f\n\r\t";
            g_string_append_c(p->str, repl[simple - "\"\\/bfnrt"]);
            i += 2;
            continue;
        }
        if (e != 'u')
            return syntax_at(p, i, "unknown escape in a string (use \\\" \\\\ \\/ \\b \\f \\n \\r "
                             "\\t or \\uXXXX)");
        gunichar u = 0;
        size_t at = i;
        for (int k = 0; k < 2; k++) { /* a code unit, and its low surrogate when needed */
            unsigned v = 0;
            for (int d = 0; d < 4; d++) {
                int x = g_ascii_xdigit_value(t[i + 2 + (size_t)d]);
                if (x < 0)
                    return syntax_at(p, at, "\\u needs four hexadecimal digits");
                v = v * 16 + (unsigned)x;
            }
            i += 6;
            if (k == 0 && v >= 0xD800 && v < 0xDC00) {
                u = v;
                if (t[i] != '\\' || t[i + 1] != 'u')
                    return syntax_at(p, at, "\\u escape: a high surrogate without its low one");
                continue;
            }
            if (k == 1) {
                if (v < 0xDC00 || v > 0xDFFF)
                    return syntax_at(p, at, "\\u escape: a high surrogate without its low one");
                u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
            } else {
                if (v >= 0xDC00 && v <= 0xDFFF)
                    return syntax_at(p, at, "\\u escape: a lone low surrogate");
                u = v;
            }
            break;
        }
        if (u == 0)
            return syntax_at(p, at, "\\u0000 is not allowed in a string");
        g_string_append_unichar(p->str, u);
    }
    p->pos = i + 1;
    return VAJRA_OK;
}

static vajra_status lex_number(Parser *p)
{
    const char *t = p->text;
    size_t i = p->pos, begin = i;
    int is_float = 0;
    if (t[i] == '-')
        i++;
    if (!g_ascii_isdigit(t[i]))
        return syntax_at(p, begin, "'-' must be followed by a digit");
    while (g_ascii_isdigit(t[i]))
        i++;
    if (t[i] == '.') {
        is_float = 1;
        if (!g_ascii_isdigit(t[++i]))
            return syntax_at(p, i, "expected a digit after '.'");
        while (g_ascii_isdigit(t[i]))
            i++;
    }
    if (t[i] == 'e' || t[i] == 'E') {
        is_float = 1;
        i++;
        if (t[i] == '+' || t[i] == '-')
            i++;
        if (!g_ascii_isdigit(t[i]))
            return syntax_at(p, i, "expected a digit in the exponent");
        while (g_ascii_isdigit(t[i]))
            i++;
    }
    if (ident_char((unsigned char)t[i]))
        return syntax_at(p, i, "unexpected character after a number");
    char *num = g_strndup(t + begin, i - begin);
    errno = 0;
    if (is_float) {
        p->tok = T_FLOAT;
        p->f = g_ascii_strtod(num, NULL);
        if (!isfinite(p->f)) {
            g_free(num);
            return syntax_at(p, begin, "number out of range");
        }
    } else {
        p->tok = T_INT;
        p->i = g_ascii_strtoll(num, NULL, 10);
        if (errno == ERANGE) {
            g_free(num);
            return syntax_at(p, begin, "integer out of the 64-bit range");
        }
    }
    g_free(num);
    p->pos = i;
    return VAJRA_OK;
}

/* Advance to the next token. */
static vajra_status next(Parser *p)
{
    const char *t = p->text;
    while (t[p->pos] == ' ' || t[p->pos] == '\t' || t[p->pos] == '\n' || t[p->pos] == '\r')
        p->pos++;
    p->start = p->pos;
    unsigned char c = (unsigned char)t[p->pos];
    static const char singles[] = "()[],";
    static const Tok single_toks[] = {T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_COMMA};
    if (c == '\0') {
        p->tok = T_END;
        return VAJRA_OK;
    }
    const char *single = strchr(singles, c);
    if (single) {
        p->tok = single_toks[single - singles];
        p->pos++;
        return VAJRA_OK;
    }
    if (c == '=' || c == '<' || c == '>' || (c == '!' && t[p->pos + 1] == '=')) {
        int eq = t[p->pos + 1] == '=';
        p->tok = T_OP;
        p->op = c == '=' ? VAJRA_FILTER_EQ
              : c == '!' ? VAJRA_FILTER_NE
              : c == '<' ? (eq ? VAJRA_FILTER_LE : VAJRA_FILTER_LT)
                         : (eq ? VAJRA_FILTER_GE : VAJRA_FILTER_GT);
        p->pos += (c == '!' || (c != '=' && eq)) ? 2 : 1;
        return VAJRA_OK;
    }
    if (c == '"') {
        p->tok = T_STRING;
        return lex_string(p);
    }
    if (c == '-' || g_ascii_isdigit(c))
        return lex_number(p);
    if (c == '`') {
        size_t i = p->pos + 1;
        g_string_truncate(p->str, 0);
        for (;;) {
            if (t[i] == '\0')
                return syntax_at(p, p->pos, "unterminated field name (a '`' is missing)");
            if (t[i] == '`' && t[i + 1] != '`')
                break;
            if (t[i] == '`')
                i++;
            g_string_append_c(p->str, t[i++]);
        }
        p->tok = T_FIELD;
        p->pos = i + 1;
        if (p->str->len == 0)
            return syntax_at(p, p->start, "empty field name");
        return VAJRA_OK;
    }
    if (ident_start(c)) {
        size_t i = p->pos;
        while (ident_char((unsigned char)t[i]))
            i++;
        g_string_truncate(p->str, 0);
        g_string_append_len(p->str, t + p->pos, (gssize)(i - p->pos));
        p->pos = i;
        p->tok = T_FIELD;
        for (size_t k = 0; k < G_N_ELEMENTS(keywords); k++)
            if (g_ascii_strcasecmp(p->str->str, keywords[k]) == 0)
                p->tok = keyword_toks[k];
        return VAJRA_OK;
    }
    if (c == '!')
        return syntax_at(p, p->pos, "unexpected '!' (write NOT, or != for not equal)");
    if (c < 0x80 && g_ascii_isprint(c))
        return syntax_at(p, p->pos, "unexpected character '%c'", c);
    return syntax_at(p, p->pos, "unexpected character");
}

/* ------------------------------------------------------------------------------------------ */
/* Parser                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static const char *op_text(VajraFilterOp op)
{
    static const char *const t[] = {"?", "=", "!=", "<", "<=", ">", ">="};
    return op >= VAJRA_FILTER_EQ && op <= VAJRA_FILTER_GE ? t[op] : "?";
}

/* How the current token reads in a message. */
static const char *tok_desc(const Parser *p)
{
    switch (p->tok) {
    case T_END: return "the end of the filter";
    case T_LPAREN: return "'('";
    case T_RPAREN: return "')'";
    case T_LBRACK: return "'['";
    case T_RBRACK: return "']'";
    case T_COMMA: return "','";
    case T_OP: return "an operator";
    case T_STRING: return "a string";
    case T_INT:
    case T_FLOAT: return "a number";
    case T_FIELD: return "a field name";
    default: return "a keyword";
    }
}

static vajra_status parse_or(Parser *p, VajraFilterExpr **out);

static vajra_status enter(Parser *p)
{
    if (++p->level > VAJRA_FILTER_MAX_DEPTH)
        return syntax_at(p, p->start, "nested deeper than %d levels", VAJRA_FILTER_MAX_DEPTH);
    return VAJRA_OK;
}

/* A literal value at the current token (then advanced past it). `after` names what came before,
 * for the message. */
static vajra_status parse_value(Parser *p, FilterValue *v, const char *after)
{
    memset(v, 0, sizeof *v);
    if (p->tok == T_STRING) {
        v->type = FV_STRING;
        v->s = g_strndup(p->str->str, p->str->len);
    } else if (p->tok == T_INT) {
        v->type = FV_INT;
        v->i = p->i;
    } else if (p->tok == T_FLOAT) {
        v->type = FV_FLOAT;
        v->f = p->f;
    } else {
        return syntax_at(p, p->start, "expected a value (a \"string\" or a number) after %s, "
                         "found %s", after, tok_desc(p));
    }
    vajra_status st = next(p);
    if (st != VAJRA_OK) { /* the value is not handed over: free it */
        g_free(v->s);
        v->s = NULL;
    }
    return st;
}

static void values_free(GArray *vals)
{
    for (guint i = 0; i < vals->len; i++)
        g_free(g_array_index(vals, FilterValue, i).s);
    g_array_free(vals, TRUE);
}

/* field (op value | IN [values]); the current token is the field. */
static vajra_status parse_comparison(Parser *p, VajraFilterExpr **out)
{
    size_t at = p->start;
    char *field = g_strndup(p->str->str, p->str->len);
    const char *problem = filter_is_id(field) ? NULL : vajra_attr_name_problem_(field);
    vajra_status st = VAJRA_OK;
    GArray *vals = g_array_new(FALSE, TRUE, sizeof(FilterValue));
    FilterKind kind = FN_CMP;
    VajraFilterOp op = VAJRA_FILTER_EQ;
    if (problem) {
        st = syntax_at(p, at, "field name \"%.40s\" %s", field, problem);
        goto done;
    }
    if ((st = next(p)) != VAJRA_OK)
        goto done;
    if (p->tok == T_OP) {
        op = p->op;
        char after[8];
        snprintf(after, sizeof after, "'%s'", op_text(op));
        FilterValue v;
        if ((st = next(p)) != VAJRA_OK || (st = parse_value(p, &v, after)) != VAJRA_OK)
            goto done;
        g_array_append_val(vals, v);
    } else if (p->tok == T_IN) {
        kind = FN_IN;
        if ((st = next(p)) != VAJRA_OK)
            goto done;
        if (p->tok != T_LBRACK) {
            st = syntax_at(p, p->start, "expected '[' after IN, found %s", tok_desc(p));
            goto done;
        }
        if ((st = next(p)) != VAJRA_OK)
            goto done;
        /* An empty list, or values separated by commas (none after the last). */
        for (int more = p->tok != T_RBRACK; more;) {
            FilterValue v;
            if ((st = parse_value(p, &v, vals->len ? "','" : "'['")) != VAJRA_OK)
                goto done;
            g_array_append_val(vals, v);
            more = p->tok == T_COMMA;
            if (!more && p->tok != T_RBRACK) {
                st = syntax_at(p, p->start, "expected ',' or ']' in the list, found %s",
                               tok_desc(p));
                goto done;
            }
            if (more && (st = next(p)) != VAJRA_OK)
                goto done;
        }
        if ((st = next(p)) != VAJRA_OK) /* past ']' */
            goto done;
    } else {
        st = syntax_at(p, p->start, "expected an operator (= != < <= > >= IN) after the field "
                       "name, found %s", tok_desc(p));
        goto done;
    }
    problem = id_problem(field, kind, op, (const FilterValue *)(void *)vals->data, vals->len);
    if (problem) {
        st = syntax_at(p, at, "%s", problem);
        goto done;
    }
    VajraFilterExpr *e = node(kind, column_of(p->text, at));
    e->field = field;
    field = NULL;
    e->op = op;
    e->n = vals->len;
    e->values = vals->len ? g_memdup2(vals->data, vals->len * sizeof(FilterValue)) : NULL;
    g_array_set_size(vals, 0); /* the strings now belong to e */
    *out = e;
done:
    g_free(field);
    values_free(vals);
    return st;
}

/* Advance past the last token of *out; on a lexing error *out is freed (never half-handed). */
static vajra_status finish(Parser *p, VajraFilterExpr **out)
{
    vajra_status st = next(p);
    if (st != VAJRA_OK) {
        vajra_filter_free(*out);
        *out = NULL;
    }
    return st;
}

static vajra_status parse_primary(Parser *p, VajraFilterExpr **out)
{
    size_t at = p->start;
    vajra_status st;
    switch (p->tok) {
    case T_LPAREN: {
        if ((st = enter(p)) != VAJRA_OK || (st = next(p)) != VAJRA_OK ||
            (st = parse_or(p, out)) != VAJRA_OK)
            return st;
        if (p->tok != T_RPAREN) {
            vajra_filter_free(*out);
            *out = NULL;
            return syntax_at(p, p->start, "expected ')' to close the '(' at column %u, found %s",
                             column_of(p->text, at), tok_desc(p));
        }
        p->level--;
        return finish(p, out);
    }
    case T_TRUE:
    case T_FALSE:
        *out = node(FN_CONST, column_of(p->text, at));
        (*out)->value = p->tok == T_TRUE;
        return finish(p, out);
    case T_EXISTS: {
        if ((st = next(p)) != VAJRA_OK)
            return st;
        if (p->tok != T_LPAREN)
            return syntax_at(p, p->start, "expected '(' after EXISTS, found %s", tok_desc(p));
        if ((st = next(p)) != VAJRA_OK)
            return st;
        if (p->tok != T_FIELD)
            return syntax_at(p, p->start, "expected a field name in EXISTS(...), found %s",
                             tok_desc(p));
        const char *problem = filter_is_id(p->str->str) ? NULL
                                                       : vajra_attr_name_problem_(p->str->str);
        if (problem)
            return syntax_at(p, p->start, "field name \"%.40s\" %s", p->str->str, problem);
        char *field = g_strdup(p->str->str);
        if ((st = next(p)) != VAJRA_OK) {
            g_free(field);
            return st;
        }
        if (p->tok != T_RPAREN) {
            g_free(field);
            return syntax_at(p, p->start, "expected ')' after EXISTS(field, found %s",
                             tok_desc(p));
        }
        *out = node(FN_EXISTS, column_of(p->text, at));
        (*out)->field = field;
        return finish(p, out);
    }
    case T_FIELD:
        return parse_comparison(p, out);
    default:
        return syntax_at(p, at, "expected a comparison, '(', NOT, EXISTS, TRUE or FALSE, found %s",
                         tok_desc(p));
    }
}

static vajra_status parse_unary(Parser *p, VajraFilterExpr **out)
{
    *out = NULL;
    if (p->tok != T_NOT)
        return parse_primary(p, out);
    size_t at = p->start;
    vajra_status st;
    VajraFilterExpr *kid = NULL;
    if ((st = enter(p)) != VAJRA_OK || (st = next(p)) != VAJRA_OK ||
        (st = parse_unary(p, &kid)) != VAJRA_OK)
        return st;
    p->level--;
    VajraFilterExpr *e = node(FN_NOT, column_of(p->text, at));
    adopt(e, &kid, 1);
    *out = e;
    return VAJRA_OK;
}

/* operand { sep operand } as one n-ary node (or the operand alone). */
static vajra_status parse_chain(Parser *p, Tok sep, FilterKind kind,
                                vajra_status (*operand)(Parser *, VajraFilterExpr **),
                                VajraFilterExpr **out)
{
    *out = NULL;
    size_t at = p->start;
    GPtrArray *kids = g_ptr_array_new();
    VajraFilterExpr *e = NULL;
    vajra_status st = operand(p, &e);
    if (st == VAJRA_OK)
        g_ptr_array_add(kids, e);
    while (st == VAJRA_OK && p->tok == sep) {
        if ((st = next(p)) != VAJRA_OK)
            break;
        if (p->tok == T_END || p->tok == T_RPAREN) {
            st = syntax_at(p, p->start, "expected an expression after %s, found %s",
                           sep == T_AND ? "AND" : "OR", tok_desc(p));
            break;
        }
        if ((st = operand(p, &e)) == VAJRA_OK)
            g_ptr_array_add(kids, e);
    }
    if (st != VAJRA_OK) {
        for (guint i = 0; i < kids->len; i++)
            vajra_filter_free(g_ptr_array_index(kids, i));
    } else if (kids->len == 1) {
        *out = g_ptr_array_index(kids, 0);
    } else {
        *out = node(kind, column_of(p->text, at));
        adopt(*out, (VajraFilterExpr **)kids->pdata, kids->len);
    }
    g_ptr_array_free(kids, TRUE);
    return st;
}

static vajra_status parse_and(Parser *p, VajraFilterExpr **out)
{
    return parse_chain(p, T_AND, FN_AND, parse_unary, out);
}

static vajra_status parse_or(Parser *p, VajraFilterExpr **out)
{
    return parse_chain(p, T_OR, FN_OR, parse_and, out);
}

vajra_status vajra_filter_parse(const char *text, VajraFilterExpr **out, VajraError *err)
{
    if (out == NULL || text == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: text or output is NULL");
    *out = NULL;
    const char *bad;
    if (!g_utf8_validate(text, -1, &bad))
        return vajra_error_set(err, VAJRA_ERR_ENCODING, "filter: invalid UTF-8 at byte %zu",
                               (size_t)(bad - text) + 1);
    Parser p = {.text = text, .str = g_string_new(NULL), .err = err};
    vajra_status st = next(&p);
    VajraFilterExpr *e = NULL;
    if (st == VAJRA_OK && p.tok == T_END) {
        e = node(FN_CONST, 0);
        e->value = 1;
    } else if (st == VAJRA_OK && (st = parse_or(&p, &e)) == VAJRA_OK && p.tok != T_END) {
        st = syntax_at(&p, p.start, "expected AND, OR or the end of the filter, found %s",
                       tok_desc(&p));
        vajra_filter_free(e);
        e = NULL;
    }
    g_string_free(p.str, TRUE);
    if (st == VAJRA_OK && e->depth > VAJRA_FILTER_MAX_DEPTH) {
        vajra_filter_free(e);
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "filter: nested deeper than %d levels", VAJRA_FILTER_MAX_DEPTH);
    }
    *out = st == VAJRA_OK ? e : NULL;
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Printer                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void print_field(GString *g, const char *f)
{
    int bare = ident_start((unsigned char)f[0]);
    for (const char *s = f; *s && bare; s++)
        bare = ident_char((unsigned char)*s);
    for (size_t k = 0; bare && k < G_N_ELEMENTS(keywords); k++)
        if (g_ascii_strcasecmp(f, keywords[k]) == 0)
            bare = 0;
    if (bare) {
        g_string_append(g, f);
        return;
    }
    g_string_append_c(g, '`');
    for (const char *s = f; *s; s++) {
        if (*s == '`')
            g_string_append_c(g, '`');
        g_string_append_c(g, *s);
    }
    g_string_append_c(g, '`');
}

static void print_value(GString *g, const FilterValue *v)
{
    if (v->type == FV_STRING)
        vajra_json_quote_(g, v->s);
    else if (v->type == FV_INT)
        g_string_append_printf(g, "%" G_GINT64_FORMAT, (gint64)v->i);
    else
        vajra_format_double_(g, v->f);
}

static void print_node(GString *g, const VajraFilterExpr *e)
{
    switch (e->kind) {
    case FN_CONST: g_string_append(g, e->value ? "TRUE" : "FALSE"); return;
    case FN_EXISTS:
        g_string_append(g, "EXISTS(");
        print_field(g, e->field);
        g_string_append_c(g, ')');
        return;
    case FN_CMP:
        print_field(g, e->field);
        g_string_append_printf(g, " %s ", op_text(e->op));
        print_value(g, &e->values[0]);
        return;
    case FN_IN:
        print_field(g, e->field);
        g_string_append(g, " IN [");
        for (size_t i = 0; i < e->n; i++) {
            if (i)
                g_string_append(g, ", ");
            print_value(g, &e->values[i]);
        }
        g_string_append_c(g, ']');
        return;
    case FN_NOT:
    case FN_AND:
    case FN_OR:
        break;
    }
    for (size_t i = 0; i < e->nkids; i++) {
        const VajraFilterExpr *k = e->kids[i];
        int paren = k->kind == FN_AND || k->kind == FN_OR;
        if (e->kind == FN_NOT)
            g_string_append(g, "NOT ");
        else if (i)
            g_string_append(g, e->kind == FN_AND ? " AND " : " OR ");
        if (paren)
            g_string_append_c(g, '(');
        print_node(g, k);
        if (paren)
            g_string_append_c(g, ')');
    }
}

size_t vajra_filter_print(const VajraFilterExpr *e, char *buf, size_t cap)
{
    GString *g = g_string_new(NULL);
    if (e)
        print_node(g, e);
    size_t n = vajra_copy_out_(g, buf, cap);
    g_string_free(g, TRUE);
    return n;
}
