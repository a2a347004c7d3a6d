/* Message dispatch (hub/router.c, hub/handlers.c) over a real hub and fake streams: every message
 * type, every error the router and the handlers answer, the id echo, binary messages, the rate
 * limit and the close after a flood; and the hub/conn send API's counters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>

#include "hub/frame.h"
#include "hub_harness.h"

/* ---- a fake metrics service behind hub_services ------------------------------------------ */

struct fake_svc {
    unsigned latest;
};

static void svc_send_latest(void *user, struct conn *c)
{
    struct fake_svc *s = user;
    s->latest++;
    json_t *m = json_pack("{s:s}", "type", "metrics");
    conn_send_json(c, m);
    json_decref(m);
}

static json_t *svc_snapshot(void *user)
{
    (void)user;
    return json_pack("{s:s, s:f}", "type", "snapshot", "cpu", 12.5);
}

static int svc_history(void *user, const char *metric, long long seconds, json_t **out)
{
    (void)user;
    if (strcmp(metric, "cpu.usage") != 0)
        return -ENOENT;
    if (seconds < 1 || seconds > 604800)
        return -EINVAL;
    *out = json_pack("{s:s, s:s, s:[]}", "type", "history", "metric", metric, "points");
    return 0;
}

static void with_svc(struct hub_harness *hh, struct fake_svc *s)
{
    hh->hub.svc = (struct hub_services){.user = s,
                                        .send_latest = svc_send_latest,
                                        .snapshot = svc_snapshot,
                                        .history = svc_history};
}

/* Sends `text` and checks the reply's type (and, for errors, its code); returns the reply. */
static json_t *expect(struct hub_harness *hh, struct conn *c, struct fake_stream *fs,
                      const char *text, const char *type, const char *code)
{
    hh_send(hh, c, text);
    json_t *r = hh_recv(fs);
    if (!r)
        fail_msg("no reply to %s", text);
    if (strcmp(hh_str(r, "type"), type) != 0 || (code && strcmp(hh_str(r, "code"), code) != 0))
        fail_msg("%s: got %s %s", text, hh_str(r, "type"), hh_str(r, "code"));
    return r;
}

static void check(struct hub_harness *hh, struct conn *c, struct fake_stream *fs, const char *text,
                  const char *type, const char *code)
{
    json_decref(expect(hh, c, fs, text, type, code));
}

