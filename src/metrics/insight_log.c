#include "metrics/insight_log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct pulse_insight_log {
    size_t cap, head, count; /* head is the next write position */
    pulse_insight *items;
};

int pulse_insight_log_new(size_t cap, pulse_insight_log **out)
{
    if (!out || cap == 0)
        return -EINVAL;
    *out = NULL;
    pulse_insight_log *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->items = calloc(cap, sizeof(*l->items));
    if (!l->items) {
        free(l);
        return -ENOMEM;
    }
    l->cap = cap;
    *out = l;
    return 0;
}

void pulse_insight_log_free(pulse_insight_log *l)
{
    if (!l)
        return;
    free(l->items);
    free(l);
}

/* The i-th oldest insight held. */
static const pulse_insight *item(const pulse_insight_log *l, size_t i)
{
    return &l->items[(l->head + l->cap - l->count + i) % l->cap];
}

size_t pulse_insight_log_count(const pulse_insight_log *l)
{
    return l ? l->count : 0;
}

uint64_t pulse_insight_log_last_seq(const pulse_insight_log *l)
{
    return l && l->count ? item(l, l->count - 1)->seq : 0;
}

int pulse_insight_log_add(pulse_insight_log *l, const pulse_insight *in)
{
    if (!l || !in || in->seq <= pulse_insight_log_last_seq(l))
        return -EINVAL;
    l->items[l->head] = *in;
    l->head = (l->head + 1) % l->cap;
    if (l->count < l->cap)
        l->count++;
    return 0;
}

size_t pulse_insight_log_select(const pulse_insight_log *l, int64_t from_ms, int64_t to_ms,
                                size_t limit, const pulse_insight **out)
{
    size_t n = 0;
    if (!l || !out)
        return 0;
    /* Newest first until the limit, then reversed into time order. */
    for (size_t i = l->count; i-- > 0 && n < limit;) {
        const pulse_insight *in = item(l, i);
        if (in->ts_ms > from_ms && in->ts_ms <= to_ms)
            out[n++] = in;
    }
    for (size_t i = 0; i < n / 2; i++) {
        const pulse_insight *t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
    return n;
}

static bool resolved_later(const pulse_insight_log *l, size_t i)
{
    uint64_t seq = item(l, i)->seq;
    for (size_t j = i + 1; j < l->count; j++)
        if (!item(l, j)->active && item(l, j)->resolves == seq)
            return true;
    return false;
}

size_t pulse_insight_log_unresolved(const pulse_insight_log *l, pulse_insight *out, size_t cap)
{
    size_t n = 0;
    if (!l || (cap && !out))
        return 0;
    for (size_t i = 0; i < l->count && n < cap; i++)
        if (item(l, i)->active && !resolved_later(l, i))
            out[n++] = *item(l, i);
    return n;
}
