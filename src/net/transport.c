#include "net/transport.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/handlers.h"
#include "net/handshake.h"
#include "app/routes.h"

#define IOV_BATCH 128
#define WRITE_CHUNK (256 * 1024) /* bytes per uv_write (see cap_bytes) */
#define HTTP_BATCH 32 /* pipelined requests answered per read before other clients' turn */

/* Pipelined HTTP requests read but not answered yet (a copy: the read buffer is shared). */
struct http_stash {
    struct conn *resume_next;                              /* on srv->resumes */
    enum { YIELD_NONE, YIELD_WAIT, YIELD_QUEUED } yielded; /* put off / on srv->resumes */
    size_t len;
    char data[];
};
#define HTTP_IDLE_MS 30000
#define HTTP_HEAD_MS 10000   /* a request, once begun, must arrive whole within this */
#define DRAIN_STALL_MS 10000 /* a draining connection whose writes make no progress */
#define SHUT_MS 2000         /* all sent and shut down: waiting for the peer's EOF */
#define STOP_MS 1000         /* leaves the database flush and teardown a second within the 2 s */

static void conn_close(struct conn *c);
static void conn_after_write(struct conn *c);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void on_http_bytes(struct conn *c, char *data, size_t len);
static void on_resumer(uv_idle_t *h);

uint64_t pulse_wall_ms(void)
{
    uv_timeval64_t tv;
    uv_gettimeofday(&tv);
    return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

uint64_t pulse_uptime_s(const struct pulse_server *srv)
{
    return (pulse_wall_ms() - srv->started_wall_ms) / 1000;
}

/* ---- queueing ---------------------------------------------------------------------------- */

static void mark_dirty(struct conn *c)
{
    /* A closing connection is freed in this iteration's closing phase; a write callback run
     * there (libuv completes pending writes on close) must not leave it on the list. */
    if (!c->dirty && c->state != CS_CLOSING) {
        c->dirty = 1;
        c->dirty_next = c->srv->dirty;
        c->srv->dirty = c;
    }
}

static void account_written(struct conn *c, size_t n)
{
    outq_consume(&c->q, n);
    c->srv->queued_total -= n;
    c->bytes_out += n;
    c->srv->counters.bytes_out += n;
    /* A slow reader that still reads is not stuck. */
    if ((c->state == CS_DRAIN || c->paused) && n > 0)
        c->deadline = uv_now(c->srv->loop) + DRAIN_STALL_MS;
}

/* An HTTP connection whose answer the socket does not take at once is not read until the
 * answer is out: the next requests wait in the kernel, so a client that sends requests and
 * never reads cannot pile answers up in our queues (it is dropped after DRAIN_STALL_MS
 * without progress). */
static void pause_reading(struct conn *c)
{
    if (c->paused || c->state != CS_HTTP)
        return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->paused = 1;
    c->deadline = uv_now(c->srv->loop) + DRAIN_STALL_MS;
}

/* Requests put off for fairness are answered in the next loop iteration, after other clients'
 * events: the idle handle keeps that iteration's poll from blocking. */
static void defer_resume(struct conn *c)
{
    struct pulse_server *srv = c->srv;
    c->stash->yielded = YIELD_QUEUED;
    c->stash->resume_next = srv->resumes;
    srv->resumes = c;
    uv_idle_start(&srv->resumer, on_resumer);
}

static void unlink_resume(struct conn *c)
{
    struct conn **p = &c->srv->resumes;
    while (*p && *p != c)
        p = &(*p)->stash->resume_next;
    if (*p)
        *p = c->stash->resume_next;
    c->stash->resume_next = NULL;
    c->stash->yielded = YIELD_NONE;
}

/* Answers the stashed pipelined requests first (which may stash and pause again), then reads. */
static void resume_reading(struct conn *c)
{
    if (!c->paused)
        return;
    if (c->stash && c->stash->yielded == YIELD_WAIT)
        defer_resume(c);
    if (c->stash && c->stash->yielded == YIELD_QUEUED)
        return;
    c->paused = 0;
    c->last_rx = uv_now(c->srv->loop); /* idle from now, not since the request */
    if (c->head_deadline)              /* a request begun before the pause: its time starts again */
        c->head_deadline = c->last_rx + HTTP_HEAD_MS;
    struct http_stash *stash = c->stash;
    c->stash = NULL;
    if (stash) {
        on_http_bytes(c, stash->data, stash->len);
        free(stash);
        if (c->paused || c->state == CS_CLOSING)
            return;
    }
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c);
}

