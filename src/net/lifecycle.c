/* The net's life cycle: start-up (listener, flusher, timers) and the graceful stop. */
#include "net/net_private.h"

int net_start(struct net *net, uv_loop_t *loop, const struct logger *log,
              const struct net_limits *lim, const struct net_hooks *hooks, void *user, char *why,
              size_t whylen)
{
    net->loop = loop;
    net->log = log;
    net->lim = *lim;
    net->hooks = hooks;
    net->user = user;
    int rc = net_listen(net, why, whylen);
    if (rc < 0)
        return rc;
    uv_check_init(loop, &net->flusher);
    net->flusher.data = net;
    uv_check_start(&net->flusher, net_on_flush);
    uv_idle_init(loop, &net->resumer);
    net->resumer.data = net;
    net_timers_start(net);
    return 0;
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void stop_one(struct net_conn *nc)
{
    if (nc->state == CS_WS)
        net_close_ws(nc, 1001, "server shutting down");
    else if (nc->state == CS_HTTP)
        net_conn_close(nc);
}

void net_stop(struct net *net)
{
    if (!net->stopping) {
        net->stopping = 1;
        close_handle((uv_handle_t *)&net->listener);
        net_stop_timer_start(net);
        for (struct net_conn *nc = net->conns; nc; nc = nc->next)
            stop_one(nc);
    }
    if (net->nconns > 0)
        return;
    /* Everything is closed once the pending close callbacks ran; then uv_run returns. */
    close_handle((uv_handle_t *)&net->flusher);
    close_handle((uv_handle_t *)&net->resumer);
    close_handle((uv_handle_t *)&net->heartbeat);
    close_handle((uv_handle_t *)&net->sweep);
    close_handle((uv_handle_t *)&net->stop_timer);
    net->hooks->on_stop(net);
}
