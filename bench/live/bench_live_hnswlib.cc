// hnswlib under the churn of `bench-live churn` (issue 11): the same documents, the same deleted
// samples (seeded splitmix64 shuffle shared through live_common.h), HNSW parameters of Vajra's
// `fast` profile (M = 16, ef_construction = 128, search ef = 128), WordNet 50k LSA-384.
//
// Build 50k (2 threads, a shared counter as hnswlib's Python binding does), then 3 rounds of:
// markDelete 30 % of the labels; recall@10 over the live points (exact answers by brute force);
// put them back; recall@10 against the ground-truth file (every point live again).
// "Put back" is either
//   same  : addPoint with the same label (hnswlib 0.6.2: unmarks the point and calls updatePoint,
//           which re-links its neighbourhood; 0.7's replace_deleted is not in this version), or
//   new   : addPoint under a new label (the deleted points stay in the graph as tombstones,
//           traversed by searches but never returned — what an index without compaction holds).
// Recall counts ties as ../shared/data/README.md says.
//
// Usage: bench-live-hnswlib [DATA_DIR] [same|new] [ROUNDS] [DOCS]
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../compare/compare_common.h"
#include "live_common.h"
#include "vajra/io.h"

namespace {

const size_t kM = 16, kEfc = 128, kEf = 128, kK = 10;
size_t kN = 50000; // documents (argv[4], for quick checks)
const double kFrac = 0.3;
const uint64_t kSeed = 11; // bench-live's default: round r samples with seed kSeed + r

void die(const char *what)
{
    std::fprintf(stderr, "bench-live-hnswlib: %s\n", what);
    std::exit(1);
}

VajraMatrixF32 load_f32(const std::string &path)
{
    VajraMatrixF32 m = {};
    VajraError err = {};
    if (vajra_npy_read_f32(path.c_str(), &m, &err) != VAJRA_OK)
        die(err.message);
    return m;
}

float dot(const float *a, const float *b, size_t dim)
{
    float s = 0;
    for (size_t j = 0; j < dim; j++)
        s += a[j] * b[j];
    return s;
}

struct Truth {
    std::vector<std::vector<uint32_t>> ids; // top 10 rows
    std::vector<float> tenth;               // 10th score
};

// Exact top 10 over the live rows.
Truth brute(const VajraMatrixF32 &base, const VajraMatrixF32 &q, const std::vector<char> &live)
{
    Truth t;
    t.ids.resize(q.rows);
    t.tenth.resize(q.rows);
    std::vector<std::pair<float, uint32_t>> all;
    for (size_t qi = 0; qi < q.rows; qi++) {
        all.clear();
        for (size_t i = 0; i < kN; i++)
            if (live[i])
                all.emplace_back(-dot(q.data + qi * q.dim, base.data + i * base.dim, base.dim),
                                 (uint32_t)i);
        std::partial_sort(all.begin(), all.begin() + kK, all.end());
        for (size_t j = 0; j < kK; j++)
            t.ids[qi].push_back(all[j].second);
        t.tenth[qi] = -all[kK - 1].first;
    }
    return t;
}

struct Res {
    double recall, p50, p99;
};

Res search(hnswlib::HierarchicalNSW<float> &h, const VajraMatrixF32 &base,
           const VajraMatrixF32 &q, const Truth &t)
{
    h.setEf(kEf);
    std::vector<double> lat(q.rows);
    double correct = 0;
    for (size_t qi = 0; qi < q.rows; qi++)
        (void)h.searchKnn(q.data + qi * q.dim, kK); // warm-up
    for (size_t qi = 0; qi < q.rows; qi++) {
        double a = compare_now();
        auto res = h.searchKnn(q.data + qi * q.dim, kK);
        lat[qi] = (compare_now() - a) * 1e3;
        size_t ok = 0;
        while (!res.empty()) {
            uint32_t row = (uint32_t)(res.top().second % kN);
            res.pop();
            bool hit = std::find(t.ids[qi].begin(), t.ids[qi].end(), row) != t.ids[qi].end();
            if (!hit)
                hit = dot(q.data + qi * q.dim, base.data + row * base.dim, base.dim) >=
                      t.tenth[qi] - 1e-6f;
            ok += hit;
        }
        correct += (double)(ok < kK ? ok : kK) / (double)kK;
    }
    Res r;
    r.recall = correct / (double)q.rows;
    r.p50 = compare_percentile(lat.data(), lat.size(), 0.5);
    r.p99 = compare_percentile(lat.data(), lat.size(), 0.99);
    return r;
}

void report(const char *how, const char *step, int round, const Res &r, double seconds)
{
    std::printf("# hnswlib (%s) %s round %d: recall@10 %.4f, p50 %.3f ms, p99 %.3f ms, "
                "step %.2f s\n",
                how, step, round, r.recall, r.p50, r.p99, seconds);
    std::printf("{\"bench\": \"churn\", \"peer\": \"hnswlib\", \"readd\": \"%s\", \"step\": "
                "\"%s\", \"round\": %d, \"recall@10\": %.4f, \"vector_p50_ms\": %.4f, "
                "\"vector_p99_ms\": %.4f, \"step_s\": %.3f}\n",
                how, step, round, r.recall, r.p50, r.p99, seconds);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    std::string dir = argc > 1 ? argv[1] : (getenv("VAJRA_DATA_DIR") ? getenv("VAJRA_DATA_DIR")
                                                                      : "../shared/data");
    std::string how = argc > 2 ? argv[2] : "same";
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    if (argc > 4)
        kN = (size_t)strtoul(argv[4], NULL, 10);
    if (how != "same" && how != "new")
        die("the re-add mode is same or new");
    VajraMatrixF32 base = load_f32(dir + "/wordnet/lsa384.docs50k.f16.npy");
    VajraMatrixF32 q = load_f32(dir + "/wordnet/lsa384.queries.npy");
    if (base.rows < kN || base.dim != q.dim)
        die("inconsistent shapes");
    const size_t dim = base.dim;
    hnswlib::InnerProductSpace space(dim);
    size_t cap = how == "same" ? kN : kN + (size_t)rounds * (size_t)(kN * kFrac + 1);
    hnswlib::HierarchicalNSW<float> h(&space, cap, kM, kEfc, 100);

    auto add_parallel = [&](const std::vector<uint32_t> &rows, size_t label_base) {
        std::atomic<size_t> next(0);
        std::vector<std::thread> pool;
        for (int t = 0; t < 2; t++)
            pool.emplace_back([&]() {
                for (;;) {
                    size_t i = next.fetch_add(1);
                    if (i >= rows.size())
                        break;
                    h.addPoint(base.data + (size_t)rows[i] * dim, label_base + rows[i]);
                }
            });
        for (auto &th : pool)
            th.join();
    };

    std::vector<uint32_t> all(kN);
    for (size_t i = 0; i < kN; i++)
        all[i] = (uint32_t)i;
    double t0 = compare_now();
    add_parallel(all, 0);
    double build_s = compare_now() - t0;
    std::vector<char> live(kN, 1);
    Truth full = brute(base, q, live);
    report(how.c_str(), "fresh", 0, search(h, base, q, full), build_s);

    std::vector<size_t> label_of(kN); // current label of each row
    for (size_t i = 0; i < kN; i++)
        label_of[i] = i;
    size_t m = (size_t)((double)kN * kFrac + 0.5);
    for (int round = 1; round <= rounds; round++) {
        std::vector<uint32_t> pick(all);
        live_sample(pick.data(), kN, m, kSeed + (uint64_t)round);
        pick.resize(m);
        t0 = compare_now();
        for (uint32_t row : pick) {
            h.markDelete(label_of[row]);
            live[row] = 0;
        }
        double del_s = compare_now() - t0;
        Truth t = brute(base, q, live);
        report(how.c_str(), "deleted", round, search(h, base, q, t), del_s);
        size_t label_base = how == "same" ? 0 : kN * (size_t)round;
        t0 = compare_now();
        add_parallel(pick, label_base);
        double add_s = compare_now() - t0;
        for (uint32_t row : pick) {
            label_of[row] = label_base + row;
            live[row] = 1;
        }
        report(how.c_str(), "re-added", round, search(h, base, q, full), add_s);
    }
    vajra_matrix_f32_clear(&base);
    vajra_matrix_f32_clear(&q);
    return 0;
}