void conn_drain(struct conn *c)
{
    if (c->state >= CS_DRAIN)
        return;
    c->state = CS_DRAIN;
    c->deadline = uv_now(c->srv->loop) + DRAIN_STALL_MS;
    mark_dirty(c);
}

static size_t iov_total(const uv_buf_t *bufs, unsigned n)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += bufs[i].len;
    return total;
}

/* Writes what the socket takes right now (one writev per batch of frames) without blocking or
 * closing anything; a failed write only flags the connection. Returns the bytes still queued. */
static size_t write_now(struct conn *c)
{
    uv_buf_t bufs[IOV_BATCH];
    while (c->q.bytes > 0 && !c->writing && !c->broken) {
        unsigned n = outq_iov(&c->q, (struct iovec *)bufs, IOV_BATCH);
        int w = uv_try_write((uv_stream_t *)&c->tcp, bufs, n);
        if (w == UV_EAGAIN)
            break;
        if (w < 0) {
            c->broken = 1; /* closed by the flusher, not in the middle of a caller's loop */
            break;
        }
        account_written(c, (size_t)w);
        if ((size_t)w < iov_total(bufs, n))
            break; /* the socket is full */
    }
    return c->q.bytes;
}

/* Which queue bounds a write counts against. */
enum bound {
    BOUND_NONE,  /* a Close frame, the 101 response: they must go out */
    BOUND_TOTAL, /* an HTTP answer: one file may exceed a WebSocket queue's bound, but HTTP
                  * clients must not push the total past its limit (and WebSockets out) */
    BOUND_ALL,   /* WebSocket frames: the per-connection and the total bound */
};

static int over_bounds(const struct conn *c, size_t len, enum bound bound)
{
    const struct pulse_server *srv = c->srv;
    return (bound == BOUND_ALL && c->q.bytes + len > (size_t)srv->cfg.max_queue_bytes) ||
           srv->queued_total + len > (size_t)srv->cfg.max_total_queue_bytes;
}

/* Queues a frame within its bounds; past them the connection is flagged as a slow consumer and
 * closed from the flusher, never from inside a caller's loop. */
static int enqueue(struct conn *c, struct pbuf *b, enum bound bound)
{
    struct pulse_server *srv = c->srv;
    size_t len = pbuf_len(b);
    if (c->state >= CS_SHUT || c->slow || c->broken)
        return -EPIPE;
    if (bound != BOUND_NONE && over_bounds(c, len, bound) &&
        (write_now(c), over_bounds(c, len, bound))) {
        c->slow = 1;
        srv->counters.dropped++;
        mark_dirty(c);
        return -ENOBUFS;
    }
    if (outq_push(&c->q, b) < 0)
        return -ENOMEM;
    srv->queued_total += len;
    mark_dirty(c);
    return 0;
}

void conn_send_frame(struct conn *c, struct pbuf *frame)
{
    if (c->state != CS_WS || !ws_can_send(&c->ws))
        return;
    if (enqueue(c, frame, BOUND_ALL) == 0) {
        c->msgs_out++;
        c->srv->counters.messages_out++;
    }
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return pbuf_append((struct pbuf **)data, buf, size);
}

void conn_send_coalesced(struct conn *c, struct pbuf *frame)
{
    struct pulse_server *srv = c->srv;
    size_t before = c->q.bytes;
    if (c->state == CS_WS && c->q.count > 0 &&
        outq_replace(&c->q, frame->kind, frame, c->writing)) {
        srv->queued_total = srv->queued_total - before + c->q.bytes;
        srv->counters.dropped++;
        return;
    }
    conn_send_frame(c, frame);
}

