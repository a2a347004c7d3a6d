/* Cross-node messaging: publish, direct (with the presence lookup) and insights; presence. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/envelope.h"
#include "fleet/fleet_internal.h"
#include "hub/auth.h"
#include "hub/direct.h"
#include "hub/errors.h"
#include "hub/frame.h"

#define DIRECT_MAX_NODES 64

/* A framed text message from JSON text, or NULL. */
static struct pbuf *frame_text(const char *json, size_t len)
{
    struct pbuf *b = pbuf_new(len, PBUF_HEADROOM);
    if (!b || pbuf_append(&b, json, len) < 0) {
        pbuf_unref(b);
        return NULL;
    }
    pbuf_frame(b, WS_OP_TEXT);
    return b;
}

/* Delivers to local subscribers of `channel`, building the frame only when there are some. */
static void deliver_channel(struct fleet *f, const char *channel, const char *json, size_t len)
{
    if (!bc_find(&f->hub->bc, channel))
        return;
    struct pbuf *b = frame_text(json, len);
    if (b)
        bc_send(&f->hub->bc, channel, b);
    pbuf_unref(b);
}

static void on_direct_in(struct fleet *f, const struct envelope *e)
{
    char to[ENVELOPE_ARG_MAX + 1];
    if (e->arg_len == 0 || memchr(e->arg, '\0', e->arg_len))
        return;
    memcpy(to, e->arg, e->arg_len);
    to[e->arg_len] = '\0';
    struct pbuf *b = frame_text(e->payload, e->payload_len);
    if (b)
        direct_deliver(&f->hub->conns, &f->hub->auth.users, to, b);
    pbuf_unref(b);
}

void fleet_on_message(void *ud, const char *channel, const char *data, size_t len)
{
    struct fleet *f = ud;
    struct envelope e;
    char channel_name[65];
    (void)channel;
    if (f->stopped || envelope_decode(data, len, &e) < 0)
        return;
    /* A node hears its own messages on the bus: it delivered them already. */
    if (e.origin_len == strlen(f->name) && memcmp(e.origin, f->name, e.origin_len) == 0)
        return;
    f->received++;
    switch (e.kind) {
    case ENV_PUBLISH:
        if (e.arg_len == 0 || e.arg_len >= sizeof(channel_name))
            return;
        memcpy(channel_name, e.arg, e.arg_len);
        channel_name[e.arg_len] = '\0';
        if (bc_channel_kind(channel_name, NULL) == CH_FREE)
            deliver_channel(f, channel_name, e.payload, e.payload_len);
        break;
    case ENV_INSIGHT:
        deliver_channel(f, "insights", e.payload, e.payload_len);
        break;
    case ENV_DIRECT:
        on_direct_in(f, &e);
        break;
    case ENV_METRICS: {
        char origin[ENVELOPE_ORIGIN_MAX + 1];
        memcpy(origin, e.origin, e.origin_len);
        origin[e.origin_len] = '\0';
        fleet_metrics_received(f, origin, e.arg, e.arg_len, e.payload, e.payload_len);
        break;
    }
    }
}

void fleet_publish(void *user, const char *channel, const char *json, size_t len)
{
    struct fleet *f = user;
    if (f->up)
        fleet_send(f, f->bus, ENV_PUBLISH, channel, strlen(channel), json, len);
}

void fleet_insight(void *user, const char *json, size_t len)
{
    struct fleet *f = user;
    if (f->up)
        fleet_send(f, f->bus, ENV_INSIGHT, NULL, 0, json, len);
}

/* ---- direct: which other nodes hold the recipient ----------------------------------------- */

struct dreq {
    struct fleet *f;
    char conn_id[CONN_ID_MAX];
    json_t *req_id;
    char *to, *json;
    size_t len;
    unsigned local;
    int failed, single;                 /* single: only the first lookup was queued, it answers */
    char conn_node[FLEET_NODE_MAX + 1]; /* the node GET conn:TO named, or "" */
};

static void dreq_free(struct dreq *d)
{
    json_decref(d->req_id);
    free(d->to);
    free(d->json);
    free(d);
}

static void answer(struct dreq *d, unsigned nodes)
{
    struct conn *c = conn_mgr_find(&d->f->hub->conns, d->conn_id);
    json_t *r;
    if (!c || !conn_is_ws(c))
        return; /* the sender left meanwhile */
    if (d->local == 0 && nodes == 0)
        r = perr_json(PERR_NOT_FOUND, NULL);
    else
        r = json_pack("{s:s, s:s, s:I, s:I}", "type", "sent", "to", d->to, "delivered",
                      (json_int_t)d->local, "nodes", (json_int_t)nodes);
    struct pbuf *b = r ? frame_reply(r, d->req_id, 0) : NULL;
    json_decref(r);
    if (b)
        conn_send_frame(c, b);
    pbuf_unref(b);
}

static void on_conn_owner(redisAsyncContext *ac, void *r, void *priv)
{
    (void)ac;
    struct dreq *d = priv;
    redisReply *reply = r;
    if (!reply)
        d->failed = 1;
    else if (reply->type == REDIS_REPLY_STRING && reply->len <= FLEET_NODE_MAX)
        memcpy(d->conn_node, reply->str, reply->len + 1);
    if (d->single) {
        if (!d->f->stopped)
            answer(d, 0);
        dreq_free(d);
    }
}

