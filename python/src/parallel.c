/* A pool of per-thread scratch objects, and a parallel loop over C threads (no GIL). */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

#define POOL_MAX 64

void pyv_pool_init(PyvPool *p)
{
    pthread_mutex_init(&p->lock, NULL);
    p->items = NULL;
    p->count = p->capacity = 0;
}

void *pyv_pool_take(PyvPool *p)
{
    void *item = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->count > 0)
        item = p->items[--p->count];
    pthread_mutex_unlock(&p->lock);
    return item;
}

void pyv_pool_give(PyvPool *p, void *item, void (*free_fn)(void *))
{
    if (item == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    if (p->count == p->capacity && p->capacity < POOL_MAX) {
        size_t cap = p->capacity ? p->capacity * 2 : 4;
        void **grown = realloc(p->items, cap * sizeof *grown);
        if (grown != NULL) {
            p->items = grown;
            p->capacity = cap;
        }
    }
    int kept = p->count < p->capacity;
    if (kept)
        p->items[p->count++] = item;
    pthread_mutex_unlock(&p->lock);
    if (!kept)
        free_fn(item);
}

void pyv_pool_destroy(PyvPool *p, void (*free_fn)(void *))
{
    for (size_t i = 0; i < p->count; i++)
        free_fn(p->items[i]);
    free(p->items);
    p->items = NULL;
    p->count = p->capacity = 0;
    pthread_mutex_destroy(&p->lock);
}

static unsigned cpus; /* set once at import (pyv_cpu_count_init), read afterwards */

void pyv_cpu_count_init(void)
{
    cpu_set_t set;
    cpus = sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0
               ? (unsigned)CPU_COUNT(&set)
               : 1;
}

unsigned pyv_cpu_count(void)
{
    return cpus ? cpus : 1;
}

int pyv_threads_arg(PyObject *obj, unsigned *out)
{
    uint32_t t = 0;
    if (pyv_opt_u32(obj, "threads", 0, 1, &t) < 0)
        return -1;
    *out = t == 0 ? pyv_cpu_count() : t > 1024 ? 1024 : t;
    return 0;
}

typedef struct Loop {
    const PyvWork *work;
    size_t n;
    atomic_size_t next;
    atomic_int stop;
    pthread_mutex_t lock; /* guards the first error */
    size_t failed_at;
    VajraError err;
} Loop;

static void record(Loop *l, size_t i, const VajraError *e)
{
    pthread_mutex_lock(&l->lock);
    if (i < l->failed_at) {
        l->failed_at = i;
        l->err = *e;
    }
    pthread_mutex_unlock(&l->lock);
    atomic_store(&l->stop, 1);
}

static void *loop_thread(void *arg)
{
    Loop *l = arg;
    VajraError e = {0};
    void *worker = NULL;
    if (l->work->worker_get(l->work->ctx, &worker, &e) != VAJRA_OK) {
        record(l, 0, &e); /* no query ran: report it as the first */
        return NULL;
    }
    while (!atomic_load_explicit(&l->stop, memory_order_relaxed)) {
        size_t i = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
        if (i >= l->n)
            break;
        if (l->work->task(l->work->ctx, worker, i, &e) != VAJRA_OK) {
            record(l, i, &e);
            break;
        }
    }
    l->work->worker_put(l->work->ctx, worker);
    return NULL;
}

vajra_status pyv_parallel_for(const PyvWork *work, size_t n, unsigned threads, size_t *failed_at,
                              VajraError *err)
{
    Loop l = {.work = work, .n = n, .failed_at = SIZE_MAX};
    atomic_init(&l.next, 0);
    atomic_init(&l.stop, 0);
    pthread_mutex_init(&l.lock, NULL);
    if (threads > n)
        threads = (unsigned)n;
    if (threads == 0)
        threads = 1;
    pthread_t *tids = threads > 1 ? calloc(threads - 1, sizeof *tids) : NULL;
    unsigned started = 0;
    for (unsigned t = 0; tids != NULL && t + 1 < threads; t++) {
        if (pthread_create(&tids[t], NULL, loop_thread, &l) != 0)
            break; /* run with fewer threads */
        started++;
    }
    loop_thread(&l);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
    pthread_mutex_destroy(&l.lock);
    if (l.failed_at != SIZE_MAX) {
        if (failed_at != NULL)
            *failed_at = l.failed_at;
        if (err != NULL)
            *err = l.err;
        return l.err.code ? l.err.code : VAJRA_ERR_INTERNAL;
    }
    return VAJRA_OK;
}
