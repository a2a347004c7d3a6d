/* The WebSocket session with permessage-deflate: compressed messages (whole, fragmented, split
 * across reads) inflated and delivered, RSV1 rules (first frame of a data message only), bad
 * data, invalid UTF-8 after inflating, and the inflated-size limit (a zip bomb gets 1009). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "net/ws.h"

#define LIMIT 1000

struct capture {
    uint8_t out[4096];
    size_t out_len;
    char msg[LIMIT + 1];
    size_t msg_len;
    int nmsgs;
};

static void on_message(void *user, int opcode, const uint8_t *msg, size_t len)
{
    struct capture *cap = user;
    (void)opcode;
    assert_true(len <= LIMIT);
    memcpy(cap->msg, msg, len);
    cap->msg_len = len;
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
static struct ws_session ws;
static struct capture cap;
static struct pmd_inflater inf;

static int setup(void **state)
{
    (void)state;
    memset(&cap, 0, sizeof(cap));
    assert_int_equal(pmd_inflater_init(&inf, LIMIT), 0);
    ws_init(&ws, LIMIT, &handlers, &cap);
    ws_enable_deflate(&ws, &inf);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ws_free(&ws);
    pmd_inflater_free(&inf);
    return 0;
}

/* A masked client frame; `first` is the first header byte (FIN, RSV, opcode). */
static size_t frame(uint8_t *out, uint8_t first, const void *payload, size_t len)
{
    static const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    size_t n = 0;
    out[n++] = first;
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

static size_t zip(const void *msg, size_t len, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)(uintptr_t)msg;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_SYNC_FLUSH);
    size_t n = cap - z.avail_out - 4;
    deflateEnd(&z);
    return n;
}

static int close_code(void)
{
    for (size_t i = 0; i + 1 < cap.out_len;) {
        uint8_t op = cap.out[i] & 0x0f, len = cap.out[i + 1] & 0x7f;
        if (op == 0x8)
            return len >= 2 ? (cap.out[i + 2] << 8 | cap.out[i + 3]) : 0;
        i += 2 + len;
    }
    return -1;
}

static enum ws_state feed(uint8_t *buf, size_t n)
{
    return ws_feed(&ws, buf, n);
}

static void test_compressed_message(void **state)
{
    (void)state;
    const char *msg = "{\"type\":\"ping\",\"id\":1}";
    uint8_t z[128], buf[256];
    size_t zn = zip(msg, strlen(msg), z, sizeof(z));
    size_t n = frame(buf, 0xc1, z, zn); /* FIN, RSV1, text */
    assert_int_equal(feed(buf, n), WS_OPEN);
    assert_int_equal(cap.nmsgs, 1);
    assert_int_equal(cap.msg_len, strlen(msg));
    assert_memory_equal(cap.msg, msg, strlen(msg));
    n = frame(buf, 0x81, msg, strlen(msg)); /* uncompressed on the same connection */
    assert_int_equal(feed(buf, n), WS_OPEN);
    assert_int_equal(cap.nmsgs, 2);
}

static void test_compressed_fragments_bytewise(void **state)
{
    (void)state;
    char msg[600];
    uint8_t z[700], buf[1024];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = "abcdefgh"[i % 8 + (i % 31 == 0)];
    size_t zn = zip(msg, sizeof(msg), z, sizeof(z)), third = zn / 3;
    size_t n = frame(buf, 0x41, z, third); /* RSV1 on the first frame only */
    n += frame(buf + n, 0x00, z + third, third);
    n += frame(buf + n, 0x80, z + 2 * third, zn - 2 * third);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(feed(buf + i, 1), WS_OPEN);
    assert_int_equal(cap.nmsgs, 1);
    assert_int_equal(cap.msg_len, sizeof(msg));
    assert_memory_equal(cap.msg, msg, sizeof(msg));
}

static void test_rsv1_misplaced_1002(void **state)
{
    (void)state;
    uint8_t buf[64], z[32];
    size_t zn = zip("x", 1, z, sizeof(z));
    size_t n = frame(buf, 0x41, z, zn);
    n += frame(buf + n, 0xc0, "", 0); /* RSV1 on a continuation */
    assert_int_equal(feed(buf, n), WS_CLOSED);
    assert_int_equal(close_code(), 1002);
    const uint8_t firsts[] = {0xc9, 0xca, 0xc8, 0xa1}; /* RSV1 ping, pong, close; RSV2 text */
    for (size_t i = 0; i < sizeof(firsts); i++) {
        teardown(NULL);
        setup(NULL);
        n = frame(buf, firsts[i], "", 0);
        assert_int_equal(feed(buf, n), WS_CLOSED);
        assert_int_equal(close_code(), 1002);
    }
    assert_int_equal(cap.nmsgs, 0);
}

static void test_bad_data_and_utf8(void **state)
{
    (void)state;
    uint8_t buf[64], junk[] = {0xff, 0xff, 0xff};
    size_t n = frame(buf, 0xc1, junk, sizeof(junk));
    assert_int_equal(feed(buf, n), WS_CLOSED);
    assert_int_equal(close_code(), 1007);
    teardown(NULL);
    setup(NULL);
    uint8_t z[32];
    size_t zn = zip("\xed\xa0\x80", 3, z, sizeof(z)); /* a surrogate */
    n = frame(buf, 0xc1, z, zn);
    assert_int_equal(feed(buf, n), WS_CLOSED);
    assert_int_equal(close_code(), 1007);
    assert_int_equal(cap.nmsgs, 0);
}

static void test_zip_bomb_1009(void **state)
{
    (void)state;
    size_t big = 100000;
    char *msg = malloc(big);
    uint8_t z[1024], buf[1100];
    memset(msg, ' ', big);
    size_t zn = zip(msg, big, z, sizeof(z));
    assert_true(zn < 200);
    size_t n = frame(buf, 0xc1, z, zn);
    assert_int_equal(feed(buf, n), WS_CLOSED);
    assert_int_equal(close_code(), 1009);
    assert_true(inf.z.total_out <= LIMIT + 1); /* stopped at the limit */
    /* Exactly the limit is allowed. */
    teardown(NULL);
    setup(NULL);
    zn = zip(msg, LIMIT, z, sizeof(z));
    n = frame(buf, 0xc2, z, zn);
    assert_int_equal(feed(buf, n), WS_OPEN);
    assert_int_equal(cap.msg_len, LIMIT);
    free(msg);
}

static void test_rsv1_without_extension_1002(void **state)
{
    (void)state;
    uint8_t buf[64], z[32];
    ws_free(&ws);
    ws_init(&ws, LIMIT, &handlers, &cap);
    size_t zn = zip("hi", 2, z, sizeof(z));
    size_t n = frame(buf, 0xc1, z, zn);
    assert_int_equal(feed(buf, n), WS_CLOSED);
    assert_int_equal(close_code(), 1002);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_compressed_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed_fragments_bytewise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsv1_misplaced_1002, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_data_and_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_bomb_1009, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsv1_without_extension_1002, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