struct pbuf *frame_json(json_t *value)
{
    return frame_reply(value, NULL, 0);
}

struct pbuf *frame_json_flags(json_t *value, size_t flags)
{
    return frame_reply(value, NULL, flags);
}

struct pbuf *frame_reply(json_t *value, json_t *id, size_t flags)
{
    struct pbuf *b = pbuf_new(256, PBUF_HEADROOM);
    if (!b)
        return NULL;
    int rc = json_dump_callback(value, dump_cb, &b, flags | JSON_COMPACT | JSON_ENCODE_ANY);
    if (rc == 0 && id && json_is_object(value)) {
        /* The id goes in as the last member, printed exactly whatever `flags` did to the rest. */
        b->end--; /* the closing brace */
        rc = json_object_size(value) ? pbuf_append(&b, ",\"id\":", 6)
                                     : pbuf_append(&b, "\"id\":", 5);
        if (rc == 0)
            rc = json_dump_callback(id, dump_cb, &b, JSON_COMPACT | JSON_ENCODE_ANY);
        if (rc == 0)
            rc = pbuf_append(&b, "}", 1);
    }
    if (rc != 0) {
        pbuf_unref(b);
        return NULL;
    }
    pbuf_frame(b, WS_OP_TEXT);
    return b;
}

int conn_send_json(struct conn *c, json_t *value)
{
    struct pbuf *b = frame_json(value);
    if (!b)
        return -ENOMEM;
    conn_send_frame(c, b);
    pbuf_unref(b);
    return 0;
}

/* Raw bytes are HTTP answers, or the 101 that ends HTTP. */
static enum bound raw_bound(const struct conn *c)
{
    /* A final answer (Connection: close) is queued after its head set the state to drain. */
    return c->state == CS_HTTP || (c->state == CS_DRAIN && !c->upgraded) ? BOUND_TOTAL : BOUND_NONE;
}

int conn_send_pbuf(struct conn *c, struct pbuf *b)
{
    return enqueue(c, b, raw_bound(c));
}

int conn_send_raw(struct conn *c, const void *data, size_t len)
{
    struct pbuf *b = pbuf_new(len, 0);
    if (!b)
        return -ENOMEM;
    pbuf_append(&b, data, len);
    int rc = enqueue(c, b, raw_bound(c));
    pbuf_unref(b);
    return rc;
}

/* ---- writing ----------------------------------------------------------------------------- */

static void on_write(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    struct pulse_server *srv = c->srv;
    size_t n = c->writing;
    c->writing = 0;
    if (status < 0) {
        outq_consume(&c->q, n);
        srv->queued_total -= n;
        conn_close(c);
        return;
    }
    account_written(c, n);
    conn_after_write(c);
}

/* libuv reports a write only when all of it is done, and a slow reader's progress must show
 * (it extends the no-progress deadline): one uv_write carries at most WRITE_CHUNK bytes. */
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

/* Writes what the socket takes now and hands the rest (up to WRITE_CHUNK) to one uv_write. */
static void conn_flush(struct conn *c)
{
    uv_buf_t bufs[IOV_BATCH];
    if (!c->writing && write_now(c) > 0 && !c->broken) {
        unsigned n = cap_bytes(bufs, outq_iov(&c->q, (struct iovec *)bufs, IOV_BATCH));
        c->wreq.data = c;
        if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs, n, on_write) < 0)
            c->broken = 1;
        else
            c->writing = iov_total(bufs, n);
    }
    if (c->broken)
        conn_close(c);
    else if (!c->writing)
        conn_after_write(c);
    else
        pause_reading(c);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;
    free(req);
    if (status < 0)
        conn_close(c);
}

