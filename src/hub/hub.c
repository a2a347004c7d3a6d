#include "hub/hub.h"

#include <stdio.h>

#include "base/clock.h"

void hub_init(struct hub *h, uv_loop_t *loop, const struct logger *log, const struct net *net,
              const struct hub_limits *lim)
{
    h->loop = loop;
    h->log = log;
    h->net = net;
    h->lim = *lim;
    h->started_wall_ms = pulse_wall_ms();
    conn_mgr_init(&h->conns);
    bc_init(&h->bc);
    auth_init(&h->auth, NULL, log, NULL, 0); /* open mode until hub_auth_start */
}

void hub_free(struct hub *h)
{
    bc_free(&h->bc);
    auth_free(&h->auth);
}

/* A token expired on an open connection: tell it (no id), drop its subscriptions; auth then
 * makes it anonymous. It may authenticate again. */
static void on_expire(struct auth_ident *id, void *arg)
{
    struct hub *h = arg;
    struct conn *c = conn_of_ident(id);
    json_t *err = perr_json(PERR_UNAUTHORIZED, jwt_strerror(-JWT_E_EXPIRED));
    conn_send_json(c, err);
    json_decref(err);
    bc_unsubscribe_all(&h->bc, c);
}

int hub_auth_start(struct hub *h, const char *secret_file, char *why, size_t whylen)
{
    int rc = auth_init(&h->auth, secret_file, h->log, why, whylen);
    if (rc == 0)
        rc = auth_start(&h->auth, h->loop, on_expire, h);
    if (rc < 0 && !why[0])
        snprintf(why, whylen, "auth: %s", uv_strerror(rc));
    return rc;
}

uint64_t hub_uptime_s(const struct hub *h)
{
    return (pulse_wall_ms() - h->started_wall_ms) / 1000;
}

uint64_t hub_dropped(const struct hub *h)
{
    return h->counters.dropped + h->net->counters.dropped;
}

void hub_conn_open(struct hub *h, struct conn *c)
{
    conn_mgr_add(&h->conns, c, h->lim.node_name);
    c->nc.name = c->id;
}

/* {"user","roles","expires"} of a connection authenticated by its upgrade. */
static void add_identity(json_t *w, const struct auth_ident *id)
{
    json_t *roles = json_array();
    if (id->roles & AUTH_ROLE_PUBLISHER)
        json_array_append_new(roles, json_string("publisher"));
    if (id->roles & AUTH_ROLE_ADMIN)
        json_array_append_new(roles, json_string("admin"));
    json_object_set_new(w, "user", json_string(auth_user(id)));
    json_object_set_new(w, "roles", roles);
    json_object_set_new(w, "expires", json_integer((json_int_t)id->expires_ms));
}

static void send_welcome(struct conn *c)
{
    struct hub *h = conn_hub(c);
    json_t *w = json_pack("{s:s, s:i, s:s, s:s, s:I, s:b}", "type", "welcome", "protocol", 1,
                          "server", "pulse/" PULSE_VERSION, "connection_id", c->id, "heartbeat_ms",
                          (json_int_t)h->lim.heartbeat_ms, "auth_required", h->auth.enabled);
    if (w && auth_user(&c->ident))
        add_identity(w, &c->ident);
    json_t *host = w && h->svc.host ? h->svc.host(h->svc.user) : NULL;
    if (host)
        json_object_set_new(w, "host", host);
    conn_send_json(c, w);
    json_decref(w);
}

void hub_ws_open(struct conn *c)
{
    struct hub *h = conn_hub(c);
    conn_mgr_ws_count(&h->conns, +1);
    rl_init(&c->rl, h->lim.rate_burst, uv_now(h->loop));
    send_welcome(c);
    if (h->cluster.conn_open)
        h->cluster.conn_open(h->cluster.user, c);
}

void hub_conn_close(struct conn *c)
{
    struct hub *h = conn_hub(c);
    if (c->nc.upgraded) {
        conn_mgr_ws_count(&h->conns, -1);
        if (h->cluster.conn_closed)
            h->cluster.conn_closed(h->cluster.user, c);
    }
    bc_unsubscribe_all(&h->bc, c);
    auth_logout(&h->auth, &c->ident);
    conn_mgr_remove(&h->conns, c);
}
