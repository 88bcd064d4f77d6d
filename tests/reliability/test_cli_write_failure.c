/* Suite 'reliability': the `vajra index` command when the index cannot be written.
 *
 * The write failure is real, not mocked: the CLI runs in a child process whose file size limit
 * (RLIMIT_FSIZE) is far below the index size, with SIGXFSZ ignored so write() fails with EFBIG
 * instead of killing the process — what a full disk looks like to the program (a failing write).
 * Tests run as root in CI, where an unwritable directory is writable anyway, so the "cannot even
 * create the file" case uses a path whose parent is a regular file (ENOTDIR for everyone).
 *
 * Clean failure means: exit status 1-127 (not a signal, not 0), a message on stderr naming the
 * output path, nothing claiming success on stdout, no output file (or the old one byte for byte
 * intact, and still an index `vajra info` can read), and no temporary file left beside it.
 *
 * argv[1] is the vajra executable; data from VAJRA_DATA_DIR (Cranfield, 1,400 documents). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *vajra_exe;
static char tmpdir[64];
static char docs[4096], vectors[4096];

typedef struct Run {
    int exited;  /* 1 when the child exited normally */
    int status;  /* its exit status, or the signal that killed it */
    char out[8192], err[8192];
} Run;

static void read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, cap - 1 - n)) > 0 && n < cap - 1)
        n += (size_t)r;
    buf[n] = '\0';
}

/* Run `vajra argv...` with RLIMIT_FSIZE = fsize (0 = unlimited), capturing stdout and stderr
 * into files (a pipe could fill up and block the child). */
static void run(Run *r, rlim_t fsize, const char *const *args)
{
    char out_path[4200], err_path[4200];
    snprintf(out_path, sizeof out_path, "%s/.stdout", tmpdir);
    snprintf(err_path, sizeof err_path, "%s/.stderr", tmpdir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(120);
        if (fsize != 0) {
            /* Only the index is written by the child from here on: the limit hits its save.
             * (stdout/stderr were opened above and stay tiny.) */
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {fsize, fsize};
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(121);
        }
        const char *argv[32] = {vajra_exe};
        int i = 0;
        while (args[i] != NULL && i < 30) {
            argv[i + 1] = args[i];
            i++;
        }
        argv[i + 1] = NULL;
        execv(vajra_exe, (char *const *)argv);
        _exit(122);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    r->exited = WIFEXITED(st);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
    int fd = open(out_path, O_RDONLY);
    read_all(fd, r->out, sizeof r->out);
    close(fd);
    fd = open(err_path, O_RDONLY);
    read_all(fd, r->err, sizeof r->err);
    close(fd);
    unlink(out_path);
    unlink(err_path);
}

static void assert_clean_failure(const Run *r, const char *path, const char *what)
{
    ck_assert_msg(r->exited, "%s: vajra was killed by signal %d; stderr: %s", what, r->status,
                  r->err);
    ck_assert_msg(r->status >= 1 && r->status <= 127 && r->status < 120,
                  "%s: exit status %d (want a failure status); stderr: %s", what, r->status,
                  r->err);
    ck_assert_msg(strstr(r->err, path) != NULL, "%s: the message does not name %s: \"%s\"", what,
                  path, r->err);
    ck_assert_msg(strstr(r->err, "AddressSanitizer") == NULL && strstr(r->err, "runtime error") ==
                      NULL, "%s: sanitizer report: %s", what, r->err);
}

/* Names in tmpdir that look like a temporary left by a save ("<name>.tmp.*"). */
static int leftover_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp") != NULL;
    closedir(d);
    return n;
}

/* The whole file, or NULL (then *len is 0). */
static char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    char *buf = n >= 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc((size_t)n + 1) : NULL;
    if (buf != NULL)
        *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static void setup(void)
{
    const char *data = getenv("VAJRA_DATA_DIR");
    ck_assert_ptr_nonnull(data);
    snprintf(docs, sizeof docs, "%s/cranfield/corpus.jsonl", data);
    snprintf(vectors, sizeof vectors, "%s/cranfield/lsa128.docs.npy", data);
    /* A fresh template each time: with CK_FORK=no (valgrind) every test runs setup in-process. */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vajra-cli-fail-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || e->d_name[1] == '.'))
            continue;
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(tmpdir);
}

/* The limit: far below the index (Cranfield with vectors is ~1 MB) but above zero, so the save
 * gets going and fails part way through, the interesting case. */
#define SMALL_LIMIT ((rlim_t)64 * 1024)

START_TEST(new_index_write_fails)
{
    char out[8192];
    snprintf(out, sizeof out, "%s/new.vjr", tmpdir);
    const char *args[] = {"index", docs, "--vectors", vectors, "-o", out, NULL};
    Run r;
    run(&r, SMALL_LIMIT, args);
    assert_clean_failure(&r, out, "write fails mid-save");
    ck_assert_msg(access(out, F_OK) != 0, "a partial %s was left behind", out);
    ck_assert_int_eq(leftover_temporaries(tmpdir), 0);
}
END_TEST