/* Second reply (replies come in order): forwards to every live node holding the recipient. */
static void on_user_nodes(redisAsyncContext *ac, void *r, void *priv)
{
    (void)ac;
    struct dreq *d = priv;
    struct fleet *f = d->f;
    redisReply *reply = r;
    const char *fields[DIRECT_MAX_NODES], *values[DIRECT_MAX_NODES], *live[DIRECT_MAX_NODES + 1];
    size_t n = 0, nlive = 0;
    if (reply && !d->failed && reply->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < reply->elements && n < DIRECT_MAX_NODES; i += 2) {
            fields[n] =
                reply->element[i]->type == REDIS_REPLY_STRING ? reply->element[i]->str : NULL;
            values[n++] = reply->element[i + 1]->type == REDIS_REPLY_STRING
                              ? reply->element[i + 1]->str
                              : NULL;
        }
    if (reply && !d->failed) {
        nlive = presence_live_nodes(fields, values, n, f->name, (int64_t)pulse_wall_ms(), live,
                                    DIRECT_MAX_NODES);
        if (d->conn_node[0] && strcmp(d->conn_node, f->name) != 0 &&
            fleet_node_name_ok(d->conn_node))
            live[nlive++] = d->conn_node; /* ids and user names cannot both match on one node */
    }
    unsigned sent = 0;
    for (size_t i = 0; i < nlive && !f->stopped; i++) {
        char inbox[FLEET_KEY_MAX];
        fleet_key(inbox, sizeof(inbox), f->prefix, FK_NODE, live[i]);
        if (fleet_send(f, inbox, ENV_DIRECT, d->to, strlen(d->to), d->json, d->len) == 0)
            sent++;
    }
    if (!f->stopped)
        answer(d, sent);
    dreq_free(d);
}

int fleet_direct(void *user, struct conn *c, json_t *req_id, const char *to, const char *json,
                 size_t len, unsigned local)
{
    struct fleet *f = user;
    if (!f->up || strlen(to) > ENVELOPE_ARG_MAX)
        return -ENOTCONN;
    struct dreq *d = calloc(1, sizeof(*d));
    char kconn[FLEET_KEY_MAX], kuser[FLEET_KEY_MAX];
    if (!d || !(d->to = strdup(to)) || !(d->json = malloc(len ? len : 1)) ||
        fleet_key(kconn, sizeof(kconn), f->prefix, FK_CONN, to) < 0 ||
        fleet_key(kuser, sizeof(kuser), f->prefix, FK_USER, to) < 0) {
        if (d)
            dreq_free(d);
        return -ENOTCONN;
    }
    d->f = f;
    snprintf(d->conn_id, sizeof(d->conn_id), "%s", c->id);
    d->req_id = req_id ? json_incref(req_id) : NULL;
    memcpy(d->json, json, len);
    d->len = len;
    d->local = local;
    if (redis_client_command(f->rc, on_conn_owner, d, 2, (const char *[]){"GET", kconn}, NULL) <
        0) {
        dreq_free(d);
        return -ENOTCONN;
    }
    /* Once the first is queued the second is too (same connection, same state). */
    if (redis_client_command(f->rc, on_user_nodes, d, 2, (const char *[]){"HGETALL", kuser}, NULL) <
        0)
        d->single = 1;
    f->lookups++;
    return 0;
}

/* ---- presence ----------------------------------------------------------------------------- */

/* The user a connection is signed in as, or "" (open mode: connections carry no user yet; with
 * auth this returns it, and users are then found on every node like connection ids). */
static const char *conn_user(const struct conn *c)
{
    const char *user = auth_user(&c->ident);
    return user ? user : "";
}

void fleet_presence_one(struct fleet *f, struct conn *c)
{
    char key[FLEET_KEY_MAX], ttl[16], deadline[24];
    const char *user = conn_user(c);
    if (!f->up || !conn_is_ws(c))
        return;
    snprintf(ttl, sizeof(ttl), "%d", FLEET_PRESENCE_TTL);
    if (fleet_key(key, sizeof(key), f->prefix, FK_CONN, c->id) > 0)
        redis_client_command(f->rc, NULL, NULL, 5, (const char *[]){"SET", key, f->name, "PX", ttl},
                             NULL);
    if (!user[0] || fleet_key(key, sizeof(key), f->prefix, FK_USER, user) < 0)
        return;
    snprintf(deadline, sizeof(deadline), "%llu",
             (unsigned long long)pulse_wall_ms() + FLEET_PRESENCE_TTL);
    redis_client_command(f->rc, NULL, NULL, 4, (const char *[]){"HSET", key, f->name, deadline},
                         NULL);
    redis_client_command(f->rc, NULL, NULL, 3, (const char *[]){"PEXPIRE", key, ttl}, NULL);
}

void fleet_conn_open(void *user, struct conn *c)
{
    fleet_presence_one(user, c);
}

void fleet_conn_closed(void *user, struct conn *c)
{
    struct fleet *f = user;
    char key[FLEET_KEY_MAX];
    const char *name = conn_user(c);
    fleet_rsubs_drop(f, c->id);
    if (!f->up)
        return;
    if (fleet_key(key, sizeof(key), f->prefix, FK_CONN, c->id) > 0)
        redis_client_command(f->rc, NULL, NULL, 2, (const char *[]){"DEL", key}, NULL);
    if (name[0] && !direct_present(&f->hub->conns, &f->hub->auth.users, name, c) &&
        fleet_key(key, sizeof(key), f->prefix, FK_USER, name) > 0)
        redis_client_command(f->rc, NULL, NULL, 3, (const char *[]){"HDEL", key, f->name}, NULL);
}
