/* The HTTP request reader (net/http): request heads, headers, queries, pipelining, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/http.h"

#define GOOD_REQ                                                                                   \
    "GET /ws?token=abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"       \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

static enum http_in_status feed_all(struct http_in *h, const char *s, size_t *used)
{
    http_in_init(h);
    return http_in_feed(h, s, strlen(s), used);
}

static void test_pct_decode(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(http_pct_decode("a%2Eb+c", 7, 1, out, sizeof(out)), 5);
    assert_string_equal(out, "a.b c");
    assert_int_equal(http_pct_decode("a%2eb+c", 7, 0, out, sizeof(out)), 5);
    assert_string_equal(out, "a.b+c");
    assert_int_equal(http_pct_decode("x%00y", 5, 0, out, sizeof(out)), 3); /* NUL kept, counted */
    assert_memory_equal(out, "x\0y", 3);
    assert_int_equal(http_pct_decode("", 0, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    const char *bad[] = {"%", "%4", "a%4", "%zz", "%4g", "%g4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(http_pct_decode(bad[i], strlen(bad[i]), 0, out, sizeof(out)), -EINVAL);
    /* the escape's digits are not read past n, even when more bytes follow */
    assert_int_equal(http_pct_decode("%41", 2, 0, out, sizeof(out)), -EINVAL);
    assert_int_equal(http_pct_decode("12345678", 8, 0, out, sizeof(out)), -ENOSPC);
    assert_int_equal(http_pct_decode("1234567", 7, 0, out, sizeof(out)), 7);
}

/* Stored header values share one arena: a repeated header continues its value (moved to the
 * end), and one value may be far longer than the others. */
static void test_header_arena(void **state)
{
    (void)state;
    struct http_in h;
    size_t used;
    char req[8192];
    char big[5001];
    memset(big, 'o', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(req, sizeof(req),
             "GET /ws HTTP/1.1\r\nConnection: keep-alive\r\nHost: h\r\nOrigin: http://%s\r\n"
             "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
             big);
    assert_int_equal(feed_all(&h, req, &used), HTTP_IN_DONE);
    assert_string_equal(http_req_header(&h.req, HH_CONNECTION), "keep-alive, Upgrade");
    assert_string_equal(http_req_header(&h.req, HH_HOST), "h");
    assert_int_equal(strlen(http_req_header(&h.req, HH_ORIGIN)), 7 + 5000);
    assert_string_equal(http_req_header(&h.req, HH_UPGRADE), "websocket");
    assert_string_equal(http_req_header(&h.req, HH_WS_KEY), ""); /* absent */

    /* A long value continued after other kept headers, more than once: the copies left behind
     * by moving it are reclaimed, so a head well under 8 KiB is not refused. */
    char inm[4201];
    memset(inm, 'e', sizeof(inm) - 1);
    inm[sizeof(inm) - 1] = '\0';
    snprintf(req, sizeof(req),
             "GET / HTTP/1.1\r\nIf-None-Match: %s\r\nHost: h\r\nIf-None-Match: y\r\n"
             "Accept-Encoding: gzip\r\nIf-None-Match: z\r\n\r\n",
             inm);
    assert_int_equal(feed_all(&h, req, &used), HTTP_IN_DONE);
    const char *v = http_req_header(&h.req, HH_IF_NONE_MATCH);
    assert_int_equal(strlen(v), 4200 + 6);
    assert_string_equal(v + 4200, ", y, z");
    assert_string_equal(http_req_header(&h.req, HH_HOST), "h");
    assert_string_equal(http_req_header(&h.req, HH_ACCEPT_ENCODING), "gzip");

    /* Interleaving repeats without end is refused (each move copies the value again). */
    size_t n = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(req + n, sizeof(req) - n, "Host: a\r\nOrigin: b\r\n");
    snprintf(req + n, sizeof(req) - n, "\r\n");
    assert_int_equal(feed_all(&h, req, &used), HTTP_IN_ERROR);
    assert_int_equal(h.error_status, 431);
}

/* Query parameters are form-encoded: names and values are decoded; the first match wins. */
static void test_query_decoding(void **state)
{
    (void)state;
    struct http_in h;
    size_t used;
    char v[16];
    const char *req = "GET /api/history?%6detric=cpu%2Eusage&seconds=%32&x=a+b&seconds=9&bad=%z"
                      "&empty=&flag HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(feed_all(&h, req, &used), HTTP_IN_DONE);
    assert_int_equal(http_req_query(&h.req, "metric", v, sizeof(v)), 9);
    assert_string_equal(v, "cpu.usage");
    assert_int_equal(http_req_query(&h.req, "seconds", v, sizeof(v)), 1);
    assert_string_equal(v, "2");
    assert_int_equal(http_req_query(&h.req, "x", v, sizeof(v)), 3);
    assert_string_equal(v, "a b");
    assert_int_equal(http_req_query(&h.req, "bad", v, sizeof(v)), -EINVAL);
    assert_int_equal(http_req_query(&h.req, "empty", v, sizeof(v)), 0);
    assert_int_equal(http_req_query(&h.req, "flag", v, sizeof(v)), -ENOENT); /* no '=' */
    assert_int_equal(http_req_query(&h.req, "metric", v, 4), -ENOSPC);
    assert_int_equal(http_req_query(&h.req, "nope", v, sizeof(v)), -ENOENT);
}

/* Bytes after the request in the same read belong to the WebSocket, not to HTTP. */
static void test_pipelined_frame_kept(void **state)
{
    (void)state;
    struct http_in h;
    size_t used;
    const char *s = GOOD_REQ "\x81\x85XXXX";
    assert_int_equal(feed_all(&h, s, &used), HTTP_IN_DONE);
    assert_int_equal(used, strlen(GOOD_REQ));
}

static void test_split_in_3_byte_reads(void **state)
{
    (void)state;
    struct http_in h;
    const char *s = GOOD_REQ;
    size_t len = strlen(s), off = 0, used = 0;
    enum http_in_status st = HTTP_IN_MORE;
    http_in_init(&h);
    while (off < len && st == HTTP_IN_MORE) {
        size_t n = len - off < 3 ? len - off : 3;
        st = http_in_feed(&h, s + off, n, &used);
        off += used;
    }
    assert_int_equal(st, HTTP_IN_DONE);
    assert_int_equal(off, len);
    assert_string_equal(http_req_header(&h.req, HH_WS_KEY), "dGhlIHNhbXBsZSBub25jZQ==");
}

static void test_header_cap(void **state)
{
    (void)state;
    static char req[20000];
    struct http_in h;
    size_t used;
    strcpy(req, "GET / HTTP/1.1\r\nX-Big: ");
    memset(req + strlen(req), 'a', 12000);
    strcat(req, "\r\n\r\n");
    assert_int_equal(feed_all(&h, req, &used), HTTP_IN_ERROR);
    assert_int_equal(h.error_status, 431);
}

static void test_malformed(void **state)
{
    (void)state;
    struct http_in h;
    size_t used;
    assert_int_equal(feed_all(&h, "GARBAGE\r\n\r\n", &used), HTTP_IN_ERROR);
    assert_int_equal(h.error_status, 400);
}

/* Two keep-alive requests in one read are answered one at a time. */
static void test_keep_alive_pipeline(void **state)
{
    (void)state;
    const char *two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    struct http_in h;
    size_t used;
    char path[16];
    assert_int_equal(feed_all(&h, two, &used), HTTP_IN_DONE);
    assert_true(h.req.keep_alive);
    http_req_path(&h.req, path, sizeof(path));
    assert_string_equal(path, "/a");
    size_t first = used;
    http_in_init(&h);
    assert_int_equal(http_in_feed(&h, two + first, strlen(two) - first, &used), HTTP_IN_DONE);
    http_req_path(&h.req, path, sizeof(path));
    assert_string_equal(path, "/b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_frame_kept), cmocka_unit_test(test_split_in_3_byte_reads),
        cmocka_unit_test(test_header_cap),           cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_pct_decode),           cmocka_unit_test(test_header_arena),
        cmocka_unit_test(test_query_decoding),       cmocka_unit_test(test_keep_alive_pipeline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
