/* lexical-bm25: the saved form of the postings ("lex.post.pack", formats 3 and 4).
 *
 * Term by term, in term order, each term's postings in blocks of LEX_PACK_BLOCK (the last block
 * of a term may be shorter; a block never spans two terms). One block of n postings is
 *
 *     u8 wd, u8 wt                 bit widths, each 0..32
 *     n doc gaps, wd bits each     first posting of the term: its document number;
 *                                  later ones: doc - previous doc - 1 (documents strictly increase)
 *     n tf - 1,   wt bits each
 *     zero bits up to the next byte
 *
 * The bit stream is little-endian: value i of a block starts at bit i * width and its low bits
 * come first (bit b of the stream is bit b % 8 of byte b / 8). The widths are the fewest bits that
 * hold the block's largest value, so the same postings always give the same bytes. The posting
 * counts stay in "lex.post.off" (unchanged), which is what lets the reader know where each term
 * and block ends; the stream has no other framing.
 */
#include <stdlib.h>
#include <string.h>

#include "index.h"

static unsigned bit_width(uint32_t v)
{
    unsigned w = 0;
    while (v != 0)
        w++, v >>= 1;
    return w;
}

/* Widths of the block of postings [lo, hi) of a term whose postings start at `first`. */
static void block_widths(const LexFlat *f, uint64_t first, uint64_t lo, uint64_t hi, unsigned *wd,
                         unsigned *wt)
{
    uint32_t dmax = 0, tmax = 0;
    for (uint64_t p = lo; p < hi; p++) {
        uint32_t gap = p == first ? f->post_docs[p] : f->post_docs[p] - f->post_docs[p - 1] - 1;
        dmax |= gap;
        tmax |= f->post_tfs[p] - 1;
    }
    *wd = bit_width(dmax), *wt = bit_width(tmax);
}

static uint64_t block_bytes(uint64_t n, unsigned wd, unsigned wt)
{
    return 2 + (n * (wd + wt) + 7) / 8;
}

typedef struct BitOut {
    uint8_t *p;
    uint64_t acc;
    unsigned bits;
} BitOut;

static void put_bits(BitOut *o, uint32_t v, unsigned w)
{
    o->acc |= (uint64_t)v << o->bits;
    o->bits += w;
    while (o->bits >= 8) {
        *o->p++ = (uint8_t)o->acc;
        o->acc >>= 8;
        o->bits -= 8;
    }
}

