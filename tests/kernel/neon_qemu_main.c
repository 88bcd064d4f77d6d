/* The NEON kernel's parity test as a standalone program: cross-compiled for AArch64 together
 * with plugins/kernel/kernel_neon.c, core/distance_reference.c and the shared parity cases, and
 * run under qemu-user by neon-qemu.sh. There is no registry here (no arm64 GLib), so the plugin's
 * entry function is called directly; the cases and tolerances are exactly those of the Check
 * suite (kernel_parity.h). Exit 0 when every check is within bounds, 1 otherwise. */
#include <stdio.h>
#include <string.h>

#include "kernel_parity.h"
#include "vajra/cpu.h"
#include "vajra/plugin.h"

const VajraPluginDescriptor *VAJRA_PLUGIN_ENTRY(void);

static int check_descriptor(const VajraPluginDescriptor *d, const VajraKernelOps *ops)
{
    int ok = d->struct_size == sizeof(VajraPluginDescriptor) && d->abi_major == VAJRA_ABI_MAJOR &&
             d->kind == VAJRA_PLUGIN_KERNEL && strcmp(d->name, "kernel-neon") == 0 &&
             d->required_cpu == VAJRA_CPU_NEON && ops->version == VAJRA_KERNEL_VTABLE_VERSION &&
             ops->priority == 10 && strcmp(ops->isa, "neon") == 0 && ops->dot && ops->l2sq &&
             ops->cosine_distance && ops->dot_many && ops->l2sq_many && ops->dot_gather &&
             ops->l2sq_gather && ops->dot_f16 && ops->l2sq_f16 && ops->dot_f16_gather &&
             ops->l2sq_f16_gather && ops->dot_u8 && ops->l2sq_u8 && ops->dot_u8_gather &&
             ops->l2sq_u8_gather && ops->dot_u8s8 && ops->dot_u8s8_gather;
    printf("kernel-neon descriptor: %s\n", ok ? "ok" : "WRONG");
    return ok;
}

typedef void (*CasesFn)(const KernelParityTarget *, KernelParityReport *);

int main(void)
{
    const VajraPluginDescriptor *d = VAJRA_PLUGIN_ENTRY();
    const VajraKernelOps *ops = d->vtable;
    int ok = check_descriptor(d, ops);

    static const struct {
        const char *name;
        CasesFn fn;
    } groups[] = {
        {"random dims 0..1024", kernel_parity_random},
        {"magnitudes", kernel_parity_magnitudes},
        {"cancellation", kernel_parity_cancellation},
        {"cosine special", kernel_parity_cosine_special},
        {"batches", kernel_parity_batches},
        {"quantised rows", kernel_parity_quantised},
        {"integer u8s8", kernel_parity_integer},
    };
    KernelParityTarget t = {ops, vajra_kernel_reference(), 0};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        KernelParityReport rep = {0, 0, 0.0, {0}};
        groups[g].fn(&t, &rep);
        printf("kernel-neon %s: %zu checks, %zu failures, worst error %.3f of the 1e-5 bound\n",
               groups[g].name, rep.checks, rep.failures, rep.worst);
        if (rep.failures > 0 || rep.checks == 0) {
            printf("  first failure: %s\n", rep.checks ? rep.first_failure : "no checks ran");
            ok = 0;
        }
    }
    printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
