/* libFuzzer target: arbitrary bytes as a client's compressed message into the bounded inflater.
 * Checks that it never reads or writes out of bounds or leaks, never returns more than the
 * limit, never inflates much past it, and stays usable after bad data. */
#include <stdint.h>
#include <stdlib.h>

#include "net/deflate.h"

#define LIMIT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pmd_inflater inf;
    const uint8_t *out = NULL;
    if (pmd_inflater_init(&inf, LIMIT) < 0)
        return 0;
    long n = pmd_inflate(&inf, data, size, &out);
    if (n > LIMIT || inf.z.total_out > LIMIT + 1)
        abort();
    volatile uint8_t sink = 0;
    for (long i = 0; i < n; i++)
        sink ^= out[i];
    (void)sink;
    /* Once more, so a reset after any outcome is exercised. */
    static const uint8_t empty[] = {0x00};
    if (pmd_inflate(&inf, empty, 1, &out) != 0)
        abort();
    pmd_inflater_free(&inf);
    return 0;
}
