/* An in-place sort for VajraHit arrays that never allocates.
 *
 * glibc's qsort is a merge sort that mallocs its buffer once the array passes 1 KiB (128 hits),
 * which put an allocation into every hybrid search at the default depth of 100 per side. The
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

#endif /* VAJRA_HIT_SORT_H */
