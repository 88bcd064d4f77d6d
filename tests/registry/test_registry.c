/* The plugin registry: loading, refusing bad plugins with clear errors, kernel choice. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vajra/vajra.h"

static char fixture_path[4096];

static const char *fixture(const char *name)
{
    snprintf(fixture_path, sizeof fixture_path, "%s/%s.so", getenv("VAJRA_FIXTURE_DIR"), name);
    return fixture_path;
}

static VajraRegistry *registry_with(const char *path, const char *kernel)
{
    VajraRegistryOptions o = {sizeof o, path, kernel};
    VajraRegistry *reg = NULL;
    VajraError e = {0};
    ck_assert_msg(vajra_registry_new(&o, &reg, &e) == VAJRA_OK, "%s", e.message);
    return reg;
}

typedef struct {
    uint32_t version;
    int (*answer)(void *state);
} FixtureVTable;

/* Loaded plugins other than kernels (loading a non-kernel plugin also loads the chosen kernel). */
static size_t count_non_kernel(VajraRegistry *reg)
{
    size_t n = 0;
    for (size_t i = 0; i < vajra_registry_count(reg); i++)
        n += vajra_plugin_descriptor(vajra_registry_at(reg, i))->kind != VAJRA_PLUGIN_KERNEL;
    return n;
}

START_TEST(test_good_plugin_loads_once_and_refcounts)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    VajraPlugin *a = NULL, *b = NULL;
    VajraError e = {0};
    ck_assert_msg(vajra_registry_load_file(reg, fixture("fixture-good"), VAJRA_PLUGIN_SCORER, &a, &e) == VAJRA_OK, "%s", e.message);
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-good"), 0, &b, &e), VAJRA_OK);
    ck_assert_ptr_eq(a, b);
    ck_assert_uint_eq(count_non_kernel(reg), 1);
    /* At most the chosen kernel besides: candidates that lost were unloaded. */
    ck_assert_uint_le(vajra_registry_count(reg), 2);
    const VajraPluginDescriptor *d = vajra_plugin_descriptor(a);
    ck_assert_str_eq(d->name, "fixture-good");
    const FixtureVTable *vt = vajra_plugin_vtable(a);
    /* init saw a complete host (kernel chosen, ABI set): it answers 42. */
    ck_assert_int_eq(vt->answer(vajra_plugin_state(a)), 42);
    ck_assert_ptr_nonnull(vajra_plugin_host(a)->kernel);
    vajra_plugin_unref(b);
    vajra_registry_free(reg); /* the caller's reference keeps the plugin alive */
    ck_assert_int_eq(vt->answer(vajra_plugin_state(a)), 42);
    vajra_plugin_unref(a);
}
END_TEST

START_TEST(test_wrong_abi_major_names_both_versions)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    VajraPlugin *p = NULL;
    VajraError e = {0};
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-abi99"), 0, &p, &e), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_null(p);
    ck_assert_ptr_nonnull(strstr(e.message, "fixture-abi99.so"));
    ck_assert_ptr_nonnull(strstr(e.message, "99.3"));
    char ours[32];
    snprintf(ours, sizeof ours, "%d.%d", VAJRA_ABI_MAJOR, VAJRA_ABI_MINOR);
    ck_assert_ptr_nonnull(strstr(e.message, ours));
    ck_assert_uint_eq(count_non_kernel(reg), 0);
    vajra_registry_free(reg);
}
END_TEST

START_TEST(test_small_descriptor_refused)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    VajraPlugin *p = NULL;
    VajraError e = {0};
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-small"), 0, &p, &e), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_nonnull(strstr(e.message, "size 24"));
    vajra_registry_free(reg);
}
END_TEST

