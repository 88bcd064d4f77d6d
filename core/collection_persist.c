/* Collections on disk: one container holding "coll.meta" and, per segment i, the sections
 * "s<i>.titles", "s<i>.texts", "s<i>.live" (only when documents were deleted) and the segment's
 * indexes' own sections under the same prefix ("s<i>.lex.*", "s<i>.hnsw.*"). Format 1 (one
 * segment, unprefixed "lex.*"/"hnsw.*", "coll.titles", no texts) still opens, read-only.
 * docs/format.md describes both. Writable opens hold "<path>.lock" (flock) for their lifetime.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collection_internal.h"

#define META_SECTION "coll.meta"
#define TITLES_V1 "coll.titles"
#define SCHEMA_SECTION "coll.schema"
#define META_FORMAT_MAJOR 2
#define META_MAX_BYTES 65536
#define MAX_SEGMENTS 100000

typedef struct FileMeta {
    uint32_t version;
    uint32_t segments;
    int has_segments, has_analyzer, has_vparams;
    int emb_saved; /* the embedder's model is in "coll.emb.*" */
    uint64_t generation;
} FileMeta;

/* Put "<verb> <path>: " before a message that does not name the path yet. */
static vajra_status prefix_path(VajraError *err, const char *verb, const char *path)
{
    if (err != NULL && strstr(err->message, path) == NULL)
        return vajra_error_prefix(err, "%s %s", verb, path);
    return err != NULL ? err->code : VAJRA_ERR_INVALID_ARGUMENT;
}

/* ---- section prefixes: each segment's indexes write and read "s<i>.<name>" ---- */

typedef struct Prefixed {
    const VajraSectionWriter *w;
    const VajraSectionReader *r;
    char prefix[16];
} Prefixed;

static vajra_status prefixed_write(void *self, const char *name, const void *data, size_t len,
                                   VajraError *err)
{
    const Prefixed *p = self;
    char full[2 * VAJRA_SECTION_NAME_MAX];
    snprintf(full, sizeof full, "%s%s", p->prefix, name);
    return p->w->write(p->w->self, full, data, len, err);
}

static vajra_status prefixed_find(void *self, const char *name, const void **data, size_t *len,
                                  VajraError *err)
{
    const Prefixed *p = self;
    char full[2 * VAJRA_SECTION_NAME_MAX];
    snprintf(full, sizeof full, "%s%s", p->prefix, name);
    return p->r->find(p->r->self, full, data, len, err);
}

static vajra_status open_segments(VajraCollection *c, ContainerRef *cref,
                                  const VajraSectionReader *sr, VajraError *err);

/* ---- save ---- */

