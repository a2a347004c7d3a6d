/* The net layer: the listener, each connection's stream with its HTTP reader, WebSocket session
 * and corked write path, and the timers that end idle, silent and stuck connections. It knows
 * nothing of what is said over HTTP or WebSocket: it reaches the layers above only through the
 * hook table given to net_start. */
#ifndef PULSE_NET_H
#define PULSE_NET_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/log.h"
#include "base/pbuf.h"
#include "net/deflate.h"
#include "net/http.h"
#include "net/outq.h"
#include "net/stream_tcp.h"
#include "net/tls.h"
#include "net/tls_reload.h"
#include "net/ws.h"

enum conn_state {
    CS_HTTP,    /* reading HTTP requests */
    CS_WS,      /* an open WebSocket */
    CS_DRAIN,   /* last bytes queued (Close frame or final response): flush, then shut down */
    CS_SHUT,    /* write side shut down: waiting for the peer's EOF */
    CS_CLOSING, /* the stream is closing; freed in its callback */
};

struct net;
struct http_stash;

/* One client connection as the transport sees it. The layers above embed it as the first member
 * of their own connection record (hooks.conn_size bytes are allocated per connection). */
struct net_conn {
    struct net *net;
    /* What carries the bytes: &tcp.base today; a TLS stream wrapping tcp would go here. */
    struct stream *stream;
    struct tcp_stream tcp;
    enum conn_state state;
    char remote[64];        /* the peer's address:port */
    const char *name;       /* in log lines: set by the layer above (its id), else remote */
    uint64_t last_rx;       /* loop clock, ms */
    uint64_t deadline;      /* loop clock: when a draining or paused connection is dropped */
    uint64_t head_deadline; /* loop clock: when a request begun must be complete, or 0 */

    struct http_in *http;     /* only while reading HTTP */
    struct http_stash *stash; /* HTTP: pipelined requests read but not yet answered, or NULL */
    struct ws_session ws;     /* zeroed until the upgrade */

    struct outq q;
    size_t writing; /* bytes handed to an in-flight stream write, 0 when none */
    struct net_conn *dirty_next;
    struct net_conn *prev, *next; /* every connection of the net */
    uint64_t opened_ms;           /* loop clock at accept: the access line's duration */
    uint64_t bytes_in, bytes_out; /* this connection's traffic, for its access line */
    uint64_t msgs_in, msgs_out;   /* WebSocket data messages received and queued */
    int http_status;              /* HTTP: the status of the last response queued */
    unsigned upgraded : 1;        /* became a WebSocket */
    unsigned dirty : 1;
    unsigned slow : 1;    /* outbound queue overflowed: close as a slow consumer */
    unsigned broken : 1;  /* a write failed: close */
    unsigned paused : 1;  /* HTTP: not read while an answer waits for the socket */
    unsigned refused : 1; /* over max_http_conns: answered 503 and closed, not counted */
};

/* How the transport calls up. Every hook is required; `nc` is the embedded record. */
struct net_hooks {
    size_t conn_size; /* bytes per connection record, struct net_conn first */
    /* A connection was accepted (before its first byte is read). */
    void (*on_open)(struct net_conn *nc);
    /* One complete HTTP request: answer it (net/http_reply.h) or upgrade it (net_upgrade). */
    void (*on_http_request)(struct net_conn *nc, const struct http_req *req);
    /* The 101 is queued: the connection is an open WebSocket. */
    void (*on_ws_open)(struct net_conn *nc);
    /* One complete data message (text already checked as UTF-8). */
    void (*on_ws_message)(struct net_conn *nc, int opcode, const char *data, size_t len);
    /* The connection is closing: forget it (it is freed after this iteration). */
    void (*on_close)(struct net_conn *nc);
    /* A graceful stop finished: every connection and handle of the net is closed. */
    void (*on_stop)(struct net *net);
    /* The user the connection belongs to, for its access line; NULL when none (may be NULL). */
    const char *(*conn_user)(const struct net_conn *nc);
};