/* After the queue drained: a draining connection shuts its write side down. */
static void conn_after_write(struct conn *c)
{
    if (c->q.bytes > 0) {
        mark_dirty(c);
        return;
    }
    resume_reading(c);
    if (c->q.bytes > 0) { /* answers to stashed requests */
        mark_dirty(c);
        return;
    }
    if (c->state != CS_DRAIN)
        return;
    uv_shutdown_t *req = malloc(sizeof(*req));
    c->state = CS_SHUT;
    c->deadline = uv_now(c->srv->loop) + SHUT_MS;
    if (!req) {
        conn_close(c);
        return;
    }
    req->data = c;
    if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
        free(req);
        conn_close(c);
    }
}

/* A slow consumer: Close 1008 when the socket can still take it, else drop the TCP connection. */
static void close_slow(struct conn *c)
{
    struct pulse_server *srv = c->srv;
    srv->counters.slow_closes++;
    log_event(&srv->log, LOG_INFO, "slow_consumer", "closing %s with %zu bytes queued", c->id,
              c->q.bytes);
    if (c->writing || outq_partial(&c->q) || c->state != CS_WS) {
        conn_close(c);
        return;
    }
    srv->counters.dropped += c->q.count;
    srv->queued_total -= c->q.bytes;
    outq_clear(&c->q);
    c->slow = 0;
    conn_close_ws(c, 1008, "slow consumer");
}

static void on_check(uv_check_t *h)
{
    struct pulse_server *srv = h->data;
    while (srv->dirty) {
        struct conn *c = srv->dirty;
        srv->dirty = c->dirty_next;
        c->dirty = 0;
        if (c->state == CS_CLOSING)
            continue;
        if (c->broken)
            conn_close(c);
        else if (c->slow)
            close_slow(c);
        else
            conn_flush(c);
    }
}

/* ---- closing ----------------------------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct pulse_server *srv = c->srv;
    srv->queued_total -= c->q.bytes;
    outq_clear(&c->q);
    ws_free(&c->ws); /* a no-op for a session that never started */
    if (c->stash && c->stash->yielded == YIELD_QUEUED)
        unlink_resume(c);
    free(c->stash);
    free(c->http);
    free(c);
    if (srv->stopping && srv->conns.total == 0)
        transport_stop(srv);
}

static void conn_close(struct conn *c)
{
    struct pulse_server *srv = c->srv;
    if (c->state == CS_CLOSING)
        return;
    if (c->upgraded) {
        conn_log_ws_closed(c, &srv->log, pulse_wall_ms());
        conn_mgr_ws_count(&srv->conns, -1);
        c->upgraded = 0;
    }
    bc_unsubscribe_all(&srv->bc, c);
    conn_mgr_remove(&srv->conns, c);
    c->state = CS_CLOSING;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

void conn_close_ws(struct conn *c, uint16_t code, const char *reason)
{
    if (c->state != CS_WS)
        return;
    ws_close(&c->ws, code, reason);
    conn_drain(c);
}

/* ---- WebSocket --------------------------------------------------------------------------- */

static void ws_output(void *user, const uint8_t *data, size_t len)
{
    struct conn *c = user;
    struct pbuf *b = pbuf_new(len, 0);
    if (!b)
        return;
    pbuf_append(&b, data, len);
    /* Close frames must go out even past the bounds; other control frames count against them. */
    enqueue(c, b, (data[0] & 0x0f) == WS_OP_CLOSE ? BOUND_NONE : BOUND_ALL);
    pbuf_unref(b);
}

static void ws_message(void *user, int opcode, const uint8_t *msg, size_t len)
{
    struct conn *c = user;
    if (c->slow)
        return;
    handlers_message(c->srv, c, opcode, (const char *)msg, len);
}

static const struct ws_handlers ws_cb = {ws_message, ws_output};

static void send_welcome(struct conn *c)
{
    struct pulse_server *srv = c->srv;
    json_t *w = json_pack("{s:s, s:i, s:s, s:s, s:I, s:b}", "type", "welcome", "protocol", 1,
                          "server", "pulse/" PULSE_VERSION, "connection_id", c->id, "heartbeat_ms",
                          (json_int_t)srv->cfg.heartbeat_ms, "auth_required", 0);
    conn_send_json(c, w);
    json_decref(w);
}

static int upgrade(struct conn *c, const struct http_req *req, const char *accept)
{
    struct pulse_server *srv = c->srv;
    char resp[256];
    if (!handshake_origin_ok(http_req_header(req, HH_ORIGIN), http_req_header(req, HH_HOST), "http",
                             (const char(*)[256])srv->cfg.allowed_origins,
                             srv->cfg.n_allowed_origins))
        return 403;
    if (srv->conns.ws_count >= (unsigned)srv->cfg.max_connections)
        return 503;
    ws_init(&c->ws, (size_t)srv->cfg.max_message_bytes, &ws_cb, c);
    int n = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     accept);
    c->upgraded = 1;
    conn_mgr_ws_count(&srv->conns, +1);
    c->state = CS_WS;
    free(c->http);
    c->http = NULL;
    rl_init(&c->rl, srv->cfg.rate_burst, uv_now(srv->loop));
    conn_send_raw(c, resp, (size_t)n);
    send_welcome(c);
    return 101;
}

