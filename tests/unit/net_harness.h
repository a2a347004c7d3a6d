/* Unit-test doubles for the net layer: a fake stream behind the stream interface (net/stream.h)
 * that records every byte written and lets the test decide how much the "socket" takes, and a
 * harness that runs a struct net without a listener or a running loop. The flusher and the close
 * phase of the loop are driven by hand (harness_flush, harness_reap), so nothing depends on time.
 * Header-only: each test program that includes it gets its own copy. */
#ifndef PULSE_NET_HARNESS_H
#define PULSE_NET_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_private.h"

#define FAKE_MAX 32

struct fake_stream {
    struct stream base;
    size_t take;   /* bytes try_write accepts from now on (SIZE_MAX: all) */
    int try_error; /* a negative uv error try_write and write return, or 0 */
    char *out;     /* every byte written, in order */
    size_t out_len, out_cap;
    size_t read_pos;  /* how far the test has parsed `out` */
    size_t write_len; /* bytes of the write in flight, 0 when none */
    stream_done_cb write_done;
    unsigned writes; /* stream writes (not try_writes) started */
    int reading, shut, closed;
    stream_closed_cb close_done; /* set by close; run by harness_reap */
};

struct harness {
    uv_loop_t loop;
    struct logger log;
    struct net net;
    struct net_hooks hooks;
    struct fake_stream fs[FAKE_MAX];
    unsigned nfs;
};

static inline void fake_record(struct fake_stream *f, const uv_buf_t *bufs, unsigned n, size_t max)
{
    for (unsigned i = 0; i < n && max > 0; i++) {
        size_t k = bufs[i].len < max ? bufs[i].len : max;
        if (f->out_len + k > f->out_cap) {
            f->out_cap = (f->out_len + k) * 2 + 64;
            f->out = realloc(f->out, f->out_cap);
        }
        memcpy(f->out + f->out_len, bufs[i].base, k);
        f->out_len += k;
        max -= k;
    }
}

static inline int fake_read_start(struct stream *s)
{
    ((struct fake_stream *)s)->reading = 1;
    return 0;
}

static inline int fake_read_stop(struct stream *s)
{
    ((struct fake_stream *)s)->reading = 0;
    return 0;
}

static inline int fake_try_write(struct stream *s, const uv_buf_t *bufs, unsigned n)
{
    struct fake_stream *f = (struct fake_stream *)s;
    if (f->try_error)
        return f->try_error;
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += bufs[i].len;
    size_t k = total < f->take ? total : f->take;
    if (k == 0)
        return UV_EAGAIN;
    fake_record(f, bufs, n, k);
    if (f->take != SIZE_MAX)
        f->take -= k;
    return (int)k;
}

/* A queued write: the bytes are recorded at once, its completion waits for fake_complete. */
static inline int fake_write(struct stream *s, const uv_buf_t *bufs, unsigned n,
                             stream_done_cb done)
{
    struct fake_stream *f = (struct fake_stream *)s;
    if (f->try_error)
        return f->try_error;
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += bufs[i].len;
    fake_record(f, bufs, n, total);
    f->write_len = total;
    f->write_done = done;
    f->writes++;
    return 0;
}

static inline int fake_shutdown(struct stream *s, stream_done_cb done)
{
    ((struct fake_stream *)s)->shut = 1;
    (void)done;
    return 0;
}

static inline void fake_close(struct stream *s, stream_closed_cb done)
{
    struct fake_stream *f = (struct fake_stream *)s;
    f->closed = 1;
    f->close_done = done;
}

static const struct stream_ops fake_ops = {
    fake_read_start, fake_read_stop, fake_try_write, fake_write, fake_shutdown, fake_close,
};

/* Completes the write in flight with `status`. */
static inline void fake_complete(struct fake_stream *f, int status)
{
    stream_done_cb done = f->write_done;
    f->write_done = NULL;
    f->write_len = 0;
    if (done)
        done(&f->base, status);
}

/* A net with these limits and hooks, not listening; `hooks.conn_size` must be set. */
static inline void harness_init(struct harness *t, const struct net_hooks *hooks,
                                const struct net_limits *lim, void *user)
{
    memset(t, 0, sizeof(*t));
    uv_loop_init(&t->loop);
    t->log.level = LOG_ERROR + 1; /* quiet */
    t->hooks = *hooks;
    t->net.loop = &t->loop;
    t->net.log = &t->log;
    t->net.hooks = &t->hooks;
    t->net.user = user;
    t->net.lim = *lim;
    t->net.flusher.data = &t->net;
    uv_idle_init(&t->loop, &t->net.resumer);
    t->net.resumer.data = &t->net;
}

