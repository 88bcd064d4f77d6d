/* Vajra — relevance judgements (BEIR qrels TSV): query id -> (document id -> grade).
 *
 * Each query keeps a hash of its judged documents and, for nDCG's ideal ranking, its positive
 * grades kept in descending order as they are added (queries have few judgements). */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

struct VajraQrelsQuery {
    char *id;
    GHashTable *grades; /* doc id (owned) -> GINT_TO_POINTER(grade) */
    GArray *positive;   /* int grades >= 1, descending */
};

struct VajraQrels {
    GHashTable *by_query; /* query id (borrowed from the entry) -> VajraQrelsQuery* */
    GPtrArray *order;     /* entries in first-appearance order (owns them) */
    size_t rows;
};

static void query_free(gpointer p)
{
    VajraQrelsQuery *q = p;
    g_free(q->id);
    g_hash_table_destroy(q->grades);
    g_array_free(q->positive, TRUE);
    g_free(q);
}

vajra_status vajra_qrels_new(VajraQrels **out, VajraError *err)
{
    if (!out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "output is NULL");
    VajraQrels *q = g_new0(VajraQrels, 1);
    q->by_query = g_hash_table_new(g_str_hash, g_str_equal);
    q->order = g_ptr_array_new_with_free_func(query_free);
    *out = q;
    return VAJRA_OK;
}

void vajra_qrels_free(VajraQrels *qrels)
{
    if (!qrels)
        return;
    g_hash_table_destroy(qrels->by_query);
    g_ptr_array_free(qrels->order, TRUE);
    g_free(qrels);
}

/* Add without the NULL checks; returns DUPLICATE with no message (the caller words it). */
static vajra_status add_pair(VajraQrels *qrels, const char *qid, size_t qlen, const char *did,
                             size_t dlen, int grade)
{
    char *qkey = g_strndup(qid, qlen);
    VajraQrelsQuery *q = g_hash_table_lookup(qrels->by_query, qkey);
    if (!q) {
        q = g_new0(VajraQrelsQuery, 1);
        q->id = qkey;
        q->grades = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        q->positive = g_array_new(FALSE, FALSE, sizeof(int));
        g_hash_table_insert(qrels->by_query, q->id, q);
        g_ptr_array_add(qrels->order, q);
    } else {
        g_free(qkey);
    }
    char *dkey = g_strndup(did, dlen);
    if (g_hash_table_contains(q->grades, dkey)) {
        g_free(dkey);
        return VAJRA_ERR_DUPLICATE;
    }
    g_hash_table_insert(q->grades, dkey, GINT_TO_POINTER(grade));
    if (grade >= 1) {
        guint at = 0;
        while (at < q->positive->len && g_array_index(q->positive, int, at) >= grade)
            at++;
        g_array_insert_val(q->positive, at, grade);
    }
    qrels->rows++;
    return VAJRA_OK;
}

vajra_status vajra_qrels_add(VajraQrels *qrels, const char *query_id, const char *doc_id,
                             int grade, VajraError *err)
{
    if (!qrels || !query_id || !doc_id)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "qrels, query id or doc id is NULL");
    if (add_pair(qrels, query_id, strlen(query_id), doc_id, strlen(doc_id), grade) != VAJRA_OK)
        return vajra_error_set(err, VAJRA_ERR_DUPLICATE, "qrels: (%s, %s) judged twice", query_id,
                               doc_id);
    return VAJRA_OK;
}

/* Parse a decimal integer that fills [p, p+n) exactly. */
static int parse_grade(const char *p, size_t n, int *out)
{
    size_t i = 0;
    int neg = 0;
    if (n == 0)
        return 0;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        i = 1;
    }
    if (i == n)
        return 0;
    long v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (p[i] - '0');
        if (v > 1000000000L)
            return 0;
    }
    *out = (int)(neg ? -v : v);
    return 1;
}

