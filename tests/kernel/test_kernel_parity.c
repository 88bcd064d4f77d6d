/* Suite 'kernel': every distance-kernel plugin in the build tree, loaded through the registry,
 * against the core's scalar reference (vajra_ref_*). The cases and their tolerances live in
 * kernel_parity.c (see kernel_parity.h): |fast − ref| ≤ (dim+1)·FLT_EPSILON·Σ|aᵢbᵢ| and
 * |fast − exact| ≤ 1e-5·Σ|aᵢbᵢ|, condition-number-aware because cancellation makes a plain
 * relative error meaningless; batched forms must equal the single op bit for bit.
 *
 * A variant is skipped (and says so on stderr) only when it cannot run here: the registry
 * answers VAJRA_ERR_CPU_UNSUPPORTED and vajra_cpu_features() confirms a required bit is missing,
 * or the build did not produce it for this host (VAJRA_KERNELS_BUILT, from Meson). A variant that
 * was built and whose features are present must load, or the test fails.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_parity.h"
#include "vajra/cpu.h"
#include "vajra/kernel.h"
#include "vajra/plugin.h"
#include "vajra/registry.h"

#ifndef VAJRA_KERNELS_BUILT
#error "VAJRA_KERNELS_BUILT (comma-separated ISA names) must come from tests/kernel/meson.build"
#endif

typedef struct Variant {
    const char *isa;
    uint32_t priority;
    uint64_t required_cpu;
} Variant;

static const Variant variants[] = {
    {"scalar", 0, 0},
    {"neon", 10, VAJRA_CPU_NEON},
    {"avx2", 20, VAJRA_CPU_AVX2 | VAJRA_CPU_FMA | VAJRA_CPU_F16C},
    {"avx512", 30, VAJRA_CPU_AVX512F | VAJRA_CPU_AVX2},
    {"avx512vnni", 35, VAJRA_CPU_AVX512F | VAJRA_CPU_AVX512BW | VAJRA_CPU_AVX512VNNI},
};
#define N_VARIANTS ((int)(sizeof variants / sizeof variants[0]))

static int was_built(const char *isa)
{
    char list[] = VAJRA_KERNELS_BUILT;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save))
        if (strcmp(tok, isa) == 0)
            return 1;
    return 0;
}

/* One loaded variant; ops == NULL means "skipped here" (already announced). */
typedef struct Loaded {
    VajraRegistry *reg;
    VajraPlugin *plugin;
    const VajraKernelOps *ops;
} Loaded;

static Loaded load_variant(const Variant *v, const char *test_name)
{
    Loaded l = {NULL, NULL, NULL};
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &l.reg, &err), VAJRA_OK);
    char name[64];
    snprintf(name, sizeof name, "kernel-%s", v->isa);
    vajra_status st = vajra_registry_load(l.reg, VAJRA_PLUGIN_KERNEL, name, &l.plugin, &err);
    if (st == VAJRA_ERR_CPU_UNSUPPORTED) {
        uint64_t have = vajra_cpu_features();
        ck_assert_msg((have & v->required_cpu) != v->required_cpu,
                      "%s refused as CPU-unsupported although every required feature is present: "
                      "%s", name, err.message);
        fprintf(stderr, "SKIP %s/%s: this CPU lacks its features (%s)\n", name, test_name,
                err.message);
        return l;
    }
    if (st == VAJRA_ERR_NOT_FOUND && !was_built(v->isa)) {
        fprintf(stderr, "SKIP %s/%s: not built for this host (built: %s)\n", name, test_name,
                VAJRA_KERNELS_BUILT);
        return l;
    }
    ck_assert_msg(st == VAJRA_OK, "loading %s: %s (%s)", name, vajra_strerror(st), err.message);
    l.ops = vajra_plugin_vtable(l.plugin);
    ck_assert_ptr_nonnull(l.ops);
    return l;
}

static void unload(Loaded *l)
{
    vajra_plugin_unref(l->plugin);
    vajra_registry_free(l->reg);
}

