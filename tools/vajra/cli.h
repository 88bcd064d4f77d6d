/* The `vajra` command line: shared declarations.
 *
 * Each command lives in its own cmd_<name>.c and has the signature of CliCommandFn. Commands
 * print results on stdout (text, or JSON with --json) and diagnostics on stderr as
 * "vajra <command>: <message>"; they return the process exit status (0 ok, 1 failure or
 * mismatch, 2 usage error).
 */
#ifndef VAJRA_CLI_H
#define VAJRA_CLI_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "vajra/collection.h"
#include "vajra/eval.h"
#include "vajra/filter_expr.h"
#include "vajra/fusion.h"
#include "vajra/io.h"
#include "vajra/registry.h"
#include "vajra/status.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef int (*CliCommandFn)(int argc, char **argv);

int cmd_index(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_parity(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_plugins(int argc, char **argv);

/* ---- diagnostics ---- */

/* "vajra <cmd>: <message>\n" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* cli_error with the text of a VajraError (its message, else the code's name). */
void cli_error_vajra(const char *cmd, const VajraError *err);
/* Usage error: message, then "try 'vajra <cmd> --help'". Returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- parsing ---- */

/* Strict number parsing: the whole string, in range. Return 1 on success. */
int cli_parse_u32(const char *s, uint32_t *out);
int cli_parse_double(const char *s, double *out);

/* ---- JSON output (stdout) ---- */

/* Write s as a JSON string literal (quotes, escapes, control characters as \u00XX). NULL → null. */
void cli_json_string(FILE *f, const char *s);
/* A double as JSON: a number with up to 6 significant decimals, or null when not finite. */
void cli_json_number(FILE *f, double v);

/* ---- progress (stderr, only when it is a terminal; cli_progress.c) ---- */

typedef struct CliProgress {
    int enabled;
    const char *label;
    uint64_t total;
    int last_percent;
    double t0, last_draw;
} CliProgress;

/* A bar with elapsed time and ETA, drawn only when stderr is a terminal and !quiet (pass 1 for
 * --quiet and --json so machine output stays clean). total 0 draws nothing. */
void cli_progress_start(CliProgress *p, const char *label, uint64_t total, int quiet);
void cli_progress_update(CliProgress *p, uint64_t done);
/* Draw 100% and end the line. */
void cli_progress_end(CliProgress *p);
/* End the line where it stands (before an error message). */
void cli_progress_abort(CliProgress *p);

/* ---- shared plumbing ---- */

/* A registry searching $VAJRA_PLUGIN_PATH when it is set, else — for the uninstalled binary
 * only — the build tree's plugin directories; then the install dir. Prints the error and returns NULL on failure. */
VajraRegistry *cli_registry(const char *cmd);
/* The build tree's plugin directories (colon-separated) when this binary runs from its build
 * directory, else NULL. */
const char *cli_build_tree_plugin_path(void);

/* Map "file"/"mmap" (or a full plugin name) to a storage plugin name; NULL for unknown. */
const char *cli_storage_plugin(const char *name);

/* Open a saved collection (prints the error). */
VajraCollection *cli_open_collection(const char *cmd, VajraRegistry *reg, const char *path,
                                     const char *storage);
/* As cli_open_collection, for commands that measure the single index of a compacted collection
 * (bench's exact references, parity): a collection of several segments is refused with a message
 * that says to run `vajra compact`. */
VajraCollection *cli_open_single_segment(const char *cmd, VajraRegistry *reg, const char *path,
                                         const char *storage);

/* Seconds on the monotonic clock. */
double cli_now(void);

/* Read a vector file chosen by "FILE" or "FILE:ROW" (ROW overrides *row when present).
 * Prints the error and returns non-zero on failure. */
int cli_read_vectors_spec(const char *cmd, const char *spec, VajraMatrixF32 *out, long *row);

/* Query vectors of dimension qv_dim against an index of dimension index_dim (0: no vectors).
 * Prints "this index has no vectors" or the mismatch and returns non-zero; 0 when they agree. */
int cli_check_query_dim(const char *cmd, const char *index_path, uint32_t index_dim,
                        const char *qv_path, size_t qv_dim);

/* Fusion chosen on the command line. */
typedef struct CliFusion {
    const char *method; /* "rrf", "minmax", "zscore" */
    double rrf_k;
    double weight; /* lexical weight for convex; the vector side gets 1 − weight */
} CliFusion;

#define CLI_FUSION_DEFAULT {"rrf", VAJRA_RRF_K_DEFAULT, 0.5}

/* The fusion options shared by search, eval and bench (option ids above the build options'). */
enum { CLI_OPT_FUSION = 600, CLI_OPT_RRFK, CLI_OPT_WEIGHT };

#define CLI_FUSION_LONGOPTS                                                                    \
    {"fusion", required_argument, NULL, CLI_OPT_FUSION},                                       \
    {"rrf-k", required_argument, NULL, CLI_OPT_RRFK},                                          \
    {"weight", required_argument, NULL, CLI_OPT_WEIGHT}

/* Take one option from getopt: 1 = handled, 0 = not a fusion option, -1 = bad value (printed). */
int cli_fusion_option(const char *cmd, int ch, const char *arg, CliFusion *f);

/* Build the fusion morphism (limit = how many fused hits to keep). Prints errors. */
VajraMorphism *cli_make_fusion(const char *cmd, const CliFusion *f, size_t limit);

/* Searching one query in any mode, reusing one set of morphisms (one thread). */
typedef enum CliMode { CLI_MODE_LEXICAL = 0, CLI_MODE_VECTOR = 1, CLI_MODE_HYBRID = 2 } CliMode;
const char *cli_mode_name(CliMode m);
int cli_parse_mode(const char *s, CliMode *out);

typedef struct CliSearcher {
    CliMode mode;
    uint32_t k, depth, dim, ef;
    VajraMorphism *m; /* the retriever for `mode` */
    void *query;      /* a value of the retriever's domain */
    CliFusion fusion;
    /* With a filter (or attributes wanted), searches go through the one-call API instead. */
    struct VajraFilterExpr *filter;
    VajraSearcher *vs;
    VajraResults res; /* the last one-call answer (parallel to the hits) */
    int with_attrs;
} CliSearcher;

/* Make the retriever for `mode` (hybrid: fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩ with each side fetching
 * `depth` candidates and the fusion keeping k). ef as for vajra_collection_vector_retriever.
 * Prints errors; returns non-zero on failure. */
int cli_searcher_init(const char *cmd, CliSearcher *s, VajraCollection *c, CliMode mode,
                      uint32_t k, uint32_t depth, uint32_t ef, const CliFusion *fusion);
/* Run one query (text may be NULL outside lexical/hybrid; vec may be NULL outside
 * vector/hybrid). Fills *hits. */
vajra_status cli_searcher_run(CliSearcher *s, const char *text, const float *vec,
                              VajraHits *hits, VajraError *err);
void cli_searcher_clear(CliSearcher *s);
/* Search through the one-call API with an attribute filter (filter_text may be NULL) and,
 * when with_attrs, the documents' attributes (in s->res after each run). Prints errors
 * (a malformed filter shows its column); returns non-zero on failure. */
int cli_searcher_filter(const char *cmd, CliSearcher *s, VajraCollection *c,
                        const char *filter_text, int with_attrs);

/* ---- the options of search (cli_search_args.c; shared with vajra-mpi) ---- */

/* Output formats of a batch search. */
typedef enum CliFormat { CLI_FORMAT_TREC = 0, CLI_FORMAT_JSONL = 1 } CliFormat;

typedef struct CliSearchArgs {
    const char *mode_s, *qv_spec, *storage, *qfile, *queries_path, *qvs_path, *format_s;
    const char *run_name, *output;
    uint32_t k, depth, ef, qrow;
    int have_qrow, json, exact, pipeline;
    CliFusion fusion;
    /* Filled by cli_search_args_check: */
    const char *path, *text_arg; /* the positional arguments */
    int batch;                   /* --queries or --query-vectors */
    CliMode mode;
    CliFormat format;
} CliSearchArgs;

enum { CLI_OPT_S_MODE = 900, CLI_OPT_S_QV, CLI_OPT_S_QROW, CLI_OPT_S_DEPTH, CLI_OPT_S_EF,
       CLI_OPT_S_EXACT, CLI_OPT_S_STORAGE, CLI_OPT_S_JSON, CLI_OPT_S_PIPELINE, CLI_OPT_S_QFILE,
       CLI_OPT_S_QUERIES, CLI_OPT_S_QVS, CLI_OPT_S_FORMAT, CLI_OPT_S_RUN };

/* getopt_long entries of the search options (with the fusion options, -k and -o). */
#define CLI_SEARCH_LONGOPTS                                                                    \
    {"mode", required_argument, NULL, CLI_OPT_S_MODE},                                         \
    {"query-vector", required_argument, NULL, CLI_OPT_S_QV},                                   \
    {"query-row", required_argument, NULL, CLI_OPT_S_QROW},                                    \
    {"depth", required_argument, NULL, CLI_OPT_S_DEPTH},                                       \
    CLI_FUSION_LONGOPTS,                                                                       \
    {"ef", required_argument, NULL, CLI_OPT_S_EF},                                             \
    {"exact", no_argument, NULL, CLI_OPT_S_EXACT},                                             \
    {"storage", required_argument, NULL, CLI_OPT_S_STORAGE},                                   \
    {"json", no_argument, NULL, CLI_OPT_S_JSON},                                               \
    {"show-pipeline", no_argument, NULL, CLI_OPT_S_PIPELINE},                                  \
    {"query-file", required_argument, NULL, CLI_OPT_S_QFILE},                                  \
    {"queries", required_argument, NULL, CLI_OPT_S_QUERIES},                                   \
    {"query-vectors", required_argument, NULL, CLI_OPT_S_QVS},                                 \
    {"format", required_argument, NULL, CLI_OPT_S_FORMAT},                                     \
    {"run-name", required_argument, NULL, CLI_OPT_S_RUN},                                      \
    {"output", required_argument, NULL, 'o'}

void cli_search_args_defaults(CliSearchArgs *a);
/* Take one option from getopt ('k', 'o' and the long ones above): 1 = handled, 0 = not a search
 * option, -1 = bad value (printed). */
int cli_search_option(const char *cmd, int ch, const char *arg, CliSearchArgs *a);
/* After getopt: the positional arguments argv[first..] ("<what> [TEXT]") and every check of
 * `vajra search` (batch versus single query, format, run name, mode and what it needs; depth
 * default). Returns 0, or CLI_EXIT_USAGE after printing the usage error. */
int cli_search_args_check(const char *cmd, int argc, char **argv, int first, const char *what,
                          CliSearchArgs *a);

/* ---- the report of eval (cli_eval.c; shared with vajra-mpi) ---- */

/* What the inputs of an evaluation hold, before anything is run. */
typedef struct CliEvalCounts {
    size_t queries;           /* in the queries file */
    size_t judged;            /* of those, with >= 1 relevant document: the ones scored */
    size_t judged_missing;    /* queries of the qrels with >= 1 relevant document not in the file */
    size_t judgements;        /* (query, document) rows of the scored queries */
    size_t docs_missing;      /* of those, documents the index does not hold */
    size_t relevant_missing;  /* of those, relevant ones (grade >= 1): unreachable for any run */
} CliEvalCounts;

/* The options of eval. */
typedef struct CliEvalArgs {
    const char *queries_path, *qrels_path, *qv_path, *mode_s, *storage;
    uint32_t k, depth, ef;
    int json, exact;
    CliFusion fusion;
    int want[3]; /* the modes to run (cli_eval_args_check) */
} CliEvalArgs;

enum { CLI_OPT_E_QUERIES = 950, CLI_OPT_E_QRELS, CLI_OPT_E_QV, CLI_OPT_E_MODE, CLI_OPT_E_DEPTH,
       CLI_OPT_E_EF, CLI_OPT_E_EXACT, CLI_OPT_E_STORAGE, CLI_OPT_E_JSON };

#define CLI_EVAL_LONGOPTS                                                                      \
    {"queries", required_argument, NULL, CLI_OPT_E_QUERIES},                                   \
    {"qrels", required_argument, NULL, CLI_OPT_E_QRELS},                                       \
    {"query-vectors", required_argument, NULL, CLI_OPT_E_QV},                                  \
    {"mode", required_argument, NULL, CLI_OPT_E_MODE},                                         \
    {"depth", required_argument, NULL, CLI_OPT_E_DEPTH},                                       \
    CLI_FUSION_LONGOPTS,                                                                       \
    {"ef", required_argument, NULL, CLI_OPT_E_EF},                                             \
    {"exact", no_argument, NULL, CLI_OPT_E_EXACT},                                             \
    {"storage", required_argument, NULL, CLI_OPT_E_STORAGE},                                   \
    {"json", no_argument, NULL, CLI_OPT_E_JSON}

void cli_eval_args_defaults(CliEvalArgs *a);
/* Take one option from getopt (-k and the long ones above): 1 handled, 0 not, -1 bad (printed). */
int cli_eval_option(const char *cmd, int ch, const char *arg, CliEvalArgs *a);
/* After getopt: one positional argument (`what`), the required files, -k ≥ 100, the modes
 * (want), and the depth/ef defaults. Returns 0, or CLI_EXIT_USAGE after printing the error. */
int cli_eval_args_check(const char *cmd, int argc, int first, const char *what, CliEvalArgs *a);

/* The warnings on stderr about queries and documents that cannot be scored. */
void cli_eval_warnings(const char *queries_path, const char *qrels_path, const CliEvalCounts *c);
/* The table (or JSON: an object, or an array of them for several modes) of the means of the
 * modes with want[mode] set. */
void cli_eval_print(int json, const int want[3], const VajraMetrics means[3],
                    const size_t scored[3], const CliEvalCounts *c);

/* ---- queries (cli_search_batch.c) ---- */

/* A query's text: its title and text joined by a space (either may be absent). Caller frees;
 * NULL when out of memory. */
char *cli_query_text(const VajraDocument *q);

/* The whole of a file ("-" = standard input) as a string, trailing newlines removed. Caller
 * frees. Prints the error (naming the file) and returns NULL on failure. */
char *cli_read_text(const char *cmd, const char *path);

int cli_parse_format(const char *s, CliFormat *out);

/* Run every query (queries[i] with row i of qv when given; without queries, every row of qv
 * with the row number as the query id) and write the hits to `out`: TREC run lines
 * "qid Q0 docid rank score run_name", or one JSON object per query {"query_id", "hits":
 * [{"rank", "id", "score"}]}. Prints errors; returns non-zero on failure. */
int cli_search_batch(const char *cmd, CliSearcher *s, VajraCollection *c,
                     const VajraDocSet *queries, const VajraMatrixF32 *qv, CliFormat format,
                     const char *run_name, FILE *out);


/* ---- documents with their vectors ---- */

/* Documents read from JSONL, optionally cut to the first `limit` (0 = all), with row i of a
 * vector file attached to document i (without a limit the file must have exactly one row per
 * document; with one, its first `limit` rows are used). Without JSONL (docs_path NULL), the
 * documents are the vector file's first `limit` rows (0 = all) with ids "0", "1", ... (the row
 * numbers, as ground-truth files use) and no text. `docs` is an array of `count` documents
 * borrowing from `set`, `vectors` and `ids`. */
typedef struct CliDocs {
    VajraDocSet *set;
    VajraMatrixF32 vectors;
    VajraDocument *docs;
    char *ids; /* vectors only: the row-number ids, 11 bytes each */
    size_t count;
    uint32_t dim;
} CliDocs;

/* Prints errors naming the file (and line); returns non-zero on failure. */
int cli_docs_load(const char *cmd, const char *docs_path, const char *vectors_path,
                  const char *vector_field, size_t limit, CliDocs *out);
void cli_docs_clear(CliDocs *d);

/* The 1-based line of the index-th non-blank line of a JSONL file (what the reader calls
 * document `index`), or 0 when it cannot be found. */
size_t cli_jsonl_line_of(const char *path, size_t index);
/* Refuse a repeated id among docs[0..n): prints "<path>:<line>: duplicate <what> id "x" (first on
 * line N)" and returns non-zero. */
int cli_check_unique_ids(const char *cmd, const char *path, const VajraDocument *docs, size_t n,
                         const char *what);


/* ---- building a collection (shared by index and bench) ---- */

#define CLI_MAX_VECTOR_PARAMS 32

typedef struct CliBuildOptions {
    const char *metric, *profile, *scorer, *language;
    const char *attr_schema; /* --attr-schema; NULL = inferred from the documents */
    uint32_t threads, batch, M, efc, efs;
    double k1, b;
    int have_k1, have_b, keep_stopwords, ignore_title;
    int quiet; /* no progress bar (--quiet, or --json) */
    const char *vector_plugin; /* --vector-plugin; NULL = vector-hnsw */
    VajraKeyValue vparams[CLI_MAX_VECTOR_PARAMS]; /* --vector-param key=value (split copies) */
    size_t n_vparams;
} CliBuildOptions;

enum {
    CLI_OPT_METRIC = 512, CLI_OPT_PROFILE, CLI_OPT_THREADS, CLI_OPT_SCORER, CLI_OPT_K1, CLI_OPT_B,
    CLI_OPT_LANGUAGE, CLI_OPT_KEEP_STOP, CLI_OPT_IGNORE_TITLE, CLI_OPT_BATCH, CLI_OPT_M,
    CLI_OPT_EFC, CLI_OPT_EFS, CLI_OPT_QUIET, CLI_OPT_ATTR_SCHEMA, CLI_OPT_VECTOR_PLUGIN,
    CLI_OPT_VECTOR_PARAM
};

/* getopt_long entries for the build options (put them first in a command's table). */
#define CLI_BUILD_LONGOPTS                                                                     \
    {"metric", required_argument, NULL, CLI_OPT_METRIC},                                       \
    {"profile", required_argument, NULL, CLI_OPT_PROFILE},                                     \
    {"threads", required_argument, NULL, CLI_OPT_THREADS},                                     \
    {"scorer", required_argument, NULL, CLI_OPT_SCORER},                                       \
    {"k1", required_argument, NULL, CLI_OPT_K1},                                               \
    {"b", required_argument, NULL, CLI_OPT_B},                                                 \
    {"language", required_argument, NULL, CLI_OPT_LANGUAGE},                                   \
    {"stemmer", required_argument, NULL, CLI_OPT_LANGUAGE},                                    \
    {"keep-stopwords", no_argument, NULL, CLI_OPT_KEEP_STOP},                                  \
    {"ignore-title", no_argument, NULL, CLI_OPT_IGNORE_TITLE},                                 \
    {"batch", required_argument, NULL, CLI_OPT_BATCH},                                         \
    {"M", required_argument, NULL, CLI_OPT_M},                                                 \
    {"ef-construction", required_argument, NULL, CLI_OPT_EFC},                                 \
    {"ef-search", required_argument, NULL, CLI_OPT_EFS},                                       \
    {"quiet", no_argument, NULL, CLI_OPT_QUIET},                                           \
    {"attr-schema", required_argument, NULL, CLI_OPT_ATTR_SCHEMA},                             \
    {"vector-plugin", required_argument, NULL, CLI_OPT_VECTOR_PLUGIN},                         \
    {"vector-param", required_argument, NULL, CLI_OPT_VECTOR_PARAM}

/* Help text for the build options. */
#define CLI_BUILD_HELP                                                                         \
    "  --metric ip|cosine|l2      vector metric (default ip)\n"                                \
    "  --vector-plugin NAME       the vector index (default vector-hnsw; vector-flat: exact\n"  \
    "                             search, best below ~20k vectors; docs/vector.md)\n"          \
    "  --vector-param KEY=VALUE   a parameter of the vector index (repeatable; e.g.\n"        \
    "                             storage=f16 for vector-flat, M=32 for vector-hnsw)\n"        \
    "  --profile quality|fast|instant   HNSW profile (default fast)\n"                         \
    "  --M N, --ef-construction N, --ef-search N   override the profile (HNSW)\n"             \
    "  --threads N                vector build threads (default: the available cores; the\n"  \
    "                             index is the same for any N)\n"                             \
    "  --scorer NAME              scorer plugin (default scorer-bm25; also scorer-bm25plus,\n" \
    "                             scorer-tfidf)\n"                                             \
    "  --k1 X, --b X              BM25 parameters (default: the scorer's, 1.2 and 0.75)\n"     \
    "  --language NAME            analyzer language (default english): a Snowball language\n"  \
    "                             (french, german, russian, greek, arabic, ...; or its ISO\n"   \
    "                             code), porter, none (no stemming), or chinese, japanese,\n"   \
    "                             korean, cjk (character bigrams); --stemmer is an alias\n"    \
    "  --keep-stopwords           do not drop the language's stopwords\n"                     \
    "  --ignore-title             index the text only\n"                                       \
    "  --batch N                  documents per batch (default 4096)\n"                       \
    "  --attr-schema SPEC         filterable attributes, e.g. \"lang:keyword, year:int\"\n"   \
    "                             (default: inferred from the documents' other fields;\n"    \
    "                             docs/filters.md)\n"                                         \
    "  -q, --quiet                no progress bar (drawn only on a terminal anyway); index\n"  \
    "                             also prints no summary: only errors\n"

void cli_build_defaults(CliBuildOptions *o);
/* The vector index the options build, for messages: "vector-hnsw, profile fast". */
void cli_build_vector_desc(const VajraCollection *c, char *buf, size_t size);
/* The build threads the options mean: --threads, else the cores this process may run on. */
uint32_t cli_build_threads(const CliBuildOptions *o);
/* Take one option from getopt: 1 = handled, 0 = not a build option, -1 = bad value (printed). */
int cli_build_option(const char *cmd, int ch, const char *arg, CliBuildOptions *o);
/* Create a collection and add every document (progress bar with ETA on a terminal unless
 * o->quiet), then commit.
 * *build_s receives the seconds spent adding and committing. Prints errors. */
int cli_build(const char *cmd, VajraRegistry *reg, const CliBuildOptions *o, const CliDocs *docs,
              const char *docs_path, VajraCollection **out, double *build_s);

/* The options of index (shared with vajra-mpi index): the build options plus these. */
typedef struct CliIndexArgs {
    CliBuildOptions build;
    const char *output, *vectors, *vector_field, *storage;
    uint32_t limit;
    int json;
} CliIndexArgs;

enum { CLI_OPT_I_VECTORS = 980, CLI_OPT_I_VECTOR_FIELD, CLI_OPT_I_STORAGE, CLI_OPT_I_JSON,
       CLI_OPT_I_LIMIT };

#define CLI_INDEX_LONGOPTS                                                                     \
    CLI_BUILD_LONGOPTS,                                                                        \
    {"output", required_argument, NULL, 'o'},                                                  \
    {"vectors", required_argument, NULL, CLI_OPT_I_VECTORS},                                   \
    {"vector-field", required_argument, NULL, CLI_OPT_I_VECTOR_FIELD},                         \
    {"limit", required_argument, NULL, CLI_OPT_I_LIMIT},                                       \
    {"storage", required_argument, NULL, CLI_OPT_I_STORAGE},                                   \
    {"json", no_argument, NULL, CLI_OPT_I_JSON}

void cli_index_args_defaults(CliIndexArgs *a);
/* Take one option from getopt: 1 handled, 0 not, -1 bad value (printed). */
int cli_index_option(const char *cmd, int ch, const char *arg, CliIndexArgs *a);

/* The query-side options of bench (cli_bench_args.c; shared with vajra-mpi bench). */
typedef struct CliBenchArgs {
    const char *queries_path, *qv_path, *mode_s, *storage;
    uint32_t k, depth, ef, repeat, maxq;
    int json;
    CliFusion fusion;
    CliMode mode; /* cli_bench_args_check */
} CliBenchArgs;

enum { CLI_OPT_B_QUERIES = 1000, CLI_OPT_B_QV, CLI_OPT_B_MODE, CLI_OPT_B_DEPTH, CLI_OPT_B_EF,
       CLI_OPT_B_REPEAT, CLI_OPT_B_MAXQ, CLI_OPT_B_STORAGE, CLI_OPT_B_JSON };

#define CLI_BENCH_LONGOPTS                                                                     \
    {"queries", required_argument, NULL, CLI_OPT_B_QUERIES},                                   \
    {"query-vectors", required_argument, NULL, CLI_OPT_B_QV},                                  \
    {"mode", required_argument, NULL, CLI_OPT_B_MODE},                                         \
    {"depth", required_argument, NULL, CLI_OPT_B_DEPTH},                                       \
    CLI_FUSION_LONGOPTS,                                                                       \
    {"ef", required_argument, NULL, CLI_OPT_B_EF},                                             \
    {"repeat", required_argument, NULL, CLI_OPT_B_REPEAT},                                     \
    {"max-queries", required_argument, NULL, CLI_OPT_B_MAXQ},                                  \
    {"storage", required_argument, NULL, CLI_OPT_B_STORAGE},                                   \
    {"json", no_argument, NULL, CLI_OPT_B_JSON}

void cli_bench_args_defaults(CliBenchArgs *a);
/* Take one option from getopt (-k and the long ones above): 1 handled, 0 not, -1 bad (printed). */
int cli_bench_option(const char *cmd, int ch, const char *arg, CliBenchArgs *a);
/* After getopt: the mode (from the inputs or --mode) and what it needs; depth default k.
 * Returns 0, or CLI_EXIT_USAGE after printing the error. */
int cli_bench_args_check(const char *cmd, CliBenchArgs *a);

#endif /* VAJRA_CLI_H */
