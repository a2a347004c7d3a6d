#include "net/outq.h"

#include <errno.h>
#include <stdlib.h>

void outq_init(struct outq *q)
{
    q->items = NULL;
    q->cap = q->head = q->count = 0;
    q->head_off = q->bytes = 0;
}

static int outq_grow(struct outq *q)
{
    unsigned cap = q->cap ? q->cap * 2 : 4;
    struct pbuf **items = malloc(sizeof(*items) * cap);
    if (!items)
        return -ENOMEM;
    for (unsigned i = 0; i < q->count; i++)
        items[i] = q->items[(q->head + i) % q->cap];
    free(q->items);
    q->items = items;
    q->cap = cap;
    q->head = 0;
    return 0;
}

int outq_push(struct outq *q, struct pbuf *b)
{
    int rc;
    if (q->count == q->cap && (rc = outq_grow(q)) < 0)
        return rc;
    q->items[(q->head + q->count) % q->cap] = pbuf_ref(b);
    q->count++;
    q->bytes += pbuf_len(b);
    return 0;
}

int outq_replace(struct outq *q, uint32_t kind, struct pbuf *b, size_t busy)
{
    /* Frames that start before this offset (from the head frame's first byte) are untouchable. */
    size_t fence = q->head_off + busy, at = 0;
    unsigned first = 0;
    for (; first < q->count && at < fence; first++)
        at += pbuf_len(q->items[(q->head + first) % q->cap]);
    for (unsigned i = q->count; i-- > first;) {
        struct pbuf **slot = &q->items[(q->head + i) % q->cap];
        if ((*slot)->kind != kind)
            continue;
        q->bytes = q->bytes - pbuf_len(*slot) + pbuf_len(b);
        pbuf_unref(*slot);
        *slot = pbuf_ref(b);
        return 1;
    }
    return 0;
}

unsigned outq_iov(const struct outq *q, struct iovec *iov, unsigned max)
{
    unsigned n = 0;
    for (; n < q->count && n < max; n++) {
        struct pbuf *b = q->items[(q->head + n) % q->cap];
        size_t skip = n == 0 ? q->head_off : 0;
        iov[n].iov_base = b->data + b->start + skip;
        iov[n].iov_len = pbuf_len(b) - skip;
    }
    return n;
}

void outq_consume(struct outq *q, size_t n)
{
    q->bytes -= n;
    while (n > 0 && q->count > 0) {
        struct pbuf *b = q->items[q->head];
        size_t left = pbuf_len(b) - q->head_off;
        if (n < left) {
            q->head_off += n;
            return;
        }
        n -= left;
        pbuf_unref(b);
        q->head = (q->head + 1) % q->cap;
        q->count--;
        q->head_off = 0;
    }
}

void outq_clear(struct outq *q)
{
    for (unsigned i = 0; i < q->count; i++)
        pbuf_unref(q->items[(q->head + i) % q->cap]);
    free(q->items);
    outq_init(q);
}
