/* Connection manager: one record per client socket, with ids, metadata, lookups and counters. */
#ifndef PULSE_CONN_H
#define PULSE_CONN_H

#include <stdint.h>
#include <uthash.h>
#include <uv.h>

#include "base/log.h"
#include "net/http.h"
#include "net/outq.h"
#include "hub/ratelimit.h"
#include "net/ws.h"

#define CONN_ID_MAX 48
#define CONN_USER_MAX 64

enum conn_state {
    CS_HTTP,    /* reading HTTP requests */
    CS_WS,      /* an open WebSocket */
    CS_DRAIN,   /* last bytes queued (Close frame or final response): flush, then shut down */
    CS_SHUT,    /* write side shut down: waiting for the peer's EOF */
    CS_CLOSING, /* uv_close called; freed in its callback */
};

struct sub;
struct pulse_server;
struct http_stash;

struct conn {
    uv_tcp_t tcp;
    struct pulse_server *srv;
    enum conn_state state;
    char id[CONN_ID_MAX];
    char user[CONN_USER_MAX]; /* empty in open mode */
    char remote[64];
    uint64_t connected_at_ms; /* wall clock */
    uint64_t last_rx;         /* loop clock, ms */
    uint64_t deadline;        /* loop clock: when a draining connection is dropped */
    uint64_t head_deadline;   /* loop clock: when a request begun must be complete, or 0 */
    uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
    int http_status; /* HTTP: the status of the last response queued */

    struct http_in *http;  /* only while reading HTTP */
    struct ws_session ws;  /* zeroed until the upgrade */
    unsigned upgraded : 1; /* counted as an open WebSocket */

    struct outq q;
    uv_write_t wreq;
    size_t writing; /* bytes handed to an in-flight uv_write, 0 when none */
    struct conn *dirty_next;
    unsigned dirty : 1;
    unsigned slow : 1;   /* outbound queue overflowed: close as a slow consumer */
    unsigned broken : 1; /* a write failed: close */
    unsigned paused : 1; /* HTTP: not read while an answer waits for the socket */
    unsigned indexed : 1;
    struct http_stash *stash; /* HTTP: pipelined requests read but not yet answered, or NULL */

    struct ratelimit rl;
    struct sub *subs;
    unsigned nsubs;
    unsigned metrics_mask; /* metric groups this connection receives */
    uint64_t metrics_tick; /* the last tick that sent it a metrics frame */

    UT_hash_handle hh; /* in conn_mgr.by_id */
};

struct conn_mgr {
    struct conn *by_id;
    uint64_t next_serial;
    unsigned ws_count; /* open WebSocket connections */
    unsigned total;    /* every connection, HTTP included */
};

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

/* Logs the access line of a WebSocket that ends (remote, user, duration, traffic, close code). */
void conn_log_ws_closed(const struct conn *c, const struct logger *lg, uint64_t now_ms);

/* Logs, at debug level, the access line of one HTTP request answered on `c`. */
void conn_log_http(const struct conn *c, const struct logger *lg, const char *method,
                   const char *path);

/* Calls fn for every connection; fn may close the one it is given. */
void conn_mgr_foreach(struct conn_mgr *m, void (*fn)(struct conn *, void *), void *arg);

#endif
