/* Tests for the input readers (include/vajra/io.h): JSONL, qrels, .npy, .fvecs/.ivecs.
 *
 * Small inputs are built in memory by hand (their expected contents are what we wrote); the real
 * files in ../shared/data are checked against facts stated in its README (counts, shapes, rows
 * L2-normalised, ground-truth scores equal to the inner products of the stored vectors). */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/io.h"

/* ---- helpers ---- */

static const char *data_dir(void)
{
    const char *d = getenv("VAJRA_DATA_DIR");
    return d && *d ? d : "../shared/data";
}

static char *data_path(const char *rel)
{
    return g_build_filename(data_dir(), rel, NULL);
}

/* Build a .npy v1.0 (or v2.0) file image with the given header dict and payload. */
static GByteArray *make_npy(int major, const char *dict, const void *payload, size_t payload_len)
{
    GByteArray *b = g_byte_array_new();
    const guint8 magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', (guint8)major, 0};
    g_byte_array_append(b, magic, 8);
    size_t prefix = major == 1 ? 10 : 12;
    size_t dlen = strlen(dict);
    size_t total = prefix + dlen + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = dlen + pad + 1;
    if (major == 1) {
        guint8 l[2] = {(guint8)(hlen & 0xff), (guint8)(hlen >> 8)};
        g_byte_array_append(b, l, 2);
    } else {
        guint8 l[4] = {(guint8)(hlen & 0xff), (guint8)(hlen >> 8), (guint8)(hlen >> 16), (guint8)(hlen >> 24)};
        g_byte_array_append(b, l, 4);
    }
    g_byte_array_append(b, (const guint8 *)dict, (guint)dlen);
    for (size_t i = 0; i < pad; i++)
        g_byte_array_append(b, (const guint8 *)" ", 1);
    g_byte_array_append(b, (const guint8 *)"\n", 1);
    if (payload_len)
        g_byte_array_append(b, payload, (guint)payload_len);
    return b;
}

static char *write_temp(const char *suffix, const void *data, size_t len)
{
    char *tmpl = g_strdup_printf("vajra-io-XXXXXX%s", suffix);
    GError *gerr = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp(tmpl, &path, &gerr);
    g_free(tmpl);
    ck_assert_msg(fd >= 0, "temp file: %s", gerr ? gerr->message : "?");
    close(fd);
    ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
    return path;
}

/* ---- float16 ---- */

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

START_TEST(f16_hand_values)
{
    ck_assert_float_eq(vajra_f16_to_f32(0x3c00), 1.0f);
    ck_assert_float_eq(vajra_f16_to_f32(0xc000), -2.0f);
    ck_assert_float_eq(vajra_f16_to_f32(0x3555), 0.333251953125f);
    ck_assert_float_eq(vajra_f16_to_f32(0x7bff), 65504.0f);           /* largest normal */
    ck_assert_float_eq(vajra_f16_to_f32(0x0400), ldexpf(1.0f, -14));   /* smallest normal */
    ck_assert_float_eq(vajra_f16_to_f32(0x0001), ldexpf(1.0f, -24));   /* smallest subnormal */
    ck_assert_float_eq(vajra_f16_to_f32(0x03ff), 1023.0f * ldexpf(1.0f, -24)); /* largest subnormal */
    ck_assert_float_eq(vajra_f16_to_f32(0x8200), -512.0f * ldexpf(1.0f, -24));
    ck_assert_uint_eq(bits_of(vajra_f16_to_f32(0x0000)), 0x00000000u);
    ck_assert_uint_eq(bits_of(vajra_f16_to_f32(0x8000)), 0x80000000u); /* -0 keeps its sign */
    ck_assert(isinf(vajra_f16_to_f32(0x7c00)) && vajra_f16_to_f32(0x7c00) > 0);
    ck_assert(isinf(vajra_f16_to_f32(0xfc00)) && vajra_f16_to_f32(0xfc00) < 0);
    ck_assert(isnan(vajra_f16_to_f32(0x7e00)));
    ck_assert(isnan(vajra_f16_to_f32(0x7c01))); /* signalling-NaN pattern stays a NaN */
    ck_assert(isnan(vajra_f16_to_f32(0xfe00)));
}
END_TEST

