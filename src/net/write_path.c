/* The write path: each connection's bounded outbound queue, written once per loop iteration with
 * gathered writes (what the socket takes at once, then one stream write for the rest), and the
 * end of slow consumers. */
#include <errno.h>
#include <stdlib.h>

#include "net/net_private.h"

#define IOV_BATCH 128
#define WRITE_CHUNK (256 * 1024) /* bytes per stream write (see cap_bytes) */

static void after_write(struct net_conn *nc);

void net_mark_dirty(struct net_conn *nc)
{
    /* A closing connection is freed in this iteration's closing phase; a write callback run
     * there (pending writes complete on close) must not leave it on the list. */
    if (!nc->dirty && nc->state != CS_CLOSING) {
        nc->dirty = 1;
        nc->dirty_next = nc->net->dirty;
        nc->net->dirty = nc;
    }
}

static void account_written(struct net_conn *nc, size_t n)
{
    outq_consume(&nc->q, n);
    nc->net->queued_total -= n;
    nc->net->counters.bytes_out += n;
    nc->bytes_out += n;
    /* A slow reader that still reads is not stuck. */
    if ((nc->state == CS_DRAIN || nc->paused) && n > 0)
        nc->deadline = uv_now(nc->net->loop) + DRAIN_STALL_MS;
}

static size_t iov_total(const uv_buf_t *bufs, unsigned n)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += bufs[i].len;
    return total;
}

/* Writes what the stream takes right now (one writev per batch of frames) without blocking or
 * closing anything; a failed write only flags the connection. Returns the bytes still queued. */
static size_t write_now(struct net_conn *nc)
{
    uv_buf_t bufs[IOV_BATCH];
    while (nc->q.bytes > 0 && !nc->writing && !nc->broken) {
        unsigned n = outq_iov(&nc->q, (struct iovec *)bufs, IOV_BATCH);
        int w = stream_try_write(nc->stream, bufs, n);
        if (w == UV_EAGAIN)
            break;
        if (w < 0) {
            nc->broken = 1; /* closed by the flusher, not in the middle of a caller's loop */
            break;
        }
        account_written(nc, (size_t)w);
        if ((size_t)w < iov_total(bufs, n))
            break; /* the socket is full */
    }
    return nc->q.bytes;
}

/* Which queue bounds a write counts against. */
enum bound {
    BOUND_NONE,  /* a Close frame, the 101 response: they must go out */
    BOUND_TOTAL, /* an HTTP answer: one file may exceed a WebSocket queue's bound, but HTTP
                  * clients must not push the total past its limit (and WebSockets out) */
    BOUND_ALL,   /* WebSocket frames: the per-connection and the total bound */
};

static int over_bounds(const struct net_conn *nc, size_t len, enum bound bound)
{
    const struct net *net = nc->net;
    return (bound == BOUND_ALL && nc->q.bytes + len > net->lim.max_queue_bytes) ||
           net->queued_total + len > net->lim.max_total_queue_bytes;
}

/* Queues a frame within its bounds; past them the connection is flagged as a slow consumer and
 * closed from the flusher, never from inside a caller's loop. */
static int enqueue(struct net_conn *nc, struct pbuf *b, enum bound bound)
{
    struct net *net = nc->net;
    size_t len = pbuf_len(b);
    if (nc->state >= CS_SHUT || nc->slow || nc->broken)
        return -EPIPE;
    if (bound != BOUND_NONE && over_bounds(nc, len, bound) &&
        (write_now(nc), over_bounds(nc, len, bound))) {
        nc->slow = 1;
        net->counters.dropped++;
        net_mark_dirty(nc);
        return -ENOBUFS;
    }
    if (outq_push(&nc->q, b) < 0)
        return -ENOMEM;
    net->queued_total += len;
    net_mark_dirty(nc);
    return 0;
}

/* A control frame from the WebSocket session: a Close must go out even past the bounds. */
void net_send_control(struct net_conn *nc, const uint8_t *data, size_t len)
{
    struct pbuf *b = pbuf_new(len, 0);
    if (!b)
        return;
    pbuf_append(&b, data, len);
    enqueue(nc, b, (data[0] & 0x0f) == WS_OP_CLOSE ? BOUND_NONE : BOUND_ALL);
    pbuf_unref(b);
}

/* What goes on the wire to `nc`: a compressing peer gets the frame's shared compressed twin. */
static struct pbuf *wire_frame(struct net_conn *nc, struct pbuf *frame)
{
    return nc->ws.inflater ? pmd_shared_frame(&nc->net->deflater, frame) : frame;
}

int net_send_frame(struct net_conn *nc, struct pbuf *frame)
{
    if (nc->state != CS_WS || !ws_can_send(&nc->ws))
        return -EPIPE;
    int rc = enqueue(nc, wire_frame(nc, frame), BOUND_ALL);
    if (rc == 0)
        nc->msgs_out++;
    return rc;
}

