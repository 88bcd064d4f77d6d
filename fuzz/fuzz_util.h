/* Helpers shared by the libFuzzer targets (fuzz/fuzz_*.c). Not part of any library.
 *
 * Every target reads its input from memory. Where an API only takes a path, the bytes go to a
 * per-process temporary file (fuzz_temp_file) that is rewritten for each input, so a crash
 * reproduces from the saved crash-* file alone: `./fuzz-x crash-...`.
 */
#ifndef VAJRA_FUZZ_UTIL_H
#define VAJRA_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vajra/registry.h"
#include "vajra/status.h"

/* A NUL-terminated copy of the input (text APIs take C strings). Caller frees. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Write the input to this process's temporary file and return its path (static storage). */
static inline const char *fuzz_temp_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/vajra-fuzz-%ld%s", dir && *dir ? dir : "/tmp", (long)getpid(),
             suffix);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

/* A registry over the build tree's plugins (FUZZ_PLUGIN_PATH is set by fuzz/meson.build), made
 * once per process. Aborts when it cannot be made: that is a harness error, not a finding. */
static inline VajraRegistry *fuzz_registry(void)
{
    static VajraRegistry *reg;
    if (reg == NULL) {
        VajraError err = {0};
        VajraRegistryOptions opts = {.struct_size = sizeof opts, .search_path = FUZZ_PLUGIN_PATH,
                                     .kernel = "scalar"};
        if (vajra_registry_new(&opts, &reg, &err) != VAJRA_OK) {
            fprintf(stderr, "fuzz: registry: %s\n", err.message);
            abort();
        }
    }
    return reg;
}

/* Load a plugin by name from fuzz_registry() or abort (harness error). */
static inline VajraPlugin *fuzz_plugin(VajraPluginKind kind, const char *name)
{
    VajraPlugin *p = NULL;
    VajraError err = {0};
    if (vajra_registry_load(fuzz_registry(), kind, name, &p, &err) != VAJRA_OK) {
        fprintf(stderr, "fuzz: loading %s: %s\n", name, err.message);
        abort();
    }
    return p;
}

/* A failed call must leave a message naming what went wrong: an empty message on error is a bug
 * the fuzzer can find too. */
static inline void fuzz_check_error(vajra_status st, const VajraError *err, const char *what)
{
    if (st != VAJRA_OK && (err->code != st || err->message[0] == '\0')) {
        fprintf(stderr, "fuzz: %s failed with %s but error record says %s \"%s\"\n", what,
                vajra_strerror(st), vajra_strerror(err->code), err->message);
        abort();
    }
}

/* Consistency findings that are not memory errors (an index the loader accepted although it is
 * inconsistent, an empty term...). They abort only with VAJRA_FUZZ_STRICT=1, so the default
 * bounded runs stay green while a known finding awaits its fix (docs/reliability.md lists them);
 * otherwise the first of each kind is printed once and fuzzing goes on. */
static inline void fuzz_finding(const char *fmt, const char *detail)
{
    static int strict = -1;
    static const char *printed[16]; /* each kind of finding is printed once per process */
    if (strict < 0) {
        const char *s = getenv("VAJRA_FUZZ_STRICT");
        strict = s != NULL && strcmp(s, "1") == 0;
    }
    size_t i = 0;
    while (i < 16 && printed[i] != NULL && printed[i] != fmt)
        i++;
    if (strict || (i < 16 && printed[i] == NULL)) {
        fprintf(stderr, "fuzz: finding: ");
        fprintf(stderr, fmt, detail);
        fprintf(stderr, strict ? "\n" : " (not fatal without VAJRA_FUZZ_STRICT=1)\n");
        if (i < 16)
            printed[i] = fmt;
    }
    if (strict)
        abort();
}

#endif /* VAJRA_FUZZ_UTIL_H */
