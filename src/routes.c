#include "routes.h"

#include <stdio.h>
#include <string.h>

#include "transport.h"

void routes_respond(struct conn *c, int status, const char *content_type, const char *extra,
                    const void *body, size_t len, int keep_alive)
{
    char head[1024];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nServer: pulse/" PULSE_VERSION "\r\n"
                     "Content-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
                     status, http_status_text(status), content_type, len, extra,
                     keep_alive ? "" : "Connection: close\r\n");
    if (n < 0 || (size_t)n >= sizeof(head))
        return;
    conn_send_raw(c, head, (size_t)n);
    if (len > 0)
        conn_send_raw(c, body, len);
    if (!keep_alive)
        c->state = CS_DRAIN;
}

void routes_error(struct conn *c, int status, int keep_alive)
{
    const char *extra = "";
    if (status == 426)
        extra = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
    else if (status == 405)
        extra = "Allow: GET\r\n";
    char body[128];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, http_status_text(status));
    routes_respond(c, status, "text/plain; charset=utf-8", extra, body, (size_t)n, keep_alive);
}

void routes_http(struct pulse_server *srv, struct conn *c, const struct http_req *req,
                 const char *path)
{
    (void)srv;
    if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
        routes_error(c, 405, req->keep_alive);
        return;
    }
    if (strcmp(path, "/healthz") == 0) {
        routes_respond(c, 200, "text/plain; charset=utf-8", "", "ok",
                       req->method == HTTP_HEAD ? 0 : 2, req->keep_alive);
        return;
    }
    routes_error(c, 404, req->keep_alive);
}