START_TEST(f16_all_values_match_compiler)
{
#ifdef __FLT16_MAX__
    /* The compiler's own _Float16 -> float conversion is an independent reference. */
    for (uint32_t h = 0; h < 65536; h++) {
        uint16_t hv = (uint16_t)h;
        _Float16 x;
        memcpy(&x, &hv, sizeof x);
        float want = (float)x, got = vajra_f16_to_f32(hv);
        if (isnan(want))
            ck_assert_msg(isnan(got), "0x%04x", h);
        else
            ck_assert_msg(bits_of(want) == bits_of(got), "0x%04x: want %a got %a", h, want, got);
    }
#else
    /* Without _Float16: every finite half is sign * m * 2^e; check by ldexp. */
    for (uint32_t h = 0; h < 65536; h++) {
        uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
        if (e == 0x1f)
            continue;
        float want = e ? ldexpf((float)(m | 0x400), (int)e - 25) : ldexpf((float)m, -24);
        if (h & 0x8000)
            want = -want;
        ck_assert_msg(bits_of(want) == bits_of(vajra_f16_to_f32((uint16_t)h)), "0x%04x", h);
    }
#endif
}
END_TEST

/* ---- .npy ---- */

START_TEST(npy_f4_roundtrip_v1_and_v2)
{
    const float vals[6] = {1.5f, -2.0f, 0.25f, 1e-30f, 3.0e30f, 0.0f};
    for (int major = 1; major <= 2; major++) {
        GByteArray *b = make_npy(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                 vals, sizeof vals);
        VajraMatrixF32 m = {0};
        VajraError err = {0};
        ck_assert_int_eq(vajra_npy_parse_f32(b->data, b->len, "t.npy", &m, &err), VAJRA_OK);
        ck_assert_uint_eq(m.rows, 2);
        ck_assert_uint_eq(m.dim, 3);
        ck_assert_uint_eq((uintptr_t)m.data % VAJRA_IO_ALIGNMENT, 0);
        for (int i = 0; i < 6; i++)
            ck_assert_uint_eq(bits_of(m.data[i]), bits_of(vals[i]));
        vajra_matrix_f32_clear(&m);
        ck_assert_ptr_null(m.data);
        g_byte_array_free(b, TRUE);
    }
}
END_TEST

START_TEST(npy_f2_widened_and_1d_shape)
{
    const uint16_t halves[4] = {0x3c00, 0x0001, 0xfc00, 0xb800}; /* 1, 2^-24, -inf, -0.5 */
    GByteArray *b = make_npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }",
                             halves, sizeof halves);
    VajraMatrixF32 m = {0};
    VajraError err = {0};
    ck_assert_int_eq(vajra_npy_parse_f32(b->data, b->len, NULL, &m, &err), VAJRA_OK);
    ck_assert_uint_eq(m.rows, 4);
    ck_assert_uint_eq(m.dim, 1);
    ck_assert_float_eq(m.data[0], 1.0f);
    ck_assert_float_eq(m.data[1], ldexpf(1.0f, -24));
    ck_assert(isinf(m.data[2]) && m.data[2] < 0);
    ck_assert_float_eq(m.data[3], -0.5f);
    vajra_matrix_f32_clear(&m);
    g_byte_array_free(b, TRUE);
}
END_TEST

START_TEST(npy_i4_ids)
{
    const int32_t ids[4] = {7, -1, 2147483647, 0};
    GByteArray *b = make_npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }",
                             ids, sizeof ids);
    VajraMatrixI32 m = {0};
    VajraError err = {0};
    ck_assert_int_eq(vajra_npy_parse_i32(b->data, b->len, "ids.npy", &m, &err), VAJRA_OK);
    ck_assert_uint_eq(m.rows, 2);
    ck_assert_uint_eq(m.dim, 2);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(m.data[i], ids[i]);
    vajra_matrix_i32_clear(&m);
    /* Asking for floats from an int file is a clear error, not a reinterpretation. */
    VajraMatrixF32 f = {0};
    ck_assert_int_eq(vajra_npy_parse_f32(b->data, b->len, "ids.npy", &f, &err), VAJRA_ERR_UNSUPPORTED);
    ck_assert_ptr_null(f.data);
    g_byte_array_free(b, TRUE);
}
END_TEST