START_TEST(test_missing_entry_symbol)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    VajraPlugin *p = NULL;
    VajraError e = {0};
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-noentry"), 0, &p, &e), VAJRA_ERR_PLUGIN_LOAD);
    ck_assert_ptr_nonnull(strstr(e.message, "fixture-noentry.so"));
    ck_assert_ptr_nonnull(strstr(e.message, VAJRA_PLUGIN_ENTRY_NAME));
    vajra_registry_free(reg);
}
END_TEST

START_TEST(test_missing_file)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    VajraPlugin *p = NULL;
    VajraError e = {0};
    ck_assert_int_eq(vajra_registry_load_file(reg, "/nonexistent/dir/x.so", 0, &p, &e), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(e.message, "/nonexistent/dir/x.so"));
    ck_assert_int_eq(vajra_registry_load(reg, VAJRA_PLUGIN_SCORER, "no-such-plugin", &p, &e), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(e.message, "no-such-plugin"));
    ck_assert_int_eq(vajra_registry_load(reg, VAJRA_PLUGIN_SCORER, "../escape", &p, &e), VAJRA_ERR_INVALID_ARGUMENT);
    vajra_registry_free(reg);
}
END_TEST

static void count_error(void *user, const char *path, const VajraError *err)
{
    (void)path;
    (void)err;
    (*(int *)user)++;
}

START_TEST(test_non_elf_file)
{
    char dir[] = "/tmp/vajra-reg-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[4200];
    snprintf(path, sizeof path, "%s/garbage.so", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("this is not an ELF shared object\n", f);
    fclose(f);
    VajraRegistry *reg = registry_with(dir, NULL);
    VajraPlugin *p = NULL;
    VajraError e = {0};
    ck_assert_int_eq(vajra_registry_load_file(reg, path, 0, &p, &e), VAJRA_ERR_PLUGIN_LOAD);
    ck_assert_ptr_nonnull(strstr(e.message, "garbage.so"));
    /* An empty file too. */
    f = fopen(path, "w");
    fclose(f);
    ck_assert_int_eq(vajra_registry_load_file(reg, path, 0, &p, &e), VAJRA_ERR_PLUGIN_LOAD);
    /* A scan reports it through the callback and carries on. */
    size_t loaded = 99;
    int errors = 0;
    ck_assert_int_eq(vajra_registry_scan(reg, count_error, &errors, &loaded, &e), VAJRA_OK);
    ck_assert_uint_eq(loaded, 0);
    ck_assert_int_eq(errors, 1);
    vajra_registry_free(reg);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_wrong_kind_and_cpu_and_init_failure)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    VajraPlugin *p = NULL;
    VajraError e = {0};
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-good"), VAJRA_PLUGIN_VECTOR, &p, &e), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_nonnull(strstr(e.message, "scorer"));
    ck_assert_ptr_nonnull(strstr(e.message, "vector"));
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-cpu"), 0, &p, &e), VAJRA_ERR_CPU_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(e.message, "fixture-cpu"));
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-initfail"), 0, &p, &e), VAJRA_ERR_BAD_VALUE);
    ck_assert_ptr_nonnull(strstr(e.message, "fixture refuses to start"));
    ck_assert_ptr_nonnull(strstr(e.message, "fixture-initfail"));
    ck_assert_uint_eq(count_non_kernel(reg), 0);
    vajra_registry_free(reg);
}
END_TEST


/* Kinds are open: any non-zero kind number loads when asked for (or with 0 = any), a mismatch
 * names both kinds by number or name, kind 0 is refused, and an ABI 1.0 descriptor (without
 * kind_name) still loads with its tail read as zero. */