/* Run one group of parity cases for the loop's variant and assert no bound was broken. */
static void run_cases(int variant, const char *group,
                      void (*cases)(const KernelParityTarget *, KernelParityReport *))
{
    const Variant *v = &variants[variant];
    Loaded l = load_variant(v, group);
    if (l.ops == NULL) {
        unload(&l);
        return;
    }
    KernelParityTarget t = {l.ops, vajra_kernel_reference(), strcmp(v->isa, "scalar") == 0};
    KernelParityReport rep = {0, 0, 0.0, {0}};
    cases(&t, &rep);
    printf("kernel-%s %s: %zu checks, %zu failures, worst error %.3f of the 1e-5 bound\n",
           v->isa, group, rep.checks, rep.failures, rep.worst);
    ck_assert_msg(rep.checks > 0, "kernel-%s %s ran no checks", v->isa, group);
    ck_assert_msg(rep.failures == 0, "kernel-%s %s: %zu of %zu checks out of bounds; first: %s",
                  v->isa, group, rep.failures, rep.checks, rep.first_failure);
    unload(&l);
}

START_TEST(test_descriptor)
{
    const Variant *v = &variants[_i];
    Loaded l = load_variant(v, "descriptor");
    if (l.ops != NULL) {
        const VajraPluginDescriptor *d = vajra_plugin_descriptor(l.plugin);
        char name[64];
        snprintf(name, sizeof name, "kernel-%s", v->isa);
        ck_assert_str_eq(d->name, name);
        ck_assert_uint_eq(d->kind, VAJRA_PLUGIN_KERNEL);
        ck_assert_uint_eq(d->required_cpu, v->required_cpu);
        ck_assert_uint_eq(l.ops->version, VAJRA_KERNEL_VTABLE_VERSION);
        ck_assert_uint_eq(l.ops->priority, v->priority);
        ck_assert_str_eq(l.ops->isa, v->isa);
        /* Kernel plugins fill every slot; NULL would silently fall back to scalar. */
        ck_assert_ptr_nonnull(l.ops->dot);
        ck_assert_ptr_nonnull(l.ops->l2sq);
        ck_assert_ptr_nonnull(l.ops->cosine_distance);
        ck_assert_ptr_nonnull(l.ops->dot_many);
        ck_assert_ptr_nonnull(l.ops->l2sq_many);
        ck_assert_ptr_nonnull(l.ops->dot_gather);
        ck_assert_ptr_nonnull(l.ops->l2sq_gather);
        ck_assert_ptr_nonnull(l.ops->dot_f16);
        ck_assert_ptr_nonnull(l.ops->l2sq_f16);
        ck_assert_ptr_nonnull(l.ops->dot_f16_gather);
        ck_assert_ptr_nonnull(l.ops->l2sq_f16_gather);
        ck_assert_ptr_nonnull(l.ops->dot_u8);
        ck_assert_ptr_nonnull(l.ops->l2sq_u8);
        ck_assert_ptr_nonnull(l.ops->dot_u8_gather);
        ck_assert_ptr_nonnull(l.ops->l2sq_u8_gather);
        ck_assert_ptr_nonnull(l.ops->dot_u8s8);
        ck_assert_ptr_nonnull(l.ops->dot_u8s8_gather);
        /* Every shipped variant has its own integer dot (scalar: the reference itself), so the
         * HNSW build's `version >= 3` check never picks the scalar fill by accident. */
        if (strcmp(v->isa, "scalar") != 0)
            ck_assert(l.ops->dot_u8s8 != vajra_ref_dot_u8s8 &&
                      l.ops->dot_u8s8_gather != vajra_ref_dot_u8s8_gather);
    }
    unload(&l);
}
END_TEST

