#include "hub/hub.h"

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
}

void hub_free(struct hub *h)
{
    bc_free(&h->bc);
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

static void send_welcome(struct conn *c)
{
    json_t *w = json_pack("{s:s, s:i, s:s, s:s, s:I, s:b}", "type", "welcome", "protocol", 1,
                          "server", "pulse/" PULSE_VERSION, "connection_id", c->id, "heartbeat_ms",
                          (json_int_t)conn_hub(c)->lim.heartbeat_ms, "auth_required", 0);
    conn_send_json(c, w);
    json_decref(w);
}

void hub_ws_open(struct conn *c)
{
    struct hub *h = conn_hub(c);
    conn_mgr_ws_count(&h->conns, +1);
    rl_init(&c->rl, h->lim.rate_burst, uv_now(h->loop));
    send_welcome(c);
}

void hub_conn_close(struct conn *c)
{
    struct hub *h = conn_hub(c);
    if (c->nc.upgraded)
        conn_mgr_ws_count(&h->conns, -1);
    bc_unsubscribe_all(&h->bc, c);
    conn_mgr_remove(&h->conns, c);
}
