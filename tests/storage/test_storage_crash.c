/* Crash safety of the atomic save: a child process saves generation after generation of a
 * container to one path and is SIGKILLed at a random moment, many times over. After every kill
 * the path must open with both storage plugins and hold one complete generation: the last one
 * the child reported committed, or the one after it (renamed but not yet reported), with exactly
 * that generation's bytes. Never a torn or half-old file. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "storage_test_util.h"

enum {
    KILLS = 200,
    PAYLOAD = 512 * 1024, /* big enough that a kill often lands mid-write */
    MAX_DELAY_US = 20000,
};

static VajraRegistry *reg;
static StoragePlugin sp[N_STORAGE];

/* Generation g's sections: its number, a payload derived from it, and a tail whose length varies
 * with g (so consecutive generations differ in size and layout too). */
static size_t gen_sections(uint64_t g, uint8_t *payload, uint8_t *tail, uint64_t *gbuf,
                           TestSection s[3])
{
    *gbuf = g;
    fill_bytes(payload, PAYLOAD, g * 2 + 1);
    size_t tail_len = (size_t)(g % 7) * 13;
    fill_bytes(tail, tail_len, g * 2 + 2);
    s[0] = (TestSection){"crash.gen", gbuf, sizeof *gbuf};
    s[1] = (TestSection){"crash.payload", payload, PAYLOAD};
    s[2] = (TestSection){"crash.tail", tail, tail_len};
    return 3;
}

/* Open `path` with plugin p, check it is a complete generation and return its number. */
static uint64_t open_and_verify(const StoragePlugin *p, const char *path, uint8_t *payload,
                                uint8_t *tail)
{
    VajraError err = {0};
    VajraStorageContainer *c = NULL;
    ck_assert_msg(p->ops->open(p->state, path, &c, &err) == VAJRA_OK, "%s: %s", p->name,
                  err.message);
    const VajraSectionReader *r = p->ops->container_sections(c);
    const void *d;
    size_t len;
    ck_assert_int_eq(r->find(r->self, "crash.gen", &d, &len, &err), VAJRA_OK);
    ck_assert_uint_eq(len, 8);
    uint64_t g;
    memcpy(&g, d, 8);
    uint64_t gb;
    TestSection s[3];
    gen_sections(g, payload, tail, &gb, s);
    ck_assert_uint_eq(p->ops->container_count(c), 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(r->find(r->self, s[i].name, &d, &len, &err), VAJRA_OK);
        ck_assert_uint_eq(len, s[i].len);
        ck_assert_msg(len == 0 || memcmp(d, s[i].data, len) == 0,
                      "generation %llu section %s differs", (unsigned long long)g, s[i].name);
    }
    p->ops->close(c);
    return g;
}

/* The child: save generations first, first+1, ... forever, reporting each commit on `fd`. */
static void child_saver(const char *path, uint64_t first, int fd)
{
    uint8_t *payload = malloc(PAYLOAD), *tail = malloc(128);
    for (uint64_t g = first;; g++) {
        uint64_t gb;
        TestSection s[3];
        gen_sections(g, payload, tail, &gb, s);
        VajraError err = {0};
        if (storage_save(&sp[g % 2], path, s, 3, &err) != VAJRA_OK)
            _exit(3);
        if (write(fd, &g, sizeof g) != (ssize_t)sizeof g)
            _exit(4);
    }
}

START_TEST(killed_saver_never_tears_the_file)
{
    reg = storage_load(sp);
    char *dir = scratch_dir();
    char *path = g_build_filename(dir, "crash.vjr", NULL);
    uint8_t *payload = malloc(PAYLOAD), *tail = malloc(128);

    uint64_t gb;
    TestSection s[3];
    gen_sections(0, payload, tail, &gb, s);
    VajraError err = {0};
    /* Calibrate the kill window to this run's save time: under valgrind a save is ~50x slower,
     * and a fixed window would kill every child before its first commit. */
    gint64 t0 = g_get_monotonic_time();
    ck_assert_int_eq(storage_save(&sp[0], path, s, 3, &err), VAJRA_OK);
    gint64 save_us = g_get_monotonic_time() - t0;
    gint64 max_delay_us = MAX_DELAY_US > 4 * save_us ? MAX_DELAY_US : 4 * save_us;
    if (max_delay_us > 999999)
        max_delay_us = 999999;

    GRand *rng = g_rand_new_with_seed(20261125); /* fixed: the same kill schedule every run */
    uint64_t current = 0;
    int mid_save_kills = 0, advanced = 0;
    for (int k = 0; k < KILLS; k++) {
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            child_saver(path, current + 1, fds[1]);
        }
        close(fds[1]);
        struct timespec ts = {0, (long)g_rand_int_range(rng, 0, (gint32)max_delay_us) * 1000L};
        nanosleep(&ts, NULL);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                      "the saver stopped by itself (status %d): a save failed", status);

        uint64_t reported = current, g;
        ssize_t n;
        while ((n = read(fds[0], &g, sizeof g)) == (ssize_t)sizeof g)
            reported = g;
        close(fds[0]);

        uint64_t seen[N_STORAGE];
        for (int r = 0; r < N_STORAGE; r++)
            seen[r] = open_and_verify(&sp[r], path, payload, tail);
        ck_assert_uint_eq(seen[0], seen[1]);
        ck_assert_msg(seen[0] == reported || seen[0] == reported + 1,
                      "kill %d: file holds generation %llu, last committed %llu", k,
                      (unsigned long long)seen[0], (unsigned long long)reported);
        if (seen[0] != current)
            advanced++;
        current = seen[0];

        /* A leftover temporary file means the kill landed inside a save. Remove it. */
        int temps = count_temp_files(dir);
        if (temps > 0) {
            mid_save_kills++;
            GDir *d = g_dir_open(dir, 0, NULL);
            const char *name;
            while ((name = g_dir_read_name(d)) != NULL)
                if (strstr(name, ".tmp.")) {
                    char *p = g_build_filename(dir, name, NULL);
                    g_unlink(p);
                    g_free(p);
                }
            g_dir_close(d);
        }
    }
    /* The test means something only if kills hit saves in progress and saves did complete. */
    ck_assert_msg(mid_save_kills >= KILLS / 4, "only %d of %d kills landed mid-save",
                  mid_save_kills, KILLS);
    ck_assert_msg(advanced >= KILLS / 4, "the file advanced only %d times", advanced);
    fprintf(stderr, "crash test: %d kills, %d mid-save, %d advanced the file, final generation %llu\n",
            KILLS, mid_save_kills, advanced, (unsigned long long)current);

    g_rand_free(rng);
    free(payload);
    free(tail);
    g_free(path);
    scratch_remove(dir);
    storage_unload(reg, sp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("storage-crash");
    TCase *tc = tcase_create("kill");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, killed_saver_never_tears_the_file);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
