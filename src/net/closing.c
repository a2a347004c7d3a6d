/* Ending connections: draining what is queued, the WebSocket closing handshake, and releasing a
 * connection once its stream is closed. */
#include <stdlib.h>

#include "net/net_private.h"

void net_drain(struct net_conn *nc)
{
    if (nc->state >= CS_DRAIN)
        return;
    nc->state = CS_DRAIN;
    nc->deadline = uv_now(nc->net->loop) + DRAIN_STALL_MS;
    net_mark_dirty(nc);
}

void net_close_ws(struct net_conn *nc, uint16_t code, const char *reason)
{
    if (nc->state != CS_WS)
        return;
    ws_close(&nc->ws, code, reason);
    net_drain(nc);
}

static void unlist(struct net_conn *nc)
{
    struct net *net = nc->net;
    if (nc->prev)
        nc->prev->next = nc->next;
    else
        net->conns = nc->next;
    if (nc->next)
        nc->next->prev = nc->prev;
    net->nconns--;
    if (nc->refused)
        net->nrefused--;
    else if (!nc->upgraded)
        net->nhttp--;
}

void net_conn_closed(struct stream *s)
{
    struct net_conn *nc = s->user;
    struct net *net = nc->net;
    net->queued_total -= nc->q.bytes;
    outq_clear(&nc->q);
    ws_free(&nc->ws); /* a no-op for a session that never started */
    if (nc->stash && nc->stash->yielded == YIELD_QUEUED)
        net_unlink_resume(nc);
    free(nc->stash);
    free(nc->http);
    unlist(nc);
    free(nc);
    if (net->stopping && net->nconns == 0)
        net_stop(net);
}

/* The access line of a WebSocket that ends. */
static void log_ws_closed(const struct net_conn *nc)
{
    struct log_line l;
    if (log_begin(&l, nc->net->log, LOG_INFO, "ws_closed") < 0)
        return;
    log_str(&l, "remote", nc->remote);
    if (nc->name)
        log_str(&l, "id", nc->name);
    const char *user = nc->net->hooks->conn_user ? nc->net->hooks->conn_user(nc) : NULL;
    if (user)
        log_str(&l, "user", user);
    log_uint(&l, "duration_ms", uv_now(nc->net->loop) - nc->opened_ms);
    log_uint(&l, "msgs_in", nc->msgs_in);
    log_uint(&l, "msgs_out", nc->msgs_out);
    log_uint(&l, "bytes_in", nc->bytes_in);
    log_uint(&l, "bytes_out", nc->bytes_out);
    /* 1006 (never sent) names a connection that ended without a closing handshake. */
    log_uint(&l, "close_code", nc->ws.close_code ? nc->ws.close_code : 1006);
    log_end(&l);
}

void net_conn_close(struct net_conn *nc)
{
    if (nc->state == CS_CLOSING)
        return;
    if (nc->upgraded)
        log_ws_closed(nc);
    nc->net->hooks->on_close(nc);
    nc->state = CS_CLOSING;
    stream_close(nc->stream, net_conn_closed);
}
