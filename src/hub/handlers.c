#include "hub/handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "hub/direct.h"
#include "hub/frame.h"

#define RL_CLOSE_AFTER 500

/* Sends a reply object printed with jansson `flags`, adding the request's id; takes ownership
 * of `reply`. */
static int reply_flags(struct conn *c, struct route_req *req, json_t *reply, size_t flags)
{
    if (!reply)
        return -ENOMEM;
    struct pbuf *b = frame_reply(reply, req ? req->id : NULL, flags);
    json_decref(reply);
    if (!b)
        return -ENOMEM;
    conn_send_frame(c, b);
    pbuf_unref(b);
    return 0;
}

/* Sends a reply object with every number printed exactly (a pong echoes the client's ts). */
static int reply(struct conn *c, struct route_req *req, json_t *reply)
{
    return reply_flags(c, req, reply, 0);
}

static void send_error(void *ctx, enum pulse_err e, json_t *id, const char *detail)
{
    struct conn *c = ctx;
    json_t *err = perr_json(e, detail);
    if (err && id)
        json_object_set(err, "id", id);
    reply(c, NULL, err);
}

/* A string field that holds no NUL byte, or NULL. */
static const char *get_string(json_t *msg, const char *key)
{
    json_t *v = json_object_get(msg, key);
    if (!json_is_string(v) || router_string_has_nul(v))
        return NULL;
    return json_string_value(v);
}

