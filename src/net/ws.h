/* One WebSocket session: a strict RFC 6455 parser of client frames (masking, RSV bits, opcodes,
 * control-frame rules, fragmentation, UTF-8 checked fail-fast across fragments, the message
 * size limit at the frame header), answering pings and closes itself. Data frames the server
 * sends are framed by the caller (pbuf_frame) and never pass through here, so a broadcast is
 * framed once for every recipient.
 *
 * Frames that arrive whole in one read are unmasked in place and handed on without a copy; a
 * connection holds a receive buffer only while a message spans reads or fragments. */
#ifndef PULSE_WS_H
#define PULSE_WS_H

#include <stddef.h>
#include <stdint.h>

#include "net/deflate.h"
#include "net/utf8.h"

enum ws_opcode {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xa,
};

struct ws_handlers {
    /* A complete text (opcode 1) or binary (opcode 2) message. */
    void (*on_message)(void *user, int opcode, const uint8_t *msg, size_t len);
    /* Bytes of control frames to send, in order with the caller's own frames. */
    void (*on_output)(void *user, const uint8_t *data, size_t len);
};

enum ws_state { WS_OPEN, WS_CLOSED };

struct ws_session {
    const struct ws_handlers *h;
    void *user;
    uint64_t max_msg;
    uint64_t remaining; /* payload bytes of the current frame still to come */
    uint64_t frame_off; /* payload bytes of the current frame already seen */
    uint64_t msg_len;   /* bytes of the current data message so far */
    uint8_t *buf;       /* the data message being reassembled, or NULL */
    size_t buf_len, buf_cap;
    uint8_t *ctrl; /* a control frame split across reads, or NULL */
    utf8_state utf8;
    uint8_t hdr[14];
    uint8_t hdr_len, in_payload;
    uint8_t fin, opcode, msg_opcode; /* msg_opcode: the data message in progress, 0 for none */
    uint8_t mask[4];
    uint8_t close_sent, close_received;
    uint8_t rsv1;                  /* RSV1 of the frame being read */
    uint8_t msg_compressed;        /* the data message in progress came with RSV1 */
    struct pmd_inflater *inflater; /* permessage-deflate negotiated: the shared inflater */
    uint16_t close_code; /* the Close status sent or echoed (1005: none given), 0 before */
};

/* Prepares a session; messages over max_msg bytes are refused with 1009. */
void ws_init(struct ws_session *ws, size_t max_msg, const struct ws_handlers *h, void *user);

/* Accepts compressed messages (RSV1 on their first frame), inflated with the shared `inflater`,
 * whose limit must be the session's message limit. */
void ws_enable_deflate(struct ws_session *ws, struct pmd_inflater *inflater);

/* Frees the session's buffers. */
void ws_free(struct ws_session *ws);

/* Parses bytes from the peer (unmasking them in place), calling the handlers; WS_CLOSED once
 * a Close was sent, after which the caller flushes its queue and shuts the connection down. */
enum ws_state ws_feed(struct ws_session *ws, uint8_t *data, size_t len);

/* Starts the closing handshake with `code` (no-op when a Close was already sent). */
void ws_close(struct ws_session *ws, uint16_t code, const char *reason);

/* Sends a ping frame. */
void ws_ping(struct ws_session *ws);

/* Whether data frames may still be sent (no Close sent yet). */
static inline int ws_can_send(const struct ws_session *ws)
{
    return !ws->close_sent;
}

#endif