START_TEST(test_open_kinds)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    VajraPlugin *p = NULL, *q = NULL;
    VajraError e = {0};
    ck_assert_msg(vajra_registry_load_file(reg, fixture("fixture-newkind"), (VajraPluginKind)4242, &p, &e) == VAJRA_OK, "%s", e.message);
    ck_assert_uint_eq(vajra_plugin_descriptor(p)->kind, 4242);
    ck_assert_str_eq(vajra_plugin_kind_name(p), "reranker");
    const FixtureVTable *vt = vajra_plugin_vtable(p);
    ck_assert_int_eq(vt->answer(vajra_plugin_state(p)), 42);
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-newkind"), 0, &q, &e), VAJRA_OK);
    ck_assert_ptr_eq(p, q);
    vajra_plugin_unref(q);
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-newkind"), VAJRA_PLUGIN_EMBEDDER, &q, &e), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_nonnull(strstr(e.message, "kind 4242"));
    ck_assert_ptr_nonnull(strstr(e.message, "embedder"));
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-good"), (VajraPluginKind)4243, &q, &e), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_nonnull(strstr(e.message, "kind 4243"));
    ck_assert_ptr_nonnull(strstr(e.message, "scorer"));
    ck_assert_int_eq(vajra_registry_load_file(reg, fixture("fixture-kind0"), 0, &q, &e), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_nonnull(strstr(e.message, "kind 0"));
    ck_assert_msg(vajra_registry_load_file(reg, fixture("fixture-v10"), VAJRA_PLUGIN_SCORER, &q, &e) == VAJRA_OK, "%s", e.message);
    ck_assert_uint_eq(vajra_plugin_descriptor(q)->struct_size, VAJRA_PLUGIN_DESCRIPTOR_SIZE_1_0);
    ck_assert_ptr_null(vajra_plugin_descriptor(q)->kind_name);
    ck_assert_str_eq(vajra_plugin_kind_name(q), "scorer");
    ck_assert_str_eq(vajra_plugin_kind_builtin_name(VAJRA_PLUGIN_EMBEDDER), "embedder");
    ck_assert_ptr_null(vajra_plugin_kind_builtin_name(4242));
    vajra_plugin_unref(q);
    vajra_plugin_unref(p);
    vajra_registry_free(reg);
}
END_TEST

START_TEST(test_scan_fixture_dir)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_FIXTURE_DIR"), NULL);
    size_t loaded = 0;
    int errors = 0;
    ck_assert_int_eq(vajra_registry_scan(reg, count_error, &errors, &loaded, NULL), VAJRA_OK);
    /* good, newkind and v10 load (in file-name order); abi99, small, noentry, cpu, initfail,
     * kind0 fail. */
    ck_assert_uint_eq(loaded, 3);
    ck_assert_int_eq(errors, 6);
    ck_assert_str_eq(vajra_plugin_descriptor(vajra_registry_at(reg, 0))->name, "fixture-good");
    ck_assert_str_eq(vajra_plugin_descriptor(vajra_registry_at(reg, 1))->name, "fixture-newkind");
    ck_assert_str_eq(vajra_plugin_descriptor(vajra_registry_at(reg, 2))->name, "fixture-v10");
    ck_assert_ptr_null(vajra_registry_at(reg, 3));
    vajra_registry_free(reg);
}
END_TEST

static int have_plugin(const char *name)
{
    VajraRegistry *reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    VajraPlugin *p = NULL;
    int ok = vajra_registry_load(reg, VAJRA_PLUGIN_KERNEL, name, &p, NULL) == VAJRA_OK;
    vajra_plugin_unref(p);
    vajra_registry_free(reg);
    return ok;
}