static char *meta_text(const VajraCollection *c, const Snapshot *s)
{
    GString *t = g_string_new(NULL);
    g_string_append_printf(t, "vajra-collection %d\n", META_FORMAT_MAJOR);
    g_string_append_printf(t, "generation %llu\n", (unsigned long long)s->generation);
    g_string_append_printf(t, "segments %u\n", s->nseg);
    g_string_append_printf(t, "docs %u\n", s->live);
    g_string_append_printf(t, "lexical %s\n", c->lexical_name);
    g_string_append_printf(t, "scorer %s\n", c->scorer_name);
    for (size_t i = 0; i < c->n_scorer_params; i++) {
        char num[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_dtostr(num, sizeof num, c->scorer_params[i].value);
        g_string_append_printf(t, "scorer-param %s %s\n", c->scorer_params[i].name, num);
    }
    g_string_append_printf(t, "analyzer %u %u %u %u\n", c->analyzer.stemmer,
                           c->analyzer.keep_stopwords, c->analyzer.max_token_length,
                           c->analyzer.repair_utf8);
    if (c->analyzer.language != NULL) /* older readers ignore the key */
        g_string_append_printf(t, "language %s\n", c->analyzer.language);
    g_string_append_printf(t, "ignore-title %u\n", c->ignore_title);
    g_string_append_printf(t, "dim %u\n", c->dim);
    if (c->dim > 0) {
        g_string_append_printf(t, "metric %s\n", coll_metric_name(c->metric));
        g_string_append_printf(t, "vector %s\n", c->vector_name);
        if (c->profile != NULL) /* an index without profiles has none */
            g_string_append_printf(t, "profile %s\n", c->profile);
        g_string_append_printf(t, "vector-params %u %u %u %llu\n", c->vparams.M,
                               c->vparams.ef_construction, c->vparams.ef_search,
                               (unsigned long long)c->vparams.seed);
        /* The index's own key/values (params_kv); older readers ignore the key. */
        for (size_t i = 0; i < c->n_vkv; i++)
            g_string_append_printf(t, "vector-param %s %s\n", c->vkv[i].key, c->vkv[i].value);
    }
    coll_embedder_meta(c, t); /* older readers ignore these keys */
    return g_string_free(t, FALSE);
}

static vajra_status write_segment(const VajraCollection *c, const SegView *v, uint32_t i,
                                  const VajraSectionWriter *sw, VajraError *err)
{
    Prefixed p = {.w = sw};
    snprintf(p.prefix, sizeof p.prefix, "s%u.", i);
    VajraSectionWriter pw = {&p, prefixed_write};
    size_t len = 0;
    const void *bytes = strtab_bytes(&v->seg->titles, &len);
    vajra_status st = pw.write(pw.self, "titles", bytes, len, err);
    if (st == VAJRA_OK && v->seg->has_texts) {
        bytes = strtab_bytes(&v->seg->texts, &len);
        st = pw.write(pw.self, "texts", bytes, len, err);
    }
    if (st == VAJRA_OK && v->live != NULL) {
        size_t words = ((size_t)v->seg->n + 63) / 64;
        uint64_t *buf = g_new(uint64_t, words + 1);
        uint32_t head[2] = {v->live->filter.nbits, v->live->filter.passing};
        memcpy(buf, head, sizeof head);
        memcpy(buf + 1, v->live->words, words * sizeof(uint64_t));
        st = pw.write(pw.self, "live", buf, (words + 1) * sizeof(uint64_t), err);
        g_free(buf);
    }
    if (st == VAJRA_OK && v->seg->attrs != NULL)
        st = vajra_attrs_save(v->seg->attrs, &pw, "attrs", err);
    if (st == VAJRA_OK)
        st = c->lvt->save(v->seg->lex, &pw, err);
    if (st == VAJRA_OK && v->seg->vec != NULL)
        st = c->vvt->save(v->seg->vec, &pw, err);
    return st;
}

static vajra_status write_snapshot(const VajraCollection *c, const Snapshot *s,
                                   const VajraSectionWriter *sw, VajraError *err)
{
    char *meta = meta_text(c, s);
    vajra_status st = sw->write(sw->self, META_SECTION, meta, strlen(meta), err);
    g_free(meta);
    if (st == VAJRA_OK && c->schema != NULL) { /* the schema, as an empty store carries it */
        VajraAttrStore *empty = NULL;
        st = vajra_attrs_new(c->schema, &empty, err);
        if (st == VAJRA_OK)
            st = vajra_attrs_save(empty, sw, SCHEMA_SECTION, err);
        vajra_attrs_free(empty);
    }
    if (st == VAJRA_OK && c->embedder_name != NULL) { /* the model: "coll.emb.*" */
        Prefixed p = {.w = sw, .prefix = "coll."};
        st = coll_embedder_save(c, &(VajraSectionWriter){&p, prefixed_write}, err);
    }
    for (uint32_t i = 0; st == VAJRA_OK && i < s->nseg; i++)
        st = write_segment(c, &s->segs[i], i, sw, err);
    return st;
}

vajra_status vajra_collection_write_sections(VajraCollection *c, const VajraSectionWriter *w,
                                             VajraError *err)
{
    if (c == NULL || w == NULL || w->write == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "write sections: NULL argument");
    pthread_mutex_lock(&c->write_lock);
    Snapshot *s = coll_pin(c);
    vajra_status st = write_snapshot(c, s, w, err);
    snapshot_unref(s);
    pthread_mutex_unlock(&c->write_lock);
    return st;
}

vajra_status vajra_collection_open_sections(VajraRegistry *reg, const VajraSectionReader *r,
                                            VajraCollection **out, VajraError *err)
{
    if (reg == NULL || r == NULL || r->find == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "open sections: NULL argument");
    *out = NULL;
    VajraCollection *c = coll_alloc(reg);
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "open sections: out of memory");
    vajra_status st = open_segments(c, NULL, r, err);
    if (st != VAJRA_OK) {
        vajra_collection_free(c);
        return st;
    }
    *out = c;
    return VAJRA_OK;
}

