/* Broadcast service: channel names, the channel → subscribers index, and fan-out. */
#ifndef PULSE_BROADCAST_H
#define PULSE_BROADCAST_H

#include <jansson.h>
#include <uthash.h>

#include "base/pbuf.h"
#include "hub/channels.h"
#include "hub/conn.h"

#define CHANNEL_NAME_MAX 64
#define BC_MAX_SUBS_PER_CONN 256

/* A metrics channel's subscription brings its PULSE_GROUP_* bits (hub/channels.h). */

enum channel_kind {
    CH_INVALID,  /* not [A-Za-z0-9_.:-]{1,64} */
    CH_FREE,     /* a pub/sub channel */
    CH_METRICS,  /* metrics or metrics.GROUP */
    CH_INSIGHTS, /* insights */
    CH_RESERVED, /* begins with metrics or insights but is not one of the above */
};

struct sub {
    struct channel *ch;
    struct conn *c;
    struct sub *ch_prev, *ch_next; /* in the channel's list */
    struct sub *c_next;            /* in the connection's list */
};

struct channel {
    char name[CHANNEL_NAME_MAX + 1];
    struct sub *head;
    unsigned count;
    unsigned metrics_mask; /* groups a subscription to this channel brings */
    UT_hash_handle hh;
};

struct broadcast {
    struct channel *channels;
    unsigned nchannels;
};

/* An empty index. */
void bc_init(struct broadcast *bc);

/* Frees every channel and subscription. */
void bc_free(struct broadcast *bc);

/* Classifies a channel name; for CH_METRICS `*mask` gets its groups. */
enum channel_kind bc_channel_kind(const char *name, unsigned *mask);

/* Subscribes `c` to `name` (already classified as subscribable): 0, 1 when it already was,
 * -E2BIG past BC_MAX_SUBS_PER_CONN, -ENOMEM. Updates c->metrics_mask. */
int bc_subscribe(struct broadcast *bc, struct conn *c, const char *name);

/* Unsubscribes `c` from `name`: 0, or 1 when it was not subscribed. */
int bc_unsubscribe(struct broadcast *bc, struct conn *c, const char *name);

/* Drops every subscription of `c` (on disconnect). */
void bc_unsubscribe_all(struct broadcast *bc, struct conn *c);

/* The channel called `name`, or NULL when nobody is subscribed to it. */
struct channel *bc_find(struct broadcast *bc, const char *name);

/* Calls deliver(c, frame, arg) for every subscriber of `name`; returns how many. */
unsigned bc_publish(struct broadcast *bc, const char *name, struct pbuf *frame,
                    void (*deliver)(struct conn *, struct pbuf *, void *), void *arg);

/* Queues `frame` to every subscriber of `name` (one shared buffer); returns how many. */
unsigned bc_send(struct broadcast *bc, const char *name, struct pbuf *frame);

/* {channel: subscribers} for every channel with at least one subscriber. */
json_t *bc_stats(const struct broadcast *bc);

#endif
