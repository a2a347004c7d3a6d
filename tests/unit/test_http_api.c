/* The HTTP routes (app/http_api.c) over fake streams, with a real hub, metrics service (its
 * database in memory) and a static root in a temporary directory: /healthz, /metrics, /api/...,
 * static files and the single-page-app fallback, the /ws upgrade and its refusals, 404 / 405. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/http_api.h"
#include "app/startup.h"
#include "hub/handlers.h"
#include "net_harness.h"

struct api_harness {
    struct harness t;
    struct pulse_server srv;
    char root[64];
};

static void on_stop(struct net *net)
{
    (void)net;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    struct api_harness *a = calloc(1, sizeof(*a));
    char why[256];
    const struct net_limits nl = {.host = "127.0.0.1",
                                  .max_message_bytes = 65536,
                                  .max_queue_bytes = 1 << 20,
                                  .max_total_queue_bytes = 1 << 24};
    const struct hub_limits hl = {50, 100, 25000, ""};
    const struct metrics_options mo = {1000, ":memory:", 90, 90, 1, 60, 3};
    struct net_hooks hooks = *startup_net_hooks(); /* the daemon's own wiring */
    hooks.on_stop = on_stop;                       /* no signals or services to release */
    harness_init(&a->t, &hooks, &nl, &a->srv);
    config_defaults(&a->srv.cfg);
    a->srv.cfg.max_connections = 2;
    hub_init(&a->srv.hub, &a->t.loop, &a->t.log, &a->t.net, &hl);
    handlers_init(&a->srv.hub);
    strcpy(a->root, "/tmp/pulse-api-XXXXXX");
    assert_non_null(mkdtemp(a->root));
    write_file(a->root, "index.html", "<h1>dashboard</h1>");
    write_file(a->root, "app.js", "console.log(1)");
    assert_int_equal(assets_load(&a->srv.assets, a->root, 1, why, sizeof(why)), 0);
    assert_int_equal(metrics_service_start(&a->srv.metrics, &a->t.loop, &a->t.log, &a->srv.hub, &mo,
                                           why, sizeof(why)),
                     0);
    *state = a;
    return 0;
}

static int teardown(void **state)
{
    struct api_harness *a = *state;
    char path[256];
    metrics_service_stop(a->srv.metrics);
    harness_free(&a->t); /* runs the loop until the service's handles are closed */
    metrics_service_free(a->srv.metrics);
    hub_free(&a->srv.hub);
    assets_free(&a->srv.assets);
    snprintf(path, sizeof(path), "%s/index.html", a->root);
    unlink(path);
    snprintf(path, sizeof(path), "%s/app.js", a->root);
    unlink(path);
    rmdir(a->root);
    free(a);
    return 0;
}

struct resp {
    int status;
    char head[2048];
    char body[4096];
    struct net_conn *nc;
};

/* Sends one raw request on a new connection; the response's status, head and body. */
static void request(struct api_harness *a, const char *raw, struct resp *r)
{
    struct fake_stream *fs;
    memset(r, 0, sizeof(*r));
    r->nc = harness_conn(&a->t, &fs);
    harness_recv(r->nc, raw, strlen(raw));
    harness_flush(&a->t);
    size_t start = fs->read_pos;
    r->status = fake_skip_head(fs);
    size_t hl = fs->read_pos - start, bl = fs->out_len - fs->read_pos;
    memcpy(r->head, fs->out + start, hl < sizeof(r->head) ? hl : sizeof(r->head) - 1);
    memcpy(r->body, fs->out + fs->read_pos, bl < sizeof(r->body) ? bl : sizeof(r->body) - 1);
}

static void get(struct api_harness *a, const char *path, struct resp *r)
{
    char raw[1024];
    snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    request(a, raw, r);
}

/* The `code` of a JSON error body, or "". */
static const char *error_code(const struct resp *r, char *buf, size_t len)
{
    json_t *j = json_loads(r->body, 0, NULL);
    const char *c = json_string_value(json_object_get(j, "code"));
    snprintf(buf, len, "%s", c ? c : "");
    json_decref(j);
    return buf;
}