vajra_status coll_save_snapshot(VajraCollection *c, const Snapshot *s, const char *path,
                                const char *storage_plugin, VajraError *err)
{
    const char *sname = storage_plugin ? storage_plugin : "storage-file";
    VajraPlugin *sp = NULL;
    const void *vt = NULL;
    vajra_status st = coll_load_plugin(c, VAJRA_PLUGIN_STORAGE, sname,
                                       VAJRA_STORAGE_VTABLE_VERSION, &sp, &vt, err);
    if (st != VAJRA_OK) {
        vajra_plugin_unref(sp);
        return prefix_path(err, "saving", path);
    }
    const VajraStorageOps *ops = vt;
    VajraStorageWriter *w = NULL;
    st = ops->writer_open(vajra_plugin_state(sp), path, &w, err);
    if (st == VAJRA_OK) {
        st = write_snapshot(c, s, ops->writer_sections(w), err);
        if (st == VAJRA_OK)
            st = ops->writer_commit(w, err);
        else
            ops->writer_abort(w);
    }
    vajra_plugin_unref(sp);
    if (st != VAJRA_OK)
        return prefix_path(err, "saving", path);
    return VAJRA_OK;
}

vajra_status vajra_collection_save(VajraCollection *c, const char *path,
                                   const char *storage_plugin, VajraError *err)
{
    if (c == NULL || path == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection save: NULL argument");
    pthread_mutex_lock(&c->write_lock);
    vajra_status st = VAJRA_OK;
    if (c->staged->len > 0 || g_hash_table_size(c->staged_deletes) > 0)
        st = vajra_error_set(err, VAJRA_ERR_STATE,
                             "collection save: %u documents added and %u deleted but not "
                             "committed",
                             c->staged_live, g_hash_table_size(c->staged_deletes));
    Snapshot *s = coll_pin(c);
    if (st == VAJRA_OK)
        st = coll_save_snapshot(c, s, path, storage_plugin, err);
    snapshot_unref(s);
    if (st == VAJRA_OK && c->path == NULL)
        c->path = g_strdup(path);
    pthread_mutex_unlock(&c->write_lock);
    return st;
}

/* ---- open ---- */

static vajra_status corrupt(VajraError *err, const char *fmt, const char *arg)
{
    return vajra_error_set(err, VAJRA_ERR_CORRUPT, fmt, arg);
}

static int parse_u32(const char *s, uint32_t *out)
{
    if (*s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > UINT32_MAX)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

/* Parse "coll.meta": lines "key value". Unknown keys are ignored (a newer minor may add some). */
static vajra_status parse_meta(VajraCollection *c, const char *data, size_t len,
                               uint32_t *docs_out, FileMeta *fm, VajraError *err)
{
    if (len == 0 || len > META_MAX_BYTES || memchr(data, '\0', len) != NULL ||
        data[len - 1] != '\n')
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: malformed (%zu bytes)", META_SECTION,
                               len);
    char *text = g_strndup(data, len);
    char **lines = g_strsplit(text, "\n", -1);
    g_free(text);
    vajra_status st = VAJRA_OK;
    int have_version = 0, have_docs = 0, have_dim = 0;
    GArray *params = g_array_new(FALSE, TRUE, sizeof(VajraParam));
    GArray *vkv = g_array_new(FALSE, TRUE, sizeof(VajraKeyValue));
    for (size_t i = 0; lines[i] != NULL && st == VAJRA_OK; i++) {
        char *line = lines[i];
        if (line[0] == '\0')
            continue;
        char *sp = strchr(line, ' ');
        if (sp == NULL) {
            st = corrupt(err, META_SECTION ": line without a value: \"%.40s\"", line);
            break;
        }
        *sp = '\0';
        const char *key = line, *val = sp + 1;
        if (i > 0 && coll_embedder_meta_line(c, key, val, &fm->emb_saved, &st, err))
            continue;
        if (i == 0 && strcmp(key, "vajra-collection") != 0) {
            st = corrupt(err, META_SECTION ": does not start with the format line (\"%.40s\")",
                         key);
        } else if (strcmp(key, "vajra-collection") == 0) {
            uint32_t v = 0;
            if (!parse_u32(val, &v))
                st = corrupt(err, META_SECTION ": bad format version \"%.20s\"", val);
            fm->version = v;
            if (v > META_FORMAT_MAJOR)
                st = vajra_error_set(err, VAJRA_ERR_VERSION,
                                     "%s: collection format %u, this build reads up to %d",
                                     META_SECTION, v, META_FORMAT_MAJOR);
            else if (v == 0)
                st = corrupt(err, META_SECTION ": bad format version \"%.20s\"", val);
            have_version = 1;
        } else if (strcmp(key, "segments") == 0) {
            fm->has_segments = parse_u32(val, &fm->segments) && fm->segments <= MAX_SEGMENTS;
            if (!fm->has_segments)
                st = corrupt(err, META_SECTION ": bad segments \"%.20s\"", val);
        } else if (strcmp(key, "generation") == 0) {
            char *end = NULL;
            errno = 0;
            fm->generation = g_ascii_strtoull(val, &end, 10);
            if (errno != 0 || end == val || *end != '\0')
                st = corrupt(err, META_SECTION ": bad generation \"%.20s\"", val);
        } else if (strcmp(key, "language") == 0) {
            g_free(c->language);
            c->language = g_strdup(val);
            c->analyzer.language = c->language;
        } else if (strcmp(key, "analyzer") == 0) {
            VajraAnalyzerOptions *a = &c->analyzer;
            if (sscanf(val, "%u %u %u %u", &a->stemmer, &a->keep_stopwords,
                       &a->max_token_length, &a->repair_utf8) != 4)
                st = corrupt(err, META_SECTION ": bad analyzer \"%.40s\"", val);
            fm->has_analyzer = 1;
        } else if (strcmp(key, "vector-params") == 0) {
            VajraVectorParams *p = &c->vparams;
            unsigned long long seed = 0;
            if (sscanf(val, "%u %u %u %llu", &p->M, &p->ef_construction, &p->ef_search, &seed) !=
                4)
                st = corrupt(err, META_SECTION ": bad vector-params \"%.40s\"", val);
            p->seed = seed;
            fm->has_vparams = 1;
        } else if (strcmp(key, "vector-param") == 0) {
            const char *sp2 = strchr(val, ' ');
            if (sp2 == NULL || sp2 == val || vkv->len >= 64) {
                st = corrupt(err, META_SECTION ": bad vector-param \"%.40s\"", val);
            } else {
                VajraKeyValue kv = {g_strndup(val, (gsize)(sp2 - val)), g_strdup(sp2 + 1)};
                g_array_append_val(vkv, kv);
            }
        } else if (strcmp(key, "docs") == 0) {
            have_docs = parse_u32(val, docs_out);
            if (!have_docs)
                st = corrupt(err, META_SECTION ": bad docs \"%.20s\"", val);
        } else if (strcmp(key, "dim") == 0) {
            have_dim = parse_u32(val, &c->dim) && c->dim <= 65536;
            if (!have_dim)
                st = corrupt(err, META_SECTION ": bad dim \"%.20s\"", val);
        } else if (strcmp(key, "ignore-title") == 0) {
            if (!parse_u32(val, &c->ignore_title) || c->ignore_title > 1)
                st = corrupt(err, META_SECTION ": bad ignore-title \"%.20s\"", val);
        } else if (strcmp(key, "metric") == 0) {
            c->metric = coll_metric_from_name(val);
            if (c->metric == 0)
                st = corrupt(err, META_SECTION ": unknown metric \"%.20s\"", val);
        } else if (strcmp(key, "lexical") == 0 || strcmp(key, "scorer") == 0 ||
                   strcmp(key, "vector") == 0 || strcmp(key, "profile") == 0) {
            char **slot = key[0] == 'l'   ? &c->lexical_name
                          : key[0] == 's' ? &c->scorer_name
                          : key[0] == 'v' ? &c->vector_name
                                          : &c->profile;
            if (!coll_plugin_name_ok(val) || *slot != NULL)
                st = corrupt(err, META_SECTION ": bad or repeated name \"%.40s\"", val);
            else
                *slot = g_strdup(val);
        } else if (strcmp(key, "scorer-param") == 0) {
            const char *sp2 = strchr(val, ' ');
            char *end = NULL;
            double v = sp2 ? g_ascii_strtod(sp2 + 1, &end) : NAN;
            if (sp2 == NULL || sp2 == val || end == sp2 + 1 || *end != '\0' || !isfinite(v) ||
                params->len >= 64) {
                st = corrupt(err, META_SECTION ": bad scorer-param \"%.40s\"", val);
            } else {
                VajraParam p = {g_strndup(val, (gsize)(sp2 - val)), v};
                g_array_append_val(params, p);
            }
        }
    }
    g_strfreev(lines);
    if (st == VAJRA_OK && (!have_version || !have_docs || !have_dim || c->lexical_name == NULL ||
                           c->scorer_name == NULL))
        st = corrupt(err, "%s: a required key is missing", META_SECTION);
    coll_kv_free(c->vkv, c->n_vkv);
    c->n_vkv = vkv->len;
    c->vkv = (VajraKeyValue *)(void *)g_array_free(vkv, FALSE);
    if (st == VAJRA_OK && c->dim > 0 &&
        (c->metric == 0 || c->vector_name == NULL || (c->profile == NULL && c->n_vkv == 0)))
        st = corrupt(err, "%s: dim > 0 but the vector keys are missing", META_SECTION);
    c->n_scorer_params = params->len;
    c->scorer_params = (VajraParam *)(void *)g_array_free(params, FALSE);
    /* g_array_free hands back g_malloc'd memory; free() is g_free's allocator with GLib >= 2.46. */
    return st;
}

/* Validate "coll.titles": u64 n, u64 off[n+1], then the blob; off[0] == 0, increasing, each title
 * NUL-terminated inside the blob, the blob ending exactly at off[n]. */

static uint32_t count_bits(const uint64_t *words, uint32_t nbits)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < nbits / 64; i++)
        n += (uint32_t)__builtin_popcountll(words[i]);
    if (nbits % 64)
        n += (uint32_t)__builtin_popcountll(words[nbits / 64] &
                                            ((UINT64_C(1) << (nbits % 64)) - 1));
    return n;
}

