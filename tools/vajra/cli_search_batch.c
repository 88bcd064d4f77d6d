/* `vajra search INDEX --queries Q.jsonl`: every query of a file, written as a TREC run
 * ("qid Q0 docid rank score run", what trec_eval and ranx read) or as JSONL (one object per
 * query), and reading one query's text from a file or standard input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

char *cli_read_text(const char *cmd, const char *path)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        cli_error(cmd, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    int failed = buf == NULL || ferror(f);
    if (!is_stdin)
        fclose(f);
    if (failed) {
        cli_error(cmd, "%s: %s", is_stdin ? "standard input" : path,
                  buf == NULL ? "out of memory" : "read error");
        free(buf);
        return NULL;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    buf[len] = '\0';
    if (memchr(buf, '\0', len) != NULL) {
        cli_error(cmd, "%s: the query text holds a NUL byte", is_stdin ? "standard input" : path);
        free(buf);
        return NULL;
    }
    return buf;
}

char *cli_query_text(const VajraDocument *q)
{
    const char *t = q->title ? q->title : "", *x = q->text ? q->text : "";
    size_t n = strlen(t) + strlen(x) + 2;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s%s%s", t, t[0] && x[0] ? " " : "", x);
    return s;
}

int cli_parse_format(const char *s, CliFormat *out)
{
    if (strcmp(s, "trec") == 0)
        *out = CLI_FORMAT_TREC;
    else if (strcmp(s, "jsonl") == 0)
        *out = CLI_FORMAT_JSONL;
    else
        return 0;
    return 1;
}

int cli_search_batch(const char *cmd, CliSearcher *s, VajraCollection *c,
                     const VajraDocSet *queries, const VajraMatrixF32 *qv, CliFormat format,
                     const char *run_name, FILE *out)
{
    size_t nq = queries ? vajra_docset_count(queries) : qv->rows;
    VajraHits hits = {0};
    VajraError err = {0};
    int bad = 0;
    char qid_buf[24];
    for (size_t i = 0; i < nq && !bad; i++) {
        const VajraDocument *q = queries ? vajra_docset_doc(queries, i) : NULL;
        const char *qid = q ? q->id : qid_buf;
        if (q == NULL)
            snprintf(qid_buf, sizeof qid_buf, "%zu", i); /* vector queries: the row number */
        char *text = q ? cli_query_text(q) : NULL;
        const float *vec = qv && qv->data ? qv->data + i * qv->dim : NULL;
        vajra_status st = q && text == NULL
                              ? vajra_error_set(&err, VAJRA_ERR_NO_MEMORY, "out of memory")
                              : cli_searcher_run(s, text, vec, &hits, &err);
        free(text);
        if (st != VAJRA_OK) {
            vajra_error_prefix(&err, "query %s", qid);
            cli_error_vajra(cmd, &err);
            bad = 1;
            break;
        }
        if (format == CLI_FORMAT_JSONL) {
            fputs("{\"query_id\": ", out);
            cli_json_string(out, qid);
            fputs(", \"hits\": [", out);
        }
        for (size_t h = 0; h < hits.count; h++) {
            const char *id = vajra_collection_doc_id(c, hits.items[h].doc);
            if (format == CLI_FORMAT_TREC) {
                fprintf(out, "%s Q0 %s %zu %.6g %s\n", qid, id, h + 1, hits.items[h].score,
                        run_name);
            } else {
                fprintf(out, "%s{\"rank\": %zu, \"id\": ", h ? ", " : "", h + 1);
                cli_json_string(out, id);
                fputs(", \"score\": ", out);
                cli_json_number(out, hits.items[h].score);
                fputc('}', out);
            }
        }
        if (format == CLI_FORMAT_JSONL)
            fputs("]}\n", out);
    }
    vajra_hits_clear(&hits);
    if (!bad && (fflush(out) != 0 || ferror(out))) {
        cli_error(cmd, "writing the results failed: %s", strerror(errno));
        bad = 1;
    }
    return bad;
}
