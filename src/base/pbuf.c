#include "base/pbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pbuf *pbuf_new(size_t cap, size_t headroom)
{
    if (cap + headroom > UINT32_MAX / 2)
        return NULL;
    struct pbuf *b = malloc(sizeof(*b) + headroom + cap);
    if (!b)
        return NULL;
    b->refs = 1;
    b->kind = PBUF_PLAIN;
    b->twin_tried = 0;
    b->twin = NULL;
    b->start = b->end = (uint32_t)headroom;
    b->cap = (uint32_t)(headroom + cap);
    return b;
}

int pbuf_append(struct pbuf **bp, const void *data, size_t len)
{
    struct pbuf *b = *bp;
    if (len > b->cap - b->end) {
        size_t need = (size_t)b->end + len, cap = (size_t)b->cap * 2;
        if (need > UINT32_MAX / 2)
            return -ENOMEM;
        if (cap < need)
            cap = need;
        b = realloc(b, sizeof(*b) + cap);
        if (!b)
            return -ENOMEM;
        b->cap = (uint32_t)cap;
        *bp = b;
    }
    memcpy(b->data + b->end, data, len);
    b->end += (uint32_t)len;
    return 0;
}

struct pbuf *pbuf_ref(struct pbuf *b)
{
    b->refs++;
    return b;
}

void pbuf_unref(struct pbuf *b)
{
    if (b && --b->refs == 0) {
        pbuf_unref(b->twin);
        free(b);
    }
}

void pbuf_frame(struct pbuf *b, unsigned opcode)
{
    uint64_t len = pbuf_len(b);
    uint8_t hdr[PBUF_HEADROOM];
    size_t n = 0;
    hdr[n++] = (uint8_t)(0x80 | (opcode & 0x0f));
    if (len < 126) {
        hdr[n++] = (uint8_t)len;
    } else if (len <= 0xffff) {
        hdr[n++] = 126;
        hdr[n++] = (uint8_t)(len >> 8);
        hdr[n++] = (uint8_t)len;
    } else {
        hdr[n++] = 127;
        for (int i = 7; i >= 0; i--)
            hdr[n++] = (uint8_t)(len >> (8 * i));
    }
    b->start -= (uint32_t)n;
    memcpy(b->data + b->start, hdr, n);
}
