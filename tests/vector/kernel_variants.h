/* Test helper for the vector parity suites: the distance-kernel variants to run a comparison
 * with, loaded through the registry. Header-only (it needs Check's assertions and the
 * VAJRA_KERNELS_BUILT list that tests/vector/meson.build passes to each parity test). */
#ifndef VAJRA_TEST_KERNEL_VARIANTS_H
#define VAJRA_TEST_KERNEL_VARIANTS_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vajra/kernel.h"
#include "vajra/registry.h"

#ifndef VAJRA_KERNELS_BUILT
#error "VAJRA_KERNELS_BUILT must come from tests/vector/meson.build"
#endif

static const char *const isas[] = {"scalar", "avx2", "avx512"};

static inline int was_built(const char *isa)
{
    char list[] = VAJRA_KERNELS_BUILT;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save))
        if (strcmp(tok, isa) == 0)
            return 1;
    return 0;
}

/* The kernel ops of one variant in a new registry (*reg, the caller frees it), or NULL when the
 * variant cannot run here (not built for this host, or the CPU lacks it; announced on stderr). */
static inline const VajraKernelOps *variant_ops(const char *isa, VajraRegistry **reg)
{
    VajraRegistryOptions opts = {.struct_size = sizeof opts, .kernel = isa};
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(&opts, reg, &err), VAJRA_OK);
    const VajraKernelOps *ops = NULL;
    vajra_status st = vajra_registry_kernel(*reg, &ops, NULL, &err);
    if (st == VAJRA_ERR_CPU_UNSUPPORTED || (st == VAJRA_ERR_NOT_FOUND && !was_built(isa))) {
        fprintf(stderr, "SKIP kernel %s: %s\n", isa, err.message);
        return NULL;
    }
    ck_assert_msg(st == VAJRA_OK, "kernel %s: %s", isa, err.message);
    ck_assert_str_eq(ops->isa, isa);
    return ops;
}

#endif
