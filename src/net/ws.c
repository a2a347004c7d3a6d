#include "net/ws.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CLOSE_PROTOCOL 1002
#define CLOSE_INVALID_DATA 1007
#define CLOSE_TOO_BIG 1009
#define CLOSE_INTERNAL 1011
#define CTRL_MAX 125

void ws_init(struct ws_session *ws, size_t max_msg, const struct ws_handlers *h, void *user)
{
    memset(ws, 0, sizeof(*ws));
    ws->h = h;
    ws->user = user;
    ws->max_msg = max_msg;
}

static void drop_buffers(struct ws_session *ws)
{
    free(ws->buf);
    free(ws->ctrl);
    ws->buf = ws->ctrl = NULL;
    ws->buf_len = ws->buf_cap = 0;
}

void ws_enable_deflate(struct ws_session *ws, struct pmd_inflater *inflater)
{
    ws->inflater = inflater;
}

void ws_free(struct ws_session *ws)
{
    drop_buffers(ws);
}

static void send_control(struct ws_session *ws, uint8_t opcode, const uint8_t *p, size_t n)
{
    uint8_t frame[2 + CTRL_MAX];
    frame[0] = (uint8_t)(0x80 | opcode);
    frame[1] = (uint8_t)n;
    if (n)
        memcpy(frame + 2, p, n);
    ws->h->on_output(ws->user, frame, 2 + n);
}

void ws_close(struct ws_session *ws, uint16_t code, const char *reason)
{
    uint8_t p[CTRL_MAX] = {(uint8_t)(code >> 8), (uint8_t)code};
    size_t rlen = reason ? strnlen(reason, CTRL_MAX - 2) : 0;
    if (ws->close_sent)
        return;
    memcpy(p + 2, reason ? reason : "", rlen);
    send_control(ws, WS_OP_CLOSE, p, 2 + rlen);
    ws->close_sent = 1;
    ws->close_code = code;
    drop_buffers(ws);
}

void ws_ping(struct ws_session *ws)
{
    if (!ws->close_sent)
        send_control(ws, WS_OP_PING, NULL, 0);
}

/* Fails the connection: one Close with `code`, and nothing is read after it. */
static int fail(struct ws_session *ws, uint16_t code)
{
    ws_close(ws, code, NULL);
    return -1;
}

static int close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006) ||
           (code >= 3000 && code <= 4999);
}

static int on_close_frame(struct ws_session *ws, const uint8_t *p, size_t n)
{
    utf8_state st = 0;
    ws->close_received = 1;
    if (n == 1)
        return fail(ws, CLOSE_PROTOCOL);
    if (n >= 2 && !close_code_valid((unsigned)(p[0] << 8 | p[1])))
        return fail(ws, CLOSE_PROTOCOL);
    if (n > 2 && (utf8_feed(&st, p + 2, n - 2) < 0 || !utf8_complete(st)))
        return fail(ws, CLOSE_INVALID_DATA);
    /* Echo the peer's status code (an empty Close with an empty one). */
    send_control(ws, WS_OP_CLOSE, p, n >= 2 ? 2 : 0);
    ws->close_sent = 1;
    ws->close_code = n >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 1005;
    drop_buffers(ws);
    return -1;
}

static int on_control(struct ws_session *ws, const uint8_t *p, size_t n)
{
    switch (ws->opcode) {
    case WS_OP_PING:
        send_control(ws, WS_OP_PONG, p, n);
        return 0;
    case WS_OP_CLOSE:
        return on_close_frame(ws, p, n);
    default: /* an unsolicited pong */
        return 0;
    }
}

/* Checks the first two bytes of a header, so that a bad frame fails before the rest arrives. */
static int check_start(struct ws_session *ws)
{
    uint8_t b0 = ws->hdr[0], b1 = ws->hdr[1], op = b0 & 0x0f;
    ws->fin = b0 >> 7;
    ws->opcode = op;
    ws->rsv1 = (b0 >> 6) & 1;
    /* RSV1 only with permessage-deflate, and only on the first frame of a data message. */
    int rsv1_ok = ws->inflater && (op == WS_OP_TEXT || op == WS_OP_BINARY);
    if ((b0 & 0x30) || (ws->rsv1 && !rsv1_ok) || !(b1 & 0x80))
        return fail(ws, CLOSE_PROTOCOL); /* RSV bits without an extension, an unmasked frame */
    if (op >= WS_OP_CLOSE && (op > WS_OP_PONG || !ws->fin || (b1 & 0x7f) > CTRL_MAX))
        return fail(ws, CLOSE_PROTOCOL); /* a reserved opcode, a fragmented or long control */
    if ((op > WS_OP_BINARY && op < WS_OP_CLOSE) || (op == WS_OP_CONT && !ws->msg_opcode) ||
        (op != WS_OP_CONT && op <= WS_OP_BINARY && ws->msg_opcode))
        return fail(ws, CLOSE_PROTOCOL); /* reserved, nothing to continue, a message in one */
    return 0;
}

