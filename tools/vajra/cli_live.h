/* The `vajra` command line for live collections: add, delete, compact, promote (and the segment
 * facts `vajra info` shows). Each write command opens the index file writable (taking its writer
 * lock "<INDEX>.lock"), does its work, commits durably and prints a one-line summary (or one JSON
 * object with the same keys for every command, --json; nothing with --quiet). A failure changes
 * nothing: the file stays as it was. Usage errors exit with 2, everything else with 1.
 */
#ifndef VAJRA_CLI_LIVE_H
#define VAJRA_CLI_LIVE_H

#include <stdint.h>

#include "cli.h"

int cmd_add(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_compact(int argc, char **argv);
int cmd_promote(int argc, char **argv);

/* Options every write command takes (option ids above the fusion options'). */
typedef struct CliLiveOptions {
    const char *storage; /* storage plugin used to open and save */
    uint32_t threads;    /* vector build threads; 0 = the available cores */
    double wait_s;       /* how long to wait for another writer to finish; 0 = not at all */
    int json, quiet;
} CliLiveOptions;

enum { CLI_OPT_LIVE_JSON = 700, CLI_OPT_LIVE_STORAGE, CLI_OPT_LIVE_THREADS, CLI_OPT_LIVE_WAIT };

#define CLI_LIVE_LONGOPTS                                                                      \
    {"json", no_argument, NULL, CLI_OPT_LIVE_JSON},                                            \
    {"quiet", no_argument, NULL, 'q'},                                                         \
    {"storage", required_argument, NULL, CLI_OPT_LIVE_STORAGE},                                \
    {"threads", required_argument, NULL, CLI_OPT_LIVE_THREADS},                                \
    {"wait", required_argument, NULL, CLI_OPT_LIVE_WAIT},                                      \
    {"help", no_argument, NULL, 'h'}

#define CLI_LIVE_HELP                                                                          \
    "  --threads N                vector build threads (default: the available cores)\n"      \
    "  --storage file|mmap        storage plugin that opens and saves INDEX (same bytes)\n"    \
    "  --wait SECONDS             when another writer holds INDEX, retry for this long\n"     \
    "                             (default: fail at once)\n"                                   \
    "  --json                     one JSON object: command, path, added, replaced, removed,\n" \
    "                             generation, segments, live, deleted, bytes_before, bytes,\n" \
    "                             profile, hnsw, seconds (the same keys for every command)\n" \
    "  -q, --quiet                print nothing on success\n"                                  \
    "  -h, --help                 this text\n"

#define CLI_LIVE_HELP_TAIL                                                                     \
    "\nINDEX is opened for writing: only one writer at a time (the lock file INDEX.lock is\n" \
    "held while the command runs; searches in other processes go on). The change is saved\n"   \
    "durably before the command returns; on any error INDEX is left as it was. Exit status:\n" \
    "0 done, 1 failure (nothing changed), 2 usage error.\n"

void cli_live_defaults(CliLiveOptions *o);
/* Take one option from getopt: 1 = handled, 0 = not a live option, -1 = bad value (printed). */
int cli_live_option(const char *cmd, int ch, const char *arg, CliLiveOptions *o);

/* An open, writable collection with what the summary needs from before the change. */
typedef struct CliLive {
    const char *cmd, *path;
    VajraRegistry *reg;
    VajraCollection *c;
    VajraCollectionCounts before;
    long long bytes_before;
    double t0;
} CliLive;

/* Open `path` writable (prints the error, naming the collection). Returns non-zero on failure. */
int cli_live_open(CliLive *l, const char *cmd, const char *path, const CliLiveOptions *o);
void cli_live_close(CliLive *l);

/* Print a failure of `l`'s collection: the library's message, with "INDEX: " in front when it
 * does not name the file yet, and `tail` (may be NULL) after it. */
void cli_live_error(const CliLive *l, const VajraError *err, const char *tail);

/* Commit what was staged (durable). Prints errors. Returns non-zero on failure. */
int cli_live_commit(CliLive *l);

/* What one write command did, for its summary. */
typedef struct CliLiveDone {
    uint32_t added, replaced, removed;
} CliLiveDone;

/* Print the one-line summary (text: `what`, which names the file, then the collection's state)
 * or the JSON object. */
void cli_live_report(const CliLive *l, const CliLiveOptions *o, const char *what,
                     const CliLiveDone *done);

/* The range of document numbers a search may return: live and deleted documents (deleted ones
 * keep their numbers until a compaction). */
uint32_t cli_live_doc_span(const VajraCollection *c);

/* For `vajra info`: the segment facts as JSON members (", \"segments\": ..." without braces) or
 * as one text line. c may be NULL (a collection info could not open): JSON nulls, no text. */
void cli_live_info(const VajraCollection *c, int json);

#endif /* VAJRA_CLI_LIVE_H */
