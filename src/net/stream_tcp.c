#include "net/stream_tcp.h"

#include <stdio.h>

static struct tcp_stream *tcp_of(struct stream *s)
{
    return (struct tcp_stream *)s; /* base is the first member */
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct tcp_stream *t = h->data;
    (void)suggested;
    buf->base = t->base.read_buf;
    buf->len = t->base.read_len;
}

static void on_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
    struct tcp_stream *t = h->data;
    t->base.on_read(&t->base, nread, buf->base);
}

static int tcp_read_start(struct stream *s)
{
    return uv_read_start((uv_stream_t *)&tcp_of(s)->tcp, on_alloc, on_read);
}

static int tcp_read_stop(struct stream *s)
{
    return uv_read_stop((uv_stream_t *)&tcp_of(s)->tcp);
}

static int tcp_try_write(struct stream *s, const uv_buf_t *bufs, unsigned n)
{
    return uv_try_write((uv_stream_t *)&tcp_of(s)->tcp, bufs, n);
}

static void on_write(uv_write_t *req, int status)
{
    struct tcp_stream *t = req->data;
    t->write_done(&t->base, status);
}

static int tcp_write(struct stream *s, const uv_buf_t *bufs, unsigned n, stream_done_cb done)
{
    struct tcp_stream *t = tcp_of(s);
    t->write_done = done;
    t->wreq.data = t;
    return uv_write(&t->wreq, (uv_stream_t *)&t->tcp, bufs, n, on_write);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct tcp_stream *t = req->data;
    t->shutdown_done(&t->base, status);
}

static int tcp_shutdown(struct stream *s, stream_done_cb done)
{
    struct tcp_stream *t = tcp_of(s);
    t->shutdown_done = done;
    t->sreq.data = t;
    return uv_shutdown(&t->sreq, (uv_stream_t *)&t->tcp, on_shutdown);
}

static void on_close(uv_handle_t *h)
{
    struct tcp_stream *t = h->data;
    t->closed(&t->base);
}

static void tcp_close(struct stream *s, stream_closed_cb done)
{
    struct tcp_stream *t = tcp_of(s);
    t->closed = done;
    uv_close((uv_handle_t *)&t->tcp, on_close);
}

static const struct stream_ops tcp_ops = {
    tcp_read_start, tcp_read_stop, tcp_try_write, tcp_write, tcp_shutdown, tcp_close,
};

int tcp_stream_init(struct tcp_stream *t, uv_loop_t *loop, char *read_buf, size_t read_len)
{
    t->base.ops = &tcp_ops;
    t->base.read_buf = read_buf;
    t->base.read_len = read_len;
    t->tcp.data = t;
    return uv_tcp_init(loop, &t->tcp);
}

int tcp_stream_accept(struct tcp_stream *t, uv_stream_t *server)
{
    int rc = uv_accept(server, (uv_stream_t *)&t->tcp);
    if (rc == 0)
        uv_tcp_nodelay(&t->tcp, 1);
    return rc;
}

void tcp_stream_peer(struct tcp_stream *t, char *out, size_t len)
{
    struct sockaddr_storage ss;
    int sslen = sizeof(ss);
    if (uv_tcp_getpeername(&t->tcp, (struct sockaddr *)&ss, &sslen) != 0)
        return;
    char host[48] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    snprintf(out, len, "%s:%d", host, port);
}