/* Sets up a frame whose header is complete: 0, or -1 after failing. */
static int start_frame(struct ws_session *ws, uint64_t len)
{
    uint8_t op = ws->opcode;
    if (len >> 63)
        return fail(ws, CLOSE_PROTOCOL);
    if (op == WS_OP_TEXT || op == WS_OP_BINARY) { /* check_start made sure none was open */
        ws->msg_opcode = op;
        ws->msg_len = 0;
        ws->utf8 = 0;
        ws->msg_compressed = ws->rsv1;
    }
    /* A compressed message is bounded on the wire here and by its inflated size later. */
    uint64_t max = ws->msg_compressed ? pmd_compressed_max(ws->max_msg) : ws->max_msg;
    if (op < WS_OP_CLOSE && ws->msg_len + len > max)
        return fail(ws, CLOSE_TOO_BIG);
    memcpy(ws->mask, ws->hdr + ws->hdr_len - 4, 4);
    ws->remaining = len;
    ws->frame_off = 0;
    ws->in_payload = 1;
    return 0;
}

/* Collects header bytes; returns how many it used, or -1 after failing. */
static long read_header(struct ws_session *ws, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (used < n) {
        ws->hdr[ws->hdr_len++] = p[used++];
        if (ws->hdr_len < 2)
            continue;
        if (ws->hdr_len == 2 && check_start(ws) < 0)
            return -1;
        uint8_t l7 = ws->hdr[1] & 0x7f;
        size_t need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + 4;
        if (ws->hdr_len < need)
            continue;
        uint64_t len = l7;
        if (l7 == 126)
            len = (uint64_t)ws->hdr[2] << 8 | ws->hdr[3];
        else if (l7 == 127)
            for (int i = 0; i < 8; i++)
                len = len << 8 | ws->hdr[2 + i];
        if (start_frame(ws, len) < 0)
            return -1;
        ws->hdr_len = 0;
        break;
    }
    return (long)used;
}

static void unmask(struct ws_session *ws, uint8_t *p, size_t n)
{
    size_t k = ws->frame_off & 3, i = 0;
    for (; i < n && k != 0; i++, k = (k + 1) & 3)
        p[i] ^= ws->mask[k];
    /* Here (frame_off + i) is a multiple of 4: whole words take the mask from its start. */
    uint64_t m8;
    uint8_t m[8];
    for (int j = 0; j < 8; j++)
        m[j] = ws->mask[j & 3];
    memcpy(&m8, m, 8);
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w ^= m8;
        memcpy(p + i, &w, 8);
    }
    for (; i < n; i++)
        p[i] ^= ws->mask[(ws->frame_off + i) & 3];
}

/* Adds bytes to the message being reassembled; the first piece sizes the buffer for the rest of
 * its frame (at most the message limit, which bounds the buffer anyway). */
static int append(struct ws_session *ws, const uint8_t *p, size_t n)
{
    if (ws->buf_len + n > ws->buf_cap) {
        uint64_t max = ws->msg_compressed ? pmd_compressed_max(ws->max_msg) : ws->max_msg;
        size_t want = ws->remaining < max ? (size_t)ws->remaining : (size_t)max;
        size_t c = ws->buf_cap ? ws->buf_cap * 2 : (want > 256 ? want : 256);
        if (c < ws->buf_len + n)
            c = ws->buf_len + n;
        uint8_t *b = realloc(ws->buf, c);
        if (!b)
            return fail(ws, CLOSE_INTERNAL);
        ws->buf = b;
        ws->buf_cap = c;
    }
    memcpy(ws->buf + ws->buf_len, p, n);
    ws->buf_len += n;
    return 0;
}

