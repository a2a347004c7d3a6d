/* libFuzzer target: arbitrary bytes as a Sec-WebSocket-Extensions value into the
 * permessage-deflate negotiation. Checks bounds, and that an accepted offer yields an answer
 * that is itself a valid offer the server would accept again, unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/deflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char resp[PMD_RESPONSE_MAX], again[PMD_RESPONSE_MAX];
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int ok = pmd_negotiate(s, resp);
    if (ok && (strncmp(resp, "permessage-deflate; server_no_context_takeover", 46) != 0 ||
               pmd_negotiate(resp, again) != 1 || strcmp(resp, again) != 0))
        abort();
    if (!ok && resp[0] != '\0')
        abort();
    free(s);
    return 0;
}
