/* A connection's bounded outbound queue of shared frames, drained by gathered writes. */
#ifndef PULSE_OUTQ_H
#define PULSE_OUTQ_H

#include <stddef.h>
#include <sys/uio.h>

#include "base/pbuf.h"

struct outq {
    struct pbuf **items; /* ring of frames, each holding one reference */
    unsigned cap, head, count;
    size_t head_off; /* bytes of the head frame already written */
    size_t bytes;    /* bytes still to write */
};

/* An empty queue; it allocates on the first push. */
void outq_init(struct outq *q);

/* Appends a frame, taking a new reference to it; returns 0 or -ENOMEM. */
int outq_push(struct outq *q, struct pbuf *b);

/* Replaces the newest queued frame of `kind` with `b` (taking a reference, dropping the old
 * one's), leaving alone every frame that overlaps the first `busy` pending bytes (partly written
 * or handed to an in-flight write); returns 1 when it replaced one, else 0. */
int outq_replace(struct outq *q, uint32_t kind, struct pbuf *b, size_t busy);

/* Fills at most `max` iovecs with the pending bytes, in order; returns how many. */
unsigned outq_iov(const struct outq *q, struct iovec *iov, unsigned max);

/* Marks `n` bytes as written, releasing the frames that are complete. */
void outq_consume(struct outq *q, size_t n);

/* Releases every frame and the ring. */
void outq_clear(struct outq *q);

/* Whether a frame has been partly written (so nothing may be dropped or put before it). */
static inline int outq_partial(const struct outq *q)
{
    return q->head_off > 0;
}

#endif
