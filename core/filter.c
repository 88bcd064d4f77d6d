/* Vajra — document filter bitmaps (include/vajra/filter.h). */
#include "vajra/filter.h"

uint32_t vajra_filter_count(const uint64_t *words, uint32_t nbits)
{
    if (words == NULL || nbits == 0)
        return 0;
    uint32_t full = nbits / 64, n = 0;
    for (uint32_t i = 0; i < full; i++)
        n += (uint32_t)__builtin_popcountll(words[i]);
    if (nbits % 64)
        n += (uint32_t)__builtin_popcountll(words[full] & (((uint64_t)1 << (nbits % 64)) - 1));
    return n;
}
