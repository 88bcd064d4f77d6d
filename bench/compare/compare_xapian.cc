// Xapian 1.4 comparison: BM25 (Xapian's BM25Weight defaults) with the English Snowball stemmer.
//
// Cranfield: nDCG@10, recall@100, MAP, MRR@10 through Vajra's eval module (rankings cut at 1000).
// WordNet (116,659 synsets, 1,000 queries): build time into an on-disk glass database (commit
// included), then top-10 latency p50/p95 and QPS on one thread after one untimed warm-up pass.
// Documents are indexed as title, then text (term positions continue across the two, as
// TermGenerator::increase_termpos does); queries are parsed by Xapian's QueryParser with the same
// stemmer (STEM_SOME) and the default operator OR.
//
// Usage: compare-xapian [DATA_DIR]   (else $VAJRA_DATA_DIR, else ../shared/data)
#include <xapian.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "compare_common.h"
#include "vajra/eval.h"
#include "vajra/io.h"

namespace {

const unsigned kEvalDepth = 1000;

VajraDocSet *load_jsonl(const std::string &path)
{
    VajraDocSet *set = nullptr;
    VajraError err = {};
    if (vajra_docset_read_jsonl(path.c_str(), nullptr, &set, &err) != VAJRA_OK) {
        std::fprintf(stderr, "compare-xapian: %s\n", err.message);
        std::exit(1);
    }
    return set;
}

double build(Xapian::WritableDatabase &db, const VajraDocSet *docs)
{
    double t0 = compare_now();
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("english"));
    for (size_t i = 0; i < vajra_docset_count(docs); i++) {
        const VajraDocument *d = vajra_docset_doc(docs, i);
        Xapian::Document xd;
        tg.set_document(xd);
        if (d->title) {
            tg.index_text(d->title);
            tg.increase_termpos();
        }
        tg.index_text(d->text);
        // Document i gets Xapian docid i + 1 (docids are assigned in order from 1).
        db.add_document(xd);
    }
    db.commit();
    return compare_now() - t0;
}

struct Searcher {
    Xapian::Database db;
    Xapian::Enquire enquire;
    Xapian::QueryParser qp;
    explicit Searcher(const Xapian::Database &d) : db(d), enquire(d)
    {
        enquire.set_weighting_scheme(Xapian::BM25Weight());
        qp.set_stemmer(Xapian::Stem("english"));
        qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
        qp.set_database(db);
        qp.set_default_op(Xapian::Query::OP_OR);
    }
    Xapian::MSet search(const char *text, unsigned k)
    {
        Xapian::Query q;
        try {
            q = qp.parse_query(text);
        } catch (const Xapian::QueryParserError &) {
            // Fall back to plain terms, as an application would.
            q = qp.parse_query(text, 0);
        }
        enquire.set_query(q);
        return enquire.get_mset(0, k);
    }
};

std::string tmpdir(const char *tag)
{
    std::string t = (std::filesystem::temp_directory_path() / (std::string("vajra-xapian-") + tag + "-XXXXXX")).string();
    std::vector<char> buf(t.begin(), t.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) {
        std::perror("mkdtemp");
        std::exit(1);
    }
    return std::string(buf.data());
}

