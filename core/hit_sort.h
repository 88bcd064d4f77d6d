/* An in-place sort for VajraHit arrays that never allocates.
 *
 * glibc's qsort is a merge sort that mallocs its buffer once the array passes 1 KiB (128 hits),
 * which put an allocation into every hybrid search at the then default depth of 100 per side. The
 * searchers' budget has no room for malloc, so hits are sorted here instead: insertion sort for
 * short runs, heapsort above (O(n log n) worst case, no recursion, no buffer). Not stable: every
 * order used with it is total on the hits it sorts (ties are broken by document), so the result
 * is the same as any correct sort's. Internal to the core.
 */
#ifndef VAJRA_HIT_SORT_H
#define VAJRA_HIT_SORT_H

#include <stddef.h>

#include "vajra/types.h"

/* Nonzero when a must come before b. */
typedef int (*vajra_hit_before_fn)(const VajraHit *a, const VajraHit *b);

/* The canonical order (score descending, then document ascending): vajra_hit_compare(a, b) < 0,
 * written out here so the sorts inline it (the exported function is called through the PLT). */
static inline int vajra_hit_canonical_before(const VajraHit *a, const VajraHit *b)
{
    if (a->score > b->score)
        return 1;
    if (a->score < b->score)
        return 0;
    return a->doc < b->doc;
}

static inline void vajra_hit_sift_down(VajraHit *h, size_t root, size_t n,
                                       vajra_hit_before_fn before)
{
    VajraHit v = h[root];
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            break;
        /* A max-heap under `before`: the element that comes last is at the root. */
        if (child + 1 < n && before(&h[child], &h[child + 1]))
            child++;
        if (!before(&v, &h[child]))
            break;
        h[root] = h[child];
        root = child;
    }
    h[root] = v;
}

static inline void vajra_hit_sort(VajraHit *h, size_t n, vajra_hit_before_fn before)
{
    /* Hits usually arrive in order already (one segment's top k, best first): one pass proves
     * it, where heapsort would take its O(n log n) compares to rebuild the same array. */
    size_t sorted = 1;
    while (sorted < n && !before(&h[sorted], &h[sorted - 1]))
        sorted++;
    if (sorted >= n)
        return;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            VajraHit v = h[i];
            size_t j = i;
            for (; j > 0 && before(&v, &h[j - 1]); j--)
                h[j] = h[j - 1];
            h[j] = v;
        }
        return;
    }
    for (size_t i = n / 2; i-- > 0;)
        vajra_hit_sift_down(h, i, n, before);
    for (size_t end = n - 1; end > 0; end--) {
        VajraHit t = h[0];
        h[0] = h[end];
        h[end] = t;
        vajra_hit_sift_down(h, 0, end, before);
    }
}

/* Put the first k of h[0..n) under `before` into h[0..k), in order (the rest of the array is left
 * in no particular order): a bounded heap of the best k so far, O(n log k), then heapsort of the
 * k. With a total order this equals sorting everything and keeping k. */
static inline void vajra_hit_top(VajraHit *h, size_t n, size_t k, vajra_hit_before_fn before)
{
    if (k >= n) {
        vajra_hit_sort(h, n, before);
        return;
    }
    if (k == 0)
        return;
    for (size_t i = k / 2; i-- > 0;) /* a max-heap under `before`: the worst kept at h[0] */
        vajra_hit_sift_down(h, i, k, before);
    for (size_t i = k; i < n; i++)
        if (before(&h[i], &h[0])) {
            VajraHit t = h[0];
            h[0] = h[i];
            h[i] = t;
            vajra_hit_sift_down(h, 0, k, before);
        }
    vajra_hit_sort(h, k, before);
}

#endif /* VAJRA_HIT_SORT_H */