/* A new connection over a fake stream that takes everything: hooks.on_open has run and it
 * reads. */
static inline struct net_conn *harness_conn(struct harness *t, struct fake_stream **fs)
{
    struct fake_stream *f = &t->fs[t->nfs++];
    memset(f, 0, sizeof(*f));
    f->base.ops = &fake_ops;
    f->take = SIZE_MAX;
    struct net_conn *nc = net_conn_new(&t->net, &f->base);
    net_conn_begin(nc);
    if (fs)
        *fs = f;
    return nc;
}

/* Feeds bytes to a connection as if the peer sent them. */
static inline void harness_recv(struct net_conn *nc, const void *data, size_t len)
{
    char buf[8192];
    memcpy(buf, data, len); /* the reader may write into the buffer (unmasking) */
    nc->stream->on_read(nc->stream, (ssize_t)len, buf);
}

/* One iteration's flush of every dirty connection (the check handle's callback). */
static inline void harness_flush(struct harness *t)
{
    net_on_flush(&t->net.flusher);
}

/* The loop's close phase: releases the connections whose streams were closed. */
static inline void harness_reap(struct harness *t)
{
    for (unsigned i = 0; i < t->nfs; i++) {
        struct fake_stream *f = &t->fs[i];
        if (f->close_done) {
            stream_closed_cb done = f->close_done;
            f->close_done = NULL;
            done(&f->base);
        }
    }
}

/* Closes and releases every connection, then the loop. */
static inline void harness_free(struct harness *t)
{
    while (t->net.conns) {
        net_conn_close(t->net.conns);
        harness_reap(t);
    }
    for (unsigned i = 0; i < t->nfs; i++)
        free(t->fs[i].out);
    uv_close((uv_handle_t *)&t->net.resumer, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    uv_loop_close(&t->loop);
}

/* The next server frame in what was written (after any HTTP head the test skipped): its opcode,
 * and its payload copied NUL-terminated into `buf`; -1 when no whole frame is left. */
static inline int fake_next_frame(struct fake_stream *f, char *buf, size_t cap)
{
    const uint8_t *p = (const uint8_t *)f->out + f->read_pos;
    size_t avail = f->out_len - f->read_pos, hl = 2;
    if (avail < 2)
        return -1;
    uint64_t len = p[1] & 0x7f;
    if (len == 126) {
        hl = 4;
        len = avail >= 4 ? ((uint64_t)p[2] << 8) | p[3] : 0;
    } else if (len == 127) {
        hl = 10;
        len = 0;
        for (int i = 0; i < 8 && avail >= 10; i++)
            len = (len << 8) | p[2 + i];
    }
    if (avail < hl || avail - hl < len || len >= cap)
        return -1;
    memcpy(buf, p + hl, len);
    buf[len] = '\0';
    f->read_pos += hl + len;
    return p[0] & 0x0f;
}

/* Skips an HTTP response head in what was written; returns its status, or -1. */
static inline int fake_skip_head(struct fake_stream *f)
{
    const char *p = f->out + f->read_pos;
    size_t avail = f->out_len - f->read_pos;
    const char *end = avail >= 4 ? memmem(p, avail, "\r\n\r\n", 4) : NULL;
    if (!end || avail < 12)
        return -1;
    f->read_pos += (size_t)(end + 4 - p);
    return atoi(p + 9);
}

/* Appends a masked client frame (mask 0) of `opcode` with `payload` to buf; returns its size. */
static inline size_t client_frame(uint8_t *buf, int opcode, const char *payload, size_t len)
{
    size_t n = 0;
    buf[n++] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        buf[n++] = (uint8_t)(0x80 | len);
    } else {
        buf[n++] = 0x80 | 126;
        buf[n++] = (uint8_t)(len >> 8);
        buf[n++] = (uint8_t)len;
    }
    memset(buf + n, 0, 4); /* a zero mask leaves the payload as it is */
    n += 4;
    memcpy(buf + n, payload, len);
    return n + len;
}

#endif
