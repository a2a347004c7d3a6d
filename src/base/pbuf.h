/* Reference-counted byte buffers: one serialized frame shared by every recipient's queue. */
#ifndef PULSE_PBUF_H
#define PULSE_PBUF_H

#include <stddef.h>
#include <stdint.h>

/* Room kept in front of the payload for the largest server WebSocket header (2 + 8 bytes). */
#define PBUF_HEADROOM 10

enum { PBUF_PLAIN, PBUF_COALESCE };

struct pbuf {
    uint32_t refs;
    uint32_t start; /* offset of the first byte to send */
    uint32_t end;   /* offset one past the last byte */
    uint32_t cap;
    uint32_t kind;       /* PBUF_PLAIN, or PBUF_COALESCE for a frame a newer one may replace */
    uint32_t twin_tried; /* a compressed twin was attempted (twin NULL: not worth it) */
    struct pbuf *twin;   /* this frame compressed (permessage-deflate), made once, or NULL */
    uint8_t data[];
};

/* A new buffer with one reference, `headroom` bytes reserved in front, room for `cap` more. */
struct pbuf *pbuf_new(size_t cap, size_t headroom);

/* Appends bytes, growing the buffer (which may move it); returns 0 or -ENOMEM. */
int pbuf_append(struct pbuf **b, const void *data, size_t len);

/* Takes one more reference. */
struct pbuf *pbuf_ref(struct pbuf *b);

/* Drops one reference, freeing the buffer with the last. */
void pbuf_unref(struct pbuf *b);

/* Number of bytes to send. */
static inline size_t pbuf_len(const struct pbuf *b)
{
    return b->end - b->start;
}

/* Turns the payload into a final unmasked WebSocket frame of `opcode` by writing its header
 * into the headroom. */
void pbuf_frame(struct pbuf *b, unsigned opcode);

#endif
