#include "net/stream_tls.h"

#include <errno.h>
#include <stdlib.h>

#define WIRE_IOV 64
#define TRY_CHUNK (64 * 1024) /* plaintext a try_write encrypts at most */

static struct tls_stream *tls_of(struct stream *s)
{
    return (struct tls_stream *)s; /* base is the first member */
}

/* ---- the wire: ciphertext to the wrapped stream --------------------------------------------- */

static void wire_drained(struct tls_stream *ts);
static void start_wire_write(struct tls_stream *ts);

/* Moves the engine's output onto the wire; 0 or -1 when out of memory. */
static int take_output(struct tls_stream *ts)
{
    struct pbuf *out = tls_conn_take_output(ts->tls);
    int rc = out ? outq_push(&ts->wire, out) : 0;
    pbuf_unref(out);
    return rc;
}

/* Writes what the socket takes now; returns the bytes still on the wire. */
static size_t wire_flush_now(struct tls_stream *ts)
{
    uv_buf_t bufs[WIRE_IOV];
    while (ts->wire.bytes > 0 && !ts->wire_writing && !ts->failed) {
        unsigned n = outq_iov(&ts->wire, (struct iovec *)bufs, WIRE_IOV);
        int w = stream_try_write(ts->tcp, bufs, n);
        if (w == UV_EAGAIN)
            break;
        if (w < 0) {
            ts->failed = 1;
            break;
        }
        outq_consume(&ts->wire, (size_t)w);
        if (w == 0)
            break;
    }
    return ts->wire.bytes;
}

static void on_wire_written(struct stream *tcp, int status)
{
    struct tls_stream *ts = tcp->user;
    outq_consume(&ts->wire, ts->wire_writing);
    ts->wire_writing = 0;
    if (status < 0)
        ts->failed = 1;
    if (ts->failed) {
        stream_done_cb done = ts->write_done ? ts->write_done : ts->shutdown_done;
        ts->write_done = ts->shutdown_done = NULL;
        if (done)
            done(&ts->base, status < 0 ? status : UV_EPIPE);
        return;
    }
    if (wire_flush_now(ts) > 0)
        start_wire_write(ts);
    else
        wire_drained(ts);
}

static void start_wire_write(struct tls_stream *ts)
{
    uv_buf_t bufs[WIRE_IOV];
    if (ts->wire_writing || ts->wire.bytes == 0 || ts->failed || ts->closing)
        return;
    unsigned n = outq_iov(&ts->wire, (struct iovec *)bufs, WIRE_IOV);
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += bufs[i].len;
    if (stream_write(ts->tcp, bufs, n, on_wire_written) < 0)
        ts->failed = 1;
    else
        ts->wire_writing = total;
}

static void on_tcp_shutdown(struct stream *tcp, int status)
{
    struct tls_stream *ts = tcp->user;
    stream_done_cb done = ts->shutdown_done;
    ts->shutdown_done = NULL;
    if (done)
        done(&ts->base, status);
}

/* Everything written: report the owner's write, then start a shutdown it asked for. */
static void wire_drained(struct tls_stream *ts)
{
    if (ts->write_done) {
        stream_done_cb done = ts->write_done;
        ts->write_done = NULL;
        done(&ts->base, 0);
    }
    if (ts->shutdown_done && !ts->shut_started && !ts->write_done && !ts->closing) {
        ts->shut_started = 1;
        if (stream_shutdown(ts->tcp, on_tcp_shutdown) < 0)
            on_tcp_shutdown(ts->tcp, UV_EPIPE);
    }
}

/* ---- reading ----------------------------------------------------------------------------------
 */

static int on_plain(void *user, uint8_t *data, size_t len)
{
    struct tls_stream *ts = user;
    ts->base.on_read(&ts->base, (ssize_t)len, (char *)data);
    return !ts->reading || ts->closing || ts->failed;
}

/* After the engine ran: send what it produced, and end the connection on failure or EOF. */
static void after_feed(struct tls_stream *ts, enum tls_status st)
{
    if (take_output(ts) < 0)
        st = TLS_NOMEM;
    if (wire_flush_now(ts) > 0)
        start_wire_write(ts);
    if (tls_conn_ready(ts->tls))
        uv_timer_stop(&ts->handshake_timer);
    if (ts->closing)
        return;
    if (st == TLS_EOF)
        ts->base.on_read(&ts->base, UV_EOF, NULL);
    else if (st == TLS_PLAIN || st == TLS_FAILED || st == TLS_NOMEM) {
        ts->failed = 1;
        ts->base.on_read(&ts->base, UV_EPROTO, NULL);
    }
}

static void feed(struct tls_stream *ts, const uint8_t *data, size_t len)
{
    ts->in_feed = 1;
    enum tls_status st = tls_conn_feed(ts->tls, data, len, on_plain, ts);
    ts->in_feed = 0;
    after_feed(ts, st);
}

static void on_tcp_read(struct stream *tcp, ssize_t nread, char *data)
{
    struct tls_stream *ts = tcp->user;
    if (nread < 0) {
        ts->base.on_read(&ts->base, nread, NULL);
        return;
    }
    feed(ts, (const uint8_t *)data, (size_t)nread);
}

