/* TLS as a stream (net/stream.h) wrapping a connection's TCP stream: HTTP and WebSocket code
 * read and write plaintext through it unchanged. Ciphertext waiting for the socket is bounded:
 * try_write takes more plaintext only once the previous ciphertext is out, so a slow reader's
 * backlog stays in the connection's plaintext queue, where the queue bounds and metrics
 * coalescing apply. A handshake that has not completed within `handshake_ms` ends the
 * connection (reported as a read error). */
#ifndef PULSE_STREAM_TLS_H
#define PULSE_STREAM_TLS_H

#include <stdint.h>
#include <uv.h>

#include "net/outq.h"
#include "net/stream.h"
#include "net/tls.h"

struct tls_stream {
    struct stream base;
    struct stream *tcp; /* the wrapped stream; its user and on_read are taken over */
    struct tls_conn *tls;
    struct outq wire;    /* ciphertext not yet written */
    size_t wire_writing; /* bytes in the wrapped stream's write in flight */
    uv_timer_t handshake_timer;
    stream_done_cb write_done;    /* the owner's write, reported once the wire is empty */
    stream_done_cb shutdown_done; /* the owner's shutdown, started once the wire is empty */
    stream_closed_cb closed;
    unsigned handles_open;
    unsigned reading : 1, in_feed : 1, failed : 1, shut_started : 1, closing : 1;
};

/* A TLS stream over `tcp` (initialised, not yet reading), server side, using the keys `srv`
 * holds now; NULL when out of memory. */
struct tls_stream *tls_stream_new(struct tls_server *srv, struct stream *tcp, uv_loop_t *loop,
                                  uint64_t handshake_ms);

#endif