/* The `channel` field, checked for syntax: 0, or ROUTE_ERR(bad_request) with the detail set. */
static int get_channel(struct route_req *req, const char **name, enum channel_kind *kind)
{
    *name = get_string(req->msg, "channel");
    if (!json_is_string(json_object_get(req->msg, "channel"))) {
        req->detail = "channel must be a string";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    *kind = *name ? bc_channel_kind(*name, NULL) : CH_INVALID; /* NULL: it holds a NUL byte */
    if (*kind == CH_INVALID) {
        req->detail = "channel name must match [A-Za-z0-9_.:-]{1,64}";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    return 0;
}

/* `from` of what a connection sends: its user name when signed in, else its id. */
static const char *sender_name(const struct conn *c)
{
    const char *user = auth_user(&c->ident);
    return user ? user : c->id;
}

static int h_ping(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    json_t *r = json_pack("{s:s, s:I}", "type", "pong", "server_ts", (json_int_t)pulse_wall_ms());
    json_t *ts = json_object_get(req->msg, "ts");
    if (r && ts)
        json_object_set(r, "ts", ts);
    return reply(c, req, r);
}

/* The optional `host` of a (un)subscribe: 0 with *host NULL (none, or this node), 1 when the
 * cluster took the request, or ROUTE_ERR. */
static int remote_subscription(struct conn *c, struct route_req *req, const char *name,
                               enum channel_kind kind, int subscribe, const char **host)
{
    const struct cluster_hooks *k = &conn_hub(c)->cluster;
    json_t *h = json_object_get(req->msg, "host");
    *host = NULL;
    if (!h)
        return 0;
    if (!json_is_string(h) || router_string_has_nul(h) || kind != CH_METRICS) {
        req->detail = kind != CH_METRICS ? "host applies to metrics channels only"
                                         : "host must be a node name";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    const char *v = json_string_value(h);
    const char *self = conn_hub(c)->lim.node_name;
    int rc = !k->subscribe ? (self && strcmp(v, self) == 0 ? 1 : -ENOENT)
             : subscribe   ? k->subscribe(k->user, c, name, v)
                           : k->unsubscribe(k->user, c, name, v);
    if (rc == 1)
        return 0;
    if (rc == -ENOENT) {
        req->detail = "no cluster: this node is the only host";
        return ROUTE_ERR(PERR_NOT_FOUND);
    }
    if (rc < 0) {
        req->detail = rc == -E2BIG ? "too many remote subscriptions on this connection"
                                   : "host must match [A-Za-z0-9_.-]{1,63}";
        return rc == -ENOMEM ? rc : ROUTE_ERR(PERR_BAD_REQUEST);
    }
    *host = v;
    return 1;
}

static int reply_subscription(struct conn *c, struct route_req *req, const char *type,
                              const char *name, const char *host)
{
    return reply(c, req, json_pack("{s:s, s:s, s:s}", "type", type, "channel", name, "host", host));
}

static int h_subscribe(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    const char *name, *host;
    enum channel_kind kind;
    int rc = get_channel(req, &name, &kind);
    if (rc < 0)
        return rc;
    if (kind == CH_RESERVED)
        return ROUTE_ERR(PERR_UNKNOWN_CHANNEL);
    rc = remote_subscription(c, req, name, kind, 1, &host);
    if (rc != 0)
        return rc < 0 ? rc : reply_subscription(c, req, "subscribed", name, host);
    rc = bc_subscribe(&conn_hub(c)->bc, c, name);
    if (rc == -E2BIG) {
        req->detail = "too many subscriptions on this connection (at most 256)";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    if (rc < 0)
        return rc;
    rc = reply(c, req, json_pack("{s:s, s:s}", "type", "subscribed", "channel", name));
    /* A metrics subscriber gets the latest sample at once, with its new union of groups. */
    const struct hub_services *svc = &conn_hub(c)->svc;
    if (rc == 0 && kind == CH_METRICS && svc->send_latest)
        svc->send_latest(svc->user, c);
    return rc;
}

static int h_unsubscribe(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    const char *name, *host;
    enum channel_kind kind;
    int rc = get_channel(req, &name, &kind);
    if (rc < 0)
        return rc;
    rc = remote_subscription(c, req, name, kind, 0, &host);
    if (rc != 0)
        return rc < 0 ? rc : reply_subscription(c, req, "unsubscribed", name, host);
    bc_unsubscribe(&conn_hub(c)->bc, c, name);
    return reply(c, req, json_pack("{s:s, s:s}", "type", "unsubscribed", "channel", name));
}

static int h_publish(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    const char *name;
    enum channel_kind kind;
    int rc = get_channel(req, &name, &kind);
    if (rc < 0)
        return rc;
    json_t *data = json_object_get(req->msg, "data");
    if (!data) {
        req->detail = "data is required";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    if (kind != CH_FREE) {
        req->detail = "metrics and insights channels are written by the server only";
        return ROUTE_ERR(PERR_FORBIDDEN);
    }
    json_t *m = json_pack("{s:s, s:s, s:O, s:s, s:I}", "type", "message", "channel", name, "data",
                          data, "from", sender_name(c), "ts", (json_int_t)pulse_wall_ms());
    struct pbuf *frame = m ? frame_json(m) : NULL;
    if (!frame) {
        json_decref(m);
        return -ENOMEM;
    }
    /* One serialization, shared by reference among every subscriber's queue. */
    bc_send(&conn_hub(c)->bc, name, frame);
    pbuf_unref(frame);
    const struct cluster_hooks *k = &conn_hub(c)->cluster;
    char *text = k->publish ? json_dumps(m, JSON_COMPACT) : NULL;
    if (text) /* the other nodes deliver the same frame to their subscribers */
        k->publish(k->user, name, text, strlen(text));
    free(text);
    json_decref(m);
    return reply(c, req, json_pack("{s:s, s:s}", "type", "published", "channel", name));
}

/* `to` names a connection id first, else a user (each of its connections). */
static int h_direct(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    struct hub *h = conn_hub(c);
    json_t *to_v = json_object_get(req->msg, "to");
    json_t *data = json_object_get(req->msg, "data");
    if (!json_is_string(to_v) || !data) {
        req->detail = !json_is_string(to_v) ? "to must be a string" : "data is required";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    /* An id or name holding a NUL byte names nobody (it would read as a shorter one). */
    if (router_string_has_nul(to_v))
        return ROUTE_ERR(PERR_NOT_FOUND);
    const char *to = json_string_value(to_v);
    const struct cluster_hooks *k = &h->cluster;
    json_t *m = json_pack("{s:s, s:s, s:O, s:I}", "type", "direct", "from", sender_name(c), "data",
                          data, "ts", (json_int_t)pulse_wall_ms());
    struct pbuf *frame = m ? frame_json(m) : NULL;
    char *text = frame && k->direct ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    if (!frame)
        return -ENOMEM;
    unsigned local = direct_deliver(&h->conns, &h->auth.users, to, frame);
    pbuf_unref(frame);
    /* In a cluster the nodes that hold `to` are looked up in Redis; the answer comes later. */
    int later = text && k->direct(k->user, c, req->id, to, text, strlen(text), local) == 0;
    free(text);
    if (later)
        return 0;
    if (local == 0)
        return ROUTE_ERR(PERR_NOT_FOUND);
    json_t *r =
        json_pack("{s:s, s:s, s:I}", "type", "sent", "to", to, "delivered", (json_int_t)local);
    if (r && k->direct)
        json_object_set_new(r, "nodes", json_integer(0));
    return reply(c, req, r);
}

static int h_stats(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    struct hub *h = conn_hub(c);
    const struct hub_counters *k = &h->counters;
    json_t *r =
        json_pack("{s:s, s:I, s:o, s:I, s:I, s:I, s:I}", "type", "stats", "connections",
                  (json_int_t)h->conns.ws_count, "subscriptions", bc_stats(&h->bc), "messages_in",
                  (json_int_t)k->messages_in, "messages_out", (json_int_t)h->conns.messages_out,
                  "dropped", (json_int_t)hub_dropped(h), "uptime_s", (json_int_t)hub_uptime_s(h));
    if (r && h->cluster.stats)
        h->cluster.stats(h->cluster.user, r);
    return reply(c, req, r);
}

static int h_snapshot(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    struct hub *h = conn_hub(c);
    json_t *snap = h->svc.snapshot ? h->svc.snapshot(h->svc.user) : NULL;
    return reply_flags(c, req, snap, REPLY_JSON_FLAGS);
}

/* Checks a history request's fields; the same rules serve /api/history. */
int handlers_history_reply(struct hub *h, json_t *metric, json_t *seconds, json_t **out,
                           const char **detail)
{
    if (!json_is_string(metric)) {
        *detail = "metric must be a string";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    /* A name holding a NUL byte is no metric's name (it would read as a shorter one). */
    int rc = !json_is_integer(seconds) ? -EINVAL
             : router_string_has_nul(metric) || !h->svc.history
                 ? -ENOENT
                 : h->svc.history(h->svc.user, json_string_value(metric),
                                  json_integer_value(seconds), out);
    if (rc == -ENOENT)
        return ROUTE_ERR(PERR_UNKNOWN_METRIC);
    if (rc == -EINVAL) { /* the range 1..604800 is checked by the history module */
        *detail = "seconds must be an integer in 1..604800";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    return rc;
}

/* The batched form ({"metrics":[...]}); the same rules serve /api/history?metrics=. */
int handlers_history_batch_reply(struct hub *h, json_t *metrics, json_t *seconds, json_t *points,
                                 json_t **out, const char **detail)
{
    int rc = h->svc.history_batch
                 ? h->svc.history_batch(h->svc.user, metrics, seconds, points, out, detail)
                 : -ENOENT;
    if (rc == -ENOENT)
        return ROUTE_ERR(PERR_UNKNOWN_METRIC);
    if (rc == -EINVAL)
        return ROUTE_ERR(PERR_BAD_REQUEST);
    return rc;
}

/* `host` absent: this node's history; else another node's, from the cluster. */
int handlers_history_host_reply(struct hub *h, json_t *host, json_t *metric, json_t *seconds,
                                json_t **out, const char **detail)
{
    if (!host)
        return handlers_history_reply(h, metric, seconds, out, detail);
    if (!json_is_string(host) || router_string_has_nul(host)) {
        *detail = "host must be a node name";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    const char *name = json_string_value(host), *self = h->lim.node_name;
    const struct cluster_hooks *k = &h->cluster;
    int rc = !json_is_string(metric) || !json_is_integer(seconds) || router_string_has_nul(metric)
                 ? 1 /* the local checks answer */
             : k->history ? k->history(k->user, name, json_string_value(metric),
                                       json_integer_value(seconds), out)
                          : (self && strcmp(name, self) == 0 ? 1 : -ESRCH);
    if (rc == 1)
        return handlers_history_reply(h, metric, seconds, out, detail);
    if (rc == -ESRCH) {
        *detail = "no node by that name";
        return ROUTE_ERR(PERR_NOT_FOUND);
    }
    if (rc == -ENOENT)
        return ROUTE_ERR(PERR_UNKNOWN_METRIC);
    if (rc == -EINVAL) {
        *detail = "seconds must be an integer in 1..604800";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    return rc;
}

static int h_history(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    json_t *out = NULL, *metrics = json_object_get(req->msg, "metrics");
    json_t *seconds = json_object_get(req->msg, "seconds");
    int rc = metrics ? handlers_history_batch_reply(conn_hub(c), metrics, seconds,
                                                    json_object_get(req->msg, "points"), &out,
                                                    &req->detail)
                     : handlers_history_host_reply(conn_hub(c), json_object_get(req->msg, "host"),
                                                   json_object_get(req->msg, "metric"), seconds,
                                                   &out, &req->detail);
    return rc < 0 ? rc : reply_flags(c, req, out, REPLY_JSON_FLAGS);
}

/* Checks an insights request's optional seconds and limit; the same rules serve /api/insights. */
int handlers_insights_reply(struct hub *h, json_t *seconds, json_t *limit, json_t **out,
                            const char **detail)
{
    if (!h->svc.insights || h->svc.insights(h->svc.user, seconds, limit, out) < 0) {
        *detail = "seconds must be an integer in 1..604800 and limit one in 1..1000";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    return 0;
}

static int h_insights(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    json_t *out = NULL;
    int rc = handlers_insights_reply(conn_hub(c), json_object_get(req->msg, "seconds"),
                                     json_object_get(req->msg, "limit"), &out, &req->detail);
    return rc < 0 ? rc : reply_flags(c, req, out, REPLY_JSON_FLAGS);
}

/* A token in an `auth` message: a new identity for the connection (replacing any earlier one),
 * or `unauthorized` (the current identity stays). */
static int h_auth(void *ctx, struct route_req *req)
{
    struct conn *c = ctx;
    struct hub *h = conn_hub(c);
    if (!h->auth.enabled) {
        req->detail = "authentication is off on this server (open mode)";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    json_t *tok = json_object_get(req->msg, "token");
    if (!json_is_string(tok)) {
        req->detail = "token must be a string";
        return ROUTE_ERR(PERR_BAD_REQUEST);
    }
    struct jwt_claims cl;
    int rc = auth_verify(&h->auth, json_string_value(tok), json_string_length(tok),
                         (int64_t)pulse_wall_ms(), &cl);
    if (rc < 0) {
        req->detail = jwt_strerror(rc);
        return ROUTE_ERR(PERR_UNAUTHORIZED);
    }
    if ((rc = auth_login(&h->auth, &c->ident, &cl)) < 0)
        return rc;
    if (h->cluster
            .conn_open) /* its user is known to the other nodes now, not at the next refresh */
        h->cluster.conn_open(h->cluster.user, c);
    json_t *roles = json_array();
    for (unsigned i = 0; roles && i < cl.nroles; i++)
        json_array_append_new(roles, json_string(cl.roles[i]));
    return reply(c, req,
                 json_pack("{s:s, s:s, s:o, s:I}", "type", "auth_ok", "user", cl.sub, "roles",
                           roles, "expires", (json_int_t)cl.exp_ms));
}

static enum pulse_err permit(void *ctx, const char *type, const char **detail)
{
    struct conn *c = ctx;
    return auth_permit(&conn_hub(c)->auth, &c->ident, type, detail);
}

/* The message-type table: adding a message type is one row here and one function above. */
static const struct route message_types[] = {
    {"ping", h_ping},         {"subscribe", h_subscribe}, {"unsubscribe", h_unsubscribe},
    {"publish", h_publish},   {"direct", h_direct},       {"stats", h_stats},
    {"auth", h_auth},         {"snapshot", h_snapshot},   {"history", h_history},
    {"insights", h_insights},
};

void handlers_init(struct hub *h)
{
    h->router.routes = message_types;
    h->router.n = sizeof(message_types) / sizeof(message_types[0]);
    h->router.on_error = send_error;
    h->router.permit = permit;
}

/* Over the limit: the message is dropped and answered; a flood ends the connection. */
static void over_limit(struct hub *h, struct conn *c, const char *data, size_t len, int opcode)
{
    h->counters.dropped++;
    json_t *id = opcode == WS_OP_TEXT ? router_peek_id(data, len) : NULL;
    send_error(c, PERR_RATE_LIMITED, id, NULL);
    json_decref(id);
    if (rl_reject(&c->rl, uv_now(h->loop)) >= RL_CLOSE_AFTER)
        conn_close_ws(c, 1008, "rate limit exceeded");
}

void handlers_message(struct conn *c, int opcode, const char *data, size_t len)
{
    struct hub *h = conn_hub(c);
    h->counters.messages_in++;
    if (!rl_take(&c->rl, h->lim.rate_limit, h->lim.rate_burst, uv_now(h->loop))) {
        over_limit(h, c, data, len, opcode);
        return;
    }
    if (opcode != WS_OP_TEXT) {
        send_error(c, PERR_UNSUPPORTED, NULL, NULL);
        return;
    }
    /* A token that expired is never honoured, even before the expiry timer has run. */
    auth_expire_due(&h->auth, (int64_t)pulse_wall_ms());
    router_dispatch(&h->router, c, data, len);
}
