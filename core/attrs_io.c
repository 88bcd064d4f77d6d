/* Vajra — saving and loading attribute stores as one section (include/vajra/attrs.h).
 *
 * Layout (native little-endian; every record starts on an 8-byte boundary, padding is zero):
 *
 *   header, 64 bytes: magic "VJRATR1\0", u32 version (1), u32 byte order mark 0x01020304,
 *                     u32 rows, u32 fields, u64 payload length, u64 checksum (FNV-1a 64 of
 *                     every byte of the section but the checksum's own 8), 24 zero bytes
 *   payload, per field in schema order:
 *     u32 type, u32 name length, name bytes                       (pad)
 *     keyword: dictionary, u32 code per row (0 = missing)         (pad)
 *     tags:    dictionary, presence words (u64 × ⌈rows/64⌉), u64 offsets × (rows+1),
 *              u32 codes × offsets[rows]                          (pad)
 *     int:     presence words, i64 × rows (0 where missing)
 *     float:   presence words, f64 × rows (0 where missing; finite)
 *   dictionary: u32 count, u32 0, then per string u32 length and its bytes (pad after the last)
 *
 * The payload is canonical (one store, one byte string), so the loader checks every rule that
 * the writer keeps: a value stored under a missing row, a bit past the last row, a non-zero pad
 * byte, a repeated dictionary string are all corruption. Loading copies into a fresh store. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "attrs_internal.h"

#define ATTRS_MAGIC "VJRATR1"
#define ATTRS_VERSION 1u
#define ATTRS_BYTE_ORDER 0x01020304u
#define ATTRS_HEADER 64u

typedef struct AttrsHeader {
    char magic[8];
    uint32_t version, byte_order, rows, fields;
    uint64_t payload_len, checksum;
    uint8_t reserved[24];
} AttrsHeader;

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The checksum of a whole section: every byte but the checksum field (header bytes 32..39). */
static uint64_t section_checksum(const uint8_t *p, size_t len)
{
    uint64_t h = fnv1a(0xcbf29ce484222325ull, p, 32);
    return fnv1a(h, p + 40, len - 40);
}

/* ---- writing ---- */

static void put(GByteArray *b, const void *p, size_t n)
{
    g_byte_array_append(b, p, (guint)n);
}

static void put_u32(GByteArray *b, uint32_t x)
{
    put(b, &x, 4);
}

static void pad8(GByteArray *b)
{
    static const uint8_t zeros[8];
    if (b->len % 8)
        put(b, zeros, 8 - b->len % 8);
}

static void put_dict(GByteArray *b, const AttrDict *d)
{
    put_u32(b, d->strs->len);
    put_u32(b, 0);
    for (guint i = 0; i < d->strs->len; i++) {
        const char *s = g_ptr_array_index(d->strs, i);
        put_u32(b, (uint32_t)strlen(s));
        put(b, s, strlen(s));
    }
    pad8(b);
}

static void put_array(GByteArray *b, const GArray *a, size_t elems, size_t size)
{
    if (elems)
        put(b, a->data, elems * size);
    pad8(b);
}

vajra_status vajra_attrs_save(const VajraAttrStore *st, const VajraSectionWriter *w,
                              const char *section, VajraError *err)
{
    if (section == NULL)
        section = "attrs";
    if (st == NULL || w == NULL || w->write == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: save needs a store and a "
                               "writer");
    if (strlen(section) == 0 || strlen(section) > VAJRA_SECTION_NAME_MAX)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: bad section name \"%.64s\"",
                               section);
    GByteArray *b = g_byte_array_new();
    AttrsHeader h;
    memset(&h, 0, sizeof h);
    put(b, &h, sizeof h);
    size_t nf = vajra_attr_schema_count(st->schema), words = ((size_t)st->count + 63) / 64;
    for (size_t f = 0; f < nf; f++) {
        const AttrColumn *c = &st->cols[f];
        const char *name = vajra_attr_schema_name(st->schema, f);
        put_u32(b, (uint32_t)c->type);
        put_u32(b, (uint32_t)strlen(name));
        put(b, name, strlen(name));
        pad8(b);
        if (c->dict.strs)
            put_dict(b, &c->dict);
        if (c->type != VAJRA_ATTR_KEYWORD)
            put_array(b, c->present, words, 8);
        switch (c->type) {
        case VAJRA_ATTR_KEYWORD: put_array(b, c->codes, st->count, 4); break;
        case VAJRA_ATTR_TAGS:
            put_array(b, c->off, (size_t)st->count + 1, 8);
            put_array(b, c->codes, c->codes->len, 4);
            break;
        default: put_array(b, c->values, st->count, 8);
        }
    }
    memcpy(h.magic, ATTRS_MAGIC, sizeof ATTRS_MAGIC);
    h.version = ATTRS_VERSION;
    h.byte_order = ATTRS_BYTE_ORDER;
    h.rows = st->count;
    h.fields = (uint32_t)nf;
    h.payload_len = b->len - ATTRS_HEADER;
    memcpy(b->data, &h, sizeof h);
    h.checksum = section_checksum(b->data, b->len);
    memcpy(b->data + offsetof(AttrsHeader, checksum), &h.checksum, 8);
    vajra_status s = w->write(w->self, section, b->data, b->len, err);
    g_byte_array_free(b, TRUE);
    if (s != VAJRA_OK)
        return vajra_error_prefix(err, "attrs: saving section %s", section);
    return VAJRA_OK;
}

