/* permessage-deflate (RFC 7692) on zlib, built for fan-out.
 *
 * The server always answers with server_no_context_takeover and client_no_context_takeover, so
 * no connection keeps zlib state between messages: one shared deflater compresses a broadcast
 * once and the same bytes go to every compressing subscriber, and one shared inflater takes
 * each client message whole (reset per message). Offers that ask for a server window smaller
 * than 15 bits are declined (the shared bytes are made with a 15-bit window); the next offer
 * in the header may be taken. */
#ifndef PULSE_DEFLATE_H
#define PULSE_DEFLATE_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "base/pbuf.h"

/* Messages shorter than this go out uncompressed (the saving would not pay for the work). */
#define PMD_MIN_SIZE 256

/* zlib level of the shared deflater: each frame is compressed once, whatever the fan-out. */
#define PMD_LEVEL 6

/* The extension's response header value is at most this long (NUL included). */
#define PMD_RESPONSE_MAX 128

struct pmd_deflater {
    z_stream z;
    int ready;
};

struct pmd_inflater {
    z_stream z;
    uint8_t *out; /* max + 1 bytes, allocated on first use */
    size_t max;
    int ready;
};

/* Picks the first acceptable permessage-deflate offer in a Sec-WebSocket-Extensions value and
 * writes the response value into resp (PMD_RESPONSE_MAX bytes): 1 accepted, 0 none. */
int pmd_negotiate(const char *offers, char *resp);

/* Sets up the shared deflater (zlib level 1..9); 0 or -ENOMEM. */
int pmd_deflater_init(struct pmd_deflater *d, int level);

/* Frees the deflater's zlib state. */
void pmd_deflater_free(struct pmd_deflater *d);

/* Compresses one whole message into a new final frame of `opcode` with RSV1 set (one
 * reference, PBUF_HEADROOM used), or NULL when it would not be smaller, or on error. */
struct pbuf *pmd_compress_frame(struct pmd_deflater *d, const uint8_t *msg, size_t len,
                                unsigned opcode);

/* The frame to send a compressing peer for an unmasked final data `frame`: its compressed twin,
 * made once and kept with the frame (so a broadcast is deflated once for all), or the frame
 * itself when it is short, a control frame, or does not shrink. No reference is taken. */
struct pbuf *pmd_shared_frame(struct pmd_deflater *d, struct pbuf *frame);

/* Sets up the shared inflater for messages of at most `max` inflated bytes; 0 or -ENOMEM. */
int pmd_inflater_init(struct pmd_inflater *in, size_t max);

/* Frees the inflater. */
void pmd_inflater_free(struct pmd_inflater *in);

/* Inflates one message (without its 00 00 ff ff tail): its length with *out pointing into the
 * inflater (valid until the next call), -EMSGSIZE as soon as it passes max (not inflated
 * further), -EINVAL for data that is not a complete DEFLATE message, -ENOMEM. */
long pmd_inflate(struct pmd_inflater *in, const uint8_t *data, size_t len, const uint8_t **out);

/* The most compressed bytes a message of at most `max` inflated bytes may take. */
static inline uint64_t pmd_compressed_max(uint64_t max)
{
    return max + max / 64 + 64; /* stored blocks cost 5 bytes per 64 KiB; generous */
}

#endif