static int tls_read_start(struct stream *s)
{
    struct tls_stream *ts = tls_of(s);
    ts->reading = 1;
    if (ts->in_feed) /* called from the read callback: the engine goes on by itself */
        return 0;
    if (tls_conn_paused(ts->tls))
        feed(ts, NULL, 0);
    if (!ts->reading || ts->closing || ts->failed)
        return 0;
    return stream_read_start(ts->tcp);
}

static int tls_read_stop(struct stream *s)
{
    struct tls_stream *ts = tls_of(s);
    ts->reading = 0;
    return stream_read_stop(ts->tcp);
}

static void on_handshake_timeout(uv_timer_t *t)
{
    struct tls_stream *ts = t->data;
    if (!ts->closing && !tls_conn_ready(ts->tls)) {
        ts->failed = 1;
        ts->base.on_read(&ts->base, UV_ETIMEDOUT, NULL);
    }
}

/* ---- writing ----------------------------------------------------------------------------------
 */

static int tls_try_write(struct stream *s, const uv_buf_t *bufs, unsigned n)
{
    struct tls_stream *ts = tls_of(s);
    if (ts->failed || ts->closing)
        return UV_EPIPE;
    if (ts->wire_writing || wire_flush_now(ts) > 0)
        return UV_EAGAIN; /* the previous ciphertext first: bounded */
    long taken = tls_conn_write_iov(ts->tls, (const struct iovec *)bufs, n, TRY_CHUNK);
    if (taken == -EAGAIN)
        return UV_EAGAIN;
    if (taken < 0 || take_output(ts) < 0)
        return UV_EPROTO;
    if (wire_flush_now(ts) > 0)
        start_wire_write(ts);
    return ts->failed ? UV_EPIPE : (int)taken;
}

static int tls_write(struct stream *s, const uv_buf_t *bufs, unsigned n, stream_done_cb done)
{
    struct tls_stream *ts = tls_of(s);
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += bufs[i].len;
    if (ts->failed || ts->closing || ts->write_done)
        return UV_EPIPE;
    long taken = tls_conn_write_iov(ts->tls, (const struct iovec *)bufs, n, total);
    if (taken < 0 || take_output(ts) < 0)
        return UV_EPROTO;
    ts->write_done = done; /* reported from the wire's write callback, never from here */
    if (ts->wire.bytes == 0) {
        ts->write_done = NULL;
        return UV_EPROTO; /* nothing to write cannot complete asynchronously */
    }
    start_wire_write(ts);
    return ts->failed ? UV_EPIPE : 0;
}

static int tls_shutdown(struct stream *s, stream_done_cb done)
{
    struct tls_stream *ts = tls_of(s);
    if (ts->failed || ts->closing)
        return UV_EPIPE;
    tls_conn_shutdown(ts->tls); /* close_notify, then the TCP write side */
    if (take_output(ts) < 0)
        return UV_ENOMEM;
    ts->shutdown_done = done;
    if (!ts->wire_writing && !ts->write_done && wire_flush_now(ts) == 0) {
        ts->shut_started = 1;
        return stream_shutdown(ts->tcp, on_tcp_shutdown);
    }
    start_wire_write(ts);
    return 0;
}

/* ---- closing ----------------------------------------------------------------------------------
 */

static void handle_closed(struct tls_stream *ts)
{
    if (--ts->handles_open > 0)
        return;
    stream_closed_cb done = ts->closed;
    tls_conn_free(ts->tls);
    outq_clear(&ts->wire);
    done(&ts->base);
    free(ts);
}

static void on_tcp_closed(struct stream *tcp)
{
    handle_closed(tcp->user);
}

static void on_timer_closed(uv_handle_t *h)
{
    handle_closed(h->data);
}

static void tls_close(struct stream *s, stream_closed_cb done)
{
    struct tls_stream *ts = tls_of(s);
    ts->closing = 1;
    ts->closed = done;
    ts->handles_open = 2;
    uv_close((uv_handle_t *)&ts->handshake_timer, on_timer_closed);
    stream_close(ts->tcp, on_tcp_closed);
}

static const struct stream_ops tls_ops = {
    tls_read_start, tls_read_stop, tls_try_write, tls_write, tls_shutdown, tls_close,
};

struct tls_stream *tls_stream_new(struct tls_server *srv, struct stream *tcp, uv_loop_t *loop,
                                  uint64_t handshake_ms)
{
    struct tls_stream *ts = calloc(1, sizeof(*ts));
    if (!ts || !(ts->tls = tls_conn_new(srv))) {
        free(ts);
        return NULL;
    }
    ts->base.ops = &tls_ops;
    ts->base.read_buf = (char *)srv->plain;
    ts->base.read_len = sizeof(srv->plain);
    ts->tcp = tcp;
    tcp->user = ts;
    tcp->on_read = on_tcp_read;
    outq_init(&ts->wire);
    uv_timer_init(loop, &ts->handshake_timer);
    ts->handshake_timer.data = ts;
    uv_timer_start(&ts->handshake_timer, on_handshake_timeout, handshake_ms, 0);
    return ts;
}