vajra_status lex_pack_postings(const LexFlat *f, uint8_t **out, size_t *out_len, VajraError *err)
{
    /* Pass 1: the exact size. */
    uint64_t total = 0;
    for (uint64_t t = 0; t < f->n_terms; t++)
        for (uint64_t lo = f->post_off[t]; lo < f->post_off[t + 1]; lo += LEX_PACK_BLOCK) {
            uint64_t hi = lo + LEX_PACK_BLOCK < f->post_off[t + 1] ? lo + LEX_PACK_BLOCK
                                                                   : f->post_off[t + 1];
            unsigned wd, wt;
            block_widths(f, f->post_off[t], lo, hi, &wd, &wt);
            total += block_bytes(hi - lo, wd, wt);
        }
    if (total > SIZE_MAX)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: postings too large");
    uint8_t *buf = malloc(total ? (size_t)total : 1);
    if (buf == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    /* Pass 2: the bytes. */
    BitOut o = {buf, 0, 0};
    for (uint64_t t = 0; t < f->n_terms; t++) {
        uint64_t first = f->post_off[t];
        for (uint64_t lo = first; lo < f->post_off[t + 1]; lo += LEX_PACK_BLOCK) {
            uint64_t hi = lo + LEX_PACK_BLOCK < f->post_off[t + 1] ? lo + LEX_PACK_BLOCK
                                                                   : f->post_off[t + 1];
            unsigned wd, wt;
            block_widths(f, first, lo, hi, &wd, &wt);
            *o.p++ = (uint8_t)wd;
            *o.p++ = (uint8_t)wt;
            for (uint64_t p = lo; p < hi; p++)
                put_bits(&o, p == first ? f->post_docs[p]
                                        : f->post_docs[p] - f->post_docs[p - 1] - 1, wd);
            for (uint64_t p = lo; p < hi; p++)
                put_bits(&o, f->post_tfs[p] - 1, wt);
            if (o.bits > 0)
                put_bits(&o, 0, 8 - o.bits); /* pad to the byte */
        }
    }
    *out = buf;
    *out_len = (size_t)total;
    return VAJRA_OK;
}

static vajra_status corrupt(VajraError *err, const char *what)
{
    return vajra_error_set(err, VAJRA_ERR_CORRUPT, "lexical-bm25: corrupt lex.post.pack: %s",
                           what);
}

typedef struct BitIn {
    const uint8_t *p;
    uint64_t acc;
    unsigned bits;
} BitIn;

/* The caller has checked that the block's bytes are all there. */
static uint64_t get_bits(BitIn *in, unsigned w)
{
    while (in->bits < w) {
        in->acc |= (uint64_t)*in->p++ << in->bits;
        in->bits += 8;
    }
    uint64_t v = in->acc & ((UINT64_C(1) << w) - 1);
    in->acc >>= w;
    in->bits -= w;
    return v;
}

vajra_status lex_unpack_postings(const LexFlat *f, const uint8_t *pack, size_t len,
                                 uint32_t **docs_out, uint32_t **tfs_out, VajraError *err)
{
    /* Every block takes at least its two width bytes, so a stream of len bytes holds at most
     * len / 2 blocks of LEX_PACK_BLOCK postings: refuse bigger counts before allocating. */
    if (f->n_postings > (uint64_t)len / 2 * LEX_PACK_BLOCK)
        return corrupt(err, "too short for the number of postings");
    size_t n = f->n_postings ? (size_t)f->n_postings : 1;
    uint32_t *docs = malloc(n * sizeof *docs), *tfs = malloc(n * sizeof *tfs);
    if (docs == NULL || tfs == NULL) {
        free(docs);
        free(tfs);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    }
    static const uint8_t none[1];
    const uint8_t *p = pack != NULL ? pack : none, *end = p + (pack != NULL ? len : 0);
    const char *bad = NULL;
    for (uint64_t t = 0; t < f->n_terms && bad == NULL; t++) {
        uint64_t first = f->post_off[t], stop = f->post_off[t + 1];
        uint64_t prev = 0;
        for (uint64_t lo = first; lo < stop && bad == NULL; lo += LEX_PACK_BLOCK) {
            uint64_t hi = lo + LEX_PACK_BLOCK < stop ? lo + LEX_PACK_BLOCK : stop;
            if (end - p < 2) {
                bad = "truncated";
                break;
            }
            unsigned wd = p[0], wt = p[1];
            if (wd > 32 || wt > 32) {
                bad = "bit width above 32";
                break;
            }
            if ((uint64_t)(end - p) < block_bytes(hi - lo, wd, wt)) {
                bad = "truncated";
                break;
            }
            BitIn in = {p + 2, 0, 0};
            for (uint64_t i = lo; i < hi; i++) {
                uint64_t d = get_bits(&in, wd) + (i == first ? 0 : prev + 1);
                if (d >= f->n_docs) {
                    bad = "document number out of range";
                    break;
                }
                docs[i] = (uint32_t)(prev = d);
            }
            for (uint64_t i = lo; i < hi && bad == NULL; i++) {
                uint64_t tf = get_bits(&in, wt) + 1;
                if (tf > f->doc_len[docs[i]]) {
                    bad = "term frequency above the document's length";
                    break;
                }
                tfs[i] = (uint32_t)tf;
            }
            if (bad == NULL && in.acc != 0)
                bad = "padding bits not zero";
            p = in.p;
        }
    }
    if (bad == NULL && p != end)
        bad = "bytes after the last block";
    if (bad != NULL) {
        free(docs);
        free(tfs);
        return corrupt(err, bad);
    }
    *docs_out = docs;
    *tfs_out = tfs;
    return VAJRA_OK;
}