static vajra_status load_live(SegView *v, const VajraSectionReader *r, VajraError *err)
{
    const void *data = NULL;
    size_t len = 0;
    VajraError ignore = {0};
    if (r->find(r->self, "live", &data, &len, &ignore) != VAJRA_OK)
        return VAJRA_OK; /* absent: every document live */
    uint32_t n = v->seg->n;
    size_t words = ((size_t)n + 63) / 64;
    uint32_t head[2];
    if (len != (words + 1) * sizeof(uint64_t))
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "live map of %zu bytes for %u documents",
                               len, n);
    memcpy(head, data, sizeof head);
    const uint64_t *src = (const uint64_t *)data + 1;
    if (head[0] != n || (n % 64 != 0 && (src[words - 1] >> (n % 64)) != 0) ||
        count_bits(src, n) != head[1] || head[1] == n)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "live map does not match its counts");
    v->live = livemap_new(n, 0);
    if (v->live == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
    memcpy(v->live->words, src, words * sizeof(uint64_t));
    v->live->filter.passing = head[1];
    return VAJRA_OK;
}

/* Load segment i (prefix NULL = the format-1 layout). */
static vajra_status load_segment(VajraCollection *c, ContainerRef *cref,
                                 const VajraSectionReader *sr, const char *prefix,
                                 uint32_t v1_docs, SegView *out, VajraError *err)
{
    Prefixed p = {.r = sr};
    snprintf(p.prefix, sizeof p.prefix, "%s", prefix ? prefix : "");
    VajraSectionReader pr = {&p, prefixed_find};
    Segment *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
    s->refs = 1;
    s->owner = c;
    s->container = container_ref(cref);
    out->seg = s;
    vajra_status st = coll_lex_load(c, &pr, &s->lex, err);
    if (st != VAJRA_OK)
        return st;
    s->n = c->lvt->doc_count(s->lex);
    if (prefix == NULL && s->n != v1_docs)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "the lexical index holds %u documents, the collection %u", s->n,
                               v1_docs);
    const void *data = NULL;
    size_t len = 0;
    st = prefix ? pr.find(pr.self, "titles", &data, &len, err)
                : sr->find(sr->self, TITLES_V1, &data, &len, err);
    if (st == VAJRA_OK)
        st = strtab_view(&s->titles, data, len, s->n, "titles", err);
    if (st == VAJRA_OK && prefix != NULL) {
        st = pr.find(pr.self, "texts", &data, &len, err);
        if (st == VAJRA_OK)
            st = strtab_view(&s->texts, data, len, s->n, "texts", err);
        s->has_texts = st == VAJRA_OK;
    }
    if (st == VAJRA_OK && prefix != NULL)
        st = load_live(out, &pr, err);
    VajraError ignore = {0};
    if (st == VAJRA_OK && prefix != NULL && pr.find(pr.self, "attrs", &data, &len, &ignore) ==
                                                VAJRA_OK) {
        if (c->schema == NULL)
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "attributes without a schema");
        if (st == VAJRA_OK)
            st = vajra_attrs_load(&pr, "attrs", &s->attrs, err);
        if (st == VAJRA_OK && (vajra_attrs_count(s->attrs) != s->n ||
                               !vajra_attr_schema_equal(vajra_attrs_schema(s->attrs), c->schema)))
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                 "attributes of %u rows or another schema for %u documents",
                                 vajra_attrs_count(s->attrs), s->n);
    }
    if (st == VAJRA_OK && c->dim > 0) {
        st = c->vvt->load(vajra_plugin_state(c->vec_plugin), &pr, &s->vec, err);
        VajraVectorParams vp = {.struct_size = sizeof vp};
        if (st == VAJRA_OK) {
            c->vvt->params(s->vec, &vp);
            if (c->vvt->count(s->vec) != s->n || vp.dim != c->dim || vp.metric != c->metric)
                st = vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                     "the vector index (%zu vectors of dim %u) does not match "
                                     "the segment (%u documents, dim %u)",
                                     c->vvt->count(s->vec), vp.dim, s->n, c->dim);
        }
        if (st == VAJRA_OK && prefix == NULL)
            c->vparams = vp; /* format 1: new segments take the file's parameters */
    }
    return st;
}