vajra_status vajra_qrels_parse(const char *buf, size_t len, const char *name, VajraQrels **out,
                               VajraError *err)
{
    if (!out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "output is NULL");
    *out = NULL;
    if (!buf && len)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "buffer is NULL");
    if (!name)
        name = "<buffer>";
    VajraQrels *qrels;
    vajra_status st = vajra_qrels_new(&qrels, err);
    if (st != VAJRA_OK)
        return st;

    size_t line_no = 0;
    int seen_data = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line = p;
        size_t n = (size_t)((nl ? nl : end) - p);
        p = nl ? nl + 1 : end;
        line_no++;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        size_t k = 0;
        while (k < n && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == n)
            continue;
        /* Split into exactly three tab-separated fields. */
        const char *f[3];
        size_t flen[3];
        size_t nf = 0;
        const char *s = line, *lend = line + n;
        while (nf < 4) {
            const char *tab = memchr(s, '\t', (size_t)(lend - s));
            const char *fe = tab ? tab : lend;
            if (nf < 3) {
                f[nf] = s;
                flen[nf] = (size_t)(fe - s);
            }
            nf++;
            if (!tab)
                break;
            s = tab + 1;
        }
        if (!seen_data && nf == 3 && flen[0] == 8 && memcmp(f[0], "query-id", 8) == 0) {
            seen_data = 1; /* the header */
            continue;
        }
        seen_data = 1;
        if (nf != 3) {
            st = vajra_error_set(err, VAJRA_ERR_ENCODING,
                                 "%s:%zu: expected 3 tab-separated fields (query-id, corpus-id, score), found %zu",
                                 name, line_no, nf);
            break;
        }
        if (flen[0] == 0 || flen[1] == 0 || memchr(f[0], '\0', flen[0]) || memchr(f[1], '\0', flen[1])) {
            st = vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: empty or invalid query or document id",
                                 name, line_no);
            break;
        }
        if (!g_utf8_validate(f[0], (gssize)flen[0], NULL) || !g_utf8_validate(f[1], (gssize)flen[1], NULL)) {
            st = vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: invalid UTF-8 in an id", name,
                                 line_no);
            break;
        }
        int grade;
        if (!parse_grade(f[2], flen[2], &grade)) {
            st = vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: score \"%.*s\" is not an integer",
                                 name, line_no, (int)(flen[2] > 32 ? 32 : flen[2]), f[2]);
            break;
        }
        if (add_pair(qrels, f[0], flen[0], f[1], flen[1], grade) != VAJRA_OK) {
            st = vajra_error_set(err, VAJRA_ERR_DUPLICATE, "%s:%zu: (%.*s, %.*s) judged twice", name,
                                 line_no, (int)(flen[0] > 64 ? 64 : flen[0]), f[0],
                                 (int)(flen[1] > 64 ? 64 : flen[1]), f[1]);
            break;
        }
    }
    if (st != VAJRA_OK) {
        vajra_qrels_free(qrels);
        return st;
    }
    *out = qrels;
    return VAJRA_OK;
}

vajra_status vajra_qrels_read(const char *path, VajraQrels **out, VajraError *err)
{
    if (out)
        *out = NULL;
    VajraFileView v;
    vajra_status st = vajra_file_view_open(path, &v, err);
    if (st != VAJRA_OK)
        return st;
    st = vajra_qrels_parse(v.data, v.len, path, out, err);
    vajra_file_view_close(&v);
    return st;
}

size_t vajra_qrels_count(const VajraQrels *qrels)
{
    return qrels ? qrels->rows : 0;
}

size_t vajra_qrels_query_count(const VajraQrels *qrels)
{
    return qrels ? qrels->order->len : 0;
}

const char *vajra_qrels_query_id(const VajraQrels *qrels, size_t i)
{
    const VajraQrelsQuery *q = vajra_qrels_query_at_(qrels, i);
    return q ? q->id : NULL;
}

int vajra_qrels_grade(const VajraQrels *qrels, const char *query_id, const char *doc_id)
{
    const VajraQrelsQuery *q = vajra_qrels_query_(qrels, query_id);
    return q && doc_id ? vajra_qrels_query_grade_(q, doc_id) : 0;
}

size_t vajra_qrels_relevant_count(const VajraQrels *qrels, const char *query_id)
{
    const VajraQrelsQuery *q = vajra_qrels_query_(qrels, query_id);
    return q ? q->positive->len : 0;
}

size_t vajra_qrels_foreach_doc(const VajraQrels *qrels, const char *query_id,
                               VajraQrelsDocFn fn, void *user)
{
    const VajraQrelsQuery *q = vajra_qrels_query_(qrels, query_id);
    if (!q)
        return 0;
    if (fn) {
        GHashTableIter it;
        gpointer key, value;
        g_hash_table_iter_init(&it, q->grades);
        while (g_hash_table_iter_next(&it, &key, &value))
            fn(user, key, GPOINTER_TO_INT(value));
    }
    return g_hash_table_size(q->grades);
}

/* ---- internals for eval.c ---- */

const VajraQrelsQuery *vajra_qrels_query_(const VajraQrels *qrels, const char *query_id)
{
    if (!qrels || !query_id)
        return NULL;
    return g_hash_table_lookup(qrels->by_query, query_id);
}

const VajraQrelsQuery *vajra_qrels_query_at_(const VajraQrels *qrels, size_t i)
{
    if (!qrels || i >= qrels->order->len)
        return NULL;
    return g_ptr_array_index(qrels->order, i);
}

int vajra_qrels_query_grade_(const VajraQrelsQuery *q, const char *doc_id)
{
    return GPOINTER_TO_INT(g_hash_table_lookup(q->grades, doc_id));
}

size_t vajra_qrels_query_relevant_(const VajraQrelsQuery *q)
{
    return q->positive->len;
}

const int *vajra_qrels_query_sorted_grades_(const VajraQrelsQuery *q)
{
    return (const int *)(void *)q->positive->data;
}

const char *vajra_qrels_query_name_(const VajraQrelsQuery *q)
{
    return q->id;
}