/* Inflates a compressed message in the shared inflater (only up to the limit, so a bomb costs
 * max + 1 bytes of work) and checks its UTF-8: 0, or -1 after failing the connection. */
static int inflate_msg(struct ws_session *ws, const uint8_t **msg, size_t *len)
{
    utf8_state st = 0;
    long n = pmd_inflate(ws->inflater, *msg, *len, msg);
    if (n == -EMSGSIZE)
        return fail(ws, CLOSE_TOO_BIG);
    if (n < 0)
        return fail(ws, n == -ENOMEM ? CLOSE_INTERNAL : CLOSE_INVALID_DATA);
    *len = (size_t)n;
    if (ws->msg_opcode == WS_OP_TEXT && (utf8_feed(&st, *msg, *len) < 0 || !utf8_complete(st)))
        return fail(ws, CLOSE_INVALID_DATA);
    return 0;
}

/* A complete data message: hand it on, then forget it. */
static int deliver(struct ws_session *ws, const uint8_t *msg, size_t len)
{
    int op = ws->msg_opcode;
    uint8_t *owned = ws->buf; /* detached first: a failure or the handler may close the session */
    ws->buf = NULL;
    ws->buf_len = ws->buf_cap = 0;
    int rc = ws->msg_compressed ? inflate_msg(ws, &msg, &len) : 0;
    ws->msg_opcode = 0;
    ws->msg_len = 0;
    ws->msg_compressed = 0;
    if (rc == 0)
        ws->h->on_message(ws->user, op, msg, len);
    free(owned);
    return rc;
}

static int data_chunk(struct ws_session *ws, const uint8_t *p, size_t n, int frame_done)
{
    int text = ws->msg_opcode == WS_OP_TEXT && !ws->msg_compressed;
    if (text && utf8_feed(&ws->utf8, p, n) < 0)
        return fail(ws, CLOSE_INVALID_DATA); /* fail-fast, before the message ends */
    int whole = frame_done && ws->fin && ws->msg_len == 0 && ws->frame_off == 0;
    ws->msg_len += n;
    if (frame_done && ws->fin && text && !utf8_complete(ws->utf8))
        return fail(ws, CLOSE_INVALID_DATA);
    if (whole) /* the common case: the whole message in this read, no copy */
        return deliver(ws, p, n);
    if (n && append(ws, p, n) < 0)
        return -1;
    if (frame_done && ws->fin)
        return deliver(ws, ws->buf, ws->buf_len);
    return 0;
}

static int control_chunk(struct ws_session *ws, const uint8_t *p, size_t n, int frame_done)
{
    if (frame_done && ws->frame_off == 0) /* the whole control frame in this read */
        return on_control(ws, p, n);
    if (!ws->ctrl && !(ws->ctrl = malloc(CTRL_MAX)))
        return fail(ws, CLOSE_INTERNAL);
    memcpy(ws->ctrl + ws->frame_off, p, n);
    if (!frame_done)
        return 0;
    uint8_t *owned = ws->ctrl; /* detached first: a failing close frees the session's buffers */
    ws->ctrl = NULL;
    int rc = on_control(ws, owned, (size_t)ws->frame_off + n);
    free(owned);
    return rc;
}

/* Consumes payload bytes of the current frame; returns how many, or -1 after failing. */
static long read_payload(struct ws_session *ws, uint8_t *p, size_t n)
{
    size_t take = ws->remaining < n ? (size_t)ws->remaining : n;
    int frame_done = take == ws->remaining;
    unmask(ws, p, take);
    int rc = ws->opcode >= WS_OP_CLOSE ? control_chunk(ws, p, take, frame_done)
                                       : data_chunk(ws, p, take, frame_done);
    if (rc < 0)
        return -1;
    ws->remaining -= take;
    ws->frame_off += take;
    if (frame_done)
        ws->in_payload = 0;
    return (long)take;
}

enum ws_state ws_feed(struct ws_session *ws, uint8_t *data, size_t len)
{
    size_t off = 0;
    while (!ws->close_sent && (off < len || (ws->in_payload && ws->remaining == 0))) {
        long used = ws->in_payload ? read_payload(ws, data + off, len - off)
                                   : read_header(ws, data + off, len - off);
        if (used < 0)
            break;
        off += (size_t)used;
    }
    return ws->close_sent ? WS_CLOSED : WS_OPEN;
}
