/* Incremental UTF-8 validation (RFC 3629): fail-fast, and resumable across fragments. */
#ifndef PULSE_UTF8_H
#define PULSE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 0 at a character boundary; otherwise the bytes still expected and the next byte's range. */
typedef uint32_t utf8_state;

/* Validates more bytes: 0 when they are valid so far (perhaps ending inside a character), -1
 * as soon as a byte makes the text invalid. */
int utf8_feed(utf8_state *st, const uint8_t *p, size_t n);

/* Whether the text validated so far ended on a character boundary. */
static inline int utf8_complete(utf8_state st)
{
    return st == 0;
}

#endif
