/* What the files of the net layer share among themselves (not for the layers above). */
#ifndef PULSE_NET_PRIVATE_H
#define PULSE_NET_PRIVATE_H

#include "net/net.h"

#define HTTP_IDLE_MS 30000
#define HTTP_HEAD_MS 10000   /* a request, once begun, must arrive whole within this */
#define DRAIN_STALL_MS 10000 /* a draining or paused connection whose writes make no progress */
#define SHUT_MS 2000         /* all sent and shut down: waiting for the peer's EOF */
#define STOP_MS 1000         /* leaves the database flush and teardown a second within the 2 s */

/* Pipelined HTTP requests read but not answered yet (a copy: the read buffer is shared). */
struct http_stash {
    struct net_conn *resume_next;                          /* on net->resumes */
    enum { YIELD_NONE, YIELD_WAIT, YIELD_QUEUED } yielded; /* put off / on net->resumes */
    size_t len;
    char data[];
};

/* secure.c: TLS keys (checked, reloaded on SIGHUP) and the zlib state of compression, as the
 * limits ask; 0 or a negative errno with `why` filled. */
int net_secure_start(struct net *net, char *why, size_t whylen);
/* secure.c: stops the SIGHUP watch. */
void net_secure_stop(struct net *net);

/* listener.c: binds and listens, accepting connections; 0 or a negative uv error. */
int net_listen(struct net *net, char *why, size_t whylen);
/* listener.c: a new record listed in net->conns, reading through `s`, or through its own TCP
 * stream when `s` is NULL (the unit tests pass a fake stream); NULL when out of memory. */
struct net_conn *net_conn_new(struct net *net, struct stream *s);
/* listener.c: a new connection begins: hooks.on_open, then reading. */
void net_conn_begin(struct net_conn *nc);

/* write_path.c: lists a connection for this iteration's flush. */
void net_mark_dirty(struct net_conn *nc);
/* write_path.c: queues a control frame of the WebSocket session (a Close past the bounds). */
void net_send_control(struct net_conn *nc, const uint8_t *data, size_t len);
/* write_path.c: the check handle's callback, writing every dirty connection. */
void net_on_flush(uv_check_t *h);

/* http_pipeline.c: feeds bytes read in HTTP state to the request reader. */
void net_http_bytes(struct net_conn *nc, char *data, size_t len);
/* http_pipeline.c: stops reading while an answer waits for the socket. */
void net_pause_reading(struct net_conn *nc);
/* http_pipeline.c: answers stashed requests, then reads again. */
void net_resume_reading(struct net_conn *nc);
/* http_pipeline.c: takes a connection off the resumer's list. */
void net_unlink_resume(struct net_conn *nc);
/* http_pipeline.c: the idle handle's callback, resuming put-off connections. */
void net_on_resume(uv_idle_t *h);
/* http_pipeline.c: starts (or restarts) reading a connection; closes it on failure. */
void net_read_start(struct net_conn *nc);

/* upgrade.c: feeds bytes read in WebSocket state to the session (unmasked in place). */
void net_ws_bytes(struct net_conn *nc, uint8_t *data, size_t len);

/* closing.c: closes the stream (idempotent); the record is freed in the close callback. */
void net_conn_close(struct net_conn *nc);
/* closing.c: releases a connection whose stream closed. */
void net_conn_closed(struct stream *s);

/* timers.c: starts the heartbeat and sweep timers and prepares the stop timer. */
void net_timers_start(struct net *net);
/* timers.c: a connection was added: the sweep runs again if it had stopped for lack of any. */
void net_timers_conn_added(struct net *net);
/* timers.c: starts the timer that bounds a graceful stop. */
void net_stop_timer_start(struct net *net);

#endif
