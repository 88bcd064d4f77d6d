/* libFuzzer target: the .fvecs and .ivecs readers. An accepted file is exactly rows rows of
 * (4-byte dimension + dim 4-byte values); anything else must be an error. */
#include "fuzz_util.h"
#include "vajra/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VajraError err = {0};
    VajraMatrixF32 f = {0};
    vajra_status st = vajra_fvecs_parse(data, size, "fuzz.fvecs", &f, &err);
    fuzz_check_error(st, &err, "vajra_fvecs_parse");
    if (st == VAJRA_OK) {
        if (f.rows == 0 || f.dim == 0 || f.rows * (f.dim + 1) * 4 != size)
            abort();
        volatile float sink = 0.0f;
        for (size_t i = 0; i < f.rows * f.dim; i++)
            sink += f.data[i];
        (void)sink;
    }
    vajra_matrix_f32_clear(&f);

    VajraMatrixI32 m = {0};
    err = (VajraError){0};
    st = vajra_ivecs_parse(data, size, "fuzz.ivecs", &m, &err);
    fuzz_check_error(st, &err, "vajra_ivecs_parse");
    if (st == VAJRA_OK) {
        if (m.rows == 0 || m.dim == 0 || m.rows * (m.dim + 1) * 4 != size)
            abort();
        volatile int32_t sink = 0;
        for (size_t i = 0; i < m.rows * m.dim; i++)
            sink ^= m.data[i];
        (void)sink;
    }
    vajra_matrix_i32_clear(&m);
    return 0;
}
