/* libFuzzer target: the qrels TSV reader (vajra_qrels_parse). A parsed set is queried back for
 * every query id, so its tables are exercised as well as the parser. */
#include "fuzz_util.h"
#include "vajra/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VajraQrels *q = NULL;
    VajraError err = {0};
    vajra_status st = vajra_qrels_parse((const char *)data, size, "fuzz.tsv", &q, &err);
    fuzz_check_error(st, &err, "vajra_qrels_parse");
    if (st != VAJRA_OK) {
        if (q != NULL)
            abort();
        return 0;
    }
    size_t nq = vajra_qrels_query_count(q), rows = vajra_qrels_count(q);
    if (nq > rows)
        abort();
    for (size_t i = 0; i < nq; i++) {
        const char *id = vajra_qrels_query_id(q, i);
        if (id == NULL)
            abort();
        if (vajra_qrels_relevant_count(q, id) > rows)
            abort();
        (void)vajra_qrels_grade(q, id, id);
    }
    if (vajra_qrels_query_id(q, nq) != NULL)
        abort();
    vajra_qrels_free(q);
    return 0;
}