static void test_welcome_and_ping(void **state)
{
    (void)state;
    struct hub_harness hh;
    struct fake_stream *fs;
    json_t *w = NULL;
    hub_harness_init(&hh, 50, 100);
    struct conn *c = hh_client(&hh, &fs, &w);
    assert_non_null(c);
    assert_string_equal(hh_str(w, "type"), "welcome");
    assert_string_equal(hh_str(w, "connection_id"), c->id);
    assert_int_equal(json_integer_value(json_object_get(w, "heartbeat_ms")), 25000);
    assert_true(json_is_false(json_object_get(w, "auth_required")));
    json_decref(w);
    assert_int_equal(hh.hub.conns.ws_count, 1);
    json_t *r = expect(&hh, c, fs, "{\"type\":\"ping\",\"id\":7,\"ts\":123}", "pong", NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
    assert_int_equal(json_integer_value(json_object_get(r, "ts")), 123);
    assert_true(json_is_integer(json_object_get(r, "server_ts")));
    json_decref(r);
    r = expect(&hh, c, fs, "{\"type\":\"ping\",\"id\":\"a\"}", "pong", NULL);
    assert_string_equal(hh_str(r, "id"), "a");
    json_decref(r);
    assert_int_equal(hh.hub.counters.messages_in, 2);
    assert_int_equal(hh.hub.conns.messages_out, 3); /* the welcome and two pongs */
    hub_harness_free(&hh);
}

/* Every refusal of the router, with the id echoed once it is known valid. */
static void test_router_errors(void **state)
{
    (void)state;
    struct hub_harness hh;
    struct fake_stream *fs;
    hub_harness_init(&hh, 50, 100);
    struct conn *c = hh_client(&hh, &fs, NULL);
    check(&hh, c, fs, "{not json", "error", "bad_json");
    check(&hh, c, fs, "[1,2]", "error", "bad_request");
    check(&hh, c, fs, "{\"type\":\"ping\",\"id\":[1]}", "error", "bad_request");
    check(&hh, c, fs, "{\"id\":1}", "error", "bad_request");
    json_t *r = expect(&hh, c, fs, "{\"type\":\"nope\",\"id\":\"x\"}", "error", "unknown_type");
    assert_string_equal(hh_str(r, "id"), "x");
    json_decref(r);
    check(&hh, c, fs, "{\"type\":\"ping\\u0000x\"}", "error", "unknown_type");
    check(&hh, c, fs, "{\"type\":\"auth\",\"token\":\"t\"}", "error", "bad_request");
    /* integers past 64 bits are read as doubles, not refused */
    check(&hh, c, fs, "{\"type\":\"ping\",\"ts\":123456789012345678901234567890}", "pong", NULL);
    hh_send_op(&hh, c, WS_OP_BINARY, "{\"type\":\"ping\"}");
    r = hh_recv(fs);
    assert_string_equal(hh_str(r, "code"), "unsupported");
    json_decref(r);
    hub_harness_free(&hh);
}

static void test_subscribe_publish(void **state)
{
    (void)state;
    struct hub_harness hh;
    struct fake_stream *fa, *fb;
    hub_harness_init(&hh, 50, 100);
    struct conn *a = hh_client(&hh, &fa, NULL), *b = hh_client(&hh, &fb, NULL);
    check(&hh, a, fa, "{\"type\":\"subscribe\",\"channel\":\"room\",\"id\":1}", "subscribed", NULL);
    check(&hh, a, fa, "{\"type\":\"subscribe\",\"channel\":\"room\"}", "subscribed", NULL);
    check(&hh, a, fa, "{\"type\":\"subscribe\",\"channel\":\"bad name\"}", "error", "bad_request");
    check(&hh, a, fa, "{\"type\":\"subscribe\",\"channel\":5}", "error", "bad_request");
    check(&hh, a, fa, "{\"type\":\"subscribe\",\"channel\":\"metrics.nope\"}", "error",
          "unknown_channel");
    json_t *r = expect(&hh, b, fb, "{\"type\":\"publish\",\"channel\":\"room\",\"data\":{\"x\":1}}",
                       "published", NULL);
    json_decref(r);
    r = hh_recv(fa);
    assert_string_equal(hh_str(r, "type"), "message");
    assert_string_equal(hh_str(r, "channel"), "room");
    assert_string_equal(hh_str(r, "from"), b->id);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "data"), "x")), 1);
    json_decref(r);
    assert_null(hh_recv(fb)); /* b is not subscribed */
    check(&hh, b, fb, "{\"type\":\"publish\",\"channel\":\"room\"}", "error", "bad_request");
    check(&hh, b, fb, "{\"type\":\"publish\",\"channel\":\"metrics\",\"data\":1}", "error",
          "forbidden");
    check(&hh, a, fa, "{\"type\":\"unsubscribe\",\"channel\":\"room\"}", "unsubscribed", NULL);
    check(&hh, a, fa, "{\"type\":\"unsubscribe\",\"channel\":\"room\"}", "unsubscribed", NULL);
    check(&hh, b, fb, "{\"type\":\"publish\",\"channel\":\"room\",\"data\":2}", "published", NULL);
    assert_null(hh_recv(fa));
    hub_harness_free(&hh);
}

/* A metrics subscription asks the service for the latest sample; snapshot and history go to the
 * service; without one they fail cleanly. */