static vajra_status open_segments(VajraCollection *c, ContainerRef *cref,
                                  const VajraSectionReader *sr, VajraError *err)
{
    const void *data = NULL;
    size_t len = 0;
    uint32_t docs = 0;
    FileMeta fm = {0};
    vajra_status st = sr->find(sr->self, META_SECTION, &data, &len, err);
    if (st == VAJRA_OK)
        st = parse_meta(c, data, len, &docs, &fm, err);
    if (st == VAJRA_OK && fm.version >= 2 && (!fm.has_segments || !fm.has_analyzer ||
                                              (c->dim > 0 && !fm.has_vparams && !c->n_vkv)))
        st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: a format-2 key is missing",
                             META_SECTION);
    if (st == VAJRA_OK && fm.version >= 2) {
        VajraAttrStore *empty = NULL;
        VajraError ignore = {0};
        if (sr->find(sr->self, SCHEMA_SECTION, &data, &len, &ignore) == VAJRA_OK) {
            st = vajra_attrs_load(sr, SCHEMA_SECTION, &empty, err);
            if (st == VAJRA_OK && vajra_attrs_count(empty) != 0)
                st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s holds rows", SCHEMA_SECTION);
            if (st == VAJRA_OK && (c->schema = vajra_attr_schema_copy(vajra_attrs_schema(empty))) ==
                                      NULL)
                st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
            vajra_attrs_free(empty);
        }
    }
    if (st == VAJRA_OK && fm.has_vparams) {
        c->vparams.struct_size = sizeof c->vparams;
        c->vparams.dim = c->dim;
        c->vparams.metric = c->metric;
    }
    if (st == VAJRA_OK)
        st = coll_make_scorer(c, err);
    if (st == VAJRA_OK)
        st = coll_load_lexical(c, err);
    if (st == VAJRA_OK && c->dim > 0)
        st = coll_load_vector(c, err);
    if (st == VAJRA_OK) {
        Prefixed p = {.r = sr, .prefix = "coll."};
        st = coll_embedder_open(c, cref, &(VajraSectionReader){&p, prefixed_find}, fm.emb_saved,
                                err);
    }
    uint32_t nseg = fm.version >= 2 ? fm.segments : 1;
    Snapshot *s = st == VAJRA_OK ? snapshot_new(nseg) : NULL;
    if (st == VAJRA_OK && s == NULL)
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
    if (s != NULL)
        s->nseg = 0;
    for (uint32_t i = 0; st == VAJRA_OK && i < nseg; i++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "s%u.", i);
        st = load_segment(c, cref, sr, fm.version >= 2 ? prefix : NULL, docs, &s->segs[i], err);
        s->nseg = i + 1; /* so a failure frees what was loaded */
        if (st != VAJRA_OK && fm.version >= 2)
            vajra_error_prefix(err, "segment %u", i);
    }
    /* The settings new segments take: the file's key/values, else (files written before them)
     * its version-1 parameters; the plugin checks them. */
    if (st == VAJRA_OK && c->dim > 0) {
        VajraKeyValue *in = c->vkv;
        size_t n_in = c->n_vkv;
        c->vkv = NULL;
        c->n_vkv = 0;
        st = coll_vector_settle(c, in, n_in, n_in || !c->vvt->create ? NULL : &c->vparams,
                                &c->vparams, &c->vkv, &c->n_vkv, err);
        coll_kv_free(in, n_in);
        if (st != VAJRA_OK)
            vajra_error_prefix(err, "%s: vector parameters", META_SECTION);
    }
    if (st == VAJRA_OK) {
        snapshot_finish(s);
        s->generation = fm.generation;
        if (s->total > UINT32_MAX - 1 || s->live != docs)
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: %u documents, the segments hold %u",
                                 META_SECTION, docs, s->live);
    }
    if (st == VAJRA_OK) {
        coll_publish(c, s);
        s = NULL;
    }
    snapshot_unref(s);
    return st;
}

