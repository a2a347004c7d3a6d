/* The WebSocket session: framing rules, UTF-8 validation (fail-fast, across fragments), message
 * size limit, control frames and close codes, checked on the bytes the session emits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "net/ws.h"

struct capture {
    uint8_t out[4096];
    size_t out_len;
    char msgs[8][256];
    int nmsgs;
};

static void on_message(void *user, int opcode, const uint8_t *msg, size_t len)
{
    struct capture *cap = user;
    (void)opcode;
    if (cap->nmsgs < 8 && len < 256) {
        memcpy(cap->msgs[cap->nmsgs], msg, len);
        cap->msgs[cap->nmsgs][len] = '\0';
    }
    cap->nmsgs++;
}

static void on_output(void *user, const uint8_t *data, size_t len)
{
    struct capture *cap = user;
    assert_true(cap->out_len + len <= sizeof(cap->out));
    memcpy(cap->out + cap->out_len, data, len);
    cap->out_len += len;
}

static const struct ws_handlers handlers = {on_message, on_output};

/* A masked client frame. */
static size_t frame(uint8_t *out, int fin, int rsv, int opcode, const void *payload, size_t len)
{
    static const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    size_t n = 0;
    out[n++] = (uint8_t)((fin ? 0x80 : 0) | (rsv << 4) | opcode);
    if (len < 126) {
        out[n++] = (uint8_t)(0x80 | len);
    } else {
        out[n++] = 0x80 | 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    }
    memcpy(out + n, mask, 4);
    n += 4;
    for (size_t i = 0; i < len; i++)
        out[n + i] = ((const uint8_t *)payload)[i] ^ mask[i % 4];
    return n + len;
}

/* The status code of the Close frame the session sent last, or -1. */
static int close_code(const struct capture *cap)
{
    for (size_t i = 0; i + 1 < cap->out_len;) {
        uint8_t op = cap->out[i] & 0x0f, len = cap->out[i + 1] & 0x7f;
        if (op == 0x8)
            return len >= 2 ? (cap->out[i + 2] << 8 | cap->out[i + 3]) : 0;
        i += 2 + len;
    }
    return -1;
}

static struct ws_session ws;
static struct capture cap;

static int setup(void **state)
{
    (void)state;
    memset(&cap, 0, sizeof(cap));
    ws_init(&ws, 1000, &handlers, &cap);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ws_free(&ws);
    return 0;
}

static enum ws_state send_frame(int fin, int rsv, int op, const void *p, size_t len)
{
    uint8_t buf[2048];
    size_t n = frame(buf, fin, rsv, op, p, len);
    return ws_feed(&ws, buf, n);
}

static void test_text_message(void **state)
{
    (void)state;
    assert_int_equal(send_frame(1, 0, 1, "{\"type\":\"ping\"}", 15), WS_OPEN);
    assert_int_equal(cap.nmsgs, 1);
    assert_string_equal(cap.msgs[0], "{\"type\":\"ping\"}");
    assert_int_equal(cap.out_len, 0);
}

static void test_fragments_reassembled_bytewise(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t n = frame(buf, 0, 0, 1, "hel", 3);
    n += frame(buf + n, 0, 0, 0, "lo ", 3);
    n += frame(buf + n, 1, 0, 0, "world", 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ws_feed(&ws, buf + i, 1), WS_OPEN);
    assert_int_equal(cap.nmsgs, 1);
    assert_string_equal(cap.msgs[0], "hello world");
}

static void test_unmasked_frame_1002(void **state)
{
    (void)state;
    uint8_t buf[] = {0x81, 0x02, 'h', 'i'};
    assert_int_equal(ws_feed(&ws, buf, sizeof(buf)), WS_CLOSED);
    assert_int_equal(close_code(&cap), 1002);
    assert_int_equal(cap.nmsgs, 0);
}

static void test_rsv_and_opcodes_1002(void **state)
{
    (void)state;
    assert_int_equal(send_frame(1, 4, 1, "x", 1), WS_CLOSED);
    assert_int_equal(close_code(&cap), 1002);
    teardown(NULL);
    setup(NULL);
    assert_int_equal(send_frame(1, 0, 3, "x", 1), WS_CLOSED);
    assert_int_equal(close_code(&cap), 1002);
}

static void test_invalid_utf8_fail_fast(void **state)
{
    (void)state;
    /* The bad byte is in the first fragment: the close must come before the message ends. */
    assert_int_equal(send_frame(0, 0, 1, "ok\xed\xa0\x80", 5), WS_CLOSED);
    assert_int_equal(close_code(&cap), 1007);
    assert_int_equal(cap.nmsgs, 0);
}

static void test_utf8_split_across_fragments(void **state)
{
    (void)state;
    /* U+20AC split between two fragments is valid. */
    assert_int_equal(send_frame(0, 0, 1, "\xe2\x82", 2), WS_OPEN);
    assert_int_equal(send_frame(1, 0, 0, "\xac", 1), WS_OPEN);
    assert_int_equal(cap.nmsgs, 1);
    assert_string_equal(cap.msgs[0], "\xe2\x82\xac");
}

static void test_truncated_utf8_at_end(void **state)
{
    (void)state;
    assert_int_equal(send_frame(0, 0, 1, "a", 1), WS_OPEN);
    assert_int_equal(send_frame(1, 0, 0, "\xe2\x82", 2), WS_CLOSED);
    assert_int_equal(close_code(&cap), 1007);
}

static void test_message_size_limit(void **state)
{
    (void)state;
    static char big[1001];
    memset(big, 'a', sizeof(big));
    assert_int_equal(send_frame(1, 0, 1, big, 1000), WS_OPEN); /* exactly the limit */
    assert_int_equal(cap.nmsgs, 1);
    assert_int_equal(send_frame(0, 0, 1, big, 600), WS_OPEN);
    assert_int_equal(send_frame(1, 0, 0, big, 401), WS_CLOSED); /* 1001 in all */
    assert_int_equal(close_code(&cap), 1009);
}

