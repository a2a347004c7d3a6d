/* Unit-test harness for the hub: a real hub with its message-type table over the net harness's
 * fake streams, wired with the same hooks as app/startup.c, and helpers that send a client's
 * JSON message and read the server's replies. Header-only. */
#ifndef PULSE_HUB_HARNESS_H
#define PULSE_HUB_HARNESS_H

#include <jansson.h>

#include "hub/handlers.h"
#include "hub/hub.h"
#include "net_harness.h"

struct hub_harness {
    struct harness t;
    struct hub hub;
};

static inline void hh_on_open(struct net_conn *nc)
{
    struct hub_harness *hh = nc->net->user;
    hub_conn_open(&hh->hub, conn_of(nc));
}

static inline void hh_on_http_request(struct net_conn *nc, const struct http_req *req)
{
    (void)req;
    net_upgrade(nc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); /* every request is an upgrade here */
}

static inline void hh_on_ws_open(struct net_conn *nc)
{
    hub_ws_open(conn_of(nc));
}

static inline void hh_on_ws_message(struct net_conn *nc, int opcode, const char *data, size_t len)
{
    handlers_message(conn_of(nc), opcode, data, len);
}

static inline void hh_on_close(struct net_conn *nc)
{
    hub_conn_close(conn_of(nc));
}

static inline void hh_on_stop(struct net *net)
{
    (void)net;
}

static const struct net_hooks hub_harness_hooks = {
    sizeof(struct conn), hh_on_open,  hh_on_http_request, hh_on_ws_open,
    hh_on_ws_message,    hh_on_close, hh_on_stop,         NULL};

/* A hub with these rate limits, its message types set, over a net with roomy queues. */
static inline void hub_harness_init(struct hub_harness *hh, long rate, long burst)
{
    const struct net_limits nl = {.host = "127.0.0.1",
                                  .max_message_bytes = 65536,
                                  .max_queue_bytes = 1 << 20,
                                  .max_total_queue_bytes = 1 << 24};
    const struct hub_limits hl = {rate, burst, 25000, ""};
    memset(hh, 0, sizeof(*hh)); /* the hub's counters and services start zeroed */
    harness_init(&hh->t, &hub_harness_hooks, &nl, hh);
    hub_init(&hh->hub, &hh->t.loop, &hh->t.log, &hh->t.net, &hl);
    handlers_init(&hh->hub);
}

static inline void hub_harness_free(struct hub_harness *hh)
{
    harness_free(&hh->t);
    hub_free(&hh->hub);
}

/* An open WebSocket client; its 101 and welcome are read (the welcome into `welcome`, if
 * given). */
static inline struct conn *hh_client(struct hub_harness *hh, struct fake_stream **fs,
                                     json_t **welcome)
{
    struct net_conn *nc = harness_conn(&hh->t, fs);
    harness_recv(nc, "GET /ws HTTP/1.1\r\n\r\n", 20);
    harness_flush(&hh->t);
    if (fake_skip_head(*fs) != 101)
        return NULL;
    char buf[4096];
    if (fake_next_frame(*fs, buf, sizeof(buf)) != WS_OP_TEXT)
        return NULL;
    if (welcome)
        *welcome = json_loads(buf, 0, NULL);
    return conn_of(nc);
}

/* Sends one masked client frame of `opcode`. */
static inline void hh_send_op(struct hub_harness *hh, struct conn *c, int opcode, const char *text)
{
    uint8_t frame[4096];
    size_t n = client_frame(frame, opcode, text, strlen(text));
    harness_recv(&c->nc, frame, n);
    harness_flush(&hh->t);
}

/* Sends a text message. */
static inline void hh_send(struct hub_harness *hh, struct conn *c, const char *text)
{
    hh_send_op(hh, c, WS_OP_TEXT, text);
}

/* The next text message the client received, parsed (new reference), or NULL. */
static inline json_t *hh_recv(struct fake_stream *fs)
{
    char buf[8192];
    int op = fake_next_frame(fs, buf, sizeof(buf));
    return op == WS_OP_TEXT ? json_loads(buf, 0, NULL) : NULL;
}

/* A string member of a JSON object, or "". */
static inline const char *hh_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

#endif