START_TEST(npy_rejects_bad_files)
{
    const float vals[4] = {1, 2, 3, 4};
    struct {
        const char *dict;
        size_t payload;
        vajra_status want;
        const char *needle;
    } cases[] = {
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 16, VAJRA_ERR_UNSUPPORTED, "<f8"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", 16, VAJRA_ERR_UNSUPPORTED, ">f4"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16, VAJRA_ERR_UNSUPPORTED, "Fortran"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 1), }", 16, VAJRA_ERR_UNSUPPORTED, "dimensions"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4, VAJRA_ERR_UNSUPPORTED, "scalar"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 12, VAJRA_ERR_CORRUPT, "needs 16"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 16 + 0, VAJRA_OK, NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", 16, VAJRA_ERR_CORRUPT, "holds 16"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 2), }", 16, VAJRA_ERR_CORRUPT, "malformed"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 16, VAJRA_ERR_CORRUPT, "overflows"},
        {"{'descr': '<f4', 'shape': (2, 2), }", 16, VAJRA_ERR_CORRUPT, "fortran_order"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", 16, VAJRA_ERR_CORRUPT, "'x'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}", 16, VAJRA_ERR_CORRUPT, "repeated"},
        {"['descr', '<f4']", 16, VAJRA_ERR_CORRUPT, "dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)} junk", 16, VAJRA_ERR_CORRUPT, "trailing"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint8 payload[16];
        memcpy(payload, vals, sizeof payload);
        GByteArray *b = make_npy(1, cases[i].dict, payload, cases[i].payload);
        VajraMatrixF32 m = {0};
        VajraError err = {0};
        vajra_status st = vajra_npy_parse_f32(b->data, b->len, "bad.npy", &m, &err);
        ck_assert_msg(st == cases[i].want, "case %zu: got %s (%s)", i, vajra_strerror(st), err.message);
        if (cases[i].needle) {
            ck_assert_ptr_null(m.data);
            ck_assert_msg(strstr(err.message, "bad.npy") && strstr(err.message, cases[i].needle),
                          "case %zu: message '%s'", i, err.message);
        }
        vajra_matrix_f32_clear(&m);
        g_byte_array_free(b, TRUE);
    }
}
END_TEST

START_TEST(npy_rejects_truncated_headers)
{
    GByteArray *b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2), }", NULL, 0);
    /* Every strict prefix of a valid file must fail cleanly (and the full one succeed). */
    for (size_t len = 0; len < b->len; len++) {
        VajraMatrixF32 m = {0};
        VajraError err = {0};
        ck_assert_int_ne(vajra_npy_parse_f32(b->data, len, "p.npy", &m, &err), VAJRA_OK);
        ck_assert_ptr_null(m.data);
    }
    VajraMatrixF32 m = {0};
    ck_assert_int_eq(vajra_npy_parse_f32(b->data, b->len, "p.npy", &m, NULL), VAJRA_OK);
    ck_assert_uint_eq(m.rows, 0);
    ck_assert_uint_eq(m.dim, 2);
    /* A header length pointing past the end of the file. */
    b->data[8] = 0xff;
    b->data[9] = 0x7f;
    VajraError err = {0};
    ck_assert_int_eq(vajra_npy_parse_f32(b->data, b->len, "p.npy", &m, &err), VAJRA_ERR_CORRUPT);
    /* Bad magic and an unknown version. */
    b->data[0] = 'X';
    ck_assert_int_eq(vajra_npy_parse_f32(b->data, b->len, "p.npy", &m, &err), VAJRA_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err.message, "magic"));
    b->data[0] = 0x93;
    b->data[6] = 9;
    ck_assert_int_eq(vajra_npy_parse_f32(b->data, b->len, "p.npy", &m, &err), VAJRA_ERR_UNSUPPORTED);
    g_byte_array_free(b, TRUE);
}
END_TEST

START_TEST(npy_file_errors_name_the_path)
{
    VajraMatrixF32 m = {0};
    VajraError err = {0};
    ck_assert_int_eq(vajra_npy_read_f32("/nonexistent/x.npy", &m, &err), VAJRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x.npy"));
    char *empty = write_temp(".npy", "", 0);
    ck_assert_int_eq(vajra_npy_read_f32(empty, &m, &err), VAJRA_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err.message, empty));
    g_unlink(empty);
    g_free(empty);
    ck_assert_int_eq(vajra_vectors_read("x.csv", &m, &err), VAJRA_ERR_UNSUPPORTED);
}
END_TEST