vajra_status coll_open_file(VajraRegistry *reg, const char *path, const char *storage_plugin,
                            VajraCollection **out, VajraError *err)
{
    *out = NULL;
    VajraCollection *c = coll_alloc(reg);
    ContainerRef *cref = calloc(1, sizeof *cref);
    if (c == NULL || cref == NULL) {
        vajra_collection_free(c);
        free(cref);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "collection open: out of memory");
    }
    cref->refs = 1;
    c->path = g_strdup(path);
    c->storage_name = g_strdup(storage_plugin ? storage_plugin : "storage-mmap");
    const void *vt = NULL;
    vajra_status st = coll_load_plugin(c, VAJRA_PLUGIN_STORAGE, c->storage_name,
                                       VAJRA_STORAGE_VTABLE_VERSION, &cref->plugin, &vt, err);
    if (st == VAJRA_OK) {
        cref->ops = vt;
        st = cref->ops->open(vajra_plugin_state(cref->plugin), path, &cref->container, err);
    }
    if (st == VAJRA_OK)
        st = open_segments(c, cref, cref->ops->container_sections(cref->container), err);
    container_unref(cref); /* the segments hold their own references */
    if (st != VAJRA_OK) {
        vajra_collection_free(c);
        return st;
    }
    *out = c;
    return VAJRA_OK;
}

