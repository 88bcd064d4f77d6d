/* The bit-packed postings of lexical-bm25 (plugins/lexical/postpack.c), compiled in directly:
 * round trips of synthetic postings with every bit width from 0 to 32 (documents up to
 * UINT32_MAX - 1, tfs up to UINT32_MAX), block edges (127/128/129/256 postings), deterministic
 * bytes, and refusal of truncated, extended, mis-padded and mis-sized streams. Whole indexes
 * (Cranfield, old-format files) are covered through the plugin in test_lexical_parity.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <glib.h>

#include "index.h"

typedef struct Synth {
    LexFlat f;
    uint64_t *off;
    uint32_t *docs, *tfs, *len;
    size_t len_bytes;
    int mapped;
} Synth;

static void synth_free(Synth *s)
{
    free(s->off);
    free(s->docs);
    free(s->tfs);
    if (s->mapped)
        munmap(s->len, s->len_bytes);
    else
        free(s->len);
}

/* Random terms over n_docs documents (doc_len = UINT32_MAX each, so any tf is valid). Term t
 * gets counts[t % n_counts] postings whose gaps have widths cycling through 0..max_width. */
static Synth synth_random(uint32_t seed, uint64_t n_docs, const uint32_t *counts, size_t n_counts,
                          size_t n_terms)
{
    Synth s = {0};
    GRand *rng = g_rand_new_with_seed(seed);
    s.off = calloc(n_terms + 1, sizeof *s.off);
    for (size_t t = 0; t < n_terms; t++)
        s.off[t + 1] = s.off[t] + counts[t % n_counts];
    uint64_t P = s.off[n_terms];
    s.docs = malloc(P * 4), s.tfs = malloc(P * 4);
    s.len = malloc(n_docs * 4);
    for (uint64_t d = 0; d < n_docs; d++)
        s.len[d] = UINT32_MAX;
    for (size_t t = 0; t < n_terms; t++) {
        uint64_t n = s.off[t + 1] - s.off[t];
        /* Spread: the largest gap that still fits n postings under n_docs. */
        uint64_t room = (n_docs - n) / n;
        unsigned w = (unsigned)(t % 21);
        uint64_t cap = (UINT64_C(1) << w) - 1 < room ? (UINT64_C(1) << w) - 1 : room;
        uint64_t doc = 0;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t gap = cap ? (uint64_t)g_rand_int_range(rng, 0, (gint32)cap + 1) : 0;
            doc = i == 0 ? gap : doc + 1 + gap;
            s.docs[s.off[t] + i] = (uint32_t)doc;
            unsigned tw = (unsigned)g_rand_int_range(rng, 0, 33);
            uint32_t tf = tw == 0 ? 1 : (uint32_t)(g_rand_int(rng) >> (32 - tw));
            s.tfs[s.off[t] + i] = tf ? tf : 1;
        }
    }
    g_rand_free(rng);
    s.f = (LexFlat){.n_docs = n_docs, .n_terms = n_terms, .n_postings = P, .doc_len = s.len,
                    .post_off = s.off, .post_docs = s.docs, .post_tfs = s.tfs};
    return s;
}

static void assert_round_trip(const Synth *s, uint8_t **pack_out, size_t *len_out)
{
    VajraError err = {0};
    uint8_t *pack = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    ck_assert_int_eq(lex_pack_postings(&s->f, &pack, &len, &err), VAJRA_OK);
    ck_assert_int_eq(lex_pack_postings(&s->f, &again, &len2, &err), VAJRA_OK);
    ck_assert(len == len2 && memcmp(pack, again, len) == 0); /* deterministic */
    free(again);
    uint32_t *docs = NULL, *tfs = NULL;
    ck_assert_msg(lex_unpack_postings(&s->f, pack, len, &docs, &tfs, &err) == VAJRA_OK, "%s",
                  err.message);
    ck_assert(memcmp(docs, s->docs, s->f.n_postings * 4) == 0);
    ck_assert(memcmp(tfs, s->tfs, s->f.n_postings * 4) == 0);
    free(docs);
    free(tfs);
    *pack_out = pack;
    *len_out = len;
}

