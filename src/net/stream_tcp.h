/* The TCP implementation of the stream interface, over a libuv TCP handle. */
#ifndef PULSE_STREAM_TCP_H
#define PULSE_STREAM_TCP_H

#include <stddef.h>
#include <uv.h>

#include "net/stream.h"

struct tcp_stream {
    struct stream base;
    uv_tcp_t tcp;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    stream_done_cb write_done, shutdown_done;
    stream_closed_cb closed;
};

/* Initialises the handle on `loop`; returns 0 or a negative uv error. */
int tcp_stream_init(struct tcp_stream *t, uv_loop_t *loop, char *read_buf, size_t read_len);

/* Accepts a pending connection of `server` into `t` (Nagle off); 0 or a negative uv error. */
int tcp_stream_accept(struct tcp_stream *t, uv_stream_t *server);

/* Writes the peer's "address:port" into `out` (left alone when unknown). */
void tcp_stream_peer(struct tcp_stream *t, char *out, size_t len);

#endif
