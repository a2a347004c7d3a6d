/* A connection's byte stream: what the HTTP reader, the WebSocket session and the write path
 * read from and write to. The TCP socket is one implementation (net/stream_tcp.c); a TLS layer
 * is another that wraps it, with no change above this interface (see net/listener.c, where a
 * connection's stream is chosen). */
#ifndef PULSE_STREAM_H
#define PULSE_STREAM_H

#include <sys/types.h>
#include <uv.h>

struct stream;

/* Bytes read (`data`, valid only until the callback returns), or nread < 0 at EOF or error. */
typedef void (*stream_read_cb)(struct stream *s, ssize_t nread, char *data);
/* A write or shutdown completed with `status` (0, or a negative uv error). */
typedef void (*stream_done_cb)(struct stream *s, int status);
/* The stream is closed: its memory may be released. */
typedef void (*stream_closed_cb)(struct stream *s);

struct stream_ops {
    int (*read_start)(struct stream *s);
    int (*read_stop)(struct stream *s);
    /* Writes what fits now without blocking: bytes taken, UV_EAGAIN, or a negative error. */
    int (*try_write)(struct stream *s, const uv_buf_t *bufs, unsigned n);
    /* Writes all of bufs (which must stay valid until `done`); at most one in flight. */
    int (*write)(struct stream *s, const uv_buf_t *bufs, unsigned n, stream_done_cb done);
    /* Ends the write side once pending writes are out. */
    int (*shutdown)(struct stream *s, stream_done_cb done);
    /* Closes the stream; pending writes complete with an error before `done` runs. */
    void (*close)(struct stream *s, stream_closed_cb done);
};

struct stream {
    const struct stream_ops *ops;
    stream_read_cb on_read; /* the read callback, set by the owner */
    void *user;             /* the owner (a net_conn) */
    char *read_buf;         /* where reads land: shared, consumed before on_read returns */
    size_t read_len;
};

/* Starts delivering reads to s->on_read; returns 0 or a negative uv error. */
static inline int stream_read_start(struct stream *s)
{
    return s->ops->read_start(s);
}

/* Stops reading until the next stream_read_start. */
static inline int stream_read_stop(struct stream *s)
{
    return s->ops->read_stop(s);
}

/* Non-blocking write: bytes taken, UV_EAGAIN, or a negative error. */
static inline int stream_try_write(struct stream *s, const uv_buf_t *bufs, unsigned n)
{
    return s->ops->try_write(s, bufs, n);
}

/* Queued write of all of bufs, reported to `done`. */
static inline int stream_write(struct stream *s, const uv_buf_t *bufs, unsigned n,
                               stream_done_cb done)
{
    return s->ops->write(s, bufs, n, done);
}

/* Shuts the write side down after pending writes, reported to `done`. */
static inline int stream_shutdown(struct stream *s, stream_done_cb done)
{
    return s->ops->shutdown(s, done);
}

/* Closes the stream; `done` runs once it is gone. */
static inline void stream_close(struct stream *s, stream_closed_cb done)
{
    s->ops->close(s, done);
}

#endif
