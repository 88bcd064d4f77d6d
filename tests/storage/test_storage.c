/* Storage plugins: round trips, determinism, atomic save on failure, and validation of damaged
 * files (truncation at every length, a flipped bit at every position, foreign and newer versions).
 * Every case runs against both storage-file and storage-mmap through the plugin registry. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "container.h" /* format constants, to craft headers */
#include "storage_test_util.h"

static VajraRegistry *reg;
static StoragePlugin sp[N_STORAGE];
static char *dir;

static void setup(void)
{
    reg = storage_load(sp);
    dir = scratch_dir();
}

static void teardown(void)
{
    storage_unload(reg, sp);
    scratch_remove(dir);
}

/* A small container with awkward sizes: empty, shorter than, equal to and longer than the 64-byte
 * alignment, and a maximal-length name. */
static uint8_t small_a[10], small_b[100], small_c[64], small_d[200];
static const char long_name[] = "abcdefghijklmnopqrstuvwxyz0123456789.ABCDEFGHIJ"; /* 47 bytes */

static size_t small_sections(TestSection s[5])
{
    fill_bytes(small_a, sizeof small_a, 1);
    fill_bytes(small_b, sizeof small_b, 2);
    fill_bytes(small_c, sizeof small_c, 3);
    fill_bytes(small_d, sizeof small_d, 4);
    s[0] = (TestSection){"t.meta", small_a, sizeof small_a};
    s[1] = (TestSection){"t.empty", NULL, 0};
    s[2] = (TestSection){"t.postings", small_b, sizeof small_b};
    s[3] = (TestSection){"t.exact64", small_c, sizeof small_c};
    s[4] = (TestSection){long_name, small_d, sizeof small_d};
    return 5;
}