vajra_status vajra_collection_open(VajraRegistry *reg, const char *path,
                                   const char *storage_plugin, VajraCollection **out,
                                   VajraError *err)
{
    VajraOpenOptions o = {.struct_size = sizeof o, .storage_plugin = storage_plugin};
    return vajra_collection_open_ex(reg, path, &o, out, err);
}

/* Remove "<path>.tmp.<pid>.*" files whose writer process is gone (a SIGKILLed save). */
static void remove_stale_temps(const char *path)
{
    char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
    char *prefix = g_strdup_printf("%s.tmp.", base);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        long pid = strtol(e->d_name + strlen(prefix), NULL, 10);
        if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
            char *full = g_build_filename(dir, e->d_name, NULL);
            unlink(full);
            g_free(full);
        }
    }
    if (d != NULL)
        closedir(d);
    g_free(prefix);
    g_free(base);
    g_free(dir);
}

static vajra_status take_writer_lock(VajraCollection *c, const char *path, VajraError *err)
{
    char *lock = g_strdup_printf("%s.lock", path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    vajra_status st = VAJRA_OK;
    if (fd < 0)
        st = vajra_error_set(err, VAJRA_ERR_IO, "cannot create the writer lock %s: %s", lock,
                             g_strerror(errno));
    else if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        st = vajra_error_set(err, errno == EWOULDBLOCK ? VAJRA_ERR_BUSY : VAJRA_ERR_IO,
                             "collection %s is open for writing elsewhere (lock %s: %s)", path,
                             lock, g_strerror(errno));
    g_free(lock);
    if (st != VAJRA_OK) {
        if (fd >= 0)
            close(fd);
        return st;
    }
    c->lock_fd = fd;
    return VAJRA_OK;
}

vajra_status vajra_collection_open_ex(VajraRegistry *reg, const char *path,
                                      const VajraOpenOptions *opts, VajraCollection **out,
                                      VajraError *err)
{
    if (reg == NULL || path == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection open: NULL argument");
    *out = NULL;
    VajraOpenOptions o = {.struct_size = sizeof o};
    if (opts != NULL) {
        if (opts->struct_size < sizeof(uint32_t) * 2)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "collection open: bad options struct_size %u",
                                   opts->struct_size);
        memcpy(&o, opts, opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
    }
    VajraCollection *c = NULL;
    vajra_status st = VAJRA_OK;
    int lock_fd = -1;
    struct stat sb;
    if (o.writable && !(stat(path, &sb) != 0 && errno == ENOENT)) {
        /* Lock before reading, so the state we load is the one we will write after. (No lock
         * for a path that does not exist: the open below reports it, and a stray "<path>.lock"
         * would be left beside nothing.) */
        VajraCollection tmp = {.lock_fd = -1};
        st = take_writer_lock(&tmp, path, err);
        lock_fd = tmp.lock_fd;
    }
    if (st == VAJRA_OK)
        st = coll_open_file(reg, path, o.storage_plugin, &c, err);
    if (st == VAJRA_OK && o.writable) {
        Snapshot *s = coll_pin(c);
        int v1 = s->nseg > 0 && !s->segs[0].seg->has_texts;
        snapshot_unref(s);
        if (v1) {
            st = vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                                 "written by format 1 (no document texts): it opens read-only; "
                                 "re-index it to write");
        } else {
            c->writable = 1;
            c->file_backed = 1;
            c->lock_fd = lock_fd;
            lock_fd = -1;
            c->threads = coll_default_threads(o.threads);
            remove_stale_temps(path);
        }
    }
    if (lock_fd >= 0)
        close(lock_fd);
    if (st != VAJRA_OK) {
        vajra_collection_free(c);
        prefix_path(err, "opening", path);
        return st;
    }
    *out = c;
    return VAJRA_OK;
}
