#include "net/utf8.h"

#include <string.h>

/* The state packs: bits 16-17 the continuation bytes still needed, bits 8-15 the lowest and
 * bits 0-7 the highest value allowed for the next byte (which is narrower than 80..BF right
 * after E0, ED, F0 and F4, to refuse overlong forms, surrogates and values above U+10FFFF). */
#define ST(need, lo, hi) ((uint32_t)(need) << 16 | (uint32_t)(lo) << 8 | (uint32_t)(hi))

static utf8_state lead(uint8_t b)
{
    if (b >= 0xc2 && b <= 0xdf)
        return ST(1, 0x80, 0xbf);
    if (b == 0xe0)
        return ST(2, 0xa0, 0xbf);
    if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef)
        return ST(2, 0x80, 0xbf);
    if (b == 0xed)
        return ST(2, 0x80, 0x9f);
    if (b == 0xf0)
        return ST(3, 0x90, 0xbf);
    if (b >= 0xf1 && b <= 0xf3)
        return ST(3, 0x80, 0xbf);
    if (b == 0xf4)
        return ST(3, 0x80, 0x8f);
    return UINT32_MAX; /* 80..C1 and F5..FF never start a character */
}

int utf8_feed(utf8_state *st, const uint8_t *p, size_t n)
{
    utf8_state s = *st;
    size_t i = 0;
    while (i < n) {
        if (s == 0) {
            /* ASCII runs, eight bytes at a time. */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ull)
                    break;
                i += 8;
            }
            if (i == n)
                break;
            if (p[i] < 0x80) {
                i++;
                continue;
            }
            s = lead(p[i++]);
            if (s == UINT32_MAX)
                return -1;
            continue;
        }
        uint8_t b = p[i++], lo = (uint8_t)(s >> 8), hi = (uint8_t)s;
        if (b < lo || b > hi)
            return -1;
        uint32_t need = (s >> 16) - 1;
        s = need ? ST(need, 0x80, 0xbf) : 0;
    }
    *st = s;
    return 0;
}