START_TEST(old_index_survives_failed_rewrite)
{
    char out[8192];
    snprintf(out, sizeof out, "%s/old.vjr", tmpdir);
    /* A good index first (lexical only: smaller, and a different file from the failing one). */
    const char *good[] = {"index", docs, "-o", out, NULL};
    Run r;
    run(&r, 0, good);
    ck_assert_msg(r.exited && r.status == 0, "the first index failed (%d): %s", r.status, r.err);
    size_t old_len, new_len;
    char *old = slurp(out, &old_len);
    ck_assert_ptr_nonnull(old);
    ck_assert_uint_gt(old_len, SMALL_LIMIT); /* or the limit would not bite */

    const char *bad[] = {"index", docs, "--vectors", vectors, "-o", out, NULL};
    run(&r, SMALL_LIMIT, bad);
    assert_clean_failure(&r, out, "rewrite fails mid-save");
    char *now = slurp(out, &new_len);
    ck_assert_msg(now != NULL && new_len == old_len && memcmp(old, now, old_len) == 0,
                  "the old index was changed by a failed save");
    ck_assert_int_eq(leftover_temporaries(tmpdir), 0);

    /* And it is still a readable index. */
    const char *info[] = {"info", out, NULL};
    run(&r, 0, info);
    ck_assert_msg(r.exited && r.status == 0, "vajra info on the old index failed: %s", r.err);
    free(old);
    free(now);
}
END_TEST

/* The limit one byte below the finished file: everything but the last write succeeds (the
 * section table or header at commit), the most torn a file could be. */
START_TEST(write_fails_at_the_last_byte)
{
    char good_path[8192], out[8192];
    snprintf(good_path, sizeof good_path, "%s/reference.vjr", tmpdir);
    snprintf(out, sizeof out, "%s/last-byte.vjr", tmpdir);
    const char *good[] = {"index", docs, "-o", good_path, NULL};
    Run r;
    run(&r, 0, good);
    ck_assert_msg(r.exited && r.status == 0, "the reference index failed: %s", r.err);
    struct stat sb;
    ck_assert_int_eq(stat(good_path, &sb), 0);

    /* The same command again (deterministic: same bytes) into a new path, one byte short. */
    const char *again[] = {"index", docs, "-o", out, NULL};
    run(&r, (rlim_t)sb.st_size - 1, again);
    assert_clean_failure(&r, out, "last byte fails");
    ck_assert_msg(access(out, F_OK) != 0, "a partial %s was left behind", out);
    ck_assert_int_eq(leftover_temporaries(tmpdir), 0);

    /* One byte more and it works, identical to the reference. */
    run(&r, (rlim_t)sb.st_size, again);
    ck_assert_msg(r.exited && r.status == 0, "with an exact limit: %s", r.err);
    size_t a_len = 0, b_len = 0;
    char *a = slurp(good_path, &a_len), *b = slurp(out, &b_len);
    ck_assert_msg(a && b && a_len == b_len && memcmp(a, b, a_len) == 0, "not the same bytes");
    free(a);
    free(b);
}
END_TEST

START_TEST(parent_is_a_regular_file)
{
    char file[4096], out[8192];
    snprintf(file, sizeof file, "%s/plain-file", tmpdir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fputs("not a directory\n", f);
    fclose(f);
    snprintf(out, sizeof out, "%s/idx.vjr", file);
    const char *args[] = {"index", docs, "-o", out, NULL};
    Run r;
    run(&r, 0, args);
    assert_clean_failure(&r, out, "parent is a file");
    size_t len;
    char *now = slurp(file, &len);
    ck_assert_msg(now != NULL && len == 16 && memcmp(now, "not a directory\n", 16) == 0,
                  "the regular file was changed");
    free(now);
}
END_TEST

START_TEST(missing_directory)
{
    char out[8192];
    snprintf(out, sizeof out, "%s/no/such/dir/idx.vjr", tmpdir);
    const char *args[] = {"index", docs, "-o", out, NULL};
    Run r;
    run(&r, 0, args);
    assert_clean_failure(&r, out, "missing directory");
    ck_assert_int_eq(leftover_temporaries(tmpdir), 0);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <vajra executable>\n", argv[0]);
        return 2;
    }
    vajra_exe = argv[1];
    Suite *s = suite_create("cli-write-failure");
    TCase *tc = tcase_create("write-failure");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, new_index_write_fails);
    tcase_add_test(tc, old_index_survives_failed_rewrite);
    tcase_add_test(tc, write_fails_at_the_last_byte);
    tcase_add_test(tc, parent_is_a_regular_file);
    tcase_add_test(tc, missing_directory);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