int net_replace_frame(struct net_conn *nc, struct pbuf *frame)
{
    struct net *net = nc->net;
    size_t before = nc->q.bytes;
    if (nc->state != CS_WS || nc->q.count == 0 ||
        !outq_replace(&nc->q, frame->kind, wire_frame(nc, frame), nc->writing))
        return 0;
    net->queued_total = net->queued_total - before + nc->q.bytes;
    net->counters.dropped++;
    return 1;
}

/* Raw bytes are HTTP answers, or the 101 that ends HTTP. */
static enum bound raw_bound(const struct net_conn *nc)
{
    /* A final answer (Connection: close) is queued after its head set the state to drain. */
    return nc->state == CS_HTTP || (nc->state == CS_DRAIN && !nc->upgraded) ? BOUND_TOTAL
                                                                            : BOUND_NONE;
}

int net_send_pbuf(struct net_conn *nc, struct pbuf *b)
{
    return enqueue(nc, b, raw_bound(nc));
}

int net_send_raw(struct net_conn *nc, const void *data, size_t len)
{
    struct pbuf *b = pbuf_new(len, 0);
    if (!b)
        return -ENOMEM;
    pbuf_append(&b, data, len);
    int rc = enqueue(nc, b, raw_bound(nc));
    pbuf_unref(b);
    return rc;
}

static void on_write(struct stream *s, int status)
{
    struct net_conn *nc = s->user;
    size_t n = nc->writing;
    nc->writing = 0;
    if (status < 0) {
        outq_consume(&nc->q, n);
        nc->net->queued_total -= n;
        net_conn_close(nc);
        return;
    }
    account_written(nc, n);
    after_write(nc);
}

/* A stream reports a write only when all of it is done, and a slow reader's progress must show
 * (it extends the no-progress deadline): one write carries at most WRITE_CHUNK bytes. */
static unsigned cap_bytes(uv_buf_t *bufs, unsigned n)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (bufs[i].len >= WRITE_CHUNK - total) {
            bufs[i].len = WRITE_CHUNK - total;
            return i + 1;
        }
        total += bufs[i].len;
    }
    return n;
}

/* Writes what the stream takes now and hands the rest (up to WRITE_CHUNK) to one write. */
static void flush(struct net_conn *nc)
{
    uv_buf_t bufs[IOV_BATCH];
    if (!nc->writing && write_now(nc) > 0 && !nc->broken) {
        unsigned n = cap_bytes(bufs, outq_iov(&nc->q, (struct iovec *)bufs, IOV_BATCH));
        if (stream_write(nc->stream, bufs, n, on_write) < 0)
            nc->broken = 1;
        else
            nc->writing = iov_total(bufs, n);
    }
    if (nc->broken)
        net_conn_close(nc);
    else if (!nc->writing)
        after_write(nc);
    else
        net_pause_reading(nc);
}

static void on_shutdown(struct stream *s, int status)
{
    if (status < 0)
        net_conn_close(s->user);
}

/* After the queue drained: a draining connection shuts its write side down. */
static void after_write(struct net_conn *nc)
{
    if (nc->q.bytes > 0) {
        net_mark_dirty(nc);
        return;
    }
    net_resume_reading(nc);
    if (nc->q.bytes > 0) { /* answers to stashed requests */
        net_mark_dirty(nc);
        return;
    }
    if (nc->state != CS_DRAIN)
        return;
    nc->state = CS_SHUT;
    nc->deadline = uv_now(nc->net->loop) + SHUT_MS;
    if (stream_shutdown(nc->stream, on_shutdown) < 0)
        net_conn_close(nc);
}

/* A slow consumer: Close 1008 when the socket can still take it, else drop the connection. */
static void close_slow(struct net_conn *nc)
{
    struct net *net = nc->net;
    net->counters.slow_closes++;
    log_event(net->log, LOG_INFO, "slow_consumer", "closing %s with %zu bytes queued", nc->name,
              nc->q.bytes);
    if (nc->writing || outq_partial(&nc->q) || nc->state != CS_WS) {
        net_conn_close(nc);
        return;
    }
    net->counters.dropped += nc->q.count;
    net->queued_total -= nc->q.bytes;
    outq_clear(&nc->q);
    nc->slow = 0;
    net_close_ws(nc, 1008, "slow consumer");
}

void net_on_flush(uv_check_t *h)
{
    struct net *net = h->data;
    while (net->dirty) {
        struct net_conn *nc = net->dirty;
        net->dirty = nc->dirty_next;
        nc->dirty = 0;
        if (nc->state == CS_CLOSING)
            continue;
        if (nc->broken)
            net_conn_close(nc);
        else if (nc->slow)
            close_slow(nc);
        else
            flush(nc);
    }
}