/* Open `path` with plugin p and check every section equals `s` (order, bytes, alignment). */
static void check_contents(const StoragePlugin *p, const char *path, const TestSection *s, size_t n)
{
    VajraError err = {0};
    VajraStorageContainer *c = NULL;
    ck_assert_msg(p->ops->open(p->state, path, &c, &err) == VAJRA_OK, "%s open: %s", p->name,
                  err.message);
    ck_assert_uint_eq(p->ops->container_count(c), n);
    const VajraSectionReader *r = p->ops->container_sections(c);
    for (size_t i = 0; i < n; i++) {
        const void *data = NULL;
        size_t len = 99;
        ck_assert_msg(r->find(r->self, s[i].name, &data, &len, &err) == VAJRA_OK, "%s find %s: %s",
                      p->name, s[i].name, err.message);
        ck_assert_uint_eq(len, s[i].len);
        ck_assert_ptr_nonnull(data);
        ck_assert_uint_eq((uintptr_t)data % VAJRA_CONTAINER_ALIGN, 0);
        if (len)
            ck_assert_int_eq(memcmp(data, s[i].data, len), 0);
        const char *name = NULL;
        const void *d2 = NULL;
        size_t l2 = 0;
        ck_assert_int_eq(p->ops->container_section_at(c, i, &name, &d2, &l2, &err), VAJRA_OK);
        ck_assert_str_eq(name, s[i].name);
        ck_assert_ptr_eq(d2, data);
        ck_assert_uint_eq(l2, len);
    }
    const void *data;
    size_t len;
    ck_assert_int_eq(r->find(r->self, "t.absent", &data, &len, &err), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "t.absent"));
    ck_assert_int_eq(p->ops->container_section_at(c, n, NULL, NULL, NULL, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    p->ops->close(c);
}

START_TEST(round_trip_both_backends)
{
    TestSection s[5];
    size_t n = small_sections(s);
    for (int w = 0; w < N_STORAGE; w++) {
        char *path = g_build_filename(dir, "rt.vjr", NULL);
        VajraError err = {0};
        ck_assert_msg(storage_save(&sp[w], path, s, n, &err) == VAJRA_OK, "save: %s", err.message);
        ck_assert_int_eq(count_temp_files(dir), 0);
        for (int r = 0; r < N_STORAGE; r++)
            check_contents(&sp[r], path, s, n);
        g_free(path);
    }
}
END_TEST

START_TEST(empty_container_round_trips)
{
    char *path = g_build_filename(dir, "empty.vjr", NULL);
    VajraError err = {0};
    ck_assert_int_eq(storage_save(&sp[0], path, NULL, 0, &err), VAJRA_OK);
    size_t len;
    g_free(read_file(path, &len));
    ck_assert_uint_eq(len, VJC_HEADER_SIZE); /* header only: no sections, empty table */
    for (int r = 0; r < N_STORAGE; r++)
        check_contents(&sp[r], path, NULL, 0);
    g_free(path);
}
END_TEST

/* Same sections → same bytes: twice with one writer, and across both plugins' writers. */
START_TEST(saves_are_deterministic)
{
    TestSection s[5];
    size_t n = small_sections(s);
    char *paths[3] = {g_build_filename(dir, "d0.vjr", NULL), g_build_filename(dir, "d1.vjr", NULL),
                      g_build_filename(dir, "d2.vjr", NULL)};
    VajraError err = {0};
    ck_assert_int_eq(storage_save(&sp[0], paths[0], s, n, &err), VAJRA_OK);
    ck_assert_int_eq(storage_save(&sp[0], paths[1], s, n, &err), VAJRA_OK);
    ck_assert_int_eq(storage_save(&sp[1], paths[2], s, n, &err), VAJRA_OK);
    size_t l0, l1, l2;
    uint8_t *b0 = read_file(paths[0], &l0), *b1 = read_file(paths[1], &l1),
            *b2 = read_file(paths[2], &l2);
    ck_assert_uint_eq(l0, l1);
    ck_assert_uint_eq(l0, l2);
    ck_assert_int_eq(memcmp(b0, b1, l0), 0);
    ck_assert_int_eq(memcmp(b0, b2, l0), 0);
    /* The layout is the documented one: header, 5 sections padded to 64, then 5 × 72 table. */
    ck_assert_uint_eq(l0, 64 + 64 + 0 + 128 + 64 + 256 + 5 * 72);
    ck_assert_int_eq(memcmp(b0, "\x89VJR\r\n\x1a\n", 8), 0);
    g_free(b0);
    g_free(b1);
    g_free(b2);
    for (int i = 0; i < 3; i++)
        g_free(paths[i]);
}
END_TEST

/* The bytes handed out by storage-file (a heap copy) and storage-mmap (the mapping) agree. */
START_TEST(file_and_mmap_give_identical_bytes)
{
    enum { BIG = 3 * 1024 * 1024 + 7 };
    uint8_t *big = malloc(BIG);
    fill_bytes(big, BIG, 42);
    TestSection s[2] = {{"big.vectors", big, BIG}, {"big.tail", big + 5, 1000}};
    char *path = g_build_filename(dir, "big.vjr", NULL);
    VajraError err = {0};
    ck_assert_int_eq(storage_save(&sp[1], path, s, 2, &err), VAJRA_OK);
    VajraStorageContainer *c[N_STORAGE];
    for (int r = 0; r < N_STORAGE; r++)
        ck_assert_int_eq(sp[r].ops->open(sp[r].state, path, &c[r], &err), VAJRA_OK);
    for (size_t i = 0; i < 2; i++) {
        const void *d[N_STORAGE];
        size_t l[N_STORAGE];
        for (int r = 0; r < N_STORAGE; r++) {
            const VajraSectionReader *rd = sp[r].ops->container_sections(c[r]);
            ck_assert_int_eq(rd->find(rd->self, s[i].name, &d[r], &l[r], &err), VAJRA_OK);
        }
        ck_assert_ptr_ne(d[0], d[1]);
        ck_assert_uint_eq(l[0], l[1]);
        ck_assert_int_eq(memcmp(d[0], d[1], l[0]), 0);
        ck_assert_int_eq(memcmp(d[0], s[i].data, l[0]), 0);
    }
    /* storage-file keeps nothing open: deleting the file leaves its copy readable. */
    ck_assert_int_eq(g_unlink(path), 0);
    const VajraSectionReader *rd = sp[0].ops->container_sections(c[0]);
    const void *d;
    size_t l;
    ck_assert_int_eq(rd->find(rd->self, "big.tail", &d, &l, &err), VAJRA_OK);
    ck_assert_int_eq(memcmp(d, big + 5, 1000), 0);
    for (int r = 0; r < N_STORAGE; r++)
        sp[r].ops->close(c[r]);
    free(big);
    g_free(path);
}
END_TEST

START_TEST(bad_names_and_duplicates_are_refused)
{
    char *path = g_build_filename(dir, "names.vjr", NULL);
    VajraError err = {0};
    VajraStorageWriter *w = NULL;
    ck_assert_int_eq(sp[0].ops->writer_open(sp[0].state, path, &w, &err), VAJRA_OK);
    const VajraSectionWriter *sw = sp[0].ops->writer_sections(w);
    const char too_long[] = "abcdefghijklmnopqrstuvwxyz0123456789.ABCDEFGHIJK"; /* 48 */
    ck_assert_int_eq(sw->write(sw->self, too_long, "x", 1, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(sw->write(sw->self, "", "x", 1, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(sw->write(sw->self, "has space", "x", 1, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(sw->write(sw->self, "ctl\x01", "x", 1, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(sw->write(sw->self, NULL, "x", 1, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(sw->write(sw->self, "nul.data", NULL, 5, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(sw->write(sw->self, long_name, "x", 1, &err), VAJRA_OK);
    ck_assert_int_eq(sw->write(sw->self, "dup", "x", 1, &err), VAJRA_OK);
    ck_assert_int_eq(sw->write(sw->self, "dup", "y", 1, &err), VAJRA_ERR_DUPLICATE);
    ck_assert_ptr_nonnull(strstr(err.message, "dup"));
    /* Refused writes leave the writer usable. */
    ck_assert_int_eq(sp[0].ops->writer_commit(w, &err), VAJRA_OK);
    TestSection s[2] = {{long_name, "x", 1}, {"dup", "x", 1}};
    check_contents(&sp[1], path, s, 2);
    g_free(path);
}
END_TEST

static TestSection old_sections[1], new_sections[1];
static uint8_t old_bytes[300], new_bytes[5000];

/* Write "old" content to path; return its file bytes. */
static uint8_t *make_old(const char *path, size_t *len)
{
    fill_bytes(old_bytes, sizeof old_bytes, 7);
    fill_bytes(new_bytes, sizeof new_bytes, 8);
    old_sections[0] = (TestSection){"v.data", old_bytes, sizeof old_bytes};
    new_sections[0] = (TestSection){"v.data", new_bytes, sizeof new_bytes};
    VajraError err = {0};
    ck_assert_int_eq(storage_save(&sp[0], path, old_sections, 1, &err), VAJRA_OK);
    return read_file(path, len);
}

static void assert_unchanged(const char *path, const uint8_t *bytes, size_t len)
{
    size_t now_len;
    uint8_t *now = read_file(path, &now_len);
    ck_assert_uint_eq(now_len, len);
    ck_assert_int_eq(memcmp(now, bytes, len), 0);
    g_free(now);
    for (int r = 0; r < N_STORAGE; r++)
        check_contents(&sp[r], path, old_sections, 1);
}

START_TEST(abort_leaves_old_file_and_no_temp)
{
    char *path = g_build_filename(dir, "abort.vjr", NULL);
    size_t len;
    uint8_t *old = make_old(path, &len);
    VajraError err = {0};
    VajraStorageWriter *w = NULL;
    ck_assert_int_eq(sp[1].ops->writer_open(sp[1].state, path, &w, &err), VAJRA_OK);
    ck_assert_int_eq(count_temp_files(dir), 1); /* the save goes to a temporary file */
    const VajraSectionWriter *sw = sp[1].ops->writer_sections(w);
    ck_assert_int_eq(sw->write(sw->self, "v.data", new_bytes, sizeof new_bytes, &err), VAJRA_OK);
    assert_unchanged(path, old, len); /* nothing reaches the target before commit */
    sp[1].ops->writer_abort(w);
    ck_assert_int_eq(count_temp_files(dir), 0);
    assert_unchanged(path, old, len);
    g_free(old);
    g_free(path);
}
END_TEST

/* The child side of the write-failure test: returns its exit code (0 = all as expected). */
static int failing_saves(const char *path)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 2048, .rlim_max = 2048};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 10;
    VajraError err = {0};
    vajra_status st = storage_save(&sp[0], path, new_sections, 1, &err);
    if (st != VAJRA_ERR_IO || strstr(err.message, "v.data") == NULL)
        return 11;
    /* Also a commit after a failed write: refused, and cleans up. */
    VajraStorageWriter *w = NULL;
    if (sp[1].ops->writer_open(sp[1].state, path, &w, &err) != VAJRA_OK)
        return 12;
    const VajraSectionWriter *sw = sp[1].ops->writer_sections(w);
    if (sw->write(sw->self, "v.data", new_bytes, sizeof new_bytes, &err) != VAJRA_ERR_IO) {
        sp[1].ops->writer_abort(w);
        return 13;
    }
    if (sw->write(sw->self, "v.other", "x", 1, &err) != VAJRA_ERR_STATE) {
        sp[1].ops->writer_abort(w);
        return 14;
    }
    if (sp[1].ops->writer_commit(w, &err) != VAJRA_ERR_STATE)
        return 15;
    return 0;
}

/* A real write failure: the file-size limit makes write() fail with EFBIG in a child process. */
START_TEST(write_failure_leaves_old_file_and_no_temp)
{
    char *path = g_build_filename(dir, "efbig.vjr", NULL);
    size_t len;
    uint8_t *old = make_old(path, &len);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int code = failing_saves(path);
        g_free(old); /* so memory checkers see a clean child */
        g_free(path);
        _exit(code);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    ck_assert_int_eq(count_temp_files(dir), 0);
    assert_unchanged(path, old, len);
    g_free(old);
    g_free(path);
}
END_TEST

/* A commit failure at the rename (the target is a non-empty directory): IO error, temp removed. */
START_TEST(rename_failure_removes_temp)
{
    char *target = g_build_filename(dir, "isdir.vjr", NULL);
    char *inner = g_build_filename(target, "keep", NULL);
    ck_assert_int_eq(g_mkdir(target, 0755), 0);
    write_file(inner, "k", 1);
    VajraError err = {0};
    ck_assert_int_eq(storage_save(&sp[0], target, old_sections, 0, &err), VAJRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "isdir.vjr"));
    ck_assert_int_eq(count_temp_files(dir), 0);
    ck_assert(g_file_test(inner, G_FILE_TEST_EXISTS));
    g_unlink(inner);
    g_free(inner);
    g_free(target);
}
END_TEST

START_TEST(missing_and_unwritable_paths)
{
    VajraError err = {0};
    VajraStorageContainer *c = NULL;
    char *path = g_build_filename(dir, "nope.vjr", NULL);
    char *in_missing = g_build_filename(dir, "no-such-dir", "x.vjr", NULL);
    for (int r = 0; r < N_STORAGE; r++) {
        ck_assert_int_eq(sp[r].ops->open(sp[r].state, path, &c, &err), VAJRA_ERR_NOT_FOUND);
        ck_assert_ptr_null(c);
        ck_assert_int_eq(sp[r].ops->open(sp[r].state, dir, &c, &err), VAJRA_ERR_IO);
        VajraStorageWriter *w = NULL;
        ck_assert_int_eq(sp[r].ops->writer_open(sp[r].state, in_missing, &w, &err), VAJRA_ERR_IO);
        ck_assert_ptr_null(w);
        ck_assert_int_eq(sp[r].ops->writer_open(sp[r].state, "", &w, &err),
                         VAJRA_ERR_INVALID_ARGUMENT);
    }
    g_free(path);
    g_free(in_missing);
}
END_TEST

/* ---- damaged files ---- */

static uint8_t *small_file(const char *path, size_t *len)
{
    TestSection s[5];
    size_t n = small_sections(s);
    VajraError err = {0};
    ck_assert_int_eq(storage_save(&sp[0], path, s, n, &err), VAJRA_OK);
    return read_file(path, len);
}

/* Open with both plugins; both must refuse with `code` and a message naming the file. */
static void expect_refused(const char *path, vajra_status code, const char *what)
{
    for (int r = 0; r < N_STORAGE; r++) {
        VajraError err = {0};
        VajraStorageContainer *c = NULL;
        vajra_status st = sp[r].ops->open(sp[r].state, path, &c, &err);
        ck_assert_msg(st == code, "%s, %s: got %s (%s), expected %s", what, sp[r].name,
                      vajra_strerror(st), err.message, vajra_strerror(code));
        ck_assert_ptr_null(c);
        ck_assert_int_eq(err.code, code);
        ck_assert_msg(strstr(err.message, path) != NULL, "%s: message does not name the file: %s",
                      what, err.message);
    }
}

START_TEST(truncation_at_every_length_is_an_error)
{
    char *path = g_build_filename(dir, "small.vjr", NULL);
    char *cut = g_build_filename(dir, "cut.vjr", NULL);
    size_t len;
    uint8_t *bytes = small_file(path, &len);
    ck_assert_uint_gt(len, 500);
    char what[64];
    for (size_t n = 0; n < len; n++) {
        write_file(cut, bytes, n);
        snprintf(what, sizeof what, "truncated to %zu of %zu", n, len);
        expect_refused(cut, VAJRA_ERR_CORRUPT, what);
    }
    /* One byte too many is as wrong as one too few. */
    uint8_t *longer = g_malloc0(len + 1);
    memcpy(longer, bytes, len);
    write_file(cut, longer, len + 1);
    expect_refused(cut, VAJRA_ERR_CORRUPT, "extended by one byte");
    g_free(longer);
    g_free(bytes);
    g_free(path);
    g_free(cut);
}
END_TEST

/* Every bit of every byte: each flip is detected (the checksums and zero-padding rule cover the
 * whole file), so no damaged file is ever served. The file is patched in place and restored. */
START_TEST(flipped_bit_anywhere_is_an_error)
{
    char *path = g_build_filename(dir, "flip.vjr", NULL);
    size_t len;
    uint8_t *bytes = small_file(path, &len);
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    char what[64];
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t b = bytes[i] ^ (uint8_t)(1u << bit);
            ck_assert_int_eq(pwrite(fd, &b, 1, (off_t)i), 1);
            snprintf(what, sizeof what, "bit %d of byte %zu flipped", bit, i);
            expect_refused(path, VAJRA_ERR_CORRUPT, what);
        }
        ck_assert_int_eq(pwrite(fd, &bytes[i], 1, (off_t)i), 1);
    }
    close(fd);
    /* Restored: opens again. */
    TestSection s[5];
    size_t n = small_sections(s);
    for (int r = 0; r < N_STORAGE; r++)
        check_contents(&sp[r], path, s, n);
    g_free(bytes);
    g_free(path);
}
END_TEST

/* Re-encode the header of `bytes` after `edit` changed fields, with a valid header checksum. */
static void rewrite_header(const char *path, uint8_t *bytes, size_t len, void (*edit)(VjcHeader *))
{
    VjcHeader h;
    vjc_header_decode(bytes, &h);
    edit(&h);
    vjc_header_encode(&h, bytes);
    write_file(path, bytes, len);
}

static void to_major_2(VjcHeader *h) { h->major = 2; h->minor = 3; }
static void to_minor_9(VjcHeader *h) { h->minor = 9; }
static void to_major_0(VjcHeader *h) { h->major = 0; }
static void to_swapped(VjcHeader *h) { h->byte_order = GUINT32_SWAP_LE_BE(VJC_BYTE_ORDER_MARK); }
static void to_32bit(VjcHeader *h) { h->pointer_size = 4; h->size_t_size = 4; }
static void to_bad_table_offset(VjcHeader *h) { h->table_offset += 64; h->file_size += 64; }

START_TEST(versions_and_foreign_hosts)
{
    char *path = g_build_filename(dir, "ver.vjr", NULL);
    size_t len;
    uint8_t *orig = small_file(path, &len);
    uint8_t *b = g_malloc(len + 64);

    memcpy(b, orig, len);
    rewrite_header(path, b, len, to_major_2);
    expect_refused(path, VAJRA_ERR_VERSION, "major 2");
    VajraError err = {0};
    VajraStorageContainer *c = NULL;
    ck_assert_int_eq(sp[1].ops->open(sp[1].state, path, &c, &err), VAJRA_ERR_VERSION);
    ck_assert_msg(strstr(err.message, "2.3") && strstr(err.message, "1.0"),
                  "names both versions: %s", err.message);

    /* A newer minor of the same major is readable (minors only add). */
    memcpy(b, orig, len);
    rewrite_header(path, b, len, to_minor_9);
    TestSection s[5];
    size_t n = small_sections(s);
    for (int r = 0; r < N_STORAGE; r++)
        check_contents(&sp[r], path, s, n);

    memcpy(b, orig, len);
    rewrite_header(path, b, len, to_major_0);
    expect_refused(path, VAJRA_ERR_CORRUPT, "major 0");

    memcpy(b, orig, len);
    rewrite_header(path, b, len, to_swapped);
    expect_refused(path, VAJRA_ERR_UNSUPPORTED, "other byte order");

    memcpy(b, orig, len);
    rewrite_header(path, b, len, to_32bit);
    expect_refused(path, VAJRA_ERR_UNSUPPORTED, "32-bit writer");

    /* A valid header whose table does not follow the last section (a gap of 64 zero bytes). */
    VjcHeader h;
    vjc_header_decode(orig, &h);
    memcpy(b, orig, h.table_offset);
    memset(b + h.table_offset, 0, 64);
    memcpy(b + h.table_offset + 64, orig + h.table_offset, len - h.table_offset);
    rewrite_header(path, b, len + 64, to_bad_table_offset);
    expect_refused(path, VAJRA_ERR_CORRUPT, "gap before the table");

    g_free(b);
    g_free(orig);
    g_free(path);
}
END_TEST

/* A container built by hand from docs/format.md (not by the writer): a 1.1 file whose table
 * entries grew to 80 bytes (a future minor's extra field). The reader must accept it. */
START_TEST(hand_built_file_from_the_spec)
{
    /* The checksum is XXH3-64 with seed 0 (docs/format.md): pin two known values. */
    ck_assert_uint_eq(vjc_checksum("", 0), 0x2D06800538D394C2ull);
    ck_assert_uint_eq(vjc_checksum("abc", 3), 0x78AF5F94892F3950ull);
    const char payload[] = "hello, container";
    size_t plen = sizeof payload - 1;
    uint8_t file[64 + 64 + 80];
    memset(file, 0, sizeof file);
    memcpy(file + 64, payload, plen);
    uint8_t *ent = file + 128;
    memcpy(ent, "greeting", 8);
    uint64_t off = 64, length = plen, sum = vjc_checksum(payload, plen), extra = 0xdeadbeef;
    memcpy(ent + 48, &off, 8);
    memcpy(ent + 56, &length, 8);
    memcpy(ent + 64, &sum, 8);
    memcpy(ent + 72, &extra, 8);
    VjcHeader h = {.major = 1, .minor = 1, .byte_order = 0x01020304u, .pointer_size = 8,
                   .size_t_size = 8, .align_log2 = 6, .header_size = 64, .section_count = 1,
                   .entry_size = 80, .table_offset = 128, .file_size = sizeof file,
                   .table_checksum = vjc_checksum(ent, 80)};
    vjc_header_encode(&h, file);
    char *path = g_build_filename(dir, "hand.vjr", NULL);
    write_file(path, file, sizeof file);
    TestSection s[1] = {{"greeting", payload, plen}};
    for (int r = 0; r < N_STORAGE; r++)
        check_contents(&sp[r], path, s, 1);
    g_free(path);
}
END_TEST

/* Two threads saving different content to one path at once: each save is atomic, so the file
 * is always exactly one of the two containers, and no temporary file is left. Meanwhile readers
 * share one open container across threads. */
typedef struct SaverArgs {
    const StoragePlugin *p;
    const char *path;
    const TestSection *s;
    int failures;
} SaverArgs;

static gpointer saver_thread(gpointer data)
{
    SaverArgs *a = data;
    for (int i = 0; i < 40; i++) {
        VajraError err = {0};
        if (storage_save(a->p, a->path, a->s, 1, &err) != VAJRA_OK)
            a->failures++;
    }
    return NULL;
}

typedef struct ReaderArgs {
    const VajraSectionReader *r;
    const TestSection *s;
    size_t n;
    int failures;
} ReaderArgs;

static gpointer reader_thread(gpointer data)
{
    ReaderArgs *a = data;
    for (int i = 0; i < 2000; i++) {
        const TestSection *t = &a->s[(size_t)i % a->n];
        const void *d;
        size_t len;
        VajraError err = {0};
        if (a->r->find(a->r->self, t->name, &d, &len, &err) != VAJRA_OK || len != t->len ||
            (len && memcmp(d, t->data, len) != 0))
            a->failures++;
    }
    return NULL;
}

START_TEST(concurrent_saves_and_reads)
{
    char *path = g_build_filename(dir, "race.vjr", NULL);
    size_t old_len;
    g_free(make_old(path, &old_len)); /* writes "old" and fills old_sections / new_sections */
    SaverArgs sa[2] = {{&sp[0], path, old_sections, 0}, {&sp[1], path, new_sections, 0}};
    TestSection s[5];
    size_t n = small_sections(s);
    char *rpath = g_build_filename(dir, "shared.vjr", NULL);
    VajraError err = {0};
    ck_assert_int_eq(storage_save(&sp[0], rpath, s, n, &err), VAJRA_OK);
    VajraStorageContainer *c = NULL;
    ck_assert_int_eq(sp[1].ops->open(sp[1].state, rpath, &c, &err), VAJRA_OK);
    ReaderArgs ra[2] = {{sp[1].ops->container_sections(c), s, n, 0},
                        {sp[1].ops->container_sections(c), s, n, 0}};
    GThread *t[4] = {g_thread_new("save0", saver_thread, &sa[0]),
                     g_thread_new("save1", saver_thread, &sa[1]),
                     g_thread_new("read0", reader_thread, &ra[0]),
                     g_thread_new("read1", reader_thread, &ra[1])};
    for (int i = 0; i < 4; i++)
        g_thread_join(t[i]);
    sp[1].ops->close(c);
    ck_assert_int_eq(sa[0].failures + sa[1].failures, 0);
    ck_assert_int_eq(ra[0].failures + ra[1].failures, 0);
    ck_assert_int_eq(count_temp_files(dir), 0);
    /* Exactly one of the two versions. */
    VajraStorageContainer *r = NULL;
    ck_assert_int_eq(sp[0].ops->open(sp[0].state, path, &r, &err), VAJRA_OK);
    const VajraSectionReader *rd = sp[0].ops->container_sections(r);
    const void *d;
    size_t len;
    ck_assert_int_eq(rd->find(rd->self, "v.data", &d, &len, &err), VAJRA_OK);
    ck_assert((len == sizeof old_bytes && memcmp(d, old_bytes, len) == 0) ||
              (len == sizeof new_bytes && memcmp(d, new_bytes, len) == 0));
    sp[0].ops->close(r);
    g_free(rpath);
    g_free(path);
}
END_TEST

static Suite *storage_suite(void)
{
    Suite *s = suite_create("storage");
    TCase *tc = tcase_create("container");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, round_trip_both_backends);
    tcase_add_test(tc, empty_container_round_trips);
    tcase_add_test(tc, saves_are_deterministic);
    tcase_add_test(tc, file_and_mmap_give_identical_bytes);
    tcase_add_test(tc, bad_names_and_duplicates_are_refused);
    tcase_add_test(tc, abort_leaves_old_file_and_no_temp);
    tcase_add_test(tc, write_failure_leaves_old_file_and_no_temp);
    tcase_add_test(tc, rename_failure_removes_temp);
    tcase_add_test(tc, missing_and_unwritable_paths);
    tcase_add_test(tc, truncation_at_every_length_is_an_error);
    tcase_add_test(tc, flipped_bit_anywhere_is_an_error);
    tcase_add_test(tc, versions_and_foreign_hosts);
    tcase_add_test(tc, hand_built_file_from_the_spec);
    tcase_add_test(tc, concurrent_saves_and_reads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(storage_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
