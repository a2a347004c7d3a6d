/* The net's timers: WebSocket pings and the silent-peer check, the sweep of idle HTTP and stuck
 * draining connections, and the bound on a graceful stop. */
#include "net/net_private.h"

#define SWEEP_MS 500

static void heartbeat_one(struct net_conn *nc, uint64_t now)
{
    uint64_t hb = nc->net->lim.heartbeat_ms;
    if (nc->state != CS_WS)
        return;
    if (now - nc->last_rx >= 2 * hb) {
        log_event(nc->net->log, LOG_DEBUG, "silent_peer", "dropping %s", nc->name);
        net_conn_close(nc);
        return;
    }
    ws_ping(&nc->ws);
    net_mark_dirty(nc);
}

static void on_heartbeat(uv_timer_t *t)
{
    struct net *net = t->data;
    uint64_t now = uv_now(net->loop);
    for (struct net_conn *nc = net->conns; nc; nc = nc->next)
        heartbeat_one(nc, now);
}

static void sweep_one(struct net_conn *nc, uint64_t now)
{
    if ((nc->state == CS_HTTP && !nc->paused &&
         (now - nc->last_rx >= HTTP_IDLE_MS || (nc->head_deadline && now >= nc->head_deadline))) ||
        ((nc->state == CS_DRAIN || nc->state == CS_SHUT || nc->paused) && now >= nc->deadline))
        net_conn_close(nc);
}

/* The sweep runs only while there are connections: an idle daemon is not woken twice a second
 * for nothing (net_timers_conn_added starts it again). */
static void on_sweep(uv_timer_t *t)
{
    struct net *net = t->data;
    uint64_t now = uv_now(net->loop);
    for (struct net_conn *nc = net->conns; nc; nc = nc->next)
        sweep_one(nc, now);
    if (!net->conns)
        uv_timer_stop(t);
}

void net_timers_conn_added(struct net *net)
{
    uv_handle_t *h = (uv_handle_t *)&net->sweep;
    if (h->loop && !uv_is_active(h) && !uv_is_closing(h))
        uv_timer_start(&net->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
}

static void on_stop_timer(uv_timer_t *t)
{
    struct net *net = t->data;
    for (struct net_conn *nc = net->conns; nc; nc = nc->next)
        net_conn_close(nc);
    net_stop(net);
}

void net_stop_timer_start(struct net *net)
{
    uv_timer_start(&net->stop_timer, on_stop_timer, STOP_MS, 0);
}

void net_timers_start(struct net *net)
{
    uv_timer_init(net->loop, &net->heartbeat);
    net->heartbeat.data = net;
    if (net->lim.heartbeat_ms > 0)
        uv_timer_start(&net->heartbeat, on_heartbeat, net->lim.heartbeat_ms, net->lim.heartbeat_ms);
    uv_timer_init(net->loop, &net->sweep);
    net->sweep.data = net;
    uv_timer_start(&net->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
    uv_timer_init(net->loop, &net->stop_timer);
    net->stop_timer.data = net;
}
