// hnswlib on the filters of bench-filter (issue 12): recall@10 against the exact filtered top 10
// and single-thread p50/p95 latency, per filter kind and selectivity, on exactly the passing sets
// and queries bench-filter used (its --dump files; format in bench/vector/bench_filter.c).
//
// Debian's libhnswlib-dev is 0.6.2, which has no filter argument (BaseFilterFunctor and
// searchKnn(query, k, filter) arrived in 0.7.0). 0.7's filter is applied at the one place 0.6.2
// applies deletion marks: in searchBaseLayerST a node enters the result heap only when it is not
// marked deleted and the filter allows it, it is walked through either way, and the walk stops
// only once the heap holds ef results (or the candidates run out). So marking every non-passing
// document deleted before a search gives 0.7's filtered traversal in 0.6.2; the difference is the
// test itself (a flag byte beside the neighbour list here, a virtual call on the label in 0.7),
// which makes this emulation, if anything, slightly faster than the real filter. The marks are set
// untimed: once per selectivity for a random filter (one set for all queries), around each query
// for per-query filters (near, cluster).
//
// Per file: "hnswlib unfiltered" (searchKnn with no marks, the latency to compare with) and
// "hnswlib filter" rows, in bench-filter's Markdown row format: | set | kind | selectivity |
// passing (mean) | method | p50 ms | p95 ms | recall@10 (mean) | worst query's recall |.
// Recall counts a hit whose inner product ties the exact k-th (>= k-th - 1e-6) as correct, as
// bench-filter does. Build: 2 threads (addPoint from a shared counter), search: 1 thread.
//
// Usage: compare-hnswlib-filter --data DIR --set wordnet|glove --n N [--M 16] [--efc 128]
//        [--ef 128] [--threads 2] FILE.vjf...
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "compare_common.h"
#include "vajra/io.h"

namespace {

struct FilterFile {
    std::string set, kind, sel;
    uint32_t n = 0, nq = 0, rows = 0, k = 0, words = 0;
    std::vector<uint64_t> bits;      // rows x words
    std::vector<int32_t> truth_ids;  // nq x k, -1 past the passing count
    std::vector<float> truth_scores; // nq x k
};

[[noreturn]] void fail(const std::string &what)
{
    std::fprintf(stderr, "compare-hnswlib-filter: %s\n", what.c_str());
    std::exit(1);
}

FilterFile read_filter(const std::string &path)
{
    FilterFile f;
    FILE *in = std::fopen(path.c_str(), "rb");
    char magic[8];
    uint32_t hdr[6];
    if (!in || std::fread(magic, 8, 1, in) != 1 || std::memcmp(magic, "VJFILT1", 8) != 0 ||
        std::fread(hdr, sizeof hdr, 1, in) != 1)
        fail(path + ": not a bench-filter dump");
    f.n = hdr[0], f.nq = hdr[1], f.rows = hdr[2], f.k = hdr[3], f.words = hdr[4];
    f.bits.resize((size_t)f.rows * f.words);
    f.truth_ids.resize((size_t)f.nq * f.k);
    f.truth_scores.resize((size_t)f.nq * f.k);
    if (std::fread(f.bits.data(), sizeof(uint64_t), f.bits.size(), in) != f.bits.size() ||
        std::fread(f.truth_ids.data(), 4, f.truth_ids.size(), in) != f.truth_ids.size() ||
        std::fread(f.truth_scores.data(), 4, f.truth_scores.size(), in) != f.truth_scores.size() ||
        std::fgetc(in) != EOF)
        fail(path + ": truncated or too long");
    std::fclose(in);
    // <set>-<kind>-<sel>.vjf
    std::string base = path.substr(path.find_last_of('/') + 1);
    size_t a = base.find('-'), b = base.find('-', a + 1), e = base.rfind(".vjf");
    if (a == std::string::npos || b == std::string::npos || e == std::string::npos)
        fail(path + ": name is not <set>-<kind>-<sel>.vjf");
    f.set = base.substr(0, a), f.kind = base.substr(a + 1, b - a - 1), f.sel = base.substr(b + 1, e - b - 1);
    return f;
}

VajraMatrixF32 load_f32(const std::string &path)
{
    VajraMatrixF32 m = {};
    VajraError err = {};
    if (vajra_npy_read_f32(path.c_str(), &m, &err) != VAJRA_OK)
        fail(err.message);
    return m;
}

// Recall@k of `got` (ids, inner products; best first) against query qi's exact filtered top k.
double recall(const FilterFile &f, size_t qi, const std::vector<std::pair<float, uint32_t>> &got)
{
    size_t want = 0;
    while (want < f.k && f.truth_ids[qi * f.k + want] >= 0)
        want++;
    if (want == 0)
        return got.empty() ? 1.0 : 0.0;
    float kth = f.truth_scores[qi * f.k + want - 1];
    size_t good = 0;
    for (size_t i = 0; i < got.size() && i < want; i++) {
        bool found = got[i].first >= kth - 1e-6f;
        for (size_t j = 0; j < want && !found; j++)
            found = (uint32_t)f.truth_ids[qi * f.k + j] == got[i].second;
        good += found;
    }
    return (double)good / (double)want;
}

void print_row(const FilterFile &f, double passing, const char *method, std::vector<double> &lat,
               const std::vector<double> *rec)
{
    double sum = 0, worst = 1;
    if (rec)
        for (double r : *rec)
            sum += r, worst = std::min(worst, r);
    double p50 = compare_percentile(lat.data(), lat.size(), 0.5);
    double p95 = compare_percentile(lat.data(), lat.size(), 0.95);
    std::printf("| %s | %s | %s%% | %.0f | %s | %.3f | %.3f | %.3f | %.2f |\n", f.set.c_str(),
                f.kind.c_str(), f.sel.c_str(), passing, method, p50, p95,
                rec ? sum / (double)lat.size() : NAN, rec ? worst : NAN);
}

} // namespace

