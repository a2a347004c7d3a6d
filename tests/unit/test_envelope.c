/* The node-to-node envelope: round trips, binary payloads, and malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fleet/envelope.h"

static void test_round_trip(void **state)
{
    (void)state;
    static const char payload[] = "{\"type\":\"message\",\"data\":\"a\\nb\"}\0tail";
    struct envelope e = {ENV_PUBLISH, "node-1", 6, "chat", 4, payload, sizeof(payload) - 1};
    char buf[256];
    long n = envelope_encode(&e, buf, sizeof(buf));
    assert_int_equal(n, (long)envelope_size(&e));
    assert_memory_equal(buf, "P1p6:node-14:chat{", 18);
    struct envelope d;
    assert_int_equal(envelope_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.kind, ENV_PUBLISH);
    assert_int_equal(d.origin_len, 6);
    assert_memory_equal(d.origin, "node-1", 6);
    assert_int_equal(d.arg_len, 4);
    assert_memory_equal(d.arg, "chat", 4);
    assert_int_equal(d.payload_len, sizeof(payload) - 1);
    assert_memory_equal(d.payload, payload, sizeof(payload) - 1);
    /* An empty argument and an empty payload. */
    struct envelope m = {ENV_METRICS, "n", 1, NULL, 0, NULL, 0};
    memset(buf, 0, sizeof(buf));
    n = envelope_encode(&m, buf, 8); /* exactly the size it needs */
    assert_int_equal(n, 8);
    assert_memory_equal(buf, "P1m1:n0:", 8);
    assert_int_equal(envelope_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.kind, ENV_METRICS);
    assert_int_equal(d.arg_len, 0);
    assert_int_equal(d.payload_len, 0);
    /* A recipient with spaces, colons and newlines survives. */
    struct envelope t = {ENV_DIRECT, "a", 1, "x: y\n", 5, "{}", 2};
    n = envelope_encode(&t, buf, sizeof(buf));
    assert_int_equal(envelope_decode(buf, (size_t)n, &d), 0);
    assert_memory_equal(d.arg, "x: y\n", 5);
}

static void test_encode_refuses(void **state)
{
    (void)state;
    char buf[2048], big[ENVELOPE_ARG_MAX + 2];
    memset(big, 'a', sizeof(big));
    struct envelope e = {ENV_PUBLISH, "", 0, "c", 1, "{}", 2};
    assert_int_equal(envelope_encode(&e, buf, sizeof(buf)), -22);
    e.origin = big;
    e.origin_len = ENVELOPE_ORIGIN_MAX + 1;
    assert_int_equal(envelope_encode(&e, buf, sizeof(buf)), -22);
    e.origin_len = 3;
    e.arg = big;
    e.arg_len = ENVELOPE_ARG_MAX + 1;
    assert_int_equal(envelope_encode(&e, buf, sizeof(buf)), -22);
    e.arg_len = 1;
    e.kind = (enum envelope_kind)'x';
    assert_int_equal(envelope_encode(&e, buf, sizeof(buf)), -22);
    e.kind = ENV_INSIGHT;
    assert_int_equal(envelope_encode(&e, buf, 5), -22);
}

static void test_decode_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "P",
        "P1",
        "P2p1:a0:",
        "X1p1:a0:",
        "P1x1:a0:",
        "P1p",
        "P1p1",
        "P1p1:",
        "P1p0:0:",
        "P1p1:a",
        "P1p1:a0",
        "P1p01:a0:",
        "P1p2:a0:",
        "P1p1:a5:abc",
        "P1p1:a-1:",
        "P1p:a0:",
        "P1p99999999:a0:",
        "P1p1:a1025:",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct envelope d;
        if (envelope_decode(bad[i], strlen(bad[i]), &d) != -22)
            fail_msg("accepted '%s'", bad[i]);
    }
    struct envelope d;
    assert_int_equal(envelope_decode(NULL, 0, &d), -22);
    assert_int_equal(envelope_decode("P1p1:a0:", 8, &d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_decode_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