static vajra_status unpack(const Synth *s, const uint8_t *pack, size_t len)
{
    VajraError err = {0};
    uint32_t *docs = NULL, *tfs = NULL;
    vajra_status st = lex_unpack_postings(&s->f, pack, len, &docs, &tfs, &err);
    if (st == VAJRA_OK) {
        free(docs);
        free(tfs);
    } else {
        ck_assert(docs == NULL && tfs == NULL);
    }
    return st;
}

/* Widths 32: documents 0 and UINT32_MAX - 1 (gap UINT32_MAX - 2 after the first: 32 bits), tfs
 * 1 and UINT32_MAX (tf - 1 needs 32 bits). doc_len is a sparse 16 GiB mapping: only the two
 * pages written are ever backed. */
START_TEST(test_widths_32)
{
    Synth s = {0};
    s.len_bytes = (size_t)UINT32_MAX * 4;
    void *m = mmap(NULL, s.len_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert(m != MAP_FAILED);
    s.len = m, s.mapped = 1;
    s.len[0] = 5, s.len[UINT32_MAX - 2] = UINT32_MAX;
    static const uint64_t off[] = {0, 2, 3};
    s.off = malloc(sizeof off);
    memcpy(s.off, off, sizeof off);
    s.docs = malloc(12), s.tfs = malloc(12);
    s.docs[0] = 0, s.tfs[0] = 1, s.docs[1] = UINT32_MAX - 2, s.tfs[1] = UINT32_MAX;
    s.docs[2] = UINT32_MAX - 2, s.tfs[2] = 0x80000000u; /* first posting of a term: 32 bits */
    s.f = (LexFlat){.n_docs = UINT32_MAX - 1, .n_terms = 2, .n_postings = 3, .doc_len = s.len,
                    .post_off = s.off, .post_docs = s.docs, .post_tfs = s.tfs};
    uint8_t *pack;
    size_t len;
    assert_round_trip(&s, &pack, &len);
    ck_assert_uint_eq(pack[0], 32);
    ck_assert_uint_eq(pack[1], 32);
    ck_assert_uint_eq(len, (2 + 16) + (2 + 8));
    /* One document fewer: the last document number is out of range. */
    s.f.n_docs = UINT32_MAX - 2;
    ck_assert_int_eq(unpack(&s, pack, len), VAJRA_ERR_CORRUPT);
    s.f.n_docs = UINT32_MAX - 1;
    /* A tf above its document's length. */
    s.len[UINT32_MAX - 2] = UINT32_MAX - 1;
    ck_assert_int_eq(unpack(&s, pack, len), VAJRA_ERR_CORRUPT);
    s.len[UINT32_MAX - 2] = UINT32_MAX;
    ck_assert_int_eq(unpack(&s, pack, len), VAJRA_OK);
    /* A width above 32. */
    pack[0] = 33;
    ck_assert_int_eq(unpack(&s, pack, len), VAJRA_ERR_CORRUPT);
    free(pack);
    synth_free(&s);
}
END_TEST

START_TEST(test_random_round_trip_and_corruption)
{
    static const uint32_t counts[] = {1, 2, 127, 128, 129, 256, 300, 3, 1000};
    Synth s = synth_random(11, UINT64_C(1) << 21, counts, 9, 150);
    uint8_t *pack;
    size_t len;
    assert_round_trip(&s, &pack, &len);
    /* Wide widths occur: doc gaps near the 21 bits of 2^21 documents, tfs up to 32 bits. */
    unsigned seen_d = 0, seen_t = 0;
    const uint8_t *p = pack;
    for (uint64_t t = 0; t < s.f.n_terms; t++)
        for (uint64_t lo = s.off[t]; lo < s.off[t + 1]; lo += LEX_PACK_BLOCK) {
            uint64_t n = s.off[t + 1] - lo < LEX_PACK_BLOCK ? s.off[t + 1] - lo : LEX_PACK_BLOCK;
            seen_d = p[0] > seen_d ? p[0] : seen_d;
            seen_t = p[1] > seen_t ? p[1] : seen_t;
            p += 2 + (n * (p[0] + p[1]) + 7) / 8;
        }
    ck_assert(p == pack + len);
    ck_assert_uint_ge(seen_d, 19);
    ck_assert_uint_eq(seen_t, 32);

    /* Every truncation, and one byte too many. */
    for (size_t cut = 0; cut < len; cut += 1 + cut / 64)
        ck_assert_int_eq(unpack(&s, pack, cut), VAJRA_ERR_CORRUPT);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, pack, len);
    longer[len] = 0;
    ck_assert_int_eq(unpack(&s, longer, len + 1), VAJRA_ERR_CORRUPT);
    free(longer);
    /* More postings than the stream can hold: refused before allocating. */
    LexFlat saved = s.f;
    s.f.n_postings = (uint64_t)len / 2 * LEX_PACK_BLOCK + 1;
    ck_assert_int_eq(unpack(&s, pack, len), VAJRA_ERR_CORRUPT);
    s.f = saved;
    /* Random bit flips: refused or decoded, never a memory error (run under ASan). Data bits
     * carry no redundancy (a flipped gap or tf is another valid posting; the container's
     * checksums are what catch random damage), so only width and padding flips are refused. */
    GRand *rng = g_rand_new_with_seed(5);
    size_t refused = 0;
    for (int i = 0; i < 2000; i++) {
        size_t at = (size_t)g_rand_int_range(rng, 0, (gint32)len);
        uint8_t bit = (uint8_t)(1u << g_rand_int_range(rng, 0, 8));
        pack[at] ^= bit;
        vajra_status st = unpack(&s, pack, len);
        ck_assert(st == VAJRA_OK || st == VAJRA_ERR_CORRUPT);
        refused += st != VAJRA_OK;
        pack[at] ^= bit;
    }
    ck_assert_uint_gt(refused, 0);
    g_rand_free(rng);
    free(pack);
    synth_free(&s);
}
END_TEST