/* ---- HTTP -------------------------------------------------------------------------------- */

/* Answers one complete request; returns 1 when the connection became a WebSocket. */
static int http_answer(struct conn *c, const struct http_req *req, char *path)
{
    if (http_req_path(req, path, sizeof(req->url)) < 0) {
        routes_error(c, 400, 0);
        return 0;
    }
    if (strcmp(path, "/ws") == 0) {
        char accept[WS_ACCEPT_LEN + 1];
        int status = handshake_check(req, accept);
        if (status == 101)
            status = upgrade(c, req, accept);
        if (status == 101)
            return 1;
        routes_error(c, status, 0);
        return 0;
    }
    if (handshake_is_upgrade(req)) {
        routes_error(c, 404, 0);
        return 0;
    }
    routes_http(c->srv, c, req, path);
    return 0;
}

/* Answers one request and writes its access line (debug level). */
static int http_request(struct conn *c, const struct http_req *req)
{
    char path[sizeof(req->url)] = "";
    /* Read before answering: an upgrade frees the request (it lives in c->http). */
    const char *method = http_method_str((enum http_method)req->method);
    c->http_status = 101;
    int upgraded = http_answer(c, req, path);
    conn_log_http(c, &c->srv->log, method, path);
    return upgraded;
}

/* The bytes are the server's read buffer: the session unmasks them in place. */
static void on_ws_bytes(struct conn *c, uint8_t *data, size_t len)
{
    if (ws_feed(&c->ws, data, len) == WS_CLOSED)
        conn_drain(c);
    else
        mark_dirty(c);
}

static void on_resumer(uv_idle_t *h)
{
    struct pulse_server *srv = h->data;
    while (srv->resumes) {
        struct conn *c = srv->resumes;
        unlink_resume(c);
        resume_reading(c);
    }
    uv_idle_stop(h);
}

static void stash_rest(struct conn *c, const char *data, size_t len)
{
    c->stash = malloc(sizeof(*c->stash) + len);
    if (!c->stash) {
        conn_close(c);
        return;
    }
    *c->stash = (struct http_stash){.len = len};
    memcpy(c->stash->data, data, len);
    pause_reading(c);
}

