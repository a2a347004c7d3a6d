/* The listening socket: binding, accepting, and routing each connection's reads by its state. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/http_reply.h"
#include "net/net_private.h"
#include "net/stream_tls.h"

#define REFUSED_MAX 64

static void on_read(struct stream *s, ssize_t nread, char *data)
{
    struct net_conn *nc = s->user;
    if (nread < 0) {
        net_conn_close(nc);
        return;
    }
    nc->last_rx = uv_now(nc->net->loop);
    nc->bytes_in += (uint64_t)nread;
    if (nc->state == CS_HTTP)
        net_http_bytes(nc, data, (size_t)nread);
    else if (nc->state == CS_WS)
        net_ws_bytes(nc, (uint8_t *)data, (size_t)nread);
    /* CS_DRAIN / CS_SHUT: the peer's remaining bytes are read and dropped until its EOF. */
}

/* Under TLS the stream is a TLS stream wrapping the TCP one, whose handshake must end within the
 * time a begun HTTP request has; 0, or -1 when out of memory. */
static int wrap_tls(struct net_conn *nc)
{
    struct net *net = nc->net;
    if (!net->tls)
        return 0;
    struct tls_stream *ts = tls_stream_new(net->tls, &nc->tcp.base, net->loop, HTTP_HEAD_MS);
    if (!ts)
        return -1;
    nc->stream = &ts->base;
    nc->stream->user = nc;
    nc->stream->on_read = on_read;
    return 0;
}

struct net_conn *net_conn_new(struct net *net, struct stream *s)
{
    struct net_conn *nc = calloc(1, net->hooks->conn_size);
    struct http_in *h = malloc(sizeof(*h));
    if (!nc || !h ||
        (!s && tcp_stream_init(&nc->tcp, net->loop, net->read_buf, sizeof(net->read_buf)) != 0)) {
        free(nc);
        free(h);
        return NULL;
    }
    nc->net = net;
    nc->name = nc->remote;
    /* The stream under HTTP and WebSocket: a TLS stream wrapping nc->tcp would be set here. */
    nc->stream = s ? s : &nc->tcp.base;
    nc->stream->user = nc;
    nc->stream->on_read = on_read;
    nc->http = h;
    http_in_init(h);
    outq_init(&nc->q);
    nc->next = net->conns;
    if (net->conns)
        net->conns->prev = nc;
    net->conns = nc;
    net->nconns++;
    net->nhttp++;
    net_timers_conn_added(net);
    return nc;
}

/* Past max_http_conns connections that are not WebSockets, a new one is answered 503 with
 * Retry-After and closed without its request being read; while REFUSED_MAX refusals are still
 * being written, further ones are closed at once. Returns 1 when nc was refused. */
static int refuse(struct net *net, struct net_conn *nc)
{
    if (!net->lim.max_http_conns || net->nhttp <= net->lim.max_http_conns)
        return 0;
    if (net->nrefused == 0)
        log_warn(net->log, "%u HTTP connections: refusing new ones with 503", net->nhttp - 1);
    net->nhttp--;
    net->nrefused++;
    nc->refused = 1;
    if (net->nrefused > REFUSED_MAX) {
        net_conn_close(nc);
        return 1;
    }
    http_reply_error(nc, 503, 0);
    net_read_start(nc); /* its bytes are dropped while draining; its EOF ends it */
    return 1;
}

void net_conn_begin(struct net_conn *nc)
{
    nc->net->hooks->on_open(nc);
    nc->last_rx = nc->opened_ms = uv_now(nc->net->loop);
    if (!refuse(nc->net, nc))
        net_read_start(nc);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct net *net = server->data;
    if (status < 0 || net->stopping)
        return;
    struct net_conn *nc = net_conn_new(net, NULL);
    if (!nc)
        return;
    if (tcp_stream_accept(&nc->tcp, server) != 0 || wrap_tls(nc) < 0) {
        nc->state = CS_CLOSING;
        stream_close(nc->stream, net_conn_closed);
        return;
    }
    tcp_stream_peer(&nc->tcp, nc->remote, sizeof(nc->remote));
    net_conn_begin(nc);
}

static int bound_port(uv_tcp_t *tcp)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    uv_tcp_getsockname(tcp, (struct sockaddr *)&ss, &len);
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

int net_listen(struct net *net, char *why, size_t whylen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE},
                    *ai = NULL;
    char port[16];
    uv_tcp_init(net->loop, &net->listener);
    net->listener.data = net;
    snprintf(port, sizeof(port), "%ld", net->lim.port);
    if (getaddrinfo(net->lim.host, port, &hints, &ai) != 0 || !ai) {
        snprintf(why, whylen, "cannot resolve host '%s'", net->lim.host);
        return UV_EINVAL;
    }
    /* libuv sets SO_REUSEADDR on bind, so a restart on the same port works at once. */
    int rc = uv_tcp_bind(&net->listener, ai->ai_addr, 0);
    freeaddrinfo(ai);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&net->listener, 4096, on_connection);
    if (rc < 0) {
        snprintf(why, whylen, "cannot listen on %s:%ld: %s", net->lim.host, net->lim.port,
                 uv_strerror(rc));
        return rc;
    }
    net->port = bound_port(&net->listener);
    return 0;
}