/* ---- .fvecs / .ivecs ---- */

static GByteArray *make_vecs(size_t rows, const uint32_t *dims, const float *vals)
{
    GByteArray *b = g_byte_array_new();
    size_t k = 0;
    for (size_t i = 0; i < rows; i++) {
        uint32_t d = dims[i];
        g_byte_array_append(b, (const guint8 *)&d, 4);
        g_byte_array_append(b, (const guint8 *)(vals + k), 4 * d);
        k += d;
    }
    return b;
}

START_TEST(fvecs_reads_and_validates)
{
    const float vals[6] = {1, 2, 3, 4, 5, 6};
    const uint32_t dims_ok[2] = {3, 3};
    GByteArray *b = make_vecs(2, dims_ok, vals);
    char *path = write_temp(".fvecs", b->data, b->len);
    VajraMatrixF32 m = {0};
    VajraError err = {0};
    ck_assert_int_eq(vajra_vectors_read(path, &m, &err), VAJRA_OK);
    ck_assert_uint_eq(m.rows, 2);
    ck_assert_uint_eq(m.dim, 3);
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(m.data[i], vals[i]);
    vajra_matrix_f32_clear(&m);
    g_unlink(path);
    g_free(path);

    /* Truncated by one byte: not a whole number of rows. */
    ck_assert_int_eq(vajra_fvecs_parse(b->data, b->len - 1, "t.fvecs", &m, &err), VAJRA_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err.message, "t.fvecs"));
    ck_assert_int_eq(vajra_fvecs_parse(b->data, 0, "t.fvecs", &m, &err), VAJRA_ERR_CORRUPT);
    g_byte_array_free(b, TRUE);

    /* Rows of different dimension that happen to fill the file evenly. */
    const float v2[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const uint32_t dims_bad[3] = {2, 1, 3};
    b = make_vecs(3, dims_bad, v2);
    ck_assert_int_eq(vajra_fvecs_parse(b->data, b->len, "t.fvecs", &m, &err), VAJRA_ERR_DIMENSION);
    g_byte_array_free(b, TRUE);

    /* A zero or negative dimension. */
    const uint32_t dims_zero[1] = {0};
    b = make_vecs(1, dims_zero, v2);
    ck_assert_int_eq(vajra_fvecs_parse(b->data, b->len, "t.fvecs", &m, &err), VAJRA_ERR_CORRUPT);
    g_byte_array_free(b, TRUE);
    guint8 neg[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    ck_assert_int_eq(vajra_fvecs_parse(neg, 8, "t.fvecs", &m, &err), VAJRA_ERR_CORRUPT);

    /* .ivecs */
    const int32_t iv[4] = {5, -7, 9, 11};
    const uint32_t dims_i[2] = {2, 2};
    b = make_vecs(2, dims_i, (const float *)(const void *)iv);
    VajraMatrixI32 mi = {0};
    ck_assert_int_eq(vajra_ivecs_parse(b->data, b->len, "t.ivecs", &mi, &err), VAJRA_OK);
    ck_assert_uint_eq(mi.rows, 2);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mi.data[i], iv[i]);
    vajra_matrix_i32_clear(&mi);
    g_byte_array_free(b, TRUE);
}
END_TEST

/* ---- JSONL ---- */

