/* Writes the fuzzers' seed corpora from the shared test data (../shared/data), so no binary seed
 * lives in the repository and every seed is a real file or a real index:
 *     fuzz-make-seeds <data dir> <output dir>
 * makes <output dir>/<target>/<seed> for the targets jsonl, qrels, npy, fvecs, filter,
 * attrs-load, descriptor, container, and (when their plugins are built) analyzer, lexical-load, hnsw-load.
 * Run by scripts/fuzz.sh before fuzzing. Exits non-zero on any failure. */
#include <errno.h>
#include <glib.h>
#include <sys/stat.h>

#include "fuzz_util.h"
#include "vajra/attrs.h"
#include "vajra/collection.h"
#include "vajra/io.h"
#include "vajra/lexical.h"
#include "vajra/scorer.h"
#include "vajra/storage.h"
#include "vajra/vector.h"

static const char *out_dir;

static void die(const char *what, const VajraError *err)
{
    fprintf(stderr, "fuzz-make-seeds: %s: %s\n", what, err ? err->message : strerror(errno));
    exit(1);
}

static FILE *open_seed(const char *target, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        die(path, NULL);
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        die(path, NULL);
    return f;
}

static void write_seed(const char *target, const char *name, const void *prefix, size_t plen,
                       const void *data, size_t len)
{
    FILE *f = open_seed(target, name);
    if ((plen && fwrite(prefix, 1, plen, f) != plen) || (len && fwrite(data, 1, len, f) != len) ||
        fclose(f) != 0)
        die(name, NULL);
}