static void test_services(void **state)
{
    (void)state;
    struct hub_harness hh;
    struct fake_stream *fs;
    struct fake_svc svc = {0};
    hub_harness_init(&hh, 50, 100);
    struct conn *c = hh_client(&hh, &fs, NULL);
    check(&hh, c, fs, "{\"type\":\"snapshot\"}", "error", "internal");
    check(&hh, c, fs, "{\"type\":\"history\",\"metric\":\"cpu.usage\",\"seconds\":60}", "error",
          "unknown_metric");
    with_svc(&hh, &svc);
    check(&hh, c, fs, "{\"type\":\"subscribe\",\"channel\":\"metrics.cpu\"}", "subscribed", NULL);
    assert_int_equal(svc.latest, 1);
    assert_int_equal(c->metrics_mask, PULSE_GROUP_CPU);
    json_t *r = hh_recv(fs); /* the latest sample, after the reply */
    assert_string_equal(hh_str(r, "type"), "metrics");
    json_decref(r);
    r = expect(&hh, c, fs, "{\"type\":\"snapshot\",\"id\":3}", "snapshot", NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 3);
    json_decref(r);
    check(&hh, c, fs, "{\"type\":\"history\",\"metric\":\"cpu.usage\",\"seconds\":60}", "history",
          NULL);
    check(&hh, c, fs, "{\"type\":\"history\",\"metric\":\"nope\",\"seconds\":60}", "error",
          "unknown_metric");
    check(&hh, c, fs, "{\"type\":\"history\",\"metric\":\"cpu.usage\",\"seconds\":0}", "error",
          "bad_request");
    check(&hh, c, fs, "{\"type\":\"history\",\"metric\":\"cpu.usage\",\"seconds\":\"60\"}", "error",
          "bad_request");
    check(&hh, c, fs, "{\"type\":\"history\",\"metric\":1,\"seconds\":60}", "error", "bad_request");
    check(&hh, c, fs, "{\"type\":\"history\",\"metric\":\"cpu.usage\\u0000\",\"seconds\":60}",
          "error", "unknown_metric");
    hub_harness_free(&hh);
}

static void test_direct_and_stats(void **state)
{
    (void)state;
    struct hub_harness hh;
    struct fake_stream *fa, *fb;
    char msg[256];
    hub_harness_init(&hh, 50, 100);
    struct conn *a = hh_client(&hh, &fa, NULL), *b = hh_client(&hh, &fb, NULL);
    snprintf(msg, sizeof(msg), "{\"type\":\"direct\",\"to\":\"%s\",\"data\":\"hi\"}", b->id);
    json_t *r = expect(&hh, a, fa, msg, "sent", NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "delivered")), 1);
    json_decref(r);
    r = hh_recv(fb);
    assert_string_equal(hh_str(r, "type"), "direct");
    assert_string_equal(hh_str(r, "from"), a->id);
    assert_string_equal(hh_str(r, "data"), "hi");
    json_decref(r);
    check(&hh, a, fa, "{\"type\":\"direct\",\"to\":\"c999\",\"data\":1}", "error", "not_found");
    check(&hh, a, fa, "{\"type\":\"direct\",\"to\":1,\"data\":1}", "error", "bad_request");
    snprintf(msg, sizeof(msg), "{\"type\":\"direct\",\"to\":\"%s\"}", b->id);
    check(&hh, a, fa, msg, "error", "bad_request");
    check(&hh, a, fa, "{\"type\":\"subscribe\",\"channel\":\"room\"}", "subscribed", NULL);
    r = expect(&hh, a, fa, "{\"type\":\"stats\"}", "stats", NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "connections")), 2);
    json_t *subs = json_object_get(r, "subscriptions");
    assert_int_equal(json_integer_value(json_object_get(subs, "room")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "messages_in")), 6);
    assert_true(json_is_integer(json_object_get(r, "uptime_s")));
    json_decref(r);
    hub_harness_free(&hh);
}

