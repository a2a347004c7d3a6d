/* Shared frames and the outbound queue: framing, reference counts, partial writes, growth. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "net/outq.h"
#include "base/pbuf.h"

static struct pbuf *text(const char *s)
{
    struct pbuf *b = pbuf_new(8, PBUF_HEADROOM);
    assert_non_null(b);
    assert_int_equal(pbuf_append(&b, s, strlen(s)), 0);
    pbuf_frame(b, 1);
    return b;
}

static void test_frame_headers(void **state)
{
    (void)state;
    struct pbuf *b = text("hi");
    assert_int_equal(pbuf_len(b), 4);
    assert_memory_equal(b->data + b->start, "\x81\x02hi", 4);
    pbuf_unref(b);

    static char big[70000];
    memset(big, 'x', sizeof(big));
    b = pbuf_new(0, PBUF_HEADROOM);
    pbuf_append(&b, big, 300);
    pbuf_frame(b, 1);
    assert_memory_equal(b->data + b->start, "\x81\x7e\x01\x2c", 4); /* 16-bit length */
    pbuf_unref(b);
    b = pbuf_new(0, PBUF_HEADROOM);
    pbuf_append(&b, big, sizeof(big));
    pbuf_frame(b, 1);
    assert_int_equal(pbuf_len(b), sizeof(big) + 10); /* 64-bit length */
    assert_int_equal(b->data[b->start + 1], 127);
    assert_int_equal(
        b->data[b->start + 7] << 16 | b->data[b->start + 8] << 8 | b->data[b->start + 9], 70000);
    pbuf_unref(b);
}

/* One frame in three queues: one payload, freed with the last reference. */
static void test_shared_frame(void **state)
{
    (void)state;
    struct outq q[3];
    struct pbuf *b = text("shared");
    for (int i = 0; i < 3; i++) {
        outq_init(&q[i]);
        assert_int_equal(outq_push(&q[i], b), 0);
    }
    assert_int_equal(b->refs, 4);
    pbuf_unref(b);
    for (int i = 0; i < 3; i++) {
        struct iovec iov[4];
        assert_int_equal(outq_iov(&q[i], iov, 4), 1);
        assert_ptr_equal(iov[0].iov_base, b->data + b->start);
        outq_consume(&q[i], iov[0].iov_len);
        assert_int_equal(q[i].bytes, 0);
        outq_clear(&q[i]);
    }
}

static void test_gather_and_partial(void **state)
{
    (void)state;
    struct outq q;
    struct iovec iov[16];
    outq_init(&q);
    for (int i = 0; i < 10; i++) {
        struct pbuf *b = text("abcd"); /* 6 bytes framed */
        outq_push(&q, b);
        pbuf_unref(b);
    }
    assert_int_equal(q.bytes, 60);
    assert_int_equal(outq_iov(&q, iov, 16), 10);
    assert_int_equal(outq_iov(&q, iov, 4), 4); /* bounded by the caller's array */
    outq_consume(&q, 8);                       /* one frame and two bytes of the next */
    assert_true(outq_partial(&q));
    assert_int_equal(q.count, 9);
    assert_int_equal(outq_iov(&q, iov, 16), 9);
    assert_int_equal(iov[0].iov_len, 4);
    assert_memory_equal(iov[0].iov_base, "abcd", 4);
    outq_consume(&q, 52);
    assert_int_equal(q.count, 0);
    assert_int_equal(q.bytes, 0);
    assert_false(outq_partial(&q));
    outq_clear(&q);
}

/* The ring keeps order across wrap-around and growth. */
static void test_ring_order(void **state)
{
    (void)state;
    struct outq q;
    struct iovec iov[64];
    char s[16];
    outq_init(&q);
    int next_in = 0, next_out = 0;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < round % 7 + 1; i++) {
            snprintf(s, sizeof(s), "%04d", next_in++);
            struct pbuf *b = text(s);
            outq_push(&q, b);
            pbuf_unref(b);
        }
        unsigned n = outq_iov(&q, iov, 2);
        for (unsigned i = 0; i < n; i++) {
            snprintf(s, sizeof(s), "%04d", next_out++);
            assert_memory_equal((char *)iov[i].iov_base + 2, s, 4);
            outq_consume(&q, iov[i].iov_len);
        }
    }
    outq_clear(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_headers),
        cmocka_unit_test(test_shared_frame),
        cmocka_unit_test(test_gather_and_partial),
        cmocka_unit_test(test_ring_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
