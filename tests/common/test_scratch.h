/* Test helper: remove a scratch directory made with g_mkdtemp and the files in it (one level:
 * the tests write plain files there). Missing directory or files are not an error: a test that
 * failed early may have written nothing. Header-only, test code only. */
#ifndef VAJRA_TEST_SCRATCH_H
#define VAJRA_TEST_SCRATCH_H

#include <unistd.h>

#include <glib.h>

static inline void test_scratch_remove(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        char *p = g_build_filename(dir, name, NULL);
        unlink(p);
        g_free(p);
    }
    if (d != NULL)
        g_dir_close(d);
    rmdir(dir);
}

#endif
