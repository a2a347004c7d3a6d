/* The net write path (net/write_path.c, net/closing.c) behind a fake stream: queue accounting,
 * the per-connection and total bounds, coalescing, slow consumers, gathered and chunked writes,
 * failed writes, draining and shutdown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "net_harness.h"

static unsigned opened, ws_opened, closed;

static void on_open(struct net_conn *nc)
{
    (void)nc;
    opened++;
}

static void on_http_request(struct net_conn *nc, const struct http_req *req)
{
    (void)nc;
    (void)req;
}

static void on_ws_open(struct net_conn *nc)
{
    (void)nc;
    ws_opened++;
}

static void on_ws_message(struct net_conn *nc, int opcode, const char *data, size_t len)
{
    (void)nc;
    (void)opcode;
    (void)data;
    (void)len;
}

static void on_close(struct net_conn *nc)
{
    (void)nc;
    closed++;
}

static void on_stop(struct net *net)
{
    (void)net;
}

static const struct net_hooks hooks = {
    sizeof(struct net_conn), on_open,  on_http_request, on_ws_open,
    on_ws_message,           on_close, on_stop,         NULL};

static void setup(struct harness *t, size_t max_queue, size_t max_total)
{
    const struct net_limits lim = {.host = "127.0.0.1",
                                   .max_message_bytes = 65536,
                                   .max_queue_bytes = max_queue,
                                   .max_total_queue_bytes = max_total};
    opened = ws_opened = closed = 0;
    harness_init(t, &hooks, &lim, NULL);
}

/* An open WebSocket whose 101 is already written and skipped. */
static struct net_conn *ws_conn(struct harness *t, struct fake_stream **fs)
{
    struct net_conn *nc = harness_conn(t, fs);
    net_upgrade(nc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    harness_flush(t);
    assert_int_equal(fake_skip_head(*fs), 101);
    return nc;
}

/* A framed text message of `len` bytes of `c`, of `kind`. */
static struct pbuf *frame_of(size_t len, char c, uint32_t kind)
{
    struct pbuf *b = pbuf_new(len, PBUF_HEADROOM);
    char *bytes = malloc(len);
    memset(bytes, c, len);
    pbuf_append(&b, bytes, len);
    free(bytes);
    pbuf_frame(b, WS_OP_TEXT);
    b->kind = kind;
    return b;
}

static void test_send_and_account(void **state)
{
    (void)state;
    struct harness t;
    struct fake_stream *fs;
    setup(&t, 4096, 1 << 20);
    struct net_conn *nc = ws_conn(&t, &fs);
    assert_int_equal(opened, 1);
    assert_int_equal(ws_opened, 1);
    struct pbuf *a = frame_of(10, 'a', PBUF_PLAIN), *b = frame_of(20, 'b', PBUF_PLAIN);
    assert_int_equal(net_send_frame(nc, a), 0);
    assert_int_equal(net_send_frame(nc, b), 0);
    assert_int_equal(nc->q.count, 2);
    assert_int_equal(nc->q.bytes, 12 + 22);
    assert_int_equal(t.net.queued_total, 12 + 22);
    uint64_t before = t.net.counters.bytes_out;
    harness_flush(&t);
    assert_int_equal(nc->q.bytes, 0);
    assert_int_equal(t.net.queued_total, 0);
    assert_int_equal(t.net.counters.bytes_out - before, 34);
    char buf[64];
    assert_int_equal(fake_next_frame(fs, buf, sizeof(buf)), WS_OP_TEXT);
    assert_string_equal(buf, "aaaaaaaaaa");
    assert_int_equal(fake_next_frame(fs, buf, sizeof(buf)), WS_OP_TEXT);
    assert_int_equal(strlen(buf), 20);
    assert_int_equal(fake_next_frame(fs, buf, sizeof(buf)), -1);
    assert_int_equal(fs->writes, 0); /* all went out by try_write */
    pbuf_unref(a);
    pbuf_unref(b);
    harness_free(&t);
    assert_int_equal(closed, 1);
}

/* Frames to a connection that is not an open WebSocket are refused. */
static void test_not_open(void **state)
{
    (void)state;
    struct harness t;
    setup(&t, 4096, 1 << 20);
    struct net_conn *http = harness_conn(&t, NULL);
    struct pbuf *a = frame_of(4, 'x', PBUF_PLAIN);
    assert_int_equal(net_send_frame(http, a), -EPIPE);
    struct fake_stream *fs;
    struct net_conn *nc = ws_conn(&t, &fs);
    net_close_ws(nc, 1000, "bye");
    assert_int_equal(nc->state, CS_DRAIN);
    assert_int_equal(net_send_frame(nc, a), -EPIPE);
    assert_int_equal(t.net.queued_total, nc->q.bytes); /* only the Close */
    pbuf_unref(a);
    harness_free(&t);
}

/* Past max_queue_bytes the connection is a slow consumer: Close 1008, the queue dropped. */
static void test_slow_consumer(void **state)
{
    (void)state;
    struct harness t;
    struct fake_stream *fs;
    setup(&t, 100, 1 << 20);
    struct net_conn *nc = ws_conn(&t, &fs);
    fs->take = 0; /* the peer reads nothing */
    struct pbuf *a = frame_of(40, 'x', PBUF_PLAIN);
    assert_int_equal(net_send_frame(nc, a), 0);
    assert_int_equal(net_send_frame(nc, a), 0);
    assert_int_equal(net_send_frame(nc, a), -ENOBUFS); /* 3 × 42 > 100 */
    assert_true(nc->slow);
    assert_int_equal(t.net.counters.dropped, 1);
    assert_int_equal(net_send_frame(nc, a), -EPIPE); /* nothing more once slow */
    fs->take = SIZE_MAX;
    harness_flush(&t);
    assert_int_equal(t.net.counters.slow_closes, 1);
    assert_int_equal(t.net.counters.dropped, 3); /* and the two queued */
    char buf[64];
    assert_int_equal(fake_next_frame(fs, buf, sizeof(buf)), WS_OP_CLOSE);
    assert_int_equal(((uint8_t)buf[0] << 8) | (uint8_t)buf[1], 1008);
    assert_string_equal(buf + 2, "slow consumer");
    assert_int_equal(nc->state, CS_SHUT);
    assert_true(fs->shut);
    assert_int_equal(t.net.queued_total, 0);
    pbuf_unref(a);
    harness_free(&t);
}

/* A slow consumer whose frame is partly written cannot get a Close: it is dropped. */
static void test_slow_partial_dropped(void **state)
{
    (void)state;
    struct harness t;
    struct fake_stream *fs;
    setup(&t, 100, 1 << 20);
    struct net_conn *nc = ws_conn(&t, &fs);
    struct pbuf *a = frame_of(40, 'x', PBUF_PLAIN);
    fs->take = 5;
    assert_int_equal(net_send_frame(nc, a), 0);
    assert_int_equal(net_send_frame(nc, a), 0);
    assert_int_equal(net_send_frame(nc, a), -ENOBUFS); /* 5 bytes written, still over */
    assert_true(outq_partial(&nc->q));
    harness_flush(&t);
    assert_int_equal(nc->state, CS_CLOSING);
    assert_int_equal(closed, 1);
    harness_reap(&t);
    assert_int_equal(t.net.nconns, 0);
    assert_int_equal(t.net.queued_total, 0);
    pbuf_unref(a);
    harness_free(&t);
}

/* All queues together are bounded too: the connection that would pass the total is slow. */
static void test_total_bound(void **state)
{
    (void)state;
    struct harness t;
    struct fake_stream *f1, *f2;
    setup(&t, 1000, 150);
    struct net_conn *a = ws_conn(&t, &f1), *b = ws_conn(&t, &f2);
    f1->take = f2->take = 0;
    struct pbuf *m = frame_of(60, 'm', PBUF_PLAIN);
    assert_int_equal(net_send_frame(a, m), 0);
    assert_int_equal(net_send_frame(b, m), 0);
    assert_int_equal(t.net.queued_total, 124);
    assert_int_equal(net_send_frame(b, m), -ENOBUFS);
    assert_true(b->slow);
    assert_false(a->slow);
    /* HTTP answers count against the total only */
    struct net_conn *http = harness_conn(&t, NULL);
    char body[40] = "0123456789";
    assert_int_equal(net_send_raw(http, body, 10), 0);
    assert_int_equal(net_send_raw(http, body, sizeof(body)), -ENOBUFS);
    pbuf_unref(m);
    harness_free(&t);
    assert_int_equal(t.net.queued_total, 0);
}

/* A newer coalescing frame replaces the queued one; a frame already being written stays. */
static void test_coalescing(void **state)
{
    (void)state;
    struct harness t;
    struct fake_stream *fs;
    setup(&t, 4096, 1 << 20);
    struct net_conn *nc = ws_conn(&t, &fs);
    fs->take = 0;
    struct pbuf *old = frame_of(30, 'o', PBUF_COALESCE), *young = frame_of(10, 'y', PBUF_COALESCE);
    struct pbuf *plain = frame_of(5, 'p', PBUF_PLAIN);
    assert_int_equal(net_replace_frame(nc, old), 0); /* nothing queued to replace */
    assert_int_equal(net_send_frame(nc, old), 0);
    assert_int_equal(net_send_frame(nc, plain), 0);
    assert_int_equal(net_replace_frame(nc, young), 1);
    assert_int_equal(nc->q.count, 2);
    assert_int_equal(nc->q.bytes, 12 + 7);
    assert_int_equal(t.net.queued_total, 19);
    assert_int_equal(t.net.counters.dropped, 1);
    fs->take = SIZE_MAX;
    harness_flush(&t);
    char buf[64];
    assert_int_equal(fake_next_frame(fs, buf, sizeof(buf)), WS_OP_TEXT);
    assert_string_equal(buf, "yyyyyyyyyy"); /* in the old one's place */
    assert_int_equal(fake_next_frame(fs, buf, sizeof(buf)), WS_OP_TEXT);
    assert_string_equal(buf, "ppppp");
    /* partly written: not replaced */
    fs->take = 3;
    assert_int_equal(net_send_frame(nc, old), 0);
    harness_flush(&t); /* 3 bytes by try_write, the rest handed to a stream write */
    assert_int_equal(fs->writes, 1);
    assert_int_equal(net_replace_frame(nc, young), 0);
    fake_complete(fs, 0);
    assert_int_equal(nc->q.bytes, 0);
    assert_int_equal(t.net.queued_total, 0);
    pbuf_unref(old);
    pbuf_unref(young);
    pbuf_unref(plain);
    harness_free(&t);
}

/* What try_write does not take goes to one stream write of at most 256 KiB; its completion
 * accounts the bytes and the rest follows. */
static void test_chunked_writes(void **state)
{
    (void)state;
    struct harness t;
    struct fake_stream *fs;
    setup(&t, 1 << 20, 1 << 22);
    struct net_conn *nc = ws_conn(&t, &fs);
    fs->take = 0;
    struct pbuf *big = frame_of(200000, 'b', PBUF_PLAIN);
    size_t flen = pbuf_len(big);
    assert_int_equal(net_send_frame(nc, big), 0);
    assert_int_equal(net_send_frame(nc, big), 0);
    harness_flush(&t);
    assert_int_equal(fs->writes, 1);
    assert_int_equal(fs->write_len, 256 * 1024);
    assert_int_equal(nc->writing, 256 * 1024);
    /* while a write is in flight, another flush writes nothing more */
    harness_flush(&t);
    assert_int_equal(fs->writes, 1);
    fake_complete(fs, 0);
    assert_int_equal(nc->q.bytes, 2 * flen - 256 * 1024);
    assert_int_equal(t.net.queued_total, nc->q.bytes);
    harness_flush(&t);
    assert_int_equal(fs->writes, 2);
    assert_int_equal(fs->write_len, 2 * flen - 256 * 1024);
    fake_complete(fs, 0);
    assert_int_equal(nc->q.bytes, 0);
    assert_int_equal(t.net.queued_total, 0);
    assert_int_equal(fs->out_len - fs->read_pos, 2 * flen);
    pbuf_unref(big);
    harness_free(&t);
}

/* A failed write closes the connection and releases what it had queued. */
static void test_write_errors(void **state)
{
    (void)state;
    struct harness t;
    struct fake_stream *f1, *f2;
    setup(&t, 4096, 1 << 20);
    struct net_conn *a = ws_conn(&t, &f1), *b = ws_conn(&t, &f2);
    struct pbuf *m = frame_of(10, 'm', PBUF_PLAIN);
    f1->try_error = UV_EPIPE;
    assert_int_equal(net_send_frame(a, m), 0);
    harness_flush(&t);
    assert_int_equal(a->state, CS_CLOSING);
    f2->take = 0;
    assert_int_equal(net_send_frame(b, m), 0);
    harness_flush(&t);
    assert_int_equal(f2->writes, 1);
    fake_complete(f2, UV_ECONNRESET);
    assert_int_equal(b->state, CS_CLOSING);
    assert_int_equal(closed, 2);
    harness_reap(&t);
    assert_int_equal(t.net.nconns, 0);
    assert_int_equal(t.net.queued_total, 0);
    pbuf_unref(m);
    harness_free(&t);
}

/* net_drain sends what is queued, then shuts the write side down. */
static void test_drain_then_shutdown(void **state)
{
    (void)state;
    struct harness t;
    struct fake_stream *fs;
    setup(&t, 4096, 1 << 20);
    struct net_conn *nc = harness_conn(&t, &fs);
    fs->take = 0;
    assert_int_equal(net_send_raw(nc, "HTTP/1.1 200 OK\r\n\r\n", 19), 0);
    net_drain(nc);
    assert_int_equal(nc->state, CS_DRAIN);
    harness_flush(&t);
    assert_false(fs->shut); /* still writing */
    fake_complete(fs, 0);
    assert_int_equal(nc->state, CS_SHUT);
    assert_true(fs->shut);
    assert_int_equal(net_send_raw(nc, "x", 1), -EPIPE);
    harness_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_and_account),    cmocka_unit_test(test_not_open),
        cmocka_unit_test(test_slow_consumer),       cmocka_unit_test(test_slow_partial_dropped),
        cmocka_unit_test(test_total_bound),         cmocka_unit_test(test_coalescing),
        cmocka_unit_test(test_chunked_writes),      cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_drain_then_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