static void on_http_bytes(struct conn *c, char *data, size_t len)
{
    unsigned served = 0;
    while (len > 0 && c->state == CS_HTTP) {
        /* Any byte resets the idle clock, so a client trickling a request a byte at a time
         * would never be timed out: its first byte starts a deadline for the whole request. */
        if (!c->head_deadline)
            c->head_deadline = uv_now(c->srv->loop) + HTTP_HEAD_MS;
        size_t used = 0;
        enum http_in_status st = http_in_feed(c->http, data, len, &used);
        if (st == HTTP_IN_MORE)
            return;
        if (st == HTTP_IN_ERROR) {
            routes_error(c, c->http->error_status, 0);
            return;
        }
        data += used;
        len -= used;
        c->head_deadline = 0;
        if (http_request(c, &c->http->req)) {
            if (len > 0)
                on_ws_bytes(c, (uint8_t *)data, len);
            return;
        }
        if (c->state == CS_HTTP)
            http_in_init(c->http);
        /* Pipelined requests wait while the answers so far exceed the queue bound: kept in a
         * copy (the read buffer is shared) and answered when those are out. */
        if (c->state == CS_HTTP && len > 0 && c->q.bytes > (size_t)c->srv->cfg.max_queue_bytes) {
            stash_rest(c, data, len);
            return;
        }
        /* Many pipelined requests in one read wait for the next iteration after a batch, so
         * one client's burst does not hold up everyone else's events. */
        if (c->state == CS_HTTP && len > 0 && ++served >= HTTP_BATCH) {
            stash_rest(c, data, len);
            if (c->stash)
                c->stash->yielded = YIELD_WAIT;
            return;
        }
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    (void)suggested;
    buf->base = c->srv->read_buf;
    buf->len = sizeof(c->srv->read_buf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    c->last_rx = uv_now(c->srv->loop);
    c->bytes_in += (uint64_t)nread;
    if (c->state == CS_HTTP)
        on_http_bytes(c, buf->base, (size_t)nread);
    else if (c->state == CS_WS)
        on_ws_bytes(c, (uint8_t *)buf->base, (size_t)nread);
    /* CS_DRAIN / CS_SHUT: the peer's remaining bytes are read and dropped until its EOF. */
}

static void remote_name(struct conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
        return;
    char host[48] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    snprintf(c->remote, sizeof(c->remote), "%s:%d", host, port);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct pulse_server *srv = server->data;
    if (status < 0 || srv->stopping)
        return;
    struct conn *c = calloc(1, sizeof(*c));
    struct http_in *h = malloc(sizeof(*h));
    if (!c || !h || uv_tcp_init(srv->loop, &c->tcp) != 0) {
        free(c);
        free(h);
        return;
    }
    c->srv = srv;
    c->tcp.data = c;
    c->http = h;
    http_in_init(h);
    outq_init(&c->q);
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        c->state = CS_CLOSING;
        uv_close((uv_handle_t *)&c->tcp, on_closed);
        return;
    }
    conn_mgr_add(&srv->conns, c, srv->cfg.node_name);
    c->connected_at_ms = pulse_wall_ms();
    c->last_rx = uv_now(srv->loop);
    uv_tcp_nodelay(&c->tcp, 1);
    remote_name(c);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c);
}

/* ---- timers ------------------------------------------------------------------------------ */

static void heartbeat_one(struct conn *c, void *arg)
{
    uint64_t now = *(uint64_t *)arg;
    uint64_t hb = (uint64_t)c->srv->cfg.heartbeat_ms;
    if (c->state != CS_WS)
        return;
    if (now - c->last_rx >= 2 * hb) {
        log_event(&c->srv->log, LOG_DEBUG, "silent_peer", "dropping %s", c->id);
        conn_close(c);
        return;
    }
    ws_ping(&c->ws);
    mark_dirty(c);
}

static void on_heartbeat(uv_timer_t *t)
{
    struct pulse_server *srv = t->data;
    uint64_t now = uv_now(srv->loop);
    conn_mgr_foreach(&srv->conns, heartbeat_one, &now);
}

static void sweep_one(struct conn *c, void *arg)
{
    uint64_t now = *(uint64_t *)arg;
    if ((c->state == CS_HTTP && !c->paused &&
         (now - c->last_rx >= HTTP_IDLE_MS || (c->head_deadline && now >= c->head_deadline))) ||
        ((c->state == CS_DRAIN || c->state == CS_SHUT || c->paused) && now >= c->deadline))
        conn_close(c);
}

static void on_sweep(uv_timer_t *t)
{
    struct pulse_server *srv = t->data;
    uint64_t now = uv_now(srv->loop);
    conn_mgr_foreach(&srv->conns, sweep_one, &now);
}

