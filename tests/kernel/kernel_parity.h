/* Parity cases for distance kernels: every op of a variant against the scalar reference on
 * random and adversarial inputs. Plain C (no Check, no GLib) so the same cases run in the Check
 * suite and in the standalone NEON program cross-compiled for qemu (neon-qemu.sh).
 *
 * Tolerances (stated once, used everywhere; derivation in kernel_parity.c):
 *   S      = Σ|aᵢ·bᵢ| for dot, Σ(aᵢ−bᵢ)² for l2sq (computed in double)
 *   vs ref : |fast − ref|   ≤ (dim+1)·FLT_EPSILON·S + dim·FLT_TRUE_MIN
 *            (both are within γ_dim·S of the exact value for any summation order)
 *   vs exact (SIMD variants only): |fast − exact| ≤ 1e-5·S + dim·FLT_TRUE_MIN
 *            (blocked summation over many lanes is that accurate up to dim 1536)
 *   cosine : the dot bound divided by |a||b|, plus the norms' relative error, plus 16 ulp of the
 *            final float formula.
 *   batched forms (_many, _gather) must equal the variant's own single op bit for bit.
 *   quantised rows (f16, u8): the same bounds, with S taken over the widened elements.
 *   integer dot (u8 codes · s8 weights): exactly the true sum modulo 2^32, no tolerance.
 */
#ifndef VAJRA_TEST_KERNEL_PARITY_H
#define VAJRA_TEST_KERNEL_PARITY_H

#include <stddef.h>

#include "vajra/kernel.h"

#define KERNEL_PARITY_MAX_DIM 1024u
#define KERNEL_PARITY_REL_TOL 1e-5

typedef struct KernelParityReport {
    size_t checks;   /* comparisons made */
    size_t failures; /* comparisons that broke their bound */
    double worst;    /* largest |fast − exact| / bound_exact seen (< 1 passes): the margin */
    char first_failure[512];
} KernelParityReport;

/* `fast` is the variant under test, `ref` the reference ops (vajra_kernel_reference()).
 * `fast_is_reference` selects bitwise equality instead of the tolerances (kernel-scalar).
 * Each function adds to *rep; none allocates more than a few vectors, none aborts. */
typedef struct KernelParityTarget {
    const VajraKernelOps *fast;
    const VajraKernelOps *ref;
    int fast_is_reference;
} KernelParityTarget;

/* Every dimension 0..KERNEL_PARITY_MAX_DIM plus 1536, uniform values in [−1, 1), with the two
 * inputs starting 0..3 floats past an aligned address, each ending exactly at the end of its
 * allocation (so an over-read is caught by ASan). */
void kernel_parity_random(const KernelParityTarget *t, KernelParityReport *rep);

/* Large magnitudes (~1e15 and up to the edge of float range: no inf where S is finite), tiny
 * values whose products are subnormal, subnormal inputs, and mixed scales in one vector. */
void kernel_parity_magnitudes(const KernelParityTarget *t, KernelParityReport *rep);

/* Mixed signs with heavy cancellation (exact result near 0 with huge terms), and absorption
 * (one huge term followed by many small ones, where the single-accumulator reference is at its
 * worst). */
void kernel_parity_cancellation(const KernelParityTarget *t, KernelParityReport *rep);

/* Cosine edge cases: a zero vector on either or both sides is exactly 1; a == b is ~0,
 * a == −b is ~2, orthogonal vectors ~1, scaled copies ~0. */
void kernel_parity_cosine_special(const KernelParityTarget *t, KernelParityReport *rep);

/* _many and _gather equal the single op bit for bit: strides larger than dim, unaligned rows,
 * repeated and unordered ids, the last row ending the allocation, count 0 writes nothing. */
void kernel_parity_batches(const KernelParityTarget *t, KernelParityReport *rep);

/* The version-2 slots: f16 rows (random halves, subnormal and large ones among them) and 8-bit
 * codes, every dimension 0..70 and the sample dimensions, each op against the reference within
 * the f32 bounds (S from the widened elements / the reference's terms), including a row against
 * its own decoding (l2 ≈ 0); the gathers equal their single op bit for bit. */
void kernel_parity_quantised(const KernelParityTarget *t, KernelParityReport *rep);

/* The version-3 slots: dot_u8s8 of random and extreme codes and weights, every dimension
 * 0..200 at four offsets and the sample dimensions, and sums that wrap past INT32_MAX/MIN, equal
 * to the exact sum modulo 2^32 (reference and variant alike, no tolerance); the gather equals the
 * single op for odd and even counts and writes nothing past count. */
void kernel_parity_integer(const KernelParityTarget *t, KernelParityReport *rep);

/* All of the above. */
void kernel_parity_all(const KernelParityTarget *t, KernelParityReport *rep);

#endif /* VAJRA_TEST_KERNEL_PARITY_H */