/* Padding bits must be zero; a width that no longer matches the stream is refused. */
START_TEST(test_padding_and_widths)
{
    static const uint32_t counts[] = {3};
    Synth s = synth_random(3, 1000, counts, 1, 1);
    s.docs[0] = 0, s.docs[1] = 1, s.docs[2] = 2; /* gaps 0: doc width 0 */
    s.tfs[0] = 1, s.tfs[1] = 2, s.tfs[2] = 1;    /* tf - 1 width 1: 3 bits + 5 padding */
    for (uint64_t d = 0; d < 1000; d++)
        s.len[d] = 10;
    uint8_t *pack;
    size_t len;
    assert_round_trip(&s, &pack, &len);
    ck_assert_uint_eq(len, 3);
    ck_assert_uint_eq(pack[0], 0);
    ck_assert_uint_eq(pack[1], 1);
    ck_assert_uint_eq(pack[2], 0x02);
    pack[2] |= 0x80; /* a padding bit */
    ck_assert_int_eq(unpack(&s, pack, len), VAJRA_ERR_CORRUPT);
    pack[2] = 0x02;
    pack[1] = 9; /* 27 bits: needs 4 bytes, has 1 */
    ck_assert_int_eq(unpack(&s, pack, len), VAJRA_ERR_CORRUPT);
    free(pack);
    synth_free(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("postpack");
    TCase *t = tcase_create("postpack");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_widths_32);
    tcase_add_test(t, test_random_round_trip_and_corruption);
    tcase_add_test(t, test_padding_and_widths);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
