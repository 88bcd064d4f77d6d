/* Helpers shared by the vector tests and benchmarks (see vector_fixture.h). */
#include "vector_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct MemSection {
    char name[VAJRA_SECTION_NAME_MAX + 1];
    void *data;
    size_t len;
} MemSection;

struct MemSections {
    MemSection *items;
    size_t count, capacity;
};

MemSections *mem_sections_new(void)
{
    return calloc(1, sizeof(MemSections));
}

void mem_sections_free(MemSections *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->count; i++)
        free(m->items[i].data);
    free(m->items);
    free(m);
}

static vajra_status mem_write(void *self, const char *name, const void *data, size_t len,
                              VajraError *err)
{
    MemSections *m = self;
    if (strlen(name) > VAJRA_SECTION_NAME_MAX)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "name too long");
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->items[i].name, name) == 0)
            return vajra_error_set(err, VAJRA_ERR_DUPLICATE, "section %s twice", name);
    if (m->count == m->capacity) {
        size_t cap = m->capacity ? 2 * m->capacity : 8;
        MemSection *p = realloc(m->items, cap * sizeof *p);
        if (p == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "oom");
        m->items = p;
        m->capacity = cap;
    }
    MemSection *s = &m->items[m->count];
    void *copy = NULL;
    if (posix_memalign(&copy, 64, len ? len : 64) != 0)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "oom");
    if (len)
        memcpy(copy, data, len);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->data = copy;
    s->len = len;
    m->count++;
    return VAJRA_OK;
}

static vajra_status mem_find(void *self, const char *name, const void **data, size_t *len,
                             VajraError *err)
{
    MemSections *m = self;
    for (size_t i = 0; i < m->count; i++) {
        if (strcmp(m->items[i].name, name) == 0) {
            *data = m->items[i].data;
            *len = m->items[i].len;
            return VAJRA_OK;
        }
    }
    return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "no section %s", name);
}

VajraSectionWriter mem_sections_writer(MemSections *m)
{
    return (VajraSectionWriter){m, mem_write};
}

VajraSectionReader mem_sections_reader(MemSections *m)
{
    return (VajraSectionReader){m, mem_find};
}

size_t mem_sections_count(const MemSections *m)
{
    return m->count;
}

const char *mem_sections_at(const MemSections *m, size_t i, void **data, size_t *len)
{
    if (i >= m->count)
        return NULL;
    *data = m->items[i].data;
    *len = m->items[i].len;
    return m->items[i].name;
}

int mem_sections_equal(const MemSections *a, const MemSections *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        const MemSection *x = &a->items[i], *y = &b->items[i];
        if (strcmp(x->name, y->name) != 0 || x->len != y->len ||
            (x->len && memcmp(x->data, y->data, x->len) != 0))
            return 0;
    }
    return 1;
}

static int read_f32(const char *dir, const char *file, VajraMatrixF32 *m)
{
    char path[4096 + 256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    VajraError err = {0};
    if (vajra_npy_read_f32(path, m, &err) != VAJRA_OK) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.message);
        return -1;
    }
    return 0;
}

int vecset_load(VecSet *v, const char *set, size_t n)
{
    memset(v, 0, sizeof *v);
    const char *root = getenv("VAJRA_DATA_DIR");
    if (root == NULL || *root == '\0')
        root = "../shared/data";
    char dir[4096], file[256];
    const char *base, *queries, *prefix;
    if (strcmp(set, "wordnet") == 0) {
        snprintf(dir, sizeof dir, "%s/wordnet", root);
        base = "lsa384.docs50k.f16.npy", queries = "lsa384.queries.npy", prefix = "lsa384";
    } else {
        snprintf(dir, sizeof dir, "%s/glove", root);
        base = "glove100.base100k.f16.npy", queries = "glove100.queries.npy",
        prefix = "glove100";
    }
    if (read_f32(dir, base, &v->base) != 0 || read_f32(dir, queries, &v->queries) != 0)
        goto fail;
    if (n > v->base.rows) {
        fprintf(stderr, "%s has %zu rows, %zu wanted\n", base, v->base.rows, n);
        goto fail;
    }
    v->base.rows = n; /* a prefix: the slices are prefixes of the file */
    if (n % 1000 == 0) {
        char path[4096 + 256];
        VajraError err = {0};
        snprintf(file, sizeof file, "%s.gt%zuk.ids.npy", prefix, n / 1000);
        snprintf(path, sizeof path, "%s/%s", dir, file);
        if (vajra_npy_read_i32(path, &v->gt_ids, &err) == VAJRA_OK) {
            snprintf(file, sizeof file, "%s.gt%zuk.scores.npy", prefix, n / 1000);
            if (read_f32(dir, file, &v->gt_scores) != 0)
                goto fail;
        }
    }
    return 0;
fail:
    vecset_clear(v);
    return -1;
}

void vecset_clear(VecSet *v)
{
    vajra_matrix_f32_clear(&v->base);
    vajra_matrix_f32_clear(&v->queries);
    vajra_matrix_f32_clear(&v->gt_scores);
    vajra_matrix_i32_clear(&v->gt_ids);
}

double vecset_recall(const VecSet *v, size_t q, const VajraHits *hits, size_t k)
{
    if (v->gt_ids.rows == 0 || k == 0 || k > v->gt_ids.dim)
        return -1.0;
    const int32_t *ids = v->gt_ids.data + q * v->gt_ids.dim;
    float kth = v->gt_scores.data[q * v->gt_scores.dim + k - 1];
    size_t good = 0;
    for (size_t i = 0; i < hits->count && i < k; i++) {
        int found = 0;
        for (size_t j = 0; j < k && !found; j++)
            found = (uint32_t)ids[j] == hits->items[i].doc;
        if (found || hits->items[i].score >= kth - 1e-6f)
            good++;
    }
    return (double)good / (double)k;
}

double vecset_recall_exact(const VecSet *v, size_t q, const VajraHits *hits, size_t k)
{
    VajraHit items[64];
    VajraHits exact = {.items = items, .count = hits->count < 64 ? hits->count : 64};
    size_t dim = v->base.dim;
    const float *qv = v->queries.data + q * dim;
    for (size_t i = 0; i < exact.count; i++) {
        const float *row = v->base.data + (size_t)hits->items[i].doc * dim;
        double dot = 0.0;
        for (size_t j = 0; j < dim; j++)
            dot += (double)qv[j] * row[j];
        items[i].doc = hits->items[i].doc;
        items[i].score = (float)dot;
    }
    return vecset_recall(v, q, &exact, k);
}

float *vec_random_rows(size_t n, uint32_t dim, uint64_t seed)
{
    float *v = malloc(sizeof(float) * n * dim);
    if (v == NULL)
        return NULL;
    uint64_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n * dim; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
    return v;
}

int vec_test_light(void)
{
    return getenv("VAJRA_TEST_LIGHT") != NULL;
}
