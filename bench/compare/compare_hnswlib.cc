// hnswlib comparison (Debian libhnswlib-dev, header-only; built with -march=native as pip builds it).
//
// For each vector set: build HierarchicalNSW<float> over the inner-product space at M = 16,
// ef_construction = 200 (random_seed 100, hnswlib's default) on 1 thread (addPoint in order) and on
// 2 threads (addPoint from a shared counter, as hnswlib's Python binding does); report build time.
// Then search the 1-thread graph single-threaded for ef in {16, 32, 64, 100, 200, 400}: recall@10
// against the ground-truth files (a returned id counts when it is in the true top 10, or when its
// inner product is >= the 10th true score - 1e-6, as ../shared/data/README.md says), p50/p95
// latency and QPS, after one untimed warm-up pass per ef.
// Sets: wordnet lsa384 prefixes 1k/10k/20k/50k (float16 on disk, widened), glove100 100k.
//
// Usage: compare-hnswlib [DATA_DIR [SET...]]   SET is wordnet1k, wordnet10k, wordnet20k,
//        wordnet50k or glove100k (default: all). DATA_DIR else $VAJRA_DATA_DIR, else ../shared/data.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "compare_common.h"
#include "vajra/io.h"

namespace {

const int kDefaultEfs[] = {16, 32, 64, 100, 200, 400};
const size_t kM = 16, kEfConstruction = 200, kK = 10;

struct SetSpec {
    const char *name;   // as printed
    const char *base;   // relative to the data dir
    const char *queries;
    const char *gt_ids;
    const char *gt_scores;
    size_t n;           // prefix of the base file
};

const SetSpec kSets[] = {
    {"wordnet1k", "wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt1k.ids.npy", "wordnet/lsa384.gt1k.scores.npy", 1000},
    {"wordnet10k", "wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt10k.ids.npy", "wordnet/lsa384.gt10k.scores.npy", 10000},
    {"wordnet20k", "wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt20k.ids.npy", "wordnet/lsa384.gt20k.scores.npy", 20000},
    {"wordnet50k", "wordnet/lsa384.docs50k.f16.npy", "wordnet/lsa384.queries.npy", "wordnet/lsa384.gt50k.ids.npy", "wordnet/lsa384.gt50k.scores.npy", 50000},
    {"glove100k", "glove/glove100.base100k.f16.npy", "glove/glove100.queries.npy", "glove/glove100.gt100k.ids.npy", "glove/glove100.gt100k.scores.npy", 100000},
};

void die(const VajraError &err)
{
    std::fprintf(stderr, "compare-hnswlib: %s\n", err.message);
    std::exit(1);
}

VajraMatrixF32 load_f32(const std::string &path)
{
    VajraMatrixF32 m = {};
    VajraError err = {};
    if (vajra_npy_read_f32(path.c_str(), &m, &err) != VAJRA_OK)
        die(err);
    return m;
}

double build(hnswlib::HierarchicalNSW<float> &index, const VajraMatrixF32 &base, size_t n, int threads)
{
    double t0 = compare_now();
    if (threads <= 1) {
        for (size_t i = 0; i < n; i++)
            index.addPoint(base.data + i * base.dim, i);
    } else {
        std::atomic<size_t> next(0);
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; t++)
            pool.emplace_back([&]() {
                for (;;) {
                    size_t i = next.fetch_add(1);
                    if (i >= n)
                        break;
                    index.addPoint(base.data + i * base.dim, i);
                }
            });
        for (auto &th : pool)
            th.join();
    }
    return compare_now() - t0;
}

double dot(const float *a, const float *b, size_t dim)
{
    double s = 0;
    for (size_t j = 0; j < dim; j++)
        s += (double)a[j] * b[j];
    return s;
}

