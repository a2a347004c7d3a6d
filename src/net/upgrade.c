/* The HTTP → WebSocket upgrade, and the WebSocket session's ends: bytes in, frames out. */
#include <stdio.h>
#include <stdlib.h>

#include "net/net_private.h"

static void ws_output(void *user, const uint8_t *data, size_t len)
{
    net_send_control(user, data, len);
}

static void ws_message(void *user, int opcode, const uint8_t *msg, size_t len)
{
    struct net_conn *nc = user;
    if (nc->slow)
        return;
    nc->msgs_in++;
    nc->net->hooks->on_ws_message(nc, opcode, (const char *)msg, len);
}

static const struct ws_handlers ws_cb = {ws_message, ws_output};

void net_upgrade(struct net_conn *nc, const char *accept)
{
    struct net *net = nc->net;
    char resp[256];
    ws_init(&nc->ws, net->lim.max_message_bytes, &ws_cb, nc);
    int n = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     accept);
    nc->upgraded = 1;
    nc->state = CS_WS;
    free(nc->http);
    nc->http = NULL;
    net_send_raw(nc, resp, (size_t)n);
    net->hooks->on_ws_open(nc);
}

/* The bytes are the shared read buffer: the session unmasks them in place. */
void net_ws_bytes(struct net_conn *nc, uint8_t *data, size_t len)
{
    if (ws_feed(&nc->ws, data, len) == WS_CLOSED)
        net_drain(nc);
    else
        net_mark_dirty(nc);
}
