#include "net/deflate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WINDOW_BITS 15
#define MEM_LEVEL 8
#define PARAM_VALUE_MAX 8

static const uint8_t tail[4] = {0x00, 0x00, 0xff, 0xff};

/* ---- negotiation ---------------------------------------------------------------------------- */

/* The parameters of one offer, as far as the answer needs them. */
struct offer {
    unsigned seen; /* bit per parameter, to refuse repeats */
    int server_bits;
};

enum { P_SNCT, P_CNCT, P_SMWB, P_CMWB, P_COUNT };
static const char *const param_names[P_COUNT] = {
    "server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
    "client_max_window_bits"};

static int is_tchar(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Reads a token at p into [*s, *s + *n); returns the position after it. */
static const char *read_token(const char *p, const char *end, const char **s, size_t *n)
{
    *s = p;
    while (p < end && is_tchar(*p))
        p++;
    *n = (size_t)(p - *s);
    return p;
}

/* Reads a token or quoted-string value (unquoted into out); NULL on a syntax error. */
static const char *read_value(const char *p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && ++p == end)
                return NULL;
            if (n + 1 >= cap)
                return NULL;
            out[n++] = *p;
        }
        if (p == end)
            return NULL;
        p++;
    } else {
        const char *s;
        p = read_token(p, end, &s, &n);
        if (n == 0 || n >= cap)
            return NULL;
        memcpy(out, s, n);
    }
    out[n] = '\0';
    return p;
}

/* A window size value: "8".."15" without leading zeros, else -1. */
static int window_bits(const char *v)
{
    if (!v)
        return -1;
    int bits = 0;
    if (!*v || *v == '0' || strlen(v) > 2)
        return -1;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return -1;
        bits = bits * 10 + (*v - '0');
    }
    return bits >= 8 && bits <= 15 ? bits : -1;
}

/* Checks one parameter (value NULL when absent): 0 valid, -1 invalid. */
static int take_param(struct offer *o, const char *name, size_t n, const char *value)
{
    int i = 0;
    while (i < P_COUNT && !(strlen(param_names[i]) == n && !strncasecmp(param_names[i], name, n)))
        i++;
    if (i == P_COUNT || (o->seen & (1u << i)))
        return -1; /* unknown or repeated */
    o->seen |= 1u << i;
    if (i == P_SNCT || i == P_CNCT)
        return value ? -1 : 0;
    if (i == P_SMWB)
        return (o->server_bits = window_bits(value)) < 0 ? -1 : 0;
    return value && window_bits(value) < 0 ? -1 : 0; /* client_max_window_bits: value optional */
}

/* Parses the parameters of one permessage-deflate offer in [p, end): 0 valid, -1 invalid. */
static int parse_params(const char *p, const char *end, struct offer *o)
{
    char value[PARAM_VALUE_MAX];
    for (;;) {
        p = skip_ows(p, end);
        if (p == end)
            return 0;
        if (*p != ';')
            return -1;
        const char *name;
        size_t n;
        p = read_token(skip_ows(p + 1, end), end, &name, &n);
        if (n == 0)
            return -1;
        p = skip_ows(p, end);
        int has_value = p < end && *p == '=';
        if (has_value && !(p = read_value(skip_ows(p + 1, end), end, value, sizeof(value))))
            return -1;
        if (take_param(o, name, n, has_value ? value : NULL) < 0)
            return -1;
    }
}

/* The end of the offer starting at p: the next comma outside a quoted string. */
static const char *offer_end(const char *p, const char *end)
{
    int quoted = 0;
    for (; p < end; p++) {
        if (quoted && *p == '\\' && p + 1 < end)
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == ',')
            break;
    }
    return p;
}

static int accept_offer(const char *p, const char *end, char *resp)
{
    static const char ext[] = "permessage-deflate";
    struct offer o = {0, WINDOW_BITS};
    const char *name;
    size_t n;
    p = read_token(skip_ows(p, end), end, &name, &n);
    if (n != sizeof(ext) - 1 || strncasecmp(name, ext, n) != 0 || parse_params(p, end, &o) < 0)
        return 0;
    if (o.server_bits != WINDOW_BITS)
        return 0; /* a smaller window than the shared deflater's: declined */
    snprintf(resp, PMD_RESPONSE_MAX,
             "permessage-deflate; server_no_context_takeover; "
             "client_no_context_takeover%s",
             (o.seen & (1u << P_SMWB)) ? "; server_max_window_bits=15" : "");
    return 1;
}

int pmd_negotiate(const char *offers, char *resp)
{
    const char *p = offers, *end = offers + strlen(offers);
    resp[0] = '\0';
    while (p < end) {
        const char *e = offer_end(p, end);
        if (accept_offer(p, e, resp))
            return 1;
        p = e < end ? e + 1 : e;
    }
    return 0;
}

/* ---- compression ---------------------------------------------------------------------------- */

