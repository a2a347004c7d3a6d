/* libFuzzer target: arbitrary bytes, split at fuzzer-chosen points, into a WebSocket session.
 * Checks that the parser never reads or writes out of bounds, never leaks, and that every byte
 * it emits is a well-formed server control frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ws.h"

static size_t delivered;

static void on_message(void *user, int opcode, const uint8_t *msg, size_t len)
{
    (void)user;
    if (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY)
        abort();
    if (len > 4096)
        abort(); /* the session was created with a 4096-byte limit */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= msg[i];
    (void)sink;
    delivered++;
}

static void on_output(void *user, const uint8_t *data, size_t len)
{
    (void)user;
    /* Server control frames: FIN set, no mask, payload of at most 125 bytes. */
    if (len < 2 || !(data[0] & 0x80) || (data[0] & 0x0f) < 0x8 || (data[1] & 0x80) ||
        (size_t)(data[1] & 0x7f) + 2 != len || (data[1] & 0x7f) > 125)
        abort();
}

static const struct ws_handlers handlers = {on_message, on_output};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ws_session ws;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    ws_init(&ws, 4096, &handlers, NULL);
    /* The first byte chooses the read size, so frames straddle reads in every way. */
    size_t step = size ? (size_t)(copy[0] % 64) + 1 : 1;
    for (size_t off = size ? 1 : 0; off < size; off += step) {
        size_t n = size - off < step ? size - off : step;
        if (ws_feed(&ws, copy + off, n) == WS_CLOSED)
            break;
    }
    ws_free(&ws);
    free(copy);
    return 0;
}