static void test_ping_answered_between_fragments(void **state)
{
    (void)state;
    assert_int_equal(send_frame(0, 0, 1, "ab", 2), WS_OPEN);
    assert_int_equal(send_frame(1, 0, 9, "hey", 3), WS_OPEN);
    /* pong with the same payload, sent at once */
    assert_int_equal(cap.out_len, 5);
    assert_memory_equal(cap.out, "\x8a\x03hey", 5);
    assert_int_equal(send_frame(1, 0, 0, "c", 1), WS_OPEN);
    assert_string_equal(cap.msgs[0], "abc");
}

static void test_control_frame_rules(void **state)
{
    (void)state;
    static char p[126];
    assert_int_equal(send_frame(1, 0, 9, p, 126), WS_CLOSED); /* ping over 125 bytes */
    assert_int_equal(close_code(&cap), 1002);
    teardown(NULL);
    setup(NULL);
    assert_int_equal(send_frame(0, 0, 9, "x", 1), WS_CLOSED); /* fragmented ping */
    assert_int_equal(close_code(&cap), 1002);
    teardown(NULL);
    setup(NULL);
    assert_int_equal(send_frame(1, 0, 0, "x", 1), WS_CLOSED); /* nothing to continue */
    assert_int_equal(close_code(&cap), 1002);
}

static void test_close_echo_and_bad_codes(void **state)
{
    (void)state;
    assert_int_equal(send_frame(1, 0, 8, "\x0b\xb8", 2), WS_CLOSED); /* 3000 is echoed */
    assert_int_equal(close_code(&cap), 3000);
    teardown(NULL);
    setup(NULL);
    assert_int_equal(send_frame(1, 0, 8, "\x03\xe8", 1), WS_CLOSED); /* 1-byte payload */
    assert_int_equal(close_code(&cap), 1002);
    uint16_t bad[] = {999, 1004, 1005, 1006, 1015, 2000, 5000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        teardown(NULL);
        setup(NULL);
        uint8_t code[2] = {(uint8_t)(bad[i] >> 8), (uint8_t)bad[i]};
        assert_int_equal(send_frame(1, 0, 8, code, 2), WS_CLOSED);
        assert_int_equal(close_code(&cap), 1002);
    }
}

/* Bad first bytes fail at once, without waiting for the rest of the header. */
static void test_fail_on_first_two_bytes(void **state)
{
    (void)state;
    uint8_t unmasked[] = {0x81, 0x05};
    assert_int_equal(ws_feed(&ws, unmasked, 2), WS_CLOSED);
    assert_int_equal(close_code(&cap), 1002);
}

/* A ping split over reads is answered once it is complete; no receive buffer is kept after. */
static void test_control_split_across_reads(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = frame(buf, 1, 0, 9, "abcdef", 6);
    assert_int_equal(ws_feed(&ws, buf, 7), WS_OPEN);
    assert_int_equal(cap.out_len, 0);
    assert_int_equal(ws_feed(&ws, buf + 7, n - 7), WS_OPEN);
    assert_memory_equal(cap.out,
                        "\x8a\x06"
                        "abcdef",
                        8);
    assert_null(ws.ctrl);
    assert_null(ws.buf);
}

static void test_close_reason_utf8(void **state)
{
    (void)state;
    assert_int_equal(send_frame(1, 0, 8, "\x03\xe8ok\xff", 5), WS_CLOSED);
    assert_int_equal(close_code(&cap), 1007);
}

/* A whole message in one read is handed on from the read buffer itself. */
static void test_zero_copy_and_no_buffer_when_idle(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = frame(buf, 1, 0, 1, "hello", 5);
    assert_int_equal(ws_feed(&ws, buf, n), WS_OPEN);
    assert_string_equal(cap.msgs[0], "hello");
    assert_null(ws.buf);
    /* a message split over two reads is buffered, then the buffer is released */
    n = frame(buf, 1, 0, 1, "world", 5);
    assert_int_equal(ws_feed(&ws, buf, n - 2), WS_OPEN);
    assert_non_null(ws.buf);
    assert_int_equal(ws_feed(&ws, buf + n - 2, 2), WS_OPEN);
    assert_string_equal(cap.msgs[1], "world");
    assert_null(ws.buf);
}

static void test_empty_and_binary_messages(void **state)
{
    (void)state;
    assert_int_equal(send_frame(1, 0, 1, "", 0), WS_OPEN);
    assert_int_equal(send_frame(0, 0, 2, "\x00\xff", 2), WS_OPEN);
    assert_int_equal(send_frame(0, 0, 0, "", 0), WS_OPEN);
    assert_int_equal(send_frame(1, 0, 0, "\x01", 1), WS_OPEN);
    assert_int_equal(cap.nmsgs, 2);
    assert_string_equal(cap.msgs[0], "");
}

static void test_server_close(void **state)
{
    (void)state;
    ws_close(&ws, 1001, "bye");
    assert_int_equal(close_code(&cap), 1001);
    assert_false(ws_can_send(&ws));
    size_t len = cap.out_len;
    ws_close(&ws, 1000, NULL); /* only one Close is ever sent */
    assert_int_equal(cap.out_len, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragments_reassembled_bytewise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmasked_frame_1002, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsv_and_opcodes_1002, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_fail_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_split_across_fragments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_utf8_at_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ping_answered_between_fragments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_frame_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_echo_and_bad_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_on_first_two_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_split_across_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_reason_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_copy_and_no_buffer_when_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_binary_messages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
