#include "net/http_reply.h"

#include <stdio.h>

void http_reply_head(struct net_conn *nc, int status, const char *content_type, const char *extra,
                     long len, int keep_alive)
{
    char head[1024], clen[48] = "";
    nc->http_status = status;
    if (len >= 0)
        snprintf(clen, sizeof(clen), "Content-Length: %ld\r\n", len);
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nServer: pulse/" PULSE_VERSION "\r\n"
                     "Content-Type: %s\r\n%s%s%s\r\n",
                     status, http_status_text(status), content_type, clen, extra,
                     keep_alive ? "" : "Connection: close\r\n");
    if (n > 0 && (size_t)n < sizeof(head))
        net_send_raw(nc, head, (size_t)n);
    if (!keep_alive)
        net_drain(nc);
}

void http_reply(struct net_conn *nc, int status, const char *content_type, const char *extra,
                const void *body, size_t len, int keep_alive)
{
    http_reply_head(nc, status, content_type, extra, (long)len, keep_alive);
    if (len > 0)
        net_send_raw(nc, body, len);
}

void http_reply_error(struct net_conn *nc, int status, int keep_alive)
{
    const char *extra = "";
    if (status == 426)
        extra = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
    else if (status == 405)
        extra = "Allow: GET, HEAD\r\n";
    else if (status == 503)
        extra = "Retry-After: 1\r\n";
    char body[128];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, http_status_text(status));
    http_reply(nc, status, "text/plain; charset=utf-8", extra, body, (size_t)n, keep_alive);
}