START_TEST(jsonl_reads_fields_and_vectors)
{
    const char *text =
        "{\"_id\": \"d1\", \"title\": \"T\\u00e9\", \"text\": \"hello world\", \"emb\": [1, 0.5, -2]}\n"
        "\n"
        "   \r\n"
        "{\"_id\": 42, \"text\": \"\", \"emb\": [0, 0, 1e-3], \"extra\": {\"x\": [1]}}\r\n"
        "{\"_id\": \"d1\", \"title\": null, \"emb\": [3, 2, 1]}";
    VajraJsonlOptions opts = {.vector_field = "emb"};
    VajraDocSet *set = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_docset_parse_jsonl(text, strlen(text), "c.jsonl", &opts, &set, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_docset_count(set), 3);
    ck_assert_uint_eq(vajra_docset_dim(set), 3);
    const VajraDocument *d0 = vajra_docset_doc(set, 0), *d1 = vajra_docset_doc(set, 1),
                        *d2 = vajra_docset_doc(set, 2);
    ck_assert_str_eq(d0->id, "d1");
    ck_assert_str_eq(d0->title, "T\xc3\xa9");
    ck_assert_str_eq(d0->text, "hello world");
    ck_assert_float_eq(d0->vector[1], 0.5f);
    ck_assert_float_eq(d0->vector[2], -2.0f);
    ck_assert_uint_eq((uintptr_t)d0->vector % VAJRA_IO_ALIGNMENT, 0);
    ck_assert_str_eq(d1->id, "42");
    ck_assert_ptr_null(d1->title);
    ck_assert_str_eq(d1->text, "");
    ck_assert_float_eq(d1->vector[2], 1e-3f);
    ck_assert_str_eq(d2->text, "");      /* missing text is an empty document */
    ck_assert_ptr_null(d2->title);
    ck_assert_float_eq(d2->vector[0], 3.0f);
    ck_assert_ptr_null(vajra_docset_doc(set, 3));
    /* Duplicates are kept; find gives the first. */
    ck_assert_int_eq(vajra_docset_find(set, "d1"), 0);
    ck_assert_int_eq(vajra_docset_find(set, "42"), 1);
    ck_assert_int_eq(vajra_docset_find(set, "nope"), -1);
    const char *const *ids = vajra_docset_ids(set);
    ck_assert_str_eq(ids[1], "42");
    VajraDocBatch batch = vajra_docset_batch(set);
    ck_assert_uint_eq(batch.count, 3);
    ck_assert_ptr_eq(batch.docs, d0);

    /* Attach external vectors: count must match. */
    VajraMatrixF32 m = {.rows = 2, .dim = 2};
    float vals[6] = {1, 2, 3, 4, 5, 6};
    m.data = vals;
    ck_assert_int_eq(vajra_docset_attach_vectors(set, &m, &err), VAJRA_ERR_DIMENSION);
    ck_assert_ptr_nonnull(strstr(err.message, "2 vectors for 3 documents"));
    m.rows = 3;
    ck_assert_int_eq(vajra_docset_attach_vectors(set, &m, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_docset_dim(set), 2);
    ck_assert_float_eq(vajra_docset_doc(set, 2)->vector[1], 6.0f);
    vajra_docset_free(set);
}
END_TEST

START_TEST(jsonl_errors_name_file_and_line)
{
    struct {
        const char *text;
        const char *vector_field;
        vajra_status want;
        const char *needle;
    } cases[] = {
        {"{\"_id\":\"a\",\"text\":\"x\"}\n{\"_id\":\"b\",\"text\":\"x\"\n", NULL, VAJRA_ERR_ENCODING, "q.jsonl:2: bad JSON"},
        {"{\"_id\":\"a\"}\n\n{\"text\":\"x\"}\n", NULL, VAJRA_ERR_ENCODING, "q.jsonl:3: missing \"_id\""},
        {"{\"_id\":\"a\",\"text\":5}\n", NULL, VAJRA_ERR_ENCODING, "q.jsonl:1: \"text\" is not a string"},
        {"{\"_id\":\"a\",\"title\":[\"x\"]}\n", NULL, VAJRA_ERR_ENCODING, "q.jsonl:1: \"title\" is not a string"},
        {"{\"_id\":1.5}\n", NULL, VAJRA_ERR_ENCODING, "\"_id\" is not a string"},
        {"{\"_id\":\"\"}\n", NULL, VAJRA_ERR_ENCODING, "empty \"_id\""},
        {"[1,2]\n", NULL, VAJRA_ERR_ENCODING, "q.jsonl:1: line is not a JSON object"},
        {"{\"_id\":\"a\"} {\"_id\":\"b\"}\n", NULL, VAJRA_ERR_ENCODING, "q.jsonl:1: bad JSON"},
        {"{\"_id\":\"a\",\"text\":\"ok\"}\n{\"_id\":\"b\",\"text\":\"\xff\xfe\"}\n", NULL, VAJRA_ERR_ENCODING, "q.jsonl:2: invalid UTF-8 at byte 20"},
        {"{\"_id\":\"a\",\"text\":\"\\u0000\"}\n", NULL, VAJRA_ERR_ENCODING, "q.jsonl:1: bad JSON"},
        {"{\"_id\":\"a\",\"v\":[1,2]}\n{\"_id\":\"b\",\"v\":[1]}\n", "v", VAJRA_ERR_DIMENSION, "q.jsonl:2: vector \"v\" has length 1, expected 2"},
        {"{\"_id\":\"a\",\"v\":[1,\"2\"]}\n", "v", VAJRA_ERR_BAD_VALUE, "q.jsonl:1: vector \"v\" element 1"},
        {"{\"_id\":\"a\",\"v\":[1,1e300]}\n", "v", VAJRA_ERR_BAD_VALUE, "element 1"},
        {"{\"_id\":\"a\"}\n", "v", VAJRA_ERR_BAD_VALUE, "q.jsonl:1: missing field \"v\""},
        {"{\"_id\":\"a\",\"v\":[]}\n", "v", VAJRA_ERR_DIMENSION, "length 0"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VajraJsonlOptions opts = {.vector_field = cases[i].vector_field};
        VajraDocSet *set = (VajraDocSet *)&opts; /* must be reset to NULL on failure */
        VajraError err = {0};
        vajra_status st = vajra_docset_parse_jsonl(cases[i].text, strlen(cases[i].text), "q.jsonl",
                                                   &opts, &set, &err);
        ck_assert_msg(st == cases[i].want, "case %zu: got %s (%s)", i, vajra_strerror(st), err.message);
        ck_assert_ptr_null(set);
        ck_assert_msg(strstr(err.message, cases[i].needle), "case %zu: message '%s'", i, err.message);
    }
}
END_TEST

START_TEST(jsonl_repair_utf8_on_request)
{
    const char *text = "{\"_id\":\"a\",\"text\":\"ab\xff" "cd\"}\n";
    VajraJsonlOptions opts = {.repair_utf8 = 1};
    VajraDocSet *set = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_docset_parse_jsonl(text, strlen(text), "r.jsonl", &opts, &set, &err), VAJRA_OK);
    ck_assert_str_eq(vajra_docset_doc(set, 0)->text, "ab\xef\xbf\xbd" "cd"); /* U+FFFD */
    vajra_docset_free(set);
    /* A fixed dimension is enforced from the first line. */
    const char *t2 = "{\"_id\":\"a\",\"v\":[1,2]}\n";
    VajraJsonlOptions o2 = {.vector_field = "v", .dim = 3};
    ck_assert_int_eq(vajra_docset_parse_jsonl(t2, strlen(t2), "r.jsonl", &o2, &set, &err), VAJRA_ERR_DIMENSION);
    /* Empty input: an empty set. */
    ck_assert_int_eq(vajra_docset_parse_jsonl("", 0, "e.jsonl", NULL, &set, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_docset_count(set), 0);
    vajra_docset_free(set);
    ck_assert_int_eq(vajra_docset_read_jsonl("/nonexistent/c.jsonl", NULL, &set, &err), VAJRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/c.jsonl"));
}
END_TEST

/* ---- qrels ---- */

START_TEST(qrels_parse_and_lookup)
{
    const char *text = "query-id\tcorpus-id\tscore\r\n"
                       "q1\td1\t2\n"
                       "q1\td2\t0\n"
                       "\n"
                       "q2\td1\t1\n"
                       "q1\td3\t3\n"
                       "q3\td9\t-1\n";
    VajraQrels *q = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_qrels_parse(text, strlen(text), "qr.tsv", &q, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_qrels_count(q), 5);
    ck_assert_uint_eq(vajra_qrels_query_count(q), 3);
    ck_assert_str_eq(vajra_qrels_query_id(q, 0), "q1");
    ck_assert_str_eq(vajra_qrels_query_id(q, 2), "q3");
    ck_assert_ptr_null(vajra_qrels_query_id(q, 3));
    ck_assert_int_eq(vajra_qrels_grade(q, "q1", "d3"), 3);
    ck_assert_int_eq(vajra_qrels_grade(q, "q1", "d2"), 0);
    ck_assert_int_eq(vajra_qrels_grade(q, "q1", "d9"), 0);
    ck_assert_int_eq(vajra_qrels_grade(q, "q3", "d9"), -1);
    ck_assert_int_eq(vajra_qrels_grade(q, "zz", "d1"), 0);
    ck_assert_uint_eq(vajra_qrels_relevant_count(q, "q1"), 2);
    ck_assert_uint_eq(vajra_qrels_relevant_count(q, "q3"), 0);
    ck_assert_int_eq(vajra_qrels_add(q, "q2", "d1", 4, &err), VAJRA_ERR_DUPLICATE);
    ck_assert_int_eq(vajra_qrels_add(q, "q2", "d5", 4, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_qrels_relevant_count(q, "q2"), 2);
    vajra_qrels_free(q);
}
END_TEST

START_TEST(qrels_errors_name_line)
{
    struct {
        const char *text;
        vajra_status want;
        const char *needle;
    } cases[] = {
        {"query-id\tcorpus-id\tscore\nq1\td1\n", VAJRA_ERR_ENCODING, "qr.tsv:2: expected 3"},
        {"q1\td1\t1\nq1\td1\t2\tx\n", VAJRA_ERR_ENCODING, "qr.tsv:2: expected 3"},
        {"q1\td1\tx\n", VAJRA_ERR_ENCODING, "qr.tsv:1: score \"x\""},
        {"q1\td1\t1.5\n", VAJRA_ERR_ENCODING, "qr.tsv:1: score"},
        {"q1\td1\t\n", VAJRA_ERR_ENCODING, "qr.tsv:1: score"},
        {"q1\t\t1\n", VAJRA_ERR_ENCODING, "qr.tsv:1: empty"},
        {"q1\td1\t1\n\nq1\td1\t0\n", VAJRA_ERR_DUPLICATE, "qr.tsv:3: (q1, d1) judged twice"},
        {"q1\td1\t1\nquery-id\tcorpus-id\tscore\n", VAJRA_ERR_ENCODING, "qr.tsv:2: score"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VajraQrels *q = NULL;
        VajraError err = {0};
        vajra_status st = vajra_qrels_parse(cases[i].text, strlen(cases[i].text), "qr.tsv", &q, &err);
        ck_assert_msg(st == cases[i].want, "case %zu: got %s (%s)", i, vajra_strerror(st), err.message);
        ck_assert_ptr_null(q);
        ck_assert_msg(strstr(err.message, cases[i].needle), "case %zu: '%s'", i, err.message);
    }
}
END_TEST

/* ---- the real data ---- */

START_TEST(real_cranfield)
{
    char *corpus = data_path("cranfield/corpus.jsonl"), *queries = data_path("cranfield/queries.jsonl"),
         *qrels = data_path("cranfield/qrels.tsv"), *docs_npy = data_path("cranfield/lsa128.docs.npy");
    VajraDocSet *c = NULL, *q = NULL;
    VajraQrels *r = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_docset_read_jsonl(corpus, NULL, &c, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(vajra_docset_count(c), 1400);
    ck_assert_msg(vajra_docset_read_jsonl(queries, NULL, &q, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(vajra_docset_count(q), 225);
    /* Query ids are 1..225 in file order. */
    for (size_t i = 0; i < 225; i++) {
        char want[16];
        snprintf(want, sizeof want, "%zu", i + 1);
        ck_assert_str_eq(vajra_docset_doc(q, i)->id, want);
    }
    ck_assert_msg(vajra_qrels_read(qrels, &r, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(vajra_qrels_count(r), 1612);
    /* Grades are 1..4 and every judged document exists in the corpus. */
    for (size_t i = 0; i < vajra_qrels_query_count(r); i++)
        ck_assert(vajra_qrels_relevant_count(r, vajra_qrels_query_id(r, i)) > 0);
    VajraMatrixF32 m = {0};
    ck_assert_msg(vajra_npy_read_f32(docs_npy, &m, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(m.rows, 1400);
    ck_assert_uint_eq(m.dim, 128);
    /* Rows are L2-normalised, except that an empty document (no terms) has the zero vector. */
    size_t empty = 0;
    for (size_t i = 0; i < m.rows; i++) {
        double s = 0;
        for (size_t j = 0; j < m.dim; j++)
            s += (double)m.data[i * m.dim + j] * m.data[i * m.dim + j];
        const VajraDocument *doc = vajra_docset_doc(c, i);
        if (doc->text[0] == '\0' && (!doc->title || doc->title[0] == '\0')) {
            ck_assert_msg(s == 0.0, "empty doc %s has norm^2 %g", doc->id, s);
            empty++;
        } else {
            ck_assert_msg(fabs(s - 1.0) < 1e-4, "row %zu (doc %s) norm^2 %g", i, doc->id, s);
        }
    }
    ck_assert_uint_lt(empty, 10);
    ck_assert_int_eq(vajra_docset_attach_vectors(c, &m, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_docset_doc(c, 1399)->dim, 128);
    vajra_matrix_f32_clear(&m);
    vajra_docset_free(c);
    vajra_docset_free(q);
    vajra_qrels_free(r);
    g_free(corpus);
    g_free(queries);
    g_free(qrels);
    g_free(docs_npy);
}
END_TEST

START_TEST(real_wordnet_f16_and_ground_truth)
{
    /* The ground-truth scores were computed by the data's maker in float32 on the float16 values:
     * recomputing them from our widened vectors checks the f16 path end to end. */
    char *docs = data_path("wordnet/lsa384.docs50k.f16.npy"), *qs = data_path("wordnet/lsa384.queries.npy"),
         *gti = data_path("wordnet/lsa384.gt50k.ids.npy"), *gts = data_path("wordnet/lsa384.gt50k.scores.npy");
    VajraMatrixF32 d = {0}, q = {0}, s = {0};
    VajraMatrixI32 ids = {0};
    VajraError err = {0};
    ck_assert_msg(vajra_npy_read_f32(docs, &d, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_npy_read_f32(qs, &q, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_npy_read_i32(gti, &ids, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_npy_read_f32(gts, &s, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(d.rows, 50000);
    ck_assert_uint_eq(d.dim, 384);
    ck_assert_uint_eq(q.rows, 1000);
    ck_assert_uint_eq(q.dim, 384);
    ck_assert_uint_eq(ids.rows, 1000);
    ck_assert_uint_eq(ids.dim, 100);
    ck_assert_uint_eq(s.rows, 1000);
    for (size_t qi = 0; qi < q.rows; qi += 37) {
        for (size_t k = 0; k < 100; k += 9) {
            int32_t id = ids.data[qi * 100 + k];
            ck_assert(id >= 0 && id < 50000);
            double dot = 0;
            for (size_t j = 0; j < 384; j++)
                dot += (double)q.data[qi * 384 + j] * d.data[(size_t)id * 384 + j];
            ck_assert_msg(fabs(dot - s.data[qi * 100 + k]) < 1e-4, "q %zu k %zu: %g vs %g", qi, k,
                          dot, s.data[qi * 100 + k]);
        }
    }
    /* Rows are L2-normalised before rounding to float16: norms within f16 precision of 1. */
    for (size_t i = 0; i < d.rows; i += 101) {
        double n2 = 0;
        for (size_t j = 0; j < 384; j++)
            n2 += (double)d.data[i * 384 + j] * d.data[i * 384 + j];
        ck_assert_msg(fabs(n2 - 1.0) < 2e-3, "row %zu norm^2 %g", i, n2);
    }
    vajra_matrix_f32_clear(&d);
    vajra_matrix_f32_clear(&q);
    vajra_matrix_f32_clear(&s);
    vajra_matrix_i32_clear(&ids);
    g_free(docs);
    g_free(qs);
    g_free(gti);
    g_free(gts);
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *t = tcase_create("formats");
    tcase_add_test(t, f16_hand_values);
    tcase_add_test(t, f16_all_values_match_compiler);
    tcase_add_test(t, npy_f4_roundtrip_v1_and_v2);
    tcase_add_test(t, npy_f2_widened_and_1d_shape);
    tcase_add_test(t, npy_i4_ids);
    tcase_add_test(t, npy_rejects_bad_files);
    tcase_add_test(t, npy_rejects_truncated_headers);
    tcase_add_test(t, npy_file_errors_name_the_path);
    tcase_add_test(t, fvecs_reads_and_validates);
    tcase_add_test(t, jsonl_reads_fields_and_vectors);
    tcase_add_test(t, jsonl_errors_name_file_and_line);
    tcase_add_test(t, jsonl_repair_utf8_on_request);
    tcase_add_test(t, qrels_parse_and_lookup);
    tcase_add_test(t, qrels_errors_name_line);
    suite_add_tcase(s, t);
    TCase *real = tcase_create("real-data");
    tcase_set_timeout(real, 120);
    tcase_add_test(real, real_cranfield);
    tcase_add_test(real, real_wordnet_f16_and_ground_truth);
    suite_add_tcase(s, real);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(io_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