static char *slurp(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die(path, NULL);
    char *buf = malloc(max + 1);
    *len = fread(buf, 1, max, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* The first `lines` lines of a text file. */
static char *head_lines(const char *path, int lines, size_t *len)
{
    size_t n;
    char *buf = slurp(path, 1 << 20, &n);
    size_t pos = 0;
    for (int l = 0; l < lines && pos < n; l++) {
        char *nl = memchr(buf + pos, '\n', n - pos);
        pos = nl ? (size_t)(nl - buf) + 1 : n;
    }
    buf[pos] = '\0';
    *len = pos;
    return buf;
}

static void npy_seed(const char *name, const char *descr, size_t rows, size_t dim,
                     const void *values, size_t value_size)
{
    char header[256];
    int hl = snprintf(header, sizeof header,
                      "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }", descr,
                      rows, dim);
    size_t total = 10 + (size_t)hl + 1;
    size_t padded = (total + 63) / 64 * 64;
    FILE *f = open_seed("npy", name);
    uint16_t hlen = (uint16_t)(padded - 10);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fwrite(&hlen, 2, 1, f);
    fwrite(header, 1, (size_t)hl, f);
    for (size_t i = total - 1; i < padded - 1; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(values, value_size, rows * dim, f);
    if (fclose(f) != 0)
        die(name, NULL);
}

/* The raw data bytes of an .npy file (after its header), at most `max` of them. */
static const uint8_t *npy_payload(const char *path, size_t max, char **keep)
{
    size_t n;
    *keep = slurp(path, max + 4096, &n);
    uint16_t hl;
    memcpy(&hl, *keep + 8, 2);
    return (const uint8_t *)*keep + 10 + hl;
}

/* A section writer that records sections in the section_blob.h layout. */
typedef struct BlobWriter {
    FILE *f;
    VajraSectionWriter w;
} BlobWriter;

static vajra_status blob_write(void *self, const char *name, const void *data, size_t len,
                               VajraError *err)
{
    BlobWriter *b = self;
    uint8_t nl = (uint8_t)strlen(name);
    uint32_t dl = (uint32_t)len;
    if (len > UINT32_MAX)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "section too big for a seed");
    fwrite(&nl, 1, 1, b->f);
    fwrite(name, 1, nl, b->f);
    fwrite(&dl, 4, 1, b->f);
    if (len)
        fwrite(data, 1, len, b->f);
    return VAJRA_OK;
}

/* A section writer that writes the section's bytes only (self is the FILE). */
static vajra_status raw_write(void *self, const char *name, const void *data, size_t len,
                              VajraError *err)
{
    (void)name;
    if (len && fwrite(data, 1, len, self) != len)
        return vajra_error_set(err, VAJRA_ERR_IO, "seed write failed");
    return VAJRA_OK;
}

/* Both writers at once: the blob seed and a real container through storage-file. */
typedef struct TeeWriter {
    const VajraSectionWriter *a, *b;
    VajraSectionWriter w;
} TeeWriter;

static vajra_status tee_write(void *self, const char *name, const void *data, size_t len,
                              VajraError *err)
{
    TeeWriter *t = self;
    vajra_status st = t->a->write(t->a->self, name, data, len, err);
    return st == VAJRA_OK ? t->b->write(t->b->self, name, data, len, err) : st;
}

/* Writes a lexical index as the flat format (1) wrote it, to keep that loader path seeded: passes
 * every section through to `out` except lex.meta (format 3 → 1) and lex.post.pack, which becomes
 * lex.post.docs + lex.post.tfs read back term by term through vt->postings. */
typedef struct FlatLexWriter {
    const VajraSectionWriter *out;
    const VajraLexicalVtable *vt;
    const VajraLexicalIndex *idx;
    GByteArray *terms_off, *terms; /* copies of lex.terms.off and lex.terms as they pass */
    VajraSectionWriter w;
} FlatLexWriter;

static vajra_status flat_lex_write(void *self, const char *name, const void *data, size_t len,
                                   VajraError *err)
{
    FlatLexWriter *fl = self;
    if (strcmp(name, "lex.terms.off") == 0)
        g_byte_array_append(fl->terms_off, data, (guint)len);
    if (strcmp(name, "lex.terms") == 0)
        g_byte_array_append(fl->terms, data, (guint)len);
    if (strcmp(name, "lex.meta") == 0) {
        uint8_t meta[256];
        if (len > sizeof meta)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lex.meta too big");
        memcpy(meta, data, len);
        meta[8] = 1; /* format_version (u32, little-endian) after the 8-byte magic */
        return fl->out->write(fl->out->self, name, meta, len, err);
    }
    if (strcmp(name, "lex.post.pack") != 0)
        return fl->out->write(fl->out->self, name, data, len, err);
    GArray *arr[2] = {g_array_new(FALSE, FALSE, 4), g_array_new(FALSE, FALSE, 4)};
    const uint64_t *off = (const uint64_t *)(void *)fl->terms_off->data;
    for (size_t t = 0; t + 1 < fl->terms_off->len / 8; t++) {
        VajraPostingsView v;
        fl->vt->postings(fl->idx, (const char *)fl->terms->data + off[t], &v);
        g_array_append_vals(arr[0], v.docs, (guint)v.count);
        g_array_append_vals(arr[1], v.tfs, (guint)v.count);
    }
    vajra_status st = fl->out->write(fl->out->self, "lex.post.docs", arr[0]->data,
                                     (size_t)arr[0]->len * 4, err);
    if (st == VAJRA_OK)
        st = fl->out->write(fl->out->self, "lex.post.tfs", arr[1]->data, (size_t)arr[1]->len * 4,
                            err);
    g_array_free(arr[0], TRUE);
    g_array_free(arr[1], TRUE);
    return st;
}

/* Collections: two small live collections (lexical only, and with 8-d vectors), each with two
 * segments and deleted documents, so the seeds hold every format-2 section kind. */
static void collection_seeds(const char *data)
{
    VajraError err = {0};
    char path[4096];
    VajraDocSet *docs = NULL;
    VajraMatrixF32 m = {0};
    snprintf(path, sizeof path, "%s/cranfield/corpus.jsonl", data);
    if (vajra_docset_read_jsonl(path, NULL, &docs, &err) != VAJRA_OK)
        die(path, &err);
    snprintf(path, sizeof path, "%s/cranfield/lsa128.docs.npy", data);
    if (vajra_npy_read_f32(path, &m, &err) != VAJRA_OK)
        die(path, &err);
    for (uint32_t dim = 0; dim <= 8; dim += 8) {
        VajraCollectionOptions o = {.struct_size = sizeof o, .dim = dim,
                                    .metric = VAJRA_METRIC_L2, .profile = "instant",
                                    .M = 4, .ef_construction = 16, .threads = 1};
        VajraCollection *c = NULL;
        if (vajra_collection_create(fuzz_registry(), &o, &c, &err) != VAJRA_OK)
            die("collection", &err);
        for (int part = 0; part < 2; part++) {
            VajraDocument d[10];
            for (int i = 0; i < 10; i++) {
                d[i] = *vajra_docset_doc(docs, (size_t)(part * 10 + i));
                d[i].vector = dim ? m.data + (size_t)(part * 10 + i) * 128 : NULL;
                d[i].dim = dim;
            }
            VajraDocBatch b = {d, 10};
            const char *gone[] = {vajra_docset_doc(docs, 3)->id};
            if (vajra_collection_add(c, &b, &err) != VAJRA_OK ||
                (part == 1 && vajra_collection_delete(c, gone, 1, &err) != VAJRA_OK) ||
                vajra_collection_commit(c, &err) != VAJRA_OK)
                die("collection build", &err);
        }
        BlobWriter bw = {open_seed("collection-load", dim ? "cranfield-vectors" : "cranfield"),
                         {0}};
        bw.w = (VajraSectionWriter){&bw, blob_write};
        if (vajra_collection_write_sections(c, &bw.w, &err) != VAJRA_OK)
            die("collection sections", &err);
        fclose(bw.f);
        vajra_collection_free(c);
    }
    vajra_matrix_f32_clear(&m);
    vajra_docset_free(docs);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz-make-seeds <data dir> <output dir>\n");
        return 2;
    }
    const char *data = argv[1];
    out_dir = argv[2];
    if (mkdir(out_dir, 0755) != 0 && errno != EEXIST)
        die(out_dir, NULL);
    char path[4096];
    size_t len;
    VajraError err = {0};

    /* jsonl: real lines, each with a mode byte (see fuzz_jsonl.c). */
    snprintf(path, sizeof path, "%s/cranfield/corpus.jsonl", data);
    char *text = head_lines(path, 6, &len);
    write_seed("jsonl", "cranfield-corpus", "\0", 1, text, len);
    write_seed("jsonl", "cranfield-corpus-repair", "\4", 1, text, len);
    free(text);
    snprintf(path, sizeof path, "%s/cranfield/queries.jsonl", data);
    text = head_lines(path, 8, &len);
    write_seed("jsonl", "cranfield-queries", "\0", 1, text, len);
    free(text);
    snprintf(path, sizeof path, "%s/wordnet/corpus.jsonl", data);
    text = head_lines(path, 8, &len);
    write_seed("jsonl", "wordnet-corpus", "\0", 1, text, len);
    free(text);
    /* Cranfield documents with their LSA vectors (first 4 of 128 dims) as a vector field. */
    {
        VajraMatrixF32 m = {0};
        snprintf(path, sizeof path, "%s/cranfield/lsa128.docs.npy", data);
        if (vajra_npy_read_f32(path, &m, &err) != VAJRA_OK)
            die(path, &err);
        GString *s = g_string_new(NULL);
        for (int i = 0; i < 3; i++)
            g_string_append_printf(s, "{\"_id\": \"%d\", \"title\": null, \"text\": \"t\", "
                                      "\"vec\": [%.9g, %.9g, %.9g, %.9g]}\n",
                                   i + 1, m.data[i * 128], m.data[i * 128 + 1],
                                   m.data[i * 128 + 2], m.data[i * 128 + 3]);
        write_seed("jsonl", "cranfield-vectors", "\1", 1, s->str, s->len);
        write_seed("jsonl", "cranfield-vectors-dim4", "\x33", 1, s->str, s->len);
        g_string_free(s, TRUE);

        /* npy and fvecs from the same real vectors. */
        npy_seed("cranfield-f4", "<f4", 3, 128, m.data, 4);
        FILE *f = open_seed("fvecs", "cranfield");
        for (int i = 0; i < 3; i++) {
            int32_t d = 128;
            fwrite(&d, 4, 1, f);
            fwrite(m.data + i * 128, 4, 128, f);
        }
        fclose(f);
        vajra_matrix_f32_clear(&m);
    }
    char *keep;
    snprintf(path, sizeof path, "%s/wordnet/lsa384.docs50k.f16.npy", data);
    npy_seed("wordnet-f2", "<f2", 2, 384, npy_payload(path, 2 * 384 * 2, &keep), 2);
    free(keep);
    snprintf(path, sizeof path, "%s/wordnet/lsa384.gt1k.ids.npy", data);
    npy_seed("wordnet-gt-i4", "<i4", 2, 100, npy_payload(path, 2 * 100 * 4, &keep), 4);
    free(keep);

    snprintf(path, sizeof path, "%s/cranfield/qrels.tsv", data);
    text = head_lines(path, 30, &len);
    write_seed("qrels", "cranfield", NULL, 0, text, len);
    free(text);

    /* filter: the documented examples and a few edge cases (see docs/filters.md). */
    {
        static const char *const filters[] = {
            "lang = \"en\" AND year >= 1960",
            "tags = \"wing\" AND NOT tags = \"flow\"",
            "(tags IN [\"wing\", \"heat\"] OR rating > 4.5) AND EXISTS(year)",
            "_id IN [\"1\", \"40\", \"y z\"] OR `odd name` != \"a\\\"b\"",
            "lang != \"en\" OR NOT EXISTS(lang)",
            "year < 9.3e18 and year > -9223372036854775808 and rating <= -0.25",
            "lang = \"Z\\u00fcrich\" OR tags = \"\\ud83d\\ude00\" OR NOT (FALSE OR TRUE)",
            "year IN [1962, 1962.0, -3] AND rating IN []",
            "",
        };
        for (size_t i = 0; i < sizeof filters / sizeof *filters; i++) {
            char name[32];
            snprintf(name, sizeof name, "example-%zu", i + 1);
            write_seed("filter", name, NULL, 0, filters[i], strlen(filters[i]));
        }
    }

    /* attrs-load: a store of 30 Cranfield documents with attributes made from their titles
     * (lang by title length, year by id, tags = title words of a small vocabulary), plain and
     * with the "reseal the checksum" mode byte. */
    {
        VajraDocSet *docs = NULL;
        snprintf(path, sizeof path, "%s/cranfield/corpus.jsonl", data);
        if (vajra_docset_read_jsonl(path, NULL, &docs, &err) != VAJRA_OK)
            die(path, &err);
        static const char *const langs[] = {"en", "fr", "de"};
        static const char *const vocab[] = {"wing", "flow", "boundary", "layer", "heat", "shock"};
        GPtrArray *json = g_ptr_array_new_with_free_func(g_free);
        for (size_t i = 0; i < 30; i++) {
            const VajraDocument *d = vajra_docset_doc(docs, i);
            const char *title = d->title ? d->title : "";
            GString *j = g_string_new("{");
            if (i % 5)
                g_string_append_printf(j, "\"lang\":\"%s\",", langs[strlen(title) % 3]);
            if (i % 4)
                g_string_append_printf(j, "\"year\":%zu,", 1940 + (i * 7) % 50);
            if (i % 3) {
                g_string_append(j, "\"tags\":[");
                int first = 1;
                for (size_t v = 0; v < sizeof vocab / sizeof *vocab; v++)
                    if (strstr(title, vocab[v])) {
                        g_string_append_printf(j, "%s\"%s\"", first ? "" : ",", vocab[v]);
                        first = 0;
                    }
                g_string_append(j, "],");
            }
            g_string_append_printf(j, "\"rating\":%.2f}", (double)(strlen(d->text) % 500) / 100.0);
            g_ptr_array_add(json, g_string_free(j, FALSE));
        }
        VajraAttrSchema *schema = NULL;
        VajraAttrStore *st = NULL;
        if (vajra_attr_schema_parse("lang:keyword, tags:tags, year:int, rating:float", &schema,
                                    &err) != VAJRA_OK ||
            vajra_attrs_new(schema, &st, &err) != VAJRA_OK ||
            vajra_attrs_append_json(st, (const char *const *)json->pdata,
                                    vajra_docset_ids(docs), 30, 0, &err) != VAJRA_OK)
            die("attribute store", &err);
        FILE *plain = open_seed("attrs-load", "cranfield30");
        FILE *reseal = open_seed("attrs-load", "cranfield30-reseal");
        fputc(0, plain);
        fputc(1, reseal);
        VajraSectionWriter raw1 = {plain, raw_write}, raw2 = {reseal, raw_write};
        if (vajra_attrs_save(st, &raw1, NULL, &err) != VAJRA_OK ||
            vajra_attrs_save(st, &raw2, NULL, &err) != VAJRA_OK || fclose(plain) != 0 ||
            fclose(reseal) != 0)
            die("attribute store save", &err);
        vajra_attrs_free(st);
        vajra_attr_schema_free(schema);
        g_ptr_array_free(json, TRUE);
        vajra_docset_free(docs);
    }

    /* descriptor: a valid descriptor of each kind (fields as fuzz/descriptor_fixture.c reads). */
    for (uint32_t kind = 1; kind <= 5; kind++) {
        uint8_t d[25 + 16] = {0};
        uint32_t size = 0; /* filled below */
        uint16_t major = VAJRA_ABI_MAJOR, minor = VAJRA_ABI_MINOR;
        uint32_t version = 1;
        size = (uint32_t)sizeof(VajraPluginDescriptor);
        memcpy(d, &size, 4);
        memcpy(d + 4, &major, 2);
        memcpy(d + 6, &minor, 2);
        memcpy(d + 8, &kind, 4);
        memcpy(d + 20, &version, 4);
        memcpy(d + 25, "fixture-fuzzed", 14);
        uint8_t expected = (uint8_t)kind;
        char name[32];
        snprintf(name, sizeof name, "kind-%u", kind);
        write_seed("descriptor", name, &expected, 1, d, 25 + 14);
    }

    /* analyzer: real query texts, one per configuration byte. */
    {
        VajraDocSet *qs = NULL;
        snprintf(path, sizeof path, "%s/cranfield/queries.jsonl", data);
        if (vajra_docset_read_jsonl(path, NULL, &qs, &err) != VAJRA_OK)
            die(path, &err);
        for (size_t i = 0; i < 6; i++) {
            const VajraDocument *d = vajra_docset_doc(qs, i);
            uint8_t c = (uint8_t)(i % 3);
            char name[32];
            snprintf(name, sizeof name, "cranfield-q%zu", i + 1);
            write_seed("analyzer", name, &c, 1, d->text, strlen(d->text));
        }
        vajra_docset_free(qs);
        snprintf(path, sizeof path, "%s/wordnet/queries.jsonl", data);
        if (vajra_docset_read_jsonl(path, NULL, &qs, &err) != VAJRA_OK)
            die(path, &err);
        for (size_t i = 0; i < 3; i++) {
            const VajraDocument *d = vajra_docset_doc(qs, i);
            char name[32];
            snprintf(name, sizeof name, "wordnet-q%zu", i + 1);
            write_seed("analyzer", name, "\0", 1, d->title ? d->title : d->text,
                       strlen(d->title ? d->title : d->text));
        }
        vajra_docset_free(qs);
    }

    /* Index seeds: a small real lexical and HNSW index, saved both as blobs and, together, as
     * one real container (storage-file), which seeds the container fuzzer. */
    VajraPlugin *storage = fuzz_plugin(VAJRA_PLUGIN_STORAGE, "storage-file");
    const VajraStorageOps *sops = vajra_plugin_vtable(storage);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/.seed-container.vjr", out_dir);
    VajraStorageWriter *sw = NULL;
    if (sops->writer_open(vajra_plugin_state(storage), tmp, &sw, &err) != VAJRA_OK)
        die(tmp, &err);
    const VajraSectionWriter *container = sops->writer_sections(sw);
    vajra_status st = container->write(container->self, "seed.note", "cranfield", 9, &err);
    if (st != VAJRA_OK)
        die("container write", &err);

    VajraPlugin *lex = NULL;
    if (vajra_registry_load(fuzz_registry(), VAJRA_PLUGIN_LEXICAL, "lexical-bm25", &lex, &err) ==
        VAJRA_OK) {
        VajraPlugin *sc = fuzz_plugin(VAJRA_PLUGIN_SCORER, "scorer-bm25");
        const VajraScorerVtable *svt = vajra_plugin_vtable(sc);
        void *inst;
        if (svt->create(vajra_plugin_state(sc), NULL, 0, &inst, &err) != VAJRA_OK)
            die("scorer", &err);
        const VajraLexicalVtable *vt = vajra_plugin_vtable(lex);
        VajraLexicalOptions opts = {.struct_size = sizeof opts,
                                    .scorer = {svt, inst, "scorer-bm25"}};
        VajraDocSet *docs = NULL;
        snprintf(path, sizeof path, "%s/cranfield/corpus.jsonl", data);
        if (vajra_docset_read_jsonl(path, NULL, &docs, &err) != VAJRA_OK)
            die(path, &err);
        VajraDocBatch batch = vajra_docset_batch(docs);
        batch.count = 12;
        VajraLexicalIndex *idx;
        if (vt->create(vajra_plugin_state(lex), &opts, &idx, &err) != VAJRA_OK ||
            vt->add_batch(idx, &batch, &err) != VAJRA_OK || vt->commit(idx, &err) != VAJRA_OK)
            die("lexical index", &err);
        BlobWriter bw = {open_seed("lexical-load", "cranfield12"), {0}};
        bw.w = (VajraSectionWriter){&bw, blob_write};
        TeeWriter tw = {&bw.w, container, {0}};
        tw.w = (VajraSectionWriter){&tw, tee_write};
        if (vt->save(idx, &tw.w, &err) != VAJRA_OK)
            die("lexical save", &err);
        fclose(bw.f);
        BlobWriter fbw = {open_seed("lexical-load", "cranfield12-flat-format1"), {0}};
        fbw.w = (VajraSectionWriter){&fbw, blob_write};
        FlatLexWriter fl = {&fbw.w, vt, idx, g_byte_array_new(), g_byte_array_new(), {0}};
        fl.w = (VajraSectionWriter){&fl, flat_lex_write};
        if (vt->save(idx, &fl.w, &err) != VAJRA_OK)
            die("lexical save (flat format)", &err);
        fclose(fbw.f);
        g_byte_array_free(fl.terms_off, TRUE);
        g_byte_array_free(fl.terms, TRUE);
        vt->free(idx);
        svt->destroy(inst);
        vajra_docset_free(docs);
    } else {
        fprintf(stderr, "fuzz-make-seeds: no lexical plugin yet (%s): skipping its seeds\n",
                err.message);
    }

    VajraPlugin *vec = NULL;
    if (vajra_registry_load(fuzz_registry(), VAJRA_PLUGIN_VECTOR, "vector-hnsw", &vec, &err) ==
        VAJRA_OK) {
        const VajraVectorVtable *vt = vajra_plugin_vtable(vec);
        VajraMatrixF32 m = {0};
        snprintf(path, sizeof path, "%s/cranfield/lsa128.docs.npy", data);
        if (vajra_npy_read_f32(path, &m, &err) != VAJRA_OK)
            die(path, &err);
        static const struct {
            const char *name;
            uint32_t metric, dim, M;
        } shapes[] = {{"cranfield-ip", VAJRA_METRIC_IP, 128, 4},
                      {"cranfield-l2-dim8", VAJRA_METRIC_L2, 8, 2},
                      {"cranfield-cos-dim4", VAJRA_METRIC_COSINE, 4, 3}};
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
            uint32_t dim = shapes[s].dim, rows = 24;
            float *v = malloc(sizeof(float) * rows * dim); /* a prefix of each real vector */
            for (uint32_t r = 0; r < rows; r++)
                memcpy(v + r * dim, m.data + r * 128, dim * sizeof *v);
            VajraVectorParams p = {.struct_size = sizeof p, .dim = dim,
                                   .metric = shapes[s].metric, .M = shapes[s].M,
                                   .ef_construction = 16, .ef_search = 16, .seed = 7};
            VajraVectorIndex *idx;
            if (vt->create(vajra_plugin_state(vec), &p, &idx, &err) != VAJRA_OK ||
                vt->add(idx, v, dim, rows, 1, NULL, &err) != VAJRA_OK)
                die("hnsw index", &err);
            BlobWriter bw = {open_seed("hnsw-load", shapes[s].name), {0}};
            bw.w = (VajraSectionWriter){&bw, blob_write};
            TeeWriter tw = {&bw.w, container, {0}};
            tw.w = (VajraSectionWriter){&tw, tee_write};
            /* Only the first index goes into the container (section names are unique). */
            if (vt->save(idx, s == 0 ? &tw.w : &bw.w, &err) != VAJRA_OK)
                die("hnsw save", &err);
            fclose(bw.f);
            vt->destroy(idx);
            free(v);
        }
        vajra_matrix_f32_clear(&m);
    } else {
        fprintf(stderr, "fuzz-make-seeds: no vector plugin yet (%s): skipping its seeds\n",
                err.message);
    }

    if (sops->writer_commit(sw, &err) != VAJRA_OK)
        die("container commit", &err);
    char *bytes = slurp(tmp, 64u << 20, &len);
    write_seed("container", "cranfield", "\0", 1, bytes, len);
    write_seed("container", "cranfield-fixsums", "\1", 1, bytes, len);
    free(bytes);
    remove(tmp);
    if (lex != NULL && vec != NULL)
        collection_seeds(data);
    return 0;
}