/* "scalar" means exactly the core's reference functions, not a copy of them. */
START_TEST(test_scalar_is_reference)
{
    Loaded l = load_variant(&variants[0], "is-reference");
    ck_assert_ptr_nonnull(l.ops);
    ck_assert(l.ops->dot == vajra_ref_dot);
    ck_assert(l.ops->l2sq == vajra_ref_l2sq);
    ck_assert(l.ops->cosine_distance == vajra_ref_cosine_distance);
    ck_assert(l.ops->dot_many == vajra_ref_dot_many);
    ck_assert(l.ops->l2sq_many == vajra_ref_l2sq_many);
    ck_assert(l.ops->dot_gather == vajra_ref_dot_gather);
    ck_assert(l.ops->l2sq_gather == vajra_ref_l2sq_gather);
    ck_assert(l.ops->dot_f16 == vajra_ref_dot_f16);
    ck_assert(l.ops->l2sq_f16 == vajra_ref_l2sq_f16);
    ck_assert(l.ops->dot_f16_gather == vajra_ref_dot_f16_gather);
    ck_assert(l.ops->l2sq_f16_gather == vajra_ref_l2sq_f16_gather);
    ck_assert(l.ops->dot_u8 == vajra_ref_dot_u8);
    ck_assert(l.ops->l2sq_u8 == vajra_ref_l2sq_u8);
    ck_assert(l.ops->dot_u8_gather == vajra_ref_dot_u8_gather);
    ck_assert(l.ops->l2sq_u8_gather == vajra_ref_l2sq_u8_gather);
    ck_assert(l.ops->dot_u8s8 == vajra_ref_dot_u8s8);
    ck_assert(l.ops->dot_u8s8_gather == vajra_ref_dot_u8s8_gather);
    unload(&l);
}
END_TEST

/* With every kernel plugin on the path, the registry picks the highest-priority one that can run
 * here, and the override picks the one named. */
START_TEST(test_registry_choice)
{
    const Variant *best = &variants[0];
    for (int i = 0; i < N_VARIANTS; i++) {
        uint64_t have = vajra_cpu_features();
        if (was_built(variants[i].isa) &&
            (have & variants[i].required_cpu) == variants[i].required_cpu &&
            variants[i].priority >= best->priority)
            best = &variants[i];
    }
    VajraRegistryOptions opts = {sizeof opts, NULL, NULL};
    VajraRegistry *reg = NULL;
    VajraError err = {0};
    const VajraKernelOps *ops = NULL;

    opts.kernel = NULL;
    unsetenv("VAJRA_KERNEL");
    ck_assert_int_eq(vajra_registry_new(&opts, &reg, &err), VAJRA_OK);
    ck_assert_msg(vajra_registry_kernel(reg, &ops, NULL, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_str_eq(ops->isa, best->isa);
    vajra_registry_free(reg);

    opts.kernel = "scalar";
    ck_assert_int_eq(vajra_registry_new(&opts, &reg, &err), VAJRA_OK);
    ck_assert_msg(vajra_registry_kernel(reg, &ops, NULL, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_str_eq(ops->isa, "scalar");
    vajra_registry_free(reg);
}
END_TEST

START_TEST(test_random) { run_cases(_i, "random dims 0..1024", kernel_parity_random); }
END_TEST
START_TEST(test_magnitudes) { run_cases(_i, "magnitudes", kernel_parity_magnitudes); }
END_TEST
START_TEST(test_cancellation) { run_cases(_i, "cancellation", kernel_parity_cancellation); }
END_TEST
START_TEST(test_cosine_special) { run_cases(_i, "cosine special", kernel_parity_cosine_special); }
END_TEST
START_TEST(test_batches) { run_cases(_i, "batches", kernel_parity_batches); }
END_TEST
START_TEST(test_quantised) { run_cases(_i, "quantised rows", kernel_parity_quantised); }
END_TEST

START_TEST(test_integer) { run_cases(_i, "integer u8s8", kernel_parity_integer); }
END_TEST

static Suite *kernel_suite(void)
{
    Suite *s = suite_create("kernel");
    TCase *tc = tcase_create("parity");
    tcase_set_timeout(tc, 120); /* sanitizer builds are ~10x slower */
    tcase_add_loop_test(tc, test_descriptor, 0, N_VARIANTS);
    tcase_add_test(tc, test_scalar_is_reference);
    tcase_add_test(tc, test_registry_choice);
    tcase_add_loop_test(tc, test_random, 0, N_VARIANTS);
    tcase_add_loop_test(tc, test_magnitudes, 0, N_VARIANTS);
    tcase_add_loop_test(tc, test_cancellation, 0, N_VARIANTS);
    tcase_add_loop_test(tc, test_cosine_special, 0, N_VARIANTS);
    tcase_add_loop_test(tc, test_batches, 0, N_VARIANTS);
    tcase_add_loop_test(tc, test_quantised, 0, N_VARIANTS);
    tcase_add_loop_test(tc, test_integer, 0, N_VARIANTS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kernel_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
