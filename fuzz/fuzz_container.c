/* libFuzzer target: the index container loader of both storage plugins.
 *
 * Byte 0 is a flag: when bit 0 is set the harness first recomputes every checksum the format
 * holds (section, table and header checksums, wherever the input's own header and table say they
 * are), so mutations get past the checksums and reach the structural checks behind them
 * (layout, alignment, names, padding, versions). The rest is the file.
 *
 * Properties: the private validator (vjc_validate), storage-file's open and storage-mmap's open
 * all agree on the status; an opened container's sections are all readable, 64-byte aligned,
 * validly named, and found again by name at the same address. */
#include "container.h"
#include "fuzz_util.h"
#include "vajra/storage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Recompute the checksums the input's header and table point at (best effort: skips whatever
 * lies outside the buffer). Little-endian host, like the format. */
static void fix_checksums(uint8_t *buf, size_t size)
{
    if (size < VJC_HEADER_SIZE)
        return;
    VjcHeader h;
    vjc_header_decode(buf, &h);
    uint64_t table_size = (uint64_t)h.section_count * h.entry_size;
    if (h.entry_size >= VJC_ENTRY_SIZE && h.table_offset <= size &&
        table_size <= size - h.table_offset) {
        for (uint32_t i = 0; i < h.section_count; i++) {
            uint8_t *ent = buf + h.table_offset + (uint64_t)i * h.entry_size;
            uint64_t off = get64(ent + VJC_ENT_OFFSET), len = get64(ent + VJC_ENT_LENGTH);
            if (off <= size && len <= size - off)
                put64(ent + VJC_ENT_CHECKSUM, vjc_checksum(buf + off, (size_t)len));
        }
        h.table_checksum = vjc_checksum(buf + h.table_offset, (size_t)table_size);
    }
    vjc_header_encode(&h, buf);
}

static void open_and_walk(const char *plugin_name, const char *path, vajra_status expected)
{
    static VajraPlugin *plugins[2];
    int slot = strcmp(plugin_name, "storage-file") == 0 ? 0 : 1;
    if (plugins[slot] == NULL)
        plugins[slot] = fuzz_plugin(VAJRA_PLUGIN_STORAGE, plugin_name);
    const VajraStorageOps *ops = vajra_plugin_vtable(plugins[slot]);
    void *ps = vajra_plugin_state(plugins[slot]);

    VajraStorageContainer *c = NULL;
    VajraError err = {0};
    vajra_status st = ops->open(ps, path, &c, &err);
    fuzz_check_error(st, &err, plugin_name);
    if (st != expected) {
        fprintf(stderr, "fuzz: %s open says %s (%s) but the validator says %s\n", plugin_name,
                vajra_strerror(st), err.message, vajra_strerror(expected));
        abort();
    }
    if (st != VAJRA_OK)
        return;
    const VajraSectionReader *sr = ops->container_sections(c);
    size_t n = ops->container_count(c);
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        const void *bytes;
        size_t len;
        if (ops->container_section_at(c, i, &name, &bytes, &len, &err) != VAJRA_OK)
            abort();
        if (!vjc_name_valid(name) || bytes == NULL || (uintptr_t)bytes % VAJRA_CONTAINER_ALIGN)
            abort();
        for (size_t j = 0; j < len; j++)
            sink ^= ((const uint8_t *)bytes)[j];
        const void *again;
        size_t again_len;
        if (sr->find(sr->self, name, &again, &again_len, &err) != VAJRA_OK || again != bytes ||
            again_len != len)
            abort();
    }
    const char *name;
    const void *bytes;
    size_t len;
    if (ops->container_section_at(c, n, &name, &bytes, &len, &err) == VAJRA_OK)
        abort();
    (void)sink;
    ops->close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    /* Page-aligned copy: what vjc_validate's callers guarantee (a mapping or aligned heap). */
    size_t cap = (n + 4095) / 4096 * 4096;
    uint8_t *buf = aligned_alloc(4096, cap ? cap : 4096);
    if (buf == NULL)
        abort();
    if (n > 0)
        memcpy(buf, data + 1, n);
    if (data[0] & 1)
        fix_checksums(buf, n);

    VajraError err = {0};
    vajra_status expected = vjc_validate("fuzz.vjr", n ? buf : NULL, n, &err);
    fuzz_check_error(expected, &err, "vjc_validate");

    const char *path = fuzz_temp_file(buf, n, ".vjr");
    open_and_walk("storage-file", path, expected);
    open_and_walk("storage-mmap", path, expected);
    free(buf);
    return 0;
}
