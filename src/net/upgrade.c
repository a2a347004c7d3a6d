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

/* With compression on: the extension header of the 101 when the request offered permessage-deflate
 * acceptably ("" otherwise), and the session set up to inflate. */
static void negotiate_deflate(struct net_conn *nc, char *hdr, size_t len)
{
    char value[PMD_RESPONSE_MAX];
    hdr[0] = '\0';
    if (!nc->net->lim.compression || !nc->http ||
        !pmd_negotiate(http_req_header(&nc->http->req, HH_WS_EXTENSIONS), value))
        return;
    snprintf(hdr, len, "Sec-WebSocket-Extensions: %s\r\n", value);
    ws_enable_deflate(&nc->ws, &nc->net->inflater);
}

void net_upgrade(struct net_conn *nc, const char *accept)
{
    struct net *net = nc->net;
    char resp[256 + PMD_RESPONSE_MAX], ext[32 + PMD_RESPONSE_MAX];
    ws_init(&nc->ws, net->lim.max_message_bytes, &ws_cb, nc);
    negotiate_deflate(nc, ext, sizeof(ext));
    int n = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n",
                     accept, ext);
    nc->upgraded = 1;
    net->nhttp--; /* a WebSocket now: --max-connections counts it */
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
