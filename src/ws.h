/* One WebSocket session on wslay's event API: strict RFC 6455 parsing of client frames, control
 * frames and closes. Data frames the server sends are framed by the caller (pbuf_frame) and never
 * pass through here, so a broadcast is framed once for every recipient. */
#ifndef PULSE_WS_H
#define PULSE_WS_H

#include <stddef.h>
#include <stdint.h>
#include <wslay/wslay.h>

struct ws_handlers {
    /* A complete text (opcode 1) or binary (opcode 2) message. */
    void (*on_message)(void *user, int opcode, const uint8_t *msg, size_t len);
    /* Bytes of control frames to send, in order with the caller's own frames. */
    void (*on_output)(void *user, const uint8_t *data, size_t len);
};

enum ws_state { WS_OPEN, WS_CLOSED };

struct ws_session {
    wslay_event_context_ptr ctx;
    const struct ws_handlers *h;
    void *user;
    const uint8_t *in;
    size_t in_len;
    uint16_t fail_code; /* set when the peer must get a close wslay would not send right */
    int close_sent;
    int close_received;
};

/* Creates the wslay context; messages over max_msg bytes are refused with 1009. */
int ws_init(struct ws_session *ws, size_t max_msg, const struct ws_handlers *h, void *user);

/* Frees the wslay context. */
void ws_free(struct ws_session *ws);

/* Parses bytes from the peer, calling the handlers; WS_CLOSED once a Close was sent, after
 * which the caller flushes its queue and shuts the connection down. */
enum ws_state ws_feed(struct ws_session *ws, const uint8_t *data, size_t len);

/* Starts the closing handshake with `code` (no-op when a Close was already sent). */
void ws_close(struct ws_session *ws, uint16_t code, const char *reason);

/* Sends a ping frame. */
void ws_ping(struct ws_session *ws);

/* Whether data frames may still be sent (no Close sent yet). */
int ws_can_send(const struct ws_session *ws);

#endif