/* ---- start and stop ---------------------------------------------------------------------- */

static void on_signal(uv_signal_t *s, int signum)
{
    struct pulse_server *srv = s->data;
    log_event(&srv->log, LOG_INFO, "shutdown", "signal %d", signum);
    transport_stop(srv);
}

static void on_stop_timer(uv_timer_t *t)
{
    struct pulse_server *srv = t->data;
    struct conn *c, *tmp;
    HASH_ITER(hh, srv->conns.by_id, c, tmp) conn_close(c);
    transport_stop(srv);
}

static void stop_one(struct conn *c, void *arg)
{
    (void)arg;
    if (c->state == CS_WS)
        conn_close_ws(c, 1001, "server shutting down");
    else if (c->state == CS_HTTP)
        conn_close(c);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void transport_stop(struct pulse_server *srv)
{
    if (!srv->stopping) {
        srv->stopping = 1;
        close_handle((uv_handle_t *)&srv->listener);
        uv_timer_start(&srv->stop_timer, on_stop_timer, STOP_MS, 0);
        conn_mgr_foreach(&srv->conns, stop_one, NULL);
    }
    if (srv->conns.total > 0)
        return;
    /* Everything is closed once the pending close callbacks ran; then uv_run returns. */
    close_handle((uv_handle_t *)&srv->flusher);
    close_handle((uv_handle_t *)&srv->resumer);
    close_handle((uv_handle_t *)&srv->heartbeat);
    close_handle((uv_handle_t *)&srv->sweep);
    close_handle((uv_handle_t *)&srv->stop_timer);
    close_handle((uv_handle_t *)&srv->sig_term);
    close_handle((uv_handle_t *)&srv->sig_int);
    handlers_stop(srv);
}

static int bind_listener(struct pulse_server *srv, char *why, size_t whylen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE},
                    *ai = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%ld", srv->cfg.port);
    if (getaddrinfo(srv->cfg.host, port, &hints, &ai) != 0 || !ai) {
        snprintf(why, whylen, "cannot resolve host '%s'", srv->cfg.host);
        return UV_EINVAL;
    }
    /* libuv sets SO_REUSEADDR on bind, so a restart on the same port works at once. */
    int rc = uv_tcp_bind(&srv->listener, ai->ai_addr, 0);
    freeaddrinfo(ai);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 4096, on_connection);
    if (rc < 0) {
        snprintf(why, whylen, "cannot listen on %s:%ld: %s", srv->cfg.host, srv->cfg.port,
                 uv_strerror(rc));
        return rc;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&ss, &len);
    srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

int transport_start(struct pulse_server *srv, char *why, size_t whylen)
{
    uv_tcp_init(srv->loop, &srv->listener);
    srv->listener.data = srv;
    int rc = bind_listener(srv, why, whylen);
    if (rc < 0)
        return rc;
    uv_check_init(srv->loop, &srv->flusher);
    srv->flusher.data = srv;
    uv_check_start(&srv->flusher, on_check);
    uv_idle_init(srv->loop, &srv->resumer);
    srv->resumer.data = srv;
    uv_timer_init(srv->loop, &srv->heartbeat);
    srv->heartbeat.data = srv;
    if (srv->cfg.heartbeat_ms > 0)
        uv_timer_start(&srv->heartbeat, on_heartbeat, (uint64_t)srv->cfg.heartbeat_ms,
                       (uint64_t)srv->cfg.heartbeat_ms);
    uv_timer_init(srv->loop, &srv->sweep);
    srv->sweep.data = srv;
    uv_timer_start(&srv->sweep, on_sweep, 500, 500);
    uv_timer_init(srv->loop, &srv->stop_timer);
    srv->stop_timer.data = srv;
    uv_signal_init(srv->loop, &srv->sig_term);
    srv->sig_term.data = srv;
    uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
    uv_signal_init(srv->loop, &srv->sig_int);
    srv->sig_int.data = srv;
    uv_signal_start(&srv->sig_int, on_signal, SIGINT);
    return 0;
}
