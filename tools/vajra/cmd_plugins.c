/* `vajra plugins`: what the registry finds on the search path, and what this CPU can run. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vajra/cpu.h"

/* The kind's name (built in, or the plugin's kind_name), else "kind-N": kinds are open, so a
 * plugin of a kind this build does not know is listed like any other. */
static const char *kind_label(const VajraPlugin *p, char *buf, size_t cap)
{
    const char *n = vajra_plugin_kind_name(p);
    if (n != NULL && n[0] != '\0')
        return n;
    snprintf(buf, cap, "kind-%u", vajra_plugin_descriptor(p)->kind);
    return buf;
}

typedef struct Skipped {
    char *path;
    char *message;
} Skipped;

typedef struct SkipList {
    Skipped items[256];
    size_t count;
} SkipList;

static void on_scan_error(void *user, const char *path, const VajraError *err)
{
    SkipList *list = user;
    if (list->count < sizeof list->items / sizeof list->items[0]) {
        list->items[list->count].path = strdup(path);
        list->items[list->count].message =
            strdup(err->message[0] ? err->message : vajra_strerror(err->code));
        list->count++;
    }
}

/* A space-separated feature list as a JSON array. */
static void json_words(const char *words)
{
    putchar('[');
    const char *p = words;
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " ");
        printf("%s\"%.*s\"", first ? "" : ", ", (int)n, p);
        first = 0;
        p += n;
    }
    putchar(']');
}

static void help(void)
{
    printf("Usage: vajra plugins [--json]\n\n"
           "Load every plugin on the search path ($VAJRA_PLUGIN_PATH, then the install\n"
           "directory) and list each one's name, kind (any kind found, also ones this build does\n"
           "not know: by their declared name, else as kind-N), version, ABI version, file and the CPU\n"
           "features it requires; then the CPU features present and the distance kernel chosen\n"
           "($VAJRA_KERNEL=scalar|avx2|avx512|neon overrides the choice). Plugins that cannot be\n"
           "loaded here are listed with the reason.\n\n"
           "  --json     one JSON object: search_path, cpu_features, kernel, plugins, skipped\n"
           "  -h, --help this text\n");
}

int cmd_plugins(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int json = 0, ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (ch == 'j')
            json = 1;
        else if (ch == 'h') {
            help();
            return CLI_EXIT_OK;
        } else
            return cli_usage_error("plugins", "bad option");
    }
    if (optind != argc)
        return cli_usage_error("plugins", "unexpected argument \"%s\"", argv[optind]);

    VajraRegistry *reg = cli_registry("plugins");
    if (reg == NULL)
        return CLI_EXIT_FAIL;
    SkipList *skipped = calloc(1, sizeof *skipped);
    VajraError err = {0};
    size_t loaded = 0;
    if (skipped == NULL || vajra_registry_scan(reg, on_scan_error, skipped, &loaded, &err) != VAJRA_OK) {
        cli_error_vajra("plugins", &err);
        free(skipped);
        vajra_registry_free(reg);
        return CLI_EXIT_FAIL;
    }
    char cpu[256];
    vajra_cpu_features_describe(vajra_cpu_features(), cpu, sizeof cpu);
    const VajraKernelOps *kops = NULL;
    VajraPlugin *kplugin = NULL;
    VajraError kerr = {0};
    int have_kernel = vajra_registry_kernel(reg, &kops, &kplugin, &kerr) == VAJRA_OK;
    const char *kname = have_kernel && kplugin ? vajra_plugin_descriptor(kplugin)->name : NULL;
    size_t n = vajra_registry_count(reg);

    if (json) {
        printf("{\"search_path\": ");
        cli_json_string(stdout, vajra_registry_search_path(reg));
        printf(", \"cpu_features\": ");
        json_words(cpu);
        printf(", \"kernel\": ");
        if (have_kernel) {
            printf("{\"isa\": ");
            cli_json_string(stdout, kops->isa);
            printf(", \"plugin\": ");
            cli_json_string(stdout, kname);
            printf("}");
        } else {
            printf("null");
        }
        printf(", \"plugins\": [");
        for (size_t i = 0; i < n; i++) {
            VajraPlugin *p = vajra_registry_at(reg, i);
            const VajraPluginDescriptor *d = vajra_plugin_descriptor(p);
            char req[256];
            vajra_cpu_features_describe(d->required_cpu, req, sizeof req);
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_string(stdout, d->name);
            char kbuf[32];
            printf(", \"kind\": ");
            cli_json_string(stdout, kind_label(p, kbuf, sizeof kbuf));
            printf(", \"kind_id\": %u, \"version\": ", d->kind);
            cli_json_string(stdout, d->version);
            printf(", \"abi\": \"%u.%u\", \"abi_major\": %u, \"abi_minor\": %u, \"file\": ",
                   d->abi_major, d->abi_minor, d->abi_major, d->abi_minor);
            cli_json_string(stdout, vajra_plugin_path(p));
            printf(", \"required_cpu\": ");
            json_words(req);
            printf(", \"description\": ");
            cli_json_string(stdout, d->description);
            printf("}");
        }
        printf("], \"skipped\": [");
        for (size_t i = 0; i < skipped->count; i++) {
            printf("%s{\"file\": ", i ? ", " : "");
            cli_json_string(stdout, skipped->items[i].path);
            printf(", \"error\": ");
            cli_json_string(stdout, skipped->items[i].message);
            printf("}");
        }
        printf("]}\n");
    } else {
        printf("Search path:  %s\n", vajra_registry_search_path(reg));
        printf("CPU features: %s\n", cpu[0] ? cpu : "(none detected)");
        if (have_kernel)
            printf("Kernel:       %s (%s)\n", kops->isa, kname ? kname : "?");
        else
            printf("Kernel:       none (%s)\n", kerr.message);
        printf("ABI:          %d.%d (this build)\n\n", VAJRA_ABI_MAJOR, VAJRA_ABI_MINOR);
        printf("%-18s %-8s %-8s %-4s %-16s %s\n", "NAME", "KIND", "VERSION", "ABI", "REQUIRES",
               "FILE");
        for (size_t i = 0; i < n; i++) {
            VajraPlugin *p = vajra_registry_at(reg, i);
            const VajraPluginDescriptor *d = vajra_plugin_descriptor(p);
            char req[256];
            vajra_cpu_features_describe(d->required_cpu, req, sizeof req);
            char abi[16];
            snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
            char kbuf[32];
            printf("%-18s %-8s %-8s %-4s %-16s %s\n", d->name, kind_label(p, kbuf, sizeof kbuf),
                   d->version ? d->version : "?", abi, req[0] ? req : "-", vajra_plugin_path(p));
        }
        if (n == 0)
            printf("(no plugins found)\n");
        if (skipped->count > 0) {
            printf("\nNot loaded here:\n");
            for (size_t i = 0; i < skipped->count; i++)
                printf("  %s: %s\n", skipped->items[i].path, skipped->items[i].message);
        }
    }
    for (size_t i = 0; i < skipped->count; i++) {
        free(skipped->items[i].path);
        free(skipped->items[i].message);
    }
    free(skipped);
    vajra_registry_free(reg);
    return CLI_EXIT_OK;
}