/* ---- reading ---- */

typedef struct Cursor {
    const uint8_t *p;
    size_t len, pos;
    VajraError *err;
} Cursor;

static vajra_status corrupt(Cursor *c, const char *what, size_t field)
{
    return vajra_error_set(c->err, VAJRA_ERR_CORRUPT,
                           "attrs: corrupt store: field %zu: %s (at byte %zu)", field, what,
                           c->pos + ATTRS_HEADER);
}

/* n bytes at the cursor, or NULL when fewer remain. */
static const uint8_t *take(Cursor *c, size_t n)
{
    if (n > c->len - c->pos)
        return NULL;
    const uint8_t *p = c->p + c->pos;
    c->pos += n;
    return p;
}

static int take_u32(Cursor *c, uint32_t *x)
{
    const uint8_t *p = take(c, 4);
    if (p)
        memcpy(x, p, 4);
    return p != NULL;
}

/* Skip to the next 8-byte boundary; the skipped bytes must be zero. */
static int skip_pad(Cursor *c)
{
    size_t n = (8 - c->pos % 8) % 8;
    const uint8_t *p = take(c, n);
    if (p == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* n elements of `size` bytes into a (appended), then the pad. */
static int take_array(Cursor *c, GArray *a, size_t n, size_t size)
{
    if (n > (c->len - c->pos) / size)
        return 0;
    const uint8_t *p = take(c, n * size);
    if (n)
        g_array_append_vals(a, p, (guint)n);
    return skip_pad(c);
}

static vajra_status read_dict(Cursor *c, AttrDict *d, size_t f)
{
    uint32_t n, zero;
    if (!take_u32(c, &n) || !take_u32(c, &zero) || zero != 0)
        return corrupt(c, "bad dictionary header", f);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len;
        const uint8_t *s;
        if (!take_u32(c, &len) || (s = take(c, len)) == NULL)
            return corrupt(c, "dictionary runs past the end", f);
        if (memchr(s, '\0', len) || !g_utf8_validate((const char *)s, len, NULL))
            return corrupt(c, "dictionary string is not valid UTF-8 text", f);
        char *copy = g_strndup((const char *)s, len);
        if (g_hash_table_contains(d->codes, copy)) {
            g_free(copy);
            return corrupt(c, "dictionary string repeated", f);
        }
        g_ptr_array_add(d->strs, copy);
        g_hash_table_insert(d->codes, copy, GUINT_TO_POINTER(d->strs->len));
    }
    return skip_pad(c) ? VAJRA_OK : corrupt(c, "bad padding after the dictionary", f);
}

/* Presence words: no bit at or past `rows`. */
static int present_ok(const GArray *present, uint32_t rows)
{
    if (rows % 64 == 0)
        return 1;
    guint64 last = g_array_index(present, guint64, present->len - 1);
    return (last >> (rows % 64)) == 0;
}

static vajra_status read_column(Cursor *c, AttrColumn *col, uint32_t rows, size_t f)
{
    size_t words = ((size_t)rows + 63) / 64;
    if (col->dict.strs) {
        vajra_status s = read_dict(c, &col->dict, f);
        if (s != VAJRA_OK)
            return s;
    }
    guint32 ndict = col->dict.strs ? col->dict.strs->len : 0;
    if (col->type != VAJRA_ATTR_KEYWORD) {
        if (!take_array(c, col->present, words, 8) || !present_ok(col->present, rows))
            return corrupt(c, "bad presence bitmap", f);
    }
    switch (col->type) {
    case VAJRA_ATTR_KEYWORD:
        if (!take_array(c, col->codes, rows, 4))
            return corrupt(c, "keyword codes run past the end", f);
        for (uint32_t r = 0; r < rows; r++)
            if (g_array_index(col->codes, guint32, r) > ndict)
                return corrupt(c, "keyword code out of range", f);
        return VAJRA_OK;
    case VAJRA_ATTR_TAGS: {
        g_array_set_size(col->off, 0);
        if (!take_array(c, col->off, (size_t)rows + 1, 8))
            return corrupt(c, "tag offsets run past the end", f);
        const guint64 *off = (const guint64 *)(void *)col->off->data;
        if (off[0] != 0)
            return corrupt(c, "tag offsets do not start at 0", f);
        for (uint32_t r = 0; r < rows; r++)
            if (off[r + 1] < off[r] || (!attr_present(col, r) && off[r + 1] != off[r]))
                return corrupt(c, "tag offsets out of order", f);
        if (off[rows] > (c->len - c->pos) / 4)
            return corrupt(c, "tag codes run past the end", f);
        if (!take_array(c, col->codes, (size_t)off[rows], 4))
            return corrupt(c, "bad padding after the tag codes", f);
        for (guint i = 0; i < col->codes->len; i++) {
            guint32 code = g_array_index(col->codes, guint32, i);
            if (code == 0 || code > ndict)
                return corrupt(c, "tag code out of range", f);
        }
        return VAJRA_OK;
    }
    default:
        if (!take_array(c, col->values, rows, 8))
            return corrupt(c, "values run past the end", f);
        for (uint32_t r = 0; r < rows; r++) {
            guint64 bits = g_array_index(col->values, guint64, r);
            if (!attr_present(col, r) && bits != 0)
                return corrupt(c, "a value under a missing row", f);
            if (col->type == VAJRA_ATTR_FLOAT && !isfinite(g_array_index(col->values, double, r)))
                return corrupt(c, "a float value is not finite", f);
        }
        return VAJRA_OK;
    }
}

vajra_status vajra_attrs_load_bytes(const void *data, size_t len, VajraAttrStore **out,
                                    VajraError *err)
{
    if (out == NULL || (data == NULL && len > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: load needs bytes and an "
                               "output");
    *out = NULL;
    AttrsHeader h;
    if (len < sizeof h)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: %zu bytes, shorter "
                               "than the header", len);
    memcpy(&h, data, sizeof h);
    if (memcmp(h.magic, ATTRS_MAGIC, sizeof ATTRS_MAGIC) != 0)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: bad magic");
    if (h.byte_order != ATTRS_BYTE_ORDER)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: bad byte order mark");
    if (h.version == 0)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: version 0");
    if (h.version > ATTRS_VERSION)
        return vajra_error_set(err, VAJRA_ERR_VERSION, "attrs: store format %u, this library "
                               "reads up to %u", h.version, ATTRS_VERSION);
    for (size_t i = 0; i < sizeof h.reserved; i++)
        if (h.reserved[i])
            return vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: reserved "
                                   "header bytes are not zero");
    if (h.payload_len != len - sizeof h)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: payload of %llu "
                               "bytes in a section of %zu", (unsigned long long)h.payload_len, len);
    const uint8_t *payload = (const uint8_t *)data + sizeof h;
    if (section_checksum(data, len) != h.checksum)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: checksum mismatch");
    if (h.rows > UINT32_MAX - 1)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: %u rows", h.rows);

    Cursor c = {payload, len - sizeof h, 0, err};
    VajraAttrSchema *schema = NULL;
    vajra_attr_schema_new(&schema, NULL);
    GArray *cols = g_array_new(FALSE, TRUE, sizeof(AttrColumn));
    vajra_status s = VAJRA_OK;
    for (uint32_t f = 0; f < h.fields && s == VAJRA_OK; f++) {
        uint32_t type, nlen;
        const uint8_t *name;
        if (!take_u32(&c, &type) || !take_u32(&c, &nlen) || (name = take(&c, nlen)) == NULL) {
            s = corrupt(&c, "field header runs past the end", f);
            break;
        }
        char *copy = g_strndup((const char *)name, nlen);
        VajraError sub = {0};
        if (strlen(copy) != nlen || !skip_pad(&c))
            s = corrupt(&c, "bad field name", f);
        else if (vajra_attr_schema_add(schema, copy, (VajraAttrType)type, &sub) != VAJRA_OK)
            s = vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: field %u: %s", f,
                                sub.message);
        g_free(copy);
        if (s != VAJRA_OK)
            break;
        AttrColumn col;
        vajra_attr_column_init_(&col, (VajraAttrType)type);
        g_array_append_val(cols, col);
        s = read_column(&c, &g_array_index(cols, AttrColumn, f), h.rows, f);
    }
    if (s == VAJRA_OK && c.pos != c.len)
        s = vajra_error_set(err, VAJRA_ERR_CORRUPT, "attrs: corrupt store: %zu trailing bytes",
                            c.len - c.pos);
    if (s != VAJRA_OK) {
        for (guint f = 0; f < cols->len; f++)
            vajra_attr_column_clear_(&g_array_index(cols, AttrColumn, f));
        g_array_free(cols, TRUE);
        vajra_attr_schema_free(schema);
        return s;
    }
    VajraAttrStore *st = g_new0(VajraAttrStore, 1);
    st->schema = schema;
    st->count = h.rows;
    if (cols->len == 0)
        g_array_set_size(cols, 1);
    st->cols = (AttrColumn *)(void *)g_array_free(cols, FALSE);
    *out = st;
    return VAJRA_OK;
}

vajra_status vajra_attrs_load(const VajraSectionReader *r, const char *section,
                              VajraAttrStore **out, VajraError *err)
{
    if (section == NULL)
        section = "attrs";
    if (out)
        *out = NULL;
    if (r == NULL || r->find == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: load needs a reader and "
                               "an output");
    const void *data = NULL;
    size_t len = 0;
    vajra_status s = r->find(r->self, section, &data, &len, err);
    if (s != VAJRA_OK)
        return vajra_error_prefix(err, "attrs: loading section %s", section);
    s = vajra_attrs_load_bytes(data, len, out, err);
    if (s != VAJRA_OK)
        return vajra_error_prefix(err, "section %s", section);
    return VAJRA_OK;
}
