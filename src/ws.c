#include "ws.h"

#include <errno.h>
#include <string.h>

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    struct ws_session *ws = user;
    (void)flags;
    if (ws->in_len == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = len < ws->in_len ? len : ws->in_len;
    memcpy(buf, ws->in, n);
    ws->in += n;
    ws->in_len -= n;
    return (ssize_t)n;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    struct ws_session *ws = user;
    (void)ctx;
    (void)flags;
    ws->h->on_output(ws->user, data, len);
    return (ssize_t)len;
}

/* Writes wslay's queued control frames now, so that they keep their place before replies. */
static void flush(struct ws_session *ws)
{
    if (!ws->close_sent && (wslay_event_want_write(ws->ctx) || 0)) {
        wslay_event_send(ws->ctx);
        if (wslay_event_get_close_sent(ws->ctx))
            ws->close_sent = 1;
    }
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *user)
{
    struct ws_session *ws = user;
    (void)ctx;
    switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
    case WSLAY_BINARY_FRAME:
        flush(ws);
        if (!ws->close_sent)
            ws->h->on_message(ws->user, arg->opcode, arg->msg, arg->msg_length);
        break;
    case WSLAY_CONNECTION_CLOSE:
        ws->close_received = 1;
        /* wslay takes a 1-byte close payload for "no status" and would echo an empty Close. */
        if (arg->msg_length == 1)
            ws->fail_code = WSLAY_CODE_PROTOCOL_ERROR;
        break;
    case WSLAY_PING:
        flush(ws);
        break;
    default:
        break;
    }
}

static const struct wslay_event_callbacks callbacks = {
    .recv_callback = recv_cb,
    .send_callback = send_cb,
    .on_msg_recv_callback = on_msg,
};

int ws_init(struct ws_session *ws, size_t max_msg, const struct ws_handlers *h, void *user)
{
    memset(ws, 0, sizeof(*ws));
    ws->h = h;
    ws->user = user;
    if (wslay_event_context_server_init(&ws->ctx, &callbacks, ws) != 0)
        return -ENOMEM;
    wslay_event_config_set_max_recv_msg_length(ws->ctx, max_msg);
    return 0;
}

void ws_free(struct ws_session *ws)
{
    wslay_event_context_free(ws->ctx);
    ws->ctx = NULL;
}

/* A Close frame of our own, for the cases where wslay's would carry no status code. */
static void send_own_close(struct ws_session *ws, uint16_t code)
{
    uint8_t frame[4] = {0x88, 2, (uint8_t)(code >> 8), (uint8_t)code};
    ws->h->on_output(ws->user, frame, sizeof(frame));
    ws->close_sent = 1;
}

enum ws_state ws_feed(struct ws_session *ws, const uint8_t *data, size_t len)
{
    if (ws->close_sent)
        return WS_CLOSED;
    ws->in = data;
    ws->in_len = len;
    int rc = wslay_event_recv(ws->ctx);
    ws->in = NULL;
    ws->in_len = 0;
    if (rc == WSLAY_ERR_CALLBACK_FAILURE && !ws->fail_code)
        ws->fail_code = WSLAY_CODE_PROTOCOL_ERROR; /* frame-level violation */
    else if (rc != 0 && !ws->fail_code)
        ws->fail_code = WSLAY_CODE_INTERNAL_SERVER_ERROR;
    if (ws->fail_code && !ws->close_sent)
        send_own_close(ws, ws->fail_code);
    flush(ws);
    return ws->close_sent ? WS_CLOSED : WS_OPEN;
}

void ws_close(struct ws_session *ws, uint16_t code, const char *reason)
{
    if (ws->close_sent)
        return;
    size_t rlen = reason ? strlen(reason) : 0;
    if (wslay_event_queue_close(ws->ctx, code, (const uint8_t *)reason, rlen) != 0) {
        send_own_close(ws, code);
        return;
    }
    flush(ws);
}

void ws_ping(struct ws_session *ws)
{
    struct wslay_event_msg msg = {WSLAY_PING, NULL, 0};
    if (!ws->close_sent && wslay_event_queue_msg(ws->ctx, &msg) == 0)
        flush(ws);
}

int ws_can_send(const struct ws_session *ws)
{
    return !ws->close_sent;
}