START_TEST(test_kernel_choice_and_override)
{
    const VajraKernelOps *ops = NULL;
    VajraPlugin *kp = NULL;
    VajraError e = {0};
    /* No kernel plugins on the path: the built-in reference. */
    VajraRegistry *reg = registry_with(getenv("VAJRA_FIXTURE_DIR"), NULL);
    ck_assert_int_eq(vajra_registry_kernel(reg, &ops, &kp, &e), VAJRA_OK);
    ck_assert_ptr_eq(ops, vajra_kernel_reference());
    ck_assert_ptr_null(kp);
    vajra_registry_free(reg);

    /* An override naming a kernel that does not exist is a clear error. */
    reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), "sparc");
    ck_assert_int_eq(vajra_registry_kernel(reg, &ops, NULL, &e), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(e.message, "kernel-sparc"));
    vajra_registry_free(reg);

    if (!have_plugin("kernel-scalar"))
        return; /* kernel plugins not built in this configuration */
    reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), "scalar");
    ck_assert_msg(vajra_registry_kernel(reg, &ops, &kp, &e) == VAJRA_OK, "%s", e.message);
    ck_assert_str_eq(ops->isa, "scalar");
    ck_assert_str_eq(vajra_plugin_descriptor(kp)->name, "kernel-scalar");
    vajra_registry_free(reg);

    /* Best available: the highest priority whose CPU features are present. */
    reg = registry_with(getenv("VAJRA_PLUGIN_PATH"), NULL);
    ck_assert_int_eq(vajra_registry_kernel(reg, &ops, &kp, &e), VAJRA_OK);
    uint64_t cpu = vajra_cpu_features();
    if ((cpu & VAJRA_CPU_AVX512F) && (cpu & VAJRA_CPU_AVX512BW) && (cpu & VAJRA_CPU_AVX512VNNI) &&
        have_plugin("kernel-avx512vnni"))
        ck_assert_str_eq(ops->isa, "avx512vnni");
    else if ((cpu & VAJRA_CPU_AVX512F) && (cpu & VAJRA_CPU_AVX2) && have_plugin("kernel-avx512"))
        ck_assert_str_eq(ops->isa, "avx512");
    else if ((cpu & VAJRA_CPU_AVX2) && (cpu & VAJRA_CPU_FMA) && have_plugin("kernel-avx2"))
        ck_assert_str_eq(ops->isa, "avx2");
    /* Every slot is filled, and the ops compute. */
    float a[5] = {1, 2, 3, 4, 5}, b[5] = {5, 4, 3, 2, 1};
    ck_assert_float_eq_tol(ops->dot(a, b, 5), 35.0f, 1e-5f);
    ck_assert_float_eq_tol(ops->l2sq(a, b, 5), 40.0f, 1e-5f);
    ck_assert_ptr_nonnull(ops->l2sq_gather);
    vajra_registry_free(reg);
}
END_TEST

START_TEST(test_env_search_path_and_install_dir)
{
    VajraRegistry *reg = NULL;
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, NULL), VAJRA_OK);
    const char *sp = vajra_registry_search_path(reg);
    ck_assert_ptr_nonnull(strstr(sp, getenv("VAJRA_PLUGIN_PATH")));
    ck_assert_ptr_nonnull(strstr(sp, vajra_plugin_install_dir()));
    /* The build tree comes first, so tests never pick up an installed copy. */
    ck_assert_ptr_eq(strstr(sp, getenv("VAJRA_PLUGIN_PATH")), sp);
    vajra_registry_free(reg);
    VajraRegistryOptions bad = {4, NULL, NULL};
    VajraError e = {0};
    ck_assert_int_eq(vajra_registry_new(&bad, &reg, &e), VAJRA_ERR_INVALID_ARGUMENT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry");
    TCase *t = tcase_create("registry");
    tcase_add_test(t, test_good_plugin_loads_once_and_refcounts);
    tcase_add_test(t, test_wrong_abi_major_names_both_versions);
    tcase_add_test(t, test_small_descriptor_refused);
    tcase_add_test(t, test_missing_entry_symbol);
    tcase_add_test(t, test_missing_file);
    tcase_add_test(t, test_non_elf_file);
    tcase_add_test(t, test_wrong_kind_and_cpu_and_init_failure);
    tcase_add_test(t, test_open_kinds);
    tcase_add_test(t, test_scan_fixture_dir);
    tcase_add_test(t, test_kernel_choice_and_override);
    tcase_add_test(t, test_env_search_path_and_install_dir);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