struct net_limits {
    const char *host;
    long port;
    size_t max_message_bytes;     /* largest WebSocket message accepted */
    size_t max_queue_bytes;       /* per connection's outbound queue */
    size_t max_total_queue_bytes; /* all outbound queues together */
    uint64_t heartbeat_ms;        /* ping interval; 0 turns pings and the silence check off */
    size_t max_http_conns;        /* connections not (yet) WebSockets; past it: 503; 0 = none */
    int compression;              /* permessage-deflate offers are accepted */
    const char *tls_cert;         /* PEM certificate chain and key: the port speaks only TLS */
    const char *tls_key;          /* (both NULL or "" for plain TCP) */
};

struct net_counters {
    uint64_t bytes_out;   /* bytes written to sockets */
    uint64_t dropped;     /* frames discarded: replaced by newer ones, or queued to slow readers */
    uint64_t slow_closes; /* connections closed for an overflowing queue */
};

struct net {
    uv_loop_t *loop;
    const struct logger *log;
    const struct net_hooks *hooks;
    void *user; /* for the hooks: the owner of this net */
    struct net_limits lim;
    struct net_counters counters;
    uv_tcp_t listener;
    uv_check_t flusher;       /* writes every dirty connection once per loop iteration */
    uv_idle_t resumer;        /* answers the HTTP requests put off to the next iteration */
    uv_timer_t heartbeat;     /* WebSocket pings and the silent-peer check */
    uv_timer_t sweep;         /* idle HTTP and draining connections */
    uv_timer_t stop_timer;    /* bounds the shutdown */
    struct net_conn *conns;   /* every connection, until its stream is closed */
    struct net_conn *dirty;   /* connections with frames to write this iteration */
    struct net_conn *resumes; /* HTTP connections whose stashed requests wait for the resumer */
    unsigned nconns;
    unsigned nhttp;    /* connections that are neither WebSockets nor refused */
    unsigned nrefused; /* refused connections still being closed */
    size_t queued_total;
    int port; /* the bound port */
    int stopping;
    struct tls_server *tls;       /* under TLS: the keys new handshakes use; else NULL */
    struct tls_reload tls_reload; /* under TLS: SIGHUP reloads the keys */
    struct pmd_deflater deflater; /* compression: deflates each outgoing frame once, for all */
    struct pmd_inflater inflater; /* compression: inflates every client message */
    char read_buf[65536];         /* shared: a read callback consumes it before returning */
};

/* Binds the listener and starts the timers; returns 0 or a negative uv error (with `why` filled
 * for the start-up message). `net` must be zeroed; the hooks must outlive it. */
int net_start(struct net *net, uv_loop_t *loop, const struct logger *log,
              const struct net_limits *lim, const struct net_hooks *hooks, void *user, char *why,
              size_t whylen);

/* Frees what the net keeps beyond the loop (TLS keys, zlib state), once uv_run has returned. */
void net_free(struct net *net);

/* Starts a graceful stop: every WebSocket gets Close 1001, HTTP connections end; hooks.on_stop
 * runs when all are gone, or after a bounded time. */
void net_stop(struct net *net);

/* Makes a request checked by handshake_check a WebSocket: queues the 101 with `accept` and calls
 * hooks.on_ws_open. */
void net_upgrade(struct net_conn *nc, const char *accept);

/* Queues a framed data message to an open WebSocket (taking its own reference), within the
 * queue bounds; 0, or -EPIPE (not open), -ENOBUFS (slow consumer), -ENOMEM. */
int net_send_frame(struct net_conn *nc, struct pbuf *frame);

/* Replaces the newest queued frame of frame->kind with `frame` when one still waits unsent;
 * returns 1 when it did (the old one counts as dropped), else 0. */
int net_replace_frame(struct net_conn *nc, struct pbuf *frame);

/* Queues a shared buffer (an HTTP body) to a connection, taking its own reference; an HTTP
 * answer that would take all queues past max_total_queue_bytes drops the connection. */
int net_send_pbuf(struct net_conn *nc, struct pbuf *b);

/* Queues raw bytes (an HTTP response, or the 101) to a connection; bounded as above. */
int net_send_raw(struct net_conn *nc, const void *data, size_t len);

/* Sends what is queued, then ends the connection (the last HTTP response, or after a Close); a
 * draining connection whose writes make no progress for 10 s is dropped. */
void net_drain(struct net_conn *nc);

/* Starts the closing handshake of a WebSocket connection with `code`. */
void net_close_ws(struct net_conn *nc, uint16_t code, const char *reason);

#endif
