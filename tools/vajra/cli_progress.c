/* A progress bar with elapsed time and ETA on stderr — only when stderr is a terminal and the
 * command was not asked for machine output (--quiet, --json): pipes and logs stay clean. */
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_progress_start(CliProgress *p, const char *label, uint64_t total, int quiet)
{
    memset(p, 0, sizeof *p);
    p->enabled = !quiet && total > 0 && isatty(STDERR_FILENO);
    p->label = label;
    p->total = total;
    p->last_percent = -1;
    p->t0 = cli_now();
    cli_progress_update(p, 0);
}

/* "12.3 s", "4 min 05 s", "1 h 02 min". */
static void format_duration(char *buf, size_t n, double s)
{
    if (s < 60)
        snprintf(buf, n, "%.1f s", s);
    else if (s < 3600)
        snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, n, "%d h %02d min", (int)(s / 3600), ((int)s % 3600) / 60);
}

void cli_progress_update(CliProgress *p, uint64_t done)
{
    if (!p->enabled)
        return;
    if (done > p->total)
        done = p->total;
    double now = cli_now(), elapsed = now - p->t0;
    int percent = (int)(done * 100 / p->total);
    /* Redraw when the percentage moves or every half second (the ETA and clock tick). */
    if (percent == p->last_percent && now - p->last_draw < 0.5)
        return;
    p->last_percent = percent;
    p->last_draw = now;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1], el[32], eta[48] = "";
    int fill = percent * WIDTH / 100;
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    format_duration(el, sizeof el, elapsed);
    if (done > 0 && done < p->total && elapsed > 0.2) {
        char left[32];
        format_duration(left, sizeof left, elapsed * (double)(p->total - done) / (double)done);
        snprintf(eta, sizeof eta, ", ETA %s", left);
    }
    /* \033[K clears what a longer previous line left behind. */
    fprintf(stderr, "\r%s [%s] %3d%% (%llu/%llu) %s%s\033[K", p->label, bar, percent,
            (unsigned long long)done, (unsigned long long)p->total, el, eta);
    fflush(stderr);
}

void cli_progress_end(CliProgress *p)
{
    if (!p->enabled)
        return;
    p->last_draw = 0;
    p->last_percent = -1;
    cli_progress_update(p, p->total);
    fputc('\n', stderr);
    p->enabled = 0;
}

void cli_progress_abort(CliProgress *p)
{
    if (p->enabled)
        fputc('\n', stderr);
    p->enabled = 0;
}
