/* libFuzzer target: the NumPy .npy readers (float32/float16 and int32). The same bytes go to both
 * parsers; an accepted matrix must account for the whole file and every value is read (ASan then
 * proves the data array really holds rows*dim values). */
#include "fuzz_util.h"
#include "vajra/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VajraError err = {0};
    VajraMatrixF32 f = {0};
    vajra_status st = vajra_npy_parse_f32(data, size, "fuzz.npy", &f, &err);
    fuzz_check_error(st, &err, "vajra_npy_parse_f32");
    if (st == VAJRA_OK) {
        /* 2 or 4 bytes per value plus at least the 10-byte preamble. */
        if (f.rows != 0 && f.dim != 0 && (f.rows * f.dim * 2 > size || f.data == NULL))
            abort();
        if (f.data != NULL && ((uintptr_t)f.data % VAJRA_IO_ALIGNMENT) != 0)
            abort();
        volatile float sink = 0.0f;
        for (size_t i = 0; i < f.rows * f.dim; i++)
            sink += f.data[i];
        (void)sink;
    } else if (f.data != NULL || f.rows != 0) {
        abort(); /* documented: left empty on failure */
    }
    vajra_matrix_f32_clear(&f);

    VajraMatrixI32 m = {0};
    err = (VajraError){0};
    st = vajra_npy_parse_i32(data, size, "fuzz.npy", &m, &err);
    fuzz_check_error(st, &err, "vajra_npy_parse_i32");
    if (st == VAJRA_OK) {
        if (m.rows != 0 && m.dim != 0 && (m.rows * m.dim * 4 > size || m.data == NULL))
            abort();
        volatile int32_t sink = 0;
        for (size_t i = 0; i < m.rows * m.dim; i++)
            sink ^= m.data[i];
        (void)sink;
    } else if (m.data != NULL || m.rows != 0) {
        abort();
    }
    vajra_matrix_i32_clear(&m);
    return 0;
}