int pmd_deflater_init(struct pmd_deflater *d, int level)
{
    memset(d, 0, sizeof(*d));
    if (deflateInit2(&d->z, level, Z_DEFLATED, -WINDOW_BITS, MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
        return -ENOMEM;
    d->ready = 1;
    return 0;
}

void pmd_deflater_free(struct pmd_deflater *d)
{
    if (d->ready)
        deflateEnd(&d->z);
    d->ready = 0;
}

struct pbuf *pmd_compress_frame(struct pmd_deflater *d, const uint8_t *msg, size_t len,
                                unsigned opcode)
{
    if (!d->ready || len > UINT32_MAX / 4 || deflateReset(&d->z) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&d->z, (uLong)len) + 16;
    struct pbuf *b = pbuf_new(cap, PBUF_HEADROOM);
    if (!b)
        return NULL;
    d->z.next_in = (Bytef *)(uintptr_t)msg;
    d->z.avail_in = (uInt)len;
    d->z.next_out = b->data + b->end;
    d->z.avail_out = (uInt)cap;
    int rc = deflate(&d->z, Z_SYNC_FLUSH);
    size_t out = cap - d->z.avail_out;
    /* Everything was taken (the bound guarantees room); the flush ends in 00 00 ff ff. */
    if (rc != Z_OK || d->z.avail_in != 0 || out < 4 ||
        memcmp(b->data + b->end + out - 4, tail, 4) || out - 4 >= len) {
        pbuf_unref(b);
        return NULL;
    }
    b->end += (uint32_t)(out - 4);
    pbuf_frame(b, opcode);
    b->data[b->start] |= 0x40; /* RSV1: a compressed message */
    return b;
}

struct pbuf *pmd_shared_frame(struct pmd_deflater *d, struct pbuf *frame)
{
    const uint8_t *p = frame->data + frame->start;
    size_t len = pbuf_len(frame);
    if (frame->twin_tried)
        return frame->twin ? frame->twin : frame;
    if (len < 2 || (p[0] & 0x0f) == 0 || (p[0] & 0x08) || !(p[0] & 0x80) || (p[0] & 0x40))
        return frame; /* only whole uncompressed data messages */
    size_t l7 = p[1] & 0x7f, hdr = l7 == 126 ? 4 : l7 == 127 ? 10 : 2;
    if (len < hdr || len - hdr < PMD_MIN_SIZE)
        return frame;
    frame->twin_tried = 1;
    frame->twin = pmd_compress_frame(d, p + hdr, len - hdr, p[0] & 0x0f);
    if (!frame->twin)
        return frame;
    frame->twin->kind = frame->kind;
    return frame->twin;
}

/* ---- decompression -------------------------------------------------------------------------- */

int pmd_inflater_init(struct pmd_inflater *in, size_t max)
{
    memset(in, 0, sizeof(*in));
    in->max = max;
    if (inflateInit2(&in->z, -WINDOW_BITS) != Z_OK)
        return -ENOMEM;
    in->ready = 1;
    return 0;
}

void pmd_inflater_free(struct pmd_inflater *in)
{
    if (in->ready)
        inflateEnd(&in->z);
    free(in->out);
    in->out = NULL;
    in->ready = 0;
}

/* Runs inflate over the input: 1 at the end of the DEFLATE stream, 0 when all input was used,
 * or a negative errno. */
static int inflate_some(struct pmd_inflater *in, const uint8_t *data, size_t len)
{
    in->z.next_in = (Bytef *)(uintptr_t)data;
    in->z.avail_in = (uInt)len;
    while (in->z.avail_in > 0) {
        int rc = inflate(&in->z, Z_SYNC_FLUSH);
        if (rc == Z_STREAM_END)
            return 1;
        if (in->z.avail_out == 0)
            return -EMSGSIZE;  /* max + 1 bytes came out: over the limit, stop here */
        if (rc == Z_BUF_ERROR) /* no progress possible */
            return in->z.avail_in == 0 ? 0 : -EINVAL;
        if (rc != Z_OK)
            return rc == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
    }
    return 0;
}

long pmd_inflate(struct pmd_inflater *in, const uint8_t *data, size_t len, const uint8_t **out)
{
    if (!in->ready || len > UINT32_MAX / 2)
        return -EINVAL;
    if (!in->out && !(in->out = malloc(in->max + 1)))
        return -ENOMEM;
    if (inflateReset(&in->z) != Z_OK)
        return -EINVAL;
    in->z.next_out = in->out;
    in->z.avail_out = (uInt)(in->max + 1);
    int rc = inflate_some(in, data, len);
    if (rc == 0)
        rc = inflate_some(in, tail, sizeof(tail));
    if (rc < 0)
        return rc;
    if (in->z.avail_out == 0)
        return -EMSGSIZE;
    /* Without a final block the message must end on a block boundary (the tail's empty
     * stored block leaves inflate waiting for a new block header). */
    if (rc == 0 && !(in->z.data_type & 128))
        return -EINVAL;
    *out = in->out;
    return (long)(in->max + 1 - in->z.avail_out);
}
