/* The RFC 6455 section 4.2 handshake checks (the HTTP request reader: test_http.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/handshake.h"
#include "net/http.h"

#define GOOD_REQ                                                                                   \
    "GET /ws?token=abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"       \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

static enum http_in_status feed_all(struct http_in *h, const char *s, size_t *used)
{
    http_in_init(h);
    return http_in_feed(h, s, strlen(s), used);
}

static void test_accept_sample_key(void **state)
{
    (void)state;
    char accept[WS_ACCEPT_LEN + 1];
    handshake_accept("dGhlIHNhbXBsZSBub25jZQ==", accept);
    assert_string_equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_good_request(void **state)
{
    (void)state;
    struct http_in h;
    size_t used;
    char accept[WS_ACCEPT_LEN + 1], path[64], tok[16];
    assert_int_equal(feed_all(&h, GOOD_REQ, &used), HTTP_IN_DONE);
    assert_int_equal(used, strlen(GOOD_REQ));
    assert_int_equal(handshake_check(&h.req, accept), 101);
    assert_string_equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(http_req_path(&h.req, path, sizeof(path)), 0);
    assert_string_equal(path, "/ws");
    assert_int_equal(http_req_query(&h.req, "token", tok, sizeof(tok)), 3);
    assert_string_equal(tok, "abc");
    assert_int_not_equal(http_req_query(&h.req, "nope", tok, sizeof(tok)), 0);
}

static int check(const char *req)
{
    struct http_in h;
    size_t used;
    char accept[WS_ACCEPT_LEN + 1];
    if (feed_all(&h, req, &used) != HTTP_IN_DONE)
        return -1;
    return handshake_check(&h.req, accept);
}

static void test_refusals(void **state)
{
    (void)state;
    /* version 12 → 426 (the response adds Sec-WebSocket-Version: 13) */
    assert_int_equal(check("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 12\r\n\r\n"),
                     426);
    assert_int_equal(check("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
                     426);
    /* keys that do not decode to 16 bytes */
    const char *keys[] = {"",
                          "abc",
                          "dGhlIHNhbXBsZSBub25jZQ=",
                          "dGhlIHNhbXBsZSBub25jZQ",
                          "dGhlIHNhbXBsZSBub25j!Q==",
                          "dGhlIHNhbXBsZSBub25jZSE="};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char req[512];
        snprintf(req, sizeof(req),
                 "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                 keys[i]);
        assert_int_equal(check(req), 400);
    }
    /* POST is not upgraded; a GET without Upgrade is not either */
    assert_int_equal(check("POST /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n"),
                     405);
    assert_int_equal(check("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"), 426);
}

static void test_tokens_case_insensitive(void **state)
{
    (void)state;
    assert_int_equal(check("GET /ws HTTP/1.1\r\nuPGRADE: WebSocket\r\n"
                           "CONNECTION: keep-alive, Upgrade\r\n"
                           "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "SEC-WEBSOCKET-VERSION: 13\r\n\r\n"),
                     101);
    assert_true(http_has_token("keep-alive,  upgrade ", "Upgrade"));
    assert_false(http_has_token("upgraded", "upgrade"));
    assert_false(http_has_token("", "upgrade"));
}

static void test_origin(void **state)
{
    (void)state;
    static const char allowed[2][256] = {"http://ok.example", "https://also.example:8443/"};
    struct {
        const char *origin, *host;
        int ok;
    } cases[] = {
        {"", "127.0.0.1:8080", 1},                      /* not a browser */
        {"http://127.0.0.1:8080", "127.0.0.1:8080", 1}, /* same origin */
        {"HTTP://LOCALHOST:8080", "localhost:8080", 1}, /* case-insensitive */
        {"http://localhost", "localhost:80", 1},        /* default port */
        {"http://[::1]:8080", "[::1]:8080", 1},
        {"http://127.0.0.1:8081", "127.0.0.1:8080", 0},  /* another port */
        {"https://127.0.0.1:8080", "127.0.0.1:8080", 0}, /* another scheme */
        {"http://evil.example", "127.0.0.1:8080", 0},
        {"http://127.0.0.1:8080.evil", "127.0.0.1:8080", 0},
        {"null", "127.0.0.1:8080", 0},
        {"http://ok.example", "127.0.0.1:8080", 1}, /* listed */
        {"https://also.example:8443", "127.0.0.1:8080", 1},
        {"http://ok.example.evil.example", "127.0.0.1:8080", 0},
        {"http://ok.example:81", "127.0.0.1:8080", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(handshake_origin_ok(cases[i].origin, cases[i].host, "http", allowed, 2),
                         cases[i].ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_sample_key),
        cmocka_unit_test(test_good_request),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_tokens_case_insensitive),
        cmocka_unit_test(test_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
