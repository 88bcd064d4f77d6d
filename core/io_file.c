/* Vajra — small pieces every reader shares: mapping a file, aligned matrices, float16 widening. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_internal.h"

vajra_status vajra_file_view_open(const char *path, VajraFileView *view, VajraError *err)
{
    if (!path || !view)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "file path is NULL");
    memset(view, 0, sizeof *view);
    view->data = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vajra_error_set(err, VAJRA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return vajra_error_set(err, VAJRA_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return vajra_error_set(err, VAJRA_ERR_IO, "%s: not a regular file", path);
    }
    if (st.st_size == 0) {
        close(fd);
        return VAJRA_OK;
    }
    if ((uintmax_t)st.st_size > SIZE_MAX) {
        close(fd);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: too large to map", path);
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED)
        return vajra_error_set(err, VAJRA_ERR_IO, "%s: cannot map: %s", path, strerror(e));
    /* The readers walk the file once, front to back. */
    (void)madvise(map, len, MADV_SEQUENTIAL);
    view->data = map;
    view->len = len;
    view->mapping = map;
    view->mapped_len = len;
    return VAJRA_OK;
}

void vajra_file_view_close(VajraFileView *view)
{
    if (!view)
        return;
    if (view->mapping)
        munmap(view->mapping, view->mapped_len);
    memset(view, 0, sizeof *view);
}

void *vajra_io_aligned_alloc(size_t count, size_t size)
{
    if (count == 0 || size == 0)
        return NULL;
    if (count > SIZE_MAX / size)
        return NULL;
    size_t bytes = count * size;
    if (bytes > SIZE_MAX - (VAJRA_IO_ALIGNMENT - 1))
        return NULL;
    bytes = (bytes + VAJRA_IO_ALIGNMENT - 1) / VAJRA_IO_ALIGNMENT * VAJRA_IO_ALIGNMENT;
    return aligned_alloc(VAJRA_IO_ALIGNMENT, bytes);
}

void vajra_matrix_f32_clear(VajraMatrixF32 *m)
{
    if (!m)
        return;
    free(m->data);
    memset(m, 0, sizeof *m);
}

void vajra_matrix_i32_clear(VajraMatrixI32 *m)
{
    if (!m)
        return;
    free(m->data);
    memset(m, 0, sizeof *m);
}
