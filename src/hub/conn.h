/* Connections as the hub sees them: one record per client with its id, rate limit and
 * subscriptions; the manager that indexes them; and the send/close API the hub and the services
 * above it use to talk to a client. */
#ifndef PULSE_CONN_H
#define PULSE_CONN_H

#include <jansson.h>
#include <stdint.h>
#include <uthash.h>

#include "base/pbuf.h"
#include "hub/ratelimit.h"
#include "net/net.h"

#define CONN_ID_MAX 48

struct sub;

struct conn {
    struct net_conn nc;   /* the transport's part: first, so the net allocates the whole record */
    struct conn_mgr *mgr; /* the manager that indexes it (inside its hub) */
    char id[CONN_ID_MAX];

    struct ratelimit rl;
    struct sub *subs;
    unsigned nsubs;
    unsigned metrics_mask; /* metric groups this connection receives */
    uint64_t metrics_tick; /* the last tick that sent it a metrics frame */

    unsigned indexed : 1; /* in conn_mgr.by_id */
    UT_hash_handle hh;
};

/* The connection records' index. A per-user index (once connections carry a user) goes here,
 * beside the one by id. */
struct conn_mgr {
    struct conn *by_id;
    uint64_t next_serial;
    unsigned ws_count;     /* open WebSocket connections */
    unsigned total;        /* every connection, HTTP included */
    uint64_t messages_out; /* data frames queued to clients */
};

/* The connection record that embeds `nc`. */
static inline struct conn *conn_of(struct net_conn *nc)
{
    return (struct conn *)nc;
}

/* An empty manager. */
void conn_mgr_init(struct conn_mgr *m);

/* Gives `c` a fresh id and indexes it; `prefix` may be empty. */
void conn_mgr_add(struct conn_mgr *m, struct conn *c, const char *prefix);

/* Removes `c` from the index (idempotent). */
void conn_mgr_remove(struct conn_mgr *m, struct conn *c);

/* The connection with this id, or NULL. */
struct conn *conn_mgr_find(struct conn_mgr *m, const char *id);

/* Counts `c` as an open WebSocket (`delta` +1 on upgrade, -1 when it ends). */
void conn_mgr_ws_count(struct conn_mgr *m, int delta);

/* Calls fn for every connection; fn may close the one it is given. */
void conn_mgr_foreach(struct conn_mgr *m, void (*fn)(struct conn *, void *), void *arg);

/* Whether `c` is an open WebSocket. */
static inline int conn_is_ws(const struct conn *c)
{
    return c->nc.state == CS_WS;
}

/* Queues a framed message to a WebSocket connection (taking its own reference). */
void conn_send_frame(struct conn *c, struct pbuf *frame);

/* Queues a metrics frame; when an older one is still waiting in the queue it is replaced, so a
 * slow reader gets the newest sample rather than a backlog. */
void conn_send_coalesced(struct conn *c, struct pbuf *frame);

/* Serializes and queues a JSON value to one connection; returns 0 or -ENOMEM. */
int conn_send_json(struct conn *c, json_t *value);

/* Starts the closing handshake of a WebSocket connection with `code`. */
void conn_close_ws(struct conn *c, uint16_t code, const char *reason);

#endif