/* Over the limit a message is dropped and answered rate_limited (with its id); 500 rejections
 * within the window end the connection with Close 1008. The loop clock does not move here, so
 * no token comes back. */
static void test_rate_limit(void **state)
{
    (void)state;
    struct hub_harness hh;
    struct fake_stream *fs;
    hub_harness_init(&hh, 1, 3);
    struct conn *c = hh_client(&hh, &fs, NULL);
    for (int i = 0; i < 3; i++)
        check(&hh, c, fs, "{\"type\":\"ping\"}", "pong", NULL);
    json_t *r = expect(&hh, c, fs, "{\"type\":\"ping\",\"id\":9}", "error", "rate_limited");
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 9);
    json_decref(r);
    check(&hh, c, fs, "not json either", "error", "rate_limited");
    assert_int_equal(hh.hub.counters.dropped, 2);
    for (int i = 2; i < 499; i++)
        check(&hh, c, fs, "{\"type\":\"ping\"}", "error", "rate_limited");
    assert_int_equal(c->nc.state, CS_WS);
    check(&hh, c, fs, "{\"type\":\"ping\"}", "error", "rate_limited"); /* the 500th */
    char buf[128];
    assert_int_equal(fake_next_frame(fs, buf, sizeof(buf)), WS_OP_CLOSE);
    assert_int_equal(((uint8_t)buf[0] << 8) | (uint8_t)buf[1], 1008);
    assert_int_not_equal(c->nc.state, CS_WS);
    hub_harness_free(&hh);
}

/* The send API: frames count as messages_out only when queued; coalesced frames replace; a
 * closed connection takes nothing; closing sends the code. */
static void test_conn_send_api(void **state)
{
    (void)state;
    struct hub_harness hh;
    struct fake_stream *fs;
    hub_harness_init(&hh, 50, 100);
    struct conn *c = hh_client(&hh, &fs, NULL);
    uint64_t out = hh.hub.conns.messages_out;
    json_t *v = json_pack("{s:i}", "n", 1);
    struct pbuf *f1 = frame_json(v);
    struct pbuf *f2 = frame_json(v);
    f1->kind = f2->kind = PBUF_COALESCE;
    fs->take = 0;
    conn_send_coalesced(c, f1);
    conn_send_coalesced(c, f2); /* replaces f1, not counted again */
    assert_int_equal(hh.hub.conns.messages_out, out + 1);
    assert_int_equal(c->nc.q.count, 1);
    assert_int_equal(hub_dropped(&hh.hub), 1);
    assert_int_equal(conn_send_json(c, v), 0);
    assert_int_equal(hh.hub.conns.messages_out, out + 2);
    fs->take = SIZE_MAX;
    harness_flush(&hh.t);
    conn_close_ws(c, 1000, "done");
    conn_send_frame(c, f1);
    assert_int_equal(hh.hub.conns.messages_out, out + 2);
    harness_flush(&hh.t);
    json_decref(hh_recv(fs));
    json_decref(hh_recv(fs));
    char buf[64];
    assert_int_equal(fake_next_frame(fs, buf, sizeof(buf)), WS_OP_CLOSE);
    assert_int_equal(((uint8_t)buf[0] << 8) | (uint8_t)buf[1], 1000);
    assert_string_equal(buf + 2, "done");
    /* the hub forgets a closed connection: its id, its subscriptions, the count */
    char id[CONN_ID_MAX];
    strcpy(id, c->id);
    net_conn_close(&c->nc);
    assert_null(conn_mgr_find(&hh.hub.conns, id));
    assert_int_equal(hh.hub.conns.ws_count, 0);
    json_decref(v);
    pbuf_unref(f1);
    pbuf_unref(f2);
    hub_harness_free(&hh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_welcome_and_ping),  cmocka_unit_test(test_router_errors),
        cmocka_unit_test(test_subscribe_publish), cmocka_unit_test(test_services),
        cmocka_unit_test(test_direct_and_stats),  cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_conn_send_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