void run_set(const std::string &dir, const SetSpec &spec)
{
    VajraMatrixF32 base = load_f32(dir + "/" + spec.base);
    VajraMatrixF32 queries = load_f32(dir + "/" + spec.queries);
    VajraMatrixF32 gts = load_f32(dir + "/" + spec.gt_scores);
    VajraMatrixI32 gti = {};
    VajraError err = {};
    if (vajra_npy_read_i32((dir + "/" + spec.gt_ids).c_str(), &gti, &err) != VAJRA_OK)
        die(err);
    if (base.rows < spec.n || queries.dim != base.dim || gti.rows != queries.rows || gti.dim < kK ||
        gts.rows != queries.rows || gts.dim < kK) {
        std::fprintf(stderr, "compare-hnswlib: %s: inconsistent shapes\n", spec.name);
        std::exit(1);
    }
    const size_t dim = base.dim, nq = queries.rows;
    hnswlib::InnerProductSpace space(dim);

    // $VAJRA_COMPARE_THREADS=1 skips the 2-thread build; $VAJRA_COMPARE_EFS replaces the ef list.
    const int max_threads = compare_env_size("VAJRA_COMPARE_THREADS", 2) >= 2 ? 2 : 1;
    int efs[32];
    size_t n_efs = compare_env_list("VAJRA_COMPARE_EFS", efs, 32);
    if (n_efs == 0) {
        n_efs = sizeof kDefaultEfs / sizeof kDefaultEfs[0];
        std::copy(kDefaultEfs, kDefaultEfs + n_efs, efs);
    }
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> one;
    for (int threads = 1; threads <= max_threads; threads++) {
        auto index = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, spec.n, kM, kEfConstruction, 100);
        double build_s = build(*index, base, spec.n, threads);
        std::printf("# hnswlib %s: n %zu dim %zu M %zu efC %zu threads %d build %.3f s\n", spec.name,
                    spec.n, dim, kM, kEfConstruction, threads, build_s);
        std::printf("{\"peer\":\"hnswlib\",\"set\":\"%s\",\"n\":%zu,\"dim\":%zu,\"M\":%zu,\"ef_construction\":%zu,"
                    "\"threads\":%d,\"build_s\":%.3f}\n",
                    spec.name, spec.n, dim, kM, kEfConstruction, threads, build_s);
        std::fflush(stdout);
        if (threads == 1)
            one = std::move(index);
    }

    std::vector<double> lat(nq);
    for (size_t ei = 0; ei < n_efs; ei++) {
        const int ef = efs[ei];
        one->setEf((size_t)ef);
        for (size_t qi = 0; qi < nq; qi++) // warm-up
            (void)one->searchKnn(queries.data + qi * dim, kK);
        double correct = 0;
        double t0 = compare_now();
        std::vector<std::vector<size_t>> got(nq);
        for (size_t qi = 0; qi < nq; qi++) {
            double a = compare_now();
            auto res = one->searchKnn(queries.data + qi * dim, kK);
            lat[qi] = (compare_now() - a) * 1e3;
            while (!res.empty()) {
                got[qi].push_back(res.top().second);
                res.pop();
            }
        }
        double elapsed = compare_now() - t0;
        for (size_t qi = 0; qi < nq; qi++) {
            const int32_t *truth = gti.data + qi * gti.dim;
            double tenth = gts.data[qi * gts.dim + kK - 1];
            size_t ok = 0;
            for (size_t label : got[qi]) {
                bool hit = false;
                for (size_t t = 0; t < kK && !hit; t++)
                    hit = (size_t)truth[t] == label;
                if (!hit)
                    hit = dot(queries.data + qi * dim, base.data + label * dim, dim) >= tenth - 1e-6;
                ok += hit;
            }
            correct += (double)(ok < kK ? ok : kK) / (double)kK;
        }
        double recall = correct / (double)nq;
        double p50 = compare_percentile(lat.data(), nq, 0.50), p95 = compare_percentile(lat.data(), nq, 0.95);
        std::printf("# hnswlib %s ef %3d: recall@10 %.4f p50 %.3f ms p95 %.3f ms QPS %.0f (1 thread)\n",
                    spec.name, ef, recall, p50, p95, (double)nq / elapsed);
        std::printf("{\"peer\":\"hnswlib\",\"set\":\"%s\",\"n\":%zu,\"ef\":%d,\"recall@10\":%.4f,"
                    "\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"qps\":%.1f,\"threads\":1}\n",
                    spec.name, spec.n, ef, recall, p50, p95, (double)nq / elapsed);
        std::fflush(stdout);
    }
    vajra_matrix_f32_clear(&base);
    vajra_matrix_f32_clear(&queries);
    vajra_matrix_f32_clear(&gts);
    vajra_matrix_i32_clear(&gti);
}

} // namespace

int main(int argc, char **argv)
{
    std::string dir = compare_data_dir(argc, argv);
    bool any = false;
    for (const SetSpec &s : kSets) {
        bool wanted = argc <= 2;
        for (int a = 2; a < argc; a++)
            wanted |= std::string(argv[a]) == s.name;
        if (wanted) {
            run_set(dir, s);
            any = true;
        }
    }
    if (!any) {
        std::fprintf(stderr, "compare-hnswlib: no such set; choose from wordnet1k wordnet10k wordnet20k wordnet50k glove100k\n");
        return 2;
    }
    return 0;
}
