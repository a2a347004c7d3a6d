/* The message envelope that nodes exchange over Redis pub/sub: a kind, the origin node, one
 * argument (channel or recipient) and the payload (the client frame's JSON, ready to send).
 * Wire form: "P1" KIND LEN ":" ORIGIN LEN ":" ARG PAYLOAD, LEN in decimal; binary-safe, and the
 * payload is never re-escaped. Pure: no I/O. */
#ifndef PULSE_ENVELOPE_H
#define PULSE_ENVELOPE_H

#include <stddef.h>

#define ENVELOPE_ORIGIN_MAX 63 /* a node name */
#define ENVELOPE_ARG_MAX 1024  /* a channel name or a direct recipient */

enum envelope_kind {
    ENV_PUBLISH = 'p', /* arg: channel; payload: the "message" frame */
    ENV_DIRECT = 'd',  /* arg: user or connection id; payload: the "direct" frame */
    ENV_INSIGHT = 'i', /* arg: empty; payload: the "insight" frame */
    ENV_METRICS = 'm', /* arg: empty; payload: the whole metrics frame with "host" */
};

struct envelope {
    enum envelope_kind kind;
    const char *origin;
    size_t origin_len;
    const char *arg;
    size_t arg_len;
    const char *payload;
    size_t payload_len;
};

/* Bytes envelope_encode needs for `e`. */
size_t envelope_size(const struct envelope *e);

/* Writes `e` into buf (cap >= envelope_size(e)); returns the length, or -EINVAL for an unknown
 * kind, an origin of 0 or more than ENVELOPE_ORIGIN_MAX bytes, an argument over
 * ENVELOPE_ARG_MAX, or too small a buffer. */
long envelope_encode(const struct envelope *e, char *buf, size_t cap);

/* Parses data[0..len) into *out, whose pointers then point into data: 0 or -EINVAL. */
int envelope_decode(const char *data, size_t len, struct envelope *out);

#endif