void cranfield(const std::string &dir)
{
    VajraDocSet *docs = load_jsonl(dir + "/cranfield/corpus.jsonl");
    VajraDocSet *queries = load_jsonl(dir + "/cranfield/queries.jsonl");
    VajraQrels *qrels = nullptr;
    VajraError err = {};
    if (vajra_qrels_read((dir + "/cranfield/qrels.tsv").c_str(), &qrels, &err) != VAJRA_OK) {
        std::fprintf(stderr, "compare-xapian: %s\n", err.message);
        std::exit(1);
    }
    std::string path = tmpdir("cranfield");
    double build_s;
    {
        Xapian::WritableDatabase wdb(path, Xapian::DB_CREATE_OR_OVERWRITE);
        build_s = build(wdb, docs);
    }
    Searcher s{Xapian::Database(path)};
    VajraEval *ev = nullptr;
    vajra_eval_new(qrels, &ev, nullptr);
    const char *const *ids = vajra_docset_ids(docs);
    std::vector<const char *> ranked;
    for (size_t qi = 0; qi < vajra_docset_count(queries); qi++) {
        const VajraDocument *q = vajra_docset_doc(queries, qi);
        Xapian::MSet m = s.search(q->text, kEvalDepth);
        ranked.clear();
        for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it)
            ranked.push_back(ids[*it - 1]);
        if (vajra_eval_add(ev, q->id, ranked.data(), ranked.size(), nullptr, &err) != VAJRA_OK) {
            std::fprintf(stderr, "compare-xapian: %s\n", err.message);
            std::exit(1);
        }
    }
    VajraEvalSummary sum;
    vajra_eval_summary(ev, &sum);
    std::printf("# xapian %s cranfield: nDCG@10 %.4f (exp-gain %.4f)  recall@100 %.4f  MAP %.4f  MRR@10 %.4f  "
                "(%zu judged queries, depth %u)  build %.3f s\n",
                Xapian::version_string(), sum.mean.ndcg_at_10, sum.mean.ndcg_at_10_exp, sum.mean.recall_at_100, sum.mean.map,
                sum.mean.mrr_at_10, sum.judged_queries, kEvalDepth, build_s);
    std::printf("{\"peer\":\"xapian\",\"version\":\"%s\",\"set\":\"cranfield\",\"ndcg@10\":%.4f,\"ndcg@10_exp\":%.4f,"
                "\"recall@100\":%.4f,\"map\":%.4f,\"mrr@10\":%.4f,\"queries\":%zu,\"depth\":%u}\n",
                Xapian::version_string(), sum.mean.ndcg_at_10, sum.mean.ndcg_at_10_exp, sum.mean.recall_at_100, sum.mean.map,
                sum.mean.mrr_at_10, sum.judged_queries, kEvalDepth);
    vajra_eval_free(ev);
    vajra_qrels_free(qrels);
    vajra_docset_free(docs);
    vajra_docset_free(queries);
    std::filesystem::remove_all(path);
}

void wordnet(const std::string &dir)
{
    VajraDocSet *docs = load_jsonl(dir + "/wordnet/corpus.jsonl");
    VajraDocSet *queries = load_jsonl(dir + "/wordnet/queries.jsonl");
    // Also once without fsync (Xapian's DB_NO_SYNC), to separate indexing from the disk flush.
    std::string nosync_path = tmpdir("wordnet-nosync");
    double build_nosync_s;
    {
        Xapian::WritableDatabase wdb(nosync_path, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
        build_nosync_s = build(wdb, docs);
    }
    std::filesystem::remove_all(nosync_path);
    std::string path = tmpdir("wordnet");
    double build_s;
    {
        Xapian::WritableDatabase wdb(path, Xapian::DB_CREATE_OR_OVERWRITE);
        build_s = build(wdb, docs);
    }
    Searcher s{Xapian::Database(path)};
    size_t nq = vajra_docset_count(queries);
    std::vector<double> lat(nq);
    size_t total_hits = 0;
    for (size_t qi = 0; qi < nq; qi++) // warm-up: page cache, allocator
        total_hits += s.search(vajra_docset_doc(queries, qi)->text, 10).size();
    double t0 = compare_now();
    for (size_t qi = 0; qi < nq; qi++) {
        double a = compare_now();
        Xapian::MSet m = s.search(vajra_docset_doc(queries, qi)->text, 10);
        total_hits += m.size();
        lat[qi] = (compare_now() - a) * 1e3;
    }
    double elapsed = compare_now() - t0;
    double p50 = compare_percentile(lat.data(), nq, 0.50), p95 = compare_percentile(lat.data(), nq, 0.95);
    std::printf("# xapian wordnet: %zu docs build %.3f s (%.3f s without fsync); %zu queries top-10 p50 %.3f ms p95 %.3f ms "
                "QPS %.0f (1 thread)\n",
                vajra_docset_count(docs), build_s, build_nosync_s, nq, p50, p95, (double)nq / elapsed);
    std::printf("{\"peer\":\"xapian\",\"set\":\"wordnet\",\"docs\":%zu,\"queries\":%zu,\"build_s\":%.3f,"
                "\"build_nosync_s\":%.3f,\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"qps\":%.1f,\"threads\":1,\"hits\":%zu}\n",
                vajra_docset_count(docs), nq, build_s, build_nosync_s, p50, p95, (double)nq / elapsed, total_hits);
    vajra_docset_free(docs);
    vajra_docset_free(queries);
    std::filesystem::remove_all(path);
}

} // namespace

int main(int argc, char **argv)
{
    std::string dir = compare_data_dir(argc, argv);
    try {
        cranfield(dir);
        wordnet(dir);
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "compare-xapian: %s\n", e.get_description().c_str());
        return 1;
    }
    return 0;
}