int main(int argc, char **argv)
{
    std::string data = compare_data_dir(0, argv), set = "wordnet";
    size_t n = 50000, M = 16, efc = 128, ef = 128, threads = 2;
    std::vector<std::string> files;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0 && i + 1 >= argc)
            fail("missing value for " + a);
        if (a == "--data") data = argv[++i];
        else if (a == "--set") set = argv[++i];
        else if (a == "--n") n = std::stoul(argv[++i]);
        else if (a == "--M") M = std::stoul(argv[++i]);
        else if (a == "--efc") efc = std::stoul(argv[++i]);
        else if (a == "--ef") ef = std::stoul(argv[++i]);
        else if (a == "--threads") threads = std::max<size_t>(1, std::stoul(argv[++i]));
        else files.push_back(a);
    }
    std::string bpath, qpath;
    if (set == "wordnet")
        bpath = data + "/wordnet/lsa384.docs50k.f16.npy", qpath = data + "/wordnet/lsa384.queries.npy";
    else if (set == "glove")
        bpath = data + "/glove/glove100.base100k.f16.npy", qpath = data + "/glove/glove100.queries.npy";
    else
        fail("unknown set " + set);
    VajraMatrixF32 base = load_f32(bpath), queries = load_f32(qpath);
    if (base.rows < n || queries.dim != base.dim)
        fail("inconsistent shapes");
    const size_t dim = base.dim;

    hnswlib::InnerProductSpace space(dim);
    hnswlib::HierarchicalNSW<float> index(&space, n, M, efc, 100);
    double t0 = compare_now();
    std::atomic<size_t> next(0);
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; t++)
        pool.emplace_back([&]() {
            for (size_t i; (i = next.fetch_add(1)) < n;)
                index.addPoint(base.data + i * dim, i);
        });
    for (auto &th : pool)
        th.join();
    std::printf("# hnswlib 0.6.2 %s %zu: M %zu efC %zu ef %zu, build %.2f s (%zu threads), search 1 "
                "thread; filter = non-passing documents marked deleted (0.7's filter path)\n",
                set.c_str(), n, M, efc, ef, compare_now() - t0, threads);
    std::fflush(stdout);
    index.setEf(ef);
    std::vector<hnswlib::tableint> internal(n); // label -> internal id (2-thread build reorders)
    for (const auto &kv : index.label_lookup_)
        internal[kv.first] = kv.second;

    auto search = [&](const float *q, std::vector<std::pair<float, uint32_t>> &got) {
        auto pq = index.searchKnn(q, 10);
        got.resize(pq.size());
        for (size_t i = pq.size(); i-- > 0; pq.pop()) // the queue pops the worst first
            got[i] = {1.0f - pq.top().first, (uint32_t)pq.top().second};
    };
    auto mark = [&](const uint64_t *w, bool on) {
        for (size_t d = 0; d < n; d++)
            if (!(w[d >> 6] >> (d & 63) & 1)) {
                if (on)
                    index.markDeletedInternal(internal[d]);
                else
                    index.unmarkDeletedInternal(internal[d]);
            }
    };

    std::vector<std::pair<float, uint32_t>> got;
    bool warm = false;
    for (const std::string &path : files) {
        FilterFile f = read_filter(path);
        if (f.n != n || f.set != set || f.k != 10 || f.nq > queries.rows ||
            f.words != (n + 63) / 64 || (f.rows != 1 && f.rows != f.nq))
            fail(path + ": does not match --set/--n or the query file");
        std::vector<double> ulat(f.nq), lat(f.nq), rec(f.nq);
        if (!warm) { // one untimed pass
            for (size_t qi = 0; qi < f.nq; qi++)
                search(queries.data + qi * dim, got);
            warm = true;
        }
        for (size_t qi = 0; qi < f.nq; qi++) {
            double a = compare_now();
            search(queries.data + qi * dim, got);
            ulat[qi] = (compare_now() - a) * 1e3;
        }
        double passing = 0;
        if (f.rows == 1)
            mark(f.bits.data(), true);
        for (size_t qi = 0; qi < f.nq; qi++) {
            const uint64_t *w = f.bits.data() + (f.rows == 1 ? 0 : qi) * f.words;
            if (f.rows != 1)
                mark(w, true);
            double a = compare_now();
            search(queries.data + qi * dim, got);
            double b = compare_now();
            if (f.rows != 1)
                mark(w, false);
            uint32_t p = 0;
            for (uint32_t j = 0; j < f.words; j++)
                p += (uint32_t)__builtin_popcountll(w[j]);
            passing += p;
            rec[qi] = recall(f, qi, got);
            lat[qi] = (b - a) * 1e3;
            for (const auto &g : got) // a returned document must pass
                if (!(w[g.second >> 6] >> (g.second & 63) & 1))
                    fail(path + ": hnswlib returned a non-passing document");
        }
        if (f.rows == 1)
            mark(f.bits.data(), false);
        passing /= f.nq;
        print_row(f, passing, "hnswlib unfiltered", ulat, nullptr);
        print_row(f, passing, "hnswlib filter", lat, &rec);
        std::fflush(stdout);
    }
    vajra_matrix_f32_clear(&base);
    vajra_matrix_f32_clear(&queries);
    return 0;
}