static void test_healthz(void **state)
{
    struct api_harness *a = *state;
    struct resp r;
    get(a, "/healthz", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok");
    assert_non_null(strstr(r.head, "Cache-Control: no-store"));
    request(a, "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "Content-Length: 2"));
    assert_string_equal(r.body, "");
    request(a, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    request(a, "DELETE /api/snapshot HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
}

static void test_prometheus(void **state)
{
    struct api_harness *a = *state;
    struct resp r;
    get(a, "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "text/plain; version=0.0.4"));
    const char *lines[] = {"\npulse_connections 0\n", "# TYPE pulse_messages_in_total counter",
                           "\npulse_auth_failures_total 0\n", "pulse_slow_consumer_closes_total",
                           "pulse_memory_total_bytes"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        if (!strstr(r.body, lines[i]))
            fail_msg("/metrics lacks %s", lines[i]);
}

static void test_api(void **state)
{
    struct api_harness *a = *state;
    struct resp r;
    char code[32];
    get(a, "/api/snapshot", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "application/json"));
    json_t *j = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "snapshot");
    json_decref(j);
    get(a, "/api/history?metric=cpu.usage&seconds=60", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "metric")), "cpu.usage");
    json_decref(j);
    get(a, "/api/history?metric=nope&seconds=60", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_code(&r, code, sizeof(code)), "unknown_metric");
    get(a, "/api/history?metric=cpu.usage&seconds=abc", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_code(&r, code, sizeof(code)), "bad_request");
    get(a, "/api/history?metric=cpu.usage&seconds=0", &r);
    assert_string_equal(error_code(&r, code, sizeof(code)), "bad_request");
    get(a, "/api/history?seconds=60", &r);
    assert_string_equal(error_code(&r, code, sizeof(code)), "bad_request");
    get(a, "/api/history?metric=%zz&seconds=60", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "percent-encoding"));
    get(a, "/api/nope", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(error_code(&r, code, sizeof(code)), "not_found");
}

static void test_static(void **state)
{
    struct api_harness *a = *state;
    struct resp r;
    get(a, "/", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<h1>dashboard</h1>");
    get(a, "/settings/alerts", &r); /* a route of the single-page app */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<h1>dashboard</h1>");
    get(a, "/app.js", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "javascript"));
    const char *etag = strstr(r.head, "ETag: ");
    assert_non_null(etag);
    char inm[128], raw[256];
    snprintf(inm, sizeof(inm), "%.*s", (int)strcspn(etag + 6, "\r"), etag + 6);
    snprintf(raw, sizeof(raw), "GET /app.js HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\n\r\n", inm);
    request(a, raw, &r);
    assert_int_equal(r.status, 304);
    get(a, "/missing.js", &r);
    assert_int_equal(r.status, 404);
    get(a, "/%2e%2e/etc/passwd", &r);
    assert_int_equal(r.status, 404);
    request(a, "GARBAGE\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
}

#define UPGRADE(path, extra)                                                                       \
    "GET " path " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"            \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" extra "\r\n"

static void test_websocket(void **state)
{
    struct api_harness *a = *state;
    struct resp r;
    request(a, UPGRADE("/ws", ""), &r);
    assert_int_equal(r.status, 101);
    assert_non_null(strstr(r.head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    assert_int_equal(r.nc->state, CS_WS);
    assert_int_equal(a->srv.hub.conns.ws_count, 1);
    request(a, UPGRADE("/ws", "Origin: http://evil.example\r\n"), &r);
    assert_int_equal(r.status, 403);
    request(a, UPGRADE("/other", ""), &r);
    assert_int_equal(r.status, 404);
    request(a,
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
            &r);
    assert_int_equal(r.status, 426);
    assert_non_null(strstr(r.head, "Sec-WebSocket-Version: 13"));
    request(a, UPGRADE("/ws", ""), &r);
    assert_int_equal(r.status, 101);
    request(a, UPGRADE("/ws", ""), &r); /* --max-connections 2 */
    assert_int_equal(r.status, 503);
    assert_int_equal(a->srv.hub.conns.ws_count, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_healthz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prometheus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static, setup, teardown),
        cmocka_unit_test_setup_teardown(test_websocket, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
