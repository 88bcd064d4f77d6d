/* kernel-scalar: the core's scalar reference definitions published as a plugin. It is the
 * fallback that runs everywhere and the one VAJRA_KERNEL=scalar selects; it adds no code of its
 * own, so "scalar" always means exactly vajra_ref_*. */
#include "vajra/kernel.h"
#include "vajra/plugin.h"

static const VajraKernelOps scalar_ops = {
    .version = VAJRA_KERNEL_VTABLE_VERSION,
    .priority = 0,
    .isa = "scalar",
    .dot = vajra_ref_dot,
    .l2sq = vajra_ref_l2sq,
    .cosine_distance = vajra_ref_cosine_distance,
    .dot_many = vajra_ref_dot_many,
    .l2sq_many = vajra_ref_l2sq_many,
    .dot_gather = vajra_ref_dot_gather,
    .l2sq_gather = vajra_ref_l2sq_gather,
    .dot_f16 = vajra_ref_dot_f16,
    .l2sq_f16 = vajra_ref_l2sq_f16,
    .dot_f16_gather = vajra_ref_dot_f16_gather,
    .l2sq_f16_gather = vajra_ref_l2sq_f16_gather,
    .dot_u8 = vajra_ref_dot_u8,
    .l2sq_u8 = vajra_ref_l2sq_u8,
    .dot_u8_gather = vajra_ref_dot_u8_gather,
    .l2sq_u8_gather = vajra_ref_l2sq_u8_gather,
    .dot_u8s8 = vajra_ref_dot_u8s8,
    .dot_u8s8_gather = vajra_ref_dot_u8s8_gather,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_KERNEL,
    .name = "kernel-scalar",
    .version = "1.0.0",
    .description = "portable scalar f32/f16/u8 distances (the core's reference definitions)",
    .required_cpu = 0,
    .init = NULL,
    .fini = NULL,
    .vtable = &scalar_ops,
};

VAJRA_DEFINE_PLUGIN(desc)
